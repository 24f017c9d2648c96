// Tensors of known values (python_tensor_values.hpp), following PyTorch 1.13 on the CPU:
// c10/core/ScalarType.h and ATen/native/TypeProperties.cpp for promotion, the CPU kernels of
// BinaryOps, UnaryOps, Pow and RangeFactories for how each element is computed.
#include "python_tensor_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include "netshape/checked.hpp"
#include "netshape/elementwise.hpp"
#include "netshape/limits.hpp"

namespace netshape::pylower {

namespace {

[[noreturn]] void refuse(std::string message, std::string help = {}) {
  throw ValueTensorError{std::move(message), std::move(help)};
}
// What PyTorch (numpy) itself raises for these values.
[[noreturn]] void raises(std::string message, std::string help = {}) {
  throw ValueTensorError{std::move(message), std::move(help), true};
}

// c10's combine_categories without complex types: a lower-priority operand (a 0-dim tensor, a
// Python number) changes the dtype only when it is of a higher category (int over bool, float
// over int).
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower || *higher == DType::Float32) return higher;
  if (*higher == DType::Bool || *lower == DType::Float32) return std::max(*higher, *lower);
  return higher;
}

// at::result_type of two operands: dimensioned tensors over 0-dim ones over Python numbers. A
// Python number's dtype is already the default one of its kind (int64, float32).
DType result_dtype(const ValueTensor& a, const ValueTensor& b) {
  std::optional<DType> dim, zero, wrapped;
  for (const ValueTensor* t : {&a, &b}) {
    std::optional<DType>& slot = t->wrapped ? wrapped : t->scalar ? zero : dim;
    slot = slot ? std::max(*slot, t->dtype) : t->dtype;
  }
  return *combine(dim, combine(zero, wrapped));
}

// An empty tensor of dtype `d` with `n` elements to fill.
ValueTensor shaped(DType d, bool scalar, size_t n) {
  ValueTensor t;
  t.dtype = d;
  t.scalar = scalar;
  if (d == DType::Float32)
    t.floats.reserve(n);
  else
    t.ints.reserve(n);
  return t;
}

void check_size(size_t n) {
  if (n > limits::kMaxPyTensorValues)
    refuse(fmt::format("tensor of {} values: netshape computes with at most {}", n,
                       limits::kMaxPyTensorValues));
}

// Broadcast sizes of two 0- or 1-dim tensors (PyTorch's error when they do not broadcast).
size_t broadcast_size(const ValueTensor& a, const ValueTensor& b) {
  size_t n = a.size(), m = b.size();
  if (n == m || m == 1) return n;
  if (n == 1) return m;
  raises(fmt::format(
      "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension 0",
      n, m));
}

bool compare(ValueOp op, auto x, auto y) {
  switch (op) {
    case ValueOp::Eq:
      return x == y;
    case ValueOp::Ne:
      return x != y;
    case ValueOp::Lt:
      return x < y;
    case ValueOp::Le:
      return x <= y;
    case ValueOp::Gt:
      return x > y;
    default:
      return x >= y;
  }
}

bool is_comparison(ValueOp op) {
  return op >= ValueOp::Eq;
}

float float_op(ValueOp op, float x, float y, bool scalar_exponent) {
  switch (op) {
    case ValueOp::Add:
      return x + y;
    case ValueOp::Sub:
      return x - y;
    case ValueOp::Mul:
      return x * y;
    case ValueOp::Div:
      return x / y;
    case ValueOp::FloorDiv:
      return floor_divide(x, y);
    case ValueOp::Mod:
      return python_remainder(x, y);
    default:
      return scalar_exponent ? pow_by_scalar(x, y) : std::pow(x, y);
  }
}

int64_t int_pow(int64_t x, int64_t e) {
  if (e < 0) raises("Integers to negative integer powers are not allowed.");
  Checked r = 1;
  for (int64_t k = 0; k < e && r.ok() && *r.get() != 0; ++k) {
    if (x == 1 || x == -1) return (x == -1 && e % 2) ? -1 : 1;  // no loop for 1 ** 10**18
    r = r * x;
  }
  if (!r.ok()) refuse("integer overflow in a tensor's `**` (PyTorch would wrap around)");
  return *r.get();
}

