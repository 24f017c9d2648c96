// The pipeline in one place: source -> frontend (.ns or .py) -> Program -> analysis.
#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "netshape/frontend.hpp"
#include "netshape/input_sizes.hpp"
#include "netshape/limits.hpp"
#include "netshape/op_table.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/python_frontend.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {

// A physical line longer than limits::kMaxLineBytes: an error at the first byte past the limit.
// Checked before either frontend runs, so no stage ever works on a line of unbounded length.
static bool check_line_lengths(const SourceFile& src, Diagnostics& diags) {
  for (int line = 1; line <= src.line_count(); ++line) {
    size_t length = src.line_text(line).size();
    if (length <= static_cast<size_t>(limits::kMaxLineBytes)) continue;
    diags.error(
        Span{line, limits::kMaxLineBytes + 1, 1},
        fmt::format("line {} is {} bytes long; netshape reads lines of at most {} bytes", line,
                    with_commas(static_cast<int64_t>(length)), with_commas(limits::kMaxLineBytes)),
        "break the line (inside brackets a statement may continue on the next line); "
        "docs/limits.md lists every limit");
    return false;
  }
  return true;
}

static bool looks_like_python(const SourceFile& src) {
  const std::string& p = src.path();
  return p.size() > 3 && p.compare(p.size() - 3, 3, ".py") == 0;
}

// Every --input option of `opts`, parsed; nullopt (reported) when one is not an input shape.
static std::optional<std::vector<InputOption>> input_options(const LoadOptions& opts,
                                                             Diagnostics& diags) {
  std::vector<InputOption> options;
  std::vector<std::string> texts;
  if (!opts.input_dims.empty()) texts.push_back(opts.input_dims);
  texts.insert(texts.end(), opts.more_inputs.begin(), opts.more_inputs.end());
  for (const std::string& text : texts) {
    std::string error;
    auto option = parse_input_option(text, error);
    if (!option) {
      diags.error(Span{}, error,
                  "write --input 1x28x28 or --input B,1,28,28; name an input and give its dtype "
                  "with --input ids=B,40:long");
      return std::nullopt;
    }
    options.push_back(std::move(*option));
  }
  return options;
}

// Sets the inputs `options` give. A dtype is for a .py model (its reader typed forward's inputs
// with it already); the model language has none.
static bool apply_input_override(Program& prog, const std::vector<InputOption>& options,
                                 bool python, Diagnostics& diags) {
  if (options.empty()) return true;
  if (prog.inputs.empty()) prog.inputs.push_back(InputDecl{"x", {}, Span{}});
  std::vector<std::string> names;
  for (const InputDecl& in : prog.inputs) names.push_back(in.name);
  std::string error, help;
  auto targets = input_option_targets(options, names, error, help);
  if (!targets) {
    diags.error(Span{}, error, help);
    return false;
  }
  for (size_t k = 0; k < options.size(); ++k) {
    if (!options[k].dtype.empty() && !python) {
      diags.error(Span{},
                  fmt::format("--input '{}': the model language has no dtypes", options[k].text),
                  "give the shape alone; a dtype is for the inputs of a .py model");
      return false;
    }
    prog.inputs[(*targets)[k]].dims = options[k].dims;
  }
  return true;
}

// One input shape as --input text ("1,16,16"), for the first input.
static bool apply_input_override(Program& prog, const std::string& dims_text, Diagnostics& diags) {
  LoadOptions one;
  one.input_dims = dims_text;
  auto options = input_options(one, diags);
  return options && apply_input_override(prog, *options, false, diags);
}

// The declared shape of every input, the first one's spatial dims grown by `grow`, except those
// `kept` at their size (bit i: spatial dim i); nullopt when a grown dim leaves int64.
static std::optional<std::vector<Shape>> grown_inputs(const Graph& g, int64_t grow, uint64_t kept) {
  size_t spatial = g.inputs.empty() ? 0 : spatial_axis_count(declared_shape(*g.inputs[0].decl));
  return resized_inputs(g, spatial, [grow, kept](size_t axis, int64_t declared) {
    return (kept >> axis) & 1 ? std::optional<int64_t>(declared) : checked_add(declared, grow);
  });
}

