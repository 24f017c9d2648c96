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
