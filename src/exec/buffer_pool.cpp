// The executor's pool of freed float buffers (buffer_pool.hpp).
#include "buffer_pool.hpp"

#include <algorithm>

namespace netshape {
namespace {

int64_t bytes_of(size_t floats) {
  return static_cast<int64_t>(floats * sizeof(float));
}

}  // namespace

std::vector<float> BufferPool::take(size_t n) {
  auto it = free_.find(n);
  if (it == free_.end()) return std::vector<float>(n);
  std::vector<float> v = std::move(it->second);
  free_.erase(it);
  held_bytes_ -= bytes_of(n);
  ++reuses_;
  return v;
}

std::vector<float> BufferPool::take_zeroed(size_t n) {
  const bool fresh = free_.find(n) == free_.end();
  std::vector<float> v = take(n);
  if (!fresh) std::fill(v.begin(), v.end(), 0.0f);  // a fresh vector is already zeros
  return v;
}

void BufferPool::give(std::vector<float> v) {
  // Only the size is tracked: a buffer's capacity beyond it would be memory the pool does not
  // count, so such a buffer is released.
  if (v.empty() || v.capacity() != v.size()) return;
  const int64_t bytes = bytes_of(v.size());
  if (held_bytes_ + bytes > limit_bytes_) return;  // released when v goes out of scope
  held_bytes_ += bytes;
  const size_t n = v.size();
  free_.emplace(n, std::move(v));
}

void BufferPool::limit_to(int64_t bytes) {
  limit_bytes_ = std::max<int64_t>(bytes, 0);
  while (held_bytes_ > limit_bytes_ && !free_.empty()) {
    auto largest = std::prev(free_.end());
    held_bytes_ -= bytes_of(largest->first);
    free_.erase(largest);
  }
}

}  // namespace netshape
