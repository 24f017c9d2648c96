// Recursive-descent parser for .ns files. One function per grammar rule, the rule above it.
// Integer arithmetic is folded here, with overflow and division by zero reported as errors.
#include <fmt/format.h>

#include <cmath>
#include <deque>
#include <limits>

#include "netshape/checked.hpp"
#include "netshape/frontend.hpp"
#include "netshape/shape.hpp"
#include "token_window.hpp"

namespace netshape {
namespace {

constexpr int kMaxNesting = limits::kMaxNsNesting;  // deeper is an error, not a stack overflow

class Parser {
 public:
  Parser(NsTokenizer& tokenizer, Diagnostics& diags) : tokens_(Fill{tokenizer}), diags_(diags) {}

  // program := { statement NEWLINE }
  // `lines` sizes the statement list up front: a model is about a statement per line.
  Program program(size_t lines) {
    Program prog;
    prog.statements.reserve(std::min(lines, limits::kMaxStatements) + 1);
    while (!at(TokenKind::End)) {
      if (accept(TokenKind::Newline)) continue;
      size_t failures_before = failures();
      statement(prog);
      if (prog.statements.size() > limits::kMaxStatements) {
        diags_.error(prog.statements.back().span,
                     fmt::format("the model has more than {} layers, the most netshape analyses",
                                 with_commas(static_cast<int64_t>(limits::kMaxStatements))),
                     "split the model (docs/limits.md lists every limit)");
        break;
      }
      if (failures() != failures_before)
        recover();
      else if (!at(TokenKind::End) && !accept(TokenKind::Newline)) {
        error_here("expected the end of the statement", "put one statement per line");
        recover();
      }
    }
    return prog;
  }

 private:
  // The tokenizer gives End again and again after the last token: the stream never ends.
  struct Fill {
    NsTokenizer& tokenizer;
    bool operator()(std::deque<Token>& out) const {
      out.push_back(tokenizer.next());
      return true;
    }
  };

  mutable TokenWindow<Token, Fill> tokens_;
  Diagnostics& diags_;
  size_t pos_ = 0;
  // Failures already explained by the lexer (an Invalid token): they stop the statement
  // without a second message.
  size_t silent_failures_ = 0;
  int nesting_ = 0;
  bool seen_statement_ = false;

  size_t failures() const { return diags_.count() + silent_failures_; }
  const Token& cur() const { return tokens_.at(pos_); }
  const Token& ahead(size_t n) const { return tokens_.at(pos_ + n); }
  bool at(TokenKind k) const { return cur().kind == k; }
  bool at_ident(const char* word) const { return at(TokenKind::Ident) && cur().text == word; }
  // The current token, and moves past it (never past End). The reference stays valid until
  // the next call.
  const Token& take() {
    const Token& t = cur();
    if (t.kind == TokenKind::End) return t;
    tokens_.drop_before(pos_++);
    return t;
  }
  bool accept(TokenKind k) {
    if (!at(k)) return false;
    take();
    return true;
  }
  void recover() {
    while (!at(TokenKind::End) && !at(TokenKind::Newline)) take();
  }
  void error_here(const std::string& message, const std::string& help) {
    // A lexical error already explains an Invalid token; don't pile a second one on it.
    if (at(TokenKind::Invalid)) {
      ++silent_failures_;
      return;
    }
    std::string found =
        at(TokenKind::Newline) || at(TokenKind::End) ? "end of line" : "'" + cur().text + "'";
    diags_.error(cur().span, message + ", found " + found, help);
  }
  bool expect(TokenKind k, const char* what, const std::string& help) {
    if (accept(k)) return true;
    error_here(std::string("expected ") + what, help);
    return false;
  }

  // statement := model_decl | input_decl | output_decl | layer
  void statement(Program& prog) {
    if (at_ident("model") && ahead(1).kind == TokenKind::Ident &&
        ahead(2).kind != TokenKind::LParen) {
      model_decl(prog);
    } else if (at_ident("input") && ahead(1).kind != TokenKind::Equals &&
               ahead(1).kind != TokenKind::LParen) {
      input_decl(prog);
    } else if (at_ident("output") && ahead(1).kind != TokenKind::Equals &&
               ahead(1).kind != TokenKind::LParen) {
      output_decl(prog);
    } else {
      layer(prog);
    }
  }

