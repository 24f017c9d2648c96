// Forwards of ConvNd / ConvTransposeNd: 1-D and 2-D convolutions run on the blocked kernel, 3-D
// on the reference, transposed ones on conv_transpose_taps.
#include <stdexcept>

#include "forward.hpp"
#include "netshape/kernels/conv.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

// Views an [N, C, *spatial] or unbatched [C, *spatial] tensor as N, C and 3 spatial extents.
struct Layout {
  bool batched = true;
  int64_t n = 1, c = 1;
  std::array<int64_t, 3> sp{1, 1, 1};
};

Layout layout_of(const std::vector<int64_t>& shape, int nd) {
  Layout l;
  size_t rank = shape.size();
  l.batched = rank == static_cast<size_t>(nd) + 2;
  if (rank != static_cast<size_t>(nd) + 1 && !l.batched)
    throw ForwardError("unexpected input rank for convolution");
  size_t c_axis = l.batched ? 1 : 0;
  l.n = l.batched ? shape[0] : 1;
  l.c = shape[c_axis];
  for (int i = 0; i < nd; ++i)
    l.sp[static_cast<size_t>(3 - nd + i)] = shape[c_axis + 1 + static_cast<size_t>(i)];
  return l;
}

std::vector<int64_t> out_shape(const Layout& l, int64_t k, const std::array<int64_t, 3>& o,
                               int nd) {
  std::vector<int64_t> s;
  if (l.batched) s.push_back(l.n);
  s.push_back(k);
  for (int i = 0; i < nd; ++i) s.push_back(o[static_cast<size_t>(3 - nd + i)]);
  return s;
}

// The source index of padded position i. Inference refuses pads that would reflect or wrap
// more than once; an index still outside [0, n) stops the forward instead of reading past it.
int64_t wrap_index(int64_t i, int64_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  int64_t j = mode == PaddingMode::reflect     ? (i < 0 ? -i : 2 * (n - 1) - i)
              : mode == PaddingMode::replicate ? (i < 0 ? 0 : n - 1)
                                               : ((i % n) + n) % n;  // circular
  if (j < 0 || j >= n) throw ForwardError("padding reaches past the input");
  return j;
}

// Materialises the padded input for padding modes other than zeros, and for 'same' padding
// whose two sides differ; the convolution then runs with no padding.
Tensor pad_input(const Tensor& x, const Layout& l, const std::array<int64_t, 3>& begin,
                 const std::array<int64_t, 3>& end, PaddingMode mode, Layout& padded) {
  padded = l;
  for (size_t i = 0; i < 3; ++i) padded.sp[i] = l.sp[i] + begin[i] + end[i];
  Tensor t = Tensor::zeros({l.n * l.c * padded.sp[0] * padded.sp[1] * padded.sp[2]});
  for (int64_t nc = 0; nc < l.n * l.c; ++nc)
    for (int64_t d = 0; d < padded.sp[0]; ++d)
      for (int64_t h = 0; h < padded.sp[1]; ++h)
        for (int64_t w = 0; w < padded.sp[2]; ++w) {
          int64_t sd = d - begin[0], sh = h - begin[1], sw = w - begin[2];
          bool inside =
              sd >= 0 && sd < l.sp[0] && sh >= 0 && sh < l.sp[1] && sw >= 0 && sw < l.sp[2];
          float v = 0.0f;
          if (inside || mode != PaddingMode::zeros) {
            sd = wrap_index(sd, l.sp[0], mode);
            sh = wrap_index(sh, l.sp[1], mode);
            sw = wrap_index(sw, l.sp[2], mode);
            v = x.data[static_cast<size_t>(((nc * l.sp[0] + sd) * l.sp[1] + sh) * l.sp[2] + sw)];
          }
          t.data[static_cast<size_t>(((nc * padded.sp[0] + d) * padded.sp[1] + h) * padded.sp[2] +
                                     w)] = v;
        }
  return t;
}

