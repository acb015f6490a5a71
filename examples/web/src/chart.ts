/** A live chart of training on a plain canvas: the loss of every step, smoothed, and the accuracy. */

const LOSS_COLOUR = "#4f6df5";
const RAW_LOSS_COLOUR = "rgba(79, 109, 245, 0.22)";
const ACCURACY_COLOUR = "#16a34a";
const VALIDATION_COLOUR = "#ea580c";
const GRID_COLOUR = "rgba(128, 128, 128, 0.25)";
const TEXT_COLOUR = "#6b7280";
/** The smoothed loss averages over about a tenth of the run, between 5 and 50 steps. */
const smoothingFor = (totalSteps: number): number => Math.min(0.2, Math.max(0.02, 10 / totalSteps));

export class LiveChart {
  private losses: number[] = [];
  private smoothed: number[] = [];
  private average = 0;
  private accuracy: [number, number][] = [];
  private validation: [number, number][] = [];
  private totalSteps = 1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  reset(totalSteps: number): void {
    this.losses = [];
    this.smoothed = [];
    this.average = 0;
    this.accuracy = [];
    this.validation = [];
    this.totalSteps = Math.max(1, totalSteps);
    this.schedule();
  }

  addLosses(losses: readonly number[]): void {
    const weight = smoothingFor(this.totalSteps);
    for (const loss of losses) {
      this.losses.push(loss);
      // An exponential moving average, divided by its weights' sum so that it starts unbiased (as Adam's moments).
      this.average += weight * (loss - this.average);
      this.smoothed.push(this.average / (1 - (1 - weight) ** this.losses.length));
    }
    this.schedule();
  }

  /** The running training accuracy (0..1) after `step`. */
  addAccuracy(step: number, accuracy: number): void {
    if (Number.isFinite(accuracy)) this.accuracy.push([step, accuracy]);
    this.schedule();
  }

  /** The test accuracy (0..1) measured after `step`. */
  addValidation(step: number, accuracy: number): void {
    this.validation.push([step, accuracy]);
    this.schedule();
  }

  /** Draws at the next frame, once however many updates arrive before it. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext("2d");
    if (g === null) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const pad = { left: 44, right: 48, top: 24, bottom: 26 };
    const plotWidth = width - pad.left - pad.right;
    const plotHeight = height - pad.top - pad.bottom;
    // The axis fits the first steps' smoothed loss (ln 10 ≈ 2.3 for an untrained classifier).
    const maxLoss = Math.max(0.5, Math.ceil(Math.max(...this.smoothed.slice(0, 20), 2.3) * 2) / 2);
    const x = (step: number): number => pad.left + (plotWidth * step) / this.totalSteps;
    const yLoss = (loss: number): number => pad.top + plotHeight * (1 - Math.min(loss, maxLoss) / maxLoss);
    const yAccuracy = (a: number): number => pad.top + plotHeight * (1 - a);

    g.font = "11px system-ui, sans-serif";
    g.lineWidth = 1;
    g.strokeStyle = GRID_COLOUR;
    g.fillStyle = TEXT_COLOUR;
    for (let i = 0; i <= 4; i++) {
      const y = pad.top + (plotHeight * i) / 4;
      g.beginPath();
      g.moveTo(pad.left, y);
      g.lineTo(pad.left + plotWidth, y);
      g.stroke();
      g.textAlign = "right";
      g.fillText((maxLoss * (1 - i / 4)).toFixed(2), pad.left - 6, y + 4);
      g.textAlign = "left";
      g.fillText(`${100 - 25 * i}%`, pad.left + plotWidth + 6, y + 4);
    }
    g.textAlign = "center";
    g.fillText(`steps (of ${this.totalSteps.toLocaleString("en")})`, pad.left + plotWidth / 2, height - 6);
    g.fillStyle = LOSS_COLOUR;
    g.textAlign = "left";
    g.fillText("loss", 4, 12);
    g.fillStyle = ACCURACY_COLOUR;
    g.textAlign = "right";
    g.fillText("accuracy", width - 4, 12);

    const line = (points: readonly [number, number][], colour: string, widthPx: number): void => {
      if (points.length < 2) return;
      g.strokeStyle = colour;
      g.lineWidth = widthPx;
      g.beginPath();
      points.forEach(([px, py], i) => (i === 0 ? g.moveTo(px, py) : g.lineTo(px, py)));
      g.stroke();
    };
    line(
      this.losses.map((l, i) => [x(i + 1), yLoss(l)]),
      RAW_LOSS_COLOUR,
      1,
    );
    line(
      this.smoothed.map((l, i) => [x(i + 1), yLoss(l)]),
      LOSS_COLOUR,
      2,
    );
    line(
      this.accuracy.map(([s, a]) => [x(s), yAccuracy(a)]),
      ACCURACY_COLOUR,
      2,
    );
    g.fillStyle = VALIDATION_COLOUR;
    g.textAlign = "right";
    for (const [s, a] of this.validation) {
      g.beginPath();
      g.arc(x(s), yAccuracy(a), 4, 0, 2 * Math.PI);
      g.fill();
      g.fillText(`test ${(100 * a).toFixed(2)}%`, x(s) - 6, yAccuracy(a) - 8);
    }
  }
}
