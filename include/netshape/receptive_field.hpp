// Receptive field per layer (`check --rf`): along each spatial axis, how many input pixels one
// output position sees (size), how far apart, in input pixels, neighbouring outputs are (jump),
// and where the first output's field is centred (start). A pure function of the analysis and
// the graph; the formulas are in docs/receptive_field.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netshape/diagnostics.hpp"
#include "netshape/graph.hpp"
#include "netshape/infer.hpp"

namespace netshape {

// An exact fraction num/den (den > 0, reduced): even kernels put a field's centre between two
// pixels, upsampling and transposed convolutions make the jump a fraction of a pixel.
struct Ratio {
  int64_t num = 0;
  int64_t den = 1;
  bool operator==(const Ratio&) const = default;
};

// Checked: nullopt when a numerator or denominator leaves int64.
std::optional<Ratio> make_ratio(int64_t num, int64_t den);
std::optional<Ratio> operator+(Ratio a, Ratio b);
std::optional<Ratio> operator-(Ratio a, Ratio b);
std::optional<Ratio> operator*(Ratio a, Ratio b);
std::optional<Ratio> operator/(Ratio a, Ratio b);
// "3", "10.5", "0.25", or "1/3" when no short decimal is exact.
std::string to_string(const Ratio& r);

// One spatial axis of one layer's output, in pixels of the model input; pixel i of the input is
// centred at coordinate i.
struct AxisField {
  Ratio size{1, 1};   // r: the extent of the input one output position sees
  Ratio jump{1, 1};   // j: the distance between the centres of neighbouring outputs' fields
  Ratio start{0, 1};  // the centre of the first output's field (negative: in the padding)
};

enum class FieldKind {
  Grid,     // the output has a spatial grid: `axes` holds its trailing spatial dims, in order
  NoGrid,   // the spatial grid ended (flatten, view, linear, ...) or never existed (an MLP)
  Unknown,  // netshape does not follow the grid through this op: labelled, never guessed
};

struct LayerField {
  FieldKind kind = FieldKind::NoGrid;
  std::vector<AxisField> axes;
  // NoGrid and Unknown: why, e.g. "the spatial grid ends at flat (view)".
  std::string reason;
  // Made from nothing (zeros, nn.Parameter, ...): it does not depend on the input, so a merge
  // with a grid ignores it.
  bool constant = false;
};

struct ReceptiveFields {
  std::vector<LayerField> layers;  // layers[i] is the analysis's layers[i]
};

// The receptive field of every layer of an analysis without errors. Adds a warning (code
// "rf-misaligned") at each merge (add, mul, cat, ...) of grids with different jumps or starts.
ReceptiveFields receptive_fields(const Graph& g, const Analysis& a, Diagnostics& diags);

}  // namespace netshape
