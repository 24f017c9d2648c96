// The model IR: what both frontends (.ns parser, PyTorch-subset reader) produce and what shape
// inference consumes. Values are already folded (integer arithmetic is evaluated by the parser).
#pragma once
#include <fmt/core.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/source.hpp"

namespace netshape {

// A string that costs one pointer when empty, as most values' and arguments' strings are (an
// Int has none, a positional argument no keyword): its text is on the heap otherwise, or, for a
// name the program never frees (an op parameter's, `padding`), that name's own string, borrowed:
// most keywords are those, and copying each was a tenth of a parse's memory. It reads as a const
// std::string&; a model holds one per argument, and a std::string is 32 bytes.
class CompactString {
 public:
  CompactString() = default;
  CompactString(std::string s) { assign(std::move(s)); }         // NOLINT: `v.s = name` as before
  CompactString(std::string_view s) { assign(std::string(s)); }  // NOLINT
  CompactString(const char* s) { assign(std::string(s)); }       // NOLINT
  // The text of `immortal`, which outlives every CompactString (a static table's string).
  static CompactString borrowed(const std::string& immortal) {
    CompactString c;
    if (!immortal.empty()) c.bits_ = reinterpret_cast<uintptr_t>(&immortal) | kBorrowed;
    return c;
  }
  CompactString(const CompactString& o) : bits_(o.copy_bits()) {}
  CompactString(CompactString&& o) noexcept : bits_(std::exchange(o.bits_, 0)) {}
  CompactString& operator=(const CompactString& o) {
    if (this != &o) reset(o.copy_bits());
    return *this;
  }
  CompactString& operator=(CompactString&& o) noexcept {
    if (this != &o) reset(std::exchange(o.bits_, 0));
    return *this;
  }
  ~CompactString() { reset(0); }

  const std::string& str() const { return bits_ ? *text() : no_text(); }
  operator const std::string&() const { return str(); }  // NOLINT: reads as a string
  operator std::string_view() const { return str(); }    // NOLINT
  bool empty() const { return bits_ == 0; }
  size_t size() const { return bits_ ? text()->size() : 0; }
  friend bool operator==(const CompactString& a, std::string_view b) { return a.str() == b; }

 private:
  // The string's address (0 for ""), its low bit set when the string is borrowed, not owned.
  static constexpr uintptr_t kBorrowed = 1;
  uintptr_t bits_ = 0;
  const std::string* text() const {
    return reinterpret_cast<const std::string*>(bits_ & ~kBorrowed);
  }
  uintptr_t copy_bits() const {
    if (bits_ == 0 || (bits_ & kBorrowed)) return bits_;
    return reinterpret_cast<uintptr_t>(new std::string(*text()));
  }
  void reset(uintptr_t bits) {
    if (bits_ != 0 && !(bits_ & kBorrowed)) delete text();
    bits_ = bits;
  }
  void assign(std::string s) {
    reset(s.empty() ? 0 : reinterpret_cast<uintptr_t>(new std::string(std::move(s))));
  }
  static const std::string& no_text() {
    static const std::string kEmpty;
    return kEmpty;
  }
};

struct Value;

// A tuple's or list's items: one pointer when there are none (most values are numbers), a
// vector on the heap otherwise. The subset of std::vector the frontends and rules use.
class ValueList {
 public:
  ValueList() = default;
  ValueList(std::vector<Value> items);  // NOLINT: `v.items = std::move(list)` as before
  ValueList(const ValueList& o);
  ValueList(ValueList&&) noexcept = default;
  ValueList& operator=(const ValueList& o);
  ValueList& operator=(ValueList&&) noexcept = default;
  ~ValueList();

  bool empty() const { return size() == 0; }
  size_t size() const;
  Value* begin();
  Value* end();
  const Value* begin() const;
  const Value* end() const;
  Value& operator[](size_t i);
  const Value& operator[](size_t i) const;
  Value& back();
  const Value& back() const;
  void push_back(Value v);
  template <typename... A>
  Value& emplace_back(A&&... a);
  // The items as a vector (empty when there are none), for code that takes one.
  const std::vector<Value>& vec() const;
  operator const std::vector<Value>&() const { return vec(); }  // NOLINT: reads as a vector

