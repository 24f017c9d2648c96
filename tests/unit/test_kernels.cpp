// Tests for the convolution kernels: hand-computed reference values, adjointness of the
// transposed reference, and the optimised direct kernel (every path x every ISA the CPU
// supports) against the reference over a parameter grid and a seeded random sweep.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "netshape/kernels/conv.hpp"
#include "netshape/kernels/cpu.hpp"
#include "test_helpers.hpp"

namespace k = netshape::kernels;

namespace {

std::string describe(const k::Conv2dParams& p) {
  std::ostringstream os;
  os << "N" << p.N << " C" << p.C << " H" << p.H << " W" << p.W << " K" << p.K << " R" << p.R
     << " S" << p.S << " stride" << p.stride_h << "," << p.stride_w << " pad" << p.pad_h << ","
     << p.pad_w << " dil" << p.dilation_h << "," << p.dilation_w << " g" << p.groups
     << (p.bias ? " bias" : "") << (p.fuse_relu ? " relu" : "");
  return os.str();
}

// Runs `p` through PackedConv2d (forced path/ISA, given thread count) and the reference;
// returns false and reports through doctest on mismatch.
bool check_conv(k::Conv2dParams p, bool with_bias, uint32_t seed,
                k::Conv2dPath path = k::Conv2dPath::Auto, int threads = 1) {
  std::mt19937 rng(seed);
  const auto in = netshape::test::random_floats(static_cast<size_t>(p.N * p.C * p.H * p.W), rng);
  const auto w =
      netshape::test::random_floats(static_cast<size_t>(p.K * (p.C / p.groups) * p.R * p.S), rng);
  const auto bias = netshape::test::random_floats(static_cast<size_t>(p.K), rng);
  p.bias = with_bias ? bias.data() : nullptr;
  const size_t out_size = static_cast<size_t>(p.N * p.K * p.P() * p.Q());
  std::vector<float> want(out_size);
  k::conv2d_reference(p, in.data(), w.data(), want.data());
  bool ok = true;
  for (k::Isa isa : k::supported_isas()) {
    k::PackedConv2d conv(p, w.data(), p.bias, isa, path);
    std::vector<float> got(out_size, 12345.0f);
    conv.run(in.data(), got.data(), threads);
    const double err = k::max_relative_error(got, want);
    if (err > 1e-4) {
      ok = false;
      FAIL_CHECK(describe(p) << " path=" << k::path_name(conv.path()) << " isa=" << k::isa_name(isa)
                             << " threads=" << threads << " max rel err=" << err);
    }
  }
  return ok;
}

k::Conv2dParams make(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                     int64_t stride = 1, int64_t pad = 0, int64_t dil = 1, int64_t groups = 1,
                     bool relu = false) {
  k::Conv2dParams p;
  p.N = N, p.C = C, p.H = H, p.W = W, p.K = K, p.R = R, p.S = S;
  p.stride_h = p.stride_w = stride;
  p.pad_h = p.pad_w = pad;
  p.dilation_h = p.dilation_w = dil;
  p.groups = groups;
  p.fuse_relu = relu;
  return p;
}

}  // namespace

TEST_CASE("conv_output_size matches the textbook formula") {
  CHECK(k::conv_output_size(5, 3, 1, 0, 1) == 3);
  CHECK(k::conv_output_size(224, 7, 2, 3, 1) == 112);
  CHECK(k::conv_output_size(56, 3, 1, 1, 1) == 56);
  CHECK(k::conv_output_size(7, 3, 2, 1, 2) == 3);
  CHECK(*k::conv_output_size(2, 5, 1, 0, 1) < 1);  // kernel does not fit
  CHECK(k::conv_output_size(4, 3, 2, 0, 2) == 0);  // floor((4 - 4 - 1) / 2) + 1
  CHECK(k::conv_transpose_output_size(2, 3, 2, 0, 1, 0) == 5);
}

