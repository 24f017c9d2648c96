// What `check` prints once the model is analysed: the default report (the contract's), or, when
// asked, the table with chosen columns and convention (--columns, --convention) or every
// convention's total (--conventions).
#include <algorithm>
#include <ostream>
#include <sstream>

#include "netshape/commands.hpp"
#include "netshape/netshape.hpp"

namespace netshape {
namespace {

// The rows of the grouped table counted under `c`: the same grouping of the analysis with every
// layer's count in that convention.
std::optional<Grouping> regrouped(const LoadedModel& m, const CheckOptions& o, Convention c) {
  if (o.depth < 0 || !m.graph) return std::nullopt;
  return group_layers(with_counts(m.analysis, count_analysis(m.analysis, c)), *m.graph, o.depth);
}

}  // namespace

// One dispatch for both: the JSON report is streamed as it is made (write_json).
void write_check_report(std::ostream& out, const LoadedModel& m, const CheckOptions& o,
                        const Grouping* modules, const ReceptiveFields* rf) {
  if (o.conventions) {
    out << (o.format == ReportFormat::Json ? render_conventions_json(m.analysis, m.diags)
                                           : render_conventions(m.analysis));
    return;
  }
  if (!o.columns && !o.convention) {
    if (o.format == ReportFormat::Json) return write_json(out, m.analysis, m.diags, modules, rf);
    out << render_report(m.analysis, m.diags, o.format, modules, rf);
    return;
  }
  Convention c = o.convention.value_or(Convention::netshape);
  if (o.format == ReportFormat::Json) {
    if (c == Convention::netshape) return write_json(out, m.analysis, m.diags, modules);
    out << render_json_convention(m.analysis, m.diags, c, modules);
    return;
  }
  TableOptions table;
  table.convention = c;
  table.rf = rf;
  if (o.columns) table.columns = *o.columns;
  bool wants_flops =
      std::find(table.columns.begin(), table.columns.end(), ColumnId::flops) != table.columns.end();
  std::optional<Grouping> chosen, flops;
  if (modules && c != Convention::netshape) chosen = regrouped(m, o, c);
  if (modules && wants_flops) flops = regrouped(m, o, Convention::flops);
  out << render_columns(m.analysis, table, o.format, modules, chosen ? &*chosen : nullptr,
                        flops ? &*flops : nullptr);
}

std::string render_check_report(const LoadedModel& m, const CheckOptions& o,
                                const Grouping* modules, const ReceptiveFields* rf) {
  std::ostringstream out;
  write_check_report(out, m, o, modules, rf);
  return out.str();
}

}  // namespace netshape
