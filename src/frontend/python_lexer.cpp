// Tokenizer for the PyTorch subset: Python's lexical rules, reduced to what a model file needs.
// It stops at the first lexical error, because everything after an unterminated string or a
// bad indent would only produce noise.
#include <cctype>
#include <string>
#include <string_view>

#include "netshape/python_frontend.hpp"

namespace netshape::py {
namespace {

constexpr int kMaxBracketDepth = limits::kMaxPyBracketDepth;  // also bounds parser recursion
constexpr int kMaxIndentDepth = limits::kMaxPyIndentDepth;

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Lowercased string prefixes Python accepts before a quote (f-strings are kept as plain strings).
bool is_string_prefix(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char* p : {"r", "u", "b", "f", "br", "rb", "fr", "rf"}) {
    if (lower == p) return true;
  }
  return false;
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}
bool hex_digits(const std::string& s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t k = from; k < from + n; ++k)
    if (!std::isxdigit(static_cast<unsigned char>(s[k]))) return false;
  return true;
}
void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | ((cp >> 18) & 0x07));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string decode_escapes(const std::string& body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    char c = body[++i];
    static const std::string_view kSimple = "nrtabfv0\\'\"\n";
    static const char kMeaning[] = {'\n', '\r', '\t', '\a', '\b', '\f',
                                    '\v', '\0', '\\', '\'', '"'};
    if (c == '\n') continue;  // a backslash-newline joins the lines
    if (size_t k = kSimple.find(c); k != std::string_view::npos && k < sizeof kMeaning &&
                                    !(c == '0' && i + 1 < body.size() && is_octal(body[i + 1]))) {
      out += kMeaning[k];
      continue;
    }
    size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (digits && hex_digits(body, i + 1, digits)) {
      append_utf8(out, std::stoul(body.substr(i + 1, digits), nullptr, 16));
      i += digits;
      continue;
    }
    if (is_octal(c)) {  // up to three octal digits
      size_t n = 1;
      while (n < 3 && i + n < body.size() && is_octal(body[i + n])) ++n;
      append_utf8(out, std::stoul(body.substr(i, n), nullptr, 8));
      i += n - 1;
      continue;
    }
    out += '\\';
    out += c;
  }
  return out;
}

class Tokenizer::Impl {
 public:
  Impl(const SourceFile& src, Diagnostics& diags, uint32_t file)
      : text_(src.text()), diags_(diags), file_(file) {
    indents_.push_back(0);
  }

  bool next(std::deque<Token>& out) {
    out_ = &out;
    size_t before = out.size();
    while (ok_ && !done_ && out.size() == before) {
      if (pos_ >= text_.size()) {
        finish();
        done_ = true;
      } else if (at_line_start_ && brackets_.empty()) {
        handle_indentation();
      } else {
        scan_one();
      }
    }
    out_ = nullptr;
    return ok_ && out.size() > before;
  }
  bool failed() const { return !ok_; }
  std::vector<Comment>& comments() { return comments_; }

 private:
  struct Open {
    char c;
    Span span;
  };
  std::string_view text_;
  Diagnostics& diags_;
  uint32_t file_;                     // the Span::file of every token
  std::deque<Token>* out_ = nullptr;  // where next() wants its tokens
  std::vector<Comment> comments_;
  Tok last_kind_ = Tok::End;  // the kind of the last token produced (End: none yet)
  bool done_ = false;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool at_line_start_ = true;
  bool ok_ = true;
  std::vector<int> indents_;
  std::vector<Open> brackets_;

  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  Span here(int length = 1) const { return Span{line_, column_, length < 1 ? 1 : length, file_}; }

  void fail(Span span, std::string message, std::string help = {}) {
    if (ok_) diags_.error(span, std::move(message), std::move(help));
    ok_ = false;
  }

  void push(Tok kind, std::string text, Span span) {
    out_->push_back(Token{kind, std::move(text), span});
    last_kind_ = kind;
  }

