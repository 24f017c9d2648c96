// The names of the attribute enums, as PyTorch spells them (parsed by the rules, printed back in
// their messages).
#include "netshape/attrs.hpp"

#include <array>
#include <bit>
#include <cstddef>

namespace netshape {
namespace {

// In the order of each enum.
constexpr std::array<const char*, 4> kPaddingModes = {"zeros", "reflect", "replicate", "circular"};
constexpr std::array<const char*, 2> kGeluApproximations = {"none", "tanh"};
constexpr std::array<const char*, 7> kInterpolateModes = {
    "nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"};
constexpr std::array<const char*, 3> kGridPaddings = {"zeros", "border", "reflection"};

template <typename Enum, size_t N>
std::optional<Enum> parse(const std::array<const char*, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<Enum>(i);
  return std::nullopt;
}

}  // namespace

// A hash of the fields that tell records apart most often. Equal records hash equal; records
// that differ only elsewhere share a bucket and are told apart by operator==.
uint64_t hash_of(const Attrs& a) {
  uint64_t h = kRecordHashSeed;
  auto mix = [&](uint64_t v) { h = record_hash_mix(h, v); };
  for (int64_t v : {a.in_channels, a.out_channels, a.groups, a.dim, a.start_dim, a.end_dim, a.start,
                    a.num_groups})
    mix(static_cast<uint64_t>(v));
  for (const AttrInts* list : {&a.kernel_size, &a.stride, &a.dilation, &a.pad_begin, &a.padding,
                               &a.output_size, &a.normalized_shape, &a.dims, &a.size}) {
    mix(list->size());
    for (int64_t v : *list) mix(static_cast<uint64_t>(v));
  }
  for (double v : {a.eps, a.p, a.negative_slope, a.value}) mix(std::bit_cast<uint64_t>(v));
  return h;
}

const std::shared_ptr<const Attrs>& AttrsTable::defaults() {
  static const std::shared_ptr<const Attrs> none = std::make_shared<const Attrs>();
  return none;
}

std::optional<PaddingMode> parse_padding_mode(std::string_view s) {
  return parse<PaddingMode>(kPaddingModes, s);
}
std::optional<GeluApproximate> parse_gelu_approximate(std::string_view s) {
  return parse<GeluApproximate>(kGeluApproximations, s);
}
std::optional<InterpolateMode> parse_interpolate_mode(std::string_view s) {
  return parse<InterpolateMode>(kInterpolateModes, s);
}

std::optional<GridPadding> parse_grid_padding(std::string_view s) {
  return parse<GridPadding>(kGridPaddings, s);
}

const char* name_of(PaddingMode m) {
  return kPaddingModes[static_cast<size_t>(m)];
}
const char* name_of(InterpolateMode m) {
  return kInterpolateModes[static_cast<size_t>(m)];
}

}  // namespace netshape
