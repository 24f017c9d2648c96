// The .py parser reads the Python that model files are written in into a full AST (the base of
// the interpreter): control flow, imports, comparisons, comprehensions, slices, dicts, f-strings.
#include <doctest/doctest.h>

#include <string>

#include "netshape/python_frontend.hpp"

using namespace netshape;
using py::Expr;
using py::Stmt;

namespace {

py::Module parse(const std::string& text) {
  SourceFile src("m.py", text);
  Diagnostics diags;
  auto m = py::parse_module(src, diags);
  REQUIRE(diags.items().empty());
  REQUIRE(m);
  return std::move(*m);
}

Expr expr(const std::string& text) {
  py::Module m = parse("v = " + text + "\n");
  REQUIRE(m.body.size() == 1);
  REQUIRE(m.body[0].kind == Stmt::Kind::Assign);
  return *m.body[0].value;
}

std::string syntax_error(const std::string& text) {
  SourceFile src("m.py", text);
  Diagnostics diags;
  auto m = py::parse_module(src, diags);
  CHECK_FALSE(m);
  return diags.items().empty() ? "" : diags.items()[0].message;
}

}  // namespace

TEST_CASE("python AST: if / elif / else, for and while with else, flow statements") {
  py::Module m = parse(
      "if a == 1:\n    x = 1\nelif a in (2, 3):\n    x = 2\nelse:\n    x = 3\n"
      "for i, (k, v) in enumerate(items):\n    if v is None:\n        continue\n    break\n"
      "else:\n    pass\n"
      "while n > 0:\n    n -= 1\n"
      "assert n == 0, 'n must end at 0'\n"
      "del cache[0], tmp\n"
      "global counter\n"
      "raise ValueError('bad') from err\n");
  REQUIRE(m.body.size() == 7);
  const Stmt& s = m.body[0];
  CHECK(s.kind == Stmt::Kind::If);
  CHECK(s.value->kind == Expr::Kind::Compare);
  CHECK(s.body.size() == 1);
  REQUIRE(s.orelse.size() == 1);
  CHECK(s.orelse[0].kind == Stmt::Kind::If);  // the elif
  CHECK(s.orelse[0].value->ops == std::vector<std::string>{"in"});
  REQUIRE(s.orelse[0].orelse.size() == 1);
  CHECK(s.orelse[0].orelse[0].kind == Stmt::Kind::Assign);  // the else
  const Stmt& f = m.body[1];
  CHECK(f.kind == Stmt::Kind::For);
  REQUIRE(f.targets.size() == 1);
  CHECK(f.targets[0].kind == Expr::Kind::Tuple);
  CHECK(f.targets[0].items[1].kind == Expr::Kind::Tuple);
  CHECK(f.value->kind == Expr::Kind::Call);
  REQUIRE(f.body.size() == 2);
  CHECK(f.body[0].body[0].kind == Stmt::Kind::Continue);
  CHECK(f.body[0].value->ops == std::vector<std::string>{"is"});
  CHECK(f.body[1].kind == Stmt::Kind::Break);
  CHECK(f.orelse.size() == 1);
  CHECK(m.body[2].kind == Stmt::Kind::While);
  CHECK(m.body[2].body[0].kind == Stmt::Kind::AugAssign);
  CHECK(m.body[3].kind == Stmt::Kind::Assert);
  CHECK(m.body[3].extra->text == "n must end at 0");
  CHECK(m.body[4].kind == Stmt::Kind::Del);
  CHECK(m.body[4].targets[0].items.size() == 2);
  CHECK(m.body[5].names == std::vector<std::string>{"counter"});
  CHECK(m.body[6].kind == Stmt::Kind::Raise);
  CHECK(m.body[6].extra->text == "err");
}

TEST_CASE("python AST: imports keep their modules, names, aliases and relative levels") {
  py::Module m = parse(
      "import torch.nn as nn, math\n"
      "from ..ops.misc import Conv2dNormActivation as CNA, MLP\n"
      "from .unet_parts import *\n"
      "from . import blocks\n"
      "from models.resnet import (\n    ResNet,\n    BasicBlock,\n)\n"
      "from ... import top\n");
  REQUIRE(m.body.size() == 6);
  CHECK(m.body[0].name.empty());
  CHECK(m.body[0].names == std::vector<std::string>{"torch.nn", "math"});
  CHECK(m.body[0].aliases == std::vector<std::string>{"nn", ""});
  CHECK(m.body[1].name == "..ops.misc");
  CHECK(m.body[1].names == std::vector<std::string>{"Conv2dNormActivation", "MLP"});
  CHECK(m.body[1].aliases == std::vector<std::string>{"CNA", ""});
  CHECK(m.body[2].name == ".unet_parts");
  CHECK(m.body[2].names == std::vector<std::string>{"*"});
  CHECK(m.body[3].name == ".");
  CHECK(m.body[4].names == std::vector<std::string>{"ResNet", "BasicBlock"});
  CHECK(m.body[5].name == "...");
}

TEST_CASE("python AST: classes with annotations and decorated methods") {
  py::Module m = parse(
      "class Bottleneck(nn.Module):\n"
      "    expansion: int = 4\n"
      "    @staticmethod\n"
      "    def make(c):\n        return c\n"
      "    @property\n"
      "    def width(self):\n        return 1\n");
  const Stmt& c = m.body[0];
  REQUIRE(c.body.size() == 3);
  CHECK(c.body[0].kind == Stmt::Kind::AnnAssign);
  CHECK(c.body[0].targets[0].text == "expansion");
  CHECK(c.body[0].value->int_value == 4);
  CHECK(c.body[1].decorators.size() == 1);
  CHECK(c.body[1].decorators[0].text == "staticmethod");
  CHECK(c.body[2].decorators[0].text == "property");
}

