// Help lines read intent where the shapes show it: PyTorch accepts a Linear on a 4-D feature map
// (it multiplies the last dim), but that is almost never what the writer meant.
#include "test_helpers.hpp"

using namespace netshape;

TEST_CASE("A Linear fed a 4-D map: flatten first, the literal fix as a note") {
  auto m = test::check_ns("input [1, 8, 30, 30]\nfc = Linear(100, 10)\n");
  REQUIRE(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = test::first_error(m);
  CHECK(d.message == "mat1 and mat2 shapes cannot be multiplied (240x30 and 100x10)");
  CHECK(d.help ==
        "the input of fc is still 4-D [1, 8, 30, 30]: flatten it first (flatten(1) before fc) and "
        "use Linear(7200, 10)");
  REQUIRE(d.notes.size() == 1);
  CHECK(d.notes[0] == "or, to apply fc to the last dim only, use Linear(30, 10)");
  auto py = test::check_ns(
      "import torch.nn as nn\n# input: [B, 8, 30, 30]\nmodel = nn.Sequential(nn.Linear(100, 10))\n",
      "t.py");
  CHECK(test::first_error(py).help ==
        "the input of linear1 is still 4-D [B, 8, 30, 30]: flatten it first (add nn.Flatten() "
        "before linear1, or x = torch.flatten(x, 1) in forward) and use nn.Linear(7200, 10)");
}

TEST_CASE("After a flatten, or on a 2-D input, the help names the features it receives") {
  auto flat = test::check_ns("input [1, 8, 30, 30]\nflatten(1)\nfc = Linear(100, 10)\n");
  CHECK(test::first_error(flat).help ==
        "fc receives 7200 features ([1, 8, 30, 30] flattened); use Linear(7200, 10)");
  CHECK(test::first_error(flat).notes.empty());
  auto two = test::check_ns("input [4, 30]\nfc = Linear(100, 10)\n");
  CHECK(test::first_error(two).help == "fc receives 30 features; use Linear(30, 10)");
}

// Shapes that do not broadcast: the help reads what they look like. A learned per-channel scale
// [C] times a feature map (PyTorch 1.13: "The size of tensor a (8) must match the size of tensor
// b (4) at non-singleton dimension 3"), tokens one short of a position table, and two residual
// branches.
TEST_CASE("help: an add that does not broadcast names the likely fix") {
  auto help = [](const std::string& ns) {
    LoadedModel m = test::check_ns(ns);
    REQUIRE(m.exit == ExitCode::ShapeError);
    return m.diags.items().at(0).help;
  };
  CHECK(help("input x: [2, 4, 8, 8]\ninput g: [4]\ny = mul(x, g)\n") ==
        "y combines x ([2, 4, 8, 8]) and g ([4]); g has one value per channel of x, but "
        "broadcasting lines it up with the last dim: shape it [1, 4, 1, 1] first, "
        "`g.view(1, -1, 1, 1)`");
  CHECK(help("input x: [2, 65, 32]\ninput pos: [1, 64, 32]\ny = add(x, pos)\n") ==
        "y combines x ([2, 65, 32]) and pos ([1, 64, 32]); they differ only in dim 1 (65 vs 64): "
        "make it equal where one of them is made");
  CHECK(help("input x: [2, 64, 8, 8]\ninput s: [2, 32, 8, 8]\ny = add(x, s)\n") ==
        "y combines x ([2, 64, 8, 8]) and s ([2, 32, 8, 8]); make the shapes equal, e.g. with a "
        "1x1 Conv2d (and the same stride) on the shortcut");
}

// Two 16-channel maps joined along the height (`dim=2`) where the channels were meant: the conv
// after it fails (PyTorch 1.13: "expected input[2, 16, 16, 8] to have 32 channels, but got 16
// channels instead"), and a note points at the cat, where the fix belongs.
TEST_CASE("help: a conv after a cat along another dim notes the cat") {
  LoadedModel m = test::check_ns(
      "import torch\nimport torch.nn as nn\n# input: [2, 3, 8, 8]\n"
      "class Net(nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.a = nn.Conv2d(3, 16, 3, padding=1)\n"
      "        self.b = nn.Conv2d(3, 16, 3, padding=1)\n"
      "        self.fuse = nn.Conv2d(32, 8, 1)\n"
      "    def forward(self, x):\n"
      "        y = torch.cat([self.a(x), self.b(x)], dim=2)\n"
      "        return self.fuse(y)\n",
      "net.py");
  REQUIRE(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = test::first_error(m);
  CHECK(d.message ==
        "Given groups=1, weight of size [8, 32, 1, 1], expected input[2, 16, 16, 8] to have 32 "
        "channels, but got 16 channels instead");
  REQUIRE(d.labels.size() == 1);
  CHECK(d.labels[0].span.line == 11);
  CHECK(d.labels[0].message == "this cat joins along dim 2: channels join along dim=1");

  // joined along the channels, with another mistake: no note
  LoadedModel ok =
      test::check_ns("input x: [2, 16, 8, 8]\ny = cat([x, x], dim=1)\nc = Conv2d(16, 8, 1)\n");
  REQUIRE(ok.exit == ExitCode::ShapeError);
  CHECK(test::first_error(ok).labels.empty());
}
