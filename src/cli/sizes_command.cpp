// `netshape sizes`: which input sizes a model accepts, or (--solve) which give a layer the dim
// asked for. A thin driver over load_model(), survey_input_sizes() and its reporter.
#include <fmt/format.h>

#include <charconv>

#include "netshape/commands.hpp"
#include "netshape/input_sizes.hpp"
#include "netshape/sizes_report.hpp"

namespace netshape {
namespace {

std::optional<int64_t> parse_count(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// "16..512"
std::optional<std::pair<int64_t, int64_t>> parse_range(const std::string& text) {
  size_t dots = text.find("..");
  if (dots == std::string::npos) return std::nullopt;
  auto lo = parse_count(std::string_view(text).substr(0, dots));
  auto hi = parse_count(std::string_view(text).substr(dots + 2));
  if (!lo || !hi) return std::nullopt;
  return std::pair{*lo, *hi};
}

// "fc1.in=2048" or "fc1.out=10"
std::optional<SizeTarget> parse_target(const std::string& text) {
  size_t eq = text.rfind('=');
  if (eq == std::string::npos) return std::nullopt;
  std::string lhs = text.substr(0, eq);
  size_t dot = lhs.rfind('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  std::string end = lhs.substr(dot + 1);
  auto value = parse_count(std::string_view(text).substr(eq + 1));
  if ((end != "in" && end != "out") || !value || *value < 1) return std::nullopt;
  return SizeTarget{lhs.substr(0, dot), end == "out", *value};
}

int usage(std::ostream& err, const std::string& message, const std::string& help) {
  err << render_command_error(message, help);
  return static_cast<int>(ExitCode::UsageOrParse);
}

bool has_node(const Graph& g, const std::string& name) {
  for (const GraphNode& n : g.nodes)
    if (g.name(n.name) == name) return true;
  return false;
}

}  // namespace

int command_sizes(const SizesOptions& o, std::ostream& out, std::ostream& err) {
  auto range = parse_range(o.range);
  if (!range)
    return usage(err, fmt::format("--range: '{}' is not LO..HI", o.range), "e.g. --range 16..512");
  std::optional<SizeTarget> target;
  if (!o.solve.empty() && !(target = parse_target(o.solve)))
    return usage(err, fmt::format("--solve: '{}' is not LAYER.in=N or LAYER.out=N", o.solve),
                 "e.g. --solve fc1.in=2048 (the input sizes that give fc1 2048 input features)");
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) return usage(err, error, "check the path, or pass - to read stdin");
  LoadedModel m;
  m.source = std::move(*src);
  load_model(m, o.load);
  if (!m.graph || m.exit == ExitCode::UsageOrParse) {
    err << render_diagnostics(m);
    return static_cast<int>(ExitCode::UsageOrParse);
  }
  const Graph& g = *m.graph;
  if (g.program().sizes_read_at.valid()) {
    Span at = g.program().sizes_read_at;
    return usage(err,
                 fmt::format("{}'s forward computes with its input's sizes (line {}), so netshape "
                             "reads it for the declared input only and cannot vary it",
                             m.source.path(), at.line),
                 "pass each size with --input and run netshape check");
  }
  Shape declared = g.inputs.empty() ? Shape{} : declared_shape(*g.inputs[0].decl);
  if (varied_axes(g).dims.empty())
    return usage(err, fmt::format("the input {} has no spatial dims to vary", to_string(declared)),
                 "netshape sizes varies the H and W of an input such as [B, 3, 32, 32], or the "
                 "sequence length of one an Embedding, RNN or attention reads first");
  if (target && !has_node(g, target->layer))
    return usage(err, fmt::format("--solve: the model has no layer `{}`", target->layer),
                 "use a layer name of netshape check's table");
  std::string bound = survey_bound_error(g, range->first, range->second);
  if (!bound.empty()) return usage(err, "--range: " + bound, "e.g. --range 16..512");
  SizeSurvey survey = survey_input_sizes(g, range->first, range->second, target);
  std::string input = g.inputs[0].decl->name;
  bool found = false;
  for (const SizeVariant& v : survey.variants) found |= v.smallest.has_value();
  if (o.json)
    out << render_sizes_json(survey, target, g.model_name, input);
  else if (target)
    out << render_solutions(survey, *target, g.model_name, input);
  else
    out << render_sizes(survey, g.model_name, input);
  return static_cast<int>(found ? ExitCode::Ok : ExitCode::ShapeError);
}

}  // namespace netshape
