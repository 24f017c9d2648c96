#!/usr/bin/env python3
"""Numeric parity of nn.MultiheadAttention's masks: does `netshape run` mask as PyTorch masks?

For each case below a small .py model (written here, into a temporary directory) applies
nn.MultiheadAttention with masks that are model inputs of the dtypes PyTorch takes (bool, uint8,
float). `netshape run --save-tensors` saves its input, weights and outputs; the same modules,
loaded with those weights, run in PyTorch on the same inputs; every output must agree within
1e-5 (NaN where PyTorch gives NaN: a sample whose every key is masked).

Usage: attention_masks_parity.py --netshape PATH
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn

# name, the layer's constructor arguments, the input comments, the call
CASES = [
    ("padding_bool", "16, 2", ["x: [5, 2, 16]", "m: [2, 5] bool"],
     "self.attn(x, x, x, key_padding_mask=m)"),
    ("causal_bool", "16, 2", ["x: [5, 2, 16]", "m: [5, 5] bool"],
     "self.attn(x, x, x, attn_mask=m)"),
    ("causal_uint8", "16, 2", ["x: [5, 2, 16]", "m: [5, 5] uint8"],
     "self.attn(x, x, x, attn_mask=m)"),
    ("padding_float", "16, 2", ["x: [5, 2, 16]", "m: [2, 5]"],
     "self.attn(x, x, x, m)"),
    ("bool_padding_float_causal", "16, 2", ["x: [5, 2, 16]", "m: [2, 5] bool", "a: [5, 5]"],
     "self.attn(x, x, x, key_padding_mask=m, attn_mask=a)"),
    ("float_padding_bool_causal", "16, 2", ["x: [5, 2, 16]", "m: [2, 5]", "a: [5, 5] bool"],
     "self.attn(x, x, x, key_padding_mask=m, attn_mask=a)"),
    ("per_head_appended_keys", "16, 4, add_bias_kv=True, add_zero_attn=True, batch_first=True",
     ["x: [2, 5, 16]", "m: [2, 5] bool", "a: [8, 5, 5]"],
     "self.attn(x, x, x, key_padding_mask=m, attn_mask=a)"),
    ("unbatched_cross", "16, 2, kdim=8, vdim=8", ["x: [5, 16]", "k: [7, 8]", "m: [7] bool"],
     "self.attn(x, k, k, key_padding_mask=m)"),
]

MODEL = """{comments}
import torch.nn as nn


class Masked(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention({args})

    def forward(self, {params}):
        return {call}[0]


model = Masked()
"""


def run_case(netshape, tmp, name, args, inputs, call):
    names = [i.split(":")[0] for i in inputs]
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(MODEL.format(comments="\n".join(f"# input {i}" for i in inputs), args=args,
                             params=", ".join(names), call=call))
    saved = os.path.join(tmp, name)
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return f"netshape run failed: {r.stdout}{r.stderr}"
    load = lambda n: torch.from_numpy(np.load(os.path.join(saved, n + ".npy")))  # noqa: E731
    dtypes = {i.split(":")[0]: i.split()[-1] for i in inputs}
    casts = {"bool": torch.bool, "uint8": torch.uint8}
    env = {n: load("input." + n).to(casts.get(dtypes[n], torch.float32)) for n in names}
    module = eval(f"nn.MultiheadAttention({args})")  # noqa: S307 - the cases above
    with torch.no_grad():
        for p, t in module.named_parameters():
            t.copy_(load("attn." + p))
        env["self"] = type("Self", (), {"attn": module})
        want = eval(call, {}, env)[0]  # noqa: S307
    got = load("attn")
    if want.shape != got.shape:
        return f"shape {list(got.shape)} != PyTorch's {list(want.shape)}"
    if not torch.equal(torch.isnan(want), torch.isnan(got)):
        return "NaN where PyTorch has none (or the reverse)"
    ok = ~torch.isnan(want)
    worst = (want[ok] - got[ok]).abs().max().item() if ok.any() else 0.0
    return None if worst <= 1e-5 else f"differs from PyTorch by {worst:.2e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", required=True)
    a = ap.parse_args()
    failed = 0
    warnings.simplefilter("ignore")  # PyTorch's deprecation of uint8 masks, which it still takes
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            error = run_case(a.netshape, tmp, *case)
            print(f"{'ok' if error is None else 'FAIL':8} {case[0]:28} {error or ''}")
            failed += error is not None
    print(f"attention masks parity: {len(CASES) - failed}/{len(CASES)} cases match PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
