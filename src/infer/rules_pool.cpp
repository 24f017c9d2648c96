// Shape rules for max/avg pooling and adaptive pooling.
#include <algorithm>
#include <cstdint>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {

std::optional<std::string> adaptive_pool_empty_dim(const Shape& x, const AttrInts& out, bool avg) {
  const size_t nd = out.size();
  if (avg && std::all_of(out.begin(), out.end(), [](int64_t o) { return o == 1; }))
    return std::nullopt;
  Shape pooled = x;
  if (nd == 1) pooled.insert(pooled.end() - 1, fixed(1));
  // adaptive_avg_pool2d checks only the two dims it pools; the others every dim but the batch
  const size_t first = avg && nd < 3 ? pooled.size() - 2 : 1;
  for (size_t i = first; i < pooled.size(); ++i) {
    if (pooled[i].symbolic() || pooled[i].value != 0) continue;
    return fmt::format(
        "adaptive_{}_pool{}d(): Expected input to have non-zero size for non-batch dimensions, "
        "but input has sizes {} with dimension {} being empty",
        avg ? "avg" : "max", nd == 3 ? 3 : 2, to_string(pooled), i);
  }
  return std::nullopt;
}

namespace {

// Pooling takes [C, *spatial] or [N, C, *spatial]; returns the index of the first spatial dim.
std::optional<size_t> first_spatial_axis(RuleContext& ctx) {
  size_t rank = ctx.x().size(), nd = static_cast<size_t>(ctx.nd());
  if (rank == nd + 1 || rank == nd + 2) {
    for (size_t i = rank - nd; i < rank; ++i) {
      if (ctx.x()[i].symbolic()) {
        ctx.fail_input(
            fmt::format("{} needs concrete spatial sizes, got {}", ctx.op.name, to_string(ctx.x())),
            "only the batch dimension may be symbolic");
        return std::nullopt;
      }
    }
    return rank - nd;
  }
  ctx.fail_input(fmt::format("non-empty {}D or {}D (batch mode) tensor expected for input, got {}",
                             nd + 1, nd + 2, to_string(ctx.x())),
                 fmt::format("{} pools [N, C, {}] or [C, {}]", ctx.op.name,
                             nd == 1   ? "L"
                             : nd == 2 ? "H, W"
                                       : "D, H, W",
                             nd == 1   ? "L"
                             : nd == 2 ? "H, W"
                                       : "D, H, W"));
  return std::nullopt;
}

struct PoolArgs {
  IntList kernel, stride, padding, dilation;
  bool ceil_mode = false;
};

std::optional<PoolArgs> read_pool_args(RuleContext& ctx, bool has_dilation) {
  size_t nd = static_cast<size_t>(ctx.nd());
  PoolArgs a;
  auto kernel = ctx.ints_arg("kernel_size", nd, 0, RuleContext::IntsForm::cpp);
  if (!kernel) return std::nullopt;
  a.kernel = std::move(*kernel);
  const Value& stride = ctx.value("stride");
  if (ctx.is_none("stride") || (stride.is_sequence() && stride.items.empty())) {
    a.stride = a.kernel;  // PyTorch: stride=None (or an empty list, in C++) means kernel_size
  } else {
    auto s = ctx.ints_arg("stride", nd, 0, RuleContext::IntsForm::cpp);
    if (!s) return std::nullopt;
    a.stride = std::move(*s);
  }
  for (size_t i = 0; i < nd; ++i) {
    if (a.stride[i] == 0) {
      ctx.fail_at(ctx.is_given("stride") ? "stride" : "kernel_size", "stride should not be zero",
                  "use stride=1 or more");
      return std::nullopt;
    }
    if (a.kernel[i] == 0) {
      ctx.fail_at("kernel_size", "kernel size should be greater than zero", "use kernel_size=2");
      return std::nullopt;
    }
  }
  // PyTorch's kernels for 2-d and 3-d pooling (and avg_pool1d, which is avg_pool2d) narrow the
  // stride to a 32-bit int: larger is "integer out of range", or a stride wrapped to another
  // value. (A kernel that large is larger than any input: that error comes first.) max_pool1d
  // keeps 64 bits when its input does not require grad, and runs the 2-d kernel when it does;
  // netshape follows the first.
  bool narrowed = (nd >= 2 || !has_dilation) && ctx.is_given("stride");
  for (size_t i = 0; i < nd && narrowed; ++i) {
    if (a.stride[i] > INT32_MAX) {
      ctx.fail_at(
          "stride",
          fmt::format("integer out of range: PyTorch's {} takes a stride below 2^31, got {}",
                      ctx.op.name, a.stride[i]),
          "use a smaller stride");
      return std::nullopt;
    }
  }
  auto padding = ctx.ints_arg("padding", nd, 0, RuleContext::IntsForm::cpp);
  if (!padding) return std::nullopt;
  a.padding = std::move(*padding);
  if (has_dilation) {
    auto d = ctx.ints_arg("dilation", nd, 1, RuleContext::IntsForm::cpp);
    if (!d) return std::nullopt;
    a.dilation = std::move(*d);
  } else {
    a.dilation.assign(nd, 1);
  }
  auto ceil_mode = ctx.strict_bool_arg("ceil_mode");
  if (!ceil_mode) return std::nullopt;
  a.ceil_mode = *ceil_mode;
  if (!check_kernel_extent(ctx, a.kernel, a.dilation)) return std::nullopt;
  for (size_t i = 0; i < nd; ++i) {
    if (a.padding[i] > a.kernel[i] / 2) {
      std::string fix = a.kernel[i] / 2 == 0
                            ? "use padding=0"
                            : fmt::format("use padding={} or less", a.kernel[i] / 2);
      ctx.fail_at(
          "padding",
          fmt::format(
              "pad should be at most half of kernel size, but got pad={} and kernel_size={}",
              a.padding[i], a.kernel[i]),
          fix);
      return std::nullopt;
    }
  }
  return a;
}

// The pooling kernels refuse an input with an empty dim other than the batch (unbatched: any
// dim), before they look at its sizes: pool2d_shape_check for the 1-d and 2-d pools (avg_pool1d
// pools its input unsqueezed to 2-d; max_pool1d, without gradients, checks in its own words),
// max_pool3d's and avg_pool3d's own check (which names the empty dim's length, 0, as PyTorch
// 1.13 does). `axis` is the first spatial dim.
bool check_pooled_dims_nonempty(RuleContext& ctx, size_t axis) {
  const Shape& x = ctx.x();
  const size_t nd = static_cast<size_t>(ctx.nd());
  const bool max = ctx.op.family == Family::max_pool;
  for (size_t i = axis - 1; i < x.size(); ++i) {
    if (x[i].symbolic() || x[i].value != 0) continue;
    std::string message;
    if (nd == 3) {
      message = fmt::format(
          "{}(): Expected input's non-batch dimensions to have positive length, but input has a "
          "shape of {} and non-batch dimension 0 has length zero!",
          max ? "max_pool3d_with_indices_out_cpu_template" : "avg_pool3d", to_string(x));
    } else if (nd == 1 && max) {
      message =
          "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
          "size for input, but got:" +
          to_string(x);
    } else {
      Shape pooled = x;  // avg_pool1d's, unsqueezed
      if (nd == 1) pooled.insert(pooled.end() - 1, fixed(1));
      message =
          "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
          "but got:" +
          to_string(pooled);
    }
    return ctx.fail_input(
        message, fmt::format("dim {} of {} is empty: there is nothing to pool", i, to_string(x)));
  }
  return true;
}

// The adaptive pools' kernels refuse an empty dim other than the batch.
bool check_adaptive_dims_nonempty(RuleContext& ctx, const AttrInts& out) {
  std::optional<std::string> empty =
      adaptive_pool_empty_dim(ctx.x(), out, ctx.op.family == Family::adaptive_avg_pool);
  if (!empty) return true;
  return ctx.fail_input(
      std::move(*empty),
      fmt::format("{} has an empty dim: there is nothing to pool", to_string(ctx.x())));
}

bool pool_output(RuleContext& ctx, const PoolArgs& a, size_t axis, const char* formula_note) {
  size_t nd = a.kernel.size();
  const Shape& x = ctx.x();
  if (!check_pooled_dims_nonempty(ctx, axis)) return false;
  IntList in(nd), out(nd);
  for (size_t i = 0; i < nd; ++i) {
    in[i] = x[axis + i].value;
    // The kernel extent fits and padding <= kernel_size/2: only in + 2p can leave int64.
    auto o =
        pool_output_size(in[i], a.kernel[i], a.stride[i], a.padding[i], a.dilation[i], a.ceil_mode);
    if (!o) return fail_padded_overflow(ctx, in[i], a.padding[i], a.padding[i]);
    out[i] = *o;
  }
  if (std::any_of(out.begin(), out.end(), [](int64_t o) { return o < 1; })) {
    std::string c = axis > 0 ? to_string(x[axis - 1]) + "x" : "";
    IntList need(nd);
    for (size_t i = 0; i < nd; ++i)
      need[i] = a.dilation[i] * (a.kernel[i] - 1) + 1 - 2 * a.padding[i];
    return ctx.fail_too_small(
        fmt::format(
            "Given input size: ({}{}). Calculated output size: ({}{}). Output size is too small", c,
            join(in, "x"), c, join(out, "x")),
        fmt::format("{} receives {} but its kernel_size needs at least {}; use a larger input or a "
                    "smaller kernel_size",
                    ctx.name(), join(in, "x"), join(need, "x")));
  }
  Shape s = x;
  for (size_t i = 0; i < nd; ++i) s[axis + i] = fixed(out[i]);
  ctx.set_output(s);
  for (size_t i = 0; i < nd; ++i) {
    ctx.explain("{}_out = {}(({} + 2*{} - {}*({}-1) - 1)/{}) + 1 = {}{}", spatial_name(nd, i),
                a.ceil_mode ? "ceil" : "floor", in[i], a.padding[i], a.dilation[i], a.kernel[i],
                a.stride[i], out[i], formula_note);
  }
  auto& at = ctx.attrs;
  at.kernel_size = AttrInts(a.kernel);
  at.stride = AttrInts(a.stride);
  at.padding = AttrInts(a.padding);
  at.dilation = AttrInts(a.dilation);
  at.ceil_mode = a.ceil_mode;
  return true;
}

}  // namespace

