"""Layout parity: random chains of view-making ops (permute, transpose, slicing with and without
a step, select,
unsqueeze, squeeze, expand, flatten, reshape), copies (`x * 2`, clone, flip, roll, cumsum, sort, argsort, topk, contiguous,
dropout),
in-place ops, activations, additions, cat/stack and pooling, ending in a `view`.
PyTorch 1.13 decides whether the view is allowed (it refuses one that spans non-contiguous
memory); netshape must say the same: exit 0 when PyTorch runs it, exit 1 with PyTorch's message
when it raises, or exit 2 (it says it cannot tell), never the opposite answer.

usage: layout_parity.py NETSHAPE [COUNT] [SEED]
"""
import os
import random
import subprocess
import sys
import tempfile

import torch
import torch.nn.functional as F

NETSHAPE = sys.argv[1]
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)


def step(x):
    """One random op applicable to x: (python source using `x`, the op applied to the tensor)."""
    r = x.dim()
    options = []
    if r >= 2:
        perm = list(range(r))
        rng.shuffle(perm)
        options.append((f"x.permute({', '.join(map(str, perm))})", lambda t, perm=perm: t.permute(*perm)))
        i, j = rng.sample(range(r), 2)
        options.append((f"x.transpose({i}, {j})", lambda t, i=i, j=j: t.transpose(i, j)))
        d = rng.randrange(r)
        if x.size(d) > 1:
            lead = ":, " * d
            options.append((f"x[{lead}1:]", lambda t, d=d: t.narrow(d, 1, t.size(d) - 1)))
            # a stepped slice: the dim's stride times the step (x[..., 1::2] of an odd size too)
            options.append((f"x[{lead}::2]", lambda t, d=d: t[(slice(None),) * d + (slice(None, None, 2),)]))
            options.append((f"x[{lead}1::3]", lambda t, d=d: t[(slice(None),) * d + (slice(1, None, 3),)]))
        if r >= 3:
            d = rng.randrange(r)
            lead = ":, " * d
            options.append((f"x[{lead}0]", lambda t, d=d: t.select(d, 0)))
        options.append((f"x.flatten({d})", lambda t, d=d: t.flatten(d)))
        if d + 1 < r:
            merged = list(x.shape[:d]) + [x.size(d) * x.size(d + 1)] + list(x.shape[d + 2:])
            options.append((f"x.reshape({', '.join(map(str, merged))})",
                            lambda t, m=merged: t.reshape(m)))
    if r < 6:
        d = rng.randrange(r + 1)
        options.append((f"x.unsqueeze({d})", lambda t, d=d: t.unsqueeze(d)))
    ones = [d for d in range(r) if x.size(d) == 1]
    if ones:
        d = rng.choice(ones)
        options.append((f"x.squeeze({d})", lambda t, d=d: t.squeeze(d)))
        sizes = [3 if k == d else -1 for k in range(r)]
        options.append((f"x.expand({', '.join(map(str, sizes))})", lambda t, sizes=sizes: t.expand(*sizes)))
    options.append(("F.relu(x)", F.relu))
    options.append(("x + x", lambda t: t + t))
    options.append(("torch.sigmoid(x)", torch.sigmoid))
    shape = ", ".join(map(str, x.shape))
    options.append((f"x + torch.zeros({shape})", lambda t: t + torch.zeros(t.shape)))
    options.append((f"torch.zeros({shape}) + x", lambda t: torch.zeros(t.shape) + t))
    if r >= 1:
        options.append(("x * torch.ones(" + str(x.size(-1)) + ")", lambda t: t * torch.ones(t.size(-1))))
    options.append(("x.contiguous()", lambda t: t.contiguous()))
    options.append(("x * 2", lambda t: t * 2))
    options.append(("x.clone()", lambda t: t.clone()))
    if r >= 1:  # a new tensor as empty_like(Preserve) lays it out
        d = rng.randrange(r)
        options.append((f"x.flip({d})", lambda t, d=d: t.flip(d)))
        options.append((f"x.roll(1, {d})", lambda t, d=d: t.roll(1, d)))
        # a list inside the index: a new tensor (contiguous for a contiguous input)
        lead = ":, " * d
        options.append((f"x[{lead}[-1, 0]]", lambda t, d=d: t[(slice(None),) * d + ([-1, 0],)]))
        options.append((f"x.cumsum({d})", lambda t, d=d: t.cumsum(d)))  # a new contiguous one
        options.append((f"x.sort({d})[0]", lambda t, d=d: t.sort(d)[0]))  # empty_like(Preserve)
        options.append((f"x.sort({d})[1].float()", lambda t, d=d: t.sort(d)[1].float()))
        options.append((f"x.argsort({d}).float()", lambda t, d=d: t.argsort(d).float()))
        options.append((f"x.topk(1, {d})[0]", lambda t, d=d: t.topk(1, d)[0]))  # contiguous
        options.append((f"x.repeat_interleave(2, {d})", lambda t, d=d: t.repeat_interleave(2, d)))
        options.append((f"x.movedim({d}, -1)", lambda t, d=d: t.movedim(d, -1)))  # a view
        if r < 6 and x.size(d) >= 2:  # windows along d: its stride times the step, a new last dim
            options.append((f"x.unfold({d}, 2, 1)", lambda t, d=d: t.unfold(d, 2, 1)))
            options.append((f"x.unfold({d}, 2, 2)", lambda t, d=d: t.unfold(d, 2, 2)))
    options.append(("F.dropout(x, 0.1)", lambda t: F.dropout(t, 0.1)))
    options.append(("F.dropout(x, 0.1, training=False)", lambda t: F.dropout(t, 0.1, training=False)))
    expanded = any(st == 0 and n > 1 for st, n in zip(x.stride(), x.shape))
    if not expanded:  # an in-place write into an expanded tensor raises (not a view question)
        options.append(("F.relu(x, inplace=True)", lambda t: F.relu(t, inplace=True)))
        options.append(("x.add_(1)", lambda t: t.add_(1)))
    if r == 4:
        options.append(("F.max_pool2d(x, 1)", lambda t: F.max_pool2d(t, 1)))
        options.append(("F.avg_pool2d(x, 1)", lambda t: F.avg_pool2d(t, 1)))
    if r >= 1:
        d = rng.randrange(r)
        options.append((f"torch.cat([x, x], {d})", lambda t, d=d: torch.cat([t, t], d)))
        options.append((f"torch.stack([x, x], {d})", lambda t, d=d: torch.stack([t, t], d)))
    options.append(("F.softmax(x, dim=-1)", lambda t: F.softmax(t, dim=-1)))
    options.append(("F.hardtanh(x)", F.hardtanh))
    options.append(("F.softsign(x)", F.softsign))
    # kernels that allocate a contiguous output, unlike the rest of the activations
    options.append(("F.logsigmoid(x)", F.logsigmoid))
    options.append(("F.rrelu(x, training=False)", lambda t: F.rrelu(t, training=False)))
    options.append(("torch.zeros_like(x, memory_format=torch.contiguous_format)",
                    lambda t: torch.zeros_like(t, memory_format=torch.contiguous_format)))
    options.append(("torch.ones_like(x)", lambda t: torch.ones_like(t)))  # preserve_format
    evens = [d for d in range(r) if x.size(d) % 2 == 0 and x.size(d) > 0]
    if evens:  # glu: the halves' strides, TensorIterator's order
        d = rng.choice(evens)
        options.append((f"F.glu(x, {d})", lambda t, d=d: F.glu(t, d)))
    if r >= 3 and x.numel() > 0:
        options.append(("F.local_response_norm(x, 3)", lambda t: F.local_response_norm(t, 3)))
    return rng.choice(options)


