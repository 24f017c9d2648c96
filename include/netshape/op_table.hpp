// The op registry, generated from ops.def: enum, names, signatures.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netshape/ir.hpp"

namespace netshape {

enum class OpId {
#define NS_OP(id, name, nd, family, kind, schema) id,
#include "netshape/ops.def"
#undef NS_OP
};

inline constexpr size_t kOpCount = 0
#define NS_OP(id, name, nd, family, kind, schema) +1
#include "netshape/ops.def"
#undef NS_OP
    ;

enum class Family {
#define NS_FAMILY(family, ...) family,
#include "netshape/op_families.def"
#undef NS_FAMILY
};

inline constexpr size_t kFamilyCount = 0
#define NS_FAMILY(family, ...) +1
#include "netshape/op_families.def"
#undef NS_FAMILY
    ;

// Pinned, as ggml pins GGML_OP_COUNT: adding an op or a family fails here first, as a reminder
// that it needs its table row, its rule, its forward, its docs and its test (docs/architecture.md).
static_assert(kOpCount == 232, "ops.def changed: update this count after adding the op everywhere");
static_assert(kFamilyCount == 70, "op_families.def changed: give the family its rule and forward");

// What an op computes within its family, where ops of one family differ (ops.def's kind column):
// the forward of the elementwise family applies `relu` or `sigmoid`, the executor fuses a `relu`
// into the convolution before it, a `reshape` keeps its input's shape for help lines, `sum`
// reduces like `mean` but adds.
enum class OpKind {
  none,
  relu,
  relu6,
  leaky_relu,
  elu,
  gelu,
  silu,
  sigmoid,
  tanh,
  hardswish,
  hardsigmoid,
  softplus,  // log(1 + exp(beta x)) / beta, x itself above the threshold
  mish,      // x tanh(softplus(x))
  logsigmoid,
  hardtanh,    // clamp(x, min_val, max_val) (ReLU6 is hardtanh(x, 0, 6))
  selu,        // scale * elu(x, alpha) with SELU's fixed alpha and scale
  celu,        // elu(x / alpha) * alpha for x < 0, x otherwise
  softsign,    // x / (1 + |x|)
  tanhshrink,  // x - tanh(x)
  softshrink,  // x - lambd above lambd, x + lambd below -lambd, 0 between
  hardshrink,  // x outside [-lambd, lambd], 0 inside
  threshold,   // value where x <= threshold, x otherwise
  rrelu,       // leaky_relu with a random slope in [lower, upper] when training; their mean in eval
  softmax,
  log_softmax,
  softmin,  // the softmax of -x
  reshape,
  add,
  sub,
  mul,
  div,
  sum,        // the mean family adds instead of averaging
  std,        // the mean family: the standard deviation, the variance (Bessel-corrected unless
  var,        // unbiased=False or another correction=)
  parameter,  // the source family: weights, counted as params
  ones,       // the source family: filled with ones
  arange,     // the source family: start, start + step, ... below end
  eye,        // the source family: an n x m matrix, ones on its diagonal
  linspace,   // the source family: `steps` values evenly from start to end
  random,     // the source family: randn, rand, new values at every run (so no index is known)
  amax,       // the mean family: the largest, the smallest, or where they are
  amin,
  argmax,
  argmin,
  norm,       // the mean family: the p-norm of the reduced values
  logsumexp,  // the mean family: log(sum(exp(x))), computed from the largest
  prod,       // the mean family: the product of the reduced values
  maximum,    // the add family: elementwise larger / smaller of two tensors
  minimum,
  logical_and,  // the add family: 1 where both / either / exactly one of two tensors is nonzero
  logical_or,
  logical_xor,
  pixel_unshuffle,  // the pixel_shuffle family: channels to space is its default, this the inverse
  triu,             // the triangle family: keeps the upper triangle (tril, the default, the lower)
  rnn,              // the recurrent family: an Elman cell (tanh or relu), an LSTM's, a GRU's
  lstm,
  gru,
  reflect,    // the pad family: a module of one mode (nn.ReflectionPad2d), its `padding` an int
  replicate,  // or a tuple (F.pad takes `pad` and `mode=`)
  pairwise,   // the distance family: the p-norm of a - b (cosine similarity is its default)
  l1,         // the elementwise_loss family: |a - b| (the squared error is its default),
  smooth_l1,  // its smoothed form below beta,
  huber,      // the Huber loss of delta
};

// The gates a recurrent cell computes per hidden unit (its weights' rows are gates * hidden_size):
// an LSTM's input, forget, cell and output gates, a GRU's reset, update and new, an RNN's one.
inline int64_t recurrent_gates(OpKind kind) {
  return kind == OpKind::lstm ? 4 : kind == OpKind::gru ? 3 : 1;
}

// Whether family `f` is a convolution of torch.nn.functional (F.conv2d, F.conv_transpose2d),
// whose weight and optional bias are tensors of the model: its inputs 1 and 2.
inline bool is_functional_conv(Family f) {
  return f == Family::conv_functional || f == Family::conv_transpose_functional;
}

// Whether an op of family `f` can return its maxima's positions beside them (a max pool or
// adaptive max pool given return_indices=True): the .py reader splits its result, inference
// bounds the indices, max_unpool reads them.
inline bool pools_with_indices(Family f) {
  return f == Family::max_pool || f == Family::adaptive_max_pool;
}

// Where an op reads the size its feature parameter names.
enum class FeatureAxis { None, Channel, Last };

// What an op's output dim 0 is (op_families.def explains the three).
enum class BatchDim { Keeps, Unbatched, Changes };

// How PyTorch lays out an op's output in memory, which decides whether a later `view` of it is
// allowed (src/infer/layout.cpp follows it).
enum class LayoutRule {
  Fresh,        // a new contiguous tensor, however the input lies (Linear, softmax, reductions)
  LikeInput,    // contiguous, unless the input is channels-last (convolution, pooling, norms):
                // PyTorch may keep channels-last then, which netshape does not follow
  Elementwise,  // TensorIterator's output, in its inputs' order of strides (activations, add);
                // Identity and dropout at inference return their input itself
  View,         // the input's own memory, its strides moved as the op moves dims
  Join,         // cat, stack: contiguous unless the inputs are channels-last
  Contraction,  // einsum: contiguous when its one bmm's output is already in the output's order,
                // else (a permuted bmm output, a view of one operand, a product) not followed
  Preserve,     // empty_like(MemoryFormat::Preserve) (flip): a dense input's strides, else dense
                // strides in the input's order
  Rearranged,   // a new tensor made of pieces of the input (roll: a cat of two narrows):
                // contiguous for a contiguous input, else not followed
  Halves,       // TensorIterator's output over two halves of the input (glu's narrows): in the
                // input's order of strides
};

struct FamilyInfo {
  Family id;
  std::string_view name;
  std::string_view feature_param;  // e.g. "in_channels"; empty when the family has none
  FeatureAxis feature_axis;
  BatchDim batch_dim;
  LayoutRule layout;
  std::string_view rule;  // the rule in words (docs/ops.md)
};

const FamilyInfo& family_info(Family f);

// One parameter of an op's PyTorch signature, e.g. `stride=1`.
struct ParamSpec {
  std::string name;
  bool required = false;
  Value default_value;          // when not required
  bool var_positional = false;  // `*shape`
  bool var_keyword = false;     // `**kwargs`
  bool keyword_only = false;    // after a bare `*` (`add`'s alpha): never bound by position
};

struct OpInfo {
  OpId id;
  std::string_view name;
  int spatial_dims;  // 1/2/3 for the Nd ops, 0 otherwise
  Family family;
  OpKind kind;
  std::string_view signature;
  std::vector<ParamSpec> params;  // parsed from signature
  // The index in `params` of the parameter called `param`, or -1 when the op has none.
  int param_index(std::string_view param) const {
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].name == param) return static_cast<int>(i);
    return -1;
  }
  bool has_param(std::string_view param) const { return param_index(param) >= 0; }
  // A CamelCase name is a torch.nn module; `Tensor.unfold`, a Tensor method, is not.
  bool is_module() const {
    return !name.empty() && name[0] >= 'A' && name[0] <= 'Z' &&
           name.find('.') == std::string_view::npos;
  }
};

