// The elementwise steps forward computes with no row of its own (`x * 2`, `ids == 0`,
// `x.clamp(0, 1)`: ValueStep, ir.hpp), applied to the copy of its input a layer reads, as
// PyTorch 1.13 computes them on float32 values (the number cast to float first; a comparison or
// a cast to bool gives 0 or 1; integer tensors hold exact integers in the executor's floats).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "forward.hpp"
#include "netshape/checked.hpp"
#include "netshape/elementwise.hpp"

namespace netshape {
namespace {

template <typename T>
T clamp_below(T v, T lo) {  // NaN stays NaN, as torch.clamp keeps it
  return std::isnan(v) ? v : std::max(v, lo);
}
template <typename T>
T clamp_above(T v, T hi) {
  return std::isnan(v) ? v : std::min(v, hi);
}

// A float cast to an integer of `bits` (a Trunc with bits): what x86's conversion gives, as
// PyTorch's CPU cast does: the most negative integer for NaN, infinities and values out of
// range; never -0 (an integer has none).
double to_integer(double v, double bits) {
  double limit = std::ldexp(1.0, static_cast<int>(bits) - 1);
  if (!(v > -limit - 1 && v < limit)) return -limit;
  return std::trunc(v) + 0.0;
}

// One step in T (float: float32 arithmetic, the number cast to float first, as PyTorch's
// TensorIterator computes with a wrapped number; double: float64 or exact integer arithmetic).
template <typename T>
T step_in(const ValueStep& s, T v) {
  using Op = ValueStep::Op;
  const T n = static_cast<T>(s.number);
  const T one = 1, zero = 0;
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
      return v == n ? one : zero;
    case Op::Ne:
      return v != n ? one : zero;
    case Op::Lt:
      return v < n ? one : zero;
    case Op::Le:
      return v <= n ? one : zero;
    case Op::Gt:
      return v > n ? one : zero;
    case Op::Ge:
      return v >= n ? one : zero;
    case Op::Neg:
      return -v;
    case Op::LogicalNot:
      return v == 0 ? one : zero;
    case Op::BitNot:
      return -v - 1;  // two's complement: ~k == -k - 1
    case Op::Abs:
      return std::fabs(v);
    case Op::Square:
      return v * v;
    case Op::Sign:
      return static_cast<T>((0 < v) - (v < 0));
    case Op::Floor:
      return std::floor(v);
    case Op::Ceil:
      return std::ceil(v);
    case Op::Round:
      return std::nearbyint(v);  // halves to even, as torch.round
    case Op::Trunc:
      return s.number > 0 ? static_cast<T>(to_integer(v, s.number)) : std::trunc(v);
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
      return one / std::sqrt(v);
    case Op::Sin:
      return std::sin(v);
    case Op::Cos:
      return std::cos(v);
    case Op::Erf:
      return std::erf(v);
    case Op::Reciprocal:
      return one / v;
    case Op::NanTo:
      return std::isnan(v) ? n : v;
    case Op::PosInfTo:
      return std::isinf(v) && v > 0 ? n : v;
    case Op::NegInfTo:
      return std::isinf(v) && v < 0 ? n : v;
    case Op::ClampMin:
      return clamp_below(v, n);
    case Op::ClampMax:
      return clamp_above(v, n);
    case Op::ToBool:
      return v != 0 ? one : zero;  // NaN is true, as bool(nan)
    case Op::Fill:
      return n;
  }
  return v;
}

// `v` as an integer of `bits`, wrapped as two's complement.
int64_t wrapped(uint64_t v, int bits) {
  if (bits >= 64) return static_cast<int64_t>(v);
  uint64_t mask = (uint64_t{1} << bits) - 1, sign = uint64_t{1} << (bits - 1);
  v &= mask;
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Python's floor division of integers (checked.hpp), where INT64_MIN // -1 wraps to INT64_MIN as
// PyTorch's does.
int64_t floor_divide_int(int64_t a, int64_t b) {
  return python_floor_div(a, b).value_or(INT64_MIN);
}

// c10's powi: a negative exponent gives 1 of 1, +-1 of -1, and 0 of any other base (a tensor of
// exponents, `2 ** ids`: PyTorch refuses only a negative number as the exponent, at the op).
int64_t pow_int(int64_t base, int64_t e) {
  if (e < 0) return base == 1 ? 1 : base == -1 ? ((-(e + 1)) % 2 == 0 ? -1 : 1) : 0;
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  for (; e > 0; e >>= 1, b *= b)  // wraps as PyTorch's integer pow
    if (e & 1) result *= b;
  return static_cast<int64_t>(result);
}

// One step of an integer tensor, its number an integer: integer arithmetic of s.integer_bits,
// wrapping; nullopt for a step computed as a double (a comparison, a float number).
std::optional<int64_t> integer_step(const ValueStep& s, int64_t v) {
  using Op = ValueStep::Op;
  if (s.number != std::trunc(s.number) || std::fabs(s.number) >= 0x1p63) return std::nullopt;
  const auto n = static_cast<int64_t>(s.number);
  const auto uv = static_cast<uint64_t>(v), un = static_cast<uint64_t>(n);
  auto divisor = [](int64_t d) {
    if (d == 0) throw ForwardError("ZeroDivisionError");
    return d;
  };
  uint64_t r = 0;
  switch (s.op) {
    case Op::Add:
      r = uv + un;
      break;
    case Op::Sub:
      r = uv - un;
      break;
    case Op::SubFrom:
      r = un - uv;
      break;
    case Op::Mul:
      r = uv * un;
      break;
    case Op::FloorDiv:
      r = static_cast<uint64_t>(floor_divide_int(v, divisor(n)));
      break;
    case Op::FloorDivInto:
      r = static_cast<uint64_t>(floor_divide_int(n, divisor(v)));
      break;
    case Op::TruncDiv:
      r = static_cast<uint64_t>(n == -1 ? 0 - uv : v / divisor(n));
      break;
    case Op::TruncDivInto:
      r = static_cast<uint64_t>(v == -1 ? 0 - un : n / divisor(v));
      break;
    case Op::Mod:
      r = static_cast<uint64_t>(*python_mod(v, divisor(n)));
      break;
    case Op::ModInto:
      r = static_cast<uint64_t>(*python_mod(n, divisor(v)));
      break;
    case Op::Pow:
      r = static_cast<uint64_t>(pow_int(v, n));
      break;
    case Op::PowOf:
      r = static_cast<uint64_t>(pow_int(n, v));
      break;
    case Op::Neg:
      r = 0 - uv;
      break;
    case Op::BitNot:
      r = ~uv;
      break;
    case Op::Abs:
      r = v < 0 ? 0 - uv : uv;
      break;
    case Op::Square:
      r = uv * uv;
      break;
    case Op::Sign:
      r = static_cast<uint64_t>(int64_t{v > 0} - int64_t{v < 0});
      break;
    case Op::ClampMin:  // exact, where a double would round an int64 past 2**53
      r = static_cast<uint64_t>(std::max(v, n));
      break;
    case Op::ClampMax:
      r = static_cast<uint64_t>(std::min(v, n));
      break;
    case Op::Floor:
    case Op::Ceil:
    case Op::Round:
    case Op::Trunc:
      r = uv;
      break;
    case Op::Frac:
      r = 0;
      break;
    case Op::Fill:
      r = un;
      break;
    default:
      return std::nullopt;
  }
  return wrapped(r, s.integer_bits);
}

// A value between steps: a double (exact for float32 and float64 values), or an integer when an
// integer step made it (an int64 may not fit a double's 53 bits).
struct Held {
  double f = 0;
  int64_t i = 0;
  bool integer = false;
  double value() const { return integer ? static_cast<double>(i) : f; }
};

void apply(const ValueStep& s, Held& h) {
  if (s.op == ValueStep::Op::Trunc && s.number > 0) {  // a cast to an integer of s.number bits
    int bits = static_cast<int>(s.number);
    h = Held{0,
             h.integer ? wrapped(static_cast<uint64_t>(h.i), bits)  // int64 to int32 wraps
                       : static_cast<int64_t>(to_integer(h.f, s.number)),
             true};
    return;
  }
  // an integer tensor's values are whole numbers in range (an input drawn as floats is cut)
  if (s.integer_bits > 0 && (h.integer || std::fabs(h.f) < 0x1p63)) {
    int64_t v = h.integer ? h.i : static_cast<int64_t>(h.f);
    if (std::optional<int64_t> r = integer_step(s, v)) {
      h = Held{0, *r, true};
      return;
    }
  }
  double v = h.value();
  h = Held{s.exact ? step_in<double>(s, v) : step_in<float>(s, static_cast<float>(v)), 0, false};
}

}  // namespace

float apply_value_step(const ValueStep& s, float v) {
  Held h{v, 0, false};
  apply(s, h);
  return static_cast<float>(h.value());
}

void apply_value_steps(std::span<const ValueStep> steps, std::span<float> values) {
  for (float& v : values) {
    Held h{v, 0, false};  // a float32 step rounds it, a float64 or integer one does not
    for (const ValueStep& s : steps) apply(s, h);
    v = static_cast<float>(h.value());
  }
}

}  // namespace netshape
