// Tensors made in __init__ and followed by their sizes (python_made_sizes.cpp): the sinusoidal
// position tables of transformer tutorials (`pe[:, 0::2] = torch.sin(position * div_term)`),
// their broadcasting, indexing, slice assignment, cat/stack/outer and views, with PyTorch 1.13's
// errors at the line that raises them. Every message below is PyTorch's for the same statement
// (run with torch 1.13 on the same file).
#include <doctest/doctest.h>

#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::first_error_at;

namespace {

LoadedModel read(const std::string& text) {
  return analyze_text(text, "m.py", {});
}

// A model whose __init__ runs `statement` (line 10) after making `t` (line 9), and whose forward
// runs `body`.
std::string with_init(const std::string& statement, const std::string& body = "self.fc(x)") {
  return "import math\nimport torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
         "    def __init__(self):\n        super().__init__()\n        t = torch.zeros(4, 3)\n"
         "        " +
         statement +
         "\n        self.fc = nn.Linear(3, 3)\n\n    def forward(self, x):\n        return " +
         body + "\n\n# input: [2, 3]\n";
}

// The position table of the PyTorch language-model tutorial, for a model width `d_model`.
std::string sinusoidal(int d_model) {
  return "import math\nimport torch\nimport torch.nn as nn\n\n\n"
         "class Positions(nn.Module):\n"
         "    def __init__(self, d_model, max_len=50):\n"
         "        super().__init__()\n"
         "        position = torch.arange(max_len).unsqueeze(1)\n"
         "        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / "
         "d_model))\n"
         "        pe = torch.zeros(max_len, 1, d_model)\n"
         "        pe[:, 0, 0::2] = torch.sin(position * div_term)\n"
         "        pe[:, 0, 1::2] = torch.cos(position * div_term)\n"
         "        self.register_buffer('pe', pe)\n\n"
         "    def forward(self, x):\n"
         "        return x + self.pe[:x.size(0)]\n\n\n"
         "model = Positions(" +
         std::to_string(d_model) + ")\n# input: [20, 2, " + std::to_string(d_model) + "]\n";
}

}  // namespace

TEST_CASE("made tensors: a sinusoidal position table of an even width adds to the input") {
  LoadedModel m = read(sinusoidal(16));
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 3);  // the buffer, its first 20 rows, the sum
  CHECK(to_string(*m.analysis.layers[0].output) == "[50, 1, 16]");
  CHECK(to_string(*m.analysis.layers[1].output) == "[20, 1, 16]");
  CHECK(to_string(m.analysis.outputs[0].second) == "[20, 2, 16]");
  CHECK(m.analysis.totals.params == 0);  // a buffer holds no parameters
}

TEST_CASE("made tensors: an odd width is PyTorch's error at the cos line") {
  // sin fills the 8 even columns of 15 with 8 values; cos has 7 odd columns for 8 values.
  LoadedModel m = read(sinusoidal(15));
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error_at(m) ==
        "13:9: The expanded size of the tensor (7) must match the existing size (8) at "
        "non-singleton dimension 1.  Target sizes: [50, 7].  Tensor sizes: [50, 8]");
}