const OpInfo& op_info(OpId id);
std::optional<OpId> find_op(std::string_view name);
std::vector<std::string> all_op_names();
// The bytes of an element of what a call of `op` makes when that is integers whatever the
// model's dtype, else 0: argmax and argmin (int64), an arange of whole numbers (start, end and
// step ints) with no dtype= (int64) or an integer one (int32: 4), logical_and/or/xor (bool: 1).
int integer_element_bytes(const OpInfo& op, const std::vector<Arg>& args);
// The bytes of an element of the integer dtype named (`"int32"`, `"torch.long"`), else 0.
int integer_dtype_bytes(std::string_view dtype);
// The value written for `param` in a call of `op`: by keyword, or by its position in the op's
// signature (ops.def); null when the call leaves it out (or gives it after a `*shape`, where no
// position names it).
const Value* written_argument(const std::vector<Arg>& args, const OpInfo& op,
                              std::string_view param);
// Whether a call of `id` with these arguments returns its input itself: Identity, a dropout
// module (modules run in eval mode), `F.dropout` with p=0 or training=False. The frontends (an
// in-place write autograd would refuse) and inference (the output is the input) ask this.
bool returns_its_input(OpId id, const std::vector<Arg>& args);
// Whether a statement writes its result into its first input: `x.add_(y)`, `F.relu_(x)` (its
// extras say so), or a layer or function given inplace=True. The frontends, the memory estimate
// and the warnings ask this one question.
bool writes_in_place(const Statement& st);
// `name` as an argument's keyword: borrowed from the op table when some op has a parameter of that
// name (nearly every keyword written), a copy otherwise.
CompactString keyword_name(std::string_view name);

}  // namespace netshape
