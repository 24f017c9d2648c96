// Following strides as PyTorch 1.13 computes them (layout.hpp). Each function below names the
// ATen function it mirrors. Sizes and strides are Dims: a symbolic batch B stands for any batch
// of 2 or more; a comparison that would depend on B's value leaves the answer undecided.
#include "layout.hpp"

#include <algorithm>
#include <numeric>
#include <optional>

namespace netshape {
namespace {

using Status = LayoutStep::Status;

// a * b, nullopt when it leaves int64 or multiplies two symbolic dims.
std::optional<Dim> times(Dim a, Dim b) {
  if (a.symbolic() && b.symbolic()) return std::nullopt;
  auto v = checked_mul(a.value, b.value);
  if (!v) return std::nullopt;
  return Dim{*v, *v == 0 ? 0 : (a.sym ? a.sym : b.sym)};
}

// -1, 0 or 1; nullopt when the order depends on the batch size. A batch is 2 or more (as
// squeeze keeps a symbolic dim), so k < c*B when k < 2c.
std::optional<int> compare(Dim a, Dim b) {
  if (a.value == 0) a.sym = 0;
  if (b.value == 0) b.sym = 0;
  if (a.sym == b.sym) return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  auto below_batch = [](Dim k, Dim batch) {
    auto least = checked_mul(batch.value, 2);
    return !k.symbolic() && batch.value > 0 && least && k.value < *least;
  };
  if (!a.symbolic() && b.symbolic() && below_batch(a, b)) return -1;
  if (a.symbolic() && !b.symbolic() && below_batch(b, a)) return 1;
  return std::nullopt;
}

bool is_one(Dim d) {
  return !d.symbolic() && d.value == 1;
}
bool below_two(Dim d) {  // a symbolic batch is at least 2
  return !d.symbolic() && d.value < 2;
}
bool is_zero(Dim d) {
  return d.value == 0;
}

// A tri-state answer: true, false, or depends on the batch size.
using Maybe = std::optional<bool>;

// TensorImpl's default strides: each the product of the sizes after it (a 0 counts as 1).
std::optional<Shape> contiguous_strides(const Shape& shape) {
  Shape strides(shape.size(), fixed(1));
  Dim next = fixed(1);
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = next;
    auto n = times(next, is_zero(shape[i]) ? fixed(1) : shape[i]);
    if (!n) return std::nullopt;
    next = *n;
  }
  return strides;
}

// The strides a layout stands for; nullopt when unknown or not representable.
std::optional<Shape> strides_of(const Shape& shape, const Layout& l) {
  if (l.kind == Layout::Kind::Strided) return l.strides;
  if (l.kind == Layout::Kind::Contiguous) return contiguous_strides(shape);
  return std::nullopt;
}

// Whether the dims, innermost first in `order`, tile memory without gaps (size-1 dims may have
// any stride).
Maybe dense_in_order(const Shape& shape, const Shape& strides, std::span<const size_t> order) {
  Dim expected = fixed(1);
  for (size_t d : order) {
    if (is_one(shape[d])) continue;
    auto c = compare(strides[d], expected);
    if (!c) return std::nullopt;
    if (*c != 0) return false;
    auto n = times(expected, shape[d]);
    if (!n) return std::nullopt;
    expected = *n;
  }
  return true;
}

// TensorImpl::compute_contiguous.
Maybe is_contiguous(const Shape& shape, const Shape& strides) {
  if (has_zero_dim(shape)) return true;
  SmallVector<size_t, 8> order;
  for (size_t d = shape.size(); d-- > 0;) order.push_back(d);
  return dense_in_order(shape, strides, order);
}

// The dims of a channels-last tensor, innermost first (C, then W, H, (D,) N).
std::span<const size_t> channels_last_order(size_t rank) {
  static constexpr size_t k2d[] = {1, 3, 2, 0};
  static constexpr size_t k3d[] = {1, 4, 3, 2, 0};
  if (rank == 4) return k2d;
  if (rank == 5) return k3d;
  return {};
}

// TensorImpl::compute_channels_last_contiguous_2d / _3d.
Maybe is_channels_last_contiguous(const Shape& shape, const Shape& strides) {
  std::span<const size_t> order = channels_last_order(shape.size());
  if (order.empty()) return false;
  return dense_in_order(shape, strides, order);
}

// is_channels_last_strides_2d / _3d (c10/core/MemoryFormat.h): whether suggest_memory_format()
// says ChannelsLast, which layers such as Conv2d and BatchNorm2d then keep.
Maybe suggests_channels_last(const Shape& shape, const Shape& strides) {
  std::span<const size_t> order = channels_last_order(shape.size());
  if (order.empty() || is_zero(strides[1])) return false;
  Dim min = fixed(0);
  for (size_t d : order) {
    if (is_zero(shape[d])) return false;
    auto below = compare(strides[d], min);
    if (!below) return std::nullopt;
    if (*below < 0) return false;
    if (d == 0) {  // N111 with one stride everywhere: NCHW, PyTorch's default when ambiguous
      auto same = compare(min, strides[1]);
      if (!same) return std::nullopt;
      if (*same == 0) return false;
    }
    min = strides[d];
    if (!below_two(shape[d])) {
      auto n = times(min, shape[d]);
      if (!n) return std::nullopt;
      min = *n;
    }
  }
  return true;
}

// get_channels_last_strides_2d / _3d.
std::optional<Shape> channels_last_strides(const Shape& shape) {
  Shape strides(shape.size(), fixed(1));
  Dim next = fixed(1);
  for (size_t d : channels_last_order(shape.size())) {
    strides[d] = next;
    auto n = times(next, shape[d]);
    if (!n) return std::nullopt;
    next = *n;
  }
  return strides;
}

// TensorImpl::compute_non_overlapping_and_dense: the dims of size 2 or more, by stride, tile
// memory without gaps.
Maybe is_non_overlapping_and_dense(const Shape& shape, const Shape& strides) {
  std::vector<size_t> dims;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!below_two(shape[d])) dims.push_back(d);
  for (size_t i = 1; i < dims.size(); ++i) {  // insertion sort by stride
    for (size_t j = i; j > 0; --j) {
      auto c = compare(strides[dims[j]], strides[dims[j - 1]]);
      if (!c) return std::nullopt;
      if (*c >= 0) break;
      std::swap(dims[j], dims[j - 1]);
    }
  }
  return dense_in_order(shape, strides, dims);
}