TEST_CASE("made tensors: PyTorch's errors, at the statement, also for a value never used") {
  struct Case {
    const char* statement;
    const char* error;
  };
  const Case cases[] = {
      {"t[:, 0::2] = torch.ones(4, 3)",
       "10:9: The expanded size of the tensor (2) must match the existing size (3) at "
       "non-singleton dimension 1.  Target sizes: [4, 2].  Tensor sizes: [4, 3]"},
      {"t[:, 0] = torch.ones(4, 1)",
       "10:9: expand(torch.FloatTensor{[4, 1]}, size=[4]): the number of sizes provided (1) must "
       "be greater or equal to the number of dimensions in the tensor (2)"},
      {"t[0, 1, 2] = 1.0", "10:9: too many indices for tensor of dimension 2"},
      {"t[:, 3] = 1.0", "10:9: index 3 is out of bounds for dimension 1 with size 3"},
      {"t[None, 5] = 0", "10:9: index 5 is out of bounds for dimension 1 with size 4"},
      {"t[::0] = 1", "10:9: slice step cannot be zero"},
      {"t[::-1] = 1", "10:9: step must be greater than zero"},
      {"u = t * torch.zeros(4)",
       "10:13: The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
       "dimension 1"},
      {"u = torch.cat([t, torch.zeros(4, 4)])",
       "10:13: Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 "
       "for tensor number 1 in the list."},
      {"u = torch.cat([t, torch.zeros(4, 3, 1)], dim=1)",
       "10:13: Tensors must have same number of dimensions: got 2 and 3"},
      {"u = torch.stack([t, t.t()])",
       "10:13: stack expects each tensor to be equal size, but got [4, 3] at entry 0 and [3, 4] "
       "at entry 1"},
      {"u = torch.outer(torch.arange(3), t)",
       "10:13: outer: Expected 1-D argument vec2, but got 2-D"},
      {"u = t.unsqueeze(3)",
       "10:13: Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
      {"u = t.permute(0, 0)", "10:13: permute(): duplicate dims are not allowed."},
      {"u = t.expand(2, 3)",
       "10:13: The expanded size of the tensor (2) must match the existing size (4) at "
       "non-singleton dimension 0.  Target sizes: [2, 3].  Tensor sizes: [4, 3]"},
      {"u = t.expand(-1, 4, 3)",
       "10:13: The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
       "dimension 0"},
      {"u = -(t > 0)",
       "10:13: Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
       "to invert a mask, use the `~` or `logical_not()` operator instead."},
      {"u = t[:, :2].transpose(0, 1) + t[:2, 1]",
       "10:13: The size of tensor a (4) must match the size of tensor b (2) at non-singleton "
       "dimension 1"},
      {"u = t.view(5, 2)", "10:13: shape '[5, 2]' is invalid for input of size 12"},
      {"n = torch.zeros(4)[0].size(0)",
       "10:13: Dimension specified as 0 but tensor has no dimensions"},
      {"c = 1 if torch.zeros(3, 2) > 0 else 2",
       "10:18: Boolean value of Tensor with more than one value is ambiguous"},
      {"c = 0 < t < 5", "10:13: Boolean value of Tensor with more than one value is ambiguous"},
      {"t += torch.zeros(5, 4, 3)",
       "10:9: output with shape [4, 3] doesn't match the broadcast shape [5, 4, 3]"},
      {"self.w = nn.Parameter(torch.zeros(3)); self.w *= 2",
       "10:48: a leaf Variable that requires grad is being used in an in-place operation."},
      {"self.w = nn.Parameter(torch.zeros(3)); self.w[0] = 1",
       "10:48: a view of a leaf Variable that requires grad is being used in an in-place "
       "operation."},
      {"self.w = nn.Parameter(torch.zeros(3)); self.w = self.w * 2",
       "10:48: cannot assign 'torch.FloatTensor' as parameter 'w' (torch.nn.Parameter or None "
       "expected)"},
      {"u = torch.arange(3).unsqueeze(0) - True",
       "10:13: Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
       "trying to invert a mask, use the `~` or `logical_not()` operator instead."},
      {"u = torch.arange(4).unsqueeze(0) ** -1",
       "10:13: Integers to negative integer powers are not allowed."},
      {"u = torch.cat([t, torch.zeros(())])",
       "10:13: zero-dimensional tensor (at position 1) cannot be concatenated"},
      {"u = torch.zeros(())[0]",
       "10:13: invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
       "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"},
      {"u = torch.zeros(()).expand(-1)", "10:13: numel: integer multiplication overflow"},
      {"u = torch.floor(t > 0)", "10:13: \"floor_vml_cpu\" not implemented for 'Bool'"},
      {"u = torch.arange(3).unsqueeze(0) // 0", "10:13: ZeroDivisionError"},
      {"self.p = nn.Parameter(torch.arange(3).unsqueeze(0))",
       "10:18: Only Tensors of floating point and complex dtype can require gradients"},
      {"n = len(torch.zeros(4)[0])", "10:13: len() of a 0-d tensor"},
      {"u = t.flatten(1, 0)",
       "10:13: flatten() has invalid args: start_dim cannot come after end_dim"},
      {"u = t.masked_fill(torch.ones(5, 3) > 0, 1.0)",
       "10:13: The size of tensor a (5) must match the size of tensor b (4) at non-singleton "
       "dimension 0"},
      {"t.masked_fill_(torch.ones(2, 4, 3) > 0, 1.0)",
       "10:9: output with shape [4, 3] doesn't match the broadcast shape [2, 4, 3]"},
      {"t.masked_fill_(torch.ones(5, 3) > 0, 1.0)",
       "10:9: The size of tensor a (4) must match the size of tensor b (5) at non-singleton "
       "dimension 0"},
      {"u = t.masked_fill(t > 0, 1e300)",
       "10:13: value cannot be converted to type float without overflow"},
      {"u = t.half().masked_fill(t > 0, 70000)",
       "10:13: value cannot be converted to type at::Half without overflow"},
      {"u = t.to(torch.uint8).masked_fill(t > 0, 256)",
       "10:13: value cannot be converted to type uint8_t without overflow"},
      {"u = t.long().masked_fill(t > 0, float('inf'))",
       "10:13: value cannot be converted to type int64_t without overflow"},
      {"u = torch.full((2,), 2**40, dtype=torch.int32)",
       "10:13: value cannot be converted to type int without overflow"},
      {"u = torch.full((2,), float('nan'), dtype=torch.int64)",
       "10:13: value cannot be converted to type int64_t without overflow"},
      {"u = t.masked_fill(t > 0, -1.0, 3)",
       "10:13: masked_fill() received an invalid combination of arguments - got (Tensor, float, "
       "int), but expected one of:"},
      {"u = t.masked_fill(t > 0, value=-1.0, foo=1)",
       "10:13: masked_fill() received an invalid combination of arguments - got (Tensor, foo=int, "
       "value=float), but expected one of:"},
      {"u = t.masked_fill(t > 0)",
       "10:13: masked_fill() received an invalid combination of arguments - got (Tensor), but "
       "expected one of:"},
      {"self.w = nn.Parameter(torch.zeros(3)); self.w.masked_fill_(self.w > 0, 1.0)",
       "10:48: a leaf Variable that requires grad is being used in an in-place operation."},
  };
  for (const Case& c : cases) {
    LoadedModel m = read(with_init(c.statement));
    INFO(std::string(c.statement));
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error_at(m) == c.error);
  }
}

