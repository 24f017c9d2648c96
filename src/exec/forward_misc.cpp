// Reference forwards of normalisation, activations, reshaping, Linear, padding, resampling and
// joining. Straightforward loops: these ops are memory-bound and not where time goes.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <tuple>

#include "../kernels/parallel.hpp"
#include "forward.hpp"
#include "netshape/elementwise.hpp"

namespace netshape {
namespace {

// Reshapes keep the data; the new shape must hold exactly the same number of elements.
void reshape_to(ForwardCtx& ctx, std::vector<int64_t> shape) {
  if (product(shape, 0, shape.size()) != ctx.x().numel())
    throw ForwardError("reshape changes the number of elements");
  ctx.out.shape = std::move(shape);
  ctx.out.data = ctx.x().data;
}

// torch.nn.SELU's constants (aten/src/ATen/native/Activation.cpp), as floats.
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;

// PyTorch's softplus: log(1 + exp(beta v)) / beta, and v itself where beta v > threshold.
float softplus(float v, float beta, float threshold) {
  float scaled = v * beta;
  return scaled > threshold ? v : std::log1p(std::exp(scaled)) / beta;
}

}  // namespace

float apply_activation(OpKind kind, float v, const Attrs& a) {
  switch (kind) {
    case OpKind::relu:  // NaN stays NaN, as in PyTorch
      return v < 0.0f ? 0.0f : v;
    case OpKind::relu6:
      return std::clamp(v, 0.0f, 6.0f);
    case OpKind::leaky_relu:
      return v > 0.0f ? v : v * static_cast<float>(a.negative_slope);
    case OpKind::elu:
      return v > 0.0f ? v : static_cast<float>(a.alpha) * std::expm1(v);
    case OpKind::gelu:
      if (a.approximate == GeluApproximate::tanh) {
        return 0.5f * v * (1.0f + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
      }
      return 0.5f * v * (1.0f + std::erf(v * 0.70710678f));
    case OpKind::silu:
      return v / (1.0f + std::exp(-v));
    case OpKind::sigmoid:
      return 1.0f / (1.0f + std::exp(-v));
    case OpKind::tanh:
      return std::tanh(v);
    case OpKind::hardsigmoid:  // relu6(x + 3) / 6
      return std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f;
    case OpKind::hardswish:
      return v * std::clamp(v + 3.0f, 0.0f, 6.0f) / 6.0f;
    case OpKind::softplus:
      return softplus(v, static_cast<float>(a.beta), static_cast<float>(a.threshold));
    case OpKind::mish:
      return v * std::tanh(softplus(v, 1.0f, 20.0f));
    case OpKind::logsigmoid:  // log(1 / (1 + exp(-v))), without overflow: -softplus(-v)
      return std::min(v, 0.0f) - std::log1p(std::exp(-std::abs(v)));
    case OpKind::hardtanh:  // PyTorch's clamp: max_val wins when min_val > max_val; NaN stays
      return std::min(std::max(v, static_cast<float>(a.min_val)), static_cast<float>(a.max_val));
    case OpKind::selu:  // elu with SELU's alpha and scale, as PyTorch's constants
      return v > 0.0f ? v * kSeluScale : std::expm1(v) * (kSeluAlpha * kSeluScale);
    case OpKind::celu:
      return v > 0.0f ? v
                      : static_cast<float>(a.alpha) * std::expm1(v / static_cast<float>(a.alpha));
    case OpKind::softsign:
      return v / (1.0f + std::abs(v));
    case OpKind::tanhshrink:
      return v - std::tanh(v);
    case OpKind::softshrink: {
      auto l = static_cast<float>(a.lambd);
      return v > l ? v - l : v < -l ? v + l : 0.0f;
    }
    case OpKind::hardshrink: {
      auto l = static_cast<float>(a.lambd);
      return v >= -l && v <= l ? 0.0f : v;
    }
    case OpKind::rrelu: {  // eval mode: leaky_relu with the mean slope, computed in double
      auto slope = static_cast<float>((a.lower + a.upper) / 2);
      return v > 0.0f ? v : v * slope;
    }
    case OpKind::threshold:
      return v <= static_cast<float>(a.threshold) ? static_cast<float>(a.value) : v;
    default:
      return v;  // Identity; Dropout in inference mode
  }
}

namespace {

// Normalises `count` groups of `size` contiguous values, then applies per-channel affine.
void normalise_groups(const float* x, float* y, int64_t groups, int64_t size, double eps) {
  for (int64_t g = 0; g < groups; ++g) {
    const float* src = x + g * size;
    double mean = 0.0, var = 0.0;
    for (int64_t i = 0; i < size; ++i) mean += src[i];
    mean /= static_cast<double>(std::max<int64_t>(size, 1));
    for (int64_t i = 0; i < size; ++i) var += (src[i] - mean) * (src[i] - mean);
    var /= static_cast<double>(std::max<int64_t>(size, 1));
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < size; ++i) y[g * size + i] = static_cast<float>((src[i] - mean) * inv);
  }
}

// y[n, c, ...] = y * weight[c] + bias[c] over an [outer, C, inner] view.
// A norm's weight or bias: the layer's parameter, or the function's tensor (F.layer_norm's,
// F.batch_norm's: the input attrs name).
const Tensor* norm_tensor(const ForwardCtx& ctx, int input, const char* parameter) {
  if (op_info(ctx.layer.op).is_module()) return ctx.weight(parameter);
  return input >= 0 ? ctx.in.at(static_cast<size_t>(input)) : nullptr;
}

void channel_affine(ForwardCtx& ctx, int64_t outer, int64_t channels, int64_t inner) {
  const Tensor* w = norm_tensor(ctx, ctx.layer.attrs->weight_input, "weight");
  const Tensor* b = norm_tensor(ctx, ctx.layer.attrs->bias_input, "bias");
  if (!w && !b) return;
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        float& v = y[(o * channels + c) * inner + i];
        if (w) v *= w->data[static_cast<size_t>(c)];
        if (b) v += b->data[static_cast<size_t>(c)];
      }
}

// x: [N, C, *] -> same, normalised per channel with the batch's mean and (biased) variance, as
// a BatchNorm without running statistics does in eval mode too; then weight[c], bias[c].
static void batch_norm_with_batch_stats(ForwardCtx& ctx) {
  const std::vector<int64_t>& s = ctx.x().shape;
  int64_t batch = s[0], channels = s[1], inner = product(s, 2, s.size());
  if (batch * inner == 1)
    throw ForwardError(
        fmt::format("Expected more than 1 value per channel when training, got "
                    "input size torch.Size([{}])",
                    fmt::join(s, ", ")));
  ctx.out = ctx.zeros(s);
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  const double eps = ctx.layer.attrs->eps;
  for (int64_t c = 0; c < channels; ++c) {
    double mean = 0.0, var = 0.0;
    auto at = [&](int64_t n, int64_t i) { return (n * channels + c) * inner + i; };
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i) mean += x[at(n, i)];
    mean /= static_cast<double>(std::max<int64_t>(batch * inner, 1));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i) var += (x[at(n, i)] - mean) * (x[at(n, i)] - mean);
    var /= static_cast<double>(std::max<int64_t>(batch * inner, 1));
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i)
        y[at(n, i)] = static_cast<float>((x[at(n, i)] - mean) * inv);
  }
  channel_affine(ctx, batch, channels, inner);
}

