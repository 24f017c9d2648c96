// F.conv_transpose1d / 2d / 3d with weights that are tensors of the model (`parameter` rows in
// the model language, nn.Parameters or a layer's weight in a .py file): shapes, MACs and PyTorch
// 1.13's errors in its order. Every expected value and message is PyTorch 1.13's for the same
// call (tests/parity/conv_transpose_functional_parity.py checks a grid of them with torch).
#include <doctest/doctest.h>

#include "netshape/commands.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

#define X4 "input x: [2, 4, 5, 5]\n"
#define W4 "w = parameter(4, 3, 3, 3)\n"

// out = (in-1)s - 2p + d(k-1) + output_padding + 1; MACs = N * C_in * prod(in) * (C_out/groups)
// * prod(k), the weight's row has the params
const LayerCase kShapes[] = {
    {X4 W4, "conv_transpose2d(x, w)", "[2, 3, 7, 7]", 0, 2 * 4 * 25 * 27, ""},
    {X4 W4 "b = parameter(3)", "conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)",
     "[2, 3, 10, 10]", 0, 2 * 4 * 25 * 27, ""},
    {X4 W4 "b = parameter(6)", "conv_transpose2d(x, w, b, groups=2)", "[2, 6, 7, 7]", 0,
     2 * 4 * 25 * 27, ""},
    {"input x: [4, 5, 5]\n" W4, "conv_transpose2d(x, w, stride=(2, 1))", "[3, 11, 7]", 0,
     4 * 25 * 27, ""},
    {X4 W4, "conv_transpose2d(x, w, output_padding=1, dilation=2)", "[2, 3, 10, 10]", 0,
     2 * 4 * 25 * 27, ""},
    {X4 W4, "conv_transpose2d(x, w, padding=3)", "[2, 3, 1, 1]", 0, 2 * 4 * 25 * 27, ""},
    {"input x: [2, 4, 7]\nw = parameter(4, 2, 3)", "conv_transpose1d(x, w, stride=3)", "[2, 2, 21]",
     0, 2 * 4 * 7 * 6, ""},
    {"input x: [1, 4, 3, 3, 3]\nw = parameter(4, 2, 2, 2, 2)", "conv_transpose3d(x, w, stride=2)",
     "[1, 2, 6, 6, 6]", 0, 4 * 27 * 16, ""},
};

const LayerCase kErrors[] = {
    {X4 W4, "conv_transpose2d(x, w, output_padding=1)", "error", 0, 0,
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 "
     "dilation_height: 1 dilation_width: 1"},
    {X4 W4, "conv_transpose2d(x, w, padding=4)", "error", 0, 0,
     "Given input size per channel: (5 x 5). Calculated output size per channel: (-1 x -1). "
     "Output size is too small"},
    {"input x: [2, 5, 5, 5]\n" W4, "conv_transpose2d(x, w)", "error", 0, 0,
     "Given transposed=1, weight of size [4, 3, 3, 3], expected input[2, 5, 5, 5] to have 4 "
     "channels, but got 5 channels instead"},
    {X4 W4 "b = parameter(3)", "conv_transpose2d(x, w, b, groups=2)", "error", 0, 0,
     "Given transposed=1, weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 6 "
     "elements, but got bias of size [3] instead"},
    {X4 W4, "conv_transpose2d(x, w, groups=3)", "error", 0, 0,
     "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size "
     "[[4, 3, 3, 3]] instead"},
    {X4 W4, "conv_transpose2d(x, w, groups=8)", "error", 0, 0,
     "Given groups=8, expected weight to be at least 8 at dimension 0, but got weight of size "
     "[4, 3, 3, 3] instead"},
    {X4 "w = parameter(4, 3, 3)", "conv_transpose2d(x, w)", "error", 0, 0,
     "expected stride to be a single integer value or a list of 1 values to match the "
     "convolution dimensions, but got stride=[1, 1]"},
    {X4 W4, "conv_transpose2d(x, w, output_padding=(1, 1, 1), dilation=(1, 1, 1))", "error", 0, 0,
     "expected dilation to be a single integer value or a list of 2 values to match the "
     "convolution dimensions, but got dilation=[1, 1, 1]"},
    {X4 W4, "conv_transpose2d(x, w, padding=-1, output_padding=-1)", "error", 0, 0,
     "negative padding is not supported"},
    {X4 W4, "conv_transpose2d(x, w, output_padding=-1)", "error", 0, 0,
     "negative output_padding is not supported"},
    {"input x: [2, 5, 5, 5]\n" W4, "conv_transpose2d(x, w, stride=0)", "error", 0, 0,
     "non-positive stride is not supported"},
    {X4 W4, "conv_transpose2d(x, w, groups=0)", "error", 0, 0,
     "non-positive groups is not supported"},
    {"input x: [4, 5]\n" W4, "conv_transpose2d(x, w)", "error", 0, 0,
     "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: "
     "[4, 5]"},
    // a 1-d call runs the 2-d kernel on a height of 1, which its messages show
    {"input x: [2, 4, 7]\nw = parameter(4, 2, 3)", "conv_transpose1d(x, w, output_padding=1)",
     "error", 0, 0,
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 "
     "dilation_height: 1 dilation_width: 1"},
    {"input x: [2, 4, 7]\nw = parameter(4, 2, 3)", "conv_transpose1d(x, w, padding=5)", "error", 0,
     0,
     "Given input size per channel: (1 x 7). Calculated output size per channel: (1 x -1). "
     "Output size is too small"},
    {"input x: [1, 4, 3, 3, 3]\nw = parameter(4, 2, 2, 2, 2)",
     "conv_transpose3d(x, w, output_padding=1)", "error", 0, 0,
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_depth: 1 output_padding_height: 1 output_padding_width: 1 stride_depth: 1 "
     "stride_height: 1 stride_width: 1 dilation_depth: 1 dilation_height: 1 dilation_width: 1"},
};

