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
  if (!ctx.check_leading_size(param, "empty", false)) return std::nullopt;  // a bool first
  std::string help = fmt::format("{} is {}: write {}=<integer>", param, kind_name(v), param);
  if (first || v.kind != Value::Kind::Float)
    ctx.fail_at_construction(param,
                             "empty() received an invalid combination of arguments - got (tuple, "
                             "dtype=NoneType, device=NoneType), but expected one of:",
                             help);
  else
    ctx.fail_at_construction(
        param,
        "empty(): argument 'size' must be tuple of SymInts, but found element of type "
        "float at pos 2",
        help);
  return std::nullopt;
}

// nn.Embedding.__init__'s first check, before the weight is made: `padding_idx < num_embeddings`
// when it is positive, `padding_idx >= -num_embeddings` when negative (an assertion), in Python's
// arithmetic: a float or bool passes as its number, a string is a TypeError.
bool padding_in_table(RuleContext& ctx) {
  const Value& pad = ctx.value("padding_idx");
  const Value& rows = ctx.value("num_embeddings");
  auto number = [](const Value& v) -> std::optional<double> {
    if (v.kind == Value::Kind::Int) return static_cast<double>(v.i);
    if (v.kind == Value::Kind::Bool) return v.b ? 1.0 : 0.0;
    if (v.kind == Value::Kind::Float) return v.f;
    return std::nullopt;
  };
  std::optional<double> p = number(pad), n = number(rows);
  if (!p)
    return ctx.fail_at(
        "padding_idx",
        fmt::format("'>' not supported between instances of '{}' and 'int'", python_type(pad)),
        "write padding_idx=<integer> (the row of the padding token), or leave it out");
  if (*p == 0 || std::isnan(*p)) return true;  // compared with 0 only
  if (!n)
    return ctx.fail_at("num_embeddings",
                       *p > 0
                           ? fmt::format("'<' not supported between instances of '{}' and '{}'",
                                         python_type(pad), python_type(rows))
                           : fmt::format("bad operand type for unary -: '{}'", python_type(rows)),
                       "write num_embeddings=<integer>, the number of rows of the table");
  bool outside;
  if (pad.kind != Value::Kind::Float && rows.kind == Value::Kind::Int) {  // exact, in int64
    int64_t index = pad.kind == Value::Kind::Int ? pad.i : pad.b;
    outside = index > 0 ? index >= rows.i : (rows.i <= 0 || index < -rows.i);
  } else {
    outside = *p > 0 ? *p >= *n : *p < -*n;
  }
  if (!outside) return true;
  std::string help = "use a padding_idx in [-num_embeddings, num_embeddings)";
  if (rows.kind == Value::Kind::Int && rows.i > 0)
    help = fmt::format("use a padding_idx in [{}, {})", -rows.i, rows.i);
  else if (rows.kind == Value::Kind::Int)
    help = "a table of no rows has no padding row: leave padding_idx out";
  return ctx.fail_at_construction("padding_idx",
                                  ctx.op.id == OpId::EmbeddingBag
                                      ? "padding_idx must be within num_embeddings"
                                      : "Padding_idx must be within num_embeddings",
                                  help);
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

// F.embedding's (F.embedding_bag's) arguments as its calls parse them: embedding_renorm_(weight,
// input, max_norm, norm_type) when max_norm is given, then embedding(weight, input, padding_idx,
// scale_grad_by_freq, sparse) (embedding_bag(weight, input, offsets, scale_grad_by_freq, mode,
// sparse, per_sample_weights, include_last_offset, padding_idx)). Each takes exactly its type: an
// int is no bool, a bool no int; the first wrong one in its call's order is the error.
bool forward_arguments_ok(RuleContext& ctx, bool bag) {
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
  const char* call = bag ? "embedding_bag" : "embedding";
  auto padding_ok = [&] {
    return ctx.value("padding_idx").kind != Value::Kind::Bool ||
           refuse(call, "padding_idx", bag ? 9 : 3, "int", "write padding_idx=<integer>");
  };
  if (!bag && !padding_ok()) return false;
  for (auto [param, position] : {std::pair{"scale_grad_by_freq", 4}, std::pair{"sparse", 5}})
    if (ctx.value(param).kind != Value::Kind::Bool)
      return refuse(call, param, bag && position == 5 ? 6 : position, "bool",
                    fmt::format("write {}=True or {}=False", param, param));
  return !bag || padding_ok();
}

// The largest norm a row keeps, as the forward renormalises rows (max_norm and norm_type, numbers
// forward_arguments_ok checked).
void keep_max_norm(RuleContext& ctx) {
  if (ctx.is_none("max_norm")) return;
  ctx.attrs.max_norm = ctx.float_arg("max_norm");
  ctx.attrs.p = ctx.float_arg("norm_type").value_or(2.0);
}

// Indices known to the last (an arange, `torch.arange(T)` of positions): one outside the table
// is the forward's error, whatever the data. With max_norm the renorm step reads the rows first,
// the distinct indices in increasing order, and `select` refuses the first beyond the table (a
// negative one down to -rows selects from the end); then the lookup refuses any negative one.
bool indices_in_table(RuleContext& ctx, int64_t rows, int64_t dim) {
  const KnownValues& ids = ctx.input_values;
  if (!out_of_range(ids, 0, rows).any) return true;
  std::string help = ids.hi >= rows
                         ? fmt::format(
                               "{} reads index {}, and its table has rows 0 to {}: give it "
                               "num_embeddings={} or more, or read fewer positions",
                               ctx.name(), ids.hi, rows - 1, ids.hi + 1)
                         : fmt::format(
                               "{} reads index {}: the indices of a table are 0 to {}, "
                               "start the positions at 0",
                               ctx.name(), ids.lo, rows - 1);
  if (OutOfRange bad = out_of_range(ids, -rows, rows); bad.any && !ctx.is_none("max_norm")) {
    return ctx.fail_input(
        fmt::format("select(): index {} out of range for tensor of size [{}, {}] at dimension 0",
                    bad.smallest, rows, dim),
        help);
  }
  return ctx.fail_input("index out of range in self", help);
}

// The table of an Embedding or EmbeddingBag, as its __init__ makes it: padding_idx checked, then
// the weight [num_embeddings, embedding_dim], then its padding row zeroed. nullopt after an error.
std::optional<std::pair<int64_t, int64_t>> table_of(RuleContext& ctx) {
  if (!ctx.is_none("padding_idx") && !padding_in_table(ctx)) return std::nullopt;
  auto rows = table_dim(ctx, "num_embeddings");
  auto dim = rows ? table_dim(ctx, "embedding_dim") : std::nullopt;
  if (!dim) return std::nullopt;
  for (int64_t d : {*rows, *dim})
    if (d < 0) {
      ctx.fail_at_construction(
          d == *rows ? "num_embeddings" : "embedding_dim",
          fmt::format("Trying to create tensor with negative dimension {}: [{}, {}]", d, *rows,
                      *dim),
          "sizes are at least 0");
      return std::nullopt;
    }
  if (!ctx.is_none("padding_idx") && !padding_row_exists(ctx, *rows)) return std::nullopt;
  return std::pair{*rows, *dim};
}

// Which of an EmbeddingBag's inputs after the indices are the offsets and the per-sample weights:
// by position (indices, offsets, per_sample_weights), or by the role the call gave them.
void bag_inputs(RuleContext& ctx) {
  const std::vector<InputRole>& roles = ctx.st.extras().input_roles;
  for (size_t i = 1; i < ctx.in().size(); ++i) {
    bool weights = (i < roles.size() && roles[i].kind == InputRole::per_sample_weights) || i == 2;
    (weights ? ctx.attrs.sample_weights_input : ctx.attrs.offsets_input) = static_cast<int>(i);
  }
}

// F.embedding_bag's checks of its tensors, in its order (ValueErrors in Python, then the
// kernel's): per_sample_weights the indices' shape; indices 2-D without offsets, or 1-D with 1-D
// offsets; the mode; per_sample_weights only with mode 'sum'. The number of bags, or nullopt.
std::optional<Dim> bags_of(RuleContext& ctx, BagMode mode) {
  const Shape& ids = ctx.x();
  const Shape* offsets = ctx.attrs.offsets_input > 0 ? &ctx.in()[1] : nullptr;
  if (ctx.attrs.sample_weights_input > 0) {
    const Shape& w = ctx.in()[static_cast<size_t>(ctx.attrs.sample_weights_input)];
    if (w != ids) {
      ctx.fail_input(
          fmt::format("embedding_bag: If per_sample_weights ({}) is not None, then it "
                      "must have the same shape as the input ({})",
                      "torch.Size(" + to_string(w) + ")", "torch.Size(" + to_string(ids) + ")"),
          "give one weight per index: per_sample_weights of the indices' shape");
      return std::nullopt;
    }
  }
  if (ids.size() == 2 && offsets) {
    ctx.fail_input(
        "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
        "fixed length sequences. However, found offsets of type <class 'torch.Tensor'>",
        "a 2-D input is a batch of bags of one length: leave the offsets out");
    return std::nullopt;
  }
  if (ids.size() == 1 && (!offsets || offsets->size() != 1)) {
    ctx.fail_input(
        offsets ? "offsets has to be a 1D Tensor" : "offsets has to be a 1D Tensor but got None",
        "give a 1-D input with the start of each bag: bag(ids, offsets)");
    return std::nullopt;
  }
  if (ids.size() != 1 && ids.size() != 2) {
    ctx.fail_input(
        fmt::format("input has to be 1D or 2D Tensor, but got Tensor of dimension {}", ids.size()),
        "give a batch of bags [B, N], or the indices [N] with offsets [B]");
    return std::nullopt;
  }
  if (mode == BagMode::max && ctx.bool_arg("scale_grad_by_freq").value_or(false)) {
    ctx.fail_at("scale_grad_by_freq",
                "max mode does not support scaling the gradient by the frequency",
                "use mode='sum' or 'mean', or leave scale_grad_by_freq off");
    return std::nullopt;
  }
  if (mode == BagMode::max && ctx.bool_arg("sparse").value_or(false)) {
    ctx.fail_at("sparse", "max mode does not support sparse weights",
                "use mode='sum' or 'mean', or leave sparse off");
    return std::nullopt;
  }
  if (ctx.attrs.sample_weights_input > 0 && mode != BagMode::sum) {
    ctx.fail_at("mode",
                fmt::format("embedding_bag: per_sample_weights was not None. per_sample_weights "
                            "is only supported for mode='sum' (got mode='{}'). Please open a "
                            "feature request on GitHub.",
                            mode == BagMode::mean ? "mean" : "max"),
                "weigh the rows with mode='sum'");
    return std::nullopt;
  }
  if (ids.size() == 2 && !ids[1].symbolic() && ids[1].value == 0) {  // arange's step, 0
    ctx.fail_input("step must be nonzero", "give each bag at least one index");
    return std::nullopt;
  }
  Dim bags = ids.size() == 2 ? ids[0] : (*offsets)[0];
  if (!ctx.attrs.include_last_offset) return bags;
  if (bags.symbolic()) {
    ctx.fail_input_unsupported(
        "include_last_offset with a batch-sized number of offsets (one bag fewer than the batch)",
        "give the offsets a fixed size");
    return std::nullopt;
  }
  if (bags.value == 0) {
    ctx.fail_input("include_last_offset: number of offset should be at least 1",
                   "give the offsets the start of every bag and the end of the last");
    return std::nullopt;
  }
  return Dim{bags.value - 1, 0};
}

// The embedding_bag kernel's dtype checks, after F.embedding_bag's own: the indices and offsets
// Long or Int, the per-sample weights the table's type (the .py reader keeps a refused dtype in
// the input's role; the model language has no dtypes).
bool kernel_dtypes_ok(RuleContext& ctx) {
  const std::vector<InputRole>& roles = ctx.st.extras().input_roles;
  for (size_t i = 0; i < roles.size() && i < ctx.in().size(); ++i) {
    const char* type = roles[i].refused_dtype;
    if (!type) continue;
    Span at = i < ctx.node.input_spans.size() && ctx.node.input_spans[i].valid()
                  ? ctx.node.input_spans[i]
                  : ctx.st.span;
    if (static_cast<int>(i) == ctx.attrs.sample_weights_input)
      return ctx.fail(at,
                      fmt::format("Expected tensor for argument #1 'weight' to have the same "
                                  "type as tensor for argument #1 'per_sample_weights'; but type "
                                  "torch.FloatTensor does not equal {} (while checking arguments "
                                  "for embedding_bag)",
                                  type),
                      "give the weights as float32: `.float()`");
    return ctx.fail(at,
                    fmt::format("Expected tensor for argument #1 'indices' to have one of the "
                                "following scalar types: Long, Int; but got {} instead (while "
                                "checking arguments for embedding_bag)",
                                type),
                    "an EmbeddingBag looks up integer indices: give them as token ids "
                    "(`--input NAME=B,50:long`, or a `# input: [B, 50] long` comment), or cast "
                    "with `.long()`");
  }
  return true;
}

// EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, ..., mode='mean', ...,
// include_last_offset=False, padding_idx=None)
// indices [B, N] -> [B, embedding_dim]; indices [N], offsets [B] -> [B, embedding_dim] ([B - 1,
// ...] with include_last_offset); per_sample_weights (mode 'sum') of the indices' shape
bool infer_embedding_bag(RuleContext& ctx) {
  auto table = table_of(ctx);
  if (!table) return false;
  auto [rows, dim] = *table;
  auto mode_name = ctx.string_arg("mode");
  if (!mode_name) return false;
  BagMode mode = *mode_name == "sum"   ? BagMode::sum
                 : *mode_name == "max" ? BagMode::max
                                       : BagMode::mean;
  bool known_mode = *mode_name == "sum" || *mode_name == "mean" || *mode_name == "max";
  auto last = ctx.strict_bool_arg("include_last_offset");
  if (!last) return false;
  ctx.attrs.include_last_offset = *last;
  bag_inputs(ctx);
  if (!known_mode) {  // checked after the inputs' shapes, as F.embedding_bag does
    if (!bags_of(ctx, BagMode::sum)) return false;
    return ctx.fail_at("mode", "mode has to be one of sum, mean or max",
                       "write mode='sum', 'mean' or 'max'");
  }
  auto bags = bags_of(ctx, mode);
  if (!bags || !kernel_dtypes_ok(ctx) || !forward_arguments_ok(ctx, true)) return false;
  if (!ctx.st.python && !ctx.input_values.indices)
    return ctx.fail_input_unsupported(
        fmt::format("{} looks up rows by index, and `{}` is not made of indices", ctx.name(),
                    ctx.input_name(0)),
        "give the EmbeddingBag a model input (the token ids), or an arange or argmax of one");
  auto count = count_product(ctx.x());
  if (!count) return ctx.fail_input("the input is too large", "use a smaller input");
  if (!indices_in_table(ctx, rows, dim)) return false;
  ctx.attrs.bag_mode = mode;
  ctx.attrs.in_channels = rows;  // the forward checks each index against it
  keep_max_norm(ctx);
  if (const Value& pad = ctx.value("padding_idx"); pad.kind == Value::Kind::Int)
    ctx.attrs.padding_idx = pad.i < 0 ? pad.i + rows : pad.i;
  ctx.set_output(Shape{*bags, fixed(dim)});
  ctx.explain("out = [{}, {}]: one row of {} numbers per bag ({} of its rows)", to_string(*bags),
              dim, dim, *mode_name);
  if (ctx.attrs.sample_weights_input > 0 && !ctx.add_macs({*count, dim})) return false;
  return ctx.add_weight("weight", {rows, dim});
}

}  // namespace

