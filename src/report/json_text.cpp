#include "json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

namespace netshape {
namespace {

// nlohmann's escaping with ensure_ascii off, quotes included: the two-character escapes, \u00XX
// for the other control characters, UTF-8 kept. Text with bytes past ASCII goes through nlohmann
// itself, which also replaces invalid UTF-8 the way the reference does.
std::string escape(std::string_view s) {
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
    return nlohmann::json(std::string(s))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

JsonText::JsonText(std::string& out)
    : out_(out), pos_(out.data() + out.size()), end_(out.data() + out.size()) {}

JsonText::JsonText(std::string& buffer, std::ostream& sink) : JsonText(buffer) {
  sink_ = &sink;
}

// A writer dropped with a value still open (an exception) leaves `out` as the text written, not
// the room past it; a complete value has already cut `out` (finish), which may have grown since.
JsonText::~JsonText() {
  if (indent_ > 0) complete();
}

void JsonText::complete() {
  out_.resize(static_cast<size_t>(pos_ - out_.data()));
  if (sink_) {
    sink_->write(out_.data(), static_cast<std::streamsize>(out_.size()));
    out_.clear();
  }
  pos_ = end_ = out_.data() + out_.size();
}

// At least `n` bytes of room past the text. The capacity doubles (or is what the caller reserved
// first); the size grows by steps: std::string cannot grow without filling, and filling far ahead
// of the text would touch memory (page faults of a fresh process) that the text may never need.
void JsonText::grow(size_t n) {
  constexpr size_t kStep = 64 * 1024;
  size_t length = static_cast<size_t>(pos_ - out_.data());
  if (sink_ && length >= kStep) {  // streaming: the text so far goes, its room is reused
    sink_->write(out_.data(), static_cast<std::streamsize>(length));
    length = 0;
  }
  size_t wanted = length + std::max(n, kStep);
  if (wanted > out_.capacity()) out_.reserve(std::max(wanted, 2 * out_.capacity()));
  out_.resize(wanted);
  pos_ = out_.data() + length;
  end_ = out_.data() + out_.size();
}

// Indentation deeper than kBreak holds (more than 32 open containers).
char* JsonText::deep_line_break(char* p, size_t lead) const {
  std::memcpy(p, json_text_detail::kBreak.data() + 2 - lead, lead);
  std::memset(p + lead, ' ', indent_);
  return p + lead + indent_;
}

// The slow path of quoted() and member(): `s` escaped and followed by `after`, once the `before`
// bytes written before it (separator, key).
void JsonText::escaped(size_t before, std::string_view s, std::string_view after) {
  // The separator and key come first: room() may pass the text so far to a stream and reuse its
  // memory, and these bytes are not part of the text yet.
  std::string text(pos_, before);
  text += escape(s);
  text += after;
  char* p = room(text.size());
  std::memcpy(p, text.data(), text.size());
  finish(p + text.size());
}

void JsonText::raw(std::string_view text) {
  char* p = start(text.size());
  std::memcpy(p, text.data(), text.size());
  finish(p + text.size());
}

void JsonText::key(std::string_view k) {
  quoted(k, ": ");
  lead_ = 0;
}

void JsonText::symbolic_dim(const Dim& d) {
  if (d.value != 1) return value(to_string(d));  // "2*B"
  if (d.sym != last_symbol_) {
    last_symbol_ = d.sym;
    last_symbol_text_ = d.symbol();
  }
  value(last_symbol_text_);
}

void JsonText::number(std::string_view text) {
  raw(text);
}

void JsonText::boolean(bool b) {
  raw(b ? "true" : "false");
}

void JsonText::null() {
  raw("null");
}

void write_shape(JsonText& j, const Shape& s) {
  j.begin_array();
  for (const Dim& d : s) j.dim(d);
  j.end_array();
}

}  // namespace netshape
