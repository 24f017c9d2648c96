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
  for (const Stmt& s : forward.body) {
    if (!forward_statement(s, f, result)) return std::nullopt;
    if (result) return result;
  }
  error(forward.name_span, "forward has no `return`", "end forward with `return x`");
  return std::nullopt;
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
    case Stmt::Kind::AnnAssign:
    case Stmt::Kind::If:
    case Stmt::Kind::For:
    case Stmt::Kind::While:
    case Stmt::Kind::Break:
    case Stmt::Kind::Continue:
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
      return eval(as_binary_chain(e), f);
    case Expr::Kind::Binary:
      return eval_binary_fwd(e, f);
    case Expr::Kind::Unary: {
      std::optional<FValue> v = eval(e.items[0], f);
      if (!v) return std::nullopt;
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
    if (f.inst.modules.count(e.text) != 0) {
      unsupported(e.span, "using module `self." + e.text + "` without calling it");
      return std::nullopt;
    }
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

// call: self.a(x) | F.op(x, ...) | torch.op(x, ...) | x.method(...) | nn.Op(...)(x) | op(x, ...)
std::optional<FValue> Lowerer::eval_call(const Expr& e, Frame& f) {
  const Expr& callee = e.items[0];
  std::string name = dotted(callee);
  if (callee.kind == Expr::Kind::Attribute && callee.items[0].kind == Expr::Kind::Name &&
      callee.items[0].text == "self" && f.vars.count("self") == 0) {
    return call_self_module(e, callee.text, f);
  }
  if (callee.kind == Expr::Kind::Call) {  // nn.ReLU()(x): a module built and applied in place
    std::string ctor = dotted(callee.items[0]);
    if (ctor.rfind("nn.", 0) == 0 || ctor.rfind("torch.nn.", 0) == 0) {
      ModuleDef m;
      if (!build_module(callee, f.inst, nullptr, m, true, f.depth)) return std::nullopt;
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
      return call_module(m, "", inputs, e.span, false, f.module, f.depth);
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
