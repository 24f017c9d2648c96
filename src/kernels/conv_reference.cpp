// Naive direct convolutions: the correctness oracle for the optimised kernels.
// Deliberately simple loops with bounds checks; accumulates in double so the tests
// compare the fast kernels against a result with negligible rounding error.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "netshape/kernels/conv.hpp"
#include "netshape/window.hpp"

namespace netshape::kernels {

double Conv2dParams::flops() const {
  return 2.0 * static_cast<double>(N) * static_cast<double>(K) * static_cast<double>(P()) *
         static_cast<double>(Q()) * static_cast<double>(C / groups) * static_cast<double>(R) *
         static_cast<double>(S);
}

const char* Conv2dParams::invalid_reason() const {
  if (N < 1 || C < 1 || H < 1 || W < 1 || K < 1 || R < 1 || S < 1) return "extents must be >= 1";
  if (stride_h < 1 || stride_w < 1) return "stride must be >= 1";
  if (dilation_h < 1 || dilation_w < 1) return "dilation must be >= 1";
  if (pad_h < 0 || pad_w < 0) return "padding must be >= 0";
  if (groups < 1 || C % groups != 0 || K % groups != 0) return "groups must divide both C and K";
  if (P() < 1 || Q() < 1) return "kernel larger than the padded input";
  return "";
}

std::array<int64_t, 3> ConvNdParams::out() const {
  std::array<int64_t, 3> o{};
  for (int i = 0; i < 3; ++i)
    o[i] = conv_output_size(in[i], kernel[i], stride[i], pad[i], dilation[i]).value_or(0);
  return o;
}

std::array<int64_t, 3> ConvTransposeNdParams::out() const {
  std::array<int64_t, 3> o{};
  for (int i = 0; i < 3; ++i)
    o[i] = conv_transpose_output_size(in[i], kernel[i], stride[i], pad[i], dilation[i],
                                      output_padding[i])
               .value_or(0);
  return o;
}

namespace {

float finish(double acc, bool relu) {
  const auto v = static_cast<float>(acc);
  return relu ? std::max(v, 0.0f) : v;
}

}  // namespace

// in: [N, C, D, H, W]; w: [K, C/g, kD, kH, kW] -> out: [N, K, oD, oH, oW]
void conv_reference(const ConvNdParams& p, const float* in, const float* w, float* out) {
  if (p.groups < 1 || p.C % p.groups != 0 || p.K % p.groups != 0)
    throw std::invalid_argument("conv_reference: groups must divide C and K");
  const auto o = p.out();
  if (o[0] < 1 || o[1] < 1 || o[2] < 1) throw std::invalid_argument("conv_reference: empty output");
  const int64_t Cg = p.C / p.groups, Kg = p.K / p.groups;
  const auto [ID, IH, IW] = p.in;
  const auto [KD, KH, KW] = p.kernel;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t k = 0; k < p.K; ++k) {
      const int64_t g = k / Kg;
      for (int64_t od = 0; od < o[0]; ++od)
        for (int64_t oh = 0; oh < o[1]; ++oh)
          for (int64_t ow = 0; ow < o[2]; ++ow) {
            // Only the taps inside the input, in the order of the full window (same sums).
            const auto [td, th, tw] =
                window_taps({od, oh, ow}, p.stride, p.pad, p.dilation, p.kernel, p.in);
            double acc = p.bias ? p.bias[k] : 0.0;
            for (int64_t c = 0; c < Cg; ++c)
              for (int64_t kd = td.lo; kd < td.hi; ++kd)
                for (int64_t kh = th.lo; kh < th.hi; ++kh)
                  for (int64_t kw = tw.lo; kw < tw.hi; ++kw) {
                    const int64_t id = td.position(kd, p.dilation[0]);
                    const int64_t ih = th.position(kh, p.dilation[1]);
                    const int64_t iw = tw.position(kw, p.dilation[2]);
                    const int64_t ci = g * Cg + c;
                    const float x = in[(((n * p.C + ci) * ID + id) * IH + ih) * IW + iw];
                    const float wv = w[(((k * Cg + c) * KD + kd) * KH + kh) * KW + kw];
                    acc += static_cast<double>(x) * static_cast<double>(wv);
                  }
            out[(((n * p.K + k) * o[0] + od) * o[1] + oh) * o[2] + ow] = finish(acc, p.fuse_relu);
          }
    }
}

