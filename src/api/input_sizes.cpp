// `netshape sizes`: which input sizes a model accepts, by rerunning inference on the same graph
// with the first input's spatial sizes replaced (the smallest-input search of load.cpp does the
// same with resized_inputs).
#include "netshape/input_sizes.hpp"

#include <fmt/format.h>

namespace netshape {
namespace {

// Index of the node named `layer`, or nullopt.
std::optional<size_t> node_index(const Graph& g, const std::string& layer) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.name(g.nodes[i].name) == layer) return i;
  return std::nullopt;
}

// The variants a survey tries: each varied dim alone, then all together when there are several.
std::vector<SizeVariant> variants_of(const VariedAxes& varied) {
  static const char* kNames[3][3] = {{"L"}, {"H", "W"}, {"D", "H", "W"}};
  const size_t spatial = varied.dims.size();
  std::vector<SizeVariant> out;
  auto name = [&](size_t i) {
    return spatial <= 3 ? std::string(kNames[spatial - 1][i]) : fmt::format("dim{}", i);
  };
  std::string together;
  std::vector<size_t> all;
  for (size_t i = 0; i < spatial; ++i) {
    out.push_back(SizeVariant{name(i), {i}, {}, std::nullopt});
    together += (i ? "=" : "") + name(i);
    all.push_back(i);
  }
  if (spatial > 1) out.insert(out.begin(), SizeVariant{together, all, {}, std::nullopt});
  return out;
}

// One probe: the variant's dims set to `size`, inference rerun. With a target it stops after
// the target layer and reads its dim.
SizeProbe probe(const Graph& g, const VariedAxes& varied, const SizeVariant& v, int64_t size,
                const std::optional<SizeTarget>& target, std::optional<size_t> target_index) {
  SizeProbe p;
  p.size = size;
  std::vector<Shape> shapes;
  for (const GraphInput& in : g.inputs) shapes.push_back(declared_shape(*in.decl));
  for (size_t k : v.axes) shapes[0][varied.dims[k]] = fixed(size);
  Diagnostics scratch;
  AnalyzeOptions options;
  options.input_shapes = &shapes;
  options.probe = true;
  if (target_index) options.stop_after = *target_index;
  Analysis a = analyze(g, scratch, options);
  if (target && target_index && a.layers.size() > *target_index) {
    const LayerInfo& l = a.layers[*target_index];
    const Shape* s = target->output ? (l.output ? &*l.output : nullptr)
                                    : (l.input_ids.empty() ? nullptr : &a.input_shape(l, 0));
    if (s && !s->empty() && !s->back().symbolic()) p.solved_value = s->back().value;
    return p;
  }
  p.valid = a.ok && !scratch.has_errors();
  if (!p.valid) {
    if (!a.layers.empty()) p.failing_layer = a.layers.back().name;
    return p;
  }
  p.outputs = a.outputs;
  for (const LayerInfo& l : a.layers) {
    IntList dropped = floor_dropped_rows(a, l);
    if (std::any_of(dropped.begin(), dropped.end(), [](int64_t d) { return d > 0; }))
      p.drops.push_back(
          FloorDrop{std::string(l.name), std::vector<int64_t>(dropped.begin(), dropped.end())});
  }
  return p;
}

bool satisfied(const SizeProbe& p, const std::optional<SizeTarget>& target) {
  return target ? p.solved_value == target->value : p.valid;
}

}  // namespace

