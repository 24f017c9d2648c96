// `check --depth N`: the table grouped by module (group_layers), against what PyTorch 1.13 gives
// for the same model: named_modules() names, each module's sum of parameter numel() and output
// shape (forward hooks), and MACs summed over each module's Conv2d/Linear calls.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;

namespace {

const std::string kRoot = NETSHAPE_SOURCE_DIR;

LoadedModel resnet18() {
  LoadOptions o;
  o.model = "ResNet18";
  o.input_dims = "1,3,32,32";
  return analyze_file(kRoot + "/tests/py_models/cifar_resnet.py", o);
}

struct Expected {
  std::string name;
  std::string kind;
  int depth;
  std::string shape;
  int64_t params;
  int64_t macs;
  bool named_module;
};

void check_rows(const Grouping& g, const std::vector<Expected>& want) {
  REQUIRE(g.rows.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const ModuleRow& r = g.rows[i];
    CAPTURE(i);
    CAPTURE(r.name);
    CHECK(r.name == want[i].name);
    CHECK(r.kind == want[i].kind);
    CHECK(r.depth == want[i].depth);
    REQUIRE(r.output);
    CHECK(to_string(*r.output) == want[i].shape);
    CHECK(r.params == want[i].params);
    CHECK(r.macs == want[i].macs);
    CHECK(r.named_module == want[i].named_module);
    CHECK(!r.failed);
  }
}

// The rows without a row below them hold every layer once: their sums are the totals (a tensor
// tied to a layer in another row counts in both: once without it). Every row comes after its
// parent, one level deeper, and the model's row is the totals.
void check_partition(const Analysis& a, const Grouping& g) {
  REQUIRE(!g.rows.empty());
  std::vector<bool> has_child(g.rows.size(), false);
  for (size_t i = 1; i < g.rows.size(); ++i) {
    const ModuleRow& r = g.rows[i];
    REQUIRE(r.parent < i);
    CHECK(r.depth == g.rows[r.parent].depth + 1);
    CHECK(r.depth <= g.depth);
    has_child[r.parent] = true;
  }
  int64_t params = 0, trainable = 0, macs = 0;
  uint32_t layers = 0;
  for (size_t i = 0; i < g.rows.size(); ++i) {
    if (has_child[i]) continue;
    params += g.rows[i].params - g.rows[i].tied_params;
    trainable += g.rows[i].trainable_params - g.rows[i].tied_trainable_params;
    macs += g.rows[i].macs;
    layers += g.rows[i].layers;
  }
  CHECK(params == a.totals.params);
  CHECK(trainable == a.totals.trainable_params);
  CHECK(macs == a.totals.macs);
  CHECK(layers == a.layers.size());
  CHECK(g.rows[0].depth == 0);
  CHECK(g.rows[0].params == a.totals.params);
  CHECK(g.rows[0].macs == a.totals.macs);
  CHECK(g.rows[0].layers == a.layers.size());
}

}  // namespace

TEST_CASE("depth: ResNet18 at depth 1 is PyTorch's named_modules() children, with their totals") {
  LoadedModel m = resnet18();
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping g = group_layers(m, 1);
  CHECK(g.depth == 1);
  // PyTorch 1.13: sum(p.numel() for p in model.layer1.parameters()) == 147968, ...; the
  // functional ops of ResNet.forward (F.relu, F.avg_pool2d, view) are rows of their own.
  check_rows(g, {
                    {"", "ResNet", 0, "[1, 10]", 11173962, 555422720, true},
                    {"conv1", "Conv2d", 1, "[1, 64, 32, 32]", 1728, 1769472, true},
                    {"bn1", "BatchNorm2d", 1, "[1, 64, 32, 32]", 128, 0, true},
                    {"relu3", "relu", 1, "[1, 64, 32, 32]", 0, 0, false},
                    {"layer1", "Sequential", 1, "[1, 64, 32, 32]", 147968, 150994944, true},
                    {"layer2", "Sequential", 1, "[1, 128, 16, 16]", 525568, 134217728, true},
                    {"layer3", "Sequential", 1, "[1, 256, 8, 8]", 2099712, 134217728, true},
                    {"layer4", "Sequential", 1, "[1, 512, 4, 4]", 8393728, 134217728, true},
                    {"avg_pool2d66", "avg_pool2d", 1, "[1, 512, 1, 1]", 0, 0, false},
                    {"view67", "view", 1, "[1, 512]", 0, 0, false},
                    {"linear", "Linear", 1, "[1, 10]", 5130, 5120, true},
                });
  CHECK(g.rows[4].layers == 14);  // layer1: 2 blocks of conv, bn, relu, conv, bn, add, relu
  CHECK(g.rows[0].parent == kNoRow);
  CHECK(g.rows[4].parent == 0);
  CHECK(g.rows[4].module != kNoId);
  CHECK(m.graph->module_path(g.rows[4].module) == "layer1");
  CHECK(g.rows[1].layer == 0);  // conv1 is the first layer
  check_partition(m.analysis, g);
}

