// Direct 2-D convolution on the channel-blocked NCHW16c layout (no im2col).
//
// Structure:
//   * A "strip" is UW consecutive output pixels of one output row for NOC blocks of 16
//     output channels. Its UW x NOC accumulators (one vector of 16 channels each) stay in
//     registers for the whole reduction over input channels x R x S, so every weight
//     vector loaded feeds UW FMAs and every broadcast input value feeds NOC FMAs.
//   * Micro-kernels (one per ISA) compute one strip; they are templates over the strip
//     width so the accumulator array is fully unrolled into registers.
//   * Padding is handled by bounds, not by a padded copy of the input: rows outside the
//     input shrink the R range of the row; strips touching the left/right border are
//     "checked" strips that skip, per kernel column s, the pixels whose input is outside.
//   * The driver (ISA independent) splits batch x output-channel blocks x output rows
//     over threads and cuts each row into strips.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

#include "conv2d_depthwise_nchw16c_rows.hpp"
#include "conv_output.hpp"
#include "netshape/kernels/conv.hpp"
#include "parallel.hpp"

namespace netshape::kernels {
namespace {

// Everything a micro-kernel needs for one strip. Offsets are element offsets from `in`
// and may point before the start of the tensor for checked strips; only in-bounds
// (s, j) pairs are dereferenced.
struct Strip {
  const float* in;
  int64_t in_off;        // (first channel block, first valid r, s = 0, pixel j = 0)
  int64_t n_cb;          // input channel blocks (or plain channels for ICB == 1)
  int64_t in_cb_stride;  // between channel blocks
  int64_t n_r, in_r_stride;
  int64_t n_s, in_s_stride;
  int64_t in_q_stride;  // between adjacent output pixels (stride_w x pixel size)
  const float* w;       // weights at (first kb, cb = 0, first valid r, s = 0)
  int64_t w_cb_stride, w_r_stride, w_oc_stride;
  int64_t w_s_stride;  // between kernel columns (the driver uses it to skip columns)
  float* out;          // output at (first kb, p, q0, 0); pixel stride is 16
  int64_t out_oc_stride;
  const float* bias;  // 16 x noc padded values, or nullptr
  bool relu;
  const int* jlo;  // checked strips: valid pixels for column s are [jlo[s], jhi[s])
  const int* jhi;
  int uw, noc, icb;  // runtime copies of the template parameters (scalar kernel)
};

using StripFn = void (*)(const Strip&);

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

// ---------------------------------------------------------------------------------------
// AVX-512: one zmm = 16 output channels of one pixel.
// ICB: input channels per block (16 = NCHW16c, 1 = plain NCHW for the first layer).
// QS: compile-time pixel stride (0 = use the runtime value); stride-1 NCHW16c is the hot
// case and a constant stride lets every broadcast use an immediate displacement.

// ReLU via the merge-masked form: _mm512_max_ps starts from _mm512_undefined_ps(), which
// GCC 12 reports as an uninitialised read under -Werror. Zero first: max_ps returns its second
// operand when one is NaN, and ReLU keeps NaN, as PyTorch's does.
__attribute__((target("avx512f"))) inline __m512 relu512(__m512 v) {
  return _mm512_mask_max_ps(v, 0xFFFF, _mm512_setzero_ps(), v);
}

// One input channel of a strip: NOC weight vectors, UW broadcasts, UW x NOC FMAs.
template <int UW, int NOC, bool CHECK>
__attribute__((target("avx512f"), always_inline)) inline void fma_channel_avx512(
    __m512 (&acc)[NOC][UW], const float* wp, int64_t w_oc_stride, const float* ip, int64_t qs,
    int jlo, int jhi) {
  __m512 w[NOC];
#pragma GCC unroll 4
  for (int o = 0; o < NOC; ++o) w[o] = _mm512_loadu_ps(wp + o * w_oc_stride);
#pragma GCC unroll 32
  for (int j = 0; j < UW; ++j) {
    if (CHECK && (j < jlo || j >= jhi)) continue;
    const __m512 x = _mm512_set1_ps(ip[j * qs]);
#pragma GCC unroll 4
    for (int o = 0; o < NOC; ++o) acc[o][j] = _mm512_fmadd_ps(x, w[o], acc[o][j]);
  }
}

template <int UW, int NOC, int ICB, int QS, bool CHECK>
__attribute__((target("avx512f"))) void strip_avx512(const Strip& a) {
  __m512 acc[NOC][UW];
#pragma GCC unroll 4
  for (int o = 0; o < NOC; ++o) {
    const __m512 b = a.bias ? _mm512_loadu_ps(a.bias + 16 * o) : _mm512_setzero_ps();
#pragma GCC unroll 32
    for (int j = 0; j < UW; ++j) acc[o][j] = b;
  }
  const float* in = a.in;
  const int64_t qs = QS ? QS : a.in_q_stride;
  for (int64_t cb = 0; cb < a.n_cb; ++cb)
    for (int64_t r = 0; r < a.n_r; ++r)
      for (int64_t s = 0; s < a.n_s; ++s) {
        const float* wp = a.w + cb * a.w_cb_stride + r * a.w_r_stride + s * (ICB * 16);
        const float* ip =
            in + (a.in_off + cb * a.in_cb_stride + r * a.in_r_stride + s * a.in_s_stride);
        int jlo = 0, jhi = UW;
        if constexpr (CHECK) {
          jlo = a.jlo[s];
          jhi = a.jhi[s];
        }
        // Fully unrolling the 16 input channels is worth ~6% on the hot (constant pixel
        // stride) kernels; elsewhere a rolled loop keeps the ~600 instances small.
        // Sanitizer builds always use the rolled loop (same results; the instrumented,
        // unrolled instances take many minutes to compile).
        if constexpr (QS != 0 && !kSanitizerBuild) {
#pragma GCC unroll 16
          for (int ic = 0; ic < ICB; ++ic)
            fma_channel_avx512<UW, NOC, CHECK>(acc, wp + ic * 16, a.w_oc_stride, ip + ic, qs, jlo,
                                               jhi);
        } else {
          for (int ic = 0; ic < ICB; ++ic)
            fma_channel_avx512<UW, NOC, CHECK>(acc, wp + ic * 16, a.w_oc_stride, ip + ic, qs, jlo,
                                               jhi);
        }
      }
#pragma GCC unroll 4
  for (int o = 0; o < NOC; ++o)
#pragma GCC unroll 32
    for (int j = 0; j < UW; ++j) {
      __m512 v = acc[o][j];
      if (a.relu) v = relu512(v);
      _mm512_storeu_ps(a.out + o * a.out_oc_stride + j * 16, v);
    }
}

// Depthwise: channels are independent, so a vector of 16 input channels multiplies a
// vector of 16 per-channel weights (no broadcast); one weight vector per (r, s) is
// reused across the UW pixels.
template <int UW, int QS, bool CHECK>
__attribute__((target("avx512f"))) void dw_strip_avx512(const Strip& a) {
  __m512 acc[UW];
  const __m512 b = a.bias ? _mm512_loadu_ps(a.bias) : _mm512_setzero_ps();
#pragma GCC unroll 32
  for (int j = 0; j < UW; ++j) acc[j] = b;
  const int64_t qs = QS ? QS : a.in_q_stride;
  for (int64_t r = 0; r < a.n_r; ++r)
    for (int64_t s = 0; s < a.n_s; ++s) {
      const __m512 w = _mm512_loadu_ps(a.w + r * a.w_r_stride + s * 16);
      const float* ip = a.in + (a.in_off + r * a.in_r_stride + s * a.in_s_stride);
      int jlo = 0, jhi = UW;
      if constexpr (CHECK) {
        jlo = a.jlo[s];
        jhi = a.jhi[s];
      }
#pragma GCC unroll 32
      for (int j = 0; j < UW; ++j) {
        if (CHECK && (j < jlo || j >= jhi)) continue;
        acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(ip + j * qs), w, acc[j]);
      }
    }
#pragma GCC unroll 32
  for (int j = 0; j < UW; ++j) {
    __m512 v = acc[j];
    if (a.relu) v = relu512(v);
    _mm512_storeu_ps(a.out + j * 16, v);
  }
}

// ---------------------------------------------------------------------------------------
// AVX2: 16 output channels = two ymm per pixel, so NOC is 1 and UW <= 6
// (12 accumulators + 2 weight vectors + 1 broadcast = 15 of 16 registers).

template <int UW, int ICB, int QS, bool CHECK>
__attribute__((target("avx2,fma"))) void strip_avx2(const Strip& a) {
  __m256 lo[UW], hi[UW];
  const __m256 blo = a.bias ? _mm256_loadu_ps(a.bias) : _mm256_setzero_ps();
  const __m256 bhi = a.bias ? _mm256_loadu_ps(a.bias + 8) : _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int j = 0; j < UW; ++j) {
    lo[j] = blo;
    hi[j] = bhi;
  }
  const int64_t qs = QS ? QS : a.in_q_stride;
  for (int64_t cb = 0; cb < a.n_cb; ++cb)
    for (int64_t r = 0; r < a.n_r; ++r)
      for (int64_t s = 0; s < a.n_s; ++s) {
        const float* wp = a.w + cb * a.w_cb_stride + r * a.w_r_stride + s * (ICB * 16);
        const float* ip =
            a.in + (a.in_off + cb * a.in_cb_stride + r * a.in_r_stride + s * a.in_s_stride);
        int jlo = 0, jhi = UW;
        if constexpr (CHECK) {
          jlo = a.jlo[s];
          jhi = a.jhi[s];
        }
#pragma GCC unroll 16
        for (int ic = 0; ic < ICB; ++ic) {
          const __m256 w0 = _mm256_loadu_ps(wp + ic * 16);
          const __m256 w1 = _mm256_loadu_ps(wp + ic * 16 + 8);
#pragma GCC unroll 8
          for (int j = 0; j < UW; ++j) {
            if (CHECK && (j < jlo || j >= jhi)) continue;
            const __m256 x = _mm256_broadcast_ss(ip + j * qs + ic);
            lo[j] = _mm256_fmadd_ps(x, w0, lo[j]);
            hi[j] = _mm256_fmadd_ps(x, w1, hi[j]);
          }
        }
      }
#pragma GCC unroll 8
  for (int j = 0; j < UW; ++j) {
    __m256 l = lo[j], h = hi[j];
    if (a.relu) {
      l = _mm256_max_ps(_mm256_setzero_ps(), l);
      h = _mm256_max_ps(_mm256_setzero_ps(), h);
    }
    _mm256_storeu_ps(a.out + j * 16, l);
    _mm256_storeu_ps(a.out + j * 16 + 8, h);
  }
}

