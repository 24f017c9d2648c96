// Shape rules for nn.RNN, nn.LSTM, nn.GRU and the cells nn.RNNCell, nn.GRUCell, nn.LSTMCell,
// following PyTorch 1.13's RNNBase.__init__ (RNNCellBase.__init__) and each module's forward
// check by check, in their order, with their messages.
#include <mutex>
#include <set>

#include "netshape/limits.hpp"
#include "netshape/shape_rules.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

struct Recurrent {
  OpKind kind = OpKind::lstm;
  int64_t input = 0, hidden = 0, layers = 1, proj = 0;
  bool bias = true, batch_first = false, bidirectional = false, relu = false;
  int64_t directions() const { return bidirectional ? 2 : 1; }
  int64_t gates() const { return recurrent_gates(kind); }
  int64_t hidden_out() const { return proj > 0 ? proj : hidden; }  // h's size: proj_size or H
  const char* module() const {
    return kind == OpKind::lstm ? "LSTM" : kind == OpKind::gru ? "GRU" : "RNN";
  }
};

// A weight's name (`weight_ih_l1_reverse`), kept for the program's life: a layer keeps a view of
// its weights' names, and a recurrent layer's depend on its number of layers.
std::string_view kept_name(std::string name) {
  static std::mutex guard;
  static std::set<std::string, std::less<>> names;
  std::lock_guard<std::mutex> lock(guard);
  return *names.insert(std::move(name)).first;
}

// Python's truth value of an argument (`if bias:`, `2 if bidirectional else 1`).
bool truthy(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Bool:
      return v.b;
    case Value::Kind::Int:
      return v.i != 0;
    case Value::Kind::Float:
      return v.f != 0;
    case Value::Kind::None:
      return false;
    default:
      return !v.s.empty() || !v.items.empty();
  }
}

// The function forward hands the layer to (_VF.lstm, gru, rnn_tanh, rnn_relu), for its messages.
const char* vf_function(const Recurrent& r) {
  return r.kind == OpKind::lstm  ? "lstm"
         : r.kind == OpKind::gru ? "gru"
         : r.relu                ? "rnn_relu"
                                 : "rnn_tanh";
}

// _VF's argument parsing, which forward reaches after its own checks: has_biases, num_layers,
// bidirectional and batch_first must be a bool, an int and two bools (the constructor reads
// them as Python's `if` does, so 1 and 0 build a layer that cannot run).
bool check_vf_types(RuleContext& ctx, const Recurrent& r) {
  for (const char* param : {"bias", "num_layers", "bidirectional", "batch_first"}) {
    const Value& v = ctx.value(param);
    bool integer = std::string_view(param) == "num_layers";
    if (integer ? v.kind == Value::Kind::Int : v.kind == Value::Kind::Bool) continue;
    return ctx.fail_at(
        param,
        fmt::format("{}() received an invalid combination of arguments: {} must "
                    "be {}, not {}",
                    vf_function(r), param, integer ? "an int" : "a bool", to_source(v)),
        integer ? fmt::format("write {}=2", param)
                : fmt::format("write {}=True or {}=False", param, param));
  }
  return true;
}

