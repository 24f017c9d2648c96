// Shape rules for normalisation layers and Linear.
#include <algorithm>

#include "rule_context.hpp"

namespace netshape {
namespace {

bool add_affine(RuleContext& ctx, int64_t n, bool weight, bool bias) {
  if (weight && !ctx.add_weight("weight", {n})) return false;
  if (bias && !ctx.add_weight("bias", {n})) return false;
  return true;
}

// Whether the last `nd` dims of `x` are all 1 (known, not symbolic).
bool single_spatial_element(const Shape& x, size_t nd) {
  for (size_t i = x.size() - nd; i < x.size(); ++i)
    if (x[i].symbolic() || x[i].value != 1) return false;
  return true;
}

std::string channel_fix(RuleContext& ctx, const char* param, const Dim& c) {
  return fmt::format("{} receives {} channels; use {}", ctx.name(), to_string(c),
                     ctx.call_with(param, to_string(c)));
}

// A norm module's sizes as its __init__ hands them to torch: the weight and bias are
// torch.empty(n) when affine, the running statistics torch.zeros(n) when tracked.
bool check_norm_sizes(RuleContext& ctx, std::string_view param, bool affine, bool tracked) {
  if (affine) return ctx.check_leading_size(param, "empty", true);
  return !tracked || ctx.check_leading_size(param, "zeros", true);
}

}  // namespace

// F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps): its
// tensors' places among the inputs (in the signature's order after the input), and PyTorch's
// checks in its order: one value per channel when training (F.batch_norm's own), then each
// tensor's elements against the channels, the running statistics required in eval mode.
bool infer_batch_norm_function(RuleContext& ctx) {
  const Shape& x = ctx.x();
  if (x.size() < 2)
    return ctx.fail_input_unsupported("F.batch_norm of a tensor of fewer than 2 dims",
                                      "give it a batch and channels: [N, C, *]");
  auto training = ctx.strict_bool_arg("training");
  auto eps = training ? ctx.float_arg("eps") : std::nullopt;
  if (!eps) return false;
  if (*training && one_value_per_channel(x))
    return ctx.fail_input(fmt::format("Expected more than 1 value per channel when training, got "
                                      "input size torch.Size({})",
                                      to_string(x)),
                          "give it a batch of 2 or more");
  // torch.batch_norm(input, weight, bias, running_mean, running_var, ...): its positions
  struct Tensor {
    const char* param;
    int position;
    int* input;
  };
  Attrs& a = ctx.attrs;
  const Tensor tensors[] = {{"running_mean", 4, &a.mean_input},
                            {"running_var", 5, &a.var_input},
                            {"weight", 2, &a.weight_input},
                            {"bias", 3, &a.bias_input}};
  int next = 1;
  for (const Tensor& t : tensors) {
    const Value& v = ctx.value(t.param);
    if (v.kind != Value::Kind::Ident && v.kind != Value::Kind::None)
      return ctx.fail_at(t.param,
                         fmt::format("batch_norm(): argument '{}' (position {}) must be Tensor, "
                                     "not {}",
                                     t.param, t.position, python_type(v)),
                         "pass a tensor of one element per channel, or None");
    *t.input = v.kind == Value::Kind::Ident ? next++ : -1;
  }
  if (ctx.in().size() != static_cast<size_t>(next))
    return ctx.fail_input(
        "batch_norm() takes one input tensor; its statistics, weight and bias "
        "come after it",
        "write batch_norm(x, running_mean, running_var, weight, bias)");
  const Dim& c = x[1];
  for (const Tensor& t : tensors) {
    bool statistic = t.input == &a.mean_input || t.input == &a.var_input;
    if (*t.input < 0) {
      if (statistic && !*training)
        return ctx.fail_at(t.param, fmt::format("{} must be defined in evaluation mode", t.param),
                           "pass the running statistics, or training=True");
      continue;
    }
    const Shape& s = ctx.in()[static_cast<size_t>(*t.input)];
    auto elements = count_product(s);
    bool symbolic = std::any_of(s.begin(), s.end(), [](const Dim& d) { return d.symbolic(); });
    if (c.symbolic() || symbolic || !elements)
      return ctx.fail_unsupported(t.param,
                                  fmt::format("F.batch_norm's {} beside channels or sizes that "
                                              "depend on the batch",
                                              t.param),
                                  "give the channels a number");
    if (*elements != c.value)
      return ctx.fail_at(
          t.param, fmt::format("{} should contain {} elements not {}", t.param, c.value, *elements),
          fmt::format("the input has {} channels (dim 1)", c.value));
  }
  for (const Tensor& t : tensors) {  // then its kernel reads the statistics as 1-dim tensors
    bool statistic = t.input == &a.mean_input || t.input == &a.var_input;
    if (!statistic || *t.input < 0) continue;
    const Shape& s = ctx.in()[static_cast<size_t>(*t.input)];
    if (s.size() != 1)
      return ctx.fail_at(t.param,
                         fmt::format("TensorAccessor expected 1 dims but tensor has {}", s.size()),
                         fmt::format("give {} one dim, [{}]", t.param, to_string(x[1])));
  }
  ctx.set_output(x);
  a.eps = *eps;
  a.running_stats = !*training;
  return true;
}

// x: [N, C] / [N, C, L] (1d), [N, C, H, W] (2d), [N, C, D, H, W] (3d) -> same shape
bool infer_batch_norm(RuleContext& ctx) {
  if (ctx.op.id == OpId::batch_norm) return infer_batch_norm_function(ctx);
  size_t rank = ctx.x().size(), nd = static_cast<size_t>(ctx.nd());
  bool ok = nd == 1 ? (rank == 2 || rank == 3) : rank == nd + 2;
  if (!ok) {
    std::string expected = nd == 1 ? "2D or 3D" : fmt::format("{}D", nd + 2);
    return ctx.fail_input(
        fmt::format("expected {} input (got {}D input)", expected, rank),
        fmt::format("{} normalises [N, C{}]; check the layers before {}", ctx.op.name,
                    nd == 1   ? "] or [N, C, L"
                    : nd == 2 ? ", H, W"
                              : ", D, H, W",
                    ctx.name()));
  }
  const Dim& c = ctx.x()[1];
  auto n = ctx.size_or_inferred("num_features", c);
  auto affine = n ? ctx.bool_arg("affine") : std::nullopt;
  auto eps = affine ? ctx.float_arg("eps") : std::nullopt;
  auto track = eps ? ctx.bool_arg("track_running_stats") : std::nullopt;
  if (!track || !check_norm_sizes(ctx, "num_features", *affine, *track)) return false;
  // Without running statistics eval mode normalises with the batch's own (F.batch_norm with
  // training=True), which first needs more than one value per channel; training mode always.
  if ((!*track || ctx.training) && one_value_per_channel(ctx.x()))
    return ctx.fail_input(fmt::format("Expected more than 1 value per channel when training, got "
                                      "input size torch.Size({})",
                                      to_string(ctx.x())),
                          ctx.training
                              ? "give it a batch of 2 or more"
                              : "give it a batch of 2 or more, or use track_running_stats=True");
  // The channels are checked against the running statistics, else the weight, else not at all.
  if ((*track || *affine) && (c.symbolic() || c.value != *n)) {
    Diagnostic& d = ctx.error_at("num_features",
                                 fmt::format("{} should contain {} elements not {}",
                                             *track ? "running_mean" : "weight", to_string(c), *n),
                                 channel_fix(ctx, "num_features", c));
    prefer_transpose_fix(ctx, *n, d);
    return false;
  }
  ctx.set_output(ctx.x());
  ctx.attrs.eps = *eps;
  ctx.attrs.affine = *affine;
  ctx.attrs.running_stats = *track;
  if (*affine)
    ctx.explain("params = 2*{} = {}  (weight and bias; running mean/var are buffers)", *n, 2 * *n);
  return add_affine(ctx, *n, *affine, *affine);
}

// x: [C, *spatial] or [N, C, *spatial] -> same shape
bool infer_instance_norm(RuleContext& ctx) {
  size_t rank = ctx.x().size(), nd = static_cast<size_t>(ctx.nd());
  if (rank != nd + 1 && rank != nd + 2) {
    return ctx.fail_input(
        fmt::format("expected {}D or {}D input (got {}D input)", nd + 1, nd + 2, rank),
        fmt::format("{} normalises [N, C, ...] with {} spatial dims", ctx.op.name, nd));
  }
  const Dim& c = ctx.x()[rank - nd - 1];
  auto n = ctx.size_or_inferred("num_features", c);
  auto affine = n ? ctx.bool_arg("affine") : std::nullopt;
  auto eps = affine ? ctx.float_arg("eps") : std::nullopt;
  if (!eps) return false;
  auto track = ctx.bool_arg("track_running_stats");
  if (!track || !check_norm_sizes(ctx, "num_features", *affine, *track)) return false;
  // PyTorch checks the channels only against a weight or running stats, which it repeats for
  // each sample of the batch: its message counts both over the batch.
  bool checked = *affine || *track;
  if (checked && (c.symbolic() || c.value != *n)) {
    Dim batch = rank == nd + 2 ? ctx.x()[0] : fixed(1);
    auto has = dim_product(Shape{batch, c});
    auto wants = dim_product(Shape{batch, fixed(*n)});
    if (!has || !wants) return ctx.fail_input("the batch times the channels overflows 64 bits");
    return ctx.fail_at(
        "num_features",
        fmt::format("{} should contain {} elements not {}", *track ? "running_mean" : "weight",
                    to_string(*has), to_string(*wants)),
        channel_fix(ctx, "num_features", c));
  }
  // F.instance_norm hands momentum to the C++ op as a float: None (BatchNorm's cumulative
  // average) is its TypeError there
  if (ctx.is_none("momentum"))
    return ctx.fail_at("momentum",
                       "instance_norm(): argument 'momentum' (position 7) must be float, not "
                       "NoneType",
                       "InstanceNorm has no cumulative average: use momentum=0.1");
  // Without running stats it normalises with the input's own (eval mode too; training mode
  // always): a single spatial element has none to normalise with.
  if ((!*track || ctx.training) && single_spatial_element(ctx.x(), nd)) {
    Shape batched = ctx.x();
    if (rank == nd + 1) batched.insert(batched.begin(), fixed(1));  // PyTorch adds the batch
    return ctx.fail_input(
        fmt::format("Expected more than 1 spatial element when training, got input size "
                    "torch.Size({})",
                    to_string(batched)),
        ctx.training ? "give it an input larger than 1 in some spatial dim"
                     : "give it an input larger than 1 in some spatial dim, or use "
                       "track_running_stats=True");
  }
  ctx.set_output(ctx.x());
  ctx.attrs.eps = *eps;
  ctx.attrs.affine = *affine;
  ctx.attrs.running_stats = *track;
  return add_affine(ctx, *n, *affine, *affine);
}

// F.layer_norm's weight or bias (`param`, input `input` when given): a tensor of shape
// normalized_shape exactly, as native_layer_norm checks it before the input.
bool layer_norm_tensor_fits(RuleContext& ctx, const char* param, int input, const AttrInts& norm) {
  const Value& v = ctx.value(param);
  int position = param == std::string_view("weight") ? 3 : 4;  // PyTorch's, after the input
  if (v.kind != Value::Kind::Ident && v.kind != Value::Kind::None)
    return ctx.fail_at(param,
                       fmt::format("layer_norm(): argument '{}' (position {}) must be Tensor, "
                                   "not {}",
                                   param, position, python_type(v)),
                       fmt::format("pass a tensor of shape [{}], or None", join(norm, ", ")));
  if (input < 0) return true;
  const Shape& s = ctx.in()[static_cast<size_t>(input)];
  bool same = s.size() == norm.size();
  for (size_t i = 0; same && i < s.size(); ++i) same = !s[i].symbolic() && s[i].value == norm[i];
  if (!same)
    return ctx.fail_at(param,
                       fmt::format("Expected {} to be of same shape as normalized_shape, but got "
                                   "{} of shape {} and normalized_shape = [{}]",
                                   param, param, shape_list(s), join(norm, ", ")),
                       fmt::format("give {} the shape [{}]", param, join(norm, ", ")));
  return true;
}

// x: [*, normalized_shape...] -> same shape
bool infer_layer_norm(RuleContext& ctx) {
  const Value& v = ctx.value("normalized_shape");
  bool function = ctx.op.id == OpId::layer_norm;  // F.layer_norm: its weight and bias are inputs
  AttrInts norm;
  if (v.kind == Value::Kind::Infer && !function) {
    if (ctx.x().empty() || ctx.x().back().symbolic())
      return ctx.fail_at("normalized_shape", "cannot infer normalized_shape", "give it");
    norm = {ctx.x().back().value};
    ctx.set_inferred("normalized_shape", norm[0]);
  } else if (v.kind == Value::Kind::Int) {
    norm = {v.i};
  } else if (v.is_sequence() && std::all_of(v.items.begin(), v.items.end(), [](const Value& i) {
               return i.kind == Value::Kind::Int;
             })) {
    for (const auto& i : v.items) norm.push_back(i.i);
  } else {
    return ctx.fail_at(
        "normalized_shape",
        fmt::format("{}(): normalized_shape must be an int or a tuple of ints, got {}", ctx.op.name,
                    to_source(v)),
        "write normalized_shape=(C, H, W) with the trailing sizes of the input");
  }
  if (norm.empty())
    return ctx.fail_at("normalized_shape",
                       "Expected normalized_shape to be at least 1-dimensional, i.e., containing "
                       "at least one element, but got normalized_shape = []",
                       "give the trailing sizes of the input, e.g. (C,)");
  if (function) {
    bool weight = ctx.value("weight").kind == Value::Kind::Ident;
    bool bias = ctx.value("bias").kind == Value::Kind::Ident;
    ctx.attrs.weight_input = weight ? 1 : -1;
    ctx.attrs.bias_input = bias ? 1 + weight : -1;
    if (ctx.in().size() != size_t{1} + weight + bias)  // `layer_norm(x, w, (8,))`
      return ctx.fail_input(
          "layer_norm() takes one input tensor; its weight and bias come after "
          "normalized_shape",
          "write layer_norm(x, normalized_shape, weight, bias)");
    if (!layer_norm_tensor_fits(ctx, "weight", ctx.attrs.weight_input, norm) ||
        !layer_norm_tensor_fits(ctx, "bias", ctx.attrs.bias_input, norm))
      return false;
  }
  const Shape& x = ctx.x();
  bool match = norm.size() <= x.size();
  for (size_t i = 0; match && i < norm.size(); ++i) {
    const Dim& d = x[x.size() - norm.size() + i];
    match = !d.symbolic() && d.value == norm[i];
  }
  if (!match) {
    std::string want;
    for (size_t i = 0; i < norm.size(); ++i) want += (i ? ", " : "") + std::to_string(norm[i]);
    std::string fix;
    if (norm.size() <= x.size()) {
      Shape tail(x.end() - static_cast<std::ptrdiff_t>(norm.size()), x.end());
      std::string t = norm.size() == 1
                          ? to_string(tail[0])
                          : "(" + to_string(tail).substr(1, to_string(tail).size() - 2) + ")";
      fix = fmt::format("{} receives {}; use {}", ctx.name(), to_string(x),
                        ctx.call_with("normalized_shape", t));
    }
    return ctx.fail_input(fmt::format("Given normalized_shape=[{}], expected input with shape [*, "
                                      "{}], but got input of size{}",
                                      want, want, shape_list(x)),
                          fix);
  }
  // weight and bias (PyTorch 1.13 has no bias=); the function's are its inputs
  auto affine = function ? std::optional<bool>(false) : ctx.bool_arg("elementwise_affine");
  auto eps = affine ? ctx.float_arg("eps") : std::nullopt;
  if (!eps) return false;
  ctx.set_output(x);
  ctx.attrs.normalized_shape = norm;
  ctx.attrs.eps = *eps;
  if (!checked_product(norm))
    return ctx.fail_at("normalized_shape", "normalized_shape is too large", "use smaller sizes");
  if (*affine && !ctx.add_weight("weight", norm)) return false;
  if (*affine && !ctx.add_weight("bias", norm)) return false;
  return true;
}

// A negative size pads the channels by negative amounts (size // 2 before, (size - 1) // 2
// after, Python's floor division): F.pad narrows them then, with narrow's errors when too few
// are left.
bool negative_padding_fits(RuleContext& ctx, const Dim& channels, int64_t size) {
  if (channels.symbolic())
    return ctx.fail_unsupported("size", "a negative size on a batch-sized channel dim",
                                "use a size of 1 or more channels, e.g. size=5");
  // size // 2 and (size - 1) // 2 as Python floors them, without negating or subtracting from
  // size (INT64_MIN would overflow)
  int64_t half = size / 2 - (size % 2 != 0 && size < 0);
  int64_t half_below = size % 2 == 0 ? half - 1 : half;
  int64_t left = channels.value;
  const std::pair<bool, int64_t> pads[] = {{true, half}, {false, half_below}};
  for (auto [before, pad] : pads) {
    if (pad >= 0) continue;
    int64_t start = before ? -pad : 0, length = left + pad;
    if (start != left && start >= left)  // maybe_wrap_dim of the start
      return ctx.fail_at("size",
                         fmt::format("Dimension out of range (expected to be in range of [{}, {}], "
                                     "but got {})",
                                     -left, left - 1, start),
                         "use a size of 1 or more channels, e.g. size=5");
    if (length < 0)
      return ctx.fail_at(
          "size",
          fmt::format("start ({}) + length ({}) exceeds dimension size ({}).", start, length, left),
          "use a size of 1 or more channels, e.g. size=5");
    left = length;
  }
  return true;
}

// x: [N, C, *] -> same shape (3 or more dims). F.local_response_norm returns an input with no
// elements as it is (its attributes then keep their defaults: forward has nothing to compute);
// otherwise it pads the squares' channels for an average pool of (size, 1)
// or (size, 1, 1), whose checks (the padding at most half the kernel, then a positive kernel)
// are the errors of a size below 1.
bool infer_local_response_norm(RuleContext& ctx) {
  const Shape& x = ctx.x();
  if (x.size() < 3) {
    return ctx.fail_input(
        fmt::format("Expected 3D or higher dimensionality input (got {} dimensions)", x.size()),
        "LocalResponseNorm normalises across the channels of [N, C, L] or [N, C, H, W]");
  }
  if (has_zero_dim(x)) {
    ctx.set_output(x);  // returned as it is, before its arguments are read
    return true;
  }
  const Value& size = ctx.value("size");
  if (size.kind == Value::Kind::Float) {
    return ctx.fail_at("size",
                       fmt::format("pad(): argument 'pad' must be tuple of ints, but found element "
                                   "of type float at pos {}",
                                   x.size() == 3 ? 3 : 5),
                       "give size as a whole number of channels, e.g. size=5");
  }
  if (size.kind == Value::Kind::Bool) {  // padded as 1 or 0, then refused by the pool
    return ctx.fail_at("size",
                       fmt::format("{}(): argument 'kernel_size' (position 2) must be tuple of "
                                   "ints, not tuple",
                                   x.size() == 3 ? "avg_pool2d" : "avg_pool3d"),
                       "give size as a whole number of channels, e.g. size=5");
  }
  auto window = ctx.int_arg("size", INT64_MIN);
  auto alpha = window ? ctx.float_arg("alpha") : std::nullopt;
  auto beta = alpha ? ctx.float_arg("beta") : std::nullopt;
  auto k = beta ? ctx.float_arg("k") : std::nullopt;
  if (!k) return false;
  if (*window < 0 && !negative_padding_fits(ctx, x[1], *window)) return false;
  if (*window < 1) {
    const char* kernel = x.size() == 3 ? "kH: {} kW: 1" : "kT: {} kH: 1 kW: 1";
    std::string message =
        *window / 2 < 0  // the pool's check that its padding (0) is at most half its kernel
            ? fmt::format(
                  "pad should be at most half of kernel size, but got pad=0 and "
                  "kernel_size={}",
                  *window)
            : "kernel size should be greater than zero, but got " +
                  fmt::format(fmt::runtime(kernel), *window);
    return ctx.fail_at("size", message, "use a size of 1 or more channels, e.g. size=5");
  }
  // the squares' channels padded by size - 1: a count in int64, or an error
  if (*window > 1 && !x[1].symbolic() && x[1].value > INT64_MAX - (*window - 1))
    return ctx.fail_overflow("size", "the channels padded by size - 1");
  if (*window > 1 && x[1].symbolic())
    return ctx.fail_unsupported("size", "a LocalResponseNorm over a batch-sized channel dim",
                                "give the input a fixed number of channels");
  ctx.set_output(x);
  ctx.attrs.window = *window;
  ctx.attrs.alpha = *alpha;
  ctx.attrs.beta = *beta;
  ctx.attrs.k = *k;
  return true;
}

// x: [N, C, *] -> same shape; C must equal num_channels
bool infer_group_norm(RuleContext& ctx) {
  auto groups = ctx.int_arg("num_groups", 1);
  if (!groups) return false;
  const Shape& x = ctx.x();
  if (x.size() < 2) {
    return ctx.fail_input(
        fmt::format("Expected at least 2 dimensions for input tensor but received {}", x.size()),
        "GroupNorm normalises [N, C, *]");
  }
  auto channels = ctx.size_or_inferred("num_channels", x[1]);
  if (!channels) return false;
  if (*channels % *groups != 0) {
    return ctx.fail_at_construction(
        "num_groups", "num_channels must be divisible by num_groups",
        fmt::format("num_channels={} is not a multiple of num_groups={}", *channels, *groups));
  }
  // __init__ makes the weight and bias, torch.empty(num_channels), when affine
  auto affine = ctx.bool_arg("affine");
  if (!affine || !check_norm_sizes(ctx, "num_channels", *affine, false)) return false;
  // F.group_norm's _verify_batch_size, in eval mode too: [N * C // G, G, *spatial] holds more
  // than one value per group (known when those dims are numbers)
  bool numbers = std::none_of(x.begin(), x.end(), [](const Dim& d) { return d.symbolic(); });
  int64_t n_c = 0;  // N * C: past 64 bits it is far more than one value
  if (numbers && !__builtin_mul_overflow(x[0].value, x[1].value, &n_c) && n_c / *groups == 1 &&
      std::all_of(x.begin() + 2, x.end(), [](const Dim& d) { return d.value == 1; })) {
    std::string sizes = fmt::format("[1, {}", *groups);
    for (size_t i = 2; i < x.size(); ++i) sizes += ", 1";
    return ctx.fail_input(fmt::format("Expected more than 1 value per channel when training, got "
                                      "input size {}]",
                                      sizes),
                          "give it a batch of 2 or more, or fewer groups");
  }
  if (ctx.value("num_groups").kind == Value::Kind::Bool)  // the C++ group_norm's parser
    return ctx.fail_at("num_groups",
                       "group_norm(): argument 'num_groups' (position 2) must be int, not bool",
                       "write num_groups=<integer>");
  if (x[1].symbolic() || x[1].value != *channels) {
    return ctx.fail_at(
        "num_channels",
        fmt::format("Expected weight to be a vector of size equal to the number of channels in "
                    "input, but got weight of shape [{}] and input of shape {}",
                    *channels, shape_list(x)),
        channel_fix(ctx, "num_channels", x[1]));
  }
  auto eps = ctx.float_arg("eps");
  if (!eps) return false;
  ctx.set_output(x);
  ctx.attrs.num_groups = *groups;
  ctx.attrs.eps = *eps;
  ctx.attrs.affine = *affine;
  return add_affine(ctx, *channels, *affine, *affine);
}

// x: [*, in_features] -> [*, out_features]
bool infer_linear(RuleContext& ctx) {
  const Shape& x = ctx.x();
  if (x.empty())
    return ctx.fail_input("Linear needs an input with at least one dimension",
                          "flatten the input first");
  const Dim& last = x.back();
  // torch.empty((out_features, in_features)) refuses a float or a negative size while the layer
  // is built (its parser decides on the first item: a float there is no tuple of ints at all)
  const Value& in_v = ctx.value("in_features");
  const Value& out_v = ctx.value("out_features");
  if (out_v.kind == Value::Kind::Float)
    return ctx.fail_at_construction(
        "out_features",
        "empty() received an invalid combination of arguments - got "
        "(tuple, dtype=NoneType, device=NoneType), but expected one of:",
        "out_features is a float: write out_features=<integer>");
  if (in_v.kind == Value::Kind::Float && out_v.kind == Value::Kind::Int)
    return ctx.fail_at_construction("in_features",
                                    "empty(): argument 'size' must be tuple of SymInts, but found "
                                    "element of type float at pos 2",
                                    "in_features is a float: write in_features=<integer>");
  if (in_v.kind == Value::Kind::Int && out_v.kind == Value::Kind::Int &&
      (in_v.i < 0 || out_v.i < 0))
    return ctx.fail_at_construction(
        out_v.i < 0 ? "out_features" : "in_features",
        fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]",
                    out_v.i < 0 ? out_v.i : in_v.i, out_v.i, in_v.i),
        "give the layer sizes of 1 or more");
  auto in = ctx.size_or_inferred("in_features", last);
  auto out = in ? ctx.int_arg("out_features", 0) : std::nullopt;
  auto bias = out ? ctx.flag_arg("bias") : std::nullopt;
  // the weight is torch.empty((out_features, in_features))
  if (!bias || !ctx.check_leading_size("out_features", "empty", false)) return false;
  auto rows = count_product(x, 0, x.size() - 1);
  if (!rows) return ctx.fail_input("the input is too large", "use a smaller input");
  if (last.symbolic() || last.value != *in) {
    std::string message = fmt::format("mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                                      *rows, to_string(last), *in, *out);
    // A transposed 3-D input is not fused nor folded: matmul multiplies it by the expanded weight
    // with bmm (contiguous or 2-D ones go through addmm)
    if (x.size() == 3 && ctx.multiplied_as_batch[0])
      message = fmt::format(
          "Expected size for first two dimensions of batch2 tensor to be: "
          "[{}, {}] but got: [{}, {}].",
          x[0].count_value(), to_string(last), x[0].count_value(), *in);
    auto per_sample = x.size() >= 4 ? count_product(x, 1) : std::nullopt;
    if (per_sample && !ctx.input_flattened_from) {
      // PyTorch multiplies the last dim only, but a Linear on a 4-D feature map is almost always
      // a missing flatten: that fix first, the literal one as a note.
      std::string flatten = ctx.st.python
                                ? fmt::format(
                                      "add nn.Flatten() before {}, or x = torch.flatten(x, 1) in "
                                      "forward",
                                      ctx.name())
                                : fmt::format("flatten(1) before {}", ctx.name());
      ctx.error_at("in_features", message,
                   fmt::format("the input of {} is still {}-D {}: flatten it first ({}) and use {}",
                               ctx.name(), x.size(), to_string(x), flatten,
                               ctx.call_with("in_features", std::to_string(*per_sample))))
          .notes.push_back(fmt::format("or, to apply {} to the last dim only, use {}", ctx.name(),
                                       ctx.call_with("in_features", to_string(last))));
      return false;
    }
    std::string where = ctx.input_flattened_from
                            ? fmt::format(" ({} flattened)", to_string(*ctx.input_flattened_from))
                            : "";
    return ctx.fail_at("in_features", message,
                       fmt::format("{} receives {} features{}; use {}", ctx.name(), to_string(last),
                                   where, ctx.call_with("in_features", to_string(last))));
  }
  Shape s = x;
  s.back() = fixed(*out);
  ctx.set_output(s);
  if (!ctx.add_weight("weight", {*out, *in})) return false;
  if (*bias && !ctx.add_weight("bias", {*out})) return false;
  if (!ctx.add_macs({*rows, *in, *out})) return false;
  if (ctx.want_explain && ctx.input_flattened_from) {
    // The trailing dims of the pre-flatten shape that multiply up to in_features.
    const Shape& f = *ctx.input_flattened_from;
    std::string factors;
    int64_t product = 1;
    for (size_t i = f.size(); i-- > 0 && product < *in && !f[i].symbolic();) {
      auto next = checked_mul(product, f[i].value);
      if (!next) break;
      product = *next;
      factors = to_string(f[i]) + (factors.empty() ? "" : "*") + factors;
    }
    if (product == *in && factors.find('*') != std::string::npos)
      ctx.explain("in_features = {} = {}  (from {} flattened)", factors, *in, to_string(f));
  }
  if (ctx.want_explain)
    ctx.explain("params = {}*{}{} = {}", *out, *in, *bias ? fmt::format(" + {}", *out) : "",
                with_commas(ctx.layer.params));
  if (ctx.want_explain)
    ctx.explain("MACs = {}{}*{} = {}", *rows == 1 ? "" : fmt::format("{}*", *rows), *in, *out,
                with_commas(ctx.layer.macs));
  ctx.attrs.bias = *bias;
  return true;
}

}  // namespace netshape
