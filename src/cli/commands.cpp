// check, shape, params and bench: thin drivers over load_model() and the reporters.
#include "netshape/commands.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "netshape/frontend.hpp"

namespace netshape {

int command_check(const CheckOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) {
    err << fmt::format("netshape: error: {}\nhelp: check the path, or pass - to read stdin\n", error);
    if (o.format == ReportFormat::Json) {
      out << nlohmann::json{{"diagnostics", {{{"severity", "error"}, {"line", 0}, {"column", 0}, {"layer", nullptr}, {"message", error}, {"help", "check the path"}}}}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return static_cast<int>(ExitCode::UsageOrParse);
  }
  LoadedModel m;
  m.source = *src;
  load_model(m, o.load);
  err << render_diagnostics(m);
  bool analysed = m.exit != ExitCode::UsageOrParse;
  if (analysed || o.format == ReportFormat::Json) out << render_report(m.analysis, m.diags, o.format);
  if (o.explain && analysed) out << "\n" << render_explain(m.analysis);
  return static_cast<int>(m.exit);
}

// Quiz snippets may be written in either language: `nn.Conv2d(1, 32, 3)` or `Conv2d(1, 32, 3)`;
// PyTorch's `x = ...` / `self.a = ...` prefixes are dropped so the .ns parser reads them.
static std::string quiz_to_ns(const std::string& text) {
  std::string out;
  std::string line;
  auto flush = [&] {
    static const std::regex self_assign(R"(^\s*(self\.)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*)");
    std::smatch m;
    std::string l = line;
    if (std::regex_search(l, m, self_assign) && m[1].matched) l = m[2].str() + " = " + m.suffix().str();
    out += l + "\n";
    line.clear();
  };
  for (char c : text) {
    if (c == '\n') flush();
    else line += c;
  }
  flush();
  return out;
}

static std::optional<LoadedModel> load_quiz(const QuizOptions& o, std::ostream& err, bool need_input) {
  LoadedModel m;
  std::string text = quiz_to_ns(o.text);
  bool has_input = text.find("input") != std::string::npos && std::regex_search(text, std::regex(R"((^|\n|;)\s*input\s*[\[A-Za-z])"));
  std::string dims = o.input_dims;
  if (!has_input && dims.empty() && need_input) {
    err << "netshape: error: the input shape is not given\nhelp: add --input 1x50x50 (C x H x W, or with a batch: B,1,50,50)\n";
    return std::nullopt;
  }
  m.source = SourceFile("<layers>", text);
  LoadOptions lo;
  lo.input_dims = dims;
  load_model(m, lo);
  return m;
}

int command_shape(const QuizOptions& o, std::ostream& out, std::ostream& err) {
  auto m = load_quiz(o, err, true);
  if (!m) return 2;
  err << render_diagnostics(*m);
  if (m->exit != ExitCode::Ok) {
    if (m->exit == ExitCode::ShapeError) out << render_table(m->analysis);
    return static_cast<int>(m->exit);
  }
  for (const auto& [name, shape] : m->analysis.outputs) {
    std::string t = to_string(shape);
    out << "(" << t.substr(1, t.size() - 2) << (shape.size() == 1 ? "," : "") << ")\n";
  }
  if (o.explain) out << "\n" << render_explain(m->analysis);
  return 0;
}

// A single layer's weights do not depend on the input except through `?`; when no input is
// given, feed one that fits the layer's declared in-size so the counts can be computed.
static std::string fitting_input(const std::string& text) {
  static const std::regex conv(R"((Conv(Transpose)?([123])d)\s*\(\s*(in_channels\s*=\s*)?(\d+))");
  static const std::regex linear(R"(Linear\s*\(\s*(in_features\s*=\s*)?(\d+))");
  static const std::regex norm(R"((BatchNorm|InstanceNorm)([123])d\s*\(\s*(num_features\s*=\s*)?(\d+))");
  std::smatch m;
  if (std::regex_search(text, m, conv)) {
    int nd = std::stoi(m[3].str());
    int64_t size = 64;
    std::string dims = "1," + m[5].str();
    for (int i = 0; i < nd; ++i) dims += "," + std::to_string(size);
    return dims;
  }
  if (std::regex_search(text, m, linear)) return "1," + m[2].str();
  if (std::regex_search(text, m, norm)) {
    int nd = std::stoi(m[2].str());
    std::string dims = "1," + m[4].str();
    for (int i = 0; i < (nd == 1 ? 1 : nd); ++i) dims += ",8";
    return dims;
  }
  return {};
}

int command_params(const QuizOptions& o, std::ostream& out, std::ostream& err) {
  QuizOptions q = o;
  if (q.input_dims.empty()) q.input_dims = fitting_input(quiz_to_ns(o.text));
  if (q.input_dims.empty()) q.input_dims = "1,1";
  auto m = load_quiz(q, err, false);
  if (!m) return 2;
  err << render_diagnostics(*m);
  if (m->exit == ExitCode::UsageOrParse) return 2;
  for (const LayerInfo& l : m->analysis.layers) {
    if (!l.output) continue;
    out << fmt::format("{} ({}): {} params\n", l.name, l.op_name, with_commas(l.params));
    for (const ParamTensor& w : l.weights) {
      std::string dims;
      for (size_t i = 0; i < w.shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(w.shape[i]);
      out << fmt::format("  {}: [{}] = {}\n", w.name, dims, with_commas(w.numel()));
    }
  }
  if (m->analysis.layers.size() > 1 && m->analysis.ok) out << fmt::format("total: {} params\n", with_commas(m->analysis.totals.params));
  return static_cast<int>(m->exit);
}

int command_bench_conv(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  return run_conv_bench(o.conv, out, err);
}

std::string generate_deep_model(int64_t layers) {
  std::string text = "model Deep\ninput x: [B, 16, 32, 32]\n";
  static const char* block[] = {"Conv2d(16, 16, 3, padding=1)", "BatchNorm2d(16)", "ReLU()",
                                "Conv2d(16, 16, kernel_size=(3, 3), stride=1, padding=(1, 1), bias=False)"};
  for (int64_t i = 0; i < layers; ++i) text += fmt::format("l{} = {}\n", i, block[i % 4]);
  return text;
}

int command_bench_check(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.check_layers < 1 || o.check_layers > 10'000'000) {
    err << "netshape: error: --layers must be between 1 and 10000000\n";
    return 2;
  }
  std::string text = generate_deep_model(o.check_layers);
  auto start = std::chrono::steady_clock::now();
  LoadedModel m;
  m.source = SourceFile("<generated>", text);
  load_model(m, {});
  std::string report = render_table(m.analysis);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  err << render_diagnostics(m);
  out << fmt::format("check of a generated {}-layer model: {:.1f} ms (parse + infer + table of {} bytes), exit {}\n",
                     o.check_layers, ms, report.size(), static_cast<int>(m.exit));
  return static_cast<int>(m.exit);
}

int command_run(const RunOptions& o, std::ostream& out, std::ostream& err);

}  // namespace netshape
