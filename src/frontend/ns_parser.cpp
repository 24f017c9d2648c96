// Recursive-descent parser for .ns files. One function per grammar rule, the rule above it.
// Integer arithmetic is folded here, with overflow and division by zero reported as errors.
//
// Blocks are expanded here too, as a C preprocessor expands macros: a block's body is kept as
// tokens and read again at every use by a parser of its own, whose scope binds the block's
// parameters to the use's values and its input names to the use's tensors. Every statement keeps
// the spans of its lines inside the block; the use site becomes a module of the program
// (`layer1.0`, class `Bottleneck`), and a value passed unchanged keeps where it was passed
// (`ValueOrigin`), so an error inside the block can point at both and fix the use.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "netshape/checked.hpp"
#include "netshape/frontend.hpp"
#include "netshape/name_table.hpp"
#include "netshape/op_table.hpp"
#include "netshape/shape.hpp"
#include "ns_expansion.hpp"
#include "ns_lexer.hpp"
#include "token_window.hpp"

namespace netshape {
namespace {

constexpr int kMaxNesting = limits::kMaxNsNesting;  // deeper is an error, not a stack overflow

struct BlockParam {
  std::string name;
  Span span;
  std::optional<Value> default_value;  // evaluated where the block is defined, as Python does
};

struct BlockDef;

// A use expanded by reading the body, kept for later uses with the same values (copy_expansion).
struct ExpandedUse {
  BlockExpansion made;
  size_t depth_below = 0;                      // how far below it its body's uses nested blocks
  std::vector<const BlockDef*> blocks_inside;  // the blocks its body used, at any depth
};

// `block Name(params):` ... `end`: the body is the tokens of its layer statements.
struct BlockDef {
  std::string name;
  Span span;  // the name in `block Name(...)`
  std::vector<BlockParam> params;
  std::vector<std::pair<std::string, Span>> inputs;  // `input x, skip`; default: one, named x
  std::vector<OutputDecl> outputs;                   // `output a, b`; default: the last layer
  std::vector<Token> body;
  size_t statements = 0;  // layer lines of the body (a use makes at least as many statements)
  bool failed = false;    // a use failed: its error is shown once, not at every use
  std::unordered_map<std::string, ExpandedUse> expanded;  // by expansion_key
};

// A call as written: `Conv2d(1, 8, 3)`, `Bottleneck(256, 64) * 3`, `Sequential(a, b * 2)`.
struct Call {
  std::string name;  // a Sequential item's own name (`conv0=Conv2d(...)`); else numbered
  std::string op;    // without `nn.` / `F.` / `torch.`
  Span op_span;
  Span span;  // from the op to the closing ')'
  std::vector<Arg> args;
  bool sequential = false;
  std::vector<Call> items;  // Sequential's
  int64_t repeat = 1;       // `* n`
  bool repeated = false;
};

// What the parsers of one file share: its source, the blocks defined so far, the uses being
// expanded (outermost first: a block that uses itself is refused), and what stopped expansion.
struct Shared {
  Shared(const SourceFile& src, Diagnostics& diags) : src(src), diags(diags) {}
  const SourceFile& src;
  Diagnostics& diags;
  std::unordered_map<std::string, BlockDef> blocks;  // node-based: a BlockDef& stays valid
  std::vector<const BlockDef*> active;
  // For what a use's body did below it (ExpandedUse): the deepest `active` a use was checked at,
  // and every use checked, in order (cleared between top-level uses).
  size_t deepest = 0;
  std::vector<const BlockDef*> checked;
  std::vector<std::string> symbols;  // the inputs' symbolic batch dims (`B`)
  bool stopped = false;  // expansion hit a limit: reported once, nothing more is expanded
};

// The names statements see: the model's at the top level, a block instance's inside it.
struct Scope {
  const BlockDef* block = nullptr;  // null at the top level
  std::string prefix;               // "layer1.0." inside the instance at layer1.0
  std::string path;                 // "layer1.0"
  int module = -1;                  // its Program::modules index; -1: the model
  std::unordered_map<std::string, Value> params;
  // The name statements use for a tensor -> the program's tensor. At the top level only the names
  // of block and Sequential uses are here (their outputs); the others are the program's own.
  std::unordered_map<std::string, std::string> tensors;
  NameTable used;        // names taken in this scope
  std::string previous;  // what the next call without inputs reads; "": the model's input
  size_t position = 0;   // layer statements so far: `<op><position>` names the unnamed
};

class Parser {
 public:
  // The tokens come from the file's tokenizer, or again from a block's body.
  struct Fill {
    NsLexer* tokenizer = nullptr;
    const std::vector<Token>* replay = nullptr;
    size_t next = 0;
    Token operator()() {
      if (tokenizer) return tokenizer->next();
      if (next < replay->size()) return (*replay)[next++];
      Token end;  // End again and again after the last token: the stream never ends
      if (!replay->empty()) end.span = replay->back().span;
      return end;
    }
  };

  Parser(Fill fill, Shared& shared, Scope& scope)
      : tokens_(std::move(fill)), shared_(shared), diags_(shared.diags), scope_(scope) {}

  // program := { statement NEWLINE }
  // `lines` sizes the statement list up front: a model is about a statement per line.
  Program program(size_t lines) {
    Program prog;
    prog.statements.reserve(std::min(lines, limits::kMaxStatements) + 1);
    size_t before = failures();
    statements(prog);
    if (failures() == before && !shared_.blocks.empty()) finish_blocks(prog);
    return prog;
  }

  // The statements of the file, or of a block's body at one use.
  void statements(Program& prog) {
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
      if (scope_.block && failures() != failures_before) return;  // one error per use
    }
  }

 private:
  mutable TokenRing<Token, Fill> tokens_;
  Shared& shared_;
  Diagnostics& diags_;
  Scope& scope_;
  size_t pos_ = 0;
  mutable const Token* cur_ = nullptr;  // tokens_.at(pos_), once asked for
  // Failures already explained elsewhere (an Invalid token, a block whose use already failed):
  // they stop the statement without a second message.
  size_t silent_failures_ = 0;
  int nesting_ = 0;
  bool seen_statement_ = false;
  // Lists read before they are kept (take_scratch, keep_exact): arguments, tuple and list items.
  std::vector<Arg> arg_scratch_;
  std::vector<Value> item_scratch_;
  std::vector<OutputDecl> targets_;  // see layer()

