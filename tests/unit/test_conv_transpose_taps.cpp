// Tests for the optimised transposed convolution (conv_transpose_taps): hand-computed values and
// agreement with conv_transpose_reference (double accumulation) on every ISA the CPU supports,
// over grids of channels around the register blocks (4, 6 and 8 output channels), pixel counts
// around the tiles (16 and 48 pixels) and panels, and every geometry parameter; and the
// executor's ConvTranspose2d (which runs it) against the reference.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "netshape/exec.hpp"
#include "netshape/kernels/conv.hpp"
#include "netshape/kernels/cpu.hpp"
#include "test_helpers.hpp"

namespace k = netshape::kernels;

namespace {

std::string describe(const k::ConvTransposeNdParams& p) {
  std::ostringstream os;
  auto axes = [&](const char* name, const std::array<int64_t, 3>& a) {
    os << " " << name << a[0] << "," << a[1] << "," << a[2];
  };
  os << "N" << p.N << " C" << p.C << " K" << p.K << " g" << p.groups;
  axes("in", p.in);
  axes("k", p.kernel);
  axes("s", p.stride);
  axes("p", p.pad);
  axes("op", p.output_padding);
  axes("d", p.dilation);
  os << (p.bias ? " bias" : "") << (p.fuse_relu ? " relu" : "");
  return os.str();
}

int64_t elements(int64_t n, int64_t c, const std::array<int64_t, 3>& sp) {
  return n * c * sp[0] * sp[1] * sp[2];
}

// The largest relative error of conv_transpose_taps against the reference over every supported
// ISA (threads 1 and 3), reported when it reaches `tolerance`; the output starts as NaN so an
// output the kernel skips shows up.
double worst_error(k::ConvTransposeNdParams p, bool with_bias, uint32_t seed,
                   double tolerance = 1e-5) {
  std::mt19937 rng(seed);
  const auto x = netshape::test::random_floats(static_cast<size_t>(elements(p.N, p.C, p.in)), rng);
  const auto w = netshape::test::random_floats(
      static_cast<size_t>(p.C * (p.K / p.groups) * p.kernel[0] * p.kernel[1] * p.kernel[2]), rng);
  const auto bias = netshape::test::random_floats(static_cast<size_t>(p.K), rng);
  p.bias = with_bias ? bias.data() : nullptr;
  const size_t out_size = static_cast<size_t>(elements(p.N, p.K, p.out()));
  std::vector<float> want(out_size);
  k::conv_transpose_reference(p, x.data(), w.data(), want.data());
  double worst = 0;
  for (k::Isa isa : k::supported_isas())
    for (int threads : {1, 3}) {
      std::vector<float> got(out_size, std::numeric_limits<float>::quiet_NaN());
      k::conv_transpose_taps(p, x.data(), w.data(), got.data(), threads, isa);
      double err = k::max_relative_error(got, want);
      for (float v : got)
        if (std::isnan(v)) err = std::numeric_limits<double>::infinity();
      if (err >= tolerance)
        FAIL_CHECK(describe(p) << " isa=" << std::string(k::isa_name(isa)) << " threads=" << threads
                               << " max rel err=" << err);
      worst = std::max(worst, err);
    }
  return worst;
}

k::ConvTransposeNdParams make2d(int64_t C, int64_t K, int64_t H, int64_t W, int64_t kernel,
                                int64_t stride, int64_t pad = 0, int64_t out_pad = 0,
                                int64_t dil = 1, int64_t groups = 1, bool relu = false) {
  k::ConvTransposeNdParams p;
  p.C = C, p.K = K, p.groups = groups, p.fuse_relu = relu;
  p.in = {1, H, W};
  p.kernel = {1, kernel, kernel};
  p.stride = {1, stride, stride};
  p.pad = {0, pad, pad};
  p.output_padding = {0, out_pad, out_pad};
  p.dilation = {1, dil, dil};
  return p;
}

}  // namespace

