#!/usr/bin/env python3
"""Parity of torch.cdist: does netshape answer each call as PyTorch does?

For each case below (a fixed list of the ranks, columns, dtypes, p, compute modes, empty tensors (sliced
in forward) and Python's argument errors, then a seeded grid of batch dims, row counts, columns and p) a small
.py model (written into a temporary directory) takes the two tensors as inputs and calls
torch.cdist in forward. PyTorch runs the same call on random tensors of those sizes and types:
  - where it answers, `netshape check` must give its output shape, and `netshape run
    --save-tensors` values that PyTorch's call on the saved inputs reproduces (within 1e-4
    relative to max(1, max|PyTorch|));
  - where it raises, netshape must raise its message (exit 1, or exit 2 for Python's TypeErrors)
    or refuse the call (exit 2) where the message is a kernel's that depends on the row counts.

Usage: cdist_parity.py --netshape PATH
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

import torch

from call_parity import (checked_shape, pytorch_answer, raised_as_pytorch, run_all, run_saved,
                         values_differ)

MODEL = """# input a: {a} {a_type}
# input b: {b} {b_type}
import torch
import torch.nn as nn


class Distances(nn.Module):
    def forward(self, a, b):
        return torch.cdist({arguments})
"""

DTYPES = {"float": torch.float32, "double": torch.float64, "long": torch.int64,
          "bool": torch.bool, "half": torch.float16}

# (a's shape, a's type, b's shape, b's type, the call's arguments as written)
FIXED = [
    ([3, 4], "float", [5, 4], "float", "a, b"),
    ([2, 3, 4], "float", [5, 4], "float", "a, b"),
    ([2, 1, 3, 4], "float", [7, 5, 4], "float", "a, b, p=1"),
    ([30, 4], "float", [5, 4], "float", "a, b"),
    ([2, 30, 4], "float", [30, 4], "float", "a, b, 2.0, 'use_mm_for_euclid_dist'"),
    ([3, 4], "float", [5, 4], "float", "a, b, compute_mode='donot_use_mm_for_euclid_dist'"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=0"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=float('inf')"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=0.5"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=True"),
    ([3, 4], "double", [5, 4], "double", "a, b"),
    ([3, 4], "float", [5, 4], "float", "x1=a, x2=b, p=3"),
    ([3, 4], "float", [5, 4], "float", "b, x1=a"),
    ([3, 4], "float", [5, 4], "float", "a[:0], b"),
    ([3, 4], "float", [5, 4], "float", "a[:, :0], b[:, :0]"),
    ([2, 3, 4], "float", [5, 4], "float", "a[:0], b"),
    ([3, 4], "double", [5, 4], "float", "a[:0], b"),
    # PyTorch's errors, in its order
    ([4], "float", [5, 4], "float", "a, b"),
    ([3, 4], "float", [4], "long", "a, b"),
    ([3, 4], "float", [5, 3], "float", "a, b"),
    ([3, 4], "long", [5, 3], "float", "a, b"),
    ([3, 4], "long", [5, 4], "float", "a, b, p=-1.0"),
    ([3, 4], "float", [5, 4], "long", "a, b"),
    ([3, 4], "bool", [5, 4], "float", "a, b"),
    ([2, 3, 4], "float", [3, 5, 4], "float", "a, b, p=-1.0"),
    ([2, 3, 4], "float", [3, 5, 4], "double", "a, b"),
    ([2, 3, 4], "float", [3, 5, 4], "float", "a[:, :0], b"),
    ([3, 4], "double", [5, 4], "float", "a, b"),
    ([30, 4], "float", [5, 4], "double", "a, b"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=float('nan')"),
    ([3, 4], "long", [5, 4], "float", "a[:0], b"),
    # Python's and the argument parser's errors
    ([3, 4], "float", [5, 4], "float", "a"),
    ([3, 4], "float", [5, 4], "float", ""),
    ([3, 4], "float", [5, 4], "float", "a, b, 2.0, 'use_mm_for_euclid_dist', 1"),
    ([3, 4], "float", [5, 4], "float", "a, b, q=2"),
    ([3, 4], "float", [5, 4], "float", "a, b, x1=a"),
    ([3, 4], "float", [5, 4], "float", "a, b, p='a'"),
    ([3, 4], "float", [5, 4], "float", "a, b, p=None"),
    ([3, 4], "float", [5, 4], "float", "a, 2"),
    ([3, 4], "float", [5, 4], "float", "a, b, compute_mode='x'"),
    ([3, 4], "float", [5, 4], "float", "a, b, p='a', compute_mode=None"),
    # float16: a kernel's message that depends on the row counts (refused)
    ([3, 4], "half", [5, 4], "half", "a, b"),
]


def grid(count, seed=0):
    """Seeded random calls around the legal ones (most answer; some raise)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        batch_a = [rng.choice([1, 2, 3]) for _ in range(rng.choice([0, 0, 1, 2]))]
        batch_b = [rng.choice([1, 2, 3]) for _ in range(rng.choice([0, 0, 1, 2]))]
        m = rng.choice([1, 3, 8])
        a = batch_a + [rng.choice([1, 4, 26, 40]), m]
        b = batch_b + [rng.choice([1, 5, 30]), m if rng.random() < 0.9 else m + 1]
        p = rng.choice(["", ", p=1", ", p=2", ", p=3.5", ", p=0", ", p=float('inf')"])
        mode = rng.choice(["", "", ", compute_mode='use_mm_for_euclid_dist'",
                           ", compute_mode='donot_use_mm_for_euclid_dist'"])
        cases.append((a, "float", b, "float", "a, b" + p + mode))
    return cases


def torch_call(a, b, arguments):
    return eval(f"torch.cdist({arguments})", {"torch": torch, "a": a, "b": b})


def random_tensor(shape, dtype):
    t = torch.randn(shape)
    return (t > 0) if dtype == torch.bool else t.to(dtype)


def run_case(netshape, tmp, number, case):
    a, a_type, b, b_type, arguments = case
    name = f"case{number}"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(a=a, a_type=a_type, b=b, b_type=b_type, arguments=arguments))
    shape_expected, raised = pytorch_answer(lambda: torch_call(
        random_tensor(a, DTYPES[a_type]), random_tensor(b, DTYPES[b_type]), arguments))
    if raised is not None:
        r = subprocess.run([netshape, "check", path], capture_output=True, text=True)
        # float16's messages are kernels' that depend on the row counts: refused
        return (name, *raised_as_pytorch(raised, r, lambda kind, message: "'Half'" in message))
    problem, last = checked_shape(netshape, path, shape_expected)
    if problem is None and ":0]" in arguments:  # an empty tensor: no values
        return name, None, "agree"
    if problem is None:
        problem, load = run_saved(netshape, path, os.path.join(tmp, name))
    if problem is None:
        out = torch_call(load("input.a").to(DTYPES[a_type]), load("input.b").to(DTYPES[b_type]),
                         arguments)
        problem = values_differ(load(last), out)
    return name, problem, None if problem else "agree"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netshape", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        return run_all("torch.cdist", FIXED + grid(60),
                       lambda number, case: run_case(args.netshape, tmp, number, case))


if __name__ == "__main__":
    sys.exit(main())
