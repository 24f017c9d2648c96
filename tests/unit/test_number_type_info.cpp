// torch.finfo and torch.iinfo: the limits of a number type, read by field (attention masks fill
// with `torch.finfo(scores.dtype).min`); nan_to_num, which replaces NaN and the infinities by
// numbers, by default the type's limits. Each value and message is PyTorch 1.13's for the same
// call (run with torch on the same file).
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
        self.mask_value = torch.finfo(torch.float16).min

    def forward(self, x):
        # input x: [2, 4]
        return BODY
)";

}  // namespace

TEST_CASE("torch.finfo and torch.iinfo give PyTorch's limits by field") {
  // Each field read back as a size, so the shape shows the number netshape took.
  const PyCase cases[] = {
      {"x.new_zeros(torch.finfo(torch.float32).bits)", "", "[32]"},
      {"x.new_zeros(torch.finfo().bits)", "", "[32]"},  // the default dtype's
      {"x.new_zeros(torch.finfo(type=torch.float64).bits)", "", "[64]"},
      {"x.new_zeros(round(1 / torch.finfo(torch.float16).eps))", "", "[1024]"},
      {"x.new_zeros(int(torch.finfo(torch.float16).max) // 1000)", "", "[65]"},
      {"x.new_zeros(int(-self.mask_value) // 1000)", "", "[65]"},
      {"x.new_zeros(round(1 / torch.finfo(torch.bfloat16).eps))", "", "[128]"},
      {"x.new_zeros(round(1 / torch.finfo(torch.float16).tiny))", "", "[16384]"},
      {"x.new_zeros(round(1 / torch.finfo(torch.float16).smallest_normal))", "", "[16384]"},
      {"x.new_zeros(round(1 / torch.finfo(x.dtype).resolution) // 100000)", "", "[10]"},
      {"x.new_zeros(int(torch.finfo(torch.float32).max / 1e37))", "", "[34]"},
      {"x.new_zeros(int(torch.finfo(torch.complex64).eps * 2 ** 24))", "", "[2]"},
      {"x.new_zeros(len(torch.finfo(torch.bfloat16).dtype))", "", "[8]"},
      {"x.new_zeros(torch.iinfo(torch.uint8).max + 1)", "", "[256]"},
      {"x.new_zeros(-torch.iinfo(torch.int16).min // 1024)", "", "[32]"},
      {"x.new_zeros(torch.iinfo(torch.int8).bits)", "", "[8]"},
      {"x.new_zeros(torch.iinfo(torch.int64).max // 2 ** 60)", "", "[7]"},
      {"x.new_zeros(-(torch.iinfo(torch.long).min // 2 ** 60))", "", "[8]"},
      {"x.new_zeros(torch.iinfo(torch.int32).max // 2 ** 28)", "", "[7]"},
      {"x.new_zeros(len(torch.iinfo(torch.int32).dtype))", "", "[5]"},
      // the masking idiom: a type's own minimum fits it
      {"x.masked_fill(x > 0, torch.finfo(x.dtype).min)", "", "[2, 4]"},
      {"x.half().masked_fill(x > 0, self.mask_value)", "", "[2, 4]"},
  };
  check_py_cases(kModel, "info.py", cases);
}

TEST_CASE("a limit too large for the tensor written is PyTorch's overflow error") {
  const PyCase cases[] = {
      {"x.half().masked_fill(x > 0, torch.finfo(torch.float32).min)",
       "value cannot be converted to type at::Half without overflow", ""},
      {"x.masked_fill(x > 0, torch.finfo(torch.float64).max)",
       "value cannot be converted to type float without overflow", ""},
      {"x.long().masked_fill(x > 0, torch.iinfo(torch.int64).min)", "", "[2, 4]"},
  };
  check_py_cases(kModel, "info.py", cases);
}

TEST_CASE("torch.finfo and torch.iinfo refuse what PyTorch refuses, with its TypeError") {
  const PyCase cases[] = {
      {"torch.finfo(torch.long).min",
       "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
       "'torch.finfo'",
       ""},
      {"torch.iinfo(torch.float32).max",
       "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'", ""},
      {"torch.iinfo(torch.complex64).max",
       "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'", ""},
      {"torch.iinfo(torch.bool).max", "torch.bool is not supported by torch.iinfo", ""},
      {"torch.finfo(3).min", "finfo(): argument 'type' (position 1) must be torch.dtype, not int",
       ""},
      {"torch.finfo(x).min",
       "finfo(): argument 'type' (position 1) must be torch.dtype, not Tensor", ""},
      {"torch.finfo('float32').min",
       "finfo(): argument 'type' (position 1) must be torch.dtype, not str", ""},
      {"torch.iinfo().min", "iinfo() missing 1 required positional arguments: \"type\"", ""},
      {"torch.finfo(dtype=torch.float32).min",
       "finfo() missing 1 required positional arguments: \"type\"", ""},
      {"torch.iinfo(torch.int8, 2).min", "iinfo() takes 1 positional argument but 2 were given",
       ""},
      {"torch.finfo(torch.float32).smallest", "'torch.finfo' object has no attribute 'smallest'",
       ""},
      {"torch.iinfo(torch.int32).eps", "'torch.iinfo' object has no attribute 'eps'", ""},
  };
  check_py_cases(kModel, "info.py", cases, ExitCode::UsageOrParse);
}

TEST_CASE("nan_to_num keeps the tensor and its type, its numbers bound as PyTorch binds them") {
  // the type read back through `.dtype`: kept for every type, integers and bools included
  const PyCase cases[] = {
      {"torch.relu(x.nan_to_num())", "", "[2, 4]"},
      {"torch.relu(torch.nan_to_num(x, 0.0, None, -1.0))", "", "[2, 4]"},
      {"torch.relu(torch.nan_to_num(input=x, nan=3))", "", "[2, 4]"},
      {"torch.relu(x.nan_to_num(True))", "", "[2, 4]"},
      {"x.new_zeros(3 if x.nan_to_num().dtype == torch.float32 else 5)", "", "[3]"},
      {"x.new_zeros(3 if x.double().nan_to_num().dtype == torch.float64 else 5)", "", "[3]"},
      {"x.new_zeros(3 if x.long().nan_to_num(nan=1.5).dtype == torch.int64 else 5)", "", "[3]"},
      {"x.new_zeros(3 if x.bool().nan_to_num().dtype == torch.bool else 5)", "", "[3]"},
      {"x.new_zeros(3 if x.half().nan_to_num().dtype == torch.float16 else 5)", "", "[3]"},
      {"nn.functional.relu(x.nan_to_num_(posinf=1.0))", "", "[2, 4]"},
  };
  check_py_cases(kModel, "nan.py", cases);
  const PyCase refused[] = {
      {"x.nan_to_num('a')", "nan_to_num(): argument 'nan' (position 1) must be float, not str", ""},
      {"x.nan_to_num(posinf=[1])", "nan_to_num(): argument 'posinf' must be float, not list", ""},
      {"x.nan_to_num(x)", "nan_to_num(): argument 'nan' (position 1) must be float, not Tensor",
       ""},
      {"torch.nan_to_num(x, 1, 2, 3, 4)",
       "nan_to_num() takes from 1 to 4 positional arguments but 5 were given", ""},
      {"x.nan_to_num(1, 2, 3, 4)",
       "nan_to_num() takes from 0 to 3 positional arguments but 4 were given", ""},
      {"x.nan_to_num(foo=1)", "nan_to_num() got an unexpected keyword argument 'foo'", ""},
  };
  check_py_cases(kModel, "nan.py", refused, ExitCode::UsageOrParse);
}
