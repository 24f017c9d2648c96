// Shape rules for spatial transformers: F.affine_grid (a sampling grid from affine matrices) and
// F.grid_sample (an input sampled at a grid), following PyTorch 1.13's torch/nn/functional.py and
// the checks of at::affine_grid_generator and at::grid_sampler, in their order, with their
// messages.
#include <algorithm>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// A size entry: an int, `x.size(0)` resolved to a batch-sized dim, or the batch symbol by name
// when theta has it (`affine_grid((B, 1, 28, 28))`).
std::optional<Dim> size_entry(const Value& v, const Shape& theta) {
  if (v.kind == Value::Kind::Int) return fixed(v.i);
  if (v.kind == Value::Kind::Bool) return fixed(v.b ? 1 : 0);  // an int to Python (not first)
  if (v.kind == Value::Kind::DimRef && v.s.str().rfind("#", 0) == 0)
    return Dim::of_symbol(v.i, std::string_view(v.s).substr(1));
  if (v.kind == Value::Kind::Ident)
    for (const Dim& d : theta)
      if (d.symbolic() && d.symbol() == v.s) return Dim::of_symbol(1, v.s);
  return std::nullopt;
}

// The size as Python prints the object given: `torch.Size([64, 1, 28, 28])` for `x.size()` (the
// .py reader marks it), `(64, 1, 28, 28)` for a tuple, `[64, 1, 28, 28]` for a list.
std::string printed_size(const Value& size, const std::vector<Dim>& dims) {
  std::string items;
  for (size_t i = 0; i < dims.size(); ++i) items += (i ? ", " : "") + to_string(dims[i]);
  if (size.kind == Value::Kind::Tuple && size.s == "torch.Size")
    return fmt::format("torch.Size([{}])", items);
  if (size.kind == Value::Kind::List) return "[" + items + "]";
  return dims.size() == 1 ? "(" + items + ",)" : "(" + items + ")";
}

// `align_corners`: None (False, with PyTorch's warning, which netshape does not repeat) or a
// bool; an int is the TypeError of the function F.* hands it to.
std::optional<bool> align_corners_arg(RuleContext& ctx, const char* function, int position) {
  const Value& v = ctx.value("align_corners");
  if (v.kind == Value::Kind::None) return false;
  if (v.kind == Value::Kind::Bool) return v.b;
  ctx.fail_at("align_corners",
              fmt::format("{}(): argument 'align_corners' (position {}) must be bool, not {}",
                          function, position, python_type(v)),
              "write align_corners=True or align_corners=False");
  return std::nullopt;
}

}  // namespace

