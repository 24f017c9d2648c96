// The kernels' persistent thread pool (parallel.hpp).
#include "parallel.hpp"

#include <immintrin.h>

namespace netshape::kernels {

namespace {

// Spins until done() or kSpin has passed; returns done(). The clock is read every 64 polls
// (a read costs ~20 ns; a poll with a pause ~10-40 ns).
template <class F>
bool spin_until(F done) {
  const auto deadline = std::chrono::steady_clock::now() + ThreadPool::kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      _mm_pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::yield();
  }
}

}  // namespace

ThreadPool::ThreadPool()
    : spinners_(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) - 1) {}

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool;  // never destroyed: workers may outlive main
  return *pool;
}

bool ThreadPool::try_run(int64_t items, int64_t t, const Job& job) {
  if (in_worker_) return false;
  std::unique_lock<std::mutex> call(call_mu_, std::try_to_lock);
  if (!call.owns_lock() || t >= (int64_t{1} << kChunkBits)) return false;
  while (static_cast<int64_t>(workers_.size()) < t - 1) {
    const int idx = static_cast<int>(workers_.size());
    workers_.emplace_back([this, idx] { worker(idx); });
    workers_.back().detach();
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &job;
    items_ = items;
    pending_.store(t - 1, std::memory_order_relaxed);
    call_.store(++serial_ << kChunkBits | static_cast<uint64_t>(t), std::memory_order_release);
    wake = sleepers_ > 0;
  }
  if (wake) work_cv_.notify_all();
  job(0, items / t);
  wait_for_workers();
  job_ = nullptr;
  return true;
}

void ThreadPool::wait_for_workers() {
  if (spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock<std::mutex> lk(mu_);
  done_cv_.wait(lk, [&] { return pending_.load(std::memory_order_acquire) == 0; });
}

void ThreadPool::worker(int idx) {
  in_worker_ = true;
  const bool spins = idx < spinners_;
  uint64_t seen = 0;
  auto published = [&] { return call_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (!spins || !spin_until(published)) {
      std::unique_lock<std::mutex> lk(mu_);
      ++sleepers_;
      work_cv_.wait(lk, published);
      --sleepers_;
    }
    seen = call_.load(std::memory_order_acquire);
    const int64_t chunk = idx + 1, chunks = static_cast<int64_t>(seen & ((1u << kChunkBits) - 1));
    if (chunk >= chunks) continue;  // not needed for this call
    (*job_)(items_ * chunk / chunks, items_ * (chunk + 1) / chunks);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(mu_);  // the caller sleeps only after checking under mu_
      done_cv_.notify_one();
    }
  }
}

thread_local bool ThreadPool::in_worker_ = false;

}  // namespace netshape::kernels
