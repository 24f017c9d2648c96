// Recursive-descent parser for the Python that model files are written in: statements (if, for,
// while, def, class, import, assert, ...) and expressions (comparisons, conditional expressions,
// comprehensions, slices, dicts, f-strings, starred arguments) become a small AST. What netshape
// never interprets (lambda, with, try, yield, await, `:=`) is kept as `Other` nodes, so only the
// model's own code is rejected, while training scripts around it are skipped. Real syntax errors
// stop the parse. Recursion is capped so that hostile nesting gives an error, never a stack
// overflow.
#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "netshape/python_frontend.hpp"
#include "token_window.hpp"

namespace netshape::py {
namespace {

constexpr int kMaxDepth = limits::kMaxPyExprDepth;
constexpr int kMaxChain = limits::kMaxPyChain;

struct SyntaxError {};  // thrown after the diagnostic is recorded; caught at the entry points

class Parser {
 public:
  Parser(const SourceFile& src, Tokenizer& tokenizer, Diagnostics& diags)
      : src_(src), tokens_(Fill{tokenizer}), diags_(diags) {}

  // file_input: (NEWLINE | stmt)* ENDMARKER
  std::vector<Stmt> file_input() {
    std::vector<Stmt> body;
    while (!at(Tok::End)) {
      if (accept_kind(Tok::Newline)) continue;
      if (at(Tok::Indent)) fail(cur().span, "unexpected indent", "remove the extra indentation");
      if (at(Tok::Dedent)) {
        advance();
        continue;
      }
      statement(body);
    }
    return body;
  }

  bool at_end() const { return at(Tok::End); }

  // expression_input: testlist NEWLINE* ENDMARKER
  Expr expression_input() {
    Expr e = testlist();
    while (accept_kind(Tok::Newline)) {
    }
    if (!at(Tok::End)) fail(cur().span, "unexpected `" + cur().text + "` after the value");
    return e;
  }

 private:
  // Reads the next tokens; a lexical error ends the parse (the tokenizer has reported it).
  struct Fill {
    Tokenizer& tokenizer;
    bool operator()(std::deque<Token>& out) const {
      if (tokenizer.next(out)) return true;
      if (tokenizer.failed()) throw SyntaxError{};
      return false;
    }
  };

  const SourceFile& src_;
  mutable TokenWindow<Token, Fill> tokens_;
  Diagnostics& diags_;
  size_t pos_ = 0;
  int depth_ = 0;
  int chain_ = 0;  // links of the chains being read (each nests the tree one level)

