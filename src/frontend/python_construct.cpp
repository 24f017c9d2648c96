// The interpreter: runs a model's `__init__`, the helpers it calls (`self._make_layer(...)`), the
// file's functions (`make_layers(cfg)`, `conv3x3(...)`) and its constants (`cfgs = {...}`) with
// Python's semantics over plain values, building the module tree; then `forward` over the same
// values plus tensors, appending a statement per op (see "forward" below). It never runs anything
// outside the model:
// names resolve only to the file's own definitions and to what netshape knows (builtins, nn,
// math, functools); loops and calls are bounded (docs/limits.md).
//
// Errors: a statement that cannot be run is an error at its position. An assignment whose value
// cannot be computed keeps the error in the variable, reported only if the value is used (model
// files often compute things netshape has no need for); a layer's argument that cannot be
// computed is reported only if forward calls that layer.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <list>
#include <numeric>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "einops_recipe.hpp"
#include "netshape/checked.hpp"
#include "netshape/float_limits.hpp"
#include "netshape/op_table.hpp"
#include "netshape/shape.hpp"
#include "netshape/shape_rules.hpp"
#include "python_made_sizes.hpp"
#include "python_value.hpp"

namespace netshape {
namespace {
#include "torch_attributes.inc"
}  // namespace
}  // namespace netshape

namespace netshape::pylower {

using py::Expr;
using py::Stmt;

namespace {

// An error of the model's code. A limit reached (steps, nesting, sizes) is `fatal`: no caller
// keeps it for later, as a failed assignment is kept, since going on would only hit it again.
struct PyError {
  Diagnostic d;
  bool fatal = false;
  // PyTorch's own error for a tensor op (raise_torch): certain, not a limit of netshape's.
  bool torch_raises = false;
};

Diagnostic error_at(Span at, std::string message, std::string help) {
  Diagnostic d;
  d.span = at;
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

[[noreturn]] void raise(Span at, std::string message, std::string help = {}) {
  throw PyError{error_at(at, std::move(message), std::move(help))};
}

// The help of an exception the model's own code raises.
constexpr const char* kOwnCheckHelp = "the model's own check fails here for these arguments";

[[noreturn]] void limit_reached(Span at, std::string message, std::string help) {
  throw PyError{error_at(at, std::move(message), std::move(help)), true};
}

// An error PyTorch raises for a tensor op, with its message: the construction stops there even
// where the value is never used (guarded).
// PyTorch's errors for `-` with a bool tensor, word for word.
constexpr const char* kBoolSubtraction =
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
    "invert a mask, use the `~` or `logical_not()` operator instead.";
constexpr const char* kBoolNegation =
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
    "a mask, use the `~` or `logical_not()` operator instead.";

[[noreturn]] void raise_torch(Span at, std::string message, std::string help = {}) {
  throw PyError{error_at(at, std::move(message), std::move(help)), false, true};
}

[[noreturn]] void unsupported_here(Span at, const std::string& what, std::string help = {}) {
  raise(at, "unsupported Python construct: " + what, std::move(help));
}

// The element types by the names torch gives them (`torch.double` is torch.float64); the first
// name of each is the one messages use.
constexpr std::pair<const char*, ElementType> kElementTypeNames[] = {
    {"torch.float32", ElementType::Float32},     {"torch.float", ElementType::Float32},
    {"torch.float64", ElementType::Float64},     {"torch.double", ElementType::Float64},
    {"torch.float16", ElementType::Float16},     {"torch.half", ElementType::Float16},
    {"torch.bfloat16", ElementType::BFloat16},   {"torch.int64", ElementType::Int64},
    {"torch.long", ElementType::Int64},          {"torch.int32", ElementType::Int32},
    {"torch.int", ElementType::Int32},           {"torch.int16", ElementType::Int16},
    {"torch.short", ElementType::Int16},         {"torch.int8", ElementType::Int8},
    {"torch.uint8", ElementType::UInt8},         {"torch.bool", ElementType::Bool},
    {"torch.complex64", ElementType::Complex64}, {"torch.cfloat", ElementType::Complex64}};

}  // namespace

std::string python_repr(std::string_view text) {
  bool single = text.find('\'') != std::string_view::npos &&
                text.find('"') == std::string_view::npos;  // Python then quotes with "
  char quote = single ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    if (c == '\\' || c == quote) out += '\\';
    if (c == '\n' || c == '\t' || c == '\r') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {  // other control characters, as Python shows them
      out += fmt::format("\\x{:02x}", byte);
      continue;
    }
    out += c;
  }
  return out + quote;
}

std::optional<ElementType> element_type_named(const std::string& name) {
  for (const auto& [n, type] : kElementTypeNames)
    if (name == n) return type;
  return std::nullopt;
}

namespace {

const char* element_type_name(ElementType type) {
  for (const auto& [n, t] : kElementTypeNames)
    if (t == type) return n;
  return "torch.float32";
}

// The limits of each number type, in one table: torch.finfo's fields for a floating type (a
// complex type: its parts'), torch.iinfo's for an integer type, and the range c10's checked
// conversion takes into it (fill values, torch.full, item assignment) with the name its overflow
// error gives the type. As PyTorch 1.13 gives them.
struct NumberLimits {
  ElementType type;
  const char* dtype;     // finfo(...).dtype / iinfo(...).dtype
  const char* c10_name;  // "value cannot be converted to type <c10_name> ..."; null: never checked
  int bits;
  bool floating;
  double max, eps, tiny, resolution;  // floating types (finfo); min is -max
  int64_t int_min, int_max;           // integer types (iinfo)
  // The doubles the checked conversion takes (a floating type's: -max..max; an integer type's:
  // what fits, though uint8 takes a negative number down to -255 and wraps it).
  double lowest, highest;
};
constexpr NumberLimits kNumberLimits[] = {
    {ElementType::Float32, "float32", "float", 32, true, kFloat32Max, 1.1920928955078125e-07,
     1.1754943508222875e-38, 1e-06, 0, 0, -kFloat32Max, kFloat32Max},
    {ElementType::Complex64, "float32", nullptr, 32, true, kFloat32Max, 1.1920928955078125e-07,
     1.1754943508222875e-38, 1e-06, 0, 0, -kFloat32Max, kFloat32Max},
    {ElementType::Float64, "float64", nullptr, 64, true, kFloat64Max, 2.220446049250313e-16,
     2.2250738585072014e-308, 1e-15, 0, 0, -kFloat64Max, kFloat64Max},
    {ElementType::Float16, "float16", "at::Half", 16, true, kFloat16Max, 0.0009765625,
     6.103515625e-05, 0.001, 0, 0, -kFloat16Max, kFloat16Max},
    {ElementType::BFloat16, "bfloat16", "at::BFloat16", 16, true, kBFloat16Max, 0.0078125,
     1.1754943508222875e-38, 0.01, 0, 0, -kBFloat16Max, kBFloat16Max},
    // the largest double below 2^63: a float above it is 2^63 or more
    {ElementType::Int64, "int64", "int64_t", 64, false, 0, 0, 0, 0,
     std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
     -9223372036854775808.0, 9223372036854774784.0},
    {ElementType::Int32, "int32", "int", 32, false, 0, 0, 0, 0, std::numeric_limits<int32_t>::min(),
     std::numeric_limits<int32_t>::max(), -2147483648.0, 2147483647.0},
    {ElementType::Int16, "int16", "int16_t", 16, false, 0, 0, 0, 0, -32768, 32767, -32768.0,
     32767.0},
    {ElementType::Int8, "int8", "int8_t", 8, false, 0, 0, 0, 0, -128, 127, -128.0, 127.0},
    {ElementType::UInt8, "uint8", "uint8_t", 8, false, 0, 0, 0, 0, 0, 255, -255.0, 255.0},
};
// nullptr for bool (no limits: it holds any number).
const NumberLimits* number_limits(ElementType type) {
  for (const NumberLimits& l : kNumberLimits)
    if (l.type == type) return &l;
  return nullptr;
}
// nullptr for a type that is not floating.
const NumberLimits* float_limits(ElementType type) {
  const NumberLimits* l = number_limits(type);
  return l && l->floating ? l : nullptr;
}

bool is_floating(ElementType type) {
  return type == ElementType::Float32 || type == ElementType::Float64 ||
         type == ElementType::Float16 || type == ElementType::BFloat16 ||
         type == ElementType::Complex64;
}

// The legacy tensor types `x.type()` names and `x.type(...)` takes (`torch.LongTensor`, as a
// class or a string; the CUDA ones alike): the first of each is what `x.type()` returns.
constexpr std::pair<const char*, ElementType> kTensorTypeNames[] = {
    {"torch.FloatTensor", ElementType::Float32},
    {"torch.DoubleTensor", ElementType::Float64},
    {"torch.HalfTensor", ElementType::Float16},
    {"torch.BFloat16Tensor", ElementType::BFloat16},
    {"torch.LongTensor", ElementType::Int64},
    {"torch.IntTensor", ElementType::Int32},
    {"torch.ShortTensor", ElementType::Int16},
    {"torch.CharTensor", ElementType::Int8},
    {"torch.ByteTensor", ElementType::UInt8},
    {"torch.BoolTensor", ElementType::Bool},
    {"torch.ComplexFloatTensor", ElementType::Complex64}};

std::optional<ElementType> tensor_type_named(std::string name) {
  if (name.starts_with("torch.cuda.")) name.erase(6, 5);
  for (const auto& [n, type] : kTensorTypeNames)
    if (name == n) return type;
  return std::nullopt;
}

const char* tensor_type_name(ElementType type) {
  for (const auto& [n, t] : kTensorTypeNames)
    if (t == type) return n;
  return "torch.FloatTensor";
}

// PyTorch's categories for type promotion: bool < integer < floating < complex.
// The bytes of one element (for the memory estimate of a declared input); 0 for float32, which
// the estimate counts at its --dtype.
uint8_t element_bytes(ElementType type) {
  switch (type) {
    case ElementType::Float32:
      return 0;
    case ElementType::Float64:
    case ElementType::Int64:
    case ElementType::Complex64:
      return 8;
    case ElementType::Int32:
      return 4;
    case ElementType::Float16:
    case ElementType::BFloat16:
    case ElementType::Int16:
      return 2;
    default:  // int8, uint8, bool
      return 1;
  }
}

int type_category(ElementType type) {
  if (type == ElementType::Bool) return 0;
  if (type == ElementType::Complex64) return 3;
  return is_floating(type) ? 2 : 1;
}

// The ScalarType name PyTorch's messages use ("Float", "Long").
const char* scalar_type_name(ElementType type) {
  switch (type) {
    case ElementType::Float32:
      return "Float";
    case ElementType::Float64:
      return "Double";
    case ElementType::Float16:
      return "Half";
    case ElementType::BFloat16:
      return "BFloat16";
    case ElementType::Int64:
      return "Long";
    case ElementType::Int32:
      return "Int";
    case ElementType::Int16:
      return "Short";
    case ElementType::Int8:
      return "Char";
    case ElementType::UInt8:
      return "Byte";
    case ElementType::Bool:
      return "Bool";
    case ElementType::Complex64:
      return "ComplexFloat";
  }
  return "Float";
}

// Where PyTorch 1.13 defines each functional op of ops.def (the lowercase ones): `torch.X`,
// `F.X` (torch.nn.functional), the Tensor method `x.X`. Another spelling is Python's
// AttributeError (`torch.gelu`, `x.max_pool2d`, `F.view`), not a layer.
struct PythonSpelling {
  std::string_view op;
  bool torch, functional, method;
};
constexpr PythonSpelling kPythonSpellings[] = {
    {"conv1d", true, true, false},
    {"conv2d", true, true, false},
    {"conv3d", true, true, false},
    {"conv_transpose1d", true, true, false},
    {"conv_transpose2d", true, true, false},
    {"conv_transpose3d", true, true, false},
    {"max_pool1d", true, true, false},
    {"max_pool2d", true, true, false},
    {"max_pool3d", true, true, false},
    {"max_unpool1d", false, true, false},
    {"max_unpool2d", false, true, false},
    {"max_unpool3d", false, true, false},
    {"avg_pool1d", true, true, false},
    {"avg_pool2d", false, true, false},
    {"avg_pool3d", false, true, false},
    {"adaptive_avg_pool1d", true, true, false},
    {"adaptive_avg_pool2d", false, true, false},
    {"adaptive_avg_pool3d", false, true, false},
    {"adaptive_max_pool1d", false, true, false},  // torch.adaptive_max_pool1d returns a pair
    {"adaptive_max_pool2d", false, true, false},
    {"adaptive_max_pool3d", false, true, false},
    {"relu", true, true, true},
    {"relu6", false, true, false},
    {"leaky_relu", false, true, false},
    {"elu", false, true, false},
    {"gelu", false, true, false},
    {"silu", false, true, false},
    {"sigmoid", true, true, true},
    {"tanh", true, true, true},
    {"hardswish", false, true, false},
    {"hardsigmoid", false, true, false},
    {"softplus", false, true, false},
    {"mish", false, true, false},
    {"logsigmoid", false, true, false},
    {"hardtanh", false, true, false},
    {"selu", true, true, false},
    {"celu", true, true, false},
    {"softsign", false, true, false},
    {"tanhshrink", false, true, false},
    {"softshrink", false, true, false},
    {"hardshrink", true, true, true},
    {"threshold", true, true, false},
    {"rrelu", true, true, false},
    {"local_response_norm", false, true, false},
    {"dropout", true, true, false},
    {"dropout2d", false, true, false},
    {"softmax", true, true, true},
    {"log_softmax", true, true, true},
    {"softmin", false, true, false},
    {"glu", false, true, false},
    {"flatten", true, false, true},
    {"unflatten", true, false, true},
    {"view", false, false, true},
    {"reshape", true, false, true},
    {"squeeze", true, false, true},
    {"unsqueeze", true, false, true},
    {"transpose", true, false, true},
    {"permute", true, false, true},
    {"narrow", true, false, true},
    {"slice", false, false, false},  // aten::slice: written `x[start:end:step]`
    {"flip", true, false, true},
    {"cumsum", true, false, true},
    {"cumprod", true, false, true},
    {"roll", true, false, true},
    {"select", true, false, true},
    {"layer_norm", true, true, false},
    {"batch_norm", true, true, false},  // torch.batch_norm takes aten's order: refused
    {"index", false, false, false},     // aten::index: written `x[:, [0, 2]]`
    {"setitem", false, false, false},   // written `x[i] = v`
    {"gather", true, false, true},
    {"one_hot", false, true, false},
    {"expand", false, false, true},
    {"repeat", false, false, true},
    {"tile", true, false, true},
    {"mean", true, false, true},
    {"amax", true, false, true},
    {"amin", true, false, true},
    {"argmax", true, false, true},
    {"argmin", true, false, true},
    {"sum", true, false, true},
    {"std", true, false, true},
    {"var", true, false, true},
    {"norm", true, false, true},
    {"logsumexp", true, false, true},
    {"prod", true, false, true},
    {"pixel_shuffle", true, true, false},
    {"pixel_unshuffle", true, true, false},
    {"channel_shuffle", true, true, false},
    {"unfold", false, true, false},  // x.unfold(dimension, size, step) is another op
    {"fold", false, true, false},
    {"pad", false, true, false},
    {"interpolate", false, true, false},
    {"affine_grid", false, true, false},
    {"grid_sample", false, true, false},
    {"add", true, false, true},
    {"sub", true, false, true},
    {"mul", true, false, true},
    {"div", true, false, true},
    {"maximum", true, false, true},
    {"minimum", true, false, true},
    {"logical_and", true, false, true},
    {"logical_or", true, false, true},
    {"logical_xor", true, false, true},
    {"masked_fill", true, false, true},
    {"where", true, false, true},
    {"cat", true, false, false},
    {"stack", true, false, false},
    {"matmul", true, false, true},
    {"bmm", true, false, true},
    {"einsum", true, false, false},
    {"cosine_similarity", true, true, false},
    {"sort", true, false, true},
    {"argsort", true, false, true},
    {"topk", true, false, true},
    {"repeat_interleave", true, false, true},
    {"pairwise_distance", true, true, false},
    {"cdist", true, false, false},
    {"mse_loss", false, true, false},
    {"l1_loss", false, true, false},
    {"smooth_l1_loss", false, true, false},
    {"huber_loss", false, true, false},
    {"tril", true, false, true},
    {"triu", true, false, true},
    {"parameter", false, false, false},
    {"zeros", true, false, false},
    {"ones", true, false, false},
    {"empty", true, false, false},
    {"randn", true, false, false},
    {"rand", true, false, false},
    {"arange", true, false, false},
    {"eye", true, false, false},
    {"linspace", true, false, false},
};

// Every lowercase op of ops.def has its row: a new functional op fails to compile until it does.
constexpr bool every_functional_op_spelled() {
  constexpr std::string_view kNames[] = {
#define NS_OP(id, name, nd, family, kind, schema) name,
#include "netshape/ops.def"
#undef NS_OP
  };
  for (std::string_view name : kNames) {
    if (name[0] < 'a' || name[0] > 'z') continue;
    bool found = false;
    for (const PythonSpelling& s : kPythonSpellings) found = found || s.op == name;
    if (!found) return false;
  }
  return true;
}
static_assert(every_functional_op_spelled(),
              "a lowercase op of ops.def lacks its row in kPythonSpellings");

// The in-place spellings PyTorch 1.13 defines, by the op they write (`F.relu_`, `torch.sigmoid_`,
// `x.add_`); the others (`F.gelu_`, `torch.relu6_`) are Python's AttributeError.
constexpr PythonSpelling kInPlaceSpellings[] = {
    {"relu", true, true, true},          {"leaky_relu", false, true, false},
    {"elu", false, true, false},         {"sigmoid", true, false, true},
    {"tanh", true, false, true},         {"hardtanh", false, true, false},
    {"selu", true, true, false},         {"celu", true, true, false},
    {"threshold", true, true, false},    {"dropout", true, false, false},
    {"squeeze", false, false, true},     {"unsqueeze", false, false, true},
    {"transpose", false, false, true},   {"add", false, false, true},
    {"sub", false, false, true},         {"mul", false, false, true},
    {"div", false, false, true},         {"logical_and", false, false, true},
    {"logical_or", false, false, true},  {"logical_xor", false, false, true},
    {"masked_fill", false, false, true}, {"tril", false, false, true},
    {"triu", false, false, true},        {"rrelu", true, true, false}};

const PythonSpelling* in_place_spelling(std::string_view op) {
  static constexpr PythonSpelling kNowhere = {"", false, false, false};
  for (const PythonSpelling& s : kInPlaceSpellings)
    if (s.op == op) return &s;
  return &kNowhere;
}

const PythonSpelling* python_spelling(std::string_view op) {
  for (const PythonSpelling& s : kPythonSpellings)
    if (s.op == op) return &s;
  return nullptr;
}

// The methods that cast: `x.double()` is `x.to(torch.float64)`.
constexpr std::pair<const char*, ElementType> kCastMethods[] = {
    {"float", ElementType::Float32},   {"double", ElementType::Float64},
    {"half", ElementType::Float16},    {"bfloat16", ElementType::BFloat16},
    {"long", ElementType::Int64},      {"int", ElementType::Int32},
    {"short", ElementType::Int16},     {"char", ElementType::Int8},
    {"byte", ElementType::UInt8},      {"bool", ElementType::Bool},
    {"cfloat", ElementType::Complex64}};

// Ops that only move, select or copy elements (the views of the family table, repeat,
// Identity): a tensor of any dtype goes through them as it is.
bool keeps_element_type(const std::string& op) {
  std::optional<OpId> id = find_op(op);
  if (!id) return false;
  Family family = op_info(*id).family;
  return *id == OpId::Identity || family == Family::repeat || family == Family::triangle ||
         family == Family::repeat_interleave || family_info(family).layout == LayoutRule::View;
}

// Layers whose weight is float32 (netshape builds no layer of another dtype): an input of
// another dtype is PyTorch's RuntimeError.
bool has_float32_weight(const std::string& op) {
  std::optional<OpId> id = find_op(op);
  if (!id) return false;
  Family f = op_info(*id).family;
  return f == Family::conv || f == Family::conv_transpose || f == Family::linear ||
         f == Family::prelu;
}

enum class Flow { Normal, Break, Continue, Return };

// The longest string the interpreter builds (layer names and messages are short; a loop doubling
// a string would otherwise exhaust memory).
constexpr size_t kMaxText = limits::kMaxPyText;

// Every list and dict the interpreter makes, so the Lowerer can empty them when it ends: a list
// can hold itself (`l.append(l)`), and a cycle of shared pointers is never freed.
thread_local std::vector<std::weak_ptr<PyList>> g_lists;
thread_local std::vector<std::weak_ptr<PyDict>> g_dicts;

std::shared_ptr<PyList> new_list(PyList items = {}) {
  auto l = std::make_shared<PyList>(std::move(items));
  g_lists.push_back(l);
  return l;
}
std::shared_ptr<PyDict> new_dict(PyDict items = {}) {
  auto d = std::make_shared<PyDict>(std::move(items));
  g_dicts.push_back(d);
  return d;
}

// Names of torch namespaces as written in files, and what they are.
bool is_nn_namespace(const std::string& n) {
  return n == "nn" || n == "torch.nn";
}

PyValue data_int(int64_t v, Span at) {
  return PyValue::of(Value::integer(v, at));
}
PyValue data_bool(bool v, Span at) {
  return PyValue::of(Value::boolean(v, at));
}
PyValue data_str(std::string v, Span at) {
  return PyValue::of(Value::string(std::move(v), at));
}

PyValue make_list(PyList items) {
  PyValue p;
  p.kind = PyValue::Kind::List;
  p.list = new_list(std::move(items));
  return p;
}

PyValue make_tuple(PyList items) {
  PyValue p;
  p.kind = PyValue::Kind::Tuple;
  p.items = std::move(items);
  return p;
}

// Identities of modules, new for each module built (see ModuleDef::id).
thread_local int g_next_module_id = 0;

PyValue make_module(ModuleDef m) {
  PyValue p;
  p.kind = PyValue::Kind::Module;
  if (m.id < 0) m.id = g_next_module_id++;
  p.module = std::make_shared<ModuleDef>(std::move(m));
  return p;
}

// Python's repr of a float: the shortest text that reads back, with ".0" for whole numbers.
std::string float_text(double f) {
  std::string s = fmt::format("{}", f);
  if (std::isfinite(f) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  if (std::isnan(f)) return "nan";
  return s;
}

}  // namespace

class Construct {
 public:
  struct Args {
    PyList values;
    std::vector<std::string> keywords;  // "" = positional
    std::vector<Span> spans;            // each argument as written
    std::vector<const Expr*> exprs;
    // One more positional argument, as written at `span` (by `expr`, when there is one).
    void add(PyValue value, Span span, const Expr* expr) {
      values.push_back(std::move(value));
      keywords.emplace_back();
      spans.push_back(span);
      exprs.push_back(expr);
    }
    // The arguments after the first: `torch.split(x, 2)` read as `x.split(2)`.
    Args without_first() const {
      Args rest = *this;
      if (rest.values.empty()) return rest;
      rest.values.erase(rest.values.begin());
      rest.keywords.erase(rest.keywords.begin());
      rest.spans.erase(rest.spans.begin());
      rest.exprs.erase(rest.exprs.begin());
      return rest;
    }
    // `value` first, then these: `x.sum(-1)` read as `torch.sum(x, -1)`.
    Args with_first(PyValue value, Span span, const Expr* expr) const {
      Args all = *this;
      all.values.insert(all.values.begin(), std::move(value));
      all.keywords.insert(all.keywords.begin(), "");
      all.spans.insert(all.spans.begin(), span);
      all.exprs.insert(all.exprs.begin(), expr);
      return all;
    }
  };

  explicit Construct(Lowerer& lowerer) : L(lowerer) {}

  // __init__ of `inst`'s class with `params` bound; false (reported) on an error.
  bool run_init(const std::shared_ptr<Instance>& inst, std::map<std::string, PyValue> params,
                int depth) {
    try {
      init(inst, std::move(params), depth);
      return true;
    } catch (const PyError& e) {
      L.diags_.add(e.d);
      return false;
    }
  }

  // The value of a call of the file's function or class (a factory: `resnet18()`).
  std::optional<PyValue> call_top_level(const Expr& call) {
    try {
      Frame f = module_frame();
      return eval(call, f);
    } catch (const PyError& e) {
      L.diags_.add(e.d);
      return std::nullopt;
    }
  }

  // `model = resnet18(...)` or --model resnet18 (with --arg as its keyword arguments).
  std::optional<ModuleDef> call_factory(const Candidate& model) {
    try {
      Frame f = module_frame();
      PyValue fn;
      fn.kind = PyValue::Kind::Function;
      fn.def_ = model.factory;
      Args args;
      Expr none;
      none.span = model.span;
      const Expr& call = model.call != nullptr ? *model.call : none;
      if (model.call != nullptr) args = arguments(*model.call, f);
      for (const auto& [key, text] : L.opts_.args) {
        SourceFile arg_src("--arg " + key, text);
        Diagnostics arg_diags;
        std::optional<Expr> e = py::parse_expression(arg_src, arg_diags);
        if (!e) {
          L.error(Span{}, "--arg " + key + "=" + text + ": not a Python expression",
                  "e.g. --arg " + key + "=10");
          return std::nullopt;
        }
        args.values.push_back(eval(*e, f));
        args.keywords.push_back(key);
        args.spans.push_back(model.span);
        args.exprs.push_back(&call);
      }
      PyValue result = invoke(fn, args, call, f, nullptr);
      if (result.kind != PyValue::Kind::Module) {
        L.error(model.span, model.name + "() returns " + describe(result) + ", not a module",
                "name a class or a function that returns an nn.Module");
        return std::nullopt;
      }
      return *result.module;
    } catch (const PyError& e) {
      L.diags_.add(e.d);
      return std::nullopt;
    }
  }

  // The model's constructor: its parameters' defaults, then the arguments of the file's
  // `model = Net(...)` line, then --arg (any Python expression of the file: `block=BasicBlock`,
  // `num_blocks=[2, 2, 2, 2]`); then __init__. False (reported) on an error.
  bool init_model(const std::shared_ptr<Instance>& inst) {
    try {
      const Stmt* init_def = L.find_method(*inst->cls, "__init__", 0);
      std::map<std::string, PyValue> params;
      if (init_def != nullptr && !bind_model_arguments(*init_def, params)) return false;
      init(inst, std::move(params), 0);
      return true;
    } catch (const PyError& e) {
      L.diags_.add(e.d);
      return false;
    }
  }

 private:
  bool bind_model_arguments(const Stmt& init_def, std::map<std::string, PyValue>& params) {
    std::vector<std::string> names;
    size_t positional_slots = 0;  // the parameters before `*args` (or a bare `*`)
    const py::Param* var_positional = nullptr;
    const py::Param* var_keyword = nullptr;
    PyList extra;  // the positional arguments `*args` takes
    PyValue kwargs;
    kwargs.kind = PyValue::Kind::Dict;
    kwargs.dict = new_dict();
    for (size_t i = 1; i < init_def.params.size(); ++i) {
      const py::Param& p = init_def.params[i];
      if (p.stars == 1) var_positional = &p;
      if (p.stars == 2) var_keyword = &p;
      if (p.stars != 0) continue;
      if (!p.keyword_only && positional_slots == names.size()) ++positional_slots;
      names.push_back(p.name);
      PyValue unbound;
      unbound.kind = PyValue::Kind::Unbound;
      unbound.name = p.name;
      Frame d = module_frame();
      params[p.name] = p.default_value ? guarded(*p.default_value, d) : unbound;
    }
    for (const Instantiation& inst : L.instances_) {
      if (inst.class_name != init_def_class_name_) continue;
      Frame f = module_frame();
      Args args = arguments(*inst.call, f, /*keep_errors=*/true);
      for (size_t i = 0, positional = 0; i < args.values.size(); ++i) {
        const std::string& kw = args.keywords[i];
        if (kw.empty()) {
          if (positional < positional_slots)
            params[names[positional]] = args.values[i];
          else if (var_positional)
            extra.push_back(args.values[i]);
          ++positional;
        } else if (std::find(names.begin(), names.end(), kw) != names.end()) {
          params[kw] = args.values[i];
        } else if (var_keyword) {
          dict_set(*kwargs.dict, data_str(kw, args.spans[i]), args.values[i]);
        }
      }
    }
    if (var_positional) params[var_positional->name] = make_tuple(std::move(extra));
    if (var_keyword) params[var_keyword->name] = kwargs;
    for (const auto& [key, text] : L.opts_.args) {
      bool into_kwargs = var_keyword && std::find(names.begin(), names.end(), key) == names.end();
      if (!into_kwargs && std::find(names.begin(), names.end(), key) == names.end()) {
        std::string near = nearest_name(key, names);
        std::string list;
        for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
        return L.error(
            Span{},
            "--arg " + key + ": " + init_def_class_name_ + ".__init__ has no parameter `" + key +
                "`",
            !near.empty() ? "did you mean --arg " + near + "=" + text + "?"
                          : (list.empty() ? init_def_class_name_ + " takes no constructor arguments"
                                          : "its parameters are: " + list));
      }
      SourceFile arg_src("--arg " + key, text);
      Diagnostics arg_diags;
      std::optional<Expr> e = py::parse_expression(arg_src, arg_diags);
      std::optional<PyValue> v;
      if (e) {
        try {
          Frame f = module_frame();
          v = eval(*e, f);
        } catch (const PyError& err) {
          if (err.fatal) throw;
        }
      }
      if (!v) {
        return L.error(Span{}, "--arg " + key + "=" + text + ": not a value netshape can compute",
                       "give a Python value or a name of the file, e.g. --arg " + key +
                           "=10 or --arg block=BasicBlock");
      }
      if (into_kwargs)
        dict_set(*params[var_keyword->name].dict, data_str(key, Span{}), *v);
      else
        params[key] = *v;
    }
    return true;
  }

 public:
  std::string init_def_class_name_;

 private:
  Lowerer& L;
  int64_t steps_ = 0;
  int calls_ = 0;             // calls of the file's functions (and forwards) now running
  uint32_t copies_made_ = 0;  // copy_of()'s last number
  // False inside `with torch.no_grad():` (and a function decorated so): the rows made there
  // need no gradient and save nothing for backward (StatementExtras::no_grad).
  bool grad_enabled_ = true;
  int64_t training_reads_ = 0;           // reads of `self.training` in forward so far
  bool training_branch_warned_ = false;  // branch_condition's warning given
  // A tensor written in place by a row (`y.sigmoid_()`), by its name: that row's output, which
  // every later read of the name reads (current_name).
  std::map<std::string, std::string> written_into_;
  // What autograd refuses an in-place write into while it records gradients, by row: a
  // trainable parameter read in forward (a leaf of its graph), a view of one, a view made under
  // no_grad of a tensor that needs a gradient, a piece of split, chunk or unbind of one (a view
  // among several) and a view of such a piece. A flatten or reshape of a view may be a copy:
  // a write into it is refused rather than guessed.
  enum class Guarded : uint8_t { leaf, leaf_view, no_grad_view, piece, piece_view, maybe_view };
  struct WriteGuard {
    Guarded kind;
    uint32_t output = 0;             // a piece: which output of the function it is
    const char* function = nullptr;  // a piece: autograd's node for it (`SplitBackward0`)
  };
  std::unordered_map<std::string, WriteGuard> guards_;
  // The rows whose output needs a gradient (requires_grad): computed in grad mode from a
  // trainable parameter, through ops that have a derivative.
  std::unordered_set<std::string> needs_grad_;
  // The guarded pieces by the tensor whose memory they view, and those whose memory was written
  // in place after they were made (by any name, under no_grad too): autograd refuses to use them.
  std::unordered_map<std::string, std::vector<std::string>> pieces_of_;
  std::unordered_set<std::string> pieces_written_under_;
  // For `run`, which computes a view as a copy when its row runs: the tensor whose memory a view
  // row's output or an in-place row's output is (by row), the row number of each view row, and
  // the row number of the last in-place row that wrote into each such tensor. A view read after
  // a write into its tensor holds values `run` did not compute.
  std::unordered_map<std::string, std::string> memory_of_;
  std::unordered_map<std::string, size_t> view_made_at_;
  std::unordered_map<std::string, size_t> last_written_at_;
  // The calls of the file's functions and the loop passes now running, outermost first: a layer
  // built inside them keeps them, so an error about it can point at each (Statement::built_via).
  std::vector<Label> building_;
  // Children `del self.layers[i]` took out of their container, kept where they are: a value read
  // before (`last = self.layers[-1]`) refers into them.
  std::list<ModuleChild> deleted_children_;
  // requires_grad as __init__ leaves it: the layers (by module id) and the nn.Parameters (by
  // made id) whose parameters do not train. Not on the ModuleDef: a module registered twice is
  // copied, and Python freezes the one object.
  std::set<int> frozen_layers_;
  // The arguments of a layer set after it was built (`conv.stride = (1, 1)`), by module id, in
  // order: its forward reads them (arguments_of). Not on the ModuleDef, for the same reason.
  std::map<int, std::vector<Arg>> set_after_build_;
  // A lazy module's (`nn.LazyLinear`) input size, fixed at its first call, by module id.
  std::map<int, int64_t> lazy_sizes_;
  // The output_padding the next transposed convolution's call makes (its `output_size=`).
  std::optional<std::vector<int64_t>> output_padding_;
  // The output_size of the next max-unpooling module's call (`self.unpool(x, i, output_size=...)`):
  // its row's argument.
  std::optional<Value> unpool_output_size_;
  std::set<int> frozen_made_;
  std::map<std::string, std::string> layer_tensors_;  // "<module id>.weight" -> its row (forward)
  std::set<int> tensors_read_;  // the layers whose weight or bias forward reads as a tensor
  std::map<int, int64_t> tied_elements_;  // by layer: elements of its weights another owns
  // `self.head.weight = self.emb.weight`: the receiving layer's tensor is the giving layer's
  struct Tie {
    int receiver;
    std::string which;  // "weight" or "bias"
    int giver;
  };
  std::vector<Tie> ties_;
  // The layers (by module id) nn.utils.weight_norm or spectral_norm normalised: by id, as
  // requires_grad.
  std::map<int, StatementExtras::NormedWeight> normed_weights_;
  // The defaults of the file's functions, each one object as in Python (default_of).
  std::map<std::pair<const py::Param*, const PyScope*>,
           std::pair<std::shared_ptr<PyScope>, PyValue>>
      shared_defaults_;
  // The class attributes (`registry = []` in a class body), each one object, evaluated once.
  std::map<const Stmt*, PyValue> class_values_;
  struct Building {
    std::vector<Label>& stack;
    Building(std::vector<Label>& s, Label l) : stack(s) { stack.push_back(std::move(l)); }
    ~Building() { stack.pop_back(); }
    Building(const Building&) = delete;
    Building& operator=(const Building&) = delete;
  };

  // Counts one call while it runs, however it ends: an error caught by a caller (a failed
  // assignment is kept for later) must not leave the depth counted.
  struct CallDepth {
    int& calls;
    explicit CallDepth(int& c) : calls(++c) {}
    ~CallDepth() { --calls; }
    CallDepth(const CallDepth&) = delete;
    CallDepth& operator=(const CallDepth&) = delete;
  };
  const Expr* whole_line_call_ = nullptr;  // the `self.a = nn.X(...)` call whose line is its fix
  Span model_call_;  // the model's own call of the module whose forward runs (not the prelude's)
  // Each file's top-level names, computed when first used.
  std::map<std::pair<uint32_t, std::string>, PyValue> globals_;
  std::map<std::pair<uint32_t, std::string>, bool> computing_;

  struct Frame {
    std::shared_ptr<PyScope> scope;
    std::shared_ptr<PyValue> self;  // a Module value (a user module instance), or null
    const Stmt* cls = nullptr;      // the class whose method this is (for super())
    PyValue ret;
    int depth = 0;
    uint32_t file = 0;  // whose top-level names the code sees
  };

  Frame module_frame(uint32_t file = 0) {
    Frame f;
    f.scope = new_scope();
    f.file = file;
    return f;
  }

  // Scopes and objects can refer to each other in cycles (a nested function kept in the scope it
  // closes over, a bound method stored on its object): the Lowerer breaks them when it ends.
  std::shared_ptr<PyScope> new_scope() {
    auto s = std::make_shared<PyScope>();
    L.py_scopes_.push_back(s);
    return s;
  }
  std::shared_ptr<Instance> new_instance(Span at) {
    if (L.py_instances_.size() >= limits::kMaxPyInstances) {
      limit_reached(at,
                    fmt::format("the model builds more than {} modules of its own classes",
                                with_commas(static_cast<int64_t>(limits::kMaxPyInstances))),
                    "netshape stops here (docs/limits.md): does a module build itself?");
    }
    auto i = std::make_shared<Instance>();
    L.py_instances_.push_back(i);
    return i;
  }

  void step(Span at) {
    if (++steps_ > limits::kMaxPySteps) {
      limit_reached(
          at,
          fmt::format("building the model runs more than {} statements and loop iterations",
                      with_commas(limits::kMaxPySteps)),
          "netshape stops here (docs/limits.md): is this loop meant to end?");
    }
  }

  // ---- __init__ ----

  // The class (itself or a base) whose body defines the `method` find_method finds, for the
  // file its code sees and the base its super() means: `class Net(Mixin, Base)` runs Base's
  // __init__ when Mixin has none, in Base's file.
  const Stmt* method_owner(const Stmt& cls, const std::string& method) {
    const Stmt* def = L.find_method(cls, method, 0);
    const Stmt* owner = def != nullptr ? class_defining(cls, *def) : nullptr;
    return owner != nullptr ? owner : &cls;
  }
  const Stmt* init_def_owner(const Stmt& cls) { return method_owner(cls, "__init__"); }

  // An object of a class of the file that is no nn.Module (`class Helper:`, a config class):
  // an attribute holding it is no submodule, and the layers inside it are not registered.
  bool plain_object(const PyValue& v) {
    const ModuleDef& m = *v.module;
    return m.kind == ModuleDef::User && m.instance && m.instance->cls &&
           !module_class(*m.instance->cls, 0);
  }
  // Whether `cls` derives from something other than `object`: nn.Module or any class from
  // outside the file is taken for a module (netshape cannot see it).
  bool module_class(const Stmt& cls, int depth) {
    for (const Expr& b : cls.bases) {
      std::string base = dotted(b);
      if (base == "object") continue;
      const Stmt* base_cls = L.base_class(cls, b);
      if (base_cls == nullptr || base_cls == &cls || depth >= limits::kMaxPyInstanceDepth)
        return true;
      if (module_class(*base_cls, depth + 1)) return true;
    }
    return false;
  }

  // The class (`cls` or a base) whose body holds `def`; null when none does.
  const Stmt* class_defining(const Stmt& cls, const Stmt& def, int depth = 0) {
    for (const Stmt& s : cls.body)
      if (&s == &def) return &cls;
    if (depth >= limits::kMaxPyInstanceDepth) return nullptr;
    for (const Expr& b : cls.bases) {
      const Stmt* base = L.base_class(cls, b);
      if (base == nullptr || base == &cls) continue;
      if (const Stmt* owner = class_defining(*base, def, depth + 1)) return owner;
    }
    return nullptr;
  }

  // The fields of a @dataclass, in order (its bases' first), as its generated __init__ takes them.
  std::vector<const Stmt*> dataclass_fields(const Stmt& cls, int depth = 0) {
    std::vector<const Stmt*> fields;
    if (depth < limits::kMaxPyInstanceDepth) {
      for (const Expr& b : cls.bases) {
        const Stmt* base = L.base_class(cls, b);
        if (base != nullptr && base != &cls) {
          auto more = dataclass_fields(*base, depth + 1);
          fields.insert(fields.end(), more.begin(), more.end());
        }
      }
    }
    for (const Stmt& s : cls.body)
      if (s.kind == Stmt::Kind::AnnAssign && s.targets[0].kind == Expr::Kind::Name)
        fields.push_back(&s);
    return fields;
  }

  static bool is_dataclass(const Stmt& cls) {
    return std::any_of(cls.decorators.begin(), cls.decorators.end(), [](const Expr& d) {
      std::string n = dotted(d.kind == Expr::Kind::Call ? d.items[0] : d);
      return n == "dataclass" || n == "dataclasses.dataclass";
    });
  }

  // A dataclass field's default as dataclasses computes it: the value written, or
  // `field(default=v)`'s v, or `field(default_factory=f)`'s f(), made anew for each object.
  PyValue field_default(const Expr& value, Frame& d) {
    std::string callee = value.kind == Expr::Kind::Call ? dotted(value.items[0]) : "";
    if (callee != "field" && callee != "dataclasses.field") return eval(value, d);
    Args args = arguments(value, d);
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k.empty())
        raise(args.spans[i], "field() takes 0 positional arguments but 1 was given",
              "name it: field(default=...) or field(default_factory=...)");
      if (k == "init" && !(args.values[i].is(Value::Kind::Bool) && args.values[i].data.b))
        unsupported_here(args.spans[i], "a dataclass field with init=False",
                         "set it in __post_init__ instead");
    }
    if (const PyValue* v = argument(args, size_t(-1), "default")) return *v;
    if (const PyValue* factory = argument(args, size_t(-1), "default_factory")) {
      Args none;
      return call_value(*factory, none, value, d);
    }
    raise(value.span, "a dataclass field() without a default needs a value",
          "pass it to the constructor, or give field(default=...)");
  }

  // A @dataclass without __init__: Python generates one that sets each field from its argument.
  void dataclass_init(const Stmt& cls, Args& args, const Expr& call, const PyValue& self,
                      Frame& f) {
    std::vector<const Stmt*> fields = dataclass_fields(cls);
    std::vector<bool> set(fields.size(), false);
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      size_t k = fields.size();
      if (args.keywords[i].empty()) {
        k = positional++;
      } else {
        for (size_t j = 0; j < fields.size(); ++j)
          if (fields[j]->targets[0].text == args.keywords[i]) k = j;
      }
      if (k >= fields.size()) raise(args.spans[i], cls.name + "() got an unexpected argument");
      set_attribute(self, fields[k]->targets[0].text, args.values[i], call.span);
      set[k] = true;
    }
    for (size_t j = 0; j < fields.size(); ++j) {
      if (set[j]) continue;
      if (!fields[j]->value)
        raise(call.span,
              cls.name + "() missing required argument: '" + fields[j]->targets[0].text + "'");
      Frame d = module_frame(L.file_of(&cls));
      set_attribute(self, fields[j]->targets[0].text, field_default(*fields[j]->value, d),
                    call.span);
    }
    // The __init__ dataclasses writes ends with self.__post_init__(), of the object's class
    // (LLaMA-style configs derive sizes there: `self.hidden_dim = find_multiple(...)`).
    const Stmt& own =
        self.module->instance && self.module->instance->cls ? *self.module->instance->cls : cls;
    if (const Stmt* post = L.find_method(own, "__post_init__", 0)) {
      PyValue fn;
      fn.kind = PyValue::Kind::Function;
      fn.def_ = post;
      const Stmt* owner = method_owner(own, "__post_init__");
      fn.file = L.file_of(owner);
      fn.method_self = std::make_shared<PyValue>(self);
      Args none;
      invoke(fn, none, call, f, owner);
    }
  }

  void init(const std::shared_ptr<Instance>& inst, std::map<std::string, PyValue> params,
            int depth) {
    const Stmt* init_def = L.find_method(*inst->cls, "__init__", 0);
    if (init_def == nullptr) return;
    Frame f;
    f.scope = new_scope();
    f.scope->vars = std::move(params);
    ModuleDef self_def;
    self_def.kind = ModuleDef::User;
    self_def.instance = inst;
    f.self = std::make_shared<PyValue>(make_module(std::move(self_def)));
    f.scope->vars["self"] = *f.self;
    // The class whose body defines __init__ (a base's, when the class has none): super() in it
    // means that class's base, not the instance's.
    f.cls = init_def_owner(*inst->cls);
    f.depth = depth;
    f.file = L.file_of(f.cls);
    exec_block(init_def->body, f);
  }

  // ---- statements ----

  Flow exec_block(const std::vector<Stmt>& body, Frame& f) {
    for (const Stmt& s : body) {
      Flow flow = exec(s, f);
      if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
  }

  Flow exec(const Stmt& s, Frame& f) {
    step(s.span);
    switch (s.kind) {
      case Stmt::Kind::Pass:
      case Stmt::Kind::Import:
        return Flow::Normal;
      case Stmt::Kind::Global:
      case Stmt::Kind::Nonlocal:
        f.scope->outer.insert(s.names.begin(), s.names.end());
        return Flow::Normal;
      case Stmt::Kind::Expr:
        expression_statement(*s.value, f);
        return Flow::Normal;
      case Stmt::Kind::Assign:
        assign_statement(s, f);
        return Flow::Normal;
      case Stmt::Kind::AnnAssign:
        if (s.value) assign_value(s.targets[0], guarded(*s.value, f), f);
        return Flow::Normal;
      case Stmt::Kind::AugAssign:
        aug_assign(s, f);
        return Flow::Normal;
      case Stmt::Kind::Return:  // a final state returned alone (`return hidden[0]`): its tensor
        f.ret = s.value ? whole_state_or(eval(*s.value, f), s.value->span) : PyValue::none(s.span);
        return Flow::Return;
      case Stmt::Kind::If:
        return exec_block(branch_condition(*s.value, f, &s) ? s.body : s.orelse, f);
      case Stmt::Kind::For:
        return for_loop(s, f);
      case Stmt::Kind::While:
        return while_loop(s, f);
      case Stmt::Kind::With:
        return with_block(s, f);
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
      case Stmt::Kind::Assert:
        if (!truthy(eval(*s.value, f), s.value->span)) {
          std::string why = s.extra ? text_of(eval(*s.extra, f)) : "";
          raise(s.span, why.empty() ? "assertion failed" : "assertion failed: " + why,
                "the model's own check fails for these arguments");
        }
        return Flow::Normal;
      case Stmt::Kind::Raise: {
        // `raise ValueError("...")`: its message, as Python would print it
        std::string why;
        if (s.value && s.value->kind == Expr::Kind::Call && s.value->items.size() > 1 &&
            s.value->keywords[0].empty()) {
          PyValue text = eval(s.value->items[1], f);
          if (text.is(Value::Kind::String)) why = text.data.s;
        }
        raise(s.span, why.empty() ? "the model raises an exception here for these arguments" : why,
              kOwnCheckHelp);
      }
      case Stmt::Kind::Del:
        for (const Expr& t :
             s.targets[0].kind == Expr::Kind::Tuple ? s.targets[0].items : s.targets)
          delete_target(t, f);
        return Flow::Normal;
      case Stmt::Kind::FunctionDef: {
        PyValue fn;
        fn.kind = PyValue::Kind::Function;
        fn.def_ = &s;
        fn.closure = f.scope;
        fn.file = f.file;
        f.scope->vars[s.name] = fn;
        return Flow::Normal;
      }
      case Stmt::Kind::ClassDef:
        unsupported_here(s.span, "a class defined inside a function");
      case Stmt::Kind::Other:
        unsupported_here(s.span, s.what + " in " + where());
    }
    return Flow::Normal;
  }

  // A call whose result is not used. Calls netshape cannot see into (logging, weight init, the
  // library's own bookkeeping) are skipped when nothing reads what they return.
  void expression_statement(const Expr& e, Frame& f) {
    if (e.kind == Expr::Kind::String || e.kind == Expr::Kind::FString) return;  // docstring
    if (e.kind == Expr::Kind::Call && is_super_init(e)) return super_init(e, f);
    if (e.kind == Expr::Kind::Call && ignorable(e)) return refuse_skipped_freeze(e, f);
    if (e.kind == Expr::Kind::Call && dotted(e.items[0]) == "_log_api_usage_once") {
      return skipped(e);  // torchvision's telemetry: nothing to do with shapes
    }
    if (e.kind != Expr::Kind::Call) {
      eval(e, f);
      return;
    }
    // A function netshape cannot see, whose result nobody reads (`track(self)`, a library's
    // bookkeeping): skipped, and said, since netshape cannot know what it did. Only the callee
    // decides: an error in the arguments, or inside a function netshape can see, is an error.
    PyValue callee;
    try {
      callee = eval(e.items[0], f);
    } catch (const PyError& err) {
      if (err.fatal || !cannot_see(err, e.items[0])) throw;
      return skipped(e);
    }
    if (callee.kind == PyValue::Kind::Builtin && !knows_builtin(callee.name)) return skipped(e);
    eval(e, f);
  }

  // Whether the callee's own name is unknown (`track`, `logger.info` with `logger` unknown), not
  // a value it reads (`features.append` where `features` holds an error of its own).
  static bool cannot_see(const PyError& err, const Expr& callee) {
    const Expr* root = &callee;
    while (root->kind == Expr::Kind::Attribute) root = &root->items[0];
    bool at_root = root->kind == Expr::Kind::Name && err.d.span.line == root->span.line &&
                   err.d.span.column == root->span.column && err.d.span.file == root->span.file;
    const std::string& m = err.d.message;
    return at_root &&
           ((m.rfind("name `", 0) == 0 && m.find("is not defined here") != std::string::npos) ||
            m.find("which netshape cannot find") != std::string::npos);
  }

  // Whether call_builtin implements `name` (else calling it is an unknown function).
  bool knows_builtin(const std::string& name) {
    static const char* const kKnown[] = {"range",
                                         "len",
                                         "int",
                                         "float",
                                         "bool",
                                         "str",
                                         "list",
                                         "tuple",
                                         "dict",
                                         "OrderedDict",
                                         "collections.OrderedDict",
                                         "min",
                                         "max",
                                         "sum",
                                         "abs",
                                         "round",
                                         "math.ceil",
                                         "math.floor",
                                         "math.sqrt",
                                         "math.log",
                                         "math.log2",
                                         "math.log10",
                                         "math.exp",
                                         "math.cos",
                                         "math.sin",
                                         "math.tan",
                                         "math.pow",
                                         "math.gcd",
                                         "math.prod",
                                         "numpy.prod",
                                         "numpy.linspace",
                                         "pow",
                                         "divmod",
                                         "zip",
                                         "enumerate",
                                         "reversed",
                                         "sorted",
                                         "set",
                                         "frozenset",
                                         "any",
                                         "all",
                                         "isinstance",
                                         "hasattr",
                                         "getattr",
                                         "setattr",
                                         "delattr",
                                         "functools.partial",
                                         "partial",
                                         "super",
                                         "print",
                                         "nn.Sequential",
                                         "nn.Parameter",
                                         "type",
                                         "copy.copy",
                                         "copy.deepcopy",
                                         "torch.finfo",
                                         "torch.iinfo"};
    for (const char* k : kKnown)
      if (name == k) return true;
    bool tensor_op = name.rfind("F.", 0) == 0 || name.rfind("torch.", 0) == 0;
    return (forward_ && tensor_op) || name.rfind("method.", 0) == 0 ||
           name.rfind("module.", 0) == 0 || name.rfind("nn.", 0) == 0 ||
           name.rfind("typing.", 0) == 0 || name.rfind("einops.", 0) == 0;
  }

  // torch._netshape_warn(message, help, code) in the prelude's forward: a warning at the
  // model's call of that module, where PyTorch runs but may not give what netshape says.
  PyValue prelude_warning(const Args& args, Span at) {
    auto text = [&](size_t i) { return args.values.size() > i ? text_of(args.values[i]) : ""; };
    Span where = model_call_.valid() ? model_call_ : at;
    if (L.warned_at_.insert({where.file, where.line, where.column}).second)
      L.diags_.warning(where, text(0), text(1)).code = text(2);
    return PyValue::none(at);
  }

  void skipped(const Expr& call) {
    Span at = call.items[0].span;  // once per call site, however many objects run it
    if (!L.skipped_at_.insert({at.file, at.line, at.column}).second) return;
    std::string callee = dotted(call.items[0]);
    L.diags_
        .warning(call.items[0].span,
                 "netshape skips the call `" + (callee.empty() ? "..." : callee) +
                     "(...)`: it cannot see that function, and its result is not used",
                 "if it changes the model's layers, compute them in the file instead")
        .code = "skipped-call";
  }

  // A call skipped as weight init (`self.apply(init_fn)`, `self._init_weights()`) must not be
  // where parameters are frozen: the function it runs is read, and setting requires_grad there
  // is refused.
  void refuse_skipped_freeze(const Expr& call, Frame& f) {
    if (forward_ || dotted(call.items[0]).rfind("self.", 0) != 0) return;  // the file's methods
    std::vector<const Expr*> functions = {&call.items[0]};
    if (dotted(call.items[0]) == "self.apply" && call.items.size() > 1)
      functions = {&call.items[1]};
    for (const Expr* fn : functions) {
      PyValue v;
      try {
        v = eval(*fn, f);
      } catch (const PyError& err) {
        if (err.fatal) throw;
        continue;  // not a function of the file: nothing to read
      }
      if (v.kind != PyValue::Kind::Function || !v.def_) continue;
      if (const Expr* use = requires_grad_use(v.def_->body, {}))
        unsupported_here(use->span, "setting requires_grad in a function netshape skips",
                         std::string("netshape skips weight init; ") + kFreezeHelp);
      if (const Expr* use = normalisation_call(v.def_->body))
        unsupported_here(use->span, "weight_norm or spectral_norm in a function netshape skips",
                         "netshape skips weight init; apply it where the layer is built "
                         "(`self.conv = weight_norm(nn.Conv2d(...))`) or in a loop in __init__");
    }
  }

  // The first call of nn.utils.weight_norm, spectral_norm or their removal in `body`, at any
  // depth (by the callee's last name: `nn.utils.weight_norm(m)`, `weight_norm(m)`).
  static const Expr* normalisation_call(const std::vector<Stmt>& body) {
    std::function<const Expr*(const Expr&)> in_expr = [&](const Expr& e) -> const Expr* {
      if (e.kind == Expr::Kind::Call) {
        const Expr& callee = e.items[0];
        std::string name = callee.kind == Expr::Kind::Attribute ? callee.text
                           : callee.kind == Expr::Kind::Name    ? callee.text
                                                                : "";
        for (const char* n :
             {"weight_norm", "spectral_norm", "remove_weight_norm", "remove_spectral_norm"})
          if (name == n) return &e;
      }
      for (const Expr& item : e.items)
        if (const Expr* found = in_expr(item)) return found;
      return nullptr;
    };
    for (const Stmt& st : body) {
      for (const std::optional<Expr>* e : {&st.value, &st.extra})
        if (*e)
          if (const Expr* found = in_expr(**e)) return found;
      if (const Expr* found = normalisation_call(st.body)) return found;
      if (const Expr* found = normalisation_call(st.orelse)) return found;
    }
    return nullptr;
  }

  static bool ignorable(const Expr& call) {
    std::string callee = dotted(call.items[0]);
    if (callee == "_log_api_usage_once") return false;  // skipped with a warning, not silently
    for (const char* prefix :
         {"print", "nn.init.", "torch.nn.init.", "init.", "logging.", "logger.", "warnings.",
          "torch.manual_seed", "self.save_hyperparameters", "self.apply", "self.init_weights",
          "self._init_weights", "self.reset_parameters"}) {
      if (callee.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  bool is_super_init(const Expr& e) const { return L.is_super_init(e); }

  // super().__init__(...) runs the base class's __init__ when the base is the file's own; for
  // an nn.Sequential base, its arguments are the first modules. `Base.__init__(self, ...)` runs
  // the class it names, whatever the method resolution order, with `self` taken off its arguments.
  void super_init(const Expr& call, Frame& f) {
    if (f.cls == nullptr || !f.self) return;
    Instance& self = *f.self->module->instance;
    const Expr& named_expr = call.items[0].items[0];
    bool explicit_call = named_expr.kind != Expr::Kind::Call;  // not super()
    if (!explicit_call) check_super_arguments(named_expr, f);
    size_t first_arg = explicit_call ? explicit_self_argument(call, f) : 1;
    std::string named = dotted(named_expr);  // `nn.Module.__init__(self)`, or super()
    if (explicit_call && named != "nn.Module" && named != "torch.nn.Module") {
      if (const Stmt* cls = L.base_class(*f.cls, named_expr))
        return run_file_init(*cls, call, f, first_arg);
    }
    if (named == "nn.Module" || named == "torch.nn.Module") {
      // nn.Module's __init__ alone, whatever the bases of the file would run after it
      if (L.first_file_base(*f.cls) != nullptr) {
        refuse_second_module_init(self, call.span);
        self.module_init_ran = true;
        return;
      }
    } else if (!explicit_call) {
      check_super_order("__init__", call.span, f);
    }
    if (!explicit_call && self.cls && torch_method_next("__init__", f)) {
      // the next __init__ in the object's method resolution order is torch's: a cooperative
      // mixin's `super().__init__(*args, **kwargs)` in `class L(Mixin, nn.Linear)` builds the
      // layer (or fills the container) of the object's class
      if (auto op = torch_layer_of(*self.cls)) return layer_base_init(*op, call, f, first_arg);
      if (ContainerBase c = class_container(self.cls); c != ContainerBase::None) {
        Args args = arguments(call, f, false, first_arg);
        return container_init(c, args, call.span, *f.self);
      }
    }
    for (const Expr& b : f.cls->bases) {
      ContainerBase container = container_base(dotted(b));
      if (container != ContainerBase::None) {
        Args args = arguments(call, f, false, first_arg);
        return container_init(container, args, call.span, *f.self);
      }
    }
    for (const Expr& b : f.cls->bases) {
      if (auto op = torch_layer_base(b, L.file_of(f.cls)))
        return layer_base_init(*op, call, f, first_arg);
    }
    if (const Stmt* base = L.first_file_base(*f.cls))
      return run_file_init(*base, call, f, first_arg);
    refuse_second_module_init(self, call.span);
    self.module_init_ran = true;  // nn.Module's (or another torch class's) __init__
  }

  // nn.Module.__init__ run again empties the registries: the submodules and parameters set
  // before it are gone, and PyTorch counts only what comes after. Surely not meant: refused.
  void refuse_second_module_init(const Instance& self, Span at) {
    if (!self.module_init_ran) return;
    bool registered = !self.modules.empty() ||
                      std::any_of(self.values.begin(), self.values.end(),
                                  [&](const auto& v) { return is_parameter(*v.second); });
    if (registered)
      unsupported_here(at,
                       "nn.Module.__init__() a second time, which forgets the submodules and "
                       "parameters set before it",
                       "call it once, at the start of __init__");
  }

  // The __init__ of `base`, a class of the file, run on self with `call`'s arguments from
  // `first_arg` on.
  void run_file_init(const Stmt& base, const Expr& call, Frame& f, size_t first_arg) {
    Instance& self = *f.self->module->instance;
    const Stmt* base_init = L.find_method(base, "__init__", 0);
    if (base_init == nullptr && is_dataclass(base)) {
      self.module_init_ran = true;  // not followed further: taken as done
      Args args = arguments(call, f, false, first_arg);
      dataclass_init(base, args, call, *f.self, f);
      return;
    }
    if (base_init == nullptr) {  // the base's own base's __init__ runs
      if (ContainerBase c = class_container(&base); c != ContainerBase::None) {
        Args args = arguments(call, f, false, first_arg);
        return container_init(c, args, call.span, *f.self);
      }
      if (auto op = torch_layer_of(base)) return layer_base_init(*op, call, f, first_arg);
      self.module_init_ran = true;  // nn.Module's, or a torch class's: taken as done
      return;
    }
    PyValue fn;
    fn.kind = PyValue::Kind::Function;
    fn.def_ = base_init;
    const Stmt* owner = init_def_owner(base);
    fn.file = L.file_of(owner);
    fn.method_self = f.self;
    Args args = arguments(call, f, false, first_arg);
    invoke(fn, args, call, f, owner);
  }

  // `Base.__init__(self, ...)` names the class, so its first argument is the object: the index
  // of the argument after it. Only the module being built is followed.
  size_t explicit_self_argument(const Expr& call, Frame& f) {
    std::string callee = dotted(call.items[0]);  // `nn.Module.__init__`
    if (call.items.size() < 2 || call.items[1].kind == Expr::Kind::Starred ||
        !call.keywords[0].empty()) {
      std::string cls = dotted(call.items[0].items[0]);
      raise(call.span,
            fmt::format("{}.__init__() missing 1 required positional argument: 'self'",
                        cls.substr(cls.rfind('.') + 1)),
            fmt::format("write {}(self, ...)", callee));
    }
    PyValue object = eval(call.items[1], f);
    if (object.kind != PyValue::Kind::Module || object.module != f.self->module)
      unsupported_here(call.arg_spans[0],
                       fmt::format("{}() on another object than the module being built", callee),
                       fmt::format("call it on self: {}(self, ...)", callee));
    return 2;
  }

  // The __init__ of nn.Sequential, nn.ModuleList or nn.ModuleDict run on self, an instance of a
  // class of the file deriving from it: `super().__init__(*layers)` (torchvision's
  // IntermediateLayerGetter, an MLP built as a Sequential), or the class's constructor itself
  // when no class between defines __init__ (`class Stack(nn.Sequential): pass`). The modules
  // become its children, by their keys or positions, as the container's __init__ registers them.
  void container_init(ContainerBase container, const Args& args, Span at, const PyValue& self) {
    Instance& inst = *self.module->instance;
    inst.module_init_ran = true;
    if (container == ContainerBase::Sequential) return sequential_init(args, at, self);
    bool dict = container == ContainerBase::ModuleDict;
    (dict ? inst.module_dict : inst.module_list) = true;
    const char* name = dict ? "nn.ModuleDict" : "nn.ModuleList";
    std::string_view cls = std::string_view(name).substr(3);
    std::string help = fmt::format("pass the modules as one {}", dict ? "dict" : "list");
    for (const std::string& k : args.keywords)
      if (!k.empty() && k != "modules")
        raise_torch(
            at, fmt::format("{}.__init__() got an unexpected keyword argument '{}'", cls, k), help);
    if (args.values.size() > 1)
      raise_torch(at,
                  fmt::format("{}.__init__() takes from 1 to 2 positional arguments but {} were "
                              "given",
                              cls, args.values.size() + 1),
                  help);
    if (args.values.empty() || args.values[0].is_none()) return;
    std::vector<std::pair<PyValue, PyValue>> entries;  // (key, module)
    if (dict && args.values[0].kind == PyValue::Kind::Dict) {
      for (const auto& [k, v] : *args.values[0].dict) entries.emplace_back(k, v);
    } else {
      for (const PyValue& item : iterate(args.values[0], at)) {
        if (!dict) {
          entries.emplace_back(data_str(std::to_string(entries.size()), at), item);
          continue;
        }
        PyList pair = item.kind == PyValue::Kind::Tuple || item.kind == PyValue::Kind::List
                          ? iterate(item, at)
                          : PyList{};
        if (pair.size() != 2) raise(at, "nn.ModuleDict holds (name, module) pairs");
        entries.emplace_back(pair[0], pair[1]);
      }
    }
    for (const auto& [key, module] : entries) {
      if (dict) checked_module_name(key, at);
      require_module(module, at, fmt::format("{} holds modules only", name));
      set_attribute(self, text_of(key), module, at);
    }
  }
  // nn.Sequential's __init__(*modules), or (OrderedDict(...)): the children by their keys.
  void sequential_init(const Args& args, Span at, const PyValue& self) {
    Instance& inst = *self.module->instance;
    inst.sequential = true;
    for (const std::string& k : args.keywords)
      if (!k.empty())
        raise_torch(at,
                    fmt::format("Sequential.__init__() got an unexpected keyword argument '{}'", k),
                    "pass the modules by position");
    if (args.values.size() == 1 && args.values[0].kind == PyValue::Kind::Dict) {
      for (const auto& [k, v] : *args.values[0].dict) {
        require_module(v, at, "nn.Sequential holds modules only");
        set_attribute(self, text_of(k), v, at);
      }
      return;
    }
    for (const PyValue& v : args.values) {
      require_module(v, at, "nn.Sequential holds modules only");
      set_attribute(self, std::to_string(inst.order.size()), v, at);
    }
  }

  // The torch layer a base names (`nn.Conv3d`, `torch.nn.LayerNorm`, `Conv2d` imported from
  // torch.nn), as ops.def spells it; nullopt for a class of the file, nn.Module and the rest.
  std::optional<std::string> torch_layer_base(const Expr& base, uint32_t file) {
    if (L.classes_.count(dotted(base))) return std::nullopt;
    PyValue v;
    try {
      Frame f = module_frame(file);
      v = eval(base, f);
    } catch (const PyError&) {
      return std::nullopt;  // a base netshape does not know: nn.Module's __init__, as before
    }
    if (v.kind != PyValue::Kind::Builtin || v.name.rfind("nn.", 0) != 0) return std::nullopt;
    std::string op = v.name.substr(3);
    std::optional<OpId> id = find_op(op);
    if (!id || !op_info(*id).is_module()) return std::nullopt;
    return op;
  }

  // super().__init__(...) of a subclass of a torch layer: the layer, built from these
  // arguments (from `first_arg` on) as `nn.Conv3d(...)` would be, becomes the instance's base
  // layer (Instance::layer_base).
  void layer_base_init(const std::string& op, const Expr& call, Frame& f, size_t first_arg) {
    Instance& self = *f.self->module->instance;
    self.module_init_ran = true;
    Args args = arguments(call, f, /*keep_errors=*/true, first_arg);
    PyValue layer = construct_layer(op, args, call);
    layer.module->fix_prefix.clear();  // a fix spells the layer, not `super().__init__`
    self.layer_base = layer.module;
  }

  // The torch layer `cls` derives from, through the file's classes; nullopt for none.
  std::optional<std::string> torch_layer_of(const Stmt& cls, int depth = 0) {
    for (const Expr& b : cls.bases) {
      if (auto op = torch_layer_base(b, L.file_of(&cls))) return op;
      const Stmt* base = L.base_class(cls, b);
      if (base != nullptr && base != &cls && depth < limits::kMaxPyInstanceDepth) {
        if (auto op = torch_layer_of(*base, depth + 1)) return op;
      }
    }
    return std::nullopt;
  }

  // An assignment stores the error of a value it cannot compute, to report it where used.
  PyValue guarded(const Expr& value, Frame& f) {
    const Expr* saved = whole_line_call_;
    whole_line_call_ = value.kind == Expr::Kind::Call ? &value : nullptr;
    try {
      PyValue v = eval(value, f);
      whole_line_call_ = saved;
      return v;
    } catch (const PyError& e) {
      whole_line_call_ = saved;
      // What PyTorch certainly raises (a tensor op's error) stops the construction at this line,
      // even when the value is never used.
      if (e.fatal || (e.torch_raises && !forward_)) throw;
      // A method of the model's own parts (`last = self.layers.remove(0)`) may have changed
      // them: its error stands, whether or not the value is used.
      if (!forward_ && value.kind == Expr::Kind::Call) {
        std::string callee = dotted(value.items[0]);
        if (callee.starts_with("self.") && callee.find('.', 5) != std::string::npos) throw;
      }
      PyValue v = failed(e.d);
      v.may_hold_weights = may_build_weights(value);
      return v;
    }
  }

  // Whether `e` calls something that may build a module or an nn.Parameter: nn.*, torchvision,
  // timm, a class (a capitalised name).
  static bool may_build_weights(const Expr& e) {
    if (e.kind == Expr::Kind::Call) {
      std::string callee = dotted(e.items[0]);
      size_t dot = callee.rfind('.');
      char first = callee.empty() ? '\0' : callee[dot == std::string::npos ? 0 : dot + 1];
      for (const char* prefix : {"nn.", "torch.nn.", "torchvision.", "models.", "timm."})
        if (callee.rfind(prefix, 0) == 0) return true;
      if (first >= 'A' && first <= 'Z') return true;
    }
    return std::any_of(e.items.begin(), e.items.end(),
                       [](const Expr& item) { return may_build_weights(item); });
  }

  static PyValue failed(const Diagnostic& d) {
    PyValue p;
    p.kind = PyValue::Kind::Opaque;
    p.name = "failed";
    p.data = Value::string(d.message, d.span);
    p.keywords = {d.help};
    return p;
  }
  static bool is_failed(const PyValue& v) {
    return v.kind == PyValue::Kind::Opaque && v.name == "failed";
  }
  [[noreturn]] static void rethrow(const PyValue& v) {
    raise(v.data.span, v.data.s, v.keywords.empty() ? "" : v.keywords[0]);
  }

  void assign_statement(const Stmt& s, Frame& f) {
    PyValue v = guarded(*s.value, f);
    for (const Expr& t : s.targets) assign_value(t, v, f);
  }

  void assign_value(const Expr& target, const PyValue& v, Frame& f) {
    switch (target.kind) {
      case Expr::Kind::Name:
        if (f.scope->outer.count(target.text))
          unsupported_here(target.span,
                           "assigning `" + target.text + "` declared global or nonlocal",
                           "netshape does not keep a variable a function changes outside itself; "
                           "return the value instead");
        f.scope->vars[target.text] = v;
        return;
      case Expr::Kind::Attribute:
        return set_attribute(eval(target.items[0], f), target.text, v, target.span);
      case Expr::Kind::Subscript: {  // left to right, as Python: the order of C++ arguments is
                                     // unspecified
        PyValue obj = eval(target.items[0], f);
        PyValue index = eval(target.items[1], f);
        return set_item(obj, index, v, target.span);
      }
      case Expr::Kind::Tuple:
      case Expr::Kind::List: {
        if (is_failed(v)) rethrow(v);
        PyList items = iterate(v, target.span);
        size_t star = target.items.size();
        for (size_t i = 0; i < target.items.size(); ++i)
          if (target.items[i].kind == Expr::Kind::Starred) star = i;
        size_t fixed = target.items.size() - (star < target.items.size() ? 1 : 0);
        if (items.size() < fixed || (star == target.items.size() && items.size() != fixed))
          unpack_error(target, items, fixed, star < target.items.size());
        size_t rest = items.size() - fixed;
        size_t k = 0;
        for (size_t i = 0; i < target.items.size(); ++i) {
          if (i == star) {
            PyList mid(items.begin() + static_cast<std::ptrdiff_t>(k),
                       items.begin() + static_cast<std::ptrdiff_t>(k + rest));
            assign_value(target.items[i].items[0], make_list(std::move(mid)), f);
            k += rest;
          } else {
            assign_value(target.items[i], items[k++], f);
          }
        }
        return;
      }
      default:
        unsupported_here(target.span, std::string("assignment target in ") + where());
    }
  }

  // Python's ValueError for `a, b = v` where v has another number of items. Of tensors (the
  // pieces of chunk or split in forward) it stops the model there (exit 1), as PyTorch's run does.
  [[noreturn]] void unpack_error(const Expr& target, const PyList& items, size_t names,
                                 bool starred) {
    std::string message = items.size() < names
                              ? fmt::format("not enough values to unpack (expected {}{}, got {})",
                                            starred ? "at least " : "", names, items.size())
                              : fmt::format("too many values to unpack (expected {})", names);
    auto tensor = std::find_if(items.begin(), items.end(),
                               [](const PyValue& v) { return v.kind == PyValue::Kind::Tensor; });
    if (forward_ && tensor != items.end())
      torch_error(*tensor, target.span, message,
                  fmt::format("the right side gives {} tensors here: unpack {} names, or split "
                              "into {} (chunk gives fewer pieces when the size does not divide "
                              "evenly)",
                              items.size(), items.size(), names));
    raise(target.span, message);
  }

  // Whether evaluating `e` may call something (whose side effects must happen once).
  static bool calls_in(const Expr& e) {
    if (e.kind == Expr::Kind::Call) return true;
    return std::any_of(e.items.begin(), e.items.end(), calls_in);
  }

  void aug_assign(const Stmt& s, Frame& f) {
    const Expr& t = s.targets[0];
    std::string op = s.what.substr(0, s.what.size() - 1);
    // `w[f()] += 1`, `make().n += 1`, `y[:, 0] += 1`: the target's object and index are
    // evaluated once, as in Python (a target attribute of names is simply evaluated again to be
    // stored)
    bool once = t.kind == Expr::Kind::Subscript || (t.kind == Expr::Kind::Attribute && calls_in(t));
    PyValue object, index, current;
    if (once && t.kind == Expr::Kind::Subscript) {
      object = indexed_object(t.items[0], f);
      index = eval(t.items[1], f);
      current = subscript(object, index, t.span);
    } else if (once) {
      object = eval(t.items[0], f);
      current = get_attribute(object, t, f);
    } else {
      current = eval(t, f);
    }
    auto store = [&](const PyValue& v) {
      if (!once) return assign_value(t, v, f);
      if (t.kind == Expr::Kind::Subscript) return set_item(object, index, v, t.span);
      set_attribute(object, t.text, v, t.span);
    };
    PyValue rhs = eval(*s.value, f);
    if (forward_ && is_layer_tensor(current))  // `w = self.fc.weight; w += 1`: w.add_(1)
      current = layer_tensor(current, t.span);
    if (current.kind == PyValue::Kind::List && op == "+") {  // in place: every reference sees it
      PyList more = iterate(rhs, s.value->span);
      current.list->insert(current.list->end(), more.begin(), more.end());
      return;
    }
    bool container = current.kind == PyValue::Kind::Module &&
                     ((current.module->kind == ModuleDef::Sequential && current.module->list) ||
                      parameter_container(current));
    if (is_sequential(current) && (op == "+" || op == "*"))  // __iadd__, __imul__: in place
      unsupported_here(s.span,
                       fmt::format("`{}=` on an nn.Sequential, which changes it in place under "
                                   "every name that holds it",
                                   op),
                       fmt::format("build a new one: `body = body {} other`", op));
    if (container && op == "+") {  // nn.ModuleList's and nn.ParameterList's += is extend()
      Args more;
      more.add(rhs, s.value->span, &*s.value);
      module_method(current, "extend", more, *s.value, f);
      return;
    }
    if (current.kind == PyValue::Kind::Tensor && op != "@") {  // x += y is x.add_(y)
      PyValue result = tensor_arithmetic(op, current, rhs, s.span, true);
      if (t.kind == Expr::Kind::Subscript && written_through_view(result, current, object)) return;
      store(result);
      return;
    }
    if (current.kind == PyValue::Kind::Made && !forward_) {  // in place too
      made_in_place(op, current, rhs, s.span);
      return;
    }
    store(binary(op, current, rhs, s.span));
  }

  // `y[:, 0] += 1`: the number went into the view y[:, 0] (`current`), y's own memory, with no
  // row of its own (`result` is the view). Python's store then copies the view into the place it
  // views, which changes nothing, and which set_item would refuse as a tensor written with a
  // view of itself. An advanced index (`y[idx] += 1`) reads a copy: its store writes it back.
  bool written_through_view(const PyValue& result, const PyValue& current, const PyValue& object) {
    return object.kind == PyValue::Kind::Tensor && result.name == current.name &&
           current.copy != PyValue::Copy::Dense &&
           views_tensor(current.name, current_name(object.name));
  }

  // `with torch.no_grad():` and the other context managers that change no shape: the body runs
  // as written, with gradients as the manager sets them. Any other manager is refused: netshape
  // cannot run its __enter__ and __exit__.
  Flow with_block(const Stmt& s, Frame& f) {
    Entered entered = enter_context(*s.value, f);
    if (!s.targets.empty()) assign_value(s.targets[0], entered.value, f);
    return with_grad_mode(entered.grad.value_or(grad_enabled_),
                          [&] { return exec_block(s.body, f); });
  }

  // Runs `body` with gradients on or off, and restores the mode after it (also when it raises).
  template <class Body>
  Flow with_grad_mode(bool enabled, Body body) {
    struct Restore {
      bool& mode;
      bool was;
      ~Restore() { mode = was; }
    } restore{grad_enabled_, grad_enabled_};
    grad_enabled_ = enabled;
    return body();
  }

  // What entering a context manager does: the gradient mode it sets (none: unchanged) and the
  // value `as` binds.
  struct Entered {
    std::optional<bool> grad;
    PyValue value;
  };
  static constexpr const char* kContextHelp =
      "netshape follows `with` for torch.no_grad(), torch.enable_grad(), "
      "torch.inference_mode(), torch.set_grad_enabled(mode), autocast(enabled=False) and "
      "contextlib.nullcontext(); move the layers out of the `with` block to check them";

  Entered enter_context(const Expr& e, Frame& f) {
    if (e.kind == Expr::Kind::IfExp)  // `torch.no_grad() if self.frozen else nullcontext()`
      return enter_context(truthy(eval(e.items[1], f), e.items[1].span) ? e.items[0] : e.items[2],
                           f);
    PyValue callee = e.kind == Expr::Kind::Call ? eval(e.items[0], f) : PyValue{};
    if (callee.kind != PyValue::Kind::Builtin)
      unsupported_here(e.span, "this context manager in `with`", kContextHelp);
    Args args = arguments(e, f);
    const std::string& n = callee.name;
    auto is = [&](std::initializer_list<const char*> names) {
      return std::any_of(names.begin(), names.end(), [&](const char* name) { return n == name; });
    };
    auto mode = [&](const char* keyword, std::optional<bool> fallback) -> bool {
      const PyValue* v = argument(args, 0, keyword);
      if (!v && fallback) return *fallback;
      if (!v)
        raise(e.span,
              fmt::format("{}() missing 1 required positional argument: '{}'",
                          n.substr(n.rfind('.') + 1), keyword),
              "e.g. torch.set_grad_enabled(False)");
      return truthy(*v, e.span);
    };
    PyValue none = PyValue::none(e.span);
    if (is({"torch.no_grad", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad"}))
      return {false, none};
    if (is({"torch.enable_grad", "torch.autograd.enable_grad",
            "torch.autograd.grad_mode.enable_grad"}))
      return {true, none};
    if (is({"torch.inference_mode", "torch.autograd.grad_mode.inference_mode"}))
      return {!mode("mode", true), none};
    if (is({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
            "torch.autograd.grad_mode.set_grad_enabled"}))
      return {mode("mode", std::nullopt), none};
    if (is({"contextlib.nullcontext"})) {
      const PyValue* result = argument(args, 0, "enter_result");
      return {std::nullopt, result ? *result : none};
    }
    if (is({"torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast",
            "torch.cpu.amp.autocast"})) {
      const PyValue* enabled = argument(args, SIZE_MAX, "enabled");
      if (enabled && !truthy(*enabled, e.span)) return {std::nullopt, none};
      unsupported_here(e.span, "autocast",
                       "autocast changes the type some ops compute in, not their shapes: check "
                       "the model without it, or with enabled=False (netshape follows float32)");
    }
    unsupported_here(e.span, "`with " + n + "(...)`", kContextHelp);
  }

  // A function whose decorator netshape does not know is refused where it runs: a decorator
  // replaces the function with what it returns, which netshape does not run (`@double` making
  // width(3) 6). Known: those that return the function itself or one that calls it unchanged
  // (registries, TorchScript and FX markers, functools.wraps, torchvision's argument adapters),
  // the method kinds, and the gradient modes (decorated_grad_mode).
  static void check_decorators(const Stmt& def) {
    static constexpr std::string_view kKnown[] = {"staticmethod",
                                                  "classmethod",
                                                  "property",
                                                  "setter",
                                                  "getter",
                                                  "deleter",
                                                  "abstractmethod",
                                                  "no_grad",
                                                  "inference_mode",
                                                  "enable_grad",
                                                  "unused",
                                                  "ignore",
                                                  "export",
                                                  "_script_if_tracing",
                                                  "script",  // torch.jit.script: same results
                                                  "_overload_method",
                                                  "wrap",
                                                  "wraps",
                                                  "dataclass",
                                                  "register_model",
                                                  "handle_legacy_interface",
                                                  "kwonly_to_pos_or_kw",
                                                  "parse_args",
                                                  "overload",
                                                  "lru_cache",
                                                  "cache"};
    for (const Expr& d : def.decorators) {
      std::string name = dotted(d.kind == Expr::Kind::Call ? d.items[0] : d);
      std::string_view last = std::string_view(name).substr(name.rfind('.') + 1);
      if (std::find(std::begin(kKnown), std::end(kKnown), last) != std::end(kKnown)) continue;
      unsupported_here(d.span, "the decorator `@" + name + "` on " + def.name + "()",
                       "netshape does not run decorators: call the wrapper where it is used, "
                       "`double(width)(3)`, or write the function undecorated");
    }
  }

  // A function decorated `@torch.no_grad()` (or `@torch.inference_mode()`, `@torch.enable_grad()`):
  // the gradient mode its body runs in; none for one without.
  std::optional<bool> decorated_grad_mode(const Stmt& def, Frame& f) {
    for (const Expr& d : def.decorators) {
      if (d.kind != Expr::Kind::Call) continue;
      std::string n = dotted(d.items[0]);
      n = n.substr(n.rfind('.') + 1);
      if (n == "no_grad" || n == "inference_mode" || n == "enable_grad")
        return enter_context(d, f).grad;
    }
    return std::nullopt;
  }

  Flow for_loop(const Stmt& s, Frame& f) {
    PyValue iterable = eval(*s.value, f);
    // (an empty one runs no pass: freeze_loop reads `for p in enumerate(m.parameters())`)
    bool live = iterable.kind == PyValue::Kind::List && !iterable.list->empty() &&
                (is_iterator(iterable) || iterable.name.empty());
    if (live) return live_for_loop(s, iterable, f);
    // `for p in self.parameters():` runs no pass: weight init, or a freeze freeze_loop reads
    PyList items = iterate(iterable, s.value->span);
    if (auto flow = freeze_loop(s, items, f)) return *flow;
    Building pass(building_, Label{s.span, ""});
    for (size_t n = 0; n < items.size(); ++n) {
      step(s.span);
      building_.back().message = fmt::format("in pass {} of this loop", n + 1);
      assign_value(s.targets[0], items[n], f);
      Flow flow = exec_block(s.body, f);
      if (flow == Flow::Break) return Flow::Normal;
      if (flow == Flow::Return) return flow;
    }
    return exec_block(s.orelse, f);
  }

  // A loop over a list or an iterator, as Python runs it: a list by index, so that items the body
  // appends are met and one it removes shifts the rest; an iterator item by item, so that a
  // `break` leaves the rest in it (and the body may take items too).
  Flow live_for_loop(const Stmt& s, const PyValue& iterable, Frame& f) {
    Building pass(building_, Label{s.span, ""});
    const bool iterator = is_iterator(iterable);
    const std::shared_ptr<PyList> list = iterable.list;
    for (size_t n = 0;; ++n) {
      PyValue item;
      if (iterator) {
        std::optional<PyValue> next = next_item(iterable, s.value->span);
        if (!next) break;
        item = std::move(*next);
      } else {
        if (n >= list->size()) break;
        item = (*list)[n];
      }
      step(s.span);
      building_.back().message = fmt::format("in pass {} of this loop", n + 1);
      assign_value(s.targets[0], item, f);
      Flow flow = exec_block(s.body, f);
      if (flow == Flow::Break) return Flow::Normal;
      if (flow == Flow::Return) return flow;
    }
    return exec_block(s.orelse, f);
  }

  // ---- requires_grad: which parameters train ----

  // `for p in m.parameters(): p.requires_grad = False` (or named_parameters(), requires_grad_()).
  // parameters() yields nothing netshape follows, so the loop would run no pass: it sets
  // requires_grad on every parameter of m instead, as its passes would. A loop that sets it on
  // some of them only (a condition, a slice of the list) is refused: the trainable count would
  // be wrong. nullopt: not such a loop, run it.
  std::optional<Flow> freeze_loop(const Stmt& s, const PyList& items, Frame& f) {
    if (forward_ || !items.empty()) return std::nullopt;
    std::set<std::string> names;
    loop_names(s.targets[0], names);
    if (names.empty()) return std::nullopt;
    const Expr* use = requires_grad_use(s.body, names);
    if (!use) return std::nullopt;
    if (std::optional<const Expr*> value = whole_module_requires_grad(s)) {
      PyValue owner = eval(s.value->items[0].items[0], f);
      if (owner.kind == PyValue::Kind::Module && (!*value || !mentions(**value, names))) {
        set_requires_grad(owner, !*value || bool_of(eval(**value, f), (*value)->span), s.span);
        return exec_block(s.orelse, f);
      }
    }
    unsupported_here(use->span, "setting requires_grad on some of the parameters", kFreezeHelp);
  }

  static constexpr const char* kFreezeHelp =
      "netshape follows freezing whole modules: `for p in self.features.parameters(): "
      "p.requires_grad = False`, or `self.features.requires_grad_(False)`";

  static void loop_names(const Expr& target, std::set<std::string>& out) {
    if (target.kind == Expr::Kind::Name) out.insert(target.text);
    if (target.kind == Expr::Kind::Tuple || target.kind == Expr::Kind::List)
      for (const Expr& item : target.items) loop_names(item, out);
  }

  // Whether `e` is `<one of names>.requires_grad`, or `<one of names>.requires_grad_`; with no
  // names, of anything.
  static bool grad_attribute_of(const Expr& e, const std::set<std::string>& names,
                                const char* attribute) {
    if (e.kind != Expr::Kind::Attribute || e.text != attribute) return false;
    return names.empty() ||
           (e.items[0].kind == Expr::Kind::Name && names.count(e.items[0].text) != 0);
  }

  // The first `v.requires_grad_(...)` or `setattr(v, 'requires_grad', ...)` call in `e`, v one
  // of `names`; null when none.
  static const Expr* requires_grad_call(const Expr& e, const std::set<std::string>& names) {
    if (e.kind == Expr::Kind::Call && grad_attribute_of(e.items[0], names, "requires_grad_"))
      return &e;
    if (e.kind == Expr::Kind::Call && e.items[0].kind == Expr::Kind::Name &&
        e.items[0].text == "setattr" && e.items.size() >= 3 &&
        e.items[2].kind == Expr::Kind::String && e.items[2].text == "requires_grad" &&
        (names.empty() ||
         (e.items[1].kind == Expr::Kind::Name && names.count(e.items[1].text) != 0)))
      return &e;
    for (const Expr& item : e.items)
      if (const Expr* found = requires_grad_call(item, names)) return found;
    return nullptr;
  }

  // The first place in `body` that sets requires_grad of one of `names` (`p.requires_grad =
  // False`, `p.requires_grad_(False)`), at any depth; null when none does.
  static const Expr* requires_grad_use(const std::vector<Stmt>& body,
                                       const std::set<std::string>& names) {
    for (const Stmt& st : body) {
      for (const Expr& t : st.targets) {
        if (grad_attribute_of(t, names, "requires_grad")) return &t;
        for (const Expr& item : t.items)
          if (grad_attribute_of(item, names, "requires_grad")) return &item;
      }
      for (const std::optional<Expr>* e : {&st.value, &st.extra})
        if (*e)
          if (const Expr* found = requires_grad_call(**e, names)) return found;
      if (const Expr* found = requires_grad_use(st.body, names)) return found;
      if (const Expr* found = requires_grad_use(st.orelse, names)) return found;
    }
    return nullptr;
  }

  // The value a loop `for p in m.parameters(): p.requires_grad = <value>` (or
  // `p.requires_grad_(<value>)`, or `for name, p in m.named_parameters(): ...`) gives every
  // parameter of m, null for `requires_grad_()` (True); nullopt for any other loop.
  static std::optional<const Expr*> whole_module_requires_grad(const Stmt& s) {
    const Expr& it = *s.value;
    if (it.kind != Expr::Kind::Call || it.items.size() != 1 ||
        it.items[0].kind != Expr::Kind::Attribute ||
        (it.items[0].text != "parameters" && it.items[0].text != "named_parameters"))
      return std::nullopt;
    const Expr& target = s.targets[0];
    const Expr* var = it.items[0].text == "parameters" ? &target
                      : target.kind == Expr::Kind::Tuple && target.items.size() == 2
                          ? &target.items[1]
                          : nullptr;
    if (!var || var->kind != Expr::Kind::Name || s.body.size() != 1) return std::nullopt;
    std::set<std::string> names = {var->text};
    const Stmt& only = s.body[0];
    if (only.kind == Stmt::Kind::Assign && only.targets.size() == 1 &&
        grad_attribute_of(only.targets[0], names, "requires_grad"))
      return &*only.value;
    if (only.kind == Stmt::Kind::Expr && only.value->kind == Expr::Kind::Call &&
        grad_attribute_of(only.value->items[0], names, "requires_grad_")) {
      const Expr& call = *only.value;
      if (call.items.size() == 1) return nullptr;  // requires_grad_() sets True
      if (call.items.size() == 2 &&
          (call.keywords[0].empty() || call.keywords[0] == "requires_grad"))
        return &call.items[1];
    }
    return std::nullopt;
  }

  // Whether `e` reads one of `names` (then it differs from pass to pass of a loop over them).
  static bool mentions(const Expr& e, const std::set<std::string>& names) {
    if (e.kind == Expr::Kind::Name && names.count(e.text)) return true;
    return std::any_of(e.items.begin(), e.items.end(),
                       [&](const Expr& item) { return mentions(item, names); });
  }

  // The True or False requires_grad is set to.
  bool bool_of(const PyValue& v, Span at) {
    if (v.kind != PyValue::Kind::Data || v.data.kind != Value::Kind::Bool)
      unsupported_here(at, "requires_grad set to " + describe(v), "write True or False");
    return v.data.b;
  }

  // Sets requires_grad of every parameter of `module`, as module.requires_grad_() does: its
  // layers' and its nn.Parameters', at any depth.
  void set_requires_grad(const PyValue& module, bool trains, Span at) {
    std::set<int> seen;
    set_requires_grad(*module.module, trains, seen);
    // after a tie the tensor is both layers': freezing one of them freezes part of the other
    for (const Tie& t : ties_)
      if (seen.count(t.receiver) != seen.count(t.giver))
        unsupported_here(at, "setting requires_grad of a layer whose weight is tied to another's",
                         "set requires_grad before tying the weights, or on both layers");
  }
  void set_requires_grad(const ModuleDef& m, bool trains, std::set<int>& seen) {
    if (!seen.insert(m.id).second) return;  // a module that holds itself, or one held twice
    auto mark = [trains](std::set<int>& frozen, int id) {
      if (trains)
        frozen.erase(id);
      else
        frozen.insert(id);
    };
    if (m.kind == ModuleDef::Leaf) mark(frozen_layers_, m.id);
    for (const ModuleChild& c : m.children) set_requires_grad(c.def, trains, seen);
    if (m.kind != ModuleDef::User) return;
    if (m.instance->layer_base) set_requires_grad(*m.instance->layer_base, trains, seen);
    for (const auto& [key, child] : m.instance->modules) set_requires_grad(child, trains, seen);
    for (const auto& [key, value] : m.instance->values)
      if (is_parameter(*value)) mark(frozen_made_, value->made);
  }

  // requires_grad of an nn.Parameter set after it is made (`self.pos.requires_grad = False`).
  void set_parameter_requires_grad(const PyValue& parameter, const PyValue& v, Span at) {
    if (bool_of(v, at))
      frozen_made_.erase(parameter.made);
    else
      frozen_made_.insert(parameter.made);
  }

  Flow while_loop(const Stmt& s, Frame& f) {
    while (truthy(eval(*s.value, f), s.value->span)) {
      step(s.span);
      Flow flow = exec_block(s.body, f);
      if (flow == Flow::Break) return Flow::Normal;
      if (flow == Flow::Return) return flow;
    }
    return exec_block(s.orelse, f);
  }

  // `del name`, `del self.k`, `del items[i]`, `del table[key]`, `del self.layers[i]`: what Python
  // deletes. Anything else is refused, never skipped: a layer deleted in the file and still
  // counted here would be a wrong total.
  void delete_target(const Expr& t, Frame& f) {
    if (t.kind == Expr::Kind::Name) return void(f.scope->vars.erase(t.text));
    if (t.kind == Expr::Kind::Attribute) {
      PyValue obj = eval(t.items[0], f);
      return delete_attribute(obj, t.text, t.span);
    }
    if (t.kind == Expr::Kind::Subscript && !has_slice(t)) {
      PyValue obj = eval(t.items[0], f);
      PyValue key = eval(t.items[1], f);
      return delete_item(obj, key, t.span);
    }
    unsupported_here(t.span, "this `del` target",
                     "delete one item at a time (`del layers[-1]`), or build the list without it");
  }

  void delete_attribute(const PyValue& obj, const std::string& name, Span at) {
    if (obj.kind != PyValue::Kind::Module || obj.module->kind != ModuleDef::User)
      unsupported_here(at, "deleting an attribute of this object",
                       "build the object without it instead");
    Instance& inst = *obj.module->instance;
    bool found =
        inst.attrs.erase(name) + inst.values.erase(name) + inst.registered_as.erase(name) > 0;
    if (auto old = inst.modules.find(name); old != inst.modules.end())
      refuse_retiring_tied(old->second, at);
    if (retire_module(inst, name)) {
      std::erase(inst.order, name);
      found = true;
    }
    if (!found) raise(at, "'" + inst.cls->name + "' object has no attribute '" + name + "'");
  }

  void delete_item(const PyValue& obj, const PyValue& key, Span at) {
    if (obj.kind == PyValue::Kind::List) return void(list_take(*obj.list, int_of(key, at), at));
    if (obj.kind == PyValue::Kind::Dict) {
      if (!dict_take(*obj.dict, key, at)) raise(at, "key " + text_of(key) + " is not in the dict");
      return;
    }
    // nn.Sequential and nn.ModuleList renumber their children after a deletion, as PyTorch's
    // __delitem__ does ("To preserve numbering").
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Sequential &&
        obj.module->op != "ModuleDict" && key.is(Value::Kind::Int)) {
      changing_container(*obj.module, at);
      std::list<ModuleChild>& children = obj.module->children;
      size_t k = index_of(int_of(key, at), children.size(), at);
      auto gone = std::next(children.begin(), static_cast<std::ptrdiff_t>(k));
      refuse_retiring_tied(gone->def, at);
      retire_child(children, gone);
      size_t i = 0;
      for (ModuleChild& c : children) c.index = std::to_string(i++);
      return;
    }
    unsupported_here(at, "deleting an item of this object",
                     "build the container without it instead");
  }

  // Takes submodule `name` out of `inst` (false when it has none), keeping its node: a value read
  // before refers into it (Instance::replaced).
  static bool retire_module(Instance& inst, const std::string& name) {
    auto node = inst.modules.extract(name);
    if (!node) return false;
    inst.replaced.push_back(std::make_shared<decltype(node)>(std::move(node)));
    return true;
  }

  // Takes a child out of its container, keeping it where it is (deleted_children_).
  void retire_child(std::list<ModuleChild>& children, std::list<ModuleChild>::iterator it) {
    deleted_children_.splice(deleted_children_.end(), children, it);
  }

  // A child added under `name`, as Module.add_module adds it: a name already there keeps its
  // place and takes the new module (`nn.ModuleDict([("a", m1), ("a", m2)])` holds m2 once).
  // Python's container is one object wherever it is stored; netshape stores copies (all of one
  // id). A change through one copy makes it the container's latest version; a copy behind it is
  // refused where it is used: stored, applied, or registered in the model (ModuleDef::version).
  void changing_container(ModuleDef& m, Span at) {
    refuse_behind(m, at);
    m.version = ++last_container_version_;
    container_versions_[m.id] = m.version;
  }
  void refuse_behind(const ModuleDef& m, Span at) const {
    auto latest = container_versions_.find(m.id);
    if (m.kind != ModuleDef::Sequential || latest == container_versions_.end() ||
        latest->second == m.version)
      return;
    unsupported_here(at,
                     "a container changed through another name after this copy of it was "
                     "stored (`self.body = layers`, then `layers.append(...)`; or "
                     "`self.alias = self.body`, then `self.alias.append(...)`)",
                     "change a container through the one name it is stored under "
                     "(`self.body.append(...)`), or finish it before storing it");
  }
  // `v` stored in a module or container: it must not be behind a changed copy of it.
  void refuse_storing_behind(const PyValue& v, Span at) const {
    if (v.kind == PyValue::Kind::Module) refuse_behind(*v.module, at);
  }

  void put_child(ModuleDef& container, const std::string& name, const ModuleDef& v) {
    std::list<ModuleChild>& children = container.children;
    auto it = std::find_if(children.begin(), children.end(),
                           [&](const ModuleChild& c) { return c.index == name; });
    if (it == children.end()) return void(children.emplace_back(name, v));
    children.insert(it, ModuleChild(name, v));
    retire_child(children, it);
  }

  // ModuleDict.update(modules) (which its constructor calls): a dict's or another ModuleDict's
  // items, or (name, module) pairs, each key replacing its module in place or added at the end.
  void update_module_dict(ModuleDef& m, const PyValue& modules, Span at) {
    PyList pairs;
    if (modules.kind == PyValue::Kind::Dict) {
      for (const auto& [k, v] : *modules.dict) pairs.push_back(make_tuple({k, v}));
    } else if (modules.kind == PyValue::Kind::Module && modules.module->op == "ModuleDict") {
      for (ModuleChild& c : modules.module->children) {
        PyValue child = child_module(modules, c.def, c.index);
        pairs.push_back(make_tuple({data_str(c.index, at), child}));
      }
    } else {
      pairs = iterate(modules, at);
    }
    for (const PyValue& pair : pairs) {
      PyList kv = iterate(pair, at);
      if (kv.size() != 2 || kv[1].kind != PyValue::Kind::Module)
        raise(at, "nn.ModuleDict holds (name, module) pairs");
      std::string key = kv[0].is(Value::Kind::String) ? text_of(kv[0]) : "";
      bool child = std::any_of(m.children.begin(), m.children.end(),
                               [&](const ModuleChild& c) { return c.index == key; });
      if (!child && is_module_dict_attribute(key))  // add_module's hasattr(self, key)
        raise_torch(at, fmt::format("attribute '{}' already exists", key),
                    "give the module a name of its own");
      put_child(m, checked_module_name(kv[0], at), *kv[1].module);
      refuse_storing_behind(kv[1], at);
    }
  }
  // An attribute every nn.ModuleDict has: nn.Module's, and its own methods.
  static bool is_module_dict_attribute(const std::string& key) {
    for (const char* own : {"clear", "items", "keys", "pop", "update", "values"})
      if (key == own) return true;
    return module_api(key);
  }

  // A child's name as Module.add_module checks it (nn.Sequential of an OrderedDict,
  // nn.ModuleDict): PyTorch 1.13's TypeError and KeyErrors.
  std::string checked_module_name(const PyValue& key, Span at) {
    if (!key.is(Value::Kind::String))
      raise_torch(at, "module name should be a string. Got " + type_of(key).name,
                  "name the module with a string");
    std::string name = text_of(key);
    if (name.find('.') != std::string::npos)
      raise_torch(at, fmt::format("module name can't contain \".\", got: {}", name),
                  fmt::format("name it without a dot, e.g. \"{}\"", replaced_dots(name)));
    if (name.empty())
      raise_torch(at, "module name can't be empty string \"\"", "give the module a name");
    return name;
  }
  static std::string replaced_dots(std::string name) {
    std::replace(name.begin(), name.end(), '.', '_');
    return name;
  }

  // ---- attributes ----

  // `self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std` in __init__ (EDSR's MeanShift): new
  // values of the weight's sizes, an initialisation, whose values netshape does not follow (as
  // nn.init's). PyTorch would take other sizes too, changing the parameter count: refused.
  void set_layer_data(const PyValue& tensor, const PyValue& v, Span at) {
    if (is_failed(v)) rethrow(v);
    Sizes want = layer_weight_sizes(*tensor.method_self, tensor.name, at);
    std::optional<Sizes> got;
    if (v.kind == PyValue::Kind::Made) got = sizes_of(v);
    if (v.kind == PyValue::Kind::Values) got = value_sizes(*v.values);
    if (!got)
      unsupported_here(at, fmt::format("setting the {}'s `.data` to {}", tensor.name, describe(v)),
                       "netshape follows a tensor made in __init__ (torch.zeros(...), "
                       "torch.tensor([...]), torch.eye(n) and arithmetic on them)");
    if (*got != want)
      unsupported_here(at,
                       fmt::format("setting the {} of sizes [{}] to `.data` of sizes [{}]",
                                   tensor.name, fmt::join(want, ", "), fmt::join(*got, ", ")),
                       "PyTorch would replace the tensor, and the layer's parameter count with "
                       "it: give the layer those sizes in its constructor");
  }

  void set_attribute(const PyValue& obj, const std::string& name, const PyValue& v, Span at) {
    if (name == "training" && !forward_ && !in_trial_ && !mode_set_at_.valid()) {
      mode_set_at_ = at;  // `self.bn.training = False`
      mode_set_call_ = "setting `training`";
    }
    if (in_trial_ && holds_tensor(v))  // its rows end with the trial
      unsupported_here(at,
                       "keeping a tensor of forward as an attribute while a module runs in "
                       "__init__",
                       "keep its sizes instead (`self.n = y.shape[1]`)");
    if (name == "data" && is_layer_tensor(obj) && !forward_) return set_layer_data(obj, v, at);
    bool tensor_of_layer = name == "weight" || name == "bias";
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::User &&
        obj.module->instance->layer_base && tensor_of_layer) {
      PyValue layer = obj;  // a subclass of a torch layer: its layer's weight, as read
      layer.module = obj.module->instance->layer_base;
      layer.name.clear();
      return set_attribute(layer, name, v, at);
    }
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Leaf &&
        tensor_of_layer) {  // `self.dec.weight = self.enc.weight`
      if (!is_layer_tensor(v))
        unsupported_here(at, fmt::format("setting the {} of a layer to {}", name, describe(v)),
                         "give the layer the sizes (or bias=False) in its constructor");
      return tie(obj, name, v, at);
    }
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Leaf) {
      // `self.fc.stddev = 0.001`: a note on a layer for weight init, nothing to shapes. A
      // constructor argument changed afterwards (`conv.stride = 2`) would change them: refused.
      // (nn.PairwiseDistance keeps its p as `norm`)
      if (has_param(obj.module->op, name) && settable_after_build(*obj.module, name))
        return set_after_build(*obj.module, name, v, at);
      if (has_param(obj.module->op, name) ||
          (obj.module->op == "PairwiseDistance" && name == "norm"))
        unsupported_here(at, "changing `" + name + "` of a layer after it is built",
                         "give it to the layer's constructor");
      return;
    }
    if (is_parameter(obj) && name == "requires_grad")
      return set_parameter_requires_grad(obj, v, at);
    if (name == "requires_grad")  // `self.conv.weight.requires_grad = False`
      unsupported_here(at, "setting requires_grad of one tensor of a layer", kFreezeHelp);
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Sequential &&
        v.kind == PyValue::Kind::Module && !plain_object(v)) {
      // `self.body.fc = nn.Linear(16, 3)`: nn.Module.__setattr__ registers it among the
      // container's modules (at the end, or in the place of one so named: `"2"`)
      check_container_depth(*v.module, at);
      changing_container(*obj.module, at);
      put_child(*obj.module, name, *v.module);
      return refuse_storing_behind(v, at);
    }
    if (obj.kind != PyValue::Kind::Module || obj.module->kind != ModuleDef::User) {
      unsupported_here(at, "setting an attribute of this object");
    }
    Instance& inst = *obj.module->instance;
    check_registered_kind(inst, name, v, at);
    registers_before_module_init(inst, v, at);
    update_registration(inst, name, v, registration(inst, name));
    if (auto old = inst.modules.find(name); old != inst.modules.end())
      refuse_retiring_tied(old->second, at);
    retire_module(inst, name);
    inst.attrs.erase(name);
    inst.values.erase(name);
    if (v.kind == PyValue::Kind::Module && !plain_object(v)) {
      check_container_depth(*v.module, at);
      inst.modules[name] = *v.module;
      refuse_storing_behind(v, at);
      if (std::find(inst.order.begin(), inst.order.end(), name) == inst.order.end())
        inst.order.push_back(name);
    } else if (v.kind == PyValue::Kind::Data) {
      inst.attrs[name] = Const::ok(v.data);
    } else if (v.kind == PyValue::Kind::Unbound) {
      inst.attrs[name] = Const::unbound(v.name);
    } else if (is_failed(v)) {
      Diagnostic d;
      d.span = v.data.span;
      d.message = v.data.s;
      d.help = v.keywords.empty() ? "" : v.keywords[0];
      inst.attrs[name] = Const::failed(d);
      inst.attrs[name].may_hold_weights = v.may_hold_weights;
    } else {
      inst.values[name] = std::make_shared<PyValue>(v);
    }
  }

  // module.add_module(name, child) (and register_module), with PyTorch 1.13's checks in its
  // order: a module, a string name, not an attribute other than a submodule (`forward`, a number
  // set in __init__), no dot, not empty. A name given again replaces the child in its place.
  PyValue add_module(const PyValue& self, Args& args, const Expr& call, Frame& f) {
    Span at = call.span;
    if (args.values.size() != 2)
      raise(at, "add_module() takes a name and a module", "call add_module(name, module)");
    const PyValue& child = args.values[1];
    if (child.kind != PyValue::Kind::Module && !child.is_none() && known_kind(child))
      raise_torch(args.spans[1], torch_typename(child) + " is not a Module subclass",
                  "give add_module a module");
    if (child.kind != PyValue::Kind::Module)
      unsupported_here(args.spans[1], "add_module() of " + describe(child),
                       "give add_module a module");
    ModuleDef& m = *self.module;
    std::string key = args.values[0].is(Value::Kind::String) ? text_of(args.values[0]) : "";
    bool registered = m.kind == ModuleDef::User
                          ? m.instance->modules.count(key) != 0
                          : std::any_of(m.children.begin(), m.children.end(),
                                        [&](const ModuleChild& c) { return c.index == key; });
    if (!key.empty() && !registered && key.find('.') == std::string::npos &&
        has_attribute(self, key, call, f))
      raise_torch(args.spans[0], fmt::format("attribute '{}' already exists", key),
                  "give the module a name of its own");
    key = checked_module_name(args.values[0], args.spans[0]);
    check_container_depth(*child.module, at);
    if (m.kind == ModuleDef::Sequential) {
      changing_container(m, at);
      put_child(m, key, *child.module);
      refuse_storing_behind(child, at);
    } else {
      set_attribute(self, key, child, at);
    }
    return PyValue::none(at);
  }

  // register_buffer(name, tensor) and register_parameter(name, param), with PyTorch 1.13's checks
  // in its order: a string name, no dot, not empty, no other attribute of that name, then the
  // value's kind.
  PyValue register_tensor(const PyValue& self, bool buffer, Args& args, const Expr& call,
                          Frame& f) {
    Span at = call.span;
    const char* what = buffer ? "buffer" : "parameter";
    const PyValue& key = nth(args, 0, at);
    const PyValue& value = nth(args, 1, at);
    Span key_at = args.spans.empty() ? at : args.spans[0];
    Span value_at = args.spans.size() < 2 ? at : args.spans[1];
    if (!key.is(Value::Kind::String) && known_kind(key))
      raise_torch(key_at,
                  fmt::format("{} name should be a string. Got {}", what, torch_typename(key)));
    std::string name = text_of(key);
    if (name.find('.') != std::string::npos)
      raise_torch(key_at, fmt::format("{} name can't contain \".\"", what));
    if (name.empty()) raise_torch(key_at, fmt::format("{} name can't be empty string \"\"", what));
    const Instance* inst =
        self.module->kind == ModuleDef::User ? self.module->instance.get() : nullptr;
    auto kind = buffer ? Instance::Registered::Buffer : Instance::Registered::Parameter;
    bool registered = inst && registration(*inst, name) == kind;
    if (!registered && has_attribute(self, name, call, f))
      raise_torch(key_at, fmt::format("attribute '{}' already exists", name),
                  "give the " + std::string(what) + " a name of its own");
    bool tensor = value.kind == PyValue::Kind::Tensor || is_tensor_made(value);
    bool fits = value.is_none() || (buffer ? tensor : is_parameter(value));
    if (!fits && known_kind(value))
      raise_torch(value_at,
                  fmt::format("cannot assign '{}' object to {} '{}' ({} or None required)",
                              torch_typename(value), what, name,
                              buffer ? "torch Tensor" : "torch.nn.Parameter"));
    if (!fits) unsupported_here(value_at, std::string("this value as a ") + what);
    PyValue stored = value;
    if (buffer && is_parameter(value)) stored.name = "buffer";  // a buffer, not a parameter
    set_attribute(self, name, stored, at);
    if (self.module->kind == ModuleDef::User) self.module->instance->registered_as[name] = kind;
    return PyValue::none(at);
  }

  // hasattr(obj, name), as attribute_by_name answers it.
  bool has_attribute(const PyValue& obj, const std::string& name, const Expr& call, Frame& f) {
    Args query;
    query.add(obj, call.span, nullptr);
    query.add(data_str(name, call.span), call.span, nullptr);
    PyValue has = attribute_by_name("hasattr", query, call, f);
    return has.is(Value::Kind::Bool) && has.data.b;
  }

  // nn.Module.__setattr__: a name registered as a parameter takes only an nn.Parameter or None,
  // one registered as a submodule only a module, a parameter or None (PyTorch's TypeErrors).
  // Values netshape could not compute may be either: not checked.
  void check_registered_kind(const Instance& inst, const std::string& name, const PyValue& v,
                             Span at) {
    if (v.is_none() || is_parameter(v) || !known_kind(v)) return;
    std::optional<Instance::Registered> kind = registration(inst, name);
    if (kind == Instance::Registered::Parameter)
      raise_torch(at,
                  fmt::format("cannot assign '{}' as parameter '{}' (torch.nn.Parameter or "
                              "None expected)",
                              torch_typename(v), name),
                  "wrap a tensor in nn.Parameter(...), or give the value another name");
    bool module = v.kind == PyValue::Kind::Module && !plain_object(v);
    if (!module && kind == Instance::Registered::Module)
      raise_torch(at,
                  fmt::format("cannot assign '{}' as child module '{}' (torch.nn.Module or None "
                              "expected)",
                              torch_typename(v), name),
                  "give the value another name, or assign a module (or None) to `" + name + "`");
    bool tensor = v.kind == PyValue::Kind::Tensor || is_tensor_made(v);
    if (!module && !tensor && kind == Instance::Registered::Buffer)
      raise_torch(at,
                  fmt::format("cannot assign '{}' as buffer '{}' (torch.Tensor or None expected)",
                              torch_typename(v), name),
                  "give the value another name, or assign a tensor (or None) to `" + name + "`");
  }

  // What `name` is registered as in nn.Module's registries: a submodule, a parameter, a buffer
  // (or one of those set to None since); nullopt for a plain attribute or none.
  static std::optional<Instance::Registered> registration(const Instance& inst,
                                                          const std::string& name) {
    if (inst.modules.count(name) != 0) return Instance::Registered::Module;
    if (auto it = inst.values.find(name); it != inst.values.end() && is_parameter(*it->second))
      return Instance::Registered::Parameter;
    if (auto it = inst.registered_as.find(name); it != inst.registered_as.end()) return it->second;
    return std::nullopt;
  }
  // After `self.<name> = v`: None keeps the name registered as what it was; a module or a
  // parameter moves it to their registry; a tensor keeps a buffer one.
  static void update_registration(Instance& inst, const std::string& name, const PyValue& v,
                                  std::optional<Instance::Registered> before) {
    if (v.is_none() && before) return void(inst.registered_as[name] = *before);
    if (before != Instance::Registered::Buffer || v.kind == PyValue::Kind::Module ||
        is_parameter(v))
      inst.registered_as.erase(name);
  }

  // torch.typename of torch.nn.functional's `name` (`F.gelu`) in PyTorch 1.13: the module and
  // qualified name Python gives it, which for those written in C is their C module's.
  static std::string functional_typename(const std::string& name) {
    constexpr std::string_view in_nn =  // each name between spaces
        " avg_pool2d avg_pool3d elu_ gelu hardtanh_ leaky_relu_ linear one_hot softplus "
        "softshrink ";
    constexpr std::string_view in_torch =
        " adaptive_avg_pool1d avg_pool1d bilinear celu_ channel_shuffle conv1d conv2d conv3d "
        "conv_tbc conv_transpose1d conv_transpose2d conv_transpose3d cosine_similarity "
        "hardshrink pairwise_distance pdist pixel_shuffle pixel_unshuffle prelu relu_ rrelu_ "
        "selu_ threshold_ ";
    std::string word = " " + name + " ";
    if (in_nn.find(word) != std::string_view::npos) return "torch._C._nn." + name;
    if (in_torch.find(word) != std::string_view::npos)
      return "torch._VariableFunctionsClass." + name;
    if (name == "logsigmoid") return "torch._C._nn.log_sigmoid";
    if (name == "threshold") return "torch.nn.functional._threshold";
    if (name.find("max_pool") != std::string::npos)  // max_pool2d, adaptive_max_pool2d, ...
      return "torch.nn.functional.boolean_dispatch.<locals>.fn";
    return "torch.nn.functional." + name;
  }

  // add_module's first check, which a container's __init__, append and extend make for each
  // module: PyTorch's TypeError for a value netshape knows (`F.relu`, a list), else `message`.
  // (None, which add_module takes, is not followed either.)
  void require_module(const PyValue& v, Span at, const std::string& message,
                      std::string help = {}) {
    if (v.kind == PyValue::Kind::Module) return;
    if (!v.is_none() && known_kind(v))
      raise_torch(at, torch_typename(v) + " is not a Module subclass",
                  "give it a module: nn.ReLU() rather than F.relu");
    raise(at, message, std::move(help));
  }

  // Whether netshape knows what `v` is: a number, string, container, module or tensor.
  bool known_kind(const PyValue& v) {
    switch (v.kind) {
      case PyValue::Kind::Data:
        return v.data.kind == Value::Kind::Int || v.data.kind == Value::Kind::Float ||
               v.data.kind == Value::Kind::Bool || v.data.kind == Value::Kind::String;
      case PyValue::Kind::List:
      case PyValue::Kind::Tuple:
      case PyValue::Kind::Dict:
      case PyValue::Kind::Module:
      case PyValue::Kind::Tensor:
      case PyValue::Kind::Shape:
        return true;
      case PyValue::Kind::Function:  // a def of the file (not a lambda), a torch function
        return v.def_ != nullptr;
      case PyValue::Kind::Builtin:  // torch.nn.functional's (torch.<name> may be a class)
        return v.name.starts_with("F.");
      default:
        return is_tensor_made(v);
    }
  }

  // torch.typename(v) for a value of known_kind: a tensor's type (`torch.FloatTensor`), a
  // builtin's name (`int`, `list`); a module by its class's name (PyTorch also names the module
  // that defines the class: `torch.nn.modules.linear.Linear`).
  std::string torch_typename(const PyValue& v) {
    if (v.kind == PyValue::Kind::Tensor || is_tensor_made(v)) return tensor_type_name(v.dtype);
    if (v.kind == PyValue::Kind::Module) return class_of(*v.module);
    if (v.kind == PyValue::Kind::Dict && v.name == "OrderedDict") return "collections.OrderedDict";
    // A function by the module that defines it and its name (some of torch's functions are
    // named by their C module: PyTorch calls F.gelu `torch._C._nn.gelu`).
    if (v.kind == PyValue::Kind::Function)
      return std::filesystem::path(L.source(v.file).path()).stem().string() + "." + v.def_->name;
    if (v.kind == PyValue::Kind::Builtin && v.name.starts_with("F."))
      return functional_typename(v.name.substr(2));
    return type_of(v).name;
  }

  // A module whose __init__ never ran nn.Module's (no `super().__init__()`) has none of its
  // registries: calling it is PyTorch's AttributeError (plain values may be set before), and so
  // is counting its parameters (`missing` `_parameters`) when forward never calls it.
  void refuse_module_without_init(const Instance& inst, Span call_span,
                                  const char* missing = "_backward_hooks") {
    if (inst.module_init_ran || !inst.cls || !module_class(*inst.cls, 0) ||
        L.find_method(*inst.cls, "__init__", 0) == nullptr)
      return;
    raise_torch(
        call_span, fmt::format("'{}' object has no attribute '{}'", inst.cls->name, missing),
        fmt::format("call `super().__init__()` first in the __init__ of {}", inst.cls->name));
  }

  // `self.fc = nn.Linear(...)` before `super().__init__()`: nn.Module.__setattr__ has no
  // registry yet to put it in (PyTorch's AttributeError). Plain values may come first.
  void registers_before_module_init(const Instance& inst, const PyValue& v, Span at) {
    if (inst.module_init_ran || !inst.cls || !module_class(*inst.cls, 0)) return;
    const char* what = nullptr;
    if (v.kind == PyValue::Kind::Module && !plain_object(v)) what = "module";
    if (is_parameter(v)) what = "parameters";
    if (what == nullptr) return;
    raise(at, fmt::format("cannot assign {} before Module.__init__() call", what),
          "call `super().__init__()` first in __init__");
  }

  PyValue get_attribute(const PyValue& obj, const Expr& e, Frame& f) {
    const std::string& name = e.text;
    if (obj.kind == PyValue::Kind::Unbound) unbound_error(obj, e.items[0].span);
    switch (obj.kind) {
      case PyValue::Kind::Builtin:
        if (obj.method_self) unsupported_here(e.span, "an attribute of a method");
        if (obj.name == "super") return super_attribute(name, e, f);
        return namespace_member(obj.name, name, e);
      case PyValue::Kind::Module:
        return module_attribute(obj, name, e, f);
      case PyValue::Kind::Class:
        if (name == "__name__") return data_str(obj.def_->name, e.span);
        return class_attribute(*obj.def_, name, e, std::make_shared<PyValue>(obj));
      case PyValue::Kind::File:
        return global(obj.file, name, e.span);
      case PyValue::Kind::Opaque:
        if (obj.name == "torch.finfo" || obj.name == "torch.iinfo")
          return number_type_field(obj, name, e.span);
        if (obj.name == "tensor.device" || obj.name == "torch.device") {
          // a tensor's device: netshape analyses the model on the CPU
          if (obj.name == "tensor.device" && name == "type") return data_str("cpu", e.span);
          if (obj.name == "tensor.device" && name == "index") return PyValue::none(e.span);
          unsupported_here(e.span, "`." + name + "` of a device",
                           "netshape analyses the model on the CPU: write the branch it takes");
        }
        if (obj.is_numpy_array()) break;          // a method: bound (numpy_array_method)
        if (is_failed(obj) && obj.final_state) {  // `self.gru(x)[1].squeeze(0)`
          PyValue whole = whole_state_or(obj, e.span);
          if (!is_failed(whole)) return get_attribute(whole, e, f);
        }
        if (is_failed(obj)) rethrow(obj);
        // `.data` of it, whose in-place methods change values only (`.zero_()`,
        // `.normal_(std=0.02)`); in place on the piece itself, PyTorch refuses (a view of a leaf
        // that requires grad)
        if (obj.layer_piece != PyValue::LayerPiece::None) {
          bool data = obj.layer_piece == PyValue::LayerPiece::Data;
          if (!data && name == "data") {
            PyValue d = obj;
            d.layer_piece = PyValue::LayerPiece::Data;
            d.name = "the `.data` of " + obj.name;
            return d;
          }
          if (!data || !name.ends_with('_'))
            unsupported_here(e.span, fmt::format("`.{}` of {}", name, obj.name),
                             "initialise its `.data` in place (`w[:2].data.zero_()`), or read the "
                             "whole tensor's sizes: `self.fc.weight.shape`");
          return obj;
        }
        if (is_first_parameter(obj)) {  // its type: float32, as netshape's parameters are
          if (name == "data") return obj;
          if (name == "dtype" || name == "device") {
            PyValue type;
            type.kind = PyValue::Kind::Tensor;
            type.dtype = ElementType::Float32;
            return tensor_attribute(type, e);
          }
          break;  // a method: bound (first_parameter_method)
        }
        // `self.fc.weight.shape[1]`: a tensor in forward; its dtype and device are known
        if (forward_ && name != "dtype" && name != "device") {
          if (is_layer_tensor(obj)) return get_attribute(layer_tensor(obj, e.span), e, f);
          refuse_layer_tensor(obj, e.span);
        }
        if (name == "requires_grad_" && !forward_)  // `self.conv.weight.requires_grad_(False)`
          unsupported_here(e.span, "setting requires_grad of one tensor of a layer", kFreezeHelp);
        // `o, i, kh, kw = self.c.weight.shape`, `self.weight.size()` in a Conv2d subclass,
        // `self.qkv.bias.numel()` (Swin V2): the sizes of a tensor of the weight's shape
        if (is_layer_tensor(obj) && (name == "shape" || name == "size" || name == "dim" ||
                                     name == "ndim" || name == "numel" || name == "nelement")) {
          Sizes sizes = layer_weight_sizes(*obj.method_self, obj.name, e.span);
          return get_attribute(made_of(sizes, ElementType::Float32, e.span), e, f);
        }
        return obj;
      case PyValue::Kind::Tensor:
        return tensor_attribute(obj, e);
      case PyValue::Kind::Values:
        return values_attribute(obj, e);
      case PyValue::Kind::Made:
        if (name == "shape") return made_shape(obj, e.span);
        if (name == "ndim") return data_int(static_cast<int64_t>(obj.items.size()), e.span);
        if (name == "dtype") return PyValue::builtin(element_type_name(obj.dtype));
        if (name == "data" && obj.name != "parameter") return obj;
        break;
      case PyValue::Kind::Tuple:  // a named tuple's field (max_min)
        for (size_t i = 0; i < obj.keywords.size() && i < obj.items.size(); ++i)
          if (obj.keywords[i] == name) return obj.items[i];
        if (!obj.keywords.empty() && obj.name.rfind("torch.return_types.", 0) == 0) {
          raise(e.span, fmt::format("'{}' object has no attribute '{}'", obj.name, name),
                fmt::format("its fields are `.{}`", fmt::join(obj.keywords, "`, `.")));
        }
        break;
      case PyValue::Kind::Partial:
        if (name == "func") return obj.items[0];
        if (name == "args" || name == "keywords") {
          PyList positional;
          PyValue keywords;
          keywords.kind = PyValue::Kind::Dict;
          keywords.dict = new_dict();
          for (size_t i = 1; i < obj.items.size(); ++i) {
            const std::string& k = obj.keywords[i - 1];
            if (k.empty())
              positional.push_back(obj.items[i]);
            else
              dict_set(*keywords.dict, data_str(k, e.span), obj.items[i]);
          }
          return name == "args" ? make_tuple(std::move(positional)) : keywords;
        }
        break;
      default:
        break;
    }
    // A method of a value: bound, called by call().
    PyValue m = PyValue::builtin("method." + name);
    m.method_self = std::make_shared<PyValue>(obj);
    return m;
  }

  // `nn.Conv2d`, `math.ceil`, `torch.nn.functional.relu`: a name netshape knows, kept dotted.
  PyValue namespace_member(const std::string& ns, const std::string& name, const Expr& e) {
    std::string full = ns + "." + name;
    if (full == "torch.nn") return PyValue::builtin("nn");
    if (full == "nn.functional" || full == "torch.nn.functional") return PyValue::builtin("F");
    if (full == "nn.init" || full == "torch.nn.init") return PyValue::builtin("nn.init");
    if (full == "torch.nn.Module" || full == "nn.Module") return PyValue::builtin("nn.Module");
    // torch.nn.parameter.Parameter is nn.Parameter (torchvision's maxvit writes it so)
    if (full == "nn.parameter.Parameter" || full == "torch.nn.parameter.Parameter")
      return PyValue::builtin("nn.Parameter");
    if (is_nn_namespace(ns)) return PyValue::builtin("nn." + name);
    if (ns == "math" &&
        (name == "pi" || name == "e" || name == "tau" || name == "inf" || name == "nan")) {
      double v = name == "pi"    ? M_PI
                 : name == "e"   ? M_E
                 : name == "tau" ? 2 * M_PI
                 : name == "inf" ? std::numeric_limits<double>::infinity()
                                 : std::numeric_limits<double>::quiet_NaN();
      return PyValue::of(Value::floating(v, e.span));
    }
    return torch_builtin(full);
  }

  // A name of torch's, a dtype by its own name: `torch.float` is torch.float32, which a tensor's
  // dtype equals and which prints as `torch.float32`.
  static PyValue torch_builtin(const std::string& full) {
    if (std::optional<ElementType> type = element_type_named(full))
      return PyValue::builtin(element_type_name(*type));
    return PyValue::builtin(full);
  }

  PyValue module_attribute(const PyValue& obj, const std::string& name, const Expr& e, Frame& f) {
    ModuleDef& m = *obj.module;
    if (m.kind == ModuleDef::User) {
      Instance& inst = *m.instance;
      if (auto it = inst.modules.find(name); it != inst.modules.end())
        return child_module(obj, it->second, name);  // the attribute itself
      if (auto it = inst.attrs.find(name); it != inst.attrs.end()) return from_const(it->second, e);
      if (auto it = inst.values.find(name); it != inst.values.end()) {
        if (forward_ && it->second->kind == PyValue::Kind::Made)
          return materialize(*it->second, obj.name.empty() ? name : obj.name + "." + name, e.span);
        return *it->second;
      }
      // A module is built in training mode; netshape's forward runs in eval mode.
      if (name == "training") return read_training(e.span);
      if (name == "__class__") {
        PyValue c;
        c.kind = PyValue::Kind::Class;
        c.def_ = inst.cls;
        c.file = L.file_of(inst.cls);
        return c;
      }
      bool conv_method = name == "_conv_forward" && inst.layer_base &&
                         in_family(inst.layer_base->op, Family::conv);  // a Conv's own method
      bool container_method = (inst.parameter_list && (name == "append" || name == "extend")) ||
                              (inst.parameter_dict && name == "update");
      if (L.find_method(*inst.cls, name, 0) == nullptr &&
          (is_module_method(name) || conv_method || container_method)) {
        PyValue method = PyValue::builtin("module." + name);
        method.method_self = std::make_shared<PyValue>(obj);
        return method;
      }
      try {
        return class_attribute(*inst.cls, name, e, std::make_shared<PyValue>(obj));
      } catch (const PyError& err) {
        if (err.d.message.find("is not set before this use") == std::string::npos) throw;
        if (inst.layer_base) {
          PyValue base = obj;  // the layer, a row inside the instance when applied
          base.module = inst.layer_base;
          base.name.clear();
          return leaf_attribute(base, name, e);
        }
        missing_attribute(inst, e);
      }
    }
    if (m.kind == ModuleDef::Leaf && !is_leaf_method(name)) return leaf_attribute(obj, name, e);
    if (m.kind == ModuleDef::Sequential) {
      for (auto& child : m.children)
        if (child.index == name) return child_module(obj, child.def, name);
      if (name == "training")  // as a user module's (above): netshape's forward is eval mode
        return read_training(e.span);
      if (m.instance) {  // a subclass of nn.Sequential with no forward: `self.out_channels = c`
        if (auto it = m.instance->attrs.find(name); it != m.instance->attrs.end())
          return from_const(it->second, e);
        if (auto it = m.instance->values.find(name); it != m.instance->values.end())
          return *it->second;
        try {  // its class's attributes and methods (`expansion = 4`, `def width(self)`)
          return class_attribute(*m.instance->cls, name, e, std::make_shared<PyValue>(obj));
        } catch (const PyError& err) {
          if (err.d.message.find("is not set before this use") == std::string::npos) throw;
        }
      }
      // PyTorch's AttributeError, which getattr(b, "_is_cn", False) and hasattr() catch (a
      // method value here would be truthy: torchvision's LR-ASPP would tap the wrong stage).
      bool method = is_module_method(name) || is_leaf_method(name) || name == "append" ||
                    name == "extend" || name == "forward" ||
                    ((name == "insert" || name == "pop") && m.kind == ModuleDef::Sequential) ||
                    (name == "update" && m.op == "ModuleDict");
      if (!method) {
        std::string type = class_of(m);
        raise(e.span, fmt::format("'{}' object has no attribute '{}'", type, name),
              fmt::format("PyTorch 1.13's {} has no `{}`: check the name (a submodule is "
                          "set in __init__ before it is read)",
                          type, name));
      }
    }
    (void)f;
    PyValue method = PyValue::builtin("module." + name);
    method.method_self = std::make_shared<PyValue>(obj);
    return method;
  }

  // `self.nope`: neither __init__ nor the class sets it; the nearest name it does set, if any.
  [[noreturn]] static void missing_attribute(const Instance& inst, const Expr& e) {
    std::vector<std::string> names;
    for (const auto& [n, m] : inst.modules) names.push_back(n);
    for (const auto& [n, c] : inst.attrs) names.push_back(n);
    for (const auto& [n, v] : inst.values) names.push_back(n);
    std::string near = nearest_name(e.text, names);
    std::string object = dotted(e.items[0]);
    // nn.Module's own dict of children, which netshape does not model: named_children() gives
    // the same pairs
    std::string help = e.text == "_modules" ? "iterate `" + object + ".named_children()` instead"
                       : !near.empty()      ? "did you mean `" + object + "." + near + "`?"
                                            : "assign `" + dotted(e) + " = ...` in __init__ first";
    raise(e.span, "`" + dotted(e) + "` is not defined in __init__ nor in class " + inst.cls->name,
          help);
  }

  // nn.Module's own methods, when the class does not define its own.
  static bool is_module_method(const std::string& name) {
    for (const char* m : {"modules",
                          "items",  // nn.ModuleDict's, also of a class deriving from it
                          "keys",
                          "values",
                          "children",
                          "named_modules",
                          "named_children",
                          "parameters",
                          "named_parameters",
                          "add_module",
                          "register_module",
                          "register_buffer",
                          "register_parameter",
                          "apply",
                          "train",
                          "eval",
                          "to",
                          "requires_grad_",
                          "cuda",
                          "cpu",
                          "float",
                          "double",
                          "half"}) {
      if (name == m) return true;
    }
    return false;
  }

  // `super().build()` in a method of the file's class: the base class's `build`, bound to self
  // (`super().__init__()` is super_init's). A base outside the file is not followed.
  // super().name in f.cls, as Python resolves it: the first class after f.cls in the method
  // resolution order of self's class whose body defines the method. netshape follows f.cls's
  // first base, the same class unless bases share a base (`class D(B, C)` with B and C
  // subclasses of A: super() in B means C) or a later base defines it (`class D(B, C)`, B an
  // nn.Module with no base of the file: super().__init__() in B runs C's). Refused where they
  // differ.
  void check_super_order(const std::string& name, Span at, const Frame& f) {
    if (f.cls == nullptr || !f.self || f.self->kind != PyValue::Kind::Module ||
        !f.self->module->instance || !f.self->module->instance->cls)
      return;
    if (L.torch_method_first(*f.self->module->instance->cls, f.cls, name)) return;  // the caller's
    std::vector<const Stmt*> order = L.method_order(*f.self->module->instance->cls);
    auto here = std::find(order.begin(), order.end(), f.cls);
    if (here == order.end()) return;
    const Stmt* python = nullptr;
    for (auto it = here + 1; it != order.end() && python == nullptr; ++it)
      if (own_method(**it, name)) python = *it;
    const Stmt* followed = nullptr;
    if (const Stmt* base = L.first_file_base(*f.cls); base && L.find_method(*base, name, 0))
      followed = method_owner(*base, name);
    if (python == followed) return;
    unsupported_here(at,
                     fmt::format("super().{}() in {}, which Python's method resolution order for "
                                 "{} sends to {}",
                                 name, f.cls->name, f.self->module->instance->cls->name,
                                 python ? python->name + "." + name : "nn.Module's"),
                     fmt::format("netshape follows the first base here; call the one you mean "
                                 "directly: `{}.{}(self, ...)`",
                                 python ? python->name : "nn.Module", name));
  }

  // `super(Net, self)` is `super()` in a method of Net. Naming another class starts the method
  // resolution order after that class (`super(Base, self).__init__()` skips Base's): refused.
  void check_super_arguments(const Expr& super_call, Frame& f) {
    if (super_call.items.size() < 2) return;  // super()
    const Expr& named = super_call.items[1];
    if (f.cls != nullptr && dotted(named) == f.cls->name) return;
    unsupported_here(named.span,
                     fmt::format("super({}, self) in {}, which skips the classes up to {} in "
                                 "the method resolution order",
                                 dotted(named), f.cls ? f.cls->name : "a function", dotted(named)),
                     "call the class meant directly (`nn.Module.__init__(self)`), or use super()");
  }

  PyValue super_attribute(const std::string& name, const Expr& e, Frame& f) {
    check_super_order(name, e.span, f);
    if (f.cls != nullptr && f.self) {
      const Stmt* base = L.first_file_base(*f.cls);
      if (torch_method_next(name, f)) base = nullptr;  // `class L(nn.Linear, Mixin)`: Linear's
      // `super().forward(x)` in a subclass of a torch layer or of nn.Sequential, no class of the
      // file between defining forward: the torch class's forward (module_method).
      const PyValue& self = *f.self;
      bool torch_forward =
          name == "forward" && self.kind == PyValue::Kind::Module && self.module->instance &&
          (self.module->instance->layer_base || self.module->instance->sequential) &&
          (base == nullptr || L.find_method(*base, "forward", 0) == nullptr);
      if (torch_forward) {
        PyValue method = PyValue::builtin("module.forward");
        method.method_self = f.self;
        return method;
      }
      if (base != nullptr) return class_attribute(*base, name, e, f.self);
    }
    unsupported_here(e.span, "super()." + name + " of a class not defined in the file",
                     "call the method it means directly, or define the base class in the file");
  }

  // Whether super().name in the method running in `f` is a torch class's method (Python's
  // method resolution order reaches a torch class that defines it before a class of the file).
  bool torch_method_next(const std::string& name, const Frame& f) const {
    if (f.cls == nullptr || !f.self || f.self->kind != PyValue::Kind::Module) return false;
    const Instance* inst = f.self->module->instance.get();
    return inst && inst->cls && L.torch_method_first(*inst->cls, f.cls, name);
  }

  // nn.Module's methods a layer is asked for in __init__ (freezing it, walking it).
  static bool is_leaf_method(const std::string& name) {
    for (const char* m :
         {"parameters", "named_parameters", "requires_grad_", "modules", "named_modules",
          "children", "named_children", "apply", "train", "eval", "to"}) {
      if (name == m) return true;
    }
    return false;
  }

  // A layer's setting read at `at` (`self.stride` in a subclass of nn.Conv2d, `ln.eps`), as the
  // own-layer paths of F.conv2d, F.layer_norm, F.embedding and F.group_norm compare them.
  PyValue layer_attribute(const PyValue& layer, const std::string& name, Span at) {
    Expr here;
    here.span = at;
    return leaf_attribute(layer, name, here);
  }
  Value layer_setting(const PyValue& layer, const std::string& name, Span at) {
    return to_ir(layer_attribute(layer, name, at), at);
  }

  // `conv.out_channels`: the argument of that name (or its default); `conv.weight`: a tensor
  // netshape does not follow (weight init passes it to nn.init, which does nothing to shapes),
  // which knows its layer (`layer`, a Module value at its path) for F.layer_norm.
  PyValue leaf_attribute(const PyValue& layer, const std::string& name, const Expr& e) {
    const ModuleDef& m = *layer.module;
    if ((name == "weight" || name == "bias") && has_weight_attribute(m.op, name)) {
      if (switched_off(m, name)) return PyValue::none(e.span);  // `self.fc.bias is None`
      PyValue p;
      p.kind = PyValue::Kind::Opaque;
      p.name = name;
      p.method_self = std::make_shared<PyValue>(layer);
      return p;
    }
    // hasattr(m, 'weight') is False for a ReLU; nn.LSTM's `bias` is its constructor's flag (below)
    if ((name == "weight" || name == "bias") && !has_param(m.op, name))
      raise(e.span, fmt::format("'{}' object has no attribute '{}'", m.op, name));
    if (auto set = set_after_build_.find(m.id); set != set_after_build_.end()) {
      for (auto a = set->second.rbegin(); a != set->second.rend(); ++a)
        if (a->keyword == name) return PyValue::of(a->value);  // as assigned
    }
    if (auto id = find_op(m.op)) {
      const OpInfo& op = op_info(*id);
      if (op.has_param(name)) return as_stored(op, m, name, leaf_argument(op, m, name));
      if (name == "flatten_parameters" && op.family == Family::recurrent) {
        PyValue method = PyValue::builtin("module." + name);  // module_method
        method.method_self = std::make_shared<PyValue>(layer);
        return method;
      }
    }
    unsupported_here(e.span, "attribute `" + name + "` of nn." + m.op);
  }

  // Whether a layer's `weight` or `bias` is None: a convolution's or Linear's bias with bias=False
  // (or None, which its `if bias:` reads as False), a norm layer's both with affine=False
  // (InstanceNorm's default) or elementwise_affine=False.
  static bool switched_off(const ModuleDef& m, const std::string& name) {
    std::optional<OpId> id = find_op(m.op);
    if (!id) return false;
    const OpInfo& op = op_info(*id);
    for (const char* flag : {"bias", "affine", "elementwise_affine"}) {
      if ((flag == std::string_view("bias") && name != "bias") || !op.has_param(flag)) continue;
      const Value* v = written_argument(m.args, op, flag);
      const Value& value =
          v ? *v : op.params[static_cast<size_t>(op.param_index(flag))].default_value;
      if (value.kind == Value::Kind::None || (value.kind == Value::Kind::Bool && !value.b))
        return true;
    }
    return false;
  }

  // Whether layer `op` of ops.def takes a constructor argument called `name`.
  static bool has_param(const std::string& op, const std::string& name) {
    std::optional<OpId> id = find_op(op);
    return id && op_info(*id).has_param(name);
  }

  // Whether a torch.nn layer has the tensor attribute `weight` or `bias` (None when its affine
  // parameters are off): convolutions, Linear and the norm layers both, Embedding and PReLU a
  // weight; activations, pools, dropout, the recurrent layers (weight_ih_l0, ...) and
  // MultiheadAttention (in_proj_weight, ...) neither.
  static bool has_weight_attribute(const std::string& op, const std::string& name) {
    std::optional<OpId> id = find_op(op);
    if (!id) return true;  // not a layer of ops.def: as before, a tensor netshape does not follow
    switch (op_info(*id).family) {
      case Family::conv:
      case Family::conv_transpose:
      case Family::linear:
      case Family::batch_norm:
      case Family::instance_norm:
      case Family::layer_norm:
      case Family::group_norm:
        return true;
      case Family::embedding:
      case Family::prelu:
        return name == "weight";
      default:
        return false;
    }
  }

  // A layer's argument as the layer keeps it: convolutions store their sizes as tuples
  // (`nn.Conv2d(3, 8, 3).kernel_size` is `(3, 3)`); other layers keep what they were given.
  // A layer's argument as the layer stores it, which its attribute reads (PyTorch 1.13's
  // constructors, measured against every layer of ops.def): convolutions expand sizes to a tuple
  // of one per spatial dim (a list becomes a tuple), as AvgPool1d does; pools without a stride
  // store their kernel_size; padding layers expand to a tuple of two per dim; nn.LayerNorm's
  // normalized_shape is a tuple; Upsample's scale_factor a float. `m` holds the layer's arguments.
  PyValue as_stored(const OpInfo& op, const ModuleDef& m, const std::string& name, PyValue v) {
    size_t nd = static_cast<size_t>(std::max(op.spatial_dims, 1));
    auto tuple_of = [&](PyValue x, size_t n) {
      if (x.kind == PyValue::Kind::List || x.kind == PyValue::Kind::Tuple ||
          x.is(Value::Kind::Tuple) || x.is(Value::Kind::List))
        return make_tuple(iterate(x, x.data.span));
      return make_tuple(PyList(n, x));
    };
    bool pool = op.family == Family::max_pool || op.family == Family::avg_pool;
    if (pool && name == "stride" && v.is_none())  // `stride if stride is not None else kernel_size`
      v = leaf_argument(op, m, "kernel_size");
    if (op.family == Family::layer_norm && name == "normalized_shape")
      return tuple_of(v, 1);  // nn.LayerNorm(8).normalized_shape is (8,)
    bool conv = op.family == Family::conv || op.family == Family::conv_transpose ||
                op.id == OpId::AvgPool1d;
    bool size = name == "kernel_size" || name == "stride" || name == "dilation" ||
                name == "output_padding" || name == "padding";
    if (conv && size && !v.is(Value::Kind::String)) return tuple_of(v, nd);
    if ((op.family == Family::constant_pad || op.family == Family::pad) && name == "padding")
      return tuple_of(v, 2 * nd);
    if (op.family == Family::interpolate && name == "scale_factor" && v.is(Value::Kind::Int))
      return PyValue::of(Value::floating(static_cast<double>(v.data.i), v.data.span));
    if (op.family == Family::interpolate && name == "scale_factor" &&
        (v.kind == PyValue::Kind::Tuple || v.kind == PyValue::Kind::List ||
         v.is(Value::Kind::Tuple) || v.is(Value::Kind::List))) {
      PyList floats;
      for (const PyValue& f : iterate(v, v.data.span))
        floats.push_back(f.is(Value::Kind::Int) ? PyValue::of(Value::floating(
                                                      static_cast<double>(f.data.i), f.data.span))
                                                : f);
      return make_tuple(std::move(floats));
    }
    return v;
  }

  // The argument `name` a layer was built with, or its default (None when it has neither).
  // Whether `conv.stride = (1, 1)` after the layer is built changes what its forward does and
  // nothing else: an argument forward reads as the layer keeps it, that sizes no weight and that
  // __init__ derived nothing from (padding, when a padding_mode other than zeros made its own).
  bool settable_after_build(const ModuleDef& m, const std::string& name) {
    std::optional<OpId> id = find_op(m.op);
    if (!id) return false;
    const OpInfo& op = op_info(*id);
    auto is = [&](std::initializer_list<const char*> names) {
      return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
    };
    switch (op.family) {
      case Family::conv:
      case Family::conv_transpose: {
        PyValue mode = leaf_argument(op, m, "padding_mode");
        bool zeros = mode.is(Value::Kind::String) && mode.data.s == "zeros";
        return zeros && is({"stride", "padding", "dilation", "output_padding"});
      }
      case Family::max_pool:
      case Family::avg_pool:
        return is({"kernel_size", "stride", "padding", "dilation", "ceil_mode"});
      case Family::adaptive_avg_pool:
      case Family::adaptive_max_pool:
        return name == "output_size";
      case Family::interpolate:
        return is({"size", "scale_factor", "mode", "align_corners"});
      default:
        return false;
    }
  }

  // `pool.kernel_size = 3`: kept for the layer's forward. A pool built without a stride keeps
  // its kernel size as its stride (`self.stride = stride or kernel_size`), so that is written
  // first, as the built layer holds it.
  void set_after_build(const ModuleDef& m, const std::string& name, const PyValue& v, Span at) {
    const OpInfo& op = op_info(*find_op(m.op));
    std::vector<Arg>& set = set_after_build_[m.id];
    bool pool = op.family == Family::max_pool || op.family == Family::avg_pool;
    bool stride_set =
        std::any_of(set.begin(), set.end(), [](const Arg& a) { return a.keyword == "stride"; });
    if (pool && name == "kernel_size" && !stride_set && leaf_argument(op, m, "stride").is_none())
      set.push_back(Arg{keyword_name("stride"),
                        to_ir(as_stored(op, m, "stride", leaf_argument(op, m, "kernel_size")), at),
                        at});
    set.push_back(Arg{keyword_name(name), to_ir(v, at), at});
  }

  // The layer's arguments as its forward reads them: as built, then those set afterwards.
  std::vector<Arg> arguments_of(const ModuleDef& m) const {
    auto set = set_after_build_.find(m.id);
    if (set == set_after_build_.end()) return m.args;
    const OpInfo& op = op_info(*find_op(m.op));
    std::vector<Arg> args = m.args;
    for (const Arg& change : set->second) {
      size_t position = 0;
      auto same = std::find_if(args.begin(), args.end(), [&](const Arg& a) {
        bool positional = a.keyword.empty() && position < op.params.size();
        std::string_view pname = positional ? op.params[position++].name : a.keyword.str();
        return pname == change.keyword.str();
      });
      if (same != args.end())
        same->value = change.value;
      else
        args.push_back(change);
    }
    return args;
  }

  static PyValue leaf_argument(const OpInfo& op, const ModuleDef& m, const std::string& name) {
    size_t position = 0;
    for (const Arg& a : m.args) {
      std::string pname = a.keyword.empty() && position < op.params.size()
                              ? op.params[position++].name
                              : a.keyword.str();
      if (pname == name) return PyValue::of(a.value);
    }
    for (const ParamSpec& p : op.params)
      if (p.name == name && !p.required) return PyValue::of(p.default_value);
    return PyValue::none(Span{});
  }

  // A class attribute (`expansion = 4`, read as `block.expansion` or `self.expansion`), or a
  // method (bound to `self` when there is one), of a class of the file: from the first class in
  // its method resolution order whose body binds it, as Python looks it up.
  PyValue class_attribute(const Stmt& cls, const std::string& name, const Expr& e,
                          std::shared_ptr<PyValue> self) {
    std::vector<const Stmt*> order = L.method_order(cls);
    if (order.empty()) {  // an order Python refuses: each first base, as before
      for (const Stmt* c = &cls; c != nullptr && order.size() <= limits::kMaxPyInstanceDepth;
           c = L.first_file_base(*c))
        order.push_back(c);
    }
    for (const Stmt* c : order)
      if (std::optional<PyValue> v = class_body_binding(*c, name, e, self)) return *v;
    raise(e.span, "`" + dotted(e) + "` is not set before this use",
          "assign it in __init__ (or in the class) first");
  }

  // What the body of class `cls` itself binds to `name` (its last binding), or nullopt.
  std::optional<PyValue> class_body_binding(const Stmt& cls, const std::string& name, const Expr& e,
                                            std::shared_ptr<PyValue> self) {
    bool instance = self && self->kind == PyValue::Kind::Module;
    for (auto stmt = cls.body.rbegin(); stmt != cls.body.rend(); ++stmt) {  // the last binding wins
      const Stmt& s = *stmt;
      if (s.kind == Stmt::Kind::FunctionDef && s.name == name) {
        PyValue fn;
        fn.kind = PyValue::Kind::Function;
        fn.def_ = &s;
        fn.file = L.file_of(&cls);
        auto decorated = [&](const char* name) {
          return std::any_of(s.decorators.begin(), s.decorators.end(),
                             [&](const Expr& d) { return d.text == name; });
        };
        if (decorated("classmethod")) {  // bound to the class it was read from
          PyValue c;
          c.kind = PyValue::Kind::Class;
          c.def_ = self && self->kind == PyValue::Kind::Module  ? self->module->instance->cls
                   : self && self->kind == PyValue::Kind::Class ? self->def_
                                                                : &cls;
          c.file = L.file_of(c.def_);
          fn.method_self = std::make_shared<PyValue>(c);
        } else if (!decorated("staticmethod") && instance) {
          fn.method_self = self;  // read from an instance: bound; from the class: a function
        }
        bool property = std::any_of(s.decorators.begin(), s.decorators.end(),
                                    [](const Expr& d) { return d.text == "property"; });
        if (property && instance) {
          Frame f = module_frame(fn.file);
          Args none;
          return invoke(fn, none, e, f, &cls);
        }
        return fn;
      }
      bool assigns = (s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::AnnAssign) && s.value;
      if (!assigns) continue;
      for (const Expr& t : s.targets) {
        if (t.kind == Expr::Kind::Name && t.text == name) {
          if (is_enum(cls)) enum_member_refused(cls, e);
          auto kept = class_values_.find(&s);  // the class body runs once
          if (kept != class_values_.end()) return kept->second;
          // `class A: Y = B.X` with `class B: X = A.Y`: an error, not an endless recursion
          if (!class_values_computing_.insert(&s).second)
            raise(e.span, "`" + dotted(e) + "` is defined in terms of itself");
          Frame f = module_frame(L.file_of(&cls));
          PyValue v;
          try {
            v = eval(*s.value, f);
          } catch (...) {
            class_values_computing_.erase(&s);
            throw;
          }
          class_values_computing_.erase(&s);
          class_values_.emplace(&s, v);
          return v;
        }
      }
    }
    return std::nullopt;
  }

  // A class deriving from enum.Enum (torchvision's `ResNet50_Weights`, through WeightsEnum):
  // its members are instances of the class, which netshape does not model.
  bool is_enum(const Stmt& cls, int depth = 0) {
    if (depth >= limits::kMaxPyInstanceDepth) return false;
    for (const Expr& b : cls.bases) {
      std::string base = dotted(b);
      const Stmt* base_cls = L.base_class(cls, b);  // the file's own `Enum` is not enum's
      if (base_cls == nullptr) {
        for (const char* e : {"Enum", "IntEnum", "Flag", "IntFlag"})
          if (base == e || base == std::string("enum.") + e) return true;
      }
      if (base_cls && base_cls != &cls && is_enum(*base_cls, depth + 1)) return true;
    }
    return false;
  }

  // A member of an Enum is refused rather than read as the value assigned to it (which Python
  // does not give: `Color.RED == 1` is False). Pretrained weights are such members: PyTorch would
  // download them, and the builder may change the model for them (torchvision's segmentation
  // models add their auxiliary head).
  [[noreturn]] void enum_member_refused(const Stmt& cls, const Expr& e) {
    unsupported_here(e.span, fmt::format("`{}`, a member of the Enum {}", dotted(e), cls.name),
                     cls.name.ends_with("_Weights")
                         ? "netshape reads the model without pretrained weights (never "
                           "downloaded): pass None where they are asked for, e.g. `--arg "
                           "weights_backbone=None`"
                         : "netshape does not follow Enums; write the value it stands for");
  }

  // ---- expressions ----

  PyValue eval(const Expr& e, Frame& f) {
    switch (e.kind) {
      case Expr::Kind::Int:
        if (e.int_overflow) raise(e.span, "integer literal too large for a size");
        return data_int(e.int_value, e.span);
      case Expr::Kind::Float:
        return PyValue::of(Value::floating(e.float_value, e.span));
      case Expr::Kind::String:
        return data_str(e.text, e.span);
      case Expr::Kind::Bool:
        return data_bool(e.int_value != 0, e.span);
      case Expr::Kind::None:
        return PyValue::none(e.span);
      case Expr::Kind::Name:
        return name_value(e, f);
      case Expr::Kind::Attribute:
        return get_attribute(eval(e.items[0], f), e, f);
      case Expr::Kind::Call:
        return call_expr(e, f);
      case Expr::Kind::Subscript: {
        PyValue obj = indexed_object(e.items[0], f);  // left to right, as Python
        PyValue index = eval(e.items[1], f);
        return subscript(obj, index, e.span);
      }
      case Expr::Kind::Tuple:
        return make_tuple(elements(e, f));
      case Expr::Kind::List:
        return make_list(elements(e, f));
      case Expr::Kind::Set:  // each element once, in no usable order (was a list of them)
        return make_set(elements(e, f), e.span);
      case Expr::Kind::Dict:
        return dict_display(e, f);
      case Expr::Kind::Unary:
        return unary(e, eval(e.items[0], f));
      case Expr::Kind::Binary:
        return binary_expr(e, f);
      case Expr::Kind::Compare:
        return compare_chain(e, f);
      case Expr::Kind::IfExp:
        return branch_condition(e.items[1], f, nullptr) ? eval(e.items[0], f) : eval(e.items[2], f);
      case Expr::Kind::Comprehension:
        return comprehension(e, f);
      case Expr::Kind::FString:
        return data_str(format_fstring(e, f), e.span);
      case Expr::Kind::Slice: {
        PyValue s = make_tuple({});
        s.name = "slice";
        for (int i = 0; i < 3; ++i)
          s.items.push_back(e.int_value & (1 << i) ? eval(e.items[static_cast<size_t>(i)], f)
                                                   : PyValue::none(e.span));
        return s;
      }
      case Expr::Kind::Lambda: {
        PyValue fn;
        fn.kind = PyValue::Kind::Function;
        fn.def_ = e.function.get();
        fn.closure = f.scope;
        fn.file = f.file;
        return fn;
      }
      case Expr::Kind::Ellipsis:
        return PyValue::builtin("Ellipsis");
      case Expr::Kind::Starred:
      case Expr::Kind::Other:
        unsupported_here(e.span, py::unread_construct(e) + " in " + where());
    }
    unsupported_here(e.span, "expression");
  }

  PyList elements(const Expr& e, Frame& f) {
    PyList out;
    for (const Expr& item : e.items) {
      if (item.kind == Expr::Kind::Starred && item.text == "*") {
        PyList more = iterate(eval(item.items[0], f), item.span);
        out.insert(out.end(), more.begin(), more.end());
      } else {
        out.push_back(eval(item, f));
      }
    }
    return out;
  }

  PyValue dict_display(const Expr& e, Frame& f) {
    PyValue d;
    d.kind = PyValue::Kind::Dict;
    d.dict = new_dict();
    for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
      if (e.items[i].kind == Expr::Kind::Starred) {
        PyValue other = eval(e.items[i].items[0], f);
        if (other.kind != PyValue::Kind::Dict) raise(e.items[i].span, "`**` of a non-dict");
        for (const auto& [k, v] : *other.dict) dict_set(*d.dict, k, v);
        continue;
      }
      PyValue key = eval(e.items[i], f);  // left to right, as Python
      dict_set(*d.dict, key, eval(e.items[i + 1], f));
    }
    return d;
  }

  // The object of `obj[i]`: a name holding a recurrent layer's final state is read as it is, its
  // rows being followed (final_state_item); any other use of it is its error.
  PyValue indexed_object(const Expr& e, Frame& f) {
    if (e.kind != Expr::Kind::Name) return eval(e, f);
    for (PyScope* s = f.scope.get(); s != nullptr; s = s->parent.get()) {
      auto it = s->vars.find(e.text);
      if (it == s->vars.end()) continue;
      if (is_failed(it->second) && it->second.final_state) return it->second;
      break;
    }
    return eval(e, f);
  }

  PyValue name_value(const Expr& e, Frame& f) {
    for (PyScope* s = f.scope.get(); s != nullptr; s = s->parent.get()) {
      auto it = s->vars.find(e.text);
      if (it != s->vars.end()) return found(whole_state_or(it->second, e.span), e.span);
    }
    return found(global(f.file, e.text, e.span), e.span);
  }

  // `v`, or, when it is the final state of a recurrent layer, that state as the tensor it is,
  // made at its first use, once: with one layer and one direction h_n is the output's last step,
  // unsqueezed (`h.squeeze(0)`, `self.fc(h)`); otherwise a row of its own (final_state_row).
  PyValue whole_state_or(const PyValue& v, Span at) {
    if (!is_failed(v) || !v.final_state) return v;
    FinalState& s = *v.final_state;
    if (s.whole) return *s.whole;
    if (s.hidden && s.layers * s.directions == 1) {
      PyValue last = final_state_item(v, data_int(-1, at), at);
      s.whole = tensor_statement("unsqueeze", last, {int_value(0, at)}, at);
    } else {
      s.whole = final_state_row(s);
    }
    return *s.whole;
  }

  // A recurrent layer's h_n or c_n as a row: its call's row copied, giving that result
  // (StatementExtras::output_index), named `<call>.h_n` / `<call>.c_n`, owning no parameters
  // and counting no products. Placed where it is first used, made as the call was (with or
  // without gradients).
  PyValue final_state_row(const FinalState& s) {
    Statement st = s.call;
    st.name = L.unique_name(s.call.name + s.suffix);
    st.named = false;
    st.one_of_several = false;
    // the module's first call owns the parameters (the call's own owner when it is a later one)
    if (st.extras().shares_params_with.empty())
      st.extras_for_write().shares_params_with = s.call.name;
    st.extras_for_write().output_index = s.output_index;
    const bool no_grad = st.extras().no_grad;
    Span at = st.span;
    PyValue state = emitted(std::move(st), at);
    L.program_.statements.back().extras_for_write().no_grad = no_grad;
    // the output may go unused without a warning (`_, h_n = self.gru(x)`): the state is used
    std::vector<Statement>& rows = L.program_.statements;
    if (s.call_index < rows.size() && rows[s.call_index].name == s.call.name)
      rows[s.call_index].one_of_several = true;
    return state;
  }

  // Whether a `return` lies in `body` (in its nested blocks too, not in functions it defines).
  static bool block_returns(const std::vector<Stmt>& body) {
    return std::any_of(body.begin(), body.end(), [](const Stmt& s) {
      if (s.kind == Stmt::Kind::Return) return true;
      if (s.kind == Stmt::Kind::FunctionDef || s.kind == Stmt::Kind::ClassDef) return false;
      return block_returns(s.body) || block_returns(s.orelse);
    });
  }

  // `self.training`: True in __init__ (a module is built in training mode), False in forward,
  // which netshape reads as model.eval() runs it.
  // `.eval()` or `.train(False)` in __init__ (also `.train()`, which may undo one): netshape does
  // not follow a module's mode there, so what depends on it in __init__ (`self.training`, a
  // module run on a tensor made there) is refused after it rather than read in training mode.
  void note_mode_set(const std::string& name, Span at) {
    if (!mode_set_at_.valid()) {
      mode_set_at_ = at;
      mode_set_call_ = name == "eval" ? "`.eval()`" : "`.train()`";
    }
  }
  Span mode_set_at_;
  std::string mode_set_call_;
  [[noreturn]] void refuse_after_mode_set(Span at, const std::string& what) {
    Diagnostic d = error_at(
        at,
        fmt::format("unsupported Python construct: {} in __init__ after {}", what, mode_set_call_),
        "netshape does not follow a module's mode in __init__ (it reads it "
        "as built, in training mode): move the mode change after what "
        "depends on it");
    d.labels.push_back(Label{mode_set_at_, "the mode changes here"});
    throw PyError{d};
  }

  PyValue read_training(Span at) {
    if (!forward_ && mode_set_at_.valid()) refuse_after_mode_set(at, "`self.training`");
    if (forward_) {
      ++training_reads_;
      if (!L.program_.training_read_at.valid()) L.program_.training_read_at = at;
    }
    return data_bool(!forward_ || in_trial_, at);  // a trial runs in training mode
  }

  // The condition of an `if` statement (`if_stmt`; null for `a if c else b`). One that reads
  // `self.training` in forward picks the eval-mode branch, which a model in training mode (a new
  // one) does not take. When a branch of the statement returns (`if self.training: return x,
  // aux`), what forward returns may differ between the modes: a warning says so, once. (A branch
  // that only changes values, a dropout or a reparameterisation, is not worth one.)
  bool branch_condition(const Expr& condition, Frame& f, const Stmt* if_stmt) {
    int64_t reads = training_reads_;
    bool taken = truthy(eval(condition, f), condition.span);
    if (training_reads_ != reads && !training_branch_warned_ && if_stmt != nullptr &&
        (block_returns(if_stmt->body) || block_returns(if_stmt->orelse))) {
      training_branch_warned_ = true;
      L.diags_
          .warning(condition.span,
                   "forward branches on `self.training`: netshape checks the branch of eval mode "
                   "(model.eval()), where it is False; in training mode, a new model's, PyTorch "
                   "takes the other, whose shapes are not checked",
                   "nothing to fix for inference (after model.eval()); in training, check what "
                   "that branch returns by hand")
          .code = "training-branch";
    }
    return taken;
  }

  // A value found through a name points at the name, so errors point at the use.
  static PyValue found(PyValue v, Span at) {
    if (is_failed(v)) rethrow(v);
    if (v.kind == PyValue::Kind::Data || v.kind == PyValue::Kind::Tensor) v.data.span = at;
    return v;
  }

  // A file's top-level names: functions, classes, constants (computed on first use), what it
  // imports from the model's other files, then the names netshape knows.
  PyValue global(uint32_t file, const std::string& name, Span at) {
    auto key = std::make_pair(file, name);
    if (auto it = globals_.find(key); it != globals_.end()) return it->second;
    if (computing_[key]) raise(at, "`" + name + "` is defined in terms of itself");
    // (torch's namespaces: a polyfill setting `F.gelu` is refused where it is read, patches_torch)
    bool torch_namespace = name == "torch" || name == "nn" || name == "F";
    TopLevelChange change;
    if (!torch_namespace) change = top_level_change(L.files_[file].module->body, name);
    if (change.at.valid()) {
      Diagnostic d = error_at(
          change.at,
          top_level_change_message(
              name, change,
              change.redefined ? "the model calls" : "the model would read another value"),
          change.redefined
              ? fmt::format("rename one of them (`{}_v2`) and call the one you mean", name)
              : fmt::format("give `{}` its value in one assignment, or compute it in a function "
                            "the model calls",
                            name));
      d.labels.push_back(Label{at, "the model reads it here"});
      throw PyError{std::move(d)};
    }
    computing_[key] = true;
    PyValue v;
    try {
      v = compute_global(file, name, at);
    } catch (...) {
      computing_[key] = false;
      throw;
    }
    computing_[key] = false;
    globals_[key] = v;
    return v;
  }

  // Whether a file binds `name` at its top level (without computing it).
  bool defines(uint32_t file, const std::string& name) {
    for (const Stmt& s : L.files_[file].module->body) {
      if ((s.kind == Stmt::Kind::FunctionDef || s.kind == Stmt::Kind::ClassDef) && s.name == name)
        return true;
      if ((s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::AnnAssign) && s.value) {
        for (const Expr& t : s.targets)
          if (binds_name(t, name)) return true;
      }
      if (s.kind == Stmt::Kind::Import) {
        for (size_t i = 0; i < s.names.size(); ++i) {
          std::string bound = !s.aliases[i].empty() ? s.aliases[i] : s.names[i];
          if (s.name.empty()) bound = bound.substr(0, bound.find('.'));
          if (bound == name && s.names[i] != "*") return true;
        }
      }
    }
    return false;
  }

  // Whether assigning to `target` binds `name`: the name itself, or a name inside a tuple or list
  // of names (`nz, ngf = 64, 8`, `(a, b), *rest = ...`). A tuple that also sets an attribute or
  // an item does not count: computing one name must not run another statement's side effects.
  static bool binds_name(const Expr& target, const std::string& name) {
    if (target.kind == Expr::Kind::Name) return target.text == name;
    if (target.kind != Expr::Kind::Tuple && target.kind != Expr::Kind::List) return false;
    bool found = false;
    for (const Expr& item : target.items) {
      const Expr& inner = item.kind == Expr::Kind::Starred ? item.items[0] : item;
      if (inner.kind != Expr::Kind::Name && inner.kind != Expr::Kind::Tuple &&
          inner.kind != Expr::Kind::List)
        return false;
      found = found || binds_name(inner, name);
    }
    return found;
  }

  PyValue compute_global(uint32_t file, const std::string& name, Span at) {
    const Stmt* assignment = nullptr;
    const Expr* target = nullptr;
    for (const Stmt& s : L.files_[file].module->body) {
      if (s.kind == Stmt::Kind::FunctionDef && s.name == name) {
        PyValue fn;
        fn.kind = PyValue::Kind::Function;
        fn.def_ = &s;
        fn.file = file;
        return fn;
      }
      if (s.kind == Stmt::Kind::ClassDef && s.name == name) {
        PyValue c;
        c.kind = PyValue::Kind::Class;
        c.def_ = &s;
        c.file = file;
        return c;
      }
      if ((s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::AnnAssign) && s.value) {
        for (const Expr& t : s.targets) {
          if (binds_name(t, name)) {
            assignment = &s;
            target = &t;
          }
        }
      }
    }
    if (assignment != nullptr && target->kind == Expr::Kind::Name) {
      Frame f = module_frame(file);
      return guarded(*assignment->value, f);
    }
    if (assignment != nullptr) {  // unpacked: the whole assignment in a scope of its own
      Frame f = module_frame(file);
      assign_value(*target, guarded(*assignment->value, f), f);
      return f.scope->vars.at(name);
    }
    if (std::optional<PyValue> imported = import_binding(file, name, at)) return *imported;
    for (const char* known : {"nn", "torch", "F", "math", "functools", "collections", "init"}) {
      if (name == known) return PyValue::builtin(name == "init" ? "nn.init" : name);
    }
    for (const char* builtin :
         {"range",   "len",       "int",      "float",   "bool",        "str",       "list",
          "tuple",   "dict",      "min",      "max",     "sum",         "abs",       "round",
          "zip",     "enumerate", "reversed", "sorted",  "isinstance",  "hasattr",   "getattr",
          "setattr", "print",     "super",    "partial", "OrderedDict", "any",       "all",
          "map",     "divmod",    "pow",      "type",    "set",         "frozenset", "delattr",
          "iter",    "next"}) {
      if (name == builtin) return PyValue::builtin(name);
    }
    for (const char* never : {"open", "eval", "exec", "compile", "__import__", "input", "os", "sys",
                              "subprocess", "exit", "quit", "globals", "locals", "vars",
                              "breakpoint", "importlib", "shutil", "pathlib", "socket"}) {
      if (name == never) {
        raise(at,
              "netshape does not run `" + name +
                  "`: reading a model never executes I/O, "
                  "imports, eval or exec",
              "compute the value in the file, or pass it with --arg");
      }
    }
    // `from torch.nn import Conv2d`: a capitalised name the file does not define is taken as a
    // layer, as the forward lowering does (an unknown one is an error at inference).
    if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z') return PyValue::builtin("nn." + name);
    raise(at, "name `" + name + "` is not defined here",
          "define it before use, or write the value itself");
  }

  // Argument i of a call, or an error at the call when it has fewer.
  static const PyValue& nth(const Args& args, size_t i, Span at) {
    if (i >= args.values.size()) raise(at, "this call needs more arguments");
    return args.values[i];
  }

  // ---- imports ----

  // What `import torch.nn as nn`, `from torch.nn import functional as F`, `from math import ceil`
  // bind: the names netshape knows. nullopt for a module of the model's own files.
  static std::optional<PyValue> known_import(const std::string& module, const std::string& name) {
    std::string full = module.empty() ? name : module + "." + name;
    if (full == "torch.nn" || full == "nn") return PyValue::builtin("nn");
    if (full == "torch.nn.functional") return PyValue::builtin("F");
    if (full == "torch.nn.init") return PyValue::builtin("nn.init");
    if (full == "torch.nn.utils") return PyValue::builtin("nn.utils");
    if (full == "torch" || full == "math" || full == "functools" || full == "collections" ||
        full == "copy" || full == "numpy" || full == "operator" || full == "contextlib" ||
        full == "typing")
      return PyValue::builtin(full);
    // the context managers of `with` (enter_context): `from torch.cuda.amp import autocast`
    for (const char* managers : {"contextlib", "torch.autograd", "torch.autograd.grad_mode",
                                 "torch.cuda.amp", "torch.cpu.amp", "torch.amp"})
      if (module == managers) return PyValue::builtin(full);
    if (module == "operator") return PyValue::builtin("operator." + name);
    // einops: its functions and torch layers, which netshape reads (einops_recipe.cpp)
    if (full == "einops" || full == "einops.layers" || full == "einops.layers.torch")
      return PyValue::builtin(full);
    if (module == "einops" || module == "einops.layers.torch")
      return PyValue::builtin(module + "." + name);
    if (module == "torch.nn") return PyValue::builtin("nn." + name);
    if (module == "torch.autograd" && name == "Variable")
      return PyValue::builtin("torch.autograd.Variable");
    // `from torch.nn.parameter import Parameter` (pygcn's GraphConvolution)
    if (module == "torch.nn.parameter" && name == "Parameter")
      return PyValue::builtin("nn.Parameter");
    if (module == "torch.nn.functional") return PyValue::builtin("F." + name);
    if (module == "torch.nn.utils") return PyValue::builtin("nn.utils." + name);
    if (module == "math") return PyValue::builtin("math." + name);
    if (module == "functools" && name == "reduce") return PyValue::builtin("functools.reduce");
    if (module == "functools" || module == "collections") return PyValue::builtin(name);
    if (module == "typing") return PyValue::builtin("typing." + name);
    if (module == "torch") return torch_builtin("torch." + name);  // torch.cat, Tensor
    if (module == "__future__") {
      PyValue p;
      p.kind = PyValue::Kind::Opaque;
      p.name = full;
      return p;
    }
    return std::nullopt;
  }

  // `name` as bound by one of the file's imports; nullopt when no import binds it.
  std::optional<PyValue> import_binding(uint32_t file, const std::string& name, Span at) {
    for (const Stmt& s : L.files_[file].module->body) {
      if (s.kind != Stmt::Kind::Import) continue;
      for (size_t i = 0; i < s.names.size(); ++i) {
        const std::string& imported = s.names[i];
        if (s.name.empty()) {  // import a.b [as c]
          std::string bound =
              !s.aliases[i].empty() ? s.aliases[i] : imported.substr(0, imported.find('.'));
          if (bound != name) continue;
          std::string module = !s.aliases[i].empty() ? imported : bound;
          if (auto known = known_import("", module)) return known;
          return file_module(file, module, name, s.span, at);
        }
        if (imported == "*") {  // from m import *: the names m defines
          if (known_import(s.name, name)) continue;
          int idx = L.import_file(file, s.name, s.span);
          if (idx < 0) continue;
          if (auto v = defined_or_reexported(static_cast<uint32_t>(idx), name, at)) return v;
          continue;
        }
        std::string bound = !s.aliases[i].empty() ? s.aliases[i] : imported;
        if (bound != name) continue;
        if (auto known = known_import(s.name, imported)) return known;
        int idx = L.import_file(file, s.name, s.span);
        // A package importing its own submodule (`from torchvision import models` in
        // torchvision/__init__.py) binds the submodule, not the name it is importing.
        if (idx == static_cast<int>(file)) idx = -1;
        // As Python: what the package binds, by itself or by its imports (`from .alexnet
        // import *` rebinds `alexnet` to the function), else its submodule of that name.
        if (idx >= 0) {
          if (auto v = defined_or_reexported(static_cast<uint32_t>(idx), imported, at)) return v;
        }
        std::string sub = s.name + (s.name.back() == '.' ? "" : ".") + imported;
        if (L.import_file(file, sub, s.span) >= 0) return file_module(file, sub, name, s.span, at);
        return file_module(file, s.name, name, s.span, at);
      }
    }
    return std::nullopt;
  }

  // `name` as file `idx` has it: defined there, or imported there (a package's __init__.py
  // re-exports its modules' names: `from .resnet import *` in torchvision/models). Import chains
  // nest at most kMaxReexportDepth deep, so files that import each other end.
  std::optional<PyValue> defined_or_reexported(uint32_t idx, const std::string& name, Span at) {
    if (defines(idx, name)) return global(idx, name, at);
    constexpr int kMaxReexportDepth = 8;
    // Each file once per name and lookup: files that star-import each other are searched in
    // linear time, and a lookup of another name nested in this one (a value the file computes
    // from its own imports) still searches a file this one has.
    if (reexport_depth_ == 0) reexport_seen_.clear();
    if (reexport_depth_ >= kMaxReexportDepth || !reexport_seen_.emplace(idx, name).second)
      return std::nullopt;
    ++reexport_depth_;
    std::optional<PyValue> v;
    try {
      v = import_binding(idx, name, at);
    } catch (...) {
      --reexport_depth_;
      throw;
    }
    --reexport_depth_;
    return v;
  }
  int reexport_depth_ = 0;
  std::set<std::pair<uint32_t, std::string>> reexport_seen_;  // (file, name) searched
  std::set<const Stmt*> class_values_computing_;  // class-body assignments being evaluated

  // A module of the model's files as a value; an error at the use when no such file exists.
  PyValue file_module(uint32_t file, const std::string& module, const std::string& name,
                      Span import_at, Span at) {
    int idx = L.import_file(file, module, import_at);
    if (idx >= 0) {
      PyValue m;
      m.kind = PyValue::Kind::File;
      m.file = static_cast<uint32_t>(idx);
      m.name = module;
      return m;
    }
    if (module == "torch.nn.utils.rnn") packed_sequences(name, at);
    raise(at, "`" + name + "` comes from `" + module + "`, which netshape cannot find",
          "put that file next to the model (or pass --path DIR); netshape reads the model's own "
          "files, an installed torchvision, torch.nn, math and functools");
  }

  // ---- calls ----

  // The arguments of `call` from `first` on (2 skips `self` in `Base.__init__(self, ...)`).
  Args arguments(const Expr& call, Frame& f, bool keep_errors = false, size_t first = 1) {
    Args a;
    for (size_t i = first; i < call.items.size(); ++i) {
      const Expr& item = call.items[i];
      if (item.kind == Expr::Kind::Starred) {
        PyValue v = eval(item.items[0], f);
        if (item.text == "*") {
          for (PyValue& x : iterate(v, item.span)) {
            a.add(std::move(x), call.arg_spans[i - 1], &item);
          }
        } else {
          if (v.kind != PyValue::Kind::Dict) raise(item.span, "`**` of a non-dict");
          for (const auto& [k, x] : *v.dict) {
            a.values.push_back(x);
            a.keywords.push_back(text_of(k));
            a.spans.push_back(call.arg_spans[i - 1]);
            a.exprs.push_back(&item);
          }
        }
        continue;
      }
      if (keep_errors) {
        try {
          a.values.push_back(eval(item, f));
        } catch (const PyError& err) {
          if (err.fatal) throw;
          a.values.push_back(failed(err.d));
        }
      } else {
        // a recurrent layer's final state passed on (`self.fc(hidden[0])`): the tensor it is
        a.values.push_back(whole_state_or(eval(item, f), item.span));
      }
      a.keywords.push_back(call.keywords[i - 1]);
      a.spans.push_back(call.arg_spans[i - 1]);
      a.exprs.push_back(&item);
    }
    return a;
  }

  PyValue call_expr(const Expr& call, Frame& f) {
    if (is_super_init(call)) {
      super_init(call, f);
      return PyValue::none(call.span);
    }
    PyValue callee = eval(call.items[0], f);
    bool layer = callee.kind == PyValue::Kind::Builtin && callee.name.rfind("nn.", 0) == 0 &&
                 callee.name != "nn.Sequential" && callee.name.rfind("nn.init", 0) != 0;
    Args args = arguments(call, f, /*keep_errors=*/layer);
    return call_value(callee, args, call, f);
  }

  PyValue call_value(const PyValue& callee, Args& args, const Expr& call, Frame& f) {
    if (callee.kind == PyValue::Kind::Unbound) unbound_error(callee, call.items[0].span);
    switch (callee.kind) {
      case PyValue::Kind::Builtin:
        return call_builtin(callee, args, call, f);
      case PyValue::Kind::Function:
        return invoke(callee, args, call, f, nullptr);
      case PyValue::Kind::Class:
        return construct_class(*callee.def_, args, call, f);
      case PyValue::Kind::Partial: {
        // partial(f, *a, **k)(*b, **j) is f(*a, *b, **{**k, **j}): a keyword given at the call
        // replaces the partial's
        Args merged;
        for (size_t i = 1; i < callee.items.size(); ++i) {
          const std::string& k = callee.keywords[i - 1];
          if (!k.empty() &&
              std::find(args.keywords.begin(), args.keywords.end(), k) != args.keywords.end())
            continue;
          merged.values.push_back(callee.items[i]);
          merged.keywords.push_back(callee.keywords[i - 1]);
          merged.spans.push_back(call.span);
          merged.exprs.push_back(&call);
        }
        for (size_t i = 0; i < args.values.size(); ++i) {
          merged.values.push_back(args.values[i]);
          merged.keywords.push_back(args.keywords[i]);
          merged.spans.push_back(args.spans[i]);
          merged.exprs.push_back(args.exprs[i]);
        }
        return call_value(callee.items[0], merged, call, f);
      }
      case PyValue::Kind::Module:
        return apply_module(callee, args, call);
      case PyValue::Kind::Opaque: {
        // `m.weight.data.fill_(1)`: a method of a value netshape does not follow (weight
        // init). Its result is not followed either: using it as a size is an error.
        if (is_failed(callee)) rethrow(callee);
        if (forward_) refuse_layer_tensor(callee, call.span);
        PyValue result = callee;
        result.name = "result of " + dotted(call.items[0]);
        return result;
      }
      default:
        break;
    }
    unsupported_here(call.span, std::string("calling this value in ") + where());
  }

  // A function of the file (or a method), through its functools cache when it has one.
  PyValue invoke(const PyValue& fn, Args& args, const Expr& call, Frame& caller, const Stmt* cls) {
    std::optional<CallCache> cache = call_cache_of(*fn.def_);
    if (!cache) return invoke_uncached(fn, args, call, caller, cls);
    if (fn.method_self)
      unsupported_here(call.span, "a method with `@" + cache->decorator + "`",
                       "netshape keys the cache by value, not by `self`: write the method "
                       "undecorated");
    // one cache per function object: a `def` run again (nested in a function) makes another
    auto [kept, fresh] =
        call_caches_.try_emplace(std::pair(fn.def_, fn.closure.get()), std::move(*cache));
    CallCache& c = kept->second;
    if (fresh) c.closure = fn.closure;  // kept alive: its address names no other scope
    std::string key = cache_key(args, c.typed, call.span);
    auto hit = std::find_if(c.entries.begin(), c.entries.end(),
                            [&](const auto& entry) { return entry.first == key; });
    if (hit != c.entries.end()) {
      c.entries.splice(c.entries.begin(), c.entries, hit);  // the most recently used
      return hit->second;
    }
    PyValue result = invoke_uncached(fn, args, call, caller, cls);
    if (c.maxsize && *c.maxsize <= 0) return result;  // lru_cache(maxsize=0) keeps nothing
    c.entries.emplace_front(std::move(key), result);
    if (c.maxsize && static_cast<int64_t>(c.entries.size()) > *c.maxsize) c.entries.pop_back();
    return result;
  }

  // `@functools.lru_cache` / `@functools.cache`: a call with the arguments of a call it keeps
  // returns what that one returned, the same object (a module built by it is one module, its
  // parameters counted once), as functools does; when full, the least recently used goes.
  struct CallCache {
    std::string decorator;
    std::optional<int64_t> maxsize;                      // none: unbounded
    bool typed = false;                                  // typed=True: 1 and 1.0 are two keys
    std::list<std::pair<std::string, PyValue>> entries;  // the most recently used first
    std::shared_ptr<PyScope> closure;                    // where the `def` ran
  };
  std::map<std::pair<const Stmt*, const PyScope*>, CallCache> call_caches_;

  // The cache `def`'s decorator makes, none without one: `@cache` is unbounded, `@lru_cache`
  // and `@lru_cache()` keep 128, `@lru_cache(maxsize=None)` (or a number), `typed=`.
  static std::optional<CallCache> call_cache_of(const Stmt& def) {
    for (const Expr& d : def.decorators) {
      std::string name = dotted(d.kind == Expr::Kind::Call ? d.items[0] : d);
      std::string_view last = std::string_view(name).substr(name.rfind('.') + 1);
      if (last != "lru_cache" && last != "cache") continue;
      CallCache c;
      c.decorator = name;
      if (last == "lru_cache") c.maxsize = 128;
      if (d.kind != Expr::Kind::Call) return c;
      for (size_t i = 1; i < d.items.size(); ++i) {
        const Expr& a = d.items[i];
        const std::string& keyword = d.keywords[i - 1];
        if (last == "lru_cache" && (keyword == "maxsize" || (keyword.empty() && i == 1)) &&
            (a.kind == Expr::Kind::None || a.kind == Expr::Kind::Int)) {
          c.maxsize = a.kind == Expr::Kind::None ? std::nullopt : std::optional(a.int_value);
        } else if (last == "lru_cache" && keyword == "typed" && a.kind == Expr::Kind::Bool) {
          c.typed = a.int_value != 0;
        } else {
          unsupported_here(a.span, "this argument of `@" + name + "`",
                           "write `@functools.lru_cache(maxsize=None)`");
        }
      }
      return c;
    }
    return std::nullopt;
  }

  // The arguments of a cached call as the cache's key: equal numbers are one key unless `typed`
  // (as 1 == 1.0 == True in Python), keywords apart from positions (f(1) and f(n=1) are two, as
  // in functools); a list or dict is Python's TypeError, what netshape cannot compare refused.
  std::string cache_key(const Args& args, bool typed, Span at) {
    std::string key;
    for (size_t i = 0; i < args.values.size(); ++i)
      key += args.keywords[i] + "=" + cache_key_of(args.values[i], typed, at) + ";";
    return key;
  }
  std::string cache_key_of(const PyValue& v, bool typed, Span at) {
    if (v.kind == PyValue::Kind::Tuple) {
      std::string key = "(";
      for (const PyValue& item : iterate(v, at)) key += cache_key_of(item, typed, at) + ",";
      return key + ")";
    }
    if (v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Dict)
      raise(at,
            fmt::format("unhashable type: '{}'", v.kind == PyValue::Kind::List ? "list" : "dict"),
            "pass a tuple");
    if (v.kind == PyValue::Kind::Data) {
      const Value& d = v.data;
      if (d.kind == Value::Kind::None) return "None";
      if (d.kind == Value::Kind::String) return "s" + python_repr(d.s.str());
      std::optional<double> number = d.kind == Value::Kind::Bool    ? std::optional(double(d.b))
                                     : d.kind == Value::Kind::Int   ? std::optional(double(d.i))
                                     : d.kind == Value::Kind::Float ? std::optional(d.f)
                                                                    : std::nullopt;
      if (d.kind == Value::Kind::Int && !typed) return "n" + std::to_string(d.i);
      if (number && !std::isnan(*number)) {
        if (typed) return fmt::format("{}{}", static_cast<int>(d.kind), text_of(v));
        if (*number == std::trunc(*number) && std::abs(*number) < 9.0e15)
          return "n" + std::to_string(static_cast<int64_t>(*number));
        return "n" + text_of(v);
      }
    }
    unsupported_here(at, "a cached call given " + describe(v),
                     "netshape keys `@lru_cache` by numbers, strings, None and tuples of them");
  }

  // A function of the file (or a method): arguments bound to its parameters as Python binds them.
  PyValue invoke_uncached(const PyValue& fn, Args& args, const Expr& call, Frame& caller,
                          const Stmt* cls) {
    const Stmt& def = *fn.def_;
    if (calls_ + 1 > limits::kMaxPyCallDepth) {
      limit_reached(call.span,
                    fmt::format("calls nested more than {} deep (a function calling itself?)",
                                limits::kMaxPyCallDepth),
                    "netshape stops here (docs/limits.md)");
    }
    CallDepth depth(calls_);
    Building called(building_, Label{call.span, "`" + def.name + "(...)` called here"});
    Frame f;
    f.scope = new_scope();
    f.scope->parent = fn.closure;
    f.depth = caller.depth;
    f.file = fn.file;
    f.cls = cls != nullptr ? cls : caller.cls;
    // A method of self's class or a base: the class whose body defines it, as super() sees it.
    if (cls == nullptr && fn.method_self && fn.method_self->kind == PyValue::Kind::Module &&
        fn.method_self->module->instance && fn.method_self->module->instance->cls) {
      if (const Stmt* owner = class_defining(*fn.method_self->module->instance->cls, def))
        f.cls = owner;
    }
    size_t first = 0;
    if (fn.method_self) {
      if (def.params.empty()) raise(call.span, def.name + "() takes no `self`");
      f.scope->vars[def.params[0].name] = *fn.method_self;
      f.self = fn.method_self;
      first = 1;
    }
    check_decorators(def);
    if (const Expr* legacy = legacy_interface(def)) apply_legacy_interface(*legacy, args);
    bind_parameters(def, first, args, call, *f.scope, f.file);
    track_origins(def, first, args, call, f.scope->vars);
    with_grad_mode(decorated_grad_mode(def, f).value_or(grad_enabled_),
                   [&] { return exec_block(def.body, f); });
    return f.ret.kind == PyValue::Kind::Data && f.ret.data.kind == Value::Kind::None &&
                   !f.ret.data.span.valid()
               ? PyValue::none(call.span)
               : f.ret;
  }

  // torchvision's `@handle_legacy_interface(weights=("pretrained", ...))` on a model builder;
  // null for a function without it.
  static const Expr* legacy_interface(const Stmt& def) {
    for (const Expr& d : def.decorators)
      if (d.kind == Expr::Kind::Call && dotted(d.items[0]).ends_with("handle_legacy_interface"))
        return &d;
    return nullptr;
  }

  // What that decorator's wrapper does to the arguments before the builder runs (torchvision
  // 0.14): the deprecated `pretrained=False` (also given as `weights=False`) becomes
  // `weights=None`. A true one loads the pretrained weights, which can change the architecture
  // (their class count, Inception's transform_input): refused, netshape never loads weights.
  void apply_legacy_interface(const Expr& decorator, Args& args) {
    for (size_t i = 1; i < decorator.items.size(); ++i) {
      const std::string& param = decorator.keywords[i - 1];
      const Expr& pair = decorator.items[i];
      if (param.empty() || pair.kind != Expr::Kind::Tuple || pair.items.empty() ||
          pair.items[0].kind != Expr::Kind::String)
        continue;
      const std::string& legacy = pair.items[0].text;
      std::optional<size_t> given;
      for (size_t k = 0; k < args.values.size(); ++k)
        if (args.keywords[k] == legacy ||
            (args.keywords[k] == param && args.values[k].is(Value::Kind::Bool)))
          given = k;
      if (!given) continue;  // weights=None or a weights enum: passed on as it is
      Span at = args.spans[*given];
      if (truthy(args.values[*given], at))
        unsupported_here(at, fmt::format("`{}=True`: torchvision's pretrained weights", legacy),
                         fmt::format("netshape reads the architecture and never loads weights; "
                                     "pass {}=False (or {}=None)",
                                     legacy, param));
      args.values[*given] = PyValue::none(at);
      args.keywords[*given] = param;
    }
  }

  // Where each argument came from (`conv3x3(64, 128)`, `Block(16, 64)`), so an error about a
  // layer built from it can point at the call too, and its help can fix the call.
  void track_origins(const Stmt& def, size_t first, const Args& args, const Expr& call,
                     std::map<std::string, PyValue>& vars) {
    for (size_t i = 0, positional = 0; i < args.values.size(); ++i) {
      std::string name = args.keywords[i];
      if (name.empty()) {
        size_t k = 0;
        for (size_t j = first; j < def.params.size(); ++j) {
          if (def.params[j].stars != 0) continue;
          if (k++ == positional) name = def.params[j].name;
        }
        ++positional;
      }
      auto it = vars.find(name);
      if (it != vars.end() && it->second.kind == PyValue::Kind::Data && args.exprs[i] != &call)
        L.track_origin(it->second.data, name, *args.exprs[i], call);
    }
  }

  // A parameter's default. Python evaluates it once, when the `def` runs, so a default is one
  // object every call of that function shares (`def __init__(self, c, seen=[])` appends to the
  // same list for every instance; `norm=nn.LayerNorm(8)` is one module): kept by parameter and
  // by the scope a nested `def` closes over (each run of the enclosing function makes a new
  // function with new defaults). The scope is kept alive so its address names only it.
  PyValue default_of(const py::Param& p, uint32_t file, const std::shared_ptr<PyScope>& closure) {
    auto key = std::make_pair(&p, static_cast<const PyScope*>(closure.get()));
    auto kept = shared_defaults_.find(key);
    if (kept != shared_defaults_.end()) return kept->second.second;
    Frame d = module_frame(file);
    PyValue v = eval(*p.default_value, d);
    shared_defaults_.emplace(key, std::make_pair(closure, v));
    return v;
  }

  void bind_parameters(const Stmt& def, size_t first, Args& args, const Expr& call, PyScope& scope,
                       uint32_t file = 0) {
    const py::Param* var_positional = nullptr;
    const py::Param* var_keyword = nullptr;
    std::vector<const py::Param*> named;
    for (size_t i = first; i < def.params.size(); ++i) {
      const py::Param& p = def.params[i];
      if (p.stars == 1) var_positional = &p;
      if (p.stars == 2) var_keyword = &p;
      if (p.stars == 0) named.push_back(&p);
    }
    PyList extra;
    PyValue kwargs;
    kwargs.kind = PyValue::Kind::Dict;
    kwargs.dict = new_dict();
    size_t positional = 0;
    // the parameters after `*args` (or a bare `*`) take no positional argument
    size_t positional_slots =
        static_cast<size_t>(std::find_if(named.begin(), named.end(),
                                         [](const py::Param* p) { return p->keyword_only; }) -
                            named.begin());
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i].empty()) {
        if (positional < positional_slots) {
          scope.vars[named[positional++]->name] = args.values[i];
        } else if (var_positional) {
          extra.push_back(args.values[i]);
        } else {
          size_t given = first + static_cast<size_t>(
                                     std::count(args.keywords.begin(), args.keywords.end(), ""));
          size_t takes = first + positional_slots;  // Python counts `self`
          raise(args.spans[i], fmt::format("{}() takes {} positional argument{} but {} were given",
                                           def.name, takes, takes == 1 ? "" : "s", given));
        }
        continue;
      }
      auto p = std::find_if(named.begin(), named.end(),
                            [&](const py::Param* q) { return q->name == args.keywords[i]; });
      if (p != named.end()) {
        if (scope.vars.count((*p)->name)) {
          raise(args.spans[i], fmt::format("{}() got multiple values for argument '{}'", def.name,
                                           args.keywords[i]));
        }
        scope.vars[(*p)->name] = args.values[i];
      } else if (var_keyword) {
        dict_set(*kwargs.dict, data_str(args.keywords[i], args.spans[i]), args.values[i]);
      } else {
        raise(args.spans[i], fmt::format("{}() got an unexpected keyword argument '{}'", def.name,
                                         args.keywords[i]));
      }
    }
    for (const py::Param* p : named) {
      if (scope.vars.count(p->name)) continue;
      if (!p->default_value) {
        raise(call.span, fmt::format("{}() missing required argument: '{}'", def.name, p->name));
      }
      scope.vars[p->name] = default_of(*p, file, scope.parent);
    }
    if (var_positional) scope.vars[var_positional->name] = make_tuple(std::move(extra));
    if (var_keyword) scope.vars[var_keyword->name] = kwargs;
  }

  // An instance of a class. Of a torch.nn class netshape writes in Python (its prelude), what
  // the constructor raises (at once, or when forward reads what failed) points at the model's
  // call, whose arguments are the mistake, not at netshape's own Python.
  PyValue construct_class(const Stmt& cls, Args& args, const Expr& call, Frame& f) {
    if (!L.is_prelude(L.file_of(&cls)) || L.is_prelude(call.span.file))
      return construct_user_module(cls, args, call, f);
    try {
      PyValue made = construct_user_module(cls, args, call, f);
      if (made.kind == PyValue::Kind::Module)
        failures_at_prelude_call(*made.module, cls, call.span);
      return made;
    } catch (PyError& e) {
      at_prelude_call(e.d, cls, call.span);
      throw;
    }
  }
  // The attributes whose value failed, in `m` and the modules it holds: forward reports them
  // when it reads one.
  void failures_at_prelude_call(ModuleDef& m, const Stmt& cls, Span call) const {
    for (ModuleChild& c : m.children) failures_at_prelude_call(c.def, cls, call);
    if (!m.instance) return;
    for (auto& [key, c] : m.instance->attrs)
      if (c.state == Const::Failed) at_prelude_call(c.error, cls, call);
    for (auto& [key, child] : m.instance->modules) failures_at_prelude_call(child, cls, call);
  }
  void at_prelude_call(Diagnostic& d, const Stmt& cls, Span call) const {
    if (!L.is_prelude(d.span.file)) return;
    d.span = call;
    if (d.help == kOwnCheckHelp)
      d.help = fmt::format("nn.{} refuses these arguments, as PyTorch 1.13 does", cls.name);
  }

  // `Block(16, 64)`: a user module, its __init__ run with the arguments bound.
  PyValue construct_user_module(const Stmt& cls, Args& args, const Expr& call, Frame& f) {
    if (f.depth + 1 >= limits::kMaxPyInstanceDepth) {
      limit_reached(call.span,
                    "unsupported Python construct: modules nested too deeply (recursive module?)",
                    "netshape stops here (docs/limits.md): does a module build itself?");
    }
    auto inst = new_instance(call.span);
    inst->cls = &cls;
    if (L.is_prelude(L.file_of(&cls))) {
      inst->parameter_list = cls.name == "ParameterList";
      inst->parameter_dict = cls.name == "ParameterDict";
    }
    std::map<std::string, PyValue> params;
    const Stmt* init_def = L.find_method(cls, "__init__", 0);
    if (init_def == nullptr && is_dataclass(cls)) {
      ModuleDef m;
      m.kind = ModuleDef::User;
      m.span = call.span;
      m.instance = inst;
      PyValue self = make_module(std::move(m));
      dataclass_init(cls, args, call, self, f);
      return self;
    }
    if (init_def != nullptr) {
      PyScope scope;
      bind_parameters(*init_def, 1, args, call, scope, L.file_of(init_def_owner(cls)));
      params = std::move(scope.vars);
      track_origins(*init_def, 1, args, call, params);
    } else if (auto op = torch_layer_of(cls)) {  // `class SameConv(nn.Conv2d)`: its __init__
      PyValue layer = construct_layer(*op, args, call);
      layer.module->fix_prefix.clear();
      inst->layer_base = layer.module;
      inst->module_init_ran = true;
    } else if (ContainerBase c = class_container(&cls); c != ContainerBase::None) {
      ModuleDef self;  // `class Stack(nn.Sequential): pass`: the container's __init__
      self.kind = ModuleDef::User;
      self.instance = inst;
      container_init(c, args, call.span, make_module(std::move(self)));
    }
    ModuleDef m;
    m.kind = ModuleDef::User;
    m.span = call.span;
    m.instance = inst;
    init(inst, std::move(params), f.depth + 1);
    if (inst->sequential && L.find_method(cls, "forward", 0) == nullptr) {
      m.kind = ModuleDef::Sequential;  // nn.Sequential's forward: its modules in order
      for (const std::string& name : inst->order) {
        auto it = inst->modules.find(name);
        if (it != inst->modules.end()) m.children.emplace_back(name, it->second);
      }
    }
    return make_module(std::move(m));
  }

  // nn.Conv2d(...): a layer with its arguments as written (values folded); an argument netshape
  // cannot compute is kept as an error for when forward calls the layer.
  PyValue construct_layer(const std::string& op, const Args& args, const Expr& call) {
    ModuleDef m;
    m.kind = ModuleDef::Leaf;
    m.op = op;
    const Expr& fn = call.items[0];
    m.op_span = fn.kind == Expr::Kind::Attribute ? fn.name_span : fn.span;
    m.span = call.span;
    m.fix_prefix = L.fix_prefix_for(call, m.op_span, whole_line_call_ != &call);
    // The innermost few calls and loop passes it is built in (deeper ones add little).
    for (auto it = building_.rbegin(); it != building_.rend() && m.built_via.size() < 4; ++it)
      m.built_via.push_back(*it);
    if (op == "ModuleList") {  // a container forward iterates or indexes
      m.kind = ModuleDef::Sequential;
      m.list = true;
      for (const PyValue& v : args.values.empty() ? PyList{} : iterate(args.values[0], call.span)) {
        require_module(v, call.span, "nn.ModuleList holds modules only");
        m.children.emplace_back(std::to_string(m.children.size()), *v.module);
        refuse_storing_behind(v, call.span);
      }
      check_container_depth(m, call.span);
      return make_module(std::move(m));
    }
    if (op == "ModuleDict") {  // a container forward indexes by key or iterates
      m.kind = ModuleDef::Sequential;
      m.list = true;
      if (!args.values.empty()) update_module_dict(m, args.values[0], call.span);
      return make_module(std::move(m));
    }
    // ops.def lists MaxUnpool's `output_size` among the layer's arguments, as the model language
    // writes it; in PyTorch it is forward's, and __init__ takes none
    for (size_t i = 0; i < args.keywords.size() && in_family(op, Family::max_unpool); ++i)
      if (args.keywords[i] == "output_size")
        raise_torch(
            args.spans[i],
            fmt::format("{}.__init__() got an unexpected keyword argument 'output_size'", op),
            "give it in the call: `self.unpool(x, indices, output_size=size)`");
    for (size_t i = 0; i < args.values.size(); ++i) {
      Arg arg;
      arg.keyword = keyword_name(args.keywords[i]);
      arg.span = args.spans[i];
      const PyValue& v = args.values[i];
      Span at = args.exprs[i]->span;
      if (is_failed(v)) {
        Diagnostic d;
        d.span = v.data.span;
        d.message = v.data.s;
        d.help = v.keywords.empty() ? "" : v.keywords[0];
        m.pending.push_back(Const::failed(d));
        m.pending_spans.push_back(at);
        arg.value = Value::none(at);
      } else if (v.kind == PyValue::Kind::Unbound) {
        m.pending.push_back(Const::unbound(v.name));
        m.pending_spans.push_back(at);
        arg.value = Value::none(at);
      } else {
        try {
          arg.value = to_ir(v, at);
        } catch (const PyError& err) {
          if (err.fatal) throw;
          m.pending.push_back(Const::failed(err.d));
          m.pending_spans.push_back(at);
          arg.value = Value::none(at);
        }
      }
      m.args.push_back(std::move(arg));
    }
    PyValue layer = make_module(std::move(m));
    if (find_op(op) && generator_depth_ == 0) built_layers_.push_back(layer.module);
    return layer;
  }

  // Modules inside modules, at most limits::kMaxPyContainerDepth deep: a loop wrapping a
  // Sequential (or a module of the file) in another thousands of times would copy it at every
  // pass, and every walk over the modules would recurse that deep.
  static void check_container_depth(const ModuleDef& m, Span at) {
    std::set<int> seen;
    if (module_depth(m, 0, seen) > limits::kMaxPyContainerDepth) {
      limit_reached(at, "unsupported Python construct: modules nested too deeply",
                    fmt::format("netshape stops at {} levels of modules inside modules "
                                "(docs/limits.md)",
                                limits::kMaxPyContainerDepth));
    }
  }
  // Each module once (a module held twice is walked once, not once per path).
  static int module_depth(const ModuleDef& m, int depth, std::set<int>& seen) {
    if (!seen.insert(m.id).second) return depth;
    int deepest = depth;
    auto below = [&](const ModuleDef& child) {
      if (deepest <= limits::kMaxPyContainerDepth)
        deepest = std::max(deepest, module_depth(child, depth + 1, seen));
    };
    for (const ModuleChild& c : m.children) below(c.def);
    if (m.kind == ModuleDef::User)
      for (const auto& [key, child] : m.instance->modules) below(child);
    return deepest;
  }

  // nn.Sequential(m1, m2, ...) or nn.Sequential(OrderedDict([(name, m), ...])).
  PyValue construct_sequential(const Args& args, const Expr& call) {
    ModuleDef seq;
    seq.kind = ModuleDef::Sequential;
    seq.span = call.span;
    if (args.values.size() == 1 && args.values[0].kind == PyValue::Kind::Dict) {
      // only an OrderedDict names the children: another dict is one child, not a module
      if (args.values[0].name != "OrderedDict")
        raise_torch(args.spans[0], "dict is not a Module subclass",
                    "give nn.Sequential an OrderedDict of (name, module), or the modules");
      for (const auto& [k, v] : *args.values[0].dict) {
        require_module(v, call.span, "nn.Sequential child is not a module");
        seq.children.emplace_back(checked_module_name(k, args.spans[0]), *v.module);
        refuse_storing_behind(v, call.span);
      }
      check_container_depth(seq, call.span);
      return make_module(std::move(seq));
    }
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      require_module(v, args.exprs[i]->span,
                     "unsupported Python construct: nn.Sequential element that is not a module",
                     "pass layers, e.g. nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU())");
      seq.children.emplace_back(std::to_string(i), *v.module);
      refuse_storing_behind(v, call.span);
    }
    check_container_depth(seq, call.span);
    return make_module(std::move(seq));
  }

  // nn.ModuleList.insert(index, module) and nn.Sequential.insert: the module before the child at
  // `index`, the children after it numbered one more, as PyTorch renames them (Sequential takes a
  // negative index from the end, or its IndexError). Returns None for a ModuleList, the container
  // for a Sequential.
  PyValue insert_module(const PyValue& self, const Args& args, Span at) {
    ModuleDef& m = *self.module;
    int64_t n = static_cast<int64_t>(m.children.size());
    int64_t index = int_of(nth(args, 0, at), at);
    const PyValue& module = nth(args, 1, at);
    if (module.kind != PyValue::Kind::Module) raise(at, "insert() takes a module");
    int64_t k = 0;
    for (const ModuleChild& c : m.children)
      if (c.index != std::to_string(k++))
        unsupported_here(at, "insert() into a container of named children",
                         "build the container in order instead");
    if (!m.list && (index < -n || index > n))
      raise_torch(at, fmt::format("Index out of range: {}", index), "insert within the container");
    if (!m.list && index < 0) index += n;
    if (index < 0 || index > n)
      unsupported_here(at, "ModuleList.insert() outside the list",
                       "insert at an index from 0 to len(list)");
    check_container_depth(*module.module, at);
    auto where = std::next(m.children.begin(), index);
    m.children.emplace(where, std::to_string(index), *module.module);
    refuse_storing_behind(module, at);
    k = 0;
    for (ModuleChild& c : m.children) c.index = std::to_string(k++);
    return m.list ? PyValue::none(at) : self;
  }

  // `nn.Transformer.generate_square_subsequent_mask(sz)`: a static method of a torch.nn class
  // netshape reads from its prelude; nullopt for another name.
  std::optional<PyValue> torch_nn_static_method(const std::string& n, Args& args, const Expr& call,
                                                Frame& f) {
    size_t dot = n.rfind('.');
    if (n.rfind("nn.", 0) != 0 || dot <= 3 || n.find('.', 3) != dot) return std::nullopt;
    const Stmt* cls = L.torch_nn_class(n.substr(3, dot - 3));
    if (!cls) return std::nullopt;
    PyValue fn = class_attribute(*cls, n.substr(dot + 1), call, nullptr);
    if (fn.kind != PyValue::Kind::Function) return std::nullopt;
    return invoke(fn, args, call, f, cls);
  }

  // nn.Embedding.from_pretrained(embeddings, freeze=True, ...) (and EmbeddingBag's): the layer
  // of the 2-D tensor's sizes, its other arguments passed on as PyTorch's classmethod passes
  // them, frozen unless freeze=False. The table's values are not followed.
  PyValue from_pretrained(const std::string& op, const Args& args, const Expr& call) {
    Span at = call.span;
    // the classmethod's parameters after `embeddings, freeze`, in its order
    static const std::vector<std::string> kEmbedding = {"padding_idx", "max_norm", "norm_type",
                                                        "scale_grad_by_freq", "sparse"};
    static const std::vector<std::string> kBag = {"max_norm",   "norm_type", "scale_grad_by_freq",
                                                  "mode",       "sparse",    "include_last_offset",
                                                  "padding_idx"};
    const std::vector<std::string>& rest = op == "Embedding" ? kEmbedding : kBag;
    const PyValue* table = nullptr;
    const Expr* table_expr = nullptr;  // where the sizes come from, for errors about them
    Span table_span = at;
    bool freeze = true;
    Args layer;
    size_t position = 0;
    std::set<std::string> given;
    for (size_t i = 0; i < args.values.size(); ++i) {
      std::string key = args.keywords[i];
      if (key.empty()) {
        size_t p = position++;
        key = p == 0 ? "embeddings" : p == 1 ? "freeze" : p - 2 < rest.size() ? rest[p - 2] : "";
        if (key.empty())
          raise(args.spans[i],
                fmt::format("{}.from_pretrained() takes from 2 to {} positional arguments but {} "
                            "were given",
                            op, rest.size() + 3, args.values.size() + 1),
                "give the layer's other arguments by keyword");
      }
      if (!given.insert(key).second)
        raise(args.spans[i],
              fmt::format("{}.from_pretrained() got multiple values for argument '{}'", op, key),
              "give it once");
      if (key == "embeddings") {
        table = &args.values[i];
        table_expr = args.exprs[i];
        table_span = args.spans[i];
      } else if (key == "freeze") {
        freeze = truthy(args.values[i], args.spans[i]);
      } else if (std::find(rest.begin(), rest.end(), key) != rest.end()) {
        layer.values.push_back(args.values[i]);
        layer.keywords.push_back(key);
        layer.spans.push_back(args.spans[i]);
        layer.exprs.push_back(args.exprs[i]);
      } else {
        raise(args.spans[i],
              fmt::format("{}.from_pretrained() got an unexpected keyword argument '{}'", op, key),
              fmt::format("nn.{}.from_pretrained takes embeddings, freeze, {}", op,
                          fmt::join(rest, ", ")));
      }
    }
    if (!table)
      raise(at,
            fmt::format("{}.from_pretrained() missing 1 required positional argument: "
                        "'embeddings'",
                        op),
            "give the table: nn.Embedding.from_pretrained(weights)");
    if (table->kind != PyValue::Kind::Made)
      unsupported_here(at, fmt::format("nn.{}.from_pretrained of {}", op, describe(*table)),
                       "make the table in the file (`torch.randn(rows, dim)`), or write "
                       "nn.Embedding(rows, dim)");
    if (type_category(table->dtype) < 2)  // the layer makes it an nn.Parameter
      raise_torch(at, "Only Tensors of floating point and complex dtype can require gradients",
                  "give it a floating table: `torch.randn(rows, dim)`, or `.float()` it");
    if (table->dtype != ElementType::Float32)  // the layer's output would have its type
      unsupported_here(
          at,
          fmt::format("nn.{}.from_pretrained of a {} table", op, element_type_name(table->dtype)),
          "netshape's layers are float32: `.float()` the table");
    Sizes sizes = sizes_of(*table);
    if (sizes.size() != 2)
      raise(at, "Embeddings parameter is expected to be 2-dimensional",
            "give a table of [rows, dim]");
    layer.values.insert(layer.values.begin(), {data_int(sizes[0], at), data_int(sizes[1], at)});
    layer.keywords.insert(layer.keywords.begin(), {"", ""});
    layer.spans.insert(layer.spans.begin(), {table_span, table_span});
    layer.exprs.insert(layer.exprs.begin(), {table_expr, table_expr});
    PyValue made = construct_layer(op, layer, call);
    if (freeze && made.kind == PyValue::Kind::Module && made.module)
      frozen_layers_.insert(made.module->id);
    return made;
  }

  // A function netshape implements: nn's layers and containers, then Python's builtins by kind.
  PyValue call_builtin(const PyValue& callee, Args& args, const Expr& call, Frame& f) {
    const std::string& n = callee.name;
    Span at = call.span;
    if (n == "super" && !callee.method_self) check_super_arguments(call, f);
    if (callee.method_self)  // a method of a value: `layers.append(...)`
      return call_method(*callee.method_self, n.substr(n.find('.') + 1), args, call, f);
    if (n == "nn.Sequential") return construct_sequential(args, call);
    if (n == "nn.Parameter") return parameter(args, at);
    if (n == "torch.autograd.Variable") return nth(args, 0, at);  // a no-op since PyTorch 0.4
    if (n == "nn.utils.weight_norm") return weight_norm(args, at);
    if (n == "nn.utils.spectral_norm") return spectral_norm(args, at);
    if (n == "nn.utils.remove_weight_norm")
      return remove_normalisation(args, StatementExtras::NormedWeight::Kind::weight_norm, at);
    if (n == "nn.utils.remove_spectral_norm")
      return remove_normalisation(args, StatementExtras::NormedWeight::Kind::spectral_norm, at);
    if (n.rfind("nn.init", 0) == 0 || n == "print") {
      return PyValue::none(at);
    }
    if (n.rfind("nn.", 0) == 0 && n.find('.', 3) == std::string::npos) {
      for (std::string_view later : kAddedAfter113)  // `nn.RMSNorm(d)`: Python's AttributeError
        if (n == later)
          raise(at, fmt::format("module 'torch.nn' has no attribute '{}'", n.substr(3)),
                later_layer_help(n));
      if (const Stmt* cls = L.torch_nn_class(n.substr(3)))  // nn.TransformerEncoderLayer, ...
        return construct_class(*cls, args, call, f);
      return construct_layer(n.substr(3), args, call);
    }
    if (n == "nn.Embedding.from_pretrained" || n == "nn.EmbeddingBag.from_pretrained")
      return from_pretrained(n.substr(3, n.find('.', 3) - 3), args, call);
    if (auto v = torch_nn_static_method(n, args, call, f)) return *v;
    if (n.rfind("einops.", 0) == 0) return einops_builtin(n.substr(7), args, call, f);
    if (auto v = torch_function(n, args, call)) return *v;
    check_builtin_arguments(n, args);
    if (auto v = number_builtin(n, args, at)) return *v;
    if (auto v = sequence_builtin(n, args, at)) return *v;
    if (auto v = object_builtin(n, args, call, f)) return *v;
    for (const char* rnn_utils : {"nn.utils.rnn.", "torch.nn.utils.rnn."})
      if (n.rfind(rnn_utils, 0) == 0) packed_sequences(n.substr(std::strlen(rnn_utils)), at);
    raise(at, "unknown function `" + n + "`",
          "netshape reads only the file's own functions, builtins, torch.nn and math; compute "
          "the value in the file, or pass it with --arg");
  }

  // torch.hstack, vstack (row_stack), dstack and column_stack, as ATen writes them: each tensor
  // made at least 1-, 2- or 3-D (at::atleast_Nd: `unsqueeze` rows; column_stack makes a 0- or
  // 1-D one a column), then `cat` along dim 0 (hstack of 1-D tensors, vstack), 1 (hstack,
  // column_stack) or 2 (dstack), with cat's errors.
  PyValue stacked(const std::string& fn, const Args& args, const Expr& call) {
    Span at = call.span;
    for (size_t i = 0; i < args.keywords.size(); ++i)
      if (!args.keywords[i].empty() && args.keywords[i] != "tensors")
        raise(args.spans[i],
              fmt::format("{}() got an unexpected keyword argument '{}'", fn, args.keywords[i]),
              fmt::format("torch.{} joins along its own dim: give the tensors alone", fn));
    if (args.values.size() != 1)
      raise(
          at,
          fmt::format("{}() takes 1 positional argument but {} were given", fn, args.values.size()),
          fmt::format("give the tensors as one list: torch.{}([a, b])", fn));
    const PyValue& list = args.values[0];
    if (list.kind != PyValue::Kind::List && list.kind != PyValue::Kind::Tuple)
      raise(args.spans[0],
            fmt::format("{}(): argument 'tensors' (position 1) must be tuple of Tensors, not {}",
                        fn, parser_type(list)),
            fmt::format("give the tensors as one list: torch.{}([a, b])", fn));
    PyList tensors = iterate(list, at);
    if (tensors.empty())
      raise_torch(at, fmt::format("{} expects a non-empty TensorList", fn),
                  "give it at least one tensor");
    PyList shaped;
    for (const PyValue& t : tensors) {
      if (t.kind != PyValue::Kind::Tensor)
        unsupported_here(at, fmt::format("torch.{} of {}", fn, describe(t)),
                         "give it tensors of forward");
      shaped.push_back(at_least(fn, t, at));
    }
    size_t first_rank = shape_now(shaped[0].name, at).size();
    int64_t dim = fn == "dstack"         ? 2
                  : fn == "hstack"       ? (first_rank == 1 ? 0 : 1)
                  : fn == "column_stack" ? 1
                                         : 0;
    Args joined;
    joined.add(make_tuple(std::move(shaped)), args.spans[0], args.exprs[0]);
    joined.values.push_back(data_int(dim, at));
    joined.keywords.push_back("dim");
    joined.spans.push_back(at);
    joined.exprs.push_back(&call);
    return *torch_function("torch.cat", joined, call);
  }

  // A tensor of `fn`'s stack made at least as many dims as it joins (at::atleast_1d, 2d, 3d;
  // column_stack: a 0- or 1-D tensor as a column), with unsqueeze rows.
  PyValue at_least(const std::string& fn, PyValue t, Span at) {
    size_t rank = shape_now(t.name, at).size();
    std::vector<int64_t> dims;  // unsqueezed in order
    if (fn == "hstack" && rank == 0) dims = {0};
    if ((fn == "vstack" || fn == "row_stack") && rank < 2)
      dims = rank == 0 ? std::vector<int64_t>{0, 0} : std::vector<int64_t>{0};
    if (fn == "dstack")
      dims = rank == 0   ? std::vector<int64_t>{0, 0, 0}
             : rank == 1 ? std::vector<int64_t>{0, 2}
             : rank == 2 ? std::vector<int64_t>{2}
                         : std::vector<int64_t>{};
    if (fn == "column_stack" && rank < 2)
      dims = rank == 0 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{1};
    for (int64_t d : dims) t = tensor_statement("unsqueeze", t, {int_value(d, at)}, at);
    return t;
  }

  // torch.finfo(dtype) / torch.iinfo(dtype): the limits of a number type, read by field
  // (`.min`, `.max`, `.eps`, `.tiny`, `.bits`, ...), as PyTorch 1.13 gives them; attention
  // masks fill with `torch.finfo(scores.dtype).min`. finfo() is the default dtype's.
  PyValue number_type_info(const std::string& fn, const Args& args, const Expr& call) {
    Span at = call.span;
    const PyValue* type = nullptr;
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i].empty()) ++positional;
      if (args.keywords[i].empty() || args.keywords[i] == "type") type = &args.values[i];
    }
    if (positional > 1 || (args.values.size() > 1 && positional == 1))
      raise(at,
            fn == "iinfo" ? fmt::format("iinfo() takes 1 positional argument but {} were given",
                                        args.values.size())
                          : "finfo() received an invalid combination of arguments",
            fmt::format("torch.{} takes one dtype: torch.{}(x.dtype)", fn, fn));
    if (!type && (fn == "iinfo" || !args.values.empty()))
      raise(at, fmt::format("{}() missing 1 required positional arguments: \"type\"", fn),
            fmt::format("give the dtype: torch.{}(x.dtype)", fn));
    std::optional<ElementType> element = ElementType::Float32;
    if (type) {
      element = type->kind == PyValue::Kind::Builtin && !type->method_self
                    ? element_type_named(type->name)
                    : std::nullopt;
      if (!element)
        raise(at,
              fmt::format("{}(): argument 'type' (position 1) must be torch.dtype, not {}", fn,
                          parser_type(*type)),
              fmt::format("give a dtype: torch.{}(x.dtype)", fn));
    }
    return fn == "finfo" ? float_info(*element, at) : integer_info(*element, at);
  }

  static PyValue number_type(const char* name, std::vector<std::string> fields,
                             std::vector<PyValue> values) {
    PyValue info;
    info.kind = PyValue::Kind::Opaque;
    info.name = name;
    info.keywords = std::move(fields);
    info.items = std::move(values);
    return info;
  }

  PyValue float_info(ElementType type, Span at) {
    const NumberLimits* l = float_limits(type);
    if (!l)
      raise(at,
            "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
            "'torch.finfo'",
            "an integer type's limits are torch.iinfo's");
    auto number = [&](double v) { return PyValue::of(Value::floating(v, at)); };
    return number_type(
        "torch.finfo",
        {"bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"},
        {data_int(l->bits, at), number(l->eps), number(l->max), number(-l->max), number(l->tiny),
         number(l->tiny), number(l->resolution), data_str(l->dtype, at)});
  }

  PyValue integer_info(ElementType type, Span at) {
    if (type == ElementType::Bool)
      raise(at, "torch.bool is not supported by torch.iinfo", "give an integer dtype");
    const NumberLimits* l = number_limits(type);
    if (!l || l->floating)
      raise(at,
            "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
            "'torch.iinfo'",
            "a floating type's limits are torch.finfo's");
    return number_type("torch.iinfo", {"bits", "max", "min", "dtype"},
                       {data_int(l->bits, at), data_int(l->int_max, at), data_int(l->int_min, at),
                        data_str(l->dtype, at)});
  }

  // A field of torch.finfo or torch.iinfo (number_type_info).
  static PyValue number_type_field(const PyValue& info, const std::string& name, Span at) {
    for (size_t i = 0; i < info.keywords.size(); ++i)
      if (info.keywords[i] == name) {
        PyValue v = info.items[i];
        v.data.span = at;
        return v;
      }
    raise(at, fmt::format("'{}' object has no attribute '{}'", info.name, name),
          fmt::format("its fields are `.{}`", fmt::join(info.keywords, "`, `.")));
  }

  // torch.nn.utils.rnn's packed sequences: a PackedSequence's lengths are values, which netshape
  // does not follow. The padded batch has the shapes that matter.
  [[noreturn]] static void packed_sequences(const std::string& name, Span at) {
    unsupported_here(at, fmt::format("torch.nn.utils.rnn.{} (packed sequences)", name),
                     "netshape follows padded batches: give the RNN the padded tensor itself (h_n "
                     "has the same shape; pad_packed_sequence's output is as long as the longest "
                     "sequence)");
  }

  // The arguments a builtin of number_builtin and sequence_builtin takes, as netshape follows
  // them: at most `positional` (SIZE_MAX: any number), the keyword `second` only as the second
  // argument (`round(x, ndigits=2)`), `anywhere` after the positional ones (`sorted(reverse=)`).
  // Anything else (`sorted(key=...)`, `int(s, 16)`, `min(key=...)`) is refused, not misread.
  struct BuiltinArguments {
    std::string_view name;
    size_t positional;
    std::string_view second = {};
    std::string_view anywhere = {};
  };
  static void check_builtin_arguments(const std::string& n, const Args& args) {
    static constexpr BuiltinArguments kArguments[] = {{"int", 1},
                                                      {"float", 1},
                                                      {"bool", 1},
                                                      {"str", 1},
                                                      {"abs", 1},
                                                      {"round", 2, "ndigits"},
                                                      {"min", SIZE_MAX},
                                                      {"max", SIZE_MAX},
                                                      {"sum", 2, "start"},
                                                      {"pow", 2},
                                                      {"divmod", 2},
                                                      {"math.ceil", 1},
                                                      {"math.floor", 1},
                                                      {"math.sqrt", 1},
                                                      {"math.log", 2},
                                                      {"math.log2", 1},
                                                      {"math.log10", 1},
                                                      {"math.exp", 1},
                                                      {"math.cos", 1},
                                                      {"math.sin", 1},
                                                      {"math.tan", 1},
                                                      {"math.pow", 2},
                                                      {"math.gcd", SIZE_MAX},
                                                      {"math.prod", 1, "", "start"},
                                                      {"numpy.prod", 1},
                                                      {"range", 3},
                                                      {"len", 1},
                                                      {"set", 1},
                                                      {"frozenset", 1},
                                                      {"list", 1},
                                                      {"tuple", 1},
                                                      {"zip", SIZE_MAX},
                                                      {"enumerate", 2, "start"},
                                                      {"reversed", 1},
                                                      {"sorted", 1, "", "reverse"},
                                                      {"any", 1},
                                                      {"all", 1}};
    for (const BuiltinArguments& b : kArguments) {
      if (b.name != n) continue;
      size_t positional = 0;
      for (size_t i = 0; i < args.values.size(); ++i) {
        const std::string& k = args.keywords[i];
        bool fits = k.empty()
                        ? ++positional <= b.positional
                        : (i == 1 && k == b.second) || (!b.anywhere.empty() && k == b.anywhere);
        if (!fits)
          unsupported_here(args.spans[i],
                           k.empty() ? fmt::format("this many arguments of `{}()`", n)
                                     : fmt::format("`{}=` of `{}()`", k, n),
                           "compute the value in the file, or pass it with --arg");
      }
      return;
    }
  }

  // round(x, ndigits) as Python computes it: an int stays an int (rounded half to even to
  // 10**-ndigits when that is negative); a float is rounded from its exact binary value, as
  // Python's correctly rounded repr does (round(2.675, 2) is 2.67), which printf's %.*f does too.
  PyValue round_digits(const PyValue& value, const PyValue& digits, Span at) {
    int64_t nd = int_of(digits, at);
    if (!value.is(Value::Kind::Float)) {
      int64_t x = int_of(value, at);
      if (nd >= 0) return data_int(x, at);
      if (nd < -18) return data_int(0, at);
      int64_t unit = 1;
      for (int64_t i = 0; i < -nd; ++i) unit *= 10;
      int64_t q = x / unit, r = x % unit;  // x = q * unit + r with 0 <= r < unit (floor)
      if (r < 0) {
        --q;
        r += unit;
      }
      if (2 * r > unit || (2 * r == unit && q % 2 != 0)) ++q;  // to the nearest, ties to even
      __int128 rounded = static_cast<__int128>(q) * unit;
      if (rounded > INT64_MAX || rounded < INT64_MIN) raise(at, "round() overflow");
      return data_int(static_cast<int64_t>(rounded), at);
    }
    double x = value.data.f;
    if (!std::isfinite(x) || nd > 323) return PyValue::of(Value::floating(x, at));
    if (nd < 0)
      unsupported_here(at, "round() of a float to a negative number of digits",
                       "round an int instead: `round(int(x), -2)`");
    // as long as the digits need (1e308 to 323 places is 633 characters), never cut short
    int length = std::snprintf(nullptr, 0, "%.*f", static_cast<int>(nd), x);
    std::string text(static_cast<size_t>(length) + 1, '\0');
    std::snprintf(text.data(), text.size(), "%.*f", static_cast<int>(nd), x);
    return PyValue::of(Value::floating(std::strtod(text.c_str(), nullptr), at));
  }

  // Python's float() of a string: a decimal number, inf, infinity or nan (any case, a sign,
  // spaces around), else its ValueError.
  static double parse_float(const std::string& text, Span at) {
    size_t begin = text.find_first_not_of(" \t\n"), end = text.find_last_not_of(" \t\n");
    std::string s = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool negative = !lower.empty() && lower[0] == '-';
    std::string bare =
        !lower.empty() && (lower[0] == '-' || lower[0] == '+') ? lower.substr(1) : lower;
    if (bare == "inf" || bare == "infinity")
      return negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
    if (bare == "nan") return std::numeric_limits<double>::quiet_NaN();
    double v = 0.0;
    auto [ptr, ec] = std::from_chars(bare.data(), bare.data() + bare.size(), v);
    if (bare.empty() || ec != std::errc() || ptr != bare.data() + bare.size() ||
        !(std::isdigit(static_cast<unsigned char>(bare[0])) || bare[0] == '.'))
      raise(at, fmt::format("could not convert string to float: '{}'", text));
    return negative ? -v : v;
  }

  // int, float, bool, str, abs, round, min, max, sum, math.*: nullopt for another name.
  std::optional<PyValue> number_builtin(const std::string& n, Args& args, Span at) {
    auto arg = [&](size_t i) -> const PyValue& {
      if (i >= args.values.size()) raise(at, n + "() needs more arguments");
      return args.values[i];
    };
    if ((n == "int" || n == "float" || n == "bool") && !args.values.empty() &&
        arg(0).kind == PyValue::Kind::Values)
      return values_number(n, *arg(0).values, at);
    if (n == "int") {
      const PyValue& v = arg(0);
      if (v.is(Value::Kind::Float)) {
        if (!std::isfinite(v.data.f) || std::fabs(v.data.f) > 9.2e18) raise(at, "int() overflow");
        return data_int(static_cast<int64_t>(v.data.f), at);  // toward zero, as Python
      }
      if (v.is(Value::Kind::Bool)) return data_int(v.data.b ? 1 : 0, at);
      if (v.is(Value::Kind::String)) return data_int(parse_int(v.data.s, at), at);
      return data_int(int_of(v, at), at);
    }
    if (n == "float" && arg(0).is(Value::Kind::String))
      return PyValue::of(Value::floating(parse_float(std::string(arg(0).data.s), at), at));
    if (n == "float") return PyValue::of(Value::floating(number_of(arg(0), at), at));
    if (n == "bool") return data_bool(truthy(arg(0), at), at);
    if (n == "str") return data_str(args.values.empty() ? "" : plain_text(arg(0), at), at);
    if (n == "min" || n == "max" || n == "sum") return fold(n, args, at);
    if (n == "abs") {
      const PyValue& v = arg(0);
      if (v.is(Value::Kind::Float)) return PyValue::of(Value::floating(std::fabs(v.data.f), at));
      int64_t x = int_of(v, at);
      if (x == INT64_MIN) raise(at, "integer overflow in abs()");
      return data_int(x < 0 ? -x : x, at);
    }
    if (n == "round") {
      if (args.values.size() > 1 && !arg(1).is_none()) return round_digits(arg(0), arg(1), at);
      double x = number_of(arg(0), at);
      double r = std::nearbyint(x);  // banker's rounding, as Python (FE_TONEAREST)
      if (!std::isfinite(r) || std::fabs(r) > 9.2e18) raise(at, "round() overflow");
      return data_int(static_cast<int64_t>(r), at);
    }
    if (n == "pow" || n == "math.pow") {  // math.pow is float's; pow an int's for ints
      if (n == "pow") return binary("**", arg(0), arg(1), at);
      double r = std::pow(number_of(arg(0), at), number_of(arg(1), at));
      if (std::isnan(r)) raise(at, "math domain error");
      if (std::isinf(r)) raise(at, "math range error");
      return PyValue::of(Value::floating(r, at));
    }
    if (n == "divmod")
      return make_tuple({binary("//", arg(0), arg(1), at), binary("%", arg(0), arg(1), at)});
    if (n == "math.gcd") {
      int64_t g = 0;
      for (const PyValue& v : args.values) {
        int64_t x = int_of(v, at);
        if (x == INT64_MIN) raise(at, "math.gcd() overflow");
        g = std::gcd(g, x < 0 ? -x : x);
      }
      return data_int(g, at);
    }
    if (n == "math.prod") {
      PyValue product = args.values.size() > 1 ? arg(1) : data_int(1, at);
      for (const PyValue& v : iterate(arg(0), at)) product = binary("*", product, v, at);
      return product;
    }
    // np.prod of ints or floats (a tensor's sizes too): their product, 1.0 (a float) of none, a
    // number itself. numpy's int64 wraps on overflow; here an overflow is an error.
    if (n == "numpy.linspace") return numpy_linspace_of(args, at);
    if (n == "numpy.prod") {
      auto number = [](const PyValue& v) { return is_number(v) || v.is(Value::Kind::DimRef); };
      const PyValue& a = arg(0);
      if (number(a)) return a.is(Value::Kind::Bool) ? data_int(a.data.b ? 1 : 0, at) : a;
      PyValue product;
      bool first = true;
      for (const PyValue& v : iterate(a, at)) {  // a list, a tuple, a tensor's shape
        if (!number(v)) raise(at, "netshape follows np.prod of numbers only");
        product = first ? v : binary("*", product, v, at);
        first = false;
      }
      if (first) return PyValue::of(Value::floating(1.0, at));
      if (product.is(Value::Kind::Bool)) return data_int(product.data.b ? 1 : 0, at);
      return product;
    }
    if (n == "math.ceil" || n == "math.floor") {
      double x = number_of(arg(0), at);
      double r = n == "math.ceil" ? std::ceil(x) : std::floor(x);
      if (!std::isfinite(r) || std::fabs(r) > 9.2e18) raise(at, n + "() overflow");
      return data_int(static_cast<int64_t>(r), at);
    }
    if (n == "math.sqrt" || n == "math.log" || n == "math.log2" || n == "math.log10" ||
        n == "math.exp") {
      double x = number_of(arg(0), at);
      bool logarithm = n != "math.sqrt" && n != "math.exp";
      if ((logarithm && x <= 0) || (n == "math.sqrt" && x < 0)) raise(at, "math domain error");
      double r = n == "math.sqrt"    ? std::sqrt(x)
                 : n == "math.log"   ? std::log(x)
                 : n == "math.log2"  ? std::log2(x)
                 : n == "math.log10" ? std::log10(x)
                                     : std::exp(x);
      if (n == "math.log" && args.values.size() > 1) {  // log(x) / log(base), as Python divides
        double base = number_of(arg(1), at);
        if (base <= 0) raise(at, "math domain error");
        if (base == 1) raise(at, "float division by zero");
        r /= std::log(base);
      }
      if (n == "math.exp" && std::isinf(r) && std::isfinite(x)) raise(at, "math range error");
      return PyValue::of(Value::floating(r, at));
    }
    if (n == "math.cos" || n == "math.sin" || n == "math.tan") {  // ArcFace's cos(m), sin(m)
      double x = number_of(arg(0), at);
      if (std::isinf(x)) raise(at, "math domain error");
      return PyValue::of(Value::floating(n == "math.cos"   ? std::cos(x)
                                         : n == "math.sin" ? std::sin(x)
                                                           : std::tan(x),
                                         at));
    }
    return std::nullopt;
  }

  // range, len, list, tuple, dict, zip, enumerate, reversed, sorted, any, all.
  std::optional<PyValue> sequence_builtin(const std::string& n, Args& args, Span at) {
    auto arg = [&](size_t i) -> const PyValue& {
      if (i >= args.values.size()) raise(at, n + "() needs more arguments");
      return args.values[i];
    };
    if (n == "range") {
      int64_t r[3] = {0, 0, 1};
      if (args.values.size() == 1) {
        r[1] = int_of(arg(0), at);
      } else {
        for (size_t i = 0; i < args.values.size() && i < 3; ++i) r[i] = int_of(arg(i), at);
      }
      if (r[2] == 0) raise(at, "range() arg 3 must not be zero");
      PyValue p;
      p.kind = PyValue::Kind::Range;
      std::copy(r, r + 3, p.range);
      return p;
    }
    if (n == "len") {
      if (is_iterator(arg(0)))
        raise(at, fmt::format("object of type '{}' has no len()", arg(0).name));
      if (const Instance* inst = parameter_container(arg(0)))  // without reading the entries
        return data_int(static_cast<int64_t>(inst->order.size()), at);
      if (forward_ && is_layer_tensor(arg(0))) {  // `len(self.fc.weight)`: its first size
        Sizes sizes = layer_weight_sizes(*arg(0).method_self, arg(0).name, at);
        args.values[0] = made_of(sizes, ElementType::Float32, at);
      }
      if (arg(0).kind == PyValue::Kind::Values && arg(0).values->scalar)
        raise(at, "len() of a 0-d tensor");
      if (arg(0).kind == PyValue::Kind::Made) {  // its first size
        if (arg(0).items.empty()) raise_torch(at, "len() of a 0-d tensor");
        return arg(0).items[0];
      }
      if (arg(0).kind == PyValue::Kind::Tensor) {  // len(x) in forward is x.size(0)
        if (shape_now(arg(0).name, at).empty())
          torch_error(arg(0), at, "len() of a 0-d tensor", "a 0-dim tensor has no length");
        return size_ref(arg(0).name, 0, at);
      }
      return data_int(static_cast<int64_t>(any_order(arg(0), at).size()), at);
    }
    if (n == "set" || n == "frozenset")
      return make_set(args.values.empty() ? PyList{} : any_order(arg(0), at), at);
    if (n == "list" || n == "tuple") {
      if (!args.values.empty() && is_unfollowed_parameters(arg(0))) return arg(0);  // still so
      PyList items = args.values.empty() ? PyList{} : iterate(arg(0), at);
      return n == "list" ? make_list(std::move(items)) : make_tuple(std::move(items));
    }
    // typing.OrderedDict, called, makes a collections.OrderedDict (torchvision's maxvit)
    if (n == "dict" || n == "OrderedDict" || n == "collections.OrderedDict" ||
        n == "typing.OrderedDict") {
      PyValue d;
      d.kind = PyValue::Kind::Dict;
      d.dict = new_dict();
      if (n != "dict") d.name = "OrderedDict";  // what nn.Sequential takes as named children
      for (size_t i = 0; i < args.values.size(); ++i) {
        if (!args.keywords[i].empty()) {
          dict_set(*d.dict, data_str(args.keywords[i], at), args.values[i]);
          continue;
        }
        const PyValue& src = args.values[i];
        if (src.kind == PyValue::Kind::Dict) {
          for (const auto& [k, v] : *src.dict) dict_set(*d.dict, k, v);
          continue;
        }
        for (const PyValue& pair : iterate(src, at)) {
          PyList kv = iterate(pair, at);
          if (kv.size() != 2) raise(at, n + "() needs (key, value) pairs");
          dict_set(*d.dict, kv[0], kv[1]);
        }
      }
      return d;
    }
    if (n == "zip") {
      // Each round takes an item from each argument in turn, and the first exhausted ends it: of
      // an iterator given, only as many are taken (`zip(gen, "abc")` takes 4 of gen, the last
      // lost), the rest left in it.
      std::vector<PyList> lists;
      for (const PyValue& v : args.values)
        lists.push_back(is_iterator(v) ? PyList{} : iterate(v, at));
      PyList out;
      for (size_t i = 0; !args.values.empty(); ++i) {
        PyList row;
        for (size_t k = 0; k < args.values.size() && row.size() == k; ++k) {
          if (is_iterator(args.values[k])) {
            if (std::optional<PyValue> item = next_item(args.values[k], at)) row.push_back(*item);
          } else if (i < lists[k].size()) {
            row.push_back(lists[k][i]);
          }
        }
        if (row.size() < args.values.size()) break;
        out.push_back(make_tuple(std::move(row)));
      }
      return make_iterator(std::move(out), "zip");
    }
    if (n == "enumerate") {
      int64_t start = args.values.size() > 1 ? int_of(arg(1), at) : 0;
      PyList out;
      for (PyValue& v : iterate(arg(0), at)) out.push_back(make_tuple({data_int(start++, at), v}));
      return make_iterator(std::move(out), "enumerate");
    }
    if (n == "reversed" || n == "sorted") {
      PyList items = n == "sorted" ? any_order(arg(0), at) : iterate(arg(0), at);
      const PyValue* reverse = n == "sorted" ? argument(args, SIZE_MAX, "reverse") : nullptr;
      bool descending = reverse && truthy(*reverse, at);
      if (n == "reversed") {
        std::reverse(items.begin(), items.end());
        return make_iterator(std::move(items), arg(0).kind == PyValue::Kind::List
                                                   ? "list_reverseiterator"
                                                   : "reversed");
      } else {  // equal items keep their order either way, as Python's sort does
        std::stable_sort(items.begin(), items.end(), [&](const PyValue& a, const PyValue& b) {
          return descending ? less(b, a, at) : less(a, b, at);
        });
      }
      return make_list(std::move(items));
    }
    if (n == "any" || n == "all") {  // stops at the first item that decides, as Python's
      bool any = n == "any";
      if (is_iterator(arg(0))) {
        while (std::optional<PyValue> v = next_item(arg(0), at))
          if (truthy(*v, at) == any) return data_bool(any, at);
        return data_bool(!any, at);
      }
      for (const PyValue& v : iterate(arg(0), at))
        if (truthy(v, at) == any) return data_bool(any, at);
      return data_bool(!any, at);
    }
    return std::nullopt;
  }

  // map(fn, a, b, ...): fn of the items at each position, up to the shortest iterable, all called
  // at once (as unpacking `q, k, v = map(...)` consumes them), as a list (as zip's is).
  PyValue map_builtin(Args& args, const Expr& call, Frame& f) {
    for (const std::string& k : args.keywords)
      if (!k.empty()) raise(call.span, "map() takes no keyword arguments");
    if (args.values.size() < 2) raise(call.span, "map() must have at least two arguments.");
    std::vector<PyList> lists;
    size_t shortest = SIZE_MAX;
    for (size_t i = 1; i < args.values.size(); ++i) {
      lists.push_back(iterate(args.values[i], call.span));
      shortest = std::min(shortest, lists.back().size());
    }
    PyList out;
    for (size_t k = 0; k < shortest; ++k) {
      Args one;
      for (const PyList& l : lists) {
        one.add(l[k], call.span, &call);
      }
      out.push_back(call_value(args.values[0], one, call, f));
    }
    return make_iterator(std::move(out), "map");
  }

  // functools.reduce(function, iterable[, initial]): the function of the running value and each
  // item, left to right (`reduce(operator.mul, x.shape[1:])`), with Python 3.11's TypeErrors.
  PyValue reduce_builtin(Args& args, const Expr& call, Frame& f) {
    for (const std::string& k : args.keywords)
      if (!k.empty()) raise(call.span, "reduce() takes no keyword arguments");
    size_t n = args.values.size();
    if (n < 2) raise(call.span, fmt::format("reduce expected at least 2 arguments, got {}", n));
    if (n > 3) raise(call.span, fmt::format("reduce expected at most 3 arguments, got {}", n));
    PyList items = iterate(args.values[1], call.span);
    if (items.empty() && n == 2)
      raise(call.span, "reduce() of empty iterable with no initial value");
    size_t next = n == 3 ? 0 : 1;
    PyValue value = n == 3 ? args.values[2] : items[0];
    for (; next < items.size(); ++next) {
      Args two;
      for (const PyValue* v : {&value, &items[next]}) {
        two.add(*v, call.span, &call);
      }
      value = call_value(args.values[0], two, call, f);
    }
    return value;
  }

  // The operator module's functions of two values (`operator.mul`, `from operator import add`):
  // the operator itself.
  PyValue operator_function(const std::string& name, const Args& args, Span at) {
    static const std::map<std::string, std::string> kOperators = {
        {"add", "+"},       {"sub", "-"}, {"mul", "*"},  {"truediv", "/"},
        {"floordiv", "//"}, {"mod", "%"}, {"pow", "**"}, {"matmul", "@"}};
    auto it = kOperators.find(name);
    if (it == kOperators.end())
      unsupported_here(at, "`operator." + name + "`",
                       "netshape reads operator.add, sub, mul, truediv, floordiv, mod, pow and "
                       "matmul");
    for (const std::string& k : args.keywords)
      if (!k.empty()) raise(at, name + "() takes no keyword arguments");
    if (args.values.size() != 2)
      raise(at, fmt::format("{} expected 2 arguments, got {}", name, args.values.size()));
    return binary(it->second, args.values[0], args.values[1], at);
  }

  // isinstance, getattr and kin, functools.partial, typing, copy, super.
  std::optional<PyValue> object_builtin(const std::string& n, Args& args, const Expr& call,
                                        Frame& f) {
    Span at = call.span;
    auto arg = [&](size_t i) -> const PyValue& {
      if (i >= args.values.size()) raise(at, n + "() needs more arguments");
      return args.values[i];
    };
    if (n == "isinstance") return data_bool(is_instance(arg(0), arg(1), at), at);
    if (n == "map") return map_builtin(args, call, f);
    if (n == "functools.reduce" || n == "reduce") return reduce_builtin(args, call, f);
    if (n.starts_with("operator.")) return operator_function(n.substr(9), args, at);
    if (n == "hasattr" || n == "getattr") return attribute_by_name(n, args, call, f);
    if (n == "delattr") {
      delete_attribute(arg(0), text_of(arg(1)), at);
      return PyValue::none(at);
    }
    if (n == "setattr") {
      set_attribute(arg(0), text_of(arg(1)), arg(2), at);
      return PyValue::none(at);
    }
    if (n == "functools.partial" || n == "partial") {
      PyValue p;
      p.kind = PyValue::Kind::Partial;
      p.items = args.values;
      p.keywords.assign(args.keywords.begin() + (args.keywords.empty() ? 0 : 1),
                        args.keywords.end());
      return p;
    }
    if (n == "typing.cast") return arg(1);                 // cast(T, v) is v
    if (n == "iter" && !is_unfollowed_parameters(arg(0)))  // an iterator over a copy of it
      return is_iterator(arg(0)) ? arg(0) : make_iterator(iterate(arg(0), at), "list_iterator");
    if (n == "next" && is_iterator(arg(0))) {  // its next item, or the default, or StopIteration
      if (std::optional<PyValue> v = next_item(arg(0), at)) return *v;
      if (args.values.size() > 1) return args.values[1];
      raise(at, "StopIteration", "the iterator is exhausted: give next() a default");
    }
    if (n == "iter" || n == "next") return parameters_iterator(n, arg(0), at);
    if (n == "type") return type_of(arg(0));
    std::set<int> seen;  // a config object of the file's is copied as before
    if (n == "copy.copy" && arg(0).kind == PyValue::Kind::Module &&
        holds_weights(*arg(0).module, seen)) {
      unsupported_here(call.span, "copy.copy of a module (the copy shares its parameters)",
                       "use copy.deepcopy for a module with parameters of its own, or apply the "
                       "same module twice");
    }
    if (n == "copy.copy" || n == "copy.deepcopy") return copied(arg(0), n == "copy.deepcopy", at);
    if (n.rfind("typing.", 0) == 0) {
      PyValue p;
      p.kind = PyValue::Kind::Opaque;
      p.name = n;
      return p;
    }
    if (n == "super") {
      PyValue s = PyValue::builtin("super");
      return s;
    }
    return std::nullopt;
  }

  // copy.copy / copy.deepcopy: a new container or a new object with the same attributes (the
  // values inside are plain data or modules nobody changes in place).
  PyValue copied(const PyValue& v, bool deep, Span at) {
    if (deep) refuse_deep_copy_of_shared(v, at);
    std::map<int, int> ids;
    std::map<int, int> made_ids;
    if (deep) return deep_copied(v, ids, made_ids, 0);
    PyValue c = v;
    if (v.kind == PyValue::Kind::List) c.list = new_list(*v.list);
    if (v.kind == PyValue::Kind::Dict) c.dict = new_dict(*v.dict);
    if (v.kind == PyValue::Kind::Module)
      c.module = std::make_shared<ModuleDef>(deep_copy(*v.module, ids, made_ids));
    return c;
  }

  // copy.deepcopy of a value: the modules in a list, tuple or dict are new ones too (a module in
  // it twice, one new module: `ids` is deepcopy's memo), whose parameters model.parameters()
  // counts again.
  PyValue deep_copied(const PyValue& v, std::map<int, int>& ids, std::map<int, int>& made_ids,
                      int depth) {
    if (depth > 64) return v;  // a list that holds itself: left as it is
    PyValue c = v;
    if (v.kind == PyValue::Kind::Module) {
      c.module = std::make_shared<ModuleDef>(deep_copy(*v.module, ids, made_ids));
    } else if (v.kind == PyValue::Kind::List) {
      PyList items;
      for (const PyValue& item : *v.list)
        items.push_back(deep_copied(item, ids, made_ids, depth + 1));
      c.list = new_list(std::move(items));
    } else if (v.kind == PyValue::Kind::Dict) {
      PyDict entries;
      for (const auto& [key, value] : *v.dict)
        entries.emplace_back(key, deep_copied(value, ids, made_ids, depth + 1));
      c.dict = new_dict(std::move(entries));
    } else if (v.kind == PyValue::Kind::Tuple) {
      for (PyValue& item : c.items) item = deep_copied(item, ids, made_ids, depth + 1);
    }
    return c;
  }

  // A layer under weight_norm holds its rebuilt weight, a tensor autograd computed, which
  // copy.deepcopy refuses (PyTorch 1.13), in the layer or in any module around it; a layer whose
  // weight is tied to another's is refused by netshape. In a value deepcopy copies: a module, or
  // one in a list, tuple or dict, at any depth.
  void refuse_deep_copy_of_shared(const PyValue& v, Span at, int depth = 0) {
    if (depth > 64) return;  // a list that holds itself
    if (v.kind == PyValue::Kind::Module) return refuse_deep_copy_of_shared(*v.module, at);
    for (const PyValue& item : v.items) refuse_deep_copy_of_shared(item, at, depth + 1);
    if (v.list)
      for (const PyValue& item : *v.list) refuse_deep_copy_of_shared(item, at, depth + 1);
    if (v.dict)
      for (const auto& [key, value] : *v.dict) refuse_deep_copy_of_shared(value, at, depth + 1);
  }
  void refuse_deep_copy_of_shared(const ModuleDef& m, Span at) {
    std::set<int> seen;
    std::function<void(const ModuleDef&)> visit = [&](const ModuleDef& d) {
      if (!seen.insert(d.id).second) return;
      // a tied tensor stays shared in the copy only when its other layer is copied too
      // (deepcopy's memo): which layer of the copy then counts it is not followed
      if (tied_elements_.count(d.id))
        unsupported_here(at, "copy.deepcopy of a layer whose weight is tied to another's",
                         "tie the copies' weights after copying");
      auto normed = normed_weights_.find(d.id);
      if (normed != normed_weights_.end() &&
          normed->second.kind == StatementExtras::NormedWeight::Kind::weight_norm)
        raise_torch(at,
                    "Only Tensors created explicitly by the user (graph leaves) support the "
                    "deepcopy protocol at the moment",
                    "deep-copy the layer before weight_norm, and apply weight_norm to each copy");
      for (const ModuleChild& c : d.children) visit(c.def);
      if (!d.instance) return;
      if (d.instance->layer_base) visit(*d.instance->layer_base);
      for (const auto& [name, child] : d.instance->modules) visit(child);
    };
    visit(m);
  }

  // copy.deepcopy of a module: new modules all the way down, with new identities; a module
  // shared inside the original is shared inside the copy (`ids` maps old to new, as deepcopy's
  // memo does).
  // Its tensors made in __init__ (nn.Parameters, buffers) are new ones too (`made_ids`): the copy
  // has parameters of its own, which model.parameters() counts again.
  ModuleDef deep_copy(const ModuleDef& m, std::map<int, int>& ids, std::map<int, int>& made_ids) {
    ModuleDef c = m;
    auto [it, fresh] = ids.emplace(m.id, g_next_module_id);
    if (fresh) ++g_next_module_id;
    c.id = it->second;
    c.module_index = -1;
    if (frozen_layers_.count(m.id)) frozen_layers_.insert(c.id);  // deepcopy copies requires_grad
    if (auto set = set_after_build_.find(m.id); set != set_after_build_.end())
      set_after_build_[c.id] = std::vector<Arg>(set->second);  // and attributes set since
    if (auto normed = normed_weights_.find(m.id); normed != normed_weights_.end())
      normed_weights_.emplace(c.id, normed->second);  // and the new parameters and the hook
    for (ModuleChild& child : c.children) child.def = deep_copy(child.def, ids, made_ids);
    if (m.instance) {
      c.instance = new_instance(Span{});
      *c.instance = *m.instance;
      for (auto& [name, def] : c.instance->modules) def = deep_copy(def, ids, made_ids);
      for (auto& [name, value] : c.instance->values) {
        if (value->kind != PyValue::Kind::Made) continue;
        auto copy = std::make_shared<PyValue>(*value);
        auto [made, fresh_made] = made_ids.emplace(value->made, next_made_);
        if (fresh_made) ++next_made_;
        copy->made = made->second;
        if (frozen_made_.count(value->made)) frozen_made_.insert(copy->made);
        value = std::move(copy);
      }
    }
    return c;
  }

  // Names model files test for with `hasattr(F, ...)` that PyTorch 1.13 does not have (2.0 and
  // later added them): the branch for an older PyTorch is the one 1.13 takes.
  static constexpr std::string_view kAddedAfter113[] = {"F.scaled_dot_product_attention",
                                                        "torch.compile",
                                                        "nn.RMSNorm",
                                                        "F.rms_norm",
                                                        "nn.Buffer",
                                                        "nn.ZeroPad1d",
                                                        "nn.ZeroPad3d",
                                                        "nn.CircularPad1d",
                                                        "nn.CircularPad2d",
                                                        "nn.CircularPad3d"};

  // The fix for a layer PyTorch added after 1.13, written with what 1.13 has.
  static std::string later_layer_help(const std::string& n) {
    if (n == "nn.RMSNorm")
      return "PyTorch 2.4 added it; PyTorch 1.13 has no nn.RMSNorm: write it as a module, "
             "`x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * self.weight`";
    if (n == "nn.ZeroPad1d" || n == "nn.ZeroPad3d")
      return fmt::format("PyTorch 2.1 added it; PyTorch 1.13 has nn.ConstantPad{}(padding, 0.0)",
                         n.substr(10, 2));
    if (n.rfind("nn.CircularPad", 0) == 0)
      return "PyTorch 2.1 added it; PyTorch 1.13 pads circularly with F.pad(x, pad, "
             "mode='circular')";
    return "PyTorch 2.0 or later added it; PyTorch 1.13 has no such layer";
  }

  // Whether PyTorch 1.13's torch, torch.nn or torch.nn.functional (`ns`) has `name`, where
  // netshape knows (its layers and functions, and the later additions above); refused otherwise,
  // since netshape's torch namespaces answer any name.
  bool torch_has(const std::string& ns, const std::string& name, Span at) {
    std::string full = (ns == "nn" || ns == "F" ? ns : "torch") + "." + name;
    if (patches_torch(name))  // `F.scaled_dot_product_attention = ...` at a file's top level
      unsupported_here(at,
                       fmt::format("hasattr of `{}`, which the model's files set (netshape does "
                                   "not run their top-level statements)",
                                   full),
                       "write the branch PyTorch 1.13 takes");
    for (std::string_view later : kAddedAfter113)
      if (full == later) return false;
    if (ns == "nn") {
      std::optional<OpId> id = find_op(name);
      if ((id && op_info(*id).is_module()) || name == "Module" || name == "Sequential" ||
          name == "ModuleList" || name == "ModuleDict" || name == "Parameter")
        return true;
    } else if (const PythonSpelling* s = python_spelling(name)) {  // where PyTorch defines it
      return ns == "F" ? s->functional : s->torch;
    }
    unsupported_here(at,
                     fmt::format("hasattr of `{}`: netshape cannot tell whether PyTorch 1.13 "
                                 "has it",
                                 full),
                     "write the branch PyTorch 1.13 takes");
  }

  // Whether a file of the model assigns `<x>.name` at its top level (in any `if` or loop there),
  // as polyfills patch torch's namespaces: netshape computes top-level names on demand and never
  // runs such a statement.
  bool patches_torch(const std::string& name) const {
    std::function<bool(const std::vector<Stmt>&)> sets = [&](const std::vector<Stmt>& body) {
      for (const Stmt& s : body) {
        if (s.kind == Stmt::Kind::Assign || s.kind == Stmt::Kind::AugAssign ||
            s.kind == Stmt::Kind::AnnAssign)
          for (const Expr& t : s.targets)
            if (t.kind == Expr::Kind::Attribute && t.text == name) return true;
        bool nested = s.kind == Stmt::Kind::If || s.kind == Stmt::Kind::For ||
                      s.kind == Stmt::Kind::While || s.kind == Stmt::Kind::With ||
                      s.kind == Stmt::Kind::Other;
        if (nested && (sets(s.body) || sets(s.orelse))) return true;
      }
      return false;
    };
    for (const auto& file : L.files_)
      if (file.module && sets(file.module->body)) return true;
    return false;
  }

  // Whether every nn.Module has `name` (PyTorch 1.13's dir(nn.Module()): its methods and state).
  static bool module_api(const std::string& name) {
    return std::find(std::begin(kModuleAttributes), std::end(kModuleAttributes), name) !=
           std::end(kModuleAttributes);
  }
  // Whether torch layer `op` has `name` (beyond nn.Module's); nullopt for a layer the table
  // (docs/tools/gen_torch_attributes.py) does not list.
  static std::optional<bool> layer_has(const std::string& op, const std::string& name) {
    for (const auto& [layer, names] : kLayerAttributes) {
      if (layer != op) continue;
      if (names.find(" " + name + " ") != std::string_view::npos) return true;
      // the table's layer has one layer and one direction: an RNN's weight_ih_l1 or
      // bias_hh_l0_reverse depends on its arguments
      std::optional<OpId> id = find_op(op);
      bool recurrent = id && op_info(*id).family == Family::recurrent;
      if (recurrent && (name.starts_with("weight_") || name.starts_with("bias_")))
        return std::nullopt;
      return false;
    }
    return std::nullopt;
  }

  // hasattr(obj, name), getattr(obj, name[, default]), as Python answers them where netshape
  // knows: an attribute it cannot follow is refused, never taken as absent.
  PyValue attribute_by_name(const std::string& n, Args& args, const Expr& call, Frame& f) {
    if (args.values.size() < 2) raise(call.span, n + "() needs an object and a name");
    const PyValue& obj = args.values[0];
    if (!args.values[1].is(Value::Kind::String))
      raise(call.span,
            fmt::format("attribute name must be string, not '{}'", type_name(args.values[1])));
    const std::string name = args.values[1].data.s.str();
    bool has_default = n == "getattr" && args.values.size() > 2;
    if (obj.kind == PyValue::Kind::Builtin && !obj.method_self &&
        (obj.name == "torch" || obj.name == "F" || obj.name == "nn")) {
      bool has = torch_has(obj.name, name, call.span);
      if (n == "hasattr") return data_bool(has, call.span);
      if (!has && has_default) return args.values[2];
    } else if (obj.kind == PyValue::Kind::Builtin || obj.kind == PyValue::Kind::Tensor ||
               obj.kind == PyValue::Kind::Made || obj.kind == PyValue::Kind::Opaque ||
               obj.kind == PyValue::Kind::Values || obj.kind == PyValue::Kind::Shape) {
      // other namespaces and tensors answer any name in netshape: it cannot tell
      unsupported_here(call.span, fmt::format("{}() of `{}` on {}", n, name, describe(obj)),
                       "write the branch PyTorch 1.13 takes");
    } else if (obj.kind == PyValue::Kind::Module && module_api(name)) {
      if (n == "hasattr") return data_bool(true, call.span);
    } else if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Leaf &&
               layer_has(obj.module->op, name) == false) {
      // a torch layer has its class's attributes (PyTorch 1.13's, listed) and nothing else
      if (n == "hasattr") return data_bool(false, call.span);
      if (has_default) return args.values[2];
      raise(call.span, fmt::format("'{}' object has no attribute '{}'", obj.module->op, name));
    } else if (obj.kind == PyValue::Kind::Module && name.starts_with("__")) {
      // Python's own (a container's __len__, __getitem__): not what netshape lists
      unsupported_here(call.span, fmt::format("{}() of `{}` on a module", n, name),
                       "write the branch PyTorch 1.13 takes");
    }
    Expr fake;
    fake.kind = Expr::Kind::Attribute;
    fake.text = name;
    fake.span = call.span;
    fake.items.push_back(call.items[0]);
    try {
      PyValue v = get_attribute(args.values[0], fake, f);
      return n == "hasattr" ? data_bool(true, call.span) : v;
    } catch (const PyError& err) {
      // what netshape does not follow (a layer's attribute it does not read), or PyTorch's own
      // error, is no AttributeError; a layer's listed attribute is there, whatever its value
      bool listed = obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Leaf &&
                    layer_has(obj.module->op, name) == true;
      if (n == "hasattr" && listed && !err.fatal) return data_bool(true, call.span);
      if (err.fatal || err.torch_raises ||
          err.d.message.rfind("unsupported Python construct", 0) == 0)
        throw;
      if (n == "hasattr") return data_bool(false, call.span);
      if (has_default) return args.values[2];
      throw;
    }
  }

  // Methods of lists, dicts, strings and modules.
  PyValue call_method(const PyValue& self, const std::string& name, Args& args, const Expr& call,
                      Frame& f) {
    Span at = call.span;
    auto arg = [&](size_t i) -> const PyValue& {
      if (i >= args.values.size()) raise(at, name + "() needs more arguments");
      return args.values[i];
    };
    if (self.kind == PyValue::Kind::Tensor) return tensor_method(self, name, args, call);
    if (self.kind == PyValue::Kind::Values) return values_method(self, name, args, call);
    if (self.is_numpy_array()) return numpy_array_method(self, name, args, at);
    if (is_first_parameter(self)) return first_parameter_method(name, args, call);
    // `torch.empty(1, n, d).normal_(std=0.02)` in __init__: an in-place init returns the tensor,
    // whose sizes are what netshape follows (its values are not).
    if (self.kind == PyValue::Kind::Made && !forward_ &&
        (name == "normal_" || name == "uniform_" || name == "zero_" || name == "fill_"))
      return self;
    if (self.kind == PyValue::Kind::Made && !forward_) {
      if (std::optional<PyValue> made = made_method(self, name, args, at)) return *made;
      if (std::optional<PyValue> made = made_call(self, name, args, at)) return *made;
      if (name.back() != '_') return trial_method(self, name, args, call);  // `coords.sum(-1)`
    }
    if (self.kind == PyValue::Kind::List) {
      if (is_iterator(self) || is_dict_view(self))  // no list: `zip(...).append` is no method
        raise(at, fmt::format("'{}' object has no attribute '{}'", self.name, name));
      PyList& l = *self.list;
      if (name == "append") {
        l.push_back(arg(0));
      } else if (name == "extend") {
        PyList more = iterate(arg(0), at);
        l.insert(l.end(), more.begin(), more.end());
      } else if (name == "insert") {
        int64_t i = int_of(arg(0), at), size = static_cast<int64_t>(l.size());
        i = std::clamp(i < 0 ? i + size : i, int64_t{0}, size);
        l.insert(l.begin() + i, arg(1));
      } else if (name == "pop") {
        if (l.empty()) raise(at, "pop from empty list");
        return list_take(l, args.values.empty() ? -1 : int_of(arg(0), at), at);
      } else if (name == "copy") {
        return make_list(l);
      } else if (name == "reverse") {
        std::reverse(l.begin(), l.end());
      } else if (name == "remove") {  // the first item equal to it
        auto it = std::find_if(l.begin(), l.end(),
                               [&](const PyValue& item) { return equal(item, arg(0), at); });
        if (it == l.end()) raise(at, "list.remove(x): x not in list");
        l.erase(it);
      } else if (name == "sort") {  // in place, stable, as sorted() (a key= is refused)
        for (size_t i = 0; i < args.values.size(); ++i)
          if (args.keywords[i] != "reverse")
            unsupported_here(at,
                             args.keywords[i].empty()
                                 ? std::string("list.sort() with positional arguments")
                                 : "`" + args.keywords[i] + "=` of list.sort()",
                             "sort without a key, or build the list in the order wanted");
        const PyValue* reverse = argument(args, SIZE_MAX, "reverse");
        bool descending = reverse && truthy(*reverse, at);
        std::stable_sort(l.begin(), l.end(), [&](const PyValue& a, const PyValue& b) {
          return descending ? less(b, a, at) : less(a, b, at);
        });
      } else if (name == "clear") {
        l.clear();
      } else if (name == "index" || name == "count") {
        if (args.values.size() > (name == "index" ? 3u : 1u))
          unsupported_here(at, fmt::format("this many arguments of list.{}()", name));
        int64_t n = static_cast<int64_t>(l.size());
        auto bound = [&](size_t i, int64_t fallback) {  // list.index(x, start, end)
          if (args.values.size() <= i) return fallback;
          int64_t x = int_of(args.values[i], at);
          return std::clamp(x < 0 ? x + n : x, int64_t{0}, n);
        };
        size_t lo = static_cast<size_t>(bound(1, 0)), hi = static_cast<size_t>(bound(2, n));
        int64_t count = 0;
        for (size_t i = lo; i < hi; ++i) {
          if (!equal(l[i], arg(0), at)) continue;
          if (name == "index") return data_int(static_cast<int64_t>(i), at);
          ++count;
        }
        if (name == "index") raise(at, text_of(arg(0)) + " is not in list");
        return data_int(count, at);
      } else {
        unsupported_here(at, "list method `" + name + "`");
      }
      return PyValue::none(at);
    }
    if (self.kind == PyValue::Kind::Dict) {
      PyDict& d = *self.dict;
      if (name == "items" || name == "keys" || name == "values") {
        PyList out;
        for (const auto& [k, v] : d)
          out.push_back(name == "items" ? make_tuple({k, v}) : name == "keys" ? k : v);
        PyValue view = make_list(std::move(out));
        view.name = "dict_" + name;
        return view;
      }
      if (name == "get") {
        if (const PyValue* v = dict_find(d, arg(0), at)) return *v;
        return args.values.size() > 1 ? args.values[1] : PyValue::none(at);
      }
      if (name == "pop") {
        if (std::optional<PyValue> v = dict_take(d, arg(0), at)) return *v;
        if (args.values.size() > 1) return args.values[1];
        raise(at, "key " + text_of(arg(0)) + " is not in the dict");
      }
      if (name == "setdefault") {  // `kwargs.setdefault("bias", False)`
        if (args.values.empty() || args.values.size() > 2)
          raise(at,
                fmt::format("setdefault expected at least 1 argument, got {}", args.values.size()));
        if (const PyValue* v = dict_find(d, arg(0), at)) return *v;
        PyValue fallback = args.values.size() > 1 ? args.values[1] : PyValue::none(at);
        dict_set(d, arg(0), fallback);
        return fallback;
      }
      if (name == "update") {
        if (arg(0).kind != PyValue::Kind::Dict) raise(at, "update() takes a dict");
        for (const auto& [k, v] : *arg(0).dict) dict_set(d, k, v);
        return PyValue::none(at);
      }
      if (name == "copy") {
        PyValue c = self;
        c.dict = new_dict(d);
        return c;
      }
      unsupported_here(at, "dict method `" + name + "`");
    }
    if (self.is(Value::Kind::String)) return string_method(self.data.s, name, args, at);
    if (self.kind == PyValue::Kind::Tuple && self.name == "set")
      return set_method(self.items, name, args, at);
    if (self.kind == PyValue::Kind::Tuple && self.name == "torch.Size" && name == "numel" &&
        args.values.empty())  // `x.shape[1:].numel()`: the product of the sizes
      return size_numel(self.items, at);
    if (self.kind == PyValue::Kind::Shape && name == "numel" && args.values.empty())
      return size_numel(shape_items(self, at), at);
    if (self.kind == PyValue::Kind::Module) return module_method(self, name, args, call, f);
    if (self.kind == PyValue::Kind::Builtin && self.name == "super")
      unsupported_here(at, "super()." + name + "(...)");
    unsupported_here(at, "method `" + name + "` of this value");
  }

  // A set's comparisons and combinations with another iterable (`set(wanted).issubset(names)`, as
  // torchvision's IntermediateLayerGetter checks its layers); a new set, never a change of it.
  PyValue set_method(const PyList& items, const std::string& name, const Args& args, Span at) {
    bool combines = name == "union" || name == "intersection" || name == "difference";
    if (!args.keywords.empty() &&
        std::any_of(args.keywords.begin(), args.keywords.end(), [](auto& k) { return !k.empty(); }))
      raise(at, fmt::format("set.{}() takes no keyword arguments", name));
    if (!combines && args.values.size() != 1)
      raise(at, fmt::format("set.{}() takes exactly one argument ({} given)", name,
                            args.values.size()));
    if (combines && args.values.size() > 1) {  // `a.union(b, c)`: one argument after another
      Args one = args;
      one.values.resize(1);
      one.keywords.resize(1);
      PyValue partial = set_method(items, name, one, at);
      Args rest = args.without_first();
      return set_method(partial.items, name, rest, at);
    }
    if (args.values.empty()) return make_set(items, at);  // `a.union()`: a copy
    PyList theirs = any_order(args.values[0], at);
    auto in = [&](const PyList& list, const PyValue& v) {
      return std::any_of(list.begin(), list.end(),
                         [&](const PyValue& u) { return equal(u, v, at); });
    };
    auto all_in = [&](const PyList& some, const PyList& list) {
      return std::all_of(some.begin(), some.end(), [&](const PyValue& v) { return in(list, v); });
    };
    if (name == "issubset") return data_bool(all_in(items, theirs), at);
    if (name == "issuperset") return data_bool(all_in(theirs, items), at);
    if (name == "isdisjoint")
      return data_bool(
          std::none_of(items.begin(), items.end(), [&](const PyValue& v) { return in(theirs, v); }),
          at);
    PyList out;
    if (name == "union") {
      out = items;
      out.insert(out.end(), theirs.begin(), theirs.end());
    } else if (name == "intersection" || name == "difference") {
      for (const PyValue& v : items)
        if (in(theirs, v) == (name == "intersection")) out.push_back(v);
    } else {
      unsupported_here(at, "set method `" + name + "`");
    }
    return make_set(out, at);
  }

  PyValue string_method(const std::string& s, const std::string& name, Args& args, Span at) {
    if (name == "format") {
      std::string out;
      size_t next = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
          out += '{';
          ++i;
        } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
          out += '}';
          ++i;
        } else if (s[i] == '{') {
          size_t close = s.find('}', i);
          if (close == std::string::npos) raise(at, "single '{' in a format string");
          std::string field = s.substr(i + 1, close - i - 1);
          std::string spec;
          if (size_t colon = field.find(':'); colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field = field.substr(0, colon);
          }
          const PyValue* v = nullptr;
          if (field.empty()) {
            if (next >= args.values.size()) raise(at, "format() needs more arguments");
            v = &args.values[next++];
          } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
            size_t k = static_cast<size_t>(parse_int(field, at));
            if (k >= args.values.size()) raise(at, "format() needs more arguments");
            v = &args.values[k];
          } else {
            for (size_t k = 0; k < args.values.size(); ++k)
              if (args.keywords[k] == field) v = &args.values[k];
            if (v == nullptr) raise(at, "format(): no argument `" + field + "`");
          }
          append_text(out, formatted(*v, spec, at), at);
          i = close;
        } else {
          out += s[i];
        }
      }
      return data_str(out, at);
    }
    if (name == "join") {
      std::string out;
      bool first = true;
      size_t item = 0;
      for (const PyValue& v : iterate(nth(args, 0, at), at)) {
        if (!v.is(Value::Kind::String))
          raise(at, fmt::format("sequence item {}: expected str instance, {} found", item,
                                type_name(v)));
        append_text(out, (first ? "" : s) + text_of(v), at);
        first = false;
        ++item;
      }
      return data_str(out, at);
    }
    if (name == "upper" || name == "lower") {
      std::string out = s;
      for (char& c : out)
        c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                              : std::tolower(static_cast<unsigned char>(c)));
      return data_str(out, at);
    }
    if (name == "startswith" || name == "endswith") {
      // s[start:end].startswith(prefix), prefix a str or a tuple of them (any of them)
      const PyValue& affix = nth(args, 0, at);
      PyList options = affix.kind == PyValue::Kind::Tuple ? iterate(affix, at) : PyList{affix};
      for (const PyValue& o : options)
        if (!o.is(Value::Kind::String))
          raise(at,
                fmt::format("{} first arg must be str or a tuple of str, not {}", name,
                            affix.kind == PyValue::Kind::Tuple ? type_name(o) : type_name(affix)));
      if (args.values.size() > 3) raise(at, name + "() takes at most 3 arguments");
      int64_t n = static_cast<int64_t>(s.size());
      auto bound = [&](size_t i, int64_t fallback) {
        if (args.values.size() <= i || args.values[i].is_none()) return fallback;
        int64_t x = int_of(args.values[i], at);
        return std::clamp(x < 0 ? x + n : x, int64_t{0}, n);
      };
      int64_t lo = bound(1, 0), hi = bound(2, n);
      // a start past the end matches nothing, not even '' (CPython's tailmatch)
      bool past_end =
          args.values.size() > 1 && !args.values[1].is_none() && int_of(args.values[1], at) > n;
      std::string part = lo <= hi ? s.substr(static_cast<size_t>(lo), static_cast<size_t>(hi - lo))
                                  : std::string();
      bool r = false;
      for (const PyValue& o : options) {
        const std::string& x = o.data.s.str();
        if (lo > hi || past_end) continue;
        r = r ||
            (name == "startswith" ? part.rfind(x, 0) == 0
                                  : part.size() >= x.size() &&
                                        part.compare(part.size() - x.size(), x.size(), x) == 0);
      }
      return data_bool(r, at);
    }
    if (std::optional<PyValue> v = string_text_method(s, name, args, at)) return *v;
    unsupported_here(at, "string method `" + name + "`");
  }

  // The str methods config code uses on names (`arch.split('_')`, `name.replace('-', '_')`,
  // `s.strip()`, `s.find('x')`), with Python's results and errors; nullopt for another method.
  std::optional<PyValue> string_text_method(const std::string& s, const std::string& name,
                                            const Args& args, Span at) {
    // The argument at `position`, or given as `keyword` unless that is null; null when neither.
    auto arg_at = [&](size_t position, const char* keyword) -> const PyValue* {
      if (keyword) return argument(args, position, keyword);
      size_t positional = 0;
      for (size_t i = 0; i < args.values.size(); ++i)
        if (args.keywords[i].empty() && positional++ == position) return &args.values[i];
      return nullptr;
    };
    // The string argument at `position` (or `keyword`); null when not given or None.
    auto text_arg = [&](size_t position, const char* keyword) -> const std::string* {
      const PyValue* v = arg_at(position, keyword);
      if (!v || v->is_none()) return nullptr;
      if (!v->is(Value::Kind::String)) {  // Python's TypeError of each method
        std::string type = type_name(*v);
        raise(at, name == "split" ? fmt::format("must be str or None, not {}", type)
                  : name == "replace"
                      ? fmt::format("replace() argument {} must be str, not {}", position + 1, type)
                  : name.ends_with("strip") ? fmt::format("{} arg must be None or str", name)
                                            : fmt::format("must be str, not {}", type));
      }
      return &v->data.s.str();
    };
    auto at_most = [&](size_t n, std::initializer_list<const char*> keywords) {
      size_t given = 0;
      for (size_t i = 0; i < args.values.size(); ++i) {
        bool known = args.keywords[i].empty();
        for (const char* k : keywords) known = known || args.keywords[i] == k;
        if (!known) unsupported_here(at, "`" + args.keywords[i] + "=` of str." + name + "()");
        ++given;
      }
      if (given > n)
        unsupported_here(at, fmt::format("str.{}() with {} arguments", name, given),
                         fmt::format("netshape follows str.{}() with at most {}", name, n));
    };
    constexpr const char* kWhitespace = " \t\n\r\v\f";
    constexpr const char* kPositional = nullptr;  // taken by position only

    if (name == "split") {
      at_most(2, {"sep", "maxsplit"});
      const std::string* sep = text_arg(0, "sep");
      const PyValue* limit = arg_at(1, "maxsplit");
      int64_t maxsplit = limit ? int_of(*limit, at) : -1;
      if (sep && sep->empty()) raise(at, "empty separator");
      PyList parts;
      auto add = [&](std::string part) { parts.push_back(data_str(std::move(part), at)); };
      if (sep) {
        size_t from = 0;
        for (size_t hit; (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) &&
                         (hit = s.find(*sep, from)) != std::string::npos;
             from = hit + sep->size())
          add(s.substr(from, hit - from));
        add(s.substr(from));
      } else {  // runs of whitespace, none at either end (but a maxsplit's rest keeps its end)
        size_t i = s.find_first_not_of(kWhitespace);
        while (i != std::string::npos) {
          if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
            add(s.substr(i));  // the rest as it is, its trailing whitespace too
            break;
          }
          size_t end = s.find_first_of(kWhitespace, i);
          add(s.substr(i, end == std::string::npos ? std::string::npos : end - i));
          i = end == std::string::npos ? end : s.find_first_not_of(kWhitespace, end);
        }
      }
      return make_list(std::move(parts));
    }
    if (name == "replace") {
      at_most(3, {});
      const std::string* from = text_arg(0, kPositional);
      const std::string* to = text_arg(1, kPositional);
      if (!from || !to) raise(at, "replace() takes 2 str arguments");
      const PyValue* limit = arg_at(2, kPositional);
      int64_t count = limit ? int_of(*limit, at) : -1;
      std::string out;
      if (from->empty()) {  // `to` before each character and at the end
        int64_t done = 0;
        for (size_t i = 0; i <= s.size(); ++i) {
          if (count < 0 || done < count) {
            append_text(out, *to, at);
            ++done;
          }
          if (i < s.size()) out += s[i];
        }
        return data_str(out, at);
      }
      size_t from_at = 0;
      int64_t done = 0;
      for (size_t hit;
           (count < 0 || done < count) && (hit = s.find(*from, from_at)) != std::string::npos;
           from_at = hit + from->size(), ++done)
        append_text(out, s.substr(from_at, hit - from_at) + *to, at);
      out += s.substr(from_at);
      return data_str(out, at);
    }
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      at_most(1, {});
      const std::string* chars = text_arg(0, kPositional);
      std::string set = chars ? *chars : kWhitespace;
      size_t begin = name == "rstrip" ? 0 : s.find_first_not_of(set);
      if (begin == std::string::npos) return data_str("", at);
      size_t end = name == "lstrip" ? s.size() : s.find_last_not_of(set) + 1;
      return data_str(s.substr(begin, end - begin), at);
    }
    if (name == "find" || name == "rfind" || name == "index" || name == "count") {
      at_most(1, {});
      const std::string* sub = text_arg(0, kPositional);
      if (!sub) raise(at, name + "() takes a str argument");
      if (name == "count") {
        if (sub->empty()) return data_int(static_cast<int64_t>(s.size()) + 1, at);
        int64_t n = 0;
        for (size_t i = s.find(*sub); i != std::string::npos; i = s.find(*sub, i + sub->size()))
          ++n;
        return data_int(n, at);
      }
      size_t hit = name == "rfind" ? s.rfind(*sub) : s.find(*sub);
      if (hit == std::string::npos && name == "index") raise(at, "substring not found");
      return data_int(hit == std::string::npos ? -1 : static_cast<int64_t>(hit), at);
    }
    if (name == "isdigit" || name == "isalpha") {
      at_most(0, {});
      auto is = [&](unsigned char c) {
        return name == "isdigit" ? std::isdigit(c) : std::isalpha(c);
      };
      return data_bool(
          !s.empty() && std::all_of(s.begin(), s.end(),
                                    [&](char c) { return is(static_cast<unsigned char>(c)) != 0; }),
          at);
    }
    return std::nullopt;
  }

  PyValue module_method(const PyValue& self, const std::string& name, Args& args, const Expr& call,
                        Frame& f) {
    Span at = call.span;
    ModuleDef& m = *self.module;
    // `self.lstm.flatten_parameters()`: how cuDNN keeps the weights, no change to any shape
    if (name == "flatten_parameters" && m.kind == ModuleDef::Leaf) {
      if (!args.values.empty())
        raise(at, fmt::format("flatten_parameters() takes 1 positional argument but {} were given",
                              args.values.size() + 1));
      return PyValue::none(at);
    }
    if (name == "forward" && forward_ && m.kind == ModuleDef::User && m.instance->layer_base)
      return apply_layer_base(self, args, call);
    if (name == "forward" && forward_ && m.kind == ModuleDef::User && m.instance->sequential)
      return apply_sequential_base(self, args, call);
    if (name == "_conv_forward" && forward_ && m.kind == ModuleDef::User &&
        m.instance->layer_base && in_family(m.instance->layer_base->op, Family::conv))
      return conv_forward_of(self, args, call);
    if (name == "add_module" || name == "register_module") return add_module(self, args, call, f);
    bool changes = name == "append" || name == "extend" || name == "insert" || name == "update" ||
                   name == "pop";
    if (changes) changing_container(m, at);
    if (m.kind == ModuleDef::User && (m.instance->parameter_list || m.instance->parameter_dict))
      if (auto v = parameter_container_method(self, name, args, at)) return *v;
    if ((name == "append" || name == "extend") && m.kind == ModuleDef::Sequential) {
      const PyValue& given = nth(args, 0, at);
      // extend() adds each module while iterating the argument: its own children, here. The
      // OrderedDict's iterator notices the change at its next item, so one child is added again
      // (the same module twice) and more raise.
      if (name == "extend" && given.kind == PyValue::Kind::Module && given.module.get() == &m &&
          m.children.size() >= 2)
        raise_torch(at, "OrderedDict mutated during iteration",
                    "extend it with a list of its modules: `layers.extend(list(layers))`");
      if (name == "extend" && given.kind == PyValue::Kind::Module &&
          given.module->kind == ModuleDef::Leaf)  // a layer is no iterable of modules
        raise_torch(at,
                    m.list ? "ModuleList.extend should be called with an iterable, but got " +
                                 given.module->op
                           : "'" + given.module->op + "' object is not iterable",
                    "give extend a list of modules: `extend([layer])`, or append(layer)");
      PyList items = name == "append" ? PyList{given} : iterate(given, at);
      for (const PyValue& v : items) {
        require_module(v, at, name + "() takes modules");
        check_container_depth(*v.module, at);
        // add_module(str(len(self)), module): a child already named so is replaced in place
        put_child(m, std::to_string(m.children.size()), *v.module);
        refuse_storing_behind(v, at);
      }
      return PyValue::none(at);
    }
    if (name == "insert" && m.kind == ModuleDef::Sequential) return insert_module(self, args, at);
    if (name == "update" && m.kind == ModuleDef::Sequential && m.op == "ModuleDict") {
      if (args.values.size() != 1) raise(at, "update() takes one argument: the modules");
      update_module_dict(m, args.values[0], at);
      return PyValue::none(at);
    }
    if (name == "pop" && m.kind == ModuleDef::Sequential && m.op != "ModuleDict") {
      // ModuleList.pop(key) and Sequential.pop(key) of PyTorch 1.13: `v = self[key]; del
      // self[key]; return v`, the later children renumbered
      if (args.values.size() != 1 || !args.values[0].is(Value::Kind::Int))
        unsupported_here(at, "this pop() of a container", "pop one child: `layers.pop(-1)`");
      size_t k = index_of(int_of(args.values[0], at), m.children.size(), at);
      ModuleChild& taken = *std::next(m.children.begin(), static_cast<std::ptrdiff_t>(k));
      PyValue child = child_module(self, taken.def, taken.index);
      delete_item(self, args.values[0], at);
      return child;
    }
    if (name == "items" || name == "keys" || name == "values") {  // nn.ModuleDict
      PyList out;
      auto add = [&](const std::string& key, ModuleDef& def) {
        PyValue k = data_str(key, at), child = child_module(self, def, key);
        out.push_back(name == "items" ? make_tuple({k, child}) : name == "keys" ? k : child);
      };
      if (m.kind == ModuleDef::User) {
        for (const std::string& key : m.instance->order)
          if (auto it = m.instance->modules.find(key); it != m.instance->modules.end())
            add(key, it->second);
      }
      for (auto& child : m.children) add(child.index, child.def);
      return make_list(std::move(out));
    }
    if (name == "modules" || name == "children" || name == "named_modules" ||
        name == "named_children" || name == "parameters" || name == "named_parameters") {
      PyList out;
      std::set<int> seen;
      bool direct = name == "children" || name == "named_children";
      collect_modules(self, "", direct, name.starts_with("named_"), seen, out, at);
      if (name == "parameters" || name == "named_parameters") return unfollowed_parameters();
      return make_list(std::move(out));
    }
    if (name == "register_buffer" || name == "register_parameter")
      return register_tensor(self, name == "register_buffer", args, call, f);
    if (name == "requires_grad_") {
      const PyValue* trains = argument(args, 0, "requires_grad");
      set_requires_grad(self, !trains || bool_of(*trains, at), at);
      return self;
    }
    if (name == "apply") {  // weight init, nothing to shapes: not run
      const PyValue* fn = argument(args, 0, "fn");
      if (fn && fn->kind == PyValue::Kind::Function && fn->def_)
        if (const Expr* use = requires_grad_use(fn->def_->body, {}))
          unsupported_here(use->span, "setting requires_grad in a function given to apply()",
                           kFreezeHelp);
      return PyValue::none(at);
    }
    if (name == "train" || name == "eval" || name == "to") {
      if (!forward_ && name != "to") note_mode_set(name, at);
      return PyValue::none(at);
    }
    (void)f;
    unsupported_here(at, "module method `" + name + "`");
  }

  // nn.ParameterList's append and extend (they return the list), nn.ParameterDict's update,
  // keys, values and items; nullopt for another method.
  std::optional<PyValue> parameter_container_method(const PyValue& self, const std::string& name,
                                                    Args& args, Span at) {
    Instance& inst = *self.module->instance;
    if (inst.parameter_list && (name == "append" || name == "extend")) {
      if (name == "extend" && is_tensor_made(nth(args, 0, at)))  // a tensor is no list of them
        raise_torch(at, "ParameterList.extend should be called with an iterable, but got Tensor",
                    "give a list of tensors: nn.ParameterList([t])");
      PyList items = name == "append" ? PyList{nth(args, 0, at)} : iterate(nth(args, 0, at), at);
      for (const PyValue& v : items)
        add_parameter_entry(self, std::to_string(inst.order.size()), v, at);
      return self;
    }
    if (inst.parameter_dict && name == "update") {
      const PyValue& given = nth(args, 0, at);
      std::vector<std::pair<PyValue, PyValue>> entries;
      if (given.kind == PyValue::Kind::Dict) {
        for (const auto& [k, v] : *given.dict) entries.emplace_back(k, v);
        // PyTorch 1.13 sorts a dict's keys and keeps an OrderedDict's order, which netshape's
        // dicts do not tell apart: only keys already in order give the same entries either way.
        for (size_t i = 1; i < entries.size(); ++i)
          if (text_of(entries[i].first) < text_of(entries[i - 1].first))
            unsupported_here(at, "an nn.ParameterDict of a dict whose keys are not in sorted order",
                             "PyTorch sorts a dict's keys but keeps an OrderedDict's order; "
                             "give the (key, parameter) pairs as a list, in the order meant");
      } else {
        for (const PyValue& item : iterate(given, at)) {
          PyList pair = item.kind == PyValue::Kind::Tuple || item.kind == PyValue::Kind::List
                            ? iterate(item, at)
                            : PyList{};
          if (pair.size() != 2)
            raise_torch(at,
                        fmt::format("ParameterDict update sequence element #{} has length {}; 2 "
                                    "is required",
                                    entries.size(), pair.size()),
                        "give (key, parameter) pairs");
          entries.emplace_back(pair[0], pair[1]);
        }
      }
      for (const auto& [k, v] : entries) {
        if (!k.is(Value::Kind::String))
          raise_torch(at, not_a_key(k), "name each parameter with a string");
        add_parameter_entry(self, text_of(k), v, at);
      }
      return PyValue::none(at);
    }
    if (inst.parameter_dict && (name == "keys" || name == "values" || name == "items")) {
      PyList out;
      for (const std::string& key : inst.order) {
        PyValue k = data_str(key, at), v = parameter_entry(self, key, at);
        out.push_back(name == "items" ? make_tuple({k, v}) : name == "keys" ? k : v);
      }
      return make_list(std::move(out));
    }
    return std::nullopt;
  }

  // nn.ParameterDict's TypeError for a key that is not a string.
  std::string not_a_key(const PyValue& k) {
    return fmt::format(
        "Index given to ParameterDict cannot be used as a key as it is not a string "
        "(type is '{}'). Open an issue on github if you need non-string keys.",
        type_name(k));
  }

  // The instance of an nn.ParameterList or nn.ParameterDict `v` is; null for anything else.
  static const Instance* parameter_container(const PyValue& v) {
    if (v.kind != PyValue::Kind::Module || v.module->kind != ModuleDef::User) return nullptr;
    const Instance* inst = v.module->instance.get();
    return inst && (inst->parameter_list || inst->parameter_dict) ? inst : nullptr;
  }

  // An entry of an nn.ParameterList or nn.ParameterDict, registered as their __setitem__ does:
  // a tensor becomes an nn.Parameter, an nn.Parameter stays itself. netshape follows tensors
  // there (PyTorch's containers also hold other objects).
  void add_parameter_entry(const PyValue& container, const std::string& key, const PyValue& v,
                           Span at) {
    PyValue p = v;
    if (!is_parameter(v)) {
      if (!is_tensor_made(v))
        unsupported_here(
            at, "an entry of an nn.ParameterList or nn.ParameterDict that is " + describe(v),
            "netshape follows tensors and nn.Parameters in them");
      Span made = v.data.span.valid() ? v.data.span : at;  // the model's `torch.ones(5)`
      Args a;
      a.add(v, made, nullptr);
      p = parameter(a, made);
    }
    set_attribute(container, key, p, at);
    std::vector<std::string>& order = container.module->instance->order;
    if (std::find(order.begin(), order.end(), key) == order.end()) order.push_back(key);
  }

  // The entry `key` of an nn.ParameterList or nn.ParameterDict as `self.<path>.<key>` reads it:
  // in forward a tensor of the model (one row, at its first read).
  PyValue parameter_entry(const PyValue& container, const std::string& key, Span at) {
    const Instance& inst = *container.module->instance;
    auto it = inst.values.find(key);
    if (it == inst.values.end()) raise(at, "no entry " + key + " in this container");
    if (!forward_) return *it->second;
    return materialize(*it->second, container.name.empty() ? key : container.name + "." + key, at);
  }

  // modules() and children() as PyTorch yields them: in registration order, each module once (one
  // registered under two names at its first); named_*: (path, module) pairs, the path dotted from
  // the module asked (`body.0.conv`, '' for itself).
  void collect_modules(const PyValue& root, const std::string& path, bool direct, bool named,
                       std::set<int>& seen, PyList& out, Span at) {
    const ModuleDef& m = *root.module;
    auto yield = [&](const PyValue& v, const std::string& name) {
      out.push_back(named ? make_tuple({data_str(name, at), v}) : v);
    };
    if (!direct) {
      if (m.id >= 0) seen.insert(m.id);
      yield(root, path);
    }
    auto add = [&](const std::string& key, ModuleDef* child) {
      if (child->id >= 0 && !seen.insert(child->id).second) return;
      PyValue p;
      p.kind = PyValue::Kind::Module;
      p.module = std::shared_ptr<ModuleDef>(root.module, child);
      if (direct)
        yield(p, key);
      else
        collect_modules(p, path.empty() ? key : path + "." + key, false, named, seen, out, at);
    };
    if (m.kind == ModuleDef::User) {
      for (const std::string& key : m.instance->order)
        if (auto it = m.instance->modules.find(key); it != m.instance->modules.end())
          add(key, &it->second);
    } else if (m.kind == ModuleDef::Sequential) {
      for (auto& child : root.module->children) add(child.index, &child.def);
    }
  }

  // type(v): a class, or the builtin type netshape names it by (compared with `==` and `is`).
  PyValue type_of(const PyValue& v) {
    if (v.kind == PyValue::Kind::Module && v.module->kind == ModuleDef::User) {
      PyValue c;
      c.kind = PyValue::Kind::Class;
      c.def_ = v.module->instance->cls;
      c.file = L.file_of(c.def_);
      return c;
    }
    switch (v.kind) {
      case PyValue::Kind::Module:
        return PyValue::builtin(v.module->kind == ModuleDef::Leaf ? "nn." + v.module->op
                                                                  : "nn.Sequential");
      case PyValue::Kind::Partial:
        return PyValue::builtin("functools.partial");
      case PyValue::Kind::List:
        return PyValue::builtin("list");
      case PyValue::Kind::Tuple:  // a set and a torch.Size are tuples inside
        return PyValue::builtin(v.name == "set" || v.name == "torch.Size" ? v.name : "tuple");
      case PyValue::Kind::Shape:
        return PyValue::builtin("torch.Size");
      case PyValue::Kind::Dict:
        return PyValue::builtin("dict");
      case PyValue::Kind::Tensor:
        return PyValue::builtin("torch.Tensor");
      case PyValue::Kind::Data:
        switch (v.data.kind) {
          case Value::Kind::Int:
          case Value::Kind::DimRef:  // `x.shape[1]`: an int
            return PyValue::builtin("int");
          case Value::Kind::Float:
            return PyValue::builtin("float");
          case Value::Kind::Bool:
            return PyValue::builtin("bool");
          case Value::Kind::String:
            return PyValue::builtin("str");
          default:
            break;
        }
        break;
      default:
        break;
    }
    PyValue p;
    p.kind = PyValue::Kind::Opaque;
    p.name = "type of " + describe(v);
    return p;
  }

  // The torch container a class of the file derives from, through its bases (None if none).
  ContainerBase class_container(const Stmt* cls, int depth = 0) const {
    if (cls == nullptr || depth > 64) return ContainerBase::None;
    for (const Expr& b : cls->bases) {
      ContainerBase c = container_base(dotted(b));
      if (c != ContainerBase::None) return c;
      const Stmt* base = L.base_class(*cls, b);
      if (base != nullptr && base != cls) {
        ContainerBase inherited = class_container(base, depth + 1);
        if (inherited != ContainerBase::None) return inherited;
      }
    }
    return ContainerBase::None;
  }

  // Whether module `m` is an instance of torch's class `t` ("nn.Conv2d", "nn.Sequential",
  // "nn.modules.batchnorm._BatchNorm"): containers by their kind, a layer (or a class deriving
  // from one) by its class and the classes PyTorch 1.13 derives it from.
  bool module_is(const ModuleDef& m, const std::string& t) {
    if (t == "nn.Module") return true;
    const Instance* inst = m.instance.get();
    ContainerBase base_container = inst ? class_container(inst->cls) : ContainerBase::None;
    bool dict = m.op == "ModuleDict" || base_container == ContainerBase::ModuleDict;
    bool list = m.op == "ModuleList" || base_container == ContainerBase::ModuleList;
    bool sequential =
        (m.kind == ModuleDef::Sequential && !m.list) || base_container == ContainerBase::Sequential;
    if (t == "nn.Sequential") return sequential && !dict && !list;
    if (t == "nn.ModuleList") return list;
    if (t == "nn.ModuleDict") return dict;
    const ModuleDef* layer = m.kind == ModuleDef::Leaf  ? &m
                             : inst && inst->layer_base ? inst->layer_base.get()
                                                        : nullptr;
    if (!layer) return false;
    const std::string& op = layer->op;
    if ("nn." + op == t) return true;
    std::string_view base = std::string_view(t).substr(t.rfind('.') + 1);
    std::optional<OpId> id = find_op(op);
    if (!id || (t.rfind("nn.", 0) != 0 && t.rfind("torch.nn.", 0) != 0)) return false;
    Family f = op_info(*id).family;
    if (base == "Hardtanh") return op == "ReLU6";
    if (base == "Upsample") return op == "UpsamplingNearest2d" || op == "UpsamplingBilinear2d";
    if (base == "ConstantPad2d") return op == "ZeroPad2d";
    if (base == "_ConvNd") return f == Family::conv || f == Family::conv_transpose;
    if (base == "_ConvTransposeNd" || base == "_ConvTransposeMixin")
      return f == Family::conv_transpose;
    if (base == "_BatchNorm") return f == Family::batch_norm;
    if (base == "_NormBase") return f == Family::batch_norm || f == Family::instance_norm;
    if (base == "_InstanceNorm") return f == Family::instance_norm;
    if (base == "_MaxPoolNd") return f == Family::max_pool;
    if (base == "_AvgPoolNd") return f == Family::avg_pool;
    if (base == "_AdaptiveAvgPoolNd") return f == Family::adaptive_avg_pool;
    if (base == "_AdaptiveMaxPoolNd") return f == Family::adaptive_max_pool;
    if (base == "_ConstantPadNd") return f == Family::constant_pad;
    if (base == "_ReflectionPadNd") return op.rfind("ReflectionPad", 0) == 0;
    if (base == "_ReplicationPadNd") return op.rfind("ReplicationPad", 0) == 0;
    if (base == "_DropoutNd")
      return op.rfind("Dropout", 0) == 0 || op.find("AlphaDropout") != std::string::npos;
    if (base == "RNNBase") return f == Family::recurrent;
    if (base == "RNNCellBase") return f == Family::recurrent_cell;
    return false;
  }

  bool is_instance(const PyValue& v, const PyValue& type, Span at) {
    if (type.kind == PyValue::Kind::Tuple || type.kind == PyValue::Kind::List) {
      for (const PyValue& t : iterate(type, at))
        if (is_instance(v, t, at)) return true;
      return false;
    }
    if (type.kind == PyValue::Kind::Builtin) {
      const std::string& t = type.name;
      // a size of a tensor in forward (`x.shape[-1]`) is an int, its shape a torch.Size, which
      // is a tuple
      bool size = v.is(Value::Kind::DimRef);
      bool shape = v.kind == PyValue::Kind::Shape ||
                   (v.kind == PyValue::Kind::Tuple && v.name == "torch.Size");
      if (t == "int") return v.is(Value::Kind::Int) || v.is(Value::Kind::Bool) || size;
      if (t == "float") return v.is(Value::Kind::Float);
      if (t == "str") return v.is(Value::Kind::String);
      if (t == "bool") return v.is(Value::Kind::Bool);
      if (t == "list") return v.kind == PyValue::Kind::List;
      if (t == "tuple") return v.kind == PyValue::Kind::Tuple || shape;
      if (t == "torch.Size") return shape;
      if (t == "dict") return v.kind == PyValue::Kind::Dict;
      if (t == "typing.Sequence" || t == "typing.List")
        return v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Tuple || shape;
      if (t == "torch.dtype")
        return v.kind == PyValue::Kind::Builtin && element_type_named(v.name).has_value();
      if (t == "torch.device") return is_device(v) && !v.is(Value::Kind::String);
      if (t == "typing.Dict" || t == "typing.Mapping") return v.kind == PyValue::Kind::Dict;
      // a layer's weight or bias, an nn.Parameter made in __init__
      bool parameter = (v.kind == PyValue::Kind::Opaque && v.method_self &&
                        (v.name == "weight" || v.name == "bias")) ||
                       (v.kind == PyValue::Kind::Made && v.name == "parameter");
      if (parameter || v.kind == PyValue::Kind::Made)
        return t == "torch.Tensor" || (parameter && t == "nn.Parameter");
      if (t == "torch.Tensor") return v.kind == PyValue::Kind::Tensor;
      if (v.kind != PyValue::Kind::Module) return false;
      return module_is(*v.module, t);
    }
    if (type.kind == PyValue::Kind::Class && v.kind == PyValue::Kind::Module &&
        v.module->instance) {
      for (const Stmt* c = v.module->instance->cls; c != nullptr;) {
        if (c == type.def_) return true;
        const Stmt* base = nullptr;
        for (const Expr& b : c->bases) {
          const Stmt* found = L.base_class(*c, b);
          if (found != nullptr && found != c) base = found;
        }
        c = base;
      }
    }
    return false;
  }

  PyValue fold(const std::string& n, Args& args, Span at) {
    if (!args.values.empty() && is_unfollowed_parameters(args.values[0]))
      unfollowed_parameters_used(at);
    PyList items = args.values.size() == 1 && n != "sum" ? any_order(args.values[0], at)
                   : n == "sum"                          ? iterate(nth(args, 0, at), at)
                                                         : args.values;
    if (n == "sum") {
      PyValue total = args.values.size() > 1 ? args.values[1] : data_int(0, at);
      for (const PyValue& v : items) total = binary("+", total, v, at);
      return total;
    }
    if (items.empty()) raise(at, n + "() of an empty sequence");
    PyValue best = items[0];
    for (size_t i = 1; i < items.size(); ++i) {
      bool better = n == "min" ? less(items[i], best, at) : less(best, items[i], at);
      if (better) best = items[i];
    }
    return best;
  }

  // ---- tensors of values (python_tensor_values.hpp) ----
  //
  // `torch.arange(depth) * w_a + w_0` in __init__ computes numbers (RegNet's widths): its values
  // are followed exactly, never turned into a row. In forward, torch.arange with plain numbers
  // stays the row it was.

  template <class Fn>
  PyValue with_values(Span at, Fn&& fn) {
    try {
      return PyValue::of_values(fn(), at);
    } catch (const ValueTensorError& e) {
      raise_values_error(e, at);
    }
  }

  [[noreturn]] static void raise_values_error(const ValueTensorError& e, Span at) {
    if (e.torch_raises) raise_torch(at, e.message, e.help);
    raise(at, e.message, e.help);
  }

  // A tensor of values or a Python number as an operand of a tensor op.
  ValueTensor operand(const PyValue& v, Span at) {
    if (v.kind == PyValue::Kind::Values) return *v.values;
    if (v.is(Value::Kind::Bool)) return ValueTensor::of_bool(v.data.b, true);
    if (v.is(Value::Kind::Int)) return ValueTensor::of_int(v.data.i, true);
    if (v.is(Value::Kind::Float)) return ValueTensor::of_float(v.data.f, true);
    if (v.is(Value::Kind::DimRef)) return operand(resolved(v, at), at);
    unsupported_here(at, describe(v) + " in an op of a tensor of values",
                     "netshape computes such tensors with numbers and each other");
  }

  // An int, float or bool: what arithmetic and comparisons take as a Python number.
  static bool is_number(const PyValue& v) {
    return v.is(Value::Kind::Int) || v.is(Value::Kind::Float) || v.is(Value::Kind::Bool);
  }

  // The dtypes a tensor of values may have, by the names of kElementTypeNames.
  static std::optional<DType> dtype_named(const std::string& n) {
    switch (element_type_named(n).value_or(ElementType::Complex64)) {
      case ElementType::Float32:
        return DType::Float32;
      case ElementType::Int64:
        return DType::Int64;
      case ElementType::Int32:
        return DType::Int32;
      case ElementType::Bool:
        return DType::Bool;
      default:
        return std::nullopt;
    }
  }

  // The dtype= of torch.tensor / torch.arange / .to(): nullopt when not given.
  std::optional<DType> dtype_argument(const PyValue* v, Span at) {
    if (!v || v->is_none()) return std::nullopt;
    if (v->kind == PyValue::Kind::Builtin && !v->method_self)
      if (auto d = dtype_named(v->name)) return d;
    std::string name = v->kind == PyValue::Kind::Builtin ? v->name : text_of(*v);
    unsupported_here(at, "a tensor of values of dtype " + name,
                     "netshape computes with float32, int64, int32 and bool tensors");
  }

  // Element i as the Python number .tolist() and .item() give.
  static PyValue python_number(const ValueTensor& t, size_t i, Span at) {
    if (t.is_float()) return PyValue::of(Value::floating(t.floats[i], at));
    if (t.dtype == DType::Bool) return data_bool(t.ints[i] != 0, at);
    return data_int(t.ints[i], at);
  }

  PyValue tolist(const ValueTensor& t, Span at) {
    if (t.scalar) return python_number(t, 0, at);
    PyList items;
    for (size_t i = 0; i < t.size(); ++i) items.push_back(python_number(t, i, at));
    return make_list(std::move(items));
  }

  static std::optional<ValueOp> value_op(const std::string& op) {
    static const std::pair<const char*, ValueOp> kOps[] = {
        {"+", ValueOp::Add},           {"-", ValueOp::Sub},
        {"*", ValueOp::Mul},           {"/", ValueOp::Div},
        {"//", ValueOp::FloorDiv},     {"%", ValueOp::Mod},
        {"**", ValueOp::Pow},          {"==", ValueOp::Eq},
        {"!=", ValueOp::Ne},           {"<", ValueOp::Lt},
        {"<=", ValueOp::Le},           {">", ValueOp::Gt},
        {">=", ValueOp::Ge},           {"add", ValueOp::Add},
        {"sub", ValueOp::Sub},         {"subtract", ValueOp::Sub},
        {"mul", ValueOp::Mul},         {"multiply", ValueOp::Mul},
        {"div", ValueOp::Div},         {"divide", ValueOp::Div},
        {"true_divide", ValueOp::Div}, {"floor_divide", ValueOp::FloorDiv},
        {"remainder", ValueOp::Mod},   {"pow", ValueOp::Pow},
        {"eq", ValueOp::Eq},           {"ne", ValueOp::Ne},
        {"lt", ValueOp::Lt},           {"le", ValueOp::Le},
        {"gt", ValueOp::Gt},           {"ge", ValueOp::Ge}};
    for (const auto& [name, o] : kOps)
      if (op == name) return o;
    return std::nullopt;
  }

  static std::optional<ValueFn> value_fn(const std::string& n) {
    static const std::pair<const char*, ValueFn> kFns[] = {
        {"log", ValueFn::Log},     {"exp", ValueFn::Exp},     {"sqrt", ValueFn::Sqrt},
        {"round", ValueFn::Round}, {"floor", ValueFn::Floor}, {"ceil", ValueFn::Ceil},
        {"trunc", ValueFn::Trunc}, {"abs", ValueFn::Abs},     {"neg", ValueFn::Neg},
        {"negative", ValueFn::Neg}};
    for (const auto& [name, fn] : kFns)
      if (n == name) return fn;
    return std::nullopt;
  }

  PyValue values_binary(const std::string& op, const PyValue& a, const PyValue& b, Span at) {
    std::optional<ValueOp> o = value_op(op);
    if (!o) unsupported_here(at, "operator `" + op + "` on a tensor of values");
    return with_values(at, [&] { return value_binary(*o, operand(a, at), operand(b, at)); });
  }

  static bool has_values(const Args& args) {
    return std::any_of(args.values.begin(), args.values.end(),
                       [](const PyValue& v) { return v.kind == PyValue::Kind::Values; });
  }

  // torch.arange / torch.tensor in __init__, and torch's functions of tensors of values
  // (`torch.round(t)`, `torch.pow(w_m, t)`); nullopt for a call that is none of these.
  std::optional<PyValue> values_function(const std::string& n, Args& args, const Expr& call) {
    if (n.rfind("torch.", 0) != 0) return std::nullopt;
    std::string fn = n.substr(6);
    bool tensors = std::any_of(args.values.begin(), args.values.end(),
                               [](const PyValue& v) { return v.kind == PyValue::Kind::Tensor; });
    if (tensors) return std::nullopt;
    if (fn == "arange" && !forward_) return arange(args, call.span);
    if (fn == "linspace" && !forward_) return linspace(args, call.span);
    if (fn == "tensor" || fn == "as_tensor") return tensor_of(args, call.span);
    if (!has_values(args)) return std::nullopt;
    if (!forward_ && !values_compute(fn, args)) return std::nullopt;  // a trial runs it
    return values_operation(fn, args, call.span);
  }

  // Whether values_operation computes torch.<fn> of these arguments' values.
  static bool values_compute(const std::string& fn, const Args& args) {
    if (value_fn(fn)) return args.values.size() == 1;
    if (value_op(fn)) return args.values.size() >= 2;
    if (fn == "diff") return true;
    return (fn == "sum" || fn == "max" || fn == "min") && args.values.size() == 1;
  }

  PyValue arange(const Args& args, Span at) {
    std::vector<ArangeBound> bounds;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k == "dtype" || k == "device" || k == "requires_grad") continue;
      if (!k.empty() && k != "start" && k != "end" && k != "step")
        unsupported_here(args.spans[i], "argument `" + k + "` of torch.arange");
      const PyValue& v = args.values[i];
      bool f = v.is(Value::Kind::Float);
      bounds.push_back({f, f ? 0 : int_of(v, args.spans[i]), f ? v.data.f : 0.0});
    }
    std::optional<DType> dtype = dtype_argument(argument(args, SIZE_MAX, "dtype"), at);
    return with_values(at, [&] { return value_arange(bounds, dtype); });
  }

  // The start, end and count of torch.linspace or numpy.linspace (`names` their parameters, in
  // order), as numbers; the other arguments may only be those `also` names.
  struct Linspace {
    double start = 0, end = 0;
    int64_t count = 0;
  };
  Linspace linspace_bounds(const Args& args, const char* fn, std::array<const char*, 3> names,
                           std::initializer_list<std::string_view> also, Span at) {
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      bool known = k.empty() ? positional++ < names.size()
                             : std::find(names.begin(), names.end(), k) != names.end() ||
                                   std::find(also.begin(), also.end(), k) != also.end();
      if (!known)
        unsupported_here(
            args.spans[i],
            k.empty() ? fmt::format("a fourth positional argument of {}", fn)
                      : fmt::format("argument `{}` of {}", k, fn),
            fmt::format("give {} its {}, {} and {}", fn, names[0], names[1], names[2]));
    }
    const PyValue* start = argument(args, 0, names[0]);
    const PyValue* end = argument(args, 1, names[1]);
    const PyValue* count = argument(args, 2, names[2]);
    if (!start || !end)
      raise_torch(
          at, fmt::format("{}() missing required argument '{}'", fn, start ? names[1] : names[0]));
    Linspace l{linspace_bound(*start, at), linspace_bound(*end, at), 50};  // numpy's default num
    if (count && !count->is(Value::Kind::Int))
      raise_torch(
          at,
          fmt::format("{}(): argument '{}' must be int, not {}", fn, names[2], type_name(*count)),
          fmt::format("give {} a whole number of values", fn));
    if (count) l.count = count->data.i;
    return l;
  }

  // A bound: a number, or a 0-dim tensor of values (`torch.linspace(t[1], t[3], 3)`), whose
  // element PyTorch's argument parser takes as the number.
  double linspace_bound(const PyValue& v, Span at) {
    if (v.kind == PyValue::Kind::Values && v.values->scalar)
      return v.values->is_float() ? v.values->as_float(0)
                                  : static_cast<double>(v.values->as_int(0));
    return number_of(v, at);
  }

  // torch.linspace(start, end, steps) in __init__ (drop-path rates: `[x.item() for x in
  // torch.linspace(0, rate, depth)]`): a float32 tensor of its values.
  PyValue linspace(const Args& args, Span at) {
    Linspace l = linspace_bounds(args, "linspace", {"start", "end", "steps"},
                                 {"dtype", "device", "requires_grad"}, at);
    if (!argument(args, 2, "steps"))
      raise_torch(at, "linspace() missing required argument 'steps'",
                  "give it the number of values");
    std::optional<DType> dtype = dtype_argument(argument(args, SIZE_MAX, "dtype"), at);
    if (dtype && *dtype != DType::Float32)
      unsupported_here(at, fmt::format("torch.linspace of dtype {}", dtype_name(*dtype)),
                       "netshape computes torch.linspace in float32");
    return with_values(at, [&] { return value_linspace(l.start, l.end, l.count); });
  }

  // numpy.linspace(start, stop, num=50, endpoint=True) (torchvision's maxvit:
  // `np.linspace(0, p, n).tolist()`): a numpy array of its float64 values, which netshape reads
  // through .tolist() and iteration only (numpy_array_method).
  PyValue numpy_linspace_of(const Args& args, Span at) {
    Linspace l =
        linspace_bounds(args, "numpy.linspace", {"start", "stop", "num"}, {"endpoint"}, at);
    const PyValue* endpoint = argument(args, SIZE_MAX, "endpoint");
    PyValue array;
    array.kind = PyValue::Kind::Opaque;
    array.name = PyValue::kNumpyArray;
    try {
      for (double v : numpy_linspace(l.start, l.end, l.count, !endpoint || truthy(*endpoint, at)))
        array.items.push_back(PyValue::of(Value::floating(v, at)));
    } catch (const ValueTensorError& e) {
      raise_values_error(e, at);
    }
    return array;
  }

  // A numpy array's arithmetic and comparisons are elementwise, with numpy's types: netshape reads
  // the array through .tolist() and iteration only.
  static void refuse_numpy_array_operands(const PyValue& a, const PyValue& b, Span at) {
    for (const PyValue* v : {&a, &b})
      if (v->is_numpy_array())
        unsupported_here(at, "arithmetic or a comparison with a numpy array",
                         "read its numbers with .tolist() first");
  }

  // A method of a numpy array (numpy_linspace_of): .tolist() only.
  PyValue numpy_array_method(const PyValue& array, const std::string& name, const Args& args,
                             Span at) {
    if (name != "tolist" || !args.values.empty())
      unsupported_here(at, fmt::format("`.{}` of a numpy array", name),
                       "netshape reads a numpy array through .tolist() or a for loop over it");
    return make_list(array.items);
  }

  PyValue tensor_of(const Args& args, Span at) {
    return tensor_of_data(nth(args, 0, at), dtype_argument(argument(args, SIZE_MAX, "dtype"), at),
                          at);
  }

  // torch.tensor(data, dtype=dtype): a tensor of the values in `data`.
  PyValue tensor_of_data(const PyValue& data, std::optional<DType> dtype, Span at) {
    bool scalar = data.kind == PyValue::Kind::Data ||
                  (data.kind == PyValue::Kind::Values && data.values->scalar);
    if (data.kind == PyValue::Kind::Values && !dtype) dtype = data.values->dtype;
    std::vector<ValueTensor> items;
    if (data.kind == PyValue::Kind::Values && !data.values->scalar) {
      for (size_t i = 0; i < data.values->size(); ++i) items.push_back(data.values->element(i));
    } else {
      for (const PyValue& v : scalar ? PyList{data} : iterate(data, at)) {
        // A Python float joins as a float32: exact for a float32 tensor, not for an integer one.
        bool to_int = dtype && *dtype != DType::Float32 && *dtype != DType::Bool;
        if (to_int && v.is(Value::Kind::Float) &&
            static_cast<double>(static_cast<float>(v.data.f)) != v.data.f)
          unsupported_here(at, "torch.tensor() of " + text_of(v) + " as an integer");
        items.push_back(operand(v, at));
      }
    }
    return with_values(at, [&] { return value_from_items(items, scalar, dtype); });
  }

  // torch.<fn>(...) or t.<fn>(...) of tensors of values: the arguments as PyTorch takes them.
  PyValue values_operation(const std::string& fn, const Args& args, Span at) {
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      bool known = k.empty() || (fn == "diff" && (k == "n" || k == "dim")) ||
                   ((fn == "div" || fn == "divide") && k == "rounding_mode");
      if (!known) unsupported_here(args.spans[i], "argument `" + k + "` of " + fn + "()");
    }
    if (auto f = value_fn(fn)) {
      if (args.values.size() != 1) unsupported_here(at, fn + "() with these arguments");
      return with_values(at, [&] { return value_unary(*f, operand(args.values[0], at)); });
    }
    if (auto o = value_op(fn); o && args.values.size() >= 2) {
      const PyValue* mode = argument(args, 2, "rounding_mode");
      if (mode && !mode->is_none()) {
        if (!mode->is(Value::Kind::String) || mode->data.s != "floor")
          unsupported_here(at, "rounding_mode=" + text_of(*mode) + " of a tensor of values");
        o = ValueOp::FloorDiv;
      }
      return with_values(at, [&] {
        return value_binary(*o, operand(args.values[0], at), operand(args.values[1], at));
      });
    }
    return values_reduction(fn, args, at);
  }

  PyValue values_reduction(const std::string& fn, const Args& args, Span at) {
    if (fn == "diff") {
      const PyValue* n = argument(args, 1, "n");
      const PyValue* dim = argument(args, 2, "dim");
      if (dim && int_of(*dim, at) != -1 && int_of(*dim, at) != 0)
        raise(at, "Dimension out of range (expected to be in range of [-1, 0], but got " +
                      text_of(*dim) + ")");
      return with_values(
          at, [&] { return value_diff(operand(nth(args, 0, at), at), n ? int_of(*n, at) : 1); });
    }
    if ((fn == "sum" || fn == "max" || fn == "min") && args.values.size() == 1)
      return with_values(at, [&] { return value_reduce(fn, operand(args.values[0], at)); });
    unsupported_here(at, "torch." + fn + "() of a tensor of values",
                     "netshape computes tensors of values with arithmetic, round, floor, ceil, "
                     "log, exp, sqrt, pow, diff, sum, max, min, int(), float() and tolist()");
  }

  // t.tolist(), t.int(), t.round(), t.size() ...: the method, or the torch function with t first.
  PyValue values_method(const PyValue& self, const std::string& name, Args& args,
                        const Expr& call) {
    Span at = call.span;
    const ValueTensor& t = *self.values;
    if (name == "tolist") return tolist(t, at);
    if (name == "item") return python_number(t, single_element(t, at), at);
    if (name == "numel") return data_int(static_cast<int64_t>(t.size()), at);
    if (name == "dim" || name == "ndimension") return data_int(t.scalar ? 0 : 1, at);
    if (name == "size") return values_size(t, args, at);
    for (const char* same : {"clone", "detach", "contiguous", "cpu"})
      if (name == same) return self;
    static const std::pair<const char*, DType> kCasts[] = {{"int", DType::Int32},
                                                           {"long", DType::Int64},
                                                           {"float", DType::Float32},
                                                           {"bool", DType::Bool}};
    for (const auto& [method, d] : kCasts) {
      if (name == method) return with_values(at, [&, d = d] { return value_cast(t, d); });
    }
    if (name == "to" && args.values.size() == 1) {
      std::optional<DType> d = dtype_argument(&args.values[0], at);
      return with_values(at, [&] { return value_cast(t, *d); });
    }
    if (!forward_ && (name == "unsqueeze" || name == "transpose" || name == "permute" ||
                      name == "t" || name == "expand" || name == "flatten" ||
                      (made_elementwise_name(name) && !value_fn(name)))) {
      if (std::optional<PyValue> made = made_call(values_as_made(self, at), name, args, at))
        return *made;
    }
    if (!forward_ && (name == "view" || name == "reshape"))  // EDSR's `std.view(3, 1, 1, 1)`
      if (std::optional<PyValue> made = made_method(values_as_made(self, at), name, args, at))
        return *made;
    return values_operation(name, args.with_first(self, self.data.span, &call), at);
  }

  PyValue values_size(const ValueTensor& t, const Args& args, Span at) {
    PyList dims;
    if (!t.scalar) dims.push_back(data_int(static_cast<int64_t>(t.size()), at));
    if (args.values.empty()) return make_tuple(std::move(dims));
    return dims[static_cast<size_t>(wrapped_dim(int_of(args.values[0], at), t.scalar ? 0 : 1, at))];
  }

  // The index of the one element of a tensor that must have exactly one (item(), int(), if).
  static size_t single_element(const ValueTensor& t, Span at) {
    if (t.size() != 1)
      raise(at, t.size() == 0 ? "a Tensor with 0 elements cannot be converted to Scalar"
                              : fmt::format("a Tensor with {} elements cannot be converted to "
                                            "Scalar",
                                            t.size()));
    return 0;
  }

  PyValue values_attribute(const PyValue& t, const Expr& e) {
    const ValueTensor& v = *t.values;
    if (e.text == "shape") return values_size(v, Args{}, e.span);
    if (e.text == "ndim") return data_int(v.scalar ? 0 : 1, e.span);
    if (e.text == "dtype") return PyValue::builtin(std::string("torch.") + dtype_name(v.dtype));
    if (e.text == "data") return t;
    PyValue m = PyValue::builtin("method." + e.text);  // a method, bound to the tensor
    m.method_self = std::make_shared<PyValue>(t);
    return m;
  }

  // t[i] (a 0-dim tensor) and t[a:b].
  PyValue values_subscript(const PyValue& obj, const PyValue& index, Span at) {
    const ValueTensor& t = *obj.values;
    bool several = index.kind == PyValue::Kind::Tuple && index.name != "slice";
    if (!forward_ && (several || index.is_none() || is_ellipsis(index)))  // `position[:, None]`
      return made_subscript(values_as_made(obj, at), index, at);
    if (t.scalar) raise(at, "invalid index of a 0-dim tensor");
    if (index.kind == PyValue::Kind::Tuple && index.name == "slice") {
      PyList positions = make_range_items(t.size(), index, at);
      std::vector<size_t> picked;
      for (const PyValue& p : positions) picked.push_back(static_cast<size_t>(p.data.i));
      return with_values(at, [&] { return value_take(t, picked); });
    }
    if (!index.is(Value::Kind::Int))  // t[True] adds a dim: not an element
      unsupported_here(at, "indexing a tensor of values with " + describe(index));
    size_t i = index_of(int_of(index, at), t.size(), at);
    return PyValue::of_values(t.element(i), at);
  }

  // The positions a slice picks from `n` elements (tensors take only positive steps).
  PyList make_range_items(size_t n, const PyValue& slice, Span at) {
    if (!slice.items[2].is_none() && int_of(slice.items[2], at) <= 0)
      raise(at, "step must be greater than zero");
    PyList all;
    for (size_t i = 0; i < n; ++i) all.push_back(data_int(static_cast<int64_t>(i), at));
    return iterate(subscript(make_list(std::move(all)), slice, at), at);
  }

  // int(t), float(t), bool(t) of a one-element tensor, as Python converts it.
  PyValue values_number(const std::string& n, const ValueTensor& t, Span at) {
    PyValue v = python_number(t, single_element(t, at), at);
    if (n == "bool") return data_bool(truthy(v, at), at);
    if (n == "float") return PyValue::of(Value::floating(number_of(v, at), at));
    if (v.is(Value::Kind::Float)) {
      double f = v.data.f;
      if (!std::isfinite(f) || std::fabs(f) > 9.2e18) raise(at, "int() overflow");
      return data_int(static_cast<int64_t>(f), at);  // toward zero
    }
    return data_int(int_of(v, at), at);
  }

  bool values_truthy(const ValueTensor& t, Span at) {
    if (t.size() != 1)
      raise(at, t.size() == 0 ? "Boolean value of Tensor with no values is ambiguous"
                              : "Boolean value of Tensor with more than one value is ambiguous");
    return truthy(python_number(t, 0, at), at);
  }

  // ---- tensors made in __init__, followed by their sizes (python_made_sizes.hpp) ----
  // A sinusoidal position table: `position = torch.arange(n).unsqueeze(1)`, `torch.sin(position *
  // div_term)` written into `pe[:, 0::2]`. Their sizes and dtype are followed and checked as
  // PyTorch checks them; their values are not (forward reads one it computed as `empty`).

  template <typename Fn>
  static auto refused_at(Span at, Fn&& fn) {
    try {
      return fn();
    } catch (const ValueTensorError& e) {
      raise_torch(at, e.message, e.help);
    }
  }

  // A dim of a tensor made in __init__, wrapped; PyTorch's error out of range.
  static int64_t made_dim(int64_t dim, int64_t rank, Span at) {
    std::optional<int64_t> w = wrap_dim(dim, rank);
    if (!w) raise_torch(at, dim_out_of_range(std::to_string(dim), rank));
    return *w;
  }

  static Sizes sizes_of(const PyValue& made) {
    Sizes s;
    for (const PyValue& d : made.items) s.push_back(d.data.i);
    return s;
  }

  PyValue made_of(const Sizes& sizes, ElementType dtype, Span at, bool strided = false) {
    PyValue t;
    t.kind = PyValue::Kind::Made;
    t.strided = strided;
    t.name = "empty";
    t.values_unknown = true;
    t.made = next_made_++;
    t.data.span = at;
    t.dtype = dtype;
    for (int64_t s : sizes) t.items.push_back(data_int(s, at));
    return t;
  }

  static ElementType element_type_of_dtype(DType d) {
    switch (d) {
      case DType::Bool:
        return ElementType::Bool;
      case DType::Int32:
        return ElementType::Int32;
      case DType::Int64:
        return ElementType::Int64;
      default:
        return ElementType::Float32;
    }
  }

  // A tensor of values as one followed by its sizes only: for an op whose values netshape does
  // not compute (sin, unsqueeze), which loses the values but never a size.
  PyValue values_as_made(const PyValue& v, Span at) {
    return made_of(value_sizes(*v.values), element_type_of_dtype(v.values->dtype), at);
  }

  // The sizes of a tensor of values: none for a 0-dim one, else its length.
  static Sizes value_sizes(const ValueTensor& t) {
    return t.scalar ? Sizes{} : Sizes{static_cast<int64_t>(t.size())};
  }

  // An operand of an elementwise op with a tensor made in __init__: its sizes, and what its dtype
  // is to PyTorch's promotion (a Python number is `wrapped`: only its kind counts).
  struct MadeOperand {
    Sizes sizes;
    ElementType type = ElementType::Float32;
    bool zero_dim = false;
    bool wrapped = false;
  };
  MadeOperand made_operand(const PyValue& v, const std::string& op, Span at) {
    if (v.kind == PyValue::Kind::Made) return {sizes_of(v), v.dtype, v.items.empty(), false};
    if (v.kind == PyValue::Kind::Values) {
      const ValueTensor& t = *v.values;
      return {value_sizes(t), element_type_of_dtype(t.dtype), t.scalar, t.wrapped};
    }
    if (v.is(Value::Kind::DimRef)) return made_operand(resolved(v, at), op, at);
    if (v.is(Value::Kind::Bool)) return {{}, ElementType::Bool, true, true};
    if (v.is(Value::Kind::Int)) return {{}, ElementType::Int64, true, true};
    if (v.is(Value::Kind::Float)) return {{}, ElementType::Float32, true, true};
    unsupported_here(at,
                     "operator `" + op + "` between a tensor made in __init__ and " + describe(v));
  }

  // PyTorch's promotion of one type into another (promoteTypes): the higher category's type,
  // the wider one within a category.
  static ElementType promoted_type(ElementType a, ElementType b) {
    if (type_category(a) != type_category(b)) return type_category(a) > type_category(b) ? a : b;
    return wider(a, b);
  }

  // at::result_type of two operands: dimensioned tensors over 0-dim ones over Python numbers; a
  // lower priority changes the type only from a higher category (c10's combine_categories).
  static ElementType result_type(const MadeOperand& a, const MadeOperand& b) {
    std::optional<ElementType> dim, zero, wrapped;
    for (const MadeOperand* o : {&a, &b}) {
      std::optional<ElementType>& slot = o->wrapped ? wrapped : o->zero_dim ? zero : dim;
      slot = slot ? promoted_type(*slot, o->type) : o->type;
    }
    auto combine = [](std::optional<ElementType> higher, std::optional<ElementType> lower) {
      if (!higher) return lower;
      if (!lower || type_category(*higher) >= type_category(*lower)) return higher;
      return std::optional<ElementType>(promoted_type(*higher, *lower));
    };
    return *combine(dim, combine(zero, wrapped));
  }

  // `a op b` where either is a tensor made in __init__: the broadcast sizes, PyTorch's dtype.
  PyValue made_binary(const std::string& op, const PyValue& a, const PyValue& b, Span at) {
    std::optional<ValueOp> o = value_op(op);
    if (!o) unsupported_here(at, "operator `" + op + "` on a tensor made in __init__");
    MadeOperand x = made_operand(a, op, at), y = made_operand(b, op, at);
    check_made_operands(*o, x, y, b, at);
    Sizes sizes = refused_at(at, [&] { return broadcast_sizes(x.sizes, y.sizes); });
    ElementType type = result_type(x, y);
    bool strided = a.strided || b.strided;  // the result is laid out as its operands
    bool comparison = *o == ValueOp::Eq || *o == ValueOp::Ne || *o == ValueOp::Lt ||
                      *o == ValueOp::Le || *o == ValueOp::Gt || *o == ValueOp::Ge;
    if (comparison) {
      type = ElementType::Bool;
    } else if (type == ElementType::Bool) {
      unsupported_here(at, "arithmetic on bool tensors", "cast with `.float()` first");
    } else if (*o == ValueOp::Div && !is_floating(type)) {
      type = ElementType::Float32;  // true division gives the default float type
    }
    return made_of(sizes, type, at, strided);
  }

  // What PyTorch refuses of `a op b` before it broadcasts: subtraction with a bool, an integer
  // power of a negative integer, integer division by zero (the divisor's values known).
  void check_made_operands(ValueOp o, const MadeOperand& x, const MadeOperand& y,
                           const PyValue& second, Span at) {
    if (o == ValueOp::Sub && (x.type == ElementType::Bool || y.type == ElementType::Bool))
      raise_torch(at, kBoolSubtraction);
    ElementType type = result_type(x, y);
    bool integral = !is_floating(type) && type != ElementType::Bool;
    if (o == ValueOp::Pow && integral && second.is(Value::Kind::Int) && second.data.i < 0)
      raise_torch(at, "Integers to negative integer powers are not allowed.");
    if ((o == ValueOp::FloorDiv || o == ValueOp::Mod) && integral) {
      bool zero = false;
      if (second.is(Value::Kind::Int) || second.is(Value::Kind::Bool))
        zero = int_of(second, at) == 0;
      else if (second.kind == PyValue::Kind::Values)
        for (size_t i = 0; i < second.values->size(); ++i)
          zero = zero || (!second.values->is_float() && second.values->ints[i] == 0);
      else if (second.kind == PyValue::Kind::Made)
        unsupported_here(at, "integer division by a tensor made in __init__",
                         "its values are not followed; divide by a number");
      if (zero) raise_torch(at, "ZeroDivisionError");
    }
  }

  // `t op= v` of a tensor made in __init__: in place, so the result must keep t's sizes and be
  // castable to t's type; a parameter that trains refuses it.
  void made_in_place(const std::string& op, const PyValue& t, const PyValue& v, Span at) {
    check_writable(t, at);
    PyValue out = made_binary(op, t, v, at);
    refused_at(at, [&] {
      check_in_place_sizes(sizes_of(t), sizes_of(out));
      return 0;
    });
    if (type_category(out.dtype) > type_category(t.dtype))
      raise_torch(at, fmt::format("result type {} can't be cast to the desired output type {}",
                                  scalar_type_name(out.dtype), scalar_type_name(t.dtype)));
  }

  // An in-place op writes into `t`: PyTorch refuses it for a parameter that trains.
  void check_writable(const PyValue& t, Span at) const {
    if (trains(t))
      raise_torch(at, "a leaf Variable that requires grad is being used in an in-place operation.",
                  "change the tensor before making it an nn.Parameter");
  }

  // An nn.Parameter made in __init__ (`nn.Parameter(torch.zeros(...))`).
  static bool is_parameter(const PyValue& t) {
    return t.kind == PyValue::Kind::Made && t.name == "parameter";
  }
  static bool is_tensor_made(const PyValue& v) {
    return v.kind == PyValue::Kind::Made || v.kind == PyValue::Kind::Values;
  }

  // Whether `t` is an nn.Parameter that trains (PyTorch refuses in-place writes into it).
  bool trains(const PyValue& t) const { return is_parameter(t) && !frozen_made_.count(t.made); }

  [[noreturn]] void made_truthy(const PyValue& t, Span at) {
    Checked n = 1;
    for (int64_t s : sizes_of(t)) n = n * s;
    if (n.ok() && *n.get() == 0)
      raise_torch(at, "Boolean value of Tensor with no values is ambiguous");
    if (!n.ok() || *n.get() > 1)
      raise_torch(at, "Boolean value of Tensor with more than one value is ambiguous");
    unsupported_here(at, "the truth of a tensor made in __init__",
                     "its values are not followed: decide with a number");
  }

  // Elementwise functions of a tensor made in __init__ (`torch.sin(t)`, `t.exp()`): its sizes; a
  // float type (float32 from an integer one) for those that compute in floats.
  std::optional<PyValue> made_elementwise(const std::string& fn, const PyValue& t, Span at) {
    static const std::set<std::string> kSameType = {"abs",    "neg",       "negative", "round",
                                                    "floor",  "ceil",      "trunc",    "clone",
                                                    "detach", "contiguous"};
    ElementType type = t.dtype;
    if (made_elementwise_name(fn)) {
      if (!is_floating(type)) type = ElementType::Float32;
    } else if (kSameType.count(fn)) {
      if (type == ElementType::Bool && (fn == "neg" || fn == "negative"))
        raise_torch(at, kBoolNegation);
      if (type == ElementType::Bool && fn == "abs")
        raise_torch(at, "\"abs_cpu\" not implemented for 'Bool'");
      if (type == ElementType::Bool &&
          (fn == "floor" || fn == "ceil" || fn == "round" || fn == "trunc"))
        raise_torch(at, fmt::format("\"{}_vml_cpu\" not implemented for 'Bool'", fn));
    } else {
      return std::nullopt;
    }
    return made_of(sizes_of(t), type, at, t.strided && fn != "contiguous");
  }

  // The index of t[...] as basic-indexing items; nullopt for another kind of index.
  std::vector<IndexItem> index_items(const PyValue& index, Span at) {
    bool several = index.kind == PyValue::Kind::Tuple && index.name != "slice";
    std::vector<IndexItem> items;
    for (const PyValue& i : several ? index.items : PyList{index}) {
      IndexItem item;
      if (is_ellipsis(i)) {
        item.kind = IndexItem::Kind::Ellipsis;
      } else if (i.is_none()) {
        item.kind = IndexItem::Kind::NewAxis;
      } else if (i.kind == PyValue::Kind::Tuple && i.name == "slice") {
        item.kind = IndexItem::Kind::Slice;
        auto bound = [&](const PyValue& b) {
          return b.is_none() ? std::nullopt : std::optional<int64_t>(int_of(b, at));
        };
        item.start = bound(i.items[0]);
        item.stop = bound(i.items[1]);
        item.step = bound(i.items[2]);
      } else if (i.is(Value::Kind::Int) || i.is(Value::Kind::DimRef)) {
        item.index = int_of(i, at);
      } else {
        unsupported_here(at, "indexing a tensor made in __init__ with " + describe(i),
                         "netshape follows basic indexing there: integers, slices, None and ...");
      }
      items.push_back(item);
    }
    return items;
  }

  PyValue made_subscript(const PyValue& t, const PyValue& index, Span at) {
    std::vector<IndexItem> items = index_items(index, at);
    Sizes sizes = refused_at(at, [&] { return indexed_sizes(sizes_of(t), items); });
    return made_of(sizes, t.dtype, at,
                   t.strided || !contiguous_after_index(sizes_of(t), items, sizes));
  }

  // `t[...] = value` into a tensor made in __init__: the value must fit the place (PyTorch's
  // copy_); the tensor keeps its sizes and type.
  void made_set_item(const PyValue& t, const PyValue& index, const PyValue& v, Span at) {
    if (is_failed(v)) rethrow(v);
    if (trains(t))
      raise_torch(at,
                  "a view of a leaf Variable that requires grad is being used in an in-place "
                  "operation.",
                  "write the values into the tensor before making it an nn.Parameter");
    std::vector<IndexItem> items = index_items(index, at);
    Sizes target = refused_at(at, [&] { return indexed_sizes(sizes_of(t), items); });
    MadeOperand value = made_operand(v, "=", at);
    refused_at(at, [&] {
      check_copy_into(target, value.sizes, checked_type_name(value.type));
      return 0;
    });
  }

  // masked_fill(mask, value), by position or keyword: other arguments are PyTorch's TypeError,
  // which names their Python types (`got (Tensor, float, value=float)`).
  static void check_fill_arguments(const std::string& name, const Args& args, Span at) {
    std::vector<std::string> positional, keywords;
    bool fits = args.values.size() == 2;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& a = args.values[i];
      std::string type = a.kind == PyValue::Kind::Made || a.kind == PyValue::Kind::Values ||
                                 a.kind == PyValue::Kind::Tensor
                             ? "Tensor"
                         : a.is(Value::Kind::Float)                            ? "float"
                         : a.is(Value::Kind::Bool)                             ? "bool"
                         : a.is(Value::Kind::Int) || a.is(Value::Kind::DimRef) ? "int"
                                                                               : "object";
      const std::string& k = args.keywords[i];
      if (k.empty()) {
        positional.push_back(type);
        fits = fits && keywords.empty();
      } else {
        keywords.push_back(k + "=" + type);
        size_t slot = k == "mask" ? 0 : k == "value" ? 1 : 2;
        fits = fits && slot >= positional.size() && slot < 2;
      }
    }
    bool repeated = args.keywords.size() == 2 && !args.keywords[0].empty() &&
                    args.keywords[0] == args.keywords[1];
    if (fits && !repeated) return;
    std::sort(keywords.begin(), keywords.end());
    positional.insert(positional.end(), keywords.begin(), keywords.end());
    raise_torch(at,
                fmt::format("{}() received an invalid combination of arguments - got ({}), but "
                            "expected one of:",
                            name, fmt::join(positional, ", ")),
                "its arguments are a bool mask and a number: t.masked_fill(mask, value)");
  }

  // The fill value as the tensor's type holds it: a number it cannot hold is PyTorch's error
  // (float32 holds up to 3.4e38; infinities and NaN pass), as c10's checked conversion says.
  static void check_fill_value(ElementType type, const PyValue& v, Span at) {
    if (std::optional<std::string> overflow = fill_overflow(type, v))
      raise_torch(at, *overflow, "fill it with a value its type holds");
  }
  // PyTorch's error for a number `type` cannot hold, or nullopt: c10's checked conversion, as
  // fill values, torch.full and item assignment convert them. A floating type holds its finite
  // range, the infinities and NaN; an integer type holds neither (1e19, inf and NaN into int64
  // are errors); bool holds any number.
  static std::optional<std::string> fill_overflow(ElementType type, const PyValue& v) {
    if (!v.is(Value::Kind::Float) && !v.is(Value::Kind::Int)) return std::nullopt;
    if (type == ElementType::Int64 && v.is(Value::Kind::Int)) return std::nullopt;  // exact
    double x = v.is(Value::Kind::Float) ? v.data.f : static_cast<double>(v.data.i);
    const NumberLimits* l = number_limits(type);
    if (!l || !l->c10_name) return std::nullopt;
    bool held = std::isinf(x) || std::isnan(x) ? l->floating : x >= l->lowest && x <= l->highest;
    if (!held)
      return fmt::format("value cannot be converted to type {} without overflow", l->c10_name);
    return std::nullopt;
  }

  // t.masked_fill(mask, value) of a tensor made in __init__ (an additive attention mask,
  // `torch.zeros(n, n).masked_fill(causal, float('-inf'))`): t's type, the sizes of t and the mask
  // broadcast (in place: t's, which must not grow). The mask is bool (uint8 is read as bool, as
  // PyTorch does after its deprecation warning); one of numbers is refused, as PyTorch takes it
  // only when its values are 0 and 1. The value is a number.
  PyValue made_masked_fill(const PyValue& t, const std::string& name, const Args& args, Span at) {
    check_fill_arguments(name, args, at);
    const PyValue* mask = argument(args, 0, "mask");
    const PyValue* value = argument(args, 1, "value");
    MadeOperand m = made_operand(*mask, name, at);
    if (m.type != ElementType::Bool && m.type != ElementType::UInt8)
      unsupported_here(at, fmt::format("{} with a {} mask", name, element_type_name(m.type)),
                       "PyTorch takes a mask of numbers only when its values are 0 and 1: make "
                       "it bool (`mask == 1`)");
    const PyValue v = value->is(Value::Kind::DimRef) ? resolved(*value, at) : *value;
    if (!v.is(Value::Kind::Int) && !v.is(Value::Kind::Float) && !v.is(Value::Kind::Bool))
      unsupported_here(at, fmt::format("{} with {} as its value", name, describe(v)),
                       "give the value as a number");
    check_fill_value(t.dtype, v, at);  // PyTorch's error first: a refusal is skipped if unused
    if (v.is(Value::Kind::Float) && !is_floating(t.dtype) && t.dtype != ElementType::Bool)
      unsupported_here(
          at, fmt::format("{} of a {} tensor with a float value", name, element_type_name(t.dtype)),
          "fill an integer tensor with an integer");
    bool in_place = name == "masked_fill_";
    if (in_place) check_writable(t, at);
    Sizes out = refused_at(at, [&] { return filled_sizes(sizes_of(t), m.sizes, in_place); });
    return in_place ? t : made_of(out, t.dtype, at);
  }

  // t.<name>(args) of a tensor made in __init__ that netshape follows by sizes: elementwise
  // functions, casts, unsqueeze, transpose, permute; nullopt for another method.
  std::optional<PyValue> made_call(const PyValue& t, const std::string& name, const Args& args,
                                   Span at) {
    if (auto out = made_elementwise(name, t, at)) return out;
    if (name == "requires_grad_") {  // `self.w.requires_grad_(False)`: the parameter is frozen
      const PyValue* on = argument(args, 0, "requires_grad");
      if (is_parameter(t)) set_parameter_requires_grad(t, on ? *on : data_bool(true, at), at);
      return t;
    }
    static const std::pair<const char*, ElementType> kCasts[] = {
        {"float", ElementType::Float32}, {"double", ElementType::Float64},
        {"half", ElementType::Float16},  {"long", ElementType::Int64},
        {"int", ElementType::Int32},     {"bool", ElementType::Bool}};
    for (const auto& [method, type] : kCasts)
      if (name == method) return made_of(sizes_of(t), type, at, t.strided);
    if (name == "to" && !args.values.empty()) {
      std::optional<ElementType> type = element_type_of(args.values[0]);
      if (!type) return std::nullopt;  // .to(device): not a cast netshape follows here
      return made_of(sizes_of(t), *type, at, t.strided);
    }
    Sizes sizes = sizes_of(t);
    int64_t rank = static_cast<int64_t>(sizes.size());
    if (name == "unsqueeze") {
      int64_t dim = made_dim(int_of(nth(args, 0, at), at), rank + 1, at);
      sizes.insert(sizes.begin() + dim, 1);
      return made_of(sizes, t.dtype, at, t.strided);
    }
    if (name == "expand") return made_expand(t, args, at);
    if (name == "masked_fill" || name == "masked_fill_") return made_masked_fill(t, name, args, at);
    if (name == "flatten") {
      const PyValue* start = argument(args, 0, "start_dim");
      const PyValue* end = argument(args, 1, "end_dim");
      int64_t from = made_dim(start ? int_of(*start, at) : 0, rank, at);
      int64_t to = made_dim(end ? int_of(*end, at) : -1, rank, at);
      if (rank == 0) return made_of({1}, t.dtype, at, t.strided);
      if (from > to)
        raise_torch(at, "flatten() has invalid args: start_dim cannot come after end_dim");
      Checked merged = 1;
      for (int64_t k = from; k <= to; ++k) merged = merged * sizes[static_cast<size_t>(k)];
      if (!merged.ok()) raise(at, "integer overflow in the sizes of flatten");
      Sizes out(sizes.begin(), sizes.begin() + from);
      out.push_back(*merged.get());
      out.insert(out.end(), sizes.begin() + to + 1, sizes.end());
      return made_of(out, t.dtype, at, t.strided);
    }
    if (name == "transpose" || name == "swapaxes" || name == "t") {
      if (name == "t" && rank > 2)
        raise_torch(
            at, fmt::format("t() expects a tensor with <= 2 dimensions, but self is {}D", rank));
      int64_t a = name == "t" ? 0 : made_dim(int_of(nth(args, 0, at), at), rank, at);
      int64_t b = name == "t" ? std::max<int64_t>(rank - 1, 0)
                              : made_dim(int_of(nth(args, 1, at), at), rank, at);
      std::vector<int64_t> order;
      for (int64_t k = 0; k < rank; ++k) order.push_back(k);
      if (rank > 0) std::swap(order[static_cast<size_t>(a)], order[static_cast<size_t>(b)]);
      return made_permuted(t, order, at);
    }
    if (name == "permute") {
      PyList dims = args.values.size() == 1 && (args.values[0].kind == PyValue::Kind::Tuple ||
                                                args.values[0].kind == PyValue::Kind::List)
                        ? iterate(args.values[0], at)
                        : args.values;
      if (static_cast<int64_t>(dims.size()) != rank)
        raise_torch(at,
                    fmt::format("permute(sparse_coo): number of dimensions in the tensor input "
                                "does not match the length of the desired ordering of dimensions "
                                "i.e. input.dim() = {} is not equal to len(dims) = {}",
                                rank, dims.size()));
      std::vector<int64_t> order;
      std::set<int64_t> seen;
      for (const PyValue& d : dims) {
        int64_t k = made_dim(int_of(d, at), rank, at);
        if (!seen.insert(k).second) raise_torch(at, "permute(): duplicate dims are not allowed.");
        order.push_back(k);
      }
      return made_permuted(t, order, at);
    }
    if ((name == "numel" || name == "nelement") && args.values.empty()) {
      Checked n(1);
      for (int64_t size : sizes) n = n * size;
      if (!n.get()) raise(at, "the tensor's number of elements passes 64 bits");
      return data_int(*n.get(), at);
    }
    if (name == "size" || name == "dim") {
      if (name == "dim") return data_int(rank, at);
      if (args.values.empty()) return made_shape(t, at);
      int64_t d = int_of(args.values[0], at);
      if (rank == 0)
        raise_torch(at, fmt::format("Dimension specified as {} but tensor has no dimensions", d));
      return data_int(sizes[static_cast<size_t>(made_dim(d, rank, at))], at);
    }
    return std::nullopt;
  }

  // t's dims in `order` (each once): a view, contiguous while the dims longer than 1 keep their
  // order.
  PyValue made_permuted(const PyValue& t, const std::vector<int64_t>& order, Span at) {
    Sizes sizes = sizes_of(t), out;
    for (int64_t k : order) out.push_back(sizes[static_cast<size_t>(k)]);
    return made_of(out, t.dtype, at, t.strided || !contiguous_after_permute(sizes, order));
  }

  // t.expand(sizes): a view; contiguous while no dim grows (a new leading 1, or -1).
  PyValue made_expand(const PyValue& t, const Args& args, Span at) {
    PyList given = args.values.size() == 1 && (args.values[0].kind == PyValue::Kind::Tuple ||
                                               args.values[0].kind == PyValue::Kind::List)
                       ? iterate(args.values[0], at)
                       : args.values;
    Sizes target;
    for (const PyValue& v : given) target.push_back(int_of(v, at));
    Sizes before = sizes_of(t);
    Sizes out =
        refused_at(at, [&] { return expanded_sizes(before, target, checked_type_name(t.dtype)); });
    Checked before_count = 1, after_count = 1;
    for (int64_t d : before) before_count = before_count * d;
    for (int64_t d : out) after_count = after_count * d;
    if (!after_count.ok()) raise_torch(at, "numel: integer multiplication overflow");
    bool grows = !before_count.ok() || before_count.get() != after_count.get();
    return made_of(out, t.dtype, at, t.strided || grows);
  }

  PyValue made_shape(const PyValue& t, Span at) {
    PyList dims;
    for (int64_t s : sizes_of(t)) dims.push_back(data_int(s, at));
    PyValue size = make_tuple(std::move(dims));
    size.name = "torch.Size";  // `t.shape[1:].numel()`
    return size;
  }

  // torch.<fn>(...) in __init__ with a tensor made there, or with a tensor of values where the
  // function is one netshape follows by sizes only (torch.sin, torch.unsqueeze, torch.outer);
  // nullopt for any other call.
  std::optional<PyValue> made_function(const std::string& n, Args& args, Span at) {
    if (forward_ || n.rfind("torch.", 0) != 0 || args.values.empty()) return std::nullopt;
    std::string fn = n.substr(6);
    auto is_made = [](const PyValue& v) { return v.kind == PyValue::Kind::Made; };
    bool made = std::any_of(args.values.begin(), args.values.end(), is_made);
    if ((fn == "cat" || fn == "concat" || fn == "stack") &&
        (args.values[0].kind == PyValue::Kind::List ||
         args.values[0].kind == PyValue::Kind::Tuple)) {
      PyList items = iterate(args.values[0], at);
      made = std::any_of(items.begin(), items.end(), is_made);
    }
    bool by_sizes = fn == "outer" || fn == "ger" || fn == "unsqueeze" || fn == "transpose" ||
                    fn == "permute" || fn == "t" || (made_elementwise_name(fn) && !value_fn(fn));
    if (!made && !(by_sizes && has_values(args))) return std::nullopt;
    auto as_made = [&](const PyValue& v) {
      return v.kind == PyValue::Kind::Values ? values_as_made(v, at) : v;
    };
    if (fn == "outer" || fn == "ger") {
      MadeOperand a = made_operand(as_made(nth(args, 0, at)), fn, at);
      MadeOperand b = made_operand(as_made(nth(args, 1, at)), fn, at);
      if (a.sizes.size() != 1 || b.sizes.size() != 1)
        raise_torch(
            at,
            a.sizes.size() != 1
                ? fmt::format("outer: Expected 1-D argument self, but got {}-D", a.sizes.size())
                : fmt::format("outer: Expected 1-D argument vec2, but got {}-D", b.sizes.size()));
      return made_of({a.sizes[0], b.sizes[0]}, result_type(a, b), at);
    }
    if (fn == "cat" || fn == "concat" || fn == "stack") return made_join(fn, args, at);
    if (auto o = value_op(fn); o && args.values.size() == 2 && args.keywords[1].empty())
      return made_binary(fn, args.values[0], args.values[1], at);
    const PyValue& first = nth(args, 0, at);
    if (first.kind != PyValue::Kind::Made && first.kind != PyValue::Kind::Values)
      return std::nullopt;
    return made_call(as_made(first), fn, args.without_first(), at);
  }

  // torch.cat / torch.stack of tensors made in __init__ (`torch.cat([angles.sin(),
  // angles.cos()], dim=-1)`): PyTorch's checks, its promotion of the items' types.
  PyValue made_join(const std::string& fn, const Args& args, Span at) {
    PyList items = iterate(nth(args, 0, at), at);
    if (items.empty()) raise_torch(at, "torch." + fn + "(): expected a non-empty list of Tensors");
    std::vector<MadeOperand> parts;
    for (const PyValue& v : items) {
      if (v.kind != PyValue::Kind::Made && v.kind != PyValue::Kind::Values)
        unsupported_here(at, "torch." + fn + "() of " + describe(v) + " in __init__");
      parts.push_back(
          made_operand(v.kind == PyValue::Kind::Values ? values_as_made(v, at) : v, fn, at));
    }
    const PyValue* dim_arg = argument(args, 1, "dim");
    int64_t dim = dim_arg ? int_of(*dim_arg, at) : 0;
    ElementType type = parts[0].type;
    for (const MadeOperand& p : parts) type = promoted_type(type, p.type);
    // The items' numbers in the list, which PyTorch's messages give.
    std::vector<size_t> numbers(parts.size());
    for (size_t i = 0; i < parts.size(); ++i) numbers[i] = i;
    if (fn != "stack") {
      for (size_t i = 0; i < parts.size(); ++i)
        if (parts[i].sizes.empty())
          raise_torch(at, fmt::format("zero-dimensional tensor (at position {}) cannot be "
                                      "concatenated",
                                      i));
      std::vector<MadeOperand> kept;
      std::vector<size_t> kept_numbers;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (skipped_by_cat(parts[i].sizes)) continue;
        kept.push_back(std::move(parts[i]));
        kept_numbers.push_back(i);
      }
      if (kept.empty()) return made_of({0}, type, at);
      parts = std::move(kept);
      numbers = std::move(kept_numbers);
    }
    const Sizes& first = parts[0].sizes;
    int64_t rank = static_cast<int64_t>(first.size());
    if (fn == "stack") {
      size_t d = static_cast<size_t>(made_dim(dim, rank + 1, at));
      for (size_t i = 1; i < parts.size(); ++i)
        if (parts[i].sizes != first)
          raise_torch(
              at, fmt::format("stack expects each tensor to be equal size, but got [{}] at entry "
                              "0 and [{}] at entry {}",
                              fmt::join(first, ", "), fmt::join(parts[i].sizes, ", "), i));
      Sizes out = first;
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(d), static_cast<int64_t>(parts.size()));
      return made_of(out, type, at);
    }
    size_t d = static_cast<size_t>(made_dim(dim, rank, at));
    Sizes out = first;
    for (size_t i = 1; i < parts.size(); ++i) {
      const Sizes& s = parts[i].sizes;
      if (s.size() != first.size())
        raise_torch(at, fmt::format("Tensors must have same number of dimensions: got {} and {}",
                                    first.size(), s.size()));
      for (size_t k = 0; k < s.size(); ++k)
        if (k != d && s[k] != first[k])
          raise_torch(at,
                      fmt::format("Sizes of tensors must match except in dimension {}. Expected "
                                  "size {} but got size {} for tensor number {} in the list.",
                                  d, first[k], s[k], numbers[i]));
      std::optional<int64_t> sum = (Checked(out[d]) + s[d]).get();
      if (!sum) raise(at, "integer overflow in the sizes of torch." + fn);
      out[d] = *sum;
    }
    return made_of(out, type, at);
  }

  static bool made_elementwise_name(const std::string& fn) {
    static const std::set<std::string> kNames = {
        "sin",  "cos",   "tan",   "tanh",  "sigmoid", "exp",  "exp2",      "expm1", "log",
        "log2", "log10", "log1p", "sqrt",  "rsqrt",   "erf",  "asin",      "acos",  "atan",
        "sinh", "cosh",  "asinh", "acosh", "atanh",   "erfc", "reciprocal"};
    return kNames.count(fn) != 0;
  }

  // ---- operators ----

  PyValue unary(const Expr& e, const PyValue& v) {
    if (e.text == "not") return data_bool(!truthy(v, e.span), e.span);
    if (v.kind == PyValue::Kind::Tensor) return tensor_unary(e.text, v, e.span);
    if (v.is(Value::Kind::DimRef)) return unary(e, resolved(v, e.span));  // `-z.size(2)`
    if (v.kind == PyValue::Kind::Made && !forward_ && (e.text == "-" || e.text == "+"))
      return e.text == "+" ? v : *made_elementwise("neg", v, e.span);
    if (v.kind == PyValue::Kind::Values && (e.text == "-" || e.text == "+")) {
      if (e.text == "+") return v;
      return with_values(e.span, [&] { return value_unary(ValueFn::Neg, *v.values); });
    }
    if (v.is(Value::Kind::Int)) {
      if (e.text == "-") {
        if (v.data.i == INT64_MIN) raise(e.span, "integer overflow in `-`");
        return data_int(-v.data.i, e.span);
      }
      if (e.text == "+") return v;
      if (e.text == "~") return data_int(~v.data.i, e.span);
    }
    if (v.is(Value::Kind::Float) && (e.text == "-" || e.text == "+"))
      return PyValue::of(Value::floating(e.text == "-" ? -v.data.f : v.data.f, e.span));
    raise(e.span, "unsupported Python construct: operator `" + e.text + "` on this value");
  }

  // `-x` (a new tensor of x's shape and type), `+x` (x itself, as torch.positive returns it),
  // `~mask` (a bool or integer tensor's bitwise not).
  PyValue tensor_unary(const std::string& op, const PyValue& t, Span at) {
    if (op == "+") return t;
    bool integral = type_category(t.dtype) < 2;
    if (op == "-" && t.dtype == ElementType::Bool) {
      torch_error(t, at, kBoolNegation, "invert a mask with `~mask`");
    }
    if ((op == "~" && !integral) || (op != "-" && op != "~")) {
      unsupported_here(at,
                       fmt::format("operator `{}` on a {} tensor", op, element_type_name(t.dtype)));
    }
    PyValue out = copy_of(t, PyValue::Copy::Dense);
    using Op = ValueStep::Op;
    Op step = op == "-" ? Op::Neg : t.dtype == ElementType::Bool ? Op::LogicalNot : Op::BitNot;
    push_step(out, ValueStep{step, 0.0}, at);
    out.data.span = at;
    return out;
  }

  PyValue binary_expr(const Expr& e, Frame& f) {
    if (e.text == "and" || e.text == "or") {
      PyValue lhs = eval(e.items[0], f);
      bool t = truthy(lhs, e.items[0].span);
      if ((e.text == "and") != t) return lhs;
      return eval(e.items[1], f);
    }
    PyValue lhs = eval(e.items[0], f);  // left to right, as Python
    return binary(e.text, lhs, eval(e.items[1], f), e.span);
  }

  static bool is_sequential(const PyValue& v) {
    return v.kind == PyValue::Kind::Module && v.module->kind == ModuleDef::Sequential &&
           !v.module->list && v.module->op.empty();
  }
  static bool is_module_list(const PyValue& v) {
    return v.kind == PyValue::Kind::Module && v.module->op == "ModuleList";
  }

  // PyTorch 1.13's container operators: `seq_a + seq_b` and `seq * n` (`n * seq`) a new
  // nn.Sequential, `modules + more` a new nn.ModuleList, of the same module objects, numbered
  // from 0 (a module there twice is one, its parameters counted once); nullopt for other values.
  std::optional<PyValue> container_binary(const std::string& op, const PyValue& a, const PyValue& b,
                                          Span at) {
    ModuleDef out;
    out.kind = ModuleDef::Sequential;
    out.span = at;
    auto add = [&](const ModuleDef& child) {
      if (static_cast<int64_t>(out.children.size()) >= limits::kMaxPySteps)
        raise(at, "container too long to build");
      check_container_depth(child, at);
      out.children.emplace_back(std::to_string(out.children.size()), child);
    };
    if (op == "+" && is_sequential(a) && is_sequential(b)) {
      for (const PyValue* side : {&a, &b})
        for (const ModuleChild& c : side->module->children) add(c.def);
    } else if (op == "+" && is_module_list(a)) {
      out.op = "ModuleList";
      out.list = true;
      for (const ModuleChild& c : a.module->children) add(c.def);
      for (const PyValue& v : iterate(b, at)) {
        require_module(v, at, "nn.ModuleList holds modules only");
        add(*v.module);
      }
    } else if (op == "*" && (is_sequential(a) || is_sequential(b))) {
      const PyValue& seq = is_sequential(a) ? a : b;
      const PyValue& times = is_sequential(a) ? b : a;
      if (!times.is(Value::Kind::Int) && !times.is(Value::Kind::Bool))
        raise_torch(at, "unsupported operand type(s) for *: nn.Sequential and " + describe(times),
                    "repeat it an int number of times");
      int64_t n = times.is(Value::Kind::Bool) ? int64_t{times.data.b} : times.data.i;
      if (n <= 0)
        raise_torch(at,
                    fmt::format("Non-positive multiplication factor {} for <class "
                                "'torch.nn.modules.container.Sequential'>",
                                n),
                    "repeat it once or more");
      for (int64_t k = 0; k < n; ++k)
        for (const ModuleChild& c : seq.module->children) add(c.def);
    } else {
      return std::nullopt;
    }
    return make_module(std::move(out));
  }

  PyValue binary(const std::string& op, const PyValue& a, const PyValue& b, Span at) {
    if (a.kind == PyValue::Kind::Unbound) unbound_error(a, at);
    if (b.kind == PyValue::Kind::Unbound) unbound_error(b, at);
    refuse_numpy_array_operands(a, b, at);
    if (forward_ && (is_layer_tensor(a) || is_layer_tensor(b)))  // `self.weight - mean`
      return binary(op, as_tensor_in_forward(a, at), as_tensor_in_forward(b, at), at);
    if (a.kind == PyValue::Kind::Tensor || b.kind == PyValue::Kind::Tensor)
      return tensor_arithmetic(op, a, b, at);
    if (a.kind == PyValue::Kind::Values || b.kind == PyValue::Kind::Values) {
      if (a.kind != PyValue::Kind::Made && b.kind != PyValue::Kind::Made)
        return values_binary(op, a, b, at);
    }
    if (a.kind == PyValue::Kind::Made || b.kind == PyValue::Kind::Made)
      return made_binary(op, a, b, at);
    if (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef))
      return binary(op, resolved(a, at), resolved(b, at), at);
    bool sequences =
        (a.kind == PyValue::Kind::List || a.kind == PyValue::Kind::Tuple) && a.kind == b.kind;
    if (op == "+" && sequences) {
      PyList out = iterate(a, at), more = iterate(b, at);
      if (static_cast<int64_t>(out.size() + more.size()) > limits::kMaxPySteps)
        raise(at, "list too long to build");
      out.insert(out.end(), more.begin(), more.end());
      return a.kind == PyValue::Kind::List ? make_list(std::move(out)) : make_tuple(std::move(out));
    }
    if (op == "*" && (a.kind == PyValue::Kind::List || a.kind == PyValue::Kind::Tuple ||
                      b.kind == PyValue::Kind::List || b.kind == PyValue::Kind::Tuple)) {
      bool left = a.kind == PyValue::Kind::List || a.kind == PyValue::Kind::Tuple;
      const PyValue& seq = left ? a : b;
      int64_t times = int_of(left ? b : a, at);
      PyList items = iterate(seq, at), out;
      if (times > 0 && static_cast<int64_t>(items.size()) * times > limits::kMaxPySteps)
        raise(at, "list too long to build");
      for (int64_t k = 0; k < times; ++k) out.insert(out.end(), items.begin(), items.end());
      return seq.kind == PyValue::Kind::List ? make_list(std::move(out))
                                             : make_tuple(std::move(out));
    }
    if (a.is(Value::Kind::String) && b.is(Value::Kind::String) && op == "+") {
      if (a.data.s.size() + b.data.s.size() > kMaxText) raise(at, "string too long to build");
      return data_str(a.data.s.str() + b.data.s.str(), at);
    }
    if (a.is(Value::Kind::String) && op == "%") return data_str(percent_format(a, b, at), at);
    if (auto joined = container_binary(op, a, b, at)) return *joined;
    if (a.kind != PyValue::Kind::Data || b.kind != PyValue::Kind::Data)
      raise(at, "unsupported Python construct: operator `" + op + "` on these values");
    bool bools = a.is(Value::Kind::Bool) && b.is(Value::Kind::Bool);
    if (bools && (op == "&" || op == "|" || op == "^")) {  // bool's own operators keep a bool
      bool r = op == "&"   ? a.data.b && b.data.b
               : op == "|" ? a.data.b || b.data.b
                           : a.data.b != b.data.b;
      return data_bool(r, at);
    }
    bool ints = (a.is(Value::Kind::Int) || a.is(Value::Kind::Bool)) &&
                (b.is(Value::Kind::Int) || b.is(Value::Kind::Bool));
    if (ints && op != "/") return int_binary(op, int_of(a, at), int_of(b, at), at);
    double x = number_of(a, at), y = number_of(b, at);
    if ((op == "/" || op == "//" || op == "%") && y == 0.0) raise(at, "division by zero");
    double r = 0;
    if (op == "+")
      r = x + y;
    else if (op == "-")
      r = x - y;
    else if (op == "*")
      r = x * y;
    else if (op == "/")
      r = x / y;
    else if (op == "//" || op == "%")
      r = float_div_mod(x, y)[op == "//" ? 0 : 1];
    else if (op == "**")
      r = float_power(x, y, at);
    else
      raise(at, "unsupported Python construct: operator `" + op + "` on numbers");
    return PyValue::of(Value::floating(r, at));
  }

  // x // y and x % y of floats as CPython computes them (float_divmod): from fmod, the remainder
  // taking the divisor's sign (a zero one too), the quotient rounded to the nearest whole number
  // (1 // 0.1 is 9.0, not floor(1 / 0.1) = 10.0).
  static std::array<double, 2> float_div_mod(double x, double y) {
    double mod = std::fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0.0) {
      if ((y < 0) != (mod < 0)) {
        mod += y;
        div -= 1.0;
      }
    } else {
      mod = std::copysign(0.0, y);
    }
    double floordiv = 0.0;
    if (div != 0.0) {
      floordiv = std::floor(div);
      if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
      floordiv = std::copysign(0.0, x / y);
    }
    return {floordiv, mod};
  }

  // x ** y of floats as Python: 0.0 to a negative power and a finite result too large are its
  // errors; a negative base to a fractional power is a complex number, not followed.
  static double float_power(double x, double y, Span at) {
    if (x == 0.0 && y < 0) raise(at, "0.0 cannot be raised to a negative power");
    if (x < 0 && std::isfinite(y) && y != std::floor(y))
      unsupported_here(at, "a negative number to a fractional power (a complex number)");
    double r = std::pow(x, y);
    if (std::isinf(r) && std::isfinite(x) && std::isfinite(y))
      raise(at, "(34, 'Numerical result out of range')");
    return r;
  }

  PyValue int_binary(const std::string& op, int64_t a, int64_t b, Span at) {
    Checked r = 0;
    if (op == "+")
      r = Checked(a) + b;
    else if (op == "-")
      r = Checked(a) - b;
    else if (op == "*")
      r = Checked(a) * b;
    else if (op == "//" || op == "%") {
      if (b == 0) raise(at, "division by zero");
      auto v = op == "//" ? python_floor_div(a, b) : python_mod(a, b);
      if (!v) raise(at, "integer overflow in `" + op + "`");
      return data_int(*v, at);
    } else if (op == "**") {
      if (b < 0) return PyValue::of(Value::floating(float_power(double(a), double(b), at), at));
      if (a == 0 || a == 1) return data_int(b == 0 ? 1 : a, at);  // no loop for 1 ** 10**18
      if (a == -1) return data_int(b % 2 == 0 ? 1 : -1, at);
      r = 1;
      for (int64_t k = 0; k < b && r.ok(); ++k) r = r * a;  // |a| >= 2: overflows within 63
    } else if (op == "<<" || op == ">>") {
      if (b < 0 || b > 62) raise(at, "shift count out of range");
      if (op == ">>") return data_int(a >> b, at);
      r = Checked(a) * (int64_t{1} << b);
    } else if (op == "&") {
      return data_int(a & b, at);
    } else if (op == "|") {
      return data_int(a | b, at);
    } else if (op == "^") {
      return data_int(a ^ b, at);
    } else {
      raise(at, "unsupported Python construct: operator `" + op + "` on ints");
    }
    if (!r.ok()) raise(at, "integer overflow in `" + op + "`");
    return data_int(*r.get(), at);
  }

  PyValue compare_chain(const Expr& e, Frame& f) {
    PyValue left = eval(e.items[0], f);
    for (size_t i = 0; i < e.ops.size(); ++i) {
      PyValue right = eval(e.items[i + 1], f);
      if (forward_ && (is_layer_tensor(left) || is_layer_tensor(right))) {  // `self.fc.weight > 0`
        left = as_tensor_in_forward(left, e.span);
        right = as_tensor_in_forward(right, e.span);
      }
      if (e.ops.size() == 1 && is_tensor_comparison(e.ops[i], left, right))
        return comparison_mask(e.ops[i], left, right, e.span);
      bool made = left.kind == PyValue::Kind::Made || right.kind == PyValue::Kind::Made;
      if (made && value_op(e.ops[i])) {  // a mask, by its sizes; a chain asks for its truth
        PyValue r = made_binary(e.ops[i], left, right, e.span);
        if (i + 1 == e.ops.size()) return r;
        made_truthy(r, e.span);
      }
      bool values = left.kind == PyValue::Kind::Values || right.kind == PyValue::Kind::Values;
      if (values && value_op(e.ops[i])) {
        // Elementwise, a bool tensor; a chain goes on as Python's `and` of the links would.
        PyValue r = values_binary(e.ops[i], left, right, e.span);
        if (i + 1 == e.ops.size() || !values_truthy(*r.values, e.span)) return r;
        left = std::move(right);
        continue;
      }
      if (!compare(e.ops[i], left, right, e.span)) return data_bool(false, e.span);
      left = std::move(right);
    }
    return data_bool(true, e.span);
  }

  // `x > 0`, `h == 0`: a tensor compared with a number, elementwise (a chain `0 < x < 1` asks
  // Python's `and` of two tensors, which PyTorch refuses: not this).
  bool is_tensor_comparison(const std::string& op, const PyValue& a, const PyValue& b) {
    static const std::set<std::string> kOps = {"<", ">", "<=", ">=", "==", "!="};
    if (!kOps.count(op)) return false;
    bool ta = a.kind == PyValue::Kind::Tensor, tb = b.kind == PyValue::Kind::Tensor;
    if (ta && tb)
      unsupported_here(a.data.span, "comparing two tensors elementwise",
                       "netshape follows a tensor compared with a number (`x > 0`)");
    return (ta && is_number(b)) || (tb && is_number(a));
  }

  // The mask `a op b` makes (one a tensor, the other a number): a new bool tensor of the
  // tensor's shape.
  PyValue comparison_mask(const std::string& op, const PyValue& a, const PyValue& b, Span at) {
    bool ta = a.kind == PyValue::Kind::Tensor;
    PyValue mask = copy_of(ta ? a : b, PyValue::Copy::Dense);
    add_step(mask, arithmetic_step(op, !ta), number_of(ta ? b : a, at), op, at);
    mask.dtype = ElementType::Bool;
    mask.data.span = at;
    return mask;
  }

  // A tensor's shape as the torch.Size tuple of its sizes; any other value as it is.
  PyValue size_tuple(const PyValue& v, Span at) {
    if (v.kind != PyValue::Kind::Shape) return v;
    PyValue size = make_tuple(shape_items(v, at));
    size.name = "torch.Size";
    return size;
  }

  // `x.device == torch.device('cpu')`: devices are equal when named alike (a tensor's is the
  // CPU's, `cpu`), and equal nothing else; a device netshape cannot name is refused. None when
  // neither is a device.
  std::optional<bool> same_device(const PyValue& a, const PyValue& b, Span at) {
    auto device = [](const PyValue& v) {
      return v.kind == PyValue::Kind::Opaque &&
             (v.name == "tensor.device" || v.name == "torch.device");
    };
    if (!device(a) && !device(b)) return std::nullopt;
    if (!device(a) || !device(b)) return false;  // torch.device's == takes only devices
    auto spelled = [&](const PyValue& v) -> std::string {
      if (v.name == "tensor.device") return "cpu";
      if (v.data.kind == Value::Kind::String) return v.data.s.str();  // torch.device('cpu')
      unsupported_here(at, "comparing this device", "write torch.device('cpu')");
    };
    return spelled(a) == spelled(b);
  }

  bool compare(const std::string& op, const PyValue& a, const PyValue& b, Span at) {
    refuse_numpy_array_operands(a, b, at);
    if ((op == "is" || op == "is not") &&
        (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef)))  // `x.shape[1] is 3`: a number
      return compare(op, resolved(a, at), resolved(b, at), at);
    if (op == "is" || op == "is not") {
      // Which objects are one object: None, True and False, a list's, a dict's, a module's,
      // class's or function's. Equal numbers, strings and tuples may be one object or two in
      // CPython (its caches): not followed.
      bool shared = (a.kind == PyValue::Kind::List && b.kind == PyValue::Kind::List) ||
                    (a.kind == PyValue::Kind::Dict && b.kind == PyValue::Kind::Dict);
      if (shared) {
        bool one = a.kind == PyValue::Kind::List ? a.list.get() == b.list.get()
                                                 : a.dict.get() == b.dict.get();
        return (op == "is") == one;
      }
      bool data = a.kind == PyValue::Kind::Data && b.kind == PyValue::Kind::Data &&
                  a.data.kind == b.data.kind && !a.is_none() && a.data.kind != Value::Kind::Bool;
      bool unknown = data || (a.kind == b.kind && (a.kind == PyValue::Kind::Tuple ||
                                                   a.kind == PyValue::Kind::Function ||
                                                   a.kind == PyValue::Kind::Range));
      if (unknown)
        unsupported_here(at, "`" + op + "` between " + describe(a) + " and " + describe(b),
                         "compare values with `==`");
      bool same =
          (a.is_none() && b.is_none()) ||
          (a.kind == PyValue::Kind::Tensor && b.kind == PyValue::Kind::Tensor &&
           a.name == b.name) ||
          (a.kind == PyValue::Kind::Builtin && b.kind == PyValue::Kind::Builtin &&
           a.name == b.name && !a.method_self && !b.method_self) ||
          (a.kind == PyValue::Kind::Class && b.kind == PyValue::Kind::Class && a.def_ == b.def_) ||
          (a.kind == PyValue::Kind::Module && b.kind == PyValue::Kind::Module &&
           (a.module.get() == b.module.get() ||
            (a.module->id >= 0 && a.module->id == b.module->id))) ||
          (a.kind == PyValue::Kind::Data && b.kind == PyValue::Kind::Data &&
           a.data.kind == Value::Kind::Bool && b.data.kind == Value::Kind::Bool &&
           a.data.b == b.data.b);
      return (op == "is") == same;
    }
    // `x.shape != skip.shape` (U-Nets resize before a concatenation): a torch.Size is a tuple
    // of its sizes, compared as `x.shape[2:]` is
    if (a.kind == PyValue::Kind::Shape || b.kind == PyValue::Kind::Shape)
      return compare(op, size_tuple(a, at), size_tuple(b, at), at);
    for (const PyValue* v : {&a, &b}) {
      if (v->kind == PyValue::Kind::Tensor) tensor_values_error(at);
      if (v->kind == PyValue::Kind::Values && (op == "in" || op == "not in"))
        unsupported_here(at, "`" + op + "` with a tensor of values");
    }
    if (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef))
      return compare(op, resolved(a, at), resolved(b, at), at);
    if (op == "in" || op == "not in") {
      bool found = false;
      if (b.is(Value::Kind::String)) {
        found = b.data.s.str().find(text_of(a)) != std::string::npos;
      } else if (b.kind == PyValue::Kind::Dict) {
        found = dict_find(*b.dict, a, at) != nullptr;
      } else if (is_iterator(b)) {  // taken up to the first equal item, as Python does
        while (!found) {
          std::optional<PyValue> v = next_item(b, at);
          if (!v) break;
          found = equal(a, *v, at);
        }
      } else {
        for (const PyValue& v : any_order(b, at))
          if ((found = equal(a, v, at))) break;
      }
      return (op == "in") == found;
    }
    if (op == "==") return equal(a, b, at);
    if (op == "!=") return !equal(a, b, at);
    if (op == "<") return less(a, b, at);
    if (op == ">") return less(b, a, at);
    if (op == "<=") return !less(b, a, at);
    if (op == ">=") return !less(a, b, at);
    raise(at, "unsupported comparison `" + op + "`");
  }

  bool equal(const PyValue& a, const PyValue& b, Span at) {
    // the same list or dict: equal at once, as Python compares an item with itself (so a list
    // holding itself, `l.append(l)`, compares)
    if (a.kind == b.kind && ((a.kind == PyValue::Kind::List && a.list == b.list) ||
                             (a.kind == PyValue::Kind::Dict && a.dict == b.dict)))
      return true;
    if (is_iterator(a) || is_iterator(b)) return false;  // the same one returned true above
    NestedValue nested(*this, at);
    if (a.kind == PyValue::Kind::Values || b.kind == PyValue::Kind::Values)
      unsupported_here(at, "comparing a tensor of values here",
                       "its `==` is a tensor; compare its .tolist()");
    if (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef))
      return equal(resolved(a, at), resolved(b, at), at);
    if (a.kind == PyValue::Kind::Unbound || b.kind == PyValue::Kind::Unbound)
      binary("==", a, b, at);
    if (a.kind == PyValue::Kind::Data && b.kind == PyValue::Kind::Data) {
      if (is_number(a) && is_number(b)) {
        if (a.is(Value::Kind::Float) || b.is(Value::Kind::Float))
          return number_of(a, at) == number_of(b, at);
        return int_of(a, at) == int_of(b, at);
      }
      if (a.data.kind != b.data.kind) return false;
      if (a.is(Value::Kind::String)) return a.data.s.str() == b.data.s.str();
      return a.is_none();
    }
    bool seq =
        (a.kind == PyValue::Kind::List || a.kind == PyValue::Kind::Tuple) && a.kind == b.kind;
    if (seq) {
      PyList x = iterate(a, at), y = iterate(b, at);
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], at)) return false;
      return true;
    }
    if (a.kind == PyValue::Kind::Dict && b.kind == PyValue::Kind::Dict) {  // keys and values
      if (a.dict->size() != b.dict->size()) return false;
      for (const auto& [k, v] : *a.dict) {
        const PyValue* other = dict_find(*b.dict, k, at);
        if (!other || !equal(v, *other, at)) return false;
      }
      return true;
    }
    if (a.kind == PyValue::Kind::Range && b.kind == PyValue::Kind::Range) {  // as sequences
      PyList x = iterate(a, at), y = iterate(b, at);
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], at)) return false;
      return true;
    }
    if (a.kind == PyValue::Kind::Module && b.kind == PyValue::Kind::Module)  // one object:
      return a.module.get() == b.module.get() ||  // the copies of a module held twice share an id
             (a.module->id >= 0 && a.module->id == b.module->id);
    if (a.kind == PyValue::Kind::Class && b.kind == PyValue::Kind::Class) return a.def_ == b.def_;
    if (a.kind == PyValue::Kind::Builtin && b.kind == PyValue::Kind::Builtin)
      return a.name == b.name;
    if (std::optional<bool> same = same_device(a, b, at)) return *same;
    // A layer's weight in forward (or what is computed from it) is not unequal to everything:
    // `tgt.size(1) != src.size(1)` would be taken as true. In __init__ it is a tensor, which
    // equals no plain value (`m.bias == None` is False).
    if (forward_) {
      refuse_layer_tensor(a, at);
      refuse_layer_tensor(b, at);
    }
    return false;
  }

  bool less(const PyValue& a, const PyValue& b, Span at) {
    if (a.kind == PyValue::Kind::Values || b.kind == PyValue::Kind::Values)
      unsupported_here(at, "ordering tensors of values here",
                       "its `<` is a tensor; compare its .tolist()");
    if (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef))
      return less(resolved(a, at), resolved(b, at), at);
    if (a.is(Value::Kind::String) && b.is(Value::Kind::String))
      return a.data.s.str() < b.data.s.str();
    if ((a.kind == PyValue::Kind::List || a.kind == PyValue::Kind::Tuple) && a.kind == b.kind) {
      PyList x = iterate(a, at), y = iterate(b, at);
      for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (less(x[i], y[i], at)) return true;
        if (less(y[i], x[i], at)) return false;
      }
      return x.size() < y.size();
    }
    bool ints = (a.is(Value::Kind::Int) || a.is(Value::Kind::Bool)) &&
                (b.is(Value::Kind::Int) || b.is(Value::Kind::Bool));
    if (ints) return int_of(a, at) < int_of(b, at);
    return number_of(a, at) < number_of(b, at);
  }

  // ---- conversions ----

  bool truthy(const PyValue& v, Span at) {
    switch (v.kind) {
      case PyValue::Kind::Data:
        switch (v.data.kind) {
          case Value::Kind::None:
            return false;
          case Value::Kind::Bool:
            return v.data.b;
          case Value::Kind::Int:
            return v.data.i != 0;
          case Value::Kind::Float:
            return v.data.f != 0.0;
          case Value::Kind::String:
            return !v.data.s.empty();
          case Value::Kind::DimRef:
            return truthy(resolved(v, at), at);
          default:
            return true;
        }
      case PyValue::Kind::Tensor:
      case PyValue::Kind::Shape:
        tensor_values_error(at);
      case PyValue::Kind::Values:
        return values_truthy(*v.values, at);
      case PyValue::Kind::Made:
        made_truthy(v, at);
      case PyValue::Kind::Tuple:
        return !v.items.empty();
      case PyValue::Kind::List:
        return !v.list->empty();
      case PyValue::Kind::Dict:
        return !v.dict->empty();
      case PyValue::Kind::Range:
        return !iterate(v, at).empty();
      case PyValue::Kind::Module:
        return module_truthy(v, at);
      case PyValue::Kind::Unbound:
        binary("==", v, v, at);  // reports the missing parameter
        return false;
      case PyValue::Kind::Opaque:
        if (is_failed(v)) rethrow(v);
        // `if self.fc.bias:`: a tensor's truth is its one value (PyTorch's RuntimeError for
        // more), which netshape does not know; `is not None` is what tests for one
        if (v.name == "weight" || v.name == "bias")
          unsupported_here(at, "the truth value of a layer's " + v.name,
                           "test whether it exists: `if self.fc.bias is not None:`");
        return true;
      default:
        if (is_failed(v)) rethrow(v);
        return true;
    }
  }

  // A module's (or a file's class instance's) truth, as Python takes it: its class's __bool__,
  // else its __len__, else true. The containers' __len__ counts their entries: an empty
  // nn.Sequential or nn.ModuleList is false (`if self.shortcut:`). A class of the file defining
  // either is refused: netshape does not run them for a truth value.
  bool module_truthy(const PyValue& v, Span at) {
    if (is_failed(v)) rethrow(v);
    const ModuleDef& m = *v.module;
    if (m.kind == ModuleDef::Sequential) return !m.children.empty();
    const Instance* inst = m.kind == ModuleDef::User ? m.instance.get() : nullptr;
    if (inst == nullptr) return true;  // a torch layer: nn.Module defines neither
    if (inst->cls != nullptr)
      for (const char* method : {"__bool__", "__len__"})
        if (L.find_method(*inst->cls, method, 0) != nullptr)
          unsupported_here(at,
                           fmt::format("the truth value of a {}, whose class defines {}",
                                       inst->cls->name, method),
                           "test what it means directly: `len(x.items) > 0`, an attribute");
    if (inst->sequential || inst->module_list || inst->module_dict || inst->parameter_list ||
        inst->parameter_dict)
      return !iterate(v, at).empty();
    return true;
  }

  int64_t int_of(const PyValue& v, Span at) {
    if (v.is(Value::Kind::Int)) return v.data.i;
    if (v.is(Value::Kind::DimRef)) return dim_value(v.data, at);
    if (v.is(Value::Kind::Bool)) return v.data.b ? 1 : 0;
    if (v.kind == PyValue::Kind::Unbound) binary("+", v, v, at);
    raise(v.kind == PyValue::Kind::Data && v.data.span.valid() ? v.data.span : at,
          "an integer is needed here, not " + describe(v));
  }

  // An int PyTorch's C++ argument parser reads for `op` (chunk's chunks, a dim): it takes no
  // bool, where Python's arithmetic reads True as 1.
  // `t` is the tensor the op reads: the error stops forward there.
  int64_t parsed_int_of(const PyValue& t, const PyValue& v, const std::string& op,
                        const char* param, Span at) {
    if (v.is(Value::Kind::Bool))
      torch_error(t, v.kind == PyValue::Kind::Data && v.data.span.valid() ? v.data.span : at,
                  fmt::format("{}(): argument '{}' must be int, not bool", op, param),
                  fmt::format("write {}=<integer>", param));
    return int_of(v, at);
  }

  double number_of(const PyValue& v, Span at) {
    if (v.is(Value::Kind::Float)) return v.data.f;
    return static_cast<double>(int_of(v, at));
  }

  static int64_t parse_int(const std::string& s, Span at) {
    int64_t v = 0;
    bool neg = !s.empty() && s[0] == '-';
    size_t i = neg || (!s.empty() && s[0] == '+') ? 1 : 0;
    if (i >= s.size()) raise(at, "invalid literal for int(): '" + s + "'");
    Checked c = 0;
    for (; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i])))
        raise(at, "invalid literal for int(): '" + s + "'");
      c = c * 10 + (s[i] - '0');
    }
    if (!c.ok()) raise(at, "integer too large");
    v = *c.get();
    return neg ? -v : v;
  }

  // The name of v's Python type, as Python's TypeErrors give it ("int", "list").
  std::string type_name(const PyValue& v) {
    if (v.kind == PyValue::Kind::Data && !v.data.is_sequence() &&
        v.data.kind != Value::Kind::Ident && v.data.kind != Value::Kind::Infer &&
        v.data.kind != Value::Kind::DimRef)
      return python_type(v.data);
    if (v.kind == PyValue::Kind::List) return is_iterator(v) || is_dict_view(v) ? v.name : "list";
    if (v.kind == PyValue::Kind::Tuple) return v.name == "set" ? "set" : "tuple";
    if (v.kind == PyValue::Kind::Dict) return "dict";
    return describe(v);
  }

  std::string describe(const PyValue& v) {
    switch (v.kind) {
      case PyValue::Kind::Data:
        return to_source(v.data);
      case PyValue::Kind::List:
        return "a list";
      case PyValue::Kind::Tuple:
        return v.name == "set" ? "a set" : "a tuple";
      case PyValue::Kind::Dict:
        return "a dict";
      case PyValue::Kind::Module:
        return "a module";
      case PyValue::Kind::Class:
        return "a class";
      case PyValue::Kind::Function:
        return "a function";
      case PyValue::Kind::Tensor:
        return "a tensor";
      case PyValue::Kind::Shape:
        return "a tensor's shape";
      case PyValue::Kind::Made:
        return v.name == "parameter" ? "an nn.Parameter" : "a tensor made in __init__";
      case PyValue::Kind::Values:
        return fmt::format(
            "a tensor of values ({}, {})", dtype_name(v.values->dtype),
            v.values->scalar ? std::string("0-dim") : fmt::format("{} elements", v.values->size()));
      default:
        return "this value";
    }
  }

  // str(v), as Python prints it.
  std::string text_of(const PyValue& v) {
    if (v.kind == PyValue::Kind::Data) {
      switch (v.data.kind) {
        case Value::Kind::String:
          return v.data.s;
        case Value::Kind::Float:
          return float_text(v.data.f);
        case Value::Kind::Bool:
          return v.data.b ? "True" : "False";
        case Value::Kind::None:
          return "None";
        case Value::Kind::DimRef:  // `f"{x.size(1)}"`: the number it is, as Python prints it
          return size_text(v.data.s, v.data.i, v.data.span);
        default:
          return to_source(v.data);
      }
    }
    if (v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Tuple) {
      // a list inside itself is `[...]`, as Python prints it
      if (v.kind == PyValue::Kind::List &&
          std::find(texts_open_.begin(), texts_open_.end(), v.list.get()) != texts_open_.end())
        return "[...]";
      NestedValue nested(*this, v.data.span);
      PyList items = iterate(v, Span{});
      TextOpen open(texts_open_, v.list.get());  // null for a tuple: never matched
      std::string out = v.kind == PyValue::Kind::List ? "[" : "(";
      for (size_t i = 0; i < items.size(); ++i) {
        out += (i ? ", " : "");
        out += items[i].is(Value::Kind::String) ? python_repr(items[i].data.s.str())
                                                : text_of(items[i]);
      }
      if (v.kind == PyValue::Kind::Tuple && v.name == "torch.Size")  // `f"{x.shape[1:]}"`
        return "torch.Size([" + out.substr(1) + "])";
      if (v.kind == PyValue::Kind::Tuple && items.size() == 1) out += ",";
      return out + (v.kind == PyValue::Kind::List ? "]" : ")");
    }
    if (v.kind == PyValue::Kind::Dict) {  // {'a': 1}, `{...}` inside itself
      if (std::find(texts_open_.begin(), texts_open_.end(), v.dict.get()) != texts_open_.end())
        return "{...}";
      NestedValue nested(*this, v.data.span);
      TextOpen open(texts_open_, v.dict.get());
      std::string out = "{";
      for (const auto& [key, value] : *v.dict) {
        out += out.size() > 1 ? ", " : "";
        for (const PyValue* item : {&key, &value}) {
          out += item->is(Value::Kind::String) ? python_repr(item->data.s.str()) : text_of(*item);
          if (item == &key) out += ": ";
        }
      }
      return out + "}";
    }
    if (v.kind == PyValue::Kind::Range)  // range(0, 3), range(0, 9, 2)
      return v.range[2] == 1 ? fmt::format("range({}, {})", v.range[0], v.range[1])
                             : fmt::format("range({}, {}, {})", v.range[0], v.range[1], v.range[2]);
    if (v.kind == PyValue::Kind::Values)
      unsupported_here(v.data.span, "the text of a tensor of values",
                       "format its .tolist() or .item()");
    if (v.kind == PyValue::Kind::Shape) {  // `f"{x.shape}"`: torch.Size([2, 8])
      std::vector<std::string> sizes;
      size_t rank = shape_now(v.name, v.data.span).size();
      for (size_t i = 0; i < rank; ++i)
        sizes.push_back(size_text(v.name, static_cast<int64_t>(i), v.data.span));
      return fmt::format("torch.Size([{}])", fmt::join(sizes, ", "));
    }
    return describe(v);
  }

  // str(v) and `f"{v}"`: Python's text of the values netshape knows it for; refused for the rest
  // (a module's or a function's, which Python prints with an address).
  std::string plain_text(const PyValue& v, Span at) {
    switch (v.kind) {
      case PyValue::Kind::List:
        if (is_iterator(v) || is_dict_view(v))  // `<zip object at 0x7f...>`, dict_keys([...])
          unsupported_here(at, "the text of a " + v.name, "format a list of it: `list(...)`");
        return text_of(v);
      case PyValue::Kind::Data:
      case PyValue::Kind::Tuple:
      case PyValue::Kind::Dict:
      case PyValue::Kind::Range:
      case PyValue::Kind::Shape:
      case PyValue::Kind::Values:
        return text_of(v);
      case PyValue::Kind::Builtin:  // a dtype: `torch.float32`
        if (!v.method_self && element_type_named(v.name)) return v.name;
        break;
      case PyValue::Kind::Opaque:  // a tensor's device
        if (v.name == "tensor.device") return "cpu";
        break;
      default:
        break;
    }
    unsupported_here(at, "the text of " + describe(v), "build the name from numbers and strings");
  }

  // How deep equal(), text_of() and to_ir() are in the values they walk: a list holding itself
  // (`l.append(l)`, then `l == [l]`) would never end. Past Python's own recursion limit, its
  // RecursionError. texts_open_: the lists text_of() is inside.
  int value_depth_ = 0;
  std::vector<const void*> texts_open_;
  // A list or dict whose text is being written (text_of), kept in `open` until it is written:
  // met again inside itself, it is `[...]` as Python writes it.
  struct TextOpen {
    std::vector<const void*>& open;
    TextOpen(std::vector<const void*>& open, const void* container) : open(open) {
      open.push_back(container);
    }
    ~TextOpen() { open.pop_back(); }
    TextOpen(const TextOpen&) = delete;
    TextOpen& operator=(const TextOpen&) = delete;
  };

  struct NestedValue {
    int& depth;
    NestedValue(Construct& in, Span at) : depth(in.value_depth_) {
      if (++depth > 1000) {
        --depth;
        raise(at, "maximum recursion depth exceeded", "a value holds itself: build it without");
      }
    }
    ~NestedValue() { --depth; }
    NestedValue(const NestedValue&) = delete;
    NestedValue& operator=(const NestedValue&) = delete;
  };

  // Size `dim` of `tensor` as text: its number, or the symbol of a symbolic batch (`B`): text
  // is only shown (messages), and the symbol says what the number would be.
  std::string size_text(const std::string& tensor, int64_t dim, Span at) {
    return to_string(size_read(tensor, dim, at));
  }

  // Size `dim` of `tensor` (`x.size(dim)`) as its shape has it, a symbolic batch too; PyTorch's
  // IndexError for a dim out of range.
  const Dim& size_read(const std::string& tensor, int64_t dim, Span at) {
    const Shape& shape = shape_now(tensor, at);
    int64_t rank = static_cast<int64_t>(shape.size());
    if (std::optional<DimError> error = size_dim_error(dim, rank))
      torch_error(PyValue::tensor(tensor, at), at, error->message, error->help);
    return shape[static_cast<size_t>(*wrap_dim(dim, rank))];
  }

  // The argument of a layer as the IR holds it: a number, string, bool, None or a tuple of them.
  Value to_ir(const PyValue& v, Span at) {
    if (v.kind == PyValue::Kind::Data) return v.data;
    NestedValue nested(*this, at);
    if (v.kind == PyValue::Kind::Tuple || v.kind == PyValue::Kind::List) {
      Value out;
      out.kind = v.kind == PyValue::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List;
      out.span = at;
      for (const PyValue& item : iterate(v, at)) out.items.push_back(to_ir(item, at));
      return out;
    }
    raise(at, "unsupported Python construct: " + describe(v) + " as a layer argument",
          "layers take numbers, strings, booleans, None and tuples");
  }

  PyValue from_const(const Const& c, const Expr& e) {
    if (c.state == Const::Ok) return found(PyValue::of(c.value), e.span);
    if (c.state == Const::Unbound) {
      PyValue u;
      u.kind = PyValue::Kind::Unbound;
      u.name = c.param;
      return u;
    }
    throw PyError{c.error};
  }

  // A constructor parameter without a value, used: the error says which and how to give it.
  [[noreturn]] static void unbound_error(const PyValue& v, Span at) {
    raise(at, "constructor parameter `" + v.name + "` has no value",
          "pass --arg " + v.name + "=<value> or give it a default");
  }

  // The elements where their order does not matter (len, in, sorted, min, max): a set's too.
  // A generator expression over an iterator takes the iterator's items when it is made; Python
  // takes them as the generator is read. Read again, the iterator is what Python's would be only
  // if the generator was read to its end (`any(i > 3 for i in g)` stops early): else refused.
  // The generator is kept (its items left), so that what was read of it is known after.
  struct DrainedSource {
    std::weak_ptr<PyList> source;
    std::shared_ptr<const PyList> generator;
  };
  std::vector<DrainedSource> drained_sources_;
  void check_source_read(const PyValue& it, Span at) {
    for (const DrainedSource& d : drained_sources_) {
      if (d.source.lock() != it.list) continue;
      if (d.generator->empty()) continue;  // read to its end, as Python's would be
      unsupported_here(at, "an iterator read again after a generator expression over it",
                       "netshape computes a generator's items when it is made: make the "
                       "iterator a list first, `g = list(g)`");
    }
  }

  // zip(), map(), enumerate(), reversed(), iter() and generator expressions make iterators: Python
  // runs through one once (a second loop over it makes no pass), item by item (a loop that
  // breaks leaves the rest), and it has no len() and no index. netshape computes the items when
  // the iterator is made, kept as a list named by the iterator's type, last item first: taking
  // the next (next_item) is a pop from the back, seen by every name that holds it.
  static bool is_iterator(const PyValue& v) {
    if (v.kind != PyValue::Kind::List) return false;
    for (const char* type : {"zip", "map", "enumerate", "list_reverseiterator", "reversed",
                             "generator", "list_iterator"})
      if (v.name == type) return true;
    return false;
  }
  static PyValue make_iterator(PyList items, const char* type) {
    std::reverse(items.begin(), items.end());
    PyValue v = make_list(std::move(items));
    v.name = type;
    return v;
  }
  // The next item of iterator `it`, taken from it; nullopt when it is exhausted.
  std::optional<PyValue> next_item(const PyValue& it, Span at) {
    check_source_read(it, at);
    if (it.list->empty()) return std::nullopt;
    PyValue item = std::move(it.list->back());
    it.list->pop_back();
    return item;
  }
  // A dict's keys(), values() and items() are views: read again and again, with a len(), but
  // no index either. Kept as a list named by the view's type, as iterators are.
  static bool is_dict_view(const PyValue& v) {
    return v.kind == PyValue::Kind::List &&
           (v.name == "dict_keys" || v.name == "dict_values" || v.name == "dict_items");
  }

  PyList any_order(const PyValue& v, Span at) {
    if (is_unfollowed_parameters(v)) unfollowed_parameters_used(at);  // len(), min(), max()
    if (v.kind == PyValue::Kind::Tuple && v.name == "set") return v.items;
    return iterate(v, at);
  }

  // set(items): each distinct element once. Kept as a tuple marked "set", which iterate()
  // refuses, since Python orders a set by hashes, not as the elements came.
  PyValue make_set(const PyList& items, Span at) {
    PyList unique;
    for (const PyValue& v : items) {
      if (v.kind != PyValue::Kind::Data && v.kind != PyValue::Kind::Tuple)
        raise(at, "unhashable type: " + describe(v));
      bool seen = std::any_of(unique.begin(), unique.end(),
                              [&](const PyValue& u) { return equal(u, v, at); });
      if (!seen) unique.push_back(v);
    }
    PyValue s = make_tuple(std::move(unique));
    s.name = "set";
    return s;
  }

  // m.parameters(): tensors netshape does not follow in __init__ (inference makes a layer's
  // weights). A for loop over them runs no pass (weight init, freezing read as a whole); every
  // other use of them as values (`sum(p.numel() for p in m.parameters())`, `len(list(...))`)
  // is refused rather than read as none.
  static constexpr const char* kUnfollowedParameters = "module.parameters()";
  static PyValue unfollowed_parameters() {
    PyValue v = make_list({});
    v.name = kUnfollowedParameters;
    return v;
  }
  static bool is_unfollowed_parameters(const PyValue& v) {
    return v.kind == PyValue::Kind::List && v.name == kUnfollowedParameters;
  }

  // `next(self.parameters())` (`next(iter(...))`): the word-language-model idiom that reads a
  // module's first parameter for its type, to make a state of it (`weight.new_zeros(...)`). Its
  // type is what netshape follows (float32), not which parameter it is; `iter` and `next` of
  // anything else are refused.
  static constexpr const char* kFirstParameter = "next(module.parameters())";
  PyValue parameters_iterator(const std::string& n, const PyValue& of, Span at) {
    if (!is_unfollowed_parameters(of))
      unsupported_here(at, fmt::format("`{}()` of {}", n, describe(of)),
                       "netshape follows `next(self.parameters())` for its type; index a list "
                       "(`items[0]`) or loop over it");
    if (n == "iter") return of;
    PyValue first;
    first.kind = PyValue::Kind::Opaque;
    first.name = kFirstParameter;
    first.data.span = at;
    return first;
  }
  static bool is_first_parameter(const PyValue& v) {
    return v.kind == PyValue::Kind::Opaque && v.name == kFirstParameter;
  }

  // A method of the first parameter: a new tensor of its type (`new_zeros`, `new_ones`,
  // `new_full`, `new_empty`, the legacy `new(sizes)`); anything else reads which parameter it is.
  PyValue first_parameter_method(const std::string& name, Args& args, const Expr& call) {
    PyValue type;
    type.kind = PyValue::Kind::Tensor;
    type.dtype = ElementType::Float32;
    if (std::optional<PyValue> made = made_like(name, &type, args, call)) return *made;
    unsupported_here(
        call.span,
        fmt::format("`{}` of a module's first parameter (next(self.parameters()))", name),
        "netshape follows its type, for `.new_zeros(...)`; read a layer's own "
        "weight (`self.fc.weight`) for more");
  }

  [[noreturn]] static void unfollowed_parameters_used(Span at) {
    unsupported_here(at, "the parameters of a module as values in __init__",
                     "netshape counts parameters in its table; compute a count from the layer's "
                     "arguments (nn.Linear(a, b): a * b + b)");
  }

  PyList iterate(const PyValue& v, Span at) {
    if (v.kind == PyValue::Kind::Unbound) unbound_error(v, at);
    if (forward_ && is_unfollowed_parameters(v))  // it would be empty: a wrong count, or none
      unsupported_here(at, "the parameters of a module as tensors in forward",
                       "netshape counts parameters in its table; read a layer's own (`self.fc."
                       "weight`) where forward needs it");
    if (forward_ && is_layer_tensor(v)) return iterate(layer_tensor(v, at), at);  // `len(w)`
    if (forward_) refuse_layer_tensor(v, at);
    switch (v.kind) {
      case PyValue::Kind::Tuple:
        if (v.name == "set")
          unsupported_here(at, "the order of a set's elements",
                           "Python orders a set by hashes; use sorted(...)");
        return v.items;
      case PyValue::Kind::Values: {
        if (v.values->scalar) raise(at, "iteration over a 0-d tensor");
        PyList out;
        for (size_t i = 0; i < v.values->size(); ++i)
          out.push_back(PyValue::of_values(v.values->element(i), at));
        return out;
      }
      case PyValue::Kind::List: {
        if (!is_iterator(v)) return *v.list;
        check_source_read(v, at);
        PyList items = std::move(*v.list);  // run through once: empty for every name after
        v.list->clear();
        std::reverse(items.begin(), items.end());
        return items;
      }
      case PyValue::Kind::Dict: {
        PyList keys;
        for (const auto& [k, x] : *v.dict) keys.push_back(k);
        return keys;
      }
      case PyValue::Kind::Range: {
        PyList out;
        auto [start, stop, by] = std::tuple(v.range[0], v.range[1], v.range[2]);
        for (int64_t i = start; by > 0 ? i < stop : i > stop;) {
          if (static_cast<int64_t>(out.size()) >= limits::kMaxPySteps)
            raise(at, "range too long to follow");
          out.push_back(data_int(i, at));
          if (__builtin_add_overflow(i, by, &i)) break;
        }
        return out;
      }
      case PyValue::Kind::Module: {
        PyList out;
        if (v.module->kind == ModuleDef::Sequential) {
          bool dict = v.module->op == "ModuleDict";  // iterating a dict gives its keys
          for (auto& child : v.module->children)
            out.push_back(dict ? data_str(child.index, at)
                               : child_module(v, child.def, child.index));
          return out;
        }
        const Instance* inst =
            v.module->kind == ModuleDef::User ? v.module->instance.get() : nullptr;
        if (inst && (inst->parameter_list || inst->parameter_dict)) {  // its entries, or keys
          for (const std::string& key : inst->order)
            out.push_back(inst->parameter_dict ? data_str(key, at) : parameter_entry(v, key, at));
          return out;
        }
        if (inst && (inst->sequential || inst->module_list || inst->module_dict)) {
          // `for mod in self:` in the forward of a subclass of a container
          for (const std::string& key : inst->order) {
            auto it = v.module->instance->modules.find(key);
            if (it == v.module->instance->modules.end()) continue;
            out.push_back(inst->module_dict ? data_str(key, at) : child_module(v, it->second, key));
          }
          return out;
        }
        break;
      }
      case PyValue::Kind::Shape:
        return shape_items(v, at);
      case PyValue::Kind::Opaque:
        if (v.is_numpy_array()) return v.items;  // its numbers, as numpy's float64s
        if (is_failed(v)) rethrow(v);            // what made it failed: `*pairs[0]`
        break;
      case PyValue::Kind::Tensor: {
        unknown_op_of(v);  // `out, (h, c) = self.lstm(x)`: the LSTM is what netshape lacks
        // Tensor.__iter__ is `iter(self.unbind(0))`: `q, k, v = qkv` takes its pieces
        if (shape_now(v.name, at).empty())
          torch_error(v, at, "iteration over a 0-d tensor", "a 0-dim tensor has no items");
        return split_tensor(v, "unbind", Args{}, at, true).items;
      }
      case PyValue::Kind::Data:
        if (v.is(Value::Kind::String)) {
          const std::string& text = v.data.s.str();
          // Python's characters are code points, not the UTF-8 bytes netshape holds
          if (std::any_of(text.begin(), text.end(), [](char c) { return c & 0x80; }))
            unsupported_here(at, "the characters of a string beyond ASCII");
          PyList out;
          for (char c : text) out.push_back(data_str(std::string(1, c), at));
          return out;
        }
        if (v.is(Value::Kind::Tuple) || v.is(Value::Kind::List)) {
          PyList out;
          for (const Value& item : v.data.items) out.push_back(PyValue::of(item));
          return out;
        }
        break;
      default:
        if (is_failed(v)) rethrow(v);
        break;
    }
    raise(at, describe(v) + " is not iterable");
  }

  // Item i of a list, tuple, container or tensor of values netshape holds whole: outside it,
  // Python's (PyTorch's) IndexError, certain, so it stops __init__ even where the value is unused.
  size_t index_of(int64_t i, size_t size, Span at) {
    int64_t n = static_cast<int64_t>(size);
    if (i < 0) i += n;
    if (i < 0 || i >= n) raise_torch(at, "index out of range");
    return static_cast<size_t>(i);
  }

  PyValue subscript(const PyValue& obj, const PyValue& index, Span at) {
    if (obj.kind == PyValue::Kind::Unbound) unbound_error(obj, at);
    if (forward_ && is_layer_tensor(obj))  // `self.emb.weight[:2]`
      return subscript(layer_tensor(obj, at), index, at);
    if (forward_) refuse_layer_tensor(obj, at);
    if (is_layer_tensor(obj)) {  // in __init__, for an initialisation in place:
      // `self.qkv.bias[n : 2 * n].data.zero_()` (Swin V2); slices only, which never fail
      auto is_slice = [](const PyValue& v) {
        return v.kind == PyValue::Kind::Tuple && v.name == "slice";
      };
      bool slices =
          is_slice(index) || (index.kind == PyValue::Kind::Tuple &&
                              std::all_of(index.items.begin(), index.items.end(), is_slice));
      if (!slices)
        unsupported_here(at,
                         "indexing a layer's " + obj.name + " in __init__ with other than slices",
                         "initialise a slice of it: `self.fc.bias[2:4].data.zero_()`");
      PyValue piece;
      piece.kind = PyValue::Kind::Opaque;
      piece.name = "a piece of a layer's " + obj.name;
      piece.layer_piece = PyValue::LayerPiece::Piece;
      return piece;
    }
    if (is_failed(obj) && obj.final_state) return final_state_item(obj, index, at);
    if (is_iterator(obj) || is_dict_view(obj))
      raise(at, fmt::format("'{}' object is not subscriptable", obj.name));
    if (obj.kind == PyValue::Kind::Shape && index.is(Value::Kind::Int))
      return size_ref(obj.name, index.data.i, at);
    if (obj.kind == PyValue::Kind::Tensor) return index_tensor(obj, index, at);
    if (obj.kind == PyValue::Kind::Values) return values_subscript(obj, index, at);
    if (obj.kind == PyValue::Kind::Made) return made_subscript(obj, index, at);
    if (const Instance* inst = parameter_container(obj)) {
      if (inst->parameter_dict) {
        if (!index.is(Value::Kind::String))
          raise_torch(at, not_a_key(index), "index an nn.ParameterDict by its keys");
        if (!inst->values.count(index.data.s.str()))
          raise_torch(
              at, fmt::format("'ParameterDict' object has no attribute '{}'", index.data.s.str()),
              fmt::format("its keys are {}", fmt::join(inst->order, ", ")));
        return parameter_entry(obj, index.data.s.str(), at);
      }
      if (index.is(Value::Kind::Int)) {
        int64_t n = static_cast<int64_t>(inst->order.size()), i = index.data.i;
        if (i < -n || i >= n)
          raise_torch(at, fmt::format("index {} is out of range", i),
                      fmt::format("the nn.ParameterList holds {} parameters", n));
        return parameter_entry(obj, std::to_string(i < 0 ? i + n : i), at);
      }
    }
    if (obj.kind == PyValue::Kind::Module && index.is(Value::Kind::String)) {  // nn.ModuleDict
      for (auto& child : obj.module->children)
        if (child.index == index.data.s) return child_module(obj, child.def, child.index);
      if (const Instance* inst = obj.module->instance.get(); inst && inst->module_dict) {
        auto it = obj.module->instance->modules.find(index.data.s);
        if (it != obj.module->instance->modules.end())  // a subclass of nn.ModuleDict
          return child_module(obj, it->second, it->first);
      }
      raise(at, "no module " + text_of(index) + " in this container");
    }
    if (obj.kind == PyValue::Kind::Dict) {
      if (const PyValue* v = dict_find(*obj.dict, index, at)) return *v;
      raise(at, "key " + text_of(index) + " is not in the dict");
    }
    if (forward_ && obj.kind == PyValue::Kind::Tuple && index.kind == PyValue::Kind::Tuple &&
        index.name != "slice" && !obj.items.empty() && obj.items[0].kind == PyValue::Kind::Tensor)
      // `out[:, -1]` of an LSTM's (output, (h_n, c_n)): Python's TypeError
      torch_error(obj.items[0], at, "tuple indices must be integers or slices, not tuple",
                  "this is a tuple of tensors, not a tensor (an RNN, LSTM or GRU returns "
                  "(output, h_n)): unpack it first, `out, _ = self.lstm(x)`, then index `out`");
    if (index.kind == PyValue::Kind::Tuple && index.name == "slice") {
      PyList items = iterate(obj, at);
      int64_t n = static_cast<int64_t>(items.size());
      int64_t by = index.items[2].is_none() ? 1 : int_of(index.items[2], at);
      if (by == 0) raise(at, "slice step cannot be zero");
      auto bound = [&](const PyValue& b, int64_t fallback) {
        if (b.is_none()) return fallback;
        int64_t x = int_of(b, at);
        if (x < 0) x += n;
        return std::clamp(x, by > 0 ? int64_t{0} : int64_t{-1}, by > 0 ? n : n - 1);
      };
      int64_t lo = bound(index.items[0], by > 0 ? 0 : n - 1);
      int64_t hi = bound(index.items[1], by > 0 ? n : -1);
      PyList out;
      for (int64_t i = lo; by > 0 ? i < hi : i > hi; i += by) out.push_back(items[i]);
      const Instance* sliced =
          obj.kind == PyValue::Kind::Module ? obj.module->instance.get() : nullptr;
      if (sliced && sliced->cls &&
          (obj.module->kind == ModuleDef::User || L.find_method(*sliced->cls, "__init__", 0)))
        // the container's __getitem__ builds `self.__class__(...)` of the slice: the subclass's
        // own __init__ and forward, not a plain container
        unsupported_here(
            at,
            fmt::format("a slice of a {}, which PyTorch builds as a new {} from the "
                        "modules",
                        obj.module->instance->cls->name, obj.module->instance->cls->name),
            "index its modules one at a time, or iterate it");
      if (obj.kind == PyValue::Kind::Module) {
        // nn.Sequential's slice keeps its children's keys (`features[2:]` holds `2`, `3`, as its
        // __getitem__ builds it from an OrderedDict of them); nn.ModuleList's renumbers them.
        const ModuleDef& from = *obj.module;
        bool keys_kept =
            from.kind == ModuleDef::Sequential && !from.list && from.op != "ModuleDict";
        std::vector<std::string> keys;
        if (keys_kept)
          for (const ModuleChild& c : from.children) keys.push_back(c.index);
        ModuleDef seq;
        seq.kind = ModuleDef::Sequential;
        seq.span = at;
        seq.list = from.list;
        bool keyed = keys_kept && keys.size() == items.size();
        for (int64_t i = lo, k = 0; by > 0 ? i < hi : i > hi; i += by, ++k) {
          seq.children.emplace_back(keyed ? keys[static_cast<size_t>(i)] : std::to_string(k),
                                    *out[static_cast<size_t>(k)].module);
        }
        return make_module(std::move(seq));
      }
      if (obj.is(Value::Kind::String)) {  // 'abcdef'[1:3] is 'bc'
        std::string text;
        for (const PyValue& c : out) text += c.data.s.str();
        return data_str(text, at);
      }
      if (obj.kind == PyValue::Kind::Range) {  // range(10)[2:5] is range(2, 5)
        PyValue r = obj;
        int64_t step = obj.range[2] * by;
        r.range[2] = step;
        r.range[0] = out.empty() ? obj.range[0] : int_of(out[0], at);
        r.range[1] = out.empty() ? r.range[0] : int_of(out.back(), at) + step;
        return r;
      }
      if (obj.kind == PyValue::Kind::Shape ||
          (obj.kind == PyValue::Kind::Tuple && obj.name == "torch.Size")) {
        // `x.shape[1:]`: a torch.Size, a tuple
        PyValue size = make_tuple(std::move(out));
        size.name = "torch.Size";
        return size;
      }
      return obj.kind == PyValue::Kind::Tuple ? make_tuple(std::move(out))
                                              : make_list(std::move(out));
    }
    PyList items = iterate(obj, at);
    return items[index_of(int_of(index, at), items.size(), at)];
  }

  void set_item(const PyValue& obj, const PyValue& index, const PyValue& v, Span at) {
    if (obj.kind == PyValue::Kind::Dict) return dict_set(*obj.dict, index, v);
    if (obj.kind == PyValue::Kind::Made) return made_set_item(obj, index, v, at);
    if (obj.kind == PyValue::Kind::List) {
      (*obj.list)[index_of(int_of(index, at), obj.list->size(), at)] = v;
      return;
    }
    if (obj.kind == PyValue::Kind::Module && obj.module->kind == ModuleDef::Sequential &&
        v.kind == PyValue::Kind::Module) {
      changing_container(*obj.module, at);
      replace_child(*obj.module, index, *v.module, at);
      return refuse_storing_behind(v, at);
    }
    if (obj.kind == PyValue::Kind::Tensor && forward_) return tensor_set_item(obj, index, v, at);
    if (forward_ && is_layer_tensor(obj))  // `self.fc.weight[0] = 1`
      return tensor_set_item(layer_tensor(obj, at), index, v, at);
    unsupported_here(at, "item assignment to " + describe(obj),
                     "build it with the value in place instead");
  }

  // `outputs[t] = output`, `x[:, 0] = 0.0` in forward: a setitem row written into the tensor, as
  // PyTorch's __setitem__ copies the value into the place indexed; later reads of the tensor
  // read the row (written_into_). The place and the value's sizes are checked by its rule.
  void tensor_set_item(const PyValue& t, const PyValue& index, const PyValue& v, Span at) {
    if (is_failed(v)) rethrow(v);
    if (v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Tuple)
      raise_torch(
          at,
          fmt::format("can't assign a {} to a {}", v.kind == PyValue::Kind::List ? "list" : "tuple",
                      tensor_type_name(t.dtype)),
          "write a tensor or a number: `x[0] = torch.tensor([...])`");
    if (index.kind == PyValue::Kind::Tensor) return masked_set_item(t, index, v, at);
    Statement st = item_assignment_row("setitem", t, at);
    st.args.push_back(Arg{"index", setitem_index(t, index, at), at});
    if (v.kind == PyValue::Kind::Tensor) {
      // a copy (`x[:, 0] = x[:, 0] * 2`, `.clone()`) is a new tensor, computed before the write;
      // `.contiguous()` is x itself where x is contiguous already
      // (written into a copy, `y = x.clone()`, the write changes no memory the value views)
      if (v.copy != PyValue::Copy::Dense && t.copy != PyValue::Copy::Dense &&
          views_tensor(v.name, current_name(t.name)))
        unsupported_here(at, "writing a view of a tensor into the tensor itself",
                         "PyTorch refuses it where the two overlap: write a copy, `.clone()`");
      bool integral = !is_floating(t.dtype) && t.dtype != ElementType::Complex64;
      add_input(st, v, v.data.span, at, false);
      if (v.dtype != ElementType::Float32)
        st.extras_for_write().value_type = tensor_type_name(v.dtype);
      if (integral && (is_floating(v.dtype) || v.dtype == ElementType::Complex64))
        note_values_unfollowed("a float tensor written into an integer one", at);
    } else if (is_number(v) || v.is(Value::Kind::DimRef)) {
      st.args.push_back(Arg{"value", number_as(t, v, at), at});
    } else {
      unsupported_here(at, "writing " + describe(v) + " into a tensor",
                       "write a tensor or a number: `x[0] = y`, `x[:, 0] = 0.0`");
    }
    emit_item_assignment(std::move(st), t);
  }

  // The row `t[...] = ...` writes into `t` (its first input).
  Statement item_assignment_row(const char* op, const PyValue& t, Span at) {
    Statement st;
    st.op = op;
    st.op_span = at;
    st.span = at;
    st.module = module_;
    add_input(st, t, t.data.span, at, false);
    return st;
  }
  // Emits it in place: later reads of the tensor read it.
  void emit_item_assignment(Statement st, const PyValue& t) {
    st.extras_for_write().in_place = true;
    st.extras_for_write().item_assignment = true;
    // the tensor keeps its type whatever the value's (copy_ casts), so not emitted()'s checks
    if (uint8_t bytes = element_bytes(t.dtype)) st.extras_for_write().element_bytes = bytes;
    emit(std::move(st));
  }

  // PyTorch's error, in forward after `last_read`, when `filled`'s type cannot hold the number
  // `fill` (torch.full, full_like, new_full, fill_).
  void check_fill_number(const PyValue& last_read, const PyValue& filled, const PyValue& fill,
                         Span at) {
    const PyValue v = fill.is(Value::Kind::DimRef) ? resolved(fill, at) : fill;
    if (std::optional<std::string> overflow = fill_overflow(filled.dtype, v))
      torch_error(last_read, at, *overflow, "fill it with a value its type holds");
  }

  // Number `v` as tensor `t` holds it: truncated toward zero, a bool 0 or 1; one its type cannot
  // hold is PyTorch's error (a negative one into uint8 wraps, which `run` does not follow).
  Value number_as(const PyValue& t, const PyValue& v, Span at) {
    const ElementType type = t.dtype;
    Value number = v.is(Value::Kind::DimRef) ? int_value(int_of(v, at), at) : v.data;
    if (std::optional<std::string> overflow = fill_overflow(type, PyValue::of(number)))
      torch_error(t, at, *overflow, "write a value the tensor's type holds");
    if (type == ElementType::UInt8 && ((number.kind == Value::Kind::Int && number.i < 0) ||
                                       (number.kind == Value::Kind::Float && number.f <= -1.0)))
      note_values_unfollowed("a negative number written into a uint8 tensor (it wraps)", at);
    if (type == ElementType::Bool && number.kind != Value::Kind::Bool)
      return Value::integer(number.kind == Value::Kind::Float ? number.f != 0.0 : number.i != 0,
                            at);
    bool integral = !is_floating(type) && type != ElementType::Complex64;
    if (integral && number.kind == Value::Kind::Float)
      return Value::integer(static_cast<int64_t>(std::trunc(number.f)), at);
    return number;
  }

  // `x[mask] = 0.0`, `scores[scores < 0] = 0`: a bool mask whose shape is the leading dims of the
  // tensor, a number written where it is set: PyTorch's index_put_, which is masked_fill_ with
  // the mask's dims extended by 1s on the right. A tensor value's size depends on how many
  // elements the mask sets: not followed.
  void masked_set_item(const PyValue& t, const PyValue& mask, const PyValue& v, Span at) {
    if (mask.dtype != ElementType::Bool && mask.dtype != ElementType::UInt8)
      unsupported_here(at, "item assignment through a tensor of indices",
                       "netshape follows writes through a bool mask and basic indexing");
    const Shape tensor = shape_now(t.name, at), sizes = shape_now(mask.name, at);
    if (sizes.size() > tensor.size())
      raise_torch(at, fmt::format("too many indices for tensor of dimension {}", tensor.size()),
                  "the mask has more dims than the tensor");
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] == tensor[i]) continue;
      raise_torch(at,
                  fmt::format("The shape of the mask {} at index {} does not match the shape of "
                              "the indexed tensor {} at index {}",
                              to_string(sizes), i, to_string(tensor), i),
                  "the mask must have the sizes of the tensor's leading dims");
    }
    if (!is_number(v) && !v.is(Value::Kind::DimRef))
      unsupported_here(at,
                       "writing a tensor through a mask (its size depends on the mask's values)",
                       "write a number: `x[mask] = 0.0`, or use torch.where(mask, y, x)");
    PyValue m = mask;
    for (size_t k = sizes.size(); k < tensor.size(); ++k)
      m = tensor_statement("unsqueeze", m, {int_value(-1, at)}, at);
    Statement st = item_assignment_row("masked_fill", t, at);
    add_input(st, m, mask.data.span, at, false);
    st.args.push_back(Arg{"value", number_as(t, v, at), at});
    emit_item_assignment(std::move(st), t);
  }

  // A tensor's index as setitem's `index` list: ints, None, `...` ('...') and slices as
  // (start, stop, step) of ints or None.
  Value setitem_index(const PyValue& t, const PyValue& index, Span at) {
    bool several = index.kind == PyValue::Kind::Tuple && index.name != "slice";
    PyList items = several ? index.items : PyList{index};
    Value out;
    out.kind = Value::Kind::List;
    out.span = at;
    for (const PyValue& i : items) {
      if (i.is_none()) {
        out.items.push_back(Value::none(at));
      } else if (is_ellipsis(i)) {
        out.items.push_back(Value::string("...", at));
      } else if (i.is(Value::Kind::Int) || i.is(Value::Kind::DimRef)) {
        out.items.push_back(int_value(int_of(i, at), at));
      } else if (i.kind == PyValue::Kind::Tuple && i.name == "slice") {
        Value slice;
        slice.kind = Value::Kind::Tuple;
        slice.span = at;
        for (const PyValue& part : i.items)
          slice.items.push_back(part.is_none() ? Value::none(at) : int_value(int_of(part, at), at));
        const Value& step = slice.items.back();
        if (step.kind == Value::Kind::Int && step.i == 0)
          raise(at, "slice step cannot be zero");         // Python's, making the slice
        if (step.kind == Value::Kind::Int && step.i < 0)  // PyTorch's ValueError
          torch_error(t, at, "step must be greater than zero",
                      "a slice takes only positive steps: flip the dim to reverse it");
        out.items.push_back(std::move(slice));
      } else {
        unsupported_here(at, "item assignment with " + describe(i) + " in the index",
                         "netshape follows writes through basic indexing (integers, slices, None "
                         "and ...)");
      }
    }
    return out;
  }

  // `self.classifier[6] = nn.Linear(4096, 10)`, `self.heads["cls"] = ...`: the child at that
  // index (or key) is replaced where it stands, as PyTorch's __setitem__ does; a new key of an
  // nn.ModuleDict is added at the end. The replaced child is kept (deleted_children_): a value
  // read before refers into it.
  void replace_child(ModuleDef& container, const PyValue& index, const ModuleDef& v, Span at) {
    std::list<ModuleChild>& children = container.children;
    std::list<ModuleChild>::iterator it;
    if (container.op == "ModuleDict") {
      checked_module_name(index, at);
      it = std::find_if(children.begin(), children.end(),
                        [&](const ModuleChild& c) { return c.index == text_of(index); });
      if (it == children.end()) return void(children.emplace_back(text_of(index), v));
    } else {
      size_t k = index_of(int_of(index, at), children.size(), at);
      it = std::next(children.begin(), static_cast<std::ptrdiff_t>(k));
    }
    refuse_retiring_tied(it->def, at);
    children.insert(it, ModuleChild(it->index, v));
    retire_child(children, it);
  }

  // list.pop(i) and `del l[i]`: the item at Python index `i`, removed.
  PyValue list_take(PyList& l, int64_t i, Span at) {
    size_t k = index_of(i, l.size(), at);
    PyValue v = l[k];
    l.erase(l.begin() + static_cast<std::ptrdiff_t>(k));
    return v;
  }

  // dict.pop(key) and `del d[key]`: the value at `key`, removed; nullopt when there is none.
  std::optional<PyValue> dict_take(PyDict& d, const PyValue& key, Span at) {
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!equal(it->first, key, at)) continue;
      PyValue v = it->second;
      d.erase(it);
      return v;
    }
    return std::nullopt;
  }

  const PyValue* dict_find(const PyDict& d, const PyValue& key, Span at) {
    for (const auto& [k, v] : d)
      if (equal(k, key, at)) return &v;
    return nullptr;
  }

  void dict_set(PyDict& d, const PyValue& key, const PyValue& v) {
    for (auto& [k, x] : d) {
      if (equal(k, key, Span{})) {
        x = v;
        return;
      }
    }
    d.emplace_back(key, v);
  }

  // [x for x in xs if ...], {k: v for ...}, (x for ...): clauses run left to right.
  PyValue comprehension(const Expr& e, Frame& outer) {
    // A generator runs only as far as it is consumed, which netshape does not follow: the
    // layers it builds are checked only where they are kept (check_unkept_layers)
    struct InGenerator {
      int& depth;
      bool counted;
      ~InGenerator() { depth -= counted; }
    } in_generator{generator_depth_, e.text == "generator"};
    generator_depth_ += in_generator.counted;
    bool dict = e.text == "dict";
    size_t first_clause = dict ? 2 : 1;
    std::shared_ptr<PyList> drained;  // a generator's iterator source, run through now
    Frame f = outer;
    f.scope = new_scope();
    f.scope->parent = outer.scope;
    PyList out;
    PyValue d;
    d.kind = PyValue::Kind::Dict;
    d.dict = new_dict();
    std::function<void(size_t)> clause = [&](size_t i) {
      if (i >= e.items.size()) {
        if (dict) {
          PyValue key = eval(e.items[0], f);  // left to right, as Python
          dict_set(*d.dict, key, eval(e.items[1], f));
        } else
          out.push_back(eval(e.items[0], f));
        return;
      }
      if (e.keywords[i] == "for") {
        PyValue iterable = eval(e.items[i + 1], f);
        if (in_generator.counted && i == first_clause && is_iterator(iterable) &&
            !iterable.list->empty())
          drained = iterable.list;
        PyList items = iterate(iterable, e.items[i + 1].span);
        if (items.empty() && !forward_) refuse_comprehension_freeze(e, i);
        if (is_unfollowed_parameters(iterable)) unfollowed_parameters_used(e.items[i + 1].span);
        for (const PyValue& v : items) {
          step(e.span);
          assign_value(e.items[i], v, f);
          clause(i + 2);
        }
        return;
      }
      if (e.keywords[i] == "if") {
        if (truthy(eval(e.items[i], f), e.items[i].span)) clause(i + 1);
        return;
      }
      clause(i + 1);
    };
    clause(first_clause);
    if (dict) return d;
    if (e.text == "set") return make_set(out, e.span);  // each element once, in no usable order
    if (e.text == "generator") {
      PyValue gen = make_iterator(std::move(out), "generator");
      if (drained) drained_sources_.push_back({drained, gen.list});
      return gen;
    }
    return make_list(std::move(out));
  }

  // `[p.requires_grad_(False) for p in m.parameters()]`: parameters() yields nothing netshape
  // follows, so the element would never be computed; refused rather than skipped.
  void refuse_comprehension_freeze(const Expr& e, size_t clause) {
    std::set<std::string> names;
    loop_names(e.items[clause], names);
    if (names.empty()) return;
    for (size_t k = 0; k < e.items.size(); ++k) {
      if (e.keywords[k] == "for") continue;  // a target
      if (const Expr* use = requires_grad_call(e.items[k], names))
        unsupported_here(use->span, "setting requires_grad in a comprehension",
                         std::string("write it as a loop; ") + kFreezeHelp);
    }
  }

  std::string format_fstring(const Expr& e, Frame& f) {
    std::string out;
    for (size_t i = 0; i < e.items.size(); ++i) {
      if (e.keywords[i].empty() && e.items[i].kind == Expr::Kind::String) {
        append_text(out, e.items[i].text, e.span);
        continue;
      }
      std::string spec = e.keywords[i];
      PyValue v = eval(e.items[i], f);
      std::string conversion;
      if (!spec.empty() && spec[0] == '!') {
        conversion = spec.substr(1, 1);
        spec = spec.size() > 2 ? spec.substr(3) : "";
      } else if (!spec.empty() && spec[0] == ':') {
        spec = spec.substr(1);
      }
      if (conversion == "r" && v.is(Value::Kind::String)) {
        append_text(out, formatted(data_str(python_repr(v.data.s.str()), e.span), spec, e.span),
                    e.span);
      } else {
        append_text(out, formatted(v, spec, e.span), e.span);
      }
    }
    return out;
  }

  // format(v, spec) for the specs names are built with: [[fill]align][width][.precision][type].
  static void append_text(std::string& out, const std::string& piece, Span at) {
    if (out.size() + piece.size() > kMaxText) raise(at, "string too long to build");
    out += piece;
  }

  std::string formatted(const PyValue& v, const std::string& spec, Span at) {
    if (spec.empty()) return plain_text(v, at);
    // Python formats a float without a type letter as `g` with a digit past the point (`:.2` of
    // 1.0 is 1.0, `:+` of 0.0 is +0.0), unlike fmt's
    if (v.is(Value::Kind::Float) &&
        std::string_view("eEfFgG").find(spec.back()) == std::string::npos)
      unsupported_here(at, "the format `" + spec + "` of a float, without a type letter",
                       "write the type: `:" + spec + "g` or `:" + spec + "f`");
    // A width like `{:>1000000000}` would build a string of that size.
    int64_t width = 0;
    for (char c : spec) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        width = 0;
        continue;
      }
      width = std::min<int64_t>(width * 10 + (c - '0'), kMaxText + 1);
      if (width > static_cast<int64_t>(kMaxText)) raise(at, "format width too large");
    }
    if (spec.find('#') != std::string::npos && spec.back() == 'o')
      unsupported_here(at, "the `#o` format", "Python writes 0o10 where C writes 010");
    std::string fmt_spec = "{:" + spec + "}";
    try {
      if (v.is(Value::Kind::Int)) return fmt::format(fmt::runtime(fmt_spec), v.data.i);
      if (v.is(Value::Kind::Float)) return fmt::format(fmt::runtime(fmt_spec), v.data.f);
      return fmt::format(fmt::runtime(fmt_spec), plain_text(v, at));
    } catch (const fmt::format_error&) {
      raise(at, "unsupported format spec `" + spec + "`");
    }
  }

  // A printf conversion's flags, width and precision (`-5`, `05`, `.2`, `+`) as the format spec
  // that means the same: right-aligned unless `-` (printf's rule, for strings too), `0` pads
  // numbers with zeros. `#` and `*` are not followed.
  static std::string printf_spec(const std::string& printf, char type, Span at) {
    size_t k = 0;
    bool left = false, zero = false;
    std::string sign;
    for (; k < printf.size() && std::string_view("-+ 0").find(printf[k]) != std::string::npos;
         ++k) {
      left = left || printf[k] == '-';
      zero = zero || printf[k] == '0';
      if (printf[k] == '+' || (printf[k] == ' ' && sign.empty())) sign = printf[k];
    }
    std::string rest = printf.substr(k);  // width, then .precision
    for (char c : rest)
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.')
        unsupported_here(at, "this `%` conversion (`%" + printf + type + "`)",
                         "use flags -, +, space and 0, a width and a precision");
    if (rest.empty() && sign.empty() && !zero) return "";
    bool number = type != 's';
    if (!number) return (left ? "<" : ">") + rest;
    if (left) return "<" + sign + rest;
    return zero ? sign + "0" + rest : ">" + sign + rest;
  }

  std::string percent_format(const PyValue& a, const PyValue& b, Span at) {
    PyList values = b.kind == PyValue::Kind::Tuple ? b.items : PyList{b};
    std::string out;
    size_t next = 0;
    const std::string& s = a.data.s;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out += s[i];
        continue;
      }
      if (i + 1 < s.size() && s[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < s.size() && !std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size() || next >= values.size()) raise(at, "bad `%` format");
      char type = s[j];
      std::string spec = printf_spec(s.substr(i + 1, j - i - 1), type, at);
      const PyValue& v = values[next++];
      if (type == 'd' || type == 'i') {
        append_text(out, formatted(data_int(int_of(v, at), at), spec + "d", at), at);
      } else if (type == 'f' || type == 'g' || type == 'e' || type == 'F' || type == 'E' ||
                 type == 'G') {
        append_text(out,
                    formatted(PyValue::of(Value::floating(number_of(v, at), at)), spec + type, at),
                    at);
      } else if (type == 's') {
        append_text(out, formatted(data_str(text_of(v), at), spec, at), at);
      } else {
        unsupported_here(at, fmt::format("the `%{}` conversion", type),
                         "use %d, %i, %f, %e, %g or %s");
      }
      i = j;
    }
    return out;
  }

  // ---- forward: the same interpreter, over tensors ----
  //
  // A tensor is a value holding the name of the statement (or input) that produces it. Every
  // module call, functional op, tensor method and tensor arithmetic appends one Statement to the
  // program; `x.size(1)` is a reference to a dimension that inference resolves. Control flow runs
  // on the constructor's values; a tensor's values cannot decide it.

 public:
  // Applies `root` (the model) to the inputs and declares what it returns as the program's
  // outputs. False (reported) on an error.
  bool apply_model(ModuleDef& root, const std::vector<std::pair<std::string, Span>>& inputs,
                   Span span) {
    bool was_forward = forward_;
    forward_ = true;
    try {
      PyValue model;
      model.kind = PyValue::Kind::Module;
      model.module = std::shared_ptr<ModuleDef>(std::shared_ptr<ModuleDef>(), &root);
      if (model.module->id < 0) model.module->id = g_next_module_id++;
      name_modules(model);
      if (!take_input_dtypes(inputs)) {
        forward_ = was_forward;
        return false;
      }
      PyList args;
      for (const auto& [name, at] : inputs) {
        args.push_back(PyValue::tensor(name, at));
        if (auto dtype = L.input_dtypes_.find(name); dtype != L.input_dtypes_.end()) {
          args.back().dtype = *element_type_named(dtype->second);
          for (InputDecl& decl : L.program_.inputs)
            if (decl.name == name) type_input(decl, args.back().dtype);
        }
      }
      PyValue out = call_module(model, args, span, -1);
      forward_ = was_forward;
      return add_outputs(out, span) && all_parameters_counted(model);
    } catch (const ForwardStopped& stop) {
      // The statements so far already fail: inference reports that, at the failing layer.
      forward_ = was_forward;
      L.program_.outputs = {OutputDecl{stop.tensor, stop.at}};
      L.program_.stopped_at = stop.at;
      L.program_.stop_error = stop.error;
      return true;
    } catch (const PyError& e) {
      forward_ = was_forward;
      L.diags_.add(e.d);
      return false;
    }
  }

 private:
  // An input declared of `type`: its element's bytes and the kind of values it holds.
  static void type_input(InputDecl& decl, ElementType type) {
    decl.element_bytes = element_bytes(type);
    int category = type_category(type);
    decl.values = category == 0   ? InputDecl::Values::boolean
                  : category == 1 ? InputDecl::Values::whole
                                  : InputDecl::Values::real;
  }

  // The dtypes --input gives forward's inputs, over those of `# input:` comments; false
  // (reported) when an --input names no input or is past the last.
  bool take_input_dtypes(const std::vector<std::pair<std::string, Span>>& inputs) {
    const std::vector<InputOption>& options = L.opts_.inputs;
    if (options.empty()) return true;
    std::vector<std::string> names;
    for (const auto& in : inputs) names.push_back(in.first);
    std::string error, help;
    auto targets = input_option_targets(options, names, error, help);
    if (!targets) {
      L.diags_.error(Span{}, error, help);
      return false;
    }
    for (size_t k = 0; k < options.size(); ++k)
      if (!options[k].dtype.empty()) L.input_dtypes_[names[(*targets)[k]]] = options[k].dtype;
    return true;
  }

  int next_made_ = 0;                        // identities of tensors made in __init__
  std::map<int, std::string> materialized_;  // by identity: the statement of a made tensor
  std::set<int> counted_made_;               // nn.Parameters collect_unapplied has seen
  std::map<std::string, Shape> shapes_;      // tensors whose shape forward asked for (immutable)
  int shape_queries_ = 0;

  // Thrown when forward asks for a shape the statements so far cannot give (they fail): reading
  // stops there, and the program ends with that tensor.
  struct ForwardStopped {
    std::string tensor;
    Span at;
    Diagnostic error;
  };

  // The shape of `tensor` now, asked of shape inference over the statements read so far. Values
  // computed from it depend on the model's input shapes: the program says so (sizes_read_at).
  const Shape& shape_now(const std::string& tensor, Span at) {
    if (auto it = shapes_.find(tensor); it != shapes_.end()) return it->second;
    if (!L.opts_.shape_of) {
      unsupported_here(at, "computing with a tensor's size",
                       "pass `x.size(i)` to view/reshape as it is, or a number");
    }
    if (++shape_queries_ > limits::kMaxShapeQueries) {
      limit_reached(at,
                    fmt::format("forward computes with tensor sizes more than {} times",
                                limits::kMaxShapeQueries),
                    "netshape stops here (docs/limits.md)");
    }
    if (!L.program_.sizes_read_at.valid()) L.program_.sizes_read_at = at;
    ShapeAnswer answer = L.opts_.shape_of(L.program_, tensor, in_trial_);
    if (!answer.shape) throw ForwardStopped{tensor, at, answer.error};
    return shapes_[tensor] = *answer.shape;
  }

  // The size `x.size(i)` refers to, as a number.
  int64_t dim_value(const Value& ref, Span at) {
    const Dim& d = size_read(ref.s, ref.i, at);
    if (d.symbolic()) {
      raise(at,
            fmt::format("size {} of `{}` is the symbolic {}: netshape cannot compute with it",
                        ref.i, ref.s, to_string(d)),
            "give the input a number for it, e.g. --input with a batch size");
    }
    return d.value;
  }

  // A size reference as the number it is; any other value as it is.
  PyValue resolved(const PyValue& v, Span at) {
    if (!v.is(Value::Kind::DimRef)) return v;
    return data_int(dim_value(v.data, v.data.span.valid() ? v.data.span : at), at);
  }

  // A size of `tensor` as forward holds it: a reference inference resolves. In a trial (a
  // module run in __init__) the number itself: the trial's sizes are all known, and a reference
  // to one of its rows must not outlive it (`self.n = x.size(1)` in a method the trial runs).
  PyValue size_ref(const std::string& tensor, int64_t dim, Span at) {
    if (in_trial_) return data_int(dim_value(Value::dim_ref(tensor, dim, at), at), at);
    return PyValue::of(Value::dim_ref(tensor, dim, at));
  }

  // x.size() unpacked or iterated: a reference to each of its dims.
  PyList shape_items(const PyValue& shape, Span at) {
    PyList out;
    size_t rank = shape_now(shape.name, at).size();
    for (size_t i = 0; i < rank; ++i)
      out.push_back(size_ref(shape.name, static_cast<int64_t>(i), at));
    return out;
  }
  bool forward_ = false;  // running forward: calls of F./torch. functions are tensor ops
  const char* where() const { return forward_ ? "forward" : "__init__"; }
  int module_ = -1;  // the ModuleDecl whose forward runs; -1 for the model
  // The element type of the statement being built, from its inputs (check_element_type).
  ElementType output_type_ = ElementType::Float32;
  ElementType first_input_type_ = ElementType::Float32;  // the in-place ops' receiver
  // The dtype= of the reduction tensor_op builds (`x.mean(dtype=torch.float64)`): its type.
  std::optional<ElementType> reduction_dtype_;
  std::map<std::string, int> applied_;     // how many times forward applied each module path
  std::map<int, std::string> first_call_;  // by module id: the statement of a layer's first call
  std::map<int, int> declared_;            // by module id: the ModuleDecl of a container or block
  std::map<int, std::string> canonical_;   // by module id: its named_modules() name
  std::set<int> counted_;                  // modules whose parameters collect_unapplied has seen
  std::map<int, int> container_versions_;  // by module id: the latest version (changing_container)
  int last_container_version_ = 0;
  // Every layer construct_layer built (of an op netshape knows, outside generators), for
  // check_unkept_layers.
  std::vector<std::shared_ptr<ModuleDef>> built_layers_;
  int generator_depth_ = 0;  // generator expressions being evaluated

  // ---- a module run in __init__ on a tensor made there ----
  //
  // `n = self.features(torch.zeros(1, 3, 32, 32)).numel()` (the tutorials' way to size the first
  // Linear): PyTorch runs the module on that tensor while __init__ runs. netshape runs its forward
  // into a program of its own, whose one input is the tensor made, and asks inference for the
  // result's sizes. Everything forward records about rows is set aside meanwhile and put back
  // after, so the model's own forward starts as if the trial had never run; what Python objects
  // keep (attributes set, a lazy module's size) stays, as it stays in PyTorch.
  struct RowState {
    Program program;
    std::set<std::string> taken;
    uint32_t copies_made = 0;
    int64_t training_reads = 0;
    std::map<std::string, std::string> written_into;
    std::unordered_map<std::string, WriteGuard> guards;
    std::unordered_set<std::string> needs_grad;
    std::unordered_map<std::string, std::vector<std::string>> pieces_of;
    std::unordered_set<std::string> pieces_written_under;
    std::unordered_map<std::string, std::string> memory_of;
    std::unordered_map<std::string, size_t> view_made_at, last_written_at;
    std::optional<std::vector<int64_t>> output_padding;
    std::map<std::string, std::string> layer_tensors;
    std::set<int> tensors_read;
    Span model_call;
    std::map<int, std::string> materialized;
    std::set<int> counted_made;
    std::map<std::string, Shape> shapes;
    bool forward = false;
    int module = -1;
    ElementType output_type = ElementType::Float32, first_input_type = ElementType::Float32;
    std::map<std::string, int> applied;
    std::map<int, std::string> first_call, canonical;
    std::map<int, int> declared;
    std::set<int> counted;
  };
  // Exchanges the interpreter's row state with `s`: once to set it aside (a fresh one in its
  // place), once to put it back. Every member forward writes about rows is listed here.
  void swap_row_state(RowState& s) {
    std::swap(L.program_, s.program);
    std::swap(L.taken_, s.taken);
    std::swap(copies_made_, s.copies_made);
    std::swap(training_reads_, s.training_reads);
    std::swap(written_into_, s.written_into);
    std::swap(guards_, s.guards);
    std::swap(needs_grad_, s.needs_grad);
    std::swap(pieces_of_, s.pieces_of);
    std::swap(pieces_written_under_, s.pieces_written_under);
    std::swap(memory_of_, s.memory_of);
    std::swap(view_made_at_, s.view_made_at);
    std::swap(last_written_at_, s.last_written_at);
    std::swap(output_padding_, s.output_padding);
    std::swap(layer_tensors_, s.layer_tensors);
    std::swap(tensors_read_, s.tensors_read);
    std::swap(model_call_, s.model_call);
    std::swap(materialized_, s.materialized);
    std::swap(counted_made_, s.counted_made);
    std::swap(shapes_, s.shapes);
    std::swap(forward_, s.forward);
    std::swap(module_, s.module);
    std::swap(output_type_, s.output_type);
    std::swap(first_input_type_, s.first_input_type);
    std::swap(applied_, s.applied);
    std::swap(first_call_, s.first_call);
    std::swap(canonical_, s.canonical);
    std::swap(declared_, s.declared);
    std::swap(counted_, s.counted);
  }
  bool in_trial_ = false;
  std::vector<ModuleDef*> trial_declared_;  // modules the trial gave a ModuleDecl: reset after

  // The trial of `callee` applied to `args`, among them tensors made in __init__ (alone or in a
  // tuple or list); its other arguments as forward takes them.
  PyValue trial_module(const PyValue& callee, const Args& args, const Expr& call) {
    if (!op_with_made_tensor(args))
      unsupported_here(call.span,
                       "calling a module in __init__ on something other than a tensor made there",
                       "give it a tensor: `self.features(torch.zeros(1, 3, 32, 32))`");
    return trial(args, call.span, [&](Args& probe) {
      PyValue module = callee;
      canonical_.emplace(module.module->id, module.name);
      name_modules(module);
      return apply_module(module, probe, call);  // as forward applies it (an MHA's tuple)
    });
  }

  // `run` in forward mode, on `args` with each tensor made in __init__ replaced by an input of
  // the trial's program of its sizes and type: its result as __init__ holds it (made_result).
  template <typename Run>
  PyValue trial(const Args& args, Span at, Run run) {
    if (in_trial_ || !L.opts_.shape_of)
      unsupported_here(at, "running a tensor op in __init__ here");
    if (mode_set_at_.valid()) refuse_after_mode_set(at, "a module or tensor op run");
    Program probe;
    probe.model_name = "__init__";
    Args probe_args = args;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      if (made_in_init(v)) {
        probe_args.values[i] = trial_input(v, args.spans[i], probe);
      } else if (v.kind == PyValue::Kind::List || v.kind == PyValue::Kind::Tuple) {
        PyList items = v.kind == PyValue::Kind::List ? *v.list : v.items;  // `torch.cat([a, b])`
        for (PyValue& item : items)
          if (made_in_init(item)) item = trial_input(item, args.spans[i], probe);
        probe_args.values[i] = v.kind == PyValue::Kind::List ? make_list(std::move(items))
                                                             : make_tuple(std::move(items));
      }
    }
    RowState saved;
    swap_row_state(saved);
    struct Restore {
      Construct& c;
      RowState& saved;
      ~Restore() {
        c.swap_row_state(saved);
        for (ModuleDef* m : c.trial_declared_) m->module_index = -1;
        c.trial_declared_.clear();
        c.in_trial_ = false;
        c.L.row_prefix_.clear();
        c.strided_input_ = Span{};
      }
    } restore{*this, saved};
    in_trial_ = true;
    L.row_prefix_ = kTrialPrefix;
    forward_ = true;
    L.program_ = std::move(probe);
    try {
      PyValue out = run(probe_args);
      refuse_layout_dependence();
      return made_result(out, at);
    } catch (const ForwardStopped& stop) {
      refuse_layout_dependence();
      // PyTorch raises it in __init__, where the op runs on the made tensor
      throw PyError{trial_error(stop.error, at), false, true};
    }
  }

  // Whether `v` is or holds (in a tuple, list or dict) a tensor of forward.
  static bool holds_tensor(const PyValue& v) {
    if (v.kind == PyValue::Kind::Tensor || v.kind == PyValue::Kind::Shape) return true;
    if (v.list && std::any_of(v.list->begin(), v.list->end(), holds_tensor)) return true;
    if (v.dict && std::any_of(v.dict->begin(), v.dict->end(),
                              [](const auto& kv) { return holds_tensor(kv.second); }))
      return true;
    return std::any_of(v.items.begin(), v.items.end(), holds_tensor);
  }

  // torch.meshgrid(*tensors, indexing=None) (or of one list): for N 0-D or 1-D tensors of one
  // dtype, N tensors of their N lengths, the i-th the i-th tensor viewed along its dim and
  // expanded (as PyTorch makes them: views, not contiguous); 'xy' swaps the first two dims,
  // None is 'ij' (PyTorch warns). PyTorch's errors in its order.
  PyValue meshgrid(const Args& args, Span at) {
    PyList tensors;
    const PyValue* indexing = nullptr;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i] == "indexing") {
        indexing = &args.values[i];
      } else if (!args.keywords[i].empty()) {
        raise(args.spans[i],
              fmt::format("meshgrid() got an unexpected keyword argument '{}'", args.keywords[i]),
              "give it the tensors and indexing='ij' or 'xy'");
      } else {
        tensors.push_back(args.values[i]);
      }
    }
    if (tensors.size() == 1 &&
        (tensors[0].kind == PyValue::Kind::List ||
         (tensors[0].kind == PyValue::Kind::Tuple && tensors[0].name.empty())))
      tensors = iterate(tensors[0], at);
    for (size_t i = 0; i < tensors.size(); ++i)
      if (tensors[i].kind != PyValue::Kind::Tensor)
        raise(at,
              fmt::format("expected Tensor as element {} in argument 0, but got {}", i,
                          parser_type(tensors[i])),
              "give it tensors: torch.meshgrid(a, b, indexing='ij')");
    if (tensors.empty())
      raise_torch(at, "meshgrid expects a non-empty TensorList", "give it the tensors");
    for (const PyValue& t : tensors)
      if (t.dtype != tensors[0].dtype)
        torch_error(t, at, "meshgrid expects all tensors to have the same dtype",
                    "cast them to one dtype first");
    std::vector<int64_t> lengths;
    for (const PyValue& t : tensors) {
      const Shape& shape = shape_now(t.name, at);
      if (shape.size() > 1)  // PyTorch's message prints the tensor's values
        unsupported_here(at, "torch.meshgrid of a tensor of more than 1 dim",
                         "PyTorch refuses it: give 0-D or 1-D tensors");
      if (!shape.empty() && shape[0].symbolic())
        unsupported_here(at, "torch.meshgrid of a tensor of a symbolic length");
      lengths.push_back(shape.empty() ? 1 : shape[0].value);
    }
    bool xy = false;
    if (indexing && !indexing->is_none()) {
      if (!indexing->is(Value::Kind::String))
        raise(at,
              fmt::format("meshgrid(): argument 'indexing' must be str, not {}",
                          parser_type(*indexing)),
              "indexing='ij' or 'xy'");
      const std::string& mode = indexing->data.s;
      if (mode != "ij" && mode != "xy")
        torch_error(tensors[0], at,
                    fmt::format("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                                "received: {}",
                                mode),
                    "indexing='ij' (matrix) or 'xy' (Cartesian)");
      xy = mode == "xy";
    }
    size_t n = tensors.size();
    std::vector<size_t> place(n);
    for (size_t i = 0; i < n; ++i) place[i] = i;
    if (xy && n >= 2) std::swap(place[0], place[1]);
    std::vector<int64_t> full(n);
    for (size_t i = 0; i < n; ++i) full[place[i]] = lengths[i];
    PyList out;
    for (size_t i = 0; i < n; ++i) {
      std::vector<Value> view, expand;
      for (size_t d = 0; d < n; ++d) {
        view.push_back(int_value(d == place[i] ? -1 : 1, at));
        expand.push_back(int_value(full[d], at));
      }
      PyValue viewed = tensor_statement("view", tensors[i], std::move(view), at);
      out.push_back(tensor_statement("expand", viewed, std::move(expand), at));
    }
    return make_tuple(std::move(out));
  }

  // `t.<name>(args)` of a tensor made in __init__ that __init__ does not compute itself: forward's
  // method, run as a trial on its sizes. Not an in-place one (`t.unsqueeze_(0)`): the trial's
  // result is a new tensor, and `t` would keep its old sizes.
  PyValue trial_method(const PyValue& self, const std::string& name, const Args& args,
                       const Expr& call) {
    for (const char* reads_values : {"tolist", "item", "numpy", "any", "all", "equal"})
      if (name == reads_values)
        unsupported_here(call.span,
                         fmt::format("`.{}()` of a tensor of __init__ whose values netshape does "
                                     "not follow (only its sizes)",
                                     name),
                         "compute it from torch.arange or torch.tensor with arithmetic, round, "
                         "floor, ceil, log, exp, sqrt, pow, diff, sum, max and min");
    Span self_at = self.data.span.valid() ? self.data.span : call.span;
    return trial(args.with_first(self, self_at, &call), call.span, [&](Args& probe) {
      Args rest = probe.without_first();
      return tensor_method(probe.values[0], name, rest, call);
    });
  }

  // Whether a torch function is given a tensor made in __init__ (one the functions on made
  // tensors did not take): it runs as a trial.
  static bool op_with_made_tensor(const Args& args) {
    return std::any_of(args.values.begin(), args.values.end(), [](const PyValue& v) {
      if (v.kind == PyValue::Kind::List)
        return std::any_of(v.list->begin(), v.list->end(), made_in_init);
      if (v.kind == PyValue::Kind::Tuple)
        return std::any_of(v.items.begin(), v.items.end(), made_in_init);
      return made_in_init(v);
    });
  }
  // A tensor __init__ made: its sizes known (Made), or its values too (Values).
  static bool made_in_init(const PyValue& v) {
    return v.kind == PyValue::Kind::Made || v.kind == PyValue::Kind::Values;
  }

  // Where the trial was given a transposed, sliced or expanded tensor: its input is a new
  // contiguous one, so a `view` in it could pass where PyTorch's fails (or fail where it passes).
  Span strided_input_;
  void refuse_layout_dependence() {
    if (!strided_input_.valid()) return;
    Span at = std::exchange(strided_input_, Span{});
    for (const Statement& st : L.program_.statements)
      if (st.op == "view")
        unsupported_here(at,
                         "a transposed, sliced or expanded tensor given to a module run in "
                         "__init__ that views it",
                         "make it `.contiguous()` first");
  }

  // A tensor made in __init__ as the trial reads it: a new input of `probe` of its sizes and
  // type.
  PyValue trial_input(const PyValue& made, Span at, Program& probe) {
    const PyValue v = made.kind == PyValue::Kind::Values ? values_as_made(made, at) : made;
    if (is_parameter(v))  // autograd's leaf rules are not followed in a trial
      unsupported_here(at, "an nn.Parameter given to a tensor op in __init__");
    if (v.strided && !strided_input_.valid()) strided_input_ = at;
    InputDecl in;
    in.name = fmt::format("__init_input{}", probe.inputs.size());
    in.span = at;
    for (int64_t size : sizes_of(v)) in.dims.push_back(InputDim{size, "", at});
    type_input(in, v.dtype);
    PyValue t = PyValue::tensor(in.name, at);
    t.dtype = v.dtype;
    probe.inputs.push_back(std::move(in));
    return t;
  }

  static constexpr const char* kTrialPrefix = "__init__/";
  // A layer's error in the trial, as __init__'s error at the call, pointing at the layer too
  // (its rows' names without the trial's prefix).
  static Diagnostic trial_error(const Diagnostic& error, Span call) {
    auto shown = [](std::string text) {
      for (size_t at = text.find(kTrialPrefix); at != std::string::npos;
           at = text.find(kTrialPrefix, at))
        text.erase(at, std::strlen(kTrialPrefix));
      return text;
    };
    Diagnostic d = error_at(call, shown(error.message), shown(error.help));
    bool elsewhere = error.span.line != call.line || error.span.column != call.column ||
                     error.span.file != call.file;
    if (error.span.valid() && elsewhere)
      d.labels.push_back(Label{error.span, "the layer that fails"});
    return d;
  }

  // The trial's result as __init__ holds it: each tensor a tensor made there of its sizes.
  PyValue made_result(const PyValue& out, Span at) {
    if (out.kind == PyValue::Kind::Tuple || out.kind == PyValue::Kind::List) {
      PyValue items = out;
      for (PyValue& item : items.items) item = made_result(item, at);
      return items;
    }
    if (is_failed(out) && out.final_state)  // a recurrent layer's h_n or c_n
      return made_result(whole_state_or(out, at), at);
    if (out.kind != PyValue::Kind::Tensor)
      unsupported_here(at, "a module in __init__ that returns something other than tensors");
    Sizes sizes;
    for (const Dim& d : shape_now(out.name, at)) {
      if (d.symbolic()) unsupported_here(at, "a symbolic size in __init__");
      sizes.push_back(d.value);
    }
    return made_of(sizes, out.dtype, at);
  }

  // named_modules()'s names: each module by the first path that reaches it, in registration
  // order, so a module registered twice (`self.conv1`, then inside `self.net`) has one name.
  void name_modules(const PyValue& parent) {
    ModuleDef& m = *parent.module;
    auto visit = [&](ModuleDef& def, const std::string& key) {
      PyValue child = child_module(parent, def, key);
      if (!canonical_.emplace(def.id, child.name).second) return;
      name_modules(child);
    };
    if (m.kind == ModuleDef::User) {
      for (const std::string& key : m.instance->order)
        if (auto it = m.instance->modules.find(key); it != m.instance->modules.end())
          visit(it->second, key);
    }
    for (ModuleChild& c : m.children) visit(c.def, c.index);
  }

  // A module with weights forward applies that the model does not register (held in a plain
  // list, dict or tuple, or built in forward): PyTorch's parameters() does not count its weights
  // (and an optimizer would never train them), so no total netshape gives would be PyTorch's.
  void refuse_unregistered(const PyValue& module, const Expr& call) {
    std::set<int> seen;
    if (!holds_weights(*module.module, seen)) return;
    // A slice of a registered nn.Sequential (`self.body[:2](x)`): a new container whose modules
    // are all registered, so model.parameters() counts their weights.
    if (module.module->kind == ModuleDef::Sequential && !module.module->children.empty() &&
        std::all_of(module.module->children.begin(), module.module->children.end(),
                    [&](const ModuleChild& c) { return canonical_.count(c.def.id) != 0; }))
      return;
    std::string path = dotted(call.items[0]);
    raise(call.span,
          "`" + (path.empty() ? "this layer" : path) +
              "` has weights but is not a registered submodule: model.parameters() does not "
              "count them, and an optimizer would never train them",
          plain_object(module)
              ? "derive class " + module.module->instance->cls->name + " from nn.Module"
              : "hold the layers in nn.ModuleList([...]) or nn.ModuleDict({...}) instead of a "
                "list, dict or tuple, and build them in __init__");
  }
  bool holds_weights(const ModuleDef& m, std::set<int>& seen) const {
    if (!seen.insert(m.id).second) return false;
    if (m.kind == ModuleDef::Leaf) return has_weights(m);
    for (const ModuleChild& c : m.children)
      if (holds_weights(c.def, seen)) return true;
    if (m.kind != ModuleDef::User) return false;
    if (m.instance->layer_base && holds_weights(*m.instance->layer_base, seen)) return true;
    for (const auto& [key, child] : m.instance->modules)
      if (holds_weights(child, seen)) return true;
    for (const auto& [key, value] : m.instance->values)
      if (is_parameter(*value)) return true;
    return false;
  }

  // A module value named by its named_modules() name.
  PyValue canonical(PyValue v) {
    auto it = canonical_.find(v.module->id);
    if (it != canonical_.end()) v.name = it->second;
    return v;
  }

  // The ModuleDecl of a container or block, one per module however many paths reach it.
  int declare(ModuleDef& m, const std::string& name, const std::string& kind, int parent,
              Span call_span) {
    if (auto it = declared_.find(m.id); it != declared_.end()) return it->second;
    bool declared_before = m.module_index >= 0;
    int index = L.declare_module(m, name, kind, parent, call_span);
    if (in_trial_ && !declared_before && m.module_index >= 0) trial_declared_.push_back(&m);
    if (!name.empty()) declared_[m.id] = index;
    return index;
  }

  // model.parameters() counts every registered module and nn.Parameter, used or not: the layers
  // with weights forward never applies (an auxiliary head in eval mode) and the parameters it
  // never reads go to Program::unapplied, whose parameters the total includes.
  bool all_parameters_counted(const PyValue& model) {
    collect_unapplied(*model.module, model.name);
    check_unkept_layers();
    return true;
  }

  // PyTorch builds every layer the model's code constructs, kept or not (`d = nn.Dropout(2.0)`
  // left unused, a layer in a plain list, one deleted again): what building it raises is the
  // model's error. Those neither registered nor applied are checked as the registered ones
  // forward never applies are (Program::unapplied_weightless), once per place and arguments.
  void check_unkept_layers() {
    std::set<std::string> checked;  // a place and its arguments (a loop builds it again and again)
    for (const std::shared_ptr<ModuleDef>& layer : built_layers_) {
      if (counted_.count(layer->id) || first_call_.count(layer->id) || !layer->pending.empty())
        continue;
      std::string built =
          fmt::format("{}:{}:{}", layer->span.file, layer->span.line, layer->span.column);
      for (const Arg& a : layer->args)
        built += fmt::format(",{}={}", a.keyword.str(), to_source(a.value));
      if (!checked.insert(std::move(built)).second) continue;
      L.program_.unapplied_weightless.push_back(unapplied_statement(*layer, layer->op));
    }
  }

  // A tensor made in __init__, read in forward as `self.<path>`: one statement, at its first read.
  PyValue materialize(const PyValue& made, const std::string& path, Span at) {
    if (made.strided)
      unsupported_here(
          at,
          "reading a tensor made in __init__ that is not contiguous there (transposed, "
          "sliced or expanded): its memory layout is not followed",
          "make it contiguous where it is made: `.contiguous()`");
    std::string out;
    if (auto it = materialized_.find(made.made); it != materialized_.end()) {
      out = it->second;
    } else {
      Statement st = made_statement(made, path);
      st.module = module_;
      out = emit(std::move(st));
      materialized_[made.made] = out;
    }
    if (made.values_unknown)  // read as zeros
      note_values_unfollowed("the values __init__ computed for `" + path + "`", at,
                             Program::Unfollowed::MadeInInit);
    PyValue t = PyValue::tensor(out, at);
    t.dtype = made.dtype;
    return t;
  }

  Statement made_statement(const PyValue& made, const std::string& path) const {
    Statement st;
    if (frozen_made_.count(made.made)) st.extras_for_write().frozen = true;
    st.named = true;  // named as named_parameters() / named_buffers() name it
    st.name = path;
    st.op = made.name;
    st.op_span = st.span = made.data.span;
    for (const PyValue& size : made.items) st.args.push_back(Arg{"", size.data, made.data.span});
    if (made.items.empty()) {  // 0-dim: the empty size `()`, as torch.zeros(()) takes it
      Value no_dims;
      no_dims.kind = Value::Kind::Tuple;
      no_dims.span = made.data.span;
      st.args.push_back(Arg{"", std::move(no_dims), made.data.span});
    }
    st.python = true;
    return st;
  }

  // Whether forward applied `m`. nn.ModuleList and nn.ModuleDict are never called themselves:
  // they are applied when forward applied a module in them (`self.heads[key](x)`), and so is an
  // nn.Sequential forward applies in pieces (`self.body[:2](x)`, `self.body[3](x)`).
  bool was_applied(const ModuleDef& m) const {
    if (m.kind == ModuleDef::Leaf) return first_call_.count(m.id) != 0;
    if (declared_.count(m.id) != 0) return true;
    if (m.kind != ModuleDef::Sequential) return false;
    for (const ModuleChild& c : m.children)
      if (was_applied(c.def)) return true;
    return false;
  }

  // The layers with weights under `m` (at path `at`) that forward did not apply; `group` is the
  // outermost module around them forward did not apply either.
  void collect_unapplied(const ModuleDef& m, const std::string& at, UnappliedLayer group = {}) {
    auto child = [&](const std::string& key) { return at.empty() ? key : at + "." + key; };
    refuse_behind(m, m.span);
    if (!counted_.insert(m.id).second) return;  // registered twice: its parameters count once
    bool applied = was_applied(m);
    if (!applied && group.module.empty() && !at.empty()) {
      group.module = at;
      group.module_kind = m.kind == ModuleDef::User                         ? m.instance->cls->name
                          : m.kind == ModuleDef::Sequential && m.op.empty() ? "Sequential"
                                                                            : m.op;
      group.module_span = m.span;
    }
    bool loss = m.op.size() > 4 && m.op.compare(m.op.size() - 4, 4, "Loss") == 0;  // no weights
    if (m.kind == ModuleDef::Leaf && !applied && !find_op(m.op) && !loss) {
      raise(m.span,
            "`" + at + "` (nn." + m.op +
                ") is never applied in forward, and netshape does not know nn." + m.op +
                ": it cannot count its parameters, which model.parameters() includes",
            "remove it from __init__ (or apply it in forward) to analyse the rest");
    }
    if (m.kind == ModuleDef::Leaf && !applied && has_weights(m)) {
      for (size_t i = 0; i < m.pending.size(); ++i) {  // its arguments must be known to count it
        if (m.pending[i].state == Const::Unbound) {
          raise(m.pending_spans[i],
                "constructor parameter `" + m.pending[i].param + "` has no value",
                "pass --arg " + m.pending[i].param + "=<value> or give it a default");
        }
        throw PyError{m.pending[i].error};
      }
      group.layer = unapplied_statement(m, at);
      group.layer.extras_for_write().frozen = frozen_layers_.count(m.id) != 0;
      group.layer.extras_for_write().normed_weight = normed_weight_of(m);
      if (auto tied = tied_elements_.find(m.id); tied != tied_elements_.end())
        group.layer.extras_for_write().tied_elements = tied->second;
      group.tensors_read = tensors_read_.count(m.id) != 0;
      L.program_.unapplied.push_back(group);
    } else if (m.kind == ModuleDef::Leaf && !applied && find_op(m.op) && m.pending.empty()) {
      // Its arguments known: what building it raises is checked (a pending one may be any value)
      L.program_.unapplied_weightless.push_back(unapplied_statement(m, at));
    }
    if (m.kind == ModuleDef::User) {
      if (!applied) refuse_module_without_init(*m.instance, m.span, "_parameters");
      if (m.instance->layer_base) collect_unapplied(*m.instance->layer_base, at, group);
      for (const std::string& key : m.instance->order) {
        auto it = m.instance->modules.find(key);
        if (it != m.instance->modules.end()) collect_unapplied(it->second, child(key), group);
      }
    }
    for (const ModuleChild& c : m.children) collect_unapplied(c.def, child(c.index), group);
    if (m.kind != ModuleDef::User) return;
    for (const auto& [key, c] : m.instance->attrs) {  // values netshape could not compute
      if (c.state == Const::Failed && c.may_hold_weights) {
        raise(c.error.span,
              "netshape cannot count the weights `" + child(key) +
                  "` may hold, which model.parameters() counts: " + c.error.message,
              c.error.help.empty() ? "build it from layers and tensors netshape follows, or "
                                     "remove it if the model does not need it"
                                   : c.error.help);
      }
    }
    for (const auto& [key, value] : m.instance->values) {  // nn.Parameters forward never reads
      const PyValue& v = *value;
      if (v.kind != PyValue::Kind::Made || v.name != "parameter" || materialized_.count(v.made))
        continue;
      if (!counted_made_.insert(v.made).second) continue;
      UnappliedLayer p = group;
      if (p.module.empty()) {
        p.module = child(key);
        p.module_kind = "nn.Parameter";
        p.module_span = v.data.span;
      }
      p.layer = made_statement(v, child(key));
      L.program_.unapplied.push_back(p);
    }
  }

  // Leaf `m`, registered at `at`, as a statement of its own (forward never applies it).
  Statement unapplied_statement(const ModuleDef& m, const std::string& at) const {
    Statement st;
    st.named = true;
    st.name = at;
    st.op = m.op;
    st.op_span = m.op_span;
    st.span = m.span;
    st.args = m.args;  // as built: what building it checks (forward never reads later settings)
    st.extras_for_write().fix_prefix = m.fix_prefix;
    st.python = true;
    return st;
  }

  // Whether layer `op` is of family `f` (nn.RNN, nn.LSTM, nn.GRU: recurrent, applied with their
  // state, returning (output, final state); the cells: recurrent_cell).
  static bool in_family(const std::string& op, Family f) { return family_of(op) == f; }

  // The family of layer `op`; none for a name that is no op.
  static std::optional<Family> family_of(const std::string& op) {
    std::optional<OpId> id = find_op(op);
    if (!id) return std::nullopt;
    return op_info(*id).family;
  }

  // Whether layer `op` is a max pool that can return its indices (return_indices=True).
  static bool max_pool_layer(const std::string& op) {
    std::optional<Family> f = family_of(op);
    return f && pools_with_indices(*f);
  }

  // Whether a layer has weights: convolutions, Linear, and the norms unless made without them.
  static bool has_weights(const ModuleDef& m) {
    std::optional<OpId> id = find_op(m.op);
    if (!id) return false;
    switch (op_info(*id).family) {
      case Family::conv:
      case Family::conv_transpose:
      case Family::linear:
      case Family::batch_norm:
      case Family::layer_norm:
      case Family::group_norm:
      case Family::prelu:
      case Family::attention:  // its projections, with or without biases
      case Family::recurrent:  // its weight_ih and weight_hh
      case Family::recurrent_cell:
      case Family::embedding:  // its table
        return true;
      case Family::instance_norm: {  // affine=False by default
        const Value* affine = written_argument(m.args, op_info(*id), "affine");
        return affine && (affine->kind != Value::Kind::Bool || affine->b);
      }
      default:
        return false;
    }
  }

  // When the statement that made `t` is an op netshape does not know, that is the error to give
  // (lowering would give it), not what the code did next with its result.
  void unknown_op_of(const PyValue& t) {
    const auto& sts = L.program_.statements;
    for (auto it = sts.rbegin(); it != sts.rend(); ++it) {
      if (it->name != t.name) continue;
      if (!find_op(it->op))
        unsupported_here(it->op_span, "unknown layer or op '" + it->op + "'",
                         "netshape does not know this op; see docs/python.md and docs/ops.md");
      return;
    }
  }

  // The items of what forward returns, nested tuples and lists flattened in order (a few levels
  // deep), a recurrent layer's final state as the tensor it is.
  void flatten_outputs(const PyValue& v, PyList& flat, Span at, int depth) {
    constexpr int kDeepest = 4;
    bool sequence = v.kind == PyValue::Kind::Tuple || v.kind == PyValue::Kind::List;
    if (!sequence || depth > kDeepest) {
      flat.push_back(whole_state_or(v, at));
      return;
    }
    for (const PyValue& item : iterate(v, at)) flatten_outputs(item, flat, at, depth + 1);
  }

  bool add_outputs(const PyValue& out, Span fallback) {
    std::vector<const PyValue*> declared;
    auto declare = [&](const PyValue& t) {
      Span at = t.data.span.valid() ? t.data.span : fallback;
      for (const PyValue* d : declared) {
        if (d->name != t.name) continue;
        // The same tensor returned twice (`return h, h`) is one output. Elementwise math with
        // numbers has no layer (`return h, h.abs()`): its result is a second output by h's name.
        if (d->instance != t.instance)
          unsupported_here(at,
                           "returning a tensor beside one computed from it with no layer of its "
                           "own (`h, h.abs()`)",
                           "netshape lists each output by the layer that makes it; return one "
                           "of the two");
        return;
      }
      declared.push_back(&t);
      L.program_.outputs.push_back(
          OutputDecl{t.instance == 0 ? current_name(t.name) : t.name, at, t.steps});
      note_stale_view(L.program_.outputs.back().name, at);
    };
    if (out.kind == PyValue::Kind::Tensor) {
      declare(out);
      return true;
    }
    // A tuple or list of tensors, some perhaps None (nanoGPT's `return logits, loss` without
    // targets), or of such tuples (a language model's `return decoded, (h_n, c_n)`): the
    // tensors, in order, are the outputs.
    if (out.kind == PyValue::Kind::Tuple || out.kind == PyValue::Kind::List) {
      PyList items;
      flatten_outputs(out, items, fallback, 0);
      bool tensors = false, others = false;
      for (const PyValue& t : items) {
        if (is_failed(t)) rethrow(t);  // the error that made it, at its place
        tensors = tensors || t.kind == PyValue::Kind::Tensor;
        others = others || (t.kind != PyValue::Kind::Tensor && !t.is_none());
      }
      if (tensors && !others) {
        for (const PyValue& t : items)
          if (t.kind == PyValue::Kind::Tensor) declare(t);
        return true;
      }
    }
    // A dict of tensors (torchvision's segmentation models return {"out": ..., "aux": ...}): its
    // values, in the dict's order, are the outputs.
    if (out.kind == PyValue::Kind::Dict && !out.dict->empty() &&
        std::all_of(out.dict->begin(), out.dict->end(),
                    [](const auto& kv) { return kv.second.kind == PyValue::Kind::Tensor; })) {
      for (const auto& [key, t] : *out.dict) declare(t);
      return true;
    }
    Span at = out.kind == PyValue::Kind::Data && out.data.span.valid() ? out.data.span : fallback;
    if (out.kind == PyValue::Kind::Dict) {
      for (const auto& [key, v] : *out.dict) {
        if (is_failed(v)) rethrow(v);  // the error that made it, at its place
        if (v.kind != PyValue::Kind::Tensor)
          return L.error(at,
                         fmt::format("forward must return tensors; its dict's '{}' is {}",
                                     text_of(key), describe(v)),
                         "return the output tensors, e.g. `return {\"out\": x}`");
      }
      return L.error(at, "forward must return a tensor; it returns an empty dict",
                     "return the output tensor, e.g. `return x`");
    }
    if (is_failed(out)) rethrow(out);  // the error that made it (a final state), at its place
    if (out.kind == PyValue::Kind::Tuple || out.kind == PyValue::Kind::List) {
      PyList items;  // nested tuples flattened, as the outputs are
      flatten_outputs(out, items, fallback, 0);
      for (size_t i = 0; i < items.size(); ++i)
        if (items[i].kind != PyValue::Kind::Tensor && !items[i].is_none())
          return L.error(at,
                         fmt::format("forward must return tensors; item {} of what it returns "
                                     "is {}",
                                     i, describe(items[i])),
                         "return the tensors alone (`return out`): netshape lists the tensors "
                         "forward returns as the outputs (in tuples and lists, flattened in "
                         "order), not other values beside them");
    }
    return L.error(at, "forward must return a tensor", "return the output tensor, e.g. `return x`");
  }

  // A child of a module value, named as named_modules() names it: `layer1.0.conv1`.
  static PyValue child_module(const PyValue& parent, ModuleDef& child, const std::string& key) {
    PyValue p;
    p.kind = PyValue::Kind::Module;
    p.module = std::shared_ptr<ModuleDef>(parent.module, &child);
    // The model's own children are named by their key, except the positional children of a
    // model that is an nn.Sequential: those stay unnamed rows (`<op><index>`, as the model
    // language names them), so a Sequential model's table reads as its .ns twin's.
    bool positional = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    bool unnamed =
        parent.module->kind != ModuleDef::User && positional && child.kind == ModuleDef::Leaf;
    p.name = !parent.name.empty() ? parent.name + "." + key : unnamed ? "" : key;
    return p;
  }

  // The module a call in forward applies, named for its row: the n-th call of `name` is
  // `name_n` (n > 1).
  PyValue applied_call(const PyValue& callee) {
    PyValue applied = canonical(callee);
    if (!applied.name.empty()) {
      int count = ++applied_[applied.name];
      if (count > 1) applied.name += "_" + std::to_string(count);
    }
    return applied;
  }

  // A torch.nn module's forward arguments bound to its parameters as Python binds them, each
  // mistake PyTorch's TypeError at the argument: an unknown keyword (reported first, as Python
  // does), too many positional arguments, one given twice. The first `required` parameters have
  // no default.
  struct ForwardArguments {
    std::vector<const PyValue*> values;  // by parameter; null when not given
    std::vector<Span> spans;
  };
  ForwardArguments bind_forward(const std::string& forward, std::span<const char* const> params,
                                size_t required, const Args& args, const char* help) {
    ForwardArguments b{std::vector<const PyValue*>(params.size()),
                       std::vector<Span>(params.size())};
    size_t given = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      given += k.empty() ? 1 : 0;
      if (k.empty() || std::find(params.begin(), params.end(), k) != params.end()) continue;
      raise(args.spans[i], fmt::format("{} got an unexpected keyword argument '{}'", forward, k),
            help);
    }
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      size_t slot = positional;
      if (!args.keywords[i].empty()) {
        slot = static_cast<size_t>(std::find(params.begin(), params.end(), args.keywords[i]) -
                                   params.begin());
      } else if (positional++ >= params.size()) {
        raise(args.spans[i],
              fmt::format("{} takes from {} to {} positional arguments but {} were given", forward,
                          required + 1, params.size() + 1, given + 1),
              help);
      }
      if (b.values[slot]) {
        raise(args.spans[i],
              fmt::format("{} got multiple values for argument '{}'", forward, params[slot]));
      }
      b.values[slot] = &args.values[i];
      b.spans[slot] = args.spans[i];
    }
    return b;
  }

  // `self.attn(q, k, v, need_weights=False)`: nn.MultiheadAttention's forward(query, key, value,
  // key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True) returns
  // (output, attention weights). The output is the layer's row; the weights (None with
  // need_weights=False) a row of the call where forward first uses them (final_state_row).
  PyValue apply_attention(const PyValue& callee, Args& args, const Expr& call) {
    static const char* const kParams[] = {"query",
                                          "key",
                                          "value",
                                          "key_padding_mask",
                                          "need_weights",
                                          "attn_mask",
                                          "average_attn_weights"};
    const std::string forward = "MultiheadAttention.forward()";
    auto [bound, spans] = bind_forward(forward, kParams, 3, args,
                                       "its arguments are query, key, value, need_weights and the "
                                       "masks");
    std::vector<std::string> missing;
    for (size_t i = 0; i < 3; ++i)
      if (!bound[i]) missing.push_back(fmt::format("'{}'", kParams[i]));
    if (!missing.empty()) {
      std::string names = missing.size() == 1   ? missing[0]
                          : missing.size() == 2 ? missing[0] + " and " + missing[1]
                                                : "'query', 'key', and 'value'";
      raise(call.span,
            fmt::format("{} missing {} required positional argument{}: {}", forward, missing.size(),
                        missing.size() == 1 ? "" : "s", names),
            "apply it to query, key and value: self.attn(x, x, x) for self-attention");
    }
    PyList inputs;
    for (size_t i = 0; i < 3; ++i) {
      if (bound[i]->kind != PyValue::Kind::Tensor) non_tensor_argument(*bound[i], spans[i]);
      inputs.push_back(*bound[i]);
    }
    std::vector<InputRole> roles(3);
    attention_masks(bound[3], spans[3], bound[5], spans[5], inputs, roles);
    bool weights = !bound[4] || bool_of(*bound[4], spans[4]);
    if (bound[6]) bool_of(*bound[6], spans[6]);  // a bool, as PyTorch's `if` reads it
    PyValue applied = applied_call(callee);
    PyValue out = call_module(applied, inputs, call.span, module_, nullptr,
                              roles.size() > 3 ? &roles : nullptr);
    PyValue second = PyValue::none(call.span);
    if (weights) {  // a row where first used: averaged over the heads, or per head
      Diagnostic d;
      d.span = call.span;
      d.message =
          "unsupported Python construct: the attention weights nn.MultiheadAttention returns, "
          "used as a value netshape does not follow";
      d.help = "use the weights as a tensor: index them, reshape them, or pass them to a layer";
      d.code = "unsupported";
      second = failed(d);
      auto state = std::make_shared<FinalState>();
      state->output = out;
      state->call = L.program_.statements.back();  // the output's row, just emitted
      state->call_index = L.program_.statements.size() - 1;
      state->hidden = false;
      state->suffix = ".weights";
      state->output_index = bound[6] && !bool_of(*bound[6], spans[6]) ? 2 : 1;
      second.final_state = std::move(state);
    }
    return make_tuple({out, second});
  }

  // nn.MultiheadAttention's masks (`key_padding_mask`, `attn_mask`; None or absent: none), added
  // to its inputs with their roles and dtypes: an attn_mask of uint8 is read as bool, as PyTorch
  // does after its deprecation warning; one of a dtype PyTorch refuses is left to the rule,
  // which reports it where PyTorch checks it.
  void attention_masks(const PyValue* key_padding, Span key_padding_at, const PyValue* attn,
                       Span attn_at, PyList& inputs, std::vector<InputRole>& roles) {
    auto floating = [](ElementType t) { return is_floating(t) && t != ElementType::Complex64; };
    auto mask = [&](const PyValue* m, Span at) -> const PyValue* {
      if (!m || m->is_none()) return nullptr;
      if (is_failed(*m)) rethrow(*m);
      if (m->kind != PyValue::Kind::Tensor) non_tensor_argument(*m, at);
      return m;
    };
    const PyValue* kpm = mask(key_padding, key_padding_at);
    const PyValue* am = mask(attn, attn_at);
    // a float mask is added to float32 scores (baddbmm): another float type is refused
    for (auto [m, at] : {std::pair{kpm, key_padding_at}, std::pair{am, attn_at}}) {
      if (m && floating(m->dtype) && m->dtype != ElementType::Float32) {
        unsupported_here(
            at, fmt::format("a {} mask of nn.MultiheadAttention", element_type_name(m->dtype)),
            "give the mask as float32 (`.float()`) or bool");
      }
    }
    // A mask points at the argument that gave it (not where it was made: perhaps in a function
    // of netshape's prelude). A dtype PyTorch refuses: the rule reports it where PyTorch checks.
    auto given = [&](const PyValue* m, Span at) {
      PyValue v = *m;
      v.data.span = at;
      inputs.push_back(std::move(v));
    };
    if (kpm) {
      given(kpm, key_padding_at);
      bool refused = kpm->dtype != ElementType::Bool && !floating(kpm->dtype);
      roles.push_back({InputRole::key_padding_mask, kpm->dtype == ElementType::Bool,
                       refused ? element_type_name(kpm->dtype) : nullptr});
    }
    if (am) {
      given(am, attn_at);
      bool refused =
          am->dtype != ElementType::Bool && am->dtype != ElementType::UInt8 && !floating(am->dtype);
      roles.push_back({InputRole::attn_mask, !floating(am->dtype),
                       refused ? element_type_name(am->dtype) : nullptr});
    }
  }

  // `out, h_n = self.gru(x, h0)`, `out, (h_n, c_n) = self.lstm(x)`: nn.RNN's, GRU's and LSTM's
  // forward(input, hx=None) returns (output, h_n), an LSTM's hx and state being (h, c) pairs.
  // The output is the layer's row and the given state its further inputs; the final state is
  // not followed: using it is an error where it is used. A cell (`h = self.cell(x, h)`,
  // nn.RNNCell, nn.GRUCell) binds the same arguments and returns its new state, the row.
  // `self.bag(ids, offsets)`, `self.bag(ids, per_sample_weights=w)`: nn.EmbeddingBag's forward
  // (input, offsets=None, per_sample_weights=None) bound as Python binds it. The row's inputs are
  // the tensors given, in that order (per_sample_weights without offsets by its role). A dtype
  // the kernel refuses (indices and offsets Long or Int, the weights the table's float32) is
  // kept in the role: the rule reports it after F.embedding_bag's own checks, as PyTorch does.
  PyValue apply_embedding_bag(const PyValue& callee, Args& args, const Expr& call) {
    static const char* const kParams[] = {"input", "offsets", "per_sample_weights"};
    const std::string forward = "EmbeddingBag.forward()";
    auto [bound, spans] = bind_forward(forward, kParams, 1, args,
                                       "its arguments are input, offsets and per_sample_weights");
    if (!bound[0]) {
      raise(call.span, fmt::format("{} missing 1 required positional argument: 'input'", forward),
            "apply it to the indices: self.bag(ids), or self.bag(ids, offsets)");
    }
    PyList inputs;
    std::vector<InputRole> roles;
    for (size_t i = 0; i < 3; ++i) {
      if (!bound[i] || bound[i]->is_none()) continue;
      const PyValue& t = *bound[i];
      if (t.kind != PyValue::Kind::Tensor) non_tensor_argument(t, spans[i]);
      bool indices = i < 2;
      bool typed = indices ? t.dtype == ElementType::Int64 || t.dtype == ElementType::Int32
                           : t.dtype == ElementType::Float32;
      inputs.push_back(t);
      InputRole role;
      if (i == 2) role.kind = InputRole::per_sample_weights;
      if (!typed) role.refused_dtype = checked_type_name(t.dtype);
      roles.push_back(role);
    }
    PyValue applied = applied_call(callee);
    return call_module(applied, inputs, call.span, module_, nullptr, &roles);
  }

  PyValue apply_recurrent(const PyValue& callee, Args& args, const Expr& call) {
    static const char* const kParams[] = {"input", "hx"};
    const std::string& op = callee.module->op;
    const std::string forward = op + ".forward()";
    const bool lstm = op == "LSTM" || op == "LSTMCell";
    auto [bound, spans] = bind_forward(forward, kParams, 1, args, "its arguments are input and hx");
    if (!bound[0]) {
      raise(call.span, fmt::format("{} missing 1 required positional argument: 'input'", forward),
            "apply it to the input sequence: rnn(x)");
    }
    if (bound[0]->kind != PyValue::Kind::Tensor) non_tensor_argument(*bound[0], spans[0]);
    PyList inputs = {*bound[0]};
    if (bound[1] && !bound[1]->is_none()) {
      const PyValue& hx = *bound[1];
      // an LSTM's (h0, c0), a tuple or a list
      const PyList* pair = hx.kind == PyValue::Kind::Tuple  ? &hx.items
                           : hx.kind == PyValue::Kind::List ? hx.list.get()
                                                            : nullptr;
      if (lstm && (!pair || pair->size() != 2)) {
        if (is_failed(hx)) rethrow(hx);
        unsupported_here(spans[1], "an LSTM state that is not a pair (h0, c0)",
                         "give nn.LSTM its initial state as a tuple: self.lstm(x, (h0, c0))");
      }
      for (const PyValue& given : lstm ? *pair : PyList{hx}) {
        PyValue t = whole_state_or(given, spans[1]);  // a state carried over from a call
        if (is_failed(t)) rethrow(t);
        if (t.kind != PyValue::Kind::Tensor) non_tensor_argument(t, spans[1]);
        inputs.push_back(t);
      }
    }
    // (output, h_n) of a layer; a cell's new state, an LSTMCell's (h, c)
    return call_module(applied_call(callee), inputs, call.span, module_);
  }

  // An LSTMCell's new cell state c: a second row of the call (its first row, `h`, just emitted:
  // copied) that owns no parameters and counts no products, named `<h>.c`.
  PyValue lstm_cell_state(const PyValue& h) {
    last_is_one_of_several();  // either may go unused (the last step's c) without a warning
    Statement st = L.program_.statements.back();
    st.name = L.unique_name(h.name + ".c");
    st.named = false;
    // the module's first call owns the parameters (the h row's own owner when it is a later call)
    if (st.extras().shares_params_with.empty()) st.extras_for_write().shares_params_with = h.name;
    st.extras_for_write().output_index = 1;
    Span at = st.span;
    return emitted(std::move(st), at);
  }

  // What a recurrent layer returns besides its output: h_n (an LSTM: (h_n, c_n)), each a row
  // made at its first use (whole_state_or), h_n[i] of the last layer a step of the output
  // (final_state_item). Until then an unused value, an error only if read as what it is not.
  PyValue final_state(const ModuleDef& m, const PyValue& out, Span at) {
    auto state = std::make_shared<FinalState>();
    state->output = out;
    state->call = L.program_.statements.back();  // the output's row, just emitted
    state->call_index = L.program_.statements.size() - 1;
    const Value* layers = leaf_argument(m, "num_layers");
    const Value* bidirectional = leaf_argument(m, "bidirectional");
    const Value* batch_first = leaf_argument(m, "batch_first");
    state->layers = layers && layers->kind == Value::Kind::Int ? layers->i : 1;
    state->directions =
        bidirectional && bidirectional->kind == Value::Kind::Bool && bidirectional->b ? 2 : 1;
    state->batch_first = batch_first && batch_first->kind == Value::Kind::Bool && batch_first->b;
    auto unmade = [&](const char* what, std::shared_ptr<FinalState> s) {
      Diagnostic d;
      d.span = at;
      d.message = fmt::format(
          "unsupported Python construct: the {} nn.{} returns, used as a "
          "value netshape does not follow",
          what, m.op);
      d.help = "use the state as a tensor: index it, reshape it, or pass it to a layer";
      d.code = "unsupported";
      PyValue v = failed(d);
      v.final_state = std::move(s);
      return v;
    };
    PyValue h = unmade("final hidden state", state);
    if (m.op != "LSTM") return h;
    auto cell = std::make_shared<FinalState>(*state);
    cell->hidden = false;
    cell->output_index = 2;
    cell->suffix = ".c_n";
    return make_tuple({h, unmade("final cell state", std::move(cell))});
  }

  // h_n[i] (h_n[i, ...]): the last layer's rows of a recurrent layer's final state, as the step
  // of the output they equal (the forward direction's last step, the reverse direction's first);
  // any other index (an earlier layer, a slice, c_n's rows) reads the state's own row.
  PyValue final_state_item(const PyValue& h_n, const PyValue& index, Span at) {
    const FinalState& s = *h_n.final_state;
    bool several = index.kind == PyValue::Kind::Tuple && index.name != "slice";
    const PyValue& first = several ? index.items[0] : index;
    const int64_t rows = s.layers * s.directions;
    const int64_t i =
        first.is(Value::Kind::Int) && first.data.i < 0 ? first.data.i + rows : first.data.i;
    if (!s.hidden || !first.is(Value::Kind::Int) || i < 0 || i >= rows ||
        i / s.directions != s.layers - 1)
      return index_tensor(whole_state_or(h_n, at), index, at);
    const Shape& shape = shape_now(s.output.name, at);  // [L, N, D * H_out], or [L, D * H_out]
    const bool reverse = i % s.directions == 1;
    const bool batched = shape.size() == 3;
    PyValue step = tensor_statement(
        "select", s.output,
        {int_value(batched && s.batch_first ? 1 : 0, at), int_value(reverse ? 0 : -1, at)}, at);
    if (s.directions == 2) {
      const int64_t hidden_out = shape.back().value / 2;
      step = tensor_statement(
          "narrow", step,
          {int_value(-1, at), int_value(reverse ? hidden_out : 0, at), int_value(hidden_out, at)},
          at);
    }
    // h_n is a tensor of its own, contiguous, not a view of the output
    L.program_.statements.back().extras_for_write().laid_out_fresh = true;
    if (!several || index.items.size() == 1) return step;
    return index_tensor(step, make_tuple(PyList(index.items.begin() + 1, index.items.end())), at);
  }

  // The value of `param` among a leaf layer's constructor arguments, by keyword or by its
  // position in the op's PyTorch signature (ops.def); null when it is not given.
  static const Value* leaf_argument(const ModuleDef& m, std::string_view param) {
    std::optional<OpId> id = find_op(m.op);
    return id ? written_argument(m.args, op_info(*id), param) : nullptr;
  }

  // `self.conv1(x)`, `blk(x)`, `nn.ReLU()(x)`: a module applied in forward.
  PyValue apply_module(const PyValue& callee, Args& args, const Expr& call) {
    if (!forward_) return trial_module(callee, args, call);
    for (size_t i = 0; i < args.values.size(); ++i)  // `self.proj(self.embed.weight)`
      if (is_layer_tensor(args.values[i]))
        args.values[i] = layer_tensor(args.values[i], args.spans[i]);
    if (callee.module->kind == ModuleDef::Leaf && callee.module->op == "MultiheadAttention") {
      if (!canonical_.count(callee.module->id)) refuse_unregistered(callee, call);
      return apply_attention(callee, args, call);
    }
    if (callee.module->kind == ModuleDef::Leaf && callee.module->op == "EmbeddingBag") {
      if (!canonical_.count(callee.module->id)) refuse_unregistered(callee, call);
      return apply_embedding_bag(callee, args, call);
    }
    if (callee.module->kind == ModuleDef::Leaf &&
        (in_family(callee.module->op, Family::distance) ||
         in_family(callee.module->op, Family::elementwise_loss)))
      return apply_pair(callee, args, call);
    if (callee.module->kind == ModuleDef::Leaf &&
        (in_family(callee.module->op, Family::recurrent) ||
         in_family(callee.module->op, Family::recurrent_cell))) {
      if (!canonical_.count(callee.module->id)) refuse_unregistered(callee, call);
      return apply_recurrent(callee, args, call);
    }
    PyList inputs;
    std::vector<std::string> keywords;  // a user module's forward binds them by name
    bool user = callee.module->kind == ModuleDef::User;
    const PyValue* output_size = nullptr;  // ConvTranspose's forward(input, output_size)
    // MaxUnpool's forward(input, indices, output_size=None)
    bool unpool = !user && callee.module->kind == ModuleDef::Leaf &&
                  in_family(callee.module->op, Family::max_unpool);
    const PyValue* unpool_size = nullptr;
    for (size_t i = 0; i < args.values.size(); ++i) {
      bool transposed = !user && callee.module->kind == ModuleDef::Leaf &&
                        callee.module->op.starts_with("ConvTranspose");
      if (transposed && (args.keywords[i] == "output_size" ||
                         (args.keywords[i].empty() && i == 1 && !inputs.empty()))) {
        output_size = &args.values[i];
        continue;
      }
      if (unpool &&
          (args.keywords[i] == "output_size" || (args.keywords[i].empty() && inputs.size() == 2))) {
        unpool_size = &args.values[i];
        continue;
      }
      if (unpool && args.keywords[i] == "indices" && args.values[i].kind == PyValue::Kind::Tensor) {
        inputs.push_back(args.values[i]);
        continue;
      }
      if (!user && !args.keywords[i].empty()) {
        torch_module_keyword(*callee.module, args, i, inputs);
        continue;
      }
      if (user) keywords.push_back(args.keywords[i]);
      refuse_layer_tensor(args.values[i], args.spans[i]);
      if (!user && args.values[i].kind != PyValue::Kind::Tensor) {
        non_tensor_argument(args.values[i], args.spans[i]);
      }
      inputs.push_back(args.values[i]);
    }
    std::string path = dotted(call.items[0]);
    if (inputs.empty()) {
      raise(call.span, "`" + path + "` is called without a tensor", "call it as `" + path + "(x)`");
    }
    if (!canonical_.count(callee.module->id)) refuse_unregistered(callee, call);
    PyValue applied = applied_call(callee);
    if (output_size && !output_size->is_none())
      output_padding_ =
          transposed_output_padding(*callee.module, inputs[0], *output_size, call.span);
    if (unpool_size && !unpool_size->is_none())
      unpool_output_size_ = size_argument(
          *unpool_size, unpool_size->data.span.valid() ? unpool_size->data.span : call.span);
    struct Consumed {  // by this call's row, or dropped if the call fails first
      std::optional<std::vector<int64_t>>& padding;
      std::optional<Value>& unpool_size;
      ~Consumed() { padding.reset(), unpool_size.reset(); }
    } consumed{output_padding_, unpool_output_size_};
    return call_module(applied, inputs, call.span, module_, user ? &keywords : nullptr);
  }

  // ConvTranspose's `forward(input, output_size)`: the output_padding that makes that size, as
  // _ConvTransposeNd._output_padding computes it (the batch and channels may lead the sizes);
  // PyTorch's ValueErrors for a size of another length or outside what the layer can make.
  std::vector<int64_t> transposed_output_padding(const ModuleDef& m, const PyValue& input,
                                                 const PyValue& output_size, Span at) {
    const OpInfo& op = op_info(*find_op(m.op));
    size_t spatial = static_cast<size_t>(op.spatial_dims);
    if (input.kind != PyValue::Kind::Tensor) non_tensor_argument(input, at);
    Shape shape = shape_now(input.name, at);
    size_t non_spatial = shape.size() == spatial + 2 ? 2 : 1;
    PyList given = iterate(output_size, at);
    if (given.size() == non_spatial + spatial)  // the batch and channels lead: dropped unread
      given.erase(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(non_spatial));
    std::vector<int64_t> sizes;
    for (const PyValue& v : given) sizes.push_back(int_of(v, at));
    std::string written = output_size.kind == PyValue::Kind::Shape ? "torch.Size([{}])"
                          : output_size.kind == PyValue::Kind::Tuple && sizes.size() == 1 ? "({},)"
                          : output_size.kind == PyValue::Kind::Tuple                      ? "({})"
                                                                                          : "[{}]";
    if (sizes.size() != spatial)
      torch_error(input, at,
                  fmt::format("ConvTranspose{}D: for {}D input, output_size must have {} or {} "
                              "elements (got {})",
                              spatial, shape.size(), spatial, non_spatial + spatial, sizes.size()),
                  "give the output's spatial sizes");
    auto each = [&](const char* param, int64_t fallback) {
      const Value* v = written_argument(m.args, op, param);
      std::vector<int64_t> out(spatial, fallback);
      if (v && v->kind == Value::Kind::Int) std::fill(out.begin(), out.end(), v->i);
      if (v && v->is_sequence() && v->items.size() == spatial)
        for (size_t d = 0; d < spatial; ++d) out[d] = v->items[d].i;
      return out;
    };
    std::vector<int64_t> stride = each("stride", 1), padding = each("padding", 0),
                         kernel = each("kernel_size", 1), dilation = each("dilation", 1);
    std::vector<int64_t> lo(spatial), hi(spatial), input_sizes;
    for (size_t d = 0; d < spatial; ++d) {
      const Dim& in = shape[d + non_spatial];
      if (in.symbolic())
        unsupported_here(at, "`output_size=` of an input whose spatial sizes are symbolic",
                         "give the input fixed sizes");
      std::optional<int64_t> least =
          ((Checked(in.value) - 1) * stride[d] - Checked(2) * padding[d] +
           Checked(dilation[d]) * (Checked(kernel[d]) - 1) + 1)
              .get();
      std::optional<int64_t> most = least ? (Checked(*least) + stride[d] - 1).get() : std::nullopt;
      if (!most) raise(at, "integer overflow in the transposed convolution's output sizes");
      lo[d] = *least;
      hi[d] = *most;
    }
    for (size_t d = 2; d < shape.size(); ++d) input_sizes.push_back(shape[d].value);
    for (size_t d = 0; d < spatial; ++d)
      if (sizes[d] < lo[d] || sizes[d] > hi[d])
        torch_error(
            input, at,
            fmt::format("requested an output size of {}, but valid sizes range from [{}] "
                        "to [{}] (for an input of torch.Size([{}]))",
                        fmt::format(fmt::runtime(written), fmt::join(sizes, ", ")),
                        fmt::join(lo, ", "), fmt::join(hi, ", "), fmt::join(input_sizes, ", ")),
            "ask for a size the layer makes, or change its stride or padding");
    std::vector<int64_t> padding_out(spatial);
    for (size_t d = 0; d < spatial; ++d) padding_out[d] = sizes[d] - lo[d];
    return padding_out;
  }

  // A TypeError of a call in forward, as PyTorch raises it where the call runs (exit 1: the
  // model stops at a tensor of the call), or, when the call has none, as Python raises it.
  [[noreturn]] void type_error_of_call(const PyValue* self, const Args& args, Span at,
                                       std::string message, std::string help) {
    // without a position the model could not stop at it (the stop would be lost): an error here
    if (!at.valid()) raise(at, std::move(message), std::move(help));
    if (self && self->kind == PyValue::Kind::Tensor)
      torch_error(*self, at, std::move(message), std::move(help));
    for (const PyValue& v : args.values)
      if (v.kind == PyValue::Kind::Tensor) torch_error(v, at, std::move(message), std::move(help));
    raise(at, std::move(message), std::move(help));
  }

  // torch.cat(iterator, ...): PyTorch's TypeError. torch.cat has two signatures (an int dim or
  // a named one): given a dim, the parser matches neither and lists the arguments' types;
  // torch.stack (one signature), or cat without a dim, names the argument's type.
  [[noreturn]] void iterator_for_tensors(const std::string& op, const PyValue* self,
                                         const Args& args, const PyValue& iterator) {
    std::string message =
        fmt::format("{}(): argument 'tensors' (position 1) must be tuple of Tensors, not {}", op,
                    iterator.name);
    if (op != "stack" && args.values.size() > 1) {
      std::string got;
      for (size_t i = 0; i < args.values.size(); ++i)
        got += (i ? ", " : "") + (args.keywords[i].empty() ? "" : args.keywords[i] + "=") +
               (i == 0 ? iterator.name : type_name(args.values[i]));
      message = fmt::format(
          "{}() received an invalid combination of arguments - got ({}), but expected one of:", op,
          got);
    }
    type_error_of_call(self, args, args.spans[0], std::move(message),
                       fmt::format("make a list of them: `torch.{}(list(...), 1)`, or a list "
                                   "comprehension `[...]`",
                                   op));
  }

  // The forward of a layer that takes two tensors, its tensors bound as Python binds them (by
  // position, or by name in any order), with Python's TypeErrors: nn.CosineSimilarity's and
  // nn.PairwiseDistance's forward(x1, x2), the loss modules' forward(input, target).
  PyValue apply_pair(const PyValue& callee, const Args& args, const Expr& call) {
    bool loss = in_family(callee.module->op, Family::elementwise_loss);
    const std::array<std::string, 2> names = loss ? std::array<std::string, 2>{"input", "target"}
                                                  : std::array<std::string, 2>{"x1", "x2"};
    std::string forward = callee.module->op + ".forward()";
    auto type_error = [&](Span at, const std::string& message) {
      type_error_of_call(nullptr, args, at, message,
                         loss ? "give it the prediction and the target: `loss(y, target)`"
                              : "give the two tensors to compare: `layer(a, b)` or "
                                "`layer(x1=a, x2=b)`");
    };
    size_t positional =
        static_cast<size_t>(std::count(args.keywords.begin(), args.keywords.end(), std::string()));
    if (positional > 2)
      type_error(call.span, fmt::format("{} takes 3 positional arguments but {} were given",
                                        forward, positional + 1));
    std::array<const PyValue*, 2> given{};
    size_t next = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      size_t slot = k.empty() ? next++ : k == names[0] ? 0 : k == names[1] ? 1 : 2;
      if (slot == 2)
        type_error(args.spans[i],
                   fmt::format("{} got an unexpected keyword argument '{}'", forward, k));
      if (given[slot])
        type_error(args.spans[i],
                   fmt::format("{} got multiple values for argument '{}'", forward, names[slot]));
      refuse_layer_tensor(args.values[i], args.spans[i]);
      if (args.values[i].kind != PyValue::Kind::Tensor)
        non_tensor_argument(args.values[i], args.spans[i]);
      given[slot] = &args.values[i];
    }
    if (!given[0] && !given[1])
      type_error(call.span, fmt::format("{} missing 2 required positional arguments: '{}' and '{}'",
                                        forward, names[0], names[1]));
    if (!given[0] || !given[1])
      type_error(call.span, fmt::format("{} missing 1 required positional argument: '{}'", forward,
                                        names[given[0] ? 1 : 0]));
    if (!canonical_.count(callee.module->id)) refuse_unregistered(callee, call);
    return call_module(applied_call(callee), PyList{*given[0], *given[1]}, call.span, module_);
  }

  // A layer's weight or bias used as a tensor in forward (DETR's
  // `self.query_embed.weight.unsqueeze(1)`, a tied `self.embed.weight.t()`, a standardised
  // `self.weight` of a Conv2d subclass): a tensor of its sizes (layer_tensor). A method's result of
  // one made in __init__ is refused where forward uses it, not carried on as a value nothing can
  // compare or size.
  static bool is_layer_tensor(const PyValue& v) {
    return v.kind == PyValue::Kind::Opaque && (v.name == "weight" || v.name == "bias") &&
           v.method_self && v.method_self->kind == PyValue::Kind::Module && v.method_self->module;
  }
  PyValue as_tensor_in_forward(const PyValue& v, Span at) {
    if (is_layer_tensor(v)) return layer_tensor(v, at);
    refuse_layer_tensor(v, at);
    return v;
  }
  static void refuse_layer_tensor(const PyValue& v, Span at) {
    if (v.kind != PyValue::Kind::Opaque) return;
    bool layer_tensor =
        v.name == "weight" || v.name == "bias" || v.name.rfind("result of ", 0) == 0;
    if (!layer_tensor) return;
    unsupported_here(at, "a layer's weight or bias, changed in __init__, as a tensor in forward",
                     "netshape follows the tensors forward computes and nn.Parameter attributes: "
                     "hold it as one, `self.queries = nn.Parameter(torch.zeros(16, 64))`");
  }

  // The named_modules() path of the layer whose tensors layer `receiver` holds by ties; empty when
  // they came from several layers.
  std::string tie_giver_path(int receiver) const {
    std::string path;
    for (const Tie& t : ties_) {
      if (t.receiver != receiver) continue;
      auto it = canonical_.find(t.giver);
      if (it == canonical_.end() || (!path.empty() && path != it->second)) return "";
      path = it->second;
    }
    return path;
  }

  // A layer (or a container of them) taken out of the model whose weight another layer holds
  // by a tie: that layer then owns the tensor alone, which is not followed.
  void refuse_retiring_tied(const ModuleDef& m, Span at, int depth = 0) {
    if (ties_.empty() || depth > 100) return;
    for (const Tie& t : ties_)
      if (t.giver == m.id)
        unsupported_here(at, "replacing a layer whose weight another layer holds by a tie",
                         "tie the weights after the model's layers are final");
    for (const ModuleChild& c : m.children) refuse_retiring_tied(c.def, at, depth + 1);
    if (!m.instance) return;
    if (m.instance->layer_base) refuse_retiring_tied(*m.instance->layer_base, at, depth + 1);
    for (const auto& [key, child] : m.instance->modules) refuse_retiring_tied(child, at, depth + 1);
  }

  // `self.head.weight = self.embed.weight` in __init__ (an output layer tied to the input
  // embedding): the head's weight is the embedding's tensor, which model.parameters() counts once,
  // at the layer it came from. Of the same sizes only: of others the head's forward would follow
  // the tensor's, which netshape does not.
  void tie(const PyValue& layer, const std::string& name, const PyValue& tensor, Span at) {
    const PyValue& from = *tensor.method_self;
    if (from.module == layer.module && tensor.name == name) return;  // itself
    std::vector<int64_t> own = layer_weight_sizes(layer, name, at);
    std::vector<int64_t> given = layer_weight_sizes(from, tensor.name, at);
    if (switched_off(*layer.module, name))
      unsupported_here(at, fmt::format("tying the {} of a layer built without one", name),
                       "build the layer with it, or leave it untied");
    if (own != given)
      unsupported_here(
          at,
          fmt::format("tying nn.{}'s {} [{}] to a tensor of other sizes [{}]", layer.module->op,
                      name, fmt::join(own, ", "), fmt::join(given, ", ")),
          "tie tensors of the same sizes: the layer's forward would use the other's");
    // each tensor tied once: not a receiver's twice, nor a receiver's given on (a chain)
    for (const Tie& t : ties_)
      if ((t.receiver == layer.module->id && t.which == name) ||
          (t.receiver == from.module->id && t.which == tensor.name))
        unsupported_here(at, "tying a tensor that is already tied", "tie each tensor once");
    Checked elements = 1;
    for (int64_t d : own) elements = elements * d;
    if (!elements.ok()) unsupported_here(at, "a tied tensor of more than 2^63 elements");
    tied_elements_[layer.module->id] += *elements.get();
    ties_.push_back(Tie{layer.module->id, name, from.module->id});
  }

  // The layer's `weight` or `bias` as forward reads it: a `parameter` row of its sizes, named by
  // its path (`query_embed.weight`), one however often forward reads it. Its elements are the
  // layer's: the layer's own row counts them, or, when forward never applies the layer, the count
  // of layers it does not apply; so the row counts none (shares_params_with names the layer).
  PyValue layer_tensor(const PyValue& v, Span at) {
    const PyValue& layer = *v.method_self;
    const ModuleDef& m = *layer.module;
    if (normed_weights_.count(m.id))
      unsupported_here(at, "the weight of a layer under weight_norm or spectral_norm as a tensor",
                       "apply the layer itself");
    std::string key = fmt::format("{}.{}", m.id, v.name);
    std::string out;
    if (auto it = layer_tensors_.find(key); it != layer_tensors_.end()) {
      out = it->second;
    } else {
      std::vector<int64_t> sizes = layer_weight_sizes(layer, v.name, at);
      std::string path = layer.name;  // else named_modules()'s, or a subclass's instance's
      if (auto known = canonical_.find(m.id); path.empty() && known != canonical_.end())
        path = known->second;
      if (path.empty() && module_ >= 0 && static_cast<size_t>(module_) < L.program_.modules.size())
        path = L.program_.modules[static_cast<size_t>(module_)].path;
      Statement st;
      st.named = true;
      st.name = (path.empty() ? "" : path + ".") + v.name;
      st.op = "parameter";
      st.op_span = st.span = m.span.valid() ? m.span : at;
      for (int64_t d : sizes) st.args.push_back(Arg{"", Value::integer(d, at), st.op_span});
      st.python = true;
      st.module = module_;
      st.extras_for_write().shares_params_with = path.empty() ? v.name : path;
      if (frozen_layers_.count(m.id)) st.extras_for_write().frozen = true;
      out = emit(std::move(st));
      layer_tensors_[key] = out;
      tensors_read_.insert(m.id);
    }
    return PyValue::tensor(out, at);
  }

  // The sizes of a layer's weight or bias, as PyTorch makes them from its arguments.
  std::vector<int64_t> layer_weight_sizes(const PyValue& layer, const std::string& which, Span at) {
    const ModuleDef& m = *layer.module;
    auto ints = [&](const char* name) {
      std::vector<int64_t> v = int_list(layer_setting(layer, name, at));
      if (v.empty())
        unsupported_here(
            at, fmt::format("the {} of an nn.{} whose `{}` is not known", which, m.op, name));
      return v;
    };
    auto one = [&](const char* name) { return ints(name).front(); };
    std::optional<OpId> id = find_op(m.op);
    Family family = id ? op_info(*id).family : Family::elementwise;
    bool bias = which == "bias";
    switch (family) {
      case Family::conv:
      case Family::conv_transpose: {
        bool transposed = family == Family::conv_transpose;
        int64_t in = one("in_channels"), out = one("out_channels"), groups = one("groups");
        if (bias) return {out};
        std::vector<int64_t> sizes = {transposed ? in : out,
                                      (transposed ? out : in) / std::max<int64_t>(groups, 1)};
        for (int64_t k : ints("kernel_size")) sizes.push_back(k);
        return sizes;
      }
      case Family::linear:
        if (bias) return {one("out_features")};
        return {one("out_features"), one("in_features")};
      case Family::embedding:
        return {one("num_embeddings"), one("embedding_dim")};
      case Family::batch_norm:
      case Family::instance_norm:
        return {one("num_features")};
      case Family::group_norm:
        return {one("num_channels")};
      case Family::layer_norm:
        return ints("normalized_shape");
      case Family::prelu:
        return {one("num_parameters")};
      default:
        unsupported_here(at, fmt::format("the {} of an nn.{} as a tensor in forward", which, m.op),
                         "netshape follows the weights of convolutions, Linear, Embedding and "
                         "the norm layers");
    }
  }

  [[noreturn]] static void non_tensor_argument(const PyValue& v, Span at) {
    // (output, h_n) or (output, (h_n, c_n)): a recurrent layer's result, not unpacked
    bool recurrent =
        v.kind == PyValue::Kind::Tuple && v.name.empty() && v.items.size() == 2 &&
        v.items[0].kind == PyValue::Kind::Tensor &&
        (v.items[1].kind == PyValue::Kind::Tensor || v.items[1].kind == PyValue::Kind::Tuple);
    if (recurrent)
      unsupported_here(at, "a tuple of tensors as a module's input",
                       "pass one of its tensors: an RNN, LSTM or GRU returns (output, h_n) (an "
                       "LSTM (output, (h_n, c_n))), so unpack it first, `out, _ = self.lstm(x)`, "
                       "and pass `out`");
    unsupported_here(at, "non-tensor argument to a module call",
                     "modules take their settings in __init__; pass only tensors in forward "
                     "(`torch.max(x, dim)` is a pair (values, indices): pass its `.values`)");
  }

  // A keyword argument of a torch.nn module's call: every forward netshape follows names its
  // tensor `input` (`self.fc(input=x)` is `self.fc(x)`); ConvTranspose's `output_size=` is read
  // before (transposed_output_padding), a lazy one's refused; any other keyword is PyTorch's
  // TypeError (exit 1, where forward calls it).
  void torch_module_keyword(const ModuleDef& m, const Args& args, size_t i, PyList& inputs) {
    const std::string& k = args.keywords[i];
    const PyValue& v = args.values[i];
    std::string forward = (m.kind == ModuleDef::Sequential ? "Sequential" : m.op) + ".forward()";
    if (k == "input" && v.kind == PyValue::Kind::Tensor) {
      if (!inputs.empty()) {
        torch_error(v, args.spans[i], forward + " got multiple values for argument 'input'",
                    "give the tensor once");
      }
      inputs.push_back(v);
      return;
    }
    if (k == "input") {
      non_tensor_argument(args.values[i], args.spans[i]);
    }
    if (k == "output_size" && m.kind == ModuleDef::Leaf && m.op.starts_with("LazyConvTranspose"))
      unsupported_here(args.spans[i], "`output_size=` in a lazy transposed convolution's call",
                       "write the layer with its in_channels, nn.ConvTranspose2d(...)");
    const PyValue* tensor = v.kind == PyValue::Kind::Tensor ? &v : nullptr;
    if (!tensor && !inputs.empty()) tensor = &inputs.front();
    std::string message = fmt::format("{} got an unexpected keyword argument '{}'", forward, k);
    std::string help = "pass the tensor alone: `layer(x)` (or `layer(input=x)`)";
    if (!tensor) raise(args.spans[i], message, help);
    torch_error(*tensor, args.spans[i], message, help);
  }

  // Applies module `mod` (a child of ModuleDecl `parent`) to `inputs` (given by the names in
  // `keywords` where those are not empty: a user module's forward binds them).
  // `roles`: what each input is to a layer whose forward takes masks (nn.MultiheadAttention).
  PyValue call_module(const PyValue& mod, const PyList& inputs, Span call_span, int parent,
                      const std::vector<std::string>* keywords = nullptr,
                      const std::vector<InputRole>* roles = nullptr) {
    ModuleDef& m = *mod.module;
    const std::string& name = mod.name;
    // Calling a module runs its class's __call__, nn.Module's unless the class defines its own
    if (m.instance && m.instance->cls && L.find_method(*m.instance->cls, "__call__", 0))
      unsupported_here(
          call_span,
          fmt::format("calling a {}, whose class defines its own __call__", m.instance->cls->name),
          "put what __call__ adds in forward: netshape applies a module's forward");
    switch (m.kind) {
      case ModuleDef::Broken:
        throw PyError{m.error};
      case ModuleDef::Leaf:
        return apply_layer(m, name, inputs, call_span, parent, "", roles);
      case ModuleDef::Sequential: {
        if (m.list && m.op == "ModuleDict") {  // iterating it gives its keys
          raise(call_span, "`" + name + "` is an nn.ModuleDict, which has no forward",
                "call its modules: `for m in self." + name + ".values(): x = m(x)`");
        }
        if (m.list) {
          raise(call_span, "`" + name + "` is an nn.ModuleList, which has no forward",
                "call its modules: `for m in self." + name + ": x = m(x)`");
        }
        refuse_behind(m, call_span);
        // A subclass (`class ConvBNReLU(nn.Sequential)`) is an instance of its own class.
        std::string kind = m.instance && m.instance->cls ? m.instance->cls->name : "Sequential";
        int self = declare(m, name, kind, parent, call_span);
        PyList current = inputs;
        for (auto& child : m.children) {
          PyValue c = canonical(child_module(mod, child.def, child.index));
          current = {call_module(c, current, call_span, self)};
        }
        if (current.size() != 1)
          unsupported_here(call_span, "nn.Sequential applied to several tensors");
        L.note_output(m, self, output_name(current[0]));
        return current[0];
      }
      case ModuleDef::User: {
        const Stmt* forward = L.find_method(*m.instance->cls, "forward", 0);
        if (forward == nullptr && m.instance->layer_base) {  // the torch layer's forward
          return apply_layer(*m.instance->layer_base, name, inputs, call_span, parent,
                             m.instance->cls->name, roles);
        }
        if (forward == nullptr)
          raise(m.span, "module class " + m.instance->cls->name + " has no forward method");
        refuse_module_without_init(*m.instance, call_span);
        int self = declare(m, name, m.instance->cls->name, parent, call_span);
        size_t before = L.program_.statements.size();
        PyValue out = run_forward(mod, *forward, inputs, self, call_span, keywords);
        bool passed_through = out.kind == PyValue::Kind::Tensor &&
                              L.program_.statements.size() == before &&
                              m.instance->modules.empty() && !name.empty();
        if (!passed_through) {
          L.note_output(m, self, output_name(out));
          return out;
        }
        // A module without submodules whose forward returns its input unchanged (a drop path in
        // eval mode) is still a module PyTorch calls: a row of its own, as nn.Identity's.
        Statement st;
        st.named = true;
        st.name = L.unique_name(name);
        st.op = "Identity";
        st.op_span = m.span;
        st.span = m.span;
        add_input(st, out, call_span, call_span);
        st.module = self;
        PyValue identity = emitted(std::move(st), call_span);
        L.note_output(m, self, identity.name);
        return identity;
      }
    }
    raise(call_span, "this module cannot be applied");
  }

  // The tensor a module's call returned, for its row in the table by module ("" for several).
  static std::string output_name(const PyValue& out) {
    return out.kind == PyValue::Kind::Tensor ? out.name : "";
  }

  // `super().forward(x)` (or `self.forward(x)` with no forward of the class's own) in a subclass
  // of a torch layer: the layer applied, a row inside the module (the module's path names the
  // module, whose output is its forward's).
  PyValue apply_layer_base(const PyValue& self, Args& args, const Expr& call) {
    PyList inputs;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (!args.keywords[i].empty() || args.values[i].kind != PyValue::Kind::Tensor)
        non_tensor_argument(args.values[i], args.spans[i]);
      inputs.push_back(args.values[i]);
    }
    if (inputs.empty()) raise(call.span, "forward() is called without a tensor");
    return apply_layer(*self.module->instance->layer_base, "", inputs, call.span, module_);
  }

  // `super().forward(x)` in a subclass of nn.Sequential with a forward of its own (a residual
  // `x + super().forward(x)`): nn.Sequential's forward, every module registered in order (those
  // __init__ adds after the first too, as its _modules holds them), rows inside the module.
  PyValue apply_sequential_base(const PyValue& self, Args& args, const Expr& call) {
    if (args.values.size() != 1)
      raise_torch(call.span,
                  fmt::format("forward() takes 2 positional arguments but {} were given",
                              args.values.size() + 1),
                  "nn.Sequential's forward takes one tensor");
    if (!args.keywords[0].empty() || args.values[0].kind != PyValue::Kind::Tensor)
      non_tensor_argument(args.values[0], args.spans[0]);
    Instance& inst = *self.module->instance;
    PyValue current = args.values[0];
    for (const std::string& key : inst.order) {
      auto it = inst.modules.find(key);
      if (it == inst.modules.end()) continue;
      PyValue child = canonical(child_module(self, it->second, key));
      current = call_module(child, {current}, call.span, module_);
    }
    return current;
  }

  // The row of a transposed convolution called with `output_size=`: its output_padding that.
  static void with_output_padding(Statement& st, const std::vector<int64_t>& padding) {
    const OpInfo& op = op_info(*find_op(st.op));
    int index = op.param_index("output_padding");
    Value value = Value::none(st.span);
    value.kind = Value::Kind::Tuple;
    std::vector<Value> items;
    for (int64_t p : padding) items.push_back(Value::integer(p, st.span));
    value.items = std::move(items);
    size_t position = 0;
    for (Arg& a : st.args) {
      bool named = a.keyword == "output_padding";
      bool placed = a.keyword.empty() && static_cast<int>(position++) == index;
      if (named || placed) {
        a.value = value;
        return;
      }
    }
    st.args.push_back(Arg{keyword_name("output_padding"), value, st.span});
  }

  // The layer a lazy module becomes (`LazyConv2d` -> Conv2d), nullopt for any other op.
  static std::optional<OpId> lazy_base(const std::string& op) {
    if (op.rfind("Lazy", 0) != 0) return std::nullopt;
    std::optional<OpId> base = find_op(op.substr(4));
    if (!base || family_info(op_info(*base).family).feature_axis == FeatureAxis::None)
      return std::nullopt;
    return base;
  }

  // nn.LazyLinear(out), LazyConvNd, LazyConvTransposeNd, LazyBatchNormNd, LazyInstanceNormNd:
  // PyTorch sizes the weights at the first call from the input (in_features its last dim,
  // in_channels or num_features its channels) and the module becomes the layer; the row is that
  // layer with the size first among its arguments. A later call reads the size the first fixed.
  void materialize_lazy(const ModuleDef& m, Statement& st, const PyValue& input, Span at) {
    OpId base = *lazy_base(m.op);
    const OpInfo& op = op_info(base);
    auto fixed_size = lazy_sizes_.find(m.id);
    int64_t size = 0;
    if (fixed_size != lazy_sizes_.end()) {
      size = fixed_size->second;
    } else {
      if (input.kind != PyValue::Kind::Tensor) return;  // its own error follows
      Shape shape = shape_now(input.name, at);
      size_t axis = 1;  // the norms: input.shape[1]
      if (family_info(op.family).feature_axis == FeatureAxis::Last) axis = shape.size() - 1;
      if (op.family == Family::conv || op.family == Family::conv_transpose) {
        // _LazyConvXdMixin._get_in_channels: the channels of an unbatched or batched input
        size_t unbatched = static_cast<size_t>(op.spatial_dims) + 1;
        std::vector<std::string> dims;
        for (const Dim& d : shape) dims.push_back(to_string(d));
        if (shape.size() != unbatched && shape.size() != unbatched + 1)
          torch_error(input, at,
                      fmt::format("Expected {}D (unbatched) or {}D (batched) input to {}, but got "
                                  "input of size: torch.Size([{}])",
                                  unbatched, unbatched + 1, m.op, fmt::join(dims, ", ")),
                      fmt::format("give it a {}-D input", unbatched + 1));
        axis = shape.size() == unbatched ? 0 : 1;
      }
      if (shape.empty() || axis >= shape.size() || shape[axis].symbolic())
        unsupported_here(at, fmt::format("nn.{} of an input whose features are not known", m.op),
                         fmt::format("write the layer with its size, nn.{}(...)", op.name));
      size = shape[axis].value;
      lazy_sizes_[m.id] = size;
    }
    st.op = std::string(op.name);
    st.args.insert(st.args.begin(), Arg{{}, Value::integer(size, m.op_span), m.op_span});
    // LazyInstanceNormNd's signature defaults affine and track_running_stats to True, where
    // InstanceNormNd's are False: the layer it becomes has weights and running statistics.
    if (op.family == Family::instance_norm) {
      for (const char* param : {"affine", "track_running_stats"})
        if (!written_argument(st.args, op, param))
          st.args.push_back(Arg{keyword_name(param), Value::boolean(true, m.op_span), m.op_span});
    }
  }

  // A layer applied: one statement; a layer applied again shares its first call's parameters.
  // `module_class`: the class of a module deriving from the layer (StatementExtras).
  PyValue apply_layer(ModuleDef& m, const std::string& name, const PyList& inputs, Span call_span,
                      int parent, const std::string& module_class = "",
                      const std::vector<InputRole>* roles = nullptr) {
    for (size_t i = 0; i < m.pending.size(); ++i) {
      const Const& c = m.pending[i];
      if (c.state == Const::Unbound) {
        raise(m.pending_spans[i], "constructor parameter `" + c.param + "` has no value",
              "pass --arg " + c.param + "=<value> or give it a default");
      }
      throw PyError{c.error};
    }
    Statement st;
    st.named = !name.empty();
    if (st.named) st.name = L.unique_name(name);
    st.op = m.op;
    st.op_span = m.op_span;
    st.span = m.span;
    st.args = arguments_of(m);
    if (!inputs.empty() && lazy_base(m.op)) materialize_lazy(m, st, inputs[0], call_span);
    if (output_padding_) with_output_padding(st, *std::exchange(output_padding_, std::nullopt));
    if (unpool_output_size_) {
      Value size = *std::exchange(unpool_output_size_, std::nullopt);
      Span at = size.span;
      st.args.push_back(Arg{keyword_name("output_size"), std::move(size), at});
    }
    st.extras_for_write().frozen = frozen_layers_.count(m.id) != 0;
    st.extras_for_write().normed_weight = normed_weight_of(m);
    st.module = parent;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const PyValue& in = inputs[i];
      if (is_failed(in)) rethrow(in);
      if (in.kind != PyValue::Kind::Tensor) {  // what an nn.Sequential passes on (an LSTM's tuple)
        raise(call_span,
              fmt::format("{}.forward(): argument 'input' must be Tensor, not {}", m.op,
                          describe(in)),
              "give the layer a tensor: a recurrent layer returns (output, h_n), of which "
              "`output` is the tensor");
      }
      // a mask's dtype was checked where it was given (attention_masks)
      bool mask = roles && i < roles->size() && (*roles)[i].kind != InputRole::positional;
      add_input(st, in, in.data.span, call_span, !mask);
    }
    st.extras_for_write().fix_prefix = m.fix_prefix;
    st.extras_for_write().built_via = m.built_via;
    if (auto tied = tied_elements_.find(m.id); tied != tied_elements_.end()) {
      st.extras_for_write().tied_elements = tied->second;
      st.extras_for_write().tied_to = tie_giver_path(m.id);
    }
    if (!module_class.empty()) st.extras_for_write().module_class = module_class;
    if (roles) st.extras_for_write().input_roles = *roles;
    std::string& first_call = first_call_[m.id];
    st.extras_for_write().shares_params_with =
        first_call;  // a module called again owns no new params
    PyValue out = emitted(std::move(st), call_span);
    if (first_call.empty()) first_call = out.name;
    if (max_pool_layer(m.op) && returns_indices(L.program_.statements.back()))
      return with_pool_indices(out, call_span);
    // nn.RNN, LSTM, GRU return (output, h_n) however they are called: in forward, in an
    // nn.Sequential (whose next module receives the tuple), as a subclass's torch forward
    if (in_family(m.op, Family::recurrent))
      return make_tuple({out, final_state(m, out, call_span)});
    if (m.op == "LSTMCell") return make_tuple({out, lstm_cell_state(out)});  // (h, c) likewise
    return out;
  }

  std::string emit(Statement st) {
    if (forward_ && !grad_enabled_) st.extras_for_write().no_grad = true;
    if (L.program_.statements.size() >= limits::kMaxStatements) {
      limit_reached(st.span,
                    fmt::format("the model has more than {} layers, the most netshape analyses",
                                with_commas(static_cast<int64_t>(limits::kMaxStatements))),
                    "split the model (docs/limits.md lists every limit)");
    }
    bool in_place = forward_ && !st.inputs.empty() && writes_in_place(st);
    std::string written = in_place ? st.inputs[0] : std::string();
    Span at = st.span;
    bool into_copy =
        in_place && !st.extras().copied_inputs.empty() && st.extras().copied_inputs[0].input == 0;
    // Written into a view (`F.relu_(h[:, :3])`, `self.act(h.permute(1, 0))` in place), the
    // write changes the tensor viewed too, which `run` does not follow.
    if (in_place && !into_copy && is_view_output(written)) {
      // at the view written into (a module's row spans its line in __init__)
      bool in_forward = !st.input_spans.empty() && st.input_spans[0].valid();
      note_values_unfollowed("an in-place op on a view of another tensor",
                             in_forward ? st.input_spans[0] : at, Program::Unfollowed::IntoView);
    }
    bool writes = in_place && !into_copy;
    std::optional<OpId> id = find_op(st.op);
    std::optional<WriteGuard> guard = guard_made(st, id, writes);
    bool needs_grad = row_needs_grad(st, id);
    std::optional<GuardedWrite> refused = writes ? guarded_write(st, id) : std::nullopt;
    if (refused && !st.extras().item_assignment) refuse_write(written, *refused);
    bool view_row = !in_place && !st.inputs.empty() && !reads_copy(st, 0) && is_view_op(id);
    std::string base = view_row || writes ? memory_root(st.inputs[0]) : std::string();
    std::string out = *L.emit(std::move(st));
    size_t row = L.program_.statements.size() - 1;
    if (view_row) view_made_at_[out] = row;
    if (writes) last_written_at_[base] = row;
    if (writes && reads_tracked(st, 0)) pieces_written_under(base);
    if (!base.empty()) memory_of_[out] = base;
    if (guard) guards_[out] = *guard;
    if (needs_grad) needs_grad_.insert(out);
    // after the row, so that its index is checked first, as PyTorch indexes before it writes
    if (refused) refuse_write(out, *refused);
    // Every name holding the tensor sees what was written into it (`F.relu(y, inplace=True)`,
    // `y.sigmoid_()` not assigned): they read the row's output from here on. Written into a copy
    // (`z = y * 2; z.relu_()`) it is not followed.
    if (into_copy)
      note_values_unfollowed("an in-place op on a tensor computed with no row", at);
    else if (in_place)
      written_into_[written] = out;
    return out;
  }

  // The guard row `st`'s output has (see Guarded): a `parameter` row that trains is a leaf, a
  // view row takes its input's guard to its view's, an in-place row keeps what it writes into;
  // nullopt when it has none (also for an input read through a copy or detached).
  std::optional<WriteGuard> guard_made(const Statement& st, std::optional<OpId> id,
                                       bool writes) const {
    if (st.op == "parameter")
      return st.extras().frozen ? std::nullopt : std::optional(WriteGuard{Guarded::leaf});
    if (st.inputs.empty() || !reads_tracked(st, 0)) return std::nullopt;
    auto it = guards_.find(st.inputs[0]);
    const WriteGuard* of = it == guards_.end() ? nullptr : &it->second;
    if (writes) return of ? std::optional(*of) : std::nullopt;
    if (!is_view_op(id)) return std::nullopt;
    bool no_grad_view = !grad_enabled_ && needs_grad_.count(st.inputs[0]) != 0;
    if (!of && !no_grad_view) return std::nullopt;
    bool may_copy = op_info(*id).family == Family::flatten || *id == OpId::reshape;
    if (may_copy && (!of || of->kind != Guarded::leaf)) return WriteGuard{Guarded::maybe_view};
    if (!grad_enabled_ || of->kind == Guarded::no_grad_view)
      return WriteGuard{Guarded::no_grad_view};
    switch (of->kind) {
      case Guarded::leaf:
      case Guarded::leaf_view:
        return WriteGuard{Guarded::leaf_view};
      case Guarded::piece:
      case Guarded::piece_view:
        return WriteGuard{Guarded::piece_view};
      default:
        return WriteGuard{Guarded::maybe_view};
    }
  }

  // Whether row `st` reads its input i itself, as autograd tracks it: not through a copy
  // (`x * 2`, `.contiguous()` of a view) nor detached (`.detach()`, `.data`).
  static bool reads_tracked(const Statement& st, uint32_t i) {
    return !reads_copy(st, i) && !reads_detached(st, i);
  }

  // Whether row `st`'s output needs a gradient: made in grad mode, of floats (indices and bools
  // never do), by a trainable parameter or layer or from an input that needs one.
  bool row_needs_grad(const Statement& st, std::optional<OpId> id) const {
    if (!forward_ || !grad_enabled_) return false;
    if (id && integer_element_bytes(op_info(*id), st.args) != 0) return false;
    if (st.op == "parameter") return !st.extras().frozen;
    if (id && layer_trains(st, op_info(*id))) return true;
    for (uint32_t i = 0; i < st.inputs.size(); ++i)
      if (input_needs_grad(st, i)) return true;
    return false;
  }

  // Whether row `st` reads input i with a gradient: a tensor that needs one, not detached, read
  // itself or through a copy whose steps have a derivative.
  bool input_needs_grad(const Statement& st, uint32_t i) const {
    if (reads_detached(st, i) || !needs_grad_.count(st.inputs[i])) return false;
    for (const StatementExtras::CopiedInput& c : st.extras().copied_inputs)
      if (c.input == i) return differentiable(c.steps);
    return true;
  }

  // Whether a copy made by these steps keeps the gradient: a comparison, a cast to integers or
  // bool, or a fill (`zeros_like`) makes a tensor that needs none; the roundings keep it.
  static bool differentiable(const std::vector<ValueStep>& steps) {
    using Op = ValueStep::Op;
    return std::none_of(steps.begin(), steps.end(), [](const ValueStep& s) {
      switch (s.op) {
        case Op::Eq:
        case Op::Ne:
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge:
        case Op::LogicalNot:
        case Op::BitNot:
        case Op::ToBool:
        case Op::Fill:
          return true;
        case Op::Trunc:
          return s.number != 0.0;  // a cast to integers
        default:
          return false;
      }
    });
  }

  // Whether the module row `st` has parameters that train: its weights, a norm's affine ones.
  static bool layer_trains(const Statement& st, const OpInfo& op) {
    std::string_view name = op.name;
    if (st.extras().frozen || name.empty() || !std::isupper(static_cast<unsigned char>(name[0])))
      return false;  // a frozen layer, or a function (whose weights are tensors it reads)
    auto flag = [&](std::string_view param, bool fallback) {
      const Value* v = written_argument(st.args, op, param);
      return v && v->kind == Value::Kind::Bool ? v->b : fallback;
    };
    switch (op.family) {
      case Family::conv:
      case Family::conv_transpose:
      case Family::linear:
      case Family::prelu:
      case Family::attention:
      case Family::recurrent:
      case Family::recurrent_cell:
      case Family::embedding:
        return true;
      case Family::batch_norm:
      case Family::group_norm:
        return flag("affine", true);
      case Family::instance_norm:
        return flag("affine", false);
      case Family::layer_norm:
        return flag("elementwise_affine", true);
      default:
        return false;
    }
  }

  // Whether `t` needs a gradient (split_tensor's pieces are guarded then).
  bool requires_grad(const PyValue& t) {
    return t.kind == PyValue::Kind::Tensor && !t.no_grad && type_category(t.dtype) == 2 &&
           needs_grad_.count(t.instance == 0 ? current_name(t.name) : t.name) != 0 &&
           differentiable(t.steps);
  }

  // An in-place write autograd refuses: what it writes into, and where it points.
  struct GuardedWrite {
    WriteGuard guard;
    // `w[0] = 1`: __setitem__ writes into a view of w, autograd's node for it (SelectBackward0)
    const char* index_view = nullptr;
    Span at;
  };

  // The refusal the in-place row `st` meets while gradients are recorded; nullopt when it may
  // write. An eval-mode dropout writes nothing.
  std::optional<GuardedWrite> guarded_write(const Statement& st, std::optional<OpId> id) const {
    if (!grad_enabled_ || !reads_tracked(st, 0) || (id && returns_its_input(*id, st.args)))
      return std::nullopt;
    auto it = guards_.find(st.inputs[0]);
    if (it == guards_.end()) return std::nullopt;
    GuardedWrite w{it->second, nullptr, st.span};
    if (st.op == "setitem" && !st.args.empty()) w.index_view = index_view(st.args[0].value);
    if (!st.extras().item_assignment && !st.input_spans.empty() && st.input_spans[0].valid())
      w.at = st.input_spans[0];  // the tensor written, in forward (a module's row spans __init__)
    return w;
  }

  // The view basic indexing makes, by autograd's node for its last step (the last item but
  // `...`: an integer selects, a slice slices, None unsqueezes); nullptr for `w[...]`, w itself.
  static const char* index_view(const Value& index) {
    const Value* last = nullptr;
    for (const Value& item : index.items)
      if (item.kind != Value::Kind::String) last = &item;  // not `...`
    if (!last) return nullptr;
    return last->kind == Value::Kind::Int     ? "SelectBackward0"
           : last->kind == Value::Kind::Tuple ? "SliceBackward0"
                                              : "UnsqueezeBackward0";
  }

  // PyTorch's error for an in-place write autograd refuses in forward, word for word; reading
  // stops after tensor `last`. Where the message names an autograd node netshape does not name
  // (a view of a piece), the write is refused instead.
  [[noreturn]] void refuse_write(const std::string& last, const GuardedWrite& w) const {
    constexpr const char* kHelp =
        "write it out of place (`y = x * 2`), or change the values under `with torch.no_grad():`";
    Diagnostic d;
    d.span = w.at;
    d.help = kHelp;
    const WriteGuard& g = w.guard;
    switch (g.kind) {
      case Guarded::maybe_view:
        unsupported_here(w.at,
                         "an in-place write into `.contiguous()`, `flatten` or `reshape` of a "
                         "view autograd guards (of a trainable parameter, of a piece of split, "
                         "chunk or unbind, or made under no_grad): whether it is a copy depends "
                         "on the view's strides",
                         "write it out of place: `y = x * 2`");
      case Guarded::piece_view:
      case Guarded::piece:
        if (g.kind == Guarded::piece_view)
          unsupported_here(w.at,
                           "an in-place write into a view of a piece of split, chunk or unbind "
                           "(PyTorch refuses it while the tensor needs a gradient)",
                           "write it out of place: `y = x * 2`");
        // written through an index, the view the index makes is output 0 of its own node
        d.message = fmt::format(
            "Output {} of {} is a view and is being modified inplace. This view is the output of "
            "a function that returns multiple views. Such functions do not allow the output "
            "views to be modified inplace. You should replace the inplace operation by an "
            "out-of-place one.",
            w.index_view ? 0 : g.output, w.index_view ? w.index_view : g.function);
        d.help = "write it out of place (`q = q * scale`), or index the pieces (`qkv[0]`)";
        break;
      case Guarded::no_grad_view:
        d.message =
            "A view was created in no_grad mode and is being modified inplace with grad mode "
            "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. "
            "You can clarify your code by moving both the view and the inplace either both "
            "inside the no_grad block (if you don't want the inplace to be tracked) or both "
            "outside (if you want the inplace to be tracked).";
        d.help = "write it out of place, or inside `with torch.no_grad():` with the view";
        break;
      case Guarded::leaf:
      case Guarded::leaf_view:
        d.message = fmt::format(
            "a {}leaf Variable that requires grad is being used in an in-place operation.",
            g.kind == Guarded::leaf_view || w.index_view ? "view of a " : "");
        break;
    }
    throw ForwardStopped{last, w.at, std::move(d)};
  }

  // The tensor whose memory tensor `name` is: itself, or what the view or in-place row that made
  // it views or writes into.
  std::string memory_root(const std::string& name) const {
    auto it = memory_of_.find(name);
    return it == memory_of_.end() ? name : it->second;
  }
  // Whether row `st` reads its input i through a copy (`x * 2`, `.contiguous()` of a view).
  static bool reads_copy(const Statement& st, uint32_t i) {
    const auto& copied = st.extras().copied_inputs;
    return std::any_of(copied.begin(), copied.end(),
                       [&](const StatementExtras::CopiedInput& c) { return c.input == i; });
  }
  // Whether row `st` reads its input i detached (`.detach()`, `.data`, no row with gradients).
  static bool reads_detached(const Statement& st, uint32_t i) {
    const std::vector<uint32_t>& without = st.extras().inputs_without_grad;
    return std::find(without.begin(), without.end(), i) != without.end();
  }
  // Whether op `id` makes a view of its first input (select, narrow, permute, view, ...).
  static bool is_view_op(std::optional<OpId> id) {
    return id && family_info(op_info(*id).family).layout == LayoutRule::View;
  }

  // A view read after an in-place row wrote into its tensor (`v = y[:, 1:3]; y[:, 1] = 5`):
  // PyTorch's view sees the write, `run`'s copy, computed before it, does not: a note.
  void note_stale_view(const std::string& name, Span at) {
    if (last_written_at_.empty()) return;
    auto made = view_made_at_.find(name);
    if (made == view_made_at_.end()) return;
    auto written = last_written_at_.find(memory_root(name));
    if (written == last_written_at_.end() || written->second < made->second) return;
    bool in_forward = forward_;
    forward_ = true;  // also for an output, declared after forward returns
    note_values_unfollowed("a view read after an in-place write into its tensor", at,
                           Program::Unfollowed::StaleView);
    forward_ = in_forward;
  }

  // Whether tensor `name` is `base` or a view of it, through rows that view their first input.
  bool views_tensor(std::string name, const std::string& base) const {
    const std::vector<Statement>& statements = L.program_.statements;
    for (auto it = statements.rbegin(); it != statements.rend() && name != base; ++it) {
      if (it->name != name) continue;
      if (!is_view_op(find_op(it->op)) || it->inputs.empty()) return false;
      name = it->inputs[0];
    }
    return name == base;
  }

  // Whether tensor `name` is the output of a row that views another tensor (select, narrow,
  // permute, view, ...): its memory is that tensor's. Searched from the last row: an in-place op
  // usually writes into the row just before it.
  bool is_view_output(const std::string& name) const {
    const std::vector<Statement>& statements = L.program_.statements;
    for (auto it = statements.rbegin(); it != statements.rend(); ++it) {
      if (it->name == name) return is_view_op(find_op(it->op));
    }
    return false;  // a model input
  }

  // The tensor the name `name` holds now: the output of the last in-place op that wrote into it.
  // The chain is shortened as it is walked, so a loop writing in place a million times stays
  // linear.
  std::string current_name(const std::string& name) {
    auto first = written_into_.find(name);
    if (first == written_into_.end()) return name;
    std::string now = first->second;
    for (auto it = written_into_.find(now); it != written_into_.end(); it = written_into_.find(now))
      now = it->second;
    first->second = now;
    return now;
  }

  // A module's forward, with `self` the module and the inputs bound to its parameters.
  PyValue run_forward(const PyValue& mod, const Stmt& forward, const PyList& inputs, int module,
                      Span call_span, const std::vector<std::string>* keywords = nullptr) {
    if (calls_ + 1 > limits::kMaxPyCallDepth) {
      limit_reached(forward.span,
                    "unsupported Python construct: modules nested too deeply (recursive module?)",
                    "netshape stops here (docs/limits.md): does a module apply itself?");
    }
    CallDepth depth(calls_);
    const Stmt& cls = *mod.module->instance->cls;
    Frame f;
    f.scope = new_scope();
    f.self = std::make_shared<PyValue>(mod);
    // The class whose body defines forward, as super() sees it (B, for `class Net(B): pass`):
    // super().forward(x) there is the next class's forward, not B's own again.
    const Stmt* owner = class_defining(cls, forward);
    f.cls = owner != nullptr ? owner : &cls;
    f.file = L.file_of(method_owner(cls, "forward"));
    if (forward.params.empty()) raise(forward.span, "forward() takes no `self`");
    f.scope->vars[forward.params[0].name] = mod;
    Expr at;
    at.span = call_span;
    Args args;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const PyValue& v = inputs[i];
      args.values.push_back(v);
      args.keywords.push_back(keywords && i < keywords->size() ? (*keywords)[i] : std::string());
      args.spans.push_back(v.data.span.valid() ? v.data.span : call_span);
      args.exprs.push_back(&at);
    }
    check_decorators(forward);
    bind_parameters(forward, 1, args, at, *f.scope, f.file);
    int outer = module_;
    Span outer_call = model_call_;
    module_ = module;
    if (!L.is_prelude(call_span.file)) model_call_ = call_span;
    Flow flow = Flow::Normal;
    try {
      flow = with_grad_mode(decorated_grad_mode(forward, f).value_or(grad_enabled_),
                            [&] { return exec_block(forward.body, f); });
    } catch (...) {
      module_ = outer;
      model_call_ = outer_call;
      throw;
    }
    module_ = outer;
    model_call_ = outer_call;
    if (flow != Flow::Return)
      raise(forward.name_span, "forward has no `return`", "end forward with `return x`");
    return f.ret;
  }

  // F.relu(x), torch.cat([a, b], 1), x.view(n, -1): tensors (alone or in a list) become the
  // statement's inputs, everything else its arguments, in order.
  // What a row tensor_op builds stands for: the call itself, or torch.where (where_call), whose
  // row of two tensors is `where` and whose row with a number is a masked_fill laid out as where
  // lays out its output (StatementExtras::laid_out_as_where).
  // operands_bound: a Python wrapper's arguments bound already (torch.cdist's)
  enum class RowFor : uint8_t { call, where_of_tensors, where_with_number, operands_bound };
  PyValue tensor_op(const std::string& op, Span op_span, const PyValue* self, const Args& args,
                    const Expr& call, RowFor row_for = RowFor::call) {
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i] == "out")
        unsupported_here(args.spans[i], "`out=`", "assign the result instead: `y = op(...)`");
    list_keyword_is_sequence(op, args);
    if (std::optional<PyValue> kept = with_number(op, self, args, call.span)) return *kept;
    if (std::optional<PyValue> kept = unary_math(op, self, args, call.span)) return *kept;
    if (op == "where" && row_for == RowFor::call) return where_call(op_span, self, args, call);
    if (op == "masked_fill" || op == "masked_fill_") {  // the value: a number (or a 0-dim tensor)
      const PyValue* value = argument(args, self ? 1 : 2, "value");
      if (value && value->kind != PyValue::Kind::Data)
        unsupported_here(call.span, "masked_fill with a tensor as its value",
                         "write the value as a number: `x.masked_fill(mask, -1e9)`");
      const PyValue* filled = self ? self : argument(args, 0, "input");
      if (value && filled && filled->kind == PyValue::Kind::Tensor) {
        if (std::optional<std::string> overflow = fill_overflow(filled->dtype, *value))
          torch_error(*filled, call.span, *overflow, "fill it with a value its type holds");
      }
    }
    for (size_t i = 0; op == "norm" && i < args.values.size(); ++i)
      if (args.values[i].is(Value::Kind::String) && args.values[i].data.s != "fro")
        unsupported_here(args.spans[i], "this norm (`p=" + text_of(args.values[i]) + "`)",
                         "netshape follows vector norms (p a number, inf, or 'fro')");
    if (std::optional<PyValue> like = made_like(op, self, args, call)) return *like;
    if (op == "einsum") einsum_call_form(args, call.span);
    if (self == nullptr && in_family(op, Family::distance)) {
      if (std::optional<Args> ordered = distance_operands(op, args, call.span))
        return tensor_op(op, op_span, self, *ordered, call, row_for);
    }
    if (self == nullptr && op == "cdist" && row_for != RowFor::operands_bound)
      return tensor_op(op, op_span, self, cdist_operands(args, call.span), call,
                       RowFor::operands_bound);
    if (self == nullptr && in_family(op, Family::elementwise_loss) &&
        row_for != RowFor::operands_bound)
      return tensor_op(op, op_span, self, loss_operands(op, args, call.span), call,
                       RowFor::operands_bound);
    Statement st;
    st.op = op;
    if (op.size() > 1 && op.back() == '_' && find_op(op.substr(0, op.size() - 1))) {
      st.op.pop_back();  // F.relu_(x), x.add_(y): in place, the shape of relu, of add
      st.extras_for_write().in_place = true;
    }
    // F.interpolate's deprecated aliases, as torch.nn.functional defines them.
    bool bilinear = op == "upsample_bilinear";
    if (op == "upsample" || op == "upsample_nearest" || bilinear) st.op = "interpolate";
    if (row_for == RowFor::where_with_number) st.extras_for_write().laid_out_as_where = true;
    st.module = module_;
    st.op_span = op_span;
    st.span = call.span;
    auto input = [&](const PyValue& t) {
      if (op == "gather" && st.inputs.size() == 1 && t.dtype != ElementType::Int64) {
        InputRole index;  // gather's rule refuses it after checking the dim, as PyTorch
        index.refused_dtype = checked_type_name(t.dtype);
        st.extras_for_write().input_roles = {InputRole{}, index};
      }
      if (op == "cdist") cdist_dtype_error(st, t, t.data.span.valid() ? t.data.span : call.span);
      add_input(st, t, t.data.span, call.span);
    };
    // x.mean(dtype=...), sum, prod: check_element_type gives the statement that type
    struct ForgetDtype {
      std::optional<ElementType>& dtype;
      ~ForgetDtype() { dtype.reset(); }
    } forget{reduction_dtype_};
    reduction_dtype_ = written_reduction_type(op, args, call.span);
    if (self != nullptr) input(*self);
    if (op == "topk" && self &&
        (self->dtype == ElementType::Bool || self->dtype == ElementType::Float16)) {
      InputRole role;  // topk_cpu has no kernel for them: an error after topk's own checks
      role.refused_dtype = scalar_type_name(self->dtype);
      st.extras_for_write().input_roles = {role};
    }
    bool cumulative = op == "cumsum" || op == "cumprod";
    if (cumulative) dim_then_dtype_by_keyword(op, self, args, call.span);
    if (op == "argsort") sorting_arguments(op, self, args, self == nullptr, call.span);
    if (op == "repeat_interleave")
      repeat_interleave_arguments(self, args, self == nullptr, call.span);
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      if ((is_iterator(v) || is_dict_view(v)) && i == 0 &&
          (op == "cat" || op == "concat" || op == "stack"))
        iterator_for_tensors(op, self, args, v);  // PyTorch's parser takes a list or tuple
      if (v.kind == PyValue::Kind::Tensor && i == 0 && (op == "cat" || op == "stack")) {
        // `torch.cat((x), 1)`: brackets alone make no tuple
        torch_error(v, args.spans[i],
                    fmt::format("{}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                                "not Tensor",
                                op),
                    fmt::format("pass a list or tuple: `torch.{}([a, b], 1)`, `torch.{}((x,), 1)`",
                                op, op));
      }
      if (v.kind == PyValue::Kind::Tensor) {
        input(v);
        continue;
      }
      if (is_tensor_sequence(v)) {
        for (const PyValue& t : iterate(v, call.span)) input(t);
        continue;
      }
      if (v.kind == PyValue::Kind::Shape && is_factory(op) && args.keywords[i].empty()) {
        // torch.rand(x.shape), torch.zeros(h.size()): the sizes, as `*x.shape` passes them; a
        // 0-dim tensor's, none, as `torch.ones(())`
        PyList sizes = shape_items(v, args.spans[i]);
        if (sizes.empty()) {
          Value none_at_all;
          none_at_all.kind = Value::Kind::Tuple;
          none_at_all.span = args.spans[i];
          st.args.push_back(Arg{"", std::move(none_at_all), args.spans[i]});
        }
        for (const PyValue& d : sizes)
          st.args.push_back(Arg{"", to_ir(d, args.spans[i]), args.spans[i]});
        continue;
      }
      if (v.kind == PyValue::Kind::Shape &&
          (op == "affine_grid" || in_family(op, Family::max_unpool))) {
        // F.affine_grid(theta, x.size()), F.max_unpool2d(..., output_size=x.size()): the sizes
        // as a torch.Size, as their messages print it
        st.args.push_back(
            Arg{keyword_name(args.keywords[i]), size_argument(v, args.spans[i]), args.spans[i]});
        continue;
      }
      if (v.kind == PyValue::Kind::Shape && takes_size_list(op) && args.keywords[i].empty()) {
        // x.view(s) of `s = x.shape`, y.reshape(x.size()): a torch.Size is a tuple of the sizes
        Value size;
        size.kind = Value::Kind::Tuple;
        size.span = args.spans[i];
        for (const PyValue& d : shape_items(v, args.spans[i]))
          size.items.push_back(to_ir(d, args.spans[i]));
        st.args.push_back(Arg{"", std::move(size), args.spans[i]});
        continue;
      }
      if (v.kind == PyValue::Kind::Shape) {
        unsupported_here(args.spans[i], "a whole shape as an argument",
                         "pass its dimensions, e.g. `x.size(0)`");
      }
      if (is_factory_keyword(op, args.keywords[i])) continue;   // made_type reads dtype=
      if (cumulative && args.keywords[i] == "dtype") continue;  // cumulative_type reads it
      if (reduction_dtype_ && args.keywords[i] == "dtype") continue;
      bool axis = (cumulative || op == "repeat_interleave" || op == "sort" || op == "argsort" ||
                   op == "topk") &&
                  args.keywords[i] == "axis";  // PyTorch's alias of dim
      st.args.push_back(Arg{keyword_name(axis ? "dim" : args.keywords[i]), to_ir(v, args.spans[i]),
                            args.spans[i]});
    }
    if (bilinear) {
      st.args.push_back(Arg{"mode", Value::string("bilinear", call.span), call.span});
      st.args.push_back(Arg{"align_corners", Value::boolean(true, call.span), call.span});
    }
    bool made = is_factory(st.op);  // torch.zeros(b, 8) in forward
    if (st.inputs.empty() && !made) {
      unsupported_here(call.span, "`" + op + "(...)` without a tensor argument",
                       "netshape follows tensors computed from forward's inputs");
    }
    if (made && op == "arange") integer_bounds(args, made_type(op, args));
    if (made && op == "linspace" && type_category(*made_type(op, args)) <= 1)  // rounded values
      unsupported_here(call.span, "netshape does not follow linspace() of integers",
                       "make float values and round them: `.long()`");
    if (made && st.inputs.empty()) {
      std::optional<ElementType> type = made_type(op, args);
      if (type) check_random_type(op, *type, call.span);
      return emitted(std::move(st), call.span, type);
    }
    if (cumulative) output_type_ = cumulative_type(op, args, call.span);
    if (op == "dropout" || op == "dropout2d") dropout_in_eval(st, call.span);
    bool with_indices = max_pool_layer(st.op) && returns_indices(st);
    PyValue out = emitted(std::move(st), call.span);
    return with_indices ? with_pool_indices(out, call.span) : out;
  }

  // A max pool with return_indices=True returns (values, indices): the pool's row, then the
  // indices as a copy of it giving its second result (StatementExtras::output_index 1, int64).
  // Either may go unused without a warning.
  PyValue with_pool_indices(const PyValue& values, Span at) {
    last_is_one_of_several();
    Statement st = L.program_.statements.back();
    st.name = L.unique_name(values.name + ".indices");
    st.named = false;
    st.extras_for_write().output_index = 1;
    PyValue indices = emitted(std::move(st), at, ElementType::Int64);
    last_is_one_of_several();
    return make_tuple({values, indices});
  }
  static bool returns_indices(const Statement& st) {
    const Value* v = written_argument(st.args, op_info(*find_op(st.op)), "return_indices");
    return v && v->kind == Value::Kind::Bool && v->b;
  }

  // A size list as a row's argument: a torch.Size (`x.size()`) as a tuple that prints as one.
  Value size_argument(const PyValue& v, Span at) {
    if (v.kind != PyValue::Kind::Shape) return to_ir(v, at);
    Value size;
    size.kind = Value::Kind::Tuple;
    size.s = "torch.Size";
    size.span = at;
    for (const PyValue& d : shape_items(v, at)) size.items.push_back(to_ir(d, at));
    return size;
  }

  // F.dropout(x, p) drops values whenever `training` is True, its default, in eval mode too
  // (`training=self.training` is what follows the model's mode): `run`, which computes eval
  // mode, keeps them, so the values after it are not PyTorch's. Said where `run` reports it.
  void dropout_in_eval(const Statement& st, Span at) {
    const OpInfo& op = op_info(*find_op(st.op));
    const Value* training = written_argument(st.args, op, "training");
    const Value* p = written_argument(st.args, op, "p");
    bool drops = !training || (training->kind == Value::Kind::Bool && training->b);
    bool none = p && ((p->kind == Value::Kind::Int && p->i == 0) ||
                      (p->kind == Value::Kind::Float && p->f == 0.0));
    if (drops && !none)
      note_values_unfollowed("`F." + st.op + "` with training=True", at,
                             Program::Unfollowed::DropoutTraining);
  }

  // x.cumsum(dim, *, dtype=None), torch.cumsum(input, dim, *, dtype=None): one int after the
  // input, the dtype by keyword only (PyTorch's argument parser: a TypeError otherwise).
  void dim_then_dtype_by_keyword(const std::string& op, const PyValue* self, const Args& args,
                                 Span at) {
    std::vector<std::string> got;
    bool input_first = self == nullptr;  // torch.cumsum(x, 1): the input is the first argument
    for (size_t i = 0; i < args.values.size(); ++i) {
      bool dim = args.keywords[i] == "dim" || args.keywords[i] == "axis" ||
                 (args.keywords[i].empty() &&
                  !(input_first && got.empty() && args.values[i].kind == PyValue::Kind::Tensor));
      if (dim && got.empty() && args.values[i].is(Value::Kind::Bool))  // an int, not a bool
        type_error_of_call(
            self, args, args.spans[i],
            fmt::format("{}() received an invalid combination of arguments - got (bool), but "
                        "expected (int dim, *, torch.dtype dtype)",
                        op),
            fmt::format("give the dim as an int: `x.{}(1)`", op));
      if (!args.keywords[i].empty()) continue;
      if (input_first && got.empty() && args.values[i].kind == PyValue::Kind::Tensor) {
        input_first = false;
        continue;
      }
      const PyValue& v = args.values[i];
      got.push_back(v.kind == PyValue::Kind::Data     ? python_type(v.data)
                    : element_type_named(v.name)      ? std::string("torch.dtype")
                    : v.kind == PyValue::Kind::Tensor ? std::string("Tensor")
                                                      : describe(v));
    }
    if (got.size() <= 1) return;
    std::string written = fmt::format("{}", fmt::join(got, ", "));
    type_error_of_call(
        self, args, at,
        fmt::format("{}() received an invalid combination of arguments - got ({}), but "
                    "expected (int dim, *, torch.dtype dtype)",
                    op, written),
        fmt::format("give the dim, then the dtype by keyword: `x.{}(1, dtype=torch.float32)`", op));
  }

  // The dtype= of x.mean / sum / prod, when given: PyTorch casts the input to it first. mean
  // takes only floating ones (PyTorch's error otherwise); types whose kernels netshape has not
  // compared, and an integer sum of a floating tensor (each value truncated first), are refused.
  std::optional<ElementType> written_reduction_type(const std::string& op, const Args& args,
                                                    Span at) {
    if (op != "mean" && op != "sum" && op != "prod") return std::nullopt;
    const PyValue* dtype = argument(args, SIZE_MAX, "dtype");
    if (!dtype || dtype->is_none()) return std::nullopt;
    std::optional<ElementType> written = element_type_of(*dtype);
    if (!written || dtype->kind == PyValue::Kind::Tensor)
      unsupported_here(at, fmt::format("this dtype= of {}", op), "give a dtype: `torch.float32`");
    if (op == "mean" && !is_floating(*written))
      raise_torch(at,
                  fmt::format("mean(): could not infer output dtype. Optional dtype must be "
                              "either a floating point or complex dtype. Got: {}",
                              scalar_type_name(*written)),
                  "give a floating dtype: `dtype=torch.float32`");
    if (*written != ElementType::Float32 && *written != ElementType::Float64 &&
        *written != ElementType::Int64)
      unsupported_here(at, fmt::format("`{}` giving a {} tensor", op, element_type_name(*written)),
                       "give dtype=torch.float32");
    return written;
  }

  // The type of x.cumsum(dim, dtype=None) (cumprod's too), as PyTorch 1.13 gives it: dtype= when
  // given (x is cast to it first), else a floating x's type and int64 for integers and bools. Its
  // CPU kernels have none for float16 (PyTorch's error); other types (bfloat16, int32) are refused,
  // not guessed.
  ElementType cumulative_type(const std::string& op, const Args& args, Span at) {
    ElementType type = first_input_type_;
    if (const PyValue* dtype = argument(args, SIZE_MAX, "dtype"); dtype && !dtype->is_none()) {
      std::optional<ElementType> written = element_type_of(*dtype);
      if (!written || dtype->kind == PyValue::Kind::Tensor)
        raise(
            at,
            fmt::format("{}(): argument 'dtype' must be torch.dtype, not {}", op, describe(*dtype)),
            "give a dtype: `dtype=torch.float32`");
      if (type_category(*written) < 2 && type_category(type) >= 2)  // run would not truncate
        unsupported_here(at,
                         fmt::format("`{}` of a floating tensor with an integer dtype= (each "
                                     "value is truncated first)",
                                     op),
                         fmt::format("cast it first: `x.long().{}(1)`", op));
      type = *written;
    } else if (type_category(type) < 2) {
      type = ElementType::Int64;
    }
    if (type == ElementType::Float16)
      raise(at, fmt::format("\"{}_out_cpu\" not implemented for 'Half'", op),
            "cast it with `.float()` first");
    if (type != ElementType::Float32 && type != ElementType::Float64 && type != ElementType::Int64)
      unsupported_here(at, fmt::format("`{}` giving a {} tensor", op, element_type_name(type)),
                       "give dtype=torch.float32");
    return type;
  }

  // ---- einops: rearrange, repeat and reduce, and its torch layers Rearrange and Reduce ----
  //
  // einops's torch backend turns a pattern into reshape, permute, reductions, unsqueeze and
  // expand calls (einops_recipe.cpp reads the pattern as einops 0.8 does): each is a row here,
  // at the einops call, as the same calls written out would be.

  // einops.<name>(...) as the file calls it; the layers' constructor and forward call the
  // prelude's hooks (_check_layer, _apply_layer).
  PyValue einops_builtin(const std::string& name, Args& args, const Expr& call, Frame& f) {
    if (name == "layers.torch.Rearrange" || name == "layers.torch.Reduce")
      return construct_class(*L.einops_layer_class(name.substr(13)), args, call, f);
    if (name == "rearrange" || name == "repeat" || name == "reduce")
      return einops_function(name, args, call);
    if (L.is_prelude(call.span.file) && name == "_check_layer") return einops_check_layer(args);
    if (L.is_prelude(call.span.file) && name == "_apply_layer") return einops_apply_layer(args);
    unsupported_here(call.span, "`einops." + name + "`",
                     "netshape reads einops.rearrange, repeat and reduce, and "
                     "einops.layers.torch.Rearrange and Reduce");
  }

  // einops.rearrange(tensor, pattern, **axes_lengths), repeat alike, reduce(tensor, pattern,
  // reduction, **axes_lengths): bound as Python binds them; an EinopsError says what einops's
  // wrapper says around it.
  PyValue einops_function(const std::string& function, const Args& args, const Expr& call) {
    std::vector<std::string> params = {"tensor", "pattern"};
    if (function == "reduce") params.push_back("reduction");
    std::vector<const PyValue*> bound(params.size(), nullptr);
    std::vector<std::pair<std::string, PyValue>> lengths;
    size_t positional = 0;
    std::string help = function == "reduce"
                           ? "write `einops.reduce(x, 'b c h w -> b c', 'mean')`"
                           : fmt::format("write `einops.{}(x, 'b c h w -> b h w c')`", function);
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      size_t slot =
          k.empty() ? positional++ : std::find(params.begin(), params.end(), k) - params.begin();
      if (k.empty() && slot >= params.size())
        type_error_of_call(nullptr, args, call.span,
                           fmt::format("{}() takes {} positional arguments but {} were given",
                                       function, params.size(), positional),
                           help);
      if (slot >= params.size()) {
        lengths.emplace_back(k, args.values[i]);
        continue;
      }
      if (bound[slot])
        type_error_of_call(
            nullptr, args, call.span,
            fmt::format("{}() got multiple values for argument '{}'", function, params[slot]),
            help);
      bound[slot] = &args.values[i];
    }
    for (size_t i = 0; i < params.size(); ++i)
      if (!bound[i])
        type_error_of_call(
            nullptr, args, call.span,
            fmt::format("{}() missing 1 required positional argument: '{}'", function, params[i]),
            help);
    std::string reduction =
        function == "reduce" ? einops_text(*bound[2], "reduction", call.span) : function;
    return einops_apply(*bound[0], einops_text(*bound[1], "pattern", call.span), reduction, lengths,
                        call.span, false);
  }

  std::string einops_text(const PyValue& v, const char* what, Span at) {
    if (!v.is(Value::Kind::String))
      unsupported_here(at, fmt::format("an einops {} that is {}", what, describe(v)),
                       "write it as a string: 'b c h w -> b (c h w)'");
    return v.data.s;
  }

  // The prelude's Rearrange and Reduce, built: einops checks the pattern for every rank then.
  PyValue einops_check_layer(const Args& args) {
    Span at = args.spans[0];
    std::string layer = args.values[0].data.s, pattern = einops_text(args.values[1], "pattern", at);
    std::string reduction = einops_text(args.values[2], "reduction", at);
    std::vector<std::string> names;
    std::string shown = fmt::format("{}({}", layer, python_repr(pattern));
    if (layer == "Reduce") shown += ", " + python_repr(reduction);
    for (const auto& [key, value] : *args.values[3].dict) {
      names.push_back(key.data.s);
      shown += fmt::format(", {}={}", key.data.s.str(), text_of(value));
    }
    // einops says "Error while preparing Rearrange(...)" around it: here the help says which
    if (auto e = einops::check_pattern(pattern, reduction, names))
      raise(at, e->message,
            fmt::format("fix {}): einops checks its pattern when the layer is built", shown));
    return PyValue::none(at);
  }

  // Their forward: the pattern applied as einops.rearrange or reduce, without the wrapper, its
  // rows and errors at the layer in the model's file (where the pattern is written).
  PyValue einops_apply_layer(const Args& args) {
    Span at = args.spans[0];
    if (module_ >= 0) {
      const ModuleDecl& layer = L.program_.modules[static_cast<size_t>(module_)];
      if (layer.constructed_at.valid() && !L.is_prelude(layer.constructed_at.file))
        at = layer.constructed_at;
    }
    std::vector<std::pair<std::string, PyValue>> lengths;
    for (const auto& [key, value] : *args.values[3].dict) lengths.emplace_back(key.data.s, value);
    return einops_apply(args.values[0], args.values[1].data.s, args.values[2].data.s, lengths, at,
                        true);
  }

  static std::string einops_help(const std::string& pattern) {
    return fmt::format("check the pattern '{}' against the tensor's shape", pattern);
  }

  // The rows of `pattern` applied to `input`, einops's backend calls in its order.
  PyValue einops_apply(const PyValue& input, const std::string& pattern,
                       const std::string& reduction,
                       const std::vector<std::pair<std::string, PyValue>>& given, Span at,
                       bool layer) {
    if (input.kind == PyValue::Kind::List || input.kind == PyValue::Kind::Tuple)
      unsupported_here(at, "einops of a list of tensors",
                       "stack them first: `einops.rearrange(torch.stack(xs), ...)`");
    PyValue x = input.kind == PyValue::Kind::Tensor ? input : as_tensor_in_forward(input, at);
    if (x.kind != PyValue::Kind::Tensor)
      unsupported_here(at, "einops of " + describe(input), "give it a tensor of forward");
    const Shape shape = shape_now(x.name, at);
    auto [first_rank, last_rank] = einops::layer_ranks(pattern);
    if (layer && (shape.size() < first_rank || shape.size() > last_rank))
      torch_error(
          x, at, fmt::format("KeyError: {}", shape.size()),
          fmt::format("the layer's pattern '{}' takes {} dims: einops's layer has no "
                      "recipe for a {}-dim input",
                      pattern,
                      first_rank == last_rank ? std::to_string(first_rank)
                                              : fmt::format("{} to {}", first_rank, last_rank),
                      shape.size()));
    std::vector<einops::AxisLength> lengths;
    std::map<std::string, PyValue> symbolic_lengths;  // for expand: the size as read
    for (const auto& [name, v] : given) {
      Dim d;
      if (v.is(Value::Kind::Int)) {
        d = fixed(v.data.i);
      } else if (v.is(Value::Kind::DimRef)) {
        d = size_read(v.data.s, v.data.i, at);
        symbolic_lengths[name] = v;
      } else {
        unsupported_here(at, fmt::format("einops axis length {}={}", name, describe(v)),
                         "give each axis length as an int");
      }
      lengths.emplace_back(name, d);
    }
    einops::Error error;
    std::optional<einops::Recipe> r = einops::recipe(pattern, reduction, lengths, shape, error);
    if (!r) einops_failed(x, pattern, reduction, given, shape, error, at, layer);
    PyValue y = x;
    if (r->init_shape) y = einops_reshape(y, *r->init_shape, at);
    if (r->permutation) y = einops_step(y, "permute", ints(*r->permutation, at), {}, at);
    if (!r->reduced_axes.empty()) y = einops_reduce(y, reduction, r->reduced_axes, at, layer);
    if (!r->added.empty()) {
      std::vector<PyValue> sizes(static_cast<size_t>(r->axes_after_adding), data_int(-1, at));
      for (const einops::Recipe::Added& a : r->added) {
        y = einops_step(y, "unsqueeze", {data_int(a.position, at)}, {}, at);
        auto it = symbolic_lengths.find(a.name);
        sizes[static_cast<size_t>(a.position)] = a.length.symbolic() && it != symbolic_lengths.end()
                                                     ? it->second
                                                     : data_int(a.length.value, at);
      }
      y = einops_step(y, "expand", sizes, {}, at);
    }
    if (r->final_shape) y = einops_reshape(y, *r->final_shape, at);
    return y;
  }

  static std::vector<PyValue> ints(const std::vector<int64_t>& values, Span at) {
    std::vector<PyValue> out;
    for (int64_t v : values) out.push_back(data_int(v, at));
    return out;
  }

  // x.reshape(sizes): a symbolic size (the batch) as -1, which PyTorch infers.
  PyValue einops_reshape(const PyValue& x, const std::vector<Dim>& sizes, Span at) {
    std::vector<PyValue> values;
    bool inferred = false;
    bool empty = has_zero_dim(sizes);
    for (const Dim& d : sizes) {
      // -1 cannot stand for the batch beside another: nor beside a 0 (it is then any size)
      if (d.symbolic() && (inferred || empty))
        unsupported_here(at,
                         inferred ? "an einops reshape with two symbolic sizes"
                                  : "an einops reshape of no elements with a symbolic size",
                         "give the batch a number: --input 2,...");
      inferred = inferred || d.symbolic();
      values.push_back(data_int(d.symbolic() ? -1 : d.value, at));
    }
    if (values.empty()) values.push_back(make_tuple({}));  // x.reshape([]): a 0-dim tensor
    return einops_step(x, "reshape", values, {}, at);
  }

  // einops's torch backend's reductions: amin, amax, sum and mean over all the reduced axes at
  // once, prod, any and all one axis at a time from the last.
  PyValue einops_reduce(const PyValue& x, const std::string& reduction,
                        const std::vector<int64_t>& axes, Span at, bool layer) {
    if (reduction == "mean" && !layer && !is_floating(x.dtype))
      torch_error(x, at, "reduce_mean is not available for non-floating tensors",
                  "reduce a float tensor: `.float()` first");
    if (layer && (reduction == "any" || reduction == "all"))
      torch_error(x, at, fmt::format("('Unknown reduction ', '{}')", reduction),
                  "einops's layers reduce with min, max, sum, mean or prod");
    if (reduction == "min" || reduction == "max" || reduction == "sum" || reduction == "mean") {
      std::string method = reduction == "min" ? "amin" : reduction == "max" ? "amax" : reduction;
      return einops_step(x, method, {}, {{"dim", make_tuple(ints(axes, at))}}, at);
    }
    PyValue y = x;
    for (auto it = axes.rbegin(); it != axes.rend(); ++it)
      y = einops_step(y, reduction, {}, {{"dim", data_int(*it, at)}}, at);
    return y;
  }

  // x.<method>(values..., keyword=value...) as forward would call it.
  PyValue einops_step(const PyValue& x, const std::string& method, std::vector<PyValue> values,
                      std::vector<std::pair<std::string, PyValue>> keywords, Span at) {
    Expr call;  // the einops call stands for each (the rows' position, their op's too)
    call.kind = Expr::Kind::Call;
    call.span = at;
    call.items.emplace_back();
    call.items[0].kind = Expr::Kind::Name;
    call.items[0].span = at;
    Args args;
    for (PyValue& v : values) {
      args.values.push_back(std::move(v));
      args.keywords.emplace_back();
    }
    for (auto& [k, v] : keywords) {
      args.values.push_back(std::move(v));
      args.keywords.push_back(k);
    }
    args.spans.assign(args.values.size(), at);
    args.exprs.assign(args.values.size(), &call);
    return tensor_method(x, method, args, call);
  }

  // einops's error: EinopsError with the call's pattern, input shape and lengths around it
  // (einops.rearrange and the rest; their layers raise it bare), or Python's ValueError.
  [[noreturn]] void einops_failed(const PyValue& x, const std::string& pattern,
                                  const std::string& reduction,
                                  const std::vector<std::pair<std::string, PyValue>>& given,
                                  const Shape& shape, const einops::Error& error, Span at,
                                  bool layer) {
    if (error.kind == einops::Failure::Symbolic)
      unsupported_here(at, error.message, "give the batch a number: --input 2,...");
    Diagnostic d;
    d.span = at;
    d.message = error.message;
    d.help = einops_help(pattern);
    if (error.kind == einops::Failure::Einops && !layer) {
      std::vector<std::string> sizes, items;
      for (const Dim& dim : shape) sizes.push_back(to_string(dim));
      for (const auto& [name, v] : given)
        items.push_back(fmt::format("{}: {}", python_repr(name), text_of(v)));
      d.notes.push_back(fmt::format("einops: Error while processing {}-reduction pattern \"{}\".",
                                    reduction, pattern));
      d.notes.push_back(
          fmt::format("Input tensor shape: torch.Size([{}]). Additional info: {{{}}}.",
                      fmt::join(sizes, ", "), fmt::join(items, ", ")));
    }
    throw ForwardStopped{x.name, at, std::move(d)};
  }

  // F.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) (conv1d and
  // conv3d alike), with tensors of the model as weight and bias (a custom layer's nn.Parameters, a
  // weight computed in forward): a row of the op, its inputs the tensors, the rest by keyword for
  // the rule. Bound as the argument parser binds it: conv has two signatures (padding a number or
  // a string), so an argument that fits neither is its "invalid combination of arguments".
  PyValue functional_conv(const std::string& op, Span op_span, const Args& args, const Expr& call) {
    static constexpr std::string_view kParams[] = {"input",   "weight",   "bias",  "stride",
                                                   "padding", "dilation", "groups"};
    constexpr size_t kCount = std::size(kParams);
    std::array<std::optional<size_t>, kCount> given{};
    bool invalid = false;
    std::string bad_element;
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      size_t slot = kCount;
      if (args.keywords[i].empty()) slot = positional++;
      for (size_t j = 0; j < kCount && !args.keywords[i].empty(); ++j)
        if (kParams[j] == args.keywords[i]) slot = j;
      std::string element;  // a sequence's item that is no int: its message
      if (slot >= kCount || given[slot] ||
          !conv_argument_fits(slot, args.values[i], op, args.spans[i], element))
        invalid = true;
      else
        given[slot] = i;
      if (!element.empty() && bad_element.empty())
        bad_element = fmt::format("{}(): argument '{}' {}", op, kParams[slot], element);
    }
    std::string help = fmt::format("write `F.{}(x, weight, bias, stride=1, padding=0)`", op);
    if (invalid || !given[0] || !given[1])
      type_error_of_call(nullptr, args, call.span,
                         fmt::format("{}() received an invalid combination of arguments - got "
                                     "({}), but expected one of:",
                                     op, parser_got(args)),
                         help);
    if (!bad_element.empty()) type_error_of_call(nullptr, args, call.span, bad_element, help);
    const PyValue* layer = weight_owner(&args.values[*given[1]], "weight");
    if (layer && owns_settings(op, *layer, args, given, call.span))
      return apply_layer(*layer->module, layer->name, {args.values[*given[0]]}, call.span, module_);
    // a layer's weight or bias with other settings, or computed from: tensors of their own
    return functional_conv_row(op, op_span, args, given, kParams, call.span);
  }

  // The row of F.convNd or F.conv_transposeNd whose arguments are bound to `given`, the slots of
  // `params` (input, weight, bias, then the settings): the tensors its inputs, the settings by
  // keyword.
  PyValue functional_conv_row(const std::string& op, Span op_span, const Args& args,
                              std::span<const std::optional<size_t>> given,
                              std::span<const std::string_view> params, Span at) {
    const PyValue x = args.values[*given[0]];
    const PyValue weight = as_tensor_in_forward(args.values[*given[1]], args.spans[*given[1]]);
    std::optional<PyValue> bias;
    if (given[2] && !args.values[*given[2]].is_none())
      bias = as_tensor_in_forward(args.values[*given[2]], args.spans[*given[2]]);
    conv_types(op, x, weight, bias, given, args);
    Statement st = function_row(op, op_span, at);
    add_input(st, x, args.spans[*given[0]], at);
    add_input(st, weight, args.spans[*given[1]], at);
    if (bias) add_input(st, *bias, args.spans[*given[2]], at);
    for (size_t slot = 3; slot < params.size(); ++slot)
      if (given[slot])
        st.args.push_back(Arg{keyword_name(params[slot]),
                              to_ir(args.values[*given[slot]], args.spans[*given[slot]]),
                              args.spans[*given[slot]]});
    return emitted(std::move(st), at);
  }

  // F.conv_transpose1d/2d/3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
  // groups=1, dilation=1): one signature, so its argument parser's TypeErrors name the argument,
  // raised as it meets them, param by param (PyTorch 1.13's); the rule checks the sizes. A
  // layer's weight is a tensor here, counted by its layer.
  PyValue functional_conv_transpose(const std::string& op, Span op_span, const Args& args,
                                    const Expr& call) {
    static constexpr std::string_view kParams[] = {
        "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"};
    constexpr size_t kCount = std::size(kParams);
    std::string help = fmt::format("write `F.{}(x, weight, bias, stride=2, padding=1)`", op);
    std::vector<size_t> positional;
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i].empty()) positional.push_back(i);
    if (positional.size() > kCount)
      raise(call.span,
            fmt::format("{}() takes from 2 to {} positional arguments but {} were given", op,
                        kCount, positional.size()),
            help);
    auto keyword = [&](size_t slot) -> std::optional<size_t> {
      for (size_t i = 0; i < args.values.size(); ++i)
        if (args.keywords[i] == kParams[slot]) return i;
      return std::nullopt;
    };
    std::array<std::optional<size_t>, kCount> given{};
    for (size_t slot = 0; slot < kCount; ++slot) {
      std::optional<size_t> by_position =
          slot < positional.size() ? std::optional(positional[slot]) : std::nullopt;
      std::optional<size_t> by_keyword = keyword(slot);
      if (by_position && by_keyword)
        raise(args.spans[*by_keyword],
              fmt::format("{}() got multiple values for argument '{}'", op, kParams[slot]), help);
      given[slot] = by_position ? by_position : by_keyword;
      if (!given[slot] && slot < 2) {
        bool both = slot == 0 && !keyword(1);
        raise(call.span,
              fmt::format("{}() missing {} required positional arguments: {}", op, both ? 2 : 1,
                          both ? "\"input\", \"weight\"" : fmt::format("\"{}\"", kParams[slot])),
              help);
      }
      if (given[slot]) transposed_conv_argument(op, slot, kParams[slot], args, *given[slot], help);
    }
    for (size_t i = 0; i < args.values.size(); ++i)
      if (!args.keywords[i].empty() &&
          std::find(std::begin(kParams), std::end(kParams), args.keywords[i]) == std::end(kParams))
        raise(args.spans[i],
              fmt::format("{}() got an unexpected keyword argument '{}'", op, args.keywords[i]),
              help);
    return functional_conv_row(op, op_span, args, given, kParams, call.span);
  }

  // Argument `i` of F.conv_transposeNd, bound to parameter `slot` (`name`): the argument
  // parser's TypeError when it is not of the parameter's type (a tensor for the input and weight,
  // a tensor or None for the bias, an int for groups, an int or a sequence of ints for the rest;
  // no string padding).
  void transposed_conv_argument(const std::string& op, size_t slot, std::string_view name,
                                const Args& args, size_t i, const std::string& help) {
    const PyValue& v = args.values[i];
    std::string element;
    bool string_padding = slot == 4 && v.is(Value::Kind::String);
    // conv_argument_fits's slots are F.conv2d's: its groups (6) too, any other list a stride (3)
    size_t conv_slot = slot < 3 || slot == 6 ? slot : 3;
    bool fits = !string_padding && conv_argument_fits(conv_slot, v, op, args.spans[i], element);
    std::string where = args.keywords[i].empty() ? fmt::format(" (position {})", slot + 1) : "";
    const char* type = slot < 3 ? "Tensor" : slot == 6 ? "int" : "tuple of ints";
    if (!fits)
      raise(args.spans[i],
            fmt::format("{}(): argument '{}'{} must be {}, not {}", op, name, where, type,
                        parser_type(v)),
            help);
    if (!element.empty())
      raise(args.spans[i], fmt::format("{}(): argument '{}'{} {}", op, name, where, element), help);
  }

  // F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
  // in a subclass of nn.Conv2d (its forward written out, as _conv_forward writes it): with the
  // layer's own weight, bias and settings (and padding_mode 'zeros'), the layer applied (its row,
  // its parameters counted once).
  bool owns_settings(const std::string& op, const PyValue& layer, const Args& args,
                     std::span<const std::optional<size_t>> given, Span at) {
    const ModuleDef& m = *layer.module;
    if (m.op != "C" + op.substr(1)) return false;  // conv2d -> Conv2d
    auto setting = [&](const char* name, Value fallback) {
      PyValue own = layer_attribute(layer, name, at);
      return own.kind == PyValue::Kind::Data || own.kind == PyValue::Kind::Tuple ? to_ir(own, at)
                                                                                 : fallback;
    };
    size_t nd = static_cast<size_t>(op_info(*find_op(op)).spatial_dims);
    auto expanded = [&](const Value& v) {
      std::vector<int64_t> list = int_list(v);
      if (list.size() == 1) list.assign(nd, list[0]);
      return list;
    };
    static constexpr std::pair<size_t, const char*> kSettings[] = {
        {3, "stride"}, {4, "padding"}, {5, "dilation"}, {6, "groups"}};
    for (const auto& [slot, name] : kSettings) {
      Value fallback = Value::integer(slot == 4 ? 0 : 1, at);
      Value passed = given[slot] ? to_ir(args.values[*given[slot]], at) : fallback;
      Value own = setting(name, fallback);
      bool strings = passed.kind == Value::Kind::String || own.kind == Value::Kind::String;
      bool same = strings ? passed.kind == own.kind && passed.s.str() == own.s.str()
                          : expanded(passed) == expanded(own) && !expanded(own).empty();
      if (!same) return false;
    }
    bool bias_given = given[2] && !args.values[*given[2]].is_none();
    const PyValue* bias_owner =
        bias_given ? weight_owner(&args.values[*given[2]], "bias") : nullptr;
    bool own_bias = bias_given ? bias_owner && bias_owner->module == layer.module
                               : layer_attribute(layer, "bias", at).is_none();
    Value mode = setting("padding_mode", Value::string("zeros", at));
    return own_bias && mode.kind == Value::Kind::String && mode.s == "zeros";
  }

  // The tensors' types as PyTorch 1.13 checks them: conv2d with a number as padding compares the
  // bias's with the input's first (its message); any other disagreement is an error whose wording
  // depends on the CPU backend PyTorch picks (oneDNN or its own kernel), or no error at all (a
  // float64 input and weight with a float32 bias on some paths): refused, not guessed.
  void conv_types(const std::string& op, const PyValue& x, const PyValue& weight,
                  const std::optional<PyValue>& bias, std::span<const std::optional<size_t>> given,
                  const Args& args) {
    bool number_padding = !given[4] || !args.values[*given[4]].is(Value::Kind::String);
    if (bias && bias->dtype != x.dtype && op == "conv2d" && number_padding)  // its first check
      torch_error(*bias, args.spans[*given[2]],
                  fmt::format("Input type ({}) and bias type ({}) should be the same",
                              type_meta_name(x.dtype), type_meta_name(bias->dtype)),
                  "give the input and the bias one type");
    for (const PyValue* t : {&x, &weight}) {
      if (t->dtype != ElementType::Float32 && t->dtype != ElementType::Float64)
        unsupported_here(args.spans[t == &x ? *given[0] : *given[1]],
                         fmt::format("`F.{}` of a {} tensor", op, element_type_name(t->dtype)),
                         "netshape follows float32 and float64 convolutions");
    }
    if (weight.dtype != x.dtype || (bias && bias->dtype != x.dtype))
      unsupported_here(
          args.spans[*given[0]],
          fmt::format("`F.{}` of tensors of different types ({} input, {} weight{})", op,
                      element_type_name(x.dtype), element_type_name(weight.dtype),
                      bias ? fmt::format(", {} bias", element_type_name(bias->dtype)) : ""),
          "PyTorch's answer depends on its CPU backend here; give the input, the "
          "weight and the bias one type");
  }

  // `self._conv_forward(x, weight, bias)` in a subclass of nn.Conv2d (custom convs call it with a
  // weight they made): F.conv2d with the layer's stride, padding, dilation and groups, as the
  // layer's method does. With a padding_mode other than 'zeros' it pads first: refused.
  PyValue conv_forward_of(const PyValue& self, const Args& args, const Expr& call) {
    PyValue layer = self;  // the torch layer under the subclass, as `self.weight` reads it
    layer.module = self.module->instance->layer_base;
    layer.name.clear();
    Value mode = layer_setting(layer, "padding_mode", call.span);
    if (mode.kind != Value::Kind::String || mode.s != "zeros")
      unsupported_here(call.span, "_conv_forward of a layer whose padding_mode is not 'zeros'",
                       "apply the layer itself: `super().forward(x)`");
    bool positional = std::all_of(args.keywords.begin(), args.keywords.end(),
                                  [](const std::string& k) { return k.empty(); });
    if (args.values.size() != 3 || !positional)
      unsupported_here(call.span, "_conv_forward with other than (input, weight, bias)",
                       "call it as `self._conv_forward(x, weight, self.bias)`");
    Args full = args;
    for (const char* setting : {"stride", "padding", "dilation", "groups"}) {
      full.add(layer_attribute(layer, setting, call.span), call.span, nullptr);
    }
    std::string op = layer.module->op;
    op[0] = 'c';  // Conv2d -> conv2d
    return functional_conv(op, call.span, full, call);
  }

  // Whether an argument of F.convNd fits parameter `slot` of its signatures: tensors for the
  // input and weight, a tensor or None for the bias, ints or a sequence of them for stride,
  // padding (also a string) and dilation, an int for groups. A tensor where a number goes is
  // refused: its value would decide the shape.
  bool conv_argument_fits(size_t slot, const PyValue& v, const std::string& op, Span at,
                          std::string& bad_element) {
    if (slot < 3) {
      if (v.kind == PyValue::Kind::Tensor || (slot == 2 && v.is_none())) return true;
      if (slot > 0 && weight_owner(&v, slot == 1 ? "weight" : "bias")) return true;
      if (tensor_like(v))
        unsupported_here(at, fmt::format("this tensor as an argument of `F.{}`", op),
                         "netshape follows tensors computed in forward and nn.Parameters");
      return false;
    }
    if (tensor_like(v))
      unsupported_here(at, fmt::format("a tensor as an argument of `F.{}`", op),
                       "give it as an int (netshape follows shapes, not values)");
    if (slot == 6) return int_like(v);
    if (slot == 4 && v.is(Value::Kind::String)) return true;
    std::vector<PyValue> items;
    if (v.kind == PyValue::Kind::Tuple || v.kind == PyValue::Kind::List) {
      items = v.kind == PyValue::Kind::Tuple ? v.items : *v.list;
    } else if (v.is(Value::Kind::Tuple) || v.is(Value::Kind::List)) {  // a layer's `self.stride`
      for (const Value& item : v.data.items) items.push_back(PyValue::of(item));
    } else {
      return int_like(v);
    }
    // a sequence of ints (a bool is one inside it); its first item decides the signature, a later
    // one that is no int is the parser's own error
    auto item_fits = [&](const PyValue& i) { return int_like(i) || i.is(Value::Kind::Bool); };
    if (!items.empty() && !item_fits(items[0])) return false;
    for (size_t k = 0; k < items.size() && bad_element.empty(); ++k)
      if (!item_fits(items[k]))
        bad_element = fmt::format("must be tuple of ints, but found element of type {} at pos {}",
                                  parser_type(items[k]), k + 1);
    return true;
  }

  // A dtype as PyTorch's TypeMeta names it ("float", "long int"), in conv's bias message.
  static const char* type_meta_name(ElementType type) {
    switch (type) {
      case ElementType::Float32:
        return "float";
      case ElementType::Float64:
        return "double";
      case ElementType::Float16:
        return "c10::Half";
      case ElementType::BFloat16:
        return "c10::BFloat16";
      case ElementType::Int64:
        return "long int";
      case ElementType::Int32:
        return "int";
      case ElementType::Int16:
        return "short int";
      case ElementType::Int8:
        return "signed char";
      case ElementType::UInt8:
        return "unsigned char";
      case ElementType::Bool:
        return "bool";
      case ElementType::Complex64:
        return "c10::complex<float>";
    }
    return "float";
  }

  // F.cosine_similarity(x1, x2, ...) (pairwise_distance alike): the argument parser's checks of
  // its two tensors, given by position or as x1= and x2=. The arguments with the tensors first,
  // in order, when they were given by name (nullopt when they are already).
  std::optional<Args> distance_operands(const std::string& op, const Args& args, Span at) {
    std::array<std::optional<size_t>, 2> given{};
    std::string unexpected;
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      size_t slot = k.empty() ? positional++ : k == "x1" ? 0 : k == "x2" ? 1 : 2;
      bool setting = k == "dim" || k == "eps" || k == "p" || k == "keepdim";
      if (slot == 2 && !setting && unexpected.empty()) unexpected = k;
      if (slot > 1) continue;  // the settings: the rule checks them
      const PyValue& v = args.values[i];
      if (v.kind != PyValue::Kind::Tensor)
        type_error_of_call(
            nullptr, args, args.spans[i],
            fmt::format("{}(): argument 'x{}'{} must be Tensor, not {}", op, slot + 1,
                        k.empty() ? fmt::format(" (position {})", slot + 1) : "", parser_type(v)),
            "give the two tensors to compare first");
      if (given[slot])
        type_error_of_call(nullptr, args, args.spans[i],
                           fmt::format("{}() got multiple values for argument 'x{}'", op, slot + 1),
                           "give each tensor once");
      given[slot] = i;
    }
    std::vector<std::string> missing;
    for (size_t slot = 0; slot < 2; ++slot)
      if (!given[slot]) missing.push_back(fmt::format("\"x{}\"", slot + 1));
    if (!missing.empty())  // PyTorch's parser writes "argument" for two, "arguments" for one
      type_error_of_call(
          nullptr, args, at,
          fmt::format("{}() missing {} required positional argument{}: {}", op, missing.size(),
                      missing.size() == 1 ? "s" : "", fmt::join(missing, ", ")),
          "give the two tensors to compare: `F." + op + "(a, b)`");
    if (!unexpected.empty())
      type_error_of_call(
          nullptr, args, at,
          fmt::format("{}() got an unexpected keyword argument '{}'", op, unexpected),
          "give the two tensors to compare: `F." + op + "(a, b)`");
    if (*given[0] == 0 && *given[1] == 1) return std::nullopt;
    Args ordered;
    for (size_t i : {*given[0], *given[1]}) {
      ordered.add(args.values[i], args.spans[i], args.exprs[i]);
    }
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (i == *given[0] || i == *given[1]) continue;
      ordered.values.push_back(args.values[i]);
      ordered.keywords.push_back(args.keywords[i]);
      ordered.spans.push_back(args.spans[i]);
      ordered.exprs.push_back(args.exprs[i]);
    }
    return ordered;
  }

  // The arguments of a Python function of torch (torch.cdist, F.mse_loss) bound to its `params`
  // as CPython binds them, the first `required` without defaults: its TypeErrors in CPython's
  // order (the keywords, too many positionals, the missing ones). Each param's argument, if any.
  std::vector<std::optional<size_t>> python_bound(const std::string& function,
                                                  std::span<const char* const> params,
                                                  size_t required, const Args& args, Span at,
                                                  const std::string& help) {
    std::vector<std::optional<size_t>> given(params.size());
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i].empty() && positional < params.size()) given[positional++] = i;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k.empty()) continue;
      auto slot = std::find(params.begin(), params.end(), k);
      if (slot == params.end())
        type_error_of_call(nullptr, args, args.spans[i],
                           fmt::format("{}() got an unexpected keyword argument '{}'", function, k),
                           help);
      auto& bound = given[static_cast<size_t>(slot - params.begin())];
      if (bound)
        type_error_of_call(nullptr, args, args.spans[i],
                           fmt::format("{}() got multiple values for argument '{}'", function, k),
                           "give each argument once");
      bound = i;
    }
    auto positionals =
        static_cast<size_t>(std::count_if(args.keywords.begin(), args.keywords.end(),
                                          [](const std::string& k) { return k.empty(); }));
    if (positionals > params.size())
      type_error_of_call(nullptr, args, at,
                         fmt::format("{}() takes from {} to {} positional arguments but {} were "
                                     "given",
                                     function, required, params.size(), positionals),
                         help);
    std::vector<std::string> missing;
    for (size_t slot = 0; slot < required; ++slot)
      if (!given[slot]) missing.push_back(fmt::format("'{}'", params[slot]));
    if (!missing.empty()) {
      std::string names = missing.back();  // CPython: 'a' and 'b'; 'a', 'b', and 'c'
      if (missing.size() == 2) names = missing[0] + " and " + names;
      if (missing.size() > 2)
        names =
            fmt::format("{}, and {}", fmt::join(missing.begin(), missing.end() - 1, ", "), names);
      type_error_of_call(nullptr, args, at,
                         fmt::format("{}() missing {} required positional argument{}: {}", function,
                                     missing.size(), missing.size() == 1 ? "" : "s", names),
                         help);
    }
    return given;
  }

  // The bound arguments as an op's row takes them: the first `tensors` by position, the rest by
  // keyword.
  static Args row_arguments(const Args& args, std::span<const char* const> params,
                            const std::vector<std::optional<size_t>>& given, size_t tensors) {
    Args ordered;
    for (size_t slot = 0; slot < params.size(); ++slot) {
      if (!given[slot]) continue;
      size_t i = *given[slot];
      ordered.values.push_back(args.values[i]);
      ordered.keywords.push_back(slot < tensors ? std::string() : std::string(params[slot]));
      ordered.spans.push_back(args.spans[i]);
      ordered.exprs.push_back(args.exprs[i]);
    }
    return ordered;
  }

  // torch.cdist(x1, x2, p=2., compute_mode=...), a Python function of torch/functional.py:
  // Python's binding of its arguments, its ValueError for a compute_mode it does not name, then
  // _VF.cdist's argument parser (two tensors, `p` a number). The arguments as the op's row takes
  // them.
  Args cdist_operands(const Args& args, Span at) {
    static constexpr std::array<const char*, 4> kParams = {"x1", "x2", "p", "compute_mode"};
    auto given = python_bound("cdist", kParams, 2, args, at,
                              "give it the two sets of rows to compare: `torch.cdist(a, b)`");
    if (given[3]) {
      const PyValue& mode = args.values[*given[3]];
      std::string text = mode.is(Value::Kind::String) ? text_of(mode) : "";
      if (text != "use_mm_for_euclid_dist_if_necessary" && text != "use_mm_for_euclid_dist" &&
          text != "donot_use_mm_for_euclid_dist")
        type_error_of_call(
            nullptr, args, args.spans[*given[3]],
            fmt::format("{} is not a valid value for compute_mode",
                        plain_text(mode, args.spans[*given[3]])),
            "write compute_mode='use_mm_for_euclid_dist_if_necessary' (the default)");
    }
    for (size_t slot = 0; slot < 2; ++slot) {
      const PyValue& v = args.values[*given[slot]];
      if (v.kind != PyValue::Kind::Tensor)
        type_error_of_call(nullptr, args, args.spans[*given[slot]],
                           fmt::format("cdist(): argument 'x{0}' (position {0}) must be Tensor, "
                                       "not {1}",
                                       slot + 1, parser_type(v)),
                           "give it the two sets of rows to compare first");
    }
    if (given[2]) {
      const PyValue& p = args.values[*given[2]];
      bool number = p.is(Value::Kind::Int) || p.is(Value::Kind::Float) || p.is(Value::Kind::Bool);
      if (!number && (tensor_like(p) || is_parameter_row(p)))  // PyTorch takes a 0-dim one
        unsupported_here(args.spans[*given[2]], "torch.cdist with a tensor as p",
                         "write p as a number: `p=2.0`");
      if (!number)
        type_error_of_call(
            nullptr, args, args.spans[*given[2]],
            fmt::format("cdist(): argument 'p' (position 3) must be float, not {}", parser_type(p)),
            "write p=2.0 (the norm's order)");
    }
    return row_arguments(args, kParams, given, 2);
  }

  // F.mse_loss(input, target, size_average=None, reduce=None, reduction='mean') and its
  // siblings, Python functions of torch/nn/functional.py: Python's binding, then
  // `target.size() == input.size()` (an AttributeError for what is no tensor, the target first).
  // The arguments as the op's row takes them; its rule checks the rest in F's order.
  Args loss_operands(const std::string& op, const Args& args, Span at) {
    static constexpr std::array<const char*, 5> kLegacy = {"input", "target", "size_average",
                                                           "reduce", "reduction"};
    static constexpr std::array<const char*, 6> kSmooth = {"input",  "target",    "size_average",
                                                           "reduce", "reduction", "beta"};
    static constexpr std::array<const char*, 4> kHuber = {"input", "target", "reduction", "delta"};
    std::span<const char* const> params = kLegacy;
    if (op == "smooth_l1_loss") params = kSmooth;
    if (op == "huber_loss") params = kHuber;
    std::string help = fmt::format("give it the prediction and the target: `F.{}(y, target)`", op);
    auto given = python_bound(op, params, 2, args, at, help);
    for (size_t slot : {1, 0}) {
      const PyValue& v = args.values[*given[slot]];
      if (v.kind != PyValue::Kind::Tensor)
        type_error_of_call(nullptr, args, args.spans[*given[slot]],
                           fmt::format("'{}' object has no attribute 'size'", type_of(v).name),
                           help);
    }
    return row_arguments(args, params, given, 2);
  }

  // torch.cdist's dtype errors, worded as each tensor comes (`st` has the inputs before `t`) and
  // raised by its rule in PyTorch's order: a tensor not of float32 or float64 (x1's first), or
  // x2 of the other of them (its kernel's error). float16 and bfloat16 fail in kernels that
  // depend on the row counts: refused.
  void cdist_dtype_error(Statement& st, const PyValue& t, Span at) {
    if (t.dtype == ElementType::Float16 || t.dtype == ElementType::BFloat16)
      unsupported_here(at, fmt::format("torch.cdist of a {} tensor", element_type_name(t.dtype)),
                       "compare float32 tensors: `torch.cdist(a.float(), b.float())`");
    if (!st.extras().dtype_error.empty()) return;
    bool first = st.inputs.empty();
    bool floating = t.dtype == ElementType::Float32 || t.dtype == ElementType::Float64;
    if (!floating) {
      st.extras_for_write().dtype_error =
          fmt::format("cdist only supports floating-point dtypes, X{} got: {}", first ? 1 : 2,
                      scalar_type_name(t.dtype));
    } else if (!first && t.dtype != first_input_type_) {
      StatementExtras& e = st.extras_for_write();
      e.dtype_error = fmt::format("expected scalar type {} but found {}",
                                  scalar_type_name(first_input_type_), scalar_type_name(t.dtype));
      e.dtype_error_computed = true;
    }
  }

  // torch.einsum's wrapper (torch/functional.py) before the op: at least an equation and an
  // operand; the sublist format (`einsum(a, [0, 1], b, [1, 2])`) is not followed.
  static void einsum_call_form(const Args& args, Span at) {
    if (args.values.size() < 2)
      raise(at,
            "einsum(): must specify the equation string and at least one operand, or at least "
            "one operand and its subscripts list",
            "pass the operands after the equation: `torch.einsum('ij,jk->ik', a, b)`");
    if (args.values[0].kind == PyValue::Kind::Tensor)
      unsupported_here(at, "einsum's sublist format (`einsum(a, [0, 1], b, [1, 2])`)",
                       "write the equation as a string: `torch.einsum('ij,jk->ik', a, b)`");
  }

  // `x.add(1)`, `torch.mul(x, 0.5)`, `x.div_(255)`: arithmetic of one tensor and a number keeps
  // the tensor's shape, as `x + 1` does. nullopt when it is not that.
  std::optional<PyValue> with_number(const std::string& op, const PyValue* self, const Args& args,
                                     Span at) {
    bool in_place = !op.empty() && op.back() == '_';
    std::string base = in_place ? op.substr(0, op.size() - 1) : op;
    static const std::map<std::string, std::string> kSymbols = {
        {"add", "+"}, {"sub", "-"}, {"mul", "*"}, {"div", "/"}};
    static const std::set<std::string> kComparisons = {"gt", "lt", "ge", "le", "eq", "ne"};
    auto symbol = kSymbols.find(base);
    bool comparison = !in_place && kComparisons.count(base) != 0;
    if (symbol == kSymbols.end() && !comparison) return std::nullopt;
    PyList operands;
    if (self) operands.push_back(*self);
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k.empty() || k == "input" || k == "other") operands.push_back(args.values[i]);
    }
    if (operands.size() != 2) return std::nullopt;
    bool t0 = operands[0].kind == PyValue::Kind::Tensor;
    bool t1 = operands[1].kind == PyValue::Kind::Tensor;
    if (t0 == t1 || !is_number(t0 ? operands[1] : operands[0])) return std::nullopt;
    if (comparison) {
      static const std::map<std::string, std::string> kCompared = {
          {"gt", ">"}, {"lt", "<"}, {"ge", ">="}, {"le", "<="}, {"eq", "=="}, {"ne", "!="}};
      return comparison_mask(kCompared.at(base), operands[0], operands[1], at);
    }
    // add/sub's alpha scales the number: x.add(1, alpha=2) is x + 2
    if (const PyValue* alpha = argument(args, SIZE_MAX, "alpha")) {
      if (!is_number(*alpha) || !t0 || (base != "add" && base != "sub"))
        unsupported_here(at, fmt::format("`{}` with this alpha", op),
                         "write the arithmetic out: `x + 2 * y`");
      if (type_category(operands[0].dtype) < 2 && alpha->is(Value::Kind::Float))
        torch_error(operands[0], at,
                    "For integral input tensors, argument alpha must not be a floating point "
                    "number.",
                    "give an integer alpha");
      Span number_at = operands[1].data.span;
      if (operands[1].is(Value::Kind::Float) || alpha->is(Value::Kind::Float)) {
        operands[1] = PyValue::of(
            Value::floating(number_of(operands[1], at) * number_of(*alpha, at), number_at));
      } else {
        Checked product = Checked(int_of(operands[1], at)) * int_of(*alpha, at);
        if (!product.ok()) raise(at, "integer overflow in alpha * other");
        operands[1] = PyValue::of(Value::integer(*product.get(), number_at));
      }
    }
    const PyValue* rounding = argument(args, SIZE_MAX, "rounding_mode");
    std::string mode;
    if (rounding && !rounding->is_none()) {
      if (!rounding->is(Value::Kind::String))
        unsupported_here(at, "a rounding_mode that is not a string", "write 'floor' or 'trunc'");
      mode = rounding->data.s.str();
      if (mode != "floor" && mode != "trunc")
        torch_error(
            t0 ? operands[0] : operands[1], at,
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + mode +
                "'",
            "give rounding_mode='floor' (as `//`) or 'trunc'");
    }
    return tensor_arithmetic(symbol->second, operands[0], operands[1], at, in_place, mode);
  }

  // A new tensor with t's shape and name, made with no layer of its own (`x * 2`, `x.abs()`,
  // `x.clone()`): a value of its own for add_outputs (`return h, h.abs()` are two tensors).
  PyValue copy_of(const PyValue& t, PyValue::Copy c) {
    check_piece_use(t, t.data.span);
    PyValue v = t.copied(c);
    if (t.instance == 0) v.name = current_name(t.name);  // a copy of what it holds now
    v.instance = ++copies_made_;
    if (forward_ && !grad_enabled_) v.no_grad = true;
    return v;
  }

  // torch.where(condition, x, y) of two tensors is a `where` row of (condition, x, y). With a
  // number, torch.where(condition, x, number) is x.masked_fill(~condition, number), and
  // torch.where(condition, number, x) x.masked_fill(condition, number): a masked_fill row, of
  // PyTorch's shape, type and values. Two numbers are not followed, nor is where(condition) (its
  // shape depends on the values).
  PyValue where_call(Span op_span, const PyValue* self, const Args& args, const Expr& call) {
    Span at = call.span;
    // x.where(condition, y) is torch.where(condition, x, y)
    const PyValue* condition = argument(args, 0, "condition");
    const PyValue* a = self ? self : argument(args, 1, "input");
    const PyValue* b = argument(args, self ? 1 : 2, "other");
    if (!condition || !a || !b || args.values.size() != (self ? 2u : 3u))
      unsupported_here(at, "this call of `torch.where`",
                       "write torch.where(condition, x, y): the nonzero form's shape depends on "
                       "the values");
    if (condition->kind != PyValue::Kind::Tensor)
      unsupported_here(at, "`torch.where` with a condition that is not a tensor");
    // PyTorch 1.13 takes a uint8 condition too, with a deprecation warning
    if (condition->dtype != ElementType::Bool && condition->dtype != ElementType::UInt8) {
      torch_error(*condition, at,
                  fmt::format("where expected condition to be a boolean tensor, but got a tensor "
                              "with dtype {}",
                              scalar_type_name(condition->dtype)),
                  "compare to make a mask: `torch.where(x > 0, x, 0.0)`");
    }
    bool ta = a->kind == PyValue::Kind::Tensor, tb = b->kind == PyValue::Kind::Tensor;
    if (ta && tb) {
      Args three;
      three.values = {*condition, *a, *b};
      three.keywords = {"", "", ""};
      three.spans = {args.spans[0], self ? a->data.span : args.spans[1], args.spans[self ? 1 : 2]};
      three.exprs = {&call, &call, &call};
      return tensor_op("where", op_span, nullptr, three, call, RowFor::where_of_tensors);
    }
    if (!ta && !tb && is_number(*a) && is_number(*b))
      return where_of_numbers(op_span, *condition, *a, *b, args, call);
    if (ta == tb || !is_number(ta ? *b : *a)) {
      unsupported_here(at, "this `torch.where`",
                       "netshape follows torch.where(condition, x, y) of tensors, numbers, or a "
                       "tensor and a number");
    }
    const PyValue& x = ta ? *a : *b;
    const PyValue& number = ta ? *b : *a;
    // masked_fill keeps x's type: where PyTorch promotes (an integer x and a float), not followed
    if (!is_floating(x.dtype) && !(type_category(x.dtype) == 1 && number.is(Value::Kind::Int))) {
      unsupported_here(
          at,
          fmt::format("`torch.where` of a {} tensor and this number", element_type_name(x.dtype)),
          "cast the tensor with `.float()` first");
    }
    // x where the condition is set: filled where it is not (`~` of a uint8 one is bitwise)
    PyValue unset = condition->dtype == ElementType::Bool
                        ? tensor_unary("~", *condition, at)
                        : comparison_mask("==", *condition, PyValue::of(Value::integer(0, at)), at);
    Args fill;
    fill.values = {ta ? unset : *condition, number};
    fill.keywords = {"", ""};
    fill.spans = {args.spans[0], ta ? args.spans[self ? 1 : 2] : args.spans[1]};
    fill.exprs = {&call, &call};
    return tensor_op("masked_fill", op_span, &x, fill, call, RowFor::where_with_number);
  }

  // torch.where(condition, a, b) of two numbers: a tensor of the condition's shape and the
  // numbers' type (float32 when either is a float, else int64) holding b, a masked_fill of a
  // where the condition is set.
  PyValue where_of_numbers(Span op_span, const PyValue& condition, const PyValue& a,
                           const PyValue& b, const Args& args, const Expr& call) {
    Span at = call.span;
    if (a.is(Value::Kind::Bool) || b.is(Value::Kind::Bool))
      unsupported_here(at, "`torch.where` of a bool number", "write the numbers as 1 and 0");
    bool floats = a.is(Value::Kind::Float) || b.is(Value::Kind::Float);
    PyValue filled = copy_of(condition, PyValue::Copy::Dense);
    filled.dtype = floats ? ElementType::Float32 : ElementType::Int64;
    filled.steps.clear();
    push_step(filled, ValueStep{ValueStep::Op::Fill, number_of(b, at)}, at);
    filled.data.span = at;
    Args fill;
    fill.values = {condition, a};
    fill.keywords = {"", ""};
    fill.spans = {args.spans[0], args.spans[1]};
    fill.exprs = {&call, &call};
    return tensor_op("masked_fill", op_span, &filled, fill, call, RowFor::where_with_number);
  }

  // x.abs(), torch.exp(x), x.pow(2), x.clamp(0, 1), x.sqrt_(): elementwise math of one tensor
  // keeps its shape, as arithmetic with a number does (a new tensor, x itself when in place).
  // Floating tensors keep their type; the float-valued functions make float32 of integers and
  // bools; the rest of other types is not followed. Tensor arguments (`x.pow(y)`) neither.
  std::optional<PyValue> unary_math(const std::string& op, const PyValue* self, const Args& args,
                                    Span at) {
    static const std::set<std::string> kFloatValued = {
        "exp",  "exp2",  "expm1", "log", "log2", "log10",     "log1p",
        "sqrt", "rsqrt", "sin",   "cos", "erf",  "reciprocal"};
    static const std::set<std::string> kSameType = {
        "abs",   "neg",  "negative", "square", "sign", "floor",     "ceil",      "round",
        "trunc", "frac", "pow",      "clamp",  "clip", "clamp_min", "clamp_max", "nan_to_num"};
    bool in_place = op.size() > 1 && op.back() == '_';
    std::string base = in_place ? op.substr(0, op.size() - 1) : op;
    bool float_valued = kFloatValued.count(base) != 0;
    if (!float_valued && !kSameType.count(base) && op != "logical_not") return std::nullopt;
    // The tensor: `x.exp()`'s self, else `torch.exp(x)`'s first argument or `input=`.
    const PyValue* t = self;
    size_t tensor_arg = SIZE_MAX;
    for (size_t i = 0; !t && i < args.values.size(); ++i)
      if ((i == 0 && args.keywords[i].empty()) || args.keywords[i] == "input")
        t = &args.values[tensor_arg = i];
    if (op == "logical_not") {  // a bool tensor: where each element is zero
      if (!t || t->kind != PyValue::Kind::Tensor || args.values.size() != (self ? 0 : 1))
        return std::nullopt;
      return t->dtype == ElementType::Bool
                 ? tensor_unary("~", *t, at)
                 : comparison_mask("==", *t, PyValue::of(Value::integer(0, at)), at);
    }
    if (base == "pow" && !self && t && is_number(*t))  // torch.pow(2, x): the exponent's shape
      return number_power(args, at);
    if (!t || t->kind != PyValue::Kind::Tensor) return std::nullopt;
    if (base == "nan_to_num") return nan_to_num(op, *t, args, tensor_arg, at);
    std::vector<const PyValue*> numbers;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (i == tensor_arg) continue;
      const PyValue& v = args.values[i];
      if (v.kind == PyValue::Kind::Tensor || v.kind == PyValue::Kind::Values)
        unsupported_here(args.spans[i], fmt::format("`{}` with a tensor argument", op),
                         "netshape follows elementwise math of one tensor and numbers");
      if (!is_number(v) && !v.is_none())
        unsupported_here(args.spans[i], fmt::format("this argument of `{}`", op));
      numbers.push_back(&v);
    }
    if ((base == "clamp" || base == "clip") &&
        std::all_of(numbers.begin(), numbers.end(),
                    [](const PyValue* v) { return v->is_none(); })) {
      torch_error(*t, at, "torch.clamp: At least one of 'min' or 'max' must not be None",
                  "give a bound: `x.clamp(min=0)`");
    }
    ElementType type = t->dtype;
    if (type == ElementType::Float16 && !has_half_cpu_kernel(base))
      unsupported_here(at, fmt::format("`{}` of a torch.float16 tensor", op),
                       "PyTorch 1.13 has no CPU kernel for most math of float16 tensors; cast "
                       "it with `.float()` first");
    if (type_category(type) < 2)
      type = float_valued ? ElementType::Float32 : integer_math_type(*t, op, base, numbers, at);
    PyValue out = in_place ? *t : copy_of(*t, PyValue::Copy::Dense);
    if (in_place) {
      type = written_type(*t, t->dtype, type, at);
      note_in_place_write(*t, at);
      note_values_unfollowed("`" + op + "`", at, Program::Unfollowed::InPlace);
    } else {
      out.dtype = type;  // the steps compute in the result's type (exp of integers: float32)
      unary_steps(out, base, args, at);
    }
    // What its backward keeps (PyTorch 1.13's derivatives.yaml): these their result, the
    // rest but neg, sign and the roundings (whose gradient needs nothing) their input.
    static const std::set<std::string> kKeepsResult = {"exp",  "exp2",  "expm1",
                                                       "sqrt", "rsqrt", "reciprocal"};
    static const std::set<std::string> kKeepsNothing = {"neg",  "negative", "sign",  "floor",
                                                        "ceil", "round",    "trunc", "frac"};
    if (in_place && !kKeepsNothing.count(base)) {
      note_unknown_save(op, at);
    } else if (!in_place && kKeepsResult.count(base)) {
      note_unrowed_save(UnrowedSave::Kept::Result, *t, &out, op, at);
    } else if (!in_place && !kKeepsNothing.count(base)) {
      note_unrowed_save(UnrowedSave::Kept::Input, *t, nullptr, op, at);
    }
    out.dtype = type;
    out.data.span = at;
    return out;
  }

  // x.nan_to_num(nan=0.0, posinf=None, neginf=None) (torch.nan_to_num, nan_to_num_): NaN, +inf
  // and -inf replaced, each None by 0 or by the type's largest and lowest finite value. Every
  // tensor keeps its type; an integer or bool one has nothing to replace (whatever the numbers).
  PyValue nan_to_num(const std::string& op, const PyValue& t, const Args& args, size_t tensor_arg,
                     Span at) {
    constexpr const char* kParams[] = {"nan", "posinf", "neginf"};
    std::array<std::optional<double>, 3> given;
    size_t positional = tensor_arg == SIZE_MAX ? 0 : 1;
    size_t first = positional;  // the numbers' positions count the tensor, as PyTorch's do
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (i == tensor_arg) continue;
      size_t k = 0;
      if (args.keywords[i].empty()) {
        k = positional++ - first;
        if (k >= 3)
          raise(args.spans[i],
                fmt::format("nan_to_num() takes from {} to {} positional arguments but {} were "
                            "given",
                            first, first + 3, first + positional_count(args, tensor_arg)),
                "give at most nan, posinf and neginf");
      } else {
        while (k < 3 && args.keywords[i] != kParams[k]) ++k;
        if (k == 3)
          raise(
              args.spans[i],
              fmt::format("nan_to_num() got an unexpected keyword argument '{}'", args.keywords[i]),
              "its numbers are nan=, posinf= and neginf=");
      }
      const PyValue& v = args.values[i];
      if (v.is_none()) continue;
      if (!is_number(v)) {
        std::string position =
            args.keywords[i].empty() ? fmt::format(" (position {})", positional) : "";
        raise(args.spans[i],
              fmt::format("nan_to_num(): argument '{}'{} must be float, not {}", kParams[k],
                          position, parser_type(v)),
              "give a number, or None");
      }
      given[k] = number_of(v, at);
    }
    bool in_place = op.back() == '_';
    PyValue out = in_place ? t : copy_of(t, PyValue::Copy::Dense);
    const NumberLimits* limits = float_limits(t.dtype);
    if (in_place) {
      note_in_place_write(t, at);
      note_values_unfollowed("`" + op + "`", at, Program::Unfollowed::InPlace);
      note_unknown_save(op, at);
    } else {
      if (limits) {
        using Op = ValueStep::Op;
        push_step(out, ValueStep{Op::NanTo, given[0].value_or(0.0)}, at);
        push_step(out, ValueStep{Op::PosInfTo, given[1].value_or(limits->max)}, at);
        push_step(out, ValueStep{Op::NegInfTo, given[2].value_or(-limits->max)}, at);
      }
      note_unrowed_save(UnrowedSave::Kept::Input, t, nullptr, op, at);
    }
    out.data.span = at;
    return out;
  }

  static size_t positional_count(const Args& args, size_t tensor_arg) {
    size_t n = 0;
    for (size_t i = 0; i < args.values.size(); ++i)
      n += i != tensor_arg && args.keywords[i].empty();
    return n;
  }

  // The type of `op` (abs, sign, clamp, pow, ...: unary_math's same-type functions) of an integer
  // or bool tensor with `numbers` (clamp's bounds, pow's exponent), as PyTorch 1.13 gives it: an
  // integer tensor keeps its type, unless a float number joins it (float32); a bool one becomes
  // int64 where a number joins it (and in square, pow(2) of it), stays bool in sign. What PyTorch
  // has no CPU kernel for is its error. `base` is `op` without the `_` of an in-place call.
  static ElementType integer_math_type(const PyValue& t, const std::string& op,
                                       const std::string& base,
                                       const std::vector<const PyValue*>& numbers, Span at) {
    bool is_bool = t.dtype == ElementType::Bool;
    if (t.dtype == ElementType::UInt8)
      unsupported_here(at, fmt::format("`{}` of a torch.uint8 tensor", op),
                       "cast it with `.float()` or `.long()` first");
    auto no_kernel = [&](const char* kernel) {
      torch_error(t, at,
                  fmt::format("\"{}\" not implemented for '{}'", kernel, scalar_type_name(t.dtype)),
                  "cast it with `.float()` first");
    };
    bool decimals = base == "round" && !numbers.empty() && !numbers[0]->is_none();
    if (base == "frac") no_kernel("frac_cpu");
    if (decimals) no_kernel("round_cpu");
    if (is_bool && base == "abs") no_kernel("abs_cpu");
    if (is_bool && (base == "floor" || base == "ceil" || base == "round" || base == "trunc"))
      no_kernel((base + "_vml_cpu").c_str());
    if (is_bool && (base == "neg" || base == "negative")) {
      torch_error(t, at, kBoolNegation, "invert a mask with `~mask`");
    }
    bool with_numbers = base == "pow" || base == "clamp" || base == "clip" || base == "clamp_min" ||
                        base == "clamp_max";
    for (const PyValue* n : numbers) {
      if (n->is(Value::Kind::Bool))
        unsupported_here(
            at, fmt::format("`{}` of a {} tensor with a bool", op, element_type_name(t.dtype)),
            "cast the tensor with `.float()` first");
      if (with_numbers && n->is(Value::Kind::Float)) return ElementType::Float32;
    }
    if (base == "pow" && !numbers.empty() && numbers[0]->is(Value::Kind::Int) &&
        numbers[0]->data.i < 0) {
      torch_error(t, at, "Integers to negative integer powers are not allowed.",
                  "use a float exponent (`x.pow(-1.0)`), or cast the tensor with `.float()` first");
    }
    if (is_bool && (with_numbers || base == "square")) return ElementType::Int64;
    return t.dtype;
  }

  // The steps of x.<base>(args) (unary_math) on `out`, the copy it makes.
  void unary_steps(PyValue& out, const std::string& base, const Args& args, Span at) {
    using Op = ValueStep::Op;
    static const std::map<std::string, Op> kNoArgument = {
        {"exp", Op::Exp},      {"exp2", Op::Exp2},
        {"expm1", Op::Expm1},  {"log", Op::Log},
        {"log2", Op::Log2},    {"log10", Op::Log10},
        {"log1p", Op::Log1p},  {"sqrt", Op::Sqrt},
        {"rsqrt", Op::Rsqrt},  {"sin", Op::Sin},
        {"cos", Op::Cos},      {"erf", Op::Erf},
        {"abs", Op::Abs},      {"neg", Op::Neg},
        {"negative", Op::Neg}, {"square", Op::Square},
        {"sign", Op::Sign},    {"floor", Op::Floor},
        {"ceil", Op::Ceil},    {"trunc", Op::Trunc},
        {"frac", Op::Frac},    {"reciprocal", Op::Reciprocal},
        {"round", Op::Round}};
    // a number argument, by its position after the tensor (`torch.clamp(x, 0, 1)` has it first,
    // `x.clamp(0, 1)` not among args) or by keyword
    bool tensor_first = !args.values.empty() && args.keywords[0].empty() &&
                        args.values[0].kind == PyValue::Kind::Tensor;
    auto number = [&](size_t position, const char* keyword) -> const PyValue* {
      const PyValue* v = argument(args, position + (tensor_first ? 1 : 0), keyword);
      return v && is_number(*v) ? v : nullptr;
    };
    auto it = kNoArgument.find(base);
    if (it != kNoArgument.end()) {
      if (base == "round" && number(0, "decimals"))
        return note_values_unfollowed("`round(decimals=...)`", at);
      push_step(out, ValueStep{it->second, 0.0}, at);
    } else if (base == "pow") {
      const PyValue* e = number(0, "exponent");
      if (!e) return note_values_unfollowed("`pow`", at);
      push_step(out, ValueStep{Op::Pow, number_of(*e, at)}, at);
    } else if (base == "clamp" || base == "clip" || base == "clamp_min" || base == "clamp_max") {
      bool only_max = base == "clamp_max";
      const PyValue* lo = only_max ? nullptr : number(0, "min");
      const PyValue* hi = base == "clamp_min" ? nullptr : number(only_max ? 0 : 1, "max");
      if (lo) push_step(out, ValueStep{Op::ClampMin, number_of(*lo, at)}, at);
      if (hi) push_step(out, ValueStep{Op::ClampMax, number_of(*hi, at)}, at);
    } else {
      note_values_unfollowed("`" + base + "`", at);
    }
  }

  // An op with no row whose backward keeps a tensor: `--memory` counts it with the rows
  // (Program::unrowed_saves) when `source` needs a gradient. `result`: the copy it makes.
  void note_unrowed_save(UnrowedSave::Kept kept, const PyValue& source, const PyValue* result,
                         const std::string& op, Span at) {
    if (!forward_ || source.no_grad || !grad_enabled_) return;  // no gradient: nothing kept
    if (source.copy == PyValue::Copy::Contiguous) return note_unknown_save(op, at);
    UnrowedSave u;
    u.kept = kept;
    u.tensor = source.name;
    u.input_instance = source.instance;
    u.result_instance = result ? result->instance : 0;
    u.at = at;
    L.program_.unrowed_saves.push_back(std::move(u));
  }
  // One whose saved tensor netshape does not know (in place: `x.clamp_(0, 1)`): `--memory` does
  // not count what training saves (Program::unrowed_save_at).
  void note_unknown_save(const std::string& op, Span at) {
    if (forward_ && !L.program_.unrowed_save_at.valid()) {
      L.program_.unrowed_save_at = at;
      L.program_.unrowed_save_op = op;
    }
  }

  // A value forward changes that `run` does not compute (in place into a tensor others may hold,
  // random values): `run` says its values after `at` are not PyTorch's (Program). `what` is
  // shown as written: "`+=`", "a cast to torch.float16".
  void note_values_unfollowed(const std::string& what, Span at,
                              Program::Unfollowed kind = Program::Unfollowed::Other) {
    if (forward_ && !L.program_.values_unfollowed_at.valid()) {
      L.program_.values_unfollowed_at = at;
      L.program_.values_unfollowed_op = what;
      L.program_.values_unfollowed_kind = kind;
    }
  }

  // The step `tensor op number` is (`reversed`: `number op tensor`), a division's rounding_mode
  // ("floor", "trunc") given; nullopt for an operator `run` does not compute.
  static std::optional<ValueStep::Op> arithmetic_step(const std::string& op, bool reversed,
                                                      std::string_view rounding = {}) {
    using Op = ValueStep::Op;
    if (op == "+") return Op::Add;
    if (op == "-") return reversed ? Op::SubFrom : Op::Sub;
    if (op == "*") return Op::Mul;
    if ((op == "/" && rounding == "floor") || op == "//")
      return reversed ? Op::FloorDivInto : Op::FloorDiv;
    if (op == "/" && rounding == "trunc") return reversed ? Op::TruncDivInto : Op::TruncDiv;
    if (op == "/") return reversed ? Op::DivInto : Op::Div;
    if (op == "%") return reversed ? Op::ModInto : Op::Mod;
    if (op == "**") return reversed ? Op::PowOf : Op::Pow;
    // `x > 0` is `0 < x`: a comparison with the tensor on the right turns around
    if (op == "==") return Op::Eq;
    if (op == "!=") return Op::Ne;
    if (op == "<") return reversed ? Op::Gt : Op::Lt;
    if (op == "<=") return reversed ? Op::Ge : Op::Le;
    if (op == ">") return reversed ? Op::Lt : Op::Gt;
    if (op == ">=") return reversed ? Op::Le : Op::Ge;
    return std::nullopt;
  }

  // `out` (a copy of a tensor) with the step `op number` appended; an op `run` does not compute
  // is noted instead.
  void add_step(PyValue& out, std::optional<ValueStep::Op> op, double number,
                const std::string& written, Span at) {
    if (op)
      push_step(out, ValueStep{*op, number}, at);
    else
      note_values_unfollowed("`" + written + "`", at);
  }
  // One more step of `out`; past limits::kMaxValueSteps (a loop doing `x = x * 2` a million
  // times), noted instead: a tensor carries its steps in every copy.
  // Computed as PyTorch computes in out's dtype (which is the step's result's, or for a
  // comparison the compared tensor's): a float64 or integer one in double, else in float32.
  void push_step(PyValue& out, ValueStep step, Span at) {
    step.exact = type_category(out.dtype) < 2 || out.dtype == ElementType::Float64;
    if (type_category(out.dtype) == 1 && out.dtype != ElementType::UInt8)
      step.integer_bits = static_cast<uint8_t>(8 * element_bytes(out.dtype));
    if (out.steps.size() < limits::kMaxValueSteps)
      out.steps.push_back(step);
    else
      note_values_unfollowed(
          fmt::format("more than {} elementwise steps on one tensor", limits::kMaxValueSteps), at);
  }

  // `out`'s values all `value`, converted to its type as torch.full and full_like convert it.
  void filled_with(PyValue& out, double value, Span at) {
    if (out.dtype == ElementType::Bool) value = value != 0 ? 1.0 : 0.0;
    if (type_category(out.dtype) < 2 && out.dtype != ElementType::Bool) {
      bool fits = out.dtype == ElementType::UInt8
                      ? value > -1 && value < 256
                      : std::fabs(value) < std::ldexp(1.0, 8 * element_bytes(out.dtype) - 1);
      if (!fits) note_values_unfollowed("a fill value out of the tensor type's range", at);
      value = std::trunc(value);
    }
    out.steps.clear();
    push_step(out, ValueStep{ValueStep::Op::Fill, value}, at);
  }

  // torch.full(size, fill_value, dtype=None, ...) (LLaMA's causal mask, `torch.full((n, n),
  // float("-inf"))`): a `zeros` row of those sizes, of the fill value's type (bool, int64 or
  // float32, as PyTorch infers it) or its dtype=, whose values are the fill value. Made in
  // __init__, a tensor of those sizes and that type (made_tensor).
  PyValue full_tensor(const Args& args, Span op_span, const Expr& call) {
    auto [sized, fill] = full_arguments(args, call.span);
    PyValue out = tensor_op("zeros", op_span, nullptr, sized, call);
    check_fill_number(out, out, fill, call.span);
    filled_with(out, number_of(fill, call.span), call.span);
    return out;
  }

  // torch.full's sizes (with its keywords, and dtype= as it infers it when not given), and its
  // fill value; PyTorch's TypeErrors for others.
  std::pair<Args, PyValue> full_arguments(const Args& args, Span at) {
    const PyValue* size = argument(args, 0, "size");
    const PyValue* fill = argument(args, 1, "fill_value");
    const char* help = "write torch.full((n, m), value)";
    if (!size || !fill)
      raise(at,
            "full() received an invalid combination of arguments: it takes the sizes and a "
            "fill value",
            help);
    bool sizes = size->kind == PyValue::Kind::Tuple || size->kind == PyValue::Kind::List ||
                 size->kind == PyValue::Kind::Shape;
    if (!sizes)
      raise(at,
            fmt::format("full(): argument 'size' (position 1) must be tuple of SymInts, not {}",
                        type_name(*size)),
            help);
    if (!is_number(*fill))
      raise(at,
            fmt::format("full(): argument 'fill_value' (position 2) must be Number, not {}",
                        type_name(*fill)),
            help);
    Args out;
    auto add = [&](PyValue v, std::string keyword) {
      out.values.push_back(std::move(v));
      out.keywords.push_back(std::move(keyword));
      out.spans.push_back(at);
      out.exprs.push_back(nullptr);
    };
    PyList dims = size->kind == PyValue::Kind::Shape ? shape_items(*size, at) : iterate(*size, at);
    for (const PyValue& d : dims)
      if (!d.is(Value::Kind::Int) && !d.is(Value::Kind::DimRef))
        raise(at,
              fmt::format("full(): argument 'size' (position 1) must be tuple of SymInts, not {}",
                          type_name(*size)),
              help);
    add(make_tuple(std::move(dims)), "");  // one sequence: `()` makes a 0-dim tensor
    for (size_t i = 0; i < args.values.size(); ++i)
      if (!args.keywords[i].empty() && args.keywords[i] != "size" &&
          args.keywords[i] != "fill_value")
        add(args.values[i], args.keywords[i]);
    if (!argument(args, SIZE_MAX, "dtype"))
      add(PyValue::builtin(fill->is(Value::Kind::Bool)  ? "torch.bool"
                           : fill->is(Value::Kind::Int) ? "torch.int64"
                                                        : "torch.float32"),
          "dtype");
    return {out, *fill};
  }

  // torch.zeros_like(x) (ones, empty, rand, randn, full): a new tensor of x's shape and type
  // (or its dtype=), laid out as x, with no row of its own (as `x * 0` has none).
  // x.new_zeros(2, 3) (new_ones, new_empty, new_full): torch.zeros(2, 3) of x's type.
  std::optional<PyValue> made_like(const std::string& op, const PyValue* self, const Args& args,
                                   const Expr& call) {
    static const std::set<std::string> kLike = {"zeros_like", "ones_like",  "empty_like",
                                                "rand_like",  "randn_like", "full_like"};
    static const std::map<std::string, std::string> kNew = {{"new_zeros", "zeros"},
                                                            {"new_ones", "ones"},
                                                            {"new_empty", "empty"},
                                                            {"new_full", "zeros"},
                                                            {"new", "empty"}};
    if (kLike.count(op)) {
      const PyValue* t = self ? self : argument(args, 0, "input");
      if (!t || t->kind != PyValue::Kind::Tensor) return std::nullopt;
      // laid out as x (torch.preserve_format), or contiguous if asked (channels-last: refused)
      PyValue out = copy_of(*t, memory_format(args, false, PyValue::Copy::Dense));
      if (std::optional<ElementType> type = made_type(op, args);
          type && argument(args, SIZE_MAX, "dtype"))
        out.dtype = *type;
      check_random_type(op, out.dtype, call.span);
      const PyValue* fill = op == "full_like" ? argument(args, 1, "fill_value") : nullptr;
      if (fill && is_number(*fill)) check_fill_number(*t, out, *fill, call.span);
      if (op == "zeros_like" || op == "ones_like" || (fill && is_number(*fill))) {
        double value = op == "zeros_like"  ? 0.0
                       : op == "ones_like" ? 1.0
                                           : number_of(*fill, call.span);
        filled_with(out, value, call.span);
      } else {
        note_values_unfollowed("`" + op + "`", call.span);  // random or uninitialised values
      }
      out.data.span = call.span;
      return out;
    }
    auto made = kNew.find(op);
    if (made == kNew.end() || !self) return std::nullopt;
    // the legacy `weight.new(2, 3)`: sizes; given a tuple, a list or a tensor it copies data
    if (op == "new" && !std::all_of(args.values.begin(), args.values.end(), [](const PyValue& v) {
          return v.is(Value::Kind::Int) || v.is(Value::Kind::DimRef);
        }))
      unsupported_here(call.span, "`new()` given data, not sizes",
                       "write `weight.new_tensor(data)`, or `weight.new_zeros(sizes)`");
    if (op == "new" && !args.keywords.empty() &&
        std::any_of(args.keywords.begin(), args.keywords.end(),
                    [](const std::string& k) { return !k.empty(); }))
      unsupported_here(call.span, "`new()` with keywords", "write `weight.new_zeros(sizes)`");
    if (op == "new") note_values_unfollowed("`new`", call.span);  // uninitialised
    Args sizes;  // new_full's fill value is not a size
    size_t size_args = op == "new_full" ? 1 : args.values.size();
    for (size_t i = 0; i < args.values.size(); ++i) {
      bool positional = args.keywords[i].empty();
      if ((positional && i >= size_args) || args.keywords[i] == "fill_value") continue;
      sizes.values.push_back(args.values[i]);
      sizes.keywords.push_back(args.keywords[i] == "size" ? "" : args.keywords[i]);
      sizes.spans.push_back(args.spans[i]);
      sizes.exprs.push_back(args.exprs[i]);
    }
    PyValue out = tensor_op(made->second, call.span, nullptr, sizes, call);
    if (!argument(args, SIZE_MAX, "dtype")) out.dtype = self->dtype;
    if (op == "new_full") {  // a zeros row: its fill value is not computed
      const PyValue* fill = argument(args, 1, "fill_value");
      if (fill && is_number(*fill)) check_fill_number(*self, out, *fill, call.span);
      if (!fill || !is_number(*fill) || number_of(*fill, call.span) != 0.0)
        note_values_unfollowed("`new_full`", call.span);
    }
    return out;
  }

  // The elementwise math PyTorch 1.13's CPU kernels do for float16 tensors (the rest raise
  // `"clamp_scalar_cpu" not implemented for 'Half'` and the like).
  static bool has_half_cpu_kernel(const std::string& base) {
    for (const char* op : {"abs", "neg", "negative", "pow", "reciprocal", "square", "sign", "frac",
                           "exp2", "nan_to_num"})
      if (base == op) return true;
    return false;
  }

  // torch.pow(2, x): a number to the powers of a tensor, of its shape (a floating one keeps its
  // type; other types are not followed).
  PyValue number_power(const Args& args, Span at) {
    const PyValue* exponent = argument(args, 1, "exponent");
    if (!exponent || exponent->kind != PyValue::Kind::Tensor)
      unsupported_here(at, "this use of `torch.pow`", "write `base ** x` or `x.pow(2)`");
    if (type_category(exponent->dtype) < 2)
      unsupported_here(at, fmt::format("`pow` of a {} tensor", element_type_name(exponent->dtype)),
                       "cast it with `.float()` first");
    PyValue out = copy_of(*exponent, PyValue::Copy::Dense);
    const PyValue* base = argument(args, 0, "self");
    add_step(out, base && is_number(*base) ? std::optional(ValueStep::Op::PowOf) : std::nullopt,
             base && is_number(*base) ? number_of(*base, at) : 0.0, "pow", at);
    note_unrowed_save(UnrowedSave::Kept::Result, *exponent, &out, "pow", at);
    note_unrowed_save(UnrowedSave::Kept::Base, *exponent, nullptr, "pow", at);
    out.data.span = at;
    return out;
  }

  bool is_tensor_sequence(const PyValue& v) {
    if (v.kind != PyValue::Kind::Tuple && v.kind != PyValue::Kind::List) return false;
    PyList items = iterate(v, Span{});
    return !items.empty() && std::all_of(items.begin(), items.end(), [](const PyValue& t) {
      return t.kind == PyValue::Kind::Tensor;
    });
  }

  // The functions of torch and torch.nn.functional netshape follows in forward, by the op name
  // they lower to; nullopt for another name.
  // torch.zeros(1, 1, 768) in __init__: a tensor netshape knows by its sizes (a buffer, or the
  // data of an nn.Parameter); nullopt for another name.
  std::optional<PyValue> made_tensor(const std::string& n, const Args& args, Span at) {
    if (auto legacy = legacy_constructor(n, args, at)) return legacy;
    if (n == "torch.full") {  // its values are not followed in __init__: an empty of its sizes
      auto [sized, fill] = full_arguments(args, at);
      std::optional<PyValue> made = made_tensor("torch.empty", sized, at);
      if (made)
        check_fill_value(made->dtype, fill.is(Value::Kind::DimRef) ? resolved(fill, at) : fill, at);
      return made;
    }
    if (n == "torch.eye") return made_identity(args, at);
    std::string op = n.rfind("torch.", 0) == 0 ? n.substr(6) : "";
    std::optional<OpId> id = find_op(op);  // the source family's ops that take sizes
    bool sized = id && op_info(*id).family == Family::source &&
                 op_info(*id).kind != OpKind::parameter && op_info(*id).kind != OpKind::arange;
    if (!sized) return std::nullopt;
    PyValue t = made_shell(op, n, args, at);
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (!args.keywords[i].empty() && args.keywords[i] != "size")
        continue;  // dtype=, device=, requires_grad=
      for (const PyValue& v :
           args.values[i].kind == PyValue::Kind::Tuple || args.values[i].kind == PyValue::Kind::List
               ? iterate(args.values[i], at)
               : PyList{args.values[i]})
        t.items.push_back(data_int(int_of(v, at), at));
    }
    return t;
  }

  // torch.rand / randn (and their _like) of an integer or bool type: PyTorch's random kernels
  // have none.
  static void check_random_type(std::string_view op, ElementType type, Span at) {
    if (type_category(type) >= 2) return;
    const char* kernel = op == "randn" || op == "randn_like" ? "normal_kernel_cpu"
                         : op == "rand" || op == "rand_like" ? "check_uniform_bounds"
                                                             : nullptr;
    if (!kernel) return;
    raise_torch(at, fmt::format("\"{}\" not implemented for '{}'", kernel, scalar_type_name(type)),
                "random values are floating: give dtype=torch.float32, or use torch.randint for "
                "integers");
  }

  // A new made tensor of op `op` (its sizes still to add), of the type `dtype=` names; `call` is
  // the function as written, for the refusal of a dtype netshape cannot read.
  PyValue made_shell(const std::string& op, const std::string& call, const Args& args, Span at) {
    PyValue t;
    t.kind = PyValue::Kind::Made;
    t.name = op;
    t.made = next_made_++;
    t.data.span = at;
    if (const PyValue* dtype = argument(args, SIZE_MAX, "dtype"); dtype && !dtype->is_none()) {
      std::optional<ElementType> type = element_type_of(*dtype);
      if (!type) unsupported_here(at, "this dtype= of " + call, "write a dtype: `torch.float32`");
      t.dtype = *type;
    }
    check_random_type(op, t.dtype, at);
    return t;
  }

  // torch.eye(n, m=None) in __init__ (PointNet's identity, a buffer): an `eye` of sizes [n, m],
  // whose row in forward is eye(n, m). PyTorch's errors for its sizes are raised here.
  PyValue made_identity(const Args& args, Span at) {
    const PyValue* n = argument(args, 0, "n");
    if (!n)
      raise_torch(at, "eye() missing 1 required positional arguments: \"n\"", "e.g. torch.eye(3)");
    const PyValue* m = argument(args, 1, "m");
    PyValue t = made_shell("eye", "torch.eye", args, at);
    t.items.push_back(data_int(identity_size(*n, "n", at), at));
    t.items.push_back(data_int(identity_size(m ? *m : *n, "m", at), at));
    return t;
  }

  // One of torch.eye's sizes in __init__, with PyTorch's errors there (the rule's in forward).
  int64_t identity_size(const PyValue& v, const char* param, Span at) {
    if (v.is(Value::Kind::Bool) || v.is(Value::Kind::Float) || v.is_none())
      raise_torch(
          at,
          param[0] == 'n'
              ? fmt::format("eye(): argument 'n' (position 1) must be int, not {}", type_name(v))
              : fmt::format("eye() received an invalid combination of "
                            "arguments - got (int, {}), but expected one of:",
                            type_name(v)),
          "give torch.eye integer sizes");
    int64_t size = int_of(v, at);
    if (size < 0)
      raise_torch(at, fmt::format("{} must be greater or equal to 0, got {}", param, size),
                  fmt::format("give {} a size of 0 or more", param));
    return size;
  }

  // `torch.Tensor(4, 8)`, `torch.FloatTensor(out_features)` (legacy constructors, as custom
  // layers make their nn.Parameter): an uninitialised tensor of those sizes, torch.empty of the
  // class's dtype. Given data (`torch.Tensor([1, 2])`) or nothing, it is not followed.
  std::optional<PyValue> legacy_constructor(const std::string& n, const Args& args, Span at) {
    static const std::map<std::string, ElementType> kLegacy = {
        {"torch.Tensor", ElementType::Float32},       {"torch.FloatTensor", ElementType::Float32},
        {"torch.DoubleTensor", ElementType::Float64}, {"torch.HalfTensor", ElementType::Float16},
        {"torch.LongTensor", ElementType::Int64},     {"torch.IntTensor", ElementType::Int32},
        {"torch.ByteTensor", ElementType::UInt8},     {"torch.BoolTensor", ElementType::Bool}};
    auto legacy = kLegacy.find(n);
    if (legacy == kLegacy.end()) return std::nullopt;
    // `torch.Tensor((0.4488, 0.4371, 0.4040))` (EDSR's mean): the data, as torch.tensor of the
    // class's type would hold it
    bool data =
        args.values.size() == 1 && args.keywords[0].empty() &&
        (args.values[0].kind == PyValue::Kind::List || args.values[0].kind == PyValue::Kind::Tuple);
    if (data && legacy->second == ElementType::Float32)
      return tensor_of_data(args.values[0], DType::Float32, at);
    if (data && legacy->second == ElementType::Int64)
      return tensor_of_data(args.values[0], DType::Int64, at);
    if (args.values.empty())
      unsupported_here(at, fmt::format("`{}()` without sizes", n),
                       "give its sizes: `torch.empty(4, 8)`");
    for (size_t i = 0; i < args.values.size(); ++i) {
      bool size = args.keywords[i].empty() &&
                  (args.values[i].is(Value::Kind::Int) || args.values[i].is(Value::Kind::DimRef));
      if (!size)
        unsupported_here(args.spans[i], fmt::format("this argument of `{}`", n),
                         "netshape follows the legacy constructors given sizes "
                         "(`torch.Tensor(4, 8)`), and torch.Tensor, FloatTensor and LongTensor "
                         "given a list or tuple of data; else write `torch.tensor([...])`");
    }
    return made_of(shape_items_of(args, at), legacy->second, at);
  }

  Sizes shape_items_of(const Args& args, Span at) {
    Sizes sizes;
    for (const PyValue& v : args.values) {
      int64_t size = int_of(v, at);
      if (size < 0)
        raise_torch(
            at, fmt::format("Trying to create tensor with negative dimension {}: [{}]", size, size),
            "give sizes of at least 0");
      sizes.push_back(size);
    }
    return sizes;
  }

  // A tensor made in __init__ (a buffer's, a causal mask's) reshaped or cut to a triangle there:
  // `torch.tril(torch.ones(n, n)).view(1, 1, n, n)`. Its sizes are followed, its values not (a
  // triangle is `empty` to the forward). nullopt for another method.
  std::optional<PyValue> made_method(const PyValue& made, const std::string& name, const Args& args,
                                     Span at) {
    if (name == "tril" || name == "triu") {
      if (made.items.size() < 2)
        raise_torch(at,
                    made.items.empty()
                        ? "Dimension specified as -2 but tensor has no dimensions"
                        : "Dimension out of range (expected to be in range of [-1, 0], "
                          "but got -2)",
                    name + " takes matrices (at least 2 dims)");
      if (const PyValue* d = argument(args, 0, "diagonal")) int_of(*d, at);
      PyValue t = made;
      t.name = "empty";
      t.values_unknown = true;
      t.made = next_made_++;
      return t;
    }
    if (name != "view" && name != "reshape") return std::nullopt;
    if (name == "view" && made.strided)
      unsupported_here(at, "view() of a tensor made in __init__ that is not contiguous there",
                       "use .reshape(), or .contiguous() first");
    std::vector<int64_t> sizes;
    for (const PyValue& v :
         args.values.size() == 1 && (args.values[0].kind == PyValue::Kind::Tuple ||
                                     args.values[0].kind == PyValue::Kind::List)
             ? iterate(args.values[0], at)
             : args.values)
      sizes.push_back(int_of(v, at));
    Checked elements = 1, known = 1;
    for (const PyValue& d : made.items) elements = elements * int_of(d, at);
    size_t inferred = SIZE_MAX;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] == -1 && inferred != SIZE_MAX)
        raise_torch(at, "only one dimension can be inferred");
      if (sizes[i] == -1) {
        inferred = i;
        continue;
      }
      if (sizes[i] < 0) raise_torch(at, fmt::format("invalid shape dimension {}", sizes[i]));
      known = known * sizes[i];
    }
    if (!elements.ok() || !known.ok()) raise(at, "integer overflow in the sizes of " + name);
    int64_t count = *elements.get(), product = *known.get();
    bool has_inferred = inferred != SIZE_MAX;
    if (auto error = view_size_error(count, product, has_inferred,
                                     fmt::format("{}", fmt::join(sizes, ", "))))
      raise_torch(at, *error,
                  has_inferred && product == 0 && count == 0
                      ? "write every size: with a 0 among them, -1 is any"
                      : "the sizes must multiply to the tensor's element count");
    if (has_inferred) sizes[inferred] = count / product;
    PyValue t = made;
    // A view of an nn.Parameter is a plain tensor: module attributes of it are no parameters.
    // Its values are the weights' (and an identity's viewed are no identity): not followed.
    if (t.name == "parameter" || t.name == "eye") {
      t.name = "empty";
      t.values_unknown = true;
    }
    t.items.clear();
    for (int64_t s : sizes) t.items.push_back(data_int(s, at));
    t.made = next_made_++;
    return t;
  }

  using NormedWeight = StatementExtras::NormedWeight;

  // The arguments of a Python function `what(params...)`, the first `required` of them without a
  // default, bound as Python binds them (by position or keyword), else Python's TypeError.
  std::vector<const PyValue*> bind_python_args(const Args& args, const char* what,
                                               std::initializer_list<const char*> params,
                                               size_t required, Span at) {
    std::vector<const char*> names(params);
    std::vector<const PyValue*> bound(names.size(), nullptr);
    std::string help = fmt::format("its parameters are {}({})", what, fmt::join(names, ", "));
    size_t positional =
        static_cast<size_t>(std::count_if(args.keywords.begin(), args.keywords.end(),
                                          [](const std::string& k) { return k.empty(); }));
    if (positional > names.size())
      raise(at,
            fmt::format("{}() takes from {} to {} positional arguments but {} were given", what,
                        required, names.size(), positional),
            help);
    size_t next = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      size_t slot = next;
      if (k.empty()) {
        ++next;
      } else {
        auto it = std::find_if(names.begin(), names.end(), [&](const char* n) { return k == n; });
        if (it == names.end())
          raise(at, fmt::format("{}() got an unexpected keyword argument '{}'", what, k), help);
        slot = static_cast<size_t>(it - names.begin());
        if (bound[slot])
          raise(at, fmt::format("{}() got multiple values for argument '{}'", what, k), help);
      }
      bound[slot] = &args.values[i];
    }
    for (size_t i = 0; i < required; ++i)
      if (!bound[i])
        raise(at, fmt::format("{}() missing 1 required positional argument: '{}'", what, names[i]),
              help);
    return bound;
  }

  // nn.utils.weight_norm(module, name='weight', dim=0): the same module, its `weight` now the two
  // parameters weight_g and weight_v. Inference makes them (it knows the weight's shape, and
  // refuses a layer that has none, or a dim out of its range). PyTorch's checks in its order.
  PyValue weight_norm(const Args& args, Span at) {
    auto bound = bind_python_args(args, "weight_norm", {"module", "name", "dim"}, 1, at);
    NormedWeight wn;
    wn.at = at;
    const PyValue& module = layer_with_hooks(*bound[0], wn, at);
    if (!normalised_layer(module, wn, bound[1], at)) {
      raise_torch(at, "KeyError: 'weight'",
                  "the layer's weight is spectral_norm's already: apply one of them");
    }
    wn.whole = bound[2] && bound[2]->is(Value::Kind::None);
    if (bound[2] && !wn.whole) {
      // norm_except_dim(weight, 2, dim) takes an int: a bool or float is its TypeError (once the
      // layer's weight is found: a layer without one is inference's error, as PyTorch's first)
      if (not_an_int(*bound[2]) && has_weight_attribute(module.module->op, "weight"))
        raise_torch(at,
                    fmt::format("norm_except_dim(): argument 'dim' (position 3) must be int, "
                                "not {}",
                                python_type(bound[2]->data)),
                    "give dim as an int (0, the default), or None for the whole weight");
      wn.dim = int_of(*bound[2], at);
    }
    if (wn.dim == -1) wn.whole = true;  // as PyTorch's norm_except_dim reads -1: every dim
    normed_weights_.emplace(module.module->id, wn);
    return module;
  }

  // nn.utils.spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None): the
  // same module, its `weight` now the parameter weight_orig (and the buffers weight_u, weight_v).
  // dim None is 1 for a transposed convolution (its weight is [in, out, ...]), else 0.
  PyValue spectral_norm(const Args& args, Span at) {
    auto bound = bind_python_args(args, "spectral_norm",
                                  {"module", "name", "n_power_iterations", "eps", "dim"}, 1, at);
    NormedWeight sn;
    sn.kind = NormedWeight::Kind::spectral_norm;
    sn.at = at;
    const PyValue& module = layer_with_hooks(*bound[0], sn, at);
    if (bound[2] && int_of(*bound[2], at) <= 0)
      raise_torch(at,
                  fmt::format("Expected n_power_iterations to be positive, but got "
                              "n_power_iterations={}",
                              int_of(*bound[2], at)),
                  "use n_power_iterations=1 (the default) or more");
    if (!normalised_layer(module, sn, bound[1], at))
      raise_torch(at, "KeyError: 'weight'",
                  "the layer's weight is weight_norm's already: apply one of them");
    if (bound[4] && !bound[4]->is(Value::Kind::None)) {
      // A dim other than 0 permutes the weight to a matrix, `permute(dim, ...)`, whose parser
      // takes ints: a bool or float there is its TypeError (one equal to 0 permutes nothing)
      if (not_an_int(*bound[4]) && number_of(*bound[4], at) != 0.0 &&
          has_weight_attribute(module.module->op, "weight"))
        raise_torch(at,
                    fmt::format("permute(): argument 'dims' (position 1) must be tuple of ints, "
                                "not {}",
                                python_type(bound[4]->data)),
                    "give dim as an int: 0, or 1 for a transposed convolution's weight");
      sn.dim = not_an_int(*bound[4]) ? 0 : int_of(*bound[4], at);
    } else
      sn.dim = module.module->op.rfind("ConvTranspose", 0) == 0 ? 1 : 0;
    normed_weights_.emplace(module.module->id, sn);
    return module;
  }

  static bool not_an_int(const PyValue& v) {
    return v.is(Value::Kind::Bool) || v.is(Value::Kind::Float);
  }

  // The module a normalisation (`how`) is applied to, as PyTorch first looks at it (its hooks):
  // a module, not normalised the same way already.
  const PyValue& layer_with_hooks(const PyValue& module, const NormedWeight& how, Span at) {
    if (is_failed(module)) rethrow(module);
    std::string help = fmt::format("pass the layer: {}(nn.Conv1d(...))", how.name());
    if (module.kind == PyValue::Kind::Data)
      raise_torch(at,
                  fmt::format("'{}' object has no attribute '_forward_pre_hooks'",
                              python_type(module.data)),
                  help);
    if (module.kind != PyValue::Kind::Module)
      raise(at, fmt::format("{}() takes a module, not {}", how.name(), describe(module)), help);
    auto before = normed_weights_.find(module.module->id);
    if (before != normed_weights_.end() && before->second.kind == how.kind)
      raise_torch(
          at, fmt::format("Cannot register two {} hooks on the same parameter weight", how.name()),
          fmt::format("apply {} to the layer once", how.name()));
    return module;
  }

  // Whether the layer's `weight` can be normalised (`how`), as PyTorch looks it up: a layer
  // netshape knows, the weight's default name; false when the other normalisation took it.
  bool normalised_layer(const PyValue& module, const NormedWeight& how, const PyValue* name,
                        Span at) {
    const ModuleDef& m = *module.module;
    if (m.kind == ModuleDef::Sequential)  // no weight of its own
      raise_torch(at,
                  how.kind == NormedWeight::Kind::weight_norm
                      ? fmt::format("'{}' object has no attribute 'weight'", class_of(m))
                      : std::string("KeyError: 'weight'"),
                  fmt::format("apply it to each layer inside: {}(nn.Conv1d(...))", how.name()));
    if (m.kind != ModuleDef::Leaf)
      unsupported_here(
          at, fmt::format("{}() of a module of the file's classes", how.name()),
          fmt::format("apply it to each layer inside: {}(nn.Conv1d(...))", how.name()));
    // A layer with no weight at all (a ReLU): PyTorch's lookup fails here, whether or not
    // forward applies the layer (a norm layer's weight switched off is inference's to report).
    if (!has_weight_attribute(m.op, "weight"))
      raise_torch(at,
                  how.kind == NormedWeight::Kind::weight_norm
                      ? fmt::format("'{}' object has no attribute 'weight'", m.op)
                      : std::string("KeyError: 'weight'"),
                  fmt::format("{} has no weight to normalise: remove {} here", m.op, how.name()));
    if (name && !(name->is(Value::Kind::String) && name->data.s == "weight"))
      unsupported_here(
          name->data.span.valid() ? name->data.span : at,
          fmt::format("{} of a parameter other than `weight`", how.name()),
          fmt::format("netshape reads {} of a layer's `weight` (the default name)", how.name()));
    // spectral_norm keeps the weight as weight_orig (frozen stays frozen); weight_norm's g and v
    // are new parameters, which train.
    if (how.kind == NormedWeight::Kind::weight_norm && frozen_layers_.count(m.id))
      unsupported_here(at,
                       fmt::format("{} of a layer whose parameters were frozen before", how.name()),
                       fmt::format("freeze it after {}", how.name()));
    return !normed_weights_.count(m.id);
  }

  // nn.utils.remove_weight_norm(module, name='weight') and remove_spectral_norm: the layer's
  // `weight` one parameter again (a new one, which trains: of a frozen layer, refused).
  PyValue remove_normalisation(const Args& args, NormedWeight::Kind kind, Span at) {
    NormedWeight how;
    how.kind = kind;
    std::string what = std::string("remove_") + how.name();
    auto bound = bind_python_args(args, what.c_str(), {"module", "name"}, 1, at);
    const PyValue& module = *bound[0];
    if (is_failed(module)) rethrow(module);
    if (module.kind == PyValue::Kind::Data)
      raise_torch(at,
                  fmt::format("'{}' object has no attribute '_forward_pre_hooks'",
                              python_type(module.data)),
                  fmt::format("pass the layer: {}(layer)", what));
    if (module.kind != PyValue::Kind::Module)
      raise(at, fmt::format("{}() takes a module, not {}", what, describe(module)));
    std::string name = bound[1] ? text_of(*bound[1]) : "weight";
    auto it = normed_weights_.find(module.module->id);
    if (it == normed_weights_.end() || it->second.kind != kind || name != "weight")
      raise_torch(
          at, fmt::format("{} of '{}' not found in {}", how.name(), name, class_of(*module.module)),
          fmt::format("{} only undoes an nn.utils.{} of the same layer", what, how.name()));
    if (frozen_layers_.count(module.module->id))
      unsupported_here(at, fmt::format("{} of a frozen layer", what),
                       "its weight becomes a new parameter that trains while the rest stays "
                       "frozen, which netshape does not follow: freeze it after the removal");
    normed_weights_.erase(it);
    return module;
  }

  // The module's class, as PyTorch's messages name it.
  static std::string class_of(const ModuleDef& m) {
    if (m.instance) return m.instance->cls->name;
    return m.op.empty() ? "Sequential" : m.op;
  }

  std::optional<NormedWeight> normed_weight_of(const ModuleDef& m) const {
    auto it = normed_weights_.find(m.id);
    if (it == normed_weights_.end()) return std::nullopt;
    return it->second;
  }

  // nn.Parameter(torch.zeros(...)): weights of those sizes, counted as the model's parameters.
  // requires_grad=False: it does not train.
  PyValue parameter(const Args& args, Span at) {
    const PyValue& data = nth(args, 0, at);
    const PyValue* requires_grad = argument(args, 1, "requires_grad");
    ElementType type = data.kind == PyValue::Kind::Values
                           ? element_type_of_dtype(data.values->dtype)
                       : data.kind == PyValue::Kind::Made ? data.dtype
                                                          : ElementType::Float32;
    if (!is_floating(type) && type != ElementType::Complex64 &&
        (!requires_grad || bool_of(*requires_grad, at)))
      raise_torch(at, "Only Tensors of floating point and complex dtype can require gradients",
                  "make it a float tensor, or pass requires_grad=False");
    PyValue p;
    if (data.kind == PyValue::Kind::Values) {
      p = parameter_of_values(*data.values, at);
    } else if (data.kind == PyValue::Kind::Made) {
      p = data;
      p.name = "parameter";
      p.made = next_made_++;
      p.data.span = at;
    } else {
      if (is_failed(data)) rethrow(data);
      unsupported_here(at, "nn.Parameter of " + describe(data),
                       "netshape follows nn.Parameter(torch.zeros(...)) (or ones, randn, rand, "
                       "empty) with the sizes written");
    }
    p.dtype = type;
    if (requires_grad) set_parameter_requires_grad(p, *requires_grad, at);
    return p;
  }

  // nn.Parameter(torch.tensor([1.0, 2.0])): weights of its size; the values are not followed.
  // nn.Parameter(torch.tensor(10.0)) is one weight of no dims (a learnable scale).
  PyValue parameter_of_values(const ValueTensor& t, Span at) {
    PyValue p;
    p.kind = PyValue::Kind::Made;
    p.name = "parameter";
    p.made = next_made_++;
    p.data.span = at;
    if (!t.scalar) p.items.push_back(data_int(static_cast<int64_t>(t.size()), at));
    return p;
  }

  std::optional<PyValue> torch_function(const std::string& n, Args& args, const Expr& call) {
    if (auto v = made_function(n, args, call.span)) return v;
    if (auto v = values_function(n, args, call)) return v;
    if (!forward_) {
      if (auto made = made_tensor(n, args, call.span)) return made;
      bool tril = n == "torch.tril" || n == "torch.triu";
      if (tril && !args.values.empty() && args.values[0].kind == PyValue::Kind::Made) {
        return made_method(args.values[0], n.substr(6), args.without_first(), call.span);
      }
    }
    if (n == "torch.jit.is_scripting" || n == "torch.jit.is_tracing")
      return data_bool(false, call.span);
    if (n == "torch.jit.annotate") return nth(args, 1, call.span);
    if (n == "torch._netshape_warn" && L.is_prelude(call.span.file))
      return prelude_warning(args, call.span);
    // netshape analyses the model on the CPU: no accelerator is available.
    if (n == "torch.cuda.is_available" || n == "torch.backends.mps.is_available" ||
        n == "torch.backends.cudnn.is_available")
      return data_bool(false, call.span);
    if (n == "torch.device") {  // a place, which shapes do not depend on
      const PyValue* spelled = args.values.empty() ? nullptr : &args.values[0];
      if (spelled && spelled->is(Value::Kind::String))
        if (std::optional<std::string> error = device_string_error(spelled->data.s))
          raise_torch(call.span, *error, "name a device: torch.device('cpu')");
      PyValue p;
      p.kind = PyValue::Kind::Opaque;
      p.name = "torch.device";
      if (spelled && spelled->is(Value::Kind::String) && args.values.size() == 1)
        p.data = spelled->data;  // its name, which `==` compares
      return p;
    }
    if (n == "torch.get_default_dtype" && args.values.empty())
      return PyValue::builtin("torch.float32");  // netshape's model: PyTorch's default
    if (n == "torch.finfo" || n == "torch.iinfo") return number_type_info(n.substr(6), args, call);
    if (n == "torch.concat" || n == "torch.concatenate")  // PyTorch's aliases of torch.cat
      return torch_function("torch.cat", args, call);
    if (forward_ && (n == "torch.hstack" || n == "torch.vstack" || n == "torch.row_stack" ||
                     n == "torch.dstack" || n == "torch.column_stack"))
      return stacked(n.substr(6), args, call);
    if (n == "torch._assert") {
      if (!truthy(nth(args, 0, call.span), call.span))
        raise(call.span, "assertion failed: " + text_of(nth(args, 1, call.span)));
      return PyValue::none(call.span);
    }
    for (std::string_view later : kAddedAfter113)  // called, not tested for with hasattr
      if (n == later && n.rfind("F.", 0) == 0)
        raise(call.span,
              fmt::format("module 'torch.nn.functional' has no attribute '{}'", n.substr(2)),
              n == "F.scaled_dot_product_attention"
                  ? "PyTorch 1.13 has no F.scaled_dot_product_attention (2.0 added it): write "
                    "it out, `(q @ k.transpose(-2, -1) / math.sqrt(d)).softmax(-1) @ v`"
                  : "PyTorch 2.0 added it; PyTorch 1.13 has no such function");
    std::string op;
    if (n.rfind("F.", 0) == 0) op = n.substr(2);
    if (n.rfind("torch.", 0) == 0 && n.find('.', 6) == std::string::npos) op = n.substr(6);
    if (!op.empty() && !forward_ && op_with_made_tensor(args)) {  // `F.relu(self.conv(x))`
      return trial(args, call.span, [&](Args& probe) {
        std::optional<PyValue> out = torch_function(n, probe, call);
        if (!out) unsupported_here(call.span, "`" + n + "` in __init__");
        return *out;
      });
    }
    if (op.empty() || !forward_) return std::nullopt;
    // a layer's weight or bias given to a function (`F.linear(h, self.embed.weight)`, a tied
    // output layer) is a tensor; F.convNd and F.layer_norm first see whether it is their layer's
    if (!in_family(op, Family::conv_functional) && op != "layer_norm" && op != "embedding" &&
        op != "group_norm")
      for (size_t i = 0; i < args.values.size(); ++i)
        if (is_layer_tensor(args.values[i]))
          args.values[i] = layer_tensor(args.values[i], args.spans[i]);
    if (n.rfind("torch.", 0) == 0) numpy_aliases(op, args);
    bool tensor_first = !args.values.empty() && args.values[0].kind == PyValue::Kind::Tensor;
    if (tensor_first && (is_split(op) || op == "max" || op == "min")) {
      PyValue t = args.values[0];
      Args rest = args.without_first();
      return is_split(op) ? split_tensor(t, op, rest, call.span, false)
                          : max_min(t, op, rest, call);
    }
    if (tensor_first && is_dim_mover(op))
      return moved_dims(args.values[0], op, args.without_first(), true, call.span);
    if (tensor_first && op == "index_select")
      return index_select(args.values[0], args.without_first(), call.span);
    if (tensor_first && (op == "sort" || op == "topk")) {
      sorting_arguments(op, nullptr, args, true, call.span);  // torch.sort(x, ...): counts x
      return values_and_indices(args.values[0], op, args.without_first(), call);
    }
    const Expr& callee = call.items[0];
    Span op_span = callee.kind == Expr::Kind::Attribute ? callee.name_span : callee.span;
    if (n == "torch.var_mean" || n == "torch.std_mean") return spread_and_mean(op, args, call);
    if (n == "torch.meshgrid") return meshgrid(args, call.span);
    if (n == "F.normalize") return normalize(args, op_span, call.span);
    if (n == "F.linear") return linear(args, op_span, call.span);
    if (in_family(op, Family::conv_functional)) return functional_conv(op, op_span, args, call);
    if (in_family(op, Family::conv_transpose_functional))
      return functional_conv_transpose(op, op_span, args, call);
    if (n == "torch.t") return matrix_transpose(nth(args, 0, call.span), op_span);
    if (n == "torch.outer" || n == "torch.ger") {
      auto [a, b] = outer_operands(op, nullptr, args, call.span);
      return vector_outer(a, b, call.span);
    }
    if (n == "torch.mm")
      return matrix_product(nth(args, 0, call.span), nth(args, 1, call.span), call.span);
    if (n == "F.layer_norm" || n == "torch.layer_norm") return layer_norm(args, op_span, call.span);
    if (n == "torch.full") return full_tensor(args, op_span, call);
    if (n == "F.batch_norm") return batch_norm_function(args, op_span, call.span);
    if (n == "torch.batch_norm")
      unsupported_here(call.span, "torch.batch_norm (aten's order of arguments)",
                       "write F.batch_norm(x, running_mean, running_var, weight, bias, training)");
    if (n == "F.embedding") return embedding_of_layer(args, call.span);
    if (n == "F.group_norm") return group_norm_of_layer(args, call.span);
    check_spelling(op, n.rfind("F.", 0) == 0 ? Namespace::Functional : Namespace::Torch, op_span);
    if (n.rfind("torch.", 0) == 0) {
      no_inplace_argument(op, args, call.span);
      one_list_after_input(op, args, call.span);
      if (!args.values.empty() && args.keywords[0].empty())
        softmax_dim_given(op, args.values[0], args, true, call.span);
    }
    return tensor_op(op, op_span, nullptr, args, call);
  }

  // view, reshape, expand, repeat: ops whose first parameter is a `*size` list of sizes.
  static bool takes_size_list(const std::string& op) {
    std::optional<OpId> id = find_op(op);
    if (!id) return false;
    const OpInfo& info = op_info(*id);
    return !info.params.empty() && info.params[0].var_positional && op != "permute" && op != "flip";
  }

  // torch.permute(x, 0, 2, 1), torch.flip(x, 1), torch.reshape(x, 2, -1): PyTorch's argument
  // parser reads an int list item by item only when it is the first argument (the methods:
  // `x.permute(0, 2, 1)`); after the input it must be one tuple or list: Python's TypeError.
  void one_list_after_input(const std::string& op, const Args& args, Span at) {
    std::optional<OpId> id = find_op(op);
    if (!id || args.values.empty() || args.values[0].kind != PyValue::Kind::Tensor) return;
    const OpInfo& info = op_info(*id);
    if (info.params.empty() || !info.params[0].var_positional) return;
    std::vector<const PyValue*> after;
    for (size_t i = 1; i < args.values.size(); ++i)
      if (args.keywords[i].empty()) after.push_back(&args.values[i]);
    if (after.size() > 1)
      raise(
          at,
          fmt::format("{}() takes 2 positional arguments but {} were given", op, after.size() + 1),
          fmt::format("pass them as one tuple: torch.{}(x, (...))", op));
    if (after.size() == 1 && after[0]->kind == PyValue::Kind::Data)
      raise(at,
            fmt::format("{}(): argument '{}' (position 2) must be tuple of ints, not {}", op,
                        info.params[0].name, python_type(after[0]->data)),
            fmt::format("pass a tuple: torch.{}(x, ({},))", op, text_of(*after[0])));
  }

  // An int list given by its keyword (`x.tile(dims=2)`, `torch.permute(x, dims=(1, 0))`) must
  // be one tuple or list: a number is Python's TypeError, however the op is spelled.
  void list_keyword_is_sequence(const std::string& op, const Args& args) {
    std::optional<OpId> id = find_op(op);
    if (!id || op_info(*id).params.empty() || !op_info(*id).params[0].var_positional) return;
    const std::string& name = op_info(*id).params[0].name;
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i] == name && args.values[i].kind == PyValue::Kind::Data)
        raise(args.spans[i],
              fmt::format("{}(): argument '{}' must be tuple of {}, not {}", op, name,
                          name == "dims" ? "ints" : "SymInts", python_type(args.values[i].data)),
              fmt::format("pass a tuple: {}=({},)", name, text_of(args.values[i])));
  }

  enum class Namespace { Torch, Functional, Method };
  // An op of ops.def written where PyTorch 1.13 has no such name (`torch.gelu(x)`,
  // `x.max_pool2d(2)`, `F.view(x, -1)`): Python's AttributeError, with the spelling that exists.
  void check_spelling(const std::string& op, Namespace where, Span at) {
    const PythonSpelling* s = python_spelling(op);
    const PythonSpelling* written = s;
    if (!s && op.size() > 1 && op.back() == '_') {  // in place: `F.relu_`, `x.add_`
      s = python_spelling(std::string_view(op).substr(0, op.size() - 1));
      if (s) written = in_place_spelling(s->op);
    }
    if (!s) return;
    bool exists = where == Namespace::Torch        ? written->torch
                  : where == Namespace::Functional ? written->functional
                                                   : written->method;
    if (exists) return;
    std::string message = where == Namespace::Torch        ? "module 'torch'"
                          : where == Namespace::Functional ? "module 'torch.nn.functional'"
                                                           : "'Tensor' object";
    auto spelled = [](const PythonSpelling& p, std::string_view name) -> std::string {
      return p.functional ? fmt::format("F.{}", name)
             : p.torch    ? fmt::format("torch.{}", name)
             : p.method   ? fmt::format("x.{}", name)
                          : "";
    };
    // In place where PyTorch has it so (`torch.sigmoid_` for `F.sigmoid_`), else not in place.
    std::string fix = written != s ? spelled(*written, op) : "";
    if (fix.empty()) fix = spelled(*s, s->op);
    raise(at, fmt::format("{} has no attribute '{}'", message, op),
          fix.empty() ? "" : fmt::format("PyTorch has it as `{}`", fix));
  }

  // torch.selu(x, True), torch.celu(x, inplace=True): torch's functions have no `inplace` (the
  // signatures of ops.def are torch.nn.functional's): Python's TypeError. torch.dropout takes
  // its three arguments by position, none of them optional.
  static void no_inplace_argument(const std::string& op, const Args& args, Span at) {
    std::string base = op.ends_with('_') ? op.substr(0, op.size() - 1) : op;
    std::optional<OpId> id = find_op(base);
    if (!id) return;
    const OpInfo& info = op_info(*id);
    size_t takes = 1, required = 1;  // the input, and the parameters before `inplace`
    for (; takes - 1 < info.params.size() && info.params[takes - 1].name != "inplace"; ++takes)
      if (info.params[takes - 1].required) ++required;
    if (takes - 1 == info.params.size()) return;  // no `inplace`
    if (base == "dropout") required = takes;
    size_t given = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i] == "inplace")
        raise(at, fmt::format("{}() got an unexpected keyword argument 'inplace'", op));
      given += args.keywords[i].empty();
    }
    if (given <= takes) return;
    std::string count = required == takes
                            ? fmt::format("{} positional argument{}", takes, takes == 1 ? "" : "s")
                            : fmt::format("from {} to {} positional arguments", required, takes);
    raise(at, fmt::format("{}() takes {} but {} were given", op, count, given));
  }

  static bool is_split(const std::string& op) {
    return op == "chunk" || op == "split" || op == "unbind";
  }

  // The memory format a copy asks for (`.contiguous(...)`, `.to(...)`, `.clone(...)`):
  // torch.contiguous_format, torch.preserve_format (None when not given). Channels-last is not
  // followed (src/infer/layout.cpp): refused. `contiguous` may also take it positionally.
  static PyValue::Copy memory_format(const Args& args, bool positional, PyValue::Copy given) {
    PyValue::Copy format = given;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i] != "memory_format" && !(positional && i == 0)) continue;
      const PyValue& v = args.values[i];
      bool builtin = v.kind == PyValue::Kind::Builtin;
      if (builtin && v.name == "torch.contiguous_format") {
        format = PyValue::Copy::Contiguous;
      } else if (builtin && v.name == "torch.preserve_format") {
        format = PyValue::Copy::Dense;
      } else {
        unsupported_here(args.spans[i], "a memory format other than torch.contiguous_format",
                         "netshape follows PyTorch's default layout; remove `memory_format=`");
      }
    }
    return format;
  }

  // `x.to(..., copy=True)`: a copy (preserving the memory format) even where x itself would do.
  static bool copy_requested(const Args& args) {
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i] == "copy" && args.values[i].is(Value::Kind::Bool) &&
          args.values[i].data.b)
        return true;
    return false;
  }

  // `x.to(memory_format=...)` returns x itself or a copy depending on x's layout: not followed.
  static void no_memory_format(const Args& args) {
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i] == "memory_format")
        unsupported_here(args.spans[i], "`.to(memory_format=...)`",
                         "use `.contiguous()`, which netshape follows");
  }

  // Tensor `t` as the next input of `st`, written at `span` (`fallback` when that is not
  // known); an input read through a copy (`.contiguous()`, `x * 2`) is marked so.
  void add_input(Statement& st, const PyValue& t, Span span, Span fallback,
                 bool check_type = true) {
    if (check_type) check_element_type(st, t, span.valid() ? span : fallback);
    check_piece_use(t, span.valid() ? span : fallback);
    if (t.no_grad)
      st.extras_for_write().inputs_without_grad.push_back(static_cast<uint32_t>(st.inputs.size()));
    if (t.copy != PyValue::Copy::None || !t.steps.empty()) {
      st.extras_for_write().copied_inputs.push_back({static_cast<uint32_t>(st.inputs.size()),
                                                     t.copy == PyValue::Copy::Contiguous,
                                                     t.instance, element_bytes(t.dtype), t.steps});
    }
    st.inputs.push_back(t.instance == 0 ? current_name(t.name) : t.name);
    st.input_spans.push_back(span.valid() ? span : fallback);
    note_stale_view(st.inputs.back(), span.valid() ? span : fallback);
  }

  // A tensor's type as PyTorch's argument checks name it: the legacy tensor type where one
  // exists in their table ("torch.HalfTensor"), else the backend's ("CPUBFloat16Type").
  static const char* checked_type_name(ElementType type) {
    switch (type) {
      case ElementType::Bool:
        return "CPUBoolType";
      case ElementType::BFloat16:
        return "CPUBFloat16Type";
      case ElementType::Complex64:
        return "CPUComplexFloatType";
      default:
        return tensor_type_name(type);
    }
  }

  // Tensor `t` as the next input of `st` as far as dtypes go: a layer with a float32 weight
  // takes only float32 (PyTorch's RuntimeError otherwise); a tensor of another dtype goes only
  // through the ops that move elements (a view, a cat of tensors of its dtype), which keep it
  // (`output_type_` is the statement's); any other op of it is refused, not guessed.
  void check_element_type(const Statement& st, const PyValue& t, Span at) {
    bool first = st.inputs.empty();
    if (first) first_input_type_ = t.dtype;
    if (st.op == "masked_fill") {  // the tensor's type, whatever the mask's (bool, or numbers)
      if (first) output_type_ = t.dtype;
      return;
    }
    if (st.op == "where") {  // the condition (where_call checked it), then x and y promoted
      if (st.inputs.size() == 1) output_type_ = t.dtype;
      if (st.inputs.size() == 2) output_type_ = where_type(st, t, at);
      return;
    }
    if (st.op == "cumsum" || st.op == "cumprod") return;       // tensor_op types it with its dtype=
    if (reduction_dtype_ && in_family(st.op, Family::mean)) {  // x.mean(dtype=...): x cast first
      if (type_category(*reduction_dtype_) < 2 && is_floating(t.dtype))
        unsupported_here(at,
                         fmt::format("`{}` of a floating tensor with an integer dtype= (each "
                                     "value is truncated first)",
                                     st.op),
                         fmt::format("cast it first: `x.long().{}(1)`", st.op));
      output_type_ = *reduction_dtype_;
      return;
    }
    if (st.op == "logical_and" || st.op == "logical_or" || st.op == "logical_xor") {
      output_type_ = ElementType::Bool;  // whether each element is nonzero, of any type
      return;
    }
    if (st.op == "EmbeddingBag") {  // apply_embedding_bag checked the types of its tensors
      output_type_ = ElementType::Float32;
      return;
    }
    if (st.op == "topk" || in_family(st.op, Family::sort)) {  // the values keep the input's type
      output_type_ = t.dtype;
      return;
    }
    if (in_family(st.op, Family::distance)) {
      output_type_ = first ? t.dtype : distance_type(st, t, at);
      return;
    }
    if (in_family(st.op, Family::elementwise_loss)) {  // float32 and float64, promoted
      if (t.dtype != ElementType::Float32 && t.dtype != ElementType::Float64)
        unsupported_here(at, fmt::format("`{}` of a {} tensor", st.op, element_type_name(t.dtype)),
                         "compare float tensors: `.float()`");
      if (first || t.dtype == ElementType::Float64) output_type_ = t.dtype;
      return;
    }
    if (st.op == "cdist") {  // x1's type; cdist_dtype_error worded what PyTorch refuses
      if (first) output_type_ = t.dtype;
      return;
    }
    std::optional<Family> op_family = family_of(st.op);
    if ((op_family && is_functional_conv(*op_family)) || st.op == "layer_norm" ||
        st.op == "batch_norm") {  // checked the types
      if (first) output_type_ = t.dtype;
      return;
    }
    if (st.op == "gather") {  // the input's elements; its rule checks the index's type
      if (first) output_type_ = t.dtype;
      return;
    }
    if (st.op == "index") {  // the input's elements; index_tensor checked the index's type
      if (first) output_type_ = t.dtype;
      return;
    }
    if (in_family(st.op, Family::max_unpool) && !first) {  // the indices: int64 only
      if (t.dtype != ElementType::Int64)
        torch_error(t, at, unpool_indices_not_int64(scalar_type_name(t.dtype)),
                    "pass the indices the max pool returned (return_indices=True)");
      return;
    }
    if (st.op == "one_hot") {  // int64 indices in, int64 rows out
      if (t.dtype != ElementType::Int64)
        torch_error(t, at, "one_hot is only applicable to index tensor.",
                    "one_hot reads int64 class ids: cast them with `.long()`");
      output_type_ = ElementType::Int64;
      return;
    }
    if (st.op == "Embedding") {  // indices in, rows of its float32 weight out
      if (t.dtype != ElementType::Int64 && t.dtype != ElementType::Int32) {
        // with max_norm, F.embedding renormalises the rows it reads first: that call checks
        const Value* max_norm = written_argument(st.args, op_info(OpId::Embedding), "max_norm");
        bool renorms = max_norm && max_norm->kind != Value::Kind::None;
        torch_error(t, at,
                    fmt::format("Expected tensor for argument #{} 'indices' to have one of the "
                                "following scalar types: Long, Int; but got {} instead (while "
                                "checking arguments for {})",
                                renorms ? 2 : 1, checked_type_name(t.dtype),
                                renorms ? "embedding_renorm_" : "embedding"),
                    token_ids_help(t));
      }
      output_type_ = ElementType::Float32;
      return;
    }
    if (t.dtype == ElementType::Float32 && (first || output_type_ == ElementType::Float32)) {
      output_type_ = ElementType::Float32;
      return;
    }
    const char* type = element_type_name(t.dtype);
    // nn.Linear of a batch: PyTorch's addmm/matmul checks the dtypes before anything else (a 1-D
    // input's sizes come first there: netshape's own message then)
    if (st.op == "Linear" && shape_now(t.name, at).size() >= 2)
      torch_error(t, at, "mat1 and mat2 must have the same dtype",
                  fmt::format("{}'s weight is float32 and its input {}: cast the input with "
                              "`.float()` first",
                              st.op, type));
    if (has_float32_weight(st.op)) {
      torch_error(t, at,
                  fmt::format("expected a float32 input: {}'s weight is float32, but its input "
                              "is {}",
                              st.op, type),
                  "PyTorch raises a RuntimeError here; cast the input with `.float()` first");
    }
    std::optional<OpId> id = find_op(st.op);
    Family family = id ? op_info(*id).family : Family::source;
    // add, sub, mul, div, maximum, minimum; cat and stack promote too
    if (id && (family == Family::add || family == Family::cat || family == Family::stack)) {
      output_type_ = first ? t.dtype : promoted(st, output_type_, t, at);
      return;
    }
    if (id && family == Family::mean) {  // reductions: sum, mean, amax, amin, argmax, argmin
      output_type_ = reduced_type(t, st.op, at);
      return;
    }
    if (id && t.dtype == ElementType::Float64 && runs_in_float64(family)) {
      output_type_ = t.dtype;
      return;
    }
    if (!id && st.op != "embedding")  // an op netshape does not know: say that, not the dtype
      unsupported_here(st.op_span, "unknown layer or op '" + st.op + "'",
                       "netshape does not know this op; see docs/python.md and docs/ops.md for "
                       "the supported ones");
    if (!keeps_element_type(st.op)) {
      // F.embedding takes its indices as they are: a cast to float would be PyTorch's error
      std::string help =
          st.op == "embedding"
              ? "netshape reads a lookup as nn.Embedding: make the table a layer, `self.emb = "
                "nn.Embedding(num_embeddings, embedding_dim)`, and call `self.emb(ids)`"
              : "netshape follows tensors of other dtypes than float32 only through views and "
                "cat; where the op takes floats, cast it with `.float()` first";
      unsupported_here(at, fmt::format("`{}` of a {} tensor", st.op, type), help);
    }
    if (!first && t.dtype != output_type_) {
      unsupported_here(at,
                       fmt::format("`{}` of tensors of different dtypes ({} and {})", st.op,
                                   element_type_name(output_type_), type),
                       "cast them to one dtype first");
    }
    output_type_ = t.dtype;
  }

  // The type of torch.where(condition, x, y) of tensors x (st's second input, of output_type_)
  // and y: at::result_type of the two (a 0-dim tensor gives way to a dimensioned one).
  ElementType where_type(const Statement& st, const PyValue& y, Span at) {
    MadeOperand a{{}, output_type_, shape_now(st.inputs[1], at).empty(), false};
    MadeOperand b{{}, y.dtype, shape_now(y.name, at).empty(), false};
    return result_type(a, b);
  }

  // A reduction's type: sum and prod make int64 of integers and bools, logsumexp float32, mean and
  // norm take only floating types (PyTorch's error otherwise), the others keep the type (argmax's
  // int64 is emitted's).
  static ElementType reduced_type(const PyValue& t, const std::string& op, Span at) {
    if ((op == "std" || op == "var") && !is_floating(t.dtype)) {
      torch_error(t, at, "std and var only support floating point and complex dtypes",
                  "cast it with `.float()` first");
    }
    if (op == "norm" && !is_floating(t.dtype)) {
      torch_error(t, at,
                  fmt::format("norm(): input dtype should be either floating point or complex. "
                              "Got {} instead.",
                              scalar_type_name(t.dtype)),
                  "cast it with `.float()` first");
    }
    if (op == "logsumexp" && !is_floating(t.dtype)) return ElementType::Float32;
    if ((op == "sum" || op == "prod") && !is_floating(t.dtype)) return ElementType::Int64;
    if (op == "mean" && !is_floating(t.dtype)) {
      torch_error(t, at,
                  fmt::format("mean(): could not infer output dtype. Input dtype must be either "
                              "a floating point or complex dtype. Got: {}",
                              scalar_type_name(t.dtype)),
                  "cast it with `.float()` first");
    }
    return t.dtype;
  }

  // Families whose CPU kernels take float64 and give float64 (activations, dropout, pooling,
  // softmax); other types go through them in some kernels and not others: not followed.
  static bool runs_in_float64(Family family) {
    switch (family) {
      case Family::elementwise:
      case Family::dropout_nd:
      case Family::max_pool:
      case Family::avg_pool:
      case Family::adaptive_avg_pool:
      case Family::adaptive_max_pool:
      case Family::softmax:
        return true;
      default:
        return false;
    }
  }

  // The element type of an elementwise op of two tensors, by PyTorch's type promotion: the
  // higher category (bool < integer < floating) wins with its type, even from a 0-dim tensor
  // (int64 + 0-dim float64 is float64: only Python numbers give the default type); within one
  // category the wider type, and a 0-dim tensor (`y.min()`) gives way to a dimensioned one.
  // Bool subtraction is PyTorch's error.
  ElementType promoted(const Statement& st, ElementType a, const PyValue& b, Span at) {
    bool both = a == ElementType::Bool && b.dtype == ElementType::Bool;
    if (both && st.op == "sub") {
      torch_error(b, at,
                  "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                  "`^` or `logical_xor()` operator instead.",
                  "combine masks with `^`, `|` or `&`");
    }
    if ((a == ElementType::Bool || b.dtype == ElementType::Bool) && st.op == "sub") {
      torch_error(b, at, kBoolSubtraction, "cast the mask first: `mask.float()`");
    }
    bool a_zero = shape_now(st.inputs[0], at).empty();
    bool b_zero = shape_now(b.name, at).empty();
    ElementType out;
    if (type_category(a) != type_category(b.dtype)) {
      out = type_category(a) > type_category(b.dtype) ? a : b.dtype;
    } else if (a_zero != b_zero) {
      out = a_zero ? b.dtype : a;
    } else {
      out = wider(a, b.dtype);
    }
    return out;
  }

  // The type of a distance between tensors of output_type_ (st's first input) and t, as PyTorch
  // 1.13 computes it: cosine_similarity in their common type, which must be a float with a CPU
  // clamp_min (not float16); pairwise_distance as `x1 - x2 + eps` types it (no bool subtraction;
  // integers make the default float32).
  ElementType distance_type(const Statement& st, const PyValue& t, Span at) {
    bool pairwise = op_info(*find_op(st.op)).kind == OpKind::pairwise;
    bool bools = output_type_ == ElementType::Bool || t.dtype == ElementType::Bool;
    if (pairwise && output_type_ == ElementType::Bool && t.dtype == ElementType::Bool) {
      torch_error(t, at,
                  "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                  "`^` or `logical_xor()` operator instead.",
                  "compare float tensors: `a.float()`");
    }
    if (pairwise && bools)
      torch_error(t, at, kBoolSubtraction, "cast the mask first: `mask.float()`");
    ElementType common = promoted(st, output_type_, t, at);
    // PyTorch computes these in the tensors' own type: x1 - x2 wraps in uint8, int8 and int16,
    // and float16 and bfloat16 round every step; `run` computes in float32
    bool narrow = (type_category(common) == 1 && element_bytes(common) < 4) ||
                  common == ElementType::Float16 || common == ElementType::BFloat16;
    if (narrow && (pairwise || type_category(common) == 2))
      note_values_unfollowed(fmt::format("`{}` of {} tensors", st.op, element_type_name(common)),
                             at);
    if (pairwise) return type_category(common) < 2 ? ElementType::Float32 : common;
    if (type_category(common) != 2) {
      torch_error(t, at,
                  fmt::format("expected common dtype to be floating point, yet common dtype is {}",
                              scalar_type_name(common)),
                  "compare float tensors: cast with `.float()` first");
    }
    if (common == ElementType::Float16)
      torch_error(t, at, "\"clamp_min_cpu\" not implemented for 'Half'",
                  "compare float32 tensors: cast with `.float()` first");
    return common;
  }

  // The wider of two types of one category (float16 and bfloat16 make float32, as PyTorch's).
  static ElementType wider(ElementType a, ElementType b) {
    if (a == b) return a;
    auto rank = [](ElementType t) {
      switch (t) {
        case ElementType::UInt8:
        case ElementType::Int8:
          return 1;
        case ElementType::Int16:
          return 2;
        case ElementType::Int32:
          return 3;
        case ElementType::Int64:
          return 4;
        case ElementType::Float16:
        case ElementType::BFloat16:
          return 5;
        case ElementType::Float32:
          return 6;
        case ElementType::Float64:
          return 7;
        default:
          return 0;
      }
    };
    bool halves = (a == ElementType::Float16 || a == ElementType::BFloat16) &&
                  (b == ElementType::Float16 || b == ElementType::BFloat16);
    bool bytes = (a == ElementType::UInt8 || a == ElementType::Int8) &&
                 (b == ElementType::UInt8 || b == ElementType::Int8);
    if (halves) return ElementType::Float32;
    if (bytes) return ElementType::Int16;
    return rank(a) >= rank(b) ? a : b;
  }

  // The tensor a statement just built computes: its element type is its inputs' (after
  // check_element_type), int64 for argmax and argmin, float32 for one without inputs.
  // `made`: the type of a tensor made in forward (torch.arange, torch.zeros).
  PyValue emitted(Statement st, Span at, std::optional<ElementType> made = std::nullopt) {
    ElementType type = made ? *made : st.inputs.empty() ? ElementType::Float32 : output_type_;
    if (st.op == "argmax" || st.op == "argmin" || st.op == "argsort") type = ElementType::Int64;
    if (st.op == "div" && type_category(type) < 2 && !rounds(st)) type = ElementType::Float32;
    if (st.op == "div" && type_category(type) < 2) st.extras_for_write().integer_division = true;
    if (st.extras().in_place && !st.inputs.empty())
      type = written_type(PyValue::tensor(st.inputs[0], at), first_input_type_, type, at);
    if (type == ElementType::Bool && st.inputs.size() == 2) bool_arithmetic(st, at);
    if (uint8_t bytes = element_bytes(type)) st.extras_for_write().element_bytes = bytes;
    PyValue out = PyValue::tensor(emit(std::move(st)), at);
    out.dtype = type;
    if (type_category(type) < 2) needs_grad_.erase(out.name);  // integers need no gradient
    return out;
  }

  // add and mul of two bool tensors are PyTorch's logical or and and (a bool result, `m1 + m2`
  // never 2); true division makes float32 (no row changes); sub is an error (promoted()).
  static void bool_arithmetic(Statement& st, Span at) {
    if (st.op != "add" && st.op != "mul") return;
    if (!st.args.empty())
      unsupported_here(
          at, fmt::format("`{}` of bool tensors with `{}`", st.op, to_source(st.args[0].value)),
          "combine masks with `|` or `&`");
    st.op = st.op == "add" ? "logical_or" : "logical_and";
  }

  // `div` with a rounding_mode keeps an integer type (true division makes float32).
  static bool rounds(const Statement& st) {
    return std::any_of(st.args.begin(), st.args.end(), [](const Arg& a) {
      return a.keyword == "rounding_mode" && a.value.kind != Value::Kind::None;
    });
  }

  // An in-place op writes its result into `receiver` (of type `into`): the result must cast to
  // it without leaving its category (float into long is PyTorch's error), and takes its type.
  static ElementType written_type(const PyValue& receiver, ElementType into, ElementType result,
                                  Span at) {
    if (type_category(result) > type_category(into)) {
      torch_error(receiver, at,
                  fmt::format("result type {} can't be cast to the desired output type {}",
                              scalar_type_name(result), scalar_type_name(into)),
                  "write the result to a new tensor (`y = x + ...`), or cast x first");
    }
    return into;
  }

  // An in-place write with no layer of its own (`y += 1`, `y.clamp_(0, 1)`, `y.relu_()`) into
  // the tensor `t` holds: the statement that made it keeps where, for inference's check that the
  // tensor is not expanded. A copy (`(y * 2).clamp_(0, 1)`) or an input is never expanded.
  // `fill`: fill_ or zero_, which PyTorch lets write into an expanded tensor.
  void note_in_place_write(const PyValue& t, Span at, bool fill = false) {
    check_guarded_write(t, at);
    if (t.kind == PyValue::Kind::Tensor && forward_ && !t.own_version &&
        t.copy != PyValue::Copy::Dense && t.steps.empty())
      pieces_written_under(memory_root(t.instance == 0 ? current_name(t.name) : t.name));
    if (t.kind != PyValue::Kind::Tensor || t.copy != PyValue::Copy::None) return;
    std::vector<Statement>& statements = L.program_.statements;
    for (auto it = statements.rbegin(); it != statements.rend(); ++it) {
      if (it->name != t.name) continue;
      if (fill)
        it->extras_for_write().filled_in_place = true;
      else if (!it->extras().written_in_place.valid())
        it->extras_for_write().written_in_place = at;
      return;
    }
  }

  // An in-place write with no row into `t`: PyTorch's error when autograd refuses it (see
  // Guarded). `.contiguous()` of a parameter is the parameter itself.
  void check_guarded_write(const PyValue& t, Span at) const {
    if (t.kind != PyValue::Kind::Tensor || !forward_ || !grad_enabled_ || t.no_grad ||
        !t.steps.empty() || t.copy == PyValue::Copy::Dense)
      return;
    auto it = guards_.find(t.name);
    if (it == guards_.end()) return;
    GuardedWrite w{it->second, nullptr, at};
    if (t.copy == PyValue::Copy::Contiguous && w.guard.kind != Guarded::leaf)
      w.guard = WriteGuard{Guarded::maybe_view};  // a copy unless the view is contiguous
    refuse_write(t.name, w);
  }

  // torch.zeros, ones, empty, rand, randn, arange: a tensor made from sizes.
  static bool is_factory(const std::string& op) {
    std::optional<OpId> id = find_op(op);
    return id && op_info(*id).family == Family::source;
  }

  // torch.zeros(..., dtype=, device=): the tensor's type and place, not a size.
  static bool is_factory_keyword(const std::string& op, const std::string& keyword) {
    if (!is_factory(op)) return false;
    for (const char* k : {"dtype", "device", "layout", "requires_grad", "pin_memory"})
      if (keyword == k) return true;
    return false;
  }

  // PyTorch truncates torch.arange's fractional bounds for an integer dtype, yet counts some
  // dtypes' elements from the untruncated ones (arange(-0.5, 7.5) is 7 int64s, 8 int32s): a
  // fractional bound with an integer dtype is refused, not guessed.
  static void integer_bounds(const Args& args, std::optional<ElementType> type) {
    if (!type || type_category(*type) > 1) return;
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.values[i].is(Value::Kind::Float) && !is_factory_keyword("arange", args.keywords[i]))
        unsupported_here(args.spans[i], "torch.arange with a fractional bound and an integer dtype",
                         "write whole-number bounds: `torch.arange(0, 8, dtype=torch.long)`");
  }

  // The type of torch.arange / zeros / ones / rand(n) ... made in forward: its dtype=, else
  // int64 for an arange of ints, float32 for the rest.
  static std::optional<ElementType> made_type(const std::string& op, const Args& args) {
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i] != "dtype" || args.values[i].is_none()) continue;
      if (std::optional<ElementType> type = element_type_of(args.values[i])) return type;
      unsupported_here(args.spans[i], "this dtype= of torch." + op,
                       "write a dtype: `torch.float32`");
    }
    if (op != "arange") return ElementType::Float32;
    for (size_t i = 0; i < args.values.size(); ++i)
      if (args.keywords[i].empty() || args.keywords[i] == "start" || args.keywords[i] == "end" ||
          args.keywords[i] == "step")
        if (!args.values[i].is(Value::Kind::Int) && !args.values[i].is(Value::Kind::DimRef))
          return ElementType::Float32;
    return ElementType::Int64;
  }

  // F.normalize(input, p=2.0, dim=1, eps=1e-12) is, as torch.nn.functional writes it,
  // `input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)`: a norm row and a
  // div row (the clamp and the expand have no row; the division broadcasts).
  PyValue normalize(const Args& args, Span op_span, Span at) {
    const PyValue* x = argument(args, 0, "input");
    if (!x || x->kind != PyValue::Kind::Tensor)
      unsupported_here(at, "F.normalize of something other than a tensor");
    const PyValue* out = argument(args, 4, "out");
    if (out && !out->is_none())
      unsupported_here(at, "`out=`", "assign the result instead: `y = F.normalize(x)`");
    auto number_or = [&](size_t position, const char* keyword, Value fallback) {
      const PyValue* v = argument(args, position, keyword);
      return v ? to_ir(*v, at) : fallback;
    };
    Value p = number_or(1, "p", Value::floating(2.0, at));
    Value dim = number_or(2, "dim", Value::integer(1, at));
    // eps changes values only; reading it still refuses what is not a layer argument
    Value eps = number_or(3, "eps", Value::floating(1e-12, at));
    PyValue norm = tensor_statement("norm", *x, {p, dim, Value::boolean(true, at)}, op_span);
    // clamp_min keeps the norm; the division keeps x and the clamped norm, a tensor of its own
    PyValue clamped = copy_of(norm, PyValue::Copy::Dense);
    add_step(clamped,
             eps.kind == Value::Kind::Float || eps.kind == Value::Kind::Int
                 ? std::optional(ValueStep::Op::ClampMin)
                 : std::nullopt,
             eps.kind == Value::Kind::Float ? eps.f : static_cast<double>(eps.i),
             "F.normalize's eps", at);
    note_unrowed_save(UnrowedSave::Kept::Input, norm, nullptr, "clamp_min", op_span);
    return tensor_arithmetic("/", *x, clamped, at);
  }

  // x.t(), torch.t(x): a matrix transposed; a tensor of fewer dims is itself.
  PyValue matrix_transpose(const PyValue& t, Span at) {
    if (t.kind != PyValue::Kind::Tensor)
      unsupported_here(at, "t() of something other than a tensor");
    size_t rank = shape_now(t.name, at).size();
    if (rank > 2)
      torch_error(t, at,
                  fmt::format("t() expects a tensor with <= 2 dimensions, but self is {}D", rank),
                  "use `.transpose(-2, -1)` (or `.mT`) to swap the last two dims");
    if (rank < 2) return t;
    return tensor_statement("transpose", t, {int_value(0, at), int_value(1, at)}, at);
  }

  // The two tensors of torch.outer(input, vec2) or `self.outer(vec2)` (ger alike), bound by
  // position or keyword with PyTorch's TypeErrors, in its parser's order.
  std::pair<PyValue, PyValue> outer_operands(const std::string& name, const PyValue* self,
                                             const Args& args, Span at) {
    const char* params[] = {"input", "vec2"};
    std::optional<PyValue> bound[2];
    size_t first = self ? 1 : 0, position = first;
    if (self) bound[0] = *self;
    std::string unexpected;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k.empty() && position >= 2)
        raise(at,
              fmt::format("{}() takes {} positional argument{} but {} were given", name, 2 - first,
                          first ? "" : "s", position + 1 - first),
              "give it the two vectors");
      size_t slot = k.empty() ? position++ : k == params[1] ? 1 : k == params[0] && !self ? 0 : 2;
      if (slot == 2) {
        if (unexpected.empty()) unexpected = k;
        continue;
      }
      if (bound[slot] && !k.empty())
        raise(at, fmt::format("{}() got multiple values for argument '{}'", name, k));
      bound[slot] = as_tensor_in_forward(args.values[i], args.spans[i]);
    }
    for (size_t slot = 0; slot < 2; ++slot)
      if (!bound[slot])
        raise(
            at,
            fmt::format("{}() missing 1 required positional arguments: \"{}\"", name, params[slot]),
            "give it the two vectors");
    if (!unexpected.empty())
      raise(at, fmt::format("{}() got an unexpected keyword argument '{}'", name, unexpected));
    for (size_t slot = first; slot < 2; ++slot)
      if (bound[slot]->kind != PyValue::Kind::Tensor)
        raise(at,
              fmt::format("{}(): argument '{}' (position {}) must be Tensor, not {}", name,
                          params[slot], slot + 1 - first, type_name(*bound[slot])),
              "give it two 1-D tensors");
    return {*bound[0], *bound[1]};
  }

  // torch.outer(a, b) (torch.ger, a.outer(b)) of two 1-D tensors (RoPE's angles, `torch.outer(t,
  // inv_freq)`): PyTorch's `a.reshape(n, 1) * b`, an unsqueeze row and a mul row.
  PyValue vector_outer(const PyValue& a, const PyValue& b, Span at) {
    if (a.kind != PyValue::Kind::Tensor || b.kind != PyValue::Kind::Tensor)
      unsupported_here(at, "outer() of something other than tensors", "give it two 1-D tensors");
    for (const auto& [t, name] : {std::pair{&a, "self"}, std::pair{&b, "vec2"}}) {
      size_t rank = shape_now(t->name, at).size();
      if (rank != 1)
        torch_error(*t, at,
                    fmt::format("outer: Expected 1-D argument {}, but got {}-D", name, rank),
                    "outer multiplies two 1-D tensors: flatten them first");
    }
    PyValue column = tensor_statement("unsqueeze", a, {int_value(1, at)}, at);
    return tensor_arithmetic("*", column, b, at);
  }

  // torch.mm(a, b), a.mm(b): the product of two matrices, as matmul computes it.
  PyValue matrix_product(const PyValue& a, const PyValue& b, Span at) {
    if (a.kind != PyValue::Kind::Tensor || b.kind != PyValue::Kind::Tensor)
      unsupported_here(at, "mm() of something other than tensors");
    if (shape_now(a.name, at).size() != 2)
      torch_error(a, at, "self must be a matrix", "mm multiplies 2-D tensors: use matmul");
    if (shape_now(b.name, at).size() != 2)
      torch_error(b, at, "mat2 must be a matrix", "mm multiplies 2-D tensors: use matmul");
    return tensor_arithmetic("@", a, b, at);
  }

  // torch.var_mean(input, dim, unbiased=True, keepdim=False) (std_mean alike): (var, mean) as
  // two rows, var (or std) with the arguments given, mean with its dim and keepdim (BiT's weight
  // standardisation: `v, m = torch.var_mean(w, dim=[1, 2, 3], keepdim=True, unbiased=False)`).
  PyValue spread_and_mean(const std::string& op, const Args& args, const Expr& call) {
    Span op_span =
        call.items[0].kind == Expr::Kind::Attribute ? call.items[0].name_span : call.items[0].span;
    std::string spread = op == "var_mean" ? "var" : "std";
    PyValue first = tensor_op(spread, op_span, nullptr, args, call);
    Args mean;  // input, dim, keepdim: positions 0, 1 and 3 of var_mean's, or by keyword
    size_t position = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      size_t at = k.empty() ? position++ : SIZE_MAX;
      bool kept = at == 0 || at == 1 || k == "input" || k == "dim" || k == "keepdim";
      if (!kept && at != 3) continue;  // unbiased, correction: var's and std's only
      mean.values.push_back(args.values[i]);
      mean.keywords.push_back(at == 3 ? "keepdim" : k);
      mean.spans.push_back(args.spans[i]);
      mean.exprs.push_back(args.exprs[i]);
    }
    PyValue second = tensor_op("mean", op_span, nullptr, mean, call);
    return make_tuple({first, second});
  }

  // F.linear(input, weight, bias=None) with tensors of the model (a custom linear layer's own
  // nn.Parameter weights: `F.linear(x, self.weight, self.bias)`): input @ weight.t() + bias, its
  // rows a transpose, a matmul and an add. For an input of 2 or 3 dims PyTorch adds the bias in
  // addmm, whose error a bias that does not fit gets; for more dims, the in-place add's.
  PyValue linear(const Args& args, Span op_span, Span at) {
    const PyValue* x = argument(args, 0, "input");
    const PyValue* weight = argument(args, 1, "weight");
    const PyValue* bias = argument(args, 2, "bias");
    if (!x || !weight) raise(at, "linear() missing required argument: 'input' and 'weight'");
    if (x->kind != PyValue::Kind::Tensor || weight->kind != PyValue::Kind::Tensor ||
        (bias && !bias->is_none() && bias->kind != PyValue::Kind::Tensor))
      unsupported_here(at, "F.linear of something other than tensors");
    const Shape& in = shape_now(x->name, at);
    const Shape& w = shape_now(weight->name, at);
    if (in.size() < 2 || w.size() != 2)
      unsupported_here(at, "F.linear of an input of fewer than 2 dims or a weight of other than 2",
                       "netshape follows F.linear(x, weight, bias) of [*, in], [out, in], [out]");
    PyValue y = tensor_arithmetic("@", *x, matrix_transpose(*weight, op_span), at);
    if (!bias || bias->is_none()) return y;
    const Shape& b = shape_now(bias->name, at);
    if (b.size() != 1 || b[0].symbolic() || w[0].symbolic())
      unsupported_here(at, "F.linear with a bias of other than 1 dim",
                       "give F.linear a bias of out_features elements");
    if (b[0].value != w[0].value && b[0].value != 1 && in.size() <= 3) {
      Checked rows = 1;
      for (size_t i = 0; i + 1 < in.size(); ++i) rows = rows * in[i].value;
      if (std::any_of(in.begin(), in.end(), [](const Dim& d) { return d.symbolic(); }) ||
          !rows.ok())
        unsupported_here(at, "F.linear with a bias that does not fit a batch-sized input");
      torch_error(*bias, at,
                  fmt::format("The expanded size of the tensor ({}) must match the existing size "
                              "({}) at non-singleton dimension 1.  Target sizes: [{}, {}].  Tensor "
                              "sizes: [{}]",
                              w[0].value, b[0].value, *rows.get(), w[0].value, b[0].value),
                  fmt::format("give the bias {} elements, the weight's rows", w[0].value));
    }
    return tensor_arithmetic("+", y, *bias, at);
  }

  // F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05). With the weight and
  // bias of one nn.LayerNorm (`self.weight`, `self.bias` in a subclass of it, as ConvNeXt's
  // LayerNorm2d writes its forward), that layer applied: its row, its parameters counted once.
  // Otherwise the function's row, its weight and bias (nn.Parameter attributes, as nanoGPT's
  // LayerNorm with an optional bias holds them, or tensors computed) its inputs.
  PyValue layer_norm(const Args& args, Span op_span, Span at) {
    static constexpr std::string_view kParams[] = {"input", "normalized_shape", "weight", "bias",
                                                   "eps"};
    check_python_call(args, kParams, 2, "layer_norm", at);
    const PyValue* x = argument(args, 0, "input");
    const PyValue* shape = argument(args, 1, "normalized_shape");
    const PyValue* weight = argument(args, 2, "weight");
    const PyValue* bias = argument(args, 3, "bias");
    const PyValue* eps = argument(args, 4, "eps");
    if (!x || x->kind != PyValue::Kind::Tensor)
      unsupported_here(at, "F.layer_norm of something other than a tensor");
    if (!shape)
      raise(at, "layer_norm() missing 1 required positional argument: \"normalized_shape\"");
    // `self.weight.shape`, `x.shape[-1:]`: the sizes, as references to the dims
    Value dims = to_ir(
        shape->kind == PyValue::Kind::Shape ? make_tuple(shape_items(*shape, at)) : *shape, at);
    bool ints = dims.kind == Value::Kind::Tuple || dims.kind == Value::Kind::List;
    for (const Value& d : dims.items)
      ints = ints && (d.kind == Value::Kind::Int || d.kind == Value::Kind::DimRef);
    if (!ints) {
      torch_error(*x, at,
                  fmt::format("layer_norm(): argument 'normalized_shape' (position 2) must be "
                              "tuple of ints, not {}",
                              type_name(*shape)),
                  fmt::format("pass a tuple of the trailing sizes: `({},)`", text_of(*shape)));
    }
    if (eps && !is_number(*eps))
      torch_error(*x, at,
                  fmt::format("layer_norm(): argument 'eps' (position 5) must be float, not {}",
                              type_name(*eps)),
                  "give eps a number, e.g. 1e-5");
    Value epsilon = eps ? to_ir(*eps, at) : Value::floating(1e-5, at);  // values only
    const PyValue* layer = weight_owner(weight, "weight");
    if (!layer || layer->module->op != "LayerNorm" || weight_owner(bias, "bias") == nullptr ||
        weight_owner(bias, "bias")->module != layer->module)
      return layer_norm_function(*x, dims, weight, bias, epsilon, op_span, at);
    std::vector<int64_t> own = int_list(layer_setting(*layer, "normalized_shape", at));
    std::vector<int64_t> given;  // `x.shape[-1:]`: the sizes it refers to
    for (const Value& d : dims.items)
      given.push_back(d.kind == Value::Kind::Int ? d.i : dim_value(d, at));
    if (given != own) {
      torch_error(*x, at,
                  fmt::format("Expected weight to be of same shape as normalized_shape, but got "
                              "weight of shape [{}] and normalized_shape = [{}]",
                              fmt::join(own, ", "), fmt::join(given, ", ")),
                  "pass the layer's own: `self.normalized_shape`");
    }
    return apply_layer(*layer->module, layer->name, {*x}, at, module_);
  }

  // A call of a Python function of torch.nn.functional (`params`, the first `required` of them
  // without defaults) as Python binds it: its TypeErrors for too many positional arguments, an
  // unknown keyword, or one argument given twice.
  void check_python_call(const Args& args, std::span<const std::string_view> params,
                         size_t required, std::string_view function, Span at) {
    std::string help = fmt::format("the signature is F.{}({})", function, fmt::join(params, ", "));
    size_t positional = 0;
    for (const std::string& k : args.keywords) positional += k.empty();
    if (positional > params.size())
      type_error_of_call(nullptr, args, at,
                         fmt::format("{}() takes from {} to {} positional arguments but {} were "
                                     "given",
                                     function, required, params.size(), positional),
                         help);
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      if (k.empty()) continue;
      auto it = std::find(params.begin(), params.end(), k);
      if (it == params.end())
        type_error_of_call(nullptr, args, args.spans[i],
                           fmt::format("{}() got an unexpected keyword argument '{}'", function, k),
                           help);
      if (static_cast<size_t>(it - params.begin()) < positional)
        type_error_of_call(nullptr, args, args.spans[i],
                           fmt::format("{}() got multiple values for argument '{}'", function, k),
                           help);
    }
  }

  // The row of a function of torch.nn.functional called in the current module's forward.
  Statement function_row(const std::string& op, Span op_span, Span at) const {
    Statement st;
    st.op = op;
    st.module = module_;
    st.op_span = op_span;
    st.span = at;
    return st;
  }

  // How to make `t`, read by an Embedding, indices: a model input is given as int64 (--input
  // with a dtype, or its comment), a computed tensor is cast.
  std::string token_ids_help(const PyValue& t) const {
    for (const InputDecl& in : L.program_.inputs)
      if (in.name == t.name)
        return fmt::format(
            "an Embedding looks up integer indices: give the input as token ids (`--input "
            "{0}=B,50:long`, or a `# input {0}: [B, 50] long` comment), or cast with `.long()`",
            in.name);
    return "an Embedding looks up integer indices: cast them with `.long()`";
  }

  // F.layer_norm and F.batch_norm of a tensor of another type than float32 and float64.
  static void floating_input(const PyValue& x, const char* function, Span at) {
    if (x.dtype != ElementType::Float32 && x.dtype != ElementType::Float64)
      unsupported_here(at,
                       fmt::format("`F.{}` of a {} tensor", function, element_type_name(x.dtype)),
                       "netshape follows float32 and float64 normalisations");
  }

  // F.layer_norm's row: its input, then its weight and bias tensors when given (their names also
  // among the arguments, which tells the rule which is which).
  PyValue layer_norm_function(const PyValue& x, Value dims, const PyValue* weight,
                              const PyValue* bias, Value epsilon, Span op_span, Span at) {
    std::optional<PyValue> tensors[2];
    const char* names[2] = {"weight", "bias"};
    for (size_t i = 0; i < 2; ++i) {
      const PyValue* given = i == 0 ? weight : bias;
      if (!given || given->is_none()) continue;
      tensors[i] = as_tensor_in_forward(*given, at);
      if (tensors[i]->kind != PyValue::Kind::Tensor)
        torch_error(x, at,
                    fmt::format("layer_norm(): argument '{}' (position {}) must be Tensor, not {}",
                                names[i], i + 3, type_name(*given)),
                    "pass a tensor, or None");
    }
    floating_input(x, "layer_norm", at);
    for (const std::optional<PyValue>& t : tensors)
      if (t && t->dtype != x.dtype)
        unsupported_here(at, "`F.layer_norm` of tensors of different types",
                         "give the input, the weight and the bias one type");
    Statement st = function_row("layer_norm", op_span, at);
    add_input(st, x, x.data.span, at);
    st.args.push_back(Arg{"", std::move(dims), at});
    for (size_t i = 0; i < 2; ++i) {
      Value named = Value::none(at);
      if (tensors[i]) {
        add_input(st, *tensors[i], at, at);
        named = Value::ident(st.inputs.back(), at);
      }
      st.args.push_back(Arg{keyword_name(names[i]), std::move(named), at});
    }
    st.args.push_back(Arg{keyword_name("eps"), std::move(epsilon), at});
    return emitted(std::move(st), at);
  }

  // F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
  // momentum=0.1, eps=1e-05), as functional forwards (MAML's) and weight standardisation call
  // it: the function's row, its running statistics, weight and bias (tensors, or None) its
  // inputs, their names among the arguments. The checks of their sizes are the rule's.
  PyValue batch_norm_function(const Args& args, Span op_span, Span at) {
    static constexpr std::string_view kParams[] = {"input", "running_mean", "running_var", "weight",
                                                   "bias",  "training",     "momentum",    "eps"};
    check_python_call(args, kParams, 3, "batch_norm", at);
    const PyValue* x = argument(args, 0, "input");
    if (!x || x->kind != PyValue::Kind::Tensor)
      unsupported_here(at, "F.batch_norm of something other than a tensor");
    if (!argument(args, 1, "running_mean") || !argument(args, 2, "running_var"))
      raise(at,
            "batch_norm() missing required positional arguments: 'running_mean' and "
            "'running_var'",
            "pass None for both to use the batch's statistics, with "
            "training=True");
    floating_input(*x, "batch_norm", at);
    Statement st = function_row("batch_norm", op_span, at);
    add_input(st, *x, x->data.span, at);
    // torch.batch_norm's positions, which its TypeErrors name
    static constexpr int kPositions[] = {0, 4, 5, 2, 3};
    for (size_t i = 1; i <= 4; ++i) {
      const std::string name(kParams[i]);
      const PyValue* given = argument(args, i, name);
      Value named = Value::none(at);
      if (given && !given->is_none()) {
        PyValue t = as_tensor_in_forward(*given, at);
        if (t.kind != PyValue::Kind::Tensor)
          torch_error(*x, at,
                      fmt::format("batch_norm(): argument '{}' (position {}) must be Tensor, not "
                                  "{}",
                                  name, kPositions[i], type_name(*given)),
                      "pass a tensor of one element per channel, or None");
        if (t.dtype != x->dtype)
          unsupported_here(at, "`F.batch_norm` of tensors of different types",
                           "give the input, the statistics, the weight and the bias one type");
        add_input(st, t, at, at);
        named = Value::ident(st.inputs.back(), at);
      }
      st.args.push_back(Arg{keyword_name(name), std::move(named), at});
    }
    for (size_t i = 5; i < std::size(kParams); ++i) {
      const PyValue* given = argument(args, i, std::string(kParams[i]));
      if (!given) continue;
      // torch.batch_norm's parser: training a bool, momentum and eps numbers (positions 6-8)
      bool fits = i == 5 ? given->is(Value::Kind::Bool) : is_number(*given);
      if (!fits)
        torch_error(*x, at,
                    fmt::format("batch_norm(): argument '{}' (position {}) must be {}, not {}",
                                kParams[i], i + 1, i == 5 ? "bool" : "float", type_name(*given)),
                    i == 5 ? "write training=True or training=False" : "give it a number");
      st.args.push_back(Arg{keyword_name(kParams[i]), to_ir(*given, at), at});
    }
    return emitted(std::move(st), at);
  }

  // F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, ...) with the
  // weight of one nn.Embedding (`self.weight` in a subclass of it, its forward written out, as
  // scaled embeddings write it) and its padding_idx and max_norm: that layer applied. Another
  // table is refused (netshape reads a lookup as nn.Embedding).
  PyValue embedding_of_layer(const Args& args, Span at) {
    const PyValue* ids = argument(args, 0, "input");
    const PyValue* weight = argument(args, 1, "weight");
    const PyValue* layer = weight_owner(weight, "weight");
    if (!ids || ids->kind != PyValue::Kind::Tensor || !layer || layer->module->op != "Embedding")
      unsupported_here(at, "F.embedding with a table other than one nn.Embedding's weight",
                       "make the table a layer, `self.emb = nn.Embedding(num_embeddings, "
                       "embedding_dim)`, and call `self.emb(ids)`");
    // padding_idx (positive, or counted from the end as the layer stores it) and max_norm decide
    // the values: they must be the layer's
    for (const auto& [position, name] :
         {std::pair<size_t, const char*>{2, "padding_idx"}, {3, "max_norm"}}) {
      const PyValue* given = argument(args, position, name);
      Value passed = given ? to_ir(*given, at) : Value::none(at);
      Value own = layer_setting(*layer, name, at);
      for (Value* v : {&passed, &own})  // a negative index counts from the end, in both
        if (v->kind == Value::Kind::Int && v->i < 0 && name == std::string_view("padding_idx"))
          v->i += int_list(layer_setting(*layer, "num_embeddings", at)).at(0);
      if (to_source(passed) != to_source(own))
        unsupported_here(
            at,
            fmt::format("F.embedding with a {} other than its layer's ({})", name, to_source(own)),
            "apply the layer itself: `self.emb(ids)`");
    }
    return apply_layer(*layer->module, layer->name, {*ids}, at, module_);
  }

  // F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) with the weight and bias
  // of one nn.GroupNorm and its num_groups (a subclass's forward written out, as diffusion
  // U-Nets' GroupNorm32 writes it): that layer applied, whose forward makes this very call. Any
  // other form is refused (its errors are F.group_norm's, not the layer's constructor's).
  PyValue group_norm_of_layer(const Args& args, Span at) {
    const PyValue* x = argument(args, 0, "input");
    const PyValue* groups = argument(args, 1, "num_groups");
    const PyValue* weight = argument(args, 2, "weight");
    const PyValue* bias = argument(args, 3, "bias");
    const PyValue* layer = weight_owner(weight, "weight");
    const PyValue* bias_layer = weight_owner(bias, "bias");
    const PyValue* eps = argument(args, 4, "eps");
    auto same = [&](const PyValue* passed, const char* name, Value fallback) {
      Value v = passed ? to_ir(*passed, at) : fallback;  // eps decides the values `run` computes
      return to_source(v) == to_source(layer_setting(*layer, name, at));
    };
    bool own = x && x->kind == PyValue::Kind::Tensor && groups && layer &&
               layer->module->op == "GroupNorm" && bias_layer &&
               bias_layer->module == layer->module && same(groups, "num_groups", Value::none(at)) &&
               same(eps, "eps", Value::floating(1e-05, at));
    if (!own)
      unsupported_here(at,
                       "F.group_norm other than with one nn.GroupNorm's groups, weight, bias "
                       "and eps",
                       "apply an nn.GroupNorm: `self.norm = nn.GroupNorm(8, 32)`, `self.norm(x)`");
    return apply_layer(*layer->module, layer->name, {*x}, at, module_);
  }

  // The layer whose `weight` or `bias` (as `what`) `v` is; null for anything else.
  static const PyValue* weight_owner(const PyValue* v, const char* what) {
    if (!v || v->kind != PyValue::Kind::Opaque || v->name != what || !v->method_self)
      return nullptr;
    const PyValue& layer = *v->method_self;
    return layer.kind == PyValue::Kind::Module && layer.module ? &layer : nullptr;
  }

  // A size or a tuple of sizes as a list (`8` and `(8,)` alike); empty when it is neither.
  static std::vector<int64_t> int_list(const Value& v) {
    if (v.kind == Value::Kind::Int) return {v.i};
    std::vector<int64_t> out;
    if (v.kind != Value::Kind::Tuple && v.kind != Value::Kind::List) return out;
    for (const Value& item : v.items) {
      if (item.kind != Value::Kind::Int) return {};
      out.push_back(item.i);
    }
    return out;
  }

  // One statement `op(input, args...)` the interpreter writes itself (indexing, chunks).
  PyValue tensor_statement(const std::string& op, const PyValue& input, std::vector<Value> args,
                           Span at) {
    Statement st;
    st.op = op;
    st.op_span = at;
    st.span = at;
    st.module = module_;
    add_input(st, input, input.data.span, at);
    for (Value& v : args) st.args.push_back(Arg{"", std::move(v), at});
    return emitted(std::move(st), at);
  }

  // The argument at `position`, or given as `keyword`; null when neither.
  static const PyValue* argument(const Args& args, size_t position, const std::string& keyword) {
    size_t positional = 0;
    for (size_t i = 0; i < args.values.size(); ++i) {
      if (args.keywords[i] == keyword) return &args.values[i];
      if (args.keywords[i].empty() && positional++ == position) return &args.values[i];
    }
    return nullptr;
  }

  // dim as PyTorch wraps it for a tensor of `rank` dims (an error out of range).
  static int64_t wrapped_dim(int64_t dim, int64_t rank, Span at) {
    std::optional<int64_t> w = wrap_dim(dim, rank);
    if (!w) raise(at, dim_out_of_range(std::to_string(dim), rank));
    return *w;
  }

  // x.chunk(n, dim), x.split(size or sizes, dim), x.unbind(dim): the pieces PyTorch returns, each
  // a narrow (or, for unbind, a select) of the tensor, sized from its shape now.
  // `method`: x.split(split_size=), where torch.split's Python names it split_size_or_sections.
  PyValue split_tensor(const PyValue& t, const std::string& how, const Args& args, Span at,
                       bool method) {
    int64_t rank = static_cast<int64_t>(shape_now(t.name, at).size());
    const PyValue* dim_arg = argument(args, how == "unbind" ? 0 : 1, "dim");
    int64_t given = dim_arg != nullptr ? parsed_int_of(t, *dim_arg, how, "dim", at) : 0;
    std::optional<int64_t> wrapped = wrap_dim(given, rank);
    if (!wrapped)
      torch_error(t, at, dim_out_of_range(std::to_string(given), rank), dims_help(rank));
    int64_t dim = *wrapped;
    int64_t size = dim_value(Value::dim_ref(t.name, dim, at), at);
    PyList pieces;
    if (how == "unbind") {
      for (int64_t i = 0; i < size; ++i) {
        pieces.push_back(tensor_statement("select", t, {int_value(dim, at), int_value(i, at)}, at));
        last_is_one_of_several();
      }
      guard_pieces(t, pieces, "UnbindBackward0");
      return make_tuple(std::move(pieces));
    }
    std::vector<int64_t> lengths;
    const char* what = how == "chunk"             ? "chunks"
                       : method && how == "split" ? "split_size"
                                                  : "split_size_or_sections";
    for (size_t i = 0; i < args.values.size(); ++i)
      if (!args.keywords[i].empty() && args.keywords[i] != what && args.keywords[i] != "dim")
        type_error_of_call(&t, args, args.spans[i],
                           fmt::format("{}() got an unexpected keyword argument '{}'",
                                       method ? "Tensor." + how : how, args.keywords[i]),
                           fmt::format("name it {}", what));
    const PyValue* count = argument(args, 0, what);
    if (count == nullptr) raise(at, how + "() missing required argument: '" + what + "'");
    if (how == "chunk") {
      int64_t chunks = parsed_int_of(t, *count, how, what, at);
      if (chunks <= 0) {
        torch_error(t, at,
                    fmt::format("chunk expects `chunks` to be greater than 0, got: {}", chunks),
                    "split into one or more chunks");
      }
      // an empty dim: `chunks` empty pieces (PyTorch's split_with_sizes of zeros)
      if (size == 0)
        lengths.assign(  // more than the most rows: emit's limit error
            static_cast<size_t>(std::min<int64_t>(chunks, limits::kMaxStatements + 1)), 0);
      int64_t each = size == 0 ? 0 : (size + chunks - 1) / chunks;
      for (int64_t start = 0; start < size; start += each)
        lengths.push_back(std::min(each, size - start));
    } else if (count->kind == PyValue::Kind::List || count->kind == PyValue::Kind::Tuple) {
      std::string sizes;
      int64_t sum = 0;
      PyList items = iterate(*count, at);
      if (!items.empty() && items[0].is(Value::Kind::Bool))  // the parser reads the first item
        torch_error(t, at,
                    fmt::format("split_with_sizes(): argument 'split_sizes' (position 2) must be "
                                "tuple of ints, not {}",
                                type_name(*count)),
                    "give the sizes as ints");
      for (const PyValue& v : items) {
        lengths.push_back(int_of(v, at));
        sizes += (sizes.empty() ? "" : ", ") + std::to_string(lengths.back());
        sum += lengths.back();
      }
      if (sum != size) {
        torch_error(t, at,
                    fmt::format("split_with_sizes expects split_sizes to sum exactly to {} (input "
                                "tensor's size at dimension {}), but got split_sizes=[{}]",
                                size, dim, sizes),
                    fmt::format("give sizes that add up to {}", size));
      }
    } else {
      int64_t each = parsed_int_of(t, *count, how, "split_size", at);
      if (each < 0) {
        torch_error(
            t, at,
            fmt::format("split expects split_size be non-negative, but got split_size={}", each),
            "give a split size of 1 or more");
      }
      if (size == 0) lengths.push_back(0);  // an empty dim: one empty piece, whatever the size
      if (each == 0 && size != 0) {
        torch_error(t, at,
                    fmt::format("split_size can only be 0 if dimension size is 0, but got "
                                "dimension size of {}",
                                size),
                    "give a split size of 1 or more");
      }
      for (int64_t start = 0; start < size; start += each)
        lengths.push_back(std::min(each, size - start));
    }
    int64_t start = 0;
    for (int64_t length : lengths) {
      pieces.push_back(tensor_statement(
          "narrow", t, {int_value(dim, at), int_value(start, at), int_value(length, at)}, at));
      last_is_one_of_several();
      start += length;
    }
    bool sizes = count->kind == PyValue::Kind::List || count->kind == PyValue::Kind::Tuple;
    guard_pieces(t, pieces, sizes ? "SplitWithSizesBackward0" : "SplitBackward0");
    return make_tuple(std::move(pieces));
  }

  // A write into tensor `root`'s memory (through any name or view): its guarded pieces are used
  // no more (`q, k = h.chunk(2, -1); h.mul_(2); k + 1` is autograd's error at `k + 1`).
  void pieces_written_under(const std::string& root) {
    if (auto it = pieces_of_.find(root); it != pieces_of_.end())
      pieces_written_under_.insert(it->second.begin(), it->second.end());
  }

  // PyTorch's error for a use of piece `t` in grad mode after its memory was written in place.
  void check_piece_use(const PyValue& t, Span at) {
    if (pieces_written_under_.empty() || !forward_ || !grad_enabled_ || t.no_grad ||
        t.copy != PyValue::Copy::None || !t.steps.empty() || !pieces_written_under_.count(t.name))
      return;  // a copy made before the write reads what it copied (made after it, it failed)
    const WriteGuard& g = guards_.at(t.name);
    torch_error(t, at,
                fmt::format("Output {} of {} is a view and its base or another view of its base "
                            "has been modified inplace. This view is the output of a function "
                            "that returns multiple views. Such functions do not allow the output "
                            "views to be modified inplace. You should replace the inplace "
                            "operation by an out-of-place one.",
                            g.output, g.function),
                "take the pieces after the in-place write, or write out of place");
  }

  // The pieces of split, chunk or unbind of a tensor that needs a gradient: autograd refuses an
  // in-place write into any of them (its node `function` returns several views).
  void guard_pieces(const PyValue& t, const PyList& pieces, const char* function) {
    if (!grad_enabled_ || !requires_grad(t)) return;
    for (size_t k = 0; k < pieces.size(); ++k) {
      guards_[pieces[k].name] = WriteGuard{Guarded::piece, static_cast<uint32_t>(k), function};
      pieces_of_[memory_root(pieces[k].name)].push_back(pieces[k].name);
    }
  }

  static Value int_value(int64_t v, Span at) { return Value::integer(v, at); }

  static bool is_ellipsis(const PyValue& v) {
    return v.kind == PyValue::Kind::Builtin && v.name == "Ellipsis";
  }

  // x[i], x[:, 0], x[..., :-1], x[:, None]: basic indexing from the left, as PyTorch does it: an
  // integer selects (the dim goes), a slice narrows, None inserts a dim, `...` skips dims.
  PyValue index_tensor(const PyValue& t, const PyValue& index, Span at) {
    bool several = index.kind == PyValue::Kind::Tuple && index.name != "slice";
    PyList items = several ? index.items : PyList{index};
    int64_t rank = static_cast<int64_t>(shape_now(t.name, at).size());
    int64_t used = 0;  // the items that name a dim: integers and slices
    for (const PyValue& i : items)
      used += i.is_none() || is_ellipsis(i) || i.is(Value::Kind::Bool) ? 0 : 1;
    if (used > rank)  // PyTorch's IndexError
      torch_error(t, at, fmt::format("too many indices for tensor of dimension {}", rank),
                  fmt::format("the tensor has {} dims: index at most {} of them", rank, rank));
    PyValue current = t;
    int64_t dim = 0;  // the dim of `current` the next index applies to
    int64_t ellipses_seen = 0;
    bool listed = false;  // a list of indices (advanced indexing) came already
    // The list or index tensor: its dim of `current` and its position. PyTorch applies it after
    // every basic item (integers select first, slices narrow first, wherever they stand).
    std::optional<std::pair<int64_t, size_t>> advanced;
    // A second index tensor right after the first (`x[torch.arange(n), idx]`): its position.
    std::optional<size_t> paired;
    bool saw_int = false;
    bool saw_bool = false;
    for (size_t position = 0; position < items.size(); ++position) {
      const PyValue& i = items[position];
      // PyTorch 1.13 takes several `...`, each standing for the dims no other item names;
      // followed while no other item comes after the second.
      if (ellipses_seen > 1 && !is_ellipsis(i))
        unsupported_here(at, "an index with other items after a second `...`",
                         "write one `...` (PyTorch 2 refuses several)");
      if (is_ellipsis(i)) {
        ++ellipses_seen;
        dim += rank - used;
      } else if (i.is_none() || i.is(Value::Kind::Bool)) {
        // x[True] adds a dim of 1 as None does; x[False] one of 0, which netshape does not follow
        if (i.is(Value::Kind::Bool) && !i.data.b)
          unsupported_here(at, "indexing a tensor with False (a dim of size 0)");
        saw_bool = saw_bool || i.is(Value::Kind::Bool);
        current = tensor_statement("unsqueeze", current, {int_value(dim, at)}, at);
        ++dim;
      } else if (i.kind == PyValue::Kind::Tuple && i.name == "slice") {
        current = narrow_slice(current, dim, i, at);
        ++dim;
      } else if (i.is(Value::Kind::Int) || i.is(Value::Kind::DimRef)) {
        saw_int = true;
        // PyTorch selects at an integer first, also beside a list (`x[0, [1, 2]]`)
        current = tensor_statement("select", current,
                                   {int_value(dim, at), int_value(int_of(i, at), at)}, at);
        // PyTorch's check of it names the item's position as the dim (`x[..., 8]`: dimension 1)
        L.program_.statements.back().extras_for_write().index_item = static_cast<int>(position);
      } else if (is_index_list(i) || i.kind == PyValue::Kind::Tensor ||
                 i.kind == PyValue::Kind::Values) {
        bool pairs = listed && !paired && advanced && advanced->second + 1 == position &&
                     i.kind == PyValue::Kind::Tensor &&
                     items[advanced->second].kind == PyValue::Kind::Tensor;
        if (pairs) {
          check_index_type(current, i, at);
          paired = position;
          ++dim;
          continue;
        }
        if (listed)  // several index tensors broadcast together, and their dims may move
          unsupported_here(at, "indexing a tensor with more than one list or index tensor",
                           "index one dim at a time: `x[:, [0, 2]][..., [1]]`");
        listed = true;
        check_index_type(current, i, at);
        if (i.kind == PyValue::Kind::Values && i.values->scalar) {  // x[torch.tensor(2)]: an int
          current = tensor_statement("select", current,
                                     {int_value(dim, at), int_value(i.values->as_int(0), at)}, at);
          L.program_.statements.back().extras_for_write().index_item = static_cast<int>(position);
        } else {
          advanced = std::pair{dim, position};
          ++dim;
        }
      } else {
        unsupported_here(at, "indexing a tensor with " + describe(i),
                         "netshape follows basic indexing (integers, slices, None and ...) and "
                         "one list of integers or index tensor");
      }
    }
    if (!advanced) return current;
    if (saw_bool)  // PyTorch makes True an index tensor too, broadcast with the other
      unsupported_here(at, "`True` beside an index list or tensor",
                       "write None for a new dim of 1, or index in two steps");
    const auto& [at_dim, position] = *advanced;
    const PyValue& i = items[position];
    if (paired) {
      if (saw_int)  // PyTorch broadcasts the integer with them: where the dims go differs
        unsupported_here(at, "an integer beside two index tensors",
                         "index the integer first: `x[:, 0][a, b]`");
      return indexed_by_pair(current, i, items[*paired], at_dim, at);
    }
    if (i.kind == PyValue::Kind::Tensor)  // its dims take the place of the one it indexes
      return indexed_by_tensor(current, i, at_dim, at);
    return tensor_statement("index", current, {int_value(at_dim, at), index_list(i, at)}, at);
  }

  // An index tensor's type as PyTorch's indexing checks it: int64 positions (a 0-dim tensor of
  // any integer type: an integer); a bool or uint8 one is a mask (the result's size would be its
  // count of true elements, which netshape does not know); any other is PyTorch's IndexError,
  // where forward stops at the tensor indexed.
  void check_index_type(const PyValue& indexed, const PyValue& i, Span at) {
    ElementType type = i.kind == PyValue::Kind::Tensor   ? i.dtype
                       : i.kind == PyValue::Kind::Values ? element_type_of_dtype(i.values->dtype)
                                                         : ElementType::Int64;
    bool zero_dim = i.kind == PyValue::Kind::Tensor   ? shape_now(i.name, at).empty()
                    : i.kind == PyValue::Kind::Values ? i.values->scalar
                                                      : false;
    if (type == ElementType::Bool || type == ElementType::UInt8)
      unsupported_here(at, "indexing a tensor with a mask (a bool or uint8 tensor)",
                       "the result's size is the mask's count of True elements, which depends on "
                       "the data; use `torch.where(mask, x, 0)` or `x.masked_fill(~mask, 0)` to "
                       "keep the shape");
    bool integer = type == ElementType::Int32 || type == ElementType::Int16 ||
                   type == ElementType::Int8;  // a 0-dim one is an integer to PyTorch
    if (type != ElementType::Int64 && !(zero_dim && integer))
      torch_error(indexed, at, "tensors used as indices must be long, byte or bool tensors",
                  "index with int64 positions: `.long()` the index tensor");
  }

  // x[a, b] with int64 index tensors a and b for the adjacent dims `dim` and `dim + 1`
  // (`out[torch.arange(n), lengths - 1]`, the last step of each sequence): their broadcast shape
  // takes the place of the two dims. Read as the same elements of the two dims flattened into
  // one, x.flatten(dim, dim + 1)[a * size + b], rows of their own; `run` follows those values
  // only for indices in range and not negative, so it says its values may not be PyTorch's.
  PyValue indexed_by_pair(const PyValue& t, const PyValue& a, const PyValue& b, int64_t dim,
                          Span at) {
    const Shape& sa = shape_now(a.name, at);
    const Shape& sb = shape_now(b.name, at);
    for (size_t k = 1; k <= std::min(sa.size(), sb.size()); ++k) {
      const Dim& x = sa[sa.size() - k];
      const Dim& y = sb[sb.size() - k];
      if (x == y || x == fixed(1) || y == fixed(1)) continue;
      torch_error(t, at,
                  fmt::format("shape mismatch: indexing tensors could not be broadcast together "
                              "with shapes {}, {}",
                              to_string(sa), to_string(sb)),
                  "give the two index tensors shapes that broadcast, e.g. the same");
    }
    PyValue size = size_ref(t.name, dim + 1, at);
    PyValue flat = tensor_statement("flatten", t, {int_value(dim, at), int_value(dim + 1, at)}, at);
    PyValue position = binary("+", binary("*", a, size, at), b, at);
    note_values_unfollowed("two index tensors (read as one into the dims flattened)", at);
    return indexed_by_tensor(flat, position, dim, at);
  }

  // x[..., i] with an int64 index tensor i at `dim`: the slices of dim at i's values, in i's
  // shape (aten::index).
  PyValue indexed_by_tensor(const PyValue& t, const PyValue& index, int64_t dim, Span at) {
    Statement st;
    st.op = "index";
    st.op_span = st.span = at;
    st.module = module_;
    add_input(st, t, t.data.span, at);
    add_input(st, index, index.data.span, at);
    st.args.push_back(Arg{"", int_value(dim, at), at});
    return emitted(std::move(st), at);
  }

  // `x[:, [0, 2]]`, `x[:, (0, 2)]`: a list or tuple inside the index (not the tuple of the
  // index itself), which PyTorch turns into an int64 index tensor.
  static bool is_index_list(const PyValue& i) {
    return i.kind == PyValue::Kind::List ||
           (i.kind == PyValue::Kind::Tuple && i.name != "slice" && i.keywords.empty());
  }

  // The integers of an index list (or of a tensor of known int64 values); booleans (a mask),
  // floats and nested lists are refused.
  Value index_list(const PyValue& list, Span at) {
    Value out;
    out.kind = Value::Kind::List;
    out.span = at;
    if (list.kind == PyValue::Kind::Values) {  // `x[torch.tensor([0, 2])]`: its int64 values
      for (size_t k = 0; k < list.values->size(); ++k)
        out.items.push_back(int_value(list.values->as_int(k), at));
      return out;
    }
    for (const PyValue& item : iterate(list, at)) {
      if (!item.is(Value::Kind::Int) && !item.is(Value::Kind::DimRef))
        unsupported_here(at, "an index list of " + describe(item),
                         "netshape follows lists of integers (a list of booleans is a mask)");
      out.items.push_back(int_value(int_of(item, at), at));
    }
    return out;
  }

  // x[..., a:b:s] at `dim`: the rows a slice keeps, as one narrow (none for a whole `:`), or a
  // slice with a step.
  PyValue narrow_slice(const PyValue& t, int64_t dim, const PyValue& slice, Span at) {
    const PyValue &lower = slice.items[0], &upper = slice.items[1], &step = slice.items[2];
    int64_t every = step.is_none() ? 1 : int_of(step, at);
    if (every == 0) raise(at, "slice step cannot be zero");  // Python's, making the slice
    if (every < 0)  // PyTorch's ValueError: no tensor has negative strides
      torch_error(
          t, at, "step must be greater than zero",
          fmt::format("to reverse dim {} use `.flip({})`; a slice takes only positive steps", dim,
                      dim));
    if (lower.is_none() && upper.is_none() && every == 1) return t;
    int64_t n = dim_value(Value::dim_ref(t.name, dim, at), at);
    auto bound = [&](const PyValue& b, int64_t fallback) {
      if (b.is_none()) return fallback;
      int64_t x = int_of(b, at);
      return std::clamp(x < 0 ? x + n : x, int64_t{0}, n);
    };
    int64_t lo = bound(lower, 0), hi = bound(upper, n);
    if (every != 1) {  // x[a:b:s]: a view with the dim's stride times s, as PyTorch's slice
      return tensor_statement("slice", t,
                              {int_value(dim, at), int_value(lo, at),
                               int_value(std::max(hi, lo), at), int_value(every, at)},
                              at);
    }
    return tensor_statement(
        "narrow", t,
        {int_value(dim, at), int_value(lo, at), int_value(std::max<int64_t>(hi - lo, 0), at)}, at);
  }

  // x.max() and x.max(dim) over no elements: PyTorch's errors, which name max (min), not the
  // amax and argmax rows netshape reads it as.
  void check_nonempty_max_min(const PyValue& t, const std::string& name, const PyValue* dim,
                              Span at) {
    const Shape& shape = shape_now(t.name, at);
    if (dim == nullptr) {
      if (!has_zero_dim(shape)) return;
      torch_error(t, at,
                  name +
                      "(): Expected reduction dim to be specified for input.numel() == 0. "
                      "Specify the reduction dim with the 'dim' argument.",
                  fmt::format("the input {} has no elements: give it elements", to_string(shape)));
    }
    if (!dim->is(Value::Kind::Int)) return;  // the row's rule checks the rest
    std::optional<int64_t> w = wrap_dim(dim->data.i, static_cast<int64_t>(shape.size()));
    if (!w || shape.empty()) return;
    const Dim& d = shape[static_cast<size_t>(*w)];
    if (d.symbolic() || d.value != 0) return;
    torch_error(t, at,
                fmt::format("{}(): Expected reduction dim {} to have non-zero size.", name, *w),
                fmt::format("dim {} of {} is empty: there is nothing to take the {} of", *w,
                            to_string(shape), name));
  }

  // x.max() is amax over every dim; x.max(dim[, keepdim]) is PyTorch's (values, indices), amax
  // and argmax; x.max(y) is the elementwise maximum (min likewise).
  PyValue max_min(const PyValue& t, const std::string& name, const Args& args, const Expr& call) {
    bool max = name == "max";
    const Expr& callee = call.items[0];
    Span op_span = callee.kind == Expr::Kind::Attribute ? callee.name_span : callee.span;
    const PyValue* other = argument(args, 0, "other");
    if (other != nullptr && other->kind == PyValue::Kind::Tensor)
      return tensor_op(max ? "maximum" : "minimum", op_span, &t, args, call);
    if (const PyValue* dim = argument(args, 0, "dim"); dim != nullptr && dim->is_none())
      torch_error(t, call.span, "Please look up dimensions by name, got: name = None.",
                  fmt::format("give the dim: x.{}(dim=1), or none to reduce everything", name));
    if (argument(args, 0, "dim") == nullptr && argument(args, 1, "keepdim") != nullptr)
      torch_error(t, call.span, keepdim_without_dim(name),
                  fmt::format("keepdim goes with a dim: x.{}(dim=1, keepdim=True)", name));
    check_nonempty_max_min(t, name, argument(args, 0, "dim"), call.span);
    PyValue values = tensor_op(max ? "amax" : "amin", op_span, &t, args, call);
    if (argument(args, 0, "dim") == nullptr) return values;
    last_is_one_of_several();
    PyValue indices = tensor_op(max ? "argmax" : "argmin", op_span, &t, args, call);
    last_is_one_of_several();
    return return_type(name, {values, indices}, {"values", "indices"});
  }

  // x.sort(dim, descending), x.topk(k, dim, largest, sorted): PyTorch's (values, indices), a row
  // each, the indices' the call's second result (int64). topk's sorted=False leaves the order to
  // PyTorch's kernel, which `run` does not follow.
  PyValue values_and_indices(const PyValue& t, const std::string& name, const Args& args,
                             const Expr& call) {
    const Expr& callee = call.items[0];
    Span op_span = callee.kind == Expr::Kind::Attribute ? callee.name_span : callee.span;
    PyValue values = tensor_op(name, op_span, &t, args, call);
    last_is_one_of_several();
    Statement st = L.program_.statements.back();
    st.name = L.unique_name(values.name + ".indices");
    st.named = false;
    st.extras_for_write().output_index = 1;
    PyValue indices = emitted(std::move(st), call.span, ElementType::Int64);
    last_is_one_of_several();
    const PyValue* sorted = name == "topk" ? argument(args, 3, "sorted") : nullptr;
    if (sorted && sorted->is(Value::Kind::Bool) && !sorted->data.b)
      note_values_unfollowed("`topk(sorted=False)` (its order is the kernel's)", call.span);
    return return_type(name, {values, indices}, {"values", "indices"});
  }

  // x.index_select(dim, index), torch.index_select(x, dim, index): the slices of `dim` at the
  // index's positions, in its order (a 0-dim index: one, its dim kept, of size 1). PyTorch's
  // checks in its order: the dim, an index of one dim at most, of int64 or int32; positions
  // known (`torch.tensor([0, 2])`) must lie in the dim.
  PyValue index_select(const PyValue& t, const Args& args, Span at) {
    const PyValue* dim_arg = argument(args, 0, "dim");
    const PyValue* index = argument(args, 1, "index");
    if (!dim_arg || !index || !dim_arg->is(Value::Kind::Int) ||
        (index->kind != PyValue::Kind::Tensor && index->kind != PyValue::Kind::Values))
      raise(at, "index_select() takes an int dim and an index tensor",
            "write `x.index_select(1, idx)` with idx an int64 tensor");
    const Shape& shape = shape_now(t.name, at);
    if (shape.empty())
      unsupported_here(at, "index_select of a 0-dim tensor", "index a tensor of one dim or more");
    int64_t rank = static_cast<int64_t>(shape.size());
    std::optional<int64_t> dim = wrap_dim(dim_arg->data.i, rank);
    if (!dim)
      torch_error(t, at, dim_out_of_range(std::to_string(dim_arg->data.i), rank),
                  fmt::format("give a dim of the tensor's {}", rank));
    bool known = index->kind == PyValue::Kind::Values;
    size_t index_rank =
        known ? value_sizes(*index->values).size() : shape_now(index->name, at).size();
    ElementType type = known ? element_type_of_dtype(index->values->dtype) : index->dtype;
    if (index_rank > 1)
      torch_error(t, at, "index_select(): Index is supposed to be a vector",
                  "give the positions as a tensor of one dim: `idx.flatten()`");
    if (type != ElementType::Int64 && type != ElementType::Int32)
      torch_error(t, at, "index_select(): Expected dtype int32 or int64 for index",
                  "give int64 positions: `idx.long()`");
    const Dim& size = shape[static_cast<size_t>(*dim)];
    if (known) {  // the positions PyTorch checks against the dim (no negative ones)
      for (size_t k = 0; k < index->values->size(); ++k) {
        int64_t position = index->values->as_int(k);  // (a batch's: its rule checks the rest)
        if (position >= 0 && (size.symbolic() || position < size.value)) continue;
        torch_error(t, at, index_select_out_of_range(*dim, position, to_string(size)),
                    fmt::format("give positions from 0 to {} - 1", to_string(size)));
      }
      return tensor_statement("index", t, {int_value(*dim, at), index_list(*index, at)}, at);
    }
    PyValue picked = indexed_by_tensor(t, *index, *dim, at);
    L.program_.statements.back().extras_for_write().index_select = true;
    if (index_rank == 1) return picked;
    return tensor_statement("unsqueeze", picked, {int_value(*dim, at)}, at);  // dim kept
  }

  static bool is_dim_mover(const std::string& name) {
    return name == "movedim" || name == "moveaxis" || name == "swapaxes" || name == "swapdims";
  }

  // x.swapaxes(axis0, axis1) and x.swapdims(dim0, dim1): transpose; x.movedim(source,
  // destination) (moveaxis): the permute that puts each source dim at its destination and the
  // other dims, in order, in the places left. `input_first`: torch.movedim(x, ...), whose
  // positions count x (its arguments here are those after x).
  PyValue moved_dims(const PyValue& t, const std::string& name, const Args& args, bool input_first,
                     Span at) {
    if (name == "swapaxes" || name == "swapdims") {
      bool axes = name == "swapaxes";
      const ParsedParam params[] = {{axes ? "axis0" : "dim0", true, false, false, true},
                                    {axes ? "axis1" : "dim1", true, false, false, true}};
      Args counted = args;  // the positions the parser names count the tensor of torch.swapaxes
      if (input_first) {
        counted.values.insert(counted.values.begin(), t);
        counted.keywords.insert(counted.keywords.begin(), "");
        counted.spans.insert(counted.spans.begin(), at);
        counted.exprs.insert(counted.exprs.begin(), nullptr);
      }
      parser_check(name, &t, counted, input_first, params, false,
                   fmt::format("give the two dims as ints: `x.{}(1, 2)`", name), at);
      const PyValue* a = argument(args, 0, axes ? "axis0" : "dim0");
      const PyValue* b = argument(args, 1, axes ? "axis1" : "dim1");
      if (!a || !b)
        type_error_of_call(&t, args, at,
                           fmt::format("{}() missing 1 required positional arguments: \"{}\"", name,
                                       !a ? (axes ? "axis0" : "dim0") : (axes ? "axis1" : "dim1")),
                           fmt::format("give the two dims: `x.{}(1, 2)`", name));
      return tensor_statement("transpose", t, {to_ir(*a, at), to_ir(*b, at)}, at);
    }
    const PyValue* source = argument(args, 0, "source");
    const PyValue* destination = argument(args, 1, "destination");
    size_t positional = 0;
    bool unknown = false;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const std::string& k = args.keywords[i];
      positional += k.empty() ? 1 : 0;
      unknown = unknown || (!k.empty() && k != "source" && k != "destination");
      if (tensor_like(args.values[i]))
        unsupported_here(args.spans[i], "a tensor as a dim of `" + name + "`",
                         "give the dims as ints");
    }
    // an int, or a tuple or list of ints (an element of another type: the parser's error)
    auto dims_of = [&](const PyValue* v, const char* param, std::vector<int64_t>& out) {
      if (v && v->is(Value::Kind::Int)) {
        out.push_back(int_of(*v, at));
        return true;
      }
      if (!v || (v->kind != PyValue::Kind::Tuple && v->kind != PyValue::Kind::List)) return false;
      size_t pos = 0;
      for (const PyValue& d : iterate(*v, at)) {
        ++pos;
        if (tensor_like(d))
          unsupported_here(at, "a tensor as a dim of `" + name + "`", "give the dims as ints");
        if (!d.is(Value::Kind::Int))
          torch_error(t, at,
                      fmt::format("{}(): argument '{}' must be tuple of ints, but found element "
                                  "of type {} at pos {}",
                                  name, param, parser_type(d), pos),
                      "give the dims as ints");
        out.push_back(int_of(d, at));
      }
      return true;
    };
    std::vector<int64_t> from, to;
    bool ints =
        source && destination && source->is(Value::Kind::Int) == destination->is(Value::Kind::Int);
    if (!ints || positional > 2 || unknown || !dims_of(source, "source", from) ||
        !dims_of(destination, "destination", to)) {
      Args counted = args;
      if (input_first) {
        counted.values.insert(counted.values.begin(), t);
        counted.keywords.insert(counted.keywords.begin(), "");
      }
      torch_error(t, at,
                  fmt::format("{}() received an invalid combination of arguments - got ({}), but "
                              "expected one of:",
                              name, parser_got(counted)),
                  fmt::format("give the source and destination dims as ints or as tuples of "
                              "ints: `x.{}(1, -1)`",
                              name));
    }
    auto rank = static_cast<int64_t>(shape_now(t.name, at).size());
    auto listed = [](const std::vector<int64_t>& d) {
      return fmt::format("[{}]", fmt::join(d, ", "));
    };
    if (from.size() != to.size())
      torch_error(t, at,
                  fmt::format("movedim: Invalid source or destination dims: source ({} dims) "
                              "should contain the same number of dims as destination ({} dims)",
                              listed(from), listed(to)),
                  "give as many destinations as sources");
    std::vector<int64_t> order(static_cast<size_t>(std::max<int64_t>(rank, 0)), -1);
    std::vector<bool> taken(order.size(), false);
    const std::vector<int64_t> written_from = from, written_to = to;  // as the messages show them
    for (auto* dims : {&from, &to})
      for (int64_t& d : *dims) {
        std::optional<int64_t> w = wrap_dim(d, rank);
        if (!w) torch_error(t, at, dim_out_of_range(std::to_string(d), rank), "");
        d = *w;
      }
    for (auto [dims, written, what] : {std::tuple{&from, &written_from, "source"},
                                       std::tuple{&to, &written_to, "destination"}}) {
      std::set<int64_t> seen(dims->begin(), dims->end());
      if (seen.size() != dims->size())
        torch_error(t, at,
                    fmt::format("movedim: repeated dim in `{}` ({})", what, listed(*written)),
                    "name each dim once");
    }
    for (size_t i = 0; i < from.size() && rank > 0; ++i) {
      order[static_cast<size_t>(to[i])] = from[i];
      taken[static_cast<size_t>(from[i])] = true;
    }
    int64_t next = 0;
    for (int64_t& slot : order) {
      if (slot >= 0) continue;
      while (taken[static_cast<size_t>(next)]) ++next;
      slot = next++;
    }
    std::vector<Value> dims;
    for (int64_t d : order) dims.push_back(int_value(d, at));
    if (dims.empty()) return t;  // a 0-dim tensor: nothing moves
    return tensor_statement("permute", t, std::move(dims), at);
  }

  // An nn.Parameter as forward reads it: the tensor of its `parameter` row, unchanged (the
  // argument parser names its type "Parameter"). Only for messages: it looks the row up.
  bool is_parameter_row(const PyValue& v) const {
    if (v.kind != PyValue::Kind::Tensor || v.instance != 0 || !v.steps.empty() ||
        v.copy != PyValue::Copy::None)
      return false;
    const auto& rows = L.program_.statements;
    auto row = std::find_if(rows.rbegin(), rows.rend(),
                            [&](const Statement& st) { return st.name == v.name; });
    return row != rows.rend() && row->op == "parameter";
  }

  // One parameter of a torch function as its argument parser reads it.
  struct ParsedParam {
    std::string_view name;
    bool integer;   // an int (a bool is not one; a tensor's size is); else a bool
    bool optional;  // None passes
    bool keyword_only;
    bool required = false;
  };

  static bool tensor_like(const PyValue& v) {
    return v.kind == PyValue::Kind::Tensor || v.kind == PyValue::Kind::Values ||
           v.kind == PyValue::Kind::Made;
  }
  static bool int_like(const PyValue& v) {
    return v.is(Value::Kind::Int) ||
           (v.kind == PyValue::Kind::Data &&
            (v.data.kind == Value::Kind::DimRef || v.data.kind == Value::Kind::Ident));
  }
  // An argument's type as the argument parser names it.
  std::string parser_type(const PyValue& v) {
    if (is_parameter_row(v)) return "Parameter";
    if (tensor_like(v)) return "Tensor";
    if (int_like(v)) return "int";
    return type_name(v);
  }

  // The arguments' types as the argument parser lists them in its "invalid combination" error:
  // the positional ones, then the keywords in the reverse of their order, with a trailing ", "
  // when none was positional (as it formats them).
  std::string parser_got(const Args& args) {
    std::vector<std::string> positional, keywords;
    for (size_t i = 0; i < args.values.size(); ++i) {
      std::string type = parser_type(args.values[i]);
      if (args.keywords[i].empty())
        positional.push_back(type);
      else
        keywords.push_back(args.keywords[i] + "=" + type);
    }
    std::string got;
    for (const std::string& t : positional) got += t + ", ";
    for (auto k = keywords.rbegin(); k != keywords.rend(); ++k) got += *k + ", ";
    if (!positional.empty()) got.resize(got.size() - 2);
    return got;
  }

  // The arguments of a call (after the tensor it is a method of, or, `input_first`, starting with
  // the tensor) checked as PyTorch's argument parser checks them against `params` (keyword-only
  // ones last): for an overloaded function (sort, argsort, repeat_interleave) any argument that
  // fits none is its "invalid combination of arguments"; for a function of one signature (topk)
  // the argument and its position, the count of positional ones, the missing required one. A
  // tensor where an int goes (its value would decide the shape) is refused.
  void parser_check(const std::string& op, const PyValue* self, const Args& args, bool input_first,
                    std::span<const ParsedParam> params, bool overloaded, const std::string& help,
                    Span call) {
    size_t first = input_first ? 1 : 0;  // the positions the parser names count the tensor
    bool invalid = false;
    size_t positional = 0, takes = 0, needs = 0;
    for (const ParsedParam& p : params) {
      takes += p.keyword_only ? 0 : 1;
      needs += p.required ? 1 : 0;
    }
    std::set<std::string_view> bound;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      const std::string& keyword = args.keywords[i];
      if (input_first && i == 0 && (keyword.empty() || keyword == "input")) continue;  // x
      const ParsedParam* p = nullptr;
      if (keyword.empty()) {
        size_t position = positional++;
        if (position < takes) p = &params[position];
      } else {
        for (const ParsedParam& q : params)
          if (q.name == keyword) p = &q;
      }
      if (p && !overloaded && bound.count(p->name))
        type_error_of_call(self, args, args.spans[i],
                           fmt::format("{}() got multiple values for argument '{}'", op, p->name),
                           help);
      if (!p || !bound.insert(p->name).second) {  // unknown, or given twice
        invalid = invalid || overloaded;
        continue;
      }
      if (p->integer && tensor_like(v))
        unsupported_here(args.spans[i], fmt::format("a tensor as `{}` of `{}`", p->name, op),
                         "give it as an int (netshape follows shapes, not values)");
      bool fits =
          (p->optional && v.is_none()) || (p->integer ? int_like(v) : v.is(Value::Kind::Bool));
      if (fits) continue;
      if (overloaded) {
        invalid = true;
        continue;
      }
      type_error_of_call(
          self, args, args.spans[i],
          fmt::format("{}(): argument '{}'{} must be {}, not {}", op, p->name,
                      keyword.empty() ? fmt::format(" (position {})", positional + first) : "",
                      p->integer ? "int" : "bool", parser_type(v)),
          help);
    }
    Span at = call;
    std::vector<std::string> missing;
    for (const ParsedParam& p : params)
      if (p.required && !bound.count(p.name)) missing.push_back(fmt::format("\"{}\"", p.name));
    if (overloaded && (invalid || positional > takes || !missing.empty()))
      type_error_of_call(self, args, at,
                         fmt::format("{}() received an invalid combination of arguments - got "
                                     "({}), but expected one of:",
                                     op, parser_got(args)),
                         help);
    if (positional > takes)
      type_error_of_call(
          self, args, at,
          needs == takes
              ? fmt::format("{}() takes {} positional arguments but {} were given", op,
                            takes + first, positional + first)
              : fmt::format("{}() takes from {} to {} positional arguments but {} were given", op,
                            needs + first, takes + first, positional + first),
          help);
    if (!missing.empty())  // the parser writes "argument" for several, "arguments" for one
      type_error_of_call(
          self, args, at,
          fmt::format("{}() missing {} required positional argument{}: {}", op, missing.size(),
                      missing.size() == 1 ? "s" : "", fmt::join(missing, ", ")),
          help);
  }

  // x.sort(dim=-1, descending=False, *, stable=False) (argsort's alike), x.topk(k, dim=-1,
  // largest=True, sorted=True), as the argument parser checks them. `axis=` is PyTorch's alias of
  // dim. sort and argsort have a signature with `stable` whose dim and descending are
  // keyword-only; a None or str dim is the Dimname signature's, not supported by PyTorch either.
  void sorting_arguments(const std::string& op, const PyValue* self, const Args& args,
                         bool input_first, Span call) {
    static constexpr ParsedParam kSort[] = {{"dim", true, false, false},
                                            {"descending", false, false, false},
                                            {"axis", true, false, true},
                                            {"stable", false, true, true}};
    static constexpr ParsedParam kTopk[] = {{"k", true, false, false, true},
                                            {"dim", true, false, false},
                                            {"largest", false, false, false},
                                            {"sorted", false, false, false},
                                            {"axis", true, false, true}};
    if (op == "topk")
      return parser_check(op, self, args, input_first, kTopk, false,
                          "give k and dim as ints and the flags as bools: `x.topk(5, dim=1)`",
                          call);
    std::string help = fmt::format(
        "give the dim as an int and the flags as bools, stable= by keyword: `x.{}(dim=1, "
        "descending=True)`",
        op);
    size_t positional =
        static_cast<size_t>(std::count(args.keywords.begin(), args.keywords.end(), std::string()) -
                            (input_first ? 1 : 0));
    const PyValue* stable = argument(args, SIZE_MAX, "stable");
    if (op == "argsort" && (positional > 2 || (stable && positional > 1))) {
      size_t first = input_first ? 1 : 0;
      type_error_of_call(self, args, call,
                         fmt::format("argsort() takes from {} to {} positional arguments but {} "
                                     "were given",
                                     1 + first, first, positional + first),
                         help);
    }
    if (stable && positional > 0)  // the signature with `stable` takes dim by keyword only
      type_error_of_call(self, args, call,
                         fmt::format("{}() received an invalid combination of arguments - got "
                                     "({}), but expected one of:",
                                     op, parser_got(args)),
                         help);
    const PyValue* dim = argument(args, input_first ? 1 : 0, "dim");
    bool dimname = dim && (dim->is_none() || dim->is(Value::Kind::String));
    if (!dimname) parser_check(op, self, args, input_first, kSort, true, help, call);
    if (dimname)
      type_error_of_call(self, args, call,
                         op + ": You passed a dimname (string) to this op in place of a "
                              "dimension index but it does not yet support this behavior. Please "
                              "pass a dimension index to work around this.",
                         help);
    if (op == "sort" && stable && stable->is_none())
      type_error_of_call(self, args, call,
                         "stable.has_value() INTERNAL ASSERT FAILED at "
                         "\"./aten/src/ATen/native/Sorting.cpp\":42, please report a bug to "
                         "PyTorch. sort(): c10::optional<bool> for stable has to have value.",
                         help);
  }

  // x.repeat_interleave(repeats, dim=None, *, output_size=None), as the argument parser checks
  // it (`axis=` its alias of dim); repeats given as a tensor are refused (parser_check).
  void repeat_interleave_arguments(const PyValue* self, const Args& args, bool input_first,
                                   Span call) {
    static constexpr ParsedParam kParams[] = {{"repeats", true, false, false, true},
                                              {"dim", true, true, false},
                                              {"axis", true, true, true},
                                              {"output_size", true, true, true}};
    if (input_first && args.values.size() == 1)  // the overload of the repeats tensor alone
      unsupported_here(call, "`torch.repeat_interleave(repeats)` (a tensor of repeats alone)",
                       "netshape follows shapes: its size is the sum of the repeats' values");
    parser_check("repeat_interleave", self, args, input_first, kParams, true,
                 "give the repeats as an int: `x.repeat_interleave(2, dim=1)`", call);
  }

  // torch.return_types.<op>: a tuple whose items are also attributes (`x.max(1).values`).
  static PyValue return_type(const std::string& op, PyList items, std::vector<std::string> fields) {
    PyValue p = make_tuple(std::move(items));
    p.name = "torch.return_types." + op;
    p.keywords = std::move(fields);
    return p;
  }

  // Marks the statement just written as one of several tensors its call returns.
  void last_is_one_of_several() { L.program_.statements.back().one_of_several = true; }

  // y.expand_as(x), y.view_as(x), y.reshape_as(x): the op with x's dims as references.
  PyValue like_other(const PyValue& t, const std::string& name, const Args& args,
                     const Expr& call) {
    // `.reshape_as(self.weight)`: a layer's weight as the tensor forward reads
    const PyValue other = as_tensor_in_forward(nth(args, 0, call.span), call.span);
    if (other.kind != PyValue::Kind::Tensor) raise(call.span, name + "() takes a tensor");
    PyValue shape = other;
    shape.kind = PyValue::Kind::Shape;
    Args dims;
    for (PyValue& d : shape_items(shape, call.span)) {
      dims.add(std::move(d), call.span, &call);
    }
    std::string op = name.substr(0, name.size() - 3);  // expand_as -> expand
    const Expr& callee = call.items[0];
    Span op_span = callee.kind == Expr::Kind::Attribute ? callee.name_span : callee.span;
    return tensor_op(op, op_span, &t, dims, call);
  }

  // x.shape, x.T, x.dtype: what netshape follows of a tensor's attributes.
  PyValue tensor_attribute(const PyValue& t, const Expr& e) {
    if (e.text == "shape") {
      PyValue s = t;
      s.kind = PyValue::Kind::Shape;
      return in_trial_ ? size_tuple(s, e.span) : s;
    }
    if (e.text == "data") {  // the same memory, detached: autograd does not see what it does
      PyValue detached = t;
      detached.no_grad = true;
      detached.own_version = true;
      return detached;
    }
    if (e.text == "ndim")
      return data_int(static_cast<int64_t>(shape_now(t.name, e.span).size()), e.span);
    if (e.text == "dtype") return PyValue::builtin(element_type_name(t.dtype));
    // PyTorch's answer in grad mode: a model input, a tensor made in forward or computed with
    // gradients off needs none; what a trainable layer computes does
    if (e.text == "requires_grad" && forward_) return data_bool(requires_grad(t), e.span);
    if (e.text == "device" || e.text == "requires_grad") {
      PyValue p;
      p.kind = PyValue::Kind::Opaque;
      p.name = "tensor." + e.text;
      return p;
    }
    if (e.text == "T" || e.text == "mT" || e.text == "H" || e.text == "mH")
      return transposed(t, e.text, e.span);
    if (std::optional<PyValue> known = tensor_property(t, e.text, e.span)) return *known;
    PyValue m = PyValue::builtin("method." + e.text);  // a method, bound to the tensor
    m.method_self = std::make_shared<PyValue>(t);
    return m;
  }

  // The other properties of a tensor in forward, a dense one on the CPU, as PyTorch 1.13 gives
  // them (`if x.is_cuda:`, `x.grad is None`); what netshape does not know of one (`x._version`)
  // is refused, and a name torch.Tensor lacks is PyTorch's AttributeError. None for a method.
  std::optional<PyValue> tensor_property(const PyValue& t, const std::string& name, Span at) {
    auto listed = [&](std::string_view names) {
      return names.find(" " + name + " ") != std::string_view::npos;
    };
    if (!listed(kTensorAttributes))
      raise(at, fmt::format("'Tensor' object has no attribute '{}'", name),
            "PyTorch 1.13's tensors have no such attribute");
    if (!listed(kTensorProperties)) return std::nullopt;
    if (name == "is_cpu") return data_bool(true, at);
    if (name.starts_with("is_") && name != "is_leaf") return data_bool(false, at);  // is_cuda
    if (name == "retains_grad" || name == "volatile") return data_bool(false, at);
    if (name == "layout") return PyValue::builtin("torch.strided");
    if (name == "grad" || name == "_grad") return PyValue::none(at);  // no backward has run
    bool needs_grad = !forward_ || requires_grad(t);
    if (name == "grad_fn" && !needs_grad) return PyValue::none(at);
    if (name == "is_leaf" && !needs_grad) return data_bool(true, at);
    if (name == "real" && t.dtype != ElementType::Complex64) return t;  // the tensor itself
    if (name == "imag" && t.dtype != ElementType::Complex64)
      torch_error(t, at, "imag is not implemented for tensors with non-complex dtypes.",
                  "a real tensor has no imaginary part");
    unsupported_here(at, "the tensor attribute `." + name + "`",
                     "netshape follows a tensor's shape, dtype, device and requires_grad");
  }

  // x.T reverses the dims (a tensor of fewer than 2 is itself); x.mT and x.mH swap the last two,
  // x.H the two of a matrix (real tensors: the conjugate is the tensor). PyTorch 1.13's errors
  // for tensors of other ranks.
  PyValue transposed(const PyValue& t, const std::string& which, Span at) {
    int64_t rank = static_cast<int64_t>(shape_now(t.name, at).size());
    if (which == "T") {
      if (rank < 2) return t;
      std::vector<Value> dims;
      for (int64_t d = rank - 1; d >= 0; --d) dims.push_back(int_value(d, at));
      return tensor_statement("permute", t, std::move(dims), at);
    }
    if (which == "H" && rank != 2) {
      torch_error(
          t, at,
          fmt::format("tensor.H is only supported on matrices (2-D tensors). Got {}-D "
                      "tensor.{}",
                      rank, rank > 2 ? " For batches of matrices, consider using tensor.mH" : ""),
          rank > 2 ? "use `.mH` (or `.mT`) to swap the last two dims" : "`.H` needs a 2-D tensor");
    }
    if (rank < 2) {
      torch_error(t, at,
                  fmt::format("tensor.{} is only supported on matrices or batches of matrices. "
                              "Got {}-D tensor.",
                              which, rank),
                  "it swaps the last two dims: the tensor needs at least two");
    }
    return tensor_statement("transpose", t, {int_value(-2, at), int_value(-1, at)}, at);
  }

  // An error PyTorch raises in forward at `at`, where `input` is the last tensor read: reading
  // stops there and the model fails at that point (exit 1), as a layer's error does.
  [[noreturn]] static void torch_error(const PyValue& input, Span at, std::string message,
                                       std::string help) {
    Diagnostic d;
    d.span = at;
    d.message = std::move(message);
    d.help = std::move(help);
    throw ForwardStopped{input.name, at, std::move(d)};
  }

  // The element type `x.<name>(args)` casts to: `x.double()`, `x.to(torch.long)`,
  // `x.type(torch.float16)`, `x.type(torch.LongTensor)` (or its name as a string), `x.to(y)`,
  // `x.type_as(y)` (y a tensor of forward, a buffer or a layer's weight), `x.to(y.dtype)`;
  // nullopt for another method or a `.to()` that names only a device. An argument whose dtype
  // netshape does not know is refused: guessing it could hide PyTorch's error or invent one.
  std::optional<ElementType> cast_target(const std::string& name, const Args& args) {
    for (const auto& [method, type] : kCastMethods)
      if (name == method) return type;
    if (name != "to" && name != "type" && name != "type_as") return std::nullopt;
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      const std::string& k = args.keywords[i];
      if (k == "device" || k == "non_blocking" || k == "copy" || k == "memory_format") continue;
      if (k != "" && k != "dtype" && k != "other")
        unsupported_here(args.spans[i], fmt::format("argument `{}` of `.{}()`", k, name));
      if (is_device(v)) continue;
      if (std::optional<ElementType> type = element_type_of(v)) return type;
      unsupported_here(
          args.spans[i],
          fmt::format("`.{}()` of {}, whose dtype netshape does not know", name, describe(v)),
          "write the dtype: `x.to(torch.float32)`");
    }
    return std::nullopt;
  }

  // PyTorch's error for a device string c10::Device does not parse (PyTorch 1.13: a type of its
  // list, then `:` and an index without a leading zero); nullopt for a device, which shapes do
  // not depend on (`'cuda:0'` passes: netshape analyses as if it were there).
  static std::optional<std::string> device_string_error(const std::string& s) {
    if (s.empty()) return "Device string must not be empty";
    size_t colon = s.find(':');
    std::string type = s.substr(0, colon);
    bool letters = !type.empty() && std::all_of(type.begin(), type.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    });
    std::string index = colon == std::string::npos ? "" : s.substr(colon + 1);
    bool digits =
        std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; });
    bool index_ok = colon == std::string::npos ||
                    (!index.empty() && digits && (index[0] != '0' || index.size() == 1));
    if (!letters || !index_ok) return fmt::format("Invalid device string: '{}'", s);
    static constexpr const char* kTypes[] = {
        "cpu",  "cuda", "ipu", "xpu",  "mkldnn", "opengl", "opencl", "ideep", "hip",          "ve",
        "fpga", "ort",  "xla", "lazy", "vulkan", "mps",    "meta",   "hpu",   "privateuseone"};
    for (const char* known : kTypes)
      if (type == known) return std::nullopt;
    return fmt::format("Expected one of {} device type at start of device string: {}",
                       fmt::join(kTypes, ", "), s);
  }

  // `x.to('double')`: a string that names no device is PyTorch's error where it runs.
  void check_device_strings(const PyValue& t, const Args& args, Span at) {
    for (size_t i = 0; i < args.values.size(); ++i) {
      const PyValue& v = args.values[i];
      if (!v.is(Value::Kind::String) || !is_device(v)) continue;
      if (std::optional<std::string> error = device_string_error(v.data.s))
        torch_error(t, at, *error, "name a device, 'cpu' or 'cuda', or a dtype: torch.float64");
    }
  }

  // A device as `.to()` takes it: 'cuda', torch.device('cpu'), x.device.
  static bool is_device(const PyValue& v) {
    if (v.is(Value::Kind::String) && !tensor_type_named(v.data.s)) return true;
    if (v.kind == PyValue::Kind::Opaque && (v.name == "tensor.device" || v.name == "torch.device"))
      return true;
    return v.kind == PyValue::Kind::Builtin && v.name.starts_with("torch.device");
  }

  // The element type a value names or has: a dtype (`torch.long`, `x.dtype`), a legacy tensor
  // type (`torch.LongTensor`, 'torch.LongTensor'), a tensor of forward, a buffer or parameter
  // made in __init__, a layer's weight or bias (float32: netshape builds no layer of another).
  static std::optional<ElementType> element_type_of(const PyValue& v) {
    switch (v.kind) {
      case PyValue::Kind::Builtin:
        if (auto type = element_type_named(v.name)) return type;
        return tensor_type_named(v.name);
      case PyValue::Kind::Data:
        if (v.is(Value::Kind::String)) return tensor_type_named(v.data.s);
        return std::nullopt;
      case PyValue::Kind::Tensor:
      case PyValue::Kind::Made:
        return v.dtype;
      case PyValue::Kind::Opaque:
        if (v.name == "weight" || v.name == "bias") return ElementType::Float32;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // `t` cast to `type`: t itself when it already is (as PyTorch returns it, unless `copy=True`),
  // else a dense copy of that type.
  PyValue cast(const PyValue& t, ElementType type, const Args& args, Span at) {
    if (type == t.dtype && !copy_requested(args)) return t;
    PyValue c = copy_of(t, PyValue::Copy::Dense);
    c.dtype = type;
    cast_steps(c, t.dtype, type, at);
    return c;
  }

  // The values a cast from `from` to `to` changes: a floating tensor made integer truncates, a
  // narrower integer wraps, any made bool is `!= 0`; to float16 or bfloat16 (rounded) or a narrow
  // integer (wrapped) they are not computed.
  void cast_steps(PyValue& c, ElementType from, ElementType to, Span at) {
    bool floating = type_category(from) == 2;
    if (to == ElementType::Bool && from != ElementType::Bool) {
      push_step(c, ValueStep{ValueStep::Op::ToBool, 0.0}, at);
    } else if ((to == ElementType::Int64 || to == ElementType::Int32) && floating) {
      push_step(c, ValueStep{ValueStep::Op::Trunc, to == ElementType::Int64 ? 64.0 : 32.0}, at);
    } else if (type_category(from) == 1 && type_category(to) == 1 && to != ElementType::UInt8 &&
               element_bytes(to) < element_bytes(from)) {  // int64 to int32: wraps
      push_step(c, ValueStep{ValueStep::Op::Trunc, 8.0 * element_bytes(to)}, at);
    } else if (to == ElementType::Float16 || to == ElementType::BFloat16 ||
               (type_category(to) < 2 && to != ElementType::Bool && to != ElementType::Int64 &&
                to != ElementType::Int32 && from != ElementType::Bool)) {
      note_values_unfollowed(fmt::format("a cast to {}", element_type_name(to)), at);
    }
  }

  // Methods that return the same tensor as far as shapes go: no statement for them.
  // `requires_grad_(False)`, `requires_grad_(requires_grad=False)`.
  static bool requires_grad_off(const Args& args) {
    return args.values.size() == 1 && args.values[0].is(Value::Kind::Bool) &&
           !args.values[0].data.b &&
           (args.keywords[0].empty() || args.keywords[0] == "requires_grad");
  }

  static bool is_identity_method(const std::string& m) {
    for (const char* name : {"contiguous", "clone", "detach", "float", "double", "half", "cpu",
                             "cuda", "to", "type", "type_as", "requires_grad_", "relu_"}) {
      if (m == name) return true;
    }
    return false;
  }

  // x.size(i) -> a reference to that dimension; x.size() -> the shape; x.view(...) and the other
  // methods -> the op of that name, with the tensor as its first input.
  // The product of sizes (a tensor's numel(), a torch.Size's).
  PyValue size_numel(const PyList& sizes, Span at) {
    Checked n = 1;
    for (const PyValue& d : sizes) n = n * int_of(d, at);
    if (!n.ok()) raise(at, "integer overflow in numel()");
    return data_int(*n.get(), at);
  }

  // PyTorch's C++ argument parser takes numpy's names for two parameters: `axis=` for `dim=`
  // and `keepdims=` for `keepdim=` (`x.sum(axis=1)`). Its Python-written functions do not
  // (Tensor.norm, Tensor.split and every F.*): there they stay unexpected keywords.
  static void numpy_aliases(const std::string& op, Args& args) {
    if (op == "norm" || op == "split") return;
    for (std::string& k : args.keywords) {
      if (k == "axis") k = "dim";
      if (k == "keepdims") k = "keepdim";
    }
  }

  PyValue tensor_method(const PyValue& t, const std::string& name, Args& args, const Expr& call) {
    numpy_aliases(name, args);
    for (const char* reshaping : {"unsqueeze_", "squeeze_", "transpose_", "t_", "swapdims_",
                                  "swapaxes_", "resize_", "resize_as_", "as_strided_"}) {
      if (name == reshaping)  // it changes the tensor a name holds, which netshape does not follow
        unsupported_here(call.span, "`" + name + "()`, which changes a tensor's shape in place",
                         "write `x = x." + name.substr(0, name.size() - 1) + "(...)`");
    }
    // `weight.new(n, b, h).zero_()`, `h.fill_(0.5)`: the tensor itself (in place), its shape
    // unchanged; the values written are not followed
    if (name == "zero_" || (name == "fill_" && args.values.size() == 1 &&
                            is_number(args.values[0]) && args.keywords[0].empty())) {
      if (!args.values.empty() && name == "zero_")
        raise(call.span, "zero_() takes no arguments", "write `x.zero_()`");
      if (name == "fill_") check_fill_number(t, t, args.values[0], call.span);
      note_in_place_write(t, call.span, true);
      note_values_unfollowed("`" + name + "`", call.span, Program::Unfollowed::InPlace);
      PyValue same = t;
      same.data.span = call.span;
      return same;
    }
    if (name == "size") {
      if (args.values.empty()) {
        PyValue s = t;
        s.kind = PyValue::Kind::Shape;
        return in_trial_ ? size_tuple(s, call.span) : s;
      }
      if (args.values.size() == 1 && args.values[0].is(Value::Kind::Int))
        return size_ref(t.name, args.values[0].data.i, call.span);
      unsupported_here(call.span, "this use of `.size(...)`", "use `x.size(i)` with a constant i");
    }
    using Copy = PyValue::Copy;
    if (name == "contiguous") return copy_of(t, memory_format(args, true, Copy::Contiguous));
    if (name == "to") no_memory_format(args);
    if (name == "is_floating_point" && args.values.empty())
      return data_bool(type_category(t.dtype) == 2, call.span);
    if (name == "is_complex" && args.values.empty())
      return data_bool(t.dtype == ElementType::Complex64, call.span);
    if (name == "type" && args.values.empty())  // the legacy type's name, a string
      return PyValue::of(Value::string(tensor_type_name(t.dtype), call.span));
    if (name == "to") check_device_strings(t, args, call.span);
    if (std::optional<ElementType> type = cast_target(name, args))
      return cast(t, *type, args, call.span);
    if ((name == "to" || name == "type") && copy_requested(args)) return copy_of(t, Copy::Dense);
    // Copies with the memory format preserved.
    if (name == "clone") return copy_of(t, memory_format(args, false, Copy::Dense));
    if (name == "relu_") {
      note_in_place_write(t, call.span);
      note_values_unfollowed("`relu_()`", call.span, Program::Unfollowed::InPlace);
    }
    if (name == "detach") {  // the same tensor, which needs no gradient from here
      PyValue detached = t;
      detached.no_grad = true;
      return detached;
    }
    if (name == "requires_grad_" && forward_ && requires_grad_off(args))
      if (auto it = guards_.find(current_name(t.name));
          it != guards_.end() &&
          it->second.kind == Guarded::leaf) {  // a parameter no longer trains
        needs_grad_.erase(it->first);
        guards_.erase(it);
      }
    if (is_identity_method(name)) return t;
    if (is_split(name)) return split_tensor(t, name, args, call.span, true);
    if (name == "t" && args.values.empty()) return matrix_transpose(t, call.span);
    if (name == "outer" || name == "ger") {
      auto [a, b] = outer_operands(name, &t, args, call.span);
      return vector_outer(a, b, call.span);
    }
    if (name == "mm" && args.values.size() == 1)
      return matrix_product(t, args.values[0], call.span);
    if (name == "max" || name == "min") return max_min(t, name, args, call);
    if (is_dim_mover(name)) return moved_dims(t, name, args, false, call.span);
    if (name == "index_select") return index_select(t, args, call.span);
    if (name == "sort" || name == "topk") {
      sorting_arguments(name, &t, args, false, call.span);
      return values_and_indices(t, name, args, call);
    }
    if (name == "expand_as" || name == "view_as" || name == "reshape_as")
      return like_other(t, name, args, call);
    if (name == "dim" || name == "ndimension")
      return data_int(static_cast<int64_t>(shape_now(t.name, call.span).size()), call.span);
    if (name == "numel") return size_numel(shape_items(t, call.span), call.span);
    if (name == "item" || name == "tolist")
      unsupported_here(call.span, "`." + name + "()`",
                       "netshape follows shapes, not values; write the value the model uses");
    const Expr& callee = call.items[0];
    Span op_span = callee.kind == Expr::Kind::Attribute ? callee.name_span : callee.span;
    // Tensor.unfold(dimension, size, step): windows along one dim, not F.unfold's blocks
    if (name == "unfold") return tensor_op("Tensor.unfold", op_span, &t, args, call);
    check_spelling(name, Namespace::Method, op_span);
    softmax_dim_given(name, t, args, false, call.span);
    return tensor_op(name, op_span, &t, args, call);
  }

  // x.softmax(dim), torch.softmax(x, dim): only F.softmax picks a dim itself (with its warning);
  // the method and torch's function need one, and a None there is read as a dim's name, as
  // PyTorch's parser does. `function`: torch.softmax, whose args hold the tensor first.
  void softmax_dim_given(const std::string& op, const PyValue& t, const Args& args, bool function,
                         Span at) {
    if (op != "softmax" && op != "log_softmax") return;
    const PyValue* dim = argument(args, function ? 1 : 0, "dim");
    if (dim == nullptr)
      type_error_of_call(&t, args, at,
                         fmt::format("{}() received an invalid combination of arguments - got "
                                     "({}), but expected one of:",
                                     op, function ? "Tensor" : ""),
                         fmt::format("give the dim: x.{}(dim=-1)", op));
    if (dim->is_none())
      type_error_of_call(&t, args, at, "Please look up dimensions by name, got: name = None.",
                         fmt::format("give the dim: x.{}(dim=-1)", op));
  }

  // tensor + tensor -> add (sub, mul, div); a tensor and a number keep the tensor's shape.
  // `in_place`: `a += b`, which writes into a's memory (a cannot grow).
  // `rounding`: a div's rounding_mode, "floor" or "trunc" (an integer tensor then stays integer).
  PyValue tensor_arithmetic(const std::string& op, const PyValue& a, const PyValue& b, Span at,
                            bool in_place = false, std::string_view rounding = {}) {
    // `x * d` with `d = x.size(-1)`: the number the size is (the model then depends on its
    // input shapes, as any use of a size does)
    if (a.is(Value::Kind::DimRef) || b.is(Value::Kind::DimRef))
      return tensor_arithmetic(op, resolved(a, at), resolved(b, at), at, in_place, rounding);
    bool ta = a.kind == PyValue::Kind::Tensor, tb = b.kind == PyValue::Kind::Tensor;
    check_bitwise_type(op, a, b, at);
    if (ta && tb) {
      static const std::map<std::string, std::string> kOps = {
          {"+", "add"}, {"-", "sub"}, {"*", "mul"}, {"/", "div"}, {"@", "matmul"}};
      // `&`, `|`, `^` of two bool tensors (masks) are the logical ops; of integers bitwise ones
      static const std::map<std::string, std::string> kMaskOps = {
          {"&", "logical_and"}, {"|", "logical_or"}, {"^", "logical_xor"}};
      auto it = kOps.find(op);
      auto mask_op = kMaskOps.find(op);
      if (mask_op != kMaskOps.end() &&
          (a.dtype != ElementType::Bool || b.dtype != ElementType::Bool)) {
        unsupported_here(at,
                         fmt::format("operator `{}` of {} and {} tensors", op,
                                     element_type_name(a.dtype), element_type_name(b.dtype)),
                         "netshape follows `&`, `|` and `^` of bool tensors (masks)");
      }
      if (it == kOps.end() && mask_op == kMaskOps.end())
        unsupported_here(at, "operator `" + op + "` on tensors");
      Statement st;
      st.op = it != kOps.end() ? it->second : mask_op->second;
      st.op_span = at;
      st.span = at;
      add_input(st, a, a.data.span, a.data.span);
      add_input(st, b, b.data.span, b.data.span);
      st.module = module_;
      if (in_place) st.extras_for_write().in_place = true;
      return emitted(std::move(st), at);
    }
    const PyValue& other = ta ? b : a;
    if (!is_number(other) || op == "@")
      unsupported_here(at, "operator `" + op + "` between a tensor and " + describe(other));
    if (op == "-" && other.is(Value::Kind::Bool)) {  // `x - True`: a bool is subtracted
      torch_error(ta ? a : b, at, kBoolSubtraction, "subtract a number: `x - 1`");
    }
    if (op == "**") {  // x ** 2, 2 ** x: elementwise, the tensor's shape
      const PyValue& t = ta ? a : b;
      ElementType type = power_type(t, other, !ta, at);
      PyValue out = in_place ? t : copy_of(t, PyValue::Copy::Dense);
      if (in_place) {
        written_type(t, t.dtype, type, at);
        note_values_unfollowed("`" + op + "=`", at, Program::Unfollowed::InPlace);
      } else {
        out.dtype = type;  // computed in the result's type (`ids ** 0.5`: float32)
        add_step(out, arithmetic_step(op, !ta), number_of(other, at), op, at);
      }
      if (in_place) {
        note_in_place_write(t, at);
        note_unknown_save("**=", at);
      } else if (ta) {  // x ** 2 keeps x
        note_unrowed_save(UnrowedSave::Kept::Input, t, nullptr, "**", at);
      } else {  // 2 ** x its result and the 2
        note_unrowed_save(UnrowedSave::Kept::Result, t, &out, "**", at);
        note_unrowed_save(UnrowedSave::Kept::Base, t, nullptr, "**", at);
      }
      out.data.span = at;
      return out;
    }
    // elementwise with a scalar: the tensor's shape, in a new tensor laid out as TensorIterator
    // lays out a copy (`x += 1` writes into x itself)
    PyValue kept = ta ? a : b;
    bool integer_division = op == "//" || op == "%" || (op == "/" && !rounding.empty());
    if (ta && integer_division && type_category(kept.dtype) <= 1 && other.is(Value::Kind::Int) &&
        other.data.i == 0)
      torch_error(kept, at, "ZeroDivisionError", "divide by a number other than 0");
    if (!in_place)
      kept = copy_of(kept, PyValue::Copy::Dense);
    else
      note_values_unfollowed("`" + op + "=`", at, Program::Unfollowed::InPlace);
    // `x * 2`, `x / 2` keep the number, a 0-dim tensor; `2 / x` is `x.reciprocal() * 2`, which
    // also keeps the reciprocal
    if (op == "/" && tb && !in_place) {
      PyValue reciprocal = copy_of(b, PyValue::Copy::Dense);
      note_unrowed_save(UnrowedSave::Kept::Result, b, &reciprocal, "/", at);
    }
    if (op == "*" || op == "/")
      note_unrowed_save(UnrowedSave::Kept::Number, ta ? a : b, nullptr, op, at);
    kept.data.span = at;
    ElementType into = kept.dtype;
    if (!is_floating(kept.dtype))
      kept.dtype = arithmetic_type(kept, other, op, at, !rounding.empty());
    if (in_place) {
      kept.dtype = written_type(kept, into, kept.dtype, at);
      note_in_place_write(kept, at);
    } else {  // computed in the result's type (`ids / 2`: float32)
      add_step(kept, arithmetic_step(op, !ta, rounding), number_of(other, at), op, at);
    }
    return kept;
  }

  // `&`, `|`, `^`, `<<`, `>>` of a tensor whose result type is floating (`x & 1` of a float x,
  // `ids << 1.5`): PyTorch's bitwise kernels have none.
  static void check_bitwise_type(const std::string& op, const PyValue& a, const PyValue& b,
                                 Span at) {
    static const std::map<std::string, const char*> kKernels = {{"&", "bitwise_and_cpu"},
                                                                {"|", "bitwise_or_cpu"},
                                                                {"^", "bitwise_xor_cpu"},
                                                                {"<<", "lshift_cpu"},
                                                                {">>", "rshift_cpu"}};
    auto kernel = kKernels.find(op);
    if (kernel == kKernels.end()) return;
    auto floating_type = [](const PyValue& v) -> std::optional<ElementType> {
      if (v.kind == PyValue::Kind::Tensor)
        return is_floating(v.dtype) ? std::optional(v.dtype) : std::nullopt;
      if (v.is(Value::Kind::Float)) return ElementType::Float32;  // the default dtype
      return std::nullopt;
    };
    std::optional<ElementType> fa = floating_type(a), fb = floating_type(b);
    if (!fa && !fb) return;
    // a floating tensor's type (two promote); a float number makes float32 of an integer tensor
    bool ta = a.kind == PyValue::Kind::Tensor, tb = b.kind == PyValue::Kind::Tensor;
    ElementType type = ta && fa ? *fa : ElementType::Float32;
    if (tb && fb) type = ta && fa ? promoted_type(type, *fb) : *fb;
    const PyValue& t = a.kind == PyValue::Kind::Tensor ? a : b;
    torch_error(
        t, at,
        fmt::format("\"{}\" not implemented for '{}'", kernel->second, scalar_type_name(type)),
        "bitwise operators take integer or bool tensors: cast with `.long()`, or use "
        "logical_and / logical_or for masks");
  }

  // An integer or bool tensor and a number: a float number or true division makes float32 (the
  // default dtype), an int keeps an integer tensor's type and makes int64 of a bool one
  // (`mask * 2`). Subtracting with a bool tensor is PyTorch's error; a bool number (whose
  // results stay bool: `mask * True`) is not followed.
  static ElementType arithmetic_type(const PyValue& t, const PyValue& number, const std::string& op,
                                     Span at, bool rounding) {
    if (number.is(Value::Kind::Bool) || t.dtype == ElementType::UInt8) {
      unsupported_here(at,
                       fmt::format("arithmetic of a {} tensor and a {}", element_type_name(t.dtype),
                                   number.is(Value::Kind::Bool) ? "bool" : "number"),
                       "cast the tensor with `.float()` first");
    }
    if (t.dtype == ElementType::Bool && op == "-") {
      torch_error(t, at, kBoolSubtraction,
                  "invert a mask with `~mask`, or cast it first: `mask.float()`");
    }
    if ((op == "/" && !rounding) || number.is(Value::Kind::Float)) return ElementType::Float32;
    return t.dtype == ElementType::Bool ? ElementType::Int64 : t.dtype;
  }

  // The type of `t ** n` (`number_first`: `n ** t`), as PyTorch promotes it: a floating tensor
  // keeps its type; of an integer or bool one a float number makes float32, an int keeps the
  // integer type (int64 of a bool), and a negative int exponent is PyTorch's error.
  static ElementType power_type(const PyValue& t, const PyValue& number, bool number_first,
                                Span at) {
    if (type_category(t.dtype) >= 2) return t.dtype;
    ElementType type = arithmetic_type(t, number, "**", at, false);
    if (!number_first && !is_floating(type) && number.is(Value::Kind::Int) && number.data.i < 0) {
      torch_error(t, at, "Integers to negative integer powers are not allowed.",
                  "use a float exponent (`x ** -1.0`), or cast the tensor with `.float()` first");
    }
    return type;
  }

  [[noreturn]] static void tensor_values_error(Span at) {
    raise(at,
          "control flow that depends on a tensor's values cannot be analysed statically: "
          "PyTorch decides it only when the data is known",
          "netshape follows shapes, not values; write the branch the model takes");
  }
  [[noreturn]] static void shape_control_error(Span at) {
    unsupported_here(at, "control flow on a tensor's shape",
                     "netshape decides `if` and loops in forward from the constructor's values; "
                     "write the branch the model takes");
  }
};

// ---- entry points of the Lowerer ----

Lowerer::Lowerer(const SourceFile& src, const py::Module& module, const PythonOptions& opts,
                 Diagnostics& diags)
    : src_(src), module_(module), opts_(opts), diags_(diags) {
  std::string dir = std::filesystem::path(src.path()).parent_path().string();
  files_.push_back(PyFile{&src, &module, dir.empty() ? "." : dir});
}

Construct& Lowerer::interpreter() {
  if (!interpreter_) interpreter_ = std::make_unique<Construct>(*this);
  return *interpreter_;
}

std::optional<ModuleDef> Lowerer::build_top_level(const Expr& call) {
  std::optional<PyValue> v = interpreter().call_top_level(call);
  if (!v) return std::nullopt;
  if (v->kind != PyValue::Kind::Module) {
    error(call.span, "this does not build a module", "assign an nn.Sequential(...) or a model");
    return std::nullopt;
  }
  return *v->module;
}

std::optional<ModuleDef> Lowerer::call_factory(const Candidate& model) {
  return interpreter().call_factory(model);
}

bool Lowerer::init_model(const std::shared_ptr<Instance>& inst) {
  py_instances_.push_back(inst);
  interpreter().init_def_class_name_ = inst->cls->name;
  return interpreter().init_model(inst);
}

bool Lowerer::apply_model(ModuleDef& root, const std::vector<std::pair<std::string, Span>>& inputs,
                          Span span) {
  // Before forward: it may ask for the shapes of its tensors, which start from the inputs'.
  if (model_ != nullptr && !attach_input_shapes(*model_)) return false;
  inputs_attached_ = true;
  return interpreter().apply_model(root, inputs, span);
}

Lowerer::~Lowerer() {
  interpreter_.reset();  // first: its values hold the scopes and objects emptied below
  for (const auto& weak : py_scopes_)
    if (auto s = weak.lock()) s->vars.clear();
  for (const auto& weak : py_instances_) {
    if (auto i = weak.lock()) {  // `self.x = self` makes an object own itself
      i->values.clear();
      i->modules.clear();
      i->replaced.clear();
    }
  }
  for (const auto& weak : g_lists)
    if (auto l = weak.lock()) l->clear();
  for (const auto& weak : g_dicts)
    if (auto d = weak.lock()) d->clear();
  g_lists.clear();
  g_dicts.clear();
  g_next_module_id = 0;  // identities matter within one model only
}

}  // namespace netshape::pylower
