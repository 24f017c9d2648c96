#!/usr/bin/env python3
"""Argument sweep: does `netshape check` read every form of an op's arguments as PyTorch does?

Each case is a one-call model file:

    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Conv2d(3, 4, 3, stride=2)      # for layer cases only
        def forward(self, x):
            return self.l(x)                            # or x.permute(0, 2, 1), F.pad(x, ...), ...

built from an op and one form of its arguments (ints, bools, floats, tuples, lists and None for
sizes, dims and flags; keyword or positional; negative and out-of-range dims; grids of kernel,
stride, padding and dilation). PyTorch runs the file in this process (model.eval(),
torch.no_grad(), a torch.zeros input; then again with autograd on and an input that requires
grad, which must give the same answer; the cases about autograd's refusals of in-place writes
run once, with autograd on and an input that does not require grad, as a training step runs
them); netshape runs `check FILE --input SHAPE --format json`
(exit 0: the outputs' shapes and totals.params, 1: the model's error, 2: refused). Each case is
one of

  AGREE        the same output shapes and total parameters, or both raise
  WRONG        netshape gives a shape or a parameter count PyTorch does not, or a result where
               PyTorch raises
  FALSE_ERROR  netshape says the model is wrong (exit 1) where PyTorch gives a result
  KNOWN        such a case listed in KNOWN, with why: not followed yet, not a failure
  STALE        a KNOWN case that now has another outcome: take it out of KNOWN
  REFUSED      netshape refuses the file (exit 2): listed, not a failure
  CRASH        netshape exits otherwise, times out or prints no JSON
  UNSTABLE     PyTorch's own answer changes when the input requires grad (F.max_pool1d picks
               another kernel then): the case does not belong in the list (see EXCLUDED)

The case list is fixed (the random grids use a fixed seed). Only PyTorch outcomes that do not
depend on values, float rounding or chance are swept: inputs are zeros, scale factors are exact
binary fractions. Every case that does not agree is printed with PyTorch's outcome and
netshape's (its shapes, or the first `error:` line of its stderr). Exits 1 on any WRONG,
FALSE_ERROR, CRASH, UNSTABLE or STALE.

Usage: argument_sweep.py --netshape PATH [--workdir DIR] [--jobs N] [--only TEXT] [--json FILE]
"""
import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

HEADER = ("import torch\n"
          "import torch.nn as nn\n"
          "import torch.nn.functional as F\n"
          "class M(nn.Module):\n"
          "    def __init__(self):\n"
          "        super().__init__()\n")


class Case:
    """One model: statements of __init__ (assigning self.l, self.w), forward's return expression,
    the input's shape and dtype ('float' or 'long')."""

    def __init__(self, group, init, fwd, shape, dtype="float"):
        self.group = group
        self.init = init
        self.fwd = fwd
        self.pre = []  # statements of forward before its return
        shape = list(shape)
        if not shape:
            # `--input` has no 0-dim form: a 0-dim x is made in forward.
            shape, self.pre = [5], ["x = x.sum()"]
        for i, v in enumerate(shape):
            if v == 0:  # nor an empty dim: narrowed to 0 in forward
                shape[i] = 3
                self.pre.append(f"x = x.narrow({i}, 0, 0)")
        self.shape = tuple(shape)
        self.dtype = dtype
        self.autograd = False  # PyTorch's answer with autograd on (a training step's forward)

    def source(self):
        body = "".join(f"        {s}\n" for s in self.init)
        return (HEADER + body +
                "    def forward(self, x):\n" +
                "".join(f"        {s}\n" for s in self.pre) +
                f"        return {self.fwd}\n")

    def text(self):
        parts = [s.split(" = ", 1)[1] if s.startswith("self.l = ") else s for s in self.init]
        parts += self.pre
        if self.fwd != "self.l(x)" or self.pre:
            parts.append(self.fwd)
        dt = "" if self.dtype == "float" else f" {self.dtype}"
        return f"{'; '.join(parts)}  on [{', '.join(map(str, self.shape))}]{dt}"


# ---------------------------------------------------------------------------------------------
# The cases. Each generator appends to CASES; `layer` and `expr` are the two shapes of a case.

CASES = []


def layer(group, ctor, shape, dtype="float", fwd="self.l(x)"):
    CASES.append(Case(group, [f"self.l = {ctor}"], fwd, shape, dtype))


def expr(group, fwd, shape, dtype="float", init=()):
    CASES.append(Case(group, list(init), fwd, shape, dtype))


def tup(vals):
    vals = list(vals)
    return f"({vals[0]},)" if len(vals) == 1 else "(" + ", ".join(map(str, vals)) + ")"


def lst(vals):
    return "[" + ", ".join(map(str, vals)) + "]"


def call(name, pos, kw):
    args = [str(p) for p in pos] + [f"{k}={v}" for k, v in kw]
    return f"{name}({', '.join(args)})"


# Input shapes by number of spatial dims: batch 2, 3 channels, sizes that leave remainders.
SPATIAL = {1: (2, 3, 9), 2: (2, 3, 9, 8), 3: (2, 3, 5, 6, 7)}


def nd_forms(n, v):
    """The forms of an n-d size argument whose every entry is v."""
    return [str(v), tup([v] * n), lst([v] * n)]


def wrong_len(v, n):
    """Tuples of v of a length other than n (n + 1, and 1 when n > 1)."""
    return [tup([v] * (n + 1))] + ([tup([v])] if n > 1 else [])


# --- convolution ----------------------------------------------------------------------------

def gen_conv():
    rng = random.Random(31)
    names = ["stride", "padding", "dilation", "groups", "bias", "padding_mode"]
    for n in (1, 2, 3):
        shape = SPATIAL[n]
        name = f"nn.Conv{n}d"
        g = f"Conv{n}d"
        # One argument at a time, every form, by keyword; the kernel positional.
        for k in nd_forms(n, 3) + wrong_len(3, n) + ["1", "0", "-1", "3.0", "True", "None",
                                                    tup(range(2, 2 + n)), "'3'"]:
            layer(g, f"{name}(3, 4, {k})", shape)
            layer(g, f"{name}(3, 4, kernel_size={k})", shape)
        slots = {
            "stride": nd_forms(n, 2) + wrong_len(2, n) + ["1", "3", "0", "-1", "2.0", "True",
                                                         "None", tup(range(1, 1 + n))],
            "padding": nd_forms(n, 1) + wrong_len(1, n) + ["0", "2", "-1", "1.0", "True", "None",
                                                          "'same'", "'valid'", "'SAME'", "'full'",
                                                          tup(range(n))],
            "dilation": nd_forms(n, 2) + wrong_len(2, n) + ["1", "0", "-1", "2.0", "True", "None",
                                                           tup(range(1, 1 + n))],
            "bias": ["False", "True", "0", "1", "None"],
            "padding_mode": ["'zeros'", "'reflect'", "'replicate'", "'circular'", "'bogus'"],
        }
        for slot, pool in slots.items():
            for v in pool:
                layer(g, f"{name}(3, 4, 3, {slot}={v})", shape)
        for groups, cin, cout in [(1, 3, 4), (3, 3, 6), (3, 3, 3), (2, 3, 4), (3, 3, 4), (0, 3, 4),
                                  (-1, 3, 4), (2, 4, 4), ("1.0", 3, 4), ("True", 3, 4)]:
            layer(g, f"{name}({cin}, {cout}, 3, groups={groups})", shape)
        # Channels: wrong in_channels, float/bool/zero channels.
        for cin, cout in [(4, 4), (1, 4), (3, 0), (3, "4.0"), ("3.0", 4), (3, "True"), (0, 4),
                          (3, -1)]:
            layer(g, f"{name}({cin}, {cout}, 3)", shape)
        # Positional forms of the full signature.
        layer(g, f"{name}(3, 4, 3, 2, 1)", shape)
        layer(g, f"{name}(3, 4, 3, 2, 1, 2)", shape)
        layer(g, f"{name}(3, 6, 3, 1, 1, 1, 3, False)", shape)
        layer(g, f"{name}(3, 4, 3, 1, 1, 1, 1, True, 'reflect')", shape)
        layer(g, f"{name}(3, 4, 3, 1, 1, 1, 1, True, 'zeros', None, None, 7)", shape)
        layer(g, f"{name}(in_channels=3, out_channels=4, kernel_size=3)", shape)
        layer(g, f"{name}(3, 4)", shape)
        layer(g, f"{name}(3, 4, 3, strides=2)", shape)
        # padding_mode with paddings and 'same' / even kernels.
        for mode in ["'reflect'", "'replicate'", "'circular'"]:
            for pad in ["1", "2", tup(range(1, 1 + n)), "'same'", "4"]:
                layer(g, f"{name}(3, 4, 3, padding={pad}, padding_mode={mode})", shape)
        for k in ["2", "4", tup([2] + [3] * (n - 1))]:
            for d in ["1", "2"]:
                layer(g, f"{name}(3, 4, {k}, padding='same', dilation={d})", shape)
        layer(g, f"{name}(3, 4, 3, stride=2, padding='same')", shape)
        layer(g, f"{name}(3, 4, 3, stride=2, padding='valid')", shape)
        # Input ranks: unbatched (one fewer dim) and one more or fewer than that.
        for sh in [shape[1:], shape[2:], shape + (2,)]:
            layer(g, f"{name}(3, 4, 3)", sh)
        # A grid of kernel, stride, padding and dilation (valid-ish ints and tuples).
        for _ in range(45):
            k = [rng.choice([1, 2, 3, 4, 5]) for _ in range(n)]
            s = [rng.choice([1, 1, 2, 3]) for _ in range(n)]
            p = [rng.choice([0, 0, 1, 2]) for _ in range(n)]
            d = [rng.choice([1, 1, 2, 3]) for _ in range(n)]
            form = rng.choice([tup, lst, lambda v: str(v[0])])
            if form is not tup and form is not lst:
                k, s, p, d = [k[0]] * n, [s[0]] * n, [p[0]] * n, [d[0]] * n
            kw = rng.random() < 0.5
            args = [form(k), form(s), form(p), form(d)]
            if kw:
                layer(g, call(name, [3, 5, args[0]], zip(names[:3], args[1:])), shape)
            else:
                layer(g, call(name, [3, 5] + args, []), shape)


