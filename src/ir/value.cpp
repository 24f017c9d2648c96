#include <fmt/format.h>

#include <algorithm>

#include "netshape/ir.hpp"

namespace netshape {

// A model holds a Value per argument (an Arg each): what they cost is what a 100,000-layer model
// costs. Strings and items are a pointer each, null when empty (CompactString, ValueList).
static_assert(sizeof(Value) <= 56, "Value grew: a model holds one per argument");
static_assert(sizeof(Arg) <= 80, "Arg grew: a model holds one per argument");
static_assert(sizeof(Statement) <= 192, "Statement grew: a model holds one per layer");

std::string auto_name(const std::string& op, size_t index) {
  std::string base;
  // `Tensor.unfold` names its rows tensor_unfold3: a dot would read as a module path
  for (char c : op)
    base += c == '.' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fmt::format("{}{}", base, index);
}

void set_use_site_line(ValueOrigin& origin, std::string_view line, Span call) {
  size_t indent = line.find_first_not_of(" \t");
  int depth = 0;
  for (char c : line) depth += c == '(' ? 1 : c == ')' ? -1 : 0;
  bool comment = line.find('#') != std::string_view::npos;
  // Only a literal (`16`, `(3, 3)`) is the fix's to replace: an expression (`widths[i]`, `c * 2`)
  // may be right for the other uses of the same line (a loop's other passes).
  size_t start = static_cast<size_t>(std::max(0, origin.argument.column - 1));
  std::string_view argument = line.substr(std::min(start, line.size()),
                                          static_cast<size_t>(std::max(0, origin.argument.length)));
  bool literal = !argument.empty() &&
                 argument.find_first_not_of("0123456789-+., ()[]") == std::string_view::npos;
  if (call.line == origin.argument.line && depth == 0 && !comment && literal &&
      indent != std::string_view::npos) {
    origin.line_text = std::string(line.substr(indent));
    origin.line_offset = origin.argument.column - 1 - static_cast<int>(indent);
  }
}

const char* python_type(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Int:
      return "int";
    case Value::Kind::Float:
      return "float";
    case Value::Kind::String:
      return "str";
    case Value::Kind::Bool:
      return "bool";
    case Value::Kind::None:
      return "NoneType";
    case Value::Kind::Tuple:
      return "tuple";
    case Value::Kind::List:
      return "list";
    default:
      return "name";
  }
}

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
      return "'" + v.s.str() + "'";
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
