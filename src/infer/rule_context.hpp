// What a shape rule sees: the statement's bound arguments, its input shapes, and helpers that
// validate arguments the way PyTorch does and report errors at the argument's position.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <forward_list>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {

// The shapes of a layer's inputs, in order: views of the shapes inference keeps for each tensor,
// not copies.
class InputShapes {
 public:
  void push_back(const Shape* s) { shapes_.push_back(s); }
  size_t size() const { return shapes_.size(); }
  bool empty() const { return shapes_.empty(); }
  const Shape& operator[](size_t k) const { return *shapes_[k]; }
  const Shape& at(size_t k) const {
    if (k >= shapes_.size()) throw std::out_of_range("InputShapes::at");
    return *shapes_[k];
  }

 private:
  SmallVector<const Shape*, 4> shapes_;
};

// What inference knows of a tensor's values beyond its shape, for the rule that reads values as
// indices (Embedding's): whether they are whole numbers of a type an index can be, int64 or
// int32 (token ids, an arange of ints, an argmax), and, when every value is known, the smallest
// and the largest (an arange of integers, moved by views that drop none of its values).
struct KnownValues {
  bool indices = false;
  bool exact_range = false;
  // with exact_range: the values are lo, lo + step, ..., hi (in some order, some repeated)
  int64_t lo = 0, hi = 0, step = 1;
  // with exact_range: in that order in memory (an arange counting up, viewed): the first beyond
  // a bound that a kernel reads in order is then known, as its error names it
  bool ascending = false;
  // the values depend on nothing the model is given (no input, no random source): an arange, a
  // buffer __init__ made, math of them; they are the same at every run
  bool from_constants = false;
  // > 0: every value lies in [0, less_than) whatever the input's values (a max pool's indices:
  // the positions its windows reach in the pooled plane); 0: no such bound is known
  int64_t less_than = 0;
};

// Known index values (KnownValues with exact_range) outside [lower, upper): whether any is; the
// smallest of them, the first a kernel reading them sorted meets (Embedding's renorm); and the
// first in memory order, the first a kernel reading them in order meets, when that is known (they
// ascend, or only one is outside).
struct OutOfRange {
  bool any = false;
  int64_t smallest = 0;
  std::optional<int64_t> first;
};
OutOfRange out_of_range(const KnownValues& ids, int64_t lower, int64_t upper);

// How a value is named in messages: "an int", "a float", "a tuple", ...
const char* kind_name(const Value& v);

class RuleContext {
 public:
  RuleContext(const OpInfo& op, const Graph& graph, const GraphNode& node, LayerInfo& layer,
              const InputShapes& inputs, Diagnostics& diags)
      : op(op),
        graph(graph),
        node(node),
        st(*node.statement),
        layer(layer),
        inputs_(inputs),
        diags_(diags) {}

  const OpInfo& op;
  const Graph& graph;
  const GraphNode& node;
  const Statement& st;  // node.statement: positions and the call as written
  LayerInfo& layer;
  Attrs attrs;  // what the rule decides, for the forward: kept in the layer once it is done
  ParamTensors weights;  // add_weight's, kept in the layer the same way
  // Per parameter of op.params (same index): its value (the argument written, or the default;
  // `x.size(i)` resolved to the dim it names) and where it was written (node.given_span).
  SmallVector<const Value*, 16> bound = bound_values(node);
  std::forward_list<Value>
      resolved;  // storage for values rewritten while binding (x.size(0)); stable addresses
  std::vector<Value> var_positional;  // `*shape`
  // The shape the first input had before a flatten/view made it (for help lines), or null.
  const Shape* input_flattened_from = nullptr;
  // What is known of the values of the input read as indices: the first (Embedding, one_hot),
  // gather's index (the second). A rule that reads it runs every time (RuleMemo's key holds
  // shapes, not values).
  KnownValues input_values;
  // Per input (the first two): a 3-D tensor whose last dim's stride is not 1 and whose first
  // dim's stride is size(1) * size(2) (`x.transpose(1, 2)` of a contiguous x). at::matmul (and
  // so nn.Linear of a 3-D input it does not fuse) multiplies such a tensor as a batch of
  // matrices, with bmm's messages, where it folds any other into one matrix (should_fold). Only
  // messages depend on it: RuleMemo keeps no error.
  std::array<bool, 2> multiplied_as_batch{};
  int index_of(std::string_view param) const { return op.param_index(param); }
  bool has_param(std::string_view param) const { return op.has_param(param); }

