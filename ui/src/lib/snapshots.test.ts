import { describe, expect, it } from "vitest";
import { applyPatch, keepUnchanged } from "./snapshots";
import type { FileRecord, Snapshot, StatePatch } from "./types";

const file = (uuid: string, transferred: number, extra: Partial<FileRecord> = {}): FileRecord => ({
  uuid,
  filename: `${uuid}.bin`,
  display_name: `${uuid}.bin`,
  type: "application/octet-stream",
  size: 10,
  source: "local_file_system",
  status: transferred >= 10 ? "done" : "uploading",
  transferred,
  rate: null,
  eta: null,
  ...extra,
});

const snapshot = (revision: number, files: FileRecord[]): Snapshot => ({
  revision,
  files,
  totals: { files: files.length, size: 10 * files.length, transferred: 0, rate: null, eta: null },
  uploading: true,
  finished: false,
  destination: "/d",
  notices: [],
});

describe("keepUnchanged", () => {
  it("keeps the objects of files that did not change, and only those", () => {
    const first = snapshot(1, [file("a", 10), file("b", 3), file("c", 0)]);
    const next = keepUnchanged(first, snapshot(2, [file("a", 10), file("b", 7), file("c", 0)]));
    expect(next.revision).toBe(2);
    expect(next.files[0]).toBe(first.files[0]);
    expect(next.files[1]).not.toBe(first.files[1]);
    expect(next.files[1]?.transferred).toBe(7);
    expect(next.files[2]).toBe(first.files[2]);
  });

  it("sees changes in errors and in fields that come and go", () => {
    const failed = file("a", 0, { status: "failed", error: { kind: "network", message: "x", args: { url: "u" } } });
    const first = snapshot(1, [failed]);
    const same = keepUnchanged(first, snapshot(2, [file("a", 0, { status: "failed", error: { kind: "network", message: "x", args: { url: "u" } } })]));
    expect(same.files[0]).toBe(failed);
    const other = keepUnchanged(first, snapshot(3, [file("a", 0, { status: "failed", error: { kind: "network", message: "y" } })]));
    expect(other.files[0]).not.toBe(failed);
    const landed = keepUnchanged(first, snapshot(4, [file("a", 0, { status: "failed", error: failed.error, landed: "/d/a" })]));
    expect(landed.files[0]).not.toBe(failed);
  });

  it("keeps the whole list when nothing changed, and follows removals", () => {
    const first = snapshot(1, [file("a", 10), file("b", 3)]);
    expect(keepUnchanged(first, snapshot(2, [file("a", 10), file("b", 3)])).files).toBe(first.files);
    const removed = keepUnchanged(first, snapshot(3, [file("b", 3)]));
    expect(removed.files).toEqual([first.files[1]]);
    expect(removed.files[0]).toBe(first.files[1]);
  });
});

const patch = (base: number, revision: number, changed: FileRecord[], order?: string[]): StatePatch => {
  const { files: _files, ...rest } = snapshot(revision, []);
  return { ...rest, base, changed, order };
};

describe("applyPatch", () => {
  it("replaces the changed files and keeps the others' objects", () => {
    const before = snapshot(3, [file("a", 1), file("b", 2)]);
    const next = applyPatch(before, patch(3, 5, [file("b", 7)]));
    expect(next?.files.map((f) => f.transferred)).toEqual([1, 7]);
    expect(next?.files[0]).toBe(before.files[0]);
    expect(next?.revision).toBe(5);
  });

  it("follows a new order: new files join, files left out are gone", () => {
    const before = snapshot(3, [file("a", 1), file("b", 2)]);
    const next = applyPatch(before, patch(3, 4, [file("c", 0)], ["b", "c"]));
    expect(next?.files.map((f) => f.uuid)).toEqual(["b", "c"]);
    expect(next?.files[0]).toBe(before.files[1]);
  });

  it("builds on a newer state, ignores an older patch, and asks for the whole state after a gap", () => {
    const current = snapshot(6, [file("a", 1)]);
    expect(applyPatch(current, patch(4, 7, [file("a", 9)]))?.files[0]?.transferred).toBe(9);
    expect(applyPatch(current, patch(2, 5, [file("a", 0)]))).toBe(current);
    expect(applyPatch(current, patch(7, 8, []))).toBeNull();
    expect(applyPatch(null, patch(0, 1, [file("a", 0)], ["a"]))?.files).toHaveLength(1);
  });
});
