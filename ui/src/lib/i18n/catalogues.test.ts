import { describe, expect, it } from "vitest";
import en from "./en";
import de from "./de";
import { locale, setLocale, t } from "./index";

type Tree = Record<string, unknown>;

/** Every key path with what is there: "string" or "function/<arity>". */
function shape(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = `${prefix}${key}`;
    if (typeof value === "function") out.set(path, `function/${value.length}`);
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of shape(value as Tree, `${path}.`)) out.set(k, v);
    } else out.set(path, typeof value);
  }
  return out;
}

describe("catalogues", () => {
  it("German has every English message, with the same arguments", () => {
    expect([...shape(de)].sort()).toEqual([...shape(en)].sort());
  });

  it("German is translated, not copied", () => {
    const same = [...shape(en).keys()].filter((path) => {
      const pick = (tree: Tree) => path.split(".").reduce<unknown>((node, k) => (node as Tree)[k], tree);
      const [a, b] = [pick(en), pick(de)];
      return typeof a === "string" && a === b;
    });
    // Words German shares with English.
    expect(same.sort()).toEqual([
      "brand",
      "kinds.audio",
      "kinds.text",
      "kinds.video",
      "link.name",
      "link.title",
      "sourceNames.url",
    ]);
  });

  it("plurals and arguments come out right in both", () => {
    setLocale("de-DE");
    expect(locale).toBe("de-DE");
    expect(t.summary.files(1)).toBe("1 Datei");
    expect(t.summary.files(3)).toBe("3 Dateien");
    setLocale("fr");
    expect(t.summary.files(1)).toBe("1 file");
    expect(locale).toBe("fr");
    setLocale("not a tag!");
    expect(locale).toBe("en");
    expect(t.summary.files(2)).toBe("2 files");
  });
});