// RNN.__init__ (nonlinearity, proj_size), then RNNBase.__init__'s checks in order: dropout,
// proj_size, then the weights' sizes (torch.empty's negative dimension) and num_layers (an empty
// list of weights fails flatten_parameters).
bool read_constructor(RuleContext& ctx, Recurrent& r) {
  if (r.kind != OpKind::lstm && ctx.is_given("proj_size")) {
    bool by_keyword = std::any_of(ctx.st.args.begin(), ctx.st.args.end(),
                                  [](const Arg& a) { return a.keyword == "proj_size"; });
    if (by_keyword) {
      return ctx.fail_at_construction(
          "proj_size", "proj_size argument is only supported for LSTM, not RNN or GRU",
          "remove proj_size, or use nn.LSTM");
    }
    if (truthy(ctx.value("proj_size"))) {  // PyTorch builds projected weights its forward misreads
      return ctx.fail_unsupported("proj_size",
                                  "netshape does not follow an RNN or GRU given a proj_size by "
                                  "position (PyTorch builds projected weights it cannot run)",
                                  "remove the eighth argument, or use nn.LSTM");
    }
  }
  if (r.kind == OpKind::rnn) {
    const Value& nonlinearity = ctx.value("nonlinearity");
    bool known = nonlinearity.kind == Value::Kind::String &&
                 (nonlinearity.s == "tanh" || nonlinearity.s == "relu");
    if (!known) {
      return ctx.fail_at_construction(
          "nonlinearity",
          fmt::format("Unknown nonlinearity '{}'", nonlinearity.kind == Value::Kind::String
                                                       ? nonlinearity.s.str()
                                                       : to_source(nonlinearity)),
          "use nonlinearity='tanh' or nonlinearity='relu'");
    }
    r.relu = nonlinearity.s == "relu";
  }
  // `?`: the input's features (its last dim)
  bool inferred = ctx.is_infer("input_size") && !ctx.x().empty();
  auto input = inferred ? ctx.size_or_inferred("input_size", ctx.x().back())
                        : ctx.int_arg("input_size", INT64_MIN);
  auto hidden = input ? ctx.int_arg("hidden_size", INT64_MIN) : std::nullopt;
  auto layers = hidden ? ctx.int_arg("num_layers", INT64_MIN) : std::nullopt;
  if (!layers) return false;
  const Value& dropout = ctx.value("dropout");
  if (dropout.kind == Value::Kind::None) {  // its float(dropout) comes first
    return ctx.fail_at("dropout",
                       "float() argument must be a string or a real number, not 'NoneType'",
                       "use a dropout between 0 and 1, e.g. dropout=0.2");
  }
  bool number = dropout.kind == Value::Kind::Int || dropout.kind == Value::Kind::Float;
  double p = dropout.kind == Value::Kind::Int ? static_cast<double>(dropout.i) : dropout.f;
  if (!number || !(p >= 0 && p <= 1)) {
    return ctx.fail_at_construction(
        "dropout",
        "dropout should be a number in range [0, 1] representing the probability "
        "of an element being zeroed",
        "use a dropout between 0 and 1, e.g. dropout=0.2");
  }
  auto proj = r.kind == OpKind::lstm ? ctx.int_arg("proj_size", INT64_MIN) : int64_t{0};
  if (!proj) return false;
  if (*proj < 0) {
    return ctx.fail_at_construction(
        "proj_size", "proj_size should be a positive integer or zero to disable projections",
        "use proj_size=0 (no projection) or a positive size below hidden_size");
  }
  if (*proj >= *hidden) {
    bool projecting = *proj > 0;
    return ctx.fail_at_construction(
        projecting ? "proj_size" : "hidden_size", "proj_size has to be smaller than hidden_size",
        projecting ? "use a proj_size below hidden_size" : "use a hidden_size of 1 or more");
  }
  // 4 * hidden_size (an LSTM's weights' rows) must fit in int64, as PyTorch's sizes do
  if (*hidden > INT64_MAX / 4) return ctx.fail_overflow("hidden_size", "4 * hidden_size");
  if (*layers >= 1 && *input < 0) {
    return ctx.fail_at_construction(
        "input_size",
        fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]", *input,
                    recurrent_gates(r.kind) * *hidden, *input),
        "use a positive input_size");
  }
  if (*layers >= 1 && *proj > 0 && ctx.value("proj_size").kind == Value::Kind::Bool) {
    return ctx.fail_at_construction(
        "proj_size",
        "empty() received an invalid combination of arguments - got (tuple, "
        "dtype=NoneType, device=NoneType), but expected one of:",
        "use an int proj_size");
  }
  if (*layers < 1) {
    return ctx.fail_at_construction("num_layers", "list index out of range",
                                    "use num_layers=1 or more");
  }
  if (*layers > limits::kMaxRecurrentLayers) {
    return ctx.fail_unsupported("num_layers",
                                fmt::format("num_layers={} is more than netshape analyses ({})",
                                            *layers, with_commas(limits::kMaxRecurrentLayers)),
                                "use fewer layers (docs/limits.md lists every limit)");
  }
  r.input = *input;
  r.hidden = *hidden;
  r.layers = *layers;
  r.proj = *proj;
  r.bias = truthy(ctx.value("bias"));
  r.batch_first = truthy(ctx.value("batch_first"));
  r.bidirectional = truthy(ctx.value("bidirectional"));
  return true;
}

