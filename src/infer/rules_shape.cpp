// Shape rules for shape-preserving, reshaping, padding, resampling and joining ops.
#include <cmath>
#include <limits>
#include <map>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// A .ns name (`p=rate`), its value known only later.
bool is_name(const Value& v) {
  return v.kind == Value::Kind::Ident || v.kind == Value::Kind::DimRef;
}

bool check_probability(RuleContext& ctx) {
  if (!ctx.has_param("p")) return true;
  const Value& given = ctx.value("p");
  bool compares = given.kind == Value::Kind::Int || given.kind == Value::Kind::Float ||
                  given.kind == Value::Kind::Bool || is_name(given);
  if (!compares && ctx.op.is_module())  // nn.Dropout's __init__ compares it: `p < 0`
    return ctx.fail_at_construction(
        "p",
        fmt::format("'<' not supported between instances of '{}' and 'int'", python_type(given)),
        "use a probability such as p=0.5");
  auto p = ctx.float_arg("p");
  if (!p) return false;
  if (*p < 0.0 || *p > 1.0) {  // nn.Dropout's __init__ raises it
    return ctx.fail_at_construction(
        "p",
        fmt::format("dropout probability has to be between 0 and 1, but got {}", to_source(given)),
        "use a probability such as p=0.5");
  }
  ctx.attrs.p = *p;
  return true;
}

// Reads `param` into `out` when the op's signature has it; `out` keeps its default otherwise.
bool float_param(RuleContext& ctx, const char* param, double& out) {
  if (!ctx.has_param(param)) return true;
  auto v = ctx.float_arg(param);
  if (!v) return false;
  out = *v;
  return true;
}

// Reads a bool `param` into `out` unless the op's signature lacks it or the call leaves it None.
bool optional_bool_param(RuleContext& ctx, const char* param, std::optional<bool>& out) {
  if (!ctx.has_param(param) || ctx.is_none(param)) return true;
  auto v = ctx.bool_arg(param);
  if (!v) return false;
  out = *v;
  return true;
}

// Hardtanh's min_val and max_val (nn.Hardtanh's deprecated min_value= and max_value= replace
// them when given). The module asserts max_val > min_val in its __init__; F.hardtanh does not.
bool hardtanh_bounds(RuleContext& ctx) {
  Attrs& at = ctx.attrs;
  if (!float_param(ctx, "min_val", at.min_val) || !float_param(ctx, "max_val", at.max_val))
    return false;
  if (ctx.has_param("min_value") && !ctx.is_none("min_value") &&
      !float_param(ctx, "min_value", at.min_val))
    return false;
  if (ctx.has_param("max_value") && !ctx.is_none("max_value") &&
      !float_param(ctx, "max_value", at.max_val))
    return false;
  if (ctx.op.id != OpId::Hardtanh || at.max_val > at.min_val) return true;
  return ctx.fail_at_construction(
      "max_val",
      fmt::format("AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is {} and "
                  "max_val {}",
                  to_source(Value::floating(at.min_val, {})),
                  to_source(Value::floating(at.max_val, {}))),
      "give a max_val above min_val, e.g. `Hardtanh(0.0, 20.0)`");
}

// The checks PyTorch's kernels make of an activation's numbers when it runs.
bool activation_checks(RuleContext& ctx) {
  const Attrs& at = ctx.attrs;
  if (ctx.op.kind == OpKind::celu && at.alpha == 0.0)
    return ctx.fail_at("alpha", "ZeroDivisionError: alpha cannot be 0 for CELU",
                       "use a nonzero alpha, e.g. alpha=1.0");
  if (ctx.op.kind == OpKind::rrelu && !(at.lower <= at.upper))
    return ctx.fail_at("upper", "Lower bound should be less than or equal to the upper bound",
                       "give lower <= upper, e.g. RReLU(0.125, 0.333)");
  if (ctx.op.kind == OpKind::softshrink && !(at.lambd >= 0.0))
    return ctx.fail_at(
        "lambd",
        fmt::format("lambda must be greater or equal to 0, but found to be {:g}.", at.lambd),
        "use a lambd of 0 or more, e.g. lambd=0.5");
  return true;
}

}  // namespace

// x: [*] -> [*]
bool infer_elementwise(RuleContext& ctx) {
  if (!check_probability(ctx)) return false;
  Attrs& at = ctx.attrs;
  if (ctx.has_param("approximate")) {
    auto a = ctx.string_arg("approximate");
    if (!a) return false;
    auto approximate = parse_gelu_approximate(*a);
    if (!approximate)
      return ctx.fail_at(
          "approximate",
          fmt::format("approximate argument must be either none or tanh, got '{}'", *a),
          "use approximate='tanh'");
    at.approximate = *approximate;
  }
  if (!float_param(ctx, "negative_slope", at.negative_slope) ||
      !float_param(ctx, "alpha", at.alpha) || !float_param(ctx, "beta", at.beta) ||
      !float_param(ctx, "threshold", at.threshold) || !float_param(ctx, "lambd", at.lambd) ||
      !float_param(ctx, "lower", at.lower) || !float_param(ctx, "upper", at.upper) ||
      !hardtanh_bounds(ctx) || !activation_checks(ctx))
    return false;
  if (ctx.op.kind == OpKind::threshold && !float_param(ctx, "value", at.value)) return false;
  ctx.set_output(ctx.x());
  return true;
}

// x: [*] -> [*]; weight [num_parameters], one slope per channel (dim 1) or one for all
bool infer_prelu(RuleContext& ctx) {
  const Value& n_value = ctx.value("num_parameters");
  if (n_value.kind != Value::Kind::Int)  // nn.PReLU's torch.empty(num_parameters)
    return ctx.fail_at("num_parameters",
                       "empty() received an invalid combination of arguments: num_parameters "
                       "must be an int",
                       "write num_parameters=<channels>, or leave it out for one slope");
  int64_t n = n_value.i;
  if (n < 0)
    return ctx.fail_at(
        "num_parameters",
        fmt::format("Trying to create tensor with negative dimension {}: [{}]", n, n),
        "use num_parameters=1 or the input's channels");
  const Shape& x = ctx.x();
  if (x.empty() && n != 1)
    return ctx.fail_input("Not allow zero-dim input tensor.",
                          "a 0-dim input takes PReLU() (one slope)");
  Dim channels = x.size() >= 2 ? x[1] : fixed(1);
  if (n != 1 && channels.symbolic())
    return ctx.fail_at("num_parameters",
                       fmt::format("netshape cannot tell whether the batch-sized channel dim {} "
                                   "equals num_parameters={}",
                                   to_string(channels), n),
                       "give the input's channels a size with --input");
  if (n != 1 && channels.value != n)
    return ctx.fail_at(
        "num_parameters",
        fmt::format("Mismatch of parameter numbers and input channel size. Found parameter "
                    "numbers = {} and channel size = {}.",
                    n, to_string(channels)),
        fmt::format("use PReLU({}) for one slope per channel, or PReLU() for one in all",
                    channels.value));
  if (!float_param(ctx, "init", ctx.attrs.init)) return false;
  ctx.set_output(x);
  return ctx.add_weight("weight", {n});
}