def gen_conv_transpose():
    rng = random.Random(32)
    for n in (1, 2, 3):
        shape = SPATIAL[n]
        name = f"nn.ConvTranspose{n}d"
        g = f"ConvTranspose{n}d"
        for k in nd_forms(n, 3) + wrong_len(3, n) + ["0", "3.0", "True", "None"]:
            layer(g, f"{name}(3, 4, {k})", shape)
        slots = {
            "stride": nd_forms(n, 2) + ["0", "2.0", "True", "None"],
            "padding": nd_forms(n, 1) + ["3", "-1", "True", "'same'", "'valid'"],
            "output_padding": nd_forms(n, 1) + ["0", "-1", "True", "1.0"],
            "dilation": nd_forms(n, 2) + ["0", "True"],
            "bias": ["False", "0"],
            "padding_mode": ["'zeros'", "'reflect'", "'circular'"],
        }
        for slot, pool in slots.items():
            for v in pool:
                layer(g, f"{name}(3, 4, 3, {slot}={v})", shape)
        # output_padding must be below stride or dilation.
        for s, op, d in [(2, 1, 1), (2, 2, 1), (1, 1, 1), (1, 1, 2), (3, 2, 1), (2, 1, 3)]:
            layer(g, f"{name}(3, 4, 3, stride={s}, output_padding={op}, dilation={d})", shape)
        for groups, cin, cout in [(3, 3, 6), (3, 3, 4), (2, 3, 4), (1, 4, 4)]:
            layer(g, f"{name}({cin}, {cout}, 3, groups={groups})", shape)
        layer(g, f"{name}(3, 4, 3, 2, 1, 1)", shape)
        layer(g, f"{name}(3, 6, 3, 2, 1, 1, 3, False, 2)", shape)
        for sh in [shape[1:], shape[2:]]:
            layer(g, f"{name}(3, 4, 3)", sh)
        # output_size in forward.
        big = [2 * v for v in shape[2:]]
        for osz in [tup(big), lst(big), tup([2 * v - 1 for v in shape[2:]]),
                    tup([2 * v + 2 for v in shape[2:]]), tup(big[:1] * (n + 1)),
                    "torch.Size(" + lst(big) + ")"]:
            layer(g, f"{name}(3, 4, 3, stride=2, padding=1)", shape, fwd=f"self.l(x, {osz})")
            layer(g, f"{name}(3, 4, 3, stride=2, padding=1)", shape,
                  fwd=f"self.l(x, output_size={osz})")
        for _ in range(30):
            k = [rng.choice([1, 2, 3, 4]) for _ in range(n)]
            s = [rng.choice([1, 2, 3]) for _ in range(n)]
            p = [rng.choice([0, 1, 2]) for _ in range(n)]
            op = [rng.choice([0, 0, 1]) for _ in range(n)]
            d = [rng.choice([1, 1, 2]) for _ in range(n)]
            layer(g, call(name, [3, 4, tup(k)], [("stride", tup(s)), ("padding", tup(p)),
                                                 ("output_padding", tup(op)),
                                                 ("dilation", tup(d))]), shape)


def gen_conv_functional():
    for n in (1, 2, 3):
        shape = SPATIAL[n]
        w = f"self.w = nn.Parameter(torch.zeros(4, 3, {', '.join(['3'] * n)}))"
        fn = f"F.conv{n}d"
        g = f"conv{n}d"
        for rest in ["", ", None", ", None, 2", ", None, 2, 1", ", None, 1, 'same'",
                     ", None, 1, 'valid'", ", None, 2, 'same'", ", stride=2, padding=1",
                     f", stride={tup([2] * n)}", f", stride={tup([2] * (n + 1))}",
                     ", None, 1, 0, 2", ", None, 1, 0, 1, 1", ", None, 1, 0, 1, 2",
                     ", stride=2.0", ", padding=-1", ", dilation=0", ", None, 0",
                     f", padding={lst([1] * n)}", ", bias=None, groups=1"]:
            expr(g, f"{fn}(x, self.w{rest})", shape, init=[w])
        expr(g, f"{fn}(x, self.w)", shape[1:], init=[w])
        expr(g, f"{fn}(x, self.w)", (2, 4) + shape[2:], init=[w])
        expr(g, f"{fn}(x, self.w, self.b)", shape,
             init=[w, "self.b = nn.Parameter(torch.zeros(4))"])
        expr(g, f"{fn}(x, self.w, self.b)", shape,
             init=[w, "self.b = nn.Parameter(torch.zeros(3))"])


# --- pooling --------------------------------------------------------------------------------

def gen_pool():
    rng = random.Random(33)
    for n in (1, 2, 3):
        shape = SPATIAL[n]
        for kind in ("Max", "Avg"):
            mod = f"nn.{kind}Pool{n}d"
            fn = f"F.{kind.lower()}_pool{n}d"
            g = f"{kind}Pool{n}d"
            for k in nd_forms(n, 2) + wrong_len(2, n) + ["1", "0", "-1", "2.0", "True", "None",
                                                        "10", tup(range(1, 1 + n))]:
                layer(g, f"{mod}({k})", shape)
                expr(g, f"{fn}(x, {k})", shape)
            slots = {
                "stride": nd_forms(n, 1) + ["None", "0", "2.0", "True", "3", "[]", "()"],
                "padding": nd_forms(n, 1) + ["2", "-1", "True", "1.0"],
                "ceil_mode": ["True", "False", "1", "0", "None"],
            }
            if kind == "Max":
                slots["dilation"] = nd_forms(n, 2) + ["0", "True", "2.0"]
            else:
                slots["count_include_pad"] = ["False", "0"]
                if n > 1:
                    slots["divisor_override"] = ["None", "1", "0", "3", "2.0"]
            for slot, pool in slots.items():
                for v in pool:
                    layer(g, f"{mod}(3, {slot}={v})", shape)
                    expr(g, f"{fn}(x, 3, {slot}={v})", shape)
            # Positional: the module and the function order ceil_mode differently (Max).
            if kind == "Max":
                layer(g, f"{mod}(3, 2, 1, 1, False, True)", shape)
                expr(g, f"{fn}(x, 3, 2, 1, 1, True)", shape)
                expr(g, f"{fn}(x, 3, 2, 1, 1, True, False)", shape)
                layer(g, f"{mod}(2, return_indices=True)", shape)
                expr(g, f"{fn}(x, 2, return_indices=True)", shape)
                expr(g, f"{fn}(x, 2, return_indices=False)", shape)
            else:
                layer(g, f"{mod}(3, 2, 1, True)", shape)
                expr(g, f"{fn}(x, 3, 2, 1, True)", shape)
                expr(g, f"{fn}(x, 3, 2, 1, True, False)", shape)
            expr(g, f"{fn}(x, kernel_size=2, stride=2)", shape)
            expr(g, f"{fn}(input=x, kernel_size=2)", shape)
            for sh in [shape[1:], shape[2:], shape + (2,)]:
                layer(g, f"{mod}(2)", sh)
            # Grid: ceil_mode's last window, padding up to half the kernel.
            for _ in range(30):
                k = [rng.choice([1, 2, 3, 4]) for _ in range(n)]
                s = [rng.choice([1, 2, 3]) for _ in range(n)]
                p = [rng.choice([0, 0, 1, 2]) for _ in range(n)]
                kw = [("stride", tup(s)), ("padding", tup(p)),
                      ("ceil_mode", rng.choice(["True", "False"]))]
                if kind == "Max":
                    kw.append(("dilation", tup([rng.choice([1, 1, 2]) for _ in range(n)])))
                else:
                    kw.append(("count_include_pad", rng.choice(["True", "False"])))
                layer(g, call(mod, [tup(k)], kw), shape)
        # Adaptive pooling.
        for kind in ("Avg", "Max"):
            mod = f"nn.Adaptive{kind}Pool{n}d"
            g = f"Adaptive{kind}Pool{n}d"
            for o in nd_forms(n, 2) + wrong_len(2, n) + ["1", "0", "-1", "2.0", "True", "None",
                                                        "20", tup(range(1, 1 + n)),
                                                        tup(["None"] + [2] * (n - 1)),
                                                        tup([2] * (n - 1) + ["None"])]:
                layer(g, f"{mod}({o})", shape)
            layer(g, f"{mod}(output_size=3)", shape)
            for sh in [shape[1:], shape[2:]]:
                layer(g, f"{mod}(2)", sh)
            if kind == "Max":
                layer(g, f"{mod}(2, return_indices=True)", shape)
        fn = f"F.adaptive_avg_pool{n}d"
        for o in ["2", tup([2] * n), "None", "0"]:
            expr(f"adaptive_avg_pool{n}d", f"{fn}(x, {o})", shape)
    for o in ["2", "(2, 3)", "(None, 2)", "[3, 3]"]:
        expr("adaptive_max_pool2d", f"F.adaptive_max_pool2d(x, {o})", SPATIAL[2])
        expr("adaptive_max_pool2d", f"F.adaptive_max_pool2d(x, {o}, return_indices=True)",
             SPATIAL[2])
    for n, forms in [(1, ["2", "(3,)", "None", "0", "(2, 2)"]),
                     (3, ["2", "(2, 3, 1)", "(None, 2, 3)", "[1, 1, 1]", "(2, 2)"])]:
        for o in forms:
            for sh in [SPATIAL[n], SPATIAL[n][1:]]:
                expr(f"adaptive_max_pool{n}d", f"F.adaptive_max_pool{n}d(x, {o})", sh)


# --- normalisation, dense, lookup -----------------------------------------------------------

