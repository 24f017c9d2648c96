// Reports to paste or to look at: a LaTeX table in the course notes' style, a self-contained HTML
// page, a Graphviz graph and an SVG drawing of the model (`check --format latex|html|dot|svg`).
// Pure functions of an Analysis: the edges come from the tensor ids inference recorded
// (LayerInfo::input_ids / output_id, Analysis::input_ids / output_ids).
#pragma once
#include <string>

#include "netshape/infer.hpp"

namespace netshape {

struct LatexOptions {
  // Write the counts as the notes do, with their factors: `$32 \cdot (5^2+1) = 832$`.
  bool formulas = false;
};

// A booktabs `tabular` (input size, layer, output size, # parameters, # products) to paste into
// a document that loads booktabs.
std::string render_latex(const Analysis& a, const LatexOptions& options = {});
// One HTML page, nothing external: the layer table, the totals and the SVG drawing inline.
std::string render_html(const Analysis& a);
// A Graphviz digraph: one node per input, layer and output; every edge labelled with its shape.
std::string render_dot(const Analysis& a);
// A standalone SVG file: the graph drawn in layers (longest path from the inputs), edges
// labelled with their shapes; netshape lays it out itself, no Graphviz needed.
std::string render_svg(const Analysis& a);

}  // namespace netshape