// x: [*] -> [*]  (Dropout1d/2d/3d zero whole channels; the shape is unchanged)
bool infer_dropout_nd(RuleContext& ctx) {
  if (!check_probability(ctx)) return false;
  size_t rank = ctx.x().size();
  if (ctx.op.id == OpId::Dropout1d && rank != 2 && rank != 3)  // F.dropout1d's, in eval mode too
    return ctx.fail_input(
        fmt::format("dropout1d: Expected 2D or 3D input, but received a {}D input. Note that "
                    "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                    "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or "
                    "3D inputs).",
                    rank),
        "use Dropout2d for images (4-D), Dropout3d for volumes");
  ctx.set_output(ctx.x());
  return true;
}

// x: [*] -> [*]; dim=None picks PyTorch's legacy implicit dim
bool infer_softmax(RuleContext& ctx) {
  int64_t rank = static_cast<int64_t>(ctx.x().size());
  int64_t dim = 0;
  if (ctx.op.id == OpId::Softmax2d) {  // its forward asserts the rank, then softmaxes dim -3
    if (rank != 3 && rank != 4)
      return ctx.fail_input("Softmax2d requires a 3D or 4D tensor as input",
                            "give it [N, C, H, W] (or [C, H, W]): it normalises over C");
    dim = rank - 3;
  } else if (ctx.is_none("dim")) {
    dim = (rank == 0 || rank == 1 || rank == 3) ? 0 : 1;
    ctx.explain("dim=None: PyTorch picks dim={} (and warns); pass dim= explicitly", dim);
  } else if (!dim_arg(ctx, "dim", rank, dim)) {
    return false;
  }
  ctx.attrs.dim = dim;
  ctx.set_output(ctx.x());
  return true;
}

// x: [..., d, ...] -> [..., d / 2, ...]: the first half times the sigmoid of the second
bool infer_glu(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0)
    return ctx.fail_input("glu does not support scalars because halving size must be even",
                          "apply it to a tensor with a dim of even size");
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", rank, dim)) return false;
  const Dim& d = x[static_cast<size_t>(dim)];
  if (d.symbolic())
    return ctx.fail_at("dim", fmt::format("cannot halve the batch-sized dim {}", to_string(d)),
                       "netshape does not know the batch size; halve a dim of known size");
  if (d.value % 2 != 0)
    return ctx.fail_at(
        "dim",
        fmt::format("Halving dimension must be even, but dimension {} is size {}", dim, d.value),
        fmt::format("give dim {} an even size (it is split into a value half and a "
                    "gate half), or halve another dim",
                    dim));
  Shape s = x;
  s[static_cast<size_t>(dim)] = fixed(d.value / 2);
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

// x: [d0, ..., d_start, ..., d_end, ...] -> [d0, ..., d_start*...*d_end, ...]
bool infer_flatten(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size()), start = 0, end = 0;
  if (!dim_arg(ctx, "start_dim", rank, start) || !dim_arg(ctx, "end_dim", rank, end)) return false;
  if (rank == 0) {
    ctx.set_output({fixed(1)});
    return true;
  }
  if (start > end) {
    return ctx.fail_at("start_dim",
                       "flatten() has invalid args: start_dim cannot come after end_dim",
                       fmt::format("use start_dim <= end_dim (here end_dim is {})", end));
  }
  auto merged = dim_product(x, static_cast<size_t>(start), static_cast<size_t>(end) + 1);
  if (!merged)
    return ctx.fail_input("the flattened size overflows 64 bits or multiplies two symbolic dims",
                          "flatten fewer dims");
  Shape s(x.begin(), x.begin() + start);
  s.push_back(*merged);
  s.insert(s.end(), x.begin() + end + 1, x.end());
  ctx.attrs.start_dim = start;
  ctx.attrs.end_dim = end;
  if (ctx.want_explain) {
    std::string factors;
    for (int64_t i = start; i <= end; ++i)
      factors += (i > start ? "*" : "") + to_string(x[static_cast<size_t>(i)]);
    ctx.explain("flatten dims {}..{}: {} = {}", start, end, factors, to_string(*merged));
  }
  ctx.set_output(s);
  return true;
}

// nn.Unflatten's __init__: dim an int (or a name), unflattened_size a tuple or list of ints
// (bools are ints to its isinstance). Made before dim is read against the input.
static bool unflatten_construction(RuleContext& ctx) {
  auto is_int = [](const Value& v) {
    return v.kind == Value::Kind::Int || v.kind == Value::Kind::Bool || is_name(v);
  };
  const Value& dim = ctx.value("dim");
  if (!is_int(dim) && dim.kind != Value::Kind::String)
    return ctx.fail_at_construction("dim", "invalid argument type for dim parameter",
                                    "give dim a dim number, e.g. Unflatten(1, (32, 7, 7))");
  if (!is_int(dim)) return true;  // a named dim: its sizes are (name, size) pairs
  const Value& sizes = ctx.value("unflattened_size");
  if (!sizes.is_sequence() && !is_name(sizes))
    return ctx.fail_at_construction(
        "unflattened_size",
        fmt::format("unflattened_size must be a tuple of ints, but found type {}",
                    python_type(sizes)),
        "write unflattened_size=(32, 7, 7)");
  for (size_t i = 0; i < sizes.items.size(); ++i) {
    if (!is_int(sizes.items[i]))
      return ctx.fail_at_construction(
          "unflattened_size",
          fmt::format("unflattened_size must be tuple of ints, but found element of type {} at "
                      "pos {}",
                      python_type(sizes.items[i]), i),
          "write unflattened_size=(32, 7, 7)");
  }
  return true;
}

