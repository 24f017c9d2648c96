// Shape rules for indexing, reordering, tiling, padding, stacking and matrix products:
// permute, narrow, slice, select, expand, repeat, pixel_shuffle, pad, stack, matmul, bmm. Messages
// are PyTorch 1.13's.
#include <cmath>
#include <limits>
#include <numeric>

#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

constexpr int64_t kAnyInt = std::numeric_limits<int64_t>::min();

// The name of the op's `*dims`-style parameter (the first var-positional one of its signature).
const std::string& list_param(const RuleContext& ctx) {
  for (const ParamSpec& p : ctx.op.params)
    if (p.var_positional) return p.name;
  return ctx.op.params.at(0).name;
}

// The entries of a `*dims`-style argument: the values written, or the items of the one tuple or
// list written.
const std::vector<Value>& list_items(const RuleContext& ctx) {
  const std::vector<Value>& given = ctx.var_positional;
  return given.size() == 1 && given[0].is_sequence() ? given[0].items.vec() : given;
}

// A `*dims` / `*size` argument as PyTorch's parser reads an int list: ints one by one
// (`permute(0, 2, 1)`) or one tuple or list (`permute((0, 2, 1))`), possibly empty. Each entry
// is accepted by `entry(item, position)` (int_list_entry or alike); else PyTorch's TypeError,
// naming `what` ("ints" or "SymInts") and the entry's 1-based position.
template <typename T, typename Entry>
std::optional<std::vector<T>> list_arg(RuleContext& ctx, const char* what, Entry entry,
                                       const std::string& example) {
  const std::vector<Value>& given = ctx.var_positional;
  const std::string& name = list_param(ctx);
  if (given.empty()) {
    ctx.fail(ctx.st.op_span,
             fmt::format("{}() missing 1 required positional arguments: \"{}\"", ctx.op.name, name),
             fmt::format("e.g. {}", example));
    return std::nullopt;
  }
  const std::vector<Value>& items = list_items(ctx);
  std::vector<T> out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::optional<T> v = entry(items[i], i);
    // A first entry that is no int (a bool too: int_list_entry) makes it no int list at all:
    // the TypeError names the type of what was written first (`x.tile(2.0, 1)`: float,
    // `x.tile((2.0, 1))`: tuple).
    if (!v && i == 0) {
      ctx.fail(given[0].span,
               fmt::format("{}(): argument '{}' (position 1) must be tuple of {}, not {}",
                           ctx.op.name, name, what, python_type(given[0])),
               fmt::format("e.g. {}", example));
      return std::nullopt;
    }
    if (!v) {
      ctx.fail(items[i].span,
               fmt::format("{}(): argument '{}' must be tuple of {}, but found element of type {} "
                           "at pos {}",
                           ctx.op.name, name, what, python_type(items[i]), i + 1),
               fmt::format("e.g. {}", example));
      return std::nullopt;
    }
    out.push_back(*v);
  }
  return out;
}

// A size entry: an int, `x.size(0)` resolved to a batch-sized dim, or the batch symbol by name
// when the input has it (`expand(B, -1)`).
auto size_entry(const Shape& x) {
  return [&x](const Value& v, size_t position) -> std::optional<Dim> {
    if (auto i = int_list_entry(v, position)) return fixed(*i);
    if (v.kind == Value::Kind::DimRef && v.s.str().rfind("#", 0) == 0)
      return Dim::of_symbol(v.i, std::string_view(v.s).substr(1));
    if (v.kind == Value::Kind::Ident)
      for (const Dim& d : x)
        if (d.symbolic() && d.symbol() == v.s) return Dim::of_symbol(1, v.s);
    return std::nullopt;
  };
}

std::string dims_list(const std::vector<Dim>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + to_string(dims[i]);
  return out + "]";
}

// "0, 1, 2" for a tensor of `rank` dims, reversed for permute's example.
std::string dim_indices(size_t rank, bool reversed) {
  std::string out;
  for (size_t i = 0; i < rank; ++i)
    out += (i ? ", " : "") + std::to_string(reversed ? rank - 1 - i : i);
  return out;
}

// "2, 3, 4": a shape's dims as a call's arguments.
std::string dims_args(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + to_string(s[i]);
  return out.empty() ? "()" : out;
}

// A dim as PyTorch prints it in the messages of the matrix products: the batch counts as 1,
// as in Linear's "mat1 and mat2 shapes cannot be multiplied".
int64_t n(const Dim& d) {
  return d.count_value();
}

// at::narrow's checks on a dim of `size`: `start` may equal the size (an empty slice at the end)
// or count from the end; start + length must stay inside. The wrapped start, or PyTorch's message.
std::optional<int64_t> narrow_start(int64_t size, int64_t start, int64_t length,
                                    std::string& error) {
  if (start != size) {
    auto w = wrap_dim(start, size);  // maybe_wrap_dim with the size as the rank
    if (!w) {
      error = dim_out_of_range(std::to_string(start), size);
      return std::nullopt;
    }
    start = *w;
  }
  if (length < 0 || start > size - length) {
    error =
        fmt::format("start ({}) + length ({}) exceeds dimension size ({}).", start, length, size);
    return std::nullopt;
  }
  return start;
}

}  // namespace

// x: [d0, d1, ...] -> [d_dims[0], d_dims[1], ...]
bool infer_permute(RuleContext& ctx) {
  const Shape& x = ctx.x();
  size_t rank = x.size();
  std::string example = fmt::format("permute({})", dim_indices(rank, true));
  auto dims = list_arg<int64_t>(ctx, "ints", int_list_entry, example);
  if (!dims) return false;
  if (dims->size() != rank) {
    return ctx.fail(
        ctx.st.op_span,
        fmt::format("permute(sparse_coo): number of dimensions in the tensor input does not match "
                    "the length of the desired ordering of dimensions i.e. input.dim() = {} is "
                    "not equal to len(dims) = {}",
                    rank, dims->size()),
        fmt::format("the input {} has {} dims: name each once, e.g. {}", to_string(x), rank,
                    example));
  }
  const std::vector<Value>& items = list_items(ctx);
  std::vector<bool> seen(rank, false);
  Shape s;
  AttrInts order;
  for (size_t i = 0; i < rank; ++i) {
    auto w = wrap_dim((*dims)[i], static_cast<int64_t>(rank));
    if (!w) {
      int64_t r = static_cast<int64_t>(rank);  // at least 1: the loop runs
      return ctx.fail(items[i].span, dim_out_of_range(std::to_string((*dims)[i]), r),
                      fmt::format("the input {} has {} dims: use dims in [{}, {}]", to_string(x),
                                  rank, -r, r - 1));
    }
    if (seen[static_cast<size_t>(*w)])
      return ctx.fail(items[i].span, "permute(): duplicate dims are not allowed.",
                      fmt::format("name each dim once, e.g. {}", example));
    seen[static_cast<size_t>(*w)] = true;
    order.push_back(*w);
    s.push_back(x[static_cast<size_t>(*w)]);
  }
  ctx.attrs.dims = std::move(order);
  ctx.set_output(s);
  return true;
}

// x: [...] -> [...]: the same shape, reversed along each of dims (each dim at most once)
bool infer_flip(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  std::string example = rank > 0 ? fmt::format("flip({})", rank - 1) : "flip(0)";
  auto dims = list_arg<int64_t>(ctx, "ints", int_list_entry, example);
  if (!dims) return false;
  const std::vector<Value>& items = list_items(ctx);
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 1)), false);
  AttrInts flipped;
  for (size_t i = 0; i < dims->size(); ++i) {
    auto w = wrap_dim((*dims)[i], rank);  // dim_list_to_bitset: wrapped, each once
    if (!w)
      return ctx.fail(items[i].span, dim_out_of_range(std::to_string((*dims)[i]), rank),
                      dims_help(rank));
    if (seen[static_cast<size_t>(*w)])
      return ctx.fail(items[i].span,
                      fmt::format("dim {} appears multiple times in the list of dims", *w),
                      "name each dim once");
    seen[static_cast<size_t>(*w)] = true;
    if (rank > 0) flipped.push_back(*w);
  }
  ctx.attrs.dims = std::move(flipped);
  ctx.set_output(x);
  return true;
}

// An int or a tuple or list of ints (roll's shifts and dims); nullopt for anything else, a bool
// or a list led by one included (PyTorch's parser tells an int list by its first item).
std::optional<std::vector<int64_t>> int_or_ints(const Value& v) {
  if (v.kind == Value::Kind::Int) return std::vector<int64_t>{v.i};
  if (!v.is_sequence()) return std::nullopt;
  return int_list_items(v.items.vec());
}

// x: [...] -> [...]: the elements moved `shifts` places along `dims`, wrapping round
bool infer_roll(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  auto shifts = int_or_ints(ctx.value("shifts"));
  std::optional<std::vector<int64_t>> dims =
      ctx.is_none("dims") ? std::vector<int64_t>{} : int_or_ints(ctx.value("dims"));
  for (const char* param : {"shifts", "dims"})
    if (!(param[0] == 's' ? shifts : dims))
      return ctx.fail_at(param,
                         fmt::format("roll(): argument '{}' must be tuple of ints, not {}", param,
                                     python_type(ctx.value(param))),
                         "e.g. roll(shifts=(1, 1), dims=(1, 2))");
  if (shifts->empty()) return ctx.fail_at("shifts", "`shifts` required", "e.g. roll(1, dims=1)");
  if (dims->empty() ? shifts->size() != 1 : shifts->size() != dims->size())
    return ctx.fail_at("shifts",
                       fmt::format("shifts and dimensions must align. shifts: {}, dims:{}",
                                   shifts->size(), dims->size()),
                       "give one shift per dim");
  AttrInts wrapped;
  for (size_t i = 0; i < dims->size(); ++i) {
    auto w = wrap_dim((*dims)[i], rank);
    if (!w)
      return ctx.fail_at("dims", dim_out_of_range(std::to_string((*dims)[i]), rank),
                         dims_help(rank));
    wrapped.push_back(*w);
  }
  ctx.attrs.dims = std::move(wrapped);
  ctx.attrs.shifts = AttrInts(shifts->begin(), shifts->end());  // wrapped by the forward's sizes
  ctx.set_output(x);
  return true;
}

