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

// A sequence given channels-last ([N, L, C], an embedding's output) to Conv1d or BatchNorm1d:
// the last dim is the channels the layer wants, so the help transposes, and the layer's size
// that would fit (PyTorch-legal, rarely meant) is a note.
TEST_CASE("Conv1d and BatchNorm1d of a channels-last sequence: the help transposes it") {
  auto conv = check_ns("input x: [2, 20, 16]\nconv = Conv1d(16, 8, 3)\n");
  CHECK(first_error(conv).message ==
        "Given groups=1, weight of size [8, 16, 3], expected input[2, 20, 16] to have 16 "
        "channels, but got 20 channels instead");
  CHECK(first_error(conv).help ==
        "x is [2, 20, 16]: its last dim has the 16 channels conv wants, so it is likely [batch, "
        "length, channels]; transpose it to [batch, channels, length] first: `.transpose(1, 2)`");
  REQUIRE(first_error(conv).notes.size() == 1);
  CHECK(first_error(conv).notes[0] ==
        "or, if dim 1 does hold the channels: conv receives 20 channels, so it needs "
        "in_channels=20; use Conv1d(20, 8, 3)");
  auto norm = check_ns("input x: [2, 50, 16]\nbn = BatchNorm1d(16)\n");
  CHECK(first_error(norm).help.find("`.transpose(1, 2)`") != std::string::npos);
  // the last dim is not the channels: the layer's size is the fix, as before
  auto other = check_ns("input x: [2, 20, 12]\nconv = Conv1d(16, 8, 3)\n");
  CHECK(first_error(other).help ==
        "conv receives 20 channels, so it needs in_channels=20; use Conv1d(20, 8, 3)");
  CHECK(first_error(other).notes.empty());
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
  // Without running stats (PyTorch 1.13, eval mode too): the batch's own statistics, which need
  // more than one value per channel; the channels checked against the weight, or not at all.
  CHECK(
      first_error(check_ns("input [1, 3]\nBatchNorm1d(3, track_running_stats=False)\n")).message ==
      "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])");
  CHECK(check_ns("input [1, 3, 2]\nBatchNorm1d(3, track_running_stats=False)\n").exit ==
        ExitCode::Ok);
  CHECK(check_ns("input [B, 3]\nBatchNorm1d(3, track_running_stats=False)\n").exit == ExitCode::Ok);
  CHECK(first_error(check_ns("input [2, 3, 5, 5]\nBatchNorm2d(4, track_running_stats=False)\n"))
            .message == "weight should contain 3 elements not 4");
  CHECK(check_ns("input [2, 3, 5, 5]\nBatchNorm2d(4, affine=False, track_running_stats=False)\n")
            .exit == ExitCode::Ok);
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
  // PyTorch 1.13: running stats are checked too, and both counts are over the batch (instance
  // norm is batch norm over [1, N*C, ...]); netshape accepted the first before.
  CHECK(first_error(check_ns("input [2, 4, 6, 6]\nInstanceNorm2d(8, track_running_stats=True)\n"))
            .message == "running_mean should contain 8 elements not 16");
  CHECK(first_error(check_ns("input [4, 6, 6]\nInstanceNorm2d(3, track_running_stats=True)\n"))
            .message == "running_mean should contain 4 elements not 3");
  CHECK(first_error(check_ns("input [2, 3, 4, 4]\nInstanceNorm2d(4, affine=True, "
                             "track_running_stats=True)\n"))
            .message == "running_mean should contain 6 elements not 8");
  CHECK(first_error(check_ns("input [3, 4, 6, 6]\nInstanceNorm2d(3, affine=True)\n")).message ==
        "weight should contain 12 elements not 9");
  CHECK(first_error(check_ns("input [B, 4, 6, 6]\nInstanceNorm2d(8, affine=True)\n")).message ==
        "weight should contain 4*B elements not 8*B");
  // PyTorch 1.13's LayerNorm has no bias= (2.1 added it); bias=None is no bias for Conv and Linear.
  CHECK(first_error(check_ns("input [2, 16, 8]\nLayerNorm(8, bias=False)\n")).message ==
        "LayerNorm() got an unexpected keyword argument 'bias'");
  CHECK(check_ns("input [2, 3, 8, 8]\nConv2d(3, 8, 3, bias=None)\n").analysis.layers[0].params ==
        216);
  CHECK(check_ns("input [2, 4]\nLinear(4, 4, bias=None)\n").analysis.layers[0].params == 16);
  CHECK(check_ns("input [2, 3, 8, 8]\nConvTranspose2d(3, 8, 3, bias=None)\n")
            .analysis.layers[0]
            .params == 216);
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
  CHECK(q.analysis.layers[0].inferred().at("in_features") == 7);
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
  // 0 elements: a -1 among sizes multiplying to 0 is ambiguous; beside sizes that do not, it is 0
  CHECK(first_error(check_ns("input [2, 4]\nnarrow(1, 4, 0)\nview(-1, 0)\n")).message ==
        "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified "
        "dimension size -1 can be any value and is ambiguous");
  CHECK(out_shape(check_ns("input [2, 4]\nnarrow(1, 4, 0)\nview(3, -1)\n")) == "[3, 0]");
  CHECK(first_error(check_ns("input [2, 4]\nnarrow(1, 4, 0)\nview(3, 1)\n")).message ==
        "shape '[3, 1]' is invalid for input of size 0");
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
  // the method x.unflatten(dim, sizes) (torch.unflatten), with PyTorch's messages for its sizes
  CHECK(out_shape(check_ns("input [2, 12, 5]\nunflatten(-2, [3, -1])\n")) == "[2, 3, 4, 5]");
  CHECK(first_error(check_ns("input [2, 12]\nunflatten(1, 4)\n")).message ==
        "unflatten(): argument 'sizes' (position 2) must be tuple of ints, not int");
  CHECK(first_error(check_ns("input [2, 12]\nunflatten(1, ())\n")).message ==
        "unflatten: sizes must be non-empty");
  CHECK(first_error(check_ns("input [2, 12]\nunflatten(2, (3, 4))\n")).message ==
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

// cat without a dim joins along dim 0: tensors that differ only in their channels were meant
// to be joined there (dim=1), which the help says; with a dim given, resizing stays the fix.
TEST_CASE("cat: the help names the dim the tensors differ in when cat was given none") {
  auto m = check_ns(
      "input x: [2, 3, 8, 8]\na = Conv2d(3, 8, 1)(x)\nb = Conv2d(3, 4, 1)(x)\nc = cat([a, b])\n");
  CHECK(first_error(m).message ==
        "Sizes of tensors must match except in dimension 0. Expected size 8 but got size 4 for "
        "tensor number 1 in the list.");
  CHECK(first_error(m).help ==
        "the tensors differ only in dim 1: to join them along it, use dim=1");
  REQUIRE(first_error(m).notes.size() == 1);
  CHECK(first_error(m).notes[0].rfind("or, to join them along dim 0: a is [2, 8, 8, 8]", 0) == 0);
  auto given = check_ns(
      "input x: [2, 3, 8, 8]\na = Conv2d(3, 8, 1)(x)\nb = Conv2d(3, 8, 2)(x)\n"
      "c = cat([a, b], dim=1)\n");
  CHECK(first_error(given).help.rfind("a is [2, 8, 8, 8] and b is [2, 8, 7, 7]; make dim 2", 0) ==
        0);
  CHECK(first_error(given).notes.empty());
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
  auto op = check_ns("input [1, 3, 8, 8]\nconv2D(3, 4, 3)\n");
  CHECK(first_error(op).message == "unknown layer or op 'conv2D'");
  CHECK(first_error(op).help == "did you mean `Conv2d`?");
  // the functional form without its weight tensor: the layer was meant
  auto functional = check_ns("input [1, 3, 8, 8]\nconv2d(3, 4, 3)\n");
  CHECK(first_error(functional).message ==
        "conv2d() takes an input, a weight tensor and an optional bias: it is the function "
        "F.conv2d, the layer is Conv2d");
  CHECK(first_error(functional).help == "for the layer, write `Conv2d(3, 4, 3)`");
  auto as_in_notes = check_ns("input [1, 32, 8, 8]\nnn.conv2d(32, 64, kernel_size=5)\n");
  CHECK(first_error(as_in_notes).help == "for the layer, write `Conv2d(32, 64, kernel_size=5)`");
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
  CHECK(two.analysis.input_name(two.analysis.layers[1], 0) == "x");
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
  // ConstantPad2d and ZeroPad2d hand a tuple of any length to F.pad as it is.
  CHECK(out_shape(check_ns("input x: [2, 3, 16, 16]\nConstantPad2d((3, 1), 0.5)\n")) ==
        "[2, 3, 16, 20]");
  CHECK(out_shape(check_ns("input x: [1, 2, 5, 5]\nZeroPad2d((1, 1, 1, 1, 1, 1))\n")) ==
        "[1, 4, 7, 7]");
  CHECK(first_error(check_ns("input x: [1, 2, 5, 5]\nZeroPad2d((3, 1, 1))\n")).message ==
        "Padding length must be divisible by 2");
  CHECK(first_error(check_ns("input x: [2, 3, 16, 16]\nConstantPad2d(-10, 0.0)\n")).message ==
        "start (0) + length (-4) exceeds dimension size (6).");
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
  // a dim that needs no growth keeps its size: PyTorch runs [1, 3, 16, 7, 7] and [1, 3, 16, 7,
  // 8] (kernel (2, 7, 7)), not [1, 3, 16, 6, 7]; the frames were enough
  auto video = check_ns("input [1, 3, 16, 4, 5]\npool = AvgPool3d((2, 7, 7))\n");
  CHECK(first_error(video).notes.at(0) ==
        "the smallest input that gets past pool is [1, 3, 16, 7, 8]");
  auto wide = check_ns("input [1, 1, 12, 12]\nconv = Conv2d(1, 4, (3, 20))\n");
  CHECK(first_error(wide).notes.at(0) ==
        "the smallest input that gets past conv is [1, 1, 12, 20]");
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
  auto m = check_ns("input x: [1, 3, 8, 8]\nconv2D(3, 4, 3)\n");
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

// The shapes and messages below are PyTorch 1.13's for the same calls on torch.zeros inputs
// (e.g. torch.zeros(2, 3, 4).permute(0, 1) for the first message).
namespace {
std::string error_of(const std::string& ns) {
  return test::shape_error_of(ns);
}
}  // namespace

TEST_CASE("permute: ints or one tuple, every dim once, PyTorch's messages") {
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npermute(2, 0, 1)\n")) == "[4, 2, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npermute((2, 0, 1))\n")) == "[4, 2, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npermute([-1, 0, 1])\n")) == "[4, 2, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npermute(dims=(0, 2, 1))\n")) == "[2, 4, 3]");
  CHECK(out_shape(check_ns("input x: [B, 3, 4]\ny = permute(x, 0, 2, 1)\n")) == "[B, 4, 3]");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, 1)\n") ==
        "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
        "of the desired ordering of dimensions i.e. input.dim() = 3 is not equal to len(dims) = 2");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, 0, 1)\n") ==
        "permute(): duplicate dims are not allowed.");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, -3, 1)\n") ==
        "permute(): duplicate dims are not allowed.");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, 1, 3)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of("input x: [2, 3, 4]\npermute()\n") ==
        "permute() missing 1 required positional arguments: \"dims\"");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, 1, 2.0)\n") ==
        "permute(): argument 'dims' must be tuple of ints, but found element of type float at pos "
        "3");
  CHECK(error_of("input x: [2, 3, 4]\npermute(0, (1, 2))\n") ==
        "permute(): argument 'dims' must be tuple of ints, but found element of type tuple at pos "
        "2");
  auto twice = check_ns("input x: [2, 3, 4]\npermute(0, 1, 2, dims=(0, 1, 2))\n");
  CHECK(first_error(twice).message == "permute() got multiple values for argument 'dims'");
}

