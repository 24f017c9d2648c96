// Indexing a tensor with an int64 index tensor, `x[:, idx]` (PyTorch's aten::index): the indexed
// dim replaced by the index's dims. Swin Transformer reads its relative position bias so,
// `table[index]` with an index buffer its __init__ computes; a text model reads rows of a
// parameter table by token ids. Every shape and message below is PyTorch 1.13's for the same
// call (run with torch on the same file); the values the forward reads are checked against
// torch's for the same inputs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "forward_helpers.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::arange;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::first_error;
using netshape::test::forward_of;
using netshape::test::LayerCase;
using netshape::test::out_shape;
using netshape::test::PyCase;

namespace {

const char* kIndexed = R"(import torch
import torch.nn as nn


class M(nn.Module):
    # input x: [1, 8, 4, 6]
    def forward(self, x):
        return BODY
)";

}  // namespace

TEST_CASE("index tensor: the model language's index(x, i, dim) and its checks") {
  const LayerCase cases[] = {
      {"input x: [5, 3]\ninput i: [2, 2]", "g = index(x, i, 0)", "[2, 2, 3]", 0, 0, ""},
      {"input x: [2, 3, 4]\ninput i: [2, 2]", "g = index(x, i, dim=-1)", "[2, 3, 2, 2]", 0, 0, ""},
      {"input x: [B, 3]\ninput i: [4]", "g = index(x, i, 0)", "[4, 3]", 0, 0, ""},
      // an arange's values are known: from -5 to 4 all index 5 rows
      {"input x: [5, 3]", "i = arange(-5, 5)\ng = index(x, i, 0)", "[10, 3]", 0, 0, ""},
      {"input x: [5, 3]", "i = arange(7)\ng = index(x, i, 0)", "error", 0, 0,
       "index 5 is out of bounds for dimension 0 with size 5"},
      {"input x: [5, 3]", "i = arange(-6, 5)\ng = index(x, i, 0)", "error", 0, 0,
       "index -6 is out of bounds for dimension 0 with size 5"},
      // PyTorch's kernel names its dim 0 whichever dim is indexed
      {"input x: [5, 3]", "i = arange(5)\ng = index(x, i, 1)", "error", 0, 0,
       "index 3 is out of bounds for dimension 0 with size 3"},
      {"input x: [B, 3]", "i = arange(9)\ng = index(x, i, 0)", "error", 0, 0,
       "index 8 of the batch-sized dim B may be out of bounds"},
      {"input x: [5, 3]\ninput i: [2]", "g = index(x, i, 2)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"input x: [5, 3]\ninput i: [2]", "g = index(x, i, 0, indices=[0])", "error", 0, 0,
       "index takes its indices once: a list of ints or an index tensor, not both"},
      {"input x: [5, 3]", "g = index(1)", "error", 0, 0,
       "index needs its indices: a list of ints, or an index tensor"},
      {"input x: [5, 3]\ninput i: [2]\ninput j: [2]", "g = index(x, i, j, dim=0)", "error", 0, 0,
       "index takes a tensor and at most one index tensor, got 3 tensors"},
  };
  check_layer_cases(cases);
}