TEST_CASE("conv transpose taps: hand-computed cases on every ISA") {
  for (k::Isa isa : k::supported_isas()) {
    CAPTURE(std::string(k::isa_name(isa)));
    // 1-D [1, 2] with kernel [1, 1, 1], stride 2: 1 at 0..2, 2 at 2..4 -> [1, 1, 3, 2, 2].
    k::ConvTransposeNdParams p;
    p.in = {1, 1, 2};
    p.kernel = {1, 1, 3};
    p.stride = {1, 1, 2};
    const float x[] = {1, 2}, w[] = {1, 1, 1};
    float y[6];
    k::conv_transpose_taps(p, x, w, y, 1, isa);
    const float want[] = {1, 1, 3, 2, 2};
    for (int i = 0; i < 5; ++i) CHECK(y[i] == want[i]);
    // padding 1 drops the first and last output; output_padding 1 adds a zero at the end.
    p.pad = {0, 0, 1};
    k::conv_transpose_taps(p, x, w, y, 1, isa);
    CHECK(y[0] == 1);
    CHECK(y[1] == 3);
    CHECK(y[2] == 2);
    p.pad = {0, 0, 0};
    p.output_padding = {0, 0, 1};
    k::conv_transpose_taps(p, x, w, y, 1, isa);
    const float want_op[] = {1, 1, 3, 2, 2, 0};
    for (int i = 0; i < 6; ++i) CHECK(y[i] == want_op[i]);
    // 2-D [[1, 2], [3, 4]], 2x2 kernel of ones, stride 1, bias -4.5, fused ReLU:
    // [[1, 3, 2], [4, 10, 6], [3, 7, 4]] - 4.5, negatives to 0.
    k::ConvTransposeNdParams q;
    q.in = {1, 2, 2};
    q.kernel = {1, 2, 2};
    q.fuse_relu = true;
    const float b = -4.5f;
    q.bias = &b;
    const float x2[] = {1, 2, 3, 4}, w2[] = {1, 1, 1, 1};
    float y2[9];
    k::conv_transpose_taps(q, x2, w2, y2, 1, isa);
    const float want2[] = {0, 0, 0, 0, 5.5f, 1.5f, 0, 2.5f, 0};
    for (int i = 0; i < 9; ++i) CHECK(y2[i] == want2[i]);
    // U-Net's up-convolution: 2x2 kernel, stride 2, 2 -> 1 channels: every output gets one
    // tap, out[2i + a][2j + b] = x0[i][j] w0[a][b] + x1[i][j] w1[a][b].
    k::ConvTransposeNdParams u;
    u.C = 2;
    u.in = {1, 1, 1};
    u.kernel = {1, 2, 2};
    u.stride = {1, 2, 2};
    const float xu[] = {2, -1}, wu[] = {1, 2, 3, 4, 10, 20, 30, 40};
    float yu[4];
    k::conv_transpose_taps(u, xu, wu, yu, 1, isa);
    const float want_u[] = {2 - 10, 4 - 20, 6 - 30, 8 - 40};
    for (int i = 0; i < 4; ++i) CHECK(yu[i] == want_u[i]);
  }
}

TEST_CASE("conv transpose taps: input x output channel grid around the register blocks") {
  const int64_t chans[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 33};
  for (int64_t C : chans)
    for (int64_t K : chans)
      CHECK(worst_error(make2d(C, K, 5, 7, 3, 2, 1, 1), (C + K) % 2 == 0,
                        static_cast<uint32_t>(C * 100 + K)) < 1e-5);
}

TEST_CASE("conv transpose taps: stride x kernel x padding x output_padding x dilation grid") {
  uint32_t seed = 1;
  for (int64_t stride = 1; stride <= 3; ++stride)
    for (int64_t kernel = 1; kernel <= 4; ++kernel)
      for (int64_t pad = 0; pad <= 2; ++pad)
        for (int64_t dil = 1; dil <= 2; ++dil)
          for (int64_t out_pad = 0; out_pad < std::max(stride, dil); ++out_pad) {
            auto p = make2d(5, 9, 7, 9, kernel, stride, pad, out_pad, dil, 1, seed % 2 == 0);
            const auto o = p.out();
            if (o[1] < 1 || o[2] < 1) continue;
            CHECK(worst_error(p, seed % 3 != 0, seed) < 1e-5);
            ++seed;
          }
  CHECK(seed > 100);
}

