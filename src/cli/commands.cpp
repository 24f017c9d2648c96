// check, shape, params and bench: thin drivers over load_model() and the reporters.
#include "netshape/commands.hpp"

#include <fmt/format.h>

#include <cctype>
#include <chrono>

#include "netshape/frontend.hpp"
#include "netshape/limits.hpp"
#include "netshape/memory.hpp"
#include "netshape/netshape.hpp"
#include "netshape/op_table.hpp"
#include "netshape/python_frontend.hpp"
#include "netshape/report_formats.hpp"

namespace netshape {

// The model `check` analyses lives until the process ends (or the next check in the same
// process): freeing a 100,000-layer model node by node takes longer than printing it, and the
// process exits right after. A plain pointer, so no destructor runs at exit; the model stays
// reachable, so leak checkers do not report it.
static LoadedModel& kept_until_exit() {
  static LoadedModel* kept = nullptr;
  delete kept;
  kept = new LoadedModel;
  return *kept;
}

int command_check(const CheckOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) {
    err << render_command_error(error, "check the path, or pass - to read stdin");
    if (o.format == ReportFormat::Json) {
      out << nlohmann::json{{"diagnostics",
                             {{{"severity", "error"},
                               {"line", 0},
                               {"column", 0},
                               {"layer", nullptr},
                               {"message", error},
                               {"help", "check the path"}}}}}
                 .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
          << "\n";
    }
    return static_cast<int>(ExitCode::UsageOrParse);
  }
  LoadedModel& m = kept_until_exit();
  m.source = std::move(*src);
  LoadOptions lo = o.load;
  lo.explain = o.explain;
  load_model(m, lo);
  // Errors come before the report (it stops at the failing layer); warnings are about a model
  // that works, so they follow its table. stdout is flushed first so a terminal shows that order.
  bool errors = m.diags.has_errors();
  if (errors) err << render_diagnostics(m);
  bool analysed = m.exit != ExitCode::UsageOrParse;
  std::optional<Grouping> modules;
  if (o.depth >= 0) modules = group_layers(m, o.depth);
  // The receptive field needs every layer's shape: only a model without errors has one.
  std::optional<ReceptiveFields> fields;
  if (o.rf && m.graph && !errors) fields = receptive_fields(*m.graph, m.analysis, m.diags);
  if (analysed && o.format == ReportFormat::Latex)
    out << render_latex(m.analysis, {o.formulas});
  else if (analysed || o.format == ReportFormat::Json)
    write_check_report(out, m, o, modules ? &*modules : nullptr, fields ? &*fields : nullptr);
  if (o.explain && analysed) out << "\n" << render_explain(m.analysis);
  if (o.memory && m.exit == ExitCode::Ok &&
      (o.format == ReportFormat::Table || o.format == ReportFormat::Markdown)) {
    MemoryOptions mo;
    mo.dtype = parse_dtype(o.dtype).value_or(DType::float32);
    mo.batch = o.batch;
    mo.graph = m.graph ? &*m.graph : nullptr;
    std::vector<std::string> files = {m.source.path()};
    for (const auto& f : m.imported) files.push_back(f->path());
    if (auto memory = estimate_model_memory(m.analysis, mo))
      out << "\n" << render_memory(*memory, files);
    else
      err << render_command_error("the memory estimate leaves 64 bits", "use a smaller --batch");
  }
  if (!errors) {
    out.flush();
    err << render_diagnostics(m);
  }
  return static_cast<int>(m.exit);
}

// Quiz snippets may be written in either language: `nn.Conv2d(1, 32, 3)` or `Conv2d(1, 32, 3)`;
// PyTorch's `self.a = ...` prefix is dropped so the .ns parser reads them.
static std::string quiz_to_ns(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 5, "self.") == 0) line.erase(first, 5);
    out += line + "\n";
    start = end + 1;
  }
  return out;
}

static bool declares_input(const std::string& text) {
  for (size_t pos = text.find("input"); pos != std::string::npos;
       pos = text.find("input", pos + 1)) {
    bool at_start =
        pos == 0 || text[pos - 1] == '\n' || text[pos - 1] == ';' || text[pos - 1] == ' ';
    size_t next = text.find_first_not_of(' ', pos + 5);
    if (at_start && next != std::string::npos &&
        (text[next] == '[' || std::isalpha(static_cast<unsigned char>(text[next]))))
      return true;
  }
  return false;
}

