// Shape inference driver: walks the graph's nodes in order, runs each op's rule on its bound
// arguments and input shapes, and accumulates totals. The graph is not changed.
#include "netshape/infer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <unordered_map>

#include "layout.hpp"
#include "netshape/limits.hpp"
#include "netshape/normed_weight.hpp"
#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"
#include "rule_memo.hpp"

namespace netshape {
namespace {

using RuleFn = bool (*)(RuleContext&);

// The rule of every op, generated from ops.def's family column.
constexpr RuleFn kRules[] = {
#define NS_OP(id, name, nd, family, kind, schema) &infer_##family,
#include "netshape/ops.def"
#undef NS_OP
};
static_assert(std::size(kRules) == kOpCount, "every op in ops.def needs a shape rule");

// A tensor inference has computed (an input, or a node it has run): where its shape is kept, in
// the analysis (its input list and its layers are reserved up front, so the address holds).
struct Tensor {
  const Shape* shape = nullptr;  // null: not computed yet
  // For help lines: the layer (a flatten/view) whose first input's shape this tensor flattens.
  // An index, not a copy: most tensors have none, and a Shape is large.
  uint32_t flattened_by = kNoId;
  uint32_t layout = 0;  // index into Analyzer::layouts_; 0: contiguous, as most are
  KnownValues values;
};

class Analyzer {
 public:
  Analyzer(const Graph& g, Diagnostics& diags, const AnalyzeOptions& options)
      : g_(g), diags_(diags), options_(options) {}

  Analysis run() {
    Analysis a;
    a.layers.reserve(g_.nodes.size());
    a.tensor_count = g_.tensors.size();
    a.sources.assign(g_.tensors.size(), Analysis::kNotComputed);
    tensors_.resize(g_.tensors.size());
    a.model_name = g_.model_name;
    if (!declare_inputs(a)) return a;
    if (g_.fatal) {
      diags_.add(*g_.fatal);  // a name used twice: no layer can be trusted
      return a;
    }
    for (const GraphNode& node : g_.nodes) {
      // Built in place: a LayerInfo is large, and moving 100,000 of them costs.
      if (!run_node(node, a.layers.emplace_back(), a.layers)) return a;
      const LayerInfo& done = a.layers.back();
      if (!within_rank_limit(*done.output, node.statement->span, done.name)) return a;
      uint32_t layout = 0;
      if (!lay_out(node, done, layout)) return a;
      KnownValues values = known_values(node, done);
      values.from_constants = made_from_constants(node);
      tensors_[node.output] = Tensor{&*done.output, flatten_source(a.layers), layout, values};
      a.sources[node.output] = -static_cast<int32_t>(a.layers.size());  // -1 - its index
      if (!accumulate(a.totals, done, *node.statement)) return a;
      if (a.layers.size() > options_.stop_after) return a;  // a probe got past its layer
    }
    a.ok = collect_outputs(a);
    return a;
  }

 private:
  const Graph& g_;
  Diagnostics& diags_;
  const AnalyzeOptions& options_;
  std::vector<Tensor> tensors_;            // by TensorId
  std::vector<Layout> layouts_{Layout{}};  // the tensors' layouts, [0] the contiguous one
  AttrsTable attrs_;                       // the layers' distinct attribute records
  WeightsTable weights_;                   // and weight lists
  ShapeTable shapes_;                      // and output shapes
  RuleMemo memo_;                          // the rules' answers, for layers asking again
  bool values_written_ = false;            // a write with no row of its own: KnownValues

  bool declare_inputs(Analysis& a) {
    const Program& prog = g_.program();
    if (g_.inputs.empty()) {
      Span at = prog.statements.empty() ? Span{1, 1, 1} : prog.statements[0].span;
      diags_.error(
          at, "the model has no input shape",
          "add a line like `input x: [B, 1, 28, 28]` at the top, or pass --input B,1,28,28");
      return false;
    }
    std::vector<bool> declared(g_.names.size(), false);
    a.inputs.reserve(g_.inputs.size());  // tensors_ points at these shapes
    for (size_t k = 0; k < g_.inputs.size(); ++k) {
      const InputDecl& in = *g_.inputs[k].decl;
      NameId name = g_.tensors[g_.inputs[k].tensor].name;
      if (declared[name]) {
        diags_.error(in.span, fmt::format("input '{}' is declared twice", in.name),
                     "give each input its own name");
        return false;
      }
      declared[name] = true;
      std::optional<Shape> s = input_shape(k, in);
      if (!s) return false;
      a.inputs.emplace_back(in.name, *s);
      // An input may be token ids (the model language has no dtypes; a `.py` file's reader
      // checks them): whole numbers, none known.
      tensors_[g_.inputs[k].tensor] = Tensor{&a.inputs.back().second, kNoId, 0, {.indices = true}};
      a.sources[g_.inputs[k].tensor] = static_cast<int32_t>(k);
      a.input_ids.push_back(g_.inputs[k].tensor);
      a.input_element_bytes.push_back(in.element_bytes);
      a.input_values.push_back(in.values);
    }
    return true;
  }

