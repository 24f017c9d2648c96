// Reference forwards of indexing, reordering, tiling, padding, stacking and matrix products.
// Each computes its output's shape from the actual inputs; the executor compares it with
// inference's.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "forward.hpp"
#include "netshape/elementwise.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const std::vector<int64_t>& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Fills out[flat] = x.data[source(index)] over every index of `out` (row-major), where `source`
// maps an output index to the input's flat offset.
template <typename Source>
void gather(Tensor& out, const Tensor& x, Source source) {
  const size_t rank = out.shape.size();
  std::vector<int64_t> idx(rank, 0);
  for (size_t flat = 0; flat < out.data.size(); ++flat) {
    out.data[flat] = x.data[static_cast<size_t>(source(idx))];
    for (size_t i = rank; i-- > 0;) {
      if (++idx[i] < out.shape[i]) break;
      idx[i] = 0;
    }
  }
}

// The input's shape with leading 1s up to `rank` dims (expand, repeat, and the batch dims of a
// matrix product).
std::vector<int64_t> padded_front(const std::vector<int64_t>& s, size_t rank) {
  std::vector<int64_t> p(rank - std::min(rank, s.size()), 1);
  p.insert(p.end(), s.begin(), s.end());
  return p;
}

// PyTorch's index mapping of each padding mode, for an output position `o` of a dim of size `n`
// padded by `before` and `after`: the input position, or -1 for the constant fill. Reflect and
// replicate mirror or repeat the input's own edges; circular first crops the negative pads and
// then wraps around what is left (_pad_circular copies the kept part, then its ends).
int64_t pad_source(PaddingMode mode, int64_t o, int64_t n, int64_t before, int64_t after) {
  int64_t i = o - before;
  if (mode == PaddingMode::circular) {
    int64_t crop_begin = std::max<int64_t>(-before, 0);
    int64_t kept = n - crop_begin - std::max<int64_t>(-after, 0);
    int64_t k = o - std::max<int64_t>(before, 0);  // position in the kept part
    return kept > 0 ? crop_begin + ((k % kept) + kept) % kept : -1;
  }
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PaddingMode::reflect:  // the edge is not repeated: -1 -> 1, n -> n - 2
      return i < 0 ? -i : 2 * (n - 1) - i;
    case PaddingMode::replicate:
      return i < 0 ? 0 : n - 1;
    default:
      return -1;
  }
}

// c[batch, n, p] = sum_k a[batch_a, n, k] * b[batch_b, k, p], the batch dims broadcast.
void batched_product(ForwardCtx& ctx, std::vector<int64_t> sa, std::vector<int64_t> sb,
                     std::vector<int64_t> out_shape) {
  const Tensor& a = *ctx.in.at(0);
  const Tensor& b = *ctx.in.at(1);
  size_t batch_rank = std::max(sa.size(), sb.size()) - 2;
  int64_t rows = sa[sa.size() - 2], inner = sa.back(), cols = sb.back();
  if (sb[sb.size() - 2] != inner) throw ForwardError("matrix product: inner dims differ");
  std::vector<int64_t> ba =
      padded_front(std::vector<int64_t>(sa.begin(), sa.end() - 2), batch_rank);
  std::vector<int64_t> bb =
      padded_front(std::vector<int64_t>(sb.begin(), sb.end() - 2), batch_rank);
  std::vector<int64_t> batch(batch_rank);
  for (size_t i = 0; i < batch_rank; ++i) {
    if (ba[i] != bb[i] && ba[i] != 1 && bb[i] != 1)
      throw ForwardError("matrix product: batch dims do not broadcast");
    batch[i] = ba[i] == 1 ? bb[i] : ba[i];
  }
  if (product(batch, 0, batch.size()) * rows * cols != product(out_shape, 0, out_shape.size()))
    throw ForwardError("matrix product: the output shape does not hold the product");
  ctx.out = ctx.zeros(std::move(out_shape));
  std::vector<int64_t> sta = strides_of(ba), stb = strides_of(bb), idx(batch_rank, 0);
  int64_t count = product(batch, 0, batch.size());
  for (int64_t m = 0; m < count; ++m) {
    int64_t oa = 0, ob = 0;  // the matrices of a and b this batch entry reads
    for (size_t i = 0; i < batch_rank; ++i) {
      oa += (ba[i] == 1 ? 0 : idx[i]) * sta[i];
      ob += (bb[i] == 1 ? 0 : idx[i]) * stb[i];
    }
    const float* pa = a.data.data() + oa * rows * inner;
    const float* pb = b.data.data() + ob * inner * cols;
    float* pc = ctx.out.data.data() + m * rows * cols;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        double acc = 0.0;
        for (int64_t k = 0; k < inner; ++k)
          acc += static_cast<double>(pa[r * inner + k]) * pb[k * cols + c];
        pc[r * cols + c] = static_cast<float>(acc);
      }
    for (size_t i = batch_rank; i-- > 0;) {
      if (++idx[i] < batch[i]) break;
      idx[i] = 0;
    }
  }
}

}  // namespace