// Integer arithmetic is checked: PyTorch wraps around silently, netshape refuses.
int64_t int_op(ValueOp op, int64_t x, int64_t y) {
  if ((op == ValueOp::FloorDiv || op == ValueOp::Mod) && y == 0) raises("ZeroDivisionError");
  std::optional<int64_t> r;
  switch (op) {
    case ValueOp::Add:
      r = (Checked(x) + y).get();
      break;
    case ValueOp::Sub:
      r = (Checked(x) - y).get();
      break;
    case ValueOp::Mul:
      r = (Checked(x) * y).get();
      break;
    case ValueOp::FloorDiv:
      r = python_floor_div(x, y);
      break;
    case ValueOp::Mod:
      r = python_mod(x, y);
      break;
    default:
      return int_pow(x, y);
  }
  if (!r) refuse("integer overflow in a tensor's arithmetic (PyTorch would wrap around)");
  return *r;
}

void check_int32(const ValueTensor& t) {
  if (t.dtype != DType::Int32) return;
  for (int64_t v : t.ints) {
    if (v < INT32_MIN || v > INT32_MAX)
      refuse("int32 tensor value out of range (PyTorch would wrap around)");
  }
}

// Comparisons compute in the promoted dtype and give bool.
ValueTensor compared(ValueOp op, const ValueTensor& a, const ValueTensor& b, DType common,
                     size_t n) {
  ValueTensor out = shaped(DType::Bool, a.scalar && b.scalar, n);
  for (size_t i = 0; i < n; ++i) {
    size_t ia = a.size() == 1 ? 0 : i, ib = b.size() == 1 ? 0 : i;
    bool r = common == DType::Float32 ? compare(op, a.as_float(ia), b.as_float(ib))
                                      : compare(op, a.as_int(ia), b.as_int(ib));
    out.ints.push_back(r ? 1 : 0);
  }
  return out;
}

}  // namespace

const char* dtype_name(DType d) {
  switch (d) {
    case DType::Bool:
      return "bool";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    default:
      return "float32";
  }
}

float ValueTensor::as_float(size_t i) const {
  return is_float() ? floats[i] : static_cast<float>(ints[i]);
}

int64_t ValueTensor::as_int(size_t i) const {
  return ints[i];
}

ValueTensor ValueTensor::element(size_t i) const {
  ValueTensor t = shaped(dtype, true, 1);
  if (is_float())
    t.floats.push_back(floats[i]);
  else
    t.ints.push_back(ints[i]);
  return t;
}

ValueTensor ValueTensor::of_int(int64_t v, bool wrapped) {
  ValueTensor t = shaped(DType::Int64, true, 1);
  t.wrapped = wrapped;
  t.ints.push_back(v);
  return t;
}

ValueTensor ValueTensor::of_float(double v, bool wrapped) {
  ValueTensor t = shaped(DType::Float32, true, 1);
  t.wrapped = wrapped;
  t.floats.push_back(static_cast<float>(v));  // a Python float joins float32 ops as a float
  return t;
}

ValueTensor ValueTensor::of_bool(bool v, bool wrapped) {
  ValueTensor t = shaped(DType::Bool, true, 1);
  t.wrapped = wrapped;
  t.ints.push_back(v ? 1 : 0);
  return t;
}

DType binary_dtype(ValueOp op, DTypeOf a, DTypeOf b) {
  ValueTensor ta, tb;  // no elements: result_dtype reads only the dtypes and kinds
  ta.dtype = a.dtype, ta.scalar = a.scalar, ta.wrapped = a.wrapped;
  tb.dtype = b.dtype, tb.scalar = b.scalar, tb.wrapped = b.wrapped;
  if (is_comparison(op)) return DType::Bool;
  // True division promotes integers to the default float dtype.
  DType out = op == ValueOp::Div ? DType::Float32 : result_dtype(ta, tb);
  if (out == DType::Bool)
    refuse("arithmetic on bool tensors", "netshape computes with int and float tensors");
  return out;
}

