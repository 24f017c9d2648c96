// The symbolic run of forward: variables hold tensors (named by the statement that produced them)
// or constants; every module call, functional call, tensor method and tensor arithmetic emits one
// Statement.
#include "python_lower.hpp"

namespace netshape::pylower {

using py::Expr;
using py::Stmt;

namespace {

constexpr int kMaxInstanceDepth = limits::kMaxPyInstanceDepth;

// Methods that return the same tensor as far as shapes go: no statement for them.
bool is_identity_method(const std::string& m) {
  for (const char* k : {"contiguous", "float", "double", "half", "detach", "clone", "cpu", "cuda",
                        "to", "requires_grad_", "type_as"}) {
    if (m == k) return true;
  }
  return false;
}

bool is_functional_namespace(const std::string& d) {
  return d == "F" || d == "torch" || d == "nn.functional" || d == "torch.nn.functional" ||
         d == "functional";
}

std::string namespace_of(const std::string& dotted_name) {
  size_t dot = dotted_name.rfind('.');
  return dot == std::string::npos ? "" : dotted_name.substr(0, dot);
}

// a OP b for the constants a forward compares (ints, floats, bools, strings, None, tuples).
std::optional<bool> compare_values(const std::string& op, const Value& a, const Value& b) {
  auto number = [](const Value& v) -> std::optional<double> {
    if (v.kind == Value::Kind::Int) return static_cast<double>(v.i);
    if (v.kind == Value::Kind::Bool) return v.b ? 1.0 : 0.0;
    if (v.kind == Value::Kind::Float) return v.f;
    return std::nullopt;
  };
  if (op == "in" || op == "not in") {
    if (!b.is_sequence()) return std::nullopt;
    bool found = false;
    for (const Value& item : b.items) found |= compare_values("==", a, item).value_or(false);
    return (op == "in") == found;
  }
  if (op == "is" || op == "is not") {
    bool same = a.kind == b.kind &&
                (a.kind == Value::Kind::None || (a.kind == Value::Kind::Bool && a.b == b.b));
    return (op == "is") == same;
  }
  auto x = number(a), y = number(b);
  if (x && y) {
    bool ints = a.kind != Value::Kind::Float && b.kind != Value::Kind::Float;
    int64_t xi = a.kind == Value::Kind::Int ? a.i : a.b,
            yi = b.kind == Value::Kind::Int ? b.i : b.b;
    if (op == "==") return ints ? xi == yi : *x == *y;
    if (op == "!=") return ints ? xi != yi : *x != *y;
    if (op == "<") return ints ? xi < yi : *x < *y;
    if (op == "<=") return ints ? xi <= yi : *x <= *y;
    if (op == ">") return ints ? xi > yi : *x > *y;
    if (op == ">=") return ints ? xi >= yi : *x >= *y;
    return std::nullopt;
  }
  if (a.kind == Value::Kind::String && b.kind == Value::Kind::String) {
    if (op == "==") return a.s == b.s;
    if (op == "!=") return a.s != b.s;
    if (op == "<") return a.s < b.s;
    if (op == ">") return a.s > b.s;
    return std::nullopt;
  }
  if (op == "==" || op == "!=") {
    bool same = a.kind == b.kind && a.kind == Value::Kind::None;
    return (op == "==") == same;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FValue> Lowerer::run_forward(Instance& inst, const Stmt& forward,
                                           const std::vector<FValue>& args,
                                           const std::string& prefix, int module, int depth) {
  if (depth > kMaxInstanceDepth) {
    unsupported(forward.span, "modules nested too deeply (recursive module?)");
    return std::nullopt;
  }
  Frame f{inst, {}, prefix, module, depth};
  size_t next = 0;
  for (size_t i = 1; i < forward.params.size(); ++i) {
    const py::Param& p = forward.params[i];
    if (p.stars != 0) continue;
    if (next < args.size()) {
      f.vars[p.name] = args[next++];
    } else if (p.default_value) {
      Const c = eval_const(*p.default_value, nullptr, nullptr);
      f.vars[p.name] =
          FValue::constant(c.state == Const::Ok ? c.value : Value::none(p.span), p.span);
    } else {
      error(p.span, "forward parameter `" + p.name + "` receives no tensor",
            "call the module with one tensor per forward parameter");
      return std::nullopt;
    }
  }
  if (next < args.size()) {
    error(forward.name_span, "forward receives " + std::to_string(args.size()) +
                                 " tensors but takes " + std::to_string(next));
    return std::nullopt;
  }
  std::optional<FValue> result;
  if (!run_block(forward.body, f, result)) return std::nullopt;
  if (result) return result;
  error(forward.name_span, "forward has no `return`", "end forward with `return x`");
  return std::nullopt;
}

// Runs statements until a `return` (result set), a `break`/`continue` (f.loop set) or the end.
bool Lowerer::run_block(const std::vector<Stmt>& body, Frame& f, std::optional<FValue>& result) {
  for (const Stmt& s : body) {
    if (!forward_statement(s, f, result)) return false;
    if (result || f.loop != Frame::None) return true;
  }
  return true;
}

// An `if`/`while` test in forward: decided by the constructor's values (`self.use_res`,
// `self.downsample is not None`, `self.training`); a tensor's values cannot decide it.
std::optional<bool> Lowerer::condition(const Expr& e, Frame& f) {
  if (e.kind == Expr::Kind::Compare && e.ops.size() == 1 &&
      (e.ops[0] == "is" || e.ops[0] == "is not") &&
      (e.items[0].kind == Expr::Kind::None || e.items[1].kind == Expr::Kind::None)) {
    const Expr& other = e.items[0].kind == Expr::Kind::None ? e.items[1] : e.items[0];
    std::optional<FValue> v = eval(other, f);
    if (!v) return std::nullopt;
    bool none = v->kind == FValue::Constant && v->value.kind == Value::Kind::None;
    return (e.ops[0] == "is") == none;
  }
  std::optional<FValue> v = eval(e, f);
  if (!v) return std::nullopt;
  return truth(*v, e.span);
}

std::optional<bool> Lowerer::truth(const FValue& v, Span at) {
  switch (v.kind) {
    case FValue::Constant:
      switch (v.value.kind) {
        case Value::Kind::None:
          return false;
        case Value::Kind::Bool:
          return v.value.b;
        case Value::Kind::Int:
          return v.value.i != 0;
        case Value::Kind::Float:
          return v.value.f != 0.0;
        case Value::Kind::String:
          return !v.value.s.empty();
        case Value::Kind::Tuple:
        case Value::Kind::List:
          return !v.value.items.empty();
        case Value::Kind::DimRef:
          unsupported(at, "control flow on a tensor's shape",
                      "netshape decides `if` and loops in forward from the constructor's values; "
                      "write the branch the model takes");
          return std::nullopt;
        default:
          break;
      }
      break;
    case FValue::Tensor:
    case FValue::Shape:
      error(at,
            "control flow that depends on a tensor's values cannot be analysed statically: "
            "PyTorch decides it only when the data is known",
            "netshape follows shapes, not values; write the branch the model takes");
      return std::nullopt;
    case FValue::Tensors:
      return !v.items.empty();
    case FValue::Module:
    case FValue::Self:
      return true;
  }
  unsupported(at, "this value as a condition");
  return std::nullopt;
}

// a < b, a == b, a in (1, 2): constants only (the constructor's values).
std::optional<FValue> Lowerer::compare_fwd(const Expr& e, Frame& f) {
  std::vector<FValue> values;
  for (const Expr& item : e.items) {
    std::optional<FValue> v = eval(item, f);
    if (!v) return std::nullopt;
    if (v->kind != FValue::Constant || v->value.kind == Value::Kind::DimRef) {
      size_t before = diags_.error_count();
      truth(*v, item.span);  // reports a tensor's values or shape
      if (diags_.error_count() == before) unsupported(item.span, "comparing this value in forward");
      return std::nullopt;
    }
    values.push_back(std::move(*v));
  }
  for (size_t i = 0; i < e.ops.size(); ++i) {
    std::optional<bool> r = compare_values(e.ops[i], values[i].value, values[i + 1].value);
    if (!r) {
      unsupported(e.span, "comparison `" + e.ops[i] + "` of these values");
      return std::nullopt;
    }
    if (!*r) return FValue::constant(Value::boolean(false, e.span), e.span);
  }
  return FValue::constant(Value::boolean(true, e.span), e.span);
}

bool Lowerer::for_loop(const Stmt& s, Frame& f, std::optional<FValue>& result) {
  std::optional<std::vector<FValue>> items = loop_items(*s.value, f);
  if (!items) return false;
  bool broke = false;
  for (const FValue& item : *items) {
    if (!assign(s.targets[0], item, f)) return false;
    if (!run_block(s.body, f, result)) return false;
    if (result) return true;
    Frame::Loop signal = f.loop;
    f.loop = Frame::None;
    if (signal == Frame::Break) {
      broke = true;
      break;
    }
  }
  return broke || run_block(s.orelse, f, result);
}

// What a `for` in forward iterates: range(n), the children of a container (`self.blocks`), a
// tuple of tensors or constants, and enumerate() of those.
std::optional<std::vector<FValue>> Lowerer::loop_items(const Expr& e, Frame& f) {
  if (e.kind == Expr::Kind::Call && e.items[0].kind == Expr::Kind::Name &&
      (e.items[0].text == "range" || e.items[0].text == "enumerate") &&
      f.vars.count(e.items[0].text) == 0) {
    std::vector<FValue> args;
    for (size_t i = 1; i < e.items.size(); ++i) {
      if (e.items[0].text == "enumerate") {
        auto inner = loop_items(e.items[i], f);
        if (!inner) return std::nullopt;
        std::vector<FValue> out;
        for (size_t k = 0; k < inner->size(); ++k) {
          FValue pair;
          pair.kind = FValue::Tensors;
          pair.span = e.span;
          pair.items = {FValue::constant(Value::integer(static_cast<int64_t>(k), e.span), e.span),
                        (*inner)[k]};
          out.push_back(std::move(pair));
        }
        return out;
      }
      std::optional<FValue> v = eval(e.items[i], f);
      if (!v) return std::nullopt;
      if (v->kind != FValue::Constant || v->value.kind != Value::Kind::Int) {
        unsupported(e.items[i].span, "range() of this value in forward");
        return std::nullopt;
      }
      args.push_back(*v);
    }
    int64_t r[3] = {0, 0, 1};
    if (args.size() == 1) r[1] = args[0].value.i;
    for (size_t i = 0; args.size() > 1 && i < args.size() && i < 3; ++i) r[i] = args[i].value.i;
    if (r[2] == 0) {
      error(e.span, "range() arg 3 must not be zero");
      return std::nullopt;
    }
    std::vector<FValue> out;
    for (int64_t i = r[0]; r[2] > 0 ? i < r[1] : i > r[1]; i += r[2]) {
      if (out.size() >= limits::kMaxStatements) {
        error(e.span, "a loop in forward runs too many times", "docs/limits.md");
        return std::nullopt;
      }
      out.push_back(FValue::constant(Value::integer(i, e.span), e.span));
    }
    return out;
  }
  std::optional<FValue> v = eval(e, f);
  if (!v) return std::nullopt;
  if (v->kind == FValue::Module && v->module->kind == ModuleDef::Sequential) {
    std::vector<FValue> out;
    for (auto& [index, child] : v->module->children) {
      FValue m;
      m.kind = FValue::Module;
      m.module = &child;
      m.tensor = v->tensor + "." + index;
      m.span = e.span;
      out.push_back(std::move(m));
    }
    return out;
  }
  if (v->kind == FValue::Tensors) return v->items;
  if (v->kind == FValue::Constant && v->value.is_sequence()) {
    std::vector<FValue> out;
    for (const Value& item : v->value.items) out.push_back(FValue::constant(item, e.span));
    return out;
  }
  unsupported(e.span, "iterating this value in forward",
              "loop over range(n), a container of modules (nn.Sequential, nn.ModuleList) or a "
              "tuple");
  return std::nullopt;
}

// `self.x` in forward: a submodule (as a value, to call or iterate), or a constant.
std::optional<FValue> Lowerer::self_member(const Expr& e, Frame& f) {
  auto it = f.inst.modules.find(e.text);
  if (it == f.inst.modules.end()) return std::nullopt;
  FValue m;
  m.kind = FValue::Module;
  m.module = &it->second;
  m.tensor = f.prefix + e.text;
  m.span = e.span;
  return m;
}

// self.helper(x, ...) in forward: the method runs like a forward, with the same names.
std::optional<FValue> Lowerer::call_helper(const Expr& e, const Stmt& method, Frame& f) {
  std::vector<FValue> args;
  for (size_t i = 1; i < e.items.size(); ++i) {
    if (!e.keywords[i - 1].empty()) {
      unsupported(e.arg_spans[i - 1], "keyword argument to a helper method in forward");
      return std::nullopt;
    }
    std::optional<FValue> v = eval(e.items[i], f);
    if (!v) return std::nullopt;
    args.push_back(std::move(*v));
  }
  return run_forward(f.inst, method, args, f.prefix, f.module, f.depth + 1);
}

// forward_stmt: target = expr | target += expr | return expr[, expr...] | expr | pass
bool Lowerer::forward_statement(const Stmt& s, Frame& f, std::optional<FValue>& result) {
  switch (s.kind) {
    case Stmt::Kind::Pass:
    case Stmt::Kind::Import:
      return true;
    case Stmt::Kind::Expr: {
      const Expr& v = *s.value;
      if (v.kind == Expr::Kind::String) return true;  // docstring
      if (v.kind == Expr::Kind::Call && dotted(v.items[0]) == "print") return true;
      return eval(v, f).has_value();
    }
    case Stmt::Kind::Assign: {
      std::optional<FValue> v = eval(*s.value, f);
      if (!v) return false;
      for (const Expr& t : s.targets) {
        if (!assign(t, *v, f)) return false;
      }
      return true;
    }
    case Stmt::Kind::AugAssign: {
      const Expr& t = s.targets[0];
      std::string op = s.what.substr(0, s.what.size() - 1);
      Expr bin;
      bin.kind = Expr::Kind::Binary;
      bin.text = op;
      bin.span = s.span;
      bin.items = {t, *s.value};
      std::optional<FValue> v = eval_binary_fwd(bin, f);
      return v && assign(t, *v, f);
    }
    case Stmt::Kind::Return: {
      if (!s.value) return error(s.span, "forward returns nothing", "return the output tensor");
      std::optional<FValue> v = eval(*s.value, f);
      if (!v) return false;
      if (v->kind != FValue::Tensor && v->kind != FValue::Tensors) {
        return error(s.value->span, "forward must return a tensor", "return the output tensor");
      }
      result = std::move(v);
      return true;
    }
    case Stmt::Kind::ClassDef:
    case Stmt::Kind::FunctionDef:
      return unsupported(s.span, "nested definition in forward");
    case Stmt::Kind::If: {
      std::optional<bool> c = condition(*s.value, f);
      if (!c) return false;
      return run_block(*c ? s.body : s.orelse, f, result);
    }
    case Stmt::Kind::For:
      return for_loop(s, f, result);
    case Stmt::Kind::Break:
      f.loop = Frame::Break;
      return true;
    case Stmt::Kind::Continue:
      f.loop = Frame::Continue;
      return true;
    case Stmt::Kind::AnnAssign: {  // `aux: Optional[Tensor] = None`: the annotation is dropped
      if (!s.value) return true;
      std::optional<FValue> v = eval(*s.value, f);
      return v && assign(s.targets[0], *v, f);
    }
    case Stmt::Kind::While:
    case Stmt::Kind::Assert:
    case Stmt::Kind::Del:
    case Stmt::Kind::Global:
    case Stmt::Kind::Nonlocal:
    case Stmt::Kind::Raise:
    case Stmt::Kind::Other:
      return unsupported(s.span, py::unread_construct(s) + " in forward");
  }
  return unsupported(s.span, "statement in forward");
}

bool Lowerer::assign(const Expr& target, const FValue& value, Frame& f) {
  if (target.kind == Expr::Kind::Name) {
    f.vars[target.text] = value;
    return true;
  }
  if ((target.kind == Expr::Kind::Tuple || target.kind == Expr::Kind::List) &&
      value.kind == FValue::Tensors && value.items.size() == target.items.size()) {
    for (size_t i = 0; i < target.items.size(); ++i) {
      if (!assign(target.items[i], value.items[i], f)) return false;
    }
    return true;
  }
  return unsupported(target.span, "assignment target in forward",
                     "assign to plain variable names, e.g. `x = self.conv1(x)`");
}

// expr: name | literal | tuple/list | call | attribute | subscript | binary | unary
std::optional<FValue> Lowerer::eval(const Expr& e, Frame& f) {
  switch (e.kind) {
    case Expr::Kind::Name: {
      auto it = f.vars.find(e.text);
      if (it != f.vars.end()) {
        FValue v = it->second;
        if (v.kind == FValue::Constant) v.value.span = e.span;
        v.span = e.span;
        return v;
      }
      if (e.text == "self") {
        FValue v;
        v.kind = FValue::Self;
        v.span = e.span;
        return v;
      }
      Const c = eval_name(e.text, e.span, nullptr);
      if (c.state == Const::Ok) return FValue::constant(c.value, e.span);
      error(e.span, "name `" + e.text + "` is not defined in forward",
            "assign it before use; forward's tensors come from its parameters");
      return std::nullopt;
    }
    case Expr::Kind::Int:
    case Expr::Kind::Float:
    case Expr::Kind::String:
    case Expr::Kind::Bool:
    case Expr::Kind::None: {
      Const c = eval_const(e, nullptr, nullptr);
      if (c.state != Const::Ok) {
        diags_.add(c.error);
        return std::nullopt;
      }
      return FValue::constant(c.value, e.span);
    }
    case Expr::Kind::Tuple:
    case Expr::Kind::List: {
      std::vector<FValue> items;
      bool tensors = !e.items.empty();
      for (const Expr& item : e.items) {
        std::optional<FValue> v = eval(item, f);
        if (!v) return std::nullopt;
        tensors = tensors && v->kind == FValue::Tensor;
        items.push_back(std::move(*v));
      }
      FValue out;
      out.span = e.span;
      if (tensors) {
        out.kind = FValue::Tensors;
        out.items = std::move(items);
        return out;
      }
      out.kind = FValue::Constant;
      out.value.kind = e.kind == Expr::Kind::Tuple ? Value::Kind::Tuple : Value::Kind::List;
      out.value.span = e.span;
      for (FValue& v : items) {
        if (v.kind != FValue::Constant) {
          unsupported(v.span, "mixing tensors and numbers in a tuple or list");
          return std::nullopt;
        }
        out.value.items.push_back(std::move(v.value));
      }
      return out;
    }
    case Expr::Kind::Call:
      return eval_call(e, f);
    case Expr::Kind::Attribute:
      return eval_attribute(e, f);
    case Expr::Kind::Subscript:
      if (has_slice(e)) {
        unsupported(e.span, "slicing");
        return std::nullopt;
      }
      return eval_subscript(e, f);
    case Expr::Kind::Compare:
      return compare_fwd(e, f);
    case Expr::Kind::Binary:
      return eval_binary_fwd(e, f);
    case Expr::Kind::Unary: {
      std::optional<FValue> v = eval(e.items[0], f);
      if (!v) return std::nullopt;
      if (e.text == "not") {
        std::optional<bool> t = truth(*v, e.items[0].span);
        if (!t) return std::nullopt;
        return FValue::constant(Value::boolean(!*t, e.span), e.span);
      }
      if (v->kind != FValue::Constant) {
        unsupported(e.span, "operator `" + e.text + "` on a tensor");
        return std::nullopt;
      }
      if (e.text == "-" && v->value.kind == Value::Kind::Int && v->value.i != INT64_MIN) {
        return FValue::constant(Value::integer(-v->value.i, e.span), e.span);
      }
      if (e.text == "-" && v->value.kind == Value::Kind::Float) {
        return FValue::constant(Value::floating(-v->value.f, e.span), e.span);
      }
      if (e.text == "+") return v;
      unsupported(e.span, "operator `" + e.text + "` here");
      return std::nullopt;
    }
    case Expr::Kind::IfExp:
    case Expr::Kind::Starred:
    case Expr::Kind::Dict:
    case Expr::Kind::Set:
    case Expr::Kind::Comprehension:
    case Expr::Kind::Slice:
    case Expr::Kind::Ellipsis:
    case Expr::Kind::FString:
    case Expr::Kind::Other:
      unsupported(e.span, py::unread_construct(e));
      return std::nullopt;
  }
  unsupported(e.span, "expression");
  return std::nullopt;
}

// tensor + tensor -> add; number op number -> folded; anything else is outside the subset.
std::optional<FValue> Lowerer::eval_binary_fwd(const Expr& e, Frame& f) {
  std::optional<FValue> a = eval(e.items[0], f);
  if (!a) return std::nullopt;
  if (e.text == "and" || e.text == "or") {  // Python's value: the operand that decided
    std::optional<bool> t = truth(*a, e.items[0].span);
    if (!t) return std::nullopt;
    if ((e.text == "and") != *t) return a;
    return eval(e.items[1], f);
  }
  std::optional<FValue> b = eval(e.items[1], f);
  if (!b) return std::nullopt;
  if (a->kind == FValue::Tensor && b->kind == FValue::Tensor) {
    static const std::map<std::string, std::string> kOps = {
        {"+", "add"}, {"-", "sub"}, {"*", "mul"}, {"/", "div"}, {"@", "matmul"}};
    auto op = kOps.find(e.text);
    if (op == kOps.end()) {
      unsupported(e.span, "operator `" + e.text + "` on tensors");
      return std::nullopt;
    }
    Statement st;
    st.op = op->second;
    st.op_span = e.span;
    st.span = e.span;
    st.inputs = {a->tensor, b->tensor};
    st.module = f.module;
    st.input_spans = {a->span, b->span};
    auto name = emit(std::move(st));
    if (!name) return std::nullopt;
    return FValue::tensor_of(*name, e.span);
  }
  if (a->kind == FValue::Constant && b->kind == FValue::Constant) {
    Const c = eval_binary(e, Const::ok(a->value), Const::ok(b->value));
    if (c.state != Const::Ok) {
      diags_.add(c.error);
      return std::nullopt;
    }
    return FValue::constant(c.value, e.span);
  }
  unsupported(e.span, "arithmetic between a tensor and a number",
              "netshape follows tensor + tensor (residuals); drop the scalar arithmetic");
  return std::nullopt;
}

std::optional<FValue> Lowerer::eval_attribute(const Expr& e, Frame& f) {
  const Expr& obj = e.items[0];
  if (obj.kind == Expr::Kind::Name && obj.text == "self" && f.vars.count("self") == 0) {
    auto it = f.inst.attrs.find(e.text);
    if (it != f.inst.attrs.end()) {
      Const c = it->second;
      if (c.state == Const::Unbound) {
        error(e.span, "constructor parameter `" + c.param + "` has no value",
              "pass --arg " + c.param + "=<value> or give it a default");
        return std::nullopt;
      }
      if (c.state == Const::Failed) {
        diags_.add(c.error);
        return std::nullopt;
      }
      Value v = c.value;
      v.span = e.span;
      return FValue::constant(std::move(v), e.span);
    }
    if (e.text == "training") {  // nn.Module's flag; netshape analyses the eval-mode forward
      return FValue::constant(Value::boolean(false, e.span), e.span);
    }
    if (std::optional<FValue> m = self_member(e, f)) return m;
    error(e.span, "`self." + e.text + "` is not defined in __init__");
    return std::nullopt;
  }
  std::optional<FValue> v = eval(obj, f);
  if (!v) return std::nullopt;
  if (v->kind == FValue::Tensor && e.text == "shape") {
    FValue s = *v;
    s.kind = FValue::Shape;
    s.span = e.span;
    return s;
  }
  unsupported(e.span, "attribute `." + e.text + "` here");
  return std::nullopt;
}

// x.shape[i] / x.size()[i] -> DimRef; (a, b)[i] -> the tensor; tensor indexing is rejected.
std::optional<FValue> Lowerer::eval_subscript(const Expr& e, Frame& f) {
  std::optional<FValue> obj = eval(e.items[0], f);
  if (!obj) return std::nullopt;
  std::optional<FValue> index = eval(e.items[1], f);
  if (!index) return std::nullopt;
  bool int_index = index->kind == FValue::Constant && index->value.kind == Value::Kind::Int;
  if (obj->kind == FValue::Shape && int_index) {
    return FValue::constant(Value::dim_ref(obj->tensor, index->value.i, e.span), e.span);
  }
  if (obj->kind == FValue::Module && obj->module->kind == ModuleDef::Sequential && int_index) {
    auto& children = obj->module->children;
    int64_t i = index->value.i, n = static_cast<int64_t>(children.size());
    if (i < 0) i += n;
    if (i >= 0 && i < n) {
      FValue m = *obj;
      m.module = &children[static_cast<size_t>(i)].def;
      m.tensor = obj->tensor + "." + children[static_cast<size_t>(i)].index;
      m.span = e.span;
      return m;
    }
    error(e.items[1].span, "index " + std::to_string(index->value.i) + " is out of range of `" +
                               obj->tensor + "` (" + std::to_string(n) + " modules)");
    return std::nullopt;
  }
  if (obj->kind == FValue::Tensors && int_index) {
    int64_t i = index->value.i;
    int64_t n = static_cast<int64_t>(obj->items.size());
    if (i < 0) i += n;
    if (i >= 0 && i < n) return obj->items[static_cast<size_t>(i)];
  }
  unsupported(e.span, obj->kind == FValue::Tensor ? "tensor indexing" : "indexing here",
              "netshape follows whole tensors; use view/reshape/flatten");
  return std::nullopt;
}

// The arguments of a module call: tensors only (a module takes its settings in __init__).
std::optional<std::vector<FValue>> Lowerer::module_inputs(const Expr& e, Frame& f) {
  std::vector<FValue> inputs;
  for (size_t i = 1; i < e.items.size(); ++i) {
    std::optional<FValue> v = eval(e.items[i], f);
    if (!v) return std::nullopt;
    if (v->kind != FValue::Tensor || !e.keywords[i - 1].empty()) {
      unsupported(e.arg_spans[i - 1], "non-tensor argument to a module call");
      return std::nullopt;
    }
    inputs.push_back(*v);
  }
  return inputs;
}

// call: self.a(x) | F.op(x, ...) | torch.op(x, ...) | x.method(...) | nn.Op(...)(x) | op(x, ...)
std::optional<FValue> Lowerer::eval_call(const Expr& e, Frame& f) {
  const Expr& callee = e.items[0];
  std::string name = dotted(callee);
  if (callee.kind == Expr::Kind::Attribute && callee.items[0].kind == Expr::Kind::Name &&
      callee.items[0].text == "self" && f.vars.count("self") == 0) {
    if (f.inst.modules.count(callee.text) == 0 && f.inst.cls != nullptr) {
      if (const Stmt* method = find_method(*f.inst.cls, callee.text, 0))
        return call_helper(e, *method, f);
    }
    return call_self_module(e, callee.text, f);
  }
  if (name == "len" && f.vars.count("len") == 0 && e.items.size() == 2) {  // len(self.blocks)
    std::optional<FValue> v = eval(e.items[1], f);
    if (!v) return std::nullopt;
    int64_t n = -1;
    if (v->kind == FValue::Module && v->module->kind == ModuleDef::Sequential)
      n = static_cast<int64_t>(v->module->children.size());
    if (v->kind == FValue::Tensors) n = static_cast<int64_t>(v->items.size());
    if (v->kind == FValue::Constant && v->value.is_sequence())
      n = static_cast<int64_t>(v->value.items.size());
    if (n < 0) {
      unsupported(e.span, "len() of this value in forward", "len() of a tensor is x.size(0)");
      return std::nullopt;
    }
    return FValue::constant(Value::integer(n, e.span), e.span);
  }
  bool module_value = (callee.kind == Expr::Kind::Name && f.vars.count(callee.text) != 0 &&
                       f.vars[callee.text].kind == FValue::Module) ||
                      callee.kind == Expr::Kind::Subscript;
  if (module_value) {  // `blk(x)` in `for blk in self.blocks`, `self.blocks[0](x)`
    std::optional<FValue> m = eval(callee, f);
    if (!m) return std::nullopt;
    if (m->kind != FValue::Module) {
      unsupported(callee.span, "calling this value in forward");
      return std::nullopt;
    }
    std::optional<std::vector<FValue>> inputs = module_inputs(e, f);
    if (!inputs) return std::nullopt;
    return call_module(*m->module, m->tensor, *inputs, e.span, true, f.module, f.depth);
  }
  if (callee.kind == Expr::Kind::Call) {  // nn.ReLU()(x): a module built and applied in place
    std::string ctor = dotted(callee.items[0]);
    if (ctor.rfind("nn.", 0) == 0 || ctor.rfind("torch.nn.", 0) == 0) {
      ModuleDef m;
      if (!build_module(callee, f.inst, nullptr, m, true, f.depth)) return std::nullopt;
      std::optional<std::vector<FValue>> inputs = module_inputs(e, f);
      if (!inputs) return std::nullopt;
      return call_module(m, "", *inputs, e.span, false, f.module, f.depth);
    }
  }
  std::string ns = namespace_of(name);
  if (!name.empty() && is_functional_namespace(ns) && f.vars.count(callee.items[0].text) == 0) {
    return call_function(e, callee.text, callee.name_span, nullptr, 1, f);
  }
  if (callee.kind == Expr::Kind::Attribute) {
    std::optional<FValue> obj = eval(callee.items[0], f);
    if (!obj) return std::nullopt;
    if (obj->kind == FValue::Tensor) return call_method(e, *obj, f);
    unsupported(e.span, "method call `." + callee.text + "(...)` here");
    return std::nullopt;
  }
  if (callee.kind == Expr::Kind::Name && classes_.count(name) == 0 && !name.empty() &&
      name[0] >= 'a' && name[0] <= 'z' && name != "len" && name != "int" && name != "range") {
    return call_function(e, name, callee.span, nullptr, 1, f);  // e.g. `from torch import cat`
  }
  unsupported(e.span, "call `" + (name.empty() ? std::string("...") : name) + "(...)` in forward");
  return std::nullopt;
}

std::optional<FValue> Lowerer::call_self_module(const Expr& e, const std::string& attr, Frame& f) {
  auto it = f.inst.modules.find(attr);
  if (it == f.inst.modules.end()) {
    if (f.inst.cls != nullptr && find_method(*f.inst.cls, attr, 0) != nullptr) {
      unsupported(e.span, "call to the helper method `self." + attr + "(...)`",
                  "inline the method's code into forward");
      return std::nullopt;
    }
    // __init__ assigned it, but its value could not be computed: that is the error to show.
    if (auto a = f.inst.attrs.find(attr); a != f.inst.attrs.end() && a->second.state != Const::Ok) {
      const Const& c = a->second;
      if (c.state == Const::Unbound) {
        error(e.items[0].span, "constructor parameter `" + c.param + "` has no value",
              "pass --arg " + c.param + "=<value> or give it a default");
      } else {
        diags_.add(c.error);
      }
      return std::nullopt;
    }
    std::vector<std::string> names;
    for (const auto& [n, m] : f.inst.modules) names.push_back(n);
    std::string near = nearest_name(attr, names);
    error(e.items[0].span, "`self." + attr + "` is not a module defined in __init__",
          near.empty() ? "assign `self." + attr + " = nn.<Layer>(...)` in __init__"
                       : "did you mean `self." + near + "`?");
    return std::nullopt;
  }
  std::vector<FValue> inputs;
  for (size_t i = 1; i < e.items.size(); ++i) {
    std::optional<FValue> v = eval(e.items[i], f);
    if (!v) return std::nullopt;
    if (v->kind != FValue::Tensor || !e.keywords[i - 1].empty()) {
      unsupported(e.arg_spans[i - 1], "non-tensor argument to a module call",
                  "modules take their settings in __init__; pass only tensors in forward");
      return std::nullopt;
    }
    inputs.push_back(*v);
  }
  if (inputs.empty()) {
    error(e.span, "`self." + attr + "` is called without a tensor",
          "call it as `self." + attr + "(x)`");
    return std::nullopt;
  }
  int count = ++f.inst.calls[attr];
  std::string name = f.prefix + attr + (count > 1 ? "_" + std::to_string(count) : "");
  return call_module(it->second, name, inputs, e.span, true, f.module, f.depth);
}

bool Lowerer::check_pending(const ModuleDef& m) {
  for (size_t i = 0; i < m.pending.size(); ++i) {
    const Const& c = m.pending[i];
    if (c.state == Const::Unbound) {
      error(m.pending_spans[i], "constructor parameter `" + c.param + "` has no value",
            "pass --arg " + c.param + "=<value> or give it a default");
    } else {
      diags_.add(c.error);
    }
  }
  return m.pending.empty();
}

// The ModuleDecl of a container or user module, made at its first application: its path is the
// name it was applied under, so a module applied twice stays one module.
int Lowerer::declare_module(ModuleDef& m, const std::string& name, const std::string& kind,
                            int parent, Span call_span) {
  if (m.module_index >= 0) return m.module_index;
  if (name.empty()) return parent;  // the model itself (a Sequential model), or built in place
  ModuleDecl decl;
  decl.path = name;
  decl.kind = kind;
  decl.parent = parent;
  decl.constructed_at = m.span;
  decl.applied_at = call_span;
  m.module_index = static_cast<int>(program_.modules.size());
  program_.modules.push_back(std::move(decl));
  return m.module_index;
}

std::optional<FValue> Lowerer::call_module(ModuleDef& m, const std::string& name,
                                           const std::vector<FValue>& inputs, Span call_span,
                                           bool named, int parent, int depth) {
  switch (m.kind) {
    case ModuleDef::Broken:
      diags_.add(m.error);
      return std::nullopt;
    case ModuleDef::Leaf: {
      if (!check_pending(m)) return std::nullopt;
      Statement st;
      st.named = named && !name.empty();
      if (st.named) st.name = unique_name(name);
      st.op = m.op;
      st.op_span = m.op_span;
      st.span = m.span;
      st.args = m.args;
      st.module = parent;
      for (const FValue& in : inputs) {
        st.inputs.push_back(in.tensor);
        st.input_spans.push_back(in.span.valid() ? in.span : call_span);
      }
      st.fix_prefix = m.fix_prefix;
      st.shares_params_with = m.first_call;  // a module instance called again owns no new params
      auto emitted = emit(std::move(st));
      if (!emitted) return std::nullopt;
      if (m.first_call.empty()) m.first_call = *emitted;
      return FValue::tensor_of(*emitted, call_span);
    }
    case ModuleDef::Sequential: {
      if (m.list) {
        error(call_span, "`" + name + "` is an nn.ModuleList, which has no forward",
              "call its modules: `for m in self." + name + ": x = m(x)`");
        return std::nullopt;
      }
      int self = declare_module(m, name, "Sequential", parent, call_span);
      std::vector<FValue> cur = inputs;
      for (auto& [index, child] : m.children) {
        std::string child_name = name.empty() ? "" : name + "." + index;
        std::optional<FValue> out =
            call_module(child, child_name, cur, call_span, named, self, depth);
        if (!out) return std::nullopt;
        cur = {*out};
      }
      if (cur.size() != 1) {
        unsupported(call_span, "nn.Sequential applied to several tensors");
        return std::nullopt;
      }
      return cur[0];
    }
    case ModuleDef::User: {
      const Stmt* forward = find_method(*m.instance->cls, "forward", 0);
      if (forward == nullptr) {
        error(m.span, "module class " + m.instance->cls->name + " has no forward method");
        return std::nullopt;
      }
      int self = declare_module(m, name, m.instance->cls->name, parent, call_span);
      std::string prefix = name.empty() ? "" : name + ".";
      return run_forward(*m.instance, *forward, inputs, prefix, self, depth + 1);
    }
  }
  return std::nullopt;
}

// A functional op: tensor arguments become inputs, everything else stays an argument in order.
std::optional<FValue> Lowerer::call_function(const Expr& e, const std::string& op, Span op_span,
                                             const FValue* self_tensor, size_t first_arg,
                                             Frame& f) {
  Statement st;
  st.op = op;
  st.module = f.module;
  st.op_span = op_span;
  st.span = e.span;
  if (self_tensor != nullptr) {
    st.inputs.push_back(self_tensor->tensor);
    st.input_spans.push_back(self_tensor->span);
  }
  for (size_t i = first_arg; i < e.items.size(); ++i) {
    std::optional<FValue> v = eval(e.items[i], f);
    if (!v) return std::nullopt;
    Span arg_span = e.arg_spans[i - 1];
    if (v->kind == FValue::Tensor) {
      st.inputs.push_back(v->tensor);
      st.input_spans.push_back(v->span);
    } else if (v->kind == FValue::Tensors) {
      for (const FValue& t : v->items) {
        st.inputs.push_back(t.tensor);
        st.input_spans.push_back(t.span);
      }
    } else if (v->kind == FValue::Constant) {
      st.args.push_back(Arg{e.keywords[i - 1], v->value, arg_span});
    } else {
      unsupported(arg_span, "this argument", "pass `x.size(i)` or `x.shape[i]`, or a number");
      return std::nullopt;
    }
  }
  if (st.inputs.empty()) {
    unsupported(e.span, "`" + op + "(...)` without a tensor argument",
                "netshape follows tensors computed from forward's inputs");
    return std::nullopt;
  }
  auto name = emit(std::move(st));
  if (!name) return std::nullopt;
  return FValue::tensor_of(*name, e.span);
}

// x.size(i) -> DimRef; x.size() -> shape; identity methods vanish; others are functional ops.
std::optional<FValue> Lowerer::call_method(const Expr& e, const FValue& obj, Frame& f) {
  const Expr& callee = e.items[0];
  const std::string& method = callee.text;
  if (method == "size") {
    if (e.items.size() == 1) {
      FValue s = obj;
      s.kind = FValue::Shape;
      s.span = e.span;
      return s;
    }
    std::optional<FValue> index = eval(e.items[1], f);
    if (!index) return std::nullopt;
    if (e.items.size() == 2 && index->kind == FValue::Constant &&
        index->value.kind == Value::Kind::Int) {
      return FValue::constant(Value::dim_ref(obj.tensor, index->value.i, e.span), e.span);
    }
    unsupported(e.span, "this use of `.size(...)`", "use `x.size(i)` with a constant i");
    return std::nullopt;
  }
  if (is_identity_method(method)) return obj;
  if (method == "dim" || method == "numel" || method == "item" || method == "tolist") {
    unsupported(e.span, "`." + method + "()`");
    return std::nullopt;
  }
  return call_function(e, method, callee.name_span, &obj, 1, f);
}

}  // namespace netshape::pylower
