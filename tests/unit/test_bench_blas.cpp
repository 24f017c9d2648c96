// im2col + OpenBLAS sgemm (the bench's "im2col_blas" baseline) against conv2d_reference.
// Only built into the tests when CMake found OpenBLAS (NETSHAPE_HAVE_OPENBLAS).
#ifdef NETSHAPE_HAVE_OPENBLAS

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "../../src/bench/im2col_blas.hpp"
#include "netshape/kernels/conv.hpp"
#include "test_helpers.hpp"

namespace {

namespace k = netshape::kernels;
namespace nb = netshape::bench;

}  // namespace

TEST_CASE("im2col_blas matches conv2d_reference: stride / pad / dilation / groups, batch 2") {
  std::mt19937 rng(7);
  int cases = 0;
  for (int threads : {1, 2}) {
    nb::set_blas_threads(threads);
    for (int64_t stride : {1, 2})
      for (int64_t pad : {0, 1})
        for (int64_t dil : {1, 2})
          for (int64_t groups : {1, 2})
            for (bool with_bias : {false, true}) {
              k::Conv2dParams p;
              p.N = 2, p.C = 4, p.H = 9, p.W = 8, p.K = 6, p.R = 3, p.S = 2;
              p.stride_h = p.stride_w = stride;
              p.pad_h = p.pad_w = pad;
              p.dilation_h = p.dilation_w = dil;
              p.groups = groups;
              CAPTURE(threads);
              CAPTURE(stride);
              CAPTURE(pad);
              CAPTURE(dil);
              CAPTURE(groups);
              CAPTURE(with_bias);
              REQUIRE(*p.invalid_reason() == '\0');
              const auto in = netshape::test::random_floats(p.N * p.C * p.H * p.W, rng);
              const auto w = netshape::test::random_floats(p.K * (p.C / p.groups) * p.R * p.S, rng);
              const auto bias = netshape::test::random_floats(p.K, rng);
              p.bias = with_bias ? bias.data() : nullptr;
              const size_t n_out = static_cast<size_t>(p.N * p.K * p.P() * p.Q());
              std::vector<float> want(n_out), got(n_out, 12345.0f);
              std::vector<float> scratch(static_cast<size_t>(nb::im2col_scratch_size(p)));
              k::conv2d_reference(p, in.data(), w.data(), want.data());
              nb::conv2d_im2col_blas(p, in.data(), w.data(), got.data(), scratch.data());
              const double worst = k::max_relative_error(got, want);
              CHECK(worst < 1e-4);
              ++cases;
            }
  }
  CHECK(cases == 64);
}

TEST_CASE("im2col_blas: 1x1 (no im2col copy), depthwise, asymmetric stride, relu") {
  std::mt19937 rng(11);
  struct Case {
    int64_t C, K, R, S, sh, sw, ph, pw, G;
    bool relu;
  };
  const Case cases[] = {
      {16, 8, 1, 1, 1, 1, 0, 0, 1, false},  // identity columns
      {16, 8, 1, 1, 2, 2, 0, 0, 1, true},   // strided 1x1 goes through im2col
      {6, 6, 3, 3, 1, 1, 1, 1, 6, true},    // depthwise
      {3, 5, 5, 4, 1, 3, 2, 0, 1, false},   // asymmetric stride / pad
  };
  for (const Case& c : cases) {
    k::Conv2dParams p;
    p.N = 2, p.C = c.C, p.H = 11, p.W = 10, p.K = c.K, p.R = c.R, p.S = c.S;
    p.stride_h = c.sh, p.stride_w = c.sw, p.pad_h = c.ph, p.pad_w = c.pw;
    p.groups = c.G, p.fuse_relu = c.relu;
    CAPTURE(c.C);
    CAPTURE(c.R);
    CAPTURE(c.G);
    const auto in = netshape::test::random_floats(p.N * p.C * p.H * p.W, rng);
    const auto w = netshape::test::random_floats(p.K * (p.C / p.groups) * p.R * p.S, rng);
    const auto bias = netshape::test::random_floats(p.K, rng);
    p.bias = bias.data();
    const size_t n_out = static_cast<size_t>(p.N * p.K * p.P() * p.Q());
    std::vector<float> want(n_out), got(n_out, 12345.0f);
    std::vector<float> scratch(static_cast<size_t>(nb::im2col_scratch_size(p)));
    k::conv2d_reference(p, in.data(), w.data(), want.data());
    nb::conv2d_im2col_blas(p, in.data(), w.data(), got.data(), scratch.data());
    const double worst = k::max_relative_error(got, want);
    CHECK(worst < 1e-4);
  }
}

#endif  // NETSHAPE_HAVE_OPENBLAS