// x: [...] -> [...]: the same shape, the sums or products running along dim
bool infer_cumulative(RuleContext& ctx) {
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(ctx.x().size()), dim)) return false;
  ctx.attrs.dim = dim;
  ctx.set_output(ctx.x());
  return true;
}

// x: [..., d, ...] -> [..., length, ...], keeping [start, start + length) of dim
bool infer_narrow(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0)
    return ctx.fail_input("narrow() cannot be applied to a 0-dim tensor.",
                          "narrow a tensor that has dims");
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", rank, dim)) return false;
  auto start = ctx.strict_int_arg("start", kAnyInt);
  if (!start) return false;
  auto length = ctx.strict_int_arg("length", kAnyInt);
  if (!length) return false;
  const Dim& d = x[static_cast<size_t>(dim)];
  if (d.symbolic())
    return ctx.fail_at("dim", fmt::format("cannot narrow the batch-sized dim {}", to_string(d)),
                       "netshape does not know the batch size; narrow a dim of known size");
  std::string error;
  auto first = narrow_start(d.value, *start, *length, error);
  if (!first) {
    bool at_start = error.rfind("Dimension", 0) == 0;
    return ctx.fail_at(at_start ? "start" : "length", error,
                       fmt::format("dim {} of {} has size {}: start + length must be at most {}",
                                   dim, to_string(x), d.value, d.value));
  }
  Shape s = x;
  s[static_cast<size_t>(dim)] = fixed(*length);
  ctx.attrs.dim = dim;
  ctx.attrs.start = *first;
  ctx.explain("narrow dim {}: [{}, {}) of {}", dim, *first, *first + *length, d.value);
  ctx.set_output(s);
  return true;
}

// x: [..., d, ...] -> [..., ceil((end - start) / step), ...]: x[start:end:step] along dim, as
// at::slice computes it (start and end wrapped once when negative, then clamped into [0, d]; an
// end before the start keeps nothing).
bool infer_slice(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0)
    return ctx.fail_input("slice() cannot be applied to a 0-dim tensor.",
                          "slice a tensor that has dims");
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", rank, dim)) return false;
  std::optional<int64_t> start = 0, end = std::numeric_limits<int64_t>::max();
  if (!ctx.is_none("start") && !(start = ctx.int_arg("start", kAnyInt))) return false;
  if (!ctx.is_none("end") && !(end = ctx.int_arg("end", kAnyInt))) return false;
  auto step = ctx.int_arg("step", kAnyInt);
  if (!step) return false;
  if (*step <= 0)
    return ctx.fail_at("step", "slice step must be positive", "use a step of 1 or more");
  const Dim& d = x[static_cast<size_t>(dim)];
  bool whole = *start == 0 && *end == std::numeric_limits<int64_t>::max() && *step == 1;
  if (d.symbolic() && !whole)
    return ctx.fail_at("dim", fmt::format("cannot slice the batch-sized dim {}", to_string(d)),
                       "netshape does not know the batch size; slice a dim of known size");
  int64_t size = d.symbolic() ? 0 : d.value;
  int64_t first = *start < 0 ? *start + size : *start;
  int64_t last = *end < 0 ? *end + size : *end;
  first = std::clamp<int64_t>(first, 0, size);
  last = std::clamp<int64_t>(last, first, size);
  int64_t length = last - first;
  // at::slice rounds up as (length + step - 1) / step, which wraps for a step near 2^63: PyTorch
  // then fails on a negative size; netshape says so rather than give the true count.
  if (length > 0 && *step > std::numeric_limits<int64_t>::max() - (length - 1))
    return ctx.fail_overflow(
        "step",
        fmt::format("(length + step - 1) for a slice of {} elements with step {}", length, *step));
  Shape s = x;
  if (!d.symbolic()) s[static_cast<size_t>(dim)] = fixed((length + *step - 1) / *step);
  ctx.attrs.dim = dim;
  ctx.attrs.start = first;
  ctx.attrs.slice_step = *step;
  if (!d.symbolic())
    ctx.explain("slice dim {}: every {} of [{}, {}) of {}", dim, *step, first, last, d.value);
  ctx.set_output(s);
  return true;
}

// x: [..., d, ...] -> [..., ...] (dim removed), the slice at index
bool infer_select(RuleContext& ctx) {
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0)
    return ctx.fail_input("select() cannot be applied to a 0-dim tensor.",
                          "select from a tensor that has dims");
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", rank, dim)) return false;
  auto index = ctx.strict_int_arg("index", kAnyInt);
  if (!index) return false;
  const Dim& d = x[static_cast<size_t>(dim)];
  int64_t wrapped = *index;
  if (d.symbolic()) {
    // The batch is at least 1: its first and last entries always exist.
    if (*index != 0 && *index != -1)
      return ctx.fail_at("index",
                         fmt::format("select(): index {} of the batch-sized dim {} may be out of "
                                     "range",
                                     *index, to_string(d)),
                         "netshape does not know the batch size; use index 0 or -1");
    wrapped = 0;  // with the batch bound, the forward takes the actual position (attrs.start < 0)
    ctx.attrs.start = *index;
  } else {
    int item = ctx.st.extras().index_item;  // `x[..., 8]`: PyTorch's indexing words
    if ((*index < -d.value || *index >= d.value) && item >= 0)
      return ctx.fail_at("index",
                         fmt::format("index {} is out of bounds for dimension {} with size {}",
                                     *index, item, d.value),
                         fmt::format("dim {} has size {}: use an index in [{}, {}]", dim, d.value,
                                     -d.value, d.value - 1));
    if (*index < -d.value || *index >= d.value)
      return ctx.fail_at(
          "index",
          fmt::format("select(): index {} out of range for tensor of size {} at dimension {}",
                      *index, to_string(x), dim),
          fmt::format("dim {} has size {}: use an index in [{}, {}]", dim, d.value, -d.value,
                      d.value - 1));
    wrapped = *index < 0 ? *index + d.value : *index;
    ctx.attrs.start = wrapped;
  }
  Shape s = x;
  s.erase(s.begin() + dim);
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

// Known index values outside a dim of `size`: the kernel's error at the first it reads, named
// `dimension` as PyTorch's message names it; when the order it reads them in is not known, their
// range instead.
static bool fail_out_of_range(RuleContext& ctx, const OutOfRange& bad, int64_t dimension,
                              int64_t size, std::string help) {
  const KnownValues& ids = ctx.input_values;
  if (!bad.first)
    return ctx.fail_input(
        fmt::format("the index holds {} to {}, some out of bounds for dimension {} with size {} "
                    "(PyTorch's message names the first it reads)",
                    ids.lo, ids.hi, dimension, size),
        std::move(help));
  return ctx.fail_input(fmt::format("index {} is out of bounds for dimension {} with size {}",
                                    *bad.first, dimension, size),
                        std::move(help));
}

// index_select's known positions outside [0, size): its kernel's error, which names the first
// it reads only for dim 1 (its kernel for dim 1 reads them in order).
static bool fail_index_select(RuleContext& ctx, const OutOfRange& bad, int64_t dim, int64_t size) {
  const KnownValues& ids = ctx.input_values;
  std::string help = fmt::format(
      "the index holds {} to {}: dim {} has size {}, so use positions "
      "from 0 to {}",
      ids.lo, ids.hi, dim, size, size - 1);
  if (dim == 1 && !bad.first)
    return ctx.fail_input(
        fmt::format("the index holds {} to {}, some out of DATA bounds, axis_dim={} (PyTorch's "
                    "message names the first it reads)",
                    ids.lo, ids.hi, size),
        std::move(help));
  return ctx.fail_input(index_select_out_of_range(dim, bad.first.value_or(0), std::to_string(size)),
                        std::move(help));
}

// index(dim, indices): the slices of dim at a list of ints. PyTorch checks each index its kernel
// reads, so none when the result holds no elements (`x[:0][:, [9]]`).
static bool index_by_list(RuleContext& ctx, const Shape& x, int64_t dim) {
  const Value& written = ctx.value("indices");
  auto indices = written.is_sequence() ? int_or_ints(written) : std::nullopt;
  if (!indices)
    return ctx.fail_at("indices",
                       fmt::format("index(): argument 'indices' must be a list of ints, not {}",
                                   python_type(written)),
                       "e.g. index(1, [0, 2])");
  Shape s = x;
  s[static_cast<size_t>(dim)] = fixed(static_cast<int64_t>(indices->size()));
  const Dim& d = x[static_cast<size_t>(dim)];
  // PyTorch refuses any index of an empty dim before it reads one
  if (!d.symbolic() && d.value == 0 && !indices->empty())
    return ctx.fail_at("indices", "index is out of bounds for dimension with size 0",
                       fmt::format("dim {} is empty: there is nothing to index", dim));
  for (int64_t i : has_zero_dim(s) ? std::vector<int64_t>{} : *indices) {
    if (d.symbolic() && i != 0 && i != -1)  // the batch is at least 1: its ends always exist
      return ctx.fail_at(
          "indices",
          fmt::format("index {} of the batch-sized dim {} may be out of bounds", i, to_string(d)),
          "netshape does not know the batch size; use index 0 or -1");
    if (!d.symbolic() && (i < -d.value || i >= d.value))  // PyTorch's kernel names its dim 0
      return ctx.fail_at(
          "indices",
          fmt::format("index {} is out of bounds for dimension 0 with size {}", i, d.value),
          fmt::format("dim {} has size {}: use indices in [{}, {}]", dim, d.value, -d.value,
                      d.value - 1));
  }
  ctx.attrs.positions = AttrInts(indices->begin(), indices->end());
  ctx.set_output(s);
  return true;
}

