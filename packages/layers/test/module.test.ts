import { mul, sum, Variable } from "@nabla/autograd";
import { allClose, full, manualSeed, randn, type Tensor, tensor, zeros } from "@nabla/tensor";
import { describe, expect, it } from "vitest";
import { Dense, Dropout, Module, Parameter, ReLU, Sequential } from "../src/index.js";

class Block extends Module {
  fc = new Dense(3, 3);
  forward(x: Variable): Variable {
    return this.fc.forward(x);
  }
}

class Net extends Module {
  encoder = new Sequential(new Dense(4, 3), new ReLU());
  blocks = [new Block(), new Block()];
  head = new Dense(3, 2, { bias: false });
  scale = new Parameter(tensor([1]));
  forward(x: Variable): Variable {
    let h = this.encoder.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return mul(this.head.forward(h), this.scale);
  }
}

/** A module with non-trainable state, as BatchNorm will have. */
class WithBuffers extends Module {
  fc = new Dense(2, 2);
  constructor() {
    super();
    this.registerBuffer("runningMean", zeros([2]));
    this.registerBuffer("steps", zeros([1], "int32"));
  }
  forward(x: Variable): Variable {
    return this.fc.forward(x);
  }
}

const mlp = (hidden = 128): Sequential => new Sequential(new Dense(784, hidden), new ReLU(), new Dense(hidden, 10));

describe("Module discovery", () => {
  it("names Sequential parameters by index", () => {
    const model = new Sequential(new Dense(4, 3), new ReLU(), new Dense(3, 2));
    expect(model.namedParameters().map(([k]) => k)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(model.parameters()).toHaveLength(4);
    expect(model.children()).toHaveLength(3);
    expect(model.length).toBe(3);
    expect(model.at(-1)).toBe(model.at(2));
  });

  it("gives nested modules dotted names in definition order, own parameters first", () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      "scale",
      "encoder.0.weight",
      "encoder.0.bias",
      "blocks.0.fc.weight",
      "blocks.0.fc.bias",
      "blocks.1.fc.weight",
      "blocks.1.fc.bias",
      "head.weight",
    ]);
    expect(net.namedModules().map(([k]) => k)).toEqual([
      "",
      "encoder",
      "encoder.0",
      "encoder.1",
      "blocks.0",
      "blocks.0.fc",
      "blocks.1",
      "blocks.1.fc",
      "head",
    ]);
    expect(net.namedChildren().map(([k]) => k)).toEqual(["encoder", "blocks.0", "blocks.1", "head"]);
  });

  it("lists a shared module or parameter once, and survives a cycle", () => {
    const shared = new Dense(2, 2);
    const model = new Sequential(shared, new ReLU(), shared);
    expect(model.namedParameters().map(([k]) => k)).toEqual(["0.weight", "0.bias"]);
    expect([...model.stateDict().keys()]).toEqual(["0.weight", "0.bias"]);

    class Loop extends Module {
      fc = new Dense(2, 2);
      self: Module = this;
      forward(x: Variable): Variable {
        return this.fc.forward(x);
      }
    }
    expect(new Loop().namedParameters().map(([k]) => k)).toEqual(["fc.weight", "fc.bias"]);
  });

  it("counts parameters", () => {
    expect(mlp().numParameters()).toBe(101_770);
    expect(new Dense(5, 3, { bias: false }).numParameters()).toBe(15);
  });

  it("propagates train() and eval() to every descendant", () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.train(false);
    expect(net.blocks[1]!.fc.training).toBe(false);
  });

  it("zeroGrad zeroes every parameter's gradient, or drops them with setToNone", () => {
    const net = new Net();
    sum(net.forward(new Variable(randn([5, 4])))).backward();
    expect(net.parameters().every((p) => p.grad?.data.some((x) => x !== 0) === true)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad?.data.every((x) => x === 0) === true)).toBe(true);
    net.zeroGrad({ setToNone: true });
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it("describes itself like PyTorch", () => {
    expect(new Sequential(new Dense(784, 128), new ReLU(), new Dropout(0.2)).toString()).toBe(
      "Sequential(\n  (0): Dense(784→128)\n  (1): ReLU()\n  (2): Dropout(p=0.2)\n)",
    );
  });

  it("Sequential rejects non-modules and bad indices", () => {
    expect(() => new Sequential().add({} as Module)).toThrow(/Sequential.add: expected a Module/);
    expect(() => new Sequential(new ReLU()).at(3)).toThrow(/index 3 is out of range for 1 modules/);
  });
});

describe("buffers", () => {
  it("are named, saved, loaded and cast (floating point only)", () => {
    const m = new Sequential(new WithBuffers());
    expect(m.namedBuffers().map(([k]) => k)).toEqual(["0.runningMean", "0.steps"]);
    expect([...m.stateDict().keys()]).toEqual(["0.runningMean", "0.steps", "0.fc.weight", "0.fc.bias"]);
    const state = m.stateDict();
    state.set("0.runningMean", tensor([3, 4]));
    state.set("0.steps", tensor([7], undefined, "int32"));
    m.loadStateDict(state);
    const inner = m.at(0);
    expect([...inner.getBuffer("runningMean").data]).toEqual([3, 4]);
    expect(inner.getBuffer("steps").data[0]).toBe(7);
    m.to("float64");
    expect(inner.getBuffer("runningMean").dtype).toBe("float64");
    expect(inner.getBuffer("steps").dtype).toBe("int32");
    expect(() => inner.getBuffer("nope")).toThrow(/WithBuffers has no buffer 'nope'/);
    expect(() => inner.registerBuffer("a.b", zeros([1]))).toThrow(/invalid name 'a.b'/);
    expect(() => inner.registerBuffer("fc", zeros([1]))).toThrow(/'fc' is already a property/);
  });
});