// What forward_conv runs for a layer and an input shape, decided once for the forward and for
// the memory guard (conv_scratch_bytes), so the two cannot disagree.
struct ConvSetup {
  int nd = 2;
  Layout in;  // the input as given
  Layout l;   // what the kernel reads: the padded copy when `materialise`
  bool materialise = false;
  std::array<int64_t, 3> pad_lo{}, pad_hi{};  // the padding a materialised copy adds
  std::array<int64_t, 3> kernel{}, stride{}, dilation{}, begin{}, end{}, o{};
  int64_t k = 1, groups = 1;
  PaddingMode mode = PaddingMode::zeros;
};

ConvSetup conv_setup(const LayerInfo& layer, const std::vector<int64_t>& in_shape) {
  const Attrs& at = *layer.attrs;
  ConvSetup c;
  c.nd = op_info(layer.op).spatial_dims;
  c.in = c.l = layout_of(in_shape, c.nd);
  c.kernel = spatial3(at.kernel_size, c.nd, 1);
  c.stride = spatial3(at.stride, c.nd, 1);
  c.dilation = spatial3(at.dilation, c.nd, 1);
  c.begin = spatial3(at.pad_begin, c.nd, 0);
  c.end = spatial3(at.pad_end, c.nd, 0);
  c.mode = at.padding_mode;
  c.k = at.out_channels;
  c.groups = at.groups;
  if (c.l.c != at.in_channels) throw ForwardError("input channels differ from in_channels");
  if (c.mode != PaddingMode::zeros || c.begin != c.end) {
    c.materialise = true;
    c.pad_lo = c.begin;
    c.pad_hi = c.end;
    for (size_t i = 0; i < 3; ++i) {
      auto padded = padded_size(c.in.sp[i], c.begin[i], c.end[i]);
      if (!padded) throw ForwardError("padded input size leaves int64");
      c.l.sp[i] = *padded;
    }
    c.begin = c.end = {0, 0, 0};
  }
  for (size_t i = 0; i < 3; ++i)
    c.o[i] = conv_output_size(c.l.sp[i], c.kernel[i], c.stride[i], c.begin[i], c.dilation[i])
                 .value_or(0);
  if (c.o[0] <= 0 || c.o[1] <= 0 || c.o[2] <= 0)
    throw ForwardError("kernel larger than the padded input");
  return c;
}

kernels::Conv2dParams conv2d_params(const ConvSetup& c, bool fuse_relu) {
  kernels::Conv2dParams p;
  p.N = c.l.n;
  p.C = c.l.c;
  p.H = c.l.sp[1];
  p.W = c.l.sp[2];
  p.K = c.k;
  p.R = c.kernel[1];
  p.S = c.kernel[2];
  p.stride_h = c.stride[1];
  p.stride_w = c.stride[2];
  p.pad_h = c.begin[1];
  p.pad_w = c.begin[2];
  p.dilation_h = c.dilation[1];
  p.dilation_w = c.dilation[2];
  p.groups = c.groups;
  p.fuse_relu = fuse_relu;
  return p;
}