// index(x, i, dim): dim replaced by the index tensor's dims. Its values are taken to be in
// [-d, d) (the forward pass draws an input index so); known ones (an arange) outside are the
// kernel's error, as is any index into an empty dim, when the result holds elements.
static bool index_by_tensor(RuleContext& ctx, const Shape& x, int64_t dim) {
  const Shape& index = ctx.in()[1];
  Shape s(x.begin(), x.begin() + dim);
  s.insert(s.end(), index.begin(), index.end());
  s.insert(s.end(), x.begin() + dim + 1, x.end());
  const Dim& d = x[static_cast<size_t>(dim)];
  const KnownValues& ids = ctx.input_values;
  // PyTorch refuses any index of an empty dim before it reads one
  if (!d.symbolic() && d.value == 0 && !has_zero_dim(index))
    return ctx.fail_input("index is out of bounds for dimension with size 0",
                          fmt::format("dim {} is empty: there is nothing to index", dim));
  bool reads = !has_zero_dim(s);  // the kernel reads an index per element of the result
  bool select = ctx.st.extras().index_select;  // no negative positions
  if (reads && select && !d.symbolic()) {
    if (OutOfRange bad = out_of_range(ids, 0, d.value); bad.any)
      return fail_index_select(ctx, bad, dim, d.value);
  }
  if (reads && d.symbolic() && ids.exact_range && (ids.lo < (select ? 0 : -1) || ids.hi > 0))
    return ctx.fail_input(
        fmt::format("index {} of the batch-sized dim {} may be out of bounds",
                    ids.hi > 0 ? ids.hi : ids.lo, to_string(d)),
        "netshape does not know the batch size; use index 0 or -1, or give the batch a number");
  ctx.attrs.values_unchecked = !ids.exact_range && ids.from_constants && reads;
  if (reads && !d.symbolic()) {
    // known values (an arange) outside the dim: the kernel's error at the first it reads
    if (OutOfRange bad = out_of_range(ids, -d.value, d.value); bad.any)  // its kernel: dim 0
      return fail_out_of_range(
          ctx, bad, 0, d.value,
          fmt::format("the index holds {} to {}: dim {} has size {}, so use indices in [{}, {}]",
                      ids.lo, ids.hi, dim, d.value, -d.value, d.value - 1));
  }
  ctx.set_output(s);
  return true;
}

// x: [..., d, ...] -> [..., len(indices), ...]: the slices of dim at indices, in their order
// (x[:, [0, 2]]); with an index tensor instead, x: [..., d, ...], index: [*i] -> [..., *i, ...]
// (x[:, idx]). Both are PyTorch's aten::index.
bool infer_index(RuleContext& ctx) {
  if (ctx.in().size() > 2)
    return ctx.fail_input(
        fmt::format("index takes a tensor and at most one index tensor, got {} tensors",
                    ctx.in().size()),
        "index one dim at a time: `index(x, i, dim=0)`, then the next");
  const Shape& x = ctx.x();
  int64_t rank = static_cast<int64_t>(x.size());
  if (rank == 0)
    return ctx.fail_input("too many indices for tensor of dimension 0",
                          "index a tensor that has dims");
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", rank, dim)) return false;
  ctx.attrs.dim = dim;
  bool by_tensor = ctx.in().size() == 2;
  if (by_tensor != ctx.is_none("indices"))
    return ctx.fail_at(
        "indices",
        by_tensor ? "index takes its indices once: a list of ints or an index tensor, not both"
                  : "index needs its indices: a list of ints, or an index tensor",
        by_tensor ? "drop indices=, or the index tensor"
                  : "e.g. index(1, [0, 2]), or index(x, i, dim=1)");
  return by_tensor ? index_by_tensor(ctx, x, dim) : index_by_list(ctx, x, dim);
}

// x: [d0, ..., dk], index: [i0, ..., ik] (int64) -> index's shape, the elements of x at the
// index's values along dim
bool infer_gather(RuleContext& ctx) {
  if (ctx.in().size() != 2)
    return ctx.fail_input(fmt::format("gather takes a tensor and an index tensor, got {} tensor{}",
                                      ctx.in().size(), ctx.in().size() == 1 ? "" : "s"),
                          "write gather(x, index, dim=1)");
  const Shape &x = ctx.x(), &index = ctx.in()[1];
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(x.size()), dim)) return false;
  if (ctx.value("sparse_grad").kind != Value::Kind::Bool)
    return ctx.fail_at("sparse_grad",
                       fmt::format("gather(): argument 'sparse_grad' must be bool, not {}",
                                   python_type(ctx.value("sparse_grad"))),
                       "write sparse_grad=True or False");
  // PyTorch 1.13 checks nothing more of an index with no elements: it reads none
  if (has_zero_dim(index)) {
    ctx.attrs.dim = dim;
    ctx.set_output(index);
    return true;
  }
  const std::vector<InputRole>& roles = ctx.st.extras().input_roles;
  if (roles.size() > 1 && roles[1].refused_dtype)  // checked after the dim, as gather_out does
    return ctx.fail_input("gather(): Expected dtype int64 for index",
                          "gather reads int64 positions: cast the index with `.long()`");
  if (std::max<size_t>(x.size(), 1) != std::max<size_t>(index.size(), 1))
    return ctx.fail_input("Index tensor must have the same number of dimensions as input tensor",
                          fmt::format("the input is {} and the index {}: give the index {} dims",
                                      to_string(x), to_string(index), x.size()));
  for (size_t d = 0; d < index.size() && d < x.size(); ++d) {
    if (static_cast<int64_t>(d) == dim || index[d] == x[d]) continue;
    // a batch B is at least 1
    bool fits = !index[d].symbolic() &&
                (x[d].symbolic() ? index[d].value <= 1 : index[d].value <= x[d].value);
    if (fits) continue;
    if (index[d].symbolic() || x[d].symbolic())
      return ctx.fail_input_unsupported(
          fmt::format("gather with index {} and input {}: whether dim {} fits depends on the "
                      "batch size",
                      to_string(index), to_string(x), d),
          "give the input a number for the batch, e.g. --input with a batch size");
    return ctx.fail_input(
        fmt::format("Size does not match at dimension {} expected index {} to be smaller than "
                    "self {} apart from dimension {}",
                    d, to_string(index), to_string(x), dim),
        fmt::format("the index may be no larger than the input in every dim but {}", dim));
  }
  const Dim& n = x.empty() ? fixed(1) : x[static_cast<size_t>(dim)];
  if (!n.symbolic() && n.value == 0)  // every position is out of bounds: PyTorch names the first
    return ctx.fail_input(
        fmt::format("index out of bounds for dimension {} with size 0 (PyTorch's message names "
                    "the first index)",
                    dim),
        fmt::format("dim {} of the input is empty: there is nothing to gather", dim));
  // Indices known to the last (an arange): one outside the dim is the kernel's error, as
  // Embedding's (the first out of range of an increasing arange)
  OutOfRange bad = n.symbolic() ? OutOfRange{} : out_of_range(ctx.input_values, 0, n.value);
  if (bad.any)
    return fail_out_of_range(
        ctx, bad, dim, n.value,
        fmt::format("the index holds {} to {}: gather reads positions 0 to {} of dim {}",
                    ctx.input_values.lo, ctx.input_values.hi, n.value - 1, dim));
  ctx.attrs.dim = dim;
  ctx.set_output(index);
  return true;
}

// One item of setitem's index, read from the left against the input's dims: what it writes
// (Attrs::index_items) and the dims it leaves in the place written.
struct IndexedPlace {
  AttrInts items;
  Shape shape;
};

static void add_item(AttrInts& items, std::initializer_list<int64_t> kind_and_numbers) {
  for (int64_t n : kind_and_numbers) items.push_back(n);
}

// An item of the index the way PyTorch reads it, at item `position` of the index and dim `dim`
// of x (advanced by it); false after the error.
static bool place_item(RuleContext& ctx, const Value& item, size_t position, const Shape& x,
                       size_t& dim, IndexedPlace& place) {
  if (item.kind == Value::Kind::None) {  // a new dim of 1
    add_item(place.items, {Attrs::kNewAxisItem, 0, 1, 1});
    place.shape.push_back(fixed(1));
    return true;
  }
  const Dim& d = x[dim++];
  if (item.kind == Value::Kind::Int) {
    if (d.symbolic() && item.i != 0 && item.i != -1)
      return ctx.fail_at("index",
                         fmt::format("index {} of the batch-sized dim {} may be out of bounds",
                                     item.i, to_string(d)),
                         "netshape does not know the batch size; use index 0 or -1");
    if (!d.symbolic() && (item.i < -d.value || item.i >= d.value))
      return ctx.fail_at("index",
                         fmt::format("index {} is out of bounds for dimension {} with size {}",
                                     item.i, position, d.value),
                         fmt::format("dim {} has size {}: use an index in [{}, {}]", dim - 1,
                                     d.value, -d.value, d.value - 1));
    int64_t wrapped = item.i < 0 && !d.symbolic() ? item.i + d.value : item.i;
    add_item(place.items, {Attrs::kSelectItem, wrapped, 1, 1});
    return true;
  }
  auto part = [](const Value& v, int64_t none) -> std::optional<int64_t> {
    if (v.kind == Value::Kind::None) return none;
    if (v.kind == Value::Kind::Int) return v.i;
    return std::nullopt;
  };
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  std::optional<int64_t> start, stop, step;
  if (item.kind == Value::Kind::Tuple && item.items.size() == 3) {
    start = part(item.items[0], 0);
    stop = part(item.items[1], kEnd);
    step = part(item.items[2], 1);
  }
  if (!start || !stop || !step)
    return ctx.fail_at("index",
                       fmt::format("setitem's index items are ints, (start, stop, step) slices, "
                                   "None and '...', not {}",
                                   to_source(item)),
                       "write a slice as a tuple of ints or None: (0, 5, None) is `0:5`");
  if (*step == 0)
    return ctx.fail_at("index", "slice step cannot be zero", "use a step of 1 or more");
  if (*step < 0)
    return ctx.fail_at("index", "step must be greater than zero",
                       "a slice takes only positive steps: flip the dim to reverse it");
  if (d.symbolic()) {
    if (*start != 0 || *stop != kEnd || *step != 1)
      return ctx.fail_unsupported("index",
                                  fmt::format("a slice of the batch-sized dim {}", to_string(d)),
                                  "netshape does not know the batch size; slice a dim of known "
                                  "size");
    add_item(place.items, {Attrs::kSliceItem, 0, -1, 1});
    place.shape.push_back(d);
    return true;
  }
  auto bound = [&](int64_t b) { return std::clamp<int64_t>(b < 0 ? b + d.value : b, 0, d.value); };
  int64_t first = bound(*start), last = std::max(first, bound(*stop));
  int64_t length = (last - first) / *step + ((last - first) % *step != 0 ? 1 : 0);
  add_item(place.items, {Attrs::kSliceItem, first, length, *step});
  place.shape.push_back(fixed(length));
  return true;
}

