// The executor proves the inferred shapes: every shipped model that checks clean runs with every
// layer's actual shape equal to inference's, and reference forwards compute the right numbers.
#include <filesystem>

#include "netshape/exec.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;

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
