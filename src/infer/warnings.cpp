// Warnings about models PyTorch runs without complaint but that very likely do not do what was
// meant: an unbatched input flattened with its channels kept as a batch, a window whose floor
// drops the last rows of its input, a tensor computed and never used, a squeeze() that would
// also drop a batch of 1. A pure pass over a finished
// analysis without errors: it reads the layers and adds warnings, nothing else (docs/cli.md).
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "netshape/infer.hpp"

namespace netshape {
namespace {

// A sliding window's geometry per spatial dim, as the conv and pooling rules decided it: views of
// the layer's attributes, which outlive it.
struct Window {
  std::span<const int64_t> kernel, stride, dilation, pad_begin, pad_end;
  bool ceil_mode = false;
  bool pooling = false;  // pooling has ceil_mode and padding <= kernel_size/2; convolution not
};

// The only places that know how the rules store attributes (rules_conv.cpp, rules_pool.cpp,
// rules_shape.cpp): when Attrs changes, these two functions are what follows. Each returns its
// answer whole, built in the caller's variable: copying a struct of spans just built from a
// bigger one makes the CPU read back stores it cannot forward yet, and this runs for every layer.

// The window of a ConvNd or a max/avg pooling layer; nullopt for other ops.
std::optional<Window> read_window(const LayerInfo& l) {
  const Attrs& at = *l.attrs;
  std::optional<Window> w;
  switch (op_info(l.op).family) {
    case Family::conv:  // padding is stored per side (padding='same' pads unevenly)
    case Family::conv_functional:
      w.emplace(
          Window{at.kernel_size, at.stride, at.dilation, at.pad_begin, at.pad_end, false, false});
      break;
    case Family::max_pool:
    case Family::avg_pool:  // avg pooling stores dilation 1
      w.emplace(Window{at.kernel_size, at.stride, at.dilation, at.padding, at.padding, at.ceil_mode,
                       true});
      break;
    default:
      break;
  }
  return w;
}

// flatten's start_dim, normalised to >= 0; nullopt for other ops.
std::optional<int64_t> read_start_dim(const LayerInfo& l) {
  if (op_info(l.op).family != Family::flatten) return std::nullopt;
  return l.attrs->start_dim;
}

void warn(Diagnostics& diags, const LayerInfo& l, Span at, std::string message, std::string help,
          const char* code) {
  Diagnostic& d = diags.warning(at, std::move(message), std::move(help));
  d.layer = l.name;
  d.code = code;
}

// Where a warning about the layer's op and its arguments points: the op as written.
Span op_span(const LayerInfo& l) {
  return l.statement != nullptr ? l.statement->op_span : Span{};
}

// ---- 1. an unbatched input reaching flatten(start_dim=1) -------------------------------------

// What is known of a tensor's first dim: whether it comes from a model input through layers
// that keep the layout, and whether a layer took that input in PyTorch's unbatched mode.
struct Layout {
  bool from_input = false;
  bool unbatched = false;
  size_t input = 0;  // the model input it comes from (an index of Analysis::inputs): every layer
                     // copies its input's Layout, so no name is copied
};

Layout layout_after(const Analysis& a, const LayerInfo& l, const Layout& in) {
  const OpInfo& op = op_info(l.op);
  BatchDim batch = family_info(op.family).batch_dim;
  if (!in.from_input || batch == BatchDim::Changes) return {};
  if (batch == BatchDim::Keeps || op.spatial_dims == 0) return in;
  size_t rank = a.input_shape(l, 0).size(), nd = static_cast<size_t>(op.spatial_dims);
  if (rank == nd + 2) return {};  // batched: nothing to warn about downstream
  Layout out = in;
  out.unbatched = out.unbatched || rank == nd + 1;
  return out;
}

std::string dims_text(const Shape& s, const char* sep) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? sep : "") + to_string(s[i]);
  return out;
}

