// `netshape bench run FILE`: netshape's forward pass of a model (netshape run without the table)
// against PyTorch's CPU eager forward of the torchvision model of the same name, on an input of
// the same shape and the same number of threads; the fastest of a few runs of each, after a
// warm-up, taken in one process run (docs/cli.md, "bench run").
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "netshape/commands.hpp"
#include "netshape/exec.hpp"
#include "netshape/limits.hpp"
#include "process.hpp"

namespace netshape {
namespace {

struct ForwardTimes {
  double total_ms = 0;
  std::map<std::string, double> by_op;  // ms of each op, summed over its layers
};

// The fastest of `runs` forward passes (after a warm-up). Only the layers' own time counts: the
// seeded weights are made outside it, as a PyTorch model's exist before its forward.
std::optional<ForwardTimes> time_forward(const Analysis& a, const ExecOptions& eo, int runs,
                                         std::string& error) {
  std::optional<ForwardTimes> best;
  for (int i = 0; i <= runs; ++i) {
    ExecResult r = execute(a, eo);
    if (!r.match) {
      error = r.error;
      return std::nullopt;
    }
    ForwardTimes t;
    for (size_t k = 0; k < r.layers.size(); ++k) {
      t.total_ms += r.layers[k].ms;
      t.by_op[std::string(a.layers[k].op_name)] += r.layers[k].ms;
    }
    if (i > 0 && (!best || t.total_ms < best->total_ms)) best = std::move(t);
  }
  return best;
}

// PyTorch's eager forward of torchvision.models.<builder>() in eval mode on an input of `dims`,
// with `threads` threads: the fastest of `runs` after a warm-up, in ms; nullopt without
// /usr/bin/python3, torch, torchvision or that builder.
std::optional<double> torch_forward_ms(const std::string& builder, const std::vector<int64_t>& dims,
                                       int threads, int runs) {
  std::string error;
  auto scratch = make_bench_dir("bench-run", error);
  if (!scratch) return std::nullopt;
  const std::string& dir = *scratch;
  std::string script = fmt::format(
      "import time, torch, torchvision\n"
      "torch.set_num_threads({})\n"
      "model = getattr(torchvision.models, '{}')(weights=None).eval()\n"
      "x = torch.randn({})\n"
      "best = None\n"
      "with torch.no_grad():\n"
      "    model(x)\n"
      "    for _ in range({}):\n"
      "        t = time.perf_counter()\n"
      "        model(x)\n"
      "        ms = (time.perf_counter() - t) * 1000\n"
      "        best = ms if best is None else min(best, ms)\n"
      "print(best)\n",
      threads, builder, fmt::join(dims, ", "), runs);
  auto text = run_python(script, dir, "torch_forward");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  double ms = 0;
  if (!text || !(std::istringstream(*text) >> ms)) return std::nullopt;
  return ms;
}

// A torchvision builder's name is lowercase letters, digits and underscores.
bool builder_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

int command_bench_run(const BenchOptions& bo, std::ostream& out, std::ostream& err) {
  const RunBenchOptions& o = bo.run;
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) {
    err << render_command_error(error, "check the path");
    return 2;
  }
  LoadedModel m;
  m.source = *src;
  load_model(m, {});
  err << render_diagnostics(m);
  if (m.exit != ExitCode::Ok) return static_cast<int>(m.exit);
  ExecOptions eo;
  eo.threads = o.threads;
  eo.batch = o.batch;
  if (!guard_run(m.analysis, eo, 0, err)) return 2;
  auto ours = time_forward(m.analysis, eo, o.runs, error);
  if (!ours) {
    err << render_command_error("the forward pass failed: " + error);
    return 1;
  }
  std::vector<int64_t> dims = bind_shape(m.analysis.inputs.at(0).second, o.batch);
  out << fmt::format("{}: input [{}], {} thread{}, fastest of {} runs after a warm-up\n", o.file,
                     fmt::join(dims, ", "), o.threads, o.threads == 1 ? "" : "s", o.runs);
  out << fmt::format("netshape forward: {:.1f} ms (", ours->total_ms);
  std::vector<std::pair<std::string, double>> ops(ours->by_op.begin(), ours->by_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& x, const auto& y) { return x.second > y.second; });
  for (size_t i = 0; i < ops.size() && i < 5; ++i)
    out << fmt::format("{}{} {:.1f}", i ? ", " : "", ops[i].first, ops[i].second);
  out << ")\n";
  std::string builder =
      o.torchvision.empty() ? std::filesystem::path(o.file).stem().string() : o.torchvision;
  std::optional<double> torch;
  if (builder_name(builder)) torch = torch_forward_ms(builder, dims, o.threads, o.runs);
  if (torch) {
    out << fmt::format(
        "PyTorch eager forward of torchvision.models.{}: {:.1f} ms; netshape is {:.2f}x "
        "PyTorch's speed\n",
        builder, *torch, *torch / std::max(ours->total_ms, 1e-6));
  } else {
    out << fmt::format(
        "PyTorch: no comparison (needs /usr/bin/python3 with torch and torchvision, and a "
        "torchvision builder named '{}': --torchvision NAME)\n",
        builder);
  }
  return 0;
}

}  // namespace netshape
