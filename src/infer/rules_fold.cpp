// Shape rules of the unfold, fold and windows families: nn.Unfold / F.unfold cut an image into its
// sliding blocks (PyTorch's im2col), nn.Fold / F.fold sum the blocks back into an image (col2im).
// Their arguments and checks follow PyTorch 1.13's: F.unfold's _pair of each argument, the
// argument parser's "tuple of ints", im2col's and col2im's length checks, then im2col_shape_check
// and col2im_shape_check in their order, with their messages. x.unfold(dimension, size, step), the
// Tensor method (aten's unfold), is the view of windows along one dim.
#include <fmt/format.h>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// The four pairs of an unfold or fold, as the kernels read them.
struct BlockArgs {
  IntList output_size;  // fold only
  IntList kernel, dilation, padding, stride;
};

// F.unfold's `_pair(v)`, then the argument parser: an int is (v, v), a tuple or list stays as
// written (its length is checked later, as the kernels check it); anything else, or an item that
// is not an int, is PyTorch's TypeError. `position` counts the input as 1.
std::optional<IntList> pair_arg(RuleContext& ctx, std::string_view param, int position) {
  const Value& v = ctx.value(param);
  const char* kernel = ctx.op.family == Family::unfold ? "im2col" : "col2im";
  IntList out;
  bool ints = v.kind == Value::Kind::Int;
  if (ints) out.assign(2, v.i);
  if (v.is_sequence()) {
    ints = true;
    for (const Value& item : v.items) {
      ints = ints && item.kind == Value::Kind::Int;
      out.push_back(item.i);
    }
  }
  if (ints) return out;
  // `_pair` makes a tuple of anything else (a float, None, True): its items are not ints
  const char* type = param == "output_size" ? "SymInts" : "ints";
  ctx.fail_at(param,
              fmt::format("{}(): argument '{}' (position {}) must be tuple of {}, not tuple",
                          kernel, param, position, type),
              fmt::format("write {}=3 or {}=(3, 3)", param, param));
  return std::nullopt;
}

std::optional<BlockArgs> block_args(RuleContext& ctx) {
  bool fold = ctx.op.family == Family::fold;
  std::vector<std::string_view> params = {"kernel_size", "dilation", "padding", "stride"};
  if (fold) params.insert(params.begin(), "output_size");
  std::vector<IntList> values;
  for (size_t i = 0; i < params.size(); ++i) {
    auto v = pair_arg(ctx, params[i], static_cast<int>(i) + 2);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (values[i].size() != 2) {
      ctx.fail_at(params[i],
                  fmt::format("It is expected {} equals to 2, but got size {}", params[i],
                              values[i].size()),
                  fmt::format("give two values, one per spatial dim: {}=(3, 3)", params[i]));
      return std::nullopt;
    }
  }
  BlockArgs a;
  size_t k = fold ? 1 : 0;
  if (fold) a.output_size = values[0];
  a.kernel = values[k];
  a.dilation = values[k + 1];
  a.padding = values[k + 2];
  a.stride = values[k + 3];
  return a;
}

// The value checks, in the order of im2col_shape_check (kernel, dilation, padding, stride) or
// col2im_shape_check (kernel, stride, dilation, padding).
bool check_values(RuleContext& ctx, const BlockArgs& a) {
  auto positive = [&](const IntList& v, std::string_view param, const char* what,
                      const char* short_name) {
    if (v[0] > 0 && v[1] > 0) return true;
    return ctx.fail_at(
        param,
        fmt::format("{} should be greater than zero, but got {}_height: {} {}_width: "
                    "{}",
                    what, short_name, v[0], short_name, v[1]),
        fmt::format("use {} of at least 1", param));
  };
  auto padding = [&] {
    if (a.padding[0] >= 0 && a.padding[1] >= 0) return true;
    return ctx.fail_at("padding",
                       fmt::format("padding should be non-negative, but got pad_height: {} "
                                   "pad_width: {}",
                                   a.padding[0], a.padding[1]),
                       "use padding of 0 or more");
  };
  if (!positive(a.kernel, "kernel_size", "kernel size", "kernel")) return false;
  if (ctx.op.family == Family::fold)
    return positive(a.stride, "stride", "stride", "stride") &&
           positive(a.dilation, "dilation", "dilation", "dilation") && padding();
  return positive(a.dilation, "dilation", "dilation", "dilation") && padding() &&
         positive(a.stride, "stride", "stride", "stride");
}

// A dim that must be a given number (fold's block count): a batch-sized one cannot be told.
bool fixed_dim(RuleContext& ctx, const Dim& d, const char* what) {
  if (!d.symbolic()) return true;
  return ctx.fail_input(fmt::format("netshape cannot tell whether the batch-sized {} {} is what "
                                    "{} needs",
                                    what, to_string(d), ctx.op.name),
                        "give that dim a size with --input");
}

}  // namespace