// A custom layer's weights made with the legacy constructors (`nn.Parameter(torch.FloatTensor(
// in_features, out_features))`, as graph-convolution code writes them): torch.empty of the
// class's type, so params are 3*5 + 5 as PyTorch counts them; a LongTensor buffer is int64 (a
// Linear refuses its sum with a long input); data (`torch.Tensor([1, 2])`) is not followed.
TEST_CASE("made tensors: the legacy constructors make uninitialised tensors of their sizes") {
  LoadedModel m = read(with_init(
      "self.w = nn.Parameter(torch.FloatTensor(3, 5)); self.b = nn.Parameter(torch.Tensor(5))",
      "torch.matmul(self.fc(x), self.w) + self.b"));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 5]");
  CHECK(m.analysis.totals.params == 3 * 5 + 5 + (3 * 3 + 3));
  LoadedModel ids = read(with_init("self.register_buffer('ids', torch.LongTensor(2, 4))",
                                   "self.fc(x.long() + self.ids[0, :3])"));
  CHECK(ids.exit == ExitCode::ShapeError);  // a Linear of int64: PyTorch's RuntimeError
  // torch.Tensor of data is torch.tensor of it as float32 (EDSR's mean): 3 more params
  LoadedModel data = read(
      with_init("self.w = nn.Parameter(torch.Tensor([1.0, 2.0, 3.0]))", "self.fc(x) * self.w"));
  REQUIRE(data.exit == ExitCode::Ok);
  CHECK(data.analysis.totals.params == 3 + (3 * 3 + 3));
  LoadedModel other =
      read(with_init("self.w = nn.Parameter(torch.DoubleTensor([1.0, 2.0, 3.0]))", "self.fc(x)"));
  CHECK(other.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(other).message ==
        "netshape cannot count the weights `w` may hold, which model.parameters() counts: "
        "unsupported Python construct: this argument of `torch.DoubleTensor`");
}

