// PyTorch's elementwise formulas on float32 values where the obvious C++ differs from it: shared
// by the values the Python frontend computes (`torch.arange(4) // 3` in __init__) and the value
// steps `run` applies (`x // 3` in forward), so both compute what PyTorch computes.
#pragma once
#include <cmath>

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

}  // namespace netshape