template <int UW, int QS, bool CHECK>
__attribute__((target("avx2,fma"))) void dw_strip_avx2(const Strip& a) {
  __m256 lo[UW], hi[UW];
  const __m256 blo = a.bias ? _mm256_loadu_ps(a.bias) : _mm256_setzero_ps();
  const __m256 bhi = a.bias ? _mm256_loadu_ps(a.bias + 8) : _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int j = 0; j < UW; ++j) {
    lo[j] = blo;
    hi[j] = bhi;
  }
  const int64_t qs = QS ? QS : a.in_q_stride;
  for (int64_t r = 0; r < a.n_r; ++r)
    for (int64_t s = 0; s < a.n_s; ++s) {
      const __m256 w0 = _mm256_loadu_ps(a.w + r * a.w_r_stride + s * 16);
      const __m256 w1 = _mm256_loadu_ps(a.w + r * a.w_r_stride + s * 16 + 8);
      const float* ip = a.in + (a.in_off + r * a.in_r_stride + s * a.in_s_stride);
      int jlo = 0, jhi = UW;
      if constexpr (CHECK) {
        jlo = a.jlo[s];
        jhi = a.jhi[s];
      }
#pragma GCC unroll 8
      for (int j = 0; j < UW; ++j) {
        if (CHECK && (j < jlo || j >= jhi)) continue;
        lo[j] = _mm256_fmadd_ps(_mm256_loadu_ps(ip + j * qs), w0, lo[j]);
        hi[j] = _mm256_fmadd_ps(_mm256_loadu_ps(ip + j * qs + 8), w1, hi[j]);
      }
    }