// Index of the first failing layer when the spatial dims of the first input grow by `grow` (but
// those `kept`). Inference is pure: it reruns on the same graph with other input shapes.
// Only whether it fails at or before layer `failing` matters, so the probe stops after it.
static size_t first_failure(const Graph& g, int64_t grow, size_t failing, uint64_t kept = 0) {
  auto shapes = grown_inputs(g, grow, kept);
  if (!shapes) return 0;  // no larger input exists: as if the first layer failed
  Diagnostics scratch;
  AnalyzeOptions probe;
  probe.input_shapes = &*shapes;
  probe.probe = true;
  probe.stop_after = failing;
  Analysis a = analyze(g, scratch, probe);
  bool passed = a.ok || (!scratch.has_errors() && a.layers.size() > failing);
  if (passed) return SIZE_MAX;
  return a.layers.empty() ? 0 : a.layers.size() - 1;
}

// When a layer's window does not fit, find by bisection the smallest input (growing every spatial
// dim by the same amount) that gets past that layer, and say it in a note. A dim that needs no
// growth keeps its size (a video's 16 frames, when only its height and width are too small): one
// more probe per dim, made only when there are several.
static void suggest_smallest_input(const Graph& g, Diagnostic& d, size_t failing) {
  if (g.inputs.empty() || spatial_axis_count(declared_shape(*g.inputs[0].decl)) == 0) return;
  int64_t lo = 0, hi = 1;
  while (first_failure(g, hi, failing) <= failing) {
    if (hi > 8192) return;
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    (first_failure(g, mid, failing) <= failing ? lo : hi) = mid;
  }
  const InputDecl& in = *g.inputs[0].decl;
  size_t spatial_axes = spatial_axis_count(declared_shape(in));
  uint64_t kept = 0;
  for (size_t axis = 0; spatial_axes > 1 && axis < spatial_axes && axis < 64; ++axis) {
    uint64_t also = kept | (uint64_t{1} << axis);
    if (first_failure(g, hi, failing, also) > failing) kept = also;
  }
  std::string dims;
  for (size_t i = 0; i < in.dims.size(); ++i) {
    bool spatial = i >= in.dims.size() - spatial_axes;
    bool grown = spatial && !((kept >> (i - (in.dims.size() - spatial_axes))) & 1);
    std::string v = in.dims[i].symbol.empty() ? std::to_string(in.dims[i].value + (grown ? hi : 0))
                                              : in.dims[i].symbol;
    dims += (i ? ", " : "") + v;
  }
  d.notes.push_back(fmt::format("the smallest input that gets past {} is [{}]", d.layer, dims));
}

// The value written for `param` of `op` in `st` (by keyword or by position), if any.
static const Value* argument(const Statement& st, const OpInfo& op, std::string_view param) {
  return written_argument(st.args, op, param);
}

// The first argument written for `op` when it is of `family` (pixel_shuffle's factor,
// channel_shuffle's groups, affine_grid's size); null otherwise.
static const Value* first_argument_in(const Statement& st, const OpInfo& op, Family family) {
  return op.family == family && !op.params.empty() ? argument(st, op, op.params[0].name) : nullptr;
}

// That argument as an int in [1, most]; nullopt when it is none.
static std::optional<int64_t> first_int_in(const Statement& st, const OpInfo& op, Family family,
                                           int64_t most) {
  const Value* v = first_argument_in(st, op, family);
  if (v && v->kind == Value::Kind::Int && v->i > 0 && v->i <= most) return v->i;
  return std::nullopt;
}

