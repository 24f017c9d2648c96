// Hostile and careless input (issue 7): every reproducer of the robustness report, each with the
// exit code and message the contract asks for, and within the resource budget: no crash, no
// wrapped number, output and memory linear in the input (at most 10x the input size above the
// memory of checking a small model). Small reproducers are committed in tests/hostile/; large
// ones are generated here byte for byte (the comment by each says which file it is).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netshape/limits.hpp"
#include "test_helpers.hpp"

using namespace netshape;
namespace fs = std::filesystem;

namespace {

using Run = test::BinaryRun;

// The binary's run, from the repository's root. Without transparent huge pages, so the peak
// counts what the run allocates and touches, in 4 KiB pages: `check` advises its heap as 2 MiB
// pages (src/cli/heap_policy.cpp), which makes partly touched stretches resident whole (up to a
// fifth more; test_heap_policy.cpp bounds that separately).
Run run_cli(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null") {
  return test::run_binary(args, test::Pages::Small, stdin_path);
}

fs::path write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("netshape_hostile_" + std::to_string(getpid()));
  fs::create_directories(p);
  p /= name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Memory of checking a small model: what every run needs before it reads anything.
long baseline_rss_kb() {
  static long kb = run_cli({"check", "models/lenet.ns"}).max_rss_kb;
  return kb;
}

// Sanitizers reserve shadow memory and keep freed blocks in quarantine: memory is not measured
// there.
constexpr bool kMeasureMemory = !test::kAsan;

// The run's peak memory grew by at most 10x the input's size over the baseline.
void check_memory(const Run& r, size_t input_bytes) {
  if (!kMeasureMemory) return;
  long budget_kb = baseline_rss_kb() + static_cast<long>(10 * input_bytes / 1024) + 1024;
  CHECK_MESSAGE(r.max_rss_kb <= budget_kb, "peak " << r.max_rss_kb << " KB, budget " << budget_kb
                                                   << " KB for " << input_bytes << " bytes");
}

// Checks a committed reproducer: exit code, a message, and (unless the source itself holds one)
// no wrapped 64-bit number in the output.
Run check_file(const std::string& rel, int expected_code, const std::string& message,
               bool source_has_int64_min = false) {
  Run r = run_cli({"check", rel});
  INFO(rel << "\n" << r.out);
  CHECK(r.code == expected_code);
  CHECK(r.out.find(message) != std::string::npos);
  if (!source_has_int64_min) CHECK(r.out.find("-9223372036854775") == std::string::npos);
  CHECK(r.out.find("-4611686018427387") == std::string::npos);
  return r;
}

}  // namespace

TEST_CASE("B3/B4: int64 overflow in output-size formulas is an error at the argument") {
  Run r = check_file("tests/hostile/B3_conv_dilation_overflow.ns", 1,
                     "2:17: error: dilation is too large: dilation * (kernel_size - 1) = "
                     "9223372036854775807 * 2 does not fit in a 64-bit integer");
  CHECK(r.out.find("help: use a smaller dilation") != std::string::npos);
  check_file("tests/hostile/B4_convT_dilation_overflow_silent.ns", 1,
             "2:26: error: dilation is too large");
  check_file("tests/hostile/B4_maxpool_dilation_overflow_silent.ns", 1,
             "2:24: error: dilation is too large");
  check_file("tests/hostile/B4_zeropad_overflow_silent.ns", 1,
             "2:11: error: padding is too large: the padded size 8 + 9223372036854775807 + "
             "9223372036854775807 does not fit");
  check_file("tests/hostile/B4_conv_padding_overflow.ns", 1,
             "2:17: error: padding is too large: the padded input 32 + 2 * 4611686018427387903");
  check_file("tests/hostile/B4_conv_padding_overflow.py", 1,
             "3:42: error: padding is too large: the padded input 8 + 2 * 4611686018427387903");
  check_file("tests/hostile/B4_maxpool_padding_overflow.ns", 1,
             "2:32: error: padding is too large");
  check_file("tests/hostile/B4_convT_stride_overflow.ns", 1,
             "2:26: error: stride is too large: the output size (32-1)*4611686018427387904");
  // The smallest-input search grows a 2^63-1 input: it stops instead of wrapping.
  check_file("tests/hostile/B4_suggest_input_overflow.ns", 1,
             "Kernel size can't be greater than actual input size");
  // libFuzzer's pooling finds: exact numbers, no wrap.
  check_file("tests/hostile/fuzz_crash-458e68e045599ecd88926d6c59c2b2d94b8f4b9e.ns", 1,
             "its kernel_size needs at least 4666806406741380000");
  check_file("tests/hostile/fuzz_crash-91162a29dde1d84b8c1f13982b00fa6ced8af08a.ns", 1,
             "Output size is too small");
}

