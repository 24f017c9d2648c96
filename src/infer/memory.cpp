// estimate_model_memory: parameters, the inference peak of live activations, and what a training
// step holds. What autograd saves for backward follows PyTorch 1.13's derivatives (which tensor
// each op's backward reads); docs/counting.md, "Memory", states each rule.
#include "netshape/memory.hpp"

#include <algorithm>

#include "netshape/checked.hpp"
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

Checked elements(const Shape& s, int64_t batch) {
  auto n = elements_at_batch(s, batch);
  return n ? Checked(*n) : Checked::overflowed();
}

// What one layer's backward reads, as PyTorch saves it.
struct Saved {
  bool input = false;  // its first input (all inputs for mul, div, matmul, bmm)
  bool all_inputs = false;
  bool output = false;      // its result (relu, sigmoid, tanh, softmax)
  Checked extra_bytes = 0;  // indices, masks, statistics
};

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
      stats(in.size() > 1 ? Checked(in[1].value) : Checked(1));
      break;
    case Family::instance_norm:
    case Family::group_norm:
    case Family::layer_norm: {
      s.input = true;
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
      } else if (op.kind != OpKind::none) {
        s.input = true;  // hardtanh (relu6), leaky_relu, elu, gelu, silu, hardswish, ...
        // log_sigmoid's CPU forward keeps a buffer of the input's size for its backward
        if (op.kind == OpKind::logsigmoid) s.extra_bytes = elements(in, batch) * element_bytes;
      }
      break;
    case Family::masked_fill:  // its mask, one byte an element (bool)
      if (l.input_ids.size() > 1) s.extra_bytes = elements(a.input_shape(l, 1), batch);
      break;
    case Family::prelu:  // its input (and its weight, a parameter)
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
    case Family::matmul:
    case Family::bmm:
      s.all_inputs = true;
      break;
    case Family::mean:
      // amax/amin: the input (where the extremes were); var: the input and its mean; std, norm
      // and logsumexp also their result
      s.input = op.kind == OpKind::amax || op.kind == OpKind::amin || op.kind == OpKind::var ||
                op.kind == OpKind::std || op.kind == OpKind::norm || op.kind == OpKind::logsumexp;
      s.output = op.kind == OpKind::std || op.kind == OpKind::norm || op.kind == OpKind::logsumexp;
      break;
    default:  // views, cat, stack, pad, interpolate, repeat, sources: nothing
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

// The tensors autograd keeps, each once, a view counted as the tensor it views.
std::optional<int64_t> saved_bytes(const Analysis& a, const MemoryOptions& o,
                                   const std::vector<Checked>& tensor_bytes) {
  std::vector<TensorId> root(a.tensor_count);
  for (size_t t = 0; t < root.size(); ++t) root[t] = static_cast<TensorId>(t);
  for (const LayerInfo& l : a.layers)
    if (is_view(l)) root[l.output_id] = root[l.input_ids[0]];
  std::vector<bool> kept(a.tensor_count, false);
  Checked extra = 0;
  for (const LayerInfo& l : a.layers) {
    Saved s = saved_by(a, l, o.batch, dtype_bytes(o.dtype));
    extra = extra + s.extra_bytes;
    for (size_t i = 0; i < l.input_ids.size(); ++i)
      if (s.all_inputs || (s.input && i == 0)) kept[root[l.input_ids[i]]] = true;
    if (s.output) kept[root[l.output_id]] = true;
  }
  Checked total = extra;
  for (size_t t = 0; t < kept.size(); ++t)
    if (kept[t]) total = total + tensor_bytes[t];
  return total.get();
}

}  // namespace

std::optional<ModelMemory> estimate_model_memory(const Analysis& a, const MemoryOptions& o) {
  ModelMemory m;
  m.dtype = o.dtype;
  m.batch = o.batch;
  const int64_t e = dtype_bytes(o.dtype);
  std::vector<Checked> bytes(a.tensor_count, Checked(0));
  for (size_t k = 0; k < a.inputs.size(); ++k)
    bytes[a.input_ids[k]] = elements(a.inputs[k].second, o.batch) * e;
  for (const LayerInfo& l : a.layers) {
    if (!l.output) return std::nullopt;
    bytes[l.output_id] = elements(*l.output, o.batch) * e;
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
  auto saved = saved_bytes(a, o, bytes);
  if (!saved) return std::nullopt;
  m.saved_for_backward_bytes = *saved;
  return m;
}

}  // namespace netshape