// x: [d0, d1, ...] -> [d_dims[0], d_dims[1], ...] (a copy in the new order)
void forward_permute(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const auto& dims = ctx.layer.attrs->dims;
  if (dims.size() != x.shape.size()) throw ForwardError("permute: the order names other dims");
  std::vector<int64_t> shape, in_stride = strides_of(x.shape), stride;
  for (int64_t d : dims) {
    shape.push_back(x.shape[static_cast<size_t>(d)]);
    stride.push_back(in_stride[static_cast<size_t>(d)]);
  }
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * stride[i];
    return src;
  });
}

// x: [...] -> [...], reversed along each of dims (a copy)
void forward_flip(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  std::vector<bool> reversed(x.shape.size(), false);
  for (int64_t d : ctx.layer.attrs->dims) {
    if (d < 0 || static_cast<size_t>(d) >= x.shape.size()) throw ForwardError("flip: no such dim");
    reversed[static_cast<size_t>(d)] = true;
  }
  std::vector<int64_t> stride = strides_of(x.shape);
  ctx.out = ctx.zeros(x.shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      src += (reversed[i] ? x.shape[i] - 1 - idx[i] : idx[i]) * stride[i];
    return src;
  });
}

// x: [...] -> [...], each element the sum (cumsum) or product (cumprod) of those up to it along
// dim. PyTorch's CPU kernel runs the float sum or product in double (at::acc_type) and rounds
// each element: so does this.
void forward_cumulative(ForwardCtx& ctx) {
  const auto& s = ctx.x().shape;
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  if (!s.empty() && dim >= s.size()) throw ForwardError("cumsum: no such dim");
  bool product_of = ctx.layer.op == OpId::cumprod;
  int64_t outer = s.empty() ? 1 : product(s, 0, dim), len = s.empty() ? 1 : s[dim],
          inner = s.empty() ? 1 : product(s, dim + 1, s.size());
  ctx.out = ctx.x();
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double running = product_of ? 1.0 : 0.0;
      for (int64_t k = 0; k < len; ++k) {
        float& v = y[(o * len + k) * inner + i];
        running = product_of ? running * v : running + v;
        v = static_cast<float>(running);
      }
    }
}

// A line's values with their positions, ordered as PyTorch 1.13's CPU kernels order them, with
// the same standard algorithms on the same comparators, so that equal values come out in the
// same order as there: sort with std::sort (std::stable_sort when stable=True); topk with
// std::partial_sort when k * 64 <= n, else std::nth_element and std::sort of the first k - 1.
// NaN counts as the largest.
using Ranked = std::pair<double, int64_t>;
static bool ranks_before(const Ranked& x, const Ranked& y, bool descending) {
  if (descending) return (std::isnan(x.first) && !std::isnan(y.first)) || x.first > y.first;
  return (!std::isnan(x.first) && std::isnan(y.first)) || x.first < y.first;
}
static void rank_line(std::vector<Ranked>& line, const Attrs& a, int64_t k, bool topk) {
  auto before = [&](const Ranked& x, const Ranked& y) { return ranks_before(x, y, a.descending); };
  if (!topk) {
    if (a.stable)
      std::stable_sort(line.begin(), line.end(), before);
    else
      std::sort(line.begin(), line.end(), before);
    return;
  }
  if (k == 0) return;
  auto n = static_cast<int64_t>(line.size());
  if (k * 64 <= n) {
    std::partial_sort(line.begin(), line.begin() + k, line.end(), before);
  } else {
    std::nth_element(line.begin(), line.begin() + k - 1, line.end(), before);
    std::sort(line.begin(), line.begin() + k - 1, before);  // sorted=True (False: noted, not run)
  }
}