// An input fold takes: one plane of kh*kw rows and the blocks its output_size has, when its
// arguments are ints or pairs of ints (written, or PyTorch's defaults); "" otherwise.
static std::string fold_input(const Statement& layer, const OpInfo& op) {
  std::array<std::array<int64_t, 2>, 5> pairs{};  // output_size, kernel, dilation, padding, stride
  for (size_t i = 0; i < pairs.size() && i < op.params.size(); ++i) {
    const Value* v = argument(layer, op, op.params[i].name);
    if (!v) v = &op.params[i].default_value;
    if (v->kind == Value::Kind::Int) {
      pairs[i] = {v->i, v->i};
    } else if (v->is_sequence() && v->items.size() == 2 && v->items[0].kind == Value::Kind::Int &&
               v->items[1].kind == Value::Kind::Int) {
      pairs[i] = {v->items[0].i, v->items[1].i};
    } else {
      return "";
    }
  }
  Checked taps = Checked(pairs[1][0]) * pairs[1][1], blocks = 1;
  for (size_t d = 0; d < 2; ++d) {
    auto n = conv_output_size(pairs[0][d], pairs[1][d], pairs[4][d], pairs[3][d], pairs[2][d]);
    if (!n || *n < 1) return "";
    blocks = blocks * *n;
  }
  if (!taps.ok() || !blocks.ok()) return "";
  return fmt::format("1,{},{}", *taps.get(), *blocks.get());
}

// A layer's parameters do not depend on its input, so any input the layer accepts will do: its
// family says which argument sizes the input (ops.def's family table), else generic shapes are
// tried in turn.
std::vector<std::string> inputs_that_fit(const Statement& layer) {
  std::vector<std::string> candidates;
  std::optional<OpId> id = find_op(layer.op);
  int nd = id ? op_info(*id).spatial_dims : 0;
  auto spatial = [](int n) {
    std::string dims;
    for (int i = 0; i < n; ++i) dims += ",16";
    return dims;
  };
  if (id) {
    const OpInfo& op = op_info(*id);
    const FamilyInfo& family = family_info(op.family);
    const Value* size = family.feature_axis == FeatureAxis::None
                            ? nullptr
                            : argument(layer, op, family.feature_param);
    std::string features;  // "32", or "4,8" for LayerNorm((4, 8))
    if (size && size->kind == Value::Kind::Int) features = std::to_string(size->i);
    if (size && size->is_sequence()) {
      for (const Value& v : size->items)
        if (v.kind == Value::Kind::Int)
          features += (features.empty() ? "" : ",") + std::to_string(v.i);
    }
    if (!features.empty() && family.feature_axis == FeatureAxis::Channel)
      candidates.push_back("1," + features + spatial(std::max(nd, 1)));
    if (!features.empty() && family.feature_axis == FeatureAxis::Last)
      candidates.push_back("1," + features);
    // pixel_shuffle and its inverse: r*r channels, a side of a multiple of r fit both
    if (auto r = first_int_in(layer, op, Family::pixel_shuffle, 64)) {
      std::string r2 = std::to_string(*r * *r), side = std::to_string(*r * 4);
      candidates.push_back(fmt::format("1,{},{},{}", r2, side, side));
    }
    // channel_shuffle: a multiple of its groups as channels
    if (auto groups = first_int_in(layer, op, Family::channel_shuffle, 1024))
      candidates.push_back(fmt::format("1,{},4,4", 2 * *groups));
    // affine_grid's theta: one 2x3 (3x4) matrix per sample of a 4-D (5-D) size
    const Value* grid_size = first_argument_in(layer, op, Family::affine_grid);
    if (grid_size && grid_size->is_sequence() && !grid_size->items.empty() &&
        grid_size->items[0].kind == Value::Kind::Int) {
      bool volume = grid_size->items.size() == 5;
      candidates.push_back(fmt::format("{},{}", grid_size->items[0].i, volume ? "3,4" : "2,3"));
    }
    if (op.family == Family::fold) {
      std::string blocks = fold_input(layer, op);
      if (!blocks.empty()) candidates.push_back(blocks);
    }
    // grid_sample of the input at itself: a 4-D tensor whose last dim holds (x, y)
    if (op.family == Family::grid_sample) candidates.push_back("1,16,16,2");
  }
  if (nd > 0) candidates.push_back("1,1" + spatial(nd));
  for (const char* generic : {"1,16,16,16", "1,16,16", "1,16", "16"}) candidates.push_back(generic);
  return candidates;
}

