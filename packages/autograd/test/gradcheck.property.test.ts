import * as T from "@nabla/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as A from "../src/index.js";

fc.configureGlobal({ seed: 20240601, numRuns: 150 });

// Random expression trees over the differentiable ops, checked against central differences in
// float64. Every op keeps its operand's shape broadcast-compatible with a common base shape
// (reductions keep their axis), so any two subtrees can meet in a binary op. Ops with a kink
// (abs, relu, clip, maximum, max, where, ...) report how close their inputs came to it, and
// ops that grow (exp, square, pow) are checked for size: cases near a kink or with huge values
// are discarded, so a failure is a wrong gradient, not a finite-difference artefact.

type Unary = (x: A.Variable) => A.Variable;
type Binary = (x: A.Variable, y: A.Variable) => A.Variable;

/** Closest distance to a kink seen while building the expression (Infinity if none). */
interface Track {
  margin: number;
  magnitude: number;
}

const minAbs = (t: T.Tensor): number => (t.size === 0 ? Infinity : T.min(T.abs(t)).item());

/** A permutation moving every axis one place left, and its inverse: not its own inverse, unlike a reversal. */
function cyclic(rank: number): [number[], number[]] {
  const p = Array.from({ length: rank }, (_, i) => (i + 1) % rank);
  const inv = Array.from({ length: rank }, (_, i) => (i + rank - 1) % rank);
  return [p, inv];
}

/** 1, 1.1, 1.2, ... in row-major order: a constant that tells positions apart. */
const ramp = (shape: readonly number[]): T.Tensor =>
  T.add(T.mul(T.reshape(T.arange(T.shapeSize(shape), undefined, 1, "float64"), shape), 0.1), 1);

function unaries(track: Track | null): Record<string, Unary> {
  const kink = (m: number): void => {
    if (track !== null) track.margin = Math.min(track.margin, m);
  };
  return {
    neg: A.neg,
    tanh: A.tanh,
    sigmoid: A.sigmoid,
    exp: A.exp,
    square: A.square,
    scale: (x) => A.mul(x, 0.7),
    log: (x) => A.log(A.add(A.square(x), 0.5)),
    sqrt: (x) => A.sqrt(A.add(A.square(x), 1)),
    pow: (x) => A.pow(A.add(A.square(x), 0.5), 1.5),
    abs: (x) => (kink(minAbs(x.value)), A.abs(x)),
    relu: (x) => (kink(minAbs(x.value)), A.relu(x)),
    leakyRelu: (x) => (kink(minAbs(x.value)), A.leakyRelu(x, 0.1)),
    clip: (x) => (kink(Math.min(minAbs(T.sub(x.value, 1)), minAbs(T.add(x.value, 1)))), A.clip(x, -1, 1)),
    // Weighted by position in between, so a backward that permuted the wrong way would scramble the weights.
    permute: (x) => {
      const [p, inv] = cyclic(x.rank);
      const y = A.permute(x, p);
      return A.permute(A.mul(y, ramp(y.shape)), inv);
    },
    transpose: (x) => {
      const y = A.transpose(x);
      return A.transpose(A.mul(A.sigmoid(y), ramp(y.shape)));
    },
    reshape: (x) => A.reshape(A.square(A.reshape(x, [-1])), x.shape),
    sliceConcat: (x) => {
      if (x.rank === 0) return x;
      const k = Math.floor(x.shape[0]! / 2);
      return A.concat([A.mul(A.slice(x, [0], [k]), 2), A.exp(A.slice(x, [k]))], 0);
    },
    stack: (x) => A.sum(A.stack([x, A.tanh(x)], 0), 0),
    pad: (x) => (x.rank === 0 ? x : A.slice(A.pad(A.square(x), [[1, 2]]), [1], [1 + x.shape[0]!])),
    broadcastTo: (x) => A.mean(A.broadcastTo(x, [3, ...x.shape]), 0),
    gather: (x) => {
      if (x.rank === 0 || x.shape[0] === 0) return x;
      const n = x.shape[0]!;
      // Every row once, reversed, plus row 0 again, then summed back: index reuse accumulates.
      const idx = [...Array.from({ length: n }, (_, i) => n - 1 - i), 0];
      const g = A.gather(x, idx, 0);
      return A.add(A.slice(g, [0], [n]), A.mul(A.slice(g, [n], [n + 1]), 0.5));
    },
  };
}

function binaries(track: Track | null): Record<string, Binary> {
  const kink = (m: number): void => {
    if (track !== null) track.margin = Math.min(track.margin, m);
  };
  return {
    add: A.add,
    sub: A.sub,
    mul: A.mul,
    div: (x, y) => A.div(x, A.add(A.square(y), 1)),
    pow: (x, y) => A.pow(A.add(A.square(x), 0.5), A.tanh(y)),
    maximum: (x, y) => (kink(minAbs(T.sub(x.value, y.value))), A.maximum(x, y)),
    minimum: (x, y) => (kink(minAbs(T.sub(x.value, y.value))), A.minimum(x, y)),
    where: (x, y) => (kink(minAbs(x.value)), A.where(T.greater(x.value, 0), x, y)),
  };
}