// PyTorch's parameters, in named_parameters() order, each layer's and direction's together.
bool add_recurrent_weights(RuleContext& ctx, const Recurrent& r) {
  const int64_t g = r.gates() * r.hidden;
  for (int64_t layer = 0; layer < r.layers; ++layer) {
    for (int64_t direction = 0; direction < r.directions(); ++direction) {
      const char* suffix = direction == 1 ? "_reverse" : "";
      auto name = [&](const char* what) {
        return kept_name(fmt::format("{}_l{}{}", what, layer, suffix));
      };
      int64_t in = recurrent_layer_input(layer, r.input, r.directions(), r.hidden_out());
      bool ok = ctx.add_weight(name("weight_ih"), {g, in}) &&
                ctx.add_weight(name("weight_hh"), {g, r.hidden_out()});
      if (ok && r.bias)
        ok = ctx.add_weight(name("bias_ih"), {g}) && ctx.add_weight(name("bias_hh"), {g});
      if (ok && r.proj > 0) ok = ctx.add_weight(name("weight_hr"), {r.proj, r.hidden});
      if (!ok) return false;
    }
  }
  return true;
}

// The matrix products of every layer and direction at every step: x by weight_ih, h by
// weight_hh, and an LSTM's projection.
bool add_recurrent_macs(RuleContext& ctx, const Recurrent& r, int64_t steps, int64_t batch) {
  const int64_t g = r.gates() * r.hidden;
  for (int64_t layer = 0; layer < r.layers; ++layer) {
    int64_t in = recurrent_layer_input(layer, r.input, r.directions(), r.hidden_out());
    for (int64_t direction = 0; direction < r.directions(); ++direction) {
      if (!ctx.add_macs({steps, batch, g, in}) || !ctx.add_macs({steps, batch, g, r.hidden_out()}))
        return false;
      if (r.proj > 0 && !ctx.add_macs({steps, batch, r.hidden, r.proj})) return false;
    }
  }
  return true;
}

// "(2, 4, 64)": the expected size as PyTorch prints its tuple (a symbolic batch by its name).
std::string size_tuple(int64_t layers, const Dim& batch, int64_t size) {
  return fmt::format("({}, {}, {})", layers, to_string(batch), size);
}

// The hidden state given to forward (h0, and c0 for an LSTM): its rank against the input's,
// which forward checks before the input itself.
bool check_hidden_ranks(RuleContext& ctx, const Recurrent& r, bool batched) {
  size_t given = ctx.in().size() - 1;
  size_t wanted = r.kind == OpKind::lstm ? 2 : 1;
  if (given == 0) return true;
  if (given != wanted) {
    return ctx.fail_input_unsupported(
        fmt::format("{} takes its input and {}; netshape was given {} tensors", r.module(),
                    wanted == 2 ? "a tuple (h0, c0)" : "h0", given + 1),
        wanted == 2 ? "call it as lstm(x) or lstm(x, (h0, c0))"
                    : "call it as rnn(x) or rnn(x, h0)");
  }
  size_t rank = batched ? 3 : 2;
  const Shape& h0 = ctx.in()[1];
  if (wanted == 1 && h0.size() != rank) {
    return ctx.fail_input(
        fmt::format("For {} {}-D input, hx should also be {}-D but got {}-D tensor",
                    batched ? "batched" : "unbatched", rank, rank, h0.size()),
        fmt::format("give h0 as [num_layers * num_directions, {}hidden_size]",
                    batched ? "batch, " : ""));
  }
  if (wanted == 2 && (h0.size() != rank || ctx.in()[2].size() != rank)) {
    return ctx.fail_input(
        fmt::format("For {} {}-D input, hx and cx should also be {}-D but got ({}-D, {}-D) tensors",
                    batched ? "batched" : "unbatched", rank, rank, h0.size(), ctx.in()[2].size()),
        fmt::format("give h0 and c0 as [num_layers * num_directions, {}hidden_size]",
                    batched ? "batch, " : ""));
  }
  return true;
}

// Which result a recurrent layer's row gives (StatementExtras::output_index): its output, h_n,
// or an LSTM's c_n.
RecurrentResult recurrent_result(const RuleContext& ctx) {
  switch (ctx.st.extras().output_index) {
    case 1:
      return RecurrentResult::hidden;
    case 2:
      return RecurrentResult::cell;
    default:
      return RecurrentResult::output;
  }
}

