// The kernels' persistent thread pool (parallel.hpp).
#include "parallel.hpp"

namespace netshape::kernels {

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool;  // never destroyed: workers may outlive main
  return *pool;
}

bool ThreadPool::try_run(int64_t items, int64_t t, const Job& job) {
  if (in_worker_) return false;
  std::unique_lock<std::mutex> call(call_mu_, std::try_to_lock);
  if (!call.owns_lock()) return false;
  while (static_cast<int64_t>(workers_.size()) < t - 1) {
    const int idx = static_cast<int>(workers_.size());
    workers_.emplace_back([this, idx] { worker(idx); });
    workers_.back().detach();
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    job_ = &job;
    items_ = items;
    chunks_ = t;
    pending_ = t - 1;
    ++generation_;
  }
  work_cv_.notify_all();
  job(0, items / t);
  std::unique_lock<std::mutex> lk(mu_);
  done_cv_.wait(lk, [&] { return pending_ == 0; });
  job_ = nullptr;
  return true;
}

void ThreadPool::worker(int idx) {
  in_worker_ = true;
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock<std::mutex> lk(mu_);
    work_cv_.wait(lk, [&] { return generation_ != seen; });
    seen = generation_;
    const int64_t chunk = idx + 1;
    if (chunk >= chunks_) continue;  // not needed for this call
    const Job* job = job_;
    const int64_t items = items_, t = chunks_;
    lk.unlock();
    (*job)(items * chunk / t, items * (chunk + 1) / t);
    lk.lock();
    if (--pending_ == 0) done_cv_.notify_one();
  }
}

thread_local bool ThreadPool::in_worker_ = false;

}  // namespace netshape::kernels
