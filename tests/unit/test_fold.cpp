// nn.Unfold / F.unfold (an image's sliding blocks, im2col) and nn.Fold / F.fold (the blocks summed
// back, col2im): shapes, PyTorch 1.13's errors in its order, and the values `run` computes. Every
// expected shape, message and value is PyTorch 1.13's for the same call.
#include <doctest/doctest.h>

#include "forward_helpers.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::arange;
using netshape::test::check_layer_cases;
using netshape::test::check_ns;
using netshape::test::check_py_cases;
using netshape::test::first_error;
using netshape::test::forward_of;
using netshape::test::LayerCase;
using netshape::test::PyCase;

TEST_CASE("unfold: the blocks' shape, and PyTorch's checks in its order") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 10, 12]", "unfold(3)", "[2, 27, 80]", 0, 0, ""},
      {"input x: [B, 3, 10, 12]", "Unfold(3, padding=1, stride=2)", "[B, 27, 30]", 0, 0, ""},
      // the arguments in PyTorch's order: kernel_size, dilation, padding, stride
      {"input x: [2, 3, 10, 12]", "Unfold((2, 3), 2, 1, (2, 1))", "[2, 18, 50]", 0, 0, ""},
      {"input x: [3, 10, 12]", "unfold(3)", "[27, 80]", 0, 0, ""},  // unbatched
      {"input x: [2, 3, 10]", "unfold(3)", "[18, 8]", 0, 0, ""},
      {"input x: [2, 3, 10, 12]", "unfold([2, 3])", "[2, 18, 90]", 0, 0, ""},
      {"input x: [2, 3, 10, 12]", "unfold(11)", "error", 0, 0,
       "Given input with spatial size (10, 12), kernel_size=(11, 11), dilation=(1, 1), "
       "padding=(0, 0), calculated shape of the array of sliding blocks as (0, 2), but its "
       "components must be at least one."},
      {"input x: [2, 3, 10, 12]", "unfold(0, dilation=0, padding=-1, stride=0)", "error", 0, 0,
       "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0"},
      {"input x: [2, 3, 10, 12]", "unfold(1, dilation=0, padding=-1, stride=0)", "error", 0, 0,
       "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0"},
      {"input x: [2, 3, 10, 12]", "unfold(1, padding=-1, stride=0)", "error", 0, 0,
       "padding should be non-negative, but got pad_height: -1 pad_width: -1"},
      {"input x: [2, 3, 10, 12]", "unfold(3, stride=0)", "error", 0, 0,
       "stride should be greater than zero, but got stride_height: 0 stride_width: 0"},
      // the lengths first, in order, then the values
      {"input x: [2, 3, 10, 12]", "unfold((3, 3, 3), stride=0)", "error", 0, 0,
       "It is expected kernel_size equals to 2, but got size 3"},
      {"input x: [2, 3, 10, 12]", "unfold(0, dilation=(1, 1, 1))", "error", 0, 0,
       "It is expected dilation equals to 2, but got size 3"},
      {"input x: [2, 3, 10, 12]", "unfold(())", "error", 0, 0,
       "It is expected kernel_size equals to 2, but got size 0"},
      // the argument parser's TypeErrors: _pair makes a tuple of anything
      {"input x: [2, 3, 10, 12]", "unfold(2.5)", "error", 0, 0,
       "im2col(): argument 'kernel_size' (position 2) must be tuple of ints, not tuple"},
      {"input x: [2, 3, 10, 12]", "unfold((3, 3, 3), stride=None)", "error", 0, 0,
       "im2col(): argument 'stride' (position 5) must be tuple of ints, not tuple"},
      {"input x: [2, 3, 10, 12]", "unfold(3, padding=True)", "error", 0, 0,
       "im2col(): argument 'padding' (position 4) must be tuple of ints, not tuple"},
      // the input's dims: size(1) and size(2) are read before its rank is checked
      {"input x: [5]", "unfold(3)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
      {"input x: [3, 10]", "unfold(3)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"input x: [2, 3, 4, 5, 6]", "unfold(3)", "error", 0, 0,
       "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
       "dimensions for input, but got: [2, 3, 4, 5, 6]"},
  };
  check_layer_cases(cases);
}

