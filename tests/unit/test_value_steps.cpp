// What forward computes elementwise with no row (`x * 2`, `ids == 0`, `x.clamp(0, 1)`): the
// Python frontend keeps it as value steps of the copy a layer reads, the executor applies them
// as PyTorch computes them, and what it cannot compute `run` is told about.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "../../src/exec/forward.hpp"
#include "netshape/exec.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::analyze_py;
using netshape::test::tensor_named;
using Op = ValueStep::Op;

namespace {

// A .py model feeding `expr` (of its input x: [4, 6]) to a Linear(6, 3).
LoadedModel linear_of(const std::string& expr, const std::string& more = "") {
  std::string text =
      "import math\nimport torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
      "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(6, 3)\n\n"
      "    def forward(self, x):\n" +
      more + "        return self.fc(" + expr + ")\n\n\nmodel = M()\n";
  return analyze_py(text, "m.py", "4,6");
}

// The message of PyTorch's error (exit 1) that linear_of(expr) stops at.
std::string error_of(const std::string& expr) {
  LoadedModel m = linear_of(expr);
  CHECK(m.exit == ExitCode::ShapeError);
  return m.exit == ExitCode::ShapeError ? netshape::test::first_error(m).message : "";
}

// A .py model whose layer `self.<name> = <layer>` reads `expr` of its long input ids: [dims].
LoadedModel of_ids(const std::string& dims, const std::string& name, const std::string& layer,
                   const std::string& expr) {
  std::string text = "# input ids: [" + dims +
                     "] long\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
                     "    def __init__(self):\n        super().__init__()\n        self." +
                     name + " = " + layer +
                     "\n\n    def forward(self, ids):\n        return self." + name + "(" + expr +
                     ")\n\n\nmodel = M()\n";
  return analyze_py(text, "ids.py", "");
}

// The steps of the fc layer's first input.
std::vector<ValueStep> steps_of(const LoadedModel& m) {
  REQUIRE(m.exit == ExitCode::Ok);
  const Statement& fc = *m.analysis.layers.back().statement;
  REQUIRE(fc.extras().copied_inputs.size() == 1);
  return fc.extras().copied_inputs[0].steps;
}

// The forward pass of `m`, every tensor kept; it must match inference.
ExecResult run_keeping_tensors(const LoadedModel& m) {
  ExecOptions o;
  o.keep_outputs = true;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  return r;
}

std::string listed(const std::vector<ValueStep>& steps) {
  std::string s;
  for (const ValueStep& v : steps)
    s += std::to_string(static_cast<int>(v.op)) + ":" + std::to_string(v.number) +
         (v.exact ? " exact " : " ");
  return s;
}

std::string expected(std::initializer_list<ValueStep> steps) {
  return listed(std::vector<ValueStep>(steps));
}

}  // namespace

