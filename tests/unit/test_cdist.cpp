// torch.cdist: every row of one tensor against every row of the other (prototypical networks,
// VQ-VAE codebooks, nearest neighbours). Shapes, MACs, the forward's values, the memory a
// training step saves, and PyTorch 1.13's errors in its order: every expected value and message
// is PyTorch 1.13's for the same call (tests/parity/cdist_parity.py checks a grid of them with
// torch).
#include <doctest/doctest.h>

#include "forward_helpers.hpp"
#include "netshape/memory.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

// [*B1, P, M] and [*B2, R, M] -> [broadcast(B1, B2), P, R]; MACs prod(out) * M
const LayerCase kShapes[] = {
    {"input a: [4, 8]\ninput b: [5, 8]", "cdist(a, b)", "[4, 5]", 0, 4 * 5 * 8, ""},
    {"input a: [2, 3, 4]\ninput b: [5, 4]", "cdist(a, b, p=1)", "[2, 3, 5]", 0, 2 * 3 * 5 * 4, ""},
    {"input a: [2, 1, 3, 4]\ninput b: [7, 5, 4]", "cdist(a, b, p=0)", "[2, 7, 3, 5]", 0,
     2 * 7 * 3 * 5 * 4, ""},
    {"input a: [B, 16]\ninput b: [10, 16]", "cdist(a, b, compute_mode='use_mm_for_euclid_dist')",
     "[B, 10]", 0, 10 * 16, ""},
    {"input a: [3, 4]\ninput b: [5, 4]", "cdist(a, b, p=True)", "[3, 5]", 0, 3 * 5 * 4, ""},
};