def gen_norm():
    for n, shape in [(1, (2, 3, 9)), (2, (2, 3, 9, 8)), (3, (2, 3, 5, 6, 7))]:
        for kind in ("BatchNorm", "InstanceNorm"):
            mod = f"nn.{kind}{n}d"
            g = f"{kind}{n}d"
            for c in ["3", "4", "3.0", "True", "0"]:
                layer(g, f"{mod}({c})", shape)
            for kw in ["affine=False", "affine=True", "track_running_stats=False",
                       "track_running_stats=True", "affine=False, track_running_stats=False",
                       "eps=0", "momentum=None", "affine=0"]:
                layer(g, f"{mod}(3, {kw})", shape)
                layer(g, f"{mod}(4, {kw})", shape)
            layer(g, f"{mod}(3, 1e-3, 0.1, False, False)", shape)
            for sh in [shape[1:], shape[:2], (1,) + shape[1:], (2, 3) + (1,) * n,
                       (1, 3) + (1,) * n, shape + (2,)]:
                layer(g, f"{mod}(3)", sh)
                layer(g, f"{mod}(3, track_running_stats=False)", sh)
                if kind == "InstanceNorm":
                    layer(g, f"{mod}(3, affine=True)", sh)
    layer("BatchNorm1d", "nn.BatchNorm1d(3)", (2, 3))
    layer("BatchNorm1d", "nn.BatchNorm1d(3)", (1, 3))
    layer("BatchNorm1d", "nn.BatchNorm1d(3, track_running_stats=False)", (1, 3))
    layer("BatchNorm1d", "nn.BatchNorm1d(3, track_running_stats=False)", (2, 3))
    layer("BatchNorm1d", "nn.BatchNorm1d(8)", (2, 3, 8))
    g = "LayerNorm"
    for shape in [(2, 3, 8), (2, 3, 9, 8)]:
        for ns in ["8", "(8,)", "[8]", "9", "(9, 8)", "[9, 8]", "(3, 9, 8)", "(8, 8)", "()", "[]",
                   "8.0", "True", "torch.Size([8])", "(2, 3, 9, 8)", "(1, 9, 8)", "(0,)"]:
            layer(g, f"nn.LayerNorm({ns})", shape)
        for kw in ["elementwise_affine=False", "eps=1e-3", "elementwise_affine=0"]:
            layer(g, f"nn.LayerNorm(8, {kw})", shape)
        layer(g, "nn.LayerNorm(8, 1e-5, False)", shape)
    layer(g, "nn.LayerNorm(8)", (8,))
    for ns in ["x.shape[-1:]", "x.shape[1:]", "(8,)", "[9, 8]", "8", "x.size()[-2:]"]:
        expr("layer_norm", f"F.layer_norm(x, {ns})", (2, 3, 9, 8))
    g = "GroupNorm"
    for groups, ch in [(1, 3), (3, 3), (2, 3), (3, 6), (4, 6), (0, 3), (1, 4), ("1.0", 3),
                       ("True", 3), (3, "3.0"), (6, 6), (1, 0)]:
        layer(g, f"nn.GroupNorm({groups}, {ch})", (2, 3, 9, 8))
        layer(g, f"nn.GroupNorm({groups}, {ch})", (2, 6, 4))
    for kw in ["affine=False", "eps=1e-3", "affine=0"]:
        layer(g, f"nn.GroupNorm(3, 3, {kw})", (2, 3, 9, 8))
    for sh in [(2, 3), (3, 9, 8), (1, 3, 1, 1), (2, 3, 1)]:
        layer(g, "nn.GroupNorm(3, 3)", sh)
        layer(g, "nn.GroupNorm(1, 3)", sh)
    for size in ["1", "2", "3", "0", "2.0", "True"]:
        layer("LocalResponseNorm", f"nn.LocalResponseNorm({size})", (2, 3, 9, 8))
    layer("LocalResponseNorm", "nn.LocalResponseNorm(2)", (2, 3))


def gen_linear():
    g = "Linear"
    for shape in [(2, 8), (8,), (2, 3, 8), (2, 3, 4, 8), (2, 0, 8)]:
        for fin, fout in [(8, 4), (7, 4), (8, 1), (8, 0), ("8.0", 4), (8, "4.0"), ("True", 4),
                          (8, "True"), (0, 4), (8, -1)]:
            layer(g, f"nn.Linear({fin}, {fout})", shape)
        for kw in ["bias=False", "bias=True", "bias=0", "bias=None", "bias=1"]:
            layer(g, f"nn.Linear(8, 4, {kw})", shape)
        layer(g, "nn.Linear(8, 4, False)", shape)
        layer(g, "nn.Linear(in_features=8, out_features=4)", shape)
        layer(g, "nn.Linear(8)", shape)
        layer(g, "nn.Linear(8, 4, bais=False)", shape)
    layer(g, "nn.Linear(8, 4)", ())
    g = "Embedding"
    for shape in [(2, 5), (5,), (2, 3, 4), ()]:
        for ne, dim in [(10, 4), (1, 4), (10, 0), (0, 4), ("10.0", 4), (10, "4.0"), ("True", 4),
                        (10, "True")]:
            layer(g, f"nn.Embedding({ne}, {dim})", shape, "long")
    for kw in ["padding_idx=0", "padding_idx=9", "padding_idx=10", "padding_idx=-1",
               "padding_idx=-10", "padding_idx=-11", "padding_idx=None", "padding_idx=1.0",
               "padding_idx=True", "max_norm=1.0", "max_norm=None", "sparse=True",
               "scale_grad_by_freq=True", "norm_type=1.0"]:
        layer(g, f"nn.Embedding(10, 4, {kw})", (2, 5), "long")
    layer(g, "nn.Embedding(10, 4, 3)", (2, 5), "long")
    layer(g, "nn.Embedding(10, 4)", (2, 5))
    layer(g, "nn.Embedding(num_embeddings=10, embedding_dim=4)", (2, 5), "long")
    g = "PReLU"
    for args in ["", "1", "3", "4", "0", "3.0", "True", "num_parameters=3", "3, 0.1"]:
        layer(g, f"nn.PReLU({args})", (2, 3, 9, 8))
        layer(g, f"nn.PReLU({args})", (2, 3))
        layer(g, f"nn.PReLU({args})", (3,))


# --- softmax and activations ----------------------------------------------------------------

DIM1 = ["0", "1", "3", "-1", "-4", "4", "-5", "True", "False", "1.0", "None", "(1,)", "[1]",
        "(1, 2)"]


def gen_softmax():
    shape = (2, 3, 9, 8)
    for f in ["softmax", "log_softmax", "softmin"]:
        g = f
        for d in DIM1:
            expr(g, f"F.{f}(x, {d})", shape)
            expr(g, f"F.{f}(x, dim={d})", shape)
        expr(g, f"F.{f}(x)", shape)
        for sh in [(8,), (2, 8), (2, 3, 8)]:
            expr(g, f"F.{f}(x)", sh)
        expr(g, f"F.{f}(x, 1, dtype=torch.float64)", shape)
        expr(g, f"F.{f}(x, 1, 3)", shape)
        expr(g, f"F.{f}(x, axis=1)", shape)
    for f in ["softmax", "log_softmax"]:
        for d in ["1", "-1", "4", "dim=2", "True", "1.0", ""]:
            expr(f, f"x.{f}({d})", shape)
            expr(f, f"torch.{f}(x, {d})" if d else f"torch.{f}(x)", shape)
    for m in ["Softmax", "LogSoftmax", "Softmin"]:
        for d in ["", "1", "-1", "4", "-5", "dim=2", "None", "1.0", "True", "(1,)"]:
            layer(m, f"nn.{m}({d})", shape)
        for sh in [(8,), (2, 8), (2, 3, 8)]:
            layer(m, f"nn.{m}()", sh)
    for d in ["", "1", "-1", "3", "0", "4", "dim=2", "1.0", "True"]:
        layer("GLU", f"nn.GLU({d})", (2, 4, 9, 8))
        expr("glu", f"F.glu(x, {d})" if d else "F.glu(x)", (2, 4, 9, 8))
    # Activations with arguments in every form (shape kept; TypeErrors for bad ones).
    shape = (2, 3, 4)
    for a in ["F.relu(x)", "F.relu(x, True)", "F.relu(x, inplace=True)", "F.relu(x, 1)",
              "F.leaky_relu(x, 0.2)", "F.leaky_relu(x, 0.2, True)", "F.leaky_relu(x, 1)",
              "F.leaky_relu(x, negative_slope=0.2)", "F.elu(x, 0.5)", "F.gelu(x)",
              "F.gelu(x, approximate='tanh')", "F.gelu(x, approximate='none')",
              "F.gelu(x, approximate='bogus')", "F.gelu(x, 'tanh')", "F.hardtanh(x, -2, 2)",
              "F.hardtanh(x, min_val=-2.0, max_val=2.0)", "F.hardtanh(x, 2, -2)",
              "F.softplus(x, 2, 10)", "F.softplus(x, beta=2)", "F.threshold(x, 0.1, 0.0)",
              "F.threshold(x, 0.1)", "F.celu(x, 2.0)", "F.celu(x, alpha=0)",
              "F.hardshrink(x, 0.3)", "F.softshrink(x, -1.0)", "F.rrelu(x)",
              "F.rrelu(x, 0.1, 0.3)", "F.dropout(x, 0.5, False)", "F.dropout(x, p=1.5)",
              "F.dropout(x, 0.5, training=False)", "F.dropout2d(x, 0.5, False)",
              "F.relu6(x, True)", "F.silu(x, True)", "F.mish(x)", "F.hardswish(x)",
              "F.logsigmoid(x)", "torch.sigmoid(x)", "torch.tanh(x)", "x.relu()",
              "x.sigmoid()", "torch.relu(x)"]:
        expr("activation", a, shape)
    for a in ["nn.ReLU(True)", "nn.ReLU(inplace=True)", "nn.LeakyReLU(0.2, True)",
              "nn.LeakyReLU(negative_slope=1)", "nn.ELU(alpha=0.5)", "nn.GELU('tanh')",
              "nn.GELU(approximate='bogus')", "nn.Hardtanh(-2, 2)", "nn.Hardtanh(2, -2)",
              "nn.Softplus(2, 10)", "nn.Threshold(0.1, 0.0)", "nn.Threshold(0.1)",
              "nn.CELU(0)", "nn.Dropout(0.5)", "nn.Dropout(1.5)", "nn.Dropout(-0.1)",
              "nn.Dropout(p=1)", "nn.Dropout1d(0.5)", "nn.Dropout2d(0.5)", "nn.Dropout3d(0.5)",
              "nn.Identity(3, bogus=1)", "nn.RReLU(0.1, 0.3)", "nn.Softshrink(0.5)"]:
        for sh in [(2, 3, 4), (2, 3, 4, 5), (3,)]:
            layer("activation", a, sh)


# --- reshaping ------------------------------------------------------------------------------

