// Shape rules of the distances: the distance family (two tensors broadcast together, then reduced
// along one dim: nn.CosineSimilarity, nn.PairwiseDistance and their functions) and torch.cdist
// (every row of one tensor against every row of the other).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "netshape/float_limits.hpp"
#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// Whether `param` was written by name (`dim=2`): PyTorch's argument parser then names no position
// in its TypeError. A module's forward passes its settings by position (F.cosine_similarity(x1,
// x2, self.dim, self.eps)), so its errors always name one.
bool by_keyword(const RuleContext& ctx, std::string_view param) {
  return !ctx.op.is_module() && std::any_of(ctx.st.args.begin(), ctx.st.args.end(),
                                            [&](const Arg& a) { return a.keyword == param; });
}

// The settings as the function's argument parser takes them, in its order: `dim` an int (a bool is
// none), `p` and `eps` numbers (a bool is one), `keepdim` a bool.
bool arguments_typed(RuleContext& ctx, bool pairwise) {
  const char* call = pairwise ? "pairwise_distance" : "cosine_similarity";
  auto refuse = [&](std::string_view param, int position, std::string_view type, std::string help) {
    std::string at = by_keyword(ctx, param) ? "" : fmt::format(" (position {})", position);
    return ctx.fail_at(param,
                       fmt::format("{}(): argument '{}'{} must be {}, not {}", call, param, at,
                                   type, python_type(ctx.value(param))),
                       std::move(help));
  };
  auto number = [&](std::string_view param) {
    Value::Kind k = ctx.value(param).kind;
    return k == Value::Kind::Int || k == Value::Kind::Float || k == Value::Kind::Bool;
  };
  if (pairwise) {
    if (!number("p")) return refuse("p", 3, "float", "write p=2.0 (the norm's order)");
    if (!number("eps")) return refuse("eps", 4, "float", "write eps=1e-6");
    if (ctx.value("keepdim").kind != Value::Kind::Bool)
      return refuse("keepdim", 5, "bool", "write keepdim=True or keepdim=False");
    return true;
  }
  if (ctx.value("dim").kind != Value::Kind::Int)
    return refuse("dim", 3, "int", "write dim=1 (the dim the vectors lie along)");
  if (!number("eps")) return refuse("eps", 4, "float", "write eps=1e-8");
  return true;
}

// `CosineSimilarity()(a)`, `F.pairwise_distance(a)`: Python's TypeError for the missing x2.
bool second_tensor_missing(RuleContext& ctx) {
  std::string message =
      ctx.op.is_module()
          ? fmt::format("{}.forward() missing 1 required positional argument: 'x2'", ctx.op.name)
          : fmt::format("{}() missing 1 required positional arguments: \"x2\"", ctx.op.name);
  return ctx.fail_input(std::move(message), "give it the two tensors to compare: `(a, b)`");
}

// `CosineSimilarity()(a, b, c)`: Python's TypeError; `F.cosine_similarity(a, b, c)`: the third
// tensor lands on `dim` (`p`), the argument parser's TypeError.
bool tensors_extra(RuleContext& ctx, bool pairwise) {
  std::string message =
      ctx.op.is_module()
          ? fmt::format("{}.forward() takes 3 positional arguments but {} were given", ctx.op.name,
                        ctx.in().size() + 1)
          : fmt::format("{}(): argument '{}' (position 3) must be {}, not Tensor", ctx.op.name,
                        pairwise ? "p" : "dim", pairwise ? "float" : "int");
  return ctx.fail_input(std::move(message), "give it the two tensors to compare: `(a, b)`");
}

