#!/usr/bin/env python3
"""Regenerates docs/ops.md from include/netshape/ops.def (run from the repository root)."""
import re

FORMULAS = {
    'conv': "`out = floor((in + 2p - d(k-1) - 1)/s) + 1` per spatial dim; `padding='same'` keeps the size (stride 1 only), `'valid'` is 0. params `C_out*(C_in/groups)*prod(k) (+ C_out bias)`; MACs `N*C_out*prod(out)*(C_in/groups)*prod(k)`. Input `[N, C, *]` or unbatched `[C, *]`.",
    'conv_transpose': "`out = (in-1)s - 2p + d(k-1) + output_padding + 1`; params `C_in*(C_out/groups)*prod(k) (+ C_out)`; MACs `N*C_in*prod(in)*(C_out/groups)*prod(k)`.",
    'max_pool': "`out = floor((in + 2p - d(k-1) - 1)/s) + 1` (ceil with `ceil_mode`; the last window must start inside the input or left padding); `stride=None` means `kernel_size`; `padding <= kernel_size/2`.",
    'avg_pool': "as max pooling with dilation 1; `count_include_pad`, `divisor_override` affect values only.",
    'adaptive_avg_pool': "output spatial size = `output_size` (an int, or a tuple whose `None` entries keep the input size).",
    'adaptive_max_pool': "as adaptive average pooling.",
    'batch_norm': "shape unchanged; `C` must equal `num_features`; params `2*C` when `affine` (running mean/var are buffers, not params). 1d: `[N, C]` or `[N, C, L]`; 2d: `[N, C, H, W]`; 3d: `[N, C, D, H, W]`.",
    'instance_norm': "shape unchanged; params `2*C` when `affine` (channels are checked only then, like PyTorch).",
    'layer_norm': "trailing dims must equal `normalized_shape`; params `2*prod(normalized_shape)` (weight, and bias unless `bias=False`).",
    'group_norm': "`num_channels % num_groups == 0`; `C` must equal `num_channels`; params `2*C` when `affine`.",
    'elementwise': "shape unchanged, no params, no MACs.",
    'dropout_nd': "shape unchanged (channel dropout; identity at inference).",
    'softmax': "shape unchanged; `dim=None` picks PyTorch's legacy implicit dim (0 for ranks 0, 1, 3; else 1).",
    'flatten': "merges dims `start_dim..end_dim` (module default 1, functional default 0).",
    'unflatten': "splits `dim` into `unflattened_size` (one `-1` allowed).",
    'view': "new shape with at most one `-1`; the element count must match (a symbolic batch is tracked: `view(-1, 128)` of `[B, 64, 2, 2]` is `[2*B, 128]`; `view(B, -1)` names the batch).",
    'squeeze': "removes size-1 dims (all, or `dim` when it is 1).",
    'unsqueeze': "inserts a size-1 dim at `dim` (in `[-rank-1, rank]`).",
    'transpose': "swaps `dim0` and `dim1`.",
    'mean': "reduces `dim` (an int or a list; `None`: all dims), keeping size-1 dims with `keepdim=True`.",
    'linear': "`[*, in_features] -> [*, out_features]`; params `in*out (+ out)`; MACs `prod(leading)*in*out`.",
    'constant_pad': "`padding` is an int or `(left, right, top, bottom)`; pads the last two dims.",
    'interpolate': "exactly one of `size` / `scale_factor`; `out = floor(in * scale_factor)`; modes nearest, nearest-exact, linear (3D), bilinear/bicubic (4D), trilinear (5D), area; `align_corners` only with interpolating modes. `UpsamplingNearest2d` is nearest, `UpsamplingBilinear2d` bilinear with `align_corners=True`.",
    'add': "broadcasting `add`/`sub`/`mul`/`div` of two tensors: `add(a, b)`, or `add(b)` = previous + b; PyTorch's broadcasting rules.",
    'cat': "concatenates `cat([a, b], dim=1)`; all other dims must match; default `dim=0` as in torch.",
}

ops = []
for line in open('include/netshape/ops.def'):
    m = re.match(r'NS_OP\((\w+), "(\w+)", (\d), (\w+), \w+, "(.*)"\)', line.strip())
    if m:
        ops.append(m.groups())
out = ["# Ops reference\n\n",
       "Generated from `include/netshape/ops.def` (the one list every op comes from) by "
       "`docs/tools/gen_ops_md.py`. Signatures are PyTorch's, without the tensor arguments; defaults "
       "are PyTorch's. Every module also accepts `frozen=True` (its params count as non-trainable).\n\n",
       "| op | signature | rule |\n|---|---|---|\n"]
for _id, name, _nd, family, sig in ops:
    out.append(f"| `{name}` | `{name}({sig})` | {FORMULAS[family]} |\n")
open('docs/ops.md', 'w').write(''.join(out))
print(f"docs/ops.md: {len(ops)} ops")
