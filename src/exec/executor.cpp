// Runs an analysed model layer by layer: deterministic weights, a random input, one reference
// forward per op (generated from ops.def), and a shape check after every layer.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <span>
#include <stdexcept>
#include <string_view>

#include "buffer_pool.hpp"
#include "forward.hpp"
#include "netshape/exec.hpp"
#include "netshape/memory.hpp"
#include "netshape/normed_weight.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

using ForwardFn = void (*)(ForwardCtx&);

constexpr ForwardFn kForwards[] = {
#define NS_OP(id, name, nd, family, kind, schema) &forward_##family,
#include "netshape/ops.def"
#undef NS_OP
};
static_assert(std::size(kForwards) == kOpCount, "every op in ops.def needs a reference forward");

// splitmix64: small, fast and the same on every platform, so --seed reproduces tensors.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(next() >> 40) / 16777216.0f;
  }
};

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// estimate_memory, also giving the bytes it counts in use while each layer runs (by layer index,
// up to where the estimate stops).
MemoryEstimate estimate_by_layer(const Analysis& a, const ExecOptions& opts,
                                 std::vector<int64_t>* layer_bytes);

// The layer that owns a layer's parameters: itself, or the first call of a reused module.
const LayerInfo& param_owner(const Analysis& a, const LayerInfo& l) {
  return l.shares_params_with < a.layers.size() ? a.layers[l.shares_params_with] : l;
}

// PyTorch's default init bound for layers with a fan-in: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// Seeded by the owner's name, so a reused module gets the same weights at every call. `first`
// is the layer's first parameter as the layer has it without weight_norm (its `weight`).
Tensor random_weight(const LayerInfo& owner, const LayerInfo& l, const ParamTensor& first,
                     const ParamTensor& p, uint64_t seed, BufferPool& pool) {
  Tensor t;
  t.shape.assign(p.shape.begin(), p.shape.end());
  t.data = pool.take(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)));  // all overwritten
  if (op_info(l.op).family == Family::prelu) {  // nn.PReLU's init: one value, 0.25 by default
    std::fill(t.data.begin(), t.data.end(), static_cast<float>(l.attrs->init));
    return t;
  }
  Rng rng{seed ^ hash_name(std::string(owner.name) + "." + std::string(p.name))};
  int64_t fan_in = 1;
  for (size_t i = 1; i < first.shape.size(); ++i) fan_in *= first.shape[i];
  bool norm = first.shape.size() == 1 || op_info(l.op).family == Family::layer_norm;
  float bound = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fan_in, 1)));
  for (float& v : t.data)
    v = norm && p.name == "weight" ? rng.uniform(0.5f, 1.5f) : rng.uniform(-bound, bound);
  return t;
}

// weight_norm's norms of v over every dim but wn.dim (one norm for the whole weight), in double:
// `slice` gives the norm an element of v belongs to.
struct WeightNorms {
  std::vector<double> norms;
  int64_t inner = 1, size = 1;  // the elements after the dim, and its size
  size_t slice(size_t i) const {
    return static_cast<size_t>(static_cast<int64_t>(i) / inner % size);
  }
};
WeightNorms norms_except_dim(const Tensor& v, const StatementExtras::NormedWeight& wn) {
  WeightNorms n;
  if (!wn.whole) {
    auto dim = static_cast<size_t>(*wrap_dim(wn.dim, static_cast<int64_t>(v.shape.size())));
    n.size = v.shape[dim];
    for (size_t d = dim + 1; d < v.shape.size(); ++d) n.inner *= v.shape[d];
  }
  n.norms.assign(static_cast<size_t>(n.size), 0.0);
  for (size_t i = 0; i < v.data.size(); ++i) n.norms[n.slice(i)] += double{v.data[i]} * v.data[i];
  for (double& x : n.norms) x = std::sqrt(x);
  return n;
}

// What a layer under weight_norm or spectral_norm runs with besides its parameters.
struct NormedRun {
  Tensor weight;  // the weight forward reads, rebuilt from the parameters
  std::vector<std::pair<std::string_view, Tensor>> buffers;  // spectral_norm's weight_u, weight_v
};

size_t param_index(const ParamTensors& ps, std::string_view name) {
  auto at =
      std::find_if(ps.begin(), ps.end(), [&](const ParamTensor& p) { return p.name == name; });
  return static_cast<size_t>(at - ps.begin());
}

