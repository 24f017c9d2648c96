// Receptive field per layer: size, jump and start along each spatial axis, followed from the
// model input through every layer (docs/receptive_field.md has the formulas and their sources).
// A pure pass over a finished analysis: it reads the layers' attributes and shapes, and only
// adds warnings.
#include "netshape/receptive_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <span>

namespace netshape {

// ---- exact fractions ---------------------------------------------------------------------

std::optional<Ratio> make_ratio(int64_t num, int64_t den) {
  if (den == 0 || num == INT64_MIN || den == INT64_MIN) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int64_t g = std::gcd(num, den);
  return Ratio{num / g, den / g};
}

namespace {

// num/den computed in 128 bits, reduced, then brought back to int64 (or nullopt).
std::optional<Ratio> reduce_wide(__int128 num, __int128 den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  __int128 a = num < 0 ? -num : num, b = den;
  while (b != 0) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) {
    num /= a;
    den /= a;
  }
  if (num > INT64_MAX || num < -INT64_MAX || den > INT64_MAX || den == 0) return std::nullopt;
  return Ratio{static_cast<int64_t>(num), static_cast<int64_t>(den)};
}

}  // namespace

std::optional<Ratio> operator+(Ratio a, Ratio b) {
  return reduce_wide(static_cast<__int128>(a.num) * b.den + static_cast<__int128>(b.num) * a.den,
                     static_cast<__int128>(a.den) * b.den);
}
std::optional<Ratio> operator-(Ratio a, Ratio b) {
  return a + Ratio{-b.num, b.den};
}
std::optional<Ratio> operator*(Ratio a, Ratio b) {
  return reduce_wide(static_cast<__int128>(a.num) * b.num, static_cast<__int128>(a.den) * b.den);
}
std::optional<Ratio> operator/(Ratio a, Ratio b) {
  if (b.num == 0) return std::nullopt;
  return reduce_wide(static_cast<__int128>(a.num) * b.den, static_cast<__int128>(a.den) * b.num);
}

std::string to_string(const Ratio& r) {
  if (r.den == 1) return std::to_string(r.num);
  // A denominator of only 2s and 5s has an exact short decimal (10.5, 0.25).
  int64_t d = r.den, twos = 0, fives = 0;
  while (d % 2 == 0) d /= 2, ++twos;
  while (d % 5 == 0) d /= 5, ++fives;
  int64_t digits = std::max(twos, fives);
  if (d != 1 || digits > 6) return fmt::format("{}/{}", r.num, r.den);
  int64_t scale = 1;
  for (int64_t i = 0; i < digits; ++i) scale *= 10;
  __int128 scaled = static_cast<__int128>(r.num) * (scale / r.den);
  bool negative = scaled < 0;
  __int128 mag = negative ? -scaled : scaled;
  std::string frac = std::to_string(static_cast<int64_t>(mag % scale));
  frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
  return fmt::format("{}{}.{}", negative ? "-" : "", static_cast<int64_t>(mag / scale), frac);
}