#pragma GCC unroll 8
  for (int j = 0; j < UW; ++j) {
    __m256 l = lo[j], h = hi[j];
    if (a.relu) {
      l = _mm256_max_ps(_mm256_setzero_ps(), l);
      h = _mm256_max_ps(_mm256_setzero_ps(), h);
    }
    _mm256_storeu_ps(a.out + j * 16, l);
    _mm256_storeu_ps(a.out + j * 16 + 8, h);
  }
}

// ---------------------------------------------------------------------------------------
// Portable scalar kernels: same strip contract, all sizes at run time. Correct on any
// CPU; the compiler may still vectorise the 16-wide channel loop with SSE2.

constexpr int kMaxScalarUW = 14;

void strip_scalar(const Strip& a) {
  float acc[kMaxScalarUW][16];
  for (int o = 0; o < a.noc; ++o) {
    for (int j = 0; j < a.uw; ++j)
      for (int k = 0; k < 16; ++k) acc[j][k] = a.bias ? a.bias[16 * o + k] : 0.0f;
    for (int64_t cb = 0; cb < a.n_cb; ++cb)
      for (int64_t r = 0; r < a.n_r; ++r)
        for (int64_t s = 0; s < a.n_s; ++s) {
          const float* wp =
              a.w + o * a.w_oc_stride + cb * a.w_cb_stride + r * a.w_r_stride + s * (a.icb * 16);
          const int64_t off =
              a.in_off + cb * a.in_cb_stride + r * a.in_r_stride + s * a.in_s_stride;
          const int jlo = a.jlo ? a.jlo[s] : 0, jhi = a.jhi ? a.jhi[s] : a.uw;
          for (int j = jlo; j < jhi; ++j) {
            float t[16];  // a local copy the compiler keeps in (SSE) registers
            std::copy_n(acc[j], 16, t);
            for (int ic = 0; ic < a.icb; ++ic) {
              const float x = a.in[off + j * a.in_q_stride + ic];
              for (int k = 0; k < 16; ++k) t[k] += x * wp[ic * 16 + k];
            }
            std::copy_n(t, 16, acc[j]);
          }
        }
    for (int j = 0; j < a.uw; ++j)
      for (int k = 0; k < 16; ++k)
        a.out[o * a.out_oc_stride + j * 16 + k] = a.relu ? std::max(acc[j][k], 0.0f) : acc[j][k];
  }
}

void dw_strip_scalar(const Strip& a) {
  float acc[kMaxScalarUW][16];
  for (int j = 0; j < a.uw; ++j)
    for (int k = 0; k < 16; ++k) acc[j][k] = a.bias ? a.bias[k] : 0.0f;
  for (int64_t r = 0; r < a.n_r; ++r)
    for (int64_t s = 0; s < a.n_s; ++s) {
      const float* wp = a.w + r * a.w_r_stride + s * 16;
      const int64_t off = a.in_off + r * a.in_r_stride + s * a.in_s_stride;
      const int jlo = a.jlo ? a.jlo[s] : 0, jhi = a.jhi ? a.jhi[s] : a.uw;
      for (int j = jlo; j < jhi; ++j)
        for (int k = 0; k < 16; ++k) acc[j][k] += a.in[off + j * a.in_q_stride + k] * wp[k];
    }
  for (int j = 0; j < a.uw; ++j)
    for (int k = 0; k < 16; ++k) a.out[j * 16 + k] = a.relu ? std::max(acc[j][k], 0.0f) : acc[j][k];
}

// ---------------------------------------------------------------------------------------
// Kernel tables: index [uw - 1] for each (variant, noc, checked) combination.