// The layer's parameters, `drawn` (weight_v, weight_orig) drawn as the plain layer's weight
// would be, so `run` gives the same values with and without the normalisation; `skip` (weight_g)
// is left to the caller.
std::vector<Tensor> draw_normed(const LayerInfo& owner, const LayerInfo& l, uint64_t seed,
                                BufferPool& pool, size_t drawn, size_t skip = SIZE_MAX) {
  const ParamTensors& ps = *l.weights;
  ParamTensor plain{"weight", ps[drawn].shape};
  std::vector<Tensor> weights(ps.size());
  for (size_t i = 0; i < ps.size(); ++i)
    if (i != skip)
      weights[i] = random_weight(owner, l, plain, i == drawn ? plain : ps[i], seed, pool);
  return weights;
}

// weight_norm: v is drawn as the layer's weight would be, g is v's norms (as weight_norm sets
// it), and forward reads the weight rebuilt from them, v * (g / ||v||), as PyTorch's pre-forward
// hook rebuilds it.
std::vector<Tensor> weight_normed(const LayerInfo& owner, const LayerInfo& l, uint64_t seed,
                                  BufferPool& pool, NormedRun& run) {
  const ParamTensors& ps = *l.weights;
  size_t gi = param_index(ps, "weight_g"), vi = param_index(ps, "weight_v");
  std::vector<Tensor> weights = draw_normed(owner, l, seed, pool, vi, gi);
  const Tensor& v = weights[vi];
  WeightNorms n = norms_except_dim(v, *l.statement->extras().normed_weight);
  Tensor& g = weights[gi];
  g.shape.assign(ps[gi].shape.begin(), ps[gi].shape.end());
  g.data = pool.take(n.norms.size());
  for (size_t k = 0; k < n.norms.size(); ++k) g.data[k] = static_cast<float>(n.norms[k]);
  run.weight.shape = v.shape;
  run.weight.data = pool.take(v.data.size());
  for (size_t i = 0; i < v.data.size(); ++i) {
    size_t k = n.slice(i);
    run.weight.data[i] = static_cast<float>(v.data[i] * (g.data[k] / n.norms[k]));
  }
  return weights;
}

// A vector of `n` values of length 1 (spectral_norm's u and v), seeded by its name.
Tensor unit_vector(const LayerInfo& owner, std::string_view name, int64_t n, uint64_t seed,
                   BufferPool& pool) {
  Rng rng{seed ^ hash_name(std::string(owner.name) + "." + std::string(name))};
  Tensor t;
  t.shape = {n};
  t.data = pool.take(static_cast<size_t>(n));
  double norm = 0;
  for (float& x : t.data) {
    x = rng.uniform(-1.0f, 1.0f);
    norm += double{x} * x;
  }
  float scale = static_cast<float>(1.0 / std::max(std::sqrt(norm), 1e-12));  // normalize()'s eps
  for (float& x : t.data) x *= scale;
  return t;
}

// spectral_norm: weight_orig is drawn as the layer's weight would be, the buffers u and v as
// unit vectors; forward reads weight_orig / sigma, sigma = u . (W v) with W the weight as a
// matrix (weight_matrix), as PyTorch's pre-forward hook computes it in eval mode (no power
// iteration).
std::vector<Tensor> spectral_normed(const LayerInfo& owner, const LayerInfo& l, uint64_t seed,
                                    BufferPool& pool, NormedRun& run) {
  size_t oi = param_index(*l.weights, "weight_orig");
  std::vector<Tensor> weights = draw_normed(owner, l, seed, pool, oi);
  const Tensor& w = weights[oi];
  int64_t dim = l.statement->extras().normed_weight->dim;
  WeightMatrix m = weight_matrix((*l.weights)[oi].shape, dim);
  Tensor u = unit_vector(owner, "weight_u", m.rows, seed, pool);
  Tensor v = unit_vector(owner, "weight_v", m.cols, seed, pool);
  int64_t inner = 1;  // the elements after the dim: W[row][col] is w[outer, row, in]
  for (size_t d = static_cast<size_t>(dim) + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<double> wv(static_cast<size_t>(m.rows), 0.0);
  for (size_t f = 0; f < w.data.size(); ++f) {
    int64_t i = static_cast<int64_t>(f);
    int64_t row = i / inner % m.rows, col = i / (inner * m.rows) * inner + i % inner;
    wv[static_cast<size_t>(row)] += double{w.data[f]} * v.data[static_cast<size_t>(col)];
  }
  double sigma = 0;
  for (size_t r = 0; r < wv.size(); ++r) sigma += u.data[r] * wv[r];
  auto s = static_cast<float>(sigma);
  run.weight.shape = w.shape;
  run.weight.data = pool.take(w.data.size());
  for (size_t f = 0; f < w.data.size(); ++f) run.weight.data[f] = w.data[f] / s;
  run.buffers.emplace_back("weight_u", std::move(u));
  run.buffers.emplace_back("weight_v", std::move(v));
  return weights;
}

std::vector<Tensor> normed_weights(const LayerInfo& owner, const LayerInfo& l, uint64_t seed,
                                   BufferPool& pool, NormedRun& run) {
  if (l.statement->extras().normed_weight->kind ==
      StatementExtras::NormedWeight::Kind::spectral_norm)
    return spectral_normed(owner, l, seed, pool, run);
  return weight_normed(owner, l, seed, pool, run);
}

}  // namespace

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Tensor Tensor::zeros(std::vector<int64_t> shape) {
  Tensor t;
  t.shape = std::move(shape);
  t.data.assign(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)), 0.0f);
  return t;
}