// x: [N, C, *in] -> [N, C, *out]   out = floor((in + 2p - d(k-1) - 1)/s) + 1 (ceil with ceil_mode)
bool infer_max_pool(RuleContext& ctx) {
  auto axis = first_spatial_axis(ctx);
  if (!axis) return false;
  auto a = read_pool_args(ctx, true);
  if (!a) return false;
  auto ri = ctx.bool_arg("return_indices");
  if (!ri) return false;
  // a .py file's (values, indices) are two rows, the indices' StatementExtras::output_index 1;
  // the model language has no tuples
  if (*ri && !ctx.st.python)
    return ctx.fail_unsupported(
        "return_indices", "return_indices=True makes a tuple; netshape follows single tensors",
        "remove return_indices=True");
  ctx.attrs.indices = ctx.st.extras().output_index == 1;
  return pool_output(ctx, *a, *axis,
                     ctx.is_none("stride") ? "  (stride defaults to kernel_size)" : "");
}

namespace {

// How Python prints a sequence of ints: (9, 9), (9,), [9, 9], torch.Size([9, 9]).
std::string python_ints(const Value& v, std::span<const int64_t> items) {
  std::string joined = fmt::format("{}", fmt::join(items, ", "));
  if (v.kind == Value::Kind::List) return "[" + joined + "]";
  if (v.s.str() == "torch.Size") return "torch.Size([" + joined + "])";
  return items.size() == 1 ? "(" + joined + ",)" : "(" + joined + ")";
}

// F.max_unpoolNd's _unpool_output_size: the default (in-1)s - 2p + k per spatial dim, or
// output_size (the spatial sizes, or with two sizes leading, dropped unread), each strictly
// within a stride of the default; Python's errors otherwise.
std::optional<IntList> unpool_output_size(RuleContext& ctx, const PoolArgs& a) {
  const Shape& x = ctx.x();
  size_t nd = a.kernel.size();
  if (x.size() < nd) {
    ctx.fail_input("tuple index out of range",
                   fmt::format("{} unpools the last {} dims: give it [N, C, ...] or [C, ...]",
                               ctx.op.name, nd));
    return std::nullopt;
  }
  IntList defaults(nd);
  for (size_t d = 0; d < nd; ++d) {
    const Dim& in = x[x.size() - nd + d];
    if (in.symbolic()) {
      ctx.fail_input_unsupported(
          fmt::format("{} needs concrete spatial sizes, got {}", ctx.op.name, to_string(x)),
          "only the batch dimension may be symbolic");
      return std::nullopt;
    }
    auto size =
        ((Checked(in.value) - 1) * a.stride[d] + a.kernel[d] - Checked(2) * a.padding[d]).get();
    if (!size) {
      ctx.fail_overflow("kernel_size", "the unpooled size");
      return std::nullopt;
    }
    defaults[d] = *size;
  }
  const Value& given = ctx.value("output_size");
  if (given.kind == Value::Kind::None) return defaults;
  if (!given.is_sequence()) {
    ctx.fail_at("output_size", fmt::format("object of type '{}' has no len()", python_type(given)),
                fmt::format("give the output's spatial sizes: output_size=({})",
                            fmt::join(defaults, ", ")));
    return std::nullopt;
  }
  std::vector<Value> items = given.items.vec();
  if (items.size() == nd + 2) items.erase(items.begin(), items.begin() + 2);
  if (items.size() != nd) {
    ctx.fail_at("output_size",
                fmt::format("output_size should be a sequence containing {} or {} elements, but "
                            "it has a length of '{}'",
                            nd, nd + 2, items.size()),
                fmt::format("give the {} spatial sizes, or the whole size of the tensor the max "
                            "pool read",
                            nd));
    return std::nullopt;
  }
  IntList sizes(nd);
  for (size_t d = 0; d < nd; ++d) {
    if (items[d].kind != Value::Kind::Int) {
      ctx.fail_unsupported("output_size", "an output_size whose sizes are not ints here",
                           "give the output's sizes as numbers, or the pooled tensor's .size()");
      return std::nullopt;
    }
    sizes[d] = items[d].i;
  }
  for (size_t d = 0; d < nd; ++d) {
    std::optional<int64_t> least = (Checked(defaults[d]) - a.stride[d]).get(),
                           most = (Checked(defaults[d]) + a.stride[d]).get();
    if (!least || !most) {
      ctx.fail_overflow("stride", "the unpooled size's bounds");
      return std::nullopt;
    }
    if (*least < sizes[d] && sizes[d] < *most) continue;
    ctx.fail_at("output_size",
                fmt::format("invalid output_size \"{}\" (dim {} must be between {} and {})",
                            python_ints(given, sizes), d, *least, *most),
                fmt::format("give the size of the tensor the max pool read; the default here is "
                            "({})",
                            fmt::join(defaults, ", ")));
    return std::nullopt;
  }
  return sizes;
}

// The aten kernel's checks of max_unpooling2d (1-d: of the input and indices unsqueezed at the
// end) and max_unpooling3d: the rank, the indices' shape, no empty dim but the first.
bool unpool_inputs_ok(RuleContext& ctx) {
  size_t nd = static_cast<size_t>(ctx.nd());
  size_t kernel_nd = std::max<size_t>(nd, 2);
  Shape x = ctx.x(), indices = ctx.in()[1];
  if (nd == 1) x.push_back(fixed(1)), indices.push_back(fixed(1));
  if (x.size() != kernel_nd + 1 && x.size() != kernel_nd + 2)
    return ctx.fail_input(
        fmt::format("Input to max_unpooling{}d should be a {}d or {}d Tensor, but got a tensor "
                    "with {} dimensions.",
                    kernel_nd, kernel_nd + 1, kernel_nd + 2, x.size()),
        fmt::format("{} unpools [N, C, ...] or [C, ...] with {} spatial dims", ctx.op.name, nd));
  if (!(x == indices))
    return ctx.fail_input(
        fmt::format("Expected shape of indices to be same as that of the input tensor ({}) but "
                    "got indices tensor with shape: {}",
                    to_string(x), to_string(indices)),
        "give the indices the max pool returned with the values it returned");
  for (size_t i = 1; i < x.size(); ++i)
    if (!x[i].symbolic() && x[i].value == 0)
      return ctx.fail_input(
          fmt::format("max_unpooling{}d_forward_out_cpu(): Expected input to have non-zero size "
                      "for non-batch dimensions, but got {} with dimension {} being empty.",
                      kernel_nd, to_string(x), i),
          "there is nothing to unpool");
  return true;
}

// Each index must lie in the output's plane (else PyTorch's `Found an invalid max index`), which
// depends on the values unless netshape knows them: a max pool's, whose windows reach no
// position past the plane, or an arange's, all inside it.
bool indices_in_plane(RuleContext& ctx, int64_t plane) {
  const KnownValues& ids = ctx.input_values;
  if (!ctx.st.python && !ids.indices)  // the .py reader checked the dtype
    return ctx.fail_input(unpool_indices_not_int64("Float"),
                          "pass the indices a max pool returned (return_indices=True)");
  bool pooled = ids.less_than > 0 && ids.less_than <= plane;
  bool known = ids.exact_range && ids.lo >= 0 && ids.hi < plane;
  if (pooled || known) return true;
  if (ids.less_than > plane)
    return ctx.fail_input_unsupported(
        fmt::format("the max pool's indices reach position {} of its input's plane, and the "
                    "output's plane holds {}: whether PyTorch finds an invalid max index "
                    "depends on the values",
                    ids.less_than - 1, plane),
        "give output_size the size of the tensor the max pool read: output_size=x.size()");
  return ctx.fail_input_unsupported(
      fmt::format("netshape does not know that the indices `{}` lie in the output's plane of {} "
                  "positions (as a max pool's do, unchanged): whether PyTorch finds an invalid "
                  "max index depends on their values",
                  ctx.input_name(1), plane),
      "pass the indices a max pool with return_indices=True returned");
}

// The input with its last dims the unpooled sizes.
bool unpooled(RuleContext& ctx, const IntList& out) {
  Shape s = ctx.x();
  for (size_t d = 0; d < out.size(); ++d) s[s.size() - out.size() + d] = fixed(out[d]);
  ctx.attrs.output_size = AttrInts(out);
  ctx.set_output(s);
  return true;
}

}  // namespace

