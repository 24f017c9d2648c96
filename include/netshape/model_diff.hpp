// `netshape diff A B`: two analyses side by side. Pure: diff_models aligns the layers, the
// renderers format the alignment; nothing here reads files.
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {

inline constexpr size_t kNoLayer = static_cast<size_t>(-1);

enum class LayerChange { Same, Changed, Added, Removed };

// One row: layer `a` of the first model and layer `b` of the second (kNoLayer when the layer
// is only in the other model).
struct LayerPair {
  size_t a = kNoLayer;
  size_t b = kNoLayer;
  LayerChange change = LayerChange::Same;
};

struct ModelDiff {
  // By name when the two models have at least one layer name in common, else by position.
  bool by_name = true;
  std::vector<LayerPair> rows;
  size_t same = 0, changed = 0, added = 0, removed = 0;
};

// Aligns the layers: by name (each layer of B with the layer of A of the same name; rows in B's
// order, a layer only in A after the row of the layer before it in A), or, when no name is
// shared, by position. A pair is changed when its op, output shape, params, trainable params
// or MACs differ.
ModelDiff diff_models(const Analysis& a, const Analysis& b);

// The diff as a table: a mark per row (' ' same, '~' changed, '-' only in A, '+' only in B),
// every changed value as `A -> B (+difference)`, then the totals and their differences.
// `label_a` and `label_b` name the models (their files).
std::string render_diff(const Analysis& a, const Analysis& b, const ModelDiff& d,
                        const std::string& label_a, const std::string& label_b);
nlohmann::ordered_json diff_json(const Analysis& a, const Analysis& b, const ModelDiff& d,
                                 const std::string& label_a, const std::string& label_b);

}  // namespace netshape
