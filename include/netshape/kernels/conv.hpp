#pragma once
// Convolution kernels: a naive N-d reference (the truth for tests), a reference
// transposed convolution, an optimised direct 2-D convolution on the channel-blocked
// NCHW16c layout and an optimised transposed convolution (see docs/executor.md,
// "Convolution kernels").
//
// Layout vocabulary used in comments and names:
//   NCHW      activations [N, C, H, W]
//   NCHW16c   activations [N, ceil(C/16), H, W, 16c], channels zero-padded to 16
//   OIHW      weights [K, C/groups, R, S]
//   OIHW16i16o packed weights [G, Kg/16, Cg/16, R, S, 16i, 16o]

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "netshape/kernels/cpu.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape::kernels {

using netshape::ceil_div;  // floor and ceiling division for b > 0 (netshape/checked.hpp)
using netshape::floor_div;

// The output-size formulas are the ones shape inference uses (one definition, so the kernels
// and inference cannot disagree): conv_output_size, conv_transpose_output_size.
using netshape::conv_output_size;
using netshape::conv_transpose_output_size;

// For c < 2^62 (callers size buffers of c floats, so their byte counts fit first).
inline int64_t round_up16(int64_t c) {
  return (c + 15) / 16 * 16;
}

// 2-D convolution. Activations NCHW (or NCHW16c for the blocked kernel), weights OIHW
// [K, C/groups, R, S]; padding is symmetric (pad_h rows above and below).
struct Conv2dParams {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input
  int64_t K = 1, R = 1, S = 1;         // output channels, kernel height, kernel width
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  bool fuse_relu = false;       // out = max(out, 0) after the bias
  const float* bias = nullptr;  // K values, or nullptr for no bias

  // 0 when the size leaves int64 (validate() then refuses the parameters).
  int64_t P() const { return conv_output_size(H, R, stride_h, pad_h, dilation_h).value_or(0); }
  int64_t Q() const { return conv_output_size(W, S, stride_w, pad_w, dilation_w).value_or(0); }
  // Multiply-adds x 2: 2 N K P Q (C/groups) R S.
  double flops() const;
  // Empty when the parameters describe a valid convolution, else what is wrong.
  const char* invalid_reason() const;
};

// The same convolution with dilation 1 on the axes whose kernel extent is 1 (where it changes
// nothing), so that a huge unused dilation never enters the kernels' strides or offsets.
inline Conv2dParams without_unused_dilation(Conv2dParams p) {
  if (p.R == 1) p.dilation_h = 1;
  if (p.S == 1) p.dilation_w = 1;
  return p;
}

