/**
 * How error messages show values, so that a message tells `"784"` from `784`: strings quoted,
 * numbers plain (NaN and ±Infinity as JavaScript spells them, -0 kept), arrays and plain objects
 * JSON-like with their elements shown the same way (JSON.stringify would turn NaN into null).
 * Long arrays and objects are cut after a few entries.
 */
export function formatValue(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
  if (typeof x === "bigint") return `${x}n`;
  if (typeof x === "function") return x.name === "" ? "a function" : `function ${x.name}`;
  if (typeof x === "symbol") return x.toString();
  if (x === null || typeof x !== "object") return String(x);
  if (Array.isArray(x)) return `[${entries(x.length, (i) => formatValue(x[i]))}]`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return `a ${x.constructor?.name ?? "object"}`;
  const keys = Object.keys(x);
  const record = x as Record<string, unknown>;
  return `{${entries(keys.length, (i) => `${JSON.stringify(keys[i])}:${formatValue(record[keys[i]!])}`)}}`;
}

const SHOWN_ENTRIES = 8;

function entries(length: number, show: (i: number) => string): string {
  const shown = Array.from({ length: Math.min(length, SHOWN_ENTRIES) }, (_, i) => show(i));
  return length > SHOWN_ENTRIES ? `${shown.join(",")},… (${length} in all)` : shown.join(",");
}

/** 10000000000 as "10,000,000,000". */
export function formatCount(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : String(n);
}

/** A byte count for people: "40,000,000,000 bytes (37.3 GiB)". */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const human = unit < 0 ? "" : ` (${Number(value.toFixed(1))} ${units[unit]})`;
  return `${formatCount(bytes)} bytes${human}`;
}
