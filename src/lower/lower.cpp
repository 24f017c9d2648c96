// The one lowering: a frontend's Program becomes the resolved Graph. Everything that does not
// depend on shapes is decided here, once: names, tensor ids, argument binding, module hierarchy.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "netshape/graph.hpp"
#include "netshape/infer.hpp"

namespace netshape {

std::string_view Graph::owner_path(NodeId n) const {
  const GraphNode& node = nodes[n];
  if (node.shares_params_with != kNoId) return owner_path(node.shares_params_with);
  return op_info(node.op).is_module() ? name(node.name) : module_path(node.module);
}

namespace {

class Lowering {
 public:
  explicit Lowering(Graph& g) : g_(g), prog_(g.program()) {}

  void run() {
    g_.model_name = prog_.model_name.empty() ? "model" : prog_.model_name;
    // About a name per statement, input and module (a module's path and its class).
    g_.names.reserve(prog_.statements.size() + prog_.inputs.size() + 2 * prog_.modules.size() + 2);
    build_modules();
    reserve_module_nodes();
    declare_inputs();
    std::vector<NameId> names = name_statements();
    if (g_.fatal) return;
    TensorId previous = g_.inputs.empty() ? kNoId : g_.inputs[0].tensor;
    g_.nodes.reserve(prog_.statements.size());
    for (size_t i = 0; i < prog_.statements.size(); ++i) {
      if (!lower_statement(prog_.statements[i], names[i], previous))
        return resolve_module_outputs();
      previous = g_.nodes.back().output;
    }
    collect_outputs(previous);
    resolve_module_outputs();
  }

 private:
  Graph& g_;
  const Program& prog_;
  std::vector<TensorId>& tensor_of_name_ = g_.tensor_by_name;
  std::vector<NodeId> node_of_name_;  // by NameId: the node that produced it
  // The lists of the node being lowered, built here and kept in the graph's pools by keep_lists()
  // (their room is reused from node to node).
  std::vector<TensorId> inputs_;
  std::vector<Span> input_spans_;
  std::vector<const Value*> bound_;
  std::vector<uint32_t> given_;  // GraphNode::given_args
  std::vector<const Value*> var_positional_;
  // resolve_inputs' list (its room reused): each input's name and span, and its tensor when
  // already looked up (a leading argument is looked up to tell that it is a tensor).
  struct InputName {
    std::string_view name;
    Span span;
    TensorId known = kNoId;
  };
  std::vector<InputName> input_names_;

  // find_op with the last few answers kept: a model repeats a handful of ops (conv, norm,
  // activation), and comparing a short name is cheaper than hashing it into the op table.
  class RecentOps {
   public:
    std::optional<OpId> find(std::string_view name) {
      for (const auto& [seen, op] : recent_)
        if (seen.data() && seen == name) return op;
      auto op = find_op(name);
      if (op) recent_[next_++ % recent_.size()] = {name, *op};
      return op;
    }

   private:
    // Views of Statement::op in the Program, which outlives the lowering.
    std::array<std::pair<std::string_view, OpId>, 4> recent_{};
    size_t next_ = 0;
  };
  RecentOps ops_;

  void clear_lists() {
    inputs_.clear();
    input_spans_.clear();
    bound_.clear();
    given_.clear();
    var_positional_.clear();
  }
  // Also after a failure: inference reports a node's error with what was bound.
  void keep_lists(GraphNode& node) {
    node.inputs = g_.keep(std::span<const TensorId>(inputs_));
    node.input_spans = g_.keep(std::span<const Span>(input_spans_));
    node.given_args = g_.keep(std::span<const uint32_t>(given_));
    node.var_positional = g_.keep(std::span<const Value* const>(var_positional_));
  }

  TensorId add_tensor(NameId name, NodeId producer, uint32_t input) {
    TensorId t = static_cast<TensorId>(g_.tensors.size());
    g_.tensors.push_back(GraphTensor{name, producer, input});
    if (tensor_of_name_.size() <= name) tensor_of_name_.resize(name + 1, kNoId);
    tensor_of_name_[name] = t;
    return t;
  }

