// estimate_model_memory: parameters, the inference peak of live activations, and what a training
// step holds. What autograd saves for backward follows PyTorch 1.13's derivatives (which tensor
// each op's backward reads); docs/counting.md, "Memory", states each rule.
#include "netshape/memory.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "netshape/checked.hpp"
#include "netshape/conventions.hpp"
#include "netshape/op_table.hpp"

namespace netshape {

std::optional<DType> parse_dtype(std::string_view name) {
  if (name == "float32") return DType::float32;
  if (name == "float16") return DType::float16;
  if (name == "bfloat16") return DType::bfloat16;
  if (name == "int8") return DType::int8;
  return std::nullopt;
}

std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::float32:
      return "float32";
    case DType::float16:
      return "float16";
    case DType::bfloat16:
      return "bfloat16";
    case DType::int8:
      return "int8";
  }
  return "float32";
}

int64_t dtype_bytes(DType d) {
  switch (d) {
    case DType::float32:
      return 4;
    case DType::float16:
    case DType::bfloat16:
      return 2;
    case DType::int8:
      return 1;
  }
  return 4;
}

std::vector<size_t> last_readers(const Analysis& a) {
  std::vector<size_t> last(a.tensor_count, kNeverRead);
  for (size_t i = 0; i < a.layers.size(); ++i)
    for (TensorId t : a.layers[i].input_ids) last[t] = i;
  for (TensorId t : a.output_ids) last[t] = a.layers.size();
  return last;
}

