// The model zoo (models/*.ns) against PyTorch's truth (tests/golden/<model>.torch.json, written by
// tests/golden/gen_golden.py from real torch.nn modules), the report golden files
// (tests/golden/<model>.{table,markdown,csv,json}), the LeNet numbers of the course notes, and the
// CLI's diagnostic for models/broken_fc.ns.
//
// Regenerate the report golden files (after checking the new output by eye):
//   NETSHAPE_UPDATE_GOLDEN=1 ./netshape_tests -tc='model reports*'
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"
#include "netshape/shape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
namespace fs = std::filesystem;

namespace {

const fs::path kRoot = NETSHAPE_SOURCE_DIR;
const fs::path kGolden = kRoot / "tests" / "golden";
const fs::path kModels = kRoot / "models";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool update_golden() {
  const char* v = std::getenv("NETSHAPE_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// Every model with a PyTorch golden file, by stem (lenet, cifar_cnn, ...), sorted.
std::vector<std::string> torch_golden_models() {
  std::vector<std::string> out;
  const std::string suffix = ".torch.json";
  if (!fs::exists(kGolden)) return out;
  for (const auto& e : fs::directory_iterator(kGolden)) {
    std::string f = e.path().filename().string();
    if (f.size() > suffix.size() &&
        f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(f.substr(0, f.size() - suffix.size()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every models/*.ns, by stem.
std::vector<std::string> all_models() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kModels)) {
    if (e.path().extension() == ".ns") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

LoadedModel load(const std::string& stem) {
  LoadedModel m;
  std::string err;
  auto src = read_source((kModels / (stem + ".ns")).string(), err);
  REQUIRE_MESSAGE(src.has_value(), err);
  m.source = *src;
  load_model(m, {});
  return m;
}

// A shape with the symbolic batch substituted by 1 (Dim{value, "B"} means value * B).
std::vector<int64_t> concrete(const Shape& s) {
  std::vector<int64_t> out;
  for (const Dim& d : s) out.push_back(d.value);
  return out;
}

std::string first_error(const Diagnostics& diags) {
  for (const Diagnostic& d : diags.items()) {
    if (d.severity == Severity::Error) return d.message;
  }
  return "";
}

}  // namespace

TEST_CASE("every models/*.ns has a PyTorch golden file") {
  const auto golden = torch_golden_models();
  CHECK(golden.size() >= 20);
  for (const std::string& stem : all_models()) {
    CAPTURE(stem);
    CHECK(std::find(golden.begin(), golden.end(), stem) != golden.end());
  }
}

TEST_CASE("models agree with PyTorch layer by layer") {
  for (const std::string& stem : torch_golden_models()) {
    CAPTURE(stem);
    const nlohmann::json t = nlohmann::json::parse(slurp(kGolden / (stem + ".torch.json")));
    LoadedModel m = load(stem);
    const Analysis& a = m.analysis;
    const nlohmann::json& layers = t.at("layers");
    const bool is_error = !t.at("error").is_null();

    REQUIRE(a.layers.size() == layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      const nlohmann::json& g = layers[i];
      const LayerInfo& l = a.layers[i];
      const std::string name = g.at("name").get<std::string>();
      CAPTURE(name);
      CHECK(l.name == name);
      CHECK(l.op_name == g.at("op").get<std::string>());
      CHECK(test::input_names(a, l) == g.at("inputs").get<std::vector<std::string>>());
      if (is_error && i + 1 == layers.size()) break;  // the failing layer: checked below
      REQUIRE(l.output.has_value());
      CHECK(concrete(*l.output) == g.at("output_shape").get<std::vector<int64_t>>());
      CHECK(l.params == g.at("params").get<int64_t>());
      CHECK(l.trainable_params == g.at("trainable_params").get<int64_t>());
      CHECK(l.macs == g.at("macs").get<int64_t>());
      if (g.contains("inferred")) {
        for (const auto& [key, v] : g.at("inferred").items()) {
          const std::string k = key;  // CAPTURE's lambda cannot capture a binding (clang < 16)
          CAPTURE(k);
          REQUIRE(l.inferred().count(k) == 1);
          CHECK(l.inferred().at(k) == v.get<int64_t>());
        }
      }
    }

    if (is_error) {
      const nlohmann::json& e = t.at("error");
      CHECK(m.exit == ExitCode::ShapeError);
      CHECK_FALSE(a.ok);
      CHECK(a.layers.size() == e.at("index").get<size_t>() + 1);
      CHECK(a.layers.back().name == e.at("layer").get<std::string>());
      CHECK_FALSE(a.layers.back().output.has_value());
      // netshape reports PyTorch's message (it may add the symbolic batch, e.g. "4608*B").
      const std::string torch_msg = e.at("message").get<std::string>();
      const std::string ns_msg = first_error(m.diags);
      CAPTURE(ns_msg);
      CHECK(ns_msg.rfind(torch_msg, 0) == 0);
      bool positioned = false;
      for (const Diagnostic& d : m.diags.items()) {
        if (d.severity == Severity::Error) positioned = d.span.line == e.at("line").get<int>();
      }
      CHECK(positioned);
    } else {
      CHECK(m.exit == ExitCode::Ok);
      CHECK(a.ok);
      const nlohmann::json& tot = t.at("totals");
      CHECK(a.totals.params == tot.at("params").get<int64_t>());
      CHECK(a.totals.trainable_params == tot.at("trainable_params").get<int64_t>());
      CHECK(a.totals.non_trainable_params == tot.at("non_trainable_params").get<int64_t>());
      CHECK(a.totals.macs == tot.at("macs").get<int64_t>());
      const nlohmann::json& outs = t.at("outputs");
      REQUIRE(a.outputs.size() == outs.size());
      for (const auto& [output, shape] : a.outputs) {
        const std::string& name = output;  // CAPTURE's lambda cannot capture a binding (clang < 16)
        CAPTURE(name);
        REQUIRE(outs.contains(name));
        CHECK(concrete(shape) == outs.at(name).get<std::vector<int64_t>>());
      }
    }
  }
}

TEST_CASE("model reports match the golden files") {
  const std::array<std::pair<ReportFormat, const char*>, 4> formats{{
      {ReportFormat::Table, "table"},
      {ReportFormat::Markdown, "markdown"},
      {ReportFormat::Csv, "csv"},
      {ReportFormat::Json, "json"},
  }};
  for (const std::string& stem : all_models()) {
    LoadedModel m = load(stem);
    for (const auto& [fmt, ext] : formats) {
      const fs::path golden = kGolden / (stem + "." + ext);
      CAPTURE(golden.string());
      const std::string got = render_report(m.analysis, m.diags, fmt);
      if (update_golden()) {
        std::ofstream(golden, std::ios::binary) << got;
        continue;
      }
      REQUIRE_MESSAGE(fs::exists(golden), "missing; run with NETSHAPE_UPDATE_GOLDEN=1");
      CHECK(got == slurp(golden));
    }
  }
}

TEST_CASE("LeNet numbers of the course notes (seed 003)") {
  LoadedModel m = load("lenet");
  REQUIRE(m.exit == ExitCode::Ok);
  const auto& L = m.analysis.layers;
  REQUIRE(L.size() == 10);
  auto layer = [&](const std::string& name) -> const LayerInfo& {
    for (const LayerInfo& l : L) {
      if (l.name == name) return l;
    }
    FAIL("no layer " << name);
    return L.front();
  };
  CHECK(layer("conv1").params == 832);
  CHECK(layer("conv1").macs == 460800);
  CHECK(to_string(*layer("conv1").output) == "[32, 24, 24]");
  CHECK(to_string(*layer("pool1").output) == "[32, 8, 8]");
  CHECK(layer("conv2").params == 51264);
  CHECK(layer("conv2").macs == 819200);
  CHECK(to_string(*layer("conv2").output) == "[64, 4, 4]");
  CHECK(to_string(*layer("pool2").output) == "[64, 2, 2]");
  CHECK(to_string(*layer("flat").output) == "[1, 256]");
  CHECK(layer("fc1").params == 51400);
  CHECK(layer("fc1").macs == 51200);
  CHECK(layer("fc2").params == 2010);
  CHECK(layer("fc2").macs == 2000);
  for (const char* zero : {"pool1", "relu1", "pool2", "relu2", "flat", "relu3"}) {
    CAPTURE(zero);
    CHECK(layer(zero).params == 0);
    CHECK(layer(zero).macs == 0);
  }
  CHECK(m.analysis.totals.params == 105506);
  CHECK(m.analysis.totals.trainable_params == 105506);
  CHECK(m.analysis.totals.macs == 1333200);
}

TEST_CASE("CLI: broken_fc.ns fails with a positioned diagnostic and the fix") {
  const fs::path err_file = fs::temp_directory_path() / "netshape_test_models_broken_fc.stderr";
  const std::string cmd = std::string("cd \"") + kRoot.string() + "\" && \"" + NETSHAPE_BINARY +
                          "\" check models/broken_fc.ns >/dev/null 2>\"" + err_file.string() + "\"";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  const std::string err = slurp(err_file);
  fs::remove(err_file);
  CAPTURE(err);

  // Where fc1 = Linear(2048, 64) is in the file.
  const std::string src = slurp(kModels / "broken_fc.ns");
  int line = 0, col = 0, n = 0;
  std::istringstream ls(src);
  for (std::string l; std::getline(ls, l);) {
    ++n;
    if (l.rfind("fc1 = Linear(2048, 64)", 0) == 0) line = n;
  }
  REQUIRE(line > 0);
  const std::string prefix = "broken_fc.ns:" + std::to_string(line) + ":";
  const size_t at = err.find(prefix);
  REQUIRE(at != std::string::npos);
  col = std::atoi(err.c_str() + at + prefix.size());
  CHECK(col >= 1);
  CHECK(err.find(prefix + std::to_string(col) + ": error:") != std::string::npos);
  CHECK(err.find("fc1 = Linear(2048, 64)") != std::string::npos);  // the source line

  bool caret = false;
  std::istringstream es(err);
  for (std::string l; std::getline(es, l);) {
    const size_t c = l.find('^');
    if (c != std::string::npos && l.find_first_not_of(" |^0123456789") == std::string::npos)
      caret = true;
  }
  CHECK(caret);
  CHECK(err.find("help: fc1 receives 4608 features") != std::string::npos);
  CHECK(err.find("Linear(4608, 64)") != std::string::npos);
}
