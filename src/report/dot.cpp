// `check --format dot`: the model as a Graphviz digraph, every edge labelled with its shape.
#include <fmt/format.h>

#include "diagram.hpp"
#include "markup.hpp"
#include "netshape/report_formats.hpp"

namespace netshape {
namespace {

// Node ids are generated (`in0`, `n3`, `out0`), so no name from the model is ever a DOT id.
std::string dot_id(const Diagram& d, size_t n) {
  switch (d.nodes[n].kind) {
    case DiagramNode::Kind::Input:
      return fmt::format("in{}", n);
    case DiagramNode::Kind::Output:
      return fmt::format("out{}", n);
    case DiagramNode::Kind::Layer:
      break;
  }
  return fmt::format("n{}", n);
}

std::string node_attributes(const DiagramNode& node) {
  std::string label = dot_escape(node.title) + "\\n" + dot_escape(node.subtitle);
  if (node.kind != DiagramNode::Kind::Layer)
    return fmt::format("shape=ellipse, fillcolor=\"#ffffff\", label=\"{}\"", label);
  const char* fill = node.failed ? "#f8d0d0" : node.has_params ? "#dce8f8" : "#f0f0f0";
  return fmt::format("fillcolor=\"{}\", label=\"{}\"", fill, label);
}

}  // namespace

std::string render_dot(const Analysis& a) {
  Diagram d = make_diagram(a);
  std::string out = fmt::format("digraph \"{}\" {{\n", dot_escape(a.model_name));
  out += "  rankdir=TB;\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  for (size_t n = 0; n < d.nodes.size(); ++n)
    out += fmt::format("  {} [{}];\n", dot_id(d, n), node_attributes(d.nodes[n]));
  for (const DiagramEdge& e : d.edges)
    out += fmt::format("  {} -> {} [label=\"{}\"];\n", dot_id(d, e.from), dot_id(d, e.to),
                       dot_escape(e.shape));
  out += "}\n";
  return out;
}

}  // namespace netshape