TEST_CASE("value steps: each op computes what PyTorch computes for one float32 value") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    Op op;
    double number;
    float in, want;
  };
  const Case cases[] = {
      {Op::Add, 1.5, 2, 3.5},
      {Op::Sub, 1.5, 2, 0.5},
      {Op::SubFrom, 1.5, 2, -0.5},
      {Op::Mul, -2, 3, -6},
      {Op::Div, 4, 3, 0.75},
      {Op::DivInto, 3, 4, 0.75},
      {Op::FloorDiv, 2, -3.5, -2},
      {Op::FloorDiv, -2, 3.5, -2},
      {Op::FloorDivInto, 5, -3, -2},
      {Op::TruncDiv, 2, -3.5, -1},
      {Op::TruncDivInto, 5, -3, -1},
      {Op::Mod, 2, -3, 1},
      {Op::Mod, 2, -3.5, 0.5},
      {Op::ModInto, 5, -3, -1},
      {Op::Pow, 2, -3, 9},
      {Op::PowOf, 2, 3, 8},
      {Op::Eq, 0, 0, 1},
      {Op::Ne, 0, 0, 0},
      {Op::Lt, 1, 0.5, 1},
      {Op::Le, 1, 1, 1},
      {Op::Gt, 1, 1, 0},
      {Op::Ge, 1, 1, 1},
      {Op::Neg, 0, 2, -2},
      {Op::LogicalNot, 0, 1, 0},
      {Op::LogicalNot, 0, 0, 1},
      {Op::BitNot, 0, 5, -6},
      {Op::Abs, 0, -2, 2},
      {Op::Square, 0, -3, 9},
      {Op::Sign, 0, -0.5, -1},
      {Op::Sign, 0, nan, 0},
      {Op::Floor, 0, -1.5, -2},
      {Op::Ceil, 0, -1.5, -1},
      {Op::Round, 0, 2.5, 2},
      {Op::Round, 0, 1.5, 2},
      {Op::Round, 0, -0.5, -0.0f},
      {Op::Trunc, 0, -1.7f, -1},
      {Op::Frac, 0, -1.5, -0.5},
      {Op::Exp, 0, 0, 1},
      {Op::Exp2, 0, 3, 8},
      {Op::Expm1, 0, 0, 0},
      {Op::Log, 0, 1, 0},
      {Op::Log2, 0, 8, 3},
      {Op::Log10, 0, 100, 2},
      {Op::Log1p, 0, 0, 0},
      {Op::Sqrt, 0, 9, 3},
      {Op::Rsqrt, 0, 4, 0.5},
      {Op::Sin, 0, 0, 0},
      {Op::Cos, 0, 0, 1},
      {Op::Erf, 0, 0, 0},
      {Op::Reciprocal, 0, 4, 0.25},
      {Op::ClampMin, 0.5, 0.2f, 0.5},
      {Op::ClampMax, 0.5, 0.7f, 0.5},
      {Op::ToBool, 0, -0.1f, 1},
      {Op::ToBool, 0, nan, 1},
      {Op::Fill, 3, -7, 3},
      {Op::NanTo, 2, nan, 2},
      {Op::NanTo, 2, -1.5, -1.5},
      {Op::PosInfTo, 3.4028234663852886e+38, std::numeric_limits<float>::infinity(),
       std::numeric_limits<float>::max()},
      {Op::PosInfTo, 2, -std::numeric_limits<float>::infinity(),
       -std::numeric_limits<float>::infinity()},
      {Op::NegInfTo, -3, -std::numeric_limits<float>::infinity(), -3},
      {Op::NegInfTo, -3, 7, 7},
  };
  for (const Case& c : cases) {
    CAPTURE(static_cast<int>(c.op));
    CAPTURE(c.in);
    float got = apply_value_step(ValueStep{c.op, c.number}, c.in);
    CHECK(got == c.want);
    CHECK(std::signbit(got) == std::signbit(c.want));
  }
  // a cast to an integer: x86's conversion for NaN and out of range, never -0
  const ValueStep to_long{Op::Trunc, 64, true}, to_int{Op::Trunc, 32, true};
  CHECK(apply_value_step(to_long, nan) == -0x1p63f);
  CHECK(apply_value_step(to_long, 1e20f) == -0x1p63f);
  CHECK(apply_value_step(to_int, 3e9f) == -0x1p31f);
  CHECK(apply_value_step(to_int, -2147483648.0f) == -0x1p31f);
  CHECK(apply_value_step(to_long, -2.7f) == -2);
  CHECK(!std::signbit(apply_value_step(to_long, -0.5f)));
  // float32 steps round after each step; exact ones (float64, integers) do not
  std::vector<float> rounded = {1}, exact = {1};
  std::vector<ValueStep> f32 = {{Op::Add, 1e8}, {Op::Sub, 1e8}};
  std::vector<ValueStep> f64 = {{Op::Add, 1e8, true}, {Op::Sub, 1e8, true}};
  apply_value_steps(f32, rounded);
  apply_value_steps(f64, exact);
  CHECK(rounded[0] == 0);  // 1e8 + 1 is 1e8 in float32
  CHECK(exact[0] == 1);
  // an integer tensor's steps compute in integers of its bits, wrapping as PyTorch's: a hash
  // bucket `ids * 10000019 % 12` past float's 24 bits and double's 53, int32 overflow
  std::vector<float> ids = {5, 11};
  std::vector<ValueStep> bucket = {{Op::Mul, 10000019, true, 64}, {Op::Mod, 12, true, 64}};
  apply_value_steps(bucket, ids);
  CHECK(ids == std::vector<float>{(5 * 10000019) % 12, (11 * 10000019) % 12});
  std::vector<float> big = {3};
  std::vector<ValueStep> past_53_bits = {
      {Op::Add, 0x1p62, true, 64}, {Op::Mul, 4, true, 64}, {Op::Mod, 12, true, 64}};
  apply_value_steps(past_53_bits, big);
  CHECK(big[0] == 0);  // (2^62 + 3) * 4 wraps to 12 in int64; 12 % 12 is 0
  std::vector<float> narrow = {3};
  std::vector<ValueStep> int32_wrap = {{Op::Mul, 1000000000, true, 32}, {Op::Mod, 12, true, 32}};
  apply_value_steps(int32_wrap, narrow);
  CHECK(narrow[0] ==
        static_cast<float>(((int64_t{3000000000} - (int64_t{1} << 32)) % 12 + 12) % 12));
  // int64 to int32 wraps (a cast of an integer), a float out of range is the most negative
  std::vector<float> cast = {2};
  std::vector<ValueStep> widen_then_narrow = {{Op::Mul, 3000000000, true, 64},
                                              {Op::Trunc, 32, true, 32}};
  apply_value_steps(widen_then_narrow, cast);
  CHECK(cast[0] == static_cast<float>(int64_t{6000000000} - (int64_t{1} << 32)));
  // an integer divided by zero in run is PyTorch's ZeroDivisionError
  std::vector<float> zero = {0};
  std::vector<ValueStep> into = {{Op::FloorDivInto, 7, true, 64}};
  CHECK_THROWS_WITH_AS(apply_value_steps(into, zero), "ZeroDivisionError", ForwardError);
  // clamp keeps NaN, as torch.clamp does (std::max would not)
  CHECK(std::isnan(apply_value_step(ValueStep{Op::ClampMin, 0}, nan)));
  CHECK(std::isnan(apply_value_step(ValueStep{Op::ClampMax, 0}, nan)));
  // steps apply in order: (x * 2) + 1, not (x + 1) * 2
  std::vector<float> v = {1, 2};
  std::vector<ValueStep> both = {{Op::Mul, 2}, {Op::Add, 1}};
  apply_value_steps(both, v);
  CHECK(v == std::vector<float>{3, 5});
}

