// torch.einsum against PyTorch 1.13: the table's shapes, MACs (the b * n * k * p of the aten::bmm
// calls torch.einsum made, traced) and messages were read off torch.einsum on zeros of these
// shapes (/usr/bin/python3, tests/golden/gen_golden.py's run_einsum). Then the forms of the call
// in .ns and .py files, and the forward pass against sums computed here.
#include <doctest/doctest.h>

#include <string>

#include "netshape/conventions.hpp"
#include "netshape/exec.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

namespace {

struct EinsumCase {
  const char* inputs;  // `input` lines
  const char* layer;   // the statement
  const char* shape;   // the output, or "error"
  int64_t macs;
  const char* error;  // PyTorch's message, when it fails
};

const EinsumCase kCases[] = {
    {"input t0: [2, 3, 4]\ninput t1: [2, 4, 5]", "y = einsum(\"bij,bjk->bik\", t0, t1)",
     "[2, 3, 5]", 120, ""},
    {"input t0: [2, 3, 4]\ninput t1: [2, 5, 5]", "y = einsum(\"bij,bjk->bik\", t0, t1)", "error", 0,
     "einsum(): subscript j has size 5 for operand 1 which does not broadcast with previously seen "
     "size 4"},
    {"input t0: [2, 3, 4]\ninput t1: [2, 4, 5]", "y = einsum(\"bij,bjk\", t0, t1)", "[3, 5]", 120,
     ""},
    {"input t0: [3, 4]", "y = einsum(\"ji\", t0)", "[4, 3]", 0, ""},
    {"input t0: [3, 3]", "y = einsum(\"ii->i\", t0)", "[3]", 0, ""},
    {"input t0: [3, 4]", "y = einsum(\"ii->i\", t0)", "error", 0,
     "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"},
    {"input t0: [3, 4]", "y = einsum(\"ij->\", t0)", "[]", 0, ""},
    {"input t0: [3, 4]", "y = einsum(\"ij,jk->ik\", t0)", "error", 0,
     "einsum(): fewer operands were provided than specified in the equation"},
    {"input t0: [3, 4]\ninput t1: [4, 5]\ninput t2: [5, 5]",
     "y = einsum(\"ij,jk->ik\", t0, t1, t2)", "error", 0,
     "einsum(): more operands were provided than specified in the equation"},
    {"input t0: [3, 4]", "y = einsum(\"ijk->ij\", t0)", "error", 0,
     "einsum(): the number of subscripts in the equation (3) does not match the number of "
     "dimensions (2) for operand 0 and no ellipsis was given"},
    {"input t0: [3, 4]", "y = einsum(\"ij->ik\", t0)", "error", 0,
     "einsum(): output subscript k does not appear in the equation for any input operand"},
    {"input t0: [3, 3]", "y = einsum(\"ij->ii\", t0)", "error", 0,
     "einsum(): output subscript i appears more than once in the output"},
    {"input t0: [3, 4]\ninput t1: [4, 5]", "y = einsum(\"i j , j k -> i k\", t0, t1)", "[3, 5]", 60,
     ""},
    {"input t0: [2, 1, 3, 4]\ninput t1: [5, 4, 6]", "y = einsum(\"...ij,...jk->...ik\", t0, t1)",
     "[2, 5, 3, 6]", 720, ""},
    {"input t0: [2, 3, 3, 4]\ninput t1: [5, 4, 6]", "y = einsum(\"...ij,...jk->...ik\", t0, t1)",
     "error", 0,
     "einsum(): dimension 0 covered by ellipsis in operand 1has size 5 which does not broadcast "
     "with previously seen ellipsis with size 3 for the respective dimension"},
    {"input t0: [2, 3]\ninput t1: [1, 3]", "y = einsum(\"bi,bi->b\", t0, t1)", "[2]", 6, ""},
    {"input t0: [2, 3]\ninput t1: [4, 3]", "y = einsum(\"bi,bi->b\", t0, t1)", "error", 0,
     "einsum(): subscript b has size 4 for operand 1 which does not broadcast with previously seen "
     "size 2"},
    {"input t0: [3, 4]", "y = einsum(\"i1\", t0)", "error", 0,
     "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in "
     "[a-zA-Z]"},
    {"input t0: [3, 4]", "y = einsum(\"ij->j.i\", t0)", "error", 0,
     "einsum(): found '.' for output that is not part of any ellipsis (...)"},
    {"input t0: [3, 4]", "y = einsum(\"..ij\", t0)", "error", 0,
     "einsum(): found '.' for operand 0 that is not part of any ellipsis"},
    {"input t0: [3, 4]", "y = einsum(\"i...j...\", t0)", "error", 0,
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"},
    {"input t0: [3, 4]", "y = einsum(\"ij->...\", t0)", "[]", 0, ""},
    {"input t0: [5, 3, 4]", "y = einsum(\"...ij\", t0)", "[5, 3, 4]", 0, ""},
    {"input t0: [3, 4]", "y = einsum(\"ij->i->j\", t0)", "error", 0,
     "einsum(): invalid subscript given at index 5 in the equation string, subscripts must be in "
     "[a-zA-Z]"},
    {"input t0: [3]\ninput t1: [3]", "y = einsum(\"i,i\", t0, t1)", "[]", 3, ""},
    {"input t0: [3]\ninput t1: [4]", "y = einsum(\"i,j\", t0, t1)", "[3, 4]", 0, ""},
    {"input t0: [2, 8, 10, 16]\ninput t1: [2, 8, 10, 16]",
     "y = einsum(\"bhid,bhjd->bhij\", t0, t1)", "[2, 8, 10, 10]", 25600, ""},
    {"input t0: [3, 4]\ninput t1: [4]", "y = einsum(\"ij,jk\", t0, t1)", "error", 0,
     "einsum(): the number of subscripts in the equation (2) does not match the number of "
     "dimensions (1) for operand 1 and no ellipsis was given"},
    {"input t0: [3, 4]", "y = einsum(\"ij->J\", t0)", "error", 0,
     "einsum(): output subscript J does not appear in the equation for any input operand"},
    {"input t0: [3, 3, 2]", "y = einsum(\"ii...->i\", t0)", "[3]", 0, ""},
    {"input t0: [3, 3, 2, 5]\ninput t1: [4, 6]", "y = einsum(\"iij...,k...->k\", t0, t1)", "error",
     0,
     "einsum(): dimension 1 covered by ellipsis in operand 1has size 6 which does not broadcast "
     "with previously seen ellipsis with size 5 for the respective dimension"},
    {"input t0: [2, 3]\ninput t1: [4, 3]", "y = einsum(\"...,...->...\", t0, t1)", "error", 0,
     "einsum(): dimension 0 covered by ellipsis in operand 1has size 4 which does not broadcast "
     "with previously seen ellipsis with size 2 for the respective dimension"},
    {"input t0: [2, 3]\ninput t1: [3, 2]", "y = einsum(\"Ab,bA->A\", t0, t1)", "[2]", 6, ""},
    {"input t0: [2, 3]", "y = einsum(\"bA\", t0)", "[3, 2]", 0, ""},
    {"input t0: [3, 2, 1]\ninput t1: [3, 1, 4]", "y = einsum(\"i...,i...->...\", t0, t1)", "[2, 4]",
     24, ""},
    {"input t0: [3, 1]\ninput t1: [1, 4]", "y = einsum(\"ij,ij->ij\", t0, t1)", "[3, 4]", 0, ""},
    {"input t0: [2, 3]\ninput t1: [4, 5]", "y = einsum(\"ij,kl->\", t0, t1)", "[]", 0, ""},
    {"input t0: [3, 4]", "y = einsum(\"ij...->j\", t0)", "[4]", 0, ""},
    {"input t0: [2, 2, 5]\ninput t1: [3, 3, 6]", "y = einsum(\"ab...,cd...->...\", t0, t1)",
     "error", 0,
     "einsum(): dimension 2 covered by ellipsis in operand 1has size 6 which does not broadcast "
     "with previously seen ellipsis with size 5 for the respective dimension"},
    {"input t0: [3, 4]", "y = einsum(\"ij->...i...\", t0)", "error", 0,
     "einsum(): found '.' for output but an ellipsis (...) was already found"},
    {"input t0: [2, 3, 3]\ninput t1: [3, 4]", "y = einsum(\"ijj,jk->ik\", t0, t1)", "[2, 4]", 24,
     ""},
    {"input t0: [2, 3, 4]\ninput t1: [3, 4]", "y = einsum(\"ijj,jk->ik\", t0, t1)", "error", 0,
     "einsum(): subscript j is repeated for operand 0 but the sizes don't match, 4 != 3"},
    {"input t0: [2, 3, 4]\ninput t1: [2, 4, 5]", "y = einsum(\"ijk,ikl->\", t0, t1)", "[]", 8, ""},
};

}  // namespace

TEST_CASE("einsum: shapes, MACs and errors as PyTorch's, check by check") {
  for (const EinsumCase& c : kCases) {
    std::string text = std::string("model M\n") + c.inputs + "\n" + c.layer + "\n";
    CAPTURE(text);
    LoadedModel m = check_ns(text);
    if (std::string(c.shape) == "error") {
      CHECK(m.exit == ExitCode::ShapeError);
      CHECK(first_error(m).message == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
    CHECK(m.analysis.layers.back().macs == c.macs);
    CHECK(m.analysis.layers.back().params == 0);
  }
}

TEST_CASE("einsum: netshape's limits are refused, not guessed") {
  // Three operands: PyTorch's order of contraction (and so its count) depends on opt_einsum.
  LoadedModel m =
      check_ns("model M\ninput a: [2]\ninput b: [2]\ninput c: [2]\ny = einsum('a,a,a', a, b, c)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message == "einsum of 3 operands");
  CHECK(first_error(m).code == "unsupported");
  m = check_ns("model M\ninput a: [2, 3]\ny = einsum(3, a)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message == "einsum's equation must be a string here, found 3");
}

TEST_CASE("einsum in .ns: the operands after the equation, else the previous output") {
  LoadedModel m = check_ns(
      "model M\ninput a: [B, 3, 4]\ninput b: [B, 4, 5]\n"
      "p = einsum('bij,bjk->bik', a, b)\nt = einsum('bik->bki')\n"
      "s = einsum(\"...ij->...ji\", p)\n"
      "output t, s\n");
  REQUIRE(m.exit == ExitCode::Ok);
  const auto& layers = m.analysis.layers;
  CHECK(input_names(m.analysis, layers[0]) == std::vector<std::string>{"a", "b"});
  CHECK(input_names(m.analysis, layers[1]) == std::vector<std::string>{"p"});
  CHECK(to_string(*layers[1].output) == "[B, 5, 3]");
  CHECK(to_string(*layers[2].output) == "[B, 5, 3]");
  CHECK(layers[0].macs == 3 * 4 * 5);  // per sample
  m = check_ns("model M\ninput a: [3, 4]\ny = einsum('ij,jk->ik', a, c)\n");
  CHECK(m.exit != ExitCode::Ok);
  CHECK(first_error(m).message.find("'c'") != std::string::npos);
}

TEST_CASE("einsum: other conventions do not guess its count") {
  LoadedModel m = check_ns("model M\ninput a: [2, 3, 4]\ny = einsum('bij,bkj->bik', a, a)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& l = m.analysis.layers.back();
  CHECK(count_layer(m.analysis, l, Convention::netshape) == 2 * 3 * 3 * 4);
  CHECK_FALSE(count_layer(m.analysis, l, Convention::fvcore).has_value());
  CHECK_FALSE(count_layer(m.analysis, l, Convention::thop).has_value());
}

// The executor's sums against ones computed here from its own inputs: a matrix product, a trace
// (a label repeated), a broadcast label (size 1 in one operand) and an ellipsis.
TEST_CASE("einsum: the forward pass sums what the equation says") {
  ExecResult r = run_kept(
      "model M\ninput a: [3, 4]\ninput b: [4, 5]\ninput s: [4, 4]\ninput u: [1, 4]\n"
      "input e: [2, 3, 4]\n"
      "mm = einsum('ij,jk->ik', a, b)\ntr = einsum('ii->', s)\n"
      "bc = einsum('ij,ij->i', a, u)\nel = einsum('...j,jk->...k', e, b)\n"
      "output mm, tr, bc, el\n");
  const Tensor& a = tensor_named(r.inputs, "a");
  const Tensor& b = tensor_named(r.inputs, "b");
  const Tensor& s = tensor_named(r.inputs, "s");
  const Tensor& u = tensor_named(r.inputs, "u");
  const Tensor& e = tensor_named(r.inputs, "e");
  const Tensor& mm = tensor_named(r.outputs, "mm");
  REQUIRE(mm.shape == std::vector<int64_t>{3, 5});
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k) {
      float want = 0;
      for (int j = 0; j < 4; ++j) want += a.data[i * 4 + j] * b.data[j * 5 + k];
      CHECK(mm.data[i * 5 + k] == doctest::Approx(want).epsilon(1e-5));
    }
  const Tensor& tr = tensor_named(r.outputs, "tr");
  REQUIRE(tr.shape.empty());
  CHECK(tr.data[0] ==
        doctest::Approx(s.data[0] + s.data[5] + s.data[10] + s.data[15]).epsilon(1e-5));
  const Tensor& bc = tensor_named(r.outputs, "bc");
  REQUIRE(bc.shape == std::vector<int64_t>{3});
  for (int i = 0; i < 3; ++i) {
    float want = 0;
    for (int j = 0; j < 4; ++j) want += a.data[i * 4 + j] * u.data[j];
    CHECK(bc.data[i] == doctest::Approx(want).epsilon(1e-5));
  }
  const Tensor& el = tensor_named(r.outputs, "el");
  REQUIRE(el.shape == std::vector<int64_t>{2, 3, 5});
  for (int row = 0; row < 6; ++row)
    for (int k = 0; k < 5; ++k) {
      float want = 0;
      for (int j = 0; j < 4; ++j) want += e.data[row * 4 + j] * b.data[j * 5 + k];
      CHECK(el.data[row * 5 + k] == doctest::Approx(want).epsilon(1e-5));
    }
}

namespace {

const char* kEinsumPy = R"(import torch
import torch.nn as nn
from torch import einsum


class Mixer(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        q = self.proj(x)
CALL
        return y
)";

LoadedModel read_mixer(const std::string& call) {
  return analyze_py(replaced(kEinsumPy, "CALL\n", call), "mixer.py", "2,6,16");
}

}  // namespace

TEST_CASE("einsum in a .py forward: torch.einsum, the imported name, a list of operands") {
  struct Case {
    const char* call;
    const char* shape;  // or the error
  };
  const Case cases[] = {
      {"        y = torch.einsum('bid,bjd->bij', q, x)\n", "[2, 6, 6]"},
      {"        y = einsum('bid,bjd->bij', q, x)\n", "[2, 6, 6]"},
      {"        y = torch.einsum('bid,bjd->bij', [q, x])\n", "[2, 6, 6]"},
      {"        y = torch.einsum('bid,bjd->bij', (q, x)).softmax(-1)\n", "[2, 6, 6]"},
      {"        y = torch.einsum('bid->bdi', q)\n", "[2, 16, 6]"},
      {"        y = torch.einsum('bid,bjd->bij', q, x[:, :3])\n", "[2, 6, 3]"},
      {"        y = torch.einsum('bid,bjd->bij', q, x.transpose(1, 2))\n",
       "einsum(): subscript d has size 6 for operand 1 which does not broadcast with previously "
       "seen size 16"},
      {"        y = torch.einsum(q, [0, 1, 2], x, [0, 3, 2], [0, 1, 3])\n",
       "unsupported Python construct: einsum's sublist format (`einsum(a, [0, 1], b, [1, 2])`)"},
      {"        y = torch.einsum('bid')\n",
       "einsum(): must specify the equation string and at least one operand, or at least one "
       "operand and its subscripts list"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.call);
    LoadedModel m = read_mixer(c.call);
    if (c.shape[0] != '[') {
      CHECK(m.exit != ExitCode::Ok);
      CHECK(first_error(m).message == c.shape);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == 16 * 16 + 16);
  }
}

// A view of einsum's output: PyTorch's bmm output is in the output's order for `bij,bjk->bik`
// (view allowed, as torch.einsum(...).view(-1) runs) but permuted for `bij,bjk->bki` and a view
// of the operand for `bij->bji` (PyTorch: "view size is not compatible with input tensor's size
// and stride"): netshape follows the first and refuses to guess the others.
TEST_CASE("einsum: a view of its output is allowed only where PyTorch's layout is known") {
  auto view_after = [](const std::string& einsum) {
    return check_ns("model M\ninput a: [2, 3, 4]\ninput b: [2, 4, 3]\ny = " + einsum +
                    "\nv = view(y, -1)\n");
  };
  LoadedModel m = view_after("einsum('bij,bjk->bik', a, b)");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[18]");
  for (const char* undecided :
       {"einsum('bij,bjk->bki', a, b)", "einsum('bij->bji', a)", "einsum('bij,bij->bij', a, a)"}) {
    CAPTURE(undecided);
    m = view_after(undecided);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message ==
          "netshape cannot tell whether this view is allowed: it does not follow how `einsum` "
          "lays out its output in memory");
  }
  m = check_ns(
      "model M\ninput a: [2, 3, 4]\ninput b: [2, 4, 3]\ny = einsum('bij,bjk->bki', a, b)\n"
      "v = reshape(y, -1)\n");
  CHECK(m.exit == ExitCode::Ok);  // reshape copies where a view cannot
}
