#include "rule_memo.hpp"

namespace netshape {

// The key: the op; per parameter, whether it was written and its value; the `*shape` values;
// the input shapes; the shape a flatten before it flattened. Spans and origins are not in it:
// they only place messages, and a rule that reports anything is not kept.
bool RuleMemo::ask(const GraphNode& node, const InputShapes& inputs, const Shape* flattened_from) {
  key_.clear();
  add(node.op);
  for (size_t i = 0; i < node.bound.size(); ++i) {
    const Value* v = node.bound[i];
    add(static_cast<uint8_t>(node.is_given(i)));
    add(static_cast<uint8_t>(v != nullptr));
    if (!v) continue;
    if (!add_value(*v)) return false;
  }
  add(node.var_positional.size());
  for (const Value* v : node.var_positional)
    if (!add_value(*v)) return false;
  add(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) add_shape(inputs[k]);
  add(static_cast<uint8_t>(flattened_from != nullptr));
  if (flattened_from) add_shape(*flattened_from);
  return true;
}

// False for `x.size(i)`: the value is another tensor's size, which the key does not hold.
bool RuleMemo::add_value(const Value& v) {
  if (v.kind == Value::Kind::DimRef) return false;
  add(v.kind);
  add(v.i);
  add(v.f);
  add(v.b);
  add(v.s.size());
  key_ += v.s.str();
  add(v.items.size());
  for (const Value& item : v.items)
    if (!add_value(item)) return false;
  return true;
}

void RuleMemo::add_shape(const Shape& s) {
  add(s.size());
  for (const Dim& d : s) {
    add(d.value);
    add(d.sym);
  }
}

const RuleMemo::Answer* RuleMemo::answer() const {
  auto it = answers_.find(key_);
  return it == answers_.end() ? nullptr : &it->second;
}

void RuleMemo::keep(Answer a) {
  answers_.emplace(key_, std::move(a));
}

}  // namespace netshape
