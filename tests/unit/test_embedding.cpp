// nn.Embedding against PyTorch 1.13 (the numbers and messages below were read off torch.nn's
// module on tensors of these shapes): shapes, parameters, the constructor's checks, the indices'
// dtype in a `.py` file and their source in the model language, and the forward pass.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "netshape/exec.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

namespace {

// params num_embeddings * embedding_dim; MACs 0 (a lookup)
const LayerCase kCases[] = {
    {"input x: [B, 50]", "e = Embedding(1000, 64)", "[B, 50, 64]", 64000, 0, ""},
    {"input x: [3]", "e = Embedding(10, 4, padding_idx=-10)", "[3, 4]", 40, 0, ""},
    {"input x: [2, 3, 5]", "e = Embedding(10, 4, 9, 1.0)", "[2, 3, 5, 4]", 40, 0, ""},
    {"input x: [2, 5]", "e = Embedding(10, 0)", "[2, 5, 0]", 0, 0, ""},
    // the constructor's checks, in PyTorch's order
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=10)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=-11)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(-1, 3)", "error", 0, 0,
     "Trying to create tensor with negative dimension -1: [-1, 3]"},
    {"input x: [2, 5]", "e = Embedding(10, -3)", "error", 0, 0,
     "Trying to create tensor with negative dimension -3: [10, -3]"},
    {"input x: [2, 5]", "e = Embedding(10.0, 3)", "error", 0, 0,
     "empty() received an invalid combination of arguments - got (tuple, dtype=NoneType, "
     "device=NoneType), but expected one of:"},
    {"input x: [2, 5]", "e = Embedding(True, 3)", "error", 0, 0,
     "empty() received an invalid combination of arguments - got (tuple, dtype=NoneType, "
     "device=NoneType), but expected one of:"},
    // a table of no rows: any index is out of it
    {"input x: [2, 5]", "e = Embedding(0, 3)", "error", 0, 0,
     "index_select(): self indexing axis dim should be positive"},
    // torch.empty((10, True)): after the first size a bool is an int; a float is refused
    {"input x: [2, 5]", "e = Embedding(10, True)", "[2, 5, 1]", 10, 0, ""},
    {"input x: [2, 5]", "e = Embedding(10, False)", "[2, 5, 0]", 0, 0, ""},
    {"input x: [2, 5]", "e = Embedding(10, 3.0)", "error", 0, 0,
     "empty(): argument 'size' must be tuple of SymInts, but found element of type float at pos 2"},
    // padding_idx: compared with 0 (a string cannot be), then the table's row zeroed
    {"input x: [2, 5]", "e = Embedding(0, 3, padding_idx=0)", "error", 0, 0,
     "index 0 is out of bounds for dimension 0 with size 0"},
    {"input x: [2, 5]", "e = Embedding(0, 3, padding_idx=-1)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=1.0)", "error", 0, 0,
     "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
     "indices (got float)"},
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=11.0)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(1, 3, padding_idx=True)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=\"a\")", "error", 0, 0,
     "'>' not supported between instances of 'str' and 'int'"},
    {"input x: [2, 5]", "e = Embedding(-1, 3, padding_idx=0.0)", "error", 0, 0,
     "Trying to create tensor with negative dimension -1: [-1, 3]"},
    // padding_idx is compared before the table is made, whatever num_embeddings' type
    {"input x: [2, 5]", "e = Embedding(10.0, 3, padding_idx=20)", "error", 0, 0,
     "Padding_idx must be within num_embeddings"},
    {"input x: [2, 5]", "e = Embedding(10.0, 3, padding_idx=\"a\")", "error", 0, 0,
     "'>' not supported between instances of 'str' and 'int'"},
    {"input x: [2, 5]", "e = Embedding(\"a\", 3, padding_idx=1)", "error", 0, 0,
     "'<' not supported between instances of 'int' and 'str'"},
    {"input x: [2, 5]", "e = Embedding(\"a\", 3, padding_idx=-1)", "error", 0, 0,
     "bad operand type for unary -: 'str'"},
    // the forward's calls take exactly their types: embedding_renorm_ first, when max_norm is set
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=True)", "error", 0, 0,
     "embedding(): argument 'padding_idx' (position 3) must be int, not bool"},
    {"input x: [2, 5]", "e = Embedding(10, 3, sparse=1)", "error", 0, 0,
     "embedding(): argument 'sparse' (position 5) must be bool, not int"},
    {"input x: [2, 5]", "e = Embedding(10, 3, scale_grad_by_freq=None)", "error", 0, 0,
     "embedding(): argument 'scale_grad_by_freq' (position 4) must be bool, not NoneType"},
    {"input x: [2, 5]", "e = Embedding(10, 3, max_norm=\"a\", sparse=1)", "error", 0, 0,
     "embedding_renorm_(): argument 'max_norm' (position 3) must be float, not str"},
    {"input x: [2, 5]", "e = Embedding(10, 3, max_norm=1.0, norm_type=None)", "error", 0, 0,
     "embedding_renorm_(): argument 'norm_type' (position 4) must be float, not NoneType"},
    {"input x: [2, 5]", "e = Embedding(0, 3, sparse=1)", "error", 0, 0,
     "embedding(): argument 'sparse' (position 5) must be bool, not int"},
    // what the forward accepts: norm_type unread without max_norm, numbers of any kind
    {"input x: [2, 5]", "e = Embedding(10, 3, norm_type=None)", "[2, 5, 3]", 30, 0, ""},
    {"input x: [2, 5]", "e = Embedding(10, 3, max_norm=True, norm_type=2)", "[2, 5, 3]", 30, 0, ""},
    {"input x: [2, 5]", "e = Embedding(10, 3, padding_idx=-10, max_norm=-1.0)", "[2, 5, 3]", 30, 0,
     ""},
};

}  // namespace

