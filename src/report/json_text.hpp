// JSON text written straight into a string, formatted byte for byte as nlohmann::json's
// dump(2) formats it (the reference: to_json(...).dump(2), and a test compares the two), without
// building a tree first: a 100,000-layer report would otherwise allocate a node per value.
//
// Speed (check --format json on a 100,000-layer model writes 27 MB, a layer row is about 25
// members, values, separators and indentations): nothing is appended piece by piece, as each
// std::string append is a call into the library. `out` is grown ahead of the text, and each piece
// is copied into that room through a pointer, most with a copy of a fixed size (a few moves, no
// call). The writing functions are inline, below, for the same reason. `out` is cut back to the
// text when the top-level value closes (or when the writer is destroyed first), so do not touch
// `out` while a value is open.
#pragma once
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>

#include "netshape/shape.hpp"

namespace netshape {

class JsonText {
 public:
  // A member name the reports spell themselves ("params"): its JSON text, quotes and ": "
  // included, is made when compiling (which also fails if the name would need escaping), so
  // writing it is one copy of a fixed size, without the scan and the escaping key() does.
  class FixedKey {
   public:
    consteval FixedKey(const char* name);  // not explicit: j.fixed_key("params")

   private:
    friend class JsonText;
    static constexpr size_t kCapacity = 32;  // room for `"` name `": ` (names up to 28 bytes)
    std::array<char, kCapacity> text_{};
    size_t size_ = 0;
  };

  explicit JsonText(std::string& out);
  // Streaming: `buffer` holds the text until it reaches 64 KB, then goes to `sink` and is reused,
  // so a report of any size takes 64 KB of memory (and no page faults past them); the rest goes
  // when the top-level value closes.
  JsonText(std::string& buffer, std::ostream& sink);
  ~JsonText();
  JsonText(const JsonText&) = delete;
  JsonText& operator=(const JsonText&) = delete;

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k);       // the next value is this member's; escaped as needed
  void fixed_key(const FixedKey& k);  // the same, for the reports' own member names
  void value(int64_t v);
  void value(std::string_view s);
  void dim(const Dim& d);              // a size as a number, a symbolic dim as "B" or "2*B"
  void number(std::string_view text);  // a number already formatted as JSON (e.g. by nlohmann)
  void boolean(bool b);  // not value(bool): a string literal would convert to bool first
  void null();
  // fixed_key(k) and value(v) in one step (a layer row is mostly these).
  void member(const FixedKey& k, int64_t v);
  void member(const FixedKey& k, std::string_view s);
  void member(const FixedKey& k, const char* s) { member(k, std::string_view(s)); }
  void member(const FixedKey& k, bool b) = delete;  // not a number: boolean()

 private:
  std::string& out_;
  std::ostream* sink_ = nullptr;  // streaming: where full buffers go
  char* pos_;                     // where the text ends
  char* end_;                     // where out_ ends: [pos_, end_) is room to write into
  size_t indent_ = 0;  // of the elements of the innermost open container: 2 per open container
  // What precedes the next element: 0 nothing (after a key, at the top level), 1 a line break
  // and indentation (a container's first element), 2 a comma first.
  size_t lead_ = 0;
  // The text of the last symbol written (most shapes share one batch symbol; symbol_name locks).
  SymbolId last_symbol_ = 0;
  std::string last_symbol_text_;

  void open(char bracket);
  void close(char bracket);
  char* room(size_t n);
  void grow(size_t n);
  char* start(size_t n);
  char* line_break(char* p, size_t lead) const;
  char* deep_line_break(char* p, size_t lead) const;
  char* copy_key(char* p, const FixedKey& k);
  char* copy_quoted(char* p, std::string_view s, std::string_view after, bool& plain);
  void finish(char* end);
  void complete();
  void raw(std::string_view text);
  void quoted(std::string_view s, std::string_view after);
  void escaped(size_t before, std::string_view s, std::string_view after);
  void symbolic_dim(const Dim& d);
};

// A shape as the reports write it: sizes as numbers, a symbolic dim as its text ("B", "2*B").
void write_shape(JsonText& j, const Shape& s);

// ---- Inline, as they run for every piece of every layer row.

