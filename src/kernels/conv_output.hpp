// Where the direct convolution kernels write (internal to the kernels; the public entries are
// conv2d_nchw16c_direct and conv2d_nchw16c_direct_to_nchw).
#pragma once
#include <cstdint>

#include "netshape/kernels/conv.hpp"

namespace netshape::kernels {

// The micro-kernels compute 16 output channels of a pixel in one vector, so they always produce
// NCHW16c. With `nchw`, a driver lets them write each strip (a few pixels of one output row for
// a few 16-channel blocks) into a small buffer on its stack and converts it at once, while it is
// in L1, into the plain NCHW output: the full NCHW16c output never exists, and is never written
// to memory and read back by a separate conversion pass.
struct ConvOutput {
  float* data;  // NCHW16c [N, K16/16, P, Q, 16k], or NCHW [N, K, P, Q] when `nchw`
  bool nchw;
};

// Floats of the largest strip or chunk any kernel writes at once (blocks x pixels x 16): the
// stack buffer of a strip converted to NCHW.
constexpr int kMaxStripPixels = 32;
constexpr int kMaxStripFloats = kMaxStripPixels * 16;

// Pixels [0, pixels) of one 16-channel block, stored [pixels][16c] at `blocked`, to the first
// `channels` (<= 16) of its channel planes: plane c starts at nchw + c * plane_stride, so
// nchw[c * plane_stride + i] = blocked[i * 16 + c]. With AVX-512, 16 pixels at a time through a
// register transpose (masked for a shorter tail); the same values on every ISA. `isa` is a
// resolved one (resolve_isa): Auto takes the scalar loop.
void blocked_pixels_to_planes(const float* blocked, int64_t pixels, int64_t channels, float* nchw,
                              int64_t plane_stride, Isa isa);

}  // namespace netshape::kernels
