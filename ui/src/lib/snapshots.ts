// State reaches the view two ways: whole snapshots (command replies) and
// patches (events, many a second, with only the files that changed). Files
// that did not change keep the object the view already has, so the view
// redraws only the rows that changed: with a thousand files and three
// uploading, three rows, not a thousand.

import type { FileRecord, Snapshot, StatePatch } from "./types";

/**
 * The state a patch makes of `previous`, or null when it cannot be applied
 * (the view missed the event it builds on) and the whole state must be
 * asked for. A patch older than `previous` changes nothing.
 */
export function applyPatch(previous: Snapshot | null, patch: StatePatch): Snapshot | null {
  const revision = previous?.revision ?? 0;
  if (previous && patch.revision <= revision) return previous;
  if (patch.base > revision) return null;
  const { base: _base, changed, order, ...rest } = patch;
  const files = previous?.files ?? [];
  const fresh = new Map(changed.map((file) => [file.uuid, file]));
  let next: FileRecord[];
  if (order) {
    const before = new Map(files.map((file) => [file.uuid, file]));
    next = order.flatMap((uuid) => {
      const file = fresh.get(uuid) ?? before.get(uuid);
      return file ? [file] : [];
    });
  } else if (fresh.size === 0) {
    next = files;
  } else {
    next = files.map((file) => fresh.get(file.uuid) ?? file);
  }
  return { ...rest, files: next };
}

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
