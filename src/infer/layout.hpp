// Memory layout: what PyTorch's `view` needs to know of a tensor besides its shape. A view only
// relabels memory, so PyTorch refuses one whose dims would span memory that is not contiguous
// ("view size is not compatible with input tensor's size and stride"): `x.permute(0, 2, 3,
// 1).view(n, -1)` crashes a training run that every shape rule accepts. Inference follows each
// tensor's strides through the ops that make views (transpose, permute, narrow, select, expand,
// view, ...) and the ops that allocate their output (layers, activations, add), as PyTorch 1.13
// lays them out, and says so where it cannot follow them rather than guess.
#pragma once
#include <cstdint>
#include <span>

#include "netshape/graph.hpp"
#include "netshape/infer.hpp"
#include "netshape/shape.hpp"

namespace netshape {

struct Layout {
  enum class Kind : uint8_t {
    Contiguous,  // PyTorch's default strides for its shape
    Strided,     // `strides`, one per dim, in elements (a symbolic batch may appear in one)
    Unknown,     // an op whose layout netshape does not follow (a channels-last convolution)
  };
  Kind kind = Kind::Contiguous;
  Shape strides;
  // Strided, Unknown: the node that made it so (a view of a view keeps the first), for messages.
  NodeId since = kNoId;
};

// One input of a node as layout rules see it.
struct LaidOut {
  const Shape* shape = nullptr;
  const Layout* layout = nullptr;
};

struct LayoutStep {
  enum class Status : uint8_t {
    Ok,
    ViewDoesNotFit,  // PyTorch's `view` raises: the new shape spans non-contiguous memory
    ViewUndecided,   // whether it fits depends on what netshape does not follow
  };
  Status status = Status::Ok;
  Layout out;
};

// The layout of a copy PyTorch makes with the input's memory format preserved (`x * 2`,
// `x.clone()`, as TensorIterator allocates it): a dense input's strides, else dense strides in
// the input's order.
Layout dense_copy(const Shape& shape, const Layout& layout, NodeId node);

// Whether two elements share memory (a dim expanded with stride 0): PyTorch refuses to write
// into such a tensor in place.
bool overlaps(const Shape& shape, const Layout& layout);

// The layout of `layer`'s output (node `node`), from its inputs' in order, as its family's
// layout rule (op_families.def) says PyTorch lays it out.
LayoutStep follow_layout(const LayerInfo& layer, NodeId node, std::span<const LaidOut> inputs);

}  // namespace netshape