TEST_CASE("python AST: comparisons chain, conditional expressions, starred arguments") {
  Expr c = expr("0 < a <= b != c");
  CHECK(c.kind == Expr::Kind::Compare);
  CHECK(c.items.size() == 4);
  CHECK(c.ops == std::vector<std::string>{"<", "<=", "!="});
  Expr n = expr("x not in y");
  CHECK(n.ops == std::vector<std::string>{"not in"});
  Expr i = expr("planes * 4 if stride != 1 else planes");
  CHECK(i.kind == Expr::Kind::IfExp);
  CHECK(i.items[0].kind == Expr::Kind::Binary);
  CHECK(i.items[1].kind == Expr::Kind::Compare);
  CHECK(i.items[2].text == "planes");
  Expr call = expr("nn.Sequential(*layers, **kwargs)");
  REQUIRE(call.items.size() == 3);
  CHECK(call.items[1].kind == Expr::Kind::Starred);
  CHECK(call.items[1].text == "*");
  CHECK(call.items[2].text == "**");
  py::Module m = parse("first, *rest = values\n");
  CHECK(m.body[0].targets[0].items[1].kind == Expr::Kind::Starred);
}

TEST_CASE("python AST: dicts, sets and comprehensions with their clauses") {
  Expr d = expr("{'A': [64, 'M'], **extra, 'B': 2}");
  CHECK(d.kind == Expr::Kind::Dict);
  REQUIRE(d.items.size() == 6);
  CHECK(d.items[0].text == "A");
  CHECK(d.items[1].kind == Expr::Kind::List);
  CHECK(d.items[2].kind == Expr::Kind::Starred);
  CHECK(d.items[3].kind == Expr::Kind::None);
  CHECK(expr("{}").kind == Expr::Kind::Dict);
  CHECK(expr("{1, 2}").kind == Expr::Kind::Set);
  Expr l = expr("[conv(c) for i, c in enumerate(cfg) if c != 'M' for j in range(2)]");
  CHECK(l.kind == Expr::Kind::Comprehension);
  CHECK(l.text == "list");
  CHECK(l.keywords == std::vector<std::string>{"", "for", "in", "if", "for", "in"});
  Expr dc = expr("{k: v * 2 for k, v in d.items()}");
  CHECK(dc.text == "dict");
  CHECK(dc.keywords == std::vector<std::string>{"", "", "for", "in"});
  Expr g = expr("sum(p.numel() for p in params)");
  CHECK(g.items[1].kind == Expr::Kind::Comprehension);
  CHECK(g.items[1].text == "generator");
  CHECK(expr("(x for x in y)").text == "generator");
}

TEST_CASE("python AST: slices with omitted parts, ellipsis, indexing by tuples") {
  Expr s = expr("x[:, 1:3, ::2, ..., None]");
  REQUIRE(s.kind == Expr::Kind::Subscript);
  const Expr& index = s.items[1];
  REQUIRE(index.kind == Expr::Kind::Tuple);
  REQUIRE(index.items.size() == 5);
  CHECK(index.items[0].kind == Expr::Kind::Slice);
  CHECK(index.items[0].int_value == 0);  // nothing written
  CHECK(index.items[1].int_value == 3);  // lower and upper
  CHECK(index.items[1].items[1].int_value == 3);
  CHECK(index.items[2].int_value == 4);  // step only
  CHECK(index.items[3].kind == Expr::Kind::Ellipsis);
  CHECK(index.items[4].kind == Expr::Kind::None);
  Expr neg = expr("x[-1]");
  CHECK(neg.items[1].kind == Expr::Kind::Unary);
}

TEST_CASE("python AST: f-strings split into literals and formatted fields") {
  Expr f = expr("f'layer{i}_{name!r:>4}' 'tail'");
  REQUIRE(f.kind == Expr::Kind::FString);
  REQUIRE(f.items.size() == 5);
  CHECK(f.items[0].text == "layer");
  CHECK(f.items[1].kind == Expr::Kind::Name);
  CHECK(f.items[1].text == "i");
  CHECK(f.items[2].text == "_");
  CHECK(f.items[3].text == "name");
  CHECK(f.keywords[3] == "!r:>4");
  CHECK(f.items[4].text == "tail");
  Expr braces = expr("f\"{{literal}} {d['k'] + 1}\"");
  REQUIRE(braces.items.size() == 2);
  CHECK(braces.items[0].text == "{literal} ");
  CHECK(braces.items[1].kind == Expr::Kind::Binary);
  CHECK(braces.items[1].items[0].kind == Expr::Kind::Subscript);
  CHECK(expr("'plain' 'text'").kind == Expr::Kind::String);
}

TEST_CASE("python AST: syntax errors in the new constructs are errors at their position") {
  CHECK(syntax_error("for x in:\n    pass\n").find("expected an expression") != std::string::npos);
  CHECK(syntax_error("v = f'{x'\n").find("f-string") != std::string::npos);
  CHECK(syntax_error("v = f'{x +}'\n").find("f-string") != std::string::npos);
  CHECK(syntax_error("if x\n    pass\n").find("expected `:`") != std::string::npos);
  CHECK(syntax_error("from . import\n").find("expected a name") != std::string::npos);
  CHECK(syntax_error("v = [a, b for a in c]\n").find("expected `]`") != std::string::npos);
}