TEST_CASE("index tensor: x[..., idx] in forward, as PyTorch indexes") {
  const PyCase ok[] = {
      {"x[:, torch.arange(3).view(3, 1)]", "", "[1, 3, 1, 4, 6]"},
      {"x[0, torch.arange(2)]", "", "[2, 4, 6]"},
      {"x[..., torch.arange(6).view(2, 3)]", "", "[1, 8, 4, 2, 3]"},
      // integers select first, wherever they stand
      {"x[:, torch.arange(4), 1]", "", "[1, 4, 6]"},
      {"x[:, torch.arange(3)[None, :], None]", "", "[1, 1, 3, 1, 4, 6]"},
      // a tensor of known values: a 0-dim one selects, a 1-dim one is a list
      {"x[:, torch.tensor(2)]", "", "[1, 4, 6]"},
      {"x[:, torch.tensor([0, 2])]", "", "[1, 2, 4, 6]"},
      // a result with no elements reads no index, so none is out of bounds
      {"x[:, :0, :, torch.arange(9)]", "", "[1, 0, 4, 9]"},
      {"x[torch.arange(1)].view(1, -1)", "", "[1, 192]"},
      {"x[:, -torch.arange(1, 9)]", "", "[1, 8, 4, 6]"},
      {"x[:, torch.arange(5) * -2]", "", "[1, 5, 4, 6]"},
      {"x[:, torch.tensor(1, dtype=torch.int32)]", "", "[1, 4, 6]"},
      // PyTorch slices and selects first, then reads the index: here into a result of no elements
      {"x[:, torch.arange(9), :0]", "", "[1, 9, 0, 6]"},
      {"x[:, [9], :0]", "", "[1, 1, 0, 6]"},
      // an arange expanded is met in its order: gather's and index's first index out of bounds
      {"x[0, :, 0, torch.arange(6).expand(2, 6)]", "", "[8, 2, 6]"},
      // two side by side: one element per pair (their values unchecked: a warning says so)
      {"x[:, torch.arange(2), torch.arange(2)]", "", "[1, 2, 6]"},
  };
  check_py_cases(kIndexed, "m.py", ok);
  const PyCase errors[] = {
      {"x[:, torch.arange(10)]", "index 8 is out of bounds for dimension 0 with size 8", ""},
      {"x[:, torch.arange(-9, 0)]", "index -9 is out of bounds for dimension 0 with size 8", ""},
      {"x[:, torch.arange(2, 16, 2)]", "index 8 is out of bounds for dimension 0 with size 8", ""},
      {"x[:, torch.arange(3) + 6]", "index 8 is out of bounds for dimension 0 with size 8", ""},
      {"x[:, torch.tensor([0, 9])]", "index 9 is out of bounds for dimension 0 with size 8", ""},
      {"x[:, torch.tensor(8)]", "index 8 is out of bounds for dimension 1 with size 8", ""},
      {"x[torch.arange(2)]", "index 1 is out of bounds for dimension 0 with size 1", ""},
      {"x[:, :0][:, torch.arange(2)]", "index is out of bounds for dimension with size 0", ""},
      {"x[:, torch.arange(3).int()]", "tensors used as indices must be long, byte or bool tensors",
       ""},
      {"x[:, torch.arange(3).float()]",
       "tensors used as indices must be long, byte or bool tensors", ""},
      {"x[:, torch.tensor([1, 2]).int()]",
       "tensors used as indices must be long, byte or bool tensors", ""},
      // an arange turned round by `-` or a negative factor is still known
      {"x[:, -torch.arange(1, 10)]", "index -9 is out of bounds for dimension 0 with size 8", ""},
      // 10, 9 and 8 are outside: PyTorch names 10, the first of its descending values
      {"x[:, 10 - torch.arange(6)]",
       "the index holds 5 to 10, some out of bounds for dimension 0 with size 8 (PyTorch's "
       "message names the first it reads)",
       ""},
      // a 0-dim tensor of any integer type is an integer: it selects
      {"x[:, torch.tensor(9, dtype=torch.int32)]",
       "index 9 is out of bounds for dimension 1 with size 8", ""},
      {"x[:, :, :, :, torch.arange(2)]", "too many indices for tensor of dimension 4", ""},
      // any index of an empty dim, whatever the result holds
      {"x[:, :0, :0][:, torch.zeros(3, dtype=torch.long)]",
       "index is out of bounds for dimension with size 0", ""},
      {"x[:, :0, :0][:, [0]]", "index is out of bounds for dimension with size 0", ""},
      // the integer is checked before the index tensor, as PyTorch selects first
      {"x[0, torch.arange(9), 7]", "index 7 is out of bounds for dimension 2 with size 4", ""},
      {"x[0, :, 0, torch.arange(7).expand(2, 7)]",
       "index 6 is out of bounds for dimension 0 with size 6", ""},
      // the same shapes and arguments as a lookup before it, other values: checked anew
      {"x[:, torch.arange(3)] + x[:, torch.arange(3) + 6]",
       "index 8 is out of bounds for dimension 0 with size 8", ""},
  };
  check_py_cases(kIndexed, "m.py", errors);
  // A mask's result has as many rows as it has True elements: the data decides.
  const PyCase refused[] = {
      {"x[:, x[0, :, 0, 0] > 0]",
       "unsupported Python construct: indexing a tensor with a mask (a bool or uint8 tensor)", ""},
      {"x[:, torch.tensor([True, False])]",
       "unsupported Python construct: indexing a tensor with a mask (a bool or uint8 tensor)", ""},
      // PyTorch makes True an index tensor too, broadcast with the other
      {"x[True, torch.arange(1)]",
       "unsupported Python construct: `True` beside an index list or tensor", ""},
      {"x[:, torch.arange(2), [0, 1]]",
       "unsupported Python construct: indexing a tensor with more than one list or index tensor",
       ""},
  };
  check_py_cases(kIndexed, "m.py", refused, ExitCode::UsageOrParse);
}

