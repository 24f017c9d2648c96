// Arguments of a form PyTorch 1.13's argument parser refuses, found by a differential sweep
// against it: each call below is PyTorch's error (netshape used to give a shape, or crashed),
// and the forms it takes still work. The parameters after a bare `*` in ops.def are
// keyword-only; a C++ op's flags are bools, never ints; a bool given as an int is still checked.
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using netshape::test::check_layer_cases;
using netshape::test::LayerCase;

TEST_CASE("argument forms: keyword-only parameters are refused by position") {
  const LayerCase cases[] = {
      // add(prev, x, 2) is PyTorch's TypeError (alpha is keyword-only); it was prev + 2 * x
      {"input x: [4, 4]\ny = unsqueeze(x, 0)", "add(x, 2)", "error", 0, 0,
       "add() takes 0 positional arguments but 1 were given"},
      {"input x: [4, 4]\ny = unsqueeze(x, 0)", "add(x, alpha=2)", "[1, 4, 4]", 0, 0, ""},
      {"input x: [4, 4]", "sub(x, 0.5)", "error", 0, 0,
       "sub() takes 0 positional arguments but 1 were given"},
      {"input x: [4, 4]", "div(x, None)", "error", 0, 0,
       "div() takes 0 positional arguments but 1 were given"},
      {"input x: [4, 4]", "div(x, rounding_mode='floor')", "[4, 4]", 0, 0, ""},
      {"input x: [4, 4]", "gelu('tanh')", "error", 0, 0,
       "gelu() takes 0 positional arguments but 1 were given"},
      {"input x: [4, 4]", "gelu(approximate='tanh')", "[4, 4]", 0, 0, ""},
      {"input x: [4, 4]", "mean(1, False, None)", "error", 0, 0,
       "mean() takes 2 positional arguments but 3 were given"},
      {"input x: [4, 4]", "sum(1, dtype=None)", "[4]", 0, 0, ""},
      {"input x: [4, 4]", "cumsum(1, None)", "error", 0, 0,
       "cumsum() takes 1 positional argument but 2 were given"},
      {"input x: [4, 4]", "std(1, True, False, None)", "error", 0, 0,
       "std() takes 3 positional arguments but 4 were given"},
      {"input x: [4, 4]", "std(1, True, False, correction=0)", "[4]", 0, 0, ""},
      {"input x: [4, 4]", "sort(-1, False, False)", "error", 0, 0,
       "sort() takes 2 positional arguments but 3 were given"},
      {"input x: [4, 4]", "repeat_interleave(2, None, None)", "error", 0, 0,
       "repeat_interleave() takes 2 positional arguments but 3 were given"},
  };
  check_layer_cases(cases);
}

TEST_CASE("argument forms: a C++ op's flags are bools, and a bool as a size is still checked") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 8, 8]", "argmax(1, keepdim=0)", "error", 0, 0,
       "argmax(): argument 'keepdim' must be bool, not int"},
      {"input x: [2, 3, 8, 8]", "mean(1, 1)", "error", 0, 0,
       "mean(): argument 'keepdim' must be bool, not int"},
      {"input x: [2, 3, 8, 8]", "mean(1, True)", "[2, 1, 8, 8]", 0, 0, ""},
      // a dim is a C++ int: a bool there is PyTorch's TypeError (it was dim 0 or 1)
      {"input x: [2, 3, 8, 8]", "Softmax(True)", "error", 0, 0,
       "Softmax(): argument 'dim' must be int, not bool"},
      {"input x: [2, 3, 8, 8]", "flatten(start_dim=False)", "error", 0, 0,
       "flatten(): argument 'start_dim' must be int, not bool"},
      {"input x: [2, 3, 8, 8]", "transpose(False, 1)", "error", 0, 0,
       "transpose(): argument 'dim0' must be int, not bool"},
      {"input x: [2, 3, 8, 8]", "unsqueeze(True)", "error", 0, 0,
       "unsqueeze(): argument 'dim' must be int, not bool"},
      {"input x: [2, 3, 8, 8]", "transpose(0, 1)", "[3, 2, 8, 8]", 0, 0, ""},
      {"input x: [2, 3, 8, 8]", "std(1, 0)", "error", 0, 0,
       "std(): argument 'unbiased' must be bool, not int"},
      {"input x: [2, 3, 8, 8]", "MaxPool2d(2, ceil_mode=1)", "error", 0, 0,
       "MaxPool2d(): argument 'ceil_mode' must be bool, not int"},
      {"input x: [2, 3, 8, 8]", "avg_pool2d(2, count_include_pad=0)", "error", 0, 0,
       "avg_pool2d(): argument 'count_include_pad' must be bool, not int"},
      // groups=False is 0: PyTorch's "groups must be a positive integer" (netshape divided by
      // it: a crash); GroupNorm(False, 3) is PyTorch's ZeroDivisionError
      {"input x: [2, 3, 8, 8]", "Conv2d(3, 4, 3, groups=False)", "error", 0, 0,
       "groups must be a positive integer"},
      {"input x: [2, 3, 8, 8]", "ConvTranspose2d(3, 3, 3, groups=False)", "error", 0, 0, ""},
      {"input x: [2, 3, 8, 8]", "GroupNorm(False, 3)", "error", 0, 0, ""},
      {"input x: [2, 3, 8, 8]", "Conv2d(3, 4, 3, groups=True)", "error", 0, 0,
       "Conv2d(): argument 'groups' must be int, not bool"},
      {"input x: [2, 3, 8, 8]", "Conv2d(3, 4, 3, groups=1)", "[2, 4, 6, 6]", 112, 7'776, ""},
  };
  check_layer_cases(cases);
}