def gen_reshape():
    s4 = (2, 3, 4, 6)
    g = "view"
    for m in ["view", "reshape"]:
        for args in ["2, -1", "(2, -1)", "[2, -1]", "-1", "(-1,)", "2, 3, 24", "2, 3, 25",
                     "2, -1, -1", "2, 5, -1", "0, -1", "-1, 0", "2.0, -1", "True, -1",
                     "2, True, -1", "-2, 72", "2, -1, 1, 1", "x.size(0), -1",
                     "x.shape[0], -1", "x.shape", "x.size()", "*x.shape", "144", "145",
                     "6, 24", "4, 6, 6", "(2, 3), 24", "[2, -1], 3", "2, None", "()",
                     "-1, 4, 6", "2, 3, 4, 6, 1", "1, 1, 144, 1", "shape=(2, -1)",
                     "size=(2, -1)"]:
            expr(g, f"x.{m}({args})", s4)
    for args in ["(2, -1)", "[2, -1]", "2, -1", "(-1,)", "-1", "shape=(2, -1)", "(2, 5, -1)"]:
        expr(g, f"torch.reshape(x, {args})", s4)
    expr(g, "x.view(2, -1)", ())
    expr(g, "x.view(-1)", ())
    expr(g, "x.view(1, 1)", ())
    expr(g, "x.reshape(())", (1,))
    expr(g, "x.view_as(x)", s4)
    expr(g, "x.reshape_as(x)", s4)
    g = "flatten"
    for args in ["", "1", "2", "0, -1", "1, 2", "2, 1", "-1", "-4", "4", "-5", "1, 4",
                 "start_dim=1", "end_dim=2", "start_dim=2, end_dim=-2", "1.0", "True",
                 "1, True", "None", "(1, 2)", "3, 3", "-1, -2"]:
        expr(g, f"x.flatten({args})", s4)
        expr(g, f"torch.flatten(x{', ' if args else ''}{args})", s4)
        layer("Flatten", f"nn.Flatten({args})", s4)
    for sh in [(), (5,), (2, 5)]:
        expr(g, "x.flatten()", sh)
        expr(g, "x.flatten(1)", sh)
        expr(g, "x.flatten(0, -1)", sh)
        layer("Flatten", "nn.Flatten()", sh)
    g = "unflatten"
    for args in ["1, (3, 1)", "2, (2, 2)", "-1, (2, 3)", "-1, (-1, 2)", "-1, (2, -1)",
                 "-1, (-1, -1)", "-1, (4, 2)", "3, [2, 3]", "3, torch.Size([3, 2])", "4, (1, 1)",
                 "-1, (6,)", "-1, ()", "1.0, (3, 1)", "1, 3", "dim=1, sizes=(3, 1)",
                 "-1, (2, 3.0)", "0, (1, 2)"]:
        expr(g, f"x.unflatten({args})", s4)
        layer("Unflatten", f"nn.Unflatten({args.replace('sizes=', 'unflattened_size=')})", s4)
    g = "permute"
    for args in ["0, 2, 1, 3", "(0, 2, 1, 3)", "[0, 2, 1, 3]", "0, 2, 1, -1", "-4, -3, -2, -1",
                 "3, 2, 1, 0", "0, 1, 2", "0, 1, 2, 3, 4", "0, 1, 1, 3", "0, 1, 2, 4",
                 "0, 1, 2, -5", "0, True, 2, 3", "False, 1, 2, 3", "0, 1.0, 2, 3", "(0, 1), 2, 3",
                 "*(0, 2, 1, 3)", "dims=(0, 2, 1, 3)", "0, 1, 3, -1", "[0, 2], [1, 3]", ""]:
        expr(g, f"x.permute({args})", s4)
    for args in ["(0, 2, 1, 3)", "[3, 2, 1, 0]", "0, 2, 1, 3", "dims=[0, 2, 1, 3]", "(0, 2, 1)"]:
        expr(g, f"torch.permute(x, {args})", s4)
    for sh, args in [((5,), "0"), ((5,), "-1"), ((), ""), ((), "()"), ((2, 5), "1, 0")]:
        expr(g, f"x.permute({args})", sh)
    g = "transpose"
    for args in ["1, 2", "-1, -2", "0, 3", "3, 0", "1, 1", "0, 4", "-5, 0", "1", "1, 2, 3",
                 "True, 2", "1.0, 2", "dim0=1, dim1=2", "(1, 2)", "None, 1"]:
        expr(g, f"x.transpose({args})", s4)
        expr(g, f"torch.transpose(x, {args})", s4)
    for args in ["1, 2", "-1, 1", "0, 4"]:
        expr(g, f"x.swapaxes({args})", s4)
        expr(g, f"x.swapdims({args})", s4)
    for sh in [(), (5,), (2, 5), (2, 3, 5)]:
        for e in ["x.t()", "torch.t(x)", "x.T", "x.mT", "x.mH", "x.H", "x.transpose(0, -1)",
                  "x.transpose(-1, -2)"]:
            expr(g, e, sh)
    g = "squeeze"
    s1 = (2, 1, 4, 1)
    for args in ["", "1", "0", "3", "-1", "-3", "4", "-5", "True", "False", "1.0", "None",
                 "(1, 3)", "[1]", "dim=1", "dim=-1"]:
        expr(g, f"x.squeeze({args})", s1)
        expr(g, f"torch.squeeze(x{', ' if args else ''}{args})", s1)
    for sh in [(), (1,), (1, 1)]:
        expr(g, "x.squeeze()", sh)
        expr(g, "x.squeeze(0)", sh)
        expr(g, "x.squeeze(-1)", sh)
    g = "unsqueeze"
    for args in ["0", "1", "4", "-1", "-5", "5", "-6", "True", "False", "1.0", "None", "(1,)",
                 "", "dim=2", "dim=-1"]:
        expr(g, f"x.unsqueeze({args})", s4)
        expr(g, f"torch.unsqueeze(x{', ' if args else ''}{args})", s4)
    for sh in [(), (5,)]:
        for d in ["0", "-1", "1", "2", "-2", "-3"]:
            expr(g, f"x.unsqueeze({d})", sh)
    for e in ["x[None]", "x[:, None]", "x[..., None]", "x[None, :, None]", "x[:, :, None, :, None]",
              "x[None, None, ..., None]"]:
        expr(g, e, s4)


def gen_index():
    s4 = (2, 3, 4, 6)
    g = "repeat"
    for args in ["1, 2, 1, 1", "(1, 2, 1, 1)", "[1, 2, 1, 1]", "2", "2, 2", "1, 1, 1, 1, 2",
                 "2, 1, 1, 1, 1, 1", "0, 1, 1, 1", "-1, 1, 1, 1", "1.0, 1, 1, 1",
                 "True, 1, 1, 1", "1, True, 1, 1", "", "()", "(1, 2), 1", "*[1, 2, 1, 1]",
                 "repeats=(1, 2, 1, 1)", "sizes=(1, 2, 1, 1)"]:
        expr(g, f"x.repeat({args})", s4)
    for sh in [(), (5,)]:
        expr(g, "x.repeat(2)", sh)
        expr(g, "x.repeat(2, 3)", sh)
        expr(g, "x.repeat(())", sh)
    g = "expand"
    s1 = (2, 1, 6)
    for args in ["2, 4, 6", "-1, 4, -1", "(2, 4, 6)", "[2, 4, 6]", "3, 2, 4, 6", "3, -1, 4, -1",
                 "-1, 2, 4, 6", "2, 4, 7", "2, 4", "4, 1, 6", "2, 0, 6", "2, -2, 6", "2, 4.0, 6",
                 "2, True, 6", "True, 1, 6", "x.size(0), 4, x.size(2)", "size=(2, 4, 6)",
                 "*x.shape", "2, 1, 6, 1", "0, 1, 6", "1, 2, 1, 6", "()", ""]:
        expr(g, f"x.expand({args})", s1)
    expr(g, "x.expand_as(torch.zeros(3, 2, 4, 6))", s1)
    expr(g, "x.expand(3)", ())
    expr(g, "x.expand(2, 3)", (3,))
    expr(g, "x.expand(3, 2)", (3,))
    g = "narrow"
    for args in ["1, 0, 2", "1, 1, 2", "1, 2, 2", "1, 3, 0", "1, 2, 1", "-1, 2, 3", "-1, 4, 3",
                 "1, -1, 1", "1, -3, 3", "1, -4, 1", "1, 0, -1", "4, 0, 1", "-5, 0, 1",
                 "1.0, 0, 1", "1, 0.0, 1", "True, 0, 1", "1, True, 1", "1, 0, True",
                 "dim=1, start=0, length=2", "1, 0"]:
        expr(g, f"x.narrow({args})", s4)
        expr(g, f"torch.narrow(x, {args})", s4)
    g = "select"
    for args in ["1, 0", "1, 2", "1, 3", "1, -1", "1, -3", "1, -4", "-1, 5", "-1, 6", "4, 0",
                 "-5, 0", "1.0, 0", "1, 1.0", "True, 0", "1, True", "dim=1, index=0", "1"]:
        expr(g, f"x.select({args})", s4)
        expr(g, f"torch.select(x, {args})", s4)
    expr(g, "x.select(0, 0)", (5,))
    expr(g, "x.select(0, 0)", ())
    g = "index"
    for e in ["x[0]", "x[-1]", "x[2]", "x[-3]", "x[:, 0]", "x[:, 3]", "x[:, -4]", "x[..., 0]",
              "x[..., -1]", "x[..., 6]", "x[:, 1:3]", "x[:, 1:]", "x[:, :-1]", "x[:, 5:]",
              "x[:, ::2]", "x[:, 3:1]", "x[:, -10:10]", "x[:, :, ::3]", "x[0, 0, 0, 0]",
              "x[0, 0, 0, 0, 0]", "x[..., ::2, 1]", "x[:, :, :, :, :]", "x[True]", "x[False]",
              "x[None, 0]", "x[:, [0, 2]]", "x[:, [-1]]", "x[:, [3]]", "x[..., (1, 3)]",
              "x[0, [1, 2]]", "x[:, 0, :, [1, 2]]", "x[1.0]", "x[:, ::-1]", "x[:, ::0]",
              "x[..., ...]", "x[:, 0:1, ..., 2:4]", "x[()]"]:
        expr(g, e, s4)
    g = "split"
    for e in ["x.split(2, 1)", "x.split(1, 1)", "x.split(3, 1)", "x.split(5, 1)", "x.split(0, 1)",
              "x.split(-1, 1)", "x.split([1, 2], 1)", "x.split([1, 1], 1)", "x.split([1, 3], 1)",
              "x.split((1, 2), dim=1)", "x.split([3, 0], 1)", "x.split([], 1)",
              "x.split([1, 2, 0], 1)", "x.split([-1, 4], 1)", "x.split(4)", "x.split(2, -1)",
              "x.split(2, 4)", "x.split(2, -5)", "x.split(2.0, 1)", "x.split(True, 1)",
              "x.split(2, True)", "x.split([True, 2], 1)", "x.split([1.0, 2], 1)",
              "x.split(split_size=2, dim=1)", "x.split(split_size_or_sections=2, dim=1)",
              "torch.split(x, 2, 1)", "torch.split(x, [1, 2], 1)", "torch.split(x, 2, dim=-1)",
              "torch.split(x, split_size_or_sections=2, dim=1)",
              "x.chunk(2, 1)", "x.chunk(3, 1)", "x.chunk(4, 1)", "x.chunk(1, 1)", "x.chunk(0, 1)",
              "x.chunk(-1, 1)", "x.chunk(5, -1)", "x.chunk(4, -1)", "x.chunk(6, -1)",
              "x.chunk(2)", "x.chunk(2, 4)", "x.chunk(2.0, 1)", "x.chunk(True, 1)",
              "x.chunk(2, dim=2)", "x.chunk(chunks=2, dim=2)", "torch.chunk(x, 2, 1)",
              "torch.chunk(x, 3, dim=-1)", "x.unbind(1)", "x.unbind()", "x.unbind(-1)",
              "x.unbind(4)", "torch.unbind(x, 1)", "x.unbind(dim=2)", "x.tensor_split(2, 1)",
              "x.chunk(2, 1)[0]", "x.chunk(2, 1)[1]", "x.split(2, 1)[-1]", "x.unbind(1)[2]"]:
        expr(g, e, s4)
    g = "cat"
    y = "x.narrow(1, 0, 2)"
    for e in ["torch.cat([x, x], 1)", "torch.cat((x, x), dim=1)", "torch.cat([x, x])",
              "torch.cat([x, x], -1)", "torch.cat([x, x], 4)", "torch.cat([x, x], -5)",
              "torch.cat([x], 1)", "torch.cat([x, x, x], 2)", f"torch.cat([x, {y}], 1)",
              f"torch.cat([x, {y}], 2)", f"torch.cat([x, {y}], 0)", "torch.cat(x, 1)",
              "torch.cat([], 1)", "torch.cat([x, x], 1.0)", "torch.cat([x, x], True)",
              "torch.cat([x, x], dim=None)", "torch.cat(tensors=[x, x], dim=1)",
              "torch.cat([x, x[0]], 0)", "torch.cat([x, x.flatten()], 0)",
              "torch.cat([x, torch.zeros(0)], 1)", "torch.cat([x, x], axis=1)",
              "torch.concat([x, x], 1)", "torch.concatenate([x, x], 1)", "torch.cat([x, x], -1)"]:
        expr(g, e, s4)
    g = "stack"
    for e in ["torch.stack([x, x])", "torch.stack([x, x], 1)", "torch.stack((x, x), dim=4)",
              "torch.stack([x, x], -1)", "torch.stack([x, x], -5)", "torch.stack([x, x], 5)",
              "torch.stack([x, x], -6)", "torch.stack([x])", f"torch.stack([x, {y}])",
              "torch.stack(x)", "torch.stack([], 0)", "torch.stack([x, x], 1.0)",
              "torch.stack([x, x], True)", "torch.stack(tensors=[x, x], dim=2)",
              "torch.stack([x, x], axis=1)", "torch.hstack([x, x])", "torch.vstack([x, x])"]:
        expr(g, e, s4)
    g = "flip_roll"
    for e in ["x.flip(1)", "x.flip((1, 2))", "x.flip([1])", "x.flip(1, 2)", "x.flip(4)",
              "x.flip(-1)", "x.flip(1, 1)", "x.flip(())", "x.flip()", "x.flip(dims=(1,))",
              "torch.flip(x, [2, 3])", "torch.flip(x, 1)", "torch.flip(x, (1, 2))",
              "torch.flip(x, 1, 2)", "x.flip(1.0)", "x.roll(1)", "x.roll(1, 2)", "x.roll(1, 4)",
              "x.roll((1, 2), (1, 2))", "x.roll((1, 2), 1)", "x.roll(1, (1, 2))",
              "torch.roll(x, shifts=(-2, -2), dims=(1, 2))", "x.roll(-7, -1)",
              "x.roll(shifts=1, dims=1)", "x.roll(1.0, 1)", "x.roll((), ())",
              "x.roll([1, 2], [2, 3])", "x.fliplr()", "x.flipud()", "torch.rot90(x, 1, (2, 3))"]:
        expr(g, e, s4)
    g = "sort_topk"
    for e in ["x.topk(2)", "x.topk(2, 1)", "x.topk(3, 1)", "x.topk(4, 1)", "x.topk(0, 1)",
              "x.topk(-1, 1)", "x.topk(2, dim=-1)", "x.topk(2, 4)", "x.topk(2.0)", "x.topk(True)",
              "x.topk(2, 1, False)", "x.topk(2, 1, True, False)", "x.topk(k=2, dim=2)",
              "x.topk(2, 1).values", "x.topk(2, 1)[1]", "torch.topk(x, 2)", "x.topk(7)",
              "x.sort()", "x.sort(1)", "x.sort(1, True)", "x.sort(dim=-1, descending=True)",
              "x.sort(4)", "x.sort(1.0)", "x.sort(stable=True)", "x.sort(1, True, True)",
              "x.sort(1).indices", "x.argsort()", "x.argsort(1)", "x.argsort(1, True)",
              "x.argsort(dim=2)", "x.argsort(5)", "torch.sort(x, 2)[0]",
              "torch.argsort(x, dim=0)", "x.msort()"]:
        expr(g, e, s4)
    g = "cumulative"
    for e in ["x.cumsum(1)", "x.cumsum(-1)", "x.cumsum(4)", "x.cumsum()", "x.cumsum(1.0)",
              "x.cumsum(True)", "x.cumsum(dim=2)", "x.cumsum(axis=2)", "x.cumprod(1)",
              "torch.cumsum(x, 1)", "torch.cumsum(x, dim=-1)", "x.cumsum(1, dtype=torch.float64)",
              "x.cumsum(1, torch.float64)", "torch.cumprod(x, 0)", "x.cumsum(None)"]:
        expr(g, e, s4)
    g = "repeat_interleave"
    for e in ["x.repeat_interleave(2)", "x.repeat_interleave(2, 1)", "x.repeat_interleave(2, -1)",
              "x.repeat_interleave(2, dim=4)", "x.repeat_interleave(0, 1)",
              "x.repeat_interleave(2, 1, output_size=6)",
              "x.repeat_interleave(2, 1, output_size=5)",
              "x.repeat_interleave(2.0, 1)", "x.repeat_interleave(True, 1)",
              "torch.repeat_interleave(x, 2, 1)", "x.repeat_interleave(repeats=3, dim=2)",
              "x.repeat_interleave(-1, 1)"]:
        expr(g, e, s4)
    g = "triangle"
    for e in ["x.tril()", "x.triu()", "x.tril(1)", "x.triu(-1)", "x.tril(diagonal=2)",
              "torch.triu(x, 1)", "torch.tril(x, -10)", "x.tril(1.0)", "x.triu(True)"]:
        expr(g, e, s4)
        expr(g, e, (5,))
    g = "Tensor.unfold"
    for e in ["x.unfold(2, 2, 1)", "x.unfold(3, 2, 2)", "x.unfold(3, 6, 1)", "x.unfold(3, 7, 1)",
              "x.unfold(3, 0, 1)", "x.unfold(3, 2, 0)", "x.unfold(-1, 3, 3)", "x.unfold(4, 1, 1)",
              "x.unfold(1, 3, 5)", "x.unfold(3, 2.0, 1)", "x.unfold(True, 2, 1)",
              "x.unfold(dimension=2, size=2, step=1)", "x.unfold(2, 2)"]:
        expr(g, e, s4)
    expr(g, "x.unfold(0, 1, 1)", ())


