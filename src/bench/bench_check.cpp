// `netshape bench check`: how long `netshape check --format json` takes on a generated deep
// sequential model, phase by phase in this process and as a whole process (start, read, parse,
// lower, infer, render JSON, exit), with its peak RSS; the same model with an input too small
// for its last layer (the smallest-input search reruns inference); and, when PyTorch is
// installed, its meta-device forward of the same nn.Sequential (docs/cli.md, "bench check").
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "netshape/commands.hpp"
#include "netshape/frontend.hpp"
#include "netshape/limits.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"
#include "process.hpp"

namespace netshape {
namespace {

using Clock = BenchClock;

// The layers of the generated model, in the model language and in PyTorch, repeated in order.
struct BlockLayer {
  const char* ns;
  const char* torch;
};
constexpr BlockLayer kBlock[] = {
    {"Conv2d(16, 16, 3, padding=1)", "nn.Conv2d(16, 16, 3, padding=1, device='meta')"},
    {"BatchNorm2d(16)", "nn.BatchNorm2d(16, device='meta')"},
    {"ReLU()", "nn.ReLU()"},
    {"Conv2d(16, 16, kernel_size=(3, 3), stride=1, padding=(1, 1), bias=False)",
     "nn.Conv2d(16, 16, kernel_size=(3, 3), stride=1, padding=(1, 1), bias=False, "
     "device='meta')"},
};

// The fastest of `runs` runs of this executable with `args` (the machine is noisy: the minimum is
// the run least disturbed).
std::optional<Spawned> fastest_run(const std::vector<std::string>& args, int runs) {
  std::vector<std::string> argv = {std::filesystem::read_symlink("/proc/self/exe").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<Spawned> best;
  for (int i = 0; i < runs; ++i) {
    auto s = spawn(argv, "/dev/null");
    if (!s) return std::nullopt;
    if (!best || s->ms < best->ms) best = s;
  }
  return best;
}

// The fastest of `runs` whole-process checks of `model_path`.
std::optional<Spawned> time_process(const std::string& model_path, int runs,
                                    const std::vector<std::string>& more = {}) {
  std::vector<std::string> args = {"check", model_path, "--format", "json"};
  args.insert(args.end(), more.begin(), more.end());
  return fastest_run(args, runs);
}

// The fastest of `runs` starts and exits of this executable (`--version`): the floor under every
// whole-process time (loading, relocation, the command line's setup).
std::optional<Spawned> time_start(int runs) {
  return fastest_run({"--version"}, runs);
}

// The physical reference of parsing: reading the file and cutting it into tokens, nothing built
// (fastest of `runs`).
double time_tokenise(const std::string& path, int runs) {
  double best = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    std::string error;
    auto source = read_source(path, error);
    if (!source) return 0;
    Diagnostics diags;
    NsTokenizer tokens(*source, diags);
    size_t count = 0;
    while (tokens.next().kind != TokenKind::End) ++count;
    double ms = ms_between(t0, Clock::now());
    if (count == 0) return 0;
    best = i == 0 ? ms : std::min(best, ms);
  }
  return best;
}

// PyTorch's forward of the same nn.Sequential on the meta device (shapes only, no data), in
// milliseconds; nullopt without /usr/bin/python3 and torch.
std::optional<double> torch_meta_forward_ms(int64_t layers, const std::string& dir) {
  std::string script = "import time, torch, torch.nn as nn\nblock = [";
  for (const BlockLayer& b : kBlock) script += fmt::format("lambda: {}, ", b.torch);
  script += fmt::format(
      "]\nmodel = nn.Sequential(*[block[i % 4]() for i in range({})]).eval()\n"
      "x = torch.empty(1, 16, 32, 32, device='meta')\n"
      "best = None\n"
      "for _ in range(3):\n"
      "    t = time.perf_counter()\n"
      "    with torch.no_grad():\n"
      "        y = model(x)\n"
      "    ms = (time.perf_counter() - t) * 1000\n"
      "    best = ms if best is None else min(best, ms)\n"
      "print(best)\n",
      layers);
  auto text = run_python(script, dir, "torch_meta");
  double ms = 0;
  if (!text || !(std::istringstream(*text) >> ms)) return std::nullopt;
  return ms;
}

// How long `import torch` takes, and where torchvision's resnet.py is; nullopt without them.
struct TorchvisionSource {
  double import_ms = 0;
  std::string resnet_py;
};
std::optional<TorchvisionSource> find_torchvision(const std::string& dir) {
  auto text = run_python(
      "import time\nt = time.perf_counter()\nimport torch\n"
      "print((time.perf_counter() - t) * 1000)\n"
      "import torchvision.models.resnet as r\nprint(r.__file__)\n",
      dir, "find_tv");
  TorchvisionSource tv;
  if (!text || !(std::istringstream(*text) >> tv.import_ms >> tv.resnet_py)) return std::nullopt;
  return tv;
}

// torchvision's own resnet.py read and resnet152 analysed, in this process (best of `runs`).
std::optional<double> time_resnet152(const std::string& resnet_py, int runs) {
  std::optional<double> best;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    LoadedModel m;
    std::string error;
    auto source = read_source(resnet_py, error);
    if (!source) return std::nullopt;
    m.source = std::move(*source);
    LoadOptions opts;
    opts.model = "resnet152";
    opts.input_dims = "1,3,224,224";
    load_model(m, opts);
    std::string json = render_json(m.analysis, m.diags);
    double ms = ms_between(start, Clock::now());
    if (m.exit != ExitCode::Ok) return std::nullopt;
    best = best ? std::min(*best, ms) : ms;
  }
  return best;
}

struct Phases {
  double read = 0, parse = 0, lower = 0, infer = 0, json = 0;
  double total() const { return read + parse + lower + infer + json; }
  bool ok = false;
};

// The phases of `netshape check --format json`, timed one by one in this process.
Phases time_phases_once(const std::string& path) {
  Phases p;
  auto t0 = Clock::now();
  std::string error;
  auto source = read_source(path, error);
  auto t1 = Clock::now();
  if (!source) return p;
  Diagnostics diags;
  auto program = parse_ns(*source, diags);
  auto t2 = Clock::now();
  if (!program) return p;
  Graph graph = lower(std::move(*program));
  auto t3 = Clock::now();
  Analysis analysis = analyze(graph, diags);
  auto t4 = Clock::now();
  std::string json = render_json(analysis, diags);
  auto t5 = Clock::now();
  p = Phases{ms_between(t0, t1), ms_between(t1, t2), ms_between(t2, t3),
             ms_between(t3, t4), ms_between(t4, t5), analysis.ok};
  return p;
}

// The run of `runs` with the smallest total (the one least disturbed).
Phases time_phases(const std::string& path, int runs) {
  Phases best;
  for (int i = 0; i < runs; ++i) {
    Phases p = time_phases_once(path);
    if (i == 0 || p.total() < best.total()) best = p;
  }
  return best;
}

// A residual network of `blocks` uses of one block (conv, batch norm, add, ReLU), written with
// the model language's blocks and a repeat: what expansion costs.
std::string generate_block_model(int64_t blocks) {
  return fmt::format(
      "model DeepResidual\ninput x: [B, 16, 32, 32]\n"
      "block Res(c):\n  conv = Conv2d(c, c, 3, padding=1, bias=False)\n  bn = BatchNorm2d(c)\n"
      "  sum = add(bn, x)\n  out = ReLU()(sum)\nend\nbody = Res(16) * {}\n",
      blocks);
}

// The zoo's ResNet-152 (blocks expanded) and a generated 10,000-block residual network: the
// analysis in process, and the whole process.
// `blocks` is the generated network's file, `whole` its whole-process run.
void time_blocks(const std::string& blocks, const std::optional<Spawned>& whole,
                 std::ostream& out) {
  std::string zoo = "models/zoo/resnet152.ns";  // run from the repository's root
  if (!std::filesystem::exists(zoo)) {
    out << "models/zoo/resnet152.ns: not found from here (run from the repository's root)\n";
  } else {
    Phases best = time_phases(zoo, 5);
    out << fmt::format(
        "models/zoo/resnet152.ns (blocks expanded), best of 5 in process: parse and expand "
        "{:.2f} ms, lower {:.2f}, infer {:.2f}; analysis (lower + infer) {:.2f} ms ({})\n",
        best.parse, best.lower, best.infer, best.lower + best.infer, best.ok ? "ok" : "failed");
  }
  Phases p = time_phases(blocks, 3);
  out << fmt::format(
      "a generated 10,000-block residual network (40,000 layers), best of 3 in process: parse "
      "and expand {:.1f} ms, "
      "lower {:.1f}, infer {:.1f}; whole process (best of 3) {:.1f} ms, peak RSS {:.1f} MB\n",
      p.parse, p.lower, p.infer, whole ? whole->ms : 0.0,
      whole ? whole->peak_rss_kb / 1024.0 : 0.0);
}

}  // namespace

