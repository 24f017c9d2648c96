// Reference forwards of max/avg pooling and adaptive pooling, for 1-3 spatial dims.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "../kernels/parallel.hpp"
#include "forward.hpp"
#include "netshape/shape_rules.hpp"
#include "netshape/window.hpp"

namespace netshape {
namespace {

// A pooled tensor seen as planes: [planes, D, H, W] where planes = N*C (or C unbatched).
struct Planes {
  int64_t planes = 1;
  std::array<int64_t, 3> sp{1, 1, 1};
};

Planes planes_of(const Tensor& t, int nd) {
  Planes p;
  size_t rank = t.shape.size(), first = rank - static_cast<size_t>(nd);
  for (size_t i = 0; i < first; ++i) p.planes *= t.shape[i];
  for (int i = 0; i < nd; ++i)
    p.sp[static_cast<size_t>(3 - nd + i)] = t.shape[first + static_cast<size_t>(i)];
  return p;
}

std::vector<int64_t> pooled_shape(const Tensor& x, int nd, const std::array<int64_t, 3>& o) {
  std::vector<int64_t> s(x.shape.begin(), x.shape.end() - nd);
  for (int i = 0; i < nd; ++i) s.push_back(o[static_cast<size_t>(3 - nd + i)]);
  return s;
}

size_t at(const std::array<int64_t, 3>& sp, int64_t plane, int64_t d, int64_t h, int64_t w) {
  return static_cast<size_t>(((plane * sp[0] + d) * sp[1] + h) * sp[2] + w);
}

struct Window {
  std::array<int64_t, 3> k, s, p, d;
  std::array<int64_t, 3> out;
};

Window window_of(const ForwardCtx& ctx, const Planes& in, int nd) {
  const Attrs& a = (*ctx.layer.attrs);
  Window w;
  w.k = spatial3(a.kernel_size, nd, 1);
  w.s = spatial3(a.stride, nd, 1);
  w.p = spatial3(a.padding, nd, 0);
  w.d = spatial3(a.dilation, nd, 1);
  for (size_t i = 0; i < 3; ++i)
    w.out[i] = pool_output_size(in.sp[i], w.k[i], w.s[i], w.p[i], w.d[i], a.ceil_mode).value_or(0);
  if (w.out[0] < 1 || w.out[1] < 1 || w.out[2] < 1) throw ForwardError("pooling output is empty");
  return w;
}

// Calls fn(plane, {od, oh, ow}) for every output position of every plane.
template <typename Fn>
void for_each_output(int64_t planes, const std::array<int64_t, 3>& out, Fn fn) {
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t od = 0; od < out[0]; ++od)
      for (int64_t oh = 0; oh < out[1]; ++oh)
        for (int64_t ow = 0; ow < out[2]; ++ow) fn(pl, std::array<int64_t, 3>{od, oh, ow});
}

// The larger of two values the way PyTorch's max pool compares them: a NaN wins and stays.
inline float max_or_nan(float best, float v) {
  return v > best || std::isnan(v) ? v : best;
}

// The common 2-D, undilated max pool (a 1-D one is the case H = 1) of one plane of H x W, in two
// passes per output row: the max of the window's (clipped) rows down each column, then the max
// of the window's columns of that. The max of a set is the same value in any order (up to the
// sign of a zero; a NaN anywhere gives NaN), so this is the general loop's result with fewer
// comparisons.
void max_pool_plane(const float* plane, float* y, int64_t H, int64_t W, const Window& w,
                    std::vector<float>& column_max) {
  column_max.resize(static_cast<size_t>(W));
  float* cm = column_max.data();
  for (int64_t oh = 0; oh < w.out[1]; ++oh) {
    int64_t h0 = oh * w.s[1] - w.p[1];
    int64_t hlo = std::max<int64_t>(h0, 0), hhi = std::min(h0 + w.k[1], H);
    std::fill(cm, cm + W, -std::numeric_limits<float>::infinity());
    for (int64_t h = hlo; h < hhi; ++h) {
      const float* row = plane + h * W;
      for (int64_t c = 0; c < W; ++c) cm[c] = max_or_nan(cm[c], row[c]);
    }
    for (int64_t ow = 0; ow < w.out[2]; ++ow) {
      int64_t w0 = ow * w.s[2] - w.p[2];
      int64_t wlo = std::max<int64_t>(w0, 0), whi = std::min(w0 + w.k[2], W);
      float best = -std::numeric_limits<float>::infinity();
      for (int64_t c = wlo; c < whi; ++c) best = max_or_nan(best, cm[c]);
      *y++ = best;
    }
  }
}

// Planes are split over the forward's threads.
void max_pool_2d_undilated(const float* x, float* y, const Planes& in, const Window& w,
                           int threads) {
  const int64_t H = in.sp[1], W = in.sp[2], planes = in.planes * in.sp[0];
  const int t = kernels::threads_for_floats(planes * H * W, threads);
  kernels::parallel_for(planes, t, [&](int64_t begin, int64_t end) {
    std::vector<float> column_max;
    for (int64_t pl = begin; pl < end; ++pl)
      max_pool_plane(x + pl * H * W, y + pl * w.out[1] * w.out[2], H, W, w, column_max);
  });
}

// A window's max and where it is, as PyTorch's max pool kernels keep them while reading the
// window in order: a value larger than the best so far, or NaN, takes its place (the first of
// equal values stays, the last NaN wins); before any, the window's first position.
struct MaxAt {
  float best = -std::numeric_limits<float>::infinity();
  int64_t at = 0;
  void see(float v, int64_t position) {
    if (v > best || std::isnan(v)) best = v, at = position;
  }
};

// A max pool's second result (return_indices=True): where each window's max is, as a flat
// index of its plane ((d * H + h) * W + w).
void max_pool_indices(const float* x, float* y, const Planes& in, const Window& w) {
  for_each_output(in.planes, w.out, [&](int64_t pl, const std::array<int64_t, 3>& o) {
    const auto t = window_taps(o, w.s, w.p, w.d, w.k, in.sp);
    auto flat = [&](int64_t kd, int64_t kh, int64_t kw) {
      return (t[0].position(kd, w.d[0]) * in.sp[1] + t[1].position(kh, w.d[1])) * in.sp[2] +
             t[2].position(kw, w.d[2]);
    };
    const float* plane = x + pl * in.sp[0] * in.sp[1] * in.sp[2];
    MaxAt max{.at = flat(t[0].lo, t[1].lo, t[2].lo)};
    for (int64_t kd = t[0].lo; kd < t[0].hi; ++kd)
      for (int64_t kh = t[1].lo; kh < t[1].hi; ++kh)
        for (int64_t kw = t[2].lo; kw < t[2].hi; ++kw)
          max.see(plane[flat(kd, kh, kw)], flat(kd, kh, kw));
    y[at(w.out, pl, o[0], o[1], o[2])] = static_cast<float>(max.at);
  });
}

}  // namespace

