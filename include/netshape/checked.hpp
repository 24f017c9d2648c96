// Integer arithmetic without undefined behaviour, in one place: floor and ceiling division,
// Python's // and % on ints, and int64 arithmetic that carries overflow along. Shape formulas,
// both frontends' constant folders and the kernels all use these.
#pragma once
#include <cstdint>
#include <optional>

namespace netshape {

// floor(a / b) and ceil(a / b) for b > 0, also for negative a (never overflows).
constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return a % b < 0 ? q - 1 : q;
}
constexpr int64_t ceil_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return a % b > 0 ? q + 1 : q;
}

// Python's a // b and a % b on ints (floor division; the remainder takes the divisor's sign),
// for b != 0. nullopt only for INT64_MIN // -1, which leaves int64; INT64_MIN % -1 is 0.
inline std::optional<int64_t> python_floor_div(int64_t a, int64_t b) {
  if (b == 0 || (a == INT64_MIN && b == -1)) return std::nullopt;
  int64_t q = a / b;
  return (a % b != 0 && ((a % b < 0) != (b < 0))) ? q - 1 : q;
}
inline std::optional<int64_t> python_mod(int64_t a, int64_t b) {
  if (b == 0) return std::nullopt;
  if (b == -1) return 0;
  int64_t m = a % b;
  return m != 0 && ((m < 0) != (b < 0)) ? m + b : m;
}

// int64 arithmetic that carries overflow along instead of wrapping (signed overflow is undefined
// behaviour): a formula written with it gives the exact value, or says that it left int64.
class Checked {
 public:
  constexpr Checked(int64_t v) : value_(v) {}  // implicit, so formulas read as written
  static constexpr Checked overflowed() {
    Checked c(0);
    c.ok_ = false;
    return c;
  }
  constexpr bool ok() const { return ok_; }
  std::optional<int64_t> get() const { return ok_ ? std::optional<int64_t>(value_) : std::nullopt; }

  friend Checked operator+(Checked a, Checked b) {
    int64_t r;
    if (!a.ok_ || !b.ok_ || __builtin_add_overflow(a.value_, b.value_, &r)) return overflowed();
    return r;
  }
  friend Checked operator-(Checked a, Checked b) {
    int64_t r;
    if (!a.ok_ || !b.ok_ || __builtin_sub_overflow(a.value_, b.value_, &r)) return overflowed();
    return r;
  }
  friend Checked operator*(Checked a, Checked b) {
    int64_t r;
    if (!a.ok_ || !b.ok_ || __builtin_mul_overflow(a.value_, b.value_, &r)) return overflowed();
    return r;
  }
  // floor(a / b) and ceil(a / b) for b > 0 (Python's // and its ceiling twin).
  friend Checked floor_div(Checked a, Checked b) {
    if (!a.ok_ || !b.ok_ || b.value_ <= 0) return overflowed();
    return floor_div(a.value_, b.value_);
  }
  friend Checked ceil_div(Checked a, Checked b) {
    if (!a.ok_ || !b.ok_ || b.value_ <= 0) return overflowed();
    return ceil_div(a.value_, b.value_);
  }

 private:
  int64_t value_;
  bool ok_ = true;
};

}  // namespace netshape
