// Builds the op registry from ops.def, parsing each PyTorch signature once.
#include "netshape/op_table.hpp"

#include <array>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "netshape/name_table.hpp"

namespace netshape {
namespace {

// A default value as ops.def writes it: None, True, False, an int, a float or a 'string'. The IR
// reads them itself (no frontend below it); anything else is a mistake in ops.def.
Value parse_default(std::string_view text, std::string_view signature) {
  Value v;
  if (text == "None") return v;
  if (text == "True" || text == "False") return Value::boolean(text == "True", Span{});
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'')
    return Value::string(std::string(text.substr(1, text.size() - 2)), Span{});
  int64_t i = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && end == text.data() + text.size()) return Value::integer(i, Span{});
  std::string spelled(text);
  char* rest = nullptr;
  double f = std::strtod(spelled.c_str(), &rest);
  if (!spelled.empty() && rest == spelled.c_str() + spelled.size())
    return Value::floating(f, Span{});
  throw std::logic_error("bad default '" + spelled +
                         "' in op signature: " + std::string(signature));
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "in_channels, kernel_size, stride=1, *shape, **kwargs" -> ParamSpecs.
std::vector<ParamSpec> parse_signature(std::string_view signature) {
  std::vector<ParamSpec> params;
  bool keyword_only = false;
  for (size_t start = 0; start < signature.size();) {
    size_t end = std::min(signature.find(',', start), signature.size());
    std::string_view part = trimmed(signature.substr(start, end - start));
    start = end + 1;
    if (part.empty()) continue;
    if (part == "*") {  // the parameters after it are keyword-only, as in Python
      keyword_only = true;
      continue;
    }
    ParamSpec p;
    p.keyword_only = keyword_only;
    if (part.substr(0, 2) == "**") {
      p.var_keyword = true;
      p.name = part.substr(2);
    } else if (part.front() == '*') {
      p.var_positional = true;
      p.name = part.substr(1);
    } else if (size_t eq = part.find('='); eq != std::string_view::npos) {
      p.name = trimmed(part.substr(0, eq));
      p.default_value = parse_default(trimmed(part.substr(eq + 1)), signature);
    } else {
      p.required = true;
      p.name = part;
    }
    params.push_back(std::move(p));
  }
  return params;
}

std::array<OpInfo, kOpCount> build_table() {
  return {{
#define NS_OP(id, name, nd, family, kind, schema) \
  OpInfo{OpId::id, name, nd, Family::family, OpKind::kind, schema, parse_signature(schema)},
#include "netshape/ops.def"
#undef NS_OP
  }};
}

const std::array<OpInfo, kOpCount>& table() {
  static const std::array<OpInfo, kOpCount> t = build_table();
  return t;
}

}  // namespace

const FamilyInfo& family_info(Family f) {
  static const FamilyInfo families[] = {
#define NS_FAMILY(family, feature_param, feature_axis, batch_dim, layout, rule)                \
  {Family::family,     #family, feature_param, FeatureAxis::feature_axis, BatchDim::batch_dim, \
   LayoutRule::layout, rule},
#include "netshape/op_families.def"
#undef NS_FAMILY
  };
  static_assert(std::size(families) == kFamilyCount);
  return families[static_cast<size_t>(f)];
}

const OpInfo& op_info(OpId id) {
  return table()[static_cast<size_t>(id)];
}

// Every op's name, interned, and the op each names (the first row with it, as a scan finds it):
// a lowering looks up one op per statement, and comparing against every row's name was a tenth
// of lowering.
struct OpNames {
  NameTable names;
  std::vector<OpId> op_of;  // by NameId
};
const OpNames& op_names() {
  static const OpNames index = [] {
    OpNames n;
    n.names.reserve(kOpCount);
    for (const auto& op : table())
      if (n.names.insert(op.name).second) n.op_of.push_back(op.id);
    return n;
  }();
  return index;
}

std::optional<OpId> find_op(std::string_view name) {
  const OpNames& index = op_names();
  auto id = index.names.find(name);
  if (!id) return std::nullopt;
  return index.op_of[*id];
}

bool writes_in_place(const Statement& st) {
  if (st.extras().in_place) return true;
  std::optional<OpId> id = find_op(st.op);
  const Value* inplace = id ? written_argument(st.args, op_info(*id), "inplace") : nullptr;
  return inplace && inplace->kind == Value::Kind::Bool && inplace->b;
}