  size_t failures() const { return diags_.count() + silent_failures_; }
  // The current token, looked up once per token: the parser asks for it many times, and a token
  // in the window never moves (TokenRing keeps references valid until 16 more are read).
  const Token& cur() const {
    if (!cur_) cur_ = &tokens_.at(pos_);
    return *cur_;
  }
  const Token& ahead(size_t n) const { return tokens_.at(pos_ + n); }
  bool at(TokenKind k) const { return cur().kind == k; }
  bool at_ident(const char* word) const { return at(TokenKind::Ident) && cur().text == word; }
  bool at_line_end(size_t n) const {
    return ahead(n).kind == TokenKind::Newline || ahead(n).kind == TokenKind::End;
  }
  // The current token, and moves past it (never past End). The reference stays valid until
  // the next call.
  const Token& take() {
    const Token& t = cur();
    if (t.kind == TokenKind::End) return t;
    tokens_.drop_before(pos_++);
    cur_ = nullptr;
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
  // Views, not strings: the help of every expect() is built only when it is shown.
  void error_here(std::string_view message, std::string_view help) {
    // A lexical error already explains an Invalid token; don't pile a second one on it.
    if (at(TokenKind::Invalid)) {
      ++silent_failures_;
      return;
    }
    std::string found = at(TokenKind::Newline)                ? "end of line"
                        : at(TokenKind::End) && !scope_.block ? "the end of the file"
                        : at(TokenKind::End)                  ? "end of line"
                                                              : fmt::format("'{}'", cur().text);
    diags_.error(cur().span, fmt::format("{}, found {}", message, found), std::string(help));
  }
  bool expect(TokenKind k, const char* what, std::string_view help) {
    if (accept(k)) return true;
    error_here(std::string("expected ") + what, help);
    return false;
  }
  bool fail(Span span, std::string message, std::string help) {
    diags_.error(span, std::move(message), std::move(help));
    return false;
  }

  // statement := model_decl | input_decl | output_decl | block_def | layer
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
    } else if (at_ident("block") && ahead(1).kind == TokenKind::Ident &&
               ahead(2).kind == TokenKind::LParen) {
      block_def();
    } else if (at_ident("end") && at_line_end(1)) {
      fail(cur().span, "`end` without a block",
           "remove it, or start the block with `block Name():`");
    } else {
      layer(prog);
    }
  }