// The row's shape: the output [L, N, D*H_out] (the input's layout), or a final state
// [D*num_layers, N, H_out] (c_n: hidden_size), without N when the input is unbatched.
Shape recurrent_output(const RuleContext& ctx, const Recurrent& r, bool batched, const Dim& batch) {
  if (ctx.attrs.recurrent_result == RecurrentResult::output) {
    Shape out = ctx.x();
    out.back() = fixed(r.directions() * r.hidden_out());
    return out;
  }
  const int64_t size =
      ctx.attrs.recurrent_result == RecurrentResult::cell ? r.hidden : r.hidden_out();
  Shape state = {fixed(r.layers * r.directions()), batch, fixed(size)};
  if (!batched) state.erase(state.begin() + 1);
  return state;
}

// The given state's sizes against the expected ones (check_forward_args, after check_input).
bool check_hidden_sizes(RuleContext& ctx, const Recurrent& r, bool batched, const Dim& batch) {
  const int64_t stacked = r.layers * r.directions();
  const size_t given = ctx.in().size() - 1;
  for (size_t k = 1; k <= given; ++k) {
    Shape h = ctx.in()[k];
    if (!batched) h.insert(h.begin() + 1, fixed(1));
    int64_t size = k == 2 ? r.hidden : r.hidden_out();
    Shape expected = {fixed(stacked), batch, fixed(size)};
    if (h == expected) continue;
    std::string which = given == 1 ? "hidden" : k == 1 ? "hidden[0]" : "hidden[1]";
    return ctx.fail_input(fmt::format("Expected {} size {}, got {}", which,
                                      size_tuple(stacked, batch, size), shape_list(h)),
                          fmt::format("{} is {}: [num_layers * num_directions, batch, {}]",
                                      k == 2 ? "c0" : "h0", size_tuple(stacked, batch, size),
                                      k == 2 || r.proj == 0 ? "hidden_size" : "proj_size"));
  }
  return true;
}

// check_input: the input, unsqueezed when unbatched, must be 3-D with input_size features.
bool check_input(RuleContext& ctx, const Recurrent& r, const Shape& x) {
  if (x.size() != 3) {
    return ctx.fail_input(
        fmt::format("input must have 3 dimensions, got {}", x.size()),
        fmt::format(
            "{} reads {}: flatten or reshape the input to that", r.module(),
            r.batch_first ? "[batch, sequence, input_size]" : "[sequence, batch, input_size]"));
  }
  if (!x[2].symbolic() && x[2].value == r.input) return true;
  return ctx.fail_at("input_size",
                     fmt::format("input.size(-1) must be equal to input_size. Expected {}, got {}",
                                 r.input, to_string(x[2])),
                     fmt::format("{} receives {} features; use {}", ctx.name(), to_string(x[2]),
                                 ctx.call_with("input_size", to_string(x[2]))));
}

}  // namespace