TEST_CASE("depth: ResNet18 at depth 2 shows the blocks, and their inner ops fold into them") {
  LoadedModel m = resnet18();
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping g = group_layers(m, 2);
  check_rows(g, {
                    {"", "ResNet", 0, "[1, 10]", 11173962, 555422720, true},
                    {"conv1", "Conv2d", 1, "[1, 64, 32, 32]", 1728, 1769472, true},
                    {"bn1", "BatchNorm2d", 1, "[1, 64, 32, 32]", 128, 0, true},
                    {"relu3", "relu", 1, "[1, 64, 32, 32]", 0, 0, false},
                    {"layer1", "Sequential", 1, "[1, 64, 32, 32]", 147968, 150994944, true},
                    {"layer1.0", "BasicBlock", 2, "[1, 64, 32, 32]", 73984, 75497472, true},
                    {"layer1.1", "BasicBlock", 2, "[1, 64, 32, 32]", 73984, 75497472, true},
                    {"layer2", "Sequential", 1, "[1, 128, 16, 16]", 525568, 134217728, true},
                    {"layer2.0", "BasicBlock", 2, "[1, 128, 16, 16]", 230144, 58720256, true},
                    {"layer2.1", "BasicBlock", 2, "[1, 128, 16, 16]", 295424, 75497472, true},
                    {"layer3", "Sequential", 1, "[1, 256, 8, 8]", 2099712, 134217728, true},
                    {"layer3.0", "BasicBlock", 2, "[1, 256, 8, 8]", 919040, 58720256, true},
                    {"layer3.1", "BasicBlock", 2, "[1, 256, 8, 8]", 1180672, 75497472, true},
                    {"layer4", "Sequential", 1, "[1, 512, 4, 4]", 8393728, 134217728, true},
                    {"layer4.0", "BasicBlock", 2, "[1, 512, 4, 4]", 3673088, 58720256, true},
                    {"layer4.1", "BasicBlock", 2, "[1, 512, 4, 4]", 4720640, 75497472, true},
                    {"avg_pool2d66", "avg_pool2d", 1, "[1, 512, 1, 1]", 0, 0, false},
                    {"view67", "view", 1, "[1, 512]", 0, 0, false},
                    {"linear", "Linear", 1, "[1, 10]", 5130, 5120, true},
                });
  CHECK(g.rows[5].layers == 7);  // layer1.0: conv1, bn1, relu, conv2, bn2, add, relu
  CHECK(g.rows[5].parent == 4);
  check_partition(m.analysis, g);
}