namespace {

constexpr int64_t kIndexBytes = 8;  // max pooling's indices are int64
constexpr int64_t kStatBytes = 4;   // normalisation statistics stay float32
// `x * 2` keeps the number as a 0-dim tensor, int64 or float64 whatever x's dtype
constexpr int64_t kWrappedNumberBytes = 8;

Checked elements(const Shape& s, int64_t batch) {
  auto n = elements_at_batch(s, batch);
  return n ? Checked(*n) : Checked::overflowed();
}

const StatementExtras::CopiedInput* copied_input(const LayerInfo& l, size_t i);

// `x.add_(y)`, `F.relu_(x)`, `nn.ELU(inplace=True)`: the result is the first input's memory,
// overwritten (unless the layer reads a copy of it).
bool writes_in_place(const LayerInfo& l) {
  return l.statement && !l.input_ids.empty() && !copied_input(l, 0) &&
         netshape::writes_in_place(*l.statement);
}

// leaky_relu_, rrelu_ and elu_ (selu_ and celu_ call it) keep their result, which is their input
// overwritten; the other in-place ops whose backward reads their input (hardtanh_, hardswish_,
// threshold_, ...) keep a copy of it as it was, as autograd does (saved_bytes).
bool keeps_result_in_place(const LayerInfo& l) {
  OpKind k = op_info(l.op).kind;
  return (k == OpKind::leaky_relu || k == OpKind::elu || k == OpKind::selu || k == OpKind::celu ||
          k == OpKind::rrelu) &&
         writes_in_place(l);
}

// What one layer's backward reads, as PyTorch saves it.
struct Saved {
  bool input = false;  // its first input (all inputs for mul, div, matmul, bmm)
  bool all_inputs = false;
  bool output = false;      // its result (relu, sigmoid, tanh, softmax)
  Checked extra_bytes = 0;  // indices, masks, statistics
  // The inputs (bit i: input i) kept as a copy, counted in extra_bytes, not as themselves.
  unsigned copied_inputs = 0;
};

// Whether PyTorch computes layer l, a cdist, as a matmul at this batch (at::cdist: p = 2, both
// tensors with elements, and compute_mode 1, or 0 with more than 25 rows in either).
bool cdist_as_matmul(const Analysis& a, const LayerInfo& l, int64_t batch) {
  const Attrs& at = *l.attrs;
  if (at.p != 2 || at.cdist_mode == 2 || l.input_ids.size() != 2) return false;
  bool rows_over_25 = false;
  for (size_t i = 0; i < 2; ++i) {
    const Shape& x = a.input_shape(l, i);
    auto n = elements_at_batch(x, batch);
    auto rows = elements_at_batch(Shape{x[x.size() - 2]}, batch);
    if (!n || *n == 0 || !rows) return false;
    rows_over_25 |= *rows > 25;
  }
  return at.cdist_mode == 1 || rows_over_25;
}

Saved saved_by(const Analysis& a, const LayerInfo& l, int64_t batch, int64_t element_bytes) {
  const OpInfo& op = op_info(l.op);
  Saved s;
  const Shape& out = *l.output;
  const Shape& in = l.input_ids.empty() ? out : a.input_shape(l, 0);
  // The normalised groups' count: N*C for batch/instance norm, N*G for group norm, the leading
  // dims for layer norm; two float32 statistics each (mean and inverse std).
  auto stats = [&](Checked groups) { s.extra_bytes = groups * 2 * kStatBytes; };
  switch (op.family) {
    case Family::conv:
    case Family::conv_transpose:
    case Family::linear:
    case Family::avg_pool:
    case Family::adaptive_avg_pool:
      s.input = true;
      break;
    case Family::max_pool:
    case Family::adaptive_max_pool:
      s.input = true;
      s.extra_bytes = elements(out, batch) * kIndexBytes;
      break;
    case Family::batch_norm:
      s.input = true;
      // F.batch_norm also keeps its weight and the running statistics it was given, and in eval
      // mode computes no statistics of its own (measured with saved_tensors_hooks)
      s.all_inputs = l.op == OpId::batch_norm;
      if (l.op != OpId::batch_norm || !l.attrs->running_stats)
        stats(in.size() > 1 ? Checked(in[1].value) : Checked(1));
      break;
    case Family::instance_norm:
    case Family::group_norm:
    case Family::layer_norm: {
      s.input = true;
      s.all_inputs = l.op == OpId::layer_norm;  // the function keeps its weight and bias too
      size_t kept = op.family == Family::layer_norm
                        ? in.size() - std::min(in.size(), l.attrs->normalized_shape.size())
                        : std::min<size_t>(in.size(), 2);
      Shape lead;
      for (size_t i = 0; i < kept; ++i) lead.push_back(in[i]);
      Checked groups = elements(lead, batch);
      if (op.family == Family::group_norm && in.size() > 1 && in[1].value > 0)
        groups = floor_div(groups * l.attrs->num_groups, in[1].value);
      stats(groups);
      break;
    }
    case Family::elementwise:
      if (l.op == OpId::Dropout || l.op == OpId::dropout) {
        // On the CPU, dropout multiplies by a noise tensor of the input's size and dtype, and
        // that product keeps the noise.
        s.extra_bytes = elements(out, batch) * element_bytes;
      } else if (op.kind == OpKind::relu || op.kind == OpKind::sigmoid || op.kind == OpKind::tanh) {
        s.output = true;
      } else if (op.kind == OpKind::tanhshrink) {  // x - tanh(x): tanh keeps its result
        s.extra_bytes = elements(in, batch) * element_bytes;
      } else if (keeps_result_in_place(l)) {
        s.output = true;
        if (op.kind == OpKind::rrelu) s.extra_bytes = elements(in, batch) * element_bytes;
      } else if (op.kind != OpKind::none) {
        s.input = true;  // hardtanh (relu6), leaky_relu, elu, gelu, silu, hardswish, ...
        // log_sigmoid's CPU forward keeps a buffer of the input's size for its backward;
        // softsign, x / (1 + |x|), keeps x and the divisor
        // rrelu_with_noise keeps its noise (the slopes), in eval mode too
        if (op.kind == OpKind::logsigmoid || op.kind == OpKind::softsign ||
            op.kind == OpKind::rrelu)
          s.extra_bytes = elements(in, batch) * element_bytes;
      }
      break;
    case Family::local_response_norm: {
      // F.local_response_norm's steps keep its input (x * x), the squares with the padded
      // channels (the average pool), the scaled mean before `** beta` and the divisor after it
      // (the division), and alpha as a 0-dim tensor (`mul(alpha)`)
      s.input = true;
      Shape padded = in;
      if (padded.size() > 1) padded[1].value += l.attrs->window - 1;
      s.extra_bytes =
          (elements(padded, batch) + elements(in, batch) * 2) * element_bytes + kWrappedNumberBytes;
      break;
    }
    case Family::masked_fill:  // its mask, one byte an element (bool)
      if (l.input_ids.size() > 1) s.extra_bytes = elements(a.input_shape(l, 1), batch);
      break;
    case Family::where:  // its condition, one byte an element (bool)
      if (!l.input_ids.empty()) s.extra_bytes = elements(a.input_shape(l, 0), batch);
      break;
    case Family::prelu:      // its input (and its weight, a parameter)
    case Family::embedding:  // its indices, for its weight's gradient (embedding_backward)
      s.input = true;
      break;
    case Family::dropout_nd:  // the noise has one value per (sample, channel)
      s.extra_bytes =
          elements(Shape{in.begin(), in.begin() + std::min<size_t>(in.size(), 2)}, batch) *
          element_bytes;
      break;
    case Family::softmax:
      s.output = true;
      break;
    case Family::add:
      s.all_inputs = op.kind == OpKind::mul || op.kind == OpKind::div ||
                     op.kind == OpKind::maximum || op.kind == OpKind::minimum;
      break;
    case Family::glu:  // glu_backward reads the input
      s.input = true;
      break;
    case Family::conv_functional:  // its input and its weight (not the bias)
    case Family::conv_transpose_functional:
    case Family::matmul:
    case Family::bmm:
    case Family::grid_sample:  // grid_sampler_2d/3d_backward reads the input and the grid
      s.all_inputs = true;
      break;
    case Family::mean:
      // amax/amin: the input (where the extremes were); var: the input and its mean; std, norm,
      // logsumexp and prod also their result
      s.input = op.kind == OpKind::amax || op.kind == OpKind::amin || op.kind == OpKind::var ||
                op.kind == OpKind::std || op.kind == OpKind::norm || op.kind == OpKind::logsumexp ||
                op.kind == OpKind::prod;
      s.output = op.kind == OpKind::std || op.kind == OpKind::norm ||
                 op.kind == OpKind::logsumexp || op.kind == OpKind::prod;
      break;
    case Family::repeat_interleave:  // the int64 index of its index_select: one per output row
      s.extra_bytes = (l.attrs->dim < 0 || out.empty()
                           ? elements(out, batch)
                           : elements(Shape{out[static_cast<size_t>(l.attrs->dim)]}, batch)) *
                      kIndexBytes;
      break;
    case Family::gather:  // its index (int64), for the scatter of its backward
      if (l.input_ids.size() > 1)
        s.extra_bytes = elements(a.input_shape(l, 1), batch) * kIndexBytes;
      break;
    case Family::index:  // its indices, as an int64 tensor (measured with saved_tensors_hooks)
      s.extra_bytes = l.input_ids.size() > 1
                          ? elements(a.input_shape(l, 1), batch) * kIndexBytes
                          : Checked(static_cast<int64_t>(l.attrs->positions.size())) * kIndexBytes;
      break;
    case Family::sort:  // the indices its backward scatters by, once per call (its values row)
    case Family::topk:
      if (!l.attrs->indices || op.id == OpId::argsort)
        s.extra_bytes = elements(out, batch) * kIndexBytes;
      break;
    case Family::distance: {
      // cosine_similarity keeps both inputs, each (broadcast) divided by its norm, and the two
      // norms; pairwise_distance the difference and its norm (measured with saved_tensors_hooks)
      std::string error;
      auto both = l.input_ids.size() == 2
                      ? broadcast_shapes(a.input_shape(l, 0), a.input_shape(l, 1), error)
                      : std::nullopt;
      Checked pairs = both ? elements(*both, batch) : Checked(0);
      if (op.kind == OpKind::pairwise) {
        s.extra_bytes = (pairs + elements(out, batch)) * element_bytes;
      } else {
        s.all_inputs = true;
        s.extra_bytes = (pairs + elements(out, batch)) * 2 * element_bytes;
      }
      break;
    }
    case Family::cdist:
      // x1, x2 and the result (CdistBackward0); as a matmul, an input the broadcast repeats (its
      // batch dims hold fewer elements than the broadcast ones) is kept as the copy expanded to
      // them (_euclidean_dist's); one only given leading 1s is a view of itself
      s.all_inputs = true;
      s.output = true;
      if (!cdist_as_matmul(a, l, batch)) break;
      for (size_t i = 0; i < 2; ++i) {
        const Shape& x = a.input_shape(l, i);
        Shape expanded(out.begin(), out.end() - 2);
        auto own = elements_at_batch(Shape(x.begin(), x.end() - 2), batch);
        if (own && own == elements_at_batch(expanded, batch)) continue;
        expanded.push_back(x[x.size() - 2]);
        expanded.push_back(x.back());
        s.extra_bytes = s.extra_bytes + elements(expanded, batch) * element_bytes;
        s.copied_inputs |= 1u << i;
      }
      break;
    case Family::elementwise_loss:
      // mse, smooth_l1 and huber keep both tensors (broadcast views of them); l1_loss, which is
      // `(input - target).abs()` reduced, the difference its abs reads
      if (op.kind != OpKind::l1) {
        s.all_inputs = true;
      } else if (l.input_ids.size() == 2) {
        std::string error;
        auto both = broadcast_shapes(a.input_shape(l, 0), a.input_shape(l, 1), error);
        if (both) s.extra_bytes = elements(*both, batch) * element_bytes;
      }
      break;
    default:  // views, cat, stack, pad, interpolate, repeat, affine_grid, sources: nothing
      break;
  }
  return s;
}

// Whether a layer's output is a view of its input (the same memory): reshapes, transposes,
// slices and broadcasts.
bool is_view(const LayerInfo& l) {
  // the family table's views: flatten, view, transpose, narrow, expand, ...
  return family_info(op_info(l.op).family).layout == LayoutRule::View && !l.input_ids.empty();
}

// Each tensor's bytes per element: `e` (the estimate's --dtype), except for tensors of integers,
// int64 in PyTorch whatever the model's dtype: an arange of whole numbers, an argmax or argmin,
// an input declared with its dtype (a `.py` comment's `long`), a model-language input an
// Embedding reads as its indices; a view has the bytes of the tensor it views.
std::vector<int64_t> element_bytes(const Analysis& a, int64_t e) {
  std::vector<int64_t> bytes(a.tensor_count, e);
  for (size_t k = 0; k < a.input_ids.size(); ++k)
    if (k < a.input_element_bytes.size() && a.input_element_bytes[k] > 0)
      bytes[a.input_ids[k]] = a.input_element_bytes[k];
  for (const LayerInfo& l : a.layers) {
    if (l.statement && l.statement->extras().element_bytes)  // a `.py` tensor's own type
      bytes[l.output_id] = l.statement->extras().element_bytes;
    else if (l.statement && l.statement->python)  // its reader gave any type but float32
      bytes[l.output_id] = is_view(l) ? bytes[l.input_ids[0]] : e;
    else if (int b = l.statement ? integer_element_bytes(op_info(l.op), l.statement->args) : 0)
      bytes[l.output_id] = b;
    else if (is_view(l))
      bytes[l.output_id] = bytes[l.input_ids[0]];
  }
  // The model language has no dtypes: an input an Embedding or one_hot reads (through views) is
  // its ids.
  for (const LayerInfo& l : a.layers) {
    Family family = op_info(l.op).family;
    if ((family != Family::embedding && family != Family::one_hot) ||
        (l.statement && l.statement->python))
      continue;
    std::vector<TensorId> chain = a.view_chain(l.input_ids[0]);
    if (a.maker_of(chain.back())) continue;  // not a model input: an arange or argmax, int64
    for (TensorId t : chain) bytes[t] = kIndexBytes;
  }
  return bytes;
}

// How layer input i was read: the tensor itself, or a copy made with no row (`x * 2`,
// `x.abs()`, `x.clone()`: a new tensor; `x.contiguous()`: a new one only when x is not).
const StatementExtras::CopiedInput* copied_input(const LayerInfo& l, size_t i) {
  if (!l.statement) return nullptr;
  for (const StatementExtras::CopiedInput& c : l.statement->extras().copied_inputs)
    if (c.input == i) return &c;
  return nullptr;
}

// Which tensors need a gradient: autograd saves nothing for an op none of whose inputs and
// parameters do (a pooling of the model's input), and some ops keep an input only for the other
// input's gradient. A layer's output needs one when an input does or it has trainable
// parameters (its own, or those of the call that made them); argmax's indices and one_hot's rows
// never do.
struct Gradients {
  std::vector<bool> of_tensor;
  std::vector<bool> own_weights;  // by layer: its parameters train
};

// A layer's weight read as a tensor in forward (`.py`): a parameter row whose elements the layer
// counts; it trains unless the layer is frozen.
bool layer_tensor_trains(const LayerInfo& l) {
  return op_info(l.op).kind == OpKind::parameter && l.statement &&
         !l.statement->extras().shares_params_with.empty() && !l.statement->extras().frozen;
}

// Whether layer l's input k needs a gradient: its tensor does, and the layer does not read it
// detached (`h.detach()`, math with no row done with gradients off).
bool input_needs(const LayerInfo& l, size_t k, const std::vector<bool>& of_tensor) {
  if (!of_tensor[l.input_ids[k]]) return false;
  if (!l.statement) return true;
  const std::vector<uint32_t>& detached = l.statement->extras().inputs_without_grad;
  return std::find(detached.begin(), detached.end(), k) == detached.end();
}

Gradients gradients(const Analysis& a) {
  Gradients g{std::vector<bool>(a.tensor_count, false), std::vector<bool>(a.layers.size())};
  std::unordered_map<NodeId, size_t> layer_of;
  for (size_t i = 0; i < a.layers.size(); ++i) layer_of[a.layers[i].node] = i;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    auto maker = layer_of.find(l.shares_params_with);
    bool own = l.trainable_params > 0 ||
               (maker != layer_of.end() && a.layers[maker->second].trainable_params > 0) ||
               layer_tensor_trains(l);
    bool any_input = false;
    for (size_t k = 0; k < l.input_ids.size(); ++k) any_input |= input_needs(l, k, g.of_tensor);
    OpKind kind = op_info(l.op).kind;
    bool indices = kind == OpKind::argmax || kind == OpKind::argmin || l.op == OpId::one_hot;
    // with gradients off (`torch.no_grad()`) nothing it computes needs one
    bool grad_off = l.statement && l.statement->extras().no_grad;
    g.own_weights[i] = own && !grad_off;
    g.of_tensor[l.output_id] = (own || any_input) && !indices && !grad_off;
  }
  return g;
}

