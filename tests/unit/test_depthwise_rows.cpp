// The AVX-512 depthwise kernel blocked over output row pairs (conv2d_depthwise_nchw16c_rows)
// against the naive reference, on every ISA the machine has (AVX2 and scalar run the generic
// strip kernel on the same shapes): heights around the row pair, widths around the 8- and
// 16-pixel chunks, strides, padding, kernel heights, padded channel blocks, batch, bias, ReLU,
// 1 and 2 threads.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../../src/kernels/conv2d_depthwise_nchw16c_rows.hpp"  // which shapes take the kernel
#include "netshape/kernels/conv.hpp"
#include "netshape/kernels/cpu.hpp"
#include "test_helpers.hpp"

namespace k = netshape::kernels;

namespace {

k::Conv2dParams depthwise(int64_t N, int64_t C, int64_t H, int64_t W, int64_t R, int64_t stride,
                          int64_t pad) {
  k::Conv2dParams p;
  p.N = N, p.C = C, p.K = C, p.groups = C, p.H = H, p.W = W, p.R = R, p.S = 3;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  return p;
}

std::string describe(const k::Conv2dParams& p, k::Isa isa, int threads) {
  std::ostringstream os;
  os << "N" << p.N << " C" << p.C << " H" << p.H << " W" << p.W << " R" << p.R << " S" << p.S
     << " stride " << p.stride_h << "," << p.stride_w << " pad " << p.pad_h << "," << p.pad_w
     << (p.bias ? " bias" : "") << (p.fuse_relu ? " relu" : "") << " isa " << k::isa_name(isa)
     << " threads " << threads;
  return os.str();
}

// Largest |got - want| / max(1, |want|); a NaN or infinity where the reference has a finite
// value counts as infinitely wrong (max_relative_error would skip a NaN).
double worst_error(const std::vector<float>& got, const std::vector<float>& want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::abs(static_cast<double>(got[i]) - want[i]) /
                     std::max(1.0, std::abs(static_cast<double>(want[i])));
    if (!(e <= worst)) worst = std::isfinite(e) ? e : std::numeric_limits<double>::infinity();
  }
  return worst;
}

// Runs `p` (depthwise path) on every ISA at `threads` against conv2d_reference on `in`.
bool matches_reference(k::Conv2dParams p, const std::vector<float>& in, bool with_bias,
                       uint32_t seed, int threads) {
  std::mt19937 rng(seed);
  const auto w = netshape::test::random_floats(p.C * p.R * p.S, rng);
  const auto bias = netshape::test::random_floats(p.C, rng);
  p.bias = with_bias ? bias.data() : nullptr;
  std::vector<float> want(static_cast<size_t>(p.N * p.C * p.P() * p.Q()));
  k::conv2d_reference(p, in.data(), w.data(), want.data());
  bool ok = true;
  for (k::Isa isa : k::supported_isas()) {
    const k::PackedConv2d conv(p, w.data(), p.bias, isa);
    REQUIRE(conv.path() == k::Conv2dPath::Depthwise);
    std::vector<float> got(want.size(), 12345.0f);
    conv.run(in.data(), got.data(), threads);
    const double err = worst_error(got, want);
    if (!(err < 1e-5)) {
      ok = false;
      FAIL_CHECK(describe(p, isa, threads) << ": max rel err " << err);
    }
  }
  return ok;
}

bool matches_reference(const k::Conv2dParams& p, bool with_bias, uint32_t seed, int threads = 1) {
  std::mt19937 rng(seed + 1000);
  return matches_reference(p, netshape::test::random_floats(p.N * p.C * p.H * p.W, rng), with_bias,
                           seed, threads);
}

}  // namespace

TEST_CASE("depthwise rows: the kernel takes 3-wide kernels of stride 1 and 2 on AVX-512 only") {
  const auto p = depthwise(1, 32, 9, 9, 3, 1, 1);
  CHECK(k::depthwise_rows_supports(p, k::Isa::Avx512));
  CHECK_FALSE(k::depthwise_rows_supports(p, k::Isa::Avx2));
  CHECK_FALSE(k::depthwise_rows_supports(p, k::Isa::Scalar));
  auto q = p;
  q.S = 5;
  CHECK_FALSE(k::depthwise_rows_supports(q, k::Isa::Avx512));
  q = p, q.stride_w = 3;
  CHECK_FALSE(k::depthwise_rows_supports(q, k::Isa::Avx512));
  q = p, q.dilation_w = 2;
  CHECK_FALSE(k::depthwise_rows_supports(q, k::Isa::Avx512));
  q = p, q.dilation_h = 2;
  CHECK_FALSE(k::depthwise_rows_supports(q, k::Isa::Avx512));
  q = p, q.stride_h = 3, q.R = 1;  // any stride_h and R
  CHECK(k::depthwise_rows_supports(q, k::Isa::Avx512));
}

