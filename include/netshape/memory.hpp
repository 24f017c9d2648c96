// How much memory a model needs: its parameters, its activations in inference (freed after their
// last reader, in execution order, as `netshape run` frees them), and a step of training (the
// tensors autograd saves for the backward pass, gradients, optimizer state). A pure function of
// an analysis; the formulas are in docs/counting.md, "Memory".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/infer.hpp"

namespace netshape {

enum class DType { float32, float16, bfloat16, int8 };

std::optional<DType> parse_dtype(std::string_view name);
std::string_view dtype_name(DType d);
int64_t dtype_bytes(DType d);

struct MemoryOptions {
  DType dtype = DType::float32;
  int64_t batch = 1;  // a symbolic batch binds to this
  // The graph analysed: its program's ops with no row whose backward keeps a tensor
  // (Program::unrowed_saves) are counted with the rows' saves (null: none are), and when one
  // keeps a tensor netshape does not know (Program::unrowed_save_at) what training saves is not
  // counted.
  const Graph* graph = nullptr;
};

struct ModelMemory {
  DType dtype = DType::float32;
  int64_t batch = 1;
  int64_t parameter_bytes = 0;
  std::vector<int64_t> output_bytes;  // per layer, in order
  // Inference: the most bytes of activations alive at once (the inputs, and each layer's output
  // from the layer that makes it to its last reader), and the layer where that happens.
  int64_t inference_peak_bytes = 0;
  std::string inference_peak_at;
  // Training, one step: the tensors the forward pass saves for backward (each tensor once, a
  // view counted as the tensor it views, plus max-pooling indices, dropout masks and
  // normalisation statistics), the gradients (one per parameter), and the optimizer's state.
  int64_t saved_for_backward_bytes = 0;
  // Why the saved tensors (and so the training steps) are not counted, at the place that makes
  // them unknown (message empty: counted).
  Label saved_not_counted;
  // Where forward reads `self.training`: the saved tensors are those of its eval branches.
  Span eval_branches_at;
  int64_t gradient_bytes = 0;
  int64_t sgd_momentum_bytes = 0;  // SGD with momentum: one buffer per parameter
  int64_t adam_bytes = 0;          // Adam: two (exp_avg, exp_avg_sq)
  int64_t training_sgd_bytes() const {
    return parameter_bytes + gradient_bytes + sgd_momentum_bytes + saved_for_backward_bytes;
  }
  int64_t training_adam_bytes() const {
    return parameter_bytes + gradient_bytes + adam_bytes + saved_for_backward_bytes;
  }
};

// For an analysis without errors; nullopt when a count leaves int64.
std::optional<ModelMemory> estimate_model_memory(const Analysis& a, const MemoryOptions& o);

// For each tensor id, the index of the last layer that reads it (a.layers.size() for a model
// output, kNeverRead for a tensor nobody reads): activations are freed right after it. `run`
// frees by it, and the inference peak above replays it.
constexpr size_t kNeverRead = SIZE_MAX;
std::vector<size_t> last_readers(const Analysis& a);

}  // namespace netshape
