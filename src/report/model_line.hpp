// What every table's heading and footer say about the model's inputs, for the reporters of
// report.cpp (the default table) and columns.cpp (--columns, --conventions).
#pragma once
#include <algorithm>
#include <string>

#include "netshape/infer.hpp"

namespace netshape {

// Whether an input has a symbolic batch: the counts are then per sample.
inline bool has_symbolic_batch(const Analysis& a) {
  return std::any_of(a.inputs.begin(), a.inputs.end(),
                     [](const auto& in) { return !in.second.empty() && in.second[0].symbolic(); });
}

// "x: [B, 1, 28, 28], y: [B, 4]"
inline std::string inputs_line(const Analysis& a) {
  std::string out;
  for (const auto& [name, shape] : a.inputs)
    out += (out.empty() ? "" : ", ") + name + ": " + to_string(shape);
  return out;
}

}  // namespace netshape