TEST_CASE("narrow and select: negative start and index wrap, PyTorch's messages") {
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nnarrow(2, 1, 2)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nnarrow(-1, -2, 2)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nnarrow(2, 4, 0)\n")) == "[2, 3, 0]");
  CHECK(out_shape(check_ns("input x: [B, 3, 4]\nnarrow(1, 0, 2)\n")) == "[B, 2, 4]");
  CHECK(error_of("input x: [6]\nnarrow(0, 5, 3)\n") ==
        "start (5) + length (3) exceeds dimension size (6).");
  CHECK(error_of("input x: [2, 6]\nnarrow(1, -1, 2)\n") ==
        "start (5) + length (2) exceeds dimension size (6).");
  CHECK(error_of("input x: [2, 3, 4]\nnarrow(2, 0, -1)\n") ==
        "start (0) + length (-1) exceeds dimension size (4).");
  CHECK(error_of("input x: [2, 3, 4]\nnarrow(2, 5, 0)\n") ==
        "Dimension out of range (expected to be in range of [-4, 3], but got 5)");
  CHECK(error_of("input x: [2, 3, 4]\nnarrow(3, 0, 1)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of("input x: [3]\nselect(0, 1)\nnarrow(0, 0, 1)\n") ==
        "narrow() cannot be applied to a 0-dim tensor.");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nselect(1, 2)\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nselect(-2, -1)\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [B, 3, 4]\nselect(0, -1)\n")) == "[3, 4]");
  CHECK(error_of("input x: [2, 3]\nselect(1, 5)\n") ==
        "select(): index 5 out of range for tensor of size [2, 3] at dimension 1");
  CHECK(error_of("input x: [2, 3]\nselect(-1, -4)\n") ==
        "select(): index -4 out of range for tensor of size [2, 3] at dimension 1");
  CHECK(error_of("input x: [2, 3]\nselect(2, 0)\n") ==
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of("input x: [3]\nselect(0, 1)\nselect(0, 0)\n") ==
        "select() cannot be applied to a 0-dim tensor.");
  CHECK(error_of("input x: [B, 3]\nselect(0, 1)\n").rfind("select(): index 1 of the batch", 0) ==
        0);
}

// PyTorch 1.13's torch.ops.aten.slice on the same shapes.
TEST_CASE("slice: every step-th element from start to end, clamped as at::slice clamps") {
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, 0, None, 2)\n")) == "[2, 3, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, 1, None, 2)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, -3, None, 2)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, 7, 2, 2)\n")) == "[2, 3, 0]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, -100, 100, 4)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(2, 4, 1, 1)\n")) == "[2, 3, 0]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(1, 0, 3, 5)\n")) == "[2, 1, 5]");
  CHECK(out_shape(check_ns("input x: [2, 3, 5]\nslice(step=2)\n")) == "[1, 3, 5]");
  CHECK(out_shape(check_ns("input x: [B, 3, 5]\nslice(-1, step=3)\n")) == "[B, 3, 2]");
  CHECK(out_shape(check_ns("input x: [B, 3, 5]\nslice()\n")) == "[B, 3, 5]");
  CHECK(error_of("input x: [2, 3, 5]\nslice(1, 0, None, 0)\n") == "slice step must be positive");
  CHECK(error_of("input x: [2, 3, 5]\nslice(1, 0, None, -1)\n") == "slice step must be positive");
  CHECK(error_of("input x: [3]\nselect(0, 1)\nslice(0)\n") ==
        "slice() cannot be applied to a 0-dim tensor.");
  CHECK(error_of("input x: [2, 3]\nslice(2)\n") ==
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of("input x: [B, 3]\nslice(0, 0, None, 2)\n")
            .rfind("cannot slice the batch-sized dim B", 0) == 0);
  // at::slice's (length + step - 1) / step wraps for a step near 2^63: an error, not a count
  auto huge = first_error(check_ns("input x: [2, 5]\nslice(1, 1, -1, 9223372036854775807)\n"));
  CHECK(huge.code == "integer-overflow");
  CHECK(out_shape(check_ns("input x: [2, 5]\nslice(1, 3, 3, 9223372036854775807)\n")) == "[2, 0]");
}

