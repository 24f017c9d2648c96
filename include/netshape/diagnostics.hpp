// Diagnostics are data (severity, span, message, notes, help): stages collect them, and
// render_diagnostic() is the one place that turns them into text.
#pragma once
#include <string>
#include <vector>

#include "netshape/source.hpp"

namespace netshape {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span;
  std::string message;
  std::string help;                // the concrete fix, when there is one
  std::vector<std::string> notes;  // extra context lines
  std::string layer;               // the statement it belongs to, when there is one
  std::string code;                // a stable kind for tools, e.g. "input-too-small"
};

// Why a run stops: the exit codes of the contract.
enum class ExitCode { Ok = 0, ShapeError = 1, UsageOrParse = 2 };

class Diagnostics {
 public:
  Diagnostic& error(Span span, std::string message, std::string help = {});
  Diagnostic& warning(Span span, std::string message, std::string help = {});
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  bool has_errors() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

// `FILE:LINE:COL: error: MESSAGE`, the source line, a caret under the span, notes, `help:`.
std::string render_diagnostic(const Diagnostic& d, const SourceFile& source);

// Edit distance based suggestion: the candidate closest to `word`, or "" if none is close.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace netshape
