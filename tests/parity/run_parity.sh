#!/usr/bin/env bash
# Parity check: are the committed tests/golden/*.torch.json still PyTorch's truth?
# Regenerates them with tests/golden/gen_golden.py (real torch.nn modules, real forward passes) into a
# temporary directory and diffs against the committed files. Exits 0 with a message when no Python
# with torch is available (so CI without torch skips it), 1 on any difference or a missing golden file.
#
# Usage: tests/parity/run_parity.sh            (PYTHON=/path/to/python to choose the interpreter)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GOLDEN="$ROOT/tests/golden"

. "$ROOT/tests/parity/find_python.sh"
require_python "parity" 'torch'

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "parity: $("$PY" -c 'import torch; print("torch", torch.__version__)') via $PY"
if ! "$PY" "$GOLDEN/gen_golden.py" --models "$ROOT/models" --out "$TMP" >"$TMP/gen.log" 2>&1; then
  cat "$TMP/gen.log"
  echo "parity: FAILED: gen_golden.py could not interpret every model"
  exit 1
fi

status=0
for new in "$TMP"/*.torch.json; do
  name="$(basename "$new")"
  if [ ! -f "$GOLDEN/$name" ]; then
    echo "parity: missing committed golden tests/golden/$name (run tests/golden/gen_golden.py)"
    status=1
  elif ! diff -u "$GOLDEN/$name" "$new" >"$TMP/diff.txt"; then
    echo "parity: tests/golden/$name differs from PyTorch:"
    cat "$TMP/diff.txt"
    status=1
  fi
done
for old in "$GOLDEN"/*.torch.json; do
  [ -e "$old" ] || continue
  name="$(basename "$old")"
  if [ ! -f "$TMP/$name" ]; then
    echo "parity: stale golden tests/golden/$name (no models/${name%.torch.json}.ns)"
    status=1
  fi
done
count=$(ls "$TMP"/*.torch.json | wc -l)
if [ $status -eq 0 ]; then
  echo "parity: OK, $count models match PyTorch's truth"
else
  echo "parity: FAILED"
fi
exit $status
