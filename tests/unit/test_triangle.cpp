// torch.tril / torch.triu against PyTorch 1.13 (messages read off torch.tril on zeros of these
// shapes): the shape rule, the forward's zeros, and the causal masks model files build with
// them, in forward and as a buffer made in __init__ (`torch.tril(torch.ones(n, n)).view(...)`).
#include <doctest/doctest.h>

#include <string>

#include "netshape/exec.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

TEST_CASE("tril, triu: the shape kept, at least 2 dims, PyTorch's messages") {
  LoadedModel m =
      check_ns("model M\ninput x: [B, 2, 5, 7]\nl = tril(x)\nu = triu(l, diagonal=-2)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[B, 2, 5, 7]");
  CHECK(m.analysis.layers.back().macs == 0);
  m = check_ns("model M\ninput x: [5]\nl = tril(x)\n");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message ==
        "Dimension out of range (expected to be in range of [-1, 0], but got -2)");
  m = check_ns("model M\ninput x: [5]\nl = triu(x, 1.5)\n");
  CHECK(m.exit != ExitCode::Ok);
  CHECK(first_error(m).message == "triu(): argument 'diagonal' must be int, not float");
  m = check_ns("model M\ninput x: [5, 5]\nl = triu(x, True)\n");  // PyTorch's parser: no bool
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message == "triu(): argument 'diagonal' must be int, not bool");
}

TEST_CASE("tril, triu: the forward zeroes past the diagonal of every matrix") {
  ExecResult r = run_kept(
      "model M\ninput x: [2, 3, 4]\nlow = tril(x)\nhigh = triu(x, 1)\nband = tril(x, -1)\n"
      "output low, high, band\n");
  const Tensor* x = nullptr;
  for (const auto& named : r.inputs)
    if (named.first == "x") x = &named.second;
  REQUIRE(x != nullptr);
  for (const auto& named : r.outputs) {
    const Tensor& t = named.second;
    REQUIRE(t.shape == std::vector<int64_t>{2, 3, 4});
    for (int m = 0; m < 2; ++m)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) {
          size_t at = static_cast<size_t>((m * 3 + i) * 4 + j);
          bool kept = named.first == "low"    ? j - i <= 0
                      : named.first == "high" ? j - i >= 1
                                              : j - i <= -1;
          CAPTURE(named.first);
          CHECK(t.data[at] == (kept ? x->data[at] : 0.0f));
        }
  }
}

namespace {

const char* kCausalPy = R"(import torch
import torch.nn as nn


class Causal(nn.Module):
    def __init__(self, n=8, d=16):
        super().__init__()
        self.qk = nn.Linear(d, 2 * d)
INIT

    def forward(self, x):
        T = x.size(1)
        q, k = self.qk(x).chunk(2, dim=-1)
        att = q @ k.transpose(1, 2)
FORWARD
        return att.softmax(-1)
)";

LoadedModel read_causal(const std::string& init, const std::string& forward) {
  std::string text = replaced(replaced(kCausalPy, "INIT\n", init), "FORWARD\n", forward);
  return analyze_py(text, "causal.py", "2,8,16");
}

}  // namespace

TEST_CASE("tril, triu in a .py model: causal masks as buffers and in forward") {
  struct Case {
    const char* init;
    const char* forward;
    const char* error;  // "" when it reads: [2, 8, 8]
  };
  const Case cases[] = {
      {"        self.register_buffer('mask', torch.tril(torch.ones(n, n)).view(1, n, n))\n",
       "        att = att.masked_fill(self.mask[:, :T, :T] == 0, float('-inf'))\n", ""},
      {"        self.register_buffer('mask', torch.ones(n, n, dtype=torch.bool).triu(1))\n",
       "        att = att.masked_fill(self.mask, float('-inf'))\n", ""},
      {"        self.register_buffer('mask', torch.ones(n * n).reshape(-1, n).tril())\n",
       "        att = att.masked_fill(self.mask == 0, -1e9)\n", ""},
      {"", "        att = att.masked_fill(torch.triu(torch.ones(T, T), diagonal=1).bool(), -1e9)\n",
       ""},
      {"",
       "        att = att.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), -1e9).tril()\n",
       ""},
      {"        self.register_buffer('mask', torch.tril(torch.ones(n)))\n", "",
       "Dimension out of range (expected to be in range of [-1, 0], but got -2)"},
      {"        self.register_buffer('mask', torch.tril(torch.ones(n, n)).view(1, n, 7))\n", "",
       "shape '[1, 8, 7]' is invalid for input of size 64"},
      {"        self.register_buffer('mask', torch.tril(torch.ones(n, n)).view(-1, -1))\n", "",
       "only one dimension can be inferred"},
      {"        self.register_buffer('mask', torch.ones(n, 0).view(0, -1))\n", "",
       "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified "
       "dimension size -1 can be any value and is ambiguous"},
      {"", "        att = att + torch.tril(torch.ones(T, T + 1))\n",
       "The size of tensor a (8) must match the size of tensor b (9) at non-singleton dimension 2"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.init);
    CAPTURE(c.forward);
    LoadedModel m = read_causal(c.init, c.forward);
    if (*c.error) {
      CHECK(m.exit != ExitCode::Ok);
      CHECK(first_error(m).message == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[2, 8, 8]");
    CHECK(m.analysis.totals.params == 16 * 32 + 32);
  }
}

// `nn.Parameter(...).view(16)` is a plain tensor (PyTorch's Module.__setattr__ registers only
// Parameters): model.parameters() has the Linear's 34 only, as here.
TEST_CASE("a view of an nn.Parameter made in __init__ is no parameter") {
  LoadOptions o;
  o.input_dims = "3,16";
  LoadedModel m = analyze_text(
      "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
      "    def __init__(self):\n        super().__init__()\n"
      "        self.w = nn.Parameter(torch.zeros(4, 4)).view(16)\n"
      "        self.fc = nn.Linear(16, 2)\n\n    def forward(self, x):\n"
      "        return self.fc(x + self.w)\n",
      "view_of_parameter.py", o);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[3, 2]");
  CHECK(m.analysis.totals.params == 34);
}
