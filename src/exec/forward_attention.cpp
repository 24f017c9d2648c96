// The reference forward of nn.MultiheadAttention (eval mode: no dropout), step by step as
// PyTorch 1.13's F.multi_head_attention_forward computes it.
#include <cmath>

#include "forward.hpp"

namespace netshape {
namespace {

// A [L, N, E]-ordered view of an input laid out [L, N, E], [N, L, E] (batch_first) or [L, E].
struct SequenceView {
  const float* data = nullptr;
  int64_t len = 0, batch = 1, features = 0;
  bool batch_first = false;
  int64_t row(int64_t l, int64_t n) const { return batch_first ? n * len + l : l * batch + n; }
  const float* at(int64_t l, int64_t n) const { return data + row(l, n) * features; }
};

SequenceView view_of(const Tensor& t, bool batch_first) {
  const auto& s = t.shape;
  SequenceView v;
  v.data = t.data.data();
  v.features = s.back();
  if (s.size() == 2) {
    v.len = s[0];
  } else {
    v.batch_first = batch_first;
    v.len = batch_first ? s[1] : s[0];
    v.batch = batch_first ? s[0] : s[1];
  }
  return v;
}

// y [L, N, out] = x [L, N, in] times w^T (w: out x in, row-major) plus bias.
void project(const SequenceView& x, const float* w, const float* bias, int64_t out,
             std::vector<float>& y) {
  y.assign(static_cast<size_t>(x.len * x.batch * out), 0.0f);
  for (int64_t l = 0; l < x.len; ++l) {
    for (int64_t n = 0; n < x.batch; ++n) {
      const float* in = x.at(l, n);
      matrix_times_vector(w, bias, in, out, x.features, y.data() + (l * x.batch + n) * out);
    }
  }
}

// The rows PyTorch appends to keys and values: bias_k/bias_v (add_bias_kv), then zeros
// (add_zero_attn). `rows` is [S, N, E]; the result [S', N, E].
void append_rows(std::vector<float>& rows, int64_t batch, int64_t e, const Tensor* bias,
                 bool zero) {
  for (int64_t n = 0; bias && n < batch; ++n)
    rows.insert(rows.end(), bias->data.begin(), bias->data.end());
  if (zero) rows.insert(rows.end(), static_cast<size_t>(batch * e), 0.0f);
}

// What the masks add to the score of query l against key s of sample n, head h (-inf: masked),
// as F.multi_head_attention_forward merges them: a float attn_mask is added, a bool one masks
// where true; a key_padding_mask masks where it is true (nonzero, beside a bool attn_mask), and
// is added when it is float and alone. The keys add_bias_kv and add_zero_attn append are never
// masked (PyTorch pads the masks with zeros).
struct Masks {
  const Tensor* attn = nullptr;
  const Tensor* key_padding = nullptr;
  bool attn_bool = false, key_padding_masks = false;
  int64_t heads = 1, len = 0, src = 0;  // src: the keys given (before the appended ones)