const Tensor* ForwardCtx::weight(const std::string& name) const {
  for (size_t i = 0; i < layer.weights->size() && i < weights.size(); ++i)
    if ((*layer.weights)[i].name == name) return weights[i];
  return name == "weight" ? rebuilt_weight : nullptr;
}

Tensor ForwardCtx::zeros(std::vector<int64_t> shape) const {
  if (!pool) return Tensor::zeros(std::move(shape));
  Tensor t;
  t.shape = std::move(shape);
  t.data = pool->take_zeroed(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)));
  return t;
}

Tensor ForwardCtx::for_overwrite(std::vector<int64_t> shape) const {
  if (!pool) return Tensor::zeros(std::move(shape));
  Tensor t;
  t.shape = std::move(shape);
  t.data = pool->take(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)));
  return t;
}

std::vector<int64_t> bind_shape(const Shape& s, int64_t batch) {
  auto bound = bind_batch(s, batch);
  // run's memory guard has bound every shape (estimate_memory) before a forward asks for it.
  if (!bound) throw ForwardError("a dim with the batch bound leaves int64");
  return *bound;
}

// Whether layer i is a convolution whose output is read only by the ReLU right after it: the
// kernel can then apply the ReLU as it writes (ReLU of the result is unchanged by a second ReLU).
bool fusable_relu(const Analysis& a, size_t i, const std::vector<size_t>& last) {
  const LayerInfo& l = a.layers[i];
  const Family family = op_info(l.op).family;
  const bool conv =
      family == Family::conv || family == Family::conv_transpose || is_functional_conv(family);
  if (!conv || i + 1 >= a.layers.size()) return false;
  const LayerInfo& next = a.layers[i + 1];
  bool relu = op_info(next.op).kind == OpKind::relu;
  return relu && next.input_ids.size() == 1 && next.input_ids[0] == l.output_id &&
         last[l.output_id] == i + 1;
}

// The inputs of layer `l` whose values its output holds unchanged: a view's or repeat's first
// input, every input of cat, stack and setitem; none for any other layer.
static std::span<const TensorId> values_moved_from(const LayerInfo& l) {
  const Family family = op_info(l.op).family;
  if (l.input_ids.empty()) return {};
  if (family == Family::cat || family == Family::stack || family == Family::setitem)
    return l.input_ids;
  if (family == Family::repeat || family_info(family).layout == LayoutRule::View)
    return std::span<const TensorId>(l.input_ids).first(1);
  return {};
}

// For each tensor: the smallest bound of the indices it is read as (an Embedding's rows, one_hot's
// num_classes, the size gather indexes), directly or through layers that move values unchanged
// (views, repeat, cat, stack, setitem); 0 when none does.
// An input read so is drawn as indices below that, the token ids a text model is given; another
// input of whole numbers (`long`) below kWholeInputsBelow, of bools 0 or 1; every other input
// uniformly from [-1, 1].
constexpr float kWholeInputsBelow = 16.0f;

// The tensor layer `l` reads as indices and the bound they must stay below: an Embedding's ids
// (its rows), one_hot's (num_classes), gather's and index's index tensor (the input's size along
// its dim, when it is a number); nullopt for any other layer.
static std::optional<std::pair<TensorId, int64_t>> indices_read(const Analysis& a,
                                                                const LayerInfo& l) {
  const Family family = op_info(l.op).family;
  if (l.input_ids.empty() || !l.attrs) return std::nullopt;
  if (family == Family::embedding) return std::pair{l.input_ids[0], l.attrs->in_channels};
  if (family == Family::one_hot) return std::pair{l.input_ids[0], l.attrs->num_classes};
  if ((family != Family::gather && family != Family::index) || l.input_ids.size() != 2)
    return std::nullopt;
  const Shape& x = a.shape_of(l.input_ids[0]);
  auto dim = static_cast<size_t>(l.attrs->dim);
  if (x.empty()) return std::pair{l.input_ids[1], int64_t{1}};
  if (dim >= x.size()) return std::nullopt;
  // along the batch, whose size `run` binds later: below 1, as every batch has that row
  return std::pair{l.input_ids[1], x[dim].symbolic() ? int64_t{1} : x[dim].value};
}

