// Shape rules for ConvNd and ConvTransposeNd, and F.convNd of weight and bias tensors.
#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// Accepts [C, *spatial] (unbatched) or [N, C, *spatial]; returns the index of C.
std::optional<size_t> channel_axis(RuleContext& ctx, const char* fn) {
  size_t rank = ctx.x().size(), nd = static_cast<size_t>(ctx.nd());
  if (rank == nd + 1) return 0;
  if (rank == nd + 2) return 1;
  ctx.fail_input(
      fmt::format(
          "Expected {}D (unbatched) or {}D (batched) input to {}, but got input of size: {}",
          nd + 1, nd + 2, fn, shape_list(ctx.x())),
      fmt::format("{} takes [N, C, {}] or [C, {}]; check the layers before {}", ctx.op.name,
                  nd == 1   ? "L"
                  : nd == 2 ? "H, W"
                            : "D, H, W",
                  nd == 1   ? "L"
                  : nd == 2 ? "H, W"
                            : "D, H, W",
                  ctx.name()));
  return std::nullopt;
}

// The input's concrete spatial sizes (a symbolic spatial dim is not supported).
std::optional<IntList> spatial_sizes(RuleContext& ctx, size_t c_axis) {
  IntList sizes;
  for (size_t i = c_axis + 1; i < ctx.x().size(); ++i) {
    if (ctx.x()[i].symbolic()) {
      ctx.fail_input(
          fmt::format("{} needs concrete spatial sizes, got {}", ctx.op.name, to_string(ctx.x())),
          "only the batch dimension may be symbolic");
      return std::nullopt;
    }
    sizes.push_back(ctx.x()[i].value);
  }
  return sizes;
}

struct ConvArgs {
  int64_t in_c = 0, out_c = 0, groups = 1;
  IntList kernel, stride, padding, dilation;
  bool bias = true;
  bool same = false;
  PaddingMode padding_mode = PaddingMode::zeros;
};

bool read_padding(RuleContext& ctx, ConvArgs& a, size_t nd, bool transposed) {
  const Value& pad = ctx.value("padding");
  if (pad.kind == Value::Kind::String && !transposed) {
    if (pad.s != "same" && pad.s != "valid") {
      return ctx.fail_at_construction(
          "padding",
          fmt::format("Invalid padding string '{}', should be one of {{'same', 'valid'}}", pad.s),
          "use padding='same', padding='valid' or a number");
    }
    a.same = pad.s == "same";
    a.padding.assign(nd, 0);
    return true;
  }
  auto p = ctx.ints_arg("padding", nd, 0, RuleContext::IntsForm::cpp);
  if (!p) return false;
  a.padding = std::move(*p);
  return true;
}

std::optional<ConvArgs> read_conv_args(RuleContext& ctx, const Dim& c, bool transposed) {
  size_t nd = static_cast<size_t>(ctx.nd());
  ConvArgs a;
  auto in_c = ctx.size_or_inferred("in_channels", c);
  if (!in_c) return std::nullopt;
  a.in_c = *in_c;
  auto out_c = ctx.int_arg("out_channels", 1);
  if (!out_c) return std::nullopt;
  // groups of 0 or less (False is 0) are refused by the module's __init__; groups=True reaches
  // the C++ conv, whose argument parser takes no bool for an int
  const Value& g = ctx.value("groups");
  if ((g.kind == Value::Kind::Bool && !g.b) || (g.kind == Value::Kind::Int && g.i <= 0)) {
    ctx.fail_at_construction("groups", "groups must be a positive integer",
                             "write groups=1, or the number of groups");
    return std::nullopt;
  }
  auto groups = ctx.strict_int_arg("groups", 1, "write groups=1, or the number of groups");
  if (!groups) return std::nullopt;
  a.out_c = *out_c;
  a.groups = *groups;
  if (a.in_c % a.groups != 0) {
    ctx.fail_at_construction(
        "groups", "in_channels must be divisible by groups",
        fmt::format("in_channels={} is not a multiple of groups={}", a.in_c, a.groups));
    return std::nullopt;
  }
  if (a.out_c % a.groups != 0) {
    ctx.fail_at_construction(
        "groups", "out_channels must be divisible by groups",
        fmt::format("out_channels={} is not a multiple of groups={}", a.out_c, a.groups));
    return std::nullopt;
  }
  auto kernel = ctx.ints_arg("kernel_size", nd, 1, RuleContext::IntsForm::python);
  if (!kernel) return std::nullopt;
  auto stride = ctx.ints_arg("stride", nd, 1, RuleContext::IntsForm::cpp);
  if (!stride) return std::nullopt;
  auto dilation = ctx.ints_arg("dilation", nd, 1, RuleContext::IntsForm::cpp);
  if (!dilation || !read_padding(ctx, a, nd, transposed)) return std::nullopt;
  auto bias = ctx.flag_arg("bias");
  auto mode = bias ? ctx.string_arg("padding_mode") : std::nullopt;
  if (!mode) return std::nullopt;
  a.kernel = std::move(*kernel);
  a.stride = std::move(*stride);
  a.dilation = std::move(*dilation);
  a.bias = *bias;
  if (!check_kernel_extent(ctx, a.kernel, a.dilation)) return std::nullopt;
  if (transposed && *mode != "zeros") {
    ctx.fail_at_construction(
        "padding_mode", fmt::format("Only \"zeros\" padding mode is supported for {}", ctx.op.name),
        "remove padding_mode");
    return std::nullopt;
  }
  auto padding_mode = parse_padding_mode(*mode);
  if (!padding_mode) {
    ctx.fail_at_construction(
        "padding_mode",
        fmt::format("padding_mode must be one of {{'replicate', 'circular', 'reflect', "
                    "'zeros'}}, but got padding_mode='{}'",
                    *mode),
        "use padding_mode='zeros'");
    return std::nullopt;
  }
  a.padding_mode = *padding_mode;
  if (a.same) {
    for (size_t i = 0; i < nd; ++i) {
      if (a.stride[i] != 1) {
        IntList pads(nd);
        for (size_t j = 0; j < nd; ++j) pads[j] = a.dilation[j] * (a.kernel[j] - 1) / 2;
        bool uniform =
            std::all_of(pads.begin(), pads.end(), [&](int64_t p) { return p == pads[0]; });
        std::string p = uniform ? std::to_string(pads[0]) : "(" + join(pads, ", ") + ")";
        ctx.fail_at_construction("padding",
                                 "padding='same' is not supported for strided convolutions",
                                 fmt::format("use padding={} instead of 'same' with stride {}: {}",
                                             p, a.stride[i], ctx.call_with("padding", p)));
        return std::nullopt;
      }
    }
  }
  // Then __init__ makes the weight, torch.empty((out_channels, in_channels / groups, *kernel))
  // (a transposed conv's starts with in_channels), and the bias, torch.empty(out_channels).
  if (!ctx.check_leading_size(transposed ? "in_channels" : "out_channels", "empty", false) ||
      (a.bias && !ctx.check_leading_size("out_channels", "empty", true)))
    return std::nullopt;
  return a;
}

