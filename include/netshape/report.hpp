// Reporters are pure: they turn an Analysis (and diagnostics) into text, nothing else.
#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "netshape/diagnostics.hpp"
#include "netshape/grouping.hpp"
#include "netshape/infer.hpp"
#include "netshape/receptive_field.hpp"

namespace netshape {

// Latex, Html, Dot and Svg are the pasteable reports of report_formats.hpp.
enum class ReportFormat { Table, Markdown, Csv, Json, Latex, Html, Dot, Svg };

// With `rf` (check --rf), the flat table, markdown and CSV have three more columns (RF, jump,
// start) and the JSON layers an "rf" member (docs/receptive_field.md).
std::string render_table(const Analysis& a, const ReceptiveFields* rf = nullptr);
std::string render_markdown(const Analysis& a, const ReceptiveFields* rf = nullptr);
std::string render_csv(const Analysis& a, const ReceptiveFields* rf = nullptr);
// The same with one row per module (`check --depth N`; group_layers() makes the rows).
std::string render_table(const Analysis& a, const Grouping& modules);
std::string render_markdown(const Analysis& a, const Grouping& modules);
std::string render_csv(const Analysis& a, const Grouping& modules);
// The JSON report as a tree (for programs that want to edit it), and as text: render_json is
// to_json(a, diags).dump(2) plus a newline, byte for byte, written without building the tree.
// With a grouping, the report has one more member, "modules" (docs/json.md).
nlohmann::ordered_json to_json(const Analysis& a, const Diagnostics& diags,
                               const Grouping* modules = nullptr,
                               const ReceptiveFields* rf = nullptr);
std::string render_json(const Analysis& a, const Diagnostics& diags,
                        const Grouping* modules = nullptr, const ReceptiveFields* rf = nullptr);
// The same text written to `out` as it is made, 64 KB at a time: a report of any size never sits
// whole in memory (a 100,000-layer report is 27 MB).
void write_json(std::ostream& out, const Analysis& a, const Diagnostics& diags,
                const Grouping* modules = nullptr, const ReceptiveFields* rf = nullptr);
std::string render_explain(const Analysis& a);
std::string render_report(const Analysis& a, const Diagnostics& diags, ReportFormat f,
                          const Grouping* modules = nullptr, const ReceptiveFields* rf = nullptr);

// JSON form of a shape: numbers, and strings for symbolic dims ("B", "2*B").
nlohmann::ordered_json shape_json(const Shape& s);

}  // namespace netshape

namespace netshape {
struct ModelMemory;
// `check --memory`: parameters, the inference peak and a training step's memory (docs/counting.md).
// `files`: the path of each Span::file (the model's, then what it imports), for the places the
// notes name; without them, a line number alone.
std::string render_memory(const ModelMemory& m, const std::vector<std::string>& files = {});
}  // namespace netshape
