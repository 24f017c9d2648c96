#!/usr/bin/env python3
"""PyTorch's truth for every models/*.ns file.

A small interpreter for the .ns model language (docs: /work/shared/contract.md, section 1) that is
independent of netshape: each statement is mapped to the real torch.nn module or torch function,
run forward on a zero tensor of the declared input shape (a symbolic batch becomes 1), and the
result recorded per layer: output shape, params (sum of p.numel() over module.parameters()),
trainable params, and MACs per the contract's counting rule (computed from the module's attributes
and the real input/output shapes). Error models record the exception type, message and the index of
the failing statement.

Usage: gen_golden.py [--models DIR] [--out DIR] [FILE.ns ...]
Writes <out>/<model>.torch.json (default out: this directory, default models: <repo>/models).
"""
import argparse
import ast
import inspect
import json
import math
import os
import re
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


class NsSyntaxError(Exception):
    pass


class TensorRef:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class Infer:
    def __repr__(self):
        return "?"


INFER = Infer()
PREFIXES = ("torch.nn.functional.", "torch.nn.", "nn.functional.", "torch.", "nn.", "F.")


# ---------------------------------------------------------------- lexing: logical lines
def strip_comment(line):
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#":
            return line[:i]
    return line


def bracket_delta(text):
    depth, quote = 0, None
    for c in text:
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
    return depth


def logical_lines(text):
    """(line number of the first physical line, joined text) for every non-empty statement."""
    out, buf, start, depth = [], "", 0, 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = strip_comment(raw).strip()
        if not line and depth == 0:
            continue
        if depth == 0:
            buf, start = line, no
        else:
            buf += " " + line
        depth += bracket_delta(line)
        if depth <= 0:
            out.append((start, buf))
            buf, depth = "", 0
    if buf:
        raise NsSyntaxError(f"line {start}: unclosed bracket")
    return out


def replace_infer(expr):
    """`?` (outside strings) -> the identifier __infer__, so the statement is a Python expression."""
    res, quote = [], None
    for c in expr:
        if quote:
            if c == quote:
                quote = None
            res.append(c)
        elif c in "'\"":
            quote = c
            res.append(c)
        elif c == "?":
            res.append("__infer__")
        else:
            res.append(c)
    return "".join(res)