// F.batch_norm in eval mode: each channel normalised with the running statistics it was given,
// y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c].
static void batch_norm_with_running_tensors(ForwardCtx& ctx) {
  const std::vector<int64_t>& s = ctx.x().shape;
  const Attrs& a = *ctx.layer.attrs;
  if (a.mean_input < 0 || a.var_input < 0) throw ForwardError("batch_norm: no running statistics");
  const Tensor& mean = *ctx.in.at(static_cast<size_t>(a.mean_input));
  const Tensor& var = *ctx.in.at(static_cast<size_t>(a.var_input));
  int64_t channels = s[1], inner = product(s, 2, s.size());
  ctx.out = ctx.zeros(s);
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < s[0]; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      double m = mean.data.at(static_cast<size_t>(c));
      double inv =
          1.0 / std::sqrt(static_cast<double>(var.data.at(static_cast<size_t>(c))) + a.eps);
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (o * channels + c) * inner + i;
        y[at] = static_cast<float>((x[at] - m) * inv);
      }
    }
  channel_affine(ctx, s[0], channels, inner);
}

// One element of add / sub / mul / div (true division, as torch.div without rounding_mode),
// maximum / minimum, logical_and / or / xor.
float combine(OpKind kind, float x, float y, float alpha) {
  switch (kind) {
    case OpKind::sub:
      return x - alpha * y;
    case OpKind::mul:
      return x * y;
    case OpKind::div:
      return x / y;
    case OpKind::maximum:
      return std::max(x, y);
    case OpKind::minimum:
      return std::min(x, y);
    case OpKind::logical_and:
      return x != 0.0f && y != 0.0f ? 1.0f : 0.0f;
    case OpKind::logical_or:
      return x != 0.0f || y != 0.0f ? 1.0f : 0.0f;
    case OpKind::logical_xor:
      return (x != 0.0f) != (y != 0.0f) ? 1.0f : 0.0f;
    default:
      return x + alpha * y;
  }
}

}  // namespace

// x: [*] -> [*]: x where positive, else x times its channel's slope (dim 1), or the one slope
void forward_prelu(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Tensor* w = ctx.weight("weight");
  if (!w || w->data.empty()) throw ForwardError("PReLU: no weight");
  int64_t slopes = w->numel();
  int64_t inner = 1;
  for (size_t i = 2; i < x.shape.size(); ++i) inner *= x.shape[i];
  ctx.out = ctx.zeros(x.shape);
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = x.data[static_cast<size_t>(i)];
    float slope = w->data[static_cast<size_t>(slopes == 1 ? 0 : (i / inner) % slopes)];
    ctx.out.data[static_cast<size_t>(i)] = v > 0.0f ? v : slope * v;
  }
}

// x: [N, C, *] -> same; inference mode: running mean 0 and variance 1 (PyTorch's initial buffers)
void forward_batch_norm(ForwardCtx& ctx) {
  std::vector<int64_t> s = ctx.x().shape;
  double eps = ctx.layer.attrs->eps;
  if (!ctx.layer.attrs->running_stats) return batch_norm_with_batch_stats(ctx);
  if (ctx.layer.op == OpId::batch_norm) return batch_norm_with_running_tensors(ctx);
  ctx.out = ctx.take_x();
  // Eval mode with the running statistics PyTorch starts with (mean 0, var 1):
  // y = x / sqrt(1 + eps) * weight[c] + bias[c], one multiply-add per value.
  float scale = static_cast<float>(1.0 / std::sqrt(1.0 + eps));
  const Tensor* w = ctx.weight("weight");
  const Tensor* b = ctx.weight("bias");
  int64_t channels = s[1], inner = product(s, 2, s.size());
  float* y = ctx.out.data.data();
  const int threads = kernels::threads_for_floats(s[0] * channels * inner, ctx.threads);
  kernels::parallel_for(s[0] * channels, threads, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {  // plane = o * channels + c
      const int64_t c = plane % channels;
      float m = w ? scale * w->data[static_cast<size_t>(c)] : scale;
      float a = b ? b->data[static_cast<size_t>(c)] : 0.0f;
      float* row = y + plane * inner;
      for (int64_t i = 0; i < inner; ++i) row[i] = row[i] * m + a;
    }
  });
}

// x: [N, C, *] -> same; statistics per (sample, channel), or, with track_running_stats, the
// running ones eval mode reads (mean 0, variance 1: y = x / sqrt(1 + eps))
void forward_instance_norm(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  int nd = op_info(ctx.layer.op).spatial_dims;
  size_t c_axis = s.size() - static_cast<size_t>(nd) - 1;
  int64_t inner = product(s, c_axis + 1, s.size());
  ctx.out = ctx.zeros(s);
  if (ctx.layer.attrs->running_stats) {
    auto scale = static_cast<float>(1.0 / std::sqrt(1.0 + ctx.layer.attrs->eps));
    for (size_t i = 0; i < ctx.out.data.size(); ++i) ctx.out.data[i] = ctx.x().data[i] * scale;
  } else {
    normalise_groups(ctx.x().data.data(), ctx.out.data.data(),
                     ctx.x().numel() / std::max<int64_t>(inner, 1), inner, ctx.layer.attrs->eps);
  }
  channel_affine(ctx, product(s, 0, c_axis), s[c_axis], inner);
}

// x: [*, normalized_shape] -> same
void forward_layer_norm(ForwardCtx& ctx) {
  const auto& norm = ctx.layer.attrs->normalized_shape;
  int64_t size = product(norm, 0, norm.size());
  ctx.out = ctx.zeros(ctx.x().shape);
  normalise_groups(ctx.x().data.data(), ctx.out.data.data(),
                   ctx.x().numel() / std::max<int64_t>(size, 1), size, ctx.layer.attrs->eps);
  const Tensor* w = norm_tensor(ctx, ctx.layer.attrs->weight_input, "weight");
  const Tensor* b = norm_tensor(ctx, ctx.layer.attrs->bias_input, "bias");
  for (size_t i = 0; i < ctx.out.data.size(); ++i) {
    size_t j = i % static_cast<size_t>(size);
    if (w) ctx.out.data[i] *= w->data[j];
    if (b) ctx.out.data[i] += b->data[j];
  }
}