TEST_CASE("depth: at depth 3 the module rows are named_modules() exactly, empty shortcuts too") {
  LoadedModel m = resnet18();
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping g = group_layers(m, 3);
  // [n for n, _ in model.named_modules() if n.count('.') < 3] in PyTorch 1.13 (`layer1.0.shortcut`
  // is an empty nn.Sequential: the identity shortcut).
  std::vector<std::string> torch_names = {""};
  for (std::string top : {"conv1", "bn1"}) torch_names.push_back(top);
  for (int layer = 1; layer <= 4; ++layer) {
    std::string l = "layer" + std::to_string(layer);
    torch_names.push_back(l);
    for (int block = 0; block < 2; ++block) {
      std::string b = l + "." + std::to_string(block);
      torch_names.push_back(b);
      for (std::string leaf : {"conv1", "bn1", "conv2", "bn2", "shortcut"})
        torch_names.push_back(b + "." + leaf);
    }
  }
  torch_names.push_back("linear");
  std::vector<std::string> names;
  for (const ModuleRow& r : g.rows)
    if (r.named_module) names.push_back(r.name);
  CHECK(names == torch_names);

  auto row = [&](const std::string& name) -> const ModuleRow& {
    for (const ModuleRow& r : g.rows)
      if (r.name == name) return r;
    FAIL("no row " << name);
    return g.rows[0];
  };
  const ModuleRow& identity = row("layer1.0.shortcut");
  CHECK(identity.kind == "Sequential");
  CHECK(identity.depth == 3);
  REQUIRE(identity.output);
  CHECK(to_string(*identity.output) == "[1, 64, 32, 32]");
  CHECK(identity.layers == 0);
  CHECK(identity.params == 0);
  // Where PyTorch calls it: after bn2, before the addition.
  CHECK(g.rows[&identity - g.rows.data() - 1].name == "layer1.0.bn2");
  CHECK(g.rows[&identity - g.rows.data() + 1].name == "add9");
  const ModuleRow& projection = row("layer2.0.shortcut");
  CHECK(projection.params == 8448);  // sum(p.numel() for p in layer2[0].shortcut.parameters())
  CHECK(projection.macs == 2097152);
  CHECK(to_string(*projection.output) == "[1, 128, 16, 16]");
  CHECK(row("layer4.1.conv2").params == 2359296);
  CHECK(row("relu6").depth == 3);  // F.relu in BasicBlock.forward, under layer1.0
  CHECK(!row("relu6").named_module);
  CHECK(g.rows[row("relu6").parent].name == "layer1.0");
  check_partition(m.analysis, g);
}

TEST_CASE("depth: 0 is the model's row alone, and past the deepest module is every module") {
  LoadedModel m = resnet18();
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping zero = group_layers(m, 0);
  REQUIRE(zero.rows.size() == 1);
  CHECK(zero.rows[0].kind == "ResNet");
  CHECK(zero.rows[0].layers == m.analysis.layers.size());
  check_partition(m.analysis, zero);
  // Depth 4: every layer module (depth 4 is layer2.0.shortcut.0) and functional op has its row.
  Grouping all = group_layers(m, 4);
  Grouping more = group_layers(m, 100);
  CHECK(all.rows.size() == more.rows.size());
  size_t empty_shortcuts = 5;         // layer1.0, layer1.1, layer2.1, layer3.1, layer4.1
  size_t containers = 1 + 4 + 8 + 3;  // the model, layer1-4, the blocks, the projection shortcuts
  CHECK(all.rows.size() == m.analysis.layers.size() + empty_shortcuts + containers);
  check_partition(m.analysis, all);
}

TEST_CASE("depth: a module called twice is one row, its parameters once, MACs of both calls") {
  LoadedModel m = analyze_text(R"(import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.block = Block(8)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(8 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.block(x)
        x = self.pool(self.block(x))
        return self.head(torch.flatten(x, 1))

# input: [1, 3, 10, 10]
)",
                               "twice.py");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  // PyTorch 1.13: stem has 224 params and 8*8*8*3*9 = 13,824 MACs; block 8*8*9 + 8 = 584
  // params, and each call of its conv on 4x4 is 8*4*4*8*9 = 9,216 MACs; pool's second call gives
  // [1, 8, 2, 2].
  Grouping g = group_layers(m, 1);
  check_rows(g, {
                    {"", "Net", 0, "[1, 10]", 224 + 584 + 330, 13824 + 2 * 9216 + 320, true},
                    {"stem", "Conv2d", 1, "[1, 8, 8, 8]", 224, 13824, true},
                    {"pool", "MaxPool2d", 1, "[1, 8, 2, 2]", 0, 0, true},
                    {"block", "Block", 1, "[1, 8, 4, 4]", 584, 2 * 9216, true},
                    {"flatten8", "flatten", 1, "[1, 32]", 0, 0, false},
                    {"head", "Linear", 1, "[1, 10]", 330, 320, true},
                });
  CHECK(g.rows[2].layers == 2);
  CHECK(g.rows[3].layers == 4);
  check_partition(m.analysis, g);
  Grouping inner = group_layers(m, 2);
  std::vector<std::string> names;
  for (const ModuleRow& r : inner.rows) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"", "stem", "pool", "block", "block.conv", "block.act",
                                          "flatten8", "head"});
  CHECK(inner.rows[4].params == 584);
  CHECK(inner.rows[4].macs == 2 * 9216);
  CHECK(inner.rows[4].layers == 2);
  check_partition(m.analysis, inner);
}

