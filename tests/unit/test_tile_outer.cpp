// tile (PyTorch's repeat with counts of 1 in front for the dims it does not name) and outer (two
// 1-D tensors, `a.reshape(n, 1) * b`: RoPE's angles). Every message is PyTorch 1.13's for the
// same call (run with torch on the same file).
#include <doctest/doctest.h>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

const char* kModel = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def forward(self, x):
        # input x: [2, 4]
        return BODY
)";

}  // namespace

TEST_CASE("tile: repeat with the dims it does not name repeated once") {
  const LayerCase cases[] = {
      {"input x: [2, 4]", "t = tile(2)", "[2, 8]", 0, 0, ""},
      {"input x: [2, 4]", "t = tile(3, 1)", "[6, 4]", 0, 0, ""},
      {"input x: [2, 4]", "t = tile((2, 2, 2))", "[2, 4, 8]", 0, 0, ""},
      {"input x: [B, 4]", "t = tile(2)", "[B, 8]", 0, 0, ""},
      {"input x: [2, 4]", "t = tile(())", "[2, 4]", 0, 0, ""},
      {"input x: [2, 4]", "t = tile(0)", "[2, 0]", 0, 0, ""},
      {"input x: [2, 4]", "t = tile(-1)", "error", 0, 0,
       "Trying to create tensor with negative dimension -4: [2, -4]"},
      {"input x: [2, 4]", "t = tile(2.0)", "error", 0, 0,
       "tile(): argument 'dims' (position 1) must be tuple of ints, not float"},
      {"input x: [2, 4]", "t = tile(2, 2.0)", "error", 0, 0,
       "tile(): argument 'dims' must be tuple of ints, but found element of type float at pos 2"},
      {"input x: [2, 4]", "t = tile()", "error", 0, 0,
       "tile() missing 1 required positional arguments: \"dims\""},
  };
  check_layer_cases(cases);
}

TEST_CASE("tile and outer in a .py forward, as PyTorch reads them") {
  const PyCase cases[] = {
      {"x.tile(2, 1)", "", "[4, 4]"},
      {"x.tile([3])", "", "[2, 12]"},
      {"torch.tile(x, (2,))", "", "[2, 8]"},
      {"torch.tile(x, dims=(2, 2, 2))", "", "[2, 4, 8]"},
      {"torch.tile(x, [1, 1, 1, 2])", "", "[1, 1, 2, 8]"},
      {"x.tile((2.0, 1))", "tile(): argument 'dims' (position 1) must be tuple of ints, not tuple",
       ""},
      {"x.tile(None)", "tile(): argument 'dims' (position 1) must be tuple of ints, not NoneType",
       ""},
      {"x.repeat(2.0, 1)",
       "repeat(): argument 'repeats' (position 1) must be tuple of SymInts, not float", ""},
      {"torch.outer(x[0], x[1])", "", "[4, 4]"},
      {"x[0].outer(x[1, :3])", "", "[4, 3]"},
      {"torch.ger(x[0], x[1])", "", "[4, 4]"},
      {"torch.outer(torch.arange(3), x[1])", "", "[3, 4]"},
      {"torch.outer(x[0], x[1][:0])", "", "[4, 0]"},
      {"torch.outer(x, x[1])", "outer: Expected 1-D argument self, but got 2-D", ""},
      {"torch.outer(x[0], x)", "outer: Expected 1-D argument vec2, but got 2-D", ""},
      {"torch.outer(x[0, 0], x[1])", "outer: Expected 1-D argument self, but got 0-D", ""},
  };
  check_py_cases(kModel, "tile.py", cases);
  // Python's TypeErrors (exit 2): an int list given by its keyword is one tuple or list
  const PyCase type_errors[] = {
      {"torch.tile(x, 2)", "tile(): argument 'dims' (position 2) must be tuple of ints, not int",
       ""},
      {"torch.tile(x, dims=2)", "tile(): argument 'dims' must be tuple of ints, not int", ""},
      {"x.tile(dims=2)", "tile(): argument 'dims' must be tuple of ints, not int", ""},
      {"x.repeat(repeats=2)", "repeat(): argument 'repeats' must be tuple of SymInts, not int", ""},
      {"x.flip(dims=0)", "flip(): argument 'dims' must be tuple of ints, not int", ""},
      {"torch.outer(x[0], b=x[1])", "outer() missing 1 required positional arguments: \"vec2\"",
       ""},
      {"torch.outer(x[0], x[1], alpha=2)", "outer() got an unexpected keyword argument 'alpha'",
       ""},
      {"torch.ger(x[0], None)", "ger(): argument 'vec2' (position 2) must be Tensor, not NoneType",
       ""},
      {"x[0].outer(x[1], x[1])", "outer() takes 1 positional argument but 2 were given", ""},
      {"torch.outer(x[0], vec2=x[1], input=x[1])",
       "outer() got multiple values for argument 'input'", ""},
  };
  check_py_cases(kModel, "tile.py", type_errors, ExitCode::UsageOrParse);
  const PyCase by_keyword[] = {
      {"torch.outer(vec2=x[1], input=x[0])", "", "[4, 4]"},
      {"x[0].ger(vec2=x[1])", "", "[4, 4]"},
  };
  check_py_cases(kModel, "tile.py", by_keyword);
}
