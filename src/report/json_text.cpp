#include "json_text.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

namespace netshape {

void JsonText::element() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;  // the top-level value
  // The separator and the indentation in one append: a layer table writes hundreds of thousands.
  static constexpr std::string_view kBreak =
      ",\n                                                                ";  // 64 spaces
  size_t skip = empty_.back() ? 1 : 0;  // the first element has no comma
  size_t indent = 2 * empty_.size();
  empty_.back() = false;
  if (indent + 2 <= kBreak.size()) {
    out_.append(kBreak.data() + skip, 2 - skip + indent);
  } else {
    out_.append(kBreak.data() + skip, 2 - skip);
    out_.append(indent, ' ');
  }
}

void JsonText::open(char bracket) {
  element();
  out_ += bracket;
  empty_.push_back(true);
}

void JsonText::close(char bracket) {
  bool empty = empty_.back();
  empty_.pop_back();
  if (!empty) {
    out_ += '\n';
    out_.append(2 * empty_.size(), ' ');
  }
  out_ += bracket;
}

void JsonText::key(std::string_view k) {
  element();
  quoted(k);
  out_ += ": ";
  after_key_ = true;
}

void JsonText::value(int64_t v) {
  element();
  fmt::format_int text(v);
  out_.append(text.data(), text.size());
}

void JsonText::number(std::string_view text) {
  element();
  out_.append(text);
}

void JsonText::value(std::string_view s) {
  element();
  quoted(s);
}

void JsonText::boolean(bool b) {
  element();
  out_ += b ? "true" : "false";
}

void JsonText::null() {
  element();
  out_ += "null";
}

// Bytes that JSON text cannot hold as they are: control characters, '"', '\\', and (for the
// UTF-8 check below) bytes past ASCII.
constexpr std::array<bool, 256> kNeedsCare = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

// nlohmann's escaping with ensure_ascii off: the two-character escapes, \u00XX for the other
// control characters, UTF-8 kept. Text with bytes past ASCII goes through nlohmann itself, which
// also replaces invalid UTF-8 the way the reference does.
void JsonText::quoted(std::string_view s) {
  bool plain = true;  // the common case, names and numbers: copied as they are, in one append
  for (char c : s) plain = plain && !kNeedsCare[static_cast<unsigned char>(c)];
  if (plain) {
    char quote = '"';
    size_t at = out_.size();
    out_.resize(at + s.size() + 2);
    char* p = out_.data() + at;
    p[0] = quote;
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = quote;
    return;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      out_ += nlohmann::json(std::string(s))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
  }
  out_ += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          fmt::format_to(std::back_inserter(out_), "\\u{:04x}", static_cast<unsigned>(c));
        else
          out_ += c;
    }
  }
  out_ += '"';
}

void write_shape(JsonText& j, const Shape& s) {
  j.begin_array();
  for (const Dim& d : s) {
    if (d.symbolic())
      j.value(to_string(d));
    else
      j.value(d.value);
  }
  j.end_array();
}

}  // namespace netshape
