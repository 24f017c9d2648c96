// einops (rearrange, repeat, reduce, and its torch layers Rearrange and Reduce): the recipe einops
// 0.8's torch backend follows for a pattern, its errors word for word, and models that use it.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../../src/frontend/einops_recipe.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

namespace netshape::test {
namespace {

Shape shape_of(std::vector<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.push_back(fixed(d));
  return s;
}

std::string dims_text(const std::vector<Dim>& dims) {
  Shape s;
  for (const Dim& d : dims) s.push_back(d);
  return to_string(s);
}

einops::Recipe recipe_of(const std::string& pattern, const std::string& operation,
                         const std::vector<einops::AxisLength>& lengths, const Shape& shape) {
  einops::Error error;
  auto r = einops::recipe(pattern, operation, lengths, shape, error);
  std::string why = pattern + ": " + error.message;
  INFO(why);
  REQUIRE(r);
  return *r;
}

std::string error_of(const std::string& pattern, const std::string& operation,
                     const std::vector<einops::AxisLength>& lengths, const Shape& shape) {
  einops::Error error;
  auto r = einops::recipe(pattern, operation, lengths, shape, error);
  CHECK_FALSE(r);
  return error.message;
}

}  // namespace

TEST_CASE("einops recipes are the torch calls einops makes, and only those it makes") {
  // ViT's patch embedding: split h and w into patches, move them last, merge
  einops::Recipe patches =
      recipe_of("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", "rearrange",
                {{"p1", fixed(4)}, {"p2", fixed(4)}}, shape_of({2, 3, 32, 32}));
  REQUIRE(patches.init_shape);
  CHECK(dims_text(*patches.init_shape) == "[2, 3, 8, 4, 8, 4]");
  CHECK(*patches.permutation == std::vector<int64_t>{0, 2, 4, 3, 5, 1});
  REQUIRE(patches.final_shape);
  CHECK(dims_text(*patches.final_shape) == "[2, 64, 48]");

  // heads split off: a reshape and a permute, no last reshape
  einops::Recipe heads =
      recipe_of("b n (h d) -> b h n d", "rearrange", {{"h", fixed(4)}}, shape_of({2, 65, 256}));
  CHECK(dims_text(*heads.init_shape) == "[2, 65, 4, 64]");
  CHECK(*heads.permutation == std::vector<int64_t>{0, 2, 1, 3});
  CHECK_FALSE(heads.final_shape);

  // a permute alone
  einops::Recipe moved = recipe_of("a b c -> c a b", "rearrange", {}, shape_of({2, 3, 4}));
  CHECK_FALSE(moved.init_shape);
  CHECK(*moved.permutation == std::vector<int64_t>{2, 0, 1});
  CHECK_FALSE(moved.final_shape);

  // a global average pool: the reduced axes last, nothing moved
  einops::Recipe pooled = recipe_of("b c h w -> b c", "mean", {}, shape_of({2, 16, 8, 8}));
  CHECK_FALSE(pooled.init_shape);
  CHECK_FALSE(pooled.permutation);
  CHECK(pooled.reduced_axes == std::vector<int64_t>{2, 3});
  CHECK_FALSE(pooled.final_shape);

  // the class token repeated over the batch: `1`s are no axes (a reshape drops them, the last
  // puts the right one back), the new axis by unsqueeze and expand
  einops::Recipe tokens =
      recipe_of("1 1 d -> b 1 d", "repeat", {{"b", fixed(2)}}, shape_of({1, 1, 64}));
  CHECK(dims_text(*tokens.init_shape) == "[64]");
  CHECK_FALSE(tokens.permutation);
  REQUIRE(tokens.added.size() == 1);
  CHECK(tokens.added[0].position == 0);
  CHECK(tokens.added[0].length.value == 2);
  CHECK(tokens.axes_after_adding == 2);
  CHECK(dims_text(*tokens.final_shape) == "[2, 1, 64]");

  // an ellipsis stands for the dims no other axis names
  einops::Recipe groups = recipe_of("... (g c) h w -> ... g c h w", "rearrange", {{"g", fixed(4)}},
                                    shape_of({2, 16, 4, 4}));
  CHECK(dims_text(*groups.init_shape) == "[2, 4, 4, 4, 4]");
  CHECK_FALSE(groups.permutation);
  CHECK_FALSE(groups.final_shape);

  // a symbolic batch passes through an axis of its own
  Shape batch = shape_of({1, 65, 256});
  batch[0] = Dim::of_symbol(1, "B");
  einops::Recipe symbolic =
      recipe_of("b n (h d) -> b h n d", "rearrange", {{"h", fixed(4)}}, batch);
  CHECK(dims_text(*symbolic.init_shape) == "[B, 65, 4, 64]");
  // a length read from the tensor (`b=x.shape[0]`) divides the batch out of a group
  Shape doubled = shape_of({1, 6, 8});
  doubled[0] = Dim::of_symbol(2, "B");
  einops::Recipe split =
      recipe_of("(b k) n d -> b k n d", "rearrange", {{"b", Dim::of_symbol(1, "B")}}, doubled);
  CHECK(dims_text(*split.init_shape) == "[B, 2, 6, 8]");
  // 2*B in chunks of 2 is B; in chunks of 4 it depends on B: refused, not guessed
  einops::Recipe halved =
      recipe_of("(b k) n d -> b k n d", "rearrange", {{"k", fixed(2)}}, doubled);
  CHECK(dims_text(*halved.init_shape) == "[B, 2, 6, 8]");
  einops::Error error;
  CHECK_FALSE(
      einops::recipe("(b k) n d -> b k n d", "rearrange", {{"k", fixed(4)}}, doubled, error));
  CHECK(error.kind == einops::Failure::Symbolic);
}

TEST_CASE("einops errors are einops's words") {
  Shape x = shape_of({2, 30});
  struct Case {
    const char* pattern;
    const char* operation;
    std::vector<einops::AxisLength> lengths;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"b (h d) -> b h d",
       "rearrange",
       {{"h", fixed(4)}},
       "Shape mismatch, can't divide axis of length 30 in chunks of 4"},
      {"b (h d) -> b h d",
       "rearrange",
       {{"h", fixed(3)}, {"d", fixed(4)}},
       "Shape mismatch, 30 != 12"},
      {"b c -> b",
       "rearrange",
       {},
       "Identifiers only on one side of expression (should be on "
       "both): {'c'}"},
      {"b c d -> b c d", "rearrange", {}, "Wrong shape: expected 3 dims. Received 2-dim tensor."},
      {"b c d ... -> b c d ...",
       "rearrange",
       {},
       "Wrong shape: expected >=3 dims. Received 2-dim tensor."},
      {"b (c -> b c", "rearrange", {}, "Imbalanced parentheses in expression: \"b (c \""},
      {"b c) -> b c", "rearrange", {}, "Brackets are not balanced"},
      {"b ((c)) -> b c",
       "rearrange",
       {},
       "Axis composition is one-level (brackets inside brackets not allowed)"},
      {"b b -> b", "rearrange", {}, "Indexing expression contains duplicate dimension \"b\""},
      {"b c -> b c.", "rearrange", {}, "Expression may contain dots only inside ellipsis (...)"},
      {"b c -> b c+", "rearrange", {}, "Unknown character '+'"},
      {"b _c -> b _c",
       "rearrange",
       {},
       "Invalid axis identifier: _c\naxis name should should not start or end with underscore"},
      {"b 2c -> b 2c",
       "rearrange",
       {},
       "Invalid axis identifier: 2c\nnot a valid python identifier"},
      {"b c -> b c 2",
       "rearrange",
       {},
       "Non-unitary anonymous axes are not supported in rearrange (exception is length 1)"},
      {"b c -> b c k", "repeat", {}, "Specify sizes for new axes in repeat: {'k'}"},
      {"b c -> b", "repeat", {}, "Unexpected identifiers on the left side of repeat: {'c'}"},
      {"b c -> b c k",
       "mean",
       {},
       "Unexpected identifiers on the right side of reduce mean: {'k'}"},
      {"b c -> b",
       "median",
       {},
       "Unknown reduction median. Expect one of ('min', 'max', 'sum', 'mean', 'prod', 'any', "
       "'all')."},
      {"b c -> c b", "rearrange", {{"k", fixed(2)}}, "Axis k is not used in transform"},
      {"b (h d) -> b h d", "rearrange", {}, "Could not infer sizes for {'d', 'h'}"},
      {"b c -> ... b c",
       "rearrange",
       {},
       "Ellipsis found in right side, but not left side of a pattern b c -> ... b c"},
      {"b c", "rearrange", {}, "not enough values to unpack (expected 2, got 1)"},
      {"b -> c -> d", "rearrange", {}, "too many values to unpack (expected 2)"},
      {"b 0 -> b", "mean", {}, "Anonymous axis should have positive length, not 0"},
  };
  for (const Case& c : cases) {
    INFO(std::string(c.pattern));
    CHECK(error_of(c.pattern, c.operation, c.lengths, x) == c.message);
  }
  // einops finds an axis it cannot infer while it prepares the recipe, before it compares any
  // length: that error comes first, whichever dim is wrong too
  CHECK(error_of("(a b) (c d) -> a b c d", "rearrange", {{"b", fixed(2)}}, shape_of({5, 6})) ==
        "Could not infer sizes for {'c', 'd'}");
  CHECK(error_of("(a b) -> a b", "rearrange", {{"b", fixed(0)}}, shape_of({6})) ==
        "integer modulo by zero");  // Python 3.11's ZeroDivisionError
  // a layer prepares recipes for the ranks it takes: the left side's, or 0 to 7 for `...`
  CHECK(einops::layer_ranks("a b c -> a (b c)") == std::pair<size_t, size_t>{3, 3});
  CHECK(einops::layer_ranks("a ... -> a (...)") == std::pair<size_t, size_t>{1, 8});
}

