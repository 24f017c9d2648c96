#!/usr/bin/env bash
# Builds (if needed) and runs the libFuzzer target on the whole netshape pipeline.
#
#   tests/fuzz/run_fuzz.sh [SECONDS | -runs=N] [extra libFuzzer flags...]
#
#   tests/fuzz/run_fuzz.sh 3600           one hour (the campaign before a release)
#   tests/fuzz/run_fuzz.sh -runs=20000    a fixed number of executions (the CI smoke run)
#   tests/fuzz/run_fuzz.sh 600 -max_len=65536 -len_control=0 -jobs=2 -workers=2
#   (no argument: 60 seconds)
#
# Environment:
#   NETSHAPE_FUZZ_BUILD      build directory (default: build-fuzz)
#   NETSHAPE_FUZZ_CORPUS     working corpus, grows across runs (default: $BUILD/fuzz/corpus)
#   NETSHAPE_FUZZ_ARTIFACTS  where crash-/leak-/timeout-/oom- inputs and their minimised forms go
#                            (default: $BUILD/fuzz/artifacts)
#   NETSHAPE_FUZZ_JOBS       build parallelism (default: 2)
#
# Exit status: 0 when the run ended without a finding; 1 on any crash, sanitizer report (ASan,
# UBSan), leak, timeout (-timeout=5), out-of-memory (-rss_limit_mb=2048) or broken contract, after
# minimising the input (-minimize_crash=1) and printing where it is; 2 on a build or usage error.
# See docs/fuzzing.md.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

build=${NETSHAPE_FUZZ_BUILD:-build-fuzz}
arg=${1:-60}
if [[ $arg =~ ^-runs=[0-9]+$ ]]; then
  budget=("$arg")
elif [[ $arg =~ ^[0-9]+$ ]]; then
  budget=("-max_total_time=$arg")
elif [[ $arg == -h || $arg == --help ]]; then
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
else
  echo "run_fuzz.sh: expected SECONDS or -runs=N first, got '$arg' (see --help)" >&2
  exit 2
fi
[ $# -gt 0 ] && shift

if ! command -v clang++ >/dev/null; then
  echo "run_fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

# -O1 -g: fast enough to fuzz, quick to build with every sanitizer, readable stacks.
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DNETSHAPE_FUZZ=ON >/dev/null || exit 2
else
  cmake -S . -B "$build" -DNETSHAPE_FUZZ=ON >/dev/null || exit 2
fi
cmake --build "$build" --target fuzz_netshape -j"${NETSHAPE_FUZZ_JOBS:-2}" || exit 2

fuzzer=$build/tests/fuzz/fuzz_netshape
dict=$build/fuzz/netshape.dict
seeds=$build/fuzz/seed_corpus
corpus=${NETSHAPE_FUZZ_CORPUS:-$build/fuzz/corpus}
artifacts=${NETSHAPE_FUZZ_ARTIFACTS:-$build/fuzz/artifacts}
mkdir -p "$corpus" "$artifacts"
# Absolute paths: the fuzzer runs in the artifacts directory, where -jobs puts its fuzz-N.log.
fuzzer=$(realpath "$fuzzer") dict=$(realpath "$dict") seeds=$(realpath "$seeds")
corpus=$(realpath "$corpus") artifacts=$(realpath "$artifacts")
log=$artifacts/last_run.log

# New inputs go to the first directory (the working corpus); the seeds are only read.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
flags=(-dict="$dict" -rss_limit_mb=2048 -timeout=5 -print_final_stats=1
  -artifact_prefix="$artifacts/" "${budget[@]}" "$@")
echo "== $fuzzer ${flags[*]} $corpus $seeds"
(cd "$artifacts" && "$fuzzer" "${flags[@]}" "$corpus" "$seeds") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# libFuzzer's final stats (-print_final_stats=1) and its last status line (cov: edges, ft: features).
summary() {
  local runs speed cov
  runs=$(awk '/^stat::number_of_executed_units:/ {n = $2} END {print n}' "$log")
  speed=$(awk '/^stat::average_exec_per_sec:/ {n = $2} END {print n}' "$log")
  cov=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+')
  echo "== executions: ${runs:-?} (${speed:-?} exec/s), ${cov:-cov: ? ft: ?}"
}

if [ "$status" -eq 0 ]; then
  summary
  echo "== no crash"
  exit 0
fi

# A finding: libFuzzer wrote the input to the artifact prefix ("Test unit written to ...").
finding=$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/^Test unit written to //')
summary
if [ -z "$finding" ] || [ ! -f "$finding" ]; then
  echo "== the fuzzer failed (exit $status) without writing an input; see $log" >&2
  exit 1
fi
kind=$(grep -m1 -E 'ERROR: |runtime error: |contract broken: ' "$log")
echo "== finding (exit $status): ${kind:-see $log}"
grep -m1 '^SUMMARY: ' "$log" | sed 's/^/== /'
echo "== input: $finding"

# Minimise it: the smallest input that still fails the same way, for a regression test.
if [[ "$(basename "$finding")" != oom-* ]]; then
  (cd "$artifacts" && "$fuzzer" -minimize_crash=1 -max_total_time=60 -rss_limit_mb=2048 \
    -timeout=5 -artifact_prefix="$artifacts/" "$finding") >"$artifacts/minimize.log" 2>&1
  # libFuzzer ends with "CRASH_MIN: failed to minimize beyond FILE (N bytes)".
  minimized=$(sed -n 's/^CRASH_MIN: failed to minimize beyond \([^ ]*\) .*/\1/p' "$artifacts/minimize.log" | tail -1)
  if [ -z "$minimized" ]; then  # out of time: the last minimised form written
    for f in $(grep -o "$artifacts/minimized-from-[0-9a-f]*" "$artifacts/minimize.log" | tac); do
      if [ -f "$f" ]; then minimized=$f && break; fi
    done
  fi
  if [ -n "$minimized" ] && [ -f "$minimized" ]; then
    echo "== minimised: $minimized ($(wc -c <"$minimized") bytes, was $(wc -c <"$finding"))"
    echo "== reproduce: $fuzzer $minimized"
  else
    echo "== could not minimise (see $artifacts/minimize.log); reproduce: $fuzzer $finding"
  fi
fi
exit 1