std::vector<int64_t> index_bounds(const Analysis& a) {
  std::vector<int64_t> bound(a.tensor_count, 0);
  for (const LayerInfo& l : a.layers) {
    std::optional<std::pair<TensorId, int64_t>> read = indices_read(a, l);
    if (!read) continue;
    auto [first, rows] = *read;
    std::vector<TensorId> pending{first};  // each step goes to an earlier layer
    while (!pending.empty()) {
      TensorId t = pending.back();
      pending.pop_back();
      if (t >= a.tensor_count || (bound[t] != 0 && bound[t] <= rows)) continue;  // seen
      bound[t] = rows;
      if (const LayerInfo* maker = a.maker_of(t))
        for (TensorId from : values_moved_from(*maker)) pending.push_back(from);
    }
  }
  return bound;
}

// For each tensor an EmbeddingBag reads as its offsets: how many indices they split into bags
// (-1 for every other tensor), and whether the last offset is their end (include_last_offset). An
// input read so is drawn as the starts of bags of nearly equal size: offsets PyTorch accepts,
// which random numbers would not be.
struct BagOffsets {
  int64_t indices = -1;
  bool include_last = false;
};
static std::vector<BagOffsets> bag_offsets(const Analysis& a, int64_t batch) {
  std::vector<BagOffsets> offsets(a.tensor_count);
  for (const LayerInfo& l : a.layers) {
    if (l.op != OpId::EmbeddingBag || !l.attrs || l.attrs->offsets_input < 0) continue;
    TensorId t = l.input_ids[static_cast<size_t>(l.attrs->offsets_input)];
    if (t >= a.tensor_count) continue;
    int64_t n = 1;
    for (int64_t d : bind_shape(a.shape_of(l.input_ids[0]), batch)) n *= d;
    offsets[t] = BagOffsets{n, l.attrs->include_last_offset};
  }
  return offsets;
}

// One start per element of `t` splitting `how.indices` indices into bags of nearly equal size
// (with include_last, the last element is the end of the last bag).
static void draw_offsets(Tensor& t, BagOffsets how) {
  auto m = static_cast<int64_t>(t.data.size());
  int64_t bags = how.include_last ? m - 1 : m;
  for (int64_t i = 0; i < m; ++i)
    t.data[static_cast<size_t>(i)] = bags <= 0 ? 0.0f : static_cast<float>(i * how.indices / bags);
}

// For each tensor: whether an attention layer reads it as a bool mask (true masks a key). An
// input read so is drawn as 0 or 1, a quarter of it 1, as a padding mask might be: drawn from
// [-1, 1] like the others, nearly every key would be masked.
std::vector<bool> bool_masks(const Analysis& a) {
  std::vector<bool> masks(a.tensor_count, false);
  for (const LayerInfo& l : a.layers) {
    if (op_info(l.op).family != Family::attention || !l.attrs) continue;
    const Attrs& at = *l.attrs;
    auto mark = [&](int input, bool boolean) {
      if (input >= 0 && static_cast<size_t>(input) < l.input_ids.size() && boolean &&
          l.input_ids[static_cast<size_t>(input)] < a.tensor_count)
        masks[l.input_ids[static_cast<size_t>(input)]] = true;
    };
    mark(at.attn_mask_input, at.attn_mask_masks);
    mark(at.key_padding_mask_input, at.key_padding_mask_masks);
  }
  return masks;
}

// The inputs of `l` that forward changed with no row (`x * 2` read by a Linear): a copy of
// each with its steps applied, which `in` then points at. Reserved, so the pointers stay valid.
static std::vector<Tensor> stepped_inputs(const LayerInfo& l, std::vector<const Tensor*>& in,
                                          BufferPool& pool) {
  std::vector<Tensor> copies;
  if (!l.statement) return copies;
  const auto& copied = l.statement->extras().copied_inputs;
  copies.reserve(copied.size());
  for (const StatementExtras::CopiedInput& c : copied) {
    if (c.steps.empty() || c.input >= in.size()) continue;
    Tensor& t = copies.emplace_back();
    t.shape = in[c.input]->shape;
    t.data = pool.take(in[c.input]->data.size());
    std::copy(in[c.input]->data.begin(), in[c.input]->data.end(), t.data.begin());
    apply_value_steps(c.steps, t.data);
    in[c.input] = &t;
  }
  return copies;
}

