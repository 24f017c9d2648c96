// Blocks in the model language: definition, expansion into modules, repeats, Sequential, and an
// error for every block mistake, pointing inside the block and at the use. Expected numbers are
// PyTorch 1.13's for the same modules (a Conv2d(16, 32, 3) has 16*32*9+32 = 4,640 parameters).
#include <doctest/doctest.h>

#include <string>

#include "netshape/grouping.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::first_error;
using netshape::test::out_shape;

namespace {

// A residual block with a projection shortcut when the shape changes; used below as
// `layer1 = Sequential(Down(16, 32, 2), Plain(32) * 2)`.
const std::string kResidual = R"(model Tiny
input x: [2, 16, 32, 32]

block Plain(c):
  conv1 = Conv2d(c, c, 3, padding=1, bias=False)
  bn1 = BatchNorm2d(c)
  relu = ReLU()
  conv2 = Conv2d(c, c, 3, padding=1, bias=False)
  bn2 = BatchNorm2d(c)
  sum = add(bn2, x)
  out = ReLU()(sum)
end

block Down(cin, cout, stride=2):
  conv1 = Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
  bn1 = BatchNorm2d(cout)
  relu = ReLU()
  conv2 = Conv2d(cout, cout, 3, padding=1, bias=False)
  bn2 = BatchNorm2d(cout)
  downsample = Sequential(Conv2d(cin, cout, 1, stride=stride, bias=False), BatchNorm2d(cout))(x)
  sum = add(bn2, downsample)
  out = ReLU()(sum)
end

stem = Plain(16)
layer1 = Sequential(Down(16, 32), Plain(32) * 2)
pool = AdaptiveAvgPool2d(1)
flat = flatten(1)
fc = Linear(32, 10)
)";

const LayerInfo* layer(const LoadedModel& m, const std::string& name) {
  for (const LayerInfo& l : m.analysis.layers)
    if (l.name == name) return &l;
  return nullptr;
}

std::string rendered(const LoadedModel& m) {
  return render_diagnostics(m);
}

}  // namespace

TEST_CASE("blocks: a residual network expands to named_modules() paths with PyTorch's counts") {
  LoadedModel m = check_ns(kResidual);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 10]");
  // stem: 2 convs 16*16*9 = 2,304 each, 2 BatchNorm2d(16) 32 each
  // layer1.0: 16*32*9 + 32*32*9 + 16*32 (projection) + 3 BatchNorm2d(32) = 4,608+9,216+512+192
  // layer1.1, layer1.2: 2 * (9,216 + 64) each; fc 330
  CHECK(m.analysis.totals.params == 4672 + 14528 + 2 * 18560 + 330);
  const LayerInfo* shortcut = layer(m, "layer1.0.downsample.0");
  REQUIRE(shortcut);
  CHECK(shortcut->params == 512);
  CHECK(to_string(*shortcut->output) == "[2, 32, 16, 16]");
  REQUIRE(test::input_names(m.analysis, *shortcut).size() == 1);
  CHECK(test::input_names(m.analysis, *shortcut)[0] ==
        "stem.out");  // the block's `x`: the use's input
  const LayerInfo* sum = layer(m, "layer1.2.sum");
  REQUIRE(sum);
  CHECK(test::input_names(m.analysis, *sum) ==
        std::vector<std::string>{"layer1.2.bn2", "layer1.1.out"});
  CHECK(test::input_names(m.analysis, *layer(m, "pool"))[0] ==
        "layer1.2.out");  // a use's output: its last layer
  // conv1 of layer1.0: 16*32*9 multiplies per output element of [2, 32, 16, 16]
  CHECK(layer(m, "layer1.0.conv1")->macs == int64_t{4608} * 16 * 16 * 2);
}

