// Shape inference driver: names statements, resolves their tensor inputs, binds arguments to the
// op's PyTorch signature, runs the op's rule, and accumulates totals.
#include "netshape/infer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "netshape/limits.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

using RuleFn = bool (*)(RuleContext&);

// The rule of every op, generated from ops.def's family column.
constexpr RuleFn kRules[] = {
#define NS_OP(id, name, nd, family, schema) &infer_##family,
#include "netshape/ops.def"
#undef NS_OP
};
static_assert(std::size(kRules) == kOpCount, "every op in ops.def needs a shape rule");

struct Tensor {
  Shape shape;
  std::optional<Shape> before_flatten;  // for help lines: the shape a flatten/view consumed
};

class Analyzer {
 public:
  Analyzer(Program& prog, Diagnostics& diags, bool explain)
      : prog_(prog), diags_(diags), explain_(explain) {}

  Analysis run() {
    Analysis a;
    a.layers.reserve(prog_.statements.size());
    tensors_.reserve(prog_.statements.size() + prog_.inputs.size());
    a.model_name = prog_.model_name.empty() ? "model" : prog_.model_name;
    if (!declare_inputs(a)) return a;
    name_statements();
    if (diags_.has_errors()) return a;  // a name used twice: no layer can be trusted
    std::string previous = prog_.inputs.empty() ? "" : prog_.inputs[0].name;
    for (Statement& st : prog_.statements) {
      LayerInfo layer;
      bool ok = run_statement(st, previous, layer);
      a.layers.push_back(std::move(layer));
      if (!ok) return a;
      const LayerInfo& done = a.layers.back();
      if (!within_rank_limit(*done.output, st.span, st.name)) return a;
      tensors_[st.name] = Tensor{*done.output, flatten_source(done)};
      previous = st.name;
      if (!accumulate(a.totals, done, st)) return a;
    }
    a.ok = collect_outputs(a, previous);
    return a;
  }

 private:
  Program& prog_;
  Diagnostics& diags_;
  bool explain_;
  std::unordered_map<std::string, Tensor> tensors_;

  bool declare_inputs(Analysis& a) {
    if (prog_.inputs.empty()) {
      Span at = prog_.statements.empty() ? Span{1, 1, 1} : prog_.statements[0].span;
      diags_.error(
          at, "the model has no input shape",
          "add a line like `input x: [B, 1, 28, 28]` at the top, or pass --input B,1,28,28");
      return false;
    }
    for (const InputDecl& in : prog_.inputs) {
      if (tensors_.count(in.name)) {
        diags_.error(in.span, fmt::format("input '{}' is declared twice", in.name),
                     "give each input its own name");
        return false;
      }
      if (in.dims.empty()) {
        diags_.error(in.span, fmt::format("the shape of input '{}' is not given", in.name),
                     "pass it with --input, e.g. --input B,3,32,32, or add a `# input: [B, 3, 32, "
                     "32]` comment");
        return false;
      }
      if (in.dims.size() > limits::kMaxRank) {
        diags_.error(in.span,
                     fmt::format("input '{}' has {} dims; netshape follows tensors of at most {}",
                                 in.name, in.dims.size(), limits::kMaxRank),
                     "give the input's real shape, e.g. [B, 3, 32, 32]");
        return false;
      }
      Shape s;
      for (const InputDim& d : in.dims)
        s.push_back(d.symbol.empty() ? fixed(d.value) : Dim{1, d.symbol});
      tensors_[in.name] = Tensor{s, std::nullopt};
      a.inputs.emplace_back(in.name, s);
    }
    return true;
  }

  // Models use a handful of dims; thousands (a hostile view or unsqueeze chain) would make every
  // shape copy and message as long as the file.
  bool within_rank_limit(const Shape& s, Span at, const std::string& layer) {
    if (s.size() <= limits::kMaxRank) return true;
    diags_
        .error(at,
               fmt::format("the output has {} dims; netshape follows tensors of at most {}",
                           s.size(), limits::kMaxRank),
               "check the view/reshape/unsqueeze calls that add dims")
        .layer = layer;
    return false;
  }

  void name_statements() {
    std::set<std::string> used;
    for (const auto& in : prog_.inputs) used.insert(in.name);
    for (size_t i = 0; i < prog_.statements.size(); ++i) {
      Statement& st = prog_.statements[i];
      if (st.named) {
        if (!used.insert(st.name).second) {
          diags_.error(st.span, fmt::format("the name '{}' is used twice", st.name),
                       fmt::format("rename this layer, e.g. `{}_2 = ...`", st.name));
        }
        continue;
      }
      std::string base = auto_name(st.op, i + 1);
      std::string name = base;
      for (int k = 2; used.count(name); ++k) name = fmt::format("{}_{}", base, k);
      st.name = name;
      used.insert(name);
    }
  }

  static std::optional<Shape> flatten_source(const LayerInfo& l) {
    auto id = l.op;
    bool reshapes =
        id == OpId::Flatten || id == OpId::flatten || id == OpId::view || id == OpId::reshape;
    if (reshapes && !l.input_shapes.empty()) return l.input_shapes[0];
    return std::nullopt;
  }