TEST_CASE("Embedding: shapes, parameters and the constructor's checks as PyTorch's") {
  check_layer_cases(kCases);
}

TEST_CASE("Embedding in the model language reads indices: a model input, an arange or argmax") {
  auto ok = check_ns(
      "model M\ninput tokens: [B, 12]\nt = view(B, 3, 4)(tokens)\ne = Embedding(100, 8)(t)\n"
      "p = arange(12)\npos = Embedding(12, 8)(p)\n");
  REQUIRE(ok.exit == ExitCode::Ok);
  CHECK(out_shape(ok) == "[12, 8]");
  REQUIRE(ok.analysis.layers.size() == 4);
  CHECK(to_string(*ok.analysis.layers[1].output) == "[B, 3, 4, 8]");
  CHECK(ok.analysis.totals.params == 100 * 8 + 12 * 8);
  // a convolution's output is floats: PyTorch's Embedding refuses it; netshape says so
  auto bad =
      check_ns("model M\ninput x: [2, 3, 8, 8]\nc = Conv2d(3, 4, 3)\ne = Embedding(10, 3)\n");
  CHECK(bad.exit == ExitCode::UsageOrParse);
  CHECK(first_error(bad).message == "e looks up rows by index, and `c` is not made of indices");
  auto fractional = check_ns("model M\ninput x: [4]\np = arange(0.5, 4)\ne = Embedding(10, 3)\n");
  CHECK(fractional.exit == ExitCode::UsageOrParse);
  // an arange of dtype int32 holds indices too (PyTorch's embedding takes Long and Int)
  auto int32 =
      check_ns("model M\ninput x: [4]\np = arange(8, dtype=\"int32\")\ne = Embedding(8, 3)\n");
  REQUIRE(int32.exit == ExitCode::Ok);
  CHECK(out_shape(int32) == "[8, 3]");
  auto int16 =
      check_ns("model M\ninput x: [4]\np = arange(8, dtype=\"int16\")\ne = Embedding(8, 3)\n");
  CHECK(int16.exit == ExitCode::UsageOrParse);
}

