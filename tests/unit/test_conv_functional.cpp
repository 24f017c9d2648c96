// F.conv1d / conv2d / conv3d with weights that are tensors of the model (`parameter` rows in the
// model language, nn.Parameters or weights computed in forward in a .py file): shapes, MACs and
// PyTorch 1.13's errors in its order. Every expected value and message is PyTorch 1.13's for the
// same call.
#include <doctest/doctest.h>

#include "netshape/commands.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

#define X4 "input x: [2, 3, 8, 8]\n"
#define W4 "w = parameter(4, 3, 3, 3)\n"

const LayerCase kShapes[] = {
    // MACs = N * C_out * prod(out) * (C_in / groups) * prod(k); the weight's row has the params
    {X4 W4, "conv2d(x, w)", "[2, 4, 6, 6]", 0, 2 * 4 * 36 * 27, ""},
    {X4 W4 "b = parameter(4)", "conv2d(x, w, b, stride=2, padding=1)", "[2, 4, 4, 4]", 0,
     2 * 4 * 16 * 27, ""},
    {"input x: [3, 8, 8]\n" W4, "conv2d(x, w)", "[4, 6, 6]", 0, 4 * 36 * 27, ""},
    {"input x: [2, 4, 8, 8]\nw = parameter(6, 2, 3, 3)", "conv2d(x, w, groups=2)", "[2, 6, 6, 6]",
     0, 2 * 6 * 36 * 18, ""},
    {X4 "w = parameter(4, 3, 4, 4)", "conv2d(x, w, padding='same')", "[2, 4, 8, 8]", 0,
     2 * 4 * 64 * 48, ""},
    {X4 W4, "conv2d(x, w, padding='valid')", "[2, 4, 6, 6]", 0, 2 * 4 * 36 * 27, ""},
    {X4 W4, "conv2d(x, w, padding='same', dilation=2)", "[2, 4, 8, 8]", 0, 2 * 4 * 64 * 27, ""},
    {"input x: [2, 3, 2, 2]\nw = parameter(4, 3, 5, 5)", "conv2d(x, w, padding='same')",
     "[2, 4, 2, 2]", 0, 2 * 4 * 4 * 75, ""},
    {X4 W4, "conv2d(x, w, stride=[2])", "[2, 4, 3, 3]", 0, 2 * 4 * 9 * 27, ""},  // one expands
    {"input x: [2, 3, 8]\nw = parameter(4, 3, 3)", "conv1d(x, w)", "[2, 4, 6]", 0, 2 * 4 * 6 * 9,
     ""},
    {"input x: [2, 3, 8]\nw = parameter(4, 3, 4)", "conv1d(x, w, padding='same')", "[2, 4, 8]", 0,
     2 * 4 * 8 * 12, ""},
    {"input x: [2, 3, 4, 8, 8]\nw = parameter(4, 3, 3, 3, 3)", "conv3d(x, w, padding=1)",
     "[2, 4, 4, 8, 8]", 0, 2 * 4 * 256 * 81, ""},
    {"input x: [3, 4, 8, 8]\nw = parameter(4, 3, 3, 3, 3)", "conv3d(x, w)", "[4, 2, 6, 6]", 0,
     4 * 72 * 81, ""},
    {"input x: [B, 3, 8, 8]\n" W4, "conv2d(x, w)", "[B, 4, 6, 6]", 0, 4 * 36 * 27, ""},
};