// MaxUnpool2d(kernel_size, stride=None, padding=0), applied to (input, indices, output_size=None);
// max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None)
// x: [N, C, *in], indices of its shape -> [N, C, *out]   out = (in-1)s - 2p + k, or output_size
bool infer_max_unpool(RuleContext& ctx) {
  if (ctx.in().size() != 2)
    return ctx.fail_input(
        ctx.in().size() < 2
            ? fmt::format("{}{} missing 1 required positional argument: 'indices'", ctx.op.name,
                          ctx.op.is_module() ? ".forward()" : "()")
            : fmt::format("{} takes two tensors, the input and its indices", ctx.op.name),
        "give it the values and the indices a max pool returned: `unpool(x, indices)`");
  size_t nd = static_cast<size_t>(ctx.nd());
  PoolArgs a;
  auto kernel = ctx.ints_arg("kernel_size", nd, INT64_MIN, RuleContext::IntsForm::python);
  if (!kernel) return false;
  a.kernel = std::move(*kernel);
  auto stride = ctx.is_none("stride")
                    ? std::optional<IntList>(a.kernel)
                    : ctx.ints_arg("stride", nd, INT64_MIN, RuleContext::IntsForm::python);
  if (!stride) return false;
  a.stride = std::move(*stride);
  auto padding = ctx.ints_arg("padding", nd, INT64_MIN, RuleContext::IntsForm::python);
  if (!padding) return false;
  a.padding = std::move(*padding);
  for (size_t d = 0; d < nd; ++d)
    if (a.kernel[d] < 1 || a.stride[d] < 1)
      return ctx.fail_unsupported(a.kernel[d] < 1 ? "kernel_size" : "stride",
                                  "an unpooling kernel_size or stride below 1",
                                  "give the max pool's kernel_size and stride");
  auto out = unpool_output_size(ctx, a);
  if (!out || !unpool_inputs_ok(ctx)) return false;
  Checked plane = 1;
  for (int64_t o : *out) plane = plane * o;
  if (std::any_of(out->begin(), out->end(), [](int64_t o) { return o < 1; }) || !plane.ok())
    return ctx.fail_input_unsupported(
        fmt::format("an unpooled output of {} spatial sizes ({})",
                    plane.ok() ? "empty" : "too large", fmt::join(*out, ", ")),
        "give the max pool's kernel_size, stride and padding");
  return indices_in_plane(ctx, *plane.get()) && unpooled(ctx, *out);
}

