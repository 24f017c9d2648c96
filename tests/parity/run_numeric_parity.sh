#!/usr/bin/env bash
# Numeric parity: does `netshape run` compute what PyTorch computes, layer by layer?
# Runs tests/parity/numeric_parity.py (netshape's saved input/weights loaded into real torch.nn modules,
# every layer's output compared, tolerance 1e-4 relative to max(1, max|torch|)) on every models/*.ns
# that `netshape check` accepts. Exits 0 with a message when no Python with torch and numpy is
# available (so CI without torch skips it), 1 on any mismatch.
#
# Usage: tests/parity/run_numeric_parity.sh [NETSHAPE]   (default build/netshape; PYTHON=... to choose)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/tests/parity/find_python.sh"
NETSHAPE="$(netshape_path "${1:-}" "$ROOT")"
require_python "numeric parity" 'torch, numpy'
require_binary "numeric parity" "$NETSHAPE"

echo "numeric parity: $("$PY" -c 'import torch; print("torch", torch.__version__)') via $PY, $NETSHAPE"
"$PY" "$ROOT/tests/parity/numeric_parity.py" --netshape "$NETSHAPE" --models "$ROOT/models" || exit 1
# nn.MultiheadAttention's masks of every dtype, in .py models.
"$PY" "$ROOT/tests/parity/attention_masks_parity.py" --netshape "$NETSHAPE" || exit 1
# Elementwise math with numbers, comparisons, casts (no rows) before a layer, in .py models.
"$PY" "$ROOT/tests/parity/value_steps_parity.py" --netshape "$NETSHAPE" || exit 1
# F.affine_grid and F.grid_sample in every mode, padding mode and align_corners, 4-D and 5-D.
"$PY" -W ignore "$ROOT/tests/parity/grid_sample_parity.py" --netshape "$NETSHAPE" || exit 1
# The padding modules' shapes and errors, against PyTorch's (a grid of paddings and inputs).
"$PY" "$ROOT/tests/parity/padding_modules_parity.py" --netshape "$NETSHAPE" || exit 1
# Max pooling's indices (return_indices=True) and max unpooling, 1-3 spatial dims, against PyTorch.
"$PY" -W ignore "$ROOT/tests/parity/max_unpool_parity.py" --netshape "$NETSHAPE" || exit 1
# F.conv_transpose1d/2d/3d with the model's tensors: shapes, values and errors, against PyTorch.
"$PY" -W ignore "$ROOT/tests/parity/conv_transpose_functional_parity.py" --netshape "$NETSHAPE" || exit 1
# torch.cdist: shapes, values and errors (PyTorch's order, its dtypes), against PyTorch.
"$PY" -W ignore "$ROOT/tests/parity/cdist_parity.py" --netshape "$NETSHAPE" || exit 1
# F.mse_loss, l1_loss, smooth_l1_loss, huber_loss: shapes, values and errors, against PyTorch.
"$PY" -W ignore "$ROOT/tests/parity/loss_parity.py" --netshape "$NETSHAPE" || exit 1
# LocalResponseNorm's shapes and errors (sizes of every sign, 2 to 5 dims), against PyTorch's.
"$PY" "$ROOT/tests/parity/local_response_norm_parity.py" --netshape "$NETSHAPE" || exit 1
# Edge cases found against PyTorch, kept as probes.
exec "$PY" "$ROOT/tests/parity/numeric_parity.py" --netshape "$NETSHAPE" "$ROOT"/tests/parity/probes/*.ns