// theta: [N, 2, 3], size (N, C, H, W) -> [N, H, W, 2]; theta: [N, 3, 4], size (N, C, D, H, W)
// -> [N, D, H, W, 3]
bool infer_affine_grid(RuleContext& ctx) {
  const Shape& theta = ctx.x();
  // Python's truth of align_corners decides a check below; its type is checked after them, where
  // affine_grid_generator parses its arguments
  const Value& align_value = ctx.value("align_corners");
  bool align_true = (align_value.kind == Value::Kind::Bool && align_value.b) ||
                    (align_value.kind == Value::Kind::Int && align_value.i != 0);
  const Value& size = ctx.value("size");
  if (!size.is_sequence())
    return ctx.fail_at("size", fmt::format("object of type '{}' has no len()", python_type(size)),
                       "pass the output's size, e.g. `affine_grid(theta, x.size())`");
  std::vector<Dim> dims;
  int bad_entry = -1;  // PyTorch's generator finds it, after the checks below
  for (size_t i = 0; i < size.items.size(); ++i) {
    std::optional<Dim> d = size_entry(size.items[i], theta);
    if (!d && bad_entry < 0) bad_entry = static_cast<int>(i);
    dims.push_back(d.value_or(fixed(1)));
  }
  // the argument parser checks the first entry's type alone: a bool there is no int to it
  if (!size.items.empty() && size.items[0].kind == Value::Kind::Bool) bad_entry = 0;
  size_t rank = dims.size();
  std::string shown = printed_size(size, dims);
  if (rank != 4 && rank != 5)
    return ctx.fail_at(
        "size",
        fmt::format("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine "
                    "transforms, respectively. Got size {}.",
                    shown),
        "give the output's size as (N, C, H, W) or (N, C, D, H, W)");
  int64_t rows = rank == 4 ? 2 : 3;
  bool matrices = theta.size() == 3 && theta[1] == fixed(rows) && theta[2] == fixed(rows + 1);
  if (!matrices)
    return ctx.fail_input(
        fmt::format("Expected a batch of {}D affine matrices of shape Nx{}x{} for size {}. Got "
                    "torch.Size({}).",
                    rows, rows, rows + 1, shown, to_string(theta)),
        fmt::format("theta holds one {}x{} matrix per sample: `theta.view(-1, {}, {})`", rows,
                    rows + 1, rows, rows + 1));
  std::vector<Dim> spatial(dims.end() - (rank - 2), dims.end());
  // Python's `align_corners and min(spatial_size) == 1` skips the next check
  auto smallest = std::min_element(spatial.begin(), spatial.end(), [](const Dim& a, const Dim& b) {
    return a.count_value() < b.count_value();
  });
  bool unit_span = align_true && !smallest->symbolic() && smallest->value == 1;
  bool positive = std::all_of(dims.begin(), dims.end(),
                              [](const Dim& d) { return d.symbolic() || d.value > 0; });
  if (!unit_span && !positive)
    return ctx.fail_at("size",
                       fmt::format("Expected non-zero, positive output size. Got {}", shown),
                       "give positive sizes");
  // Python's argument parser looks at the size's first entry, then at align_corners; the other
  // entries are converted after
  std::optional<bool> align;
  if (bad_entry != 0 && !(align = align_corners_arg(ctx, "affine_grid_generator", 3))) return false;
  if (bad_entry == 0)
    return ctx.fail_at("size",
                       fmt::format("affine_grid_generator(): argument 'size' (position 2) must be "
                                   "tuple of ints, not {}",
                                   size.kind == Value::Kind::List ? "list" : "tuple"),
                       "give the sizes as ints");
  if (bad_entry > 0) {
    const Value& v = size.items[static_cast<size_t>(bad_entry)];
    return ctx.fail(v.span,
                    fmt::format("affine_grid_generator(): argument 'size' must be tuple of ints, "
                                "but found element of type {} at pos {}",
                                python_type(v), bad_entry + 1),
                    "give the sizes as ints");
  }
  // the base grid [N, prod(spatial), rank - 1] times theta transposed: bmm checks the batch
  if (dims[0] != theta[0])
    return ctx.fail_input(
        fmt::format("Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but "
                    "got: [{}, {}].",
                    to_string(dims[0]), rows + 1, to_string(theta[0]), rows + 1),
        fmt::format("theta has {} matrices: give the size of a batch of {}", to_string(theta[0]),
                    to_string(theta[0])));
  Shape out;
  out.push_back(dims[0]);
  for (const Dim& d : spatial) {
    if (d.symbolic())
      return ctx.fail_at("size", "a batch-sized spatial dim is not supported",
                         "give the spatial sizes as numbers");
    out.push_back(d);
  }
  out.push_back(fixed(rows));
  std::vector<int64_t> factors = {dims[0].count_value()};
  for (const Dim& d : spatial) factors.push_back(d.value);
  factors.push_back(rows + 1);
  factors.push_back(rows);
  if (!ctx.add_macs(factors)) return false;
  ctx.attrs.align_corners = *align;
  ctx.set_output(out);
  return true;
}