// x: [N, C, *in] -> [N, C, *out], max over each (dilated) window; padding never wins. Only the
// taps inside the input are visited (PyTorch's kernels clip the window the same way), in the same
// order as the full window, so a huge kernel or padding costs nothing for the taps in the padding.
// The row of the indices (attrs.indices) gives where each max is instead.
void forward_max_pool(ForwardCtx& ctx) {
  int nd = op_info(ctx.layer.op).spatial_dims;
  Planes in = planes_of(ctx.x(), nd);
  Window w = window_of(ctx, in, nd);
  ctx.out = ctx.for_overwrite(pooled_shape(ctx.x(), nd, w.out));  // every output is written
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  if (ctx.layer.attrs->indices) return max_pool_indices(x, y, in, w);
  if (w.d == std::array<int64_t, 3>{1, 1, 1} && w.k[0] == 1 && w.s[0] == 1 && w.p[0] == 0)
    return max_pool_2d_undilated(x, y, in, w, ctx.threads);
  for_each_output(in.planes, w.out, [&](int64_t pl, const std::array<int64_t, 3>& o) {
    const auto t = window_taps(o, w.s, w.p, w.d, w.k, in.sp);
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t kd = t[0].lo; kd < t[0].hi; ++kd)
      for (int64_t kh = t[1].lo; kh < t[1].hi; ++kh)
        for (int64_t kw = t[2].lo; kw < t[2].hi; ++kw) {
          float v = x[at(in.sp, pl, t[0].position(kd, w.d[0]), t[1].position(kh, w.d[1]),
                         t[2].position(kw, w.d[2]))];
          if (v > best || std::isnan(v)) best = v;
        }
    y[at(w.out, pl, o[0], o[1], o[2])] = best;
  });
}

// x: [N, C, *in] -> [N, C, *out], mean over each window (PyTorch's divisor rules). The window is
// clipped to the input (and, for the divisor, to the padded input) before any loop runs; window
// bounds are taken in 128 bits and the divisor in double, so huge kernels and paddings stay exact.
void forward_avg_pool(ForwardCtx& ctx) {
  int nd = op_info(ctx.layer.op).spatial_dims;
  Planes in = planes_of(ctx.x(), nd);
  Window w = window_of(ctx, in, nd);
  bool include_pad = ctx.layer.attrs->count_include_pad;
  int64_t divisor_override = ctx.layer.attrs->divisor_override.value_or(0);
  ctx.out = ctx.zeros(pooled_shape(ctx.x(), nd, w.out));
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  for_each_output(in.planes, w.out, [&](int64_t pl, const std::array<int64_t, 3>& o) {
    std::array<int64_t, 3> lo{}, hi{};
    double padded_count = 1, count = 1;
    for (size_t i = 0; i < 3; ++i) {
      const __int128 start = static_cast<__int128>(o[i]) * w.s[i] - w.p[i];
      const __int128 end =
          std::min<__int128>(start + w.k[i], static_cast<__int128>(in.sp[i]) + w.p[i]);
      padded_count *= static_cast<double>(end - start);
      lo[i] = static_cast<int64_t>(std::max<__int128>(start, 0));
      hi[i] = static_cast<int64_t>(std::min<__int128>(end, in.sp[i]));
      count *= static_cast<double>(std::max<int64_t>(hi[i] - lo[i], 0));
    }
    double sum = 0.0;
    for (int64_t d = lo[0]; d < hi[0]; ++d)
      for (int64_t h = lo[1]; h < hi[1]; ++h)
        for (int64_t ww = lo[2]; ww < hi[2]; ++ww) sum += x[at(in.sp, pl, d, h, ww)];
    double div = divisor_override ? static_cast<double>(divisor_override)
                 : include_pad    ? padded_count
                                  : count;
    y[at(w.out, pl, o[0], o[1], o[2])] = div > 0 ? static_cast<float>(sum / div) : 0.0f;
  });
}