  bool run_statement(Statement& st, const std::string& previous, LayerInfo& layer) {
    layer.name = st.name;
    layer.op_name = st.op;
    layer.statement = &st;
    auto id = find_op(st.op);
    if (!id) return unknown_op(st);
    layer.op = *id;
    const OpInfo& op = op_info(*id);
    RuleContext ctx(op, st, layer, diags_);
    ctx.want_explain = explain_;
    if (!resolve_inputs(st, op, previous, layer)) return false;
    if (!bind_arguments(ctx)) return false;
    if (!kRules[static_cast<size_t>(*id)](ctx)) return false;
    if (!layer.output) return ctx.fail_input("internal error: the rule produced no shape");
    if (!st.shares_params_with.empty()) layer.params = 0;  // counted at the first call
    layer.trainable_params = frozen_ ? 0 : layer.params;
    return true;
  }

  bool frozen_ = false;

  bool unknown_op(const Statement& st) {
    std::string suggestion = nearest_name(st.op, all_op_names());
    const char* list = st.python ? "docs/python.md and docs/ops.md" : "docs/ops.md";
    std::string help =
        suggestion.empty()
            ? fmt::format("netshape does not know this op; see {} for the supported ones", list)
            : fmt::format("did you mean `{}`?", suggestion);
    std::string what =
        st.python ? "unsupported Python construct: unknown layer or op" : "unknown layer or op";
    Diagnostic& d = diags_.error(st.op_span, fmt::format("{} '{}'", what, st.op), help);
    d.layer = st.name;
    d.code = "unknown-op";  // not a shape error: the file uses something netshape cannot read
    return false;
  }

  bool is_tensor_name(const Value& v) const {
    return v.kind == Value::Kind::Ident && tensors_.count(v.s);
  }
  bool is_tensor_list(const Value& v) const {
    return v.is_sequence() && !v.items.empty() &&
           std::all_of(v.items.begin(), v.items.end(),
                       [&](const Value& i) { return is_tensor_name(i); });
  }

  // Functional ops take leading tensor-name arguments as inputs; otherwise the previous output.
  bool resolve_inputs(Statement& st, const OpInfo& op, const std::string& previous,
                      LayerInfo& layer) {
    if (!st.inputs_explicit && !op.is_module()) {
      while (!st.args.empty() && st.args[0].keyword.empty() &&
             (is_tensor_name(st.args[0].value) || is_tensor_list(st.args[0].value))) {
        const Value& v = st.args[0].value;
        if (v.is_sequence()) {
          for (const Value& item : v.items) {
            st.inputs.push_back(item.s);
            st.input_spans.push_back(item.span);
          }
        } else {
          st.inputs.push_back(v.s);
          st.input_spans.push_back(v.span);
        }
        st.args.erase(st.args.begin());
      }
      bool binary = op.family == Family::add;  // add/sub/mul/div: `add(x)` means previous + x
      if (st.inputs.empty() || (binary && st.inputs.size() == 1)) {
        st.inputs.insert(st.inputs.begin(), previous);
        st.input_spans.insert(st.input_spans.begin(), st.op_span);
      }
    } else if (st.inputs.empty()) {
      st.inputs.push_back(previous);
      st.input_spans.push_back(st.op_span);
    }
    for (size_t i = 0; i < st.inputs.size(); ++i) {
      auto it = tensors_.find(st.inputs[i]);
      if (it == tensors_.end()) {
        Span at = i < st.input_spans.size() ? st.input_spans[i] : st.span;
        std::vector<std::string> known;
        for (const auto& [k, _] : tensors_) known.push_back(k);
        std::sort(known.begin(), known.end());  // suggestions must not depend on hash order
        std::string near = nearest_name(st.inputs[i], known);
        diags_
            .error(at, fmt::format("unknown tensor '{}'", st.inputs[i]),
                   near.empty() ? "use the name of an input or of an earlier layer"
                                : fmt::format("did you mean '{}'?", near))
            .layer = st.name;
        return false;
      }
      layer.inputs.push_back(st.inputs[i]);
      layer.input_shapes.push_back(it->second.shape);
      if (i == 0) layer.input_flattened_from = it->second.before_flatten;
    }
    return true;
  }