// PyTorch 1.13's F.affine_grid and F.grid_sample on the same shapes: the shapes, and its errors
// in its order.
TEST_CASE("affine_grid and grid_sample: the grid's and the sample's shapes, PyTorch's messages") {
  const std::string theta = "input t: [3, 2, 3]\n";
  CHECK(out_shape(check_ns(theta + "affine_grid((3, 1, 8, 6))\n")) == "[3, 8, 6, 2]");
  CHECK(out_shape(check_ns(theta + "affine_grid([3, 5, 8, 6])\n")) == "[3, 8, 6, 2]");
  CHECK(out_shape(check_ns("input t: [B, 2, 3]\naffine_grid((B, 1, 8, 6))\n")) == "[B, 8, 6, 2]");
  CHECK(out_shape(check_ns("input t: [3, 3, 4]\naffine_grid([3, 1, 2, 8, 6])\n")) ==
        "[3, 2, 8, 6, 3]");
  CHECK(out_shape(check_ns(theta + "affine_grid((3, 0, 1, 6), align_corners=True)\n")) ==
        "[3, 1, 6, 2]");
  CHECK(check_ns(theta + "affine_grid((3, 1, 8, 6))\n").analysis.layers[0].macs ==
        3 * 8 * 6 * 3 * 2);
  CHECK(error_of(theta + "affine_grid((4, 1, 8, 6))\n") ==
        "Expected size for first two dimensions of batch2 tensor to be: [4, 3] but got: [3, 3].");
  CHECK(error_of(theta + "affine_grid([3, 1, 8])\n") ==
        "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
        "respectively. Got size [3, 1, 8].");
  CHECK(error_of(theta + "affine_grid((3, 1, 0, 6))\n") ==
        "Expected non-zero, positive output size. Got (3, 1, 0, 6)");
  CHECK(error_of("input t: [3, 3, 4]\naffine_grid((3, 1, 8, 6))\n") ==
        "Expected a batch of 2D affine matrices of shape Nx2x3 for size (3, 1, 8, 6). Got "
        "torch.Size([3, 3, 4]).");
  CHECK(error_of(theta + "affine_grid((3, 1, 8, 6), align_corners=1)\n") ==
        "affine_grid_generator(): argument 'align_corners' (position 3) must be bool, not int");
  // PyTorch skips the positive-size check only when the smallest spatial size is 1
  CHECK(error_of("input t: [1, 2, 3]\naffine_grid((1, 1, 1, -3), align_corners=True)\n") ==
        "Expected non-zero, positive output size. Got (1, 1, 1, -3)");
  CHECK(error_of(theta + "affine_grid((True, 1, 4, 4))\n") ==
        "affine_grid_generator(): argument 'size' (position 2) must be tuple of ints, not tuple");
  CHECK(error_of(theta + "affine_grid([3.0, 1, 4, 4])\n") ==
        "affine_grid_generator(): argument 'size' (position 2) must be tuple of ints, not list");
  CHECK(out_shape(check_ns(theta + "affine_grid((3, True, 4, 4))\n")) == "[3, 4, 4, 2]");
  CHECK(error_of(theta + "affine_grid(5)\n") == "object of type 'int' has no len()");
  CHECK(error_of(theta + "affine_grid((3, 1, 0, 6), align_corners=1)\n") ==
        "Expected non-zero, positive output size. Got (3, 1, 0, 6)");
  CHECK(error_of(theta + "affine_grid((3, 1, 8, 6.0), align_corners=1)\n") ==
        "affine_grid_generator(): argument 'align_corners' (position 3) must be bool, not int");
  CHECK(error_of(theta + "affine_grid((3, 1, 1, 6), align_corners=1)\n") ==
        "affine_grid_generator(): argument 'align_corners' (position 3) must be bool, not int");
  CHECK(error_of(theta + "affine_grid((3, 1, 8, 6.0))\n") ==
        "affine_grid_generator(): argument 'size' must be tuple of ints, but found element of "
        "type float at pos 4");
  const std::string x = "input x: [3, 2, 10, 12]\n";
  CHECK(out_shape(check_ns(x + "input g: [3, 5, 7, 2]\ngrid_sample(x, g)\n")) == "[3, 2, 5, 7]");
  CHECK(out_shape(check_ns(x + "input g: [3, 5, 7, 2]\ngrid_sample(g, mode='bicubic')\n")) ==
        "[3, 2, 5, 7]");
  CHECK(out_shape(check_ns("input x: [3, 2, 4, 10, 12]\ninput g: [3, 5, 7, 6, 3]\n"
                           "grid_sample(x, g)\n")) == "[3, 2, 5, 7, 6]");
  CHECK(error_of(x + "input g: [2, 5, 7, 2]\ngrid_sample(x, g)\n") ==
        "grid_sampler(): expected grid and input to have same batch size, but got input with "
        "sizes [3, 2, 10, 12] and grid with sizes [2, 5, 7, 2]");
  CHECK(error_of(x + "input g: [3, 5, 7, 3]\ngrid_sample(x, g)\n") ==
        "grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes "
        "[3, 5, 7, 3]");
  CHECK(error_of(x + "input g: [3, 5, 2]\ngrid_sample(x, g)\n") ==
        "grid_sampler(): expected 4D input and grid with same number of dimensions, but got "
        "input with sizes [3, 2, 10, 12] and grid with sizes [3, 5, 2]");
  CHECK(error_of("input x: [3, 2, 10]\ninput g: [3, 5, 2]\ngrid_sample(x, g)\n") ==
        "grid_sampler(): expected grid to have size 1 in last dimension, but got grid with sizes "
        "[3, 5, 2]");
  CHECK(error_of("input x: [3, 2, 4, 10, 12]\ninput g: [3, 5, 7, 6, 3]\n"
                 "grid_sample(x, g, mode='bicubic')\n") ==
        "grid_sampler(): bicubic interpolation only supports 4D input");
  CHECK(error_of(x + "input g: [3, 5, 7, 2]\ngrid_sample(x, g, mode='area')\n") ==
        "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
        "got: 'area'");
  CHECK(error_of(x + "input g: [3, 5, 7, 2]\ngrid_sample(x, g, padding_mode='edge')\n") ==
        "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
        "'reflection', but got: 'edge'");
  CHECK(error_of(x + "input g: [3, 5, 7, 2]\ngrid_sample(x, g, align_corners=1)\n") ==
        "grid_sampler(): argument 'align_corners' (position 5) must be bool, not int");
}