  TensorId find_tensor(std::string_view name) const { return g_.find_tensor(name); }

  // modules[0] is the model; then the frontend's modules, parents before children.
  void build_modules() {
    GraphModule root;
    root.path = g_.names.intern("");
    root.kind = g_.names.intern(prog_.model_class.empty() ? g_.model_name : prog_.model_class);
    root.constructed_at = prog_.model_span;
    g_.modules.push_back(root);
    for (const ModuleDecl& m : prog_.modules) {
      GraphModule gm;
      gm.path = g_.names.intern(m.path);
      gm.kind = g_.names.intern(m.kind);
      gm.parent = m.parent < 0 ? kRootModule : static_cast<ModuleId>(m.parent + 1);
      gm.constructed_at = m.constructed_at;
      gm.applied_at = m.applied_at;
      gm.first_node = static_cast<NodeId>(m.first_statement);
      ModuleId id = static_cast<ModuleId>(g_.modules.size());
      g_.modules.push_back(gm);
      if (gm.parent < id) g_.modules[gm.parent].children.push_back(id);
    }
  }

  // Each module's node list sized first: a network of blocks has thousands of modules of a few
  // nodes each, and growing every list one node at a time would reallocate it several times.
  void reserve_module_nodes() {
    std::vector<uint32_t> count(g_.modules.size(), 0);
    for (const Statement& st : prog_.statements) {
      size_t m = st.module < 0 ? kRootModule : static_cast<size_t>(st.module) + 1;
      if (m < count.size()) ++count[m];
    }
    for (size_t m = 0; m < count.size(); ++m) g_.modules[m].nodes.reserve(count[m]);
  }

  // What each module's last application returned, once every name is a tensor (past a failed
  // node, names are unknown: kNoId).
  void resolve_module_outputs() {
    for (size_t m = 0; m < prog_.modules.size() && m + 1 < g_.modules.size(); ++m) {
      const std::string& out = prog_.modules[m].output;
      if (!out.empty()) g_.modules[m + 1].output = find_tensor(out);
    }
  }

  void declare_inputs() {
    for (const InputDecl& in : prog_.inputs) {
      uint32_t index = static_cast<uint32_t>(g_.inputs.size());
      TensorId t = add_tensor(g_.names.intern(in.name), kNoId, index);
      g_.inputs.push_back(GraphInput{t, &in});
    }
  }

  // Unnamed statements get `<op><index>`; a name written twice makes the graph unusable. A name
  // counts as used from where it appears (an auto name may take a name written later: that later
  // statement is then the one named twice).
  std::vector<NameId> name_statements() {
    std::vector<bool> used(g_.names.size() + prog_.statements.size() + 1, false);
    auto use = [&](NameId id) {
      if (used.size() <= id) used.resize(2 * id + 1, false);
      bool fresh = !used[id];
      used[id] = true;
      return fresh;
    };
    for (const auto& in : prog_.inputs) use(g_.names.intern(in.name));
    std::vector<NameId> names;
    names.reserve(prog_.statements.size());
    // How far ahead a name's slot is fetched: a new name's slot is a cache miss, and a few
    // statements' work hides it.
    constexpr size_t kFetchAhead = 8;
    for (size_t i = 0; i < prog_.statements.size(); ++i) {
      const Statement& st = prog_.statements[i];
      if (i + kFetchAhead < prog_.statements.size())
        g_.names.prefetch(prog_.statements[i + kFetchAhead].name);
      if (!st.name.empty()) {
        NameId id = g_.names.intern(st.name);
        if (!use(id) && !g_.fatal) {
          Diagnostic d;
          d.span = st.span;
          d.message = fmt::format("the name '{}' is used twice", st.name);
          d.help = fmt::format("rename this layer, e.g. `{}_2 = ...`", st.name);
          g_.fatal = std::move(d);
        }
        names.push_back(id);
        continue;
      }
      std::string base = auto_name(st.op, i + 1);
      NameId id = g_.names.intern(base);
      for (int k = 2; !use(id); ++k) id = g_.names.intern(fmt::format("{}_{}", base, k));
      names.push_back(id);
    }
    return names;
  }