// Whether layer l (number `at`), whose output needs a gradient, keeps input i. Linear keeps its
// input for its weight's gradient only; mul, matmul and bmm keep each input for the other's
// gradient; div keeps its divisor, and its dividend for the divisor's gradient (PyTorch 1.13's
// generated autograd saves only what a needed gradient reads).
bool keeps_input(const LayerInfo& l, size_t at, const Saved& s, size_t i, const Gradients& g) {
  if (!s.all_inputs && !(s.input && i == 0)) return false;
  if (s.copied_inputs & (1u << i)) return false;
  const OpInfo& op = op_info(l.op);
  if (op.family == Family::linear || op.family == Family::embedding) return g.own_weights[at];
  if (is_functional_conv(op.family)) return i < 2;
  if (l.op == OpId::batch_norm) return static_cast<int>(i) != l.attrs->bias_input;
  if (l.input_ids.size() != 2) return true;
  bool other_needs = input_needs(l, 1 - i, g.of_tensor);
  if (op.kind == OpKind::div) return i == 1 || other_needs;
  if (op.kind == OpKind::mul || op.family == Family::matmul || op.family == Family::bmm)
    return other_needs;
  return true;
}

// An nn.Parameter, or a buffer (`register_buffer`, a tensor made in `__init__`): the `.py`
// frontend names their rows by their paths; a tensor made in forward has no name of its own.
bool is_parameter_or_buffer(const LayerInfo& l) {
  const OpInfo& op = op_info(l.op);
  if (op.kind == OpKind::parameter) return true;
  return l.input_ids.empty() && l.statement && l.statement->python && l.statement->named;
}

