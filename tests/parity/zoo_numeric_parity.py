#!/usr/bin/env python3
"""Numeric parity of the zoo: does `netshape run models/zoo/X.ns` compute what torchvision's X does?

For each (zoo file, torchvision builder): runs `netshape run FILE --save-tensors TMP`, builds the
torchvision model in eval mode, copies netshape's seeded weights into it by name (a zoo model names
its layers as named_modules() does, so `layer1.0.conv1.weight.npy` is `layer1.0.conv1.weight`;
every parameter of the torchvision model must have its file), feeds netshape's input, and compares
the output of every module netshape saved a tensor for (forward hooks, first call) and the model's
output. Error = max|netshape - torch| / max(1, max|torch|), must be < --tol (1e-4) for every one.

Usage: zoo_numeric_parity.py --netshape build/netshape [--zoo models/zoo] [--batch N] [NAME ...]
NAME: resnet18 and mobilenet_v2 (the default), or unet (the reference U-Net of
tests/zoo/gen_golden.py; run by name only).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

# zoo file (without .ns) -> torchvision builder and its arguments
MODELS = {
    "resnet18": ("resnet18", {}),
    "mobilenet_v2": ("mobilenet_v2", {}),
}
# Also comparable, by name only (not in the default run): the zoo's U-Net against the reference
# U-Net of tests/zoo/gen_golden.py (its ConvTranspose2d up-convolutions run on conv_transpose_taps).
EXTRA_MODELS = {
    "unet": ("unet", {}),
}


def build(builder, kwargs):
    if builder == "unet":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo"))
        import gen_golden  # the reference U-Net; importing it runs nothing

        return gen_golden.UNet(**kwargs)
    return getattr(torchvision.models, builder)(weights=None, **kwargs)


def load(path):
    return torch.from_numpy(np.load(path).astype(np.float32, copy=False))


def rel_err(got, ref):
    if tuple(got.shape) != tuple(ref.shape):
        return float("inf")
    diff = (got.double() - ref.double()).abs().max().item()
    return diff / max(1.0, ref.double().abs().max().item())


def parity(netshape, path, builder, kwargs, batch, tol):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [netshape, "run", path, "--save-tensors", tmp, "--threads", "2", "--batch", str(batch)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            return False, f"netshape run failed: {run.stderr.strip()[:400]}"
        model = build(builder, kwargs).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                f = os.path.join(tmp, name + ".npy")
                if not os.path.exists(f):
                    return False, f"netshape saved no {name}.npy (named differently?)"
                w = load(f)
                if tuple(w.shape) != tuple(p.shape):
                    return False, f"{name}: netshape {list(w.shape)} vs torch {list(p.shape)}"
                p.copy_(w)
        outputs = {}

        def hook(name):
            def save(_module, _inputs, out):
                outputs.setdefault(name, out.detach().clone())  # in-place ReLUs write over it
            return save

        for name, module in model.named_modules():
            if name and os.path.exists(os.path.join(tmp, name + ".npy")):
                module.register_forward_hook(hook(name))
        x = load(os.path.join(tmp, "input.x.npy"))
        with torch.no_grad():
            final = model(x)
        worst, worst_name = 0.0, ""
        for name, ref in outputs.items():
            e = rel_err(load(os.path.join(tmp, name + ".npy")), ref)
            if e > worst:
                worst, worst_name = e, name
        last = [line.split()[1] for line in run.stdout.splitlines() if line[:1].isdigit()][-1]
        e = rel_err(load(os.path.join(tmp, last + ".npy")), final)
        if e > worst:
            worst, worst_name = e, f"output ({last})"
        ok = worst < tol and len(outputs) > 0
        return ok, f"{len(outputs)} modules and the output compared, worst {worst:.2e} at {worst_name}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", default="build/netshape")
    ap.add_argument("--zoo", default=os.path.join(os.path.dirname(__file__), "..", "..", "models", "zoo"))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    torch.set_num_threads(2)
    failed = 0
    for name in a.names or MODELS:
        builder, kwargs = {**MODELS, **EXTRA_MODELS}[name]
        ok, msg = parity(a.netshape, os.path.join(a.zoo, name + ".ns"), builder, kwargs, a.batch, a.tol)
        print(f"{name:16} batch {a.batch}  {'ok  ' if ok else 'FAIL'}  {msg}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