// Register budget (32 zmm): NOC x UW accumulators + NOC weight vectors <= 30, so
// NOC 1-2 use strips of up to 14 pixels and NOC 3-4 (narrow images, Q <= 7) up to 7.
constexpr int kAvx512MaxUW = 14, kAvx512NarrowUW = 7, kAvx512NarrowNoc = 4;
constexpr int kAvx2MaxUW = 6;
// Depthwise needs only UW accumulators + 1 weight vector: use wider strips to amortise
// the per-strip setup over more FMAs.
constexpr int kAvx512DwMaxUW = 28;
// Every strip fits the stack buffer of a strip converted to NCHW (run_strip_to_planes).
static_assert(2 * kAvx512MaxUW <= kMaxStripPixels && kAvx512DwMaxUW <= kMaxStripPixels &&
              kAvx512NarrowNoc * kAvx512NarrowUW <= kMaxStripPixels &&
              kAvx2MaxUW <= kMaxStripPixels && kMaxScalarUW <= kMaxStripPixels);

template <int NOC, int ICB, int QS, bool CHECK, int... I>
constexpr std::array<StripFn, kAvx512MaxUW> avx512_row(std::integer_sequence<int, I...>) {
  return {&strip_avx512<I + 1, NOC, ICB, QS, CHECK>...};  // missing widths stay nullptr
}
template <int QS, bool CHECK, int... I>
constexpr std::array<StripFn, sizeof...(I)> dw_avx512_row(std::integer_sequence<int, I...>) {
  return {&dw_strip_avx512<I + 1, QS, CHECK>...};
}
template <int ICB, int QS, bool CHECK, int... I>
constexpr std::array<StripFn, sizeof...(I)> avx2_row(std::integer_sequence<int, I...>) {
  return {&strip_avx2<I + 1, ICB, QS, CHECK>...};
}
template <int QS, bool CHECK, int... I>
constexpr std::array<StripFn, sizeof...(I)> dw_avx2_row(std::integer_sequence<int, I...>) {
  return {&dw_strip_avx2<I + 1, QS, CHECK>...};
}

using Seq512 = std::make_integer_sequence<int, kAvx512MaxUW>;
using Seq512Dw = std::make_integer_sequence<int, kAvx512DwMaxUW>;
using Seq512Narrow = std::make_integer_sequence<int, kAvx512NarrowUW>;
using Seq2 = std::make_integer_sequence<int, kAvx2MaxUW>;

using Avx512Table = std::array<std::array<std::array<StripFn, kAvx512MaxUW>, 2>, kAvx512NarrowNoc>;

// Dense AVX-512 kernels of one input layout / pixel stride, indexed [noc-1][check][uw-1].
// WIDE_NOC: also instantiate NOC 3-4 (only worth it for the NCHW16c layouts).
template <int ICB, int QS, bool WIDE_NOC>
constexpr Avx512Table make_avx512_table() {
  Avx512Table t{};
  t[0] = {avx512_row<1, ICB, QS, false>(Seq512{}), avx512_row<1, ICB, QS, true>(Seq512{})};
  t[1] = {avx512_row<2, ICB, QS, false>(Seq512{}), avx512_row<2, ICB, QS, true>(Seq512{})};
  if constexpr (WIDE_NOC) {
    t[2] = {avx512_row<3, ICB, QS, false>(Seq512Narrow{}),
            avx512_row<3, ICB, QS, true>(Seq512Narrow{})};
    t[3] = {avx512_row<4, ICB, QS, false>(Seq512Narrow{}),
            avx512_row<4, ICB, QS, true>(Seq512Narrow{})};
  }
  return t;
}

template <int ICB, int QS, bool WIDE_NOC>
StripFn avx512_kernel(int noc, bool check, int uw) {
  static constexpr Avx512Table t = make_avx512_table<ICB, QS, WIDE_NOC>();
  return t[noc - 1][check][uw - 1];
}

template <int ICB, int QS>
StripFn avx2_kernel(bool check, int uw) {
  static constexpr std::array<std::array<StripFn, kAvx2MaxUW>, 2> t{
      {avx2_row<ICB, QS, false>(Seq2{}), avx2_row<ICB, QS, true>(Seq2{})}};
  return t[check][uw - 1];
}

// Which micro-kernel computes one strip: depends on the ISA, the path (input layout),
// the horizontal stride (constant pixel strides for stride 1 and 2), the strip shape and
// the border check.
struct KernelChooser {
  Isa isa;
  Conv2dPath path;
  int64_t stride_w;
  bool narrow;  // Q <= 7: trade strip width for more output-channel blocks

  bool dense_avx512_narrow() const {
    return isa == Isa::Avx512 && narrow && path == Conv2dPath::Blocked && stride_w == 1;
  }
  int max_uw() const {
    if (isa == Isa::Avx512 && path == Conv2dPath::Depthwise) return kAvx512DwMaxUW;
    if (isa == Isa::Avx512) return dense_avx512_narrow() ? kAvx512NarrowUW : kAvx512MaxUW;
    return isa == Isa::Avx2 ? kAvx2MaxUW : kMaxScalarUW;
  }
  int max_noc() const {
    if (isa != Isa::Avx512 || path == Conv2dPath::Depthwise) return 1;
    return dense_avx512_narrow() ? kAvx512NarrowNoc : 2;
  }