TEST_CASE("depth: a module whose forward returns its input is one row of its own class") {
  // PyTorch 1.13: named_modules() is '', b1, b1.conv, b1.drop_path, b2, b2.conv, b2.drop_path;
  // the flat table gives each DropPath call an Identity row, which is the module's own row here.
  LoadedModel m = analyze_text(R"(import torch.nn as nn


class DropPath(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        return x


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.drop_path = DropPath(0.1)

    def forward(self, x):
        return x + self.drop_path(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = Block(4)
        self.b2 = Block(4)

    def forward(self, x):
        return self.b2(self.b1(x))

# input: [1, 4, 8, 8]
)",
                               "droppath.py");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping g = group_layers(m, 2);
  std::vector<std::string> rows;
  for (const ModuleRow& r : g.rows) rows.push_back(r.name + " " + r.kind);
  CHECK(rows == std::vector<std::string>{" Net", "b1 Block", "b1.conv Conv2d",
                                         "b1.drop_path DropPath", "add3 add", "b2 Block",
                                         "b2.conv Conv2d", "b2.drop_path DropPath", "add6 add"});
  CHECK(g.rows[3].layers == 1);
  REQUIRE(g.rows[3].output);
  CHECK(to_string(*g.rows[3].output) == "[1, 4, 8, 8]");
  check_partition(m.analysis, g);
}

// GAT's heads: a plain list, each registered by add_module and applied through the list. The
// modules keep their add_module names (PyTorch 1.13: named_modules() attention_0, attention_1,
// out_att; 176 params per head: W 20x8, a 16x1; 632 in all, output [12, 4]).
TEST_CASE("depth: modules registered by add_module and applied through a plain list") {
  LoadedModel m = analyze_text(R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class AttentionHead(nn.Module):
    def __init__(self, in_features, out_features, concat=True):
        super(AttentionHead, self).__init__()
        self.out_features = out_features
        self.concat = concat
        self.W = nn.Parameter(torch.empty(size=(in_features, out_features)))
        self.a = nn.Parameter(torch.empty(size=(2 * out_features, 1)))
        self.leakyrelu = nn.LeakyReLU(0.2)

    def forward(self, h, adj):
        Wh = torch.mm(h, self.W)
        Wh1 = torch.matmul(Wh, self.a[:self.out_features, :])
        Wh2 = torch.matmul(Wh, self.a[self.out_features:, :])
        e = self.leakyrelu(Wh1 + Wh2.T)
        attention = torch.where(adj > 0, e, -9e15 * torch.ones_like(e))
        h_prime = torch.matmul(F.softmax(attention, dim=1), Wh)
        return F.elu(h_prime) if self.concat else h_prime


class GAT(nn.Module):
    def __init__(self, nfeat, nhid, nclass, nheads):
        super(GAT, self).__init__()
        self.attentions = [AttentionHead(nfeat, nhid) for _ in range(nheads)]
        for i, attention in enumerate(self.attentions):
            self.add_module('attention_{}'.format(i), attention)
        self.out_att = AttentionHead(nhid * nheads, nclass, concat=False)

    def forward(self, x, adj):
        x = torch.cat([att(x, adj) for att in self.attentions], dim=1)
        return F.log_softmax(F.elu(self.out_att(x, adj)), dim=1)


model = GAT(20, 8, 4, nheads=2)
# input x: [12, 20]
# input adj: [12, 12]
)",
                               "gat.py");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[12, 4]");
  CHECK(m.analysis.totals.params == 2 * 176 + 72);
  Grouping g = group_layers(m, 1);
  std::vector<std::string> rows;
  for (const ModuleRow& r : g.rows)
    if (r.kind == "AttentionHead") rows.push_back(fmt::format("{} {}", r.name, r.params));
  CHECK(rows == std::vector<std::string>{"attention_0 176", "attention_1 176", "out_att 72"});
  check_partition(m.analysis, g);
}