const LayerCase kErrors[] = {
    {"input x: [2, 4, 8, 8]\nw = parameter(6, 3, 3, 3)", "conv2d(x, w)", "error", 0, 0,
     "Given groups=1, weight of size [6, 3, 3, 3], expected input[2, 4, 8, 8] to have 3 channels, "
     "but got 4 channels instead"},
    {"input x: [4, 8, 8]\nw = parameter(6, 3, 3, 3)", "conv2d(x, w)", "error", 0, 0,
     "Given groups=1, weight of size [6, 3, 3, 3], expected input[1, 4, 8, 8] to have 3 channels, "
     "but got 4 channels instead"},
    {"input x: [2, 4, 8, 8]\nw = parameter(5, 2, 3, 3)", "conv2d(x, w, groups=2)", "error", 0, 0,
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size "
     "[[5, 2, 3, 3]] instead"},
    {X4 W4, "conv2d(x, w, groups=8)", "error", 0, 0,
     "Given groups=8, expected weight to be at least 8 at dimension 0, but got weight of size [4, "
     "3, 3, 3] instead"},
    {X4 W4 "b = parameter(5)", "conv2d(x, w, b)", "error", 0, 0,
     "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but "
     "got bias of size [5] instead"},
    {X4 W4 "b = parameter(4, 1)", "conv2d(x, w, b)", "error", 0, 0,
     "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but "
     "got bias of size [4, 1] instead"},
    {X4 "w = parameter(4, 3, 3)", "conv2d(x, w)", "error", 0, 0,
     "expected stride to be a single integer value or a list of 1 values to match the convolution "
     "dimensions, but got stride=[1, 1]"},
    {X4 "w = parameter(4, 3)", "conv2d(x, w)", "error", 0, 0,
     "weight should have at least three dimensions"},
    {X4 "w = parameter(4, 3)", "conv2d(x, w, groups=0)", "error", 0, 0,
     "weight should have at least three dimensions"},
    {X4 "w = parameter(4, 3)", "conv2d(x, w, padding='full')", "error", 0, 0,
     "Invalid padding string: 'full'"},
    {"input x: [3, 8]\n" W4, "conv2d(x, w, groups=0)", "error", 0, 0,
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 8]"},
    {"input x: [2, 3, 2, 2]\n" W4, "conv2d(x, w)", "error", 0, 0,
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't "
     "be greater than actual input size"},
    {X4 W4, "conv2d(x, w, padding='same', stride=2)", "error", 0, 0,
     "padding='same' is not supported for strided convolutions"},
    {X4 W4, "conv2d(x, w, stride=0)", "error", 0, 0, "non-positive stride is not supported"},
    {X4 W4, "conv2d(x, w, padding=-1, stride=0)", "error", 0, 0,
     "negative padding is not supported"},
    {X4 W4, "conv2d(x, w, dilation=0, stride=0)", "error", 0, 0,
     "non-positive stride is not supported"},
    {X4 W4, "conv2d(x, w, dilation=-1)", "error", 0, 0,
     "conv2d with a dilation below 1: PyTorch refuses it with a message that depends on its CPU "
     "backend"},
    {X4 W4, "conv2d(x, w, stride=(1, True))", "[2, 4, 6, 6]", 0, 2 * 4 * 36 * 27, ""},
    {X4 W4, "conv2d(x, w, groups=0, stride=0)", "error", 0, 0,
     "non-positive groups is not supported"},
    {X4 W4, "conv2d(x, w, stride=(1, 2, 3))", "error", 0, 0,
     "expected stride to be a single integer value or a list of 2 values to match the convolution "
     "dimensions, but got stride=[1, 2, 3]"},
    {X4 W4, "conv2d(x, w, padding=(1, 1, 1))", "error", 0, 0,
     "expected padding to be a single integer value or a list of 2 values to match the "
     "convolution dimensions, but got padding=[1, 1, 1]"},
    {"input x: [2, 3, 8]\n" W4, "conv1d(x, w)", "error", 0, 0,
     "Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional "
     "input of size [2, 3, 8] instead"},
    {X4 "w = parameter(4, 3, 3)", "conv2d(x, w, padding='same', stride=2)", "error", 0, 0,
     "Expected 3-dimensional input for 3-dimensional weight[4, 3, 3], but got 4-dimensional input "
     "of size [2, 3, 8, 8] instead"},
    {X4 W4, "conv2d(x, w, padding='same', dilation=(1, 1, 1))", "error", 0, 0,
     "dilation cannot broadcast to 2 dimensions"},
};

}  // namespace

TEST_CASE("F.convNd with tensor weights: shapes and MACs as PyTorch's") {
  check_layer_cases(kShapes);
}

TEST_CASE("F.convNd with tensor weights: PyTorch's errors in its order") {
  check_layer_cases(kErrors);
}