// x: [N, C, *in] -> [N, C, *out]   out = floor((in + 2p - k)/s) + 1 (ceil with ceil_mode)
bool infer_avg_pool(RuleContext& ctx) {
  auto axis = first_spatial_axis(ctx);
  if (!axis) return false;
  auto a = read_pool_args(ctx, false);
  if (!a) return false;
  auto cip = ctx.strict_bool_arg("count_include_pad");
  if (!cip) return false;
  // avg_pool3d's shape check (not avg_pool2d's) wants the input itself at least the kernel,
  // whatever the padding
  const Shape& x = ctx.x();
  if (a->kernel.size() == 3 && !check_pooled_dims_nonempty(ctx, *axis)) return false;
  if (a->kernel.size() == 3 && std::none_of(x.begin() + static_cast<ptrdiff_t>(*axis), x.end(),
                                            [](const Dim& d) { return d.symbolic(); })) {
    const Dim* in = &x[*axis];
    if (in[0].value < a->kernel[0] || in[1].value < a->kernel[1] || in[2].value < a->kernel[2])
      return ctx.fail_too_small(  // the smallest-input search looks for an input that fits
          fmt::format("input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} kH: {} "
                      "kW: {})",
                      in[0].value, in[1].value, in[2].value, a->kernel[0], a->kernel[1],
                      a->kernel[2]),
          "use a smaller kernel_size, or a larger input");
  }
  ctx.attrs.count_include_pad = *cip;
  if (ctx.has_param("divisor_override") && !ctx.is_none("divisor_override")) {
    auto div = ctx.strict_int_arg("divisor_override", 1);  // read by the C++ avg_pool
    if (!div) return false;
    ctx.attrs.divisor_override = *div;
  }
  return pool_output(ctx, *a, *axis,
                     ctx.is_none("stride") ? "  (stride defaults to kernel_size)" : "");
}

