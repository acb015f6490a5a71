import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dense, ReLU, Sequential } from "@nabla/layers";
import { Generator, randn } from "@nabla/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx } from "../src/index.js";
import { saveOnnx } from "../src/node.js";
import { maxScaledDiff, openSession, runNabla, runOnnx } from "./ort.js";

const scratch = mkdtempSync(join(tmpdir(), "nabla-onnx-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const model = (): Sequential => {
  const generator = new Generator(2);
  return new Sequential(new Dense(5, 8, { generator }), new ReLU(), new Dense(8, 3, { generator }));
};

describe("saveOnnx", () => {
  it("writes exportOnnx's bytes to a file (creating its folder) that onnxruntime runs", async () => {
    const m = model();
    const path = join(scratch, "nested", "model.onnx");
    saveOnnx(m, path, { inputShape: [5] });
    const bytes = readFileSync(path);
    expect(new Uint8Array(bytes)).toEqual(exportOnnx(m, { inputShape: [5] }));
    const x = randn([37, 5], { generator: new Generator(1) });
    expect(maxScaledDiff(await runOnnx(await openSession(bytes), x), runNabla(m, x))).toBeLessThan(1e-5);
  });

  it("leaves an existing file as it was when the model cannot be exported", () => {
    const path = join(scratch, "kept.onnx");
    writeFileSync(path, "previous model");
    expect(() => saveOnnx(model(), path, { inputShape: [4] })).toThrow(
      "exportOnnx: inputShape [4] does not fit the model at model.0",
    );
    expect(readFileSync(path, "utf8")).toBe("previous model");
    expect(readdirSync(scratch).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});

describe("a float64 model", () => {
  it("is written as float32 and agrees with its float64 forward to float32 precision", async () => {
    const m = model().to("float64");
    const session = await openSession(exportOnnx(m, { inputShape: [5] }));
    const x = randn([37, 5], { generator: new Generator(3), dtype: "float64" });
    expect(maxScaledDiff(await runOnnx(session, x), runNabla(m, x))).toBeLessThan(1e-5);
  });
});
