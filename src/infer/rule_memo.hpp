// What a rule computed, kept for the layers that ask it the same question. A rule is a function
// of what it reads: the op, its bound arguments (their values, and whether each was written),
// its `*shape` values and its input shapes; a network repeats the same layer on the same shapes
// again and again (a ResNet stage, a generated deep model), and asking the rule again costs more
// than finding its answer.
//
// What the key does not hold decides when there is no answer to keep: a rule that reported
// anything (an error, a warning: those name the layer and point at its arguments), a layer whose
// arguments read another tensor's size (`x.size(0)`), or one whose rule explains its formulas
// (--explain: the text names the layer) or notes a `?` it worked out, runs its rule every time.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "netshape/attrs.hpp"
#include "netshape/graph.hpp"
#include "netshape/shape.hpp"
#include "rule_context.hpp"

namespace netshape {

class RuleMemo {
 public:
  // A rule's answer: what it sets in a layer.
  struct Answer {
    std::shared_ptr<const Shape> output;
    int64_t params = 0;
    int64_t macs = 0;
    std::shared_ptr<const Attrs> attrs;
    std::shared_ptr<const ParamTensors> weights;
  };

  // The question `node` asks its rule; false when the key cannot hold it (see above).
  bool ask(const GraphNode& node, const InputShapes& inputs, const Shape* flattened_from);
  // The answer to the question just asked, if a layer asked it before.
  const Answer* answer() const;
  // Keeps the answer to the question just asked.
  void keep(Answer a);

 private:
  std::string key_;
  std::unordered_map<std::string, Answer> answers_;

  bool add_value(const Value& v);
  void add_shape(const Shape& s);
  template <typename T>
  void add(const T& x) {
    key_.append(reinterpret_cast<const char*>(&x), sizeof x);
  }
};

}  // namespace netshape
