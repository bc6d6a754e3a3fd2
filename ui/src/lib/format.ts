// Human units for sizes, rates and times.

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

/** 1536 → "1.5 KB" (decimal units, as file managers on Linux show them). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? "" : `${formatSize(bytesPerSecond)}/s`;
}

/** Seconds left → "12 s", "3 min", "1 h 5 min". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Whole percent, never over 100, 100 for an empty file that is done. */
export function percent(transferred: number, size: number): number {
  if (size <= 0) return transferred >= size ? 100 : 0;
  return Math.min(100, Math.floor((transferred / size) * 100));
}