TEST_CASE("depth: the rows are a tree, and a module forward never applies is a row of its own") {
  // Block's F.relu runs in both calls: the second call's relu is a row under block too, right
  // after the first one's, not after pool's row.
  LoadedModel twice = analyze_text(R"(import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.block(self.pool(self.block(x)))

# input: [1, 4, 8, 8]
)",
                                   "twice_relu.py");
  INFO(render_diagnostics(twice));
  REQUIRE(twice.exit == ExitCode::Ok);
  Grouping g = group_layers(twice, 2);
  std::vector<std::string> names;
  std::vector<uint32_t> parents;
  for (const ModuleRow& r : g.rows) {
    names.push_back(r.name);
    parents.push_back(r.parent);
  }
  CHECK(names == std::vector<std::string>{"", "block", "block.conv", "relu2", "relu5", "pool"});
  CHECK(parents == std::vector<uint32_t>{kNoRow, 0, 1, 1, 1, 0});
  check_partition(twice.analysis, g);

  // PyTorch 1.13, SmallGoogLeNet in eval mode: aux1 is never called, yet model.parameters()
  // counts its 281,482 parameters (805,948 in all).
  LoadedModel aux = analyze_file(kRoot + "/tests/py_models/inception_aux.py");
  REQUIRE(aux.exit == ExitCode::Ok);
  CHECK(aux.analysis.totals.params == 805948);
  REQUIRE(aux.analysis.unapplied.size() == 1);
  Grouping a1 = group_layers(aux, 1);
  const ModuleRow& head = a1.rows.back();
  CHECK(head.name == "aux1");
  CHECK(head.kind == "InceptionAux");
  CHECK(head.depth == 1);
  CHECK(head.params == 281482);
  CHECK(head.macs == 0);
  CHECK(head.layers == 0);
  CHECK(!head.output);
  CHECK(!head.failed);
  CHECK(a1.rows[0].params == 805948);
  check_partition(aux.analysis, a1);
  Grouping a0 = group_layers(aux, 0);
  CHECK(a0.rows.size() == 1);
  CHECK(a0.rows[0].params == 805948);
  std::string table = render(aux, ReportFormat::Table, 1);
  CHECK(table.find("  aux1 ") != std::string::npos);
}

TEST_CASE("depth: a .ns model is flat, and an error stops the rows at the failing layer") {
  LoadedModel lenet = analyze_file(kRoot + "/models/lenet.ns");
  REQUIRE(lenet.exit == ExitCode::Ok);
  Grouping g = group_layers(lenet, 1);
  REQUIRE(g.rows.size() == lenet.analysis.layers.size() + 1);
  CHECK(g.rows[0].kind == "LeNetLike");
  for (size_t i = 0; i < lenet.analysis.layers.size(); ++i) {
    CHECK(g.rows[i + 1].name == lenet.analysis.layers[i].name);
    CHECK(g.rows[i + 1].params == lenet.analysis.layers[i].params);
    CHECK(g.rows[i + 1].depth == 1);
  }
  check_partition(lenet.analysis, g);
  CHECK(group_layers(lenet, 5).rows.size() == g.rows.size());

  LoadedModel broken = analyze_file(kRoot + "/models/broken_fc.ns");
  REQUIRE(broken.exit == ExitCode::ShapeError);
  Grouping b = group_layers(broken, 1);
  REQUIRE(b.rows.size() == broken.analysis.layers.size() + 1);
  CHECK(b.rows[0].failed);
  CHECK(b.rows.back().failed);
  CHECK(b.rows.back().name == "fc1");
  CHECK(!b.rows[1].failed);
  std::string table = render(broken, ReportFormat::Table, 1);
  CHECK(table.find("6    fc1    Linear     error                 -        -\n") !=
        std::string::npos);
  CHECK(table.find("1  (model)  BrokenFC   error                 -        -\n") !=
        std::string::npos);
  CHECK(table.find("(stopped at the first error)") != std::string::npos);
}

