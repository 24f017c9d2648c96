// Warnings (exit 0) where PyTorch runs but the model is very likely not what was meant: an
// unbatched input flattened, a floor that drops input rows, a tensor computed and never used, a
// squeeze() that drops the batch, a BatchNorm that fails in training mode, a forward whose
// return depends on self.training.
// The shapes quoted are PyTorch 1.13's (nn.Sequential on torch.randn of the input shape).
#include <filesystem>
#include <map>
#include <set>

#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
namespace fs = std::filesystem;

namespace {

std::vector<Diagnostic> warnings(const LoadedModel& m) {
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : m.diags.items())
    if (d.severity == Severity::Warning) out.push_back(d);
  return out;
}

// The one warning of a model that must have exactly one.
Diagnostic only_warning(const LoadedModel& m) {
  CHECK(m.exit == ExitCode::Ok);
  auto w = warnings(m);
  REQUIRE(w.size() == 1);
  return w[0];
}

bool no_warning(const std::string& text, const std::string& path = "t.ns") {
  LoadedModel m = check_ns(text, path);
  CHECK(m.exit == ExitCode::Ok);
  return warnings(m).empty();
}

std::string layer_shape(const LoadedModel& m, const std::string& name) {
  for (const LayerInfo& l : m.analysis.layers)
    if (l.name == name && l.output) return to_string(*l.output);
  return "missing";
}

test::ShellRun run_cli(const std::string& args) {
  return test::run_shell("cd " + std::string(NETSHAPE_SOURCE_DIR) + " && " +
                         std::string(NETSHAPE_BINARY) + " " + args + " 2>&1");
}

}  // namespace

TEST_CASE("warning: an unbatched input reaching nn.Flatten keeps the channels as a batch") {
  // PyTorch: torch.Size([128, 16]) for a [3, 32, 32] input.
  LoadedModel m = check_ns(
      "input x: [3, 32, 32]\n"
      "conv = Conv2d(3, 128, 3, padding=1)\n"
      "act = ReLU()\n"
      "pool = MaxPool2d(8)\n"
      "flat = Flatten()\n"
      "fc = Linear(16, 10)\n");
  CHECK(layer_shape(m, "flat") == "[128, 16]");
  Diagnostic w = only_warning(m);
  CHECK(w.code == "unbatched-flatten");
  CHECK(w.layer == "flat");
  CHECK(w.span.line == 5);
  CHECK(w.span.column == 8);
  CHECK(w.message ==
        "flat receives [128, 4, 4], which has no batch dim (the input x: [3, 32, 32] is "
        "unbatched): Flatten keeps the first dim (128 channels) as a batch and gives [128, 16]");
  CHECK(w.help ==
        "give the input a batch dim (`input x: [1, 3, 32, 32]`), or flatten everything with "
        "start_dim=0 ([2048])");
}

TEST_CASE("warning: unbatched flatten(x, 1) in .ns and torch.flatten / x.flatten(1) in Python") {
  Diagnostic w = only_warning(
      check_ns("input x: [1, 28, 28]\nc = Conv2d(1, 4, 5)\np = max_pool2d(2)\nf = flatten(1)\n"));
  CHECK(w.code == "unbatched-flatten");
  CHECK(w.message.find("flatten keeps the first dim (4 channels) as a batch and gives [4, 144]") !=
        std::string::npos);
  for (const char* call : {"torch.flatten(x, 1)", "x.flatten(1)"}) {
    CAPTURE(call);
    std::string py = std::string(
                         "import torch\nimport torch.nn as nn\n# input: [3, 32, 32]\n"
                         "class Net(nn.Module):\n"
                         "    def __init__(self):\n"
                         "        super().__init__()\n"
                         "        self.conv = nn.Conv2d(3, 128, 3, padding=1)\n"
                         "        self.pool = nn.MaxPool2d(8)\n"
                         "    def forward(self, x):\n"
                         "        x = self.pool(self.conv(x))\n"
                         "        return ") +
                     call + "\n";
    Diagnostic p = only_warning(check_ns(py, "net.py"));
    CHECK(p.code == "unbatched-flatten");
    CHECK(p.span.line == 11);
    CHECK(p.message.find("gives [128, 16]") != std::string::npos);
    CHECK(p.help ==
          "give the input a batch dim (`# input: [1, 3, 32, 32]` or --input 1x3x32x32), or "
          "flatten everything with start_dim=0 ([2048])");
  }
}

