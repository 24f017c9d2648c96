// `check --columns ...` and `--convention NAME`: the layer table with the columns the user picks,
// in their order (torchinfo's col_names), its counts in a chosen counting convention, and
// `--conventions`: every convention's total side by side. Pure functions of an Analysis (and the
// grouped rows for --depth); the default table (report.cpp) is untouched by them.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/conventions.hpp"
#include "netshape/grouping.hpp"
#include "netshape/receptive_field.hpp"
#include "netshape/report.hpp"

namespace netshape {

enum class ColumnId {
  name,            // the layer's row name (the module's path with --depth)
  op,              // the op as written (the class with --depth)
  from,            // the tensors it reads (the default table's "input" column)
  input,           // its input shape(s) (torchinfo's input_size)
  output,          // its output shape
  params,          // parameters
  params_percent,  // share of the model's parameters
  kernel,          // kernel_size of convolutions and pools
  macs,            // the count under the chosen convention (default netshape: MACs)
  flops,           // the count under the `flops` convention (FLOPs)
  memory,          // output activation bytes (float32)
  rf,              // the receptive field: size, jump and start per spatial axis (check --rf)
};

// "name,op,input,output,params" -> the columns, in that order. A name that is not a column, an
// empty list or a column given twice is an error (`error` says which).
std::optional<std::vector<ColumnId>> parse_columns(std::string_view text, std::string& error);

// The columns of the default table: name, op, from, output, params, macs.
std::vector<ColumnId> default_columns();

struct TableOptions {
  std::vector<ColumnId> columns = default_columns();
  Convention convention = Convention::netshape;
  const ReceptiveFields* rf = nullptr;  // the `rf` column's fields (flat tables only)
};

// The per-row counts of a grouped table under a convention: the rows of `group_layers` run on the
// analysis with every layer's MACs replaced by its count (a count that overflows fails its rows).
Analysis with_counts(const Analysis& a, const ConventionCounts& counts);

// The table (table, markdown or csv) with the chosen columns. `modules`: the rows by module
// (--depth); `convention_rows` and `flops_rows`: the same grouping of with_counts(a, ...) under
// the chosen convention and under `flops` (each needed only when its column is shown).
std::string render_columns(const Analysis& a, const TableOptions& options, ReportFormat format,
                           const Grouping* modules = nullptr,
                           const Grouping* convention_rows = nullptr,
                           const Grouping* flops_rows = nullptr);

// The JSON report with, for a convention other than netshape, "convention" {name, quantity,
// total} and every layer's "count" in it (the contract's "macs" stay netshape's).
std::string render_json_convention(const Analysis& a, const Diagnostics& diags,
                                   Convention convention, const Grouping* modules = nullptr);

// `--conventions`: one line per convention with its total and where it differs from netshape's,
// by op kind; JSON: the same as a "conventions" array.
std::string render_conventions(const Analysis& a);
std::string render_conventions_json(const Analysis& a, const Diagnostics& diags);

// 4,089,184,256 -> "4.09 G"; 53,120 -> "53.12 K"; 512 -> "512" (with a sign when `sign`).
std::string short_count(int64_t v, bool sign = false);

}  // namespace netshape
