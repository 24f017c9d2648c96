// AVX-512 depthwise convolution on NCHW16c, blocked over ROWS output rows x UW output pixels
// x 16 channels (one zmm accumulator per pixel and row).
//
// Why this shape: a depthwise tap is one FMA per loaded vector when every (pixel, tap) loads
// its own input, so the generic strip kernel is bound by loads, not FMAs. Here each input
// vector is loaded once per chunk and feeds every accumulator it touches: the S taps of its
// row in each of the ROWS output rows (for 3x3 stride 1 and two rows: up to 6 FMAs per load).
// The loop over the input rows of a chunk is at run time, so padding rows and a short last
// row group cost nothing extra; padding columns are skipped per column in the (at most two)
// chunks of a row that touch the border.
#include "conv2d_depthwise_nchw16c_rows.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "parallel.hpp"

namespace netshape::kernels {
namespace {

// One chunk: ROWS output rows x uw output pixels of one channel block.
struct DwChunk {
  const float* in;  // the channel block's input [H, W, 16c]
  const float* w;   // its weights [R, S, 16c]
  const float* bias;
  float* out;  // output pixel (first row, first pixel of the chunk)
  int64_t W, R, out_row_stride;
  int64_t t_lo, t_hi;  // input rows the chunk reads
  int64_t base0;       // input row of tap r = 0 for the first output row
  int64_t stride_h;    // between the input rows of tap 0 of consecutive output rows
  int64_t c0;          // input column of pixel 0 at tap s = 0 (may be negative: padding)
  bool relu;
};

using ChunkFn = void (*)(const DwChunk&);

__attribute__((target("avx512f"))) inline __m512 relu512(__m512 v) {
  // The merge-masked max: _mm512_max_ps starts from _mm512_undefined_ps(), which GCC 12
  // reports as an uninitialised read under -Werror. Zero first: max_ps returns its second
  // operand when one is NaN, and ReLU keeps NaN, as PyTorch's does.
  return _mm512_mask_max_ps(v, 0xFFFF, _mm512_setzero_ps(), v);
}

// One input row of a chunk: each of its (UW - 1) * SW + S input vectors is loaded once and
// multiplied into every accumulator whose window covers it. USE0 / USE1: whether the row is a
// tap row of output row 0 / 1 (weights w0 / w1 are that row's S taps). CHECK: skip the input
// columns outside [0, W) (padding).
template <int S, int SW, int UW, bool USE0, bool USE1, bool CHECK>
__attribute__((target("avx512f"), always_inline)) inline void dw_input_row(
    __m512 (&acc0)[UW], __m512 (&acc1)[UW], const float* row, int64_t c0, int64_t W,
    const float* w0, const float* w1) {
  __m512 wa[S], wb[S];
#pragma GCC unroll 8
  for (int s = 0; s < S; ++s) {
    if (USE0) wa[s] = _mm512_loadu_ps(w0 + 16 * s);
    if (USE1) wb[s] = _mm512_loadu_ps(w1 + 16 * s);
  }
  constexpr int kInputs = (UW - 1) * SW + S;
#pragma GCC unroll 64
  for (int i = 0; i < kInputs; ++i) {
    if (CHECK && static_cast<uint64_t>(c0 + i) >= static_cast<uint64_t>(W)) continue;
    const __m512 x = _mm512_loadu_ps(row + (c0 + i) * 16);
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) {
      const int d = i - s;  // SW x (the output pixel this tap of this input feeds)
      if (d < 0 || d % SW != 0 || d / SW >= UW) continue;
      if (USE0) acc0[d / SW] = _mm512_fmadd_ps(x, wa[s], acc0[d / SW]);
      if (USE1) acc1[d / SW] = _mm512_fmadd_ps(x, wb[s], acc1[d / SW]);
    }
  }
}

template <int S, int SW, int UW, int ROWS, bool CHECK>
__attribute__((target("avx512f"))) void dw_chunk_avx512(const DwChunk& a) {
  __m512 acc0[UW], acc1[UW];
  const __m512 b = a.bias ? _mm512_loadu_ps(a.bias) : _mm512_setzero_ps();
#pragma GCC unroll 32
  for (int j = 0; j < UW; ++j) acc0[j] = acc1[j] = b;
  for (int64_t t = a.t_lo; t < a.t_hi; ++t) {
    const float* row = a.in + t * a.W * 16;
    // Tap rows of output rows 0 and 1 (t >= base0, and t < base0 + (ROWS-1) stride_h + R).
    const int64_t r0 = t - a.base0, r1 = r0 - a.stride_h;
    const bool use0 = r0 < a.R, use1 = ROWS == 2 && r1 >= 0;
    const float* w0 = a.w + (use0 ? r0 : 0) * S * 16;
    const float* w1 = a.w + (use1 ? r1 : 0) * S * 16;
    if (use0 && use1)
      dw_input_row<S, SW, UW, true, ROWS == 2, CHECK>(acc0, acc1, row, a.c0, a.W, w0, w1);
    else if (use0)
      dw_input_row<S, SW, UW, true, false, CHECK>(acc0, acc1, row, a.c0, a.W, w0, w1);
    else if (use1)  // (neither: a row between the two windows, stride_h > R)
      dw_input_row<S, SW, UW, false, ROWS == 2, CHECK>(acc0, acc1, row, a.c0, a.W, w0, w1);
  }
#pragma GCC unroll 32
  for (int j = 0; j < UW; ++j) {
    _mm512_storeu_ps(a.out + j * 16, a.relu ? relu512(acc0[j]) : acc0[j]);
    if (ROWS == 2)
      _mm512_storeu_ps(a.out + a.out_row_stride + j * 16, a.relu ? relu512(acc1[j]) : acc1[j]);
  }
}

// Widest chunk for one row (kMaxUW) and for a row pair (kPairUW): ROWS x UW accumulators +
// ROWS x S weight vectors + 1 input vector fit in the 32 zmm registers. Measured on Zen 4 over
// the MobileNetV2 layers (1 thread): pairs of 8 beat pairs of 6, 10 or 12 and single rows of
// 8-24 (stride 1 by 5-20% on rows of 7-28 pixels, stride 2 by 0-10%).
constexpr int kMaxUW = 16;
constexpr int kPairUW = 8;
static_assert(kMaxUW <= kMaxStripPixels && 2 * kPairUW <= kMaxStripPixels);  // run_chunk_to_planes

template <int S, int SW, int ROWS, bool CHECK, int... I>
constexpr std::array<ChunkFn, kMaxUW> chunk_row(std::integer_sequence<int, I...>) {
  return {&dw_chunk_avx512<S, SW, I + 1, ROWS, CHECK>...};
}

// Kernels of one (S, SW), indexed [rows - 1][check][uw - 1].
using ChunkTable = std::array<std::array<std::array<ChunkFn, kMaxUW>, 2>, 2>;

template <int S, int SW>
constexpr ChunkTable make_table() {
  using Seq = std::make_integer_sequence<int, kMaxUW>;
  using SeqPair = std::make_integer_sequence<int, kPairUW>;
  ChunkTable t{};
  t[0] = {chunk_row<S, SW, 1, false>(Seq{}), chunk_row<S, SW, 1, true>(Seq{})};
  t[1] = {chunk_row<S, SW, 2, false>(SeqPair{}), chunk_row<S, SW, 2, true>(SeqPair{})};
  return t;
}

// Work per thread below which another thread costs more than it saves: ~2.5 us at this
// kernel's speed, against ~1 us to hand a chunk to a pool worker that is still spinning from
// the previous call (the layers of a network run back to back). A sleeping pool costs ~5-60 us
// once, on the first call. Measured on the MobileNetV2 layers (2 threads, idle machine): the
// layers of 0.5-2 MFLOP take 25-50% less time than on one thread; 0.1e6 gains nothing more.
constexpr double kMinFlopsPerThread = 0.25e6;

const ChunkTable& table(int64_t stride_w) {
  static constexpr ChunkTable t1 = make_table<3, 1>(), t2 = make_table<3, 2>();
  return stride_w == 1 ? t1 : t2;
}

// Runs chunk `a` (n_rows rows of uw pixels) into a buffer on the stack and converts it at once,
// while in L1, to the `channels` planes (plane_stride apart) whose row of output row 0 starts at
// `row0` (rows are q_stride apart).
void run_chunk_to_planes(ChunkFn fn, DwChunk a, int n_rows, int uw, float* row0, int64_t q_stride,
                         int64_t plane_stride, int64_t channels) {
  alignas(64) float buf[kMaxStripFloats];
  a.out = buf;
  a.out_row_stride = uw * 16;
  fn(a);
  for (int r = 0; r < n_rows; ++r)
    blocked_pixels_to_planes(buf + r * uw * 16, uw, channels, row0 + r * q_stride, plane_stride,
                             Isa::Avx512);
}

}  // namespace

