// Counting conventions: the same forward pass counted by the rules of each tool people compare
// netshape with (docs/counting.md has every rule and the tool's source it comes from). The rules
// live in one place, src/infer/conventions.cpp: for each convention, one function from a layer
// (its op's family and kind, shapes, parameters and attributes) to its count.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {

enum class Convention {
  netshape,   // the contract: multiply-accumulates of convolutions, linear layers, matmul
  torchinfo,  // torchinfo's summary(): "Mult-Adds" of leaf modules with parameters
  fvcore,     // fvcore's FlopCountAnalysis (one fused multiply-add is one flop)
  ptflops,    // ptflops' get_model_complexity_info, backend='pytorch'
  thop,       // thop's profile()
  flops,      // floating-point operations: 2 x MAC + element-wise, DeepSpeed's flops profiler
};

inline constexpr std::array<Convention, 6> kAllConventions = {
    Convention::netshape, Convention::torchinfo, Convention::fvcore,
    Convention::ptflops,  Convention::thop,      Convention::flops};

std::optional<Convention> parse_convention(std::string_view name);
std::string_view name_of(Convention c);
// What the convention counts: "MACs", or "FLOPs" for `flops`.
std::string_view quantity_of(Convention c);
// The label of its numbers in a report: "MACs" for the default (the contract's header), else the
// quantity and the convention, "MACs (ptflops)"; `flops` is "FLOPs".
std::string count_label(Convention c);

// One layer's count under a convention; nullopt when the layer failed or the count overflows.
std::optional<int64_t> count_layer(const Analysis& a, const LayerInfo& layer, Convention c);
// nn.MultiheadAttention and einsum: what each other tool counts depends on the path PyTorch
// takes (the fused kernel in eval mode, traced aten ops, the module's own hook, opt_einsum), so
// only netshape's convention counts them; the others show "-". So do the recurrent layers and
// nn.Embedding, which each tool counts by a rule of its own that netshape does not follow yet.
bool counted_by_netshape_only(const LayerInfo& layer);
// "weight_norm" or "spectral_norm" when the layer's weight is one of them (nn.utils), else null.
const char* weight_normalisation(const LayerInfo& layer);
// The class a layer's module derives from the torch layer as (`MyConv`), or "" for the layer
// itself.
std::string_view subclass_name(const LayerInfo& layer);
// Whether convention `c` has a count of the layer (netshape's always does).
bool convention_counts(const LayerInfo& layer, Convention c);

// The op kind a layer's count is reported under when conventions are compared ("BatchNorm",
// "ReLU", "pooling", "convolution", ...).
std::string_view count_category(const LayerInfo& layer);

// Every layer of an analysis counted under one convention.
struct ConventionCounts {
  Convention convention = Convention::netshape;
  std::vector<std::optional<int64_t>> layers;  // layers[i] is analysis.layers[i]
  std::optional<int64_t> total;                // nullopt: a layer failed or the sum overflows
};
ConventionCounts count_analysis(const Analysis& a, Convention c);

// How a convention's total differs from the default's, by op kind (largest first, zeros left
// out). Empty when either total is unknown.
struct CategoryGap {
  std::string category;
  int64_t gap = 0;  // the convention's count minus netshape's, for the layers of this kind
};
std::vector<CategoryGap> gap_by_category(const Analysis& a, const ConventionCounts& counts,
                                         const ConventionCounts& reference);

}  // namespace netshape
