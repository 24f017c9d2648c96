// Transposed convolution as one small matrix product per kernel tap (docs/executor.md,
// "Transposed convolution").
//
// out[n, k, o] = bias[k] + sum over taps t, input channels c and inputs i with
// o = i * stride - pad + t * dilation (per axis) of w[c, k, t] * x[n, c, i].
// For one tap and one group that is Y = W_t^T X, (Kg x Cg) . (Cg x input pixels), followed by
// adding Y into the output positions the tap sends the input pixels to (when inside the output).
//
// Structure:
//   * Weights are packed once per call as [G][Kg/NK blocks][taps][Cg][NK], output channels
//     zero-padded to NK, so the micro-kernel broadcasts NK consecutive floats per input channel.
//   * The input pixels of one (batch, group) are taken in their flattened D*H*W order and cut
//     into tiles of TILE pixels; a panel of tiles is packed [tile][Cg][TILE] (the last tile
//     zero-padded), so the micro-kernel reads contiguous rows and never handles a pixel tail.
//   * The micro-kernel (one per ISA, a template over the output channels it computes) keeps
//     Y[NK][TILE] in registers: per input channel, TILE / V vector loads and NK broadcasts feed
//     NK * TILE / V FMAs.
//   * The scatter adds Y into the output rows the tap lands in. The in-range inputs of a tap on
//     each axis come from taps_in_range (exact in 128 bits), computed once per call; a tap that
//     lands nowhere for a tile is not computed.
//   * The output channels of an item are set to the bias first and get the ReLU last, so every
//     output is written by this kernel (the caller need not zero it).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

#include "netshape/checked.hpp"
#include "netshape/kernels/conv.hpp"
#include "netshape/window.hpp"
#include "parallel.hpp"

namespace netshape::kernels {
namespace {

// Y[nk][tile] = sum over c < cg of w[c][nk] * x[c][tile]; x is one packed tile [cg][tile],
// w one packed tap of one channel block [cg][block NK]. `nk` is at most the block's NK.
using MicroFn = void (*)(const float* x, const float* w, int64_t cg, float* y);

// The register blocking of one ISA: NK output channels x TILE pixels per micro-kernel call.
struct Blocking {
  int nk = 4;
  int tile = 16;
  std::array<MicroFn, 9> micro{};  // micro[j]: computes the first j channels of a block
};

// ---------------------------------------------------------------------------------------
// AVX-512: 8 channels x 48 pixels = 24 zmm accumulators, 3 pixel vectors, 1 broadcast.

constexpr int kAvx512Nk = 8, kAvx512Tile = 48;

template <int NK>
__attribute__((target("avx512f"))) void micro_avx512(const float* x, const float* w, int64_t cg,
                                                     float* y) {
  constexpr int NV = kAvx512Tile / 16;
  __m512 acc[NK][NV];
#pragma GCC unroll 8
  for (int j = 0; j < NK; ++j)
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_setzero_ps();
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + c * kAvx512Tile;
    __m512 xv[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_loadu_ps(xc + 16 * v);
    const float* wc = w + c * kAvx512Nk;
#pragma GCC unroll 8
    for (int j = 0; j < NK; ++j) {
      const __m512 wj = _mm512_set1_ps(wc[j]);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(wj, xv[v], acc[j][v]);
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < NK; ++j)
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(y + j * kAvx512Tile + 16 * v, acc[j][v]);
}

// ---------------------------------------------------------------------------------------
// AVX2 + FMA: 6 channels x 16 pixels = 12 ymm accumulators, 2 pixel vectors, 1 broadcast.

constexpr int kAvx2Nk = 6, kAvx2Tile = 16;

template <int NK>
__attribute__((target("avx2,fma"))) void micro_avx2(const float* x, const float* w, int64_t cg,
                                                    float* y) {
  constexpr int NV = kAvx2Tile / 8;
  __m256 acc[NK][NV];
#pragma GCC unroll 6
  for (int j = 0; j < NK; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[j][v] = _mm256_setzero_ps();
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + c * kAvx2Tile;
    __m256 xv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) xv[v] = _mm256_loadu_ps(xc + 8 * v);
    const float* wc = w + c * kAvx2Nk;
#pragma GCC unroll 6
    for (int j = 0; j < NK; ++j) {
      const __m256 wj = _mm256_broadcast_ss(wc + j);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm256_fmadd_ps(wj, xv[v], acc[j][v]);
    }
  }
#pragma GCC unroll 6
  for (int j = 0; j < NK; ++j)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) _mm256_storeu_ps(y + j * kAvx2Tile + 8 * v, acc[j][v]);
}

// ---------------------------------------------------------------------------------------
// Portable: 4 channels x 16 pixels in plain loops (the compiler vectorises the pixel loop).

constexpr int kScalarNk = 4, kScalarTile = 16;

template <int NK>
void micro_scalar(const float* x, const float* w, int64_t cg, float* y) {
  float acc[NK][kScalarTile] = {};
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + c * kScalarTile;
    const float* wc = w + c * kScalarNk;
    for (int j = 0; j < NK; ++j)
      for (int t = 0; t < kScalarTile; ++t) acc[j][t] += wc[j] * xc[t];
  }
  for (int j = 0; j < NK; ++j)
    for (int t = 0; t < kScalarTile; ++t) y[j * kScalarTile + t] = acc[j][t];
}