// x: [..., d, ...] -> [..., *unflattened_size, ...] (the method's `sizes`)
bool infer_unflatten(RuleContext& ctx) {
  if (ctx.op.id == OpId::Unflatten && !unflatten_construction(ctx)) return false;
  const Shape& x = ctx.x();
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(x.size()), dim)) return false;
  const bool method = ctx.op.id == OpId::unflatten;
  const char* param = method ? "sizes" : "unflattened_size";
  const Value& v = ctx.value(param);
  if (!v.is_sequence() || !std::all_of(v.items.begin(), v.items.end(),
                                       [](const Value& i) { return i.kind == Value::Kind::Int; })) {
    if (method)
      return ctx.fail_at(param,
                         fmt::format("unflatten(): argument 'sizes' (position 2) must be tuple of "
                                     "ints, not {}",
                                     python_type(v)),
                         "write the sizes as a tuple: x.unflatten(1, (32, 7, 7))");
    return ctx.fail_at(param, "unflattened_size must be a tuple of ints",
                       "write unflattened_size=(32, 7, 7)");
  }
  if (v.items.empty())
    return ctx.fail_at(param, "unflatten: sizes must be non-empty", "give at least one size");
  const Dim& d = x[static_cast<size_t>(dim)];
  if (d.symbolic())
    return ctx.fail_at("dim", "cannot unflatten a symbolic dim", "unflatten a concrete dim");
  std::vector<int64_t> sizes;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < v.items.size(); ++i) {
    int64_t n = v.items[i].i;
    if (n == -1 && infer_at < 0) {
      infer_at = static_cast<int64_t>(i);
      sizes.push_back(-1);
      continue;
    }
    if (n < 0)
      return ctx.fail_at(param, "unflattened_size may hold one -1 and otherwise non-negative sizes",
                         "use one -1 at most");
    auto k = checked_mul(known, n);
    if (!k) return ctx.fail_at(param, "unflattened_size overflows 64 bits", "use smaller sizes");
    known = *k;
    sizes.push_back(n);
  }
  if (infer_at >= 0 && known != 0 && d.value % known == 0)
    sizes[static_cast<size_t>(infer_at)] = d.value / known;
  else if (infer_at >= 0 || known != d.value) {
    std::string list;
    for (size_t i = 0; i < v.items.size(); ++i)
      list += (i ? ", " : "") + std::to_string(v.items[i].i);
    return ctx.fail_at(param,
                       fmt::format("unflatten: Provided sizes [{}] don't multiply up to the size "
                                   "of dim {} ({}) in the input tensor",
                                   list, dim, d.value),
                       fmt::format("the sizes must multiply to {}", d.value));
  }
  Shape s(x.begin(), x.begin() + dim);
  for (int64_t n : sizes) s.push_back(fixed(n));
  s.insert(s.end(), x.begin() + dim + 1, x.end());
  ctx.set_output(s);
  return true;
}

// x: [*] -> shape, with at most one -1 inferred; numel must match (a symbolic batch is tracked)
bool infer_view(RuleContext& ctx) {
  std::vector<Value> items = ctx.var_positional;
  if (items.empty())
    return ctx.fail(ctx.st.op_span, fmt::format("{}() needs the new shape", ctx.op.name),
                    "e.g. view(-1, 256)");
  // `x.reshape(())`, `x.view([])`: no sizes, a 0-dim tensor (of one element)
  if (items.size() == 1 && items[0].is_sequence()) items = items[0].items;
  const Shape& x = ctx.x();
  auto numel = dim_product(x);
  if (!numel) return ctx.fail_input("the input size overflows 64 bits", "use a smaller input");
  Shape s;
  Dim known{1, {}};
  int infer_at = -1;
  std::string requested;
  for (size_t i = 0; i < items.size(); ++i) {
    const Value& v = items[i];
    Dim d;
    if (auto entry = int_list_entry(v, i)) {
      d = fixed(*entry);
    } else if (v.kind == Value::Kind::DimRef && v.s.str().rfind("#", 0) == 0) {
      d = Dim::of_symbol(v.i, std::string_view(v.s).substr(1));
    } else if (v.kind == Value::Kind::Ident && numel->symbolic() && v.s == numel->symbol()) {
      d = Dim::of_symbol(1, v.s);  // `view(B, -1)`: the symbolic batch by name
    } else {
      return ctx.fail(
          v.span,
          fmt::format("{}(): shape entries must be ints, got {}", ctx.op.name, to_source(v)),
          "write sizes like view(-1, 256)");
    }
    requested += (i ? ", " : "") + to_string(d);
    if (!d.symbolic() && d.value == -1) {
      if (infer_at >= 0)
        return ctx.fail(v.span, "only one dimension can be inferred", "use -1 once");
      infer_at = static_cast<int>(i);
      s.push_back(d);
      continue;
    }
    if (!d.symbolic() && d.value < 0)
      return ctx.fail(v.span, fmt::format("invalid shape dimension {}", d.value),
                      "sizes must be >= 0 or -1");
    if (d.symbolic() && known.symbolic())
      return ctx.fail(v.span, "two batch-sized dims are not supported", "use -1 for one of them");
    auto k = checked_mul(known.value, d.value);
    if (!k) return ctx.fail(v.span, "the shape overflows 64 bits", "use smaller sizes");
    known.value = *k;
    if (d.symbolic()) known.sym = d.sym;
    s.push_back(d);
  }
  // numel = n * S^a ; known = k * S^b ; the -1 gets (n/k) * S^(a-b).
  bool symbol_ok = !known.symbolic() || (numel->symbolic() && numel->sym == known.sym);
  bool fits = false;
  if (!known.symbolic() && !numel->symbolic()) {
    auto error = view_size_error(numel->value, known.value, infer_at >= 0, requested);
    if (error && infer_at >= 0 && known.value == 0 && numel->value == 0)  // "ambiguous"
      return ctx.fail(ctx.st.op_span, *error, "write every size: with a 0 among them, -1 is any");
    fits = !error;
    if (fits && infer_at >= 0) s[static_cast<size_t>(infer_at)] = fixed(numel->value / known.value);
  } else if (infer_at >= 0) {
    if (symbol_ok && known.value != 0 && numel->value % known.value == 0) {
      Dim d{numel->value / known.value, known.symbolic() ? 0 : numel->sym};
      s[static_cast<size_t>(infer_at)] = d;
      fits = true;
    }
  } else {
    fits = known == *numel;
  }
  if (!fits) {
    std::string help;
    auto elements = dim_product(x, x.empty() ? 0 : 1);
    if (elements && !x.empty() && x[0].symbolic() && !elements->symbolic()) {
      std::string batch = ctx.st.python ? "x.size(0)" : std::string(x[0].symbol());
      help = fmt::format("the input {} has {} elements per sample; use {}({}, {})", to_string(x),
                         elements->value, ctx.op.name, batch, elements->value);
    } else {
      help = fmt::format("the input {} has {} elements; the sizes must multiply to that",
                         to_string(x), to_string(*numel));
    }
    return ctx.fail(
        ctx.st.op_span,
        fmt::format("shape '[{}]' is invalid for input of size {}", requested, to_string(*numel)),
        help);
  }
  ctx.set_output(s);
  return true;
}

