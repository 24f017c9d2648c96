// Shape rule of the embedding family (nn.Embedding): a table of rows looked up by index.
#include <fmt/format.h>

#include <algorithm>

#include "netshape/graph.hpp"
#include "rule_context.hpp"

namespace netshape {
namespace {

// In the model language tensors have no element type: the indices an Embedding reads are what
// can only be integers there (a model input, an arange of whole numbers, an argmax or argmin),
// or one of those moved by views. A `.py` file's dtypes are the Python reader's to check (it
// tracks them, casts included).
bool holds_indices(const Graph& g, TensorId t) {
  while (true) {  // each step goes to an earlier node: the walk ends
    NodeId n = g.tensors[t].producer;
    if (n == kNoId) return true;  // a model input
    const GraphNode& node = g.nodes[n];
    const OpInfo& op = op_info(node.op);
    if (makes_int64(op, node.statement->args)) return true;
    if (family_info(op.family).layout != LayoutRule::View || node.inputs.empty()) return false;
    t = node.inputs[0];
  }
}

// The table's size, as torch.empty((num_embeddings, embedding_dim)) takes it: ints only (a
// bool or float is its TypeError), none negative.
std::optional<int64_t> table_dim(RuleContext& ctx, std::string_view param) {
  const Value& v = ctx.value(param);
  if (v.kind != Value::Kind::Int) {
    ctx.fail_at(param,
                "empty() received an invalid combination of arguments - got (tuple, "
                "dtype=NoneType, device=NoneType), but expected one of:",
                fmt::format("{} is {}: write {}=<integer>", param, kind_name(v), param));
    return std::nullopt;
  }
  return v.i;
}

}  // namespace

// Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)
// indices [*] -> [*, embedding_dim]; weight [num_embeddings, embedding_dim]
bool infer_embedding(RuleContext& ctx) {
  auto rows = table_dim(ctx, "num_embeddings");
  auto dim = rows ? table_dim(ctx, "embedding_dim") : std::nullopt;
  if (!dim) return false;
  // nn.Embedding.__init__: padding_idx is checked first, then the weight is made.
  if (!ctx.is_none("padding_idx")) {
    auto pad = ctx.int_arg("padding_idx", INT64_MIN);
    if (!pad) return false;
    if ((*pad > 0 && *pad >= *rows) || (*pad < 0 && *pad < -*rows))
      return ctx.fail_at("padding_idx", "Padding_idx must be within num_embeddings",
                         fmt::format("use a padding_idx in [{}, {})", -*rows, *rows));
  }
  for (int64_t d : {*rows, *dim})
    if (d < 0)
      return ctx.fail_at(d == *rows ? "num_embeddings" : "embedding_dim",
                         fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]",
                                     d, *rows, *dim),
                         "sizes are at least 0");
  if (!ctx.st.python && !holds_indices(ctx.graph, ctx.layer.input_ids[0]))
    return ctx.fail_input_unsupported(
        fmt::format("{} looks up rows by index, and `{}` is not made of indices", ctx.name(),
                    ctx.input_name(0)),
        "give the Embedding a model input (the token ids), or an arange or argmax of one");
  const Shape& x = ctx.x();
  if (!count_product(x)) return ctx.fail_input("the input is too large", "use a smaller input");
  // Any index is out of a table of no rows (index_select's check); an empty input reads none.
  bool no_indices =
      std::any_of(x.begin(), x.end(), [](const Dim& d) { return !d.symbolic() && d.value == 0; });
  if (*rows == 0 && !no_indices)
    return ctx.fail_at("num_embeddings",
                       "index_select(): self indexing axis dim should be positive",
                       "an Embedding needs at least one row: num_embeddings >= 1");
  Shape s = x;
  s.push_back(fixed(*dim));
  ctx.set_output(s);
  ctx.attrs.in_channels = *rows;  // the forward checks each index against it
  ctx.explain("out = {} + [{}] (one row of {} numbers per index)", to_string(x), *dim, *dim);
  return ctx.add_weight("weight", {*rows, *dim});
}

}  // namespace netshape
