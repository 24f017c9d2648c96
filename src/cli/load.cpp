// The pipeline in one place: source -> frontend (.ns or .py) -> Program -> analysis.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "netshape/cli.hpp"
#include "netshape/frontend.hpp"
#include "netshape/python_frontend.hpp"

namespace netshape {

std::optional<SourceFile> read_source(const std::string& path, std::string& error) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return SourceFile("<stdin>", buffer.str());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read '{}': no such file or not readable", path);
    return std::nullopt;
  }
  buffer << in.rdbuf();
  if (in.bad()) {
    error = fmt::format("cannot read '{}' (is it a directory?)", path);
    return std::nullopt;
  }
  return SourceFile(path, buffer.str());
}

static bool looks_like_python(const SourceFile& src) {
  const std::string& p = src.path();
  return p.size() > 3 && p.compare(p.size() - 3, 3, ".py") == 0;
}

static bool apply_input_override(Program& prog, const std::string& dims_text, Diagnostics& diags) {
  std::string error;
  auto dims = parse_dims_option(dims_text, error);
  if (!dims) {
    diags.error(Span{}, error, "write --input 1x28x28 or --input B,1,28,28");
    return false;
  }
  if (prog.inputs.empty()) prog.inputs.push_back(InputDecl{"x", {}, Span{}});
  prog.inputs[0].dims = *dims;
  return true;
}

void load_model(LoadedModel& m, const LoadOptions& opts) {
  if (opts.python || looks_like_python(m.source)) {
    PythonOptions py;
    py.model = opts.model;
    py.args = opts.args;
    m.program = parse_python(m.source, py, m.diags);
  } else {
    m.program = parse_ns(m.source, m.diags);
  }
  if (!m.program) {
    m.exit = ExitCode::UsageOrParse;
    return;
  }
  if (!opts.input_dims.empty() && !apply_input_override(*m.program, opts.input_dims, m.diags)) {
    m.exit = ExitCode::UsageOrParse;
    return;
  }
  m.analysis = analyze(*m.program, m.diags);
  if (!m.diags.has_errors()) {
    m.exit = ExitCode::Ok;
    return;
  }
  // A missing input shape is a usage problem; everything found by inference is a shape error.
  bool no_input = m.analysis.inputs.empty();
  m.exit = no_input ? ExitCode::UsageOrParse : ExitCode::ShapeError;
}

std::string render_diagnostics(const LoadedModel& m) {
  std::string out;
  for (const Diagnostic& d : m.diags.items()) out += render_diagnostic(d, m.source);
  return out;
}

}  // namespace netshape