TEST_CASE("output-size formulas refuse results that leave int64 instead of wrapping") {
  const int64_t big = INT64_MAX;
  CHECK_FALSE(netshape::conv_output_size(32, 3, 1, 0, big).has_value());      // d(k-1)
  CHECK_FALSE(netshape::conv_output_size(32, 3, 1, big / 2, 1).has_value());  // in + 2p
  CHECK_FALSE(netshape::pool_output_size(8, 3, 1, 0, big, true).has_value());
  CHECK_FALSE(netshape::conv_transpose_output_size(32, 3, big / 2 + 1, 0, 1, 1).has_value());
  CHECK_FALSE(netshape::effective_kernel_size(3, big).has_value());
  CHECK_FALSE(netshape::padded_size(8, big, big).has_value());
  // The largest values that still fit are exact.
  CHECK(netshape::conv_output_size(big, 1, 1, 0, 1) == big);
  CHECK(netshape::conv_output_size(big - 2, 3, big, 1, 1) == 1);
  CHECK(netshape::effective_kernel_size(2, big - 1) == big);
  CHECK(netshape::pool_output_size(big - 1, 2, 2, 0, 1, true) == big / 2);
  // Adaptive windows take their products in 128 bits.
  CHECK(netshape::adaptive_start(big - 1, big, big) == big - 1);
  CHECK(netshape::adaptive_end(big - 1, big, big) == big);
}

TEST_CASE("reference conv: hand-computed 5x5 data, 3x3 kernel") {
  const std::vector<float> data = {0, 0, 1, 2, 2, 1, 2, 2, 1, 2, 0, 2, 0,
                                   2, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1};
  const std::vector<float> kern = {0, 0.1f, -0.1f, -0.2f, 0, 0.1f, 0, 0, 0.1f};
  const float bias = 0;
  auto p = make(1, 1, 5, 5, 1, 3, 3);
  p.bias = &bias;
  std::vector<float> out(9);
  k::conv2d_reference(p, data.data(), kern.data(), out.data());
  CHECK(out[0] == doctest::Approx(-0.1));  // m1
  CHECK(out[1] == doctest::Approx(-0.2));
  CHECK(out[8] == doctest::Approx(0.0));
  // The optimised paths agree on the same example.
  std::vector<float> fast(9);
  k::conv2d_auto(p, data.data(), kern.data(), &bias, fast.data(), 1);
  for (int i = 0; i < 9; ++i) CHECK(fast[i] == doctest::Approx(out[i]).epsilon(1e-5));
}

TEST_CASE("reference conv: 1-D, 3-D and 2-D agree where they should") {
  std::mt19937 rng(7);
  // 3-D with kD = 1 and stride 1 in D = independent 2-D convolutions per depth slice.
  k::ConvNdParams p3;
  p3.N = 1, p3.C = 2, p3.K = 3;
  p3.in = {4, 5, 6};
  p3.kernel = {1, 3, 2};
  p3.pad = {0, 1, 0};
  const auto in = netshape::test::random_floats(static_cast<size_t>(2 * 4 * 5 * 6), rng);
  const auto w = netshape::test::random_floats(static_cast<size_t>(3 * 2 * 3 * 2), rng);
  const auto o = p3.out();
  std::vector<float> out3(static_cast<size_t>(3 * o[0] * o[1] * o[2]));
  k::conv_reference(p3, in.data(), w.data(), out3.data());
  auto p2 = make(1, 2, 5, 6, 3, 3, 2, 1, 0);
  p2.pad_h = 1, p2.pad_w = 0;
  const int64_t HW = 30, PQ = p2.P() * p2.Q();
  for (int64_t d = 0; d < 4; ++d) {
    std::vector<float> slice(2 * HW), out2(static_cast<size_t>(3 * PQ));
    for (int c = 0; c < 2; ++c)
      std::copy_n(in.begin() + (c * 4 + d) * HW, HW, slice.begin() + c * HW);
    k::conv2d_reference(p2, slice.data(), w.data(), out2.data());
    for (int64_t kk = 0; kk < 3; ++kk)
      for (int64_t i = 0; i < PQ; ++i)
        CHECK(out2[kk * PQ + i] == doctest::Approx(out3[(kk * 4 + d) * PQ + i]));
  }
  // 1-D: [1, 2, 3, 4] * [1, -1] with stride 2, dilation 1 -> [-1, -1].
  k::ConvNdParams p1;
  p1.in = {1, 1, 4};
  p1.kernel = {1, 1, 2};
  p1.stride = {1, 1, 2};
  const float x[] = {1, 2, 3, 4}, k1[] = {1, -1};
  float y[2];
  k::conv_reference(p1, x, k1, y);
  CHECK(y[0] == doctest::Approx(-1));
  CHECK(y[1] == doctest::Approx(-1));
}

