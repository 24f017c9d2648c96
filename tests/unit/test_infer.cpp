// Shape rules per op: formulas, defaults and every error path, with expectations taken from
// PyTorch 1.13 (shapes, params and the exact error messages).
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::first_error;
using netshape::test::out_shape;

TEST_CASE("LeNet table of the course notes, exactly") {
  auto m = check_ns(
      "input [1, 28, 28]\nconv1 = Conv2d(1, 32, kernel_size=5)\nmax_pool2d(kernel_size=3)\nrelu()\n"
      "conv2 = nn.Conv2d(32, 64, kernel_size=5)\nF.max_pool2d(kernel_size=2)\nF.relu()\nview(-1, "
      "256)\n"
      "fc1 = nn.Linear(256, 200)\nrelu()\nfc2 = nn.Linear(200, 10)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  const auto& L = m.analysis.layers;
  REQUIRE(L.size() == 10);
  CHECK(to_string(*L[0].output) == "[32, 24, 24]");
  CHECK(L[0].params == 832);
  CHECK(L[0].macs == 460800);
  CHECK(to_string(*L[1].output) == "[32, 8, 8]");
  CHECK(L[3].params == 51264);
  CHECK(L[3].macs == 819200);
  CHECK(to_string(*L[4].output) == "[64, 2, 2]");
  CHECK(to_string(*L[6].output) == "[1, 256]");
  CHECK(L[7].params == 51400);
  CHECK(L[7].macs == 51200);
  CHECK(L[9].params == 2010);
  CHECK(L[9].macs == 2000);
  CHECK(m.analysis.totals.params == 105506);
  CHECK(m.analysis.totals.macs == 1333200);
  CHECK(L[1].name == "max_pool2d2");  // unnamed: lowercased op + 1-based position
  CHECK(L[2].name == "relu3");
}

TEST_CASE("symbolic batch is carried and counted as 1") {
  auto m = check_ns(
      "input x: [B, 3, 32, 32]\nc = Conv2d(3, 18, 3, padding=1)\nMaxPool2d(2)\nview(-1, "
      "18*16*16)\nLinear(4608, 64)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[B, 64]");
  CHECK(m.analysis.layers[0].macs == 18LL * 32 * 32 * 27);
  auto j = to_json(m.analysis, m.diags);
  CHECK(j["layers"][2]["output_shape"][0] == "B");
  CHECK(j["inputs"]["x"][0] == "B");
  auto m2 = check_ns("input x: [B, 64, 2, 2]\nview(-1, 128)\n");
  CHECK(out_shape(m2) == "[2*B, 128]");
  auto m3 = check_ns("input x: [B, 64, 2, 2]\nflatten(0)\n");
  CHECK(out_shape(m3) == "[256*B]");
}

TEST_CASE("Conv2d: formula, tuples, dilation, groups, 'same', unbatched") {
  CHECK(out_shape(check_ns("input [1, 3, 32, 32]\nConv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, "
                           "2), dilation=(1, 2))\n")) == "[1, 8, 16, 28]");
  CHECK(out_shape(check_ns("input [3, 10, 10]\nConv2d(3, 4, 3)\n")) == "[4, 8, 8]");
  auto same = check_ns("input [1, 3, 9, 9]\nConv2d(3, 4, 4, padding='same', dilation=2)\n");
  CHECK(out_shape(same) == "[1, 4, 9, 9]");
  auto g = check_ns("input [1, 4, 8, 8]\nConv2d(4, 6, 3, groups=2, bias=False)\n");
  CHECK(g.analysis.layers[0].params == 6 * 2 * 9);
  CHECK(g.analysis.layers[0].macs == 6LL * 6 * 6 * 2 * 9);
  auto dw = check_ns("input [1, 32, 8, 8]\nConv2d(32, 32, 3, groups=32)\n");
  CHECK(dw.analysis.layers[0].params == 32 * 9 + 32);
  CHECK(out_shape(check_ns("input [1, 2, 10]\nConv1d(2, 4, 3, stride=2)\n")) == "[1, 4, 4]");
  CHECK(out_shape(check_ns("input [1, 2, 5, 6, 7]\nConv3d(2, 4, 3, padding=1)\n")) ==
        "[1, 4, 5, 6, 7]");
  CHECK(check_ns("input [1, 2, 5, 6, 7]\nConv3d(2, 4, 3)\n").analysis.layers[0].params ==
        4 * 2 * 27 + 4);
}

TEST_CASE("Conv2d errors are PyTorch's, with the fix") {
  auto m = check_ns("input [1, 31, 8, 8]\nconv2 = Conv2d(32, 64, 5)\n");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message ==
        "Given groups=1, weight of size [64, 32, 5, 5], expected input[1, 31, 8, 8] to have 32 "
        "channels, but got 31 channels instead");
  CHECK(first_error(m).help ==
        "conv2 receives 31 channels, so it needs in_channels=31; use Conv2d(31, 64, 5)");
  CHECK(first_error(m).span.line == 2);
  CHECK(first_error(m).span.column == 16);
  auto small = check_ns("input [1, 32, 4, 4]\nConv2d(32, 64, 5)\n");
  CHECK(first_error(small).message ==
        "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size "
        "can't be greater than actual input size");
  CHECK(first_error(check_ns("input [1, 3, 8, 8]\nConv2d(3, 4, 3, groups=2)\n")).message ==
        "in_channels must be divisible by groups");
  CHECK(first_error(check_ns("input [1, 4, 8, 8]\nConv2d(4, 3, 3, groups=2)\n")).message ==
        "out_channels must be divisible by groups");
  auto same = check_ns("input [1, 3, 8, 8]\nConv2d(3, 4, 3, stride=2, padding='same')\n");
  CHECK(first_error(same).message == "padding='same' is not supported for strided convolutions");
  CHECK(first_error(same).help ==
        "use padding=1 instead of 'same' with stride 2: Conv2d(3, 4, 3, stride=2, padding=1)");
  CHECK(first_error(check_ns("input [1, 3, 8, 8]\nConv2d(3, 4, 3, padding='full')\n")).message ==
        "Invalid padding string 'full', should be one of {'same', 'valid'}");
  CHECK(first_error(check_ns("input [2, 3, 4, 4, 4]\nConv2d(3, 4, 3)\n")).message ==
        "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3, 4, "
        "4, 4]");
  CHECK(
      first_error(check_ns("input [1, 3, 8, 8]\nConv2d(3, 4, 3, padding_mode='foo')\n")).message ==
      "padding_mode must be one of {'replicate', 'circular', 'reflect', 'zeros'}, but got "
      "padding_mode='foo'");
  CHECK(check_ns("input [1, 3, 8, 8]\nConv2d(3, 4, 0)\n").exit == ExitCode::ShapeError);
}

