"""PyTorch side of `pnpm bench`: the same workloads as bench/src, one thread, results as JSON.

Run by bench/src/torch.ts as `/usr/bin/python3 torch_peer.py` with the workload spec as JSON on
stdin (its "only" lists the row groups to run: gemm, ce, mlp, mlp-adam, cnn, cnn-bn, lstm);
prints one JSON object {version, blas, peakRssMiB, cells: {row key: {value, detail?}}} on stdout.
peakRssMiB is this process's peak resident memory: torch.ts runs each epoch row in a process of
its own so that it is that row's. Timing follows bench/src/measure.ts: warm-up, then the median
of rounds.
"""
import json
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
spec = json.load(sys.stdin)
timing = spec["timing"]
only = set(spec["only"])
cells = {}


def time_call(fn):
    """Median milliseconds per call, as timeCall in measure.ts."""
    t0 = time.perf_counter()
    calls = 0
    while True:
        fn()
        calls += 1
        if (time.perf_counter() - t0) * 1000 >= timing["warmupMs"]:
            break
    per_call = (time.perf_counter() - t0) * 1000 / calls
    per_round = max(1, -(-timing["roundMs"] // per_call))
    rounds = int(min(timing["maxRounds"], max(timing["minRounds"], timing["budgetMs"] // (per_call * per_round))))
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(int(per_round)):
            fn()
        samples.append((time.perf_counter() - t0) * 1000 / per_round)
    return statistics.median(samples)


def time_runs(runs, run):
    """Median wall time of up to `runs` runs, as timeRuns in measure.ts."""
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = run()
        samples.append((time.perf_counter() - t0) * 1000)
        if result is None:
            result = out
        if samples[0] > spec["epochTiming"]["slowMs"]:
            break
    return statistics.median(samples), len(samples), result


def idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def loss_detail(loss, runs):
    return f"last loss {loss:.3f}" + (f", median of {runs}" if runs > 1 else ", 1 run")


def epoch_detail(samples, ms, runs, accuracy):
    runs_text = f", median of {runs}" if runs > 1 else ", 1 run"
    return f"{accuracy * 100:.1f}% test acc, {round(samples / (ms / 1000)):,} samples/s{runs_text}"


gen = torch.Generator().manual_seed(0)

for s in spec["gemm"] if "gemm" in only else []:
    m, n, k = s["m"], s["n"], s["k"]
    a = torch.rand((k, m) if s["transposeA"] else (m, k), generator=gen) * 2 - 1
    b = torch.rand((n, k) if s["transposeB"] else (k, n), generator=gen) * 2 - 1
    a_op = a.t() if s["transposeA"] else a
    b_op = b.t() if s["transposeB"] else b
    ms = time_call(lambda: torch.mm(a_op, b_op))
    cells[f"gemm {s['label']}"] = {"value": 2 * m * n * k / ms / 1e6}

for s in spec["ce"] if "ce" in only else []:
    logits = torch.randn(s["batch"], s["classes"], generator=gen, requires_grad=True)
    labels = torch.randint(0, s["classes"], (s["batch"],), generator=gen)

    def step():
        logits.grad = None
        F.cross_entropy(logits, labels).backward()

    cells[f"ce {s['label']}"] = {"value": time_call(step) * 1000}

mnist = spec["mnistDir"]
x_train = torch.from_numpy(idx(f"{mnist}/train-images-idx3-ubyte", 16).astype(np.float32) / 255).reshape(-1, 784)
y_train = torch.from_numpy(idx(f"{mnist}/train-labels-idx1-ubyte", 8).astype(np.int64))
x_test = torch.from_numpy(idx(f"{mnist}/t10k-images-idx3-ubyte", 16).astype(np.float32) / 255).reshape(-1, 784)
y_test = torch.from_numpy(idx(f"{mnist}/t10k-labels-idx1-ubyte", 8).astype(np.int64))



def mlp_epoch(spec_mlp, make_optimizer):
    model = nn.Sequential(nn.Linear(784, spec_mlp["hidden"]), nn.ReLU(), nn.Linear(spec_mlp["hidden"], 10))
    opt = make_optimizer(model.parameters(), spec_mlp["lr"])
    n = x_train.shape[0]
    for i in range(0, n, spec_mlp["batch"]):
        xb, yb = x_train[i : i + spec_mlp["batch"]], y_train[i : i + spec_mlp["batch"]]
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()
    with torch.no_grad():
        return (model(x_test).argmax(1) == y_test).float().mean().item()


for key, make_optimizer in [
    ("mlp", lambda params, lr: torch.optim.SGD(params, lr=lr)),
    ("mlp-adam", lambda params, lr: torch.optim.Adam(params, lr=lr)),
]:
    if key in only:
        spec_mlp = spec["mlp" if key == "mlp" else "mlpAdam"]
        ms, runs, acc = time_runs(spec_mlp["runs"], lambda: mlp_epoch(spec_mlp, make_optimizer))
        cells[key] = {"value": ms / 1000, "detail": epoch_detail(x_train.shape[0], ms, runs, acc)}


def train_in_order(model, opt, x, y, batch):
    """One pass over x in file order with cross-entropy; returns the last batch's loss."""
    loss = None
    for i in range(0, x.shape[0], batch):
        opt.zero_grad()
        loss = F.cross_entropy(model(x[i : i + batch]), y[i : i + batch])
        loss.backward()
        opt.step()
    return loss.item()


cnn = spec["cnn"]
x_cnn = x_train[: cnn["images"]].reshape(-1, 1, 28, 28)
y_cnn = y_train[: cnn["images"]]


def cnn_epoch():
    model = nn.Sequential(
        nn.Conv2d(1, cnn["filters"], 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2, stride=1),
        nn.Flatten(),
        nn.Linear(cnn["filters"] * 27 * 27, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=cnn["lr"])
    return train_in_order(model, opt, x_cnn, y_cnn, cnn["batch"])


if "cnn" in only:
    ms, runs, loss = time_runs(cnn["runs"], cnn_epoch)
    cells["cnn"] = {"value": ms / 1000, "detail": loss_detail(loss, runs)}

cnn_bn = spec["cnnBn"]


def cnn_bn_epoch():
    """examples/mnist's --model cnn-bn, as bench/src/nabla.ts builds it."""
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120, bias=False),
        nn.BatchNorm1d(120),
        nn.ReLU(),
        nn.Linear(120, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=cnn_bn["lr"], momentum=cnn_bn["momentum"])
    x = x_train[: cnn_bn["images"]].reshape(-1, 1, 28, 28)
    return train_in_order(model, opt, x, y_train[: cnn_bn["images"]], cnn_bn["batch"])


if "cnn-bn" in only:
    ms, runs, loss = time_runs(cnn_bn["runs"], cnn_bn_epoch)
    per_second = round(cnn_bn["images"] / (ms / 1000))
    cells["cnn-bn"] = {"value": ms / 1000, "detail": f"{loss_detail(loss, runs)}, {per_second:,} samples/s"}

lstm = spec["lstm"]
x_seq = x_train[: lstm["images"]].reshape(-1, 28, 28)
y_seq = y_train[: lstm["images"]]


class SequenceClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, lstm["hidden"], batch_first=True)
        self.fc = nn.Linear(lstm["hidden"], 10)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


def lstm_epoch():
    model = SequenceClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=lstm["lr"])
    return train_in_order(model, opt, x_seq, y_seq, lstm["batch"])


if "lstm" in only:
    ms, runs, loss = time_runs(lstm["runs"], lstm_epoch)
    cells["lstm"] = {"value": ms / 1000, "detail": loss_detail(loss, runs)}


def blas_library():
    """The BLAS shared object torch's matmuls went through (Debian's reference BLAS is ~30x slower)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    openblas = sorted(p for p in paths if "libopenblas" in p)
    return (openblas or sorted(paths) or ["unknown"])[0]


# ru_maxrss is in kilobytes on Linux.
peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"version": torch.__version__, "blas": blas_library(), "peakRssMiB": peak_rss_mib, "cells": cells}, sys.stdout)
