// Hostile input to `run` and to the numeric options of every command (issue 7): never a crash,
// never a hang, never silently wrong, never unbounded memory. Each case holds the exact
// reproducer of /work/shared/repro (B5, B7, B8, B9, B11) and finishes well within a second;
// the memory cases are refused before anything is allocated, with --memory-limit (or the
// library's estimate) so that they do not depend on this machine's memory.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netshape/exec.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::run_kept;
namespace fs = std::filesystem;

namespace {

using netshape::test::kAsan;

struct Cli {
  int code;
  std::string out;  // stdout and stderr
  double seconds;
};

// Runs the built binary with `args` through `sh -c` (stdout and stderr merged), killed after
// 20 s so that a regression to a hang fails instead of blocking the suite.
Cli cli(const std::string& args, const std::string& prefix = "") {
  const std::string cmd =
      prefix + "timeout 20 " + std::string(NETSHAPE_BINARY) + " " + args + " 2>&1";
  const auto t0 = std::chrono::steady_clock::now();
  test::ShellRun r = test::run_shell(cmd);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {r.code, std::move(r.out), s};
}

// A fresh directory for one test, removed with the object.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("netshape_hostile_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

const std::string kB8Conv20k = "input [1, 1, 20000, 20000]\nConv2d(1, 1, 1)\n";
const std::string kB8JustUnderGuard = "input [4294967295]\nReLU()\n";
const std::string kB8Conv14k = "input [1, 1, 14000, 14000]\nConv2d(1, 1, 1)\n";
std::string b8_save_all_outputs() {
  std::string s = "input [1, 500000000]\n";
  for (int i = 0; i < 10; ++i) s += "ReLU()\n";
  return s;
}

}  // namespace

// ---- B5: pooling windows are clipped to the input -------------------------------------------

TEST_CASE("B5: run of a 2^62 max-pool window with 2^61 padding finishes at once") {
  TempDir d("b5");
  for (const std::string text :
       {"input [1, 1, 1]\nMaxPool1d(4611686018427387904, padding=2305843009213693952)\n",
        "input [1, 1, 1, 1]\nMaxPool2d(100000, padding=50000)\n"}) {
    CAPTURE(text);
    Cli r = cli("run " + d.file("b5.ns", text));
    CAPTURE(r.out);
    CHECK(r.code == 0);
    CHECK(r.out.find("all shapes match") != std::string::npos);
    CHECK(r.seconds < 1.0);
  }
}

TEST_CASE("B5: clipped windows give PyTorch's values (max, avg with and without the padding)") {
  // Every window of 2^62 taps covers the whole input: every output is its max.
  ExecResult mx = run_kept(
      "input x: [1, 1, 5]\nMaxPool1d(4611686018427387904, stride=1, "
      "padding=2305843009213693952)\n");
  const auto& x = mx.inputs[0].second.data;
  const auto& y = mx.outputs[0].second;
  CHECK(y.shape == std::vector<int64_t>{1, 1, 6});
  for (float v : y.data) CHECK(v == *std::max_element(x.begin(), x.end()));
  // Average: the divisor counts the padding inside the window (count_include_pad=True) or not.
  ExecResult av = run_kept(
      "input x: [1, 1, 5]\n"
      "a = AvgPool1d(4611686018427387904, 1, padding=2305843009213693952)(x)\n"
      "b = AvgPool1d(4611686018427387904, 1, padding=2305843009213693952, "
      "count_include_pad=False)(x)\noutput a, b\n");
  const auto& xa = av.inputs[0].second.data;
  double sum = 0;
  for (float v : xa) sum += v;
  // Window [o - 2^61, o + 2^61) clipped to the padded input [-2^61, 5 + 2^61): 2^62 taps.
  REQUIRE(av.outputs[0].second.data.size() == 6);
  for (float v : av.outputs[0].second.data)
    CHECK(v * 4611686018427387904.0 == doctest::Approx(sum));
  for (float v : av.outputs[1].second.data) CHECK(v == doctest::Approx(sum / 5));
}