// A 1-D or 2-D convolution on the blocked kernel, its weights packed and its NCHW input
// converted to NCHW16c in buffers of the executor's pool, every step on the forward's threads;
// the kernel writes the NCHW output itself, strip by strip (conv2d_nchw16c_direct_to_nchw), so
// no NCHW16c output exists. The output, the packed weights and the NCHW16c input are held
// together, as the memory guard counts them (packed_conv2d_bytes): the estimate stays exact.
Tensor conv2d_blocked(ForwardCtx& ctx, const kernels::Conv2dParams& p, const float* x,
                      const float* oihw, std::vector<int64_t> shape) {
  namespace k = kernels;
  if (const char* why = p.invalid_reason(); *why) throw ForwardError(why);
  const k::Conv2dPath path = k::choose_conv2d_path(p);
  if (path == k::Conv2dPath::Reference) {
    Tensor out = ctx.zeros(std::move(shape));
    k::conv2d_reference(p, x, oihw, out.data.data());
    return out;
  }
  Tensor out = ctx.for_overwrite(std::move(shape));  // the kernel writes every value
  const auto packed_size = static_cast<size_t>(k::packed_weights_size(p, path));
  std::vector<float> packed = std::move(ctx.packed_weights);
  if (packed.size() != packed_size) {  // not prepared (prepare_conv)
    ctx.release(std::move(packed));
    packed = ctx.scratch(packed_size);
    k::pack_weights(p, path, oihw, packed.data(), ctx.threads);
  }
  std::vector<float> in16;
  if (path != k::Conv2dPath::FirstLayer) {  // FirstLayer reads plain NCHW directly
    in16 = ctx.scratch(static_cast<size_t>(p.N * k::round_up16(p.C) * p.H * p.W));
    k::nchw_to_nchw16c(x, in16.data(), p.N, p.C, p.H, p.W, ctx.threads);
    x = in16.data();
  }
  k::conv2d_nchw16c_direct_to_nchw(p, path, x, packed.data(), out.data.data(), ctx.threads);
  ctx.release(std::move(in16));
  ctx.release(std::move(packed));
  return out;
}

}  // namespace

std::optional<int64_t> conv_scratch_bytes(const LayerInfo& layer,
                                          const std::vector<int64_t>& in_shape) {
  const ConvSetup c = conv_setup(layer, in_shape);
  Checked bytes = 0;
  if (c.materialise)  // the padded copy of the input
    bytes = Checked(c.l.n) * c.l.c * c.l.sp[0] * c.l.sp[1] * c.l.sp[2] * int64_t{sizeof(float)};
  if (c.nd <= 2) {
    const auto packed = kernels::packed_conv2d_bytes(conv2d_params(c, false));
    bytes = packed ? bytes + *packed : Checked::overflowed();
  }
  return bytes.get();
}

void prepare_conv(ForwardCtx& ctx) {
  const ConvSetup c = conv_setup(ctx.layer, ctx.x().shape);
  if (c.nd > 2) return;
  const kernels::Conv2dParams p = conv2d_params(c, ctx.fuse_relu);
  if (*p.invalid_reason()) return;  // the forward reports it
  const kernels::Conv2dPath path = kernels::choose_conv2d_path(p);
  if (path == kernels::Conv2dPath::Reference) return;
  ctx.packed_weights = ctx.scratch(static_cast<size_t>(kernels::packed_weights_size(p, path)));
  kernels::pack_weights(p, path, ctx.weight("weight")->data.data(), ctx.packed_weights.data(),
                        ctx.threads);
}

// The convolution of ctx.x() with the weight `w` and the bias `b` (nullptr: none), for the layer
// (its own weights) and for F.convNd (tensors of the model).
static void convolve(ForwardCtx& ctx, const Tensor* w, const Tensor* b) {
  const ConvSetup c = conv_setup(ctx.layer, ctx.x().shape);
  const Tensor* src = &ctx.x();
  Tensor padded_storage;
  if (c.materialise) {
    Layout p;
    padded_storage = pad_input(ctx.x(), c.in, c.pad_lo, c.pad_hi, c.mode, p);
    src = &padded_storage;
  }
  if (c.nd <= 2) {
    kernels::Conv2dParams p = conv2d_params(c, ctx.fuse_relu);
    p.bias = b ? b->data.data() : nullptr;
    ctx.out =
        conv2d_blocked(ctx, p, src->data.data(), w->data.data(), out_shape(c.l, c.k, c.o, c.nd));
    return;
  }
  ctx.out = ctx.zeros(out_shape(c.l, c.k, c.o, c.nd));
  kernels::ConvNdParams p;
  p.N = c.l.n;
  p.C = c.l.c;
  p.K = c.k;
  p.in = c.l.sp;
  p.kernel = c.kernel;
  p.stride = c.stride;
  p.pad = c.begin;
  p.dilation = c.dilation;
  p.groups = c.groups;
  p.bias = b ? b->data.data() : nullptr;
  p.fuse_relu = ctx.fuse_relu;
  kernels::conv_reference(p, src->data.data(), w->data.data(), ctx.out.data.data());
}