TEST_CASE("ConvTranspose2d: formula, params, output_padding") {
  auto m = check_ns(
      "input [1, 4, 5, 5]\nConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, "
      "groups=2)\n");
  CHECK(out_shape(m) == "[1, 6, 10, 10]");
  CHECK(m.analysis.layers[0].params == 114);  // PyTorch: 4*(6/2)*9 + 6
  CHECK(m.analysis.layers[0].macs == 1LL * 4 * 25 * 3 * 9);
  auto bad = check_ns("input [1, 3, 5, 5]\nConvTranspose2d(3, 4, 3, output_padding=1)\n");
  CHECK(first_error(bad).message.find(
            "output padding must be smaller than either stride or dilation") == 0);
  CHECK(
      first_error(check_ns("input [1, 3, 2, 2]\nConvTranspose2d(3, 4, 3, padding=5)\n")).message ==
      "Given input size per channel: (2 x 2). Calculated output size per channel: (-6 x -6). "
      "Output size is too small");
  CHECK(first_error(
            check_ns("input [1, 3, 2, 2]\nConvTranspose2d(3, 4, 3, padding_mode='reflect')\n"))
            .message == "Only \"zeros\" padding mode is supported for ConvTranspose2d");
}

TEST_CASE("pooling: stride None, ceil_mode, padding, errors") {
  CHECK(out_shape(check_ns("input [1, 3, 5, 5]\nMaxPool2d(2, ceil_mode=True)\n")) ==
        "[1, 3, 3, 3]");
  CHECK(out_shape(check_ns("input [1, 3, 5, 5]\nMaxPool2d(2)\n")) == "[1, 3, 2, 2]");
  CHECK(
      out_shape(check_ns("input [1, 3, 8, 8]\nMaxPool2d(3, stride=1, padding=1, dilation=2)\n")) ==
      "[1, 3, 6, 6]");
  CHECK(out_shape(
            check_ns("input [1, 3, 7, 7]\nAvgPool2d(3, stride=2, padding=1, ceil_mode=True)\n")) ==
        "[1, 3, 4, 4]");
  CHECK(out_shape(check_ns("input [1, 3, 9]\nAvgPool1d(3)\n")) == "[1, 3, 3]");
  CHECK(first_error(check_ns("input [1, 3, 8, 8]\nMaxPool2d(3, padding=2)\n")).message ==
        "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  CHECK(first_error(check_ns("input [1, 3, 8, 8]\nAvgPool2d(3, padding=2)\n")).message ==
        "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  auto small = check_ns("input [1, 32, 2, 2]\nMaxPool2d(3)\n");
  CHECK(first_error(small).message ==
        "Given input size: (32x2x2). Calculated output size: (32x0x0). Output size is too small");
  CHECK(first_error(check_ns("input [1, 3, 5, 5]\nMaxPool2d(2, stride=0)\n")).message ==
        "stride should not be zero");
  CHECK(check_ns("input [8, 8]\nMaxPool2d(3)\n").exit == ExitCode::ShapeError);
  CHECK(out_shape(check_ns("input [1, 2, 5, 5]\nAdaptiveAvgPool2d((None, 3))\n")) ==
        "[1, 2, 5, 3]");
  CHECK(out_shape(check_ns("input [1, 2, 5, 5]\nadaptive_avg_pool2d(1)\n")) == "[1, 2, 1, 1]");
}

TEST_CASE("normalisation layers: params are weight+bias, buffers are not") {
  auto bn = check_ns("input [2, 16, 4, 4]\nBatchNorm2d(16)\n");
  CHECK(bn.analysis.layers[0].params == 32);
  CHECK(first_error(check_ns("input [3, 4, 4]\nBatchNorm2d(3)\n")).message ==
        "expected 4D input (got 3D input)");
  CHECK(first_error(check_ns("input [1, 4, 4, 4]\nBatchNorm2d(3)\n")).message ==
        "running_mean should contain 4 elements not 3");
  CHECK(first_error(check_ns("input [1, 3, 4, 4]\nBatchNorm1d(3)\n")).message ==
        "expected 2D or 3D input (got 4D input)");
  CHECK(check_ns("input [1, 8, 4, 4]\nGroupNorm(2, 8)\n").analysis.layers[0].params == 16);
  CHECK(first_error(check_ns("input [1, 8, 4, 4]\nGroupNorm(3, 8)\n")).message ==
        "num_channels must be divisible by num_groups");
  CHECK(check_ns("input [1, 2, 3, 4]\nLayerNorm((3, 4))\n").analysis.layers[0].params == 24);
  CHECK(first_error(check_ns("input [2, 3, 9]\nLayerNorm(10)\n")).message ==
        "Given normalized_shape=[10], expected input with shape [*, 10], but got input of size[2, "
        "3, 9]");
  CHECK(check_ns("input [1, 4, 4, 4]\nInstanceNorm2d(3)\n").exit ==
        ExitCode::Ok);  // PyTorch only warns
  CHECK(first_error(check_ns("input [1, 4, 4, 4]\nInstanceNorm2d(3, affine=True)\n")).message ==
        "weight should contain 4 elements not 3");
}

TEST_CASE("Linear: in_features check, help with the flattened shape, ? inference") {
  auto m = check_ns(
      "input x: [B, 3, 32, 32]\nConv2d(3, 18, 3, padding=1)\nMaxPool2d(2)\nflatten(1)\nfc1 = "
      "Linear(2048, 64)\n");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message == "mat1 and mat2 shapes cannot be multiplied (1x4608 and 2048x64)");
  CHECK(first_error(m).help ==
        "fc1 receives 4608 features ([B, 18, 16, 16] flattened); use Linear(4608, 64)");
  CHECK(first_error(m).layer == "fc1");
  CHECK(m.analysis.layers.size() == 4);
  CHECK_FALSE(m.analysis.layers.back().output.has_value());
  auto q = check_ns("input [4, 7]\nfc = Linear(?, 3)\n");
  CHECK(q.analysis.layers[0].params == 24);
  CHECK(q.analysis.layers[0].inferred.at("in_features") == 7);
  auto c = check_ns("input [1, 3, 8, 8]\nConv2d(?, 4, 3)\n");
  CHECK(c.analysis.layers[0].params == 4 * 27 + 4);
  CHECK(check_ns("input [2, 5, 8]\nLinear(8, 4)\n").analysis.layers[0].macs == 10 * 8 * 4);
}

