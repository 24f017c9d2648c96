// Table, markdown, CSV, JSON and --explain renderings of an Analysis.
#include "netshape/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "json_text.hpp"
#include "model_line.hpp"
#include "netshape/report_formats.hpp"
#include "rf_cells.hpp"

namespace netshape {
namespace {

std::string shape_cell(const LayerInfo& l) {
  return l.output ? to_string(*l.output) : "error";
}

// The names of the tensors a layer reads.
std::string joined_inputs(const Analysis& a, const LayerInfo& l, const char* sep) {
  std::string out;
  for (TensorId t : l.input_ids) (out += out.empty() ? "" : sep) += a.name_of(t);
  return out;
}

struct Column {
  std::string title;
  bool right;
};

// Aligned columns; built by appending into one string (this runs once per row of 100k-layer
// models).
std::string render_grid(const std::vector<Column>& cols,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) width[c] = cols[c].title.size();
  for (const auto& r : rows)
    for (size_t c = 0; c < cols.size(); ++c) width[c] = std::max(width[c], r[c].size());
  size_t line_width = 2 * (cols.size() - 1);
  for (size_t w : width) line_width += w;
  std::string out;
  out.reserve((rows.size() + 2) * (line_width + 1));
  auto line = [&](auto cell) {
    size_t start = out.size();
    for (size_t c = 0; c < cols.size(); ++c) {
      if (c) out.append(2, ' ');
      const std::string& text = cell(c);
      size_t pad = width[c] - text.size();
      if (cols[c].right) out.append(pad, ' ');
      out += text;
      if (!cols[c].right) out.append(pad, ' ');
    }
    while (out.size() > start && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line([&](size_t c) -> const std::string& { return cols[c].title; });
  out.append(line_width, '-');
  out += '\n';
  for (const auto& r : rows) line([&](size_t c) -> const std::string& { return r[c]; });
  return out;
}

// What follows the grid: the outputs, the sizes `?` became, the totals and the memory.
std::string table_footer(const Analysis& a) {
  if (!a.ok) return "\n(stopped at the first error)\n";
  return footer_head(a) + fmt::format("MACs: {}{}\n", with_commas(a.totals.macs), per_sample(a)) +
         footer_memory(a);
}

// A position in another of the model's files (an imported .py) names its file; one in the file
// given has no "file", as the contract's form.
const std::string* other_file(const Analysis& a, uint32_t file) {
  return file != 0 && file < a.files.size() ? &a.files[file] : nullptr;
}

}  // namespace

nlohmann::ordered_json shape_json(const Shape& s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const Dim& d : s) {
    if (d.symbolic())
      j.push_back(to_string(d));
    else
      j.push_back(d.value);
  }
  return j;
}

std::string render_table(const Analysis& a, const ReceptiveFields* rf) {
  std::vector<Column> cols = {{"#", true},      {"layer", false},        {"op", false},
                              {"input", false}, {"output shape", false}, {"params", true},
                              {"MACs", true}};
  if (rf) cols.insert(cols.end(), {{"RF", false}, {"jump", false}, {"start", false}});
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    std::string inputs = joined_inputs(a, l, ", ");
    bool ok = l.output.has_value();
    rows.push_back({std::to_string(i + 1), std::string(l.name), std::string(l.op_name), inputs,
                    shape_cell(l), ok ? with_commas(l.params) : "-",
                    ok ? with_commas(l.macs) : "-"});
    if (rf && i < rf->layers.size()) {
      for (std::string& cell : rf_cells(rf->layers[i])) rows.back().push_back(std::move(cell));
    } else if (rf) {
      rows.back().insert(rows.back().end(), 3, "-");
    }
  }
  std::string out = fmt::format("model {}  (input {})\n\n", a.model_name, inputs_line(a));
  out += render_grid(cols, rows);
  std::string notes = rf && a.ok ? rf_footer(*rf) : "";
  if (!notes.empty()) out += "\n" + notes;
  return out + table_footer(a);
}