// Two Embeddings alike on inputs of one shape: the second reads floats (a mean), and is refused
// though the first was accepted (a rule's answer for one input is not another's).
TEST_CASE("Embedding: the same layer on a float tensor of the same shape is still refused") {
  auto m = check_ns(
      "model M\ninput t: [2, 5]\ne1 = Embedding(10, 3)(t)\nl = Linear(3, 5)(e1)\n"
      "m = mean(2)(l)\ne2 = Embedding(10, 3)(m)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message == "e2 looks up rows by index, and `m` is not made of indices");
}

// PyTorch 1.13: nn.Embedding(10, 3)(torch.arange(12)) and (torch.arange(-1, 5)) raise
// IndexError "index out of range in self"; torch.arange(12).view(3, 4)[:, :2] reads 0..9 and
// passes (a narrow may drop what is out of the table: netshape no longer knows the values).
TEST_CASE("Embedding: positions from an arange beyond the table are PyTorch's IndexError") {
  auto beyond = check_ns(
      "model M\ninput t: [2, 12]\np = arange(12)\nq = unsqueeze(0)(p)\n"
      "e = Embedding(10, 3)(q)\n");
  CHECK(beyond.exit == ExitCode::ShapeError);
  CHECK(first_error(beyond).message == "index out of range in self");
  CHECK(first_error(beyond).help.find("reads index 11, and its table has rows 0 to 9") !=
        std::string::npos);
  auto negative =
      check_ns("model M\ninput t: [2, 12]\np = arange(-1, 5)\ne = Embedding(10, 3)(p)\n");
  CHECK(first_error(negative).message == "index out of range in self");
  CHECK(first_error(negative).help ==
        "e reads index -1: the indices of a table are 0 to 9, start the positions at 0");
  // with max_norm, the renorm step's select refuses the first index beyond the table in
  // increasing order (PyTorch 1.13: 10 of arange(12), 12 of arange(0, 14, 3), -11 of
  // arange(-11, 3), 12 of arange(12, 15) and of arange(14, 11, -1)); -1 it selects
  const char* select_12 =
      "select(): index 12 out of range for tensor of size [10, 3] at dimension 0";
  // (pairs, not structured bindings: clang 14's CAPTURE lambda cannot capture those)
  for (std::pair<const char*, const char*> c :
       {std::pair{"12",
                  "select(): index 10 out of range for tensor of size [10, 3] at dimension 0"},
        {"0, 14, 3", select_12},
        {"-11, 3", "select(): index -11 out of range for tensor of size [10, 3] at dimension 0"},
        {"12, 15", select_12},
        {"14, 11, -1", select_12},
        {"-1, 5", "index out of range in self"}}) {
    const char* range = c.first;
    CAPTURE(range);
    auto renormed = check_ns(fmt::format(
        "model M\ninput t: [2, 12]\np = arange({})\ne = Embedding(10, 3, max_norm=1.0)(p)\n",
        range));
    CHECK(first_error(renormed).message == std::string(c.second));
  }
  auto stepped =
      check_ns("model M\ninput t: [2, 12]\np = arange(9, -1, -3)\ne = Embedding(10, 3)(p)\n");
  REQUIRE(stepped.exit == ExitCode::Ok);  // 9, 6, 3, 0
  CHECK(out_shape(stepped) == "[4, 3]");
  auto narrowed = check_ns(
      "model M\ninput t: [2, 12]\np = arange(12)\nv = view(3, 4)(p)\nn = narrow(1, 0, 2)(v)\n"
      "e = Embedding(10, 3)(n)\n");
  REQUIRE(narrowed.exit == ExitCode::Ok);
  CHECK(out_shape(narrowed) == "[3, 2, 3]");
}

// A GPT-style model reads positions torch.arange(0, t) for an input of t tokens: a sequence
// longer than block_size is the forward's IndexError (PyTorch 1.13, t = 12, block_size = 8).
TEST_CASE("Embedding in a .py file: a sequence longer than the position table is an error") {
  const std::string model = R"(import torch
import torch.nn as nn

# input: [2, SEQ] int64


class TinyGPT(nn.Module):
    def __init__(self, vocab_size=100, block_size=8, n_embd=16):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=DTYPE, device=idx.device).unsqueeze(0)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        return self.head(x)
)";
  for (const char* dtype : {"torch.long", "torch.int32"}) {
    CAPTURE(dtype);
    auto fits = analyze_py(replaced(replaced(model, "SEQ", "8"), "DTYPE", dtype), "gpt.py", "");
    REQUIRE(fits.exit == ExitCode::Ok);
    CHECK(out_shape(fits) == "[2, 8, 100]");
    CHECK(fits.analysis.totals.params == 100 * 16 + 8 * 16 + 16 * 100 + 100);
    auto longer = analyze_py(replaced(replaced(model, "SEQ", "12"), "DTYPE", dtype), "gpt.py", "");
    CHECK(longer.exit == ExitCode::ShapeError);
    const Diagnostic& d = first_error(longer);
    CHECK(d.message == "index out of range in self");
    CHECK(d.span.line == 17);
    CHECK(d.help.find("give it num_embeddings=12 or more") != std::string::npos);
  }
}