  // The node is kept (it is a row of the table, marked failed) with the error it carries.
  bool fail(GraphNode& node, Span span, std::string message, std::string help,
            const char* code = nullptr) {
    Diagnostic d;
    d.span = span.valid() ? span : node.statement->span;
    d.message = std::move(message);
    d.help = std::move(help);
    d.layer = std::string(g_.name(node.name));
    if (code) d.code = code;
    node.error = static_cast<int>(g_.errors.size());
    g_.errors.push_back(std::move(d));
    return false;
  }

  bool lower_statement(const Statement& st, NameId name, TensorId previous) {
    NodeId id = static_cast<NodeId>(g_.nodes.size());
    g_.nodes.emplace_back();
    GraphNode& node = g_.nodes.back();
    node.name = name;
    node.statement = &st;
    node.module = st.module < 0 ? kRootModule : static_cast<ModuleId>(st.module + 1);
    node.output = add_tensor(name, id, kNoId);
    tensor_of_name_[name] = kNoId;  // visible to later statements only
    if (node_of_name_.size() <= name) node_of_name_.resize(name + 1, kNoId);
    auto op = ops_.find(st.op);
    if (!op) return unknown_op(node, st);
    node.op = *op;
    node.frozen = st.extras().frozen;  // `frozen=True` among the arguments may say so too
    const OpInfo& info = op_info(*op);
    if (!st.previous.empty()) previous = find_tensor(st.previous);
    clear_lists();
    bool bound = resolve_inputs(node, st, info, previous) && bind_arguments(node, st, info) &&
                 tensor_parameters(node, st, info);
    keep_lists(node);
    if (!bound) return false;
    if (!st.extras().shares_params_with.empty()) {
      auto first = g_.names.find(st.extras().shares_params_with);
      if (first && *first < node_of_name_.size()) node.shares_params_with = node_of_name_[*first];
    }
    tensor_of_name_[name] = node.output;
    node_of_name_[name] = id;
    g_.modules[node.module].nodes.push_back(id);
    return true;
  }

  // `conv2d(32, 64, kernel_size=5)`: F.conv2d convolves with weight tensors, so a call without
  // them is the layer, written in lowercase (as course notes sometimes print it).
  bool layer_in_lowercase(GraphNode& node, const Statement& st, const OpInfo& op) {
    std::string written;
    for (const Arg& a : st.args)
      written +=
          fmt::format("{}{}{}", written.empty() ? "" : ", ",
                      a.keyword.empty() ? "" : std::string(a.keyword) + "=", to_source(a.value));
    std::string layer = op.family == Family::conv_transpose_functional
                            ? fmt::format("ConvTranspose{}d", op.spatial_dims)
                            : "C" + std::string(op.name.substr(1));  // conv2d -> Conv2d
    return fail(node, st.op_span,
                fmt::format("{}() takes an input, a weight tensor and an optional bias: it is the "
                            "function F.{}, the layer is {}",
                            op.name, op.name, layer),
                fmt::format("for the layer, write `{}({})`", layer, written));
  }

  bool unknown_op(GraphNode& node, const Statement& st) {
    std::string suggestion = nearest_name(st.op, all_op_names());
    const char* list = st.python ? "docs/python.md and docs/ops.md" : "docs/ops.md";
    std::string help =
        suggestion.empty()
            ? fmt::format("netshape does not know this op; see {} for the supported ones", list)
            : fmt::format("did you mean `{}`?", suggestion);
    std::string what =
        st.python ? "unsupported Python construct: unknown layer or op" : "unknown layer or op";
    // not a shape error: the file uses something netshape cannot read
    return fail(node, st.op_span, fmt::format("{} '{}'", what, st.op), help, "unknown-op");
  }