void warn_unbatched_flatten(const LayerInfo& l, const Layout& in, const Analysis& a,
                            Diagnostics& diags) {
  const Shape& x = a.input_shape(l, 0);
  if (in.input >= a.inputs.size() || x.empty() || !l.output) return;
  const auto& input = a.inputs[in.input];
  Shape batched = input.second;
  batched.insert(batched.begin(), fixed(1));
  auto all = dim_product(x);
  std::string message = fmt::format(
      "{} receives {}, which has no batch dim (the input {}: {} is unbatched): {} keeps the first "
      "dim ({} channels) as a batch and gives {}",
      l.name, to_string(x), input.first, to_string(input.second), l.op_name, to_string(x[0]),
      to_string(*l.output));
  std::string declare =
      l.statement != nullptr && l.statement->python
          ? fmt::format("`# input: {}` or --input {}", to_string(batched), dims_text(batched, "x"))
          : fmt::format("`input {}: {}`", input.first, to_string(batched));
  std::string help = fmt::format("give the input a batch dim ({})", declare);
  if (all) help += fmt::format(", or flatten everything with start_dim=0 ([{}])", to_string(*all));
  warn(diags, l, op_span(l), message, help, "unbatched-flatten");
}

// Follows each tensor's Layout from the model inputs; `layouts` (by tensor id) holds those of
// the inputs and earlier layers.
void check_unbatched_flatten(const LayerInfo& l, const Analysis& a, std::vector<Layout>& layouts,
                             Diagnostics& diags) {
  if (l.input_ids.empty()) return;
  const Layout& in = layouts[l.input_ids[0]];
  if (in.unbatched && read_start_dim(l) == 1) warn_unbatched_flatten(l, in, a, diags);
  layouts[l.output_id] = layout_after(a, l, in);
}

// ---- 2. a window whose floor drops the last rows of its input -------------------------------

int64_t effective_kernel(const Window& w, size_t i) {
  return w.dilation[i] * (w.kernel[i] - 1) + 1;  // fits: inference checked the kernel extent
}

// The input rows past the last window that are real data, not padding. A window with stride
// larger than its extent skips rows between windows by design (a 1x1 stride-2 projection), so
// its end is no different from its middle and is not reported.
std::optional<int64_t> dropped_rows(const Window& w, size_t i, int64_t in, int64_t pad_end) {
  int64_t eff = effective_kernel(w, i);
  if (w.stride[i] > eff) return 0;
  auto padded = checked_add(in, w.pad_begin[i]);
  padded = padded ? checked_add(*padded, pad_end) : std::nullopt;
  if (!padded || *padded < eff) return std::nullopt;
  int64_t uncovered = (*padded - eff) % w.stride[i];
  return std::max<int64_t>(0, uncovered - pad_end);
}