// An index of constant values netshape does not follow (math of two aranges): their values are
// the same at every run, and PyTorch checks them when it runs; netshape says it does not.
TEST_CASE("index tensor: an index of unknown constant values is answered with a warning") {
  std::string body = "x[:, torch.arange(3)[:, None] + torch.arange(3)[None, :]]";
  std::string text = kIndexed;
  LoadedModel m = analyze_text(netshape::test::replaced(text, "BODY", body), "m.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[1, 3, 3, 4, 6]");  // torch: the same; arange(6) there is its error
  const Diagnostic* warning = nullptr;
  for (const Diagnostic& d : m.diags.items())
    if (d.code == "unchecked-index") warning = &d;
  REQUIRE(warning != nullptr);
  CHECK(warning->severity == Severity::Warning);
  CHECK(warning->message.find("outside [-8, 8)") != std::string::npos);
  // an index read from the model's input is data: taken to be inside the dim, no warning
  LoadedModel data = analyze_text(
      netshape::test::replaced(text, "BODY", "x[:, x[0, 0, 0, :3].long()]"), "m.py", {});
  REQUIRE(data.exit == ExitCode::Ok);
  for (const Diagnostic& d : data.diags.items()) CHECK(d.code != "unchecked-index");
}

// A learned table read at positions __init__ computes (Swin's relative position bias): the
// index's shape, then the table's other dims; the table counts as parameters once.
TEST_CASE("index tensor: a parameter table read at an index buffer made in __init__") {
  const std::string text = R"(import torch
import torch.nn as nn


class RelativeBias(nn.Module):
    def __init__(self, window, heads):
        super().__init__()
        self.window = window
        self.table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        coords = torch.arange(window)
        grid = torch.stack(torch.meshgrid(coords, coords, indexing="ij")).flatten(1)
        relative = (grid[:, :, None] - grid[:, None, :]).permute(1, 2, 0).contiguous()
        relative[:, :, 0] += window - 1
        relative[:, :, 1] += window - 1
        relative[:, :, 0] *= 2 * window - 1
        self.register_buffer("index", relative.sum(-1).flatten())

    def forward(self, scores):
        n = self.window * self.window
        bias = self.table[self.index].view(n, n, -1).permute(2, 0, 1)
        return scores + bias.unsqueeze(0)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = RelativeBias(4, 3)

    def forward(self, scores):
        return self.bias(scores).softmax(-1)

# input: [2, 3, 16, 16]
)";
  LoadedModel m = analyze_text(text, "bias.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 3, 16, 16]");
  CHECK(m.analysis.totals.params == 49 * 3);  // torch: 147
  // the row of the lookup: [16 * 16] positions of 3 heads
  bool found = false;
  for (const LayerInfo& l : m.analysis.layers)
    if (l.op_name == "index") found = to_string(*l.output) == "[256, 3]";
  CHECK(found);
  // `run` reads the buffer as zeros: it says so, at forward's read
  REQUIRE(m.program);
  CHECK(m.program->values_unfollowed_at.line == 20);
  CHECK(m.program->values_unfollowed_op == "the values __init__ computed for `bias.index`");
  // whether the buffer's values fit the table is left to PyTorch, and netshape says so
  size_t warnings = 0;
  for (const Diagnostic& d : m.diags.items()) warnings += d.code == "unchecked-index" ? 1 : 0;
  CHECK(warnings == 1);
}