  std::optional<Shape> input_shape(size_t k, const InputDecl& in) {
    const std::vector<Shape>* given = options_.input_shapes;
    if (given && k < given->size()) return (*given)[k];
    if (in.dims.empty()) {
      // Only the first input's --input may go without its name (the others' come after it).
      std::string help =
          k == 0 ? "pass it with --input, e.g. --input B,3,32,32, or add a `# input: [B, 3, 32, "
                   "32]` comment"
                 : fmt::format(
                       "pass it with --input {0}=B,3,32,32 (its shape), or add a `# input "
                       "{0}: [B, 3, 32, 32]` comment",
                       in.name);
      diags_.error(in.span, fmt::format("the shape of input '{}' is not given", in.name), help);
      return std::nullopt;
    }
    if (in.dims.size() > limits::kMaxRank) {
      diags_.error(in.span,
                   fmt::format("input '{}' has {} dims; netshape follows tensors of at most {}",
                               in.name, in.dims.size(), limits::kMaxRank),
                   "give the input's real shape, e.g. [B, 3, 32, 32]");
      return std::nullopt;
    }
    Shape s;
    for (const InputDim& d : in.dims)
      s.push_back(d.symbol.empty() ? fixed(d.value) : Dim::of_symbol(1, d.symbol));
    return s;
  }

  // Models use a handful of dims; thousands (a hostile view or unsqueeze chain) would make every
  // shape copy and message as long as the file.
  bool within_rank_limit(const Shape& s, Span at, std::string_view layer) {
    if (s.size() <= limits::kMaxRank) return true;
    diags_
        .error(at,
               fmt::format("the output has {} dims; netshape follows tensors of at most {}",
                           s.size(), limits::kMaxRank),
               "check the view/reshape/unsqueeze calls that add dims")
        .layer = layer;
    return false;
  }

  // Whether the values `node` made depend on nothing the model is given: a source that is not
  // random (an arange, a buffer made in __init__), or an op of such tensors only.
  bool made_from_constants(const GraphNode& node) const {
    const OpInfo& op = op_info(node.op);
    if (node.inputs.empty()) return op.family == Family::source && op.kind != OpKind::random;
    return std::all_of(node.inputs.begin(), node.inputs.end(),
                       [&](TensorId t) { return t != kNoId && tensors_[t].values.from_constants; });
  }

  // What is known of the values `node` made (KnownValues): an arange of integers knows them all;
  // a view moves its input's, all of them unless it narrows or selects; argmax makes int64s.
  KnownValues known_values(const GraphNode& node, const LayerInfo& done) {
    const OpInfo& op = op_info(node.op);
    const std::vector<Arg>& args = node.statement->args;
    const StatementExtras& extras = node.statement->extras();
    // An in-place write (`pos += 1`, `pos[10:].masked_fill_(...)`: a slice shares the memory it
    // slices) changes values netshape does not follow: from then on none is taken as known.
    if (extras.in_place || extras.written_in_place.valid() || extras.filled_in_place)
      values_written_ = true;
    if (op.kind == OpKind::arange) {
      int bytes = integer_element_bytes(op, args);
      KnownValues v{.indices = bytes == 8 || bytes == 4};
      const Dim& count = (*done.output)[0];  // a batch `B` counts as 1: its values are unknown
      if (bytes > 0 && !count.symbolic()) arange_range(*done.attrs, count.value, v);
      return v;
    }
    if (op.kind == OpKind::argmax || op.kind == OpKind::argmin || op.id == OpId::one_hot)
      return {.indices = true};
    if (pools_with_indices(op.family) && extras.output_index == 1)
      return {.indices = true, .less_than = pooled_positions(done)};
    if (family_info(op.family).layout != LayoutRule::View || node.inputs.empty() ||
        node.inputs[0] == kNoId)
      return {};
    KnownValues v = first_input_values(node);
    // a reshape keeps the order of the elements in memory; a transpose or an expand does not
    // (an expand repeats elements, but meets each first in their order: the first index out of
    // bounds a kernel reads is the same)
    bool in_order = op.family == Family::view || op.family == Family::flatten ||
                    op.family == Family::unflatten || op.family == Family::squeeze ||
                    op.family == Family::unsqueeze || op.family == Family::expand;
    if (!in_order) v.ascending = false;
    bool drops = op.family == Family::narrow || op.family == Family::slice ||
                 op.family == Family::select || has_zero_dim(*done.output);
    if (drops) v.exact_range = false;
    return v;
  }

