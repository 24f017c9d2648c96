// libFuzzer target: the whole pipeline of `netshape check` on an in-memory file (input layout and
// checks: fuzz_pipeline.hpp). Build and run: tests/fuzz/run_fuzz.sh; see docs/fuzzing.md.
#include <cstdio>
#include <cstdlib>

#include "fuzz_pipeline.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = netshape::fuzz::run_pipeline(data, size);
  if (!broken.empty()) {
    // A finding like a crash: libFuzzer saves the input and run_fuzz.sh minimises it.
    std::fprintf(stderr, "==fuzz_netshape: contract broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
