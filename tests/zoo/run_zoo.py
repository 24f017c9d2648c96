#!/usr/bin/env python3
"""Every zoo model through `netshape run` at batch 1 and 8: each must validate every shape.

Prints, per run, the forward time, the peak RSS of the netshape process and netshape's own
estimate of its peak (the memory guard of `run`: the peak RSS must not exceed it, and from
batch 8 must be within 10% of it) (run frees each activation after its last reader and makes each layer's
weights only for that layer, so the estimate is the largest set of live activations plus one
layer's weights and scratch). Exit 1 on any failure.

Usage: run_zoo.py [--netshape build/netshape] [--threads 2] [--batches 1,8] [NAME ...]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(netshape, path, batch, threads):
    """(forward ms, peak RSS bytes, estimated peak bytes, match) of one run in a child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([netshape, "run", path, "--batch", str(batch), "--threads",
                                  str(threads), "--format", "json"], stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS (KiB on Linux)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(err.read().decode(errors="replace").strip()[:600])
        d = json.loads(out.read())
    ms = sum(layer["ms"] for layer in d["layers"])
    return ms, usage.ru_maxrss * 1024, d["memory"]["estimated_peak_bytes"], d["match"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netshape", default=os.path.join(ROOT, "build", "netshape"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    files = [os.path.join(ROOT, "models", "zoo", n + ".ns") for n in a.names] or sorted(
        glob.glob(os.path.join(ROOT, "models", "zoo", "*.ns")))
    failed = 0
    print(f"{'model':18} {'batch':>5} {'forward ms':>11} {'peak RSS MB':>12} {'estimate MB':>12}"
          f" {'ratio':>6}")
    for batch in (int(b) for b in a.batches.split(",")):
        for path in files:
            name = os.path.basename(path)[:-3]
            try:
                ms, rss, estimate, match = run(a.netshape, path, batch, a.threads)
            except RuntimeError as e:
                print(f"{name} batch {batch}: netshape run failed:\n{e}")
                failed += 1
                continue
            print(f"{name:18} {batch:5} {ms:11.1f} {rss / 2**20:12.1f} {estimate / 2**20:12.1f}"
                  f" {rss / estimate:6.2f}")
            if rss > estimate:  # run's memory guard must never under-estimate
                print(f"{name} batch {batch}: the peak RSS is above run's estimate")
                failed += 1
            # From batch 8 the activations outweigh the process's fixed few MB (its code and
            # libraries, counted in the estimate as an allowance): the estimate is within 10%.
            if batch >= 8 and rss < 0.9 * estimate:
                print(f"{name} batch {batch}: the peak RSS is more than 10% below run's estimate")
                failed += 1
            if not match:
                print(f"{name} batch {batch}: the forward pass's shapes differ from inference's")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
