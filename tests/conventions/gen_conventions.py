#!/usr/bin/python3
"""Reference totals of every counting convention (docs/counting.md) for torchvision models.

Each tool's rules are re-implemented here as forward hooks and patched functionals on the real
torchvision modules, exactly as the tool's source applies them (the references are in
docs/counting.md), so the totals come from PyTorch running the model, independently of
netshape's graph. Writes tests/conventions/golden.json; test_conventions.cpp checks netshape's
totals for models/zoo/<model>.ns against it. Needs torch and torchvision (/usr/bin/python3 here).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

MODELS = ["resnet50", "mobilenet_v2"]
INPUT = (1, 3, 224, 224)


def numel(t):
    return t.numel()


# --- netshape: the contract's MACs (conv, transposed conv, linear, matmul) ----------------------
def netshape_hook(m, x, y):
    x = x[0]
    if isinstance(m, nn.Conv2d):
        return y.numel() * (m.in_channels // m.groups) * math.prod(m.kernel_size)
    if isinstance(m, nn.Linear):
        return x.numel() // x.shape[-1] * m.in_features * m.out_features
    return 0


# --- torchinfo: layer_info.py calculate_macs, leaf modules with parameters ------------------
def torchinfo_hook(m, x, y):
    total = 0
    for name, p in m.named_parameters(recurse=False):
        if name in ("weight", "bias"):
            if "Conv" in type(m).__name__:
                total += p.numel() * math.prod(list(y.shape[:1]) + list(y.shape[2:]))
            else:
                total += y.shape[0] * p.numel()
    return total


# --- thop (ultralytics/thop profile.py register_hooks + vision/basic_hooks.py) ---------------
def thop_hook(m, x, y):
    x = x[0]
    if isinstance(m, nn.Conv2d):
        return y.numel() * (x.shape[1] // m.groups) * math.prod(m.kernel_size)
    if isinstance(m, nn.BatchNorm2d):
        return 2 * x.numel() * (2 if m.affine else 1)
    if isinstance(m, nn.AdaptiveAvgPool2d):
        windows = 1
        for i, o in zip(x.shape, y.shape):
            windows *= o if i == o else sum(-(-(j + 1) * i // o) - j * i // o for j in range(o))
        return windows + y.numel()
    if isinstance(m, nn.Linear):
        return m.in_features * y.numel()
    return 0  # ReLU, ReLU6, MaxPool: zero_ops; Dropout: zero_ops; functionals are not seen


# --- ptflops 0.7.2-0.7.4, backend='pytorch' (pytorch_ops.py MODULES_MAPPING, hooks on modules)
def ptflops_hook(m, x, y):
    x = x[0]
    if isinstance(m, nn.Conv2d):
        active = y.shape[0] * math.prod(y.shape[2:])
        flops = math.prod(m.kernel_size) * m.in_channels * (m.out_channels // m.groups) * active
        return flops + (m.out_channels * active if m.bias is not None else 0)
    if isinstance(m, nn.BatchNorm2d):
        return x.numel() * (2 if m.affine else 1)
    if type(m) in (nn.ReLU, nn.ReLU6):
        return y.numel()
    if type(m) in (nn.MaxPool2d, nn.AdaptiveAvgPool2d):
        return x.numel()
    if isinstance(m, nn.Linear):
        return x.numel() * y.shape[-1] + (y.shape[-1] if m.bias is not None else 0)
    return 0


# ptflops' FUNCTIONAL_MAPPING (patch_functional; F.linear is left unpatched since 0.7.2)
PTFLOPS_FUNCTIONALS = ["relu", "prelu", "elu", "relu6", "gelu", "silu", "avg_pool1d", "avg_pool2d",
                       "avg_pool3d", "max_pool1d", "max_pool2d", "max_pool3d",
                       "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
                       "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
                       "softmax"]


# --- fvcore 0.1.5 FlopCountAnalysis (_DEFAULT_SUPPORTED_OPS in flop_count.py) ----------------
def fvcore_hook(m, x, y):
    x = x[0]
    if isinstance(m, nn.Conv2d):  # aten::_convolution: batch * prod(w) * prod(out spatial)
        return x.shape[0] * m.weight.numel() * math.prod(y.shape[2:])
    if isinstance(m, nn.BatchNorm2d):  # eval: 2 (affine) or 1 per input element
        return x.numel() * (2 if m.affine else 1)
    if isinstance(m, nn.Linear):  # aten::linear: prod(input) * out_features
        return x.numel() * m.out_features
    return 0  # aten::adaptive_avg_pool2d is counted through F.adaptive_avg_pool2d below


FVCORE_FUNCTIONALS = {"adaptive_avg_pool2d": lambda x, *a, **k: x.numel()}


# --- flops: DeepSpeed's flops profiler (profiler.py _patch_functionals) ----------------------
def ds_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    n, cin = input.shape[:2]
    cout, k = weight.shape[0], list(weight.shape[2:])
    length = len(k)
    strides = stride if type(stride) is tuple else (stride,) * length
    dils = dilation if type(dilation) is tuple else (dilation,) * length
    pads = padding if type(padding) is tuple else (padding,) * length
    out = [(d + 2 * p - (dl * (kk - 1) + 1)) // s + 1
           for d, p, dl, kk, s in zip(input.shape[2:], pads, dils, k, strides)]
    macs = math.prod(k) * cin * (cout // groups) * n * math.prod(out)
    return 2 * macs + (cout * n * math.prod(out) if bias is not None else 0)


DEEPSPEED_FUNCTIONALS = {
    "conv2d": ds_conv,
    "linear": lambda input, weight, bias=None: 2 * input.numel() * weight.shape[0],
    "relu": lambda input, *a, **k: input.numel(),
    "relu6": lambda input, *a, **k: input.numel(),
    "batch_norm": lambda input, rm, rv, weight=None, bias=None, training=False, *a, **k:
        input.numel() * ((5 if weight is not None else 4) if training else
                         (2 if weight is not None else 1)),
    "max_pool2d": lambda input, *a, **k: input.numel(),
    "adaptive_avg_pool2d": lambda input, *a, **k: input.numel(),
    "dropout": lambda *a, **k: 0,
}


def run(name, module_hook=None, functionals=None):
    model = getattr(torchvision.models, name)().eval()
    total = [0]
    if module_hook:
        for m in model.modules():
            if not list(m.children()):
                m.register_forward_hook(lambda m, x, y: total.__setitem__(0, total[0] + module_hook(m, x, y)))
    saved = {}
    for fname, rule in (functionals or {}).items():
        saved[fname] = getattr(F, fname)

        def wrapped(*args, _orig=saved[fname], _rule=rule, **kwargs):
            total[0] += _rule(*args, **kwargs)
            return _orig(*args, **kwargs)

        setattr(F, fname, wrapped)
    try:
        with torch.no_grad():
            model(torch.zeros(INPUT))
    finally:
        for fname, f in saved.items():
            setattr(F, fname, f)
    return int(total[0])


def main():
    numel_rule = lambda input, *a, **k: input.numel()
    out = {}
    for name in MODELS:
        out[name] = {
            "netshape": run(name, netshape_hook),
            "torchinfo": run(name, torchinfo_hook),
            "fvcore": run(name, fvcore_hook, FVCORE_FUNCTIONALS),
            "ptflops": run(name, ptflops_hook, {f: numel_rule for f in PTFLOPS_FUNCTIONALS}),
            "thop": run(name, thop_hook),
            "flops": run(name, None, DEEPSPEED_FUNCTIONALS),
        }
        print(name, out[name])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
    with open(path, "w") as f:
        json.dump({"input": list(INPUT), "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "totals": out}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
