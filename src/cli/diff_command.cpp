// `netshape diff A B`: loads both models and prints their diff (model_diff.hpp).
#include <fmt/format.h>

#include <memory>

#include "netshape/commands.hpp"
#include "netshape/model_diff.hpp"

namespace netshape {
namespace {

// Reads and analyses one model; false (with the message on `err`) when its file is unreadable.
bool load_one(const std::string& file, const LoadOptions& opts, LoadedModel& m, std::ostream& err) {
  std::string error;
  auto src = read_source(file, error);
  if (!src) {
    err << render_command_error(error, "check the path, or pass - to read stdin");
    return false;
  }
  m.source = std::move(*src);
  load_model(m, opts);
  return true;
}

}  // namespace

int command_diff(const DiffOptions& o, std::ostream& out, std::ostream& err) {
  if (o.file_a == "-" && o.file_b == "-") {
    err << render_command_error("diff reads stdin for one model at most",
                                "give at least one of the two models as a file");
    return static_cast<int>(ExitCode::UsageOrParse);
  }
  // On the heap: a model holds its graph and source, and two large ones need not sit on the stack.
  auto a = std::make_unique<LoadedModel>();
  auto b = std::make_unique<LoadedModel>();
  bool read_a = load_one(o.file_a, o.load, *a, err);
  bool read_b = load_one(o.file_b, o.load, *b, err);
  // As `check` does: errors before the report (it stops at the failing layer), warnings after.
  bool errors_first = (read_a && a->diags.has_errors()) || (read_b && b->diags.has_errors());
  auto diagnostics = [&] {
    if (read_a) err << render_diagnostics(*a);
    if (read_b) err << render_diagnostics(*b);
  };
  if (errors_first || !read_a || !read_b) diagnostics();
  if (!read_a || !read_b || a->exit == ExitCode::UsageOrParse || b->exit == ExitCode::UsageOrParse)
    return static_cast<int>(ExitCode::UsageOrParse);
  ModelDiff d = diff_models(a->analysis, b->analysis);
  if (o.json)
    out << diff_json(a->analysis, b->analysis, d, o.file_a, o.file_b)
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  else
    out << render_diff(a->analysis, b->analysis, d, o.file_a, o.file_b);
  if (!errors_first) {
    out.flush();
    diagnostics();
  }
  bool error = a->exit == ExitCode::ShapeError || b->exit == ExitCode::ShapeError;
  return static_cast<int>(error ? ExitCode::ShapeError : ExitCode::Ok);
}

}  // namespace netshape