// The place x[index] names, as PyTorch's indexing reads the items from the left; false after the
// error.
static std::optional<IndexedPlace> indexed_place(RuleContext& ctx, const Shape& x) {
  const Value& index = ctx.value("index");
  std::vector<Value> items;
  if (index.kind == Value::Kind::List)
    items.assign(index.items.begin(), index.items.end());
  else
    items.push_back(index);  // one item: `x[0] = v`
  auto is_ellipsis = [](const Value& v) { return v.kind == Value::Kind::String && v.s == "..."; };
  size_t naming = 0, ellipses = 0;  // items that name a dim of x; `...`s
  for (const Value& v : items) {
    if (is_ellipsis(v))
      ++ellipses;
    else if (v.kind != Value::Kind::None)
      ++naming;
  }
  if (naming > 0 && x.empty()) {
    ctx.fail_at("index",
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number",
                "a 0-dim tensor has no dims to index: write it whole, `x[...] = v`");
    return std::nullopt;
  }
  if (naming > x.size()) {
    ctx.fail_at("index", fmt::format("too many indices for tensor of dimension {}", x.size()),
                fmt::format("the tensor has {} dims: index at most {}", x.size(), x.size()));
    return std::nullopt;
  }
  if (ellipses > 1) {
    ctx.fail_unsupported("index", "an index with more than one `...`",
                         "write one `...` (PyTorch 2 refuses several)");
    return std::nullopt;
  }
  IndexedPlace place;
  size_t dim = 0;
  Value whole;  // `:`
  whole.kind = Value::Kind::Tuple;
  for (int k = 0; k < 3; ++k) whole.items.push_back(Value::none({}));
  for (size_t position = 0; position < items.size(); ++position) {
    if (!is_ellipsis(items[position])) {
      if (!place_item(ctx, items[position], position, x, dim, place)) return std::nullopt;
      continue;
    }
    for (size_t k = 0; k < x.size() - naming; ++k)
      if (!place_item(ctx, whole, position, x, dim, place)) return std::nullopt;
  }
  while (dim < x.size())  // the dims after the last item: whole
    if (!place_item(ctx, whole, items.size(), x, dim, place)) return std::nullopt;
  return place;
}

// x: [*], value: [*] -> x, the place x[index] names written with value (broadcast to it)
bool infer_setitem(RuleContext& ctx) {
  const Shape& x = ctx.x();
  std::optional<IndexedPlace> place = indexed_place(ctx, x);
  if (!place) return false;
  const Value& number = ctx.value("value");
  if (ctx.in().size() == 2) {
    if (number.kind != Value::Kind::None)
      return ctx.fail_at("value", "setitem takes the value as a tensor or a number, not both",
                         "drop value= or the value tensor");
    // PyTorch's copy_ drops the value's leading 1s, then expands it to the place
    const Shape& written = ctx.in()[1];
    auto kept = std::find_if(written.begin(), written.end(),
                             [](const Dim& d) { return d.symbolic() || d.value != 1; });
    Shape v(kept, written.end());
    const Shape& target = place->shape;
    const std::string& type = ctx.st.extras().value_type;
    if (v.size() > target.size())
      return ctx.fail_input(
          fmt::format("expand({}{{{}}}, size={}): the number of sizes provided ({}) must be "
                      "greater or equal to the number of dimensions in the tensor ({})",
                      type.empty() ? "torch.FloatTensor" : type, to_string(v), to_string(target),
                      target.size(), v.size()),
          fmt::format("the value {} has more dims than the place it is written to, {}",
                      to_string(written), to_string(target)));
    for (size_t i = target.size(); i-- > 0;) {
      size_t from_end = target.size() - 1 - i;
      Dim existing = from_end < v.size() ? v[v.size() - 1 - from_end] : fixed(1);
      if (existing == target[i] || existing == fixed(1)) continue;
      return ctx.fail_input(
          fmt::format("The expanded size of the tensor ({}) must match the existing size ({}) at "
                      "non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                      to_string(target[i]), to_string(existing), i, to_string(target),
                      to_string(v)),
          fmt::format("the value {} must have the sizes of the place it is written to, {} (or 1 "
                      "there)",
                      to_string(written), to_string(target)));
    }
  } else if (ctx.in().size() > 2) {
    return ctx.fail_input(
        fmt::format("setitem takes a tensor and a value, got {} tensors", ctx.in().size()),
        "write setitem(x, value, index=[...])");
  } else if (number.kind == Value::Kind::Int || number.kind == Value::Kind::Float ||
             number.kind == Value::Kind::Bool) {
    ctx.attrs.value = number.kind == Value::Kind::Float ? number.f
                      : number.kind == Value::Kind::Int ? static_cast<double>(number.i)
                                                        : (number.b ? 1.0 : 0.0);
  } else {
    return ctx.fail_at("value", "setitem needs a value: a tensor or a number",
                       "write setitem(x, v, index=[0]) or setitem(x, index=[0], value=0.0)");
  }
  ctx.attrs.index_items = std::move(place->items);
  ctx.set_output(x);
  return true;
}

