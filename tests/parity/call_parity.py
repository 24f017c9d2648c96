"""What the parity scripts of single calls share (cdist_parity.py, loss_parity.py,
conv_transpose_functional_parity.py): PyTorch's answer to a call, netshape's answer for the
.py model that makes it, and their comparison. Each script writes its cases' models and says how
to call PyTorch; the verdicts are the same for all:
  - where PyTorch answers, `netshape check` gives its output shape and `netshape run
    --save-tensors` values PyTorch's call on the saved tensors reproduces (within 1e-4 relative
    to max(1, max|PyTorch|); NaN where PyTorch's is NaN);
  - where PyTorch raises, netshape raises its message (exit 1, or exit 2 for Python's TypeError),
    or refuses the call (exit 2) where the script says the message is one netshape leaves out.
"""
import json
import os
import subprocess

import numpy as np
import torch


def pytorch_answer(call):
    """PyTorch's output shape for `call()`, or (error type, first line of its message)."""
    try:
        return list(call().shape), None
    except (RuntimeError, TypeError, ValueError, AttributeError) as e:
        return None, (type(e).__name__, str(e).split("\n")[0])


def raised_as_pytorch(raised, r, refused=lambda kind, message: False):
    """(problem, outcome) of netshape's check `r` of a call PyTorch raises `raised` for."""
    kind, message = raised
    said = message in r.stdout + r.stderr
    if said and (r.returncode == 1 or (kind == "TypeError" and r.returncode == 2)):
        return None, "raise"
    if not said and r.returncode == 2 and refused(kind, message):
        return None, "refused"
    return (f"PyTorch raises {kind} `{message}`; netshape (exit {r.returncode}): "
            f"{(r.stdout + r.stderr).strip()[:300]}"), None


def checked_shape(netshape, path, shape_expected):
    """(problem, the last layer's name) of `netshape check` of a call PyTorch answers."""
    r = subprocess.run([netshape, "check", path, "--format", "json"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return f"netshape check failed: {r.stdout}{r.stderr}", None
    last = json.loads(r.stdout)["layers"][-1]
    if last["output_shape"] != shape_expected:
        return f"shape {last['output_shape']}, PyTorch {shape_expected}", None
    return None, last["name"]


def run_saved(netshape, path, saved):
    """netshape's `run --save-tensors` of the model: (problem, load), load(name) a saved tensor."""
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved, "--seed", "3"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"netshape run failed: {r.stdout}{r.stderr}", None
    return None, lambda name: torch.from_numpy(np.load(os.path.join(saved, name + ".npy")))


def values_differ(got, out):
    """The problem when netshape's values `got` are not PyTorch's `out`, else None."""
    got, out = got.double(), out.double()
    if list(got.shape) != list(out.shape):
        return f"the saved output is {list(got.shape)}, PyTorch's {list(out.shape)}"
    if not torch.equal(torch.isnan(got), torch.isnan(out)):
        return "NaN where PyTorch has none, or none where it has"
    if out.numel() == 0:
        return None
    got, out = torch.nan_to_num(got), torch.nan_to_num(out)
    error = float((got - out).abs().max()) / max(1.0, float(out.abs().max()))
    return f"the values differ by {error:.2e}" if error > 1e-4 else None


def run_all(label, cases, run_case):
    """Runs run_case(number, case) -> (name, problem, outcome) over the cases; prints each
    failure and a summary; the exit code."""
    failures, outcomes = 0, {}
    for number, case in enumerate(cases):
        name, problem, outcome = run_case(number, case)
        if problem:
            failures += 1
            print(f"FAIL {name} {case}: {problem}")
        else:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
    print(f"{label}: {len(cases) - failures}/{len(cases)} cases as PyTorch ({summary})")
    return 1 if failures else 0