// input [L, N, H_in] ([N, L, H_in] with batch_first; unbatched [L, H_in]), optional h0 (and c0)
// [D*num_layers, N, H_out] -> [L, N, D*H_out] ([N, L, D*H_out]; [L, D*H_out]); the row of the
// final hidden state h_n: [D*num_layers, N, H_out] ([D*num_layers, H_out]); of an LSTM's c_n:
// [D*num_layers, N, H] (no products of their own).
// params: per layer and direction G*H*in + G*H*H_out (+ 2*G*H) (+ proj*H)
// MACs: N*L*(G*H*in + G*H*H_out (+ H*proj)) per layer and direction
bool infer_recurrent(RuleContext& ctx) {
  Recurrent r;
  r.kind = ctx.op.kind;
  if (!read_constructor(ctx, r)) return false;
  // forward: an input that is not 3-D is unbatched (unsqueezed at the batch dim), then the
  // state's rank, check_input, the state's sizes, and _VF's argument types
  Shape x = ctx.x();
  const bool batched = x.size() == 3;
  if (!batched) {
    size_t at = r.batch_first ? 0 : 1;
    if (at > x.size()) {
      return ctx.fail_input(
          "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
          fmt::format("give {} [L, N, input_size], or [L, input_size] unbatched", r.module()));
    }
    x.insert(x.begin() + static_cast<ptrdiff_t>(at), fixed(1));
  }
  if (!check_hidden_ranks(ctx, r, batched) || !check_input(ctx, r, x)) return false;
  const Dim &steps = r.batch_first ? x[1] : x[0], &batch = r.batch_first ? x[0] : x[1];
  if (!check_hidden_sizes(ctx, r, batched, batch) || !check_vf_types(ctx, r)) return false;
  if (steps.symbolic()) {
    // The products grow with the sequence: counted with a symbol as 1, "per sample" is wrong.
    bool batch_first_helps = batched && !r.batch_first;
    return ctx.fail_input_unsupported(
        fmt::format("{} reads dim {} of {} as its sequence, not a batch: netshape counts it per "
                    "sample only with the batch symbolic",
                    r.module(), batched && r.batch_first ? 1 : 0, to_string(ctx.x())),
        batch_first_helps ? "give the sequence length as a number, or put the batch first with "
                            "batch_first=True"
                          : "give the sequence length as a number");
  }
  if (steps.value == 0) {
    return ctx.fail_input("Expected sequence length to be larger than 0 in RNN",
                          "give the input at least one step");
  }
  ctx.attrs.recurrent_result = recurrent_result(ctx);
  ctx.set_output(recurrent_output(ctx, r, batched, batch));
  ctx.attrs.batch_first = r.batch_first;
  ctx.attrs.num_layers = r.layers;
  ctx.attrs.bidirectional = r.bidirectional;
  ctx.attrs.relu_nonlinearity = r.relu;
  if (!add_recurrent_weights(ctx, r)) return false;
  // a final state's row: the products are its output row's, as the weights are
  if (ctx.attrs.recurrent_result != RecurrentResult::output) return true;
  return add_recurrent_macs(ctx, r, steps.value, batch.count_value());
}

namespace {

// A cell's constructor: RNNCellBase.__init__'s weights (torch.empty's negative dimension).
bool read_cell_constructor(RuleContext& ctx, Recurrent& r, const Shape& x) {
  bool inferred = ctx.is_infer("input_size") && !x.empty();
  auto input = inferred ? ctx.size_or_inferred("input_size", x.back())
                        : ctx.int_arg("input_size", INT64_MIN);
  auto hidden = input ? ctx.int_arg("hidden_size", INT64_MIN) : std::nullopt;
  if (!hidden) return false;
  if (*hidden > INT64_MAX / 4 || *hidden < INT64_MIN / 4)
    return ctx.fail_overflow("hidden_size", "4 * hidden_size");
  int64_t rows = r.gates() * *hidden;
  if (rows < 0 || *input < 0) {
    return ctx.fail_at_construction(
        rows < 0 ? "hidden_size" : "input_size",
        fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]",
                    rows < 0 ? rows : *input, rows, *input),
        "use positive sizes");
  }
  r.input = *input;
  r.hidden = *hidden;
  r.bias = truthy(ctx.value("bias"));
  return true;
}

// RNNCell's forward: 'tanh' or 'relu', checked when it runs (the constructor keeps any string).
bool read_cell_nonlinearity(RuleContext& ctx, Recurrent& r) {
  if (r.kind != OpKind::rnn) return true;
  const Value& v = ctx.value("nonlinearity");
  std::string name = v.kind == Value::Kind::String ? v.s.str() : to_source(v);
  if (name != "tanh" && name != "relu")
    return ctx.fail_at("nonlinearity", fmt::format("Unknown nonlinearity: {}", name),
                       "use nonlinearity='tanh' or nonlinearity='relu'");
  r.relu = name == "relu";
  return true;
}

