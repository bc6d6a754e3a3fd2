// The crop box of the picture editor, in fractions (0–1) of the picture as
// shown. `width`/`height` below are the shown picture's pixels, which turn a
// pixel aspect ratio into fractions: a box of ratio r has
// height = width · W / (r · H).

import type { CropBox } from "./types";

export type Corner = "nw" | "ne" | "sw" | "se";

export const WHOLE: CropBox = { x: 0, y: 0, width: 1, height: 1 };
/** The smallest box side, so a box never vanishes. */
const MIN = 0.02;

export function isWhole(box: CropBox): boolean {
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;
  return near(box.x, 0) && near(box.y, 0) && near(box.width, 1) && near(box.height, 1);
}

/** The largest box of `ratio` centred in a `width`×`height` picture; the whole one when free. */
export function centred(ratio: number | null, width: number, height: number): CropBox {
  if (!ratio) return { ...WHOLE };
  if (width / height > ratio) {
    const part = Math.min(1, (height * ratio) / width);
    return { x: (1 - part) / 2, y: 0, width: part, height: 1 };
  }
  const part = Math.min(1, width / ratio / height);
  return { x: 0, y: (1 - part) / 2, width: 1, height: part };
}

/** The box moved by (dx, dy), kept inside the picture. */
export function move(box: CropBox, dx: number, dy: number): CropBox {
  return {
    ...box,
    x: clamp(box.x + dx, 0, 1 - box.width),
    y: clamp(box.y + dy, 0, 1 - box.height),
  };
}

/**
 * The box with `corner` dragged by (dx, dy) and the opposite corner held,
 * keeping `ratio` (pixels) when one is chosen, and inside the picture.
 */
export function resize(
  box: CropBox,
  corner: Corner,
  dx: number,
  dy: number,
  ratio: number | null,
  width: number,
  height: number,
): CropBox {
  const west = corner === "nw" || corner === "sw";
  const north = corner === "nw" || corner === "ne";
  // The held corner, and how far the box may reach from it.
  const ax = west ? box.x + box.width : box.x;
  const ay = north ? box.y + box.height : box.y;
  const roomX = west ? ax : 1 - ax;
  const roomY = north ? ay : 1 - ay;
  let w = clamp(box.width + (west ? -dx : dx), MIN, roomX);
  let h = clamp(box.height + (north ? -dy : dy), MIN, roomY);
  if (ratio) {
    const perW = width / (ratio * height);
    // The side moved more leads; the other follows, and both fit.
    if (Math.abs(dx) >= Math.abs(dy)) h = w * perW;
    else w = h / perW;
    if (h > roomY) [h, w] = [roomY, roomY / perW];
    if (w > roomX) [w, h] = [roomX, roomX * perW];
  }
  return { x: west ? ax - w : ax, y: north ? ay - h : ay, width: w, height: h };
}

/** The same part of the picture after it turns a quarter (`by` 1: clockwise, -1: anticlockwise). */
export function turn(box: CropBox, by: 1 | -1): CropBox {
  return by === 1
    ? { x: 1 - box.y - box.height, y: box.x, width: box.height, height: box.width }
    : { x: box.y, y: 1 - box.x - box.width, width: box.height, height: box.width };
}

/** What a pixel ratio like 4:3 is called in the presets. */
export function ratioName(ratio: number): string {
  const usual: [number, number][] = [
    [1, 1],
    [4, 3],
    [3, 4],
    [16, 9],
    [9, 16],
    [3, 2],
    [2, 3],
  ];
  for (const [w, h] of usual) {
    if (Math.abs(ratio - w / h) < 1e-3) return `${w}:${h}`;
  }
  return String(Math.round(ratio * 100) / 100);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), Math.max(lo, hi));
}
