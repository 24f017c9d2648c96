// The pipeline in one call: source text -> frontend (.ns or .py) -> IR -> shape inference, with
// every diagnostic collected. The CLI, the public API (netshape.hpp) and the fuzz target use it.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/graph.hpp"
#include "netshape/infer.hpp"
#include "netshape/source.hpp"

namespace netshape {

// Everything known about one model: its source, the graph, the analysis, diagnostics.
struct LoadedModel {
  SourceFile source;
  // The model's other .py files (what it imports), in Span::file order from 1.
  std::vector<std::shared_ptr<const SourceFile>> imported;
  std::optional<Graph> graph;        // absent when the file does not parse
  const Program* program = nullptr;  // the frontend's statements, owned by `graph`
  Analysis analysis;
  Diagnostics diags;
  ExitCode exit = ExitCode::Ok;
};

struct LoadOptions {
  // --input: the first input's shape ("B,3,32,32", "1x28x28"), or `[NAME=]DIMS[:DTYPE]`
  // ("ids=8,20:long"); `more_inputs` the options given after it (forward's next inputs in order,
  // or the one each names)
  std::string input_dims;
  std::vector<std::string> more_inputs;
  std::string model;                                      // --model (Python)
  std::vector<std::pair<std::string, std::string>> args;  // --arg (Python)
  std::vector<std::string> paths;                         // --path (Python imports)
  bool explain = false;                                   // record formulas for --explain
};

// Parses and analyses `m.source` (the pipeline: frontend -> IR -> inference).
void load_model(LoadedModel& m, const LoadOptions& opts);
// Input shapes (as --input text) to try for `layer` alone, best first: `netshape params` and the
// parameters of layers forward never applies are counted with the first that fits.
std::vector<std::string> inputs_that_fit(const Statement& layer);
// nn.MultiheadAttention takes three tensors: the widths of the query, key and value a lone one
// is applied to (embed_dim, kdim, vdim as written; kdim and vdim default to embed_dim); nullopt
// for every other op, or when embed_dim is not a written int.
std::optional<std::array<int64_t, 3>> attention_widths(const Statement& layer);
// Renders every diagnostic of `m` (stderr text).
std::string render_diagnostics(const LoadedModel& m);
// One more diagnostic about `m` (a note of a command), rendered against its files.
std::string render_diagnostic(const LoadedModel& m, const Diagnostic& d);

}  // namespace netshape