  // Leading whitespace of a logical line decides INDENT/DEDENT; blank and comment-only lines
  // do not count, exactly as in Python.
  void handle_indentation() {
    int width = 0;
    while (pos_ < text_.size()) {
      char c = peek();
      if (c == ' ')
        width += 1;
      else if (c == '\t')
        width = (width / 8 + 1) * 8;
      else if (c == '\f' || c == '\r')
        width = c == '\f' ? 0 : width;
      else
        break;
      advance();
    }
    char c = peek();
    if (pos_ >= text_.size() || c == '\n' || c == '#') {
      if (c == '#') skip_comment();
      if (peek() == '\n') advance();
      return;  // still at a line start
    }
    at_line_start_ = false;
    if (width > indents_.back()) {
      if (static_cast<int>(indents_.size()) > kMaxIndentDepth) {
        return fail(here(), "unsupported Python construct: blocks nested too deeply",
                    "netshape accepts at most 100 levels of indentation");
      }
      indents_.push_back(width);
      push(Tok::Indent, "", Span{line_, 1, column_ > 1 ? column_ - 1 : 1, file_});
      return;
    }
    while (width < indents_.back()) {
      indents_.pop_back();
      push(Tok::Dedent, "", here());
    }
    if (width != indents_.back()) {
      fail(Span{line_, 1, column_ > 1 ? column_ - 1 : 1, file_},
           "unindent does not match any outer indentation level",
           "indent this line like the block it belongs to");
    }
  }

  void skip_comment() {
    Span span = here();
    size_t start = pos_ + 1;
    while (pos_ < text_.size() && peek() != '\n') advance();
    std::string_view body = text_.substr(start, pos_ - start);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    comments_.push_back(Comment{std::string(body), span});
  }

  void newline() {
    if (brackets_.empty()) {
      if (last_kind_ != Tok::End && last_kind_ != Tok::Newline && last_kind_ != Tok::Dedent &&
          last_kind_ != Tok::Indent) {
        push(Tok::Newline, "", here());
      }
      at_line_start_ = true;
    }
    advance();
  }

  void scan_one() {
    char c = peek();
    if (c == '\n') return newline();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') return advance();
    if (c == '#') return skip_comment();
    if (c == '\\') return continuation();
    if (is_ident_start(c)) return name_or_string();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number();
    if (c == '\'' || c == '"') return string(pos_, here());
    if (static_cast<unsigned char>(c) >= 0x80) {
      return fail(here(), "unexpected non-ASCII character outside a string or comment",
                  "netshape reads ASCII Python identifiers and operators");
    }
    operator_token();
  }

  // A backslash joins the next physical line, like an open bracket does.
  void continuation() {
    Span span = here();
    advance();
    if (peek() == '\r') advance();
    if (peek() != '\n') return fail(span, "unexpected character after line continuation `\\`");
    advance();
    if (pos_ >= text_.size()) fail(span, "unexpected end of file after `\\`");
  }

  void name_or_string() {
    size_t start = pos_;
    Span span = here();
    while (pos_ < text_.size() && is_ident_char(peek())) advance();
    std::string_view word = text_.substr(start, pos_ - start);
    if ((peek() == '\'' || peek() == '"') && is_string_prefix(word)) return string(start, span);
    span.length = static_cast<int>(word.size());
    push(Tok::Name, std::string(word), span);
  }

  // Digits, letters, '_' and '.' cover ints, floats, hex/octal/binary and 1e-5; the parser
  // validates the spelling. A sign directly after an exponent marker belongs to the number.
  void number() {
    size_t start = pos_;
    Span span = here();
    bool hex = peek() == '0' && (peek(1) == 'x' || peek(1) == 'X');
    while (pos_ < text_.size()) {
      char c = peek();
      if (is_ident_char(c) || c == '.') {
        advance();
        if (!hex && (c == 'e' || c == 'E') && (peek() == '+' || peek() == '-')) advance();
      } else {
        break;
      }
    }
    span.length = static_cast<int>(pos_ - start);
    push(Tok::Number, std::string(text_.substr(start, pos_ - start)), span);
  }