  // How many positions of the pooled plane a max pool's windows reach, counted up to the last
  // one (its indices lie below): the last row, column, ... any window reaches, as a flat index
  // of the plane, plus one; 0 when a spatial size is symbolic.
  int64_t pooled_positions(const LayerInfo& pool) const {
    const Shape& in = *tensors_[pool.input_ids[0]].shape;
    const Shape& out = *pool.output;
    const Attrs& a = *pool.attrs;
    if (op_info(pool.op).family == Family::adaptive_max_pool) {  // its windows cover the plane
      size_t nd = static_cast<size_t>(op_info(pool.op).spatial_dims);
      Checked plane = 1;
      for (size_t i = in.size() - std::min(nd, in.size()); i < in.size(); ++i)
        plane = in[i].symbolic() ? Checked::overflowed() : plane * in[i].value;
      return plane.get().value_or(0);
    }
    size_t nd = a.kernel_size.size();
    if (nd == 0 || in.size() < nd || out.size() < nd) return 0;
    Checked last = 0;
    for (size_t i = 0; i < nd; ++i) {
      const Dim& size = in[in.size() - nd + i];
      const Dim& pooled = out[out.size() - nd + i];
      if (size.symbolic() || pooled.symbolic()) return 0;
      // the last window starts at (pooled - 1) s - p and covers its dilated kernel's extent
      std::optional<int64_t> extent = effective_kernel_size(a.kernel_size[i], a.dilation[i]);
      if (!extent) return 0;
      Checked reach = (Checked(pooled.value) - 1) * a.stride[i] - Checked(a.padding[i]) +
                      (Checked(*extent) - 1);
      std::optional<int64_t> r = reach.get();
      if (!r) return 0;
      last = last * size.value + std::min(*r, size.value - 1);
    }
    std::optional<int64_t> positions = (last + 1).get();
    return positions.value_or(0);
  }

  // What is known of the values `node` reads as its input k: its tensor's, moved by the steps of
  // a copy made with no row (values_after), and none of them after a write.
  KnownValues first_input_values(const GraphNode& node) const { return input_values(node, 0); }
  KnownValues input_values(const GraphNode& node, size_t k) const {
    KnownValues v = tensors_[node.inputs[k]].values;
    for (const StatementExtras::CopiedInput& c : node.statement->extras().copied_inputs)
      if (c.input == k && !c.steps.empty()) {
        v = values_after(v, c.steps);
        v.less_than = 0;  // any step may move them out of the bound
      }
    if (values_written_) v.exact_range = false, v.less_than = 0;
    return v;
  }

  // The values after a copy's steps: a fill with a whole number (`torch.full((b, 1), start_id)`)
  // makes them all that number; adding or subtracting a whole number, multiplying by a nonzero
  // one, negating, or subtracting from one moves an arange's range in integers
  // (`torch.arange(T) + 1`, `-torch.arange(1, 7)`: the order reverses); clamping at a
  // whole number or floor-dividing by a positive one keeps what is left of it a progression
  // (`(pos - 3).clamp(0, 15)`, `pos // 2`); a cast keeps the values its type holds. Any other
  // step (`p % 12`) leaves them unknown.
  static KnownValues values_after(KnownValues v, const std::vector<ValueStep>& steps) {
    constexpr double kExact = 9007199254740992.0;  // 2^53
    using Op = ValueStep::Op;
    for (const ValueStep& s : steps) {
      bool whole = std::abs(s.number) < kExact && s.number == std::trunc(s.number);
      if (s.op == Op::Fill) {
        v.exact_range = whole;
        v.lo = v.hi = whole ? static_cast<int64_t>(s.number) : 0;
        v.step = 1;
        continue;
      }
      if (!v.exact_range) continue;
      // moved in integers: exact below 2^53 (the range and the number are)
      double n = s.number, lo = static_cast<double>(v.lo), hi = static_cast<double>(v.hi);
      bool integers = s.integer_bits != 0 && whole;
      switch (s.op) {
        case Op::Add:
          v.exact_range = integers && std::abs(lo + n) < kExact && std::abs(hi + n) < kExact;
          lo += n, hi += n;
          break;
        case Op::Sub:
          v.exact_range = integers && std::abs(lo - n) < kExact && std::abs(hi - n) < kExact;
          lo -= n, hi -= n;
          break;
        case Op::Mul:  // by a negative number: the order reverses
          v.exact_range = integers && n != 0 && std::abs(lo * n) < kExact &&
                          std::abs(hi * n) < kExact && std::abs(v.step * n) < kExact;
          std::tie(lo, hi) = n > 0 ? std::pair{lo * n, hi * n} : std::pair{hi * n, lo * n};
          if (v.exact_range) v.step *= static_cast<int64_t>(std::abs(n));
          if (n < 0) v.ascending = false;
          break;
        case Op::Neg:  // -x, n - x: the order reverses
        case Op::SubFrom: {
          double base = s.op == Op::Neg ? 0.0 : n;
          v.exact_range = (s.op == Op::Neg || integers) && s.integer_bits != 0 &&
                          std::abs(base - lo) < kExact && std::abs(base - hi) < kExact;
          std::tie(lo, hi) = std::pair{base - hi, base - lo};
          v.ascending = false;
          break;
        }
        case Op::ClampMin:
        case Op::ClampMax:
          v.exact_range = integers && clamp_range(s.op == Op::ClampMin, n, lo, hi, v.step);
          break;
        case Op::FloorDiv:  // by a positive whole number: a progression stays one
          v.exact_range =
              integers && n > 0 && (v.step == 1 || v.step % static_cast<int64_t>(n) == 0);
          if (v.exact_range) {
            lo = std::floor(lo / n), hi = std::floor(hi / n);
            v.step = v.step == 1 ? 1 : v.step / static_cast<int64_t>(n);
          }
          break;
        case Op::Trunc:  // a cast to `number` bits (0: the math trunc, of whole numbers here)
          v.exact_range = s.number == 0 || s.number >= 64 ||
                          (lo >= -std::ldexp(1.0, static_cast<int>(s.number) - 1) &&
                           hi < std::ldexp(1.0, static_cast<int>(s.number) - 1));
          break;
        default:
          v.exact_range = false;
      }
      // an integer tensor narrower than 64 bits wraps what it cannot hold (-(-128) in int8)
      if (v.exact_range && s.integer_bits != 0 && s.integer_bits < 64) {
        double limit = std::ldexp(1.0, s.integer_bits - 1);
        if (lo < -limit || hi >= limit) v.exact_range = false;
      }
      if (v.exact_range) v.lo = static_cast<int64_t>(lo), v.hi = static_cast<int64_t>(hi);
    }
    return v;
  }

