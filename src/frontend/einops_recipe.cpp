// einops 0.8's einops/parsing.py (ParsedExpression) and einops/einops.py
// (_prepare_transformation_recipe, _reconstruct_from_shape_uncached), for shapes whose first dim
// may be a symbolic batch. Sets in messages print sorted (Python's order follows string hashes).
#include "einops_recipe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "python_value.hpp"

namespace netshape::einops {
namespace {

using pylower::python_repr;

// `...` as einops writes it inside a parsed expression (a single character, "…").
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
// Anonymous axes (`2` in `(h 2)`) are each their own axis: keyed by this prefix and a number.
constexpr char kAnonymous = '\x01';

struct Failed {
  Error error;
};
[[noreturn]] void fail(std::string message, Failure kind = Failure::Einops) {
  throw Failed{Error{kind, std::move(message)}};
}

bool is_anonymous(const std::string& axis) {
  return !axis.empty() && axis[0] == kAnonymous;
}

// A parsed side of a pattern: its dims (an axis, a group, or the ellipsis alone) and identifiers.
struct Parsed {
  std::vector<std::vector<std::string>> composition;
  std::vector<bool> bare_ellipsis;  // composition[i] is the ellipsis outside brackets
  std::set<std::string> identifiers;
  std::map<std::string, int64_t> anonymous_length;
  std::map<std::string, std::string> anonymous_text;  // as Python's repr shows it: `2-axis`
  bool has_ellipsis = false, has_ellipsis_parenthesized = false, has_non_unitary = false;
};

bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool all_decimal(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
// ParsedExpression.check_axis_name_return_reason (no `_` alone: only parse_shape allows it).
std::string axis_name_problem(const std::string& name) {
  bool identifier =
      !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
      std::all_of(name.begin(), name.end(), [](char c) { return ascii_alnum(c) || c == '_'; });
  if (!identifier) return "not a valid python identifier";
  if (name.front() == '_' || name.back() == '_')
    return "axis name should should not start or end with underscore";  // sic, einops's words
  return "";
}

struct Parser {
  Parsed p;
  std::optional<std::vector<std::string>> group;
  int* anonymous_count;

  void add_axis_name(const std::string& x) {
    if (p.identifiers.count(x))
      fail(fmt::format("Indexing expression contains duplicate dimension \"{}\"", x));
    if (x == kEllipsis) {
      p.identifiers.insert(x);
      if (!group) {
        p.composition.push_back({x});
        p.bare_ellipsis.push_back(true);
        p.has_ellipsis_parenthesized = false;
      } else {
        group->push_back(x);
        p.has_ellipsis_parenthesized = true;
      }
      return;
    }
    bool number = all_decimal(x);
    if (number && x.size() <= 18 && std::stoll(x) == 1) {  // an axis of length 1: no axis
      if (!group) {
        p.composition.emplace_back();
        p.bare_ellipsis.push_back(false);
      }
      return;
    }
    std::string problem = number ? "" : axis_name_problem(x);
    if (!problem.empty()) fail(fmt::format("Invalid axis identifier: {}\n{}", x, problem));
    std::string key = x;
    if (number) {
      if (x.size() > 18)
        fail("netshape reads anonymous axes of at most 18 digits", Failure::Symbolic);
      int64_t value = std::stoll(x);
      if (value < 1) fail(fmt::format("Anonymous axis should have positive length, not {}", value));
      key = std::string(1, kAnonymous) + std::to_string((*anonymous_count)++);
      p.anonymous_length[key] = value;
      p.anonymous_text[key] = fmt::format("{}-axis", value);
      p.has_non_unitary = true;
    }
    p.identifiers.insert(key);
    if (!group) {
      p.composition.push_back({key});
      p.bare_ellipsis.push_back(false);
    } else {
      group->push_back(key);
    }
  }
};

Parsed parse_expression(std::string expression, int& anonymous_count) {
  Parser parser;
  parser.anonymous_count = &anonymous_count;
  if (expression.find('.') != std::string::npos) {
    size_t dots = std::count(expression.begin(), expression.end(), '.');
    size_t at = expression.find("...");
    if (at == std::string::npos) fail("Expression may contain dots only inside ellipsis (...)");
    if (expression.find("...", at + 1) != std::string::npos || dots != 3)
      fail("Expression may contain dots only inside ellipsis (...); only one ellipsis for tensor ");
    expression.replace(at, 3, kEllipsis);
    parser.p.has_ellipsis = true;
  }
  std::optional<std::string> current;
  for (size_t i = 0; i < expression.size();) {
    bool ellipsis = expression.compare(i, kEllipsis.size(), kEllipsis) == 0;
    char c = expression[i];
    size_t width = ellipsis ? kEllipsis.size() : 1;
    if (!ellipsis && (c == '(' || c == ')' || c == ' ')) {
      if (current) parser.add_axis_name(*current);
      current.reset();
      if (c == '(') {
        if (parser.group)
          fail("Axis composition is one-level (brackets inside brackets not allowed)");
        parser.group.emplace();
      } else if (c == ')') {
        if (!parser.group) fail("Brackets are not balanced");
        parser.p.composition.push_back(std::move(*parser.group));
        parser.p.bare_ellipsis.push_back(false);
        parser.group.reset();
      }
    } else if (ellipsis || ascii_alnum(c) || c == '_') {
      current = current.value_or("") + expression.substr(i, width);
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      fail("netshape reads einops patterns written in ASCII", Failure::Symbolic);
    } else {
      fail(fmt::format("Unknown character '{}'", c));
    }
    i += width;
  }
  if (parser.group) fail(fmt::format("Imbalanced parentheses in expression: \"{}\"", expression));
  if (current) parser.add_axis_name(*current);
  return std::move(parser.p);
}

// A set of axes as Python prints it (names quoted, anonymous axes as `2-axis`), sorted.
std::string set_text(const std::vector<std::string>& axes, const Parsed& a, const Parsed& b) {
  std::vector<std::string> shown;
  for (const std::string& axis : axes) {
    if (!is_anonymous(axis)) {
      shown.push_back(python_repr(axis));
      continue;
    }
    auto it = a.anonymous_text.find(axis);
    shown.push_back(it != a.anonymous_text.end() ? it->second : b.anonymous_text.at(axis));
  }
  std::sort(shown.begin(), shown.end());
  return fmt::format("{{{}}}", fmt::join(shown, ", "));
}

std::vector<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

constexpr const char* kReductions[] = {"min", "max", "sum", "mean", "prod", "any", "all"};

// The two sides, and the checks einops makes of them before it reads the tensor's rank.
struct Sides {
  Parsed left, right;
};
Sides prepare(std::string_view pattern, std::string_view operation,
              const std::vector<std::string>& axes_names) {
  size_t arrow = pattern.find("->");
  if (arrow == std::string_view::npos)
    fail("not enough values to unpack (expected 2, got 1)", Failure::Value);
  if (pattern.find("->", arrow + 2) != std::string_view::npos)
    fail("too many values to unpack (expected 2)", Failure::Value);
  int anonymous = 0;
  Sides s{parse_expression(std::string(pattern.substr(0, arrow)), anonymous),
          parse_expression(std::string(pattern.substr(arrow + 2)), anonymous)};
  const Parsed& left = s.left;
  const Parsed& right = s.right;
  if (!left.has_ellipsis && right.has_ellipsis)
    fail(fmt::format("Ellipsis found in right side, but not left side of a pattern {}", pattern));
  if (left.has_ellipsis && left.has_ellipsis_parenthesized)
    fail(fmt::format("Ellipsis inside parenthesis in the left side is not allowed: {}", pattern));
  if (operation == "rearrange") {
    if (left.has_non_unitary || right.has_non_unitary)
      fail("Non-unitary anonymous axes are not supported in rearrange (exception is length 1)");
    std::vector<std::string> difference = minus(left.identifiers, right.identifiers);
    for (const std::string& a : minus(right.identifiers, left.identifiers)) difference.push_back(a);
    if (!difference.empty())
      fail(fmt::format("Identifiers only on one side of expression (should be on both): {}",
                       set_text(difference, left, right)));
  } else if (operation == "repeat") {
    std::vector<std::string> difference = minus(left.identifiers, right.identifiers);
    if (!difference.empty())
      fail(fmt::format("Unexpected identifiers on the left side of repeat: {}",
                       set_text(difference, left, right)));
    std::set<std::string> sized = left.identifiers;
    sized.insert(axes_names.begin(), axes_names.end());
    std::vector<std::string> without_size;
    for (const std::string& a : minus(right.identifiers, sized))
      if (!is_anonymous(a)) without_size.push_back(a);
    if (!without_size.empty())
      fail(fmt::format("Specify sizes for new axes in repeat: {}",
                       set_text(without_size, left, right)));
  } else if (std::find(std::begin(kReductions), std::end(kReductions), operation) !=
             std::end(kReductions)) {
    std::vector<std::string> difference = minus(right.identifiers, left.identifiers);
    if (!difference.empty())
      fail(fmt::format("Unexpected identifiers on the right side of reduce {}: {}", operation,
                       set_text(difference, left, right)));
  } else {
    fail(
        fmt::format("Unknown reduction {}. Expect one of ('min', 'max', 'sum', 'mean', 'prod', "
                    "'any', 'all').",
                    operation));
  }
  return s;
}

// The ellipsis of both sides replaced by `ndim`'s axes (…0, …1, ...), as einops expands it.
void expand_ellipsis(Sides& s, size_t ndim) {
  Parsed& left = s.left;
  Parsed& right = s.right;
  if (!left.has_ellipsis) {
    if (ndim != left.composition.size())
      fail(fmt::format("Wrong shape: expected {} dims. Received {}-dim tensor.",
                       left.composition.size(), ndim));
    return;
  }
  size_t others = left.composition.size() - 1;
  if (ndim < others)
    fail(fmt::format("Wrong shape: expected >={} dims. Received {}-dim tensor.", others, ndim));
  std::vector<std::string> ellipsis_axes;
  for (size_t i = 0; i < ndim - others; ++i)
    ellipsis_axes.push_back(std::string(kEllipsis) + std::to_string(i));
  auto expand = [&](Parsed& side) {
    std::vector<std::vector<std::string>> out;
    for (size_t i = 0; i < side.composition.size(); ++i) {
      if (side.bare_ellipsis[i]) {
        for (const std::string& a : ellipsis_axes) out.push_back({a});
        continue;
      }
      std::vector<std::string> group;
      for (const std::string& a : side.composition[i]) {
        if (a == kEllipsis)
          group.insert(group.end(), ellipsis_axes.begin(), ellipsis_axes.end());
        else
          group.push_back(a);
      }
      out.push_back(std::move(group));
    }
    side.composition = std::move(out);
    if (side.has_ellipsis) {
      side.identifiers.erase(std::string(kEllipsis));
      side.identifiers.insert(ellipsis_axes.begin(), ellipsis_axes.end());
    }
  };
  expand(left);
  expand(right);
}

std::string dim_text(const Dim& d) {
  return to_string(d);
}

// A product of lengths; symbolic when one is, and a failure for two symbols.
Dim product(const std::vector<Dim>& dims) {
  Shape s;
  for (const Dim& d : dims) s.push_back(d);
  std::optional<Dim> p = dim_product(s);
  if (!p) fail("netshape follows one symbolic size per einops axis group", Failure::Symbolic);
  return *p;
}

// The lengths given by keyword name axes of the pattern, and with them every input dim has at
// most one axis of unknown length: what einops checks while it prepares the recipe, before it
// compares a length (a layer prepares it when built).
void check_lengths_given(const Sides& s, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!axis_name_problem(name).empty())
      fail(fmt::format("('Invalid name for an axis', {})", python_repr(name)));
    if (!s.left.identifiers.count(name) && !s.right.identifiers.count(name))
      fail(fmt::format("Axis {} is not used in transform", name));
  }
  for (const auto& group : s.left.composition) {
    std::vector<std::string> unknown;
    for (const std::string& a : group)
      if (!is_anonymous(a) && std::find(names.begin(), names.end(), a) == names.end())
        unknown.push_back(a);
    if (unknown.size() > 1)
      fail(fmt::format("Could not infer sizes for {}", set_text(unknown, s.left, s.right)));
  }
}

// A length the recipe has (einops's checks leave none unknown: a guard, not a case).
const Dim& known(const std::vector<std::optional<Dim>>& length, size_t i) {
  if (!length[i]) fail("an einops axis without a length", Failure::Symbolic);
  return *length[i];
}

// Every axis of a pattern and its length as far as it is known: the left side's in order (an
// input reshape has their lengths), then the right side's own (repeat's new axes).
struct Lengths {
  std::vector<std::string> axes;
  std::map<std::string, size_t> position;
  std::vector<std::optional<Dim>> length;
  size_t left_axes = 0;
  const Dim& of(const std::string& axis) const { return known(length, position.at(axis)); }
};

Lengths given_lengths(const Sides& s, const std::vector<AxisLength>& axes_lengths) {
  Lengths l;
  auto add_axis = [&](const std::string& a, const Parsed& side) {
    if (l.position.count(a)) return;
    l.position[a] = l.axes.size();
    l.axes.push_back(a);
    auto anonymous = side.anonymous_length.find(a);
    l.length.push_back(anonymous != side.anonymous_length.end()
                           ? std::optional<Dim>(fixed(anonymous->second))
                           : std::nullopt);
  };
  for (const auto& group : s.left.composition)
    for (const std::string& a : group) add_axis(a, s.left);
  l.left_axes = l.axes.size();
  for (const std::string& a : s.right.identifiers) add_axis(a, s.right);
  std::vector<std::string> names;
  for (const auto& [name, dim] : axes_lengths) names.push_back(name);
  check_lengths_given(s, names);
  for (const auto& [name, dim] : axes_lengths) l.length[l.position[name]] = dim;
  return l;
}

// The lengths input dim `size` gives the axes of its group (`known` have theirs, `unknown` at
// most one), with einops's checks; true when the input needs a reshape for it (a group, a `1`).
bool split_input_dim(const Dim& size, const std::vector<size_t>& known,
                     const std::vector<size_t>& unknown, Lengths& l) {
  bool reshaped = known.size() + unknown.size() != 1;
  if (known.empty() && unknown.size() == 1) {
    l.length[unknown[0]] = size;
    return false;
  }
  std::vector<Dim> factors;
  for (size_t k : known) factors.push_back(netshape::einops::known(l.length, k));
  Dim known_product = product(factors);
  if (known_product.symbolic()) {
    // a length read from the tensor (`b=x.shape[0]`): the batch divides out of its own size
    bool divides = size.sym == known_product.sym && size.value % known_product.value == 0;
    int64_t rest = divides ? size.value / known_product.value : 0;
    if (!divides || (unknown.empty() && rest != 1))
      fail(fmt::format("netshape cannot split size {} by the symbolic {}", dim_text(size),
                       dim_text(known_product)),
           Failure::Symbolic);
    if (!unknown.empty()) l.length[unknown[0]] = fixed(rest);
    return reshaped;
  }
  if (unknown.empty()) {
    if (size.symbolic())
      fail(fmt::format("netshape cannot check the symbolic {} against {}", dim_text(size),
                       known_product.value),
           Failure::Symbolic);
    if (size.value != known_product.value)
      fail(fmt::format("Shape mismatch, {} != {}", size.value, known_product.value));
    return reshaped;
  }
  if (known_product.value == 0)
    fail("integer modulo by zero", Failure::Value);  // Python 3.11's ZeroDivisionError
  if (size.value % known_product.value != 0) {
    if (size.symbolic())
      fail(fmt::format("netshape cannot split the symbolic {} in chunks of {}", dim_text(size),
                       known_product.value),
           Failure::Symbolic);
    fail(fmt::format("Shape mismatch, can't divide axis of length {} in chunks of {}", size.value,
                     known_product.value));
  }
  l.length[unknown[0]] = Dim{size.value / known_product.value, size.sym};
  return reshaped;
}

// The steps from the lengths: einops's _reconstruct_from_shape after the lengths are known.
Recipe steps(const Sides& s, const Lengths& l, bool need_init_reshape) {
  const Parsed& left = s.left;
  const Parsed& right = s.right;
  std::vector<std::string> ordered_left, ordered_right;
  for (const auto& group : left.composition)
    ordered_left.insert(ordered_left.end(), group.begin(), group.end());
  for (const auto& group : right.composition)
    ordered_right.insert(ordered_right.end(), group.begin(), group.end());
  std::vector<std::string> reduced, order;
  for (const std::string& a : ordered_left)
    if (!right.identifiers.count(a)) reduced.push_back(a);
  for (const std::string& a : ordered_right)
    if (left.identifiers.count(a)) order.push_back(a);
  order.insert(order.end(), reduced.begin(), reduced.end());

  Recipe r;
  if (need_init_reshape) {
    r.init_shape.emplace();
    for (size_t i = 0; i < l.left_axes; ++i) r.init_shape->push_back(known(l.length, i));
  }
  std::vector<int64_t> permutation;
  for (const std::string& a : order)
    permutation.push_back(std::find(ordered_left.begin(), ordered_left.end(), a) -
                          ordered_left.begin());
  bool identity = true;
  for (size_t i = 0; i < permutation.size(); ++i)
    identity = identity && permutation[i] == static_cast<int64_t>(i);
  if (!identity) r.permutation = permutation;
  for (size_t i = order.size() - reduced.size(); i < order.size(); ++i)
    r.reduced_axes.push_back(static_cast<int64_t>(i));
  for (size_t i = 0; i < ordered_right.size(); ++i) {
    const std::string& a = ordered_right[i];
    if (left.identifiers.count(a)) continue;
    auto anonymous = right.anonymous_length.find(a);
    r.added.push_back(Recipe::Added{
        static_cast<int64_t>(i), l.of(a),
        anonymous != right.anonymous_length.end() ? std::to_string(anonymous->second) : a});
  }
  r.axes_after_adding = static_cast<int64_t>(r.added.size() + permutation.size());
  bool need_final_reshape = false;
  std::vector<Dim> final_shape;
  for (const auto& group : right.composition) {
    std::vector<Dim> factors;
    for (const std::string& a : group) factors.push_back(l.of(a));
    final_shape.push_back(product(factors));
    if (group.size() != 1) need_final_reshape = true;
  }
  if (need_final_reshape) r.final_shape = std::move(final_shape);
  return r;
}

Recipe reconstruct(Sides& s, const std::vector<AxisLength>& axes_lengths, const Shape& shape) {
  expand_ellipsis(s, shape.size());
  Lengths l = given_lengths(s, axes_lengths);
  bool need_init_reshape = false;
  for (size_t i = 0; i < s.left.composition.size(); ++i) {
    std::vector<size_t> known, unknown;
    for (const std::string& a : s.left.composition[i])
      (l.length[l.position[a]] ? known : unknown).push_back(l.position[a]);
    need_init_reshape = split_input_dim(shape[i], known, unknown, l) || need_init_reshape;
  }
  return steps(s, l, need_init_reshape);
}

}  // namespace