  TensorId tensor_named(const Value& v) const {
    return v.kind == Value::Kind::Ident ? find_tensor(v.s) : kNoId;
  }
  // Appends the tensors `v` names (a name, or a tuple or list of names) to `names`; false, and
  // nothing appended, when it is not all tensor names.
  bool append_tensors(const Value& v, std::vector<InputName>& names) const {
    size_t before = names.size();
    if (TensorId t = tensor_named(v); t != kNoId) {
      names.push_back(InputName{v.s, v.span, t});
      return true;
    }
    if (!v.is_sequence() || v.items.empty()) return false;
    for (const Value& item : v.items) {
      TensorId t = tensor_named(item);
      if (t == kNoId) {
        names.resize(before);
        return false;
      }
      names.push_back(InputName{item.s, item.span, t});
    }
    return true;
  }

  // Functional ops take leading tensor-name arguments as inputs; otherwise the previous output.
  bool resolve_inputs(GraphNode& node, const Statement& st, const OpInfo& op, TensorId previous) {
    if (op.family == Family::source) return true;  // made from nothing: no input, not even x
    std::vector<InputName>& names = input_names_;
    names.clear();
    for (size_t i = 0; i < st.inputs.size(); ++i)
      names.push_back(
          InputName{st.inputs[i], i < st.input_spans.size() ? st.input_spans[i] : st.span});
    if (!st.inputs_explicit && !op.is_module()) {
      // `batch_norm(x, mean, var)`: after the input, tensors go to the parameters that take them
      size_t leading = !op.params.empty() && takes_tensor(op.params[0].name) ? 1 : SIZE_MAX;
      while (node.first_arg < st.args.size() && st.args[node.first_arg].keyword.empty() &&
             names.size() < leading && append_tensors(st.args[node.first_arg].value, names))
        ++node.first_arg;
      // add/sub/mul/div, matmul, bmm: `add(x)` means previous + x, `matmul(w)` previous @ w,
      // `masked_fill(m, 0.0)` the previous output filled where m is set, `grid_sample(g)` the
      // previous output sampled at g, `max_unpool2d(i, 2)` it unpooled at indices i
      bool binary = op.family == Family::add || op.family == Family::matmul ||
                    op.family == Family::bmm || op.family == Family::masked_fill ||
                    op.family == Family::grid_sample || op.family == Family::distance ||
                    op.family == Family::cdist || op.family == Family::elementwise_loss ||
                    is_functional_conv(op.family) || op.family == Family::max_unpool;
      if (names.empty() || (binary && names.size() == 1)) {
        inputs_.push_back(previous);
        input_spans_.push_back(st.op_span);
      }
    } else if (names.empty()) {
      inputs_.push_back(previous);
      input_spans_.push_back(st.op_span);
    }
    for (const InputName& in : names) {
      TensorId t = in.known != kNoId ? in.known : find_tensor(in.name);
      if (t == kNoId) return unknown_tensor(node, in.name, in.span);
      inputs_.push_back(t);
      input_spans_.push_back(in.span);
    }
    if (std::find(inputs_.begin(), inputs_.end(), kNoId) != inputs_.end())
      return unknown_tensor(node, "", st.op_span);
    // EmbeddingBag's forward(input, offsets=None, per_sample_weights=None) and
    // F.layer_norm(input, normalized_shape, weight, bias) take three tensors,
    // F.batch_norm(input, running_mean, running_var, weight, bias) five (as the .py reader gives
    // them, or as tensor_parameters finds them by name)
    size_t most = op.id == OpId::batch_norm                                  ? 5
                  : op.id == OpId::EmbeddingBag || op.id == OpId::layer_norm ? 3
                  : takes_several_tensors(op.family)                         ? SIZE_MAX
                                                                             : 1;
    if (inputs_.size() > most) return extra_tensors(node, st, op);
    if (is_functional_conv(op.family) && inputs_.size() < 2)
      return layer_in_lowercase(node, st, op);
    return true;
  }