template <template <int> class Micro, int... J>
std::array<MicroFn, 9> micro_table(std::integer_sequence<int, J...>) {
  std::array<MicroFn, 9> table{};
  ((table[static_cast<size_t>(J + 1)] = &Micro<J + 1>::run), ...);
  return table;
}

// Class wrappers so micro_table can take the function templates as template template
// arguments.
template <int NK>
struct Avx512Micro {
  static void run(const float* x, const float* w, int64_t cg, float* y) {
    micro_avx512<NK>(x, w, cg, y);
  }
};
template <int NK>
struct Avx2Micro {
  static void run(const float* x, const float* w, int64_t cg, float* y) {
    micro_avx2<NK>(x, w, cg, y);
  }
};
template <int NK>
struct ScalarMicro {
  static void run(const float* x, const float* w, int64_t cg, float* y) {
    micro_scalar<NK>(x, w, cg, y);
  }
};

Blocking blocking_for(Isa isa) {
  switch (resolve_isa(isa)) {
    case Isa::Avx512:
      return {kAvx512Nk, kAvx512Tile,
              micro_table<Avx512Micro>(std::make_integer_sequence<int, kAvx512Nk>{})};
    case Isa::Avx2:
      return {kAvx2Nk, kAvx2Tile,
              micro_table<Avx2Micro>(std::make_integer_sequence<int, kAvx2Nk>{})};
    default:
      return {kScalarNk, kScalarTile,
              micro_table<ScalarMicro>(std::make_integer_sequence<int, kScalarNk>{})};
  }
}

// ---------------------------------------------------------------------------------------
// Geometry.

// A packed input panel holds about this many bytes ([tiles][Cg][TILE]), so that it stays in
// the L2 cache while every channel block and tap of the group reads it.
constexpr int64_t kPanelBytes = 192 * 1024;

// One kernel tap that lands inside the output: its index in the kernel's (kD, kH, kW) order
// and, per axis, the inputs [lo, hi) it sends inside the output and the output of input lo.
struct Tap {
  int64_t index = 0;
  std::array<TapRange, 3> axis{};
};

// Everything the driver needs, derived once from the parameters.
struct Plan {
  ConvTransposeNdParams p;
  Blocking b;
  std::array<int64_t, 3> o{};
  int64_t cg = 1, kg = 1, blocks = 1;  // channels per group; NK blocks per group
  int64_t taps = 1;                    // kD * kH * kW
  int64_t pixels = 1, out_pixels = 1;  // input and output D*H*W
  int64_t tiles = 1, panel_tiles = 1;  // tiles of the input pixels; tiles per panel
  std::vector<Tap> landing;            // the taps with at least one input inside the output
  bool dense = true;                   // run_dense, else run_sparse (choose_dense)
};

