// torch.hstack, vstack (row_stack), dstack and column_stack: each tensor made at least 1-, 2- or
// 3-D, as at::atleast_Nd makes it (unsqueeze rows), then cat along dim 0, 1 or 2, with cat's
// errors. Each outcome is PyTorch 1.13's on the same file.
#include <doctest/doctest.h>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::PyCase;

namespace {

const char* kModel = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def forward(self, x):
        # input x: [2, 3]
        a = x[0]
        c = x[0, 0]
        return BODY
)";

}  // namespace

TEST_CASE("hstack, vstack, dstack and column_stack join tensors made at least N-D") {
  const PyCase cases[] = {
      {"torch.hstack([a, a])", "", "[6]"},
      {"torch.hstack([x, x])", "", "[2, 6]"},
      {"torch.hstack([c, a])", "", "[4]"},
      {"torch.hstack(tensors=[a, a])", "", "[6]"},
      {"torch.vstack([a, a])", "", "[2, 3]"},
      {"torch.vstack([a, x])", "", "[3, 3]"},
      {"torch.vstack([c, c])", "", "[2, 1]"},
      {"torch.row_stack([a, x])", "", "[3, 3]"},
      {"torch.dstack([a, a])", "", "[1, 3, 2]"},
      {"torch.dstack([x, x])", "", "[2, 3, 2]"},
      {"torch.dstack([c, c])", "", "[1, 1, 2]"},
      {"torch.column_stack([a, a])", "", "[3, 2]"},
      {"torch.column_stack([a, x.t()])", "", "[3, 3]"},
      {"torch.column_stack([c, c])", "", "[1, 2]"},
      // cat's errors, after the tensors are made N-D
      {"torch.vstack([a, x[0, :2]])",
       "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
       "tensor number 1 in the list.",
       ""},
      {"torch.hstack([a, x])", "Tensors must have same number of dimensions: got 1 and 2", ""},
  };
  check_py_cases(kModel, "stack.py", cases);
  const PyCase refused[] = {
      {"torch.hstack([])", "hstack expects a non-empty TensorList", ""},
      {"torch.hstack((a, a), dim=0)", "hstack() got an unexpected keyword argument 'dim'", ""},
      {"torch.vstack(a)",
       "vstack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor", ""},
  };
  check_py_cases(kModel, "stack.py", refused, ExitCode::UsageOrParse);
}
