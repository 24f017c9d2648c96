// The netshape executable as it is linked: static (nothing to load before main), with bench
// conv's comparisons in netshape-bench-ref beside it (CMakeLists.txt, docs/architecture.md).
#include <doctest/doctest.h>
#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_helpers.hpp"

namespace {

// The types of the executable's program headers (PT_INTERP: it asks for a dynamic loader).
std::vector<uint32_t> program_header_types(const char* path) {
  std::ifstream f(path, std::ios::binary);
  Elf64_Ehdr header{};
  f.read(reinterpret_cast<char*>(&header), sizeof header);
  REQUIRE(f);
  REQUIRE(std::string(reinterpret_cast<const char*>(header.e_ident), 4) == "\177ELF");
  std::vector<uint32_t> types;
  for (size_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph{};
    f.seekg(static_cast<std::streamoff>(header.e_phoff + i * header.e_phentsize));
    f.read(reinterpret_cast<char*>(&ph), sizeof ph);
    REQUIRE(f);
    types.push_back(ph.p_type);
  }
  return types;
}

bool has(const std::vector<uint32_t>& types, uint32_t t) {
  return std::find(types.begin(), types.end(), t) != types.end();
}

}  // namespace

TEST_CASE("the netshape executable is static: no dynamic loader, still position-independent") {
  auto types = program_header_types(NETSHAPE_BINARY);
#if defined(NETSHAPE_EXPECT_STATIC)
  CHECK_FALSE(has(types, PT_INTERP));
  CHECK(has(types, PT_DYNAMIC));  // static-pie relocates itself: ASLR is kept
#else
  CHECK(has(types, PT_INTERP));  // sanitizer builds (or NETSHAPE_STATIC_EXECUTABLE=OFF)
#endif
  CHECK(has(types, PT_LOAD));
}

TEST_CASE("bench conv runs netshape-bench-ref in its place when it is beside the executable") {
  namespace fs = std::filesystem;
  fs::path csv = fs::temp_directory_path() / ("netshape_bench_ref_" + std::to_string(getpid()));
  std::ofstream(csv) << "name,N,C,H,W,K,R,S,stride,pad,groups\ntiny,1,16,8,8,16,3,3,1,1,1\n";
  auto r = netshape::test::run_binary({"bench", "conv", "--layers", csv.string(), "--threads", "1",
                                       "--min-seconds", "0", "--no-reference"},
                                      netshape::test::Pages::AsTheBinaryAsks);
  fs::remove(csv);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\ntiny ") != std::string::npos);
  CHECK(r.out.find(" blocked ") != std::string::npos);
  bool no_onednn = r.out.find("# oneDNN not available") != std::string::npos;
  bool no_blas = r.out.find("# OpenBLAS not available") != std::string::npos;
  if (fs::exists(fs::path(NETSHAPE_BINARY).parent_path() / "netshape-bench-ref")) {
    CHECK_FALSE((no_onednn && no_blas));  // it ran, and compares with at least one of them
  } else {
    CHECK(no_onednn);
    CHECK(no_blas);
  }
}
