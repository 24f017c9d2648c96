// Model files written the way tutorials, course repos and model zoos write them (helper methods,
// loops, config dicts, factories, comprehensions, functools.partial, user base classes), read by
// the construction interpreter and compared with what PyTorch computed for the same files
// (tests/py_models/golden.json, from gen_golden.py): the output shape, model.parameters()'s
// count, and the output of every call of every leaf module by its named_modules() name.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netshape/netshape.hpp"

using namespace netshape;

namespace {

std::vector<int64_t> dims_of(const Shape& s) {
  std::vector<int64_t> out;
  for (const Dim& d : s) out.push_back(d.value);
  return out;
}

}  // namespace

TEST_CASE("py models: every model of the corpus equals PyTorch, module by module") {
  std::ifstream in(NETSHAPE_SOURCE_DIR "/tests/py_models/golden.json");
  REQUIRE(in);
  nlohmann::json golden = nlohmann::json::parse(in);
  REQUIRE(golden.size() >= 6);
  for (const auto& g : golden) {
    std::string file = g["file"].get<std::string>();
    CAPTURE(file);
    CAPTURE(g["model"].get<std::string>());
    LoadOptions opts;
    opts.model = g["model"].get<std::string>();
    std::string dims;
    for (const auto& d : g["input"])
      dims += (dims.empty() ? "" : ",") + std::to_string(d.get<int64_t>());
    opts.input_dims = dims;
    LoadedModel m = analyze_file(NETSHAPE_SOURCE_DIR "/tests/py_models/" + file, opts);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    // One output's shape, or the shapes of a dict's outputs in order.
    bool several = !g["output"].empty() && g["output"][0].is_array();
    auto outputs = several ? g["output"].get<std::vector<std::vector<int64_t>>>()
                           : std::vector<std::vector<int64_t>>{g["output"]};
    REQUIRE(m.analysis.outputs.size() == outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i)
      CHECK(dims_of(m.analysis.outputs[i].second) == outputs[i]);
    CHECK(m.analysis.totals.params == g["params"].get<int64_t>());
    // Each module's calls, in order, are the layers whose parameters it owns. A module of the
    // file's own without submodules (a leaf to PyTorch, e.g. a Chomp1d slicing its input) has
    // functional rows only: each call is a run of its rows, and the call's output is the last.
    std::map<std::string, std::vector<std::vector<int64_t>>> calls, runs;
    std::string previous;
    for (const LayerInfo& l : m.analysis.layers) {
      std::string owner(m.graph->owner_path(l.node));
      // (F.layer_norm without a weight is a LayerNorm row of no module: unnamed)
      bool module_call = op_info(l.op).is_module() && m.graph->nodes[l.node].statement->named;
      if (module_call) calls[owner].push_back(dims_of(*l.output));
      if (owner != previous || runs[owner].empty()) runs[owner].emplace_back();
      runs[owner].back() = dims_of(*l.output);
      previous = owner;
    }
    for (const auto& item : g["modules"].items())
      if (calls.count(item.key()) == 0 && runs.count(item.key()) != 0)
        calls[item.key()] = runs[item.key()];
    // Such a module may also apply a layer it derives from (a LayerNorm over channels that
    // permutes, normalises and permutes back): its one call's output is the module's.
    std::map<TensorId, std::vector<int64_t>> shape_of;
    for (const LayerInfo& l : m.analysis.layers)
      shape_of[m.graph->nodes[l.node].output] = dims_of(*l.output);
    for (const GraphModule& mod : m.graph->modules) {
      std::string path(m.graph->name(mod.path));
      if (g["modules"].contains(path) && g["modules"][path].size() == 1 && mod.output != kNoId)
        calls[path] = {shape_of[mod.output]};
    }
    size_t modules = 0;
    for (const auto& item : g["modules"].items()) {
      std::string name = item.key();
      CAPTURE(name);
      CHECK(calls[name] == item.value().get<std::vector<std::vector<int64_t>>>());
      ++modules;
    }
    CHECK(modules == calls.size());
  }
}

TEST_CASE("py models: a module forward never applies counts in the total, with one warning") {
  // inception_aux.py's aux1 runs only in training; model.parameters() counts its 281,482
  // parameters (PyTorch: sum(p.numel() for p in model.aux1.parameters())), in 4 layers.
  LoadOptions opts;
  LoadedModel m = analyze_file(NETSHAPE_SOURCE_DIR "/tests/py_models/inception_aux.py", opts);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<const Diagnostic*> unapplied;
  for (const Diagnostic& d : m.diags.items())
    if (d.code == "unapplied-module") unapplied.push_back(&d);
  REQUIRE(unapplied.size() == 1);
  CHECK(unapplied[0]->severity == Severity::Warning);
  CHECK(unapplied[0]->message ==
        "`aux1` (InceptionAux) is never applied in forward: its 281,482 parameters (in 4 layers) "
        "have no row but count in the total, as model.parameters() counts them");
  CHECK(unapplied[0]->span.line == 63);  // self.aux1 = InceptionAux(256, num_classes)
  int64_t in_rows = 0;
  for (const LayerInfo& l : m.analysis.layers) in_rows += l.params;
  CHECK(m.analysis.totals.params == in_rows + 281482);
}