// "1 row and 2 columns", naming only the dims that drop something.
std::string dropped_text(std::span<const int64_t> dropped) {
  static const char* kNames[3][3] = {{"element"}, {"row", "column"}, {"plane", "row", "column"}};
  std::vector<std::string> parts;
  size_t nd = dropped.size();
  for (size_t i = 0; i < nd; ++i) {
    if (dropped[i] == 0) continue;
    parts.push_back(
        fmt::format("{} {}{}", dropped[i], kNames[nd - 1][i], dropped[i] == 1 ? "" : "s"));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

// "25x25", or "length-25" for one dim when `adjective`.
std::string sizes_text(std::span<const int64_t> sizes, bool adjective = true) {
  std::string out;
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? "x" : "") + std::to_string(sizes[i]);
  return sizes.size() == 1 && adjective ? "length-" + out : out;
}

// The smallest (symmetric) padding of a dim that leaves no row behind, or nullopt when there is
// none within one stride (or within pooling's limit of kernel_size/2).
std::optional<int64_t> covering_padding(const Window& w, size_t i, int64_t in) {
  if (w.pad_begin[i] != w.pad_end[i]) return std::nullopt;
  int64_t limit = w.pooling ? w.kernel[i] / 2 : w.pad_begin[i] + w.stride[i];
  std::vector<int64_t> pads(w.pad_begin.begin(), w.pad_begin.end());
  Window trial = w;
  trial.pad_begin = pads;
  for (int64_t p = w.pad_begin[i] + 1; p <= limit; ++p) {
    pads[i] = p;
    if (dropped_rows(trial, i, in, p) == 0) return p;
  }
  return std::nullopt;
}

// "padding=1" (or per dim "padding=(1, 0)") when every dim that drops rows has one.
std::optional<std::string> padding_fix(const Window& w, std::span<const int64_t> in,
                                       std::span<const int64_t> dropped) {
  std::vector<int64_t> pads(w.pad_begin.begin(), w.pad_begin.end());
  for (size_t i = 0; i < in.size(); ++i) {
    if (dropped[i] == 0) continue;
    auto p = covering_padding(w, i, in[i]);
    if (!p) return std::nullopt;
    pads[i] = *p;
  }
  bool uniform = std::all_of(pads.begin(), pads.end(), [&](int64_t p) { return p == pads[0]; });
  if (uniform) return fmt::format("padding={}", pads[0]);
  std::string list;
  for (size_t i = 0; i < pads.size(); ++i) list += (i ? ", " : "") + std::to_string(pads[i]);
  return fmt::format("padding=({})", list);
}

std::string floor_help(const LayerInfo& l, const Window& w, std::span<const int64_t> in,
                       std::span<const int64_t> dropped) {
  std::vector<std::string> fixes;
  if (auto padding = padding_fix(w, in, dropped)) fixes.push_back(*padding);
  if (w.pooling) fixes.push_back("ceil_mode=True");
  IntList smaller(in), larger(in);
  for (size_t i = 0; i < in.size(); ++i) {
    if (dropped[i] == 0) continue;
    smaller[i] -= dropped[i];  // the dropped rows removed: the last window ends at the input's end
    larger[i] += w.stride[i] - (dropped[i] + w.pad_end[i]);  // one more window, to the end
  }
  std::string sizes =
      fmt::format("make {}'s input {}{} or {}", l.name, in.size() == 1 ? "length " : "",
                  sizes_text(smaller, false), sizes_text(larger, false));
  if (fixes.empty()) return fmt::format("to use the whole input, {}", sizes);
  std::string joined;
  for (size_t i = 0; i < fixes.size(); ++i) joined += (i ? " or " : "") + fixes[i];
  return fmt::format("to use the whole input, use {}, or {}", joined, sizes);
}

void check_floor(const Analysis& a, const LayerInfo& l, Diagnostics& diags) {
  IntList dropped = floor_dropped_rows(a, l);
  if (std::all_of(dropped.begin(), dropped.end(), [](int64_t d) { return d == 0; })) return;
  std::optional<Window> w = read_window(l);
  const Shape& x = a.input_shape(l, 0);
  size_t nd = dropped.size();
  IntList in(nd);
  for (size_t i = 0; i < nd; ++i) in[i] = x[x.size() - nd + i].value;
  std::string message = fmt::format("{}'s floor drops the last {} of its {} input", l.op_name,
                                    dropped_text(dropped), sizes_text(in));
  warn(diags, l, op_span(l), message, floor_help(l, *w, in, dropped), "floor-drops-input");
}

// ---- 3. a tensor computed and never used ---------------------------------------------------

// `x.size(0)` in a later argument reads a tensor too.
void collect_referenced(const Graph& g, const Value& v, std::vector<bool>& used) {
  if (v.kind == Value::Kind::Ident || v.kind == Value::Kind::DimRef) {
    TensorId t = g.find_tensor(v.s);
    if (t != kNoId) used[t] = true;
  }
  for (const Value& item : v.items) collect_referenced(g, item, used);
}

// By tensor id: whether a layer reads it, an argument refers to it, or it is a model output.
std::vector<bool> used_tensors(const Graph& g, const Analysis& a) {
  std::vector<bool> used(g.tensors.size(), false);
  for (TensorId t : a.output_ids) used[t] = true;
  for (const LayerInfo& l : a.layers) {
    for (TensorId t : l.input_ids) used[t] = true;
    const GraphNode& node = g.nodes[l.node];
    if (!node.arguments_hold_names) continue;  // nothing to read (the values are cold by now)
    for (size_t i = 0; i < node.bound_count(); ++i)
      if (const Value* v = node.bound(i)) collect_referenced(g, *v, used);
  }
  return used;
}

// Where the statement is in the model's data flow. A Python module call's statement span is its
// `self.a = nn.X(...)` line in __init__; its input points into forward, where the call is.
Span flow_span(const LayerInfo& l, const Statement& st) {
  bool module_call = st.python && op_info(l.op).is_module() && !st.input_spans.empty() &&
                     st.input_spans[0].valid();
  return module_call ? st.input_spans[0] : st.span;
}

void check_unused(const LayerInfo& l, const std::vector<bool>& used, Diagnostics& diags) {
  // `F.relu(x, inplace=True)`, `F.relu_(x)` alone are real statements: they change x without a
  // result to use
  if (l.statement == nullptr || used[l.output_id] || writes_in_place(*l.statement)) return;
  const Statement& st = *l.statement;
  if (st.one_of_several) return;
  // A .py forward's read of an nn.Parameter (iterating an nn.ParameterDict's items reads them
  // all) computes nothing.
  if (st.python && op_info(l.op).kind == OpKind::parameter) return;
  // `v = y[:, 0]; v += 1`, `y[:, 0] += 1`: a view written in place changes the tensor it views
  bool written = st.extras().written_in_place.valid() || st.extras().filled_in_place;
  if (written && family_info(op_info(l.op).family).layout == LayoutRule::View) return;
  std::string what = st.named && !st.python ? fmt::format("`{}`", l.name)
                                            : fmt::format("`{}` ({})", l.name, l.op_name);
  std::string help = st.python ? "use it (in a later call or in `return`) or remove the call"
                               : "use it (as a later layer's input or in `output`) or remove the "
                                 "layer";
  warn(diags, l, flow_span(l, st), fmt::format("{} is computed but never used", what), help,
       "unused-tensor");
}

// ---- 4. squeeze() of a batch-sized tensor -----------------------------------------------------

// `x.squeeze()` (no dim) removes every size-1 dim: with a symbolic batch netshape keeps B, but
// at batch size 1 PyTorch removes it too (DenseNet's `torch.squeeze(out)` before a Linear gives
// [64] at batch 1, [B, 64] otherwise). Naming the dims removes the same ones at every batch.
void check_batch_squeeze(const LayerInfo& l, const Analysis& a, Diagnostics& diags) {
  if (op_info(l.op).family != Family::squeeze || l.attrs->dim != -1 || l.input_ids.empty() ||
      l.attrs->dims.empty())
    return;
  const Shape& x = a.input_shape(l, 0);
  auto batch =
      std::find_if(x.begin(), x.end(), [](const Dim& d) { return d.symbolic() && d.value == 1; });
  if (batch == x.end()) return;
  // from the last dim, so each index still means the input's dim
  bool python = l.statement != nullptr && l.statement->python;
  std::string named;
  for (auto d = l.attrs->dims.rbegin(); d != l.attrs->dims.rend(); ++d)
    named += python ? fmt::format(".squeeze({})", *d)
                    : fmt::format("{}squeeze({})", named.empty() ? "" : ", then ", *d);
  Shape at_one;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].symbolic() ? x[i] != *batch : x[i].value != 1) at_one.push_back(x[i]);
  warn(diags, l, op_span(l),
       fmt::format("squeeze() with no dim removes every size-1 dim: at batch size 1 it removes the "
                   "batch dim {} of {} too, giving {}, not {}",
                   to_string(*batch), to_string(x), to_string(at_one), to_string(*l.output)),
       fmt::format("name the dims to remove: {}", python ? "`x" + named + "`" : named),
       "squeeze-batch");
}