TEST_CASE("conv transpose taps: pixel counts around the tiles and several panels") {
  // Flattened input pixels around 16 (scalar, AVX2 tile) and 48 (AVX-512 tile).
  for (int64_t W : {1, 15, 16, 17, 47, 48, 49, 97})
    CHECK(worst_error(make2d(3, 10, 1, W, 2, 2), true, static_cast<uint32_t>(W)) < 1e-5);
  for (int64_t H : {1, 3, 6, 7})
    CHECK(worst_error(make2d(9, 8, H, 8, 3, 1, 1), false, static_cast<uint32_t>(H)) < 1e-5);
  // 64 input channels x 3001 pixels: a packed panel holds 192 KiB, so several panels.
  k::ConvTransposeNdParams long1d;
  long1d.C = 64, long1d.K = 17;
  long1d.in = {1, 1, 3001};
  long1d.kernel = {1, 1, 4};
  long1d.stride = {1, 1, 3};
  long1d.pad = {0, 0, 2};
  CHECK(worst_error(long1d, true, 5) < 1e-5);
}

TEST_CASE("conv transpose taps: groups, batch, 1-D and 3-D") {
  CHECK(worst_error(make2d(6, 4, 5, 7, 3, 2, 1, 1, 1, 2), true, 1) < 1e-5);
  CHECK(worst_error(make2d(34, 18, 5, 6, 2, 2, 0, 0, 1, 2, true), true, 2) < 1e-5);
  CHECK(worst_error(make2d(8, 8, 5, 5, 3, 2, 1, 1, 2, 8), true, 3) < 1e-5);    // depthwise
  CHECK(worst_error(make2d(4, 12, 4, 5, 3, 1, 0, 0, 1, 4), false, 4) < 1e-5);  // multiplier 3
  auto batched = make2d(7, 9, 3, 5, 3, 2, 1, 1, 2);
  batched.N = 3;
  CHECK(worst_error(batched, true, 5) < 1e-5);
  // 1-D: ConvTranspose1d(7, 5, 5, stride=3, padding=2, output_padding=1, dilation=2), batch 2.
  k::ConvTransposeNdParams one;
  one.N = 2, one.C = 7, one.K = 5;
  one.in = {1, 1, 13};
  one.kernel = {1, 1, 5};
  one.stride = {1, 1, 3};
  one.pad = {0, 0, 2};
  one.output_padding = {0, 0, 1};
  one.dilation = {1, 1, 2};
  CHECK(worst_error(one, true, 6) < 1e-5);
  // 3-D: different kernel, stride, padding, output_padding and dilation per axis, 2 groups.
  k::ConvTransposeNdParams three;
  three.N = 2, three.C = 6, three.K = 10, three.groups = 2, three.fuse_relu = true;
  three.in = {3, 4, 5};
  three.kernel = {2, 3, 2};
  three.stride = {2, 1, 3};
  three.pad = {1, 1, 0};
  three.output_padding = {1, 0, 2};
  three.dilation = {1, 2, 1};
  CHECK(worst_error(three, true, 7) < 1e-5);
  three.fuse_relu = false;
  three.groups = 1;
  three.kernel = {3, 1, 4};
  CHECK(worst_error(three, false, 8) < 1e-5);
}

