// Reference forwards of the spatial transformer ops: affine_grid and grid_sample, with the
// formulas of PyTorch 1.13's GridSampler.h and AffineGridGenerator.cpp (float arithmetic).
#include <cmath>

#include "forward.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

// torch.linspace(-1, 1, steps) as PyTorch computes it (from both ends toward the middle), scaled
// by (steps - 1) / steps without align_corners; [0] for a single step.
std::vector<float> grid_positions(int64_t steps, bool align_corners) {
  if (steps <= 1) return std::vector<float>(static_cast<size_t>(std::max<int64_t>(steps, 0)), 0.0f);
  std::vector<float> p(static_cast<size_t>(steps));
  float step = 2.0f / static_cast<float>(steps - 1);
  int64_t halfway = steps / 2;
  for (int64_t i = 0; i < steps; ++i) {
    float v = i < halfway ? -1.0f + step * static_cast<float>(i)
                          : 1.0f - step * static_cast<float>(steps - i - 1);
    if (!align_corners) v = v * static_cast<float>(steps - 1) / static_cast<float>(steps);
    p[static_cast<size_t>(i)] = v;
  }
  return p;
}

// A grid coordinate in [-1, 1] as a position in an input dim of `size` elements.
float unnormalize(float coord, int64_t size, bool align_corners) {
  float n = static_cast<float>(size);
  return align_corners ? ((coord + 1) / 2) * (n - 1) : ((coord + 1) * n - 1) / 2;
}

// PyTorch's 2-D CPU kernel is vectorised and its 3-D one scalar, and they differ at the edges:
// the vectorised clip takes NaN to 0 (the scalar one to size - 1), the vectorised bilinear
// weighs every corner (0 outside: NaN weights give NaN) where the scalar one adds only the
// corners inside, and nearest rounds halves to even in 2-D, away from zero in 3-D.
float clip(float coord, int64_t size, bool vectorised) {
  if (vectorised && std::isnan(coord)) return 0.0f;
  return std::min(static_cast<float>(size - 1), std::max(coord, 0.0f));
}

// Reflects `in` into [twice_low / 2, twice_high / 2] as often as it takes.
float reflect(float in, int64_t twice_low, int64_t twice_high) {
  if (twice_low == twice_high) return 0.0f;
  float low = static_cast<float>(twice_low) / 2;
  float span = static_cast<float>(twice_high - twice_low) / 2;
  in = std::fabs(in - low);
  float extra = std::fmod(in, span);
  float flips = std::floor(in / span);  // parity by fmod: no cast of a huge or NaN count
  return std::fmod(flips, 2.0f) == 0.0f ? extra + low : span - extra + low;
}

// padding_mode applied to a position: border clips it, reflection mirrors it at the edges.
float padded(float coord, int64_t size, GridPadding padding, bool align_corners, bool vectorised) {
  if (padding == GridPadding::border) return clip(coord, size, vectorised);
  if (padding == GridPadding::reflection) {
    coord = align_corners ? reflect(coord, 0, 2 * (size - 1)) : reflect(coord, -1, 2 * size - 1);
    return clip(coord, size, vectorised);
  }
  return coord;
}

// A whole-number position as an index; one far outside any input (NaN, infinite or beyond 2^62:
// a grid or theta of such values) as -2, outside too, so no cast or step past it overflows.
int64_t to_index(float whole) {
  constexpr float kFar = 4.6e18f;  // about 2^62
  return std::isfinite(whole) && std::fabs(whole) < kFar ? static_cast<int64_t>(whole) : -2;
}

// The input's plane of one sample and channel, read at integer positions (0 outside).
struct Plane {
  const float* data;
  std::array<int64_t, 3> size;  // x, y, z extents (W, H, D; D is 1 for a 4-D input)
  bool inside(const std::array<int64_t, 3>& p) const {
    for (size_t a = 0; a < 3; ++a)
      if (p[a] < 0 || p[a] >= size[a]) return false;
    return true;
  }
  float at(const std::array<int64_t, 3>& p) const {
    return inside(p) ? data[(p[2] * size[1] + p[1]) * size[0] + p[0]] : 0.0f;
  }
};

// Bilinear (trilinear for 5-D): the 2^nd corners around the position, weighted by closeness.
// The weights come from the position's floor as a float, as PyTorch computes them.
float sample_linear(const Plane& plane, const std::array<float, 3>& pos, int nd) {
  std::array<float, 3> low{};
  std::array<int64_t, 3> low_index{};
  for (size_t k = 0; k < static_cast<size_t>(nd); ++k) {
    low[k] = std::floor(pos[k]);
    low_index[k] = to_index(low[k]);
  }
  float sum = 0.0f;
  for (int corner = 0; corner < (1 << nd); ++corner) {
    std::array<int64_t, 3> p{};
    float weight = 1.0f;
    for (int a = 0; a < nd; ++a) {
      size_t k = static_cast<size_t>(a);
      bool high = (corner >> a) & 1;
      p[k] = low_index[k] + (high ? 1 : 0);
      weight *= high ? pos[k] - low[k] : (low[k] + 1) - pos[k];
    }
    if (nd == 2 || plane.inside(p)) sum += plane.at(p) * weight;
  }
  return sum;
}

float sample_nearest(const Plane& plane, const std::array<float, 3>& pos, int nd) {
  std::array<int64_t, 3> p{};
  for (size_t k = 0; k < static_cast<size_t>(nd); ++k)
    p[k] = to_index(nd == 2 ? std::nearbyint(pos[k]) : std::round(pos[k]));
  return plane.at(p);
}