  // model_decl := 'model' IDENT
  void model_decl(Program& prog) {
    Span kw = take().span;
    if (seen_statement_ || !prog.model_name.empty()) {
      diags_.error(kw, "`model` must be the first statement",
                   "move `model " + cur().text + "` to the top of the file");
    }
    prog.model_name = cur().text;
    prog.model_span = take().span;
    seen_statement_ = true;
  }

  // input_decl := 'input' [IDENT ':'] '[' dim {',' dim} ']'
  void input_decl(Program& prog) {
    InputDecl in;
    in.span = take().span;
    if (at(TokenKind::Ident) && ahead(1).kind == TokenKind::Colon) {
      in.name = take().text;
      take();
    } else {
      in.name = prog.inputs.empty() ? "x" : fmt::format("x{}", prog.inputs.size() + 1);
    }
    if (!expect(TokenKind::LBracket, "'[' starting the input shape",
                "write the shape like `input x: [B, 1, 28, 28]`"))
      return;
    do {
      if (at(TokenKind::RBracket)) break;
      if (too_many(in.dims.size(), "dims in one input shape")) return;
      InputDim d;
      if (!input_dim(d, in.dims.empty())) return;
      in.dims.push_back(d);
    } while (accept(TokenKind::Comma));
    if (!expect(TokenKind::RBracket, "',' or ']' in the input shape", "close the shape with ']'"))
      return;
    if (in.dims.empty()) {
      diags_.error(in.span, "the input shape is empty",
                   "give at least one dimension, e.g. `input [1, 28, 28]`");
      return;
    }
    prog.inputs.push_back(std::move(in));
    seen_statement_ = true;
  }

  // dim := IDENT (first dim only) | expr (a positive integer)
  bool input_dim(InputDim& d, bool first) {
    d.span = cur().span;
    if (at(TokenKind::Ident) &&
        (ahead(1).kind == TokenKind::Comma || ahead(1).kind == TokenKind::RBracket)) {
      if (!first) {
        diags_.error(
            d.span,
            fmt::format("only the first (batch) dimension may be symbolic, found '{}'", cur().text),
            "give a number for every other dimension");
        return false;
      }
      d.symbol = take().text;
      return true;
    }
    Value v = expr();
    if (diags_.has_errors()) return false;
    if (v.kind != Value::Kind::Int || v.i <= 0) {
      diags_.error(
          v.span, fmt::format("input dimension must be a positive integer, found {}", to_source(v)),
          "use a positive size such as 28");
      return false;
    }
    d.value = v.i;
    return true;
  }

  // output_decl := 'output' IDENT {',' IDENT}
  void output_decl(Program& prog) {
    take();
    do {
      if (!at(TokenKind::Ident)) {
        error_here("expected a tensor name after `output`", "write `output fc2`");
        return;
      }
      prog.outputs.push_back(OutputDecl{cur().text, cur().span});
      take();
    } while (accept(TokenKind::Comma));
    seen_statement_ = true;
  }

  // layer := [IDENT '='] qualname '(' [args] ')' ['(' [IDENT {',' IDENT}] ')']
  void layer(Program& prog) {
    Statement st;
    st.span = cur().span;
    if (at(TokenKind::Ident) && ahead(1).kind == TokenKind::Equals) {
      st.name = take().text;
      st.named = true;
      take();
    }
    if (!at(TokenKind::Ident)) {
      error_here("expected a layer call like `Conv2d(1, 32, 5)`",
                 "statements are `name = Op(args)`, `input [...]`, `output name` or `model Name`");
      return;
    }
    qualname(st);
    if (!expect(TokenKind::LParen, "'(' after the op name",
                fmt::format("call it: `{}(...)`", st.op)))
      return;
    if (!args(st.args, TokenKind::RParen)) return;
    if (at(TokenKind::LParen)) {
      take();
      st.inputs_explicit = true;
      while (!at(TokenKind::RParen)) {
        if (!at(TokenKind::Ident)) {
          error_here("expected a tensor name",
                     "apply a module to named tensors: `Conv2d(1, 8, 3)(x)`");
          return;
        }
        st.inputs.push_back(cur().text);
        st.input_spans.push_back(take().span);
        if (!accept(TokenKind::Comma)) break;
      }
      if (!expect(TokenKind::RParen, "')' closing the tensor arguments", "close it with ')'"))
        return;
    }
    seen_statement_ = true;
    prog.statements.push_back(std::move(st));
  }

