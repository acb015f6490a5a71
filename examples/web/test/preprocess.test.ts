import { describe, expect, it } from "vitest";
import { SIDE, toMnist } from "../src/preprocess.js";

/** A width×height image with ink 1 on the given rectangle (inclusive bounds). */
function rectangle(width: number, height: number, x0: number, y0: number, x1: number, y1: number) {
  const pixels = new Float32Array(width * height);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) pixels[y * width + x] = 1;
  return { width, height, pixels };
}

function centreOfMass(image: Float32Array): { x: number; y: number; mass: number } {
  let mass = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < image.length; i++) {
    mass += image[i]!;
    x += image[i]! * ((i % SIDE) + 0.5);
    y += image[i]! * (Math.floor(i / SIDE) + 0.5);
  }
  return { x: x / mass, y: y / mass, mass };
}

function inkBox(image: Float32Array): { width: number; height: number } {
  let [top, bottom, left, right] = [SIDE, -1, SIDE, -1];
  image.forEach((v, i) => {
    if (v <= 0) return;
    const [x, y] = [i % SIDE, Math.floor(i / SIDE)];
    [top, bottom, left, right] = [Math.min(top, y), Math.max(bottom, y), Math.min(left, x), Math.max(right, x)];
  });
  return { width: right - left + 1, height: bottom - top + 1 };
}

describe("toMnist", () => {
  it("gives undefined for an empty drawing", () => {
    expect(toMnist({ width: 280, height: 280, pixels: new Float32Array(280 * 280) })).toBeUndefined();
  });

  it("scales the ink's longer side to 20 pixels, keeping its aspect ratio", () => {
    // A 100×200 bar in a corner of a 280×280 pad becomes 10×20.
    const out = toMnist(rectangle(280, 280, 0, 0, 99, 199))!;
    expect(inkBox(out)).toEqual({ width: 10, height: 20 });
    expect(Math.max(...out)).toBe(1);
  });

  it("puts the centre of mass at the centre, wherever the ink was drawn", () => {
    for (const [x0, y0] of [
      [0, 0],
      [200, 30],
      [37, 251],
    ] as const) {
      const { x, y } = centreOfMass(toMnist(rectangle(280, 280, x0, y0, x0 + 28, y0 + 28))!);
      expect(Math.abs(x - 14)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(y - 14)).toBeLessThanOrEqual(0.5);
    }
  });

  it("keeps a thin stroke as grey rather than dropping it", () => {
    // A 1-pixel line 280 long, scaled by 20/280, averages to 1/14 per output pixel.
    const out = toMnist(rectangle(280, 280, 0, 140, 279, 140))!;
    expect(inkBox(out)).toEqual({ width: 20, height: 1 });
    expect(out.filter((v) => v > 0).every((v) => Math.abs(v - 1 / 14) < 1e-6)).toBe(true);
  });

  it("does not enlarge ink smaller than the box", () => {
    const out = toMnist(rectangle(28, 28, 3, 3, 7, 9))!;
    expect(inkBox(out)).toEqual({ width: 5, height: 7 });
    expect(centreOfMass(out).mass).toBe(35);
  });

  it("rejects pixels that do not make the image", () => {
    expect(() => toMnist({ width: 28, height: 28, pixels: new Float32Array(10) })).toThrow(
      "toMnist: 10 pixels do not make a 28×28 image",
    );
  });
});