ValueTensor value_binary(ValueOp op, const ValueTensor& a, const ValueTensor& b) {
  DType common = result_dtype(a, b);
  size_t n = broadcast_size(a, b);
  if (is_comparison(op)) return compared(op, a, b, common, n);
  DType out_dtype =
      binary_dtype(op, {a.dtype, a.scalar, a.wrapped}, {b.dtype, b.scalar, b.wrapped});
  ValueTensor out = shaped(out_dtype, a.scalar && b.scalar, n);
  bool scalar_exponent = op == ValueOp::Pow && b.wrapped;
  for (size_t i = 0; i < n; ++i) {
    size_t ia = a.size() == 1 ? 0 : i, ib = b.size() == 1 ? 0 : i;
    if (out_dtype == DType::Float32)
      out.floats.push_back(float_op(op, a.as_float(ia), b.as_float(ib), scalar_exponent));
    else
      out.ints.push_back(int_op(op, a.as_int(ia), b.as_int(ib)));
  }
  check_int32(out);
  return out;
}

namespace {

float float_fn(ValueFn fn, float x) {
  switch (fn) {
    case ValueFn::Log:
      return std::log(x);
    case ValueFn::Exp:
      return std::exp(x);
    case ValueFn::Sqrt:
      return std::sqrt(x);
    case ValueFn::Round:
      return std::nearbyint(x);  // half to even, as torch.round
    case ValueFn::Floor:
      return std::floor(x);
    case ValueFn::Ceil:
      return std::ceil(x);
    case ValueFn::Trunc:
      return std::trunc(x);
    case ValueFn::Abs:
      return std::fabs(x);
    default:
      return -x;
  }
}

}  // namespace

DType unary_dtype(ValueFn fn, DType t) {
  if (t == DType::Bool && (fn == ValueFn::Neg || fn == ValueFn::Abs))
    raises("negating a bool tensor", "PyTorch does not allow it; use ~ or logical_not()");
  bool to_float = fn == ValueFn::Log || fn == ValueFn::Exp || fn == ValueFn::Sqrt;
  return to_float ? DType::Float32 : t;
}

ValueTensor value_unary(ValueFn fn, const ValueTensor& t) {
  if (unary_dtype(fn, t.dtype) == DType::Float32) {
    ValueTensor out = shaped(DType::Float32, t.scalar, t.size());
    for (size_t i = 0; i < t.size(); ++i) out.floats.push_back(float_fn(fn, t.as_float(i)));
    return out;
  }
  // round, floor, ceil and trunc of integers are the integers themselves.
  ValueTensor out = t;
  out.wrapped = false;
  if (fn == ValueFn::Abs || fn == ValueFn::Neg) {
    for (int64_t& v : out.ints) {
      if (v == INT64_MIN) refuse("integer overflow in a tensor's negation");
      if (fn == ValueFn::Neg || v < 0) v = -v;
    }
    check_int32(out);
  }
  return out;
}

ValueTensor value_cast(const ValueTensor& t, DType to) {
  ValueTensor out = shaped(to, t.scalar, t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (to == DType::Float32) {
      out.floats.push_back(t.as_float(i));
    } else if (to == DType::Bool) {
      out.ints.push_back(t.is_float() ? t.floats[i] != 0 : t.ints[i] != 0);
    } else if (t.is_float()) {
      float f = t.floats[i];
      // Beyond the integer range the conversion is undefined, and PyTorch's result arbitrary.
      if (!std::isfinite(f) || std::fabs(f) >= 9.2e18f)
        refuse(fmt::format("converting {} to an integer tensor", f));
      out.ints.push_back(static_cast<int64_t>(f));  // toward zero
    } else {
      out.ints.push_back(t.ints[i]);
    }
  }
  check_int32(out);
  return out;
}

