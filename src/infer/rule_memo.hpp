// What a rule computed, kept for the layers that ask it the same question. A rule is a function
// of what it reads: the op, its bound arguments (their values, and whether each was written),
// its `*shape` values, its input shapes and whether its row is its call's second result; a network
// repeats the same layer on the same shapes again and again (a ResNet stage, a generated deep
// model), and asking the rule again costs more than finding its answer.
//
// What the key does not hold decides when there is no answer to keep: a rule that reported
// anything (an error, a warning: those name the layer and point at its arguments), a layer whose
// arguments read another tensor's size (`x.size(0)`), or one whose rule explains its formulas
// (--explain: the text names the layer) or notes a `?` it worked out, runs its rule every time;
// so does a rule that reads what is known of its input's values (Embedding's, KnownValues), and
// one whose inputs have roles (nn.MultiheadAttention's masks).
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  // The key is a list of 8-byte words, each written whole at its own place and read back the same
  // way (hashed and compared word by word): a key written in pieces of 1 to 8 bytes and then read
  // as wider words makes the CPU wait for every store to land, as it cannot forward several
  // stores into one load, and this runs once per layer.
  using Word = uint64_t;
  std::vector<Word> key_;
  size_t used_ = 0;  // words of the key asked last
  uint64_t hash_ = 0;
  std::span<const Word> key() const { return {key_.data(), used_}; }

  struct Stored {  // a kept key, with its hash
    std::vector<Word> words;
    uint64_t hash;
  };
  struct Probe {  // the key asked, as it is looked up
    std::span<const Word> words;
    uint64_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const Stored& k) const { return static_cast<size_t>(k.hash); }
    size_t operator()(const Probe& k) const { return static_cast<size_t>(k.hash); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static bool same(std::span<const Word> a, std::span<const Word> b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)  // a word at a time: each load is one store's
        if (a[i] != b[i]) return false;
      return true;
    }
    bool operator()(const Stored& a, const Stored& b) const { return same(a.words, b.words); }
    bool operator()(const Probe& a, const Stored& b) const { return same(a.words, b.words); }
    bool operator()(const Stored& a, const Probe& b) const { return same(a.words, b.words); }
  };
  std::unordered_map<Stored, Answer, KeyHash, KeyEqual> answers_;

  void add(Word w) {
    if (used_ == key_.size()) key_.resize(2 * key_.size() + 64);
    key_[used_++] = w;
  }
  uint64_t hash_key() const;
  void add_signed(int64_t v) { add(static_cast<Word>(v)); }
  void add_text(std::string_view text);
  bool add_value(const Value& v);
  void add_shape(const Shape& s);
};

}  // namespace netshape
