// The executor's pool of freed buffers: exact-size reuse, and never more held than its limit.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "../../src/exec/buffer_pool.hpp"

using netshape::BufferPool;

TEST_CASE("buffer pool: a freed buffer is reused for the same size only") {
  BufferPool pool;
  std::vector<float> a = pool.take(100);
  CHECK(a.size() == 100);
  CHECK(pool.reuses() == 0);
  a[7] = 3.5f;
  const float* storage = a.data();
  pool.give(std::move(a));
  CHECK(pool.held_bytes() == 400);
  CHECK(pool.held_buffers() == 1);
  std::vector<float> other = pool.take(99);  // another size: fresh
  CHECK(pool.reuses() == 0);
  CHECK(pool.held_bytes() == 400);
  std::vector<float> b = pool.take(100);  // the same storage back, its contents as left
  CHECK(pool.reuses() == 1);
  CHECK(b.data() == storage);
  CHECK(b[7] == 3.5f);
  CHECK(pool.held_bytes() == 0);
  pool.give(std::move(b));
  std::vector<float> z = pool.take_zeroed(100);  // reused and zeroed
  CHECK(pool.reuses() == 2);
  CHECK(z[7] == 0.0f);
  CHECK(std::all_of(z.begin(), z.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("buffer pool: never holds more than its limit") {
  BufferPool pool;
  pool.limit_to(1000);  // bytes: 250 floats
  pool.give(std::vector<float>(100));
  pool.give(std::vector<float>(100));
  CHECK(pool.held_bytes() == 800);
  pool.give(std::vector<float>(60));  // 800 + 240 > 1000: released
  CHECK(pool.held_bytes() == 800);
  pool.give(std::vector<float>(50));  // exactly the limit
  CHECK(pool.held_bytes() == 1000);
  CHECK(pool.held_buffers() == 3);
  pool.limit_to(500);  // releases the largest first: both 100s go, the 50 stays
  CHECK(pool.held_bytes() == 200);
  CHECK(pool.held_buffers() == 1);
  pool.take(50);
  CHECK(pool.reuses() == 1);
  pool.limit_to(-5);  // a negative allowance holds nothing
  pool.give(std::vector<float>(1));
  CHECK(pool.held_bytes() == 0);
}

TEST_CASE("buffer pool: only buffers whose capacity is their size are held") {
  BufferPool pool;
  std::vector<float> v(10);
  v.reserve(64);  // 54 floats the pool would not count
  pool.give(std::move(v));
  CHECK(pool.held_buffers() == 0);
  pool.give(std::vector<float>());  // empty: nothing to keep
  CHECK(pool.held_buffers() == 0);
}