TEST_CASE("Embedding in a .py file: indices must be int64 or int32, as PyTorch checks them") {
  const std::string model = R"(import torch
import torch.nn as nn

# input: [B, 20]DTYPE


class Tagger(nn.Module):
    def __init__(self, vocab=500, dim=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.fc = nn.Linear(dim, 5)

    def forward(self, tokens):
        return self.fc(self.emb(tokens))
)";
  for (const char* dtype : {" long", " torch.int64", ", dtype=torch.long", " int32"}) {
    CAPTURE(dtype);
    auto m = analyze_py(replaced(model, "DTYPE", dtype), "tagger.py", "");
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[B, 20, 5]");
    CHECK(m.analysis.totals.params == 500 * 32 + 32 * 5 + 5);
  }
  auto floats = analyze_py(replaced(model, "DTYPE", ""), "tagger.py", "");
  CHECK(floats.exit == ExitCode::ShapeError);
  CHECK(first_error(floats).message ==
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
        "Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)");
  auto shorts = analyze_py(replaced(model, "DTYPE", " int16"), "tagger.py", "");
  CHECK(first_error(shorts).message.find("but got torch.ShortTensor instead") != std::string::npos);
  // PyTorch 1.13 names the types without a legacy tensor type by their backend
  for (std::pair<const char*, const char*> c : {std::pair{" bfloat16", "CPUBFloat16Type"},
                                                {" bool", "CPUBoolType"},
                                                {" float16", "torch.HalfTensor"},
                                                {" uint8", "torch.ByteTensor"}}) {
    const char* dtype = c.first;
    CAPTURE(dtype);
    auto typed = analyze_py(replaced(model, "DTYPE", dtype), "tagger.py", "");
    CHECK(first_error(typed).message.find(fmt::format("but got {} instead", c.second)) !=
          std::string::npos);
  }
  // a cast in forward makes the indices; prose after the shape is no dtype
  auto cast = analyze_py(replaced(replaced(model, "DTYPE", " (token ids)"), "self.emb(tokens)",
                                  "self.emb(tokens.long())"),
                         "tagger.py", "");
  REQUIRE(cast.exit == ExitCode::Ok);
  CHECK(out_shape(cast) == "[B, 20, 5]");
}

TEST_CASE("Embedding: a top-level torch.randint call gives the input's shape and int64 dtype") {
  const char* text = R"(import torch
import torch.nn as nn

model = nn.Sequential(nn.Embedding(30, 6), nn.Flatten(), nn.Linear(60, 2))
logits = model(torch.randint(0, 30, (4, 10)))
)";
  auto m = analyze_py(text, "seq.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[4, 2]");
  CHECK(m.analysis.totals.params == 30 * 6 + 60 * 2 + 2);
  auto sized =
      analyze_py(replaced(text, "torch.randint(0, 30, (4, 10))", "torch.randint(30, size=(3, 10))"),
                 "seq.py", "");
  REQUIRE(sized.exit == ExitCode::Ok);
  CHECK(out_shape(sized) == "[3, 2]");
}

