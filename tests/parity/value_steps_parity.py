#!/usr/bin/env python3
"""Numeric parity of what forward computes with no row: does `netshape run` read `x * 2` as 2x?

Elementwise math with numbers (`x * 2`, `2 - x`, `x // 0.3`), comparisons (`ids == 0`), unary
math (`x.exp()`, `x.clamp(-0.5, 0.5)`), casts (`.long()`, `.bool()`), `-x`, `~mask`,
`zeros_like` and F.normalize's eps have no row of their own: the layer after them reads the
changed copy. For each case below a small .py model (written here, into a temporary directory)
feeds such an expression to a layer; `netshape run --save-tensors` saves its input, weights and
the layer's output; the same layer, loaded with those weights, runs in PyTorch on the expression
of the same input; the outputs must agree within 1e-5 relative to max(1, max|PyTorch|).

Usage: value_steps_parity.py --netshape PATH
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# name, the layer, the input comment, what forward feeds it (of x)
LINEAR = "nn.Linear(6, 3)"
EMBEDDING = "nn.Embedding(12, 3)"
CASES = [
    ("scaled", LINEAR, "x: [4, 6]", "x * 2.5 + 1"),
    ("divided", LINEAR, "x: [4, 6]", "x / math.sqrt(6) - 0.25"),
    ("reversed", LINEAR, "x: [4, 6]", "(2 - x) / (3 + x.abs())"),
    ("floor_div_mod", LINEAR, "x: [4, 6]", "x // 0.3 + x % 0.3 + (-x) % 0.7"),
    ("rounding_modes", LINEAR, "x: [4, 6]",
     "x.div(0.3, rounding_mode='trunc') + torch.div(x, -0.3, rounding_mode='floor')"),
    ("powers", LINEAR, "x: [4, 6]", "x ** 2 + 2 ** x + x.pow(3) + torch.pow(3, x)"),
    ("comparisons", LINEAR, "x: [4, 6]", "(x > 0).float() + (0.5 <= x).float() + x.lt(-0.2)"),
    ("unary", LINEAR, "x: [4, 6]",
     "x.exp() + torch.log1p(x.abs()) + x.sin() + torch.erf(x) + x.sign() + x.frac()"),
    ("roots", LINEAR, "x: [4, 6]", "(x + 2).sqrt() + torch.rsqrt(x + 2) + (x + 2).reciprocal()"),
    ("roundings", LINEAR, "x: [4, 6]", "(x * 4).round() + (x * 4).floor() + torch.ceil(x * 4)"),
    ("clamps", LINEAR, "x: [4, 6]",
     "x.clamp(-0.5, 0.5) + x.clamp(min=0) + torch.clamp(x, max=0.1) + x.clamp_max(0.2)"),
    ("negation", LINEAR, "x: [4, 6]", "-x + torch.neg(x * 3)"),
    ("nan_to_num", LINEAR, "x: [4, 6]",
     "(x * 1e38 * 10).nan_to_num(posinf=2.0, neginf=-3) + x.log().nan_to_num(nan=0.5) "
     "+ torch.nan_to_num(x.log() * 1e38 * 10) * 1e-38"),
    ("casts", LINEAR, "x: [4, 6]", "(x * 5).long().float() + x.bool().float() + (x * 3).int()"),
    ("zeros_like", LINEAR, "x: [4, 6]", "torch.zeros_like(x) + torch.ones_like(x) * 2 + x"),
    ("full_like", LINEAR, "x: [4, 6]", "torch.full_like(x, 0.75) - x"),
    ("normalize", LINEAR, "x: [4, 6]", "F.normalize(x * 1e-14, dim=1) + F.normalize(x, dim=0)"),
    ("ids_shifted", EMBEDDING, "x: [4, 6] long", "(x + 1) % 12"),
    ("ids_halved", EMBEDDING, "x: [4, 6] long", "x // 2 + 1"),
    ("ids_compared", EMBEDDING, "x: [4, 6] long", "(x >= 6).long() * 11"),
    ("ids_inverted", EMBEDDING, "x: [4, 6] long", "~x + 12"),
    # EmbeddingBag: bags of a 2-D input's rows, of offsets an arange makes (known values), with
    # per-sample weights, the padding row skipped, include_last_offset, max_norm
    ("bag_rows", "nn.EmbeddingBag(12, 3, mode='max', padding_idx=2)", "x: [4, 6] long", "x"),
    ("bag_offsets", "nn.EmbeddingBag(12, 3, mode='sum')", "x: [4, 6] long",
     "x.flatten(), torch.arange(0, 24, 5)"),
    ("bag_weighted", "nn.EmbeddingBag(12, 3, mode='sum', padding_idx=-1)", "x: [4, 6] long",
     "x, None, x.float() / 12 - 0.3"),
    ("bag_last_offset", "nn.EmbeddingBag(12, 4, include_last_offset=True, max_norm=0.5)",
     "x: [4, 6] long", "x.flatten(), torch.arange(0, 25, 8)"),
    ("bag_last_mean", "nn.EmbeddingBag(12, 4, include_last_offset=True)", "x: [4, 6] long",
     "x.flatten(), torch.arange(0, 20, 7)"),
    # div by a tensor with a rounding_mode: a row, floored or truncated
    ("div_rounded", LINEAR, "x: [4, 6]",
     "torch.div(x, x.flip(1) * 0.3 + 2, rounding_mode='floor') "
     "+ (x * 5).div(x.roll(1, 0) + 1.5, rounding_mode='trunc')"),
    # eval mode: a BatchNorm without running stats normalises with the batch's, an InstanceNorm
    # with them reads them (mean 0, var 1)
    ("bn_batch_stats", "nn.BatchNorm1d(6, track_running_stats=False)", "x: [4, 6]", "x * 3 + 1"),
    ("bn_batch_stats_2d", "nn.BatchNorm2d(3, affine=False, track_running_stats=False)",
     "x: [2, 3, 4, 4]", "x * 2 - 1"),
    ("in_running_stats", "nn.InstanceNorm1d(3, affine=True, track_running_stats=True)",
     "x: [2, 3, 5]", "x * 2"),
    # max_norm: the rows read are renormalised first (of order 2, 1 and inf)
    ("ids_max_norm", "nn.Embedding(12, 3, max_norm=0.4)", "x: [4, 6] long", "x"),
    ("ids_max_norm_l1", "nn.Embedding(12, 5, max_norm=1.0, norm_type=1)", "x: [4, 6] long",
     "x % 6"),
    ("ids_max_norm_inf", "nn.Embedding(12, 4, max_norm=0.3, norm_type=float('inf'))",
     "x: [4, 6] long", "x"),
    ("mask_not", LINEAR, "x: [4, 6]", "(~(x > 0)).float() * x"),
    ("ids_hashed", EMBEDDING, "x: [4, 6] long", "(x * 10000019 % 12 + (x + 2 ** 62) * 4 % 12) % 12"),
    ("ids_int32_wrap", EMBEDDING, "x: [4, 6] long", "(x * 3000000000).int() % 12"),
    ("float64_math", LINEAR, "x: [4, 6]", "(x.double() + 1e8 - 1e8).float()"),
    ("casts_out_of_range", LINEAR, "x: [4, 6]",
     "((x * 1e20).long().float() + (x - 2).log().int().float()) * 1e-19"),
    ("alpha", LINEAR, "x: [4, 6]", "x.add(1, alpha=2) + torch.sub(x, 2, alpha=0.5)"),
    ("full_like_typed", LINEAR, "x: [4, 6]",
     "torch.full_like(x.long(), 2.7).float() + torch.full_like(x > 0, 5).float()"),
    # bool and integer tensors with numbers: PyTorch's type promotion picks the step's type
    ("bool_arithmetic", LINEAR, "x: [4, 6]",
     "(x > 0) * 2.5 + (x < 0.2) / 4 + ((x > 0.1) * 3).float() + ((x > 0) % 2).float()"),
    ("bool_math", LINEAR, "x: [4, 6]",
     "(x > 0).clamp(0, 2.5) + (x > 0.3).pow(2) * 1.5 + 2.0 ** (x < 0) + (x > 0).sign().float()"),
    ("mask_ids", EMBEDDING, "x: [4, 6] long", "(x > 5) * 7 + (x == 0) + (x < 3) * 2"),
    ("ids_powers", EMBEDDING, "x: [4, 6] long", "(x ** 2 + 2 ** (x % 3) + x.pow(3)) % 12"),
    ("ids_clamped", EMBEDDING, "x: [4, 6] long",
     "(x.clamp(2, 9) + torch.clamp(x - 5, min=0) // 2 + (x - 6).sign() + (x - 6).abs()) % 12"),
    ("ids_float_clamp", LINEAR, "x: [4, 6]", "(x * 6).long().clamp(-2.5, 2) + (x * 6).int().abs() ** 0.5"),
    ("size_scaled", LINEAR, "x: [4, 6]", "x * x.size(-1) / x.shape[0] - x.size(0)"),
    # masks combined with `&`, `|`, `^` (logical rows) and logical_not (a step)
    ("mask_logic", LINEAR, "x: [4, 6]",
     "x.masked_fill((x > 0) & (x < 0.5) | ~(x > -0.5) ^ (x > 0.8), 0.0) + "
     "torch.logical_not(x > 0.2) + torch.logical_and(x, x > 0).float() + x.logical_not() + "
     "torch.logical_xor(x > 0, x < 0.3).float() + torch.logical_or(x < -0.6, x > 0.6)"),
    # torch.where with a number: a masked_fill row of the inverted (or the same) mask
    ("where", LINEAR, "x: [4, 6]",
     "torch.where(x > 0, x, 0.0) + torch.where(x < -0.5, -1.0, x * 2) + "
     "torch.where(condition=x > 0.3, input=x, other=float('-inf')).exp()"),
    ("where_ids", EMBEDDING, "x: [4, 6] long", "torch.where(x > 8, x - 8, 11)"),
    # torch.where of two tensors: a `where` row, broadcasting the three in order
    ("where_tensors", LINEAR, "x: [4, 6]",
     "torch.where(x > 0, x * 2, -x) + torch.where(x[:1] < 0.2, x.exp(), x[:, :1]) + "
     "x.where(x > 0.3, x * 0.5)"),
    ("where_uint8", LINEAR, "x: [4, 6]",
     "torch.where((x > 0).byte(), x, 0.5) + torch.where((x < 0).byte(), -1.0, x) + "
     "torch.where((x > 0.2).byte(), x, -x)"),
    ("where_ids_tensors", EMBEDDING, "x: [4, 6] long", "torch.where(x > 5, x - 6, x[:, :1] + 1)"),
    ("where_numbers", LINEAR, "x: [4, 6]",
     "torch.where(x > 0, 1.0, -0.5) + torch.where((x < 0.3).byte(), 2, 0.25) * x"),
    ("where_numbers_ids", EMBEDDING, "x: [4, 6] long", "torch.where(x > 5, 11, 3)"),
    ("bool_sum", LINEAR, "x: [4, 6]", "((x > 0) + (x > 0.5) * (x < 0.9)).float()"),
    ("negative_powers", LINEAR, "x: [4, 6] long",
     "(7 ** (x - 8) + (-1) ** (x - 9) + 1 ** (x - 8) + 0 ** (x - 8)).float()"),
    # stepped slices (views whose stride is the step's multiple), of a feature dim and of rows
    ("stepped_slices", LINEAR, "x: [4, 12]", "x[:, ::2] - 2 * x[:, 1::2] + x[:, 0:11:2]"),
    ("stepped_rows", LINEAR, "x: [7, 6]", "x[::3] * 2 + x[2::3][:1] - x[-6:7:4].sum(0)"),
    # layers with no weights after the math: GLU halves a dim, Softmin is softmax(-x)
    ("glu", "nn.GLU(1)", "x: [4, 6]", "x * 2"),
    ("glu_rows", "nn.GLU(0)", "x: [4, 6]", "x - 0.5"),
    ("softmin", "nn.Softmin(dim=1)", "x: [4, 6]", "x * 3"),
    ("softmin_implicit_dim", "nn.Softmin()", "x: [4, 6]", "x"),
    # channel moves and per-position softmax: ShuffleNet's shuffle, Softmax2d over dim -3
    ("channel_shuffle", "nn.ChannelShuffle(3)", "x: [2, 6, 3, 2]", "x * 2"),
    ("channel_shuffle_1d", "nn.ChannelShuffle(2)", "x: [2, 8, 5]", "x - 1"),
    ("softmax2d", "nn.Softmax2d()", "x: [2, 4, 3, 3]", "x * 3"),
    ("softmax2d_unbatched", "nn.Softmax2d()", "x: [4, 3, 3]", "x"),
    # recurrent cells, with the state given or zeros, batched or not
    ("gru_cell", "nn.GRUCell(6, 4)", "x: [4, 6]", "x * 2"),
    ("gru_cell_state", "nn.GRUCell(6, 4)", "x: [4, 6]", "x, x[:, 2:] - 0.5"),
    ("rnn_cell_relu", "nn.RNNCell(6, 5, nonlinearity='relu')", "x: [4, 6]", "x - 0.5"),
    ("rnn_cell_unbatched", "nn.RNNCell(6, 3, bias=False)", "x: [4, 6]", "x[1], x[2, :3]"),
    ("lstm_cell", "nn.LSTMCell(6, 4)", "x: [4, 6]", "x * 2"),
    ("lstm_cell_state", "nn.LSTMCell(6, 4)", "x: [4, 6]", "x, (x[:, 2:] - 0.5, x[:, :4] * 3)"),
    ("lstm_cell_unbatched", "nn.LSTMCell(6, 3, bias=False)", "x: [4, 6]",
     "x[1], (x[2, :3], x[3, 3:])"),
    # flip: rows of their own, reversed copies
    ("flipped", LINEAR, "x: [4, 6]", "x.flip(1) - 2 * torch.flip(x, [0, 1]) + x.flip([])"),
    ("rolled", LINEAR, "x: [4, 6]",
     "x.roll(2, 1) - 2 * torch.roll(x, shifts=(-1, 9), dims=(0, -1)) + x.roll(-5)"),
    # cumsum, cumprod: running sums and products (in double, as PyTorch's CPU kernel), of a
    # mask's bools made float32 by dtype= as DETR's sine positions count them
    ("cumulative", LINEAR, "x: [4, 6]",
     "x.cumsum(1) - torch.cumsum(x, 0) * 0.5 + (x + 1).cumprod(-1) * 0.1"),
    ("mask_counts", LINEAR, "x: [4, 6]",
     "x + (x > 0).cumsum(1, dtype=torch.float32) / 6 "
     "+ (~torch.zeros(4, 6, dtype=torch.bool)).cumsum(0, dtype=torch.float32).sin()"),
    # weight_norm: netshape's weight_g and weight_v, loaded into PyTorch, which rebuilds the weight
    ("weight_norm", "nn.utils.weight_norm(nn.Linear(6, 3))", "x: [4, 6]", "x * 2"),
    ("weight_norm_dim1", "nn.utils.weight_norm(nn.Linear(6, 3), dim=1)", "x: [4, 6]", "x"),
    ("weight_norm_whole", "nn.utils.weight_norm(nn.Linear(6, 3), dim=None)", "x: [4, 6]", "x"),
    ("weight_norm_conv", "nn.utils.weight_norm(nn.Conv1d(2, 3, 3), dim=-2)", "x: [4, 2, 6]",
     "x"),
    ("weight_norm_transposed", "nn.utils.weight_norm(nn.ConvTranspose1d(2, 3, 3))",
     "x: [4, 2, 6]", "x - 1"),
    # spectral_norm: weight_orig and the buffers u and v loaded; in eval mode PyTorch divides the
    # weight by u . (W v) (W: rows the dim `dim`, 1 for a transposed convolution)
    ("spectral_norm", "nn.utils.spectral_norm(nn.Linear(6, 3))", "x: [4, 6]", "x"),
    ("spectral_norm_dim1", "nn.utils.spectral_norm(nn.Linear(6, 3), dim=1)", "x: [4, 6]",
     "x * 2"),
    ("spectral_norm_conv", "nn.utils.spectral_norm(nn.Conv1d(2, 3, 3), dim=2)", "x: [4, 2, 6]",
     "x"),
    ("spectral_norm_transposed", "nn.utils.spectral_norm(nn.ConvTranspose1d(2, 3, 3))",
     "x: [4, 2, 6]", "x + 1"),
    # written in place and not assigned: every name holding the tensor sees it
    ("in_place_unassigned", LINEAR, "x: [4, 6]", "y",
     "y = torch.tanh(x)\n        y.sigmoid_()\n        F.relu(y, inplace=True)\n"
     "        y.masked_fill_(y > 0.6, 0.0)\n        y.add_(x)"),
    # item assignment (`y[t] = v`): setitem rows written into the tensor, a value broadcast to
    # the place (leading 1s dropped), a number, slices with steps, None and `...`
    ("setitem_rows", LINEAR, "x: [4, 6]", "y",
     "y = torch.zeros(4, 6)\n        for t in range(1, 4):\n            y[t] = x[t - 1] * t"),
    ("setitem_places", LINEAR, "x: [4, 6]", "y",
     "y = torch.tanh(x)\n        y[:, 0] = 0.5\n        y[1:, ::2] = x[0, :3]\n"
     "        y[..., None, -1] = torch.ones(1, 4, 1) * 2\n        y[-1, 1:5:3] = x[:1, 4:]"),
    ("setitem_ids", EMBEDDING, "x: [4, 6] long", "y",
     "y = torch.zeros(4, 6, dtype=torch.long)\n        y[1:] = x[1:]\n        y[:, 0] = 2.7\n"
     "        y[2] = torch.arange(6)"),
    # torch.gather: the input's elements at an index's positions (an argsort's, as MAE's masking)
    ("gather", LINEAR, "x: [4, 6]", "torch.gather(x, 1, torch.argsort(x, dim=1))"),
    ("gather_rows", LINEAR, "x: [4, 6]", "x.gather(0, torch.argsort(x[:, :1], dim=0).expand(4, 6))"),
    # F.one_hot: int64 rows of 0s and 1s, the indices drawn below num_classes
    ("one_hot", LINEAR, "x: [4, 2] long", "F.one_hot(x, 6).float().sum(1) + F.one_hot(x[:, 0], 6)"),
    # a bool mask as the index: masked_fill rows (the mask of leading dims extended by 1s)
    ("setitem_masks", LINEAR, "x: [4, 6]", "y",
     "y = torch.tanh(x)\n        y[y > 0.5] = 0.0\n        y[x[:, 0] < 0] = -1"),
]

# recurrent layers' final states: forward returns the output and the states (`h_n`, an LSTM's
# `c_n`), rows named `layer.h_n` and `layer.c_n` (a one-layer, one-direction h_n is the output's
# last step instead: not compared); an attention's weights likewise. name, the layer, the input comment, the call's arguments,
# the rows compared with PyTorch's (output, h_n[, c_n]) in order (None: not a row)
STATE_CASES = [
    ("gru_layers", "nn.GRU(6, 4, num_layers=2)", "x: [5, 3, 6]", "x",
     ("layer", "layer.h_n")),
    ("lstm_bidirectional", "nn.LSTM(6, 4, num_layers=2, bidirectional=True, batch_first=True)",
     "x: [3, 5, 6]", "x", ("layer", "layer.h_n", "layer.c_n")),
    ("lstm_projected", "nn.LSTM(6, 5, num_layers=2, proj_size=3)", "x: [5, 3, 6]", "x",
     ("layer", "layer.h_n", "layer.c_n")),
    ("lstm_given_state", "nn.LSTM(6, 4, num_layers=2)", "x: [5, 3, 6]",
     "x, (x[:2, :, :4] * 2, x[3:, :, 2:] - 0.5)", ("layer", "layer.h_n", "layer.c_n")),
    ("rnn_unbatched", "nn.RNN(6, 4, num_layers=3, nonlinearity='relu')", "x: [5, 6]", "x",
     ("layer", "layer.h_n")),
    ("lstm_one_layer_cell", "nn.LSTM(6, 4)", "x: [5, 3, 6]", "x", ("layer", None, "layer.c_n")),
    # nn.MultiheadAttention's (output, weights): the weights a row `layer.weights`, averaged
    # over the heads or per head (forward's arguments by position: key_padding_mask,
    # need_weights, attn_mask, average_attn_weights)
    ("attention_weights", "nn.MultiheadAttention(6, 2, batch_first=True)", "x: [2, 4, 6]",
     "x, x, x", ("layer", "layer.weights")),
    ("attention_weights_heads", "nn.MultiheadAttention(6, 3, add_bias_kv=True, "
     "add_zero_attn=True)", "x: [4, 2, 6]",
     "x, x, x, (x[:, :, 0] > 0.5).t(), True, None, False", ("layer", "layer.weights")),
    ("attention_weights_unbatched", "nn.MultiheadAttention(6, 2)", "x: [4, 6]",
     "x, x[:3] * 2, x[:3], None, True, None, False", ("layer", "layer.weights")),
]

STATE_FORWARD = {
    2: "out, h = self.layer({expr})\n        return out, h",
    3: "out, (h, c) = self.layer({expr})\n        return out, h, c",
}

MODEL = """# input {comment}
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Stepped(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = {layer}

    def forward(self, x):
        {before}
        return self.layer({expr})


model = Stepped()
"""


def run_case(netshape, tmp, name, layer, comment, expr, before="pass", rows=None):
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        text = MODEL.format(comment=comment, layer=layer, expr=expr, before=before)
        if rows:  # a recurrent layer's states returned: its forward, not the one-line return
            text = text.replace(f"return self.layer({expr})",
                                STATE_FORWARD[len(rows)].format(expr=expr))
        f.write(text)
    saved = os.path.join(tmp, name)
    r = subprocess.run([netshape, "run", path, "--save-tensors", saved], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return f"netshape run failed: {r.stdout}{r.stderr}"
    if "computes no values" in r.stderr:
        return f"netshape says it does not compute a value: {r.stderr}"
    load = lambda n: torch.from_numpy(np.load(os.path.join(saved, n + ".npy")))  # noqa: E731
    x = load("input.x")
    if comment.endswith("long"):
        x = x.long()
    module = eval(layer).eval()  # noqa: S307 - the cases above; eval mode, as netshape's
    with torch.no_grad():
        for p, t in module.named_parameters():
            t.copy_(load("layer." + p))
        for p, t in module.named_buffers():  # spectral_norm's u and v (netshape saves them)
            if os.path.exists(os.path.join(saved, "layer." + p + ".npy")):
                t.copy_(load("layer." + p))
        import math  # noqa: F401 - the expressions use it
        env = {"x": x, "torch": torch, "F": F, "math": math}
        exec(before.replace("\n        ", "\n"), env)  # noqa: S102 - the cases above
        want = module(*eval("(" + expr + ",)", env))  # noqa: S307 - one or more arguments
    if rows:  # (output, h_n) or (output, (h_n, c_n))
        want = (want[0],) + (want[1] if isinstance(want[1], tuple) else (want[1],))
    # an LSTMCell returns (h, c): its rows `layer` and `layer.c`
    names = rows or ("layer", "layer.c")
    for saved_name, w in zip(names, want if isinstance(want, tuple) else (want,)):
        if saved_name is None:
            continue
        got = load(saved_name)
        if w.shape != got.shape:
            return f"{saved_name}: shape {list(got.shape)} != PyTorch's {list(w.shape)}"
        worst = (w - got).abs().max().item() / max(1.0, w.abs().max().item())
        if worst > 1e-5:
            return f"{saved_name} differs from PyTorch by {worst:.2e}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", required=True)
    a = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(case, {}) for case in CASES]
        cases += [(case[:4], {"rows": case[4]}) for case in STATE_CASES]
        for case, more in cases:
            error = run_case(a.netshape, tmp, *case, **more)
            print(f"{'ok' if error is None else 'FAIL':8} {case[0]:16} {error or ''}")
            failed += error is not None
    print(f"value steps parity: {len(cases) - failed}/{len(cases)} cases match PyTorch")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
