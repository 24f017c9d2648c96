// PackedConv2d: weights packed once for the chosen path, then run on plain NCHW tensors
// (the input converted to the blocked layout, the output converted back strip by strip).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "netshape/kernels/conv.hpp"

namespace netshape::kernels {

PackedConv2d::PackedConv2d(const Conv2dParams& p, const float* oihw, const float* bias, Isa isa,
                           Conv2dPath path)
    : params_(p), path_(path), isa_(resolve_isa(isa)) {
  if (const char* why = p.invalid_reason(); *why)
    throw std::invalid_argument(std::string("PackedConv2d: ") + why);
  if (path_ == Conv2dPath::Auto) path_ = choose_conv2d_path(p);
  if (!path_supports(path_, p))
    throw std::invalid_argument(std::string("PackedConv2d: path ") + path_name(path_) +
                                " cannot compute this convolution");
  params_.bias = nullptr;  // the caller's pointer may not outlive us; see with_bias()
  weights_.resize(static_cast<size_t>(packed_weights_size(p, path_)));
  pack_weights(p, path_, oihw, weights_.data());
  if (bias) bias_.assign(bias, bias + p.K);
}

Conv2dParams PackedConv2d::with_bias() const {
  Conv2dParams p = params_;
  p.bias = bias_.empty() ? nullptr : bias_.data();
  return p;
}

void PackedConv2d::run_blocked(const float* in, float* out, int threads) const {
  const Conv2dParams p = with_bias();
  if (path_ == Conv2dPath::Reference)
    conv2d_reference(p, in, weights_.data(), out);
  else
    conv2d_nchw16c_direct(p, path_, in, weights_.data(), out, threads, isa_);
}

// in: [N, C, H, W] -> out: [N, K, P, Q]
void PackedConv2d::run(const float* nchw_in, float* nchw_out, int threads) const {
  const Conv2dParams& p = params_;
  if (path_ == Conv2dPath::Reference) return run_blocked(nchw_in, nchw_out, threads);
  const float* in = nchw_in;
  std::vector<float> in16;
  if (path_ != Conv2dPath::FirstLayer) {  // FirstLayer reads plain NCHW directly
    in16.resize(static_cast<size_t>(p.N * round_up16(p.C) * p.H * p.W));
    nchw_to_nchw16c(nchw_in, in16.data(), p.N, p.C, p.H, p.W);
    in = in16.data();
  }
  conv2d_nchw16c_direct_to_nchw(with_bias(), path_, in, weights_.data(), nchw_out, threads, isa_);
}

std::optional<int64_t> packed_conv2d_bytes(const Conv2dParams& p, Isa isa, Conv2dPath path) {
  if (path == Conv2dPath::Auto) path = choose_conv2d_path(p);
  const int64_t f = sizeof(float);
  Checked bytes = Checked(packed_weights_size(p, path)) * f + Checked(p.K) * f;  // weights, bias
  if (path != Conv2dPath::Reference) {
    if (path != Conv2dPath::FirstLayer)  // the NCHW16c input copy
      bytes = bytes + Checked(p.N) * round_up16(p.C) * p.H * p.W * f;
    const auto direct = conv2d_direct_scratch_bytes(p, path, isa);
    bytes = direct ? bytes + *direct : Checked::overflowed();
  }
  return bytes.get();
}

void conv2d_auto(const Conv2dParams& p, const float* nchw_in, const float* oihw, const float* bias,
                 float* nchw_out, int threads) {
  PackedConv2d(p, oihw, bias).run(nchw_in, nchw_out, threads);
}

}  // namespace netshape::kernels
