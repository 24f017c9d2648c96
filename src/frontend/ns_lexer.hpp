// The .ns lexer: one pass over the bytes, tracking line/column for every token. A header (internal
// to the frontend) so that the parser, which asks for every token, calls it without a call across
// files; NsTokenizer (frontend.hpp) wraps it for others.
#pragma once
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/frontend.hpp"

namespace netshape {
namespace ns_lexer_detail {

// What a byte can be in a token, looked up once per byte (std::isalnum asks the locale).
enum CharClass : uint8_t { kOther = 0, kLetter = 1, kDigit = 2 };
inline constexpr auto kCharClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kLetter;
  table['_'] = kLetter;
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigit;
  return table;
}();
inline uint8_t char_class(char c) {
  return kCharClass[static_cast<unsigned char>(c)];
}
// A letter, digit or `_`: what continues an identifier.
inline bool word_char(char c) {
  return char_class(c) != kOther;
}
inline bool digit(char c) {
  return char_class(c) == kDigit;
}

// The token a one-byte punctuation mark is (`/` may start `//`: the lexer looks again); Invalid
// for bytes that are none.
inline constexpr auto kPunctuation = [] {
  std::array<TokenKind, 256> table{};
  table.fill(TokenKind::Invalid);
  table['('] = TokenKind::LParen;
  table[')'] = TokenKind::RParen;
  table['['] = TokenKind::LBracket;
  table[']'] = TokenKind::RBracket;
  table[','] = TokenKind::Comma;
  table['='] = TokenKind::Equals;
  table[':'] = TokenKind::Colon;
  table['.'] = TokenKind::Dot;
  table['+'] = TokenKind::Plus;
  table['-'] = TokenKind::Minus;
  table['*'] = TokenKind::Star;
  table['%'] = TokenKind::Percent;
  table['?'] = TokenKind::Question;
  table['/'] = TokenKind::Slash;
  return table;
}();

}  // namespace ns_lexer_detail

class NsLexer {
 public:
  NsLexer(const SourceFile& src, Diagnostics& diags) : text_(src.text()), diags_(diags) {}