// What the Python reader asks when forward computes with a size: the shape of one tensor after
// the statements read so far, by the same lowering and inference as the whole model, with the
// same inputs (the file's, then --input).
static ShapeAnswer shape_after(const Program& partial, const std::string& tensor,
                               const std::vector<InputOption>& input_options, bool in_init) {
  ShapeAnswer answer;
  Program p = partial;
  Diagnostics diags;
  if (!in_init && !apply_input_override(p, input_options, true, diags)) {
    answer.error = diags.items().front();
    return answer;
  }
  p.outputs.clear();
  Graph g = lower(std::move(p));
  AnalyzeOptions probe;
  probe.probe = true;        // no weight tensors: only shapes are wanted
  probe.training = in_init;  // a module run in __init__ is in training mode
  Analysis a = analyze(g, diags, probe);
  for (const auto& [name, shape] : a.inputs)
    if (name == tensor) answer.shape = shape;
  for (const LayerInfo& l : a.layers)
    if (l.name == tensor && l.output) answer.shape = *l.output;
  if (diags.has_errors()) {
    answer.shape.reset();
    answer.error = diags.items().front();
  } else if (!answer.shape) {
    answer.error.message = "netshape cannot tell the shape of `" + tensor + "` here";
  }
  return answer;
}

Shape declared_shape(const InputDecl& in) {
  Shape s;
  for (const InputDim& d : in.dims)
    s.push_back(d.symbol.empty() ? fixed(d.value) : Dim::of_symbol(1, d.symbol));
  return s;
}

