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
    ctx.fail_at_construction(
        "num_heads", "embed_dim must be divisible by num_heads",
        fmt::format("use a num_heads that divides {}, e.g. {}", *embed,
                    ctx.call_with("num_heads", std::to_string(std::max<int64_t>(divisor, 1)))));
    return std::nullopt;
  }
  // out_proj is Linear(embed_dim, embed_dim): its weight is torch.empty((embed_dim, embed_dim))
  if (!ctx.check_leading_size("embed_dim", "empty", false)) return std::nullopt;
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

// nn.MultiheadAttention's masks among a row's inputs: by their roles (`key_padding_mask=`,
// `attn_mask=`), a fourth tensor by position being key_padding_mask, as PyTorch binds it.
struct Masks {
  int key_padding = -1, attn = -1;  // input indexes; -1: not given
  bool key_padding_bool = false, attn_bool = false;
  const char* key_padding_refused = nullptr;  // a dtype PyTorch refuses (InputRole)
  const char* attn_refused = nullptr;
};

// Where mask input k was given (the call when it has no span of its own).
Span mask_span(RuleContext& ctx, int k) {
  size_t i = static_cast<size_t>(k);
  return i < ctx.node.input_spans.size() && ctx.node.input_spans[i].valid()
             ? ctx.node.input_spans[i]
             : ctx.st.span;
}

std::optional<Masks> find_masks(RuleContext& ctx) {
  const std::vector<InputRole>& roles = ctx.st.extras().input_roles;
  Masks m;
  for (size_t i = 3; i < ctx.in().size(); ++i) {
    InputRole r = i < roles.size() ? roles[i] : InputRole{};
    if (r.kind == InputRole::positional && i == 3) r.kind = InputRole::key_padding_mask;
    if (r.kind == InputRole::key_padding_mask && m.key_padding < 0) {
      m.key_padding = static_cast<int>(i);
      m.key_padding_bool = r.boolean;
      m.key_padding_refused = r.refused_dtype;
    } else if (r.kind == InputRole::attn_mask && m.attn < 0) {
      m.attn = static_cast<int>(i);
      m.attn_bool = r.boolean;
      m.attn_refused = r.refused_dtype;
    } else {
      ctx.fail_input(
          "MultiheadAttention.forward() takes query, key, value and two masks; a fifth "
          "tensor by position would be need_weights, a bool",
          "give the attention mask by keyword: attn(q, k, v, attn_mask=mask)");
      return std::nullopt;
    }
  }
  // MultiheadAttention.forward's first check
  if (m.key_padding_refused) {
    ctx.fail(mask_span(ctx, m.key_padding),
             "only bool and floating types of key_padding_mask are supported",
             "make it bool, true where a key is padding: `tokens == pad_id`");
    return std::nullopt;
  }
  return m;
}

// A Python tuple as PyTorch's messages print one: (5, 7).
std::string python_tuple(std::initializer_list<int64_t> items) {
  std::string out = "(";
  for (int64_t v : items) out += (out.size() > 1 ? ", " : "") + std::to_string(v);
  return out + ")";
}

