// The executor's pool of freed float buffers. A forward pass allocates and frees the same few
// sizes again and again (a ResNet's blocks repeat their shapes); reusing a freed buffer of the
// exact size skips the allocator, the kernel's page faults and the zeroing of fresh pages.
// Exact sizes only, so a buffer never holds more memory than the tensor using it (run's memory
// estimate counts tensors at their exact size). The pool never holds more than its owner allows:
// the executor trims it before every layer to what the estimate leaves beside that layer's need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace netshape {

class BufferPool {
 public:
  // `n` floats with unspecified contents: a held buffer of exactly that size, else a fresh one.
  std::vector<float> take(size_t n);
  // `n` zeros.
  std::vector<float> take_zeroed(size_t n);
  // Holds `v` for reuse, unless that would hold more than the limit: then `v` is released (as
  // is an empty vector, or one whose capacity exceeds its size).
  void give(std::vector<float> v);
  // Sets the most the pool may hold and releases buffers (the largest first) until it does.
  void limit_to(int64_t bytes);

  int64_t held_bytes() const { return held_bytes_; }
  size_t held_buffers() const { return free_.size(); }
  size_t reuses() const { return reuses_; }  // takes served by a held buffer

 private:
  std::multimap<size_t, std::vector<float>> free_;  // by size in floats
  int64_t held_bytes_ = 0;
  int64_t limit_bytes_ = INT64_MAX;
  size_t reuses_ = 0;
};

}  // namespace netshape