TEST_CASE("value steps: the Python frontend keeps what forward computes with no row") {
  CHECK(listed(steps_of(linear_of("x * 2 + 1"))) == expected({{Op::Mul, 2}, {Op::Add, 1}}));
  CHECK(listed(steps_of(linear_of("x / math.sqrt(4)"))) == expected({{Op::Div, 2}}));
  CHECK(listed(steps_of(linear_of("1 - x"))) == expected({{Op::SubFrom, 1}}));
  CHECK(listed(steps_of(linear_of("3 // x"))) == expected({{Op::FloorDivInto, 3}}));
  CHECK(listed(steps_of(linear_of("x.div(2, rounding_mode='trunc')"))) ==
        expected({{Op::TruncDiv, 2}}));
  // a comparison with the tensor on the right turns around; the cast back to float keeps 0/1
  CHECK(listed(steps_of(linear_of("(0.5 < x).float()"))) == expected({{Op::Gt, 0.5}}));
  CHECK(listed(steps_of(linear_of("x.le(0).float()"))) == expected({{Op::Le, 0}}));
  CHECK(listed(steps_of(linear_of("(~(x > 0)).float()"))) ==
        expected({{Op::Gt, 0}, {Op::LogicalNot, 0, true}}));
  CHECK(listed(steps_of(linear_of("torch.clamp(x, max=0.25)"))) ==
        expected({{Op::ClampMax, 0.25}}));
  CHECK(listed(steps_of(linear_of("x.clamp(-1, 1).exp()"))) ==
        expected({{Op::ClampMin, -1}, {Op::ClampMax, 1}, {Op::Exp, 0}}));
  CHECK(listed(steps_of(linear_of("torch.pow(2, x)"))) == expected({{Op::PowOf, 2}}));
  CHECK(listed(steps_of(linear_of("x.pow(3)"))) == expected({{Op::Pow, 3}}));
  // a cast to long truncates as an int64 (its bits), and what follows computes exactly
  CHECK(listed(steps_of(linear_of("((x * 4).long() // 3).float()"))) ==
        expected({{Op::Mul, 4}, {Op::Trunc, 64, true}, {Op::FloorDiv, 3, true}}));
  CHECK(listed(steps_of(linear_of("(x.double() + 1e8).float()"))) ==
        expected({{Op::Add, 1e8, true}}));
  // add's alpha scales the number
  CHECK(listed(steps_of(linear_of("x.add(1, alpha=2)"))) == expected({{Op::Add, 2}}));
  CHECK(listed(steps_of(linear_of("torch.sub(x, 2, alpha=0.5)"))) == expected({{Op::Sub, 1}}));
  // full_like's value in the tensor's type: 2.7 as a long is 2, 5 as a bool True
  CHECK(listed(steps_of(linear_of("torch.full_like(x.long(), 2.7).float()"))) ==
        expected({{Op::Fill, 2, true}}));
  CHECK(listed(steps_of(linear_of("torch.full_like(x > 0, 5).float()"))) ==
        expected({{Op::Fill, 1, true}}));
  CHECK(listed(steps_of(linear_of("torch.full_like(x, 0.5)"))) == expected({{Op::Fill, 0.5}}));
  // nothing computed: no steps, and no note
  LoadedModel same = linear_of("x.contiguous().float()");
  CHECK(steps_of(same).empty());
  CHECK(!same.program->values_unfollowed_at.valid());
}

