// `netshape run`: check, then a real forward pass that proves every inferred shape.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "netshape/commands.hpp"
#include "netshape/exec.hpp"
#include "netshape/limits.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

std::string dims_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// 1536 -> "1.5 KiB"
std::string human_bytes(int64_t b) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(b);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, units[u]);
}

// The first integer of the line of `path` that starts with `key` (e.g. "MemAvailable:"), or of
// the file's first line when `key` is empty.
std::optional<int64_t> read_number(const std::string& path, const std::string& key = "") {
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    if (line.compare(0, key.size(), key) != 0) continue;
    std::istringstream is(line.substr(key.size()));
    int64_t v = 0;
    if (is >> v) return v;
    return std::nullopt;  // e.g. "max" in a cgroup limit
  }
  return std::nullopt;
}

// Maps in every page of the program's code (the executable's and its libraries' executable
// mappings), so that the resident set the guard counts already holds the code the forward pass
// will run. The executable is static: ~6 MB of code, of which the kernels page in only as a
// forward pass reaches them, after the guard measured (SqueezeNet 1.1 at batch 1 then peaked
// above the estimate). A read per page maps it (the kernel maps its neighbours at the same time).
void page_in_code() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, device, inode, path;
    if (!(fields >> range >> perms >> offset >> device >> inode >> path)) continue;
    if (perms.size() < 3 || perms[0] != 'r' || perms[2] != 'x' || path.empty() || path[0] != '/')
      continue;  // not readable code from a file ([vdso], [vsyscall], anonymous)
    uintptr_t first = 0, end = 0;
    if (std::sscanf(range.c_str(), "%lx-%lx", &first, &end) != 2) continue;
    for (uintptr_t p = first; p < end; p += page) (void)*reinterpret_cast<const volatile char*>(p);
  }
}

// Bytes this process has resident now (the program, the parsed model, the analysis).
int64_t resident_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

// How much more memory this process can allocate: MemAvailable of /proc/meminfo, lowered by a
// cgroup memory limit and by the address-space limit (`ulimit -v`) when they are tighter; the
// latter also loses the stacks of the `threads` - 1 worker threads (address space, not memory).
// nullopt when none of them can be read (then only --memory-limit applies).
std::optional<int64_t> available_bytes(int threads, std::string& source) {
  std::optional<int64_t> avail;
  auto lower = [&](std::optional<int64_t> v, const char* what) {
    if (v && (!avail || *v < *avail)) {
      avail = std::max<int64_t>(*v, 0);
      source = what;
    }
  };
  if (auto kb = read_number("/proc/meminfo", "MemAvailable:"))
    lower((Checked(*kb) * 1024).get(), "MemAvailable in /proc/meminfo");
  // cgroup v2, then v1: limit minus usage.
  auto max2 = read_number("/sys/fs/cgroup/memory.max"),
       cur2 = read_number("/sys/fs/cgroup/memory.current");
  if (max2 && cur2) lower(*max2 - *cur2, "the cgroup's memory.max");
  auto max1 = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
       cur1 = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  if (max1 && cur1 && *max1 < (int64_t{1} << 60)) lower(*max1 - *cur1, "the cgroup's memory limit");
  struct rlimit rl {};
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    std::ifstream f("/proc/self/statm");
    int64_t size = 0;
    if (f >> size) {
      int64_t limit = rl.rlim_cur > static_cast<rlim_t>(INT64_MAX)
                          ? INT64_MAX
                          : static_cast<int64_t>(rl.rlim_cur);
      struct rlimit st {};
      int64_t stack = int64_t{8} << 20;  // glibc's thread stack: RLIMIT_STACK, 8 MiB by default
      if (getrlimit(RLIMIT_STACK, &st) == 0 && st.rlim_cur != RLIM_INFINITY &&
          st.rlim_cur < (rlim_t{1} << 32))
        stack = static_cast<int64_t>(st.rlim_cur);
      lower(limit - size * sysconf(_SC_PAGESIZE) - (threads - 1) * stack,
            "the address-space limit, ulimit -v");
    }
  }
  return avail;
}

}  // namespace

