#include "ns_expansion.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

namespace netshape {
namespace {

// The first use's names made the later use's: its inputs become the use's inputs, its path
// prefix the use's. Other names (a batch symbol like `B`) stay.
class Renamer {
 public:
  Renamer(const BlockExpansion& e, const BlockUseSite& use)
      : from_(e.path + "."), to_(use.path + "."), e_(e), use_(use) {}

  std::string operator()(const std::string& name) const {
    auto r = renamed(name);
    return r ? std::move(*r) : name;
  }
  // The same, rewriting `name` where it is, and only when it is renamed (keeping it costs no copy
  // of its text).
  void in_place(std::string& name) const {
    if (auto r = renamed(name)) name = std::move(*r);
  }
  void in_place(CompactString& name) const {
    if (auto r = renamed(name)) name = std::move(*r);
  }

 private:
  // What `name` becomes, or nothing when it stays.
  std::optional<std::string> renamed(std::string_view name) const {
    for (size_t i = 0; i < e_.inputs.size(); ++i)
      if (name == e_.inputs[i]) return use_.inputs[i];
    if (!name.starts_with(from_)) return std::nullopt;
    return to_ + std::string(name.substr(from_.size()));
  }

  std::string from_, to_;
  const BlockExpansion& e_;
  const BlockUseSite& use_;
};

// Index shifts from the first use's ranges to the copy's.
struct Shifts {
  size_t first_origin, origins_end, new_first_origin;
  size_t first_module, modules_end, new_first_module;
  size_t first_statement, new_first_statement;

  int origin(int o) const {
    auto u = static_cast<size_t>(o);
    return o >= 0 && u >= first_origin && u < origins_end
               ? static_cast<int>(u - first_origin + new_first_origin)
               : o;
  }
  int module(int m) const {
    auto u = static_cast<size_t>(m);
    return m >= 0 && u >= first_module && u < modules_end
               ? static_cast<int>(u - first_module + new_first_module)
               : m;
  }
};

// A value of a copied statement: tensor names as the use calls them, origins the use's.
void copy_value(Value& v, const Renamer& rename, const Shifts& shift) {
  v.origin = shift.origin(v.origin);
  if (v.kind == Value::Kind::Ident || v.kind == Value::Kind::DimRef) rename.in_place(v.s);
  for (Value& item : v.items) copy_value(item, rename, shift);
}

void copy_origins(Program& prog, const BlockExpansion& e, const Shifts& shift) {
  for (size_t k = e.bound_origins_end; k < e.origins_end; ++k) {
    ValueOrigin o = prog.origins[k];
    o.parent = shift.origin(o.parent);
    prog.origins.push_back(std::move(o));
  }
}

void copy_modules(Program& prog, const BlockExpansion& e, const BlockUseSite& use,
                  const Renamer& rename, const Shifts& shift) {
  for (size_t k = e.first_module; k < e.modules_end; ++k) {
    ModuleDecl m = prog.modules[k];
    m.first_statement = m.first_statement - e.first_statement + shift.new_first_statement;
    rename.in_place(m.output);
    if (k == e.first_module) {  // the use itself: its place is the use's
      m.path = use.path;
      m.parent = use.parent;
      m.constructed_at = use.call;
      m.applied_at = use.call;
    } else {
      rename.in_place(m.path);
      m.parent = shift.module(m.parent);
    }
    prog.modules.push_back(std::move(m));
  }
}

// The tensor a statement without inputs reads. Left empty, it is the statement before: inside the
// copy that is the copy of the one before; the first statement's is the use's input now.
void copy_previous(Statement& st, const Statement* before, const Program& prog,
                   const Renamer& rename) {
  if (!st.previous.empty()) {
    rename.in_place(st.previous);
    return;
  }
  if (!before) return;
  std::string read = rename(before->name);
  if (prog.statements.empty() || prog.statements.back().name != read) st.previous = read;
}

void copy_statements(Program& prog, const BlockExpansion& e, const Renamer& rename,
                     const Shifts& shift) {
  for (size_t k = e.first_statement; k < e.statements_end; ++k) {
    Statement st = prog.statements[k];
    rename.in_place(st.name);
    for (std::string& input : st.inputs) rename.in_place(input);
    for (Arg& a : st.args) copy_value(a.value, rename, shift);
    st.module = shift.module(st.module);
    if (k == e.first_statement || !st.previous.empty())
      copy_previous(st, k > 0 ? &prog.statements[k - 1] : nullptr, prog, rename);
    prog.statements.push_back(std::move(st));
  }
}

// Room for `more` items, growing as push_back would: a use after use must not reallocate each time.
template <typename T>
void reserve_more(std::vector<T>& v, size_t more) {
  if (v.size() + more > v.capacity()) v.reserve(std::max(v.size() + more, 2 * v.capacity()));
}

}  // namespace

std::vector<std::string> copy_expansion(Program& prog, const BlockExpansion& e,
                                        const BlockUseSite& use) {
  Shifts shift{e.first_origin, e.origins_end,       use.first_origin,  e.first_module,
               e.modules_end,  prog.modules.size(), e.first_statement, prog.statements.size()};
  Renamer rename(e, use);
  // Room first: the copies are read from the same lists they are appended to.
  reserve_more(prog.origins, e.origins_end - e.bound_origins_end);
  reserve_more(prog.modules, e.modules_end - e.first_module);
  reserve_more(prog.statements, e.statements_end - e.first_statement);
  copy_origins(prog, e, shift);
  copy_modules(prog, e, use, rename, shift);
  copy_statements(prog, e, rename, shift);
  std::vector<std::string> outputs;
  for (const std::string& o : e.outputs) outputs.push_back(rename(o));
  return outputs;
}

}  // namespace netshape
