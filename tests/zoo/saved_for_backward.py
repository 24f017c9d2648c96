#!/usr/bin/env python3
"""The bytes autograd saves for backward in one training-mode forward of torchvision models:
the truth behind `netshape check --memory`'s "saved for backward" (tests/unit/test_memory.cpp).

Every tensor a forward saves goes through torch.autograd.graph.saved_tensors_hooks; each storage
region is counted once (a view and its base, or one tensor saved by two ops, are the same bytes);
parameters and buffers (BatchNorm's running statistics), which exist anyway, are not counted.

Usage: /usr/bin/python3 tests/zoo/saved_for_backward.py [--batch N] [NAME ...]
"""
import argparse

import torch
import torchvision


def saved_bytes(model, x):
    owned = {t.storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}
    seen = {}

    def pack(t):
        ptr = t.storage().data_ptr()
        if ptr not in owned:
            seen[(ptr, t.storage_offset(), t.numel(), t.dtype)] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(seen.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("names", nargs="*", default=["resnet18", "resnet50", "mobilenet_v2", "vgg16",
                                                 "alexnet", "squeezenet1_1", "densenet121",
                                                 "googlenet"])
    a = ap.parse_args()
    for name in a.names:
        kwargs = {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
        model = getattr(torchvision.models, name)(weights=None, **kwargs).train()
        print(name, saved_bytes(model, torch.randn(a.batch, 3, 224, 224)))


if __name__ == "__main__":
    main()