std::pair<size_t, size_t> layer_ranks(std::string_view pattern) {
  try {
    int anonymous = 0;
    Parsed left = parse_expression(std::string(pattern.substr(0, pattern.find("->"))), anonymous);
    size_t dims = left.composition.size();
    return left.has_ellipsis ? std::pair<size_t, size_t>{dims - 1, dims - 1 + 7}
                             : std::pair<size_t, size_t>{dims, dims};
  } catch (const Failed&) {  // not a pattern: the layer refused it when built
    return {0, SIZE_MAX};
  }
}

std::optional<Error> check_pattern(std::string_view pattern, std::string_view operation,
                                   const std::vector<std::string>& axes_names) {
  try {
    check_lengths_given(prepare(pattern, operation, axes_names), axes_names);
    return std::nullopt;
  } catch (const Failed& f) {
    return f.error;
  }
}

std::optional<Recipe> recipe(std::string_view pattern, std::string_view operation,
                             const std::vector<AxisLength>& axes_lengths, const Shape& shape,
                             Error& error) {
  try {
    std::vector<std::string> names;
    for (const auto& [name, dim] : axes_lengths) names.push_back(name);
    Sides sides = prepare(pattern, operation, names);
    return reconstruct(sides, axes_lengths, shape);
  } catch (const Failed& f) {
    error = f.error;
    return std::nullopt;
  }
}

}  // namespace netshape::einops