  // add/sub/mul/div (and maximum, minimum), matmul, bmm, einsum, cat, stack, masked_fill (a
  // tensor and its mask), where (a condition and two tensors), attention (query, key, value) and
  // recurrent layers (input, h0, c0), their cells (input, hx), grid_sample (input, grid) and the
  // distances and cdist (x1, x2: their rules count them), the losses (input, target), F.convNd
  // (input, weight, bias), setitem (a tensor and the value written into it), gather and index (a
  // tensor and its index), max_unpool (the values and their indices) take several tensors; every
  // other op one (a layer's forward(input), F.relu(input, inplace)).
  static bool takes_several_tensors(Family f) {
    return f == Family::add || f == Family::matmul || f == Family::bmm || f == Family::einsum ||
           f == Family::cat || f == Family::stack || f == Family::masked_fill ||
           f == Family::where || f == Family::attention || f == Family::recurrent ||
           f == Family::recurrent_cell || f == Family::grid_sample || f == Family::distance ||
           f == Family::cdist || f == Family::elementwise_loss || is_functional_conv(f) ||
           f == Family::setitem || f == Family::gather || f == Family::index ||
           f == Family::max_unpool;
  }

  // `self.fc(x, y)`, `F.relu(x, y)`: PyTorch's TypeError for a layer (its forward takes self and
  // one tensor); for a function, the tensor lands on an argument that is not a tensor.
  bool extra_tensors(GraphNode& node, const Statement& st, const OpInfo& op) {
    Span at = input_spans_.size() > 1 ? input_spans_[1] : st.op_span;
    if (op.id == OpId::EmbeddingBag) {
      return fail(node, at,
                  fmt::format("{}.forward() takes from 2 to 4 positional arguments but {} were "
                              "given",
                              op.name, inputs_.size() + 1),
                  "give the indices, then the offsets and the per-sample weights");
    }
    if (op.is_module()) {
      return fail(node, at,
                  fmt::format("{}.forward() takes 2 positional arguments but {} were given",
                              op.name, inputs_.size() + 1),
                  "a layer takes one tensor: call it as `layer(x)`");
    }
    return fail(node, at,
                fmt::format("{}() takes one tensor, but {} were given", op.name, inputs_.size()),
                fmt::format("the signature is {}(input, {})", op.name, op.signature));
  }

  std::vector<std::string> known_tensor_names() const {
    std::vector<std::string> known;
    for (size_t n = 0; n < tensor_of_name_.size(); ++n)
      if (tensor_of_name_[n] != kNoId) known.emplace_back(g_.names.str(static_cast<NameId>(n)));
    std::sort(known.begin(), known.end());  // suggestions must not depend on creation order
    return known;
  }

  bool unknown_tensor(GraphNode& node, std::string_view name, Span at) {
    std::string near = nearest_name(std::string(name), known_tensor_names());
    return fail(node, at, fmt::format("unknown tensor '{}'", name),
                near.empty() ? "use the name of an input or of an earlier layer"
                             : fmt::format("did you mean '{}'?", near));
  }

  // F.layer_norm(input, normalized_shape, weight=None, bias=None), F.batch_norm(input,
  // running_mean, running_var, weight=None, bias=None, ...): a function's `weight`, `bias` and
  // running statistics take tensors, by position or by name, after its other arguments; each
  // given by a tensor's name is an input after the first, in the signature's order (the rule
  // knows which from the arguments). The .py reader gives them among the inputs already.
  static bool takes_tensor(std::string_view param) {
    return param == "weight" || param == "bias" || param == "running_mean" ||
           param == "running_var";
  }
  bool tensor_parameters(GraphNode& node, const Statement& st, const OpInfo& op) {
    if (op.is_module() || st.inputs_explicit) return true;
    for (size_t i = 0; i < op.params.size(); ++i) {
      if (!takes_tensor(op.params[i].name) || !bound_[i]) continue;
      const Value& v = *bound_[i];
      if (v.kind != Value::Kind::Ident) continue;  // None, or what the rule refuses
      TensorId t = tensor_named(v);
      if (t == kNoId) return unknown_tensor(node, v.s, v.span);
      inputs_.push_back(t);
      input_spans_.push_back(v.span);
    }
    return true;
  }

