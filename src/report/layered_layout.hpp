// A layered drawing of a Diagram (Sugiyama's method, simply): every node goes in the layer of
// its longest path from the inputs, an edge that spans several layers passes through one dummy
// point per layer it crosses (so it is routed between the nodes, never through them), the nodes
// of each layer are ordered by the barycenter of their neighbours to keep crossings few, and
// placed as close to their neighbours as the order and the spacing allow (a least-squares fit
// under order constraints, solved exactly per layer by pool-adjacent-violators). At most
// 200,000 dummy points in all: past them, long edges are drawn straight (a hostile file).
#pragma once
#include <cstddef>
#include <vector>

#include "diagram.hpp"

namespace netshape {

struct LayoutBox {
  double x = 0, y = 0;  // centre
  double width = 0, height = 0;
  size_t rank = 0;
  size_t node = static_cast<size_t>(-1);  // the Diagram node; none for a dummy point
  bool dummy() const { return node == static_cast<size_t>(-1); }
};

struct DiagramLayout {
  std::vector<LayoutBox> boxes;  // boxes[i] is Diagram node i for i < nodes.size(), then dummies
  // Per Diagram edge, the boxes it passes through, from its source to its target.
  std::vector<std::vector<size_t>> routes;
  size_t ranks = 0;
  double width = 0, height = 0;  // of the drawing, margins included
};

struct LayoutSizes {
  double node_height = 36;
  double rank_gap = 46;     // vertical room between layers, for the shape labels
  double node_gap = 28;     // horizontal room between two boxes of a layer
  double channel_gap = 14;  // between a dummy point and its neighbour
  double margin = 20;
  double top = 20;  // room above the first layer
};

// `widths[i]` is the width of Diagram node i's box.
DiagramLayout layered_layout(const Diagram& d, const std::vector<double>& widths,
                             const LayoutSizes& sizes = {});

// Layer i of the longest-path ranking of the diagram's nodes (inputs and nodes without inputs:
// 0; any other: one more than its deepest source).
std::vector<size_t> longest_path_ranks(const Diagram& d);

}  // namespace netshape
