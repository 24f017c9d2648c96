// Shape inference: binds every statement's arguments to its op's PyTorch signature, applies the
// op's shape rule, and counts params and MACs. Pure computation: reporters format the result.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/attrs.hpp"
#include "netshape/diagnostics.hpp"
#include "netshape/graph.hpp"
#include "netshape/ir.hpp"
#include "netshape/op_table.hpp"
#include "netshape/shape.hpp"

namespace netshape {

// A learnable tensor of a layer (`weight` [64, 32, 5, 5], `bias` [64]).
struct ParamTensor {
  std::string_view name;  // "weight" or "bias": a literal of the rule, never freed
  IntList shape;          // inline: adding a weight allocates nothing
  int64_t numel() const;
  bool operator==(const ParamTensor&) const = default;
};

// A layer's parameter tensors, in order: a record shared by the layers whose tensors have the same
// names and shapes (a model's convolutions have a handful of distinct weight shapes between them).
using ParamTensors = std::vector<ParamTensor>;
uint64_t hash_of(const ParamTensors& w);
using WeightsTable = RecordTable<ParamTensors>;
// The record of a layer without parameters.
const std::shared_ptr<const ParamTensors>& no_weights();

// A layer's output shape: a record shared by the layers with equal shapes (a deep model's
// layers have a handful of distinct shapes, and a Shape is 136 bytes), or none when the layer
// failed. It reads as the std::optional<Shape> it replaces.
uint64_t hash_of(const Shape& s);
using ShapeTable = RecordTable<Shape>;
class LayerShape {
 public:
  LayerShape() = default;
  LayerShape(std::shared_ptr<const Shape> s) : p_(std::move(s)) {}          // NOLINT: a kept record
  LayerShape(Shape s) : p_(std::make_shared<const Shape>(std::move(s))) {}  // NOLINT: one's own
  explicit operator bool() const { return p_ != nullptr; }
  bool has_value() const { return p_ != nullptr; }
  const Shape& operator*() const { return *p_; }
  const Shape* operator->() const { return p_.get(); }
  const Shape& value() const {
    if (!p_) throw std::bad_optional_access();
    return *p_;
  }
  void reset() { p_.reset(); }
  const std::shared_ptr<const Shape>& record() const { return p_; }
  // A copy, for what keeps a shape of its own (a module's row).
  std::optional<Shape> copy() const { return p_ ? std::optional<Shape>(*p_) : std::nullopt; }
  friend bool operator==(const LayerShape& a, const LayerShape& b) {
    return a.p_ == b.p_ || (a.p_ && b.p_ && *a.p_ == *b.p_);
  }

 private:
  std::shared_ptr<const Shape> p_;
};

// What inference found for one node of the graph (layers[i] is nodes[i]).
// Its names are views of the graph's (its names table, the statements as written): an analysis
// lives no longer than the graph it was made from, as `statement` already says.
struct LayerInfo {
  std::string_view name;
  OpId op = OpId::Identity;
  std::string_view op_name;  // as written, e.g. "Conv2d" or "max_pool2d"
  const Statement* statement = nullptr;
  NodeId node = kNoId;
  // The tensors it reads, in order: their names and shapes are the analysis's (Analysis::name_of,
  // shape_of), not copied into every layer.
  SmallVector<TensorId, 4> input_ids;
  TensorId output_id = kNoId;
  // A module called again (`self.relu` twice) owns no new parameters: the layer whose call
  // created them, else kNoId.
  NodeId shares_params_with = kNoId;
  LayerShape output;  // none when the layer failed
  int64_t params = 0;
  int64_t trainable_params = 0;
  int64_t macs = 0;
  std::shared_ptr<const ParamTensors> weights = no_weights();  // never null
  // What the rule decided, for the forward: a record shared by the layers with the same values
  // (AttrsTable), never null.
  std::shared_ptr<const Attrs> attrs = AttrsTable::defaults();
  // In a model with a module hierarchy (blocks, `.py` modules): the module that applies it
  // (`layer1.0`; "" the model) and its depth as torchinfo counts it (`layer1.0.conv1`: 3).
  std::string_view module;
  int depth = 0;  // 0: the model has no hierarchy
  // What most layers have none of (kept apart, so they cost a pointer): the `?` arguments and
  // what was chosen, and the formulas with the numbers substituted (--explain).
  const std::map<std::string, int64_t>& inferred() const { return notes().inferred; }
  const std::vector<std::string>& explain() const { return notes().explain; }
  struct Notes {
    std::map<std::string, int64_t> inferred;
    std::vector<std::string> explain;
  };
  Notes& notes_for_write() {
    if (!notes_) notes_ = std::make_shared<Notes>();
    return *notes_;
  }