 private:
  std::unique_ptr<std::vector<Value>> p_;  // null when there are none
  std::vector<Value>& made();
};

// An argument value. `?` is Infer; a bare identifier is Ident (a tensor name, or e.g. a symbol);
// DimRef is `x.size(i)` / `x.shape[i]` from the PyTorch subset, resolved during inference.
// The members are ordered largest first: a model holds a Value per argument, and padding between
// them would be an eighth of its size.
struct Value {
  enum class Kind : uint8_t { Int, Float, String, Bool, None, Infer, Ident, Tuple, List, DimRef };
  int64_t i = 0;    // Int; DimRef index
  double f = 0.0;   // Float
  CompactString s;  // String, Ident; DimRef tensor name
  ValueList items;  // Tuple, List
  Span span;
  // A value passed into a user module's constructor and used unchanged inside it: the index of
  // its ValueOrigin in Program::origins (the use site), or -1. Errors about the value can then
  // point at the place that passed it, where the fix usually belongs.
  int origin = -1;
  Kind kind = Kind::None;
  bool b = false;  // Bool

  static Value integer(int64_t v, Span sp) {
    Value x;
    x.kind = Kind::Int;
    x.i = v;
    x.span = sp;
    return x;
  }
  static Value floating(double v, Span sp) {
    Value x;
    x.kind = Kind::Float;
    x.f = v;
    x.span = sp;
    return x;
  }
  static Value string(std::string v, Span sp) {
    Value x;
    x.kind = Kind::String;
    x.s = std::move(v);
    x.span = sp;
    return x;
  }
  static Value boolean(bool v, Span sp) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    x.span = sp;
    return x;
  }
  static Value none(Span sp) {
    Value x;
    x.kind = Kind::None;
    x.span = sp;
    return x;
  }
  static Value infer(Span sp) {
    Value x;
    x.kind = Kind::Infer;
    x.span = sp;
    return x;
  }
  static Value ident(std::string v, Span sp) {
    Value x;
    x.kind = Kind::Ident;
    x.s = std::move(v);
    x.span = sp;
    return x;
  }
  static Value dim_ref(std::string tensor, int64_t index, Span sp) {
    Value x;
    x.kind = Kind::DimRef;
    x.s = std::move(tensor);
    x.i = index;
    x.span = sp;
    return x;
  }
  bool is_sequence() const { return kind == Kind::Tuple || kind == Kind::List; }
};

// ValueList's members that need a whole Value.
inline ValueList::ValueList(std::vector<Value> items)
    : p_(items.empty() ? nullptr : std::make_unique<std::vector<Value>>(std::move(items))) {}
inline ValueList::ValueList(const ValueList& o)
    : p_(o.p_ ? std::make_unique<std::vector<Value>>(*o.p_) : nullptr) {}
inline ValueList& ValueList::operator=(const ValueList& o) {
  if (this != &o) p_ = o.p_ ? std::make_unique<std::vector<Value>>(*o.p_) : nullptr;
  return *this;
}
inline ValueList::~ValueList() = default;
inline size_t ValueList::size() const {
  return p_ ? p_->size() : 0;
}
inline Value* ValueList::begin() {
  return p_ ? p_->data() : nullptr;
}
inline const Value* ValueList::begin() const {
  return p_ ? p_->data() : nullptr;
}
inline Value* ValueList::end() {
  return begin() + size();
}
inline const Value* ValueList::end() const {
  return begin() + size();
}
inline Value& ValueList::operator[](size_t i) {
  return begin()[i];
}
inline const Value& ValueList::operator[](size_t i) const {
  return begin()[i];
}
inline Value& ValueList::back() {
  return end()[-1];
}
inline const Value& ValueList::back() const {
  return end()[-1];
}
inline void ValueList::push_back(Value v) {
  made().push_back(std::move(v));
}
template <typename... A>
Value& ValueList::emplace_back(A&&... a) {
  return made().emplace_back(std::forward<A>(a)...);
}
inline const std::vector<Value>& ValueList::vec() const {
  static const std::vector<Value> kNone;
  return p_ ? *p_ : kNone;
}
inline std::vector<Value>& ValueList::made() {
  if (!p_) p_ = std::make_unique<std::vector<Value>>();
  return *p_;
}