TEST_CASE("fold: the image's shape, and PyTorch's checks in its order") {
  const LayerCase cases[] = {
      {"input x: [2, 27, 80]", "fold((10, 12), 3)", "[2, 3, 10, 12]", 0, 0, ""},
      {"input x: [B, 27, 80]", "Fold(output_size=(10, 12), kernel_size=(3, 3))", "[B, 3, 10, 12]",
       0, 0, ""},
      {"input x: [27, 80]", "fold((10, 12), 3)", "[3, 10, 12]", 0, 0, ""},  // unbatched
      {"input x: [9, 9]", "fold((3, 3), 1)", "[9, 3, 3]", 0, 0, ""},
      {"input x: [2, 27, 20]", "fold((10, 12), 3, stride=2)", "[2, 3, 10, 12]", 0, 0, ""},
      {"input x: [2, 27, 80]", "fold((10, 12), 3, stride=2)", "error", 0, 0,
       "Given output_size=(10, 12), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), "
       "stride=(2, 2), expected size of input's dimension 2 to match the calculated number of "
       "sliding blocks 4 * 5 = 20, but got input.size(2)=80."},
      {"input x: [2, 28, 80]", "fold((10, 12), 3)", "error", 0, 0,
       "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
       "got input.size(1)=28 and kernel_size=(3, 3)."},
      {"input x: [2, 27, 80]", "fold(0, 3)", "error", 0, 0,
       "Given output_size=(0, 0), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), "
       "stride=(1, 1), expected size of input's dimension 2 to match the calculated number of "
       "sliding blocks -2 * -2 = 4, but got input.size(2)=80."},
      {"input x: [2, 27, 1]", "fold((1, 1), 3)", "error", 0, 0,
       "Given output_size=(1, 1), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), "
       "stride=(1, 1), calculated shape of the array of sliding blocks as (-1, -1), which is too "
       "small (non-positive)"},
      {"input x: [2, 27, 1]", "fold((1, 1), 3, padding=1)", "[2, 3, 1, 1]", 0, 0, ""},
      // col2im's order: kernel, stride, dilation, padding
      {"input x: [2, 27, 80]", "fold((10, 12), 1, dilation=0, padding=-1, stride=0)", "error", 0, 0,
       "stride should be greater than zero, but got stride_height: 0 stride_width: 0"},
      {"input x: [2, 27, 80]", "fold((10, 12), 1, padding=-1, stride=1)", "error", 0, 0,
       "padding should be non-negative, but got pad_height: -1 pad_width: -1"},
      {"input x: [2, 27, 80]", "fold((10, 12, 3), 3)", "error", 0, 0,
       "It is expected output_size equals to 2, but got size 3"},
      {"input x: [2, 27, 80]", "fold(10.0, 3)", "error", 0, 0,
       "col2im(): argument 'output_size' (position 2) must be tuple of SymInts, not tuple"},
      {"input x: [2, 27, 80]", "fold((10, 12), 3.0)", "error", 0, 0,
       "col2im(): argument 'kernel_size' (position 3) must be tuple of ints, not tuple"},
      {"input x: [80]", "fold((10, 12), 3)", "error", 0, 0,
       "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
       "dimensions for input, but got: [80]"},
  };
  check_layer_cases(cases);
}

// A too-small input at an unfold is the input-too-small error, so the CLI searches the smallest
// input that gets past it.
TEST_CASE("unfold: an image smaller than its block is too small") {
  LoadedModel m = check_ns("model M\ninput x: [1, 3, 4, 4]\np = unfold(5)\n");
  REQUIRE(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).code == "input-too-small");
}

