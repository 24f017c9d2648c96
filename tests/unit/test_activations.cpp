// The activations PyTorch 1.13 defines beside the common ones: Hardtanh, SELU, CELU, Softsign,
// Tanhshrink, Softshrink, Hardshrink and Threshold, as modules and functions. Their shapes,
// PyTorch's errors for their numbers, their values, and what a training step saves for them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../../src/exec/forward.hpp"
#include "netshape/exec.hpp"
#include "netshape/memory.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_ns;
using netshape::test::LayerCase;

// PyTorch 1.13's outcome for each (the module's __init__ or the kernel when it runs).
TEST_CASE("activations: shapes, and PyTorch's errors for their numbers") {
  const LayerCase cases[] = {
      {"input [2, 3, 4]", "Hardtanh()", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "Hardtanh(0, 20, inplace=True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "Hardtanh(min_value=0.0)", "[2, 3, 4]", 0, 0, ""},  // deprecated name
      {"input [2, 3, 4]", "Hardtanh(2, 1)", "error", 0, 0,
       "AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is 2.0 and max_val "
       "1.0"},
      {"input [2, 3, 4]", "Hardtanh(1, 1)", "error", 0, 0,
       "AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is 1.0 and max_val "
       "1.0"},
      {"input [2, 3, 4]", "hardtanh(2.0, 1.0)", "[2, 3, 4]", 0, 0, ""},  // F.hardtanh: no check
      {"input [2, 3, 4]", "SELU(inplace=True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "selu()", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "CELU(alpha=-1.0)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "CELU(0)", "error", 0, 0,
       "ZeroDivisionError: alpha cannot be 0 for CELU"},
      {"input [2, 3, 4]", "celu(alpha=0.0)", "error", 0, 0,
       "ZeroDivisionError: alpha cannot be 0 for CELU"},
      {"input [5]", "Softsign()", "[5]", 0, 0, ""},
      {"input [3]", "tanhshrink()", "[3]", 0, 0, ""},
      {"input [2, 3, 4]", "Softshrink(0)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "Softshrink(-1)", "error", 0, 0,
       "lambda must be greater or equal to 0, but found to be -1."},
      {"input [2, 3, 4]", "softshrink(-0.25)", "error", 0, 0,
       "lambda must be greater or equal to 0, but found to be -0.25."},
      {"input [2, 3, 4]", "Hardshrink(-1)", "[2, 3, 4]", 0, 0, ""},  // no check
      {"input [2, 3, 4]", "Threshold(0.1, 20)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "threshold(0.1, 20.0, inplace=True)", "[2, 3, 4]", 0, 0, ""},
      // Python's bools are ints: PyTorch takes them for these numbers
      {"input [2, 3, 4]", "Hardtanh(False, True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "Threshold(True, False)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "LeakyReLU(True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "BatchNorm1d(3, eps=True)", "[2, 3, 4]", 6, 0, ""},
      {"input [2, 3, 4]", "CELU(alpha=False)", "error", 0, 0,
       "ZeroDivisionError: alpha cannot be 0 for CELU"},
      {"input [2, 3, 4]", "RReLU(0.1, 0.3, inplace=True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "rrelu(training=True)", "[2, 3, 4]", 0, 0, ""},
      {"input [2, 3, 4]", "RReLU(0.5, 0.1)", "error", 0, 0,
       "Lower bound should be less than or equal to the upper bound"},
      {"input [2, 3, 4]", "Threshold(0.1)", "error", 0, 0,
       "Threshold() missing required argument: 'value'"},
  };
  check_layer_cases(cases);
}

// PyTorch 1.13 on x = [-30, -2, -0.5, 0, 0.5, 2, 10.5, 30].
TEST_CASE("activations: run computes PyTorch's values") {
  Tensor x = Tensor::zeros({8});
  x.data = {-30, -2, -0.5f, 0, 0.5f, 2, 10.5f, 30};
  struct Case {
    const char* layer;
    std::vector<float> want;
  };
  const Case cases[] = {
      {"Hardtanh()", {-1, -1, -0.5f, 0, 0.5f, 1, 1, 1}},
      {"hardtanh(0.0, 20.0)", {0, 0, 0, 0, 0.5f, 2, 10.5f, 20}},
      {"hardtanh(2.0, 1.0)", {1, 1, 1, 1, 1, 1, 1, 1}},  // clamp: max_val wins
      {"SELU()",
       {-1.758099f, -1.520167f, -0.6917582f, 0, 0.5253505f, 2.101402f, 11.03236f, 31.52103f}},
      {"CELU(0.5)", {-0.5f, -0.4908422f, -0.3160603f, 0, 0.5f, 2, 10.5f, 30}},
      {"Softsign()",
       {-0.9677419f, -0.6666667f, -0.3333333f, 0, 0.3333333f, 0.6666667f, 0.9130435f, 0.9677419f}},
      {"Tanhshrink()", {-29, -1.035972f, -0.03788283f, 0, 0.03788283f, 1.035972f, 9.5f, 29}},
      {"Softshrink(1.0)", {-29, -1, 0, 0, 0, 1, 9.5f, 29}},
      {"Hardshrink(0.5)", {-30, -2, 0, 0, 0, 2, 10.5f, 30}},  // +-lambd itself becomes 0
      {"Threshold(0.5, 20.0)", {20, 20, 20, 20, 20, 2, 10.5f, 30}},
      {"RReLU(0.1, 0.3)", {-6, -0.4f, -0.1f, 0, 0.5f, 2, 10.5f, 30}},  // eval: the mean slope
  };
  for (const Case& c : cases) {
    INFO(c.layer);
    LoadedModel m = check_ns(std::string("input x: [8]\n") + c.layer + "\n");
    REQUIRE(m.exit == ExitCode::Ok);
    Tensor out;
    ForwardCtx ctx{m.analysis.layers.at(0), {&x}, {}, out};
    forward_elementwise(ctx);
    const std::vector<float>& got = out.data;
    REQUIRE(got.size() == c.want.size());
    for (size_t i = 0; i < got.size(); ++i)
      CHECK(got[i] == doctest::Approx(c.want[i]).epsilon(1e-5).scale(1e-12));
  }
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py) on Conv2d(3, 8, 3), the activation,
// Conv2d(8, 4, 3), input [2, 3, 10, 10]: the first conv's input (2,400 bytes), the second's
// (4,096), and what the activation keeps: its input (4,096), or, for leaky_relu_ and elu_ (and
// SELU and CELU in place, which call elu_), its result, which is the second conv's input; the
// other in-place ones keep a copy of their input. Softsign keeps its input and 1 + |x|,
// Tanhshrink tanh(x), RReLU its input (in place: its result) and its noise.
TEST_CASE("activations: what a training step saves, in place or not, as PyTorch saves it") {
  const std::pair<const char*, int64_t> cases[] = {
      {"Hardtanh()", 10'592},
      {"Hardtanh(0, 20, inplace=True)", 10'592},
      {"ReLU6(inplace=True)", 10'592},
      {"SELU()", 10'592},
      {"SELU(True)", 6'496},
      {"CELU()", 10'592},
      {"CELU(inplace=True)", 6'496},
      {"ELU()", 10'592},
      {"ELU(inplace=True)", 6'496},
      {"LeakyReLU(inplace=True)", 6'496},
      {"leaky_relu(inplace=True)", 6'496},
      {"Hardswish(inplace=True)", 10'592},
      {"Softsign()", 14'688},
      {"Tanhshrink()", 10'592},
      {"Softshrink()", 10'592},
      {"Hardshrink()", 10'592},
      {"Threshold(0.1, 20.0)", 10'592},
      {"Threshold(0.1, 20.0, True)", 10'592},
      {"RReLU()", 14'688},  // its input and its noise (the slopes), in eval mode too
      {"rrelu()", 14'688},
      {"RReLU(inplace=True)", 10'592},  // rrelu_: its result and its noise
  };
  for (const auto& c : cases) {  // no structured binding: INFO captures
    INFO(c.first);
    auto m = check_ns(std::string("input x: [2, 3, 10, 10]\nConv2d(3, 8, 3)\n") + c.first +
                      "\nConv2d(8, 4, 3)\n");
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    CHECK(memory->saved_for_backward_bytes == c.second);
  }
}

// PyTorch 1.13's outcome for each: nn.LocalResponseNorm and F.local_response_norm take 3 or more
// dims; a size below 1 fails in the average pool's checks, or earlier where F.pad's negative
// padding narrows the channels to less than nothing (tests/parity/local_response_norm_parity.py
// compares 130 shapes and sizes with PyTorch).
TEST_CASE("local response norm: shapes, and PyTorch's errors") {
  const LayerCase cases[] = {
      {"input [2, 8, 6, 6]", "LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)", "[2, 8, 6, 6]",
       0, 0, ""},
      {"input [2, 8, 7]", "LocalResponseNorm(3)", "[2, 8, 7]", 0, 0, ""},
      {"input [1, 5, 2, 2, 2]", "local_response_norm(7)", "[1, 5, 2, 2, 2]", 0, 0, ""},
      {"input [2, 2, 4, 4]", "LocalResponseNorm(7)", "[2, 2, 4, 4]", 0, 0, ""},  // more than C
      {"input [2, 3]", "LocalResponseNorm(3)", "error", 0, 0,
       "Expected 3D or higher dimensionality input (got 2 dimensions)"},
      {"input [2, 8, 4]", "LocalResponseNorm(0)", "error", 0, 0,
       "kernel size should be greater than zero, but got kH: 0 kW: 1"},
      {"input [2, 8, 4, 4]", "LocalResponseNorm(-1)", "error", 0, 0,
       "kernel size should be greater than zero, but got kT: -1 kH: 1 kW: 1"},
      {"input [2, 8, 4, 4]", "LocalResponseNorm(-3)", "error", 0, 0,
       "pad should be at most half of kernel size, but got pad=0 and kernel_size=-3"},
      {"input [2, 2, 4]", "LocalResponseNorm(-3)", "error", 0, 0,
       "start (0) + length (-2) exceeds dimension size (0)."},
      {"input [2, 1, 4, 4]", "LocalResponseNorm(-5)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-1, 0], but got 3)"},
      {"input [2, 8, 4, 5]", "LocalResponseNorm(2, True, True, True)", "[2, 8, 4, 5]", 0, 0, ""},
      {"input [2, 8, 4]", "LocalResponseNorm(True)", "error", 0, 0,
       "avg_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not tuple"},
      // sizes at int64's ends: an overflow error, narrow's error (no wrap)
      {"input [2, 8, 4, 4]", "LocalResponseNorm(9223372036854775807)", "error", 0, 0,
       "size is too large: the channels padded by size - 1 does not fit in a 64-bit integer"},
      {"input [2, 8, 4, 4]", "LocalResponseNorm(-9223372036854775807)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-8, 7], but got 4611686018427387904)"},
      {"input [2, 8, 4, 5]", "LocalResponseNorm(2.5)", "error", 0, 0,
       "pad(): argument 'pad' must be tuple of ints, but found element of type float at pos 5"},
  };
  check_layer_cases(cases);
}

// PyTorch 1.13: nn.LocalResponseNorm(3, alpha=1.0, beta=0.75, k=1.0) of
// torch.arange(24.).reshape(1, 4, 6) / 4 - 2, and LocalResponseNorm(2, alpha=0.5, beta=0.5, k=2.0)
// of torch.arange(16.).reshape(1, 4, 2, 2) / 4 - 2.
TEST_CASE("local response norm: run computes PyTorch's values") {
  struct Case {
    const char* model;
    std::vector<int64_t> shape;
    std::vector<float> want;
  };
  const Case cases[] = {
      {"input x: [1, 4, 6]\nLocalResponseNorm(3, alpha=1.0, beta=0.75, k=1.0)\n",
       {1, 4, 6},
       {-1.031852f, -1.024588f, -0.985854f, -0.903477f, -0.770104f, -0.590656f,
        -0.234137f, -0.123436f, 0.0f,       0.123436f,  0.234137f,  0.32397f,
        0.390795f,  0.436833f,  0.466199f,  0.483154f,  0.491298f,  0.493382f,
        0.994805f,  0.964744f,  0.932397f,  0.899815f,  0.868132f,  0.837934f}},
      {"input x: [1, 4, 2, 2]\nlocal_response_norm(2, alpha=0.5, beta=0.5, k=2.0)\n",
       {1, 4, 2, 2},
       {-1.154701f, -1.052305f, -0.937043f, -0.808452f, -0.5547f, -0.439941f, -0.308607f,
        -0.161165f, 0.0f, 0.170251f, 0.342997f, 0.510754f, 0.666667f, 0.805823f, 0.92582f,
        1.02653f}},
  };
  for (const Case& c : cases) {
    INFO(c.model);
    LoadedModel m = check_ns(c.model);
    REQUIRE(m.exit == ExitCode::Ok);
    Tensor x = Tensor::zeros(c.shape);
    for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>(i) / 4 - 2;
    Tensor out;
    ForwardCtx ctx{m.analysis.layers.at(0), {&x}, {}, out};
    forward_local_response_norm(ctx);
    REQUIRE(out.data.size() == c.want.size());
    for (size_t i = 0; i < out.data.size(); ++i)
      CHECK(out.data[i] == doctest::Approx(c.want[i]).epsilon(1e-5).scale(1e-12));
  }
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py) on Conv, LocalResponseNorm, Conv: besides the
// convs' inputs, F.local_response_norm keeps its input (x * x), the squares with size - 1 padded
// channels (the average pool), the scaled mean before `** beta`, the divisor (the division) and
// alpha as an 8-byte 0-dim tensor.
TEST_CASE("local response norm: what a training step saves, as PyTorch saves it") {
  const std::pair<const char*, int64_t> cases[] = {
      {"input x: [2, 3, 10, 10]\nConv2d(3, 8, 3)\nLocalResponseNorm(5)\nConv2d(8, 4, 3)\n", 24'936},
      {"input x: [2, 3, 10, 10]\nConv2d(3, 8, 3)\nLocalResponseNorm(2, 1e-4, 0.75, 2.0)\n"
       "Conv2d(8, 4, 3)\n",
       23'400},
      {"input x: [2, 8, 10]\nConv1d(8, 8, 3)\nLocalResponseNorm(3)\nConv1d(8, 4, 3)\n", 3'336},
      {"input x: [2, 3, 6, 6, 6]\nConv3d(3, 8, 3)\nLocalResponseNorm(3)\nConv3d(8, 4, 3)\n",
       26'696},
  };
  for (const auto& c : cases) {
    INFO(c.first);
    auto m = check_ns(c.first);
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    CHECK(memory->saved_for_backward_bytes == c.second);
  }
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py) on Conv2d(8, 8, 3, padding=1), the in-place
// layers, Conv2d(8, 8, 1), input [2, 8, 16, 16]: an in-place result is its input's memory, so
// two in-place layers that keep their results keep one tensor (16,384 bytes beside the first
// conv's input, 16,384); one that keeps its input keeps a copy of it as it was.
TEST_CASE("activations: in-place layers in a row keep one tensor, as PyTorch's do") {
  const std::pair<const char*, int64_t> cases[] = {
      {"ELU(inplace=True)\nLeakyReLU(0.1, inplace=True)", 32'768},
      {"ReLU(inplace=True)\nReLU(inplace=True)", 32'768},
      {"ELU(inplace=True)", 32'768},
      {"Hardtanh(0, 20, True)", 49'152},
      {"Dropout(inplace=True)", 49'152},
      {"Hardswish(inplace=True)\nELU(inplace=True)", 49'152},
  };
  for (const auto& c : cases) {
    INFO(c.first);
    auto m = check_ns(std::string("input x: [2, 8, 16, 16]\nConv2d(8, 8, 3, padding=1)\n") +
                      c.first + "\nConv2d(8, 8, 1)\n");
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    CHECK(memory->saved_for_backward_bytes == c.second);
  }
}