  StripFn get(int noc, bool check, int uw) const {
    const bool dw = path == Conv2dPath::Depthwise, first = path == Conv2dPath::FirstLayer;
    const bool unit = stride_w == 1;
    if (isa == Isa::Avx512) {
      if (dw) {
        static constexpr std::array<std::array<std::array<StripFn, kAvx512DwMaxUW>, 2>, 2> t{{
            {{dw_avx512_row<0, false>(Seq512Dw{}), dw_avx512_row<0, true>(Seq512Dw{})}},
            {{dw_avx512_row<16, false>(Seq512Dw{}), dw_avx512_row<16, true>(Seq512Dw{})}},
        }};
        return t[unit][check][uw - 1];
      }
      if (first) {
        if (stride_w == 1) return avx512_kernel<1, 1, false>(noc, check, uw);
        if (stride_w == 2) return avx512_kernel<1, 2, false>(noc, check, uw);
        return avx512_kernel<1, 0, false>(noc, check, uw);
      }
      if (stride_w == 1) return avx512_kernel<16, 16, true>(noc, check, uw);
      if (stride_w == 2) return avx512_kernel<16, 32, false>(noc, check, uw);
      return avx512_kernel<16, 0, false>(noc, check, uw);
    }
    if (isa == Isa::Avx2) {
      if (dw) {
        static constexpr std::array<std::array<std::array<StripFn, kAvx2MaxUW>, 2>, 2> t{{
            {{dw_avx2_row<0, false>(Seq2{}), dw_avx2_row<0, true>(Seq2{})}},
            {{dw_avx2_row<16, false>(Seq2{}), dw_avx2_row<16, true>(Seq2{})}},
        }};
        return t[unit][check][uw - 1];
      }
      if (first) return avx2_kernel<1, 0>(check, uw);
      return unit ? avx2_kernel<16, 16>(check, uw) : avx2_kernel<16, 0>(check, uw);
    }
    return dw ? &dw_strip_scalar : &strip_scalar;
  }
};

// ---------------------------------------------------------------------------------------
// Driver.

// Geometry shared by all paths (element strides assume the path's input layout).
struct Geometry {
  Conv2dParams p;
  int64_t P, Q;
  int64_t pix;  // floats per input pixel: 16 (NCHW16c) or 1 (plain NCHW)
};

// Valid kernel rows [r_lo, r_lo + n_r) for output row `oh`.
std::pair<int64_t, int64_t> row_taps(const Conv2dParams& p, int64_t oh) {
  const int64_t ih0 = oh * p.stride_h - p.pad_h;
  const int64_t r_lo = std::max<int64_t>(0, ceil_div(-ih0, p.dilation_h));
  const int64_t r_hi = std::min<int64_t>(p.R, floor_div(p.H - 1 - ih0, p.dilation_h) + 1);
  return {r_lo, std::max<int64_t>(0, r_hi - r_lo)};
}

// The kernel columns [s_lo, s_lo + n_s) of strip [q0, q0 + uw) that read at least one pixel
// inside the input row: the column positions of the strip's pixels at tap s are
// base(s) + j * stride_w for j in [0, uw), base(s) = q0 * stride_w - pad_w + s * dilation_w,
// which increases with s, so these columns are contiguous. Columns outside it would only skip
// every pixel, so strips never loop over them: a huge kernel or padding costs nothing in the
// padding.
std::pair<int64_t, int64_t> strip_columns(const Conv2dParams& p, int64_t q0, int uw) {
  const int64_t first = q0 * p.stride_w - p.pad_w;
  const int64_t s_lo =
      std::max<int64_t>(0, ceil_div(-(first + (uw - 1) * p.stride_w), p.dilation_w));
  const int64_t s_hi = std::min<int64_t>(p.S, floor_div(p.W - 1 - first, p.dilation_w) + 1);
  return {std::min(s_lo, p.S), std::max<int64_t>(0, s_hi - s_lo)};
}

// Whether strip [q0, q0 + uw) reads outside the input row for some column s; if so fills
// the valid pixel ranges [jlo[i], jhi[i]) of its columns s = s_lo + i, i < n_s
// (strip_columns).
bool column_ranges(const Conv2dParams& p, int64_t q0, int uw, int64_t s_lo, int64_t n_s, int* jlo,
                   int* jhi) {
  const int64_t first = q0 * p.stride_w - p.pad_w;
  const int64_t last = (q0 + uw - 1) * p.stride_w - p.pad_w + (p.S - 1) * p.dilation_w;
  if (first >= 0 && last < p.W) return false;
  for (int64_t i = 0; i < n_s; ++i) {
    const int64_t base = first + (s_lo + i) * p.dilation_w;  // input column of pixel j = 0
    const int64_t lo = std::clamp<int64_t>(ceil_div(-base, p.stride_w), 0, uw);
    const int64_t hi = std::clamp<int64_t>(floor_div(p.W - 1 - base, p.stride_w) + 1, lo, uw);
    jlo[i] = static_cast<int>(lo);
    jhi[i] = static_cast<int>(hi);
  }
  return true;
}

// Calls emit(q0, uw) for near-equal strips of at most max_uw pixels covering [q_begin, q_end).
template <class F>
void split_strips(int64_t q_begin, int64_t q_end, int max_uw, F& emit) {
  const int64_t len = q_end - q_begin;
  if (len <= 0) return;
  const int64_t n = (len + max_uw - 1) / max_uw, base = len / n, rem = len % n;
  int64_t q0 = q_begin;
  for (int64_t i = 0; i < n; ++i) {
    const int uw = static_cast<int>(base + (i < rem ? 1 : 0));
    emit(q0, uw);
    q0 += uw;
  }
}