// What both convolution forwards read (padding is stored by each rule: conv and transposed
// conv pad differently).
// Takes the lists: the rule is done with them.
void store_conv_attrs(Attrs& at, ConvArgs&& a) {
  at.in_channels = a.in_c;
  at.out_channels = a.out_c;
  at.groups = a.groups;
  at.kernel_size = AttrInts(a.kernel);
  at.stride = AttrInts(a.stride);
  at.dilation = AttrInts(a.dilation);
  at.bias = a.bias;
}

// A dilated kernel larger than the padded input (its spatial sizes, and the kernel's extents).
bool fail_kernel_too_big(RuleContext& ctx, std::span<const int64_t> padded,
                         std::span<const int64_t> eff, const char* kernel) {
  return ctx.fail_too_small(
      fmt::format("Calculated padded input size per channel: ({}). Kernel size: ({}). Kernel size "
                  "can't be greater than actual input size",
                  join(padded, " x "), join(eff, " x ")),
      fmt::format("{} needs a padded input of at least {} but receives {}; use a larger input, "
                  "more padding, or a smaller {}",
                  ctx.name(), join(eff, "x"), join(padded, "x"), kernel));
}

// The input was joined by torch.cat along another dim than the channels' (`dim=2`, the height,
// where `dim=1` was meant): a note at that cat, where the fix belongs.
static void note_cat_along_other_dim(const RuleContext& ctx, size_t c_axis, Diagnostic& d) {
  const GraphNode* cat = ctx.input_producer(0);
  if (cat == nullptr || cat->op != OpId::cat) return;
  const auto& params = op_info(cat->op).params;
  for (size_t i = 0; i < params.size() && i < cat->bound_count(); ++i) {
    const Value* dim = params[i].name == "dim" ? cat->bound(i) : nullptr;
    if (dim == nullptr || dim->kind != Value::Kind::Int) continue;
    auto axis = wrap_dim(dim->i, static_cast<int64_t>(ctx.x().size()));
    if (axis && static_cast<size_t>(*axis) != c_axis)
      d.labels.push_back(Label{cat->statement->op_span,
                               fmt::format("this cat joins along dim {}: channels join along "
                                           "dim={}",
                                           *axis, c_axis)});
  }
}

bool check_in_channels(RuleContext& ctx, const ConvArgs& a, const Dim& c, size_t c_axis,
                       std::span<const int64_t> weight) {
  if (!c.symbolic() && c.value == a.in_c) return true;
  Shape batched = ctx.x();
  if (c_axis == 0) batched.insert(batched.begin(), fixed(1));
  std::string fix =
      c.symbolic()
          ? std::string("only the batch may be symbolic")
          : fmt::format("{} receives {} channels, so it needs in_channels={}; use {}", ctx.name(),
                        to_string(c), to_string(c), ctx.call_with("in_channels", to_string(c)));
  Diagnostic& d = ctx.error_at(
      "in_channels",
      fmt::format("Given groups={}, weight of size [{}], expected input{} to have {} channels, but "
                  "got {} channels instead",
                  a.groups, join(weight, ", "), shape_list(batched), a.in_c, to_string(c)),
      fix);
  prefer_transpose_fix(ctx, a.in_c, d);
  note_cat_along_other_dim(ctx, c_axis, d);
  return false;
}

void explain_conv(RuleContext& ctx, const ConvArgs& a, std::span<const int64_t> in,
                  std::span<const int64_t> out) {
  int nd = ctx.nd();
  for (int i = 0; i < nd; ++i) {
    size_t k = static_cast<size_t>(i);
    ctx.explain("{}_out = floor(({} + 2*{} - {}*({}-1) - 1)/{}) + 1 = {}",
                spatial_name(static_cast<size_t>(nd), k), in[k], a.padding[k], a.dilation[k],
                a.kernel[k], a.stride[k], out[k]);
  }
}

