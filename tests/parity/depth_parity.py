#!/usr/bin/python3
"""`netshape check --depth` against PyTorch, module by module, on every model of tests/py_models.

For each (file, --model, input) of tests/py_models/gen_golden.py, PyTorch builds the model and
runs a forward on zeros with a hook on every module of named_modules(); netshape prints its table
by module with every module shown (`--depth 100 --format json`). Then:
- the rows that are named modules are exactly the modules PyTorch called, by named_modules() name,
  each with its class, and the modules forward never applies (rows without layers or output);
- each has sum(p.numel() for p in module.parameters()), the output shape of its last call (when
  that call returned one tensor), and the MACs of the Conv/ConvTranspose/Linear calls and of the
  matrix products (`@`, matmul, bmm, nn.MultiheadAttention's F.linear projections, a recurrent layer's or cell's products with its weights and F.affine_grid's bmm) made while its forward runs (the counting rules of docs/counting.md; a layer registered twice, as TCN's
  `self.conv1` inside `self.net`, counts in the module that called it);
- the model's row is the model (its class, its output) and the layers add up to the totals.
Exit 1 on any difference.

Usage: depth_parity.py NETSHAPE_BINARY
"""
import contextlib
import importlib.util
import io
import json
import math
import os
import subprocess
import sys

import torch

sys.dont_write_bytecode = True  # importing the corpus leaves no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
PY_MODELS = os.path.join(HERE, "..", "py_models")
sys.path.insert(0, PY_MODELS)
import gen_golden  # noqa: E402  (the corpus and its loader)


