// Source text and positions. Every IR node keeps a Span so any later stage can point at the line.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netshape {

// A 1-based line/column position and a length in bytes on that line, in one of the model's
// files: 0 is the file given on the command line, others are files it reads (SourceSet).
struct Span {
  int line = 0;
  int column = 0;
  int length = 1;
  uint32_t file = 0;
  Span() = default;
  Span(int line, int column, int length = 1, uint32_t file = 0)
      : line(line), column(column), length(length), file(file) {}
  bool valid() const { return line > 0; }
};

// A whole input file (or stdin, or a command-line snippet) with line lookup.
class SourceFile {
 public:
  SourceFile() = default;
  SourceFile(std::string path, std::string text);
  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  // The text of 1-based line `line`, without its newline; empty when out of range.
  std::string_view line_text(int line) const;
  int line_count() const { return static_cast<int>(line_starts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<size_t> line_starts_;
};

// Reads FILE or `-` (stdin) within the limits of docs/limits.md (size, kind of file); nullopt with
// a message in `error` when it cannot.
std::optional<SourceFile> read_source(const std::string& path, std::string& error);

// The files of one model, indexed by Span::file; [0] is the main file.
using SourceSet = std::vector<const SourceFile*>;

}  // namespace netshape
