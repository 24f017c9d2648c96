// einops's patterns (`'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'`), as einops 0.8 reads them:
// the parse, the checks and the recipe its torch backend follows for one input shape (a reshape,
// a permute, reductions, new axes by unsqueeze and expand, a last reshape), with einops's
// messages word for word. Pure: the Python reader turns a recipe into rows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netshape/shape.hpp"

namespace netshape::einops {

// The step einops's _apply_recipe takes, in this order; a step not taken is empty.
struct Recipe {
  std::optional<std::vector<Dim>> init_shape;       // x.reshape(init_shape)
  std::optional<std::vector<int64_t>> permutation;  // x.permute(permutation)
  std::vector<int64_t> reduced_axes;                // reduced after the permute (trailing axes)
  // New axes (repeat): x.unsqueeze(position) for each in order, then x.expand(sizes) with -1 for
  // every other axis; the name is the axis's (a number's text for an anonymous one).
  struct Added {
    int64_t position = 0;
    Dim length;
    std::string name;
  };
  std::vector<Added> added;
  int64_t axes_after_adding = 0;
  std::optional<std::vector<Dim>> final_shape;  // x.reshape(final_shape)
};

// One axis length given by keyword (`h=8`), as a number or a symbolic size.
using AxisLength = std::pair<std::string, Dim>;

enum class Failure : uint8_t {
  Einops,    // EinopsError (einops wraps it in its call's context)
  Value,     // ValueError (a pattern without exactly one `->`): not wrapped
  Symbolic,  // netshape cannot follow a symbolic batch through this step
};
struct Error {
  Failure kind = Failure::Einops;
  std::string message;
};

// What einops checks of a pattern before it sees a tensor (its layers check it when built):
// `operation` is "rearrange", "repeat" or a reduction; nullopt when the pattern is fine.
std::optional<Error> check_pattern(std::string_view pattern, std::string_view operation,
                                   const std::vector<std::string>& axes_names);

// The recipe of `operation` for an input of `shape` with the lengths given by keyword.
std::optional<Recipe> recipe(std::string_view pattern, std::string_view operation,
                             const std::vector<AxisLength>& axes_lengths, const Shape& shape,
                             Error& error);

// The input ranks einops's layers have a recipe for, [first, last]: they prepare them when built
// and look one up by the input's rank in forward (another rank is a KeyError there). The left
// side's dims; with an ellipsis, the others and 0 to 7 more.
std::pair<size_t, size_t> layer_ranks(std::string_view pattern);

}  // namespace netshape::einops