TEST_CASE("Embedding's forward: the rows of its table, the input drawn as indices below it") {
  auto m = check_ns(
      "model M\ninput tokens: [2, 6]\ne = Embedding(7, 3)(tokens)\nf = flatten(1)\n"
      "fc = Linear(18, 2)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions opts;
  opts.keep_outputs = true;
  ExecResult r = execute(m.analysis, opts);
  REQUIRE(r.error.empty());
  REQUIRE(r.inputs.size() == 1);
  const Tensor& tokens = r.inputs[0].second;
  bool all_indices = true;
  for (float v : tokens.data) all_indices = all_indices && v >= 0 && v < 7 && v == std::floor(v);
  CHECK(all_indices);
  const Tensor& e = tensor_named(r.outputs, "e");
  const Tensor& table = tensor_named(r.weights, "e.weight");
  REQUIRE(e.shape == std::vector<int64_t>{2, 6, 3});
  for (size_t i = 0; i < tokens.data.size(); ++i) {
    auto row = static_cast<size_t>(tokens.data[i]);
    for (size_t k = 0; k < 3; ++k) CHECK(e.data[i * 3 + k] == table.data[row * 3 + k]);
  }
}

// model.parameters() counts an Embedding forward never applies (PyTorch: 800 + 12); prose after
// an input's shape is no dtype even when it starts with a dtype's name.
TEST_CASE("Embedding: an unapplied table counts, and only a dtype ending the comment is read") {
  const std::string unused = R"(import torch.nn as nn

# input: [B, 5]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 8)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc(x)
)";
  auto m = analyze_py(unused, "unused.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 812);
  auto prose = analyze_py(
      "import torch.nn as nn\n# input: [B, 3, 32, 32] half resolution\n"
      "model = nn.Sequential(nn.Conv2d(3, 8, 3))\n",
      "prose.py", "");
  REQUIRE(prose.exit == ExitCode::Ok);
  CHECK(out_shape(prose) == "[B, 8, 30, 30]");
  auto variable = analyze_py(
      "import torch\nimport torch.nn as nn\nmodel = nn.Sequential(nn.Embedding(30, 6))\n"
      "ids = torch.randint(0, 30, (4, 10))\nout = model(ids)\n",
      "variable.py", "");
  REQUIRE(variable.exit == ExitCode::Ok);
  CHECK(out_shape(variable) == "[4, 10, 6]");
}

// Positions changed with no row of their own are not taken as the arange's: `pos + 1` and
// `pos += 1` read 1..8, which a table of 9 rows holds (PyTorch 1.13 accepts both).
TEST_CASE("Embedding: positions changed after the arange are not checked as the arange's") {
  const std::string model = R"(import torch
import torch.nn as nn

# input: [2, 8] long


class Shifted(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos_emb = nn.Embedding(9, 4)

    def forward(self, idx):
        pos = torch.arange(0, idx.size(1))
        SHIFT
        return self.pos_emb(pos)
)";
  for (const char* shift : {"pos = pos + 1", "pos += 1", "pos.add_(1)"}) {
    CAPTURE(shift);
    auto m = analyze_py(replaced(model, "SHIFT", shift), "shifted.py", "");
    CHECK(m.exit == ExitCode::Ok);
  }
}

// The token ids an Embedding reads through a cat and a repeat of two long inputs: `run` draws
// both inputs as indices below the smaller table (a float drawn for either was an index error).
TEST_CASE("Embedding's forward: inputs read through cat, stack and repeat are drawn as indices") {
  auto m = analyze_py(R"(import torch
import torch.nn as nn

# input: [2, 6] long
# input: [2, 6] long


class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.small = nn.Embedding(5, 4)
        self.large = nn.Embedding(50, 4)

    def forward(self, a, b):
        both = torch.cat([a, b], dim=1).repeat(1, 2)
        stacked = torch.stack([a, b])
        return self.large(both).sum() + self.small(stacked).sum()
)",
                      "pair.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions opts;
  opts.keep_outputs = true;
  ExecResult r = execute(m.analysis, opts);
  REQUIRE(r.error.empty());
  CHECK(r.match);
  REQUIRE(r.inputs.size() == 2);
  for (const auto& input : r.inputs) {
    const std::string& name = input.first;
    CAPTURE(name);
    bool below_small = true;
    for (float v : input.second.data)
      below_small = below_small && v >= 0 && v < 5 && v == std::floor(v);
    CHECK(below_small);
  }
}

// torchinfo's summary(model, input_size=(2, 10), dtypes=[torch.long]) gives token ids (it was
// read as a float input: PyTorch's embedding error, which the real call does not raise).
TEST_CASE("Embedding: summary's dtypes= gives the input's dtype") {
  const std::string model = R"(import torch
import torch.nn as nn
from torchinfo import summary

model = nn.Sequential(nn.Embedding(30, 6), nn.Flatten(), nn.Linear(60, 2))
summary(model, input_size=(2, 10)DTYPES)
)";
  auto ids = analyze_py(replaced(model, "DTYPES", ", dtypes=[torch.long]"), "s.py", "");
  REQUIRE(ids.exit == ExitCode::Ok);
  CHECK(out_shape(ids) == "[2, 2]");
  CHECK(ids.analysis.totals.params == 30 * 6 + 60 * 2 + 2);
  auto floats = analyze_py(replaced(model, "DTYPES", ""), "s.py", "");
  CHECK(floats.exit == ExitCode::ShapeError);
}

