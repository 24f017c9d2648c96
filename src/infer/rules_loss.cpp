// Shape rule of the element-wise losses a forward computes (F.mse_loss, l1_loss, smooth_l1_loss,
// huber_loss): the two tensors broadcast together, each element's loss, then the reduction.
#include <fmt/format.h>

#include <cmath>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// The function a loss module's forward calls, whose name PyTorch's messages give.
const char* loss_function(OpKind kind) {
  switch (kind) {
    case OpKind::l1:
      return "l1_loss";
    case OpKind::smooth_l1:
      return "smooth_l1_loss";
    case OpKind::huber:
      return "huber_loss";
    default:
      return "mse_loss";
  }
}

// Python's truth of a legacy size_average or reduce argument (None: the default, True).
std::optional<bool> legacy_flag(const Value& v) {
  switch (v.kind) {
    case Value::Kind::None:
      return true;
    case Value::Kind::Bool:
      return v.b;
    case Value::Kind::Int:
      return v.i != 0;
    case Value::Kind::Float:
      return v.f != 0.0;
    case Value::Kind::String:
      return !v.s.empty();
    default:
      return std::nullopt;
  }
}

// The reduction as F's wrapper decides it: the legacy size_average and reduce when either is
// given (_Reduction.legacy_get_string), else `reduction` as written (its str(), checked later);
// nullopt when refused.
std::optional<std::string> reduction_written(RuleContext& ctx) {
  if (ctx.op.kind != OpKind::huber) {
    const Value &size_average = ctx.value("size_average"), &reduce = ctx.value("reduce");
    if (size_average.kind != Value::Kind::None || reduce.kind != Value::Kind::None) {
      std::optional<bool> average = legacy_flag(size_average), reduced = legacy_flag(reduce);
      if (!average || !reduced) {
        ctx.fail_unsupported(average ? "reduce" : "size_average",
                             fmt::format("{}'s legacy size_average or reduce given a tensor or "
                                         "a list",
                                         loss_function(ctx.op.kind)),
                             "write reduction='mean', 'sum' or 'none' instead");
        return std::nullopt;
      }
      return std::string(*average && *reduced ? "mean" : *reduced ? "sum" : "none");
    }
  }
  const Value& r = ctx.value("reduction");
  return r.kind == Value::Kind::String ? r.s.str() : to_source(r);
}

// `beta` (smooth_l1_loss) or `delta` (huber_loss): a number, as the argument parser takes it,
// then the kernel's check of its sign.
bool threshold_checked(RuleContext& ctx) {
  bool huber = ctx.op.kind == OpKind::huber;
  const char* param = huber ? "delta" : "beta";
  const Value& v = ctx.value(param);
  if (v.kind != Value::Kind::Int && v.kind != Value::Kind::Float && v.kind != Value::Kind::Bool)
    return ctx.fail_at(param,
                       fmt::format("{}(): argument '{}' (position 4) must be float, not {}",
                                   loss_function(ctx.op.kind), param, python_type(v)),
                       fmt::format("write {}=1.0", param));
  double t = *ctx.float_arg(param);
  if (huber && !(t > 0))
    return ctx.fail_at(param, "huber_loss does not support non-positive values for delta.",
                       "use delta > 0 (1.0 by default)");
  if (!huber && !(t >= 0))  // NaN too: `beta == 0.0` is false, the kernel's check fails
    return ctx.fail_at(param, "smooth_l1_loss does not support negative values for beta.",
                       "use beta >= 0 (1.0 by default; 0 is the l1 loss)");
  ctx.attrs.loss_beta = t;
  return true;
}

}  // namespace

// input: [*], target: [*] -> [] (reduction 'mean' or 'sum') or broadcast(input, target) ('none');
//   F's checks in its order: the broadcast, the reduction, beta (delta)
bool infer_elementwise_loss(RuleContext& ctx) {
  if (ctx.in().size() != 2) {
    std::string call(ctx.op.name);
    if (ctx.op.is_module()) call += ".forward";
    return ctx.fail_input(
        ctx.in().size() < 2
            ? fmt::format("{}() missing 1 required positional argument: 'target'", call)
            : fmt::format("{}() takes two tensors, the input and the target", call),
        "give it the prediction and the target: `(y, target)`");
  }
  std::optional<std::string> reduction = reduction_written(ctx);
  if (!reduction) return false;
  const Shape &a = ctx.in()[0], &b = ctx.in()[1];
  std::string error;
  std::optional<Shape> both = broadcast_shapes(a, b, error);
  if (!both)
    return ctx.fail_input(
        error, fmt::format("{} is {} and {} is {}: their shapes must broadcast", ctx.input_name(0),
                           to_string(a), ctx.input_name(1), to_string(b)));
  Attrs& at = ctx.attrs;
  if (*reduction == "none")
    at.reduction = LossReduction::none;
  else if (*reduction == "mean" || *reduction == "elementwise_mean")
    at.reduction = LossReduction::mean;
  else if (*reduction == "sum")
    at.reduction = LossReduction::sum;
  else
    return ctx.fail_at("reduction",
                       fmt::format("{} is not a valid value for reduction", *reduction),
                       "write reduction='mean', 'sum' or 'none'");
  if ((ctx.op.kind == OpKind::smooth_l1 || ctx.op.kind == OpKind::huber) && !threshold_checked(ctx))
    return false;
  Shape out = at.reduction == LossReduction::none ? *both : Shape{};
  if (ctx.want_explain)
    ctx.explain("out = {}: the loss of each element of the broadcast {}, {}", to_string(out),
                to_string(*both),
                at.reduction == LossReduction::none   ? "not reduced"
                : at.reduction == LossReduction::mean ? "then their mean"
                                                      : "then their sum");
  ctx.set_output(std::move(out));
  return true;
}

}  // namespace netshape