TEST_CASE("view, reshape, flatten, unflatten") {
  CHECK(first_error(check_ns("input [1, 64, 2, 2]\nview(-1, 300)\n")).message ==
        "shape '[-1, 300]' is invalid for input of size 256");
  CHECK(first_error(check_ns("input [1, 64, 2, 2]\nview(-1, -1)\n")).message ==
        "only one dimension can be inferred");
  CHECK(first_error(check_ns("input [1, 64, 2, 2]\nreshape(3, 100)\n")).message ==
        "shape '[3, 100]' is invalid for input of size 256");
  CHECK(out_shape(check_ns("input [1, 64, 2, 2]\nreshape((4, -1))\n")) == "[4, 64]");
  CHECK(out_shape(check_ns("input [2, 3, 4, 5]\nFlatten()\n")) == "[2, 60]");
  CHECK(out_shape(check_ns("input [2, 3, 4, 5]\nflatten()\n")) == "[120]");
  CHECK(first_error(check_ns("input [1, 2, 3, 4]\nFlatten(2, 1)\n")).message ==
        "flatten() has invalid args: start_dim cannot come after end_dim");
  CHECK(first_error(check_ns("input [1, 2, 3]\nFlatten(3)\n")).message ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(out_shape(check_ns("input [1, 12]\nUnflatten(1, (2, -1))\n")) == "[1, 2, 6]");
  CHECK(first_error(check_ns("input [1, 12]\nUnflatten(1, (2, 5))\n")).message ==
        "unflatten: Provided sizes [2, 5] don't multiply up to the size of dim 1 (12) in the input "
        "tensor");
}

TEST_CASE("add, cat, pad, interpolate, softmax, dropout") {
  CHECK(out_shape(check_ns("input a: [1, 2, 3, 3]\ninput b: [3, 1]\nadd(a, b)\n")) ==
        "[1, 2, 3, 3]");
  CHECK(
      first_error(check_ns("input a: [1, 2, 3, 3]\ninput b: [1, 3, 3, 3]\nadd(a, b)\n")).message ==
      "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1");
  CHECK(out_shape(check_ns("input a: [1, 2, 3, 3]\ninput b: [1, 3, 3, 3]\ncat([a, b], dim=1)\n")) ==
        "[1, 5, 3, 3]");
  CHECK(first_error(check_ns("input a: [1, 2, 3, 3]\ninput b: [1, 3, 4, 4]\ncat([a, b], dim=1)\n"))
            .message ==
        "Sizes of tensors must match except in dimension 1. Expected size 3 but got size 4 for "
        "tensor number 1 in the list.");
  CHECK(first_error(check_ns("input a: [1, 2, 3, 3]\ninput b: [1, 3, 3]\ncat([a, b], dim=1)\n"))
            .message == "Tensors must have same number of dimensions: got 4 and 3");
  CHECK(out_shape(check_ns("input [1, 2, 5, 5]\nZeroPad2d((1, 2, 3, 4))\n")) == "[1, 2, 12, 8]");
  CHECK(out_shape(check_ns("input [1, 2, 5, 5]\ninterpolate(scale_factor=2.5)\n")) ==
        "[1, 2, 12, 12]");
  CHECK(
      first_error(check_ns("input [1, 2, 5, 5]\ninterpolate(size=3, scale_factor=2)\n")).message ==
      "only one of size or scale_factor should be defined");
  CHECK(first_error(check_ns("input [1, 2, 5]\nUpsample(scale_factor=2, mode='bilinear')\n"))
            .message == "Got 3D input, but bilinear mode needs 4D input");
  CHECK(first_error(check_ns("input [1, 2, 3]\nSoftmax(dim=4)\n")).message ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 4)");
  CHECK(first_error(check_ns("input [1, 2]\nDropout(p=1.5)\n")).message ==
        "dropout probability has to be between 0 and 1, but got 1.5");
}

TEST_CASE("binding: keywords, unknown names, frozen, outputs") {
  auto kw = check_ns("input [1, 3]\nLinear(in_features=3, out_feature=4)\n");
  CHECK(first_error(kw).message == "Linear() got an unexpected keyword argument 'out_feature'");
  CHECK(first_error(kw).help == "did you mean 'out_features'?");
  auto op = check_ns("input [1, 3, 8, 8]\nconv2d(3, 4, 3)\n");
  CHECK(first_error(op).message == "unknown layer or op 'conv2d'");
  CHECK(first_error(op).help == "did you mean `Conv2d`?");
  CHECK(first_error(check_ns("input [1, 3]\nLinear(3)\n")).message ==
        "Linear() missing required argument: 'out_features'");
  CHECK(first_error(check_ns("input [1, 3]\nLinear(3, 4, in_features=3)\n")).message ==
        "Linear() got multiple values for argument 'in_features'");
  auto fr = check_ns("input [1, 3]\na = Linear(3, 4, frozen=True)\nb = Linear(4, 2)\n");
  CHECK(fr.analysis.totals.params == 16 + 10);
  CHECK(fr.analysis.totals.trainable_params == 10);
  CHECK(fr.analysis.totals.non_trainable_params == 16);
  auto two = check_ns("input x: [1, 4]\na = Linear(4, 4)\nb = Linear(4, 2)(x)\noutput a, b\n");
  REQUIRE(two.analysis.outputs.size() == 2);
  CHECK(to_string(two.analysis.outputs[1].second) == "[1, 2]");
  CHECK(two.analysis.layers[1].inputs[0] == "x");
  CHECK(first_error(check_ns("input x: [1, 4]\nLinear(4, 4)(y)\n")).message ==
        "unknown tensor 'y'");
}

TEST_CASE("counts are 64-bit and overflow is an error") {
  auto m = check_ns("input [1000000, 1000000]\nLinear(1000000, 100000000000)\n");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message.find("overflows 64 bits") != std::string::npos);
  auto big = check_ns("input [1, 3, 224, 224]\nConv2d(3, 64, 7, stride=2, padding=3)\n");
  CHECK(big.analysis.layers[0].macs == 118013952LL);  // ResNet-50 conv1
}

