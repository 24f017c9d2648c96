// Layout conversion between NCHW and the channel-blocked NCHW16c, and weight packing
// for each direct-convolution path. Padding channels are always zero so the kernels can
// run whole 16-channel blocks without tail handling in the inner loops.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "conv_output.hpp"
#include "netshape/kernels/conv.hpp"
#include "netshape/limits.hpp"
#include "parallel.hpp"

namespace netshape::kernels {

// Pixels converted at a time: a tile of them in NCHW16c (64 x 16 floats, 4 KB) stays in L1
// while its 16 channels are written or read one by one.
constexpr int64_t kLayoutTile = 64;

namespace {

// Transposes the 16 x 16 floats r[row][column] in place (row i becomes column i): pairs of rows
// interleave by 32 bits, then by 64 bits, then 128-bit lanes are exchanged twice. (The maskz
// forms with a full mask: GCC 12 reports the plain forms' undefined source as uninitialised.)
__attribute__((target("avx512f"))) inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_maskz_unpacklo_ps(0xFFFF, r[i], r[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_ps(0xFFFF, r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xFF, a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xFF, a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xFF, b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xFF, b, d));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_maskz_shuffle_f32x4(0xFFFF, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_maskz_shuffle_f32x4(0xFFFF, t[i], t[i + 8], 0xdd);
  }
}

// Pixels [i0, i1) of one channel block: `s` is its first channel's plane of HW pixels (cn of
// its 16 channels exist), `d` its NCHW16c block. Channels beyond cn are written as zeros.
void to_blocked_scalar(const float* s, int64_t HW, int64_t cn, float* d, int64_t i0, int64_t i1) {
  if (cn < 16) std::fill(d + i0 * 16, d + i1 * 16, 0.0f);
  for (int64_t c = 0; c < cn; ++c)
    for (int64_t i = i0; i < i1; ++i) d[i * 16 + c] = s[c * HW + i];
}

// The same, 16 pixels x 16 channels at a time through a register transpose.
__attribute__((target("avx512f"))) void to_blocked_avx512(const float* s, int64_t HW, int64_t cn,
                                                          float* d, int64_t i0, int64_t i1) {
  int64_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    __m512 r[16];
    for (int64_t c = 0; c < 16; ++c)
      r[c] = c < cn ? _mm512_loadu_ps(s + c * HW + i) : _mm512_setzero_ps();
    transpose16(r);
    for (int64_t j = 0; j < 16; ++j) _mm512_storeu_ps(d + (i + j) * 16, r[j]);
  }
  to_blocked_scalar(s, HW, cn, d, i, i1);
}

// Pixels [i0, i1) of one channel block back to cn planes of HW pixels starting at `d`.
void from_blocked_scalar(const float* s, int64_t HW, int64_t cn, float* d, int64_t i0, int64_t i1) {
  for (int64_t c = 0; c < cn; ++c)
    for (int64_t i = i0; i < i1; ++i) d[c * HW + i] = s[i * 16 + c];
}

__attribute__((target("avx512f"))) void from_blocked_avx512(const float* s, int64_t HW, int64_t cn,
                                                            float* d, int64_t i0, int64_t i1) {
  int64_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    __m512 r[16];
    for (int64_t j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(s + (i + j) * 16);
    transpose16(r);
    for (int64_t c = 0; c < cn; ++c) _mm512_storeu_ps(d + c * HW + i, r[c]);
  }
  from_blocked_scalar(s, HW, cn, d, i, i1);
}

// One output strip of one channel block to its planes (blocked_pixels_to_planes): 16 pixels at a
// time, the last group loaded and stored under a mask, so a strip of 1-15 pixels is one
// transpose too.
__attribute__((target("avx512f"))) void pixels_to_planes_avx512(const float* s, int64_t pixels,
                                                                int64_t cn, float* d,
                                                                int64_t plane) {
  for (int64_t i = 0; i < pixels; i += 16) {
    const int64_t n = std::min<int64_t>(16, pixels - i);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    __m512 r[16];
    for (int64_t j = 0; j < 16; ++j)
      r[j] = j < n ? _mm512_loadu_ps(s + (i + j) * 16) : _mm512_setzero_ps();
    transpose16(r);
    for (int64_t c = 0; c < cn; ++c) _mm512_mask_storeu_ps(d + c * plane + i, m, r[c]);
  }
}

}  // namespace

void blocked_pixels_to_planes(const float* blocked, int64_t pixels, int64_t channels, float* nchw,
                              int64_t plane_stride, Isa isa) {
  if (isa == Isa::Avx512)  // already resolved: this runs once per strip
    return pixels_to_planes_avx512(blocked, pixels, channels, nchw, plane_stride);
  from_blocked_scalar(blocked, plane_stride, channels, nchw, 0, pixels);
}

