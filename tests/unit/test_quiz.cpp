// Every quiz of the course notes, answered by netshape with the notes' correct answer.
#include <cstdio>
#include <filesystem>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

struct Run {
  int code;
  std::string out;
};

// Runs the built binary with `args` (stdout and stderr merged).
Run run_cli(const std::string& args) {
  std::string cmd = "cd " + std::string(NETSHAPE_SOURCE_DIR) + " && " +
                    std::string(NETSHAPE_BINARY) + " " + args + " 2>&1";
  test::ShellRun r = test::run_shell(cmd);
  return {r.code, std::move(r.out)};
}

LoadedModel load(const std::string& rel) {
  std::string err;
  auto src = read_source(std::string(NETSHAPE_SOURCE_DIR) + "/" + rel, err);
  REQUIRE(src);
  LoadedModel m;
  m.source = *src;
  load_model(m, {});
  return m;
}

std::string shape_of(const LoadedModel& m, const std::string& layer) {
  for (const auto& l : m.analysis.layers)
    if (l.name == layer) return l.output ? to_string(*l.output) : "error";
  return "missing";
}

}  // namespace

TEST_CASE("quiz mode: shape and params") {
  auto r = run_cli("shape \"Conv2d(1, 32, 3); ReLU(); MaxPool2d(2)\" --input 1x50x50");
  CHECK(r.code == 0);
  CHECK(r.out == "(32, 24, 24)\n");
  r = run_cli("shape \"nn.Conv2d(1, 32, 3)\nnn.ReLU()\nnn.MaxPool2d(2, 2)\" --input 1x50x50");
  CHECK(r.out == "(32, 24, 24)\n");
  r = run_cli("params \"Conv2d(5, 10, 3)\"");
  CHECK(r.code == 0);
  CHECK(r.out.find("460 params") != std::string::npos);
  CHECK(r.out.find("weight: [10, 5, 3, 3]") != std::string::npos);
  CHECK(r.out.find("bias: [10]") != std::string::npos);
  r = run_cli("shape \"Conv2d(1, 32, 3)\"");
  CHECK(r.code == 2);
  CHECK(r.out.find("help:") != std::string::npos);
}

TEST_CASE("Vietnamese notes Q1-Q2: kernel shape and parameter count") {
  // Q1: 10 kernels of 3x3 over a 6-channel input: PyTorch's weight is [10, 6, 3, 3].
  auto r = run_cli("params \"Conv2d(6, 10, kernel_size=3)\"");
  CHECK(r.out.find("weight: [10, 6, 3, 3]") != std::string::npos);
  // Q2: one 3x3 kernel on one channel: 9 weights + 1 bias = 10 parameters (answer b).
  r = run_cli("params \"Conv2d(1, 1, kernel_size=3)\"");
  CHECK(r.out.find(": 10 params") != std::string::npos);
}

TEST_CASE("Vietnamese notes Q4-Q6 (input (1, 50, 50))") {
  auto q4 = load("models/notes/quiz_q4.py");
  CHECK(q4.exit == ExitCode::Ok);
  CHECK(to_string(q4.analysis.outputs.at(0).second) == "[B, 32, 24, 24]");  // answer d
  auto q5 = load("models/notes/quiz_q5.py");
  CHECK(to_string(q5.analysis.outputs.at(0).second) == "[B, 32, 10, 10]");  // answer b
  auto q6 = load("models/notes/quiz_q6.py");                                // answer d: error
  CHECK(q6.exit == ExitCode::ShapeError);
  const Diagnostic& e = q6.diags.items().at(0);
  CHECK(e.layer == "conv2");
  CHECK(e.help.find("conv2 receives 32 channels, so it needs in_channels=32") != std::string::npos);
  CHECK(e.help.find("self.conv2 = nn.Conv2d(32, 32, kernel_size=3)") != std::string::npos);
  auto r = run_cli("check models/notes/quiz_q6.py");
  CHECK(r.code == 1);
  CHECK(r.out.find("models/notes/quiz_q6.py:") != std::string::npos);
  auto ns = load("models/quiz_q6_error.ns");
  CHECK(ns.exit == ExitCode::ShapeError);
}

TEST_CASE("Korean worked example: (10, 1, 20, 20) -> (10, 10)") {
  auto m = load("models/notes/korean_cnn.py");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(shape_of(m, "conv1") == "[10, 3, 16, 16]");
  CHECK(shape_of(m, "conv2") == "[10, 10, 12, 12]");
  CHECK(shape_of(m, "fc1") == "[10, 50]");
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[10, 10]");
}

