#!/usr/bin/env python3
"""Parity of the element-wise losses a forward computes (F.mse_loss, F.l1_loss,
F.smooth_l1_loss, F.huber_loss, and their modules nn.MSELoss, nn.L1Loss, nn.SmoothL1Loss,
nn.HuberLoss): does netshape answer each call as PyTorch does?

For each case below (a fixed list of reductions, the legacy size_average and reduce, beta and
delta, broadcasting, float64, empty tensors (sliced in forward) and Python's and PyTorch's
errors, then a seeded grid of shapes, reductions and thresholds) a small .py model (written
into a temporary directory) takes the prediction and the target as inputs and calls the loss
in forward (a module is built in __init__). PyTorch runs the same call on random tensors of those sizes and types:
  - where it answers, `netshape check` must give its output shape, and `netshape run
    --save-tensors` a value that PyTorch's call on the saved inputs reproduces (within 1e-4
    relative to max(1, max|PyTorch|); NaN where PyTorch's is NaN);
  - where it raises, netshape must raise its message (exit 1, or exit 2 for a TypeError).

Usage: loss_parity.py --netshape PATH
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import warnings

import torch
import torch.nn.functional as F

from call_parity import (checked_shape, pytorch_answer, raised_as_pytorch, run_all, run_saved,
                         values_differ)

MODEL = """# input y: {a} {a_type}
# input t: {b} {b_type}
import torch
import torch.nn as nn
import torch.nn.functional as F


class Loss(nn.Module):
    def forward(self, y, t):
        return F.{call}
"""

# the loss modules: built in __init__, applied in forward (`nn.MSELoss(...)|y, t`)
MODULE = """# input y: {a} {a_type}
# input t: {b} {b_type}
import torch
import torch.nn as nn


class Loss(nn.Module):
    def __init__(self):
        super().__init__()
        self.loss = {module}

    def forward(self, y, t):
        return self.loss({arguments})
"""

DTYPES = {"float": torch.float32, "double": torch.float64}

# (y's shape, y's type, t's shape, t's type, the call as written)
FIXED = [
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reduction='none')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reduction='sum')"),
    ([3, 4], "float", [4], "float", "mse_loss(y, t, reduction='none')"),
    ([3, 1], "float", [4], "float", "l1_loss(y, t, reduction='none')"),
    ([2, 3, 4], "float", [3, 4], "float", "l1_loss(y, t)"),
    ([3, 4], "double", [3, 4], "float", "mse_loss(y, t)"),
    ([3, 4], "float", [3, 4], "double", "l1_loss(y, t, reduction='none')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, size_average=False)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reduce=False)"),
    ([3, 4], "float", [3, 4], "float", "l1_loss(y, t, None, True, 'none')"),
    ([3, 4], "float", [3, 4], "float", "l1_loss(y, t, 0, 1)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reduction='elementwise_mean')"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t)"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, beta=0.5, reduction='none')"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, beta=0)"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, delta=0.5)"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, 'none', 2)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(input=y, target=t)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y[:0], t[:0])"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y[:0], t[:0], reduction='sum')"),
    ([3, 4], "float", [3, 4], "float", "l1_loss(y[:0], t[:0], reduction='none')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y.detach(), t)"),
    # PyTorch's errors, in F's order
    ([3, 4], "float", [3, 5], "float", "mse_loss(y, t)"),
    ([3, 4], "float", [3, 5], "float", "mse_loss(y, t, reduction='avg')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reduction='avg')"),
    ([3, 4], "float", [3, 4], "float", "l1_loss(y, t, reduction=None)"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, beta=-0.5)"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, reduction='x', beta=-0.5)"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, delta=0.0)"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, delta=-1)"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, beta=float('nan'))"),
    ([3, 4], "float", [3, 4], "float", "smooth_l1_loss(y, t, beta='a')"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, delta=None)"),
    # Python's
    ([3, 4], "float", [3, 4], "float", "mse_loss(y)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, 'mean')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, reductions='sum')"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, None, None, 'mean', 1)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, t, input=y)"),
    ([3, 4], "float", [3, 4], "float", "huber_loss(y, t, beta=1.0)"),
    ([3, 4], "float", [3, 4], "float", "mse_loss(y, 2)"),
    ([3, 4], "float", [3, 4], "float", "l1_loss(2.0, t)"),
    # the modules
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss()|y, t"),
    ([3, 1], "float", [4], "float", "nn.L1Loss(reduction='none')|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.SmoothL1Loss(beta=0.5)|input=y, target=t"),
    ([3, 4], "float", [3, 4], "float", "nn.HuberLoss('sum', 2.0)|y, t"),
    ([3, 4], "float", [4], "float", "nn.MSELoss(reduce=False)|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss(size_average=False)|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.HuberLoss(delta=0.0)|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss(reduction='avg')|y, t"),
    ([3, 4], "float", [3, 5], "float", "nn.MSELoss(reduction='avg')|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.SmoothL1Loss(beta='a')|y, t"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss()|y"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss()|y, t, t"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss()|y, target=t, input=y"),
    ([3, 4], "float", [3, 4], "float", "nn.MSELoss(reductio='sum')|y, t"),
]


def grid(count, seed=0):
    """Seeded random calls around the legal ones (most answer; some raise)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        rank = rng.randint(1, 3)
        a = [rng.choice([1, 2, 3, 5]) for _ in range(rank)]
        b = [d if rng.random() < 0.7 else rng.choice([1, 2, 4]) for d in a][rng.randint(0, 1):]
        loss = rng.choice(["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
        reduction = rng.choice(["", ", reduction='none'", ", reduction='sum'", ", reduction='mean'"])
        extra = ""
        if loss == "smooth_l1_loss":
            extra = rng.choice(["", ", beta=0.25", ", beta=2.0", ", beta=0"])
        if loss == "huber_loss":
            extra = rng.choice(["", ", delta=0.25", ", delta=3"])
        cases.append((a, "float", b or [1], "float", f"{loss}(y, t{reduction}{extra})"))
    return cases


def torch_call(y, t, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "|" in call:  # a module, then its call
            module, arguments = call.split("|")
            return eval(f"m({arguments})", {"m": eval(module, {"nn": torch.nn}), "y": y, "t": t})
        return eval(f"F.{call}", {"F": F, "y": y, "t": t})


def run_case(netshape, tmp, number, case):
    a, a_type, b, b_type, call = case
    name = f"case{number}"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        if "|" in call:
            module, arguments = call.split("|")
            f.write(MODULE.format(a=a, a_type=a_type, b=b, b_type=b_type, module=module,
                                  arguments=arguments))
        else:
            f.write(MODEL.format(a=a, a_type=a_type, b=b, b_type=b_type, call=call))
    shape_expected, raised = pytorch_answer(lambda: torch_call(
        torch.randn(a, dtype=DTYPES[a_type]), torch.randn(b, dtype=DTYPES[b_type]), call))
    if raised is not None:
        r = subprocess.run([netshape, "check", path], capture_output=True, text=True)
        return (name, *raised_as_pytorch(raised, r))
    problem, last = checked_shape(netshape, path, shape_expected)
    if problem is None:
        problem, load = run_saved(netshape, path, os.path.join(tmp, name))
    if problem is None:
        out = torch_call(load("input.y").to(DTYPES[a_type]), load("input.t").to(DTYPES[b_type]),
                         call)
        problem = values_differ(load(last), out)
    return name, problem, None if problem else "agree"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netshape", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        return run_all("losses", FIXED + grid(60),
                       lambda number, case: run_case(args.netshape, tmp, number, case))


if __name__ == "__main__":
    sys.exit(main())
