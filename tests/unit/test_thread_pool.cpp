// The kernels' thread pool (src/kernels/parallel.hpp): workers that spin between calls must
// still run every item of every call exactly once, whatever the width of consecutive calls
// (a worker not needed by one call must not take part in it), with pauses long enough for
// the workers to go to sleep, and with concurrent callers.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../../src/kernels/parallel.hpp"  // internal: the pool is not public API

namespace k = netshape::kernels;

namespace {

// Runs parallel_for over `items` on `threads`; whether each item ran exactly once.
bool each_item_once(int64_t items, int threads) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(items));
  k::parallel_for(items, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
  });
  for (const auto& h : hits)
    if (h.load() != 1) return false;
  return true;
}

}  // namespace

TEST_CASE("thread pool: back-to-back calls of changing width run every item once") {
  int bad = 0;
  for (int round = 0; round < 2000; ++round) {
    const int threads = 1 + round % 5;  // 1-5: narrower and wider than the last call
    const int64_t items = 1 + (round * 7) % 23;
    if (!each_item_once(items, threads)) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("thread pool: calls after the workers went to sleep") {
  // Longer than the spin (ThreadPool::kSpin): every call wakes sleeping workers.
  for (int round = 0; round < 20; ++round) {
    std::this_thread::sleep_for(k::ThreadPool::kSpin * 2);
    CHECK(each_item_once(64, 2 + round % 3));
  }
}

TEST_CASE("thread pool: concurrent callers") {
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&, c] {
      for (int round = 0; round < 300; ++round)
        if (!each_item_once(10 + c, 2 + (round + c) % 3)) ++bad;
    });
  for (auto& t : callers) t.join();
  CHECK(bad.load() == 0);
}