// Keys' cubic convolution with A = -0.75, as PyTorch's upsampling and grid sampling weigh.
std::array<float, 4> cubic_weights(float t) {
  constexpr float A = -0.75f;
  auto near = [](float x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto far = [](float x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// Bicubic (4-D only): 4x4 taps around the unpadded position, each tap's position padded.
float sample_cubic(const Plane& plane, const std::array<float, 2>& pos, GridPadding padding,
                   bool align_corners) {
  float x0 = std::floor(pos[0]), y0 = std::floor(pos[1]);
  std::array<float, 4> wx = cubic_weights(pos[0] - x0), wy = cubic_weights(pos[1] - y0);
  float sum = 0.0f;
  for (int j = 0; j < 4; ++j) {
    float row = 0.0f;
    for (int i = 0; i < 4; ++i) {
      float x = padded(x0 - 1 + static_cast<float>(i), plane.size[0], padding, align_corners, true);
      float y = padded(y0 - 1 + static_cast<float>(j), plane.size[1], padding, align_corners, true);
      row += plane.at({to_index(x), to_index(y), 0}) * wx[static_cast<size_t>(i)];
    }
    sum += row * wy[static_cast<size_t>(j)];
  }
  return sum;
}

}  // namespace

// theta: [N, 2, 3] -> [N, H, W, 2] (theta [N, 3, 4] -> [N, D, H, W, 3]): the base grid of
// positions (x, y[, z], 1) times each theta transposed
void forward_affine_grid(ForwardCtx& ctx) {
  const Tensor& theta = ctx.x();
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  int64_t nd = static_cast<int64_t>(shape.size()) - 2;  // spatial dims: 2 or 3
  if ((nd != 2 && nd != 3) || theta.shape.size() != 3 || theta.shape[0] != shape[0] ||
      theta.shape[1] != nd || theta.shape[2] != nd + 1)
    throw ForwardError("affine_grid: theta does not fit the size");
  bool align = ctx.layer.attrs->align_corners.value_or(false);
  // positions per axis, x first: x runs along the last spatial dim
  std::vector<std::vector<float>> axes;
  for (int64_t a = 0; a < nd; ++a)
    axes.push_back(grid_positions(shape[static_cast<size_t>(nd - a)], align));
  ctx.out = ctx.zeros(shape);
  int64_t points = product(shape, 1, shape.size() - 1);
  float* out = ctx.out.data.data();
  for (int64_t n = 0; n < shape[0]; ++n) {
    const float* t = theta.data.data() + n * nd * (nd + 1);
    for (int64_t p = 0; p < points; ++p) {
      std::array<float, 4> base{0, 0, 0, 1};
      int64_t rest = p;
      for (int64_t a = 0; a < nd; ++a) {  // p's index along x, y, z: the last dim first
        int64_t extent = shape[static_cast<size_t>(nd - a)];
        base[static_cast<size_t>(a)] =
            axes[static_cast<size_t>(a)][static_cast<size_t>(rest % extent)];
        rest /= extent;
      }
      base[static_cast<size_t>(nd)] = 1.0f;
      for (int64_t k = 0; k < nd; ++k) {
        float v = 0.0f;
        for (int64_t j = 0; j <= nd; ++j) v += base[static_cast<size_t>(j)] * t[k * (nd + 1) + j];
        *out++ = v;
      }
    }
  }
}

// input: [N, C, H, W], grid: [N, H_out, W_out, 2] -> [N, C, H_out, W_out] (5-D alike)
void forward_grid_sample(ForwardCtx& ctx) {
  const Tensor& x = *ctx.in.at(0);
  const Tensor& grid = *ctx.in.at(1);
  int nd = static_cast<int>(x.shape.size()) - 2;
  if ((nd != 2 && nd != 3) || grid.shape.size() != x.shape.size() || grid.shape[0] != x.shape[0] ||
      grid.shape.back() != nd)
    throw ForwardError("grid_sample: the grid does not fit the input");
  const Attrs& a = *ctx.layer.attrs;
  bool align = a.align_corners.value_or(false);
  std::vector<int64_t> shape = {x.shape[0], x.shape[1]};
  for (size_t i = 1; i + 1 < grid.shape.size(); ++i) shape.push_back(grid.shape[i]);
  ctx.out = ctx.zeros(shape);
  std::array<int64_t, 3> extent{1, 1, 1};  // x, y, z: the input's last dims, reversed
  for (int k = 0; k < nd; ++k)
    extent[static_cast<size_t>(k)] = x.shape[x.shape.size() - 1 - static_cast<size_t>(k)];
  int64_t plane_size = product(x.shape, 2, x.shape.size());
  int64_t points = product(grid.shape, 1, grid.shape.size() - 1);
  for (int64_t n = 0; n < x.shape[0]; ++n) {
    for (int64_t p = 0; p < points; ++p) {
      const float* g = grid.data.data() + (n * points + p) * nd;
      std::array<float, 3> pos{};
      std::array<float, 2> unpadded{};
      for (int k = 0; k < nd; ++k) {
        size_t i = static_cast<size_t>(k);
        float u = unnormalize(g[k], extent[i], align);
        if (k < 2) unpadded[i] = u;
        pos[i] = padded(u, extent[i], a.grid_padding, align, nd == 2);
      }
      for (int64_t c = 0; c < x.shape[1]; ++c) {
        Plane plane{x.data.data() + (n * x.shape[1] + c) * plane_size, extent};
        float v = a.mode == InterpolateMode::nearest ? sample_nearest(plane, pos, nd)
                  : a.mode == InterpolateMode::bicubic
                      ? sample_cubic(plane, unpadded, a.grid_padding, align)
                      : sample_linear(plane, pos, nd);
        ctx.out.data[static_cast<size_t>((n * x.shape[1] + c) * points + p)] = v;
      }
    }
  }
}

}  // namespace netshape