std::string generate_deep_model(int64_t layers) {
  std::string text = "model Deep\ninput x: [B, 16, 32, 32]\n";
  for (int64_t i = 0; i < layers; ++i) text += fmt::format("l{} = {}\n", i, kBlock[i % 4].ns);
  return text;
}

int command_bench_check(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  if (o.check_layers < 1 || o.check_layers > limits::kMaxBenchLayers) {
    err << render_command_error(
        fmt::format("--layers must be between 1 and {}", limits::kMaxBenchLayers));
    return 2;
  }
  std::string error;
  auto scratch = make_bench_dir("bench", error);
  if (!scratch) {
    err << render_command_error(error, "set TMPDIR to a writable directory");
    return 2;
  }
  const std::string& dir = *scratch;
  std::string text = generate_deep_model(o.check_layers);
  std::string clean = dir + "/deep.ns", small = dir + "/deep_too_small.ns";
  std::ofstream(clean) << text;
  // The last layer's window is larger than its input: the smallest-input search runs.
  std::ofstream(small) << text << "pool = MaxPool2d(64)\n";

  std::string blocks = dir + "/residual_blocks.ns";
  std::ofstream(blocks) << generate_block_model(10000);
  // The whole-process runs come first: a child's peak RSS counts the memory it shared with this
  // process until it started (posix_spawn's vfork), so they run while this process is small.
  auto whole = time_process(clean, 3);
  auto too_small = time_process(small, 3);
  auto blocks_whole = time_process(blocks, 3);
  auto start = time_start(5);
  Phases p = time_phases(clean, 3);
  out << fmt::format(
      "check of a generated {}-layer model ({} KB), in-process phases (best of 3): read {:.2f} "
      "ms, parse {:.2f}, lower {:.2f}, infer {:.2f}, json {:.2f}; total {:.2f} ms ({})\n",
      o.check_layers, text.size() / 1024, p.read, p.parse, p.lower, p.infer, p.json, p.total(),
      p.ok ? "ok" : "failed");
  double tokenise = time_tokenise(clean, 3);
  out << fmt::format(
      "the physical reference: reading and tokenising the file alone takes {:.2f} ms (read + "
      "parse is {:.1f}x that)\n",
      tokenise, (p.read + p.parse) / std::max(tokenise, 1e-3));
  if (whole) {
    out << fmt::format(
        "whole process (`netshape check --format json`, best of 3): {:.1f} ms, "
        "peak RSS {:.1f} MB; starting and exiting alone (`netshape --version`) takes {:.1f} ms\n",
        whole->ms, whole->peak_rss_kb / 1024.0, start ? start->ms : 0.0);
  }
  if (whole && too_small) {
    out << fmt::format(
        "with an input too small for the last layer (smallest-input search): {:.1f} ms, {:.2f}x "
        "the clean model\n",
        too_small->ms, too_small->ms / whole->ms);
  }
  if (auto torch = torch_meta_forward_ms(o.check_layers, dir)) {
    out << fmt::format(
        "PyTorch meta-device forward of the same nn.Sequential (import and build excluded): "
        "{:.1f} ms; netshape's whole process is {:.1f}x faster, its inference {:.1f}x\n",
        *torch, whole ? *torch / whole->ms : 0.0, *torch / std::max(p.infer, 1e-3));
  } else {
    out << "PyTorch: not installed (/usr/bin/python3 with torch), no comparison\n";
  }
  time_blocks(blocks, blocks_whole, out);
  if (auto tv = find_torchvision(dir)) {
    auto in_process = time_resnet152(tv->resnet_py, 5);
    auto process =
        time_process(tv->resnet_py, 3, {"--model", "resnet152", "--input", "1,3,224,224"});
    if (in_process && process) {
      out << fmt::format(
          "torchvision's resnet.py, resnet152 read and analysed: {:.1f} ms in process, {:.1f} ms "
          "as a whole process; `import torch` alone takes {:.0f} ms ({:.0f}x the whole "
          "process)\n",
          *in_process, process->ms, tv->import_ms, tv->import_ms / process->ms);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return p.ok ? 0 : 1;
}

}  // namespace netshape