// The layers whose saved tensors are not counted (uncounted_save_message says why).
bool saves_not_counted(const LayerInfo& l) {
  Family f = op_info(l.op).family;
  return f == Family::attention || f == Family::einsum || f == Family::recurrent ||
         f == Family::recurrent_cell || (l.statement && l.statement->extras().normed_weight);
}

// Why a layer's saved tensors are not counted. MultiheadAttention's backward keeps the
// projections, the attention weights and dropout's mask, which depend on PyTorch's path (the
// fused kernel or not); einsum's the operands as its bmm reads them (copies or views, by their
// layout); a recurrent layer's every step's gates, in a layout that depends on the backend
// (cuDNN's workspace or the native cells); a layer under weight_norm or spectral_norm the weight
// it rebuilds and the norms (weight_norm's fused kernel's or the composite's, by dim): not counted
// rather than guessed.
std::string uncounted_save_message(const LayerInfo& l) {
  if (l.statement && l.statement->extras().normed_weight)
    return fmt::format(
        "`{}` (under {}) keeps the weight it rebuilds from its parameters, and what rebuilding "
        "it keeps, which netshape does not count",
        l.name, l.statement->extras().normed_weight->name());
  switch (op_info(l.op).family) {
    case Family::attention:
      return fmt::format(
          "`{}` (MultiheadAttention) keeps its projections and attention weights, which "
          "netshape does not count",
          l.name);
    case Family::recurrent_cell:
      return fmt::format("`{}` ({}) keeps its gates, which netshape does not count", l.name,
                         op_info(l.op).name);
    case Family::recurrent:
      return fmt::format(
          "`{}` ({}) keeps every step's gates and states, which netshape does not count", l.name,
          op_info(l.op).name);
    default:
      return fmt::format(
          "`{}` (einsum) keeps its operands as its matrix product reads them, which netshape "
          "does not count",
          l.name);
  }
}