// x: [N, C, H, W] -> [N, C, H + top + bottom, W + left + right]
// PyTorch's forward is F.pad(x, padding, 'constant', value), an int repeated four times, a tuple
// of any length as it is: (left, right) pads the last dim only, six values the last three.
bool infer_constant_pad(RuleContext& ctx) {
  const Value& v = ctx.value("padding");
  AttrInts pad;
  std::optional<std::vector<int64_t>> items;
  if (v.is_sequence()) items = int_list_items(v.items.vec());
  if (v.kind == Value::Kind::Int)  // both sides of each spatial dim (ConstantPad1d: 2 values)
    pad.assign(2 * static_cast<size_t>(ctx.op.spatial_dims), v.i);
  else if (items)
    pad.assign(items->begin(), items->end());
  else
    return ctx.fail_at(
        "padding",
        fmt::format("{}: padding must be an int or a tuple of ints ({}), got {}", ctx.op.name,
                    ctx.op.spatial_dims == 1   ? "left, right"
                    : ctx.op.spatial_dims == 2 ? "left, right, top, bottom"
                                               : "left, right, top, bottom, front, back",
                    to_source(v)),
        ctx.op.spatial_dims == 1 ? "write padding=(1, 2)" : "write padding=(1, 1, 2, 2)");
  if (!float_param(ctx, "value", ctx.attrs.value)) return false;
  return constant_pad_as_f_pad(ctx, std::move(pad), ctx.attrs.value);
}

// PyTorch's upsample kernels check that every input and output size is positive
// (upsample_{1,2,3}d_common_check, in its words for each rank), then that the input holds
// elements unless only its batch is empty. mode='area' is adaptive average pooling, whose own
// check refuses an empty pooled dim unless every output size is 1 (a mean).
static bool check_resampled_sizes(RuleContext& ctx, const std::string& mode, const AttrInts& out,
                                  std::string_view size_param) {
  const Shape& x = ctx.x();
  const size_t nd = out.size();
  auto empty = [](const Dim& d) { return !d.symbolic() && d.value == 0; };
  if (mode == "area") {  // adaptive average pooling
    std::optional<std::string> empty_dim = adaptive_pool_empty_dim(x, out, true);
    if (!empty_dim) return true;
    return ctx.fail_input(
        std::move(*empty_dim),
        fmt::format("{} has an empty dim: there is nothing to resample", to_string(x)));
  }
  bool input_empty = std::any_of(x.begin() + 2, x.end(), empty);
  if (input_empty || std::any_of(out.begin(), out.end(), [](int64_t o) { return o <= 0; })) {
    static constexpr const char* kAxes[] = {"D", "H", "W"};
    std::string in_sizes, out_sizes;
    for (size_t i = 0; i < nd; ++i) {
      const char* axis = kAxes[3 - nd + i];
      in_sizes += fmt::format("{}{}: {}", i ? ", " : "", axis, to_string(x[2 + i]));
      out_sizes += fmt::format("{}{}: {}", i ? ", " : "", axis, out[i]);
    }
    std::string message = fmt::format(
        "Input and output sizes should be greater than 0, but got input ({}){} "
        "output ({})",
        in_sizes, nd == 1 ? " and" : "", out_sizes);
    if (input_empty)
      return ctx.fail_input(
          std::move(message),
          fmt::format("{} has an empty dim: there is nothing to resample", to_string(x)));
    return ctx.fail_at(size_param, std::move(message), "use a larger size or scale_factor");
  }
  if (empty(x[1]))
    return ctx.fail_input(
        fmt::format("Non-empty {}D data tensor expected but got a tensor with "
                    "sizes {}",
                    x.size(), to_string(x)),
        fmt::format("{} has no channels: there is nothing to resample", to_string(x)));
  return true;
}