TEST_CASE("Deep Learning notes walk-through: CIFAR CNN 32 -> 30 -> 15 -> 13 -> 6 -> 4 -> 2048") {
  auto m = load("models/notes/cifar_cnn.py");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(shape_of(m, "conv1") == "[B, 32, 30, 30]");
  CHECK(shape_of(m, "pool") == "[B, 32, 15, 15]");
  CHECK(shape_of(m, "conv2") == "[B, 64, 13, 13]");
  CHECK(shape_of(m, "pool_2") == "[B, 64, 6, 6]");
  CHECK(shape_of(m, "conv3") == "[B, 128, 4, 4]");
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[B, 10]");
  auto r = run_cli("check models/notes/cifar_cnn.py --explain");
  CHECK(r.out.find("H_out = floor((32 + 2*0 - 1*(3-1) - 1)/1) + 1 = 30") != std::string::npos);
  CHECK(r.out.find("params = 32*(3*3*3) + 32 = 896") != std::string::npos);
  CHECK(r.out.find("MACs = 32*30*30*(3*3*3) = 777,600") != std::string::npos);
  CHECK(r.out.find("in_features = 128*4*4 = 2048") != std::string::npos);
}

TEST_CASE("SimpleCNN and the classic fc1 mistake in Python terms") {
  auto m = load("models/notes/simple_cnn.py");
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[B, 10]");
  auto r =
      run_cli("check - --format json < " + std::string(NETSHAPE_SOURCE_DIR) + "/models/lenet.ns");
  CHECK(r.code == 0);
  CHECK(r.out.find("\"macs\": 460800") != std::string::npos);
  CHECK(run_cli("check /nonexistent.ns").code == 2);
  CHECK(run_cli("check models/lenet.ns --format xml").code == 2);
  CHECK(run_cli("frobnicate").code == 2);
  CHECK(run_cli("").code == 2);
}

TEST_CASE("bad command lines end with exit 2 and a message, never a crash") {
  const char* lines[] = {"check",
                         "check models/lenet.ns --input 0x3",
                         "check models/lenet.ns --input 1x-3",
                         "run models/lenet.ns --seed abc",
                         "run models/lenet.ns --threads -1",
                         "run models/lenet.ns --batch 0",
                         "run models/lenet.ns --format csv",
                         "bench conv --layers /nonexistent.csv",
                         "bench",
                         "shape \"\" --input 1x2",
                         "params \"\"",
                         "shape \"Conv2d(\" --input 1x2x3",
                         "check models",
                         "check models/notes/cifar_cnn.py --arg nonsense",
                         "check models/notes/cifar_cnn.py --model Nope",
                         "--no-such-flag"};
  for (const char* l : lines) {
    INFO(std::string(l));
    auto r = run_cli(l);
    CHECK(r.code == 2);
    CHECK(r.out.find("error") != std::string::npos);
  }
  CHECK(run_cli("--help").code == 0);
  CHECK(run_cli("check models/lenet.ns --input B,1,28,28 --format csv").code == 0);
}

TEST_CASE("Python: a module called twice counts its params once (model.parameters())") {
  LoadedModel m;
  m.source = SourceFile(
      "reuse.py",
      "import torch.nn as nn\nimport torch.nn.functional as F\n# input: [B, 16, 20, 20]\n"
      "class R(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.conv_a = nn.Conv2d(16, 16, 3, padding=1)\n"
      "    def forward(self, x):\n        y = self.conv_a(x)\n"
      "        x = F.dropout(x + self.conv_a(y), p=0.2, training=self.training)\n"
      "        return x * y\n");
  load_model(m, {});
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 2320);  // PyTorch: 16*16*9 + 16
  CHECK(m.analysis.layers[1].name == "conv_a_2");
  CHECK(m.analysis.layers[1].params == 0);
  CHECK(m.analysis.layers[1].macs == m.analysis.layers[0].macs);  // it still runs
  CHECK(m.analysis.totals.macs == 2 * m.analysis.layers[0].macs);
}

TEST_CASE("Python: nn.Sequential(OrderedDict(...)) keeps the keys as names") {
  LoadedModel m;
  m.source = SourceFile(
      "od.py",
      "import torch.nn as nn\nfrom collections import OrderedDict\n# input: [B, 1, 8, 8]\n"
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.features = nn.Sequential(OrderedDict([('conv1', nn.Conv2d(1, 4, 3)), "
      "('relu1', nn.ReLU())]))\n        self.fc = nn.Linear(144, 3)\n"
      "    def forward(self, x):\n        return self.fc(self.features(x).flatten(1))\n");
  load_model(m, {});
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.layers[0].name == "features.conv1");
  CHECK(m.analysis.layers[1].name == "features.relu1");
  CHECK(m.analysis.totals.params == 475);  // PyTorch
}