TEST_CASE("made tensors: sizes and dtypes reach forward as PyTorch computes them") {
  struct Case {
    const char* statement;
    const char* body;
    const char* output;  // the model's output shape; "" for an error
    const char* error;
  };
  const Case cases[] = {
      // A value with leading 1s fits (they are dropped), a 1-dim one broadcasts along rows.
      {"t[:2] = torch.ones(1, 1, 3); self.register_buffer('b', t)", "self.fc(x) + self.b[:2]",
       "[2, 3]", ""},
      {"t[1:3, None] = torch.arange(3); self.register_buffer('b', t)", "self.fc(x) * self.b[0]",
       "[2, 3]", ""},
      // position ids as BERT-style models keep them: int64, so an Embedding reads them.
      {"self.register_buffer('ids', torch.arange(8).expand((1, -1))); self.e = nn.Embedding(8, 3)",
       "self.fc(x) + self.e(self.ids[:, :2])[0]", "[2, 3]", ""},
      // A float table is no index tensor: PyTorch's error at the Embedding.
      {"self.register_buffer('ids', torch.arange(8).unsqueeze(0) / 2); self.e = nn.Embedding(8, 3)",
       "self.e(self.ids)", "",
       "14:23: Expected tensor for argument #1 'indices' to have one of the following scalar "
       "types: Long, Int; but got torch.FloatTensor instead (while checking arguments for "
       "embedding)"},
      // In place: the result keeps t's type (int64 into float32 is a cast PyTorch makes).
      {"t *= torch.zeros(3, dtype=torch.long); self.register_buffer('b', t)",
       "self.fc(x) + self.b[:2]", "[2, 3]", ""},
      // The legacy empty 1-dim tensor is skipped by torch.cat.
      {"self.register_buffer('b', torch.cat([t, torch.zeros(0)]))", "self.fc(x) + self.b[:2]",
       "[2, 3]", ""},
      // shape, size() and dim() of a made tensor are numbers in __init__.
      {"self.g = nn.Linear(3, t.shape[1] + t.size(0) + t.dim())", "self.g(self.fc(x))", "[2, 9]",
       ""},
      // sin/cos of an outer product, joined along the last dim. Sliced to 3 of its 4 columns the
      // table has gaps: PyTorch adds it, netshape, which does not follow its layout, refuses it
      // at the read, and takes it made contiguous.
      {"a = torch.outer(torch.arange(5).float(), torch.ones(2)); "
       "self.register_buffer('b', torch.cat([a.sin(), a.cos()], dim=-1)[:, :3])",
       "self.fc(x) + self.b[:2]", "",
       "14:29: unsupported Python construct: reading a tensor made in __init__ that is not "
       "contiguous there (transposed, sliced or expanded): its memory layout is not followed"},
      {"a = torch.outer(torch.arange(5).float(), torch.ones(2)); "
       "self.register_buffer('b', torch.stack([a.sin(), a.cos()], dim=-1).flatten(1)[:2, :3]"
       ".contiguous())",
       "self.fc(x) + self.b", "[2, 3]", ""},
      // An additive mask: a row of it broadcast into the table; an in-place fill keeps its sizes.
      {"self.register_buffer('b', t.masked_fill(torch.ones(3, dtype=torch.bool), float('-inf')))",
       "self.fc(x) + self.b[:2]", "[2, 3]", ""},
      {"t.masked_fill_(torch.arange(3) > 0, 2); self.register_buffer('b', t)",
       "self.fc(x) + self.b[:2]", "[2, 3]", ""},
      // PyTorch takes a float mask when its values are 0 and 1, which netshape does not follow
      {"self.register_buffer('b', t.masked_fill(torch.ones(4, 3), 1.0))", "self.fc(x) + self.b[:2]",
       "", "10:35: unsupported Python construct: masked_fill with a torch.float32 mask"},
  };
  for (const Case& c : cases) {
    LoadedModel m = read(with_init(c.statement, c.body));
    INFO(std::string(c.statement));
    INFO(render_diagnostics(m));
    if (*c.output) {
      REQUIRE(m.exit == ExitCode::Ok);
      CHECK(to_string(m.analysis.outputs[0].second) == c.output);
    } else {
      CHECK(m.exit != ExitCode::Ok);
      CHECK(first_error_at(m) == c.error);
    }
  }
}

