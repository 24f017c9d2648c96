// nn.utils.weight_norm and spectral_norm (`.py`): what they make of a layer's parameters, as
// PyTorch 1.13 registers them. Inference applies it after the layer's rule (its answer, kept for
// every layer of the same shapes, is the plain layer's); the executor rebuilds the weight.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "netshape/infer.hpp"
#include "netshape/ir.hpp"
#include "netshape/op_table.hpp"

namespace netshape {

struct NormedParams {
  ParamTensors weights;  // the layer's other parameters, then the new ones
  int64_t added = 0;     // parameters more than the plain layer's (weight_norm's g)
};

// PyTorch's error where weight_norm or spectral_norm is called: the layer has no `weight`, or
// `dim` is not one of its dims.
struct NormError {
  std::string message;
  std::string help;
};

// weight_norm: `weight` becomes weight_g (its norms over every dim but `dim`: g's dims are 1
// except that one, none for the whole weight's norm) and weight_v (the weight's shape).
// spectral_norm: `weight` becomes weight_orig (its shape). Either is registered after the
// layer's other parameters. Fills `out`, or returns PyTorch's error.
std::optional<NormError> normed_params(const StatementExtras::NormedWeight& how, const OpInfo& op,
                                       const ParamTensors& plain, NormedParams& out);

// spectral_norm's matrix of the weight: rows its dim `dim`, columns the rest in order (the sizes
// of the buffers weight_u and weight_v).
struct WeightMatrix {
  int64_t rows = 0, cols = 0;
};
WeightMatrix weight_matrix(const IntList& weight, int64_t dim);

}  // namespace netshape