TEST_CASE("value steps: what run does not compute is noted at its first place") {
  // y += 1 changes the tensor every name holding it sees: not followed by steps
  LoadedModel in_place = linear_of("x", "        x += 1\n");
  REQUIRE(in_place.exit == ExitCode::Ok);
  CHECK(in_place.program->values_unfollowed_op == "`+=`");
  CHECK(in_place.program->values_unfollowed_kind == Program::Unfollowed::InPlace);
  CHECK(in_place.program->values_unfollowed_at.line == 12);
  CHECK(in_place.program->values_unfollowed_at.column == 9);
  // an in-place op on a view changes the tensor viewed: noted at the view written into
  LoadedModel into_view = linear_of("x", "        torch.relu_(x[0])\n");
  REQUIRE(into_view.exit == ExitCode::Ok);
  CHECK(into_view.program->values_unfollowed_op == "an in-place op on a view of another tensor");
  CHECK(into_view.program->values_unfollowed_kind == Program::Unfollowed::IntoView);
  CHECK(into_view.program->values_unfollowed_at.line == 12);
  CHECK(into_view.program->values_unfollowed_at.column == 21);
  for (const Diagnostic& d : into_view.diags.items())  // it changes x: no unused result
    CHECK(d.code != "unused-tensor");
  LoadedModel whole = linear_of("x", "        torch.relu_(x)\n");  // followed: x is its row
  CHECK(!whole.program->values_unfollowed_at.valid());
  // a view taken before a write into its tensor and read after it: `run` computed it before
  LoadedModel stale =
      linear_of("v", "        y = torch.relu(x)\n        v = y[:2]\n        y[:, 0] = 5.0\n");
  REQUIRE(stale.exit == ExitCode::Ok);
  CHECK(stale.program->values_unfollowed_op ==
        "a view read after an in-place write into its tensor");
  CHECK(stale.program->values_unfollowed_kind == Program::Unfollowed::StaleView);
  CHECK(stale.program->values_unfollowed_at.line == 15);
  CHECK(stale.program->values_unfollowed_at.column == 24);
  CHECK(linear_of("v",
                  "        y = torch.relu(x)\n        v = y.t().t()\n        F = torch.nn."
                  "functional\n        F.relu(y, inplace=True)\n")
            .program->values_unfollowed_kind == Program::Unfollowed::StaleView);
  // returned as it is, the view is the model's output, which `run` computed before the write
  LoadedModel returned = analyze_py(
      "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(6, 3)\n\n    def forward(self, x):"
      "\n        y = self.fc(x)\n        v = y.view(12)\n        y[:, 0] = 5.0\n        return v\n",
      "m.py", "4,6");
  REQUIRE(returned.exit == ExitCode::Ok);
  CHECK(returned.program->values_unfollowed_kind == Program::Unfollowed::StaleView);
  CHECK(returned.program->values_unfollowed_at.line == 14);
  // the view taken after the write, or read before it: computed
  CHECK(!linear_of("v", "        y = torch.relu(x)\n        y[:, 0] = 5.0\n        v = y[:2]\n")
             .program->values_unfollowed_at.valid());
  CHECK(!linear_of("x",
                   "        y = torch.relu(x)\n        z = torch.relu(y[:2])\n        y[:, "
                   "0] = 5.0\n")
             .program->values_unfollowed_at.valid());
  // F.dropout's training defaults to True: it drops values in eval mode too
  LoadedModel dropped = linear_of("torch.nn.functional.dropout(x, 0.5)");
  REQUIRE(dropped.exit == ExitCode::Ok);
  CHECK(dropped.program->values_unfollowed_op == "`F.dropout` with training=True");
  CHECK(dropped.program->values_unfollowed_kind == Program::Unfollowed::DropoutTraining);
  LoadedModel clamped = linear_of("x", "        x.clamp_(0, 1)\n        x.exp_()\n");
  CHECK(clamped.program->values_unfollowed_kind == Program::Unfollowed::InPlace);
  CHECK(!linear_of("torch.nn.functional.dropout(x, 0.5, self.training)")
             .program->values_unfollowed_at.valid());
  CHECK(!linear_of("torch.nn.functional.dropout(x, p=0.0)").program->values_unfollowed_at.valid());
  LoadedModel random = linear_of("torch.rand_like(x) * 2");
  REQUIRE(random.exit == ExitCode::Ok);
  CHECK(random.program->values_unfollowed_op == "`rand_like`");
  CHECK(random.program->values_unfollowed_kind == Program::Unfollowed::Other);
  LoadedModel halved = linear_of("x.half().float()");
  REQUIRE(halved.exit == ExitCode::Ok);
  CHECK(halved.program->values_unfollowed_op == "a cast to torch.float16");
  CHECK(halved.program->values_unfollowed_at.line == 12);  // at the cast
  CHECK(halved.program->values_unfollowed_at.column == 24);
  // PyTorch's errors: an integer divided by 0, a float alpha of an integer tensor (exit 1)
  LoadedModel by_zero = linear_of("(x.long() // 0).float()");
  CHECK(by_zero.exit == ExitCode::ShapeError);
  CHECK(netshape::test::first_error(by_zero).message == "ZeroDivisionError");
  CHECK(linear_of("(x.long() // 0.0).float()").exit == ExitCode::Ok);  // a float: inf
  LoadedModel alpha = linear_of("x.long().add(1, alpha=0.5).float()");
  CHECK(alpha.exit == ExitCode::ShapeError);
  CHECK(netshape::test::first_error(alpha).message ==
        "For integral input tensors, argument alpha must not be a floating point number.");
  // PyTorch's error for a rounding_mode it does not know (exit 1, as its RuntimeError)
  LoadedModel bad = linear_of("x.div(2, rounding_mode='round')");
  CHECK(bad.exit == ExitCode::ShapeError);
  CHECK(netshape::test::first_error(bad).message ==
        "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'");
}

TEST_CASE("value steps: run applies them to the copy a layer reads, x itself unchanged") {
  LoadedModel m = linear_of("x * 2 + 1");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecResult r = run_keeping_tensors(m);
  const Tensor& x = r.inputs.at(0).second;
  const Tensor& w = tensor_named(r.weights, "fc.weight");
  const Tensor& b = tensor_named(r.weights, "fc.bias");
  const Tensor& y = tensor_named(r.outputs, "fc");
  REQUIRE(y.shape == std::vector<int64_t>{4, 3});
  for (size_t n = 0; n < 4; ++n) {
    for (size_t k = 0; k < 3; ++k) {
      float want = b.data[k];
      for (size_t i = 0; i < 6; ++i) want += (x.data[n * 6 + i] * 2 + 1) * w.data[k * 6 + i];
      CHECK(y.data[n * 3 + k] == doctest::Approx(want).epsilon(1e-5));
    }
  }
  // the input kept is the one drawn, in [-1, 1]: the copy was changed, not x
  bool drawn = true;
  for (float v : x.data) drawn = drawn && v >= -1 && v <= 1;
  CHECK(drawn);
  // the memory estimate counts the copy while fc runs: x's 4 * 6 floats more than without
  ExecOptions plain;
  auto with_copy = estimate_memory(m.analysis, plain).peak_bytes;
  auto without = estimate_memory(linear_of("x").analysis, plain).peak_bytes;
  REQUIRE(with_copy);
  REQUIRE(without);
  CHECK(*with_copy - *without == 4 * 6 * 4);
}

TEST_CASE("value steps: an integer divided by a zero in run stops it as PyTorch raises") {
  LoadedModel m = linear_of("(7 % (x * 0).long()).float()");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecResult r = execute(m.analysis, ExecOptions{});
  CHECK(!r.match);
  CHECK(r.error == "fc: ZeroDivisionError");
  // a div row of integer tensors with a rounding_mode likewise (float ones give inf)
  LoadedModel rows =
      linear_of("torch.div(x.long(), (x * 0).long() + x.long(), rounding_mode='floor').float()");
  REQUIRE(rows.exit == ExitCode::Ok);
  ExecResult stopped = execute(rows.analysis, ExecOptions{});
  CHECK(!stopped.match);
  CHECK(stopped.error.ends_with("ZeroDivisionError"));
  LoadedModel floats = linear_of("torch.div(x, x * 0, rounding_mode='floor')");
  REQUIRE(floats.exit == ExitCode::Ok);
  CHECK(execute(floats.analysis, ExecOptions{}).match);
}