// The first elements along attrs.dim in that order, as many as the output keeps along dim:
// their values, or (attrs.indices) their positions. sort keeps them all, topk its k.
static void first_in_order(ForwardCtx& ctx, bool topk) {
  const Tensor& x = ctx.x();
  const auto& s = x.shape;
  const Attrs& a = *ctx.layer.attrs;
  size_t dim = static_cast<size_t>(a.dim);
  if (!s.empty() && dim >= s.size()) throw ForwardError("sort: no such dim");
  int64_t outer = s.empty() ? 1 : product(s, 0, dim), len = s.empty() ? 1 : s[dim],
          inner = s.empty() ? 1 : product(s, dim + 1, s.size());
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  int64_t lines = outer * inner;
  int64_t kept = lines == 0 ? 0 : static_cast<int64_t>(ctx.out.data.size()) / lines;
  if (s.empty()) kept = 1;  // a 0-dim tensor is its own line
  std::vector<Ranked> line(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float* first = x.data.data() + o * len * inner + i;
      for (int64_t k = 0; k < len; ++k) line[static_cast<size_t>(k)] = {first[k * inner], k};
      rank_line(line, a, std::min(kept, len), topk);
      for (int64_t k = 0; k < std::min(kept, len); ++k) {
        const Ranked& r = line[static_cast<size_t>(k)];
        ctx.out.data[static_cast<size_t>((o * kept + k) * inner + i)] =
            a.indices ? static_cast<float>(r.second) : static_cast<float>(r.first);
      }
    }
}

// x: [...] -> [...], ordered along dim (argsort and sort's second result: the positions)
void forward_sort(ForwardCtx& ctx) {
  first_in_order(ctx, false);
}

// x: [..., n, ...] -> [..., k, ...], the k first along dim in order (largest first unless
// largest=False), or where they came from
void forward_topk(ForwardCtx& ctx) {
  first_in_order(ctx, true);
}

// x: [...] -> [...], element i of each rolled dim moved to (i + shift) mod size (dims empty:
// of the tensor flattened)
void forward_roll(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  ctx.out = ctx.zeros(x.shape);
  // A shift wrapped into [0, size): written ones may be negative, or larger than the size.
  auto wrapped = [](int64_t shift, int64_t size) {
    return size == 0 ? 0 : (shift % size + size) % size;
  };
  if (a.dims.empty()) {
    int64_t n = static_cast<int64_t>(x.data.size());
    int64_t shift = wrapped(a.shifts.empty() ? 0 : a.shifts[0], n);
    for (int64_t i = 0; i < n; ++i)
      ctx.out.data[static_cast<size_t>((i + shift) % n)] = x.data[static_cast<size_t>(i)];
    return;
  }
  std::vector<int64_t> shift(x.shape.size(), 0);
  for (size_t k = 0; k < a.dims.size() && k < a.shifts.size(); ++k) {
    if (a.dims[k] < 0 || static_cast<size_t>(a.dims[k]) >= x.shape.size())
      throw ForwardError("roll: no such dim");
    size_t d = static_cast<size_t>(a.dims[k]);
    shift[d] = wrapped(shift[d] + wrapped(a.shifts[k], x.shape[d]), x.shape[d]);
  }
  std::vector<int64_t> stride = strides_of(x.shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) {
      int64_t size = x.shape[i];
      src += (size == 0 ? 0 : ((idx[i] - shift[i]) % size + size) % size) * stride[i];
    }
    return src;
  });
}

// x: [..., d, ...] -> [..., length, ...] from `start`
void forward_narrow(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  int64_t start = ctx.layer.attrs->start;
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  if (shape.size() != x.shape.size() || start + shape[dim] > x.shape[dim])
    throw ForwardError("narrow: the slice leaves the input");
  std::vector<int64_t> stride = strides_of(x.shape);
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = start * stride[dim];
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * stride[i];
    return src;
  });
}

// x: [..., d, ...] -> [..., ceil((end - start) / step), ...]: every step-th element from start
void forward_slice(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  int64_t start = ctx.layer.attrs->start, step = ctx.layer.attrs->slice_step;
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  if (shape.size() != x.shape.size() || step <= 0 ||
      (shape[dim] > 0 && start + (shape[dim] - 1) * step >= x.shape[dim]))
    throw ForwardError("slice: the slice leaves the input");
  std::vector<int64_t> stride = strides_of(x.shape);
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = start * stride[dim];
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * stride[i] * (i == dim ? step : 1);
    return src;
  });
}

