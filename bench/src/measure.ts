import { type Cell, lossDetail } from "./results.js";
import { epochTiming, timing } from "./workloads.js";

const now = (): number => performance.now();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median milliseconds per call of `fn`: warm up for `warmupMs` (at least one call), then time
 * rounds of enough calls to last `roundMs`, as many rounds as fit in `budgetMs` (within
 * [minRounds, maxRounds]). Slow calls (a second or more) get minRounds rounds of one call.
 */
export function timeCall(fn: () => void): number {
  let t0 = now();
  let calls = 0;
  do {
    fn();
    calls++;
  } while (now() - t0 < timing.warmupMs);
  const perCall = (now() - t0) / calls;
  const callsPerRound = Math.max(1, Math.ceil(timing.roundMs / perCall));
  const rounds = Math.min(
    timing.maxRounds,
    Math.max(timing.minRounds, Math.floor(timing.budgetMs / (perCall * callsPerRound))),
  );
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    t0 = now();
    for (let i = 0; i < callsPerRound; i++) fn();
    samples.push((now() - t0) / callsPerRound);
  }
  return median(samples);
}

/**
 * Median wall time of up to `runs` runs of a long job (an epoch on a fresh model); stops after
 * one run when that run took longer than epochTiming.slowMs (tfjs-cpu's minute-long epochs).
 * Returns the result of the first run, and how many runs the median is over.
 */
export function timeRuns<T>(runs: number, run: () => T): { ms: number; runs: number; result: T } {
  const samples: number[] = [];
  let result: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    const out = run();
    samples.push(now() - t0);
    result ??= out;
    if (samples[0]! > epochTiming.slowMs) break;
  }
  return { ms: median(samples), runs: samples.length, result: result as T };
}

/** A training row: the median seconds per epoch of `timeRuns`, with the first run's last batch loss. */
export function timeLossRuns(runs: number, epoch: () => number): Cell {
  const { ms, runs: timed, result } = timeRuns(runs, epoch);
  return { value: ms / 1000, detail: lossDetail(result, timed) };
}