/** The gap between the largest and second-largest element of each slice along `axis` (0 on a tie). */
function extremeGap(x: T.Tensor, axis: number | undefined, sign: number): number {
  const v = T.mul(x, sign);
  if (v.size === 0) return Infinity;
  const top = T.max(v, axis, true);
  const ties = T.max(T.sum(T.equal(v, top), axis, true)).item();
  if (ties > 1) return 0;
  const rest = T.where(T.equal(v, top), -Infinity, v);
  return T.min(T.sub(top, T.max(rest, axis, true))).item();
}

type Expr =
  | { kind: "leaf"; input: number }
  | { kind: "unary"; op: string; arg: Expr }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "reduce"; op: "sum" | "mean" | "logsumexp" | "max" | "min"; axis: number | "all"; arg: Expr }
  | { kind: "softmax"; op: "softmax" | "logSoftmax"; axis: number; arg: Expr };

const UNARY = Object.keys(unaries(null));
const BINARY = Object.keys(binaries(null));

function exprArb(depth: number): fc.Arbitrary<Expr> {
  const leaf: fc.Arbitrary<Expr> = fc.nat(2).map((input) => ({ kind: "leaf", input }));
  if (depth === 0) return leaf;
  const sub = exprArb(depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 2 },
    {
      arbitrary: fc.record({ kind: fc.constant("unary" as const), op: fc.constantFrom(...UNARY), arg: sub }),
      weight: 4,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("binary" as const),
        op: fc.constantFrom(...BINARY),
        left: sub,
        right: sub,
      }),
      weight: 4,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("reduce" as const),
        op: fc.constantFrom("sum" as const, "mean" as const, "logsumexp" as const, "max" as const, "min" as const),
        axis: fc.oneof(fc.nat(5), fc.constant("all" as const)),
        arg: sub,
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("softmax" as const),
        op: fc.constantFrom("softmax" as const, "logSoftmax" as const),
        axis: fc.nat(5),
        arg: sub,
      }),
      weight: 1,
    },
  );
}

function evaluate(e: Expr, inputs: readonly A.Variable[], track: Track | null): A.Variable {
  let out: A.Variable;
  switch (e.kind) {
    case "leaf":
      out = inputs[e.input % inputs.length]!;
      break;
    case "unary":
      out = unaries(track)[e.op]!(evaluate(e.arg, inputs, track));
      break;
    case "binary":
      out = binaries(track)[e.op]!(evaluate(e.left, inputs, track), evaluate(e.right, inputs, track));
      break;
    case "reduce": {
      const x = evaluate(e.arg, inputs, track);
      if (x.rank === 0) return x;
      const axis = e.axis === "all" ? undefined : e.axis % x.rank;
      if ((e.op === "max" || e.op === "min") && track !== null)
        track.margin = Math.min(track.margin, extremeGap(x.value, axis, e.op === "max" ? 1 : -1));
      out = A[e.op](x, axis, true);
      break;
    }
    case "softmax": {
      const x = evaluate(e.arg, inputs, track);
      out = x.rank === 0 ? x : A[e.op](x, e.axis % x.rank);
      break;
    }
  }
  if (track !== null && out.size > 0) track.magnitude = Math.max(track.magnitude, T.max(T.abs(out.value)).item());
  return out;
}