TEST_CASE("depth: classes as PyTorch names them, and a ModuleList's modules under its caller") {
  // class ConvBNReLU(nn.Sequential): type(model.features[0]).__name__ is ConvBNReLU.
  LoadedModel mobilenet = analyze_file(kRoot + "/tests/py_models/mobilenet_v2_style.py");
  REQUIRE(mobilenet.exit == ExitCode::Ok);
  Grouping g = group_layers(mobilenet, 2);
  REQUIRE(g.rows.size() > 2);
  CHECK(g.rows[1].name == "features");
  CHECK(g.rows[1].kind == "Sequential");
  CHECK(g.rows[2].name == "features.0");
  CHECK(g.rows[2].kind == "ConvBNReLU");
  CHECK(g.rows[2].params == 464);  // PyTorch 1.13: 16*3*3*3 conv + 2*16 batch norm
  // model = nn.Sequential(...): the model's class is Sequential.
  LoadedModel mlp = analyze_file(kRoot + "/models/notes/mlp_fashion.py");
  REQUIRE(mlp.exit == ExitCode::Ok);
  CHECK(group_layers(mlp, 0).rows[0].kind == "Sequential");
  // self.layers = nn.ModuleList(...), iterated in MLP.forward: never called itself, so no row;
  // its Linear layers are rows of MLP under their named_modules() names.
  LoadedModel list = analyze_file(kRoot + "/tests/py_models/modulelist_mlp.py");
  REQUIRE(list.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const ModuleRow& r : group_layers(list, 1).rows) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"", "view1", "layers.0", "relu3", "drop", "layers.1",
                                          "relu6", "layers.2"});
}

TEST_CASE("depth: every shipped model and every depth adds up to the totals") {
  size_t checked = 0;
  for (const char* dir : {"/models", "/models/notes", "/tests/py_models"}) {
    for (const auto& entry : std::filesystem::directory_iterator(kRoot + dir)) {
      std::string ext = entry.path().extension().string();
      if (ext != ".ns" && ext != ".py") continue;
      if (entry.path().filename() == "gen_golden.py") continue;
      LoadedModel m = analyze_file(entry.path().string());
      if (m.exit != ExitCode::Ok) continue;
      CAPTURE(entry.path().string());
      for (int depth = 0; depth <= 5; ++depth) {
        CAPTURE(depth);
        check_partition(m.analysis, group_layers(m, depth));
      }
      ++checked;
    }
  }
  CHECK(checked >= 40);
}

TEST_CASE("depth: the JSON report gets a modules member, written as the nlohmann tree dumps it") {
  LoadedModel m = resnet18();
  REQUIRE(m.exit == ExitCode::Ok);
  Grouping g = group_layers(m, 2);
  std::string json = render_json(m.analysis, m.diags, &g);
  CHECK(json == to_json(m.analysis, m.diags, &g)
                        .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                    "\n");
  nlohmann::json j = nlohmann::json::parse(json);
  REQUIRE(j.contains("modules"));
  CHECK(j["modules"]["depth"] == 2);
  const auto& rows = j["modules"]["rows"];
  REQUIRE(rows.size() == g.rows.size());
  CHECK(rows[0]["name"] == "");
  CHECK(rows[0]["parent"].is_null());
  CHECK(rows[4]["name"] == "layer1");
  CHECK(rows[4]["class"] == "Sequential");
  CHECK(rows[4]["params"] == 147968);
  CHECK(rows[4]["output_shape"] == nlohmann::json::array({1, 64, 32, 32}));
  CHECK(rows[5]["parent"] == 4);
  CHECK(rows[3]["named_module"] == false);
  // Without a grouping the report is what it always was.
  std::string flat = render_json(m.analysis, m.diags);
  CHECK(flat.find("\"modules\"") == std::string::npos);
  CHECK(json.substr(0, json.find("  \"modules\"")) ==
        flat.substr(0, flat.find("  \"diagnostics\"")));
  // And on an error (a failing row has a null output_shape).
  LoadedModel broken = analyze_file(kRoot + "/models/broken_fc.ns");
  Grouping b = group_layers(broken, 1);
  std::string bj = render_json(broken.analysis, broken.diags, &b);
  CHECK(bj == to_json(broken.analysis, broken.diags, &b)
                      .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                  "\n");
  CHECK(nlohmann::json::parse(bj)["modules"]["rows"].back()["output_shape"].is_null());
}