  // The range lo, lo + step, ..., hi clamped below (or above) at the whole number n: still a
  // progression when n leaves it whole, cuts it at one of its values, or makes every value n;
  // false when the clamped values are no progression.
  static bool clamp_range(bool below, double n, double& lo, double& hi, int64_t& step) {
    bool cuts = below ? n > lo : n < hi;
    if (!cuts) return true;
    if (below ? n >= hi : n <= lo) {  // every value becomes n
      lo = hi = n;
      step = 1;
      return true;
    }
    if (std::fmod(n - lo, static_cast<double>(step)) != 0) return false;
    (below ? lo : hi) = n;
    return true;
  }

  // The smallest and largest of arange's `count` values, first + k * step (whole numbers here,
  // exact as doubles below 2^53); unknown when there are none or they are beyond that.
  static void arange_range(const Attrs& a, int64_t count, KnownValues& v) {
    constexpr double kExact = 9007199254740992.0;  // 2^53
    double last = a.first + static_cast<double>(count - 1) * a.step;
    if (count <= 0 || !(std::abs(a.first) < kExact && std::abs(last) < kExact)) return;
    v.exact_range = true;
    v.lo = static_cast<int64_t>(std::min(a.first, last));
    v.hi = static_cast<int64_t>(std::max(a.first, last));
    v.step = count > 1 ? static_cast<int64_t>(std::abs(a.step)) : 1;
    v.ascending = count == 1 || a.step > 0;
  }

  // The last layer's index when it flattens (reshapes) its first input.
  static uint32_t flatten_source(const std::vector<LayerInfo>& layers) {
    const LayerInfo& l = layers.back();
    bool reshapes = op_info(l.op).kind == OpKind::reshape;
    return reshapes && !l.input_ids.empty() ? static_cast<uint32_t>(layers.size() - 1) : kNoId;
  }

  // `layers` holds the layers so far (reserved up front: addresses in it stay valid).
  bool run_node(const GraphNode& node, LayerInfo& layer, const std::vector<LayerInfo>& layers) {
    const Statement& st = *node.statement;
    layer.name = g_.name(node.name);
    layer.op_name = st.op;
    if (g_.modules.size() > 1) {
      layer.module = g_.module_path(node.module);
      layer.depth = 1;
      for (ModuleId m = node.module; m != kRootModule; m = g_.modules[m].parent) ++layer.depth;
    }
    layer.statement = &st;
    layer.node = static_cast<NodeId>(&node - g_.nodes.data());
    layer.output_id = node.output;
    layer.op = node.op;
    uint32_t flattened_by = kNoId;
    InputShapes inputs;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      TensorId t = node.inputs[i];
      if (t == kNoId) continue;
      if (!tensors_[t].shape) {  // lowering orders nodes after what they read: never expected
        diags_.error(
            st.span,
            fmt::format("internal error: '{}' is read before it is computed", g_.tensor_name(t)),
            "please report this model to netshape's maintainers");
        return false;
      }
      layer.input_ids.push_back(t);
      inputs.push_back(tensors_[t].shape);
      if (i == 0) flattened_by = tensors_[t].flattened_by;
    }
    if (node.error >= 0) {
      diags_.add(g_.errors[static_cast<size_t>(node.error)]);
      return false;
    }
    const Shape* flattened_from =
        flattened_by != kNoId ? tensors_[layers[flattened_by].input_ids[0]].shape : nullptr;
    // Not in the memo's key: what Embedding, one_hot, gather, index and max_unpool know of their
    // indices, what the inputs are (masks).
    Family family = op_info(node.op).family;
    bool reads_values = family == Family::embedding || family == Family::one_hot ||
                        family == Family::gather || family == Family::index ||
                        family == Family::max_unpool;
    bool has_roles = !node.statement->extras().input_roles.empty();
    // A probe keeps no weights, but a layer under weight_norm or spectral_norm needs its own
    // (its errors depend on them): rules run for it, and keep them.
    bool normed = st.extras().normed_weight.has_value();
    bool asked = !options_.explain && !reads_values && !has_roles && !(normed && options_.probe) &&
                 memo_.ask(node, inputs, flattened_from);
    const RuleMemo::Answer* known = asked ? memo_.answer() : nullptr;
    if (known) {
      layer.output = known->output;
      layer.params = known->params;
      layer.macs = known->macs;
      layer.attrs = known->attrs;
      layer.weights = known->weights;
    } else if (!run_rule(node, layer, inputs, flattened_from, asked)) {
      return false;
    }
    if (normed && !normalise_weight(node, layer)) return false;
    const StatementExtras& extras = st.extras();
    if (!extras.shares_params_with.empty()) layer.params = 0;  // counted at the first call
    if (extras.tied_elements > 0)  // another layer's weight: counted there
      layer.params = std::max<int64_t>(0, layer.params - extras.tied_elements);
    layer.shares_params_with = node.shares_params_with;
    layer.trainable_params = node.frozen ? 0 : layer.params;
    return true;
  }