  // A module's arguments are bound when PyTorch builds it: their TypeErrors come from building
  // it, so also for a module forward never applies.
  bool bind_arguments(GraphNode& node, const Statement& st, const OpInfo& op) {
    if (bind_call(node, st, op)) return true;
    if (op.is_module() && node.error >= 0) g_.errors[node.error].at_construction = true;
    return false;
  }

  // Python's argument binding: positional in order, then keywords; PyTorch's TypeErrors.
  bool bind_call(GraphNode& node, const Statement& st, const OpInfo& op) {
    size_t positional = 0;
    bool var_positional = false, var_keyword = false;
    for (const auto& p : op.params) {
      var_positional |= p.var_positional;
      var_keyword |= p.var_keyword;
    }
    bound_.assign(op.params.size(), nullptr);
    given_.assign(op.params.size(), 0);
    for (size_t k = node.first_arg; k < st.args.size(); ++k) {
      const Arg& a = st.args[k];
      if (!a.keyword.empty()) {
        if (!bind_keyword(node, op, st, k, var_keyword)) return false;
        continue;
      }
      if (positional < op.params.size() && !op.params[positional].var_positional &&
          !op.params[positional].var_keyword && !op.params[positional].keyword_only) {
        size_t i = positional++;
        bound_[i] = &a.value;
        given_[i] = static_cast<uint32_t>(k + 1);
      } else if (var_positional) {
        var_positional_.push_back(&a.value);
      } else {
        size_t max_args = static_cast<size_t>(
            std::count_if(op.params.begin(), op.params.end(), [](const ParamSpec& p) {
              return !p.keyword_only && !p.var_positional && !p.var_keyword;
            }));
        return fail(node, a.span,
                    fmt::format("{}() takes {} positional argument{} but {} were given", op.name,
                                max_args, max_args == 1 ? "" : "s", count_positional(node, st)),
                    fmt::format("remove it; the signature is {}({})", op.name, op.signature));
      }
    }
    for (size_t i = 0; i < op.params.size(); ++i) {
      const ParamSpec& p = op.params[i];
      if (p.var_positional || p.var_keyword || bound_[i]) continue;
      if (p.required) {
        return fail(node, st.op_span,
                    fmt::format("{}() missing required argument: '{}'", op.name, p.name),
                    fmt::format("the signature is {}({})", op.name, op.signature));
      }
      bound_[i] = &p.default_value;
    }
    node.arguments_hold_names = std::any_of(bound_.begin(), bound_.end(),
                                            [](const Value* v) { return v && holds_name(*v); });
    return true;
  }

  static bool holds_name(const Value& v) {
    if (v.kind == Value::Kind::Ident || v.kind == Value::Kind::DimRef) return true;
    return std::any_of(v.items.begin(), v.items.end(), holds_name);
  }

  static size_t count_positional(const GraphNode& node, const Statement& st) {
    return static_cast<size_t>(
        std::count_if(st.args.begin() + static_cast<std::ptrdiff_t>(node.first_arg), st.args.end(),
                      [](const Arg& a) { return a.keyword.empty(); }));
  }

  // What Python's TypeErrors name for a call of op: a layer of a .py file is built by its
  // class's __init__ (`Conv2d.__init__()`); the model language writes the op.
  static std::string called(const OpInfo& op, const Statement& st) {
    return op.is_module() && st.python ? std::string(op.name) + ".__init__" : std::string(op.name);
  }