// PyTorch 1.13's nn.GLU, F.glu, nn.Softmin and F.softmin on the same shapes.
TEST_CASE("GLU halves a dim of even size, Softmin keeps the shape, PyTorch's messages") {
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nGLU()\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nglu(dim=0)\n")) == "[1, 3, 4]");
  CHECK(out_shape(check_ns("input x: [B, 6]\nGLU(-1)\n")) == "[B, 3]");
  CHECK(error_of("input x: [2, 3, 4]\nGLU(1)\n") ==
        "Halving dimension must be even, but dimension 1 is size 3");
  CHECK(error_of("input x: [2, 3, 4]\nglu(3)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of("input x: [3]\nselect(0, 1)\nGLU()\n") ==
        "glu does not support scalars because halving size must be even");
  CHECK(error_of("input x: [B, 6]\nGLU(0)\n").rfind("cannot halve the batch-sized dim B", 0) == 0);
  CHECK(check_ns("input x: [2, 8]\nGLU()\n").analysis.totals.params == 0);
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nSoftmin(dim=1)\n")) == "[2, 3, 4]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsoftmin(2)\n")) == "[2, 3, 4]");
  CHECK(error_of("input x: [2, 3]\nSoftmin(dim=2)\n") ==
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

TEST_CASE("expand and repeat: -1, new leading dims, tiling, PyTorch's messages") {
  CHECK(out_shape(check_ns("input x: [2, 1]\nexpand(2, 4)\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 1]\nexpand(-1, 4)\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 1]\nexpand(3, 2, 4)\n")) == "[3, 2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 1]\nexpand((2, 4))\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 1]\nexpand(size=[2, 0])\n")) == "[2, 0]");
  CHECK(out_shape(check_ns("input x: [B, 1]\nexpand(-1, 4)\n")) == "[B, 4]");
  CHECK(out_shape(check_ns("input x: [1, 3]\nexpand(B, 3)\n")) == "error");  // no batch here
  CHECK(error_of("input x: [2, 1]\nexpand(-1, 2, 4)\n") ==
        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension "
        "0");
  CHECK(error_of("input x: [2, 3]\nexpand(2, 4)\n") ==
        "The expanded size of the tensor (4) must match the existing size (3) at non-singleton "
        "dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]");
  CHECK(error_of("input x: [2, 3]\nexpand(3, 4)\n") ==
        "The expanded size of the tensor (4) must match the existing size (3) at non-singleton "
        "dimension 1.  Target sizes: [3, 4].  Tensor sizes: [2, 3]");
  CHECK(error_of("input x: [2, 3]\nexpand(3)\n") ==
        "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be "
        "greater or equal to the number of dimensions in the tensor (2)");
  CHECK(error_of("input x: [2, 1]\nexpand(2, -2)\n") == "numel: integer multiplication overflow");
  CHECK(error_of("input x: [2, 3, 4]\nexpand(2, 3, 4.0)\n") ==
        "expand(): argument 'size' must be tuple of SymInts, but found element of type float at "
        "pos 3");
  CHECK(out_shape(check_ns("input x: [2, 3]\nrepeat(2, 2)\n")) == "[4, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3]\nrepeat(2, 1, 2)\n")) == "[2, 2, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3]\nrepeat((2, 2))\n")) == "[4, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3]\nrepeat(2, 0)\n")) == "[4, 0]");
  CHECK(out_shape(check_ns("input x: [B, 3]\nrepeat(2, 1)\n")) == "[2*B, 3]");
  CHECK(error_of("input x: [2, 3]\nrepeat(2)\n") ==
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
        "tensor");
  CHECK(error_of("input x: [2, 3]\nrepeat(2, -1)\n") ==
        "Trying to create tensor with negative dimension -3: [4, -3]");
}

// PyTorch 1.13's shapes and messages: the padding modules call F.pad(x, padding, mode), an int
// repeated for both sides of each of their dims, a tuple as it is (ReflectionPad2d((1, 2)) pads
// only the last dim). tests/parity/padding_modules_parity.py checks 240 combinations.
TEST_CASE("pad: ReflectionPad and ReplicationPad modules are F.pad of their mode") {
  CHECK(out_shape(check_ns("input x: [1, 2, 4, 4]\nReflectionPad2d(3)\n")) == "[1, 2, 10, 10]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nReflectionPad2d((1, 0, 2, 1))\n")) == "[2, 6, 5]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nReflectionPad2d((1, 2))\n")) == "[2, 3, 7]");
  CHECK(out_shape(check_ns("input x: [1, 2, 3, 4, 4]\nReplicationPad3d(1)\n")) ==
        "[1, 2, 5, 6, 6]");
  CHECK(out_shape(check_ns("input x: [3, 4]\nReplicationPad1d(2)\n")) == "[3, 8]");
  CHECK(error_of("input x: [2, 3, 4]\nReflectionPad1d((4, 0))\n") ==
        "Argument #4: Padding size should be less than the corresponding input dimension, but "
        "got: padding (4, 0) at dimension 2 of input [2, 3, 4]");
  LoadedModel m = check_ns("input x: [1, 2, 4, 4]\nReplicationPad2d(1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.layers[0].attrs->padding_mode == PaddingMode::replicate);
  CHECK(m.analysis.layers[0].attrs->padding == AttrInts{1, 1, 1, 1});
}

