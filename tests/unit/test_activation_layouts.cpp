// How the outputs of glu, log-sigmoid, rrelu, PReLU and the *_like factories lie in memory, as
// PyTorch 1.13 lays them out, decides whether a `view` after them is allowed: glu's output keeps
// its input's order of strides (TensorIterator over two halves), log-sigmoid's and rrelu's is
// contiguous whatever their input (their kernels allocate it), PReLU's is contiguous unless the
// input is channels-last, and `torch.zeros_like(x, memory_format=torch.contiguous_format)` is
// contiguous. Each outcome is PyTorch's on the same file.
#include <doctest/doctest.h>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::PyCase;

namespace {

const char* kModel = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.glu = nn.GLU()
        self.logsigmoid = nn.LogSigmoid()
        self.rrelu = nn.RReLU()
        self.prelu = nn.PReLU(6)

    def forward(self, x):
        # input x: [2, 8, 6]
        a = x.transpose(1, 2)  # [2, 6, 8], strides (48, 1, 6)
        return BODY
)";

constexpr const char* kViewError =
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.";

}  // namespace

TEST_CASE("a view after glu, log-sigmoid, rrelu and PReLU of a transposed tensor") {
  const PyCase cases[] = {
      // glu keeps the transposed order: the view spans two subspaces
      {"F.glu(a, -1).view(2, -1)", kViewError, ""},
      {"self.glu(a).view(2, -1)", kViewError, ""},
      {"F.glu(a, 0).view(-1)", kViewError, ""},
      {"F.glu(a, 1).transpose(1, 2).view(2, -1)", "", "[2, 24]"},
      // contiguous outputs, whatever the input
      {"F.logsigmoid(a).view(2, -1)", "", "[2, 48]"},
      {"self.logsigmoid(a).view(2, -1)", "", "[2, 48]"},
      {"F.rrelu(a, training=False).view(2, -1)", "", "[2, 48]"},
      {"self.rrelu(a).view(2, -1)", "", "[2, 48]"},
      {"self.prelu(a).view(2, -1)", "", "[2, 48]"},
      // the other activations keep the input's order (TensorIterator)
      {"F.softplus(a).view(2, -1)", kViewError, ""},
  };
  check_py_cases(kModel, "act.py", cases);
}

TEST_CASE("a view after the *_like factories follows their memory_format") {
  const PyCase cases[] = {
      {"torch.zeros_like(a).view(2, -1)", kViewError, ""},
      {"torch.zeros_like(a, memory_format=torch.preserve_format).view(2, -1)", kViewError, ""},
      {"torch.zeros_like(a, memory_format=torch.contiguous_format).view(2, -1)", "", "[2, 48]"},
      {"torch.empty_like(a, memory_format=torch.contiguous_format).view(-1)", "", "[96]"},
      {"(torch.randn_like(a, memory_format=torch.contiguous_format) + a.contiguous()).view(-1)", "",
       "[96]"},
  };
  check_py_cases(kModel, "like.py", cases);
  // channels-last is not followed: refused rather than guessed
  const PyCase refused[] = {
      {"torch.zeros_like(a.unsqueeze(0), memory_format=torch.channels_last).view(-1)",
       "unsupported Python construct: a memory format other than torch.contiguous_format", ""},
  };
  check_py_cases(kModel, "like.py", refused, ExitCode::UsageOrParse);
}
