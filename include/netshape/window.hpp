// The in-range taps of a sliding window, shared by the pooling forwards and the reference
// convolutions: loops run over the taps that land inside the input only, so a huge window (or a
// huge padding) costs nothing for the taps that fall in the padding.
#pragma once
#include <array>
#include <cstdint>

namespace netshape {

// Taps k in [lo, hi) of a window whose tap k sits at position start + k * step.
struct TapRange {
  int64_t lo = 0, hi = 0;
  int64_t first = 0;  // the position of tap lo (meaningful when lo < hi)
  bool empty() const { return lo >= hi; }
  // The position of in-range tap k (lo <= k < hi): it lies in [0, extent), so the product
  // (k - lo) * step never leaves int64.
  int64_t position(int64_t k, int64_t step) const { return first + (k - lo) * step; }
};

// The taps k in [0, count) with start + k * step in [0, extent), for step >= 1: they form one
// contiguous range (empty when none). `start` is taken in 128 bits so that callers can pass
// `out_index * stride - padding` without overflow; all arithmetic is exact.
inline TapRange taps_in_range(__int128 start, int64_t step, int64_t count, int64_t extent) {
  TapRange t;
  if (count <= 0 || extent <= 0 || step <= 0) return t;
  const __int128 last = static_cast<__int128>(extent) - 1 - start;  // room to the last position
  if (last < 0) return t;
  const __int128 lo = start >= 0 ? 0 : (-start + step - 1) / step;  // ceil(-start / step)
  __int128 hi = last / step + 1;
  if (hi > count) hi = count;
  if (lo >= hi) return t;
  t.lo = static_cast<int64_t>(lo);
  t.hi = static_cast<int64_t>(hi);
  t.first = static_cast<int64_t>(start + lo * step);
  return t;
}

// The in-range taps of each axis of a 3-axis window at index `at` (D, H, W): tap k of axis i
// sits at at[i] * stride[i] - pad[i] + k * dilation[i], inside [0, extent[i]).
using Axes3 = std::array<int64_t, 3>;
inline std::array<TapRange, 3> window_taps(const Axes3& at, const Axes3& stride, const Axes3& pad,
                                           const Axes3& dilation, const Axes3& kernel,
                                           const Axes3& extent) {
  std::array<TapRange, 3> t;
  for (size_t i = 0; i < 3; ++i)
    t[i] = taps_in_range(static_cast<__int128>(at[i]) * stride[i] - pad[i], dilation[i], kernel[i],
                         extent[i]);
  return t;
}

}  // namespace netshape
