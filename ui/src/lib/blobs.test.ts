import { describe, expect, it } from "vitest";
import { asWebUrl, pathsFromUriList } from "./blobs";

describe("pasted text", () => {
  it("takes local paths from a uri-list and skips comments and remote files", () => {
    const list = "# copied\r\nfile:///home/me/a%20b.txt\r\nfile://localhost/tmp/x\r\nfile://other/y\r\nhttp://e.com/z";
    expect(pathsFromUriList(list)).toEqual(["/home/me/a b.txt", "/tmp/x"]);
  });
  it("recognises one web address, nothing else", () => {
    expect(asWebUrl("  https://example.com/a.png \n")).toBe("https://example.com/a.png");
    expect(asWebUrl("see https://example.com")).toBeNull();
    expect(asWebUrl("ftp://example.com/a")).toBeNull();
    expect(asWebUrl("just text")).toBeNull();
  });
});