// [N, C, H, W] -> [N, C16/16, H, W, 16c]. Work item: one tile of one channel block.
void nchw_to_nchw16c(const float* src, float* dst, int64_t N, int64_t C, int64_t H, int64_t W,
                     int threads, Isa isa) {
  const int64_t HW = H * W, CB = round_up16(C) / 16, tiles = (HW + kLayoutTile - 1) / kLayoutTile;
  const int t = threads_for_floats(N * CB * 16 * HW, threads);
  const auto tile_fn = resolve_isa(isa) == Isa::Avx512 ? &to_blocked_avx512 : &to_blocked_scalar;
  parallel_for(N * CB * tiles, t, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t i0 = it % tiles * kLayoutTile, i1 = std::min(HW, i0 + kLayoutTile);
      const int64_t cb = it / tiles % CB, n = it / tiles / CB;
      tile_fn(src + (n * C + cb * 16) * HW, HW, std::min<int64_t>(16, C - cb * 16),
              dst + (n * CB + cb) * HW * 16, i0, i1);
    }
  });
}

// [N, C16/16, H, W, 16c] -> [N, C, H, W]. Work item: one tile of one channel block.
void nchw16c_to_nchw(const float* src, float* dst, int64_t N, int64_t C, int64_t H, int64_t W,
                     int threads, Isa isa) {
  const int64_t HW = H * W, CB = round_up16(C) / 16, tiles = (HW + kLayoutTile - 1) / kLayoutTile;
  const int t = threads_for_floats(N * CB * 16 * HW, threads);
  const auto tile_fn =
      resolve_isa(isa) == Isa::Avx512 ? &from_blocked_avx512 : &from_blocked_scalar;
  parallel_for(N * CB * tiles, t, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t i0 = it % tiles * kLayoutTile, i1 = std::min(HW, i0 + kLayoutTile);
      const int64_t cb = it / tiles % CB, n = it / tiles / CB;
      tile_fn(src + (n * CB + cb) * HW * 16, HW, std::min<int64_t>(16, C - cb * 16),
              dst + (n * C + cb * 16) * HW, i0, i1);
    }
  });
}

const char* path_name(Conv2dPath path) {
  switch (path) {
    case Conv2dPath::Auto:
      return "auto";
    case Conv2dPath::Blocked:
      return "blocked";
    case Conv2dPath::FirstLayer:
      return "first_layer";
    case Conv2dPath::Depthwise:
      return "depthwise";
    case Conv2dPath::Reference:
      return "reference";
  }
  return "?";
}

namespace {

// Whether every element offset the direct kernels form (strides of rows, kernel rows and
// columns, and positions anywhere in the padded window, 16 floats per pixel at most) stays
// within 2^40: true for any real image, false only for paddings, strides or dilations so large
// that the offsets (or the pointers formed from them) could leave int64 or the address space.
// Such convolutions run on the reference kernel, whose loops visit in-range taps only.
bool offsets_fit(const Conv2dParams& p_in) {
  const Conv2dParams p = without_unused_dilation(p_in);
  const int64_t dh = p.dilation_h, dw = p.dilation_w;
  // Rows and columns the windows cover, padding included.
  const Checked rows = (Checked(p.P()) - 1) * p.stride_h + (Checked(p.R) - 1) * dh + 1 + p.pad_h;
  const Checked cols = (Checked(p.Q()) - 1) * p.stride_w + (Checked(p.S) - 1) * dw + 1 + p.pad_w;
  const Checked terms[] = {rows * p.W * 16 + cols * 16, Checked(dh) * p.W * 16, Checked(dw) * 16,
                           Checked(p.stride_w) * 16 * 32, Checked(p.stride_h) * p.W * 16};
  for (const Checked& t : terms)
    if (!t.ok() || *t.get() > limits::kMaxBlockedOffset) return false;
  return true;
}

}  // namespace

bool path_supports(Conv2dPath path, const Conv2dParams& p) {
  const int64_t Cg = p.C / p.groups, Kg = p.K / p.groups;
  if (path != Conv2dPath::Reference && path != Conv2dPath::Auto && !offsets_fit(p)) return false;
  switch (path) {
    case Conv2dPath::Blocked:
      return p.groups == 1 || (Cg % 16 == 0 && Kg % 16 == 0);
    case Conv2dPath::FirstLayer:
      return p.groups == 1;
    case Conv2dPath::Depthwise:
      return p.groups == p.C && p.K == p.C;
    case Conv2dPath::Reference:
      return true;
    case Conv2dPath::Auto:
      return true;
  }
  return false;
}

Conv2dPath choose_conv2d_path(const Conv2dParams& p) {
  // Depthwise first: it would otherwise be a grouped conv with 1-channel groups.
  if (p.C > 1 && path_supports(Conv2dPath::Depthwise, p)) return Conv2dPath::Depthwise;
  // Small C: a 16-wide input block would be mostly zeros; read plain NCHW instead.
  if (p.groups == 1 && p.C <= 4 && path_supports(Conv2dPath::FirstLayer, p))
    return Conv2dPath::FirstLayer;
  if (path_supports(Conv2dPath::Blocked, p)) return Conv2dPath::Blocked;
  return Conv2dPath::Reference;
}