// run's guards, before anything is allocated: everything the forward pass will allocate at its
// peak (live activations, one layer's weights, packed weights and kernel scratch; see
// estimate_memory) on top of what the process holds now, against the memory available, and the
// work it would do. Refused with the numbers rather than ending in an allocation failure, the
// OOM killer or a run that does not end. The budget, or nullopt (the refusal on err).
std::optional<RunBudget> guard_run(const Analysis& a, const ExecOptions& eo, int64_t memory_limit,
                                   std::ostream& err) {
  const MemoryEstimate est = estimate_memory(a, eo);
  page_in_code();
  const int64_t resident = resident_bytes();
  std::optional<int64_t> need;
  if (est.peak_bytes)
    need = (Checked(resident) + *est.peak_bytes + limits::kRunOverheadBytes).get();
  std::string source = "--memory-limit";
  std::optional<int64_t> limit;
  if (memory_limit > 0) {
    limit = memory_limit;
  } else if (auto avail = available_bytes(eo.threads, source)) {
    limit = (Checked(resident) + *avail).get().value_or(INT64_MAX);
  }
  if (!need || (limit && *need > *limit)) {
    std::string where = est.peak_at.empty() ? "" : fmt::format(" (its peak is at {})", est.peak_at);
    err << render_command_error(
        fmt::format("running this model needs {} of memory{}, more than the {} available ({})",
                    need ? "about " + human_bytes(*need) : std::string("more than 8 EiB"), where,
                    limit ? human_bytes(*limit) : std::string("memory"), source),
        "`netshape check` needs no tensors; to run it, use a smaller input or --batch, or set "
        "the budget with --memory-limit SIZE");
    return std::nullopt;
  }

  const WorkEstimate work = estimate_work(a, eo);
  if (!work.operations || *work.operations > limits::kMaxRunWork) {
    err << render_command_error(
        fmt::format("running this model needs {} operations (multiply-adds and window taps; the "
                    "most at {}), more than the {} `run` does (docs/limits.md)",
                    work.operations ? with_commas(*work.operations) : std::string("more than 2^63"),
                    work.largest_at, with_commas(limits::kMaxRunWork)),
        "`netshape check` has no such limit; to run it, use a smaller input or --batch");
    return std::nullopt;
  }
  return RunBudget{est, *need, limit};
}

// The help of `run`'s note on values forward changed where `run` computes none: how to write
// the line so that it does.
static const char* unfollowed_help(Program::Unfollowed kind) {
  switch (kind) {
    case Program::Unfollowed::InPlace:
      return "write it out of place (`y = y + 1` for `y += 1`) to have `run` compute it";
    case Program::Unfollowed::IntoView:
      return "apply it out of place to a copy (`inplace=False`) to have `run` compute it";
    case Program::Unfollowed::StaleView:
      return "take the view again after the write (`v = y[:, 1:3]` after `y[:, 1] = 5`) to have "
             "`run` compute it";
    case Program::Unfollowed::DropoutTraining:
      return "F.dropout drops values whenever training=True, its default, in eval mode too: "
             "pass training=self.training";
    case Program::Unfollowed::MadeInInit:
      return "`run` follows the sizes of a tensor __init__ computes, and reads it as zeros; it "
             "computes torch.zeros, torch.ones and torch.eye of the sizes";
    case Program::Unfollowed::Other:
      break;
  }
  return "`run` computes elementwise math with numbers, comparisons and casts to int, long and "
         "bool";
}

