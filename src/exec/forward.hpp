// What a reference forward sees: the layer (with inference's normalised attributes), the actual
// input tensors, the weights, and the output to fill. Each forward computes the output's shape
// from the actual input with the shared formulas of shape_rules.hpp, so a disagreement between
// inference and the executor shows up as a shape mismatch.
#pragma once
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <stdexcept>

#include "buffer_pool.hpp"
#include "netshape/exec.hpp"

namespace netshape {

struct ForwardCtx {
  const LayerInfo& layer;
  std::vector<const Tensor*> in;
  std::vector<const Tensor*> weights;  // in the order of layer.weights
  Tensor& out;
  int threads = 1;
  int64_t batch = 1;
  bool fuse_relu = false;  // a conv whose only reader is the next ReLU applies it in the kernel
  // The first input when this layer is its last reader (and reads it once): a forward that
  // computes in place (activations, BatchNorm, add) takes it as its output instead of copying.
  Tensor* dying_x = nullptr;
  // The executor's pool of freed buffers (nullptr: allocate fresh). A forward's tensors and
  // scratch come from it through zeros / for_overwrite and go back through release.
  BufferPool* pool = nullptr;
  // The convolution's weights in the layout its kernel reads, when the executor made them so
  // before the forward (prepare_conv); empty otherwise (the forward packs them itself).
  std::vector<float> packed_weights{};
  // The weight a layer under weight_norm rebuilds from weight_g and weight_v (weight("weight")).
  const Tensor* rebuilt_weight = nullptr;
  const Tensor& x() const { return *in.at(0); }
  // The first input to overwrite with the output: moved when it dies here, else a copy.
  Tensor take_x() { return dying_x ? std::move(*dying_x) : *in.at(0); }
  const Tensor* weight(const std::string& name) const;
  // A tensor of `shape` filled with zeros.
  Tensor zeros(std::vector<int64_t> shape) const;
  // A tensor of `shape` whose values the caller overwrites, every one (contents unspecified).
  Tensor for_overwrite(std::vector<int64_t> shape) const;
  // Scratch of `n` floats (contents unspecified), and its return once the forward is done.
  std::vector<float> scratch(size_t n) const {
    return pool ? pool->take(n) : std::vector<float>(n);
  }
  void release(std::vector<float>&& v) const {
    if (pool) pool->give(std::move(v));
  }
};

// One elementwise step forward computes with no row (`x * 2`: ValueStep) on one value, and the
// steps in order on every value of a tensor (value_steps.cpp).
float apply_value_step(const ValueStep& s, float v);
void apply_value_steps(std::span<const ValueStep> steps, std::span<float> values);

// An attribute of `nd` spatial values as 3 values (D, H, W), the missing leading ones `fill`:
// the 1-D and 2-D cases then run through the same 3-D loops.
inline std::array<int64_t, 3> spatial3(std::span<const int64_t> v, int nd, int64_t fill) {
  std::array<int64_t, 3> a{fill, fill, fill};
  for (int i = 0; i < nd && static_cast<size_t>(i) < v.size(); ++i)
    a[static_cast<size_t>(3 - nd + i)] = v[static_cast<size_t>(i)];
  return a;
}

// The product of dims [begin, end) of a shape the executor holds (its sizes fit: inference
// checked every element count).
inline int64_t product(std::span<const int64_t> s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < std::min(end, s.size()); ++i) p *= s[i];
  return p;
}

// The dot product of n floats in 16 partial sums (vectorised; the order of the additions is not
// the serial one, so results differ from a serial sum by float rounding only).
inline float dot(const float* a, const float* b, int64_t n) {
  float lanes[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; ++l) lanes[l] += a[i + l] * b[i + l];
  float sum = 0.0f;
  for (; i < n; ++i) sum += a[i] * b[i];
  for (float v : lanes) sum += v;
  return sum;
}

// out [rows] = w [rows, cols] times v [cols], plus bias (none when null): nn.Linear's product for
// one input row, as the recurrent cells and attention's projections take it.
inline void matrix_times_vector(const float* w, const float* bias, const float* v, int64_t rows,
                                int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) out[r] = (bias ? bias[r] : 0.0f) + dot(w + r * cols, v, cols);
}

// The activation `kind` (relu, sigmoid, tanh, ...) of one value, PyTorch's formula: the
// elementwise forwards and the recurrent cells' gates compute it here.
float apply_activation(OpKind kind, float v, const Attrs& a);

// Raised by a forward that cannot run (reported as the layer's error, never a crash).
struct ForwardError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bytes forward_conv allocates for `layer` on an input of `in_shape` besides the input, the
// weights and the output: the padded copy of the input (non-zero padding modes, asymmetric
// 'same') and, for 1-D and 2-D, the packed kernel's weights and NCHW16c copies. nullopt if the
// count leaves int64. Throws ForwardError where forward_conv would.
std::optional<int64_t> conv_scratch_bytes(const LayerInfo& layer,
                                          const std::vector<int64_t>& in_shape);

// Packs a 1-D or 2-D convolution's weights into ctx.packed_weights for the kernel path its
// forward will take (nothing for other convolutions). The executor calls it as it makes the
// weights, outside the forward's time, as a PyTorch model's weights exist before its forward.
// Throws ForwardError where forward_conv would.
void prepare_conv(ForwardCtx& ctx);

// Bytes forward_conv_transpose allocates on `threads` threads besides the input, the weights and
// the output (conv_transpose_taps_scratch_bytes). nullopt if the count leaves int64. Throws
// ForwardError where forward_conv_transpose would.
std::optional<int64_t> conv_transpose_scratch_bytes(const LayerInfo& layer,
                                                    const std::vector<int64_t>& in_shape,
                                                    int threads);

#define NS_FAMILY(family, ...) void forward_##family(ForwardCtx& ctx);
#include "netshape/op_families.def"
#undef NS_FAMILY

}  // namespace netshape