TEST_CASE("edge cases found against PyTorch") {
  CHECK(out_shape(check_ns("input x: [1, 3, 2, 2]\nZeroPad2d(-1)\n")) == "[1, 3, 0, 0]");
  CHECK(first_error(check_ns("input x: [1, 3, 4, 4]\nUpsample(scale_factor=2, mode='nearest', "
                             "align_corners=True)\n"))
            .message ==
        "align_corners option can only be set with the interpolating modes: linear | bilinear | "
        "bicubic | trilinear");
  CHECK(out_shape(check_ns("input x: [1, 3, 4, 4]\nUpsample(scale_factor=2, mode='bilinear', "
                           "align_corners=True)\n")) == "[1, 3, 8, 8]");
  CHECK(first_error(
            check_ns("input x: [1, 3, 4, 4]\nConv2d(3, 4, 3, padding=4, padding_mode='reflect')\n"))
            .message ==
        "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
        "padding (4, 4) at dimension 3 of input 4");
  CHECK(
      first_error(
          check_ns("input x: [1, 3, 4, 4]\nConvTranspose2d(3, 4, 3, stride=2, output_padding=2)\n"))
          .message ==
      "output padding must be smaller than either stride or dilation, but got "
      "output_padding_height: 2 output_padding_width: 2 stride_height: 2 stride_width: 2 "
      "dilation_height: 1 dilation_width: 1");
  CHECK(out_shape(check_ns("input x: [B, 64, 2, 2]\nview(B, -1)\n")) == "[B, 256]");
  auto v = check_ns("input x: [B, 64, 2, 2]\nview(-1, 300)\n");
  CHECK(first_error(v).help ==
        "the input [B, 64, 2, 2] has 256 elements per sample; use view(B, 256)");
}