TEST_CASE("value steps: ids changed before an Embedding are drawn as its indices") {
  LoadedModel m = of_ids("2, 5", "e", "nn.Embedding(9, 2)", "(ids + 1) % 9");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecResult r = run_keeping_tensors(m);
  const Tensor& ids = r.inputs.at(0).second;
  const Tensor& table = tensor_named(r.weights, "e.weight");
  const Tensor& e = tensor_named(r.outputs, "e");
  for (size_t i = 0; i < ids.data.size(); ++i) {
    auto row = (static_cast<size_t>(ids.data[i]) + 1) % 9;
    for (size_t k = 0; k < 2; ++k) CHECK(e.data[i * 2 + k] == table.data[row * 2 + k]);
  }
}

TEST_CASE("value steps: integer and bool tensors take PyTorch's type of the result") {
  // a bool tensor with a number: int64 for an int, float32 for a float or true division
  CHECK(listed(steps_of(linear_of("(x > 0) * 2.5"))) == expected({{Op::Gt, 0}, {Op::Mul, 2.5}}));
  CHECK(listed(steps_of(linear_of("((x > 0) * 3).float()"))) ==
        expected({{Op::Gt, 0}, {Op::Mul, 3, true}}));
  CHECK(listed(steps_of(linear_of("((x > 0) + 1).float()"))) ==
        expected({{Op::Gt, 0}, {Op::Add, 1, true}}));
  CHECK(listed(steps_of(linear_of("(x > 0) / 4"))) == expected({{Op::Gt, 0}, {Op::Div, 4}}));
  // powers of integers stay integers; a float exponent or base makes float32
  CHECK(listed(steps_of(linear_of("(x.long() ** 2).float()"))) ==
        expected({{Op::Trunc, 64, true}, {Op::Pow, 2, true}}));
  CHECK(listed(steps_of(linear_of("x.long() ** 0.5"))) ==
        expected({{Op::Trunc, 64, true}, {Op::Pow, 0.5}}));
  CHECK(listed(steps_of(linear_of("(2 ** (x > 0)).float()"))) ==
        expected({{Op::Gt, 0}, {Op::PowOf, 2, true}}));
  // clamp of integers: exact with int bounds, float32 with a float one
  CHECK(listed(steps_of(linear_of("x.long().clamp(0, 3).float()"))) ==
        expected({{Op::Trunc, 64, true}, {Op::ClampMin, 0, true}, {Op::ClampMax, 3, true}}));
  CHECK(listed(steps_of(linear_of("x.long().clamp(max=0.5)"))) ==
        expected({{Op::Trunc, 64, true}, {Op::ClampMax, 0.5}}));
  CHECK(listed(steps_of(linear_of("(x > 0).sign().float()"))) ==
        expected({{Op::Gt, 0}, {Op::Sign, 0, true}}));
  // `x * d` with d a size of x: the number it is
  CHECK(listed(steps_of(linear_of("x * d", "        d = x.size(-1)\n"))) ==
        expected({{Op::Mul, 6}}));
  CHECK(listed(steps_of(linear_of("x / x.shape[0]"))) == expected({{Op::Div, 4}}));
  // PyTorch's errors for what it has no kernel for (exit 1, as its RuntimeError)
  CHECK(error_of("((x > 0) - 1).float()") ==
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
        "to invert a mask, use the `~` or `logical_not()` operator instead.");
  CHECK(error_of("(1 - (x > 0)).float()").starts_with("Subtraction, the `-` operator"));
  CHECK(error_of("(x.long() ** -1).float()") ==
        "Integers to negative integer powers are not allowed.");
  CHECK(error_of("x.long().pow(-2).float()") ==
        "Integers to negative integer powers are not allowed.");
  CHECK(error_of("(x > 0).abs().float()") == "\"abs_cpu\" not implemented for 'Bool'");
  CHECK(error_of("(x > 0).floor().float()") == "\"floor_vml_cpu\" not implemented for 'Bool'");
  CHECK(error_of("x.int().frac().float()") == "\"frac_cpu\" not implemented for 'Int'");
  CHECK(error_of("x.long().round(decimals=1).float()") ==
        "\"round_cpu\" not implemented for 'Long'");
  CHECK(error_of("(-(x > 0)).float()").starts_with("Negation, the `-` operator, on a bool"));
  CHECK(error_of("((x > 0) // 0).float()") == "ZeroDivisionError");
  CHECK(error_of("x - True").starts_with("Subtraction, the `-` operator, with a bool tensor"));
  CHECK(error_of("False - x").starts_with("Subtraction, the `-` operator, with a bool tensor"));
  CHECK(error_of("((x > 0) - (x < 1)).float()") ==
        "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
        "`logical_xor()` operator instead.");
  CHECK(error_of("torch.where(x > 0, (x * 9).int(), 3000000000).float()") ==
        "value cannot be converted to type int without overflow");
  CHECK(error_of("(x * 9).int().masked_fill(x > 0, -3000000000).float()") ==
        "value cannot be converted to type int without overflow");
  // numbers an integer type cannot hold: above 2^63, infinities and NaN (c10's checked
  // conversion, for every op that writes a number)
  CHECK(error_of("x.long().masked_fill(x > 0, 1e19).float()") ==
        "value cannot be converted to type int64_t without overflow");
  CHECK(error_of("x.long().masked_fill(x > 0, 9223372036854775808.0).float()") ==
        "value cannot be converted to type int64_t without overflow");
  CHECK(error_of("x.int().masked_fill(x > 0, float('inf')).float()") ==
        "value cannot be converted to type int without overflow");
  CHECK(error_of("x.to(torch.uint8).masked_fill(x > 0, float('nan')).float()") ==
        "value cannot be converted to type uint8_t without overflow");
  CHECK(error_of("x + torch.full((6,), 1e30, dtype=torch.int64)") ==
        "value cannot be converted to type int64_t without overflow");
  CHECK(error_of("x + torch.full((6,), 300, dtype=torch.uint8)") ==
        "value cannot be converted to type uint8_t without overflow");
  CHECK(error_of("x + torch.full_like(x, 1e39)") ==
        "value cannot be converted to type float without overflow");
  CHECK(error_of("x + x.long().new_full((6,), float('-inf'))") ==
        "value cannot be converted to type int64_t without overflow");
  CHECK(error_of("x + x.to(torch.int8).fill_(200)") ==
        "value cannot be converted to type int8_t without overflow");
  // what they hold: the extremes of int64, infinities in floats, any number in bool, a negative
  // number in uint8 (it wraps)
  CHECK(linear_of("x + x.long().masked_fill(x > 0, 9223372036854775807).float()").exit ==
        ExitCode::Ok);
  CHECK(linear_of("x + x.long().masked_fill(x > 0, -9223372036854775808.0).float()").exit ==
        ExitCode::Ok);
  CHECK(linear_of("x + torch.full_like(x, float('-inf'))").exit == ExitCode::Ok);
  CHECK(linear_of("x + torch.full((6,), 1e30, dtype=torch.bool)").exit == ExitCode::Ok);
  CHECK(linear_of("x + torch.full((6,), -1, dtype=torch.uint8)").exit == ExitCode::Ok);
  // add and mul of two bool tensors are logical or and and: a bool, never 2
  LoadedModel summed = linear_of("((x > 0) + (x > 0.5) * (x < 0.9)).float()");
  REQUIRE(summed.exit == ExitCode::Ok);
  std::string rows;
  for (const LayerInfo& l : summed.analysis.layers) rows += std::string(op_info(l.op).name) + " ";
  CHECK(rows == "logical_and logical_or Linear ");
  // a bool number keeps a bool result: not followed
  CHECK(linear_of("((x > 0) * True).float()").exit == ExitCode::UsageOrParse);
}

