import { messageOf } from "@nabla/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  add,
  allocate,
  broadcastTo,
  concat,
  eye,
  formatBytes,
  full,
  MAX_ELEMENTS,
  matmul,
  oneHot,
  ones,
  onesLike,
  pad,
  rand,
  randint,
  randn,
  tensor,
  where,
  zeros,
  zerosLike,
} from "../src/index.js";

// Asking for more than a tensor can hold must name the function called, the shape and dtype asked
// for and the bytes, never surface as V8's bare "RangeError: Invalid typed array length".

const limit = "more than the 4,294,967,296 elements a tensor can hold";

describe("allocation beyond what a tensor can hold", () => {
  it("the creation functions name themselves, the shape, the elements and the bytes", () => {
    expect(messageOf(() => zeros([1e5, 1e5]))).toBe(
      `zeros: cannot allocate a float32 tensor of shape [100000,100000] (10,000,000,000 elements, 40,000,000,000 bytes (37.3 GiB)): ${limit}`,
    );
    expect(messageOf(() => ones([1e5, 1e5], "float64"))).toBe(
      `ones: cannot allocate a float64 tensor of shape [100000,100000] (10,000,000,000 elements, 80,000,000,000 bytes (74.5 GiB)): ${limit}`,
    );
    expect(messageOf(() => full([3e9, 2], 7, "int32"))).toMatch(
      /^full: cannot allocate an int32 tensor of shape \[3000000000,2\] \(6,000,000,000 elements, 24,000,000,000 bytes \(22.4 GiB\)\)/,
    );
    expect(messageOf(() => rand([1e6, 1e5]))).toMatch(
      /^rand: cannot allocate a float32 tensor of shape \[1000000,100000\] \(100,000,000,000 elements, 400,000,000,000 bytes \(372.5 GiB\)\)/,
    );
    expect(messageOf(() => randn([1e6, 1e5], { dtype: "float64" }))).toMatch(
      /^randn: cannot allocate a float64 tensor of shape \[1000000,100000\]/,
    );
    expect(messageOf(() => randint(0, 2, [1e10]))).toMatch(
      /^randint: cannot allocate an int32 tensor of shape \[10000000000\]/,
    );
    expect(messageOf(() => eye(1e5))).toMatch(/^eye: cannot allocate a float32 tensor of shape \[100000,100000\]/);
  });

  it("the like-functions name themselves too (a shape that exists only as metadata)", () => {
    const huge = { shape: [1e5, 1e5], dtype: "float32" } as unknown as Parameters<typeof zerosLike>[0];
    expect(messageOf(() => zerosLike(huge))).toMatch(
      /^zerosLike: cannot allocate a float32 tensor of shape \[100000,100000\]/,
    );
    expect(messageOf(() => onesLike(huge, "float64"))).toMatch(
      /^onesLike: cannot allocate a float64 tensor of shape \[100000,100000\]/,
    );
  });

  it("ops whose output outgrows their inputs name the op and the output shape", () => {
    const column = zeros([1e5, 1]);
    const row = zeros([1, 1e5]);
    expect(messageOf(() => matmul(column, row))).toMatch(
      /^matmul: cannot allocate a float32 tensor of shape \[100000,100000\] \(10,000,000,000 elements/,
    );
    expect(messageOf(() => add(column, row))).toMatch(
      /^add: cannot allocate a float32 tensor of shape \[100000,100000\]/,
    );
    expect(messageOf(() => where(column, row, 0))).toMatch(
      /^where: cannot allocate a float32 tensor of shape \[100000,100000\]/,
    );
    expect(messageOf(() => broadcastTo(column, [1e5, 1e5]))).toMatch(
      /^broadcastTo: cannot allocate a float32 tensor of shape \[100000,100000\]/,
    );
    expect(messageOf(() => oneHot(tensor([0, 1], undefined, "int32"), 3e9))).toMatch(
      /^oneHot: cannot allocate a float32 tensor of shape \[2,3000000000\]/,
    );
    expect(messageOf(() => pad(zeros([2]), [[0, 5e9]]))).toMatch(
      /^pad: cannot allocate a float32 tensor of shape \[5000000002\]/,
    );
    const wide = zeros([1, 1e5]);
    expect(messageOf(() => concat(Array.from({ length: 50_000 }, () => wide)))).toMatch(
      /^concat: cannot allocate a float32 tensor of shape \[50000,100000\]/,
    );
  });

  it("the limit itself still allocates; one more element does not", () => {
    expect(MAX_ELEMENTS).toBe(2 ** 32);
    expect(messageOf(() => allocate("float32", MAX_ELEMENTS + 1, "zeros", [MAX_ELEMENTS + 1]))).toContain(limit);
    expect(allocate("int32", 0, "zeros", [0]).length).toBe(0);
  });
});

describe("allocation the engine refuses (out of memory)", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says what was asked and passes on the engine's reason", () => {
    // A real out-of-memory needs more memory than the machine has; a refusing Float64Array stands in.
    vi.stubGlobal(
      "Float64Array",
      class {
        constructor() {
          throw new RangeError("Array buffer allocation failed");
        }
      },
    );
    expect(messageOf(() => zeros([65536, 65536], "float64"))).toBe(
      "zeros: cannot allocate a float64 tensor of shape [65536,65536] (4,294,967,296 elements, 34,359,738,368 bytes (32 GiB)): " +
        "the JavaScript engine could not allocate it (Array buffer allocation failed); use smaller tensors or batches",
    );
  });

  it("without a shape, counts the elements", () => {
    vi.stubGlobal(
      "Float32Array",
      class {
        constructor() {
          throw new RangeError("Array buffer allocation failed");
        }
      },
    );
    expect(messageOf(() => allocate("float32", 1000))).toBe(
      "allocate: cannot allocate 1,000 float32 elements (4,000 bytes (3.9 KiB)): the JavaScript engine could not allocate it (Array buffer allocation failed); use smaller tensors or batches",
    );
  });
});

describe("formatBytes", () => {
  it("gives the exact count and a binary unit", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1023)).toBe("1,023 bytes");
    expect(formatBytes(1024)).toBe("1,024 bytes (1 KiB)");
    expect(formatBytes(1536 * 1024)).toBe("1,572,864 bytes (1.5 MiB)");
    expect(formatBytes(2 ** 50 * 3)).toBe("3,377,699,720,527,872 bytes (3 PiB)");
  });
});