  // nn.utils.weight_norm or spectral_norm: the layer's parameters as they make them
  // (normed_weight.hpp); PyTorch's errors are raised where they are called.
  bool normalise_weight(const GraphNode& node, LayerInfo& layer) {
    const StatementExtras::NormedWeight& how = *node.statement->extras().normed_weight;
    NormedParams normed;
    std::optional<NormError> error = normed_params(how, op_info(node.op), *layer.weights, normed);
    auto params = error ? std::nullopt : checked_add(layer.params, normed.added);
    if (!error && !params)
      error = NormError{fmt::format("{} has more parameters than fit in 64 bits", layer.name),
                        "use smaller sizes"};
    if (error) {
      Diagnostic& d = diags_.error(how.at, std::move(error->message), std::move(error->help));
      d.layer = layer.name;
      return false;
    }
    layer.params = *params;
    layer.weights = weights_.keep(normed.weights);
    if (options_.explain)
      layer.notes_for_write().explain.push_back(
          how.kind == StatementExtras::NormedWeight::Kind::weight_norm
              ? fmt::format("weight_norm: weight becomes weight_g ({} norms) and weight_v: params "
                            "= {} + {} = {}",
                            normed.added, layer.params - normed.added, normed.added, layer.params)
              : std::string("spectral_norm: weight becomes weight_orig (its buffers weight_u and "
                            "weight_v are no parameters): params unchanged"));
    return true;
  }