TEST_CASE("reference transposed conv: hand-computed cases") {
  k::ConvTransposeNdParams p;
  p.in = {1, 1, 2};
  p.kernel = {1, 1, 3};
  p.stride = {1, 1, 2};
  const float x[] = {1, 2}, w[] = {1, 1, 1};
  {
    float y[5];
    k::conv_transpose_reference(p, x, w, y);
    const float want[] = {1, 1, 3, 2, 2};
    for (int i = 0; i < 5; ++i) CHECK(y[i] == doctest::Approx(want[i]));
  }
  {
    p.pad = {0, 0, 1};
    float y[3];
    k::conv_transpose_reference(p, x, w, y);
    const float want[] = {1, 3, 2};
    for (int i = 0; i < 3; ++i) CHECK(y[i] == doctest::Approx(want[i]));
  }
  {
    p.pad = {0, 0, 0};
    p.output_padding = {0, 0, 1};
    float y[6];
    k::conv_transpose_reference(p, x, w, y);
    const float want[] = {1, 1, 3, 2, 2, 0};
    for (int i = 0; i < 6; ++i) CHECK(y[i] == doctest::Approx(want[i]));
  }
  {
    // 2-D: [[1, 2], [3, 4]] with a 2x2 kernel of ones, stride 1, bias 0.5.
    k::ConvTransposeNdParams q;
    q.in = {1, 2, 2};
    q.kernel = {1, 2, 2};
    const float b = 0.5f;
    q.bias = &b;
    const float x2[] = {1, 2, 3, 4}, w2[] = {1, 1, 1, 1};
    float y[9];
    k::conv_transpose_reference(q, x2, w2, y);
    const float want[] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
    for (int i = 0; i < 9; ++i) CHECK(y[i] == doctest::Approx(want[i] + 0.5));
  }
}

TEST_CASE("reference transposed conv is the adjoint of conv (3-D, strided, grouped)") {
  std::mt19937 rng(11);
  k::ConvNdParams c;
  c.N = 2, c.C = 4, c.K = 6, c.groups = 2;
  c.in = {5, 6, 7};
  c.kernel = {2, 3, 2};
  c.stride = {2, 1, 3};
  c.pad = {1, 1, 0};
  c.dilation = {1, 2, 1};
  const auto o = c.out();
  k::ConvTransposeNdParams t;
  t.N = c.N, t.C = c.K, t.K = c.C, t.groups = c.groups;
  t.in = o, t.kernel = c.kernel, t.stride = c.stride, t.pad = c.pad, t.dilation = c.dilation;
  for (int i = 0; i < 3; ++i)  // pick output_padding so the transposed output is c.in
    t.output_padding[i] = c.in[i] - *k::conv_transpose_output_size(o[i], c.kernel[i], c.stride[i],
                                                                   c.pad[i], c.dilation[i], 0);
  REQUIRE(t.out() == c.in);
  const size_t nx = static_cast<size_t>(c.N * c.C * c.in[0] * c.in[1] * c.in[2]);
  const size_t ny = static_cast<size_t>(c.N * c.K * o[0] * o[1] * o[2]);
  const auto x = netshape::test::random_floats(nx, rng), y = netshape::test::random_floats(ny, rng);
  const auto w = netshape::test::random_floats(static_cast<size_t>(c.K * 2 * 2 * 3 * 2), rng);
  std::vector<float> cx(ny), ty(nx);
  k::conv_reference(c, x.data(), w.data(), cx.data());
  k::conv_transpose_reference(t, y.data(), w.data(), ty.data());
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < ny; ++i) lhs += static_cast<double>(cx[i]) * y[i];
  for (size_t i = 0; i < nx; ++i) rhs += static_cast<double>(x[i]) * ty[i];
  CHECK(lhs == doctest::Approx(rhs).epsilon(1e-5));
}

TEST_CASE("layout round trip nchw -> nchw16c -> nchw") {
  std::mt19937 rng(3);
  for (int64_t C : {1, 15, 16, 17, 33}) {
    const auto x = netshape::test::random_floats(static_cast<size_t>(2 * C * 3 * 5), rng);
    std::vector<float> b(static_cast<size_t>(2 * k::round_up16(C) * 15), -1.0f), y(x.size());
    k::nchw_to_nchw16c(x.data(), b.data(), 2, C, 3, 5);
    k::nchw16c_to_nchw(b.data(), y.data(), 2, C, 3, 5);
    CHECK(x == y);
    if (C % 16)  // last block, first pixel, last lane is a padding channel: zero
      CHECK(b[static_cast<size_t>((k::round_up16(C) / 16 - 1) * 15 * 16 + 15)] == 0.0f);
  }
}

