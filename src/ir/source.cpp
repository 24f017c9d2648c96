#include "netshape/source.hpp"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "netshape/limits.hpp"
#include "netshape/shape.hpp"

namespace netshape {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  // memchr scans many bytes a step: a 100,000-line model is 4 MB.
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  for (const char* p = begin; p < end;) {
    const void* newline = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!newline) break;
    p = static_cast<const char*>(newline) + 1;
    line_starts_.push_back(static_cast<size_t>(p - begin));
  }
}

std::string_view SourceFile::line_text(int line) const {
  if (line < 1 || line > line_count()) return {};
  // O(1): a stage may ask for the same long line once per token on it.
  size_t begin = line_starts_[static_cast<size_t>(line - 1)];
  size_t end = static_cast<size_t>(line) < line_starts_.size()
                   ? line_starts_[static_cast<size_t>(line)] - 1  // the '\n' ending the line
                   : text_.size();
  if (end > begin && text_[end - 1] == '\r') --end;
  return std::string_view(text_).substr(begin, end - begin);
}

// Reads at most limits::kMaxFileBytes + 1 bytes into `text` (one more than allowed tells that
// the input was larger). False on a read error.
// `expected`: the file's size when known, read in one piece (no room left over from growing by
// chunks); a file that grew since is read on up to the limit.
static bool read_bounded(std::istream& in, std::string& text, size_t expected = 0) {
  constexpr size_t kChunk = 1 << 16;
  while (in && text.size() <= static_cast<size_t>(limits::kMaxFileBytes)) {
    size_t old_size = text.size();
    size_t want = old_size == 0 && expected > 0 ? expected + 1 : kChunk;
    text.resize(old_size + want);
    in.read(text.data() + old_size, static_cast<std::streamsize>(want));
    text.resize(old_size + static_cast<size_t>(in.gcount()));
  }
  return !in.bad();
}

static bool over_size_limit(const std::string& text) {
  return text.size() > static_cast<size_t>(limits::kMaxFileBytes);
}

static std::string too_large(const std::string& what) {
  return fmt::format("{} is larger than {} MiB, the most netshape reads (docs/limits.md)", what,
                     limits::kMaxFileBytes >> 20);
}

std::optional<SourceFile> read_source(const std::string& path, std::string& error) {
  std::string text;
  if (path == "-") {
    if (!read_bounded(std::cin, text)) {
      error = "cannot read stdin";
      return std::nullopt;
    }
    if (over_size_limit(text)) {
      error = too_large("stdin");
      return std::nullopt;
    }
    return SourceFile("<stdin>", std::move(text));
  }
  // A directory or a device (/dev/zero, /dev/random) is no model file: refuse before reading.
  // Pipes (`<(...)`) are read like stdin, up to the size limit.
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    error = fmt::format("cannot read '{}': no such file or not readable", path);
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    error = fmt::format("cannot read '{}': it is a directory, not a model file", path);
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_fifo(status)) {
    error = fmt::format("cannot read '{}': not a regular file (a device or a socket)", path);
    return std::nullopt;
  }
  size_t expected = 0;
  if (std::filesystem::is_regular_file(status)) {
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > static_cast<uintmax_t>(limits::kMaxFileBytes)) {
      error = fmt::format(
          "cannot read '{}': {}", path,
          too_large(fmt::format("the file ({} bytes)", with_commas(static_cast<int64_t>(size)))));
      return std::nullopt;
    }
    if (!ec) expected = static_cast<size_t>(size);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read '{}': no such file or not readable", path);
    return std::nullopt;
  }
  if (!read_bounded(in, text, expected)) {
    error = fmt::format("cannot read '{}': read error", path);
    return std::nullopt;
  }
  if (over_size_limit(text)) {
    error = fmt::format("cannot read '{}': {}", path, too_large("the file"));
    return std::nullopt;
  }
  return SourceFile(path, std::move(text));
}

}  // namespace netshape
