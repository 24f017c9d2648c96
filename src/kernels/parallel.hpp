// The kernels' thread pool and parallel_for, shared by the convolution kernel, the layout
// conversions, weight packing and the executor's element-wise forwards.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace netshape::kernels {

// A small persistent pool: starting std::threads on every call costs ~10-50 us, which is
// several percent of a 0.5 ms layer. Workers sleep on a condition variable between calls.
// One caller at a time uses the pool; a second concurrent caller (or a call from inside a
// pool worker) falls back to plain std::threads, so the pool never deadlocks.
class ThreadPool {
 public:
  using Job = std::function<void(int64_t, int64_t)>;

  static ThreadPool& instance();

  // Runs job on `t` contiguous chunks of [0, items); returns false if the pool is busy.
  bool try_run(int64_t items, int64_t t, const Job& job);

 private:
  void worker(int idx);

  static thread_local bool in_worker_;
  std::mutex call_mu_, mu_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  uint64_t generation_ = 0;
  const Job* job_ = nullptr;
  int64_t items_ = 0, chunks_ = 0, pending_ = 0;
};

// Runs f(begin, end) over [0, items) split into `threads` contiguous chunks; the calling
// thread takes the first chunk. Contiguous chunks keep each thread on its own output
// rows / channel blocks, so its data stays in its own L2.
template <class F>
void parallel_for(int64_t items, int threads, F f) {
  const int64_t t = std::clamp<int64_t>(threads, 1, std::max<int64_t>(items, 1));
  if (t == 1) {
    f(int64_t{0}, items);
    return;
  }
  const ThreadPool::Job job = f;
  if (ThreadPool::instance().try_run(items, t, job)) return;
  std::vector<std::thread> pool;  // pool busy (concurrent caller): plain threads
  pool.reserve(static_cast<size_t>(t - 1));
  for (int64_t i = 1; i < t; ++i) pool.emplace_back(f, items * i / t, items * (i + 1) / t);
  f(int64_t{0}, items / t);
  for (auto& th : pool) th.join();
}

// Threads worth waking for a memory-bound pass over `floats` floats: waking one costs ~5-20 us,
// about what copying 64K floats takes, so each thread gets at least that much.
inline int threads_for_floats(int64_t floats, int threads) {
  constexpr int64_t kMinFloatsPerThread = 1 << 16;
  return static_cast<int>(
      std::clamp<int64_t>(floats / kMinFloatsPerThread, 1, std::max<int64_t>(threads, 1)));
}

}  // namespace netshape::kernels