// reflect/circular padding as F.pad checks it, on the real per-side pads (for 'same' too): the
// last dim first, PyTorch's message for the first that fails.
bool check_mode_padding(RuleContext& ctx, const ConvArgs& a, std::span<const int64_t> in,
                        std::span<const int64_t> pad_begin, std::span<const int64_t> pad_end) {
  const Shape& x = ctx.x();
  size_t nd = in.size(), rank = x.size();
  auto fix = [&] {
    return fmt::format("use a smaller padding with padding_mode='{}'", name_of(a.padding_mode));
  };
  // F.pad's circular mode pads every dim after the first two: of an unbatched input one pair too
  // many (PyTorch 1.13 checks the count, whatever the pads)
  if (a.padding_mode == PaddingMode::circular && rank == nd + 1)
    return ctx.fail_input(
        fmt::format("Invalid padding size, expected {} but got {}", 2 * (nd - 1), 2 * nd),
        "give the input a batch dim (`x.unsqueeze(0)`), or use "
        "padding_mode='reflect' or 'replicate'");
  for (size_t i = nd; i-- > 0;) {
    int64_t b = pad_begin[i], e = pad_end[i];
    if (a.padding_mode == PaddingMode::circular && (b > in[i] || e > in[i]))
      return ctx.fail_at("padding", "Padding value causes wrapping around more than once.", fix());
    if (a.padding_mode == PaddingMode::reflect && (b >= in[i] || e >= in[i])) {
      // reflection_pad2d names the rank; the 1-D and 3-D kernels print the whole shape.
      std::string input = nd == 2 ? std::to_string(rank) : shape_list(x);
      return ctx.fail_at(
          "padding",
          fmt::format("Argument #{}: Padding size should be less than the corresponding input "
                      "dimension, but got: padding ({}, {}) at dimension {} of input {}",
                      4 + 2 * (nd - 1 - i), b, e, rank - nd + i, input),
          fix());
    }
  }
  return true;
}

// A convolution of an input with no elements runs only when its batch or its channels are
// empty (PyTorch's select_conv_backend): an empty spatial dim beside both is its error, the input
// shown batched, a 1-d one as the 2-d it runs as ([N, C, 1, L]).
bool check_empty_input(RuleContext& ctx, size_t c_axis) {
  Shape batched = ctx.x();
  if (c_axis == 0) batched.insert(batched.begin(), fixed(1));
  auto empty = [](const Dim& d) { return !d.symbolic() && d.value == 0; };
  if (empty(batched[0]) || empty(batched[1])) return true;
  if (std::none_of(batched.begin() + 2, batched.end(), empty)) return true;
  if (batched.size() == 3) batched.insert(batched.begin() + 2, fixed(1));
  return ctx.fail_input(
      fmt::format("Only zero batch or zero channel inputs are supported, but "
                  "got input shape: {}",
                  shape_list(batched)),
      fmt::format("{} has an empty dim: there is nothing to convolve", to_string(ctx.x())));
}

std::string product_text(std::span<const int64_t> v) {
  return join(v, "*");
}

// A transposed convolution's sizes as slow_conv_transpose's shape check words them: a 1-d one
// runs as a 2-d one of height `height` (1 for the sizes and the stride and dilation, 0 for the
// output padding), so its messages name both dims.
IntList seen_as_2d(std::span<const int64_t> v, int64_t height) {
  IntList out(v.begin(), v.end());
  if (out.size() == 1) out.insert(out.begin(), height);
  return out;
}

// The output padding must be below the stride or the dilation in every dim.
bool check_output_padding(RuleContext& ctx, const IntList& output_padding, const IntList& stride,
                          const IntList& dilation) {
  for (size_t i = 0; i < output_padding.size(); ++i) {
    if (output_padding[i] < stride[i] || output_padding[i] < dilation[i]) continue;
    static const char* const kAxes[2][3] = {{"height", "width"}, {"depth", "height", "width"}};
    const std::pair<const char*, IntList> seen[] = {
        {"output_padding", seen_as_2d(output_padding, 0)},
        {"stride", seen_as_2d(stride, 1)},
        {"dilation", seen_as_2d(dilation, 1)}};
    std::string got;
    for (const auto& [what, v] : seen)
      for (size_t j = 0; j < v.size(); ++j)
        got += fmt::format(" {}_{}: {}", what, kAxes[v.size() - 2][j], v[j]);
    return ctx.fail_at(
        "output_padding",
        fmt::format("output padding must be smaller than either stride or dilation, but got{}",
                    got),
        fmt::format("use output_padding={}", std::max(stride[i], dilation[i]) - 1));
  }
  return true;
}

// The output's spatial sizes, (in-1)s - 2p + d(k-1) + output_padding + 1 each; an overflow, or a
// size below 1 (PyTorch's "Output size is too small"), fails.
std::optional<IntList> conv_transpose_output(RuleContext& ctx, const IntList& in,
                                             const IntList& kernel, const IntList& stride,
                                             const IntList& padding, const IntList& dilation,
                                             const IntList& output_padding) {
  size_t nd = in.size();
  IntList out(nd);
  for (size_t i = 0; i < nd; ++i) {
    auto o = conv_transpose_output_size(in[i], kernel[i], stride[i], padding[i], dilation[i],
                                        output_padding[i]);
    if (!o) {
      bool stride_product = !((Checked(in[i]) - 1) * stride[i]).ok();
      ctx.fail_overflow(
          stride_product || stride[i] >= padding[i] ? "stride" : "padding",
          fmt::format("the output size ({}-1)*{} - 2*{} + {}*({}-1) + {} + 1", in[i], stride[i],
                      padding[i], dilation[i], kernel[i], output_padding[i]));
      return std::nullopt;
    }
    out[i] = *o;
  }
  if (std::any_of(out.begin(), out.end(), [](int64_t o) { return o <= 0; })) {
    ctx.fail_input(fmt::format("Given input size per channel: ({}). Calculated output size per "
                               "channel: ({}). Output size is too small",
                               join(seen_as_2d(in, 1), " x "), join(seen_as_2d(out, 1), " x ")),
                   "use less padding or a larger input");
    return std::nullopt;
  }
  return out;
}

void explain_conv_transpose(RuleContext& ctx, const ConvArgs& a, std::span<const int64_t> in,
                            std::span<const int64_t> output_padding, std::span<const int64_t> out,
                            int64_t batch) {
  size_t nd = in.size();
  for (size_t i = 0; i < nd; ++i) {
    ctx.explain("{}_out = ({}-1)*{} - 2*{} + {}*({}-1) + {} + 1 = {}", spatial_name(nd, i), in[i],
                a.stride[i], a.padding[i], a.dilation[i], a.kernel[i], output_padding[i], out[i]);
  }
  ctx.explain("params = {}*({}*{}){} = {}", a.in_c, a.out_c / a.groups, product_text(a.kernel),
              a.bias ? fmt::format(" + {}", a.out_c) : "", with_commas(ctx.layer.params));
  ctx.explain("MACs = {}*{}*{}*({}*{}) = {}", batch, a.in_c, product_text(in), a.out_c / a.groups,
              product_text(a.kernel), with_commas(ctx.layer.macs));
}

}  // namespace

