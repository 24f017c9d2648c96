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
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "netshape/attrs.hpp"
#include "netshape/graph.hpp"
#include "netshape/name_table.hpp"
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
  // The key is written into key_ through a pointer (a model asks once per layer: appending piece
  // by piece to a string would cost more than some rules).
  std::string key_;
  char* at_ = nullptr;
  // A key is a few hundred bytes; std::hash would read them one at a time.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return static_cast<size_t>(hash_bytes(s)); }
  };
  std::unordered_map<std::string, Answer, KeyHash, std::equal_to<>> answers_;

  std::string_view key() const { return {key_.data(), static_cast<size_t>(at_ - key_.data())}; }
  void room(size_t n) {  // room for n more bytes of key
    if (static_cast<size_t>(key_.data() + key_.size() - at_) < n) grow(n);
  }
  void grow(size_t n);
  bool add_value(const Value& v);
  void add_shape(const Shape& s);
  template <typename T>
  void add(const T& x) {
    std::memcpy(at_, &x, sizeof x);
    at_ += sizeof x;
  }
};

}  // namespace netshape