namespace {

// The spatial dims of `declared` the survey varies (its last ones): spatial_axis_count, or 1 for
// a rank-3 input with a numeric first dim that the first windowed op reads as [N, C, L].
size_t spatial_varied(const Graph& g, const Shape& declared) {
  size_t spatial = spatial_axis_count(declared);
  if (declared.size() != 3 || spatial != 2) return spatial;
  for (const GraphNode& n : g.nodes) {
    int nd = op_info(n.op).spatial_dims;
    if (nd > 0) return nd == 1 ? 1 : spatial;
  }
  return spatial;
}

// The sequence dim of the first input when the first layer reading it is a sequence layer: an
// Embedding's ids (their last dim), a recurrent layer's or attention's query (dim 0, or 1 with
// batch_first=True when batched).
std::optional<size_t> sequence_dim(const Graph& g, const Shape& declared) {
  TensorId input = g.inputs[0].tensor;
  for (const GraphNode& n : g.nodes) {
    if (n.inputs.empty() || n.inputs[0] != input) {
      if (std::find(n.inputs.begin(), n.inputs.end(), input) != n.inputs.end()) return std::nullopt;
      continue;
    }
    const OpInfo& op = op_info(n.op);
    if (declared.empty()) return std::nullopt;
    if (op.family == Family::embedding) return declared.size() - 1;
    if (op.family != Family::recurrent && op.family != Family::attention) return std::nullopt;
    bool batch_first = false;
    int i = op.param_index("batch_first");
    if (i >= 0 && static_cast<size_t>(i) < n.bound_count()) {
      const Value* flag = n.bound(static_cast<size_t>(i));
      batch_first = flag && flag->kind == Value::Kind::Bool && flag->b;
    }
    return declared.size() == 3 && batch_first ? 1 : 0;
  }
  return std::nullopt;
}

}  // namespace

VariedAxes varied_axes(const Graph& g) {
  VariedAxes v;
  if (g.inputs.empty()) return v;
  Shape declared = declared_shape(*g.inputs[0].decl);
  if (std::optional<size_t> dim = sequence_dim(g, declared)) {
    v.dims = {*dim};
    v.sequence = true;
    return v;
  }
  size_t spatial = spatial_varied(g, declared);
  for (size_t i = declared.size() - spatial; i < declared.size(); ++i) v.dims.push_back(i);
  return v;
}

std::string survey_bound_error(const Graph& g, int64_t lo, int64_t hi) {
  if (lo < 1 || hi < lo || hi > kMaxSurveySize)
    return fmt::format("the range {}..{} is not within 1..{} (low end first)", lo, hi,
                       kMaxSurveySize);
  if (hi - lo + 1 > kMaxSurveySizes)
    return fmt::format("the range {}..{} holds {} sizes; netshape tries at most {} at a time", lo,
                       hi, hi - lo + 1, kMaxSurveySizes);
  // Each variant probes at most `hi` sizes (the smallest valid one may lie below `lo`).
  size_t spatial = varied_axes(g).dims.size();
  int64_t variants = static_cast<int64_t>(spatial + (spatial > 1 ? 1 : 0));
  int64_t layers = std::max<int64_t>(1, static_cast<int64_t>(g.nodes.size()));
  int64_t work = hi * variants * layers;  // below 65536 * 5 * 10^7: fits int64
  if (work > kMaxSurveyWork)
    return fmt::format(
        "{} sizes of {} layers is {} layer inferences, more than the {} netshape allows; use a "
        "smaller range (at most {}..{} for this model)",
        hi, with_commas(layers), with_commas(work), with_commas(kMaxSurveyWork), lo,
        std::max<int64_t>(lo, kMaxSurveyWork / (variants * layers)));
  return "";
}

SizeSurvey survey_input_sizes(const Graph& g, int64_t lo, int64_t hi,
                              const std::optional<SizeTarget>& target) {
  SizeSurvey survey;
  survey.lo = lo;
  survey.hi = hi;
  if (g.inputs.empty()) return survey;
  survey.declared = declared_shape(*g.inputs[0].decl);
  VariedAxes varied = varied_axes(g);
  if (varied.dims.empty()) return survey;
  survey.varied = varied.dims;
  std::optional<size_t> target_index = target ? node_index(g, target->layer) : std::nullopt;
  survey.variants = variants_of(varied);
  for (SizeVariant& v : survey.variants) {
    for (int64_t size = 1; size < lo && !v.smallest; ++size)
      if (satisfied(probe(g, varied, v, size, target, target_index), target)) v.smallest = size;
    for (int64_t size = lo; size <= hi; ++size) {
      v.probes.push_back(probe(g, varied, v, size, target, target_index));
      if (!v.smallest && satisfied(v.probes.back(), target)) v.smallest = size;
    }
  }
  return survey;
}

}  // namespace netshape
