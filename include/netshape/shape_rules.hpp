// One pure function per output-size formula, shared by shape inference, the executor and the
// kernels so they can never disagree. Each follows PyTorch's documented formula exactly and is
// computed in checked 64-bit arithmetic: a result that leaves int64 is nullopt (an error for the
// caller to report at the argument), never a wrapped number.
#pragma once
#include <cstdint>
#include <optional>

namespace netshape {

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
    int64_t q = a.value_ / b.value_;
    return a.value_ % b.value_ < 0 ? q - 1 : q;
  }
  friend Checked ceil_div(Checked a, Checked b) {
    if (!a.ok_ || !b.ok_ || b.value_ <= 0) return overflowed();
    int64_t q = a.value_ / b.value_;
    return a.value_ % b.value_ > 0 ? q + 1 : q;
  }

 private:
  int64_t value_;
  bool ok_ = true;
};

// The extent a dilated kernel covers: d(k-1) + 1
inline std::optional<int64_t> effective_kernel_size(int64_t k, int64_t d) {
  return (Checked(d) * (Checked(k) - 1) + 1).get();
}

// An input with `before` and `after` padding: in + before + after
inline std::optional<int64_t> padded_size(int64_t in, int64_t before, int64_t after) {
  return (Checked(in) + before + after).get();
}

// Conv / MaxPool: floor((in + 2p - d(k-1) - 1)/s) + 1
inline std::optional<int64_t> conv_output_size(int64_t in, int64_t k, int64_t s, int64_t p,
                                               int64_t d) {
  Checked num = Checked(in) + Checked(2) * p - Checked(d) * (Checked(k) - 1) - 1;
  return (floor_div(num, s) + 1).get();
}

// Pooling with ceil_mode: the last window must start inside the input or left padding.
inline std::optional<int64_t> pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p,
                                               int64_t d, bool ceil_mode) {
  if (!ceil_mode) return conv_output_size(in, k, s, p, d);
  Checked num = Checked(in) + Checked(2) * p - Checked(d) * (Checked(k) - 1) - 1;
  Checked out = ceil_div(num, s) + 1;
  Checked last_start = (out - 1) * s;
  Checked limit = Checked(in) + p;
  if (!last_start.ok() || !limit.ok()) return std::nullopt;
  if (*last_start.get() >= *limit.get()) out = out - 1;
  return out.get();
}

// ConvTranspose: (in-1)s - 2p + d(k-1) + output_padding + 1
inline std::optional<int64_t> conv_transpose_output_size(int64_t in, int64_t k, int64_t s,
                                                         int64_t p, int64_t d,
                                                         int64_t output_padding) {
  return ((Checked(in) - 1) * s - Checked(2) * p + Checked(d) * (Checked(k) - 1) + output_padding +
          1)
      .get();
}

// Adaptive pooling window [start, end) for output index i < out (PyTorch's start_index and
// end_index). The products are taken in 128 bits: the results lie in [0, in], so they always fit.
inline int64_t adaptive_start(int64_t i, int64_t out, int64_t in) {
  return static_cast<int64_t>(static_cast<__int128>(i) * in / out);
}
inline int64_t adaptive_end(int64_t i, int64_t out, int64_t in) {
  return static_cast<int64_t>(((static_cast<__int128>(i) + 1) * in + out - 1) / out);
}

}  // namespace netshape
