#!/usr/bin/python3
"""netshape reading torchvision's own model sources, against the models torchvision builds.

For every classification builder of torchvision, runs `netshape check <its source file> --model
<builder> --input 1,3,224,224 --format json` (299 for inception_v3) and compares with the model
torchvision builds in this process (weights=None, eval mode): the output shape, the number of
parameters (model.parameters()), and the output shape of every call of every leaf module by its
named_modules() name (netshape names the n-th call of a module `name_n`).

A model netshape reads must be exact: any difference is a failure (exit 1). A model netshape
refuses with a clear error is reported, not failed: the goal is all, the floor is never wrong.
Usage: torchvision_parity.py NETSHAPE_BINARY
"""
import importlib.util
import inspect
import json
import os
import subprocess
import sys

import torch
import torchvision

BUILDERS = [
    "alexnet",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "wide_resnet50_2",
    "squeezenet1_0", "squeezenet1_1",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "googlenet", "inception_v3",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "shufflenet_v2_x1_0", "shufflenet_v2_x0_5", "mnasnet1_0", "mnasnet0_5", "efficientnet_b0",
    "efficientnet_v2_s", "regnet_y_400mf", "regnet_x_400mf",
    "convnext_tiny", "convnext_small", "video.r3d_18", "video.mc3_18", "video.r2plus1d_18",
    "vit_b_16", "vit_b_32", "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b",
    "maxvit_t",
    "segmentation.fcn_resnet50", "segmentation.deeplabv3_resnet50",
    "segmentation.deeplabv3_mobilenet_v3_large", "segmentation.lraspp_mobilenet_v3_large",
]


# A builder by its name under torchvision.models ("video.r3d_18" is torchvision.models.video's,
# "segmentation.fcn_resnet50" torchvision.models.segmentation's).
def builder(name):
    namespace = torchvision.models
    for package in ("video", "segmentation"):
        if name.startswith(package + "."):
            namespace, name = getattr(torchvision.models, package), name[len(package) + 1:]
    return getattr(namespace, name)


# The builder's arguments beside weights=None: a segmentation model's backbone without its
# pretrained weights (by default torchvision downloads them; netshape refuses that).
def builder_args(name):
    if name.startswith("segmentation."):
        return {"weights_backbone": None}
    return {"init_weights": False} if name in ("googlenet", "inception_v3") else {}


# The output's shapes: a segmentation model returns a dict ({"out": ...}), in order.
def output_shapes(out):
    return [list(v.shape) for v in out.values()] if isinstance(out, dict) else [list(out.shape)]


def input_shape(name):
    if name.startswith("video."):
        return [1, 3, 16, 112, 112]  # a clip: 16 frames of 112 x 112
    return [1, 3, 299, 299] if name == "inception_v3" else [1, 3, 224, 224]


# Files of our own that use torchvision's builders (tests/parity/torchvision_users/): netshape
# finds the installed torchvision as Python does. (file, class, input shape)
USER_FILES = [
    ("transfer_resnet.py", "FineTuned", [2, 3, 96, 96]),
    ("mobilenet_features.py", "BoxRegressor", [2, 3, 96, 96]),
    ("segmentation_finetune.py", "Segmenter", [1, 3, 96, 80]),
    ("legacy_pretrained.py", "TwoHeads", [1, 3, 64, 64]),
]
USERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchvision_users")


def torch_side(name, shape):
    return run_model(builder(name)(weights=None, **builder_args(name)), shape)


# A model's output shapes, its parameter counts (all, trainable) and every call of its leaf
# modules, in eval mode on zeros.
def run_model(model, shape):
    model.eval()
    calls = {}
    for mname, m in model.named_modules():
        container = isinstance(m, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict))
        if mname and not container and len(list(m.children())) == 0:
            m.register_forward_hook(
                lambda mod, inp, out, mname=mname: calls.setdefault(mname, []).append(list(out.shape)))
    with torch.no_grad():
        out = model(torch.zeros(*shape))
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return output_shapes(out), (params, trainable), calls


def netshape_side(binary, name, shape):
    source = inspect.getsourcefile(inspect.unwrap(builder(name)))
    args = [f"--arg={k}={v}" for k, v in builder_args(name).items() if v is None]
    return netshape_json(binary, source, name.split(".")[-1], shape, args)


def netshape_json(binary, source, model, shape, args=()):
    dims = ",".join(str(d) for d in shape)
    run = subprocess.run([binary, "check", source, "--model", model, "--input", dims,
                          "--format", "json", "--depth", "99"] + list(args),
                         capture_output=True, text=True, timeout=60)
    report = json.loads(run.stdout) if run.stdout.strip() else {}
    errors = [d for d in report.get("diagnostics", []) if d["severity"] == "error"]
    return run.returncode, report, errors


def compare(name, binary):
    shape = input_shape(name)
    return differences(torch_side(name, shape), netshape_side(binary, name, shape))


def compare_user_file(file, cls, shape, binary):
    spec = importlib.util.spec_from_file_location(file[:-3], os.path.join(USERS_DIR, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch_result = run_model(getattr(module, cls)(), shape)
    return differences(torch_result, netshape_json(binary, os.path.join(USERS_DIR, file), cls, shape))


# "exact" when netshape's report equals PyTorch's model, else what differs (or why it refused).
def differences(torch_result, netshape_result):
    out, (params, trainable), calls = torch_result
    code, report, errors = netshape_result
    if code != 0:
        what = errors[0]["message"] if errors else f"exit {code}"
        return "refused", what
    layers = {l["name"]: l["output_shape"] for l in report["layers"]}
    # A module of torchvision's own classes with no children (ConvNeXt's Permute and LayerNorm2d)
    # is a leaf to PyTorch: its output is its module's (the outermost row of that name, listed
    # first), not that of the layer row inside it that may share its name. Applied once: a
    # module row holds one call's output, the n-th call has the layer row `name_n`.
    modules = {}
    for m in report.get("modules", {}).get("rows", []):
        if m["named_module"]:
            modules.setdefault(m["name"], m["output_shape"])
    outputs = list(report["outputs"].values())
    problems = []
    if outputs != out:
        problems.append(f"output {outputs} != torch {out}")
    if report["totals"]["params"] != params:
        problems.append(f"params {report['totals']['params']:,} != torch {params:,}")
    if report["totals"]["trainable_params"] != trainable:
        problems.append(f"trainable {report['totals']['trainable_params']:,} != torch {trainable:,}")
    for mname, shapes in calls.items():
        for k, s in enumerate(shapes):
            row = mname if k == 0 else f"{mname}_{k + 1}"
            once = len(shapes) == 1  # a module row holds one call's output
            ours = modules.get(row, layers.get(row)) if once else layers.get(row)
            if ours != s:
                problems.append(f"{row}: {ours} != torch {s}")
                break
    return ("exact", f"{params:,} params") if not problems else ("DIFFERENT", "; ".join(problems[:3]))


def main():
    binary = sys.argv[1]
    results = []
    for name in BUILDERS:
        status, detail = compare(name, binary)
        results.append((name, status, detail))
        print(f"{name:22} {status:9} {detail}", flush=True)
    for file, cls, shape in USER_FILES:
        status, detail = compare_user_file(file, cls, shape, binary)
        results.append((file, status, detail))
        print(f"{file:22} {status:9} {detail}", flush=True)
    exact = sum(1 for r in results if r[1] == "exact")
    different = [r for r in results if r[1] == "DIFFERENT"]
    print(f"torchvision parity: {exact} of {len(results)} builders and files exact, "
          f"{len(results) - exact - len(different)} refused with an error, {len(different)} different")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
