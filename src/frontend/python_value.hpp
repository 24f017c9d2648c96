// Internal to the Python frontend: the values of the construction interpreter
// (python_construct.cpp), which runs `__init__`, its helpers and the file's functions with Python's
// semantics over plain values: numbers, strings, tuples, lists, dicts, functions, classes, and
// the modules they build; then `forward`, over the same values plus tensors (a tensor is the name
// of the statement that produces it). Nothing outside the model runs: no I/O, no imports, bounded
// loops.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "python_lower.hpp"
#include "python_tensor_values.hpp"

namespace netshape::pylower {

struct PyValue;
using PyList = std::vector<PyValue>;
using PyDict = std::vector<std::pair<PyValue, PyValue>>;  // insertion-ordered, as Python's
struct PyScope;
struct FinalState;

// The element type of a tensor in forward: torch.float32 (the model's inputs, every layer's
// output) unless a cast (`x.double()`, `x.to(torch.long)`) or argmax made it another.
enum class ElementType : uint8_t {
  Float32,
  Float64,
  Float16,
  BFloat16,
  Int64,
  Int32,
  Int16,
  Int8,
  UInt8,
  Bool,
  Complex64
};

// The element type torch names `name` (`torch.long`, `torch.float64`); nullopt for any other.
std::optional<ElementType> element_type_named(const std::string& name);

// Python's repr of a string: `'b c -> c b'`, in double quotes when it holds a single quote and no
// double one, with backslashes, its quote and newlines escaped.
std::string python_repr(std::string_view text);

struct PyValue {
  enum class Kind {
    Data,      // None, bool, int, float, str: `data` (with its span and origin)
    Tuple,     // items
    List,      // list (shared: `layers.append(...)` changes every reference)
    Dict,      // dict (shared)
    Range,     // start, stop, step in range
    Module,    // module: a layer, a container or a user module instance
    Function,  // def_ (a `def`), closure; method_self when bound
    Class,     // def_ (a user `class`)
    Builtin,   // name: a function netshape knows ("len", "nn.Conv2d", "functools.partial", ...)
    Partial,   // functools.partial: callable in items[0], the bound arguments in items[1..]
    Opaque,    // a value netshape does not follow (a weight tensor for nn.init): only passed on
    Unbound,   // a constructor parameter without a value (name)
    File,      // an imported file of the model, as a module (`import blocks`): file
    Tensor,    // in forward: a tensor, by the name of the statement or input producing it (name)
    Shape,     // in forward: `x.shape` / `x.size()` of the tensor `name`, read by index
    Made,      // a tensor made in __init__ (nn.Parameter, a buffer, torch.zeros): `name` its op
               // (Parameter, zeros, ...), items its sizes; a statement where forward first reads it
    Values,    // a tensor whose elements are known (`torch.arange(depth) * w_a` in __init__),
               // computed with, never a row: `values`
  };
  Kind kind = Kind::Data;
  Value data;
  std::vector<PyValue> items;
  // Partial: keywords of items[1..] ("" = positional); Tuple: the field names of a named tuple
  // (`x.max(1).values`), or none
  std::vector<std::string> keywords;
  std::shared_ptr<PyList> list;
  std::shared_ptr<PyDict> dict;
  int64_t range[3] = {0, 0, 1};
  std::shared_ptr<ModuleDef> module;
  const py::Stmt* def_ = nullptr;
  std::shared_ptr<PyScope> closure;
  std::shared_ptr<PyValue> method_self;  // Function: bound to this `self`
  // Builtin, Unbound, Tensor, Shape; Module: its named_modules() path in forward; Dict:
  // "OrderedDict" for one (what nn.Sequential names children from); Opaque: what it is
  // ("numpy.ndarray": numpy_linspace_of's array, its float64s in `items`)
  std::string name;
  uint32_t file = 0;  // Function, Class, File: the file that defines it (whose names it sees)
  int made = -1;      // Made: its identity (one statement, however often forward reads it)
  // Made: not contiguous (transposed, sliced or expanded in __init__, or computed from such a
  // tensor); forward, which reads a made tensor as a new contiguous one, refuses it.
  bool strided = false;
  // Made: its values are not those its op makes (`empty` for a tensor __init__ computed, whose
  // values netshape does not follow): `run` reads zeros for it, so its values are not PyTorch's.
  bool values_unknown = false;
  // A value that failed (an Opaque "failed") whose expression may build a module or an
  // nn.Parameter: unused, its weights would still be in model.parameters().
  bool may_hold_weights = false;
  // Opaque: a piece of a layer's weight or bias in __init__ (`self.qkv.bias[n : 2 * n]`), a value
  // only initialised in place; Data: its `.data`, whose in-place methods change values only.
  enum class LayerPiece : uint8_t { None, Piece, Data };
  LayerPiece layer_piece = LayerPiece::None;
  // Tensor: read through a copy, which changes its memory layout but not its shape
  // (src/infer/layout.cpp): `x * 2` and `x.clone()` make a dense copy in x's order of strides,
  // `x.contiguous()` a contiguous one (a contiguous copy of a dense copy is contiguous).
  enum class Copy : uint8_t { None, Dense, Contiguous };
  Copy copy = Copy::None;
  ElementType dtype = ElementType::Float32;  // Tensor
  // Tensor: 0 for the tensor its statement or input made; each tensor computed from it with no
  // layer of its own (`copy_of`: `h * 2`, `h.abs()`, `h.clone()`) has a number of its own.
  uint32_t instance = 0;
  // Tensor: needs no gradient whatever its tensor does (`h.detach()`, math with no row done with
  // gradients off): a layer reading it does not make its output need one (memory estimate).
  bool no_grad = false;
  // Tensor: `x.data`, the same memory under a version counter of its own: autograd does not see
  // what is written through it (`.detach()` shares x's counter).
  bool own_version = false;
  // Tensor: what forward computed elementwise from the tensor `name` with no row, in order
  // (`x * 2 + 1`: Mul 2, Add 1); a layer reading it reads a copy with them applied.
  std::vector<ValueStep> steps;
  PyValue copied(Copy c) const {
    PyValue v = *this;
    v.copy = std::max(copy, c);
    return v;
  }
  std::shared_ptr<const ValueTensor> values;  // Values (immutable, so copies share it)
  // Opaque "failed": a result of a layer's call besides its output (a recurrent layer's final
  // state h_n, an LSTM's c_n, nn.MultiheadAttention's weights), made a row at its first use, or
  // read where it is a step of the layer's output (FinalState).
  std::shared_ptr<FinalState> final_state;

