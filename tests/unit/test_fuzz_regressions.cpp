// The fuzz target's pipeline (tests/fuzz/fuzz_pipeline.hpp) on every input of
// tests/fuzz/regressions/ (minimised crashes found by the fuzzer, see docs/fuzzing.md) and on every
// model as the seed corpus feeds it, in every build: a fixed fuzzer bug stays fixed.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "../fuzz/fuzz_pipeline.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string replay(const std::string& input) {
  return netshape::fuzz::run_pipeline(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

TEST_CASE("fuzz regressions: every input of tests/fuzz/regressions/ keeps the CLI's contract") {
  const fs::path dir = fs::path(NETSHAPE_SOURCE_DIR) / "tests/fuzz/regressions";
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() != ".md") inputs.push_back(e.path());
  std::sort(inputs.begin(), inputs.end());
  for (const fs::path& p : inputs) {
    CAPTURE(p.filename().string());
    CHECK(replay(read_bytes(p)) == "");
  }
  MESSAGE("replayed " << inputs.size() << " regression inputs");
}

TEST_CASE("fuzz seed corpus: every model, with and without --explain, keeps the CLI's contract") {
  size_t runs = 0;
  for (const char* sub : {"models", "models/notes"}) {
    for (const auto& e : fs::directory_iterator(fs::path(NETSHAPE_SOURCE_DIR) / sub)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".ns" && ext != ".py") continue;
      const std::string text = read_bytes(e.path());
      for (char mode : {'0', '2'}) {  // bit 0: the language; bit 1: no --explain
        char first = static_cast<char>(mode | (ext == ".py" ? 1 : 0));
        CAPTURE(e.path().filename().string());
        CHECK(replay(first + text) == "");
        ++runs;
      }
    }
  }
  CHECK(runs >= 100);
}
