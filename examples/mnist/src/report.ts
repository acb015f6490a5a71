import type { EpochLog, Tensor } from "nabla";

/** The class with the largest logit in each row of `logits` [N, C]. */
export function argmaxRows(logits: Tensor): Int32Array {
  const [n, c] = logits.shape as [number, number];
  const z = logits.data;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (z[i * c + j]! > z[i * c + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** The softmax probability of class `k` in row `i` of `logits` [N, C]. */
export function probability(logits: Tensor, i: number, k: number): number {
  const c = logits.shape[1]!;
  const z = logits.data;
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, z[i * c + j]!);
  let sum = 0;
  for (let j = 0; j < c; j++) sum += Math.exp(z[i * c + j]! - max);
  return Math.exp(z[i * c + k]! - max) / sum;
}

/** counts[t * classes + p]: how many examples of true class t were predicted as p. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): Int32Array {
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]! * classes + predicted[i]!]!++;
  return counts;
}

/** The matrix as a table, rows = true digit, columns = predicted; zeros shown as "·" so mistakes stand out. */
export function formatConfusionMatrix(counts: Int32Array, classes: number): string {
  const width = Math.max(5, String(Math.max(...counts)).length + 2);
  const cell = (s: string): string => s.padStart(width);
  const lines = [`true\\pred${Array.from({ length: classes }, (_, j) => cell(String(j))).join("")}   recall`];
  for (let t = 0; t < classes; t++) {
    let row = `${String(t).padStart(9)}`;
    let total = 0;
    for (let p = 0; p < classes; p++) {
      const n = counts[t * classes + p]!;
      total += n;
      row += cell(n === 0 ? "·" : String(n));
    }
    const recall = total === 0 ? "—" : `${((100 * counts[t * classes + t]!) / total).toFixed(1)}%`;
    lines.push(`${row}   ${recall.padStart(6)}`);
  }
  return lines.join("\n");
}

const SHADES = [" ", "░", "▒", "▓", "█"];
const SIDE = 28;
/** MNIST digits sit in the central 20×20 box; the 4-pixel border is (nearly) empty. */
const CROP = 4;

/**
 * One 28×28 digit (pixels in [0, 1]) as text: the central 20×20 pixels, two pixel rows per line
 * (terminal cells are about twice as tall as wide), in a frame.
 */
export function drawDigit(pixels: ArrayLike<number>, offset: number): string[] {
  const inner = SIDE - 2 * CROP;
  const lines = [`┌${"─".repeat(inner)}┐`];
  for (let r = CROP; r < SIDE - CROP; r += 2) {
    let line = "│";
    for (let c = CROP; c < SIDE - CROP; c++) {
      const v = (pixels[offset + r * SIDE + c]! + pixels[offset + (r + 1) * SIDE + c]!) / 2;
      line += SHADES[Math.min(SHADES.length - 1, Math.round(v * (SHADES.length - 1)))]!;
    }
    lines.push(`${line}│`);
  }
  lines.push(`└${"─".repeat(inner)}┘`);
  return lines;
}

/**
 * The `count` test digits the model got wrong most confidently, drawn side by side, `perRow` to a
 * row, each captioned "7 read as 2 (93%)".
 */
export function drawMistakes(images: Tensor, labels: Tensor, logits: Tensor, count: number, perRow = 3): string {
  const predicted = argmaxRows(logits);
  const mistakes: { i: number; p: number }[] = [];
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] !== labels.data[i]) mistakes.push({ i, p: probability(logits, i, predicted[i]!) });
  }
  mistakes.sort((a, b) => b.p - a.p);
  const chosen = mistakes.slice(0, count);
  if (chosen.length === 0) return "(no misclassified digits)";
  const blocks: string[] = [];
  for (let start = 0; start < chosen.length; start += perRow) {
    const row = chosen.slice(start, start + perRow).map(({ i, p }) => {
      const drawing = drawDigit(images.data, i * SIDE * SIDE);
      const caption = `${labels.data[i]} read as ${predicted[i]} (${Math.round(p * 100)}%)`;
      const width = drawing[0]!.length;
      return [...drawing, caption.padStart(Math.floor((width + caption.length) / 2)).padEnd(width)];
    });
    const height = row[0]!.length;
    for (let line = 0; line < height; line++) blocks.push(row.map((d) => d[line]).join("  "));
    blocks.push("");
  }
  return blocks.join("\n").trimEnd();
}