Layout unknown(NodeId since) {
  Layout l;
  l.kind = Layout::Kind::Unknown;
  l.since = since;
  return l;
}

// Strided, or Contiguous when the strides are the default ones.
Layout strided(const Shape& shape, Shape strides, NodeId since) {
  Layout l;
  if (contiguous_strides(shape) == strides) return l;
  l.kind = Layout::Kind::Strided;
  l.strides = std::move(strides);
  l.since = since;
  return l;
}

LayoutStep ok(Layout l) {
  return LayoutStep{Status::Ok, std::move(l)};
}

// The node a derived layout is charged to: the input's, if it already was not contiguous.
NodeId since_of(const Layout& in, NodeId node) {
  return in.kind == Layout::Kind::Contiguous ? node : in.since;
}

// computeStride (aten/src/ATen/TensorUtils.cpp): the strides of `shape`'s memory seen as
// `view_shape`, dims merged only where their memory is contiguous.
Status view_strides(const Shape& shape, const Shape& strides, const Shape& view_shape, Shape& out) {
  out.assign(view_shape.size(), fixed(1));
  if (shape.empty() || has_zero_dim(shape)) {  // nothing to span: PyTorch's default strides
    auto c = contiguous_strides(view_shape);
    if (!c) return Status::ViewUndecided;
    out = *c;
    return Status::Ok;
  }
  int64_t view_d = static_cast<int64_t>(view_shape.size()) - 1;
  Dim chunk_base_stride = strides.back();
  Dim tensor_numel = fixed(1), view_numel = fixed(1);
  for (int64_t tensor_d = static_cast<int64_t>(shape.size()) - 1; tensor_d >= 0; --tensor_d) {
    auto tn = times(tensor_numel, shape[static_cast<size_t>(tensor_d)]);
    if (!tn) return Status::ViewUndecided;
    tensor_numel = *tn;
    bool chunk_ends = tensor_d == 0;
    if (!chunk_ends && !is_one(shape[static_cast<size_t>(tensor_d) - 1])) {
      auto spans = times(tensor_numel, chunk_base_stride);
      if (!spans) return Status::ViewUndecided;
      auto c = compare(strides[static_cast<size_t>(tensor_d) - 1], *spans);
      if (!c) return Status::ViewUndecided;
      chunk_ends = *c != 0;
    }
    if (!chunk_ends) continue;
    while (view_d >= 0) {
      Dim size = view_shape[static_cast<size_t>(view_d)];
      auto c = compare(view_numel, tensor_numel);
      if (!c) return Status::ViewUndecided;
      if (*c >= 0 && !is_one(size)) break;
      auto s = times(view_numel, chunk_base_stride);
      auto vn = times(view_numel, size);
      if (!s || !vn) return Status::ViewUndecided;
      out[static_cast<size_t>(view_d)] = *s;
      view_numel = *vn;
      --view_d;
    }
    auto c = compare(view_numel, tensor_numel);
    if (!c) return Status::ViewUndecided;
    if (*c != 0) return Status::ViewDoesNotFit;
    if (tensor_d > 0) {
      chunk_base_stride = strides[static_cast<size_t>(tensor_d) - 1];
      tensor_numel = fixed(1);
      view_numel = fixed(1);
    }
  }
  return view_d == -1 ? Status::Ok : Status::ViewDoesNotFit;
}

