// F.one_hot: int64 class ids in, int64 rows of 0s and 1s out (a conditional GAN's labels joined
// to its noise). Every message below is PyTorch 1.13's for the same call (run with torch on the
// same file); the rows a forward makes are checked against the ids it drew.
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

const char* kOneHot = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class M(nn.Module):
    # input labels: [8] long
    def forward(self, labels):
        return BODY
)";

}  // namespace

TEST_CASE("one_hot: a row of num_classes per index, as PyTorch") {
  const LayerCase cases[] = {
      {"input y: [B]", "o = one_hot(y, 10)", "[B, 10]", 0, 0, ""},
      {"input y: [4, 7]", "o = one_hot(y, num_classes=3)", "[4, 7, 3]", 0, 0, ""},
      {"input y: [4]", "o = one_hot(y, 0)", "error", 0, 0,
       "Class values must be smaller than num_classes."},
      {"input y: [4]", "o = one_hot(y)", "error", 0, 0,
       "one_hot without num_classes: its size is the largest index plus one, which depends on "
       "the input's values"},
      {"input y: [4]", "o = one_hot(y, 2.0)", "error", 0, 0,
       "one_hot(): argument 'num_classes' must be int, not float"},
  };
  check_layer_cases(cases);
}

TEST_CASE("one_hot: F.one_hot in forward, with PyTorch's errors") {
  const PyCase ok[] = {
      {"F.one_hot(labels, 10)", "", "[8, 10]"},
      {"torch.cat([torch.zeros(8, 4), F.one_hot(labels, 6).float()], dim=1)", "", "[8, 10]"},
      // an arange's ids are known: num_classes=-1 is the largest plus one
      {"F.one_hot(torch.arange(5))", "", "[5, 5]"},
      {"F.one_hot(labels[:0], 4)", "", "[0, 4]"},
  };
  check_py_cases(kOneHot, "m.py", ok);
  const PyCase errors[] = {
      {"F.one_hot(labels.float(), 10)", "one_hot is only applicable to index tensor.", ""},
      {"F.one_hot(labels.int(), 10)", "one_hot is only applicable to index tensor.", ""},
      {"F.one_hot(torch.arange(5), 3)", "Class values must be smaller than num_classes.", ""},
      {"F.one_hot(labels, 0)", "Class values must be smaller than num_classes.", ""},
      {"F.one_hot(labels, num_classes=2.0)",
       "one_hot(): argument 'num_classes' must be int, not float", ""},
      {"F.one_hot(labels[:0])", "Can not infer total number of classes from empty tensor.", ""},
      {"F.one_hot(labels[:0], 0)", "Can not infer total number of classes from empty tensor.", ""},
  };
  check_py_cases(kOneHot, "m.py", errors);
  const PyCase refused[] = {
      {"F.one_hot(labels)",
       "one_hot without num_classes: its size is the largest index plus one, which depends on "
       "the input's values",
       ""},
      {"labels.one_hot(3)", "'Tensor' object has no attribute 'one_hot'", ""},
  };
  check_py_cases(kOneHot, "m.py", refused, ExitCode::UsageOrParse);
}

TEST_CASE("one_hot: a forward draws ids below num_classes and sets one 1 per row") {
  ExecResult r = test::run_kept("model O\ninput y: [3, 5]\no = one_hot(y, 4)\n");
  const Tensor& y = test::tensor_named(r.inputs, "y");
  const Tensor& o = test::tensor_named(r.outputs, "o");
  REQUIRE(o.shape == std::vector<int64_t>{3, 5, 4});
  for (size_t i = 0; i < y.data.size(); ++i) {
    CAPTURE(i);
    REQUIRE(y.data[i] >= 0.0f);
    REQUIRE(y.data[i] < 4.0f);
    for (size_t c = 0; c < 4; ++c)
      CHECK(o.data[i * 4 + c] == (static_cast<float>(c) == y.data[i] ? 1.0f : 0.0f));
  }
}
