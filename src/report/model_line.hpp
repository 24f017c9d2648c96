// What every table's heading and footer say about the model's inputs, for the reporters of
// report.cpp (the default table) and columns.cpp (--columns, --conventions).
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "netshape/infer.hpp"
#include "netshape/shape.hpp"

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

// " per sample" when the counts are per sample, else "".
inline std::string per_sample(const Analysis& a) {
  return has_symbolic_batch(a) ? " per sample" : "";
}

// The footer before its count lines: the outputs, the sizes `?` became, the parameters.
inline std::string footer_head(const Analysis& a) {
  const Totals& t = a.totals;
  std::string out = "\n";
  for (const auto& [name, shape] : a.outputs)
    out += fmt::format("output {}: {}\n", name, to_string(shape));
  for (const LayerInfo& l : a.layers)
    for (const auto& [param, v] : l.inferred())
      out += fmt::format("inferred {}.{} = {}  (from `?`)\n", l.name, param, v);
  out += fmt::format("params: {} (trainable {}, non-trainable {})\n", with_commas(t.params),
                     with_commas(t.trainable_params), with_commas(t.non_trainable_params));
  return out;
}

// The footer's last line: float32 memory of the parameters and of every layer's output, in MB of
// 2^20 bytes (as torchsummary reports it).
inline std::string footer_memory(const Analysis& a) {
  constexpr double kBytesPerMB = 1024.0 * 1024.0;
  return fmt::format("parameter memory: {:.2f} MB, activation memory: {:.2f} MB{} (float32)\n",
                     static_cast<double>(a.totals.params) * 4.0 / kBytesPerMB,
                     static_cast<double>(a.totals.activation_elements) * 4.0 / kBytesPerMB,
                     per_sample(a));
}

}  // namespace netshape
