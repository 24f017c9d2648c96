// How the CLI's analysis commands use the heap: freed memory kept for the next probe, and the
// heap on transparent huge pages. Process-wide glibc settings, so they belong to the executable,
// not to the library a program embeds (it keeps its own allocator policy).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

namespace netshape {

// The part of the heap advised as huge pages.
struct AdvisedHeap {
  uintptr_t first = 0;
  size_t bytes = 0;
};

// For check and sizes: every allocation from the heap, freed memory kept there for reuse, and
// the heap grown once and advised as transparent huge pages. Returns what it advised, or nothing
// (not glibc, a sanitizer's allocator, no room for the step, no THP in the kernel, or the heap
// already grown by an earlier call).
std::optional<AdvisedHeap> use_heap_for_analysis();

}  // namespace netshape