namespace {

// ---- one formula per kind of layer -------------------------------------------------------

Ratio whole(int64_t v) {
  return Ratio{v, 1};
}

// A sliding window (ConvNd, max/avg pooling, an evenly dividing adaptive pool), with
// a = d*(k-1) the extent of the kernel less one and p the padding before the first window:
//   r_out = r_in + a*j_in,  j_out = s*j_in,  start_out = start_in + (a/2 - p)*j_in.
std::optional<AxisField> through_window(const AxisField& in, int64_t k, int64_t s, int64_t d,
                                        int64_t p) {
  auto a = checked_mul(d, k - 1);
  if (!a) return std::nullopt;
  auto grow = whole(*a) * in.jump;
  auto size = grow ? *grow + in.size : std::nullopt;
  auto jump = whole(s) * in.jump;
  auto shift = make_ratio(*a - 2 * p, 2);
  auto moved = shift ? *shift * in.jump : std::nullopt;
  auto start = moved ? in.start + *moved : std::nullopt;
  if (!size || !jump || !start) return std::nullopt;
  return AxisField{*size, *jump, *start};
}

// A transposed convolution: output o reads inputs i with i*s = o + p - m*d (m = 0..k-1), that
// is at most floor(a/s) + 1 neighbouring inputs:
//   r_out = r_in + floor(a/s)*j_in,  j_out = j_in/s,  start_out = start_in + (p - a/2)/s*j_in
// (the outputs' centres on the line of the continuous geometry; a centre is off it by less
// than half an input pixel).
std::optional<AxisField> through_transposed(const AxisField& in, int64_t k, int64_t s, int64_t d,
                                            int64_t p) {
  auto a = checked_mul(d, k - 1);
  if (!a || s <= 0) return std::nullopt;
  auto grow = whole(*a / s) * in.jump;
  auto size = grow ? *grow + in.size : std::nullopt;
  auto jump = in.jump / whole(s);
  auto shift = make_ratio(2 * p - *a, 2 * s);
  auto moved = shift ? *shift * in.jump : std::nullopt;
  auto start = moved ? in.start + *moved : std::nullopt;
  if (!size || !jump || !start) return std::nullopt;
  return AxisField{*size, *jump, *start};
}

// Padding `before` pixels in front: the same field, its first output `before` pixels earlier.
std::optional<AxisField> through_pad(const AxisField& in, int64_t before) {
  auto moved = whole(before) * in.jump;
  auto start = moved ? in.start - *moved : std::nullopt;
  if (!start) return std::nullopt;
  return AxisField{in.size, in.jump, *start};
}

// Upsampling by an integer s, output o centred at input coordinate (o + 1/2)/s - 1/2 (PyTorch's
// align_corners=False): it reads `taps` neighbouring inputs (nearest 1, linear 2, cubic 4):
//   r_out = r_in + (taps-1)*j_in,  j_out = j_in/s,  start_out = start_in + (1-s)/(2s)*j_in.
std::optional<AxisField> through_upsample(const AxisField& in, int64_t s, int64_t taps) {
  if (s == 1) taps = 1;  // every output lands on an input pixel
  auto grow = whole(taps - 1) * in.jump;
  auto size = grow ? *grow + in.size : std::nullopt;
  auto jump = in.jump / whole(s);
  auto shift = make_ratio(1 - s, 2 * s);
  auto moved = shift ? *shift * in.jump : std::nullopt;
  auto start = moved ? in.start + *moved : std::nullopt;
  if (!size || !jump || !start) return std::nullopt;
  return AxisField{*size, *jump, *start};
}

// Downsampling by an integer q, output o read at input coordinate o*q + offset: nearest reads
// input o*q (offset 0), nearest-exact o*q + q//2; linear and cubic modes sample at
// (o + 1/2)*q - 1/2, offset (q-1)/2, which for an even q falls between two pixels and reads
// `taps` of them (for an odd q it lands on one):
//   r_out = r_in + (taps-1)*j_in (taps = 1 on a pixel),  j_out = q*j_in,
//   start_out = start_in + offset*j_in.
std::optional<AxisField> through_subsample(const AxisField& in, int64_t q, Ratio offset,
                                           int64_t taps) {
  if (offset.den == 1) taps = 1;
  auto grow = whole(taps - 1) * in.jump;
  auto size = grow ? *grow + in.size : std::nullopt;
  auto jump = whole(q) * in.jump;
  auto moved = offset * in.jump;
  auto start = moved ? in.start + *moved : std::nullopt;
  if (!size || !jump || !start) return std::nullopt;
  return AxisField{*size, *jump, *start};
}

// ---- following the grid through the layers -------------------------------------------------

LayerField no_grid(std::string reason) {
  return LayerField{FieldKind::NoGrid, {}, std::move(reason)};
}
LayerField unknown(std::string reason) {
  return LayerField{FieldKind::Unknown, {}, std::move(reason)};
}

std::string layer_label(const LayerInfo& l) {
  return fmt::format("{} ({})", l.name, l.op_name);
}

// The spatial sizes of the last `nd` dims of a shape (symbolic dims are never spatial).
std::vector<int64_t> trailing(const Shape& s, size_t nd) {
  std::vector<int64_t> out;
  for (size_t i = s.size() - nd; i < s.size(); ++i) out.push_back(s[i].value);
  return out;
}

// The same kind of window on every axis; `axes` are the input's, the layer's nd the last ones.
template <typename Step>
LayerField per_axis(const LayerInfo& l, const LayerField& in, size_t nd, Step step) {
  if (in.axes.size() < nd || nd == 0) return no_grid("the spatial grid ends at " + layer_label(l));
  LayerField out{FieldKind::Grid, {}, ""};
  size_t first = in.axes.size() - nd;
  for (size_t i = 0; i < nd; ++i) {
    std::optional<AxisField> f = step(in.axes[first + i], i);
    if (!f) return unknown(layer_label(l) + ": the receptive field leaves 64-bit fractions");
    out.axes.push_back(*f);
  }
  return out;
}

bool has_window(const Attrs& at, size_t nd) {
  return at.kernel_size.size() == nd && at.stride.size() == nd && at.dilation.size() == nd;
}

LayerField window_layer(const LayerInfo& l, const LayerField& in, std::span<const int64_t> pad) {
  const Attrs& at = *l.attrs;
  size_t nd = at.kernel_size.size();
  if (!has_window(at, nd) || pad.size() != nd) return unknown(layer_label(l) + ": no window");
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) {
    return through_window(f, at.kernel_size[i], at.stride[i], at.dilation[i], pad[i]);
  });
}

