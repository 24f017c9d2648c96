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

// The variants a survey tries: each spatial axis alone, then all together when there are
// several.
std::vector<SizeVariant> variants_of(size_t spatial) {
  static const char* kNames[3][3] = {{"L"}, {"H", "W"}, {"D", "H", "W"}};
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

// One probe: the variant's axes set to `size`, inference rerun. With a target it stops after
// the target layer and reads its dim.
SizeProbe probe(const Graph& g, size_t spatial, const SizeVariant& v, int64_t size,
                const std::optional<SizeTarget>& target, std::optional<size_t> target_index) {
  SizeProbe p;
  p.size = size;
  auto resize = [&](size_t axis, int64_t declared) -> std::optional<int64_t> {
    bool varied = std::find(v.axes.begin(), v.axes.end(), axis) != v.axes.end();
    return varied ? size : declared;
  };
  auto shapes = resized_inputs(g, spatial, resize);
  if (!shapes) return p;
  Diagnostics scratch;
  AnalyzeOptions options;
  options.input_shapes = &*shapes;
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

size_t varied_axis_count(const Graph& g) {
  if (g.inputs.empty()) return 0;
  Shape declared = declared_shape(*g.inputs[0].decl);
  size_t spatial = spatial_axis_count(declared);
  if (declared.size() != 3 || spatial != 2) return spatial;
  for (const GraphNode& n : g.nodes) {
    int nd = op_info(n.op).spatial_dims;
    if (nd > 0) return nd == 1 ? 1 : spatial;
  }
  return spatial;
}

std::string survey_bound_error(const Graph& g, int64_t lo, int64_t hi) {
  if (lo < 1 || hi < lo || hi > kMaxSurveySize)
    return fmt::format("the range {}..{} is not within 1..{} (low end first)", lo, hi,
                       kMaxSurveySize);
  if (hi - lo + 1 > kMaxSurveySizes)
    return fmt::format("the range {}..{} holds {} sizes; netshape tries at most {} at a time", lo,
                       hi, hi - lo + 1, kMaxSurveySizes);
  // Each variant probes at most `hi` sizes (the smallest valid one may lie below `lo`).
  size_t spatial = varied_axis_count(g);
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
  size_t spatial = varied_axis_count(g);
  if (spatial == 0) return survey;
  std::optional<size_t> target_index = target ? node_index(g, target->layer) : std::nullopt;
  survey.variants = variants_of(spatial);
  for (SizeVariant& v : survey.variants) {
    for (int64_t size = 1; size < lo && !v.smallest; ++size)
      if (satisfied(probe(g, spatial, v, size, target, target_index), target)) v.smallest = size;
    for (int64_t size = lo; size <= hi; ++size) {
      v.probes.push_back(probe(g, spatial, v, size, target, target_index));
      if (!v.smallest && satisfied(v.probes.back(), target)) v.smallest = size;
    }
  }
  return survey;
}

}  // namespace netshape