# --- reductions -----------------------------------------------------------------------------

RDIMS = ["", "0", "1", "3", "-1", "-4", "4", "-5", "(1, 2)", "[1, 2]", "(1, -3)", "(1, 1)", "()",
         "[]", "(-1,)", "(1, 4)", "None", "True", "1.0", "(1.0,)", "(True, 2)"]


def gen_reduce():
    s4 = (2, 3, 4, 6)
    for f in ["sum", "mean", "amax", "amin", "argmax", "argmin", "std", "var", "logsumexp",
              "prod", "norm", "max", "min"]:
        g = f
        for d in RDIMS:
            if d == "":
                expr(g, f"x.{f}()", s4)
                expr(g, f"torch.{f}(x)", s4)
                continue
            if f == "norm":
                expr(g, f"x.norm(2, {d})", s4)
                expr(g, f"x.norm(dim={d})", s4)
                expr(g, f"torch.norm(x, p=2, dim={d}, keepdim=True)", s4)
                continue
            expr(g, f"x.{f}({d})", s4)
            expr(g, f"x.{f}(dim={d})", s4)
            expr(g, f"torch.{f}(x, {d})", s4)
            expr(g, f"x.{f}({d}, keepdim=True)", s4)
        for k in ["True", "False", "1", "0", "None", "1.0"]:
            if f == "norm":
                expr(g, f"x.norm(2, 1, {k})", s4)
                continue
            expr(g, f"x.{f}(1, {k})", s4)
            expr(g, f"x.{f}(1, keepdim={k})", s4)
            expr(g, f"torch.{f}(x, dim=-1, keepdim={k})", s4)
        expr(g, f"x.{f}(axis=1)", s4)
        expr(g, f"x.{f}(1, True, True)", s4)
        for sh in [(), (5,)]:
            expr(g, f"x.{f}()", sh)
            expr(g, f"x.{f}(0)", sh)
            expr(g, f"x.{f}(-1, keepdim=True)", sh)
            expr(g, f"x.{f}(1)", sh)
    for e in ["x.std(1, True)", "x.std(1, False)", "x.std(1, True, True)",
              "x.std(1, unbiased=False)",
              "x.std(unbiased=False)", "x.std(False)", "x.std(True)", "x.std(1, correction=0)",
              "x.std(dim=(2, 3), correction=0)", "x.var(1, 0)", "x.var(1, correction=2)",
              "x.var(1, unbiased=True, keepdim=True)", "torch.var(x, 1, True, True)",
              "torch.std(x, dim=-1, unbiased=False)", "torch.var_mean(x, 1)",
              "torch.std_mean(x, dim=[1, 2], keepdim=True)", "torch.var_mean(x, 1)[0]",
              "x.max(1).values", "x.max(1)[1]", "x.max(1).indices", "x.max(dim=1, keepdim=True)[0]",
              "torch.max(x, 1)[0]", "torch.max(x, x)", "torch.max(x, -1, True)[0]",
              "x.min(-1)[0]", "x.mean(1, dtype=torch.float64)",
              "x.mean(1, True, dtype=torch.float64)",
              "x.sum(1, dtype=torch.int64)", "x.sum(dtype=torch.float64)", "x.norm()",
              "x.norm(p='fro')", "x.norm(p=float('inf'))", "x.norm(1)", "x.norm(p=2, dim=1)",
              "x.norm(2, -1, True)", "torch.norm(x, 2, -1, keepdim=True)", "x.norm(dim=(1, 2))",
              "x.norm(dim=1, p='fro')", "x.norm(dim=(1, 2), p='fro')",
              "x.norm(p='nuc', dim=(1, 2))",
              "F.normalize(x)", "F.normalize(x, dim=-1)", "F.normalize(x, 2, 1)",
              "F.normalize(x, p=1.0, dim=4)", "x.logsumexp(1, True)", "x.logsumexp(dim=(1, 2))",
              "torch.logsumexp(x, dim=-1, keepdim=True)", "x.prod(1, True)",
              "x.prod(dim=1, keepdim=True)", "x.amax(dim=(2, 3), keepdim=True)",
              "x.argmax(dim=None, keepdim=True)", "x.argmax(1, True)", "x.count_nonzero(1)",
              "x.all(1)", "x.any(-1)", "x.nansum(1)", "x.median(1)[0]"]:
        expr("reduce_forms", e, s4)


# --- padding, resampling, pixel shuffle, sliding blocks --------------------------------------