TEST_CASE("too-small input: the note gives the smallest input that gets past the layer") {
  auto m = check_ns(
      "input x: [B, 1, 12, 12]\nconv1 = Conv2d(1, 8, 5)\npool = MaxPool2d(2)\nconv2 = Conv2d(8, "
      "16, 5)\n");
  REQUIRE(first_error(m).notes.size() == 1);
  CHECK(first_error(m).notes[0] == "the smallest input that gets past conv2 is [B, 1, 14, 14]");
  auto p = check_ns("input [32, 2, 2]\npool = MaxPool2d(3)\n");
  CHECK(first_error(p).notes.at(0) == "the smallest input that gets past pool is [32, 3, 3]");
}

TEST_CASE("tensor ops: squeeze, unsqueeze, transpose, mean, sub/mul/div, Upsampling*2d") {
  CHECK(out_shape(check_ns("input x: [2, 3, 1, 1]\nsqueeze()\n")) == "[2, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 1, 5]\nsqueeze(-2)\nunsqueeze(1)\n")) ==
        "[2, 1, 3, 5]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsqueeze(1)\n")) ==
        "[2, 3, 4]");  // not size 1: no-op
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\ntranspose(1, 2)\n")) == "[2, 4, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4, 5]\nmean([2, 3])\n")) == "[2, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4, 5]\nmean(dim=1, keepdim=True)\n")) ==
        "[2, 1, 4, 5]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4, 5]\nmean()\n")) == "[]");
  CHECK(out_shape(check_ns("input a: [2, 4, 3]\nm = mul(a, a)\nsub(m, a)\ndiv(a)\n")) ==
        "[2, 4, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4, 4]\nUpsamplingBilinear2d(scale_factor=2)\n")) ==
        "[2, 3, 8, 8]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4, 4]\nUpsamplingNearest2d(size=(5, 7))\n")) ==
        "[2, 3, 5, 7]");
  // PyTorch names the last mismatching dim.
  CHECK(
      first_error(check_ns("input a: [1, 2, 8, 8]\ninput b: [1, 2, 16, 16]\nadd(a, b)\n"))
          .message ==
      "The size of tensor a (8) must match the size of tensor b (16) at non-singleton dimension 3");
}

TEST_CASE("an unknown op cannot be read: exit 2 with the nearest name") {
  auto m = check_ns("input x: [1, 3, 8, 8]\nconv2d(3, 4, 3)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).code == "unknown-op");
}

TEST_CASE("a name used twice is reported where it is reused, before any layer runs") {
  auto m = check_ns("input x: [1, 4]\na = Linear(4, 4)\na = Linear(4, 2)\n");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message == "the name 'a' is used twice");
  CHECK(first_error(m).span.line == 3);
  CHECK(m.analysis.layers.empty());
}
