// Which input sizes a model accepts (`netshape sizes`): inference rerun on the same graph with the
// first input's spatial sizes replaced, one axis at a time (the others as declared) and all
// together (square inputs). Pure: each probe is one analyze() of the graph (docs/cli.md).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "netshape/graph.hpp"
#include "netshape/infer.hpp"

namespace netshape {

// An input's shape as declared (a symbolic batch counts as 1 of its symbol).
Shape declared_shape(const InputDecl& in);
// The declared shapes of the graph's inputs, the first input's last `spatial` dims replaced:
// spatial dim i becomes resize(i, declared size); nullopt when resize gives nullopt.
std::optional<std::vector<Shape>> resized_inputs(
    const Graph& g, size_t spatial,
    const std::function<std::optional<int64_t>(size_t, int64_t)>& resize);
// The dims of the first input `sizes` varies (indices into its shape, in order): its spatial
// dims (spatial_axis_count, except that a rank-3 input with a numeric first dim is [N, C, L] when
// the model's first windowed op is 1-d: Conv1d, MaxPool1d, ...), or, when it is a sequence read
// first by an Embedding, a recurrent layer or attention, its sequence dim alone (the ids' last
// dim; dim 0, or 1 with `batch_first=True`), not its features.
struct VariedAxes {
  std::vector<size_t> dims;
  bool sequence = false;  // the sequence dim: named L
};
VariedAxes varied_axes(const Graph& g);

// A window layer whose floor leaves real input rows unread at one probed size.
struct FloorDrop {
  std::string layer;
  std::vector<int64_t> dropped;  // per spatial dim of the layer
};

// One input size tried.
struct SizeProbe {
  int64_t size = 0;
  bool valid = false;
  std::string failing_layer;  // when not valid: the layer inference stopped at ("" before any)
  std::vector<std::pair<std::string, Shape>> outputs;  // when valid
  std::vector<FloorDrop> drops;                        // when valid
  std::optional<int64_t> solved_value;  // with a target: the dim it reads (nullopt: not reached)
};

// What one survey varies: one spatial axis (the others as declared) or all of them together.
struct SizeVariant {
  std::string name;                 // "H", "W", "L", "D", or "H=W" / "D=H=W"
  std::vector<size_t> axes;         // which of the varied dims (VariedAxes) take the size
  std::vector<SizeProbe> probes;    // one per size of the range, in order
  std::optional<int64_t> smallest;  // the smallest valid size from 1 up to the range's end
};

// `--solve fc1.in=2048`: the sizes for which a layer's input (or output) has `value` as its last
// dim (a Linear's features).
struct SizeTarget {
  std::string layer;
  bool output = false;  // `.out` rather than `.in`
  int64_t value = 0;
};

struct SizeSurvey {
  int64_t lo = 0, hi = 0;
  Shape declared;              // the first input's declared shape
  std::vector<size_t> varied;  // the dims of it the survey varies (VariedAxes::dims)
  std::vector<SizeVariant> variants;
};

// Checks that the survey is bounded: the range within 1..kMaxSurveySize with at most
// kMaxSurveySizes sizes, and at most kMaxSurveyWork layer inferences in all; "" when it is, else
// the reason.
inline constexpr int64_t kMaxSurveySize = 65536;
inline constexpr int64_t kMaxSurveySizes = 4096;
inline constexpr int64_t kMaxSurveyWork = 50'000'000;
std::string survey_bound_error(const Graph& g, int64_t lo, int64_t hi);

// Every size of [lo, hi] for each variant (and, for `smallest`, the sizes below lo until one is
// valid). With a target, each probe stops after the target layer and records its dim instead of
// validity and outputs. The graph's first input must have spatial dims.
SizeSurvey survey_input_sizes(const Graph& g, int64_t lo, int64_t hi,
                              const std::optional<SizeTarget>& target = std::nullopt);

}  // namespace netshape
