#!/usr/bin/env python3
"""Writes clip.json beside this script: torch.nn.utils.clip_grad_norm_ and clip_grad_value_.

    /usr/bin/python3 packages/optim/reference/clip.py

Three parameters (one of them without a gradient, which must be skipped) get fixed gradients; for
each norm type and max_norm the file records the total norm torch returns and the gradients after
clipping, in float64 and in float32; then the gradients after clip_grad_value_.
"""

import json
import math
import os

import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = [[2, 3], [4], [3]]


def start(dtype):
    gen = torch.Generator().manual_seed(0)
    params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in SHAPES]
    for p, scale in zip(params[:2], [3.0, 0.5]):
        p.grad = (torch.randn(p.shape, generator=gen, dtype=torch.float64) * scale).to(dtype)
    return params


def plain(x):
    return None if x is None else x.flatten().tolist()


def norm_case(norm_type, max_norm):
    out = {"normType": "Infinity" if norm_type == math.inf else norm_type, "maxNorm": max_norm}
    for dtype, key in [(torch.float64, "float64"), (torch.float32, "float32")]:
        params = start(dtype)
        total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
        out[key] = {"total": float(total), "grads": [plain(p.grad) for p in params]}
    return out


def value_case(clip_value):
    params = start(torch.float64)
    clip_grad_value_(params, clip_value)
    return {"clipValue": clip_value, "grads": [plain(p.grad) for p in params]}


reference = {
    "torch": torch.__version__,
    "shapes": SHAPES,
    "grads": {key: [plain(p.grad) for p in start(dtype)] for dtype, key in [(torch.float64, "float64"), (torch.float32, "float32")]},
    "norm": [norm_case(p, m) for p in [2, 1, 3, math.inf] for m in [1.0, 100.0]],
    "value": [value_case(c) for c in [0.5, 2.0]],
}
with open(os.path.join(HERE, "clip.json"), "w") as f:
    json.dump(reference, f, indent=1)
    f.write("\n")