// Throws std::invalid_argument like conv_transpose_reference for parameters it refuses.
void validate(const ConvTransposeNdParams& p) {
  if (p.N < 1 || p.C < 1 || p.K < 1) throw std::invalid_argument("conv_transpose_taps: empty");
  if (p.groups < 1 || p.C % p.groups != 0 || p.K % p.groups != 0)
    throw std::invalid_argument("conv_transpose_taps: groups must divide C and K");
  for (size_t i = 0; i < 3; ++i) {
    if (p.in[i] < 1 || p.kernel[i] < 1 || p.stride[i] < 1 || p.dilation[i] < 1 || p.pad[i] < 0)
      throw std::invalid_argument(
          "conv_transpose_taps: extents, strides and dilations must be >= 1");
    if (p.output_padding[i] < 0 ||
        (p.output_padding[i] >= p.stride[i] && p.output_padding[i] >= p.dilation[i]))
      throw std::invalid_argument(
          "conv_transpose_taps: output_padding must be smaller than stride or dilation");
  }
  const auto o = p.out();
  if (o[0] < 1 || o[1] < 1 || o[2] < 1)
    throw std::invalid_argument("conv_transpose_taps: empty output");
}

// Along one axis, the inputs that tap k sends inside the output: i * stride - pad + k * dilation
// in [0, out).
TapRange axis_inputs(const ConvTransposeNdParams& p, size_t axis, int64_t k, int64_t out) {
  const __int128 start = static_cast<__int128>(k) * p.dilation[axis] - p.pad[axis];
  return taps_in_range(start, p.stride[axis], p.in[axis], out);
}

std::vector<Tap> landing_taps(const ConvTransposeNdParams& p, const std::array<int64_t, 3>& o) {
  std::array<std::vector<TapRange>, 3> per_axis;
  for (size_t a = 0; a < 3; ++a)
    for (int64_t k = 0; k < p.kernel[a]; ++k) per_axis[a].push_back(axis_inputs(p, a, k, o[a]));
  std::vector<Tap> taps;
  for (int64_t kd = 0; kd < p.kernel[0]; ++kd)
    for (int64_t kh = 0; kh < p.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < p.kernel[2]; ++kw) {
        Tap t{(kd * p.kernel[1] + kh) * p.kernel[2] + kw,
              {per_axis[0][static_cast<size_t>(kd)], per_axis[1][static_cast<size_t>(kh)],
               per_axis[2][static_cast<size_t>(kw)]}};
        if (!t.axis[0].empty() && !t.axis[1].empty() && !t.axis[2].empty()) taps.push_back(t);
      }
  return taps;
}

Plan make_plan(const ConvTransposeNdParams& p, Isa isa) {
  validate(p);
  Plan plan;
  plan.p = p;
  plan.b = blocking_for(isa);
  plan.o = p.out();
  plan.cg = p.C / p.groups;
  plan.kg = p.K / p.groups;
  plan.blocks = ceil_div(plan.kg, plan.b.nk);
  // The tensors exist (or are about to be allocated), so these fit; checked all the same,
  // since the memory guard asks for the scratch before anything is allocated.
  const auto taps = (Checked(p.kernel[0]) * p.kernel[1] * p.kernel[2]).get();
  const auto pixels = (Checked(p.in[0]) * p.in[1] * p.in[2]).get();
  const auto out_pixels = (Checked(plan.o[0]) * plan.o[1] * plan.o[2]).get();
  const auto tile_bytes = (Checked(plan.cg) * plan.b.tile * int64_t{sizeof(float)}).get();
  if (!taps || !pixels || !out_pixels || !tile_bytes)
    throw std::invalid_argument("conv_transpose_taps: sizes leave int64");
  plan.taps = *taps;
  plan.pixels = *pixels;
  plan.out_pixels = *out_pixels;
  plan.tiles = ceil_div(plan.pixels, plan.b.tile);
  plan.panel_tiles = std::clamp<int64_t>(kPanelBytes / *tile_bytes, 1, plan.tiles);
  return plan;
}

// Packed weights [G][blocks][taps][Cg][NK] from [C, Kg, taps]; padding channels are zero.
std::vector<float> pack_weights(const Plan& pl, const float* w) {
  const int64_t nk = pl.b.nk;
  std::vector<float> packed(static_cast<size_t>(pl.p.groups * pl.blocks * pl.taps * pl.cg * nk),
                            0.0f);
  size_t at = 0;
  for (int64_t g = 0; g < pl.p.groups; ++g)
    for (int64_t kb = 0; kb < pl.blocks; ++kb)
      for (int64_t t = 0; t < pl.taps; ++t)
        for (int64_t c = 0; c < pl.cg; ++c)
          for (int64_t j = 0; j < nk; ++j, ++at) {
            const int64_t k = kb * nk + j;
            if (k < pl.kg) packed[at] = w[((g * pl.cg + c) * pl.kg + k) * pl.taps + t];
          }
  return packed;
}