TEST_CASE("blocks: --depth 1 gives one row per top-level use, --depth 2 one per instance") {
  LoadedModel m = check_ns(kResidual);
  REQUIRE(m.graph);
  Grouping g1 = group_layers(m.analysis, *m.graph, 1);
  std::vector<std::string> names;
  std::string all;
  for (const ModuleRow& r : g1.rows) {
    names.push_back(r.name + ":" + r.kind);
    all += names.back() + " ";
  }
  CAPTURE(all);
  CHECK(names == std::vector<std::string>{":Tiny", "stem:Plain", "layer1:Sequential",
                                          "pool:AdaptiveAvgPool2d", "flat:flatten", "fc:Linear"});
  CHECK(g1.rows[2].params == 14528 + 2 * 18560);
  CHECK(to_string(*g1.rows[2].output) == "[2, 32, 16, 16]");
  Grouping g2 = group_layers(m.analysis, *m.graph, 2);
  int instances = 0;
  for (const ModuleRow& r : g2.rows) instances += r.depth == 2 && r.name.rfind("layer1.", 0) == 0;
  CHECK(instances == 3);
}

TEST_CASE("blocks: parameters take defaults, keywords and arithmetic, and blocks use blocks") {
  LoadedModel m = check_ns(R"(input x: [1, 8, 16, 16]
block ConvBN(cin, cout, k=3, stride=1):
  conv = Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)
  bn = BatchNorm2d(cout)
end
block Wide(c, factor=4):
  a = ConvBN(c, c * factor, k=1)
  b = ConvBN(c * factor, c, stride=2)
end
w = Wide(8)
w2 = Wide(8, factor=2)
)");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(layer(m, "w.a.conv")->params == 8 * 32);
  CHECK(to_string(*layer(m, "w.b.conv")->output) == "[1, 8, 8, 8]");
  CHECK(layer(m, "w.b.conv")->params == 32 * 8 * 9);
  CHECK(layer(m, "w2.a.conv")->params == 8 * 16);
  CHECK(out_shape(m) == "[1, 8, 4, 4]");
}

TEST_CASE("blocks: several inputs and outputs, a repeat, and unnamed uses") {
  LoadedModel m = check_ns(R"(input x: [1, 4, 8, 8]
input skip: [1, 4, 8, 8]
block Merge(c):
  input a, b
  s = add(a, b)
  c1 = Conv2d(c, c, 1)(s)
  c2 = Conv2d(c, 2 * c, 1)(s)
  output c1, c2
end
block Act():
  relu = ReLU()
end
p, q = Merge(4)(x, skip)
Act() * 3
cat = cat([p, q], 1)
output cat
)");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[1, 12, 8, 8]");
  CHECK(layer(m, "act2.2.relu"));  // `<op><position>` names an unnamed use, as a layer
  CHECK(test::input_names(m.analysis, *layer(m, "act2.0.relu"))[0] ==
        "p.c1");  // after several outputs: the first
  CHECK(test::input_names(m.analysis, *layer(m, "act2.1.relu"))[0] == "act2.0.relu");
}

