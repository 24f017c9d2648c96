// Constant folding for the places that read a value without running the file: the top-level
// constants model selection sees and the input shapes of `# input:` comments and example calls.
#include <cmath>

#include "netshape/checked.hpp"
#include "python_lower.hpp"

namespace netshape::pylower {

using py::Expr;
using py::Stmt;

namespace {

Const fail_at(Span span, std::string message, std::string help = {}) {
  Diagnostic d;
  d.span = span;
  d.message = std::move(message);
  d.help = std::move(help);
  return Const::failed(std::move(d));
}

// A value found through a name keeps pointing at the name, so errors point at the use.
Const respan(Const c, Span span) {
  if (c.state == Const::Ok) c.value.span = span;
  return c;
}

}  // namespace

// eval_const: literal | name | self.attr | tuple/list | unary | binary, folded to a Value.
Const Lowerer::eval_const(const Expr& e, const Scope* scope, Instance* self, int depth) {
  // The parser bounds a tree's height (nesting and chains, docs/limits.md); this bounds the
  // recursion should another caller build deeper trees.
  constexpr int kMaxTreeHeight = limits::kMaxPyChain + 10 * limits::kMaxPyExprDepth;
  if (depth > kMaxTreeHeight)
    return fail_at(e.span, "unsupported Python construct: expression too deep");
  switch (e.kind) {
    case Expr::Kind::Int:
      if (e.int_overflow) return fail_at(e.span, "integer literal too large for a size");
      return Const::ok(Value::integer(e.int_value, e.span));
    case Expr::Kind::Float:
      return Const::ok(Value::floating(e.float_value, e.span));
    case Expr::Kind::String:
      return Const::ok(Value::string(e.text, e.span));
    case Expr::Kind::Bool:
      return Const::ok(Value::boolean(e.int_value != 0, e.span));
    case Expr::Kind::None:
      return Const::ok(Value::none(e.span));
    case Expr::Kind::Name:
      return eval_name(e.text, e.span, scope);
    case Expr::Kind::Attribute:
      if (self != nullptr && e.items[0].kind == Expr::Kind::Name && e.items[0].text == "self") {
        auto it = self->attrs.find(e.text);
        if (it != self->attrs.end()) return respan(it->second, e.span);
        return fail_at(e.span, "`self." + e.text + "` is not set in __init__ before this use",
                       "assign `self." + e.text + " = ...` in __init__ first");
      }
      return fail_at(e.span, "unsupported Python construct: value `" + dotted(e) + "`",
                     "write the number itself, or pass it as a constructor argument");
    case Expr::Kind::Tuple:
    case Expr::Kind::List: {
      Value v;
      v.kind = e.kind == Expr::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List;
      v.span = e.span;
      for (const Expr& item : e.items) {
        Const c = eval_const(item, scope, self, depth + 1);
        if (c.state != Const::Ok) return c;
        v.items.push_back(std::move(c.value));
      }
      return Const::ok(std::move(v));
    }
    case Expr::Kind::Unary: {
      Const c = eval_const(e.items[0], scope, self, depth + 1);
      if (c.state != Const::Ok) return c;
      Value& v = c.value;
      if (e.text == "+" && (v.kind == Value::Kind::Int || v.kind == Value::Kind::Float)) {
        v.span = e.span;
        return c;
      }
      if (e.text == "-" && v.kind == Value::Kind::Int && v.i != INT64_MIN) {
        return Const::ok(Value::integer(-v.i, e.span));
      }
      if (e.text == "-" && v.kind == Value::Kind::Float) {
        return Const::ok(Value::floating(-v.f, e.span));
      }
      return fail_at(e.span, "unsupported Python construct: operator `" + e.text + "` here");
    }
    case Expr::Kind::Binary: {
      Const lhs = eval_const(e.items[0], scope, self, depth + 1);
      if (lhs.state != Const::Ok) return lhs;
      Const rhs = eval_const(e.items[1], scope, self, depth + 1);
      if (rhs.state != Const::Ok) return rhs;
      return eval_binary(e, lhs, rhs);
    }
    case Expr::Kind::Call:
      return fail_at(
          e.span,
          "unsupported Python construct: call `" + dotted(e.items[0]) + "(...)` used as a value",
          "write the value itself");
    case Expr::Kind::Subscript:
      if (has_slice(e)) return fail_at(e.span, "unsupported Python construct: slicing");
      return fail_at(e.span, "unsupported Python construct: indexing used as a value");
    case Expr::Kind::Compare:
      return eval_const(as_binary_chain(e), scope, self, depth + 1);
    case Expr::Kind::IfExp:
    case Expr::Kind::Starred:
    case Expr::Kind::Dict:
    case Expr::Kind::Set:
    case Expr::Kind::Comprehension:
    case Expr::Kind::Slice:
    case Expr::Kind::Ellipsis:
    case Expr::Kind::FString:
    case Expr::Kind::Lambda:
    case Expr::Kind::Other:
      return fail_at(e.span, "unsupported Python construct: " + py::unread_construct(e));
  }
  return fail_at(e.span, "unsupported Python construct");
}

Const Lowerer::eval_name(const std::string& name, Span span, const Scope* scope) {
  if (scope != nullptr) {
    auto it = scope->find(name);
    if (it != scope->end()) return respan(it->second, span);
  }
  auto it = globals_.find(name);
  if (it != globals_.end()) return respan(it->second, span);
  return fail_at(span, "name `" + name + "` is not defined here",
                 "define it before use, or write the value itself");
}

// Integer arithmetic as Python does it (floor division and modulo), checked for overflow;
// `/` on ints is exact or an error, since PyTorch sizes must be ints.
Const Lowerer::eval_binary(const Expr& e, const Const& lhs, const Const& rhs) {
  const Value& a = lhs.value;
  const Value& b = rhs.value;
  const std::string& op = e.text;
  bool ints = a.kind == Value::Kind::Int && b.kind == Value::Kind::Int;
  bool nums = (a.kind == Value::Kind::Int || a.kind == Value::Kind::Float) &&
              (b.kind == Value::Kind::Int || b.kind == Value::Kind::Float);
  if (a.kind == Value::Kind::DimRef || b.kind == Value::Kind::DimRef) {
    return fail_at(e.span, "unsupported Python construct: arithmetic on a tensor size",
                   "netshape keeps `x.size(i)` only as a whole argument; use -1 or the number");
  }
  if (ints) {
    int64_t r = 0;
    bool overflow = false;
    if (op == "+")
      overflow = __builtin_add_overflow(a.i, b.i, &r);
    else if (op == "-")
      overflow = __builtin_sub_overflow(a.i, b.i, &r);
    else if (op == "*")
      overflow = __builtin_mul_overflow(a.i, b.i, &r);
    else if (op == "//" || op == "%" || op == "/") {
      if (b.i == 0) return fail_at(e.span, "division by zero");
      auto q = python_floor_div(a.i, b.i);
      if (op != "%" && !q) return fail_at(e.span, "integer overflow");
      if (op == "/" && *python_mod(a.i, b.i) != 0) {
        return fail_at(e.span,
                       "`/` gives a float here (" + std::to_string(a.i) + " / " +
                           std::to_string(b.i) + " is not a whole number)",
                       "use `//` for integer division");
      }
      r = op == "%" ? *python_mod(a.i, b.i) : *q;
    } else if (op == "**") {
      if (b.i < 0 || b.i > 64) return fail_at(e.span, "unsupported exponent");
      r = 1;
      for (int64_t k = 0; k < b.i && !overflow; ++k) overflow = __builtin_mul_overflow(r, a.i, &r);
    } else {
      return fail_at(e.span, "unsupported Python construct: operator `" + op + "` in a value");
    }
    if (overflow) return fail_at(e.span, "integer overflow in `" + op + "`");
    return Const::ok(Value::integer(r, e.span));
  }
  if (nums && (op == "+" || op == "-" || op == "*" || op == "/")) {
    double x = a.kind == Value::Kind::Int ? static_cast<double>(a.i) : a.f;
    double y = b.kind == Value::Kind::Int ? static_cast<double>(b.i) : b.f;
    if (op == "/" && y == 0.0) return fail_at(e.span, "division by zero");
    double r = op == "+" ? x + y : op == "-" ? x - y : op == "*" ? x * y : x / y;
    return Const::ok(Value::floating(r, e.span));
  }
  return fail_at(e.span, "unsupported Python construct: operator `" + op + "` on these values");
}

// ---- __init__ ----

bool Lowerer::is_super_init(const Expr& e) const {
  if (e.kind != Expr::Kind::Call || e.items[0].kind != Expr::Kind::Attribute) return false;
  const Expr& callee = e.items[0];
  if (callee.text != "__init__") return false;
  const Expr& obj = callee.items[0];
  if (obj.kind == Expr::Kind::Call && dotted(obj.items[0]) == "super") return true;
  std::string base = dotted(obj);  // nn.Module.__init__(self)
  return !base.empty() && base != "self";
}

// The text before the op name in a fix line: the whole `self.fc1 = nn.` for a module assigned in
// __init__, just the `nn.` qualifier for a Sequential child (it shares its line with others).
std::string Lowerer::fix_prefix_for(const Expr& call, Span op_span, bool qualifier_only) const {
  std::string_view line = source(op_span.file).line_text(op_span.line);
  size_t end = std::min(line.size(), static_cast<size_t>(std::max(0, op_span.column - 1)));
  size_t begin = 0;
  if (qualifier_only && call.span.line == op_span.line) {
    begin = std::min(end, static_cast<size_t>(std::max(0, call.span.column - 1)));
  }
  while (begin < end && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
  return std::string(line.substr(begin, end - begin));
}

}  // namespace netshape::pylower
