// PyTorch's elementwise formulas on float32 values where the obvious C++ differs from it: shared
// by the values the Python frontend computes (`torch.arange(4) // 3` in __init__) and the value
// steps `run` applies (`x // 3` in forward), so both compute what PyTorch computes.
#pragma once
#include <cmath>

namespace netshape {

// c10::div_floor_floating: floor division as PyTorch's floor_divide computes it for floats
// (exact where floor(a / b) would round the quotient first).
inline float floor_divide(float a, float b) {
  if (b == 0) return a / b;
  float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0f;
  if (div == 0) return std::copysign(0.0f, a / b);
  float floordiv = std::floor(div);
  if (div - floordiv > 0.5f) floordiv += 1.0f;
  return floordiv;
}

// The remainder kernel: the divisor's sign, as Python's `%`.
inline float python_remainder(float a, float b) {
  float mod = std::fmod(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

// pow(Tensor, Scalar) on floats (ATen/native/cpu/PowKernel.cpp): exponents 0, 1, 2, 3, -2, 0.5,
// -0.5 have their own kernels, whose roundings differ from std::pow's.
inline float pow_by_scalar(float x, float e) {
  if (e == 0.0f) return 1.0f;
  if (e == 1.0f) return x;
  if (e == 2.0f) return x * x;
  if (e == 3.0f) return x * x * x;
  if (e == -2.0f) return 1.0f / (x * x);
  if (e == 0.5f) return std::sqrt(x);
  if (e == -0.5f) return 1.0f / std::sqrt(x);
  return std::pow(x, e);
}

}  // namespace netshape
