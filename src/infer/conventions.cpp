// The counting conventions (conventions.hpp), rule by rule. Each convention is one function of a
// layer, a switch over the op families of ops.def (and their kinds where ops of a family differ);
// docs/counting.md states the same rules in words, with the tool's source each comes from. The
// tools count what runs in PyTorch, per call; what they hook decides what they see: a module
// (`nn.ReLU`), a functional (`F.relu`), or a traced aten op. So whether an op is written as a
// module (CamelCase in ops.def) or as a function matters to ptflops, thop, torchinfo and flops.
#include "netshape/conventions.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <span>

#include "netshape/op_table.hpp"

namespace netshape {
namespace {

using Count = std::optional<int64_t>;

Count times(Count a, Count b) {
  if (!a || !b) return std::nullopt;
  return checked_mul(*a, *b);
}
Count plus(Count a, Count b) {
  if (!a || !b) return std::nullopt;
  return checked_add(*a, *b);
}
Count product(std::span<const int64_t> v) {
  return checked_product(v);
}

// What every rule reads about a layer: its op, its first input and its output, its parameters.
struct Facts {
  const LayerInfo& layer;
  const OpInfo& op;
  Shape in;      // the first input ([] when the op has none)
  Shape second;  // the second input ([] when the op has none)
  Shape out;     // the output
  Count in_elements, out_elements;
  int64_t weight = 0, bias = 0;  // elements of the `weight` and `bias` tensors (0 when absent)