  // The memory layout of the node's output (layout.hpp), kept in `index`; a `view` PyTorch
  // would refuse is an error here, after the rule (a rule's answer is kept for every layer of
  // the same shapes, whatever their inputs' layouts), and so is an in-place op PyTorch refuses.
  bool lay_out(const GraphNode& node, const LayerInfo& layer, uint32_t& index) {
    index = 0;
    bool in_place = writes_in_place(node);
    bool has_first = !node.inputs.empty() && node.inputs[0] != kNoId;
    if (in_place && has_first && !(*layer.output == *tensors_[node.inputs[0]].shape))
      return grows_in_place(node, layer);
    // Most layers read contiguous tensors and make one: no need to look further.
    // (A batch-first recurrent or attention output is a transposed view: batch_first_output.)
    Family family = op_info(node.op).family;
    LayoutRule rule = family_info(family).layout;
    bool one_input = node.inputs.size() == 1;
    bool transposed_output = family == Family::recurrent || family == Family::attention;
    if (!transposed_output && rule != LayoutRule::View && rule != LayoutRule::Contraction &&
        (rule != LayoutRule::Elementwise || one_input) &&
        std::all_of(node.inputs.begin(), node.inputs.end(),
                    [&](TensorId t) { return t == kNoId || tensors_[t].layout == 0; }))
      return true;
    NodeId id = static_cast<NodeId>(&node - g_.nodes.data());
    std::vector<Layout> read;  // what each input reads: its tensor, or a copy of it
    read.reserve(node.inputs.size());
    SmallVector<LaidOut, 4> inputs;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoId) continue;
      read.push_back(read_layout(node, i, id));
      inputs.push_back({tensors_[node.inputs[i]].shape, &read.back()});
    }
    if (op_info(node.op).family == Family::local_response_norm && layer.output->size() >= 5 &&
        !read.empty() && read[0].kind != Layout::Kind::Contiguous)
      return strided_local_response_norm(node, layer);
    LayoutStep step;
    bool returns = returns_its_input(node.op, node.statement->args);
    if (has_first && (in_place || returns)) {
      bool writes = in_place && !returns;  // eval dropout writes nothing
      // masked_fill_ of an expanded tensor is only deprecated (a warning) in PyTorch 1.13
      bool checks_overlap = op_info(node.op).family != Family::masked_fill;
      if (writes && checks_overlap && overlaps(*inputs[0].shape, *inputs[0].layout)) {
        if (node.statement->extras().item_assignment)  // which places overlap: not followed
          return fail_unsupported(layer, node.statement->op_span,
                                  "item assignment into an expanded tensor",
                                  "PyTorch refuses it where the place written overlaps itself: "
                                  "clone() the tensor first");
        return overlapping_write(layer, node.statement->op_span);
      }
      step.out = *inputs[0].layout;  // the result is the first input's memory
    } else {
      step = follow_layout(layer, id, inputs);
    }
    if (step.status != LayoutStep::Status::Ok) return view_error(node, layer, step);
    if (step.out.kind == Layout::Kind::Contiguous) return true;
    Span written = node.statement->extras().written_in_place;
    if (written.valid() && overlaps(*layer.output, step.out))
      return overlapping_write(layer, written);
    index = static_cast<uint32_t>(layouts_.size());
    layouts_.push_back(std::move(step.out));
    return true;
  }

  // Whether at::matmul multiplies input i as a batch of matrices rather than folding it into one
  // (RuleContext::multiplied_as_batch): a 3-D tensor laid out as a transpose of its last two dims.
  bool multiplied_as_batch(const GraphNode& node, size_t i) const {
    if (node.inputs[i] == kNoId || !tensors_[node.inputs[i]].shape) return false;
    const Shape& shape = *tensors_[node.inputs[i]].shape;
    Layout layout = read_layout(node, i, kNoId);
    if (shape.size() != 3 || layout.kind != Layout::Kind::Strided || layout.strides.size() != 3)
      return false;
    const Shape& stride = layout.strides;
    for (const Dim& d : {shape[1], shape[2], stride[0], stride[2]})
      if (d.symbolic()) return false;  // not told apart: the folded message, as before
    auto plane = checked_mul(shape[1].value, shape[2].value);
    return stride[2].value != 1 && plane && stride[0].value == *plane;
  }

  // The layout input i of the node reads: its tensor's, or that of the copy the statement reads
  // it through (`x.contiguous()`, `x * 2`).
  Layout read_layout(const GraphNode& node, size_t i, NodeId id) const {
    const Tensor& t = tensors_[node.inputs[i]];
    for (const StatementExtras::CopiedInput& c : node.statement->extras().copied_inputs)
      if (c.input == i)
        return c.contiguous ? Layout{} : dense_copy(*t.shape, layouts_[t.layout], id);
    return layouts_[t.layout];
  }

  static const Value* bound_value(const GraphNode& node, std::string_view param) {
    int i = op_info(node.op).param_index(param);
    return i >= 0 && static_cast<size_t>(i) < node.bound_count()
               ? node.bound(static_cast<size_t>(i))
               : nullptr;
  }
  static bool bound_true(const GraphNode& node, std::string_view param) {
    const Value* v = bound_value(node, param);
    return v && v->kind == Value::Kind::Bool && v->b;
  }

  // `x += y`, `x.add_(y)`, `F.relu_(x)`, `nn.ReLU(inplace=True)`: written into the first input.
  static bool writes_in_place(const GraphNode& node) {
    return node.statement->extras().in_place || bound_true(node, "inplace");
  }

  // PyTorch's messages for an in-place op it refuses.
  bool grows_in_place(const GraphNode& node, const LayerInfo& layer) {
    const Statement& st = *node.statement;
    diags_
        .error(st.op_span,
               fmt::format("output with shape {} doesn't match the broadcast shape {}",
                           to_string(*tensors_[node.inputs[0]].shape), to_string(*layer.output)),
               st.python ? "an in-place op writes into its first tensor, which cannot grow; "
                           "write it out of place: `x = x + y`"
                         : "an in-place op writes into its first tensor, which cannot grow")
        .layer = layer.name;
    return false;
  }
  // `at`: the in-place op, the node's own or a later one with no layer (`y += 1`).
  bool fail_unsupported(const LayerInfo& layer, Span at, std::string what, std::string help) {
    Diagnostic& d = diags_.error(at, "unsupported: " + what, std::move(help));
    d.code = "unsupported";
    d.layer = layer.name;
    return false;
  }

  bool overlapping_write(const LayerInfo& layer, Span at) {
    diags_
        .error(at,
               "unsupported operation: more than one element of the written-to tensor refers to "
               "a single memory location. Please clone() the tensor before performing the "
               "operation.",
               "the tensor is expanded (several elements share memory): clone() it first, or "
               "write the op out of place")
        .layer = layer.name;
    return false;
  }

  // F.local_response_norm views the squares of an input of 5 or more dims as [N, 1, C, D, rest],
  // which PyTorch refuses when the input's trailing dims do not merge: not followed.
  bool strided_local_response_norm(const GraphNode& node, const LayerInfo& layer) {
    Diagnostic& d = diags_.error(
        node.statement->op_span,
        "unsupported: LocalResponseNorm of a non-contiguous input of 5 or more dims",
        "call `.contiguous()` on its input first (PyTorch's view inside it may refuse this one)");
    d.code = "unsupported";
    d.layer = layer.name;
    return false;
  }

  bool view_error(const GraphNode& node, const LayerInfo& layer, const LayoutStep& step) {
    const Statement& st = *node.statement;
    std::string help = st.python
                           ? "call `.contiguous()` before `.view(...)`, or use `.reshape(...)`"
                           : "use reshape(...), which copies when it must";
    NodeId since = step.out.since;
    std::string maker = since < g_.nodes.size() ? g_.nodes[since].statement->op : "";
    Diagnostic* d = nullptr;
    bool lost = step.out.kind == Layout::Kind::Unknown;
    if (step.status == LayoutStep::Status::ViewDoesNotFit) {
      d = &diags_.error(st.op_span,
                        "view size is not compatible with input tensor's size and stride (at "
                        "least one dimension spans across two contiguous subspaces). Use "
                        ".reshape(...) instead.",
                        help);
    } else {
      std::string why =
          lost ? fmt::format("it does not follow how `{}` lays out its output in memory",
                             maker.empty() ? st.op : maker)
               : "PyTorch allows it for some batch sizes only";
      d = &diags_.error(st.op_span, "netshape cannot tell whether this view is allowed: " + why,
                        help);
      d->code = "unsupported";
    }
    d->layer = layer.name;
    if (!maker.empty()) {
      std::string what = lost ? fmt::format("the layout is lost at this `{}`", maker)
                              : fmt::format("`{}` makes the tensor non-contiguous here", maker);
      d->labels.push_back(Label{g_.nodes[since].statement->op_span, what});
    }
    return false;
  }

  // Runs the node's rule; keeps its answer for later layers asking the same (RuleMemo) when it
  // reported nothing and noted nothing.
  bool run_rule(const GraphNode& node, LayerInfo& layer, const InputShapes& inputs,
                const Shape* flattened_from, bool asked) {
    RuleContext ctx(op_info(node.op), g_, node, layer, inputs, diags_);
    ctx.want_explain = options_.explain;
    ctx.keep_weights = !options_.probe || node.statement->extras().normed_weight.has_value();
    ctx.training = options_.training;
    ctx.input_flattened_from = flattened_from;
    // the values read as indices: the first input's, gather's and index's index tensor
    Family family = op_info(node.op).family;
    size_t indices =
        family == Family::gather || family == Family::index || family == Family::max_unpool ? 1 : 0;
    if (indices < node.inputs.size() && node.inputs[indices] != kNoId)
      ctx.input_values = input_values(node, indices);
    for (size_t i = 0; i < ctx.multiplied_as_batch.size() && i < node.inputs.size(); ++i)
      ctx.multiplied_as_batch[i] = multiplied_as_batch(node, i);
    bind(ctx, node);
    if (!dim_refs_in_range(node)) return false;
    size_t reported = diags_.count();
    bool ok = kRules[static_cast<size_t>(node.op)](ctx);
    layer.attrs = attrs_.keep(ctx.attrs);
    if (!ctx.weights.empty()) layer.weights = weights_.keep(ctx.weights);
    if (ctx.output) layer.output = shapes_.keep(*ctx.output);
    if (!ok) return false;
    if (!layer.output) return ctx.fail_input("internal error: the rule produced no shape");
    if (asked && diags_.count() == reported && layer.inferred().empty() && layer.explain().empty())
      memo_.keep({layer.output.record(), layer.params, layer.macs, layer.attrs, layer.weights});
    return true;
  }

  // The rule sees the lowering's bound arguments, with `x.size(i)` resolved to the dim it names.
  void bind(RuleContext& ctx, const GraphNode& node) const {
    for (size_t i = 0; i < ctx.bound.size(); ++i) {
      const Value* v = ctx.bound[i];
      if (v && has_dim_ref(*v)) ctx.bound[i] = resolve_value(ctx, *v);
    }
    for (const Value* v : node.var_positional)
      ctx.var_positional.push_back(*resolve_value(ctx, *v));
  }

  // `x.size(i)` of a dim x does not have is PyTorch's error where forward asks for it, before
  // the op that would use it (an error, false).
  bool dim_refs_in_range(const GraphNode& node) const {
    for (size_t i = 0; i < node.bound_count(); ++i)
      if (const Value* v = node.bound(i); v && !dim_ref_in_range(*v)) return false;
    for (const Value* v : node.var_positional)
      if (!dim_ref_in_range(*v)) return false;
    return true;
  }
  bool dim_ref_in_range(const Value& v) const {
    if (v.is_sequence())
      return std::all_of(v.items.begin(), v.items.end(),
                         [this](const Value& item) { return dim_ref_in_range(item); });
    if (v.kind != Value::Kind::DimRef || v.s.str().rfind("#", 0) == 0) return true;
    TensorId t = g_.find_tensor(v.s);
    if (t == kNoId || !tensors_[t].shape) return true;
    int64_t rank = static_cast<int64_t>(tensors_[t].shape->size());
    std::optional<DimError> error = size_dim_error(v.i, rank);
    if (!error) return true;
    diags_.error(v.span, std::move(error->message), std::move(error->help));
    return false;
  }

  static bool has_dim_ref(const Value& v) {
    if (v.kind == Value::Kind::DimRef) return true;
    return v.is_sequence() && std::any_of(v.items.begin(), v.items.end(), has_dim_ref);
  }

  // The argument as the rule sees it: itself, or (when it holds `x.size(i)`) a resolved copy.
  const Value* resolve_value(RuleContext& ctx, const Value& v) const {
    if (!has_dim_ref(v)) return &v;
    ctx.resolved.push_front(resolve_dim_refs(v));
    return &ctx.resolved.front();
  }

  // `x.size(0)` / `x.shape[0]` become the dim they name; a symbolic batch stays an identifier.
  Value resolve_dim_refs(const Value& v) const {
    if (v.kind == Value::Kind::DimRef) {
      TensorId t = g_.find_tensor(v.s);
      if (t == kNoId || !tensors_[t].shape) return v;
      const Shape& s = *tensors_[t].shape;
      int64_t rank = static_cast<int64_t>(s.size());
      int64_t i = v.i < 0 ? v.i + rank : v.i;
      if (i < 0 || i >= rank) return v;
      const Dim& d = s[static_cast<size_t>(i)];
      if (!d.symbolic()) return Value::integer(d.value, v.span);
      Value sym = Value::ident(std::string(d.symbol()), v.span);
      sym.i = d.value;  // the coefficient
      sym.kind = Value::Kind::DimRef;
      sym.s = "#" + std::string(d.symbol());  // marks a resolved symbolic dim
      return sym;
    }
    if (v.is_sequence()) {
      Value out = v;
      for (auto& item : out.items) item = resolve_dim_refs(item);
      return out;
    }
    return v;
  }

  bool accumulate(Totals& t, const LayerInfo& l, const Statement& st) {
    auto params = checked_add(t.params, l.params);
    auto trainable = checked_add(t.trainable_params, l.trainable_params);
    auto macs = checked_add(t.macs, l.macs);
    auto elements = count_product(*l.output);
    std::optional<int64_t> acts =
        elements ? checked_add(t.activation_elements, *elements) : std::nullopt;
    if (!params || !trainable || !macs || !acts) {
      diags_
          .error(st.span, "the model's totals overflow 64 bits",
                 "use smaller layers or a smaller input")
          .layer = l.name;
      return false;
    }
    t.params = *params;
    t.trainable_params = *trainable;
    t.non_trainable_params = t.params - t.trainable_params;
    t.macs = *macs;
    t.activation_elements = *acts;
    return true;
  }

  bool collect_outputs(Analysis& a) {
    if (g_.outputs_error) {
      diags_.add(*g_.outputs_error);
      return false;
    }
    for (const GraphOutput& o : g_.outputs) {
      if (!tensors_[o.tensor].shape) {  // every node ran: never expected
        diags_.error(
            o.span,
            fmt::format("internal error: output '{}' was never computed", g_.tensor_name(o.tensor)),
            "please report this model to netshape's maintainers");
        return false;
      }
      a.outputs.emplace_back(std::string(g_.tensor_name(o.tensor)), *tensors_[o.tensor].shape);
      a.output_ids.push_back(o.tensor);
      a.output_steps.push_back(o.steps);
    }
    return true;
  }
};

}  // namespace

