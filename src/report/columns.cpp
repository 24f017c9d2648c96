// The table with chosen columns and a chosen counting convention, and the side-by-side totals of
// every convention (columns.hpp).
#include "netshape/columns.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "model_line.hpp"
#include "netshape/op_table.hpp"
#include "rf_cells.hpp"

namespace netshape {
namespace {

constexpr int64_t kBytesPerElement = 4;  // float32 activations

struct ColumnName {
  ColumnId id;
  std::string_view name;
};
constexpr ColumnName kColumnNames[] = {
    {ColumnId::name, "name"},
    {ColumnId::op, "op"},
    {ColumnId::from, "from"},
    {ColumnId::input, "input"},
    {ColumnId::output, "output"},
    {ColumnId::params, "params"},
    {ColumnId::params_percent, "params_percent"},
    {ColumnId::kernel, "kernel"},
    {ColumnId::macs, "macs"},
    {ColumnId::flops, "flops"},
    {ColumnId::memory, "memory"},
    {ColumnId::rf, "rf"},
};

std::string_view column_name(ColumnId id) {
  for (const ColumnName& c : kColumnNames)
    if (c.id == id) return c.name;
  return "";
}

bool right_aligned(ColumnId id) {
  return id == ColumnId::params || id == ColumnId::params_percent || id == ColumnId::macs ||
         id == ColumnId::flops || id == ColumnId::memory;
}

// The header of a column in the table and in markdown.
std::string header(ColumnId id, bool grouped, Convention c) {
  switch (id) {
    case ColumnId::name:
      return grouped ? "module" : "layer";
    case ColumnId::op:
      return grouped ? "class" : "op";
    case ColumnId::from:
      return "input";
    case ColumnId::input:
      return "input shape";
    case ColumnId::output:
      return "output shape";
    case ColumnId::params:
      return "params";
    case ColumnId::params_percent:
      return "params %";
    case ColumnId::kernel:
      return "kernel";
    case ColumnId::macs:
      return count_label(c);
    case ColumnId::flops:
      return count_label(Convention::flops);
    case ColumnId::memory:
      return "memory (bytes)";
    case ColumnId::rf:
      return "receptive field (size; jump; start)";
  }
  return "";
}

// The header of a column in CSV: its name, the counts named by their convention.
std::string csv_header(ColumnId id, bool grouped, Convention c) {
  switch (id) {
    case ColumnId::name:
      return grouped ? "module" : "layer";
    case ColumnId::op:
      return grouped ? "class" : "op";
    case ColumnId::from:
      return "inputs";
    case ColumnId::input:
      return "input_shape";
    case ColumnId::output:
      return "output_shape";
    case ColumnId::macs:
      if (c == Convention::netshape) return "macs";
      if (c == Convention::flops) return "flops";
      return "macs_" + std::string(name_of(c));
    case ColumnId::memory:
      return "memory_bytes";
    default:
      return std::string(column_name(id));
  }
}

std::string count_text(std::optional<int64_t> v, bool csv) {
  if (!v) return csv ? "" : "-";
  return csv ? std::to_string(*v) : with_commas(*v);
}

std::optional<int64_t> output_bytes(const std::optional<Shape>& s) {
  if (!s) return std::nullopt;
  auto elements = count_product(*s);
  return elements ? checked_mul(*elements, kBytesPerElement) : std::nullopt;
}

std::string percent_of(int64_t params, int64_t total) {
  if (params <= 0 || total <= 0) return "-";
  return fmt::format("{:.2f}%", 100.0 * static_cast<double>(params) / static_cast<double>(total));
}

// kernel_size of the layers that have one (convolutions and pools), as torchinfo shows it.
std::string kernel_text(const LayerInfo& l) {
  Family f = op_info(l.op).family;
  bool windowed = f == Family::conv || f == Family::conv_transpose || f == Family::max_pool ||
                  f == Family::avg_pool;
  if (!windowed || !l.output || l.attrs->kernel_size.empty()) return "-";
  std::string out = "[";
  for (size_t i = 0; i < l.attrs->kernel_size.size(); ++i)
    out += (i ? ", " : "") + std::to_string(l.attrs->kernel_size[i]);
  return out + "]";
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string input_shapes(const Analysis& a, const LayerInfo& l, const char* sep) {
  std::vector<std::string> shapes;
  for (TensorId t : l.input_ids) shapes.push_back(to_string(a.shape_of(t)));
  return shapes.empty() ? "-" : joined(shapes, sep);
}

// The `from` column: the names of the tensors it reads.
std::string input_names(const Analysis& a, const LayerInfo& l, const char* sep) {
  std::vector<std::string> names;
  for (TensorId t : l.input_ids) names.emplace_back(a.name_of(t));
  return joined(names, sep);
}

// The `rf` column's cell: "22x22; 6x6; 10.5, 10.5" (size; jump; start), "-" past the grid.
std::string rf_cell(const LayerField& f) {
  auto cells = rf_cells(f);
  if (cells[0] == "-" || cells[0] == "?") return cells[0];
  return cells[0] + "; " + cells[1] + "; " + cells[2];
}

// The counts every row of a table needs, whatever its columns.
struct Counts {
  ConventionCounts chosen;
  ConventionCounts flops;
};

// One flat-table row's cells, in the order of `cols`.
std::vector<std::string> layer_cells(const Analysis& a, size_t i, const std::vector<ColumnId>& cols,
                                     const Counts& counts, bool csv, const ReceptiveFields* rf) {
  const LayerInfo& l = a.layers[i];
  bool ok = l.output.has_value();
  std::vector<std::string> row;
  for (ColumnId c : cols) {
    switch (c) {
      case ColumnId::name:
        row.emplace_back(l.name);
        break;
      case ColumnId::op:
        row.emplace_back(l.op_name);
        break;
      case ColumnId::from:
        row.push_back(input_names(a, l, csv ? " " : ", "));
        break;
      case ColumnId::input:
        row.push_back(input_shapes(a, l, csv ? " " : ", "));
        break;
      case ColumnId::output:
        row.push_back(ok ? to_string(*l.output) : (csv ? "" : "error"));
        break;
      case ColumnId::params:
        row.push_back(count_text(ok ? std::optional(l.params) : std::nullopt, csv));
        break;
      case ColumnId::params_percent:
        row.push_back(ok ? percent_of(l.params, a.totals.params) : "-");
        break;
      case ColumnId::kernel:
        row.push_back(kernel_text(l));
        break;
      case ColumnId::macs:
        row.push_back(count_text(counts.chosen.layers[i], csv));
        break;
      case ColumnId::flops:
        row.push_back(count_text(counts.flops.layers[i], csv));
        break;
      case ColumnId::memory:
        row.push_back(count_text(output_bytes(l.output.copy()), csv));
        break;
      case ColumnId::rf:
        row.push_back(rf && i < rf->layers.size() ? rf_cell(rf->layers[i]) : "-");
        break;
    }
  }
  if (csv) std::replace(row.begin(), row.end(), std::string("-"), std::string());
  return row;
}

std::string indented(const ModuleRow& r, std::string_view indent) {
  std::string out;
  for (int d = 0; d < r.depth; ++d) out += indent;
  return out + (r.depth == 0 && r.name.empty() ? std::string("(model)") : r.name);
}

// One grouped row's cells; `chosen` and `flops` are the same row of the regrouped counts.
std::vector<std::string> module_cells(const Analysis& a, const ModuleRow& r,
                                      const std::vector<ColumnId>& cols, const ModuleRow* chosen,
                                      const ModuleRow* flops, bool csv, std::string_view indent) {
  const LayerInfo* layer = r.layer < a.layers.size() ? &a.layers[r.layer] : nullptr;
  auto row_count = [&](const ModuleRow* counted) -> std::optional<int64_t> {
    if (!counted || counted->failed) return std::nullopt;
    return counted->macs;
  };
  std::vector<std::string> row;
  for (ColumnId c : cols) {
    switch (c) {
      case ColumnId::name:
        row.push_back(csv ? r.name : indented(r, indent));
        break;
      case ColumnId::op:
        row.push_back(r.kind);
        break;
      case ColumnId::from:
        row.push_back(layer ? input_names(a, *layer, csv ? " " : ", ") : "-");
        break;
      case ColumnId::input:
        row.push_back(layer ? input_shapes(a, *layer, csv ? " " : ", ") : "-");
        break;
      case ColumnId::output:
        row.push_back(r.failed   ? (csv ? "" : "error")
                      : r.output ? to_string(*r.output)
                                 : (csv ? "" : "-"));
        break;
      case ColumnId::params:
        row.push_back(count_text(r.failed ? std::nullopt : std::optional(r.params), csv));
        break;
      case ColumnId::params_percent:
        row.push_back(r.failed ? "-" : percent_of(r.params, a.totals.params));
        break;
      case ColumnId::kernel:
        row.push_back(layer ? kernel_text(*layer) : "-");
        break;
      case ColumnId::macs:
        row.push_back(count_text(row_count(chosen), csv));
        break;
      case ColumnId::flops:
        row.push_back(count_text(row_count(flops), csv));
        break;
      case ColumnId::memory:
        row.push_back(count_text(r.failed ? std::nullopt : output_bytes(r.output), csv));
        break;
      case ColumnId::rf:  // a layer's, not a module's: `check` refuses --depth with it
        row.push_back("-");
        break;
    }
  }
  if (csv) std::replace(row.begin(), row.end(), std::string("-"), std::string());
  return row;
}

// Aligned columns, as the default table draws them (report.cpp).
std::string render_grid(const std::vector<std::string>& titles, const std::vector<bool>& right,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(titles.size());
  for (size_t c = 0; c < titles.size(); ++c) width[c] = titles[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < titles.size(); ++c) width[c] = std::max(width[c], r[c].size());
  size_t line_width = 2 * (titles.size() - 1);
  for (size_t w : width) line_width += w;
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    size_t start = out.size();
    for (size_t c = 0; c < titles.size(); ++c) {
      if (c) out.append(2, ' ');
      size_t pad = width[c] - cells[c].size();
      if (right[c]) out.append(pad, ' ');
      out += cells[c];
      if (!right[c]) out.append(pad, ' ');
    }
    while (out.size() > start && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line(titles);
  out.append(line_width, '-');
  out += '\n';
  for (const auto& r : rows) line(r);
  return out;
}

bool shows(const std::vector<ColumnId>& cols, ColumnId id) {
  return std::find(cols.begin(), cols.end(), id) != cols.end();
}

// The default footer, with the count in its convention's name, and the totals of the extra
// columns shown.
std::string footer(const Analysis& a, const TableOptions& o, const Counts& counts) {
  if (!a.ok) return "\n(stopped at the first error)\n";
  std::string out = footer_head(a);
  // Only netshape counts nn.MultiheadAttention, einsum and the recurrent layers
  // (docs/counting.md): without them the total is unknown.
  auto total_line = [&](Convention c, const std::optional<int64_t>& total) {
    if (total) return fmt::format("{}: {}{}\n", count_label(c), with_commas(*total), per_sample(a));
    auto uncounted = std::find_if(a.layers.begin(), a.layers.end(),
                                  [c](const LayerInfo& l) { return !convention_counts(l, c); });
    if (uncounted != a.layers.end())
      return fmt::format("{}: - (this convention's count of {}{} is not known)\n", count_label(c),
                         op_info(uncounted->op).name,
                         weight_normalisation(*uncounted)
                             ? std::string(" under ") + weight_normalisation(*uncounted)
                         : !subclass_name(*uncounted).empty()
                             ? fmt::format(" subclassed as {}", subclass_name(*uncounted))
                             : std::string());
    return fmt::format("{}: - (the count does not fit in 64 bits)\n", count_label(c));
  };
  out += total_line(o.convention, counts.chosen.total);
  if (shows(o.columns, ColumnId::flops) && o.convention != Convention::flops)
    out += total_line(Convention::flops, counts.flops.total);
  return out + footer_memory(a);
}

// A CSV line; shapes and kernels are quoted (they hold commas).
std::string csv_line(const std::vector<std::string>& cells, const std::vector<bool>& quoted) {
  std::string out;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c) out += ',';
    out += quoted[c] ? "\"" + cells[c] + "\"" : cells[c];
  }
  return out + "\n";
}

// Which cells of a CSV row are quoted: `leading` unquoted cells (index, depth), then the columns.
std::vector<bool> quoted_cells(size_t leading, const std::vector<ColumnId>& cols) {
  std::vector<bool> out(leading, false);
  for (ColumnId c : cols)
    out.push_back(c == ColumnId::output || c == ColumnId::input || c == ColumnId::kernel ||
                  c == ColumnId::rf);
  return out;
}

// The total row of markdown and CSV: the sums under the numeric columns, blanks elsewhere.
std::vector<std::string> total_cells(const Analysis& a, const std::vector<ColumnId>& cols,
                                     const Counts& counts, bool csv) {
  std::vector<std::string> row;
  bool named = false;
  for (ColumnId c : cols) {
    std::string cell;
    switch (c) {
      case ColumnId::params:
        cell = count_text(a.totals.params, csv);
        break;
      case ColumnId::macs:
        cell = count_text(counts.chosen.total, csv);
        break;
      case ColumnId::flops:
        cell = count_text(counts.flops.total, csv);
        break;
      case ColumnId::memory:
        cell = count_text(checked_mul(a.totals.activation_elements, kBytesPerElement), csv);
        break;
      case ColumnId::name:
        if (!csv) cell = "total";
        named = !csv;
        break;
      default:
        break;
    }
    if (!csv && !cell.empty()) cell = "**" + cell + "**";
    row.push_back(cell);
  }
  if (!named && !csv && !row.empty() && row[0].empty()) row[0] = "**total**";
  return row;
}

std::string render_flat(const Analysis& a, const TableOptions& o, ReportFormat f,
                        const Counts& counts) {
  const auto& cols = o.columns;
  bool csv = f == ReportFormat::Csv;
  std::vector<std::vector<std::string>> rows;
  rows.reserve(a.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    rows.push_back({std::to_string(i + 1)});
    auto cells = layer_cells(a, i, cols, counts, csv, o.rf);
    rows.back().insert(rows.back().end(), cells.begin(), cells.end());
  }
  std::vector<std::string> titles = {csv ? "index" : "#"};
  std::vector<bool> right = {true};
  for (ColumnId c : cols) {
    titles.push_back(csv ? csv_header(c, false, o.convention) : header(c, false, o.convention));
    right.push_back(right_aligned(c));
  }
  if (f == ReportFormat::Table) {
    std::string out = fmt::format("model {}  (input {})\n\n", a.model_name, inputs_line(a));
    return out + render_grid(titles, right, rows) + footer(a, o, counts);
  }
  if (csv) {
    std::string out = joined(titles, ",") + "\n";
    for (const auto& r : rows) out += csv_line(r, quoted_cells(1, cols));
    if (a.ok) {
      std::vector<std::string> total = {"total"};
      auto cells = total_cells(a, cols, counts, true);
      total.insert(total.end(), cells.begin(), cells.end());
      out += joined(total, ",") + "\n";
    }
    return out;
  }
  std::string out = fmt::format("**{}** — input {}\n\n", a.model_name, inputs_line(a));
  out += "| " + joined(titles, " | ") + " |\n|";
  for (bool r : right) out += r ? "---:|" : "---|";
  out += "\n";
  for (const auto& r : rows) out += "| " + joined(r, " | ") + " |\n";
  if (a.ok) {
    std::vector<std::string> total = {""};
    auto cells = total_cells(a, cols, counts, false);
    total.insert(total.end(), cells.begin(), cells.end());
    out += "| " + joined(total, " | ") + " |\n";
  }
  return out;
}

std::string render_grouped(const Analysis& a, const TableOptions& o, ReportFormat f,
                           const Grouping& modules, const Grouping* chosen_rows,
                           const Grouping* flops_rows, const Counts& counts) {
  const auto& cols = o.columns;
  bool csv = f == ReportFormat::Csv;
  auto same_row = [&](const Grouping* g, size_t i) -> const ModuleRow* {
    return g && i < g->rows.size() ? &g->rows[i] : nullptr;
  };
  std::string indent = f == ReportFormat::Markdown ? "&nbsp;&nbsp;" : "  ";
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < modules.rows.size(); ++i) {
    const ModuleRow& r = modules.rows[i];
    rows.push_back({std::to_string(i + 1)});
    if (csv) rows.back().push_back(std::to_string(r.depth));
    auto cells =
        module_cells(a, r, cols, same_row(chosen_rows, i), same_row(flops_rows, i), csv, indent);
    rows.back().insert(rows.back().end(), cells.begin(), cells.end());
  }
  std::vector<std::string> titles = {csv ? "index" : "#"};
  std::vector<bool> right = {true};
  if (csv) titles.push_back("depth");
  for (ColumnId c : cols) {
    titles.push_back(csv ? csv_header(c, true, o.convention) : header(c, true, o.convention));
    right.push_back(right_aligned(c));
  }
  if (f == ReportFormat::Table) {
    std::string out = fmt::format("model {}  (input {})\n\n", a.model_name, inputs_line(a));
    return out + render_grid(titles, right, rows) + footer(a, o, counts);
  }
  if (csv) {
    std::string out = joined(titles, ",") + "\n";
    for (const auto& r : rows) out += csv_line(r, quoted_cells(2, cols));
    return out;
  }
  std::string out = fmt::format("**{}** — input {}\n\n", a.model_name, inputs_line(a));
  out += "| " + joined(titles, " | ") + " |\n|";
  for (bool r : right) out += r ? "---:|" : "---|";
  out += "\n";
  for (const auto& r : rows) out += "| " + joined(r, " | ") + " |\n";
  return out;
}

}  // namespace