TEST_CASE("einops to a 0-dim tensor, and its layers given a rank they have no recipe for") {
  const char* const kModel = R"(import torch
from torch import nn
from einops import rearrange
from einops.layers.torch import Rearrange


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Sequential(Rearrange('a b c -> a (b c)'))

    def forward(self, x):
        return rearrange(self.flat(x)[:1, :1], '1 1 -> ')
)";
  LoadedModel m = analyze_py(kModel, "flat.py", "2,3,4");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[]");  // x.reshape([]), as einops's torch backend calls it
  LoadedModel flat = analyze_py(kModel, "flat.py", "2,3");
  CHECK(flat.exit == ExitCode::ShapeError);
  CHECK(first_error(flat).message == "KeyError: 2");  // the layer's forward: recipes by rank
  CHECK(first_error(flat).span.line == 10);
}

TEST_CASE("a ViT written with einops reads as PyTorch runs it") {
  const char* const kVit = R"(import torch
from torch import nn
from einops import rearrange, repeat
from einops.layers.torch import Rearrange


class Attention(nn.Module):
    def __init__(self, dim, heads=4, dim_head=16):
        super().__init__()
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.to_qkv = nn.Linear(dim, dim_head * heads * 3, bias=False)
        self.to_out = nn.Linear(dim_head * heads, dim)

    def forward(self, x):
        qkv = self.to_qkv(x).chunk(3, dim=-1)
        q, k, v = map(lambda t: rearrange(t, 'b n (h d) -> b h n d', h=self.heads), qkv)
        attn = (torch.matmul(q, k.transpose(-1, -2)) * self.scale).softmax(dim=-1)
        out = rearrange(torch.matmul(attn, v), 'b h n d -> b n (h d)')
        return self.to_out(out)


class TinyViT(nn.Module):
    def __init__(self, image_size=32, patch=4, dim=32, classes=10):
        super().__init__()
        patches = (image_size // patch) ** 2
        self.to_patch_embedding = nn.Sequential(
            Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)', p1=patch, p2=patch),
            nn.Linear(3 * patch * patch, dim),
        )
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, patches + 1, dim))
        self.attn = Attention(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, img):
        x = self.to_patch_embedding(img)
        b, n, _ = x.shape
        cls_tokens = repeat(self.cls_token, '1 1 d -> b 1 d', b=b)
        x = torch.cat((cls_tokens, x), dim=1) + self.pos_embedding
        x = self.attn(x) + x
        return self.head(x[:, 0])
)";
  LoadedModel m = analyze_py(kVit, "vit.py", "2,3,32,32");
  REQUIRE(m.exit == ExitCode::Ok);
  // Linear(48, 32) 1,568; cls 32; pos 65 * 32 = 2,080; to_qkv 32 * 192 = 6,144; to_out 64 * 32
  // + 32 = 2,080; head 330
  CHECK(m.analysis.totals.params == 1568 + 32 + 2080 + 6144 + 2080 + 330);
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(std::string(l.op_name) + " " + to_string(*l.output));
  REQUIRE(rows.size() >= 8);
  CHECK(rows[0] == "reshape [2, 3, 8, 4, 8, 4]");
  CHECK(rows[1] == "permute [2, 8, 8, 4, 4, 3]");
  CHECK(rows[2] == "reshape [2, 64, 48]");
  CHECK(rows[3] == "Linear [2, 64, 32]");
  CHECK(rows[4] == "parameter [1, 1, 32]");
  CHECK(rows[5] == "reshape [32]");
  CHECK(rows[6] == "unsqueeze [1, 32]");
  CHECK(rows[7] == "expand [2, 32]");
  CHECK(out_shape(m) == "[2, 10]");

  // a symbolic batch goes through (the repeat's length is the batch read from x.shape)
  LoadedModel batch = analyze_py(kVit, "vit.py", "B,3,32,32");
  REQUIRE(batch.exit == ExitCode::Ok);
  CHECK(out_shape(batch) == "[B, 10]");

  // an image the patches do not divide: einops's error at the layer that holds the pattern
  LoadedModel odd = analyze_py(kVit, "vit.py", "2,3,30,32");
  CHECK(odd.exit == ExitCode::ShapeError);
  CHECK(first_error(odd).message ==
        "Shape mismatch, can't divide axis of length 30 in chunks of 4");
  CHECK(first_error(odd).span.line == 28);

  // the layer is a module of the hierarchy, as named_modules() has it
  std::string depth = render(m, ReportFormat::Table, 2);
  size_t row = depth.find("to_patch_embedding.0 ");
  REQUIRE(row != std::string::npos);
  std::string line = depth.substr(row, depth.find('\n', row) - row);
  CHECK(line.find(" Rearrange ") != std::string::npos);
  CHECK(line.find("[2, 64, 48]") != std::string::npos);
}

