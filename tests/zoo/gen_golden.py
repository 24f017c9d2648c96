#!/usr/bin/python3
"""Golden data for the model zoo (models/zoo/*.ns), from PyTorch itself.

Run with a Python that has torch and torchvision (here /usr/bin/python3: torch 1.13,
torchvision 0.14):

    /usr/bin/python3 tests/zoo/gen_golden.py            # writes tests/zoo/golden.json

For every zoo model it builds the torchvision model (or the reference U-Net below) in eval mode,
runs one forward pass of the documented input with forward hooks, and records:
  - the input shape, the output shape, sum(p.numel() for p in model.parameters()),
  - the MACs under netshape's counting rules (docs: the contract, section 4), summed over the
    Conv/ConvTranspose/Linear calls,
  - every module that holds parameters of its own (parameters(recurse=False)): its
    named_modules() name, class, output shape at its first call, own params and MACs,
  - every top-level child (named_children()) that is called: its output shape at its first call,
    its parameters (with its children's) and the MACs of every call inside it.
The unit test tests/unit/test_zoo.cpp compares netshape's analysis of each .ns file with this
file; it does not need PyTorch.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision.models as tvm

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- The reference U-Net (Ronneberger et al. 2015, "U-Net: Convolutional Networks for
# Biomedical Image Segmentation"), written for this test: the paper's layout 64-128-256-512-1024,
# two 3x3 convolutions + ReLU per level (padding=1, so no cropping, no batch norm), 2x2 max
# pooling down, 2x2 stride-2 transposed convolutions up (halving the channels), concatenation
# with the encoder's map (skip first), and a 1x1 convolution to the classes.

class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu2(self.conv2(self.relu1(self.conv1(x))))


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = DoubleConv(cin, cout)

    def forward(self, x):
        return self.conv(self.pool(x))


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cin // 2, 2, stride=2)
        self.conv = DoubleConv(cin, cout)

    def forward(self, x, skip):
        x = self.up(x)
        return self.conv(torch.cat([skip, x], dim=1))


class UNet(nn.Module):
    def __init__(self, in_channels=1, num_classes=2):
        super().__init__()
        self.inc = DoubleConv(in_channels, 64)
        self.down1 = Down(64, 128)
        self.down2 = Down(128, 256)
        self.down3 = Down(256, 512)
        self.down4 = Down(512, 1024)
        self.up1 = Up(1024, 512)
        self.up2 = Up(512, 256)
        self.up3 = Up(256, 128)
        self.up4 = Up(128, 64)
        self.outc = nn.Conv2d(64, num_classes, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        x = self.up1(x5, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        return self.outc(x)


# zoo file stem -> (constructor, input shape)
MODELS = {
    "alexnet": (lambda: tvm.alexnet(), [1, 3, 224, 224]),
    "vgg11": (lambda: tvm.vgg11(), [1, 3, 224, 224]),
    "vgg16": (lambda: tvm.vgg16(), [1, 3, 224, 224]),
    "resnet18": (lambda: tvm.resnet18(), [1, 3, 224, 224]),
    "resnet34": (lambda: tvm.resnet34(), [1, 3, 224, 224]),
    "resnet50": (lambda: tvm.resnet50(), [1, 3, 224, 224]),
    "resnet101": (lambda: tvm.resnet101(), [1, 3, 224, 224]),
    "resnet152": (lambda: tvm.resnet152(), [1, 3, 224, 224]),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(), [1, 3, 224, 224]),
    "densenet121": (lambda: tvm.densenet121(), [1, 3, 224, 224]),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(), [1, 3, 224, 224]),
    "googlenet": (lambda: tvm.googlenet(aux_logits=False, transform_input=False,
                                        init_weights=False), [1, 3, 224, 224]),
    "inception_v3": (lambda: tvm.inception_v3(aux_logits=False, transform_input=False,
                                              init_weights=False), [1, 3, 299, 299]),
    "unet": (lambda: UNet(1, 2), [1, 1, 256, 256]),
}


def macs(module, inp, out):
    """Multiply-accumulates of one call, netshape's rules (contract section 4)."""
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        x = inp[0]
        return (x.shape[0] * module.in_channels * math.prod(x.shape[2:]) *
                (module.out_channels // module.groups) * math.prod(module.kernel_size))
    if isinstance(module, nn.modules.conv._ConvNd):
        return (out.shape[0] * module.out_channels * math.prod(out.shape[2:]) *
                (module.in_channels // module.groups) * math.prod(module.kernel_size))
    if isinstance(module, nn.Linear):
        return math.prod(out.shape[:-1]) * module.in_features * module.out_features
    return 0


def golden(stem):
    make, shape = MODELS[stem]
    torch.manual_seed(0)
    model = make().eval()
    own = {}
    records = {}  # name -> record, first call
    children = {}
    total_macs = [0]
    macs_of = {}  # name -> MACs of its calls
    hooks = []
    top = dict(model.named_children())
    for name, m in model.named_modules():
        if not name:
            continue
        n_own = sum(p.numel() for p in m.parameters(recurse=False))

        def hook(mod, inp, out, name=name, n_own=n_own):
            k = macs(mod, inp, out)
            total_macs[0] += k
            macs_of[name] = macs_of.get(name, 0) + k
            if n_own and name not in records:
                records[name] = {"name": name, "type": type(mod).__name__,
                                 "output": list(out.shape), "params": n_own, "macs": k}
            if name in top and name not in children:
                children[name] = {"name": name, "type": type(mod).__name__,
                                  "output": list(out.shape)}
        hooks.append(m.register_forward_hook(hook))
        if n_own:
            own[name] = n_own
    with torch.no_grad():
        y = model(torch.randn(*shape))
    for h in hooks:
        h.remove()
    missing = sorted(set(own) - set(records))
    if missing:
        sys.exit(f"{stem}: modules with parameters never called: {missing}")
    order = [n for n, _ in model.named_modules() if n in records]
    for name, child in children.items():
        child["params"] = sum(p.numel() for p in top[name].parameters())
        child["macs"] = sum(k for n, k in macs_of.items() if n == name or n.startswith(name + "."))
    return {
        "file": f"models/zoo/{stem}.ns",
        "torch": torch.__version__,
        "input": shape,
        "output": list(y.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "macs": total_macs[0],
        "modules": [records[n] for n in order],
        "children": [children[n] for n, _ in model.named_children() if n in children],
    }


def main():
    out = {}
    for stem in (sys.argv[1:] or MODELS):
        out[stem] = golden(stem)
        g = out[stem]
        print(f"{stem:14} params {g['params']:>12,}  MACs {g['macs']:>15,}  "
              f"output {g['output']}  modules {len(g['modules'])}")
    if sys.argv[1:]:
        return
    # One model a block, one module a line: a change shows as a diff of the lines it changes.
    lines = ["{"]
    for i, (stem, g) in enumerate(out.items()):
        lines.append(f" {json.dumps(stem)}: {{")
        keys = list(g)
        for j, key in enumerate(keys):
            end = "," if j + 1 < len(keys) else ""
            if isinstance(g[key], list) and g[key] and isinstance(g[key][0], dict):
                items = [f"   {json.dumps(r)}" for r in g[key]]
                lines.append(f"  {json.dumps(key)}: [\n" + ",\n".join(items) + f"\n  ]{end}")
            else:
                lines.append(f"  {json.dumps(key)}: {json.dumps(g[key])}{end}")
        lines.append(" }" + ("," if i + 1 < len(out) else ""))
    lines.append("}")
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