TEST_CASE("argument forms: checks PyTorch makes in eval mode too") {
  const LayerCase cases[] = {
      // F.group_norm's _verify_batch_size: one value per group
      {"input x: [1, 3]", "GroupNorm(3, 3)", "error", 0, 0,
       "Expected more than 1 value per channel when training, got input size [1, 3]"},
      {"input x: [1, 3, 1, 1]", "GroupNorm(3, 3)", "error", 0, 0,
       "Expected more than 1 value per channel when training, got input size [1, 3, 1, 1]"},
      {"input x: [1, 6]", "GroupNorm(3, 6)", "[1, 6]", 12, 0, ""},
      // N * C past 64 bits is no product to compute (UBSan's step checks it is not)
      {"input x: [4611686018427387904, 4611686018427387904]", "GroupNorm(1, 4611686018427387904)",
       "error", 0, 0, "groupnorm1 has more parameters than fit in 64 bits"},
      {"input x: [1, 3, 2]", "GroupNorm(3, 3)", "[1, 3, 2]", 6, 0, ""},
      // antialias only with bilinear or bicubic, of a 4-D input
      {"input x: [1, 2, 8, 8]", "interpolate(scale_factor=2, antialias=True)", "error", 0, 0,
       "Anti-alias option is only supported for bilinear and bicubic modes"},
      {"input x: [1, 2, 8, 8]", "interpolate(scale_factor=2, mode='bilinear', antialias=True)",
       "[1, 2, 16, 16]", 0, 0, ""},
      // Dropout1d of 2-D or 3-D inputs only
      {"input x: [2, 3, 4, 5]", "Dropout1d()", "error", 0, 0,
       "dropout1d: Expected 2D or 3D input, but received a 4D input. Note that dropout1d exists "
       "to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
       "and an optional batch dimension (i.e. 2D or 3D inputs)."},
      {"input x: [2, 3, 4]", "Dropout1d()", "[2, 3, 4]", 0, 0, ""},
      // avg_pool3d wants the input at least the kernel, whatever the padding (MaxPool3d does not)
      {"input x: [2, 3, 4, 6, 6]", "AvgPool3d(8, padding=2)", "error", 0, 0,
       "input image (T: 4 H: 6 W: 6) smaller than kernel size (kT: 8 kH: 8 kW: 8)"},
      {"input x: [3, 4, 6, 6]", "AvgPool3d(5, padding=2, ceil_mode=True)", "error", 0, 0,
       "input image (T: 4 H: 6 W: 6) smaller than kernel size (kT: 5 kH: 5 kW: 5)"},
      {"input x: [2, 3, 4, 6, 6]", "MaxPool3d(8, padding=2)", "[2, 3, 1, 1, 1]", 0, 0, ""},
      {"input x: [2, 3, 4, 6, 6]", "AvgPool3d(4, padding=2)", "[2, 3, 2, 2, 2]", 0, 0, ""},
  };
  check_layer_cases(cases);
}
