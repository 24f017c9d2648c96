// Shape's storage (small_dims.hpp) against std::vector, its reference: the same operations from
// every size around the inline capacity (8) must give the same dims, inline and on the heap.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "netshape/shape.hpp"

using namespace netshape;

namespace {

bool same(const Shape& s, const std::vector<Dim>& v) {
  if (s.size() != v.size()) return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (!(s[i] == v[i])) return false;
  return true;
}

Dim dim(int64_t v) {
  return fixed(v);
}

}  // namespace

TEST_CASE("Shape: push_back, insert and erase across the inline capacity match std::vector") {
  for (size_t start = 0; start <= 12; ++start) {
    Shape s;
    std::vector<Dim> v;
    for (size_t i = 0; i < start; ++i) {
      s.push_back(dim(static_cast<int64_t>(i)));
      v.push_back(dim(static_cast<int64_t>(i)));
    }
    CAPTURE(start);
    REQUIRE(same(s, v));
    s.insert(s.begin(), dim(100));  // as unsqueeze(0) does
    v.insert(v.begin(), dim(100));
    CHECK(same(s, v));
    s.insert(s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2), 3, dim(7));
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), 3, dim(7));
    CHECK(same(s, v));
    s.push_back(s[0]);  // an element of itself, while growing
    v.push_back(v[0]);
    CHECK(same(s, v));
    s.insert(s.end(), s.begin(), s.begin() + 2);  // a range of itself
    std::vector<Dim> head(v.begin(), v.begin() + 2);
    v.insert(v.end(), head.begin(), head.end());
    CHECK(same(s, v));
    s.erase(s.begin() + 1, s.begin() + 4);
    v.erase(v.begin() + 1, v.begin() + 4);
    CHECK(same(s, v));
    s.erase(s.begin());
    v.erase(v.begin());
    CHECK(same(s, v));
    Shape copy = s;  // inline or heap, the copy is equal and independent
    CHECK(copy == s);
    copy[0] = dim(-5);
    CHECK(same(s, v));
    Shape moved = std::move(copy);
    CHECK(moved[0] == dim(-5));
    CHECK(moved.size() == s.size());
  }
}

TEST_CASE("Shape: random operations from 0 to 24 dims agree with std::vector") {
  std::mt19937 rng(12345);
  Shape s;
  std::vector<Dim> v;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(rng() % 6);
    Dim d{static_cast<int64_t>(rng() % 1000), static_cast<SymbolId>(rng() % 3 == 0)};
    size_t at = v.empty() ? 0 : rng() % (v.size() + 1);
    if (op <= 1 && v.size() < 24) {
      s.push_back(d);
      v.push_back(d);
    } else if (op == 2 && v.size() < 24) {
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), d);
      v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), d);
    } else if (op == 3 && !v.empty()) {
      size_t i = rng() % v.size();
      s.erase(s.begin() + static_cast<std::ptrdiff_t>(i));
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (op == 4) {
      size_t n = rng() % 20;
      s.resize(n, d);
      v.resize(n, d);
    } else {
      Shape other(v.begin(), v.end());
      CHECK(other == s);
      s = other;
    }
    REQUIRE(same(s, v));
  }
}

TEST_CASE("Shape: a symbolic dim is a value and an interned symbol") {
  Dim b = Dim::of_symbol(2, "B");
  CHECK(b.symbolic());
  CHECK(b.symbol() == "B");
  CHECK(to_string(b) == "2*B");
  CHECK(Dim::of_symbol(1, "B").sym == b.sym);
  CHECK(Dim::of_symbol(1, "N").sym != b.sym);
  CHECK(to_string(Shape{Dim::of_symbol(1, "B"), fixed(3), fixed(32)}) == "[B, 3, 32]");
  CHECK(!fixed(3).symbolic());
  CHECK(fixed(3).symbol().empty());
}