  const InputShapes& in() const { return inputs_; }
  const Shape& x() const { return inputs_.at(0); }
  // The name of input k (the tensor's), for messages.
  std::string_view input_name(size_t k) const { return graph.tensor_name(layer.input_ids[k]); }
  int nd() const { return op.spatial_dims; }
  std::string_view name() const { return layer.name; }

  // --- reading arguments ---
  static SmallVector<const Value*, 16> bound_values(const GraphNode& node) {
    SmallVector<const Value*, 16> values(node.bound_count());
    for (size_t i = 0; i < values.size(); ++i) values[i] = node.bound(i);
    return values;
  }

  const Value& value(std::string_view param) const {
    int i = index_of(param);
    if (i < 0) throw std::out_of_range("RuleContext::value: no such parameter");
    return *bound[static_cast<size_t>(i)];
  }
  // The node that computed input k; null for a model input.
  const GraphNode* input_producer(size_t k) const {
    if (k >= node.inputs.size() || node.inputs[k] == kNoId) return nullptr;
    NodeId producer = graph.tensors[node.inputs[k]].producer;
    return producer == kNoId ? nullptr : &graph.nodes[producer];
  }
  bool is_given(std::string_view param) const {
    int i = index_of(param);
    return i >= 0 && node.is_given(static_cast<size_t>(i));
  }
  bool given_by_keyword(std::string_view param) const {
    int i = index_of(param);
    return i >= 0 && node.given_by_keyword(static_cast<size_t>(i));
  }
  bool is_none(std::string_view param) const { return value(param).kind == Value::Kind::None; }
  bool is_infer(std::string_view param) const { return value(param).kind == Value::Kind::Infer; }
  Span span_of(std::string_view param) const;
  // An int >= min_value (PyTorch's bounds), or an error naming the parameter. A bool is an int,
  // as Python reads a module's argument (`Linear(True, 6)` has one input feature).
  std::optional<int64_t> int_arg(std::string_view param, int64_t min_value);
  // The same for an int PyTorch's C++ argument parser reads (a dim, narrow's start, a conv's
  // groups at forward): it takes no bool, so True there is its TypeError, not 1. `help` replaces
  // the default fix.
  std::optional<int64_t> strict_int_arg(std::string_view param, int64_t min_value,
                                        std::string help = {});
  // A size a module's __init__ gives first to torch.empty or torch.zeros (Linear's out_features,
  // Conv2d's out_channels): the parser picks the overload by the shape's first item, so a bool
  // there is its TypeError, where a bool later in a shape is read as 1. `factory` names the call
  // ("empty", "zeros"); `alone` when the size is the whole shape (torch.empty(n)), not a tuple's
  // first item. False after the error.
  bool check_leading_size(std::string_view param, std::string_view factory, bool alone);
  // How a list of sizes is read where PyTorch reads it (see ints_arg).
  enum class IntsForm {
    exact,   // an int or n ints (the default)
    python,  // the same, a bool an int: a module's kernel_size handed to torch.empty's shape
    cpp,     // a C++ op's int list: one item stands for every dim (conv's expand_param_if_needed,
             // pooling's "a single int, or a tuple of two ints")
  };
  // An int or a tuple of `n` ints, each >= min_value, expanded to n values (PyTorch's _ntuple).
  std::optional<IntList> ints_arg(std::string_view param, size_t n, int64_t min_value,
                                  IntsForm form = IntsForm::exact);
  // A size that may be written `?`: then it is taken from the input dim `from` and reported.
  std::optional<int64_t> size_or_inferred(std::string_view param, const Dim& from);
  std::optional<bool> bool_arg(std::string_view param);
  // A flag PyTorch's C++ argument parser reads (keepdim, ceil_mode, training): a bool only, an
  // int there is its TypeError.
  std::optional<bool> strict_bool_arg(std::string_view param);
  // A module's flag that its __init__ tests with `if` (`bias` of Conv2d and Linear): None is
  // False there, as Python reads it.
  std::optional<bool> flag_arg(std::string_view param);
  std::optional<double> float_arg(std::string_view param);
  std::optional<std::string> string_arg(std::string_view param);