// Whether `view_shape` only splits `shape`'s dims, or adds and removes size-1 dims: such a view
// fits whatever the strides (channel shuffle's `view(b, g, c // g, h, w)`, `view(n, -1)` of
// [n, c, 1, 1]).
bool only_splits(const Shape& shape, const Shape& view_shape) {
  if (has_zero_dim(shape)) return false;
  size_t j = 0;
  auto skip_ones = [&] {
    while (j < view_shape.size() && is_one(view_shape[j])) ++j;
  };
  for (const Dim& d : shape) {
    if (is_one(d)) continue;
    Dim product = fixed(1);
    for (;;) {
      skip_ones();
      if (j == view_shape.size()) return false;
      std::optional<Dim> p = times(product, view_shape[j++]);
      std::optional<int> c = p ? compare(*p, d) : std::nullopt;
      if (!c || *c > 0) return false;
      product = *p;
      if (*c == 0) break;
    }
  }
  skip_ones();
  return j == view_shape.size();
}

// view (must fit), reshape and flatten (a copy when it does not fit), Unflatten (splits one dim:
// always fits).
LayoutStep view_like(const LayerInfo& layer, const LaidOut& in) {
  const Shape& out = *layer.output;
  const Family family = op_info(layer.op).family;
  bool must_fit = layer.op == OpId::view;
  if (family == Family::flatten && !in.shape->empty() &&
      layer.attrs->start_dim == layer.attrs->end_dim)
    return ok(*in.layout);  // flatten of one dim returns the tensor itself
  if (in.layout->kind == Layout::Kind::Contiguous) return ok(Layout{});
  std::optional<Shape> strides = strides_of(*in.shape, *in.layout);
  if (!strides) {
    bool fits = !must_fit || only_splits(*in.shape, out);
    return {fits ? Status::Ok : Status::ViewUndecided, *in.layout};
  }
  Shape out_strides;
  Status fit = view_strides(*in.shape, *strides, out, out_strides);
  if (fit == Status::Ok) return ok(strided(out, std::move(out_strides), in.layout->since));
  if (must_fit) return {fit, *in.layout};
  if (fit == Status::ViewDoesNotFit && family != Family::unflatten)
    return ok(Layout{});  // reshape copies into a new tensor
  return ok(unknown(in.layout->since));
}

// inferExpandGeometry: a broadcast dim repeats its memory (stride 0); a new leading dim of
// size 1 gets the stride of the dims after it.
std::optional<Shape> expanded_strides(const Shape& in, const Shape& in_strides, const Shape& out) {
  Shape strides(out.size(), fixed(0));
  size_t offset = out.size() - in.size();
  for (size_t i = out.size(); i-- > 0;) {
    bool existing = i >= offset;
    Dim size = existing ? in[i - offset] : fixed(1);
    std::optional<Dim> stride = existing             ? in_strides[i - offset]
                                : i + 1 < out.size() ? times(out[i + 1], strides[i + 1])
                                                     : fixed(1);
    if (!stride) return std::nullopt;
    strides[i] = size == out[i] ? *stride : fixed(0);
  }
  return strides;
}