TEST_CASE("pad: pairs from the last dim, negative pads crop, every mode's rules and messages") {
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((1, 2))\n")) == "[2, 3, 7]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((1, 2, 3, 4))\n")) == "[2, 10, 7]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((1, 1, 1, 1, 1, 1))\n")) == "[4, 5, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad([1, 1], value=2.0)\n")) == "[2, 3, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((-1, -1))\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((-2, -2))\n")) == "[2, 3, 0]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad(())\n")) == "[2, 3, 4]");
  CHECK(out_shape(check_ns("input x: [B, 3, 4]\npad((1, 1, 1, 1))\n")) == "[B, 5, 6]");
  CHECK(error_of("input x: [2, 3, 4]\npad((1,))\n") == "Padding length must be divisible by 2");
  CHECK(error_of("input x: [2, 3, 4]\npad((1, 1, 1, 1, 1, 1, 1, 1))\n") ==
        "Padding length too large");
  CHECK(error_of("input x: [2, 3, 4]\npad(1)\n") ==
        "pad(): argument 'pad' (position 2) must be tuple of ints, not int");
  // Constant mode crops first, with at::narrow's messages.
  CHECK(error_of("input x: [2, 3, 4]\npad((-3, -2))\n") ==
        "start (0) + length (-1) exceeds dimension size (1).");
  CHECK(error_of("input x: [2, 3, 4]\npad((-5, 0))\n") ==
        "Dimension out of range (expected to be in range of [-4, 3], but got 5)");
  CHECK(error_of("input x: [2, 3, 4]\npad((-2, -2, 1, 1))\n") ==
        "The input size 4, plus negative padding -2 and -2 resulted in a negative output size, "
        "which is invalid. Check dimension 2 of your input.");
  CHECK(error_of("input x: [2, 3, 4]\npad((1, 1), mode='foo')\n") ==
        "Unrecognised padding mode foo");
  CHECK(error_of("input x: [2, 3, 4]\npad((1, 1), mode='reflect', value=1.0)\n") ==
        "Padding mode \"reflect\" doesn't take in value argument");
  // reflect
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((1, 1), mode='reflect', value=0.0)\n")) ==
        "[2, 3, 6]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((3, 3), mode='reflect')\n")) == "[2, 3, 10]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((1, 1, 1, 1), mode='reflect')\n")) ==
        "[2, 5, 6]");
  CHECK(error_of("input x: [1, 2, 3, 4]\npad((1, 1), mode='reflect')\n") ==
        "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  CHECK(error_of("input x: [2, 3, 4]\npad((4, 1), mode='reflect')\n") ==
        "Argument #4: Padding size should be less than the corresponding input dimension, but "
        "got: padding (4, 1) at dimension 2 of input [2, 3, 4]");
  CHECK(error_of("input x: [1, 2, 3, 4]\npad((1, 1, 3, 1), mode='reflect')\n") ==
        "Argument #6: Padding size should be less than the corresponding input dimension, but "
        "got: padding (3, 1) at dimension 2 of input 4");
  CHECK(error_of("input x: [1, 1, 2, 3, 4]\npad((1, 1, 1, 1, 2, 1), mode='reflect')\n") ==
        "Argument #8: Padding size should be less than the corresponding input dimension, but "
        "got: padding (2, 1) at dimension 2 of input [1, 1, 2, 3, 4]");
  CHECK(error_of("input x: [2, 3, 4]\npad((-2, -2), mode='reflect')\n") ==
        "2input (W: 4)is too small. Calculated output W: 0");
  CHECK(error_of("input x: [1, 2, 3, 4]\npad((-2, -2, -2, -2), mode='reflect')\n") ==
        "input (H: 3, W: 4)is too small. Calculated output H: -1 W: 0");
  CHECK(error_of("input x: [2, 3, 4]\nnarrow(1, 0, 0)\npad((1, 1), mode='reflect')\n") ==
        "2D or 3D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{2,0,4} ]");
  // replicate
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((5, 5), mode='replicate')\n")) == "[2, 3, 14]");
  CHECK(out_shape(check_ns("input x: [1, 1, 2, 3, 4]\npad((1, 1, 1, 1, 1, 1), "
                           "mode='replicate')\n")) == "[1, 1, 4, 5, 6]");
  CHECK(out_shape(check_ns("input x: [1, 2, 3, 4]\npad((-2, -2, 0, 0), mode='replicate')\n")) ==
        "[1, 2, 3, 0]");
  CHECK(error_of("input x: [2, 3, 4]\npad((-2, -2), mode='replicate')\n") ==
        "input (W: 4) is too small. Calculated output W: 0");
  CHECK(error_of("input x: [1, 2, 3, 4]\npad((-2, -2, -3, -3), mode='replicate')\n") ==
        "input (H: 3, W: 4 ) is too small. Calculated output H: -3 W: 0");
  CHECK(error_of("input x: [1, 1, 2, 3, 4]\npad((-2, -2, -3, -3, -2, -2), mode='replicate')\n") ==
        "input (D: 2 H: 3, W: 4) is too small. Calculated output D: -2 H: -3 W: 0");
  CHECK(error_of("input x: [1, 2, 3, 4]\npad((0, 0, -2, -2), mode='replicate')\n") ==
        "Trying to create tensor with negative dimension -1: [1, 2, -1, 4]");
  CHECK(error_of("input x: [2, 3, 4]\nnarrow(2, 0, 0)\npad((1, 1), mode='replicate')\n") ==
        "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero "
        "dimensions for input, but got: [2, 3, 0]");
  // circular
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((4, 4), mode='circular')\n")) == "[2, 3, 12]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\npad((-1, 2), mode='circular')\n")) == "[2, 3, 5]");
  CHECK(out_shape(check_ns("input x: [1, 2, 3, 4]\npad((1, 1, 3, 3), mode='circular')\n")) ==
        "[1, 2, 9, 6]");
  CHECK(error_of("input x: [2, 3, 4]\npad((5, 1), mode='circular')\n") ==
        "Padding value causes wrapping around more than once.");
  CHECK(error_of("input x: [2, 3, 4]\npad((-6, 1), mode='circular')\n") ==
        "Negative padding value is resulting in an empty dimension");
  CHECK(error_of("input x: [3, 4]\npad((1, 1), mode='circular')\n") ==
        "Invalid padding size, expected 0 but got 2");
  CHECK(error_of("input x: [2, 3, 4]\npad((1, 1, 1, 1), mode='circular')\n") ==
        "Invalid padding size, expected 2 but got 4");
}