// Packs tiles [first, first + count) of the group's input channels x[Cg][pixels] as
// [tile][Cg][TILE]; pixels past the end are zero.
void pack_panel(const Plan& pl, const float* x, int64_t first, int64_t count, float* panel) {
  const int64_t tile = pl.b.tile;
  for (int64_t mt = 0; mt < count; ++mt) {
    const int64_t q0 = (first + mt) * tile;
    const int64_t valid = std::min(tile, pl.pixels - q0);
    for (int64_t c = 0; c < pl.cg; ++c) {
      const float* src = x + c * pl.pixels + q0;
      float* dst = panel + (mt * pl.cg + c) * tile;
      std::copy(src, src + valid, dst);
      std::fill(dst + valid, dst + tile, 0.0f);
    }
  }
}

// A run of consecutive input pixels of one input row that a tap sends inside the output:
// Y's columns [y_at, y_at + len) go to output offsets out_at + i * stride_w.
struct Segment {
  int64_t y_at, out_at, len;
};

// The segments of tile pixels [q0, q1) for `tap`; returns how many were written to `seg`
// (at most one per input row the tile touches, so at most TILE).
int64_t tile_segments(const Plan& pl, const Tap& tap, int64_t q0, int64_t q1, Segment* seg) {
  const auto& in = pl.p.in;
  const auto& st = pl.p.stride;
  const auto& [td, th, tw] = tap.axis;
  int64_t n = 0;
  for (int64_t q = q0; q < q1;) {
    const int64_t row = q / in[2], iw = q % in[2];
    const int64_t row_end = std::min(q1, q + (in[2] - iw));
    const int64_t id = row / in[1], ih = row % in[1];
    if (id >= td.lo && id < td.hi && ih >= th.lo && ih < th.hi) {
      const int64_t lo = std::max(iw, tw.lo), hi = std::min(iw + (row_end - q), tw.hi);
      if (lo < hi) {
        const int64_t od = td.position(id, st[0]), oh = th.position(ih, st[1]);
        seg[n++] = {q - q0 + (lo - iw), (od * pl.o[1] + oh) * pl.o[2] + tw.position(lo, st[2]),
                    hi - lo};
      }
    }
    q = row_end;
  }
  return n;
}

// out_channel[out_at + i * sw] += y[y_at + i] over every segment, for `nk` channels.
void scatter(const Plan& pl, const float* y, const Segment* seg, int64_t segments, float* out_k0,
             int64_t nk) {
  const int64_t sw = pl.p.stride[2];
  for (int64_t j = 0; j < nk; ++j) {
    float* out = out_k0 + j * pl.out_pixels;
    const float* yj = y + j * pl.b.tile;
    for (int64_t s = 0; s < segments; ++s) {
      float* o = out + seg[s].out_at;
      const float* src = yj + seg[s].y_at;
      if (sw == 1)
        for (int64_t i = 0; i < seg[s].len; ++i) o[i] += src[i];
      else
        for (int64_t i = 0; i < seg[s].len; ++i) o[i * sw] += src[i];
    }
  }
}

// Whether every landing tap should look at every tile (run_dense, the usual case: each tap
// lands on most of the input) or each tap only at the tiles its inputs are in (run_sparse, for
// many taps that each land on few inputs, e.g. a kernel as long as the input with a padding that
// leaves a short output). The dense walk visits landing taps x tiles (tap, tile) pairs; the
// sparse one about the input rows and tiles each tap lands on, which the work itself bounds.
bool choose_dense(const Plan& pl) {
  constexpr int64_t kWastedVisitsPerUsefulOne = 8;
  Checked useful = 0;
  for (const Tap& t : pl.landing) {
    const Checked rows = Checked(t.axis[0].hi - t.axis[0].lo) * (t.axis[1].hi - t.axis[1].lo);
    const auto volume = (rows * (t.axis[2].hi - t.axis[2].lo)).get();
    useful = useful + rows + (volume ? ceil_div(*volume, int64_t{pl.b.tile}) : 0);
  }
  const auto visits = (Checked(static_cast<int64_t>(pl.landing.size())) * pl.tiles).get();
  const auto bound = (useful * kWastedVisitsPerUsefulOne).get();
  return visits && bound && *visits <= *bound;
}

