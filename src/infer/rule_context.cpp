#include "rule_context.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "netshape/shape_rules.hpp"

namespace netshape {

int64_t ParamTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // checked when the weight was added
  return n;
}

Span RuleContext::span_of(std::string_view param) const {
  int i = index_of(param);
  return i >= 0 && node.is_given(static_cast<size_t>(i)) ? node.given_span(static_cast<size_t>(i))
                                                         : st.op_span;
}

Diagnostic& RuleContext::report(Span span, std::string message, std::string help) {
  Diagnostic& d = diags_.error(span.valid() ? span : st.span, std::move(message), std::move(help));
  d.layer = layer.name;
  add_origin_labels(d);
  return d;
}

// The value of the argument the error points at, as the frontend wrote it (not resolved).
static const Value* argument_at(const GraphNode& node, Span span) {
  for (size_t i = 0; i < node.given_args.size(); ++i) {
    Span g = node.given_span(i);
    if (g.valid() && g.line == span.line && g.column == span.column) return node.bound(i);
  }
  return nullptr;
}

void RuleContext::add_origin_labels(Diagnostic& d) const {
  const Program& prog = graph.program();
  if (const Value* v = argument_at(node, d.span)) {
    // (a program of one layer may hold no origins: its labels are then left out, never read)
    for (int o = v->origin; o >= 0 && static_cast<size_t>(o) < prog.origins.size();
         o = prog.origins[static_cast<size_t>(o)].parent) {
      const ValueOrigin& origin = prog.origins[static_cast<size_t>(o)];
      d.labels.push_back(
          Label{origin.argument, fmt::format("{}={} is passed here", origin.param, to_source(*v))});
    }
  }
  // The file's functions and loop passes that built the layer, innermost first.
  for (const Label& l : st.extras().built_via) d.labels.push_back(l);
  // Each user module around the layer, innermost first: which of its uses this is.
  for (ModuleId m = node.module; m != kRootModule && m < graph.modules.size();
       m = graph.modules[m].parent) {
    const GraphModule& gm = graph.modules[m];
    if (graph.name(gm.kind) == "Sequential" || !gm.applied_at.valid()) continue;
    d.labels.push_back(Label{gm.applied_at, fmt::format("in `{}` ({}), applied here",
                                                        graph.name(gm.path), graph.name(gm.kind))});
  }
}

std::string RuleContext::use_site_fix(
    const std::vector<std::pair<std::string, std::string>>& replacements) const {
  const Program& prog = graph.program();
  struct Edit {
    int offset, length;
    std::string text;
  };
  std::vector<Edit> edits;
  const ValueOrigin* site = nullptr;
  for (const auto& [param, repl] : replacements) {
    int i = index_of(param);
    const Value* v = i >= 0 ? node.bound(static_cast<size_t>(i)) : nullptr;
    if (v == nullptr || v->origin < 0) return "";
    const ValueOrigin* o = &prog.origins[static_cast<size_t>(v->origin)];
    while (o->parent >= 0) o = &prog.origins[static_cast<size_t>(o->parent)];
    if (o->line_text.empty() || (site && site->argument.line != o->argument.line)) return "";
    site = o;
    edits.push_back(Edit{o->line_offset, o->argument.length, repl});
  }
  if (site == nullptr) return "";
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    return a.offset > b.offset;  // from the right, so earlier offsets stay valid
  });
  std::string line = site->line_text;
  for (const Edit& e : edits) {
    if (e.offset < 0 || static_cast<size_t>(e.offset + e.length) > line.size()) return "";
    line.replace(static_cast<size_t>(e.offset), static_cast<size_t>(e.length), e.text);
  }
  return line;
}

Span RuleContext::input_span() const {
  return !node.input_spans.empty() && node.input_spans[0].valid() && st.inputs_explicit
             ? node.input_spans[0]
             : st.op_span;
}

bool RuleContext::fail(Span span, std::string message, std::string help) {
  report(span, std::move(message), std::move(help));
  return false;
}

bool RuleContext::fail_input(std::string message, std::string help) {
  return fail(input_span(), std::move(message), std::move(help));
}

bool RuleContext::fail_input_unsupported(std::string message, std::string help) {
  report(input_span(), std::move(message), std::move(help)).code = "unsupported";
  return false;
}

bool RuleContext::fail_too_small(std::string message, std::string help) {
  report(input_span(), std::move(message), std::move(help)).code = "input-too-small";
  return false;
}

bool RuleContext::fail_overflow(std::string_view param, const std::string& what) {
  report(span_of(param),
         fmt::format("{} is too large: {} does not fit in a 64-bit integer", param, what),
         fmt::format("use a smaller {}", param))
      .code = "integer-overflow";
  return false;
}

