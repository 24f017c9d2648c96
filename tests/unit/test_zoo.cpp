// The model zoo (models/zoo/*.ns, written with blocks) against PyTorch: tests/zoo/golden.json
// holds what torchvision 0.14 / torch 1.13 give for the same models (tests/zoo/gen_golden.py,
// forward hooks): total params, MACs and output shape, and for every module that holds
// parameters of its own its named_modules() name, output shape, params and MACs, and for every
// top-level child its output shape, params and MACs. The test needs no PyTorch.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "netshape/grouping.hpp"
#include "netshape/netshape.hpp"

using namespace netshape;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = NETSHAPE_SOURCE_DIR;

const nlohmann::json& golden() {
  static const nlohmann::json g = [] {
    std::ifstream in(kRoot / "tests/zoo/golden.json");
    REQUIRE(in);
    return nlohmann::json::parse(in);
  }();
  return g;
}

// [1, 3, 224, 224] as netshape writes a shape.
std::string shape_text(const nlohmann::json& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i].get<int64_t>());
  }
  return s + "]";
}

// The file declares a symbolic batch (`run --batch 8` binds it); golden.json is at batch 1.
LoadedModel analyze(const std::string& stem, const std::string& input_dims = "") {
  LoadOptions o;
  o.input_dims = input_dims;
  LoadedModel m = analyze_file((kRoot / "models/zoo" / (stem + ".ns")).string(), o);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  return m;
}

// Everything golden.json says about one model, checked against netshape's analysis of its file.
void check_model(const std::string& stem) {
  CAPTURE(stem);
  REQUIRE(golden().contains(stem));
  const nlohmann::json& g = golden()[stem];
  CHECK(g["file"] == "models/zoo/" + stem + ".ns");
  std::string declared = shape_text(g["input"]);
  REQUIRE(declared.rfind("[1, ", 0) == 0);
  LoadedModel as_written = analyze(stem);
  REQUIRE(as_written.analysis.inputs.size() == 1);
  CHECK(to_string(as_written.analysis.inputs[0].second) == "[B, " + declared.substr(4));
  LoadedModel m = analyze(stem, declared);
  const Analysis& a = m.analysis;

  REQUIRE(a.inputs.size() == 1);
  CHECK(to_string(a.inputs[0].second) == declared);
  REQUIRE(a.outputs.size() == 1);
  CHECK(to_string(a.outputs[0].second) == shape_text(g["output"]));
  CHECK(a.totals.params == g["params"].get<int64_t>());
  CHECK(a.totals.trainable_params == g["params"].get<int64_t>());
  CHECK(a.totals.macs == g["macs"].get<int64_t>());

  // Every module with parameters of its own is a row of that name: same output, params, MACs.
  std::map<std::string, const LayerInfo*> rows;
  size_t with_params = 0;
  for (const LayerInfo& l : a.layers) {
    rows.emplace(l.name, &l);
    with_params += l.params > 0;
  }
  for (const nlohmann::json& mod : g["modules"]) {
    const std::string name = mod["name"];
    CAPTURE(name);
    auto it = rows.find(name);
    REQUIRE_MESSAGE(it != rows.end(), "no row named as torchvision's module");
    const LayerInfo& l = *it->second;
    CHECK(l.op_name == mod["type"].get<std::string>());
    REQUIRE(l.output);
    CHECK(to_string(*l.output) == shape_text(mod["output"]));
    CHECK(l.params == mod["params"].get<int64_t>());
    CHECK(l.macs == mod["macs"].get<int64_t>());
  }
  // ... and no other row holds parameters.
  CHECK(with_params == g["modules"].size());

  // Every top-level child is a row of `--depth 1` of that name, with its output, params, MACs.
  Grouping g1 = group_layers(m, 1);
  std::map<std::string, const ModuleRow*> children;
  for (const ModuleRow& r : g1.rows)
    if (r.depth == 1) children.emplace(r.name, &r);
  for (const nlohmann::json& child : g["children"]) {
    const std::string name = child["name"];
    CAPTURE(name);
    auto it = children.find(name);
    REQUIRE_MESSAGE(it != children.end(), "no --depth 1 row named as torchvision's child");
    const ModuleRow& r = *it->second;
    CHECK(r.named_module);
    REQUIRE(r.output);
    CHECK(to_string(*r.output) == shape_text(child["output"]));
    CHECK(r.params == child["params"].get<int64_t>());
    CHECK(r.macs == child["macs"].get<int64_t>());
  }
}

}  // namespace

