// Human units for sizes, rates, times and dates, in the window's locale.

import { locale, t } from "./i18n";

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** 1536 → "1.5 KB" ("1,5 KB" in German): decimal units, as Linux file managers show them. */
export function formatSize(bytes: number, tag: string = locale): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = new Intl.NumberFormat(tag, { maximumFractionDigits: digits });
  return `${number.format(value)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null, tag: string = locale): string {
  return bytesPerSecond === null ? "" : `${formatSize(bytesPerSecond, tag)}/s`;
}

/** Seconds left → "12 s", "3 min", "1 h 5 min". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t.eta.seconds(s);
  const minutes = Math.round(s / 60);
  if (minutes < 60) return t.eta.minutes(minutes);
  return t.eta.hours(Math.floor(minutes / 60), minutes % 60);
}

/** An HTTP date or ISO time → the locale's medium date and short time; "" when unreadable. */
export function formatDate(raw: string, tag: string = locale): string {
  const time = Date.parse(raw);
  if (!raw || Number.isNaN(time)) return "";
  return new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short" }).format(time);
}

/** Whole percent, never over 100, 100 for an empty file that is done. */
export function percent(transferred: number, size: number): number {
  if (size <= 0) return transferred >= size ? 100 : 0;
  return Math.min(100, Math.floor((transferred / size) * 100));
}