  static PyValue of(Value v) {
    PyValue p;
    p.data = std::move(v);
    return p;
  }
  static PyValue none(Span at) { return of(Value::none(at)); }
  static PyValue builtin(std::string n) {
    PyValue p;
    p.kind = Kind::Builtin;
    p.name = std::move(n);
    return p;
  }
  static PyValue tensor(std::string n, Span at) {
    PyValue p;
    p.kind = Kind::Tensor;
    p.name = std::move(n);
    p.data.span = at;
    return p;
  }
  static PyValue of_values(ValueTensor t, Span at) {
    PyValue p;
    p.kind = Kind::Values;
    p.values = std::make_shared<const ValueTensor>(std::move(t));
    p.data.span = at;
    return p;
  }
  bool is(Value::Kind k) const { return kind == Kind::Data && data.kind == k; }
  bool is_none() const { return is(Value::Kind::None); }
  // numpy_linspace_of's array (an Opaque named kNumpyArray), its float64s in `items`.
  static constexpr const char* kNumpyArray = "numpy.ndarray";
  bool is_numpy_array() const { return kind == Kind::Opaque && name == kNumpyArray; }
};

// A recurrent layer's h_n: [layers * directions, N, H_out] (unbatched: [layers * directions,
// H_out]). Its last layer's rows are steps of the output, which is all layers' last: the forward
// direction's state is the output's last step, the reverse direction's its first (the features
// after H_out when bidirectional). Earlier layers' rows are no part of the output.
struct FinalState {
  PyValue output;         // the layer's output tensor
  Statement call;         // the output's row, which a row of this result copies
  size_t call_index = 0;  // where that row is in the program
  // The result's row: StatementExtras::output_index and the suffix of its name (`.h_n`, `.c_n`,
  // an attention's `.weights`); h_n's rows are steps of the output (final_state_item).
  uint8_t output_index = 1;
  const char* suffix = ".h_n";
  bool hidden = true;  // a recurrent layer's h_n
  int64_t layers = 1, directions = 1;
  bool batch_first = false;
  std::optional<PyValue> whole;  // the result itself, once a use made it
};

// A function's local variables, and the scope its `def` was in (for nested functions).
struct PyScope {
  std::map<std::string, PyValue> vars;
  std::shared_ptr<PyScope> parent;
  // Names a `global` or `nonlocal` statement of this function declared: assigning one would
  // change a variable outside the call, which netshape does not keep, so it is refused.
  std::set<std::string> outer;
};

}  // namespace netshape::pylower