TEST_CASE("zoo: every file has golden data, a header naming its paper and its input") {
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(kRoot / "models/zoo")) {
    if (e.path().extension() != ".ns") continue;
    files.insert(e.path().stem().string());
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(e.path().string());
    CHECK(text.rfind("# ", 0) == 0);
    CHECK(text.find("arXiv:") != std::string::npos);
    CHECK(text.find("\n# Input: ") != std::string::npos);
  }
  std::set<std::string> stems;
  for (auto it = golden().begin(); it != golden().end(); ++it) stems.insert(it.key());
  CHECK(files == stems);
  CHECK(files.size() == 14);
}

TEST_CASE("zoo: alexnet matches torchvision") {
  check_model("alexnet");
}
TEST_CASE("zoo: vgg11 matches torchvision") {
  check_model("vgg11");
}
TEST_CASE("zoo: vgg16 matches torchvision") {
  check_model("vgg16");
}
TEST_CASE("zoo: resnet18 matches torchvision") {
  check_model("resnet18");
}
TEST_CASE("zoo: resnet34 matches torchvision") {
  check_model("resnet34");
}
TEST_CASE("zoo: resnet50 matches torchvision") {
  check_model("resnet50");
}
TEST_CASE("zoo: resnet101 matches torchvision") {
  check_model("resnet101");
}
TEST_CASE("zoo: resnet152 matches torchvision") {
  check_model("resnet152");
}
TEST_CASE("zoo: mobilenet_v2 matches torchvision") {
  check_model("mobilenet_v2");
}
TEST_CASE("zoo: densenet121 matches torchvision") {
  check_model("densenet121");
}
TEST_CASE("zoo: squeezenet1_1 matches torchvision") {
  check_model("squeezenet1_1");
}
TEST_CASE("zoo: googlenet matches torchvision") {
  check_model("googlenet");
}
TEST_CASE("zoo: inception_v3 matches torchvision") {
  check_model("inception_v3");
}
TEST_CASE("zoo: unet matches the reference PyTorch U-Net") {
  check_model("unet");
}

// The totals, written out: what torchvision's models give (sum(p.numel()), and MACs by the
// contract's rules), so that a golden.json regenerated wrong cannot move them.
TEST_CASE("zoo: the totals are torchvision's, literally") {
  struct Total {
    const char* stem;
    int64_t params;
    int64_t macs;
    const char* output;
  };
  const Total totals[] = {
      {"alexnet", 61'100'840, 714'188'480, "[B, 1000]"},
      {"vgg11", 132'863'336, 7'609'090'048, "[B, 1000]"},
      {"vgg16", 138'357'544, 15'470'264'320, "[B, 1000]"},
      {"resnet18", 11'689'512, 1'814'073'344, "[B, 1000]"},
      {"resnet34", 21'797'672, 3'663'761'408, "[B, 1000]"},
      {"resnet50", 25'557'032, 4'089'184'256, "[B, 1000]"},
      {"resnet101", 44'549'160, 7'801'405'440, "[B, 1000]"},
      {"resnet152", 60'192'808, 11'513'626'624, "[B, 1000]"},
      {"mobilenet_v2", 3'504'872, 300'774'272, "[B, 1000]"},
      {"densenet121", 7'978'856, 2'834'161'664, "[B, 1000]"},
      {"squeezenet1_1", 1'235'496, 349'151'936, "[B, 1000]"},
      {"googlenet", 6'624'904, 1'498'376'192, "[B, 1000]"},
      {"inception_v3", 23'834'568, 5'713'216'096, "[B, 1000]"},
      {"unet", 31'030'658, 48'096'083'968, "[B, 2, 256, 256]"},
  };
  for (const Total& t : totals) {
    CAPTURE(t.stem);
    LoadedModel m = analyze(t.stem);
    CHECK(m.analysis.totals.params == t.params);
    CHECK(m.analysis.totals.macs == t.macs);
    REQUIRE(m.analysis.outputs.size() == 1);
    CHECK(to_string(m.analysis.outputs[0].second) == t.output);
    CHECK(golden()[t.stem]["params"].get<int64_t>() == t.params);
    CHECK(golden()[t.stem]["macs"].get<int64_t>() == t.macs);
  }
}