TEST_CASE("layout conversions place every value on every ISA, around the 16-pixel transpose") {
  std::mt19937 rng(5);
  // Pixel counts below, at and around multiples of 16 and of the 64-pixel tile (7x7 = 49,
  // 9x15 = 135); channel counts with and without a partial last block.
  for (k::Isa isa : k::supported_isas())
    for (int64_t C : {3, 16, 17, 40})
      for (auto hw : {std::pair<int64_t, int64_t>{1, 5}, {4, 4}, {1, 17}, {7, 7}, {9, 15}}) {
        // Plain variables, not a structured binding: CHECK_MESSAGE captures them in a lambda,
        // which clang 14 refuses for bindings.
        const int64_t H = hw.first, W = hw.second;
        const int64_t N = 2, HW = H * W, CB = k::round_up16(C) / 16;
        const auto x = netshape::test::random_floats(static_cast<size_t>(N * C * HW), rng);
        std::vector<float> b(static_cast<size_t>(N * CB * 16 * HW), -1.0f), y(x.size(), -2.0f);
        k::nchw_to_nchw16c(x.data(), b.data(), N, C, H, W, 1, isa);
        bool placed = true;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t c = 0; c < CB * 16; ++c)
            for (int64_t i = 0; i < HW; ++i) {
              const float want = c < C ? x[static_cast<size_t>((n * C + c) * HW + i)] : 0.0f;
              placed &= b[static_cast<size_t>(((n * CB + c / 16) * HW + i) * 16 + c % 16)] == want;
            }
        CHECK_MESSAGE(placed, k::isa_name(isa) << " C" << C << " " << H << "x" << W);
        k::nchw16c_to_nchw(b.data(), y.data(), N, C, H, W, 1, isa);
        CHECK_MESSAGE(x == y, k::isa_name(isa) << " C" << C << " " << H << "x" << W);
      }
}

TEST_CASE("layout conversions and blocked packing on several threads place every value") {
  // Large enough that 2 threads share the work (at least 64K floats each).
  const int64_t N = 2, C = 33, H = 45, W = 47, HW = H * W, CB = 3;
  std::mt19937 rng(4);
  const auto x = netshape::test::random_floats(static_cast<size_t>(N * C * HW), rng);
  std::vector<float> one(static_cast<size_t>(N * CB * 16 * HW), -1.0f), two(one.size(), -2.0f);
  k::nchw_to_nchw16c(x.data(), one.data(), N, C, H, W, 1);
  k::nchw_to_nchw16c(x.data(), two.data(), N, C, H, W, 2);
  CHECK(one == two);
  // Image 1, channel 32 (block 2, lane 0), pixel 2000; lane 1 of that block is padding.
  CHECK(two[static_cast<size_t>(((1 * CB + 2) * HW + 2000) * 16)] ==
        x[static_cast<size_t>((1 * C + 32) * HW + 2000)]);
  CHECK(two[static_cast<size_t>(((1 * CB + 2) * HW + 2000) * 16 + 1)] == 0.0f);
  std::vector<float> back(x.size(), -3.0f);
  k::nchw16c_to_nchw(two.data(), back.data(), N, C, H, W, 2);
  CHECK(back == x);

  const auto p = make(1, 128, 8, 8, 144, 3, 3, 1, 1);  // 9 x 8 blocks of 9 x 256 floats
  const auto w = netshape::test::random_floats(static_cast<size_t>(p.K * p.C * 9), rng);
  const auto size = static_cast<size_t>(k::packed_weights_size(p, k::Conv2dPath::Blocked));
  std::vector<float> p1(size, -1.0f), p2(size, -2.0f);
  k::pack_weights(p, k::Conv2dPath::Blocked, w.data(), p1.data(), 1);
  k::pack_weights(p, k::Conv2dPath::Blocked, w.data(), p2.data(), 2);
  CHECK(p1 == p2);
  // [KB, CB, R, S, 16i, 16o]: output 140 (block 8, lane 12), input 37 (block 2, lane 5), tap 7.
  const int64_t kb = 8, o = 12, cb = 2, i = 5, rs = 7;
  CHECK(p2[static_cast<size_t>(((kb * 8 + cb) * 9 + rs) * 256 + i * 16 + o)] ==
        w[static_cast<size_t>((140 * 128 + 37) * 9 + rs)]);
}