ExecResult execute(const Analysis& a, const ExecOptions& opts) {
  ExecResult r;
  std::vector<std::optional<Tensor>> live(a.tensor_count);  // by tensor id
  auto last = last_readers(a);
  // Freed buffers are reused, but the pool may hold only what the memory estimate leaves beside
  // the layer running: then what is in use never exceeds the estimated peak (run's guard).
  std::vector<int64_t> in_use_at;  // what the estimate counts in use while layer i runs
  const int64_t peak = estimate_by_layer(a, opts, &in_use_at).peak_bytes.value_or(0);
  BufferPool pool;
  auto pool_limit_at = [&](size_t layer) {
    return layer < in_use_at.size() ? peak - in_use_at[layer] : 0;
  };
  pool.limit_to(pool_limit_at(0));
  // Hands a tensor to the sink; false (with r.error set) when the sink refuses it.
  auto give = [&](std::string_view name, const Tensor& t) {
    if (!opts.sink) return true;
    r.sink_error = opts.sink(std::string(name), t);
    if (r.sink_error.empty()) return true;
    r.error = r.sink_error;
    return false;
  };
  const bool keep = opts.keep_outputs, fuse = !keep && !opts.sink;
  Rng input_rng{opts.seed ^ 0x5eedULL};
  const std::vector<int64_t> indices_below = index_bounds(a);
  const std::vector<bool> drawn_as_bool = bool_masks(a);
  const std::vector<BagOffsets> offsets_of = bag_offsets(a, opts.batch);
  for (size_t k = 0; k < a.inputs.size(); ++k) {
    const auto& [name, shape] = a.inputs[k];
    // Made in place: the input is held once (plus a copy in the result with keep_outputs).
    Tensor& t = live[a.input_ids[k]].emplace(Tensor::zeros(bind_shape(shape, opts.batch)));
    auto values = k < a.input_values.size() ? a.input_values[k] : InputDecl::Values::real;
    if (offsets_of[a.input_ids[k]].indices >= 0) {
      draw_offsets(t, offsets_of[a.input_ids[k]]);
    } else if (int64_t rows = indices_below[a.input_ids[k]]; rows > 0) {
      for (float& v : t.data)
        v = std::min(std::floor(input_rng.uniform(0.0f, static_cast<float>(rows))),
                     static_cast<float>(rows - 1));
    } else if (drawn_as_bool[a.input_ids[k]] || values == InputDecl::Values::boolean) {
      for (float& v : t.data) v = input_rng.uniform(0.0f, 1.0f) < 0.25f ? 1.0f : 0.0f;
    } else if (values == InputDecl::Values::whole) {  // a `long` input no Embedding reads
      for (float& v : t.data)
        v = std::min(std::floor(input_rng.uniform(0.0f, kWholeInputsBelow)), kWholeInputsBelow - 1);
    } else {
      for (float& v : t.data) v = input_rng.uniform(-1.0f, 1.0f);
    }
    if (keep) r.inputs.emplace_back(name, t);
    if (!give("input." + name, t)) return r;
  }
  for (const LayerInfo& l : a.layers) {
    size_t index = static_cast<size_t>(&l - a.layers.data());
    pool.limit_to(pool_limit_at(index));
    std::vector<Tensor> weights;
    const LayerInfo& owner = param_owner(a, l);
    NormedRun normed;  // a layer under weight_norm or spectral_norm
    bool is_normed = l.statement && l.statement->extras().normed_weight;
    if (is_normed) {
      weights = normed_weights(owner, l, opts.seed, pool, normed);
    } else {
      for (const ParamTensor& p : *l.weights)
        weights.push_back(random_weight(owner, l, l.weights->front(), p, opts.seed, pool));
    }
    Tensor out;
    ForwardCtx ctx{l, {}, {}, out, opts.threads, opts.batch, fuse && fusable_relu(a, index, last)};
    ctx.pool = &pool;
    if (is_normed) ctx.rebuilt_weight = &normed.weight;
    for (TensorId t : l.input_ids) ctx.in.push_back(&live[t].value());
    std::vector<Tensor> stepped;
    LayerRun run;
    run.name = l.name;
    run.expected = bind_shape(*l.output, opts.batch);
    try {
      stepped = stepped_inputs(l, ctx.in, pool);
    } catch (const ForwardError& e) {  // an integer divided by 0, as PyTorch raises it
      r.error = std::string(l.name) + ": " + e.what();
      r.layers.push_back(run);
      return r;
    }
    if (!l.input_ids.empty() && last[l.input_ids[0]] == index &&
        std::count(l.input_ids.begin(), l.input_ids.end(), l.input_ids[0]) == 1)
      ctx.dying_x = &live[l.input_ids[0]].value();
    for (Tensor& t : stepped) {  // each read only here: the forward may take it as its output
      auto read_at = std::find(ctx.in.begin(), ctx.in.end(), &t) - ctx.in.begin();
      if (read_at == 0) ctx.dying_x = &t;
    }
    for (const Tensor& w : weights) ctx.weights.push_back(&w);
    auto start = std::chrono::steady_clock::now();
    try {
      if (op_info(l.op).family == Family::conv) prepare_conv(ctx);  // part of making weights
      start = std::chrono::steady_clock::now();
      kForwards[static_cast<size_t>(l.op)](ctx);
    } catch (const ForwardError& e) {
      r.error = std::string(l.name) + ": " + e.what();
      r.layers.push_back(run);
      return r;
    }
    run.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    run.actual = out.shape;
    run.match = run.actual == run.expected;
    r.layers.push_back(run);
    if (&owner == &l) {  // a reused module's weights were saved with its first call
      for (size_t i = 0; i < weights.size(); ++i) {
        std::string name = std::string(l.name) + "." + std::string((*l.weights)[i].name);
        if (!give(name, weights[i])) return r;
        if (keep) r.weights.emplace_back(std::move(name), std::move(weights[i]));
      }
      for (auto& [buffer, t] : normed.buffers) {  // saved too: PyTorch's state_dict has them
        std::string name = std::string(l.name) + "." + std::string(buffer);
        if (!give(name, t)) return r;
        if (keep) r.weights.emplace_back(std::move(name), std::move(t));
      }
    }
    if (!run.match) {
      r.error =
          std::string(l.name) + ": the forward pass produced a different shape than inference";
      return r;
    }
    if (!give(l.name, out)) return r;
    if (keep) r.outputs.emplace_back(l.name, out);
    pool.give(std::move(ctx.packed_weights));  // left when the forward stopped before its use
    for (Tensor& t : stepped) pool.give(std::move(t.data));
    for (Tensor& w : weights) pool.give(std::move(w.data));  // moved out when kept
    pool.give(std::move(normed.weight.data));
    for (auto& buffer : normed.buffers) pool.give(std::move(buffer.second.data));
    for (TensorId t : l.input_ids) {
      if (last[t] != index || !live[t]) continue;
      pool.give(std::move(live[t]->data));
      live[t].reset();
    }
    if (last[l.output_id] != kNeverRead)
      live[l.output_id] = std::move(out);
    else
      pool.give(std::move(out.data));
  }
  for (size_t k = 0; k < a.outputs.size(); ++k) {
    const std::string& name = a.outputs[k].first;
    std::optional<Tensor>& held = live[a.output_ids[k]];
    if (!held) continue;
    // Moved out of `live`, not copied; a name listed twice gets a copy of its first entry.
    auto first = std::find_if(r.model_outputs.begin(), r.model_outputs.end(),
                              [&](const auto& e) { return e.first == name; });
    Tensor t = first != r.model_outputs.end() ? first->second : std::move(*held);
    if (first == r.model_outputs.end() && k < a.output_steps.size())
      apply_value_steps(a.output_steps[k], t.data);  // `return h * 2`
    r.model_outputs.emplace_back(name, std::move(t));
  }
  r.match = true;
  return r;
}

