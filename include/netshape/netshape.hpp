// netshape's public API, in one header: read a model (.ns or PyTorch code), analyse it with
// PyTorch's shape rules, get its layers, totals and diagnostics as structs, render any report,
// and run a forward pass that proves the shapes. docs/api.md has a complete example.
//
//   netshape::LoadedModel m = netshape::analyze_file("models/lenet.ns");
//   if (m.exit == netshape::ExitCode::Ok)
//     for (const netshape::LayerInfo& l : m.analysis.layers) use(l.name, *l.output, l.params);
//   else
//     std::cerr << netshape::render_diagnostics(m);
#pragma once
#include <string>

#include "netshape/diagnostics.hpp"
#include "netshape/exec.hpp"
#include "netshape/infer.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"
#include "netshape/shape.hpp"

namespace netshape {

// The text of a model, analysed. `name` names it in diagnostics and chooses the language: a name
// ending in `.py` is PyTorch code, anything else the .ns model language.
LoadedModel analyze_text(std::string text, std::string name = "<model>.ns",
                         const LoadOptions& options = {});

// A model file (or `-` for stdin), analysed. A file that cannot be read gives exit
// UsageOrParse and one diagnostic saying why; limits are those of docs/limits.md.
LoadedModel analyze_file(const std::string& path, const LoadOptions& options = {});

// What `netshape check --format` prints for the model (table, markdown, csv or json).
std::string render(const LoadedModel& model, ReportFormat format);
// The same grouped by module down to `depth` (`check --depth`): group_layers()'s rows.
std::string render(const LoadedModel& model, ReportFormat format, int depth);
// The layers grouped by module down to `depth` (>= 0); no rows when the file did not parse.
Grouping group_layers(const LoadedModel& model, int depth);

// A forward pass with seeded random weights and input (what `netshape run` does), checking every
// layer's actual shape against the inferred one. Needs model.exit == ExitCode::Ok; call
// estimate_memory() and estimate_work() first to refuse what would not fit.
ExecResult run_forward(const LoadedModel& model, const ExecOptions& options = {});

}  // namespace netshape