// x: [d0, ..., d_k] -> size (with leading dims added); -1 keeps a dim; size-1 dims broadcast
bool infer_expand(RuleContext& ctx) {
  const Shape& x = ctx.x();
  std::string example = fmt::format("expand({})", dims_args(x));
  auto sizes = list_arg<Dim>(ctx, "SymInts", size_entry(x), example);
  if (!sizes) return false;
  size_t ndim = sizes->size(), rank = x.size();
  if (ndim < rank) {
    return ctx.fail(
        ctx.st.op_span,
        fmt::format("expand(torch.FloatTensor{{{}}}, size={}): the number of sizes "
                    "provided ({}) must be greater or equal to the number of "
                    "dimensions in the tensor ({})",
                    to_string(x), dims_list(*sizes), ndim, rank),
        fmt::format("give a size for each of the input's {} dims, e.g. {}", rank, example));
  }
  Shape s(ndim);
  for (size_t i = ndim; i-- > 0;) {  // from the last dim, as PyTorch's inferExpandGeometry
    Dim target = (*sizes)[i];
    bool existing = i + rank >= ndim;
    Dim size = existing ? x[i + rank - ndim] : fixed(1);
    if (rank == 0) {  // a 0-dim tensor takes the sizes as given
      s[i] = target;
      continue;
    }
    if (!target.symbolic() && target.value == -1) {
      if (!existing)
        return ctx.fail(ctx.st.op_span,
                        fmt::format("The expanded size of the tensor (-1) isn't allowed in a "
                                    "leading, non-existing dimension {}",
                                    i),
                        "give new leading dims a size");
      target = size;
    }
    if (!(size == target)) {
      if (size.symbolic() || size.value != 1)
        return ctx.fail(
            ctx.st.op_span,
            fmt::format("The expanded size of the tensor ({}) must match the existing size ({}) "
                        "at non-singleton dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                        to_string(target), to_string(size), i, dims_list(*sizes), to_string(x)),
            "only size-1 dims expand: use -1 to keep a dim, or repeat() to tile it");
    }
    s[i] = target;
  }
  for (const Dim& d : s)
    if (!d.symbolic() && d.value < 0)
      return ctx.fail(ctx.st.op_span, "numel: integer multiplication overflow",
                      "sizes must be >= 0, or -1 to keep a dim");
  ctx.set_output(s);
  return true;
}

// x: [..., n, ...] -> [..., repeats * n, ...] along dim; dim None: x flattened, [repeats * numel]
bool infer_repeat_interleave(RuleContext& ctx) {
  const Value& r = ctx.value("repeats");
  if (r.kind == Value::Kind::Ident || r.kind == Value::Kind::DimRef)  // a symbolic size
    return ctx.fail_unsupported("repeats", "repeat_interleave by a symbolic size",
                                "give the input a number there, or repeat by an int");
  if (r.kind != Value::Kind::Int)
    return ctx.fail_at(
        "repeats",
        fmt::format("repeat_interleave(): repeats must be an int, not {}", python_type(r)),
        "write how many times each element repeats: repeat_interleave(2, dim=1)");
  const Shape& x = ctx.x();
  Shape out;
  size_t along = 0;
  if (ctx.is_none("dim")) {
    auto all = dim_product(x);
    if (!all)
      return ctx.fail_input("the flattened size overflows 64 bits or multiplies two symbolic dims",
                            "give repeat_interleave a dim");
    out.push_back(*all);
    ctx.attrs.dim = -1;  // the tensor flattened
  } else {
    const Value& d = ctx.value("dim");
    if (d.kind != Value::Kind::Int)
      return ctx.fail_at(
          "dim",
          fmt::format("repeat_interleave(): dim must be an int or None, not {}", python_type(d)),
          "write dim=1");
    if (x.empty())  // size(dim) of a 0-dim tensor
      return ctx.fail_at("dim",
                         fmt::format("Dimension specified as {} but tensor has no dimensions", d.i),
                         "leave dim out: a 0-dim tensor repeats as [repeats]");
    int64_t dim = 0;
    if (!dim_arg(ctx, "dim", static_cast<int64_t>(x.size()), dim)) return false;
    out = x;
    along = static_cast<size_t>(dim);
    ctx.attrs.dim = dim;
  }
  ctx.attrs.factor = r.i;
  // Nothing to repeat: PyTorch returns the empty result before any other check
  if (!out[along].symbolic() && out[along].value == 0) {
    ctx.set_output(out);
    return true;
  }
  bool sized = !ctx.is_none("output_size");
  const Value& size = ctx.value("output_size");
  if (sized && size.kind != Value::Kind::Int)
    return ctx.fail_at(
        "output_size",
        fmt::format("repeat_interleave(): output_size must be an int, not {}", python_type(size)),
        "leave output_size out");
  // with output_size the result is allocated first (a negative size is torch.empty's error) and
  // the repeats are not checked for their sign, only for the size they make
  if (sized && size.i < 0)
    return ctx.fail_at(
        "output_size",
        fmt::format("Trying to create tensor with negative dimension {}: [{}]", size.i, size.i),
        "leave output_size out");
  if (r.i < 0 && !sized)
    return ctx.fail_at("repeats", "repeats can not be negative",
                       "repeat each element 0 or more times");
  auto grown = checked_mul(out[along].value, r.i);
  if (!grown) return ctx.fail_overflow("repeats", "the repeated size");
  Dim result = r.i == 0 ? fixed(0) : Dim{*grown, out[along].sym};
  if (sized && result.symbolic())
    return ctx.fail_unsupported("output_size", "output_size against a symbolic size",
                                "give the input a number there, or leave output_size out");
  if (sized && (r.i < 0 || size.i != result.value))
    return ctx.fail_at("output_size", "allocated size does not match required size",
                       r.i < 0 ? std::string("repeat each element 0 or more times")
                               : fmt::format("the result has {} elements along the dim: leave "
                                             "output_size out, or write output_size={}",
                                             result.value, result.value));
  out[along] = result;
  ctx.set_output(out);
  return true;
}

// x: [d0, ..., d_k] -> [s0 * 1, ..., s_j * d0, ..., s_n * d_k] (x taken with leading 1s);
// tile: the same, with counts of 1 in front for the dims its dims do not name
bool infer_repeat(RuleContext& ctx) {
  const Shape& x = ctx.x();
  bool tile = ctx.op.id == OpId::tile;
  std::string ones;
  for (size_t i = 0; i < x.size(); ++i) ones += (i ? ", 1" : "1");
  std::string example = fmt::format("{}({})", ctx.op.name, ones.empty() ? "()" : ones);
  auto sizes = list_arg<Dim>(ctx, tile ? "ints" : "SymInts", size_entry(x), example);
  if (!sizes) return false;
  // tile repeats the dims it does not name once: repeat with 1s in front (PyTorch's own tile)
  if (tile && sizes->size() < x.size())
    sizes->insert(sizes->begin(), x.size() - sizes->size(), fixed(1));
  size_t ndim = sizes->size(), rank = x.size();
  if (ndim < rank)
    return ctx.fail(ctx.st.op_span,
                    "Number of dimensions of repeat dims can not be smaller than number of "
                    "dimensions of tensor",
                    fmt::format("the input {} has {} dims: give a count for each, e.g. {}",
                                to_string(x), rank, example));
  Shape s(ndim);
  for (size_t i = 0; i < ndim; ++i) {
    Dim d = i + rank >= ndim ? x[i + rank - ndim] : fixed(1);
    const Dim& r = (*sizes)[i];
    if (d.symbolic() && r.symbolic())
      return ctx.fail(ctx.st.op_span, "two batch-sized factors are not supported",
                      "repeat the batch-sized dim a known number of times");
    auto v = checked_mul(d.value, r.value);
    if (!v) return ctx.fail(ctx.st.op_span, "the repeated size overflows 64 bits", "repeat less");
    s[i] = Dim{*v, d.symbolic() ? d.sym : r.sym};
  }
  for (const Dim& d : s)
    if (d.value < 0)
      return ctx.fail(ctx.st.op_span,
                      fmt::format("Trying to create tensor with negative dimension {}: {}",
                                  to_string(d), to_string(s)),
                      "repeat counts must be >= 0");
  ctx.set_output(s);
  return true;
}

// x: [*, C*r*r, H, W] -> [*, C, H*r, W*r] (pixel_shuffle, r = upscale_factor);
// pixel_unshuffle: [*, C, H*r, W*r] -> [*, C*r*r, H, W] (r = downscale_factor; an empty input
// keeps its shape)
bool infer_pixel_shuffle(RuleContext& ctx) {
  bool unshuffle = ctx.op.kind == OpKind::pixel_unshuffle;
  std::string_view name = unshuffle ? "pixel_unshuffle" : "pixel_shuffle";
  std::string_view param = unshuffle ? "downscale_factor" : "upscale_factor";
  const Value& v = ctx.value(param);
  if (v.kind != Value::Kind::Int)  // PyTorch's parser takes no bool for an int here
    return ctx.fail_at(param,
                       fmt::format("{}(): argument '{}' (position 2) must be int, not {}", name,
                                   param, python_type(v)),
                       fmt::format("write {}=2", param));
  const Shape& x = ctx.x();
  if (x.size() < 3)
    return ctx.fail_input(fmt::format("{} expects input to have at least 3 dimensions, but got "
                                      "input with {} dimension(s)",
                                      name, x.size()),
                          "give it [N, C, H, W] (or [C, H, W])");
  int64_t r = v.i;
  if (r <= 0)
    return ctx.fail_at(param, fmt::format("{} expects a positive {}, but got {}", name, param, r),
                       fmt::format("use {}=2", param));
  auto squared = checked_mul(r, r);
  if (!squared) return ctx.fail_at(param, fmt::format("{} is too large", param));
  Shape s = x;
  size_t c = x.size() - 3, h = c + 1, w = c + 2;
  // A dim divided by the factor: a symbolic one only when its known multiple divides.
  auto divide = [&](size_t i, int64_t by, const char* what) -> bool {
    if (x[i].value % by == 0) {
      s[i] = Dim{x[i].value / by, x[i].sym};
      return true;
    }
    if (x[i].symbolic())
      return ctx.fail_input(
          fmt::format("netshape cannot tell whether the batch-sized {} {} is divisible by {}", what,
                      to_string(x[i]), by),
          "give that dim a size with --input");
    if (unshuffle)
      return ctx.fail_input(
          fmt::format("pixel_unshuffle expects {} to be divisible by downscale_factor, but "
                      "input.size({})={} is not divisible by {}",
                      what, i == h ? -2 : -1, x[i].value, by),
          fmt::format("pad or crop the input to a multiple of {}, or use downscale_factor={}", by,
                      std::gcd(x[i].value, by)));
    return ctx.fail_input(
        fmt::format("pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                    "square of upscale_factor, but input.size(-3)={} is not divisible by {}",
                    x[i].value, by),
        fmt::format("give it a multiple of {} channels (e.g. {}), or change upscale_factor", by,
                    by * std::max<int64_t>(1, x[i].value / by)));
  };
  auto multiply = [&](size_t i, int64_t by) -> bool {
    auto m = checked_mul(x[i].value, by);
    if (!m) return ctx.fail_input("the output size overflows 64 bits", "use a smaller factor");
    s[i] = Dim{*m, x[i].sym};
    return true;
  };
  bool ok = unshuffle ? divide(h, r, "height") && divide(w, r, "width") && multiply(c, *squared)
                      : divide(c, *squared, "channel") && multiply(h, r) && multiply(w, r);
  if (!ok) return false;
  ctx.attrs.factor = r;
  // PyTorch 1.13's pixel_unshuffle returns an input of no elements as it is, after its checks
  if (unshuffle && has_zero_dim(x)) s = x;
  ctx.set_output(s);
  return true;
}

// x: [N, C, *] -> [N, C, *], the channels in `groups` groups interleaved (ShuffleNet)
bool infer_channel_shuffle(RuleContext& ctx) {
  const Value& v = ctx.value("groups");
  if (v.kind != Value::Kind::Int)  // PyTorch's parser takes no bool for an int here
    return ctx.fail_at("groups",
                       fmt::format("channel_shuffle(): argument 'groups' (position 2) must be int, "
                                   "not {}",
                                   python_type(v)),
                       "write groups=2");
  const Shape& x = ctx.x();
  if (x.size() < 3)
    return ctx.fail_input(
        fmt::format("channel_shuffle expects input with > 2 dims, but got input with sizes {}",
                    shape_list(x)),
        "give it [N, C, H, W] (or [N, C, L]): it shuffles dim 1");
  int64_t groups = v.i;
  if (groups <= 0)
    return ctx.fail_at(
        "groups",
        fmt::format("Number of groups to divide channels in must be positive. Value of groups:{}",
                    groups),
        "use groups=2");
  const Dim& c = x[1];
  if (c.symbolic())
    return ctx.fail_input(
        fmt::format("netshape cannot tell whether the batch-sized channels {} divide into {} "
                    "groups",
                    to_string(c), groups),
        "give dim 1 a size with --input");
  if (c.value % groups != 0)
    return ctx.fail_input(fmt::format("Number of channels must be divisible by groups. Got {} "
                                      "channels and {} groups.",
                                      c.value, groups),
                          fmt::format("give it a multiple of {} channels, or groups={}", groups,
                                      std::gcd(c.value, groups)));
  ctx.attrs.groups = groups;
  ctx.set_output(x);
  return true;
}

namespace {

// The argument holding the pads: F.pad's `pad`, a padding module's `padding`.
const char* pad_param(const RuleContext& ctx) {
  return ctx.has_param("pad") ? "pad" : "padding";
}

// F.pad's constant mode, as constant_pad_nd computes it: negative pads narrow the input first
// (the outermost padded dim first; at::narrow's messages), then the positive ones grow it.
bool constant_pad_shape(RuleContext& ctx, std::span<const int64_t> pad, Shape& s) {
  const Shape& x = ctx.x();
  size_t rank = x.size(), l_pad = pad.size() / 2, l_diff = rank - l_pad;
  bool all_non_positive = true;
  Shape narrowed = x;
  for (size_t i = l_diff; i < rank; ++i) {
    size_t k = 2 * (rank - i - 1);
    for (int side = 0; side < 2; ++side) {
      int64_t p = pad[k + static_cast<size_t>(side)];
      if (p > 0) all_non_positive = false;
      if (p >= 0) continue;
      Dim& d = narrowed[i];
      if (p == kAnyInt) return ctx.fail_overflow(pad_param(ctx), fmt::format("-({})", p));
      if (d.symbolic())
        return ctx.fail_at(pad_param(ctx),
                           fmt::format("cannot crop the batch-sized dim {}", to_string(d)),
                           "pad dims of known size");
      std::string error;
      // narrow(i, -p, size + p) before, narrow(i, 0, size + p) after
      auto start = narrow_start(d.value, side == 0 ? -p : 0, d.value + p, error);
      if (!start)
        return ctx.fail_at(
            pad_param(ctx), error,
            fmt::format("dim {} of {} has size {}: crop less", i, to_string(x), x[i].value));
      d.value += p;
    }
  }
  if (all_non_positive) {
    s = narrowed;
    return true;
  }
  s = x;
  for (size_t i = l_diff; i < rank; ++i) {
    size_t k = 2 * (rank - i - 1);
    int64_t before = pad[k], after = pad[k + 1];
    if (x[i].symbolic() && before == 0 && after == 0) continue;
    if (x[i].symbolic())
      return ctx.fail_at(pad_param(ctx),
                         fmt::format("cannot pad the batch-sized dim {}", to_string(x[i])),
                         "pad dims of known size");
    auto out = padded_size(x[i].value, before, after);
    if (!out)
      return ctx.fail_overflow(
          pad_param(ctx), fmt::format("the padded size {} + {} + {}", x[i].value, before, after));
    if (*out <= 0)
      return ctx.fail_at(
          pad_param(ctx),
          fmt::format("The input size {}, plus negative padding {} and {} resulted in a negative "
                      "output size, which is invalid. Check dimension {} of your input.",
                      x[i].value, before, after, i),
          "crop less");
    s[i] = fixed(*out);
  }
  return true;
}

// "[2, 3, 0]" and "[ torch.FloatTensor{2,3,0} ]": how PyTorch prints an input's sizes, and an
// (empty) input tensor itself.
std::string tensor_text(const Shape& x) {
  std::string dims;
  for (size_t i = 0; i < x.size(); ++i) dims += (i ? "," : "") + to_string(x[i]);
  return "[ torch.FloatTensor{" + dims + "} ]";
}

// F.pad's reflect, replicate and circular modes: the kernel PyTorch dispatches to by the pad's
// length and the input's rank, with its checks in its order.
bool mode_pad_shape(RuleContext& ctx, PaddingMode mode, std::span<const int64_t> pad, Shape& s) {
  const Shape& x = ctx.x();
  size_t rank = x.size(), nd = pad.size() / 2;
  bool dispatched = (nd == 1 && (rank == 2 || rank == 3)) ||
                    (nd == 2 && (rank == 3 || rank == 4)) || (nd == 3 && (rank == 4 || rank == 5));
  if (!dispatched)
    return ctx.fail_at(
        pad_param(ctx),
        "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now",
        fmt::format("mode='{}' pads the last 1, 2 or 3 dims of an input with one or "
                    "two more: 2 values for [C, L] or [N, C, L], 4 for [C, H, W] or "
                    "[N, C, H, W], 6 for [C, D, H, W] or [N, C, D, H, W]",
                    name_of(mode)));
  // in[j], before[j], after[j] for the padded dims j = 0 (outermost) .. nd-1 (last)
  IntList in(nd), before(nd), after(nd), out(nd);
  for (size_t j = 0; j < nd; ++j) {
    const Dim& d = x[rank - nd + j];
    if (d.symbolic())
      return ctx.fail_at(pad_param(ctx),
                         fmt::format("cannot pad the batch-sized dim {}", to_string(d)),
                         "pad dims of known size");
    in[j] = d.value;
    before[j] = pad[2 * (nd - 1 - j)];
    after[j] = pad[2 * (nd - 1 - j) + 1];
    auto o = padded_size(in[j], before[j], after[j]);
    if (!o)
      return ctx.fail_overflow(
          pad_param(ctx), fmt::format("the padded size {} + {} + {}", in[j], before[j], after[j]));
    out[j] = *o;
  }
  s = x;
  for (size_t j = 0; j < nd; ++j) s[rank - nd + j] = fixed(out[j]);
  std::string help = fmt::format("use smaller pads with mode='{}'", name_of(mode));
  if (mode == PaddingMode::circular) {
    if (pad.size() + 4 != rank * 2)
      return ctx.fail_at(pad_param(ctx),
                         fmt::format("Invalid padding size, expected {} but got {}",
                                     2 * (static_cast<int64_t>(rank) - 2), pad.size()),
                         "circular padding takes a batched input: [N, C, L], [N, C, H, W] or "
                         "[N, C, D, H, W]");
    for (size_t j = 0; j < nd; ++j) {
      if (before[j] > in[j] || after[j] > in[j])
        return ctx.fail_at(pad_param(ctx), "Padding value causes wrapping around more than once.",
                           help);
      if (out[j] < 0)
        return ctx.fail_at(pad_param(ctx),
                           "Negative padding value is resulting in an empty dimension",
                           "crop less");
    }
    return true;
  }
  if (!check_padded_dims_nonempty(ctx, mode, nd)) return false;
  if (mode == PaddingMode::reflect) {
    for (size_t j = nd; j-- > 0;) {  // W, then H, then D
      if (before[j] < in[j] && after[j] < in[j]) continue;
      std::string input = nd == 2 ? std::to_string(rank) : to_string(x);
      return ctx.fail_at(
          pad_param(ctx),
          fmt::format("Argument #{}: Padding size should be less than the corresponding input "
                      "dimension, but got: padding ({}, {}) at dimension {} of input {}",
                      4 + 2 * (nd - 1 - j), before[j], after[j], rank - nd + j, input),
          help);
    }
  }
  bool all_small = true, any_negative = false;
  for (size_t j = 0; j < nd; ++j) {
    all_small = all_small && out[j] < 1;
    any_negative = any_negative || out[j] < 0;
  }
  if (all_small) {
    std::string message;
    bool r = mode == PaddingMode::reflect;
    if (nd == 1)
      message = fmt::format("{}input (W: {}){}is too small. Calculated output W: {}", r ? "2" : "",
                            in[0], r ? "" : " ", out[0]);
    else if (nd == 2)
      message = fmt::format("input (H: {}, W: {}{}is too small. Calculated output H: {} W: {}",
                            in[0], in[1], r ? ")" : " ) ", out[0], out[1]);
    else
      message = fmt::format(
          "input (D: {} H: {}, W: {}) is too small. Calculated output D: {} H: {} W: {}", in[0],
          in[1], in[2], out[0], out[1], out[2]);
    return ctx.fail_at(pad_param(ctx), message, "crop less");
  }
  if (any_negative) {
    if (mode == PaddingMode::reflect && nd == 2)
      return ctx.fail_at(pad_param(ctx), "numel: integer multiplication overflow", "crop less");
    const Dim* first = nullptr;
    for (const Dim& d : s)
      if (!first && !d.symbolic() && d.value < 0) first = &d;
    return ctx.fail_at(pad_param(ctx),
                       fmt::format("Trying to create tensor with negative dimension {}: {}",
                                   first->value, to_string(s)),
                       "crop less");
  }
  return true;
}

}  // namespace

bool check_padded_dims_nonempty(RuleContext& ctx, PaddingMode mode, size_t nd) {
  const Shape& x = ctx.x();
  size_t rank = x.size();
  bool batched = rank == nd + 2;
  for (size_t i = batched ? 1 : 0; i < rank; ++i) {
    bool reflect_skips = mode == PaddingMode::reflect && nd < 3 && i == 0;  // [C, ...]: C may be 0
    if (reflect_skips || x[i].symbolic() || x[i].value != 0) continue;
    if (mode == PaddingMode::reflect && nd < 3)
      return ctx.fail_input(fmt::format("{}D or {}D (batch mode) tensor expected for input, but "
                                        "got: {}",
                                        nd + 1, nd + 2, tensor_text(x)),
                            "pad a tensor without empty dims");
    return ctx.fail_input(fmt::format("Expected {}D or {}D (batch mode) tensor with possibly 0 "
                                      "batch size and other non-zero dimensions for input, but "
                                      "got: {}",
                                      nd + 1, nd + 2, to_string(x)),
                          "pad a tensor without empty dims");
  }
  return true;
}

// The pads `param` holds, a tuple (or list) of ints; F.pad's TypeError for anything else.
static bool pad_ints(RuleContext& ctx, const char* param, AttrInts& pad, const char* help) {
  const Value& v = ctx.value(param);
  if (auto ints = v.is_sequence() ? int_list_items(v.items.vec()) : std::nullopt) {
    pad.assign(ints->begin(), ints->end());
    return true;
  }
  return ctx.fail_at(param,
                     fmt::format("pad(): argument 'pad' (position 2) must be tuple of ints, not {}",
                                 python_type(v)),
                     help);
}

static bool infer_pad_module(RuleContext& ctx);
static bool pad_output(RuleContext& ctx, AttrInts pad, PaddingMode mode,
                       std::optional<double> value);

// x: [..., d_k-1, d_k] -> [..., d_k-1 + pad[2] + pad[3], d_k + pad[0] + pad[1]]
bool infer_pad(RuleContext& ctx) {
  if (ctx.op.kind == OpKind::reflect || ctx.op.kind == OpKind::replicate)
    return infer_pad_module(ctx);
  AttrInts pad;
  if (!pad_ints(ctx, "pad", pad,
                "write pad=(1, 1) (left, right of the last dim), or (1, 1, 2, 2) for the last two"))
    return false;
  auto mode_text = ctx.string_arg("mode");
  if (!mode_text) return false;
  std::optional<PaddingMode> mode;
  if (*mode_text == "constant")
    mode = PaddingMode::zeros;
  else if (*mode_text != "zeros")
    mode = parse_padding_mode(*mode_text);
  if (!mode)
    return ctx.fail_at("mode", fmt::format("Unrecognised padding mode {}", *mode_text),
                       "use mode='constant', 'reflect', 'replicate' or 'circular'");
  std::optional<double> value;
  if (!ctx.is_none("value")) {
    value = ctx.float_arg("value");
    if (!value) return false;
  }
  return pad_output(ctx, std::move(pad), *mode, value);
}

// nn.ReflectionPad2d(padding) and the other padding modules: F.pad(x, padding, mode), an int
// padding repeated for each side of each padded dim, a tuple as it is (PyTorch's _ntuple).
static bool infer_pad_module(RuleContext& ctx) {
  const Value& v = ctx.value("padding");
  AttrInts pad;
  if (v.kind == Value::Kind::Int)
    pad.assign(2 * static_cast<size_t>(ctx.op.spatial_dims), v.i);
  else if (!pad_ints(ctx, "padding", pad, "write padding=1, or a tuple of ints: (1, 1, 2, 2)"))
    return false;
  PaddingMode mode = ctx.op.kind == OpKind::reflect ? PaddingMode::reflect : PaddingMode::replicate;
  return pad_output(ctx, std::move(pad), mode, std::nullopt);
}

// What F.pad(x, pad, mode, value) gives, with its errors in its order; the padding modules' too
// (their forward calls F.pad).
static bool pad_output(RuleContext& ctx, AttrInts pad, PaddingMode mode,
                       std::optional<double> value) {
  const Shape& x = ctx.x();
  if (pad.size() % 2 != 0)
    return ctx.fail_at(pad_param(ctx), "Padding length must be divisible by 2",
                       "give a (before, after) pair for each padded dim");
  if (pad.size() > 2 * x.size())
    return ctx.fail_at(pad_param(ctx), "Padding length too large",
                       fmt::format("the input {} has {} dims: give at most {} values", to_string(x),
                                   x.size(), 2 * x.size()));
  Shape s;
  if (mode == PaddingMode::zeros) {
    if (!constant_pad_shape(ctx, pad, s)) return false;
  } else {
    if (value && *value != 0.0)
      return ctx.fail_at(
          "value", fmt::format("Padding mode \"{}\" doesn't take in value argument", name_of(mode)),
          "remove value=, or use mode='constant'");
    if (!mode_pad_shape(ctx, mode, pad, s)) return false;
  }
  Attrs& at = ctx.attrs;
  at.padding = std::move(pad);
  at.padding_mode = mode;
  at.value = value.value_or(0.0);
  ctx.set_output(s);
  return true;
}

bool constant_pad_as_f_pad(RuleContext& ctx, AttrInts pad, double value) {
  return pad_output(ctx, std::move(pad), PaddingMode::zeros, value);
}

// tensors: each [*s] -> [..., count at dim, ...]
bool infer_stack(RuleContext& ctx) {
  const auto& ins = ctx.in();
  const Shape& first = ins[0];
  int64_t dim = 0;
  if (!dim_arg(ctx, "dim", static_cast<int64_t>(first.size()) + 1, dim)) return false;
  for (size_t t = 1; t < ins.size(); ++t) {
    if (ins[t] == first) continue;
    return ctx.fail(
        ctx.st.op_span,
        fmt::format("stack expects each tensor to be equal size, but got {} at entry 0 "
                    "and {} at entry {}",
                    to_string(first), to_string(ins[t]), t),
        fmt::format("{} is {} and {} is {}; stack takes tensors of one shape (cat "
                    "joins along an existing dim)",
                    ctx.input_name(0), to_string(first), ctx.input_name(t), to_string(ins[t])));
  }
  Shape s = first;
  s.insert(s.begin() + dim, fixed(static_cast<int64_t>(ins.size())));
  ctx.attrs.dim = dim;
  ctx.set_output(s);
  return true;
}

namespace {

bool two_inputs(RuleContext& ctx) {
  if (ctx.in().size() == 2) return true;
  return ctx.fail(
      ctx.st.op_span, fmt::format("{} takes two tensors, got {}", ctx.op.name, ctx.in().size()),
      fmt::format("write {0}(a, b), or {0}(b) for the previous output times b", ctx.op.name));
}

std::string mm_message(int64_t r1, int64_t c1, int64_t r2, int64_t c2) {
  return fmt::format("mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})", r1, c1, r2, c2);
}
std::string mv_message(int64_t rows, int64_t cols, int64_t len) {
  return fmt::format("size mismatch, got {}, {}x{},{}", rows, rows, cols, len);
}

// out = [*out], MACs prod(out) * k (the batch counted as 1)
bool set_product(RuleContext& ctx, Shape out, const Dim& k) {
  auto elements = count_product(out);
  if (!elements) return ctx.fail(ctx.st.op_span, "the output size overflows 64 bits");
  if (!ctx.add_macs({*elements, n(k)})) return false;
  if (ctx.want_explain)
    ctx.explain("MACs = prod({}) * {} = {}", to_string(out), n(k), ctx.layer.macs);
  ctx.set_output(std::move(out));
  return true;
}

}  // namespace

// a: [*batch_a, n, k] (or [k]), b: [*batch_b, k, p] (or [k]) -> [*broadcast(batch), n, p]
// without the n of a 1-D a and the p of a 1-D b
bool infer_matmul(RuleContext& ctx) {
  if (!two_inputs(ctx)) return false;
  const Shape& a = ctx.in()[0];
  const Shape& b = ctx.in()[1];
  size_t da = a.size(), db = b.size();
  std::string help = fmt::format(
      "{} is {} and {} is {}: the last dim of the first must equal the "
      "{} of the second",
      ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b),
      db == 1 ? "size" : "second-to-last dim");
  if (da == 0 || db == 0)
    return ctx.fail(ctx.st.op_span,
                    fmt::format("both arguments to matmul need to be at least 1D, but they are "
                                "{}D and {}D",
                                da, db),
                    "multiply tensors with dims (a 0-D tensor multiplies with mul)");
  const Dim& k = a[da - 1];
  if (da == 1 && db == 1) {  // dot
    if (!(k == b[0]))
      return ctx.fail(ctx.st.op_span,
                      fmt::format("inconsistent tensor size, expected tensor [{}] and src [{}] to "
                                  "have the same number of elements, but got {} and {} elements "
                                  "respectively",
                                  n(k), n(b[0]), n(k), n(b[0])),
                      help);
    return set_product(ctx, {}, k);
  }
  if (da <= 2 && db <= 2) {
    const Dim& k2 = b[0];
    if (!(k == k2)) {
      if (db == 1) return ctx.fail(ctx.st.op_span, mv_message(n(a[0]), n(k), n(k2)), help);
      return ctx.fail(ctx.st.op_span, mm_message(da == 1 ? 1 : n(a[0]), n(k), n(k2), n(b[1])),
                      help);
    }
    Shape out;
    if (da == 2) out.push_back(a[0]);
    if (db == 2) out.push_back(b[1]);
    return set_product(ctx, out, k);
  }
  if (da <= 2 || db <= 2) {
    // PyTorch folds the batch of the larger operand into its rows and runs one mm/mv (for
    // contiguous tensors); a larger b is transposed first: b.mT @ a.T.
    bool a_larger = da >= 3;
    const Shape& big = a_larger ? a : b;
    const Shape& small = a_larger ? b : a;
    size_t rb = big.size();
    // The rows of the folded matrix: a's dims but the last, or b.mT's dims but the last.
    std::optional<int64_t> folded = count_product(big, 0, rb - 1);
    if (!a_larger) {
      auto lead = count_product(big, 0, rb - 2);
      folded = lead ? checked_mul(*lead, n(big[rb - 1])) : std::nullopt;
    }
    if (!folded) return ctx.fail(ctx.st.op_span, "the folded batch overflows 64 bits");
    const Dim& inner = a_larger ? big[rb - 1] : big[rb - 2];                    // the folded cols
    const Dim& other = small.size() == 2 ? small[a_larger ? 0 : 1] : small[0];  // must equal it
    if (!(inner == other)) {
      // a transposed 3-D operand beside a matrix is not folded: bmm with the matrix expanded
      if (rb == 3 && small.size() == 2 && ctx.multiplied_as_batch[a_larger ? 0 : 1]) {
        int64_t batch = n(big[0]);
        return ctx.fail(
            ctx.st.op_span,
            fmt::format("Expected size for first two dimensions of batch2 tensor to "
                        "be: [{}, {}] but got: [{}, {}].",
                        batch, n(a_larger ? inner : other), batch, n(a_larger ? other : inner)),
            help);
      }
      if (small.size() == 1)
        return ctx.fail(ctx.st.op_span, mv_message(*folded, n(inner), n(other)), help);
      return ctx.fail(ctx.st.op_span,
                      a_larger ? mm_message(*folded, n(inner), n(small[0]), n(small[1]))
                               : mm_message(*folded, n(inner), n(small[1]), n(small[0])),
                      help);
    }
    Shape out;
    if (a_larger) {
      out.assign(a.begin(), a.end() - 1);
      if (db == 2) out.push_back(b[1]);
    } else {
      out.assign(b.begin(), b.end() - 2);
      if (da == 2) out.push_back(a[0]);
      out.push_back(b[rb - 1]);
    }
    return set_product(ctx, out, inner);
  }
  // Both at least 3-D: the batch dims broadcast, then one bmm.
  Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  std::string error;
  auto batch = broadcast_shapes(batch_a, batch_b, error);
  if (!batch)
    return ctx.fail(
        ctx.st.op_span, error,
        fmt::format("{} and {} have batch dims {} and {}, which do not broadcast",
                    ctx.input_name(0), ctx.input_name(1), to_string(batch_a), to_string(batch_b)));
  if (!(k == b[db - 2])) {
    auto bs = count_product(*batch);
    if (!bs) return ctx.fail(ctx.st.op_span, "the batch overflows 64 bits");
    return ctx.fail(ctx.st.op_span,
                    fmt::format("Expected size for first two dimensions of batch2 tensor to be: "
                                "[{}, {}] but got: [{}, {}].",
                                *bs, n(k), *bs, n(b[db - 2])),
                    help);
  }
  Shape out = *batch;
  out.push_back(a[da - 2]);
  out.push_back(b[db - 1]);
  return set_product(ctx, out, k);
}

