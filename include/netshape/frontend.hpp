// Frontend for the .ns model language: lexer + recursive-descent parser -> Program.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/ir.hpp"
#include "netshape/source.hpp"

namespace netshape {

enum class TokenKind {
  Ident,
  Int,
  Float,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Equals,
  Colon,
  Dot,
  Plus,
  Minus,
  Star,
  SlashSlash,
  Slash,
  Percent,
  Question,
  Newline,
  End,
  Invalid
};

struct Token {
  TokenKind kind = TokenKind::End;
  // Identifier / string contents / number spelling / bad character: a view of the source text,
  // which outlives the tokens (block bodies keep tokens and read them again at every use).
  std::string_view text;
  int64_t int_value = 0;
  double float_value = 0.0;
  Span span;
};

// Produces .ns tokens on demand, one per call (End after the last, again and again), so the
// parser holds only the tokens it looks at. Newlines inside brackets are skipped (line
// continuation); `;` separates statements like a newline. Lexical errors go to `diags` as
// Invalid tokens.
class NsTokenizer {
 public:
  NsTokenizer(const SourceFile& src, Diagnostics& diags);
  ~NsTokenizer();
  NsTokenizer(const NsTokenizer&) = delete;
  NsTokenizer& operator=(const NsTokenizer&) = delete;
  Token next();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a whole .ns file. Returns nullopt when it has syntax errors (all reported).
std::optional<Program> parse_ns(const SourceFile& src, Diagnostics& diags);

// Parses "1x28x28" / "B,1,28,28" / "[B, 1, 28, 28]" (the --input option). Empty on error.
std::optional<std::vector<InputDim>> parse_dims_option(const std::string& text, std::string& error);

// One --input option: `[NAME=]DIMS[:DTYPE]`, e.g. "B,1,28,28", "mask=8,20", "ids=8,20:long",
// "[8, 20] torch.int64" (a dtype after the dims, as a `# input:` comment writes it).
struct InputOption {
  std::string text;  // as given, for messages
  std::string name;  // empty: the input at the option's position among the --input options
  std::vector<InputDim> dims;
  std::string dtype;  // a torch dtype, `torch.` included ("torch.int64"); empty: not given
};
std::optional<InputOption> parse_input_option(const std::string& text, std::string& error);
// The input each option sets, as indices into `inputs` (the model's input names in order): a
// named one the input of that name, another the input at its position. nullopt, with `error` and
// `help`, when a name is no input, a position is past the last input, or an input is set twice.
std::optional<std::vector<size_t>> input_option_targets(const std::vector<InputOption>& options,
                                                        const std::vector<std::string>& inputs,
                                                        std::string& error, std::string& help);

// Strips the `nn.` / `F.` / `torch.` / `torch.nn.functional.` prefixes accepted before op names.
std::string strip_op_prefix(const std::string& qualified);

}  // namespace netshape
