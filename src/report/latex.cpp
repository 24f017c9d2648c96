// `check --format latex [--formulas]`: the course notes' layer table (input size, layer, output
// size, # parameters, # products) as a booktabs tabular, e.g. for LeNet's first layer
//   $1 \times 28 \times 28$ & \texttt{Conv2d(1, 32, kernel\_size=5)} & $32 \times 24 \times 24$
//     & $32 \cdot (5^2+1) = 832$ & $32 \cdot 24^2 \cdot 5^2 = 460800$ (and the row end)
// The formulas are built from what inference recorded (weight shapes, input and output shapes)
// and evaluated again here: one that does not give the layer's count is never printed, the
// count alone is.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>

#include "markup.hpp"
#include "netshape/report_formats.hpp"

namespace netshape {
namespace {

// A product written as the notes write it: groups of factors (the output channels; the input
// channels; the spatial sizes; the kernel), a group whose factors are all equal written as a
// power (`24^2`), factors of 1 left out.
using FactorGroups = std::vector<std::vector<int64_t>>;

std::string group_latex(const std::vector<int64_t>& group) {
  std::vector<int64_t> kept;
  for (int64_t f : group)
    if (f != 1) kept.push_back(f);
  if (kept.empty()) return "";
  bool all_equal = std::all_of(kept.begin(), kept.end(), [&](int64_t f) { return f == kept[0]; });
  if (all_equal && kept.size() > 1) return fmt::format("{}^{}", kept[0], kept.size());
  std::string out;
  for (int64_t f : kept) out += (out.empty() ? "" : " \\cdot ") + std::to_string(f);
  return out;
}

std::string product_latex(const FactorGroups& groups) {
  std::string out;
  for (const auto& g : groups) {
    std::string text = group_latex(g);
    if (!text.empty()) out += (out.empty() ? "" : " \\cdot ") + text;
  }
  return out.empty() ? "1" : out;
}

std::optional<int64_t> product_value(const FactorGroups& groups) {
  std::vector<int64_t> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  return checked_product(all);
}

// A formula and the number it gives; nullopt when it overflows (never shown then).
struct Formula {
  std::string latex;
  std::optional<int64_t> value;
};

// A weight's shape as factor groups: its first dim, its second, the rest (a kernel).
FactorGroups shape_groups(std::span<const int64_t> shape) {
  FactorGroups g;
  for (size_t i = 0; i < shape.size() && i < 2; ++i) g.push_back({shape[i]});
  if (shape.size() > 2) g.emplace_back(shape.begin() + 2, shape.end());
  return g;
}

// Parameters. A weight and a bias of its first dim's size (Conv, Linear): `out \cdot (rest+1)`,
// as the notes write `64 \cdot (32 \cdot 5^2+1)`. Tensors of one shape (BatchNorm's weight and
// bias): `2 \cdot 16`. Otherwise the sum of every tensor's size.
std::optional<Formula> params_formula(const LayerInfo& l) {
  const auto& w = *l.weights;
  if (w.empty()) return std::nullopt;
  if (w.size() == 2 && w[0].shape.size() >= 2 && w[1].shape.size() == 1 &&
      w[1].shape[0] == w[0].shape[0]) {
    FactorGroups rest = shape_groups(w[0].shape);
    rest.erase(rest.begin());
    auto inner = product_value(rest);
    auto value = inner ? checked_add(*inner, 1) : std::nullopt;
    if (value) value = checked_mul(*value, w[0].shape[0]);
    return Formula{fmt::format("{} \\cdot ({}+1)", w[0].shape[0], product_latex(rest)), value};
  }
  bool same_shape =
      std::all_of(w.begin(), w.end(), [&](const auto& t) { return t.shape == w[0].shape; });
  if (w.size() > 1 && same_shape) {
    FactorGroups g = shape_groups(w[0].shape);
    g.insert(g.begin(), std::vector<int64_t>{static_cast<int64_t>(w.size())});
    return Formula{product_latex(g), product_value(g)};
  }
  Formula f{"", 0};
  for (const ParamTensor& t : w) {
    FactorGroups g = shape_groups(t.shape);
    auto v = product_value(g);
    f.value = v && f.value ? checked_add(*f.value, *v) : std::nullopt;
    f.latex += (f.latex.empty() ? "" : " + ") + product_latex(g);
  }
  return f;
}

// The counting size of dims [begin, end) of a shape (a symbolic batch counts as 1).
std::vector<int64_t> dims_of(const Shape& s, size_t begin, size_t end) {
  std::vector<int64_t> out;
  for (size_t i = begin; i < end && i < s.size(); ++i) out.push_back(s[i].count_value());
  return out;
}

// Products (MACs), in the notes' order: batch, output features, input features per group,
// spatial size, kernel (`64 \cdot 32 \cdot 4^2 \cdot 5^2`). Conv: N*C_out*prod(out)*(C_in/g)*
// prod(k); ConvTranspose: N*C_in*prod(in)*(C_out/g)*prod(k); Linear: rows*out*in.
std::optional<Formula> macs_formula(const Analysis& a, const LayerInfo& l) {
  const OpInfo& op = op_info(l.op);
  // The weight: under weight_norm, weight_v has its shape; under spectral_norm, weight_orig.
  auto weight = std::find_if(l.weights->begin(), l.weights->end(), [](const ParamTensor& p) {
    return p.name == "weight" || p.name == "weight_v" || p.name == "weight_orig";
  });
  if (!l.output || weight == l.weights->end() || l.input_ids.empty()) return std::nullopt;
  const IntList& w = weight->shape;
  size_t nd = static_cast<size_t>(op.spatial_dims);
  FactorGroups g;
  if (op.family == Family::conv || op.family == Family::conv_transpose) {
    bool transposed = op.family == Family::conv_transpose;
    const Shape& spatial_from = transposed ? a.input_shape(l, 0) : *l.output;
    if (w.size() != nd + 2 || spatial_from.size() < nd + 1) return std::nullopt;
    size_t channel = spatial_from.size() - nd - 1;
    g = {dims_of(spatial_from, 0, channel),
         {spatial_from[channel].count_value()},
         {w[1]},
         dims_of(spatial_from, channel + 1, spatial_from.size()),
         std::vector<int64_t>(w.begin() + 2, w.end())};
  } else if (op.family == Family::linear) {
    const Shape& out = *l.output;
    if (w.size() != 2 || out.empty()) return std::nullopt;
    g = {dims_of(out, 0, out.size() - 1), {w[0]}, {w[1]}};
  } else {
    return std::nullopt;
  }
  return Formula{product_latex(g), product_value(g)};
}

// A count, with its formula when asked for and when the formula gives exactly that count.
std::string count_cell(int64_t count, const std::optional<Formula>& f, bool formulas) {
  if (!formulas || count == 0 || !f || f->value != count || f->latex == std::to_string(count))
    return std::to_string(count);
  return fmt::format("${} = {}$", f->latex, count);
}

std::string dim_latex(const Dim& d) {
  if (!d.symbolic()) return std::to_string(d.value);
  std::string_view sym = d.symbol();
  std::string name = latex_escape(sym);
  if (sym.size() > 1) name = "\\mathit{" + name + "}";
  return d.value == 1 ? name : fmt::format("{}{}", d.value, name);
}

std::string shape_latex(const Shape& s) {
  std::string out;
  for (const Dim& d : s) out += (out.empty() ? "" : " \\times ") + dim_latex(d);
  return "$" + (out.empty() ? std::string("()") : out) + "$";
}

// Whether a layer reads just what the row before it produced (or, first, the model's first
// input): the notes' tables show no inputs then.
bool reads_previous(const Analysis& a, size_t i) {
  const LayerInfo& l = a.layers[i];
  if (l.input_ids.size() != 1) return false;
  TensorId previous =
      i == 0 ? (a.input_ids.empty() ? kNoId : a.input_ids[0]) : a.layers[i - 1].output_id;
  return l.input_ids[0] == previous;
}

bool names_an_input(const Analysis& a, const LayerInfo& l, const Value& v) {
  return v.kind == Value::Kind::Ident &&
         std::any_of(l.input_ids.begin(), l.input_ids.end(),
                     [&](TensorId t) { return a.name_of(t) == v.s; });
}

// How many of a functional call's leading arguments are its tensors (`add(stem_relu)`,
// `cat([skip, up], 1)`): lowering made them the layer's inputs, which the cell shows itself.
// `listed` tells whether they were written as one list.
size_t tensor_arguments(const Analysis& a, const LayerInfo& l, bool& listed) {
  listed = false;
  if (!l.statement) return 0;
  const auto& args = l.statement->args;
  size_t n = 0;
  while (n < args.size() && args[n].keyword.empty() && names_an_input(a, l, args[n].value)) ++n;
  if (n == 0 && !args.empty() && args[0].keyword.empty() && args[0].value.is_sequence() &&
      !args[0].value.items.empty() &&
      std::all_of(args[0].value.items.begin(), args[0].value.items.end(),
                  [&](const Value& v) { return names_an_input(a, l, v); })) {
    listed = true;
    n = 1;
  }
  return n;
}

// The call as the model language writes it: `Conv2d(1, 32, kernel_size=5)`, with its inputs
// when they are not the previous row's output (`add(b1_bn2, stem_relu)`, `Conv2d(...)(b1_out)`,
// `cat([skip, up], 1)`).
std::string call_text(const Analysis& a, size_t i) {
  const LayerInfo& l = a.layers[i];
  bool listed = false;
  size_t first = tensor_arguments(a, l, listed);
  std::string args;
  if (l.statement) {
    const auto& all = l.statement->args;
    for (size_t k = first; k < all.size(); ++k)
      args += (args.empty() ? "" : ", ") +
              (all[k].keyword.empty() ? "" : all[k].keyword.str() + "=") + to_source(all[k].value);
  }
  std::string inputs;
  if (listed || !reads_previous(a, i))
    for (TensorId t : l.input_ids) (inputs += inputs.empty() ? "" : ", ") += a.name_of(t);
  if (listed) inputs = "[" + inputs + "]";
  std::string_view op = l.statement ? std::string_view(l.statement->op) : l.op_name;
  if (op_info(l.op).is_module())
    return fmt::format("{}({}){}", op, args, inputs.empty() ? "" : "(" + inputs + ")");
  std::string all = inputs + (!inputs.empty() && !args.empty() ? ", " : "") + args;
  return fmt::format("{}({})", op, all);
}

std::string input_cell(const Analysis& a, const LayerInfo& l) {
  std::string out;
  for (TensorId t : l.input_ids) out += (out.empty() ? "" : ", ") + shape_latex(a.shape_of(t));
  return out;
}

bool symbolic_batch(const Analysis& a) {
  for (const auto& in : a.inputs)
    if (!in.second.empty() && in.second[0].symbolic()) return true;
  return false;
}

}  // namespace

std::string render_latex(const Analysis& a, const LatexOptions& options) {
  std::string inputs;
  for (const auto& [name, shape] : a.inputs)
    inputs += (inputs.empty() ? "" : ", ") + name + ": " + to_string(shape);
  // The model's name and inputs are comments: a `%` line ends at the newline whatever it holds,
  // but a name could hold a newline only escaped, and latex_escape removes control characters.
  std::string out = fmt::format("% {} (input {}), netshape check --format latex\n",
                                latex_escape(a.model_name), latex_escape(inputs));
  out += "% needs \\usepackage{booktabs}\n";
  out += "\\begin{tabular}{lllrr}\n\\toprule\n";
  out += "input size & layer & output size & \\# parameters & \\# products \\\\\n\\midrule\n";
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const LayerInfo& l = a.layers[i];
    std::string layer = "\\texttt{" + latex_escape(call_text(a, i)) + "}";
    if (!l.output) {
      out += fmt::format("{} & {} & error & -- & -- \\\\\n", input_cell(a, l), layer);
      continue;
    }
    out += fmt::format("{} & {} & {} & {} & {} \\\\\n", input_cell(a, l), layer,
                       shape_latex(*l.output),
                       count_cell(l.params, params_formula(l), options.formulas),
                       count_cell(l.macs, macs_formula(a, l), options.formulas));
  }
  out += "\\midrule\n";
  if (a.ok) {
    out += fmt::format("\\multicolumn{{3}}{{l}}{{total{}}} & {} & {} \\\\\n",
                       symbolic_batch(a) ? " (per sample)" : "", a.totals.params, a.totals.macs);
  } else {
    out += "\\multicolumn{5}{l}{stopped at the first error} \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  return out;
}

}  // namespace netshape
