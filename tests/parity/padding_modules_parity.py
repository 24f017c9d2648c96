#!/usr/bin/env python3
"""Shape parity of the padding modules: does `netshape check` give what PyTorch gives?

nn.ReflectionPad1d/2d/3d and nn.ReplicationPad1d/2d/3d call F.pad(x, padding, mode). For each
module, padding (an int, tuples of 2, 4 and 6, negative and too large ones) and input rank below,
a one-layer .py model (written into a temporary directory) is checked with that input: netshape's
output shape must equal the module's on a random tensor, and where PyTorch raises, netshape's
first error message must be PyTorch's.

Usage: padding_modules_parity.py --netshape PATH
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import torch.nn as nn

MODULES = ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d"]
PADDINGS = ["1", "3", "0", "(1, 2)", "(1, 0, 2, 1)", "(1, 1, 1, 1, 1, 1)", "(4, 0)", "(-1, 2)"]
SHAPES = [[3, 4], [2, 3, 4], [2, 3, 1, 4], [1, 2, 4, 4], [1, 2, 3, 4, 4]]


def pytorch(module, padding, shape):
    try:
        out = eval(f"nn.{module}({padding})")(torch.randn(*shape))
        return ("shape", list(out.shape))
    except Exception as e:  # PyTorch's error: its first line
        return ("error", str(e).split("\n")[0])


def netshape(binary, path, shape):
    r = subprocess.run([binary, "check", path, "--input", ",".join(map(str, shape)),
                        "--format", "json"], capture_output=True, text=True)
    if r.returncode == 0:
        return ("shape", json.loads(r.stdout)["layers"][-1]["output_shape"])
    if r.returncode == 1:
        return ("error", json.loads(r.stdout)["diagnostics"][0]["message"])
    return ("exit", f"{r.returncode}: {r.stderr.strip()[:200]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", required=True)
    a = ap.parse_args()
    failed = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pad.py")
        for module in MODULES:
            for padding in PADDINGS:
                with open(path, "w") as f:
                    f.write(f"import torch.nn as nn\n\nmodel = nn.Sequential(nn.{module}({padding}))\n")
                for shape in SHAPES:
                    total += 1
                    want, got = pytorch(module, padding, shape), netshape(a.netshape, path, shape)
                    if want != got:
                        failed += 1
                        print(f"DIFFERENT nn.{module}({padding}) on {shape}:\n"
                              f"  PyTorch  {want}\n  netshape {got}")
    print(f"padding modules parity: {total - failed}/{total} cases match PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