TEST_CASE("B3: run of a dilation overflow stops at check, never reads out of bounds") {
  Run r = run_cli({"run", "tests/hostile/B3_conv_dilation_overflow_run_segv.ns", "--threads", "1"});
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find("dilation is too large") != std::string::npos);
}

TEST_CASE("B13: INT64_MIN / -1 and INT64_MIN // -1 overflow, INT64_MIN % -1 is 0, as in Python") {
  check_file("tests/hostile/B13_int_min_div_neg1.ns", 2,
             "2:12: error: integer arithmetic overflows 64 bits", true);
  check_file("tests/hostile/fuzz_crash-7189aabcb8ed33e65a51bf66760a3baa206c260d.ns", 2,
             "integer arithmetic overflows 64 bits", true);
  Run shape = run_cli({"shape", "Linear(28, (-9223372036854775807-1)/-1)", "--input", "1x28"});
  CHECK(shape.code == 2);
  CHECK(shape.out.find("integer arithmetic overflows 64 bits") != std::string::npos);
  auto m = test::check_ns("input [1, 28]\nLinear(28, (-9223372036854775807-1)//-1)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  auto mod = test::check_ns("input [1, 28]\nLinear(28, 5 + (-9223372036854775807-1) % -1)\n");
  CHECK(test::out_shape(mod) == "[1, 5]");
}

TEST_CASE("B1: a line of stray bytes is one error, with the line cut around the caret") {
  for (size_t n : {size_t{10000}, size_t{100000}}) {
    // = B1_diag_blowup_10k.ns / B1_diag_blowup_100k.ns
    fs::path p = write_temp("b1.ns", repeat("$", n) + "\n");
    Run r = run_cli({"check", p.string()});
    INFO(r.out.substr(0, 2000));
    CHECK(r.code == 2);
    CHECK(count(r.out, "error:") == 1);
    CHECK(r.out.find(fmt::format("unexpected character '$' (and {} more stray bytes)", n - 1)) !=
          std::string::npos);
    CHECK(r.out.size() < 1000);  // was 151 MB for 10 KB
    check_memory(r, n);
  }
  // = B1_diag_blowup_nul_100k.ns: NUL bytes, no newline.
  fs::path p = write_temp("b1nul.ns", std::string(100000, '\0'));
  Run r = run_cli({"check", p.string()});
  CHECK(r.code == 2);
  CHECK(count(r.out, "error:") == 1);
  CHECK(r.out.find("byte 0x00") != std::string::npos);
  CHECK(r.out.find('\0') == std::string::npos);
}

TEST_CASE("B1b: ten thousand signs before a bad token give one error") {
  Run r = check_file("tests/hostile/B1b_negate_cascade.ns", 2, "expression nested too deeply");
  CHECK(count(r.out, "error:") == 1);
}

TEST_CASE("Errors past the limit are counted, not printed, JSON says how many") {
  std::string text = "input [1, 4]\n";
  for (int i = 0; i < 30; ++i) text += "relu" + std::to_string(i) + " = ReLU(oops=)\n";
  fs::path p = write_temp("many.ns", text);
  Run r = run_cli({"check", p.string()});
  CHECK(r.code == 2);
  CHECK(count(r.out, ": error: ") == limits::kMaxDiagnostics);
  CHECK(r.out.find("10 more errors and warnings not shown (netshape shows the first 20)") !=
        std::string::npos);
  Run j = run_cli({"check", p.string(), "--format", "json"});
  CHECK(j.out.find("\"diagnostics_not_shown\": 10") != std::string::npos);
}

TEST_CASE("A diagnostic on a long line shows a window around the caret, and escapes bad UTF-8") {
  std::string pad = repeat(" ", 5000);
  auto m = test::check_ns("input [1, 4]\nfc = Linear(4," + pad + "8, bogus=1)\n");
  REQUIRE(m.exit == ExitCode::ShapeError);
  std::string text = render_diagnostics(m);
  INFO(text);
  std::istringstream lines(text);
  std::string head, source, caret;
  std::getline(lines, head);
  std::getline(lines, source);
  std::getline(lines, caret);
  CHECK(head.find("t.ns:2:5018: error: Linear() got an unexpected keyword argument 'bogus'") == 0);
  CHECK(source.size() < 200);
  CHECK(source.find("...") != std::string::npos);
  size_t at = caret.find('^');
  REQUIRE(at != std::string::npos);
  CHECK(source.compare(at, 5, "bogus") == 0);  // the caret stays under its token
  auto bad = test::check_ns("input [1, 4]\nfc = Linear(4, 8, n\xff\xfe=1)\n");
  std::string shown = render_diagnostics(bad);
  CHECK(shown.find('\xff') == std::string::npos);
  CHECK(shown.find("n?\?=1") != std::string::npos);
}

TEST_CASE("B2: long .py chains are refused at their line, or at the chain limit, never a crash") {
  const std::string head = "import torch.nn as nn\n# input: [1, 28]\n";
  struct Case {
    const char* file;
    std::string text;
  };
  const Case exact[] = {
      {"B2_py_attr_chain_100k.py",
       head + "model = nn.Sequential(nn.Linear(28, 2, bias=x" + repeat(".a", 100000) + "))\n"},
      {"B2_py_call_chain_300k.py",
       head + "model = nn.Sequential(nn.Linear(28, 2, bias=f" + repeat("()", 300000) + "))\n"},
      {"B2_py_plus_chain_300k.py",
       head + "model = nn.Sequential(nn.Linear(28, 1" + repeat("+1", 299999) + "))\n"},
      {"B2_py_subscript_chain_1m.py",
       head + "model = nn.Sequential(nn.Linear(28, 2, bias=f" + repeat("[0]", 1000000) + "))\n"},
  };
  for (const Case& c : exact) {
    fs::path p = write_temp(c.file, c.text);
    Run r = run_cli({"check", p.string()});
    INFO(c.file << "\n" << r.out.substr(0, 2000));
    CHECK(r.code == 2);
    CHECK(r.out.find("3:100001: error: line 3 is") != std::string::npos);
    check_memory(r, c.text.size());
  }
  // The same chains continued over lines inside brackets: under the line limit, refused by the
  // expression limit, with the tokens read only up to there.
  const std::string links[] = {"\n.a", "\n()", "\n+1", "\n[0]"};
  for (const std::string& link : links) {
    std::string text =
        head + "model = nn.Sequential(nn.Linear(28, 2, bias=(f" + repeat(link, 300000) + ")))\n";
    fs::path p = write_temp("chain.py", text);
    Run r = run_cli({"check", p.string()});
    INFO(link << "\n" << r.out.substr(0, 2000));
    CHECK(r.code == 2);
    CHECK(r.out.find("1000:1: error: unsupported Python construct: expression too long or nested "
                     "too deep") != std::string::npos);
    CHECK(r.out.find("at most 100 nested and 1000 chained operations") != std::string::npos);
    check_memory(r, text.size());
  }
}

TEST_CASE("B6: a 200,000-element Sequential on one line is refused, over lines it is read") {
  std::string items = "nn.ReLU()" + repeat(", nn.ReLU()", 200000);
  // = B6_py_wide_sequential_200k.py
  std::string text =
      "import torch.nn as nn\n# input: [1, 3, 8, 8]\nmodel = nn.Sequential(" + items + ")\n";
  fs::path p = write_temp("b6.py", text);
  Run r = run_cli({"check", p.string()});
  CHECK(r.code == 2);
  CHECK(r.out.find("line 3 is 2,200,032 bytes long") != std::string::npos);
  check_memory(r, text.size());
  std::string lines = "import torch.nn as nn\n# input: [1, 3, 8, 8]\nmodel = nn.Sequential(\n" +
                      repeat("    nn.ReLU(),\n", 20000) + ")\n";
  fs::path q = write_temp("b6_lines.py", lines);
  Run ok = run_cli({"check", q.string()});
  CHECK(ok.code == 0);
  CHECK(ok.out.find("output relu20000: [1, 3, 8, 8]") != std::string::npos);
}

TEST_CASE("B10/B12: directories, devices and oversized input are refused before reading") {
  fs::path dir = fs::temp_directory_path() / ("netshape_hostile_dir_" + std::to_string(getpid()));
  fs::create_directories(dir / "adir.ns");
  Run d = run_cli({"check", (dir / "adir.ns").string()});
  CHECK(d.code == 2);
  CHECK(d.out.find("it is a directory, not a model file") != std::string::npos);
  Run z = run_cli({"check", "/dev/zero"});
  CHECK(z.code == 2);
  CHECK(z.out.find("not a regular file") != std::string::npos);
  check_memory(z, 0);
  // A sparse file over the limit: refused by its size, nothing read.
  fs::path big = dir / "big.ns";
  { std::ofstream(big) << "input [1, 4]\n"; }
  fs::resize_file(big, static_cast<uintmax_t>(limits::kMaxFileBytes) + 1);
  Run b = run_cli({"check", big.string()});
  CHECK(b.code == 2);
  CHECK(b.out.find("is larger than 64 MiB") != std::string::npos);
  check_memory(b, 0);
  // stdin has no size: it is read up to the limit and then refused.
  Run s = run_cli({"check", "-"}, big.string());
  CHECK(s.code == 2);
  CHECK(s.out.find("stdin is larger than 64 MiB") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("Limits on rank, repeated outputs and layers are errors that name the limit") {
  auto rank = test::check_ns("input [" + repeat("1, ", 64) + "1]\nReLU()\n");
  CHECK(rank.exit == ExitCode::UsageOrParse);  // no input shape to analyse
  CHECK(test::first_error(rank).message ==
        "input 'x' has 65 dims; netshape follows tensors of "
        "at most 64");
  auto grow = test::check_ns("input [" + repeat("1, ", 63) + "1]\nunsqueeze(0)\n");
  CHECK(test::first_error(grow).message ==
        "the output has 65 dims; netshape follows tensors of at most 64");
  auto twice = test::check_ns("input [1, 2]\nrelu1 = ReLU()\noutput relu1, relu1\n");
  CHECK(test::first_error(twice).message == "'relu1' is named twice in `output`");
}

TEST_CASE(".ns: tokens are read on demand, and calls, tuples and lists are bounded") {
  // A million arguments over lines: refused at the 1,025th, without reading the rest.
  std::string args = "input [1, 28]\nLinear(28, 2" + repeat("\n,1", 1000000) + ")\n";
  fs::path p = write_temp("args.ns", args);
  Run r = run_cli({"check", p.string()});
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("args.ns:1025:2: error: more than 1024 arguments in one call") !=
        std::string::npos);
  CHECK(count(r.out, "error:") == 1);
  check_memory(r, args.size());
  // A million-term sum is valid: folded as it is read, in memory linear in the file.
  std::string sum = "input [1, 28]\nLinear(28, 1" + repeat("\n+1", 1000000) + ")\n";
  fs::path q = write_temp("sum.ns", sum);
  Run ok = run_cli({"check", q.string()});
  CHECK(ok.code == 0);
  CHECK(ok.out.find("[1, 1000001]") != std::string::npos);
  check_memory(ok, sum.size());
  auto list = test::check_ns("input [1, 2]\nview(" + repeat("1, ", 1100) + "2)\n");
  CHECK(test::first_error(list).message == "more than 1024 arguments in one call");
}

TEST_CASE("Padding modes are checked on the real pads, 'same' included, with PyTorch's messages") {
  // PyTorch 1.13: F.pad runs before the convolution and fails first.
  auto same = test::check_ns(
      "input [1, 1, 2, 2]\nConv2d(1, 1, 5, padding='same', padding_mode='reflect')\n");
  CHECK(test::first_error(same).message ==
        "Argument #4: Padding size should be less than the corresponding input dimension, but "
        "got: padding (2, 2) at dimension 3 of input 4");
  auto one_d =
      test::check_ns("input [1, 1, 3]\nConv1d(1, 1, 6, padding='same', padding_mode='reflect')\n");
  CHECK(test::first_error(one_d).message ==
        "Argument #4: Padding size should be less than the corresponding input dimension, but "
        "got: padding (2, 3) at dimension 2 of input [1, 1, 3]");
  auto height = test::check_ns(
      "input [1, 1, 3, 5]\nConv2d(1, 1, 3, padding=(3, 1), padding_mode='reflect')\n");
  CHECK(test::first_error(height).message.rfind("Argument #6:", 0) == 0);
  auto wraps =
      test::check_ns("input [1, 1, 2, 2]\nConv2d(1, 1, 3, padding=3, padding_mode='circular')\n");
  CHECK(test::first_error(wraps).message == "Padding value causes wrapping around more than once.");
  auto fits = test::check_ns(
      "input [1, 1, 2, 2]\nConv2d(1, 1, 5, padding='same', padding_mode='circular')\n");
  CHECK(test::out_shape(fits) == "[1, 1, 2, 2]");
  // an unbatched input: circular mode pads one pair of dims too many (reflect pads it)
  for (const char* nd : {"1", "2", "3"}) {
    std::string dims = std::string(nd) == "1"   ? "[2, 8]"
                       : std::string(nd) == "2" ? "[2, 8, 8]"
                                                : "[2, 5, 5, 5]";
    auto unbatched = test::check_ns("input " + dims + "\nConv" + nd +
                                    "d(2, 3, 3, padding=1, padding_mode='circular')\n");
    int64_t n = std::stoll(nd);
    CHECK(test::first_error(unbatched).message ==
          fmt::format("Invalid padding size, expected {} but got {}", 2 * (n - 1), 2 * n));
  }
  auto reflected =
      test::check_ns("input [2, 8, 8]\nConv2d(2, 3, 3, padding=1, padding_mode='reflect')\n");
  CHECK(test::out_shape(reflected) == "[3, 8, 8]");
  Run r = run_cli({"run", "-"}, write_temp("same.ns",
                                           "input [1, 1, 2, 2]\nConv2d(1, 1, 5, "
                                           "padding='same', padding_mode='reflect')\n")
                                    .string());
  CHECK(r.code == 1);
}

TEST_CASE("Python's // and % in both frontends, INT64_MIN included") {
  struct Case {
    const char* expr;
    int64_t value;  // 100 + expr, as Python computes it
  };
  const Case cases[] = {{"9223372036854775807 % -3", 98},
                        {"(-9223372036854775807-1) % 3", 101},
                        {"(-9223372036854775807-1) % -1", 100},
                        {"-7 // 2", 96},
                        {"-7 % 2", 101},
                        {"7 % -2", 99}};
  for (const Case& c : cases) {
    INFO(c.expr);
    auto ns = test::check_ns(fmt::format("input [1, 28]\nLinear(28, 100 + ({}))\n", c.expr));
    CHECK(test::out_shape(ns) == fmt::format("[1, {}]", c.value));
    auto py = test::check_ns(fmt::format("import torch.nn as nn\n# input: [1, 28]\nmodel = "
                                         "nn.Sequential(nn.Linear(28, 100 + ({})))\n",
                                         c.expr),
                             "t.py");
    CHECK(test::out_shape(py) == fmt::format("[1, {}]", c.value));
  }
}

TEST_CASE("run refuses a forward pass that would take hours, before allocating it") {
  Run conv = run_cli({"run", write_temp("work.ns",
                                        "input [1, 1, 4096, 4096]\nConv2d(1, 1, 4095, "
                                        "padding=2047)\n")
                                 .string()});
  CHECK(conv.code == 2);
  CHECK(conv.out.find("needs 281,337,588,088,832 operations") != std::string::npos);
  Run pool = run_cli({"run", write_temp("pool.ns",
                                        "input [1, 1, 4096, 4096]\nMaxPool2d(4095, "
                                        "stride=1, padding=2047)\n")
                                 .string()});
  CHECK(pool.code == 2);
  CHECK(pool.out.find("the most at maxpool2d1") != std::string::npos);
  // Channels near 2^63: refused by the memory estimate, whose channel rounding never overflows.
  Run wide = run_cli({"run", write_temp("wide.ns",
                                        "input [1, 1, 1, 1]\nc = Conv2d(1, "
                                        "9223372036854775804, 1, bias=False)\n")
                                 .string()});
  CHECK(wide.code == 2);
  CHECK(wide.out.find("(its peak is at c)") != std::string::npos);
}

TEST_CASE("Chains and nesting have separate budgets: 17 nested calls and 900 terms are fine") {
  std::string nested = "x";
  for (int i = 0; i < 17; ++i) nested = "torch.relu(" + nested + ")";
  auto calls = test::check_ns(
      "import torch\nimport torch.nn as nn\n# input: [1, 4]\nclass Net(nn.Module):\n"
      "    def forward(self, x):\n        return " +
          nested + "\n",
      "t.py");
  CHECK(calls.exit == ExitCode::Ok);
  CHECK(calls.analysis.layers.size() == 17);
  auto sum = test::check_ns(
      "import torch.nn as nn\n# input: [1, 28]\nmodel = "
      "nn.Sequential(nn.Linear(28, 1" +
          repeat("+1", 900) + "))\n",
      "t.py");
  CHECK(test::out_shape(sum) == "[1, 901]");
}

TEST_CASE("ceil_mode pooling never reports a false overflow") {
  auto m = test::check_ns(
      "input [1, 1, 9223372036854775807]\nMaxPool1d(1, stride=1000000000000000000, "
      "ceil_mode=True)\n");
  CHECK(test::out_shape(m) == "[1, 1, 10]");
}

TEST_CASE("When the diagnostics are full, an error still takes a warning's place") {
  Diagnostics d;
  for (size_t i = 0; i < Diagnostics::kMaxKept; ++i) d.warning(Span{1, 1, 1}, "w");
  d.error(Span{2, 1, 1}, "the error");
  CHECK(d.items().size() == Diagnostics::kMaxKept);
  CHECK(d.items().back().message == "the error");
  CHECK(d.has_errors());
  CHECK(d.dropped() == 1);
  d.warning(Span{3, 1, 1}, "late");
  CHECK(d.dropped() == 2);
  CHECK(d.count() == Diagnostics::kMaxKept + 2);
}