/** A base shape (no size-0 axes: there is nothing to check there) and up to three inputs broadcasting to it. */
const caseArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((base) =>
  fc.record({
    shapes: fc.array(
      fc
        .tuple(
          fc.integer({ min: 0, max: base.length }),
          fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
        )
        .map(([drop, ones]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
      { minLength: 1, maxLength: 3 },
    ),
    expr: exprArb(5),
    seed: fc.nat(),
  }),
);

describe("gradcheck of random compositions (property)", () => {
  it("the analytic gradient of a random expression tree matches central differences", () => {
    fc.assert(
      fc.property(caseArb, ({ shapes, expr, seed }) => {
        const g = new T.Generator(seed);
        const inputs = shapes.map((s) => T.rand(s, { generator: g, dtype: "float64", low: -2, high: 2 }));
        const track: Track = { margin: Infinity, magnitude: 0 };
        const out = A.noGrad(() =>
          evaluate(
            expr,
            inputs.map((t) => new A.Variable(t)),
            track,
          ),
        );
        fc.pre(track.margin > 1e-3 && track.magnitude < 100 && out.dtype === "float64");
        const report = A.gradcheck((...vars) => evaluate(expr, vars, null), inputs, { raise: false });
        if (!report.ok) {
          throw new Error(
            `gradcheck failed for ${JSON.stringify(expr)} on ${JSON.stringify(shapes)}: ${JSON.stringify(report.worst)}`,
          );
        }
        expect(report.checked).toBe(inputs.reduce((n, t) => n + t.size, 0));
      }),
    );
  });

  it("every shape op, on random shapes and arguments, agrees with central differences", () => {
    const shapeOp = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }).chain((shape) => {
      const rank = shape.length;
      const axis = rank === 0 ? fc.constant(0) : fc.integer({ min: -rank, max: rank - 1 });
      const perm = fc.shuffledSubarray(
        Array.from({ length: rank }, (_, i) => i),
        { minLength: rank, maxLength: rank },
      );
      const bound = fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: rank });
      type Op = (x: A.Variable) => A.Variable;
      const ops: fc.Arbitrary<[string, Op]>[] = [
        perm.map((p): [string, Op] => [`permute ${p}`, (x) => A.permute(x, p)]),
        fc.constant<[string, Op]>(["transpose", (x) => A.transpose(x)]),
        fc.constant<[string, Op]>(["reshape", (x) => A.reshape(x, [...x.shape].reverse())]),
        fc
          .integer({ min: 0, max: rank + 1 })
          .map((a): [string, Op] => [
            `unsqueeze ${a}`,
            (x) => A.squeeze(A.unsqueeze(A.exp(x), a % (rank + 1)), a % (rank + 1)),
          ]),
        fc.tuple(bound, bound).map(([b, e]): [string, Op] => [`slice ${b} ${e}`, (x) => A.slice(x, b, e)]),
        fc
          .array(fc.tuple(fc.nat(2), fc.nat(2)), { maxLength: rank })
          .map((pads): [string, Op] => [`pad ${JSON.stringify(pads)}`, (x) => A.pad(x, pads)]),
        fc
          .integer({ min: 0, max: rank + 1 })
          .map((r): [string, Op] => [
            `broadcastTo ${r}`,
            (x) =>
              A.broadcastTo(x, [
                ...Array<number>(r).fill(2),
                ...x.shape.map((d, i) => (i % 2 === 0 && d === 1 ? 3 : d)),
              ]),
          ]),
      ];
      if (rank > 0) {
        ops.push(
          axis.map((a): [string, Op] => [`flatten ${a}`, (x) => A.flatten(x, a)]),
          axis.map((a): [string, Op] => [`concat ${a}`, (x) => A.concat([x, A.tanh(x), A.square(x)], a)]),
          fc
            .integer({ min: -rank - 1, max: rank })
            .map((a): [string, Op] => [`stack ${a}`, (x) => A.stack([A.sigmoid(x), x], a)]),
          fc.tuple(axis, fc.array(fc.integer({ min: -1, max: 2 }), { maxLength: 5 })).map(([a, idx]): [string, Op] => [
            `gather ${a} ${idx}`,
            (x) =>
              A.gather(
                x,
                idx.map((i) => i % x.shape[a < 0 ? a + rank : a]!),
                a,
              ),
          ]),
        );
      }
      return fc.tuple(fc.constant(shape), fc.oneof(...ops), fc.nat());
    });
    fc.assert(
      fc.property(shapeOp, ([shape, [name, op], seed]) => {
        const x = T.randn(shape, { generator: new T.Generator(seed), dtype: "float64" });
        const report = A.gradcheck((v) => op(v!), [x], { raise: false });
        if (!report.ok) throw new Error(`${name} on ${JSON.stringify(shape)}: ${JSON.stringify(report.worst)}`);
      }),
      { numRuns: 300 },
    );
  });

  it("linear and matmul agree with central differences on random shapes", () => {
    const dims = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(
        dims,
        dims,
        dims,
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.nat(),
        (rows, inF, outF, lead, bias, seed) => {
          const g = new T.Generator(seed);
          const leading = Array.from({ length: lead }, () => rows);
          const x = T.randn([...leading, rows, inF], { generator: g, dtype: "float64" });
          const w = T.randn([inF, outF], { generator: g, dtype: "float64" });
          const b = T.randn([outF], { generator: g, dtype: "float64" });
          A.gradcheck((xv, wv, bv) => A.tanh(A.linear(xv!, wv!, bias ? bv : undefined)), [x, w, b]);
          if (lead <= 1) A.gradcheck((xv, wv) => A.sigmoid(A.matmul(xv!, wv!)), [x, w]);
          if (lead === 1)
            A.gradcheck(
              (xv, yv) => A.matmul(xv!, A.transpose(yv!, [0, 2, 1])),
              [x, T.randn([rows, outF, inF], { generator: g, dtype: "float64" })],
            );
        },
      ),
      { numRuns: 60 },
    );
  });
});