// ---- 5. a BatchNorm given one value per channel -----------------------------------------------

// netshape reads a BatchNorm layer as eval mode reads it (its running statistics). In training
// mode it normalises with the batch's own, which takes more than one value per channel: a batch
// of 1 with nothing else per channel (BatchNorm1d after a Linear, at batch 1; often a DataLoader's
// last batch) is PyTorch's ValueError there, at the first step of training.
void check_training_batch_norm(const LayerInfo& l, const Analysis& a, Diagnostics& diags) {
  const OpInfo& op = op_info(l.op);
  if (op.family != Family::batch_norm || !op.is_module() || l.input_ids.empty()) return;
  const Shape& x = a.input_shape(l, 0);
  if (x.size() < 2 || !one_value_per_channel(x)) return;
  warn(diags, l, op_span(l),
       fmt::format("in training mode {} raises \"Expected more than 1 value per channel when "
                   "training, got input size torch.Size({})\": its batch statistics need 2 or "
                   "more values per channel (netshape checks eval mode, where it runs)",
                   l.op_name, to_string(x)),
       "train with batches of 2 or more (`DataLoader(..., drop_last=True)` drops a last batch "
       "of 1)",
       "batch-norm-one-value");
}

// ---- 6. an index of constant values netshape does not know -----------------------------------