TEST_CASE("made tensors: forward's basic indexing takes a bool and several `...` as PyTorch 1.13") {
  // x[True] adds a dim of 1 (it was read as x[1], dropping a dim); several `...` each stand for
  // the dims no other item names. The shapes are PyTorch's for x = torch.zeros(4, 3, 3).
  struct Case {
    const char* index;
    const char* output;  // "" for netshape's refusal
  };
  const Case cases[] = {
      {"[True]", "[1, 4, 3, 3]"},
      {"[1, True]", "[1, 3, 3]"},
      {"[True, 1]", "[1, 3, 3]"},
      {"[None, True]", "[1, 1, 4, 3, 3]"},
      {"[..., 0, ...]", "[4, 3]"},
      {"[..., ...]", "[4, 3, 3]"},
      {"[..., None, ...]", "[4, 3, 3, 1]"},
      {"[1, ..., 0, ...]", "[3]"},
      {"[False]", ""},        // a dim of size 0: refused
      {"[..., ..., 0]", ""},  // PyTorch's own error is an odd one: refused
  };
  for (const Case& c : cases) {
    std::string text =
        "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(3, 3)\n\n"
        "    def forward(self, x):\n        return self.fc(x)" +
        std::string(c.index) + "\n\n# input: [4, 3, 3]\n";
    LoadedModel m = read(text);
    INFO(std::string(c.index));
    INFO(render_diagnostics(m));
    if (*c.output) {
      REQUIRE(m.exit == ExitCode::Ok);
      CHECK(to_string(m.analysis.outputs[0].second) == c.output);
    } else {
      CHECK(m.exit == ExitCode::UsageOrParse);
      CHECK(first_error_at(m).find("unsupported Python construct") != std::string::npos);
    }
  }
}

// Swin V2's `__init__` reads its qkv layer's bias size and zeroes the keys' third of it in place:
// the size is the layer's (Linear(8, 24): 24), and an initialisation in place of a piece of a
// weight changes values only. The sizes of such a piece are not followed: refused.
TEST_CASE("made tensors: a layer's bias size and a piece of it initialised in place in __init__") {
  const std::string text = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.qkv = nn.Linear(dim, dim * 3)
        length = self.qkv.bias.numel() // 3
        self.qkv.bias[length : 2 * length].data.zero_()
        self.n = length

    def forward(self, x):
        return self.qkv(x)[..., : self.n]

# input: [2, 8]
)";
  LoadedModel m = analyze_text(text, "m.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(netshape::test::out_shape(m) == "[2, 8]");  // torch: [2, 8], 216 parameters
  CHECK(m.analysis.totals.params == 216);
  LoadedModel piece = analyze_text(
      netshape::test::replaced(text, "self.n = length", "self.n = self.qkv.weight[:2].shape[0]"),
      "m.py", {});
  CHECK(piece.exit == ExitCode::UsageOrParse);
  CHECK(netshape::test::first_error(piece).message ==
        "unsupported Python construct: `.shape` of a piece of a layer's weight");
  // an integer may be out of bounds, and in place without `.data` PyTorch refuses the write (a
  // view of a leaf that requires grad): both refused, not passed over
  for (const char* init : {"self.qkv.weight[:, 7].data.zero_()", "self.qkv.bias[2:4].zero_()"}) {
    LoadedModel other = analyze_text(
        netshape::test::replaced(text, "self.qkv.bias[length : 2 * length].data.zero_()", init),
        "m.py", {});
    CAPTURE(init);
    CHECK(other.exit == ExitCode::UsageOrParse);
  }
}
