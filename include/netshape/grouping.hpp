// The layer table grouped by module (`check --depth N`), as torchinfo's `depth` shows a model:
// one row per module of the hierarchy down to depth N, named by its `named_modules()` path, with
// the output of its last call and the totals of everything it applies. A pure function of an
// Analysis and the Graph it came from; the reporters only format its rows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netshape/graph.hpp"
#include "netshape/infer.hpp"

namespace netshape {

inline constexpr uint32_t kNoRow = UINT32_MAX;

// One row: a module of the hierarchy (the model, a container, a user block, a layer module, a
// module forward never applies), or a layer that is no module of its own (a functional op such as
// F.relu or `+`, a layer built in place) directly inside a module that is shown expanded.
struct ModuleRow {
  // The module's named_modules() path (`layer1.0`, `conv1`; "" for the model), or the layer's
  // row name in the flat table (`relu3`) when it is no named module.
  std::string name;
  std::string kind;  // class name (`BasicBlock`, `Sequential`, `Conv2d`), or the op (`relu`)
  int depth = 0;     // 0: the model; 1: its children; ...
  uint32_t parent = kNoRow;   // the row of the enclosing module
  ModuleId module = kNoId;    // the graph module it stands for (the model, a container, a block)
  NodeId layer = kNoId;       // or the layer: a layer module's first call, or the op
                              // (neither: a module forward never applies, Analysis::unapplied)
  bool named_module = false;  // `name` is a named_modules() path
  // The output of its last call (of the last layer it applies when that call returned several
  // tensors); nullopt when it failed, when it is never called, or in the rare case where it is
  // not known (a module that applies no layer and returns several tensors).
  std::optional<Shape> output;
  bool failed = false;  // it holds the layer where inference stopped with an error
  // Over every layer it applies, at any depth, in every call; a module called twice owns its
  // parameters once (as model.parameters() counts them), its MACs are those of both calls.
  // A tensor shared by a tie with a layer outside the row counts here too, as the module's
  // parameters() counts it: `tied_params` of `params` are also counted elsewhere.
  int64_t params = 0;
  int64_t trainable_params = 0;
  int64_t tied_params = 0, tied_trainable_params = 0;
  int64_t macs = 0;
  uint32_t layers = 0;  // rows of the flat table it groups
};

struct Grouping {
  int depth = 0;
  // A tree, depth first: the model first, each row followed by the rows below it, in the order of
  // their first call (modules forward never applies last). The rows without children hold every
  // layer once: their params and MACs add up to the flat table's totals.
  std::vector<ModuleRow> rows;
};

// Groups `a`'s layers (analysed from `g`) by module down to `depth` (>= 0). A layer inside a
// module deeper than `depth` counts in its ancestor at `depth`; a layer that is no module (a
// functional op) is a row of its own when the module applying it is shown expanded, so the rows
// at any one depth add up to the flat table's totals.
Grouping group_layers(const Analysis& a, const Graph& g, int depth);

}  // namespace netshape