  // qualname := IDENT {'.' IDENT}
  void qualname(Statement& st) {
    std::string full = cur().text;
    Span first = take().span;
    Span last = first;
    while (at(TokenKind::Dot) && ahead(1).kind == TokenKind::Ident) {
      take();
      full += "." + cur().text;
      last = take().span;
    }
    st.op = strip_op_prefix(full);
    st.op_span = first;
    st.op_span.length =
        last.line == first.line ? last.column + last.length - first.column : first.length;
  }

  // args := [arg {',' arg} [',']]      arg := [IDENT '='] expr
  bool args(std::vector<Arg>& out, TokenKind close) {
    out.reserve(4);  // most calls have a few arguments: one allocation, not one per growth
    while (!at(close)) {
      if (too_many(out.size(), "arguments in one call")) return false;
      Arg a;
      a.span = cur().span;
      if (at(TokenKind::Ident) && ahead(1).kind == TokenKind::Equals) {
        a.keyword = take().text;
        take();
      } else if (!out.empty() && !out.back().keyword.empty()) {
        diags_.error(cur().span, "positional argument follows keyword argument",
                     "put positional arguments before keyword arguments");
        return false;
      }
      size_t errors_before = failures();
      a.value = expr();
      if (failures() != errors_before) return false;
      int end = a.value.span.column + a.value.span.length;
      if (a.value.span.line == a.span.line) a.span.length = std::max(1, end - a.span.column);
      out.push_back(std::move(a));
      if (!accept(TokenKind::Comma)) break;
    }
    return expect(close, close == TokenKind::RParen ? "',' or ')'" : "',' or ']'",
                  "separate arguments with ',' and close the call");
  }

  // expr := term {('+' | '-') term}
  Value expr() {
    if (++nesting_ > kMaxNesting) {
      --nesting_;
      diags_.error(cur().span, "expression nested too deeply", "simplify the expression");
      return Value::none(cur().span);
    }
    size_t errors_before = failures();
    Value left = term();
    // After an error the rest of the statement is skipped: one mistake, one message.
    while ((at(TokenKind::Plus) || at(TokenKind::Minus)) && failures() == errors_before) {
      Token op = take();
      Value right = term();
      left = arithmetic(op, left, right);
    }
    --nesting_;
    return left;
  }

  // term := unary {('*' | '//' | '/' | '%') unary}
  Value term() {
    size_t errors_before = failures();
    Value left = unary();
    while ((at(TokenKind::Star) || at(TokenKind::SlashSlash) || at(TokenKind::Slash) ||
            at(TokenKind::Percent)) &&
           failures() == errors_before) {
      Token op = take();
      Value right = unary();
      left = arithmetic(op, left, right);
    }
    return left;
  }

  // unary := '-' unary | '+' unary | primary
  Value unary() {
    if (at(TokenKind::Minus) || at(TokenKind::Plus)) {
      Token op = take();
      if (++nesting_ > kMaxNesting) {
        --nesting_;
        diags_.error(op.span, "expression nested too deeply", "simplify the expression");
        return Value::none(op.span);
      }
      size_t errors_before = failures();
      Value v = unary();
      --nesting_;
      // One error per mistake: a failed operand is not reported again at every sign before it.
      if (op.kind == TokenKind::Plus || failures() != errors_before) return v;
      return negate(op, v);
    }
    return primary();
  }

  // primary := INT | FLOAT | STRING | True | False | None | '?' | IDENT
  //          | '(' expr ')' | '(' [expr {',' expr}] ')' | '[' [expr {',' expr}] ']'
  Value primary() {
    const Token& t = cur();
    switch (t.kind) {
      case TokenKind::Int:
        take();
        return Value::integer(t.int_value, t.span);
      case TokenKind::Float:
        take();
        return Value::floating(t.float_value, t.span);
      case TokenKind::String:
        take();
        return Value::string(t.text, t.span);
      case TokenKind::Question:
        take();
        return Value::infer(t.span);
      case TokenKind::Ident:
        return identifier_value();
      case TokenKind::LParen:
        return parenthesised();
      case TokenKind::LBracket:
        return list_value();
      default:
        error_here("expected a value",
                   "values are numbers, (tuples), 'strings', True/False, None or ?");
        return Value::none(t.span);
    }
  }