// x: [N, C, *] -> same; each value divided by (k + alpha * the mean square of the `size`
// channels from c - size/2 to c + (size - 1)/2, zeros outside)^beta
void forward_local_response_norm(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  ctx.out = ctx.zeros(x.shape);
  if (x.data.empty()) return;
  int64_t batch = x.shape[0], channels = x.shape[1], inner = product(x.shape, 2, x.shape.size());
  int64_t before = a.window / 2, after = (a.window - 1) / 2;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        double squares = 0.0;
        for (int64_t o = std::max<int64_t>(0, c - before); o <= std::min(channels - 1, c + after);
             ++o) {
          double v = x.data[static_cast<size_t>((n * channels + o) * inner + i)];
          squares += v * v;
        }
        auto at = static_cast<size_t>((n * channels + c) * inner + i);
        double divisor = std::pow(squares / static_cast<double>(a.window) * a.alpha + a.k, a.beta);
        ctx.out.data[at] = static_cast<float>(x.data[at] / divisor);
      }
}

// x: [N, C, *] -> same; statistics per (sample, group of C/G channels)
void forward_group_norm(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  int64_t groups = ctx.layer.attrs->num_groups;
  int64_t inner = product(s, 2, s.size());
  ctx.out = ctx.zeros(s);
  normalise_groups(ctx.x().data.data(), ctx.out.data.data(), s[0] * groups, s[1] / groups * inner,
                   ctx.layer.attrs->eps);
  channel_affine(ctx, s[0], s[1], inner);
}

// x: [*] -> [*]
void forward_elementwise(ForwardCtx& ctx) {
  ctx.out = ctx.take_x();
  OpKind kind = op_info(ctx.layer.op).kind;
  // The common kinds get a loop of their own (the compiler vectorises it); the others go
  // through the one definition of each activation.
  float* y = ctx.out.data.data();
  const auto n = static_cast<int64_t>(ctx.out.data.size());
  const int threads = kernels::threads_for_floats(n, ctx.threads);
  auto each = [&](auto f) {
    kernels::parallel_for(n, threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = f(y[i]);
    });
  };
  if (kind == OpKind::relu) return each([](float v) { return v < 0.0f ? 0.0f : v; });
  if (kind == OpKind::relu6) return each([](float v) { return std::clamp(v, 0.0f, 6.0f); });
  each([&](float v) { return apply_activation(kind, v, (*ctx.layer.attrs)); });
}

// x: [*] -> [*] (inference mode: identity)
void forward_dropout_nd(ForwardCtx& ctx) {
  ctx.out = ctx.x();
}

// x: [*] -> [*], normalised along dim
void forward_softmax(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  bool log = op_info(ctx.layer.op).kind == OpKind::log_softmax;
  int64_t outer = product(s, 0, dim), len = s.empty() ? 1 : s[dim],
          inner = product(s, dim + 1, s.size());
  ctx.out = ctx.x();
  float* y = ctx.out.data.data();
  if (op_info(ctx.layer.op).kind == OpKind::softmin)  // F.softmin is (-input).softmax(dim)
    for (float& v : ctx.out.data) v = -v;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto idx = [&](int64_t k) { return static_cast<size_t>((o * len + k) * inner + i); };
      float mx = y[idx(0)];
      for (int64_t k = 1; k < len; ++k) mx = std::max(mx, y[idx(k)]);
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(static_cast<double>(y[idx(k)] - mx));
      for (int64_t k = 0; k < len; ++k) {
        double v = y[idx(k)] - mx;
        y[idx(k)] = static_cast<float>(log ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
}

// x: [..., d, ...] -> [..., d / 2, ...]: a * sigmoid(b) of the halves a, b along dim
void forward_glu(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  if (dim >= s.size() || s[dim] % 2 != 0) throw ForwardError("glu: the dim's size is odd");
  int64_t outer = product(s, 0, dim), half = s[dim] / 2, inner = product(s, dim + 1, s.size());
  std::vector<int64_t> shape = s;
  shape[dim] = half;
  ctx.out = ctx.zeros(shape);
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < half; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        float a = x[(o * 2 * half + k) * inner + i], b = x[(o * 2 * half + half + k) * inner + i];
        y[(o * half + k) * inner + i] = a * (1.0f / (1.0f + std::exp(-b)));
      }
}

// x: [..., d_start..d_end, ...] -> [..., prod, ...]
void forward_flatten(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  if (s.empty()) return reshape_to(ctx, {1});
  size_t start = static_cast<size_t>(ctx.layer.attrs->start_dim);
  size_t end = static_cast<size_t>(ctx.layer.attrs->end_dim);
  std::vector<int64_t> shape(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(start));
  shape.push_back(product(s, start, end + 1));
  shape.insert(shape.end(), s.begin() + static_cast<std::ptrdiff_t>(end) + 1, s.end());
  reshape_to(ctx, shape);
}

// Unflatten, view and reshape take their target from inference (the batch bound) and check
// that it holds exactly the input's elements.
void forward_unflatten(ForwardCtx& ctx) {
  reshape_to(ctx, bind_shape(*ctx.layer.output, ctx.batch));
}
void forward_view(ForwardCtx& ctx) {
  reshape_to(ctx, bind_shape(*ctx.layer.output, ctx.batch));
}

// x: [*, in] -> [*, out]; y = x W^T + b
void forward_linear(ForwardCtx& ctx) {
  const Tensor& w = *ctx.weight("weight");
  const Tensor* b = ctx.weight("bias");
  int64_t out_f = w.shape[0], in_f = w.shape[1];
  std::vector<int64_t> shape = ctx.x().shape;
  if (shape.empty() || shape.back() != in_f)
    throw ForwardError("Linear input features differ from in_features");
  int64_t rows = ctx.x().numel() / in_f;
  shape.back() = out_f;
  ctx.out = ctx.zeros(shape);
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  // Output features split over the threads; each weight row is read once (from memory) and
  // then for every input row from cache.
  const int threads = kernels::threads_for_floats(out_f * in_f, ctx.threads);
  kernels::parallel_for(out_f, threads, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const float* wr = w.data.data() + o * in_f;
      const float bias = b ? b->data[static_cast<size_t>(o)] : 0.0f;
      for (int64_t r = 0; r < rows; ++r) y[r * out_f + o] = bias + dot(x + r * in_f, wr, in_f);
    }
  });
}