std::optional<std::vector<ColumnId>> parse_columns(std::string_view text, std::string& error) {
  std::vector<ColumnId> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    start = end + 1;
    if (name.empty()) {
      error = "an empty column name";
      return std::nullopt;
    }
    auto known = std::find_if(std::begin(kColumnNames), std::end(kColumnNames),
                              [&](const ColumnName& c) { return c.name == name; });
    if (known == std::end(kColumnNames)) {
      error = fmt::format("unknown column '{}'", name);
      return std::nullopt;
    }
    if (shows(out, known->id)) {
      error = fmt::format("column '{}' is given twice", name);
      return std::nullopt;
    }
    out.push_back(known->id);
  }
  return out;
}

std::vector<ColumnId> default_columns() {
  return {ColumnId::name,   ColumnId::op,     ColumnId::from,
          ColumnId::output, ColumnId::params, ColumnId::macs};
}

Analysis with_counts(const Analysis& a, const ConventionCounts& counts) {
  Analysis out = a;
  for (size_t i = 0; i < out.layers.size(); ++i)
    out.layers[i].macs = counts.layers[i].value_or(INT64_MAX);  // INT64_MAX: its rows fail
  out.totals.macs = counts.total.value_or(0);
  return out;
}

std::string render_columns(const Analysis& a, const TableOptions& options, ReportFormat format,
                           const Grouping* modules, const Grouping* convention_rows,
                           const Grouping* flops_rows) {
  Counts counts{count_analysis(a, options.convention), count_analysis(a, Convention::flops)};
  if (modules) {
    if (options.convention == Convention::netshape) convention_rows = modules;
    if (options.convention == Convention::flops && !flops_rows) flops_rows = convention_rows;
    return render_grouped(a, options, format, *modules, convention_rows, flops_rows, counts);
  }
  return render_flat(a, options, format, counts);
}