// input: [N, C, H, W], grid: [N, H_out, W_out, 2] -> [N, C, H_out, W_out] (5-D alike)
bool infer_grid_sample(RuleContext& ctx) {
  if (ctx.in().size() != 2)
    return ctx.fail(ctx.st.op_span,
                    fmt::format("grid_sample takes an input and a grid, got {} tensor{}",
                                ctx.in().size(), ctx.in().size() == 1 ? "" : "s"),
                    "write grid_sample(x, grid)");
  const Value& mode_value = ctx.value("mode");
  std::string mode =
      mode_value.kind == Value::Kind::String ? mode_value.s.str() : to_source(mode_value);
  auto parsed = parse_interpolate_mode(mode);
  if (!parsed || (*parsed != InterpolateMode::bilinear && *parsed != InterpolateMode::nearest &&
                  *parsed != InterpolateMode::bicubic))
    return ctx.fail_at("mode",
                       fmt::format("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                                   "'nearest' or 'bicubic', but got: '{}'",
                                   mode),
                       "use mode='bilinear', 'nearest' or 'bicubic'");
  const Value& padding_value = ctx.value("padding_mode");
  std::string padding =
      padding_value.kind == Value::Kind::String ? padding_value.s.str() : to_source(padding_value);
  auto grid_padding = parse_grid_padding(padding);
  if (!grid_padding)
    return ctx.fail_at("padding_mode",
                       fmt::format("nn.functional.grid_sample(): expected padding_mode to be "
                                   "'zeros', 'border', or 'reflection', but got: '{}'",
                                   padding),
                       "use padding_mode='zeros', 'border' or 'reflection'");
  auto align = align_corners_arg(ctx, "grid_sampler", 5);
  if (!align) return false;
  const Shape &x = ctx.in()[0], &grid = ctx.in()[1];
  if (x.empty() || grid.empty())
    return ctx.fail_input("Dimension specified as 0 but tensor has no dimensions",
                          "grid_sample takes a batch: input [N, C, H, W], grid [N, H, W, 2]");
  std::string sizes =
      fmt::format("input with sizes {} and grid with sizes {}", to_string(x), to_string(grid));
  if (x[0] != grid[0])
    return ctx.fail_input(
        "grid_sampler(): expected grid and input to have same batch size, but got " + sizes,
        "give the grid one plane of positions per sample of the input");
  int64_t spatial = static_cast<int64_t>(x.size()) - 2;
  if (grid.back() != fixed(spatial))
    return ctx.fail_input(
        fmt::format("grid_sampler(): expected grid to have size {} in last dimension, but got "
                    "grid with sizes {}",
                    spatial, to_string(grid)),
        "a grid holds one coordinate per spatial dim of the input: [N, H, W, 2] for 4-D");
  for (size_t i = 2; i < x.size(); ++i) {
    if (!x[i].symbolic() && x[i].value == 0)
      return ctx.fail_input(fmt::format("grid_sampler(): expected input to have non-empty spatial "
                                        "dimensions, but input has sizes {} with dimension {} "
                                        "being empty",
                                        to_string(x), i),
                            "sample an input whose spatial dims are not empty");
  }
  if (x.size() != 4 && (x.size() != 5 || grid.size() != 5))
    return ctx.fail_input(fmt::format("grid_sampler(): expected 5D input and grid with same number "
                                      "of dimensions, but got {}",
                                      sizes),
                          "grid_sample takes 4-D or 5-D inputs and grids of the same rank");
  if (x.size() == 4 && grid.size() != 4)
    return ctx.fail_input(fmt::format("grid_sampler(): expected 4D input and grid with same number "
                                      "of dimensions, but got {}",
                                      sizes),
                          "grid_sample takes 4-D or 5-D inputs and grids of the same rank");
  if (x.size() == 5 && *parsed == InterpolateMode::bicubic)
    return ctx.fail_at("mode", "grid_sampler(): bicubic interpolation only supports 4D input",
                       "use mode='bilinear' or 'nearest' for a 5-D input");
  Shape out = {x[0], x[1]};
  for (size_t i = 1; i + 1 < grid.size(); ++i) out.push_back(grid[i]);
  ctx.attrs.mode = *parsed;
  ctx.attrs.grid_padding = *grid_padding;
  ctx.attrs.align_corners = *align;
  ctx.set_output(out);
  return true;
}

}  // namespace netshape