namespace {

// The display name of a grouped row: the model is `(model)` (its named_modules() name is
// empty); every row is indented by its depth.
std::string indented_name(const ModuleRow& r, std::string_view indent) {
  std::string out;
  for (int d = 0; d < r.depth; ++d) out += indent;
  out += r.depth == 0 && r.name.empty() ? std::string("(model)") : r.name;
  return out;
}

std::string row_shape(const ModuleRow& r) {
  if (r.failed) return "error";
  return r.output ? to_string(*r.output) : "-";
}

}  // namespace

std::string render_table(const Analysis& a, const Grouping& modules) {
  std::vector<Column> cols = {{"#", true},      {"module", false},
                              {"class", false}, {"output shape", false},
                              {"params", true}, {"MACs", true}};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(modules.rows.size());
  for (size_t i = 0; i < modules.rows.size(); ++i) {
    const ModuleRow& r = modules.rows[i];
    rows.push_back({std::to_string(i + 1), indented_name(r, "  "), r.kind, row_shape(r),
                    r.failed ? "-" : with_commas(r.params), r.failed ? "-" : with_commas(r.macs)});
  }
  std::string out = fmt::format("model {}  (input {})\n\n", a.model_name, inputs_line(a));
  out += render_grid(cols, rows);
  return out + table_footer(a);
}

std::string render_markdown(const Analysis& a, const ReceptiveFields* rf) {
  std::string out = fmt::format("**{}** — input {}\n\n", a.model_name, inputs_line(a));
  out += rf ? "| # | layer | op | input | output shape | params | MACs | RF | jump | start "
              "|\n|---:|---|---|---|---|---:|---:|---|---|---|\n"
            : "| # | layer | op | input | output shape | params | MACs "
              "|\n|---:|---|---|---|---|---:|---:|\n";
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    std::string inputs = joined_inputs(a, l, ", ");
    bool ok = l.output.has_value();
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |", i + 1, l.name, l.op_name, inputs,
                       shape_cell(l), ok ? with_commas(l.params) : "-",
                       ok ? with_commas(l.macs) : "-");
    if (rf) {
      auto cells = i < rf->layers.size() ? rf_cells(rf->layers[i])
                                         : std::array<std::string, 3>{"-", "-", "-"};
      out += fmt::format(" {} | {} | {} |", cells[0], cells[1], cells[2]);
    }
    out += "\n";
  }
  if (a.ok) {
    out += fmt::format("| | **total** | | | | **{}** | **{}** |{}\n", with_commas(a.totals.params),
                       with_commas(a.totals.macs), rf ? " | | |" : "");
  }
  return out;
}

std::string render_markdown(const Analysis& a, const Grouping& modules) {
  std::string out = fmt::format("**{}** — input {}\n\n", a.model_name, inputs_line(a));
  out += "| # | module | class | output shape | params | MACs |\n|---:|---|---|---|---:|---:|\n";
  for (size_t i = 0; i < modules.rows.size(); ++i) {
    const ModuleRow& r = modules.rows[i];
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", i + 1, indented_name(r, "&nbsp;&nbsp;"),
                       r.kind, row_shape(r), r.failed ? "-" : with_commas(r.params),
                       r.failed ? "-" : with_commas(r.macs));
  }
  return out;
}

std::string render_csv(const Analysis& a, const Grouping& modules) {
  (void)a;
  std::string out = "index,module,class,depth,parent,output_shape,params,trainable_params,macs\n";
  for (size_t i = 0; i < modules.rows.size(); ++i) {
    const ModuleRow& r = modules.rows[i];
    bool shape = !r.failed && r.output;
    std::string parent = r.parent == kNoRow ? "" : std::to_string(r.parent + 1);
    out += fmt::format("{},{},{},{},{},\"{}\",{},{},{}\n", i + 1, r.name, r.kind, r.depth, parent,
                       shape ? to_string(*r.output) : "", r.failed ? "" : std::to_string(r.params),
                       r.failed ? "" : std::to_string(r.trainable_params),
                       r.failed ? "" : std::to_string(r.macs));
  }
  return out;
}

