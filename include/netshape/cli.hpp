// The command line: check / run / bench / shape / params. Returns the process exit code.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>

#include "netshape/diagnostics.hpp"
#include "netshape/infer.hpp"
#include "netshape/source.hpp"

namespace netshape {

int run_cli(int argc, char** argv);

// Everything a command needs about one model: its source, the IR, the analysis, diagnostics.
struct LoadedModel {
  SourceFile source;
  std::optional<Program> program;
  Analysis analysis;
  Diagnostics diags;
  ExitCode exit = ExitCode::Ok;
};

struct LoadOptions {
  std::string input_dims;                                 // --input
  std::string model;                                      // --model (Python)
  std::vector<std::pair<std::string, std::string>> args;  // --arg (Python)
  bool explain = false;                                   // record formulas for --explain
};

// Parses and analyses `source` (the pipeline: frontend -> IR -> inference).
void load_model(LoadedModel& m, const LoadOptions& opts);
// Reads FILE or `-` (stdin); nullopt with a message in `error` when it cannot.
std::optional<SourceFile> read_source(const std::string& path, std::string& error);
// Renders every diagnostic of `m` (stderr text).
std::string render_diagnostics(const LoadedModel& m);

}  // namespace netshape