// x: [N, C, *in] -> [N, C, *size] or [N, C, floor(in * scale_factor)]
bool infer_interpolate(RuleContext& ctx) {
  const Shape& x = ctx.x();
  // nn.Upsample's constructor makes a float of a scale_factor that is no tuple: a list is its
  // TypeError (F.interpolate takes one)
  if (const Value& f = ctx.value("scale_factor");
      ctx.op.is_module() && f.kind == Value::Kind::List && !f.items.empty())
    return ctx.fail_at("scale_factor",
                       "float() argument must be a string or a real number, not 'list'",
                       "give a tuple: scale_factor=(2, 2)");
  // UpsamplingNearest2d / UpsamplingBilinear2d fix the mode (bilinear with align_corners=True).
  bool fixed_mode = !ctx.has_param("mode");
  auto mode = fixed_mode ? std::optional<std::string>(
                               ctx.op.id == OpId::UpsamplingBilinear2d ? "bilinear" : "nearest")
                         : ctx.string_arg("mode");
  if (!mode) return false;
  if (ctx.op.id == OpId::UpsamplingBilinear2d) ctx.attrs.align_corners = true;
  if (x.size() < 3 || x.size() > 5) {
    return ctx.fail_input(
        fmt::format("Input Error: Only 3D, 4D and 5D input Tensors supported (got {}D)", x.size()),
        "resample [N, C, L], [N, C, H, W] or [N, C, D, H, W]");
  }
  size_t nd = x.size() - 2;
  static const std::map<std::string, size_t> fixed_rank = {
      {"linear", 1}, {"bilinear", 2}, {"bicubic", 2}, {"trilinear", 3}};
  auto parsed_mode = parse_interpolate_mode(*mode);
  if (!parsed_mode)
    return ctx.fail_at(
        "mode", fmt::format("unknown interpolation mode '{}'", *mode),
        "use one of nearest, linear, bilinear, bicubic, trilinear, area, nearest-exact");
  auto fr = fixed_rank.find(*mode);
  if (fr != fixed_rank.end() && fr->second != nd) {
    return ctx.fail_input(
        fmt::format("Got {}D input, but {} mode needs {}D input", x.size(), *mode, fr->second + 2),
        "use mode='nearest' or an input of the right rank");
  }
  bool has_size = !ctx.is_none("size"), has_scale = !ctx.is_none("scale_factor");
  if (has_size == has_scale) {
    return ctx.fail(ctx.st.op_span,
                    has_size ? "only one of size or scale_factor should be defined"
                             : "either size or scale_factor should be defined",
                    "give size=(H, W) or scale_factor=2");
  }
  Shape s = x;
  AttrInts out(nd);
  std::vector<double> scales;  // per spatial dim, when given instead of size
  if (has_size) {
    auto sz = ctx.ints_arg("size", nd, 1);
    if (!sz) return false;
    out = AttrInts(*sz);
  } else {
    const Value& v = ctx.value("scale_factor");
    std::vector<Value> items = v.is_sequence() ? v.items.vec() : std::vector<Value>(nd, v);
    if (items.size() != nd)
      return ctx.fail_at(
          "scale_factor",
          fmt::format(
              "scale_factor shape must match input shape. Input is {}D, scale_factor size is {}",
              nd, items.size()),
          "give one factor per spatial dim");
    for (size_t i = 0; i < nd; ++i) {
      double f = items[i].kind == Value::Kind::Int     ? static_cast<double>(items[i].i)
                 : items[i].kind == Value::Kind::Float ? items[i].f
                 : items[i].kind == Value::Kind::Bool  ? (items[i].b ? 1.0 : 0.0)  // Python: 1 or 0
                                                       : -1.0;
      if (!(f > 0.0))
        return ctx.fail_at(
            "scale_factor",
            fmt::format("scale_factor must be a positive number, got {}", to_source(items[i])),
            "use scale_factor=2");
      double o = std::floor(static_cast<double>(x[2 + i].value) * f);
      if (o > 9.0e15)
        return ctx.fail_at("scale_factor", "the resampled size is too large",
                           "use a smaller scale_factor");
      out[i] = static_cast<int64_t>(o);
      scales.push_back(f);
    }
  }
  if (has_size && ctx.has_param("recompute_scale_factor") &&
      !ctx.is_none("recompute_scale_factor")) {  // F.interpolate's own check
    auto recompute = ctx.bool_arg("recompute_scale_factor");
    if (!recompute) return false;
    if (*recompute)
      return ctx.fail_at("recompute_scale_factor",
                         "recompute_scale_factor is not meaningful with an explicit size.",
                         "remove recompute_scale_factor, or give scale_factor instead of size");
  }
  if (!check_resampled_sizes(ctx, *mode, out, has_size ? "size" : "scale_factor")) return false;
  for (size_t i = 0; i < nd; ++i) s[2 + i] = fixed(out[i]);
  Attrs& at = ctx.attrs;
  at.mode = *parsed_mode;
  at.size = std::move(out);
  at.scale_factor = std::move(scales);
  std::optional<bool> antialias;
  if (!optional_bool_param(ctx, "recompute_scale_factor", at.recompute_scale_factor) ||
      !optional_bool_param(ctx, "antialias", antialias))
    return false;
  at.antialias = antialias.value_or(false);
  bool smooth = *mode == "bilinear" || *mode == "bicubic";
  if (at.antialias && !(smooth && ctx.x().size() == 4))
    return ctx.fail_at("antialias",
                       "Anti-alias option is only supported for bilinear and bicubic modes",
                       "use mode='bilinear' or 'bicubic' on a 4-D input, or leave antialias out");
  if (!fixed_mode && !ctx.is_none("align_corners")) {
    auto ac = ctx.bool_arg("align_corners");
    if (!ac) return false;
    if (*mode == "nearest" || *mode == "area" || *mode == "nearest-exact") {
      return ctx.fail_at("align_corners",
                         "align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear",
                         "remove align_corners, or use mode='bilinear'");
    }
    at.align_corners = *ac;
  }
  ctx.set_output(s);
  return true;
}

// The likely fix of two shapes that do not broadcast, read from what they look like.
static std::string broadcast_fix(const RuleContext& ctx, const Shape& a, const Shape& b) {
  // A per-channel vector (a learned [C] scale or bias) against a feature map [N, C, *]:
  // broadcasting lines it up with the last dim, not with the channels.
  for (size_t k = 0; k < 2; ++k) {
    const Shape& v = k == 0 ? a : b;
    const Shape& map = k == 0 ? b : a;
    if (v.size() != 1 || map.size() < 3 || !(map[1] == v[0])) continue;
    std::string ones;
    for (size_t i = 2; i < map.size(); ++i) ones += ", 1";
    return fmt::format(
        "{} has one value per channel of {}, but broadcasting lines it up with the last dim: "
        "shape it [1, {}{}] first, `{}.view(1, -1{})`",
        ctx.input_name(k), ctx.input_name(1 - k), to_string(v[0]), ones, ctx.input_name(k), ones);
  }
  if (a.size() == b.size() && a.size() >= 4)  // feature maps: a residual's two branches
    return "make the shapes equal, e.g. with a 1x1 Conv2d (and the same stride) on the shortcut";
  std::vector<size_t> differing;
  for (size_t i = 0; a.size() == b.size() && i < a.size(); ++i)  // a size-1 dim broadcasts
    if (!(a[i] == b[i]) && !(a[i] == fixed(1)) && !(b[i] == fixed(1))) differing.push_back(i);
  if (differing.size() == 1)
    return fmt::format(
        "they differ only in dim {} ({} vs {}): make it equal where one of them "
        "is made",
        differing[0], to_string(a[differing[0]]), to_string(b[differing[0]]));
  return "make the shapes equal, or give one of them size 1 where the other's differs";
}