LayerField transposed_layer(const LayerInfo& l, const LayerField& in) {
  const Attrs& at = *l.attrs;
  size_t nd = at.kernel_size.size();
  if (!has_window(at, nd) || at.padding.size() != nd)
    return unknown(layer_label(l) + ": no window");
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) {
    return through_transposed(f, at.kernel_size[i], at.stride[i], at.dilation[i], at.padding[i]);
  });
}

// An adaptive pool whose input size is a multiple of its output size is a plain pool with
// kernel = stride = in/out; other sizes give windows of unequal size.
LayerField adaptive_layer(const Analysis& a, const LayerInfo& l, const LayerField& in) {
  size_t nd = static_cast<size_t>(op_info(l.op).spatial_dims);
  if (l.input_ids.empty() || !l.output || a.input_shape(l, 0).size() < nd) return in;
  std::vector<int64_t> from = trailing(a.input_shape(l, 0), nd), to = trailing(*l.output, nd);
  for (size_t i = 0; i < nd; ++i)
    if (to[i] <= 0 || from[i] % to[i] != 0)
      return unknown(fmt::format("{}: {} does not divide into {} equal windows", layer_label(l),
                                 from[i], to[i]));
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) {
    int64_t k = from[i] / to[i];
    return through_window(f, k, k, 1, 0);
  });
}

// F.pad: (before, after) pairs from the last dim backwards; pads beyond the grid (channels)
// leave it as it is.
LayerField pad_layer(const LayerInfo& l, const LayerField& in) {
  const AttrInts& p = l.attrs->padding;
  size_t nd = in.axes.size();
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) {
    size_t from_last = nd - 1 - i;
    int64_t before = 2 * from_last < p.size() ? p[2 * from_last] : 0;
    return through_pad(f, before);
  });
}

// ZeroPad2d / ConstantPad2d: (left, right, top, bottom) on the last two dims; a tuple of
// another length as F.pad.
LayerField constant_pad_layer(const LayerInfo& l, const LayerField& in) {
  const AttrInts& p = l.attrs->padding;
  if (p.size() != 4) return pad_layer(l, in);
  if (in.axes.size() < 2) return no_grid("the spatial grid ends at " + layer_label(l));
  std::vector<int64_t> before = {p[2], p[0]};  // H, then W
  return per_axis(l, in, 2,
                  [&](const AxisField& f, size_t i) { return through_pad(f, before[i]); });
}

