// The storage of a Shape and of the rules' lists of ints: the items inline up to kInline (every
// real model's), on the heap beyond (hostile ranks up to limits::kMaxRank, long lists), so
// copying one costs no allocation. The subset of std::vector's interface the rules use, with the
// same meaning.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>

namespace netshape {

template <typename T, size_t kInline>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "elements are moved with memcpy");

 public:
  using value_type = T;
  using size_type = size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  SmallVector() = default;
  explicit SmallVector(size_t n) { resize(n); }
  SmallVector(size_t n, const T& v) { resize(n, v); }
  SmallVector(std::initializer_list<T> items) { assign(items.begin(), items.end()); }
  template <typename It, typename = decltype(*std::declval<It&>())>
  SmallVector(It first, It last) {
    assign(first, last);
  }
  // A copy of any contiguous list (a std::vector, a SmallVector of another inline size).
  explicit SmallVector(std::span<const T> items) { assign(items.begin(), items.end()); }
  SmallVector(const SmallVector& o) { assign(o.begin(), o.end()); }
  SmallVector(SmallVector&& o) noexcept { take(o); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  T* data() { return on_heap() ? heap_ : inline_; }
  const T* data() const { return on_heap() ? heap_ : inline_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& at(size_t i) { return i < size_ ? data()[i] : throw std::out_of_range("SmallVector::at"); }
  const T& at(size_t i) const {
    return i < size_ ? data()[i] : throw std::out_of_range("SmallVector::at");
  }
  T& front() { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& front() const { return data()[0]; }
  const T& back() const { return data()[size_ - 1]; }

  void clear() { size_ = 0; }
  void reserve(size_t n) { grow(n); }
  void push_back(const T& v) {
    T copy = v;  // v may live in this vector
    grow(size_ + 1);
    data()[size_++] = copy;
  }
  void pop_back() { --size_; }
  void resize(size_t n, const T& v = T{}) {
    T copy = v;
    grow(n);
    for (size_t i = size_; i < n; ++i) data()[i] = copy;
    size_ = static_cast<uint32_t>(n);  // grow(n) checked that it fits
  }
  void assign(size_t n, const T& v) {
    T copy = v;  // v may live in this vector
    clear();
    resize(n, copy);
  }
  template <typename It, typename = decltype(*std::declval<It&>())>
  void assign(It first, It last) {
    size_t n = static_cast<size_t>(std::distance(first, last));
    grow(n);
    std::copy(first, last, data());
    size_ = static_cast<uint32_t>(n);  // grow(n) checked that it fits
  }
  iterator insert(const_iterator pos, const T& v) { return insert(pos, size_t{1}, v); }
  iterator insert(const_iterator pos, size_t n, const T& v) {
    T copy = v;
    size_t at = open_gap(pos, n);
    std::fill(data() + at, data() + at + n, copy);
    return data() + at;
  }
  template <typename It, typename = decltype(*std::declval<It&>())>
  iterator insert(const_iterator pos, It first, It last) {
    SmallVector items(first, last);  // the range may live in this vector
    size_t at = open_gap(pos, items.size());
    std::copy(items.begin(), items.end(), data() + at);
    return data() + at;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    size_t at = static_cast<size_t>(first - data());
    size_t n = static_cast<size_t>(last - first);
    std::memmove(data() + at, data() + at + n, (size_ - at - n) * sizeof(T));
    size_ -= static_cast<uint32_t>(n);
    return data() + at;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  static_assert(kInline * sizeof(T) >= sizeof(T*), "the heap pointer shares the inline storage");
  // The items inline, or (capacity_ > kInline) the pointer to them on the heap: a list costs its
  // inline items and two counts, which matters in the per-layer attributes.
  union {
    T inline_[kInline] = {};
    T* heap_;
  };
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;

  bool on_heap() const { return capacity_ > kInline; }
  void release() {
    if (on_heap()) delete[] heap_;
    size_ = 0;
    capacity_ = kInline;
  }
  void grow(size_t n) {
    if (n <= capacity_) return;
    if (n > UINT32_MAX) throw std::length_error("SmallVector: too many items");
    size_t capacity = std::min<size_t>(std::max<size_t>(n, 2 * size_t{capacity_}), UINT32_MAX);
    T* bigger = new T[capacity];
    std::memcpy(bigger, data(), size_ * sizeof(T));
    if (on_heap()) delete[] heap_;
    heap_ = bigger;
    capacity_ = static_cast<uint32_t>(capacity);
  }
  // Moves [pos, end) right by n; returns pos as an index.
  size_t open_gap(const_iterator pos, size_t n) {
    size_t at = static_cast<size_t>(pos - data());
    grow(size_ + n);
    std::memmove(data() + at + n, data() + at, (size_ - at) * sizeof(T));
    size_ += static_cast<uint32_t>(n);
    return at;
  }
  // Takes o's items (this holds none): its heap block, or a copy of its inline items.
  void take(SmallVector& o) {
    if (o.on_heap()) {
      heap_ = o.heap_;
      capacity_ = o.capacity_;
      o.capacity_ = kInline;
    } else {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
    }
    size_ = o.size_;
    o.size_ = 0;
  }
};

// A rule's list of ints: a weight's shape, a size per spatial dim, the factors of a count. Inline
// up to 8 (a 3-D convolution's weight has 5 dims); longer lists (F.pad's, a hostile rank's) go to
// the heap. Functions that only read a list take std::span<const int64_t>, so a std::vector
// passes too.
using IntList = SmallVector<int64_t, 8>;

}  // namespace netshape
