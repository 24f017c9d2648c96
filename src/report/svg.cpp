// `check --format svg`: the model drawn in layers by netshape itself (layered_layout.hpp),
// every edge labelled with the shape of the tensor it carries.
#include <fmt/format.h>

#include "diagram.hpp"
#include "layered_layout.hpp"
#include "markup.hpp"
#include "netshape/report_formats.hpp"

namespace netshape {
namespace {

// The text is monospace at 12px, whose glyphs are 0.6em wide in every common monospace font,
// so a box's width follows from the number of characters (code points) it holds.
constexpr double kFontSize = 12;
constexpr double kCharWidth = 0.6 * kFontSize;
constexpr double kBoxPadding = 16;
constexpr double kMinBoxWidth = 56;
constexpr double kTitleHeight = 26;  // room for the model's name above the drawing
constexpr double kLabelFontSize = 10;
constexpr double kLabelCharWidth = 0.6 * kLabelFontSize;

// A shape label starts just right of the edge leaving the box's bottom.
double label_x(const LayoutBox& b) {
  return b.x + 6;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

double box_width(const DiagramNode& node) {
  size_t chars = std::max(code_points(node.title), code_points(node.subtitle));
  return std::max(kMinBoxWidth, static_cast<double>(chars) * kCharWidth + kBoxPadding);
}

const char* fill_of(const DiagramNode& node) {
  if (node.kind != DiagramNode::Kind::Layer) return "#ffffff";
  return node.failed ? "#f8d0d0" : node.has_params ? "#dce8f8" : "#f0f0f0";
}

// A curve from p to q leaving and arriving vertically, so routes through dummy points are
// smooth.
std::string curve_to(double px, double py, double qx, double qy) {
  double mid = (py + qy) / 2;
  return fmt::format(" C {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}", px, mid, qx, mid, qx, qy);
}

std::string edge_path(const DiagramLayout& layout, const std::vector<size_t>& route) {
  const LayoutBox& from = layout.boxes[route.front()];
  double px = from.x, py = from.y + from.height / 2;
  std::string d = fmt::format("M {:.1f},{:.1f}", px, py);
  for (size_t i = 1; i < route.size(); ++i) {
    const LayoutBox& b = layout.boxes[route[i]];
    double qx = b.x, qy = b.y - b.height / 2;
    d += curve_to(px, py, qx, qy);
    px = qx;
    py = b.y + b.height / 2;
  }
  return d;
}

std::string node_element(const DiagramNode& node, const LayoutBox& b, size_t index) {
  double rx = node.kind == DiagramNode::Kind::Layer ? 6 : b.height / 2;
  std::string title = xml_escape(node.title), subtitle = xml_escape(node.subtitle);
  return fmt::format(
      "<g class=\"node\" id=\"node{}\"><title>{}: {}</title>"
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"{:.1f}\" "
      "fill=\"{}\" stroke=\"{}\"/>"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555555\">{}</text></g>\n",
      index, title, subtitle, b.x - b.width / 2, b.y - b.height / 2, b.width, b.height, rx,
      fill_of(node), node.failed ? "#c03030" : "#6080a0", b.x, b.y - 3, title, b.x, b.y + 12,
      subtitle);
}

}  // namespace

std::string svg_element(const Analysis& a) {
  Diagram d = make_diagram(a);
  std::vector<double> widths;
  widths.reserve(d.nodes.size());
  for (const DiagramNode& n : d.nodes) widths.push_back(box_width(n));
  LayoutSizes sizes;
  sizes.top += kTitleHeight;
  DiagramLayout layout = layered_layout(d, widths, sizes);
  double width = std::max(
      layout.width, 2 * sizes.margin + kCharWidth * static_cast<double>(code_points(a.model_name)));
  for (const DiagramEdge& e : d.edges) {
    double label_end =
        label_x(layout.boxes[e.from]) + kLabelCharWidth * static_cast<double>(code_points(e.shape));
    width = std::max(width, label_end + sizes.margin);
  }
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "viewBox=\"0 0 {:.0f} {:.0f}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
      "font-size=\"{:.0f}\">\n",
      width, layout.height, width, layout.height, kFontSize);
  out += fmt::format("<title>{}</title>\n", xml_escape(a.model_name));
  out +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
      "fill=\"#6080a0\"/></marker></defs>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  out += fmt::format(
      "<text class=\"model\" x=\"{:.0f}\" y=\"{:.0f}\" font-weight=\"bold\">{}</text>\n",
      sizes.margin, sizes.margin + 4, xml_escape(a.model_name));
  out += "<g class=\"edges\" fill=\"none\" stroke=\"#6080a0\" stroke-width=\"1.2\">\n";
  for (const auto& route : layout.routes)
    out += fmt::format("<path class=\"edge\" d=\"{}\" marker-end=\"url(#arrow)\"/>\n",
                       edge_path(layout, route));
  out += "</g>\n<g class=\"nodes\">\n";
  for (size_t n = 0; n < d.nodes.size(); ++n) out += node_element(d.nodes[n], layout.boxes[n], n);
  out += "</g>\n";
  // One label per tensor, just below the box that produces it: every edge leaving a box carries
  // the same tensor. Drawn last, with a white halo, so edges never hide it.
  out += fmt::format(
      "<g class=\"shapes\" font-size=\"{:.0f}\" fill=\"#333333\" stroke=\"#ffffff\" "
      "stroke-width=\"3\" paint-order=\"stroke\">\n",
      kLabelFontSize);
  std::vector<bool> labelled(d.nodes.size(), false);
  for (const DiagramEdge& e : d.edges) {
    if (labelled[e.from]) continue;
    labelled[e.from] = true;
    const LayoutBox& b = layout.boxes[e.from];
    out += fmt::format("<text class=\"shape\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", label_x(b),
                       b.y + b.height / 2 + 13, xml_escape(e.shape));
  }
  out += "</g>\n</svg>\n";
  return out;
}

std::string render_svg(const Analysis& a) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg_element(a);
}

}  // namespace netshape