// The factor each row of an embedding table `w` is read with: with max_norm, F.embedding first
// renormalises in place every row it reads whose norm of order p exceeds max_norm, by max_norm /
// (norm + 1e-7) (embedding_renorm_); a row so scaled stays below max_norm, so a later call reads
// it unchanged, as scaling the original again gives. 1 for every other row.
static std::vector<float> row_scales(const Tensor& w, const std::vector<float>& indices,
                                     std::optional<double> max_norm, double p) {
  const int64_t rows = w.shape[0], e = w.shape[1];
  std::vector<float> scale(static_cast<size_t>(rows), 1.0f);
  if (!max_norm) return scale;
  std::vector<bool> done(static_cast<size_t>(rows), false);
  for (float v : indices) {
    auto row = static_cast<size_t>(v);
    if (done[row]) continue;
    done[row] = true;
    double norm = 0.0;
    const float* x = w.data.data() + static_cast<int64_t>(row) * e;
    for (int64_t j = 0; j < e; ++j) {
      double a = std::abs(static_cast<double>(x[j]));
      norm = std::isinf(p) ? std::max(norm, a)
             : p == 0.0    ? norm + (a != 0.0)
                           : norm + std::pow(a, p);
    }
    if (!std::isinf(p) && p != 0.0) norm = std::pow(norm, 1.0 / p);
    if (norm > *max_norm) scale[row] = static_cast<float>(*max_norm / (norm + 1e-7));
  }
  return scale;
}

// Where each bag of an EmbeddingBag starts, and after the last where it ends: the offsets given
// (with include_last_offset the last is that end, else the indices' count is), or a 2-D input's
// rows. PyTorch's errors for offsets that do not start at 0 or pass the indices' end.
static std::vector<int64_t> bag_bounds(const ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  const Tensor& ids = ctx.x();
  const auto n = static_cast<int64_t>(ids.data.size());
  std::vector<int64_t> bounds;
  if (a.offsets_input < 0) {  // [B, N]: F.embedding_bag's arange(0, numel, N)
    for (int64_t b = 0; b < ids.shape[0]; ++b) bounds.push_back(b * ids.shape[1]);
  } else {
    for (float v : ctx.in.at(static_cast<size_t>(a.offsets_input))->data)
      bounds.push_back(static_cast<int64_t>(v));
  }
  if (!a.include_last_offset) bounds.push_back(n);
  if (bounds.size() > 1 && bounds[0] != 0)
    throw ForwardError(
        fmt::format("offsets[0] has to be 0, i.e., the first sequence in the "
                    "mini-batch has to start from position 0. However, got {}",
                    bounds[0]));
  if (bounds.size() > 1 && bounds[bounds.size() - 2] > n)
    throw ForwardError(
        fmt::format("offsets[-1] can not be greater than input's length {} but "
                    "got offsets[-1] of {}",
                    n, bounds[bounds.size() - 2]));
  for (size_t i = 1; i < bounds.size(); ++i)
    if (bounds[i] < bounds[i - 1] || bounds[i] > n)
      throw ForwardError("embedding_bag: the offsets must not decrease nor pass the indices' end");
  return bounds;
}

// indices [B, N] or [N] with offsets -> [bags, E]: each bag's rows (the padding row skipped,
// with max_norm renormalised first) summed (each times its per-sample weight), averaged, or
// their elementwise max; a bag with no rows is zeros.
static void forward_embedding_bag(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  const Tensor& w = *ctx.weight("weight");
  const int64_t rows = w.shape[0], e = w.shape[1];
  const std::vector<float>& ids = ctx.x().data;
  for (float v : ids)
    if (!(v >= 0.0f) || v >= static_cast<float>(rows) || v != std::floor(v))
      throw ForwardError(
          fmt::format("Index {} is out of bounds: {}, range 0 to {}", v, rows, rows));
  const std::vector<float>* weights =
      a.sample_weights_input > 0 ? &ctx.in.at(static_cast<size_t>(a.sample_weights_input))->data
                                 : nullptr;
  std::vector<int64_t> bounds = bag_bounds(ctx);
  std::vector<float> scale = row_scales(w, ids, a.max_norm, a.p);
  auto bags = static_cast<int64_t>(bounds.size()) - 1;
  ctx.out = ctx.zeros({bags, e});
  std::vector<double> acc(static_cast<size_t>(e));
  for (int64_t b = 0; b < bags; ++b) {
    std::fill(acc.begin(), acc.end(), a.bag_mode == BagMode::max ? -INFINITY : 0.0);
    int64_t count = 0;
    for (int64_t i = bounds[static_cast<size_t>(b)]; i < bounds[static_cast<size_t>(b) + 1]; ++i) {
      auto row = static_cast<int64_t>(ids[static_cast<size_t>(i)]);
      if (row == a.padding_idx) continue;
      ++count;
      double k =
          scale[static_cast<size_t>(row)] * (weights ? (*weights)[static_cast<size_t>(i)] : 1.0);
      const float* x = w.data.data() + row * e;
      for (int64_t j = 0; j < e; ++j) {
        double v = x[j] * k;
        acc[static_cast<size_t>(j)] = a.bag_mode == BagMode::max
                                          ? std::max(acc[static_cast<size_t>(j)], v)
                                          : acc[static_cast<size_t>(j)] + v;
      }
    }
    // PyTorch 1.13 with include_last_offset divides the last bag's sum by the indices from its
    // start to the end of all of them, not to the last offset: so does this.
    if (a.bag_mode == BagMode::mean && a.include_last_offset && b == bags - 1)
      count += static_cast<int64_t>(ids.size()) - bounds[static_cast<size_t>(bags)];
    float* y = ctx.out.data.data() + b * e;
    for (int64_t j = 0; j < e; ++j)
      y[j] = count == 0 ? 0.0f
             : a.bag_mode == BagMode::mean
                 ? static_cast<float>(acc[static_cast<size_t>(j)] / static_cast<double>(count))
                 : static_cast<float>(acc[static_cast<size_t>(j)]);
  }
}

// indices [*] -> [*, E]: row `indices[i]` of the weight [num_embeddings, E] for each index. An
// index that is not a whole number in [0, num_embeddings) is PyTorch's IndexError.
void forward_embedding(ForwardCtx& ctx) {
  if (ctx.layer.op == OpId::EmbeddingBag) return forward_embedding_bag(ctx);
  const Tensor& w = *ctx.weight("weight");
  const int64_t rows = w.shape[0], e = w.shape[1];
  std::vector<int64_t> shape = ctx.x().shape;
  shape.push_back(e);
  ctx.out = ctx.zeros(shape);
  const std::vector<float>& indices = ctx.x().data;
  for (float v : indices)
    if (!(v >= 0.0f) || v >= static_cast<float>(rows) || v != std::floor(v))
      throw ForwardError(
          fmt::format("index out of range in self (index {} of a table of {} rows)", v, rows));
  std::vector<float> scale = row_scales(w, indices, ctx.layer.attrs->max_norm, ctx.layer.attrs->p);
  for (size_t i = 0; i < indices.size(); ++i) {
    auto row = static_cast<int64_t>(indices[i]);
    const float* from = w.data.data() + row * e;
    float* to = ctx.out.data.data() + static_cast<int64_t>(i) * e;
    for (int64_t j = 0; j < e; ++j) to[j] = from[j] * scale[static_cast<size_t>(row)];
  }
}