// x: [..., d, ...] -> [..., ...] at `index` (negative counts from the end)
void forward_select(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  if (dim >= x.shape.size()) throw ForwardError("select: no such dim");
  int64_t index = ctx.layer.attrs->start;
  if (index < 0) index += x.shape[dim];
  if (index < 0 || index >= x.shape[dim]) throw ForwardError("select: index out of range");
  std::vector<int64_t> shape = x.shape, stride = strides_of(x.shape);
  shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(dim));
  int64_t base = index * stride[dim];
  stride.erase(stride.begin() + static_cast<std::ptrdiff_t>(dim));
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = base;
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * stride[i];
    return src;
  });
}

// x: [..., d, ...] -> [..., len(positions), ...], slice k of dim read from positions[k]; with an
// index tensor i: [*i] -> [..., *i, ...], slice k read from i's k-th value
void forward_index(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  size_t dim = static_cast<size_t>(a.dim);
  if (dim >= x.shape.size()) throw ForwardError("index: no such dim");
  const Tensor* by = ctx.in.size() > 1 ? ctx.in[1] : nullptr;  // an index tensor
  std::vector<int64_t> from;  // the positions wrapped by the actual size (a batch's -1)
  auto add = [&](int64_t i) {
    int64_t p = i < 0 ? i + x.shape[dim] : i;
    if (p < 0 || p >= x.shape[dim]) throw ForwardError("index: out of bounds");
    from.push_back(p);
  };
  if (by) {
    for (float v : by->data) add(static_cast<int64_t>(v));
  } else {
    for (int64_t i : a.positions) add(i);
  }
  // x's dims before `dim`, the index's (one for a list), x's after it
  std::vector<int64_t> shape(x.shape.begin(), x.shape.begin() + static_cast<ptrdiff_t>(dim));
  if (by) shape.insert(shape.end(), by->shape.begin(), by->shape.end());
  if (!by) shape.push_back(static_cast<int64_t>(from.size()));
  shape.insert(shape.end(), x.shape.begin() + static_cast<ptrdiff_t>(dim) + 1, x.shape.end());
  ctx.out = ctx.zeros(shape);
  // out is [outer, positions, inner] in memory, x [outer, x.shape[dim], inner]
  int64_t inner = 1, outer = 1;
  for (size_t i = dim + 1; i < x.shape.size(); ++i) inner *= x.shape[i];
  for (size_t i = 0; i < dim; ++i) outer *= x.shape[i];
  auto n = static_cast<int64_t>(from.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t e = 0; e < inner; ++e)
        ctx.out.data[static_cast<size_t>((o * n + k) * inner + e)] = x.data[static_cast<size_t>(
            (o * x.shape[dim] + from[static_cast<size_t>(k)]) * inner + e)];
}