// a: [b, n, k], b: [b, k, p] -> [b, n, p]
bool infer_bmm(RuleContext& ctx) {
  if (!two_inputs(ctx)) return false;
  const Shape& a = ctx.in()[0];
  const Shape& b = ctx.in()[1];
  if (a.size() != 3 || b.size() != 3)
    return ctx.fail(ctx.st.op_span,
                    fmt::format("batch{} must be a 3D tensor", a.size() != 3 ? 1 : 2),
                    fmt::format("{} is {} and {} is {}: bmm multiplies [b, n, k] by [b, k, p] "
                                "(matmul also broadcasts and takes other ranks)",
                                ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b)));
  if (!(b[0] == a[0]) || !(b[1] == a[2]))
    return ctx.fail(ctx.st.op_span,
                    fmt::format("Expected size for first two dimensions of batch2 tensor to be: "
                                "[{}, {}] but got: [{}, {}].",
                                n(a[0]), n(a[2]), n(b[0]), n(b[1])),
                    fmt::format("{} is {} and {} is {}: bmm multiplies [b, n, k] by [b, k, p]",
                                ctx.input_name(0), to_string(a), ctx.input_name(1), to_string(b)));
  return set_product(ctx, {a[0], a[1], b[2]}, a[2]);
}

}  // namespace netshape