// indices [*] -> [*, num_classes]: 1 at each index's position, 0 elsewhere. An index that is
// not a whole number in [0, num_classes) is PyTorch's RuntimeError.
void forward_one_hot(ForwardCtx& ctx) {
  const int64_t classes = ctx.layer.attrs->num_classes;
  std::vector<int64_t> shape = ctx.x().shape;
  shape.push_back(classes);
  ctx.out = ctx.zeros(shape);
  const std::vector<float>& indices = ctx.x().data;
  for (size_t i = 0; i < indices.size(); ++i) {
    float v = indices[i];
    if (!(v >= 0.0f) || v != std::floor(v))
      throw ForwardError(fmt::format("Class values must be non-negative. (index {})", v));
    if (v >= static_cast<float>(classes))
      throw ForwardError(fmt::format(
          "Class values must be smaller than num_classes. (index {} of {})", v, classes));
    ctx.out.data[i * static_cast<size_t>(classes) + static_cast<size_t>(v)] = 1.0f;
  }
}

// x: [*, H, W] -> [*, H + top + bottom, W + left + right] filled with `value`
void forward_constant_pad(ForwardCtx& ctx) {
  const auto& pad = ctx.layer.attrs->padding;    // left, right, top, bottom
  if (pad.size() != 4) return forward_pad(ctx);  // a tuple of another length pads as F.pad
  float value = static_cast<float>(ctx.layer.attrs->value);
  auto shape = ctx.x().shape;
  size_t r = shape.size();
  int64_t h = shape[r - 2], w = shape[r - 1];
  int64_t oh = h + pad[2] + pad[3], ow = w + pad[0] + pad[1];
  shape[r - 2] = oh;
  shape[r - 1] = ow;
  ctx.out = ctx.zeros(shape);
  std::fill(ctx.out.data.begin(), ctx.out.data.end(), value);
  int64_t planes = product(shape, 0, r - 2);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x) {
        int64_t sy = y - pad[2], sx = x - pad[0];
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
        ctx.out.data[static_cast<size_t>((p * oh + y) * ow + x)] =
            ctx.x().data[static_cast<size_t>((p * h + sy) * w + sx)];
      }
}

// x: [N, C, *in] -> [N, C, *size]; nearest (PyTorch's legacy index rule) and (bi/tri)linear
void forward_interpolate(ForwardCtx& ctx) {
  const Attrs& a = (*ctx.layer.attrs);
  InterpolateMode mode = a.mode;
  const auto& s = ctx.x().shape;
  size_t nd = s.size() - 2;
  const auto& size = a.size;
  std::vector<int64_t> shape(s.begin(), s.begin() + 2);
  shape.insert(shape.end(), size.begin(), size.end());
  ctx.out = ctx.zeros(shape);
  bool linear = mode == InterpolateMode::linear || mode == InterpolateMode::bilinear ||
                mode == InterpolateMode::trilinear;
  if (!linear && mode != InterpolateMode::nearest && mode != InterpolateMode::nearest_exact) {
    throw ForwardError(std::string("the executor implements nearest and (bi/tri)linear "
                                   "interpolation, not '") +
                       name_of(mode) + "'");
  }
  bool align = a.align_corners.value_or(false);
  if (a.antialias) throw ForwardError("the executor does not implement antialias=True");
  // With recompute_scale_factor=True PyTorch forgets the given factor and uses in/out.
  bool use_given_scale = !a.recompute_scale_factor.value_or(false);
  // Source coordinate of output index o along axis i (PyTorch's area_pixel_compute_source_index).
  auto scale = [&](size_t i) {
    if (align)
      return size[i] > 1 ? static_cast<double>(s[2 + i] - 1) / static_cast<double>(size[i] - 1)
                         : 0.0;
    return i < a.scale_factor.size() && use_given_scale
               ? 1.0 / a.scale_factor[i]
               : static_cast<double>(s[2 + i]) / static_cast<double>(size[i]);
  };
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  std::array<double, 3> sc{1, 1, 1};
  for (size_t i = 0; i < nd; ++i) {
    in[3 - nd + i] = s[2 + i];
    out[3 - nd + i] = size[i];
    sc[3 - nd + i] = scale(i);
  }
  int64_t planes = s[0] * s[1];
  const float* x = ctx.x().data.data();
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t od = 0; od < out[0]; ++od)
      for (int64_t oh = 0; oh < out[1]; ++oh)
        for (int64_t ow = 0; ow < out[2]; ++ow) {
          std::array<int64_t, 3> o{od, oh, ow}, i0{}, i1{};
          std::array<double, 3> frac{};
          for (size_t k = 0; k < 3; ++k) {
            if (!linear) {  // PyTorch's CPU kernel computes the nearest index in float32
              float scale = static_cast<float>(sc[k]);
              float src = mode == InterpolateMode::nearest_exact
                              ? (static_cast<float>(o[k]) + 0.5f) * scale
                              : static_cast<float>(o[k]) * scale;
              i0[k] = i1[k] = std::min<int64_t>(static_cast<int64_t>(std::floor(src)), in[k] - 1);
              continue;
            }
            double src = align ? static_cast<double>(o[k]) * sc[k]
                               : std::max(0.0, (static_cast<double>(o[k]) + 0.5) * sc[k] - 0.5);
            i0[k] = std::min<int64_t>(static_cast<int64_t>(src), in[k] - 1);
            i1[k] = std::min<int64_t>(i0[k] + 1, in[k] - 1);
            frac[k] = src - static_cast<double>(i0[k]);
          }
          double acc = 0.0;
          for (int c = 0; c < 8; ++c) {
            std::array<int64_t, 3> idx{};
            double wgt = 1.0;
            for (size_t k = 0; k < 3; ++k) {
              bool hi = (c >> k) & 1;
              idx[k] = hi ? i1[k] : i0[k];
              wgt *= hi ? frac[k] : 1.0 - frac[k];
            }
            if (wgt != 0.0)
              acc +=
                  wgt *
                  x[static_cast<size_t>(((p * in[0] + idx[0]) * in[1] + idx[1]) * in[2] + idx[2])];
          }
          ctx.out.data[static_cast<size_t>(((p * out[0] + od) * out[1] + oh) * out[2] + ow)] =
              static_cast<float>(acc);
        }
}

// out[i] = f(each input's element) over the broadcast shape `out` has: a dim of size 1 reads its
// one element (each input taken with leading 1s up to out's rank). Serves add, masked_fill and
// where alike.
template <size_t N, typename F>
static void each_broadcast(const std::array<const Tensor*, N>& in, Tensor& out, F f) {
  size_t rank = out.shape.size();
  std::array<std::vector<int64_t>, N> sizes;
  for (size_t k = 0; k < N; ++k) {
    const std::vector<int64_t>& s = in[k]->shape;
    if (s.size() > rank) throw ForwardError("broadcast: an input has more dims than the output");
    sizes[k].assign(rank, 1);
    std::copy(s.begin(), s.end(), sizes[k].begin() + static_cast<std::ptrdiff_t>(rank - s.size()));
  }
  std::vector<int64_t> idx(rank, 0);
  std::array<float, N> values{};
  for (float& y : out.data) {
    for (size_t k = 0; k < N; ++k) {
      int64_t flat = 0;
      for (size_t i = 0; i < rank; ++i) flat = flat * sizes[k][i] + (sizes[k][i] == 1 ? 0 : idx[i]);
      values[k] = in[k]->data[static_cast<size_t>(flat)];
    }
    y = std::apply(f, values);
    for (size_t i = rank; i-- > 0;) {
      if (++idx[i] < out.shape[i]) break;
      idx[i] = 0;
    }
  }
}

