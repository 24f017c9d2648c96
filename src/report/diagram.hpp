// The model as a drawable graph, shared by the DOT and SVG reporters: one node per model input,
// per layer and per model output, one edge per tensor a layer (or an output) reads, labelled
// with that tensor's shape. Built from the tensor ids inference recorded, so it is exactly the
// data flow the executor runs.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {

struct DiagramNode {
  enum class Kind { Input, Layer, Output };
  Kind kind = Kind::Layer;
  std::string title;     // the tensor's or layer's name
  std::string subtitle;  // the op, or "input" / "output"
  bool failed = false;   // the layer inference stopped at
  bool has_params = false;
};

struct DiagramEdge {
  size_t from = 0;  // node indices
  size_t to = 0;
  std::string shape;  // the tensor's shape, e.g. "[B, 16, 32, 32]"
};

struct Diagram {
  std::vector<DiagramNode> nodes;  // inputs, then layers in execution order, then outputs
  std::vector<DiagramEdge> edges;  // in the order the layers read their inputs
};

Diagram make_diagram(const Analysis& a);

// The SVG element alone (no XML declaration), for the SVG file and the HTML page.
std::string svg_element(const Analysis& a);

}  // namespace netshape
