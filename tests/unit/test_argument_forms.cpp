// Arguments of a form PyTorch 1.13's argument parser refuses, found by a differential sweep
// against it: each call below is PyTorch's error (netshape used to give a shape, or crashed),
// and the forms it takes still work. The parameters after a bare `*` in ops.def are
// keyword-only; a C++ op's flags are bools, never ints; a bool given as an int is still checked.
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

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

// PyTorch's C++ argument parser takes no bool for an int, and tells an int list by its first
// item: a bool there is its TypeError, a bool after it is read as 1. Each was a shape before.
TEST_CASE("argument forms: a bool is no int for PyTorch's parser, except inside a list") {
  const LayerCase cases[] = {
      {"input x: [4, 4, 4]", "narrow(0, True, 1)", "error", 0, 0,
       "narrow(): argument 'start' must be int, not bool"},
      {"input x: [4, 4, 4]", "select(0, True)", "error", 0, 0,
       "select(): argument 'index' must be int, not bool"},
      {"input x: [4, 4, 4]", "select(0, 1)", "[4, 4]", 0, 0, ""},
      {"input x: [4, 4, 4]", "avg_pool2d(2, divisor_override=True)", "error", 0, 0,
       "avg_pool2d(): argument 'divisor_override' must be int, not bool"},
      {"input x: [4, 4, 4]", "roll(True, 0)", "error", 0, 0,
       "roll(): argument 'shifts' must be tuple of ints, not bool"},
      {"input x: [4, 4, 4]", "permute(True, 0, 2)", "error", 0, 0,
       "permute(): argument 'dims' (position 1) must be tuple of ints, not bool"},
      {"input x: [4, 4, 4]", "permute((True, 0, 2))", "error", 0, 0,
       "permute(): argument 'dims' (position 1) must be tuple of ints, not tuple"},
      {"input x: [4, 3, 2]", "permute(0, True, 2)", "[4, 3, 2]", 0, 0, ""},
      {"input x: [4, 3, 2]", "permute(2, True, 0)", "[2, 3, 4]", 0, 0, ""},
      {"input x: [4, 4, 4]", "repeat((True, 1, 1))", "error", 0, 0,
       "repeat(): argument 'repeats' (position 1) must be tuple of SymInts, not tuple"},
      {"input x: [4, 4, 4]", "repeat(2, True, 1)", "[8, 4, 4]", 0, 0, ""},
      {"input x: [4, 4, 4]", "flip(True)", "error", 0, 0,
       "flip(): argument 'dims' (position 1) must be tuple of ints, not bool"},
      {"input x: [1, 4, 4]", "expand(True, 4, 4)", "error", 0, 0,
       "expand(): argument 'size' (position 1) must be tuple of SymInts, not bool"},
      {"input x: [4, 4, 4]", "view(1, True, 64)", "[1, 1, 64]", 0, 0, ""},
      {"input x: [4, 4, 4]", "pad((True, 1))", "error", 0, 0,
       "pad(): argument 'pad' (position 2) must be tuple of ints, not tuple"},
      {"input x: [4, 4, 4]", "pad((1, True))", "[4, 4, 6]", 0, 0, ""},
      {"input x: [4, 3, 2]", "sum((True, 0))", "error", 0, 0,
       "sum() received an invalid combination of arguments - got (tuple), but expected one of:"},
      {"input x: [4, 3, 2]", "sum((0, True))", "[2]", 0, 0, ""},
      {"input x: [4, 3, 2]", "mean(True)", "error", 0, 0,
       "mean() received an invalid combination of arguments - got (bool), but expected one of:"},
      {"input x: [2]", "y = zeros(True, 3)", "error", 0, 0,
       "zeros(): argument 'size' (position 1) must be tuple of SymInts, not bool"},
      {"input x: [2]", "y = zeros(3, True)", "[3, 1]", 0, 0, ""},
  };
  check_layer_cases(cases);
}