bool returns_its_input(OpId id, const std::vector<Arg>& args) {
  switch (id) {
    case OpId::Identity:
    case OpId::Dropout:
    case OpId::Dropout1d:
    case OpId::Dropout2d:
    case OpId::Dropout3d:
      return true;  // modules run in eval mode
    case OpId::dropout:
    case OpId::dropout2d: {
      const Value* p = written_argument(args, op_info(id), "p");
      const Value* training = written_argument(args, op_info(id), "training");
      bool drops_nothing = p && ((p->kind == Value::Kind::Float && p->f == 0.0) ||
                                 (p->kind == Value::Kind::Int && p->i == 0));
      return drops_nothing || (training && training->kind == Value::Kind::Bool && !training->b);
    }
    default:
      return false;
  }
}

const Value* written_argument(const std::vector<Arg>& args, const OpInfo& op,
                              std::string_view param) {
  std::optional<size_t> index;
  for (size_t i = 0; i < op.params.size() && !op.params[i].var_positional; ++i)
    if (op.params[i].name == param) index = i;
  size_t position = 0;
  for (const Arg& a : args) {
    if (a.keyword == param) return &a.value;
    if (a.keyword.empty() && position++ == index) return &a.value;
  }
  return nullptr;
}

// An arange's start, end and step are whole numbers: ints, bools, or `x.size(i)` (an int).
static bool whole_bounds(const OpInfo& op, const std::vector<Arg>& args) {
  for (const char* bound : {"start", "end", "step"}) {
    const Value* v = written_argument(args, op, bound);
    if (v && v->kind != Value::Kind::Int && v->kind != Value::Kind::Bool &&
        v->kind != Value::Kind::None && v->kind != Value::Kind::DimRef)
      return false;
  }
  return true;
}

// The dtype= written for `op`, without its `torch.` ("" when none is given).
static std::string_view written_dtype(const OpInfo& op, const std::vector<Arg>& args) {
  const Value* dtype = written_argument(args, op, "dtype");
  if (!dtype || dtype->kind != Value::Kind::String) return "";
  std::string_view name = dtype->s;
  if (name.starts_with("torch.")) name.remove_prefix(6);
  return name;
}

int integer_dtype_bytes(std::string_view dtype) {
  if (dtype.starts_with("torch.")) dtype.remove_prefix(6);
  constexpr std::pair<const char*, int> kIntegerTypes[] = {
      {"int64", 8}, {"long", 8}, {"int32", 4}, {"int", 4},  {"int16", 2},
      {"short", 2}, {"int8", 1}, {"uint8", 1}, {"char", 1}, {"byte", 1}};
  for (const auto& [type, bytes] : kIntegerTypes)
    if (dtype == type) return bytes;
  return 0;
}

int integer_element_bytes(const OpInfo& op, const std::vector<Arg>& args) {
  if (op.kind == OpKind::argmax || op.kind == OpKind::argmin || op.id == OpId::one_hot) return 8;
  if (op.kind == OpKind::logical_and || op.kind == OpKind::logical_or ||
      op.kind == OpKind::logical_xor)
    return 1;  // bools
  if (op.kind != OpKind::arange || !whole_bounds(op, args)) return 0;
  const Value* dtype = written_argument(args, op, "dtype");
  if (!dtype || dtype->kind == Value::Kind::None) return 8;  // an arange of ints is int64
  return integer_dtype_bytes(written_dtype(op, args));
}

// Every parameter name of every op, and its string in the table (which lives as long as the
// program): keywords borrow it instead of a copy each.
struct ParamNames {
  NameTable names;
  std::vector<const std::string*> text;  // by NameId
};
const ParamNames& param_names() {
  static const ParamNames index = [] {
    ParamNames n;
    for (const auto& op : table())
      for (const auto& p : op.params)
        if (n.names.insert(p.name).second) n.text.push_back(&p.name);
    return n;
  }();
  return index;
}

CompactString keyword_name(std::string_view name) {
  const ParamNames& index = param_names();
  auto id = index.names.find(name);
  return id ? CompactString::borrowed(*index.text[*id]) : CompactString(name);
}

std::vector<std::string> all_op_names() {
  std::vector<std::string> names;
  for (const auto& op : table()) names.emplace_back(op.name);
  return names;
}

}  // namespace netshape