  // Binds st.args[k], a keyword argument.
  bool bind_keyword(GraphNode& node, const OpInfo& op, const Statement& st, size_t k,
                    bool var_keyword) {
    const Arg& a = st.args[k];
    if (a.keyword == "frozen" && op.is_module()) {
      if (a.value.kind != Value::Kind::Bool)
        return fail(node, a.span, "frozen= takes True or False", "write frozen=True");
      node.frozen = a.value.b;
      return true;
    }
    auto it = std::find_if(op.params.begin(), op.params.end(), [&](const ParamSpec& p) {
      return p.name == a.keyword && !p.var_positional && !p.var_keyword;
    });
    // PyTorch's int lists also bind by name as one sequence: `x.permute(dims=(0, 2, 1))`.
    auto list = std::find_if(op.params.begin(), op.params.end(), [&](const ParamSpec& p) {
      return p.name == a.keyword && p.var_positional;
    });
    if (list != op.params.end() && !var_keyword) {
      if (!var_positional_.empty())
        return fail(node, a.span,
                    fmt::format("{}() got multiple values for argument '{}'", op.name, list->name),
                    "give each argument once");
      var_positional_.push_back(&a.value);
      return true;
    }
    if (it == op.params.end()) {
      if (var_keyword) return true;
      bool tensor = a.keyword == "input" || a.keyword == "weight" || a.keyword == "bias";
      if (is_functional_conv(op.family) && tensor)  // PyTorch takes it: the language not
        return fail(node, a.span,
                    fmt::format("`{}=`: the model language takes {}'s tensors by position",
                                a.keyword.str(), op.name),
                    fmt::format("write {}(x, weight, bias, stride=1, padding=0)", op.name),
                    "unsupported");
      std::vector<std::string> names;
      for (const auto& p : op.params)
        if (!p.var_positional && !p.var_keyword) names.push_back(p.name);
      if (op.is_module()) names.push_back("frozen");
      std::string near = nearest_name(a.keyword, names);
      return fail(
          node, a.span,
          fmt::format("{}() got an unexpected keyword argument '{}'", called(op, st), a.keyword),
          near.empty() ? fmt::format("the signature is {}({})", op.name, op.signature)
                       : fmt::format("did you mean '{}'?", near));
    }
    size_t i = static_cast<size_t>(it - op.params.begin());
    if (bound_[i]) {
      return fail(
          node, a.span,
          fmt::format("{}() got multiple values for argument '{}'", called(op, st), it->name),
          "give each argument once");
    }
    bound_[i] = &a.value;
    given_[i] = static_cast<uint32_t>(k + 1);
    return true;
  }

  // Declared outputs, or the last node's. Checked here; reported by inference after the layers.
  void collect_outputs(TensorId last) {
    if (prog_.outputs.empty()) {
      if (last != kNoId) g_.outputs.push_back(GraphOutput{last, Span{}});
      return;
    }
    std::set<std::string> named;
    for (const OutputDecl& o : prog_.outputs) {
      if (!named.insert(o.name).second) {
        return output_error(o.span, fmt::format("'{}' is named twice in `output`", o.name),
                            "name each output once");
      }
      TensorId t = find_tensor(o.name);
      if (t == kNoId) {
        std::string near = nearest_name(o.name, known_tensor_names());
        return output_error(
            o.span, fmt::format("unknown tensor '{}' in `output`", o.name),
            near.empty() ? "name an input or a layer" : fmt::format("did you mean '{}'?", near));
      }
      g_.outputs.push_back(GraphOutput{t, o.span, o.steps});
    }
  }

  void output_error(Span span, std::string message, std::string help) {
    Diagnostic d;
    d.span = span;
    d.message = std::move(message);
    d.help = std::move(help);
    g_.outputs_error = std::move(d);
    g_.outputs.clear();
  }
};

}  // namespace

Graph lower(Program program) {
  Graph g(std::make_unique<const Program>(std::move(program)));
  Lowering(g).run();
  return g;
}

}  // namespace netshape
