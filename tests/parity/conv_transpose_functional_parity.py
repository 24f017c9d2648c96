#!/usr/bin/env python3
"""Parity of F.conv_transpose1d/2d/3d with tensors of the model as weight and bias: does
netshape answer each call as PyTorch does?

For each case below (a fixed list, then a seeded grid of sizes, strides, paddings, output
paddings, groups and dilations in 1 to 3 spatial dims, batched and unbatched) a small .py model
(written into a temporary directory) holds the weight and bias as nn.Parameters and calls the
function in forward. PyTorch runs the same call on random tensors of those sizes:
  - where it answers, `netshape check` must give its output shape, and `netshape run
    --save-tensors` values that PyTorch's call on the saved input, weight and bias reproduces
    (within 1e-4 relative to max(1, max|PyTorch|));
  - where it raises, netshape must raise its message (exit 1) or refuse the call (exit 2, for
    the few checks whose wording is the CPU kernel's own).

Usage: conv_transpose_functional_parity.py --netshape PATH
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

from call_parity import (checked_shape, pytorch_answer, raised_as_pytorch, run_all, run_saved,
                         values_differ)

MODEL = """# input: {shape}
import torch
import torch.nn as nn
import torch.nn.functional as F


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn({weight}))
        self.bias = {bias}

    def forward(self, x):
        return F.conv_transpose{nd}d(x, self.weight, self.bias{arguments})


model = Decoder()
"""

# (spatial dims, input shape, weight shape, bias, arguments as written)
FIXED = [
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", stride=2, padding=1, output_padding=1"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", groups=2"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], False, ", 2, 1, 1, 1, 2"),
    (2, [4, 5, 5], [4, 3, 3, 3], True, ", stride=(2, 1)"),
    (1, [2, 4, 7], [4, 2, 3], True, ", stride=3"),
    (1, [4, 7], [4, 2, 3], False, ""),
    (3, [1, 4, 3, 3, 3], [4, 2, 2, 2, 2], True, ", stride=2"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", output_padding=1"),
    (1, [2, 4, 7], [4, 2, 3], True, ", output_padding=1"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", padding=4"),
    (1, [2, 4, 7], [4, 2, 3], True, ", padding=5"),
    (2, [2, 5, 5, 5], [4, 3, 3, 3], True, ""),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", groups=3"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", groups=8"),
    (2, [2, 4, 5, 5], [4, 3, 3], True, ""),
    (2, [1, 2, 4, 5, 5], [4, 3, 3, 3], True, ""),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", stride=(1, 1, 1)"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", padding=-1"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", output_padding=-1"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", stride=0"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", groups=0"),
    # the CPU kernel's own checks (refused) and the argument parser's TypeErrors
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", dilation=0"),
    (2, [2, 4, 5, 5], [4, 3, 0, 3], True, ""),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", stride=1.5"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", groups=1.0"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", padding='same'"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", 1, 0, 0, 1, 1, 5"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", stride=[1, 1.5]"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", 2, stride=2"),
    (2, [2, 4, 5, 5], [4, 3, 3, 3], True, ", strides=2"),
]


def grid(count, seed=0):
    """Seeded random calls around the legal ones (most answer; some raise)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        nd = rng.choice([1, 2, 2, 3])
        groups = rng.choice([1, 1, 2, 3])
        c_in = groups * rng.choice([1, 2])
        c_out = rng.choice([1, 2, 3])
        spatial = [rng.randint(1, 6 if nd < 3 else 4) for _ in range(nd)]
        kernel = [rng.randint(1, 4) for _ in range(nd)]
        stride = [rng.randint(1, 3) for _ in range(nd)]
        dilation = [rng.randint(1, 2) for _ in range(nd)]
        padding = [rng.randint(0, 2) for _ in range(nd)]
        output_padding = [rng.randint(0, 2) for _ in range(nd)]
        batched = rng.random() < 0.8
        shape = ([rng.randint(1, 2)] if batched else []) + [c_in] + spatial
        tuple_or_int = lambda v: str(v[0]) if len(set(v)) == 1 else str(tuple(v))  # noqa: E731
        arguments = (f", stride={tuple_or_int(stride)}, padding={tuple_or_int(padding)}, "
                     f"output_padding={tuple_or_int(output_padding)}, groups={groups}, "
                     f"dilation={tuple_or_int(dilation)}")
        cases.append((nd, shape, [c_in, c_out] + kernel, rng.random() < 0.7, arguments))
    return cases


def groups_of(arguments):
    """The groups written by keyword (1 when not written, or not an int)."""
    if "groups=" not in arguments:
        return 1
    written = arguments.split("groups=")[1].split(",")[0]
    return int(written) if written.lstrip("-").isdigit() else 1


def torch_call(nd, x, weight, bias, arguments):
    call = f"F.conv_transpose{nd}d(x, weight, bias{arguments})"
    with torch.no_grad():
        return eval(call, {"F": F, "x": x, "weight": weight, "bias": bias})


def run_case(netshape, tmp, number, case):
    nd, shape, weight, bias, arguments = case
    name = f"case{number}_{nd}d"
    out_channels = max(weight[1] * groups_of(arguments), 0)
    bias_code = f"nn.Parameter(torch.zeros({out_channels}))" if bias else "None"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(shape=shape, weight=", ".join(map(str, weight)), bias=bias_code, nd=nd,
                             arguments=arguments))
    b = torch.randn(out_channels) if bias else None
    shape_expected, raised = pytorch_answer(
        lambda: torch_call(nd, torch.randn(shape), torch.randn(weight), b, arguments))
    if raised is not None:
        r = subprocess.run([netshape, "check", path], capture_output=True, text=True)
        # a RuntimeError its CPU kernel words its own way: refused
        return (name, *raised_as_pytorch(raised, r, lambda kind, message: kind == "RuntimeError"))
    problem, last = checked_shape(netshape, path, shape_expected)
    if problem is None and (0 in shape or 0 in shape_expected):
        return name, None, "agree"
    if problem is None:
        problem, load = run_saved(netshape, path, os.path.join(tmp, name))
    if problem is None:
        out = torch_call(nd, load("input.x"), load("weight"), load("bias") if bias else None,
                         arguments)
        problem = values_differ(load(last), out)
    return name, problem, None if problem else "agree"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netshape", required=True)
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        return run_all("F.conv_transpose", FIXED + grid(80),
                       lambda number, case: run_case(args.netshape, tmp, number, case))


if __name__ == "__main__":
    sys.exit(main())
