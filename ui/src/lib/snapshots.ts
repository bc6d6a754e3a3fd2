// Snapshots arrive whole, many times a second, with every file of the
// queue. Files that did not change keep the object the view already has,
// so the view redraws only the rows that changed: with a thousand files
// and three uploading, three rows, not a thousand.

import type { FileRecord, Snapshot } from "./types";

export function keepUnchanged(previous: Snapshot | null, next: Snapshot): Snapshot {
  if (!previous) return next;
  const before = new Map(previous.files.map((file) => [file.uuid, file]));
  const files = next.files.map((file) => {
    const old = before.get(file.uuid);
    return old && sameFile(old, file) ? old : file;
  });
  const unchanged = files.length === previous.files.length && files.every((f, i) => f === previous.files[i]);
  return { ...next, files: unchanged ? previous.files : files };
}

function sameFile(a: FileRecord, b: FileRecord): boolean {
  const keys = Object.keys(a) as (keyof FileRecord)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const [x, y] = [a[key], b[key]];
    if (x === y) return true;
    // Objects (`error` with its `args`, `edit`, `image`) compare by content.
    return typeof x === "object" && typeof y === "object" && JSON.stringify(x) === JSON.stringify(y);
  });
}