OutOfRange out_of_range(const KnownValues& ids, int64_t lower, int64_t upper) {
  if (!ids.exact_range || (ids.lo >= lower && ids.hi < upper)) return {};
  // the values below lower: lo, lo + step, ...; the first at or above upper. Known values lie
  // within 2^53 (KnownValues), so none of these sums overflows.
  int64_t count = (ids.hi - ids.lo) / ids.step + 1;
  int64_t below = ids.lo < lower ? std::min(count, (lower - ids.lo + ids.step - 1) / ids.step) : 0;
  int64_t first_above =
      ids.lo + std::max<int64_t>(0, (upper - ids.lo + ids.step - 1) / ids.step) * ids.step;
  int64_t above = ids.hi >= upper ? (ids.hi - first_above) / ids.step + 1 : 0;
  int64_t smallest = below > 0 ? ids.lo : first_above;
  if (ids.ascending || below + above == 1) return {true, smallest, smallest};
  return {true, smallest, std::nullopt};
}

const char* kind_name(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Int:
      return "an int";
    case Value::Kind::Float:
      return "a float";
    case Value::Kind::String:
      return "a string";
    case Value::Kind::Bool:
      return "a bool";
    case Value::Kind::None:
      return "None";
    case Value::Kind::Infer:
      return "`?`";
    case Value::Kind::Ident:
      return "a name";
    case Value::Kind::Tuple:
      return "a tuple";
    case Value::Kind::List:
      return "a list";
    case Value::Kind::DimRef:
      return "a tensor size";
  }
  return "a value";
}

std::optional<int64_t> RuleContext::int_arg(std::string_view param, int64_t min_value) {
  const Value& v = value(param);
  if (v.kind != Value::Kind::Int && v.kind != Value::Kind::Bool) {
    fail_at(param,
            fmt::format("{}(): argument '{}' must be an int, not {}", op.name, param, kind_name(v)),
            fmt::format("write {}=<integer>", param));
    return std::nullopt;
  }
  int64_t i = v.kind == Value::Kind::Bool ? int64_t{v.b} : v.i;  // Python: bool is an int
  if (i < min_value) {  // checked for a bool too: groups=False is 0 (a division by it)
    fail_at(param,
            fmt::format("{}(): {} must be {}, but got {}={}", op.name, param,
                        min_value == 1 ? "positive" : fmt::format(">= {}", min_value), param,
                        to_source(v)),
            fmt::format("use {}={}", param, min_value));
    return std::nullopt;
  }
  return i;
}

std::optional<int64_t> RuleContext::strict_int_arg(std::string_view param, int64_t min_value,
                                                   std::string help) {
  const Value& v = value(param);
  if (v.kind != Value::Kind::Int) {
    fail_at(param,
            fmt::format("{}(): argument '{}' must be int, not {}", op.name, param, python_type(v)),
            help.empty() ? fmt::format("write {}=<integer>", param) : std::move(help));
    return std::nullopt;
  }
  return int_arg(param, min_value);
}

bool RuleContext::check_leading_size(std::string_view param, std::string_view factory, bool alone) {
  const Value& v = value(param);
  if (v.kind != Value::Kind::Bool) return true;
  return fail_at(param,
                 fmt::format("{}() received an invalid combination of arguments - got ({}, "
                             "dtype=NoneType, device=NoneType), but expected one of:",
                             factory, alone ? "bool" : "tuple"),
                 fmt::format("{}={} is a size here, and PyTorch takes no bool for it: write "
                             "{}=<integer>",
                             param, to_source(v), param));
}

std::optional<IntList> RuleContext::ints_arg(std::string_view param, size_t n, int64_t min_value,
                                             IntsForm form) {
  const Value& v = value(param);
  bool bools = form == IntsForm::python;
  auto is_int = [bools](const Value& i) {
    return i.kind == Value::Kind::Int || (bools && i.kind == Value::Kind::Bool);
  };
  auto int_of = [](const Value& i) { return i.kind == Value::Kind::Bool ? int64_t{i.b} : i.i; };
  bool one_for_all = form == IntsForm::cpp && v.is_sequence() && v.items.size() == 1;
  IntList out;
  if (is_int(v)) {
    out.assign(n, int_of(v));
  } else if (v.is_sequence() && (v.items.size() == n || one_for_all) &&
             std::all_of(v.items.begin(), v.items.end(), is_int)) {
    for (const auto& i : v.items) out.push_back(int_of(i));
    if (one_for_all) out.assign(n, out[0]);
  } else {
    std::string expected = n == 1 ? "an int" : fmt::format("an int or a tuple of {} ints", n);
    fail_at(param,
            fmt::format("{}(): argument '{}' must be {}, got {}", op.name, param, expected,
                        to_source(v)),
            n == 1
                ? fmt::format("write {}=3", param)
                : fmt::format("write {}=3 or {}=({})", param, param, n == 2 ? "3, 3" : "3, 3, 3"));
    return std::nullopt;
  }
  for (int64_t x : out) {
    if (x < min_value) {
      std::string what = min_value == 1 ? "positive" : fmt::format(">= {}", min_value);
      fail_at(param,
              fmt::format("{}(): {} must be {}, but got {}={}", op.name, param, what, param,
                          to_source(v)),
              fmt::format("use {} values", what));
      return std::nullopt;
    }
  }
  return out;
}