 private:
  const Notes& notes() const {
    static const Notes kNone;
    return notes_ ? *notes_ : kNone;
  }
  std::shared_ptr<Notes> notes_;  // written only while the layer is inferred
};

struct Totals {
  int64_t params = 0;
  int64_t trainable_params = 0;
  int64_t non_trainable_params = 0;
  int64_t macs = 0;
  int64_t activation_elements = 0;  // sum of every layer's output elements (per sample if symbolic)
};

// A module forward never applies (`.py`: an auxiliary head in eval mode): it has no layers, but
// its parameters count in the totals, as model.parameters() counts them (load_model adds them).
struct UnappliedModule {
  std::string path;  // its named_modules() name, e.g. "aux1"
  std::string kind;  // its class, e.g. "InceptionAux"
  int64_t params = 0;
  int64_t trainable_params = 0;
};

struct Analysis {
  std::string model_name;
  std::vector<std::pair<std::string, Shape>> inputs;
  std::vector<TensorId> input_ids;              // the graph's tensor of each input
  std::vector<uint8_t> input_element_bytes;     // by input: InputDecl::element_bytes
  std::vector<InputDecl::Values> input_values;  // by input: InputDecl::values
  std::vector<LayerInfo> layers;                // up to and including a failing layer
  std::vector<std::pair<std::string, Shape>> outputs;
  std::vector<TensorId> output_ids;
  // By output: what forward computed from it with no row (`return h * 2`: OutputDecl::steps).
  std::vector<std::vector<ValueStep>> output_steps;
  size_t tensor_count = 0;  // the graph's tensors: ids above are below this
  Totals totals;
  std::vector<UnappliedModule> unapplied;  // counted in `totals`, without layers
  bool ok = false;
  // By TensorId: where a tensor's name and shape are: the input sources[t] (>= 0) or the output
  // of the layer -1 - sources[t]; kNotComputed for a tensor no layer computed.
  static constexpr int32_t kNotComputed = INT32_MIN;
  std::vector<int32_t> sources;
  // The model's files by Span::file (0 is the file given, then the .py files it imports): a report
  // names the file of a position in another one. Empty when the caller does not set it.
  std::vector<std::string> files;

  // The shape of tensor `t` (empty when it was never computed) and its name.
  const Shape& shape_of(TensorId t) const;
  std::string_view name_of(TensorId t) const;
  // The shape of a layer's input k, and its name (the tensor's).
  const Shape& input_shape(const LayerInfo& l, size_t k) const { return shape_of(l.input_ids[k]); }
  std::string_view input_name(const LayerInfo& l, size_t k) const {
    return name_of(l.input_ids[k]);
  }
  // The layer that computed tensor `t`, or null (a model input, a tensor never computed).
  const LayerInfo* maker_of(TensorId t) const;
  // `t`, then the tensor it views, and so on back through views (flatten, view, transpose, ...)
  // to the first tensor no view made: what an Embedding's indices are read from.
  std::vector<TensorId> view_chain(TensorId t) const;
};

// Runs inference over the graph: pure, so it may run again on the same graph (the smallest-input
// search does).
// Errors go to `diags`; the analysis always holds what was computed before the first error.
// With `explain`, every layer also records its formulas with the numbers substituted (costly
// string formatting, so only on request).
struct AnalyzeOptions {
  bool explain = false;
  // Replace the declared shapes of the inputs, in order (the smallest-input search).
  const std::vector<Shape>* input_shapes = nullptr;
  // A probe only asks how far inference gets: it stops after layer `stop_after` and keeps no
  // weight tensors (the counts are still checked).
  bool probe = false;
  size_t stop_after = SIZE_MAX;
  // The modules in training mode, as a module run in __init__ is (`.py`: a tensor made there
  // given to it): batch and instance norms then normalise with the input's own statistics,
  // which needs more than one value (PyTorch's errors). Otherwise eval mode, netshape's own.
  bool training = false;
};
Analysis analyze(const Graph& graph, Diagnostics& diags, const AnalyzeOptions& options = {});

// Warnings (codes "unbatched-flatten", "floor-drops-input", "unused-tensor") about a model that
// PyTorch runs but that is very likely not what was meant (docs/cli.md). For an analysis without
// errors only: it reads the graph and the layers, and only adds warnings.
void warn_suspicious(const Graph& graph, const Analysis& a, Diagnostics& diags);

// Per spatial dim of a window layer (ConvNd, max/avg pooling without ceil_mode), the real input
// rows its floor never reads (the "floor-drops-input" warning); empty for other layers and for
// windows of stride 1 (which read every row).
IntList floor_dropped_rows(const Analysis& a, const LayerInfo& l);
// "1 row and 2 columns", naming only the dims that drop something.
std::string floor_dropped_text(std::span<const int64_t> dropped);

}  // namespace netshape