def func_name(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise NsSyntaxError("operator must be a name")
    parts.append(node.id)
    full = ".".join(reversed(parts))
    for p in PREFIXES:
        if full.startswith(p):
            return full[len(p):]
    return full


# ---------------------------------------------------------------- parsing
def parse_ns(text):
    prog = {"model": None, "inputs": [], "statements": [], "outputs": []}
    for line, stmt in logical_lines(text):
        m = re.fullmatch(r"model\s+(\w+)", stmt)
        if m:
            prog["model"] = m.group(1)
            continue
        m = re.fullmatch(r"input\s+(?:(\w+)\s*:\s*)?\[(.*)\]", stmt)
        if m:
            name = m.group(1) or ("x" if not prog["inputs"] else f"x{len(prog['inputs'])}")
            dims = []
            for i, d in enumerate(x.strip() for x in m.group(2).split(",")):
                if re.fullmatch(r"\d+", d):
                    dims.append(int(d))
                elif i == 0 and re.fullmatch(r"[A-Za-z_]\w*", d):
                    dims.append(d)
                else:
                    raise NsSyntaxError(f"line {line}: bad input dim {d!r}")
            prog["inputs"].append({"name": name, "dims": dims, "line": line})
            continue
        m = re.fullmatch(r"output\s+(.*)", stmt)
        if m:
            prog["outputs"] = [s.strip() for s in m.group(1).split(",")]
            continue
        m = re.match(r"(\w+)\s*=(?!=)\s*(.*)", stmt)
        name, expr = (m.group(1), m.group(2)) if m else (None, stmt)
        try:
            call = ast.parse(replace_infer(expr), mode="eval").body
        except SyntaxError as e:
            raise NsSyntaxError(f"line {line}: {e}")
        if not isinstance(call, ast.Call):
            raise NsSyntaxError(f"line {line}: expected a call")
        applied, applied_keywords = None, []
        if isinstance(call.func, ast.Call):  # Module(...)(a, b), (q, k, v, attn_mask=m)
            applied, applied_keywords = call.args, call.keywords
            call = call.func
        prog["statements"].append({
            "name": name, "line": line, "op": func_name(call.func),
            "args": call.args, "keywords": call.keywords, "applied": applied,
            "applied_keywords": [k.arg for k in applied_keywords],
        })
        prog["statements"][-1]["applied"] = None if applied is None else \
            list(applied) + [k.value for k in applied_keywords]
    if not prog["inputs"]:
        raise NsSyntaxError("no input")
    return prog


def evaluate(node, tensors):
    env = {n: TensorRef(n) for n in tensors}
    env["__infer__"] = INFER
    code = compile(ast.Expression(node), "<ns>", "eval")
    return eval(code, {"__builtins__": {}}, env)  # noqa: S307 - literals, arithmetic and names only


# ---------------------------------------------------------------- counting (the contract's rules)
def numel(shape):
    return math.prod(shape)


def count_macs(module, in_shape, out_shape):
    if isinstance(module, nn.modules.conv._ConvNd):
        nd = len(module.kernel_size)
        batched = len(out_shape) == nd + 2
        n = out_shape[0] if batched else 1
        if module.transposed:
            in_spatial = in_shape[-nd:]
            return n * module.in_channels * numel(in_spatial) * (module.out_channels // module.groups) \
                * numel(module.kernel_size)
        out_spatial = out_shape[-nd:]
        return n * module.out_channels * numel(out_spatial) * (module.in_channels // module.groups) \
            * numel(module.kernel_size)
    if isinstance(module, nn.Linear):
        return numel(out_shape[:-1]) * module.in_features * module.out_features
    return 0


def count_attention_macs(module, q, k):
    """nn.MultiheadAttention (docs/counting.md): the input projections, the scores q k^T and the
    weighted sum of the values over S' keys (S plus the rows add_bias_kv and add_zero_attn
    append), and out_proj."""
    e = module.embed_dim
    if module.batch_first and len(q) == 3:
        q, k = [q[1], q[0], q[2]], [k[1], k[0], k[2]]
    n = q[1] if len(q) == 3 else 1
    length, src = q[0], k[0]
    attended = src + (module.bias_k is not None) + module.add_zero_attn
    return n * (length * e * e + src * module.kdim * e + src * module.vdim * e
                + 2 * length * attended * e + length * e * e)


def count_recurrent_macs(module, x):
    """nn.RNN, LSTM and GRU (docs/counting.md): at every step of every sample, each layer's and
    direction's matrix products, x by weight_ih, h by weight_hh and an LSTM's projection by
    weight_hr: one MAC per element of each weight matrix."""
    batched = len(x) == 3
    steps = x[1] if module.batch_first and batched else x[0]
    n = (x[0] if module.batch_first else x[1]) if batched else 1
    return steps * n * sum(p.numel() for name, p in module.named_parameters() if name.startswith("weight_"))


def call_module(module, xs, keywords=()):
    """A module's output row: nn.MultiheadAttention's and a recurrent layer's first result (the
    second, the attention weights or the final hidden state, is not a row); a recurrent layer
    takes its state as h0, an LSTM as (h0, c0); an nn.Embedding its indices as int64. The last
    len(keywords) tensors are given by those keywords (an attention's masks)."""
    if isinstance(module, nn.RNNBase):
        state = None if len(xs) == 1 else xs[1] if len(xs) == 2 else tuple(xs[1:])
        return module(xs[0], state)[0]
    if isinstance(module, nn.MultiheadAttention):
        positional = len(xs) - len(keywords)
        return module(*xs[:positional], **dict(zip(keywords, xs[positional:])))[0]
    if isinstance(module, nn.Embedding):  # the model language's indices: int64 in PyTorch
        return module(xs[0].long())
    return module(*xs)


def count_function_macs(op, in_shapes, out_shape):
    """matmul and bmm: every output element is a dot product of length k (netshape's extension of
    the contract's rule, docs/counting.md); other functions multiply nothing."""
    if op in ("matmul", "bmm"):
        return numel(out_shape) * in_shapes[0][-1]
    if op in ("conv1d", "conv2d", "conv3d"):  # as the layer's: each output a dot product over the
        return numel(out_shape) * numel(in_shapes[1][1:])  # weight's (C_in/groups) * prod(k)
    return 0


class BmmMacs(TorchDispatchMode):
    """The MACs of the aten::bmm calls PyTorch makes (torch.einsum runs one for two operands with
    a label summed in both, and multiplies elementwise otherwise): b * n * k * p each."""

    def __init__(self):
        super().__init__()
        self.macs = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten.bmm.default:
            (b, n, k), p = args[0].shape, args[1].shape[-1]
            self.macs += b * n * k * p
        return func(*args, **(kwargs or {}))


def run_einsum(equation, xs):
    """torch.einsum's output, and the MACs of the products PyTorch ran for it."""
    with BmmMacs() as counter:
        out = torch.einsum(equation, *xs)
    return out, counter.macs


# ---------------------------------------------------------------- `?` inference for modules
def infer_value(param, op, x):
    shape = list(x.shape)
    if param == "in_channels":
        nd = int(re.search(r"(\d)d$", op).group(1))
        return shape[1] if len(shape) == nd + 2 else shape[0]
    if param in ("in_features", "input_size"):
        return shape[-1]
    if param in ("num_features", "num_channels"):
        return shape[1] if len(shape) >= 2 else shape[0]
    if param == "normalized_shape":
        return shape[-1]
    raise NsSyntaxError(f"cannot infer {param} for {op}")


# nn.RNN, LSTM and GRU take (*args, **kwargs): RNNBase's parameters after its mode.
RECURRENT_PARAMS = ["input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                    "bidirectional", "proj_size"]


def build_module(op, args, kwargs, x):
    cls = getattr(nn, op, None)
    if cls is None or not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        raise NsSyntaxError(f"unknown module {op}")
    inferred = {}
    if any(a is INFER for a in args) or any(v is INFER for v in kwargs.values()):
        params = RECURRENT_PARAMS if issubclass(cls, nn.RNNBase) else \
            [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        args = list(args)
        for i, a in enumerate(args):
            if a is INFER:
                args[i] = inferred[params[i]] = infer_value(params[i], op, x)
        for k, v in list(kwargs.items()):
            if v is INFER:
                kwargs[k] = inferred[k] = infer_value(k, op, x)
    return cls(*args, **kwargs), inferred


FUNCTIONAL = {
    "parameter": lambda *size: torch.randn(*size),  # numeric parity takes netshape's values
    "view": lambda x, *shape: x.view(*shape),
    "reshape": lambda x, *shape: x.reshape(*shape),
    "permute": lambda x, *dims: x.permute(*dims),
    "expand": lambda x, *size: x.expand(*size),
    "repeat": lambda x, *sizes: x.repeat(*sizes),
    "flatten": torch.flatten,
    "Tensor.unfold": torch.Tensor.unfold,  # x.unfold(dimension, size, step)
    "add": torch.add,
    # the model language's sort and topk rows give the values (their indices: argsort)
    "sort": lambda x, *args, **kwargs: torch.sort(x, *args, **kwargs)[0],
    "topk": lambda x, *args, **kwargs: torch.topk(x, *args, **kwargs)[0],
    # index(x, dim, indices): x[:, [0, 2]] at that dim
    "index": lambda x, dim, indices: x[(slice(None),) * (dim % x.dim()) + (list(indices),)],
}


def later_tensors(args, kwargs, tensors):
    """The tensors named after a function's leading inputs (F.layer_norm's weight and bias): their
    names, and the arguments with each replaced by its tensor."""
    names = [a.name for a in list(args) + list(kwargs.values()) if isinstance(a, TensorRef)]
    value = lambda a: tensors[a.name] if isinstance(a, TensorRef) else a
    return names, [value(a) for a in args], {k: value(v) for k, v in kwargs.items()}


# `add(b)` adds b to the previous output; `matmul(b)`, `bmm(b)` multiply it by b.
BINARY = ("add", "matmul", "bmm")
# Ops that make a tensor from sizes alone: the previous output is not their input.
SOURCES = ("arange", "zeros", "ones", "empty", "rand", "randn", "parameter")


def functional(op):
    if op in FUNCTIONAL:
        return FUNCTIONAL[op]
    fn = getattr(F, op, None) or getattr(torch, op, None)
    if fn is None or not callable(fn):
        raise NsSyntaxError(f"unknown function {op}")
    return fn


# ---------------------------------------------------------------- running
def run_model(path):
    with open(path, encoding="utf-8") as f:
        prog = parse_ns(f.read())
    rel = os.path.relpath(path, REPO)
    torch.manual_seed(0)
    tensors, decl = {}, {}
    for inp in prog["inputs"]:
        concrete = [1 if isinstance(d, str) else d for d in inp["dims"]]
        tensors[inp["name"]] = torch.zeros(concrete)
        decl[inp["name"]] = {"declared": inp["dims"], "shape": concrete}
    prev = prog["inputs"][0]["name"]
    layers, error = [], None
    totals = {"params": 0, "trainable_params": 0, "non_trainable_params": 0, "macs": 0}
    with torch.no_grad():
        for idx, st in enumerate(prog["statements"]):
            op = st["op"]
            name = st["name"] or f"{op.lower()}{idx + 1}"
            entry = {"index": idx, "name": name, "op": op, "line": st["line"], "inputs": [],
                     "output_shape": None, "params": 0, "trainable_params": 0, "macs": 0}
            layers.append(entry)
            try:
                args = [evaluate(a, tensors) for a in st["args"]]
                kwargs = {k.arg: evaluate(k.value, tensors) for k in st["keywords"]}
                frozen = bool(kwargs.pop("frozen", False))
                if op[:1].isupper() and "." not in op:  # a torch.nn module
                    if st["applied"] is not None:
                        inputs = [evaluate(a, tensors) for a in st["applied"]]
                        if not all(isinstance(t, TensorRef) for t in inputs):
                            raise NsSyntaxError(f"line {st['line']}: module applied to a non-tensor")
                        inputs = [t.name for t in inputs]
                    else:
                        inputs = [prev]
                    entry["inputs"] = inputs
                    xs = [tensors[n] for n in inputs]
                    module, inferred = build_module(op, args, kwargs, xs[0])
                    if inferred:
                        entry["inferred"] = inferred
                    if frozen:
                        for p in module.parameters():
                            p.requires_grad_(False)
                    entry["params"] = sum(p.numel() for p in module.parameters())
                    entry["trainable_params"] = sum(p.numel() for p in module.parameters() if p.requires_grad)
                    module.eval() if isinstance(module, nn.modules.batchnorm._BatchNorm) else module.train()
                    out = call_module(module, xs, st["applied_keywords"])
                    if isinstance(module, nn.MultiheadAttention):
                        entry["macs"] = count_attention_macs(module, list(xs[0].shape), list(xs[1].shape))
                    elif isinstance(module, nn.RNNBase):
                        entry["macs"] = count_recurrent_macs(module, list(xs[0].shape))
                    else:
                        entry["macs"] = count_macs(module, list(xs[0].shape), list(out.shape))
                else:  # a torch / torch.nn.functional function
                    if op in ("cat", "stack"):
                        seq = args[0] if args and isinstance(args[0], (list, tuple)) else []
                        inputs = [t.name for t in seq if isinstance(t, TensorRef)] or [prev]
                        entry["inputs"] = inputs
                        out = getattr(torch, op)([tensors[n] for n in inputs], *args[1:], **kwargs)
                    elif op == "einsum":  # einsum(equation, a, b): the operands after the equation
                        inputs = [t.name for t in args[1:] if isinstance(t, TensorRef)] or [prev]
                        entry["inputs"] = inputs
                        out, entry["macs"] = run_einsum(args[0], [tensors[n] for n in inputs])
                    else:
                        lead = 0
                        while lead < len(args) and isinstance(args[lead], TensorRef):
                            lead += 1
                        inputs = [t.name for t in args[:lead]]
                        if (not inputs and op not in SOURCES) or (op in BINARY and len(inputs) == 1):
                            inputs = [prev] + inputs
                        later, rest, kwargs = later_tensors(args[lead:], kwargs, tensors)
                        entry["inputs"] = inputs + later
                        xs = [tensors[n] for n in inputs]
                        out = functional(op)(*xs, *rest, **kwargs)
                        entry["macs"] = count_function_macs(op, [list(t.shape) for t in xs],
                                                            list(out.shape))
                        if op == "parameter":  # nn.Parameter(torch.randn(*size)): its elements
                            entry["params"] = entry["trainable_params"] = out.numel()
                entry["output_shape"] = list(out.shape)
            except NsSyntaxError:
                raise
            except Exception as e:  # PyTorch rejected the layer: that is the expected error
                error = {"index": idx, "layer": name, "line": st["line"],
                         "type": type(e).__name__, "message": str(e).strip().splitlines()[0]}
                break
            tensors[name] = out
            prev = name
            totals["params"] += entry["params"]
            totals["trainable_params"] += entry["trainable_params"]
            totals["macs"] += entry["macs"]
    totals["non_trainable_params"] = totals["params"] - totals["trainable_params"]
    result = {
        "model": prog["model"] or "model",
        "source": rel.replace(os.sep, "/"),
        "batch_for_symbolic": 1,
        "inputs": decl,
        "layers": layers,
    }
    if error is None:
        outs = prog["outputs"] or [prev]
        result["outputs"] = {n: list(tensors[n].shape) for n in outs}
        result["totals"] = totals
        result["error"] = None
    else:
        result["outputs"] = None
        result["totals"] = None
        result["error"] = error
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=os.path.join(REPO, "models"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args(argv)
    files = a.files or sorted(os.path.join(a.models, f) for f in os.listdir(a.models) if f.endswith(".ns"))
    os.makedirs(a.out, exist_ok=True)
    status = 0
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        try:
            res = run_model(path)
        except NsSyntaxError as e:
            print(f"{path}: cannot interpret: {e}", file=sys.stderr)
            status = 1
            continue
        with open(os.path.join(a.out, stem + ".torch.json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        if res["error"]:
            e = res["error"]
            print(f"{stem}: error at #{e['index']} {e['layer']} (line {e['line']}): {e['type']}: {e['message']}")
        else:
            outs = ", ".join(f"{k} {v}" for k, v in res["outputs"].items())
            print(f"{stem}: {outs}; params {res['totals']['params']}; macs {res['totals']['macs']}")
    return status


if __name__ == "__main__":
    sys.exit(main())