int64_t packed_weights_size(const Conv2dParams& p, Conv2dPath path) {
  // Checked: a size beyond int64 saturates (an allocation of it then fails cleanly).
  const Checked RS = Checked(p.R) * p.S;
  switch (path) {
    case Conv2dPath::Blocked: {
      const int64_t G = p.groups;
      const int64_t Cg16 = round_up16(p.C / G), Kg16 = round_up16(p.K / G);
      return (Checked(G) * Kg16 * Cg16 * RS).get().value_or(INT64_MAX);
    }
    case Conv2dPath::FirstLayer:
      return (Checked(round_up16(p.K)) * p.C * RS).get().value_or(INT64_MAX);
    case Conv2dPath::Depthwise:
      return (Checked(round_up16(p.C)) * RS).get().value_or(INT64_MAX);
    case Conv2dPath::Reference:
      return (Checked(p.K) * (p.C / p.groups) * RS).get().value_or(INT64_MAX);
    case Conv2dPath::Auto:
      break;
  }
  throw std::invalid_argument("packed_weights_size: path must be concrete");
}

namespace {

// oihw [K, Cg, R, S] -> [G, Kg16/16, Cg16/16, R, S, 16i, 16o]. Each 16x16 block of one kernel
// position is written from contiguous reads (for one output channel, its 16 input channels'
// R*S taps lie together); the block (R*S*256 floats) stays in L1 while it fills. Work item: one
// (group, output block, input block) tile.
void pack_blocked(const Conv2dParams& p, const float* w, float* out, int threads) {
  const int64_t G = p.groups, Cg = p.C / G, Kg = p.K / G;
  const int64_t CB = round_up16(Cg) / 16, KB = round_up16(Kg) / 16, RS = p.R * p.S;
  const int t = threads_for_floats(G * KB * CB * RS * 256, threads);
  parallel_for(G * KB * CB, t, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t cb = it % CB, kb = it / CB % KB, g = it / CB / KB;
      float* tile = out + it * RS * 256;
      const bool whole = (kb + 1) * 16 <= Kg && (cb + 1) * 16 <= Cg;
      if (!whole) std::fill_n(tile, RS * 256, 0.0f);
      const int64_t kn = std::min<int64_t>(16, Kg - kb * 16);
      const int64_t cn = std::min<int64_t>(16, Cg - cb * 16);
      for (int64_t o = 0; o < kn; ++o) {
        const float* src = w + ((g * Kg + kb * 16 + o) * Cg + cb * 16) * RS;
        for (int64_t i = 0; i < cn; ++i)
          for (int64_t rs = 0; rs < RS; ++rs) tile[(rs * 16 + i) * 16 + o] = src[i * RS + rs];
      }
    }
  });
}

// oihw [K, C, R, S] -> [K16/16, C, R, S, 16o]
void pack_first_layer(const Conv2dParams& p, const float* w, float* out) {
  const int64_t KB = round_up16(p.K) / 16, RS = p.R * p.S;
  for (int64_t kb = 0; kb < KB; ++kb)
    for (int64_t c = 0; c < p.C; ++c)
      for (int64_t rs = 0; rs < RS; ++rs)
        for (int64_t o = 0; o < 16; ++o) {
          const int64_t k = kb * 16 + o;
          *out++ = k < p.K ? w[(k * p.C + c) * RS + rs] : 0.0f;
        }
}

// oihw [C, 1, R, S] -> [C16/16, R, S, 16c]
void pack_depthwise(const Conv2dParams& p, const float* w, float* out) {
  const int64_t CB = round_up16(p.C) / 16, RS = p.R * p.S;
  for (int64_t cb = 0; cb < CB; ++cb)
    for (int64_t rs = 0; rs < RS; ++rs)
      for (int64_t c = 0; c < 16; ++c) {
        const int64_t ch = cb * 16 + c;
        *out++ = ch < p.C ? w[ch * RS + rs] : 0.0f;
      }
}

}  // namespace

void pack_weights(const Conv2dParams& p, Conv2dPath path, const float* oihw, float* packed,
                  int threads) {
  if (!path_supports(path, p))
    throw std::invalid_argument(std::string("pack_weights: path ") + path_name(path) +
                                " cannot compute this convolution");
  switch (path) {
    case Conv2dPath::Blocked:
      return pack_blocked(p, oihw, packed, threads);
    case Conv2dPath::FirstLayer:
      return pack_first_layer(p, oihw, packed);
    case Conv2dPath::Depthwise:
      return pack_depthwise(p, oihw, packed);
    case Conv2dPath::Reference:
      std::copy_n(oihw, packed_weights_size(p, path), packed);
      return;
    case Conv2dPath::Auto:
      break;
  }
  throw std::invalid_argument("pack_weights: path must be concrete");
}

}  // namespace netshape::kernels