TEST_CASE("conv transpose taps: many taps that each land on few inputs") {
  // A kernel as long as the input and a padding that leaves 19 outputs: each of the 3000 taps
  // lands on about 19 inputs, so the kernel visits, tap by tap, only the tiles those are in
  // (run_sparse) instead of 3000 taps x every tile. Each output sums thousands of products,
  // added tap by tap in float (the reference: in double), hence the 1e-4 of the parity tests.
  k::ConvTransposeNdParams p;
  p.C = 3, p.K = 5;
  p.in = {1, 1, 3000};
  p.kernel = {1, 1, 3000};
  p.pad = {0, 0, 2990};
  REQUIRE(p.out()[2] == 19);
  CHECK(worst_error(p, true, 1, 1e-4) < 1e-4);
  // 2-D: 5 x 800 input, 3 x 800 kernel, padding (1, 795): a 5 x 9 output.
  k::ConvTransposeNdParams q;
  q.C = 2, q.K = 9;
  q.in = {1, 5, 800};
  q.kernel = {1, 3, 800};
  q.pad = {0, 1, 795};
  REQUIRE(q.out() == std::array<int64_t, 3>{1, 5, 9});
  CHECK(worst_error(q, false, 2, 1e-4) < 1e-4);
  // 200,000 taps over 200,000 inputs: visiting every (tap, tile) pair would be 8e8 steps; the
  // sparse walk is about 4e5 (this case takes milliseconds).
  k::ConvTransposeNdParams r;
  r.in = {1, 1, 200000};
  r.kernel = {1, 1, 200000};
  r.pad = {0, 0, 199990};
  REQUIRE(r.out()[2] == 19);
  CHECK(worst_error(r, true, 3, 1e-4) < 1e-4);
}

TEST_CASE("conv transpose taps: several threads share images, groups and channel blocks") {
  // Big enough (> 2 MFLOP per thread) that 3 threads are used: one image and group, so the
  // output-channel blocks are split into chunks; then 3 images x 2 groups; then the sparse walk.
  CHECK(worst_error(make2d(64, 40, 20, 24, 3, 2, 1, 1), true, 1) < 1e-5);
  auto grouped = make2d(32, 34, 9, 13, 4, 3, 2, 2, 1, 2, true);
  grouped.N = 3;
  CHECK(worst_error(grouped, true, 2) < 1e-5);
  k::ConvTransposeNdParams sparse;
  sparse.N = 2, sparse.C = 8, sparse.K = 24;
  sparse.in = {1, 1, 3000};
  sparse.kernel = {1, 1, 3000};
  sparse.pad = {0, 0, 2990};
  CHECK(worst_error(sparse, true, 3, 1e-4) < 1e-4);
  // The memory guard's bound grows with the threads' panels, up to one thread per block.
  const auto one = k::conv_transpose_taps_scratch_bytes(make2d(64, 40, 20, 24, 3, 2), 1);
  const auto four = k::conv_transpose_taps_scratch_bytes(make2d(64, 40, 20, 24, 3, 2), 4);
  REQUIRE(one.has_value());
  REQUIRE(four.has_value());
  CHECK(*four > *one);
}

TEST_CASE("conv transpose taps: seeded random sweep") {
  std::mt19937 rng(20261130);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int tested = 0;
  for (int i = 0; i < 60; ++i) {
    k::ConvTransposeNdParams p;
    p.groups = pick(1, 3);
    p.C = p.groups * pick(1, 12);
    p.K = p.groups * pick(1, 12);
    p.N = pick(1, 2);
    const int rank = static_cast<int>(pick(1, 3));
    for (size_t a = static_cast<size_t>(3 - rank); a < 3; ++a) {
      p.in[a] = pick(1, rank == 1 ? 40 : 7);
      p.kernel[a] = pick(1, 4);
      p.stride[a] = pick(1, 3);
      p.dilation[a] = pick(1, 2);
      p.pad[a] = pick(0, 2);
      p.output_padding[a] = pick(0, std::max(p.stride[a], p.dilation[a]) - 1);
    }
    p.fuse_relu = pick(0, 1) != 0;
    const auto o = p.out();
    if (o[0] < 1 || o[1] < 1 || o[2] < 1) continue;
    ++tested;
    CHECK(worst_error(p, pick(0, 1) != 0, static_cast<uint32_t>(i)) < 1e-5);
  }
  CHECK(tested > 40);
}