std::string render_csv(const Analysis& a, const ReceptiveFields* rf) {
  std::string out = "index,layer,op,line,inputs,output_shape,params,trainable_params,macs";
  out += rf ? ",rf,jump,start\n" : "\n";
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    std::string inputs = joined_inputs(a, l, " ");
    bool ok = l.output.has_value();
    int line = l.statement ? l.statement->span.line : 0;
    out +=
        fmt::format("{},{},{},{},{},\"{}\",{},{},{}", i + 1, l.name, l.op_name, line, inputs,
                    ok ? to_string(*l.output) : "", ok ? std::to_string(l.params) : "",
                    ok ? std::to_string(l.trainable_params) : "", ok ? std::to_string(l.macs) : "");
    if (rf) {
      auto cells = i < rf->layers.size() ? rf_cells(rf->layers[i])
                                         : std::array<std::string, 3>{"-", "-", "-"};
      out += fmt::format(",{},{},\"{}\"", cells[0], cells[1], cells[2]);
    }
    out += "\n";
  }
  if (a.ok) {
    out += fmt::format("total,,,,,,{},{},{}{}\n", a.totals.params, a.totals.trainable_params,
                       a.totals.macs, rf ? ",,," : "");
  }
  return out;
}

nlohmann::ordered_json to_json(const Analysis& a, const Diagnostics& diags, const Grouping* modules,
                               const ReceptiveFields* rf) {
  nlohmann::ordered_json j;
  j["model"] = a.model_name;
  j["inputs"] = nlohmann::ordered_json::object();
  for (const auto& [name, shape] : a.inputs) j["inputs"][name] = shape_json(shape);
  j["layers"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    nlohmann::ordered_json e;
    e["name"] = l.name;
    e["op"] = l.op_name;
    Span at = l.statement ? l.statement->span : Span{};
    if (const std::string* f = other_file(a, at.file)) e["file"] = *f;
    e["line"] = at.line;
    e["inputs"] = nlohmann::ordered_json::array();
    for (TensorId t : l.input_ids) e["inputs"].push_back(a.name_of(t));
    e["output_shape"] = l.output ? shape_json(*l.output) : nlohmann::ordered_json(nullptr);
    e["params"] = l.params;
    e["trainable_params"] = l.trainable_params;
    e["macs"] = l.macs;
    if (!l.inferred().empty()) e["inferred"] = l.inferred();
    if (l.depth > 0) {
      e["module"] = l.module;
      e["depth"] = l.depth;
    }
    if (rf && i < rf->layers.size()) {
      e["rf"] = rf_json(rf->layers[i]);
      if (rf->layers[i].kind != FieldKind::Grid) e["rf_note"] = rf->layers[i].reason;
    }
    j["layers"].push_back(e);
  }
  j["outputs"] = nlohmann::ordered_json::object();
  for (const auto& [name, shape] : a.outputs) j["outputs"][name] = shape_json(shape);
  j["totals"] = {{"params", a.totals.params},
                 {"trainable_params", a.totals.trainable_params},
                 {"non_trainable_params", a.totals.non_trainable_params},
                 {"macs", a.totals.macs}};
  if (modules) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const ModuleRow& r : modules->rows) {
      nlohmann::ordered_json e;
      e["name"] = r.name;
      e["class"] = r.kind;
      e["depth"] = r.depth;
      e["parent"] =
          r.parent == kNoRow ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.parent);
      e["named_module"] = r.named_module;
      e["output_shape"] =
          !r.failed && r.output ? shape_json(*r.output) : nlohmann::ordered_json(nullptr);
      e["params"] = r.params;
      e["trainable_params"] = r.trainable_params;
      e["macs"] = r.macs;
      e["layers"] = r.layers;
      rows.push_back(e);
    }
    j["modules"] = {{"depth", modules->depth}, {"rows", rows}};
  }
  j["diagnostics"] = nlohmann::ordered_json::array();
  for (const Diagnostic& d : diags.items()) {
    nlohmann::ordered_json e;
    e["severity"] = d.severity == Severity::Error     ? "error"
                    : d.severity == Severity::Warning ? "warning"
                                                      : "note";
    if (const std::string* f = other_file(a, d.span.file)) e["file"] = *f;
    e["line"] = d.span.line;
    e["column"] = d.span.column;
    e["layer"] =
        d.layer.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.layer);
    e["message"] = d.message;
    e["help"] = d.help;
    for (const Label& l : d.labels) {
      nlohmann::ordered_json r;
      if (const std::string* f = other_file(a, l.span.file)) r["file"] = *f;
      r["line"] = l.span.line;
      r["column"] = l.span.column;
      r["message"] = l.message;
      e["related"].push_back(r);
    }
    j["diagnostics"].push_back(e);
  }
  if (diags.dropped() > 0) j["diagnostics_not_shown"] = diags.dropped();
  return j;
}