// The sizes two tensors broadcast to (PyTorch's rules: each taken with leading 1s up to the
// larger rank, a 1 stretching to the other's size).
static std::vector<int64_t> broadcast_sizes(const Tensor& a, const Tensor& b, const char* op) {
  size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> sa(rank, 1), sb(rank, 1), so(rank);
  std::copy(a.shape.begin(), a.shape.end(),
            sa.begin() + static_cast<std::ptrdiff_t>(rank - a.shape.size()));
  std::copy(b.shape.begin(), b.shape.end(),
            sb.begin() + static_cast<std::ptrdiff_t>(rank - b.shape.size()));
  for (size_t i = 0; i < rank; ++i) {
    if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1)
      throw ForwardError(fmt::format("{}: shapes do not broadcast", op));
    so[i] = std::max(sa[i], sb[i]);
    if (sa[i] == 0 || sb[i] == 0) so[i] = 0;
  }
  return so;
}

// a: [*], b: [*] -> broadcast(a op b); add/sub scale b by alpha
void forward_add(ForwardCtx& ctx) {
  const Tensor& a = *ctx.in.at(0);
  const Tensor& b = *ctx.in.at(1);
  std::vector<int64_t> so = broadcast_sizes(a, b, "add");
  float alpha = static_cast<float>(ctx.layer.attrs->alpha);  // add/sub: x + alpha * y
  OpKind kind = op_info(ctx.layer.op).kind;
  const Rounding rounding = ctx.layer.attrs->rounding;  // div's rounding_mode
  if (ctx.layer.statement && ctx.layer.statement->extras().integer_division &&
      std::find(b.data.begin(), b.data.end(), 0.0f) != b.data.end())
    throw ForwardError("ZeroDivisionError");
  auto one = [&](float x, float y) {
    if (rounding == Rounding::floor) return floor_divide(x, y);
    if (rounding == Rounding::trunc) return std::trunc(x / y);
    return combine(kind, x, y, alpha);
  };
  if (a.shape == b.shape) {          // the residual add: no broadcasting, one pass
    const float* y = b.data.data();  // b is not the first input's tensor: it stays where it is
    ctx.out = ctx.take_x();
    float* out = ctx.out.data.data();
    size_t n = ctx.out.data.size();
    const int threads = kernels::threads_for_floats(static_cast<int64_t>(n), ctx.threads);
    const bool plain = kind == OpKind::add && alpha == 1.0f;
    kernels::parallel_for(static_cast<int64_t>(n), threads, [&](int64_t begin, int64_t end) {
      if (plain) {
        for (int64_t i = begin; i < end; ++i) out[i] += y[i];
      } else {
        for (int64_t i = begin; i < end; ++i) out[i] = one(out[i], y[i]);
      }
    });
    return;
  }
  ctx.out = ctx.zeros(so);
  each_broadcast<2>({&a, &b}, ctx.out, one);
}

// x: [*], mask: [*] -> broadcast: `value` where the mask is non-zero, else x
void forward_masked_fill(ForwardCtx& ctx) {
  const Tensor& x = *ctx.in.at(0);
  const Tensor& mask = *ctx.in.at(1);
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  float value = static_cast<float>(ctx.layer.attrs->value);
  ctx.out = ctx.zeros(shape);
  each_broadcast<2>({&x, &mask}, ctx.out, [&](float v, float m) { return m != 0.0f ? value : v; });
}

// condition: [*], x: [*], y: [*] -> broadcast: x where the condition is nonzero, else y
void forward_where(ForwardCtx& ctx) {
  const Tensor& condition = *ctx.in.at(0);
  const Tensor& x = *ctx.in.at(1);
  const Tensor& y = *ctx.in.at(2);
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  each_broadcast<3>({&condition, &x, &y}, ctx.out,
                    [](float c, float a, float b) { return c != 0.0f ? a : b; });
}

// tensors: [..., d_i, ...] -> [..., sum d_i, ...] (1-dim tensors of no elements skipped)
void forward_cat(ForwardCtx& ctx) {
  std::vector<const Tensor*> joined;
  for (const Tensor* t : ctx.in)
    if (!skipped_by_cat(t->shape)) joined.push_back(t);
  if (joined.empty()) {
    ctx.out = ctx.zeros({0});
    return;
  }
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  std::vector<int64_t> shape = joined[0]->shape;
  shape[dim] = 0;
  for (const Tensor* t : joined) shape[dim] += t->shape.at(dim);
  ctx.out = ctx.zeros(shape);
  int64_t outer = product(shape, 0, dim), inner = product(shape, dim + 1, shape.size());
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* t : joined) {
      int64_t chunk = t->shape[dim] * inner;
      std::copy_n(t->data.data() + o * chunk, chunk, y);
      y += chunk;
    }
}

}  // namespace netshape

