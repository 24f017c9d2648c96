#!/usr/bin/env bash
# Argument sweep: every form of the ops' arguments (ints, bools, floats, tuples, lists, None;
# keyword or positional; negative and out-of-range dims; kernel/stride/padding/dilation grids),
# one call per generated .py model, `netshape check` against PyTorch run on the same file
# (argument_sweep.py). Prints a count per class (AGREE, WRONG, FALSE_ERROR, UNSTABLE, STALE,
# KNOWN, REFUSED, CRASH) and every case that does not agree; REFUSED (exit 2) and KNOWN (a
# FALSE_ERROR listed with its reason) are listed, not failures. Skips (exit 0) without a Python
# that has torch; exit 1 on any WRONG, FALSE_ERROR, CRASH, STALE or UNSTABLE case.
#
# Usage: tests/parity/run_argument_sweep.sh [NETSHAPE]   (default build/netshape; PYTHON=... to choose)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/tests/parity/find_python.sh"
NETSHAPE="$(netshape_path "${1:-}" "$ROOT")"
require_python "argument sweep" 'torch'
require_binary "argument sweep" "$NETSHAPE"

echo "argument sweep: $("$PY" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null) via $PY, $NETSHAPE"
"$PY" -W ignore "$ROOT/tests/parity/argument_sweep.py" --netshape "$NETSHAPE" || exit 1