// Per-thread buffers of run_group.
struct Scratch {
  std::vector<float> panel, y;
  std::vector<Segment> segments;
};

// Every landing tap's product for one tile (pixels [q0, q0 + TILE), packed at x_tile),
// scattered into the output channels of block kb of the group at out_g.
void tile_tap(const Plan& pl, const Tap& tap, int64_t q0, const float* x_tile, const float* w_group,
              float* out_g, int64_t kb, Scratch& s) {
  const int64_t nk = pl.b.nk;
  const int64_t segments =
      tile_segments(pl, tap, q0, std::min(q0 + pl.b.tile, pl.pixels), s.segments.data());
  if (segments == 0) return;
  const int64_t valid = std::min(nk, pl.kg - kb * nk);
  const float* w = w_group + (kb * pl.taps + tap.index) * pl.cg * nk;
  pl.b.micro[static_cast<size_t>(valid)](x_tile, w, pl.cg, s.y.data());
  scatter(pl, s.y.data(), s.segments.data(), segments, out_g + kb * nk * pl.out_pixels, valid);
}

// The work of one item: output-channel blocks [kb_begin, kb_end) of one (image, group).
struct Item {
  const float* x;        // the group's input channels [Cg][pixels]
  const float* w_group;  // the group's packed weights
  float* out_g;          // the group's output channels [Kg][out pixels]
  int64_t kb_begin, kb_end;
};

// Panels of tiles, each packed once and read by every channel block and landing tap.
void run_dense(const Plan& pl, const Item& it, Scratch& s) {
  const int64_t tile = pl.b.tile;
  for (int64_t first = 0; first < pl.tiles; first += pl.panel_tiles) {
    const int64_t count = std::min(pl.panel_tiles, pl.tiles - first);
    pack_panel(pl, it.x, first, count, s.panel.data());
    for (int64_t kb = it.kb_begin; kb < it.kb_end; ++kb)
      for (int64_t mt = 0; mt < count; ++mt)
        for (const Tap& tap : pl.landing)
          tile_tap(pl, tap, (first + mt) * tile, s.panel.data() + mt * pl.cg * tile, it.w_group,
                   it.out_g, kb, s);
  }
}

// Tap by tap, only the tiles holding the tap's landing input rows, each packed when reached.
void run_sparse(const Plan& pl, const Item& it, Scratch& s) {
  const auto& in = pl.p.in;
  const int64_t tile = pl.b.tile;
  for (const Tap& tap : pl.landing) {
    const auto& [td, th, tw] = tap.axis;
    int64_t done = -1;  // the last tile computed for this tap (rows come in increasing order)
    for (int64_t id = td.lo; id < td.hi; ++id)
      for (int64_t ih = th.lo; ih < th.hi; ++ih) {
        const int64_t row = (id * in[1] + ih) * in[2];
        const int64_t last = (row + tw.hi - 1) / tile;
        for (int64_t t = std::max(done + 1, (row + tw.lo) / tile); t <= last; ++t) {
          pack_panel(pl, it.x, t, 1, s.panel.data());
          for (int64_t kb = it.kb_begin; kb < it.kb_end; ++kb)
            tile_tap(pl, tap, t * tile, s.panel.data(), it.w_group, it.out_g, kb, s);
          done = t;
        }
      }
  }
}

// One item: its output channels set to the bias, every landing tap's product scattered in,
// then the ReLU.
void run_item(const Plan& pl, const Item& it, int64_t g, Scratch& s) {
  const int64_t k_begin = it.kb_begin * pl.b.nk, k_end = std::min(pl.kg, it.kb_end * pl.b.nk);
  for (int64_t k = k_begin; k < k_end; ++k)
    std::fill(it.out_g + k * pl.out_pixels, it.out_g + (k + 1) * pl.out_pixels,
              pl.p.bias ? pl.p.bias[g * pl.kg + k] : 0.0f);
  if (pl.dense)
    run_dense(pl, it, s);
  else
    run_sparse(pl, it, s);
  if (pl.p.fuse_relu)
    for (float* v = it.out_g + k_begin * pl.out_pixels; v != it.out_g + k_end * pl.out_pixels; ++v)
      *v = std::max(*v, 0.0f);
}