// PyTorch 1.13's adaptive_avg_pool2d and 3d (the C++ ops) compute an output of all 1s as
// input.mean(<the last nd dims>, keepdim=True), before the pooling kernel's rank check: any input
// that has those dims pools, e.g. a video's [N, C, T, H, W] by AdaptiveAvgPool2d(1), and [2, 16]
// by AdaptiveAvgPool2d(1) gives [1, 1]. A tuple output_size still needs a dim more than nd (the
// Python's _list_with_default: "Input dimension should be at least 3"). The first pooled axis
// when this path decides an input the kernel would refuse by its rank; nullopt otherwise.
static std::optional<size_t> mean_path_axis(const RuleContext& ctx) {
  const Shape& x = ctx.x();
  size_t rank = x.size(), nd = static_cast<size_t>(ctx.nd());
  if (ctx.op.family != Family::adaptive_avg_pool || nd < 2) return std::nullopt;
  if (rank == nd + 1 || rank == nd + 2) return std::nullopt;  // the kernel's ranks: the same
  const Value& v = ctx.value("output_size");
  bool tuple = v.is_sequence();
  if (rank < nd + (tuple ? 1 : 0)) return std::nullopt;  // PyTorch's errors, as the kernel's
  std::vector<Value> items = tuple ? v.items.vec() : std::vector<Value>(nd, v);
  if (items.size() != nd) return std::nullopt;
  for (size_t i = 0; i < nd; ++i) {
    const Dim& d = x[rank - nd + i];
    bool kept_one = items[i].kind == Value::Kind::None && tuple && !d.symbolic() && d.value == 1;
    if (!(items[i].kind == Value::Kind::Int && items[i].i == 1) && !kept_one) return std::nullopt;
  }
  return rank - nd;
}