  // --- reporting ---
  bool fail(Span span, std::string message, std::string help = {});
  bool fail_at(std::string_view param, std::string message, std::string help = {}) {
    return fail(span_of(param), std::move(message), std::move(help));
  }
  // The same, handing back the diagnostic so the rule can add notes (other possible fixes).
  Diagnostic& error_at(std::string_view param, std::string message, std::string help = {}) {
    return report(span_of(param), std::move(message), std::move(help));
  }
  Diagnostic& error(Span span, std::string message, std::string help = {}) {
    return report(span, std::move(message), std::move(help));
  }
  // What PyTorch raises while building the module, not when applying it (Dropout's p outside
  // [0, 1]): checked for modules forward never applies too, with inputs that fit them, so a rule
  // makes such checks before those that depend on the input's sizes.
  bool fail_at_construction(std::string_view param, std::string message, std::string help) {
    error_at(param, std::move(message), std::move(help)).at_construction = true;
    return false;
  }
  bool fail_input(std::string message, std::string help = {});  // at the statement
  // What PyTorch runs and netshape does not follow (exit 2, not a shape error).
  bool fail_unsupported(std::string_view param, std::string message, std::string help) {
    error_at(param, std::move(message), std::move(help)).code = "unsupported";
    return false;
  }
  // The same about the input (at the statement).
  bool fail_input_unsupported(std::string message, std::string help);
  // The input is too small for this layer's window: the CLI then searches the smallest input.
  bool fail_too_small(std::string message, std::string help);
  // A size computed from `param` left int64 (`what` shows the computation): PyTorch would wrap
  // it into a wrong shape or a garbled message; netshape stops at the argument instead.
  bool fail_overflow(std::string_view param, const std::string& what);
  // The statement's call, rewritten with `param` set to `replacement` (for help lines). In
  // Python statements the whole corrected line (`self.fc1 = nn.Linear(4608, 64)`).
  std::string call_with(std::string_view param, const std::string& replacement) const;
  std::string call_with(const std::vector<std::pair<std::string, std::string>>& replacements) const;

  // --- results ---
  void set_output(Shape s) { output = std::move(s); }
  std::optional<Shape> output;  // set_output's: the layer keeps the record of an equal shape
  // `name` is a literal ("weight", "bias"): the layer keeps a view of it.
  bool add_weight(std::string_view name, std::span<const int64_t> shape);
  bool add_weight(std::string_view name, std::initializer_list<int64_t> shape) {
    return add_weight(name, std::span<const int64_t>(shape.begin(), shape.size()));
  }
  // MACs += product of factors, with overflow reported.
  bool add_macs(std::span<const int64_t> factors);
  bool add_macs(std::initializer_list<int64_t> factors) {
    return add_macs(std::span<const int64_t>(factors.begin(), factors.size()));
  }
  bool want_explain = false;
  bool keep_weights = true;  // false in probes: params are counted, the tensors not kept
  bool training = false;     // the modules in training mode (AnalyzeOptions::training)
  // Records a formula line; formatted only when --explain asked for it. Its arguments are
  // evaluated on every call: a rule builds costly ones (strings) under `if (want_explain)`.
  template <typename... Args>
  void explain(fmt::format_string<Args...> f, Args&&... args) {
    if (want_explain)
      layer.notes_for_write().explain.push_back(fmt::format(f, std::forward<Args>(args)...));
  }
  void set_inferred(std::string_view param, int64_t v) {
    layer.notes_for_write().inferred[std::string(param)] = v;
  }
  // The batch as counted: leading dims before the `feature_dims` trailing ones; symbol = 1.
  std::optional<int64_t> leading_count(const Shape& s, size_t feature_dims);

