// im2col + OpenBLAS sgemm convolution for the bench (see im2col_blas.hpp). Compiled to
// nothing without OpenBLAS.
#include "im2col_blas.hpp"

#ifdef NETSHAPE_HAVE_OPENBLAS

#include <cblas.h>

#include <algorithm>
#include <cstring>

namespace netshape::bench {

namespace k = kernels;

int64_t im2col_scratch_size(const k::Conv2dParams& p) {
  return (p.C / p.groups) * p.R * p.S * p.P() * p.Q();
}

namespace {

// One image's channels [c0, c0 + Cg) of `in` [C, H, W] -> cols [Cg * R * S, P * Q], row
// (c * R + r) * S + s, column oh * Q + ow; taps that fall in the padding are 0.
void im2col(const k::Conv2dParams& p, const float* in, int64_t Cg, float* cols) {
  const int64_t H = p.H, W = p.W, P = p.P(), Q = p.Q();
  const int64_t sh = p.stride_h, sw = p.stride_w;
  for (int64_t c = 0; c < Cg; ++c) {
    const float* plane = in + c * H * W;
    for (int64_t r = 0; r < p.R; ++r) {
      for (int64_t s = 0; s < p.S; ++s) {
        float* row = cols + ((c * p.R + r) * p.S + s) * P * Q;
        const int64_t dr = r * p.dilation_h - p.pad_h, ds = s * p.dilation_w - p.pad_w;
        // Valid output columns: 0 <= ow * sw + ds < W.
        const int64_t q_lo = std::min(Q, ds >= 0 ? 0 : (-ds + sw - 1) / sw);
        const int64_t q_hi = std::max(q_lo, std::min(Q, W - ds <= 0 ? 0 : (W - ds + sw - 1) / sw));
        for (int64_t oh = 0; oh < P; ++oh) {
          float* dst = row + oh * Q;
          const int64_t ih = oh * sh + dr;
          if (ih < 0 || ih >= H) {
            std::fill(dst, dst + Q, 0.0f);
            continue;
          }
          std::fill(dst, dst + q_lo, 0.0f);
          if (q_hi > q_lo) {
            const float* src = plane + ih * W + q_lo * sw + ds;  // input of column q_lo
            if (sw == 1)
              std::memcpy(dst + q_lo, src, static_cast<size_t>(q_hi - q_lo) * sizeof(float));
            else
              for (int64_t ow = q_lo; ow < q_hi; ++ow) dst[ow] = src[(ow - q_lo) * sw];
          }
          std::fill(dst + q_hi, dst + Q, 0.0f);
        }
      }
    }
  }
}

}  // namespace

void conv2d_im2col_blas(const k::Conv2dParams& p, const float* in, const float* w, float* out,
                        float* scratch) {
  const int64_t G = p.groups, Cg = p.C / G, Kg = p.K / G, PQ = p.P() * p.Q();
  const int64_t CRS = Cg * p.R * p.S;
  const bool identity = p.R == 1 && p.S == 1 && p.stride_h == 1 && p.stride_w == 1 &&
                        p.pad_h == 0 && p.pad_w == 0;  // im2col would be a copy
  for (int64_t n = 0; n < p.N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      const float* img = in + (n * p.C + g * Cg) * p.H * p.W;
      float* o = out + (n * p.K + g * Kg) * PQ;
      const float* cols = img;
      if (!identity) {
        im2col(p, img, Cg, scratch);
        cols = scratch;
      }
      for (int64_t kk = 0; kk < Kg; ++kk)
        std::fill(o + kk * PQ, o + (kk + 1) * PQ, p.bias ? p.bias[g * Kg + kk] : 0.0f);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(Kg),
                  static_cast<int>(PQ), static_cast<int>(CRS), 1.0f, w + g * Kg * CRS,
                  static_cast<int>(CRS), cols, static_cast<int>(PQ), 1.0f, o, static_cast<int>(PQ));
    }
  }
  if (p.fuse_relu) {
    const int64_t total = p.N * p.K * PQ;
    for (int64_t i = 0; i < total; ++i) out[i] = std::max(out[i], 0.0f);
  }
}

void set_blas_threads(int threads) {
  openblas_set_num_threads(threads);
}

const char* blas_version() {
  return openblas_get_config();
}

}  // namespace netshape::bench

#endif  // NETSHAPE_HAVE_OPENBLAS