// unfold: x: [N, C, H, W] -> [N, C*kh*kw, L], unbatched [C, H, W] -> [C*kh*kw, L], where L is the
// number of blocks, prod over H, W of floor((in + 2p - d(k-1) - 1)/s) + 1
bool infer_unfold(RuleContext& ctx) {
  auto a = block_args(ctx);
  if (!a || !check_values(ctx, *a)) return false;
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  // `input.size(1) != 0 && input.size(2) != 0` is read before the rank is checked
  for (int64_t dim : {1, 2}) {
    if (auto e = size_dim_error(dim, rank)) return ctx.fail_input(e->message, e->help);
    if (x[static_cast<size_t>(dim)].value == 0) break;
  }
  bool batched = rank == 4;
  bool nonzero = x[1].value != 0 && x[2].value != 0 && (!batched || x[3].value != 0);
  if (!(rank == 3 || batched) || !nonzero || (!batched && x[0].value == 0))
    return ctx.fail_input(fmt::format("Expected 3D or 4D (batch mode) tensor with possibly 0 batch "
                                      "size and other non-zero dimensions for input, but got: {}",
                                      to_string(x)),
                          "give it [N, C, H, W] (or [C, H, W])");
  size_t c = batched ? 1 : 0;
  IntList blocks;
  for (size_t i = 0; i < 2; ++i) {
    const Dim& in = x[c + 1 + i];
    if (in.symbolic())
      return ctx.fail_input(
          fmt::format("netshape cannot unfold the batch-sized dim {}", to_string(in)),
          "give that dim a size with --input");
    auto n = conv_output_size(in.value, a->kernel[i], a->stride[i], a->padding[i], a->dilation[i]);
    if (!n) return ctx.fail_overflow("kernel_size", "the number of blocks");
    blocks.push_back(*n);
  }
  if (blocks[0] < 1 || blocks[1] < 1)
    return ctx.fail_too_small(
        fmt::format("Given input with spatial size ({}, {}), kernel_size=({}, {}), dilation=({}, "
                    "{}), padding=({}, {}), calculated shape of the array of sliding blocks as "
                    "({}, {}), but its components must be at least one.",
                    x[c + 1].value, x[c + 2].value, a->kernel[0], a->kernel[1], a->dilation[0],
                    a->dilation[1], a->padding[0], a->padding[1], blocks[0], blocks[1]),
        "use a larger input, or a smaller kernel_size or dilation (or more padding)");
  auto per_block = checked_mul(a->kernel[0], a->kernel[1]);
  auto length = checked_mul(blocks[0], blocks[1]);
  auto channels = per_block ? checked_mul(x[c].value, *per_block) : std::nullopt;
  if (!channels || !length) return ctx.fail_overflow("kernel_size", "the output's size");
  Shape s;
  if (batched) s.push_back(x[0]);
  s.push_back(Dim{*channels, x[c].sym});
  s.push_back(fixed(*length));
  ctx.attrs.kernel_size = {a->kernel[0], a->kernel[1]};
  ctx.attrs.dilation = {a->dilation[0], a->dilation[1]};
  ctx.attrs.padding = {a->padding[0], a->padding[1]};
  ctx.attrs.stride = {a->stride[0], a->stride[1]};
  ctx.explain("L = {} x {} blocks of {} x {} = {} values per channel", blocks[0], blocks[1],
              a->kernel[0], a->kernel[1], *per_block);
  ctx.set_output(s);
  return true;
}