void conv2d_reference(const Conv2dParams& p, const float* in, const float* w, float* out) {
  ConvNdParams q;
  q.N = p.N;
  q.C = p.C;
  q.K = p.K;
  q.in = {1, p.H, p.W};
  q.kernel = {1, p.R, p.S};
  q.stride = {1, p.stride_h, p.stride_w};
  q.pad = {0, p.pad_h, p.pad_w};
  q.dilation = {1, p.dilation_h, p.dilation_w};
  q.groups = p.groups;
  q.fuse_relu = p.fuse_relu;
  q.bias = p.bias;
  conv_reference(q, in, w, out);
}

// Transposed convolution as the adjoint of convolution: every input element scatters
// x * w into the outputs it touches. Accumulates in double, then bias and ReLU.
// in: [N, C, D, H, W]; w: [C, K/g, kD, kH, kW] -> out: [N, K, oD, oH, oW]
void conv_transpose_reference(const ConvTransposeNdParams& p, const float* in, const float* w,
                              float* out) {
  if (p.groups < 1 || p.C % p.groups != 0 || p.K % p.groups != 0)
    throw std::invalid_argument("conv_transpose_reference: groups must divide C and K");
  for (int i = 0; i < 3; ++i)
    if (p.output_padding[i] < 0 ||
        (p.output_padding[i] >= p.stride[i] && p.output_padding[i] >= p.dilation[i]))
      throw std::invalid_argument(
          "conv_transpose_reference: output_padding must be smaller than stride or dilation");
  const auto o = p.out();
  if (o[0] < 1 || o[1] < 1 || o[2] < 1)
    throw std::invalid_argument("conv_transpose_reference: empty output");
  const int64_t Cg = p.C / p.groups, Kg = p.K / p.groups;
  const auto [ID, IH, IW] = p.in;
  const auto [KD, KH, KW] = p.kernel;
  const int64_t out_spatial = o[0] * o[1] * o[2];
  std::vector<double> acc(static_cast<size_t>(p.N * p.K * out_spatial), 0.0);
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t c = 0; c < p.C; ++c) {
      const int64_t g = c / Cg;
      for (int64_t id = 0; id < ID; ++id)
        for (int64_t ih = 0; ih < IH; ++ih)
          for (int64_t iw = 0; iw < IW; ++iw) {
            const double x = in[(((n * p.C + c) * ID + id) * IH + ih) * IW + iw];
            // Only the taps that land inside the output, in the order of the full kernel.
            const auto [td, th, tw] =
                window_taps({id, ih, iw}, p.stride, p.pad, p.dilation, p.kernel, o);
            if (td.empty() || th.empty() || tw.empty()) continue;
            for (int64_t kk = 0; kk < Kg; ++kk) {
              const int64_t k = g * Kg + kk;
              for (int64_t kd = td.lo; kd < td.hi; ++kd)
                for (int64_t kh = th.lo; kh < th.hi; ++kh)
                  for (int64_t kw = tw.lo; kw < tw.hi; ++kw) {
                    const int64_t od = td.position(kd, p.dilation[0]);
                    const int64_t oh = th.position(kh, p.dilation[1]);
                    const int64_t ow = tw.position(kw, p.dilation[2]);
                    const double wv = w[(((c * Kg + kk) * KD + kd) * KH + kh) * KW + kw];
                    acc[static_cast<size_t>(((n * p.K + k) * o[0] + od) * o[1] * o[2] + oh * o[2] +
                                            ow)] += x * wv;
                  }
            }
          }
    }
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t k = 0; k < p.K; ++k)
      for (int64_t i = 0; i < out_spatial; ++i) {
        const size_t idx = static_cast<size_t>((n * p.K + k) * out_spatial + i);
        out[idx] = finish(acc[idx] + (p.bias ? p.bias[k] : 0.0), p.fuse_relu);
      }
}

double max_relative_error(const std::vector<float>& got, const std::vector<float>& want) {
  double worst = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]) /
                                std::max(1.0, std::abs(static_cast<double>(want[i]))));
  return worst;
}

}  // namespace netshape::kernels