namespace {

// The number of elements of torch.arange(start, end, step), as RangeFactories.cpp computes it.
size_t arange_length(double start, double end, double step) {
  if (step == 0) raises("step must be nonzero");
  if (!std::isfinite(start) || !std::isfinite(end)) refuse("unsupported range: start -> end");
  if ((step > 0 && end < start) || (step < 0 && end > start))
    raises("upper bound and larger bound inconsistent with step sign");
  double n = std::ceil((end - start) / step);
  if (n > static_cast<double>(limits::kMaxPyTensorValues))
    refuse(fmt::format("torch.arange() of {:.0f} values: netshape computes with at most {}", n,
                       limits::kMaxPyTensorValues));
  return static_cast<size_t>(n);
}

double exact(const ArangeBound& b) {
  if (!b.is_float && (b.i > (int64_t{1} << 53) || b.i < -(int64_t{1} << 53)))
    refuse("torch.arange() bound too large to follow");
  return b.is_float ? b.f : static_cast<double>(b.i);
}

}  // namespace

ValueTensor value_arange(const std::vector<ArangeBound>& bounds, std::optional<DType> dtype) {
  if (bounds.empty() || bounds.size() > 3) refuse("torch.arange() takes 1 to 3 numbers");
  double s = bounds.size() == 1 ? 0 : exact(bounds[0]);
  double e = exact(bounds.size() == 1 ? bounds[0] : bounds[1]);
  double by = bounds.size() == 3 ? exact(bounds[2]) : 1;
  bool floats = std::any_of(bounds.begin(), bounds.end(), [](auto& b) { return b.is_float; });
  DType d = dtype.value_or(floats ? DType::Float32 : DType::Int64);
  if (d == DType::Bool) refuse("torch.arange() of dtype bool");
  // PyTorch fills float ranges two ways (serial and vectorized) that round a fractional start
  // or step differently: followed only when every element is a whole number, hence exact.
  if (floats && (s != std::floor(s) || by != std::floor(by) || std::fabs(e) > (1 << 24) ||
                 std::fabs(s) > (1 << 24)))
    refuse("torch.arange() with fractional float arguments",
           "netshape follows ranges of whole numbers");
  size_t n = arange_length(s, e, by);
  ValueTensor out = shaped(d, false, n);
  for (size_t i = 0; i < n; ++i) {
    double v = s + by * static_cast<double>(i);
    if (d == DType::Float32)
      out.floats.push_back(static_cast<float>(v));
    else
      out.ints.push_back(static_cast<int64_t>(v));
  }
  check_int32(out);
  return out;
}

namespace {

// A bound of a linspace: finite, and an integer one exact as a double.
void check_linspace_bound(double v, const char* fn) {
  if (!std::isfinite(v) || std::fabs(v) > 9007199254740992.0)
    refuse(fmt::format("{}() of a bound that is not a finite number netshape computes with", fn),
           "give it finite bounds");
}

}  // namespace

ValueTensor value_linspace(double start, double end, int64_t steps) {
  if (steps < 0) raises("number of steps must be non-negative", "give linspace 0 or more steps");
  check_linspace_bound(start, "torch.linspace");
  check_linspace_bound(end, "torch.linspace");
  check_size(static_cast<size_t>(steps));
  ValueTensor out = shaped(DType::Float32, false, static_cast<size_t>(steps));
  out.floats = linspace_float32(static_cast<float>(start), static_cast<float>(end), steps);
  return out;
}