// cosine_similarity clamps the squared norms at eps^2, a number in the tensors' type: past
// float32's range (eps above ~1.8e19; bfloat16's alike) it is PyTorch's overflow error. A float64
// model holds it (and an inf eps^2 converts to any type).
bool eps_square_fits(RuleContext& ctx) {
  double square = ctx.attrs.eps * ctx.attrs.eps;
  uint8_t bytes = ctx.st.extras().element_bytes;  // a .py model's result type: 8 float64, 2 bf16
  double largest = bytes == 2 ? kBFloat16Max : kFloat32Max;
  if (bytes == 8 || !std::isfinite(square) || square <= largest) return true;
  return ctx.fail_at("eps",
                     fmt::format("value cannot be converted to type {} without overflow",
                                 bytes == 2 ? "at::BFloat16" : "float"),
                     "eps is the smallest norm it divides by: write eps=1e-8");
}

}  // namespace

// a: [*], b: [*] -> broadcast(a, b) without `dim` (cosine_similarity: dim wrapped against the
// broadcast rank) or without the last dim (pairwise_distance; kept as 1 with keepdim=True)
bool infer_distance(RuleContext& ctx) {
  bool pairwise = ctx.op.kind == OpKind::pairwise;
  if (ctx.in().size() < 2) return second_tensor_missing(ctx);
  if (ctx.in().size() > 2) return tensors_extra(ctx, pairwise);
  if (!arguments_typed(ctx, pairwise)) return false;
  const Shape &a = ctx.in()[0], &b = ctx.in()[1];
  std::string error;
  std::optional<Shape> both = broadcast_shapes(a, b, error);
  if (!both) {
    return ctx.fail_input(
        error,
        fmt::format("{} compares {} ({}) with {} ({}): their shapes must broadcast", ctx.name(),
                    ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b)));
  }
  Shape out = *both;
  auto rank = static_cast<int64_t>(out.size());
  Attrs& at = ctx.attrs;
  at.eps = ctx.float_arg("eps").value_or(0.0);
  if (pairwise) {
    at.p = ctx.float_arg("p").value_or(2.0);
    at.dim = std::max<int64_t>(rank - 1, 0);
    if (rank > 0 && ctx.value("keepdim").b)
      out.back() = fixed(1);
    else if (rank > 0)
      out.pop_back();
  } else {
    std::optional<int64_t> dim = wrap_dim(ctx.value("dim").i, rank);
    if (!dim) {
      return ctx.fail_at("dim", dim_out_of_range(std::to_string(ctx.value("dim").i), rank),
                         fmt::format("the tensors broadcast to {}: use dim={}", to_string(out),
                                     std::max<int64_t>(rank, 1) - 1));
    }
    at.dim = *dim;
    if (!eps_square_fits(ctx)) return false;
    if (rank > 0) out.erase(out.begin() + *dim);
  }
  if (ctx.want_explain)
    ctx.explain("out = {}: {} along dim {} of the broadcast {}", to_string(out),
                pairwise ? "the distance" : "the cosine similarity", at.dim, to_string(*both));
  ctx.set_output(out);
  return true;
}

namespace {

// torch.cdist's Python wrapper, then its argument parser: a compute_mode of the three it names
// (its ValueError), then `p` a number (a bool is one).
bool cdist_arguments(RuleContext& ctx) {
  const Value& mode = ctx.value("compute_mode");
  bool named = mode.kind == Value::Kind::String &&
               (mode.s == "use_mm_for_euclid_dist_if_necessary" ||
                mode.s == "use_mm_for_euclid_dist" || mode.s == "donot_use_mm_for_euclid_dist");
  if (!named)
    return ctx.fail_at(
        "compute_mode",
        fmt::format("{} is not a valid value for compute_mode",
                    mode.kind == Value::Kind::String ? mode.s.str() : to_source(mode)),
        "write compute_mode='use_mm_for_euclid_dist_if_necessary' (the default)");
  Value::Kind p = ctx.value("p").kind;
  if (p != Value::Kind::Int && p != Value::Kind::Float && p != Value::Kind::Bool)
    return ctx.fail_at("p",
                       fmt::format("cdist(): argument 'p' (position 3) must be float, not {}",
                                   python_type(ctx.value("p"))),
                       "write p=2.0 (the norm's order)");
  return true;
}

// The ranks and the columns, as at::cdist checks them first.
bool cdist_shapes(RuleContext& ctx, const Shape& a, const Shape& b) {
  for (int i = 0; i < 2; ++i) {
    const Shape& x = i == 0 ? a : b;
    if (x.size() < 2)
      return ctx.fail_input(
          fmt::format("cdist only supports at least 2D tensors, X{} got: {}D", i + 1, x.size()),
          fmt::format("{} is {}: cdist compares rows, [rows, features] (or with batch dims "
                      "first)",
                      ctx.input_name(static_cast<size_t>(i)), to_string(x)));
  }
  if (!(a.back() == b.back()))
    return ctx.fail_input(
        fmt::format("X1 and X2 must have the same number of columns. X1: {} X2: {}",
                    to_string(a.back()), to_string(b.back())),
        fmt::format("{} is {} and {} is {}: their rows must have one length, the last dim",
                    ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b)));
  return true;
}

}  // namespace

