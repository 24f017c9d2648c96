// Frontend for the PyTorch subset (`.py` files): a small Python tokenizer (with INDENT/DEDENT),
// a recursive-descent parser into a small Python AST, and a lowering pass that "executes" the
// model's __init__ and forward symbolically into the same Program IR the .ns parser produces.
// See docs/python.md for the accepted subset.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/ir.hpp"
#include "netshape/source.hpp"

namespace netshape {

struct PythonOptions {
  std::string model;  // --model NAME: which class / Sequential variable (empty: automatic)
  std::vector<std::pair<std::string, std::string>> args;  // --arg name=value (constructor params)
};

// Returns a Program, or nullopt with errors in `diags` (exit code 2 for the caller).
std::optional<Program> parse_python(const SourceFile& src, const PythonOptions& opts,
                                    Diagnostics& diags);

// ---------------------------------------------------------------------------------------------
// Internals, exposed for the unit tests. Nothing outside src/frontend/python_*.cpp needs them.
namespace py {

enum class Tok { Name, Number, String, Op, Newline, Indent, Dedent, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier, operator, number spelling; String: the decoded-ish contents
  Span span;
};

struct Comment {
  std::string text;  // after the '#'
  Span span;         // of the '#'
};

// Python's tokenizer rules, reduced: INDENT/DEDENT from leading whitespace, no NEWLINE inside
// brackets or after a backslash, comments collected separately. Errors go to `diags`; the first
// one ends the stream. Tokens are produced on demand, so the parser holds only those it looks at:
// a hostile file is refused at its first bad construct without being tokenized whole.
class Tokenizer {
 public:
  Tokenizer(const SourceFile& src, Diagnostics& diags);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  // Appends the next token(s) to `out` (DEDENTs come in runs). False when nothing more comes:
  // after End, or after a lexical error (already reported; then failed() is true).
  bool next(std::deque<Token>& out);
  bool failed() const;
  std::vector<Comment>& comments();  // every comment read so far

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

struct Expr {
  enum class Kind {
    Name,
    Int,
    Float,
    String,
    Bool,
    None,
    Attribute,
    Call,
    Subscript,
    Tuple,
    List,
    Unary,
    Binary,
    Other  // valid Python outside the subset (lambda, comprehension, slice, dict, ...)
  };
  Kind kind = Kind::None;
  Span span;         // the whole expression (clipped to its first line)
  std::string text;  // Name/Attribute: identifier; Unary/Binary: operator; String: contents;
                     // Other: what the construct is (e.g. "lambda")
  int64_t int_value = 0;
  bool int_overflow = false;  // Int literal that does not fit in 64 bits
  double float_value = 0.0;
  // Attribute: [object]; Call: [callee, args...]; Subscript: [object, index];
  // Tuple/List: elements; Unary: [operand]; Binary: [lhs, rhs].
  std::vector<Expr> items;
  std::vector<std::string> keywords;  // Call: one per argument ("" = positional)
  std::vector<Span> arg_spans;        // Call: each whole `keyword=value` argument
  Span name_span;                     // Attribute: the attribute name
};

struct Param {
  std::string name;
  Span span;
  std::optional<Expr> default_value;
  int stars = 0;  // 1 for *args, 2 for **kwargs
};

struct Stmt {
  enum class Kind { Expr, Assign, AugAssign, Return, Pass, Import, ClassDef, FunctionDef, Other };
  Kind kind = Kind::Pass;
  Span span;                  // first line of the statement, from its first token
  std::vector<Expr> targets;  // Assign: `a = b = value` gives [a, b]; AugAssign: [target]
  std::optional<Expr> value;  // Expr, Assign, Return (tuple for `return a, b`)
  std::string name;           // ClassDef / FunctionDef
  Span name_span;
  std::vector<Expr> bases;    // ClassDef
  std::vector<Param> params;  // FunctionDef
  std::vector<Stmt> body;     // ClassDef / FunctionDef / compound Other (all clauses)
  std::string what;           // Other: the construct, e.g. "`for` loop"; AugAssign: "+="
};

struct Module {
  std::vector<Stmt> body;
  std::vector<Comment> comments;
};

// Parses a whole file. nullopt on a syntax error (reported with its position).
std::optional<Module> parse_module(const SourceFile& src, Diagnostics& diags);

// Parses one expression from a SourceFile (used for --arg values). nullopt on error.
std::optional<Expr> parse_expression(const SourceFile& src, Diagnostics& diags);

}  // namespace py
}  // namespace netshape
