#!/usr/bin/env python3
"""PyTorch interop fixtures for @nabla/trainer's torch-layout tests (test/torch-layout.test.ts).

    /usr/bin/python3 packages/trainer/reference/generate.py

Needs only torch (written against 1.13); the safetensors format is written and read here with
json and struct, since the `safetensors` package may be missing. It does two things:

1. PyTorch -> Nabla. Writes torch/*.safetensors, state dicts of three nn.Sequential models as
   `safetensors.torch.save_file` would (header padded to 8 bytes, tensors sorted by alignment then
   name): an MLP, a small CNN with BatchNorm2d and an MLP with BatchNorm1d (their BatchNorm
   layers trained a few steps, so the running statistics and the int64 num_batches_tracked are
   not the defaults), in F32, plus the CNN in F16 and the BatchNorm1d MLP in BF16, and one file
   whose num_batches_tracked does not fit int32. torch.json records, for each file, the
   architecture, fixed inputs and PyTorch's float32 eval-mode outputs (for the F16/BF16 files:
   of the model holding the rounded weights).

2. Nabla -> PyTorch. Checks nabla/*.safetensors, written by Nabla with saveModel(..., { layout:
   "torch" }) (the test regenerates them with UPDATE_FIXTURES=1 and otherwise checks that they are
   exactly what Nabla writes): each loads with load_state_dict(strict=True) into the equivalent
   nn.Sequential and reproduces the outputs Nabla recorded in nabla/outputs.json. It prints one
   line per file and exits non-zero on any mismatch.
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
# Nabla's tests compare outputs with this absolute tolerance (see test/torch-layout.test.ts).
TOLERANCE = 1e-5

DTYPE_CODES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.float64: "F64"}
TORCH_DTYPES = {code: dtype for dtype, code in DTYPE_CODES.items()}


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def cnn_bn():
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 4)
    )


def mlp_bn1d():
    return nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))


ARCHITECTURES = {"mlp": (mlp, [3, 4]), "cnn_bn": (cnn_bn, [2, 1, 6, 6]), "mlp_bn1d": (mlp_bn1d, [3, 5])}


def save_file(tensors, path):
    """safetensors.torch.save_file, with json and struct."""
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, chunks, offset = {}, [], 0
    for name in order:
        t = tensors[name].detach().contiguous()
        data = bytes(t.reshape(-1).view(torch.uint8).tolist()) if t.numel() > 0 else b""
        header[name] = {"dtype": DTYPE_CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def load_file(path):
    """safetensors.torch.load_file, with json and struct."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        chunk = bytearray(raw[8 + n + begin : 8 + n + end])
        dtype = TORCH_DTYPES[entry["dtype"]]
        flat = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(entry["shape"]).clone()
    return out


def trained(name, seed):
    """A model of architecture `name` whose BatchNorm layers have seen a few training batches."""
    build, input_shape = ARCHITECTURES[name]
    torch.manual_seed(seed)
    model = build()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn([8] + input_shape[1:]) * 2 + 0.5)
    return model.eval()


def outputs(model, x):
    with torch.no_grad():
        return model(x).tolist()


def write_pytorch_fixtures():
    os.makedirs(os.path.join(HERE, "torch"), exist_ok=True)
    cases = {}
    variants = [("mlp", "F32", 1), ("cnn_bn", "F32", 2), ("mlp_bn1d", "F32", 3), ("cnn_bn", "F16", 4), ("mlp_bn1d", "BF16", 5)]
    for arch, code, seed in variants:
        model = trained(arch, seed)
        state = {k: (v.to(TORCH_DTYPES[code]) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
        # The reference outputs are those of the float32 model holding exactly the stored weights.
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
        x = torch.randn(ARCHITECTURES[arch][1], generator=torch.Generator().manual_seed(100 + seed))
        file = f"{arch}_{code.lower()}.safetensors"
        save_file(state, os.path.join(HERE, "torch", file))
        cases[file] = {"architecture": arch, "dtype": code, "input": x.flatten().tolist(), "inputShape": list(x.shape), "output": outputs(model, x)}
    # A BatchNorm counter beyond int32: Nabla must refuse it by name.
    model = trained("mlp_bn1d", 6)
    state = model.state_dict()
    state["1.num_batches_tracked"] = torch.tensor(2**40, dtype=torch.int64)
    save_file(state, os.path.join(HERE, "torch", "mlp_bn1d_overflow.safetensors"))
    with open(os.path.join(HERE, "torch.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases) + 1} PyTorch files and torch.json")


def check_nabla_fixtures():
    listing = os.path.join(HERE, "nabla", "outputs.json")
    if not os.path.exists(listing):
        print("no nabla/outputs.json yet: run the Nabla test with UPDATE_FIXTURES=1 first")
        return True
    with open(listing) as f:
        cases = json.load(f)["cases"]
    ok = True
    for file, case in cases.items():
        model = ARCHITECTURES[case["architecture"]][0]().eval()
        try:
            model.load_state_dict(load_file(os.path.join(HERE, "nabla", file)), strict=True)
        except RuntimeError as e:
            print(f"FAIL {file}: load_state_dict: {e}")
            ok = False
            continue
        x = torch.tensor(case["input"], dtype=torch.float32).reshape(case["inputShape"])
        got = torch.tensor(outputs(model, x))
        diff = (got - torch.tensor(case["output"])).abs().max().item()
        status = "ok  " if diff <= TOLERANCE else "FAIL"
        ok = ok and diff <= TOLERANCE
        print(f"{status} {file}: load_state_dict(strict=True) took it; outputs differ from Nabla's by at most {diff:.2e}")
    return ok


if __name__ == "__main__":
    write_pytorch_fixtures()
    sys.exit(0 if check_nabla_fixtures() else 1)
