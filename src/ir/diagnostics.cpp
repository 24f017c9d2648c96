#include "netshape/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace netshape {

void Diagnostic::prefer(std::string better, std::string_view old_prefix) {
  notes.push_back(std::string(old_prefix) + help);
  help = std::move(better);
}

Diagnostic& Diagnostics::add(Diagnostic d) {
  bool error = d.severity == Severity::Error;
  if (items_.size() >= kMaxKept) {
    // Full: an error still takes the place of the last warning, so no error hides behind them.
    auto warning = std::find_if(items_.rbegin(), items_.rend(),
                                [](const Diagnostic& k) { return k.severity != Severity::Error; });
    if (!error || warning == items_.rend()) {
      errors_ += error;
      ++dropped_;
      discarded_ = std::move(d);
      return discarded_;
    }
    items_.erase(std::next(warning).base());
    ++dropped_;
  }
  errors_ += error;
  items_.push_back(std::move(d));
  return items_.back();
}

static Diagnostic make(Severity severity, Span span, std::string message, std::string help) {
  Diagnostic d;
  d.severity = severity;
  d.span = span;
  d.message = std::move(message);
  d.help = std::move(help);
  return d;
}

Diagnostic& Diagnostics::error(Span span, std::string message, std::string help) {
  return add(make(Severity::Error, span, std::move(message), std::move(help)));
}

Diagnostic& Diagnostics::warning(Span span, std::string message, std::string help) {
  return add(make(Severity::Warning, span, std::move(message), std::move(help)));
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

// The length of the valid UTF-8 sequence at the start of `s`, or 0 (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
static size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;
  if (n == 3 && ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && byte(1) < 0x90) || c > 0xF4 || (c == 0xF4 && byte(1) >= 0x90)))
    return 0;
  return n;
}

// Control bytes and invalid UTF-8 would garble a terminal: each such byte is shown as '?'.
static std::string printable(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    size_t n = utf8_sequence_length(line.substr(i));
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (n > 1 || (n == 1 && (c == '\t' || (c >= 0x20 && c != 0x7F)))) {
      out.append(line.substr(i, n));
      i += n;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

// The part of a source line that is shown: all of it, or for a long line a window of
// kMaxShownLine bytes around the span, marked with "..." on each side that was cut.
struct ShownLine {
  std::string text;
  int caret_column;  // 1-based, in `text`
  int caret_length;
};

static ShownLine shown_line(std::string_view line, int column, int length) {
  int size = static_cast<int>(line.size());
  if (size <= kMaxShownLine) return {printable(line), column, length};
  int begin = std::clamp(column - 1 - kMaxShownLine / 2, 0, size - kMaxShownLine);
  int end = begin + kMaxShownLine;
  std::string text = begin > 0 ? "..." : "";
  int prefix = static_cast<int>(text.size());
  text += printable(line.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
  if (end < size) text += "...";
  int caret = std::clamp(column - begin, 1, kMaxShownLine) + prefix;
  return {std::move(text), caret, std::min(length, kMaxShownLine)};
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

// `FILE:LINE:COL: SEVERITY: MESSAGE`, the line and a caret under the span.
static std::string render_at(Span span, const char* severity, const std::string& message,
                             const SourceFile& source) {
  std::string out =
      fmt::format("{}:{}:{}: {}: {}\n", source.path(), span.line, span.column, severity, message);
  ShownLine shown = shown_line(source.line_text(span.line), span.column, span.length);
  // The gutter is 5 wide, wider for a line number of more digits, so the bars line up.
  size_t width = std::max<size_t>(5, std::to_string(span.line).size());
  out += fmt::format("{:>{}} | {}\n", span.line, width, shown.text);
  out += fmt::format("{:>{}} | {}\n", "", width,
                     caret_line(shown.text, shown.caret_column, shown.caret_length));
  return out;
}

// The file a span is in; the main file for a span of a file not in the set.
static const SourceFile& file_of(Span span, const SourceSet& sources) {
  return span.file < sources.size() && sources[span.file] ? *sources[span.file] : *sources[0];
}

std::string render_diagnostic(const Diagnostic& d, const SourceFile& source) {
  return render_diagnostic(d, SourceSet{&source});
}

std::string render_diagnostic(const Diagnostic& d, const SourceSet& sources) {
  std::string out;
  if (d.span.valid()) {
    out += render_at(d.span, severity_name(d.severity), d.message, file_of(d.span, sources));
  } else {
    out += fmt::format("{}: {}: {}\n", sources[0]->path(), severity_name(d.severity), d.message);
  }
  for (const Label& l : d.labels) {
    if (l.span.valid()) out += render_at(l.span, "note", l.message, file_of(l.span, sources));
  }
  for (const auto& note : d.notes) out += fmt::format("note: {}\n", note);
  if (!d.help.empty()) out += fmt::format("help: {}\n", d.help);
  return out;
}

std::string render_command_error(std::string message, std::string help) {
  static const SourceFile kTool("netshape", "");
  return render_diagnostic(make(Severity::Error, Span{}, std::move(message), std::move(help)),
                           kTool);
}

std::string render_diagnostics(const Diagnostics& diags, const SourceFile& source) {
  return render_diagnostics(diags, SourceSet{&source});
}

std::string render_diagnostics(const Diagnostics& diags, const SourceSet& sources) {
  std::string out;
  for (const Diagnostic& d : diags.items()) out += render_diagnostic(d, sources);
  if (diags.dropped() > 0) {
    out += fmt::format("{}: {} more errors and warnings not shown (netshape shows the first {})\n",
                       sources[0]->path(), diags.dropped(), Diagnostics::kMaxKept);
  }
  return out;
}

// Edits between two names, ignoring case, with a swap of two neighbours as one edit (optimal
// string alignment): `Lienar` is one typo away from `Linear`, not two.
static size_t edit_distance(const std::string& a, const std::string& b) {
  auto same = [](char x, char y) { return std::tolower(x) == std::tolower(y); };
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The candidate a typo most likely meant, or "" when none is close: one edit for a name of up to
// four letters (two would turn `LSTM` into `sum`), a third of the length for longer ones.
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = (word.size() <= 4 ? 1 : std::max<size_t>(2, word.size() / 3)) + 1;
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