def gen_pad():
    g = "pad"
    for sh in [(2, 3, 9), (2, 3, 9, 8), (2, 3, 5, 6, 7), (9, 8), (3, 9, 8)]:
        for p in ["(1, 1)", "[1, 1]", "(1, 2, 3, 4)", "(1, 1, 1, 1, 1, 1)",
                  "(1, 1, 1, 1, 1, 1, 1, 1)",
                  "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)", "(1,)", "(1, 2, 3)", "(-1, -1)", "(-4, -5)",
                  "(0, 0)", "(0, -9)", "()", "1", "(1.0, 1)", "(True, 1)", "(8, 8)", "(9, 0)"]:
            for mode in ["", ", mode='constant'", ", value=2.0", ", mode='reflect'",
                         ", mode='replicate'", ", mode='circular'", ", 'reflect'",
                         ", mode='bogus'", ", mode='constant', value=1",
                         ", mode='reflect', value=1"]:
                # Keep the grid to every mode on (1, 1) and (1, 2, 3, 4), the rest with few.
                if p not in ("(1, 1)", "(1, 2, 3, 4)", "(1, 1, 1, 1, 1, 1)") and \
                        mode not in ("", ", mode='reflect'", ", mode='circular'"):
                    continue
                expr(g, f"F.pad(x, {p}{mode})", sh)
    for e in ["F.pad(x, pad=(1, 1))", "F.pad(input=x, pad=(1, 1))",
              "F.pad(x, (1, 1), 'constant', 0)",
              "F.pad(x, (1, 1), value=None)", "F.pad(x, (x.size(-1), 0))",
              "torch.nn.functional.pad(x, (1, 1))", "F.pad(x, torch.Size([1, 1]))"]:
        expr(g, e, (2, 3, 9, 8))
    for m, pads in [("ZeroPad2d", ["1", "(1, 0, 2, 0)", "[1, 1, 1, 1]", "(1, 1)", "-1",
                                   "(1, 1, 1)", "1.0", "True", "(-1, 0, 0, 0)"]),
                    ("ConstantPad2d", ["1, 0.5", "(1, 0, 2, 0), 1", "1", "(1, 1), 0.0"]),
                    ("ConstantPad1d", ["1, 0.0", "(1, 2), 0.0"]),
                    ("ConstantPad3d", ["1, 0.0"]), ("ZeroPad1d", ["1"]), ("ZeroPad3d", ["1"])]:
        for p in pads:
            for sh in [(2, 3, 9), (2, 3, 9, 8), (3, 9, 8), (2, 3, 5, 6, 7)]:
                layer(m, f"nn.{m}({p})", sh)


def gen_interpolate():
    g = "interpolate"
    base = {1: (2, 3, 8), 2: (2, 3, 8, 6), 3: (2, 3, 4, 6, 8)}
    for n, sh in base.items():
        sizes = ["4", "10", tup(range(3, 3 + n)), lst(range(3, 3 + n)), tup([4] * (n + 1)),
                 "0", "-1", "4.0", "True", "(4.0,)" if n == 1 else tup(["4.0"] + [4] * (n - 1)),
                 tup(["None"] + [4] * (n - 1)) if n > 1 else "(None,)"]
        scales = ["2", "2.0", "0.5", "1.5", "0.75", "2.5", tup([2] * n), lst([0.5] * n),
                  tup([2] * (n + 1)), "0", "-1.0", "True", "None", tup(["2.0"] + ["0.5"] * (n - 1))]
        modes = ["'nearest'", "'linear'", "'bilinear'", "'bicubic'", "'trilinear'", "'area'",
                 "'nearest-exact'", "'bogus'"]
        for s in sizes:
            expr(g, f"F.interpolate(x, size={s})", sh)
            expr(g, f"F.interpolate(x, {s})", sh)
        for s in scales:
            expr(g, f"F.interpolate(x, scale_factor={s})", sh)
            expr(g, f"F.interpolate(x, None, {s})", sh)
            expr(g, f"F.interpolate(x, scale_factor={s}, recompute_scale_factor=True)", sh)
        for m in modes:
            expr(g, f"F.interpolate(x, scale_factor=2, mode={m})", sh)
            expr(g, f"F.interpolate(x, size=5, mode={m})", sh)
            for ac in ["True", "False"]:
                expr(g, f"F.interpolate(x, scale_factor=2, mode={m}, align_corners={ac})", sh)
            expr(g, f"F.interpolate(x, scale_factor=0.5, mode={m}, antialias=True)", sh)
        expr(g, "F.interpolate(x)", sh)
        expr(g, "F.interpolate(x, size=4, scale_factor=2)", sh)
        expr(g, "F.interpolate(x, size=4, recompute_scale_factor=True)", sh)
        expr(g, "F.interpolate(x, size=4, recompute_scale_factor=False)", sh)
        expr(g, "F.interpolate(x, scale_factor=2, recompute_scale_factor=False)", sh)
        expr(g, "F.interpolate(x, 4, None, 'nearest', None)", sh)
        expr(g, "F.interpolate(x, x.shape[2:])", sh)
        expr(g, "F.interpolate(x, size=x.shape[-1])", sh)
        expr(g, "F.upsample(x, scale_factor=2)", sh)
        expr(g, "F.upsample_nearest(x, scale_factor=2)", sh)
        expr(g, "F.upsample_bilinear(x, scale_factor=2)", sh)
        for args in ["scale_factor=2", "scale_factor=2, mode='bilinear'", "size=5",
                     "scale_factor=2, mode='bilinear', align_corners=True",
                     "scale_factor=2, mode='nearest', align_corners=True",
                     "scale_factor=0.5, mode='trilinear'", "size=(5, 5)", "5", "None, 2",
                     "", "scale_factor=1.5, mode='linear'", "mode='bicubic', scale_factor=2"]:
            layer("Upsample", f"nn.Upsample({args})", sh)
        for m in ["UpsamplingNearest2d", "UpsamplingBilinear2d"]:
            for args in ["scale_factor=2", "size=5", "2", "None, 2", "(5, 4)", "scale_factor=0.5",
                         ""]:
                layer(m, f"nn.{m}({args})", sh)
    expr(g, "F.interpolate(x, scale_factor=2)", (2, 3))
    expr(g, "F.interpolate(x, scale_factor=2)", (2, 3, 4, 4, 4, 4))


def gen_pixel_shuffle():
    g = "pixel_shuffle"
    for sh in [(2, 4, 3, 5), (2, 3, 4, 6), (4, 3, 5), (2, 8, 4, 4), (2, 4, 4, 4), (1, 2, 4, 4, 6),
               (4, 6), (2, 16, 2, 2)]:
        for f in ["2", "1", "0", "-1", "2.0", "True", "3", "4"]:
            expr(g, f"F.pixel_shuffle(x, {f})", sh)
            expr(g, f"F.pixel_unshuffle(x, {f})", sh)
        layer("PixelShuffle", "nn.PixelShuffle(2)", sh)
        layer("PixelUnshuffle", "nn.PixelUnshuffle(2)", sh)
    for e in ["F.pixel_shuffle(x, upscale_factor=2)", "F.pixel_unshuffle(x, downscale_factor=2)",
              "torch.pixel_shuffle(x, 2)", "x.pixel_shuffle(2)", "F.pixel_shuffle(x)",
              "F.pixel_shuffle(x, (2, 2))"]:
        expr(g, e, (2, 4, 4, 4))
    for a in ["upscale_factor=2", "(2,)", "2.0", "True"]:
        layer("PixelShuffle", f"nn.PixelShuffle({a})", (2, 4, 4, 4))


def gen_channel_shuffle():
    g = "channel_shuffle"
    for sh in [(2, 8, 3, 3), (2, 6, 4), (2, 8), (8,), (1, 4, 2, 2, 2), (3, 9, 2, 2), (2, 0, 3)]:
        for grp in ["2", "3", "1", "0", "-2", "2.0", "True", "16"]:
            expr(g, f"F.channel_shuffle(x, {grp})", sh)
        layer("ChannelShuffle", "nn.ChannelShuffle(2)", sh)
        layer("Softmax2d", "nn.Softmax2d()", sh)
    for e in ["torch.channel_shuffle(x, groups=2)", "F.channel_shuffle(x)", "x.channel_shuffle(2)",
              "F.channel_shuffle(input=x, groups=4)"]:
        expr(g, e, (2, 8, 3, 3))
    for a in ["groups=4", "8", "3", "True"]:
        layer("ChannelShuffle", f"nn.ChannelShuffle({a})", (2, 8, 3, 3))
    layer("Softmax2d", "nn.Softmax2d(1)", (2, 8, 3, 3))


def gen_unfold():
    g = "unfold"
    for sh in [(2, 3, 9, 8), (3, 9, 8), (2, 3, 9), (2, 3, 4, 5, 6)]:
        for args in ["3", "(2, 3)", "[2, 3]", "2, stride=2", "3, padding=1", "3, dilation=2",
                     "(2, 3), 1, 0, 2", "3, 1, 1, 1", "kernel_size=2, stride=(2, 1)", "10",
                     "(3,)", "(2, 2, 2)", "0", "3, stride=0", "3, padding=-1", "3.0", "True",
                     "(9, 8)", "5, dilation=2"]:
            expr(g, f"F.unfold(x, {args})", sh)
            layer("Unfold", f"nn.Unfold({args})", sh)
    g = "fold"
    for sh, args in [((2, 12, 9), "(4, 4), 2"), ((2, 12, 9), "(4, 4), (2, 2)"),
                     ((2, 12, 9), "(4, 4), 2, stride=1"), ((2, 12, 4), "(4, 4), 2, stride=2"),
                     ((2, 12, 9), "4, 2"), ((2, 12, 9), "[4, 4], [2, 2]"),
                     ((2, 12, 10), "(4, 4), 2"), ((2, 13, 9), "(4, 4), 2"),
                     ((12, 9), "(4, 4), 2"), ((2, 27, 16), "(6, 6), 3, padding=1, stride=2"),
                     ((2, 27, 16), "(6, 6), 3, 1, 1, 2"), ((2, 12, 9), "(4, 4), 2, 2"),
                     ((2, 12, 1), "(4, 4), 2, dilation=3"), ((2, 12, 9),
                     "output_size=(4, 4), kernel_size=2"),
                     ((2, 12, 9), "(4,), 2"), ((2, 12, 9), "(4, 4), 0"), ((2, 3, 12, 9),
                     "(4, 4), 2"),
                     ((2, 12, 9), "(4, 4.0), 2"), ((2, 12, 9), "(4, 4), 2, stride=0")]:
        expr(g, f"F.fold(x, {args})", sh)
        layer("Fold", f"nn.Fold({args})", sh)


# --- recurrent, attention (constructor arguments only) ---------------------------------------

