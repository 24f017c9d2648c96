// The tokens a recursive-descent parser looks at, read from its tokenizer on demand: from the one
// before the current (for spans that end there) to the furthest one peeked at. Earlier tokens are
// dropped, so memory does not grow with the file. The Python parser uses TokenWindow (its tokenizer
// may give several tokens at once: dedents); the .ns parser, which looks at most two ahead, the
// ring below.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <deque>
#include <stdexcept>
#include <utility>

namespace netshape {

// `Fill` appends at least one token to the deque and returns true, or returns false when the
// stream has ended (its last token, End, is then the answer for every later index).
template <typename Token, typename Fill>
class TokenWindow {
 public:
  explicit TokenWindow(Fill fill) : fill_(std::move(fill)) {}

  // Token number i (0-based in the file). A reference stays valid until drop_before() passes it.
  const Token& at(size_t i) {
    size_t k = i - base_;
    if (k < buf_.size()) return buf_[k];  // the common case: a token already read
    while (base_ + buf_.size() <= i && !ended_) ended_ = !fill_(buf_);
    return buf_[std::min(i - base_, buf_.size() - 1)];
  }
  // Forgets the tokens before number i, keeping at least the last one read.
  void drop_before(size_t i) {
    while (base_ < i && buf_.size() > 1) {
      buf_.pop_front();
      ++base_;
    }
  }

 private:
  Fill fill_;
  std::deque<Token> buf_;
  size_t base_ = 0;  // the number of buf_[0]
  bool ended_ = false;
};

// A window for a parser that looks only a few tokens around the current one (the .ns parser: one
// back, two ahead): a ring of kCapacity slots, reused, never moved, so a reference stays valid
// until kCapacity more tokens are read, and reading a token costs no allocation. `Next` returns
// the next token (End again and again after the last).
template <typename Token, typename Next, size_t kCapacity = 16>
class TokenRing {
 public:
  explicit TokenRing(Next next) : next_(std::move(next)) {}

  // Token number i (0-based in the file), read on demand.
  const Token& at(size_t i) {
    if (i < base_) throw std::logic_error("token window: a token was read after it was dropped");
    while (end_ <= i) {
      if (end_ - base_ == kCapacity)
        throw std::logic_error("token window: the parser looked too far ahead");
      slots_[end_ % kCapacity] = next_();
      ++end_;
    }
    return slots_[i % kCapacity];
  }
  // Forgets the tokens before number i, keeping at least the last one read.
  void drop_before(size_t i) {
    if (end_ > 0) base_ = std::max(base_, std::min(i, end_ - 1));
  }

 private:
  Next next_;
  std::array<Token, kCapacity> slots_{};
  size_t base_ = 0;  // the first token kept
  size_t end_ = 0;   // one past the last token read
};

}  // namespace netshape