namespace netshape {

// () -> [n]: arange(end), arange(start, end[, step]): n = ceil((end - start) / step).
static bool infer_arange(RuleContext& ctx) {
  auto number = [&](const char* param, double& out) {
    const Value& v = ctx.value(param);
    if (v.kind == Value::Kind::Int)
      out = static_cast<double>(v.i);
    else if (v.kind == Value::Kind::Float)
      out = v.f;
    else if (v.kind == Value::Kind::Bool)
      out = v.b ? 1 : 0;
    else
      return ctx.fail_at(param,
                         fmt::format("arange(): {} must be a number, got {}", param, to_source(v)),
                         "e.g. arange(0, 10, 2)");
    return true;
  };
  // PyTorch truncates fractional bounds for an integer dtype, yet counts some dtypes' elements
  // from the untruncated ones (arange(-0.5, 7.5) is 7 int64s, 8 int32s): not followed.
  const Value& dtype = ctx.value("dtype");
  if (dtype.kind == Value::Kind::String && integer_dtype_bytes(dtype.s.str()) > 0)
    for (const char* bound : {"start", "end", "step"})
      if (ctx.value(bound).kind == Value::Kind::Float)
        return ctx.fail_unsupported(
            bound,
            "netshape does not follow arange() with a fractional bound "
            "and an integer dtype",
            "write whole-number bounds, e.g. arange(0, 8, dtype=\"int64\")");
  // arange(x.size(0)) of a batch-sized dim (DGCNN's index base, CLIP's x[torch.arange(B), eot]):
  // its length is that dim; with other bounds it is not followed
  const Value& last = ctx.value(ctx.is_none("end") ? "start" : "end");
  if (last.kind == Value::Kind::DimRef && last.s.str().rfind("#", 0) == 0) {
    const Value& first = ctx.value("start");
    bool from_zero = ctx.is_none("end") || (first.kind == Value::Kind::Int && first.i == 0);
    const Value& step_value = ctx.value("step");
    if (!from_zero || step_value.kind != Value::Kind::Int || step_value.i != 1)
      return ctx.fail_unsupported(
          ctx.is_none("end") ? "start" : "end",
          "netshape follows arange() of a batch-sized dim only from 0 in steps of 1",
          "write torch.arange(x.size(0)), or give the input a number for its batch");
    ctx.attrs.first = 0;
    ctx.attrs.step = 1;
    ctx.set_output(Shape{Dim::of_symbol(last.i, std::string_view(last.s).substr(1))});
    return true;
  }
  double start = 0, end = 0, step = 1;
  if (!number("start", start) || !number("step", step)) return false;
  if (ctx.is_none("end")) {
    end = start;
    start = 0;
  } else if (!number("end", end)) {
    return false;
  }
  if (step == 0) return ctx.fail_at("step", "step must be nonzero", "e.g. arange(0, 10, 2)");
  if ((step > 0 && end < start) || (step < 0 && end > start))
    return ctx.fail_at("step", "upper bound and larger bound inconsistent with step sign",
                       "a positive step needs end >= start, a negative one end <= start");
  double n = std::ceil((end - start) / step);
  if (!(n < 9.2e18)) return ctx.fail_overflow("end", "the number of elements of arange");
  ctx.attrs.first = start;
  ctx.attrs.step = step;
  ctx.set_output(Shape{fixed(static_cast<int64_t>(n))});
  return true;
}

// One of torch.eye's sizes: an int >= 0 (PyTorch's C++ parser takes no bool or float for it).
static std::optional<int64_t> eye_size(RuleContext& ctx, std::string_view param) {
  const Value& v = ctx.value(param);
  if (v.kind == Value::Kind::DimRef) {
    ctx.fail_unsupported(param, "torch.eye of a batch-sized size",
                         "give the identity a fixed size");
    return std::nullopt;
  }
  if (v.kind != Value::Kind::Int) {
    // n has an overload of its own; m only one with n, so its TypeError names the combination
    std::string message =
        param == "n"
            ? fmt::format("eye(): argument 'n' (position 1) must be int, not {}", python_type(v))
            : fmt::format(
                  "eye() received an invalid combination of arguments - got (int, {}), "
                  "but expected one of:",
                  python_type(v));
    ctx.fail_at(param, message,
                param == "n" ? "write torch.eye(<integer>)" : "leave m out for a square matrix");
    return std::nullopt;
  }
  if (v.i < 0) {
    ctx.fail_at(param, fmt::format("{} must be greater or equal to 0, got {}", param, v.i),
                fmt::format("give {} a size of 0 or more", param));
    return std::nullopt;
  }
  return v.i;
}

// n, m=None -> [n, m] ([n, n] without m): the identity, ones on the diagonal
static bool infer_eye(RuleContext& ctx) {
  auto n = eye_size(ctx, "n");
  if (!n) return false;
  auto m = ctx.is_given("m") ? eye_size(ctx, "m") : n;
  if (!m) return false;
  ctx.set_output(Shape{fixed(*n), fixed(*m)});
  return true;
}

// () -> [steps]: torch.linspace(start, end, steps), float32 (its values in forward_source).
static bool infer_linspace(RuleContext& ctx) {
  double bounds[2] = {0, 0};
  const char* names[2] = {"start", "end"};
  for (size_t i = 0; i < 2; ++i) {
    const Value& v = ctx.value(names[i]);
    if (v.kind == Value::Kind::Int)
      bounds[i] = static_cast<double>(v.i);
    else if (v.kind == Value::Kind::Float)
      bounds[i] = v.f;
    else
      return ctx.fail_at(names[i],
                         fmt::format("linspace(): argument '{}' (position {}) must be Number, not "
                                     "{}",
                                     names[i], i + 1, python_type(v)),
                         "e.g. linspace(-1, 1, 8)");
  }
  auto steps = ctx.strict_int_arg("steps", std::numeric_limits<int64_t>::min(),
                                  "give the number of values: linspace(-1, 1, 8)");
  if (!steps) return false;
  if (*steps < 0)
    return ctx.fail_at("steps", "number of steps must be non-negative",
                       "give the number of values: linspace(-1, 1, 8)");
  const Value& dtype = ctx.value("dtype");
  if (dtype.kind == Value::Kind::String && integer_dtype_bytes(dtype.s.str()) > 0)
    return ctx.fail_unsupported("dtype", "netshape does not follow linspace() of integers",
                                "make float values and round them: `.long()`");
  ctx.attrs.first = bounds[0];
  ctx.attrs.last = bounds[1];
  ctx.set_output(Shape{fixed(*steps)});
  return true;
}

// () -> [*size]: a tensor made from nothing. A Parameter's elements are weights (params); the
// others' (zeros, ones, randn, rand, empty) are not.
bool infer_source(RuleContext& ctx) {
  if (ctx.op.kind == OpKind::arange) return infer_arange(ctx);
  if (ctx.op.kind == OpKind::eye) return infer_eye(ctx);
  if (ctx.op.kind == OpKind::linspace) return infer_linspace(ctx);
  std::string example = fmt::format("{}(1, 1, 768)", ctx.op.name);
  Shape none;
  auto sizes = list_arg<Dim>(ctx, "SymInts", size_entry(none), example);
  if (!sizes) return false;
  for (const Dim& d : *sizes) {
    if (d.symbolic() || d.value >= 0) continue;
    return ctx.fail(ctx.st.op_span,
                    fmt::format("Trying to create tensor with negative dimension {}: {}", d.value,
                                dims_list(*sizes)),
                    "sizes are 0 or more");
  }
  Shape s;
  for (const Dim& d : *sizes) s.push_back(d);
  if (ctx.op.kind == OpKind::parameter) {
    std::vector<int64_t> dims;
    for (const Dim& d : s) {
      if (d.symbolic())
        return ctx.fail(
            ctx.st.op_span,
            fmt::format("a parameter of size {} depends on the batch", dims_list(*sizes)),
            "a parameter's size is fixed when the model is built");
      dims.push_back(d.value);
    }
    if (!ctx.add_weight("weight", dims)) return false;
  }
  ctx.set_output(s);
  return true;
}

}  // namespace netshape

namespace netshape {

// x: [*, n, m] -> [*, n, m]: tril/triu zero what lies above/below the `diagonal`-th diagonal of
// each matrix (the last two dims); PyTorch's check is its dim -2 (messages of 1.13)
bool infer_triangle(RuleContext& ctx) {
  auto diagonal = ctx.strict_int_arg("diagonal", std::numeric_limits<int64_t>::min());
  if (!diagonal) return false;
  const Shape& x = ctx.x();
  std::string help = fmt::format("{} is {}: {} takes matrices (at least 2 dims)", ctx.input_name(0),
                                 to_string(x), ctx.op.name);
  if (x.empty())
    return ctx.fail_input("Dimension specified as -2 but tensor has no dimensions", help);
  if (x.size() == 1) return ctx.fail_input(dim_out_of_range("-2", 1), help);
  ctx.attrs.diagonal = *diagonal;
  ctx.set_output(x);
  return true;
}

}  // namespace netshape