// inferUnsqueezeGeometry: the new size-1 dim at `dim` spans the dim it displaces.
std::optional<Shape> unsqueezed_strides(const Shape& shape, Shape strides, size_t dim) {
  std::optional<Dim> stride = dim >= strides.size() ? fixed(1) : times(shape[dim], strides[dim]);
  if (!stride) return std::nullopt;
  strides.insert(strides.begin() + static_cast<std::ptrdiff_t>(dim), *stride);
  return strides;
}

Shape unsqueezed_shape(Shape shape, size_t dim) {
  shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(dim), fixed(1));
  return shape;
}

// transpose, permute, narrow, slice, select, squeeze, unsqueeze, expand, Tensor.unfold: the
// input's strides, moved.
LayoutStep moved_strides(const LayerInfo& layer, NodeId node, const LaidOut& in) {
  const Shape& out = *layer.output;
  const Attrs& a = *layer.attrs;
  std::optional<Shape> s = strides_of(*in.shape, *in.layout);
  if (!s) return ok(unknown(in.layout->since));
  NodeId since = since_of(*in.layout, node);
  switch (op_info(layer.op).family) {
    case Family::transpose:
      if (!s->empty())
        std::swap((*s)[static_cast<size_t>(a.dims[0])], (*s)[static_cast<size_t>(a.dims[1])]);
      return ok(strided(out, *s, since));
    case Family::permute: {
      Shape p;
      for (int64_t d : a.dims) p.push_back((*s)[static_cast<size_t>(d)]);
      return ok(strided(out, p, since));
    }
    case Family::narrow:
      return ok(strided(out, *s, since));
    case Family::slice: {  // at::slice multiplies the dim's stride by the step
      Dim& stride = (*s)[static_cast<size_t>(a.dim)];  // a symbolic one: its coefficient
      std::optional<int64_t> times_step = checked_mul(stride.value, a.slice_step);
      if (!times_step) return ok(unknown(since));
      stride.value = *times_step;
      return ok(strided(out, *s, since));
    }
    case Family::select:
      s->erase(s->begin() + a.dim);
      return ok(strided(out, *s, since));
    case Family::windows: {  // at::unfold: the dim's stride times the step, then the dim's own
      if (s->empty()) return ok(strided(out, {fixed(1)}, since));
      Dim& stride = (*s)[static_cast<size_t>(a.dim)];
      Dim within = stride;
      std::optional<int64_t> times_step = checked_mul(stride.value, a.slice_step);
      if (!times_step) return ok(unknown(since));
      stride.value = *times_step;
      s->push_back(within);
      return ok(strided(out, *s, since));
    }
    case Family::squeeze: {
      Shape kept;
      for (size_t d = 0; d < s->size(); ++d)
        if (std::find(a.dims.begin(), a.dims.end(), static_cast<int64_t>(d)) == a.dims.end())
          kept.push_back((*s)[d]);
      return ok(strided(out, kept, since));
    }
    case Family::unsqueeze: {
      std::optional<Shape> u = unsqueezed_strides(*in.shape, *s, static_cast<size_t>(a.dim));
      return u ? ok(strided(out, *u, since)) : ok(unknown(since));
    }
    case Family::expand: {
      std::optional<Shape> e = expanded_strides(*in.shape, *s, out);
      return e ? ok(strided(out, *e, since)) : ok(unknown(since));
    }
    default:
      return ok(unknown(since));  // every View family is one of the above or view_like's
  }
}

// TensorIteratorBase::compute_fast_setup_type: every input of the output's shape, all
// contiguous, all channels-last, or all dense with one set of strides. nullopt: not this way.
std::optional<LayoutStep> fast_setup(const Shape& out, const std::vector<Shape>& strides,
                                     std::span<const LaidOut> inputs, NodeId node) {
  for (const LaidOut& in : inputs)
    if (!(*in.shape == out)) return std::nullopt;
  bool all_contiguous = true, all_channels_last = true, all_dense = true;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Maybe c = is_contiguous(out, strides[k]);
    Maybe cl = is_channels_last_contiguous(out, strides[k]);
    Maybe dense = is_non_overlapping_and_dense(out, strides[k]);
    if (!c || !cl || !dense) return ok(unknown(node));
    all_contiguous &= *c;
    all_channels_last &= *cl;
    all_dense &= *dense;
  }
  if (all_contiguous) return ok(Layout{});
  if (all_channels_last) {
    std::optional<Shape> cl = channels_last_strides(out);
    return cl ? ok(strided(out, *cl, node)) : ok(unknown(node));
  }
  if (!all_dense) return std::nullopt;
  for (const Shape& s : strides)
    if (!(s == strides[0])) return std::nullopt;
  return ok(strided(out, strides[0], since_of(*inputs[0].layout, node)));
}

