#!/usr/bin/env python3
"""Writes PyTorch's values and gradients for @nabla/losses' tests.

    python3 packages/losses/reference/generate.py

Needs only torch (written against 1.13). Each JSON beside this script holds the inputs, the options,
torch's loss and the gradient of `sum(loss * gradOutput)` with respect to every differentiable
input. Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity" (JSON has
no literal for them). float32 cases hold values exactly representable in float32.
"""

import itertools
import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def plain(x):
    """Nested lists of Python numbers, with non-finite floats spelled as strings."""
    if isinstance(x, torch.Tensor):
        x = x.detach().tolist()
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    return x


def backward(loss, inputs, generator):
    """Gradients of sum(loss * gradOutput); gradOutput is 1 for a scalar loss, random for 'none'."""
    grad_output = torch.ones_like(loss) if loss.dim() == 0 else torch.randn(loss.shape, dtype=loss.dtype, generator=generator)
    grads = torch.autograd.grad((loss * grad_output).sum(), inputs, allow_unused=True)
    grads = [torch.zeros_like(x) if g is None else g for x, g in zip(inputs, grads)]
    return grad_output, grads


def write(name, cases):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def cross_entropy_cases():
    gen = torch.Generator().manual_seed(1)
    cases = []

    def case(name, logits, target, reduction="mean", label_smoothing=0.0, weight=None, ignore_index=-100):
        z = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(z, target, weight=weight, reduction=reduction,
                               label_smoothing=label_smoothing, ignore_index=ignore_index)
        grad_output, (dz,) = backward(loss, [z], gen)
        cases.append({
            "name": name,
            "dtype": str(logits.dtype).replace("torch.", ""),
            "shape": list(logits.shape),
            "logits": plain(logits),
            "targetKind": "probabilities" if target.is_floating_point() else "classes",
            "target": plain(target),
            "options": {
                "reduction": reduction,
                "labelSmoothing": label_smoothing,
                "weight": None if weight is None else plain(weight),
                "ignoreIndex": ignore_index,
            },
            "loss": plain(loss),
            "gradOutput": plain(grad_output),
            "grad": plain(dz),
        })

    B, C = 6, 5
    for dtype_name, dtype in DTYPES.items():
        logits = (torch.randn(B, C, generator=gen) * 3).to(dtype)
        labels = torch.randint(0, C, (B,), generator=gen)
        ignored = labels.clone()
        ignored[1] = -100
        ignored[4] = -100
        custom = labels.clone()
        custom[0] = 2
        custom[3] = 2
        probs = torch.softmax(torch.randn(B, C, generator=gen) * 2, dim=1).to(dtype)
        weight = (torch.rand(C, generator=gen) * 2 + 0.1).to(dtype)
        targets = [
            ("labels", labels, -100),
            ("labels, two ignored", ignored, -100),
            ("labels, ignoreIndex 2", custom, 2),
            ("probabilities", probs, -100),
        ]
        for (tname, target, ii), reduction, eps, weighted in itertools.product(
                targets, ["mean", "sum", "none"], [0.0, 0.1], [False, True]):
            name = f"{dtype_name} {tname}, {reduction}, labelSmoothing {eps}" + (", weighted" if weighted else "")
            case(name, logits, target, reduction, eps, weight if weighted else None, ii)

    # Soft targets that are not distributions (rows summing to 0.5 and 2): torch takes them as they are.
    loose = torch.rand(4, 3, generator=gen, dtype=torch.float64)
    loose = loose / loose.sum(1, keepdim=True) * torch.tensor([[0.5], [2.0], [1.0], [1.0]], dtype=torch.float64)
    lz = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    for reduction in ["mean", "none"]:
        case(f"probabilities not summing to 1, {reduction}", lz, loose, reduction, 0.2,
             torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64))

    ten = torch.randn(16, 10, generator=gen, dtype=torch.float64) * 4
    ten_labels = torch.randint(0, 10, (16,), generator=gen)
    case("16x10 labels, mean", ten, ten_labels)
    case("16x10 labels, mean, float32", ten.float(), ten_labels)
    case("16x10 labels, labelSmoothing 1", ten, ten_labels, "mean", 1.0)

    # Edges.
    small = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    all_ignored = torch.tensor([-100, -100, -100])
    for reduction in ["mean", "sum", "none"]:
        case(f"all ignored, {reduction}", small, all_ignored, reduction)
    case("all ignored, mean, labelSmoothing 0.2, weighted", small, all_ignored, "mean", 0.2,
         torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    for reduction in ["mean", "sum", "none"]:
        case(f"empty batch, {reduction}", torch.zeros(0, 4, dtype=torch.float64), torch.zeros(0, dtype=torch.long), reduction)
        case(f"empty batch, probabilities, {reduction}", torch.zeros(0, 4, dtype=torch.float64),
             torch.zeros(0, 4, dtype=torch.float64), reduction)
    case("equal logits", torch.full((3, 7), 2.5, dtype=torch.float64), torch.tensor([0, 3, 6]))

    big_labels = torch.tensor([0, 1, 2, 3])
    for dtype_name, dtype in DTYPES.items():
        big = torch.tensor([[1e4, -1e4, 0.0, 1e4 - 3],
                            [-1e4, 1e4, 1e4 - 0.5, -1e4],
                            [1e4, 1e4, 1e4, 1e4],
                            [-1e4, -1e4 + 1, -1e4 + 2, -1e4 + 0.25]], dtype=dtype)
        case(f"logits of ±1e4, {dtype_name}", big, big_labels, "none")
        case(f"logits of ±1e4, {dtype_name}, labelSmoothing 0.1", big, big_labels, "mean", 0.1)
        # The truth for the float32 values, computed in float64.
        if dtype is torch.float32:
            case("logits of ±1e4, float32 values in float64", big.double(), big_labels, "none")
    return cases


def mse_cases():
    gen = torch.Generator().manual_seed(2)
    cases = []
    shapes = [[3, 4], [5], []]
    for dtype_name, dtype in DTYPES.items():
        for shape, reduction in itertools.product(shapes, ["mean", "sum", "none"]):
            p = torch.randn(shape, generator=gen).to(dtype).requires_grad_(True)
            t = torch.randn(shape, generator=gen).to(dtype).requires_grad_(True)
            loss = F.mse_loss(p, t, reduction=reduction)
            grad_output, (dp, dt) = backward(loss, [p, t], gen)
            cases.append({"name": f"{dtype_name} {shape} {reduction}", "dtype": dtype_name, "shape": shape,
                          "prediction": plain(p), "target": plain(t), "reduction": reduction,
                          "loss": plain(loss), "gradOutput": plain(grad_output),
                          "gradPrediction": plain(dp), "gradTarget": plain(dt)})
    p = torch.tensor([1000.0, -1000.0, 999.5, 0.0], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([-1000.0, -1000.0, 1000.0, 1e-3], dtype=torch.float64, requires_grad=True)
    loss = F.mse_loss(p, t)
    grad_output, (dp, dt) = backward(loss, [p, t], gen)
    cases.append({"name": "±1000", "dtype": "float64", "shape": [4], "prediction": plain(p), "target": plain(t),
                  "reduction": "mean", "loss": plain(loss), "gradOutput": plain(grad_output),
                  "gradPrediction": plain(dp), "gradTarget": plain(dt)})
    return cases


def bce_cases():
    gen = torch.Generator().manual_seed(3)
    cases = []

    def case(name, x, t, reduction, pos_weight):
        x = x.clone().requires_grad_(True)
        t = t.clone().requires_grad_(True)
        loss = F.binary_cross_entropy_with_logits(x, t, reduction=reduction, pos_weight=pos_weight)
        grad_output, (dx, dt) = backward(loss, [x, t], gen)
        cases.append({"name": name, "dtype": str(x.dtype).replace("torch.", ""), "shape": list(x.shape),
                      "logits": plain(x), "target": plain(t), "reduction": reduction,
                      "posWeight": None if pos_weight is None else {"shape": list(pos_weight.shape), "data": plain(pos_weight.flatten())},
                      "loss": plain(loss), "gradOutput": plain(grad_output),
                      "gradLogits": plain(dx), "gradTarget": plain(dt)})

    for dtype_name, dtype in DTYPES.items():
        x = (torch.randn(4, 3, generator=gen) * 3).to(dtype)
        t = torch.rand(4, 3, generator=gen).to(dtype)
        t[0] = torch.tensor([0.0, 1.0, 1.0])
        pos_weights = [
            ("no posWeight", None),
            ("posWeight [3]", (torch.rand(3, generator=gen) * 3).to(dtype)),
            ("posWeight [4,1]", (torch.rand(4, 1, generator=gen) * 3).to(dtype)),
            ("posWeight [1]", torch.tensor([2.5], dtype=dtype)),
        ]
        for (pname, pw), reduction in itertools.product(pos_weights, ["mean", "sum", "none"]):
            case(f"{dtype_name} {pname}, {reduction}", x, t, reduction, pw)
    big = torch.tensor([1000.0, -1000.0, 1000.0, -1000.0, 30.0, -30.0], dtype=torch.float64)
    bt = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.3, 0.7], dtype=torch.float64)
    case("±1000", big, bt, "none", None)
    case("±1000, posWeight", big, bt, "none", torch.tensor([3.0], dtype=torch.float64))
    case("±1000 float32", big.float(), bt.float(), "none", None)
    return cases


if __name__ == "__main__":
    write("cross-entropy.json", cross_entropy_cases())
    write("mse.json", mse_cases())
    write("bce-with-logits.json", bce_cases())