  // model_decl := 'model' IDENT
  void model_decl(Program& prog) {
    Span kw = take().span;
    if (seen_statement_ || !prog.model_name.empty()) {
      diags_.error(kw, "`model` must be the first statement",
                   fmt::format("move `model {}` to the top of the file", cur().text));
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
    scope_.used.insert(in.name);
    if (prog.inputs.empty() && scope_.previous.empty()) scope_.previous = in.name;
    if (!in.dims[0].symbol.empty()) shared_.symbols.push_back(in.dims[0].symbol);
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
    size_t failures_before = failures();  // (an earlier statement's error is not this dim's)
    Value v = expr();
    if (failures() != failures_before) return false;
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
    names_list(prog.outputs, "after `output`", "write `output fc2`");
    seen_statement_ = true;
  }

  bool names_list(std::vector<OutputDecl>& out, const char* where, const char* help) {
    do {
      if (!at(TokenKind::Ident)) {
        error_here(fmt::format("expected a tensor name {}", where), help);
        return false;
      }
      out.push_back(OutputDecl{std::string(cur().text), cur().span});
      take();
    } while (accept(TokenKind::Comma));
    return true;
  }

  // block_def  := 'block' IDENT '(' [param {',' param}] ')' ':' NEWLINE
  //               { block_line NEWLINE } 'end'
  // block_line := 'input' IDENT {',' IDENT} | 'output' IDENT {',' IDENT} | layer
  // The layer lines are kept as tokens, read at each use (block_use).
  void block_def() {
    Span keyword = take().span;
    BlockDef def;
    def.name = cur().text;
    def.span = take().span;
    if (!block_params(def) ||
        !expect(TokenKind::Colon, "':' after the block's parameters",
                fmt::format("write `block {}(...):`", def.name)) ||
        !expect(TokenKind::Newline, "a new line after `:`",
                "put the block's layers on the lines below"))
      return skip_block();
    while (!at_ident("end") || !at_line_end(1)) {
      if (at(TokenKind::End)) {
        fail(keyword, fmt::format("block `{}` has no `end`", def.name),
             "close the block with a line `end`");
        return;
      }
      if (!accept(TokenKind::Newline) && !block_line(def)) return skip_block();
    }
    take();
    if (!check_block_name(def)) return;
    shared_.blocks.emplace(def.name, std::move(def));
    seen_statement_ = true;
  }

  // param := IDENT ['=' expr]
  bool block_params(BlockDef& def) {
    if (!expect(TokenKind::LParen, "'('", "write `block Name(cin, cout, stride=1):`")) return false;
    while (!at(TokenKind::RParen)) {
      if (too_many(def.params.size(), "parameters of one block")) return false;
      if (!at(TokenKind::Ident)) {
        error_here("expected a parameter name", "parameters are names: `block B(cin, cout=64):`");
        return false;
      }
      BlockParam p{std::string(cur().text), cur().span, std::nullopt};
      take();
      for (const BlockParam& q : def.params)
        if (q.name == p.name)
          return fail(p.span,
                      fmt::format("duplicate parameter '{}' in block `{}`", p.name, def.name),
                      "give each parameter its own name");
      if (accept(TokenKind::Equals)) {
        size_t before = failures();
        p.default_value = expr();
        if (failures() != before) return false;
        if (p.default_value->kind == Value::Kind::Ident)
          return fail(p.default_value->span, "a parameter's default must be a constant",
                      "write a number, a tuple, a string, True/False or None");
      } else if (!def.params.empty() && def.params.back().default_value) {
        return fail(p.span, "non-default parameter follows default parameter",
                    "put the parameters with defaults last");
      }
      def.params.push_back(std::move(p));
      if (!accept(TokenKind::Comma)) break;
    }
    return expect(TokenKind::RParen, "',' or ')'", "close the parameters with ')'");
  }

  bool block_line(BlockDef& def) {
    if (at_ident("input") && ahead(1).kind != TokenKind::Equals &&
        ahead(1).kind != TokenKind::LParen) {
      Span kw = take().span;
      if (!def.body.empty() || !def.inputs.empty())
        return fail(kw, "a block's `input` line comes first, and once",
                    "name all its inputs on its first line: `input x, skip`");
      std::vector<OutputDecl> names;
      if (!names_list(names, "after `input`", "name the block's inputs: `input x`")) return false;
      for (const OutputDecl& n : names) def.inputs.emplace_back(n.name, n.span);
      return expect(TokenKind::Newline, "the end of the line", "one statement per line");
    }
    if (at_ident("output") && ahead(1).kind != TokenKind::Equals &&
        ahead(1).kind != TokenKind::LParen) {
      Span kw = take().span;
      if (!def.outputs.empty())
        return fail(kw, "a block has one `output` line",
                    "name all its outputs on it: `output a, b`");
      if (!names_list(def.outputs, "after `output`", "write `output relu2`")) return false;
      return expect(TokenKind::Newline, "the end of the line", "one statement per line");
    }
    for (const char* word : {"block", "model"}) {
      if (at_ident(word) && ahead(1).kind == TokenKind::Ident)
        return fail(cur().span, fmt::format("`{}` inside a block", word),
                    "define blocks at the top level of the file; a block may use other blocks");
    }
    while (!at(TokenKind::Newline) && !at(TokenKind::End)) {
      if (at(TokenKind::Invalid)) return ++silent_failures_, false;
      def.body.push_back(take());
    }
    def.body.push_back(take());  // the Newline: each statement of the body ends in one
    ++def.statements;
    return true;
  }

  void skip_block() {
    while (!at(TokenKind::End) && !(at_ident("end") && at_line_end(1))) take();
    take();
  }

  bool check_block_name(BlockDef& def) {
    if (find_op(def.name) || def.name == "Sequential")
      return fail(def.span, fmt::format("block `{}` has the name of a layer", def.name),
                  fmt::format("rename the block, e.g. `{}Block`", def.name));
    auto it = shared_.blocks.find(def.name);
    if (it != shared_.blocks.end()) {
      Diagnostic& d = diags_.error(def.span, fmt::format("block `{}` is defined twice", def.name),
                                   "rename one of them");
      d.labels.push_back(Label{it->second.span, "first defined here"});
      return false;
    }
    if (def.inputs.empty()) def.inputs.emplace_back("x", def.span);
    return true;
  }

  // layer   := [targets '='] call ['*' expr | '(' [IDENT {',' IDENT}] ')']
  // targets := IDENT {',' IDENT}
  void layer(Program& prog) {
    Span start = cur().span;
    std::vector<OutputDecl>& targets = targets_;  // reused: its room stays from line to line
    targets.clear();
    if (at(TokenKind::Ident) &&
        (ahead(1).kind == TokenKind::Equals || ahead(1).kind == TokenKind::Comma)) {
      if (!names_list(targets, "before '='", "write `a, b = Block(...)`") ||
          !expect(TokenKind::Equals, "'='", "write `name = Op(...)`"))
        return;
      scope_.used.prefetch(targets[0].name);  // claimed once the call is read
    }
    if (!at(TokenKind::Ident)) {
      error_here("expected a layer call like `Conv2d(1, 32, 5)`",
                 "statements are `name = Op(args)`, `input [...]`, `output name` or `model Name`");
      return;
    }
    Call call;
    if (!call_expr(call)) return;
    std::vector<OutputDecl> tensors;
    std::vector<InputRole> roles;
    bool applied = false;
    if (at(TokenKind::Star)) {
      take();
      if (!repeat_count(call)) return;
    } else if (at(TokenKind::LParen)) {
      take();
      applied = true;
      if (!tensor_arguments(call, tensors, roles)) return;
    }
    seen_statement_ = true;
    ++scope_.position;
    apply(prog, start, targets, call, applied, tensors, roles);
  }

  // tensor_arguments := [tensor {',' tensor}] ')'   tensor := [IDENT '='] IDENT
  // A tensor by keyword is one of nn.MultiheadAttention's masks (`attn_mask=m`) or EmbeddingBag's
  // offsets= or per_sample_weights=; `roles` then says what each tensor is (empty when all are
  // positional).
  bool tensor_arguments(const Call& call, std::vector<OutputDecl>& tensors,
                        std::vector<InputRole>& roles) {
    while (!at(TokenKind::RParen)) {
      if (!at(TokenKind::Ident)) {
        error_here("expected a tensor name",
                   "apply a module to named tensors: `Conv2d(1, 8, 3)(x)`");
        return false;
      }
      InputRole role;
      if (ahead(1).kind == TokenKind::Equals) {
        if (!tensor_keyword(call, role, roles, tensors.size())) return false;
        take();
        take();
        if (!at(TokenKind::Ident)) {
          error_here("expected a tensor name", "give the mask as a tensor: `attn_mask=mask`");
          return false;
        }
        roles.resize(tensors.size());  // the positional ones before it
      } else if (!roles.empty()) {
        return fail(cur().span, "positional argument follows keyword argument",
                    "give the tensors by position first, then the masks by keyword");
      }
      tensors.push_back(OutputDecl{std::string(cur().text), cur().span});
      if (!roles.empty() || role.kind != InputRole::positional) roles.push_back(role);
      take();
      if (!accept(TokenKind::Comma)) break;
    }
    return expect(TokenKind::RParen, "')' closing the tensor arguments", "close it with ')'");
  }

  // The tensor a keyword at the current token names: one of nn.MultiheadAttention's masks, as its
  // forward binds them, or EmbeddingBag's offsets or per-sample weights (`bag(ids,
  // per_sample_weights=w)`).
  bool tensor_keyword(const Call& call, InputRole& role, const std::vector<InputRole>& roles,
                      size_t given) {
    std::string_view k = cur().text;
    if (call.op == "EmbeddingBag" && !call.sequential) {
      if (k == "offsets" && given == 1) return true;  // the second tensor, as by position
      if (k != "per_sample_weights")
        return fail(
            cur().span,
            fmt::format("EmbeddingBag.forward() got an unexpected keyword argument '{}'", k),
            "its tensors are the indices and the offsets by position, then "
            "per_sample_weights=");
      role.kind = InputRole::per_sample_weights;
      if (!roles.empty() && roles.back().kind == role.kind)
        return fail(cur().span, "keyword argument repeated: per_sample_weights",
                    "give the weights once");
      return true;
    }
    if (call.op != "MultiheadAttention" || call.sequential) {
      return fail(cur().span, fmt::format("`{}` takes its tensors by position", call.op),
                  "only MultiheadAttention (its masks) and EmbeddingBag (per_sample_weights) "
                  "take tensors by keyword: write `(x)`");
    }
    role.kind = k == "key_padding_mask" ? InputRole::key_padding_mask
                : k == "attn_mask"      ? InputRole::attn_mask
                                        : InputRole::positional;
    if (role.kind == InputRole::positional) {
      return fail(cur().span,
                  fmt::format("MultiheadAttention.forward() got an unexpected keyword argument "
                              "'{}'",
                              k),
                  "its tensors are query, key and value by position, then key_padding_mask= "
                  "and attn_mask=");
    }
    for (const InputRole& r : roles) {
      if (r.kind == role.kind) {
        return fail(cur().span, fmt::format("keyword argument repeated: {}", k),
                    "give each mask once");
      }
    }
    return true;
  }

  // call := qualname '(' [args] ')' | 'Sequential' '(' [item {',' item}] ')'
  // item := [IDENT '='] call ['*' expr]
  bool call_expr(Call& call) {
    if (nesting_ >= kMaxNesting)
      return fail(cur().span, "Sequential nested too deeply", "use blocks to nest modules");
    qualname(call);
    if (!at(TokenKind::LParen)) {  // the help is formatted only when it is shown
      error_here("expected '(' after the op name", fmt::format("call it: `{}(...)`", call.op));
      return false;
    }
    take();
    if (call.op == "Sequential") {
      call.sequential = true;
      ++nesting_;
      bool ok = sequential_items(call);
      --nesting_;
      if (!ok) return false;
    } else if (!args(call.args, TokenKind::RParen)) {
      return false;
    }
    call.span = widen(call.op_span, tokens_.at(pos_ - 1).span);
    return true;
  }

  bool sequential_items(Call& call) {
    while (!at(TokenKind::RParen)) {
      if (too_many(call.items.size(), "modules in one Sequential")) return false;
      if (!at(TokenKind::Ident)) {
        error_here("expected a module like `Conv2d(1, 8, 3)`",
                   "Sequential takes modules: `Sequential(Conv2d(1, 8, 3), ReLU())`");
        return false;
      }
      call.items.emplace_back();
      Call& item = call.items.back();
      if (ahead(1).kind == TokenKind::Equals) {  // a named child, as OrderedDict names them
        item.name = take().text;
        take();
        if (!at(TokenKind::Ident)) {
          error_here("expected a module after '='", "write `Sequential(conv=Conv2d(1, 8, 3))`");
          return false;
        }
      }
      if (!call_expr(item)) return false;
      if (at(TokenKind::Star) && !item.name.empty())
        return fail(cur().span, "a named module of Sequential cannot repeat",
                    "repeat unnamed modules only: `Block(...) * 3`");
      if (accept(TokenKind::Star) && !repeat_count(item)) return false;
      if (!accept(TokenKind::Comma)) break;
    }
    return expect(TokenKind::RParen, "',' or ')' in Sequential", "close it with ')'");
  }

  bool repeat_count(Call& call) {
    size_t before = failures();
    Value n = expr();
    if (failures() != before) return false;
    if (n.kind != Value::Kind::Int || n.i < 0)
      return fail(n.span, fmt::format("a repeat count is a whole number, found {}", to_source(n)),
                  fmt::format("write `{}(...) * 3`", call.op));
    call.repeat = n.i;
    call.repeated = true;
    return true;
  }

  // qualname := IDENT {'.' IDENT}
  void qualname(Call& call) {
    Span first = cur().span;
    std::string_view first_text = take().text;  // a view of the source: stays valid
    call.op_span = first;
    if (!at(TokenKind::Dot) || ahead(1).kind != TokenKind::Ident) {  // `Conv2d`: nothing to strip
      call.op.assign(first_text);
      return;
    }
    std::string full(first_text);
    Span last = first;
    while (at(TokenKind::Dot) && ahead(1).kind == TokenKind::Ident) {
      take();
      (full += '.') += cur().text;
      last = take().span;
    }
    call.op = strip_op_prefix(full);
    call.op_span.length =
        last.line == first.line ? last.column + last.length - first.column : first.length;
  }

  // ---- What a statement does: a layer of the program, or a use of a block or Sequential ----

  void apply(Program& prog, Span start, const std::vector<OutputDecl>& targets, Call& call,
             bool applied, const std::vector<OutputDecl>& tensors,
             const std::vector<InputRole>& roles) {
    auto block = shared_.blocks.find(call.op);
    bool is_block = block != shared_.blocks.end();
    if (targets.size() > 1 &&
        (!is_block || call.repeated || block->second.outputs.size() != targets.size())) {
      fail(targets[1].span,
           fmt::format("`{}` returns one tensor; only a block with {} outputs assigns {} names",
                       call.op, targets.size(), targets.size()),
           fmt::format("name one tensor: `{} = {}(...)`", targets[0].name, call.op));
      return;
    }
    if (!call.sequential && !call.repeated && !is_block)
      return layer_statement(prog, start, targets, call, applied, tensors, roles);
    if (shared_.stopped || (is_block && block->second.failed)) {
      ++silent_failures_;
      return;
    }
    std::vector<std::string> inputs;
    if (!use_inputs(applied, tensors, call.op_span, inputs)) return;
    std::string local = targets.empty() ? fresh_name(call.op) : targets[0].name;
    if (!targets.empty() && !claim(local, targets[0].span, true)) return;  // fresh_name took it
    std::string path = scope_.prefix + local;
    std::vector<std::string> outputs;
    if (call.sequential || call.repeated) {
      if (inputs.size() != 1)
        return void(fail(call.op_span, "Sequential and repeats take one tensor",
                         "apply it to one tensor: `Sequential(...)(x)`"));
      auto out = use_sequential(prog, call, path, scope_.module, inputs[0]);
      if (!out) return;
      outputs.push_back(*out);
    } else {
      auto outs = use_block(prog, block->second, call, path, scope_.module, inputs);
      if (!outs) return;
      outputs = std::move(*outs);
    }
    for (size_t i = 0; i < targets.size() && i < outputs.size(); ++i) {
      if (i > 0 && !claim(targets[i].name, targets[i].span, true)) return;
      scope_.tensors[targets[i].name] = outputs[i];
    }
    if (targets.empty()) scope_.tensors[local] = outputs[0];
    scope_.previous = outputs[0];
  }

  // A layer of the program, named in this scope (`layer1.0.conv1` inside a block). Built in
  // place at the end of the program's statements (a Statement is large), and taken back when
  // it fails.
  void layer_statement(Program& prog, Span start, const std::vector<OutputDecl>& targets,
                       Call& call, bool applied, const std::vector<OutputDecl>& tensors,
                       const std::vector<InputRole>& roles) {
    Statement& st = prog.statements.emplace_back();
    if (!fill_layer(st, start, targets, call, applied, tensors)) {
      prog.statements.pop_back();
      return;
    }
    if (!roles.empty()) st.extras_for_write().input_roles = roles;
    // It reads `previous` unless it reads its own inputs, or `previous` is the statement before.
    size_t n = prog.statements.size();
    if (!scope_.previous.empty() && (n < 2 || prog.statements[n - 2].name != scope_.previous))
      st.previous = scope_.previous;
    st.module = scope_.module;
    scope_.previous = st.name;
  }

  // Takes the call's op and arguments.
  bool fill_layer(Statement& st, Span start, const std::vector<OutputDecl>& targets, Call& call,
                  bool applied, const std::vector<OutputDecl>& tensors) {
    st.span = start;
    st.op = std::move(call.op);
    st.op_span = call.op_span;
    st.args = std::move(call.args);
    st.inputs_explicit = applied;
    std::vector<OutputDecl> einsum_operands;
    if (!applied && einsum_operands_of(st, einsum_operands)) {
      st.inputs_explicit = true;
      return fill_layer_inputs(st, targets, einsum_operands);
    }
    return fill_layer_inputs(st, targets, tensors);
  }

  // `einsum('ij,jk->ik', a, b)` takes its equation first and its operands after it, as
  // torch.einsum does: those (names written after the equation) are its inputs. False for every
  // other call, and for an einsum of the previous output alone (`einsum('ij->ji')`).
  static bool einsum_operands_of(Statement& st, std::vector<OutputDecl>& operands) {
    if (st.op != "einsum" || st.args.size() < 2 || !st.args[0].keyword.empty()) return false;
    size_t end = 1;
    while (end < st.args.size() && st.args[end].keyword.empty() &&
           st.args[end].value.kind == Value::Kind::Ident)
      ++end;
    if (end == 1) return false;
    for (size_t i = 1; i < end; ++i)
      operands.push_back(OutputDecl{st.args[i].value.s, st.args[i].value.span});
    st.args.erase(st.args.begin() + 1, st.args.begin() + static_cast<std::ptrdiff_t>(end));
    return true;
  }

  // The statement's name and inputs.
  bool fill_layer_inputs(Statement& st, const std::vector<OutputDecl>& targets,
                         const std::vector<OutputDecl>& tensors) {
    std::string local;
    if (!targets.empty()) {
      local = targets[0].name;
      st.named = true;
      if (!claim(local, targets[0].span)) return false;
    } else {
      local = fresh_name(st.op);
    }
    for (const OutputDecl& t : tensors) {
      std::string name = tensor_of(t.name, t.span);
      if (name.empty()) return false;
      st.inputs.push_back(std::move(name));
      st.input_spans.push_back(t.span);
      if (scope_.block) st.extras_for_write().inputs_written.push_back(t.name);
    }
    if (scope_.block || !scope_.tensors.empty())
      for (Arg& a : st.args)
        if (!tensor_names_in(a.value)) return false;
    st.name = scope_.prefix + local;
    if (scope_.block) scope_.tensors[local] = st.name;
    return true;
  }

  // `<op><position>`, with `_2`, `_3` when that name is taken, as lowering names them.
  std::string fresh_name(const std::string& op) {
    std::string base = auto_name(op, scope_.position);
    std::string name = base;
    for (int k = 2; scope_.used.contains(name); ++k) name = fmt::format("{}_{}", base, k);
    scope_.used.insert(name);
    return name;
  }

  // Takes a written name; a name is given once. At the top level a layer's name written twice is
  // lowering's to report (where the table shows it, as before blocks); a use of a block or
  // Sequential (`module`), or a name one of them took, is reported here.
  bool claim(const std::string& name, Span span, bool module = false) {
    if (scope_.block && scope_.params.count(name))  // `c` would then mean two things
      return fail(span,
                  fmt::format("'{}' is a parameter of block `{}`; a layer cannot take its name",
                              name, scope_.block->name),
                  fmt::format("rename the layer, e.g. `{}_out = ...`", name));
    if (scope_.used.insert(name).second) return true;
    if (!scope_.block && !module && !scope_.tensors.count(name)) return true;
    std::string where = scope_.block ? fmt::format(" in block `{}`", scope_.block->name) : "";
    return fail(span, fmt::format("the name '{}' is used twice{}", name, where),
                fmt::format("rename this one, e.g. `{}_2 = ...`", name));
  }

  // The program's name of a tensor this scope calls `local`; "" (and an error) if none.
  std::string tensor_of(const std::string& local, Span span) {
    auto it = scope_.tensors.find(local);
    if (it != scope_.tensors.end()) return it->second;
    if (!scope_.block) return local;  // the top level's names are the program's: lowering checks
    if (scope_.params.count(local)) {
      fail(
          span,
          fmt::format("'{}' is a parameter of block `{}`, not a tensor", local, scope_.block->name),
          fmt::format("apply the layer to a tensor: {}", known_names(false)));
      return "";
    }
    std::string near = nearest_name(local, names_in(scope_, true));
    fail(span, fmt::format("name '{}' is not defined in block `{}`", local, scope_.block->name),
         near.empty()
             ? fmt::format("a block sees its inputs, layers and parameters: {}", known_names(true))
             : fmt::format("did you mean '{}'?", near));
    return "";
  }

  // Rewrites the tensor names in an argument (`add(bn2, x)`) to the program's.
  bool tensor_names_in(Value& v) {
    if (v.is_sequence()) {
      for (Value& item : v.items)
        if (!tensor_names_in(item)) return false;
      return true;
    }
    if (v.kind != Value::Kind::Ident) return true;
    if (!scope_.block) {
      auto it = scope_.tensors.find(v.s);
      if (it != scope_.tensors.end()) v.s = it->second;
      return true;
    }
    // The batch symbol by name (`view(B, -1)`) stays a name.
    if (!scope_.tensors.count(v.s) && !scope_.params.count(v.s) &&
        std::find(shared_.symbols.begin(), shared_.symbols.end(), v.s) != shared_.symbols.end())
      return true;
    v.s = tensor_of(v.s, v.span);
    return !v.s.empty();
  }

  // The names a block's statements may use, sorted (suggestions must not depend on hashing).
  static std::vector<std::string> names_in(const Scope& scope, bool with_params) {
    std::vector<std::string> names;
    for (const auto& [name, _] : scope.tensors) names.push_back(name);
    if (with_params)
      for (const auto& [name, _] : scope.params) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
  }

  // The first few of them, for a help line.
  std::string known_names(bool with_params) const {
    std::vector<std::string> names = names_in(scope_, with_params);
    std::string out;
    for (size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
    return out;
  }

  bool use_inputs(bool applied, const std::vector<OutputDecl>& tensors, Span at,
                  std::vector<std::string>& inputs) {
    for (const OutputDecl& t : tensors) {
      std::string name = tensor_of(t.name, t.span);
      if (name.empty()) return false;
      if (!scope_.block && !scope_.used.contains(name) && !scope_.tensors.count(t.name)) {
        std::vector<std::string> known(scope_.used.all().begin(), scope_.used.all().end());
        std::sort(known.begin(), known.end());
        std::string near = nearest_name(t.name, known);
        return fail(t.span, fmt::format("unknown tensor '{}'", t.name),
                    near.empty() ? "use the name of an input or of an earlier layer"
                                 : fmt::format("did you mean '{}'?", near));
      }
      inputs.push_back(std::move(name));
    }
    if (applied) return true;
    if (!scope_.previous.empty()) {
      inputs.push_back(scope_.previous);
      return true;
    }
    return fail(at, "there is no tensor to apply this to",
                "declare the model's input first: `input x: [1, 3, 224, 224]`");
  }
  // ---- Expansion: a use of a block or Sequential becomes statements in a module ----

  // Expands a use of `def` at `path` reading `inputs` (the program's tensors): binds its
  // parameters, then reads its body with a parser of its own. Returns its outputs' names.
  std::optional<std::vector<std::string>> use_block(Program& prog, BlockDef& def, const Call& call,
                                                    const std::string& path, int parent,
                                                    std::vector<std::string> inputs) {
    if (!may_expand(prog, def, call)) return std::nullopt;
    if (inputs.size() != def.inputs.size()) {
      fail(call.op_span,
           fmt::format("block `{}` takes {} input tensor{} but {} {} given", def.name,
                       def.inputs.size(), def.inputs.size() == 1 ? "" : "s", inputs.size(),
                       inputs.size() == 1 ? "was" : "were"),
           fmt::format("apply it to {}: `{}(...)({})`",
                       def.inputs.size() == 1 ? "one tensor" : "its inputs", def.name,
                       input_list(def)));
      return std::nullopt;
    }
    Scope inner;
    inner.block = &def;
    inner.path = path;
    inner.prefix = path + ".";
    BlockExpansion made;
    made.first_origin = prog.origins.size();
    if (!bind_params(prog, def, call, inner)) return std::nullopt;
    std::string key = expansion_key(def, call, inner);
    BlockUseSite use{path, parent, call.span, inputs, made.first_origin};
    if (auto copy = copy_expanded(prog, def, key, use)) return copy;
    made.bound_origins_end = prog.origins.size();
    made.first_statement = prog.statements.size();
    inner.module = add_module(prog, path, def.name, parent, call);
    for (size_t i = 0; i < inputs.size(); ++i) {
      inner.tensors[def.inputs[i].first] = inputs[i];
      inner.used.insert(def.inputs[i].first);
    }
    inner.previous = inputs[0];
    size_t before = diags_.count();
    size_t level = shared_.active.size(), first_checked = shared_.checked.size();
    size_t deepest_outside = std::exchange(shared_.deepest, level);
    shared_.active.push_back(&def);
    Parser body(Fill{nullptr, &def.body, 0}, shared_, inner);
    body.statements(prog);
    shared_.active.pop_back();
    size_t depth_below = shared_.deepest - level;
    shared_.deepest = std::max(deepest_outside, shared_.deepest);
    std::vector<std::string> outputs;
    bool ok = !body.has_failed_since(before) && block_outputs(def, inner, outputs);
    if (!ok) {
      label_use(before, call, path, def);
      def.failed = true;
      ++silent_failures_;
      return std::nullopt;
    }
    if (outputs.size() == 1) prog.modules[static_cast<size_t>(inner.module)].output = outputs[0];
    made.first_module = static_cast<size_t>(inner.module);
    made.path = path;
    made.inputs = std::move(use.inputs);
    made.outputs = outputs;
    remember_expansion(prog, def, std::move(key), std::move(made), depth_below, first_checked);
    if (shared_.active.empty()) shared_.checked.clear();
    return outputs;
  }

  // What decides what a use's body becomes: which parameter each argument binds, in order (their
  // origins are made in that order), and the value each parameter has in the body, where it
  // takes the span of the name that reads it (so a top-level span does not count, nor a
  // top-level origin: it is this use's own).
  static std::string expansion_key(const BlockDef& def, const Call& call, const Scope& inner) {
    std::string key;
    for (const Arg& a : call.args) (key += a.keyword) += ',';
    for (const BlockParam& p : def.params) append_key(key, inner.params.at(p.name), false);
    return key;
  }

  static void append_key(std::string& key, const Value& v, bool item) {
    auto bytes = [&key](const auto& x) { key.append(reinterpret_cast<const char*>(&x), sizeof x); };
    bytes(v.kind);
    bytes(v.i);
    bytes(v.f);
    bytes(v.b);
    bytes(v.s.size());
    key += v.s;
    if (item) {
      bytes(v.span);
      bytes(v.origin);
    }
    bytes(v.items.size());
    for (const Value& x : v.items) append_key(key, x, true);
  }

  // Keeps a use just read for later uses with the same key, when its copy can be renamed: the
  // tensors it read are distinct and none is a batch symbol (`B` could then mean either).
  void remember_expansion(Program& prog, BlockDef& def, std::string key, BlockExpansion made,
                          size_t depth_below, size_t first_checked) {
    for (size_t i = 0; i < made.inputs.size(); ++i) {
      const std::string& in = made.inputs[i];
      if (std::count(made.inputs.begin(), made.inputs.end(), in) > 1 ||
          std::find(shared_.symbols.begin(), shared_.symbols.end(), in) != shared_.symbols.end())
        return;
    }
    made.statements_end = prog.statements.size();
    made.modules_end = prog.modules.size();
    made.origins_end = prog.origins.size();
    ExpandedUse kept{std::move(made), depth_below, {}};
    for (size_t i = first_checked; i < shared_.checked.size(); ++i)
      if (std::find(kept.blocks_inside.begin(), kept.blocks_inside.end(), shared_.checked[i]) ==
          kept.blocks_inside.end())
        kept.blocks_inside.push_back(shared_.checked[i]);
    def.expanded.emplace(std::move(key), std::move(kept));
  }

  // A copy of an earlier use with the same key, when reading the body again would make exactly
  // it: the limits it would meet are not met, no block it uses is being expanded around it (that
  // would be a block using itself), and binding made as many origins.
  std::optional<std::vector<std::string>> copy_expanded(Program& prog, const BlockDef& def,
                                                        const std::string& key,
                                                        const BlockUseSite& use) {
    auto it = def.expanded.find(key);
    if (it == def.expanded.end()) return std::nullopt;
    const ExpandedUse& e = it->second;
    const BlockExpansion& m = e.made;
    size_t statements = prog.statements.size() + (m.statements_end - m.first_statement);
    size_t modules = prog.modules.size() + (m.modules_end - m.first_module);
    size_t level = shared_.active.size();
    bool fits = statements + modules < limits::kMaxBlockExpansion &&
                statements <= limits::kMaxStatements &&
                level + e.depth_below < static_cast<size_t>(limits::kMaxBlockDepth) &&
                prog.origins.size() - use.first_origin == m.bound_origins_end - m.first_origin;
    for (const BlockDef* inside : e.blocks_inside)
      fits = fits && std::find(shared_.active.begin(), shared_.active.end(), inside) ==
                         shared_.active.end();
    if (!fits) return std::nullopt;
    shared_.deepest = std::max(shared_.deepest, level + e.depth_below);
    shared_.checked.insert(shared_.checked.end(), e.blocks_inside.begin(), e.blocks_inside.end());
    std::vector<std::string> outputs = copy_expansion(prog, m, use);
    if (shared_.active.empty()) shared_.checked.clear();
    return outputs;
  }

  bool has_failed_since(size_t diagnostics_before) const {
    return silent_failures_ > 0 || diags_.count() != diagnostics_before;
  }

  static std::string input_list(const BlockDef& def) {
    std::string out;
    for (size_t i = 0; i < def.inputs.size(); ++i) out += (i ? ", " : "") + def.inputs[i].first;
    return out;
  }

  // Refuses a block that uses itself, nesting too deep, and expansion past its limit.
  bool may_expand(Program& prog, const BlockDef& def, const Call& call) {
    shared_.deepest = std::max(shared_.deepest, shared_.active.size());
    shared_.checked.push_back(&def);
    if (std::find(shared_.active.begin(), shared_.active.end(), &def) != shared_.active.end()) {
      std::string chain;
      for (const BlockDef* b : shared_.active) chain += b->name + " -> ";
      Diagnostic& d = diags_.error(call.op_span, fmt::format("block `{}` uses itself", def.name),
                                   "a block cannot use itself, directly or through other blocks");
      d.notes.push_back("uses: " + chain + def.name);
      return false;
    }
    if (shared_.active.size() >= static_cast<size_t>(limits::kMaxBlockDepth))
      return fail(
          call.op_span,
          fmt::format("blocks used inside blocks more than {} deep", limits::kMaxBlockDepth),
          "flatten the nesting (docs/limits.md lists every limit)");
    return within_limit(prog, call);
  }

  bool within_limit(Program& prog, const Call& call) {
    if (prog.statements.size() + prog.modules.size() < limits::kMaxBlockExpansion) return true;
    shared_.stopped = true;
    return fail(call.op_span,
                fmt::format("the uses of blocks expand to more than {} layers and modules",
                            with_commas(static_cast<int64_t>(limits::kMaxBlockExpansion))),
                "use fewer repeats (docs/limits.md lists every limit)");
  }

  // Python's binding of a call's arguments to the block's parameters, with Python's errors.
  bool bind_params(Program& prog, const BlockDef& def, const Call& call, Scope& inner) {
    size_t positional = 0;
    std::vector<bool> bound(def.params.size(), false);
    for (const Arg& a : call.args) {
      size_t i = 0;
      if (a.keyword.empty()) {
        if (positional >= def.params.size())
          return fail(a.span,
                      fmt::format("{}() takes {} positional argument{} but {} were given", def.name,
                                  def.params.size(), def.params.size() == 1 ? "" : "s",
                                  std::count_if(call.args.begin(), call.args.end(),
                                                [](const Arg& x) { return x.keyword.empty(); })),
                      fmt::format("the block is {}", signature(def)));
        i = positional++;
      } else {
        auto it = std::find_if(def.params.begin(), def.params.end(),
                               [&](const BlockParam& p) { return p.name == a.keyword; });
        if (it == def.params.end()) {
          std::vector<std::string> names;
          for (const BlockParam& p : def.params) names.push_back(p.name);
          std::string near = nearest_name(a.keyword, names);
          return fail(
              a.span,
              fmt::format("{}() got an unexpected keyword argument '{}'", def.name, a.keyword),
              near.empty() ? fmt::format("the block is {}", signature(def))
                           : fmt::format("did you mean '{}'?", near));
        }
        i = static_cast<size_t>(it - def.params.begin());
        if (bound[i])
          return fail(
              a.span,
              fmt::format("{}() got multiple values for argument '{}'", def.name, a.keyword),
              "give each argument once");
      }
      if (a.value.kind == Value::Kind::Ident)
        return fail(
            a.value.span,
            fmt::format("{}() argument '{}' is the name '{}': a block's arguments are "
                        "values, its tensors are applied",
                        def.name, def.params[i].name, a.value.s),
            fmt::format("apply the block to the tensor: `{}(...)({})`", def.name, a.value.s));
      bound[i] = true;
      inner.params[def.params[i].name] = passed(prog, a.value, def.params[i].name, call);
    }
    for (size_t i = 0; i < def.params.size(); ++i) {
      if (bound[i]) continue;
      if (!def.params[i].default_value)
        return fail(
            call.op_span,
            fmt::format("{}() missing required argument: '{}'", def.name, def.params[i].name),
            fmt::format("the block is {}", signature(def)));
      inner.params[def.params[i].name] = *def.params[i].default_value;
    }
    return true;
  }

  static std::string signature(const BlockDef& def) {
    std::string out = def.name + "(";
    for (size_t i = 0; i < def.params.size(); ++i) {
      out += (i ? ", " : "") + def.params[i].name;
      if (def.params[i].default_value) out += "=" + to_source(*def.params[i].default_value);
    }
    return out + ")";
  }

  // The value as the block sees it: it remembers that it was passed as `param` here.
  Value passed(Program& prog, Value v, const std::string& param, const Call& call) {
    ValueOrigin o;
    o.param = param;
    o.argument = v.span;
    o.parent = v.origin;
    set_use_site_line(o, shared_.src.line_text(v.span.line), call.span);
    v.origin = static_cast<int>(prog.origins.size());
    prog.origins.push_back(std::move(o));
    return v;
  }

  int add_module(Program& prog, const std::string& path, const std::string& kind, int parent,
                 const Call& call) {
    ModuleDecl m;
    m.path = path;
    m.kind = kind;
    m.parent = parent;
    m.constructed_at = call.span;
    m.applied_at = call.span;
    m.first_statement = prog.statements.size();
    prog.modules.push_back(std::move(m));
    return static_cast<int>(prog.modules.size() - 1);
  }

  // The block's outputs as the program names them: `output a, b`, or its last layer's.
  bool block_outputs(const BlockDef& def, Scope& inner, std::vector<std::string>& outputs) {
    if (def.outputs.empty()) {
      outputs.push_back(inner.previous);
      return true;
    }
    for (const OutputDecl& o : def.outputs) {
      auto it = inner.tensors.find(o.name);
      if (it != inner.tensors.end()) {
        outputs.push_back(it->second);
        continue;
      }
      std::string near = nearest_name(o.name, names_in(inner, false));
      return fail(o.span,
                  fmt::format("`output {}` names no tensor of block `{}`", o.name, def.name),
                  near.empty() ? "name one of the block's inputs or layers"
                               : fmt::format("did you mean '{}'?", near));
    }
    return true;
  }

  // Each error a use's body produced also points at the use (innermost use first).
  void label_use(size_t before, const Call& call, const std::string& path, const BlockDef& def) {
    auto& items = diags_.items();
    for (size_t i = std::min(before, items.size()); i < items.size(); ++i)
      items[i].labels.push_back(
          Label{call.span, fmt::format("in `{}` ({}), used here", path, def.name)});
  }

  // Expands `Sequential(items)` (or `Call * n`) at `path`: children named 0, 1, ..., each
  // reading the one before. Returns the last one's output.
  std::optional<std::string> use_sequential(Program& prog, const Call& call,
                                            const std::string& path, int parent,
                                            std::string current) {
    if (!within_limit(prog, call)) return std::nullopt;
    int module = add_module(prog, path, "Sequential", parent, call);
    std::vector<const Call*> children;
    if (call.sequential) {
      for (const Call& item : call.items)
        for (int64_t k = 0; k < item.repeat && children.size() < limits::kMaxBlockExpansion; ++k)
          children.push_back(&item);
    } else {
      for (int64_t k = 0; k < call.repeat && children.size() < limits::kMaxBlockExpansion; ++k)
        children.push_back(&call);
    }
    reserve_for(prog, children);
    // Only written names can clash: a numbered one is digits, a written one an identifier.
    std::unordered_set<std::string> names;
    for (size_t i = 0; i < children.size(); ++i) {
      const Call& child = *children[i];
      std::string name = child.name.empty() ? std::to_string(i) : child.name;
      if (!child.name.empty() && !names.insert(name).second) {
        fail(child.op_span, fmt::format("two modules of Sequential are named '{}'", name),
             "give each its own name");
        return std::nullopt;
      }
      auto out = sequential_child(prog, child, path + "." + name, module, current);
      if (!out) return std::nullopt;
      current = std::move(*out);
    }
    prog.modules[static_cast<size_t>(module)].output = current;
    return current;
  }

  // Room for the statements a Sequential's children make at least, so a long repeat does not
  // move the program's statements again and again as it grows.
  void reserve_for(Program& prog, const std::vector<const Call*>& children) const {
    size_t more = 0;
    for (const Call* child : children) {
      auto block = shared_.blocks.find(child->op);
      more += block != shared_.blocks.end() ? block->second.statements : 1;
    }
    size_t want = std::min(prog.statements.size() + more, limits::kMaxBlockExpansion);
    if (want > prog.statements.capacity()) prog.statements.reserve(want);
  }

  std::optional<std::string> sequential_child(Program& prog, const Call& child,
                                              const std::string& path, int module,
                                              const std::string& input) {
    if (child.sequential) return use_sequential(prog, child, path, module, input);
    auto block = shared_.blocks.find(child.op);
    if (block != shared_.blocks.end()) {
      if (block->second.outputs.size() > 1) {
        fail(child.op_span,
             fmt::format("block `{}` returns {} tensors; in Sequential each module returns one",
                         child.op, block->second.outputs.size()),
             "use it on a line of its own: `a, b = Block(...)`");
        return std::nullopt;
      }
      auto outs = use_block(prog, block->second, child, path, module, {input});
      if (!outs) return std::nullopt;
      return (*outs)[0];
    }
    if (child.op.empty() || !std::isupper(static_cast<unsigned char>(child.op[0]))) {
      fail(child.op_span, fmt::format("`{}` is a function; Sequential holds modules", child.op),
           "use its module, e.g. `Flatten()` for `flatten(1)`");
      return std::nullopt;
    }
    if (!within_limit(prog, child)) return std::nullopt;
    Statement st;
    st.span = child.span;
    st.op = child.op;
    st.op_span = child.op_span;
    st.args = child.args;
    for (Arg& a : st.args)
      if (!tensor_names_in(a.value)) return std::nullopt;
    st.name = path;
    st.previous = input;
    st.module = module;
    prog.statements.push_back(std::move(st));
    return path;
  }

  // After the file: a block used above its definition, and the outputs by their program names.
  void finish_blocks(Program& prog) {
    for (const Statement& st : prog.statements) {
      if (shared_.blocks.count(st.op)) {
        fail(st.op_span, fmt::format("block `{}` is used before its definition", st.op),
             fmt::format("move `block {}(...):` above its first use", st.op));
        return;
      }
    }
    for (OutputDecl& o : prog.outputs) {
      auto it = scope_.tensors.find(o.name);
      if (it != scope_.tensors.end()) o.name = it->second;
    }
    // The default output is the last statement's: after a use, the use's output is.
    if (prog.outputs.empty() && !prog.statements.empty() &&
        prog.statements.back().name != scope_.previous)
      prog.outputs.push_back(OutputDecl{scope_.previous, Span{}});
  }

  // args := [arg {',' arg} [',']]      arg := [IDENT '='] expr
  // `out` gets exactly its arguments (keep_exact): no allocation for `ReLU()`.
  bool args(std::vector<Arg>& out, TokenKind close) {
    std::vector<Arg> parsed = take_scratch(arg_scratch_);
    bool ok = arg_list(parsed, close);
    keep_exact(out, parsed, arg_scratch_);
    return ok;
  }

  // Each argument is built where it is kept: a Value is written field by field, and moving one
  // just written reads those fields back as wider words, which the CPU cannot forward from its
  // pending stores (it stalls until they land). Most arguments are a lone value (`16`, `x`),
  // written straight into its Arg.
  bool arg_list(std::vector<Arg>& out, TokenKind close) {
    while (!at(close)) {
      if (too_many(out.size(), "arguments in one call")) return false;
      bool after_keyword = !out.empty() && !out.back().keyword.empty();
      Arg& a = out.emplace_back();
      a.span = cur().span;
      if (at(TokenKind::Ident) && ahead(1).kind == TokenKind::Equals) {
        a.keyword = keyword_name(take().text);
        take();
      } else if (after_keyword) {
        out.pop_back();
        diags_.error(cur().span, "positional argument follows keyword argument",
                     "put positional arguments before keyword arguments");
        return false;
      }
      size_t errors_before = failures();
      value_into(a.value);
      if (failures() != errors_before) {
        out.pop_back();
        return false;
      }
      int end = a.value.span.column + a.value.span.length;
      if (a.value.span.line == a.span.line) a.span.length = std::max(1, end - a.span.column);
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
    if (lone_value()) {  // most arguments: no operator chain to walk
      Value v = primary();
      --nesting_;
      return v;
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

  // expr(), written into `v` (a default Value): a lone value in place, the rest by expr().
  void value_into(Value& v) {
    if (nesting_ < kMaxNesting && lone_value()) return primary_into(v);
    v = expr();
  }

  // A value followed by `,` or a closing bracket (`16`, `'same'`, `x`): term() and unary() would
  // only pass primary()'s value through.
  bool lone_value() const {
    TokenKind k = cur().kind;
    if (k != TokenKind::Int && k != TokenKind::Float && k != TokenKind::String &&
        k != TokenKind::Ident && k != TokenKind::Question)
      return false;
    TokenKind next = ahead(1).kind;
    return next == TokenKind::Comma || next == TokenKind::RParen || next == TokenKind::RBracket;
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
    Value v;
    primary_into(v);
    return v;
  }

  // primary(), written into `v` (a default Value): a literal or name where it is kept.
  void primary_into(Value& v) {
    const Token& t = cur();
    v.span = t.span;
    switch (t.kind) {
      case TokenKind::Int:
        v.kind = Value::Kind::Int;
        v.i = t.int_value;
        take();
        return;
      case TokenKind::Float:
        v.kind = Value::Kind::Float;
        v.f = t.float_value;
        take();
        return;
      case TokenKind::String:
        v.kind = Value::Kind::String;
        v.s = t.text;
        take();
        return;
      case TokenKind::Question:
        v.kind = Value::Kind::Infer;
        take();
        return;
      case TokenKind::Ident:
        return identifier_into(v);
      case TokenKind::LParen:
        v = parenthesised();
        return;
      case TokenKind::LBracket:
        v = list_value();
        return;
      default:
        error_here("expected a value",
                   "values are numbers, (tuples), 'strings', True/False, None or ?");
        v = Value::none(t.span);
        return;
    }
  }

  // True, False, None, a block's parameter or a name, written into `v` (a default Value).
  void identifier_into(Value& v) {
    Token t = take();
    v.span = t.span;
    if (t.text == "True" || t.text == "False") {
      v.kind = Value::Kind::Bool;
      v.b = t.text == "True";
      return;
    }
    if (t.text == "None") return void(v.kind = Value::Kind::None);
    if (scope_.block) {
      // A block's parameter: the use's value, where it is used, still knowing where it came from.
      auto it = scope_.params.find(std::string(t.text));
      if (it != scope_.params.end()) {
        v = it->second;
        v.span = t.span;
        return;
      }
    }
    v.kind = Value::Kind::Ident;
    v.s = t.text;
  }

  Value parenthesised() {
    Span open = take().span;
    if (accept(TokenKind::RParen)) {
      Value v;
      v.kind = Value::Kind::Tuple;
      v.span = open;
      return v;
    }
    std::vector<Value> items = take_scratch(item_scratch_);
    value_into(items.emplace_back());  // the first item, or the one value in brackets
    if (accept(TokenKind::RParen)) {
      Value first = std::move(items[0]);
      item_scratch_ = std::move(items);  // its room, for the next tuple
      first.span = widen(open, first.span);
      return first;
    }
    while (accept(TokenKind::Comma)) {
      if (at(TokenKind::RParen)) break;
      if (too_many(items.size(), "elements in one tuple")) return Value::none(open);
      value_into(items.emplace_back());  // in place, as arg_list's
    }
    Value tup;
    tup.kind = Value::Kind::Tuple;
    tup.span = widen(open, cur().span);
    if (!expect(TokenKind::RParen, "',' or ')' in the tuple", "close the tuple with ')'"))
      return Value::none(open);
    keep_exact(tup.items, items, item_scratch_);
    return tup;
  }

  Value list_value() {
    Span open = take().span;
    std::vector<Value> items = take_scratch(item_scratch_);
    while (!at(TokenKind::RBracket)) {
      if (too_many(items.size(), "elements in one list")) return Value::none(open);
      value_into(items.emplace_back());
      if (!accept(TokenKind::Comma)) break;
    }
    Value list;
    list.kind = Value::Kind::List;
    list.span = widen(open, cur().span);
    if (!expect(TokenKind::RBracket, "',' or ']' in the list", "close the list with ']'"))
      return Value::none(open);
    keep_exact(list.items, items, item_scratch_);
    return list;
  }

  // Argument lists and tuple or list items last the whole run, so each is kept in one allocation
  // of exactly its size: read into a list whose room is reused (a nested one takes a fresh list),
  // then moved out.
  template <typename T>
  static std::vector<T> take_scratch(std::vector<T>& scratch) {
    std::vector<T> items = std::move(scratch);
    items.clear();
    return items;
  }
  template <typename T>
  static void keep_exact(std::vector<T>& out, std::vector<T>& items, std::vector<T>& scratch) {
    out.assign(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
    scratch = std::move(items);
  }
  static void keep_exact(ValueList& out, std::vector<Value>& items, std::vector<Value>& scratch) {
    out = std::vector<Value>(std::make_move_iterator(items.begin()),
                             std::make_move_iterator(items.end()));
    scratch = std::move(items);
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
  NsLexer tokenizer(src, diags);
  Shared shared(src, diags);
  Scope top;
  size_t lines = static_cast<size_t>(std::count(src.text().begin(), src.text().end(), '\n'));
  Parser parser(Parser::Fill{&tokenizer, nullptr, 0}, shared, top);
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