namespace netshape {

// Squeeze and unsqueeze keep the data; inference computed the new shape.
void forward_squeeze(ForwardCtx& ctx) {
  reshape_to(ctx, bind_shape(*ctx.layer.output, ctx.batch));
}
void forward_unsqueeze(ForwardCtx& ctx) {
  reshape_to(ctx, bind_shape(*ctx.layer.output, ctx.batch));
}

// x: [..., a, ..., b, ...] -> [..., b, ..., a, ...] (a copy with swapped strides)
void forward_transpose(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  const auto& dims = ctx.layer.attrs->dims;
  std::vector<int64_t> out_shape = s;
  if (s.empty()) return reshape_to(ctx, {});
  size_t d0 = static_cast<size_t>(dims.at(0)), d1 = static_cast<size_t>(dims.at(1));
  std::swap(out_shape[d0], out_shape[d1]);
  ctx.out = ctx.zeros(out_shape);
  std::vector<int64_t> in_stride(s.size(), 1);
  for (size_t i = s.size() - 1; i-- > 0;) in_stride[i] = in_stride[i + 1] * s[i + 1];
  std::vector<int64_t> idx(s.size(), 0);
  for (size_t flat = 0; flat < ctx.out.data.size(); ++flat) {
    int64_t src = 0;  // output index (with d0/d1 swapped) -> input offset
    for (size_t i = 0; i < s.size(); ++i) {
      size_t in_axis = i == d0 ? d1 : i == d1 ? d0 : i;
      src += idx[i] * in_stride[in_axis];
    }
    ctx.out.data[flat] = ctx.x().data[static_cast<size_t>(src)];
    for (size_t i = s.size(); i-- > 0;) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
}

// Visits every element of x with its place in the output (the reduced dims dropped) and its
// place within the reduced dims: f(out, along, value).
template <typename F>
static void each_reduced(const Tensor& x, const std::vector<bool>& reduce, F f) {
  const auto& s = x.shape;
  std::vector<int64_t> idx(s.size(), 0);
  for (size_t flat = 0; flat < x.data.size(); ++flat) {
    int64_t out = 0, along = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (reduce[i])
        along = along * s[i] + idx[i];
      else
        out = out * s[i] + idx[i];
    }
    f(static_cast<size_t>(out), along, static_cast<double>(x.data[flat]));
    for (size_t i = s.size(); i-- > 0;) {
      if (++idx[i] < s[i]) break;
      idx[i] = 0;
    }
  }
}

// var and std from the sums over the reduced dims: the squared deviations from each mean, over
// (count - correction) (NaN when that is not positive, as PyTorch's).
static void deviations(ForwardCtx& ctx, const std::vector<bool>& reduce,
                       const std::vector<double>& sums, int64_t count, bool root) {
  std::vector<double> squares(sums.size(), 0.0);
  double n = static_cast<double>(count);
  each_reduced(ctx.x(), reduce, [&](size_t out, int64_t, double v) {
    double d = v - sums[out] / n;
    squares[out] += d * d;
  });
  double divisor = n - ctx.layer.attrs->correction;
  for (size_t i = 0; i < squares.size(); ++i) {
    double v = divisor > 0 ? squares[i] / divisor : std::numeric_limits<double>::quiet_NaN();
    ctx.out.data[i] = static_cast<float>(root ? std::sqrt(v) : v);
  }
}

// The p-norm of each output's values: (sum |v|^p)^(1/p); the largest |v| for inf, the smallest
// for -inf, the count of non-zeros for 0.
// One value's part of a p-norm: into `acc`, which starts at p_norm_start(p).
static double p_norm_start(double p) {
  return p == -std::numeric_limits<double>::infinity() ? std::numeric_limits<double>::infinity()
                                                       : 0.0;
}
static void p_norm_add(double& acc, double v, double p) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double a = std::abs(v);
  if (std::isnan(a) && !std::isnan(p))  // a NaN makes the norm NaN, the largest too
    acc = a;
  else if (p == kInf)
    acc = std::max(acc, a);
  else if (p == -kInf)
    acc = std::min(acc, a);
  else if (p == 0)
    acc += a != 0.0 ? 1.0 : 0.0;
  else
    acc += std::pow(a, p);
}
// The sum is float32's (PyTorch sums a float tensor's powers in float32: past its range it is inf
// before the root is taken).
static double p_norm_end(double acc, double p) {
  bool root = p != 0 && std::isfinite(p);
  double sum = static_cast<float>(acc);
  return root ? std::pow(sum, 1.0 / p) : sum;
}

static void p_norm(ForwardCtx& ctx, const std::vector<bool>& reduce) {
  double p = ctx.layer.attrs->p;
  std::vector<double> acc(ctx.out.data.size(), p_norm_start(p));
  each_reduced(ctx.x(), reduce, [&](size_t out, int64_t, double v) { p_norm_add(acc[out], v, p); });
  for (size_t i = 0; i < acc.size(); ++i)
    ctx.out.data[i] = static_cast<float>(p_norm_end(acc[i], p));
}

// The p-norm of `values` (PyTorch's linalg.vector_norm: an empty one is 0 for every p).
static double p_norm_of(const std::vector<double>& values, double p) {
  if (values.empty()) return 0.0;
  double acc = p_norm_start(p);
  for (double v : values) p_norm_add(acc, v, p);
  return p_norm_end(acc, p);
}

// log(sum(exp(v))) of each output's values, from the largest (exp of the rest cannot overflow).
static void log_sum_exp(ForwardCtx& ctx, const std::vector<bool>& reduce) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> largest(ctx.out.data.size(), -kInf), sums(largest.size(), 0.0);
  each_reduced(ctx.x(), reduce,
               [&](size_t out, int64_t, double v) { largest[out] = std::max(largest[out], v); });
  each_reduced(ctx.x(), reduce, [&](size_t out, int64_t, double v) {
    if (std::isfinite(largest[out])) sums[out] += std::exp(v - largest[out]);
  });
  for (size_t i = 0; i < sums.size(); ++i)
    ctx.out.data[i] =
        static_cast<float>(std::isfinite(largest[i]) ? largest[i] + std::log(sums[i]) : largest[i]);
}

// x: [...] -> over the reduced dims (kept as 1 with keepdim), by the op's kind: the mean, the sum,
// the largest or smallest (amax, amin), its position along them (argmax, argmin), the
// variance and standard deviation (var, std: a second pass over the deviations from the mean),
// the p-norm (norm), log(sum(exp)) (logsumexp) or the product (prod)
void forward_mean(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  std::vector<bool> reduce(s.size(), false);
  for (int64_t d : ctx.layer.attrs->dims) reduce[static_cast<size_t>(d)] = true;
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  OpKind kind = op_info(ctx.layer.op).kind;
  if (kind == OpKind::norm) return p_norm(ctx, reduce);
  if (kind == OpKind::logsumexp) return log_sum_exp(ctx, reduce);
  bool largest = kind == OpKind::amax || kind == OpKind::argmax;
  bool smallest = kind == OpKind::amin || kind == OpKind::argmin;
  bool product = kind == OpKind::prod;
  double start = largest    ? -std::numeric_limits<double>::infinity()
                 : smallest ? std::numeric_limits<double>::infinity()
                 : product  ? 1.0
                            : 0.0;
  std::vector<double> acc(ctx.out.data.size(), start);
  std::vector<int64_t> where(ctx.out.data.size(), 0);  // arg*: the position along reduced dims
  int64_t count = 1;
  for (size_t i = 0; i < s.size(); ++i)
    if (reduce[i]) count *= s[i];
  each_reduced(ctx.x(), reduce, [&](size_t out, int64_t along, double v) {
    double& a = acc[out];
    if (largest ? v > a : smallest ? v < a : true) {  // the first of equal extremes, as PyTorch
      a = largest || smallest ? v : product ? a * v : a + v;
      where[out] = along;
    }
  });
  if (kind == OpKind::var || kind == OpKind::std)
    return deviations(ctx, reduce, acc, count, kind == OpKind::std);
  for (size_t i = 0; i < acc.size(); ++i) {
    double v = kind == OpKind::argmax || kind == OpKind::argmin ? static_cast<double>(where[i])
               : kind == OpKind::none ? acc[i] / static_cast<double>(std::max<int64_t>(count, 1))
                                      : acc[i];
    ctx.out.data[i] = static_cast<float>(v);
  }
}