// _mha_shape_check's checks of the masks' ranks (after the query's, key's and value's): a
// key_padding_mask is 2-D for a batched query, 1-D for an unbatched one; an attn_mask 2-D or 3-D,
// 3-D for an unbatched query being (num_heads, L, S).
bool check_mask_ranks(RuleContext& ctx, const Masks& m, const Shape& q, const Shape& k,
                      int64_t heads) {
  const bool batched = q.size() == 3;
  const char* kind = batched ? "batched (3-D)" : "unbatched (2-D)";
  if (m.key_padding >= 0) {
    size_t rank = ctx.in()[static_cast<size_t>(m.key_padding)].size();
    size_t want = batched ? 2 : 1;
    if (rank != want) {
      return ctx.fail(mask_span(ctx, m.key_padding),
                      fmt::format("For {} `query`, expected `key_padding_mask` to be `None` or "
                                  "{}-D but found {}-D tensor instead",
                                  kind, want, rank),
                      batched ? "key_padding_mask is [N, S]: a row per sample, a column per key"
                              : "key_padding_mask is [S]: one value per key");
    }
  }
  if (m.attn < 0) return true;
  const Shape& a = ctx.in()[static_cast<size_t>(m.attn)];
  if (a.size() != 2 && a.size() != 3) {
    return ctx.fail(mask_span(ctx, m.attn),
                    fmt::format("For {} `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                "but found {}-D tensor instead",
                                kind, a.size()),
                    "attn_mask is [L, S], or [N * num_heads, L, S] per sample and head");
  }
  if (batched || a.size() != 3) return true;
  int64_t len = counted(q[0]), src = counted(k[0]);
  if (a[0] == fixed(heads) && a[1] == fixed(len) && a[2] == fixed(src)) return true;
  return ctx.fail(
      mask_span(ctx, m.attn),
      fmt::format("Expected `attn_mask` shape to be {} but got {}", python_tuple({heads, len, src}),
                  torch_size(a)),
      fmt::format("an unbatched query's 3-D attn_mask is [num_heads, L, S]: [{}, {}, {}]", heads,
                  len, src));
}

// F.multi_head_attention_forward's check of the attn_mask's shape against (L, S) (2-D) or
// (N * num_heads, L, S) (3-D), after the projections.
bool check_attn_mask(RuleContext& ctx, const Masks& m, const Dim& len, const Dim& batch,
                     const Dim& src, int64_t heads) {
  if (m.attn < 0) return true;
  if (m.attn_refused) {
    return ctx.fail(mask_span(ctx, m.attn),
                    fmt::format("Only float, byte, and bool types are supported for attn_mask, "
                                "not {}",
                                m.attn_refused),
                    "make it float (added to the scores: 0 or -inf) or bool (true: masked)");
  }
  const Shape& a = ctx.in()[static_cast<size_t>(m.attn)];
  if (a.size() == 2) {
    if (a[0] == len && a[1] == src) return true;
    return ctx.fail(mask_span(ctx, m.attn),
                    fmt::format("The shape of the 2D attn_mask is {}, but should be {}.",
                                torch_size(a), python_tuple({counted(len), counted(src)})),
                    fmt::format("give a [{}, {}] mask: a row per query position, a column per key",
                                to_string(len), to_string(src)));
  }
  const int64_t factors[] = {batch.value, heads};
  std::optional<int64_t> rows = checked_product(factors);
  Dim want = Dim{rows.value_or(INT64_MAX), batch.sym};
  if (rows && a[0] == want && a[1] == len && a[2] == src) return true;
  return ctx.fail(
      mask_span(ctx, m.attn),
      fmt::format(
          "The shape of the 3D attn_mask is {}, but should be {}.", torch_size(a),
          python_tuple({message_product({counted(batch), heads}), counted(len), counted(src)})),
      fmt::format("a 3-D attn_mask is [N * num_heads, L, S]: [{}, {}, {}]", to_string(want),
                  to_string(len), to_string(src)));
}

