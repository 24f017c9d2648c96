// Tensor shapes with an optional symbolic batch: a dim is either a number or coef * SYMBOL.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/checked.hpp"
#include "netshape/small_dims.hpp"

namespace netshape {

// A symbolic dim's name ("B") as a small id, so a Dim is two numbers; 0 means no symbol. The
// table is process-wide and only grows (a model names one or two symbols).
using SymbolId = uint32_t;
SymbolId intern_symbol(std::string_view name);
std::string_view symbol_name(SymbolId id);

struct Dim {
  int64_t value = 0;  // the size, or the coefficient of the symbol when symbolic
  SymbolId sym = 0;   // e.g. the id of "B"; 0 for a concrete size
  bool symbolic() const { return sym != 0; }
  std::string_view symbol() const { return symbol_name(sym); }
  // The size used for counting: a symbol counts as 1 (counts are per sample then).
  int64_t count_value() const { return value; }
  bool operator==(const Dim& o) const { return value == o.value && sym == o.sym; }
  static Dim of_symbol(int64_t coefficient, std::string_view name) {
    return Dim{coefficient, intern_symbol(name)};
  }
};

// A tensor's shape: up to 8 dims inline, without allocation (small_dims.hpp).
using Shape = SmallVector<Dim, 8>;

inline Dim fixed(int64_t v) {
  return Dim{v, 0};
}
std::string to_string(const Dim& d);      // "32", "B", "2*B"
std::string to_string(const Shape& s);    // "[B, 32, 24, 24]"
std::string to_x_string(const Shape& s);  // "32x24x24" (PyTorch's error style)

// Whether a dim of fixed size 0 makes the tensor hold no elements (a symbolic batch is at least
// one): PyTorch's kernels then read nothing, so they check no index and no value.
inline bool has_zero_dim(std::span<const Dim> dims) {
  return std::any_of(dims.begin(), dims.end(),
                     [](const Dim& d) { return !d.symbolic() && d.value == 0; });
}

// PyTorch 1.13's cat skips 1-dim tensors of no elements (legacy: `out = torch.empty(0)` grown
// by `torch.cat([out, x])`): they need not match the others and add nothing. Inference reads
// shapes, the .py reader's tensors made in forward and the executor read sizes.
inline bool skipped_by_cat(std::span<const Dim> dims) {
  return dims.size() == 1 && dims[0] == fixed(0);
}
inline bool skipped_by_cat(std::span<const int64_t> sizes) {
  return sizes.size() == 1 && sizes[0] == 0;
}

// How many trailing dims of a model input are spatial, as the smallest-input search, `sizes` and
// the receptive field read it: [N, C, *spatial] for rank >= 4; rank 3 is [C, H, W], or [B, C, L]
// when its first dim is symbolic; none below rank 3.
size_t spatial_axis_count(const Shape& input);

// Whether a batch norm's input has a single value per channel (a batch of 1, no spatial size
// beyond 1): known only when every dim but the channels' (dim 1) is a number. Training-mode
// batch norm refuses it; the rules and the warnings ask.
bool one_value_per_channel(const Shape& x);

// PyTorch's broadcasting of two shapes (infer_size), from the last dim; nullopt with PyTorch's
// message in `error` for the last pair of dims that do not broadcast.
std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b, std::string& error);

// 1234567 -> "1,234,567"
std::string with_commas(int64_t v);

// The sizes of `s` with a symbolic batch bound to `batch` (`2*B` at batch 8: 16), and their
// product; nullopt when a size or the product leaves int64. What `run` allocates and what
// `check --memory` counts.
std::optional<std::vector<int64_t>> bind_batch(const Shape& s, int64_t batch);
std::optional<int64_t> elements_at_batch(const Shape& s, int64_t batch);

// Checked 64-bit arithmetic (Checked, checked.hpp): nullopt on overflow. Inline: a std::optional
// returned from a call comes back through memory, its flag written as a byte and read back as a
// word, which stalls the CPU (every layer's totals add three of them).
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  return (Checked(a) * b).get();
}
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  return (Checked(a) + b).get();
}
// Product of `factors`; nullopt on overflow.
std::optional<int64_t> checked_product(std::span<const int64_t> factors);
// Product of count_value() over dims [begin, end); nullopt on overflow.
std::optional<int64_t> count_product(const Shape& s, size_t begin = 0, size_t end = SIZE_MAX);
// Product of dims as a Dim (symbolic if any is); nullopt on overflow or two different symbols.
std::optional<Dim> dim_product(const Shape& s, size_t begin = 0, size_t end = SIZE_MAX);

}  // namespace netshape