// The tensors autograd keeps, each once, a view counted as the tensor it views, a copy made with
// no row as a tensor of its own (two layers reading one copy: once). nullopt when a count leaves
// int64; `unknown` set when a kept `x.contiguous()` may or may not be x itself and that changes
// the count (x kept too, or x a view of fewer elements than the tensor it views).
std::optional<int64_t> saved_bytes(const Analysis& a, const MemoryOptions& o,
                                   const std::vector<Checked>& tensor_bytes, bool& unknown) {
  std::vector<TensorId> root(a.tensor_count);
  for (size_t t = 0; t < root.size(); ++t) root[t] = static_cast<TensorId>(t);
  for (const LayerInfo& l : a.layers)  // a view, or an in-place result, is its input's memory
    if (is_view(l) || writes_in_place(l)) root[l.output_id] = root[l.input_ids[0]];
  Gradients g = gradients(a);
  std::vector<bool> kept(a.tensor_count, false), kept_contiguous(a.tensor_count, false);
  std::set<uint32_t> copies;  // by instance: each copy is one tensor
  Checked extra = 0;
  auto keep_copy = [&](uint32_t instance, const Checked& bytes) {  // a new tensor
    if (copies.insert(instance).second) extra = extra + bytes;
  };
  auto keep_input = [&](const LayerInfo& l, size_t i) {
    TensorId t = l.input_ids[i];
    if (i == 0 && writes_in_place(l)) {  // the input as it was, copied before it is overwritten
      extra = extra + tensor_bytes[t];
      return;
    }
    const StatementExtras::CopiedInput* c = copied_input(l, i);
    if (c && !c->contiguous) {  // a new tensor of the copy's type (`tokens.long()`: int64)
      int64_t bytes = c->element_bytes ? c->element_bytes : dtype_bytes(o.dtype);
      return keep_copy(c->instance, elements(a.shape_of(t), o.batch) * bytes);
    }
    if (c && tensor_bytes[t].get() != tensor_bytes[root[t]].get()) unknown = true;
    (c ? kept_contiguous : kept)[root[t]] = true;
  };
  for (size_t k = 0; k < a.layers.size(); ++k) {
    const LayerInfo& l = a.layers[k];
    if (!g.of_tensor[l.output_id]) continue;  // no backward: nothing saved
    Saved s = saved_by(a, l, o.batch, dtype_bytes(o.dtype));
    extra = extra + s.extra_bytes;
    for (size_t i = 0; i < l.input_ids.size(); ++i)
      if (keeps_input(l, k, s, i, g)) keep_input(l, i);
    if (s.output) kept[root[l.output_id]] = true;
  }
  // The ops with no row (`x.abs()`, `x * 2`) of tensors that need a gradient.
  const std::vector<UnrowedSave> none;
  for (const UnrowedSave& u : o.graph ? o.graph->program().unrowed_saves : none) {
    TensorId t = o.graph->find_tensor(u.tensor);
    if (t == kNoId || t >= a.tensor_count || !g.of_tensor[t]) continue;
    if (u.kept == UnrowedSave::Kept::Number) {
      extra = extra + kWrappedNumberBytes;
    } else if (u.kept == UnrowedSave::Kept::Base) {
      extra = extra + dtype_bytes(o.dtype);
    } else if (u.kept == UnrowedSave::Kept::Result) {
      keep_copy(u.result_instance, tensor_bytes[t]);
    } else if (u.input_instance != 0) {
      keep_copy(u.input_instance, tensor_bytes[t]);
    } else {
      kept[root[t]] = true;
    }
  }
  // Parameters and buffers exist anyway: what keeps them is not more memory.
  for (const LayerInfo& l : a.layers)
    if (is_parameter_or_buffer(l)) kept[l.output_id] = kept_contiguous[l.output_id] = false;
  Checked total = extra;
  for (size_t t = 0; t < kept.size(); ++t) {
    if (kept[t] && kept_contiguous[t]) unknown = true;
    if (kept[t] || kept_contiguous[t]) total = total + tensor_bytes[t];
  }
  return total.get();
}

}  // namespace

