// The memory block of `check --memory`: a pure rendering of estimate_model_memory's numbers.
#include <fmt/format.h>

#include "netshape/memory.hpp"
#include "netshape/report.hpp"

namespace netshape {

namespace {
std::string mb(int64_t bytes) {
  return fmt::format("{:.2f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}
}  // namespace

std::string render_memory(const ModelMemory& m, const std::vector<std::string>& files) {
  auto where = [&](Span at) {
    return at.file < files.size() ? fmt::format("{}:{}", files[at.file], at.line)
                                  : fmt::format("line {}", at.line);
  };
  std::string out =
      fmt::format("memory ({}, batch {}; MB of 2^20 bytes):\n", dtype_name(m.dtype), m.batch);
  out += fmt::format("  parameters                      {:>12}\n", mb(m.parameter_bytes));
  out += fmt::format(
      "  inference, activations at peak  {:>12}  (at {}; each freed after its last reader)\n",
      mb(m.inference_peak_bytes), m.inference_peak_at.empty() ? "the input" : m.inference_peak_at);
  out += fmt::format("  inference, with the parameters  {:>12}\n",
                     mb(m.parameter_bytes + m.inference_peak_bytes));
  // What training saves is unknown: its lines say so rather than show a number that is wrong.
  bool counted = m.saved_not_counted.message.empty();
  auto training = [&](int64_t bytes) { return counted ? mb(bytes) : std::string("not counted"); };
  out += fmt::format("  training, saved for backward    {:>12}\n",
                     training(m.saved_for_backward_bytes));
  out += fmt::format("  training, gradients             {:>12}\n", mb(m.gradient_bytes));
  out += fmt::format("  training step, SGD + momentum   {:>12}  (optimizer state {})\n",
                     training(m.training_sgd_bytes()), mb(m.sgd_momentum_bytes));
  out += fmt::format("  training step, Adam             {:>12}  (optimizer state {})\n",
                     training(m.training_adam_bytes()), mb(m.adam_bytes));
  if (counted && m.eval_branches_at.valid()) {
    out += fmt::format(
        "  note: forward reads `self.training` ({}): saved for backward follows its eval "
        "branches; training may take others (a stochastic depth keeps its noise)\n",
        where(m.eval_branches_at));
  }
  if (!counted) {
    const Label& why = m.saved_not_counted;
    out += fmt::format("  not counted: {}{} (docs/counting.md, \"Memory\")\n", why.message,
                       why.span.valid() ? " (" + where(why.span) + ")" : "");
  }
  return out;
}

}  // namespace netshape
