#include "heap_policy.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace netshape {

#if defined(__GLIBC__) && !defined(NETSHAPE_SANITIZED)
// The heap below the first huge page (up to 2 MiB from where it stood) cannot be a huge page:
// the analysis would fault it in 4 KiB at a time (280 faults for bench check's 10,000 layers, a
// sixth of the whole process). One block, kept and never touched, takes that stretch from the
// heap's free top, so what the analysis allocates next lies on huge pages. It costs address
// space only: malloc does not clear it, and an untouched page is never resident. Volatile, so
// the compiler may not elide the allocation.
void* volatile heap_gap_block = nullptr;

static void skip_to(uintptr_t first) {
  void* probe = malloc(1);  // where the next allocation would go
  auto at = reinterpret_cast<uintptr_t>(probe);
  free(probe);
  constexpr uintptr_t kChunkHeader = 2 * sizeof(size_t);
  if (at == 0 || at + 2 * kChunkHeader >= first) return;
  heap_gap_block = malloc(first - at - kChunkHeader);
}
#endif

// Analysis builds a whole Analysis per inference and frees it between the probes of the
// smallest-input search and of `sizes`: a 100,000-layer model's is about 100 MB, which glibc
// would unmap when freed and fault in again, page by page, at the next probe. Kept in the heap,
// the next probe reuses pages already there (the search of bench check's 100,000-layer model:
// 4.0x -> 2.2x the clean model). Not for `run`: its memory guard needs freed tensors returned.
//
// On the machines we measure, the first touch of a 4 KiB page costs 1.6-2 us, and checking a
// 10,000-layer model touches ~11 MB of heap: 2,800 faults, a quarter of the whole process. With
// everything in the heap (above), growing it once by kHeapAhead (virtual: only what is touched
// becomes resident) and advising that as transparent huge pages turns them into a few dozen
// (bench check's 10,000 layers: 20 -> 15 ms whole process). Where the kernel gives no huge pages
// the advice changes nothing. If the address space is too tight for the step (ulimit -v), the
// allocation fails here and nothing changes. The padding goes back to glibc's default at once,
// so later growth never asks for kHeapAhead again.
std::optional<AdvisedHeap> use_heap_for_analysis() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
#if defined(__GLIBC__) && !defined(NETSHAPE_SANITIZED)
  constexpr uintptr_t kHugePage = 2u << 20;
  constexpr size_t kHeapAhead = 256u << 20;
  constexpr size_t kGlibcDefaultTopPad = 128u << 10;
  mallopt(M_TOP_PAD, kHeapAhead);
  // Blocks below any mmap threshold, until one does not fit in the heap's free top and glibc
  // grows it (usually the first or second: the heap starts at 132 KiB).
  constexpr size_t kBlock = 64u << 10;
  constexpr int kMostBlocks = 64;
  void* volatile blocks[kMostBlocks] = {};  // volatile: the compiler may not elide the pairs
  auto before = reinterpret_cast<uintptr_t>(sbrk(0));
  auto after = before;
  for (int i = 0; i < kMostBlocks && after == before; ++i) {
    blocks[i] = malloc(kBlock);
    if (!blocks[i]) break;  // no room for the step: the padding failed, not the heap
    after = reinterpret_cast<uintptr_t>(sbrk(0));
  }
  for (void* block : blocks) free(block);
  mallopt(M_TOP_PAD, kGlibcDefaultTopPad);
  if (before == static_cast<uintptr_t>(-1) || after <= before) return std::nullopt;
  uintptr_t first = (before + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t last = after & ~(kHugePage - 1);
  if (last <= first) return std::nullopt;
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) {
    return std::nullopt;
  }
  skip_to(first);
  return AdvisedHeap{first, last - first};
#else
  return std::nullopt;
#endif
}

}  // namespace netshape
