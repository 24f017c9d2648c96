// The kernels' thread pool and parallel_for, shared by the convolution kernel, the layout
// conversions, weight packing and the executor's element-wise forwards.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace netshape::kernels {

// A small persistent pool: starting std::threads on every call costs ~10-50 us, which is
// several percent of a 0.5 ms layer. One caller at a time uses the pool; a second concurrent
// caller (or a call from inside a pool worker) falls back to plain std::threads, so the pool
// never deadlocks.
//
// Between calls a worker first spins for kSpin (as OpenMP runtimes do), then sleeps on a
// condition variable. Waking a sleeping thread costs ~5-60 us (a virtual machine's idle vCPU
// is the slow end), more than a small layer takes; a spinning worker starts within ~1 us, so
// back-to-back calls (the layers of a network) pay the wake-up once. The caller likewise
// spins for the workers' chunks before it sleeps. Only the first cores - 1 workers spin: a
// spinning thread without a core of its own would take the caller's. A spinner yields its
// core every 64 polls, so another process that needs the core gets it within microseconds
// (without the yield, 2-thread calls took 3-7x longer while a build kept both cores busy).
class ThreadPool {
 public:
  using Job = std::function<void(int64_t, int64_t)>;
  static constexpr std::chrono::microseconds kSpin{200};

  static ThreadPool& instance();

  // Runs job on `t` contiguous chunks of [0, items); returns false if the pool is busy.
  bool try_run(int64_t items, int64_t t, const Job& job);

 private:
  void worker(int idx);
  void wait_for_workers();

  static thread_local bool in_worker_;
  const int spinners_;  // workers that spin between calls: cores - 1
  std::mutex call_mu_, mu_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  // A call is published in one word, (serial << kChunkBits) | chunks, stored with release after
  // job_ and items_: a worker reads the chunk count with the serial, and reads job_ and items_
  // only when its chunk is part of the call, which then cannot end (nor the next call rewrite
  // them) before the worker's chunk is done.
  static constexpr int kChunkBits = 20;
  std::atomic<uint64_t> call_{0};
  uint64_t serial_ = 0;
  const Job* job_ = nullptr;
  int64_t items_ = 0;
  std::atomic<int64_t> pending_{0};  // worker chunks of the current call not yet finished
  int sleepers_ = 0;                 // workers waiting on work_cv_ (guarded by mu_)
  ThreadPool();
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