  // The next token; after the last one, End again and again.
  Token next() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ') {  // the most common byte between tokens: a run of them in one loop
        do ++pos_;
        while (pos_ < text_.size() && text_[pos_] == ' ');
        continue;
      }
      if (c == '#') {
        skip_comment();
        continue;
      }
      if (c == '\n' || c == ';') {
        if (depth_ == 0 && last_kind_ != TokenKind::Newline) {  // it ends a statement
          Token t = make(TokenKind::Newline, 1);
          step_over(c);
          return produced(t);
        }
        step_over(c);
        continue;
      }
      if (c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advance();
        continue;
      }
      if (c == '\\' && peek(1) == '\n') {
        advance();
        advance_line();
        continue;
      }
      Token t = next_token();
      track_depth(t);
      return produced(std::move(t));
    }
    // A bracket still open at the end of the file is the mistake, and where it opened is where
    // to look (as Python says it): one error there, an Invalid token the parser stays quiet at.
    if (depth_ > 0 && last_kind_ != TokenKind::Invalid && last_kind_ != TokenKind::End)
      return produced(unclosed_bracket());
    // After the text, both point just past its last token: an error there shows the line that
    // is cut short, not the empty line after it.
    if (depth_ == 0 && last_kind_ != TokenKind::Newline && last_kind_ != TokenKind::End)
      return produced(at_text_end(TokenKind::Newline));
    last_kind_ = TokenKind::End;
    return at_text_end(TokenKind::End);
  }

 private:
  std::string_view text_;
  Diagnostics& diags_;
  size_t pos_ = 0;
  int line_ = 1;
  // Where the current line starts: a column is the distance from it (1-based), so moving along a
  // line is only `++pos_`. A file is at most limits::kMaxFileBytes, so a column fits an int.
  size_t line_start_ = 0;
  size_t depth_ = 0;  // open brackets: newlines inside them continue the statement
  // Where the open brackets opened, outermost first; a hostile file's thousands are not kept.
  static constexpr size_t kMaxOpenKept = 256;
  struct OpenBracket {
    Span span;
    char bracket;
  };
  std::vector<OpenBracket> open_;
  // The last token produced; Invalid before the first, so that an empty file still gets its
  // Newline (End only after all text).
  TokenKind last_kind_ = TokenKind::Invalid;

  Span after_last_;  // just past the last token that is not a Newline

  Token produced(Token t) {
    last_kind_ = t.kind;
    if (t.kind != TokenKind::Newline)
      after_last_ = Span{t.span.line, t.span.column + t.span.length};
    return t;
  }
  Token at_text_end(TokenKind kind) const {
    Token t = make(kind, 0);
    if (after_last_.valid()) t.span = after_last_;
    return t;
  }

  char peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  int column() const { return static_cast<int>(pos_ - line_start_) + 1; }
  void advance() { ++pos_; }
  void advance_line() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }
  void step_over(char c) {  // a `\n` or a `;`
    if (c == '\n')
      advance_line();
    else
      advance();
  }
  Token make(TokenKind kind, int length) const {
    Token t;
    t.kind = kind;
    t.span = Span{line_, column(), std::max(1, length)};
    return t;
  }

  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') advance();
  }

  void track_depth(const Token& t) {
    if (t.kind == TokenKind::LParen || t.kind == TokenKind::LBracket) {
      if (open_.size() < kMaxOpenKept) open_.push_back(OpenBracket{t.span, t.text[0]});
      ++depth_;
    }
    if ((t.kind == TokenKind::RParen || t.kind == TokenKind::RBracket) && depth_ > 0) {
      if (open_.size() == depth_) open_.pop_back();
      --depth_;
    }
  }

  Token unclosed_bracket() {
    const OpenBracket& open = open_.back();  // the innermost one kept
    diags_.error(open.span, fmt::format("`{}` was never closed", open.bracket),
                 "add the closing bracket");
    Token t = make(TokenKind::Invalid, 1);
    t.span = open.span;
    return t;
  }

  Token next_token() {
    char c = text_[pos_];
    uint8_t cls = ns_lexer_detail::char_class(c);
    if (cls == ns_lexer_detail::kLetter) return identifier();
    if (cls == ns_lexer_detail::kDigit || (c == '.' && ns_lexer_detail::digit(peek(1))))
      return number();
    if (c == '\'' || c == '"') return string_literal();
    return punctuation();
  }

  Token identifier() {
    Token t = make(TokenKind::Ident, 0);
    size_t start = pos_;
    size_t end = pos_;
    while (end < text_.size() && ns_lexer_detail::word_char(text_[end])) ++end;
    pos_ = end;
    t.text = text_.substr(start, pos_ - start);
    t.span.length = static_cast<int>(t.text.size());
    return t;
  }

  // Plain decimal digits followed by no `.`, `e` or `_` (nearly every integer in a model): read
  // in place. Anything else, and a value that may not fit, goes the general way.
  Token number() {
    size_t end = pos_;
    uint64_t v = 0;
    while (end < text_.size() && ns_lexer_detail::digit(text_[end]) && end - pos_ < 18) {
      v = v * 10 + static_cast<uint64_t>(text_[end] - '0');
      ++end;
    }
    char after = end < text_.size() ? text_[end] : '\0';
    if (ns_lexer_detail::word_char(after) || after == '.') return general_number();
    Token t = make(TokenKind::Int, static_cast<int>(end - pos_));
    t.text = text_.substr(pos_, end - pos_);
    t.int_value = static_cast<int64_t>(v);  // at most 18 digits: fits
    pos_ = end;
    return t;
  }

  // Floats, `_` separators, exponents, and integers of 19 digits or more.
  [[gnu::noinline]] Token general_number() {
    Token t = make(TokenKind::Int, 0);
    size_t start = pos_;
    bool is_float = false;
    auto digits = [&] {
      while (pos_ < text_.size() && (ns_lexer_detail::digit(text_[pos_]) || text_[pos_] == '_'))
        advance();
    };
    digits();
    if (peek(0) == '.' && !std::isalpha(static_cast<unsigned char>(peek(1)))) {
      is_float = true;
      advance();
      digits();
    }
    if (peek(0) == 'e' || peek(0) == 'E') {
      size_t save = pos_;
      advance();
      if (peek(0) == '+' || peek(0) == '-') advance();
      if (ns_lexer_detail::digit(peek(0))) {
        is_float = true;
        digits();
      } else {
        pos_ = save;
      }
    }
    t.text = text_.substr(start, pos_ - start);
    std::string spelled(t.text);  // without the `_` separators
    std::erase(spelled, '_');
    t.span.length = static_cast<int>(t.text.size());
    if (is_float) {
      t.kind = TokenKind::Float;
      t.float_value = std::strtod(spelled.c_str(), nullptr);
      return t;
    }
    auto [ptr, ec] = std::from_chars(spelled.data(), spelled.data() + spelled.size(), t.int_value);
    if (ec != std::errc() || ptr != spelled.data() + spelled.size()) {
      diags_.error(t.span, fmt::format("integer literal '{}' does not fit in 64 bits", t.text),
                   "use a smaller number");
      t.kind = TokenKind::Invalid;
    }
    return t;
  }

  Token string_literal() {
    Token t = make(TokenKind::String, 0);
    char quote = text_[pos_];
    size_t open = pos_;
    advance();
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote && text_[pos_] != '\n') advance();
    t.text = text_.substr(start, pos_ - start);
    if (pos_ >= text_.size() || text_[pos_] != quote) {
      t.span.length = static_cast<int>(pos_ - open);
      diags_.error(t.span, "unterminated string", std::string("close it with ") + quote);
      t.kind = TokenKind::Invalid;
      return t;
    }
    advance();
    t.span.length = static_cast<int>(pos_ - open);
    return t;
  }

  Token punctuation() {
    Token t = make(TokenKind::Invalid, 1);
    char c = text_[pos_];
    t.text = text_.substr(pos_, 1);
    t.kind = ns_lexer_detail::kPunctuation[static_cast<unsigned char>(c)];
    if (c == '/' && peek(1) == '/') {
      t.kind = TokenKind::SlashSlash;
      t.text = text_.substr(pos_, 2);
      t.span.length = 2;
      advance();
    }
    advance();
    if (t.kind == TokenKind::Invalid) stray_bytes(t, c);
    return t;
  }

  // A run of stray bytes is one mistake: one token, one error. Out of line: punctuation() runs
  // for every bracket and comma, this only for mistakes.
  [[gnu::noinline]] void stray_bytes(Token& t, char c) {
    while (pos_ < text_.size() && !starts_token(text_[pos_])) {
      advance();
      ++t.span.length;
    }
    unsigned char uc = static_cast<unsigned char>(c);
    std::string shown = uc >= 0x20 && uc < 0x7f ? fmt::format("'{}'", t.text) : fmt_byte(uc);
    diags_.error(t.span,
                 t.span.length == 1
                     ? "unexpected character " + shown
                     : fmt::format("unexpected character {} (and {} more stray bytes)", shown,
                                   t.span.length - 1),
                 "statements look like `name = Conv2d(1, 32, kernel_size=5)`");
  }

  // Whether `c` can begin a token, whitespace, a comment or a statement break.
  static bool starts_token(char c) {
    unsigned char uc = static_cast<unsigned char>(c);
    return std::isalnum(uc) ||
           std::string_view("_()[],=:.+-*%?/'\"#; \t\r\n\f\v").find(c) != std::string_view::npos;
  }

  static std::string fmt_byte(unsigned char c) {
    static const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
  }
};

}  // namespace netshape