bool depthwise_rows_supports(const Conv2dParams& p, Isa isa) {
  return isa == Isa::Avx512 && p.groups == p.C && p.K == p.C && p.S == 3 && p.dilation_h == 1 &&
         p.dilation_w == 1 && (p.stride_w == 1 || p.stride_w == 2);
}

void conv2d_depthwise_nchw16c_rows(const Conv2dParams& p, const float* in, const float* w,
                                   const float* bias16, ConvOutput out, int threads) {
  const int64_t P = p.P(), Q = p.Q(), CB = round_up16(p.C) / 16, HW = p.H * p.W;
  const int64_t groups = (P + 1) / 2;  // row pairs per channel block (the last may be one row)
  const ChunkTable& tab = table(p.stride_w);
  threads = static_cast<int>(
      std::clamp<double>(p.flops() / kMinFlopsPerThread, 1.0, std::max(threads, 1)));
  parallel_for(p.N * CB * groups, threads, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t oh0 = it % groups * 2, cb = it / groups % CB, n = it / groups / CB;
      const int n_rows = static_cast<int>(std::min<int64_t>(2, P - oh0));
      DwChunk a{};
      a.in = in + (n * CB + cb) * HW * 16;
      a.w = w + cb * p.R * p.S * 16;
      a.bias = bias16 ? bias16 + cb * 16 : nullptr;
      a.W = p.W, a.R = p.R, a.out_row_stride = Q * 16;
      a.base0 = oh0 * p.stride_h - p.pad_h;
      a.stride_h = p.stride_h;
      a.t_lo = std::max<int64_t>(0, a.base0);
      a.t_hi = std::min(p.H, a.base0 + (n_rows - 1) * p.stride_h + p.R);
      a.relu = p.fuse_relu;
      // NCHW16c: the chunk's first output row; NCHW: that row in the block's first plane.
      float* out_row = out.nchw ? out.data + ((n * p.C + cb * 16) * P + oh0) * Q
                                : out.data + ((n * CB + cb) * P + oh0) * Q * 16;
      // Near-equal chunks of at most max_uw pixels; a chunk reading a padding column is checked.
      const int max_uw = n_rows == 2 ? kPairUW : kMaxUW;
      const int64_t n_chunks = (Q + max_uw - 1) / max_uw, base = Q / n_chunks, rem = Q % n_chunks;
      int64_t q0 = 0;
      for (int64_t i = 0; i < n_chunks; ++i) {
        const int uw = static_cast<int>(base + (i < rem ? 1 : 0));
        a.c0 = q0 * p.stride_w - p.pad_w;
        const bool check = a.c0 < 0 || a.c0 + (uw - 1) * p.stride_w + p.S > p.W;
        const ChunkFn fn = tab[n_rows - 1][check][uw - 1];
        if (out.nchw) {
          run_chunk_to_planes(fn, a, n_rows, uw, out_row + q0, Q, P * Q,
                              std::min<int64_t>(16, p.C - cb * 16));
        } else {
          a.out = out_row + q0 * 16;
          fn(a);
        }
        q0 += uw;
      }
    }
  });
}

}  // namespace netshape::kernels
