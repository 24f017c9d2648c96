// The PyTorch form and the .ns form of the same model give the same analysis: per-layer output
// shapes, params and MACs, outputs and totals (names and positions aside).
#include <filesystem>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

LoadedModel load_file(const std::filesystem::path& p, const std::string& input = {}) {
  std::string err;
  auto src = read_source(p.string(), err);
  REQUIRE(src);
  LoadedModel m;
  m.source = *src;
  LoadOptions o;
  o.input_dims = input;
  load_model(m, o);
  return m;
}

nlohmann::ordered_json comparable(const LoadedModel& m) {
  auto j = to_json(m.analysis, m.diags);
  nlohmann::ordered_json out;
  for (const auto& l : j["layers"])
    out["layers"].push_back({l["output_shape"], l["params"], l["macs"]});
  out["totals"] = j["totals"];
  for (const auto& [name, shape] : j["outputs"].items()) out["outputs"].push_back(shape);
  out["exit"] = static_cast<int>(m.exit);
  return out;
}

}  // namespace

TEST_CASE(".py and .ns forms of every notes model agree") {
  int pairs = 0;
  std::filesystem::path root(NETSHAPE_SOURCE_DIR);
  for (const auto& e : std::filesystem::directory_iterator(root / "models" / "notes")) {
    if (e.path().extension() != ".py") continue;
    std::string stem = e.path().stem().string();
    auto ns = root / "models" / (stem + ".ns");
    if (stem == "quiz_q6") ns = root / "models" / "quiz_q6_error.ns";
    if (stem == "lenet_like") ns = root / "models" / "lenet.ns";
    if (!std::filesystem::exists(ns)) continue;
    INFO(stem);
    auto py = load_file(e.path());
    // lenet.ns is unbatched like the notes' table; the class takes a batch.
    auto nsm = load_file(ns, stem == "lenet_like" ? "B,1,28,28" : "");
    CHECK(comparable(py).dump() == comparable(nsm).dump());
    ++pairs;
  }
  CHECK(pairs >= 15);
}