// F.embedding(ids, weight) is not followed: its help says how to write it as nn.Embedding (a
// cast to float, the general advice, is PyTorch's error for a lookup).
TEST_CASE("Embedding: F.embedding is refused with the nn.Embedding it can be written as") {
  auto m = analyze_py(R"(import torch
import torch.nn as nn
import torch.nn.functional as F

# input: [2, 6] long


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.randn(10, 4))

    def forward(self, ids):
        return F.embedding(ids, self.table)
)",
                      "f.py", "");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).help.find("`self.emb = nn.Embedding(num_embeddings, embedding_dim)`") !=
        std::string::npos);
}

// torchinfo's input_size holds the batch ("include batch size in the tuple"); torchsummary's
// leaves it out. Which one a file calls is read from its imports.
TEST_CASE("summary(): torchinfo's input_size holds the batch, torchsummary's does not") {
  const std::string model = R"(import torch.nn as nn
IMPORT

model = nn.Sequential(nn.Linear(784, 10))
CALL(model, (1, 784))
)";
  struct Case {
    const char* import;
    const char* call;
    const char* shape;
  };
  for (const Case& c :
       {Case{"from torchinfo import summary", "summary", "[1, 10]"},
        Case{"import torchinfo", "torchinfo.summary", "[1, 10]"},
        Case{"import torchinfo as ti", "ti.summary", "[1, 10]"},
        Case{"from torchsummary import summary", "summary", "[B, 1, 10]"},
        Case{"import torchsummary", "torchsummary.summary", "[B, 1, 10]"},
        Case{"from torchinfo.torchinfo import summary", "summary", "[1, 10]"},
        Case{"from torchinfo import *", "summary", "[1, 10]"},
        Case{"try:\n    from torchinfo import summary\nexcept ImportError:\n    pass", "summary",
             "[1, 10]"},
        // Python rebinds the name: the last import decides
        Case{"from torchinfo import summary\nfrom torchsummary import summary", "summary",
             "[B, 1, 10]"}}) {
    CAPTURE(c.import);
    auto m = analyze_py(replaced(replaced(model, "IMPORT", c.import), "CALL", c.call), "s.py", "");
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
  }
  // which runs is not known: no shape is taken from the call (netshape asks for one)
  auto either = analyze_py(
      replaced(replaced(model, "IMPORT",
                        "try:\n    from torchinfo import summary\nexcept ImportError:\n    from "
                        "torchsummary import summary"),
               "CALL", "summary"),
      "s.py", "");
  CHECK(either.exit != ExitCode::Ok);
  CHECK(first_error(either).message == "the shape of input 'x' is not given");
}

// A slice shares the memory it slices: a write into `pos[10:]` changes pos (PyTorch 1.13 runs
// this model: pos becomes 0..9 then two small ids). The write is not followed, so pos's values
// are no longer taken as the arange's.
TEST_CASE("Embedding: a write through a slice of the positions drops what is known of them") {
  const std::string model = R"(import torch
import torch.nn as nn

# input: [2, 12] long


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)

    def forward(self, idx):
        pos = torch.arange(12)
        v = pos[10:]
        WRITE
        return self.emb(pos)
)";
  for (const char* write : {"v -= idx[0, :2] + 10", "v.masked_fill_(v > 9, 0)"}) {
    CAPTURE(write);
    auto m = analyze_py(replaced(model, "WRITE", write), "m.py", "");
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[12, 4]");
  }
}

// PyTorch 1.13 with max_norm: a float input is refused by the renorm step's check first.
TEST_CASE("Embedding in a .py file: float indices with max_norm are embedding_renorm_'s error") {
  auto m = analyze_py(R"(import torch.nn as nn

# input: [2, 6]


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4, max_norm=1.0)

    def forward(self, x):
        return self.emb(x)
)",
                      "m.py", "");
  CHECK(first_error(m).message ==
        "Expected tensor for argument #2 'indices' to have one of the following scalar types: "
        "Long, Int; but got torch.FloatTensor instead (while checking arguments for "
        "embedding_renorm_)");
}