// in at::cdist's order: the ranks (X1 first), the columns, p, the batch dims' broadcast; before
// them torch.cdist's wrapper checks compute_mode, and its argument parser p's type
const LayerCase kErrors[] = {
    {"input a: [4]\ninput b: [5, 4]", "cdist(a, b, p=-1.0)", "error", 0, 0,
     "cdist only supports at least 2D tensors, X1 got: 1D"},
    {"input a: [3, 4]\ninput b: [4]", "cdist(a, b)", "error", 0, 0,
     "cdist only supports at least 2D tensors, X2 got: 1D"},
    {"input a: [3, 4]\ninput b: [5, 3]", "cdist(a, b, p=-1.0)", "error", 0, 0,
     "X1 and X2 must have the same number of columns. X1: 4 X2: 3"},
    {"input a: [2, 3, 4]\ninput b: [3, 5, 4]", "cdist(a, b, p=-1.0)", "error", 0, 0,
     "cdist only supports non-negative p values"},
    {"input a: [3, 4]\ninput b: [5, 4]", "cdist(a, b, p=-0.5)", "error", 0, 0,
     "cdist only supports non-negative p values"},
    {"input a: [2, 3, 4]\ninput b: [3, 5, 4]", "cdist(a, b)", "error", 0, 0,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"},
    {"input a: [3, 4]\ninput b: [5, 4]", "cdist(a, b, p='a', compute_mode='x')", "error", 0, 0,
     "x is not a valid value for compute_mode"},
    {"input a: [3, 4]\ninput b: [5, 4]", "cdist(a, b, p='a')", "error", 0, 0,
     "cdist(): argument 'p' (position 3) must be float, not str"},
};

// A prototypical network's head: each embedded sample against each class prototype.
const char* kPyModel = R"(import torch
import torch.nn as nn

class ProtoNet(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.embed = nn.Linear(16, 8)
        self.prototypes = nn.Parameter(torch.randn(classes, 8))

    def forward(self, x):
        z = self.embed(x)
        return BODY
# input: [4, 16]
)";

const PyCase kPyCases[] = {
    {"-torch.cdist(z, self.prototypes)", "", "[4, 5]"},
    {"torch.cdist(x1=z, x2=self.prototypes, p=1)", "", "[4, 5]"},
    {"torch.cdist(z, x2=self.prototypes, p=3)", "", "[4, 5]"},
    {"torch.cdist(z.unsqueeze(0), self.prototypes.expand(3, 5, 8))", "", "[3, 4, 5]"},
    {"torch.cdist(z.double(), self.prototypes.double(), 2.0, 'donot_use_mm_for_euclid_dist')", "",
     "[4, 5]"},
    {"torch.cdist(z[:0].double(), self.prototypes)", "", "[0, 5]"},  // empty: no kernel runs
};

// Python's binding of torch.cdist's arguments, its ValueError, the argument parser's TypeErrors,
// then at::cdist's: a dtype after the ranks and the columns, a mix of float types last
const PyCase kPyErrors[] = {
    {"torch.cdist(z)", "cdist() missing 1 required positional argument: 'x2'", ""},
    {"torch.cdist(z, self.prototypes, q=2)", "cdist() got an unexpected keyword argument 'q'", ""},
    {"torch.cdist(z, self.prototypes, x1=z)", "cdist() got multiple values for argument 'x1'", ""},
    {"torch.cdist(z, self.prototypes, 2.0, 'use_mm_for_euclid_dist', 1)",
     "cdist() takes from 2 to 4 positional arguments but 5 were given", ""},
    {"torch.cdist(z, self.prototypes, p='a', compute_mode=None)",
     "None is not a valid value for compute_mode", ""},
    {"torch.cdist(z, 3)", "cdist(): argument 'x2' (position 2) must be Tensor, not int", ""},
    {"torch.cdist(z, self.prototypes, p=None)",
     "cdist(): argument 'p' (position 3) must be float, not NoneType", ""},
    {"torch.cdist(z, self.prototypes, p=float('nan'))", "cdist only supports non-negative p values",
     ""},
    {"torch.cdist(z.long(), self.prototypes)",
     "cdist only supports floating-point dtypes, X1 got: Long", ""},
    {"torch.cdist(z, self.prototypes > 0)",
     "cdist only supports floating-point dtypes, X2 got: Bool", ""},
    {"torch.cdist(z[:, :3].long(), self.prototypes)",
     "X1 and X2 must have the same number of columns. X1: 3 X2: 8", ""},
    {"torch.cdist(z.double(), self.prototypes)", "expected scalar type Double but found Float", ""},
};

// with no tensor among the arguments the model stops at the TypeError itself (exit 2)
const PyCase kPyErrorsWithoutTensors[] = {
    {"torch.cdist()", "cdist() missing 2 required positional arguments: 'x1' and 'x2'", ""},
};

}  // namespace

TEST_CASE("cdist: shapes and MACs as PyTorch's") {
  check_layer_cases(kShapes);
}

TEST_CASE("cdist: PyTorch's errors in its order") {
  check_layer_cases(kErrors);
}

TEST_CASE("torch.cdist in a .py file: a prototypical network's head") {
  check_py_cases(kPyModel, "proto.py", kPyCases);
  check_py_cases(kPyModel, "proto.py", kPyErrors);
  check_py_cases(kPyModel, "proto.py", kPyErrorsWithoutTensors, ExitCode::UsageOrParse);
  // float16: its kernels' messages depend on the row counts: refused
  LoadedModel half = analyze_text(
      test::replaced(kPyModel, "BODY", "torch.cdist(z.half(), self.prototypes.half())"), "p.py",
      {});
  CHECK(half.exit == ExitCode::UsageOrParse);
  LoadedModel m = analyze_text(test::replaced(kPyModel, "BODY", kPyCases[0].body), "p.py", {});
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 16 * 8 + 8 + 5 * 8);  // sum(p.numel()) in PyTorch: 176
  CHECK(m.analysis.layers.back().macs == 4 * 5 * 8);
}