  Value identifier_value() {
    Token t = take();
    if (t.text == "True" || t.text == "False") return Value::boolean(t.text == "True", t.span);
    if (t.text == "None") return Value::none(t.span);
    return Value::ident(t.text, t.span);
  }

  Value parenthesised() {
    Span open = take().span;
    if (accept(TokenKind::RParen)) {
      Value v;
      v.kind = Value::Kind::Tuple;
      v.span = open;
      return v;
    }
    Value first = expr();
    if (accept(TokenKind::RParen)) {
      first.span = widen(open, first.span);
      return first;
    }
    Value tup;
    tup.kind = Value::Kind::Tuple;
    tup.items.push_back(first);
    while (accept(TokenKind::Comma)) {
      if (at(TokenKind::RParen)) break;
      if (too_many(tup.items.size(), "elements in one tuple")) return Value::none(open);
      tup.items.push_back(expr());
    }
    tup.span = widen(open, cur().span);
    if (!expect(TokenKind::RParen, "',' or ')' in the tuple", "close the tuple with ')'"))
      return Value::none(open);
    return tup;
  }

  Value list_value() {
    Span open = take().span;
    Value list;
    list.kind = Value::Kind::List;
    while (!at(TokenKind::RBracket)) {
      if (too_many(list.items.size(), "elements in one list")) return Value::none(open);
      list.items.push_back(expr());
      if (!accept(TokenKind::Comma)) break;
    }
    list.span = widen(open, cur().span);
    if (!expect(TokenKind::RBracket, "',' or ']' in the list", "close the list with ']'"))
      return Value::none(open);
    return list;
  }

  // Whether a list already holds limits::kMaxNsItems; then an error at the next item.
  bool too_many(size_t n, const char* what) {
    if (n < limits::kMaxNsItems) return false;
    diags_.error(cur().span, fmt::format("more than {} {}", limits::kMaxNsItems, what),
                 "no op takes that many; docs/limits.md lists every limit");
    return true;
  }

  static Span widen(Span a, Span b) {
    if (a.line != b.line) return a;
    return Span{a.line, a.column, std::max(1, b.column + b.length - a.column)};
  }

  Value negate(const Token& op, const Value& v) {
    Span sp = widen(op.span, v.span);
    if (v.kind == Value::Kind::Int) {
      if (v.i == std::numeric_limits<int64_t>::min()) return overflow(sp);
      return Value::integer(-v.i, sp);
    }
    if (v.kind == Value::Kind::Float) return Value::floating(-v.f, sp);
    diags_.error(sp, fmt::format("cannot negate {}", to_source(v)), "negate a number");
    return Value::none(sp);
  }

  Value overflow(Span sp) {
    diags_.error(sp, "integer arithmetic overflows 64 bits", "use smaller numbers");
    return Value::none(sp);
  }

  // Folds `a op b` for numbers; anything else is an error at the operator.
  Value arithmetic(const Token& op, const Value& a, const Value& b) {
    Span sp = widen(a.span, b.span);
    bool ints = a.kind == Value::Kind::Int && b.kind == Value::Kind::Int;
    bool nums = (a.kind == Value::Kind::Int || a.kind == Value::Kind::Float) &&
                (b.kind == Value::Kind::Int || b.kind == Value::Kind::Float);
    if (!nums) {
      if (a.kind != Value::Kind::None && b.kind != Value::Kind::None) {
        diags_.error(op.span,
                     fmt::format("cannot compute {} {} {}", to_source(a), op.text, to_source(b)),
                     "arithmetic works on numbers only, e.g. `64*4*4`");
      }
      return Value::none(sp);
    }
    if (ints) return int_arithmetic(op, a.i, b.i, sp);
    double x = a.kind == Value::Kind::Int ? static_cast<double>(a.i) : a.f;
    double y = b.kind == Value::Kind::Int ? static_cast<double>(b.i) : b.f;
    switch (op.kind) {
      case TokenKind::Plus:
        return Value::floating(x + y, sp);
      case TokenKind::Minus:
        return Value::floating(x - y, sp);
      case TokenKind::Star:
        return Value::floating(x * y, sp);
      default:
        if (y == 0.0) {
          diags_.error(op.span, "division by zero", "divide by a non-zero number");
          return Value::none(sp);
        }
        if (op.kind == TokenKind::Slash) return Value::floating(x / y, sp);
        if (op.kind == TokenKind::SlashSlash) return Value::floating(std::floor(x / y), sp);
        return Value::floating(x - y * std::floor(x / y), sp);
    }
  }