namespace {

// Bytes of a float32 parameter tensor; nullopt on overflow.
std::optional<int64_t> param_bytes(const ParamTensor& p) {
  auto n = checked_product(p.shape);
  return n ? (Checked(*n) * int64_t{sizeof(float)}).get() : std::nullopt;
}

// Float32 bytes of inference's shape `s` with the batch bound; nullopt on overflow.
std::optional<int64_t> tensor_bytes(const Shape& s, int64_t batch) {
  auto n = elements_at_batch(s, batch);
  return n ? (Checked(*n) * int64_t{sizeof(float)}).get() : std::nullopt;
}

// Bytes a forward allocates besides its inputs, weights and output: the convolutions' padded
// copies and packed kernels (transposed: packed weights and the input panel of each of
// `threads` threads), the double accumulators of mean.
std::optional<int64_t> scratch_bytes(const Analysis& a, const LayerInfo& l, int64_t batch,
                                     int threads) {
  Family family = op_info(l.op).family;
  bool transposed = family == Family::conv_transpose || family == Family::conv_transpose_functional;
  if (family == Family::conv || family == Family::conv_functional || transposed) {
    if (l.input_ids.empty()) return 0;
    auto in = bind_batch(a.input_shape(l, 0), batch);
    if (!in) return std::nullopt;
    try {
      return transposed ? conv_transpose_scratch_bytes(l, *in, threads)
                        : conv_scratch_bytes(l, *in);
    } catch (const ForwardError&) {
      return 0;  // the forward stops at this layer with the same error, before allocating
    } catch (const std::invalid_argument&) {
      return 0;  // the kernel refuses the parameters the same way, before allocating
    }
  }
  if (family == Family::mean) {
    // doubles: 2 x the float32 output (sums, positions); var and std keep their squares too
    OpKind kind = op_info(l.op).kind;
    int64_t copies = kind == OpKind::var || kind == OpKind::std ? 3 : 2;
    auto out = tensor_bytes(*l.output, batch);
    return out ? (Checked(*out) * copies).get() : std::nullopt;
  }
  return 0;
}

// A pooling window's taps that can land in the input: at most the kernel's extent, and never
// more than the input along that axis.
Checked pooling_taps(const Analysis& a, const LayerInfo& l) {
  const auto& kernel = l.attrs->kernel_size;
  if (l.input_ids.empty() || kernel.empty()) return 1;
  const Shape& in = a.input_shape(l, 0);
  Checked taps = 1;
  for (size_t i = 0; i < kernel.size() && i < in.size(); ++i)
    taps = taps * std::min(kernel[kernel.size() - 1 - i], in[in.size() - 1 - i].value);
  return taps;
}

// The products einsum's forward computes: one per point of all its loops (summed or not, the
// reference runs them all), the loops' sizes read off its inputs at the run's batch.
Checked einsum_products(const Analysis& a, const LayerInfo& l, int64_t batch) {
  const Attrs& attrs = *l.attrs;
  std::vector<int64_t> size(static_cast<size_t>(attrs.loops), 1);
  for (size_t i = 0; i < l.input_ids.size() && i < attrs.operand_loops.size(); ++i) {
    auto dims = bind_batch(a.shape_of(l.input_ids[i]), batch);
    if (!dims) return Checked::overflowed();
    einsum_read_loops(size, attrs.operand_loops[i], *dims);
  }
  Checked products = 1;
  for (int64_t s : size) products = products * s;
  return products;
}

}  // namespace

