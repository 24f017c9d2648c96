#include "process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace netshape {

std::optional<Spawned> spawn(const std::vector<std::string>& args, const char* out_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  auto start = BenchClock::now();
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return std::nullopt;
  Spawned s;
  struct rusage usage {};
  if (wait4(pid, &s.status, 0, &usage) < 0) return std::nullopt;
  s.ms = ms_between(start, BenchClock::now());
  s.peak_rss_kb = usage.ru_maxrss;
  return s;
}

void exec_beside_self(const char* name, char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return;
  std::string path = (self.parent_path() / name).string();
  if (access(path.c_str(), X_OK) != 0) return;
  char* own_name = argv[0];
  argv[0] = path.data();
  execv(path.c_str(), argv);  // returns only when it failed
  argv[0] = own_name;         // `path` ends here
}

std::optional<std::string> make_bench_dir(const std::string& name, std::string& error) {
  std::error_code ec;
  std::string dir = (std::filesystem::temp_directory_path(ec) /
                     fmt::format("netshape-{}-{}", name, static_cast<long>(getpid())))
                        .string();
  std::filesystem::create_directories(dir, ec);
  if (!ec) return dir;
  error = fmt::format("cannot create '{}': {}", dir, ec.message());
  return std::nullopt;
}

std::optional<std::string> run_python(const std::string& script, const std::string& dir,
                                      const std::string& name) {
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0) return std::nullopt;
  std::string script_path = dir + "/" + name + ".py", out_path = dir + "/" + name + ".out";
  std::ofstream(script_path) << script;
  auto s = spawn({python, script_path}, out_path.c_str());
  if (!s || !WIFEXITED(s->status) || WEXITSTATUS(s->status) != 0) return std::nullopt;
  std::ifstream in(out_path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace netshape
