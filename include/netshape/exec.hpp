// The CPU executor: runs a real forward pass of an analysed model with deterministic random
// weights, layer by layer, and records each layer's actual output shape and time.
#pragma once
#include <cstdint>
#include <map>
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

struct ExecOptions {
  uint64_t seed = 0;
  int threads = 1;
  int64_t batch = 1;          // a symbolic batch binds to this
  bool keep_outputs = false;  // keep every layer's output (for --save-tensors)
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
  std::string error;  // why the run stopped early, if it did
  std::vector<std::pair<std::string, Tensor>> inputs;
  std::vector<std::pair<std::string, Tensor>> weights;        // "<layer>.<param>"
  std::vector<std::pair<std::string, Tensor>> outputs;        // per layer when keep_outputs
  std::vector<std::pair<std::string, Tensor>> model_outputs;  // the model's `output` tensors
};

// `a` must be a successful analysis (a.ok).
ExecResult execute(const Analysis& a, const ExecOptions& opts);

// Inference's shape with a symbolic batch bound to `batch`.
std::vector<int64_t> bind_shape(const Shape& s, int64_t batch);

// Writes a float32 tensor as a NumPy .npy file (format version 1.0).
bool write_npy(const std::string& path, const Tensor& t);

}  // namespace netshape