// check_rnn_cell_forward_hidden: hx (unsqueezed when the input was; an LSTMCell's h, then its c,
// both called hidden0 in the messages, as lstm_cell labels them) against the input's batch and
// the hidden size; size(0) and size(1) of a tensor with fewer dims are PyTorch's IndexError.
bool check_cell_hidden(RuleContext& ctx, const Recurrent& r, const Shape& x, Shape hx,
                       bool batched) {
  if (!batched) hx.insert(hx.begin(), fixed(1));
  if (hx.empty())
    return ctx.fail_input("Dimension specified as 0 but tensor has no dimensions",
                          "give hx as [batch, hidden_size]");
  if (hx[0] != x[0])
    return ctx.fail_input(fmt::format("Input batch size {} doesn't match hidden0 batch size {}",
                                      to_string(x[0]), to_string(hx[0])),
                          "give hx one row per sample of the input");
  if (hx.size() < 2)
    return ctx.fail_input("Dimension out of range (expected to be in range of [-1, 0], but got 1)",
                          "give hx as [batch, hidden_size]");
  if (hx[1] != fixed(r.hidden))
    return ctx.fail_input(fmt::format("hidden0 has inconsistent hidden_size: got {}, expected {}",
                                      to_string(hx[1]), r.hidden),
                          fmt::format("hx is [batch, {}]", r.hidden));
  if (hx.size() != 2)
    return ctx.fail_input_unsupported(
        fmt::format("netshape follows a cell's hx of 2 dims, not {}", hx.size()),
        "give hx as [batch, hidden_size]");
  return true;
}

}  // namespace

// input [N, H_in] (unbatched [H_in]), optional hx [N, H] ([H]; an LSTMCell's h and c) -> [N, H]
// ([H]): the new h (an LSTMCell's second row: the new c)
// params: G*H*H_in + G*H*H (+ 2*G*H); MACs: N*(G*H*H_in + G*H*H)
bool infer_recurrent_cell(RuleContext& ctx) {
  Recurrent r;
  r.kind = ctx.op.kind;
  std::string_view cell = ctx.op.name;  // "RNNCell", "GRUCell", "LSTMCell"
  const bool lstm = r.kind == OpKind::lstm;
  const size_t states = lstm ? 2 : 1;
  if (!read_cell_constructor(ctx, r, ctx.x())) return false;
  if (ctx.in().size() != 1 && ctx.in().size() != 1 + states)
    return ctx.fail_input(
        lstm ? fmt::format("LSTMCell takes its input and the pair (h, c), got {} tensors",
                           ctx.in().size())
             : fmt::format("{}.forward() takes from 2 to 3 positional arguments but {} were given",
                           cell, ctx.in().size() + 1),
        lstm ? "call it as cell(x) or cell(x, h, c) (in a .py file cell(x, (h, c)))"
             : "call it as cell(x) or cell(x, h)");
  Shape x = ctx.x();
  if (x.size() != 1 && x.size() != 2)
    return ctx.fail_input(fmt::format("{}: Expected input to be 1-D or 2-D but received {}-D "
                                      "tensor",
                                      cell, x.size()),
                          fmt::format("give {} one step: [batch, input_size]", cell));
  const bool batched = x.size() == 2;
  if (!batched) x.insert(x.begin(), fixed(1));
  if (!read_cell_nonlinearity(ctx, r)) return false;
  if (x[1] != fixed(r.input))
    return ctx.fail_at("input_size",
                       fmt::format("input has inconsistent input_size: got {} expected {}",
                                   to_string(x[1]), r.input),
                       fmt::format("{} receives {} features; use {}", ctx.name(), to_string(x[1]),
                                   ctx.call_with("input_size", to_string(x[1]))));
  for (size_t k = 1; k < ctx.in().size(); ++k)
    if (!check_cell_hidden(ctx, r, x, ctx.in()[k], batched)) return false;
  Shape out = batched ? Shape{x[0], fixed(r.hidden)} : Shape{fixed(r.hidden)};
  ctx.set_output(out);
  ctx.attrs.relu_nonlinearity = r.relu;
  // An LSTMCell's second row (its c): the weights are its first row's, and so are the products.
  const bool cell_state = lstm && ctx.st.extras().output_index == 1;
  ctx.attrs.recurrent_result = cell_state ? RecurrentResult::cell : RecurrentResult::output;
  const int64_t g = r.gates() * r.hidden;
  bool ok = ctx.add_weight("weight_ih", {g, r.input}) && ctx.add_weight("weight_hh", {g, r.hidden});
  if (ok && r.bias) ok = ctx.add_weight("bias_ih", {g}) && ctx.add_weight("bias_hh", {g});
  int64_t batch = x[0].count_value();
  if (cell_state) return ok;
  return ok && ctx.add_macs({batch, g, r.input}) && ctx.add_macs({batch, g, r.hidden});
}

}  // namespace netshape
