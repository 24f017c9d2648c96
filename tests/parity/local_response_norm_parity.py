#!/usr/bin/env python3
"""Shape parity of nn.LocalResponseNorm: does `netshape check` give what PyTorch gives?

F.local_response_norm pads the squares' channels by size // 2 and (size - 1) // 2 (negative sizes
narrow them) and average-pools them: for each size (positive, zero, negative, a float) and input
shape below (2 to 5 dims, 1 to 8 channels), a one-layer .py model is checked
with that input: netshape's output shape must equal the module's on a random tensor, and where
PyTorch raises, netshape's first error message must be PyTorch's (its runs of spaces, from a
line continuation in PyTorch's source, as one).

Usage: local_response_norm_parity.py --netshape PATH
"""
import argparse
import os
import sys
import tempfile

import torch
import torch.nn as nn

from padding_modules_parity import netshape

SIZES = ["1", "2", "3", "5", "7", "0", "-1", "-2", "-3", "-4", "-5", "-6", "2.5"]
SHAPES = [[2, 3], [2, 1, 4], [2, 2, 4], [2, 3, 4], [2, 8, 4], [2, 1, 4, 4], [2, 2, 4, 4],
          [2, 3, 4, 5], [2, 8, 3, 3], [1, 5, 2, 2, 2]]


def pytorch(size, shape):
    try:
        out = nn.LocalResponseNorm(eval(size))(torch.randn(*shape))
        return ("shape", list(out.shape))
    except Exception as e:  # PyTorch's error: its first line, spaces collapsed
        return ("error", " ".join(str(e).split("\n")[0].split()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", required=True)
    a = ap.parse_args()
    failed = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lrn.py")
        for size in SIZES:
            with open(path, "w") as f:
                f.write(f"import torch.nn as nn\n\nmodel = nn.Sequential(nn.LocalResponseNorm({size}))\n")
            for shape in SHAPES:
                total += 1
                want, got = pytorch(size, shape), netshape(a.netshape, path, shape)
                if want != got:
                    failed += 1
                    print(f"DIFFERENT nn.LocalResponseNorm({size}) on {shape}:\n"
                          f"  PyTorch  {want}\n  netshape {got}")
    print(f"local response norm parity: {total - failed}/{total} cases match PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
