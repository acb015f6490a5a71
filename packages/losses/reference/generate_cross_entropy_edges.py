#!/usr/bin/env python3
"""Writes PyTorch's values for two paths of softmaxCrossEntropy that cross-entropy.json leaves out.

    python3 packages/losses/reference/generate_cross_entropy_edges.py

Writes cross-entropy-edges.json (same layout and number spelling as generate.py's files):
- "upstream": a scalar loss multiplied by k before backward (`mul(loss, k).backward()`), so the
  fused backward gets an upstream gradient other than 1; `grad` is d(k·loss)/dz.
- "masked": logits with -inf entries (masked classes) and no label smoothing: the loss stays
  finite and the gradient at a masked logit is 0. With `gradOutput` for 'none'.
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import DTYPES, plain, write  # noqa: E402


def edge_cases():
    gen = torch.Generator().manual_seed(4)
    cases = []

    def case(kind, name, logits, labels, reduction, scale=1.0, label_smoothing=0.0, weight=None, grad_output=None):
        z = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(z, labels, weight=weight, reduction=reduction, label_smoothing=label_smoothing)
        if grad_output is None:
            grad_output = torch.ones_like(loss)
        (dz,) = torch.autograd.grad((loss * scale * grad_output).sum(), [z])
        cases.append({
            "kind": kind,
            "name": name,
            "dtype": str(logits.dtype).replace("torch.", ""),
            "shape": list(logits.shape),
            "logits": plain(logits),
            "labels": plain(labels),
            "options": {"reduction": reduction, "labelSmoothing": label_smoothing,
                        "weight": None if weight is None else plain(weight)},
            "scale": scale,
            "gradOutput": plain(grad_output),
            "loss": plain(loss),
            "grad": plain(dz),
        })

    B, C = 4, 5
    for dtype_name, dtype in DTYPES.items():
        logits = (torch.randn(B, C, generator=gen) * 2).to(dtype)
        labels = torch.randint(0, C, (B,), generator=gen)
        weight = (torch.rand(C, generator=gen) * 2 + 0.1).to(dtype)
        for reduction in ["mean", "sum"]:
            for scale in [3.0, -0.5]:
                case("upstream", f"{dtype_name} {reduction}, loss × {scale}", logits, labels, reduction, scale)
            case("upstream", f"{dtype_name} {reduction}, loss × 3, labelSmoothing 0.1, weighted",
                 logits, labels, reduction, 3.0, 0.1, weight)

        masked = logits.clone()
        masked[0, 1] = -float("inf")
        masked[0, 4] = -float("inf")
        masked[2, 0] = -float("inf")
        masked_labels = torch.tensor([0, 3, 2, 1])
        for reduction in ["mean", "sum"]:
            case("masked", f"{dtype_name} -inf logits, {reduction}", masked, masked_labels, reduction)
        case("masked", f"{dtype_name} -inf logits, mean, loss × 3", masked, masked_labels, "mean", 3.0)
        case("masked", f"{dtype_name} -inf logits, none", masked, masked_labels, "none",
             grad_output=torch.randn(B, generator=gen).to(dtype))
    return cases


if __name__ == "__main__":
    write("cross-entropy-edges.json", edge_cases())
