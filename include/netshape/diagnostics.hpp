// Diagnostics are data (severity, span, message, notes, help): stages collect them, and
// render_diagnostic() is the one place that turns them into text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "netshape/limits.hpp"
#include "netshape/source.hpp"

namespace netshape {

enum class Severity { Error, Warning, Note };

// A secondary place a diagnostic points at, with its own caret: the use site of a module whose
// body failed, the call in forward that applied it. Rendered as a `note:` with its position.
struct Label {
  Span span;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span;
  std::string message;
  std::string help;                // the concrete fix, when there is one
  std::vector<std::string> notes;  // extra context lines
  std::vector<Label> labels;       // other places that explain it, in order
  std::string layer;               // the statement it belongs to, when there is one
  std::string code;                // a stable kind for tools, e.g. "input-too-small"
  // PyTorch raises it while building the module (its __init__, or binding the constructor's
  // arguments), so also for a module forward never applies.
  bool at_construction = false;

  // Where the graph shows a likelier intent than the literal fix: `better` becomes the help, and
  // the old help is kept as a note after `old_prefix` ("or, if dim 1 does hold the channels: ").
  void prefer(std::string better, std::string_view old_prefix);
};

// Why a run stops: the exit codes of the contract.
enum class ExitCode { Ok = 0, ShapeError = 1, UsageOrParse = 2 };

// Collects what the stages report. Only the first kMaxKept are kept (docs/limits.md): a file
// full of mistakes must not cost memory or output in proportion to its size times its errors.
// The rest are counted, and the rendering says how many were not shown.
class Diagnostics {
 public:
  static constexpr size_t kMaxKept = limits::kMaxDiagnostics;
  Diagnostic& error(Span span, std::string message, std::string help = {});
  Diagnostic& warning(Span span, std::string message, std::string help = {});
  Diagnostic& add(Diagnostic d);
  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  // Everything reported, kept or not: a stage compares counts to see whether a step failed.
  size_t count() const { return items_.size() + dropped_; }
  size_t dropped() const { return dropped_; }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

 private:
  std::vector<Diagnostic> items_;
  size_t dropped_ = 0;
  size_t errors_ = 0;
  Diagnostic discarded_;  // what add() hands back for a diagnostic past the limit
};

// `FILE:LINE:COL: error: MESSAGE`, the source line, a caret under the span, notes, `help:`.
// A source line longer than kMaxShownLine characters is cut to a window around the caret.
constexpr int kMaxShownLine = limits::kMaxShownLineBytes;
std::string render_diagnostic(const Diagnostic& d, const SourceFile& source);
// The same for a model read from several files: each span is shown in its own file.
std::string render_diagnostic(const Diagnostic& d, const SourceSet& sources);
// An error with no place in a file (a bad command line, an unreadable path, a refused run),
// rendered like the others: `netshape: error: MESSAGE`, then `help: HELP`.
std::string render_command_error(std::string message, std::string help = {});
// Every kept diagnostic, then "N more errors and warnings not shown" when some were dropped.
std::string render_diagnostics(const Diagnostics& diags, const SourceFile& source);
std::string render_diagnostics(const Diagnostics& diags, const SourceSet& sources);

// Edit distance based suggestion: the candidate closest to `word`, or "" if none is close.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace netshape
