// Internal to the Python frontend: tensors whose elements are known, as model files compute
// numbers with them in `__init__` (RegNet's block widths: `torch.arange(depth) * w_a + w_0`,
// `torch.round`, `.int().tolist()`). Small 0-dim or 1-dim tensors of int64, int32, float32 or
// bool, with PyTorch 1.13's type promotion and float32 arithmetic done in float32, so that a
// width rounded from them is the one PyTorch rounds. Anything else is an error
// (ValueTensorError), never an approximation.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netshape::pylower {

// In promotion order: each dtype holds the ones before it (bool < int32 < int64 < float32).
enum class DType { Bool, Int32, Int64, Float32 };

const char* dtype_name(DType d);

// What PyTorch would do differently, or refuse: the interpreter reports it at the expression.
struct ValueTensorError {
  std::string message;
  std::string help;
  // PyTorch's (or numpy's) own error, not a limit of netshape's: it stops the construction even
  // where the value is never used, as the model's __init__ would stop.
  bool torch_raises = false;
};

struct ValueTensor {
  DType dtype = DType::Int64;
  bool scalar = false;        // 0-dim (one element)
  bool wrapped = false;       // a Python number taking part in an op (its promotion differs)
  std::vector<int64_t> ints;  // Bool (0/1), Int32, Int64
  std::vector<float> floats;  // Float32

  size_t size() const { return dtype == DType::Float32 ? floats.size() : ints.size(); }
  bool is_float() const { return dtype == DType::Float32; }
  float as_float(size_t i) const;
  int64_t as_int(size_t i) const;       // integer or bool tensors only
  ValueTensor element(size_t i) const;  // t[i]: a 0-dim tensor

  static ValueTensor of_int(int64_t v, bool wrapped);
  static ValueTensor of_float(double v, bool wrapped);
  static ValueTensor of_bool(bool v, bool wrapped);
};

enum class ValueOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Eq, Ne, Lt, Le, Gt, Ge };
enum class ValueFn { Log, Exp, Sqrt, Round, Floor, Ceil, Trunc, Abs, Neg };

// What an operand's dtype takes part in PyTorch's promotion as (result_type): a dimensioned
// tensor over a 0-dim one over a Python number (`wrapped`).
struct DTypeOf {
  DType dtype = DType::Int64;
  bool scalar = false;
  bool wrapped = false;
};
// The dtype of `a op b` (comparisons give bool, true division float32); arithmetic on bool is
// refused as ValueTensorError. For tensors netshape follows by their sizes only.
DType binary_dtype(ValueOp op, DTypeOf a, DTypeOf b);
// The dtype of fn(t): log, exp and sqrt give float32; negating a bool is refused.
DType unary_dtype(ValueFn fn, DType t);

// Elementwise `a op b` with broadcasting, in the dtype PyTorch promotes to.
ValueTensor value_binary(ValueOp op, const ValueTensor& a, const ValueTensor& b);
ValueTensor value_unary(ValueFn fn, const ValueTensor& t);
// .int(), .long(), .float(), .bool(): float to integer truncates toward zero.
ValueTensor value_cast(const ValueTensor& t, DType to);
// A Python number given to torch.arange, kept exact (a float bound is a double there).
struct ArangeBound {
  bool is_float = false;
  int64_t i = 0;
  double f = 0;
};
// torch.arange(end), (start, end), (start, end, step): int64 for integer bounds, else float32
// (dtype overrides).
ValueTensor value_arange(const std::vector<ArangeBound>& bounds, std::optional<DType> dtype);
// torch.linspace(start, end, steps) in float32, as PyTorch 1.13's CPU kernel computes it in its
// AVX2 build (what it runs on x86 machines by default; another build may round the last bit of
// some values differently).
ValueTensor value_linspace(double start, double end, int64_t steps);
// numpy.linspace(start, stop, num, endpoint) in float64, as numpy 1.24 computes it.
std::vector<double> numpy_linspace(double start, double stop, int64_t num, bool endpoint);
// torch.tensor(items): a 0-dim tensor when `scalar`; the dtype inferred as PyTorch infers it.
ValueTensor value_from_items(const std::vector<ValueTensor>& items, bool scalar,
                             std::optional<DType> dtype);
ValueTensor value_diff(const ValueTensor& t, int64_t n);
// sum (integer and bool tensors: a float sum's order of additions is PyTorch's own), max, min.
ValueTensor value_reduce(const std::string& how, const ValueTensor& t);
// t[a:b]: the elements at `indices`, a 1-dim tensor.
ValueTensor value_take(const ValueTensor& t, const std::vector<size_t>& indices);

}  // namespace netshape::pylower