// torch.arange(-0.5, 7.5, dtype=torch.long) is 7 elements in PyTorch 1.13, dtype=torch.int32 8:
// a fractional bound with an integer dtype is refused in forward; without a dtype it is float32.
TEST_CASE("python: torch.arange with fractional bounds and an integer dtype is refused") {
  const std::string model = R"(import torch
import torch.nn as nn

# input: [2, 8]


class M(nn.Module):
    def forward(self, x):
        return torch.arange(-0.5, 7.5DTYPE)
)";
  for (const char* dtype : {", dtype=torch.long", ", dtype=torch.int32"}) {
    CAPTURE(dtype);
    auto m = analyze_py(replaced(model, "DTYPE", dtype), "m.py", "");
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message ==
          "unsupported Python construct: torch.arange with a fractional "
          "bound and an integer dtype");
  }
  auto floats = analyze_py(replaced(model, "DTYPE", ""), "m.py", "");
  REQUIRE(floats.exit == ExitCode::Ok);
  CHECK(out_shape(floats) == "[8]");
}

// Positions moved by whole numbers (`torch.arange(t) + 1`, fairseq-style positions past a padding
// row; `* 2`, `- 3`) keep their range and order: one outside the table is the forward's error
// (PyTorch 1.13 on the same model), and so do positions clamped at whole numbers or
// floor-divided by a positive one; a step netshape does not follow (`% 8`, `+ 0.5` then a cast)
// leaves them unknown, unchecked.
TEST_CASE(
    "Embedding in a .py file: positions moved by whole numbers are checked against the table") {
  const std::string model = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Embedding(8, 4, max_norm=MAX_NORM)

    def forward(self, x):
        # input x: [2, 8] long
        return self.pos(POSITIONS)
)";
  auto read = [&](const std::string& positions, const std::string& max_norm = "None") {
    std::string text = model;
    text.replace(text.find("MAX_NORM"), 8, max_norm);
    text.replace(text.find("POSITIONS"), 9, positions);
    return analyze_text(text, "pos.py", {});
  };
  for (const char* beyond : {"torch.arange(8) + 1", "torch.arange(8) - 3", "torch.arange(8) * 2",
                             "torch.arange(4) * 3 - 1", "torch.arange(8).unsqueeze(0) + 1",
                             "torch.arange(8).int() + 1"}) {
    CAPTURE(beyond);
    LoadedModel m = read(beyond);
    CHECK(m.exit == ExitCode::ShapeError);
    CHECK(first_error(m).message == "index out of range in self");
  }
  // the renorm's select names the first beyond the table, in increasing order
  CHECK(first_error(read("torch.arange(8) * 2", "1.0")).message ==
        "select(): index 8 out of range for tensor of size [8, 4] at dimension 0");
  CHECK(first_error(read("torch.arange(8) - 10", "1.0")).message ==
        "select(): index -10 out of range for tensor of size [8, 4] at dimension 0");
  CHECK(first_error(read("torch.arange(8) + 3", "1.0")).message ==
        "select(): index 8 out of range for tensor of size [8, 4] at dimension 0");
  // clamped at a whole number, or floor-divided by a positive one, they keep a range
  for (const char* beyond :
       {"(torch.arange(8) + 3).clamp(max=9)", "torch.arange(0, 16, 2).clamp(2, 10)",
        "torch.arange(20) // 2", "torch.arange(0, 40, 4) // 2",
        "(torch.arange(8) + 5).clamp(0, 10)", "torch.arange(0, 16, 2).clamp(20, 30)"}) {
    CAPTURE(beyond);
    LoadedModel m = read(beyond);
    CHECK(m.exit == ExitCode::ShapeError);
    CHECK(first_error(m).message == "index out of range in self");
    LoadedModel renormed = read(beyond, "1.0");
    CHECK(renormed.exit == ExitCode::ShapeError);
    CHECK(first_error(renormed).message ==
          fmt::format("select(): index {} out of range for tensor of size [8, 4] at dimension 0",
                      std::string_view(beyond).find("20, 30") == std::string_view::npos ? 8 : 20));
  }
  for (const char* below : {"(torch.arange(8) - 5).clamp(min=-9)", "torch.arange(-6, 8) // 2"}) {
    CAPTURE(below);
    CHECK(first_error(read(below, "1.0")).message == "index out of range in self");
  }
  for (const char* inside :
       {"torch.arange(8) - 0", "torch.arange(4) * 2 + 1", "(torch.arange(8) + 1) - 1",
        "(torch.arange(8) + 1) % 8", "(torch.arange(8) + 1).clamp(max=7)", "torch.arange(16) // 2",
        "(torch.arange(8) - 3).clamp(min=0)"}) {
    CAPTURE(inside);
    LoadedModel m = read(inside);
    CHECK(m.exit == ExitCode::Ok);
  }
}

