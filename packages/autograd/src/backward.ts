import { add, cast, formatShape, ones, sumToShape, type Tensor } from "@nabla/tensor";
import { accumulateGradient, gradientBuffer } from "./gradients.js";
import type { Node, Variable } from "./variable.js";

/** Every Variable that `root` depends on, inputs before outputs. Iterative: deep graphs must not overflow the stack. */
export function topologicalOrder(root: Variable): Variable[] {
  const order: Variable[] = [];
  const visited = new Set<Variable>();
  const stack: Array<{ v: Variable; next: number }> = [{ v: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const inputs = frame.v.node?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++]!;
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ v: input, next: 0 });
      }
    } else {
      order.push(frame.v);
      stack.pop();
    }
  }
  return order;
}

function fitGradient(g: Tensor, to: Variable, op: string): Tensor {
  let out = g;
  if (out.shape.length !== to.shape.length || out.shape.some((d, i) => d !== to.shape[i])) {
    out = sumToShape(out, to.shape);
  }
  if (out.dtype !== to.dtype) out = cast(out, to.dtype);
  if (out.size !== to.size) {
    throw new Error(
      `backward: '${op}' returned a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(to.shape)}`,
    );
  }
  return out;
}

/** Refuses to differentiate through an op whose saved tensors were changed in place after it ran. */
function checkSaved(node: Node): void {
  for (const { tensor, version } of node.saved ?? []) {
    const now = tensor.version;
    if (now !== version) {
      throw new Error(
        `backward: a ${formatShape(tensor.shape)} ${tensor.dtype} tensor that '${node.op}' saved for its gradient was modified in place ` +
          `after '${node.op}' used it (saved at version ${version}, now version ${now}), so its gradient would be wrong; ` +
          "clone the tensor before modifying it (tensor.clone(), or variable.value.clone()), or modify it only after backward()",
      );
    }
  }
}

export function backwardFrom(root: Variable, seed: Tensor | undefined, retainGraph: boolean): void {
  if (!root.requiresGrad) {
    throw new Error(
      "backward: this Variable does not require gradients (no input had requiresGrad, or it was made under noGrad)",
    );
  }
  let rootGrad: Tensor;
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward: output has shape ${formatShape(root.shape)}; pass a seed gradient of that shape, or reduce it to a scalar first`,
      );
    }
    rootGrad = ones(root.shape, root.dtype);
  } else {
    if (seed.shape.length !== root.shape.length || seed.shape.some((d, i) => d !== root.shape[i])) {
      throw new Error(
        `backward: seed gradient has shape ${formatShape(seed.shape)}, expected the output's shape ${formatShape(root.shape)}`,
      );
    }
    rootGrad = seed.dtype === root.dtype ? seed : cast(seed, root.dtype);
  }

  const order = topologicalOrder(root);
  // Gradients flowing into intermediate Variables; tensors here may be shared with an op's
  // output, so they are summed into new tensors, never mutated.
  const pending = new Map<Variable, Tensor>([[root, rootGrad]]);
  // Storage already handed to a leaf's grad (or owned by the caller's seed). Ops may pass one
  // gradient tensor to several inputs (add returns [g, g]); a leaf whose gradient shares storage
  // gets a copy, so that an in-place update of one grad (clipping, weight decay) cannot change another.
  const handed = new Set<ArrayBufferLike>(seed === undefined ? [] : [seed.data.buffer]);
  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    const g = pending.get(v);
    pending.delete(v);
    if (g === undefined) continue;
    const node = v.node;
    if (node === null) {
      if (v.grad === null) {
        v.grad = handed.has(g.data.buffer) ? g.clone() : g;
        handed.add(v.grad.data.buffer);
      } else {
        v.grad = accumulateGradient(v.grad, g);
      }
      continue;
    }
    if (node.backward === null) {
      throw new Error(
        `backward: the graph through '${node.op}' was already released by an earlier backward(); ` +
          "pass { retainGraph: true } to the first call to run backward twice",
      );
    }
    checkSaved(node);
    const inputs = node.inputs;
    const grads = node.backward(g, (k) => (inputs[k]?.requiresGrad === true ? gradientBuffer(inputs[k]) : null));
    inputs.forEach((input, k) => {
      const gk = grads[k];
      if (!input.requiresGrad || gk === null || gk === undefined) return;
      if (gk === input.grad && input.node === null) {
        // The op added into the leaf's own buffer (offered by gradientBuffer): already accumulated.
        gk.markModified();
        return;
      }
      const fitted = fitGradient(gk, input, node.op);
      const prev = pending.get(input);
      pending.set(input, prev === undefined ? fitted : add(prev, fitted));
    });
    if (!retainGraph) {
      node.backward = null;
      node.inputs = [];
      node.saved = [];
    }
  }
}