TEST_CASE("no unbatched-flatten warning: batched input, start_dim=0, view, no spatial layer") {
  CHECK(no_warning("input x: [B, 3, 32, 32]\nConv2d(3, 8, 3)\nFlatten()\n"));
  CHECK(no_warning("input x: [3, 32, 32]\nConv2d(3, 8, 3)\nFlatten(start_dim=0)\n"));
  CHECK(no_warning("input x: [3, 32, 32]\nConv2d(3, 8, 3)\nflatten()\n"));  // start_dim=0
  // The course's LeNet: unbatched on purpose, view(-1, 256) gives [1, 256].
  CHECK(no_warning("input x: [1, 28, 28]\nConv2d(1, 4, 5)\nview(-1, 2304)\n"));
  // A [N, L] input to Linear is batched: no conv or pool decided otherwise.
  CHECK(no_warning("input x: [4, 10, 3]\nLinear(3, 5)\nFlatten()\n"));
}

TEST_CASE("warning: MaxPool2d(2)'s floor drops the last row and column of a 25x25 input") {
  // PyTorch: nn.MaxPool2d(2)(torch.randn(1, 1, 25, 25)).shape == [1, 1, 12, 12].
  LoadedModel m = check_ns("input x: [B, 1, 25, 25]\npool = MaxPool2d(2)\n");
  CHECK(layer_shape(m, "pool") == "[B, 1, 12, 12]");
  Diagnostic w = only_warning(m);
  CHECK(w.code == "floor-drops-input");
  CHECK(w.layer == "pool");
  CHECK(w.span.line == 2);
  CHECK(w.span.column == 8);
  CHECK(w.message == "MaxPool2d's floor drops the last 1 row and 1 column of its 25x25 input");
  CHECK(w.help ==
        "to use the whole input, use padding=1 or ceil_mode=True, or make pool's input 24x24 or "
        "26x26");
}

TEST_CASE("warning: floor-drops-input counts the rows, per dim, for pooling and strided convs") {
  // 23 - 4 = 19 = 4*4 + 3: three rows past the last window. With padding 1 on the rows,
  // 23 + 2 - 4 = 21 = 5*4 + 1 leaves one uncovered, the right padding itself.
  Diagnostic w = only_warning(check_ns("input x: [B, 1, 23, 24]\np = MaxPool2d(4)\n"));
  CHECK(w.message == "MaxPool2d's floor drops the last 3 rows of its 23x24 input");
  CHECK(w.help ==
        "to use the whole input, use padding=(1, 0) or ceil_mode=True, or make p's input 20x24 "
        "or 24x24");
  // MaxPool2d(2, stride=3): windows leave a row between them by design; the end is no different.
  CHECK(warnings(check_ns("input x: [B, 1, 24, 24]\np = MaxPool2d(2, stride=3)\n")).empty());

  w = only_warning(check_ns("input x: [B, 3, 32, 32]\nc = Conv2d(3, 8, 3, stride=2)\n"));
  CHECK(w.message == "Conv2d's floor drops the last 1 row and 1 column of its 32x32 input");
  CHECK(w.help == "to use the whole input, use padding=1, or make c's input 31x31 or 33x33");

  w = only_warning(check_ns("input x: [B, 2, 25]\np = max_pool1d(2)\n"));
  CHECK(w.message == "max_pool1d's floor drops the last 1 element of its length-25 input");
  CHECK(w.help ==
        "to use the whole input, use padding=1 or ceil_mode=True, or make p's input length 24 "
        "or 26");

  // The padding on the right counts as covered; only real rows are dropped.
  w = only_warning(check_ns("input x: [B, 2, 25]\na = AvgPool1d(4, stride=3, padding=1)\n"));
  CHECK(w.message == "AvgPool1d's floor drops the last 1 element of its length-25 input");
  CHECK(w.help.find("use padding=2 or ceil_mode=True") != std::string::npos);

  w = only_warning(check_ns("input x: [B, 2, 9, 25, 24]\np = MaxPool3d(2)\n"));
  CHECK(w.message == "MaxPool3d's floor drops the last 1 plane and 1 row of its 9x25x24 input");
  CHECK(w.help.find("padding=(1, 1, 0)") != std::string::npos);
}