// x: [N, C_in, *in] -> [N, C_out, *out]   out = floor((in + 2p - d(k-1) - 1)/s) + 1
bool infer_conv(RuleContext& ctx) {
  auto c_axis = channel_axis(ctx, ctx.op.name == "Conv1d"   ? "conv1d"
                                  : ctx.op.name == "Conv2d" ? "conv2d"
                                                            : "conv3d");
  if (!c_axis) return false;
  const Dim& c = ctx.x()[*c_axis];
  auto a = read_conv_args(ctx, c, false);
  if (!a) return false;
  IntList weight = {a->out_c, a->in_c / a->groups};
  weight.insert(weight.end(), a->kernel.begin(), a->kernel.end());
  if (!check_in_channels(ctx, *a, c, *c_axis, weight)) return false;
  auto in = spatial_sizes(ctx, *c_axis);
  if (!in) return false;
  size_t nd = in->size();
  IntList out(nd), padded(nd), eff(nd), pad_begin(nd), pad_end(nd);
  for (size_t i = 0; i < nd; ++i) {
    eff[i] = *effective_kernel_size(a->kernel[i], a->dilation[i]);  // checked by read_conv_args
    if (a->same) {  // total padding d(k-1), the extra one on the right (PyTorch's _conv_forward)
      int64_t total = eff[i] - 1;
      pad_begin[i] = total / 2;
      pad_end[i] = total - total / 2;
    } else {
      pad_begin[i] = pad_end[i] = a->padding[i];
    }
    auto p = padded_size((*in)[i], pad_begin[i], pad_end[i]);
    if (!p) return fail_padded_overflow(ctx, (*in)[i], pad_begin[i], pad_end[i]);
    padded[i] = *p;
  }
  // A padding mode other than zeros pads first (F.pad), so its errors come before the conv's.
  bool reflect_or_replicate =
      a->padding_mode == PaddingMode::reflect || a->padding_mode == PaddingMode::replicate;
  if (reflect_or_replicate && !check_padded_dims_nonempty(ctx, a->padding_mode, nd)) return false;
  if (a->padding_mode != PaddingMode::zeros &&
      !check_mode_padding(ctx, *a, *in, pad_begin, pad_end))
    return false;
  for (size_t i = 0; i < nd; ++i) {
    if (padded[i] < eff[i]) return fail_kernel_too_big(ctx, padded, eff, "kernel_size");
    // Cannot overflow: padded and eff fit, and padded >= eff.
    out[i] = a->same ? (*in)[i]
                     : *conv_output_size((*in)[i], a->kernel[i], a->stride[i], a->padding[i],
                                         a->dilation[i]);
  }
  if (!check_empty_input(ctx, *c_axis)) return false;
  Shape s = ctx.x();
  s[*c_axis] = fixed(a->out_c);
  for (size_t i = 0; i < nd; ++i) s[*c_axis + 1 + i] = fixed(out[i]);
  ctx.set_output(s);
  if (!ctx.add_weight("weight", weight)) return false;
  if (a->bias && !ctx.add_weight("bias", {a->out_c})) return false;
  auto batch = ctx.leading_count(s, nd + 1);
  if (!batch) return false;
  IntList macs = {*batch, a->out_c};
  macs.insert(macs.end(), out.begin(), out.end());
  macs.push_back(a->in_c / a->groups);
  macs.insert(macs.end(), a->kernel.begin(), a->kernel.end());
  if (!ctx.add_macs(macs)) return false;
  if (ctx.want_explain) explain_conv(ctx, *a, *in, out);
  if (ctx.want_explain)
    ctx.explain("params = {}*({}*{}){} = {}", a->out_c, a->in_c / a->groups,
                product_text(a->kernel), a->bias ? fmt::format(" + {}", a->out_c) : "",
                with_commas(ctx.layer.params));
  if (ctx.want_explain)
    ctx.explain("MACs = {}{}*{}*({}*{}) = {}", *batch == 1 ? "" : fmt::format("{}*", *batch),
                a->out_c, product_text(out), a->in_c / a->groups, product_text(a->kernel),
                with_commas(ctx.layer.macs));
  auto& at = ctx.attrs;
  at.padding_mode = a->padding_mode;
  store_conv_attrs(at, std::move(*a));
  at.pad_begin = AttrInts(pad_begin);
  at.pad_end = AttrInts(pad_end);
  return true;
}

