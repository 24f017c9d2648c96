// Shape rule for nn.MultiheadAttention, following PyTorch 1.13's MultiheadAttention.forward and
// F.multi_head_attention_forward check by check, in their order, with their messages.
#include "rule_context.hpp"

namespace netshape {
namespace {

// A shape as PyTorch prints a torch.Size in an assertion (a symbolic batch counted as 1).
std::string torch_size(const Shape& s) {
  return "torch.Size(" + shape_list(s) + ")";
}

// Python's floor division (`embed_dim // num_heads` with a negative num_heads).
int64_t floor_divide(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// A symbolic dim counts as its coefficient (B as 1), as the batch does everywhere in the counts.
int64_t counted(const Dim& d) {
  return d.count_value();
}

// A product for a message (PyTorch's sizes, which fit: it would have allocated them).
int64_t message_product(std::initializer_list<int64_t> factors) {
  return checked_product(std::span<const int64_t>(factors.begin(), factors.size()))
      .value_or(INT64_MAX);
}

struct Heads {
  int64_t embed = 0, heads = 1, kdim = 0, vdim = 0;
  bool bias = true, bias_kv = false, zero_attn = false, batch_first = false;
  bool packed() const { return kdim == embed && vdim == embed; }
};

// The weights PyTorch creates next, in order: a negative size is torch.empty's error; an
// embed_dim of 0 is xavier_uniform_'s division by zero (fan_in + fan_out of a [0, 0] weight).
bool check_weight_sizes(RuleContext& ctx, const Heads& h) {
  int64_t e = h.embed;
  auto negative = [&](const char* param, int64_t rows, int64_t cols) {
    int64_t bad = rows < 0 ? rows : cols;
    return ctx.fail_at(param,
                       fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]",
                                   bad, rows, cols),
                       fmt::format("use a positive {}", param));
  };
  if (e < 0) return h.packed() ? negative("embed_dim", 3 * e, e) : negative("embed_dim", e, e);
  if (h.kdim < 0) return negative("kdim", e, h.kdim);
  if (h.vdim < 0) return negative("vdim", e, h.vdim);
  if (e == 0) return ctx.fail_at("embed_dim", "float division by zero", "use embed_dim=1 or more");
  return true;
}

// F.multi_head_attention_forward's view of the query, q.view(L, N * num_heads, head_dim), when
// num_heads is negative (PyTorch builds such a layer): the message of its size inference.
std::string query_view_error(int64_t len, int64_t batch, const Heads& h) {
  int64_t rows = message_product({batch, h.heads}), head_dim = floor_divide(h.embed, h.heads);
  bool inferred = false;
  for (int64_t d : {len, rows, head_dim}) {
    if (d == -1 && inferred) return "only one dimension can be inferred";
    if (d == -1) inferred = true;
    if (d < -1) return fmt::format("invalid shape dimension {}", d);
  }
  return fmt::format(
      "cannot reshape tensor of 0 elements into shape [{}, {}, -1] because the unspecified "
      "dimension size -1 can be any value and is ambiguous",
      len, rows);
}

// The constructor's arguments, with its one check (`embed_dim must be divisible by num_heads`).
std::optional<Heads> read_heads(RuleContext& ctx) {
  Heads h;
  // `?`: the query's features (its last dim)
  bool inferred = ctx.is_infer("embed_dim") && !ctx.in().empty() && !ctx.in()[0].empty();
  auto embed = inferred ? ctx.size_or_inferred("embed_dim", ctx.in()[0].back())
                        : ctx.int_arg("embed_dim", INT64_MIN);
  // 3 * embed_dim (the packed weight's rows) must fit in int64, as PyTorch's sizes do
  if (embed && (*embed > INT64_MAX / 4 || *embed < INT64_MIN / 4)) {
    ctx.fail_overflow("embed_dim", "3 * embed_dim");
    return std::nullopt;
  }
  auto heads = embed ? ctx.int_arg("num_heads", INT64_MIN) : std::nullopt;
  if (!heads) return std::nullopt;
  if (*heads == 0) {
    ctx.fail_at("num_heads", "integer division or modulo by zero", "use num_heads=1 or more");
    return std::nullopt;
  }
  // (in 128 bits: a num_heads larger than embed_dim gives a quotient of -1 or 0)
  if (static_cast<__int128>(floor_divide(*embed, *heads)) * *heads != *embed) {
    int64_t divisor = std::min(*heads, *embed);  // the most heads up to num_heads that divide
    while (divisor > 1 && *embed % divisor != 0) --divisor;
    ctx.fail_at(
        "num_heads", "embed_dim must be divisible by num_heads",
        fmt::format("use a num_heads that divides {}, e.g. {}", *embed,
                    ctx.call_with("num_heads", std::to_string(std::max<int64_t>(divisor, 1)))));
    return std::nullopt;
  }
  h.embed = *embed;
  h.heads = *heads;
  auto dim_or_embed = [&](const char* param) -> std::optional<int64_t> {
    if (ctx.is_none(param)) return h.embed;
    return ctx.int_arg(param, INT64_MIN);
  };
  auto kdim = dim_or_embed("kdim");
  auto vdim = kdim ? dim_or_embed("vdim") : std::nullopt;
  auto bias = vdim ? ctx.flag_arg("bias") : std::nullopt;
  auto bias_kv = bias ? ctx.bool_arg("add_bias_kv") : std::nullopt;
  auto zero_attn = bias_kv ? ctx.bool_arg("add_zero_attn") : std::nullopt;
  auto batch_first = zero_attn ? ctx.bool_arg("batch_first") : std::nullopt;
  auto dropout = batch_first ? ctx.float_arg("dropout") : std::nullopt;
  if (!dropout) return std::nullopt;
  h.kdim = *kdim;
  h.vdim = *vdim;
  h.bias = *bias;
  h.bias_kv = *bias_kv;
  h.zero_attn = *zero_attn;
  h.batch_first = *batch_first;
  if (!check_weight_sizes(ctx, h)) return std::nullopt;
  return h;
}

// PyTorch's parameters, in named_parameters() order.
bool add_attention_weights(RuleContext& ctx, const Heads& h) {
  int64_t e = h.embed;
  bool ok = h.packed() ? ctx.add_weight("in_proj_weight", {3 * e, e})
                       : ctx.add_weight("q_proj_weight", {e, e}) &&
                             ctx.add_weight("k_proj_weight", {e, h.kdim}) &&
                             ctx.add_weight("v_proj_weight", {e, h.vdim});
  if (ok && h.bias) ok = ctx.add_weight("in_proj_bias", {3 * e});
  if (ok && h.bias_kv)
    ok = ctx.add_weight("bias_k", {1, 1, e}) && ctx.add_weight("bias_v", {1, 1, e});
  if (ok) ok = ctx.add_weight("out_proj.weight", {e, e});
  if (ok && h.bias) ok = ctx.add_weight("out_proj.bias", {e});
  return ok;
}

// _mha_shape_check: a batched query is 3-D with 3-D key and value; an unbatched one 2-D with
// 2-D key and value.
bool check_ranks(RuleContext& ctx, size_t q, size_t k, size_t v) {
  if (q != 2 && q != 3) {
    return ctx.fail_input(
        fmt::format("query should be unbatched 2D or batched 3D tensor but received {}-D query "
                    "tensor",
                    q),
        "give MultiheadAttention [L, E] or [L, N, E] ([N, L, E] with batch_first=True)");
  }
  if (k == q && v == q) return true;
  return ctx.fail_input(
      fmt::format("For {} ({}-D) `query`, expected `key` and `value` to be {}-D but found {}-D "
                  "and {}-D tensors respectively",
                  q == 3 ? "batched" : "unbatched", q, q, k, v),
      fmt::format("key and value need as many dims as the query ({})", q));
}

}  // namespace