describe("to(dtype)", () => {
  it("casts parameters in place, keeping the Parameter objects", () => {
    const model = mlp(8);
    const before = model.parameters();
    model.to("float64");
    const after = model.parameters();
    after.forEach((p, i) => {
      expect(p).toBe(before[i]);
      expect(p.dtype).toBe("float64");
    });
    expect(model.forward(new Variable(zeros([2, 784], "float64"))).dtype).toBe("float64");
    expect(() => model.to("int32")).toThrow(/to: parameters must be float32 or float64, got 'int32'/);
  });
});

describe("stateDict / loadStateDict", () => {
  it("round-trips: a reloaded model answers the same", () => {
    manualSeed(1);
    const a = mlp(16);
    manualSeed(2);
    const b = mlp(16);
    const x = new Variable(randn([3, 784]));
    expect(allClose(a.forward(x).value, b.forward(x).value)).toBe(false);
    b.loadStateDict(a.stateDict());
    expect([...b.forward(x).value.data]).toEqual([...a.forward(x).value.data]);
    // A plain object works too.
    const c = mlp(16);
    c.loadStateDict(Object.fromEntries(a.stateDict()));
    expect([...c.forward(x).value.data]).toEqual([...a.forward(x).value.data]);
  });

  it("returns copies", () => {
    const model = mlp(4);
    const state = model.stateDict();
    const w = state.get("0.weight")!;
    const original = model.parameters()[0]!.value.data[0];
    w.data[0] = 123;
    expect(model.parameters()[0]!.value.data[0]).toBe(original);
    expect(w.data).not.toBe(model.parameters()[0]!.value.data);
  });

  it("copies into the existing storage, so optimizers holding the Parameters keep working", () => {
    const model = mlp(4);
    const p = model.parameters()[0]!;
    const value = p.value;
    const state = model.stateDict();
    state.set("0.weight", full([784, 4], 0.5));
    model.loadStateDict(state);
    expect(model.parameters()[0]).toBe(p);
    expect(p.value).toBe(value);
    expect(value.data.every((v) => v === 0.5)).toBe(true);
  });

  it("converts float64 into float32 but rejects int32", () => {
    const model = new Dense(2, 2);
    model.loadStateDict({
      weight: tensor(
        [
          [1, 2],
          [3, 4],
        ],
        undefined,
        "float64",
      ),
      bias: tensor([5, 6], undefined, "float64"),
    });
    expect(model.weight.dtype).toBe("float32");
    expect([...model.weight.value.data]).toEqual([1, 2, 3, 4]);
    expect(() => model.loadStateDict({ weight: zeros([2, 2], "int32"), bias: zeros([2]) })).toThrow(
      "loadStateDict: 'weight' has dtype int32, expected float32",
    );
  });

  const snapshot = (m: Module): number[][] => m.parameters().map((p) => [...p.value.data]);

  it("names missing keys and changes nothing", () => {
    const model = mlp(8);
    const before = snapshot(model);
    const state = mlp(8).stateDict();
    state.delete("2.bias");
    state.delete("0.weight");
    expect(() => model.loadStateDict(state)).toThrow("loadStateDict: missing keys '0.weight', '2.bias'");
    expect(snapshot(model)).toEqual(before);
  });

  it("names unexpected keys and changes nothing", () => {
    const model = mlp(8);
    const before = snapshot(model);
    const state = mlp(8).stateDict();
    state.set("3.weight", zeros([10, 10]));
    expect(() => model.loadStateDict(state)).toThrow("loadStateDict: unexpected keys '3.weight'");
    expect(snapshot(model)).toEqual(before);
  });

  it("names mis-shaped keys with both shapes and changes nothing", () => {
    const model = mlp(128);
    const before = snapshot(model);
    const state = mlp(128).stateDict();
    state.set("0.weight", zeros([784, 64]));
    expect(() => model.loadStateDict(state)).toThrow(
      /^loadStateDict: '0\.weight' has shape \[784,64\], expected \[784,128\]$/,
    );
    expect(snapshot(model)).toEqual(before);
  });

  it("lists every problem at once", () => {
    const model = mlp(8);
    const state = mlp(8).stateDict();
    state.delete("0.bias");
    state.set("extra", zeros([1]));
    state.set("2.weight", zeros([8, 9]));
    state.set("2.bias", "nope" as unknown as Tensor);
    expect(() => model.loadStateDict(state)).toThrow(
      "loadStateDict: missing keys '0.bias'; unexpected keys 'extra'; '2.weight' has shape [8,9], expected [8,10]; '2.bias' is not a Tensor",
    );
  });

  it("strict: false ignores missing and unexpected keys but not shapes", () => {
    const model = mlp(8);
    const state = mlp(8).stateDict();
    state.delete("2.bias");
    state.set("extra", zeros([1]));
    state.set("0.bias", full([8], 2));
    expect(model.loadStateDict(state, { strict: false })).toEqual({
      missingKeys: ["2.bias"],
      unexpectedKeys: ["extra"],
    });
    expect(model.parameters()[1]!.value.data.every((v) => v === 2)).toBe(true);
    state.set("0.weight", zeros([1, 1]));
    const before = snapshot(model);
    expect(() => model.loadStateDict(state, { strict: false })).toThrow("'0.weight' has shape [1,1], expected [784,8]");
    expect(snapshot(model)).toEqual(before);
  });
});