def final_view(x):
    r = x.dim()
    if r >= 2 and rng.random() < 0.5:
        d = rng.randrange(r - 1)
        shape = list(x.shape[:d]) + [-1] + list(x.shape[d + 2:])
        return f"x.view({', '.join(map(str, shape))})", lambda t, shape=shape: t.view(shape)
    return "x.view(-1)", lambda t: t.view(-1)


def model():
    dims = [rng.choice([1, 2, 3, 4]) for _ in range(rng.choice([2, 3, 4]))]
    dims[0] = 2
    x = torch.zeros(dims)
    lines = []
    raised = None
    for _ in range(rng.randrange(1, 5)):
        src, fn = step(x)
        lines.append(src)
        try:  # a step may raise itself (local_response_norm views its input): the model ends there
            x = fn(x)
        except RuntimeError as e:
            raised = str(e)
            break
    if raised is None:
        src, fn = final_view(x)
        lines.append(src)
        try:
            fn(x)
        except RuntimeError as e:
            raised = str(e)
    body = "\n".join(f"        x = {s}" for s in lines)
    text = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
        "class M(nn.Module):\n    def forward(self, x):\n"
        f"{body}\n        return x\n\n# input: [{', '.join(map(str, dims))}]\n"
    )
    return text, raised


def main():
    agree = refused = raises = 0
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.py")
        for i in range(COUNT):
            text, raised = model()
            raises += raised is not None
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([NETSHAPE, "check", path], capture_output=True, text=True)
            said_raise = p.returncode == 1 and "view size is not compatible" in p.stderr
            undecided = ("cannot tell whether this view" in p.stderr
                         or "LocalResponseNorm of a non-contiguous input" in p.stderr)
            if p.returncode == 2 and undecided:
                refused += 1
            elif (raised is not None) == said_raise and p.returncode in (0, 1):
                agree += 1
            else:
                failures.append((text, raised, p.returncode, p.stderr[-600:]))
    for text, raised, rc, err in failures[:5]:
        print("---- MISMATCH: PyTorch", "raised" if raised else "ran", "; netshape exit", rc)
        print(text)
        print(err)
    print(f"layout parity: {agree} of {COUNT} agree with PyTorch ({raises} views PyTorch "
          f"refuses), {refused} refused as undecided, {len(failures)} different")
    sys.exit(1 if failures else 0)


main()