// Source text of a value as the user would write it (`(3, 5)`, `'same'`, `True`, `?`).
std::string to_source(const Value& v);

// Python's name for a value's type, as Python's and PyTorch's TypeErrors print it: "int",
// "NoneType", "tuple" ("name" for an identifier, which has no Python value).
const char* python_type(const Value& v);

// The name an unnamed statement gets: lowercased op + 1-based position, e.g. `relu3`.
std::string auto_name(const std::string& op, size_t index);

struct Arg {
  CompactString keyword;  // empty for positional
  Value value;
  Span span;  // the whole `keyword=value`
};

// One dimension of a declared input: a positive integer, or (first dim only) a symbol like `B`.
struct InputDim {
  int64_t value = 0;
  std::string symbol;
  Span span;
};

struct InputDecl {
  std::string name;
  std::vector<InputDim> dims;
  Span span;
  // The bytes of an element of an input declared with a dtype other than float32 (a `.py`
  // comment's `long`: 8, `int32`: 4), for the memory estimate; 0 for one of its --dtype.
  uint8_t element_bytes = 0;
  // What its elements hold, as its dtype says (`long`: whole numbers, `bool`: 0 or 1): `run`
  // draws such values for it.
  enum class Values : uint8_t { real, whole, boolean };
  Values values = Values::real;
};

// What a tensor input is to an op whose forward takes tensors besides its positional ones:
// nn.MultiheadAttention's masks, passed by keyword (`attn(q, k, v, attn_mask=m)`), and
// nn.EmbeddingBag's per_sample_weights given without offsets (`bag(ids, per_sample_weights=w)`). A
// float mask is added to the attention scores; a bool one (`boolean`) masks the scores where it is
// true.
struct InputRole {
  enum Kind : uint8_t { positional, key_padding_mask, attn_mask, per_sample_weights };
  Kind kind = positional;
  bool boolean = false;
  // The mask's dtype (`torch.int64`) when PyTorch refuses it: an error where PyTorch checks it.
  const char* refused_dtype = nullptr;
};

// One elementwise computation forward makes with no row of its own (`x * 2`, `ids == 0`,
// `x.exp()`, `x.clamp(0, 1)`): the shape stays, the values change. A layer that reads the result
// reads a copy of its input with the steps applied in order, so `run` computes PyTorch's values.
// `number` is the operand (`x * 2`: 2; `2 - x` is SubFrom 2; a comparison's right-hand side).
struct ValueStep {
  // clang-format off
  enum class Op : uint8_t {
    // with a number: `x + n`, `x - n`, `n - x`, ... (`Into`, `From`, `Of`: the number first)
    Add, Sub, SubFrom, Mul, Div, DivInto, FloorDiv, FloorDivInto, TruncDiv, TruncDivInto,
    Mod, ModInto, Pow, PowOf,
    Eq, Ne, Lt, Le, Gt, Ge,  // `x op n`: 1 where true, else 0
    // of the value alone
    Neg, LogicalNot, BitNot, Abs, Square, Sign, Floor, Ceil, Round, Trunc, Frac,
    Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Erf, Reciprocal,
    ClampMin, ClampMax, ToBool, Fill,  // max(x, n), min(x, n), x != 0, n
    NanTo, PosInfTo, NegInfTo  // n where x is NaN, +inf, -inf (nan_to_num)
  };
  // clang-format on
  Op op = Op::Add;
  double number = 0.0;  // a Trunc of a cast: the integer's bits (64, 32; 0: no cast)
  // Computed in double, as PyTorch computes for a float64 tensor (and a bool one); else in
  // float32, rounded after the step.
  bool exact = false;
  // Of an integer tensor (`ids * 31 % 12`): computed in integers of these bits, wrapping as
  // PyTorch's do (64 for int64, 32 for int32); 0 for a floating or bool one.
  uint8_t integer_bits = 0;
};