  // Python's argument binding: positional in order, then keywords; PyTorch's TypeErrors.
  bool bind_arguments(RuleContext& ctx) {
    const OpInfo& op = ctx.op;
    const Statement& st = ctx.st;
    frozen_ = false;
    size_t positional = 0;
    const ParamSpec* var_positional = nullptr;
    bool var_keyword = false;
    for (const auto& p : op.params) {
      if (p.var_positional) var_positional = &p;
      if (p.var_keyword) var_keyword = true;
    }
    ctx.bound.assign(op.params.size(), nullptr);
    ctx.given.assign(op.params.size(), Span{});
    for (const Arg& a : st.args) {
      if (!a.keyword.empty()) {
        if (!bind_keyword(ctx, a, var_keyword)) return false;
        continue;
      }
      if (positional < op.params.size() && !op.params[positional].var_positional &&
          !op.params[positional].var_keyword) {
        size_t i = positional++;
        ctx.bound[i] = resolve_value(ctx, a.value);
        ctx.given[i] = a.span;
      } else if (var_positional) {
        ctx.var_positional.push_back(*resolve_value(ctx, a.value));
      } else {
        size_t max_args = op.params.size();
        return ctx.fail(
            a.span,
            fmt::format("{}() takes {} positional argument{} but {} were given", op.name, max_args,
                        max_args == 1 ? "" : "s", count_positional(st)),
            fmt::format("remove it; the signature is {}({})", op.name, op.signature));
      }
    }
    for (size_t i = 0; i < op.params.size(); ++i) {
      const ParamSpec& p = op.params[i];
      if (p.var_positional || p.var_keyword || ctx.bound[i]) continue;
      if (p.required) {
        return ctx.fail(st.op_span,
                        fmt::format("{}() missing required argument: '{}'", op.name, p.name),
                        fmt::format("the signature is {}({})", op.name, op.signature));
      }
      ctx.bound[i] = &p.default_value;
    }
    return true;
  }

  static size_t count_positional(const Statement& st) {
    return static_cast<size_t>(std::count_if(st.args.begin(), st.args.end(),
                                             [](const Arg& a) { return a.keyword.empty(); }));
  }

  bool bind_keyword(RuleContext& ctx, const Arg& a, bool var_keyword) {
    const OpInfo& op = ctx.op;
    if (a.keyword == "frozen" && op.is_module()) {
      if (a.value.kind != Value::Kind::Bool)
        return ctx.fail(a.span, "frozen= takes True or False", "write frozen=True");
      frozen_ = a.value.b;
      return true;
    }
    auto it = std::find_if(op.params.begin(), op.params.end(), [&](const ParamSpec& p) {
      return p.name == a.keyword && !p.var_positional && !p.var_keyword;
    });
    if (it == op.params.end()) {
      if (var_keyword) return true;
      std::vector<std::string> names;
      for (const auto& p : op.params)
        if (!p.var_positional && !p.var_keyword) names.push_back(p.name);
      if (op.is_module()) names.push_back("frozen");
      std::string near = nearest_name(a.keyword, names);
      return ctx.fail(
          a.span, fmt::format("{}() got an unexpected keyword argument '{}'", op.name, a.keyword),
          near.empty() ? fmt::format("the signature is {}({})", op.name, op.signature)
                       : fmt::format("did you mean '{}'?", near));
    }
    size_t i = static_cast<size_t>(it - op.params.begin());
    if (ctx.bound[i]) {
      return ctx.fail(a.span,
                      fmt::format("{}() got multiple values for argument '{}'", op.name, it->name),
                      "give each argument once");
    }
    ctx.bound[i] = resolve_value(ctx, a.value);
    ctx.given[i] = a.span;
    return true;
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
      auto it = tensors_.find(v.s);
      if (it == tensors_.end()) return v;
      const Shape& s = it->second.shape;
      int64_t rank = static_cast<int64_t>(s.size());
      int64_t i = v.i < 0 ? v.i + rank : v.i;
      if (i < 0 || i >= rank) return v;
      const Dim& d = s[static_cast<size_t>(i)];
      if (!d.symbolic()) return Value::integer(d.value, v.span);
      Value sym = Value::ident(d.symbol, v.span);
      sym.i = d.value;  // the coefficient
      sym.kind = Value::Kind::DimRef;
      sym.s = "#" + d.symbol;  // marks a resolved symbolic dim
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
          .layer = st.name;
      return false;
    }
    t.params = *params;
    t.trainable_params = *trainable;
    t.non_trainable_params = t.params - t.trainable_params;
    t.macs = *macs;
    t.activation_elements = *acts;
    return true;
  }

  bool collect_outputs(Analysis& a, const std::string& last) {
    if (prog_.outputs.empty()) {
      if (!last.empty() && tensors_.count(last)) a.outputs.emplace_back(last, tensors_[last].shape);
      return true;
    }
    std::set<std::string> named;
    for (const OutputDecl& o : prog_.outputs) {
      if (!named.insert(o.name).second) {
        diags_.error(o.span, fmt::format("'{}' is named twice in `output`", o.name),
                     "name each output once");
        return false;
      }
      auto it = tensors_.find(o.name);
      if (it == tensors_.end()) {
        std::vector<std::string> known;
        for (const auto& [k, _] : tensors_) known.push_back(k);
        std::sort(known.begin(), known.end());  // suggestions must not depend on hash order
        std::string near = nearest_name(o.name, known);
        diags_.error(
            o.span, fmt::format("unknown tensor '{}' in `output`", o.name),
            near.empty() ? "name an input or a layer" : fmt::format("did you mean '{}'?", near));
        return false;
      }
      a.outputs.emplace_back(o.name, it->second.shape);
    }
    return true;
  }
};

}  // namespace

std::string auto_name(const std::string& op, size_t index) {
  std::string base;
  for (char c : op) base += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fmt::format("{}{}", base, index);
}

Analysis analyze(Program& prog, Diagnostics& diags, bool explain) {
  return Analyzer(prog, diags, explain).run();
}

}  // namespace netshape
