// Shape rule of the embedding family (nn.Embedding): a table of rows looked up by index.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "rule_context.hpp"

namespace netshape {
namespace {

// The table's size, as torch.empty((num_embeddings, embedding_dim)) takes it. Its parser decides
// on the tuple's first item: num_embeddings must be an int (a bool or float there is its
// "invalid combination"); after it, a bool is an int (Embedding(10, True) is a [10, 1] table).
std::optional<int64_t> table_dim(RuleContext& ctx, std::string_view param) {
  const Value& v = ctx.value(param);
  bool first = param == "num_embeddings";
  if (v.kind == Value::Kind::Bool && !first) return v.b ? 1 : 0;
  if (v.kind == Value::Kind::Int) return v.i;
  std::string help = fmt::format("{} is {}: write {}=<integer>", param, kind_name(v), param);
  if (first || v.kind != Value::Kind::Float)
    ctx.fail_at(param,
                "empty() received an invalid combination of arguments - got (tuple, "
                "dtype=NoneType, device=NoneType), but expected one of:",
                help);
  else
    ctx.fail_at(param,
                "empty(): argument 'size' must be tuple of SymInts, but found element of type "
                "float at pos 2",
                help);
  return std::nullopt;
}

// nn.Embedding.__init__'s first check: padding_idx compared with 0 and num_embeddings (an
// assertion). A float or bool passes it.
bool padding_in_table(RuleContext& ctx, int64_t rows) {
  const Value& v = ctx.value("padding_idx");
  bool outside = false;
  if (v.kind == Value::Kind::Int || v.kind == Value::Kind::Bool) {
    int64_t pad = v.kind == Value::Kind::Int ? v.i : v.b;
    outside = (pad > 0 && pad >= rows) || (pad < 0 && (rows <= 0 || pad < -rows));
  } else if (v.kind == Value::Kind::Float) {  // NaN compares false both ways: it passes
    auto table = static_cast<double>(rows);   // -table is exact, even for INT64_MIN
    outside = (v.f > 0 && v.f >= table) || (v.f < 0 && v.f < -table);
  } else {
    return ctx.fail_at(
        "padding_idx",
        fmt::format("'>' not supported between instances of '{}' and 'int'", python_type(v)),
        "write padding_idx=<integer> (the row of the padding token), or leave it out");
  }
  if (outside)
    return ctx.fail_at("padding_idx", "Padding_idx must be within num_embeddings",
                       rows > 0 ? fmt::format("use a padding_idx in [{}, {})", -rows, rows)
                                : std::string("a table of no rows has no padding row: leave "
                                              "padding_idx out"));
  return true;
}

// After the weight is made, its padding row is zeroed: `weight[padding_idx]`, which only an int
// indexes (a bool indexes too; the forward refuses it, forward_arguments_ok).
bool padding_row_exists(RuleContext& ctx, int64_t rows) {
  const Value& v = ctx.value("padding_idx");
  if (v.kind == Value::Kind::Float)
    return ctx.fail_at("padding_idx",
                       "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                       "Variables are valid indices (got float)",
                       "write padding_idx=<integer>, the row of the padding token");
  if (rows == 0 && v.kind == Value::Kind::Int)  // 0 passes the assertion, and no row 0 exists
    return ctx.fail_at("padding_idx", "index 0 is out of bounds for dimension 0 with size 0",
                       "a table of no rows has no padding row: leave padding_idx out");
  return true;
}

// F.embedding's arguments as its calls parse them: embedding_renorm_(weight, input, max_norm,
// norm_type) when max_norm is given, then embedding(weight, input, padding_idx,
// scale_grad_by_freq, sparse). Each takes exactly its type: an int is no bool, a bool no int.
bool forward_arguments_ok(RuleContext& ctx) {
  auto number = [](const Value& v) {
    return v.kind == Value::Kind::Int || v.kind == Value::Kind::Float ||
           v.kind == Value::Kind::Bool;
  };
  auto refuse = [&](std::string_view call, std::string_view param, int position,
                    std::string_view type, std::string help) {
    return ctx.fail_at(param,
                       fmt::format("{}(): argument '{}' (position {}) must be {}, not {}", call,
                                   param, position, type, python_type(ctx.value(param))),
                       std::move(help));
  };
  if (!ctx.is_none("max_norm")) {
    if (!number(ctx.value("max_norm")))
      return refuse("embedding_renorm_", "max_norm", 3, "float",
                    "write max_norm=<number> (the largest norm a row keeps), or leave it out");
    if (!number(ctx.value("norm_type")))
      return refuse("embedding_renorm_", "norm_type", 4, "float", "write norm_type=2.0");
  }
  if (ctx.value("padding_idx").kind == Value::Kind::Bool)
    return refuse("embedding", "padding_idx", 3, "int", "write padding_idx=<integer>");
  for (auto [param, position] : {std::pair{"scale_grad_by_freq", 4}, std::pair{"sparse", 5}})
    if (ctx.value(param).kind != Value::Kind::Bool)
      return refuse("embedding", param, position, "bool",
                    fmt::format("write {}=True or {}=False", param, param));
  return true;
}

}  // namespace

// Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)
// indices [*] -> [*, embedding_dim]; weight [num_embeddings, embedding_dim]
bool infer_embedding(RuleContext& ctx) {
  // nn.Embedding.__init__: padding_idx is checked first, then the weight is made and its
  // padding row zeroed.
  const Value& written_rows = ctx.value("num_embeddings");
  if (written_rows.kind == Value::Kind::Int && !ctx.is_none("padding_idx") &&
      !padding_in_table(ctx, written_rows.i))
    return false;
  auto rows = table_dim(ctx, "num_embeddings");
  auto dim = rows ? table_dim(ctx, "embedding_dim") : std::nullopt;
  if (!dim) return false;
  for (int64_t d : {*rows, *dim})
    if (d < 0)
      return ctx.fail_at(d == *rows ? "num_embeddings" : "embedding_dim",
                         fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]",
                                     d, *rows, *dim),
                         "sizes are at least 0");
  if (!ctx.is_none("padding_idx") && !padding_row_exists(ctx, *rows)) return false;
  if (!forward_arguments_ok(ctx)) return false;
  // In the model language tensors have no element type: the indices can only be what is
  // int64 or int32 there (a model input, an arange of ints, an argmax), or one of those moved by
  // views. A
  // `.py` file's dtypes are the Python reader's to check (it tracks them, casts included).
  if (!ctx.st.python && !ctx.input_values.indices)
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
  // Indices known to the last (an arange, `torch.arange(T)` of positions): one outside the table
  // is the forward's error, whatever the data.
  const KnownValues& ids = ctx.input_values;
  if (ids.exact_range && (ids.lo < 0 || ids.hi >= *rows))
    return ctx.fail_input(
        "index out of range in self",
        fmt::format("{} reads index {}, and its table has rows 0 to {}: give it num_embeddings={} "
                    "or more, or read fewer positions",
                    ctx.name(), ids.lo < 0 ? ids.lo : ids.hi, *rows - 1, ids.hi + 1));
  Shape s = x;
  s.push_back(fixed(*dim));
  ctx.set_output(s);
  ctx.attrs.in_channels = *rows;  // the forward checks each index against it
  ctx.explain("out = {} + [{}] (one row of {} numbers per index)", to_string(x), *dim, *dim);
  return ctx.add_weight("weight", {*rows, *dim});
}

}  // namespace netshape