static std::optional<LoadedModel> load_quiz(const QuizOptions& o, std::ostream& err,
                                            bool need_input) {
  LoadedModel m;
  std::string text = quiz_to_ns(o.text);
  if (!declares_input(text) && o.input_dims.empty() && need_input) {
    err << render_command_error("the input shape is not given",
                                "add --input 1x50x50 (C x H x W, or with a batch: B,1,50,50)");
    return std::nullopt;
  }
  m.source = SourceFile("<layers>", text);
  if (text.find_first_not_of(" \t\n;") == std::string::npos) {
    err << render_command_error(
        "no layers given",
        "e.g. netshape shape \"Conv2d(1, 32, 3); ReLU(); MaxPool2d(2)\" --input 1x50x50");
    return std::nullopt;
  }
  LoadOptions lo;
  lo.input_dims = o.input_dims;
  lo.explain = o.explain;
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

// Inputs to try for a snippet given without --input: those its first layer accepts, best first.
static std::vector<std::string> fitting_inputs(const std::string& text) {
  SourceFile src("<layers>", text);
  Diagnostics scratch;
  auto prog = parse_ns(src, scratch);
  if (prog && !prog->statements.empty()) return inputs_that_fit(prog->statements[0]);
  return inputs_that_fit(Statement{});
}

// A snippet of one layer not applied to tensors (`MultiheadAttention(8, 2)`): that statement,
// and the call's text without its comment or end, for a snippet that applies it to inputs.
struct LoneCall {
  Statement statement;
  std::string call;
};
static std::optional<LoneCall> lone_call(const std::string& text) {
  SourceFile src("<layers>", text);
  Diagnostics scratch;
  auto prog = parse_ns(src, scratch);
  if (!prog || prog->statements.size() != 1 || prog->statements[0].inputs_explicit)
    return std::nullopt;
  std::string call = text.substr(0, text.find('#'));  // `(query, ...)` goes before a comment
  size_t end = call.find_last_not_of(" \t\n;");
  return LoneCall{std::move(prog->statements[0]), call.substr(0, end + 1)};
}

// `MultiheadAttention(8, 2)` alone, given no input: applied to a query, key and value of its
// widths (its forward takes the three), declared in the snippet.
static std::optional<std::string> with_attention_inputs(const std::string& text) {
  auto lone = lone_call(text);
  if (!lone) return std::nullopt;
  auto widths = attention_widths(lone->statement);
  if (!widths || (*widths)[0] <= 0 || (*widths)[1] <= 0 || (*widths)[2] <= 0) return std::nullopt;
  return fmt::format(
      "input query: [1, {}]\ninput key: [1, {}]\ninput value: [1, {}]\n{}(query, key, value)\n",
      (*widths)[0], (*widths)[1], (*widths)[2], lone->call);
}

// `CosineSimilarity()`, `PairwiseDistance(p=1)`, `MSELoss()`: a layer that compares two tensors,
// applied to a pair of [2, 8] inputs (alone it would read one, PyTorch's missing-argument error).
static std::optional<std::string> with_pair_inputs(const std::string& text) {
  auto lone = lone_call(text);
  if (!lone) return std::nullopt;
  std::optional<OpId> id = find_op(lone->statement.op);
  if (!id || !op_info(*id).is_module() ||
      (op_info(*id).family != Family::distance && op_info(*id).family != Family::elementwise_loss))
    return std::nullopt;
  return fmt::format("input a: [2, 8]\ninput b: [2, 8]\n{}(a, b)\n", lone->call);
}

// `MaxUnpool2d(3)`, `max_unpool2d(3)`: a max unpooling, applied to values [1, 1, 2, 2] and
// indices that lie in any output's plane, 0 to 3 (an arange, whose values netshape knows; alone
// it would read one tensor, PyTorch's missing-argument error).
static std::optional<std::string> with_unpool_inputs(const std::string& text) {
  auto lone = lone_call(text);
  if (!lone) return std::nullopt;
  std::optional<OpId> id = find_op(lone->statement.op);
  size_t open = lone->call.find('(');
  if (!id || op_info(*id).family != Family::max_unpool || open == std::string::npos)
    return std::nullopt;
  int nd = op_info(*id).spatial_dims;
  std::string dims = "1, 1";
  for (int i = 0; i < nd; ++i) dims += ", 2";
  std::string call = lone->call;
  if (op_info(*id).is_module()) {
    call += "(x, places)";
  } else {
    bool bare = call.find_first_not_of(" \t", open + 1) == call.find(')', open);
    call.insert(open + 1, bare ? "x, places" : "x, places, ");
  }
  return fmt::format("input x: [{}]\nindices = arange({})\nplaces = view(indices, {})\n{}\n", dims,
                     1 << nd, dims, call);
}

int command_params(const QuizOptions& o, std::ostream& out, std::ostream& err) {
  std::optional<LoadedModel> m;
  auto with_inputs =
      o.input_dims.empty() ? with_attention_inputs(quiz_to_ns(o.text)) : std::nullopt;
  if (!with_inputs && o.input_dims.empty()) with_inputs = with_pair_inputs(quiz_to_ns(o.text));
  size_t helper_rows = 0;  // rows the snippet adds before the layer asked about
  if (!with_inputs && o.input_dims.empty()) {
    with_inputs = with_unpool_inputs(quiz_to_ns(o.text));
    if (with_inputs) helper_rows = 2;  // the indices and their view
  }
  std::vector<std::string> inputs = with_inputs            ? std::vector<std::string>{""}
                                    : o.input_dims.empty() ? fitting_inputs(quiz_to_ns(o.text))
                                                           : std::vector{o.input_dims};
  for (const std::string& dims : inputs) {
    QuizOptions q = o;
    if (with_inputs) q.text = *with_inputs;
    q.input_dims = dims;
    auto trial = load_quiz(q, err, false);
    if (!trial) return 2;  // a usage error, whatever the input
    if (!m || trial->exit == ExitCode::Ok) m = std::move(trial);
    if (m->exit == ExitCode::Ok) break;
  }
  if (!m) return 2;
  // Warnings depend on the input (a floor that drops rows): about a guessed one they would
  // mislead, since nobody chose it.
  if (o.input_dims.empty())
    std::erase_if(m->diags.items(),
                  [](const Diagnostic& d) { return d.severity == Severity::Warning; });
  err << render_diagnostics(*m);
  if (m->exit == ExitCode::UsageOrParse) return 2;
  const std::vector<LayerInfo>& layers = m->analysis.layers;
  for (size_t k = std::min(helper_rows, layers.size()); k < layers.size(); ++k) {
    const LayerInfo& l = layers[k];
    if (!l.output) continue;
    out << fmt::format("{} ({}): {} params\n", l.name, l.op_name, with_commas(l.params));
    for (const ParamTensor& w : *l.weights) {
      std::string dims;
      for (size_t i = 0; i < w.shape.size(); ++i)
        dims += (i ? ", " : "") + std::to_string(w.shape[i]);
      out << fmt::format("  {}: [{}] = {}\n", w.name, dims, with_commas(w.numel()));
    }
  }
  if (layers.size() > helper_rows + 1 && m->analysis.ok)
    out << fmt::format("total: {} params\n", with_commas(m->analysis.totals.params));
  return static_cast<int>(m->exit);
}

int command_bench_conv(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  return run_conv_bench(o.conv, out, err);
}

int command_list(const std::string& file, std::ostream& out, std::ostream& err) {
  std::string error;
  auto src = read_source(file, error);
  if (!src) {
    err << render_command_error(error, "check the path");
    return 2;
  }
  const std::string& path = src->path();
  if (path.size() < 3 || path.compare(path.size() - 3, 3, ".py") != 0) {
    err << render_command_error(fmt::format("netshape list reads .py files; '{}' is not one", path),
                                "a .ns file is one model: run `netshape check` on it");
    return 2;
  }
  Diagnostics diags;
  auto list = list_python_models(*src, diags);
  err << render_diagnostics(diags, *src);
  if (!list) return 2;
  for (const PythonModelEntry& e : list->entries) {
    const char* what = e.kind == "class" ? "class" : e.kind == "function" ? "def" : "";
    std::string head = e.kind == "sequential" ? e.name + " = nn.Sequential(...)"
                                              : fmt::format("{} {}({})", what, e.name, e.signature);
    out << fmt::format("{}  (line {})\n", head, e.line);
  }
  if (list->chosen.empty()) {
    out << "without --model, check finds no model: pass --model NAME\n";
  } else {
    out << fmt::format("without --model, check reads {}; another: --model NAME [--arg k=v]\n",
                       list->chosen);
  }
  return 0;
}

}  // namespace netshape
