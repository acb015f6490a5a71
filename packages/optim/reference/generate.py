"""Writes optim.json beside this script: PyTorch's parameters after each of 5 optimizer steps.

Run with the interpreter that has PyTorch 1.13 (Debian's python3-torch):

    /usr/bin/python3 packages/optim/reference/generate.py

For every optimizer and option combination the file records the initial parameters, a fixed
sequence of gradients (null where a parameter gets no gradient on that step, which must skip it),
and torch's parameters after every step, once in float64 and once in float32; for float64 it also
records torch's final optimizer state. Options are written with Nabla's (camelCase) names and
translated to torch's here. The file also records the learning rates torch's StepLR,
CosineAnnealingLR and ExponentialLR produce over a number of epochs.
"""

import json
import math
import os

import torch

STEPS = 5
SHAPES = [[2, 3], [4]]
# Gradients shrink and grow from step to step so that AMSGrad's running maximum matters.
SCALES = [3.0, 1.0, 0.2, 2.0, 0.5]

TORCH_NAMES = {
    "lr": "lr",
    "momentum": "momentum",
    "dampening": "dampening",
    "nesterov": "nesterov",
    "weightDecay": "weight_decay",
    "lrDecay": "lr_decay",
    "initialAccumulatorValue": "initial_accumulator_value",
    "eps": "eps",
    "alpha": "alpha",
    "centered": "centered",
    "betas": "betas",
    "amsgrad": "amsgrad",
    "stepSize": "step_size",
    "gamma": "gamma",
    "tMax": "T_max",
    "etaMin": "eta_min",
}

STATE_NAMES = {
    "step": "step",
    "momentum_buffer": "momentumBuffer",
    "sum": "sum",
    "square_avg": "squareAvg",
    "grad_avg": "gradAvg",
    "exp_avg": "expAvg",
    "exp_avg_sq": "expAvgSq",
    "max_exp_avg_sq": "maxExpAvgSq",
}

OPTIMIZERS = {
    "SGD": torch.optim.SGD,
    "Adagrad": torch.optim.Adagrad,
    "RMSprop": torch.optim.RMSprop,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
}

SCHEDULERS = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR,
}


def torch_options(options):
    out = {}
    for key, value in options.items():
        out[TORCH_NAMES[key]] = tuple(value) if key == "betas" else value
    return out


def case(name, optimizer, options, groups=None, skip=None):
    """skip: (step, param) pairs whose gradient is None."""
    return {"name": name, "optimizer": optimizer, "options": options, "groups": groups, "skip": skip or []}