WorkEstimate estimate_work(const Analysis& a, const ExecOptions& opts) {
  WorkEstimate w;
  Checked total = 0;
  int64_t largest = -1;
  for (const LayerInfo& l : a.layers) {
    if (!l.output) break;
    Family family = op_info(l.op).family;
    auto out = elements_at_batch(*l.output, opts.batch);
    Checked elements = out ? Checked(*out) : Checked::overflowed();
    for (TensorId t : l.input_ids) {
      auto in = elements_at_batch(a.shape_of(t), opts.batch);
      elements = elements + (in ? Checked(*in) : Checked::overflowed());
    }
    Checked layer = Checked(l.macs) * opts.batch + elements;
    if (family == Family::max_pool || family == Family::avg_pool)
      layer = layer + elements * pooling_taps(a, l);
    if (family == Family::einsum) layer = layer + einsum_products(a, l, opts.batch);
    total = total + layer;
    if (!layer.ok()) break;
    if (*layer.get() > largest) {
      largest = *layer.get();
      w.largest_at = l.name;
    }
  }
  w.operations = total.get();
  return w;
}

namespace {

MemoryEstimate estimate_by_layer(const Analysis& a, const ExecOptions& opts,
                                 std::vector<int64_t>* layer_bytes) {
  MemoryEstimate e;
  auto last = last_readers(a);
  std::vector<int64_t> live(a.tensor_count, -1);  // bytes of each live activation, by tensor id
  Checked live_sum = 0, kept = 0, peak = 0, sink = 0;
  auto at_peak = [&](Checked now, std::string_view where, int64_t layer) {
    if (!now.ok() || !peak.ok()) {
      peak = Checked::overflowed();
      return;
    }
    if (*now.get() > *peak.get()) {
      peak = now;
      e.peak_at = where;
      e.peak_layer = layer;
    }
  };
  auto fail = [&] {
    e.peak_bytes = std::nullopt;
    return e;
  };
  for (size_t k = 0; k < a.inputs.size(); ++k) {
    const auto& [name, shape] = a.inputs[k];
    auto bytes = tensor_bytes(shape, opts.batch);
    if (!bytes) return fail();
    live_sum = live_sum + *bytes;
    live[a.input_ids[k]] = *bytes;
    if (opts.keep_outputs) kept = kept + *bytes;
    sink = sink + *bytes;
    ++e.sink_tensors;
    at_peak(live_sum + kept, "input " + name, -1);
  }
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    if (!l.output) break;
    Checked weights = 0;
    for (const ParamTensor& p : *l.weights) {
      auto b = param_bytes(p);
      weights = b ? weights + *b : Checked::overflowed();
      // The weight weight_norm (spectral_norm) rebuilds from weight_v (weight_orig), of its
      // shape, and spectral_norm's u and v: alive while the layer runs.
      if (p.name == "weight_v" || p.name == "weight_orig")
        weights = b ? weights + *b : Checked::overflowed();
      if (p.name == "weight_orig") {
        WeightMatrix m = weight_matrix(p.shape, l.statement->extras().normed_weight->dim);
        weights = weights + Checked(m.rows) * 4 + Checked(m.cols) * 4;
      }
    }
    auto out = tensor_bytes(*l.output, opts.batch);
    // Scratch only once the output and weights fit: its channel rounding assumes they do.
    auto scratch =
        out && weights.ok() ? scratch_bytes(a, l, opts.batch, opts.threads) : std::nullopt;
    if (!scratch) {
      e.peak_at = l.name;
      e.peak_layer = static_cast<int64_t>(i);
      return fail();
    }
    Checked stepped = 0;  // the copies of inputs forward changed with no row (stepped_inputs)
    if (l.statement) {
      for (const StatementExtras::CopiedInput& c : l.statement->extras().copied_inputs) {
        if (c.steps.empty() || c.input >= l.input_ids.size()) continue;
        auto bytes = tensor_bytes(a.input_shape(l, c.input), opts.batch);
        stepped = bytes ? stepped + *bytes : Checked::overflowed();
      }
    }
    const Checked in_use = live_sum + kept + weights + *out + *scratch + stepped;
    at_peak(in_use, l.name, static_cast<int64_t>(i));
    if (layer_bytes) layer_bytes->push_back(in_use.get().value_or(INT64_MAX));
    if (&param_owner(a, l) == &l) {
      sink = sink + weights;
      e.sink_tensors += l.weights->size();
      if (opts.keep_outputs) kept = kept + weights;
    }
    sink = sink + *out;
    ++e.sink_tensors;
    if (opts.keep_outputs) kept = kept + *out;
    for (TensorId t : l.input_ids) {
      if (live[t] >= 0 && last[t] == i) {
        live_sum = live_sum - live[t];
        live[t] = -1;
      }
    }
    if (last[l.output_id] != kNeverRead) {
      live_sum = live_sum + *out;
      live[l.output_id] = *out;
    }
    if (!peak.ok()) return fail();
  }
  e.peak_bytes = peak.get();
  e.sink_bytes = sink.get();
  return e;
}

}  // namespace