TEST_CASE("blocks: a shape error in the second of three uses points inside and at that use") {
  LoadedModel m = check_ns(R"(input x: [1, 16, 32, 32]
block Block(cin, cout):
  conv = Conv2d(cin, cout, 3, padding=1)
  relu = ReLU()
end
a = Block(16, 32)
b = Block(16, 64)
c = Block(64, 64)
)");
  CHECK(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = first_error(m);
  CHECK(d.span.line == 3);  // the line inside the block
  CHECK(d.message.find("expected input[1, 32, 32, 32] to have 16 channels") != std::string::npos);
  REQUIRE(d.labels.size() == 2);
  CHECK(d.labels[0].span.line == 7);  // cin=16 is passed here
  CHECK(d.labels[0].message == "cin=16 is passed here");
  CHECK(d.labels[1].span.line == 7);  // the use of that instance, not the first or third
  CHECK(d.labels[1].message == "in `b` (Block), applied here");
  CHECK(d.help.find("use b = Block(32, 64)") != std::string::npos);  // the fix is at the use
  CHECK(m.analysis.layers.size() == 3);  // a.conv, a.relu, then b.conv failed
}

namespace {
struct BlockMistake {
  const char* what;
  const char* text;
  int line;
  const char* message;
  const char* help;
};
}  // namespace

TEST_CASE("blocks: every mistake in defining or using one is an error at its place") {
  const std::string head = "input x: [1, 16, 8, 8]\nblock B(cin, cout=8):\n";
  const BlockMistake cases[] = {
      {"too many arguments", "  c = Conv2d(cin, cout, 1)\nend\nB(16, 8, 2)\n", 5,
       "B() takes 2 positional arguments but 3 were given", "the block is B(cin, cout=8)"},
      {"unknown keyword", "  c = Conv2d(cin, cout, 1)\nend\nB(16, cot=8)\n", 5,
       "B() got an unexpected keyword argument 'cot'", "did you mean 'cout'?"},
      {"missing argument", "  c = Conv2d(cin, cout, 1)\nend\nB(cout=4)\n", 5,
       "B() missing required argument: 'cin'", "the block is B(cin, cout=8)"},
      {"a parameter used as a tensor", "  c = Conv2d(cin, cout, 1)(cin)\nend\nB(16)\n", 3,
       "'cin' is a parameter of block `B`, not a tensor", "apply the layer to a tensor: x"},
      {"an undefined name", "  c = Conv2d(cin, cout, 1)\n  d = add(c, missing)\nend\nB(16)\n", 4,
       "name 'missing' is not defined in block `B`",
       "a block sees its inputs, layers and parameters"},
      {"output naming nothing", "  c = Conv2d(cin, cout, 1)\n  output result\nend\nB(16)\n", 4,
       "`output result` names no tensor of block `B`", "name one of the block's inputs or layers"},
      {"recursion", "  c = B(cin)\nend\nB(16)\n", 3, "block `B` uses itself",
       "a block cannot use itself, directly or through other blocks"},
      {"no end", "  c = Conv2d(cin, cout, 1)\n", 2, "block `B` has no `end`",
       "close the block with a line `end`"},
      {"a name used twice", "  c = Conv2d(cin, cout, 1)\n  c = ReLU()\nend\nB(16)\n", 4,
       "the name 'c' is used twice in block `B`", "rename this one, e.g. `c_2 = ...`"},
      {"a tensor as an argument", "  c = Conv2d(cin, cout, 1)\nend\nB(x)\n", 5,
       "B() argument 'cin' is the name 'x'", "apply the block to the tensor: `B(...)(x)`"},
      {"used before its definition", "  c = Conv2d(cin, cout, 1)\nend\nA(1)\nblock A(c):\nend\n", 5,
       "block `A` is used before its definition", "move `block A(...):` above its first use"},
      {"inputs that do not match", "  input a, b\n  c = add(a, b)\nend\nB(16)\n", 6,
       "block `B` takes 2 input tensors but 1 was given", "apply it to its inputs: `B(...)(a, b)`"},
      {"a function in Sequential",
       "  c = Conv2d(cin, cout, 1)\nend\nSequential(B(16), flatten(1))\n", 5,
       "`flatten` is a function; Sequential holds modules", "use its module"},
      {"a layer named as a parameter", "  cout = Conv2d(cin, cout, 1)\nend\nB(16)\n", 3,
       "'cout' is a parameter of block `B`; a layer cannot take its name",
       "rename the layer, e.g. `cout_out = ...`"},
      {"a negative repeat", "  c = Conv2d(cin, cout, 1)\nend\nB(16) * -1\n", 5,
       "a repeat count is a whole number, found -1", "write `B(...) * 3`"},
      {"two modules of Sequential with one name",
       "  c = Conv2d(cin, cout, 1)\nend\nSequential(a=B(16), ReLU(), a=ReLU())\n", 5,
       "two modules of Sequential are named 'a'", "give each its own name"},
  };
  for (const BlockMistake& c : cases) {
    LoadedModel m = check_ns(head + c.text);
    std::string what = c.what;
    CAPTURE(what);
    CAPTURE(rendered(m));
    CHECK(m.exit == ExitCode::UsageOrParse);
    const Diagnostic& d = first_error(m);
    CHECK(d.span.line == c.line);
    CHECK(d.message.find(c.message) != std::string::npos);
    CHECK(d.help.find(c.help) != std::string::npos);
    CHECK(m.diags.error_count() == 1);  // one mistake, one message
  }
}

TEST_CASE("blocks: an error in a block's body is shown once, with the use, not at every use") {
  LoadedModel m = check_ns(R"(input x: [1, 4, 8, 8]
block B(c):
  conv = Conv2d(c, c, 1)(y)
end
a = B(4)
b = B(4)
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(m.diags.error_count() == 1);
  const Diagnostic& d = first_error(m);
  CHECK(d.span.line == 3);
  REQUIRE(d.labels.size() == 1);
  CHECK(d.labels[0].message == "in `a` (B), used here");
  CHECK(rendered(m).find("t.ns:5:5: note: in `a` (B), used here") != std::string::npos);
}

TEST_CASE("blocks: expansion is bounded: repeats of repeats stop at the limit with an error") {
  LoadedModel m = check_ns(R"(input x: [1, 4, 8, 8]
block A():
  r = ReLU() * 1000
end
block C():
  a = A() * 1000
end
C()
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message.find("expand to more than 250,000 layers and modules") !=
        std::string::npos);
}

TEST_CASE("blocks: a name is given once, whether a layer's or a use's") {
  const std::string head = "input x: [1, 4, 8, 8]\nblock B(c):\n  conv = Conv2d(c, c, 1)\nend\n";
  struct Twice {
    const char* text;
    int line;
  };
  const Twice cases[] = {
      {"a = B(4)\na = B(4)\n", 6},          // two uses
      {"a = B(4)\na = ReLU()\n", 6},        // a layer after a use of that name
      {"a = ReLU()\na = B(4)\n", 6},        // a use after a layer of that name
      {"p, p = Sequential(B(4))(x)\n", 5},  // not a multi-output use, but named twice
  };
  for (const Twice& c : cases) {
    LoadedModel m = check_ns(head + c.text);
    std::string text = c.text;
    CAPTURE(text);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).span.line == c.line);
  }
  // Unnamed uses inside a block get their own names: two unnamed uses are two modules.
  LoadedModel ok = check_ns(head + "block Two(c):\n  B(c)\n  B(c)\nend\nt = Two(4)\n");
  REQUIRE(ok.exit == ExitCode::Ok);
  CHECK(ok.analysis.layers.size() == 2);
  CHECK(ok.analysis.layers[0].name == "t.b1.conv");
  CHECK(ok.analysis.layers[1].name == "t.b2.conv");
}