TEST_CASE("ISA selection") {
  CHECK(k::isa_supported(k::Isa::Scalar));
  CHECK(k::resolve_isa(k::Isa::Auto) == k::best_isa());
  CHECK(k::parse_isa("avx2") == k::Isa::Avx2);
  CHECK_THROWS(k::parse_isa("sse9"));
  MESSAGE("ISAs tested: " << k::supported_isas().size() << ", best "
                          << std::string(k::isa_name(k::best_isa())));
}

TEST_CASE("blocked conv: C x K grid with register-block tails") {
  const int64_t chans[] = {1, 3, 15, 16, 17, 32, 48};
  for (int64_t C : chans)
    for (int64_t K : chans) {
      CHECK(check_conv(make(1, C, 4, 19, K, 3, 3, 1, 1), true, static_cast<uint32_t>(C * 100 + K)));
      // Narrow rows (Q <= 7) use up to 4 output-channel blocks per strip.
      CHECK(check_conv(make(1, C, 3, 7, K * 2 + 16, 3, 3, 1, 1), false,
                       static_cast<uint32_t>(C + K)));
      if (C == 3 || C == 17)  // small/odd C through the generic blocked path as well
        CHECK(check_conv(make(1, C, 3, 9, K, 3, 3, 1, 1), false, 5, k::Conv2dPath::Blocked));
    }
}

TEST_CASE("blocked conv: width / stride / padding / dilation grid") {
  uint32_t seed = 1;
  for (int64_t W : {1, 5, 6, 7, 13, 14, 15, 29, 31})
    for (int64_t stride : {1, 2, 3})
      for (int64_t pad : {0, 1, 2})
        for (int64_t dil : {1, 2}) {
          auto p = make(1, 17, 6, W, 32, 3, 3, stride, pad, dil);
          if (p.P() < 1 || p.Q() < 1) continue;
          ++seed;
          CHECK(check_conv(p, (seed & 1) != 0, seed));
        }
}

TEST_CASE("blocked conv: groups, depthwise, first layer, relu, batch, threads") {
  // Grouped with 16-aligned groups: blocked path.
  CHECK(check_conv(make(2, 32, 5, 9, 32, 3, 3, 1, 1, 1, 2), true, 1));
  CHECK(check_conv(make(1, 48, 5, 16, 96, 3, 3, 2, 1, 1, 3, true), true, 2));
  // Grouped, not 16-aligned: reference fallback.
  CHECK(check_conv(make(1, 6, 5, 9, 4, 3, 3, 1, 1, 1, 2), true, 3));
  // Depthwise: padded channel counts, stride, dilation.
  for (int64_t C : {3, 16, 17, 48, 144})
    CHECK(check_conv(make(2, C, 7, 15, C, 3, 3, 1, 1, 1, C, true), true, static_cast<uint32_t>(C)));
  CHECK(check_conv(make(1, 32, 9, 20, 32, 5, 5, 2, 2, 2, 32), false, 4));
  CHECK(check_conv(make(1, 32, 4, 61, 32, 3, 3, 1, 1, 1, 32), true, 14));  // several wide strips
  CHECK(check_conv(make(1, 16, 4, 70, 16, 3, 3, 2, 1, 1, 16), true, 15));
  // Depthwise with a channel multiplier: reference fallback.
  CHECK(check_conv(make(1, 8, 5, 5, 16, 3, 3, 1, 1, 1, 8), false, 5));
  // First layer: 7x7 stride 2 pad 3, C = 1 and 3; forced onto a larger C too.
  CHECK(check_conv(make(2, 3, 23, 23, 20, 7, 7, 2, 3), true, 6));
  CHECK(check_conv(make(1, 1, 12, 12, 32, 5, 5), true, 7));
  CHECK(check_conv(make(1, 17, 9, 9, 16, 3, 3, 1, 1, 1, 1, true), true, 8,
                   k::Conv2dPath::FirstLayer));
  // 1x1 and non-square kernels, relu, asymmetric stride/pad.
  CHECK(check_conv(make(2, 64, 6, 30, 48, 1, 1, 1, 0, 1, 1, true), true, 9));
  auto p = make(1, 20, 11, 26, 33, 2, 5, 1, 0, 1);
  p.stride_h = 2, p.pad_w = 2, p.dilation_h = 2;
  CHECK(check_conv(p, true, 10));
  // Several threads (layers big enough that the kernel really uses them: it caps the
  // thread count at ~2 MFLOP per thread), including more threads than work items.
  CHECK(
      check_conv(make(2, 32, 9, 31, 48, 3, 3, 1, 1, 1, 1, true), true, 11, k::Conv2dPath::Auto, 3));
  CHECK(check_conv(make(2, 32, 12, 30, 48, 3, 3, 1, 1), true, 16, k::Conv2dPath::Auto, 4));
  CHECK(check_conv(make(2, 64, 32, 64, 64, 3, 3, 1, 1, 1, 64), true, 17, k::Conv2dPath::Auto, 2));
  CHECK(check_conv(make(1, 3, 40, 40, 64, 5, 5, 1, 2), true, 18, k::Conv2dPath::Auto, 3));
  CHECK(check_conv(make(1, 3, 5, 5, 16, 3, 3), true, 12, k::Conv2dPath::Auto, 64));
  CHECK(check_conv(make(1, 16, 6, 9, 16, 3, 3, 1, 1, 1, 16), true, 13, k::Conv2dPath::Auto, 4));
}