TEST_CASE("depthwise rows: heights around the row pair x widths around the chunks") {
  // Output widths 1-3, 7-9 (one pair chunk of 8), 15-17 (one single-row chunk of 16 for the
  // odd last row), 23-25 and 33; output heights 1-5 and 8 (odd: a single last row).
  uint32_t seed = 1;
  for (int64_t stride : {1, 2})
    for (int64_t pad : {0, 1, 2})
      for (int64_t Q : {1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 33})
        for (int64_t P : {1, 2, 3, 4, 5, 8}) {
          // Input size giving Q x P outputs: (Q - 1) stride + 3 - 2 pad, at least 1.
          const int64_t W = (Q - 1) * stride + 3 - 2 * pad, H = (P - 1) * stride + 3 - 2 * pad;
          if (W < 1 || H < 1) continue;
          auto p = depthwise(1, 17, H, W, 3, stride, pad);
          if (p.P() != P || p.Q() != Q) continue;
          p.fuse_relu = seed % 3 == 0;
          ++seed;
          CHECK(matches_reference(p, seed % 2 == 0, seed));
        }
  CHECK(seed > 300);
}

TEST_CASE("depthwise rows: kernel heights, asymmetric strides and pads, rows between windows") {
  uint32_t seed = 500;
  for (int64_t R : {1, 2, 3, 4, 5})
    for (int64_t stride_h : {1, 2, 3, 5})
      for (int64_t stride_w : {1, 2})
        for (int64_t pad_h : {0, 1, 2}) {
          auto p = depthwise(1, 16, 11, 19, R, 1, 1);
          p.stride_h = stride_h, p.stride_w = stride_w, p.pad_h = pad_h;
          if (p.P() < 1) continue;
          ++seed;
          CHECK(matches_reference(p, seed % 2 == 0, seed));
        }
  // Wide padding: whole chunks and whole rows read only padding (bias, then ReLU, only).
  auto p = depthwise(1, 16, 3, 4, 3, 1, 2);
  CHECK(matches_reference(p, true, 600));
  p.stride_w = 2, p.W = 17, p.pad_w = 2, p.pad_h = 2, p.fuse_relu = true;
  CHECK(matches_reference(p, true, 601));
}

TEST_CASE("depthwise rows: input values no window reads never reach the output") {
  // Stride 3 with R = 1 reads input rows 0, 3, 6, 9 only; stride_w 2 with S = 3 and W = 14
  // reads columns 0-12 only (NCHW16c puts column 13 right before column 0 of the next row).
  // NaN in every input value no window reads must not reach the output.
  auto p = depthwise(2, 20, 10, 14, 1, 3, 0);
  p.stride_w = 2;
  std::mt19937 rng(7);
  auto in = netshape::test::random_floats(p.N * p.C * p.H * p.W, rng);
  for (int64_t nc = 0; nc < p.N * p.C; ++nc)
    for (int64_t h = 0; h < p.H; ++h)
      for (int64_t x = 0; x < p.W; ++x)
        if (h % 3 != 0 || x == 13)
          in[static_cast<size_t>((nc * p.H + h) * p.W + x)] =
              std::numeric_limits<float>::quiet_NaN();
  CHECK(matches_reference(p, in, true, 8, 1));
  CHECK(matches_reference(p, in, false, 9, 2));
}

TEST_CASE("depthwise rows: channel blocks, batch, MobileNetV2 shapes, 1 and 2 threads") {
  uint32_t seed = 700;
  for (int64_t C : {2, 15, 16, 17, 40, 64})
    for (int threads : {1, 2}) {
      CHECK(matches_reference(depthwise(2, C, 13, 21, 3, 1, 1), true, ++seed, threads));
      CHECK(matches_reference(depthwise(3, C, 13, 21, 3, 2, 1), false, ++seed, threads));
    }
  // Layers big enough that the kernel runs on both threads (it keeps ~2 MFLOP per thread),
  // with an odd number of row pairs per thread and a batch.
  for (int threads : {1, 2}) {
    CHECK(matches_reference(depthwise(1, 144, 56, 56, 3, 1, 1), true, ++seed, threads));
    CHECK(matches_reference(depthwise(2, 96, 57, 57, 3, 2, 1), true, ++seed, threads));
    auto p = depthwise(2, 48, 27, 61, 3, 1, 1);
    p.fuse_relu = true;
    CHECK(matches_reference(p, true, ++seed, threads));
  }
}