// A tied autoencoder: the decoder is the encoder's weight transposed.
const char* kPyModel = R"(import torch
import torch.nn as nn
import torch.nn.functional as F

class TiedAutoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Conv2d(3, 8, 4, stride=2, padding=1)
        self.decoder_bias = nn.Parameter(torch.zeros(3))

    def forward(self, x):
        h = F.relu(self.encoder(x))
        BODY
# input: [2, 3, 32, 32]
)";

const PyCase kPyCases[] = {
    {"return F.conv_transpose2d(h, self.encoder.weight, self.decoder_bias, stride=2, padding=1)",
     "", "[2, 3, 32, 32]"},
    {"return torch.conv_transpose2d(h, self.encoder.weight, None, 2, 1, 0, 1, 1)", "",
     "[2, 3, 32, 32]"},
    {"return F.conv_transpose2d(input=h, weight=self.encoder.weight * 2, stride=(2, 2))", "",
     "[2, 3, 34, 34]"},
};

// the argument parser's TypeErrors, as it meets the arguments (exit 2)
const PyCase kPyTypeErrors[] = {
    {"return F.conv_transpose2d(h)",
     "conv_transpose2d() missing 1 required positional arguments: \"weight\"", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, stride=1.5)",
     "conv_transpose2d(): argument 'stride' must be tuple of ints, not float", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, None, 1.5)",
     "conv_transpose2d(): argument 'stride' (position 4) must be tuple of ints, not float", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, groups=1.0)",
     "conv_transpose2d(): argument 'groups' must be int, not float", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, padding='same')",
     "conv_transpose2d(): argument 'padding' must be tuple of ints, not str", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, stride=[1, 1.5])",
     "conv_transpose2d(): argument 'stride' must be tuple of ints, but found element of type "
     "float at pos 2",
     ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, None, 2, stride=2)",
     "conv_transpose2d() got multiple values for argument 'stride'", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, None, 1, 0, 0, 1, 1, 5)",
     "conv_transpose2d() takes from 2 to 8 positional arguments but 9 were given", ""},
    {"return F.conv_transpose2d(h, self.encoder.weight, strides=2)",
     "conv_transpose2d() got an unexpected keyword argument 'strides'", ""},
    {"return F.conv_transpose2d(h, 3)",
     "conv_transpose2d(): argument 'weight' (position 2) must be Tensor, not int", ""},
};

}  // namespace

TEST_CASE("F.conv_transposeNd with tensor weights: shapes and MACs as PyTorch's") {
  check_layer_cases(kShapes);
}

TEST_CASE("F.conv_transposeNd with tensor weights: PyTorch's errors in its order") {
  check_layer_cases(kErrors);
  // what PyTorch's CPU kernel words its own way is refused
  for (const char* call : {"conv_transpose2d(x, w, dilation=0)", "conv_transpose2d(x, v)"}) {
    LoadedModel m = analyze_text(std::string("input x: [2, 4, 5, 5]\nw = parameter(4, 3, 3, 3)\n"
                                             "v = parameter(4, 3, 0, 3)\ny = ") +
                                     call + "\n",
                                 "m.ns", {});
    INFO(call);
    CHECK(m.exit == ExitCode::UsageOrParse);
  }
  // without tensors it is the layer written in lowercase
  CHECK(test::first_error_at(
            analyze_text("input x: [2, 4, 5, 5]\ny = conv_transpose2d(4, 3, 3)\n", "m.ns", {})) ==
        "2:5: conv_transpose2d() takes an input, a weight tensor and an optional bias: it is the "
        "function F.conv_transpose2d, the layer is ConvTranspose2d");
}

TEST_CASE("F.conv_transpose2d in a .py file: a tied decoder, the argument parser's errors") {
  check_py_cases(kPyModel, "tied.py", kPyCases);
  check_py_cases(kPyModel, "tied.py", kPyTypeErrors, ExitCode::UsageOrParse);
  // the encoder's weight is counted once, by the encoder
  LoadedModel m = analyze_text(test::replaced(kPyModel, "BODY", kPyCases[0].body), "tied.py", {});
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 8 * 3 * 16 + 8 + 3);  // sum(p.numel()) in PyTorch: 395
  CHECK(m.analysis.layers.back().macs == 2 * 8 * 256 * 3 * 16);
}

TEST_CASE("ConvTranspose1d's errors are worded as the 2-d kernel it runs, height 1") {
  CHECK(test::first_error_at(analyze_text(
            "input x: [2, 4, 7]\nc = ConvTranspose1d(4, 2, 3, output_padding=1)\n", "m.ns", {})) ==
        "2:30: output padding must be smaller than either stride or dilation, but got "
        "output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 "
        "dilation_height: 1 dilation_width: 1");
  CHECK(test::first_error_at(analyze_text(
            "input x: [2, 4, 7]\nc = ConvTranspose1d(4, 2, 3, padding=5)\n", "m.ns", {})) ==
        "2:5: Given input size per channel: (1 x 7). Calculated output size per channel: (1 x "
        "-1). Output size is too small");
}