// A use with the same values as an earlier one is copied from it, not read again
// (ns_expansion.hpp): everything below must be what reading the body again would make.
TEST_CASE("blocks: a use copied from an earlier one points at its own use site") {
  LoadedModel m = check_ns(R"(input x: [1, 16, 32, 32]
block Block(cin, cout):
  conv = Conv2d(cin, cout, 3, padding=1)
  relu = ReLU()
end
a = Block(16, 16)
b = Block(16, 16)
widen = Conv2d(16, 32, 1)
c = Block(16, 16)
)");
  CHECK(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = first_error(m);
  CHECK(d.span.line == 3);
  CHECK(d.message.find("expected input[1, 32, 32, 32] to have 16 channels") != std::string::npos);
  REQUIRE(d.labels.size() == 2);
  CHECK(d.labels[0].span.line == 9);  // the third use's argument, not the first use's
  CHECK(d.labels[0].message == "cin=16 is passed here");
  CHECK(d.labels[1].span.line == 9);
  CHECK(d.labels[1].message == "in `c` (Block), applied here");
  CHECK(d.help.find("use c = Block(32, 16)") != std::string::npos);
  CHECK(test::input_names(m.analysis, *layer(m, "b.conv"))[0] == "a.relu");
  CHECK(test::input_names(m.analysis, *layer(m, "c.conv"))[0] == "widen");
}

TEST_CASE("blocks: copied uses keep nested blocks, Sequential, several inputs and the origins") {
  LoadedModel m = check_ns(R"(input x: [1, 8, 16, 16]
input skip: [1, 8, 16, 16]
block ConvBN(cin, cout):
  conv = Conv2d(cin, cout, 3, padding=1, bias=False)
  bn = BatchNorm2d(cout)
end
block Pair(c):
  input a, b
  s = add(a, b)
  f = ConvBN(c, c)(s)
  g = Sequential(ConvBN(c, c), ReLU())(s)
  output f, g
end
p, q = Pair(8)(x, skip)
r, t = Pair(8)(q, p)
u, v = Pair(8)(t, r)
fc = Conv2d(4, 4, 1)(v)
)");
  CHECK(m.exit == ExitCode::ShapeError);
  // The three uses: each reads its own inputs, each instance owns its parameters.
  // (a use's path is its first target's name: `r, t = Pair(8)(q, p)` is module `r`)
  CHECK(test::input_names(m.analysis, *layer(m, "r.s")) ==
        std::vector<std::string>{"p.g.1", "p.f.bn"});
  CHECK(test::input_names(m.analysis, *layer(m, "u.s")) ==
        std::vector<std::string>{"r.g.1", "r.f.bn"});
  CHECK(test::input_names(m.analysis, *layer(m, "u.g.0.conv"))[0] == "u.s");
  CHECK(layer(m, "u.g.0.conv")->params == 8 * 8 * 9);
  CHECK(m.analysis.totals.params == 3 * 2 * (8 * 8 * 9 + 16));  // before fc fails
  REQUIRE(m.graph);
  Grouping g3 = group_layers(m.analysis, *m.graph, 3);
  std::vector<std::string> paths;
  for (const ModuleRow& r : g3.rows)
    if (r.name.rfind("u", 0) == 0) paths.push_back(r.name + ":" + r.kind);
  CHECK(paths == std::vector<std::string>{"u:Pair", "u.s:add", "u.f:ConvBN", "u.f.conv:Conv2d",
                                          "u.f.bn:BatchNorm2d", "u.g:Sequential", "u.g.0:ConvBN",
                                          "u.g.1:ReLU"});
  const Diagnostic& d = first_error(m);
  CHECK(d.span.line == 17);
}

TEST_CASE("blocks: an error in a nested block of a copied use names that use") {
  LoadedModel m = check_ns(R"(input x: [1, 8, 16, 16]
block Inner(c):
  conv = Conv2d(c, c, 1)
end
block Outer(c):
  i = Inner(c)
end
a = Outer(8)
b = Outer(8)
up = Conv2d(8, 4, 1)
c = Outer(8)
)");
  CHECK(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = first_error(m);
  CHECK(d.span.line == 3);
  std::string labels;
  for (const Label& l : d.labels) labels += std::to_string(l.span.line) + ":" + l.message + "\n";
  CAPTURE(labels);
  // c=8 came from the third use of Outer (line 11) through Inner's use (line 6).
  CHECK(labels.find("11:") != std::string::npos);
  CHECK(labels.find("8:") == std::string::npos);
  CHECK(labels.find("9:") == std::string::npos);
  CHECK(d.help.find("c = Outer(4)") != std::string::npos);
}

TEST_CASE("blocks: a copy is not made where reading the body would fail") {
  SUBCASE("a block that uses itself through a block already expanded without it") {
    // B's first use expands D(0), which repeats B zero times; D(1) then uses B, which uses D.
    LoadedModel m = check_ns(R"(input x: [1, 4, 8, 8]
block B(n):
  d = D(n)
end
block D(n):
  b = B(0) * n
  r = ReLU()
end
first = B(0)
second = D(1)
)");
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message.find("uses itself") != std::string::npos);
  }
  SUBCASE("nesting too deep where the copy would land, though not where it was read") {
    // L0 .. L32 each use the one before; `small = L4(1)` expands L0..L4 near the top first.
    std::string text = "input x: [1, 4, 8, 8]\nblock L0(n):\n  r = ReLU()\nend\n";
    for (int i = 1; i <= 32; ++i)
      text +=
          "block L" + std::to_string(i) + "(n):\n  l = L" + std::to_string(i - 1) + "(n)\nend\n";
    LoadedModel alone = check_ns(text + "deep = L32(1)\n");
    LoadedModel copied = check_ns(text + "small = L4(1)\ndeep = L32(1)\n");
    CHECK(alone.exit == ExitCode::UsageOrParse);
    CHECK(copied.exit == ExitCode::UsageOrParse);
    CHECK(first_error(copied).message == first_error(alone).message);
    CHECK(first_error(copied).message.find("more than 32 deep") != std::string::npos);
  }
}