// Cuts an output row into strips. Dense kernels: near-equal strips over the whole row
// (the border pixels ride along in a checked strip; its per-pixel branches are cheap next
// to 16 x NOC FMAs per broadcast). Depthwise does only one FMA per (pixel, tap), so there
// the border pixels get their own small checked strips and the interior runs unchecked.
template <class F>
void for_each_strip(const Conv2dParams& p, int64_t Q, int max_uw, bool split_borders, F emit) {
  if (!split_borders) return split_strips(0, Q, max_uw, emit);
  const int64_t ql = std::clamp<int64_t>(ceil_div(p.pad_w, p.stride_w), 0, Q);
  const int64_t qr = std::clamp<int64_t>(
      floor_div(p.W - 1 + p.pad_w - (p.S - 1) * p.dilation_w, p.stride_w) + 1, ql, Q);
  split_strips(0, ql, max_uw, emit);
  split_strips(ql, qr, max_uw, emit);
  split_strips(qr, Q, max_uw, emit);
}

// The strips of one output row, computed once per call (they are the same for every
// row): position, width, border ranges and the micro-kernel for each NOC in use.
struct StripPlan {
  struct Entry {
    int64_t q0;
    int64_t s_lo, n_s;  // the kernel columns the strip reads (all S for unchecked strips)
    int64_t cols;       // offset of this strip's [jlo | jhi] in `ranges`, or -1 if unchecked
    int uw;
    StripFn fn[2];  // [0]: full NOC, [1]: the NOC of the last channel-block group
  };
  std::vector<Entry> strips;
  std::vector<int> ranges;

  StripPlan(const Conv2dParams& p, int64_t Q, const KernelChooser& kc, int noc_full, int noc_tail) {
    const bool dw = kc.path == Conv2dPath::Depthwise;
    // Sized exactly first (no vector doubling): conv2d_direct_scratch_bytes() bounds this memory.
    size_t n_strips = 0, n_ranges = 0, widest = 0;
    for_each_strip(p, Q, kc.max_uw(), dw, [&](int64_t q0, int uw) {
      ++n_strips;
      const auto [s_lo, n_s] = strip_columns(p, q0, uw);
      (void)s_lo;
      n_ranges += 2 * static_cast<size_t>(n_s);
      widest = std::max(widest, static_cast<size_t>(n_s));
    });
    strips.reserve(n_strips);
    ranges.reserve(n_ranges);
    std::vector<int> cols(2 * widest);
    for_each_strip(p, Q, kc.max_uw(), dw, [&](int64_t q0, int uw) {
      const auto [s_lo, n_s] = strip_columns(p, q0, uw);
      const bool check = column_ranges(p, q0, uw, s_lo, n_s, cols.data(), cols.data() + n_s);
      int64_t at = -1;
      if (check) {
        at = static_cast<int64_t>(ranges.size());
        ranges.insert(ranges.end(), cols.begin(), cols.begin() + 2 * n_s);
      }
      strips.push_back({q0,
                        check ? s_lo : 0,
                        check ? n_s : p.S,
                        at,
                        uw,
                        {kc.get(noc_full, check, uw), kc.get(noc_tail, check, uw)}});
    });
  }
};

// Where run_row puts the strips of a row when the output is NCHW: the row of the first of the
// item's output channels (the planes of the next channels follow every plane_stride floats) and
// how many output channels there are from that one on (the item's last block may be padding).
struct PlaneRow {
  float* row;
  int64_t plane_stride;
  int64_t channels;
  Isa isa;
};

// Runs strip `e` into a buffer on the stack (NCHW16c: st.noc blocks of e.uw pixels) and converts
// it at once, while in L1, into its pixels [q0, q0 + uw) of the NCHW planes of `planes`.
void run_strip_to_planes(const StripPlan::Entry& e, bool tail, Strip st, const PlaneRow& planes) {
  alignas(64) float buf[kMaxStripFloats];
  st.out = buf;
  st.out_oc_stride = e.uw * 16;
  e.fn[tail](st);
  for (int o = 0; o < st.noc && 16 * o < planes.channels; ++o)
    blocked_pixels_to_planes(
        buf + o * e.uw * 16, e.uw, std::min<int64_t>(16, planes.channels - 16 * o),
        planes.row + 16 * o * planes.plane_stride + e.q0, planes.plane_stride, planes.isa);
}

// Computes output row `oh` of one image / group / output-channel-block range.
// `st` arrives with the per-image pointers and strides filled in; this fills the
// per-row and per-strip fields and runs the strips, into the NCHW16c output at st.out, or,
// given `planes`, into the NCHW output.
void run_row(const Geometry& g, const StripPlan& plan, Strip st, int64_t oh, bool tail,
             const PlaneRow* planes) {
  const Conv2dParams& p = g.p;
  const auto [r_lo, n_r] = row_taps(p, oh);
  float* out_row = planes ? nullptr : st.out + oh * g.Q * 16;
  if (n_r == 0) st.n_cb = 0;  // the row sees only padding: bias (and ReLU) only
  const float* w_row = st.w + r_lo * st.w_r_stride;
  const int64_t n_cb = st.n_cb;
  // Row offset of the first valid kernel row (only used when there is one).
  const int64_t row_off =
      n_r > 0 ? st.in_off + (oh * p.stride_h - p.pad_h + r_lo * p.dilation_h) * p.W * g.pix : 0;
  for (const auto& e : plan.strips) {
    st.jlo = e.cols >= 0 ? plan.ranges.data() + e.cols : nullptr;
    st.jhi = e.cols >= 0 ? plan.ranges.data() + e.cols + e.n_s : nullptr;
    st.n_s = e.n_s;
    st.n_r = e.n_s > 0 ? n_r : 0;  // no column reads the input: bias (and ReLU) only
    st.n_cb = e.n_s > 0 ? n_cb : 0;
    st.in_off = row_off + (e.q0 * p.stride_w - p.pad_w + e.s_lo * p.dilation_w) * g.pix;
    st.w = w_row + e.s_lo * st.w_s_stride;
    st.uw = e.uw;
    if (planes) {
      run_strip_to_planes(e, tail, st, *planes);
      continue;
    }
    st.out = out_row + e.q0 * 16;
    e.fn[tail](st);
  }
}