// x: [d0, ..., dk], index: [i0, ..., ik] -> index's shape: out[p] = x[p with its dim `dim`
// replaced by index[p]]
void forward_gather(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Tensor& index = *ctx.in.at(1);
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  if (x.shape.empty()) {  // a 0-dim input: its one element at index 0
    ctx.out = ctx.zeros(index.shape);
    for (size_t i = 0; i < index.data.size(); ++i) {
      if (index.data[i] != 0.0f) throw ForwardError("gather: index out of bounds");
      ctx.out.data[i] = x.data[0];
    }
    return;
  }
  ctx.out = ctx.zeros(index.shape);
  if (index.data.empty()) return;  // PyTorch reads nothing of the input then
  // a 0-dim index of a 1-dim input reads as one of one element, as PyTorch's rank check
  size_t rank = std::max<size_t>(index.shape.size(), 1);
  if (rank != x.shape.size() || dim >= x.shape.size())
    throw ForwardError("gather: the index has another rank than the input");
  std::vector<int64_t> stride = strides_of(x.shape);
  std::vector<int64_t> idx(index.shape.size(), 0), shape = index.shape;
  if (shape.empty()) {
    idx.push_back(0);
    shape.push_back(1);
  }
  for (size_t i = 0; i < index.data.size(); ++i) {
    float at = index.data[i];
    if (!(at >= 0.0f) || at >= static_cast<float>(x.shape[dim]) || at != std::floor(at))
      throw ForwardError(fmt::format("index {} is out of bounds for dimension {} with size {}", at,
                                     dim, x.shape[dim]));
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += (d == dim ? static_cast<int64_t>(at) : idx[d]) * stride[d];
    ctx.out.data[i] = x.data[static_cast<size_t>(src)];
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// The place setitem writes, in x's elements: where it starts, and the size and stride of each
// of its dims (a new axis: size 1, stride 0).
struct WrittenPlace {
  int64_t offset = 0;
  std::vector<int64_t> shape, stride;
};

static WrittenPlace written_place(const Attrs& a, const std::vector<int64_t>& x) {
  std::vector<int64_t> stride = strides_of(x);
  WrittenPlace place;
  size_t dim = 0;
  for (size_t k = 0; k + 3 < a.index_items.size(); k += 4) {
    int64_t kind = a.index_items[k], first = a.index_items[k + 1];
    int64_t length = a.index_items[k + 2], step = a.index_items[k + 3];
    if (kind == Attrs::kNewAxisItem) {
      place.shape.push_back(1);
      place.stride.push_back(0);
      continue;
    }
    if (dim >= x.size()) throw ForwardError("setitem: the index names more dims than the input");
    int64_t n = x[dim];
    if (kind == Attrs::kSelectItem) {
      int64_t at = first < 0 ? first + n : first;  // a batch's -1, wrapped by its bound size
      if (at < 0 || at >= n) throw ForwardError("setitem: index out of range");
      place.offset += at * stride[dim];
    } else {
      if (length < 0) length = n;  // the whole (batch) dim
      if (length > 0 && first + (length - 1) * step >= n)
        throw ForwardError("setitem: the slice leaves the input");
      place.offset += first * stride[dim];
      place.shape.push_back(length);
      place.stride.push_back(stride[dim] * step);
    }
    ++dim;
  }
  if (dim != x.size()) throw ForwardError("setitem: the index leaves dims of the input out");
  return place;
}

// x: [*], value: [*] -> x, the place x[index] names written with the value broadcast to it
// (copy_'s rule: the value's leading 1s dropped, then expanded from the right)
void forward_setitem(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  const Tensor* value = ctx.in.size() > 1 ? ctx.in.at(1) : nullptr;
  ctx.out = ctx.take_x();
  WrittenPlace place = written_place(a, ctx.out.shape);
  size_t rank = place.shape.size();
  std::vector<int64_t> from_stride(rank, 0);  // the value's strides, aligned to the place
  if (value) {
    auto kept =
        std::find_if(value->shape.begin(), value->shape.end(), [](int64_t d) { return d != 1; });
    std::vector<int64_t> v(kept, value->shape.end());
    if (v.size() > rank) throw ForwardError("setitem: the value has more dims than the place");
    std::vector<int64_t> vs = strides_of(v);
    for (size_t i = 0; i < v.size(); ++i) {
      size_t at = rank - v.size() + i;
      if (v[i] != 1 && v[i] != place.shape[at])
        throw ForwardError("setitem: the value does not broadcast to the place");
      from_stride[at] = v[i] == 1 ? 0 : vs[i];
    }
  }
  if (std::find(place.shape.begin(), place.shape.end(), 0) != place.shape.end()) return;
  float number = static_cast<float>(a.value);
  std::vector<int64_t> idx(rank, 0);
  float* out = ctx.out.data.data();
  while (true) {
    int64_t to = place.offset, src = 0;
    for (size_t i = 0; i < rank; ++i) {
      to += idx[i] * place.stride[i];
      src += idx[i] * from_stride[i];
    }
    out[to] = value ? value->data[static_cast<size_t>(src)] : number;
    size_t i = rank;
    while (i > 0 && ++idx[i - 1] == place.shape[i - 1]) idx[--i] = 0;
    if (i == 0) return;
  }
}

// x -> the target size, size-1 (and new leading) dims read with stride 0
void forward_expand(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  if (shape.size() < x.shape.size()) throw ForwardError("expand: fewer dims than the input");
  std::vector<int64_t> in = padded_front(x.shape, shape.size()), stride = strides_of(in);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (in[i] != shape[i] && in[i] != 1) throw ForwardError("expand: a dim other than 1 grows");
    if (in[i] == 1) stride[i] = 0;
  }
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) src += idx[i] * stride[i];
    return src;
  });
}