MemoryEstimate estimate_memory(const Analysis& a, const ExecOptions& opts) {
  return estimate_by_layer(a, opts, nullptr);
}

std::string write_npy(const std::string& path, const Tensor& t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape +=
        std::to_string(t.shape[i]) + (t.shape.size() == 1 || i + 1 < t.shape.size() ? "," : "");
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Version 1.0 has a 2-byte header length; a header beyond it (thousands of dims) needs 2.0.
  const bool v2 = header.size() + 1 + 64 > 65535;
  const size_t preamble = v2 ? 12 : 10;
  size_t total = preamble + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";  // pad so data starts 64-aligned
  std::string pre = v2 ? std::string("\x93NUMPY\x02\x00", 8) : std::string("\x93NUMPY\x01\x00", 8);
  const size_t len = header.size();
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) pre += static_cast<char>((len >> (8 * i)) & 0xff);
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return std::strerror(errno);
  const size_t bytes = t.data.size() * sizeof(float);
  bool ok = std::fwrite(pre.data(), 1, pre.size(), f) == pre.size() &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            (bytes == 0 || std::fwrite(t.data.data(), 1, bytes, f) == bytes);
  int why = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {  // buffered data is written (and can fail) only here
    ok = false;
    why = errno;
  }
  if (ok) return "";
  std::remove(path.c_str());
  return why ? std::strerror(why) : "write failed";
}

}  // namespace netshape
