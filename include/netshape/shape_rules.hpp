// One pure function per output-size formula, shared by shape inference, the executor and the
// kernels so they can never disagree. Each follows PyTorch's documented formula exactly and is
// computed in checked 64-bit arithmetic: a result that leaves int64 is nullopt (an error for the
// caller to report at the argument), never a wrapped number.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "netshape/checked.hpp"

namespace netshape {

// The extent a dilated kernel covers: d(k-1) + 1
inline std::optional<int64_t> effective_kernel_size(int64_t k, int64_t d) {
  return (Checked(d) * (Checked(k) - 1) + 1).get();
}

// An input with `before` and `after` padding: in + before + after
inline std::optional<int64_t> padded_size(int64_t in, int64_t before, int64_t after) {
  return (Checked(in) + before + after).get();
}

// A recurrent layer's input width: the model's input for layer 0, both directions' h after it
inline int64_t recurrent_layer_input(int64_t layer, int64_t input, int64_t directions,
                                     int64_t hidden_out) {
  return layer == 0 ? input : directions * hidden_out;
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
  // (out - 1) * s >= in + p, without the product (which can leave int64 when out fits).
  Checked first_outside = ceil_div(Checked(in) + p, s);
  if (!out.ok() || !first_outside.ok()) return std::nullopt;
  if (*out.get() - 1 >= *first_outside.get()) out = out - 1;
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

// A possibly negative dim index for a tensor of `rank` dims, as PyTorch's maybe_wrap_dim wraps it
// (a 0-dim tensor takes dim 0 or -1); nullopt out of range.
inline std::optional<int64_t> wrap_dim(int64_t dim, int64_t rank) {
  int64_t r = std::max<int64_t>(rank, 1);
  if (dim < -r || dim >= r) return std::nullopt;
  return dim < 0 ? dim + r : dim;
}

// PyTorch's message for a dim `got` (as written) out of range for a tensor of `rank` dims.
inline std::string dim_out_of_range(const std::string& got, int64_t rank) {
  int64_t r = std::max<int64_t>(rank, 1);
  return fmt::format("Dimension out of range (expected to be in range of [{}, {}], but got {})", -r,
                     r - 1, got);
}

// index_select's error for a position outside its dim of size `axis_dim`: the kernel for dim 1
// names the position; the other one does not.
inline std::string index_select_out_of_range(int64_t dim, int64_t position,
                                             std::string_view axis_dim) {
  if (dim != 1) return "index out of range in self";
  return fmt::format("INDICES element is out of DATA bounds, id={} axis_dim={}", position,
                     axis_dim);
}

// The argument parser's message for `keepdim` given without a dim to a reduction that takes it
// only with one (`x.sum(keepdim=True)`, `x.max(keepdim=True)`).
inline std::string keepdim_without_dim(std::string_view op) {
  return fmt::format(
      "{}() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
      "one of:",
      op);
}

// max_unpool's error for indices of another element type than int64 (`Float`, `Int`).
inline std::string unpool_indices_not_int64(std::string_view element_type) {
  return fmt::format("elements in indices should be type int64 but got: {}", element_type);
}

// The help beside an out-of-range dim: the dims the tensor has.
inline std::string dims_help(int64_t rank) {
  if (rank == 0) return "the tensor has no dims here: it is a single number";
  return fmt::format("the tensor has {} dims here: use a dim from {} to {}", rank, -rank, rank - 1);
}

// PyTorch's infer_size (view, reshape): whether sizes whose product without the -1 is `known`
// fit a tensor of `numel` elements (`shape` is the sizes as written, for the message). nullopt
// when they fit, the -1 (if any) then being numel / known; else PyTorch's message. A -1 among
// sizes that multiply to 0 is ambiguous even where the element counts agree.
inline std::optional<std::string> view_size_error(int64_t numel, int64_t known, bool has_inferred,
                                                  const std::string& shape) {
  if (numel == known || (has_inferred && known > 0 && numel % known == 0)) {
    if (!has_inferred || known != 0) return std::nullopt;
    return fmt::format(
        "cannot reshape tensor of 0 elements into shape [{}] because the unspecified dimension "
        "size -1 can be any value and is ambiguous",
        shape);
  }
  return fmt::format("shape '[{}]' is invalid for input of size {}", shape, numel);
}

// einsum: each dim of an operand sets the size of the loop it reads (`dim_loops`, inference's
// Attrs::operand_loops); a size-1 dim broadcasts and sets nothing. The forward and run's work
// estimate size the loops this way, so they cannot disagree.
inline void einsum_read_loops(std::span<int64_t> loop_sizes, std::span<const int64_t> dim_loops,
                              std::span<const int64_t> dims) {
  for (size_t d = 0; d < dims.size() && d < dim_loops.size(); ++d) {
    auto loop = static_cast<size_t>(dim_loops[d]);
    if (dims[d] != 1 && loop < loop_sizes.size()) loop_sizes[loop] = dims[d];
  }
}

// `x.size(dim)` of a tensor of `rank` dims when it has no such dim: PyTorch's message and the
// help; nullopt when it has.
struct DimError {
  std::string message;
  std::string help;
};
inline std::optional<DimError> size_dim_error(int64_t dim, int64_t rank) {
  if (rank == 0) {
    return DimError{fmt::format("Dimension specified as {} but tensor has no dimensions", dim),
                    dims_help(rank)};
  }
  if (wrap_dim(dim, rank)) return std::nullopt;
  return DimError{dim_out_of_range(std::to_string(dim), rank), dims_help(rank)};
}

}  // namespace netshape