// A module's __init__ gives its sizes to torch.empty and torch.zeros, whose parser picks the
// overload by the shape's first item: a bool first is its TypeError (Linear(4, True) was a
// [.., 1] output), a bool later is 1.
TEST_CASE("argument forms: a bool leading a module's parameter shape is PyTorch's TypeError") {
  const char* tuple_error =
      "empty() received an invalid combination of arguments - got (tuple, dtype=NoneType, "
      "device=NoneType), but expected one of:";
  const char* bool_error =
      "empty() received an invalid combination of arguments - got (bool, dtype=NoneType, "
      "device=NoneType), but expected one of:";
  const LayerCase cases[] = {
      {"input x: [2, 4]", "Linear(4, True)", "error", 0, 0, tuple_error},
      {"input x: [2, 1]", "Linear(True, 4)", "[2, 4]", 8, 8, ""},
      {"input x: [2, 4, 8]", "Conv1d(4, True, 3)", "error", 0, 0, tuple_error},
      {"input x: [2, 4, 8]", "Conv1d(4, True, 3, bias=False)", "error", 0, 0, tuple_error},
      {"input x: [2, 1, 8]", "Conv1d(True, 4, 3)", "[2, 4, 6]", 16, 144, ""},
      {"input x: [2, 1, 8]", "ConvTranspose1d(True, 4, 3)", "error", 0, 0, tuple_error},
      {"input x: [2, 4, 8]", "ConvTranspose1d(4, True, 3)", "error", 0, 0, bool_error},
      {"input x: [2, 4, 8]", "ConvTranspose1d(4, True, 3, bias=False)", "[2, 1, 10]", 12, 192, ""},
      {"input x: [2, 1, 8]", "BatchNorm1d(True)", "error", 0, 0, bool_error},
      {"input x: [2, 1, 8]", "BatchNorm1d(True, affine=False)", "error", 0, 0,
       "zeros() received an invalid combination of arguments - got (bool, dtype=NoneType, "
       "device=NoneType), but expected one of:"},
      {"input x: [2, 1, 8]", "BatchNorm1d(True, affine=False, track_running_stats=False)",
       "[2, 1, 8]", 0, 0, ""},
      {"input x: [2, 1, 8]", "InstanceNorm1d(True)", "[2, 1, 8]", 0, 0, ""},
      {"input x: [2, 1, 8]", "InstanceNorm1d(True, affine=True)", "error", 0, 0, bool_error},
      {"input x: [2, 1, 8]", "GroupNorm(1, True)", "error", 0, 0, bool_error},
      {"input x: [2, 1, 8]", "GroupNorm(1, True, affine=False)", "[2, 1, 8]", 0, 0, ""},
  };
  check_layer_cases(cases);
}

// The same rules where the .py reader computes the pieces itself (chunk, split, unbind) or
// checks the arguments before the op (cumsum): PyTorch's TypeError, exit 1.
TEST_CASE("argument forms: chunk, split, unbind and cumsum take no bool for an int") {
  const char* model = R"(import torch
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x):
        BODY
# input: [4, 4, 4]
)";
  const PyCase cases[] = {
      {"return x.chunk(True)[0]", "chunk(): argument 'chunks' must be int, not bool", ""},
      {"return x.chunk(2, True)[0]", "chunk(): argument 'dim' must be int, not bool", ""},
      {"return x.split(True)[0]", "split(): argument 'split_size' must be int, not bool", ""},
      {"return x.split([True, 3])[0]",
       "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not list",
       ""},
      {"return x.split([3, True])[1]", "", "[1, 4, 4]"},
      {"return x.unbind(True)[0]", "unbind(): argument 'dim' must be int, not bool", ""},
      {"return x.unbind(1)[0]", "", "[4, 4]"},
      {"return torch.cumsum(x, True)",
       "cumsum() received an invalid combination of arguments - got (bool), but expected (int "
       "dim, *, torch.dtype dtype)",
       ""},
      {"return x[True:3]", "", "[2, 4, 4]"},  // Python's slice reads a bool as an int
  };
  check_py_cases(model, "bool_args.py", cases);
}