// a: [*], b: [*] -> broadcast(a, b)
bool infer_add(RuleContext& ctx) {
  if (ctx.in().size() != 2) {
    return ctx.fail(ctx.st.op_span, fmt::format("add takes two tensors, got {}", ctx.in().size()),
                    "write add(a, b), or add(b) to add b to the previous output");
  }
  if (ctx.has_param("alpha")) {  // add, sub: a + alpha * b
    auto alpha = ctx.float_arg("alpha");
    if (!alpha) return false;
    ctx.attrs.alpha = *alpha;
  }
  if (ctx.has_param("rounding_mode") && !ctx.is_none("rounding_mode")) {  // div
    auto mode = ctx.string_arg("rounding_mode");
    if (!mode) return false;
    if (*mode != "trunc" && *mode != "floor")
      return ctx.fail_at("rounding_mode",
                         "div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         "found '" +
                             *mode + "'",
                         "give rounding_mode='floor' (as `//`) or 'trunc'");
    ctx.attrs.rounding = *mode == "trunc" ? Rounding::trunc : Rounding::floor;
  }
  const Shape& a = ctx.in()[0];
  const Shape& b = ctx.in()[1];
  std::string error;
  auto s = broadcast_shapes(a, b, error);
  if (!s) {
    return ctx.fail(
        ctx.st.op_span, error,
        fmt::format("{} combines {} ({}) and {} ({}); {}", ctx.name(), ctx.input_name(0),
                    to_string(a), ctx.input_name(1), to_string(b), broadcast_fix(ctx, a, b)));
  }
  ctx.set_output(*s);
  return true;
}

// x: [*], mask: [*] -> broadcast(x, mask), `value` where the mask is set
bool infer_masked_fill(RuleContext& ctx) {
  if (ctx.in().size() != 2)
    return ctx.fail(
        ctx.st.op_span,
        fmt::format("masked_fill takes a tensor and a mask, got {} tensors", ctx.in().size()),
        "write masked_fill(x, mask, value=0.0)");
  const Value& v = ctx.value("value");
  if (v.kind != Value::Kind::Int && v.kind != Value::Kind::Float && v.kind != Value::Kind::Bool)
    return ctx.fail_at("value", "masked_fill's value must be a number",
                       "write the fill value as a number: masked_fill(x, mask, -1e9)");
  ctx.attrs.value = v.kind == Value::Kind::Float ? v.f
                    : v.kind == Value::Kind::Int ? static_cast<double>(v.i)
                                                 : (v.b ? 1.0 : 0.0);
  std::string error;
  auto s = broadcast_shapes(ctx.in()[1], ctx.in()[0], error);  // PyTorch expands (mask, x)
  if (!s)
    return ctx.fail(ctx.st.op_span, error,
                    fmt::format("the mask {} must broadcast with the tensor {}",
                                to_string(ctx.in()[1]), to_string(ctx.in()[0])));
  ctx.set_output(*s);
  return true;
}

// condition: [*], x: [*], y: [*] -> broadcast(condition, x, y), x where the condition is set
bool infer_where(RuleContext& ctx) {
  if (ctx.in().size() != 3)
    return ctx.fail(ctx.st.op_span,
                    fmt::format("where takes a condition and two tensors, got {} tensor{}",
                                ctx.in().size(), ctx.in().size() == 1 ? "" : "s"),
                    "write where(condition, x, y)");
  // PyTorch's TensorIterator broadcasts its inputs in order: the condition, then x, then y.
  std::string error;
  std::optional<Shape> s = broadcast_shapes(ctx.in()[0], ctx.in()[1], error);
  if (s) s = broadcast_shapes(*s, ctx.in()[2], error);
  if (!s)
    return ctx.fail(ctx.st.op_span, error,
                    fmt::format("where broadcasts the condition {}, {} {} and {} {}; make "
                                "their shapes broadcast",
                                to_string(ctx.in()[0]), ctx.input_name(1), to_string(ctx.in()[1]),
                                ctx.input_name(2), to_string(ctx.in()[2])));
  ctx.set_output(*s);
  return true;
}

// When cat was given no dim (its default 0, where the channels were meant) and the tensors
// differ in one other dim only, joining along that dim is the likely fix: the help, with `d`'s
// resize kept as a note. (With a dim given, as a U-Net's skip joins, resizing stays the fix.)
// The tensors cat skips (skipped_by_cat) play no part.
static void prefer_other_cat_dim(RuleContext& ctx, size_t valid, Diagnostic& d) {
  if (ctx.is_given("dim")) return;
  const auto& ins = ctx.in();
  const Shape& first = ins[valid];
  for (size_t t = valid + 1; t < ins.size(); ++t)  // a later tensor of another rank
    if (!skipped_by_cat(ins[t]) && ins[t].size() != first.size()) return;
  std::optional<size_t> differing;
  for (size_t i = 0; i < first.size(); ++i) {
    bool differs = false;
    for (size_t t = valid + 1; t < ins.size(); ++t)
      differs = differs || (!skipped_by_cat(ins[t]) && !(ins[t][i] == first[i]));
    if (!differs) continue;
    if (differing) return;  // two dims differ: no single dim joins them
    differing = i;
  }
  if (!differing) return;
  d.prefer(fmt::format("the tensors differ only in dim {}: to join them along it, use dim={}",
                       *differing, *differing),
           fmt::format("or, to join them along dim {}: ", ctx.attrs.dim));
}