TEST_CASE("conv transpose taps: refusals and scratch bytes") {
  std::vector<float> x(64), w(64), y(256);
  auto grouped = make2d(6, 4, 2, 2, 2, 2);
  grouped.groups = 4;  // does not divide C = 6
  CHECK_THROWS_AS(k::conv_transpose_taps(grouped, x.data(), w.data(), y.data(), 1),
                  std::invalid_argument);
  auto big_op = make2d(1, 1, 2, 2, 2, 2, 0, 2);  // output_padding 2 >= stride 2 and dilation 1
  CHECK_THROWS_AS(k::conv_transpose_taps(big_op, x.data(), w.data(), y.data(), 1),
                  std::invalid_argument);
  auto empty = make2d(1, 1, 1, 1, 1, 1, 1);  // 1 - 2 * 1 = -1 outputs
  CHECK_THROWS_AS(k::conv_transpose_taps(empty, x.data(), w.data(), y.data(), 1),
                  std::invalid_argument);
  // Scalar blocking (4 channels x 16 pixels), C 8 -> K 6 in 2 groups, 2x2 kernel, 4x4 input:
  // packed weights 2 groups x 1 block x 4 taps x 4 channels x 4 = 128 floats, one panel of one
  // tile 4 x 16 = 64 floats, Y 4 x 16 = 64 floats: 1024 bytes, plus the tap plan.
  auto small = make2d(8, 6, 4, 4, 2, 2, 0, 0, 1, 2);
  const auto bytes = k::conv_transpose_taps_scratch_bytes(small, 1, k::Isa::Scalar);
  REQUIRE(bytes.has_value());
  CHECK(*bytes >= 1024);
  CHECK(*bytes < 1024 + 2048);
}

namespace {

const netshape::Tensor& named(const std::vector<std::pair<std::string, netshape::Tensor>>& list,
                              const std::string& name) {
  for (const auto& [n, t] : list)
    if (n == name) return t;
  FAIL("no tensor " << name);
  return list.front().second;
}

}  // namespace

TEST_CASE("conv transpose taps: the executor's ConvTranspose2d equals the reference") {
  // Grouped, strided, padded, output_padding; followed by its only reader, a ReLU.
  auto m = netshape::test::check_ns(
      "input x: [2, 6, 5, 7]\nup = ConvTranspose2d(6, 10, 3, stride=2, padding=1, "
      "output_padding=1, groups=2)\nr = ReLU()\n");
  REQUIRE(m.exit == netshape::ExitCode::Ok);
  netshape::ExecOptions fused, kept;
  kept.keep_outputs = true;  // keeps every tensor (and turns the ReLU fusion off)
  const netshape::ExecResult a = netshape::execute(m.analysis, fused);
  const netshape::ExecResult b = netshape::execute(m.analysis, kept);
  REQUIRE(a.match);
  REQUIRE(b.match);
  k::ConvTransposeNdParams p;
  p.N = 2, p.C = 6, p.K = 10, p.groups = 2;
  p.in = {1, 5, 7};
  p.kernel = {1, 3, 3};
  p.stride = {1, 2, 2};
  p.pad = {0, 1, 1};
  p.output_padding = {0, 1, 1};
  p.bias = named(b.weights, "up.bias").data.data();
  REQUIRE(p.out() == std::array<int64_t, 3>{1, 10, 14});
  std::vector<float> want(2 * 10 * 10 * 14);
  k::conv_transpose_reference(p, named(b.inputs, "x").data.data(),
                              named(b.weights, "up.weight").data.data(), want.data());
  const auto& up = named(b.outputs, "up");
  CHECK(up.shape == std::vector<int64_t>{2, 10, 10, 14});
  CHECK(k::max_relative_error(up.data, want) < 1e-5);
  CHECK(std::any_of(want.begin(), want.end(), [](float v) { return v < 0; }));
  // The ReLU fused into the kernel gives what the separate ReLU gives.
  for (float& v : want) v = std::max(v, 0.0f);
  CHECK(k::max_relative_error(a.model_outputs.at(0).second.data, want) < 1e-5);
  CHECK(k::max_relative_error(b.model_outputs.at(0).second.data, want) < 1e-5);
}
