// nn.Linear and matmul of a 3-D tensor laid out as a transpose (a ViT's `x.flatten(2).transpose(1,
// 2)`): at::matmul multiplies it as a batch (bmm) instead of folding it into one matrix, so a
// wrong in_features is bmm's message, not mm's. Every message is PyTorch 1.13's for the same model
// (the memory layouts as PyTorch makes them: transpose, permute, slices, contiguous copies).
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::PyCase;

TEST_CASE("Linear and matmul of a transposed 3-D tensor: bmm's message, as PyTorch's") {
  const std::string base = R"(import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(48, 32)
        self.plain = nn.Linear(48, 32, bias=False)
        self.w = nn.Parameter(torch.randn(48, 32))
        self.v = nn.Parameter(torch.randn(5, 48))

    def forward(self, x):
        BODY

# input: [2, 27, 196]
)";
  const char* kBatch =
      "Expected size for first two dimensions of batch2 tensor to be: [2, 27] "
      "but got: [2, 48].";
  const PyCase cases[] = {
      // transposed: bmm, with or without a bias
      {"return self.fc(x.transpose(1, 2))", kBatch, ""},
      {"return self.plain(x.transpose(1, 2))", kBatch, ""},
      {"return self.fc(x.permute(0, 2, 1))", kBatch, ""},
      {"return x.transpose(1, 2) @ self.w", kBatch, ""},
      {"return self.v @ x", "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x5)", ""},
      {"return torch.matmul(self.v, x.transpose(1, 2).transpose(1, 2))",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x5)", ""},
      {"return self.v @ x.transpose(1, 2)",
       "Expected size for first two dimensions of batch2 tensor to be: [2, 48] but got: [2, 196].",
       ""},
      // folded into one matrix: contiguous, other orders, slices, 4-D, 2-D
      {"return self.fc(x.transpose(1, 2).contiguous())",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
      {"return self.plain(x.transpose(1, 2).contiguous())",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
      {"return self.fc(x.permute(2, 0, 1))",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
      {"return self.fc(x.transpose(1, 2)[:, ::2])",
       "mat1 and mat2 shapes cannot be multiplied (196x27 and 48x32)", ""},
      {"return self.fc(x.view(2, 27, 14, 14).transpose(1, 3))",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
      {"return self.fc(x[0].t())", "mat1 and mat2 shapes cannot be multiplied (196x27 and 48x32)",
       ""},
      {"return x.transpose(1, 2).contiguous() @ self.w",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
  };
  check_py_cases(base, "head.py", cases);
}