TEST_CASE("CLI: check --depth 1 prints the table by module, and bad depths are usage errors") {
  std::string bin = NETSHAPE_BINARY;
  std::string model = kRoot + "/tests/py_models/cifar_resnet.py --model ResNet18 --input 1,3,32,32";
  test::ShellRun run = test::run_shell("\"" + bin + "\" check " + model + " --depth 1 2>&1");
  CHECK(run.code == 0);
  CHECK(run.out ==
        "model ResNet  (input x: [1, 3, 32, 32])\n"
        "\n"
        " #  module          class        output shape          params         MACs\n"
        "--------------------------------------------------------------------------\n"
        " 1  (model)         ResNet       [1, 10]           11,173,962  555,422,720\n"
        " 2    conv1         Conv2d       [1, 64, 32, 32]        1,728    1,769,472\n"
        " 3    bn1           BatchNorm2d  [1, 64, 32, 32]          128            0\n"
        " 4    relu3         relu         [1, 64, 32, 32]            0            0\n"
        " 5    layer1        Sequential   [1, 64, 32, 32]      147,968  150,994,944\n"
        " 6    layer2        Sequential   [1, 128, 16, 16]     525,568  134,217,728\n"
        " 7    layer3        Sequential   [1, 256, 8, 8]     2,099,712  134,217,728\n"
        " 8    layer4        Sequential   [1, 512, 4, 4]     8,393,728  134,217,728\n"
        " 9    avg_pool2d66  avg_pool2d   [1, 512, 1, 1]             0            0\n"
        "10    view67        view         [1, 512]                   0            0\n"
        "11    linear        Linear       [1, 10]                5,130        5,120\n"
        "\n"
        "output linear: [1, 10]\n"
        "params: 11,173,962 (trainable 11,173,962, non-trainable 0)\n"
        "MACs: 555,422,720\n"
        "parameter memory: 42.63 MB, activation memory: 7.75 MB (float32)\n");
  // The flat table's footer is the same with or without --depth.
  test::ShellRun flat = test::run_shell("\"" + bin + "\" check " + model + " 2>&1");
  CHECK(flat.code == 0);
  CHECK(flat.out.substr(flat.out.find("\noutput linear")) ==
        run.out.substr(run.out.find("\noutput linear")));

  test::ShellRun csv =
      test::run_shell("\"" + bin + "\" check " + model + " --depth 2 --format csv 2>&1");
  CHECK(csv.code == 0);
  CHECK(csv.out.rfind("index,module,class,depth,parent,output_shape,params,trainable_params,macs\n"
                      "1,,ResNet,0,,\"[1, 10]\",11173962,11173962,555422720\n"
                      "2,conv1,Conv2d,1,1,\"[1, 64, 32, 32]\",1728,1728,1769472\n",
                      0) == 0);
  CHECK(csv.out.find("\n6,layer1.0,BasicBlock,2,5,\"[1, 64, 32, 32]\",73984,73984,75497472\n") !=
        std::string::npos);
  test::ShellRun md =
      test::run_shell("\"" + bin + "\" check " + model + " --depth 2 --format markdown 2>&1");
  CHECK(md.out.find("| 6 | &nbsp;&nbsp;&nbsp;&nbsp;layer1.0 | BasicBlock | [1, 64, 32, 32] | "
                    "73,984 | 75,497,472 |\n") != std::string::npos);

  for (const char* bad : {"-1", "x", "1.5", "", "99999999999"}) {
    CAPTURE(bad);
    test::ShellRun r = test::run_shell("\"" + bin + "\" check " + kRoot +
                                       "/models/lenet.ns --depth \"" + bad + "\" 2>&1");
    CHECK(r.code == 2);
    CHECK(r.out.find("--depth") != std::string::npos);
    CHECK(r.out.find("netshape: error:") != std::string::npos);
  }
  test::ShellRun eq =
      test::run_shell("\"" + bin + "\" check " + kRoot + "/models/lenet.ns --depth=-1 2>&1");
  CHECK(eq.code == 2);
}
