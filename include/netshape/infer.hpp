// Shape inference: binds every statement's arguments to its op's PyTorch signature, applies the
// op's shape rule, and counts params and MACs. Pure computation: reporters format the result.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netshape/attrs.hpp"
#include "netshape/diagnostics.hpp"
#include "netshape/ir.hpp"
#include "netshape/op_table.hpp"
#include "netshape/shape.hpp"

namespace netshape {

// A learnable tensor of a layer (`weight` [64, 32, 5, 5], `bias` [64]).
struct ParamTensor {
  std::string name;
  std::vector<int64_t> shape;
  int64_t numel() const;
};

struct LayerInfo {
  std::string name;
  OpId op = OpId::Identity;
  std::string op_name;  // as written, e.g. "Conv2d" or "max_pool2d"
  const Statement* statement = nullptr;
  std::vector<std::string> inputs;
  std::vector<Shape> input_shapes;
  std::optional<Shape> input_flattened_from;  // first input came from this shape via flatten/view
  std::optional<Shape> output;                // nullopt when the layer failed
  int64_t params = 0;
  int64_t trainable_params = 0;
  int64_t macs = 0;
  std::vector<ParamTensor> weights;
  Attrs attrs;                              // what the rule decided, for the forward
  std::map<std::string, int64_t> inferred;  // `?` arguments and what was chosen
  std::vector<std::string> explain;         // formulas with the numbers substituted
};

struct Totals {
  int64_t params = 0;
  int64_t trainable_params = 0;
  int64_t non_trainable_params = 0;
  int64_t macs = 0;
  int64_t activation_elements = 0;  // sum of every layer's output elements (per sample if symbolic)
};

struct Analysis {
  std::string model_name;
  std::vector<std::pair<std::string, Shape>> inputs;
  std::vector<LayerInfo> layers;  // up to and including a failing layer
  std::vector<std::pair<std::string, Shape>> outputs;
  Totals totals;
  bool ok = false;
};

// Runs inference over `prog` (whose unnamed statements get their `<op><index>` names here).
// Errors go to `diags`; the analysis always holds what was computed before the first error.
// With `explain`, every layer also records its formulas with the numbers substituted (costly
// string formatting, so only on request).
Analysis analyze(Program& prog, Diagnostics& diags, bool explain = false);

// The name an unnamed statement gets: lowercased op + 1-based position, e.g. `relu3`.
std::string auto_name(const std::string& op, size_t index);

}  // namespace netshape
