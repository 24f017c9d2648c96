#!/usr/bin/env python3
"""Numeric parity of max pooling with indices and max unpooling: does `netshape run` compute the
indices of `return_indices=True` and nn.MaxUnpoolNd / F.max_unpoolNd as PyTorch does?

For each case below a small .py model (written here, into a temporary directory) convolves its
input, applies a ReLU (so many windows tie at 0 and the choice among equal values matters), pools
it with return_indices=True (max pooling, adaptive max pooling) and unpools the result, with or without output_size, in 1, 2 and 3
spatial dims, with strides, padding, dilation and ceil_mode. `netshape check` must answer with
PyTorch's output shape; `netshape run --save-tensors` saves the input, the weights and every
layer's output, from which PyTorch recomputes the pool, its indices and the unpooled tensor:
the indices must be equal, the values within 1e-4 relative to max(1, max|PyTorch|).

Usage: max_unpool_parity.py --netshape PATH
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

MODEL = """# input: {shape}
import torch
import torch.nn as nn
import torch.nn.functional as F


class Unpooling(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv{nd}d({channels}, 4, 3, padding=1)
        self.pool = nn.{pool_class}({pool}, return_indices=True)
        self.unpool = nn.MaxUnpool{nd}d({unpool})

    def forward(self, x):
        x = F.relu(self.conv(x))
        size = x.size()
        y, indices = self.pool(x)
        return {call}


model = Unpooling()
"""

# (spatial dims, input shape, pool arguments, unpool arguments, call): the unpooling call in
# forward, by the module or functionally, with output_size or without.
CASES = [
    (2, [2, 3, 8, 8], "2", "2", "self.unpool(y, indices)"),
    (2, [2, 3, 9, 7], "2", "2", "self.unpool(y, indices, output_size=size)"),
    (2, [2, 3, 9, 9], "3, stride=2, padding=1", "3, 2, 1", "self.unpool(y, indices, size)"),
    (2, [1, 3, 10, 10], "3, stride=2, padding=1, dilation=1, ceil_mode=True", "3, stride=2, padding=1",
     "self.unpool(y, indices, output_size=size[2:])"),
    (2, [2, 3, 11, 11], "(3, 2), stride=(2, 3), dilation=(2, 1)", "(5, 2), (2, 3)",
     "self.unpool(y, indices)"),
    (2, [3, 8, 8], "2", "2", "self.unpool(y, indices)"),
    (2, [2, 3, 8, 8], "2", "2", "F.max_unpool2d(y, indices, 2)"),
    (2, [2, 3, 9, 9], "2", "2", "F.max_unpool2d(y, indices, 2, output_size=size)"),
    (1, [2, 3, 12], "2", "2", "self.unpool(y, indices)"),
    (1, [2, 3, 13], "3, stride=2, padding=1", "3, 2, 1", "self.unpool(y, indices, output_size=size)"),
    (1, [3, 10], "2", "2", "F.max_unpool1d(y, indices, 2, output_size=(10,))"),
    (3, [1, 2, 4, 6, 6], "2", "2", "self.unpool(y, indices)"),
    (3, [1, 2, 5, 6, 7], "2", "2", "self.unpool(y, indices, output_size=size)"),
    (3, [2, 5, 6, 6], "(1, 2, 2), stride=(1, 2, 2)", "(1, 2, 2), (1, 2, 2)",
     "F.max_unpool3d(y, indices, (1, 2, 2), output_size=size[1:])"),
    # adaptive max pooling's indices (its windows overlap where the sizes do not divide)
    (2, [2, 3, 8, 8], "4", "2", "self.unpool(y, indices)", "AdaptiveMaxPool2d"),
    (2, [2, 3, 9, 7], "(4, 3)", "2", "self.unpool(y, indices, output_size=size)",
     "AdaptiveMaxPool2d"),
    (1, [2, 3, 10], "4", "3, 2", "self.unpool(y, indices, output_size=size)", "AdaptiveMaxPool1d"),
    (3, [1, 2, 4, 5, 6], "(2, 3, 3)", "2", "self.unpool(y, indices, output_size=size)",
     "AdaptiveMaxPool3d"),
]


def torch_forward(saved, nd, pool, unpool, call, pool_class):
    load = lambda n: torch.from_numpy(np.load(os.path.join(saved, n + ".npy")))  # noqa: E731
    conv = getattr(F, f"conv{nd}d")
    x = load("input.x")
    with torch.no_grad():
        x = F.relu(conv(x, load("conv.weight"), load("conv.bias"), padding=1))
        size = x.size()
        pool_module = eval(f"torch.nn.{pool_class}({pool}, return_indices=True)")
        unpool_module = eval(f"torch.nn.MaxUnpool{nd}d({unpool})")
        y, indices = pool_module(x)
        scope = {"self": type("M", (), {"unpool": unpool_module}), "y": y, "indices": indices,
                 "size": size, "F": F}
        out = eval(call, scope)
    return y, indices, out


def run_case(netshape, tmp, number, case):
    nd, shape, pool, unpool, call = case[:5]
    pool_class = case[5] if len(case) > 5 else f"MaxPool{nd}d"
    name = f"case{number}_{nd}d"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(shape=shape, nd=nd, channels=shape[-nd - 1], pool_class=pool_class,
                             pool=pool, unpool=unpool, call=call))
    r = subprocess.run([netshape, "check", path, "--format", "json"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return name, f"netshape check failed: {r.stdout}{r.stderr}"
    layers = json.loads(r.stdout)["layers"]
    saved = os.path.join(tmp, name)
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved, "--seed", "7"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return name, f"netshape run failed: {r.stdout}{r.stderr}"
    y, indices, out = torch_forward(saved, nd, pool, unpool, call, pool_class)
    by_name = {layer["name"]: layer for layer in layers}
    unpooled = layers[-1]
    if unpooled["output_shape"] != list(out.shape):
        return name, f"shape {unpooled['output_shape']}, PyTorch {list(out.shape)}"
    if by_name["pool.indices"]["output_shape"] != list(indices.shape):
        return name, "the indices' shape differs"
    got_indices = np.load(os.path.join(saved, "pool.indices.npy"))
    if not np.array_equal(got_indices.astype(np.int64), indices.numpy()):
        return name, "the indices differ"
    got = torch.from_numpy(np.load(os.path.join(saved, unpooled["name"] + ".npy")))
    scale = max(1.0, float(out.abs().max()))
    error = float((got - out).abs().max()) / scale
    if error > 1e-4:
        return name, f"the unpooled values differ by {error:.2e}"
    return name, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--netshape", required=True)
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for number, case in enumerate(CASES):
            name, problem = run_case(args.netshape, tmp, number, case)
            if problem:
                failures += 1
                print(f"FAIL {name}: {problem}")
    print(f"max unpooling: {len(CASES) - failures}/{len(CASES)} cases agree with PyTorch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
