#include "netshape/shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "netshape/checked.hpp"

namespace netshape {

namespace {

// The process-wide symbol table: a deque, so a stored name never moves.
struct SymbolTable {
  std::mutex mutex;
  std::deque<std::string> names{""};
  std::unordered_map<std::string_view, SymbolId> ids{{names[0], 0}};
};

SymbolTable& symbols() {
  static SymbolTable table;
  return table;
}

}  // namespace

SymbolId intern_symbol(std::string_view name) {
  SymbolTable& t = symbols();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto it = t.ids.find(name);
  if (it != t.ids.end()) return it->second;
  SymbolId id = static_cast<SymbolId>(t.names.size());
  t.names.emplace_back(name);
  t.ids.emplace(t.names.back(), id);
  return id;
}

std::string_view symbol_name(SymbolId id) {
  SymbolTable& t = symbols();
  std::lock_guard<std::mutex> lock(t.mutex);
  return id < t.names.size() ? std::string_view(t.names[id]) : std::string_view();
}

std::string to_string(const Dim& d) {
  if (!d.symbolic()) return std::to_string(d.value);
  if (d.value == 1) return std::string(d.symbol());
  return fmt::format("{}*{}", d.value, d.symbol());
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + to_string(s[i]);
  return out + "]";
}

std::string to_x_string(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + to_string(s[i]);
  return out;
}

std::optional<int64_t> checked_product(std::span<const int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors) {
    auto r = checked_mul(p, f);
    if (!r) return std::nullopt;
    p = *r;
  }
  return p;
}

std::optional<int64_t> count_product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < std::min(end, s.size()); ++i) {
    auto r = checked_mul(p, s[i].count_value());
    if (!r) return std::nullopt;
    p = *r;
  }
  return p;
}

std::optional<Dim> dim_product(const Shape& s, size_t begin, size_t end) {
  Dim out{1, 0};
  for (size_t i = begin; i < std::min(end, s.size()); ++i) {
    if (s[i].symbolic()) {
      if (out.symbolic()) return std::nullopt;  // B*B is beyond what we track
      out.sym = s[i].sym;
    }
    auto r = checked_mul(out.value, s[i].value);
    if (!r) return std::nullopt;
    out.value = *r;
  }
  return out;
}

bool one_value_per_channel(const Shape& x) {
  for (size_t i = 0; i < x.size(); ++i)
    if (i != 1 && (x[i].symbolic() || x[i].value != 1)) return false;
  return true;
}

size_t spatial_axis_count(const Shape& input) {
  size_t rank = input.size();
  if (rank >= 4) return rank - 2;
  if (rank == 3) return input[0].symbolic() ? 1 : 2;
  return 0;
}

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -(v + 1) + 1ULL : static_cast<unsigned long long>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::optional<std::vector<int64_t>> bind_batch(const Shape& s, int64_t batch) {
  std::vector<int64_t> out;
  for (const Dim& d : s) {
    auto v = d.symbolic() ? (Checked(d.value) * batch).get() : std::optional<int64_t>(d.value);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::optional<int64_t> elements_at_batch(const Shape& s, int64_t batch) {
  auto dims = bind_batch(s, batch);
  return dims ? checked_product(*dims) : std::nullopt;
}

std::optional<Shape> broadcast_shapes(const Shape& a, const Shape& b, std::string& error) {
  size_t rank = std::max(a.size(), b.size());
  Shape s(rank);
  for (size_t i = rank; i-- > 0;) {  // from the last dim, as PyTorch reports the mismatch
    const Dim* da = i + a.size() >= rank ? &a[i + a.size() - rank] : nullptr;
    const Dim* db = i + b.size() >= rank ? &b[i + b.size() - rank] : nullptr;
    if (!da) {
      s[i] = *db;
    } else if (!db) {
      s[i] = *da;
    } else if (*da == *db || (!db->symbolic() && db->value == 1)) {
      s[i] = *da;
    } else if (!da->symbolic() && da->value == 1) {
      s[i] = *db;
    } else {
      error = fmt::format(
          "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton "
          "dimension {}",
          to_string(*da), to_string(*db), i);
      return std::nullopt;
    }
  }
  return s;
}

}  // namespace netshape
