// The CPU executor: runs a real forward pass of an analysed model with deterministic random
// weights, layer by layer, and records each layer's actual output shape and time.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
  int64_t numel() const;
  static Tensor zeros(std::vector<int64_t> shape);
};

// Receives each tensor of a run as soon as it exists: every input as "input.<name>", a layer's
// parameters as "<layer>.<param>" (once per reused module), every layer's output as "<layer>".
// Returns "" when it took the tensor, else why not: the run then stops there
// (ExecResult::sink_error). `run --save-tensors` writes each tensor with it, so no tensor is
// kept alive for saving.
using TensorSink = std::function<std::string(const std::string& name, const Tensor& t)>;

struct ExecOptions {
  uint64_t seed = 0;
  int threads = 1;
  int64_t batch = 1;          // a symbolic batch binds to this
  bool keep_outputs = false;  // keep copies of every input, weight and layer output in the result
  TensorSink sink;            // optional; like keep_outputs, it turns conv+ReLU fusion off
};

struct LayerRun {
  std::string name;
  std::vector<int64_t> expected;  // inference's shape with the batch bound
  std::vector<int64_t> actual;    // the forward pass's tensor shape
  double ms = 0.0;
  bool match = false;
};

struct ExecResult {
  std::vector<LayerRun> layers;  // up to and including the first mismatch or failure
  bool match = false;
  std::string error;       // why the run stopped early, if it did
  std::string sink_error;  // set when it stopped because the sink refused a tensor
  std::vector<std::pair<std::string, Tensor>> inputs;         // when keep_outputs
  std::vector<std::pair<std::string, Tensor>> weights;        // "<layer>.<param>", keep_outputs
  std::vector<std::pair<std::string, Tensor>> outputs;        // per layer when keep_outputs
  std::vector<std::pair<std::string, Tensor>> model_outputs;  // the model's `output` tensors
};

// `a` must be a successful analysis (a.ok).
ExecResult execute(const Analysis& a, const ExecOptions& opts);

// Inference's shape with a symbolic batch bound to `batch`.
std::vector<int64_t> bind_shape(const Shape& s, int64_t batch);

// What a forward pass will allocate at its peak (tensors, weights, packed weights and kernel
// scratch), computed from the analysis alone, before anything is allocated, with the same
// liveness as execute(): an activation lives until its last reader has run, a layer's weights
// while it runs. Sizes are checked: nullopt means the count leaves int64.
struct MemoryEstimate {
  std::optional<int64_t> peak_bytes;
  std::string peak_at;                // the layer at the peak (or "input <name>")
  int64_t peak_layer = -1;            // its index in a.layers, -1 for an input
  std::optional<int64_t> sink_bytes;  // bytes a sink receives: inputs, parameters, outputs
  size_t sink_tensors = 0;            // how many tensors it receives
};
MemoryEstimate estimate_memory(const Analysis& a, const ExecOptions& opts);

// The work of a forward pass, in operations: multiply-adds, the window taps of pooling (clipped
// to the input, as the forwards visit them), and one per element read or written elsewhere.
// `run` refuses more than limits::kMaxRunWork, so no model file can make it run for hours.
struct WorkEstimate {
  std::optional<int64_t> operations;  // nullopt when it does not fit in int64
  std::string largest_at;             // the layer doing the most
};
WorkEstimate estimate_work(const Analysis& a, const ExecOptions& opts);

// Writes a float32 tensor as a NumPy .npy file (format version 1.0, or 2.0 when the header needs
// more than 65535 bytes). Returns "" on success, else what failed (with the system's reason);
// a file that could not be written completely is removed.
std::string write_npy(const std::string& path, const Tensor& t);

}  // namespace netshape
