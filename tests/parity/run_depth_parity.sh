#!/usr/bin/env bash
# `netshape check --depth` against PyTorch, module by module (depth_parity.py): on every model of
# tests/py_models, the rows that are named modules are exactly the modules PyTorch calls, by their
# named_modules() names, with PyTorch's class, parameter count, last output shape and MACs.
# Skips (exit 0) without a Python that has torch; exit 1 on any difference.
#
# Usage: tests/parity/run_depth_parity.sh [NETSHAPE]   (default build/netshape; PYTHON=... to choose)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/tests/parity/find_python.sh"
NETSHAPE="$(netshape_path "${1:-}" "$ROOT")"
require_python "depth parity" 'torch'
require_binary "depth parity" "$NETSHAPE"
"$PY" -W ignore "$ROOT/tests/parity/depth_parity.py" "$NETSHAPE"
