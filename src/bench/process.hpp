// Child processes for the benchmarks: a command run to its end, with its wall time, peak RSS and
// exit status.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace netshape {

using BenchClock = std::chrono::steady_clock;

inline double ms_between(BenchClock::time_point a, BenchClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Spawned {
  double ms = 0;
  long peak_rss_kb = 0;
  int status = -1;
};

// Runs argv to its end with stdout to `out_path` (or /dev/null) and stderr to /dev/null.
std::optional<Spawned> spawn(const std::vector<std::string>& args, const char* out_path);

// Replaces this process with the executable `name` in this executable's directory, given `argv`
// (argv[0] becomes its path). Returns only when there is none there or it cannot be run.
void exec_beside_self(const char* name, char** argv);

// A fresh scratch directory for one benchmark, `$TMPDIR/netshape-<name>-<pid>`; nullopt (and
// `error` says why) when it cannot be made.
std::optional<std::string> make_bench_dir(const std::string& name, std::string& error);

// /usr/bin/python3 running `script` (written to `dir`), its stdout's text; nullopt without that
// Python or when the script fails (e.g. torch is not installed).
std::optional<std::string> run_python(const std::string& script, const std::string& dir,
                                      const std::string& name);

}  // namespace netshape