// What only some statements carry (layers of `.py` modules, of block instances): kept apart, so a
// plain statement stays small (a model of 100,000 layers has 100,000 of them).
struct StatementExtras {
  // Per input, when some input is not positional (a mask); empty when all are.
  std::vector<InputRole> input_roles;
  // The inputs as written, when the program names them otherwise (`x` inside a block): for help.
  std::vector<std::string> inputs_written;
  // Frontends may attach the line a fix should replace (e.g. the Python `self.fc1 = ...` line).
  std::string fix_prefix;  // text before the call in the fix line (e.g. "self.fc1 = nn.")
  // A module instance called a second time (`self.relu` twice): its parameters belong to the
  // statement named here, so they are counted once, as model.parameters() does.
  std::string shares_params_with;
  // Where the layer was built when that was inside the file's functions or loops (`.py`), innermost
  // first: "`conv3x3(...)` called here", "in pass 3 of this loop". Errors about it show them.
  std::vector<Label> built_via;
  // Its parameters do not train: `requires_grad` set False in `__init__` (`.ns` says
  // `frozen=True` among the arguments instead).
  bool frozen = false;
  // Computed with gradients off (`with torch.no_grad():`, `.py`): its output needs no gradient,
  // and its backward keeps nothing, for the memory estimate.
  bool no_grad = false;
  // The inputs that need no gradient whatever their tensor does (`h.detach()`, a tensor math
  // with no row made with gradients off): indices into `inputs`.
  std::vector<uint32_t> inputs_without_grad;
  // Elements of its weights that are another layer's (`self.head.weight = self.embed.weight`,
  // `.py`): that layer counts them, so this one's parameters leave them out. `tied_to` is that
  // layer's path (empty when the weights came from several): a module holding this layer but not
  // that one counts them too, as its parameters() does.
  int64_t tied_elements = 0;
  std::string tied_to;
  // A `select` of an integer in a Python index (`.py`): the integer's position among the
  // index's items, which PyTorch's out-of-bounds message calls its dimension; -1 otherwise.
  int index_item = -1;
  // nn.utils.weight_norm or spectral_norm of the layer (`.py`): its `weight` is parameters of
  // other names, and forward rebuilds it from them. weight_norm: weight_g (the weight's norms
  // over every dim but `dim`; `whole`: dim None or -1, one norm) and weight_v (its direction).
  // spectral_norm: weight_orig, divided by the largest singular value the buffers weight_u and
  // weight_v estimate (of the weight as a matrix whose rows are its dim `dim`).
  struct NormedWeight {
    enum class Kind : uint8_t { weight_norm, spectral_norm };
    Kind kind = Kind::weight_norm;
    int64_t dim = 0;
    bool whole = false;
    Span at;  // the call
    const char* name() const { return kind == Kind::weight_norm ? "weight_norm" : "spectral_norm"; }
  };
  std::optional<NormedWeight> normed_weight;
  // The bytes of an element of the output when its type is not float32 (a `.py` tensor of
  // int64 ids, an int32 arange: 8, 4), for the memory estimate; 0: the estimate's --dtype.
  uint8_t element_bytes = 0;
  // The inputs read through a copy that changes their memory layout (`.contiguous()`: a
  // contiguous one; `x * 2`, `x.clone()`: a dense one in the input's order of strides).
  struct CopiedInput {
    uint32_t input = 0;  // index into `inputs`
    bool contiguous = false;
    // Which tensor computed from that input with no row it is (1, 2, ...): two statements that
    // read the same one read one tensor (what autograd saves is counted once per tensor).
    uint32_t instance = 0;
    // The bytes of the copy's elements (its type's: `tokens.long()` 8, `x.half()` 2), for the
    // memory estimate; 0 for float32, counted at the estimate's --dtype.
    uint8_t element_bytes = 0;
    // What forward computed from the input to make the copy, in order (none: the same values).
    std::vector<ValueStep> steps;
  };
  std::vector<CopiedInput> copied_inputs;
  // Which of its call's results the row gives, when not the first (0): 1 sort's and topk's
  // indices, an LSTMCell's new cell state c, a recurrent layer's final hidden state h_n,
  // nn.MultiheadAttention's weights averaged over the heads; 2 an LSTM's final cell state c_n,
  // the attention weights per head. The row of the first result is named in shares_params_with.
  uint8_t output_index = 0;
  // Written by item assignment (`x[i] = v`: setitem; `x[mask] = 0`: masked_fill): PyTorch checks
  // the place written for overlapping elements, not the whole tensor.
  bool item_assignment = false;
  // setitem (`x[i] = v` in forward): the value tensor's type as PyTorch's messages name it
  // ("torch.LongTensor"); empty for float32's "torch.FloatTensor".
  std::string value_type;
  // `x += y`, `x.add_(y)`, `F.relu_(x)`: the result is written into the first input, which
  // cannot grow by broadcasting, and keeps its memory layout.
  bool in_place = false;
  // The first in-place write into this statement's output by an op with no layer of its own
  // (`y += 1`, `y.clamp_(0, 1)`, `y.relu_()`): inference checks it as it checks in-place layers
  // (PyTorch refuses to write into an expanded tensor).
  Span written_in_place;
  // An `index` row made of x.index_select(dim, idx) (`.py`): its kernel takes no negative
  // position, and words a position out of range its own way.
  bool index_select = false;
  // Written in place by fill_ or zero_ (no layer), which PyTorch allows into an expanded tensor
  // too: its values change all the same.
  bool filled_in_place = false;
  // The row lays out its output as TensorIterator does (its inputs in reverse order), not in the
  // fresh tensor its op makes: torch.where(mask, x, 0.0), read as a masked_fill of (x, ~mask),
  // follows (mask, x)'s order of strides, as where does.
  bool laid_out_as_where = false;
  // The row stands for a tensor PyTorch makes afresh, contiguous, whatever the layout of the rows
  // it is computed from: a recurrent layer's h_n[-1], read as a step of its output.
  bool laid_out_fresh = false;
  // A div of integer tensors with a rounding_mode: a zero divisor is PyTorch's ZeroDivisionError
  // (float division gives inf), which `run` raises where it meets one.
  bool integer_division = false;
  // A dtype error PyTorch raises after its checks of the shapes, which the .py reader words and
  // the rule raises in PyTorch's order: torch.cdist of an int64 tensor (`cdist only supports
  // floating-point dtypes, X1 got: Long`, after the ranks and the columns), or of a float32 and a
  // float64 one (`expected scalar type Float but found Double`, `computed`: raised by the kernel,
  // so only when both tensors have elements).
  std::string dtype_error;
  bool dtype_error_computed = false;
  // A layer that is a module of a class deriving from its op, with no forward of its own
  // (`class Conv3x3(nn.Conv2d)`): that class, as named_modules() shows the module (--depth).
  std::string module_class;
};

