#pragma once
// CPU feature detection and instruction-set selection for the convolution kernels.
//
// Kernels are compiled for several instruction sets in the same binary (per-function
// target attributes, no -march flags); the one to run is picked at run time. Tests and
// the bench can force a specific ISA to exercise every code path the machine supports.

#include <string>
#include <string_view>
#include <vector>

namespace netshape::kernels {

enum class Isa {
  Auto,    // pick the best supported ISA at run time
  Scalar,  // portable C++; always available
  Avx2,    // AVX2 + FMA (256-bit)
  Avx512,  // AVX-512F (512-bit)
};

// True when the running CPU can execute code for `isa` (Auto and Scalar: always).
bool isa_supported(Isa isa);

// The widest ISA the running CPU supports.
Isa best_isa();

// Auto -> best_isa(); throws std::invalid_argument for an ISA the CPU cannot run.
Isa resolve_isa(Isa isa);

// Every concrete ISA the CPU supports, narrowest first (Scalar is always first).
std::vector<Isa> supported_isas();

// "auto", "scalar", "avx2", "avx512".
const char* isa_name(Isa isa);

// Parses the names produced by isa_name; throws std::invalid_argument otherwise.
Isa parse_isa(std::string_view name);

// Measured single-precision peak of ONE core in GFLOP/s (an FMA counts as 2 FLOPs),
// using several independent FMA accumulator chains at the width of `isa`. Runs for
// about `seconds`. Multiply by the thread count for a multi-core peak (the bench does).
double measure_fp32_peak_gflops_per_core(Isa isa, double seconds = 0.2);

}  // namespace netshape::kernels