TEST_CASE("no floor-drops-input warning: ResNet stems, divisible sizes, ceil_mode, 1x1 stride 2") {
  // The standard ResNet stem and its downsampling: [B, 64, 112, 112] -> [B, 64, 56, 56] -> ...
  LoadedModel m = check_ns(
      "input x: [B, 3, 224, 224]\n"
      "conv1 = Conv2d(3, 64, 7, 2, 3, bias=False)\n"
      "pool = MaxPool2d(3, 2, 1)\n"
      "c2 = Conv2d(64, 128, 3, stride=2, padding=1)\n"
      "down = Conv2d(64, 128, 1, stride=2)(pool)\n"  // skips every other row by design
      "s = add(c2, down)\n"
      "c3 = Conv2d(128, 256, 3, stride=2, padding=1)\n"
      "c4 = Conv2d(256, 512, 3, stride=2, padding=1)\n");
  CHECK(layer_shape(m, "conv1") == "[B, 64, 112, 112]");
  CHECK(layer_shape(m, "pool") == "[B, 64, 56, 56]");
  CHECK(layer_shape(m, "c4") == "[B, 512, 7, 7]");
  CHECK(warnings(m).empty());
  CHECK(no_warning("input x: [B, 1, 24, 24]\nMaxPool2d(2)\n"));
  CHECK(no_warning("input x: [B, 1, 25, 25]\nMaxPool2d(2, ceil_mode=True)\n"));
  CHECK(no_warning("input x: [B, 1, 25, 25]\nMaxPool2d(2, padding=1)\n"));
  CHECK(no_warning("input x: [B, 1, 25, 25]\nConv2d(1, 1, 3, stride=1)\n"));
  CHECK(no_warning("input x: [B, 1, 25, 25]\nAdaptiveAvgPool2d(4)\n"));
}

TEST_CASE("warning: a tensor computed and never used") {
  LoadedModel m =
      check_ns("input x: [B, 10]\nfc1 = Linear(10, 20)\ny = ReLU()\nz = Linear(20, 5)(fc1)\n");
  Diagnostic w = only_warning(m);
  CHECK(w.code == "unused-tensor");
  CHECK(w.layer == "y");
  CHECK(w.span.line == 3);
  CHECK(w.message == "`y` is computed but never used");
  CHECK(w.help == "use it (as a later layer's input or in `output`) or remove the layer");

  // With `output`, a layer after the outputs is unused; unnamed layers show their op.
  w = only_warning(check_ns("input x: [B, 10]\nfc = Linear(10, 2)\nReLU()\noutput fc\n"));
  CHECK(w.message == "`relu2` (ReLU) is computed but never used");

  CHECK(no_warning("input x: [B, 10]\na = Linear(10, 4)\nb = Linear(10, 4)(x)\noutput a, b\n"));
  CHECK(no_warning("input x: [B, 10]\na = Linear(10, 4)\nb = ReLU()\n"));  // b is the output
}

TEST_CASE("warning: an unused tensor in Python forward, at the forward line") {
  LoadedModel m = check_ns(
      "import torch.nn as nn\nimport torch.nn.functional as F\n# input: [B, 16]\n"
      "class Net(nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.fc = nn.Linear(16, 10)\n"
      "        self.fc2 = nn.Linear(16, 10)\n"
      "    def forward(self, x):\n"
      "        y = self.fc2(x)\n"
      "        F.relu(x, inplace=True)\n"  // changes x: not unused
      "        z = F.relu(x)\n"
      "        return self.fc(x)\n",
      "net.py");
  CHECK(m.exit == ExitCode::Ok);
  auto w = warnings(m);
  REQUIRE(w.size() == 2);
  CHECK(w[0].message == "`fc2` (Linear) is computed but never used");
  CHECK(w[0].span.line == 10);
  CHECK(w[0].help == "use it (in a later call or in `return`) or remove the call");
  CHECK(w[1].message.find("(relu) is computed but never used") != std::string::npos);
  CHECK(w[1].span.line == 12);
}

// A view written in place (`v = y[:, 0]; v += 1`, `y[:, 0] += 1`) changes the tensor it views:
// used, as that tensor is. A tensor of its own written in place and never read is unused still.
TEST_CASE("warning: a view written in place is used, a tensor written in place and unread not") {
  const char* kNet =
      "import torch\nimport torch.nn as nn\n# input: [B, 16]\n"
      "class Net(nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.fc = nn.Linear(16, 10)\n"
      "    def forward(self, x):\n"
      "        y = self.fc(x)\n"
      "        BODY\n"
      "        return y\n";
  CHECK(warnings(check_ns(test::replaced(kNet, "BODY", "v = y[:, 0]\n        v += 1"), "net.py"))
            .empty());
  CHECK(warnings(check_ns(test::replaced(kNet, "BODY", "y[:, :3] *= 2"), "net.py")).empty());
  CHECK(warnings(check_ns(test::replaced(kNet, "BODY", "y.view(-1)[0] = 1"), "net.py")).empty());
  auto w = warnings(
      check_ns(test::replaced(kNet, "BODY", "z = torch.relu(y)\n        z += 1"), "net.py"));
  REQUIRE(w.size() == 1);
  CHECK(w[0].message == "`relu2` (relu) is computed but never used");
}