// TensorIteratorBase::reorder_dimensions and compatible_stride: the output's dims ordered by
// the inputs' strides (the first input that tells two dims apart decides; broadcast dims do
// not count), then laid out densely in that order.
LayoutStep iterator_order(const Shape& out, const std::vector<Shape>& strides, NodeId node) {
  size_t n = out.size();
  std::vector<Shape> ts;  // per input, its strides aligned to the output's dims
  for (size_t k = 0; k < strides.size(); ++k) ts.emplace_back(n, fixed(0));
  for (size_t k = 0; k < strides.size(); ++k) {
    size_t rank = strides[k].size(), offset = n - rank;
    for (size_t i = 0; i < rank; ++i) ts[k][offset + i] = strides[k][i];
  }
  auto should_swap = [&](size_t d0, size_t d1) -> std::optional<int> {
    for (const Shape& s : ts) {
      if (is_zero(s[d0]) || is_zero(s[d1])) continue;
      auto c = compare(s[d0], s[d1]);
      if (!c) return std::nullopt;
      if (*c != 0) return *c;
      auto by_size = compare(out[d0], out[d1]);
      if (!by_size) return std::nullopt;
      if (*by_size > 0) return 1;
    }
    return 0;
  };
  std::vector<size_t> perm(n);  // perm[0] is the fastest-moving dim
  std::iota(perm.rbegin(), perm.rend(), size_t{0});
  for (size_t i = 1; i < n; ++i) {
    size_t dim1 = i;
    for (size_t dim0 = i; dim0-- > 0;) {
      std::optional<int> c = should_swap(perm[dim0], perm[dim1]);
      if (!c) return ok(unknown(node));
      if (*c > 0) {
        std::swap(perm[dim0], perm[dim1]);
        dim1 = dim0;
      } else if (*c < 0) {
        break;
      }
    }
  }
  bool inverted = true;
  for (size_t j = 0; j < n; ++j) inverted &= perm[j] == n - j - 1;
  if (inverted) return ok(Layout{});
  Shape result(n, fixed(1));
  Dim next = fixed(1);
  for (size_t j = 0; j < n; ++j) {
    result[perm[j]] = next;
    auto m = times(next, out[perm[j]]);
    if (!m) return ok(unknown(node));
    next = *m;
  }
  return ok(strided(out, result, node));
}

// An elementwise op's output, as TensorIterator allocates it.
LayoutStep elementwise(const LayerInfo& layer, NodeId node, std::span<const LaidOut> inputs) {
  const Shape& out = *layer.output;
  bool all_contiguous = true;
  for (const LaidOut& in : inputs) {
    if (in.layout->kind == Layout::Kind::Unknown) return ok(*in.layout);
    all_contiguous &= in.layout->kind == Layout::Kind::Contiguous && *in.shape == out;
  }
  if (all_contiguous) return ok(Layout{});
  std::vector<Shape> strides;
  for (const LaidOut& in : inputs) {
    // TensorIteratorBase::compute_strides: a dim broadcast from size 1 reads one element.
    std::optional<Shape> s = strides_of(*in.shape, *in.layout);
    if (!s) return ok(unknown(node));
    size_t offset = out.size() - in.shape->size();
    for (size_t i = 0; i < s->size(); ++i)
      if (is_one((*in.shape)[i]) && !is_one(out[offset + i])) (*s)[i] = fixed(0);
    strides.push_back(std::move(*s));
  }
  if (std::optional<LayoutStep> fast = fast_setup(out, strides, inputs, node)) return *fast;
  return iterator_order(out, strides, node);
}

// Whether a layer keeping its input's memory format would lay its output out channels-last.
// The 1-d pools run the 2-d kernel on the input unsqueezed at -2 (avg_pool1d, the adaptive
// ones, max_pool1d with autograd on), so the unsqueezed geometry decides for them.
Maybe keeps_channels_last(const LayerInfo& layer, const Shape& shape, const Shape& strides) {
  Family f = op_info(layer.op).family;
  bool pool = f == Family::max_pool || f == Family::avg_pool || f == Family::adaptive_avg_pool ||
              f == Family::adaptive_max_pool;
  if (pool && shape.size() == 3) {
    std::optional<Shape> u = unsqueezed_strides(shape, strides, 2);
    if (!u) return std::nullopt;
    return suggests_channels_last(unsqueezed_shape(shape, 2), *u);
  }
  return suggests_channels_last(shape, strides);
}