def layer_macs(mod, inp, out):
    if isinstance(mod, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
        return out.numel() * (mod.in_channels // mod.groups) * math.prod(mod.kernel_size)
    if isinstance(mod, (torch.nn.ConvTranspose1d, torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d)):
        return inp[0].numel() * (mod.out_channels // mod.groups) * math.prod(mod.kernel_size)
    if isinstance(mod, torch.nn.Linear):
        return out.numel() // mod.out_features * mod.in_features * mod.out_features
    if isinstance(mod, torch.nn.RNNBase):  # its products run inside one _VF call
        return ns_golden.count_recurrent_macs(mod, list(inp[0].shape))
    if isinstance(mod, torch.nn.RNNCellBase):  # x by weight_ih and h by weight_hh, per sample
        batch = inp[0].shape[0] if inp[0].dim() == 2 else 1
        rows, features = mod.weight_ih.shape
        return batch * rows * (features + mod.weight_hh.shape[1])
    return 0


def layer_macs_counts(mod):
    """Whether layer_macs counts this module's products (its own F.conv2d / F.linear calls)."""
    return isinstance(mod, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Linear))


def torch_modules(file, selector, shape):
    module = gen_golden.load(os.path.join(PY_MODELS, file))
    model = getattr(module, selector)() if selector else module.model
    model.eval()
    # In eval mode PyTorch runs a batch-first nn.TransformerEncoderLayer as one fused kernel, and
    # its submodules' hooks never fire; in training mode it calls them, as netshape shows them
    # (dropout changes values only).
    for m in model.modules():
        if isinstance(m, (torch.nn.TransformerEncoderLayer, torch.nn.TransformerDecoderLayer)):
            m.train()
    seen = {}  # name -> [class, params, last output shape, MACs]
    called = set()
    running = []  # the modules whose forward is running, outermost first
    for name, m in model.named_modules():
        seen[name] = [type(m).__name__, sum(p.numel() for p in m.parameters()), None, 0]

        def enter(mod, inp, name=name):
            called.add(name)
            running.append(name)

        def leave(mod, inp, out, name=name):
            running.pop()
            seen[name][2] = list(out.shape) if torch.is_tensor(out) else None
            macs = layer_macs(mod, inp, out)
            if macs:  # counts in the module and in every module whose forward called it
                for caller in set(running + [name]):
                    seen[caller][3] += macs

        m.register_forward_pre_hook(enter)
        m.register_forward_hook(leave)
    layers = {name for name, m in model.named_modules() if layer_macs_counts(m)}
    with torch.no_grad(), MatmulMacs(seen, running, layers):
        model(gen_golden.example_input(file, shape))
    return seen, called


def attention_macs(query, key, value, embed_dim, num_heads, in_proj_weight, in_proj_bias, bias_k,
                   bias_v, add_zero_attn, *rest):
    """The projections in, q k^T and the weighted sum over S' keys, out_proj (query [L, N, E] or
    [L, E]; key [S, N, kdim], value [S, N, vdim])."""
    batch = query.shape[1] if query.dim() == 3 else 1
    length, src = query.shape[0], key.shape[0]
    attended = src + (bias_k is not None) + bool(add_zero_attn)
    e = embed_dim
    return batch * (length * e * e + src * key.shape[-1] * e + src * value.shape[-1] * e
                    + 2 * length * attended * e + length * e * e)


def load_ns_golden():
    """tests/golden/gen_golden.py (the .ns models' golden data), whose run_einsum traces the
    aten::bmm calls of torch.einsum; loaded under its own name, as the corpus's loader is
    `gen_golden` here."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                        "gen_golden.py")
    spec = importlib.util.spec_from_file_location("ns_gen_golden", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ns_golden = load_ns_golden()


class MatmulMacs(torch.overrides.TorchFunctionMode):
    """Credits the MACs of `a @ b`, torch.matmul and torch.bmm (prod(out) * k, docs/counting.md)
    to every module whose forward is running: they are functional, so no module hook sees them."""

    def __init__(self, seen, running, layers):
        super().__init__()
        self.seen, self.running, self.layers = seen, running, layers

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        names = {torch.matmul, torch.bmm, torch.Tensor.matmul, torch.Tensor.bmm,
                 torch.Tensor.__matmul__}
        macs = 0
        if func in names and torch.is_tensor(out):
            macs = out.numel() * args[0].shape[-1]
        # nn.MultiheadAttention calls F.multi_head_attention_forward, whose own products (run
        # inside this call, where the mode is off) count by docs/counting.md's rule.
        elif func is torch.nn.functional.multi_head_attention_forward:
            macs = attention_macs(*args)
        # F.affine_grid: its base grid [N, points, k + 1] by theta transposed, a bmm of k columns.
        elif func is torch.nn.functional.affine_grid:
            macs = out.numel() // out.shape[-1] * (out.shape[-1] + 1) * out.shape[-1]
        # torch.einsum: the products of the aten::bmm calls it makes (run again, traced).
        elif func is torch.einsum:
            macs = ns_golden.run_einsum(args[0], args[1:])[1]
        # F.conv1d/2d/3d and F.linear with tensors of the model (a layer's own call is its hook's):
        # each output a dot product over the weight's rest, (C_in/groups) * prod(k) or in_features
        elif func in (torch.conv1d, torch.conv2d, torch.conv3d, torch.nn.functional.linear) and \
                not (self.running and self.running[-1] in self.layers):
            weight = args[1] if len(args) > 1 else kwargs["weight"]
            macs = out.numel() * (weight.numel() // weight.shape[0])
        for caller in set(self.running) if macs else ():
            self.seen[caller][3] += macs
        return out


def main():
    binary = sys.argv[1]
    failures = 0
    for file, selector, shape in gen_golden.MODELS:
        label = f"{file} {selector or ''}".strip()
        cmd = [binary, "check", os.path.join(PY_MODELS, file), "--input", ",".join(map(str, shape)),
               "--depth", "100", "--format", "json"]
        if selector:
            cmd += ["--model", selector]
        report = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout)
        rows = report["modules"]["rows"]
        with contextlib.redirect_stdout(io.StringIO()):  # some model files print
            seen, called = torch_modules(file, selector, shape)
        want = {name: v for name, v in seen.items() if name in called}
        problems = []
        got = {r["name"]: r for r in rows if r["named_module"]}
        # A module forward never applies (an auxiliary head in eval mode): a row without layers or
        # output, with its parameters, as model.parameters() counts them.
        for name in set(got) - set(want):
            r = got[name]
            if name in seen and r["layers"] == 0 and r["output_shape"] is None:
                want[name] = [seen[name][0], seen[name][1], None, 0]
        if set(got) != set(want):
            problems.append(f"modules: netshape has {sorted(set(got) - set(want))} more, "
                            f"PyTorch {sorted(set(want) - set(got))} more")
        for name in sorted(set(got) & set(want)):
            r, (cls, params, out, macs) = got[name], want[name]
            mine = [r["class"], r["params"], r["output_shape"], r["macs"]]
            if out is None:  # a call returning several tensors: netshape shows the last layer's
                mine[2] = None
            if mine != [cls, params, out, macs]:
                problems.append(f"{name or '(model)'}: netshape {mine}, PyTorch {[cls, params, out, macs]}")
        if rows[0]["params"] != report["totals"]["params"] or rows[0]["macs"] != report["totals"]["macs"]:
            problems.append("the model's row is not the totals")
        if problems:
            failures += 1
            print(f"depth parity: {label}: FAILED")
            for p in problems:
                print("  " + p)
        else:
            print(f"depth parity: {label}: {len(got)} modules equal PyTorch's")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