  Value int_arithmetic(const Token& op, int64_t x, int64_t y, Span sp) {
    int64_t r = 0;
    switch (op.kind) {
      case TokenKind::Plus:
        if (__builtin_add_overflow(x, y, &r)) return overflow(sp);
        break;
      case TokenKind::Minus:
        if (__builtin_sub_overflow(x, y, &r)) return overflow(sp);
        break;
      case TokenKind::Star:
        if (__builtin_mul_overflow(x, y, &r)) return overflow(sp);
        break;
      case TokenKind::Slash:
        if (y != 0 && *python_mod(x, y) == 0) {
          auto q = python_floor_div(x, y);
          if (!q) return overflow(sp);
          r = *q;
          break;
        }
        diags_.error(op.span, fmt::format("`{} / {}` is not a whole number", x, y),
                     fmt::format("use integer division: `{} // {}`", x, y));
        return Value::none(sp);
      default: {
        if (y == 0) {
          diags_.error(op.span, "division by zero", "divide by a non-zero number");
          return Value::none(sp);
        }
        // Python semantics: floor division and a remainder with the divisor's sign.
        auto q = op.kind == TokenKind::SlashSlash ? python_floor_div(x, y) : python_mod(x, y);
        if (!q) return overflow(sp);
        r = *q;
      }
    }
    return Value::integer(r, sp);
  }
};

}  // namespace

std::string strip_op_prefix(const std::string& qualified) {
  static const char* prefixes[] = {
      "torch.nn.functional.", "torch.nn.", "nn.functional.", "torch.", "nn.", "F."};
  for (const char* p : prefixes) {
    std::string_view pv(p);
    if (qualified.size() > pv.size() && qualified.compare(0, pv.size(), pv) == 0) {
      return qualified.substr(pv.size());
    }
  }
  return qualified;
}

std::optional<Program> parse_ns(const SourceFile& src, Diagnostics& diags) {
  size_t errors_before = diags.error_count();
  NsTokenizer tokenizer(src, diags);
  Parser parser(tokenizer, diags);
  size_t lines = static_cast<size_t>(std::count(src.text().begin(), src.text().end(), '\n'));
  Program prog = parser.program(lines);
  if (diags.error_count() != errors_before) return std::nullopt;
  return prog;
}

std::optional<std::vector<InputDim>> parse_dims_option(const std::string& text,
                                                       std::string& error) {
  std::string t;
  for (char c : text)
    if (c != '[' && c != ']' && c != '(' && c != ')' && c != ' ') t += c;
  char sep = t.find(',') != std::string::npos ? ',' : 'x';
  std::vector<InputDim> dims;
  size_t start = 0;
  while (start <= t.size()) {
    size_t end = t.find(sep, start);
    if (end == std::string::npos) end = t.size();
    std::string part = t.substr(start, end - start);
    InputDim d;
    bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    bool ident =
        !part.empty() && (std::isalpha(static_cast<unsigned char>(part[0])) || part[0] == '_') &&
        part.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
            std::string::npos;
    if (digits && part.size() <= 18 && std::stoll(part) > 0) {
      d.value = std::stoll(part);
    } else if (ident && dims.empty()) {
      d.symbol = part;
    } else {
      error = fmt::format("invalid --input '{}': '{}' is not a positive size", text, part);
      return std::nullopt;
    }
    dims.push_back(d);
    start = end + 1;
  }
  return dims;
}

}  // namespace netshape