  // Bounds recursion: every rule that can nest takes a guard.
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) {
        p.fail(p.cur().span, "unsupported Python construct: nesting too deep", fmt_limit());
      }
    }
    ~DepthGuard() { --p.depth_; }
  };

  // A chain built in a loop (`a.b.c`, `x + y + z`, `f(a)(b)`) nests its tree one level per link,
  // and every later walk of the tree recurses that deep: each link counts as one level.
  struct ChainGuard {
    Parser& p;
    int saved;
    explicit ChainGuard(Parser& parser) : p(parser), saved(parser.chain_) {}
    void link() {
      if (++p.chain_ > kMaxChain) {
        p.fail(p.cur().span, "unsupported Python construct: expression too long or nested too deep",
               fmt_limit());
      }
    }
    ~ChainGuard() { p.chain_ = saved; }
  };
  static std::string fmt_limit() {
    return "netshape accepts at most " + std::to_string(kMaxDepth) + " nested and " +
           std::to_string(kMaxChain) +
           " chained operations in one expression (docs/limits.md); split it into several "
           "statements";
  }

  // ---- token helpers ----
  const Token& tok(size_t i) const { return tokens_.at(i); }
  const Token& cur() const { return tok(pos_); }
  const Token& peek_tok(size_t k) const { return tok(pos_ + k); }
  void advance() {
    ++pos_;
    tokens_.drop_before(pos_ - 1);  // span_from() reads the token before the current one
  }
  bool at(Tok k) const { return cur().kind == k; }
  bool at_op(std::string_view op) const { return cur().kind == Tok::Op && cur().text == op; }
  bool at_kw(std::string_view kw) const { return cur().kind == Tok::Name && cur().text == kw; }
  bool accept_kind(Tok k) {
    if (!at(k)) return false;
    advance();
    return true;
  }
  bool accept_op(std::string_view op) {
    if (!at_op(op)) return false;
    advance();
    return true;
  }
  bool accept_kw(std::string_view kw) {
    if (!at_kw(kw)) return false;
    advance();
    return true;
  }
  Token take() {
    Token t = cur();
    if (t.kind != Tok::End) advance();
    return t;
  }
  [[noreturn]] void fail(Span span, std::string message, std::string help = {}) {
    diags_.error(span, std::move(message), std::move(help));
    throw SyntaxError{};
  }
  std::string describe(const Token& t) const {
    switch (t.kind) {
      case Tok::Newline:
        return "end of line";
      case Tok::Indent:
        return "indent";
      case Tok::Dedent:
        return "dedent";
      case Tok::End:
        return "end of file";
      case Tok::String:
        return "string";
      default:
        return "`" + t.text + "`";
    }
  }
  [[noreturn]] void unexpected(std::string_view wanted) {
    fail(cur().span,
         "invalid syntax: expected " + std::string(wanted) + ", found " + describe(cur()));
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) unexpected("`" + std::string(op) + "`");
  }
  Token expect_name() {
    if (!at(Tok::Name) || is_keyword(cur().text)) unexpected("a name");
    return take();
  }
  static bool is_keyword(std::string_view w) {
    for (const char* k :
         {"False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
          "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
          "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
          "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"}) {
      if (w == k) return true;
    }
    return false;
  }

  // A span from `start` to the end of the previous token, clipped to the first line.
  Span span_from(Span start) const {
    const Token& last = tok(pos_ > 0 ? pos_ - 1 : 0);
    Span s = start;
    if (last.span.line == start.line) {
      s.length = last.span.column + last.span.length - start.column;
    } else {
      s.length = static_cast<int>(src_.line_text(start.line).size()) - start.column + 1;
    }
    if (s.length < 1) s.length = 1;
    return s;
  }

  static Expr make(Expr::Kind kind, Span span, std::string text = {}) {
    Expr e;
    e.kind = kind;
    e.span = span;
    e.text = std::move(text);
    return e;
  }

  // ---- statements ----

  // stmt: compound_stmt | simple_stmt
  void statement(std::vector<Stmt>& out) {
    DepthGuard guard(*this);
    if (at(Tok::Name)) {
      const std::string& w = cur().text;
      if (w == "class") return out.push_back(class_def());
      if (w == "def") return out.push_back(function_def());
      if (w == "if") return out.push_back(if_stmt());
      if (w == "for") return out.push_back(for_stmt());
      if (w == "while") return out.push_back(while_stmt());
      if (w == "with") return out.push_back(with_stmt());
      if (w == "try" || w == "async" || w == "elif" || w == "else" || w == "except" ||
          w == "finally") {
        return out.push_back(compound_other());
      }
    }
    if (at_op("@")) return out.push_back(decorated());
    simple_stmt(out);
  }

  // simple_stmt: small_stmt (';' small_stmt)* [';'] NEWLINE
  void simple_stmt(std::vector<Stmt>& out) {
    out.push_back(small_stmt());
    while (accept_op(";")) {
      if (at(Tok::Newline)) break;
      out.push_back(small_stmt());
    }
    if (!accept_kind(Tok::Newline)) unexpected("end of line");
  }

  // small_stmt: pass | import | return [testlist] | flow | assignment | expression
  Stmt small_stmt() {
    Stmt s;
    s.span = cur().span;
    if (accept_kw("pass")) return s;
    if (at_kw("import") || at_kw("from")) return import_stmt();
    if (accept_kw("return")) {
      s.kind = Stmt::Kind::Return;
      if (!at(Tok::Newline) && !at_op(";")) s.value = testlist();
      s.span = span_from(s.span);
      return s;
    }
    if (accept_kw("break")) return finish(std::move(s), Stmt::Kind::Break);
    if (accept_kw("continue")) return finish(std::move(s), Stmt::Kind::Continue);
    if (accept_kw("raise")) {  // raise [test ['from' test]]
      if (starts_expression()) s.value = test();
      if (accept_kw("from")) s.extra = test();
      return finish(std::move(s), Stmt::Kind::Raise);
    }
    if (at_kw("global") || at_kw("nonlocal")) {  // ('global' | 'nonlocal') NAME (',' NAME)*
      Stmt::Kind kind = take().text == "global" ? Stmt::Kind::Global : Stmt::Kind::Nonlocal;
      do {
        s.names.push_back(expect_name().text);
      } while (accept_op(","));
      return finish(std::move(s), kind);
    }
    if (accept_kw("del")) {  // del exprlist
      Expr targets = target_list();
      check_target(targets);
      s.targets.push_back(std::move(targets));
      return finish(std::move(s), Stmt::Kind::Del);
    }
    if (accept_kw("assert")) {  // assert test [',' test]
      s.value = test();
      if (accept_op(",")) s.extra = test();
      return finish(std::move(s), Stmt::Kind::Assert);
    }
    if (at_kw("yield")) return other_until_end("`yield` statement");
    return expr_stmt();
  }

  Stmt finish(Stmt s, Stmt::Kind kind) {
    s.kind = kind;
    s.span = span_from(s.span);
    return s;
  }

  // import_stmt: 'import' dotted_as_name (',' dotted_as_name)*
  //            | 'from' ('.'* dotted_name | '.'+) 'import' ('*' | '(' as_names ')' | as_names)
  // dotted_as_name: dotted_name ['as' NAME]      as_names: NAME ['as' NAME] (',' ...)* [',']
  Stmt import_stmt() {
    Stmt s;
    s.kind = Stmt::Kind::Import;
    s.span = cur().span;
    if (accept_kw("import")) {
      do {
        s.names.push_back(dotted_name());
        s.aliases.push_back(accept_kw("as") ? expect_name().text : "");
      } while (accept_op(","));
      s.span = span_from(s.span);
      return s;
    }
    expect_kw("from");
    while (at_op(".") || at_op("...")) s.name += take().text;
    if (!at_kw("import")) s.name += dotted_name();
    expect_kw("import");
    if (accept_op("*")) {
      s.names.push_back("*");
      s.aliases.push_back("");
    } else {
      bool parens = accept_op("(");
      do {
        if (parens && at_op(")")) break;
        s.names.push_back(expect_name().text);
        s.aliases.push_back(accept_kw("as") ? expect_name().text : "");
      } while (accept_op(","));
      if (parens) expect_op(")");
    }
    s.span = span_from(s.span);
    return s;
  }

  // dotted_name: NAME ('.' NAME)*
  std::string dotted_name() {
    std::string name = expect_name().text;
    while (accept_op(".")) name += "." + expect_name().text;
    return name;
  }

  void expect_kw(std::string_view kw) {
    if (!accept_kw(kw)) unexpected("`" + std::string(kw) + "`");
  }

  // Statements outside the subset whose details do not matter: skipped to the end of the line.
  Stmt other_until_end(std::string what) {
    Stmt s;
    s.kind = Stmt::Kind::Other;
    s.span = cur().span;
    s.what = std::move(what);
    while (!at(Tok::Newline) && !at_op(";") && !at(Tok::End)) take();
    s.span = span_from(s.span);
    return s;
  }

  // expr_stmt: testlist (('=' testlist)* | augassign testlist | ':' test ['=' testlist])
  Stmt expr_stmt() {
    Stmt s;
    s.span = cur().span;
    Expr first = testlist_star();
    if (at_op("=")) {
      s.kind = Stmt::Kind::Assign;
      s.targets.push_back(std::move(first));
      while (accept_op("=")) s.targets.push_back(testlist_star());
      s.value = std::move(s.targets.back());
      s.targets.pop_back();
      for (const Expr& t : s.targets) check_target(t);
    } else if (cur().kind == Tok::Op && cur().text.size() >= 2 && cur().text.back() == '=' &&
               cur().text != "==" && cur().text != "<=" && cur().text != ">=" &&
               cur().text != "!=") {
      s.kind = Stmt::Kind::AugAssign;
      s.what = take().text;
      check_target(first);
      s.targets.push_back(std::move(first));
      s.value = testlist();
    } else if (accept_op(":")) {  // annotated: the annotation is read and dropped
      s.kind = Stmt::Kind::AnnAssign;
      check_target(first);
      s.targets.push_back(std::move(first));
      test();
      if (accept_op("=")) s.value = testlist();
    } else {
      s.kind = Stmt::Kind::Expr;
      s.value = std::move(first);
    }
    s.span = span_from(s.span);
    return s;
  }

  // Assignment targets must be names, attributes, subscripts or tuples/lists of those.
  void check_target(const Expr& t) {
    switch (t.kind) {
      case Expr::Kind::Name:
      case Expr::Kind::Attribute:
      case Expr::Kind::Subscript:
        return;
      case Expr::Kind::Tuple:
      case Expr::Kind::List:
        for (const Expr& e : t.items) check_target(e);
        return;
      case Expr::Kind::Starred:
        if (t.text == "*") return;
        break;
      default:
        break;
    }
    fail(t.span, "invalid syntax: cannot assign to this expression");
  }

  // classdef: 'class' NAME ['(' [arglist] ')'] ':' suite
  Stmt class_def() {
    Stmt s;
    s.kind = Stmt::Kind::ClassDef;
    s.span = take().span;
    Token name = expect_name();
    s.name = name.text;
    s.name_span = name.span;
    if (accept_op("(")) {
      while (!at_op(")")) {
        if (at(Tok::Name) && peek_tok(1).kind == Tok::Op && peek_tok(1).text == "=") {
          take();
          take();
        }
        s.bases.push_back(test());
        if (!accept_op(",")) break;
      }
      expect_op(")");
    }
    expect_op(":");
    s.span = span_from(s.span);
    s.body = suite();
    return s;
  }

  // funcdef: 'def' NAME parameters ['->' test] ':' suite
  Stmt function_def() {
    Stmt s;
    s.kind = Stmt::Kind::FunctionDef;
    s.span = take().span;
    Token name = expect_name();
    s.name = name.text;
    s.name_span = name.span;
    expect_op("(");
    s.params = parameters();
    expect_op(")");
    if (accept_op("->")) test();
    expect_op(":");
    s.span = span_from(s.span);
    s.body = suite();
    return s;
  }

  // parameters: [param (',' param)* [',']]   param: ['*'|'**'] NAME [':' test] ['=' test] | '*' |
  // '/'
  std::vector<Param> parameters() {
    std::vector<Param> params;
    bool keyword_only = false;  // after `*args` or a bare `*`
    while (!at_op(")")) {
      Param p;
      if (accept_op("**"))
        p.stars = 2;
      else if (accept_op("*"))
        p.stars = 1;
      if (p.stars == 1 && (at_op(",") || at_op(")"))) {  // bare `*`: keyword-only marker
        keyword_only = true;
        if (!accept_op(",")) break;
        continue;
      }
      p.keyword_only = keyword_only && p.stars == 0;
      if (p.stars == 1) keyword_only = true;
      if (p.stars == 0 && accept_op("/")) {  // positional-only marker
        if (!accept_op(",")) break;
        continue;
      }
      Token n = expect_name();
      p.name = n.text;
      p.span = n.span;
      if (accept_op(":")) test();
      if (accept_op("=")) p.default_value = test();
      params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    return params;
  }

  // decorated: ('@' test NEWLINE)+ (classdef | funcdef)
  Stmt decorated() {
    std::vector<Expr> decorators;
    while (accept_op("@")) {
      decorators.push_back(test());
      if (!accept_kind(Tok::Newline)) unexpected("end of line after the decorator");
    }
    Stmt s;
    if (at_kw("def"))
      s = function_def();
    else if (at_kw("class"))
      s = class_def();
    else
      unexpected("`def` or `class` after a decorator");
    s.decorators = std::move(decorators);
    return s;
  }

  // if_stmt: 'if' test ':' suite ('elif' test ':' suite)* ['else' ':' suite]
  // An `elif` is an If alone in the orelse of the one before.
  Stmt if_stmt() {
    Stmt s;
    s.kind = Stmt::Kind::If;
    s.span = take().span;
    s.value = test();
    body_after_header(s);
    if (at_kw("elif")) {
      s.orelse.push_back(if_stmt());
    } else {
      s.orelse = else_clause();
    }
    return s;
  }

  // ':' suite after a compound statement's header (the statement's span is its header).
  void body_after_header(Stmt& s) {
    expect_op(":");
    s.span = span_from(s.span);
    s.body = suite();
  }

  // ['else' ':' suite]
  std::vector<Stmt> else_clause() {
    if (!accept_kw("else")) return {};
    expect_op(":");
    return suite();
  }

  // for_stmt: 'for' exprlist 'in' testlist ':' suite ['else' ':' suite]
  Stmt for_stmt() {
    Stmt s;
    s.kind = Stmt::Kind::For;
    s.span = take().span;
    Expr target = target_list();
    check_target(target);
    s.targets.push_back(std::move(target));
    expect_kw("in");
    s.value = testlist();
    body_after_header(s);
    s.orelse = else_clause();
    return s;
  }

  // while_stmt: 'while' test ':' suite ['else' ':' suite]
  Stmt while_stmt() {
    Stmt s;
    s.kind = Stmt::Kind::While;
    s.span = take().span;
    s.value = test();
    body_after_header(s);
    s.orelse = else_clause();
    return s;
  }

  // with_stmt: 'with' with_item (',' with_item)* ':' suite
  // with_item: test ['as' target]
  // Several items are nested Withs, as Python runs them: `with a, b:` is `with a: with b:`.
  Stmt with_stmt() {
    Span start = take().span;
    std::vector<Stmt> items;
    do {
      Stmt item;
      item.kind = Stmt::Kind::With;
      item.span = cur().span;
      item.value = test();
      if (accept_kw("as")) {
        Expr target = star_or_bitor();
        check_target(target);
        item.targets.push_back(std::move(target));
      }
      items.push_back(std::move(item));
    } while (accept_op(","));
    expect_op(":");
    items[0].span = span_from(start);
    std::vector<Stmt> body = suite();
    for (size_t i = items.size(); i-- > 0;) {
      items[i].body = std::move(body);
      body.clear();
      if (i > 0) body.push_back(std::move(items[i]));
    }
    return std::move(items[0]);
  }

  // exprlist: (bitor | star_expr) (',' (bitor | star_expr))* [',']   -> Tuple when commas
  // (not `test`: in `for x in xs` the `in` ends the target instead of starting a comparison)
  Expr target_list() { return comma_list(&Parser::star_or_bitor); }

  Expr star_or_bitor() {
    if (at_op("*")) return starred();
    return binary_level(0);
  }

  // compound_other: ('with'|'try'|'except'|...) header ':' suite
  // The header is skipped (brackets are balanced by the tokenizer), the body is parsed.
  Stmt compound_other() {
    Stmt s;
    s.kind = Stmt::Kind::Other;
    s.span = cur().span;
    std::string kw = take().text;
    if (kw == "async") kw += " " + take().text;
    s.what = "`" + kw + "` " + (kw == "async for" ? "loop" : "statement");
    int depth = 0;
    int lambdas = 0;  // a lambda's `:` is not the header's
    while (!(depth == 0 && lambdas == 0 && at_op(":"))) {
      if (at(Tok::Newline) || at(Tok::End)) unexpected("`:`");
      if (at_op("(") || at_op("[") || at_op("{")) ++depth;
      if (at_op(")") || at_op("]") || at_op("}")) --depth;
      if (depth == 0 && at_kw("lambda")) ++lambdas;
      if (depth == 0 && at_op(":")) --lambdas;
      take();
    }
    expect_op(":");
    s.span = span_from(s.span);
    s.body = suite();
    return s;
  }

  // suite: simple_stmt | NEWLINE INDENT stmt+ DEDENT
  std::vector<Stmt> suite() {
    DepthGuard guard(*this);
    std::vector<Stmt> body;
    if (!accept_kind(Tok::Newline)) {
      simple_stmt(body);
      return body;
    }
    if (!accept_kind(Tok::Indent)) fail(cur().span, "expected an indented block");
    while (!accept_kind(Tok::Dedent)) {
      if (at(Tok::End)) unexpected("end of block");
      if (accept_kind(Tok::Newline)) continue;
      if (at(Tok::Indent)) fail(cur().span, "unexpected indent", "remove the extra indentation");
      statement(body);
    }
    return body;
  }

  // ---- expressions ----

  // testlist_star: (test | star_expr) (',' (test | star_expr))* [',']  -> Tuple when commas
  Expr testlist_star() { return testlist(); }

  // testlist: test (',' test)* [',']
  Expr testlist() { return comma_list(&Parser::star_or_test); }

  // item (',' item)* [','] with `item` the element rule: one item alone, else a Tuple.
  Expr comma_list(Expr (Parser::*item)()) {
    Span start = cur().span;
    Expr first = (this->*item)();
    if (!at_op(",")) return first;
    Expr tuple = make(Expr::Kind::Tuple, start);
    tuple.items.push_back(std::move(first));
    while (accept_op(",")) {
      if (!starts_expression()) break;
      tuple.items.push_back((this->*item)());
    }
    tuple.span = span_from(start);
    return tuple;
  }

  bool starts_expression() const {
    const Token& t = cur();
    if (t.kind == Tok::Name) {
      return !is_keyword(t.text) || t.text == "None" || t.text == "True" || t.text == "False" ||
             t.text == "not" || t.text == "lambda" || t.text == "await" || t.text == "yield";
    }
    if (t.kind == Tok::Number || t.kind == Tok::String) return true;
    if (t.kind != Tok::Op) return false;
    for (const char* op : {"(", "[", "{", "-", "+", "~", "*", "**", "..."}) {
      if (t.text == op) return true;
    }
    return false;
  }

  // star_or_test: '*' bitor | '**' bitor | test
  Expr star_or_test() {
    if (at_op("*") || at_op("**")) return starred();
    return test();
  }

  // star_expr: ('*' | '**') bitor
  Expr starred() {
    DepthGuard guard(*this);
    Span start = cur().span;
    Expr e = make(Expr::Kind::Starred, start, take().text);
    e.items.push_back(binary_level(0));
    e.span = span_from(start);
    return e;
  }

  // test: or_test ['if' or_test 'else' test] | lambdef | yield_expr
  Expr test() {
    DepthGuard guard(*this);
    Span start = cur().span;
    if (accept_kw("lambda")) {
      auto def = std::make_shared<Stmt>();
      def->kind = Stmt::Kind::FunctionDef;
      def->name = "<lambda>";
      def->span = def->name_span = start;
      def->params = parameters_until_colon();
      expect_op(":");
      Stmt body;
      body.kind = Stmt::Kind::Return;
      body.span = cur().span;
      body.value = test();
      def->body.push_back(std::move(body));
      Expr e = make(Expr::Kind::Lambda, span_from(start), "lambda");
      e.function = std::move(def);
      return e;
    }
    if (accept_kw("yield")) {
      if (accept_kw("from") || starts_expression()) testlist();
      return make(Expr::Kind::Other, span_from(start), "yield");
    }
    Expr e = or_test();
    if (accept_kw("if")) {
      Expr c = make(Expr::Kind::IfExp, start);
      c.items.push_back(std::move(e));
      c.items.push_back(or_test());
      if (!accept_kw("else")) unexpected("`else` in the conditional expression");
      c.items.push_back(test());
      c.span = span_from(start);
      return c;
    }
    if (at_op(":=")) {
      take();
      test();
      return make(Expr::Kind::Other, span_from(start), "assignment expression `:=`");
    }
    return e;
  }

  // lambda parameters: ['*'|'**'] NAME ['=' test] (',' ...)*  up to ':'
  std::vector<Param> parameters_until_colon() {
    std::vector<Param> params;
    while (!at_op(":")) {
      Param p;
      p.span = cur().span;
      p.stars = accept_op("*") ? 1 : accept_op("**") ? 2 : 0;
      p.name = expect_name().text;
      if (accept_op("=")) p.default_value = test();
      params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    return params;
  }

  // or_test: and_test ('or' and_test)*   and_test: not_test ('and' not_test)*
  Expr or_test() { return bool_level(0); }
  Expr bool_level(int level) {
    static const char* const kOps[] = {"or", "and"};
    if (level == 2) return not_test();
    Span start = cur().span;
    Expr lhs = bool_level(level + 1);
    ChainGuard chain(*this);
    while (at_kw(kOps[level])) {
      chain.link();
      std::string op = take().text;
      lhs = binary(std::move(lhs), op, bool_level(level + 1), start);
    }
    return lhs;
  }

  // not_test: 'not' not_test | comparison
  Expr not_test() {
    DepthGuard guard(*this);
    Span start = cur().span;
    if (accept_kw("not")) {
      Expr e = make(Expr::Kind::Unary, start, "not");
      e.items.push_back(not_test());
      e.span = span_from(start);
      return e;
    }
    return comparison();
  }

  // comparison: bitor (comp_op bitor)*    -- one Compare node for a chain, as Python means it
  Expr comparison() {
    Span start = cur().span;
    Expr lhs = binary_level(0);
    ChainGuard chain(*this);
    Expr cmp = make(Expr::Kind::Compare, start);
    while (true) {
      std::string op;
      if (cur().kind == Tok::Op &&
          (cur().text == "<" || cur().text == ">" || cur().text == "==" || cur().text == ">=" ||
           cur().text == "<=" || cur().text == "!=")) {
        op = take().text;
      } else if (accept_kw("in")) {
        op = "in";
      } else if (at_kw("not") && peek_tok(1).kind == Tok::Name && peek_tok(1).text == "in") {
        take();
        take();
        op = "not in";
      } else if (accept_kw("is")) {
        op = accept_kw("not") ? "is not" : "is";
      } else if (cmp.ops.empty()) {
        return lhs;
      } else {
        cmp.span = span_from(start);
        return cmp;
      }
      chain.link();
      if (cmp.ops.empty()) cmp.items.push_back(std::move(lhs));
      cmp.ops.push_back(std::move(op));
      cmp.items.push_back(binary_level(0));
    }
  }

  // bitor: xor ('|' xor)*; xor: and ('^' and)*; and: shift ('&' shift)*;
  // shift: arith (('<<'|'>>') arith)*; arith: term (('+'|'-') term)*;
  // term: factor (('*'|'/'|'//'|'%'|'@') factor)*
  Expr binary_level(int level) {
    static const std::vector<std::vector<std::string>> kLevels = {
        {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}};
    if (level == static_cast<int>(kLevels.size())) return factor();
    Span start = cur().span;
    Expr lhs = binary_level(level + 1);
    ChainGuard chain(*this);
    while (cur().kind == Tok::Op) {
      bool found = false;
      for (const std::string& op : kLevels[static_cast<size_t>(level)]) found |= cur().text == op;
      if (!found) break;
      chain.link();
      std::string op = take().text;
      lhs = binary(std::move(lhs), op, binary_level(level + 1), start);
    }
    return lhs;
  }

  Expr binary(Expr lhs, std::string op, Expr rhs, Span start) {
    Expr e = make(Expr::Kind::Binary, start, std::move(op));
    e.items.push_back(std::move(lhs));
    e.items.push_back(std::move(rhs));
    e.span = span_from(start);
    return e;
  }

  // factor: ('+'|'-'|'~') factor | power
  Expr factor() {
    DepthGuard guard(*this);
    Span start = cur().span;
    if (at_op("+") || at_op("-") || at_op("~")) {
      Expr e = make(Expr::Kind::Unary, start, take().text);
      e.items.push_back(factor());
      e.span = span_from(start);
      return e;
    }
    return power();
  }

  // power: ['await'] primary ['**' factor]
  Expr power() {
    Span start = cur().span;
    bool awaited = accept_kw("await");
    Expr base = primary();
    if (accept_op("**")) base = binary(std::move(base), "**", factor(), start);
    if (awaited) return make(Expr::Kind::Other, span_from(start), "await");
    return base;
  }

  // primary: atom trailer*   trailer: '(' [arglist] ')' | '[' subscriptlist ']' | '.' NAME
  Expr primary() {
    Span start = cur().span;
    Expr e = atom();
    ChainGuard chain(*this);
    while (true) {
      if (at_op(".") || at_op("(") || at_op("[")) chain.link();
      if (accept_op(".")) {
        Token n = expect_name_or_keyword();
        Expr a = make(Expr::Kind::Attribute, start, n.text);
        a.name_span = n.span;
        a.items.push_back(std::move(e));
        a.span = span_from(start);
        e = std::move(a);
      } else if (at_op("(")) {
        e = call(std::move(e), start);
      } else if (at_op("[")) {
        e = subscript(std::move(e), start);
      } else {
        return e;
      }
    }
  }

  Token expect_name_or_keyword() {
    if (!at(Tok::Name)) unexpected("an attribute name");
    return take();
  }

  // call: '(' [argument (',' argument)* [',']] ')'
  // argument: test [comp_for] | NAME '=' test | '*' test | '**' test
  Expr call(Expr callee, Span start) {
    DepthGuard guard(*this);
    expect_op("(");
    Expr c = make(Expr::Kind::Call, start);
    c.items.push_back(std::move(callee));
    while (!at_op(")")) {
      Span arg_start = cur().span;
      std::string keyword;
      if (at(Tok::Name) && peek_tok(1).kind == Tok::Op && peek_tok(1).text == "=") {
        keyword = expect_name().text;
        take();
      }
      Expr value = star_or_test();
      if (at_kw("for") || at_kw("async"))
        value = comprehension("generator", {std::move(value)}, arg_start);
      c.items.push_back(std::move(value));
      c.keywords.push_back(std::move(keyword));
      c.arg_spans.push_back(span_from(arg_start));
      if (!accept_op(",")) break;
    }
    expect_op(")");
    c.span = span_from(start);
    return c;
  }

  // subscript: '[' item (',' item)* [','] ']'
  Expr subscript(Expr object, Span start) {
    DepthGuard guard(*this);
    expect_op("[");
    Span index_start = cur().span;
    Expr index = make(Expr::Kind::Tuple, index_start);
    bool tuple = false;
    while (!at_op("]")) {
      index.items.push_back(subscript_item());
      if (!accept_op(",")) break;
      tuple = true;
    }
    if (index.items.empty()) unexpected("an index");
    index.span = span_from(index_start);
    expect_op("]");
    if (!tuple) {
      Expr single = std::move(index.items[0]);
      index = std::move(single);
    }
    Expr e = make(Expr::Kind::Subscript, start);
    e.items.push_back(std::move(object));
    e.items.push_back(std::move(index));
    e.span = span_from(start);
    return e;
  }

  // item: test | [test] ':' [test] [':' [test]]     -- a slice when it has a ':'
  Expr subscript_item() {
    Span start = cur().span;
    Expr lower = make(Expr::Kind::None, start);
    int written = 0;
    if (!at_op(":")) {
      Expr first = star_or_test();
      if (!at_op(":")) return first;
      lower = std::move(first);
      written |= 1;
    }
    Expr slice = make(Expr::Kind::Slice, start);
    slice.items.push_back(std::move(lower));
    for (int part = 1; part <= 2 && accept_op(":"); ++part) {
      if (at_op(":") || at_op(",") || at_op("]")) {
        slice.items.push_back(make(Expr::Kind::None, cur().span));
      } else {
        slice.items.push_back(test());
        written |= 1 << part;
      }
    }
    while (slice.items.size() < 3) slice.items.push_back(make(Expr::Kind::None, cur().span));
    slice.int_value = written;
    slice.span = span_from(start);
    return slice;
  }

  // comp_for: ['async'] 'for' exprlist 'in' or_test (comp_for | comp_if)*
  // comp_if: 'if' or_test
  // The clauses follow the element(s) in `items`, each tagged in `keywords`.
  Expr comprehension(const char* kind, std::vector<Expr> elements, Span start) {
    DepthGuard guard(*this);
    Expr c = make(Expr::Kind::Comprehension, start, kind);
    for (Expr& e : elements) {
      c.items.push_back(std::move(e));
      c.keywords.emplace_back();
    }
    if (at_kw("async")) unexpected("a synchronous comprehension");
    while (accept_kw("for")) {
      Expr target = target_list();
      check_target(target);
      c.items.push_back(std::move(target));
      c.keywords.emplace_back("for");
      expect_kw("in");
      c.items.push_back(or_test());
      c.keywords.emplace_back("in");
      while (accept_kw("if")) {
        c.items.push_back(or_test());
        c.keywords.emplace_back("if");
      }
    }
    c.span = span_from(start);
    return c;
  }

  // atom: '(' [testlist_comp] ')' | '[' [testlist_comp] ']' | '{' ... '}' | NAME | NUMBER
  //     | STRING+ | '...' | 'None' | 'True' | 'False'
  Expr atom() {
    DepthGuard guard(*this);
    const Token& t = cur();
    Span start = t.span;
    switch (t.kind) {
      case Tok::Number:
        return number(take());
      case Tok::String:
        return strings();
      case Tok::Name:
        return name_atom();
      case Tok::Op:
        if (t.text == "(") return display("(", ")", Expr::Kind::Tuple);
        if (t.text == "[") return display("[", "]", Expr::Kind::List);
        if (t.text == "{") return brace_display();
        if (t.text == "...") {
          take();
          return make(Expr::Kind::Ellipsis, start);
        }
        break;
      default:
        break;
    }
    unexpected("an expression");
  }

  Expr name_atom() {
    Token t = cur();
    if (t.text == "None") {
      take();
      return make(Expr::Kind::None, t.span);
    }
    if (t.text == "True" || t.text == "False") {
      take();
      Expr e = make(Expr::Kind::Bool, t.span);
      e.int_value = t.text == "True";
      return e;
    }
    if (is_keyword(t.text)) unexpected("an expression");
    take();
    return make(Expr::Kind::Name, t.span, t.text);
  }

  // STRING+: adjacent literals concatenate; with an f-string among them the whole is an FString
  // (a bytes literal among them: Other, refused where it is evaluated)
  Expr strings() {
    Span start = cur().span;
    std::string text;
    Expr f = make(Expr::Kind::FString, start);
    bool formatted = false, bytes = false;
    while (at(Tok::String)) {
      Token t = take();
      bytes = bytes || string_prefix(t).find_first_of("bB") != std::string::npos;
      if (is_fstring(t)) {
        formatted = true;
        fstring_parts(t, f);
      } else {
        add_literal(f, t.text, t.span);
      }
      text += t.text;
    }
    // b"...": bytes, which equal no str (netshape reads only str)
    if (bytes) return make(Expr::Kind::Other, span_from(start), "a bytes literal");
    if (!formatted) return make(Expr::Kind::String, span_from(start), std::move(text));
    f.span = span_from(start);
    return f;
  }

  // The letters before the quote (`rf`, `b`): whether a string is an f-string, a raw one.
  std::string string_prefix(const Token& t) const {
    std::string_view line = src_.line_text(t.span.line);
    std::string prefix;
    for (size_t i = static_cast<size_t>(std::max(0, t.span.column - 1)); i < line.size(); ++i) {
      char c = line[i];
      if (c == '\'' || c == '"') break;
      prefix += c;
    }
    return prefix;
  }
  bool is_fstring(const Token& t) const {
    return string_prefix(t).find_first_of("fF") != std::string::npos;
  }

  static void add_literal(Expr& f, std::string_view text, Span span) {
    if (text.empty()) return;
    if (!f.items.empty() && f.keywords.back().empty() &&
        f.items.back().kind == Expr::Kind::String) {
      f.items.back().text += text;  // adjacent literal parts merge
      return;
    }
    f.items.push_back(make(Expr::Kind::String, span, std::string(text)));
    f.keywords.emplace_back();
  }

  // f-string body: literal text, `{{` and `}}`, and `{expression[!conversion][:spec]}` fields.
  // Each expression is parsed on its own; its nodes point at the whole string.
  void fstring_parts(const Token& t, Expr& f) {
    const std::string& body = t.text;
    bool raw = string_prefix(t).find_first_of("rR") != std::string::npos;
    std::string literal;
    size_t i = 0;
    while (i < body.size()) {
      char c = body[i];
      if ((c == '{' || c == '}') && i + 1 < body.size() && body[i + 1] == c) {
        literal += c;
        i += 2;
        continue;
      }
      if (c == '}') fail(t.span, "invalid f-string: single `}`", "write `}}` for a literal brace");
      if (c != '{') {
        literal += c;
        ++i;
        continue;
      }
      add_literal(f, raw ? literal : decode_escapes(literal), t.span);
      literal.clear();
      size_t end = field_end(body, i + 1, t.span);
      size_t expr_end = expression_end(body, i + 1, end);
      f.items.push_back(field_expression(body.substr(i + 1, expr_end - i - 1), t.span));
      f.keywords.push_back(body.substr(expr_end, end - expr_end));
      i = end + 1;
    }
    add_literal(f, raw ? literal : decode_escapes(literal), t.span);
  }

  // The index of the `}` closing a field that starts at `from` (nested brackets and quotes
  // skipped).
  size_t field_end(const std::string& body, size_t from, Span span) {
    int depth = 0;
    char quote = 0;
    for (size_t j = from; j < body.size(); ++j) {
      char c = body[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || (c == '}' && depth > 0)) {
        --depth;
      } else if (c == '}') {
        return j;
      }
    }
    fail(span, "invalid f-string: `{` is not closed", "close the field with `}`");
  }

  // Where the expression of a field ends: at a top-level `!` (not `!=`) or `:`, or at its end.
  static size_t expression_end(const std::string& body, size_t from, size_t end) {
    int depth = 0;
    char quote = 0;
    for (size_t j = from; j < end; ++j) {
      char c = body[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if (c == ')' || c == ']' || c == '}') {
        --depth;
      } else if (depth == 0 && (c == ':' || (c == '!' && j + 1 < end && body[j + 1] != '='))) {
        return j;
      }
    }
    return end;
  }

  Expr field_expression(const std::string& text, Span span) {
    if (depth_ + 1 > kMaxDepth) fail(span, "unsupported Python construct: nesting too deep");
    SourceFile snippet("<f-string>", text);
    Diagnostics scratch;
    std::optional<Expr> e = parse_expression(snippet, scratch);
    if (!e) {
      fail(span, "invalid expression `" + text + "` in an f-string",
           "write a valid Python expression between the braces");
    }
    respan(*e, span);
    return std::move(*e);
  }

  static void respan(Expr& e, Span span) {
    e.span = span;
    e.name_span = span;
    for (Span& s : e.arg_spans) s = span;
    for (Expr& item : e.items) respan(item, span);
  }

  Expr number(const Token& t) {
    std::string digits;
    for (char c : t.text) {
      if (c != '_') digits += c;
    }
    Expr e = make(Expr::Kind::Int, t.span, t.text);
    bool is_float =
        digits.find_first_of(".eE") != std::string::npos &&
        !(digits.size() > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'));
    if (!digits.empty() && (digits.back() == 'j' || digits.back() == 'J')) {
      return make(Expr::Kind::Other, t.span, "complex number");
    }
    const char* begin = digits.c_str();
    char* end = nullptr;
    errno = 0;
    if (is_float) {
      e.kind = Expr::Kind::Float;
      e.float_value = std::strtod(begin, &end);
    } else {
      int base = 10;
      if (digits.size() > 1 && digits[0] == '0') {
        char b = digits[1];
        base = (b == 'x' || b == 'X')   ? 16
               : (b == 'o' || b == 'O') ? 8
               : (b == 'b' || b == 'B') ? 2
                                        : 10;
        if (base != 10) begin += 2;
      }
      unsigned long long v = std::strtoull(begin, &end, base);
      e.int_overflow = errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX);
      e.int_value = e.int_overflow ? 0 : static_cast<int64_t>(v);
      if (base == 10 && digits.size() > 1 && digits[0] == '0' && v != 0) end = nullptr;
    }
    if (end == nullptr || *end != '\0' || end == begin) {
      fail(t.span, "invalid number `" + t.text + "`");
    }
    return e;
  }

  // brace_display: '{' '}' | '{' dict_entry (',' dict_entry)* [','] '}' | '{' test comp_for '}'
  //              | '{' key ':' value comp_for '}' | '{' star_or_test (',' ...)* [','] '}'
  // dict_entry: test ':' test | '**' bitor
  Expr brace_display() {
    DepthGuard guard(*this);
    Span start = cur().span;
    expect_op("{");
    Expr e = make(Expr::Kind::Dict, start);
    if (accept_op("}")) {
      e.span = span_from(start);
      return e;
    }
    bool dict = at_op("**");
    Expr first = star_or_test();
    if (!dict && accept_op(":")) {
      dict = true;
      Expr value = test();
      if (at_kw("for") || at_kw("async")) {
        Expr c = comprehension("dict", {std::move(first), std::move(value)}, start);
        expect_op("}");
        c.span = span_from(start);
        return c;
      }
      e.items.push_back(std::move(first));
      e.items.push_back(std::move(value));
    } else if (dict) {
      e.items.push_back(std::move(first));
      e.items.push_back(make(Expr::Kind::None, e.items.back().span));
    } else {
      e.kind = Expr::Kind::Set;
      if (at_kw("for") || at_kw("async")) {
        Expr c = comprehension("set", {std::move(first)}, start);
        expect_op("}");
        c.span = span_from(start);
        return c;
      }
      e.items.push_back(std::move(first));
    }
    while (accept_op(",") && !at_op("}")) {
      if (!dict) {
        e.items.push_back(star_or_test());
      } else if (at_op("**")) {
        e.items.push_back(starred());
        e.items.push_back(make(Expr::Kind::None, e.items.back().span));
      } else {
        e.items.push_back(test());
        expect_op(":");
        e.items.push_back(test());
      }
    }
    expect_op("}");
    e.span = span_from(start);
    return e;
  }

  // display: '(' ')' | '(' test ')' | '(' test ',' ... ')' | '[' ... ']' | '(' test comp_for ')'
  //        | '[' test comp_for ']'
  Expr display(std::string_view open, std::string_view close, Expr::Kind kind) {
    Span start = cur().span;
    expect_op(open);
    Expr e = make(kind, start);
    bool comma = false;
    while (!at_op(close)) {
      if (kind == Expr::Kind::Tuple && at_kw("yield")) {
        e.items.push_back(test());
        break;
      }
      e.items.push_back(star_or_test());
      if (e.items.size() == 1 && !comma && (at_kw("for") || at_kw("async"))) {
        const char* what = kind == Expr::Kind::List ? "list" : "generator";
        Expr c = comprehension(what, {std::move(e.items[0])}, start);
        expect_op(close);
        c.span = span_from(start);
        return c;
      }
      if (!accept_op(",")) break;
      comma = true;
    }
    expect_op(close);
    if (kind == Expr::Kind::Tuple && e.items.size() == 1 && !comma) {
      Expr inner = std::move(e.items[0]);
      return inner;  // parenthesized expression; keeps the inner span
    }
    e.span = span_from(start);
    return e;
  }
};

}  // namespace

std::string unread_construct(const Stmt& s) {
  switch (s.kind) {
    case Stmt::Kind::AnnAssign:
      return "annotated assignment";
    case Stmt::Kind::If:
      return "`if` statement";
    case Stmt::Kind::For:
      return "`for` loop";
    case Stmt::Kind::While:
      return "`while` loop";
    case Stmt::Kind::Break:
      return "`break` statement";
    case Stmt::Kind::Continue:
      return "`continue` statement";
    case Stmt::Kind::Assert:
      return "`assert` statement";
    case Stmt::Kind::Del:
      return "`del` statement";
    case Stmt::Kind::Global:
      return "`global` statement";
    case Stmt::Kind::Nonlocal:
      return "`nonlocal` statement";
    case Stmt::Kind::Raise:
      return "`raise` statement";
    case Stmt::Kind::With:
      return "`with` statement";
    case Stmt::Kind::Other:
      return s.what;
    default:
      return "";
  }
}

std::string unread_construct(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::IfExp:
      return "conditional expression";
    case Expr::Kind::Starred:
      return "starred expression";
    case Expr::Kind::Dict:
    case Expr::Kind::Set:
      return "dict or set display";
    case Expr::Kind::Comprehension:
      return e.text == "generator" ? "generator expression" : "comprehension";
    case Expr::Kind::Slice:
      return "slicing";
    case Expr::Kind::Lambda:
      return "lambda";
    case Expr::Kind::Ellipsis:
      return "`...`";
    case Expr::Kind::FString:
      return "f-string";
    case Expr::Kind::Other:
      return e.text;
    default:
      return "";
  }
}

std::optional<Module> parse_module(const SourceFile& src, Diagnostics& diags, uint32_t file) {
  Tokenizer tokenizer(src, diags, file);
  Module m;
  try {
    Parser p(src, tokenizer, diags);
    m.body = p.file_input();
  } catch (const SyntaxError&) {
    return std::nullopt;
  }
  m.comments = std::move(tokenizer.comments());  // all of them: the parse read up to End
  return m;
}

std::optional<Expr> parse_expression(const SourceFile& src, Diagnostics& diags) {
  Tokenizer tokenizer(src, diags);
  try {
    Parser p(src, tokenizer, diags);
    if (p.at_end()) {
      diags.error(Span{1, 1, 1}, "empty value");
      return std::nullopt;
    }
    return p.expression_input();
  } catch (const SyntaxError&) {
    return std::nullopt;
  }
}

}  // namespace netshape::py
