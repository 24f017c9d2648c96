// One pure function per output-size formula, shared by shape inference and the executor so the
// two can never disagree. Each follows PyTorch's documented formula exactly.
#pragma once
#include <cstdint>

namespace netshape {

// Conv / MaxPool: floor((in + 2p - d(k-1) - 1)/s) + 1
inline int64_t conv_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t num = in + 2 * p - d * (k - 1) - 1;
  int64_t q = num >= 0 ? num / s : -((-num + s - 1) / s);  // floor division
  return q + 1;
}

// Pooling with ceil_mode: the last window must start inside the input or left padding.
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                                bool ceil_mode) {
  int64_t num = in + 2 * p - d * (k - 1) - 1;
  if (!ceil_mode) return conv_output_size(in, k, s, p, d);
  int64_t q = num >= 0 ? (num + s - 1) / s : -((-num) / s);  // ceil division
  int64_t out = q + 1;
  if ((out - 1) * s >= in + p) --out;
  return out;
}

// ConvTranspose: (in-1)s - 2p + d(k-1) + output_padding + 1
inline int64_t conv_transpose_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                                          int64_t output_padding) {
  return (in - 1) * s - 2 * p + d * (k - 1) + output_padding + 1;
}

// Adaptive pooling window [start, end) for output index i (PyTorch's start_index/end_index).
inline int64_t adaptive_start(int64_t i, int64_t out, int64_t in) {
  return (i * in) / out;
}
inline int64_t adaptive_end(int64_t i, int64_t out, int64_t in) {
  return ((i + 1) * in + out - 1) / out;
}

}  // namespace netshape