  // `start` is where the prefix (if any) began; the quote is at pos_.
  void string(size_t start, Span span) {
    char quote = peek();
    bool triple = peek(1) == quote && peek(2) == quote;
    size_t quote_len = triple ? 3 : 1;
    for (size_t i = 0; i < quote_len; ++i) advance();
    size_t body_start = pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        return fail(span, triple ? "unterminated triple-quoted string" : "unterminated string",
                    "close the string with " + std::string(quote_len, quote));
      }
      char c = peek();
      if (c == '\\' && pos_ + 1 < text_.size()) {
        advance();
        advance();
        continue;
      }
      if (c == '\n' && !triple) {
        return fail(span, "unterminated string", "close the string on the same line");
      }
      if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) break;
      advance();
    }
    std::string body(text_.substr(body_start, pos_ - body_start));
    std::string prefix(text_.substr(start, body_start - quote_len - start));
    bool raw = prefix.find_first_of("rR") != std::string::npos;
    bool formatted = prefix.find_first_of("fF") != std::string::npos;
    if (!raw && !formatted) body = decode_escapes(body);  // an f-string's parts: in the parser
    int start_line = span.line;
    for (size_t i = 0; i < quote_len; ++i) advance();
    span.length = line_ == start_line ? static_cast<int>(pos_ - start) : 1;
    push(Tok::String, std::move(body), span);
  }

  void operator_token() {
    static const char* const kOps[] = {
        "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "<<",
        ">>",  "->",  "+=",  "-=",  "*=",  "/=", "%=", "&=", "|=", "^=", "@=", ":=",
        "(",   ")",   "[",   "]",   "{",   "}",  ",",  ":",  ".",  ";",  "@",  "=",
        "+",   "-",   "*",   "/",   "%",   "<",  ">",  "&",  "|",  "^",  "~"};
    std::string_view rest = text_.substr(pos_);
    for (const char* op : kOps) {
      std::string_view o(op);
      if (rest.substr(0, o.size()) == o) {
        Span span = here(static_cast<int>(o.size()));
        track_bracket(o[0], span);
        if (!ok_) return;
        for (size_t i = 0; i < o.size(); ++i) advance();
        push(Tok::Op, std::string(o), span);
        return;
      }
    }
    unsigned char c = static_cast<unsigned char>(peek());
    std::string shown = c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c)) : "\\x??";
    fail(here(), "unexpected character `" + shown + "`");
  }

  void track_bracket(char c, Span span) {
    if (c == '(' || c == '[' || c == '{') {
      if (static_cast<int>(brackets_.size()) >= kMaxBracketDepth) {
        return fail(span, "unsupported Python construct: brackets nested too deeply",
                    "netshape accepts at most 200 nested brackets");
      }
      brackets_.push_back(Open{c, span});
      return;
    }
    if (c != ')' && c != ']' && c != '}') return;
    char want = c == ')' ? '(' : c == ']' ? '[' : '{';
    if (brackets_.empty()) return fail(span, std::string("unmatched `") + c + "`");
    if (brackets_.back().c != want) {
      const Open& o = brackets_.back();
      return fail(span, std::string("closing `") + c + "` does not match `" + o.c + "` opened at " +
                            std::to_string(o.span.line) + ":" + std::to_string(o.span.column));
    }
    brackets_.pop_back();
  }

  void finish() {
    if (!brackets_.empty()) {
      const Open& o = brackets_.back();
      return fail(o.span, std::string("`") + o.c + "` was never closed", "add the closing bracket");
    }
    if (last_kind_ != Tok::End && last_kind_ != Tok::Newline && last_kind_ != Tok::Dedent) {
      push(Tok::Newline, "", here());
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Tok::Dedent, "", here());
    }
    push(Tok::End, "", here());
  }
};

Tokenizer::Tokenizer(const SourceFile& src, Diagnostics& diags, uint32_t file)
    : impl_(std::make_unique<Impl>(src, diags, file)) {}
Tokenizer::~Tokenizer() = default;
bool Tokenizer::next(std::deque<Token>& out) {
  return impl_->next(out);
}
bool Tokenizer::failed() const {
  return impl_->failed();
}
std::vector<Comment>& Tokenizer::comments() {
  return impl_->comments();
}

}  // namespace netshape::py