// x -> tiled: out[i] = x[i mod in] on every dim (x taken with leading 1s)
void forward_repeat(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  if (shape.size() < x.shape.size()) throw ForwardError("repeat: fewer dims than the input");
  std::vector<int64_t> in = padded_front(x.shape, shape.size()), stride = strides_of(in);
  for (size_t i = 0; i < shape.size(); ++i)
    if (in[i] == 0 ? shape[i] != 0 : shape[i] % in[i] != 0)
      throw ForwardError("repeat: a dim is not a multiple of the input's");
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) src += (idx[i] % in[i]) * stride[i];
    return src;
  });
}

// x: [..., n, ...] -> [..., r*n, ...]: out[.., k*r + j, ..] = x[.., k, ..] (j < r, r = repeats);
// dim -1: the tensor flattened
void forward_repeat_interleave(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  bool flat = a.dim < 0 || x.shape.empty();
  size_t dim = flat ? 0 : static_cast<size_t>(a.dim);
  if (!flat && dim >= x.shape.size()) throw ForwardError("repeat_interleave: no such dim");
  int64_t outer = flat ? 1 : product(x.shape, 0, dim), len = flat ? x.numel() : x.shape[dim],
          inner = flat ? 1 : product(x.shape, dim + 1, x.shape.size()), r = a.factor;
  if (static_cast<int64_t>(ctx.out.data.size()) != outer * len * r * inner)
    throw ForwardError("repeat_interleave: the output's size is not the input's times repeats");
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < len; ++k)
      for (int64_t j = 0; j < r; ++j)
        std::copy_n(x.data.begin() + (o * len + k) * inner, inner,
                    ctx.out.data.begin() + ((o * len + k) * r + j) * inner);
}

// x: [*, C*r*r, H, W] -> [*, C, H*r, W*r]: out[.., c, h*r + i, w*r + j] = x[.., c*r*r + i*r + j,
// h, w]; pixel_unshuffle moves the same elements back
void forward_pixel_shuffle(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  int64_t r = ctx.layer.attrs->factor;
  bool unshuffle = op_info(ctx.layer.op).kind == OpKind::pixel_unshuffle;
  std::vector<int64_t> shape = bind_shape(*ctx.layer.output, ctx.batch);
  size_t rank = shape.size();
  if (rank < 3 || x.shape.size() != rank) throw ForwardError("pixel_shuffle: rank mismatch");
  std::vector<int64_t> stride = strides_of(x.shape);
  ctx.out = ctx.zeros(shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i + 3 < rank; ++i) src += idx[i] * stride[i];
    int64_t c = idx[rank - 3], h = idx[rank - 2], w = idx[rank - 1];
    int64_t sc, sh, sw;  // the source's channel, row and column
    if (unshuffle) {     // c = c_in*r*r + i*r + j
      sc = c / (r * r);
      sh = h * r + (c / r) % r;
      sw = w * r + c % r;
    } else {
      sc = c * r * r + (h % r) * r + w % r;
      sh = h / r;
      sw = w / r;
    }
    return src + sc * stride[rank - 3] + sh * stride[rank - 2] + sw * stride[rank - 1];
  });
}

// x: [N, C, *] -> [N, C, *]: output channel i*groups + g is input channel g*(C/groups) + i
void forward_channel_shuffle(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  int64_t groups = ctx.layer.attrs->groups;
  if (x.shape.size() < 3 || groups <= 0 || x.shape[1] % groups != 0)
    throw ForwardError("channel_shuffle: channels not divisible by groups");
  int64_t per_group = x.shape[1] / groups;
  std::vector<int64_t> stride = strides_of(x.shape);
  ctx.out = ctx.zeros(x.shape);
  gather(ctx.out, x, [&](const std::vector<int64_t>& idx) {
    int64_t src = 0;
    for (size_t i = 0; i < idx.size(); ++i) {
      int64_t at = idx[i];
      if (i == 1) at = (idx[1] % groups) * per_group + idx[1] / groups;
      src += at * stride[i];
    }
    return src;
  });
}

