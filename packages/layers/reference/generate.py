#!/usr/bin/env python3
"""Writes PyTorch's values for @nabla/layers' convolution tests (test/conv.test.ts).

    /usr/bin/python3 packages/layers/reference/generate.py

Needs only torch (written against 1.13). conv.json holds, in float64:
- batchNorm: BatchNorm2d(3) and BatchNorm1d(4) fed two known batches in training mode (outputs,
  running statistics and num_batches_tracked after each batch), then one batch in eval mode, and
  the gradients of sum(y * gradOutput) of the training forward on the second batch;
- conv: Conv2d outputs and gradients of sum(y * gradOutput) for a few stride/padding/dilation
  combinations on odd sizes;
- maxPool: MaxPool2d outputs and input gradients on inputs with ties (the gradient goes to the
  first maximal element);
- avgPool: AvgPool2d with and without count_include_pad.
"""

import json
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def plain(x):
    return x.detach().tolist() if isinstance(x, torch.Tensor) else x


def batchnorm_case(layer, shape):
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(layer.num_features, generator=gen))
        layer.bias.copy_(torch.randn(layer.num_features, generator=gen))
    batches = [torch.randn(shape, generator=gen) * 3 + 1, torch.randn(shape, generator=gen) * 0.5 - 2]
    steps = []
    layer.train()
    for i, x in enumerate(batches):
        x = x.clone().requires_grad_(True)
        y = layer(x)
        step = {
            "x": plain(x),
            "y": plain(y),
            "runningMean": plain(layer.running_mean),
            "runningVar": plain(layer.running_var),
            "numBatchesTracked": int(layer.num_batches_tracked),
        }
        if i == 1:
            g = torch.randn(y.shape, generator=gen)
            dx, dw, db = torch.autograd.grad((y * g).sum(), [x, layer.weight, layer.bias])
            step.update({"gradOutput": plain(g), "dx": plain(dx), "dweight": plain(dw), "dbias": plain(db)})
        steps.append(step)
    layer.eval()
    x = torch.randn(shape, generator=gen)
    return {
        "numFeatures": layer.num_features,
        "weight": plain(layer.weight),
        "bias": plain(layer.bias),
        "train": steps,
        "eval": {"x": plain(x), "y": plain(layer(x))},
    }


def conv_case(shape, out_channels, kernel, stride, padding, dilation):
    gen = torch.Generator().manual_seed(2)
    layer = nn.Conv2d(shape[1], out_channels, kernel, stride=stride, padding=padding, dilation=dilation)
    x = torch.randn(shape, generator=gen).requires_grad_(True)
    y = layer(x)
    g = torch.randn(y.shape, generator=gen)
    dx, dw, db = torch.autograd.grad((y * g).sum(), [x, layer.weight, layer.bias])
    return {
        "options": {"kernelSize": kernel, "stride": stride, "padding": padding, "dilation": dilation},
        "x": plain(x), "weight": plain(layer.weight), "bias": plain(layer.bias), "y": plain(y),
        "gradOutput": plain(g), "dx": plain(dx), "dweight": plain(dw), "dbias": plain(db),
    }


def pool_case(pool, x):
    x = x.clone().requires_grad_(True)
    y = pool(x)
    (dx,) = torch.autograd.grad(y.sum(), [x])
    return {"x": plain(x), "y": plain(y), "dx": plain(dx)}


# Small integers: many ties inside windows, and the padded border.
ties = torch.tensor([[[[1, 3, 3, 0, 2], [3, 1, 2, 2, 2], [0, 0, 1, 4, 4], [2, 2, 1, 4, 0]]]], dtype=torch.float64)
ties = torch.cat([ties, -ties], 1)

reference = {
    "batchNorm2d": batchnorm_case(nn.BatchNorm2d(3), (4, 3, 5, 3)),
    "batchNorm1d": batchnorm_case(nn.BatchNorm1d(4), (6, 4)),
    "conv": [
        conv_case((2, 3, 5, 7), 4, [3, 2], [1, 1], [0, 0], [1, 1]),
        conv_case((2, 3, 5, 7), 4, [3, 2], [2, 1], [1, 2], [1, 2]),
        conv_case((1, 2, 7, 5), 3, [2, 3], [2, 2], [1, 1], [2, 1]),
    ],
    "maxPool": [
        {"options": {"kernelSize": 2, "stride": 1, "padding": 0}, **pool_case(nn.MaxPool2d(2, stride=1), ties)},
        {"options": {"kernelSize": 3, "stride": 2, "padding": 1}, **pool_case(nn.MaxPool2d(3, stride=2, padding=1), ties)},
    ],
    "avgPool": [
        {"options": {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": True},
         **pool_case(nn.AvgPool2d(3, stride=2, padding=1), ties)},
        {"options": {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False},
         **pool_case(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), ties)},
    ],
}

with open(os.path.join(HERE, "conv.json"), "w") as f:
    json.dump(reference, f)
    f.write("\n")