LayerField interpolate_layer(const Analysis& a, const LayerInfo& l, const LayerField& in) {
  size_t nd = l.attrs->size.size();
  if (l.input_ids.empty() || a.input_shape(l, 0).size() < nd || nd == 0)
    return unknown(layer_label(l) + ": no spatial size");
  std::vector<int64_t> from = trailing(a.input_shape(l, 0), nd);
  const AttrInts& to = l.attrs->size;
  InterpolateMode mode = l.attrs->mode;
  bool nearest = mode == InterpolateMode::nearest || mode == InterpolateMode::nearest_exact;
  bool area = mode == InterpolateMode::area;
  int64_t taps = mode == InterpolateMode::bicubic ? 4 : nearest ? 1 : 2;
  if (l.attrs->align_corners.value_or(false) || l.attrs->antialias)
    return unknown(
        fmt::format("{}: netshape does not follow resampling with align_corners or "
                    "antialias",
                    layer_label(l)));
  for (size_t i = 0; i < nd; ++i) {
    bool up = from[i] > 0 && to[i] % from[i] == 0 && !(area && to[i] != from[i]);
    bool down = to[i] > 0 && from[i] % to[i] == 0;
    if (!up && !down)
      return unknown(fmt::format("{}: {} to {} is not a resampling by a whole factor{}",
                                 layer_label(l), from[i], to[i],
                                 area ? " downwards (area mode)" : ""));
  }
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) -> std::optional<AxisField> {
    if (to[i] % from[i] == 0 && !area) return through_upsample(f, to[i] / from[i], taps);
    int64_t q = from[i] / to[i];
    if (area) return through_window(f, q, q, 1, 0);  // adaptive average pooling
    std::optional<Ratio> offset = mode == InterpolateMode::nearest         ? make_ratio(0, 1)
                                  : mode == InterpolateMode::nearest_exact ? make_ratio(q / 2, 1)
                                                                           : make_ratio(q - 1, 2);
    if (!offset) return std::nullopt;
    return through_subsample(f, q, *offset, taps);
  });
}

// mean, sum, amax, ... over dims: a grid axis reduced with keepdim=True is one window over the
// whole axis (k = s = its size); reducing only dims before the grid (channels) keeps it; a grid
// axis reduced away ends it.
LayerField reduce_layer(const Analysis& a, const LayerInfo& l, const LayerField& in) {
  if (l.input_ids.empty() || !l.output) return unknown(layer_label(l) + ": no shape");
  const Shape& x = a.input_shape(l, 0);
  size_t rank = x.size(), nd = in.axes.size();
  bool keepdim = l.output->size() == rank;
  const AttrInts& reduced = l.attrs->dims;
  auto is_reduced = [&](size_t d) {
    return std::find(reduced.begin(), reduced.end(), static_cast<int64_t>(d)) != reduced.end();
  };
  bool grid_reduced = false;
  for (size_t d = rank - nd; d < rank; ++d) grid_reduced |= is_reduced(d);
  if (!keepdim && grid_reduced) return no_grid("the spatial grid ends at " + layer_label(l));
  if (!grid_reduced) return in;
  return per_axis(l, in, nd, [&](const AxisField& f, size_t i) {
    size_t d = rank - nd + i;
    int64_t k = is_reduced(d) ? x[d].value : 1;
    return through_window(f, k, k, 1, 0);
  });
}

// The grid dims of an input that a merge broadcasts (size 1 against a larger output): the
// output sees that input's whole field there, at every position.
bool broadcast_along(const Shape& input, const Shape& output, size_t from_end) {
  if (from_end >= input.size()) return true;
  return input[input.size() - 1 - from_end].value == 1 &&
         output[output.size() - 1 - from_end].value != 1;
}

std::string axis_name(size_t nd, size_t i) {
  static const char* kNames[3][3] = {{"L"}, {"H", "W"}, {"D", "H", "W"}};
  return nd <= 3 ? kNames[nd - 1][i] : fmt::format("dim {}", i);
}

