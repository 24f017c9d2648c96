// torch.gather: the elements of a tensor at an index's positions along one dim (MAE's random
// masking keeps `torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))`, a DQN
// reads `q.gather(1, actions)`). Every message below is PyTorch 1.13's for the same call (run
// with torch on the same file); the values a forward reads are checked against its inputs.
#include <doctest/doctest.h>

#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

const char* kGather = R"(import torch
import torch.nn as nn


class M(nn.Module):
    # input x: [2, 3]
    # input idx: [2, 5] long
    def forward(self, x, idx):
        return BODY
)";

}  // namespace

TEST_CASE("gather: the index's shape, checked against the input as PyTorch checks it") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 4]\ninput i: [2, 7, 4]", "g = gather(x, i, 1)", "[2, 7, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]\ninput i: [1, 2, 4]", "g = gather(x, i, dim=-1)", "[1, 2, 4]", 0, 0, ""},
      {"input x: [B, 3]\ninput i: [B, 1]", "g = gather(x, i, 1)", "[B, 1]", 0, 0, ""},
      {"input x: [2, 3, 4]\ninput i: [2, 3]", "g = gather(x, i, 1)", "error", 0, 0,
       "Index tensor must have the same number of dimensions as input tensor"},
      {"input x: [2, 3, 4]\ninput i: [3, 5, 4]", "g = gather(x, i, 1)", "error", 0, 0,
       "Size does not match at dimension 0 expected index [3, 5, 4] to be smaller than self [2, "
       "3, 4] apart from dimension 1"},
      {"input x: [2, 3, 4]\ninput i: [2, 9, 5]", "g = gather(x, i, 1)", "error", 0, 0,
       "Size does not match at dimension 2 expected index [2, 9, 5] to be smaller than self [2, "
       "3, 4] apart from dimension 1"},
      {"input x: [2, 3, 4]\ninput i: [2, 3, 4]", "g = gather(x, i, 3)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
      // whether 5 rows fit a batch B depends on B
      {"input x: [B, 3]\ninput i: [5, 1]", "g = gather(x, i, 1)", "error", 0, 0,
       "gather with index [5, 1] and input [B, 3]: whether dim 0 fits depends on the batch size"},
  };
  check_layer_cases(cases);
}

TEST_CASE("gather: torch.gather and x.gather in forward, with PyTorch's errors") {
  const PyCase ok[] = {
      {"torch.gather(x, 1, idx)", "", "[2, 5]"},
      {"x.gather(1, idx[:, :1])", "", "[2, 1]"},
      {"torch.gather(x, dim=1, index=idx, sparse_grad=True)", "", "[2, 5]"},
      {"x.gather(0, torch.arange(2).view(2, 1).expand(2, 3))", "", "[2, 3]"},
      // an index with no elements is not checked further: it reads nothing
      {"x.gather(1, idx[:, :0].int())", "", "[2, 0]"},
      {"x.gather(1, idx[0, :0])", "", "[0]"},
      {"x.gather(1, torch.zeros(9, 0, dtype=torch.long))", "", "[9, 0]"},
  };
  check_py_cases(kGather, "m.py", ok);
  const PyCase errors[] = {
      {"x.gather(-1, idx.int())", "gather(): Expected dtype int64 for index", ""},
      // the dim is checked before the index's type
      {"x.gather(2, idx.int())",
       "Dimension out of range (expected to be in range of [-2, 1], but "
       "got 2)",
       ""},
      {"torch.gather(x, 1, idx[0])",
       "Index tensor must have the same number of dimensions as input tensor", ""},
      {"torch.gather(x, 0, torch.zeros(3, 5, dtype=torch.long))",
       "Size does not match at dimension 1 expected index [3, 5] to be smaller than self [2, 3] "
       "apart from dimension 0",
       ""},
      {"torch.gather(x[:0], 1, idx[:1, :2])",
       "Size does not match at dimension 0 expected index [1, 2] to be smaller than self [0, 3] "
       "apart from dimension 1",
       ""},
      {"torch.gather(x, 1, idx, sparse_grad=3)",
       "gather(): argument 'sparse_grad' must be bool, not int", ""},
      // an arange's positions are known
      {"torch.gather(x, 0, torch.arange(4).view(2, 2))",
       "index 2 is out of bounds for dimension 0 with size 2", ""},
      {"torch.gather(x, 1, torch.arange(-1, 1).view(2, 1))",
       "index -1 is out of bounds for dimension 1 with size 3", ""},
  };
  check_py_cases(kGather, "m.py", errors);
}

TEST_CASE("gather: a forward reads the input at the index's positions") {
  ExecResult r = test::run_kept(
      "model G\ninput x: [2, 3, 4]\ninput i: [2, 5, 4]\n"
      "g = gather(x, i, 1)\n");
  const Tensor& x = test::tensor_named(r.inputs, "x");
  const Tensor& i = test::tensor_named(r.inputs, "i");
  const Tensor& g = test::tensor_named(r.outputs, "g");
  REQUIRE(g.shape == std::vector<int64_t>{2, 5, 4});
  for (size_t a = 0; a < 2; ++a) {
    for (size_t b = 0; b < 5; ++b) {
      for (size_t c = 0; c < 4; ++c) {
        size_t at = (a * 5 + b) * 4 + c;
        float row = i.data[at];  // drawn as a position along dim 1 (size 3)
        REQUIRE(row >= 0.0f);
        REQUIRE(row < 3.0f);
        CHECK(g.data[at] == x.data[(a * 3 + static_cast<size_t>(row)) * 4 + c]);
      }
    }
  }
}
