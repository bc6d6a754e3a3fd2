import { describe, expect, it } from "vitest";
import { centred, isWhole, move, ratioName, resize, turn, WHOLE } from "./crop";

describe("the crop box", () => {
  it("centres the largest box of a ratio", () => {
    const square = centred(1, 600, 400);
    expect(square.width * 600).toBeCloseTo(400);
    expect(square.height).toBe(1);
    expect(square.x).toBeCloseTo(1 / 6);
    expect(isWhole(centred(null, 600, 400))).toBe(true);
  });

  it("moves inside the picture only", () => {
    const box = { x: 0.5, y: 0.5, width: 0.4, height: 0.4 };
    expect(move(box, 0.5, -1)).toEqual({ x: 0.6, y: 0, width: 0.4, height: 0.4 });
  });

  it("resizes from a corner, keeping the ratio and the other corner", () => {
    const box = resize(WHOLE, "se", -0.5, 0, 1, 600, 400);
    // Width 0.5 of 600 px is 300 px; a square needs 300 of 400 px high.
    expect(box.width).toBeCloseTo(0.5);
    expect(box.height).toBeCloseTo(0.75);
    expect([box.x, box.y]).toEqual([0, 0]);
    const free = resize(box, "nw", 0.1, 0.1, null, 600, 400);
    expect(free.x + free.width).toBeCloseTo(0.5);
    expect(free.y).toBeCloseTo(0.1);
    // Never past the edge, ratio or not.
    const big = resize({ x: 0.5, y: 0, width: 0.25, height: 0.25 }, "se", 2, 0, 1, 400, 400);
    expect(big.x + big.width).toBeLessThanOrEqual(1 + 1e-9);
    expect(big.width).toBeCloseTo(big.height);
  });

  it("turns with the picture", () => {
    const top = { x: 0, y: 0, width: 1, height: 0.5 };
    // Turned clockwise, the top half becomes the right half.
    expect(turn(top, 1)).toEqual({ x: 0.5, y: 0, width: 0.5, height: 1 });
    expect(turn(turn(top, 1), -1)).toEqual(top);
  });

  it("names the usual ratios", () => {
    expect(ratioName(16 / 9)).toBe("16:9");
    expect(ratioName(1.25)).toBe("1.25");
  });
});