TEST_CASE("B5: a huge padding and stride runs only the in-range taps of the convolutions") {
  // Conv1d: stride and padding 2^40 -> 3 outputs; only the middle one sees the input.
  ExecResult c = run_kept(
      "input x: [1, 1, 4]\nConv1d(1, 1, 3, padding=1099511627776, stride=1099511627776)\n");
  const auto& x = c.inputs[0].second.data;
  const auto& w = c.weights[0].second.data;
  const float b = c.weights[1].second.data[0];
  const auto& y = c.outputs[0].second.data;
  REQUIRE(y.size() == 3);
  CHECK(y[0] == doctest::Approx(b));
  CHECK(y[1] == doctest::Approx(b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]));
  CHECK(y[2] == doctest::Approx(b));
  // A 4001-wide kernel over 396,001 output columns of a 1-pixel input: the blocked kernel visits
  // only the kernel columns that reach the pixel (before: 4001 per strip, seconds).
  const auto t0 = std::chrono::steady_clock::now();
  ExecResult wide =
      run_kept("input x: [1, 1, 1, 1]\nConv2d(1, 1, (1, 4001), padding=(0, 200000))\n");
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 1.0);
  const float x0 = wide.inputs[0].second.data[0];
  const auto& ww = wide.weights[0].second.data;
  const float bw = wide.weights[1].second.data[0];
  const auto& yw = wide.outputs[0].second.data;
  REQUIRE(yw.size() == 396001);
  // Output q reads input column q - 200000 + s: the pixel at s = 200000 - q.
  for (int64_t q : {0, 195999, 196000, 197000, 200000, 200001, 396000}) {
    CAPTURE(q);
    const int64_t s = 200000 - q;
    const float want = s >= 0 && s < 4001 ? bw + ww[static_cast<size_t>(s)] * x0 : bw;
    CHECK(yw[static_cast<size_t>(q)] == doctest::Approx(want));
  }
  // Transposed: a 100,001-tap kernel with padding 49,999 on one input: 3 outputs, output o
  // takes tap 49,999 + o.
  ExecResult t = run_kept("input x: [1, 1, 1]\nConvTranspose1d(1, 1, 100001, padding=49999)\n");
  const auto& wt = t.weights[0].second.data;
  const float xt = t.inputs[0].second.data[0], bt = t.weights[1].second.data[0];
  REQUIRE(t.outputs[0].second.data.size() == 3);
  for (size_t o = 0; o < 3; ++o)
    CHECK(t.outputs[0].second.data[o] == doctest::Approx(bt + xt * wt[49999 + o]));
}

// ---- B8: the memory guard --------------------------------------------------------------------

TEST_CASE("B8: the estimate counts the conv scratch, the input once and the live outputs") {
  ExecOptions o;
  // [1,1,20000,20000] + Conv2d(1,1,1): input + output (the first-layer path reads the NCHW
  // input, and the kernel writes the NCHW output strip by strip: no copy padded to 16 channels)
  // + packed weights and the strip plan.
  auto conv = check_ns(kB8Conv20k);
  REQUIRE(conv.exit == ExitCode::Ok);
  MemoryEstimate e = estimate_memory(conv.analysis, o);
  REQUIRE(e.peak_bytes);
  const int64_t t = int64_t{20000} * 20000 * 4;
  CHECK(*e.peak_bytes >= 2 * t);
  CHECK(*e.peak_bytes <= 2 * t + (int64_t{64} << 20));
  CHECK(e.peak_at == "conv2d1");
  // [4294967295] + ReLU(): the input once plus the output.
  auto relu = check_ns(kB8JustUnderGuard);
  e = estimate_memory(relu.analysis, o);
  REQUIRE(e.peak_bytes);
  CHECK(*e.peak_bytes == 2 * int64_t{4294967295} * 4);
  // Ten ReLUs: two tensors live at a time; a sink (--save-tensors) receives all eleven.
  auto chain = check_ns(b8_save_all_outputs());
  e = estimate_memory(chain.analysis, o);
  REQUIRE(e.peak_bytes);
  CHECK(*e.peak_bytes == 2 * int64_t{500000000} * 4);
  REQUIRE(e.sink_bytes);
  CHECK(*e.sink_bytes == 11 * int64_t{500000000} * 4);
  CHECK(e.sink_tensors == 11);
  // --batch multiplies a symbolic batch; a count past int64 is nullopt, not a wrapped number.
  auto batched = check_ns("input x: [B, 3, 8, 8]\nReLU()\n");
  o.batch = 1000;
  e = estimate_memory(batched.analysis, o);
  REQUIRE(e.peak_bytes);
  CHECK(*e.peak_bytes == 2 * int64_t{1000} * 3 * 8 * 8 * 4);
  auto huge = check_ns("input x: [B, 1000000000000000]\nReLU()\n");
  o.batch = 65536;
  CHECK(!estimate_memory(huge.analysis, o).peak_bytes);
}