// A statement's extras on the heap when it has any, copied with the statement.
class ExtrasBox {
 public:
  ExtrasBox() = default;
  ExtrasBox(const ExtrasBox& o) : p_(o.p_ ? std::make_unique<StatementExtras>(*o.p_) : nullptr) {}
  ExtrasBox(ExtrasBox&&) noexcept = default;
  ExtrasBox& operator=(const ExtrasBox& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<StatementExtras>(*o.p_) : nullptr;
    return *this;
  }
  ExtrasBox& operator=(ExtrasBox&&) noexcept = default;

  const StatementExtras& get() const {
    static const StatementExtras kNone;
    return p_ ? *p_ : kNone;
  }
  StatementExtras& make() {  // made on the first write
    if (!p_) p_ = std::make_unique<StatementExtras>();
    return *p_;
  }

 private:
  std::unique_ptr<StatementExtras> p_;
};

// `name = Op(args...)` or `name = Op(args...)(a, b)` or `op(a, args...)`.
struct Statement {
  // Unique. A frontend may leave it empty for an unnamed statement: lowering then names it
  // <op><index>.
  std::string name;
  std::string op;                   // as written, without `nn.`/`F.`/`torch.` prefix
  Span op_span;                     // the op name
  Span span;                        // the whole statement (first line)
  std::vector<Arg> args;            // constructor / call arguments (tensor inputs removed)
  std::vector<std::string> inputs;  // explicit tensor inputs; empty = previous statement's output
  std::vector<Span> input_spans;
  // The tensor a call without tensor inputs reads; empty: the previous statement's output. A
  // block's first statement reads the block's input, wherever the use came in the file.
  CompactString previous;  // a pointer: most statements read the one before
  ExtrasBox extras_box;
  const StatementExtras& extras() const { return extras_box.get(); }
  StatementExtras& extras_for_write() { return extras_box.make(); }

