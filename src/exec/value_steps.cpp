// The elementwise steps forward computes with no row of its own (`x * 2`, `ids == 0`,
// `x.clamp(0, 1)`: ValueStep, ir.hpp), applied to the copy of its input a layer reads, as
// PyTorch 1.13 computes them on float32 values (the number cast to float first; a comparison or
// a cast to bool gives 0 or 1; integer tensors hold exact integers in the executor's floats).
#include <cmath>

#include "forward.hpp"
#include "netshape/elementwise.hpp"

namespace netshape {
namespace {

float clamp_below(float v, float lo) {  // NaN stays NaN, as torch.clamp keeps it
  return std::isnan(v) ? v : std::max(v, lo);
}
float clamp_above(float v, float hi) {
  return std::isnan(v) ? v : std::min(v, hi);
}

}  // namespace

float apply_value_step(const ValueStep& s, float v) {
  using Op = ValueStep::Op;
  const float n = static_cast<float>(s.number);
  switch (s.op) {
    case Op::Add:
      return v + n;
    case Op::Sub:
      return v - n;
    case Op::SubFrom:
      return n - v;
    case Op::Mul:
      return v * n;
    case Op::Div:
      return v / n;
    case Op::DivInto:
      return n / v;
    case Op::FloorDiv:
      return floor_divide(v, n);
    case Op::FloorDivInto:
      return floor_divide(n, v);
    case Op::TruncDiv:
      return std::trunc(v / n);
    case Op::TruncDivInto:
      return std::trunc(n / v);
    case Op::Mod:
      return python_remainder(v, n);
    case Op::ModInto:
      return python_remainder(n, v);
    case Op::Pow:
      return pow_by_scalar(v, n);
    case Op::PowOf:
      return std::pow(n, v);
    case Op::Eq:
      return v == n ? 1.0f : 0.0f;
    case Op::Ne:
      return v != n ? 1.0f : 0.0f;
    case Op::Lt:
      return v < n ? 1.0f : 0.0f;
    case Op::Le:
      return v <= n ? 1.0f : 0.0f;
    case Op::Gt:
      return v > n ? 1.0f : 0.0f;
    case Op::Ge:
      return v >= n ? 1.0f : 0.0f;
    case Op::Neg:
      return -v;
    case Op::LogicalNot:
      return v == 0 ? 1.0f : 0.0f;
    case Op::BitNot:
      return -v - 1;  // two's complement: ~k == -k - 1
    case Op::Abs:
      return std::fabs(v);
    case Op::Square:
      return v * v;
    case Op::Sign:
      return static_cast<float>((0 < v) - (v < 0));
    case Op::Floor:
      return std::floor(v);
    case Op::Ceil:
      return std::ceil(v);
    case Op::Round:
      return std::nearbyint(v);  // halves to even, as torch.round
    case Op::Trunc:
      return std::trunc(v);
    case Op::Frac:
      return v - std::trunc(v);
    case Op::Exp:
      return std::exp(v);
    case Op::Exp2:
      return std::exp2(v);
    case Op::Expm1:
      return std::expm1(v);
    case Op::Log:
      return std::log(v);
    case Op::Log2:
      return std::log2(v);
    case Op::Log10:
      return std::log10(v);
    case Op::Log1p:
      return std::log1p(v);
    case Op::Sqrt:
      return std::sqrt(v);
    case Op::Rsqrt:
      return 1.0f / std::sqrt(v);
    case Op::Sin:
      return std::sin(v);
    case Op::Cos:
      return std::cos(v);
    case Op::Erf:
      return std::erf(v);
    case Op::Reciprocal:
      return 1.0f / v;
    case Op::ClampMin:
      return clamp_below(v, n);
    case Op::ClampMax:
      return clamp_above(v, n);
    case Op::ToBool:
      return v != 0 ? 1.0f : 0.0f;  // NaN is true, as bool(nan)
    case Op::Fill:
      return n;
  }
  return v;
}

void apply_value_steps(std::span<const ValueStep> steps, std::span<float> values) {
  for (const ValueStep& s : steps)
    for (float& v : values) v = apply_value_step(s, v);
}

}  // namespace netshape