// x: [..., d_k] -> [..., d_k + pad[0] + pad[1]] and so on backwards; constant, reflect,
// replicate or circular
void forward_pad(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = (*ctx.layer.attrs);
  const auto& pad = a.padding;
  size_t rank = x.shape.size(), padded = pad.size() / 2;
  if (padded > rank) throw ForwardError("pad: more pads than dims");
  std::vector<int64_t> shape = x.shape, before(rank, 0), after(rank, 0);
  for (size_t j = 0; j < padded; ++j) {
    size_t i = rank - 1 - j;
    before[i] = pad[2 * j];
    after[i] = pad[2 * j + 1];
    shape[i] += pad[2 * j] + pad[2 * j + 1];
    if (shape[i] < 0) throw ForwardError("pad: a negative size");
  }
  ctx.out = ctx.zeros(shape);
  std::vector<int64_t> stride = strides_of(x.shape), idx(rank, 0);
  float fill = static_cast<float>(a.value);
  for (size_t flat = 0; flat < ctx.out.data.size(); ++flat) {
    int64_t src = 0;
    for (size_t i = 0; i < rank && src >= 0; ++i) {
      int64_t s = pad_source(a.padding_mode, idx[i], x.shape[i], before[i], after[i]);
      if (s < 0 || s >= x.shape[i]) {
        if (a.padding_mode != PaddingMode::zeros) throw ForwardError("pad: a source outside");
        src = -1;
      } else {
        src += s * stride[i];
      }
    }
    ctx.out.data[flat] = src < 0 ? fill : x.data[static_cast<size_t>(src)];
    for (size_t i = rank; i-- > 0;) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
}

// tensors: each [*s] -> [..., count at dim, ...]
void forward_stack(ForwardCtx& ctx) {
  size_t dim = static_cast<size_t>(ctx.layer.attrs->dim);
  const std::vector<int64_t>& s = ctx.x().shape;
  for (const Tensor* t : ctx.in)
    if (t->shape != s) throw ForwardError("stack: tensors of different shapes");
  std::vector<int64_t> shape = s;
  shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(dim),
               static_cast<int64_t>(ctx.in.size()));
  ctx.out = ctx.zeros(shape);
  int64_t outer = product(s, 0, dim), inner = product(s, dim, s.size());
  float* y = ctx.out.data.data();
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* t : ctx.in) {
      std::copy_n(t->data.data() + o * inner, inner, y);
      y += inner;
    }
}

// a @ b with PyTorch's rules: a 1-D a is [1, k], a 1-D b is [k, 1] (those dims dropped after);
// the batch dims broadcast
void forward_matmul(ForwardCtx& ctx) {
  std::vector<int64_t> sa = ctx.in.at(0)->shape, sb = ctx.in.at(1)->shape;
  if (sa.empty() || sb.empty()) throw ForwardError("matmul: a 0-D operand");
  bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  std::vector<int64_t> out;
  size_t batch_rank = std::max(sa.size(), sb.size()) - 2;
  std::vector<int64_t> ba =
      padded_front(std::vector<int64_t>(sa.begin(), sa.end() - 2), batch_rank);
  std::vector<int64_t> bb =
      padded_front(std::vector<int64_t>(sb.begin(), sb.end() - 2), batch_rank);
  for (size_t i = 0; i < batch_rank; ++i) out.push_back(ba[i] == 1 ? bb[i] : ba[i]);
  if (!a_vector) out.push_back(sa[sa.size() - 2]);
  if (!b_vector) out.push_back(sb.back());
  batched_product(ctx, sa, sb, out);
}

// a: [b, n, k], b: [b, k, p] -> [b, n, p]
void forward_bmm(ForwardCtx& ctx) {
  const auto& sa = ctx.in.at(0)->shape;
  const auto& sb = ctx.in.at(1)->shape;
  if (sa.size() != 3 || sb.size() != 3 || sa[0] != sb[0])
    throw ForwardError("bmm: operands are not [b, n, k] and [b, k, p]");
  batched_product(ctx, sa, sb, {sa[0], sa[1], sb[2]});
}

}  // namespace netshape

namespace netshape {

// () -> [*size]: a parameter is its weight (seeded as every layer's), ones is 1, linspace spaces
// its values evenly, arange counts from its first value by its step, the rest 0 (randn and rand
// too: `run` draws no values).
void forward_source(ForwardCtx& ctx) {
  ctx.out = ctx.zeros(bind_shape(*ctx.layer.output, ctx.batch));
  OpKind kind = op_info(ctx.layer.op).kind;
  if (const Tensor* w = ctx.weight("weight")) {
    ctx.out.data = w->data;
  } else if (kind == OpKind::ones) {
    std::fill(ctx.out.data.begin(), ctx.out.data.end(), 1.0f);
  } else if (kind == OpKind::arange) {
    const Attrs& a = (*ctx.layer.attrs);
    for (size_t i = 0; i < ctx.out.data.size(); ++i)
      ctx.out.data[i] = static_cast<float>(a.first + static_cast<double>(i) * a.step);
  } else if (kind == OpKind::linspace) {  // the values of torch.linspace in __init__ too
    const Attrs& a = (*ctx.layer.attrs);
    ctx.out.data = linspace_float32(static_cast<float>(a.first), static_cast<float>(a.last),
                                    static_cast<int64_t>(ctx.out.data.size()));
  } else if (kind == OpKind::eye) {  // [n, m]: element (i, i) is at i * (m + 1)
    int64_t n = ctx.out.shape.at(0), m = ctx.out.shape.at(1);
    for (int64_t i = 0; i < std::min(n, m); ++i) ctx.out.data[static_cast<size_t>(i * (m + 1))] = 1;
  }
}

}  // namespace netshape