TEST_CASE("B8: run refuses the reproducers early, saying what it needs and what is available") {
  TempDir d("b8");
  const std::string cases[] = {kB8Conv20k, kB8JustUnderGuard, kB8Conv14k, b8_save_all_outputs()};
  for (const std::string& text : cases) {
    CAPTURE(text);
    const std::string f = d.file("b8.ns", text);
    for (const std::string& extra :
         std::vector<std::string>{"", " --save-tensors " + (d.path / "out").string()}) {
      Cli r = cli("run " + f + " --memory-limit 256M" + extra);
      CAPTURE(r.out);
      CHECK(r.code == 2);
      CHECK(r.out.find("netshape: error: running this model needs about ") != std::string::npos);
      CHECK(r.out.find("more than the 256.0 MiB available (--memory-limit)") != std::string::npos);
      CHECK(r.out.find("all shapes match") == std::string::npos);
      CHECK(r.seconds < 1.0);
    }
  }
  // Within the budget it runs, and says what it estimated.
  Cli ok = cli("run models/vgg_small.ns --memory-limit 512M --format json");
  CAPTURE(ok.out);
  CHECK(ok.code == 0);
  CHECK(ok.out.find("\"estimated_peak_bytes\"") != std::string::npos);
  CHECK(ok.out.find("\"limit_bytes\": 536870912") != std::string::npos);
}

TEST_CASE("B8: an address-space limit (ulimit -v) is part of the memory available") {
  if (kAsan) return;  // AddressSanitizer itself needs terabytes of address space
  TempDir d("b8ulimit");
  Cli r = cli("run " + d.file("b8.ns", kB8Conv20k), "ulimit -v 2000000; ");
  CAPTURE(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("available (the address-space limit, ulimit -v)") != std::string::npos);
}

// ---- B7: --save-tensors failures -------------------------------------------------------------

