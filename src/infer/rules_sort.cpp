// Shape rules of the sort and topk families: the elements along one dim, in order, and where each
// came from (torch.sort, torch.argsort, torch.topk).
#include <fmt/format.h>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// `dim` wrapped against the input's rank (a 0-dim tensor takes 0 or -1, as maybe_wrap_dim).
bool sorting_dim(RuleContext& ctx, int64_t& dim) {
  const Value& v = ctx.value("dim");
  if (v.kind != Value::Kind::Int)
    return ctx.fail_at(
        "dim", fmt::format("{}(): argument 'dim' must be int, not {}", ctx.op.name, python_type(v)),
        "write dim=-1 (the dim to order along)");
  return dim_arg(ctx, "dim", static_cast<int64_t>(ctx.x().size()), dim);
}

// A flag of the call (descending, largest, sorted, stable): a bool, as the argument parser takes.
std::optional<bool> flag(RuleContext& ctx, std::string_view param) {
  const Value& v = ctx.value(param);
  if (v.kind == Value::Kind::Bool) return v.b;
  ctx.fail_at(
      param,
      fmt::format("{}(): argument '{}' must be bool, not {}", ctx.op.name, param, python_type(v)),
      fmt::format("write {}=True or {}=False", param, param));
  return std::nullopt;
}

}  // namespace

// x: [...] -> [...]: the values along dim in order (sort), or where each came from (argsort, and
// sort's second result)
bool infer_sort(RuleContext& ctx) {
  int64_t dim = 0;
  if (!sorting_dim(ctx, dim)) return false;
  auto descending = flag(ctx, "descending");
  if (!descending || !flag(ctx, "stable")) return false;
  ctx.attrs.dim = dim;
  ctx.attrs.descending = *descending;
  ctx.attrs.indices = ctx.op.id == OpId::argsort || ctx.st.extras().output_index == 1;
  ctx.attrs.stable = ctx.value("stable").b;
  ctx.set_output(ctx.x());
  return true;
}

// x: [..., n, ...] -> [..., k, ...] (dim's size n): the k largest (largest=False: smallest) along
// dim, or where each came from (its second result)
bool infer_topk(RuleContext& ctx) {
  const Value& k = ctx.value("k");
  if (k.kind != Value::Kind::Int)
    return ctx.fail_at("k", fmt::format("topk(): argument 'k' must be int, not {}", python_type(k)),
                       "write the number of elements to keep: topk(5)");
  int64_t dim = 0;
  if (!sorting_dim(ctx, dim)) return false;
  auto largest = flag(ctx, "largest");
  if (!largest || !flag(ctx, "sorted")) return false;
  Shape out = ctx.x();
  const Dim along = out.empty() ? fixed(1) : out[static_cast<size_t>(dim)];
  if (along.symbolic())
    return ctx.fail_unsupported(
        "k", fmt::format("topk along the dim of size {}", to_string(along)),
        "give that dim a number in the input, or take topk along another dim");
  if (k.i < 0 || k.i > along.value)
    return ctx.fail_at("k", "selected index k out of range",
                       fmt::format("{} has {} elements along dim {}: k is at most {}",
                                   ctx.input_name(0), along.value, dim, along.value));
  // topk_cpu's kernel has none for bool and float16 (a 0-dim tensor needs none)
  const std::vector<InputRole>& roles = ctx.st.extras().input_roles;
  if (!out.empty() && !roles.empty() && roles[0].refused_dtype)
    return ctx.fail_input(
        fmt::format("\"topk_cpu\" not implemented for '{}'", roles[0].refused_dtype),
        "cast it with `.float()` first");
  if (!out.empty()) out[static_cast<size_t>(dim)] = fixed(k.i);
  ctx.attrs.dim = dim;
  ctx.attrs.descending = *largest;
  ctx.attrs.indices = ctx.st.extras().output_index == 1;
  ctx.set_output(out);
  return true;
}

}  // namespace netshape
