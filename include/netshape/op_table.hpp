// The op registry, generated from ops.def: enum, names, signatures.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/ir.hpp"

namespace netshape {

enum class OpId {
#define NS_OP(id, name, nd, family, schema) id,
#include "netshape/ops.def"
#undef NS_OP
};

inline constexpr size_t kOpCount = 0
#define NS_OP(id, name, nd, family, schema) +1
#include "netshape/ops.def"
#undef NS_OP
    ;

// One parameter of an op's PyTorch signature, e.g. `stride=1`.
struct ParamSpec {
  std::string name;
  bool required = false;
  Value default_value;          // when not required
  bool var_positional = false;  // `*shape`
  bool var_keyword = false;     // `**kwargs`
};

struct OpInfo {
  OpId id;
  std::string_view name;
  int spatial_dims;  // 1/2/3 for the Nd ops, 0 otherwise
  std::string_view family;
  std::string_view signature;
  std::vector<ParamSpec> params;  // parsed from signature
  bool is_module() const { return !name.empty() && name[0] >= 'A' && name[0] <= 'Z'; }
};

const OpInfo& op_info(OpId id);
std::optional<OpId> find_op(std::string_view name);
std::vector<std::string> all_op_names();

}  // namespace netshape
