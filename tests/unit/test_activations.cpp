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
// Tanhshrink tanh(x).
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
