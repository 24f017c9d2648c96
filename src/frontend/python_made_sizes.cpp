// Sizes of tensors made in __init__ (python_made_sizes.hpp), following PyTorch 1.13's
// torch/csrc/autograd/python_variable_indexing.cpp and ATen/TensorIndexing.h (applySlicing,
// copy_to with slicePrefix1sSize) and ExpandUtils.cpp (inferExpandGeometry).
#include "python_made_sizes.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "netshape/shape.hpp"
#include "netshape/shape_rules.hpp"
#include "python_tensor_values.hpp"

namespace netshape::pylower {
namespace {

[[noreturn]] void refuse(std::string message, std::string help = {}) {
  throw ValueTensorError{std::move(message), std::move(help)};
}

std::string listed(const Sizes& s) {
  return fmt::format("[{}]", fmt::join(s, ", "));
}

// The length of t[start:stop:step] along a dim of `n` (at::slice clamps both bounds into [0, n]).
int64_t slice_length(int64_t n, const IndexItem& item) {
  int64_t step = item.step.value_or(1);
  if (step == 0) refuse("slice step cannot be zero");
  if (step < 0) refuse("step must be greater than zero", "tensors take only positive steps");
  auto bound = [n](std::optional<int64_t> b, int64_t fallback) {
    if (!b) return fallback;
    int64_t x = *b < 0 ? *b + n : *b;  // no overflow: n >= 0 and *b < 0
    return std::clamp(x, int64_t{0}, n);
  };
  int64_t start = bound(item.start, 0), stop = bound(item.stop, n);
  if (stop <= start) return 0;
  return (stop - start - 1) / step + 1;
}

}  // namespace

Sizes indexed_sizes(const Sizes& t, const std::vector<IndexItem>& items) {
  int64_t rank = static_cast<int64_t>(t.size());
  int64_t specified = 0;
  for (const IndexItem& item : items)
    if (item.kind == IndexItem::Kind::Int || item.kind == IndexItem::Kind::Slice) ++specified;
  bool integer = std::any_of(items.begin(), items.end(),
                             [](const IndexItem& i) { return i.kind == IndexItem::Kind::Int; });
  if (rank == 0 && integer)
    refuse(
        "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
        "C++ to convert a 0-dim tensor to a number");
  if (specified > rank) refuse(fmt::format("too many indices for tensor of dimension {}", rank));
  Sizes out = t;
  size_t dim = 0;  // the dim of `out` the next item applies to
  for (size_t position = 0; position < items.size(); ++position) {
    const IndexItem& item = items[position];
    switch (item.kind) {
      case IndexItem::Kind::Int: {
        int64_t size = dim < out.size() ? out[dim] : 0;  // past the end after several `...`
        if (item.index < -size || item.index >= size)
          refuse(fmt::format("index {} is out of bounds for dimension {} with size {}", item.index,
                             position, size));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(dim));
        break;
      }
      case IndexItem::Kind::Slice:
        if (dim >= out.size())
          refuse(dim_out_of_range(std::to_string(dim), static_cast<int64_t>(out.size())));
        out[dim] = slice_length(out[dim], item);
        ++dim;
        break;
      case IndexItem::Kind::NewAxis:
        if (dim > out.size())
          refuse(dim_out_of_range(std::to_string(dim), static_cast<int64_t>(out.size()) + 1));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(dim), 1);
        ++dim;
        break;
      case IndexItem::Kind::Ellipsis:  // PyTorch 1.13 takes several, each standing for them all
        dim += static_cast<size_t>(rank - specified);
        break;
    }
  }
  return out;
}

bool contiguous_after_index(const Sizes& t, const std::vector<IndexItem>& items,
                            const Sizes& view) {
  // The strides of the view, from t's contiguous ones, as applySlicing makes them.
  Sizes strides(t.size(), 1);
  for (size_t i = t.size(); i-- > 1;)
    if (__builtin_mul_overflow(strides[i], std::max<int64_t>(t[i], 1), &strides[i - 1]))
      return false;  // more elements than int64 counts: not followed
  Sizes view_strides;
  int64_t specified = 0;
  for (const IndexItem& item : items)
    if (item.kind == IndexItem::Kind::Int || item.kind == IndexItem::Kind::Slice) ++specified;
  size_t source = 0;  // the dim of t the next Int or Slice applies to
  for (const IndexItem& item : items) {
    if (source > t.size()) return false;  // several `...` past the dims: not followed
    switch (item.kind) {
      case IndexItem::Kind::Int:
        ++source;
        break;
      case IndexItem::Kind::Slice: {
        if (source >= t.size()) return false;
        int64_t stride = 0;  // a step too large to multiply: not followed
        if (__builtin_mul_overflow(strides[source++], item.step.value_or(1), &stride)) return false;
        view_strides.push_back(stride);
        break;
      }
      case IndexItem::Kind::NewAxis:
        view_strides.push_back(1);
        break;
      case IndexItem::Kind::Ellipsis:
        for (int64_t k = 0; k < static_cast<int64_t>(t.size()) - specified; ++k) {
          if (source >= t.size()) return false;
          view_strides.push_back(strides[source++]);
        }
        break;
    }
  }
  while (source < t.size()) view_strides.push_back(strides[source++]);
  if (view_strides.size() != view.size()) return false;  // several `...`: not followed
  int64_t expected = 1;
  for (size_t i = view.size(); i-- > 0;) {
    if (view[i] == 1) continue;  // a size-1 dim's stride does not matter
    if (view[i] == 0) return true;
    if (view_strides[i] != expected) return false;
    if (__builtin_mul_overflow(expected, view[i], &expected)) return false;
  }
  return true;
}

