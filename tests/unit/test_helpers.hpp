// Helpers for the inference tests: run a .ns snippet through the real pipeline.
#pragma once
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "netshape/exec.hpp"
#include "netshape/netshape.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"

namespace netshape::test {

// `n` floats uniform in [-1, 1]: the kernels' test inputs and weights.
inline std::vector<float> random_floats(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

// Whether this build runs under AddressSanitizer (GCC defines __SANITIZE_ADDRESS__, clang has
// __has_feature): it reserves shadow memory, so memory limits and measurements do not apply.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAsan = true;
#else
inline constexpr bool kAsan = false;
#endif
#else
inline constexpr bool kAsan = false;
#endif

// Runs a shell command; its exit code (-1 when it did not exit) and its output.
struct ShellRun {
  int code;
  std::string out;
};
inline ShellRun run_shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, std::move(out)};
}

// The built binary's run (no shell), from the repository's root: exit code, stdout and stderr
// merged, and its own peak memory (wait4).
struct BinaryRun {
  int code = -1;
  std::string out;
  long max_rss_kb = 0;
};
// Small: the child runs with transparent huge pages disabled (prctl, kept across execv), so its
// resident set counts 4 KiB pages whatever the binary advises.
enum class Pages { AsTheBinaryAsks, Small };
inline BinaryRun run_binary(const std::vector<std::string>& args, Pages pages,
                            const std::string& stdin_path = "/dev/null") {
  namespace fs = std::filesystem;
  fs::path out_path =
      fs::temp_directory_path() / ("netshape_binary_out_" + std::to_string(getpid()));
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = open(stdin_path.c_str(), O_RDONLY);
    if (out < 0 || in < 0 || chdir(NETSHAPE_SOURCE_DIR) != 0) _exit(127);
    if (pages == Pages::Small) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(NETSHAPE_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(NETSHAPE_BINARY, argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  REQUIRE(wait4(pid, &status, 0, &usage) == pid);
  BinaryRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kb = usage.ru_maxrss;
  std::ifstream f(out_path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  r.out = ss.str();
  fs::remove(out_path);
  return r;
}

// The first error of a model as "line:col: message" (the position in the file it names).
inline std::string first_error_at(const LoadedModel& m) {
  for (const Diagnostic& d : m.diags.items())
    if (d.severity == Severity::Error)
      return std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message;
  return "";
}

inline LoadedModel check_ns(const std::string& text, const std::string& path = "t.ns") {
  LoadedModel m;
  m.source = SourceFile(path, text);
  load_model(m, {});
  return m;
}

// Checks a .ns snippet and runs its forward pass on `threads`, keeping every output; both must
// succeed.
inline ExecResult run_kept(const std::string& text, int threads = 2) {
  LoadedModel m = check_ns(text);
  REQUIRE(m.exit == ExitCode::Ok);
  ExecOptions o;
  o.keep_outputs = true;
  o.threads = threads;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  return r;
}

inline std::string out_shape(const LoadedModel& m) {
  if (m.analysis.layers.empty() || !m.analysis.layers.back().output) return "error";
  return to_string(*m.analysis.layers.back().output);
}

// The names of the tensors a layer reads, in order.
inline std::vector<std::string> input_names(const Analysis& a, const LayerInfo& l) {
  std::vector<std::string> names;
  for (TensorId t : l.input_ids) names.emplace_back(a.name_of(t));
  return names;
}

// `text` with the first `from` replaced by `to`: a model template filled in for one case.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// A .py model analysed for inputs of `dims` ("2,6,32").
inline LoadedModel analyze_py(const std::string& text, const std::string& path,
                              const std::string& dims) {
  LoadOptions o;
  o.input_dims = dims;
  return analyze_text(text, path, o);
}

// The tensor called `name` among a run's inputs, outputs or weights.
inline const Tensor& tensor_named(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                  const std::string& name) {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  FAIL("no tensor " << name);
  return tensors.front().second;
}

inline const Diagnostic& first_error(const LoadedModel& m) {
  REQUIRE(!m.diags.items().empty());
  return m.diags.items().front();
}

// The message of the shape error (exit 1) a model-language model gives.
inline std::string shape_error_of(const std::string& ns) {
  LoadedModel m = check_ns(ns);
  CHECK(m.exit == ExitCode::ShapeError);
  return first_error(m).message;
}

// A tensor of `shape` holding `data` (row-major), for a forward's expected values.
inline Tensor tensor_of(std::vector<int64_t> shape, std::vector<float> data) {
  Tensor t = Tensor::zeros(std::move(shape));
  REQUIRE(data.size() == t.data.size());
  t.data = std::move(data);
  return t;
}

// One forward body of a .py model template (its BODY filled in) with PyTorch's outcome: the
// error's message (exit `error_exit` of check_py_cases: 1 for a shape error, 2 for an error of the
// model's own code), or "" and the last layer's output shape.
struct PyCase {
  const char* body;
  const char* error;
  const char* shape;
};

inline void check_py_cases(const std::string& base, const std::string& path,
                           std::span<const PyCase> cases,
                           ExitCode error_exit = ExitCode::ShapeError) {
  for (const PyCase& c : cases) {
    std::string text = base;
    text.replace(text.find("BODY"), 4, c.body);
    LoadedModel m = analyze_text(text, path, {});
    INFO(c.body);
    INFO(render_diagnostics(m));
    if (!*c.error) {
      REQUIRE(m.exit == ExitCode::Ok);
      CHECK(out_shape(m) == c.shape);
    } else {
      CHECK(m.exit == error_exit);
      CHECK(first_error(m).message == c.error);
    }
  }
}

// One layer of a table-driven test: `inputs` (its `input` lines) and the statement, with
// PyTorch's answer: the output shape, params and MACs, or "error" and its message ("" when only
// the failure is checked).
struct LayerCase {
  const char* inputs;
  const char* layer;
  const char* shape;
  int64_t params;
  int64_t macs;
  const char* error;
};

// Each case checked as a model of its own: the last layer's numbers, or the first error.
inline void check_layer_cases(std::span<const LayerCase> cases) {
  for (const LayerCase& c : cases) {
    std::string text = std::string("model M\n") + c.inputs + "\n" + c.layer + "\n";
    CAPTURE(text);
    LoadedModel m = check_ns(text);
    if (std::string(c.shape) == "error") {
      CHECK(m.exit != ExitCode::Ok);
      if (*c.error) CHECK(first_error(m).message == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    const LayerInfo& a = m.analysis.layers.back();
    CHECK(out_shape(m) == c.shape);
    CHECK(a.params == c.params);
    CHECK(a.macs == c.macs);
  }
}

}  // namespace netshape::test
