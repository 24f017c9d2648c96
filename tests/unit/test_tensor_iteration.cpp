// Python iterating over a tensor in forward: `q, k, v = qkv` (ViT ports), `for t in x:`,
// `list(x)`, `sum(x)`. Tensor.__iter__ is `iter(self.unbind(0))`, so each item is a select of dim
// 0, a piece autograd guards as unbind's. Also the sizes negated (`x[:, -z.size(1):]`, a crop) and
// torch.concat / torch.concatenate, PyTorch's aliases of torch.cat. Each outcome is PyTorch
// 1.13's on the same file.
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
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(16, 48)

    def forward(self, x):
        # input x: [2, 8, 16]
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, 4, 4).permute(2, 0, 3, 1, 4)
        BODY
)";

}  // namespace

TEST_CASE("iterating over a tensor takes the pieces of unbind(0)") {
  const PyCase cases[] = {
      {"q, k, v = qkv\n        return q @ k.transpose(-2, -1) @ v", "", "[2, 4, 8, 4]"},
      {"for t in qkv:\n            x = x + t.sum()\n        return x", "", "[2, 8, 16]"},
      {"return list(qkv)[2]", "", "[2, 4, 8, 4]"},
      {"return [t * 2 for t in qkv][1]", "", "[2, 4, 8, 4]"},
      {"return sum(qkv)", "", "[2, 4, 8, 4]"},
      {"a, *rest = x[0, 0]\n        return torch.stack(rest)", "", "[15]"},
      {"return torch.stack([row for row in x[0]], dim=1)", "", "[16, 8]"},
  };
  check_py_cases(kModel, "iter.py", cases);
  const PyCase unpacked[] = {
      {"a, b = qkv\n        return a", "too many values to unpack (expected 2)", ""},
      {"a, b, c, d = qkv\n        return a", "not enough values to unpack (expected 4, got 3)", ""},
  };
  check_py_cases(kModel, "iter.py", unpacked);  // as of x.unbind(0)'s pieces
  const PyCase refused_by_torch[] = {
      {"for t in qkv.sum():\n            pass\n        return x", "iteration over a 0-d tensor",
       ""},
      // the items are unbind's pieces: autograd refuses an in-place write into one
      {"q, k, v = qkv\n        q *= 2\n        return q",
       "Output 0 of UnbindBackward0 is a view and is being modified inplace. This view is the "
       "output of a function that returns multiple views. Such functions do not allow the output "
       "views to be modified inplace. You should replace the inplace operation by an out-of-place "
       "one.",
       ""},
  };
  check_py_cases(kModel, "iter.py", refused_by_torch);
}

TEST_CASE("a size negated in forward, and torch.concat") {
  const PyCase cases[] = {
      {"z = x[:, :4]\n        return x[:, -z.size(1):]", "", "[2, 4, 16]"},
      {"return x[:, :, -x.shape[2] // 2:]", "", "[2, 8, 8]"},
      {"return x.new_zeros(+x.size(1), -(-x.size(2)))", "", "[8, 16]"},
      {"return torch.concat([x, x], dim=1)", "", "[2, 16, 16]"},
      {"return torch.concatenate([x, x], axis=2)", "", "[2, 8, 32]"},
      {"return torch.concat([x, x[:, :3]], 2)",
       "Sizes of tensors must match except in dimension 2. Expected size 8 but got size 3 for "
       "tensor number 1 in the list.",
       ""},
  };
  check_py_cases(kModel, "neg.py", cases);
}