std::string render_json_convention(const Analysis& a, const Diagnostics& diags,
                                   Convention convention, const Grouping* modules) {
  nlohmann::ordered_json j = to_json(a, diags, modules);
  ConventionCounts counts = count_analysis(a, convention);
  for (size_t i = 0; i < a.layers.size() && i < j["layers"].size(); ++i)
    j["layers"][i]["count"] =
        counts.layers[i] ? nlohmann::ordered_json(*counts.layers[i]) : nlohmann::ordered_json();
  j["convention"] = {
      {"name", name_of(convention)},
      {"quantity", quantity_of(convention)},
      {"total", counts.total ? nlohmann::ordered_json(*counts.total) : nlohmann::ordered_json()}};
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string short_count(int64_t v, bool sign) {
  double x = std::abs(static_cast<double>(v));
  std::string s = sign ? (v < 0 ? "-" : "+") : (v < 0 ? "-" : "");
  if (x >= 1e9) return s + fmt::format("{:.2f} G", x / 1e9);
  if (x >= 1e6) return s + fmt::format("{:.2f} M", x / 1e6);
  if (x >= 1e3) return s + fmt::format("{:.2f} K", x / 1e3);
  return s + fmt::format("{}", static_cast<int64_t>(x));
}

std::string render_conventions(const Analysis& a) {
  std::string out = fmt::format("model {}  (input {})\n\n", a.model_name, inputs_line(a));
  if (!a.ok) return out + "(stopped at the first error: no totals)\n";
  ConventionCounts reference = count_analysis(a, Convention::netshape);
  std::vector<std::vector<std::string>> rows;
  for (Convention c : kAllConventions) {
    ConventionCounts counts = c == Convention::netshape ? reference : count_analysis(a, c);
    std::vector<std::string> row = {std::string(name_of(c)), "-", "-", ""};
    if (counts.total) {
      row[1] = short_count(*counts.total) + " " + std::string(quantity_of(c));
      row[2] = with_commas(*counts.total);
      if (c != Convention::netshape && reference.total) {
        std::string gap = short_count(*counts.total - *reference.total, true);
        std::string parts;
        for (const CategoryGap& g : gap_by_category(a, counts, reference))
          parts += (parts.empty() ? "" : ", ") + g.category + " " + short_count(g.gap, true);
        row[3] = parts.empty() ? gap : gap + ": " + parts;
      }
    }
    rows.push_back(std::move(row));
  }
  out += render_grid({"convention", "total", "exact", "difference from netshape"},
                     {false, true, true, false}, rows);
  if (has_symbolic_batch(a)) out += "\n(per sample: the symbolic batch counts as 1)\n";
  return out;
}

std::string render_conventions_json(const Analysis& a, const Diagnostics& diags) {
  nlohmann::ordered_json j = to_json(a, diags);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  ConventionCounts reference = count_analysis(a, Convention::netshape);
  for (Convention c : kAllConventions) {
    ConventionCounts counts = count_analysis(a, c);
    nlohmann::ordered_json e;
    e["name"] = name_of(c);
    e["quantity"] = quantity_of(c);
    e["total"] = counts.total ? nlohmann::ordered_json(*counts.total) : nlohmann::ordered_json();
    nlohmann::ordered_json gaps = nlohmann::ordered_json::array();
    for (const CategoryGap& g : gap_by_category(a, counts, reference))
      gaps.push_back({{"kind", g.category}, {"difference", g.gap}});
    e["difference_by_kind"] = gaps;
    list.push_back(e);
  }
  j["conventions"] = list;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace netshape