int command_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto src = read_source(o.file, error);
  if (!src) {
    err << render_command_error(error, "check the path");
    return 2;
  }
  if (o.batch < 1 || o.batch > limits::kMaxBatch || o.threads < 0 || o.memory_limit < 0) {
    err << render_command_error(
        fmt::format("--batch must be between 1 and {}, --threads and --memory-limit >= 0",
                    limits::kMaxBatch),
        "e.g. --batch 8 --threads 2");
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
  ExecOptions eo;
  eo.seed = o.seed;
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  eo.threads =
      std::min(o.threads > 0 ? o.threads : cores, 4 * cores);  // more threads than that only thrash
  eo.batch = o.batch;
  const bool save = !o.save_dir.empty();

  std::optional<RunBudget> budget = guard_run(m.analysis, eo, o.memory_limit, err);
  if (!budget) return 2;
  const MemoryEstimate& est = budget->estimate;

  std::string save_dir;
  if (save) {
    std::error_code ec;
    std::filesystem::create_directories(o.save_dir, ec);
    if (ec) {
      err << render_command_error(fmt::format("cannot create '{}': {}", o.save_dir, ec.message()),
                                  "pick a writable directory");
      return 2;
    }
    save_dir = o.save_dir;
    // Every tensor is written as soon as it exists; refuse now what the disk cannot hold.
    struct statvfs fs {};
    const int64_t header = 128;  // bytes of a .npy header (more only for thousands of dims)
    auto bytes =
        est.sink_bytes
            ? (Checked(*est.sink_bytes) + Checked(static_cast<int64_t>(est.sink_tensors)) * header)
                  .get()
            : std::nullopt;
    if (statvfs(save_dir.c_str(), &fs) == 0 && fs.f_blocks > 0) {  // not /proc and the like
      auto room = (Checked(static_cast<int64_t>(fs.f_bavail)) * static_cast<int64_t>(fs.f_frsize))
                      .get()
                      .value_or(INT64_MAX);
      if (!bytes || *bytes > room) {
        err << render_command_error(
            fmt::format("--save-tensors would write {} to '{}', more than the {} free there",
                        bytes ? human_bytes(*bytes) : std::string("more than 8 EiB"), save_dir,
                        human_bytes(room)),
            "free some space, pick another directory, or use a smaller input");
        return 2;
      }
    }
    eo.sink = [&save_dir](const std::string& name, const Tensor& t) {
      std::string path = (std::filesystem::path(save_dir) / (name + ".npy")).string();
      std::string why = write_npy(path, t);
      return why.empty() ? why : fmt::format("cannot write '{}': {}", path, why);
    };
  }

#ifdef __GLIBC__
  // Tensors of 128 KiB and more come from (and go back to) the system directly: glibc's dynamic
  // threshold would keep freed tensors in the heap, and the resident set would drift above the
  // live tensors that the guard counted.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  ExecResult r = execute(m.analysis, eo);
  if (!r.sink_error.empty()) {  // stop at the first failed write: one message, exit 2
    err << render_command_error(
        fmt::format("--save-tensors: {}", r.sink_error),
        fmt::format("check that '{}' is a writable directory with free space", save_dir));
    return 2;
  }
  if (o.json) {
    auto j = to_json(m.analysis, m.diags);
    for (size_t i = 0; i < r.layers.size() && i < j["layers"].size(); ++i) {
      j["layers"][i]["actual_shape"] = r.layers[i].actual;
      j["layers"][i]["ms"] = r.layers[i].ms;
    }
    j["match"] = r.match;
    j["memory"] = {{"estimated_peak_bytes", budget->need_bytes}};
    if (budget->limit_bytes) j["memory"]["limit_bytes"] = *budget->limit_bytes;
    if (!r.error.empty()) j["run_error"] = r.error;
    if (m.program && m.program->values_unfollowed_at.valid()) {
      const Span& at = m.program->values_unfollowed_at;
      j["values_not_computed"] = {
          {"what", m.program->values_unfollowed_op}, {"line", at.line}, {"column", at.column}};
    }
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    // Columns as wide as their longest entry (block paths like `layer4.1.downsample.0` are long).
    size_t w_name = 5, w_op = 2, w_shape = 8;
    for (size_t i = 0; i < r.layers.size(); ++i) {
      w_name = std::max(w_name, r.layers[i].name.size());
      w_op = std::max(w_op, m.analysis.layers[i].op_name.size());
      w_shape = std::max(
          {w_shape, dims_text(r.layers[i].expected).size(), dims_text(r.layers[i].actual).size()});
    }
    size_t w_index = std::to_string(r.layers.size()).size() + 2;
    out << fmt::format("{:<{}}{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>10}\n", "#", w_index, "layer",
                       w_name, "op", w_op, "inferred", w_shape, "actual", w_shape, "ms");
    for (size_t i = 0; i < r.layers.size(); ++i) {
      const LayerRun& l = r.layers[i];
      out << fmt::format("{:<{}}{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>10.3f}{}\n", i + 1, w_index,
                         l.name, w_name, m.analysis.layers[i].op_name, w_op, dims_text(l.expected),
                         w_shape, l.actual.empty() ? "-" : dims_text(l.actual), w_shape, l.ms,
                         l.match ? "" : "  MISMATCH");
    }
    out << (r.match ? "all shapes match\n" : "");
  }
  // Values forward changed where netshape computes none: the saved tensors after it differ.
  if (m.program && m.program->values_unfollowed_at.valid() && !o.json) {
    Diagnostic note;
    note.severity = Severity::Note;
    note.span = m.program->values_unfollowed_at;
    const std::string& what = m.program->values_unfollowed_op;
    note.message = fmt::format(
        "`run` does not compute {} here: the values of the layers that read what it changed are "
        "not PyTorch's (their shapes are)",
        what);
    note.help = unfollowed_help(m.program->values_unfollowed_kind);
    err << render_diagnostic(m, note);
  }
  if (!r.match) {
    err << render_command_error(r.error);
    return 1;
  }
  return 0;
}

}  // namespace netshape
