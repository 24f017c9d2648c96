// The ways model files compute a flattened size from a tensor's shape before a view: a slice of
// x.shape is a torch.Size (a tuple, with numel()), a whole one compared as the tuple it is,
// functools.reduce with operator.mul or a lambda, math.prod. Each outcome (the output shape, or the
// message) is PyTorch 1.13's and Python 3.11's for the same forward.
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::PyCase;

TEST_CASE("sizes from shapes: torch.Size slices, functools.reduce, operator, as Python's") {
  const std::string base = R"(import functools
import math
import operator
from functools import reduce
from operator import mul

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(48, 10)

    def forward(self, x):
        BODY
        return self.fc(x.view(-1, n))

# input: [2, 3, 4, 4]
)";
  const PyCase cases[] = {
      {"n = x.shape[1:].numel()", "", "[2, 10]"},
      {"n = x.size()[1:].numel()", "", "[2, 10]"},
      {"n = x.shape.numel() // x.shape[0]", "", "[2, 10]"},
      {"n = math.prod(x.shape[1:])", "", "[2, 10]"},
      {"n = functools.reduce(operator.mul, x.shape[1:])", "", "[2, 10]"},
      {"n = reduce(lambda a, b: a * b, x.shape[1:], 1)", "", "[2, 10]"},
      {"n = reduce(mul, x.size()[1:])", "", "[2, 10]"},
      {"n = functools.reduce(operator.mul, x.shape[1:], 2) // 2", "", "[2, 10]"},
      {"n = operator.add(40, 8)", "", "[2, 10]"},
      // a slice of a torch.Size is a torch.Size: equal to the tuple, printed as a Size
      {"assert x.shape[1:] == (3, 4, 4)\n        n = 48", "", "[2, 10]"},
      {"assert type(x.shape[1:]) is not tuple and isinstance(x.shape[1:], tuple)\n        n = 48",
       "", "[2, 10]"},
      {"n = 48\n        assert False, f'{x.shape[1:]} {x.shape[1:2]} {tuple(x.shape[2:])}'",
       "assertion failed: torch.Size([3, 4, 4]) torch.Size([3]) (4, 4)", ""},
      // a whole torch.Size compared (`if x.shape != skip.shape:` before a U-Net's concatenation)
      {"n = 48 if x.shape == (2, 3, 4, 4) and x.size() != x.flatten(2).shape else 0", "",
       "[2, 10]"},
      {"n = 48 if 4 in x.shape and x.shape < (2, 4) else 1", "", "[2, 10]"},
      {"n = 48\n        assert x.shape != x.reshape(2, 3, 4, 4).size(), 'same'",
       "assertion failed: same", ""},
      // Python's TypeErrors
      {"n = reduce(mul, [])", "reduce() of empty iterable with no initial value", ""},
      {"n = reduce(mul)", "reduce expected at least 2 arguments, got 1", ""},
  };
  // Every error here is one of the model's own code (exit 2), as Python's.
  check_py_cases(base, "net.py", cases, ExitCode::UsageOrParse);
}