  // The small members last: between the strings each would take eight bytes.
  int module = -1;  // index into Program::modules of the module whose forward applied it; -1: root
  bool named = false;            // the name was written in the file
  bool inputs_explicit = false;  // inputs were given (module applied to tensors / py frontend)
  bool python = false;           // written in the PyTorch subset: fixes are shown in Python terms
  // One of several tensors one call returns (`x.chunk(2)`, `x.max(dim)`'s indices): leaving it
  // unused is no mistake, so it is not warned about.
  bool one_of_several = false;
};

// A module of the model's hierarchy as a frontend found it: a user block (`self.b3 =
// Block(16, 64)`) or a container (`nn.Sequential`). Leaf layers are statements, not modules here.
struct ModuleDecl {
  std::string path;     // PyTorch's named_modules() name, e.g. "layer1.0"
  std::string kind;     // class name, e.g. "BasicBlock" or "Sequential"
  int parent = -1;      // index into Program::modules; -1: the model itself
  Span constructed_at;  // the constructor call in the parent's __init__
  Span applied_at;      // the call in the parent's forward that first applied it
  // How many statements came before its first application: where it starts in execution order.
  size_t first_statement = 0;
  // The tensor its last application returned (its output); empty when it returned several.
  std::string output;
};

// Where a value came from when it crossed a constructor call: `Block(16, 64)` passes 16 as `cin`.
struct ValueOrigin {
  std::string param;      // the constructor parameter, e.g. "cin"
  Span argument;          // the argument at the use site (`16`)
  std::string line_text;  // the use site's whole line, trimmed, for help lines
  int line_offset = 0;    // where the argument starts in line_text
  int parent = -1;        // the origin of the argument itself, when it was a parameter too
};

// Fills `line_text` and `line_offset` of an origin whose `argument` is set, from the use site's
// line: only when the whole call (starting at `call`) is on that line, so the help can rewrite it.
void set_use_site_line(ValueOrigin& origin, std::string_view line, Span call);

struct OutputDecl {
  std::string name;
  Span span;
  // What forward computed from it with no row before returning it (`return logits / 2`): the
  // forward pass applies them to the output it hands back.
  std::vector<ValueStep> steps = {};
};

// A layer forward never applies, and the outermost module around it that forward never applies
// either (itself when its parent was applied), by which reports group them.
struct UnappliedLayer {
  Statement layer;
  std::string module;         // e.g. "aux1"
  std::string module_kind;    // e.g. "InceptionAux"
  Span module_span;           // where the module is built
  bool tensors_read = false;  // forward reads its weight or bias as a tensor (a row of its own)
};

