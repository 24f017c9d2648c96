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
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch

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


def expected(case):
    """PyTorch's output shape, or its message when it raises."""
    a, a_type, b, b_type, arguments = case
    try:
        out = torch_call(random_tensor(a, DTYPES[a_type]), random_tensor(b, DTYPES[b_type]),
                         arguments)
        return list(out.shape), None
    except (RuntimeError, TypeError, ValueError) as e:
        return None, (type(e).__name__, str(e).split("\n")[0])


def run_case(netshape, tmp, number, case):
    a, a_type, b, b_type, arguments = case
    name = f"case{number}"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(a=a, a_type=a_type, b=b, b_type=b_type, arguments=arguments))
    shape_expected, raised = expected(case)
    r = subprocess.run([netshape, "check", path, "--format", "json"], capture_output=True,
                       text=True)
    if raised is not None:
        kind, message = raised
        said = message in r.stdout + r.stderr
        if said and (r.returncode == 1 or (kind == "TypeError" and r.returncode == 2)):
            return name, None, "raise"
        if r.returncode == 2 and not said and "not implemented for 'Half'" in message:
            return name, None, "refused"
        return name, f"PyTorch raises {kind} `{message}`; netshape (exit {r.returncode}): " \
                     f"{(r.stdout + r.stderr).strip()[:300]}", None
    if r.returncode != 0:
        return name, f"netshape check failed: {r.stdout}{r.stderr}", None
    layers = json.loads(r.stdout)["layers"]
    if layers[-1]["output_shape"] != shape_expected:
        return name, f"shape {layers[-1]['output_shape']}, PyTorch {shape_expected}", None
    if 0 in shape_expected or ":0]" in arguments:
        return name, None, "agree"
    saved = os.path.join(tmp, name)
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved, "--seed", "3"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return name, f"netshape run failed: {r.stdout}{r.stderr}", None
    load = lambda n: torch.from_numpy(np.load(os.path.join(saved, n + ".npy")))  # noqa: E731
    out = torch_call(load("input.a").to(DTYPES[a_type]), load("input.b").to(DTYPES[b_type]),
                     arguments)
    got = torch.from_numpy(np.load(os.path.join(saved, layers[-1]["name"] + ".npy")))
    scale = max(1.0, float(out.abs().max()))
    error = float((got.double() - out.double()).abs().max()) / scale
    if error > 1e-4:
        return name, f"the values differ by {error:.2e}", None
    return name, None, "agree"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netshape", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    cases = FIXED + grid(60)
    failures, outcomes = 0, {}
    with tempfile.TemporaryDirectory() as tmp:
        for number, case in enumerate(cases):
            name, problem, outcome = run_case(args.netshape, tmp, number, case)
            if problem:
                failures += 1
                print(f"FAIL {name} {case}: {problem}")
            else:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    print(f"torch.cdist: {len(cases) - failures}/{len(cases)} cases as PyTorch ({summary})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
