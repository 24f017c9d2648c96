// The .ns lexer and parser: grammar, folding, spans and syntax errors.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "netshape/frontend.hpp"
#include "netshape/op_table.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::first_error;
using netshape::test::out_shape;

TEST_CASE("statements, comments, continuation, arithmetic") {
  auto m = check_ns(
      "# comment\nmodel M  # trailing\ninput x: [B, 1,\n  28, 28]\n\nfc = Linear(\n  64*2*2 + 4 - "
      "4,\n  (200 // 3) * 3 % 7)\n",
      "m.ns");
  REQUIRE(m.program);
  CHECK(m.program->model_name == "M");
  REQUIRE(m.program->inputs.size() == 1);
  CHECK(m.program->inputs[0].dims[0].symbol == "B");
  REQUIRE(m.program->statements.size() == 1);
  CHECK(m.program->statements[0].args[0].value.i == 256);
  CHECK(m.program->statements[0].args[1].value.i == (200 / 3) * 3 % 7);
  CHECK(m.program->statements[0].span.line == 6);
  CHECK(m.program->statements[0].op_span.column == 6);
}

TEST_CASE("values: tuples, strings, booleans, floats, None, ?") {
  Diagnostics d;
  auto p = parse_ns(
      SourceFile("v.ns",
                 "f(1, (3, 5), 'same', \"valid\", True, False, 0.5, 1e-5, None, ?, [a, b], -3)\n"),
      d);
  REQUIRE(p);
  const auto& a = p->statements[0].args;
  CHECK(a[1].value.kind == Value::Kind::Tuple);
  CHECK(a[2].value.s == "same");
  CHECK(a[3].value.s == "valid");
  CHECK(a[4].value.b);
  CHECK(a[6].value.f == doctest::Approx(0.5));
  CHECK(a[7].value.f == doctest::Approx(1e-5));
  CHECK(a[8].value.kind == Value::Kind::None);
  CHECK(a[9].value.kind == Value::Kind::Infer);
  CHECK(a[10].value.kind == Value::Kind::List);
  CHECK(a[11].value.i == -3);
}

