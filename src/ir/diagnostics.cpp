#include "netshape/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace netshape {

Diagnostic& Diagnostics::error(Span span, std::string message, std::string help) {
  items_.push_back(
      Diagnostic{Severity::Error, span, std::move(message), std::move(help), {}, {}, {}});
  return items_.back();
}

Diagnostic& Diagnostics::warning(Span span, std::string message, std::string help) {
  items_.push_back(
      Diagnostic{Severity::Warning, span, std::move(message), std::move(help), {}, {}, {}});
  return items_.back();
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

static const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Note:
      return "note";
  }
  return "error";
}

// Tabs are kept in the caret line so the caret stays under the right character.
static std::string caret_line(std::string_view line, int column, int length) {
  std::string out;
  for (int i = 1; i < column && i - 1 < static_cast<int>(line.size()); ++i) {
    out += line[i - 1] == '\t' ? '\t' : ' ';
  }
  int room = std::max(1, static_cast<int>(line.size()) - column + 1);
  out += std::string(static_cast<size_t>(std::clamp(length, 1, room)), '^');
  return out;
}

// Control bytes and invalid text would garble a terminal; show them escaped.
static std::string printable(std::string_view line) {
  std::string out;
  for (unsigned char c : line) {
    if (c == '\t' || c >= 0x20)
      out += static_cast<char>(c);
    else
      out += '?';
  }
  return out;
}

std::string render_diagnostic(const Diagnostic& d, const SourceFile& source) {
  std::string out;
  if (d.span.valid()) {
    out += fmt::format("{}:{}:{}: {}: {}\n", source.path(), d.span.line, d.span.column,
                       severity_name(d.severity), d.message);
    std::string_view line = source.line_text(d.span.line);
    out += fmt::format("{:>5} | {}\n", d.span.line, printable(line));
    out += fmt::format("{:>5} | {}\n", "", caret_line(line, d.span.column, d.span.length));
  } else {
    out += fmt::format("{}: {}: {}\n", source.path(), severity_name(d.severity), d.message);
  }
  for (const auto& note : d.notes) out += fmt::format("note: {}\n", note);
  if (!d.help.empty()) out += fmt::format("help: {}\n", d.help);
  return out;
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace netshape