// tensors: [..., d_i, ...] -> [..., sum d_i, ...] along dim
bool infer_cat(RuleContext& ctx) {
  const auto& ins = ctx.in();
  for (size_t t = 0; t < ins.size(); ++t)  // cat's first check (check_cat_no_zero_dim)
    if (ins[t].empty())
      return ctx.fail(ctx.st.op_span,
                      fmt::format("zero-dimensional tensor (at position {}) cannot be "
                                  "concatenated",
                                  t),
                      fmt::format("`{}` has no dims: give it one with .unsqueeze(0), or stack "
                                  "the tensors (torch.stack) instead",
                                  ctx.input_name(t)));
  // The first tensor not skipped sets the rank and the dims to match.
  size_t valid = 0;
  while (valid < ins.size() && skipped_by_cat(ins[valid])) ++valid;
  if (valid == ins.size()) {  // all skipped: [0], whatever the dim
    ctx.attrs.dim = 0;
    ctx.set_output(Shape{fixed(0)});
    return true;
  }
  const Shape& first = ins[valid];
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(first.size()), dim)) return false;
  ctx.attrs.dim = dim;
  Shape s = first;
  size_t axis = static_cast<size_t>(dim);
  for (size_t t = valid + 1; t < ins.size(); ++t) {
    if (skipped_by_cat(ins[t])) continue;
    if (ins[t].size() != first.size()) {
      return ctx.fail(ctx.st.op_span,
                      fmt::format("Tensors must have same number of dimensions: got {} and {}",
                                  first.size(), ins[t].size()),
                      "concatenate tensors of the same rank");
    }
    for (size_t i = 0; i < first.size(); ++i) {
      if (i == axis) continue;
      if (!(ins[t][i] == first[i])) {
        Diagnostic& d = ctx.error(
            ctx.st.op_span,
            fmt::format("Sizes of tensors must match except in dimension {}. Expected "
                        "size {} but got size {} for tensor number {} in the list.",
                        dim, to_string(first[i]), to_string(ins[t][i]), t),
            fmt::format("{} is {} and {} is {}; make dim {} equal, e.g. resize one with "
                        "interpolate(size=...) or fix the layer that made it (a ConvTranspose2d "
                        "may need output_padding or another kernel_size)",
                        ctx.input_name(valid), to_string(first), ctx.input_name(t),
                        to_string(ins[t]), i));
        prefer_other_cat_dim(ctx, valid, d);
        return false;
      }
    }
    Dim& d = s[axis];
    const Dim& e = ins[t][axis];
    if (d.sym != e.sym)
      return ctx.fail(ctx.st.op_span, "cannot concatenate a batch-sized dim with a fixed one",
                      "concatenate along the channel dim (dim=1)");
    auto sum = checked_add(d.value, e.value);
    if (!sum)
      return ctx.fail(ctx.st.op_span, "the concatenated size overflows", "use smaller tensors");
    d.value = *sum;
  }
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

}  // namespace netshape