// torch.cdist on a = arange(6).reshape(2, 3), b = (arange(9) + 1.5).reshape(3, 3), as PyTorch
// 1.13 prints it, for each p (p=inf, which the model language cannot write, and NaN in
// tests/parity/cdist_parity.py)
TEST_CASE("cdist: the forward's values are PyTorch's for every p") {
  const std::pair<const char*, std::vector<float>> cases[] = {
      {"2", {2.598076105f, 7.794228554f, 12.99038124f, 2.598076105f, 2.598076105f, 7.794228554f}},
      {"1", {4.5f, 13.5f, 22.5f, 4.5f, 4.5f, 13.5f}},
      {"0", {3, 3, 3, 3, 3, 3}},
      {"3", {2.163374424f, 6.490123272f, 10.81687164f, 2.163374424f, 2.163374424f, 6.490123272f}},
  };
  for (const auto& c : cases) {  // no structured binding: INFO captures
    INFO("p=" << c.first);
    Tensor out = test::forward_of(
        std::string("input a: [2, 3]\ninput b: [3, 3]\nd = cdist(a, b, p=") + c.first + ")\n",
        forward_cdist, {test::arange({2, 3}), test::arange({3, 3}, 1.5f)});
    REQUIRE(out.data.size() == c.second.size());
    for (size_t i = 0; i < out.data.size(); ++i) CHECK(out.data[i] == doctest::Approx(c.second[i]));
  }
  // batch dims broadcast: a [2, 2, 3] = arange(12), b [1, 2, 3] = arange(6) * 0.5
  Tensor b = test::arange({1, 2, 3});
  for (float& v : b.data) v *= 0.5f;
  Tensor out = test::forward_of("input a: [2, 2, 3]\ninput b: [1, 2, 3]\nd = cdist(a, b)\n",
                                forward_cdist, {test::arange({2, 2, 3}), b});
  const std::vector<float> want = {1.118034005f, 1.870828748f, 6.103277683f, 3.535533905f,
                                   11.28051376f, 8.689073563f, 16.46966934f, 13.87443733f};
  REQUIRE(out.data.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(out.data[i] == doctest::Approx(want[i]));
}

// What a training step saves, as tests/zoo/saved_for_backward.py counts it with PyTorch 1.13 on
// the same model: the Linear's input, then cdist's x1, x2 (here a parameter: not counted) and
// result; as a matmul (p=2 over 25 rows), x2 expanded to x1's batch dims is a copy kept instead.
TEST_CASE("cdist: the memory a training step saves is PyTorch's") {
  const char* model = R"(import torch
import torch.nn as nn

class Codebook(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(16, 8)
        self.codes = nn.Parameter(torch.randn(ROWS, 8))

    def forward(self, x):
        return torch.cdist(FIRST, SECOND, NORM)
# input: SHAPE
)";
  struct Case {
    const char *rows, *p, *shape, *first, *second;
    int64_t saved;
  };
  const char* z = "self.embed(x)";
  const Case cases[] = {
      {"5", "2.0", "[4, 16]", z, "self.codes", 464},          // 64 + 32 + 20 floats
      {"30", "2.0", "[2, 30, 16]", z, "self.codes", 14'880},  // 960 + 480 + the copy 480 + 1,800
      {"30", "1.0", "[2, 30, 16]", z, "self.codes", 12'960},  // not a matmul: no copy
      // leading 1s are no copy: x1 [1, 2, 30, 8] is itself, x2 [1, 1, 30, 8] copied to [1, 2, ...]
      {"30", "2.0", "[2, 30, 16]", "self.embed(x).unsqueeze(0)", "self.codes.expand(1, 1, 30, 8)",
       14'880},
  };
  for (const Case& c : cases) {
    std::string text = test::replaced(
        test::replaced(test::replaced(model, "ROWS", c.rows), "NORM", c.p), "SHAPE", c.shape);
    text = test::replaced(test::replaced(text, "FIRST", c.first), "SECOND", c.second);
    LoadedModel m = analyze_text(text, "codebook.py", {});
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    INFO(c.rows << " rows, p=" << c.p);
    CHECK(memory->saved_for_backward_bytes == c.saved);
  }
}
