// The forms of `dim` each reduction takes, as PyTorch 1.13's argument parser reads them: prod,
// argmax and argmin reduce one dim (an int), the others also a list; a None given to prod or
// logsumexp is a dimension's name. Shapes, messages and values are PyTorch 1.13's.
#include <doctest/doctest.h>

#include "forward_helpers.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::arange;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::forward_of;
using netshape::test::LayerCase;
using netshape::test::PyCase;

TEST_CASE("reductions: prod multiplies along one dim, arg* take one int, None is no dim") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 4]", "prod()", "[]", 0, 0, ""},
      {"input x: [2, 3, 4]", "prod(1)", "[2, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]", "prod(1, keepdim=True)", "[2, 1, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]", "prod(-1, True)", "[2, 3, 1]", 0, 0, ""},
      {"input x: [2, 3, 4]", "prod(3)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
      {"input x: [2, 3, 4]", "prod(dim=(1, 2))", "error", 0, 0,
       "prod(): argument 'dim' must be int, not tuple"},
      {"input x: [2, 3, 4]", "prod([1])", "error", 0, 0,
       "prod(): argument 'dim' must be int, not list"},
      {"input x: [2, 3, 4]", "prod(1.5)", "error", 0, 0,
       "prod(): argument 'dim' must be int, not float"},
      {"input x: [2, 3, 4]", "prod(dim=None)", "error", 0, 0,
       "Please look up dimensions by name, got: name = None."},
      {"input x: [2, 3, 4]", "prod(keepdim=True)", "error", 0, 0,
       "prod() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
       "one of:"},
      {"input x: [2, 3, 4]", "logsumexp(None)", "error", 0, 0,
       "Please look up dimensions by name, got: name = None."},
      {"input x: [2, 3, 4]", "logsumexp(dim=None, keepdim=True)", "error", 0, 0,
       "Please look up dimensions by name, got: name = None."},
      {"input x: [2, 3, 4]", "argmax(None)", "[]", 0, 0, ""},
      {"input x: [2, 3, 4]", "argmax(1, keepdim=True)", "[2, 1, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]", "argmax(dim=(1, 2))", "error", 0, 0,
       "argmax(): argument 'dim' must be int, not tuple"},
      {"input x: [2, 3, 4]", "argmin(dim=[1])", "error", 0, 0,
       "argmin(): argument 'dim' must be int, not list"},
      {"input x: [2, 3, 4]", "argmin(True)", "error", 0, 0,
       "argmin(): argument 'dim' must be int, not bool"},
      // the reductions that take a list, and sum's None
      {"input x: [2, 3, 4]", "sum(None)", "[]", 0, 0, ""},
      {"input x: [2, 3, 4]", "amax((1, 2))", "[2]", 0, 0, ""},
      {"input x: [2, 3, 4]", "std(dim=[1])", "[2, 4]", 0, 0, ""},
  };
  check_layer_cases(cases);
}

TEST_CASE("reductions: x.prod and torch.prod in a .py forward, with the types PyTorch gives") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(4, 3)

    def forward(self, x):
        BODY

# input: [2, 16, 8, 8]
)";
  const PyCase cases[] = {
      {"return x.prod(1)", "", "[2, 8, 8]"},
      {"return torch.prod(x, dim=1, keepdim=True)", "", "[2, 1, 8, 8]"},
      {"return torch.prod(x)", "", "[]"},
      // prod of ints or bools is int64, as sum's: an Embedding takes it
      {"return self.emb((x > 0).prod(1))", "", "[2, 8, 8, 3]"},
      {"return x.argmax(dim=(2, 3))", "argmax(): argument 'dim' must be int, not tuple", ""},
      {"return x.prod(None)", "Please look up dimensions by name, got: name = None.", ""},
  };
  check_py_cases(base, "net.py", cases);
}

// PyTorch 1.13 on x = torch.arange(1., 25.).reshape(2, 3, 4) / 3: x.prod(1), x.prod(),
// x.prod(-1, keepdim=True), printed flat.
TEST_CASE("run: prod computes PyTorch's values") {
  Tensor x = arange({2, 3, 4}, 1);
  for (float& v : x.data) v /= 3;
  auto near = [](const std::vector<float>& got, std::vector<float> want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  };
  const std::string in = "input x: [2, 3, 4]\n";
  near(forward_of(in + "prod(1)\n", forward_mean, {x}).data,
       {1.6666667f, 4.4444447f, 8.5555553f, 14.222223f, 171.88889f, 205.33334f, 242.77779f,
        284.44446f});
  near(forward_of(in + "prod()\n", forward_mean, {x}).data, {2196825440256.0f});
  Tensor last = forward_of(in + "prod(-1, keepdim=True)\n", forward_mean, {x});
  CHECK(last.shape == std::vector<int64_t>{2, 3, 1});
  near(last.data, {0.2962963f, 20.740740f, 146.66667f, 539.25928f, 1435.5555f, 3148.4446f});
}

// PyTorch 1.13's std(unbiased) overload of one bool, over every dim, on the same x:
// x.std(False) and x.var(True).
TEST_CASE("run: std and var of one bool are the unbiased overload over every dim") {
  Tensor x = arange({2, 3, 4}, 1);
  for (float& v : x.data) v /= 3;
  const std::string in = "input x: [2, 3, 4]\n";
  Tensor sd = forward_of(in + "std(False)\n", forward_mean, {x});
  CHECK(sd.shape.empty());
  CHECK(sd.data.at(0) == doctest::Approx(2.3073955).epsilon(1e-5));
  Tensor var = forward_of(in + "var(True)\n", forward_mean, {x});
  CHECK(var.data.at(0) == doctest::Approx(5.5555553).epsilon(1e-5));
}

// AdaptiveAvgPool2d(1) of a 5-D input, the mean over its last two dims (PyTorch 1.13's path for
// an output of 1s): each 2x2 plane of arange is averaged, [1.5, 5.5, ...].
TEST_CASE("run: adaptive average pooling to 1 of a 5-D input averages its last two dims") {
  Tensor y = forward_of("input x: [1, 2, 3, 2, 2]\nAdaptiveAvgPool2d(1)\n",
                        forward_adaptive_avg_pool, {arange({1, 2, 3, 2, 2})});
  CHECK(y.shape == std::vector<int64_t>{1, 2, 3, 1, 1});
  CHECK(y.data == std::vector<float>{1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f});  // exact in float
}

// torch.eye(2, 3): [[1, 0, 0], [0, 1, 0]].
TEST_CASE("run: eye puts ones on the diagonal") {
  Tensor y = forward_of("input x: [2]\ny = eye(2, 3)\n", forward_source, {});
  CHECK(y.data == std::vector<float>{1, 0, 0, 0, 1, 0});
}