namespace netshape {

// x: [..., 1, ...] -> without size-1 dims (all of them, or `dim` when it is 1)
bool infer_squeeze(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t dim = -1;  // every size-1 dim (when no dim is given: a None given is a dim's name)
  if (ctx.is_given("dim") && ctx.is_none("dim"))
    return ctx.fail_at("dim", "Please look up dimensions by name, got: name = None.",
                       "give the dim to squeeze, or none to squeeze every size-1 dim");
  if (!ctx.is_none("dim") && !dim_arg(ctx, "dim", static_cast<int64_t>(x.size()), dim))
    return false;
  Shape s;
  for (size_t i = 0; i < x.size(); ++i) {
    bool removed = (dim < 0 || static_cast<int64_t>(i) == dim) && x[i] == fixed(1);
    if (removed)
      ctx.attrs.dims.push_back(static_cast<int64_t>(i));  // for the strides of what is kept
    else
      s.push_back(x[i]);
  }
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

// x: [...] -> [..., 1 at dim, ...]
bool infer_unsqueeze(RuleContext& ctx) {
  Shape s = ctx.x();
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(s.size()) + 1, dim)) return false;
  s.insert(s.begin() + dim, fixed(1));
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

// x: [..., a, ..., b, ...] -> [..., b, ..., a, ...]
bool infer_transpose(RuleContext& ctx) {
  Shape s = ctx.x();
  int64_t rank = static_cast<int64_t>(s.size()), d0 = 0, d1 = 0;
  if (!dim_arg(ctx, "dim0", rank, d0) || !dim_arg(ctx, "dim1", rank, d1)) return false;
  if (!s.empty()) std::swap(s[static_cast<size_t>(d0)], s[static_cast<size_t>(d1)]);
  ctx.attrs.dims = {d0, d1};
  ctx.set_output(s);
  return true;
}

// x: [...] -> reduced over `dim` (an int or a list; None or []: everything), kept as 1 with
// keepdim; mean and sum (the forward adds or averages, by the op's kind)
// std and var: `correction=` (a number), else `unbiased` (True: 1, Bessel's; False: 0).
static bool deviation_correction(RuleContext& ctx) {
  if (ctx.is_given("correction") && !ctx.is_none("correction")) {
    const Value& c = ctx.value("correction");
    if (c.kind != Value::Kind::Int && c.kind != Value::Kind::Float)
      return ctx.fail_at("correction", "correction must be a number", "write correction=0 or 1");
    ctx.attrs.correction = c.kind == Value::Kind::Int ? static_cast<double>(c.i) : c.f;
    return true;
  }
  auto unbiased = ctx.strict_bool_arg("unbiased");
  if (!unbiased) return false;
  ctx.attrs.correction = *unbiased ? 1.0 : 0.0;
  return true;
}

// norm's `p`: a number, None or 'fro' (2; 'fro' over at most two dims), inf and -inf.
static bool norm_order(RuleContext& ctx, size_t dims, bool all) {
  const Value& p = ctx.value("p");
  if (p.kind == Value::Kind::None || (p.kind == Value::Kind::String && p.s == "fro")) {
    if (p.kind == Value::Kind::String && !all && dims > 2)
      return ctx.fail_at("p",
                         fmt::format("Expected at most 2 dimensions, but got {} dimensions "
                                     "instead.",
                                     dims),
                         "use p=2, the same norm over any number of dims");
    ctx.attrs.p = 2.0;
    return true;
  }
  if (p.kind == Value::Kind::Int || p.kind == Value::Kind::Float) {
    ctx.attrs.p = p.kind == Value::Kind::Int ? static_cast<double>(p.i) : p.f;
    return true;
  }
  if (p.kind == Value::Kind::Bool)
    return ctx.fail_at("p", "norm_kernel_tensor_iterator_impl expects norm to be integer or float",
                       "give p a number: p=2");
  return ctx.fail_at("p", fmt::format("p={} is not a norm netshape computes", to_source(p)),
                     "use a number, float('inf') or 'fro' (the nuclear norm is not followed)");
}

// The forms of `dim` PyTorch's argument parser takes: argmax, argmin and prod reduce one dim, an
// int, where the others take a list too; a None given to prod or logsumexp is read as a dim's
// name.
static bool dim_form(RuleContext& ctx, const Value& v) {
  OpKind k = ctx.op.kind;
  bool named = k == OpKind::prod || k == OpKind::logsumexp;
  if (named && ctx.is_given("dim") && v.kind == Value::Kind::None)
    return ctx.fail_at("dim", "Please look up dimensions by name, got: name = None.",
                       fmt::format("give the dim to reduce, e.g. {}(dim=1){}", ctx.op.name,
                                   k == OpKind::prod ? ", or none to multiply everything" : ""));
  bool one_int = k == OpKind::argmax || k == OpKind::argmin || k == OpKind::prod;
  if (one_int && v.kind != Value::Kind::None &&
      !ctx.strict_int_arg("dim", std::numeric_limits<int64_t>::min(),
                          fmt::format("{} reduces one dim: reduce one after another, or flatten "
                                      "them first",
                                      ctx.op.name)))
    return false;
  // keepdim comes only with a dim (None or a list of none included) for these; amax, amin,
  // argmax, argmin and norm take it alone
  bool keepdim_with_dim = k == OpKind::prod || k == OpKind::sum || k == OpKind::none ||
                          k == OpKind::std || k == OpKind::var;
  if (keepdim_with_dim && !ctx.is_given("dim") && ctx.is_given("keepdim"))
    return ctx.fail_at("keepdim", keepdim_without_dim(ctx.op.name),
                       fmt::format("keepdim goes with a dim: {}(dim=1, keepdim=True), or "
                                   "dim=None for every dim",
                                   ctx.op.name));
  return true;
}

// amax, amin, argmax and argmin have no answer over no elements: PyTorch 1.13 raises for a
// listed dim of size 0 (amax and amin name it as written, argmax and argmin wrapped), and for
// every dim of an empty tensor. `listed` are the dims given, `wrapped` the same wrapped.
static bool check_nonempty_reduction(RuleContext& ctx, bool all, const std::vector<Value>& listed,
                                     const std::vector<int64_t>& wrapped) {
  OpKind k = ctx.op.kind;
  bool arg = k == OpKind::argmax || k == OpKind::argmin;
  if (!arg && k != OpKind::amax && k != OpKind::amin) return true;
  const Shape& x = ctx.x();
  if (all) {
    if (!has_zero_dim(x)) return true;
    return ctx.fail_input(
        fmt::format("{}(): Expected reduction dim to be specified for input.numel() == 0.{}",
                    ctx.op.name, arg ? "" : " Specify the reduction dim with the 'dim' argument."),
        fmt::format("the input {} has no elements: reduce over a dim of size 1 or more, or give "
                    "it elements",
                    to_string(x)));
  }
  for (size_t i = 0; i < wrapped.size(); ++i) {
    Dim d = x.empty() ? fixed(1) : x[static_cast<size_t>(wrapped[i])];
    if (d.symbolic() || d.value != 0) continue;
    return ctx.fail_at(
        "dim",
        fmt::format("{}(): Expected reduction dim {} to have non-zero size.", ctx.op.name,
                    arg ? std::to_string(wrapped[i]) : to_source(listed[i])),
        fmt::format("dim {} of {} is empty: there is nothing to take the {} of", wrapped[i],
                    to_string(x), arg ? "index" : "extreme"));
  }
  return true;
}

bool infer_mean(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  const Value& v = ctx.value("dim");
  // std(True), var(False): PyTorch's overload of one bool, `unbiased`, over every dim
  bool unbiased_overload = (ctx.op.kind == OpKind::std || ctx.op.kind == OpKind::var) &&
                           v.kind == Value::Kind::Bool && !ctx.given_by_keyword("dim") &&
                           !ctx.is_given("unbiased") && !ctx.is_given("keepdim") &&
                           !ctx.is_given("correction");
  if (!unbiased_overload && !dim_form(ctx, v)) return false;
  auto keepdim = ctx.strict_bool_arg("keepdim");
  if (!keepdim) return false;
  // PyTorch 1.13 reduces every dim for an empty list too (`x.sum(())`).
  bool all = unbiased_overload || ctx.is_none("dim") || (v.is_sequence() && v.items.empty());
  std::vector<bool> reduce(x.size(), all);
  std::vector<Value> dims = v.is_sequence() ? v.items.vec() : std::vector<Value>{v};
  std::vector<int64_t> wrapped;
  if (!all) {
    // PyTorch wraps every dim before it looks for one named twice.
    // The parser tells an int list by its first item: a bool there is its TypeError, a bool
    // after it is an int (`sum((0, True))` reduces dims 0 and 1).
    if (dims[0].kind == Value::Kind::Bool)
      return ctx.fail_at("dim",
                         fmt::format("{}() received an invalid combination of arguments - got "
                                     "({}), but expected one of:",
                                     ctx.op.name, python_type(v)),
                         "give dim an int or a tuple of ints");
    for (size_t i = 0; i < dims.size(); ++i) {
      auto entry = int_list_entry(dims[i], i);
      auto w = entry ? wrap_dim(*entry, rank) : std::nullopt;
      if (!w) {
        return ctx.fail_at("dim", dim_out_of_range(to_source(dims[i]), rank),
                           fmt::format("the input {} has {} dims", to_string(x), rank));
      }
      wrapped.push_back(*w);
    }
    std::vector<bool> seen(std::max<size_t>(x.size(), 1), false);  // a 0-dim tensor has dim 0
    for (int64_t w : wrapped) {
      if (seen[static_cast<size_t>(w)])
        return ctx.fail_at("dim",
                           fmt::format("dim {} appears multiple times in the list of dims", w),
                           "list each dim once");
      seen[static_cast<size_t>(w)] = true;
      if (static_cast<size_t>(w) < reduce.size()) reduce[static_cast<size_t>(w)] = true;
    }
  }
  if (!check_nonempty_reduction(ctx, all, dims, wrapped)) return false;
  Shape s;
  AttrInts reduced;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!reduce[i])
      s.push_back(x[i]);
    else {
      reduced.push_back(static_cast<int64_t>(i));
      if (*keepdim) s.push_back(fixed(1));
    }
  }
  // PyTorch 1.13's logsumexp resizes a result with no dims wrongly when it reduces every dim
  // of an empty list
  if (ctx.op.kind == OpKind::logsumexp && v.is_sequence() && v.items.empty() && !x.empty() &&
      !*keepdim)
    return ctx.fail_at("dim",
                       fmt::format("output with shape [] doesn't match the broadcast shape {}",
                                   to_string(Shape(x.size(), fixed(1)))),
                       "name the dims to reduce: `logsumexp(dim=(0, 1))`");
  if (ctx.op.kind == OpKind::norm && !norm_order(ctx, dims.size(), all)) return false;
  ctx.attrs.dims = std::move(reduced);
  if (ctx.has_param("correction") && !deviation_correction(ctx)) return false;
  if (unbiased_overload) ctx.attrs.correction = v.b ? 1.0 : 0.0;
  ctx.set_output(s);
  return true;
}

}  // namespace netshape