// An op of forward with no row whose backward keeps a tensor (PyTorch 1.13's derivatives.yaml):
// `x.abs()`, `x.clamp(0, 1)`, `x ** 2` keep their input, `x.exp()`, `x.sqrt()`, `1 / x` their
// result, `x * 2`, `x / 2` the number, as a 0-dim tensor of 8 bytes (int64 or float64), `2 ** x`
// its result and the base, as a 0-dim tensor of x's dtype. Only when `tensor` needs a gradient,
// which inference knows (a model input does not).
struct UnrowedSave {
  enum class Kept : uint8_t { Input, Result, Number, Base };
  Kept kept = Kept::Input;
  std::string tensor;            // what it reads: a statement's output or a model input
  uint32_t input_instance = 0;   // which copy of it made with no row (0: the tensor itself)
  uint32_t result_instance = 0;  // Result: the copy it makes
  Span at;
};

struct Program {
  std::string model_name;
  std::string model_class;  // the model's class when it is not model_name (`Sequential`)
  Span model_span;
  std::vector<InputDecl> inputs;
  std::vector<Statement> statements;
  std::vector<OutputDecl> outputs;   // empty: the last statement
  std::vector<ModuleDecl> modules;   // the user modules and containers (.py); empty for .ns
  std::vector<ValueOrigin> origins;  // see Value::origin
  // Layers with weights the model registers but forward never applies (`.py`: an auxiliary head
  // in eval mode): no rows, but model.parameters() counts them, and so does the total.
  std::vector<UnappliedLayer> unapplied;
  // The layers built but never applied whose construction alone is checked (`.py`: a Dropout
  // registered and not used, or any layer built and not kept): PyTorch still builds them, so
  // what it raises then (a TypeError of their arguments, a p outside [0, 1]) is the model's
  // error; nothing else about them is.
  std::vector<Statement> unapplied_weightless;
  // Where forward first computed with a tensor's size (`.py`): the statements depend on the input
  // shapes the frontend was given, so inference must not rerun them with others.
  Span sizes_read_at;
  // Where the frontend stopped reading forward because the statements so far already fail
  // (their error is then inference's to report); `stop_error` is that error.
  Span stopped_at;
  Diagnostic stop_error;
  // The ops of forward with no row whose backward keeps a tensor: `--memory` counts what they
  // save with the rows'.
  std::vector<UnrowedSave> unrowed_saves;
  // The first such op whose saved tensor netshape does not know (an in-place one: `x.clamp_()`):
  // what a training step saves is then not counted (`--memory` says so, and where).
  Span unrowed_save_at;
  std::string unrowed_save_op;
  // Where forward first changed values netshape does not compute (`y += 1` into a layer's
  // output, `torch.rand_like(x)`): `run`'s values after it are not PyTorch's (its shapes are).
  Span values_unfollowed_at;
  std::string values_unfollowed_op;  // what it is, as shown: "`+=`", "a cast to torch.float16"
  // What would make `run` compute it, so its note can say how (the CLI's help is chosen by it).
  enum class Unfollowed : uint8_t {
    Other,            // random values, casts, math `run` has no step for
    InPlace,          // `y += 1`, `x.clamp_()`: written out of place, it is computed
    IntoView,         // an in-place op on a view: applied to a copy, it is computed
    StaleView,        // a view read after a write into its tensor: `run` computed it before
    DropoutTraining,  // F.dropout with training=True (its default) drops in eval mode too
    MadeInInit,       // a tensor __init__ computed (`run` follows its sizes, reads zeros)
  };
  Unfollowed values_unfollowed_kind = Unfollowed::Other;
  // Where forward first read `self.training` (False: netshape follows eval mode), so a training
  // step may take other branches (a stochastic depth that multiplies by noise).
  Span training_read_at;
};

}  // namespace netshape

// `fmt::format("{}", v.s)` as with a std::string.
template <>
struct fmt::formatter<netshape::CompactString> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const netshape::CompactString& s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(s.str(), ctx);
  }
};