// N-d convolution with up to 3 spatial axes, ordered (D, H, W). Lower ranks set the
// leading axes to extent 1 (1-D: D = H = 1; 2-D: D = 1) with kernel 1, stride 1, pad 0.
struct ConvNdParams {
  int64_t N = 1, C = 1, K = 1;
  std::array<int64_t, 3> in{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> pad{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  int64_t groups = 1;
  bool fuse_relu = false;
  const float* bias = nullptr;  // K values or nullptr

  std::array<int64_t, 3> out() const;
};

// Transposed convolution (PyTorch ConvTranspose1d/2d/3d). Weights are
// [C, K/groups, kD, kH, kW] where C = input channels, K = output channels.
struct ConvTransposeNdParams {
  int64_t N = 1, C = 1, K = 1;
  std::array<int64_t, 3> in{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> pad{0, 0, 0};
  std::array<int64_t, 3> output_padding{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  int64_t groups = 1;
  bool fuse_relu = false;
  const float* bias = nullptr;  // K values or nullptr

  std::array<int64_t, 3> out() const;
};

// ---- Reference kernels (naive loops; correctness oracle, not fast) ----

// in: [N, C, D, H, W]; w: [K, C/groups, kD, kH, kW]; out: [N, K, oD, oH, oW].
void conv_reference(const ConvNdParams& p, const float* in, const float* w, float* out);
// in: [N, C, H, W]; w: [K, C/groups, R, S]; out: [N, K, P, Q].
void conv2d_reference(const Conv2dParams& p, const float* in, const float* w, float* out);
// in: [N, C, D, H, W]; w: [C, K/groups, kD, kH, kW]; out: [N, K, oD, oH, oW].
void conv_transpose_reference(const ConvTransposeNdParams& p, const float* in, const float* w,
                              float* out);

// How tests and the bench compare a kernel with the reference: the largest element-wise error
// relative to max(1, |reference|).
double max_relative_error(const std::vector<float>& got, const std::vector<float>& want);

// ---- Optimised transposed convolution ----

// The same transposed convolution as conv_transpose_reference, same layouts, in float: one
// register-blocked product (Kg x Cg) . (Cg x input pixels) per kernel tap and group, added into
// the output positions the tap lands on (docs/executor.md, "Transposed convolution"). Writes
// every output (bias, then the taps, then the optional ReLU). Splits (image, group, output-channel
// blocks) over up to `threads` threads. Throws std::invalid_argument for the parameters the
// reference refuses.
void conv_transpose_taps(const ConvTransposeNdParams& p, const float* in, const float* w,
                         float* out, int threads, Isa isa = Isa::Auto);
// Bytes conv_transpose_taps(p, ..., threads, isa) allocates besides its input, weights and
// output (packed weights, each thread's packed input panel, the tap plan; an upper bound);
// nullopt if that leaves int64.
std::optional<int64_t> conv_transpose_taps_scratch_bytes(const ConvTransposeNdParams& p,
                                                         int threads, Isa isa = Isa::Auto);

// ---- Layout conversion ----

// [N, C, H, W] -> [N, ceil(C/16), H, W, 16c]; padding channels are written as zeros. Large
// tensors are converted on up to `threads` threads (the kernels' pool); with AVX-512, 16 pixels
// x 16 channels at a time through a register transpose (the same values).
void nchw_to_nchw16c(const float* src, float* dst, int64_t N, int64_t C, int64_t H, int64_t W,
                     int threads = 1, Isa isa = Isa::Auto);
// [N, ceil(C/16), H, W, 16c] -> [N, C, H, W]; padding channels are dropped.
void nchw16c_to_nchw(const float* src, float* dst, int64_t N, int64_t C, int64_t H, int64_t W,
                     int threads = 1, Isa isa = Isa::Auto);

// ---- Optimised direct convolution ----

enum class Conv2dPath {
  Auto,        // choose_conv2d_path()
  Blocked,     // NCHW16c in/out, OIHW16i16o weights; groups==1 or C/g, K/g multiples of 16
  FirstLayer,  // plain NCHW in (small C), NCHW16c out, weights [K/16, C, R, S, 16o]
  Depthwise,   // groups == C == K; NCHW16c in/out, weights [C/16, R, S, 16c]
  Reference,   // anything else: conv2d_reference on NCHW (no blocking)
};
const char* path_name(Conv2dPath path);

// Which path the optimised kernel uses for `p` (never returns Auto).
Conv2dPath choose_conv2d_path(const Conv2dParams& p);
// Whether `path` can compute `p` (Reference always can).
bool path_supports(Conv2dPath path, const Conv2dParams& p);

// Floats needed for the packed weights of `path` (zero-padded), and the packing itself.
int64_t packed_weights_size(const Conv2dParams& p, Conv2dPath path);
// Large Blocked kernels are packed on up to `threads` threads.
void pack_weights(const Conv2dParams& p, Conv2dPath path, const float* oihw, float* packed,
                  int threads = 1);

// The optimised kernel on already-converted tensors. Layouts depend on `path`:
//   Blocked, Depthwise: in [N, C16/16, H, W, 16c] -> out [N, K16/16, P, Q, 16k]
//   FirstLayer:         in [N, C, H, W]           -> out [N, K16/16, P, Q, 16k]
// `packed` comes from pack_weights(p, path, ...); p.bias (K values) is optional.
// Splits work over batch x output-channel blocks x output rows on `threads` threads.
// `path` must be Blocked, FirstLayer or Depthwise and path_supports(path, p).
void conv2d_nchw16c_direct(const Conv2dParams& p, Conv2dPath path, const float* in,
                           const float* packed, float* out, int threads, Isa isa = Isa::Auto);
// The same convolution, same kernels, work items and values, writing plain NCHW [N, K, P, Q]:
// each strip of output pixels is computed into a small buffer on the stack and converted to
// NCHW right away, while it is in L1, instead of the whole NCHW16c output being written to
// memory and converted by nchw16c_to_nchw in another pass. Allocates nothing more than
// conv2d_nchw16c_direct (conv2d_direct_scratch_bytes).
void conv2d_nchw16c_direct_to_nchw(const Conv2dParams& p, Conv2dPath path, const float* in,
                                   const float* packed, float* nchw_out, int threads,
                                   Isa isa = Isa::Auto);

// Bytes conv2d_nchw16c_direct allocates for `p` on `path` (the bias padded to 16 channels and
// the strip plan of a row; an upper bound), 0 for Reference; nullopt if it leaves int64.
std::optional<int64_t> conv2d_direct_scratch_bytes(const Conv2dParams& p, Conv2dPath path,
                                                   Isa isa = Isa::Auto);

// Weights packed once, run many times. The executor keeps one per conv node.
class PackedConv2d {
 public:
  // `oihw` [K, C/groups, R, S] and `bias` (K values or nullptr) are copied; p.bias is ignored.
  PackedConv2d(const Conv2dParams& p, const float* oihw, const float* bias, Isa isa = Isa::Auto,
               Conv2dPath path = Conv2dPath::Auto);

  // in: [N, C, H, W] -> out: [N, K, P, Q] (plain layouts; converts the input to NCHW16c, the
  // kernel writes NCHW: conv2d_nchw16c_direct_to_nchw).
  void run(const float* nchw_in, float* nchw_out, int threads) const;
  // Same, on the layouts of conv2d_nchw16c_direct for path() (no conversion).
  void run_blocked(const float* in, float* out, int threads) const;

  const Conv2dParams& params() const { return params_; }
  Conv2dPath path() const { return path_; }
  Isa isa() const { return isa_; }

 private:
  Conv2dParams with_bias() const;

  Conv2dParams params_;
  Conv2dPath path_;
  Isa isa_;
  std::vector<float> weights_;  // packed for path_ (OIHW copy for Reference)
  std::vector<float> bias_;     // K values, empty if none
};

// Bytes a PackedConv2d(p, ..., isa, path) holds (packed weights, bias) plus what one run()
// allocates besides its NCHW input and output (the NCHW16c copy of the input, zero-padded to 16
// channels, except on FirstLayer, and conv2d_direct_scratch_bytes; the output is written to
// NCHW directly); nullopt if that leaves int64. What the executor's memory guard counts for a
// 1-D or 2-D convolution.
std::optional<int64_t> packed_conv2d_bytes(const Conv2dParams& p, Isa isa = Isa::Auto,
                                           Conv2dPath path = Conv2dPath::Auto);

// One-shot convenience: pack, convert, run the best path, convert back.
// in: [N, C, H, W]; oihw: [K, C/groups, R, S]; bias: K values or nullptr; out: [N, K, P, Q].
void conv2d_auto(const Conv2dParams& p, const float* nchw_in, const float* oihw, const float* bias,
                 float* nchw_out, int threads);

}  // namespace netshape::kernels