std::optional<int64_t> RuleContext::size_or_inferred(std::string_view param, const Dim& from) {
  if (!is_infer(param)) return int_arg(param, 1);
  if (from.symbolic()) {
    fail_at(param, fmt::format("cannot infer {} from the symbolic dim {}", param, to_string(from)),
            "give the number");
    return std::nullopt;
  }
  set_inferred(param, from.value);
  return from.value;
}

std::optional<bool> RuleContext::bool_arg(std::string_view param) {
  const Value& v = value(param);
  if (v.kind == Value::Kind::Bool) return v.b;
  if (v.kind == Value::Kind::Int) return v.i != 0;
  fail_at(param,
          fmt::format("{}(): argument '{}' must be True or False, not {}", op.name, param,
                      to_source(v)),
          fmt::format("write {}=True or {}=False", param, param));
  return std::nullopt;
}

std::optional<bool> RuleContext::strict_bool_arg(std::string_view param) {
  const Value& v = value(param);
  if (v.kind == Value::Kind::Bool) return v.b;
  fail_at(param,
          fmt::format("{}(): argument '{}' must be bool, not {}", op.name, param, python_type(v)),
          fmt::format("write {}=True or {}=False", param, param));
  return std::nullopt;
}

std::optional<bool> RuleContext::flag_arg(std::string_view param) {
  if (value(param).kind == Value::Kind::None) return false;
  return bool_arg(param);
}

std::optional<double> RuleContext::float_arg(std::string_view param) {
  const Value& v = value(param);
  if (v.kind == Value::Kind::Float) return v.f;
  if (v.kind == Value::Kind::Int) return static_cast<double>(v.i);
  if (v.kind == Value::Kind::Bool) return v.b ? 1.0 : 0.0;  // Python's bool is an int
  fail_at(param,
          fmt::format("{}(): argument '{}' must be a number, not {}", op.name, param, to_source(v)),
          fmt::format("write {}=0.5", param));
  return std::nullopt;
}

std::optional<std::string> RuleContext::string_arg(std::string_view param) {
  const Value& v = value(param);
  if (v.kind == Value::Kind::String) return v.s;
  fail_at(param,
          fmt::format("{}(): argument '{}' must be a string, not {}", op.name, param, to_source(v)),
          fmt::format("write {}='...'", param));
  return std::nullopt;
}

std::string RuleContext::call_with(std::string_view param, const std::string& replacement) const {
  return call_with({{std::string(param), replacement}});
}

std::string RuleContext::call_with(
    const std::vector<std::pair<std::string, std::string>>& replacements) const {
  // A value passed into a user module unchanged is fixed where it was passed.
  if (std::string fix = use_site_fix(replacements); !fix.empty()) return fix;
  // Map positional args back to parameter names so a replacement lands where it was written.
  std::vector<std::string> parts;
  std::set<std::string> done;
  size_t positional = 0;
  for (size_t k = node.first_arg; k < st.args.size(); ++k) {
    const Arg& a = st.args[k];
    std::string pname = a.keyword;
    if (pname.empty() && positional < op.params.size()) pname = op.params[positional++].name;
    std::string text =
        a.keyword.empty() ? to_source(a.value) : a.keyword.str() + "=" + to_source(a.value);
    for (const auto& [param, repl] : replacements) {
      if (param == pname) {
        text = a.keyword.empty() ? repl : a.keyword.str() + "=" + repl;
        done.insert(param);
      }
    }
    parts.push_back(text);
  }
  for (const auto& [param, repl] : replacements) {
    if (!done.count(param)) parts.push_back(param + "=" + repl);
  }
  std::string call =
      std::string(st.python && !st.extras().fix_prefix.empty() ? st.extras().fix_prefix : "") +
      st.op + "(";
  for (size_t i = 0; i < parts.size(); ++i) call += (i ? ", " : "") + parts[i];
  call += ")";
  if (st.inputs_explicit && !st.python && op.is_module()) {
    call += "(";
    const auto& written = st.extras().inputs_written;
    const auto& inputs = written.empty() ? st.inputs : written;
    for (size_t i = 0; i < inputs.size(); ++i) call += (i ? ", " : "") + inputs[i];
    call += ")";
  }
  return call;
}

