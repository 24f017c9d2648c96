// PyTorch's elementwise formulas on float32 values where the obvious C++ differs from it: shared
// by the values the Python frontend computes (`torch.arange(4) // 3` in __init__) and the value
// steps `run` applies (`x // 3` in forward), so both compute what PyTorch computes.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace netshape {

// c10::div_floor_floating: floor division as PyTorch's floor_divide computes it for floats
// (exact where floor(a / b) would round the quotient first). T: float or double.
template <typename T>
T floor_divide(T a, T b) {
  if (b == 0) return a / b;
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
  if (div == 0) return std::copysign(T(0), a / b);
  T floordiv = std::floor(div);
  if (div - floordiv > T(0.5)) floordiv += T(1);
  return floordiv;
}

// The remainder kernel: the divisor's sign, as Python's `%`.
template <typename T>
T python_remainder(T a, T b) {
  T mod = std::fmod(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

// pow(Tensor, Scalar) on floats (ATen/native/cpu/PowKernel.cpp): exponents 0, 1, 2, 3, -2, 0.5,
// -0.5 have their own kernels, whose roundings differ from std::pow's.
template <typename T>
T pow_by_scalar(T x, T e) {
  if (e == T(0)) return T(1);
  if (e == T(1)) return x;
  if (e == T(2)) return x * x;
  if (e == T(3)) return x * x * x;
  if (e == T(-2)) return T(1) / (x * x);
  if (e == T(0.5)) return std::sqrt(x);
  if (e == T(-0.5)) return T(1) / std::sqrt(x);
  return std::pow(x, e);
}

// Value i of torch.linspace as the kernel's serial loop computes it: from start in the first half,
// from end in the second, each a fused multiply-add (the AVX2 build contracts them).
inline float linspace_serial(float start, float end, float step, int64_t steps, int64_t i) {
  if (i < steps / 2) return std::fma(step, static_cast<float>(i), start);
  return std::fma(-step, static_cast<float>(steps - i - 1), end);
}

// torch.linspace(start, end, steps) in float32, as PyTorch 1.13's CPU kernel computes it in its
// AVX2 build (what it runs on x86 machines by default). A file using it is compiled with
// -ffp-contract=off (CMakeLists.txt): its roundings are the kernel's, whatever -march adds.
inline std::vector<float> linspace_float32(float start, float end, int64_t steps) {
  std::vector<float> out;
  if (steps <= 0) return out;
  out.reserve(static_cast<size_t>(steps));
  if (steps == 1) out.push_back(start);
  if (steps <= 1) return out;
  float step = (end - start) / static_cast<float>(steps - 1);
  // While two vectors of 8 remain, the kernel fills both: each vector's first value as the serial
  // loop computes it, the others that value plus k steps (rounded twice); the rest serially.
  constexpr int64_t kLanes = 8;  // Vectorized<float> of AVX2
  int64_t i = 0;
  for (; i + 2 * kLanes <= steps; i += 2 * kLanes) {
    for (int64_t first : {i, i + kLanes}) {
      float base = linspace_serial(start, end, step, steps, first);
      for (int64_t k = 0; k < kLanes; ++k) {
        float moved = static_cast<float>(k) * step;
        out.push_back(base + moved);
      }
    }
  }
  for (; i < steps; ++i) out.push_back(linspace_serial(start, end, step, steps, i));
  return out;
}

}  // namespace netshape