// PyTorch 1.13's outcome for each: where(condition, x, y) broadcasts the three in order, its type
// is x's and y's promoted (a long and a float tensor: float32, a Linear takes it; long and int32:
// int64, a Linear refuses it), a uint8 condition is taken (with a deprecation warning), another
// type is its error.
TEST_CASE("value steps: torch.where of two tensors is a where row") {
  LoadedModel m = linear_of("torch.where(x > 0, x, x * 2)");
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& where = m.analysis.layers[0];
  CHECK(std::string(op_info(where.op).name) == "where");
  CHECK(where.input_ids.size() == 3);
  CHECK(to_string(*where.output) == "[4, 6]");
  const auto& copies = where.statement->extras().copied_inputs;
  REQUIRE(copies.size() == 2);  // the condition x > 0 and y = x * 2, both of x
  CHECK(copies[0].input == 0);
  CHECK(listed(copies[0].steps) == expected({{Op::Gt, 0}}));
  CHECK(copies[1].input == 2);
  CHECK(listed(copies[1].steps) == expected({{Op::Mul, 2}}));
  // the method, and broadcasting: [4, 1] against [4, 6]
  LoadedModel method = linear_of("x.where(x[:, :1] > 0, -x)");
  REQUIRE(method.exit == ExitCode::Ok);
  CHECK(std::string(op_info(method.analysis.layers.back().op).name) == "Linear");
  CHECK(to_string(*method.analysis.layers[1].output) == "[4, 6]");
  CHECK(
      error_of("torch.where(x > 0, x, x[:, :2])") ==
      "The size of tensor a (6) must match the size of tensor b (2) at non-singleton dimension 1");
  // types
  CHECK(linear_of("torch.where(x > 0, x.long(), x)").exit == ExitCode::Ok);
  CHECK(linear_of("torch.where(x > 0, x.long(), x.int())").exit == ExitCode::ShapeError);
  CHECK(linear_of("torch.where((x > 0).byte(), x, x * 2)").exit == ExitCode::Ok);
  CHECK(error_of("torch.where(x.long(), x, x)") ==
        "where expected condition to be a boolean tensor, but got a tensor with dtype Long");
  // a uint8 condition with a number: set where nonzero (`~` of it would be bitwise)
  LoadedModel byte = linear_of("torch.where((x > 0).byte(), x, 0.5)");
  REQUIRE(byte.exit == ExitCode::Ok);
  const LayerInfo& fill = byte.analysis.layers[0];
  CHECK(std::string(op_info(fill.op).name) == "masked_fill");
  REQUIRE(fill.statement->extras().copied_inputs.size() == 1);
  CHECK(fill.statement->extras().copied_inputs[0].steps.back().op == Op::Eq);
}