// Found by tests/parity/argument_sweep.py: forms PyTorch refuses that netshape gave a shape for,
// and forms PyTorch reads that netshape refused.
TEST_CASE("argument forms: None, one-item lists and bools where PyTorch's C++ ops read them") {
  const LayerCase cases[] = {
      // F.instance_norm's momentum is a C++ float: BatchNorm's None is a TypeError there
      {"input x: [2, 3, 9]", "InstanceNorm1d(3, momentum=None)", "error", 0, 0,
       "instance_norm(): argument 'momentum' (position 7) must be float, not NoneType"},
      {"input x: [2, 3, 9]", "BatchNorm1d(3, momentum=None)", "[2, 3, 9]", 6, 0, ""},
      {"input x: [2, 3, 9, 8]", "GroupNorm(True, 3)", "error", 0, 0,
       "group_norm(): argument 'num_groups' (position 2) must be int, not bool"},
      {"input x: [2, 3, 9, 8]", "AdaptiveAvgPool2d(None)", "error", 0, 0,
       "object of type 'NoneType' has no len()"},
      {"input x: [2, 3, 9, 8]", "AdaptiveAvgPool2d((None, 2))", "[2, 3, 9, 2]", 0, 0, ""},
      {"input x: [2, 3, 9]", "AdaptiveMaxPool1d((None,))", "error", 0, 0,
       "adaptive_max_pool1d(): argument 'output_size' (position 2) must be tuple of ints, not "
       "tuple"},
      {"input x: [2, 1, 9]", "squeeze(None)", "error", 0, 0,
       "Please look up dimensions by name, got: name = None."},
      {"input x: [2, 1, 9]", "squeeze()", "[2, 9]", 0, 0, ""},
      // a C++ op's int list of one item stands for every dim; a conv's kernel_size is a shape's
      {"input x: [2, 3, 9, 8]", "Conv2d(3, 4, 3, stride=(2,))", "[2, 4, 4, 3]", 112, 2'592, ""},
      {"input x: [2, 3, 9, 8]", "Conv2d(3, 4, (3,))", "error", 0, 0, ""},
      {"input x: [2, 3, 9, 8]", "Conv2d(3, 4, True)", "[2, 4, 9, 8]", 16, 1'728, ""},
      {"input x: [2, 3, 9, 8]", "MaxPool2d((3,), padding=(1,))", "[2, 3, 3, 3]", 0, 0, ""},
      {"input x: [2, 3, 9, 8]", "MaxPool2d(3, stride=[])", "[2, 3, 3, 2]", 0, 0, ""},
      {"input x: [2, 3, 8]", "interpolate(scale_factor=True)", "[2, 3, 8]", 0, 0, ""},
  };
  check_layer_cases(cases);
}

// PyTorch 1.13's adaptive_avg_pool2d/3d compute an output of all 1s as a mean over the last dims
// before the kernel's rank check (found by a model file pooling a video's [N, C, T, H, W] with
// AdaptiveAvgPool2d((1, 1)), which netshape refused).
TEST_CASE("argument forms: adaptive average pooling to 1s is a mean over the last dims, any rank") {
  const LayerCase cases[] = {
      {"input x: [2, 8, 4, 16, 16]", "AdaptiveAvgPool2d((1, 1))", "[2, 8, 4, 1, 1]", 0, 0, ""},
      {"input x: [2, 8, 4, 16, 16]", "AdaptiveAvgPool2d(1)", "[2, 8, 4, 1, 1]", 0, 0, ""},
      {"input x: [1, 2, 3, 4, 4, 4]", "AdaptiveAvgPool3d(1)", "[1, 2, 3, 1, 1, 1]", 0, 0, ""},
      {"input x: [2, 16]", "AdaptiveAvgPool2d(1)", "[1, 1]", 0, 0, ""},  // rank 2: mean of all
      {"input x: [8, 4, 4]", "AdaptiveAvgPool3d(1)", "[1, 1, 1]", 0, 0, ""},
      // None keeps an input size: a 1 there is still all 1s
      {"input x: [2, 8, 4, 16, 1]", "AdaptiveAvgPool2d((1, None))", "[2, 8, 4, 1, 1]", 0, 0, ""},
      // a tuple needs a dim more than it pools (F.adaptive_avg_pool2d's _list_with_default)
      {"input x: [2, 16]", "AdaptiveAvgPool2d((1, 1))", "error", 0, 0, ""},
      // not all 1s, or max pooling, or 1-d: the kernel's rank check
      {"input x: [2, 8, 4, 16, 16]", "AdaptiveAvgPool2d(2)", "error", 0, 0,
       "non-empty 3D or 4D (batch mode) tensor expected for input, got [2, 8, 4, 16, 16]"},
      {"input x: [2, 8, 4, 16, 16]", "AdaptiveMaxPool2d(1)", "error", 0, 0, ""},
      {"input x: [2, 3, 16, 4]", "AdaptiveAvgPool1d(1)", "error", 0, 0, ""},
      {"input x: [16]", "AdaptiveAvgPool2d(1)", "error", 0, 0, ""},
      // the batch would be averaged: its size decides nothing here, but netshape needs it
      {"input x: [B, 16]", "AdaptiveAvgPool2d(1)", "error", 0, 0,
       "AdaptiveAvgPool2d would average the batch-sized dim 0 of [B, 16]"},
  };
  check_layer_cases(cases);
}

// torch.eye (PointNet's T-Net adds the identity to its 3x3 matrices), with PyTorch 1.13's
// errors: torch.eye(True), torch.eye(-1), torch.eye(3, None), torch.eye(3, -2).
TEST_CASE("argument forms: eye is the n x m identity, its sizes ints") {
  const LayerCase cases[] = {
      {"input x: [2]", "y = eye(3)", "[3, 3]", 0, 0, ""},
      {"input x: [2]", "y = eye(3, 4)", "[3, 4]", 0, 0, ""},
      {"input x: [2]", "y = eye(0)", "[0, 0]", 0, 0, ""},
      {"input x: [2]", "y = eye(3, m=2)", "[3, 2]", 0, 0, ""},
      {"input x: [2]", "y = eye(True)", "error", 0, 0,
       "eye(): argument 'n' (position 1) must be int, not bool"},
      {"input x: [2]", "y = eye(-1)", "error", 0, 0, "n must be greater or equal to 0, got -1"},
      {"input x: [2]", "y = eye(3, None)", "error", 0, 0,
       "eye() received an invalid combination of arguments - got (int, NoneType), but expected "
       "one of:"},
      {"input x: [2]", "y = eye(3, -2)", "error", 0, 0, "m must be greater or equal to 0, got -2"},
  };
  check_layer_cases(cases);
}

// The names PyTorch gives the arguments: numpy's axis= and keepdims= for its C++ ops, view's
// size=, repeat's repeats=, Tensor.split's split_size=; softmax's dim required but for F.softmax.
TEST_CASE("argument forms: keyword names and required dims of the .py spellings") {
  const char* model = R"(import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def forward(self, x):
        BODY
# input: [2, 3, 4]
)";
  const PyCase cases[] = {
      {"return x.sum(axis=1, keepdims=True)", "", "[2, 1, 4]"},
      {"return torch.cat([x, x], axis=2)", "", "[2, 3, 8]"},
      {"return x.max(axis=1).values", "", "[2, 4]"},
      {"return x.argmax(axis=1)", "", "[2, 4]"},
      {"return x.norm(axis=1)", "norm() got an unexpected keyword argument 'axis'", ""},
      {"return x.view(size=(2, -1))", "", "[2, 12]"},
      {"return x.view(shape=(2, -1))", "view() got an unexpected keyword argument 'shape'", ""},
      {"return x.repeat(repeats=(1, 2, 1))", "", "[2, 6, 4]"},
      {"return x.split(split_size=2, dim=1)[1]", "", "[2, 1, 4]"},
      {"return torch.split(x, split_size_or_sections=2, dim=1)[1]", "", "[2, 1, 4]"},
      {"return x.split(split_size_or_sections=2, dim=1)[0]",
       "Tensor.split() got an unexpected keyword argument 'split_size_or_sections'", ""},
      {"return x.softmax()",
       "softmax() received an invalid combination of arguments - got (), but expected one of:", ""},
      {"return torch.log_softmax(x)",
       "log_softmax() received an invalid combination of arguments - got (Tensor), but expected "
       "one of:",
       ""},
      {"return torch.softmax(x, None)", "Please look up dimensions by name, got: name = None.", ""},
      {"return F.softmax(x, None)", "", "[2, 3, 4]"},  // F.softmax picks the dim itself
      {"return x.max(None)", "Please look up dimensions by name, got: name = None.", ""},
  };
  check_py_cases(model, "keyword_names.py", cases);
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