static void adaptive_pool(ForwardCtx& ctx, bool is_max) {
  int nd = op_info(ctx.layer.op).spatial_dims;
  Planes in = planes_of(ctx.x(), nd);
  auto out = spatial3(ctx.layer.attrs->output_size, nd, 1);
  ctx.out = ctx.zeros(pooled_shape(ctx.x(), nd, out));
  const float* x = ctx.x().data.data();
  float* y = ctx.out.data.data();
  bool indices = is_max && ctx.layer.attrs->indices;
  for_each_output(in.planes, out, [&](int64_t pl, const std::array<int64_t, 3>& o) {
    std::array<int64_t, 3> lo{}, hi{};
    for (size_t i = 0; i < 3; ++i) {
      lo[i] = adaptive_start(o[i], out[i], in.sp[i]);
      hi[i] = adaptive_end(o[i], out[i], in.sp[i]);
    }
    if (indices) {  // where the max is, as a flat index of the plane
      auto flat = [&](int64_t d, int64_t h, int64_t w) {
        return (d * in.sp[1] + h) * in.sp[2] + w;
      };
      MaxAt max{.at = flat(lo[0], lo[1], lo[2])};
      for (int64_t d = lo[0]; d < hi[0]; ++d)
        for (int64_t h = lo[1]; h < hi[1]; ++h)
          for (int64_t w = lo[2]; w < hi[2]; ++w) max.see(x[at(in.sp, pl, d, h, w)], flat(d, h, w));
      y[at(out, pl, o[0], o[1], o[2])] = static_cast<float>(max.at);
      return;
    }
    // the max in float, as PyTorch's kernel keeps it (a NaN wins); the mean summed in double
    float best = -std::numeric_limits<float>::infinity();
    double sum = 0.0;
    for (int64_t d = lo[0]; d < hi[0]; ++d)
      for (int64_t h = lo[1]; h < hi[1]; ++h)
        for (int64_t w = lo[2]; w < hi[2]; ++w) {
          float v = x[at(in.sp, pl, d, h, w)];
          if (is_max)
            best = max_or_nan(best, v);
          else
            sum += v;
        }
    int64_t n = (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
    y[at(out, pl, o[0], o[1], o[2])] =
        is_max ? best : static_cast<float>(sum / static_cast<double>(std::max<int64_t>(n, 1)));
  });
}

// x: [N, C, *in], indices of its shape -> [N, C, *output_size]: each value at its index in a
// zeroed plane of the output, in order (a later one overwrites an earlier at the same index);
// PyTorch's error for an index outside the plane.
void forward_max_unpool(ForwardCtx& ctx) {
  int nd = op_info(ctx.layer.op).spatial_dims;
  const Tensor& x = ctx.x();
  const Tensor& indices = *ctx.in.at(1);
  Planes in = planes_of(x, nd);
  auto out = spatial3(ctx.layer.attrs->output_size, nd, 1);
  ctx.out = ctx.zeros(pooled_shape(x, nd, out));
  const int64_t plane_in = in.sp[0] * in.sp[1] * in.sp[2], plane_out = out[0] * out[1] * out[2];
  float* y = ctx.out.data.data();
  for (int64_t pl = 0; pl < in.planes; ++pl) {
    for (int64_t e = 0; e < plane_in; ++e) {
      size_t from = static_cast<size_t>(pl * plane_in + e);
      auto index = static_cast<int64_t>(indices.data[from]);
      if (index < 0 || index >= plane_out)
        throw ForwardError(fmt::format(
            "Found an invalid max index: {} (output volumes are of size {})", index,
            nd == 3 ? fmt::format("{}x{}x{}", out[0], out[1], out[2])
                    : fmt::format("{}x{}", nd == 1 ? out[2] : out[1], nd == 1 ? 1 : out[2])));
      y[pl * plane_out + index] = x.data[from];
    }
  }
}

// x: [N, C, *in] -> [N, C, *output_size]
void forward_adaptive_avg_pool(ForwardCtx& ctx) {
  adaptive_pool(ctx, false);
}
void forward_adaptive_max_pool(ForwardCtx& ctx) {
  adaptive_pool(ctx, true);
}

}  // namespace netshape
