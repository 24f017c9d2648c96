// Frontend for the PyTorch subset (`.py` files): a small Python tokenizer (with INDENT/DEDENT),
// a recursive-descent parser into a small Python AST, and a lowering pass that "executes" the
// model's __init__ and forward symbolically into the same Program IR the .ns parser produces.
// See docs/python.md for the accepted subset.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/frontend.hpp"
#include "netshape/ir.hpp"
#include "netshape/shape.hpp"
#include "netshape/source.hpp"

namespace netshape {

// The shape of `tensor` after the statements read so far (`partial`), as shape inference finds it
// for the model's inputs: forward asks when it computes with a size (`c // groups`, `if
// x.size(-1) != 7:`, `b, c, h, w = x.size()`). Without it such a forward is refused. The answer
// is the error inference gives when the statements so far already fail. `in_init`: `partial` is a
// module run in __init__ on tensors made there (`self.features(torch.zeros(1, 3, 32, 32))`): its
// inputs are the ones it declares, not the model's, and its modules are in training mode.
struct ShapeAnswer {
  std::optional<Shape> shape;
  Diagnostic error;
};
using ShapeOracle =
    std::function<ShapeAnswer(const Program& partial, const std::string& tensor, bool in_init)>;

struct PythonOptions {
  std::string model;  // --model NAME: which class / Sequential variable (empty: automatic)
  std::vector<std::pair<std::string, std::string>> args;  // --arg name=value (constructor params)
  std::vector<std::string> paths;  // --path DIR: roots for absolute imports (after the file's dir)
  // --input: a dtype given there is the input's type in forward (before a `# input:` comment's)
  std::vector<InputOption> inputs;
  // Filled with the other files the model imports, in Span::file order from 1, so diagnostics
  // can show their lines (optional).
  std::vector<std::shared_ptr<const SourceFile>>* imported = nullptr;
  ShapeOracle shape_of;
};

// Returns a Program, or nullopt with errors in `diags` (exit code 2 for the caller).
std::optional<Program> parse_python(const SourceFile& src, const PythonOptions& opts,
                                    Diagnostics& diags);

// What `netshape list FILE` prints: the models a file defines (nn.Module classes, nn.Sequential
// variables) and its functions (factories such as `def resnet18(**kwargs)`), with their
// signatures, and which one `check` picks without --model.
struct PythonModelEntry {
  std::string kind;  // "class", "sequential" or "function"
  std::string name;
  std::string signature;  // the constructor's or function's parameters as written
  int line = 0;
};
struct PythonModelList {
  std::vector<PythonModelEntry> entries;
  std::string chosen;  // empty when check would need --model
};
std::optional<PythonModelList> list_python_models(const SourceFile& src, Diagnostics& diags);

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

// The characters a string literal's backslash escapes stand for (`\n` one newline, `\x41` an A,
// `\u00e9` in UTF-8); an escape Python does not know keeps its backslash, as Python keeps it.
std::string decode_escapes(const std::string& body);

// Python's tokenizer rules, reduced: INDENT/DEDENT from leading whitespace, no NEWLINE inside
// brackets or after a backslash, comments collected separately. Errors go to `diags`; the first
// one ends the stream. Tokens are produced on demand, so the parser holds only those it looks at:
// a hostile file is refused at its first bad construct without being tokenized whole.
class Tokenizer {
 public:
  // `file` is the Span::file of every token: the file's index among the model's files.
  Tokenizer(const SourceFile& src, Diagnostics& diags, uint32_t file = 0);
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
    Binary,   // arithmetic, bitwise, and `and` / `or` (left-nested: same meaning in Python)
    Compare,  // items: the n+1 operands; ops: the n operators (`a < b <= c` is one Compare)
    IfExp,    // `body if test else orelse`: items [body, test, orelse]
    Starred,  // `*x` (text "*") or `**x` (text "**"): items [x]
    Dict,     // items: key, value, key, value...; a `**m` entry is key Starred("**", m), value None
    Set,      // items: the elements
    Comprehension,  // text "list" | "set" | "dict" | "generator"; items: the element (dict: key,
                    // value), then the clauses: `keywords` tags each item "" (element), "for"
                    // (target), "in" (iterable) or "if" (condition)
    Slice,          // `lower:upper:step`: items [lower, upper, step]; int_value bit i set when
                    // part i was written (an omitted part is a None placeholder)
    Ellipsis,       // `...`
    FString,  // f"...": items alternate String literals and formatted expressions; keywords: ""
              // for a literal, else the conversion and spec as written after the expression
              // ("", "!r", ":>8", "!s:^4")
    Lambda,   // `lambda a, b=1: body`: function, a FunctionDef whose body returns the expression
    Other     // valid Python outside what netshape reads (`:=`, await, yield, ...)
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
  std::vector<std::string> ops;       // Compare: the operators ("<", "in", "not in", "is not")
  std::shared_ptr<const struct Stmt> function;  // Lambda
};

struct Param {
  std::string name;
  Span span;
  std::optional<Expr> default_value;
  int stars = 0;              // 1 for *args, 2 for **kwargs
  bool keyword_only = false;  // after `*args` or a bare `*`: bound by name only
};

struct Stmt {
  enum class Kind {
    Expr,
    Assign,
    AugAssign,
    AnnAssign,  // `x: T` or `x: T = value`: targets [x], value when given
    Return,
    Pass,
    Import,
    ClassDef,
    FunctionDef,
    If,     // value: the test; body; orelse (an `elif` is an If alone in orelse)
    For,    // targets [target]; value: the iterable; body; orelse
    While,  // value: the test; body; orelse
    Break,
    Continue,
    Assert,    // value: the test; extra: the message
    Del,       // targets
    Global,    // names
    Nonlocal,  // names
    Raise,     // value: the exception, when given; extra: its `from` cause
    With,      // value: the context manager; targets: [its `as` target] or none; body
    Other      // valid Python outside what netshape reads (try, yield, ...)
  };
  Kind kind = Kind::Pass;
  Span span;                  // first line of the statement, from its first token
  std::vector<Expr> targets;  // Assign: `a = b = value` gives [a, b]; AugAssign: [target]
  std::optional<Expr> value;  // Expr, Assign, Return (tuple for `return a, b`), If/While test...
  std::optional<Expr> extra;  // Assert: message; Raise: cause
  std::string name;           // ClassDef / FunctionDef; Import: the `from` module (".x", "..")
  Span name_span;
  std::vector<Expr> bases;       // ClassDef
  std::vector<Expr> decorators;  // ClassDef / FunctionDef: `@staticmethod`, ...
  std::vector<Param> params;     // FunctionDef
  std::vector<Stmt> body;        // ClassDef / FunctionDef / If / For / While / With / Other
  std::vector<Stmt> orelse;      // If / For / While: the `else` (or `elif`) clause
  // Import: the names imported (`import a.b` gives "a.b"; `from m import *` gives "*") and
  // their `as` names ("" when none). Global / Nonlocal: the names.
  std::vector<std::string> names;
  std::vector<std::string> aliases;
  std::string what;  // Other: the construct, e.g. "`with` statement"; AugAssign: "+="
};

// How the constructs netshape's reader does not interpret are named in its messages ("`for`
// loop", "conditional expression", ...). Empty for a construct it reads.
std::string unread_construct(const Stmt& s);
std::string unread_construct(const Expr& e);

struct Module {
  std::vector<Stmt> body;
  std::vector<Comment> comments;
};

// Parses a whole file. nullopt on a syntax error (reported with its position). `file` is the
// Span::file of every position (the file's index among the model's files).
std::optional<Module> parse_module(const SourceFile& src, Diagnostics& diags, uint32_t file = 0);

// Parses one expression from a SourceFile (used for --arg values). nullopt on error.
std::optional<Expr> parse_expression(const SourceFile& src, Diagnostics& diags);

}  // namespace py
}  // namespace netshape