// max(v, floor) as clamp_min computes it: a NaN on either side is NaN.
static float clamp_min(float v, float floor) {
  return std::isnan(v) || std::isnan(floor) ? std::numeric_limits<float>::quiet_NaN()
                                            : std::max(v, floor);
}

// One line's cosine similarity as PyTorch 1.13 computes it in float32: each input divided by its
// norm, sqrt(max(sum(x*x), eps^2)), then the products summed. Normalising first keeps large
// values finite (a norm past float32's range is inf, and x / inf is 0), and eps^2 in float32
// underflows for eps below ~1e-22, as in PyTorch (x / 0 then gives inf and NaN).
static float cosine_of(const float* a, const float* b, int64_t len, int64_t stride, double eps) {
  double aa = 0, bb = 0;
  for (int64_t k = 0; k < len; ++k) {
    float x = a[k * stride], y = b[k * stride];
    aa += x * x;
    bb += y * y;
  }
  auto floor = static_cast<float>(eps * eps);
  float na = std::sqrt(clamp_min(static_cast<float>(aa), floor));
  float nb = std::sqrt(clamp_min(static_cast<float>(bb), floor));
  double sum = 0;
  for (int64_t k = 0; k < len; ++k) sum += (a[k * stride] / na) * (b[k * stride] / nb);
  return static_cast<float>(sum);
}

// a: [*], b: [*] -> broadcast(a, b) reduced along attrs.dim: the cosine similarity
// (cosine_of), or the p-norm of a - b + eps (pairwise_distance: the difference in float32, its
// norm as p_norm_of).
void forward_distance(ForwardCtx& ctx) {
  Tensor a = ctx.zeros(broadcast_sizes(*ctx.in.at(0), *ctx.in.at(1), "distance"));
  Tensor b = ctx.zeros(a.shape);
  each_broadcast<2>({ctx.in.at(0), ctx.in.at(1)}, a, [](float x, float) { return x; });
  each_broadcast<2>({ctx.in.at(0), ctx.in.at(1)}, b, [](float, float y) { return y; });
  const Attrs& at = *ctx.layer.attrs;
  const auto& s = a.shape;
  size_t dim = static_cast<size_t>(at.dim);
  int64_t outer = s.empty() ? 1 : product(s, 0, dim), len = s.empty() ? 1 : s[dim],
          inner = s.empty() ? 1 : product(s, dim + 1, s.size());
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  bool pairwise = op_info(ctx.layer.op).kind == OpKind::pairwise;
  auto eps = static_cast<float>(at.eps);
  std::vector<double> along(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      size_t first = static_cast<size_t>(o * len * inner + i);
      float& out = ctx.out.data[static_cast<size_t>(o * inner + i)];
      if (!pairwise) {
        out = cosine_of(&a.data[first], &b.data[first], len, inner, at.eps);
        continue;
      }
      for (int64_t k = 0; k < len; ++k) {
        size_t at_k = first + static_cast<size_t>(k * inner);
        along[static_cast<size_t>(k)] = (a.data[at_k] - b.data[at_k]) + eps;
      }
      out = static_cast<float>(p_norm_of(along, at.p));
    }
}

// x1: [*B1, P, M], x2: [*B2, R, M] -> [broadcast(B1, B2), P, R]: the p-norm of each row of x1
// minus each row of x2 (the difference in float32, its norm as p_norm_of). Computed directly for
// every p: PyTorch's matmul form for p=2 (over 25 rows) rounds distances near 0 its own way.
void forward_cdist(ForwardCtx& ctx) {
  const Tensor& a = *ctx.in.at(0);
  const Tensor& b = *ctx.in.at(1);
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  const std::vector<int64_t>& out = ctx.out.shape;
  size_t rank = out.size();
  const int64_t rows_a = out[rank - 2], rows_b = out[rank - 1], m = a.shape.back();
  auto expanded = [&](const Tensor& t, int64_t rows) {  // to the output's batch dims
    std::vector<int64_t> shape(out.begin(), out.end() - 2);
    shape.push_back(rows);
    shape.push_back(m);
    Tensor e = ctx.zeros(shape);
    each_broadcast<1>({&t}, e, [](float v) { return v; });
    return e;
  };
  Tensor ea = expanded(a, rows_a), eb = expanded(b, rows_b);
  const double p = ctx.layer.attrs->p;
  const int64_t batches = product(out, 0, rank - 2);
  std::vector<double> diff(static_cast<size_t>(m));
  size_t y = 0;
  for (int64_t n = 0; n < batches; ++n)
    for (int64_t i = 0; i < rows_a; ++i)
      for (int64_t j = 0; j < rows_b; ++j) {
        const float* u = &ea.data[static_cast<size_t>((n * rows_a + i) * m)];
        const float* v = &eb.data[static_cast<size_t>((n * rows_b + j) * m)];
        for (int64_t k = 0; k < m; ++k) diff[static_cast<size_t>(k)] = u[k] - v[k];
        ctx.out.data[y++] = static_cast<float>(p_norm_of(diff, p));
      }
}

// input: [*], target: [*] -> each element's loss of d = input - target in the broadcast shape
// (d^2; |d|; smooth_l1: 0.5 d^2 / beta below beta, else |d| - 0.5 beta; huber: 0.5 d^2 below
// delta, else delta (|d| - 0.5 delta)), reduced by attrs.reduction (the mean of none is NaN)
void forward_elementwise_loss(ForwardCtx& ctx) {
  const OpKind kind = op_info(ctx.layer.op).kind;
  const double beta = ctx.layer.attrs->loss_beta;
  auto loss = [&](float x, float y) {
    double d = static_cast<float>(x - y), z = std::abs(d);
    switch (kind) {
      case OpKind::l1:
        return z;
      case OpKind::smooth_l1:
        return beta == 0 ? z : z < beta ? 0.5 * d * d / beta : z - 0.5 * beta;
      case OpKind::huber:
        return z < beta ? 0.5 * d * d : beta * (z - 0.5 * beta);
      default:
        return d * d;
    }
  };
  Tensor each = ctx.zeros(broadcast_sizes(*ctx.in.at(0), *ctx.in.at(1), "loss"));
  each_broadcast<2>({ctx.in.at(0), ctx.in.at(1)}, each,
                    [&](float x, float y) { return static_cast<float>(loss(x, y)); });
  const LossReduction reduction = ctx.layer.attrs->reduction;
  if (reduction == LossReduction::none) {
    ctx.out = std::move(each);
    return;
  }
  double sum = 0;
  for (float v : each.data) sum += v;
  ctx.out = ctx.zeros({});
  ctx.out.data[0] = static_cast<float>(
      reduction == LossReduction::sum ? sum : sum / static_cast<double>(each.data.size()));
}

}  // namespace netshape