// Runs output row `oh` of image `n` from channel block `block` on (st.noc blocks) into `out`, of
// `channels` output channels: into their NCHW planes, or into the NCHW16c blocks.
void run_row_into(ConvOutput out, const Geometry& g, const StripPlan& plan, Strip st, int64_t oh,
                  bool tail, int64_t n, int64_t block, int64_t channels, Isa isa) {
  const int64_t PQ = g.P * g.Q;
  if (out.nchw) {
    const PlaneRow planes{out.data + ((n * channels + block * 16) * g.P + oh) * g.Q, PQ,
                          channels - block * 16, isa};
    return run_row(g, plan, st, oh, tail, &planes);
  }
  st.out = out.data + (n * (round_up16(channels) / 16) + block) * PQ * 16;
  st.out_oc_stride = PQ * 16;
  run_row(g, plan, st, oh, tail, nullptr);
}

// Blocked and FirstLayer paths. Work item = (n, g, block of NOC output-channel blocks, oh).
//   Blocked:    in [N, C16/16, H, W, 16c], w [G, KBg, CBg, R, S, 16i, 16o]
//   FirstLayer: in [N, C, H, W],           w [KB, C, R, S, 16o]
//   out [N, K16/16, P, Q, 16k], or [N, K, P, Q] when out.nchw
void run_dense(const Geometry& g, const KernelChooser& kc, const float* in, const float* w,
               const float* bias16, ConvOutput out, int threads) {
  const Conv2dParams& p = g.p;
  const bool first = kc.path == Conv2dPath::FirstLayer;
  const int64_t G = p.groups, HW = p.H * p.W, RS = p.R * p.S;
  const int64_t CB = first ? p.C : round_up16(p.C) / 16;  // channel "blocks" in the input
  const int64_t CBg = first ? p.C : CB / G;
  const int64_t KB = round_up16(p.K) / 16, KBg = KB / G;
  const int icb = first ? 1 : 16;
  const int64_t w_block = CBg * RS * icb * 16;  // floats per output-channel block
  const int noc_max = kc.max_noc();
  const int64_t n_kbp = (KBg + noc_max - 1) / noc_max;
  const int64_t items = p.N * G * n_kbp * g.P;
  // Item order. When a group's weights fit comfortably in L2, walk output rows outermost
  // and channel blocks innermost: consecutive items then reuse the same input rows from
  // cache and the input is streamed once. When the weights are large (e.g. 256x256x3x3),
  // walk channel blocks outermost so each thread's weight slice stays in its L2 instead.
  const bool rows_outer = KBg * w_block * 4 <= (1 << 20);
  const int noc_tail = static_cast<int>(KBg - (n_kbp - 1) * noc_max);
  const StripPlan plan(p, g.Q, kc, noc_max, noc_tail);
  parallel_for(items, threads, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t inner = it % (n_kbp * g.P);
      const int64_t oh = rows_outer ? inner / n_kbp : inner % g.P;
      const int64_t kbp = rows_outer ? inner % n_kbp : inner / g.P;
      const int64_t grp = it / (n_kbp * g.P) % G, n = it / (n_kbp * g.P) / G;
      const int64_t kb = grp * KBg + kbp * noc_max;
      Strip st{};
      const bool tail = kbp == n_kbp - 1;
      st.noc = tail ? noc_tail : noc_max;
      st.icb = icb;
      st.in = in + (n * CB + grp * CBg) * HW * (first ? 1 : 16);
      st.in_off = 0;
      st.n_cb = CBg;
      st.in_cb_stride = HW * (first ? 1 : 16);
      st.in_r_stride = p.dilation_h * p.W * g.pix;
      st.n_s = p.S;
      st.in_s_stride = p.dilation_w * g.pix;
      st.in_q_stride = p.stride_w * g.pix;
      st.w = w + kb * w_block;
      st.w_cb_stride = RS * icb * 16;
      st.w_oc_stride = w_block;
      st.w_r_stride = p.S * icb * 16;
      st.w_s_stride = icb * 16;
      st.bias = bias16 ? bias16 + kb * 16 : nullptr;
      st.relu = p.fuse_relu;
      run_row_into(out, g, plan, st, oh, tail, n, kb, p.K, kc.isa);
    }
  });
}

// Depthwise path. Work item = (n, channel block, oh).
//   in [N, C16/16, H, W, 16c], w [C16/16, R, S, 16c] -> out [N, C16/16, P, Q, 16c], or
//   [N, C, P, Q] when out.nchw
void run_depthwise(const Geometry& g, const KernelChooser& kc, const float* in, const float* w,
                   const float* bias16, ConvOutput out, int threads) {
  const Conv2dParams& p = g.p;
  const int64_t CB = round_up16(p.C) / 16, HW = p.H * p.W;
  const int64_t items = p.N * CB * g.P;
  const StripPlan plan(p, g.Q, kc, 1, 1);
  parallel_for(items, threads, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t oh = it % g.P, cb = it / g.P % CB, n = it / g.P / CB;
      Strip st{};
      st.noc = 1;
      st.icb = 16;
      st.in = in + (n * CB + cb) * HW * 16;
      st.n_cb = 1;
      st.in_r_stride = p.dilation_h * p.W * 16;
      st.n_s = p.S;
      st.in_s_stride = p.dilation_w * 16;
      st.in_q_stride = p.stride_w * 16;
      st.w = w + cb * p.R * p.S * 16;
      st.w_r_stride = p.S * 16;
      st.w_s_stride = 16;
      st.bias = bias16 ? bias16 + cb * 16 : nullptr;
      st.relu = p.fuse_relu;
      run_row_into(out, g, plan, st, oh, false, n, cb, p.C, kc.isa);
    }
  });
}

}  // namespace