// The last check: the key_padding_mask against (N, S'), S' counting the keys add_bias_kv and
// add_zero_attn append (the mask is padded by as many columns before it is compared).
bool check_key_padding_mask(RuleContext& ctx, const Masks& m, bool batched, const Dim& batch,
                            const Dim& src, int64_t appended) {
  if (m.key_padding < 0) return true;
  Shape kpm = ctx.in()[static_cast<size_t>(m.key_padding)];
  if (!batched) kpm.insert(kpm.begin(), fixed(1));
  if (kpm[0] == batch && kpm[1] == src) {
    if (m.attn < 0 || m.key_padding_bool || m.attn_bool) return true;
    // attn_mask.masked_fill(key_padding_mask, -inf) with a float mask: what PyTorch computes,
    // or whether it raises, depends on the mask's values (the model language's masks are float)
    ctx.fail_input_unsupported(
        "netshape does not follow a float key_padding_mask beside a float attn_mask: PyTorch "
        "applies it with masked_fill, whose result depends on its values",
        "give one mask, or make the key_padding_mask bool in a .py model (`tokens == pad_id`)");
    return false;
  }
  kpm[1].value += appended;
  Dim want = src;
  want.value += appended;
  return ctx.fail(mask_span(ctx, m.key_padding),
                  fmt::format("expecting key_padding_mask shape of {}, but got {}",
                              python_tuple({counted(batch), counted(want)}), torch_size(kpm)),
                  batched ? fmt::format("key_padding_mask is [N, S]: [{}, {}]", to_string(batch),
                                        to_string(src))
                          : fmt::format("key_padding_mask is [S]: [{}]", to_string(src)));
}

}  // namespace

// query [L, N, E] ([N, L, E] with batch_first; unbatched [L, E]), key [S, N, kdim], value
// [S, N, vdim] -> [L, N, E] ([N, L, E]; [L, E]); the row of the attention weights (a second
// result): [N, L, S'] averaged over the heads, [N, num_heads, L, S'] per head (without N when
// unbatched), no products of its own.
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
  auto masks = find_masks(ctx);
  if (!masks) return false;
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
  if (!check_ranks(ctx, q.size(), k.size(), v.size()) ||
      !check_mask_ranks(ctx, *masks, q, k, h->heads))
    return false;
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
  if (!check_attn_mask(ctx, *masks, len, batch, src, h->heads)) return false;
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
  int64_t appended = (h->bias_kv ? 1 : 0) + (h->zero_attn ? 1 : 0);
  if (!check_key_padding_mask(ctx, *masks, batched, batch, src, appended)) return false;
  const uint8_t result = ctx.st.extras().output_index;
  using Weights = Attrs::AttentionWeights;
  ctx.attrs.attention_weights = result == 0   ? Weights::none
                                : result == 1 ? Weights::averaged
                                              : Weights::per_head;
  Shape out = batched ? Shape{len, batch, embed} : Shape{len, embed};
  if (h->batch_first && batched) std::swap(out[0], out[1]);
  if (result != 0) {  // the weights: batch first, then the heads (per head), L, S'
    out = {len, fixed(src.value + appended)};
    if (result == 2) out.insert(out.begin(), fixed(h->heads));
    if (batched) out.insert(out.begin(), batch);
  }
  ctx.set_output(out);
  ctx.attrs.num_heads = h->heads;
  ctx.attrs.batch_first = h->batch_first;
  ctx.attrs.add_zero_attn = h->zero_attn;
  ctx.attrs.key_padding_mask_input = masks->key_padding;
  ctx.attrs.attn_mask_input = masks->attn;
  // F.multi_head_attention_forward merges a key_padding_mask into a bool attn_mask with
  // logical_or, into a float one with masked_fill: either way it then masks where nonzero
  ctx.attrs.key_padding_mask_masks = masks->key_padding_bool || masks->attn_bool;
  ctx.attrs.attn_mask_masks = masks->attn_bool;
  if (!add_attention_weights(ctx, *h)) return false;
  if (result != 0) return true;  // the weights' row: the products are the output row's
  int64_t n = counted(batch), l = counted(len), s = counted(src), e = h->embed;
  int64_t attended = s + (h->bias_kv ? 1 : 0) + (h->zero_attn ? 1 : 0);
  return ctx.add_macs({n, l, e, e}) && ctx.add_macs({n, s, h->kdim, e}) &&
         ctx.add_macs({n, s, h->vdim, e}) && ctx.add_macs({2, n, l, attended, e}) &&
         ctx.add_macs({n, l, e, e});
}

}  // namespace netshape
