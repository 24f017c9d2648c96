// The public API (netshape.hpp): thin wrappers over the pipeline, the reporters and the executor.
#include "netshape/netshape.hpp"

namespace netshape {

LoadedModel analyze_text(std::string text, std::string name, const LoadOptions& options) {
  LoadedModel m;
  m.source = SourceFile(std::move(name), std::move(text));
  load_model(m, options);
  return m;
}

LoadedModel analyze_file(const std::string& path, const LoadOptions& options) {
  std::string error;
  auto source = read_source(path, error);
  if (!source) {
    LoadedModel m;
    m.source = SourceFile(path, "");
    m.diags.error(Span{}, error, "check the path");
    m.exit = ExitCode::UsageOrParse;
    return m;
  }
  LoadedModel m;
  m.source = std::move(*source);
  load_model(m, options);
  return m;
}

std::string render(const LoadedModel& model, ReportFormat format) {
  return render_report(model.analysis, model.diags, format);
}

Grouping group_layers(const LoadedModel& model, int depth) {
  if (!model.graph) return Grouping{depth < 0 ? 0 : depth, {}};
  return group_layers(model.analysis, *model.graph, depth);
}

std::string render(const LoadedModel& model, ReportFormat format, int depth) {
  Grouping modules = group_layers(model, depth);
  return render_report(model.analysis, model.diags, format, &modules);
}

ExecResult run_forward(const LoadedModel& model, const ExecOptions& options) {
  return execute(model.analysis, options);
}

}  // namespace netshape