CASES = [
    case("SGD plain", "SGD", {"lr": 0.1}),
    case("SGD momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    case("SGD momentum dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    case("SGD nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    case("SGD weight decay", "SGD", {"lr": 0.1, "weightDecay": 0.05}),
    case("SGD momentum weight decay", "SGD", {"lr": 0.05, "momentum": 0.8, "weightDecay": 0.1}),
    case("SGD nesterov weight decay", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.1}),
    case("SGD all but nesterov", "SGD", {"lr": 0.05, "momentum": 0.7, "dampening": 0.3, "weightDecay": 0.02}),
    case("SGD skipped gradient", "SGD", {"lr": 0.1, "momentum": 0.9}, skip=[[0, 1], [2, 0]]),
    case("SGD param groups", "SGD", {"lr": 0.1, "momentum": 0.9},
         groups=[{"params": [0], "lr": 0.02, "nesterov": True}, {"params": [1], "momentum": 0.5, "weightDecay": 0.1}]),
    case("Adagrad defaults", "Adagrad", {}),
    case("Adagrad lr", "Adagrad", {"lr": 0.1}),
    case("Adagrad lr decay", "Adagrad", {"lr": 0.1, "lrDecay": 0.3}),
    case("Adagrad weight decay", "Adagrad", {"lr": 0.1, "weightDecay": 0.1}),
    case("Adagrad initial accumulator", "Adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.5}),
    case("Adagrad eps", "Adagrad", {"lr": 0.1, "eps": 1e-3}),
    case("Adagrad all", "Adagrad", {"lr": 0.2, "lrDecay": 0.1, "weightDecay": 0.05, "initialAccumulatorValue": 0.1, "eps": 1e-6}),
    case("Adagrad skipped gradient", "Adagrad", {"lr": 0.1}, skip=[[1, 0], [3, 1]]),
    # No group overrides initialAccumulatorValue: torch 1.13 fills every group's accumulator from the
    # constructor's value (Nabla, like later torch releases, uses the group's).
    case("Adagrad param groups", "Adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.2},
         groups=[{"params": [1], "lrDecay": 0.2}, {"params": [0], "weightDecay": 0.1, "lr": 0.05}]),
    case("RMSprop defaults", "RMSprop", {}),
    case("RMSprop alpha", "RMSprop", {"lr": 0.01, "alpha": 0.9}),
    case("RMSprop eps", "RMSprop", {"eps": 1e-2}),
    case("RMSprop weight decay", "RMSprop", {"weightDecay": 0.1}),
    case("RMSprop centered", "RMSprop", {"centered": True}),
    case("RMSprop momentum", "RMSprop", {"momentum": 0.9}),
    case("RMSprop centered momentum", "RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.8}),
    case("RMSprop all", "RMSprop", {"lr": 0.02, "alpha": 0.8, "eps": 1e-4, "weightDecay": 0.05, "momentum": 0.5, "centered": True}),
    case("RMSprop skipped gradient", "RMSprop", {"momentum": 0.9, "centered": True}, skip=[[0, 0], [4, 1]]),
    case("RMSprop param groups", "RMSprop", {"lr": 0.01},
         groups=[{"params": [0], "centered": True}, {"params": [1], "momentum": 0.9, "alpha": 0.5}]),
    case("Adam defaults", "Adam", {}),
    case("Adam lr", "Adam", {"lr": 0.05}),
    case("Adam betas", "Adam", {"lr": 0.01, "betas": [0.8, 0.95]}),
    case("Adam eps", "Adam", {"lr": 0.01, "eps": 1e-2}),
    case("Adam weight decay", "Adam", {"lr": 0.01, "weightDecay": 0.1}),
    case("Adam amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    case("Adam all", "Adam", {"lr": 0.02, "betas": [0.85, 0.99], "eps": 1e-6, "weightDecay": 0.05, "amsgrad": True}),
    case("Adam skipped gradient", "Adam", {"lr": 0.01, "amsgrad": True}, skip=[[1, 1], [2, 1], [3, 0]]),
    case("Adam param groups", "Adam", {"lr": 0.01},
         groups=[{"params": [0], "amsgrad": True, "betas": [0.5, 0.9]}, {"params": [1], "lr": 0.1, "weightDecay": 0.2}]),
    case("AdamW defaults", "AdamW", {}),
    case("AdamW lr", "AdamW", {"lr": 0.05}),
    case("AdamW betas", "AdamW", {"lr": 0.01, "betas": [0.8, 0.95]}),
    case("AdamW eps", "AdamW", {"lr": 0.01, "eps": 1e-2}),
    case("AdamW weight decay", "AdamW", {"lr": 0.01, "weightDecay": 0.3}),
    case("AdamW no weight decay", "AdamW", {"lr": 0.01, "weightDecay": 0}),
    case("AdamW amsgrad", "AdamW", {"lr": 0.01, "amsgrad": True}),
    case("AdamW all", "AdamW", {"lr": 0.02, "betas": [0.85, 0.99], "eps": 1e-6, "weightDecay": 0.2, "amsgrad": True}),
    case("AdamW skipped gradient", "AdamW", {"lr": 0.01, "weightDecay": 0.1}, skip=[[0, 1], [3, 0]]),
    case("AdamW param groups", "AdamW", {"lr": 0.01},
         groups=[{"params": [1], "weightDecay": 0.5}, {"params": [0], "lr": 0.03, "amsgrad": True}]),
]

SCHEDULER_CASES = [
    {"name": "StepLR default gamma", "scheduler": "StepLR", "options": {"stepSize": 3}, "lrs": [0.1], "epochs": 12},
    {"name": "StepLR", "scheduler": "StepLR", "options": {"stepSize": 4, "gamma": 0.5}, "lrs": [0.2, 0.03], "epochs": 17},
    {"name": "CosineAnnealingLR", "scheduler": "CosineAnnealingLR", "options": {"tMax": 10}, "lrs": [0.1], "epochs": 35},
    {"name": "CosineAnnealingLR etaMin", "scheduler": "CosineAnnealingLR", "options": {"tMax": 7, "etaMin": 0.001},
     "lrs": [0.05, 0.2], "epochs": 30},
    {"name": "ExponentialLR", "scheduler": "ExponentialLR", "options": {"gamma": 0.9}, "lrs": [0.1, 0.5], "epochs": 20},
]


def make_inputs():
    gen = torch.Generator().manual_seed(1234)
    params = [torch.randn(shape, generator=gen, dtype=torch.float64) for shape in SHAPES]
    grads = [[SCALES[s] * torch.randn(shape, generator=gen, dtype=torch.float64) for shape in SHAPES] for s in range(STEPS)]
    return params, grads


def flat(t):
    return t.detach().reshape(-1).tolist()


def run(spec, params0, grads, dtype):
    params = [p.clone().to(dtype).requires_grad_(True) for p in params0]
    if spec["groups"] is None:
        groups = params
    else:
        groups = [dict(torch_options({k: v for k, v in g.items() if k != "params"}), params=[params[i] for i in g["params"]])
                  for g in spec["groups"]]
    options = torch_options(spec["options"])
    opt = OPTIMIZERS[spec["optimizer"]](groups, foreach=False, **options)
    skip = {tuple(s) for s in spec["skip"]}
    history = []
    for step in range(STEPS):
        for i, p in enumerate(params):
            p.grad = None if (step, i) in skip else grads[step][i].to(dtype).clone()
        opt.step()
        history.append([flat(p) for p in params])
    return opt, params, history


def state_of(opt):
    """torch's own state dict: parameters numbered in order through the param groups."""
    out = {}
    for index, state in opt.state_dict()["state"].items():
        entry = {}
        for key, value in state.items():
            if value is None:
                continue
            name = STATE_NAMES[key]
            entry[name] = float(value) if name == "step" else flat(value)
        out[str(index)] = entry
    return out


def scheduler_lrs(spec):
    params = [torch.zeros(1, requires_grad=True) for _ in spec["lrs"]]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, spec["lrs"])], lr=spec["lrs"][0])
    sched = SCHEDULERS[spec["scheduler"]](opt, **torch_options(spec["options"]))
    lrs = [list(sched.get_last_lr())]
    for _ in range(spec["epochs"]):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
    return lrs


def main():
    params0, grads = make_inputs()
    cases = []
    for spec in CASES:
        skip = {tuple(s) for s in spec["skip"]}
        entry = {
            "name": spec["name"],
            "optimizer": spec["optimizer"],
            "options": spec["options"],
            "groups": spec["groups"],
            "shapes": SHAPES,
            "params": [flat(p) for p in params0],
            "grads": [[None if (s, i) in skip else flat(g) for i, g in enumerate(step)] for s, step in enumerate(grads)],
        }
        opt64, _, history64 = run(spec, params0, grads, torch.float64)
        _, _, history32 = run(spec, params0, grads, torch.float32)
        entry["float64"] = {"params": history64, "state": state_of(opt64)}
        entry["float32"] = {"params": history32}
        for row in history64:
            for values in row:
                if not all(math.isfinite(v) for v in values):
                    raise SystemExit(f"{spec['name']}: non-finite parameters")
        cases.append(entry)
    schedulers = [dict(spec, lastLr=scheduler_lrs(spec)) for spec in SCHEDULER_CASES]
    out = {
        "generator": "packages/optim/reference/generate.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "optimizers": cases,
        "schedulers": schedulers,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.json")
    tmp = path + ".tmp"
    # One case per line: readable diffs without one number per line.
    lines = ["{"]
    for key in ["generator", "torch", "steps"]:
        lines.append(f" {json.dumps(key)}: {json.dumps(out[key])},")
    for key in ["optimizers", "schedulers"]:
        rows = [f"  {json.dumps(row)}" for row in out[key]]
        lines.append(f" {json.dumps(key)}: [\n" + ",\n".join(rows) + "\n ]" + ("," if key == "optimizers" else ""))
    lines.append("}")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}: {len(cases)} optimizer cases, {len(schedulers)} scheduler cases")


if __name__ == "__main__":
    main()
