// Never a crash: the first 1,000 byte-level mutations of every file in models/ and
// tests/py_models/ each end with
// exit 0, 1 or 2, and every failure carries a message. Run under ASan+UBSan in CI.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

struct Mutator {
  uint64_t state;
  uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }

  // One of: flip a byte, delete a run, duplicate a run, insert a token or a random byte, truncate.
  std::string mutate(const std::string& s) {
    static const char* tokens[] = {
        "(",          ")",    "[",        "]",       ",",
        "=",          "?",    "-1",       "0",       "999999999999999999999",
        "'",          "\"",   "\n",       "#",       ".",
        "//",         "*",    "x",        "None",    "True",
        "\t",         "\xff", "\xc3\x28", "self.",   "def ",
        "class ",     ":",    "    ",     "return ", "lambda",
        "for i in x:"};
    std::string t = s;
    size_t pos = below(t.size() + 1);
    switch (next() % 6) {
      case 0:
        if (!t.empty()) t[below(t.size())] = static_cast<char>(next() & 0xff);
        break;
      case 1:
        t.erase(pos, 1 + below(8));
        break;
      case 2:
        t.insert(pos, t.substr(below(t.size()), 1 + below(16)));
        break;
      case 3:
        t.insert(pos, tokens[below(std::size(tokens))]);
        break;
      case 4:
        t.insert(pos, 1, static_cast<char>(next() & 0xff));
        break;
      default:
        t.resize(pos);
        break;
    }
    return t;
  }
};

// The shipped models and the Python corpus (tests/py_models: the interpreter's helpers, loops,
// imports), without the scripts and package markers there.
std::vector<std::filesystem::path> model_files() {
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"/models", "/tests/py_models"}) {
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(std::string(NETSHAPE_SOURCE_DIR) + dir)) {
      auto ext = e.path().extension();
      auto name = e.path().filename().string();
      if (name == "gen_golden.py" || name == "__init__.py") continue;
      if (ext == ".ns" || ext == ".py") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("1,000 mutations of every model file: exit 0/1/2 with a message, never a crash") {
  auto files = model_files();
  REQUIRE(files.size() >= 10);
  int failures_without_message = 0, bad_exit = 0;
  size_t runs = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string original = buf.str();
    Mutator rng{0x9E3779B97F4A7C15ULL ^ std::hash<std::string>{}(path.filename().string())};
    for (int i = 0; i < 1000; ++i) {
      std::string text = original;
      int edits = 1 + static_cast<int>(rng.below(3));
      for (int k = 0; k < edits; ++k) text = rng.mutate(text);
      LoadedModel m;
      m.source = SourceFile(path.filename().string(), text);
      load_model(m, {});
      (void)render_report(m.analysis, m.diags, ReportFormat::Json);
      (void)render_report(m.analysis, m.diags, ReportFormat::Table);
      std::string diag = render_diagnostics(m);
      int code = static_cast<int>(m.exit);
      if (code < 0 || code > 2) ++bad_exit;
      if (code != 0 && diag.find("error") == std::string::npos) ++failures_without_message;
      ++runs;
    }
  }
  MESSAGE("mutated runs: " << runs);
  CHECK(runs == files.size() * 1000);
  CHECK(bad_exit == 0);
  CHECK(failures_without_message == 0);
}