// fold: x: [N, C*kh*kw, L] -> [N, C, H, W] with (H, W) = output_size, unbatched [C*kh*kw, L] ->
// [C, H, W]; L must be the number of blocks unfold would cut from [H, W]
bool infer_fold(RuleContext& ctx) {
  auto a = block_args(ctx);
  if (!a || !check_values(ctx, *a)) return false;
  const Shape& x = ctx.x();
  size_t rank = x.size();
  bool batched = rank == 3;
  // `(ndim == 2 && size(0) != 0 && size(1) != 0) || (ndim == 3 && size(1) != 0 && size(2) != 0)`
  bool ok = (rank == 2 && x[0].value != 0 && x[1].value != 0) ||
            (batched && x[1].value != 0 && x[2].value != 0);
  if (!ok)
    return ctx.fail_input(fmt::format("Expected 2D or 3D (batch mode) tensor for input with "
                                      "possibly 0 batch size and non-zero dimensions for input, "
                                      "but got: {}",
                                      to_string(x)),
                          "give it [N, C*kh*kw, L] (or [C*kh*kw, L])");
  size_t c = batched ? 1 : 0;
  const Dim& planes = x[c];
  const Dim& length = x[c + 1];
  auto per_block = checked_mul(a->kernel[0], a->kernel[1]);
  if (!per_block) return ctx.fail_overflow("kernel_size", "the product of kernel_size");
  if (planes.value % *per_block != 0) {
    if (planes.symbolic()) return fixed_dim(ctx, planes, "dim");
    return ctx.fail_input(
        fmt::format("Expected size of input's dimension 1 to be divisible by the product of "
                    "kernel_size, but got input.size(1)={} and kernel_size=({}, {}).",
                    planes.value, a->kernel[0], a->kernel[1]),
        fmt::format("give it a multiple of {} (C times the kernel's {} x {} values), or change "
                    "kernel_size",
                    *per_block, a->kernel[0], a->kernel[1]));
  }
  IntList blocks;
  for (size_t i = 0; i < 2; ++i) {
    auto n = conv_output_size(a->output_size[i], a->kernel[i], a->stride[i], a->padding[i],
                              a->dilation[i]);
    if (!n) return ctx.fail_overflow("output_size", "the number of blocks");
    blocks.push_back(*n);
  }
  std::string given = fmt::format(
      "Given output_size=({}, {}), kernel_size=({}, {}), dilation=({}, {}), padding=({}, {}), "
      "stride=({}, {}), ",
      a->output_size[0], a->output_size[1], a->kernel[0], a->kernel[1], a->dilation[0],
      a->dilation[1], a->padding[0], a->padding[1], a->stride[0], a->stride[1]);
  auto count = checked_mul(blocks[0], blocks[1]);
  if (!count) return ctx.fail_overflow("output_size", "the number of blocks");
  if (!fixed_dim(ctx, length, "block count")) return false;
  if (length.value != *count)
    return ctx.fail_input(
        fmt::format("{}expected size of input's dimension 2 to match the calculated number of "
                    "sliding blocks {} * {} = {}, but got input.size(2)={}.",
                    given, blocks[0], blocks[1], *count, length.value),
        *count > 0 ? fmt::format("give it {} blocks (what unfold cuts from a {} x {} image with "
                                 "these arguments), or change output_size",
                                 *count, a->output_size[0], a->output_size[1])
                   : "make output_size larger than the kernel's extent");
  if (blocks[0] < 1 || blocks[1] < 1)
    return ctx.fail_at("output_size",
                       fmt::format("{}calculated shape of the array of sliding blocks as ({}, "
                                   "{}), which is too small (non-positive)",
                                   given, blocks[0], blocks[1]),
                       "make output_size larger than the kernel's extent");
  if (a->output_size[0] < 1 || a->output_size[1] < 1)
    return ctx.fail_at("output_size",
                       fmt::format("Expected output spatial size to be positive, but got: "
                                   "output_size=({}, {}).",
                                   a->output_size[0], a->output_size[1]),
                       "use a positive output_size");
  Shape s;
  if (batched) s.push_back(x[0]);
  s.push_back(Dim{planes.value / *per_block, planes.sym});
  s.push_back(fixed(a->output_size[0]));
  s.push_back(fixed(a->output_size[1]));
  ctx.attrs.output_size = {a->output_size[0], a->output_size[1]};
  ctx.attrs.kernel_size = {a->kernel[0], a->kernel[1]};
  ctx.attrs.dilation = {a->dilation[0], a->dilation[1]};
  ctx.attrs.padding = {a->padding[0], a->padding[1]};
  ctx.attrs.stride = {a->stride[0], a->stride[1]};
  ctx.set_output(s);
  return true;
}

// Tensor.unfold: x: [..., n, ...] -> [..., (n - size) // step + 1, ..., size] along `dimension`
// (a 0-dim x: [size]); as at::unfold checks it: the dim wrapped, size <= n, step > 0
bool infer_windows(RuleContext& ctx) {
  const char* params[] = {"dimension", "size", "step"};
  int64_t v[3] = {};
  for (int i = 0; i < 3; ++i) {
    const Value& a = ctx.value(params[i]);
    if (a.kind != Value::Kind::Int)  // the argument parser takes no bool for an int
      return ctx.fail_at(params[i],
                         fmt::format("unfold(): argument '{}' (position {}) must be int, not {}",
                                     params[i], i + 1, python_type(a)),
                         "write x.unfold(dimension, size, step) with ints");
    v[i] = a.i;
  }
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  int64_t dim = 0;
  if (!dim_arg(ctx, "dimension", rank, dim)) return false;
  int64_t size = v[1], step = v[2];
  if (rank > 0 && x[static_cast<size_t>(dim)].symbolic())
    return ctx.fail_input(fmt::format("netshape cannot cut windows along the batch-sized dim {}",
                                      to_string(x[static_cast<size_t>(dim)])),
                          "give that dim a size with --input");
  int64_t n = rank == 0 ? 1 : x[static_cast<size_t>(dim)].value;
  if (size > n)
    return ctx.fail_at(
        "size",
        fmt::format("maximum size for tensor at dimension {} is {} but size is {}", dim, n, size),
        fmt::format("use windows of at most {} elements", n));
  if (step <= 0)
    return ctx.fail_at("step", fmt::format("step is {} but must be > 0", step),
                       "use a step of at least 1");
  if (size < 0)  // as_strided's error, which prints the strides netshape does not follow here
    return ctx.fail_unsupported("size", "x.unfold with a negative size", "use a size of 0 or more");
  Shape s = x;
  if (rank > 0) s[static_cast<size_t>(dim)] = fixed((n - size) / step + 1);
  s.push_back(fixed(size));
  ctx.attrs.dim = dim;
  ctx.attrs.window = size;
  ctx.attrs.slice_step = step;
  ctx.set_output(s);
  return true;
}

}  // namespace netshape
