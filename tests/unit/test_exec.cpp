// The executor proves the inferred shapes: every shipped model that checks clean runs with every
// layer's actual shape equal to inference's, and reference forwards compute the right numbers.
#include <cmath>
#include <filesystem>
#include <limits>

#include "forward_helpers.hpp"
#include "netshape/kernels/conv.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::arange;
using netshape::test::check_ns;
using netshape::test::forward_of;

TEST_CASE("run: every clean model in models/ matches inference layer by layer") {
  int ran = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(NETSHAPE_SOURCE_DIR) + "/models")) {
    if (e.path().extension() != ".ns") continue;
    std::string err;
    auto src = read_source(e.path().string(), err);
    REQUIRE(src);
    LoadedModel m;
    m.source = *src;
    load_model(m, {});
    if (m.exit != ExitCode::Ok) continue;
    ExecOptions o;
    o.threads = 2;
    o.batch = 2;
    ExecResult r = execute(m.analysis, o);
    INFO(e.path().filename().string() << ": " << r.error);
    CHECK(r.match);
    CHECK(r.layers.size() == m.analysis.layers.size());
    ++ran;
  }
  CHECK(ran >= 5);
}

TEST_CASE("run: reference forwards compute known values") {
  // All-positive input in [-1, 1] through relu/maxpool: relu output is non-negative.
  auto m = check_ns(
      "input x: [1, 2, 4, "
      "4]\nrelu()\nMaxPool2d(2)\nadaptive_avg_pool2d(1)\nflatten(1)\nsoftmax(dim=1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions o;
  o.keep_outputs = true;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  const Tensor& x = r.inputs[0].second;
  const Tensor& relu = r.outputs[0].second;
  for (size_t i = 0; i < x.data.size(); ++i)
    CHECK(relu.data[i] == doctest::Approx(std::max(0.0f, x.data[i])));
  const Tensor& pool = r.outputs[1].second;
  float top_left = std::max({relu.data[0], relu.data[1], relu.data[4], relu.data[5]});
  CHECK(pool.data[0] == doctest::Approx(top_left));
  const Tensor& avg = r.outputs[2].second;
  CHECK(avg.data[0] ==
        doctest::Approx((pool.data[0] + pool.data[1] + pool.data[2] + pool.data[3]) / 4));
  const Tensor& sm = r.outputs[4].second;
  CHECK(sm.data[0] + sm.data[1] == doctest::Approx(1.0f));
}

TEST_CASE("run: convolutions on reused buffers compute the reference convolution") {
  // Three convolutions of one shape: the later ones run on the packed weights and NCHW16c
  // buffers the earlier ones freed (stale contents), on 2 threads; each output must still be
  // the naive reference convolution of its kept input and weights.
  ExecResult r = netshape::test::run_kept(
      "input x: [2, 20, 9, 11]\nc1 = Conv2d(20, 20, 3, padding=1)\nc2 = Conv2d(20, 20, 3, "
      "padding=1)\nc3 = Conv2d(20, 20, 3, padding=1)\nc4 = Conv2d(20, 20, 3, padding=1)\n");
  const Tensor* in = &r.inputs.at(0).second;
  for (size_t layer = 0; layer < 4; ++layer) {
    kernels::Conv2dParams p;
    p.N = 2, p.C = 20, p.H = 9, p.W = 11, p.K = 20, p.R = p.S = 3, p.pad_h = p.pad_w = 1;
    p.bias = r.weights.at(2 * layer + 1).second.data.data();
    const Tensor& w = r.weights.at(2 * layer).second;
    CHECK(r.weights.at(2 * layer).first == "c" + std::to_string(layer + 1) + ".weight");
    std::vector<float> want(static_cast<size_t>(2 * 20 * 9 * 11));
    kernels::conv2d_reference(p, in->data.data(), w.data.data(), want.data());
    const Tensor& got = r.outputs.at(layer).second;
    CHECK(kernels::max_relative_error(got.data, want) < 1e-5);
    in = &got;
  }
}

TEST_CASE("run: Linear forward is x W^T + b") {
  auto m = check_ns("input x: [1, 3]\nfc = Linear(3, 2)\n");
  ExecOptions o;
  o.keep_outputs = true;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  const auto& x = r.inputs[0].second.data;
  const auto& w = r.weights[0].second.data;
  const auto& b = r.weights[1].second.data;
  const auto& y = r.outputs[0].second.data;
  for (int o2 = 0; o2 < 2; ++o2)
    CHECK(y[o2] ==
          doctest::Approx(b[o2] + x[0] * w[o2 * 3] + x[1] * w[o2 * 3 + 1] + x[2] * w[o2 * 3 + 2]));
}

TEST_CASE("run: Linear with several rows, a tail of features and two threads is x W^T + b") {
  // 300 features: 18 blocks of 16 and a tail of 12; 500 x 300 weights are enough for 2 threads.
  ExecResult r = netshape::test::run_kept("input x: [3, 300]\nfc = Linear(300, 500)\n");
  const auto& x = r.inputs[0].second.data;
  const auto& w = r.weights[0].second.data;
  const auto& b = r.weights[1].second.data;
  const auto& y = r.outputs[0].second.data;
  REQUIRE(y.size() == 1500);
  double worst = 0;
  for (size_t row = 0; row < 3; ++row)
    for (size_t f = 0; f < 500; ++f) {
      double want = b[f];  // in double: the serial sum's rounding is not the truth either
      for (size_t i = 0; i < 300; ++i)
        want += static_cast<double>(x[row * 300 + i]) * w[f * 300 + i];
      worst = std::max(worst, std::abs(y[row * 500 + f] - want) / std::max(1.0, std::abs(want)));
    }
  CHECK(worst < 1e-5);
}

TEST_CASE("run: a symbolic batch binds to --batch, weights are deterministic per seed") {
  auto m = check_ns("input x: [B, 3, 8, 8]\nConv2d(3, 4, 3)\nflatten(1)\n");
  ExecOptions o;
  o.batch = 3;
  o.keep_outputs = true;
  ExecResult a = execute(m.analysis, o), b = execute(m.analysis, o);
  REQUIRE(a.match);
  CHECK(a.layers[1].actual == std::vector<int64_t>{3, 144});
  CHECK(a.outputs[1].second.data == b.outputs[1].second.data);
  o.seed = 7;
  ExecResult c = execute(m.analysis, o);
  CHECK(a.outputs[1].second.data != c.outputs[1].second.data);
}

TEST_CASE("run: a conv followed by its ReLU is fused in the kernel with the same result") {
  auto m = check_ns(
      "input x: [2, 20, 9, 11]\nc = Conv2d(20, 33, 3, padding=1)\nr = ReLU()\nc2 = Conv2d(33, 16, "
      "3)\nrelu()\nflatten(1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions fused, unfused;
  fused.threads = unfused.threads = 2;
  unfused.keep_outputs = true;  // keeping every layer's output turns fusion off
  ExecResult a = execute(m.analysis, fused), b = execute(m.analysis, unfused);
  REQUIRE(a.match);
  REQUIRE(b.match);
  const auto& ya = a.model_outputs.at(0).second.data;
  const auto& yb = b.model_outputs.at(0).second.data;
  REQUIRE(ya.size() == yb.size());
  for (size_t i = 0; i < ya.size(); ++i) CHECK(ya[i] == doctest::Approx(yb[i]).epsilon(1e-5));
  // The unfused conv output has negatives; after the ReLU none are left.
  CHECK(std::any_of(b.outputs[0].second.data.begin(), b.outputs[0].second.data.end(),
                    [](float v) { return v < 0; }));
}

// Expected values: PyTorch 1.13 on the same arange inputs (e.g. x = torch.arange(24.).reshape(2,
// 3, 4); x.permute(2, 0, 1)), printed flat.
TEST_CASE(
    "run: permute, narrow, slice, flip, roll, cumsum, select, expand, repeat: PyTorch's values") {
  Tensor x = arange({2, 3, 4});
  Tensor p = forward_of("input x: [2, 3, 4]\npermute(2, 0, 1)\n", forward_permute, {x});
  CHECK(p.shape == std::vector<int64_t>{4, 2, 3});
  CHECK(p.data == std::vector<float>{0, 4, 8,  12, 16, 20, 1, 5, 9,  13, 17, 21,
                                     2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23});
  Tensor n = forward_of("input x: [2, 3, 4]\nnarrow(2, -3, 2)\n", forward_narrow, {x});
  CHECK(n.data == std::vector<float>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22});
  // torch.ops.aten.slice(x, 2, 1, None, 2) and (x, -1, None, None, 3)
  Tensor sl = forward_of("input x: [2, 3, 4]\nslice(2, 1, None, 2)\n", forward_slice, {x});
  CHECK(sl.shape == std::vector<int64_t>{2, 3, 2});
  CHECK(sl.data == std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  Tensor every3 = forward_of("input x: [2, 3, 4]\nslice(-1, step=3)\n", forward_slice, {x});
  CHECK(every3.data == std::vector<float>{0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23});
  // x.flip(2, 0) of torch.arange(24.).view(2, 3, 4)
  Tensor f = forward_of("input x: [2, 3, 4]\nflip(2, 0)\n", forward_flip, {x});
  CHECK(f.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(f.data == std::vector<float>{15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20,
                                     3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8});
  CHECK(forward_of("input x: [2, 3, 4]\nflip([])\n", forward_flip, {x}).data == x.data);
  // x.roll(1, 2), x.roll((1, -1), (0, 1)), x.roll(5) (flattened), as PyTorch 1.13 gives them
  CHECK(forward_of("input x: [2, 3, 4]\nroll(1, 2)\n", forward_roll, {x}).data ==
        std::vector<float>{3,  0,  1,  2,  7,  4,  5,  6,  11, 8,  9,  10,
                           15, 12, 13, 14, 19, 16, 17, 18, 23, 20, 21, 22});
  CHECK(forward_of("input x: [2, 3, 4]\nroll((1, -1), (0, 1))\n", forward_roll, {x}).data ==
        std::vector<float>{16, 17, 18, 19, 20, 21, 22, 23, 12, 13, 14, 15,
                           4,  5,  6,  7,  8,  9,  10, 11, 0,  1,  2,  3});
  CHECK(forward_of("input x: [2, 3, 4]\nroll(5)\n", forward_roll, {x}).data ==
        std::vector<float>{19, 20, 21, 22, 23, 0,  1,  2,  3,  4,  5,  6,
                           7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18});
  // x.cumsum(1), x.cumsum(-1), x.cumprod(0)
  CHECK(forward_of("input x: [2, 3, 4]\ncumsum(1)\n", forward_cumulative, {x}).data ==
        std::vector<float>{0,  1,  2,  3,  4,  6,  8,  10, 12, 15, 18, 21,
                           12, 13, 14, 15, 28, 30, 32, 34, 48, 51, 54, 57});
  CHECK(forward_of("input x: [2, 3, 4]\ncumsum(-1)\n", forward_cumulative, {x}).data ==
        std::vector<float>{0,  1,  3,  6,  4,  9,  15, 22, 8,  17, 27, 38,
                           12, 25, 39, 54, 16, 33, 51, 70, 20, 41, 63, 86});
  CHECK(forward_of("input x: [2, 3, 4]\ncumprod(0)\n", forward_cumulative, {x}).data ==
        std::vector<float>{0, 1,  2,  3,  4,  5,  6,   7,   8,   9,   10,  11,
                           0, 13, 28, 45, 64, 85, 108, 133, 160, 189, 220, 253});
  // x[:, [2, 0, 2]] and x[..., [-1, 1]] of torch.arange(24.).view(2, 3, 4)
  Tensor ix = forward_of("input x: [2, 3, 4]\nindex(1, [2, 0, 2])\n", forward_index, {x});
  CHECK(ix.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(ix.data == std::vector<float>{8,  9,  10, 11, 0,  1,  2,  3,  8,  9,  10, 11,
                                      20, 21, 22, 23, 12, 13, 14, 15, 20, 21, 22, 23});
  CHECK(forward_of("input x: [2, 3, 4]\nindex(-1, [-1, 1])\n", forward_index, {x}).data ==
        std::vector<float>{3, 1, 7, 5, 11, 9, 15, 13, 19, 17, 23, 21});
  Tensor s = forward_of("input x: [2, 3, 4]\nselect(1, -1)\n", forward_select, {x});
  CHECK(s.shape == std::vector<int64_t>{2, 4});
  CHECK(s.data == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});
  Tensor e = forward_of("input x: [3, 1]\nexpand(2, -1, 4)\n", forward_expand, {arange({3, 1})});
  CHECK(e.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(e.data ==
        std::vector<float>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  Tensor r = forward_of("input x: [2, 3]\nrepeat(2, 1, 2)\n", forward_repeat, {arange({2, 3})});
  CHECK(r.shape == std::vector<int64_t>{2, 2, 6});
  CHECK(r.data ==
        std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
}

// A grid far outside the input (1e30, infinite, NaN: what huge affine matrices make) reads
// nothing outside it: zeros padding gives 0 where the position is finite, border padding the
// edge (PyTorch 1.13 gives 0 and 5 for x = arange(6).reshape(1, 1, 2, 3) at (1e30, 1e30)).
// PyTorch 1.13: its 2-D kernel (vectorised) clips NaN to 0 and lets a NaN weight through, its 3-D
// one rounds nearest halves away from zero: F.grid_sample(torch.arange(1, 17.).view(1, 1, 4, 4),
// [[[[nan, 0]]]]) is 7 (border, bilinear), 9 (border, nearest), nan (zeros, bilinear); the
// identity grid of (1, 1, 2, 2, 2) on torch.arange(64.).view(1, 1, 4, 4, 4), nearest, picks
// 21, 23, 29, 31, 53, 55, 61, 63.
TEST_CASE("run: grid_sample's edges as PyTorch's 2-D and 3-D kernels treat them") {
  Tensor x = arange({1, 1, 4, 4}, 1.0f);
  float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor grid{{1, 1, 1, 2}, {nan, 0.0f}};
  auto sample = [&](const char* mode, const char* padding) {
    std::string call =
        fmt::format("grid_sample(x, g, mode='{}', padding_mode='{}')", mode, padding);
    return forward_of("input x: [1, 1, 4, 4]\ninput g: [1, 1, 1, 2]\n" + call + "\n",
                      forward_grid_sample, {x, grid})
        .data[0];
  };
  CHECK(sample("bilinear", "border") == 7.0f);
  CHECK(sample("nearest", "border") == 9.0f);
  CHECK(sample("bilinear", "reflection") == 7.0f);
  CHECK(std::isnan(sample("bilinear", "zeros")));
  Tensor identity{{1, 3, 4}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}};
  Tensor g3 = forward_of("input t: [1, 3, 4]\naffine_grid((1, 1, 2, 2, 2))\n", forward_affine_grid,
                         {identity});
  Tensor nearest = forward_of(
      "input x: [1, 1, 4, 4, 4]\ninput g: [1, 2, 2, 2, 3]\ngrid_sample(x, g, mode='nearest')\n",
      forward_grid_sample, {arange({1, 1, 4, 4, 4}), g3});
  CHECK(nearest.data == std::vector<float>{21, 23, 29, 31, 53, 55, 61, 63});
}

TEST_CASE("run: grid_sample of a grid far outside the input stays inside the input") {
  Tensor x = arange({1, 1, 2, 3});
  float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  Tensor grid{{1, 1, 3, 2}, {1e30f, 1e30f, inf, -inf, nan, 0.0f}};
  for (const char* mode : {"bilinear", "nearest", "bicubic"}) {
    for (const char* padding : {"zeros", "border", "reflection"}) {
      CAPTURE(mode);
      CAPTURE(padding);
      std::string call =
          fmt::format("grid_sample(x, g, mode='{}', padding_mode='{}')", mode, padding);
      Tensor out = forward_of("input x: [1, 1, 2, 3]\ninput g: [1, 1, 3, 2]\n" + call + "\n",
                              forward_grid_sample, {x, grid});
      REQUIRE(out.data.size() == 3);
      if (std::string(padding) == "zeros" && std::string(mode) != "bicubic")
        CHECK(out.data[0] == 0.0f);
      if (std::string(padding) == "border" && std::string(mode) != "bicubic")
        CHECK(out.data[0] == 5.0f);
    }
  }
}

// PyTorch 1.13: nn.GLU()(x) and nn.GLU(0)(x), nn.Softmin(dim=2)(x) of x = torch.arange(24.)
// .reshape(2, 3, 4) / 10, the first values.
TEST_CASE("run: GLU and Softmin compute PyTorch's values") {
  Tensor x = arange({2, 3, 4});
  for (float& v : x.data) v /= 10;
  Tensor g = forward_of("input x: [2, 3, 4]\nGLU()\n", forward_glu, {x});
  CHECK(g.shape == std::vector<int64_t>{2, 3, 2});
  CHECK(g.data[1] == doctest::Approx(0.0574442520737648));
  CHECK(g.data[2] == doctest::Approx(0.2582625150680542));
  CHECK(g.data[3] == doctest::Approx(0.3340938687324524));
  Tensor rows = forward_of("input x: [2, 3, 4]\nGLU(0)\n", forward_glu, {x});
  CHECK(rows.shape == std::vector<int64_t>{1, 3, 4});
  CHECK(rows.data[1] == doctest::Approx(0.0785835012793541));
  CHECK(rows.data[3] == doctest::Approx(0.24527233839035034));
  Tensor m = forward_of("input x: [2, 3, 4]\nSoftmin(dim=2)\n", forward_softmax, {x});
  CHECK(m.data[0] == doctest::Approx(0.28865140676498413));
  CHECK(m.data[1] == doctest::Approx(0.26118260622024536));
  CHECK(m.data[3] == doctest::Approx(0.21383821964263916));
}

// PyTorch 1.13: F.affine_grid of the identity for (1, 1, 2, 3), sampling with it at the corners'
// centres (align_corners=True) gives the input back, and a sheared theta with border padding.
TEST_CASE("run: affine_grid and grid_sample compute PyTorch's values") {
  Tensor identity{{1, 2, 3}, {1, 0, 0, 0, 1, 0}};
  Tensor grid = forward_of("input t: [1, 2, 3]\naffine_grid((1, 1, 2, 3))\n", forward_affine_grid,
                           {identity});
  CHECK(grid.shape == std::vector<int64_t>{1, 2, 3, 2});
  std::vector<float> want = {-2.0f / 3, -0.5f, 0, -0.5f, 2.0f / 3, -0.5f,
                             -2.0f / 3, 0.5f,  0, 0.5f,  2.0f / 3, 0.5f};
  for (size_t i = 0; i < want.size(); ++i) CHECK(grid.data[i] == doctest::Approx(want[i]));
  Tensor x = arange({1, 1, 2, 3});
  Tensor aligned = forward_of("input t: [1, 2, 3]\naffine_grid((1, 1, 2, 3), align_corners=True)\n",
                              forward_affine_grid, {identity});
  Tensor same = forward_of(
      "input x: [1, 1, 2, 3]\ninput g: [1, 2, 3, 2]\ngrid_sample(x, g, align_corners=True)\n",
      forward_grid_sample, {x, aligned});
  for (size_t i = 0; i < 6; ++i) CHECK(same.data[i] == doctest::Approx(x.data[i]));
  Tensor sheared{{1, 2, 3}, {0.5f, 0.2f, 0.1f, -0.3f, 0.8f, 0.4f}};
  Tensor g =
      forward_of("input t: [1, 2, 3]\naffine_grid((1, 1, 3, 2))\n", forward_affine_grid, {sheared});
  Tensor border = forward_of(
      "input x: [1, 1, 2, 3]\ninput g: [1, 3, 2, 2]\ngrid_sample(x, g, padding_mode='border')\n",
      forward_grid_sample, {x, g});
  std::vector<float> sampled = {2.125f, 1.975f, 3.775f, 3.775f, 3.975f, 4.725f};
  for (size_t i = 0; i < sampled.size(); ++i)
    CHECK(border.data[i] == doctest::Approx(sampled[i]).epsilon(1e-5));
}

// PyTorch 1.13: nn.ReflectionPad1d((2, 1))(torch.arange(8.).reshape(1, 2, 4)) and
// nn.ReplicationPad2d(1)(torch.arange(4.).reshape(1, 2, 2)).
TEST_CASE("run: the padding modules compute F.pad's values of their mode") {
  Tensor r =
      forward_of("input x: [1, 2, 4]\nReflectionPad1d((2, 1))\n", forward_pad, {arange({1, 2, 4})});
  CHECK(r.data == std::vector<float>{2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6});
  Tensor e =
      forward_of("input x: [1, 2, 2]\nReplicationPad2d(1)\n", forward_pad, {arange({1, 2, 2})});
  CHECK(e.shape == std::vector<int64_t>{1, 4, 4});
  CHECK(e.data == std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3});
}

// PyTorch 1.13: nn.ConstantPad2d((1, 2), 9.0)(torch.arange(4.).reshape(1, 1, 2, 2)): a pair pads
// the last dim only, as F.pad does.
TEST_CASE("run: ConstantPad2d given a pair pads the last dim only") {
  Tensor c = forward_of("input x: [1, 1, 2, 2]\nConstantPad2d((1, 2), 9.0)\n", forward_constant_pad,
                        {arange({1, 1, 2, 2})});
  CHECK(c.shape == std::vector<int64_t>{1, 1, 2, 5});
  CHECK(c.data == std::vector<float>{9, 0, 1, 9, 9, 9, 2, 3, 9, 9});
}

// PyTorch 1.13: nn.ConstantPad1d(1, 7.0) and nn.ConstantPad3d((1, 0, 0, 1, 1, 0), 5.0) of
// torch.arange: an int pads both sides of the op's last 1 or 3 dims, a tuple as F.pad.
TEST_CASE("run: ConstantPad1d and ConstantPad3d pad their last dims") {
  Tensor one = forward_of("input x: [1, 2, 2]\nConstantPad1d(1, 7.0)\n", forward_constant_pad,
                          {arange({1, 2, 2})});
  CHECK(one.shape == std::vector<int64_t>{1, 2, 4});
  CHECK(one.data == std::vector<float>{7, 0, 1, 7, 7, 2, 3, 7});
  Tensor three = forward_of("input x: [1, 1, 1, 2]\nConstantPad3d((1, 0, 0, 1, 1, 0), 5.0)\n",
                            forward_constant_pad, {arange({1, 1, 1, 2})});
  CHECK(three.shape == std::vector<int64_t>{1, 2, 2, 3});
  CHECK(three.data == std::vector<float>{5, 5, 5, 5, 5, 5, 5, 0, 1, 5, 5, 5});
}

TEST_CASE("run: pad computes PyTorch's values in every mode") {
  Tensor c =
      forward_of("input x: [2, 3]\npad((1, -1, 1, 0), value=9.0)\n", forward_pad, {arange({2, 3})});
  CHECK(c.shape == std::vector<int64_t>{3, 3});
  CHECK(c.data == std::vector<float>{9, 9, 9, 9, 0, 1, 9, 3, 4});
  Tensor r = forward_of("input x: [1, 2, 4]\npad((2, 1), mode='reflect')\n", forward_pad,
                        {arange({1, 2, 4})});
  CHECK(r.data == std::vector<float>{2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6});
  Tensor r2 = forward_of("input x: [1, 3, 3]\npad((1, 1, 2, 1), mode='reflect')\n", forward_pad,
                         {arange({1, 3, 3})});
  CHECK(r2.shape == std::vector<int64_t>{1, 6, 5});
  CHECK(r2.data == std::vector<float>{7, 6, 7, 8, 7, 4, 3, 4, 5, 4, 1, 0, 1, 2, 1,
                                      4, 3, 4, 5, 4, 7, 6, 7, 8, 7, 4, 3, 4, 5, 4});
  Tensor e = forward_of("input x: [1, 2, 3]\npad((1, 2, 2, 1), mode='replicate')\n", forward_pad,
                        {arange({1, 2, 3})});
  CHECK(e.shape == std::vector<int64_t>{1, 5, 6});
  CHECK(e.data == std::vector<float>{0, 0, 1, 2, 2, 2, 0, 0, 1, 2, 2, 2, 0, 0, 1,
                                     2, 2, 2, 3, 3, 4, 5, 5, 5, 3, 3, 4, 5, 5, 5});
  Tensor w = forward_of("input x: [1, 1, 4]\npad((2, -1), mode='circular')\n", forward_pad,
                        {arange({1, 1, 4})});
  CHECK(w.data == std::vector<float>{1, 2, 0, 1, 2});  // crops first, then wraps what is left
  auto pad_1d = [](const std::string& call) {
    return forward_of("input x: [1, 1, 4]\n" + call + "\n", forward_pad, {arange({1, 1, 4})}).data;
  };
  CHECK(pad_1d("pad((-1, 3), mode='circular')") == std::vector<float>{1, 2, 3, 1, 2, 3});
  CHECK(pad_1d("pad((2, -1), mode='reflect')") == std::vector<float>{2, 1, 0, 1, 2});
  CHECK(pad_1d("pad((-1, 2), mode='reflect')") == std::vector<float>{1, 2, 3, 2, 1});
  CHECK(pad_1d("pad((-1, 2), mode='replicate')") == std::vector<float>{1, 2, 3, 3, 3});
  CHECK(pad_1d("pad((2, -3), mode='replicate')") == std::vector<float>{0, 0, 0});
  CHECK(pad_1d("pad((2, -3), value=-1.0)") == std::vector<float>{-1, -1, 0});
  Tensor w2 = forward_of("input x: [1, 1, 3, 3]\npad((1, -1, -1, 2), mode='circular')\n",
                         forward_pad, {arange({1, 1, 3, 3})});
  CHECK(w2.shape == std::vector<int64_t>{1, 1, 4, 3});
  CHECK(w2.data == std::vector<float>{4, 3, 4, 7, 6, 7, 4, 3, 4, 7, 6, 7});
}

TEST_CASE("run: sum adds where mean averages") {
  Tensor x = arange({2, 3, 4});
  Tensor s = forward_of("input x: [2, 3, 4]\nsum([0, 2])\n", forward_mean, {x});
  CHECK(s.data == std::vector<float>{60, 92, 124});
  Tensor k = forward_of("input x: [2, 3, 4]\nsum(1, keepdim=True)\n", forward_mean, {x});
  CHECK(k.shape == std::vector<int64_t>{2, 1, 4});
  CHECK(k.data == std::vector<float>{12, 15, 18, 21, 48, 51, 54, 57});
  Tensor m = forward_of("input x: [2, 3, 4]\nmean([0, 2])\n", forward_mean, {x});
  CHECK(m.data == std::vector<float>{7.5f, 11.5f, 15.5f});
}

// x = [[1, 5, 2], [7, 0, 7]]: PyTorch gives amax(1) [5, 7], argmax(1) [1, 0] (the first of equal
// extremes), amin() 0, argmin(0) [0, 1, 0], maximum(x, [3, 3, 3]) [[3, 5, 3], [7, 3, 7]], and
// arange(0.5, 3, 0.75) [0.5, 1.25, 2, 2.75].
TEST_CASE("run: amax, argmax, amin, argmin, maximum and arange compute PyTorch's values") {
  Tensor x = Tensor::zeros({2, 3});
  x.data = {1, 5, 2, 7, 0, 7};
  CHECK(forward_of("input x: [2, 3]\namax(1)\n", forward_mean, {x}).data ==
        std::vector<float>{5, 7});
  CHECK(forward_of("input x: [2, 3]\nargmax(1)\n", forward_mean, {x}).data ==
        std::vector<float>{1, 0});
  CHECK(forward_of("input x: [2, 3]\namin()\n", forward_mean, {x}).data == std::vector<float>{0});
  CHECK(forward_of("input x: [2, 3]\nargmin(0)\n", forward_mean, {x}).data ==
        std::vector<float>{0, 1, 0});
  Tensor three = Tensor::zeros({3});
  three.data = {3, 3, 3};
  CHECK(
      forward_of("input x: [2, 3]\ninput y: [3]\nmaximum(x, y)\n", forward_add, {x, three}).data ==
      std::vector<float>{3, 5, 3, 7, 3, 7});
  CHECK(forward_of("input x: [2, 3]\narange(0.5, 3, 0.75)\n", forward_source, {}).data ==
        std::vector<float>{0.5f, 1.25f, 2.0f, 2.75f});
}

// x = [[1, 0, 2], [0, 0, -3]], y = [0, 4, 5]: PyTorch gives logical_and(x, y) [[0, 0, 1], [0, 0,
// 1]], logical_or [[1, 1, 1], [0, 1, 1]], logical_xor [[1, 1, 0], [0, 1, 0]] (as 0/1: bools).
TEST_CASE("run: logical_and, logical_or and logical_xor compute PyTorch's values") {
  Tensor x = Tensor::zeros({2, 3});
  x.data = {1, 0, 2, 0, 0, -3};
  Tensor y = Tensor::zeros({3});
  y.data = {0, 4, 5};
  auto run = [&](const std::string& op) {
    return forward_of("input x: [2, 3]\ninput y: [3]\n" + op + "(x, y)\n", forward_add, {x, y})
        .data;
  };
  CHECK(run("logical_and") == std::vector<float>{0, 0, 1, 0, 0, 1});
  CHECK(run("logical_or") == std::vector<float>{1, 1, 1, 0, 1, 1});
  CHECK(run("logical_xor") == std::vector<float>{1, 1, 0, 0, 1, 0});
}

// x = [[1, 5, 2], [7, 0, 7]]: PyTorch 1.13 gives var(1) [4.3333, 16.3333], std(1) [2.0817, 4.0415],
// var(1, unbiased=False) [2.8889, 10.8889], std((0, 1), correction=0) 2.8087, var(0, keepdim=True)
// [[18, 12.5, 12.5]], and NaN for the variance of one value (the count less the correction is 0).
TEST_CASE("run: var and std compute PyTorch's values") {
  Tensor x = Tensor::zeros({2, 3});
  x.data = {1, 5, 2, 7, 0, 7};
  auto near = [](const std::vector<float>& got, std::vector<float> want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  };
  near(forward_of("input x: [2, 3]\nvar(1)\n", forward_mean, {x}).data, {4.333333f, 16.333334f});
  near(forward_of("input x: [2, 3]\nstd(1)\n", forward_mean, {x}).data, {2.081666f, 4.041452f});
  near(forward_of("input x: [2, 3]\nvar(1, unbiased=False)\n", forward_mean, {x}).data,
       {2.888889f, 10.888889f});
  near(forward_of("input x: [2, 3]\nstd((0, 1), correction=0)\n", forward_mean, {x}).data,
       {2.808717f});
  Tensor k = forward_of("input x: [2, 3]\nvar(0, keepdim=True)\n", forward_mean, {x});
  CHECK(k.shape == std::vector<int64_t>{1, 3});
  near(k.data, {18.0f, 12.5f, 12.5f});
  Tensor one = Tensor::zeros({2, 1});
  one.data = {1, 7};
  Tensor n = forward_of("input x: [2, 1]\nvar(1)\n", forward_mean, {one});
  CHECK(std::isnan(n.data[0]));
  CHECK(std::isnan(n.data[1]));
}

// PyTorch 1.13: torch.relu(torch.tensor([-1., nan, 2.])) is [0, nan, 2] (a NaN passes: a key
// every mask hides gives NaN attention, which the layers after it must carry on); so do
// relu6, leaky_relu and elu.
TEST_CASE("run: activations keep NaN, as PyTorch's") {
  Tensor x = Tensor::zeros({3});
  x.data = {-1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  for (const char* op : {"ReLU()", "relu()", "ReLU6()", "LeakyReLU()", "ELU()"}) {
    CAPTURE(op);
    Tensor y = forward_of(std::string("input x: [3]\n") + op + "\n", forward_elementwise, {x});
    CHECK(y.data[0] <= 0.0f);
    CHECK(std::isnan(y.data[1]));
    CHECK(y.data[2] == 2.0f);
  }
}

// PyTorch 1.13: F.pixel_shuffle(torch.arange(24.).reshape(1, 8, 1, 3), 2) and
// F.pixel_unshuffle(torch.arange(24.).reshape(2, 1, 2, 6), 2), printed flat.
TEST_CASE("run: pixel_shuffle and pixel_unshuffle move PyTorch's elements") {
  Tensor x = arange({1, 8, 1, 3});
  Tensor s = forward_of("input x: [1, 8, 1, 3]\npixel_shuffle(2)\n", forward_pixel_shuffle, {x});
  CHECK(s.shape == std::vector<int64_t>{1, 2, 2, 6});
  CHECK(s.data == std::vector<float>{0,  3,  1,  4,  2,  5,  6,  9,  7,  10, 8,  11,
                                     12, 15, 13, 16, 14, 17, 18, 21, 19, 22, 20, 23});
  Tensor y = arange({2, 1, 2, 6});
  Tensor u = forward_of("input x: [2, 1, 2, 6]\nPixelUnshuffle(2)\n", forward_pixel_shuffle, {y});
  CHECK(u.shape == std::vector<int64_t>{2, 4, 1, 3});
  CHECK(u.data == std::vector<float>{0,  2,  4,  1,  3,  5,  6,  8,  10, 7,  9,  11,
                                     12, 14, 16, 13, 15, 17, 18, 20, 22, 19, 21, 23});
}

// PyTorch 1.13: F.channel_shuffle(torch.arange(8.).reshape(1, 8, 1, 1), 2), of
// torch.arange(12.).reshape(1, 6, 2) by 3, and nn.Softmax2d() of [[[1.]], [[2.]]] (dim -3).
TEST_CASE("run: channel_shuffle interleaves PyTorch's channels, Softmax2d normalises them") {
  Tensor s = forward_of("input x: [1, 8, 1, 1]\nChannelShuffle(2)\n", forward_channel_shuffle,
                        {arange({1, 8, 1, 1})});
  CHECK(s.data == std::vector<float>{0, 4, 1, 5, 2, 6, 3, 7});
  Tensor t = forward_of("input x: [1, 6, 2]\nchannel_shuffle(3)\n", forward_channel_shuffle,
                        {arange({1, 6, 2})});
  CHECK(t.shape == std::vector<int64_t>{1, 6, 2});
  CHECK(t.data == std::vector<float>{0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11});
  Tensor x = arange({2, 1, 1});
  for (float& v : x.data) v += 1.0f;
  Tensor m = forward_of("input x: [2, 1, 1]\nSoftmax2d()\n", forward_softmax, {x});
  REQUIRE(m.data.size() == 2);
  CHECK(m.data[0] == doctest::Approx(0.2689414322376251).epsilon(1e-6));
  CHECK(m.data[1] == doctest::Approx(0.7310585975646973).epsilon(1e-6));
}

// PyTorch 1.13 on x = [-30, -2, -0.5, 0, 0.5, 2, 10.5, 30]: F.softplus(x), F.softplus(x, beta=2,
// threshold=5) (x itself where beta x > 5), F.mish(x), F.logsigmoid(x).
TEST_CASE("run: softplus, mish and logsigmoid compute PyTorch's values") {
  Tensor x = Tensor::zeros({8});
  x.data = {-30, -2, -0.5f, 0, 0.5f, 2, 10.5f, 30};
  auto near = [](const std::vector<float>& got, std::vector<float> want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i)
      CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5).scale(1e-12));
  };
  near(forward_of("input x: [8]\nsoftplus()\n", forward_elementwise, {x}).data,
       {9.357623e-14f, 0.126928f, 0.474077f, 0.693147f, 0.974077f, 2.126928f, 10.500028f, 30.0f});
  near(forward_of("input x: [8]\nSoftplus(beta=2, threshold=5)\n", forward_elementwise, {x}).data,
       {4.378255e-27f, 0.009075f, 0.156631f, 0.346574f, 0.656631f, 2.009075f, 10.5f, 30.0f});
  near(forward_of("input x: [8]\nMish()\n", forward_elementwise, {x}).data,
       {-2.807287e-12f, -0.252501f, -0.220744f, 0.0f, 0.375245f, 1.943959f, 10.5f, 30.0f});
  near(forward_of("input x: [8]\nlogsigmoid()\n", forward_elementwise, {x}).data,
       {-30.0f, -2.126928f, -0.974077f, -0.693147f, -0.474077f, -0.126928f, -2.753607e-05f,
        -9.357623e-14f});
}

// PyTorch 1.13: torch.prelu(x, w) of x = [[[-1, 2], [-3, 4]]] with w = [0.5, 0.25] (a slope per
// channel, dim 1) and with w = [0.25].
TEST_CASE("run: PReLU scales the negatives by their channel's slope") {
  Tensor x = Tensor::zeros({1, 2, 2});
  x.data = {-1, 2, -3, 4};
  auto prelu = [&](const char* ns, std::vector<float> slopes) {
    LoadedModel m = check_ns(ns);
    REQUIRE(m.exit == ExitCode::Ok);
    Tensor w = Tensor::zeros({static_cast<int64_t>(slopes.size())});
    w.data = slopes;
    Tensor out;
    ForwardCtx ctx{m.analysis.layers.at(0), {&x}, {&w}, out};
    forward_prelu(ctx);
    return out.data;
  };
  CHECK(prelu("input x: [1, 2, 2]\nPReLU(2)\n", {0.5f, 0.25f}) ==
        std::vector<float>{-0.5f, 2, -0.75f, 4});
  CHECK(prelu("input x: [1, 2, 2]\nPReLU()\n", {0.25f}) ==
        std::vector<float>{-0.25f, 2, -0.75f, 4});
}

// PyTorch 1.13 on x = torch.arange(24.).reshape(2, 3, 4) - 10, the first values of each: x.norm(),
// x.norm(dim=1), x.norm(1, 2, keepdim=True), x.norm(0, 1), x.norm(-1, 1) (a zero makes it 0),
// torch.logsumexp(x, 1), x.logsumexp((1, 2)).
TEST_CASE("run: norm and logsumexp compute PyTorch's values") {
  Tensor x = arange({2, 3, 4}, -10);
  auto first = [](const Tensor& t, size_t n) {
    return std::vector<float>(t.data.begin(), t.data.begin() + static_cast<ptrdiff_t>(n));
  };
  auto near = [](const std::vector<float>& got, std::vector<float> want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  };
  const std::string in = "input x: [2, 3, 4]\n";
  near(forward_of(in + "norm()\n", forward_mean, {x}).data, {34.698704f});
  near(first(forward_of(in + "norm(dim=1)\n", forward_mean, {x}), 6),
       {11.832160f, 10.344080f, 8.944272f, 7.681146f, 11.832160f, 13.379088f});
  Tensor l1 = forward_of(in + "norm(1, 2, keepdim=True)\n", forward_mean, {x});
  CHECK(l1.shape == std::vector<int64_t>{2, 3, 1});
  near(l1.data, {34, 18, 4, 14, 30, 46});
  near(first(forward_of(in + "norm(0, 1)\n", forward_mean, {x}), 6), {3, 3, 2, 3, 3, 3});
  near(first(forward_of(in + "norm(-1, 1)\n", forward_mean, {x}), 6),
       {1.304348f, 0.762712f, 0.0f, 0.677419f, 1.304348f, 1.763359f});
  near(first(forward_of(in + "logsumexp(1)\n", forward_mean, {x}), 6),
       {-1.981521f, -0.981521f, 0.018479f, 1.018479f, 10.018479f, 11.018479f});
  near(forward_of(in + "logsumexp((1, 2))\n", forward_mean, {x}).data, {1.458669f, 13.458669f});
}

// PyTorch 1.13: torch.arange(6.).reshape(2, 3).masked_fill(tensor([True, False, True]), -1) and
// torch.arange(3.).masked_fill(tensor([[True], [False]]), 9), which broadcasts to [2, 3].
TEST_CASE("run: masked_fill fills where the mask is set, broadcasting both") {
  Tensor mask = Tensor::zeros({3});
  mask.data = {1, 0, 1};
  Tensor a = forward_of("input x: [2, 3]\ninput m: [3]\nmasked_fill(x, m, -1)\n",
                        forward_masked_fill, {arange({2, 3}), mask});
  CHECK(a.data == std::vector<float>{-1, 1, -1, -1, 4, -1});
  Tensor column = Tensor::zeros({2, 1});
  column.data = {1, 0};
  Tensor b = forward_of("input x: [3]\ninput m: [2, 1]\nmasked_fill(x, m, 9)\n",
                        forward_masked_fill, {arange({3}), column});
  CHECK(b.shape == std::vector<int64_t>{2, 3});
  CHECK(b.data == std::vector<float>{9, 9, 9, 0, 1, 2});
}

// PyTorch 1.13: torch.where(tensor([[True], [False]]), torch.arange(3.),
// torch.arange(6.).reshape(2, 3) + 10) broadcasts the three to [2, 3].
TEST_CASE("run: where takes x where the condition is set, else y, broadcasting the three") {
  Tensor condition = Tensor::zeros({2, 1});
  condition.data = {1, 0};
  Tensor out = forward_of("input c: [2, 1]\ninput x: [3]\ninput y: [2, 3]\nwhere(c, x, y)\n",
                          forward_where, {condition, arange({3}), arange({2, 3}, 10)});
  CHECK(out.shape == std::vector<int64_t>{2, 3});
  CHECK(out.data == std::vector<float>{0, 1, 2, 13, 14, 15});
}

TEST_CASE("run: matmul, bmm and stack compute PyTorch's values") {
  Tensor a = forward_of("input a: [2, 3, 4]\ninput b: [4, 2]\nmatmul(a, b)\n", forward_matmul,
                        {arange({2, 3, 4}, -5), arange({4, 2})});
  CHECK(a.shape == std::vector<int64_t>{2, 3, 2});
  CHECK(a.data == std::vector<float>{-32, -46, 16, 18, 64, 82, 112, 146, 160, 210, 208, 274});
  Tensor v = forward_of("input a: [3]\ninput b: [2, 3, 4]\nmatmul(a, b)\n", forward_matmul,
                        {arange({3}), arange({2, 3, 4})});
  CHECK(v.shape == std::vector<int64_t>{2, 4});
  CHECK(v.data == std::vector<float>{20, 23, 26, 29, 56, 59, 62, 65});
  Tensor bc = forward_of("input a: [2, 1, 2, 3]\ninput b: [3, 3, 2]\nmatmul(a, b)\n",
                         forward_matmul, {arange({2, 1, 2, 3}, -4), arange({3, 3, 2})});
  CHECK(bc.shape == std::vector<int64_t>{2, 3, 2, 2});
  CHECK(bc.data == std::vector<float>{-14, -23, 4,  4,  -68, -77, 4,   4,   -122, -131, 4,   4,
                                      22,  31,  40, 58, 76,  85,  148, 166, 130,  139,  256, 274});
  Tensor dot = forward_of("input a: [3]\ninput b: [3]\nmatmul(a, b)\n", forward_matmul,
                          {arange({3}), arange({3}, 1)});
  CHECK(dot.shape.empty());
  CHECK(dot.data == std::vector<float>{8});
  Tensor b = forward_of("input a: [2, 2, 3]\ninput b: [2, 3, 2]\nbmm(a, b)\n", forward_bmm,
                        {arange({2, 2, 3}), arange({2, 3, 2}, -3)});
  CHECK(b.data == std::vector<float>{1, 4, -8, 4, 109, 130, 154, 184});
  Tensor s1 = forward_of("input a: [2, 3]\ninput b: [2, 3]\nstack([a, b], dim=1)\n", forward_stack,
                         {arange({2, 3}), arange({2, 3}, 100)});
  CHECK(s1.shape == std::vector<int64_t>{2, 2, 3});
  CHECK(s1.data == std::vector<float>{0, 1, 2, 100, 101, 102, 3, 4, 5, 103, 104, 105});
  Tensor s2 = forward_of("input a: [2, 3]\ninput b: [2, 3]\nstack([a, b], dim=-1)\n", forward_stack,
                         {arange({2, 3}), arange({2, 3}, 100)});
  CHECK(s2.shape == std::vector<int64_t>{2, 3, 2});
  CHECK(s2.data == std::vector<float>{0, 100, 1, 101, 2, 102, 3, 103, 4, 104, 5, 105});
}

TEST_CASE("run: a model of the new tensor ops runs with a batch of 3, every shape as inferred") {
  std::string err;
  auto src = read_source(std::string(NETSHAPE_SOURCE_DIR) + "/models/attention_ops.ns", err);
  REQUIRE(src);
  LoadedModel m;
  m.source = *src;
  load_model(m, {});
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions o;
  o.batch = 3;
  ExecResult r = execute(m.analysis, o);
  INFO(r.error);
  CHECK(r.match);
  CHECK(r.layers.back().actual == std::vector<int64_t>{3, 10});
}

TEST_CASE("run: a layer computing in place never changes a tensor another layer still reads") {
  // x is read by the ReLU and, after it, by the add and the BatchNorm; only its last reader
  // may take it as its output.
  auto m = check_ns(
      "input x: [1, 3, 4, 4]\nr = ReLU()(x)\ns = add(r, x)\nbn = BatchNorm2d(3)(x)\n"
      "t = add(s, bn)\noutput t\n");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions keep;
  keep.keep_outputs = true;  // copies of everything: the expected values
  ExecResult k = execute(m.analysis, keep);
  REQUIRE(k.match);
  const auto& x = k.inputs[0].second.data;
  const auto& bn = k.outputs[2].second.data;
  ExecResult r = execute(m.analysis, ExecOptions{});  // in place where it may
  REQUIRE(r.match);
  const auto& t = r.model_outputs.at(0).second.data;
  REQUIRE(t.size() == x.size());
  for (size_t i = 0; i < x.size(); ++i)
    CHECK(t[i] == doctest::Approx(std::max(0.0f, x[i]) + x[i] + bn[i]));
  // BatchNorm in eval mode with PyTorch's initial statistics: x / sqrt(1 + eps) * w + b
  const auto& w = k.weights[0].second.data;
  const auto& b = k.weights[1].second.data;
  CHECK(bn[5] == doctest::Approx(x[5] / std::sqrt(1.0f + 1e-5f) * w[0] + b[0]));
  CHECK(bn[16 + 3] == doctest::Approx(x[16 + 3] / std::sqrt(1.0f + 1e-5f) * w[1] + b[1]));
}

TEST_CASE("run: the 2-D max pool takes the max of each clipped window, as the general loop") {
  auto m = check_ns("input x: [1, 2, 7, 7]\np = MaxPool2d(3, stride=2, padding=1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions o;
  o.keep_outputs = true;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  const auto& x = r.inputs[0].second.data;
  const auto& y = r.outputs[0].second.data;
  REQUIRE(y.size() == 2 * 4 * 4);
  for (int c = 0; c < 2; ++c)
    for (int oh = 0; oh < 4; ++oh)
      for (int ow = 0; ow < 4; ++ow) {
        float best = -INFINITY;
        for (int h = oh * 2 - 1; h <= oh * 2 + 1; ++h)
          for (int w = ow * 2 - 1; w <= ow * 2 + 1; ++w)
            if (h >= 0 && h < 7 && w >= 0 && w < 7) best = std::max(best, x[(c * 7 + h) * 7 + w]);
        CHECK(y[(c * 4 + oh) * 4 + ow] == best);
      }
}

TEST_CASE("bench run: times a model's forward pass and names where the time went") {
  std::string bin = NETSHAPE_BINARY;
  std::string model = std::string(NETSHAPE_SOURCE_DIR) + "/models/lenet.ns";
  test::ShellRun r = test::run_shell("\"" + bin + "\" bench run " + model +
                                     " --runs 1 --torchvision no_such_model 2>&1");
  CHECK(r.code == 0);
  CHECK(r.out.find("input [1, 28, 28], 1 thread, fastest of 1 runs") != std::string::npos);
  CHECK(r.out.find("netshape forward: ") != std::string::npos);
  CHECK(r.out.find("Conv2d ") != std::string::npos);
  CHECK(r.out.find("PyTorch: no comparison") != std::string::npos);  // no such builder
  test::ShellRun bad = test::run_shell("\"" + bin + "\" bench run " + model + " --batch 0 2>&1");
  CHECK(bad.code == 2);
}

// F.embedding with max_norm renormalises each row it reads whose norm passes max_norm (to
// max_norm / (norm + 1e-7) times it) before the lookup; PyTorch 1.13's values for these weights.
TEST_CASE("run: an Embedding with max_norm reads its rows renormalised, as F.embedding does") {
  auto lookup = [](const std::string& layer, std::vector<float> ids) {
    LoadedModel m = check_ns("input x: [" + std::to_string(ids.size()) + "]\n" + layer + "\n");
    REQUIRE_MESSAGE(m.exit == ExitCode::Ok, layer);
    Tensor w = Tensor::zeros({3, 2});
    w.data = {3, 4, 0.3f, 0.4f, -6, 8};
    Tensor x = Tensor::zeros({static_cast<int64_t>(ids.size())});
    x.data = std::move(ids);
    Tensor out;
    ForwardCtx ctx{m.analysis.layers.at(0), {&x}, {&w}, out};
    forward_embedding(ctx);
    return out.data;
  };
  std::vector<float> l2 = lookup("Embedding(3, 2, max_norm=1.0)", {0, 1, 2, 0});
  std::vector<float> want = {0.6f, 0.8f, 0.3f, 0.4f, -0.6f, 0.8f, 0.6f, 0.8f};
  REQUIRE(l2.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(l2[i] == doctest::Approx(want[i]).epsilon(1e-6));
  std::vector<float> l1 = lookup("Embedding(3, 2, max_norm=1.0, norm_type=1)", {2, 1});
  want = {-0.4285714f, 0.5714286f, 0.3f, 0.4f};
  REQUIRE(l1.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(l1[i] == doctest::Approx(want[i]).epsilon(1e-6));
  // without max_norm the rows are read as they are
  CHECK(lookup("Embedding(3, 2)", {2}) == std::vector<float>{-6, 8});
}

// EmbeddingBag: each bag's rows reduced (sum, mean, max; the padding row skipped, per-sample
// weights in mode 'sum', include_last_offset's end); PyTorch 1.13's values for the weight
// arange(12).view(4, 3).
TEST_CASE("run: EmbeddingBag reduces each bag of rows as F.embedding_bag does") {
  auto bags = [](const std::string& ns, std::vector<Tensor> inputs) {
    LoadedModel m = check_ns(ns);
    REQUIRE_MESSAGE(m.exit == ExitCode::Ok, ns);
    Tensor w = arange({4, 3});
    Tensor out;
    ForwardCtx ctx{m.analysis.layers.at(0), {}, {&w}, out};
    for (const Tensor& t : inputs) ctx.in.push_back(&t);
    forward_embedding(ctx);
    CHECK(out.shape == bind_shape(*m.analysis.layers.at(0).output, 1));
    return out.data;
  };
  auto tensor = [](std::vector<float> v) {
    Tensor t = Tensor::zeros({static_cast<int64_t>(v.size())});
    t.data = std::move(v);
    return t;
  };
  Tensor ids = tensor({0, 1, 2, 1, 3}), offsets = tensor({0, 2, 2});
  const std::string two = "input ids: [5]\ninput offs: [3]\n";
  CHECK(bags(two + "EmbeddingBag(4, 3, mode='sum')(ids, offs)\n", {ids, offsets}) ==
        std::vector<float>{3, 5, 7, 0, 0, 0, 18, 21, 24});
  CHECK(bags(two + "EmbeddingBag(4, 3, padding_idx=1)(ids, offs)\n", {ids, offsets}) ==
        std::vector<float>{0, 1, 2, 0, 0, 0, 7.5f, 8.5f, 9.5f});
  CHECK(bags(two + "EmbeddingBag(4, 3, mode='max')(ids, offsets=offs)\n", {ids, offsets}) ==
        std::vector<float>{3, 4, 5, 0, 0, 0, 9, 10, 11});
  Tensor rows = Tensor::zeros({2, 2});
  rows.data = {0, 1, 2, 3};
  Tensor weights = Tensor::zeros({2, 2});
  weights.data = {1, 2, 0.5f, -1};
  CHECK(bags("input ids: [2, 2]\ninput w: [2, 2]\nEmbeddingBag(4, 3, mode='sum')(ids, "
             "per_sample_weights=w)\n",
             {rows, weights}) == std::vector<float>{6, 9, 12, -6, -6.5f, -7});
  CHECK(bags("input ids: [4]\ninput offs: [3]\n"
             "EmbeddingBag(4, 3, include_last_offset=True)(ids, offs)\n",
             {tensor({0, 1, 2, 3}), tensor({0, 1, 4})}) == std::vector<float>{0, 1, 2, 6, 7, 8});
  // PyTorch 1.13 divides the last bag of a mean by the indices from its start to the end of all
  // of them: rows 1 and 2 of ids 0..3 with offsets [0, 1, 3] divided by 3, not 2
  std::vector<float> quirk = bags(
      "input ids: [4]\ninput offs: [3]\nEmbeddingBag(4, 3, include_last_offset=True)(ids, offs)\n",
      {tensor({0, 1, 2, 3}), tensor({0, 1, 3})});
  std::vector<float> want = {0, 1, 2, 3, 11.0f / 3, 13.0f / 3};
  REQUIRE(quirk.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i)
    CHECK(quirk[i] == doctest::Approx(want[i]).epsilon(1e-6));
}

// Eval mode: a BatchNorm without running statistics normalises with the batch's (biased
// variance), an InstanceNorm with them reads them (mean 0, variance 1); PyTorch 1.13's values.
TEST_CASE("run: norm layers follow track_running_stats in eval mode as PyTorch does") {
  const float s = 1.0f / std::sqrt(1.0f + 1e-5f);
  std::vector<float> batch_stats =
      forward_of("input x: [2, 2]\nBatchNorm1d(2, affine=False, track_running_stats=False)\n",
                 forward_batch_norm, {arange({2, 2})})
          .data;
  std::vector<float> want = {-s, -s, s, s};  // each channel's two values, mean 1 and variance 1
  for (size_t i = 0; i < want.size(); ++i)
    CHECK(batch_stats[i] == doctest::Approx(want[i]).epsilon(1e-6));
  std::vector<float> running =
      forward_of("input x: [1, 2, 3]\nInstanceNorm1d(2, track_running_stats=True)\n",
                 forward_instance_norm, {arange({1, 2, 3})})
          .data;
  for (size_t i = 0; i < running.size(); ++i)
    CHECK(running[i] == doctest::Approx(static_cast<float>(i) * s).epsilon(1e-6));
}

// torch.div of two tensors with a rounding_mode: PyTorch 1.13's floor (div_floor_floating, exact
// where floor(a / b) would round first) and trunc (of the float32 quotient).
TEST_CASE("run: div with rounding_mode floors or truncates the quotient as PyTorch does") {
  Tensor a = Tensor::zeros({5}), b = Tensor::zeros({5});
  a.data = {7, -7, 7.5f, -7.5f, 1};
  b.data = {2, 2, -2, 0.3f, 0.1f};
  const std::string two = "input a: [5]\ninput b: [5]\n";
  CHECK(forward_of(two + "div(a, b, rounding_mode='floor')\n", forward_add, {a, b}).data ==
        std::vector<float>{3, -4, -4, -25, 9});
  CHECK(forward_of(two + "div(a, b, rounding_mode='trunc')\n", forward_add, {a, b}).data ==
        std::vector<float>{3, -3, -3, -24, 10});
}

TEST_CASE("run: linspace makes PyTorch's values") {
  // torch.linspace(0, 1, 7), (0.1, 0.9, 4) and (2, 3, 1), printed as float64 by PyTorch 1.13
  ExecResult r = netshape::test::run_kept(
      "input x: [1]\na = linspace(0, 1, 7)\nb = linspace(0.1, 0.9, 4)\nc = linspace(2, 3, 1)\n");
  const std::vector<float> a = {0.0f, 0.1666666716337204f, 0.3333333432674408f,
                                0.5f, 0.6666666269302368f, 0.8333333134651184f,
                                1.0f};
  const std::vector<float> b = {0.10000000149011612f, 0.36666664481163025f, 0.6333333253860474f,
                                0.8999999761581421f};
  CHECK(netshape::test::tensor_named(r.outputs, "a").data == a);
  CHECK(netshape::test::tensor_named(r.outputs, "b").data == b);
  CHECK(netshape::test::tensor_named(r.outputs, "c").data == std::vector<float>{2.0f});
}