std::optional<int64_t> conv2d_direct_scratch_bytes(const Conv2dParams& p_in, Conv2dPath path,
                                                   Isa isa) {
  const Conv2dParams p = without_unused_dilation(p_in);
  if (path == Conv2dPath::Auto) path = choose_conv2d_path(p);
  if (path == Conv2dPath::Reference) return 0;
  const int64_t Q = p.Q();
  const KernelChooser kc{resolve_isa(isa), path, p.stride_w, Q <= kAvx512NarrowUW};
  const int64_t m = kc.max_uw();
  // Strips per row: near-equal strips of at most m pixels over 1 (dense) or 3 (depthwise) parts.
  const int64_t n_strips = (Q + m - 1) / m + (path == Conv2dPath::Depthwise ? 2 : 0);
  // Kernel columns stored per strip (strip_columns): at most S, at most the columns that reach
  // the row, and over the row at most S per strip whose pixels reach the row.
  const Checked reach = floor_div(Checked(p.W) - 1 + Checked(m - 1) * p.stride_w, p.dilation_w) + 1;
  const Checked strips_reaching = floor_div(Checked(p.W) - 1, p.stride_w) + m + 1;
  if (!reach.ok() || !strips_reaching.ok()) return std::nullopt;
  const int64_t per_strip = std::min<int64_t>(p.S, *reach.get());
  const Checked a = Checked(n_strips) * per_strip, b = Checked(p.S) * *strips_reaching.get();
  const int64_t cols = std::min(a.get().value_or(INT64_MAX), b.get().value_or(INT64_MAX));
  const Checked bytes = Checked(round_up16(p.K)) * int64_t{sizeof(float)} +      // bias16
                        Checked(n_strips) * int64_t{sizeof(StripPlan::Entry)} +  // strips
                        Checked(cols) * 2 * int64_t{sizeof(int)} +               // ranges
                        Checked(per_strip) * 2 * int64_t{sizeof(int)};           // cols
  return bytes.get();
}

namespace {

// conv2d_nchw16c_direct and conv2d_nchw16c_direct_to_nchw: the same kernels and work items,
// only where a computed strip is stored differs.
void run_direct(const Conv2dParams& p_in, Conv2dPath path, const float* in, const float* packed,
                ConvOutput out, int threads, Isa isa) {
  // A kernel extent of 1 makes its dilation irrelevant: drop it before it enters any stride.
  const Conv2dParams p = without_unused_dilation(p_in);
  if (const char* why = p.invalid_reason(); *why)
    throw std::invalid_argument(std::string("conv2d_nchw16c_direct: ") + why);
  if (path == Conv2dPath::Auto) path = choose_conv2d_path(p);
  if (path == Conv2dPath::Reference || !path_supports(path, p))
    throw std::invalid_argument(std::string("conv2d_nchw16c_direct: path ") + path_name(path) +
                                " cannot compute this convolution");
  // Bias padded to whole 16-channel blocks so the kernels never read past K.
  std::vector<float> bias16;
  if (p.bias) {
    bias16.assign(static_cast<size_t>(round_up16(p.K)), 0.0f);
    std::copy_n(p.bias, p.K, bias16.begin());
  }
  const float* b = p.bias ? bias16.data() : nullptr;
  const Geometry g{p, p.P(), p.Q(), path == Conv2dPath::FirstLayer ? 1 : 16};
  const KernelChooser kc{resolve_isa(isa), path, p.stride_w, g.Q <= kAvx512NarrowUW};
  if (path == Conv2dPath::Depthwise && depthwise_rows_supports(p, kc.isa))
    return conv2d_depthwise_nchw16c_rows(p, in, packed, b, out, threads);
  // Waking a thread costs ~5-20 us; below ~2 MFLOP per thread (~12 us of work at
  // AVX-512 speed) extra threads cost more than they save.
  threads = static_cast<int>(std::clamp<double>(p.flops() / 2e6, 1.0, std::max(threads, 1)));
  if (path == Conv2dPath::Depthwise)
    run_depthwise(g, kc, in, packed, b, out, threads);
  else
    run_dense(g, kc, in, packed, b, out, threads);
}

}  // namespace

void conv2d_nchw16c_direct(const Conv2dParams& p, Conv2dPath path, const float* in,
                           const float* packed, float* out, int threads, Isa isa) {
  run_direct(p, path, in, packed, ConvOutput{out, false}, threads, isa);
}

void conv2d_nchw16c_direct_to_nchw(const Conv2dParams& p, Conv2dPath path, const float* in,
                                   const float* packed, float* nchw_out, int threads, Isa isa) {
  run_direct(p, path, in, packed, ConvOutput{nchw_out, true}, threads, isa);
}

}  // namespace netshape::kernels
