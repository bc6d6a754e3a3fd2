import { describe, expect, it } from "vitest";
import { formatDate, formatEta, formatRate, formatSize, percent } from "./format";

describe("formatSize", () => {
  it("uses decimal units with one decimal below 100", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(999)).toBe("999 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(123_456_789)).toBe("123 MB");
    expect(formatSize(5e15)).toBe("5,000 TB");
  });
  it("follows the locale", () => {
    expect(formatSize(1536, "de")).toBe("1,5 KB");
    expect(formatSize(5e15, "de")).toBe("5.000 TB");
    expect(formatRate(2_500_000, "de")).toBe("2,5 MB/s");
  });
  it("refuses nonsense", () => {
    expect(formatSize(-1)).toBe("–");
    expect(formatSize(Number.NaN)).toBe("–");
  });
});

describe("rates and times", () => {
  it("formats rates and ETAs", () => {
    expect(formatRate(null)).toBe("");
    expect(formatRate(2_500_000)).toBe("2.5 MB/s");
    expect(formatEta(null)).toBe("");
    expect(formatEta(12.4)).toBe("12 s");
    expect(formatEta(180)).toBe("3 min");
    expect(formatEta(3900)).toBe("1 h 5 min");
  });
});

describe("percent", () => {
  it("is bounded and treats empty files", () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });
});

describe("formatDate", () => {
  it("formats HTTP dates for the locale and leaves nonsense out", () => {
    const raw = "Tue, 03 Mar 2026 14:05:00 GMT";
    expect(formatDate(raw, "en")).toMatch(/Mar 3, 2026/);
    expect(formatDate(raw, "de")).toMatch(/03\.03\.2026/);
    expect(formatDate("", "en")).toBe("");
    expect(formatDate("yesterday-ish", "en")).toBe("");
  });
});
