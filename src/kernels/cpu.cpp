// Run-time ISA detection and an FMA-throughput probe used as the "machine peak".
#include "netshape/kernels/cpu.hpp"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace netshape::kernels {

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Auto:
    case Isa::Scalar:
      return true;
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f");
  }
  return false;
}

Isa best_isa() {
  if (isa_supported(Isa::Avx512)) return Isa::Avx512;
  if (isa_supported(Isa::Avx2)) return Isa::Avx2;
  return Isa::Scalar;
}

Isa resolve_isa(Isa isa) {
  if (isa == Isa::Auto) return best_isa();
  if (!isa_supported(isa))
    throw std::invalid_argument(std::string("ISA not supported by this CPU: ") + isa_name(isa));
  return isa;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out{Isa::Scalar};
  for (Isa isa : {Isa::Avx2, Isa::Avx512})
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Auto:
      return "auto";
    case Isa::Scalar:
      return "scalar";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : {Isa::Auto, Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (name == isa_name(isa)) return isa;
  throw std::invalid_argument("unknown ISA '" + std::string(name) +
                              "' (expected auto, scalar, avx2 or avx512)");
}

namespace {

// Each probe runs `iters` rounds of kChains independent FMA chains. Ten chains cover
// FMA latency (4 cycles) x 2 FMA ports with margin, so the loop is throughput-bound.
// Returns a value derived from the accumulators so the work cannot be optimised away.
constexpr int kChains = 10;

__attribute__((target("avx512f"))) float fma_probe_avx512(int64_t iters) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float v[16];
  _mm512_store_ps(v, s);
  float r = 0;
  for (float x : v) r += x;
  return r;
}

__attribute__((target("avx2,fma"))) float fma_probe_avx2(int64_t iters) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float v[8];
  _mm256_store_ps(v, s);
  float r = 0;
  for (float x : v) r += x;
  return r;
}

// Scalar "peak": SSE2 mul+add on 4 lanes, the best the portable build can do.
float fma_probe_scalar(int64_t iters) {
  float acc[kChains][4];
  for (int i = 0; i < kChains; ++i)
    for (int l = 0; l < 4; ++l) acc[i][l] = 0.001f * static_cast<float>(i + l);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kChains; ++i)
      for (int l = 0; l < 4; ++l) acc[i][l] = acc[i][l] * 0.999999f + 1e-7f;
  float r = 0;
  for (auto& c : acc)
    for (float x : c) r += x;
  return r;
}

int lanes(Isa isa) {
  return isa == Isa::Avx512 ? 16 : isa == Isa::Avx2 ? 8 : 4;
}

float run_probe(Isa isa, int64_t iters) {
  switch (isa) {
    case Isa::Avx512:
      return fma_probe_avx512(iters);
    case Isa::Avx2:
      return fma_probe_avx2(iters);
    default:
      return fma_probe_scalar(iters);
  }
}

}  // namespace

double measure_fp32_peak_gflops_per_core(Isa isa, double seconds) {
  isa = resolve_isa(isa);
  using clock = std::chrono::steady_clock;
  volatile float sink = 0;
  int64_t iters = 1 << 16;
  double best = 0;
  const auto start = clock::now();
  // Grow the probe until one run takes >= 2 ms, then keep the best of the remaining
  // runs: short runs, so that on a shared machine some of them fit between other
  // processes' time slices (the first runs also warm up the AVX-512 frequency license).
  while (std::chrono::duration<double>(clock::now() - start).count() < seconds) {
    const auto t0 = clock::now();
    sink = sink + run_probe(isa, iters);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt < 0.002) {
      iters *= 2;
      continue;
    }
    const double flops = 2.0 * kChains * lanes(isa) * static_cast<double>(iters);
    best = std::max(best, flops / dt * 1e-9);
  }
  return best;
}

}  // namespace netshape::kernels
