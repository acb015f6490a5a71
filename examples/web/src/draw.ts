import type { Greyscale } from "./preprocess.js";

/** The pad's own resolution: ten pixels for each of MNIST's 28. */
export const PAD_SIDE = 280;
/** MNIST's pen is about two and a half of its pixels wide. */
const BRUSH = 24;

/**
 * A canvas to draw on with a mouse, a pen or a finger (pointer events). White ink on black, like
 * MNIST. `onChange` gets the drawing whenever it changes, at most once a frame.
 */
export class DrawingPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: (image: Greyscale | undefined) => void,
  ) {
    canvas.width = PAD_SIDE;
    canvas.height = PAD_SIDE;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (context === null) throw new Error("DrawingPad: this browser gives no 2D canvas context");
    this.context = context;
    this.clear();
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.stroke(this.last);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (this.last === undefined) return;
      // A fast stroke delivers several moves per event; draw all of them.
      for (const event of e.getCoalescedEvents?.() ?? [e]) this.stroke(this.point(event));
    });
    const end = (): void => {
      this.last = undefined;
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  }

  clear(): void {
    this.context.fillStyle = "#000";
    this.context.fillRect(0, 0, PAD_SIDE, PAD_SIDE);
    this.onChange(undefined);
  }

  /** The drawing as greyscale, ink 1. */
  image(): Greyscale {
    const rgba = this.context.getImageData(0, 0, PAD_SIDE, PAD_SIDE).data;
    const pixels = new Float32Array(PAD_SIDE * PAD_SIDE);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[4 * i]! / 255;
    return { width: PAD_SIDE, height: PAD_SIDE, pixels };
  }

  /** The pointer's position in the pad's pixels, whatever size the page shows it at. */
  private point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * PAD_SIDE) / box.width, y: ((e.clientY - box.top) * PAD_SIDE) / box.height };
  }

  private stroke(to: { x: number; y: number }): void {
    const from = this.last ?? to;
    const g = this.context;
    g.strokeStyle = "#fff";
    g.lineWidth = BRUSH;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.beginPath();
    g.moveTo(from.x, from.y);
    g.lineTo(to.x + (from === to ? 0.01 : 0), to.y);
    g.stroke();
    this.last = to;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange(this.image());
    });
  }
}
