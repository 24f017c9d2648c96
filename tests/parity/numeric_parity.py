#!/usr/bin/env python3
"""Numeric parity: does `netshape run` compute what PyTorch computes?

For every models/*.ns that `netshape check` accepts, runs
`netshape run MODEL --save-tensors TMP --batch 2 --threads 2 --seed S`, rebuilds the model with real
torch.nn modules / torch functions (eval mode) through the .ns interpreter of
tests/golden/gen_golden.py (imported, not copied), loads netshape's input and every weight/bias into
the torch modules, runs the forward pass layer by layer and compares each layer's output with
netshape's `<layer>.npy`.

Error of a layer = max|netshape - torch| / max(1, max|torch|), must be < --tol (1e-4).
Two errors are computed per layer:
  * chained:  torch runs the whole network from netshape's input on its own activations
              (end-to-end parity; this is what decides pass/fail);
  * isolated: the layer is fed netshape's own saved inputs, so a failing layer is blamed on
              exactly one op (diagnostic, printed for the first isolated failure).
One line per model (worst chained layer), then a summary. Exit 1 on any mismatch or error, else 0.

Usage: numeric_parity.py [--netshape build/netshape] [--models DIR] [--seed S] [--tol T] [-v] [FILE.ns ...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "golden"))
import gen_golden as gg  # noqa: E402  (the .ns interpreter: parse_ns, evaluate, build_module, functional)


class ParityError(Exception):
    """The model could not be rebuilt / loaded (a setup problem, not a numeric difference)."""


def load(path):
    return torch.from_numpy(np.load(path).astype(np.float32, copy=False))


def rel_err(got, ref):
    if tuple(got.shape) != tuple(ref.shape):
        return float("inf"), f"shape {list(got.shape)} vs torch {list(ref.shape)}"
    ref64, got64 = ref.double(), got.double()
    if ref64.numel() == 0:
        return 0.0, ""
    if not torch.isfinite(got64).all() or not torch.isfinite(ref64).all():
        same = torch.equal(torch.isfinite(got64), torch.isfinite(ref64))
        if not same:
            return float("inf"), "non-finite values differ"
        mask = torch.isfinite(ref64)
        ref64, got64 = ref64[mask], got64[mask]
        if ref64.numel() == 0:
            return 0.0, ""
    diff = (got64 - ref64).abs()
    scale = max(1.0, ref64.abs().max().item())
    i = int(diff.argmax())
    idx = np.unravel_index(i, tuple(got.shape)) if got.dim() else ()
    return diff.max().item() / scale, f"at {list(map(int, idx))}: netshape {got64.flatten()[i].item():.6g} torch {ref64.flatten()[i].item():.6g}"


def load_params(module, layer, tdir):
    """Copy <layer>.<param>.npy into every parameter of the module; every param must have a file."""
    for pname, p in module.named_parameters():
        f = os.path.join(tdir, f"{layer}.{pname}.npy")
        if not os.path.exists(f):
            raise ParityError(f"{layer}: netshape saved no {os.path.basename(f)} (torch param {list(p.shape)})")
        w = load(f)
        if tuple(w.shape) != tuple(p.shape):
            raise ParityError(f"{layer}.{pname}: netshape layout {list(w.shape)} vs torch {list(p.shape)}")
        with torch.no_grad():
            p.copy_(w)
    for f in sorted(os.listdir(tdir)):
        if f.startswith(layer + ".") and f.endswith(".npy") and f != layer + ".npy":
            pname = f[len(layer) + 1:-4]
            if pname not in dict(module.named_parameters()):
                raise ParityError(f"{layer}: netshape saved {f} but torch {type(module).__name__} has no param {pname!r}")


def make_layer(st, tensors, prev):
    """(input names, callable(list of tensors) -> tensor, module or None) for one .ns statement.

    Mirrors gen_golden.run_model's statement handling, but in eval mode and returning a callable so
    the same op can be applied to torch's chained tensors and to netshape's saved tensors."""
    op = st["op"]
    args = [gg.evaluate(a, tensors) for a in st["args"]]
    kwargs = {k.arg: gg.evaluate(k.value, tensors) for k in st["keywords"]}
    kwargs.pop("frozen", None)
    if op[:1].isupper() and "." not in op:  # torch.nn module
        if st["applied"] is not None:
            refs = [gg.evaluate(a, tensors) for a in st["applied"]]
            if not all(isinstance(t, gg.TensorRef) for t in refs):
                raise ParityError(f"line {st['line']}: module applied to a non-tensor")
            inputs = [t.name for t in refs]
        else:
            inputs = [prev]
        module, _ = gg.build_module(op, args, kwargs, tensors[inputs[0]])
        module.eval()
        return inputs, (lambda xs: gg.call_module(module, xs, st["applied_keywords"])), module
    if op in ("cat", "stack"):
        seq = args[0] if args and isinstance(args[0], (list, tuple)) else []
        inputs = [t.name for t in seq if isinstance(t, gg.TensorRef)] or [prev]
        rest = args[1:]
        join = getattr(torch, op)
        return inputs, (lambda xs: join(list(xs), *rest, **kwargs)), None
    if op == "einsum":  # einsum(equation, a, b): the operands after the equation
        inputs = [t.name for t in args[1:] if isinstance(t, gg.TensorRef)] or [prev]
        return inputs, (lambda xs: torch.einsum(args[0], *xs)), None
    lead = 0
    while lead < len(args) and isinstance(args[lead], gg.TensorRef):
        lead += 1
    inputs = [t.name for t in args[:lead]]
    if st["applied"] is not None:  # fn(args)(a, b): netshape applies a function like a module;
        refs = [gg.evaluate(a, tensors) for a in st["applied"]]  # gen_golden would use prev here
        if not all(isinstance(t, gg.TensorRef) for t in refs):
            raise ParityError(f"line {st['line']}: function applied to a non-tensor")
        inputs = [t.name for t in refs] + inputs
    if (not inputs and op not in gg.SOURCES) or (op in gg.BINARY and len(inputs) == 1):
        inputs = [prev] + inputs
    fn = gg.functional(op)
    rest = args[lead:]
    if op in ("dropout", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        kwargs["training"] = False  # eval semantics, like netshape
    # tensors among the later arguments (F.layer_norm's weight and bias) are inputs after these
    lead = len(inputs)
    later = [a.name for a in list(rest) + list(kwargs.values()) if isinstance(a, gg.TensorRef)]

    def call(xs):
        named = dict(zip(later, xs[lead:]))
        value = lambda a: named[a.name] if isinstance(a, gg.TensorRef) else a
        return fn(*xs[:lead], *[value(a) for a in rest], **{k: value(v) for k, v in kwargs.items()})
    return inputs + later, call, None


def check_model(path, netshape, seed, tol, verbose, out):
    with open(path, encoding="utf-8") as f:
        prog = gg.parse_ns(f.read())
    chk = subprocess.run([netshape, "check", path, "--format", "json"], capture_output=True, text=True)
    if chk.returncode != 0:
        return "skip", "rejected by netshape check"
    names = [l["name"] for l in json.loads(chk.stdout)["layers"]]
    if len(names) != len(prog["statements"]):
        raise ParityError(f"netshape has {len(names)} layers, the interpreter {len(prog['statements'])} statements")
    with tempfile.TemporaryDirectory(prefix="nsparity.") as tdir:
        run = subprocess.run([netshape, "run", path, "--save-tensors", tdir, "--batch", "2", "--threads", "2",
                              "--seed", str(seed)], capture_output=True, text=True)
        if run.returncode != 0:
            raise ParityError(f"netshape run exited {run.returncode}: {(run.stderr or run.stdout).strip()[-300:]}")
        torch.manual_seed(0)
        chained, saved = {}, {}  # torch's own activations; netshape's activations
        for inp in prog["inputs"]:
            x = load(os.path.join(tdir, f"input.{inp['name']}.npy"))
            chained[inp["name"]] = saved[inp["name"]] = x
        prev = prog["inputs"][0]["name"]
        rows = []
        with torch.no_grad():
            for idx, st in enumerate(prog["statements"]):
                name = names[idx]
                ggname = st["name"] or f"{st['op'].lower()}{idx + 1}"
                # the interpreter refers to tensors by statement name; netshape's name of an unnamed
                # statement may differ, so keep both spellings pointing at the same tensor
                inputs, fn, module = make_layer(st, chained, prev)
                if module is not None:
                    load_params(module, name, tdir)
                got = load(os.path.join(tdir, f"{name}.npy"))
                if st["op"] == "parameter":  # random values: torch takes netshape's
                    fn = lambda xs, got=got: got  # noqa: E731
                ref = fn([chained[n] for n in inputs])
                err_c, where_c = rel_err(got, ref)
                iso = fn([saved[n] for n in inputs])
                err_i, where_i = rel_err(got, iso)
                rows.append((idx, name, st["op"], err_c, where_c, err_i, where_i))
                if verbose:
                    print(f"    {name:16s} {st['op']:16s} chained {err_c:.2e} isolated {err_i:.2e}", file=out)
                for key in {name, ggname}:
                    chained[key], saved[key] = ref, got
                prev = ggname if st["name"] is None else name
        worst = max(rows, key=lambda r: r[3])
        bad_iso = [r for r in rows if r[5] >= tol]
        ok = worst[3] < tol and not bad_iso
        msg = f"{len(rows)} layers, worst {worst[1]} ({worst[2]}) {worst[3]:.2e}"
        if not ok:
            first = bad_iso[0] if bad_iso else worst
            msg += (f"; first op off on netshape's own inputs: #{first[0] + 1} {first[1]} ({first[2]}) "
                    f"err {first[5]:.2e} {first[6]}")
        return ("ok" if ok else "MISMATCH"), msg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--netshape", default=os.path.join(REPO, "build", "netshape"))
    ap.add_argument("--models", default=os.path.join(REPO, "models"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("-v", "--verbose", action="store_true", help="print every layer's errors")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    netshape = os.path.abspath(a.netshape)
    if not os.access(netshape, os.X_OK):
        print(f"numeric parity: no netshape binary at {netshape}")
        return 1
    files = a.files or sorted(os.path.join(a.models, f) for f in os.listdir(a.models) if f.endswith(".ns"))
    t0 = time.time()
    counts = {"ok": 0, "MISMATCH": 0, "ERROR": 0, "skip": 0}
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        t = time.time()
        try:
            status, msg = check_model(path, netshape, a.seed, a.tol, a.verbose, sys.stdout)
        except (ParityError, gg.NsSyntaxError) as e:
            status, msg = "ERROR", str(e)
        except Exception as e:  # torch rejected what netshape ran: report, do not crash the suite
            status, msg = "ERROR", f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        counts[status] += 1
        print(f"{status:8s} {stem:28s} {msg}  ({time.time() - t:.1f}s)", flush=True)
    checked = counts["ok"] + counts["MISMATCH"] + counts["ERROR"]
    print(f"numeric parity: {counts['ok']}/{checked} models match PyTorch (tol {a.tol:g}), "
          f"{counts['MISMATCH']} mismatch, {counts['ERROR']} error, {counts['skip']} skipped "
          f"(rejected by check); {time.time() - t0:.1f}s")
    return 0 if counts["MISMATCH"] == 0 and counts["ERROR"] == 0 and checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