// query [L, N, E] ([N, L, E] with batch_first; unbatched [L, E]), key [S, N, kdim], value
// [S, N, vdim] -> [L, N, E] ([N, L, E]; [L, E]); the attention weights are not a row.
// params: 3*E*E (or E*E + E*kdim + E*vdim) + E*E (out_proj), 4*E bias, 2*E add_bias_kv.
// MACs: N*(L*E*E + S*kdim*E + S*vdim*E) projections in, 2*N*L*S'*E the two attention products
// (S' = S + add_bias_kv + add_zero_attn), N*L*E*E out_proj.
bool infer_attention(RuleContext& ctx) {
  auto h = read_heads(ctx);
  if (!h) return false;
  size_t given = ctx.in().size();
  if (given < 3) {
    return ctx.fail_input(
        given == 1 ? "MultiheadAttention.forward() missing 2 required positional arguments: "
                     "'key' and 'value'"
                   : "MultiheadAttention.forward() missing 1 required positional argument: "
                     "'value'",
        "apply it to query, key and value: attn(x, x, x) for self-attention");
  }
  if (given > 3) {
    return ctx.fail_input_unsupported(
        "netshape does not follow MultiheadAttention's masks (a fourth tensor)",
        "check the model without the mask; it does not change the output's shape");
  }
  Shape q = ctx.in()[0], k = ctx.in()[1], v = ctx.in()[2];
  bool same_kv = ctx.layer.input_ids[1] == ctx.layer.input_ids[2];
  bool self_attention = same_kv && ctx.layer.input_ids[0] == ctx.layer.input_ids[1];
  if (h->batch_first && q.size() == 3) {  // forward transposes dims 0 and 1 of each first
    for (Shape* s : {&q, &k, &v}) {
      if (s->size() < 2) {
        return ctx.fail_input(
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)",
            "key and value need 3 dims, as the query");
      }
      std::swap((*s)[0], (*s)[1]);
    }
  }
  if (!check_ranks(ctx, q.size(), k.size(), v.size())) return false;
  bool batched = q.size() == 3;
  if (!batched)  // F.multi_head_attention_forward works on [L, 1, E]
    for (Shape* s : {&q, &k, &v}) s->insert(s->begin() + 1, fixed(1));
  const Dim &len = q[0], &batch = q[1], &embed = q[2], &src = k[0];
  if (len.symbolic() || src.symbolic()) {
    // The products grow with L * S: counted with a symbol as 1, "per sample" would be wrong.
    return ctx.fail_input_unsupported(
        fmt::format("MultiheadAttention reads dim 0 of {} as its sequence, not a batch: netshape "
                    "counts it per sample only with the batch symbolic",
                    to_string(len.symbolic() ? ctx.in()[0] : ctx.in()[1])),
        "give the sequence length as a number, or put the batch first with batch_first=True");
  }
  if (embed.symbolic() || embed.value != h->embed) {
    return ctx.fail_at("embed_dim",
                       fmt::format("was expecting embedding dimension of {}, but got {}", h->embed,
                                   to_string(embed)),
                       fmt::format("{} receives {} features; use {}", ctx.name(), to_string(embed),
                                   ctx.call_with("embed_dim", to_string(embed))));
  }
  std::string kv_help = "key and value need the same sequence length and batch";
  if (h->packed()) {
    if (!(k == v)) {
      return ctx.fail_input(
          fmt::format("key shape {} does not match value shape {}", torch_size(k), torch_size(v)),
          kv_help);
    }
    if (!(k[2] == embed)) {  // linear(k, w_k) (or w_kv when key is value)
      return ctx.fail_input(
          fmt::format("mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                      message_product({counted(k[0]), counted(k[1])}), to_string(k[2]), h->embed,
                      same_kv && !self_attention ? 2 * h->embed : h->embed),
          fmt::format("key and value have {} features; give {} kdim={} and vdim={}",
                      to_string(k[2]), ctx.name(), to_string(k[2]), to_string(v[2])));
    }
  } else {
    if (!(k[0] == v[0] && k[1] == v[1])) {
      return ctx.fail_input(fmt::format("key's sequence and batch dims {} do not match value's {}",
                                        torch_size({k[0], k[1]}), torch_size({v[0], v[1]})),
                            kv_help);
    }
    for (auto [name, param, dim, want] :
         {std::tuple{"key", "kdim", k[2], h->kdim}, std::tuple{"value", "vdim", v[2], h->vdim}}) {
      if (!dim.symbolic() && dim.value == want) continue;
      return ctx.fail_at(param,
                         fmt::format("expecting {} weights shape of ({}, {}), but got "
                                     "torch.Size([{}, {}])",
                                     name, h->embed, to_string(dim), h->embed, want),
                         fmt::format("the {} has {} features; use {}", name, to_string(dim),
                                     ctx.call_with(param, to_string(dim))));
    }
  }
  // In PyTorch's order: add_bias_kv's cat of the keys, the view of the query, that of the keys.
  std::string batch_help = "query, key and value need the same batch";
  if (!(k[1] == batch) && h->bias_kv) {
    return ctx.fail_input(fmt::format("Sizes of tensors must match except in dimension 0. "
                                      "Expected size {} but got size {} for tensor number 1 in "
                                      "the list.",
                                      to_string(k[1]), to_string(batch)),
                          batch_help);
  }
  if (h->heads < 0) {  // PyTorch builds it; its forward's view of the query fails
    return ctx.fail_at("num_heads", query_view_error(counted(len), counted(batch), *h),
                       "use a positive num_heads");
  }
  if (!(k[1] == batch)) {
    return ctx.fail_input(
        fmt::format("shape '[{}, {}, {}]' is invalid for input of size {}", counted(src),
                    message_product({counted(batch), h->heads}), h->embed / h->heads,
                    message_product({counted(src), counted(k[1]), h->embed})),
        batch_help);
  }
  Shape out = batched ? Shape{len, batch, embed} : Shape{len, embed};
  if (h->batch_first && batched) std::swap(out[0], out[1]);
  ctx.set_output(out);
  ctx.attrs.num_heads = h->heads;
  ctx.attrs.batch_first = h->batch_first;
  ctx.attrs.add_zero_attn = h->zero_attn;
  if (!add_attention_weights(ctx, *h)) return false;
  int64_t n = counted(batch), l = counted(len), s = counted(src), e = h->embed;
  int64_t attended = s + (h->bias_kv ? 1 : 0) + (h->zero_attn ? 1 : 0);
  return ctx.add_macs({n, l, e, e}) && ctx.add_macs({n, s, h->kdim, e}) &&
         ctx.add_macs({n, s, h->vdim, e}) && ctx.add_macs({2, n, l, attended, e}) &&
         ctx.add_macs({n, l, e, e});
}

}  // namespace netshape
