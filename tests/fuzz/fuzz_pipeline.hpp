// One fuzz input through the whole pipeline of `netshape check`, in memory (never the disk).
// Shared by the libFuzzer target (fuzz_netshape.cpp) and the replay of tests/fuzz/regressions/
// in the unit tests (tests/unit/test_fuzz_regressions.cpp), so a minimised crash stays a test.
//
// Input layout: byte 0 chooses how the rest is read, bytes 1.. are the source text.
//   bit 0 of byte 0: 0 = a .ns file, 1 = a .py file (the seed corpus uses '0' and '1');
//   bit 1 of byte 0: 1 = without --explain (so '0' and '1' exercise the explain formulas too).
// Then, as the CLI does (src/api/load.cpp, src/cli/commands.cpp): load_model (parse, analyse, the
// smallest-input search), every diagnostic rendered, every report format, the explain text, and
// the table by module (`--depth`) at three depths.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"

namespace netshape::fuzz {

// Runs one input. Crashes, sanitizer reports, leaks and hangs are the caller's to catch; returns
// "" when the CLI's contract held, else what broke (a failing run without an error message, or a
// --format json report that is not valid JSON) followed by the offending output.
inline std::string run_pipeline(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  const bool python = (data[0] & 1) != 0;
  const bool explain = (data[0] & 2) == 0;

  LoadedModel m;
  // Only the extension matters: it picks the frontend, exactly as for a file on the command line.
  m.source = SourceFile(python ? "fuzz.py" : "fuzz.ns",
                        std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  LoadOptions opts;
  opts.explain = explain;
  load_model(m, opts);

  const std::string diagnostics = render_diagnostics(m);
  if (m.exit != ExitCode::Ok && (!m.diags.has_errors() || diagnostics.empty()))
    return "exit code " + std::to_string(static_cast<int>(m.exit)) + " without an error message\n" +
           diagnostics;

  // `check --format json` prints its report even for an unreadable file; the other formats are
  // printed once the model was analysed. Here every reporter runs whenever inference ran, since
  // reporters must take any Analysis that analyze() returns.
  const std::string json = render_report(m.analysis, m.diags, ReportFormat::Json);
  if (!nlohmann::json::accept(json)) return "--format json is not valid JSON\n" + json;
  if (m.program) {
    render_report(m.analysis, m.diags, ReportFormat::Table);
    render_report(m.analysis, m.diags, ReportFormat::Markdown);
    render_report(m.analysis, m.diags, ReportFormat::Csv);
    if (explain) render_explain(m.analysis);
    for (const auto& output : m.analysis.outputs) to_string(output.second);  // `netshape shape`
  }
  // `check --depth N`: the table by module, for the model alone, one level and every module.
  if (m.graph) {
    for (int depth : {0, 1, 1000}) {
      const Grouping modules = group_layers(m.analysis, *m.graph, depth);
      const std::string grouped = render_report(m.analysis, m.diags, ReportFormat::Json, &modules);
      if (!nlohmann::json::accept(grouped))
        return "--depth: --format json is not valid JSON\n" + grouped;
      render_report(m.analysis, m.diags, ReportFormat::Table, &modules);
      render_report(m.analysis, m.diags, ReportFormat::Markdown, &modules);
      render_report(m.analysis, m.diags, ReportFormat::Csv, &modules);
      if (m.analysis.ok &&
          (modules.rows.empty() || modules.rows[0].params != m.analysis.totals.params ||
           modules.rows[0].macs != m.analysis.totals.macs))
        return "--depth " + std::to_string(depth) + ": the model's row is not the totals\n" +
               grouped;
    }
  }
  return {};
}

}  // namespace netshape::fuzz