// one_hot(num_classes=-1)
// indices [*] -> [*, num_classes] (int64): a 1 at each index's position, 0 elsewhere
bool infer_one_hot(RuleContext& ctx) {
  auto classes = ctx.strict_int_arg("num_classes", std::numeric_limits<int64_t>::min());
  if (!classes) return false;
  if (!ctx.st.python && !ctx.input_values.indices)
    return ctx.fail_input_unsupported(
        fmt::format("one_hot reads indices, and `{}` is not made of indices", ctx.input_name(0)),
        "give one_hot a model input (the class ids), or an arange or argmax of one");
  const Shape& x = ctx.x();
  if (!count_product(x)) return ctx.fail_input("the input is too large", "use a smaller input");
  bool empty = has_zero_dim(x);
  const KnownValues& ids = ctx.input_values;
  if (empty && *classes <= 0)  // PyTorch 1.13 says so for any num_classes below 1
    return ctx.fail_at("num_classes", "Can not infer total number of classes from empty tensor.",
                       "give num_classes: one_hot(x, 10)");
  if (!empty && ids.exact_range && ids.lo < 0)
    return ctx.fail_input(
        "Class values must be non-negative.",
        fmt::format("`{}` holds {}: one_hot reads class ids from 0", ctx.input_name(0), ids.lo));
  if (!empty && *classes == -1) {
    if (!ids.exact_range)
      return ctx.fail_unsupported(
          "num_classes",
          "one_hot without num_classes: its size is the largest index plus one, which depends "
          "on the input's values",
          "give num_classes: one_hot(x, 10)");
    *classes = ids.hi + 1;
  }
  // every index is at least 0: none is below a num_classes of 0 or less
  if (!empty && (*classes <= 0 || (ids.exact_range && ids.hi >= *classes)))
    return ctx.fail_at(
        "num_classes", "Class values must be smaller than num_classes.",
        ids.exact_range ? fmt::format("the indices go up to {}: num_classes={}", ids.hi, ids.hi + 1)
                        : std::string("num_classes is a count of classes: 1 or "
                                      "more"));
  Shape s = x;
  s.push_back(fixed(*classes));
  ctx.attrs.num_classes = *classes;
  ctx.set_output(s);
  return true;
}

