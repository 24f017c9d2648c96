#pragma once
// Internal to the bench: im2col + OpenBLAS sgemm convolution, the "im2col_blas" baseline of
// `netshape bench conv`. Only compiled in when CMake found OpenBLAS (NETSHAPE_HAVE_OPENBLAS);
// never used by the executor.

#ifdef NETSHAPE_HAVE_OPENBLAS

#include <cstdint>

#include "netshape/kernels/conv.hpp"

namespace netshape::bench {

// Floats of scratch conv2d_im2col_blas needs: one [C/g * R * S, P * Q] column buffer
// (reused for every image and group).
int64_t im2col_scratch_size(const kernels::Conv2dParams& p);

// in: [N, C, H, W]; w: [K, C/groups, R, S] (OIHW); out: [N, K, P, Q]; p.bias (K values)
// and p.fuse_relu are honoured. Supports stride, padding, dilation, groups and batch. Per
// image and group: im2col into `scratch` (im2col_scratch_size floats; skipped for 1x1,
// stride 1, pad 0, where the input already is the column matrix), then
// cblas_sgemm(w_g [K/g, C/g*R*S] x cols [C/g*R*S, P*Q]) into out with beta = 1 on a
// bias-filled output. im2col is single-threaded; sgemm uses OpenBLAS's thread count.
void conv2d_im2col_blas(const kernels::Conv2dParams& p, const float* in, const float* w, float* out,
                        float* scratch);

// openblas_set_num_threads (process-wide).
void set_blas_threads(int threads);

// openblas_get_config(), e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
const char* blas_version();

}  // namespace netshape::bench

#endif  // NETSHAPE_HAVE_OPENBLAS
