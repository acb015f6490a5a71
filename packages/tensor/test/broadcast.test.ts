import { describe, expect, it } from "vitest";
import {
  add,
  arange,
  broadcastShapes,
  broadcastTo,
  Generator,
  mul,
  randn,
  reshape,
  scalar,
  stridesOf,
  sub,
  sumToShape,
  type Tensor,
  tensor,
  zeros,
} from "../src/index.js";

/** Element `flat` of the broadcast output, read from t by explicit index arithmetic. */
function readBroadcast(t: Tensor, outShape: number[], flat: number): number {
  const outStrides = stridesOf(outShape);
  const strides = stridesOf(t.shape);
  const shift = outShape.length - t.rank;
  let offset = 0;
  for (let d = 0; d < t.rank; d++) {
    const i = Math.floor(flat / outStrides[shift + d]!) % outShape[shift + d]!;
    offset += (t.shape[d] === 1 ? 0 : i) * strides[d]!;
  }
  return t.data[offset]!;
}

describe("broadcastShapes", () => {
  it("follows NumPy rules", () => {
    expect(broadcastShapes([3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes([2, 1, 5], [3, 1])).toEqual([2, 3, 5]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([0, 1], [1, 4])).toEqual([0, 4]);
    expect(broadcastShapes([2], [1], [3, 2])).toEqual([3, 2]);
    expect(broadcastShapes()).toEqual([]);
  });

  it("names every shape when they do not broadcast", () => {
    expect(() => broadcastShapes([2, 3], [4])).toThrow(/^broadcastShapes: shapes \[2,3\] and \[4\] do not broadcast$/);
    expect(() => broadcastShapes([2], [3], [2])).toThrow(
      /^broadcastShapes: shapes \[2\], \[3\] and \[2\] do not broadcast$/,
    );
    expect(() => broadcastShapes([2, -1])).toThrow(/broadcastShapes: invalid shape \[2,-1\]/);
  });
});

describe("broadcastTo", () => {
  it("repeats along broadcast axes", () => {
    expect(broadcastTo(tensor([1, 2, 3]), [2, 3]).toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(broadcastTo(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(broadcastTo(scalar(7), [2, 2]).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(broadcastTo(tensor([[1], [2]]), [2, 2, 2]).toArray()).toEqual([
      [
        [1, 1],
        [2, 2],
      ],
      [
        [1, 1],
        [2, 2],
      ],
    ]);
    expect(broadcastTo(tensor([1, 2]), [0, 2]).shape).toEqual([0, 2]);
  });

  it("copies even when the shape is unchanged", () => {
    const t = tensor([1, 2]);
    const b = broadcastTo(t, [2]);
    expect(b.data).not.toBe(t.data);
    expect(b.toArray()).toEqual([1, 2]);
  });

  it("rejects incompatible targets", () => {
    expect(() => broadcastTo(tensor([1, 2, 3]), [2, 4])).toThrow(
      /^broadcastTo: cannot broadcast shape \[3\] to \[2,4\]$/,
    );
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow(/broadcastTo: cannot broadcast shape \[2,3\] to \[3\]/);
  });
});

describe("sumToShape", () => {
  it("sums broadcast axes away (the gradient of broadcastTo)", () => {
    const t = reshape(arange(6), [2, 3]);
    expect(sumToShape(t, [3]).toArray()).toEqual([3, 5, 7]);
    expect(sumToShape(t, [2, 1]).toArray()).toEqual([[3], [12]]);
    expect(sumToShape(t, [1, 3]).toArray()).toEqual([[3, 5, 7]]);
    expect(sumToShape(t, []).item()).toBe(15);
    expect(sumToShape(t, [2, 3]).toArray()).toEqual(t.toArray());
    expect(sumToShape(zeros([0, 3]), [3]).toArray()).toEqual([0, 0, 0]);
  });

  it("rejects shapes that do not broadcast to the input", () => {
    expect(() => sumToShape(zeros([2, 3]), [2])).toThrow(/^sumToShape: shape \[2\] does not broadcast to \[2,3\]/);
  });
});

describe("binary broadcasting paths", () => {
  const naiveAdd = (a: number[][], b: number[][]): number[][] => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));

  it("[3,1] + [4]", () => {
    const r = add(tensor([[10], [20], [30]]), tensor([1, 2, 3, 4]));
    expect(r.shape).toEqual([3, 4]);
    expect(r.toArray()).toEqual([
      [11, 12, 13, 14],
      [21, 22, 23, 24],
      [31, 32, 33, 34],
    ]);
  });

  it("row broadcast [B,N] + [N] and [N] + [B,N], [1,N] too", () => {
    const a = reshape(arange(6), [2, 3]);
    const b = tensor([10, 20, 30]);
    expect(add(a, b).toArray()).toEqual([
      [10, 21, 32],
      [13, 24, 35],
    ]);
    expect(add(b, a).toArray()).toEqual([
      [10, 21, 32],
      [13, 24, 35],
    ]);
    expect(add(a, reshape(b, [1, 3])).toArray()).toEqual([
      [10, 21, 32],
      [13, 24, 35],
    ]);
  });

  it("trailing block broadcast [2,2,3] + [2,3]", () => {
    const a = reshape(arange(12), [2, 2, 3]);
    const b = reshape(arange(6), [2, 3]);
    expect(add(a, b).toArray()).toEqual([
      [
        [0, 2, 4],
        [6, 8, 10],
      ],
      [
        [6, 8, 10],
        [12, 14, 16],
      ],
    ]);
  });

  it("column broadcast and middle-axis broadcast (general path)", () => {
    const a = reshape(arange(6), [2, 3]);
    expect(add(a, tensor([[100], [200]])).toArray()).toEqual(
      naiveAdd(
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
        [
          [100, 100, 100],
          [200, 200, 200],
        ],
      ),
    );
    const x = reshape(arange(12), [2, 3, 2]);
    const y = reshape(tensor([1, 2, 3, 4]), [2, 1, 2]);
    expect(add(x, y).toArray()).toEqual([
      [
        [1, 3],
        [3, 5],
        [5, 7],
      ],
      [
        [9, 11],
        [11, 13],
        [13, 15],
      ],
    ]);
    // Both operands broadcast: [2,1,3] + [1,2,1]
    const p = reshape(tensor([1, 2, 3, 4, 5, 6]), [2, 1, 3]);
    const q = reshape(tensor([10, 20]), [1, 2, 1]);
    expect(add(p, q).toArray()).toEqual([
      [
        [11, 12, 13],
        [21, 22, 23],
      ],
      [
        [14, 15, 16],
        [24, 25, 26],
      ],
    ]);
  });

  it("agrees with explicit index arithmetic on many shape pairs", () => {
    const g = new Generator(11);
    const pairs: [number[], number[]][] = [
      [
        [2, 1, 3, 1],
        [1, 4, 1, 5],
      ],
      [
        [3, 4, 5],
        [4, 1],
      ],
      [
        [5, 1, 1],
        [1, 2, 3],
      ],
      [
        [1, 6],
        [7, 1],
      ],
      [
        [2, 3, 4, 5],
        [3, 1, 5],
      ],
      [
        [4, 1, 2],
        [4, 3, 2],
      ],
    ];
    for (const [sa, sb] of pairs) {
      const a = randn(sa, { generator: g, dtype: "float64" });
      const b = randn(sb, { generator: g, dtype: "float64" });
      const outShape = broadcastShapes(sa, sb);
      for (const [op, f] of [
        [add, (x: number, y: number) => x + y],
        [sub, (x: number, y: number) => x - y],
        [mul, (x: number, y: number) => x * y],
      ] as const) {
        for (const [x, y] of [
          [a, b],
          [b, a],
        ] as const) {
          const r = op(x, y);
          expect(r.shape).toEqual(outShape);
          for (let i = 0; i < r.size; i++)
            expect(r.data[i]).toBe(f(readBroadcast(x, outShape, i), readBroadcast(y, outShape, i)));
        }
      }
      const expanded = broadcastTo(a, outShape);
      expect(Array.from(expanded.data)).toEqual(
        Array.from({ length: expanded.size }, (_, i) => readBroadcast(a, outShape, i)),
      );
    }
  });

  it("scalars and one-element tensors of higher rank", () => {
    expect(add(scalar(1), scalar(2)).shape).toEqual([]);
    expect(add(tensor([1, 2]), tensor([[[5]]])).toArray()).toEqual([[[6, 7]]]);
    expect(add(tensor([[[5]]]), tensor([1, 2])).shape).toEqual([1, 1, 2]);
  });

  it("size-0 operands", () => {
    expect(add(zeros([0, 3]), tensor([1, 2, 3])).shape).toEqual([0, 3]);
    expect(add(zeros([2, 0]), zeros([2, 1])).shape).toEqual([2, 0]);
    expect(add(zeros([0]), 1).shape).toEqual([0]);
  });

  it("names the op and both shapes when they do not broadcast", () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/^add: shapes \[2,3\] and \[4\] do not broadcast$/);
    expect(() => add(zeros([2, 3]), zeros([3, 3]))).toThrow(/^add: shapes \[2,3\] and \[3,3\] do not broadcast$/);
  });
});
