// The CLI's heap policy for analysis: the heap grown once and advised as transparent huge pages.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../../src/cli/heap_policy.hpp"  // internal: a policy of the executable
#include "netshape/commands.hpp"
#include "test_helpers.hpp"

namespace {

// The VmFlags of the mapping that holds `address`, from /proc/self/smaps.
std::string vm_flags_at(uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= address && address < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

// Where the policy applies: glibc's allocator (a sanitizer build has its own).
#if defined(__GLIBC__) && !defined(NETSHAPE_SANITIZED)
constexpr bool kPolicyApplies = true;
#else
constexpr bool kPolicyApplies = false;
#endif

bool kernel_has_thp() {
  return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled");
}

}  // namespace

TEST_CASE("heap policy: the grown heap is advised as huge pages, and allocates on them") {
  std::optional<netshape::AdvisedHeap> advised = netshape::use_heap_for_analysis();
  if (kPolicyApplies && kernel_has_thp()) REQUIRE(advised.has_value());
  if (!advised) return;
  CHECK(advised->first % (2u << 20) == 0);
  CHECK(advised->bytes % (2u << 20) == 0);
  CHECK(advised->bytes >= (250u << 20));  // the 256 MiB step, less the alignment at its ends
  std::string flags = vm_flags_at(advised->first);
  CHECK(flags.find(" hg") != std::string::npos);
  CHECK(vm_flags_at(advised->first + advised->bytes - 1).find(" hg") != std::string::npos);
  // The heap works as before: an allocation inside the advised part holds what is written.
  auto* block = static_cast<unsigned char*>(std::malloc(8u << 20));
  REQUIRE(block != nullptr);
  // ... and on huge pages from the first byte: the stretch below the first huge page is taken.
  auto at = reinterpret_cast<uintptr_t>(block);
  CHECK(at >= advised->first);
  CHECK(at < advised->first + advised->bytes);
  for (size_t i = 0; i < (8u << 20); i += 4096) block[i] = static_cast<unsigned char>(i >> 12);
  CHECK(block[4096 * 7] == 7);
  std::free(block);
  // The step is taken once: glibc's padding is back to its default, so the next growth is small.
  CHECK(!netshape::use_heap_for_analysis().has_value());
}

TEST_CASE("heap policy: huge pages change no output and keep the resident set within a fifth") {
  if (netshape::test::kAsan) return;  // the sanitizer's allocator: no policy, no measure
  namespace fs = std::filesystem;
  fs::path model =
      fs::temp_directory_path() / ("netshape_heap_" + std::to_string(getpid()) + ".ns");
  std::ofstream(model) << netshape::generate_deep_model(10000);
  std::vector<std::string> args = {"check", model.string(), "--format", "json"};
  auto small = netshape::test::run_binary(args, netshape::test::Pages::Small);
  auto huge = netshape::test::run_binary(args, netshape::test::Pages::AsTheBinaryAsks);
  fs::remove(model);
  REQUIRE(small.code == 0);
  CHECK(huge.code == 0);
  CHECK(huge.out == small.out);
  CHECK(huge.out.find("\"params\": 11640000") != std::string::npos);
  // Partly touched 2 MiB stretches are resident whole: measured 16.6 -> 18.3 MB.
  INFO("4 KiB pages: " << small.max_rss_kb << " KB, huge pages: " << huge.max_rss_kb << " KB");
  CHECK(huge.max_rss_kb <= small.max_rss_kb * 5 / 4 + 2048);
}