/**
 * A hand-written SVG line chart: training loss (left axis) and test accuracy (right axis) per epoch.
 */
export function trainingChartSvg(history: readonly EpochLog[], title: string): string {
  const W = 720;
  const H = 400;
  const m = { left: 70, right: 80, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const n = history.length;
  const losses = history.map((e) => e.loss);
  const accs = history.map((e) => (e.valAccuracy ?? NaN) * 100);
  const lossMax = niceCeil(Math.max(...losses) * 1.05);
  const finiteAccs = accs.filter(Number.isFinite);
  const accMin = finiteAccs.length === 0 ? 0 : Math.max(0, Math.floor(Math.min(...finiteAccs) - 1));
  const accMax = 100;
  const x = (epoch: number): number => m.left + (n === 1 ? pw / 2 : ((epoch - 1) / (n - 1)) * pw);
  const yLoss = (v: number): number => m.top + ph - (v / lossMax) * ph;
  const yAcc = (v: number): number => m.top + ph - ((v - accMin) / (accMax - accMin)) * ph;
  const f = (v: number): string => v.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600">${escapeXml(title)}</text>`,
  );
  // Grid and left axis (loss).
  for (let k = 0; k <= 5; k++) {
    const v = (lossMax * k) / 5;
    const y = yLoss(v);
    out.push(`<line x1="${m.left}" y1="${f(y)}" x2="${m.left + pw}" y2="${f(y)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${f(y + 4)}" text-anchor="end" fill="#1f77b4">${trimNumber(v)}</text>`);
    const a = accMin + ((accMax - accMin) * k) / 5;
    out.push(`<text x="${m.left + pw + 8}" y="${f(yAcc(a) + 4)}" fill="#d62728">${trimNumber(a)}%</text>`);
  }
  // X axis: epochs.
  const step = Math.max(1, Math.ceil(n / 12));
  for (let e = 1; e <= n; e += step) {
    out.push(`<line x1="${f(x(e))}" y1="${m.top + ph}" x2="${f(x(e))}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${f(x(e))}" y="${m.top + ph + 20}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 15}" text-anchor="middle">epoch</text>`);
  out.push(
    `<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">training loss</text>`,
  );
  out.push(
    `<text transform="translate(${W - 18} ${m.top + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">test accuracy</text>`,
  );
  // The two series.
  const series = (values: number[], y: (v: number) => number, color: string): void => {
    const points = values
      .map((v, i) => (Number.isFinite(v) ? `${f(x(i + 1))},${f(y(v))}` : null))
      .filter((p) => p !== null);
    out.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    for (const p of points) {
      const [px, py] = p.split(",");
      out.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${color}"/>`);
    }
  };
  series(losses, yLoss, "#1f77b4");
  series(accs, yAcc, "#d62728");
  // Legend.
  const lx = m.left + 16;
  const ly = m.top + 18;
  out.push(
    `<rect x="${lx - 8}" y="${ly - 14}" width="170" height="46" fill="white" fill-opacity="0.9" stroke="#ccc"/>`,
  );
  out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="#1f77b4" stroke-width="2.5"/>`);
  out.push(`<text x="${lx + 32}" y="${ly}">training loss</text>`);
  out.push(`<line x1="${lx}" y1="${ly + 16}" x2="${lx + 24}" y2="${ly + 16}" stroke="#d62728" stroke-width="2.5"/>`);
  out.push(`<text x="${lx + 32}" y="${ly + 20}">test accuracy</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** The next "round" number above x (1, 2, 2.5, 5 times a power of ten). */
function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= x) return k * p;
  return 10 * p;
}

function trimNumber(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
