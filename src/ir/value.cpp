#include <fmt/format.h>

#include "netshape/ir.hpp"

namespace netshape {

std::string to_source(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Int:
      return std::to_string(v.i);
    case Value::Kind::Float: {
      std::string s = fmt::format("{}", v.f);
      if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos &&
          s.find("nan") == std::string::npos)
        s += ".0";
      return s;
    }
    case Value::Kind::String:
      return "'" + v.s + "'";
    case Value::Kind::Bool:
      return v.b ? "True" : "False";
    case Value::Kind::None:
      return "None";
    case Value::Kind::Infer:
      return "?";
    case Value::Kind::Ident:
      return v.s;
    case Value::Kind::DimRef:
      return fmt::format("{}.size({})", v.s, v.i);
    case Value::Kind::Tuple:
    case Value::Kind::List: {
      bool tuple = v.kind == Value::Kind::Tuple;
      std::string out = tuple ? "(" : "[";
      for (size_t i = 0; i < v.items.size(); ++i) out += (i ? ", " : "") + to_source(v.items[i]);
      if (tuple && v.items.size() == 1) out += ",";
      return out + (tuple ? ")" : "]");
    }
  }
  return "?";
}

}  // namespace netshape