// Threads worth using: waking one costs ~5-20 us, so below ~2 MFLOP per thread (the products
// of every tile with every landing tap) extra threads cost more than they save; never more than
// there are channel blocks to share.
int threads_for(const Plan& pl, int threads) {
  const double flops = 2.0 * static_cast<double>(pl.p.N) * static_cast<double>(pl.p.groups) *
                       static_cast<double>(pl.blocks * pl.b.nk) * static_cast<double>(pl.cg) *
                       static_cast<double>(pl.tiles * pl.b.tile) *
                       static_cast<double>(pl.landing.size());
  const double blocks = static_cast<double>(pl.p.N) * static_cast<double>(pl.p.groups) *
                        static_cast<double>(pl.blocks);
  return static_cast<int>(
      std::clamp<double>(std::min(flops / 2e6, blocks), 1.0, std::max(threads, 1)));
}

// Channel-block chunks per (image, group): one when there are enough (image, group) pairs for
// every thread twice (each packs its input once), else enough chunks for that.
int64_t chunks_for(const Plan& pl, int threads) {
  const int64_t pairs = pl.p.N * pl.p.groups;
  return std::clamp<int64_t>(ceil_div(2 * int64_t{threads}, pairs), 1, pl.blocks);
}

}  // namespace

void conv_transpose_taps(const ConvTransposeNdParams& p, const float* in, const float* w,
                         float* out, int threads, Isa isa) {
  Plan pl = make_plan(p, isa);
  pl.landing = landing_taps(p, pl.o);
  pl.dense = choose_dense(pl);
  const std::vector<float> packed_w = pack_weights(pl, w);
  // Items (image, group, chunk of output-channel blocks) write disjoint output channels.
  const int t = threads_for(pl, threads);
  const int64_t chunks = t == 1 ? 1 : chunks_for(pl, t);
  parallel_for(p.N * p.groups * chunks, t, [&](int64_t begin, int64_t end) {
    Scratch s;
    s.panel.resize(static_cast<size_t>(pl.panel_tiles * pl.cg * pl.b.tile));
    s.y.resize(static_cast<size_t>(pl.b.nk * pl.b.tile));
    s.segments.resize(static_cast<size_t>(pl.b.tile));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t pair = i / chunks, chunk = i % chunks, n = pair / p.groups, g = pair % p.groups;
      const Item it{in + (n * p.C + g * pl.cg) * pl.pixels,
                    packed_w.data() + g * pl.blocks * pl.taps * pl.cg * pl.b.nk,
                    out + (n * p.K + g * pl.kg) * pl.out_pixels, pl.blocks * chunk / chunks,
                    pl.blocks * (chunk + 1) / chunks};
      run_item(pl, it, g, s);
    }
  });
}

std::optional<int64_t> conv_transpose_taps_scratch_bytes(const ConvTransposeNdParams& p,
                                                         int threads, Isa isa) {
  const Plan pl = make_plan(p, isa);
  const Checked nk = pl.b.nk, tile = pl.b.tile;
  const Checked packed_w = Checked(p.groups) * pl.blocks * pl.taps * pl.cg * nk;
  // Each thread's panel, Y and segments; at most one thread per channel block.
  const Checked blocks = Checked(p.N) * p.groups * pl.blocks;
  const int64_t most_threads =
      blocks.ok() ? std::clamp<int64_t>(*blocks.get(), 1, std::max(threads, 1)) : threads;
  const Checked per_thread =
      (Checked(pl.panel_tiles) * pl.cg * tile + nk * tile) * int64_t{sizeof(float)} +
      tile * int64_t{sizeof(Segment)};
  const Checked taps = Checked(pl.taps) * int64_t{sizeof(Tap)} +
                       Checked(p.kernel[0] + p.kernel[1] + p.kernel[2]) * int64_t{sizeof(TapRange)};
  return (packed_w * int64_t{sizeof(float)} + per_thread * most_threads + taps).get();
}

}  // namespace netshape::kernels