def gen_recurrent():
    for m in ["RNN", "LSTM", "GRU"]:
        for args in ["8, 4", "8, 4, 2", "8, 4, num_layers=2, bidirectional=True",
                     "8, 4, batch_first=True",
                     "8, 4, bias=False", "7, 4", "8, 4, 0", "8, 0", "8, 4, proj_size=2",
                     "8, 4, dropout=0.5", "8.0, 4", "8, 4, 1, True, True, 0.0, True",
                     "input_size=8, hidden_size=4"]:
            for sh in [(5, 2, 8), (5, 8)]:
                layer(m, f"nn.{m}({args})", sh, fwd="self.l(x)[0]")
    for m in ["RNNCell", "LSTMCell", "GRUCell"]:
        for args in ["8, 4", "8, 4, False", "7, 4", "8, 4.0"]:
            for sh in [(2, 8), (8,)]:
                fwd = "self.l(x)[0]" if m == "LSTMCell" else "self.l(x)"
                layer(m, f"nn.{m}({args})", sh, fwd=fwd)
    for args in ["8, 2", "8, 3", "8, 2, batch_first=True", "8, 2, bias=False",
                 "8, 2, kdim=4, vdim=4",
                 "8, 2, add_bias_kv=True", "8, 1, 0.0, True, False, True", "8, 0"]:
        for sh in [(5, 2, 8), (5, 8)]:
            layer("MultiheadAttention", f"nn.MultiheadAttention({args})", sh,
                  fwd="self.l(x, x, x)[0]")


def gen_keywords():
    """The tensor itself and every argument by keyword, as PyTorch's parser names them."""
    g = "keywords"
    for e in ["torch.sum(input=x, dim=1)", "torch.mean(input=x, dim=(1, 2), keepdim=True)",
              "torch.amax(input=x, dim=-1)", "torch.argmax(input=x, dim=1, keepdim=True)",
              "torch.flatten(input=x, start_dim=1)",
              "torch.flatten(input=x, start_dim=1, end_dim=2)",
              "torch.transpose(input=x, dim0=1, dim1=2)", "torch.unsqueeze(input=x, dim=0)",
              "torch.squeeze(input=x)", "torch.narrow(input=x, dim=1, start=0, length=2)",
              "torch.select(input=x, dim=1, index=0)", "torch.permute(input=x, dims=(0, 2, 1, 3))",
              "torch.reshape(input=x, shape=(2, -1))", "torch.softmax(input=x, dim=1)",
              "F.softmax(input=x, dim=1)", "F.log_softmax(input=x, dim=-1)",
              "F.interpolate(input=x, scale_factor=2)", "F.max_pool2d(input=x, kernel_size=2)",
              "F.avg_pool2d(input=x, kernel_size=2, stride=1, padding=1)",
              "F.adaptive_avg_pool2d(input=x, output_size=1)", "F.relu(input=x)",
              "F.pixel_shuffle(input=x, upscale_factor=2)", "F.glu(input=x, dim=1)",
              "torch.chunk(input=x, chunks=2, dim=1)",
              "torch.split(tensor=x, split_size_or_sections=2, dim=1)",
              "torch.cat(tensors=(x, x), dim=-1)", "torch.stack(tensors=[x, x], dim=0)",
              "torch.roll(input=x, shifts=1, dims=1)", "torch.flip(input=x, dims=(1,))",
              "torch.cumsum(input=x, dim=1)", "torch.topk(input=x, k=2)",
              "torch.std(input=x, dim=1, unbiased=False)", "torch.logsumexp(input=x, dim=1)",
              "F.unfold(input=x, kernel_size=2)",
              "F.pad(input=x, pad=(1, 1), mode='constant', value=0.0)",
              "torch.tril(input=x, diagonal=1)", "x.transpose(dim0=1, dim1=2)",
              "x.narrow(dim=1, start=0, length=2)", "x.unsqueeze(dim=0)", "x.flatten(start_dim=1)",
              "x.squeeze(dim=1)", "x.sum(dim=1, keepdim=True)", "x.permute(dims=[0, 2, 1, 3])",
              "x.select(dim=1, index=0)", "x.split(split_size=2, dim=1)",
              "x.chunk(chunks=2, dim=1)",
              "x.repeat_interleave(repeats=2, dim=1)", "x.roll(shifts=1, dims=1)",
              "x.topk(k=2, dim=1, largest=False)", "x.sort(dim=1, descending=True)",
              "x.softmax(dim=1)", "x.cumsum(dim=1)", "x.std(dim=1, unbiased=False, keepdim=True)"]:
        expr(g, e, (2, 4, 4, 6))
    for ctor in ["nn.Conv2d(3, 4, 3, 1, 'same')", "nn.Conv2d(3, 4, 3, 1, 'valid')",
                 "nn.Conv2d(3, 4, 3, device='cpu')", "nn.Conv2d(3, 4, 3, dtype=torch.float32)",
                 "nn.Conv2d(3, 4, 3, device=None, dtype=None)", "nn.Conv2d(3, 4, 3, bogus=1)",
                 "nn.BatchNorm2d(3, device='cpu', dtype=torch.float32)",
                 "nn.MaxPool2d(2, 2, 0, 1, False, False)",
                 "nn.AvgPool2d(2, 2, 0, False, True, None)",
                 "nn.AvgPool2d(2, 2, 0, False, True, None, 1)"]:
        layer(g, ctor, (2, 3, 9, 8))
    for ctor in ["nn.Linear(8, 4, device='cpu')", "nn.Linear(8, 4, dtype=torch.float32)",
                 "nn.LayerNorm(8, device=None)", "nn.Linear(8, 4, True, None, None)",
                 "nn.Linear(8, 4, True, None, None, 1)"]:
        layer(g, ctor, (2, 8))


def gen_mixed_forms():
    """Random combinations where every argument takes any of its forms (fixed seed)."""
    rng = random.Random(34)

    def form(n, lo, hi):
        v = [rng.randint(lo, hi) for _ in range(n)]
        return rng.choice([str(v[0]), tup(v), lst(v), tup(v[:1]), "True", "False",
                           f"{float(v[0])}", lst(v + [1]) if rng.random() < 0.3 else tup(v)])

    for n in (1, 2, 3):
        shape = SPATIAL[n]
        for _ in range(40):
            kw = [("stride", form(n, 1, 3)), ("padding", form(n, 0, 2)),
                  ("dilation", form(n, 1, 2))]
            rng.shuffle(kw)
            layer(f"Conv{n}d", call(f"nn.Conv{n}d", [3, 4, form(n, 1, 4)], kw[:rng.randint(1, 3)]),
                  shape)
        for kind in ("Max", "Avg"):
            for _ in range(40):
                kw = [("stride", form(n, 1, 3)), ("padding", form(n, 0, 1)),
                      ("ceil_mode", rng.choice(["True", "False", "1", "0"]))]
                if kind == "Max":
                    kw.append(("dilation", form(n, 1, 2)))
                rng.shuffle(kw)
                k = form(n, 2, 4)
                kw = kw[:rng.randint(1, len(kw))]
                if rng.random() < 0.5:
                    layer(f"{kind}Pool{n}d", call(f"nn.{kind}Pool{n}d", [k], kw), shape)
                else:
                    expr(f"{kind}Pool{n}d", call(f"F.{kind.lower()}_pool{n}d", ["x", k], kw), shape)


def gen_setitem_gather():
    s4 = (2, 3, 4, 6)
    g = "setitem"
    for idx in ["0", "-1", "2", ":, 0", ":, 3", ":, 1:3", "..., 0", "..., 6", "None, 0", ":, ::2",
                ":, 3:1", ":, -10:10", "0, 0, 0, 0", "0, 0, 0, 0, 0", "..., None, -1", ":, ::0",
                ":, ::-1", "1:, :, 1:3", "...", "x > 0", "x[:, :, 0] > 0", "x[:, 0] > 0"]:
        for val in ["1.0", "2", "torch.ones(6)", "torch.ones(7)", "torch.ones(1, 1, 6)",
                    "torch.ones(2, 6)", "torch.ones(4, 1)", "torch.ones(1, 2, 1, 1, 1)",
                    "torch.zeros(3, 4, 6).long()", "[1.0, 2.0]"]:
            c = Case(g, [], "x", s4)
            c.pre.append(f"x[{idx}] = {val}")
            CASES.append(c)
    for val in ["2.7", "True", "torch.ones(6)"]:
        c = Case(g, [], "x", (2, 6), "long")
        c.pre.append(f"x[:, 0] = {val}")
        CASES.append(c)
    g = "gather"
    for ishape in [(2, 3, 4, 6), (2, 5, 4, 6), (1, 1, 1, 1), (3, 3, 4, 6), (2, 3, 4), (2, 3, 4, 7),
                   (2, 0, 4, 6), (2, 3, 4, 6, 1)]:
        i = f"torch.zeros({tup(ishape)}, dtype=torch.long)"
        for d in ["1", "-1", "0", "4", "-5", "1.0", "True"]:
            expr(g, f"torch.gather(x, {d}, {i})", s4)
        expr(g, f"x.gather(1, {i})", s4)
        expr(g, f"torch.gather(x, dim=1, index={i})", s4)
        expr(g, f"torch.gather(x, 1, {i}.int())", s4)
        expr(g, f"torch.gather(x, 1, {i}, sparse_grad=True)", s4)
    expr(g, "torch.gather(x, 0, torch.zeros((), dtype=torch.long))", ())
    expr(g, "torch.gather(x, 0, torch.zeros(1, dtype=torch.long))", ())
    g = "one_hot"
    for n in ["3", "1", "0", "-1", "-2", "2.0", "True", "num_classes=4"]:
        expr(g, f"F.one_hot(x, {n})", (2, 5), "long")
        expr(g, f"F.one_hot(x[:, :0], {n})", (2, 5), "long")
    for e in ["F.one_hot(x)", "F.one_hot(x.float(), 3)", "F.one_hot(x.int(), 3)",
              "F.one_hot(x, 3).float()", "F.one_hot(torch.arange(4), 3)",
              "F.one_hot(torch.arange(4))", "F.one_hot(torch.arange(4) + 1, 5)"]:
        expr(g, e, (2, 5), "long")