// Embedding(num_embeddings, embedding_dim, padding_idx=None, ...)
// indices [*] -> [*, embedding_dim]; weight [num_embeddings, embedding_dim]
bool infer_embedding(RuleContext& ctx) {
  if (ctx.op.id == OpId::EmbeddingBag) return infer_embedding_bag(ctx);
  // nn.Embedding.__init__: padding_idx is checked first, then the weight is made and its
  // padding row zeroed.
  auto table = table_of(ctx);
  if (!table) return false;
  auto [rows, dim] = *table;
  if (!forward_arguments_ok(ctx, false)) return false;
  // In the model language tensors have no element type: the indices can only be what is int64
  // or int32 there (a model input, an arange of ints, an argmax), or one of those moved by views.
  // A `.py` file's dtypes are the Python reader's to check (it tracks them, casts included).
  if (!ctx.st.python && !ctx.input_values.indices)
    return ctx.fail_input_unsupported(
        fmt::format("{} looks up rows by index, and `{}` is not made of indices", ctx.name(),
                    ctx.input_name(0)),
        "give the Embedding a model input (the token ids), or an arange or argmax of one");
  const Shape& x = ctx.x();
  if (!count_product(x)) return ctx.fail_input("the input is too large", "use a smaller input");
  // Any index is out of a table of no rows (index_select's check); an empty input reads none.
  bool no_indices = has_zero_dim(x);
  if (rows == 0 && !no_indices)
    return ctx.fail_at("num_embeddings",
                       "index_select(): self indexing axis dim should be positive",
                       "an Embedding needs at least one row: num_embeddings >= 1");
  if (!indices_in_table(ctx, rows, dim)) return false;
  keep_max_norm(ctx);
  Shape s = x;
  s.push_back(fixed(dim));
  ctx.set_output(s);
  ctx.attrs.in_channels = rows;  // the forward checks each index against it
  ctx.explain("out = {} + [{}] (one row of {} numbers per index)", to_string(x), dim, dim);
  return ctx.add_weight("weight", {rows, dim});
}

}  // namespace netshape