uint64_t hash_of(const Shape& s) {
  uint64_t h = record_hash_mix(kRecordHashSeed, s.size());
  for (const Dim& d : s)
    h = record_hash_mix(record_hash_mix(h, static_cast<uint64_t>(d.value)), d.sym);
  return h;
}

uint64_t hash_of(const ParamTensors& w) {
  uint64_t h = kRecordHashSeed;
  for (const ParamTensor& p : w)
    for (int64_t v : p.shape) h = record_hash_mix(h, static_cast<uint64_t>(v));
  return h;
}

const std::shared_ptr<const ParamTensors>& no_weights() {
  static const std::shared_ptr<const ParamTensors> none = std::make_shared<const ParamTensors>();
  return none;
}

const Shape& Analysis::shape_of(TensorId t) const {
  static const Shape kNone{};
  int32_t source = t < sources.size() ? sources[t] : kNotComputed;
  if (source == kNotComputed) return kNone;
  if (source >= 0) return inputs[static_cast<size_t>(source)].second;
  const LayerInfo& l = layers[static_cast<size_t>(-1 - source)];
  return l.output ? *l.output : kNone;
}

const LayerInfo* Analysis::maker_of(TensorId t) const {
  int32_t source = t < sources.size() ? sources[t] : kNotComputed;
  if (source >= 0 || source == kNotComputed) return nullptr;
  return &layers[static_cast<size_t>(-1 - source)];
}

std::vector<TensorId> Analysis::view_chain(TensorId t) const {
  std::vector<TensorId> chain{t};
  // each step goes to an earlier layer's input: the walk ends
  for (const LayerInfo* l = maker_of(t);
       l && !l->input_ids.empty() && family_info(op_info(l->op).family).layout == LayoutRule::View;
       l = maker_of(chain.back()))
    chain.push_back(l->input_ids[0]);
  return chain;
}

std::string_view Analysis::name_of(TensorId t) const {
  int32_t source = t < sources.size() ? sources[t] : kNotComputed;
  if (source == kNotComputed) return "";
  if (source >= 0) return inputs[static_cast<size_t>(source)].first;
  return layers[static_cast<size_t>(-1 - source)].name;
}

Analysis analyze(const Graph& graph, Diagnostics& diags, const AnalyzeOptions& options) {
  return Analyzer(graph, diags, options).run();
}

}  // namespace netshape