TEST_CASE("sum reduces as mean does, and an empty dim list reduces everything") {
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsum()\n")) == "[]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsum(1)\n")) == "[2, 4]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsum((0, 2))\n")) == "[3]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsum(1, keepdim=True)\n")) == "[2, 1, 4]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nsum(())\n")) == "[]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nmean([])\n")) == "[]");
  CHECK(error_of("input x: [2, 3, 4]\nsum(3)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of("input x: [2, 3, 4]\nsum((1, -2))\n") ==
        "dim 1 appears multiple times in the list of dims");
  // Every dim is wrapped before PyTorch looks for one named twice.
  CHECK(error_of("input x: [2, 2, 2]\nsum((-2, 1, 3))\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  // A 0-dim tensor reduces over dim 0 (or -1) to itself.
  CHECK(out_shape(check_ns("input x: [3]\nselect(0, 1)\nsum(0)\n")) == "[]");
  CHECK(out_shape(check_ns("input x: [3]\nselect(0, 1)\nmean(-1, keepdim=True)\n")) == "[]");
  CHECK(error_of("input x: [3]\nselect(0, 1)\nsum((0, 0))\n") ==
        "dim 0 appears multiple times in the list of dims");
  CHECK(op_info(OpId::sum).kind == OpKind::sum);
  CHECK(op_info(OpId::sum).family == op_info(OpId::mean).family);
}

TEST_CASE("matmul: every rank combination, broadcast batch dims, MACs, PyTorch's messages") {
  auto mm = [](const std::string& a, const std::string& b) {
    return check_ns("input a: " + a + "\ninput b: " + b + "\nmatmul(a, b)\n");
  };
  auto dot = mm("[3]", "[3]");
  CHECK(out_shape(dot) == "[]");
  CHECK(dot.analysis.layers[0].macs == 3);
  CHECK(out_shape(mm("[2, 3]", "[3]")) == "[2]");
  CHECK(out_shape(mm("[3]", "[3, 4]")) == "[4]");
  auto m22 = mm("[2, 3]", "[3, 4]");
  CHECK(out_shape(m22) == "[2, 4]");
  CHECK(m22.analysis.layers[0].macs == 2 * 4 * 3);
  auto m32 = mm("[5, 2, 3]", "[3, 4]");
  CHECK(out_shape(m32) == "[5, 2, 4]");
  CHECK(m32.analysis.layers[0].macs == 5 * 2 * 4 * 3);
  CHECK(out_shape(mm("[5, 2, 3]", "[3]")) == "[5, 2]");
  CHECK(out_shape(mm("[3]", "[5, 3, 4]")) == "[5, 4]");
  CHECK(out_shape(mm("[2, 3]", "[5, 3, 4]")) == "[5, 2, 4]");
  CHECK(out_shape(mm("[5, 2, 3]", "[1, 3, 4]")) == "[5, 2, 4]");
  auto m43 = mm("[7, 1, 2, 3]", "[5, 3, 4]");
  CHECK(out_shape(m43) == "[7, 5, 2, 4]");
  CHECK(m43.analysis.layers[0].macs == 7 * 5 * 2 * 4 * 3);
  CHECK(out_shape(mm("[7, 5, 2, 3]", "[3]")) == "[7, 5, 2]");
  CHECK(out_shape(mm("[2]", "[7, 5, 2, 3]")) == "[7, 5, 3]");
  auto sym = check_ns("input x: [B, 16, 8]\ninput w: [8, 4]\nmatmul(x, w)\n");
  CHECK(out_shape(sym) == "[B, 16, 4]");
  CHECK(sym.analysis.layers[0].macs == 16 * 4 * 8);
  // matmul(b) multiplies the previous output by b, as add(b) adds.
  CHECK(out_shape(check_ns("input a: [2, 3]\ninput b: [3, 4]\nLinear(3, 3)(a)\nmatmul(b)\n")) ==
        "[2, 4]");
  auto msg = [&](const std::string& a, const std::string& b) {
    auto m = mm(a, b);
    CHECK(m.exit == ExitCode::ShapeError);
    return first_error(m).message;
  };
  CHECK(msg("[3]", "[4]") ==
        "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
        "elements, but got 3 and 4 elements respectively");
  CHECK(msg("[2, 3]", "[4]") == "size mismatch, got 2, 2x3,4");
  CHECK(msg("[2]", "[3, 4]") == "mat1 and mat2 shapes cannot be multiplied (1x2 and 3x4)");
  CHECK(msg("[2, 3]", "[4, 5]") == "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  CHECK(msg("[5, 2, 3]", "[4, 5]") == "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x5)");
  CHECK(msg("[5, 2, 3]", "[4]") == "size mismatch, got 10, 10x3,4");
  CHECK(msg("[2]", "[5, 3, 4]") == "size mismatch, got 20, 20x3,2");
  CHECK(msg("[2, 3]", "[5, 4, 4]") == "mat1 and mat2 shapes cannot be multiplied (20x4 and 3x2)");
  CHECK(msg("[7, 5, 2, 3]", "[4, 4]") ==
        "mat1 and mat2 shapes cannot be multiplied (70x3 and 4x4)");
  CHECK(msg("[3]", "[7, 5, 2, 3]") == "size mismatch, got 105, 105x2,3");
  CHECK(
      msg("[5, 2, 3]", "[4, 3, 4]") ==
      "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
  CHECK(
      msg("[7, 2, 2, 3]", "[5, 3, 4]") ==
      "The size of tensor a (2) must match the size of tensor b (5) at non-singleton dimension 1");
  CHECK(
      msg("[2, 1, 5, 2, 3]", "[4, 3, 4]") ==
      "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 2");
  CHECK(msg("[5, 2, 3]", "[5, 4, 4]") ==
        "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4].");
  CHECK(msg("[7, 5, 2, 3]", "[7, 5, 4, 4]") ==
        "Expected size for first two dimensions of batch2 tensor to be: [35, 3] but got: [35, 4].");
  CHECK(error_of("input a: [3]\nd = matmul(a, a)\nmatmul(d, a)\n") ==
        "both arguments to matmul need to be at least 1D, but they are 0D and 1D");
}

TEST_CASE("bmm: 3-D only, no broadcasting, PyTorch's messages") {
  auto bmm = [](const std::string& a, const std::string& b) {
    return check_ns("input a: " + a + "\ninput b: " + b + "\nbmm(a, b)\n");
  };
  auto ok = bmm("[5, 2, 3]", "[5, 3, 4]");
  CHECK(out_shape(ok) == "[5, 2, 4]");
  CHECK(ok.analysis.layers[0].macs == 5 * 2 * 4 * 3);
  CHECK(first_error(bmm("[2, 3]", "[5, 3, 4]")).message == "batch1 must be a 3D tensor");
  CHECK(first_error(bmm("[1, 5, 2, 3]", "[5, 3, 4]")).message == "batch1 must be a 3D tensor");
  CHECK(first_error(bmm("[5, 2, 3]", "[3, 4]")).message == "batch2 must be a 3D tensor");
  CHECK(first_error(bmm("[5, 2, 3]", "[4, 3, 4]")).message ==
        "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [4, 3].");
  CHECK(first_error(bmm("[1, 2, 3]", "[4, 3, 4]")).message ==
        "Expected size for first two dimensions of batch2 tensor to be: [1, 3] but got: [4, 3].");
  CHECK(first_error(bmm("[5, 2, 3]", "[5, 4, 4]")).message ==
        "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4].");
}

TEST_CASE("stack: a new dim in [-rank-1, rank], inputs of one shape") {
  const std::string two = "input a: [2, 3]\ninput b: [2, 3]\n";
  CHECK(out_shape(check_ns(two + "stack([a, b])\n")) == "[2, 2, 3]");
  CHECK(out_shape(check_ns(two + "stack([a, b], dim=2)\n")) == "[2, 3, 2]");
  CHECK(out_shape(check_ns(two + "stack([a, b, a], -1)\n")) == "[2, 3, 3]");
  CHECK(error_of(two + "stack([a, b], dim=3)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of(two + "stack([a, b], dim=-4)\n") ==
        "Dimension out of range (expected to be in range of [-3, 2], but got -4)");
  CHECK(error_of("input a: [2, 3]\ninput b: [2, 4]\nstack([a, b])\n") ==
        "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at "
        "entry 1");
  CHECK(error_of("input a: [2, 3]\ninput b: [2, 3, 1]\nstack([a, b], dim=2)\n") ==
        "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 3, 1] at "
        "entry 1");
  CHECK(error_of("input a: [2, 3]\ninput c: [3, 3]\nstack([a, a, c])\n") ==
        "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 3] at "
        "entry 2");
}

TEST_CASE("python: permute, @, bmm, stack, sum, narrow, select, expand, repeat and F.pad") {
  auto m = check_ns(R"(import torch
import torch.nn as nn
import torch.nn.functional as F

# input: [2, 8, 16]


class Attention(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.head = nn.Linear(2 * 16, 10)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        qkv = self.qkv(x)
        q = qkv.narrow(2, 0, 8)
        k = torch.narrow(qkv, 2, 8, 8)
        v = qkv.narrow(-1, 16, 8)
        attn = F.softmax(q @ k.transpose(1, 2), dim=-1)
        out = torch.matmul(attn, v)
        out2 = torch.bmm(attn, v)
        both = torch.stack([out, out2], dim=1).sum(dim=1)
        t = torch.permute(both, (0, 2, 1)).select(1, 0)
        t = t.unsqueeze(1).expand(-1, 2, -1).repeat(1, 1, 1)
        t = F.pad(t, (1, 1), mode="reflect")
        t = t.narrow(2, 1, 16)
        return self.head(t.flatten(1))
)",
                    "attention.py");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 10]");  // PyTorch: torch.Size([2, 10]), 546 parameters
  CHECK(m.analysis.totals.params == 546);
  std::vector<std::string> ops;
  for (const LayerInfo& l : m.analysis.layers) ops.emplace_back(op_info(l.op).name);
  CHECK(std::count(ops.begin(), ops.end(), "matmul") == 2);  // `@` and torch.matmul
  CHECK(std::count(ops.begin(), ops.end(), "permute") == 2);
  CHECK(std::count(ops.begin(), ops.end(), "pad") == 1);
}

TEST_CASE("made tensors, extremes and arange: PyTorch's shapes and messages") {
  CHECK(out_shape(check_ns("input x: [2, 3]\nzeros(4, 5)\n")) == "[4, 5]");
  CHECK(out_shape(check_ns("input x: [2, 3]\nparameter((1, 1, 768))\n")) == "[1, 1, 768]");
  CHECK(error_of("input x: [2, 3]\nzeros(-1, 3)\n") ==
        "Trying to create tensor with negative dimension -1: [-1, 3]");
  CHECK(out_shape(check_ns("input x: [2, 3]\narange(10)\n")) == "[10]");
  CHECK(out_shape(check_ns("input x: [2, 3]\narange(0.5, 3, 0.75)\n")) == "[4]");
  CHECK(out_shape(check_ns("input x: [2, 3]\narange(10, 0, -3)\n")) == "[4]");
  // PyTorch 1.13: arange(-0.5, 7.5, dtype=torch.int64) has 7 elements, as int32 8: a
  // fractional bound with an integer dtype is refused, not guessed
  auto fractional = check_ns("input x: [2, 3]\narange(-0.5, 7.5, dtype=\"int64\")\n");
  CHECK(fractional.exit == ExitCode::UsageOrParse);
  CHECK(first_error(fractional).message ==
        "netshape does not follow arange() with a fractional bound and an integer dtype");
  CHECK(out_shape(check_ns("input x: [2, 3]\narange(-0.5, 7.5, dtype=\"float32\")\n")) == "[8]");
  CHECK(error_of("input x: [2, 3]\narange(0, 10, 0)\n") == "step must be nonzero");
  CHECK(error_of("input x: [2, 3]\narange(10, 0, 1)\n") ==
        "upper bound and larger bound inconsistent with step sign");
  CHECK(out_shape(check_ns("input x: [B, 3, 4]\namax(1)\n")) == "[B, 4]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\namin()\n")) == "[]");
  CHECK(out_shape(check_ns("input x: [2, 3, 4]\nargmax(2, keepdim=True)\n")) == "[2, 3, 1]");
  CHECK(error_of("input x: [2, 3]\nargmax(dim=2)\n") ==
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(out_shape(check_ns("input x: [2, 3]\ninput y: [3]\nmaximum(x, y)\n")) == "[2, 3]");
}

TEST_CASE("python: x.max() and torch.max as PyTorch returns them, torch.arange in forward") {
  // PyTorch: y.max(dim=1, keepdim=True) is (values, indices), each [2, 1, 8, 8]; torch.max(y, 2)
  // [2, 4, 8] twice; y.min() a 0-dim tensor; torch.maximum broadcasts; the output is [2, 4].
  LoadedModel m = check_ns(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        values, indices = y.max(dim=1, keepdim=True)
        m, _ = torch.max(y, 2)
        pos = torch.arange(0, y.size(-1), 2)
        z = torch.maximum(y, values) + y.min() + torch.argmax(y, dim=1, keepdim=True)
        return z.amax(dim=(2, 3)) + m.sum() + pos.float().sum()

# input: [2, 3, 8, 8]
)",
                           "net.py");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 4]");
  std::map<std::string, std::string> shapes;
  for (const LayerInfo& l : m.analysis.layers) shapes[std::string(l.name)] = to_string(*l.output);
  CHECK(shapes.at("amax2") == "[2, 1, 8, 8]");
  CHECK(shapes.at("argmax3") == "[2, 1, 8, 8]");
  CHECK(shapes.at("amax4") == "[2, 4, 8]");
  CHECK(shapes.at("arange6") == "[4]");
  CHECK(shapes.at("amin8") == "[]");
  for (const Diagnostic& d : m.diags.items()) CHECK(d.code != "unused-tensor");  // `_`: no warning
}

// torch.arange(x.size(0)) of a symbolic batch (DGCNN's index base) is [B]; PyTorch's answer for
// every batch. Other bounds beside the batch are refused (exit 2), never an error of the model.
TEST_CASE("python: torch.arange of a batch-sized dim is as long as the batch") {
  const char* model = R"(import torch
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x):
        BODY
# input: [B, 8]
)";
  const test::PyCase cases[] = {
      {"return x + torch.arange(x.size(0)).view(-1, 1)", "", "[B, 8]"},
      {"return x + torch.arange(0, x.shape[0]).view(-1, 1)", "", "[B, 8]"},
      {"return torch.arange(x.size(0)) * 8", "", "[B]"},
  };
  test::check_py_cases(model, "arange_batch.py", cases);
  std::string refused = model;
  refused.replace(refused.find("BODY"), 4, "return torch.arange(1, x.size(0)).float()");
  LoadedModel m = analyze_text(refused, "arange_batch.py", {});
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(m).message.find("only from 0 in steps of 1") != std::string::npos);
}