namespace netshape {

// einsum: out[output loops] = sum over the summed loops of the product of the operands, each read
// at its dims' loops (a size-1 dim at 0: broadcast; a loop named twice: the diagonal). The loops,
// and which dims read them, are inference's (Attrs::operand_loops).
void forward_einsum(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  if (a.operand_loops.size() != ctx.in.size()) throw ForwardError("einsum: operands changed");
  auto loops = static_cast<size_t>(a.loops);
  std::vector<int64_t> size(loops, 1);
  for (size_t i = 0; i < ctx.in.size(); ++i) {
    const std::vector<int64_t>& s = ctx.in[i]->shape;
    if (s.size() != a.operand_loops[i].size()) throw ForwardError("einsum: an operand's rank");
    einsum_read_loops(size, a.operand_loops[i], s);
  }
  std::vector<int64_t> out_shape(size.begin(), size.begin() + a.output_loops);
  ctx.out = ctx.zeros(out_shape);
  if (ctx.out.data.empty()) return;
  // Each operand's stride per loop (0 where it does not read the loop, or reads it broadcast).
  std::vector<std::vector<int64_t>> stride(ctx.in.size(), std::vector<int64_t>(loops, 0));
  for (size_t i = 0; i < ctx.in.size(); ++i) {
    std::vector<int64_t> st = strides_of(ctx.in[i]->shape);
    for (size_t d = 0; d < st.size(); ++d)
      if (ctx.in[i]->shape[d] != 1) stride[i][static_cast<size_t>(a.operand_loops[i][d])] += st[d];
  }
  std::vector<int64_t> out_stride = strides_of(out_shape);
  out_stride.resize(loops, 0);  // the summed loops write to one place
  for (int64_t s : size)
    if (s == 0) return;  // nothing summed: zeros
  std::vector<int64_t> idx(loops, 0);
  std::vector<int64_t> offset(ctx.in.size(), 0);
  int64_t out_offset = 0;
  while (true) {
    float product = 1.0f;
    for (size_t i = 0; i < ctx.in.size(); ++i)
      product *= ctx.in[i]->data[static_cast<size_t>(offset[i])];
    ctx.out.data[static_cast<size_t>(out_offset)] += product;
    size_t l = loops;
    while (l-- > 0) {  // the odometer: the last loop turns fastest
      for (size_t i = 0; i < ctx.in.size(); ++i) offset[i] += stride[i][l];
      out_offset += out_stride[l];
      if (++idx[l] < size[l]) break;
      for (size_t i = 0; i < ctx.in.size(); ++i) offset[i] -= stride[i][l] * size[l];
      out_offset -= out_stride[l] * size[l];
      idx[l] = 0;
    }
    if (l == static_cast<size_t>(-1)) return;
  }
}

}  // namespace netshape

namespace netshape {

// tril/triu: the input with each matrix's elements past the diagonal zeroed (tril keeps
// column - row <= diagonal, triu column - row >= diagonal)
void forward_triangle(ForwardCtx& ctx) {
  if (ctx.x().shape.size() < 2) throw ForwardError("tril/triu: fewer than 2 dims");
  ctx.out = ctx.take_x();
  const std::vector<int64_t>& shape = ctx.out.shape;
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t diagonal = ctx.layer.attrs->diagonal;
  bool upper = op_info(ctx.layer.op).kind == OpKind::triu;
  size_t at = 0;
  for (size_t m = 0; m * static_cast<size_t>(rows * cols) < ctx.out.data.size(); ++m)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j, ++at)
        if (upper ? j - i < diagonal : j - i > diagonal) ctx.out.data[at] = 0.0f;
}

}  // namespace netshape