TEST_CASE("F.convNd in the model language: tensors by position, a keyword tensor refused") {
  LoadedModel m = netshape::test::check_ns(
      "model M\ninput x: [1, 3, 8, 8]\nw = parameter(4, 3, 3, 3)\nb = parameter(4)\n"
      "y = conv2d(x, w, bias=b)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);  // PyTorch takes it; the language does not
  CHECK(netshape::test::first_error(m).message ==
        "`bias=`: the model language takes conv2d's tensors by position");
}

TEST_CASE("F.convNd's weight counts its params once, in its own row") {
  LoadedModel m = netshape::test::check_ns(
      "model M\ninput x: [1, 3, 8, 8]\nw = parameter(4, 3, 3, 3)\nb = parameter(4)\n"
      "y = conv2d(x, w, b, padding=1)\nw2 = parameter(4, 4, 1, 1)\nz = conv2d(y, w2)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 108 + 4 + 16);
  CHECK(m.analysis.totals.macs == 4 * 64 * 27 + 4 * 64 * 4);
}

namespace {

const char* kPyModel = R"(import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(4, 3, 3, 3))
        self.b = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        BODY
# input: [2, 3, 8, 8]
)";

const PyCase kPyCases[] = {
    {"return F.conv2d(x, self.w, self.b, 1, 1)", "", "[2, 4, 8, 8]"},
    {"return torch.conv2d(x, self.w, None, 2)", "", "[2, 4, 3, 3]"},
    {"return F.conv2d(input=x, weight=self.w, bias=self.b, stride=1)", "", "[2, 4, 6, 6]"},
    {"return F.conv2d(x, self.w * 2, self.b, padding='same')", "", "[2, 4, 8, 8]"},
    {"return F.conv2d(x, self.w, strides=1)",
     "conv2d() received an invalid combination of arguments - got (Tensor, Parameter, "
     "strides=int), but expected one of:",
     ""},
    {"return F.conv2d(x, self.w, stride=1.5)",
     "conv2d() received an invalid combination of arguments - got (Tensor, Parameter, "
     "stride=float), but expected one of:",
     ""},
    {"return F.conv2d(x, self.w, stride=True)",
     "conv2d() received an invalid combination of arguments - got (Tensor, Parameter, "
     "stride=bool), but expected one of:",
     ""},
    {"return F.conv2d(x)",
     "conv2d() received an invalid combination of arguments - got (Tensor), but expected one of:",
     ""},
    {"return F.conv2d(x, self.w, None, 1, 1, 1, 1, 1)",
     "conv2d() received an invalid combination of arguments - got (Tensor, Parameter, NoneType, "
     "int, int, int, int, int), but expected one of:",
     ""},
    {"return F.conv2d(x, self.w, self.b.double())",
     "Input type (float) and bias type (double) should be the same", ""},
    {"return F.conv2d(x, self.w, stride=(1, 2.0))",
     "conv2d(): argument 'stride' must be tuple of ints, but found element of type float at pos 2",
     ""},
    {"return F.conv2d(x, self.w, padding=[1, None])",
     "conv2d(): argument 'padding' must be tuple of ints, but found element of type NoneType at "
     "pos 2",
     ""},
    {"return F.conv2d(x, self.w, stride=(2.0, 1))",
     "conv2d() received an invalid combination of arguments - got (Tensor, Parameter, "
     "stride=tuple), but expected one of:",
     ""},
    {"return F.conv2d(x, self.w, stride=(1, True))", "", "[2, 4, 6, 6]"},
};

}  // namespace

TEST_CASE("F.conv2d in a .py file: the argument parser's binding, types and errors") {
  check_py_cases(kPyModel, "conv_functional.py", kPyCases);
}

TEST_CASE(
    "F.conv2d of tensors of different types is refused: PyTorch's answer depends on its backend") {
  // oneDNN says "Input type (torch.FloatTensor) and weight type ...", PyTorch's own kernel
  // "expected scalar type ...", and a float64 conv1d with a float32 bias runs
  for (const char* body :
       {"return F.conv2d(x.double(), self.w)", "return F.conv2d(x, self.w.double())",
        "return F.conv1d(x[:, :, 0].double(), self.w[:, :, 0].double(), self.b)",
        "return F.conv2d(x, self.w, self.b.double(), padding='same')"}) {
    std::string text = kPyModel;
    text.replace(text.find("BODY"), 4, body);
    LoadedModel m = analyze_text(text, "conv_functional.py", {});
    INFO(body);
    INFO(render_diagnostics(m));
    CHECK(m.exit == ExitCode::UsageOrParse);
  }
}

TEST_CASE("F.conv2d with a Conv2d subclass's own weight is the layer applied") {
  const char* text = R"(import torch.nn as nn
import torch.nn.functional as F

class WrittenOut(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = WrittenOut(3, 8, 3, padding=1, bias=False)
        self.b = WrittenOut(8, 8, 3, stride=(2, 2), groups=2)

    def forward(self, x):
        return self.b(self.a(x))
# input: [2, 3, 32, 32]
)";
  LoadedModel m = analyze_text(text, "own.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 2);
  CHECK(m.analysis.layers[0].params == 8 * 3 * 9);
  CHECK(m.analysis.layers[1].params == 8 * 4 * 9 + 8);
  CHECK(netshape::test::out_shape(m) == "[2, 8, 15, 15]");
  // other settings with the layer's weight: its weight a tensor of its own (a row that counts
  // none of the layer's parameters), convolved as F.conv2d does
  std::string other = text;
  other.replace(other.find("self.padding"), 12, "(0, 0)");
  LoadedModel functional = analyze_text(other, "own.py", {});
  INFO(render_diagnostics(functional));
  REQUIRE(functional.exit == ExitCode::Ok);
  REQUIRE(functional.analysis.layers.size() == 3);  // a's weight, its conv2d; b is the layer
  CHECK(functional.analysis.layers[0].name == "a.weight");
  CHECK(functional.analysis.layers[0].params == 0);
  CHECK(netshape::test::out_shape(functional) == "[2, 8, 14, 14]");
  CHECK(functional.analysis.totals.params == 8 * 3 * 9 + 8 * 4 * 9 + 8);  // as model.parameters()
}