// x: [N, C_in, *in] -> [N, C_out, *out]   out = (in-1)s - 2p + d(k-1) + output_padding + 1
bool infer_conv_transpose(RuleContext& ctx) {
  auto c_axis = channel_axis(ctx, ctx.op.name == "ConvTranspose1d"   ? "conv_transpose1d"
                                  : ctx.op.name == "ConvTranspose2d" ? "conv_transpose2d"
                                                                     : "conv_transpose3d");
  if (!c_axis) return false;
  const Dim& c = ctx.x()[*c_axis];
  if (ctx.value("padding").kind == Value::Kind::String) {
    return ctx.fail_at("padding",
                       fmt::format("{} does not support string padding ('{}')", ctx.op.name,
                                   ctx.value("padding").s),
                       "give the padding as a number");
  }
  auto a = read_conv_args(ctx, c, true);
  if (!a) return false;
  size_t nd = static_cast<size_t>(ctx.nd());
  auto output_padding = ctx.ints_arg("output_padding", nd, 0, RuleContext::IntsForm::cpp);
  if (!output_padding) return false;
  IntList weight = {a->in_c, a->out_c / a->groups};
  weight.insert(weight.end(), a->kernel.begin(), a->kernel.end());
  if (!c.symbolic() && c.value != a->in_c) {
    Shape batched = ctx.x();
    if (*c_axis == 0) batched.insert(batched.begin(), fixed(1));
    return ctx.fail_at("in_channels",
                       fmt::format("Given transposed=1, weight of size [{}], expected input{} to "
                                   "have {} channels, but got {} channels instead",
                                   join(weight, ", "), shape_list(batched), a->in_c, c.value),
                       fmt::format("{} receives {} channels; use {}", ctx.name(), c.value,
                                   ctx.call_with("in_channels", std::to_string(c.value))));
  }
  if (!check_output_padding(ctx, *output_padding, a->stride, a->dilation)) return false;
  auto in = spatial_sizes(ctx, *c_axis);
  if (!in) return false;
  auto outs = conv_transpose_output(ctx, *in, a->kernel, a->stride, a->padding, a->dilation,
                                    *output_padding);
  if (!outs) return false;
  const IntList& out = *outs;
  if (!check_empty_input(ctx, *c_axis)) return false;
  Shape s = ctx.x();
  s[*c_axis] = fixed(a->out_c);
  for (size_t i = 0; i < nd; ++i) s[*c_axis + 1 + i] = fixed(out[i]);
  ctx.set_output(s);
  if (!ctx.add_weight("weight", weight)) return false;
  if (a->bias && !ctx.add_weight("bias", {a->out_c})) return false;
  auto batch = ctx.leading_count(s, nd + 1);
  if (!batch) return false;
  IntList macs = {*batch, a->in_c};
  macs.insert(macs.end(), in->begin(), in->end());
  macs.push_back(a->out_c / a->groups);
  macs.insert(macs.end(), a->kernel.begin(), a->kernel.end());
  if (!ctx.add_macs(macs)) return false;
  if (ctx.want_explain) explain_conv_transpose(ctx, *a, *in, *output_padding, out, *batch);
  auto& at = ctx.attrs;
  at.padding = AttrInts(a->padding);
  at.output_padding = AttrInts(*output_padding);
  store_conv_attrs(at, std::move(*a));
  return true;
}

}  // namespace netshape

