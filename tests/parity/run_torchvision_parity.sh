#!/usr/bin/env bash
# netshape reading torchvision's own model sources against the models torchvision builds
# (torchvision_parity.py), and the Python corpus's golden data re-derived from PyTorch
# (tests/py_models/gen_golden.py into a temporary copy, diffed with the committed golden.json).
# Skips (exit 0) without a Python that has torch and torchvision; exit 1 on any difference.
#
# Usage: tests/parity/run_torchvision_parity.sh NETSHAPE_BINARY
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BINARY="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

. "$ROOT/tests/parity/find_python.sh"
require_python "torchvision parity" 'torchvision'

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cp -r "$ROOT/tests/py_models" "$TMP/py_models"
rm -rf "$TMP/py_models/golden.json" "$TMP/py_models/__pycache__" "$TMP/py_models/unet/__pycache__"
status=0
if ! "$PY" "$TMP/py_models/gen_golden.py" >/dev/null 2>"$TMP/gen.log"; then
  cat "$TMP/gen.log"
  echo "py_models parity: FAILED: gen_golden.py could not build every model"
  status=1
elif ! diff -u "$ROOT/tests/py_models/golden.json" "$TMP/py_models/golden.json"; then
  echo "py_models parity: FAILED: tests/py_models/golden.json is not PyTorch's truth any more"
  status=1
else
  echo "py_models parity: golden.json equals what PyTorch computes"
fi
"$PY" -W ignore "$ROOT/tests/parity/torchvision_parity.py" "$BINARY" || status=1
exit $status
