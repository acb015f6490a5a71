#!/usr/bin/env python3
"""Writes PyTorch's values for @nabla/layers' Embedding tests (test/embedding.test.ts).

    /usr/bin/python3 packages/layers/reference/embedding.py

Needs only torch (written against 1.13). embedding.json holds, in float64, for a few index shapes
(with repeated indices, with and without padding_idx): the weight, the indices, torch's output
and the gradient of sum(output * gradOutput) with respect to the weight.
"""

import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


def case(num, dim, indices, padding_idx, seed):
    gen = torch.Generator().manual_seed(seed)
    weight = torch.randn(num, dim, generator=gen).requires_grad_(True)
    idx = torch.tensor(indices, dtype=torch.long)
    y = F.embedding(idx, weight, padding_idx=padding_idx)
    g = torch.randn(y.shape, generator=gen)
    (dweight,) = torch.autograd.grad((y * g).sum(), [weight])
    return {
        "paddingIdx": padding_idx,
        "weight": weight.detach().tolist(),
        "indices": indices,
        "shape": list(idx.shape),
        "y": y.detach().tolist(),
        "gradOutput": g.tolist(),
        "dweight": dweight.tolist(),
    }


cases = [
    case(5, 3, [4, 0, 4, 2, 4], None, 1),
    case(6, 4, [[1, 0, 3], [3, 3, 0]], 0, 2),
    case(7, 2, [[[6, 6], [2, 5]], [[5, 6], [0, 1]]], -1, 3),
]
with open(os.path.join(HERE, "embedding.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