// torch.where(x > 0, 1.0, -0.5) in PyTorch 1.13: a float32 tensor of the condition's shape;
// (1, 0) makes int64 (a Linear refuses it), a bool number is not followed.
TEST_CASE("value steps: torch.where of two numbers fills a tensor of the condition's shape") {
  LoadedModel m = linear_of("torch.where(x > 0, 1.0, -0.5)");
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& fill = m.analysis.layers[0];
  CHECK(std::string(op_info(fill.op).name) == "masked_fill");
  CHECK(fill.attrs->value == 1.0);
  CHECK(to_string(*fill.output) == "[4, 6]");
  const auto& copies = fill.statement->extras().copied_inputs;
  REQUIRE(copies.size() == 2);  // -0.5 everywhere, and the condition
  CHECK(listed(copies[0].steps) == expected({{Op::Fill, -0.5}}));
  CHECK(listed(copies[1].steps) == expected({{Op::Gt, 0}}));
  CHECK(linear_of("torch.where(x > 0, 1, 0)").exit == ExitCode::ShapeError);
  CHECK(linear_of("torch.where(x > 0, 1, 0).float()").exit == ExitCode::Ok);
  CHECK(linear_of("torch.where(x > 0, True, 0.5)").exit == ExitCode::UsageOrParse);
}

TEST_CASE("value steps: masks combine with logical rows, logical_not is a step") {
  LoadedModel m = linear_of("x.masked_fill((x > 0) & (x < 0.5) | (x > 0.8), 0.0)");
  REQUIRE(m.exit == ExitCode::Ok);
  std::string ops;
  for (const LayerInfo& l : m.analysis.layers) ops += std::string(op_info(l.op).name) + " ";
  CHECK(ops == "logical_and logical_or masked_fill Linear ");
  // the rows read their masks as steps of x: x > 0 and x < 0.5, then x > 0.8
  const auto& and_inputs = m.analysis.layers[0].statement->extras().copied_inputs;
  REQUIRE(and_inputs.size() == 2);
  CHECK(listed(and_inputs[0].steps) == expected({{Op::Gt, 0}}));
  CHECK(listed(and_inputs[1].steps) == expected({{Op::Lt, 0.5}}));
  CHECK(listed(steps_of(linear_of("torch.logical_not(x > 0).float()"))) ==
        expected({{Op::Gt, 0}, {Op::LogicalNot, 0, true}}));
  CHECK(listed(steps_of(linear_of("x.logical_not().float()"))) == expected({{Op::Eq, 0}}));
  // torch.where with a number: a masked_fill row, of the inverted mask when x comes first
  LoadedModel where = linear_of("torch.where(x > 0, x, 0.5)");
  REQUIRE(where.exit == ExitCode::Ok);
  const LayerInfo& fill = where.analysis.layers[0];
  CHECK(std::string(op_info(fill.op).name) == "masked_fill");
  CHECK(fill.attrs->value == 0.5);
  REQUIRE(fill.statement->extras().copied_inputs.size() == 1);
  CHECK(fill.statement->extras().copied_inputs[0].input == 1);  // the mask
  CHECK(listed(fill.statement->extras().copied_inputs[0].steps) ==
        expected({{Op::Gt, 0}, {Op::LogicalNot, 0, true}}));
  LoadedModel where_first = linear_of("torch.where(x > 0, -1.0, x)");
  REQUIRE(where_first.exit == ExitCode::Ok);
  CHECK(listed(where_first.analysis.layers[0].statement->extras().copied_inputs[0].steps) ==
        expected({{Op::Gt, 0}}));
  LoadedModel not_bool = linear_of("torch.where(x, x, 0.0)");
  CHECK(not_bool.exit == ExitCode::ShapeError);
  CHECK(netshape::test::first_error(not_bool).message ==
        "where expected condition to be a boolean tensor, but got a tensor with dtype Float");
  // its output lies as where's (in a permuted x's order of strides: view is PyTorch's error),
  // where masked_fill's is a fresh contiguous tensor
  auto viewed = [](const std::string& filled) {
    return analyze_py(
        "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
        "    def forward(self, x):\n        p = x.permute(0, 2, 3, 1)\n        return " +
            filled + ".view(2, -1)\n\n\nmodel = M()\n",
        "w.py", "2,6,4,4");
  };
  LoadedModel where_view = viewed("torch.where(p > 0, p, 0.0)");
  CHECK(where_view.exit == ExitCode::ShapeError);
  CHECK(netshape::test::first_error(where_view).message.starts_with("view size is not compatible"));
  CHECK(viewed("p.masked_fill(p > 0, 0.0)").exit == ExitCode::Ok);
  // `&` of integer tensors is bitwise: not followed
  CHECK(linear_of("((x > 0) & x.long()).float()").exit == ExitCode::UsageOrParse);
}