// x: [N, C, *in] -> [N, K, *out]
void forward_conv(ForwardCtx& ctx) {
  convolve(ctx, ctx.weight("weight"), ctx.weight("bias"));
}

// x: [N, C, *in], weight: [K, C/groups, *k], bias: [K] -> [N, K, *out]
void forward_conv_functional(ForwardCtx& ctx) {
  if (ctx.in.size() < 2) throw ForwardError("a convolution without its weight");
  convolve(ctx, ctx.in[1], ctx.in.size() > 2 ? ctx.in[2] : nullptr);
}

// The transposed convolution of `layer` on an input of `in_shape` (layout in `l`); bias unset.
kernels::ConvTransposeNdParams conv_transpose_params(const LayerInfo& layer,
                                                     const std::vector<int64_t>& in_shape,
                                                     Layout& l) {
  const Attrs& at = *layer.attrs;
  const int nd = op_info(layer.op).spatial_dims;
  l = layout_of(in_shape, nd);
  kernels::ConvTransposeNdParams p;
  p.N = l.n;
  p.C = l.c;
  p.K = at.out_channels;
  p.in = l.sp;
  p.kernel = spatial3(at.kernel_size, nd, 1);
  p.stride = spatial3(at.stride, nd, 1);
  p.pad = spatial3(at.padding, nd, 0);
  p.output_padding = spatial3(at.output_padding, nd, 0);
  p.dilation = spatial3(at.dilation, nd, 1);
  p.groups = at.groups;
  const auto o = p.out();
  if (o[0] <= 0 || o[1] <= 0 || o[2] <= 0) throw ForwardError("transposed conv output is empty");
  return p;
}

std::optional<int64_t> conv_transpose_scratch_bytes(const LayerInfo& layer,
                                                    const std::vector<int64_t>& in_shape,
                                                    int threads) {
  Layout l;
  return kernels::conv_transpose_taps_scratch_bytes(conv_transpose_params(layer, in_shape, l),
                                                    threads);
}

// The transposed convolution of ctx's input with weight `w` and bias `b` (or none).
static void convolve_transposed(ForwardCtx& ctx, const Tensor* w, const Tensor* b) {
  if (w == nullptr) throw ForwardError("a transposed convolution without its weight");
  Layout l;
  kernels::ConvTransposeNdParams p = conv_transpose_params(ctx.layer, ctx.x().shape, l);
  p.bias = b ? b->data.data() : nullptr;
  p.fuse_relu = ctx.fuse_relu;
  // conv_transpose_taps writes every output: no zeroing needed.
  ctx.out = ctx.for_overwrite(out_shape(l, p.K, p.out(), op_info(ctx.layer.op).spatial_dims));
  try {
    kernels::conv_transpose_taps(p, ctx.x().data.data(), w->data.data(), ctx.out.data.data(),
                                 ctx.threads);
  } catch (const std::invalid_argument& e) {  // inference refuses these first; never a crash
    throw ForwardError(e.what());
  }
}

// x: [N, C, *in] -> [N, K, *out]; the optimised kernel (conv_transpose_reference is the tests'
// oracle).
void forward_conv_transpose(ForwardCtx& ctx) {
  convolve_transposed(ctx, ctx.weight("weight"), ctx.weight("bias"));
}

// x: [N, C, *in], weight: [C, K/groups, *k], bias: [K] -> [N, K, *out]
void forward_conv_transpose_functional(ForwardCtx& ctx) {
  if (ctx.in.size() < 2) throw ForwardError("a transposed convolution without its weight");
  convolve_transposed(ctx, ctx.in[1], ctx.in.size() > 2 ? ctx.in[2] : nullptr);
}

}  // namespace netshape