// nn.Embedding.from_pretrained(weights) (GloVe-style tables): the layer of the table's sizes,
// frozen unless freeze=False, its other arguments passed on as PyTorch's classmethod passes them
// (PyTorch 1.13 on the same model: 5,153 params, 153 trainable when frozen).
TEST_CASE("Embedding.from_pretrained: a layer of the table's sizes, frozen by default") {
  const std::string model = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        weights = torch.randn(100, 50)
        self.emb = BODY
        self.fc = nn.Linear(50, 3)

    def forward(self, x):
        # input x: [4, 7] long
        return self.fc(self.emb(x))
)";
  struct Case {
    const char* body;
    const char* shape;
    int64_t trainable;
  };
  const Case cases[] = {
      {"nn.Embedding.from_pretrained(weights)", "[4, 7, 3]", 153},
      {"nn.Embedding.from_pretrained(weights, freeze=False)", "[4, 7, 3]", 5153},
      {"nn.Embedding.from_pretrained(weights, False, 0)", "[4, 7, 3]", 5153},
      {"nn.Embedding.from_pretrained(embeddings=weights, padding_idx=1, max_norm=1.0)", "[4, 7, 3]",
       153},
      {"nn.EmbeddingBag.from_pretrained(weights, mode='sum')", "[4, 3]", 153},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    LoadedModel m = analyze_text(replaced(model, "BODY", c.body), "m.py", {});
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == 5153);
    CHECK(m.analysis.totals.trainable_params == c.trainable);
  }
  const std::pair<const char*, const char*> errors[] = {
      {"nn.Embedding.from_pretrained(weights[0])",
       "Embeddings parameter is expected to be 2-dimensional"},
      {"nn.Embedding.from_pretrained(weights, foo=1)",
       "Embedding.from_pretrained() got an unexpected keyword argument 'foo'"},
      {"nn.Embedding.from_pretrained(weights, True, 0, None, 2.0, False, False, 3)",
       "Embedding.from_pretrained() takes from 2 to 8 positional arguments but 9 were given"},
      {"nn.Embedding.from_pretrained(weights, True, freeze=False)",
       "Embedding.from_pretrained() got multiple values for argument 'freeze'"},
      {"nn.Embedding.from_pretrained()",
       "Embedding.from_pretrained() missing 1 required positional argument: 'embeddings'"},
      // the layer makes the table its nn.Parameter
      {"nn.Embedding.from_pretrained(torch.arange(5000).view(100, 50))",
       "Only Tensors of floating point and complex dtype can require gradients"},
      {"nn.EmbeddingBag.from_pretrained(weights.long())",
       "Only Tensors of floating point and complex dtype can require gradients"},
      // a float64 table makes float64 outputs, which netshape's layers do not follow: refused
      {"nn.Embedding.from_pretrained(weights.double())",
       "unsupported Python construct: nn.Embedding.from_pretrained of a torch.float64 table"},
  };
  for (const auto& e : errors) {
    CAPTURE(e.first);
    LoadedModel m = analyze_text(replaced(model, "BODY", e.first), "m.py", {});
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message == e.second);
  }
  // the layer's own check, as PyTorch's __init__ makes it
  LoadedModel beyond = analyze_text(
      replaced(model, "BODY", "nn.Embedding.from_pretrained(weights, padding_idx=200)"), "m.py",
      {});
  CHECK(beyond.exit == ExitCode::ShapeError);
  CHECK(first_error(beyond).message == "Padding_idx must be within num_embeddings");
}