// x1: [*B1, P, M], x2: [*B2, R, M] -> [broadcast(B1, B2), P, R]: the p-norm of each row of x1
//   minus each row of x2; PyTorch's checks in its order (the ranks, the columns, the dtypes, p,
//   the batch dims); MACs prod(out) * M
bool infer_cdist(RuleContext& ctx) {
  if (ctx.in().size() < 2)
    return ctx.fail_input("cdist() missing 1 required positional argument: 'x2'",
                          "give it the two sets of rows to compare: `cdist(a, b)`");
  if (ctx.in().size() > 2)
    return ctx.fail_input("cdist(): argument 'p' (position 3) must be float, not Tensor",
                          "give it the two sets of rows to compare: `cdist(a, b)`");
  if (!cdist_arguments(ctx)) return false;
  const Shape &a = ctx.in()[0], &b = ctx.in()[1];
  if (!cdist_shapes(ctx, a, b)) return false;
  const StatementExtras& extras = ctx.st.extras();
  if (!extras.dtype_error.empty() && !extras.dtype_error_computed)
    return ctx.fail_input(extras.dtype_error, "cast both to float first: `x.float()`");
  double p = ctx.float_arg("p").value_or(2.0);
  if (!(p >= 0))
    return ctx.fail_at("p", "cdist only supports non-negative p values",
                       "use p >= 0 (2 for the Euclidean distance, 1 for the Manhattan)");
  std::string error;
  std::optional<Shape> batch =
      broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2), error);
  if (!batch)
    return ctx.fail_input(
        error, fmt::format("{} is {} and {} is {}: the dims before the last two "
                           "must broadcast",
                           ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b)));
  auto elements = [](const Shape& s) {
    return std::none_of(s.begin(), s.end(),
                        [](const Dim& d) { return !d.symbolic() && d.value == 0; });
  };
  if (!extras.dtype_error.empty() && elements(a) && elements(b))
    return ctx.fail_input(extras.dtype_error, "cast both to one type first: `x.float()`");
  Shape out = *batch;
  out.push_back(a[a.size() - 2]);
  out.push_back(b[b.size() - 2]);
  auto pairs = count_product(out);
  if (!pairs) return ctx.fail(ctx.st.op_span, "the output size overflows 64 bits");
  const Dim& m = a.back();
  if (!ctx.add_macs({*pairs, m.symbolic() ? 1 : m.value})) return false;
  ctx.attrs.p = p;
  const Value& mode = ctx.value("compute_mode");
  ctx.attrs.cdist_mode = mode.s == "use_mm_for_euclid_dist"         ? 1
                         : mode.s == "donot_use_mm_for_euclid_dist" ? 2
                                                                    : 0;
  if (ctx.want_explain)
    ctx.explain(
        "out = {}: the {}-norm distance of each of {}'s {} rows to each of {}'s {}; MACs "
        "= prod({}) * {} = {}",
        to_string(out), p, ctx.input_name(0), to_string(out[out.size() - 2]), ctx.input_name(1),
        to_string(out.back()), to_string(out), to_string(m), ctx.layer.macs);
  ctx.set_output(std::move(out));
  return true;
}

}  // namespace netshape
