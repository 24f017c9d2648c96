#!/usr/bin/python3
"""Regenerates golden.json: for every model file of this directory, what PyTorch says.

Run with the Python that has PyTorch (`/usr/bin/python3 tests/py_models/gen_golden.py`). For
each (file, --model, input) below it builds the model as the file defines it, runs a forward on
zeros, and records the output shape, model.parameters()'s count, and the output shape of every
call of every leaf module, by its named_modules() name (netshape names the n-th call `name_n`).
The unit test (tests/unit/test_py_models.cpp) compares netshape's analysis with these numbers.
"""
import importlib.util
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# file, the model netshape picks (None: the file's `model = ...` line), input shape
MODELS = [
    ("cifar_resnet.py", "ResNet18", [1, 3, 32, 32]),
    ("vgg_cfg.py", "vgg11_bn", [2, 3, 32, 32]),
    ("vgg_cfg.py", "vgg_small", [2, 3, 32, 32]),
    ("dense_comprehension.py", None, [1, 3, 32, 32]),
    ("partial_inherit.py", None, [4, 3, 64, 64]),
    ("audio_1d.py", None, [8, 1, 1000]),
    ("mobilenet_v2_style.py", None, [2, 3, 64, 64]),
    ("bottleneck_downsample.py", "small_resnet", [2, 3, 32, 32]),
    ("modulelist_mlp.py", None, [16, 1, 28, 28]),
    ("unet/unet_model.py", None, [1, 3, 64, 64]),
]


def load(path):
    relative = os.path.relpath(path, HERE)
    if os.sep in relative:  # a package of several files: imported as Python imports it
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        return importlib.import_module(relative[:-3].replace(os.sep, "."))
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def golden(file, selector, shape):
    module = load(os.path.join(HERE, file))
    model = getattr(module, selector)() if selector else module.model
    model.eval()
    calls = {}
    for name, m in model.named_modules():
        container = isinstance(m, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict))
        if len(list(m.children())) == 0 and name and not container:  # an empty Sequential is a no-op
            m.register_forward_hook(
                lambda mod, inp, out, name=name: calls.setdefault(name, []).append(list(out.shape)))
    with torch.no_grad():
        out = model(torch.zeros(*shape))
    return {
        "file": file,
        "model": selector or "",
        "input": shape,
        "output": list(out.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "modules": calls,
    }


def main():
    entries = [golden(*m) for m in MODELS]
    text = json.dumps(entries, indent=1)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        f.write(text + "\n")
    print(f"{len(entries)} models written to golden.json")


if __name__ == "__main__":
    sys.exit(main())