namespace {

void write_position(JsonText& j, const Analysis& a, Span span, bool with_column) {
  if (const std::string* f = other_file(a, span.file)) j.member("file", *f);
  j.member("line", int64_t{span.line});
  if (with_column) j.member("column", int64_t{span.column});
}

const char* severity_text(Severity s) {
  return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note";
}

// The counts a layer row and a module row both have: output shape (null when unknown), params,
// trainable params, MACs.
void write_counts(JsonText& j, const Shape* output, int64_t params, int64_t trainable,
                  int64_t macs) {
  j.fixed_key("output_shape");
  if (output)
    write_shape(j, *output);
  else
    j.null();
  j.member("params", params);
  j.member("trainable_params", trainable);
  j.member("macs", macs);
}

void write_layer(JsonText& j, const Analysis& a, const LayerInfo& l, const LayerField* rf) {
  j.begin_object();
  j.member("name", l.name);
  j.member("op", l.op_name);
  write_position(j, a, l.statement ? l.statement->span : Span{}, false);
  j.fixed_key("inputs");
  j.begin_array();
  for (TensorId t : l.input_ids) j.value(a.name_of(t));
  j.end_array();
  write_counts(j, l.output ? &*l.output : nullptr, l.params, l.trainable_params, l.macs);
  if (!l.inferred().empty()) {
    j.fixed_key("inferred");
    j.begin_object();
    for (const auto& [param, v] : l.inferred()) {
      j.key(param);
      j.value(v);
    }
    j.end_object();
  }
  if (l.depth > 0) {
    j.member("module", l.module);
    j.member("depth", int64_t{l.depth});
  }
  if (rf) {
    j.fixed_key("rf");
    write_rf(j, *rf);
    if (rf->kind != FieldKind::Grid) j.member("rf_note", rf->reason);
  }
  j.end_object();
}

void write_diagnostic(JsonText& j, const Analysis& a, const Diagnostic& d) {
  j.begin_object();
  j.member("severity", severity_text(d.severity));
  write_position(j, a, d.span, true);
  j.fixed_key("layer");
  if (d.layer.empty())
    j.null();
  else
    j.value(d.layer);
  j.member("message", d.message);
  j.member("help", d.help);
  if (!d.labels.empty()) {
    j.fixed_key("related");
    j.begin_array();
    for (const Label& l : d.labels) {
      j.begin_object();
      write_position(j, a, l.span, true);
      j.member("message", l.message);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
}

void write_module_row(JsonText& j, const ModuleRow& r) {
  j.begin_object();
  j.member("name", r.name);
  j.member("class", r.kind);
  j.member("depth", int64_t{r.depth});
  j.fixed_key("parent");
  if (r.parent == kNoRow)
    j.null();
  else
    j.value(int64_t{r.parent});
  j.fixed_key("named_module");
  j.boolean(r.named_module);
  write_counts(j, !r.failed && r.output ? &*r.output : nullptr, r.params, r.trainable_params,
               r.macs);
  j.member("layers", int64_t{r.layers});
  j.end_object();
}

void write_named_shapes(JsonText& j, const std::vector<std::pair<std::string, Shape>>& shapes) {
  j.begin_object();
  for (const auto& [name, shape] : shapes) {
    j.key(name);
    write_shape(j, shape);
  }
  j.end_object();
}

// to_json(a, diags).dump(2) and a newline, written into `j` (docs/json.md).
void write_report(JsonText& j, const Analysis& a, const Diagnostics& diags, const Grouping* modules,
                  const ReceptiveFields* rf) {
  j.begin_object();
  j.member("model", a.model_name);
  j.fixed_key("inputs");
  write_named_shapes(j, a.inputs);
  j.fixed_key("layers");
  j.begin_array();
  for (size_t i = 0; i < a.layers.size(); ++i)
    write_layer(j, a, a.layers[i], rf && i < rf->layers.size() ? &rf->layers[i] : nullptr);
  j.end_array();
  j.fixed_key("outputs");
  write_named_shapes(j, a.outputs);
  j.fixed_key("totals");
  j.begin_object();
  j.member("params", a.totals.params);
  j.member("trainable_params", a.totals.trainable_params);
  j.member("non_trainable_params", a.totals.non_trainable_params);
  j.member("macs", a.totals.macs);
  j.end_object();
  if (modules) {
    j.fixed_key("modules");
    j.begin_object();
    j.member("depth", int64_t{modules->depth});
    j.fixed_key("rows");
    j.begin_array();
    for (const ModuleRow& r : modules->rows) write_module_row(j, r);
    j.end_array();
    j.end_object();
  }
  j.fixed_key("diagnostics");
  j.begin_array();
  for (const Diagnostic& d : diags.items()) write_diagnostic(j, a, d);
  j.end_array();
  if (diags.dropped() > 0) j.member("diagnostics_not_shown", static_cast<int64_t>(diags.dropped()));
  j.end_object();
}

}  // namespace

std::string render_json(const Analysis& a, const Diagnostics& diags, const Grouping* modules,
                        const ReceptiveFields* rf) {
  std::string out;
  out.reserve(320 * a.layers.size() + 4096);  // about a layer's entry; grows if names are long
  {
    JsonText j(out);
    write_report(j, a, diags, modules, rf);
  }
  out += '\n';
  return out;
}

void write_json(std::ostream& out, const Analysis& a, const Diagnostics& diags,
                const Grouping* modules, const ReceptiveFields* rf) {
  std::string buffer;
  {
    JsonText j(buffer, out);
    write_report(j, a, diags, modules, rf);
  }
  out << '\n';
}

std::string render_explain(const Analysis& a) {
  std::string out;
  size_t width = 0;
  for (const auto& l : a.layers) width = std::max(width, l.name.size());
  for (const LayerInfo& l : a.layers) {
    std::string in = l.input_ids.empty() ? "" : to_string(a.input_shape(l, 0));
    out += fmt::format("{:<{}}  {} {} -> {}\n", l.name, width, l.op_name, in, shape_cell(l));
    for (const auto& [param, v] : l.inferred())
      out += fmt::format("{:<{}}  {} = ? -> {} (from the input)\n", "", width, param, v);
    for (const auto& e : l.explain()) out += fmt::format("{:<{}}  {}\n", "", width, e);
  }
  return out;
}

std::string render_report(const Analysis& a, const Diagnostics& diags, ReportFormat f,
                          const Grouping* modules, const ReceptiveFields* rf) {
  switch (f) {
    case ReportFormat::Table:
      return modules ? render_table(a, *modules) : render_table(a, rf);
    case ReportFormat::Markdown:
      return modules ? render_markdown(a, *modules) : render_markdown(a, rf);
    case ReportFormat::Csv:
      return modules ? render_csv(a, *modules) : render_csv(a, rf);
    case ReportFormat::Json:
      return render_json(a, diags, modules, rf);
    case ReportFormat::Latex:
      return render_latex(a);
    case ReportFormat::Html:
      return render_html(a);
    case ReportFormat::Dot:
      return render_dot(a);
    case ReportFormat::Svg:
      return render_svg(a);
  }
  return {};
}

}  // namespace netshape
