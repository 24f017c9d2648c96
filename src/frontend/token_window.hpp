// The tokens a recursive-descent parser looks at, read from its tokenizer on demand: from the one
// before the current (for spans that end there) to the furthest one peeked at. Earlier tokens are
// dropped, so memory does not grow with the file. Both parsers use it.
#pragma once
#include <algorithm>
#include <cstddef>
#include <deque>
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

}  // namespace netshape
