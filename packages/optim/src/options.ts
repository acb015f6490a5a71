import { checkOptions, describe, formatValue } from "@nabla/tensor";

/** Stands for the default of an option that has none: the user must give it (SGD's lr, StepLR's stepSize). */
export const REQUIRED: unique symbol = Symbol("required");

/**
 * Every option of an optimizer or scheduler, in the order error messages list them, with its
 * default value or `REQUIRED`: `{ lr: REQUIRED, momentum: 0 }`.
 */
export type OptionDefaults<O extends object> = { readonly [K in keyof O]: O[K] | typeof REQUIRED };

/**
 * The user's options over the defaults, after rejecting names that are not options (with a "did
 * you mean" for near misses). `copy` copies each given value (so arrays are never shared). A
 * required option the user left out is undefined here: the caller validates every option next and
 * names it (an optimizer's lr may still come from each param group).
 */
export function mergeOptions<O extends object>(
  op: string,
  defaults: OptionDefaults<O>,
  options: Partial<O>,
  copy: (value: unknown) => unknown = (value) => value,
): O {
  const names = Object.keys(defaults);
  checkOptions(op, options, names);
  const given: Record<string, unknown> = options;
  const fallback: Record<string, unknown> = defaults;
  const merged: Record<string, unknown> = {};
  for (const key of names) {
    if (given[key] !== undefined) merged[key] = copy(given[key]);
    else merged[key] = fallback[key] === REQUIRED ? undefined : fallback[key];
  }
  // Every name of O is set; only the required ones left out may be undefined, as said above.
  return merged as O;
}

/** Arrays (betas) are copied so that a group never shares them with the caller or a state dict. */
export function copyValue(value: unknown): unknown {
  return Array.isArray(value) ? [...(value as unknown[])] : value;
}

/** A value as an error message shows it: option values as written, arrays element by element, the rest described. */
export function show(x: unknown): string {
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "string" || x === undefined)
    return formatValue(x);
  if (Array.isArray(x)) return `[${x.map(show).join(", ")}]`;
  return describe(x);
}
