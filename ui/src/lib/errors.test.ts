import { afterEach, describe as group, expect, it } from "vitest";
import { describe } from "./errors";
import { setLocale } from "./i18n";

group("errors in the window's language", () => {
  afterEach(() => setLocale("en"));

  it("says a refusal with human sizes, in English and German", () => {
    const error = {
      kind: "rejected",
      message: "huge.png was not added: it is 20000 bytes, over the maxSize of 10000 bytes",
      args: { name: "huge.png", size: "20000", limit: "10000" },
    };
    setLocale("en");
    expect(describe(error)).toBe("huge.png was not added: it is 20 KB, over the maxSize of 10 KB");
    setLocale("de");
    expect(describe(error)).toBe("huge.png wurde nicht hinzugefügt: 20 KB überschreitet die Grenze von 10 KB");
  });

  it("says policy caps with human sizes", () => {
    setLocale("en");
    const error = {
      kind: "spoolFull",
      message: "x",
      args: { what: "the source team", limit: "100000000", key: "spoolMaxPerSource" },
    };
    expect(describe(error)).toBe(
      "The spool is full: the source team may keep at most 100 MB there (spoolMaxPerSource)",
    );
  });

  it("tells type refusals from size refusals", () => {
    setLocale("de");
    const error = {
      kind: "rejected",
      message: "x",
      args: { name: "a.txt", type: "text/plain", accept: "image/*" },
    };
    expect(describe(error)).toBe("a.txt wurde nicht hinzugefügt: der Typ text/plain ist nicht erlaubt (nur image/*)");
  });

  it("falls back to Rust's message for unknown kinds and for args it lacks", () => {
    setLocale("de");
    expect(describe({ kind: "somethingNew", message: "something new went wrong" })).toBe("something new went wrong");
    // An error without particulars is said in German around Rust's words.
    expect(describe({ kind: "invalidId", message: "\"x\" is not a valid file id" })).toBe(
      "Ungültige Datei-ID (\"x\" is not a valid file id)",
    );
    expect(describe({ kind: "notFound", message: "/a: no such file or folder" })).toBe("/a: no such file or folder");
    expect(describe({ kind: "uploadRunning", message: "an upload is already running" })).toBe(
      "Es wird bereits hochgeladen",
    );
  });
});
