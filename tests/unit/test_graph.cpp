// The resolved graph: module hierarchy, parameter ownership, ids, and errors that point at two
// places (inside a reused module, and at the use whose arguments are wrong).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "netshape/netshape.hpp"

using namespace netshape;

namespace {

// A block used three times; the third use passes the wrong channel count.
const char* kThreeBlocks = R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = Block(3, 16)
        self.b2 = Block(16, 32)
        self.b3 = Block(16, 64)

    def forward(self, x):
        x = self.b1(x)
        x = self.b2(x)
        return self.b3(x)

# input: [1, 3, 32, 32]
)";

// A stage applies the same block twice; PyTorch (model.parameters(), named_modules()) sees it
// once: 5,938 parameters, modules stem, stem.0, stem.1, stage, stage.first, stage.first.conv,
// stage.first.relu, stage.pool, head.
const char* kReused = R"(import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x))


class Stage(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.first = Block(width, width)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.first(x)
        x = self.first(x)
        return self.pool(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.stage = Stage(8)
        self.head = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.stage(x)
        x = torch.flatten(x, 1)
        return self.head(x)

# input: [2, 3, 16, 16]
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("graph: the module hierarchy of a .py model, with paths as named_modules() gives") {
  LoadedModel m = analyze_text(kReused, "reused.py");
  REQUIRE(m.exit == ExitCode::Ok);
  const Graph& g = *m.graph;
  std::vector<std::string> paths;
  for (const GraphModule& mod : g.modules) paths.emplace_back(g.name(mod.path));
  CHECK(paths == std::vector<std::string>{"", "stem", "stage", "stage.first"});
  CHECK(g.name(g.modules[0].kind) == "Net");
  CHECK(g.name(g.modules[2].kind) == "Stage");
  CHECK(g.name(g.modules[3].kind) == "Block");
  CHECK(g.modules[3].parent == 2);
  CHECK(g.modules[2].parent == kRootModule);
  CHECK(g.modules[0].children == std::vector<ModuleId>{1, 2});
  CHECK(g.modules[2].children == std::vector<ModuleId>{3});
  CHECK(g.modules[3].constructed_at.line == 18);  // self.first = Block(width, width)
  CHECK(g.modules[3].applied_at.line == 22);      // its first call in Stage.forward
  // Both calls of the block run in the one module; its conv owns its weights once.
  REQUIRE(g.nodes.size() == 9);
  CHECK(g.modules[3].nodes == std::vector<NodeId>{2, 3, 4, 5});
  CHECK(g.owner_path(2) == "stage.first.conv");
  CHECK(g.owner_path(4) == "stage.first.conv");  // the second call of the same conv
  CHECK(g.owner_path(7) == "");                  // torch.flatten in Net.forward
  CHECK(g.owner_path(6) == "stage.pool");
  CHECK(m.analysis.layers[2].params == 584);
  CHECK(m.analysis.layers[4].params == 0);
  CHECK(m.analysis.layers[4].shares_params_with == 2);
  CHECK(m.analysis.totals.params == 5938);
  CHECK(m.analysis.totals.macs == 710656);
}

TEST_CASE("graph: tensors are ids, a layer's inputs and output are tensors of the graph") {
  LoadedModel m = analyze_file(NETSHAPE_SOURCE_DIR "/models/lenet.ns");
  REQUIRE(m.exit == ExitCode::Ok);
  const Graph& g = *m.graph;
  CHECK(g.inputs.size() == 1);
  CHECK(g.tensors.size() == g.nodes.size() + 1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const LayerInfo& l = m.analysis.layers[i];
    CHECK(l.node == i);
    CHECK(l.output_id == g.nodes[i].output);
    CHECK(g.tensors[l.output_id].producer == i);
    REQUIRE(l.input_ids.size() == g.nodes[i].inputs.size());
    for (size_t k = 0; k < l.input_ids.size(); ++k) {
      CHECK(l.input_ids[k] == g.nodes[i].inputs[k]);
      CHECK(m.analysis.input_name(l, k) == g.tensor_name(l.input_ids[k]));
    }
  }
  CHECK(g.modules.size() == 1);  // a .ns model has only the root (blocks come with the language)
  CHECK(g.owner_path(0) == "conv1");
}

TEST_CASE("graph: inference is pure, so it reruns on the same graph with other inputs") {
  LoadedModel m = analyze_file(NETSHAPE_SOURCE_DIR "/models/lenet.ns");
  REQUIRE(m.exit == ExitCode::Ok);
  Diagnostics diags;
  std::vector<Shape> smaller{{fixed(1), fixed(12), fixed(12)}};
  AnalyzeOptions options;
  options.input_shapes = &smaller;
  Analysis a = analyze(*m.graph, diags, options);
  CHECK_FALSE(a.ok);
  REQUIRE(diags.error_count() == 1);
  Diagnostics again;
  Analysis b = analyze(*m.graph, again);
  CHECK(b.ok);
  CHECK(b.totals.params == 105506);
  CHECK(to_string(b.outputs.at(0).second) == to_string(m.analysis.outputs.at(0).second));
}

TEST_CASE(
    "two-place diagnostics: an error in the third use of a module points inside it and at "
    "the use") {
  LoadedModel m = analyze_text(kThreeBlocks, "blocks.py");
  REQUIRE(m.exit == ExitCode::ShapeError);
  REQUIRE(m.diags.error_count() == 1);
  const Diagnostic& d = m.diags.items()[0];
  CHECK(d.layer == "b3.conv");
  CHECK(d.span.line == 7);  // nn.Conv2d(cin, ...) inside Block
  CHECK(d.span.column == 31);
  REQUIRE(d.labels.size() == 2);
  CHECK(d.labels[0].span.line == 19);  // self.b3 = Block(16, 64): the 16
  CHECK(d.labels[0].span.column == 25);
  CHECK(d.labels[0].message == "cin=16 is passed here");
  CHECK(d.labels[1].span.line == 24);  // return self.b3(x)
  CHECK(d.labels[1].message == "in `b3` (Block), applied here");
  CHECK(d.help ==
        "b3.conv receives 32 channels, so it needs in_channels=32; use self.b3 = Block(32, 64)");
  std::string text = render_diagnostics(m);
  CHECK(text ==
        "blocks.py:7:31: error: Given groups=1, weight of size [64, 16, 3, 3], expected "
        "input[1, 32, 32, 32] to have 16 channels, but got 32 channels instead\n"
        "    7 |         self.conv = nn.Conv2d(cin, cout, 3, padding=1)\n"
        "      |                               ^^^\n"
        "blocks.py:19:25: note: cin=16 is passed here\n"
        "   19 |         self.b3 = Block(16, 64)\n"
        "      |                         ^^\n"
        "blocks.py:24:16: note: in `b3` (Block), applied here\n"
        "   24 |         return self.b3(x)\n"
        "      |                ^^^^^^^^^^\n"
        "help: b3.conv receives 32 channels, so it needs in_channels=32; use self.b3 = Block(32, "
        "64)\n");
  std::string json = render(m, ReportFormat::Json);
  CHECK(json.find("\"related\"") != std::string::npos);
  CHECK(json.find("\"message\": \"cin=16 is passed here\"") != std::string::npos);

  // The help is right: with it applied the model is PyTorch's (params by model.parameters()).
  LoadedModel fixed_model =
      analyze_text(replace(kThreeBlocks, "Block(16, 64)", "Block(32, 64)"), "blocks.py");
  CHECK(fixed_model.exit == ExitCode::Ok);
  CHECK(fixed_model.analysis.totals.params == 448 + 32 + 4640 + 64 + 18496 + 128);
}

TEST_CASE("two-place diagnostics: a value computed inside the module is fixed inside it") {
  // cin * 1 is not a value the use site passed: the fix stays at the layer.
  std::string text = replace(kThreeBlocks, "nn.Conv2d(cin, cout", "nn.Conv2d(cin * 1, cout");
  LoadedModel m = analyze_text(text, "blocks.py");
  REQUIRE(m.diags.error_count() == 1);
  const Diagnostic& d = m.diags.items()[0];
  REQUIRE(d.labels.size() == 1);  // only where the module was applied
  CHECK(d.labels[0].span.line == 24);
  CHECK(d.help.find("use self.conv = nn.Conv2d(32, 64, 3, padding=1)") != std::string::npos);
}

TEST_CASE("two-place diagnostics: a value passed through two constructors is fixed at the first") {
  const char* text = R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        return self.fc(x)


class Wrapper(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.inner = Block(width)

    def forward(self, x):
        return self.inner(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = Wrapper(100)

    def forward(self, x):
        return self.w(x)

# input: [4, 64]
)";
  LoadedModel m = analyze_text(text, "wrap.py");
  REQUIRE(m.diags.error_count() == 1);
  const Diagnostic& d = m.diags.items()[0];
  CHECK(d.span.line == 7);
  REQUIRE(d.labels.size() == 4);
  CHECK(d.labels[0].message == "cin=100 is passed here");
  CHECK(d.labels[0].span.line == 16);
  CHECK(d.labels[1].message == "width=100 is passed here");
  CHECK(d.labels[1].span.line == 25);
  CHECK(d.labels[2].message == "in `w.inner` (Block), applied here");
  CHECK(d.labels[3].message == "in `w` (Wrapper), applied here");
  CHECK(d.help.find("use self.w = Wrapper(64)") != std::string::npos);
}

TEST_CASE("diagnostics: a span names its file, so a note can point into another file") {
  SourceFile main_file("net.py", "from blocks import Block\nself.b = Block(16, 64)\n");
  SourceFile blocks("blocks.py", "class Block:\n    conv = nn.Conv2d(cin, cout, 3)\n");
  Diagnostic d;
  d.span = Span{2, 22, 3, 1};  // `cin`, in blocks.py
  d.message = "wrong channels";
  d.labels.push_back(Label{Span{2, 16, 2, 0}, "cin=16 is passed here"});
  d.help = "use Block(32, 64)";
  CHECK(render_diagnostic(d, SourceSet{&main_file, &blocks}) ==
        "blocks.py:2:22: error: wrong channels\n"
        "    2 |     conv = nn.Conv2d(cin, cout, 3)\n"
        "      |                      ^^^\n"
        "net.py:2:16: note: cin=16 is passed here\n"
        "    2 | self.b = Block(16, 64)\n"
        "      |                ^^\n"
        "help: use Block(32, 64)\n");
}
