// The model as a drawable graph (diagram.hpp).
#include "diagram.hpp"

namespace netshape {
namespace {

constexpr size_t kNoNode = static_cast<size_t>(-1);

// Who produced each tensor: its node and its shape text. Ids past the analysis's tensor count
// (never made by inference) have no producer, so no edge.
struct Producers {
  std::vector<size_t> node;
  std::vector<std::string> shape;
  explicit Producers(size_t tensors) : node(tensors, kNoNode), shape(tensors) {}
  void set(TensorId t, size_t n, std::string s) {
    if (t == kNoId || t >= node.size()) return;
    node[t] = n;
    shape[t] = std::move(s);
  }
  bool known(TensorId t) const { return t != kNoId && t < node.size() && node[t] != kNoNode; }
};

}  // namespace

Diagram make_diagram(const Analysis& a) {
  Diagram d;
  Producers producers(a.tensor_count);
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    d.nodes.push_back({DiagramNode::Kind::Input, a.inputs[i].first, "input", false, false});
    if (i < a.input_ids.size())
      producers.set(a.input_ids[i], d.nodes.size() - 1, to_string(a.inputs[i].second));
  }
  for (const LayerInfo& l : a.layers) {
    size_t self = d.nodes.size();
    d.nodes.push_back({DiagramNode::Kind::Layer, std::string(l.name), std::string(l.op_name),
                       !l.output.has_value(), l.params > 0});
    for (TensorId t : l.input_ids)
      if (producers.known(t)) d.edges.push_back({producers.node[t], self, producers.shape[t]});
    if (l.output) producers.set(l.output_id, self, to_string(*l.output));
  }
  if (!a.ok) return d;  // the outputs of a model that failed are not known
  for (size_t i = 0; i < a.outputs.size() && i < a.output_ids.size(); ++i) {
    TensorId t = a.output_ids[i];
    if (!producers.known(t)) continue;
    size_t self = d.nodes.size();
    d.nodes.push_back({DiagramNode::Kind::Output, a.outputs[i].first, "output", false, false});
    d.edges.push_back({producers.node[t], self, producers.shape[t]});
  }
  return d;
}

}  // namespace netshape