// Layers that allocate their output in the input's suggested memory format: contiguous unless
// that is channels-last, which PyTorch keeps or not by the kernel it picks (not followed).
// F.pad with no positive pad returns a clone of the input (preserve format): not followed.
LayoutStep like_input(const LayerInfo& layer, NodeId node, const LaidOut& in) {
  if (in.layout->kind == Layout::Kind::Contiguous) return ok(Layout{});
  Family f = op_info(layer.op).family;
  const AttrInts& pads = layer.attrs->padding;
  bool pads_nothing = std::none_of(pads.begin(), pads.end(), [](int64_t p) { return p > 0; });
  if ((f == Family::pad || f == Family::constant_pad) && pads_nothing) return ok(unknown(node));
  std::optional<Shape> s = strides_of(*in.shape, *in.layout);
  Maybe cl = s ? keeps_channels_last(layer, *in.shape, *s) : std::nullopt;
  if (cl && !*cl) return ok(Layout{});
  return ok(unknown(node));
}

// cat_compute_output_memory_format: contiguous unless every input suggests channels-last.
// stack of tensors that are not all contiguous is not followed: PyTorch 1.13 keeps a
// channels-last input's strides in ways its unsqueezed inputs do not suggest.
LayoutStep joined(const LayerInfo& layer, NodeId node, std::span<const LaidOut> inputs) {
  bool stack = op_info(layer.op).family == Family::stack;
  for (const LaidOut& in : inputs) {
    if (stack) {
      if (in.layout->kind != Layout::Kind::Contiguous) return ok(unknown(node));
      continue;
    }
    std::optional<Shape> s = strides_of(*in.shape, *in.layout);
    Maybe cl = s ? suggests_channels_last(*in.shape, *s) : std::nullopt;
    if (cl && !*cl) return ok(Layout{});
  }
  return stack ? ok(Layout{}) : ok(unknown(node));
}

}  // namespace

Layout dense_copy(const Shape& shape, const Layout& layout, NodeId node) {
  if (layout.kind != Layout::Kind::Strided) return layout;
  Maybe dense = is_non_overlapping_and_dense(shape, layout.strides);
  if (!dense) return unknown(node);
  if (*dense) return layout;
  return iterator_order(shape, {layout.strides}, node).out;
}

bool overlaps(const Shape& shape, const Layout& layout) {
  if (layout.kind != Layout::Kind::Strided) return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (is_zero(layout.strides[d]) && !below_two(shape[d])) return true;
  return false;
}

// einsum of two operands with a label summed in both: PyTorch 1.13 runs one bmm, whose output
// it views as [dims in both, dims of the first only, dims of the second only] (each group in the
// output's order) and permutes to the output's order: contiguous when the output already lists
// them so (size-1 dims aside; checked against torch.einsum on 40,000 random equations, operands
// contiguous or not). One operand (a view of it: permuted, a diagonal) and an elementwise
// product (laid out as its operands) are not followed.
LayoutStep contraction(const LayerInfo& layer, NodeId node, std::span<const LaidOut> inputs) {
  const Attrs& a = *layer.attrs;
  if (inputs.size() != 2 || a.operand_loops.size() != 2) return ok(unknown(node));
  std::vector<int> has(static_cast<size_t>(a.loops), 0);  // per loop: bit i, operand i has it
  for (size_t i = 0; i < 2; ++i) {
    const Shape& s = *inputs[i].shape;
    for (size_t d = 0; d < s.size() && d < a.operand_loops[i].size(); ++d)
      if (s[d].symbolic() || s[d].value != 1)
        has[static_cast<size_t>(a.operand_loops[i][d])] |= 1 << i;
  }
  bool contracted = false;
  for (size_t loop = static_cast<size_t>(a.output_loops); loop < has.size(); ++loop)
    contracted = contracted || has[loop] == 3;
  if (!contracted) return ok(unknown(node));
  int group = 0;  // 0: in both, 1: the first's only, 2: the second's only
  for (size_t loop = 0; loop < static_cast<size_t>(a.output_loops); ++loop) {
    if (has[loop] == 0) continue;  // size 1: no stride matters
    int g = has[loop] == 3 ? 0 : has[loop] == 1 ? 1 : 2;
    if (g < group) return ok(unknown(node));
    group = g;
  }
  return ok(Layout{});
}