std::optional<std::vector<Shape>> resized_inputs(
    const Graph& g, size_t spatial,
    const std::function<std::optional<int64_t>(size_t, int64_t)>& resize) {
  std::vector<Shape> shapes;
  for (size_t k = 0; k < g.inputs.size(); ++k) {
    Shape s = declared_shape(*g.inputs[k].decl);
    size_t varied = k == 0 ? std::min(spatial, s.size()) : 0;
    for (size_t i = s.size() - varied; i < s.size(); ++i) {
      auto value = resize(i - (s.size() - varied), s[i].value);
      if (!value) return std::nullopt;
      s[i] = fixed(*value);
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

// The frontend for the file's language, then --input.
static std::optional<Program> parse_program(
    const SourceFile& src, const LoadOptions& opts, Diagnostics& diags,
    std::vector<std::shared_ptr<const SourceFile>>* imported) {
  std::optional<Program> prog;
  if (!check_line_lengths(src, diags)) return std::nullopt;
  auto inputs = input_options(opts, diags);
  if (!inputs) return std::nullopt;
  bool python = looks_like_python(src);
  if (python) {
    PythonOptions py;
    py.model = opts.model;
    py.args = opts.args;
    py.paths = opts.paths;
    py.inputs = *inputs;
    py.imported = imported;
    py.shape_of = [&inputs](const Program& partial, const std::string& tensor, bool in_init) {
      return shape_after(partial, tensor, *inputs, in_init);
    };
    prog = parse_python(src, py, diags);
  } else {
    prog = parse_ns(src, diags);
  }
  if (prog && !apply_input_override(*prog, *inputs, python, diags)) return std::nullopt;
  return prog;
}

std::optional<std::array<int64_t, 3>> attention_widths(const Statement& layer) {
  std::optional<OpId> id = find_op(layer.op);
  if (!id || op_info(*id).family != Family::attention) return std::nullopt;
  const OpInfo& op = op_info(*id);
  const Value* embed = argument(layer, op, "embed_dim");
  if (!embed || embed->kind != Value::Kind::Int) return std::nullopt;
  auto width = [&](std::string_view param) {
    const Value* v = argument(layer, op, param);
    return v && v->kind == Value::Kind::Int ? v->i : embed->i;
  };
  return std::array<int64_t, 3>{embed->i, width("kdim"), width("vdim")};
}

// `layer` of `model` alone, applied to the inputs `p` declares (all of them, in order), with the
// model's value origins, so an error about an argument points at the call that passed it.
static Analysis analysis_alone(Program p, const Program& model, const Statement& layer,
                               Diagnostics& diags) {
  p.origins = model.origins;
  Statement alone = layer;
  alone.inputs.clear();
  alone.input_spans.clear();
  for (const InputDecl& in : p.inputs) {
    alone.inputs.push_back(in.name);
    alone.input_spans.push_back(layer.span);
  }
  alone.inputs_explicit = true;
  alone.module = -1;
  p.model_name = layer.name;
  p.statements = {alone};
  Graph g = lower(std::move(p));
  return analyze(g, diags, AnalyzeOptions{});
}

// The totals of `layer` of `model` alone, applied to the inputs `p` declares; nullopt on an error.
static std::optional<Totals> totals_alone(Program p, const Program& model, const Statement& layer) {
  Diagnostics diags;
  Analysis a = analysis_alone(std::move(p), model, layer, diags);
  if (a.ok && !diags.has_errors()) return a.totals;
  return std::nullopt;
}

// nn.MultiheadAttention alone: applied to a query, key and value of its widths, [1, width] each.
static std::optional<Totals> attention_totals(const Program& model, const Statement& layer,
                                              const std::array<int64_t, 3>& widths) {
  Program p;
  const char* names[] = {"query", "key", "value"};
  for (size_t i = 0; i < 3; ++i) {
    InputDecl in;
    in.name = names[i];
    in.dims = {InputDim{1, "", layer.span}, InputDim{widths[i], "", layer.span}};
    in.span = layer.span;
    p.inputs.push_back(std::move(in));
  }
  return totals_alone(std::move(p), model, layer);
}

// The parameters of one layer alone, with the first input it accepts; nullopt when none fits.
static std::optional<Totals> layer_totals(const Program& model, const Statement& layer) {
  if (auto widths = attention_widths(layer)) return attention_totals(model, layer, *widths);
  for (const std::string& dims : inputs_that_fit(layer)) {
    Program p;
    Diagnostics diags;
    if (!apply_input_override(p, dims, diags)) continue;
    if (auto totals = totals_alone(std::move(p), model, layer)) return totals;
  }
  return std::nullopt;
}

// What PyTorch raises while building `layer` (a TypeError of its arguments, Dropout's p outside
// [0, 1], Conv2d's groups not dividing in_channels), or nullopt when it builds. Rules make those
// checks before they read the input, so the inputs that fit it show them.
static std::optional<Diagnostic> construction_error(const Program& model, const Statement& layer) {
  for (const std::string& dims : inputs_that_fit(layer)) {
    Program p;
    Diagnostics diags;
    if (!apply_input_override(p, dims, diags)) continue;
    Analysis a = analysis_alone(std::move(p), model, layer, diags);
    if (a.ok && !diags.has_errors()) return std::nullopt;
    for (const Diagnostic& d : diags.items())
      if (d.severity == Severity::Error && d.at_construction) return d;
  }
  return std::nullopt;
}

// The model is never built: `built` is its error, and there is no output.
static void fail_construction(LoadedModel& m, Diagnostic built) {
  m.diags.add(std::move(built));
  m.analysis.ok = false;
  m.analysis.outputs.clear();
  m.analysis.output_ids.clear();
  m.analysis.output_steps.clear();
}

// PyTorch builds every module __init__ registers, applied or not: what it raises while building
// a weightless one forward never applies is the model's error (count_unapplied checks those with
// weights); nothing else about such a layer is.
static void check_unapplied_construction(LoadedModel& m) {
  const Program& model = m.graph->program();
  for (const Statement& layer : model.unapplied_weightless) {
    if (auto built = construction_error(model, layer))
      return fail_construction(m, std::move(*built));
  }
}

// Layers with weights the model registers but forward never applies have no rows; their
// parameters count in the total as model.parameters() counts them, and a warning per module
// (the auxiliary head, not each of its layers) says so. A layer netshape cannot count is an
// error, never a smaller total.
static void count_unapplied(LoadedModel& m) {
  const Program& model = m.graph->program();
  const std::vector<UnappliedLayer>& unapplied = model.unapplied;
  for (size_t i = 0; i < unapplied.size();) {
    const UnappliedLayer& group = unapplied[i];
    int64_t params = 0, trainable = 0, layers = 0;
    bool all_read = true;  // each read as a tensor in forward: used, and its row says so
    for (; i < unapplied.size() && unapplied[i].module == group.module; ++i, ++layers) {
      all_read = all_read && unapplied[i].tensors_read;
      const Statement& layer = unapplied[i].layer;
      std::optional<Totals> t = layer_totals(model, layer);
      if (!t) {
        if (auto built = construction_error(model, layer))
          return fail_construction(m, std::move(*built));
        Diagnostic& d =
            m.diags.error(layer.span,
                          "netshape cannot count the parameters of `" + layer.name +
                              "`, which forward never applies (model.parameters() counts them)",
                          "check the layer's arguments");
        d.code = "uncountable";  // what netshape cannot read, not a shape error: exit 2
        return;
      }
      Totals& total = m.analysis.totals;
      total.params += t->params;
      total.trainable_params += t->trainable_params;
      total.non_trainable_params += t->non_trainable_params;
      params += t->params;
      trainable += t->trainable_params;
    }
    m.analysis.unapplied.push_back(
        UnappliedModule{group.module, group.module_kind, params, trainable});
    if (all_read) continue;
    Diagnostic& d = m.diags.warning(
        group.module_span,
        fmt::format("`{}` ({}) is never {} in forward: its {}{} {} no row but {} in the total, "
                    "as model.parameters() counts them",
                    group.module, group.module_kind,
                    group.module_kind == "nn.Parameter" ? "read" : "applied",
                    params == 1 ? "1 parameter" : with_commas(params) + " parameters",
                    layers > 1 ? fmt::format(" (in {} layers)", layers) : "",
                    params == 1 ? "has" : "have", params == 1 ? "counts" : "count"),
        "nothing to fix if it is only used in training (an auxiliary head); else apply it in "
        "forward or remove it");
    d.code = "unapplied-module";
  }
}

void load_model(LoadedModel& m, const LoadOptions& opts) {
  auto program = parse_program(m.source, opts, m.diags, &m.imported);
  if (!program) {
    m.exit = ExitCode::UsageOrParse;
    return;
  }
  m.graph.emplace(lower(std::move(*program)));
  m.program = &m.graph->program();
  AnalyzeOptions analyze_options;
  analyze_options.explain = opts.explain;
  m.analysis = analyze(*m.graph, m.diags, analyze_options);
  m.analysis.files.push_back(m.source.path());
  for (const auto& f : m.imported) m.analysis.files.push_back(f->path());
  const Program& read = m.graph->program();
  bool stopped = read.stopped_at.valid() || !read.stop_error.message.empty();
  if (stopped && !m.diags.has_errors()) {
    // The reader stopped at an error the statements so far gave; inference must give it too
    // (an error with no position is still the model's error, never dropped).
    Diagnostic d = read.stop_error;
    if (!d.span.valid()) d.span = read.stopped_at;
    m.diags.add(std::move(d));
    m.analysis.ok = false;  // the model fails there: no output, no totals
  }
  // A forward that computed with sizes holds numbers of these input shapes: no other is tried.
  bool fixed_shapes = read.sizes_read_at.valid();
  for (Diagnostic& d : m.diags.items()) {
    if (d.code == "input-too-small" && !fixed_shapes)
      suggest_smallest_input(*m.graph, d, m.analysis.layers.size() - 1);
  }
  if (!m.diags.has_errors()) check_unapplied_construction(m);
  if (!m.diags.has_errors()) count_unapplied(m);
  if (!m.diags.has_errors()) {
    warn_suspicious(*m.graph, m.analysis, m.diags);
    m.exit = ExitCode::Ok;
    return;
  }
  // Everything found by inference is a shape error, except what makes the file unreadable.
  bool unreadable = m.analysis.inputs.empty();  // no input shape: a usage problem
  for (const Diagnostic& d : m.diags.items())
    unreadable |= d.code == "unknown-op" || d.code == "uncountable" || d.code == "unsupported";
  m.exit = unreadable ? ExitCode::UsageOrParse : ExitCode::ShapeError;
}

static SourceSet files_of(const LoadedModel& m) {
  SourceSet files{&m.source};
  for (const auto& f : m.imported) files.push_back(f.get());
  return files;
}

std::string render_diagnostics(const LoadedModel& m) {
  return render_diagnostics(m.diags, files_of(m));
}

std::string render_diagnostic(const LoadedModel& m, const Diagnostic& d) {
  return render_diagnostic(d, files_of(m));
}

}  // namespace netshape