TEST_CASE("einops reduce and repeat, as functions and as the Reduce layer") {
  const char* const kPool = R"(import torch
from torch import nn
import einops
from einops import reduce, repeat
from einops.layers.torch import Reduce


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.Sequential(Reduce('b c h w -> b c', 'mean'), nn.Linear(16, 10))

    def forward(self, x):
        y = self.conv(x)
        a = reduce(y, 'b c (h 2) (w 2) -> b c h w', 'max')
        c = repeat(a, 'b c h w -> b c h w k', k=3)
        d = einops.reduce(c, 'b (g c) h w k -> b (g c)', 'sum', g=4)
        return self.pool(y) + d[:, :10]
)";
  LoadedModel m = analyze_py(kPool, "pool.py", "2,3,8,8");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 448 + 170);
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(std::string(l.op_name) + " " + to_string(*l.output));
  const std::vector<std::string> expected = {"Conv2d [2, 16, 8, 8]",
                                             "reshape [2, 16, 4, 2, 4, 2]",
                                             "permute [2, 16, 4, 4, 2, 2]",
                                             "amax [2, 16, 4, 4]",
                                             "unsqueeze [2, 16, 4, 4, 1]",
                                             "expand [2, 16, 4, 4, 3]",
                                             "reshape [2, 4, 4, 4, 4, 3]",
                                             "sum [2, 4, 4]",
                                             "reshape [2, 16]",
                                             "mean [2, 16]",
                                             "Linear [2, 10]",
                                             "narrow [2, 10]",
                                             "add [2, 10]"};
  CHECK(rows == expected);

  // prod reduces one axis at a time, from the last, as einops's torch backend does
  LoadedModel product =
      analyze_py(replaced(kPool, "'b c h w -> b c', 'mean'", "'b c h w -> b c', 'prod'"), "pool.py",
                 "2,3,8,8");
  REQUIRE(product.exit == ExitCode::Ok);
  const auto& layers = product.analysis.layers;
  REQUIRE(layers.size() == expected.size() + 1);
  CHECK(std::string(layers[9].op_name) + " " + to_string(*layers[9].output) == "prod [2, 16, 8]");
  CHECK(std::string(layers[10].op_name) + " " + to_string(*layers[10].output) == "prod [2, 16]");

  // the function's error says what einops's wrapper says
  std::string wrong = replaced(kPool, "'b c (h 2) (w 2) -> b c h w'", "'b c (h 3) w -> b c h w'");
  LoadedModel bad = analyze_py(wrong, "pool.py", "2,3,8,8");
  CHECK(bad.exit == ExitCode::ShapeError);
  const Diagnostic& d = first_error(bad);
  CHECK(d.message == "Shape mismatch, can't divide axis of length 8 in chunks of 3");
  REQUIRE(d.notes.size() == 2);
  CHECK(d.notes[0] ==
        "einops: Error while processing max-reduction pattern \"b c (h 3) w -> b c h w\".");
  CHECK(d.notes[1] == "Input tensor shape: torch.Size([2, 16, 8, 8]). Additional info: {}.");

  // a layer's pattern is checked when it is built
  std::string unknown = replaced(kPool, "'b c h w -> b c', 'mean'", "'b c h w -> b c', 'median'");
  LoadedModel built = analyze_py(unknown, "pool.py", "2,3,8,8");
  CHECK(built.exit == ExitCode::UsageOrParse);
  CHECK(first_error(built).message ==
        "Unknown reduction median. Expect one of ('min', 'max', 'sum', 'mean', 'prod', 'any', "
        "'all').");
  CHECK(first_error(built).span.line == 12);
  CHECK(first_error(built).help ==
        "fix Reduce('b c h w -> b c', 'median'): einops checks its pattern when the layer is "
        "built");
}

}  // namespace netshape::test