// glu: out = a * sigmoid(b) over the two halves of `dim`, narrows of the input with its strides,
// so TensorIterator lays the output out in the input's order of strides.
LayoutStep halves(const LayerInfo& layer, NodeId node, const LaidOut& in) {
  if (in.layout->kind == Layout::Kind::Contiguous) return ok(Layout{});
  std::optional<Shape> s = strides_of(*in.shape, *in.layout);
  if (!s) return ok(unknown(node));
  return iterator_order(*layer.output, {*s}, node);
}

// Activations whose kernel allocates a contiguous output whatever their input's strides (PyTorch
// 1.13: log_sigmoid_forward's buffers, rrelu_with_noise), unlike the rest of their family.
bool allocates_contiguous(OpKind kind) {
  return kind == OpKind::logsigmoid || kind == OpKind::rrelu;
}

// nn.RNN, LSTM, GRU and nn.MultiheadAttention with batch_first=True: PyTorch 1.13 computes a
// batched output as [L, N, F] and returns it transposed to [N, L, F] (strides F, N*F, 1), which
// `view` cannot always read. Their other rows (h_n, c_n, the attention weights) are fresh.
// nn.MultiheadAttention's fast path (eval mode with gradients off, self-attention, ...) returns
// a fresh output instead: under torch.no_grad() its layout is not followed.
LayoutStep batch_first_output(const LayerInfo& layer, NodeId node) {
  const Shape& out = *layer.output;
  const Attrs& a = *layer.attrs;
  bool output_row = a.recurrent_result == RecurrentResult::output &&
                    a.attention_weights == Attrs::AttentionWeights::none;
  if (!a.batch_first || out.size() != 3 || !output_row) return ok(Layout{});
  bool attention = op_info(layer.op).family == Family::attention;
  if (attention && layer.statement && layer.statement->extras().no_grad) return ok(unknown(node));
  std::optional<Dim> batch_stride = times(out[0], out[2]);
  if (!batch_stride) return ok(unknown(node));
  return ok(strided(out, Shape{out[2], *batch_stride, fixed(1)}, node));
}

LayoutStep follow_layout(const LayerInfo& layer, NodeId node, std::span<const LaidOut> inputs) {
  const FamilyInfo& family = family_info(op_info(layer.op).family);
  if (allocates_contiguous(op_info(layer.op).kind)) return ok(Layout{});
  if (layer.statement && layer.statement->extras().laid_out_fresh) return ok(Layout{});
  if (family.id == Family::recurrent || family.id == Family::attention)
    return batch_first_output(layer, node);
  if (layer.statement && layer.statement->extras().laid_out_as_where && inputs.size() == 2) {
    const LaidOut where_order[] = {inputs[1], inputs[0]};  // (condition, x), as where reads them
    return elementwise(layer, node, where_order);
  }
  if (family.layout == LayoutRule::Fresh || inputs.empty()) return ok(Layout{});
  const LaidOut& first = inputs[0];
  switch (family.layout) {
    case LayoutRule::LikeInput:
      return like_input(layer, node, first);
    case LayoutRule::Join:
      return joined(layer, node, inputs);
    case LayoutRule::Elementwise:
      return elementwise(layer, node, inputs);
    case LayoutRule::View: {
      Family f = family.id;
      bool reshapes = f == Family::view || f == Family::flatten || f == Family::unflatten;
      return reshapes ? view_like(layer, first) : moved_strides(layer, node, first);
    }
    case LayoutRule::Contraction:
      return contraction(layer, node, inputs);
    case LayoutRule::Preserve:
      return ok(dense_copy(*first.shape, *first.layout, node));
    case LayoutRule::Rearranged:
      return ok(first.layout->kind == Layout::Kind::Contiguous ? Layout{} : unknown(node));
    case LayoutRule::Halves:
      return halves(layer, node, first);
    case LayoutRule::Fresh:
      break;
  }
  return ok(Layout{});
}

}  // namespace netshape