// DenseNet-style `torch.squeeze(out)` before a Linear: PyTorch 1.13 gives [2, 64] at batch 2 and
// [64] at batch 1 (torch.randn(1, 64, 1, 1).squeeze().shape), so with a symbolic batch the answer
// [B, 64] holds for every batch but 1.
TEST_CASE("warning: squeeze() of a batch-sized tensor also drops the batch at batch size 1") {
  Diagnostic w = only_warning(check_ns("input x: [B, 64, 1, 1]\nsq = squeeze()\n"));
  CHECK(w.code == "squeeze-batch");
  CHECK(w.layer == "sq");
  CHECK(w.message ==
        "squeeze() with no dim removes every size-1 dim: at batch size 1 it removes the batch dim "
        "B of [B, 64, 1, 1] too, giving [64], not [B, 64]");
  CHECK(w.help == "name the dims to remove: squeeze(3), then squeeze(2)");

  LoadedModel py = check_ns(
      "import torch\nimport torch.nn as nn\n# input: [B, 64, 4, 4]\n"
      "class Net(nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.pool = nn.AdaptiveAvgPool2d(1)\n"
      "        self.fc = nn.Linear(64, 10)\n"
      "    def forward(self, x):\n"
      "        return self.fc(torch.squeeze(self.pool(x)))\n",
      "net.py");
  w = only_warning(py);
  CHECK(w.span.line == 10);
  CHECK(w.help == "name the dims to remove: `x.squeeze(3).squeeze(2)`");

  // a dim named, a concrete batch, or no size-1 dim removed: no warning
  CHECK(no_warning("input x: [B, 64, 1]\nsq = squeeze(2)\n"));
  CHECK(no_warning("input x: [2, 64, 1, 1]\nsq = squeeze()\n"));
  CHECK(no_warning("input x: [B, 64, 3]\nsq = squeeze()\n"));
}

// PyTorch 1.13: in training mode nn.BatchNorm1d(64) on [1, 64] (and nn.BatchNorm2d(8) on
// [1, 8, 1, 1]) raises "ValueError: Expected more than 1 value per channel when training, got
// input size torch.Size([1, 64])"; in eval mode, which netshape checks, it runs.
TEST_CASE("warning: a BatchNorm given one value per channel fails in training mode") {
  Diagnostic w =
      only_warning(check_ns("input x: [1, 32]\nfc = Linear(32, 64)\nbn = BatchNorm1d(64)\n"));
  CHECK(w.code == "batch-norm-one-value");
  CHECK(w.layer == "bn");
  CHECK(w.message ==
        "in training mode BatchNorm1d raises \"Expected more than 1 value per channel when "
        "training, got input size torch.Size([1, 64])\": its batch statistics need 2 or more "
        "values per channel (netshape checks eval mode, where it runs)");
  CHECK(w.help ==
        "train with batches of 2 or more (`DataLoader(..., drop_last=True)` drops a last batch "
        "of 1)");
  CHECK(only_warning(check_ns("input x: [1, 8, 1, 1]\nbn = BatchNorm2d(8)\n")).code ==
        "batch-norm-one-value");
  // a batch of 2, positions per channel, or a symbolic batch: no warning
  CHECK(no_warning("input x: [2, 64]\nbn = BatchNorm1d(64)\n"));
  CHECK(no_warning("input x: [1, 8, 3]\nbn = BatchNorm1d(8)\n"));
  CHECK(no_warning("input x: [B, 64]\nbn = BatchNorm1d(64)\n"));
}