TEST_CASE("B7: the first failed write stops run with one message and exit 2") {
  TempDir d("b7");
  const std::string model = (fs::path(NETSHAPE_SOURCE_DIR) / "models/lenet.ns").string();
  // A directory where conv1's output goes: input and conv1's weights are written, then it stops.
  const fs::path out = d.path / "out";
  fs::create_directories(out / "conv1.npy");
  Cli r = cli("run " + model + " --save-tensors " + out.string());
  CAPTURE(r.out);
  CHECK(r.code == 2);
  CHECK(count(r.out, "error:") == 1);
  CHECK(r.out.find("cannot write '" + (out / "conv1.npy").string() + "'") != std::string::npos);
  CHECK(fs::exists(out / "input.x.npy"));
  CHECK(fs::exists(out / "conv1.weight.npy"));
  CHECK(!fs::exists(out / "pool1.npy"));
  CHECK(r.out.find("all shapes match") == std::string::npos);
  // A device that is full: the failure shows when the file is closed; the partial file goes.
  const fs::path full = d.path / "full";
  fs::create_directories(full);
  fs::create_symlink("/dev/full", full / "input.x.npy");
  r = cli("run " + model + " --save-tensors " + full.string());
  CAPTURE(r.out);
  CHECK(r.code == 2);
  CHECK(count(r.out, "error:") == 1);
  CHECK(r.out.find("No space left on device") != std::string::npos);
  // A directory under a regular file cannot be made.
  const std::string file = d.file("plain", "x");
  r = cli("run " + model + " --save-tensors " + file + "/sub");
  CHECK(r.code == 2);
  CHECK(r.out.find("cannot create") != std::string::npos);
  // A read-only directory (only meaningful when not root: root writes anyway).
  if (geteuid() != 0) {
    const fs::path ro = d.path / "ro";
    fs::create_directories(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    r = cli("run " + model + " --save-tensors " + ro.string());
    CHECK(r.code == 2);
    CHECK(count(r.out, "error:") == 1);
  }
}

TEST_CASE("B7: --save-tensors and --input with an empty value are usage errors") {
  const std::string model = (fs::path(NETSHAPE_SOURCE_DIR) / "models/lenet.ns").string();
  for (const std::string& args : std::vector<std::string>{
           "run " + model + " --save-tensors ''", "run " + model + " --input ''",
           "check " + model + " --input ''", "shape 'ReLU()' --input ''",
           "params 'Linear(3, 4)' --input ''", "bench conv --layers ''"}) {
    CAPTURE(args);
    Cli r = cli(args);
    CAPTURE(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find("must not be empty") != std::string::npos);
  }
}

TEST_CASE("B7: saved tensors are valid .npy files, version 2.0 past a 64 KiB header") {
  TempDir d("npy");
  const std::string model = (fs::path(NETSHAPE_SOURCE_DIR) / "models/lenet.ns").string();
  Cli r = cli("run " + model + " --save-tensors " + d.path.string());
  REQUIRE(r.code == 0);
  std::ifstream f(d.path / "input.x.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  REQUIRE(bytes.size() > 10);
  CHECK(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
  const size_t len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9])
                                                                << 8;
  CHECK((10 + len) % 64 == 0);
  CHECK(bytes.size() == 10 + len + 1 * 28 * 28 * 4);
  // 40000 dims of 1: the header does not fit version 1.0's 16-bit length.
  Tensor t;
  t.shape.assign(40000, 1);
  t.data = {2.5f};
  const std::string path = (d.path / "wide.npy").string();
  REQUIRE(write_npy(path, t).empty());
  std::ifstream g(path, std::ios::binary);
  std::string w((std::istreambuf_iterator<char>(g)), {});
  REQUIRE(w.size() > 12);
  CHECK(w.compare(0, 8, std::string("\x93NUMPY\x02\x00", 8)) == 0);
  size_t len2 = 0;
  for (int i = 3; i >= 0; --i) len2 = len2 << 8 | static_cast<unsigned char>(w[8 + i]);
  CHECK(len2 > 65535);
  CHECK((12 + len2) % 64 == 0);
  CHECK(w.size() == 12 + len2 + 4);
  CHECK(write_npy((d.path / "no/such/dir.npy").string(), t) == "No such file or directory");
}

// ---- B9: numeric options are checked, never wrapped or saturated -----------------------------

TEST_CASE("B9: out-of-range or negative numbers are exit 2 naming the option and its range") {
  const std::string model = (fs::path(NETSHAPE_SOURCE_DIR) / "models/lenet.ns").string();
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {"run " + model + " --seed 18446744073709551616",
       "--seed: '18446744073709551616' is not an integer in [0, 18446744073709551615]"},
      {"run " + model + " --seed -1",
       "--seed: '-1' is not an integer in [0, 18446744073709551615]"},
      {"run " + model + " --seed 0x10", "--seed: '0x10' is not an integer"},
      {"run " + model + " --threads -1", "--threads: '-1' is not an integer in [0, 1024]"},
      {"run " + model + " --threads 2147483648", "--threads: '2147483648' is not an integer"},
      {"run " + model + " --batch 0", "--batch: '0' is not an integer in [1, 65536]"},
      {"run " + model + " --batch 9223372036854775808", "--batch: '9223372036854775808'"},
      {"run " + model + " --memory-limit -1G", "--memory-limit: '-1G' is not a size"},
      {"run " + model + " --memory-limit 16E", "--memory-limit: '16E' is not a size"},
      {"run " + model + " --memory-limit 12Q", "--memory-limit: '12Q' is not a size"},
      {"bench conv --threads -1", "--threads: '-1' is not an integer in [0, 1024]"},
      {"bench conv --min-seconds nan", "--min-seconds: 'nan' is not a number of seconds"},
      {"bench conv --min-seconds -0.5", "--min-seconds: '-0.5' is not a number of seconds"},
      {"bench check --layers 0", "--layers: '0' is not an integer in [1, 10000000]"},
      {"bench check --layers 18446744073709551617", "--layers: '18446744073709551617'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    Cli r = cli(c.args);
    CAPTURE(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find("netshape: error: " + c.message) != std::string::npos);
  }
  // The largest seed is valid, and a leading zero is decimal (CLI11 alone would read octal).
  TempDir d("b9");
  Cli max = cli("run " + model + " --seed 18446744073709551615");
  CHECK(max.code == 0);
  REQUIRE(cli("run " + model + " --seed 010 --save-tensors " + (d.path / "a").string()).code == 0);
  REQUIRE(cli("run " + model + " --seed 10 --save-tensors " + (d.path / "b").string()).code == 0);
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  CHECK(slurp(d.path / "a/conv1.weight.npy") == slurp(d.path / "b/conv1.weight.npy"));
}

// ---- B11: bench conv's layer CSV -------------------------------------------------------------

TEST_CASE("B11: overflowing or huge CSV values are exit 2 with file:line, before any work") {
  TempDir d("b11");
  const std::string header = "name,N,C,H,W,K,R,S,stride,pad,groups\n";
  struct Case {
    std::string row, message;
  };
  const Case cases[] = {
      {"ovf,9223372036854775807,3,10,10,64,3,3,1,1,1",
       "column N: 9223372036854775807 is out of range [1, 1024]"},
      {"big,1,3,100000,100000,64,3,3,1,1,1", "column H: 100000 is out of range [1, 65536]"},
      {"wrap,1,3,10,10,64,3,3,1,99999999999999999999,1",
       "column pad: '99999999999999999999' is not an integer in [0, 1024]"},
      {"mem,64,3,4096,4096,64,3,3,1,1,1",
       "needs 537.7 GiB of buffers, more than the bench's 4 GiB"},
      {"slow,8,256,128,128,512,3,3,1,1,1", "GFLOP per call, more than the bench's 100"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.row);
    const std::string f = d.file("layers.csv", header + c.row + "\n");
    Cli r = cli("bench conv --layers " + f + " --min-seconds 0.01 --no-reference");
    CAPTURE(r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find(f + ":2: ") != std::string::npos);
    CHECK(r.out.find(c.message) != std::string::npos);
    CHECK(r.out.find("internal error") == std::string::npos);
    CHECK(r.seconds < 1.0);
  }
}