TEST_CASE("value steps: integer steps clamp and sign exactly, past a double's 53 bits") {
  ValueStep lo{Op::ClampMin, 3, true, 64}, hi{Op::ClampMax, -1, true, 64};
  ValueStep sign{Op::Sign, 0, true, 64}, big{Op::Add, 9007199254740993.0, true, 64};
  std::vector<float> v = {-5, 0, 7};
  apply_value_steps(std::vector<ValueStep>{lo}, v);
  CHECK(v == std::vector<float>{3, 3, 7});
  v = {-5, 0, 7};
  apply_value_steps(std::vector<ValueStep>{hi}, v);
  CHECK(v == std::vector<float>{-5, -1, -1});
  v = {-5, 0, 7};
  apply_value_steps(std::vector<ValueStep>{sign}, v);
  CHECK(v == std::vector<float>{-1, 0, 1});
  // a number to negative integer powers (`b ** ids`): c10's powi, 0 but for bases 1 and -1
  for (auto [base, want] : {std::pair{2.0, std::vector<float>{0, 0, 1, 4}},
                            std::pair{-1.0, std::vector<float>{-1, 1, 1, 1}},
                            std::pair{1.0, std::vector<float>{1, 1, 1, 1}},
                            std::pair{0.0, std::vector<float>{0, 0, 1, 0}}}) {
    v = {-3, -2, 0, 2};
    apply_value_steps(std::vector<ValueStep>{{Op::PowOf, base, true, 64}}, v);
    CHECK(v == want);
  }
  // 2**53 + 1 + 2, clamped below 2**53 + 2: an int64 step keeps the odd value a double loses,
  // and the result (2**53 + 3, as float32 2**53) shows the clamp was taken in integers
  ValueStep clamp_big{Op::ClampMax, 9007199254740994.0, true, 64};
  v = {2};
  apply_value_steps(std::vector<ValueStep>{big, clamp_big}, v);
  CHECK(v[0] == 9007199254740992.0f);
}

TEST_CASE("value steps: a long input no Embedding reads is drawn as whole numbers") {
  LoadedModel m = of_ids("3, 6", "fc", "nn.Linear(6, 2)", "(ids == 3).float()");
  REQUIRE(m.exit == ExitCode::Ok);
  ExecResult r = run_keeping_tensors(m);
  const Tensor& ids = r.inputs.at(0).second;
  bool whole = true;
  for (float v : ids.data) whole = whole && v == std::floor(v) && v >= 0 && v < 16;
  CHECK(whole);
}

TEST_CASE("value steps: run's note says where its values stop being PyTorch's") {
  namespace fs = std::filesystem;
  fs::path path =
      fs::temp_directory_path() / ("netshape_in_place_" + std::to_string(getpid()) + ".py");
  std::ofstream(path) << "# input x: [2, 6]\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
                         "    def __init__(self):\n        super().__init__()\n"
                         "        self.a = nn.Linear(6, 6)\n        self.b = nn.Linear(6, 3)\n\n"
                         "    def forward(self, x):\n        y = self.a(x)\n        y *= 2\n"
                         "        return self.b(y)\n\n\nmodel = M()\n";
  auto r =
      netshape::test::run_binary({"run", path.string()}, netshape::test::Pages::AsTheBinaryAsks);
  CHECK(r.code == 0);
  CHECK(r.out.find("all shapes match") != std::string::npos);
  CHECK(r.out.find(":13:9: note: `run` does not compute `*=` here: the values of the layers that "
                   "read what it changed are not PyTorch's (their shapes are)") !=
        std::string::npos);
  CHECK(r.out.find("help: write it out of place") != std::string::npos);
  auto json = netshape::test::run_binary({"run", path.string(), "--format", "json"},
                                         netshape::test::Pages::AsTheBinaryAsks);
  CHECK(json.code == 0);
  CHECK(json.out.find("\"what\": \"`*=`\",\n    \"line\": 13,\n    \"column\": 9") !=
        std::string::npos);
  // without a change run cannot compute, there is no note
  std::ofstream(path)
      << "# input x: [2, 6]\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n"
         "    def __init__(self):\n        super().__init__()\n"
         "        self.b = nn.Linear(6, 3)\n\n"
         "    def forward(self, x):\n        return self.b(x * 2)\n\n\nmodel = M()\n";
  auto clean =
      netshape::test::run_binary({"run", path.string()}, netshape::test::Pages::AsTheBinaryAsks);
  CHECK(clean.code == 0);
  CHECK(clean.out.find("note:") == std::string::npos);
  fs::remove(path);
}

TEST_CASE("in-place rows: every name holding the tensor reads what was written into it") {
  // y.sigmoid_() and F.relu(y, inplace=True) not assigned: PyTorch changed y itself
  LoadedModel m = linear_of("y",
                            "        y = torch.tanh(x)\n        y.sigmoid_()\n        z = y\n"
                            "        torch.nn.functional.relu(z, inplace=True)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& fc = m.analysis.layers.back();
  REQUIRE(m.analysis.layers.size() == 4);
  CHECK(netshape::test::input_names(m.analysis, fc) ==
        std::vector<std::string>{std::string(m.analysis.layers[2].name)});
  CHECK(m.analysis.layers[2].op_name == "relu");
  for (const Diagnostic& d : m.diags.items())
    CHECK(d.message.find("never used") == std::string::npos);
  // into a copy made with no row (`y = x * 2`) it is not followed: noted
  LoadedModel copy = linear_of("y", "        y = x * 2\n        y.sigmoid_()\n");
  REQUIRE(copy.exit == ExitCode::Ok);
  CHECK(copy.program->values_unfollowed_op == "an in-place op on a tensor computed with no row");
  // run computes sigmoid(tanh(x)) for fc
  ExecResult r = run_keeping_tensors(m);
  const Tensor& x = r.inputs.at(0).second;
  const Tensor& w = tensor_named(r.weights, "fc.weight");
  const Tensor& b = tensor_named(r.weights, "fc.bias");
  const Tensor& y = tensor_named(r.outputs, "fc");
  for (size_t k = 0; k < 3; ++k) {
    float want = b.data[k];
    for (size_t i = 0; i < 6; ++i)
      want += 1.0f / (1.0f + std::exp(-std::tanh(x.data[i]))) * w.data[k * 6 + i];
    CHECK(y.data[k] == doctest::Approx(want).epsilon(1e-5));
  }
}
