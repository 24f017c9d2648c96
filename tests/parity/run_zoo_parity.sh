#!/usr/bin/env bash
# Numeric parity of the zoo: `netshape run` of models/zoo/resnet18.ns and mobilenet_v2.ns against
# torchvision's models with netshape's weights, every module's output within 1e-4, at batch 1 and
# 8, and models/zoo/unet.ns against the reference U-Net of tests/zoo/gen_golden.py at batch 1
# (tests/parity/zoo_numeric_parity.py). Exits 0 with a message when no Python with torch,
# torchvision and numpy is available, 1 on any mismatch.
#
# Usage: tests/parity/run_zoo_parity.sh [NETSHAPE]   (default build/netshape; PYTHON=... to choose)
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$ROOT/tests/parity/find_python.sh"
NETSHAPE="$(netshape_path "${1:-}" "$ROOT")"
require_python "zoo parity" 'torch, torchvision, numpy'
echo "zoo parity: $("$PY" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)') via $PY"
status=0
for batch in 1 8; do
  "$PY" "$ROOT/tests/parity/zoo_numeric_parity.py" --netshape "$NETSHAPE" --zoo "$ROOT/models/zoo" --batch "$batch" || status=1
done
# The U-Net (transposed convolutions) against tests/zoo/gen_golden.py's reference, batch 1 only
# (~11 s; its batch-8 tensors alone would be ~2 GB on disk).
"$PY" "$ROOT/tests/parity/zoo_numeric_parity.py" --netshape "$NETSHAPE" --zoo "$ROOT/models/zoo" --batch 1 unet || status=1
exit $status