TEST_CASE("index tensor: the forward reads the slices at the index's values") {
  const Tensor x = arange({2, 3, 4});
  Tensor i = Tensor::zeros({2, 2});
  i.data = {2, 0, 1, 2};
  // torch.arange(24.).view(2, 3, 4)[:, torch.tensor([[2, 0], [1, 2]])]
  Tensor by_rows = forward_of("input x: [2, 3, 4]\ninput i: [2, 2]\nindex(x, i, dim=1)\n",
                              forward_index, {x, i});
  CHECK(by_rows.shape == std::vector<int64_t>{2, 2, 2, 4});
  CHECK(by_rows.data == std::vector<float>{8,  9,  10, 11, 0,  1,  2,  3,  4,  5,  6,
                                           7,  8,  9,  10, 11, 20, 21, 22, 23, 12, 13,
                                           14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  // x[..., torch.tensor([-1, 1, 0])]: negatives count from the end
  Tensor j = Tensor::zeros({3});
  j.data = {-1, 1, 0};
  Tensor last =
      forward_of("input x: [2, 3, 4]\ninput j: [3]\nindex(x, j, dim=-1)\n", forward_index, {x, j});
  CHECK(last.shape == std::vector<int64_t>{2, 3, 3});
  CHECK(last.data ==
        std::vector<float>{3, 1, 0, 7, 5, 4, 11, 9, 8, 15, 13, 12, 19, 17, 16, 23, 21, 20});
}

// An identity made in __init__ and viewed is no identity of the new sizes: read in forward, it
// is a tensor of those sizes (torch.eye(4).view(16) was read as torch.eye(16), [16, 16]).
TEST_CASE("index tensor: a view of torch.eye made in __init__ keeps its sizes in forward") {
  const std::string text = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("flat", torch.eye(4).view(16))
        self.register_buffer("square", torch.eye(4))

    def forward(self, x):
        return x + self.flat + self.square.view(16)

# input: [1, 16]
)";
  LoadedModel m = analyze_text(text, "eye.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[1, 16]");
  CHECK(m.analysis.layers.front().op_name == "empty");
  CHECK(m.program->values_unfollowed_op == "the values __init__ computed for `flat`");
}

TEST_CASE("index tensor: index_select keeps its dim, takes no negative positions") {
  // x: [1, 8, 4, 6]. index_select was refused (an unknown op); its positions must lie in
  // [0, size), and PyTorch's kernel for dim 1 words its error otherwise than the other one.
  const PyCase ok[] = {
      {"x.index_select(1, torch.tensor([0, 2, 2]))", "", "[1, 3, 4, 6]"},
      {"torch.index_select(x, -1, torch.tensor(5))", "", "[1, 8, 4, 1]"},
      {"x.index_select(dim=2, index=torch.arange(2))", "", "[1, 8, 2, 6]"},
      {"x.index_select(3, x[0, 0, 0].argsort())", "", "[1, 8, 4, 6]"},
      {"x.index_select(1, x[0, :, 0, 0].argmax())", "", "[1, 1, 4, 6]"},
      {"x.index_select(1, torch.tensor([3], dtype=torch.int32))", "", "[1, 1, 4, 6]"},
  };
  check_py_cases(kIndexed, "m.py", ok);
  const PyCase errors[] = {
      {"x.index_select(1, torch.tensor([8]))",
       "INDICES element is out of DATA bounds, id=8 axis_dim=8", ""},
      {"x.index_select(1, torch.tensor([-1]))",
       "INDICES element is out of DATA bounds, id=-1 axis_dim=8", ""},
      {"x.index_select(2, torch.tensor([4]))", "index out of range in self", ""},
      // an arange's values are known: negative ones too, which x[:, i] would take
      {"x.index_select(1, torch.arange(-2, 2))",
       "INDICES element is out of DATA bounds, id=-2 axis_dim=8", ""},
      {"x.index_select(3, torch.arange(-2, 2))", "index out of range in self", ""},
      {"x.index_select(4, torch.tensor([0]))",
       "Dimension out of range (expected to be in range of [-4, 3], but got 4)", ""},
      {"x.index_select(1, x[0, 0].argsort())", "index_select(): Index is supposed to be a vector",
       ""},
      {"x.index_select(1, torch.tensor([0.0]))",
       "index_select(): Expected dtype int32 or int64 for index", ""},
  };
  check_py_cases(kIndexed, "m.py", errors);
}
