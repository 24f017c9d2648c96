// Internal to the Python frontend: the sizes of tensors made in `__init__` that netshape follows
// without their values, as model files build a sinusoidal position table there
// (`pe[:, 0::2] = torch.sin(position * div_term)`). PyTorch 1.13's rules for basic indexing, for
// copying into an indexed view and for broadcasting; what PyTorch refuses is a ValueTensorError
// with PyTorch's message.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netshape::pylower {

using Sizes = std::vector<int64_t>;

// One item of basic indexing: `t[2]`, `t[1:8:2]`, `t[None]`, `t[...]`.
struct IndexItem {
  enum class Kind { Int, Slice, NewAxis, Ellipsis };
  Kind kind = Kind::Int;
  int64_t index = 0;                         // Int
  std::optional<int64_t> start, stop, step;  // Slice; none: the default
};

// t[items]: the sizes of the view (applySlicing: each `...` stands for the dims no other item
// names, an integer drops its dim, None adds a 1).
Sizes indexed_sizes(const Sizes& t, const std::vector<IndexItem>& items);

// Whether the view t[items] of a contiguous tensor `t`, of sizes `view` (indexed_sizes), is
// contiguous (a step, or a slice of a dim after which another dim has more than one element,
// leaves gaps).
bool contiguous_after_index(const Sizes& t, const std::vector<IndexItem>& items, const Sizes& view);

// t.permute(order) of a contiguous tensor is contiguous when the dims with more than one element
// keep their order.
bool contiguous_after_permute(const Sizes& t, const std::vector<int64_t>& order);

// t.expand(target): the sizes (-1 keeps a dim; new leading dims), PyTorch's errors; `type_name`
// as check_copy_into's.
Sizes expanded_sizes(const Sizes& t, const Sizes& target, const std::string& type_name);

// `t[items] = value`: PyTorch copies the value into the view of sizes `target` after dropping the
// value's leading size-1 dims, expanding its other size-1 dims. `type_name` is the value's tensor
// type ("torch.FloatTensor"), which PyTorch's message names.
void check_copy_into(const Sizes& target, const Sizes& value, const std::string& type_name);

// The sizes of an elementwise op of tensors of sizes `a` and `b` (broadcasting).
Sizes broadcast_sizes(const Sizes& a, const Sizes& b);

// An in-place op's result sizes must be t's (broadcasting may not grow t): PyTorch's error.
void check_in_place_sizes(const Sizes& t, const Sizes& result);

// t.masked_fill(mask, v): the sizes of t and the mask broadcast; in place (masked_fill_) they
// must be t's, PyTorch's error otherwise.
Sizes filled_sizes(const Sizes& t, const Sizes& mask, bool in_place);

}  // namespace netshape::pylower
