#!/usr/bin/env python3
"""Writes PyTorch's values for @nabla/layers' recurrent tests (test/recurrent.reference.test.ts).

    /usr/bin/python3 packages/layers/reference/generate_recurrent.py

Needs only torch (written against 1.13). recurrent.json holds, in float64, for RNN, LSTM and GRU
layers (one layer; two layers bidirectional with unsorted lengths through pack_padded_sequence;
batch-first) and for RNNCell, LSTMCell and GRUCell:
- the options, the parameters under PyTorch's names, the input and the initial state;
- the outputs and the final state (for lengths: pad_packed_sequence with total_length = T, so
  padded steps are zeros, and the final state of each sequence is taken at its own length);
- the gradients of sum(output * gradOutput) + sum(h * gradH) (+ sum(c * gradC)) with respect to
  every parameter, the input and the initial state.
"""

import json
import os
import zlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def plain(x):
    return x.detach().tolist()


def layer_case(name, kind, input_size, hidden, steps, batch, lengths=None, **options):
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
    torch_options = {
        "num_layers": options.get("numLayers", 1),
        "bias": options.get("bias", True),
        "batch_first": options.get("batchFirst", False),
        "bidirectional": options.get("bidirectional", False),
    }
    if kind == "RNN":
        torch_options["nonlinearity"] = options.get("nonlinearity", "tanh")
    layer = cls(input_size, hidden, **torch_options)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.2 - 0.6)
    directions = 2 if torch_options["bidirectional"] else 1
    shape = (batch, steps, input_size) if torch_options["batch_first"] else (steps, batch, input_size)
    x = torch.randn(shape, generator=gen).requires_grad_(True)
    state_shape = (torch_options["num_layers"] * directions, batch, hidden)
    h0 = (torch.randn(state_shape, generator=gen) * 0.5).requires_grad_(True)
    c0 = (torch.randn(state_shape, generator=gen) * 0.5).requires_grad_(True)
    state = (h0, c0) if kind == "LSTM" else h0
    if lengths is None:
        out, final = layer(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=torch_options["batch_first"], enforce_sorted=False)
        out_packed, final = layer(packed, state)
        out, _ = pad_packed_sequence(out_packed, batch_first=torch_options["batch_first"], total_length=steps)
    h, c = final if kind == "LSTM" else (final, None)
    g_out = torch.randn(out.shape, generator=gen)
    g_h = torch.randn(h.shape, generator=gen)
    loss = (out * g_out).sum() + (h * g_h).sum()
    case = {"name": name, "kind": kind, "inputSize": input_size, "hiddenSize": hidden, "options": options}
    if kind == "LSTM":
        g_c = torch.randn(c.shape, generator=gen)
        loss = loss + (c * g_c).sum()
        case.update({"c0": plain(c0), "c": plain(c), "gradC": plain(g_c)})
    names = [n for n, _ in layer.named_parameters()]
    leaves = [p for _, p in layer.named_parameters()] + [x, h0] + ([c0] if kind == "LSTM" else [])
    grads = torch.autograd.grad(loss, leaves)
    case.update({
        "parameters": {n: plain(p) for n, p in layer.named_parameters()},
        "x": plain(x), "h0": plain(h0), "lengths": lengths,
        "output": plain(out), "h": plain(h), "gradOutput": plain(g_out), "gradH": plain(g_h),
        "grads": {**{n: plain(g) for n, g in zip(names, grads)}, "x": plain(grads[len(names)]), "h0": plain(grads[len(names) + 1])},
    })
    if kind == "LSTM":
        case["grads"]["c0"] = plain(grads[len(names) + 2])
    return case


def cell_case(name, kind, input_size, hidden, batch, **options):
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    cls = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}[kind]
    extra = {"nonlinearity": options["nonlinearity"]} if "nonlinearity" in options else {}
    cell = cls(input_size, hidden, bias=options.get("bias", True), **extra)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) * 1.2 - 0.6)
    x = torch.randn((batch, input_size), generator=gen).requires_grad_(True)
    h0 = torch.randn((batch, hidden), generator=gen).requires_grad_(True)
    c0 = torch.randn((batch, hidden), generator=gen).requires_grad_(True)
    if kind == "LSTMCell":
        h, c = cell(x, (h0, c0))
    else:
        h, c = cell(x, h0), None
    g_h = torch.randn(h.shape, generator=gen)
    loss = (h * g_h).sum()
    case = {"name": name, "kind": kind, "inputSize": input_size, "hiddenSize": hidden, "options": options}
    if c is not None:
        g_c = torch.randn(c.shape, generator=gen)
        loss = loss + (c * g_c).sum()
        case.update({"c0": plain(c0), "c": plain(c), "gradC": plain(g_c)})
    names = [n for n, _ in cell.named_parameters()]
    leaves = [p for _, p in cell.named_parameters()] + [x, h0] + ([c0] if c is not None else [])
    grads = torch.autograd.grad(loss, leaves)
    case.update({
        "parameters": {n: plain(p) for n, p in cell.named_parameters()},
        "x": plain(x), "h0": plain(h0), "h": plain(h), "gradH": plain(g_h),
        "grads": {**{n: plain(g) for n, g in zip(names, grads)}, "x": plain(grads[len(names)]), "h0": plain(grads[len(names) + 1])},
    })
    if c is not None:
        case["grads"]["c0"] = plain(grads[len(names) + 2])
    return case


reference = {
    "layers": [
        layer_case("rnn tanh", "RNN", 3, 4, 5, 2),
        layer_case("rnn relu, no bias", "RNN", 3, 4, 5, 2, nonlinearity="relu", bias=False),
        layer_case("lstm", "LSTM", 3, 4, 5, 2),
        layer_case("gru", "GRU", 3, 4, 5, 2),
        layer_case("lstm, batchFirst", "LSTM", 3, 2, 4, 3, batchFirst=True),
        layer_case("rnn, 2 layers, bidirectional, lengths", "RNN", 3, 2, 5, 4, lengths=[3, 5, 1, 4],
                   numLayers=2, bidirectional=True),
        layer_case("lstm, 2 layers, bidirectional, lengths", "LSTM", 3, 2, 5, 4, lengths=[3, 5, 1, 4],
                   numLayers=2, bidirectional=True),
        layer_case("gru, 2 layers, bidirectional, lengths, batchFirst", "GRU", 3, 2, 5, 4, lengths=[2, 5, 5, 3],
                   numLayers=2, bidirectional=True, batchFirst=True),
        layer_case("lstm, lengths shorter than T", "LSTM", 2, 3, 6, 3, lengths=[4, 2, 4]),
    ],
    "cells": [
        cell_case("rnn cell", "RNNCell", 3, 4, 2),
        cell_case("rnn cell relu", "RNNCell", 3, 4, 2, nonlinearity="relu"),
        cell_case("lstm cell", "LSTMCell", 3, 4, 2),
        cell_case("gru cell", "GRUCell", 3, 4, 2),
        cell_case("gru cell, no bias", "GRUCell", 3, 4, 2, bias=False),
    ],
}

with open(os.path.join(HERE, "recurrent.json"), "w") as f:
    json.dump(reference, f)
    f.write("\n")
