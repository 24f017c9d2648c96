#include "rule_memo.hpp"

namespace netshape {

// More room for the key (the key so far kept).
void RuleMemo::grow(size_t n) {
  size_t used = static_cast<size_t>(at_ - key_.data());
  key_.resize(std::max(2 * key_.size(), used + n + 256));
  at_ = key_.data() + used;
}

// The key: the op; per parameter, whether it was written and its value; the `*shape` values;
// the input shapes; the shape a flatten before it flattened. Spans and origins are not in it:
// they only place messages, and a rule that reports anything is not kept. Each piece is
// preceded by its kind or its count, so two different questions never write the same bytes.
bool RuleMemo::ask(const GraphNode& node, const InputShapes& inputs, const Shape* flattened_from) {
  if (key_.empty()) key_.resize(512);
  at_ = key_.data();
  room(16 + 2 * node.bound.size());
  add(node.op);
  add(static_cast<uint32_t>(node.bound.size()));
  for (size_t i = 0; i < node.bound.size(); ++i) {
    const Value* v = node.bound[i];
    room(2);
    add(static_cast<uint8_t>(node.is_given(i) + 2 * (v != nullptr)));
    if (v && !add_value(*v)) return false;
  }
  room(16);
  add(static_cast<uint32_t>(node.var_positional.size()));
  for (const Value* v : node.var_positional)
    if (!add_value(*v)) return false;
  room(16);
  add(static_cast<uint32_t>(inputs.size()));
  for (size_t k = 0; k < inputs.size(); ++k) add_shape(inputs[k]);
  room(1);
  add(static_cast<uint8_t>(flattened_from != nullptr));
  if (flattened_from) add_shape(*flattened_from);
  return true;
}

// False for `x.size(i)`: the value is another tensor's size, which the key does not hold.
bool RuleMemo::add_value(const Value& v) {
  room(32);
  add(v.kind);
  switch (v.kind) {
    case Value::Kind::DimRef:
      return false;
    case Value::Kind::Int:
      add(v.i);
      return true;
    case Value::Kind::Float:
      add(v.f);
      return true;
    case Value::Kind::Bool:
      add(v.b);
      return true;
    case Value::Kind::String:
    case Value::Kind::Ident: {
      const std::string& text = v.s;
      room(sizeof(uint32_t) + text.size());
      add(static_cast<uint32_t>(text.size()));
      std::memcpy(at_, text.data(), text.size());
      at_ += text.size();
      return true;
    }
    case Value::Kind::None:
    case Value::Kind::Infer:
      return true;
    case Value::Kind::Tuple:
    case Value::Kind::List:
      add(static_cast<uint32_t>(v.items.size()));
      for (const Value& item : v.items)
        if (!add_value(item)) return false;
      return true;
  }
  return false;  // a kind this key does not know: the rule runs
}

void RuleMemo::add_shape(const Shape& s) {
  room(4 + s.size() * (sizeof(int64_t) + sizeof(SymbolId)));
  add(static_cast<uint32_t>(s.size()));
  for (const Dim& d : s) {
    add(d.value);
    add(d.sym);
  }
}

const RuleMemo::Answer* RuleMemo::answer() const {
  auto it = answers_.find(key());
  return it == answers_.end() ? nullptr : &it->second;
}

void RuleMemo::keep(Answer a) {
  answers_.emplace(std::string(key()), std::move(a));
}

}  // namespace netshape
