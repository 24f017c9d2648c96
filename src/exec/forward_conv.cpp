// Reference forwards of ConvNd / ConvTransposeNd; 2-D convolutions run on the blocked kernel.
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

Layout layout_of(const Tensor& t, int nd) {
  Layout l;
  size_t rank = t.shape.size();
  l.batched = rank == static_cast<size_t>(nd) + 2;
  if (rank != static_cast<size_t>(nd) + 1 && !l.batched)
    throw ForwardError("unexpected input rank for convolution");
  size_t c_axis = l.batched ? 1 : 0;
  l.n = l.batched ? t.shape[0] : 1;
  l.c = t.shape[c_axis];
  for (int i = 0; i < nd; ++i)
    l.sp[static_cast<size_t>(3 - nd + i)] = t.shape[c_axis + 1 + static_cast<size_t>(i)];
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

int64_t wrap_index(int64_t i, int64_t n, const std::string& mode) {
  if (i >= 0 && i < n) return i;
  if (mode == "reflect") return i < 0 ? -i : 2 * (n - 1) - i;
  if (mode == "replicate") return i < 0 ? 0 : n - 1;
  return ((i % n) + n) % n;  // circular
}

// Materialises the padded input for padding modes other than zeros, and for 'same' padding
// whose two sides differ; the convolution then runs with no padding.
Tensor pad_input(const Tensor& x, const Layout& l, const std::array<int64_t, 3>& begin,
                 const std::array<int64_t, 3>& end, const std::string& mode, Layout& padded) {
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
          if (inside || mode != "zeros") {
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

}  // namespace

// x: [N, C, *in] -> [N, K, *out]
void forward_conv(ForwardCtx& ctx) {
  const Attrs& at = ctx.layer.attrs;
  int nd = op_info(ctx.layer.op).spatial_dims;
  Layout l = layout_of(ctx.x(), nd);
  auto kernel = spatial3(at.get_ints("kernel_size"), nd, 1);
  auto stride = spatial3(at.get_ints("stride"), nd, 1);
  auto dilation = spatial3(at.get_ints("dilation"), nd, 1);
  auto begin = spatial3(at.get_ints("pad_begin"), nd, 0);
  auto end = spatial3(at.get_ints("pad_end"), nd, 0);
  std::string mode = at.get_string("padding_mode", "zeros");
  const Tensor* w = ctx.weight("weight");
  const Tensor* b = ctx.weight("bias");
  int64_t k = at.get_int("out_channels");
  if (l.c != at.get_int("in_channels"))
    throw ForwardError("input channels differ from in_channels");
  const Tensor* src = &ctx.x();
  Tensor padded_storage;
  if (mode != "zeros" || begin != end) {
    Layout p;
    padded_storage = pad_input(ctx.x(), l, begin, end, mode, p);
    l = p;
    begin = end = {0, 0, 0};
    src = &padded_storage;
  }
  std::array<int64_t, 3> o{};
  for (size_t i = 0; i < 3; ++i)
    o[i] = conv_output_size(l.sp[i], kernel[i], stride[i], begin[i], dilation[i]);
  if (o[0] <= 0 || o[1] <= 0 || o[2] <= 0)
    throw ForwardError("kernel larger than the padded input");
  ctx.out = Tensor::zeros(out_shape(l, k, o, nd));
  if (nd <= 2) {
    kernels::Conv2dParams p;
    p.N = l.n;
    p.C = l.c;
    p.H = l.sp[1];
    p.W = l.sp[2];
    p.K = k;
    p.R = kernel[1];
    p.S = kernel[2];
    p.stride_h = stride[1];
    p.stride_w = stride[2];
    p.pad_h = begin[1];
    p.pad_w = begin[2];
    p.dilation_h = dilation[1];
    p.dilation_w = dilation[2];
    p.groups = at.get_int("groups", 1);
    p.fuse_relu = ctx.fuse_relu;
    kernels::PackedConv2d conv(p, w->data.data(), b ? b->data.data() : nullptr);
    conv.run(src->data.data(), ctx.out.data.data(), ctx.threads);
    return;
  }
  kernels::ConvNdParams p;
  p.N = l.n;
  p.C = l.c;
  p.K = k;
  p.in = l.sp;
  p.kernel = kernel;
  p.stride = stride;
  p.pad = begin;
  p.dilation = dilation;
  p.groups = at.get_int("groups", 1);
  p.bias = b ? b->data.data() : nullptr;
  p.fuse_relu = ctx.fuse_relu;
  kernels::conv_reference(p, src->data.data(), w->data.data(), ctx.out.data.data());
}

// x: [N, C, *in] -> [N, K, *out]
void forward_conv_transpose(ForwardCtx& ctx) {
  const Attrs& at = ctx.layer.attrs;
  int nd = op_info(ctx.layer.op).spatial_dims;
  Layout l = layout_of(ctx.x(), nd);
  kernels::ConvTransposeNdParams p;
  p.N = l.n;
  p.C = l.c;
  p.K = at.get_int("out_channels");
  p.in = l.sp;
  p.kernel = spatial3(at.get_ints("kernel_size"), nd, 1);
  p.stride = spatial3(at.get_ints("stride"), nd, 1);
  p.pad = spatial3(at.get_ints("padding"), nd, 0);
  p.output_padding = spatial3(at.get_ints("output_padding"), nd, 0);
  p.dilation = spatial3(at.get_ints("dilation"), nd, 1);
  p.groups = at.get_int("groups", 1);
  const Tensor* b = ctx.weight("bias");
  p.bias = b ? b->data.data() : nullptr;
  std::array<int64_t, 3> o{};
  for (size_t i = 0; i < 3; ++i)
    o[i] = conv_transpose_output_size(l.sp[i], p.kernel[i], p.stride[i], p.pad[i], p.dilation[i],
                                      p.output_padding[i]);
  ctx.out = Tensor::zeros(out_shape(l, p.K, o, nd));
  kernels::conv_transpose_reference(p, ctx.x().data.data(), ctx.weight("weight")->data.data(),
                                    ctx.out.data.data());
}

}  // namespace netshape
