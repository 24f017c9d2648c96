#include "netshape/name_table.hpp"

#include <algorithm>
#include <cstring>

namespace netshape {

uint32_t NameTable::hash(std::string_view s) {
  return static_cast<uint32_t>(hash_bytes(s));
}

// Out of line: GCC 12 drops a __builtin_prefetch inlined from a member function.
void NameTable::prefetch(std::string_view s) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[hash(s) & (slots_.size() - 1)]);
}

size_t NameTable::slot_of(std::string_view s, uint32_t h) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id == kEmpty || (slot.hash == h && strings_[slot.id] == s)) return i;
  }
}

std::optional<NameId> NameTable::find(std::string_view s) const {
  if (slots_.empty()) return std::nullopt;
  uint32_t id = slots_[slot_of(s, hash(s))].id;
  if (id == kEmpty) return std::nullopt;
  return id;
}

std::pair<NameId, bool> NameTable::insert(std::string_view s) {
  if (2 * (strings_.size() + 1) > slots_.size()) rehash(std::max<size_t>(16, 2 * slots_.size()));
  uint32_t h = hash(s);
  size_t slot = slot_of(s, h);
  if (slots_[slot].id != kEmpty) return {slots_[slot].id, false};
  NameId id = static_cast<NameId>(strings_.size());
  strings_.push_back(store(s));
  hashes_.push_back(h);
  slots_[slot] = Slot{id, h};
  return {id, true};
}

void NameTable::reserve(size_t n) {
  strings_.reserve(n);
  hashes_.reserve(n);
  size_t slots = 16;
  while (slots < 2 * n) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

std::string_view NameTable::store(std::string_view s) {
  if (s.empty()) return {};
  if (chunk_used_ + s.size() > chunk_size_) {
    // Chunks double from 256 bytes to 64 KB: a block's scope holds a few names, a model 100,000.
    size_t next = std::clamp<size_t>(2 * chunk_size_, 256, size_t{64} << 10);
    chunk_size_ = std::max(s.size(), next);
    chunks_.push_back(std::make_unique<char[]>(chunk_size_));
    chunk_used_ = 0;
  }
  char* at = chunks_.back().get() + chunk_used_;
  std::memcpy(at, s.data(), s.size());
  chunk_used_ += s.size();
  return {at, s.size()};
}

void NameTable::rehash(size_t slots) {
  slots_.assign(slots, Slot{});
  size_t mask = slots - 1;
  for (NameId id = 0; id < strings_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (slots_[i].id != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{id, hashes_[id]};
  }
}

}  // namespace netshape
