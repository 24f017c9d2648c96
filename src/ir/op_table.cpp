// Builds the op registry from ops.def, parsing each PyTorch signature once with the .ns parser.
#include "netshape/op_table.hpp"

#include <array>
#include <stdexcept>

#include "netshape/frontend.hpp"

namespace netshape {
namespace {

// "in_channels, kernel_size, stride=1, *shape, **kwargs" -> ParamSpecs. The defaults are parsed
// as .ns values by parsing a fake call `f(<signature>)`.
std::vector<ParamSpec> parse_signature(std::string_view signature) {
  std::vector<ParamSpec> params;
  std::string text(signature);
  std::string plain;  // the signature with * and ** markers removed
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    ParamSpec p;
    if (part.rfind("**", 0) == 0) {
      p.var_keyword = true;
      p.name = part.substr(2);
      params.push_back(p);
    } else if (part.rfind("*", 0) == 0) {
      p.var_positional = true;
      p.name = part.substr(1);
      params.push_back(p);
    } else {
      plain += (plain.empty() ? "" : ", ") + part;
      params.push_back(p);
      params.back().name = "\x01";
    }
    start = end + 1;
  }
  SourceFile src("<signature>", "f(" + plain + ")");
  Diagnostics diags;
  auto prog = parse_ns(src, diags);
  if (!prog || prog->statements.size() != 1) throw std::logic_error("bad op signature: " + text);
  const auto& args = prog->statements[0].args;
  size_t next = 0;
  for (auto& p : params) {
    if (p.name != "\x01") continue;
    const Arg& a = args.at(next++);
    if (a.keyword.empty()) {
      p.required = true;
      p.name = a.value.s;
    } else {
      p.name = a.keyword;
      p.default_value = a.value;
    }
  }
  return params;
}

std::array<OpInfo, kOpCount> build_table() {
  return {{
#define NS_OP(id, name, nd, family, schema) \
  OpInfo{OpId::id, name, nd, Family::family, schema, parse_signature(schema)},
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
#define NS_FAMILY(family, feature_param, feature_axis) \
  {Family::family, #family, feature_param, FeatureAxis::feature_axis},
#include "netshape/op_families.def"
#undef NS_FAMILY
  };
  static_assert(std::size(families) == kFamilyCount);
  return families[static_cast<size_t>(f)];
}

const OpInfo& op_info(OpId id) {
  return table()[static_cast<size_t>(id)];
}

std::optional<OpId> find_op(std::string_view name) {
  for (const auto& op : table()) {
    if (op.name == name) return op.id;
  }
  return std::nullopt;
}

std::vector<std::string> all_op_names() {
  std::vector<std::string> names;
  for (const auto& op : table()) names.emplace_back(op.name);
  return names;
}

}  // namespace netshape