// add, mul, where, masked_fill, cat along channels, ...: the largest field per axis; a warning when
// the inputs' grids do not line up (different jumps or starts), since then one output position
// mixes different places of the input.
LayerField merge_layer(const Analysis& a, const LayerInfo& l,
                       const std::vector<const LayerField*>& ins, Diagnostics& diags) {
  std::vector<size_t> grids;
  const LayerField* gridless = nullptr;  // an input that depends on the input but has no grid
  for (size_t k = 0; k < ins.size(); ++k) {
    if (ins[k]->kind == FieldKind::Unknown) return *ins[k];
    if (ins[k]->kind == FieldKind::Grid) grids.push_back(k);
    if (ins[k]->kind == FieldKind::NoGrid && !ins[k]->constant && !gridless) gridless = ins[k];
  }
  if (grids.empty()) {
    if (gridless) return *gridless;
    LayerField constant = no_grid(layer_label(l) + " depends on no input");
    constant.constant = true;
    return constant;
  }
  if (gridless)
    return unknown(fmt::format("{} mixes a grid with a tensor without one ({})", layer_label(l),
                               gridless->reason));
  size_t nd = ins[grids[0]]->axes.size();
  for (size_t k : grids)
    if (ins[k]->axes.size() != nd)
      return unknown(layer_label(l) + ": its inputs have grids of different ranks");
  LayerField out = *ins[grids[0]];
  size_t aligned_to = SIZE_MAX;  // per axis, the first input not broadcast along it
  std::vector<std::string> mismatches;
  for (size_t i = 0; i < nd; ++i) {
    aligned_to = SIZE_MAX;
    for (size_t k : grids) {
      const AxisField& f = ins[k]->axes[i];
      AxisField& o = out.axes[i];
      if (static_cast<__int128>(f.size.num) * o.size.den >
          static_cast<__int128>(o.size.num) * f.size.den)
        o.size = f.size;
      if (l.output && broadcast_along(a.input_shape(l, k), *l.output, nd - 1 - i)) continue;
      if (aligned_to == SIZE_MAX) {
        aligned_to = k;
        o.jump = f.jump;
        o.start = f.start;
        continue;
      }
      const AxisField& first = ins[aligned_to]->axes[i];
      if (first.jump != f.jump || first.start != f.start)
        mismatches.push_back(fmt::format(
            "along {}, `{}` has jump {} and start {} but `{}` has jump {} and start {}",
            axis_name(nd, i), a.input_name(l, aligned_to), to_string(first.jump),
            to_string(first.start), a.input_name(l, k), to_string(f.jump), to_string(f.start)));
    }
  }
  if (!mismatches.empty()) {
    std::string joined;
    for (size_t i = 0; i < mismatches.size(); ++i) joined += (i ? "; " : "") + mismatches[i];
    Diagnostic& d = diags.warning(
        l.statement ? l.statement->op_span : Span{},
        fmt::format("{} merges grids that do not line up: {}; the receptive field shown is the "
                    "largest",
                    l.name, joined),
        "give both branches the same total stride and padding (e.g. a shortcut with the "
        "main branch's stride, and padding=k//2), or ignore this if the shift is meant");
    d.layer = l.name;
    d.code = "rf-misaligned";
  }
  return out;
}

// Layers that change nothing about where their outputs look: activations, normalisation (its
// statistics span the plane, but no window; see the docs), dropout, softmax over channels.
bool pointwise(const Analysis& a, const LayerInfo& l, size_t grid_axes) {
  switch (op_info(l.op).family) {
    case Family::elementwise:
    case Family::dropout_nd:
    case Family::batch_norm:
    case Family::instance_norm:
    case Family::group_norm:
    case Family::layer_norm:
    case Family::local_response_norm:  // across channels, not positions
    case Family::channel_shuffle:
      return true;
    case Family::softmax:
      return l.input_ids.empty() ||
             static_cast<size_t>(l.attrs->dim) + grid_axes < a.input_shape(l, 0).size();
    default:
      return false;
  }
}

