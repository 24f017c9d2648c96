// The direct convolution writing NCHW strip by strip (conv2d_nchw16c_direct_to_nchw, what
// PackedConv2d::run and the executor use) against the two passes it replaces (the NCHW16c output
// of conv2d_nchw16c_direct, then nchw16c_to_nchw): bit-identical outputs, every output written,
// nothing written past the tensor, over shapes around the block sizes (channels around 16, odd
// widths around the strip widths, strides, padding, groups, batch, bias, ReLU) on every path and
// every ISA the machine has, 1 and 2 threads; and both against the naive reference.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "netshape/kernels/conv.hpp"
#include "netshape/kernels/cpu.hpp"
#include "test_helpers.hpp"

namespace k = netshape::kernels;

namespace {

k::Conv2dParams conv(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                     int64_t stride, int64_t pad, int64_t groups = 1) {
  k::Conv2dParams p;
  p.N = N, p.C = C, p.H = H, p.W = W, p.K = K, p.R = R, p.S = S, p.groups = groups;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  return p;
}

std::string describe(const k::Conv2dParams& p, k::Conv2dPath path, k::Isa isa, int threads) {
  std::ostringstream os;
  os << "N" << p.N << " C" << p.C << " H" << p.H << " W" << p.W << " K" << p.K << " R" << p.R
     << " S" << p.S << " stride " << p.stride_h << " pad " << p.pad_h << " g" << p.groups
     << (p.bias ? " bias" : "") << (p.fuse_relu ? " relu" : "") << " path " << k::path_name(path)
     << " isa " << k::isa_name(isa) << " threads " << threads;
  return os.str();
}

// Outputs are written after this many guard floats and followed by as many; a NaN sentinel
// everywhere first, so an output the kernel skips stays NaN and compares unequal bit for bit.
constexpr size_t kGuard = 64;

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs `p` on its chosen path, every ISA, 1 and 2 threads: the fused NCHW output must equal the
// two-pass one bit for bit, leave the guards untouched, and match the reference.
bool fused_matches(k::Conv2dParams p, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto in = netshape::test::random_floats(p.N * p.C * p.H * p.W, rng);
  const auto w = netshape::test::random_floats(p.K * (p.C / p.groups) * p.R * p.S, rng);
  const auto bias = netshape::test::random_floats(p.K, rng);
  if (p.bias) p.bias = bias.data();
  const k::Conv2dPath path = k::choose_conv2d_path(p);
  REQUIRE(path != k::Conv2dPath::Reference);
  const int64_t P = p.P(), Q = p.Q();
  const auto out_size = static_cast<size_t>(p.N * p.K * P * Q);
  std::vector<float> want(out_size);
  k::conv2d_reference(p, in.data(), w.data(), want.data());
  std::vector<float> packed(static_cast<size_t>(k::packed_weights_size(p, path)));
  k::pack_weights(p, path, w.data(), packed.data());
  const float* x = in.data();
  std::vector<float> in16;
  if (path != k::Conv2dPath::FirstLayer) {
    in16.resize(static_cast<size_t>(p.N * k::round_up16(p.C) * p.H * p.W));
    k::nchw_to_nchw16c(in.data(), in16.data(), p.N, p.C, p.H, p.W);
    x = in16.data();
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  bool ok = true;
  for (k::Isa isa : k::supported_isas())
    for (int threads : {1, 2}) {
      std::vector<float> out16(static_cast<size_t>(p.N * k::round_up16(p.K) * P * Q), nan);
      std::vector<float> two_pass(out_size + 2 * kGuard, nan);
      k::conv2d_nchw16c_direct(p, path, x, packed.data(), out16.data(), threads, isa);
      k::nchw16c_to_nchw(out16.data(), two_pass.data() + kGuard, p.N, p.K, P, Q, 1, isa);
      std::vector<float> fused(out_size + 2 * kGuard, nan);
      k::conv2d_nchw16c_direct_to_nchw(p, path, x, packed.data(), fused.data() + kGuard, threads,
                                       isa);
      const std::vector<float> got(fused.begin() + kGuard, fused.end() - kGuard);
      const double err = k::max_relative_error(got, want);
      if (!same_bits(fused, two_pass) || !(err < 1e-4)) {
        ok = false;
        FAIL_CHECK(describe(p, path, isa, threads)
                   << ": fused differs from the two passes (or the reference: " << err << ")");
      }
    }
  return ok;
}

}  // namespace

TEST_CASE("fused output: dense convolutions (blocked and first layer) around the block sizes") {
  uint32_t seed = 1;
  int failures = 0, runs = 0;
  // Channels below, at and above 16 (C <= 4 takes the first-layer path); widths around the
  // AVX-512 strips (7, 14, 28 pixels), the AVX2 ones (6) and the 16-pixel transposes.
  for (int64_t C : {3, 16, 17, 33})
    for (int64_t K : {1, 15, 16, 17, 40, 80})
      for (int64_t W : {1, 6, 7, 13, 15, 16, 17, 29, 33})
        for (const auto& [R, stride, pad] :
             {std::array<int64_t, 3>{1, 1, 0}, {3, 1, 1}, {3, 2, 1}, {1, 2, 0}, {3, 1, 0}}) {
          if (W + 2 * pad < R) continue;
          k::Conv2dParams p = conv(1 + (W % 2), C, 5, W, K, R, R, stride, pad);
          p.fuse_relu = (K + W) % 2 == 0;
          float dummy_bias = 0;  // any non-null pointer: fused_matches supplies the values
          if ((C + W) % 3 != 0) p.bias = &dummy_bias;
          CAPTURE(describe(p, k::choose_conv2d_path(p), k::Isa::Auto, 0));
          failures += !fused_matches(p, seed++);
          ++runs;
        }
  CHECK(failures == 0);
  CHECK(runs > 900);
}

TEST_CASE("fused output: grouped, single-row, single-pixel and rectangular convolutions") {
  uint32_t seed = 5000;
  // Grouped on the blocked path (C/g and K/g multiples of 16), batch 3.
  for (int64_t W : {1, 7, 9, 20}) {
    CHECK(fused_matches(conv(3, 32, 4, W, 64, 3, 3, 1, 1, 2), seed++));
    CHECK(fused_matches(conv(2, 64, 3, W, 64, 1, 1, 1, 0, 4), seed++));
  }
  // One output pixel, one output row, a row narrower than a strip, a tall thin image.
  CHECK(fused_matches(conv(2, 17, 1, 1, 33, 1, 1, 1, 0), seed++));
  CHECK(fused_matches(conv(1, 20, 3, 57, 19, 3, 3, 1, 0), seed++));
  CHECK(fused_matches(conv(1, 2, 40, 2, 48, 3, 3, 1, 1), seed++));
  // A rectangular kernel with different strides and padding per axis.
  k::Conv2dParams p = conv(2, 24, 9, 31, 20, 1, 5, 1, 0);
  p.stride_h = 2, p.pad_w = 2, p.dilation_w = 2;
  CHECK(fused_matches(p, seed++));
}

TEST_CASE("fused output: depthwise (row-pair kernel and strip kernel) around the chunks") {
  uint32_t seed = 9000;
  int failures = 0;
  // S = 3, stride 1-2 take the AVX-512 row-pair kernel (chunks of 8 and 16 pixels); S = 5 the
  // strip kernel (strips of up to 28 pixels), as do the other ISAs.
  for (int64_t C : {16, 17, 40})
    for (int64_t W : {1, 7, 8, 9, 15, 16, 17, 29, 33})
      for (int64_t S : {3, 5})
        for (int64_t stride : {1, 2})
          for (int64_t pad : {0, 1, 2}) {
            if (W + 2 * pad < S) continue;
            k::Conv2dParams p = conv(1 + (W % 2), C, 5, W, C, 3, S, stride, pad, C);
            p.fuse_relu = (W + pad) % 2 == 0;
            float dummy_bias = 0;
            if ((C + S) % 2 != 0) p.bias = &dummy_bias;
            REQUIRE(k::choose_conv2d_path(p) == k::Conv2dPath::Depthwise);
            failures += !fused_matches(p, seed++);
          }
  CHECK(failures == 0);
}

TEST_CASE("fused output: the memory estimate no longer counts an NCHW16c output") {
  // Weights, bias, the NCHW16c input and the kernel's own scratch; the output goes to NCHW.
  const k::Conv2dParams p = conv(8, 64, 56, 56, 256, 1, 1, 1, 0);
  const int64_t f = sizeof(float);
  const int64_t want = k::packed_weights_size(p, k::Conv2dPath::Blocked) * f + p.K * f +
                       p.N * 64 * 56 * 56 * f +
                       *k::conv2d_direct_scratch_bytes(p, k::Conv2dPath::Blocked);
  CHECK(k::packed_conv2d_bytes(p) == want);
  // The first-layer path reads NCHW directly: no copy of the input either.
  const k::Conv2dParams first = conv(1, 3, 20000, 20000, 1, 1, 1, 1, 0);
  CHECK(k::packed_conv2d_bytes(first) ==
        3 * 16 * f + f + *k::conv2d_direct_scratch_bytes(first, k::Conv2dPath::FirstLayer));
}
