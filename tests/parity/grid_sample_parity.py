#!/usr/bin/env python3
"""Numeric parity of spatial transformers: does `netshape run` compute F.affine_grid and
F.grid_sample as PyTorch does?

For each case below a small .py model (written here, into a temporary directory) makes affine
matrices from its input with a Linear layer (scaled, so the grid reaches past the input's edges
and the padding modes matter), builds a grid with F.affine_grid and samples the input at it with
F.grid_sample, in every mode, padding mode and align_corners, 4-D and 5-D, to output sizes above
and below the input's. `netshape run --save-tensors` saves the input, the Linear's weights and
every layer's output; PyTorch recomputes the grid and the sampled output from those; both must
agree within 1e-4 relative to max(1, max|PyTorch|).

Usage: grid_sample_parity.py --netshape PATH
"""
import argparse
import glob
import itertools
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


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc = nn.Linear({features}, {matrix})

    def forward(self, x):
        theta = self.loc(x.flatten(1)) * {scale}
        theta = theta.view(-1, {rows}, {cols})
        grid = F.affine_grid(theta, {size}, align_corners={align})
        return F.grid_sample(x, grid, mode='{mode}', padding_mode='{padding}', align_corners={align})


model = Transformer()
"""

CASES = []
for nd, mode, padding, align in itertools.product(
        (2, 3), ("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"),
        (False, True)):
    if nd == 3 and mode == "bicubic":
        continue  # PyTorch's error, tested in the unit tests
    shape = [2, 3, 5, 6] if nd == 2 else [2, 2, 3, 4, 5]
    out = [7, 4] if nd == 2 else [2, 5, 3]
    CASES.append((nd, mode, padding, align, shape, out))


def run_case(netshape, tmp, case):
    nd, mode, padding, align, shape, out = case
    name = f"{nd}d_{mode}_{padding}_{'aligned' if align else 'unaligned'}"
    rows, cols = nd, nd + 1
    size = f"({shape[0]}, {shape[1]}, {', '.join(map(str, out))})"
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(shape=shape, features=int(np.prod(shape[1:])), matrix=rows * cols,
                             scale=3.0, rows=rows, cols=cols, size=size, align=align, mode=mode,
                             padding=padding))
    saved = os.path.join(tmp, name)
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved, "--seed", "7"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return name, f"netshape run failed: {r.stdout}{r.stderr}"
    load = lambda n: torch.from_numpy(np.load(os.path.join(saved, n + ".npy")))  # noqa: E731
    first = lambda prefix: os.path.basename(  # noqa: E731
        glob.glob(os.path.join(saved, prefix + "*.npy"))[0])[:-4]
    x = load("input.x")
    with torch.no_grad():
        theta = F.linear(x.flatten(1), load("loc.weight"), load("loc.bias")) * 3.0
        grid = F.affine_grid(theta.view(-1, rows, cols), [shape[0], shape[1]] + out,
                             align_corners=align)
        want = F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align)
    for got, ref, what in ((load(first("affine_grid")), grid, "grid"),
                           (load(first("grid_sample")), want, "output")):
        if got.shape != ref.shape:
            return name, f"{what} shape {list(got.shape)} != PyTorch's {list(ref.shape)}"
        worst = (ref - got).abs().max().item() / max(1.0, ref.abs().max().item())
        if worst > 1e-4:
            return name, f"{what} differs from PyTorch by {worst:.2e}"
    return name, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", required=True)
    a = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            name, error = run_case(a.netshape, tmp, case)
            print(f"{'ok' if error is None else 'FAIL':8} {name:32} {error or ''}")
            failed += error is not None
    print(f"grid sample parity: {len(CASES) - failed}/{len(CASES)} cases match PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
