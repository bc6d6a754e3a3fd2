// Errors in the window's language: Rust sends each error's kind, its
// English message and, for common errors, the particulars (`args`); the
// catalogue says them, with sizes in the locale's units; errors without
// particulars are given Rust's message to say in their own words.

import { t } from "./i18n";
import type { ErrorArgs } from "./i18n/en";
import { formatSize } from "./format";
import type { ErrorInfo } from "./types";

const SIZES = ["size", "limit"];

export function describe(error: ErrorInfo): string {
  const args: ErrorArgs = { ...(error.args ?? {}) };
  const key = error.kind === "rejected" ? (args.type !== undefined ? "rejectedType" : "rejectedSize") : error.kind;
  const say = (t.errors as Record<string, ((a: ErrorArgs, detail: string) => string) | undefined>)[key];
  // A message made from particulars the error did not bring is left to Rust.
  if (!say || (say.length === 1 && error.args === undefined)) return error.message;
  for (const name of SIZES) {
    const bytes = Number(args[name]);
    if (args[name] !== undefined && Number.isFinite(bytes)) args[name] = formatSize(bytes);
  }
  return say(args, error.message);
}