TEST_CASE("blocked conv: randomized sweep (fixed seed)") {
  std::mt19937 rng(20240611);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int tested = 0;
  for (int i = 0; i < 60; ++i) {
    k::Conv2dParams p;
    const int kind = static_cast<int>(pick(0, 3));  // 0,1 dense; 2 grouped; 3 depthwise
    p.groups = kind == 2 ? pick(1, 3) : 1;
    p.C = kind == 3 ? pick(1, 40) : (kind == 2 ? 16 * p.groups * pick(1, 2) : pick(1, 40));
    p.K = kind == 3 ? p.C : (kind == 2 ? 16 * p.groups * pick(1, 2) : pick(1, 40));
    if (kind == 3) p.groups = p.C;
    p.N = pick(1, 2);
    p.H = pick(1, 12);
    p.W = pick(1, 33);
    p.R = pick(1, 5);
    p.S = pick(1, 5);
    p.stride_h = pick(1, 3), p.stride_w = pick(1, 3);
    p.pad_h = pick(0, 2), p.pad_w = pick(0, 2);
    p.dilation_h = pick(1, 2), p.dilation_w = pick(1, 2);
    p.fuse_relu = pick(0, 1) != 0;
    if (p.P() < 1 || p.Q() < 1) continue;
    ++tested;
    CHECK(check_conv(p, pick(0, 1) != 0, static_cast<uint32_t>(i), k::Conv2dPath::Auto,
                     static_cast<int>(pick(1, 3))));
  }
  CHECK(tested > 30);
}

TEST_CASE("concurrent callers of the threaded kernel") {
  // The kernel's thread pool serves one caller at a time; others fall back to plain
  // threads. Several callers at once must all get correct results.
  auto p = make(2, 32, 12, 30, 48, 3, 3, 1, 1);
  std::mt19937 rng(99);
  const auto in = netshape::test::random_floats(static_cast<size_t>(p.N * p.C * p.H * p.W), rng);
  const auto w = netshape::test::random_floats(static_cast<size_t>(p.K * p.C * p.R * p.S), rng);
  const size_t out_size = static_cast<size_t>(p.N * p.K * p.P() * p.Q());
  std::vector<float> want(out_size);
  k::conv2d_reference(p, in.data(), w.data(), want.data());
  const k::PackedConv2d conv(p, w.data(), nullptr);
  std::vector<std::vector<float>> got(3, std::vector<float>(out_size));
  std::vector<std::thread> callers;
  for (size_t t = 0; t < got.size(); ++t)
    callers.emplace_back([&, t] {
      for (int rep = 0; rep < 4; ++rep) conv.run(in.data(), got[t].data(), 2);
    });
  for (auto& c : callers) c.join();
  for (const auto& g : got) CHECK(k::max_relative_error(g, want) < 1e-4);
}

TEST_CASE("conv2d_nchw16c_direct rejects unsupported paths") {
  auto p = make(1, 6, 5, 5, 4, 3, 3, 1, 1, 1, 2);
  std::vector<float> w(100), x(1000), y(1000);
  CHECK_THROWS(
      k::conv2d_nchw16c_direct(p, k::Conv2dPath::Blocked, x.data(), w.data(), y.data(), 1));
  CHECK_THROWS(k::PackedConv2d(p, w.data(), nullptr, k::Isa::Scalar, k::Conv2dPath::Depthwise));
}