std::optional<ModelMemory> estimate_model_memory(const Analysis& a, const MemoryOptions& o) {
  ModelMemory m;
  m.dtype = o.dtype;
  m.batch = o.batch;
  const int64_t e = dtype_bytes(o.dtype);
  std::vector<Checked> bytes(a.tensor_count, Checked(0));
  const std::vector<int64_t> element = element_bytes(a, e);
  for (size_t k = 0; k < a.inputs.size(); ++k)
    bytes[a.input_ids[k]] = elements(a.inputs[k].second, o.batch) * element[a.input_ids[k]];
  for (const LayerInfo& l : a.layers) {
    if (!l.output) return std::nullopt;
    bytes[l.output_id] = elements(*l.output, o.batch) * element[l.output_id];
    auto b = bytes[l.output_id].get();
    if (!b) return std::nullopt;
    m.output_bytes.push_back(*b);
  }
  auto params = (Checked(a.totals.params) * e).get();
  if (!params) return std::nullopt;
  m.parameter_bytes = *params;
  m.gradient_bytes = *params;
  m.sgd_momentum_bytes = *params;
  auto adam = (Checked(*params) * 2).get();
  if (!adam) return std::nullopt;
  m.adam_bytes = *adam;

  // Inference: replay the executor's liveness.
  std::vector<size_t> last = last_readers(a);
  Checked live = 0;
  for (TensorId t : a.input_ids) live = live + bytes[t];
  Checked peak = live;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    live = live + bytes[l.output_id];
    if (!live.ok()) return std::nullopt;
    if (*live.get() > *peak.get()) {
      peak = live;
      m.inference_peak_at = l.name;
    }
    for (size_t k = 0; k < l.input_ids.size(); ++k) {
      TensorId t = l.input_ids[k];
      bool first = std::find(l.input_ids.begin(), l.input_ids.begin() + k, t) ==
                   l.input_ids.begin() + k;  // add(x, x) frees x once
      if (last[t] == i && first) live = live - bytes[t];
    }
    if (last[l.output_id] == kNeverRead) live = live - bytes[l.output_id];
  }
  m.inference_peak_bytes = *peak.get();
  bool unknown = false;
  auto saved = saved_bytes(a, o, bytes, unknown);
  if (!saved) return std::nullopt;
  m.saved_for_backward_bytes = *saved;
  const Program* program = o.graph ? &o.graph->program() : nullptr;
  if (program) m.eval_branches_at = program->training_read_at;
  auto uncounted = std::find_if(a.layers.begin(), a.layers.end(), saves_not_counted);
  if (program && program->unrowed_save_at.valid()) {
    m.saved_not_counted.span = program->unrowed_save_at;
    m.saved_not_counted.message = "`" + program->unrowed_save_op +
                                  "` has no row of its own, and what its backward keeps is not "
                                  "known (an op in place)";
  } else if (uncounted != a.layers.end()) {
    if (o.graph) m.saved_not_counted.span = o.graph->nodes[uncounted->node].statement->span;
    m.saved_not_counted.message = uncounted_save_message(*uncounted);
  } else if (unknown) {
    m.saved_not_counted.message =
        "a layer keeps a tensor read through `.contiguous()`, which is a copy or the tensor "
        "itself depending on its memory layout";
  }
  return m;
}

}  // namespace netshape
