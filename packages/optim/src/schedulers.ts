import { checkNonNegative, Optimizer, show } from "./optimizer.js";
import { mergeOptions, type OptionDefaults, REQUIRED } from "./options.js";

/** A scheduler's state: the epoch, each group's initial lr and the scheduler's options. */
export interface SchedulerState {
  lastEpoch: number;
  baseLrs: number[];
  [option: string]: number | number[];
}

/**
 * The base of the learning-rate schedulers. Each sets every param group's lr from a closed form
 * of the group's initial lr (its lr when the scheduler was made) and the epoch, as PyTorch's
 * `_get_closed_form_lr`. Construction is epoch 0 (the initial lrs); each `step()` advances one epoch.
 */
export abstract class LRScheduler<O extends object = object> {
  readonly name: string;
  readonly optimizer: Optimizer;
  /** The epoch the current lrs belong to: 0 after construction, +1 per `step()`. */
  lastEpoch = 0;
  /** Each param group's lr when the scheduler was made. */
  baseLrs: number[];
  protected options: O;
  private lastLr: number[];

  /** `defaults` names every option with its default value or `REQUIRED`, as an optimizer's do. */
  constructor(
    optimizer: Optimizer,
    defaults: OptionDefaults<O>,
    options: Partial<O> = {},
    name: string = new.target.name,
  ) {
    this.name = name;
    if (!(optimizer instanceof Optimizer)) throw new Error(`${name}: expected an Optimizer, got ${show(optimizer)}`);
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new Error(`${name}: options must be an object, got ${show(options)}`);
    }
    const merged = mergeOptions(name, defaults, options);
    this.validateOptions(merged, name);
    this.optimizer = optimizer;
    this.options = merged;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.lastLr = this.apply();
  }

  /** Validates the options; messages start with `op`. */
  protected abstract validateOptions(options: O, op: string): void;

  /** The lr of a group whose initial lr is `baseLr`, at `epoch`. */
  protected abstract lrAt(baseLr: number, epoch: number): number;

  /** Advances one epoch and sets every group's lr. */
  step(): void {
    this.lastEpoch++;
    this.lastLr = this.apply();
  }

  /** The lrs the scheduler last set, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerState {
    return { ...(this.options as Record<string, number>), lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /**
   * Restores a state from `stateDict()` (options included, as PyTorch) and sets the optimizer's lrs
   * for the restored epoch. Validates everything first; on a mismatch it throws and changes nothing.
   */
  loadStateDict(saved: SchedulerState): void {
    const op = `${this.name}.loadStateDict`;
    if (saved === null || typeof saved !== "object")
      throw new Error(`${op}: expected the object stateDict() returns, got ${show(saved)}`);
    const names = Object.keys(this.options);
    const expected = ["lastEpoch", "baseLrs", ...names];
    for (const key of Object.keys(saved)) {
      if (!expected.includes(key)) throw new Error(`${op}: unknown key '${key}'; expected ${expected.join(", ")}`);
    }
    for (const key of expected) if (!(key in saved)) throw new Error(`${op}: the state lacks '${key}'`);
    const { lastEpoch, baseLrs } = saved;
    if (typeof lastEpoch !== "number" || !Number.isInteger(lastEpoch) || lastEpoch < 0) {
      throw new Error(`${op}: lastEpoch must be a non-negative integer, got ${show(lastEpoch)}`);
    }
    const groups = this.optimizer.paramGroups.length;
    if (!Array.isArray(baseLrs) || baseLrs.length !== groups) {
      throw new Error(`${op}: baseLrs must hold one lr per param group (${groups}), got ${show(baseLrs)}`);
    }
    baseLrs.forEach((lr, i) => checkNonNegative(op, "", `baseLrs[${i}]`, lr));
    const options = {} as Record<string, unknown>;
    for (const key of names) options[key] = saved[key];
    this.validateOptions(options as O, op);
    this.options = options as O;
    this.lastEpoch = lastEpoch;
    this.baseLrs = [...baseLrs];
    this.lastLr = this.apply();
  }

  private apply(): number[] {
    const lrs = this.baseLrs.map((base) => this.lrAt(base, this.lastEpoch));
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i]!;
    });
    return lrs;
  }
}

export interface StepLROptions {
  stepSize: number;
  gamma: number;
}

/** Multiplies the lr by `gamma` every `stepSize` epochs: lr0·gamma^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler<StepLROptions> {
  constructor(optimizer: Optimizer, options: Partial<StepLROptions> & { stepSize: number }) {
    super(optimizer, { stepSize: REQUIRED, gamma: 0.1 }, options, "StepLR");
  }

  get stepSize(): number {
    return this.options.stepSize;
  }

  get gamma(): number {
    return this.options.gamma;
  }

  protected validateOptions(o: StepLROptions, op: string): void {
    checkPositiveInteger(op, "stepSize", o.stepSize);
    checkNonNegative(op, "", "gamma", o.gamma);
  }

  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.options.gamma ** Math.floor(epoch / this.options.stepSize);
  }
}

export interface CosineAnnealingLROptions {
  tMax: number;
  etaMin: number;
}

/**
 * Cosine annealing from lr0 down to `etaMin` over `tMax` epochs:
 * etaMin + (lr0 − etaMin)·(1 + cos(π·epoch/tMax))/2 (past tMax it rises again, as PyTorch's does).
 */
export class CosineAnnealingLR extends LRScheduler<CosineAnnealingLROptions> {
  constructor(optimizer: Optimizer, options: Partial<CosineAnnealingLROptions> & { tMax: number }) {
    super(optimizer, { tMax: REQUIRED, etaMin: 0 }, options, "CosineAnnealingLR");
  }

  get tMax(): number {
    return this.options.tMax;
  }

  get etaMin(): number {
    return this.options.etaMin;
  }

  protected validateOptions(o: CosineAnnealingLROptions, op: string): void {
    checkPositiveInteger(op, "tMax", o.tMax);
    checkNonNegative(op, "", "etaMin", o.etaMin);
  }

  protected lrAt(baseLr: number, epoch: number): number {
    const { tMax, etaMin } = this.options;
    return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2;
  }
}

export interface ExponentialLROptions {
  gamma: number;
}

/** Multiplies the lr by `gamma` every epoch: lr0·gamma^epoch. */
export class ExponentialLR extends LRScheduler<ExponentialLROptions> {
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, { gamma: REQUIRED }, options, "ExponentialLR");
  }

  get gamma(): number {
    return this.options.gamma;
  }

  protected validateOptions(o: ExponentialLROptions, op: string): void {
    if (o.gamma === undefined) throw new Error(`${op}: gamma is required`);
    checkNonNegative(op, "", "gamma", o.gamma);
  }

  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.options.gamma ** epoch;
  }
}

function checkPositiveInteger(op: string, key: string, value: unknown): void {
  if (value === undefined) throw new Error(`${op}: ${key} is required`);
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${op}: ${key} must be a positive integer, got ${show(value)}`);
  }
}