// `table[index]` with an index buffer __init__ computed (Swin's relative position index), or
// math of aranges in forward netshape does not follow (`pos[:, None] - pos[None, :] + T`): its
// values are the same at every run, and PyTorch raises at the first run if one is outside the
// dim. netshape cannot tell: it says so once, at the first such layer.
void check_unchecked_indices(const Analysis& a, Diagnostics& diags) {
  const LayerInfo* first = nullptr;
  size_t more = 0;
  for (const LayerInfo& l : a.layers) {
    if (op_info(l.op).family != Family::index || !l.attrs || !l.attrs->values_unchecked) continue;
    if (first) ++more;
    if (!first) first = &l;
  }
  if (!first) return;
  const Dim& d = a.input_shape(*first, 0)[static_cast<size_t>(first->attrs->dim)];
  std::string range =
      d.symbolic() ? fmt::format("[-{0}, {0})", to_string(d)) : fmt::format("[-{0}, {0})", d.value);
  warn(
      diags, *first, op_span(*first),
      fmt::format("netshape does not know the values of the index tensor `{}` reads (computed from "
                  "constants, not from the model's inputs), so it does not check them: PyTorch "
                  "raises `index ... is out of bounds` at the first run if one is outside {}{}",
                  first->name, range,
                  more == 0 ? "" : fmt::format(" (the same for {} more layers)", more)),
      "check the index's smallest and largest values once in PyTorch, or compute it with "
      "torch.arange moved by whole numbers, which netshape follows",
      "unchecked-index");
}

// ---- 7. a loss whose target has another shape than its input --------------------------------

// F.mse_loss(y, t) with y [B, 1] and t [B]: PyTorch broadcasts them to [B, B] and compares every
// prediction with every target (it warns "Using a target size ... that is different to the input
// size"); a regression head's classic mistake. Warned at the loss.
void check_loss_target(const LayerInfo& l, const Analysis& a, Diagnostics& diags) {
  if (op_info(l.op).family != Family::elementwise_loss || l.input_ids.size() != 2) return;
  const Shape &y = a.input_shape(l, 0), &t = a.input_shape(l, 1);
  if (y == t) return;
  std::string error;
  std::optional<Shape> both = broadcast_shapes(y, t, error);
  if (!both) return;
  bool squeezable = y.size() == t.size() + 1 && !y.empty() && y.back() == fixed(1) &&
                    Shape(y.begin(), y.end() - 1) == t;
  warn(diags, l, op_span(l),
       fmt::format("{}'s target {} has another shape than its input {}: PyTorch broadcasts them to "
                   "{}{} (and warns \"Using a target size that is different to the input size ... "
                   "This will likely lead to incorrect results due to broadcasting\")",
                   l.op_name, to_string(t), to_string(y), to_string(*both),
                   squeezable ? ", comparing every prediction with every target" : ""),
       squeezable ? fmt::format("give both one shape: `input.squeeze(-1)` makes the input {}, or "
                                "`target.unsqueeze(-1)` makes the target {}",
                                to_string(t), to_string(y))
                  : fmt::format("give the target the input's shape, {}", to_string(y)),
       "loss-target-shape");
}

}  // namespace

IntList floor_dropped_rows(const Analysis& a, const LayerInfo& l) {
  std::optional<Window> w = read_window(l);
  if (!w || w->ceil_mode || l.input_ids.empty()) return {};  // ceil_mode covers the end
  // A window moving one row at a time reads every row (most layers: no shape is read for them).
  if (std::all_of(w->stride.begin(), w->stride.end(), [](int64_t s) { return s == 1; })) return {};
  const Shape& x = a.input_shape(l, 0);
  size_t nd = w->kernel.size();
  for (const auto* v : {&w->stride, &w->dilation, &w->pad_begin, &w->pad_end})
    if (v->size() != nd) return {};
  if (nd == 0 || x.size() < nd) return {};
  IntList dropped(nd);
  for (size_t i = 0; i < nd; ++i) {
    auto d = dropped_rows(*w, i, x[x.size() - nd + i].value, w->pad_end[i]);
    if (!d) return {};
    dropped[i] = *d;
  }
  return dropped;
}

std::string floor_dropped_text(std::span<const int64_t> dropped) {
  return dropped_text(dropped);
}

// Layer by layer, so the warnings come in source order.
void warn_suspicious(const Graph& g, const Analysis& a, Diagnostics& diags) {
  std::vector<bool> used = used_tensors(g, a);
  std::vector<Layout> layouts(g.tensors.size());
  for (size_t k = 0; k < a.inputs.size(); ++k) layouts[a.input_ids[k]] = Layout{true, false, k};
  for (const LayerInfo& l : a.layers) {
    check_unbatched_flatten(l, a, layouts, diags);
    // a second result's row (a max pool's indices) has its first's window: warned there
    if (l.statement->extras().output_index == 0) check_floor(a, l, diags);
    check_unused(l, used, diags);
    check_batch_squeeze(l, a, diags);
    check_training_batch_norm(l, a, diags);
    check_loss_target(l, a, diags);
  }
  check_unchecked_indices(a, diags);
}

}  // namespace netshape
