import { type DType, Generator, randn, type Tensor } from "@nabla/tensor";

/**
 * A seeded standard-normal tensor (times `scale`), float64 unless said otherwise: the inputs of the
 * gradient checks.
 */
export function normal(
  shape: readonly number[],
  seed = 0,
  { dtype = "float64", scale = 1 }: { dtype?: DType; scale?: number } = {},
): Tensor {
  const t = randn([...shape], { generator: new Generator(seed), dtype });
  if (scale !== 1) for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! * scale;
  return t;
}