bool contiguous_after_permute(const Sizes& t, const std::vector<int64_t>& order) {
  int64_t last = -1;
  for (int64_t d : order) {
    if (t[static_cast<size_t>(d)] == 1) continue;
    if (d < last) return false;
    last = d;
  }
  return true;
}

Sizes expanded_sizes(const Sizes& t, const Sizes& target, const std::string& type_name) {
  size_t ndim = target.size(), rank = t.size();
  if (ndim < rank)
    refuse(fmt::format("expand({}{{{}}}, size={}): the number of sizes provided ({}) must be "
                       "greater or equal to the number of dimensions in the tensor ({})",
                       type_name, listed(t), listed(target), ndim, rank),
           "give a size for each of the tensor's dims");
  if (rank == 0) {  // a 0-dim tensor takes the sizes as given
    for (int64_t want : target)
      if (want < 0) refuse("numel: integer multiplication overflow", "sizes must be >= 0");
    return target;
  }
  Sizes out(ndim);
  for (size_t i = ndim; i-- > 0;) {
    bool existing = i + rank >= ndim;
    int64_t size = existing ? t[i + rank - ndim] : 1;
    int64_t want = target[i];
    if (want == -1) {
      if (!existing)
        refuse(fmt::format("The expanded size of the tensor (-1) isn't allowed in a leading, "
                           "non-existing dimension {}",
                           i),
               "give new leading dims a size");
      want = size;
    }
    if (want != size && size != 1)
      refuse(fmt::format("The expanded size of the tensor ({}) must match the existing size ({}) "
                         "at non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                         want, size, i, listed(target), listed(t)),
             "only size-1 dims expand: use -1 to keep a dim");
    if (want < 0)
      refuse("numel: integer multiplication overflow", "sizes must be >= 0, or -1 to keep a dim");
    out[i] = want;
  }
  return out;
}

void check_copy_into(const Sizes& target, const Sizes& value, const std::string& type_name) {
  auto first_kept = std::find_if(value.begin(), value.end(), [](int64_t d) { return d != 1; });
  Sizes v(first_kept, value.end());
  if (v.size() > target.size())
    refuse(fmt::format("expand({}{{{}}}, size={}): the number of sizes provided ({}) must be "
                       "greater or equal to the number of dimensions in the tensor ({})",
                       type_name, listed(v), listed(target), target.size(), v.size()),
           "the value has more dims than the place it is written to");
  for (size_t i = target.size(); i-- > 0;) {
    size_t from_end = target.size() - 1 - i;
    int64_t existing = from_end < v.size() ? v[v.size() - 1 - from_end] : 1;
    if (existing != target[i] && existing != 1)
      refuse(fmt::format("The expanded size of the tensor ({}) must match the existing size ({}) "
                         "at non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                         target[i], existing, i, listed(target), listed(v)),
             "the value must have the sizes of the place it is written to (or 1 there)");
  }
}

Sizes broadcast_sizes(const Sizes& a, const Sizes& b) {
  Shape sa, sb;
  for (int64_t d : a) sa.push_back(fixed(d));
  for (int64_t d : b) sb.push_back(fixed(d));
  std::string error;
  std::optional<Shape> s = broadcast_shapes(sa, sb, error);
  if (!s) refuse(error, "the sizes must be equal, or 1, from the last dim");
  Sizes out;
  for (const Dim& d : *s) out.push_back(d.value);
  return out;
}

void check_in_place_sizes(const Sizes& t, const Sizes& result) {
  if (result == t) return;
  refuse(fmt::format("output with shape {} doesn't match the broadcast shape {}", listed(t),
                     listed(result)),
         "an in-place op keeps the tensor's sizes: the other operand may not add dims or grow one");
}

Sizes filled_sizes(const Sizes& t, const Sizes& mask, bool in_place) {
  // PyTorch's message names the mask first, in place the tensor first
  Sizes out = in_place ? broadcast_sizes(t, mask) : broadcast_sizes(mask, t);
  if (in_place) check_in_place_sizes(t, out);
  return out;
}

}  // namespace netshape::pylower