TEST_CASE("syntax errors are positioned and exit 2") {
  auto m = check_ns("input [1, 3]\nfc = Linear(3, 4\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  auto e = check_ns("input [1, 3]\nfc = Linear(3 $ 4)\n");
  CHECK(first_error(e).span.line == 2);
  CHECK(first_error(e).span.column == 15);
  CHECK(first_error(e).message == "unexpected character '$'");
  CHECK(check_ns("input [1, 3]\nLinear(3, 4) extra\n").exit == ExitCode::UsageOrParse);
  CHECK(first_error(check_ns("input [1, 3]\nLinear(99999999999 * 99999999999, 4)\n")).message ==
        "integer arithmetic overflows 64 bits");
  CHECK(first_error(check_ns("input [1, 3]\nLinear(3 // 0, 4)\n")).message == "division by zero");
  CHECK(first_error(check_ns("input [1, 3]\nLinear(7 / 2, 4)\n")).help ==
        "use integer division: `7 // 2`");
  CHECK(first_error(check_ns("input [1, B]\n")).message.find("only the first") == 0);
  CHECK(first_error(check_ns("input x: [1, 3]\nLinear(3, 4, 'unterminated)\n")).message ==
        "unterminated string");
  std::string deep =
      "input [1, 3]\nLinear(" + std::string(500, '(') + "3" + std::string(500, ')') + ", 4)\n";
  CHECK(check_ns(deep).exit == ExitCode::UsageOrParse);
}

TEST_CASE("several errors are collected before stopping") {
  auto m = check_ns("input [1, 3]\nLinear(3 $ 4)\nLinear(3, 4\nReLU()\n");
  CHECK(m.diags.items().size() >= 2);
}

TEST_CASE("an error in one input line is not blamed on the next one") {
  // The next line's dims were read as failed because an error had been reported before: it said
  // "expected the end of the statement, found ','" at a correct line.
  auto m = check_ns("model M\ninput x: [B, 3]\ninput h: [2, B, 4]\ninput c: [2, 5]\n");
  REQUIRE(m.diags.items().size() == 1);
  CHECK(first_error(m).message == "only the first (batch) dimension may be symbolic, found 'B'");
  CHECK(first_error(m).span.line == 3);
  m = check_ns("model M\ninput x: [0, 3]\ninput c: [2, 5]\ninput d: [-1]\n");
  REQUIRE(m.diags.items().size() == 2);
  CHECK(m.diags.items()[1].message == "input dimension must be a positive integer, found -1");
  CHECK(m.diags.items()[1].span.line == 4);
}

TEST_CASE("diagnostic rendering: file:line:col, source line, caret, help") {
  auto m = check_ns("input x: [1, 4608]\nfc1 = Linear(2048, 64)\n", "broken.ns");
  std::string text = render_diagnostics(m);
  CHECK(text.find("broken.ns:2:14: error: mat1 and mat2 shapes cannot be multiplied (1x4608 and "
                  "2048x64)\n") == 0);
  CHECK(text.find("    2 | fc1 = Linear(2048, 64)\n") != std::string::npos);
  CHECK(text.find("      |              ^^^^\n") != std::string::npos);
  CHECK(text.find("help: fc1 receives 4608 features; use Linear(4608, 64)") != std::string::npos);
}

TEST_CASE("--input parsing") {
  std::string err;
  auto a = parse_dims_option("1x28x28", err);
  REQUIRE(a);
  CHECK(a->size() == 3);
  auto b = parse_dims_option("B,1,28,28", err);
  REQUIRE(b);
  CHECK((*b)[0].symbol == "B");
  CHECK_FALSE(parse_dims_option("1x0x3", err));
  CHECK_FALSE(parse_dims_option("1,,3", err));
  CHECK_FALSE(parse_dims_option("", err));
}

TEST_CASE("every op of ops.def is documented in docs/ops.md, with its table's signature and rule") {
  std::ifstream in(std::string(NETSHAPE_SOURCE_DIR) + "/docs/ops.md");
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  for (const std::string& name : all_op_names()) {
    INFO(name);
    const OpInfo& op = op_info(*find_op(name));
    std::string row = fmt::format("| `{}` | `{}({})` | {} |", name, name, op.signature,
                                  family_info(op.family).rule);
    CHECK(doc.find(row) != std::string::npos);  // else: run docs/tools/gen_ops_md.py
  }
}

TEST_CASE("parser: a bracket never closed is reported where it opened, once") {
  auto e = check_ns("model M\ninput x: [1, 3, 8, 8]\nc = Conv2d(3, 4,\n\n");
  CHECK(e.exit == ExitCode::UsageOrParse);
  CHECK(e.diags.error_count() == 1);
  CHECK(first_error(e).span.line == 3);
  CHECK(first_error(e).span.column == 11);  // the `(` of Conv2d(
  CHECK(first_error(e).message == "`(` was never closed");
  CHECK(first_error(e).help == "add the closing bracket");
  auto shape = check_ns("input x: [1, 3");
  CHECK(first_error(shape).span.column == 10);
  CHECK(first_error(shape).message == "`[` was never closed");
  auto inner = check_ns("input x: [1, 3, 8, 8]\nc = Conv2d(3, 4, (3, 3)\n");
  CHECK(first_error(inner).span.column == 11);  // (3, 3) is closed; Conv2d( is not
  // A file cut short outside brackets points just past its last token, not at an empty line.
  auto cut = check_ns("input x: [1, 3, 8, 8]\nc = Conv2d(3, 4, 3) *\n\n");
  CHECK(first_error(cut).span.line == 2);
  // A last statement without a newline is complete: no error at the end.
  auto whole = check_ns("input x: [1, 3, 8, 8]\nc = Conv2d(3, 4, 3)");
  CHECK(whole.exit == ExitCode::Ok);
}

TEST_CASE("diagnostics: the gutter widens for a line number of six digits, so the bars line up") {
  SourceFile src("big.ns", std::string(100001, '\n') + "c = Conv2d(3, 4, 3)\n");
  Diagnostic d;
  d.severity = Severity::Error;
  d.span = Span{100002, 5, 6};
  d.message = "m";
  std::string text = render_diagnostic(d, src);
  CHECK(text.find("100002 | c = Conv2d(3, 4, 3)\n       |     ^^^^^^\n") != std::string::npos);
  d.span = Span{100002 - 100000, 1, 1};  // line 2 (empty): the usual five
  CHECK(render_diagnostic(d, src).find("    2 | \n      | ^\n") != std::string::npos);
}

// One lookup of a written argument for every reader (the .py frontend's leaf modules, the
// counting conventions): by keyword, or by the position ops.def's signature gives it.
TEST_CASE("an argument is found by keyword or by its position in the op's signature") {
  auto m = check_ns(
      "model M\ninput x: [1, 3, 8, 8]\na = InstanceNorm2d(3, 1e-5, 0.1, True)\n"
      "b = InstanceNorm2d(3, affine=True, eps=0.001)\nc = InstanceNorm2d(3)\n"
      "d = reshape(1, 3, 64)\n",
      "m.ns");
  REQUIRE(m.program);
  const auto& st = m.program->statements;
  REQUIRE(st.size() == 4);
  const OpInfo& norm = op_info(*find_op("InstanceNorm2d"));
  const Value* affine = written_argument(st[0].args, norm, "affine");
  REQUIRE(affine);
  CHECK(affine->kind == Value::Kind::Bool);
  CHECK(affine->b);
  REQUIRE(written_argument(st[1].args, norm, "eps"));
  CHECK(written_argument(st[1].args, norm, "eps")->f == doctest::Approx(0.001));
  CHECK(written_argument(st[1].args, norm, "num_features")->i == 3);
  CHECK(written_argument(st[2].args, norm, "affine") == nullptr);
  CHECK(written_argument(st[2].args, norm, "no_such_parameter") == nullptr);
  // reshape(*shape): the positional numbers are the shape, not a parameter after it.
  const OpInfo& reshape = op_info(*find_op("reshape"));
  CHECK(written_argument(st[3].args, reshape, "shape") == nullptr);
}

// Keywords an op has as a parameter borrow the op table's string (no copy per argument); any
// other keyword is a copy of its own, and both read, copy and move as strings.
TEST_CASE("keywords borrow the op table's parameter names") {
  CompactString padding = keyword_name("padding");
  const std::string& table_padding = padding.str();  // the first op's with such a parameter
  CHECK(table_padding == "padding");
  CHECK(&keyword_name("padding").str() == &table_padding);
  CompactString copied = padding;
  CHECK(&copied.str() == &table_padding);
  CompactString unknown = keyword_name("not_a_parameter");
  CHECK(unknown == "not_a_parameter");
  CompactString unknown_copy = unknown;
  CHECK(&unknown_copy.str() != &unknown.str());
  CHECK(unknown_copy == "not_a_parameter");
  unknown = std::move(padding);
  CHECK(&unknown.str() == &table_padding);
  CHECK(padding.empty());
  {
    CompactString gone = copied;  // a borrowed string is not freed with it
  }
  CHECK(table_padding == "padding");
  CHECK(keyword_name("").empty());

  auto m = check_ns("model M\ninput x: [1, 3, 8, 8]\nc = Conv2d(3, 4, 3, padding=1)\n", "m.ns");
  REQUIRE(m.program);
  CHECK(&m.program->statements[0].args[3].keyword.str() == &table_padding);
  CHECK(out_shape(m) == "[1, 4, 8, 8]");
}
