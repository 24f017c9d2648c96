#pragma once
// `netshape bench conv`: times the convolution kernels on a set of layers and reports
// GFLOP/s, the fraction of the machine's measured FP32 peak and, when built with oneDNN,
// the ratio to oneDNN's direct convolution. See docs/executor.md, "Reading the bench".

#include <ostream>
#include <string>

#include "netshape/kernels/cpu.hpp"

namespace netshape {

struct ConvBenchOptions {
  std::string layers_csv;         // empty = built-in set (same as tests/bench/conv_layers.csv)
  int threads = 1;                // > 0: run with this many threads; <= 0: run 1 and all cores
  std::string format = "table";   // "table" or "json"
  double min_seconds = 0.3;       // minimum timed duration per (layer, impl, threads)
  bool include_reference = true;  // also time the naive reference (single-threaded)
  kernels::Isa isa = kernels::Isa::Auto;  // force the blocked kernel's ISA (and the peak probe's)
};

// Returns a process exit code: 0 on success, 2 on bad options or a bad CSV
// (message "file:line: what is wrong" on `err`).
int run_conv_bench(const ConvBenchOptions& options, std::ostream& out, std::ostream& err);

// Whether this build of the benchmark compares with oneDNN or OpenBLAS. The `netshape` executable
// is static and never does: netshape-bench-ref, built beside it when CMake finds them, does.
bool conv_bench_compares();

// The built-in layer set as CSV text (header + rows).
const char* builtin_conv_layers_csv();

}  // namespace netshape
