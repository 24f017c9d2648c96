#!/usr/bin/env bash
# `view` after view-making ops against PyTorch (layout_parity.py): random chains of permute,
# transpose, slicing, expand, activations, additions, cat and pooling ending in a `view`; netshape
# refuses exactly the views PyTorch refuses. Skips (exit 0) without a Python that has torch;
# exit 1 on any difference.
#
# Usage: tests/parity/run_layout_parity.sh [NETSHAPE] [COUNT] [SEED]   (PYTHON=... to choose)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/tests/parity/find_python.sh"
NETSHAPE="$(netshape_path "${1:-}" "$ROOT")"
require_python "layout parity" 'torch'
require_binary "layout parity" "$NETSHAPE"
"$PY" -W ignore "$ROOT/tests/parity/layout_parity.py" "$NETSHAPE" "${2:-600}" "${3:-1}"
