// The reference forwards of nn.RNN, nn.LSTM and nn.GRU (eval mode: no dropout between layers)
// and of the cells nn.RNNCell, nn.GRUCell and nn.LSTMCell,
// step by step as PyTorch 1.13's cells compute them (torch/nn/modules/rnn.py documents the
// equations; the gates are laid out in weight_ih's rows in that order).
#include <cmath>

#include "forward.hpp"
#include "netshape/op_table.hpp"
#include "netshape/shape_rules.hpp"

namespace netshape {
namespace {

// The gates' activations, as nn.Sigmoid, nn.Tanh and nn.ReLU compute them.
float sigmoid(float v, const Attrs& a) {
  return apply_activation(OpKind::sigmoid, v, a);
}
float tanh_of(float v, const Attrs& a) {
  return apply_activation(OpKind::tanh, v, a);
}

// One layer's weights in one direction, and its sizes.
struct CellWeights {
  const float* w_ih = nullptr;  // [G*H, in]
  const float* w_hh = nullptr;  // [G*H, H_out]
  const float* b_ih = nullptr;  // [G*H] or null (bias=False)
  const float* b_hh = nullptr;
  const float* w_hr = nullptr;  // [H_out, H] (an LSTM's projection) or null
  int64_t in = 0, hidden = 0, hidden_out = 0;
};

// One step of one sample: h (and c) updated from x. `gx` and `gh` are scratch of G*H.
void step(OpKind kind, const Attrs& a, const CellWeights& w, const float* x, float* h, float* c,
          std::vector<float>& gx, std::vector<float>& gh, std::vector<float>& full_h) {
  const int64_t H = w.hidden, G = recurrent_gates(kind) * H;
  matrix_times_vector(w.w_ih, w.b_ih, x, G, w.in, gx.data());
  matrix_times_vector(w.w_hh, w.b_hh, h, G, w.hidden_out, gh.data());
  if (kind == OpKind::rnn) {  // h' = act(W_ih x + b_ih + W_hh h + b_hh)
    for (int64_t j = 0; j < H; ++j) {
      float v = gx[j] + gh[j];
      h[j] = a.relu_nonlinearity ? apply_activation(OpKind::relu, v, a) : tanh_of(v, a);
    }
  } else if (kind == OpKind::gru) {  // gates r, z, n
    for (int64_t j = 0; j < H; ++j) {
      float r = sigmoid(gx[j] + gh[j], a);
      float z = sigmoid(gx[H + j] + gh[H + j], a);
      float n = tanh_of(gx[2 * H + j] + r * gh[2 * H + j], a);
      h[j] = (1.0f - z) * n + z * h[j];
    }
  } else {  // LSTM: gates i, f, g, o; h = o * tanh(c), projected by w_hr when given
    for (int64_t j = 0; j < H; ++j) {
      float i = sigmoid(gx[j] + gh[j], a);
      float f = sigmoid(gx[H + j] + gh[H + j], a);
      float g = tanh_of(gx[2 * H + j] + gh[2 * H + j], a);
      float o = sigmoid(gx[3 * H + j] + gh[3 * H + j], a);
      c[j] = f * c[j] + i * g;
      full_h[j] = o * tanh_of(c[j], a);
    }
    if (w.w_hr) {
      matrix_times_vector(w.w_hr, nullptr, full_h.data(), w.hidden_out, H, h);
    } else {
      std::copy_n(full_h.data(), H, h);
    }
  }
}

}  // namespace

// input [L, N, H_in] ([N, L, H_in] batch_first; [L, H_in] unbatched), optional h0 (and c0)
// -> [L, N, D*H_out]; a final state's row: h_n [D*num_layers, N, H_out], c_n [.., N, H]
void forward_recurrent(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  const OpKind kind = op_info(ctx.layer.op).kind;
  const Tensor& x = ctx.x();
  const bool batched = x.shape.size() == 3;
  if (x.shape.size() != 3 && x.shape.size() != 2)
    throw ForwardError("recurrent layer: the input must be 2-D or 3-D");
  const int64_t L = batched && a.batch_first ? x.shape[1] : x.shape[0];
  const int64_t N = batched ? (a.batch_first ? x.shape[0] : x.shape[1]) : 1;
  const int64_t D = a.bidirectional ? 2 : 1;
  const int64_t G = recurrent_gates(kind);
  const Tensor* first_ih = ctx.weight("weight_ih_l0");
  const Tensor* first_hh = ctx.weight("weight_hh_l0");
  if (!first_ih || !first_hh) throw ForwardError("recurrent layer: its weights are missing");
  const int64_t H = first_ih->shape[0] / G, H_out = first_hh->shape[1];
  const int64_t input = x.shape.back();
  // The row of step l, sample n in an [L, N, F] or [N, L, F] tensor.
  auto row = [&](int64_t l, int64_t n) { return a.batch_first ? n * L + l : l * N + n; };
  // Each layer's input sequence as [L, N, F] rows, then its output [L, N, D*H_out].
  std::vector<float> seq(static_cast<size_t>(L * N * input));
  for (int64_t l = 0; l < L; ++l)
    for (int64_t n = 0; n < N; ++n)
      std::copy_n(x.data.data() + row(l, n) * input, input, seq.data() + (l * N + n) * input);
  const Tensor* h0 = ctx.in.size() > 1 ? ctx.in[1] : nullptr;
  const Tensor* c0 = ctx.in.size() > 2 ? ctx.in[2] : nullptr;
  const int64_t states = a.num_layers * D;
  std::vector<float> h_n(static_cast<size_t>(states * N * H_out));  // [D*num_layers, N, H_out]
  std::vector<float> c_n(static_cast<size_t>(states * N * H));      // an LSTM's, [.., H]
  std::vector<float> gx(static_cast<size_t>(G * H)), gh(gx.size()), full_h(static_cast<size_t>(H));
  for (int64_t layer = 0; layer < a.num_layers; ++layer) {
    const int64_t in = recurrent_layer_input(layer, input, D, H_out);
    std::vector<float> next(static_cast<size_t>(L * N * D * H_out));
    for (int64_t d = 0; d < D; ++d) {
      std::string suffix = fmt::format("_l{}{}", layer, d == 1 ? "_reverse" : "");
      auto weight = [&](const char* what) {
        const Tensor* t = ctx.weight(what + suffix);
        return t ? t->data.data() : nullptr;
      };
      CellWeights w{weight("weight_ih"),
                    weight("weight_hh"),
                    weight("bias_ih"),
                    weight("bias_hh"),
                    weight("weight_hr"),
                    in,
                    H,
                    H_out};
      if (!w.w_ih || !w.w_hh) throw ForwardError("recurrent layer: its weights are missing");
      const int64_t state = layer * D + d;  // h0's and c0's index
      for (int64_t n = 0; n < N; ++n) {
        std::vector<float> h(static_cast<size_t>(H_out), 0.0f), c(static_cast<size_t>(H), 0.0f);
        if (h0) std::copy_n(h0->data.data() + (state * N + n) * H_out, H_out, h.data());
        if (c0) std::copy_n(c0->data.data() + (state * N + n) * H, H, c.data());
        for (int64_t t = 0; t < L; ++t) {
          int64_t l = d == 0 ? t : L - 1 - t;
          step(kind, a, w, seq.data() + (l * N + n) * in, h.data(), c.data(), gx, gh, full_h);
          std::copy_n(h.data(), H_out, next.data() + ((l * N + n) * D + d) * H_out);
        }
        std::copy_n(h.data(), H_out, h_n.data() + (state * N + n) * H_out);
        std::copy_n(c.data(), H, c_n.data() + (state * N + n) * H);
      }
    }
    seq = std::move(next);
  }
  if (a.recurrent_result != RecurrentResult::output) {  // a final state's row
    const bool cell = a.recurrent_result == RecurrentResult::cell;
    std::vector<int64_t> shape = {states, N, cell ? H : H_out};
    if (!batched) shape.erase(shape.begin() + 1);
    ctx.out = ctx.for_overwrite(shape);
    const std::vector<float>& state = cell ? c_n : h_n;
    std::copy(state.begin(), state.end(), ctx.out.data.begin());
    return;
  }
  std::vector<int64_t> out_shape = x.shape;
  out_shape.back() = D * H_out;
  ctx.out = ctx.for_overwrite(out_shape);
  const int64_t width = D * H_out;
  for (int64_t l = 0; l < L; ++l)
    for (int64_t n = 0; n < N; ++n)
      std::copy_n(seq.data() + (l * N + n) * width, width, ctx.out.data.data() + row(l, n) * width);
}

// input [N, H_in] ([H_in] unbatched), optional hx [N, H] ([H]) -> [N, H] ([H]): one step
void forward_recurrent_cell(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  const OpKind kind = op_info(ctx.layer.op).kind;
  const Tensor& x = ctx.x();
  const Tensor* ih = ctx.weight("weight_ih");
  const Tensor* hh = ctx.weight("weight_hh");
  if (!ih || !hh || (x.shape.size() != 1 && x.shape.size() != 2))
    throw ForwardError("recurrent cell: its weights or its input do not fit");
  const int64_t G = recurrent_gates(kind), H = hh->shape[1], input = x.shape.back();
  const int64_t N = x.shape.size() == 2 ? x.shape[0] : 1;
  const Tensor* hx = ctx.in.size() > 1 ? ctx.in[1] : nullptr;
  const Tensor* cx = ctx.in.size() > 2 ? ctx.in[2] : nullptr;  // an LSTMCell's c
  if (ih->shape[0] != G * H || ih->shape[1] != input || (hx && hx->numel() != N * H) ||
      (cx && cx->numel() != N * H))
    throw ForwardError("recurrent cell: its weights or its state do not fit");
  auto data = [&](const char* name) {
    const Tensor* t = ctx.weight(name);
    return t ? t->data.data() : nullptr;
  };
  CellWeights w{
      ih->data.data(), hh->data.data(), data("bias_ih"), data("bias_hh"), nullptr, input, H, H};
  std::vector<float> gx(static_cast<size_t>(G * H)), gh(gx.size()), full_h(static_cast<size_t>(H));
  std::vector<int64_t> shape = x.shape;
  shape.back() = H;
  Tensor h = ctx.zeros(shape), c = ctx.zeros(kind == OpKind::lstm ? shape : std::vector<int64_t>{});
  if (hx) std::copy(hx->data.begin(), hx->data.end(), h.data.begin());
  if (cx) std::copy(cx->data.begin(), cx->data.end(), c.data.begin());
  for (int64_t n = 0; n < N; ++n) {
    float* c_n = kind == OpKind::lstm ? c.data.data() + n * H : nullptr;
    step(kind, a, w, x.data.data() + n * input, h.data.data() + n * H, c_n, gx, gh, full_h);
  }
  ctx.out = a.recurrent_result == RecurrentResult::cell
                ? std::move(c)
                : std::move(h);  // an LSTMCell's second row: c
}

}  // namespace netshape