consteval JsonText::FixedKey::FixedKey(const char* name) {
  size_t n = 0;
  text_[0] = '"';
  for (; name[n] != '\0'; ++n) {
    auto c = static_cast<unsigned char>(name[n]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
      throw "a FixedKey is plain ASCII: use key() for names that need escaping";
    if (n + 4 >= kCapacity) throw "a FixedKey is at most 28 bytes: use key() for longer names";
    text_[n + 1] = name[n];
  }
  text_[n + 1] = '"';
  text_[n + 2] = ':';
  text_[n + 3] = ' ';
  size_ = n + 4;
}

namespace json_text_detail {

// What comes before an element: a comma, a line break and 2 spaces per open container. It is
// copied with a fixed size, kBreakCopy bytes from kBreak or from its line break (a few moves, not
// a call), and the text then advances by the length wanted; deeper indentation than kBreak holds
// is filled in after.
inline constexpr std::string_view kBreak =
    ",\n                                                                 ";  // 65 spaces
inline constexpr size_t kBreakCopy = kBreak.size() - 1;
inline constexpr size_t kIndentInBreak = kBreakCopy - 2;  // 64: 32 open containers

// The longest text of an int64_t: "-9223372036854775808".
inline constexpr size_t kMaxIntChars = 20;

// Bytes that JSON text cannot hold as they are: control characters, '"', '\\', and (for the
// UTF-8 check) bytes past ASCII.
inline constexpr std::array<bool, 256> kNeedsCare = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

}  // namespace json_text_detail

// A pointer to at least `n` bytes of room past the text.
inline char* JsonText::room(size_t n) {
  if (static_cast<size_t>(end_ - pos_) < n) grow(n);
  return pos_;
}

// The line break and indentation before an element, after a comma if `lead` is 2: one copy of a
// fixed size whatever the depth (up to 32 open containers).
inline char* JsonText::line_break(char* p, size_t lead) const {
  using namespace json_text_detail;
  if (indent_ > kIndentInBreak) return deep_line_break(p, lead);
  std::memcpy(p, kBreak.data() + 2 - lead, kBreakCopy);
  return p + lead + indent_;
}

// Room for an element of at most `n` bytes, after its separator and indentation, which are
// written.
inline char* JsonText::start(size_t n) {
  char* p = room(n + json_text_detail::kBreakCopy + indent_);
  size_t lead = lead_;
  lead_ = 2;  // the next element follows this one
  return lead == 0 ? p : line_break(p, lead);
}

// The text now ends at `end`; out_ is cut to it when the top-level value is complete.
inline void JsonText::finish(char* end) {
  pos_ = end;
  if (indent_ == 0) complete();
}

inline void JsonText::open(char bracket) {
  char* p = start(1);
  *p++ = bracket;
  indent_ += 2;
  lead_ = 1;
  finish(p);
}

inline void JsonText::close(char bracket) {
  indent_ -= 2;
  char* p = room(1 + json_text_detail::kBreakCopy + indent_);
  if (lead_ == 2) p = line_break(p, 1);  // not empty: the bracket on its own line
  *p++ = bracket;
  lead_ = 2;  // the container just closed is an element of the one around it
  finish(p);
}

inline char* JsonText::copy_key(char* p, const FixedKey& k) {
  std::memcpy(p, k.text_.data(), FixedKey::kCapacity);  // a fixed size: a copy of a few moves
  return p + k.size_;
}

inline void JsonText::fixed_key(const FixedKey& k) {
  char* p = copy_key(start(FixedKey::kCapacity), k);
  lead_ = 0;
  finish(p);
}

inline void JsonText::value(int64_t v) {
  char* p = start(json_text_detail::kMaxIntChars);
  finish(std::to_chars(p, p + json_text_detail::kMaxIntChars, v).ptr);
}

inline void JsonText::member(const FixedKey& k, int64_t v) {
  char* p = copy_key(start(FixedKey::kCapacity + json_text_detail::kMaxIntChars), k);
  finish(std::to_chars(p, p + json_text_detail::kMaxIntChars, v).ptr);
}

// `s` quoted and followed by `after`, at p, copied in the same pass that checks that it needs no
// escaping (names and numbers, the common strings, do not); if it does, `plain` is false and
// escaped() writes it again.
inline char* JsonText::copy_quoted(char* p, std::string_view s, std::string_view after,
                                   bool& plain) {
  bool care = false;
  *p++ = '"';
  for (char c : s) {
    care |= json_text_detail::kNeedsCare[static_cast<unsigned char>(c)];
    *p++ = c;
  }
  *p++ = '"';
  std::memcpy(p, after.data(), after.size());
  plain = !care;
  return p + after.size();
}

inline void JsonText::quoted(std::string_view s, std::string_view after) {
  char* from = start(s.size() + 2 + after.size());
  bool plain = true;
  char* p = copy_quoted(from, s, after, plain);
  if (!plain) return escaped(static_cast<size_t>(from - pos_), s, after);
  finish(p);
}

inline void JsonText::value(std::string_view s) {
  quoted(s, "");
}

inline void JsonText::dim(const Dim& d) {
  if (d.symbolic()) return symbolic_dim(d);
  value(d.value);
}

inline void JsonText::member(const FixedKey& k, std::string_view s) {
  char* from = copy_key(start(FixedKey::kCapacity + s.size() + 2), k);
  bool plain = true;
  char* p = copy_quoted(from, s, "", plain);
  if (!plain) return escaped(static_cast<size_t>(from - pos_), s, "");
  finish(p);
}

}  // namespace netshape