namespace netshape {
namespace {

// A stride, padding or dilation of F.convNd as its argument parser reads it: an int stands for
// every spatial dim of the op, a tuple or list stays as written (one value is expanded later, as
// _convolution expands it).
std::optional<IntList> conv_list_arg(RuleContext& ctx, std::string_view param) {
  const Value& v = ctx.value(param);
  IntList out;
  if (v.kind == Value::Kind::Int) {
    out.assign(static_cast<size_t>(ctx.nd()), v.i);
    return out;
  }
  // inside a sequence a bool is an int, as Python's argument parser reads it
  auto integer = [](const Value& i) {
    return i.kind == Value::Kind::Int || i.kind == Value::Kind::Bool;
  };
  bool ints = v.is_sequence() && std::all_of(v.items.begin(), v.items.end(), integer);
  if (!ints) {
    ctx.fail_at(param,
                fmt::format("{}(): argument '{}' must be an int or a tuple of ints, not {}",
                            ctx.op.name, param, kind_name(v)),
                fmt::format("write {}=1 or {}=(1, 1)", param, param));
    return std::nullopt;
  }
  for (const Value& i : v.items) out.push_back(i.kind == Value::Kind::Bool ? int64_t{i.b} : i.i);
  return out;
}

// _convolution's expand_param_if_needed: one value stands for every dim, else one per dim.
std::optional<IntList> expanded(RuleContext& ctx, std::string_view param, IntList list,
                                size_t dims) {
  if (list.size() == 1) {
    int64_t v = list[0];
    list.assign(dims, v);
  }
  if (list.size() == dims) return list;
  ctx.fail_at(param,
              fmt::format("expected {} to be a single integer value or a list of {} values to "
                          "match the convolution dimensions, but got {}=[{}]",
                          param, dims, param, join(list, ", ")),
              fmt::format("give {} {} values, one per spatial dim of the weight", param, dims));
  return std::nullopt;
}

// The weight's sizes, concrete (a parameter's are).
std::optional<IntList> weight_sizes(RuleContext& ctx, const Shape& w) {
  IntList sizes;
  for (const Dim& d : w) {
    if (d.symbolic()) {
      ctx.fail_input_unsupported(
          fmt::format("{} with a weight of symbolic size {}", ctx.op.name, to_string(w)),
          "give the weight concrete sizes");
      return std::nullopt;
    }
    sizes.push_back(d.value);
  }
  return sizes;
}

// F.conv's 'same' padding (_convolution_mode): the weight's rank first, then stride 1; the total
// padding d(k-1) per dim, the extra one on the right, as the layer's.
bool same_padding(RuleContext& ctx, const IntList& w, size_t rank, const IntList& stride,
                  const IntList& dilation, IntList& begin, IntList& end) {
  size_t dims = w.size() - 2;
  if (w.size() != rank) {
    Shape x = ctx.x();
    if (rank != x.size()) x.insert(x.begin(), fixed(1));
    return ctx.fail_input(
        fmt::format("Expected {}-dimensional input for {}-dimensional weight[{}], but got "
                    "{}-dimensional input of size {} instead",
                    w.size(), w.size(), join(w, ", "), rank, shape_list(x)),
        fmt::format("{} takes a weight of {} dims for this input", ctx.op.name, rank));
  }
  for (const auto* list : {&stride, &dilation}) {
    if (list->size() != dims && list->size() != 1)
      return ctx.fail_at(list == &stride ? "stride" : "dilation",
                         fmt::format("{} cannot broadcast to {} dimensions",
                                     list == &stride ? "stride" : "dilation", dims),
                         "give one value per spatial dim");
  }
  if (std::any_of(stride.begin(), stride.end(), [](int64_t s) { return s != 1; }))
    return ctx.fail_at("stride", "padding='same' is not supported for strided convolutions",
                       "give the padding as a number with a stride other than 1");
  begin.assign(dims, 0);
  end.assign(dims, 0);
  for (size_t i = 0; i < dims; ++i) {
    int64_t d = dilation.size() == 1 ? dilation[0] : dilation[i];
    auto total = Checked(d) * (w[i + 2] - 1);
    if (!total.ok()) return ctx.fail_overflow("dilation", "the padding d*(k-1)");
    begin[i] = *total.get() / 2;
    end[i] = *total.get() - begin[i];
  }
  return true;
}

// check_shape_forward's checks of the weight against the input's rank, then against the groups
// (the weight's dim 0: a convolution's `output` channels, a transposed one's `input` channels).
bool check_weight_groups(RuleContext& ctx, const IntList& w, const Shape& batched, int64_t groups,
                         const char* dim0_channels) {
  if (w.size() != batched.size()) {
    return ctx.fail_input(
        fmt::format("Expected {}-dimensional input for {}-dimensional weight [{}], but got "
                    "{}-dimensional input of size {} instead",
                    w.size(), w.size(), join(w, ", "), batched.size(), shape_list(batched)),
        fmt::format("{} takes a weight of {} dims for this input", ctx.op.name, batched.size()));
  }
  if (w[0] < groups)
    return ctx.fail_at("groups",
                       fmt::format("Given groups={}, expected weight to be at least {} at "
                                   "dimension 0, but got weight of size [{}] instead",
                                   groups, groups, join(w, ", ")),
                       fmt::format("give the weight at least groups {} channels", dim0_channels));
  if (w[0] % groups != 0)
    return ctx.fail_at(
        "groups",
        fmt::format("Given groups={}, expected weight to be divisible by {} at "
                    "dimension 0, but got weight of size [[{}]] instead",
                    groups, groups, join(w, ", ")),
        fmt::format("give the weight a multiple of {} {} channels", groups, dim0_channels));
  return true;
}

// _convolution's check_shape_forward, in its order, after the arguments' own checks.
bool check_conv_shapes(RuleContext& ctx, const IntList& w, const Shape& batched, int64_t groups,
                       const IntList& padding, const IntList& stride, const IntList& dilation) {
  auto any_below = [](const IntList& v, int64_t least) {
    return std::any_of(v.begin(), v.end(), [&](int64_t x) { return x < least; });
  };
  if (any_below(padding, 0))
    return ctx.fail_at("padding", "negative padding is not supported", "use padding >= 0");
  if (any_below(stride, 1))
    return ctx.fail_at("stride", "non-positive stride is not supported", "use stride >= 1");
  if (any_below(dilation, 1))  // oneDNN's message, or PyTorch's own kernel's: its choice
    return ctx.fail_unsupported("dilation",
                                fmt::format("{} with a dilation below 1: PyTorch refuses it with "
                                            "a message that depends on its CPU backend",
                                            ctx.op.name),
                                "use dilation >= 1");
  if (!check_weight_groups(ctx, w, batched, groups, "output")) return false;
  const Dim& c = batched[1];
  auto channels = Checked(w[1]) * groups;
  if (c.symbolic() || !channels.ok() || c.value != *channels.get()) {
    std::string fix = c.symbolic() ? std::string("only the batch may be symbolic")
                                   : fmt::format(
                                         "the input has {} channels: give the weight {} "
                                         "input channels per group",
                                         to_string(c), to_string(c));
    return ctx.fail_input(
        fmt::format("Given groups={}, weight of size [{}], expected input{} to "
                    "have {} channels, but got {} channels instead",
                    groups, join(w, ", "), shape_list(batched),
                    channels.ok() ? std::to_string(*channels.get()) : "more", to_string(c)),
        fix);
  }
  if (ctx.in().size() > 2) {
    const Shape& b = ctx.in()[2];
    if (b.size() != 1 || b[0].symbolic() || b[0].value != w[0])
      return ctx.fail_input(fmt::format("Given weight of size [{}], expected bias to be "
                                        "1-dimensional with {} elements, but got bias of size {} "
                                        "instead",
                                        join(w, ", "), w[0], to_string(b)),
                            fmt::format("give the bias {} elements, the weight's rows", w[0]));
  }
  return true;
}

// The spatial sizes after padding, checked against the dilated kernel ("Kernel size can't be
// greater than actual input size"); the output's spatial sizes.
std::optional<IntList> conv_output(RuleContext& ctx, const IntList& in, const IntList& w,
                                   const IntList& begin, const IntList& end, const IntList& stride,
                                   const IntList& dilation) {
  size_t dims = in.size();
  IntList padded(dims), eff(dims), out(dims);
  for (size_t i = 0; i < dims; ++i) {
    if (w[i + 2] == 0) {  // oneDNN refuses it ("could not create a descriptor")
      ctx.fail_input_unsupported(
          fmt::format("{} with a kernel of size 0 ({})", ctx.op.name, join(w, ", ")),
          "give the kernel at least one element per dim");
      return std::nullopt;
    }
    auto e = effective_kernel_size(w[i + 2], dilation[i]);
    auto p = padded_size(in[i], begin[i], end[i]);
    if (!e || !p) {
      ctx.fail_overflow(e ? "padding" : "dilation", "the padded input or the dilated kernel");
      return std::nullopt;
    }
    eff[i] = *e;
    padded[i] = *p;
  }
  for (size_t i = 0; i < dims; ++i) {
    if (padded[i] < eff[i]) {
      fail_kernel_too_big(ctx, padded, eff, "kernel");
      return std::nullopt;
    }
    // the input padded already: no more padding. Cannot overflow: padded >= eff.
    out[i] = *conv_output_size(padded[i], w[i + 2], stride[i], 0, dilation[i]);
  }
  return out;
}

// A functional convolution's output, its channels at `c_axis` and `out` after them, and its MACs:
// each of the weight's elements [w0, *rest] meets each position of `grid` (the output's for a
// convolution, the input's for a transposed one) once per batch element.
bool set_functional_conv_output(RuleContext& ctx, size_t c_axis, int64_t channels,
                                const IntList& out, const IntList& w, const IntList& grid) {
  size_t nd = out.size();
  Shape s = ctx.x();
  s[c_axis] = fixed(channels);
  for (size_t i = 0; i < nd; ++i) s[c_axis + 1 + i] = fixed(out[i]);
  ctx.set_output(s);
  auto batch = ctx.leading_count(s, nd + 1);
  if (!batch) return false;
  IntList macs = {*batch, w[0]};
  macs.insert(macs.end(), grid.begin(), grid.end());
  macs.insert(macs.end(), w.begin() + 1, w.end());
  if (!ctx.add_macs(macs)) return false;
  if (ctx.want_explain)
    ctx.explain("MACs = {}{}*{}*({}) = {} (the weight's params are counted where it is made)",
                *batch == 1 ? "" : fmt::format("{}*", *batch), w[0], product_text(grid),
                product_text(IntList(w.begin() + 1, w.end())), with_commas(ctx.layer.macs));
  return true;
}

}  // namespace

// x: [N, C, *in], weight: [K, C/groups, *k], bias: [K] -> [N, K, *out]
//   out = floor((in + 2p - d(k-1) - 1)/s) + 1, as the layer's; PyTorch's checks in its order
bool infer_conv_functional(RuleContext& ctx) {
  if (ctx.in().size() < 2 || ctx.in().size() > 3)  // lowering explains a missing weight
    return ctx.fail_input(
        fmt::format("{}() takes an input, a weight and an optional bias", ctx.op.name),
        fmt::format("write {}(x, weight, bias)", ctx.op.name));
  const Value& pad = ctx.value("padding");
  auto c_axis = channel_axis(ctx, ctx.op.name.data());
  if (!c_axis) return false;
  Shape batched = ctx.x();
  if (*c_axis == 0) batched.insert(batched.begin(), fixed(1));
  bool same = pad.kind == Value::Kind::String && pad.s == "same";
  if (pad.kind == Value::Kind::String && !same && pad.s != "valid")
    return ctx.fail_at("padding", fmt::format("Invalid padding string: '{}'", pad.s),
                       "use padding='same', padding='valid' or a number");
  const Shape& weight_shape = ctx.in()[1];
  if (weight_shape.size() < 3)
    return ctx.fail_input(
        "weight should have at least three dimensions",
        fmt::format("{}'s weight is [out_channels, in_channels/groups, *kernel]", ctx.op.name));
  auto w = weight_sizes(ctx, weight_shape);
  auto stride = w ? conv_list_arg(ctx, "stride") : std::nullopt;
  auto dilation = stride ? conv_list_arg(ctx, "dilation") : std::nullopt;
  if (!dilation) return false;
  IntList begin, end;
  if (same && !same_padding(ctx, *w, batched.size(), *stride, *dilation, begin, end)) return false;
  auto groups = ctx.value("groups");
  if (groups.kind != Value::Kind::Int)
    return ctx.fail_at("groups",
                       fmt::format("{}(): argument 'groups' must be an int, not {}", ctx.op.name,
                                   kind_name(groups)),
                       "write groups=1");
  if (groups.i <= 0)
    return ctx.fail_at("groups", "non-positive groups is not supported", "use groups >= 1");
  size_t dims = w->size() - 2;
  std::optional<IntList> padding;
  if (pad.kind == Value::Kind::String) {
    padding = IntList(dims, 0);
    if (same)
      for (size_t i = 0; i < dims; ++i) (*padding)[i] = begin[i];
  } else {
    padding = conv_list_arg(ctx, "padding");
  }
  if (!padding) return false;
  stride = expanded(ctx, "stride", std::move(*stride), dims);
  padding = stride ? expanded(ctx, "padding", std::move(*padding), dims) : std::nullopt;
  dilation = padding ? expanded(ctx, "dilation", std::move(*dilation), dims) : std::nullopt;
  if (!dilation || !check_conv_shapes(ctx, *w, batched, groups.i, *padding, *stride, *dilation))
    return false;
  if (!same) {
    begin = *padding;
    end = *padding;
  }
  auto in = spatial_sizes(ctx, *c_axis);
  if (!in) return false;
  // 'same' pads the input by the extra one first (F.pad), so both sides count
  auto out = conv_output(ctx, *in, *w, begin, end, *stride, *dilation);
  if (!out) return false;
  if (!set_functional_conv_output(ctx, *c_axis, (*w)[0], *out, *w, *out)) return false;
  auto& at = ctx.attrs;
  at.in_channels = batched[1].value;
  at.out_channels = (*w)[0];
  at.groups = groups.i;
  at.kernel_size = AttrInts(IntList(w->begin() + 2, w->end()));
  at.stride = AttrInts(*stride);
  at.dilation = AttrInts(*dilation);
  at.bias = ctx.in().size() > 2;
  at.padding_mode = PaddingMode::zeros;
  at.pad_begin = AttrInts(begin);
  at.pad_end = AttrInts(end);
  return true;
}

namespace {

// _convolution's check_shape_forward for a transposed weight [C_in, C_out/groups, *k], in its
// order: the signs of the lists, the ranks, the groups, the input's channels, the bias.
bool check_transposed_shapes(RuleContext& ctx, const IntList& w, const Shape& batched,
                             int64_t groups, const IntList& padding, const IntList& output_padding,
                             const IntList& stride) {
  auto any_below = [](const IntList& v, int64_t least) {
    return std::any_of(v.begin(), v.end(), [&](int64_t x) { return x < least; });
  };
  if (any_below(padding, 0))
    return ctx.fail_at("padding", "negative padding is not supported", "use padding >= 0");
  if (any_below(output_padding, 0))
    return ctx.fail_at("output_padding", "negative output_padding is not supported",
                       "use output_padding >= 0");
  if (any_below(stride, 1))
    return ctx.fail_at("stride", "non-positive stride is not supported", "use stride >= 1");
  if (!check_weight_groups(ctx, w, batched, groups, "input")) return false;
  const Dim& c = batched[1];
  if (c.symbolic() || c.value != w[0]) {
    return ctx.fail_input(
        fmt::format("Given transposed=1, weight of size [{}], expected input{} to have {} "
                    "channels, but got {} channels instead",
                    join(w, ", "), shape_list(batched), w[0], to_string(c)),
        c.symbolic() ? std::string("only the batch may be symbolic")
                     : fmt::format("the input has {} channels: give the weight {} rows (its dim "
                                   "0 is the input's channels)",
                                   to_string(c), to_string(c)));
  }
  std::optional<int64_t> out_c = (Checked(w[1]) * groups).get();
  if (!out_c) return ctx.fail_overflow("groups", "the output channels");
  if (ctx.in().size() > 2) {
    const Shape& b = ctx.in()[2];
    if (b.size() != 1 || b[0].symbolic() || b[0].value != *out_c)
      return ctx.fail_input(
          fmt::format("Given transposed=1, weight of size [{}], expected bias "
                      "to be 1-dimensional with {} elements, but got bias of "
                      "size {} instead",
                      join(w, ", "), *out_c, to_string(b)),
          fmt::format("give the bias {} elements, the output's channels", *out_c));
  }
  return true;
}

// What the CPU kernel of a transposed convolution checks with a wording of its own (a kernel or
// an output channel count of 0, a dilation below 1): refused, not guessed.
bool check_transposed_kernel(RuleContext& ctx, const IntList& w, const IntList& dilation) {
  bool empty = std::any_of(w.begin() + 1, w.end(), [](int64_t k) { return k == 0; });
  if (empty)
    return ctx.fail_input_unsupported(
        fmt::format("{} with a weight of size [{}]", ctx.op.name, join(w, ", ")),
        "give the weight at least one output channel and one element per kernel dim");
  if (std::any_of(dilation.begin(), dilation.end(), [](int64_t d) { return d < 1; }))
    return ctx.fail_unsupported("dilation",
                                fmt::format("{} with a dilation below 1: PyTorch refuses it with "
                                            "a message of its CPU kernel",
                                            ctx.op.name),
                                "use dilation >= 1");
  return true;
}

}  // namespace

// x: [N, C_in, *in], weight: [C_in, C_out/groups, *k], bias: [C_out] -> [N, C_out, *out]
//   out = (in-1)s - 2p + d(k-1) + output_padding + 1, as the layer's; PyTorch's checks in order
bool infer_conv_transpose_functional(RuleContext& ctx) {
  if (ctx.in().size() < 2 || ctx.in().size() > 3)  // lowering explains a missing weight
    return ctx.fail_input(
        fmt::format("{}() takes an input, a weight and an optional bias", ctx.op.name),
        fmt::format("write {}(x, weight, bias)", ctx.op.name));
  auto c_axis = channel_axis(ctx, ctx.op.name.data());
  if (!c_axis) return false;
  Shape batched = ctx.x();
  if (*c_axis == 0) batched.insert(batched.begin(), fixed(1));
  const Shape& weight_shape = ctx.in()[1];
  if (weight_shape.size() < 3)
    return ctx.fail_input(
        "weight should have at least three dimensions",
        fmt::format("{}'s weight is [in_channels, out_channels/groups, *kernel]", ctx.op.name));
  auto w = weight_sizes(ctx, weight_shape);
  if (!w) return false;
  // an int stands for every dim of the op; the lists are expanded in _convolution's order
  std::optional<IntList> lists[4];
  const char* const kLists[4] = {"stride", "padding", "dilation", "output_padding"};
  size_t dims = w->size() - 2;
  for (size_t i = 0; i < 4; ++i) {
    lists[i] = conv_list_arg(ctx, kLists[i]);
    if (!lists[i]) return false;
  }
  for (size_t i = 0; i < 4; ++i) {
    lists[i] = expanded(ctx, kLists[i], std::move(*lists[i]), dims);
    if (!lists[i]) return false;
  }
  const IntList &stride = *lists[0], &padding = *lists[1], &dilation = *lists[2],
                &output_padding = *lists[3];
  auto groups = ctx.value("groups");
  if (groups.kind != Value::Kind::Int)
    return ctx.fail_at(
        "groups",
        fmt::format("{}(): argument 'groups' must be int, not {}", ctx.op.name, kind_name(groups)),
        "write groups=1");
  if (groups.i <= 0)
    return ctx.fail_at("groups", "non-positive groups is not supported", "use groups >= 1");
  if (!check_transposed_shapes(ctx, *w, batched, groups.i, padding, output_padding, stride) ||
      !check_transposed_kernel(ctx, *w, dilation) ||
      !check_output_padding(ctx, output_padding, stride, dilation))
    return false;
  auto in = spatial_sizes(ctx, *c_axis);
  if (!in) return false;
  IntList kernel(w->begin() + 2, w->end());
  auto out = conv_transpose_output(ctx, *in, kernel, stride, padding, dilation, output_padding);
  if (!out || !check_empty_input(ctx, *c_axis)) return false;
  int64_t out_c = (*w)[1] * groups.i;  // checked above
  if (!set_functional_conv_output(ctx, *c_axis, out_c, *out, *w, *in)) return false;
  auto& at = ctx.attrs;
  at.in_channels = (*w)[0];
  at.out_channels = out_c;
  at.groups = groups.i;
  at.kernel_size = AttrInts(kernel);
  at.stride = AttrInts(stride);
  at.padding = AttrInts(padding);
  at.output_padding = AttrInts(output_padding);
  at.dilation = AttrInts(dilation);
  at.bias = ctx.in().size() > 2;
  at.padding_mode = PaddingMode::zeros;
  return true;
}

}  // namespace netshape
