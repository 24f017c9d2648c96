#include "rule_memo.hpp"

#include <algorithm>
#include <bit>

namespace netshape {

// The key: the op; per parameter, whether it was written and its value; the `*shape` values;
// the input shapes; the shape a flatten before it flattened. Spans and origins are not in it:
// they only place messages, and a rule that reports anything is not kept. Each piece is
// preceded by its kind or its count, so two different questions never write the same words.
bool RuleMemo::ask(const GraphNode& node, const InputShapes& inputs, const Shape* flattened_from) {
  used_ = 0;
  add(static_cast<Word>(node.op));
  add(node.bound_count());
  for (size_t i = 0; i < node.bound_count(); ++i) {
    const Value* v = node.bound(i);
    add(static_cast<Word>(node.is_given(i) + 2 * (v != nullptr)));
    if (v && !add_value(*v)) return false;
  }
  add(node.var_positional.size());
  for (const Value* v : node.var_positional)
    if (!add_value(*v)) return false;
  add(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) add_shape(inputs[k]);
  add(flattened_from != nullptr);
  if (flattened_from) add_shape(*flattened_from);
  add(node.statement->extras().output_index);  // a second result's row: another shape, no products
  hash_ = hash_key();
  return true;
}

// Four words at a time into four independent sums (a key is ~50 words: one chain of multiplies
// would make each wait for the one before), mixed at the end.
uint64_t RuleMemo::hash_key() const {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t lane[4] = {1469598103934665603ull, 0x243F6A8885A308D3ull, 0x13198A2E03707344ull,
                      0xA4093822299F31D0ull};
  size_t i = 0;
  for (; i + 4 <= used_; i += 4)
    for (size_t k = 0; k < 4; ++k) lane[k] = (lane[k] ^ key_[i + k]) * kMul;
  for (size_t k = 0; i < used_; ++i, ++k) lane[k] = (lane[k] ^ key_[i]) * kMul;
  uint64_t h = used_;
  for (uint64_t l : lane) {
    h = (h ^ (l ^ (l >> 29))) * kMul;
    h ^= h >> 32;
  }
  return h;
}

// Its length, then its bytes, eight to a word (the last one padded with zeros).
void RuleMemo::add_text(std::string_view text) {
  add(text.size());
  for (size_t i = 0; i < text.size(); i += sizeof(Word)) {
    Word w = 0;
    std::memcpy(&w, text.data() + i, std::min(sizeof(Word), text.size() - i));
    add(w);
  }
}

// False for `x.size(i)`: the value is another tensor's size, which the key does not hold.
bool RuleMemo::add_value(const Value& v) {
  add(static_cast<Word>(v.kind));
  switch (v.kind) {
    case Value::Kind::DimRef:
      return false;
    case Value::Kind::Int:
      add_signed(v.i);
      return true;
    case Value::Kind::Float:
      add(std::bit_cast<Word>(v.f));
      return true;
    case Value::Kind::Bool:
      add(v.b);
      return true;
    case Value::Kind::String:
    case Value::Kind::Ident:
      add_text(v.s.str());
      return true;
    case Value::Kind::None:
    case Value::Kind::Infer:
      return true;
    case Value::Kind::Tuple:
    case Value::Kind::List:
      add(v.items.size());
      for (const Value& item : v.items)
        if (!add_value(item)) return false;
      return true;
  }
  return false;  // a kind this key does not know: the rule runs
}

void RuleMemo::add_shape(const Shape& s) {
  add(s.size());
  for (const Dim& d : s) {
    add_signed(d.value);
    add(d.sym);
  }
}

const RuleMemo::Answer* RuleMemo::answer() const {
  auto it = answers_.find(Probe{key(), hash_});
  return it == answers_.end() ? nullptr : &it->second;
}

void RuleMemo::keep(Answer a) {
  auto words = key();
  answers_.emplace(Stored{std::vector<Word>(words.begin(), words.end()), hash_}, std::move(a));
}

}  // namespace netshape