def gen_grad_writes():
    """In-place writes autograd refuses (into a trainable parameter or a view of one, into a piece
    of split, chunk or unbind of a tensor that needs a gradient) and those it lets happen."""
    g = "grad_writes"
    init = ["self.l = nn.Linear(6, 6)", "self.w = nn.Parameter(torch.ones(6))",
            "self.f = nn.Linear(6, 6).requires_grad_(False)"]
    targets = ["self.w", "self.l.weight", "self.l.bias", "self.w.view(2, 3)", "self.w[1:4]",
               "self.l.weight.t()", "self.w.detach()", "self.w.data", "self.w * 1", "self.l(x)",
               "self.l(x).chunk(2, 1)[0]", "self.l(x).split([2, 4], 1)[1]",
               "self.l(x).unbind(0)[1]", "x.chunk(2, 1)[0]", "(self.l(x) > 0).float().chunk(2, 1)[0]",
               "self.l(x).detach().chunk(3, 1)[2]", "self.l(x).long().chunk(2, 1)[0]",
               "self.l(x).view(2, 3, 2).unbind(2)[0]", "self.f(x).chunk(2, 1)[1]",
               "torch.chunk(self.l(x) * 2, 3, dim=1)[1]"]
    writes = ["t.mul_(2)", "t += 1", "t.relu_()", "t.clamp_(0, 1)", "t.zero_()", "t.fill_(0.5)",
              "F.relu(t, inplace=True)", "t.masked_fill_(t > 0, 1.0)", "t[...] = 1", "t[0] = 1",
              "t[t > 0] = 0", "torch.sigmoid_(t)", "F.dropout(t, 0.5, self.training, True)",
              "t[None] = 1", "t[:] = 1", "t[0, ...] = 1", "t[..., -1] = 1"]
    for target in targets:
        for write in writes:
            c = Case(g, init, "self.l(x)", (2, 6))
            c.autograd = True
            c.pre += [f"t = {target}", write]
            CASES.append(c)
    # the tensor a piece views written after the split, then the piece used (or not)
    for pieces in ["h.chunk(2, 1)", "h.split([2, 4], 1)", "h.unbind(0)", "torch.chunk(h, 3, 1)"]:
        for write in ["h.mul_(2)", "h += 1", "h[0] = 1", "F.relu(h, inplace=True)",
                      "h.data.mul_(2)", "h.detach().mul_(2)", "h.view(-1).add_(1)",
                      "p[1].clamp_(0, 1)"]:
            for use in ["p[0] + 1", "torch.cat([p[0], p[1]], 0)", "p[0]", "h * 1"]:
                c = Case(g, init, use, (2, 6))
                c.autograd = True
                c.pre += ["h = self.l(x)", f"p = {pieces}", write]
                CASES.append(c)


GENERATORS = [gen_conv, gen_conv_transpose, gen_conv_functional, gen_pool, gen_norm, gen_linear,
              gen_softmax, gen_reshape, gen_index, gen_reduce, gen_pad, gen_interpolate,
              gen_pixel_shuffle, gen_channel_shuffle, gen_unfold, gen_recurrent, gen_keywords, gen_mixed_forms,
              gen_setitem_gather, gen_grad_writes]

# Cases left out (Case.text()), each with why: PyTorch's own outcome depends on something other
# than the file (found by the UNSTABLE check).
EXCLUDED = {
    # F.max_pool1d of a window longer than the input: [2, 3, 0] from the 1-d kernel PyTorch runs
    # without autograd, "Output size is too small" from the 2-d one it runs for an input that
    # requires grad.
    "nn.MaxPool1d(10)  on [2, 3, 9]": "max_pool1d's kernel depends on autograd",
    "F.max_pool1d(x, 10)  on [2, 3, 9]": "max_pool1d's kernel depends on autograd",
    # An integer sum of a float input: an INTERNAL ASSERT with autograd on, a result without.
    "x.sum(1, dtype=torch.int64)  on [2, 3, 4, 6]": "an autograd assert",
}

# FALSE_ERROR cases netshape does not follow yet, each with why; it refuses them (exit 1) where
# PyTorch runs, never the other way round. A WRONG case is never listed here. A listed case
# that agrees (or fails otherwise) fails the sweep: take it out of the list.
KNOWN = {
    # InstanceNorm without affine weights or running stats never uses num_features
    **{f"nn.InstanceNorm{n}d({v})  on {shape}": "num_features checked though unused"
       for n, shape in ((1, "[2, 3, 9]"), (2, "[2, 3, 9, 8]"), (3, "[2, 3, 5, 6, 7]"))
       for v in ("3.0", "0")},
    # PyTorch's parser reads the list and ignores what follows it
    "x.view([2, -1], 3)  on [2, 3, 4, 6]": "a trailing argument after the size list",
    "x.reshape([2, -1], 3)  on [2, 3, 4, 6]": "a trailing argument after the size list",
    # a 0-dim tensor's matrix transposes are the tensor itself
    "x = x.sum(); x.mT  on [5]": "mT of a 0-dim tensor",
    "x = x.sum(); x.mH  on [5]": "mH of a 0-dim tensor",
    "x = x.sum(); x.H  on [5]": "H of a 0-dim tensor",
}


def all_cases():
    del CASES[:]
    for gen in GENERATORS:
        gen()
    seen, out = set(), []
    for c in CASES:
        key = (c.source(), c.shape, c.dtype)
        if key in seen or c.text() in EXCLUDED:
            continue
        seen.add(key)
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Running PyTorch and netshape.

def first_line(s):
    s = str(s).strip()
    return s.split("\n")[0] if s else ""


def run_torch(case, grad=False):
    """('ok', [shapes], params) or ('raise', message). With grad, autograd is on and the input
    requires grad."""
    import torch
    ns = {}
    try:
        torch.manual_seed(0)
        exec(compile(case.source(), "<case>", "exec"), ns)
        model = ns["M"]()
        model.eval()
        params = sum(p.numel() for p in model.parameters())
        dtype = torch.long if case.dtype == "long" else torch.float32
        x = torch.zeros(case.shape, dtype=dtype)
        if case.autograd:  # as a training step: autograd on, an input that needs no gradient
            out = model(x)
        elif grad:  # autograd on, a non-leaf input (in-place ops stay allowed)
            out = model(x.requires_grad_() * 1)
        else:
            with torch.no_grad():
                out = model(x)
    except Exception as e:  # PyTorch (or Python) raises: the model's error
        return ("raise", f"{type(e).__name__}: {first_line(e)}"[:160])
    outs = out if isinstance(out, (tuple, list)) else [out]
    shapes = []
    for o in outs:
        if not isinstance(o, torch.Tensor):
            return ("raise", f"(not a tensor: {type(o).__name__})")
        shapes.append(list(o.shape))
    return ("ok", shapes, params)


def run_netshape(binary, path, case):
    """('ok', [shapes], params), ('error', line), ('refused', line) or ('crash', text)."""
    spec = ",".join(map(str, case.shape)) if case.shape else ""
    if case.dtype != "float":
        spec += ":" + case.dtype
    cmd = [binary, "check", path, "--input", spec, "--format", "json"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return ("crash", "timed out after 30 s")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    errs = [ln for ln in lines if ": error:" in ln or ln.startswith("error:")]
    msg = (errs or lines or [""])[0].replace(path, "case.py")[:200]
    if r.returncode == 0:
        try:
            d = json.loads(r.stdout)
            return ("ok", [list(v) if v is not None else None for v in d["outputs"].values()],
                    d["totals"]["params"])
        except (ValueError, KeyError, TypeError) as e:
            return ("crash", f"exit 0 without the JSON expected ({e})")
    if r.returncode == 1:
        return ("error", msg)
    if r.returncode == 2:
        return ("refused", msg)
    return ("crash", f"exit {r.returncode}: {msg}")


def same_torch(a, b):
    """Whether two PyTorch outcomes give the same answer (any two errors are the same)."""
    return a[0] == b[0] and (a[0] == "raise" or a[1:] == b[1:])


def classify(t, n, t_grad, known=False):
    if t_grad is not None and not same_torch(t, t_grad):
        return "UNSTABLE"
    if n[0] == "crash":
        return "CRASH"
    if n[0] == "refused":
        return "STALE" if known else "REFUSED"
    if t[0] == "raise":
        return "STALE" if known else "AGREE" if n[0] == "error" else "WRONG"
    if n[0] == "error":
        return "KNOWN" if known else "FALSE_ERROR"
    if known:
        return "STALE"
    return "AGREE" if (t[1], t[2]) == (n[1], n[2]) else "WRONG"


def describe(outcome):
    if outcome[0] == "ok":
        shapes = " ".join("[" + ", ".join(map(str, s)) + "]" if s is not None else "?"
                          for s in outcome[1])
        return f"{shapes}, {outcome[2]} params"
    return f"{outcome[0]}: {outcome[1]}"


ORDER = ["CRASH", "WRONG", "FALSE_ERROR", "UNSTABLE", "STALE", "KNOWN", "REFUSED", "AGREE"]
# UNSTABLE (PyTorch's own answer changes when the input requires grad) is the sweep's fault: such a
# case must be taken out of the list (EXCLUDED). STALE: a KNOWN case that no longer is one.
FAILING = {"CRASH", "WRONG", "FALSE_ERROR", "UNSTABLE", "STALE"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--netshape", required=True)
    ap.add_argument("--workdir", help="write the case files here (kept); default a temporary one")
    ap.add_argument("--jobs", type=int, default=2, help="netshape processes at once")
    ap.add_argument("--only", help="run only the cases whose group or text contains this")
    ap.add_argument("--json", help="write every case's outcome to this file")
    a = ap.parse_args()

    import torch
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")

    cases = all_cases()
    if a.only:
        cases = [c for c in cases if a.only in c.group or a.only in c.text()]
    tmp = None
    workdir = a.workdir
    if not workdir:
        tmp = tempfile.TemporaryDirectory(prefix="argument_sweep.")
        workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)

    results = [None] * len(cases)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = {}
        for i, c in enumerate(cases):
            path = os.path.join(workdir, f"case{i:05d}.py")
            with open(path, "w") as f:
                f.write(c.source())
            futures[i] = pool.submit(run_netshape, a.netshape, path, c)
            # PyTorch in this thread while netshape runs; a second time with autograd on and an
            # input that requires grad, where PyTorch may pick another kernel (F.max_pool1d does).
            stable = c.dtype == "float" and not c.autograd
            results[i] = (run_torch(c), run_torch(c, grad=True) if stable else None)
        nres = {i: fut.result() for i, fut in futures.items()}

    counts = {k: 0 for k in ORDER}
    report = []
    for i, c in enumerate(cases):
        (t, t_grad), n = results[i], nres[i]
        cls = classify(t, n, t_grad, c.text() in KNOWN)
        counts[cls] += 1
        torch_text = describe(t)
        if cls == "UNSTABLE":
            torch_text += f"; with an input that requires grad: {describe(t_grad)}"
        report.append({"id": i, "group": c.group, "case": c.text(), "class": cls,
                       "torch": torch_text, "netshape": describe(n)})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    for cls in ORDER[:-1]:
        rows = [r for r in report if r["class"] == cls]
        if not rows:
            continue
        print(f"== {cls} ({len(rows)})")
        for r in rows:
            print(f"{cls:11} #{r['id']} [{r['group']}] {r['case']}\n"
                  f"    PyTorch  {r['torch']}\n    netshape {r['netshape']}")
    print("argument sweep: " + ", ".join(f"{counts[k]} {k}" for k in ORDER) +
          f" of {len(cases)} cases")
    if tmp:
        tmp.cleanup()
    return 1 if any(counts[k] for k in FAILING) else 0


if __name__ == "__main__":
    sys.exit(main())
