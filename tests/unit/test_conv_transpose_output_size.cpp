// ConvTranspose's forward(input, output_size): the output_padding that makes that size, as
// PyTorch 1.13's _ConvTransposeNd._output_padding computes it (U-Net decoders call
// `self.up(x, output_size=skip.size())`), with its ValueErrors. Each outcome is PyTorch's on the
// same file.
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
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
        self.wide = nn.ConvTranspose2d(8, 3, (3, 5), stride=(2, 3), padding=(1, 2))

    def forward(self, x):
        # input x: [B, 3, 10, 10]
        h = self.down(x)  # [B, 8, 5, 5]: up makes 9 or 10
        return BODY
)";

}  // namespace

TEST_CASE("ConvTranspose2d's output_size picks its output_padding") {
  const PyCase cases[] = {
      {"self.up(h, output_size=x.size())", "", "[B, 3, 10, 10]"},
      {"self.up(h, x.shape[2:])", "", "[B, 3, 10, 10]"},
      {"self.up(h, output_size=[9, 9])", "", "[B, 3, 9, 9]"},
      {"self.up(h, output_size=None)", "", "[B, 3, 9, 9]"},
      {"self.up(h, output_size=(10, 10)) + self.up(h)[:, :, :1, :1]", "", "[B, 3, 10, 10]"},
      {"self.wide(h, output_size=(10, 15))", "", "[B, 3, 10, 15]"},
      {"self.up(h, output_size=(12, 12))",
       "requested an output size of (12, 12), but valid sizes range from [9, 9] to [10, 10] (for "
       "an input of torch.Size([5, 5]))",
       ""},
      {"self.wide(h, output_size=[10, 16])",
       "requested an output size of [10, 16], but valid sizes range from [9, 13] to [10, 15] (for "
       "an input of torch.Size([5, 5]))",
       ""},
      {"self.up(h, output_size=(10,))",
       "ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 1)", ""},
  };
  check_py_cases(kModel, "up.py", cases);
}

TEST_CASE("ConvTranspose2d's output_size: sizes past 64 bits are an error, not a wrap") {
  std::string text = kModel;
  text.replace(text.find("stride=2, padding=1)\n        self.wide"), 20,
               "stride=2**62, padding=1)");
  text.replace(text.find("BODY"), 4, "self.up(h, output_size=(10, 10))");
  LoadedModel m = analyze_text(text, "up.py", {});
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(m).message ==
        "integer overflow in the transposed convolution's output sizes");
}
