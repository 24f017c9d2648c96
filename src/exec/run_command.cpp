// `netshape run`: check, then a real forward pass that proves every inferred shape.
#include <fmt/format.h>

#include <filesystem>
#include <thread>

#include "netshape/commands.hpp"
#include "netshape/exec.hpp"

namespace netshape {
namespace {

std::string dims_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

bool save_tensors(const std::string& dir, const ExecResult& r, std::ostream& err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err << fmt::format("netshape: error: cannot create '{}': {}\n", dir, ec.message());
    return false;
  }
  auto save = [&](const std::string& name, const Tensor& t) {
    std::string path = (std::filesystem::path(dir) / (name + ".npy")).string();
    if (!write_npy(path, t)) err << fmt::format("netshape: error: cannot write '{}'\n", path);
  };
  for (const auto& [name, t] : r.inputs) save("input." + name, t);
  for (const auto& [name, t] : r.weights) save(name, t);
  for (const auto& [name, t] : r.outputs) save(name, t);
  return true;
}

}  // namespace

int command_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) {
    err << fmt::format("netshape: error: {}\nhelp: check the path\n", error);
    return 2;
  }
  if (o.batch < 1 || o.batch > 65536 || o.threads < 0) {
    err << "netshape: error: --batch must be between 1 and 65536 and --threads >= 0\nhelp: e.g. "
           "--batch 8 --threads 2\n";
    return 2;
  }
  LoadedModel m;
  m.source = *src;
  load_model(m, o.load);
  err << render_diagnostics(m);
  if (m.exit != ExitCode::Ok) {
    if (m.exit == ExitCode::ShapeError) out << render_table(m.analysis);
    return static_cast<int>(m.exit);
  }
  // A forward pass needs the live activations and one layer's weights in memory: refuse early,
  // with a message, what could only end in an allocation failure.
  constexpr int64_t kMaxElements = int64_t{1} << 32;  // 16 GiB of float32
  auto too_large = [&](const Shape& s, int64_t params) {
    auto n = count_product(s);
    int64_t batch_scale = s.empty() || !s[0].symbolic() ? 1 : o.batch;
    return !n || *n > kMaxElements / batch_scale || params > kMaxElements;
  };
  std::vector<std::pair<std::string, bool>> checks;
  for (const auto& [name, shape] : m.analysis.inputs)
    checks.emplace_back(name, too_large(shape, 0));
  for (const LayerInfo& l : m.analysis.layers)
    checks.emplace_back(l.name, too_large(*l.output, l.params));
  for (const auto& [name, large] : checks) {
    if (!large) continue;
    err << fmt::format(
        "netshape: error: {} is too large to run here (more than 16 GiB of float32)\n"
        "help: `netshape check` handles it; to run it, use a smaller input or batch\n",
        name);
    return 2;
  }
  ExecOptions eo;
  eo.seed = o.seed;
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  eo.threads =
      std::min(o.threads > 0 ? o.threads : cores, 4 * cores);  // more threads than that only thrash
  eo.batch = o.batch;
  eo.keep_outputs = !o.save_dir.empty();
  ExecResult r = execute(m.analysis, eo);
  if (!o.save_dir.empty() && !save_tensors(o.save_dir, r, err)) return 2;
  if (o.json) {
    auto j = to_json(m.analysis, m.diags);
    for (size_t i = 0; i < r.layers.size() && i < j["layers"].size(); ++i) {
      j["layers"][i]["actual_shape"] = r.layers[i].actual;
      j["layers"][i]["ms"] = r.layers[i].ms;
    }
    j["match"] = r.match;
    if (!r.error.empty()) j["run_error"] = r.error;
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << fmt::format("{:<4}{:<16}{:<16}{:<22}{:<22}{:>10}\n", "#", "layer", "op", "inferred",
                       "actual", "ms");
    for (size_t i = 0; i < r.layers.size(); ++i) {
      const LayerRun& l = r.layers[i];
      out << fmt::format("{:<4}{:<16}{:<16}{:<22}{:<22}{:>10.3f}{}\n", i + 1, l.name,
                         m.analysis.layers[i].op_name, dims_text(l.expected),
                         l.actual.empty() ? "-" : dims_text(l.actual), l.ms,
                         l.match ? "" : "  MISMATCH");
    }
    out << (r.match ? "all shapes match\n" : "");
  }
  if (!r.match) {
    err << fmt::format("netshape: error: {}\n", r.error);
    return 1;
  }
  return 0;
}

}  // namespace netshape