// A new PyTorch model is in training mode: `Net()(torch.zeros(2, 3))` below returns x, [2, 3];
// netshape reads forward as model.eval() runs it, x.sum(1), [2], and says so where the branch
// returns. A branch that only changes values (a dropout) does not warn.
TEST_CASE("warning: forward returns from a branch on self.training") {
  const std::string net =
      "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
      "        if self.training:\n            BODY\n        return x.sum(1)\n\n# input: [2, 3]\n";
  std::string returns = net;
  returns.replace(returns.find("BODY"), 4, "return x");
  LoadedModel m = check_ns(returns, "branch.py");
  Diagnostic w = only_warning(m);
  CHECK(test::out_shape(m) == "[2]");
  CHECK(w.code == "training-branch");
  CHECK(w.span.line == 5);
  CHECK(w.message ==
        "forward branches on `self.training`: netshape checks the branch of eval mode "
        "(model.eval()), where it is False; in training mode, a new model's, PyTorch takes the "
        "other, whose shapes are not checked");
  std::string values = net;
  values.replace(values.find("BODY"), 4, "x = x * 2");
  CHECK(no_warning(values, "values.py"));
}

TEST_CASE("shipped models: only the genuine floor drops warn") {
  // cifar_cnn: conv2 gives 13x13 and MaxPool2d(2, 2) makes it 6x6, dropping row and column 13;
  // fashion_5conv_stride: Conv2d(k=3, s=2, p=0) on 26x26 and on 10x10 drops the last ones.
  const std::map<std::string, std::set<std::string>> expected = {
      {"alexnet_lrn", {"pool1"}},  // 32 -> 15, as AlexNet's overlapping pools drop a row
      {"cifar_cnn", {"pool2"}},
      {"fashion_5conv_stride", {"conv2", "conv4"}},
  };
  const fs::path root = NETSHAPE_SOURCE_DIR;
  int checked = 0;
  for (const fs::path& dir : {root / "models", root / "models" / "notes"}) {
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string ext = e.path().extension().string();
      if (ext != ".ns" && ext != ".py") continue;
      CAPTURE(e.path().string());
      std::string err;
      auto src = read_source(e.path().string(), err);
      REQUIRE(src);
      LoadedModel m;
      m.source = *src;
      load_model(m, {});
      std::set<std::string> layers;
      for (const Diagnostic& d : warnings(m)) {
        CHECK(d.code == "floor-drops-input");
        layers.insert(d.layer);
      }
      std::string stem = e.path().stem().string();
      auto it = expected.find(stem);
      if (it == expected.end()) {
        CHECK(layers.empty());
      } else if (ext == ".ns") {
        CHECK(layers == it->second);
      } else {
        CHECK(layers.size() == it->second.size());  // Python names the second pool call pool_2
      }
      ++checked;
    }
  }
  CHECK(checked >= 40);
}

TEST_CASE("check: warnings exit 0, print after the table and appear in the JSON diagnostics") {
  auto r = run_cli("check models/cifar_cnn.ns");
  CHECK(r.code == 0);
  size_t table = r.out.find("params: ");
  size_t warning = r.out.find(
      "models/cifar_cnn.ns:14:9: warning: MaxPool2d's floor drops the last 1 row and 1 column of "
      "its 13x13 input\n");
  REQUIRE(table != std::string::npos);
  REQUIRE(warning != std::string::npos);
  CHECK(table < warning);
  CHECK(r.out.find("help: to use the whole input, use padding=1 or ceil_mode=True, or make "
                   "pool2's input 12x12 or 14x14\n") != std::string::npos);

  r = test::run_shell("cd " + std::string(NETSHAPE_SOURCE_DIR) + " && " +
                      std::string(NETSHAPE_BINARY) +
                      " check models/cifar_cnn.ns --format json 2>/dev/null");
  CHECK(r.code == 0);
  CHECK(r.out.find("\"severity\": \"warning\",\n      \"line\": 14,\n      \"column\": 9,\n"
                   "      \"layer\": \"pool2\"") != std::string::npos);

  r = run_cli("check models/lenet.ns");
  CHECK(r.code == 0);
  CHECK(r.out.find("warning") == std::string::npos);
}

TEST_CASE("params with a guessed input shows no warning about that input") {
  auto r = run_cli("params \"Conv2d(1, 32, 3, stride=2)\"");
  CHECK(r.code == 0);
  CHECK(r.out.find("warning") == std::string::npos);
  r = run_cli("params \"Conv2d(1, 32, 3, stride=2)\" --input 1,1,16,16");
  CHECK(r.code == 0);
  CHECK(r.out.find("warning: Conv2d's floor drops the last 1 row and 1 column of its 16x16 "
                   "input") != std::string::npos);
}
