// Reference forwards of the unfold and fold families, PyTorch's im2col and col2im on the CPU,
// and of the windows family (x.unfold(dimension, size, step)).
// Each walks the columns in im2col's order (a column row is a channel and a kernel tap, a column
// a block), so fold adds the overlapping values in the order PyTorch's col2im adds them.
#include "forward.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

// One image's geometry: the blocks of a [planes, height, width] image, with the layer's pairs.
struct Blocks {
  int64_t planes = 0, height = 0, width = 0;
  std::array<int64_t, 2> kernel{}, dilation{}, padding{}, stride{};
  int64_t rows = 0, cols = 0;  // blocks along H and along W

  Blocks(const Attrs& a, int64_t planes, int64_t height, int64_t width)
      : planes(planes), height(height), width(width) {
    for (size_t i = 0; i < 2; ++i) {
      kernel[i] = a.kernel_size[i];
      dilation[i] = a.dilation[i];
      padding[i] = a.padding[i];
      stride[i] = a.stride[i];
    }
    auto count = [&](int64_t in, size_t i) {
      auto n = conv_output_size(in, kernel[i], stride[i], padding[i], dilation[i]);
      if (!n || *n < 1) throw ForwardError("unfold, fold: no block fits the image");
      return *n;
    };
    rows = count(height, 0);
    cols = count(width, 1);
  }
  int64_t taps() const { return kernel[0] * kernel[1]; }
  int64_t blocks() const { return rows * cols; }

  // Calls f(column offset, image offset) for every value of one image's columns that lies inside
  // the image, in im2col's order: plane, kernel row, kernel column, block row, block column.
  template <typename F>
  void each(F f) const {
    for (int64_t c = 0; c < planes; ++c)
      for (int64_t ki = 0; ki < kernel[0]; ++ki)
        for (int64_t kj = 0; kj < kernel[1]; ++kj) {
          int64_t column_row = (c * kernel[0] + ki) * kernel[1] + kj;
          for (int64_t bi = 0; bi < rows; ++bi) {
            int64_t h = bi * stride[0] - padding[0] + ki * dilation[0];
            if (h < 0 || h >= height) continue;
            for (int64_t bj = 0; bj < cols; ++bj) {
              int64_t w = bj * stride[1] - padding[1] + kj * dilation[1];
              if (w < 0 || w >= width) continue;
              f((column_row * rows + bi) * cols + bj, (c * height + h) * width + w);
            }
          }
        }
  }
};

}  // namespace

// unfold: [N, C, H, W] -> [N, C*kh*kw, L] (unbatched [C, H, W] -> [C*kh*kw, L]); values that fall
// in the padding are 0
void forward_unfold(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  size_t rank = x.shape.size();
  if (rank != 3 && rank != 4) throw ForwardError("unfold: the input is not 3-D or 4-D");
  bool batched = rank == 4;
  int64_t n = batched ? x.shape[0] : 1;
  Blocks b(*ctx.layer.attrs, x.shape[rank - 3], x.shape[rank - 2], x.shape[rank - 1]);
  std::vector<int64_t> shape = {b.planes * b.taps(), b.blocks()};
  if (batched) shape.insert(shape.begin(), n);
  ctx.out = ctx.zeros(shape);
  int64_t image = b.planes * b.height * b.width, columns = b.planes * b.taps() * b.blocks();
  for (int64_t s = 0; s < n; ++s) {
    const float* in = x.data.data() + s * image;
    float* out = ctx.out.data.data() + s * columns;
    b.each([&](int64_t column, int64_t pixel) { out[column] = in[pixel]; });
  }
}

// fold: [N, C*kh*kw, L] -> [N, C, H, W] (unbatched [C*kh*kw, L] -> [C, H, W]), (H, W) =
// output_size; each block's values added where it lies
void forward_fold(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  size_t rank = x.shape.size();
  if (rank != 2 && rank != 3) throw ForwardError("fold: the input is not 2-D or 3-D");
  bool batched = rank == 3;
  int64_t n = batched ? x.shape[0] : 1;
  int64_t taps = a.kernel_size[0] * a.kernel_size[1];
  Blocks b(a, x.shape[rank - 2] / taps, a.output_size[0], a.output_size[1]);
  if (b.blocks() != x.shape[rank - 1]) throw ForwardError("fold: the block count differs");
  std::vector<int64_t> shape = {b.planes, b.height, b.width};
  if (batched) shape.insert(shape.begin(), n);
  ctx.out = ctx.zeros(shape);
  int64_t image = b.planes * b.height * b.width, columns = b.planes * taps * b.blocks();
  for (int64_t s = 0; s < n; ++s) {
    const float* in = x.data.data() + s * columns;
    float* out = ctx.out.data.data() + s * image;
    b.each([&](int64_t column, int64_t pixel) { out[pixel] += in[column]; });
  }
}

// Tensor.unfold: out[..., i, ..., j] = x[..., i * step + j, ...] along `dimension`, j the added
// last dim
void forward_windows(ForwardCtx& ctx) {
  const Tensor& x = ctx.x();
  const Attrs& a = *ctx.layer.attrs;
  size_t rank = x.shape.size(), dim = static_cast<size_t>(a.dim);
  if (rank > 0 && (dim >= rank || a.window > x.shape[dim]))
    throw ForwardError("unfold: the window does not fit");
  std::vector<int64_t> shape = x.shape;
  if (rank > 0) shape[dim] = (x.shape[dim] - a.window) / a.slice_step + 1;
  shape.push_back(a.window);
  ctx.out = ctx.zeros(shape);
  // row-major strides of x
  std::vector<int64_t> stride(rank, 1);
  for (size_t i = rank; i-- > 1;) stride[i - 1] = stride[i] * x.shape[i];
  std::vector<int64_t> idx(shape.size(), 0);
  for (float& out : ctx.out.data) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += idx[i] * stride[i];
    if (rank > 0) src += (idx[dim] * (a.slice_step - 1) + idx[rank]) * stride[dim];
    out = x.data[static_cast<size_t>(src)];
    for (size_t i = shape.size(); i-- > 0;) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
}

}  // namespace netshape
