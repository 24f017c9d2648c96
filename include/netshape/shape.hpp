// Tensor shapes with an optional symbolic batch: a dim is either a number or coef * SYMBOL.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netshape {

struct Dim {
  int64_t value = 0;   // the size, or the coefficient of `symbol` when symbolic
  std::string symbol;  // e.g. "B"; empty for a concrete size
  bool symbolic() const { return !symbol.empty(); }
  // The size used for counting: a symbol counts as 1 (counts are per sample then).
  int64_t count_value() const { return value; }
  bool operator==(const Dim& o) const { return value == o.value && symbol == o.symbol; }
};

using Shape = std::vector<Dim>;

inline Dim fixed(int64_t v) {
  return Dim{v, {}};
}
std::string to_string(const Dim& d);      // "32", "B", "2*B"
std::string to_string(const Shape& s);    // "[B, 32, 24, 24]"
std::string to_x_string(const Shape& s);  // "32x24x24" (PyTorch's error style)

// 1234567 -> "1,234,567"
std::string with_commas(int64_t v);

// Checked 64-bit arithmetic: nullopt on overflow.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<int64_t> checked_add(int64_t a, int64_t b);
// Product of `factors`; nullopt on overflow.
std::optional<int64_t> checked_product(const std::vector<int64_t>& factors);
// Product of count_value() over dims [begin, end); nullopt on overflow.
std::optional<int64_t> count_product(const Shape& s, size_t begin = 0, size_t end = SIZE_MAX);
// Product of dims as a Dim (symbolic if any is); nullopt on overflow or two different symbols.
std::optional<Dim> dim_product(const Shape& s, size_t begin = 0, size_t end = SIZE_MAX);

}  // namespace netshape