  Facts(const Analysis& a, const LayerInfo& l) : layer(l), op(op_info(l.op)) {
    if (!l.input_ids.empty()) in = a.input_shape(l, 0);
    if (l.input_ids.size() > 1) second = a.input_shape(l, 1);
    out = *l.output;
    in_elements = count_product(in);
    out_elements = count_product(out);
    for (const ParamTensor& p : *l.weights) {
      if (p.name == "weight") weight = p.numel();
      if (p.name == "bias") bias = p.numel();
    }
    if (is_functional_conv(op.family) && l.input_ids.size() > 2)  // F.conv's bias tensor
      bias = count_product(a.input_shape(l, 2)).value_or(0);
    if (l.op == OpId::layer_norm || l.op == OpId::batch_norm) {  // the functions' tensors
      if (l.attrs->weight_input > 0)
        weight =
            count_product(a.input_shape(l, static_cast<size_t>(l.attrs->weight_input))).value_or(0);
      if (l.attrs->bias_input > 0)
        bias =
            count_product(a.input_shape(l, static_cast<size_t>(l.attrs->bias_input))).value_or(0);
    }
  }
  const Attrs& attrs() const { return *layer.attrs; }
  bool is_module() const { return op.is_module(); }
  bool has_weight() const { return weight > 0; }
  bool has_bias() const { return bias > 0; }
  // A batched input ([N, C, *spatial]) of a conv, pool or norm layer; else PyTorch's unbatched
  // mode ([C, *spatial]), which the tools' formulas (written for a batch dim) count as batch 1.
  bool batched() const {
    return op.spatial_dims == 0 || in.size() == static_cast<size_t>(op.spatial_dims) + 2;
  }
  int64_t batch() const { return batched() && !in.empty() ? in[0].count_value() : 1; }
  std::vector<int64_t> spatial(const Shape& s) const {
    std::vector<int64_t> v;
    size_t first =
        s.size() >= attrs().kernel_size.size() ? s.size() - attrs().kernel_size.size() : 0;
    for (size_t i = first; i < s.size(); ++i) v.push_back(s[i].count_value());
    return v;
  }
  Count kernel_volume() const { return product(attrs().kernel_size); }
  // Output positions of a convolution: N * prod(out spatial) (the output's elements per channel).
  Count out_positions() const {
    if (!out_elements || attrs().out_channels <= 0) return std::nullopt;
    return *out_elements / attrs().out_channels;
  }
  Count in_positions() const {
    if (!in_elements || attrs().in_channels <= 0) return std::nullopt;
    return *in_elements / attrs().in_channels;
  }
  // Linear's out_features (its weight is [out, in]).
  int64_t out_features() const {
    for (const ParamTensor& p : *layer.weights)
      if (p.name == "weight" && !p.shape.empty()) return p.shape[0];
    return 0;
  }
  // prod(a.shape) * b.shape[-1]: the matrix-product rule of ptflops, fvcore and DeepSpeed.
  Count matmul_rule() const {
    if (second.empty()) return layer.macs;
    return times(in_elements, second.back().count_value());
  }
};

// F.local_response_norm (which nn.LocalResponseNorm calls) as ptflops and DeepSpeed count it:
// they patch Tensor.mul, Tensor.add (an element each: `x * x`, `* alpha`, `+ k`) and the average
// pools (an element of the pool's input: the squares with size - 1 more channels, zeros); `pad`,
// `** beta` and `/` are not patched.
Count local_response_norm_count(const Facts& f) {
  if (f.in.size() < 3 || !f.in_elements) return 0;
  if (*f.in_elements == 0) return 0;  // returned as it is
  Shape padded = f.in;
  padded[1].value += f.attrs().window - 1;
  return plus(times(f.in_elements, 3), count_product(padded));
}

// F.interpolate's count in ptflops (_interpolate_functional_flops_hook) and DeepSpeed
// (_upsample_flops_compute) when `size` is given: prod(size), or the int itself when one int was
// written (`size=32` counts 32, not 32*32).
Count interpolate_size_rule(const Facts& f) {
  const Value* size =
      f.layer.statement ? written_argument(f.layer.statement->args, f.op, "size") : nullptr;
  if (size && size->kind == Value::Kind::Int) return size->i;
  return product(f.attrs().size);
}

// PyTorch's floor division (Python's `//`), for formulas the tools write with it.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// ---------------------------------------------------------------------------------------------
// torchinfo (torchinfo/layer_info.py, LayerInfo.calculate_macs): for a leaf module, each of its
// `weight` and `bias` parameters counts its elements times prod(output[:1] + output[2:]) when the
// class name contains "Conv", else times output[0]; modules without parameters and functional ops
// count 0. Summed over every call ("Total mult-adds").
Count torchinfo_rule(const Facts& f) {
  if (!f.is_module()) return 0;
  int64_t params = f.weight + f.bias;
  if (params == 0) return 0;
  // the rule reads the class's name: a subclass's (`class Std(nn.Conv2d)` is no "Conv")
  std::string_view subclass = subclass_name(f.layer);
  bool conv_name = subclass.empty() || subclass.find("Conv") != std::string_view::npos;
  if ((f.op.family == Family::conv || f.op.family == Family::conv_transpose) && conv_name) {
    Count positions = f.batched() ? count_product(f.out, 0, 1) : Count{1};
    positions = times(positions, count_product(f.out, f.out.size() - f.attrs().kernel_size.size()));
    return times(params, positions);
  }
  return times(params, f.out.empty() ? Count{1} : Count{f.out[0].count_value()});
}

// ---------------------------------------------------------------------------------------------
// fvcore (fvcore/nn/flop_count.py _DEFAULT_SUPPORTED_OPS, jit_handles.py): the traced aten ops
// that have a handle; one fused multiply-add is one flop; every other op counts 0.
Count fvcore_rule(const Facts& f) {
  const Attrs& a = f.attrs();
  switch (f.op.family) {
    case Family::conv:  // aten::_convolution: N * prod(w) * prod(out spatial); no bias
    case Family::conv_functional:
    case Family::conv_transpose:  // transposed: prod(in spatial) instead
    case Family::conv_transpose_functional:
    case Family::linear:  // aten::linear: prod(input) * out_features; no bias
    case Family::bmm:     // aten::bmm: n * c * t * d
      return f.layer.macs;
    case Family::matmul:  // aten::matmul: prod(a) * b[-1]; its handle asserts on a 1-D operand
      if (f.in.size() < 2 || f.second.size() < 2) return 0;
      return f.matmul_rule();
    case Family::batch_norm:  // eval mode: 2 per element with affine, else 1; training (the
                              // batch's statistics): norm_flop_counter's 5 or 4
      if (!a.running_stats) return times(f.in_elements, f.has_weight() ? 5 : 4);
      return times(f.in_elements, f.has_weight() ? 2 : 1);
    case Family::layer_norm:  // norm_flop_counter: 5 per element with affine, else 4
    case Family::group_norm:
    case Family::instance_norm:
      return times(f.in_elements, f.has_weight() ? 5 : 4);
    case Family::interpolate:  // aten::upsample_nearest2d: 1 per output; upsample_bilinear2d: 4
      if (f.in.size() != 4) return 0;
      if (a.mode == InterpolateMode::nearest) return f.out_elements;
      if (a.mode == InterpolateMode::bilinear) return times(f.out_elements, 4);
      return 0;
    case Family::adaptive_avg_pool:  // aten::adaptive_avg_pool2d: 1 per input element
      return f.op.spatial_dims == 2 ? f.in_elements : Count{0};
    case Family::grid_sample:  // aten::grid_sampler: 4 per output element ("assume bilinear")
      return times(f.out_elements, 4);
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// ptflops, backend='pytorch' (ptflops/pytorch_ops.py MODULES_MAPPING and FUNCTIONAL_MAPPING,
// pytorch_engine.py patch_functional; versions 0.7.2 to 0.7.4). A module's hook counts, and so
// does every patched functional it calls: nn.ReLU calls F.relu, nn.MaxPool2d F.max_pool2d, so
// those modules count twice; nn.ReLU6 calls F.hardtanh and nn.LeakyReLU F.leaky_relu, which are
// not patched.
Count ptflops_activation(const Facts& f) {
  OpKind k = f.op.kind;
  bool functional_patched = k == OpKind::relu || k == OpKind::elu || k == OpKind::gelu ||
                            k == OpKind::silu || k == OpKind::relu6;
  if (!f.is_module()) return functional_patched ? f.in_elements : Count{0};
  bool module_hooked = k == OpKind::relu || k == OpKind::elu || k == OpKind::gelu ||
                       k == OpKind::leaky_relu || k == OpKind::relu6;
  bool calls_patched = k == OpKind::relu || k == OpKind::elu || k == OpKind::gelu ||
                       k == OpKind::silu;  // nn.SiLU is not hooked, but F.silu is
  return times(f.in_elements, int64_t{module_hooked} + int64_t{calls_patched});
}

// F.interpolate as ptflops counts it: prod(size), else input.numel() * scale_factor ** len(input)
// (len of a tensor is its dim 0, the batch).
Count ptflops_interpolate_functional(const Facts& f) {
  if (f.attrs().scale_factor.empty()) return interpolate_size_rule(f);
  double scaled = std::pow(f.attrs().scale_factor[0], static_cast<double>(f.batch()));
  if (!f.in_elements || !(scaled >= 0) || scaled > 9.0e15) return std::nullopt;
  double total = std::floor(static_cast<double>(*f.in_elements) * scaled);
  if (total > 9.0e18) return std::nullopt;
  return static_cast<int64_t>(total);
}

Count ptflops_rule(const Facts& f) {
  const Attrs& a = f.attrs();
  switch (f.op.family) {
    case Family::conv:  // prod(k) * C_in * C_out/groups * N * prod(out) + C_out * N * prod(out)
      return plus(f.layer.macs, f.has_bias() ? f.out_elements : Count{0});
    case Family::conv_transpose:  // the same hook: the output grid, not the input's
      return plus(times(times(f.out_positions(), f.kernel_volume()),
                        a.in_channels * (a.out_channels / std::max<int64_t>(a.groups, 1))),
                  f.has_bias() ? f.out_elements : Count{0});
    case Family::batch_norm:  // bn_flops_counter_hook: 2 per input element with `affine`, else 1
      if (!f.is_module()) return 0;  // F.batch_norm is not patched
      return times(f.in_elements, f.has_weight() ? 2 : 1);
    case Family::instance_norm:
    case Family::group_norm:
      return times(f.in_elements, f.has_weight() ? 2 : 1);
    case Family::layer_norm:  // the same hook (nn.LayerNorm has no `affine` attribute); the
                              // function is not patched
      return f.is_module() ? f.in_elements : Count{0};
    case Family::elementwise:
      return ptflops_activation(f);
    case Family::local_response_norm:
      return local_response_norm_count(f);
    case Family::prelu:  // relu_flops_counter_hook + the patched F.prelu: input elements each
      return times(f.in_elements, 2);
    case Family::max_pool:  // pool_flops_counter_hook + the patched F.*pool*: input elements each
    case Family::avg_pool:
    case Family::adaptive_avg_pool:
    case Family::adaptive_max_pool:
      return times(f.in_elements, f.is_module() ? 2 : 1);
    case Family::linear:  // prod(input) * out_features + out_features (the bias once)
      return plus(times(f.in_elements, f.out_features()), f.has_bias() ? f.out_features() : 0);
    case Family::interpolate: {
      Count functional = ptflops_interpolate_functional(f);
      if (f.op.id != OpId::Upsample) return functional;
      // nn.Upsample's hook counts output[0] (one sample); nn.UpsamplingNearest2d and
      // nn.UpsamplingBilinear2d are other types, not hooked, and only call F.interpolate.
      return plus(count_product(f.out, 1), functional);
    }
    case Family::softmax:  // F.softmax: input elements; log_softmax is not patched
      return f.op.kind == OpKind::softmax ? f.in_elements : Count{0};
    case Family::matmul:  // torch.matmul, torch.bmm: prod(a) * b[-1]
    case Family::bmm:
      return f.matmul_rule();
    default:  // add/mul (the `+` and `*` operators are not patched), reshapes, cat, ...
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// thop (ultralytics/thop thop/profile.py register_hooks, thop/vision/basic_hooks.py,
// thop/vision/calc_func.py): hooks on modules only, per call; functional ops count 0.
// AvgPool: the inputs every window adds (clipped to the padded or real input, as
// count_include_pad says) plus one divide per output.
Count thop_avg_pool(const Facts& f) {
  const Attrs& a = f.attrs();
  size_t nd = a.kernel_size.size();
  std::vector<int64_t> in = f.spatial(f.in), out = f.spatial(f.out);
  if (in.size() != nd || out.size() != nd || a.stride.size() != nd || a.padding.size() != nd)
    return std::nullopt;
  Count windows = count_product(f.in, 0, f.in.size() - nd);  // N * C
  for (size_t d = 0; d < nd; ++d) {
    if (out[d] > 100'000'000) return std::nullopt;
    int64_t lower = a.count_include_pad ? -a.padding[d] : 0;
    int64_t upper = a.count_include_pad ? in[d] + a.padding[d] : in[d];
    int64_t sum = 0;
    for (int64_t i = 0; i < out[d]; ++i) {
      int64_t start = i * a.stride[d] - a.padding[d];
      sum +=
          std::max<int64_t>(std::min(start + a.kernel_size[d], upper) - std::max(start, lower), 0);
    }
    windows = times(windows, sum);
  }
  return plus(windows, f.out_elements);
}

// AdaptiveAvgPool: output j of an axis averages [j*I//O, ceil((j+1)*I/O)); every axis counts its
// window sizes (an axis left alone its length), plus one divide per output.
Count thop_adaptive_avg_pool(const Facts& f) {
  if (f.in.size() != f.out.size()) return std::nullopt;
  Count windows = 1;
  for (size_t d = 0; d < f.in.size(); ++d) {
    int64_t i = f.in[d].count_value(), o = f.out[d].count_value();
    if (i == o) {
      windows = times(windows, o);
      continue;
    }
    if (o > 100'000'000 || o <= 0) return std::nullopt;
    int64_t sum = 0;
    for (int64_t j = 0; j < o; ++j) {
      auto end = checked_mul(j + 1, i), begin = checked_mul(j, i);
      if (!end || !begin) return std::nullopt;
      sum += (*end + o - 1) / o - *begin / o;
    }
    windows = times(windows, sum);
  }
  return plus(windows, f.out_elements);
}

// Softmax: (exp + add + divide) per row: rows * (n + max(n-1, 0) + n); LogSoftmax one log a row.
Count thop_softmax(const Facts& f) {
  int64_t n = f.in.empty() ? 1 : f.in[static_cast<size_t>(f.attrs().dim)].count_value();
  if (!f.in_elements) return std::nullopt;
  int64_t rows = n == 0 ? 0 : *f.in_elements / n;
  Count total = times(rows, 2 * n + std::max<int64_t>(n - 1, 0));
  return f.op.kind == OpKind::log_softmax ? plus(total, rows) : total;
}

// Upsample: operations per output element by mode (calc_func's table); other modes count 0.
int64_t thop_upsample_per_output(InterpolateMode m) {
  switch (m) {
    case InterpolateMode::linear:
      return 5;
    case InterpolateMode::bilinear:
      return 11;
    case InterpolateMode::bicubic:
      return 259;
    case InterpolateMode::trilinear:
      return 31;
    default:  // nearest, nearest-exact: 0; area: no rule
      return 0;
  }
}

Count thop_rule(const Facts& f) {
  // register_hooks is looked up by type(m): a subclass of a layer has no hook
  if (!f.is_module() || !subclass_name(f.layer).empty()) return 0;
  const Attrs& a = f.attrs();
  int64_t groups = std::max<int64_t>(a.groups, 1);
  switch (f.op.family) {
    case Family::conv:  // prod(output) * (C_in / groups) * prod(k); no bias
      return times(times(f.out_elements, a.in_channels / groups), f.kernel_volume());
    case Family::conv_transpose:  // transposed: prod(input) * (C_out / groups) * prod(k)
      return times(times(f.in_elements, a.out_channels / groups), f.kernel_volume());
    case Family::batch_norm:  // count_normalization: 2 per element, twice that with affine
    case Family::instance_norm:
    case Family::layer_norm:
    case Family::group_norm:
      return times(f.in_elements, f.has_weight() ? 4 : 2);
    case Family::softmax:  // nn.Softmin and nn.Softmax2d have no hook
      return f.op.kind == OpKind::softmin || f.op.id == OpId::Softmax2d ? Count{0}
                                                                        : thop_softmax(f);
    case Family::avg_pool:
      return thop_avg_pool(f);
    case Family::adaptive_avg_pool:
      return thop_adaptive_avg_pool(f);
    case Family::linear:  // in_features * output elements; no bias
      return times(f.out_elements, f.weight / std::max<int64_t>(f.out_features(), 1));
    case Family::interpolate:
      return times(f.out_elements, thop_upsample_per_output(a.mode));
    case Family::prelu:  // count_prelu: input elements (in eval mode, which profile() sets)
      return f.in_elements;
    default:  // ReLU, ReLU6, LeakyReLU, max pools: zero_ops; other activations have no rule
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// flops: DeepSpeed's flops profiler (deepspeed/profiling/flops_profiler/profiler.py,
// _patch_functionals and _patch_tensor_methods): every patched torch.nn.functional call counts,
// 2 per multiply-accumulate plus the element-wise work.

// F.conv*d: the output grid recomputed from the input with the padding passed to F.conv (a
// 'same' padding as d(k-1)//2 on both sides), 2 per MAC, and one add per output for the bias.
Count deepspeed_conv(const Facts& f) {
  const Attrs& a = f.attrs();
  std::vector<int64_t> in = f.spatial(f.in), out = f.spatial(f.out);
  size_t nd = a.kernel_size.size();
  if (in.size() != nd || out.size() != nd) return std::nullopt;
  if (a.padding_mode == PaddingMode::zeros) {  // else F.conv gets the padded input, padding 0
    for (size_t d = 0; d < nd; ++d)
      out[d] = floor_div(in[d] + 2 * a.pad_begin[d] - (a.dilation[d] * (a.kernel_size[d] - 1) + 1),
                         a.stride[d]) +
               1;
  }
  Count positions = times(f.batch(), product(out));
  Count macs = times(times(positions, f.kernel_volume()),
                     a.in_channels * (a.out_channels / std::max<int64_t>(a.groups, 1)));
  return plus(times(macs, 2), f.has_bias() ? times(positions, a.out_channels) : Count{0});
}

// F.conv_transpose*d: 2 per MAC over the input grid; the bias over a grid computed with the
// convolution's formula, (in + 2p - d(k-1) - 1) // s + 1, as _conv_trans_flops_compute does.
Count deepspeed_conv_transpose(const Facts& f) {
  const Attrs& a = f.attrs();
  Count flops = times(f.layer.macs, 2);
  if (!f.has_bias()) return flops;
  std::vector<int64_t> in = f.spatial(f.in);
  size_t nd = a.kernel_size.size();
  if (in.size() != nd) return std::nullopt;
  Count grid = times(f.batch(), a.out_channels);
  for (size_t d = 0; d < nd; ++d)
    grid = times(grid,
                 floor_div(in[d] + 2 * a.padding[d] - (a.dilation[d] * (a.kernel_size[d] - 1) + 1),
                           a.stride[d]) +
                     1);
  return plus(flops, grid);
}

Count deepspeed_activation(const Facts& f) {
  switch (f.op.kind) {
    case OpKind::relu:
    case OpKind::leaky_relu:
    case OpKind::elu:
    case OpKind::gelu:
    case OpKind::silu:
      return f.in_elements;
    case OpKind::relu6:  // F.relu6 is patched; nn.ReLU6 calls F.hardtanh, which is not
      return f.is_module() ? Count{0} : f.in_elements;
    default:  // sigmoid, tanh, hardswish, hardsigmoid, dropout, identity
      return 0;
  }
}

Count flops_rule(const Facts& f) {
  switch (f.op.family) {
    case Family::local_response_norm:  // FLOPs only: the patched calls count no MACs
      return local_response_norm_count(f);
    case Family::conv:
    case Family::conv_functional:  // the same patched F.conv2d
      return deepspeed_conv(f);
    case Family::conv_transpose:
    case Family::conv_transpose_functional:  // the same patched F.conv_transpose2d
      return deepspeed_conv_transpose(f);
    case Family::linear:  // F.linear: 2 * prod(input) * out_features; the bias is not counted
      return times(times(f.in_elements, f.out_features()), 2);
    case Family::elementwise:
      return deepspeed_activation(f);
    case Family::prelu:  // _prelu_flops_compute: input elements
      return f.in_elements;
    case Family::batch_norm:  // eval: 2 per element with affine, else 1; training (the batch's
                              // statistics) 5 or 4
      if (!f.attrs().running_stats) return times(f.in_elements, f.has_weight() ? 5 : 4);
      return times(f.in_elements, f.has_weight() ? 2 : 1);
    case Family::layer_norm:  // 5 per element with affine, else 4
    case Family::group_norm:
    case Family::instance_norm:
      return times(f.in_elements, f.has_weight() ? 5 : 4);
    case Family::max_pool:  // _pool_flops_compute: input elements
    case Family::avg_pool:
    case Family::adaptive_avg_pool:
    case Family::adaptive_max_pool:
      return f.in_elements;
    case Family::interpolate:  // prod(size) when given; else input.numel() (the scale is unused)
      return f.attrs().scale_factor.empty() ? interpolate_size_rule(f) : f.in_elements;
    case Family::softmax:  // F.softmax: input elements; F.log_softmax is not patched
      return f.op.kind == OpKind::softmax ? f.in_elements : Count{0};
    case Family::matmul:  // torch.matmul, torch.bmm: 2 * prod(a) * b[-1]
    case Family::bmm:
      return times(f.matmul_rule(), 2);
    default:  // add/mul (the `+` and `*` operators are not patched), reshapes, cat, ...
      return 0;
  }
}

}  // namespace

std::optional<Convention> parse_convention(std::string_view name) {
  for (Convention c : kAllConventions)
    if (name_of(c) == name) return c;
  return std::nullopt;
}

std::string_view name_of(Convention c) {
  switch (c) {
    case Convention::netshape:
      return "netshape";
    case Convention::torchinfo:
      return "torchinfo";
    case Convention::fvcore:
      return "fvcore";
    case Convention::ptflops:
      return "ptflops";
    case Convention::thop:
      return "thop";
    case Convention::flops:
      return "flops";
  }
  return "netshape";
}

std::string_view quantity_of(Convention c) {
  return c == Convention::flops ? "FLOPs" : "MACs";
}

std::string count_label(Convention c) {
  if (c == Convention::netshape || c == Convention::flops) return std::string(quantity_of(c));
  return std::string(quantity_of(c)) + " (" + std::string(name_of(c)) + ")";
}

std::optional<int64_t> count_layer(const Analysis& a, const LayerInfo& layer, Convention c) {
  if (!layer.output) return std::nullopt;
  if (!convention_counts(layer, c)) return std::nullopt;
  Facts f(a, layer);
  switch (c) {
    case Convention::netshape:
      return layer.macs;
    case Convention::torchinfo:
      return torchinfo_rule(f);
    case Convention::fvcore:
      return fvcore_rule(f);
    case Convention::ptflops:
      return ptflops_rule(f);
    case Convention::thop:
      return thop_rule(f);
    case Convention::flops:
      return flops_rule(f);
  }
  return std::nullopt;
}

bool counted_by_netshape_only(const LayerInfo& layer) {
  Family f = op_info(layer.op).family;
  return f == Family::attention || f == Family::einsum || f == Family::recurrent ||
         f == Family::recurrent_cell || f == Family::embedding;
}

const char* weight_normalisation(const LayerInfo& layer) {
  if (!layer.statement || !layer.statement->extras().normed_weight) return nullptr;
  return layer.statement->extras().normed_weight->name();
}

std::string_view subclass_name(const LayerInfo& layer) {
  return layer.statement ? std::string_view(layer.statement->extras().module_class)
                         : std::string_view();
}

// torchinfo reads a layer's parameters by name: under weight_norm they are weight_g and
// weight_v, under spectral_norm weight_orig, which it counts by a rule netshape does not follow.
// The other tools see the layer's `weight` attribute (the rebuilt weight) and the traced conv,
// as without them. A subclass of a layer (`class MyConv(nn.Conv2d)`): ptflops hooks modules by
// their exact type and patches some of the functions their forward calls, which netshape does
// not split; torchinfo's rule for a class named "Conv..." that is no convolution is not followed.
bool convention_counts(const LayerInfo& layer, Convention c) {
  if (c == Convention::netshape) return true;
  std::string_view subclass = subclass_name(layer);
  Family family = op_info(layer.op).family;
  bool conv_named_other = subclass.find("Conv") != std::string_view::npos &&
                          family != Family::conv && family != Family::conv_transpose;
  return !counted_by_netshape_only(layer) &&
         !(c == Convention::torchinfo && (weight_normalisation(layer) || conv_named_other)) &&
         !(c == Convention::ptflops && !subclass.empty());
}

std::string_view count_category(const LayerInfo& layer) {
  const OpInfo& op = op_info(layer.op);
  switch (op.family) {
    case Family::conv:
    case Family::conv_functional:
      return "convolution";
    case Family::conv_transpose:
    case Family::conv_transpose_functional:
      return "transposed convolution";
    case Family::linear:
      return "Linear";
    case Family::attention:
      return "attention";
    case Family::recurrent:
    case Family::recurrent_cell:
      return "recurrent";
    case Family::matmul:
    case Family::bmm:
      return "matmul";
    case Family::einsum:
      return "einsum";
    case Family::cdist:
      return "cdist";
    case Family::batch_norm:
      return "BatchNorm";
    case Family::instance_norm:
      return "InstanceNorm";
    case Family::layer_norm:
      return "LayerNorm";
    case Family::group_norm:
      return "GroupNorm";
    case Family::local_response_norm:
      return "LocalResponseNorm";
    case Family::max_pool:
    case Family::avg_pool:
    case Family::adaptive_avg_pool:
    case Family::adaptive_max_pool:
      return "pooling";
    case Family::softmax:
      return "softmax";
    case Family::interpolate:
      return "upsample";
    case Family::add:
      return "add/mul";
    case Family::prelu:
      return "PReLU";
    case Family::elementwise:
      switch (op.kind) {
        case OpKind::relu:
          return "ReLU";
        case OpKind::relu6:
          return "ReLU6";
        case OpKind::leaky_relu:
          return "LeakyReLU";
        case OpKind::elu:
          return "ELU";
        case OpKind::gelu:
          return "GELU";
        case OpKind::silu:
          return "SiLU";
        case OpKind::sigmoid:
          return "Sigmoid";
        case OpKind::tanh:
          return "Tanh";
        case OpKind::hardswish:
          return "Hardswish";
        case OpKind::hardsigmoid:
          return "Hardsigmoid";
        case OpKind::softplus:
          return "Softplus";
        case OpKind::mish:
          return "Mish";
        case OpKind::logsigmoid:
          return "LogSigmoid";
        case OpKind::hardtanh:
          return "Hardtanh";
        case OpKind::selu:
          return "SELU";
        case OpKind::celu:
          return "CELU";
        case OpKind::softsign:
          return "Softsign";
        case OpKind::tanhshrink:
          return "Tanhshrink";
        case OpKind::softshrink:
          return "Softshrink";
        case OpKind::hardshrink:
          return "Hardshrink";
        case OpKind::threshold:
          return "Threshold";
        case OpKind::rrelu:
          return "RReLU";
        default:
          return "other";
      }
    default:
      return "other";
  }
}

ConventionCounts count_analysis(const Analysis& a, Convention c) {
  ConventionCounts out;
  out.convention = c;
  out.layers.reserve(a.layers.size());
  Count total = a.ok ? Count{0} : std::nullopt;
  for (const LayerInfo& l : a.layers) {
    out.layers.push_back(count_layer(a, l, c));
    total = plus(total, out.layers.back());
  }
  out.total = total;
  return out;
}

std::vector<CategoryGap> gap_by_category(const Analysis& a, const ConventionCounts& counts,
                                         const ConventionCounts& reference) {
  std::vector<CategoryGap> out;
  if (!counts.total || !reference.total) return out;
  std::map<std::string_view, Count> by_kind;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    Count& sum = by_kind.try_emplace(count_category(a.layers[i]), 0).first->second;
    sum = plus(sum, plus(counts.layers[i], times(reference.layers[i], -1)));
  }
  for (const auto& [kind, gap] : by_kind) {
    if (!gap) return {};  // a partial sum that overflows: no breakdown rather than a wrong one
    if (*gap != 0) out.push_back({std::string(kind), *gap});
  }
  std::stable_sort(out.begin(), out.end(), [](const CategoryGap& x, const CategoryGap& y) {
    return std::abs(x.gap) > std::abs(y.gap);
  });
  return out;
}

}  // namespace netshape