// PyTorch 1.13 on arange inputs, printed flat: F.unfold(torch.arange(24.).reshape(1, 2, 3, 4), 2,
// padding=1, stride=2), F.unfold(torch.arange(18.).reshape(2, 3, 3), (2, 1), dilation=(1, 2)),
// F.fold(torch.arange(32.).reshape(1, 8, 4), (3, 3), 2) (the blocks overlap: their values add),
// F.fold(torch.arange(8.).reshape(4, 2), (2, 4), (2, 2), stride=(1, 2)) and
// F.fold(torch.arange(36.).reshape(1, 4, 9), (4, 4), 2, padding=1, stride=2).
TEST_CASE("run: unfold and fold move and add PyTorch's values") {
  Tensor u = forward_of("input x: [1, 2, 3, 4]\nunfold(2, padding=1, stride=2)\n", forward_unfold,
                        {arange({1, 2, 3, 4})});
  CHECK(u.shape == std::vector<int64_t>{1, 8, 6});
  CHECK(u.data == std::vector<float>{0, 0,  0,  0, 5, 7,  0,  0, 0,  4,  6,  0,  0,  1,  3,  0,
                                     9, 11, 0,  2, 0, 8,  10, 0, 0,  0,  0,  0,  17, 19, 0,  0,
                                     0, 16, 18, 0, 0, 13, 15, 0, 21, 23, 12, 14, 0,  20, 22, 0});
  Tensor v = forward_of("input x: [2, 3, 3]\nunfold((2, 1), dilation=(1, 2))\n", forward_unfold,
                        {arange({2, 3, 3})});
  CHECK(v.shape == std::vector<int64_t>{4, 6});
  CHECK(v.data == std::vector<float>{0, 1,  2,  3,  4,  5,  3,  4,  5,  6,  7,  8,
                                     9, 10, 11, 12, 13, 14, 12, 13, 14, 15, 16, 17});
  Tensor f = forward_of("input x: [1, 8, 4]\nfold((3, 3), 2)\n", forward_fold, {arange({1, 8, 4})});
  CHECK(f.shape == std::vector<int64_t>{1, 2, 3, 3});
  CHECK(f.data ==
        std::vector<float>{0, 5, 5, 10, 30, 20, 10, 25, 15, 16, 37, 21, 42, 94, 52, 26, 57, 31});
  Tensor g = forward_of("input x: [4, 2]\nfold((2, 4), (2, 2), stride=(1, 2))\n", forward_fold,
                        {arange({4, 2})});
  CHECK(g.shape == std::vector<int64_t>{1, 2, 4});
  CHECK(g.data == std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7});
  Tensor h = forward_of("input x: [1, 4, 9]\nfold((4, 4), 2, padding=1, stride=2)\n", forward_fold,
                        {arange({1, 4, 9})});
  CHECK(h.shape == std::vector<int64_t>{1, 1, 4, 4});
  CHECK(h.data == std::vector<float>{27, 19, 28, 20, 12, 4, 13, 5, 30, 22, 31, 23, 15, 7, 16, 8});
}

// The .py reader: F.unfold and nn.Unfold as a ViT's patch embedding writes them, F.fold back;
// x.unfold(dimension, size, step) is another op, refused (exit 2), not read as F.unfold.
TEST_CASE("unfold and fold in a .py model, as PyTorch 1.13 reads them") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Patches(nn.Module):
    def __init__(self, patch=4):
        super().__init__()
        self.patch = patch
        self.unfold = nn.Unfold(kernel_size=patch, stride=patch)
        self.proj = nn.Linear(3 * patch * patch, 32)

    def forward(self, x):
        BODY

# input: [2, 3, 16, 16]
)";
  const PyCase cases[] = {
      {"return self.proj(self.unfold(x).transpose(1, 2))", "", "[2, 16, 32]"},
      {"return self.proj(F.unfold(x, self.patch, stride=self.patch).transpose(1, 2))", "",
       "[2, 16, 32]"},
      {"return F.fold(self.unfold(x), (16, 16), self.patch, stride=self.patch)", "",
       "[2, 3, 16, 16]"},
      {"return nn.functional.unfold(x, kernel_size=(2, 4))", "", "[2, 24, 195]"},
      // a contiguous 3-D input: PyTorch's Linear multiplies it as one matrix
      {"return self.proj(F.unfold(x, 3).transpose(1, 2).contiguous())",
       "mat1 and mat2 shapes cannot be multiplied (392x27 and 48x32)", ""},
      {"return F.unfold(x, 17)",
       "Given input with spatial size (16, 16), kernel_size=(17, 17), dilation=(1, 1), "
       "padding=(0, 0), calculated shape of the array of sliding blocks as (0, 0), but its "
       "components must be at least one.",
       ""},
      {"return F.fold(x.flatten(2), (16, 16), 4)",
       "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
       "got input.size(1)=3 and kernel_size=(4, 4).",
       ""},
  };
  check_py_cases(base, "patches.py", cases);
  std::string text = base;
  text.replace(text.find("BODY"), 4, "return x.unfold(2, 4, 4)");
  LoadedModel method = test::analyze_py(text, "patches.py", "");
  REQUIRE(method.exit == ExitCode::Ok);  // the Tensor method, not F.unfold: [2, 3, 4, 16, 4]
  CHECK(test::out_shape(method) == "[2, 3, 4, 16, 4]");
  CHECK(method.analysis.layers.back().op_name == "Tensor.unfold");
}

