// What a reference forward sees: the layer (with inference's normalised attributes), the actual
// input tensors, the weights, and the output to fill. Each forward computes the output's shape
// from the actual input with the shared formulas of shape_rules.hpp, so a disagreement between
// inference and the executor shows up as a shape mismatch.
#pragma once
#include <array>
#include <stdexcept>

#include "netshape/exec.hpp"

namespace netshape {

struct ForwardCtx {
  const LayerInfo& layer;
  std::vector<const Tensor*> in;
  std::vector<const Tensor*> weights;  // in the order of layer.weights
  Tensor& out;
  int threads = 1;
  int64_t batch = 1;
  const Tensor& x() const { return *in.at(0); }
  const Tensor* weight(const std::string& name) const;
};

// Raised by a forward that cannot run (reported as the layer's error, never a crash).
struct ForwardError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define NS_FAMILY(family) void forward_##family(ForwardCtx& ctx);
NS_FAMILY(conv) NS_FAMILY(conv_transpose) NS_FAMILY(max_pool) NS_FAMILY(avg_pool)
NS_FAMILY(adaptive_avg_pool) NS_FAMILY(adaptive_max_pool) NS_FAMILY(batch_norm)
NS_FAMILY(instance_norm) NS_FAMILY(layer_norm) NS_FAMILY(group_norm) NS_FAMILY(elementwise)
NS_FAMILY(dropout_nd) NS_FAMILY(softmax) NS_FAMILY(flatten) NS_FAMILY(unflatten) NS_FAMILY(view)
NS_FAMILY(linear) NS_FAMILY(constant_pad) NS_FAMILY(interpolate) NS_FAMILY(add) NS_FAMILY(cat)
#undef NS_FAMILY

}  // namespace netshape