bool RuleContext::add_weight(std::string_view wname, std::span<const int64_t> shape) {
  auto n = checked_product(shape);
  auto total = n ? checked_add(layer.params, *n) : std::nullopt;
  if (!total)
    return fail(st.op_span, fmt::format("{} has more parameters than fit in 64 bits", layer.name),
                "use smaller sizes");
  layer.params = *total;
  if (keep_weights) weights.push_back(ParamTensor{wname, IntList(shape)});
  return true;
}

bool RuleContext::add_macs(std::span<const int64_t> factors) {
  auto p = checked_product(factors);
  auto total = p ? checked_add(layer.macs, *p) : std::nullopt;
  if (!total)
    return fail(st.op_span, fmt::format("the multiply count of {} overflows 64 bits", layer.name),
                "use a smaller input or layer");
  layer.macs = *total;
  return true;
}

std::optional<int64_t> RuleContext::leading_count(const Shape& s, size_t feature_dims) {
  size_t end = s.size() >= feature_dims ? s.size() - feature_dims : 0;
  auto n = count_product(s, 0, end);
  if (!n)
    fail(st.op_span, fmt::format("the batch size of {} overflows 64 bits", layer.name),
         "use a smaller input");
  return n;
}

std::string join(std::span<const int64_t> v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + std::to_string(v[i]);
  return out;
}

const char* spatial_name(size_t nd, size_t i) {
  static const char* names[3][3] = {{"L"}, {"H", "W"}, {"D", "H", "W"}};
  return nd >= 1 && nd <= 3 && i < nd ? names[nd - 1][i] : "?";
}

std::string shape_list(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i].count_value());
  return out + "]";
}

// PyTorch would wrap these into a wrong shape; netshape stops at the argument.
bool check_kernel_extent(RuleContext& ctx, std::span<const int64_t> kernel,
                         std::span<const int64_t> dilation) {
  for (size_t i = 0; i < kernel.size(); ++i) {
    if (!effective_kernel_size(kernel[i], dilation[i])) {
      return ctx.fail_overflow(
          ctx.is_given("dilation") ? "dilation" : "kernel_size",
          fmt::format("dilation * (kernel_size - 1) = {} * {}", dilation[i], kernel[i] - 1));
    }
  }
  return true;
}

bool fail_padded_overflow(RuleContext& ctx, int64_t in, int64_t before, int64_t after) {
  return ctx.fail_overflow(
      "padding", before == after ? fmt::format("the padded input {} + 2 * {}", in, before)
                                 : fmt::format("the padded input {} + {} + {}", in, before, after));
}

std::optional<int64_t> int_list_entry(const Value& v, size_t position) {
  if (v.kind == Value::Kind::Int) return v.i;
  if (v.kind == Value::Kind::Bool && position > 0) return v.b ? 1 : 0;
  return std::nullopt;
}

std::optional<std::vector<int64_t>> int_list_items(std::span<const Value> items) {
  std::vector<int64_t> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto entry = int_list_entry(items[i], i);
    if (!entry) return std::nullopt;
    out.push_back(*entry);
  }
  return out;
}

void prefer_transpose_fix(const RuleContext& ctx, int64_t channels, Diagnostic& d) {
  const Shape& x = ctx.x();
  if (ctx.nd() != 1 || x.size() != 3 || x[2].symbolic() || x[2].value != channels) return;
  d.prefer(fmt::format("{} is {}: its last dim has the {} channels {} wants, so it is likely "
                       "[batch, length, channels]; transpose it to [batch, channels, length] "
                       "first: `.transpose(1, 2)`",
                       ctx.input_name(0), to_string(x), channels, ctx.name()),
           "or, if dim 1 does hold the channels: ");
}

bool dim_arg(RuleContext& ctx, std::string_view param, int64_t rank, int64_t& out) {
  // a dim goes through PyTorch's C++ argument parser, which takes no bool for an int
  auto d = ctx.strict_int_arg(param, std::numeric_limits<int64_t>::min(),
                              fmt::format("give {} a dim number", param));
  if (!d) return false;
  auto w = wrap_dim(*d, rank);
  if (!w) {
    return ctx.fail_at(param, dim_out_of_range(std::to_string(*d), rank),
                       fmt::format("the input {} has {} dims; use {}={}", to_string(ctx.x()), rank,
                                   param, std::max<int64_t>(rank, 1) - 1));
  }
  out = *w;
  return true;
}

}  // namespace netshape
