// The names of the attribute enums, as PyTorch spells them (parsed by the rules, printed back in
// their messages).
#include "netshape/attrs.hpp"

#include <array>
#include <cstddef>

namespace netshape {
namespace {

// In the order of each enum.
constexpr std::array<const char*, 4> kPaddingModes = {"zeros", "reflect", "replicate", "circular"};
constexpr std::array<const char*, 2> kGeluApproximations = {"none", "tanh"};
constexpr std::array<const char*, 7> kInterpolateModes = {
    "nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"};

template <typename Enum, size_t N>
std::optional<Enum> parse(const std::array<const char*, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace

std::optional<PaddingMode> parse_padding_mode(std::string_view s) {
  return parse<PaddingMode>(kPaddingModes, s);
}
std::optional<GeluApproximate> parse_gelu_approximate(std::string_view s) {
  return parse<GeluApproximate>(kGeluApproximations, s);
}
std::optional<InterpolateMode> parse_interpolate_mode(std::string_view s) {
  return parse<InterpolateMode>(kInterpolateModes, s);
}

const char* name_of(PaddingMode m) {
  return kPaddingModes[static_cast<size_t>(m)];
}
const char* name_of(InterpolateMode m) {
  return kInterpolateModes[static_cast<size_t>(m)];
}

}  // namespace netshape