class FieldWalker {
 public:
  FieldWalker(const Graph& g, const Analysis& a, Diagnostics& diags)
      : a_(a), diags_(diags), tensors_(g.tensors.size()) {}

  ReceptiveFields run() {
    for (size_t k = 0; k < a_.inputs.size(); ++k) tensors_[a_.input_ids[k]] = input_field(k);
    ReceptiveFields out;
    out.layers.reserve(a_.layers.size());
    for (const LayerInfo& l : a_.layers) {
      LayerField f = layer_field(l);
      if (l.output_id < tensors_.size()) tensors_[l.output_id] = f;
      out.layers.push_back(std::move(f));
    }
    return out;
  }

 private:
  const Analysis& a_;
  Diagnostics& diags_;
  std::vector<LayerField> tensors_;  // by TensorId

  // Every spatial axis of an input starts as one pixel per position: r = 1, j = 1, start = 0.
  LayerField input_field(size_t k) const {
    const auto& [name, shape] = a_.inputs[k];
    size_t nd = spatial_axis_count(shape);
    if (nd == 0)
      return no_grid(fmt::format("the input {}: {} has no spatial grid", name, to_string(shape)));
    return LayerField{FieldKind::Grid, std::vector<AxisField>(nd), ""};
  }

  LayerField layer_field(const LayerInfo& l) {
    std::vector<const LayerField*> ins;
    for (TensorId t : l.input_ids) ins.push_back(&tensors_[t]);
    Family family = op_info(l.op).family;
    // where and masked_fill pick each element from their inputs at its position, as add does
    if (family == Family::add || family == Family::where || family == Family::masked_fill)
      return merge_layer(a_, l, ins, diags_);
    if (ins.empty() ||
        std::all_of(ins.begin(), ins.end(), [](const LayerField* f) { return f->constant; })) {
      LayerField constant = no_grid(layer_label(l) + " depends on no input");
      constant.constant = true;
      return constant;
    }
    const LayerField& in = *ins[0];
    if (family == Family::cat) return cat_layer(l, ins);
    if (in.kind != FieldKind::Grid) return in;
    if (pointwise(a_, l, in.axes.size())) return in;
    switch (family) {
      case Family::conv:
      case Family::conv_functional:
        return window_layer(l, in, l.attrs->pad_begin);
      case Family::max_pool:
      case Family::avg_pool:  // ceil_mode adds a last window; the first is where it was
        return window_layer(l, in, l.attrs->padding);
      case Family::conv_transpose:
      case Family::conv_transpose_functional:
        return transposed_layer(l, in);
      case Family::adaptive_avg_pool:
      case Family::adaptive_max_pool:
        return adaptive_layer(a_, l, in);
      case Family::constant_pad:
        return constant_pad_layer(l, in);
      case Family::pad:
        return pad_layer(l, in);
      case Family::interpolate:
        return interpolate_layer(a_, l, in);
      case Family::mean:
        return reduce_layer(a_, l, in);
      default:
        return no_grid("the spatial grid ends at " + layer_label(l));
    }
  }

  // Along channels a merge; along a spatial axis two grids are laid end to end, which no single
  // start and jump describe.
  LayerField cat_layer(const LayerInfo& l, const std::vector<const LayerField*>& ins) {
    size_t grid_axes = 0;
    for (const LayerField* f : ins)
      if (f->kind == FieldKind::Grid) grid_axes = std::max(grid_axes, f->axes.size());
    size_t rank = l.output ? l.output->size() : 0;
    if (grid_axes > 0 && static_cast<size_t>(l.attrs->dim) + grid_axes >= rank)
      return unknown(layer_label(l) + " joins grids along a spatial axis");
    return merge_layer(a_, l, ins, diags_);
  }
};

}  // namespace

ReceptiveFields receptive_fields(const Graph& g, const Analysis& a, Diagnostics& diags) {
  return FieldWalker(g, a, diags).run();
}

}  // namespace netshape