  float at(int64_t n, int64_t h, int64_t l, int64_t s) const {
    if (s >= src) return 0.0f;
    float add = 0.0f;
    if (attn) {
      int64_t plane = attn->shape.size() == 3 ? (n * heads + h) * len * src : 0;
      float v = attn->data[static_cast<size_t>(plane + l * src + s)];
      if (attn_bool && v != 0.0f) return -INFINITY;
      if (!attn_bool) add += v;
    }
    if (key_padding) {
      float v = key_padding->data[static_cast<size_t>(n * src + s)];
      if (key_padding_masks && v != 0.0f) return -INFINITY;
      if (!key_padding_masks) add += v;
    }
    return add;
  }
};

Masks masks_of(const ForwardCtx& ctx, const Attrs& a, int64_t batch, int64_t len, int64_t src) {
  Masks m;
  auto input = [&](int k) {
    if (k < 0) return static_cast<const Tensor*>(nullptr);
    if (static_cast<size_t>(k) >= ctx.in.size())
      throw ForwardError("MultiheadAttention: a mask is missing");
    return ctx.in[static_cast<size_t>(k)];
  };
  m.attn = input(a.attn_mask_input);
  m.key_padding = input(a.key_padding_mask_input);
  m.attn_bool = a.attn_mask_masks;
  m.key_padding_masks = a.key_padding_mask_masks;
  m.heads = a.num_heads;
  m.len = len;
  m.src = src;
  int64_t planes = m.attn && m.attn->shape.size() == 3 ? batch * m.heads : 1;
  if ((m.attn && m.attn->numel() != planes * len * src) ||
      (m.key_padding && m.key_padding->numel() != batch * src))
    throw ForwardError("MultiheadAttention: a mask differs from the layer's shapes");
  return m;
}

// The weights' row: [N, heads, L, S'] as computed, or averaged over the heads ([N, L, S']),
// without N when the query was unbatched.
void attention_weights_out(ForwardCtx& ctx, const Attrs& a, const std::vector<float>& weights,
                           int64_t batch, int64_t heads, int64_t len, int64_t src) {
  const bool per_head = a.attention_weights == Attrs::AttentionWeights::per_head;
  std::vector<int64_t> shape = {len, src};
  if (per_head) shape.insert(shape.begin(), heads);
  if (ctx.in[0]->shape.size() == 3) shape.insert(shape.begin(), batch);
  ctx.out = ctx.for_overwrite(shape);
  const int64_t plane = len * src;
  if (per_head) {
    std::copy(weights.begin(), weights.end(), ctx.out.data.begin());
    return;
  }
  for (int64_t n = 0; n < batch; ++n) {
    float* out = ctx.out.data.data() + n * plane;
    std::fill(out, out + plane, 0.0f);
    for (int64_t h = 0; h < heads; ++h) {
      const float* w = weights.data() + (n * heads + h) * plane;
      for (int64_t i = 0; i < plane; ++i) out[i] += w[i];
    }
    for (int64_t i = 0; i < plane; ++i) out[i] /= static_cast<float>(heads);
  }
}

}  // namespace

// query [L, N, E] ([N, L, E] with batch_first; [L, E] unbatched), key [S, N, kdim], value
// [S, N, vdim] -> the query's shape; key_padding_mask [N, S] ([S]), attn_mask [L, S] or
// [N * num_heads, L, S]; the weights' row: [N, L, S'] averaged, [N, num_heads, L, S'] per head
void forward_attention(ForwardCtx& ctx) {
  const Attrs& a = *ctx.layer.attrs;
  if (ctx.in.size() < 3) throw ForwardError("MultiheadAttention: needs query, key and value");
  SequenceView q = view_of(*ctx.in[0], a.batch_first), k = view_of(*ctx.in[1], a.batch_first),
               v = view_of(*ctx.in[2], a.batch_first);
  const Tensor* packed = ctx.weight("in_proj_weight");
  const Tensor& out_w = *ctx.weight("out_proj.weight");
  const Tensor* in_bias = ctx.weight("in_proj_bias");
  const Tensor* out_bias = ctx.weight("out_proj.bias");
  const int64_t e = out_w.shape[0], heads = a.num_heads, head_dim = e / heads;
  if (q.features != e || k.batch != q.batch || v.batch != q.batch || k.len != v.len)
    throw ForwardError("MultiheadAttention: inputs differ from the layer's shapes");
  auto weight_rows = [&](const char* separate, int64_t part) {
    return packed ? packed->data.data() + part * e * e : ctx.weight(separate)->data.data();
  };
  auto bias_part = [&](int64_t part) {
    return in_bias ? in_bias->data.data() + part * e : nullptr;
  };
  std::vector<float> qp, kp, vp;
  project(q, weight_rows("q_proj_weight", 0), bias_part(0), e, qp);
  project(k, weight_rows("k_proj_weight", 1), bias_part(1), e, kp);
  project(v, weight_rows("v_proj_weight", 2), bias_part(2), e, vp);
  append_rows(kp, q.batch, e, ctx.weight("bias_k"), a.add_zero_attn);
  append_rows(vp, q.batch, e, ctx.weight("bias_v"), a.add_zero_attn);
  const int64_t src = static_cast<int64_t>(kp.size()) / std::max<int64_t>(q.batch * e, 1);
  const Masks masks = masks_of(ctx, a, q.batch, q.len, k.len);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  // Per sample and head: softmax(q k^T / sqrt(head_dim)) v, into the heads' columns; the
  // softmax kept as the weights [N, heads, L, S'] when the row gives them.
  using Weights = Attrs::AttentionWeights;
  std::vector<float> attended(qp.size(), 0.0f), scores(static_cast<size_t>(src));
  std::vector<float> weights;
  if (a.attention_weights != Weights::none)
    weights.assign(static_cast<size_t>(q.batch * heads * q.len * src), 0.0f);
  for (int64_t n = 0; n < q.batch; ++n) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t l = 0; l < q.len; ++l) {
        const float* qr = qp.data() + (l * q.batch + n) * e + h * head_dim;
        float top = -INFINITY;
        for (int64_t s = 0; s < src; ++s) {
          const float* kr = kp.data() + (s * q.batch + n) * e + h * head_dim;
          float dot = 0.0f;
          for (int64_t d = 0; d < head_dim; ++d) dot += (qr[d] * scale) * kr[d];
          dot += masks.at(n, h, l, s);
          scores[static_cast<size_t>(s)] = dot;
          top = std::max(top, dot);
        }
        float sum = 0.0f;
        for (float& s : scores) sum += (s = std::exp(s - top));
        float* out = attended.data() + (l * q.batch + n) * e + h * head_dim;
        for (int64_t s = 0; s < src; ++s) {
          const float* vr = vp.data() + (s * q.batch + n) * e + h * head_dim;
          float w = scores[static_cast<size_t>(s)] / sum;
          for (int64_t d = 0; d < head_dim; ++d) out[d] += w * vr[d];
          if (!weights.empty())
            weights[static_cast<size_t>(((n * heads + h) * q.len + l) * src + s)] = w;
        }
      }
    }
  }
  if (!weights.empty()) {
    attention_weights_out(ctx, a, weights, q.batch, heads, q.len, src);
    return;
  }
  std::vector<float> projected;
  SequenceView heads_out{attended.data(), q.len, q.batch, e, false};
  project(heads_out, out_w.data.data(), out_bias ? out_bias->data.data() : nullptr, e, projected);
  ctx.out = ctx.for_overwrite(ctx.in[0]->shape);
  SequenceView target = view_of(ctx.out, a.batch_first);
  for (int64_t l = 0; l < q.len; ++l)
    for (int64_t n = 0; n < q.batch; ++n)
      std::copy_n(projected.data() + (l * q.batch + n) * e, e,
                  ctx.out.data.data() + target.row(l, n) * e);
}

}  // namespace netshape