// x: [..., *in] -> [..., 1, ..., 1]: the mean over the last nd dims (see mean_path_axis)
static bool adaptive_mean(RuleContext& ctx, size_t axis) {
  Shape s = ctx.x();
  for (size_t i = axis; i < s.size(); ++i) {
    if (s[i].symbolic())
      return ctx.fail_input(fmt::format("{} would average the batch-sized dim {} of {}",
                                        ctx.op.name, i, to_string(s)),
                            "netshape does not know the batch size: give a number for it in "
                            "--input");
    s[i] = fixed(1);
  }
  ctx.set_output(s);
  ctx.attrs.output_size = AttrInts(s.size() - axis, 1);
  return true;
}

// x: [N, C, *in] -> [N, C, *output_size]   (None in output_size keeps that input size)
static bool adaptive_pool(RuleContext& ctx) {
  if (auto mean_axis = mean_path_axis(ctx)) return adaptive_mean(ctx, *mean_axis);
  auto axis = first_spatial_axis(ctx);
  if (!axis) return false;
  size_t nd = static_cast<size_t>(ctx.nd());
  const Value& v = ctx.value("output_size");
  std::vector<Value> items = v.is_sequence() ? v.items.vec() : std::vector<Value>(nd, v);
  bool any_none = std::any_of(items.begin(), items.end(),
                              [](const Value& i) { return i.kind == Value::Kind::None; });
  // A None keeps an input size only in F.adaptive_*_pool2d/3d's Python (_list_with_default,
  // which takes no whole None); the 1-d ones hand output_size to the C++ op as it is.
  if (nd == 1 && any_none)
    return ctx.fail_at(
        "output_size",
        fmt::format("adaptive_{}_pool1d(): argument 'output_size' (position 2) "
                    "must be tuple of ints, not {}",
                    ctx.op.family == Family::adaptive_max_pool ? "max" : "avg", python_type(v)),
        "give the output length: output_size=1");
  if (v.kind == Value::Kind::None)
    return ctx.fail_at(
        "output_size", "object of type 'NoneType' has no len()",
        fmt::format("give the output size: output_size={}", nd == 2 ? "(1, 1)" : "(1, 1, 1)"));
  if (items.size() != nd) {
    return ctx.fail_at("output_size",
                       fmt::format("{}: output_size must be an int or a tuple of {} ints, got {}",
                                   ctx.op.name, nd, to_source(v)),
                       fmt::format("write output_size={}", nd == 1   ? "1"
                                                           : nd == 2 ? "(1, 1)"
                                                                     : "(1, 1, 1)"));
  }
  Shape s = ctx.x();
  AttrInts out(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (items[i].kind == Value::Kind::None) {
      out[i] = s[*axis + i].value;
    } else if (items[i].kind == Value::Kind::Int && items[i].i >= 0) {
      out[i] = items[i].i;
    } else {
      return ctx.fail_at(
          "output_size",
          fmt::format("{}: elements of output_size must be non-negative ints or None, got {}",
                      ctx.op.name, to_source(items[i])),
          "write output_size=(1, 1)");
    }
    s[*axis + i] = fixed(out[i]);
  }
  if (!check_adaptive_dims_nonempty(ctx, out)) return false;
  ctx.set_output(s);
  ctx.attrs.output_size = out;
  return true;
}

bool infer_adaptive_avg_pool(RuleContext& ctx) {
  return adaptive_pool(ctx);
}

bool infer_adaptive_max_pool(RuleContext& ctx) {
  auto ri = ctx.bool_arg("return_indices");
  if (!ri) return false;
  ctx.attrs.indices = ctx.st.extras().output_index == 1;  // a .py file's second row, as max_pool
  if (*ri && !ctx.st.python)
    return ctx.fail_unsupported(
        "return_indices", "return_indices=True makes a tuple; netshape follows single tensors",
        "remove return_indices=True");
  return adaptive_pool(ctx);
}

}  // namespace netshape
