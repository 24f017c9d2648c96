// The AVX-512 depthwise kernel blocked over rows of the output (internal to the kernels; the
// public entry is conv2d_nchw16c_direct).
#pragma once
#include <cstdint>

#include "conv_output.hpp"
#include "netshape/kernels/conv.hpp"

namespace netshape::kernels {

// Whether conv2d_depthwise_nchw16c_rows computes `p` (already without unused dilation): a
// depthwise convolution with a 3-wide kernel, dilation 1 and a horizontal stride of 1 or 2
// (every depthwise layer of MobileNetV2), on AVX-512.
bool depthwise_rows_supports(const Conv2dParams& p, Isa isa);

// in [N, C16/16, H, W, 16c], w [C16/16, R, S, 16c], bias16 (C16 values or nullptr)
// -> out [N, C16/16, P, Q, 16c], or [N, C, P, Q] when out.nchw. Requires
// depthwise_rows_supports.
void conv2d_depthwise_nchw16c_rows(const Conv2dParams& p, const float* in, const float* w,
                                   const float* bias16, ConvOutput out, int threads);

}  // namespace netshape::kernels