 private:
  Diagnostic& report(Span span, std::string message, std::string help);
  // Labels for an error inside a user module: where its values were passed in, where it was
  // applied.
  void add_origin_labels(Diagnostic& d) const;
  // The use site's line rewritten with these replacements, when every replaced parameter's value
  // was passed in unchanged from one line of the model (`self.b3 = Block(32, 64)`); else "".
  std::string use_site_fix(
      const std::vector<std::pair<std::string, std::string>>& replacements) const;
  Span input_span() const;  // where an error about the input points
  const InputShapes& inputs_;
  Diagnostics& diags_;
};

// One shape rule per family (src/infer/rules_*.cpp), named after ops.def's family column.
#define NS_FAMILY(family, ...) bool infer_##family(RuleContext& ctx);
#include "netshape/op_families.def"
#undef NS_FAMILY

// Shared helpers of the rules.
std::string join(std::span<const int64_t> v, const char* sep);  // {4, 4}, " x " -> "4 x 4"
const char* spatial_name(size_t nd, size_t i);                  // 2, 0 -> "H"
std::string shape_list(const Shape& s);  // "[1, 31, 8, 8]" with the symbol counted as 1
// Every window extent d(k-1)+1 fits in int64; else an error at dilation (or kernel_size).
bool check_kernel_extent(RuleContext& ctx, std::span<const int64_t> kernel,
                         std::span<const int64_t> dilation);
// An input of size `in` padded by `before` and `after` left int64: an error at padding.
bool fail_padded_overflow(RuleContext& ctx, int64_t in, int64_t before, int64_t after);
// F.pad(x, pad, 'constant', value): its output and errors, for ConstantPad2d and ZeroPad2d
// given a tuple of another length than 4 (PyTorch passes any tuple on to F.pad as it is).
bool constant_pad_as_f_pad(RuleContext& ctx, AttrInts pad, double value);
// adaptive_{avg,max}_pool{2,3}d's check of the dims they pool (the 1-d pools, and F.interpolate's
// mode='area', run the 2-d one on their input unsqueezed): PyTorch's message for x's first empty
// one, if any, for an output of `out` sizes. An average whose sizes are all 1 is a mean, which
// checks nothing (mean_path_axis).
std::optional<std::string> adaptive_pool_empty_dim(const Shape& x, const AttrInts& out, bool avg);
// The dims a reflect or replicate pad of the last `nd` dims requires non-empty (all but a batch;
// reflect's 1-d and 2-d kernels take empty channels of an unbatched input): PyTorch's error.
bool check_padded_dims_nonempty(RuleContext& ctx, PaddingMode mode, size_t nd);
// The int argument `param` as a dim of a tensor of `rank` dims, wrapped into `out`; else
// PyTorch's "Dimension out of range" at the argument.
bool dim_arg(RuleContext& ctx, std::string_view param, int64_t rank, int64_t& out);
// PyTorch's argument parser reads an int list (IntArrayRef) by its first item: a bool there means
// the argument is no int list (each op words that TypeError its own way), a bool after it is an
// int. int_list_entry is item number `position` (0-based) of such a list read as an int, nullopt
// when it is none; int_list_items the whole list, nullopt when any item is none.
std::optional<int64_t> int_list_entry(const Value& v, size_t position);
std::optional<std::vector<int64_t>> int_list_items(std::span<const Value> items);
// A 1-d layer (Conv1d, BatchNorm1d) that wants `channels` but sees [N, L, C] with C == channels
// in the last dim: the writer's sequence is channels-last (an embedding's output, a transformer
// layout). Makes transposing the error's help and keeps `d`'s own fix as a note.
void prefer_transpose_fix(const RuleContext& ctx, int64_t channels, Diagnostic& d);

}  // namespace netshape
