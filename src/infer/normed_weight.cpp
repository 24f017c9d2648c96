#include "netshape/normed_weight.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

using Kind = StatementExtras::NormedWeight::Kind;

// No `weight` parameter: none at all (`_parameters['weight']`, getattr), or None (a norm layer
// with its affine parameters off), which each function reports its own way.
NormError no_weight(const StatementExtras::NormedWeight& how, const OpInfo& op) {
  bool switched_off = op.has_param("affine") || op.has_param("elementwise_affine");
  std::string help =
      switched_off
          ? fmt::format(
                "this layer has no weight (its affine parameters are off): remove {}, or "
                "turn them on",
                how.name())
          : fmt::format("{} has no weight to normalise: remove {} here", op.name, how.name());
  if (how.kind == Kind::spectral_norm)
    return {switched_off ? "`SpectralNorm` cannot be applied as parameter `weight` is None"
                         : "KeyError: 'weight'",
            help};
  return {switched_off ? "norm_except_dim(): argument 'v' (position 1) must be Tensor, not NoneType"
                       : fmt::format("'{}' object has no attribute 'weight'", op.name),
          help};
}

std::string shape_text(const IntList& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// The weight viewed as a matrix with its dim `dim` (of size 0) as the rows, `[0, -1]` (or as the
// columns, `[-1, 0]`): no size for the other side, PyTorch's view error.
NormError empty_rows(const StatementExtras::NormedWeight& how, const char* shape) {
  return {fmt::format("cannot reshape tensor of 0 elements into shape {} because the unspecified "
                      "dimension size -1 can be any value and is ambiguous",
                      shape),
          fmt::format("{} normalises along a dim of size 0 here: give the layer at least one "
                      "element there, or remove {}",
                      how.name(), how.name())};
}

}  // namespace

std::optional<NormError> normed_params(const StatementExtras::NormedWeight& how, const OpInfo& op,
                                       const ParamTensors& plain, NormedParams& out) {
  auto weight = std::find_if(plain.begin(), plain.end(),
                             [](const ParamTensor& p) { return p.name == "weight"; });
  if (weight == plain.end()) return no_weight(how, op);
  int64_t rank = static_cast<int64_t>(weight->shape.size());
  out.weights.clear();
  for (const ParamTensor& p : plain)
    if (&p != &*weight) out.weights.push_back(p);
  if (how.kind == Kind::spectral_norm) {
    // reshape_weight_to_matrix permutes (dim, the other dims): any dim but 0..rank-1 makes
    // rank + 1 of them.
    if (how.dim < 0 || how.dim >= rank)
      return NormError{
          fmt::format("permute(sparse_coo): number of dimensions in the tensor input does not "
                      "match the length of the desired ordering of dimensions i.e. input.dim() "
                      "= {} is not equal to len(dims) = {}",
                      rank, rank + 1),
          fmt::format("dim picks the rows of the weight, {}: use one from 0 to {}",
                      shape_text(weight->shape), rank - 1)};
    if (weight->shape[static_cast<size_t>(how.dim)] == 0) return empty_rows(how, "[0, -1]");
    out.weights.push_back(ParamTensor{"weight_orig", weight->shape});
    out.added = 0;
    return std::nullopt;
  }
  ParamTensor g{"weight_g", {}};
  if (!how.whole) {
    auto dim = wrap_dim(how.dim, rank);
    if (!dim)
      return NormError{dim_out_of_range(std::to_string(how.dim), rank),
                       fmt::format("dim picks a dim of the weight, {}: use one from {} to {} (or "
                                   "None for one norm over the whole weight)",
                                   shape_text(weight->shape), -rank, rank - 1)};
    // norm_except_dim views the weight as [size, -1] (the last dim: [-1, size]).
    if (weight->shape[static_cast<size_t>(*dim)] == 0)
      return empty_rows(how, *dim == rank - 1 && *dim != 0 ? "[-1, 0]" : "[0, -1]");
    g.shape = IntList(weight->shape.size(), 1);
    g.shape[static_cast<size_t>(*dim)] = weight->shape[static_cast<size_t>(*dim)];
  }
  out.weights.push_back(g);
  out.weights.push_back(ParamTensor{"weight_v", weight->shape});
  out.added = g.numel();
  return std::nullopt;
}

WeightMatrix weight_matrix(const IntList& weight, int64_t dim) {
  WeightMatrix m;
  m.rows = weight[static_cast<size_t>(dim)];
  m.cols = 1;
  for (size_t d = 0; d < weight.size(); ++d)
    if (static_cast<int64_t>(d) != dim) m.cols *= weight[d];
  return m;
}

}  // namespace netshape