// A torch.Size is a tuple of the sizes: x.view(s) of `s = x.shape` (VQ-VAE's decoder input),
// len(x) is x.size(0), with a symbolic batch too.
TEST_CASE("python: a whole shape as view's sizes, and len of a tensor") {
  const char* model = R"(import torch
import torch.nn as nn

class Net(nn.Module):
    def forward(self, x):
        s = x.shape
        BODY
# input: [B, 3, 4]
)";
  const test::PyCase cases[] = {
      {"return x.flatten(1).view(s)", "", "[B, 3, 4]"},
      {"return x.flatten(1).reshape(x.size())", "", "[B, 3, 4]"},
      {"return x[:, :1].expand(s)", "", "[B, 3, 4]"},
      {"return x.view(len(x), -1)", "", "[B, 12]"},
      {"return x.sum(0).view(s)", "shape '[B, 3, 4]' is invalid for input of size 12", ""},
  };
  test::check_py_cases(model, "whole_shape.py", cases);
}

// A layer's weight sizes read in __init__ (a masked convolution's kernel size, a head sized from
// the conv's out channels): PyTorch's numbers (its total: 40 + 10, twice).
TEST_CASE("python: a layer's weight shape unpacked in __init__") {
  LoadedModel m = analyze_text(R"(import torch.nn as nn

class Masked(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _, _, kh, kw = self.weight.size()
        self.taps = kh * kw

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(1, 4, 3)
        out_c, in_c, kh, kw = self.c.weight.shape
        self.fc = nn.Linear(out_c, 2)
        self.m = Masked(1, 4, 3)
        self.g = nn.Linear(self.m.taps * self.m.weight.dim() - 32, 2)

    def forward(self, x):
        return self.fc(self.c(x).mean((2, 3))) + self.g(self.m(x).mean((2, 3)))
# input: [2, 1, 8, 8]
)",
                               "masked.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 40 + 10 + 40 + 10);
}

TEST_CASE(
    "layers with the same attributes or weight shapes share one record, others keep their own") {
  auto m = test::check_ns(
      "input x: [1, 4, 16, 16]\n"
      "a = Conv2d(4, 4, 3, padding=1)\n"
      "b = ReLU()\n"
      "c = Conv2d(4, 4, 3, padding=1)\n"
      "d = Conv2d(4, 4, 3, padding=1, stride=2)\n"
      "e = ReLU()\n");
  REQUIRE(m.analysis.ok);
  const auto& l = m.analysis.layers;
  CHECK(l[0].attrs == l[2].attrs);  // the same record
  CHECK(l[0].attrs != l[3].attrs);  // stride 2: its own
  CHECK(l[3].attrs->stride == AttrInts{2, 2});
  CHECK(l[2].attrs->stride == AttrInts{1, 1});
  CHECK(l[2].attrs->pad_begin == AttrInts{1, 1});
  CHECK(l[1].attrs == l[4].attrs);
  // Weight lists the same way: the three convolutions' shapes are equal, ReLU has none.
  CHECK(l[0].weights == l[3].weights);
  REQUIRE(l[0].weights->size() == 2);
  CHECK((*l[0].weights)[0].shape == IntList{4, 4, 3, 3});
  CHECK((*l[0].weights)[1].name == "bias");
  CHECK(l[1].weights->empty());
  CHECK(l[0].params == 4 * 4 * 9 + 4);
  AttrsTable table;
  Attrs conv;
  conv.kernel_size = {3, 3};
  Attrs other = conv;
  other.alpha = 2.0;  // a field the table's hash does not read: told apart by ==
  CHECK(table.keep(conv) == table.keep(conv));
  CHECK(table.keep(other) != table.keep(conv));
  CHECK(table.keep(other)->alpha == 2.0);
  CHECK(table.keep(conv)->alpha == 1.0);
}

TEST_CASE("infer: view of a transposed tensor is refused as PyTorch refuses it, at any batch") {
  // PyTorch 1.13 at batch 2 raises for the first two, runs the third and the fourth.
  struct Case {
    const char* body;
    ExitCode exit;
    const char* output;
  };
  const Case cases[] = {
      {"t = transpose(2, 3)\nv = view(B, 3, 20)\n", ExitCode::ShapeError, ""},
      {"t = transpose(0, 1)\nv = view(3, -1)\n", ExitCode::ShapeError, ""},  // B leaves dim 0
      {"t = transpose(2, 3)\nv = view(-1, 5, 4)\n", ExitCode::Ok, "[3*B, 5, 4]"},
      {"t = transpose(2, 3)\nv = reshape(B, 3, 20)\n", ExitCode::Ok, "[B, 3, 20]"},
  };
  for (const Case& c : cases) {
    LoadedModel m = check_ns(std::string("input x: [B, 3, 4, 5]\n") + c.body);
    INFO(c.body);
    CHECK(m.exit == c.exit);
    if (c.exit == ExitCode::Ok) {
      CHECK(out_shape(m) == c.output);
    } else {
      const Diagnostic& d = first_error(m);
      CHECK(d.message.rfind("view size is not compatible with input tensor's size and stride", 0) ==
            0);
      CHECK(d.help == "use reshape(...), which copies when it must");
      REQUIRE(d.labels.size() == 1);
      CHECK(d.labels[0].message == "`transpose` makes the tensor non-contiguous here");
      CHECK(d.labels[0].span.line == 2);
    }
  }
}

TEST_CASE("infer: 2-d and 3-d pooling take a stride below 2^31, as PyTorch's kernels do") {
  // PyTorch 1.13: max_pool2d, max_pool3d, avg_pool3d raise "integer out of range"; avg_pool1d and
  // avg_pool2d wrap it to a negative stride and raise; max_pool1d of an input that does not
  // require grad and conv run.
  struct Case {
    const char* model;
    ExitCode exit;
    const char* output;
  };
  const Case cases[] = {
      {"input x: [1, 1, 8, 8]\nMaxPool2d(2, stride=2147483648)\n", ExitCode::ShapeError, ""},
      {"input x: [1, 1, 8, 8]\nmax_pool2d(2, stride=4611686018427387904)\n", ExitCode::ShapeError,
       ""},
      {"input x: [1, 1, 8, 8]\nAvgPool2d(2, stride=2147483648)\n", ExitCode::ShapeError, ""},
      {"input x: [1, 1, 8]\nAvgPool1d(2, stride=2147483648)\n", ExitCode::ShapeError, ""},
      {"input x: [1, 1, 4, 4, 4]\nMaxPool3d(2, stride=2147483648)\n", ExitCode::ShapeError, ""},
      {"input x: [1, 1, 8, 8]\nMaxPool2d(2, stride=2147483647)\n", ExitCode::Ok, "[1, 1, 1, 1]"},
      {"input x: [1, 1, 8]\nMaxPool1d(2, stride=2147483648)\n", ExitCode::Ok, "[1, 1, 1]"},
      {"input x: [1, 1, 8, 8]\nConv2d(1, 1, 2, stride=2147483648)\n", ExitCode::Ok, "[1, 1, 1, 1]"},
  };
  for (const Case& c : cases) {
    LoadedModel m = check_ns(c.model);
    INFO(c.model);
    CHECK(m.exit == c.exit);
    if (c.exit == ExitCode::Ok)
      CHECK(out_shape(m) == c.output);
    else
      CHECK(first_error(m).message.rfind("integer out of range: PyTorch's ", 0) == 0);
  }
}
