// Interned strings: each distinct name is stored once, in an arena, and compared as an id. An
// open-addressing table over the ids finds a name with one hash and, usually, one compare: a model
// of 100,000 layers interns 100,000 names, and a node-based hash map would allocate for each.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace netshape {

using NameId = uint32_t;

// A hash of a name's bytes, eight a step (a layer's path is often longer than eight), the rest one
// at a time.
inline uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 1469598103934665603ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ull;
  return h ^ (h >> 32);
}

class NameTable {
 public:
  // The id of `s`, added when new; `.second` tells whether it was.
  std::pair<NameId, bool> insert(std::string_view s);
  NameId intern(std::string_view s) { return insert(s).first; }
  std::optional<NameId> find(std::string_view s) const;
  // Asks the processor to fetch the slot `s` hashes to, so that inserting or finding `s` a little
  // later does not wait for memory: a model of 100,000 layers has a table of 2 MB, and each new
  // name's slot is a random place in it (a cache miss, ~100 ns, a quarter of its parse).
  void prefetch(std::string_view s) const;
  bool contains(std::string_view s) const { return find(s).has_value(); }
  // Valid as long as the table: the arena never moves a stored string.
  std::string_view str(NameId id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }
  // Room for `n` names without rehashing (a model's statement count is known up front).
  void reserve(size_t n);
  // Every name, in the order they were added.
  const std::vector<std::string_view>& all() const { return strings_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  // An id with its name's hash: a probe that meets another name tells them apart without reading
  // that name (another cache miss).
  struct Slot {
    uint32_t id = kEmpty;
    uint32_t hash = 0;
  };
  std::vector<std::string_view> strings_;
  std::vector<uint32_t> hashes_;  // by id, so growing the table rehashes nothing
  std::vector<Slot> slots_;       // a power of two in size, at most half full
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t chunk_used_ = 0, chunk_size_ = 0;

  static uint32_t hash(std::string_view s);
  size_t slot_of(std::string_view s, uint32_t h) const;  // its slot, or the empty one it would take
  std::string_view store(std::string_view s);
  void rehash(size_t slots);
};

}  // namespace netshape
