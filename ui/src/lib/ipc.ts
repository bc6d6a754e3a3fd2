// The only module that talks to Rust. Components call these and render the
// snapshots that come back or arrive as events.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ErrorInfo, Snapshot } from "./types";

const STATE_EVENT = "satchel://state";

export const getState = () => invoke<Snapshot>("get_state");
export const chooseFiles = () => invoke<Snapshot>("choose_files");
export const chooseFolder = () => invoke<Snapshot>("choose_folder");
export const addPaths = (paths: string[]) => invoke<Snapshot>("add_paths", { paths });
export const removeFile = (uuid: string) => invoke<Snapshot>("remove_file", { uuid });
export const dismissNotice = (id: number) => invoke<Snapshot>("dismiss_notice", { id });
export const startUpload = () => invoke<void>("start_upload");
export const cancelFile = (uuid: string) => invoke<Snapshot>("cancel_file", { uuid });
export const cancelAll = () => invoke<Snapshot>("cancel_all");
export const pauseFile = (uuid: string) => invoke<Snapshot>("pause_file", { uuid });
export const pauseAll = () => invoke<Snapshot>("pause_all");
export const finish = () => invoke<void>("finish");

export function onState(handler: (snapshot: Snapshot) => void): Promise<UnlistenFn> {
  return listen<Snapshot>(STATE_EVENT, (event) => handler(event.payload));
}

/** Commands reject with `{kind, message}`; anything else is wrapped alike. */
export function asErrorInfo(error: unknown): ErrorInfo {
  if (typeof error === "object" && error !== null && "kind" in error && "message" in error) {
    return { kind: String(error.kind), message: String(error.message) };
  }
  return { kind: "internal", message: String(error) };
}
