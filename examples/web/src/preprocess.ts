/**
 * Turns a drawing into what the MNIST models were trained on. MNIST's digits were scaled to fit
 * a 20×20 box (keeping their aspect ratio, anti-aliased) and placed in a 28×28 image so that
 * their centre of mass sits at its centre; a drawing gets the same treatment, in plain arithmetic
 * so that Node tests it as the page runs it.
 */

export const SIDE = 28;
/** The box MNIST scaled each digit's longer side to. */
export const BOX = 20;

/** A greyscale image, row-major, ink 1 and background 0. */
export interface Greyscale {
  readonly width: number;
  readonly height: number;
  readonly pixels: Float32Array;
}

/** Pixels at or below this count as paper when finding the ink's bounding box. */
const INK = 0.05;

/**
 * The 28×28 MNIST-like image of the ink in `image`, values in [0, 1], or undefined if there is no
 * ink. The ink's bounding box is averaged down to fit 20×20 (never enlarged), then shifted so that
 * its centre of mass lands on the centre of the 28×28 frame.
 */
export function toMnist(image: Greyscale): Float32Array | undefined {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height) {
    throw new Error(`toMnist: ${pixels.length} pixels do not make a ${width}×${height} image`);
  }
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (pixels[y * width + x]! > INK) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  if (bottom < 0) return undefined;
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  // The scale as a fraction of integers, so that pixel positions are exact: BOX/longest, or 1.
  const longest = Math.max(boxWidth, boxHeight);
  const [num, den] = longest > BOX ? [BOX, longest] : [1, 1];
  const outWidth = Math.ceil((boxWidth * num) / den);
  const outHeight = Math.ceil((boxHeight * num) / den);
  const small = averageDown(image, left, top, boxWidth, boxHeight, num, den, outWidth, outHeight);

  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const v = small[y * outWidth + x]!;
      mass += v;
      sumX += v * (x + 0.5);
      sumY += v * (y + 0.5);
    }
  }
  // Where the small image's corner goes so that its centre of mass falls on the image's centre,
  // kept inside the 28×28 frame.
  const offsetX = clamp(Math.round(SIDE / 2 - sumX / mass), 0, SIDE - outWidth);
  const offsetY = clamp(Math.round(SIDE / 2 - sumY / mass), 0, SIDE - outHeight);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) out[(y + offsetY) * SIDE + x + offsetX] = small[y * outWidth + x]!;
  }
  return out;
}

/**
 * The box (left, top, width, height) of `image` shrunk by num/den ≤ 1 into outWidth×outHeight: each
 * output pixel is the ink over the area it covers, so a stroke thinner than an output pixel stays
 * as grey.
 */
function averageDown(
  image: Greyscale,
  left: number,
  top: number,
  width: number,
  height: number,
  num: number,
  den: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const out = new Float32Array(outWidth * outHeight);
  for (let y = 0; y < height; y++) {
    const oy = Math.min(outHeight - 1, Math.floor((y * num) / den));
    for (let x = 0; x < width; x++) {
      const ox = Math.min(outWidth - 1, Math.floor((x * num) / den));
      out[oy * outWidth + ox]! += image.pixels[(top + y) * image.width + left + x]!;
    }
  }
  const area = (num / den) ** 2;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]! * area);
  return out;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}