// x.unfold(dimension, size, step), the Tensor method (`Tensor.unfold` in the model language):
// PyTorch 1.13's shapes and messages.
TEST_CASE("Tensor.unfold: windows along a dim, as at::unfold") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(2, 3, 2)", "[2, 3, 4, 12, 3]", 0, 0, ""},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(-1, 4, 4)", "[2, 3, 10, 3, 4]", 0, 0, ""},
      {"input x: [B, 3, 10, 12]", "Tensor.unfold(2, 10, 3)", "[B, 3, 1, 12, 10]", 0, 0, ""},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(2, 0, 1)", "[2, 3, 11, 12, 0]", 0, 0, ""},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(dimension=1, size=2, step=1)", "[2, 2, 10, 12, 2]",
       0, 0, ""},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(2, 11, 1)", "error", 0, 0,
       "maximum size for tensor at dimension 2 is 10 but size is 11"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(-2, 11, 0)", "error", 0, 0,
       "maximum size for tensor at dimension 2 is 10 but size is 11"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(2, 3, 0)", "error", 0, 0,
       "step is 0 but must be > 0"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(2, 3, -1)", "error", 0, 0,
       "step is -1 but must be > 0"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(4, 3, 1)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-4, 3], but got 4)"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(1.0, 2, 1)", "error", 0, 0,
       "unfold(): argument 'dimension' (position 1) must be int, not float"},
      {"input x: [2, 3, 10, 12]", "Tensor.unfold(1, 2, True)", "error", 0, 0,
       "unfold(): argument 'step' (position 3) must be int, not bool"},
      {"input x: [B, 3, 10, 12]", "Tensor.unfold(0, 1, 1)", "error", 0, 0,
       "netshape cannot cut windows along the batch-sized dim B"},
  };
  check_layer_cases(cases);
  // a view: merging the window with the dim it came from spans two subspaces (PyTorch's error)
  const std::string fits =
      "model M\ninput x: [2, 3, 10, 12]\nw = Tensor.unfold(3, 4, 4)\nv = view(2, 3, 10, -1)\n";
  LoadedModel ok = check_ns(fits);
  REQUIRE(ok.exit == ExitCode::Ok);
  CHECK(test::out_shape(ok) == "[2, 3, 10, 12]");
  LoadedModel m =
      check_ns(fits +
               "u = Tensor.unfold(2, 5, 5)\nw2 = Tensor.unfold(3, 3, 3)\nbad = view(2, 3, "
               "2, 4, 15)\n");
  REQUIRE(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message.find("view size is not compatible") == 0);
  CHECK(first_error(m).layer == "bad");
}

// PyTorch 1.13: torch.arange(24.).reshape(2, 3, 4).unfold(2, 2, 1) and .unfold(1, 2, 2), printed
// flat; a 0-dim tensor's one window.
TEST_CASE("run: Tensor.unfold takes PyTorch's windows") {
  Tensor x = arange({2, 3, 4});
  Tensor a = forward_of("input x: [2, 3, 4]\nTensor.unfold(2, 2, 1)\n", forward_windows, {x});
  CHECK(a.shape == std::vector<int64_t>{2, 3, 3, 2});
  CHECK(a.data == std::vector<float>{0,  1,  1,  2,  2,  3,  4,  5,  5,  6,  6,  7,
                                     8,  9,  9,  10, 10, 11, 12, 13, 13, 14, 14, 15,
                                     16, 17, 17, 18, 18, 19, 20, 21, 21, 22, 22, 23});
  Tensor b = forward_of("input x: [2, 3, 4]\nTensor.unfold(1, 2, 2)\n", forward_windows, {x});
  CHECK(b.shape == std::vector<int64_t>{2, 1, 4, 2});
  CHECK(b.data == std::vector<float>{0, 4, 1, 5, 2, 6, 3, 7, 12, 16, 13, 17, 14, 18, 15, 19});
}