std::vector<double> numpy_linspace(double start, double stop, int64_t num, bool endpoint) {
  if (num < 0) raises(fmt::format("Number of samples, {}, must be non-negative.", num));
  check_linspace_bound(start, "numpy.linspace");
  check_linspace_bound(stop, "numpy.linspace");
  check_size(static_cast<size_t>(num));
  int64_t div = endpoint ? num - 1 : num;
  double delta = stop - start, step = div > 0 ? delta / static_cast<double>(div) : 0;
  std::vector<double> y;
  for (int64_t i = 0; i < num; ++i) {
    double at = static_cast<double>(i);
    // y = arange(num) * step, or (arange(num) / div) * delta where the step is 0 (denormals),
    // or * delta without a step; then + start, and the last exactly stop
    double scaled = div > 0 && step != 0 ? at * step
                    : div > 0            ? at / static_cast<double>(div) * delta
                                         : at * delta;
    y.push_back(scaled + start);
  }
  if (endpoint && num > 1) y.back() = stop;
  return y;
}

ValueTensor value_from_items(const std::vector<ValueTensor>& items, bool scalar,
                             std::optional<DType> dtype) {
  check_size(items.size());
  DType inferred = DType::Bool;
  for (const ValueTensor& v : items) {
    if (v.size() != 1 || (!v.scalar && !v.wrapped))
      refuse("torch.tensor() of nested sequences", "netshape computes with 0- and 1-dim tensors");
    // A Python number has its default dtype (int64, float32), a 0-dim tensor its own.
    inferred = std::max(inferred, v.dtype);
  }
  if (items.empty()) inferred = DType::Float32;  // torch.tensor([]) is float32
  ValueTensor out = shaped(dtype.value_or(inferred), scalar, items.size());
  for (const ValueTensor& v : items) {
    ValueTensor one = value_cast(v, out.dtype);
    if (out.is_float())
      out.floats.push_back(one.floats[0]);
    else
      out.ints.push_back(one.ints[0]);
  }
  return out;
}

ValueTensor value_diff(const ValueTensor& t, int64_t n) {
  if (t.scalar) raises("diff expects input to be at least one-dimensional");
  if (n < 0) raises("order must be non-negative but got " + std::to_string(n));
  if (t.dtype == DType::Bool) refuse("torch.diff() of a bool tensor");
  ValueTensor out = t;
  out.wrapped = false;
  for (int64_t k = 0; k < n && out.size() > 0; ++k) {
    ValueTensor next = shaped(out.dtype, false, out.size() - 1);
    for (size_t i = 0; i + 1 < out.size(); ++i) {
      if (out.is_float())
        next.floats.push_back(out.floats[i + 1] - out.floats[i]);
      else
        next.ints.push_back(int_op(ValueOp::Sub, out.ints[i + 1], out.ints[i]));
    }
    check_int32(next);
    out = std::move(next);
  }
  return out;
}

ValueTensor value_reduce(const std::string& how, const ValueTensor& t) {
  if (how == "sum") {
    if (t.is_float())
      refuse("the sum of a float tensor", "PyTorch adds its elements in an order of its own");
    Checked total = 0;
    for (int64_t v : t.ints) total = total + v;
    if (!total.ok()) refuse("integer overflow in a tensor's sum");
    // Integer and bool tensors sum to int64.
    return ValueTensor::of_int(*total.get(), false);
  }
  if (t.size() == 0)
    raises(how + "(): Expected reduction dim to be specified for input.numel() == 0.");
  if (t.is_float() &&
      std::any_of(t.floats.begin(), t.floats.end(), [](float f) { return std::isnan(f); }))
    refuse(how + "() of a tensor holding nan");
  size_t best = 0;
  for (size_t i = 1; i < t.size(); ++i) {
    bool better = t.is_float()
                      ? (how == "max" ? t.floats[i] > t.floats[best] : t.floats[i] < t.floats[best])
                      : (how == "max" ? t.ints[i] > t.ints[best] : t.ints[i] < t.ints[best]);
    if (better) best = i;
  }
  return t.element(best);
}

ValueTensor value_take(const ValueTensor& t, const std::vector<size_t>& indices) {
  ValueTensor out = shaped(t.dtype, false, indices.size());
  for (size_t i : indices) {
    if (t.is_float())
      out.floats.push_back(t.floats[i]);
    else
      out.ints.push_back(t.ints[i]);
  }
  return out;
}

}  // namespace netshape::pylower
