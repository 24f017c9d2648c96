// `netshape params` on every op of ops.def, with a call built from the op's own signature: each
// answers (exit 0) with PyTorch's parameter count (sum(p.numel() for p in m.parameters())).
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "netshape/commands.hpp"
#include "netshape/op_table.hpp"

using namespace netshape;

namespace {

// An example value for each required parameter name of ops.def.
const std::map<std::string, std::string> kExample = {{"in_channels", "4"},
                                                     {"out_channels", "8"},
                                                     {"kernel_size", "3"},
                                                     {"num_features", "4"},
                                                     {"normalized_shape", "8"},
                                                     {"num_groups", "2"},
                                                     {"num_channels", "4"},
                                                     {"in_features", "8"},
                                                     {"out_features", "4"},
                                                     {"output_size", "2"},
                                                     {"dim", "1"},
                                                     {"unflattened_size", "(2, 8)"},
                                                     {"sizes", "(2, 8)"},
                                                     {"dim0", "0"},
                                                     {"dim1", "1"},
                                                     {"padding", "1"},
                                                     {"value", "0.0"},
                                                     {"start", "0"},
                                                     {"length", "2"},
                                                     {"index", "0"},
                                                     {"indices", "[0, 2]"},
                                                     {"pad", "(1, 1)"},
                                                     {"shape", "-1"},
                                                     {"dims", "0, 2, 1"},
                                                     {"shifts", "1"},
                                                     {"size", "3, -1, -1, -1, -1"},
                                                     {"upscale_factor", "3"},
                                                     {"downscale_factor", "3"},
                                                     {"embed_dim", "8"},
                                                     {"num_heads", "2"},
                                                     {"input_size", "8"},
                                                     {"hidden_size", "4"},
                                                     {"num_embeddings", "10"},
                                                     {"embedding_dim", "3"},
                                                     {"equation", "'...->...'"},
                                                     {"threshold", "0.1"},
                                                     {"k", "2"},
                                                     {"repeats", "2"},
                                                     {"groups", "3"}};

// Calls that need more than their required parameters to be valid.
const std::map<std::string, std::string> kWhole = {
    {"Upsample", "Upsample(scale_factor=2)"},
    {"UpsamplingNearest2d", "UpsamplingNearest2d(scale_factor=2)"},
    {"UpsamplingBilinear2d", "UpsamplingBilinear2d(scale_factor=2)"},
    {"interpolate", "interpolate(scale_factor=2)"},
    {"LocalResponseNorm", "LocalResponseNorm(3)"},            // its size is not a shape's
    {"batch_norm", "batch_norm(None, None, training=True)"},  // the batch's statistics
    {"local_response_norm", "local_response_norm(3)"},
    {"add", "add(x)"},
    {"sub", "sub(x)"},
    {"mul", "mul(x)"},
    {"div", "div(x)"},
    {"cat", "cat([x, x], dim=1)"},
    {"stack", "stack([x, x], dim=1)"},
    {"matmul", "matmul(x)"},
    {"bmm", "bmm(x)"},
    {"parameter", "parameter(1, 1, 768)"},
    {"zeros", "zeros(2, 3)"},
    {"ones", "ones(2, 3)"},
    {"empty", "empty(2, 3)"},
    {"randn", "randn(2, 3)"},
    {"rand", "rand(2, 3)"},
    {"arange", "arange(0, 10, 3)"},
    {"eye", "eye(3, 4)"},
    {"linspace", "linspace(-1, 1, 5)"},
    {"maximum", "maximum(x)"},
    {"minimum", "minimum(x)"},
    {"logical_and", "logical_and(x)"},
    {"logical_or", "logical_or(x)"},
    {"logical_xor", "logical_xor(x)"},
    {"masked_fill", "masked_fill(x, 0.0)"},
    {"setitem", "setitem(index=[0], value=1.0)"},
    {"one_hot", "one_hot(3)"},
    {"gather", "gather(x, x, 0)"},
    {"index", "index(1, [0, 2])"},
    {"where", "where(x, x, x)"},
    {"affine_grid", "affine_grid((1, 1, 4, 4))"},
    {"grid_sample", "grid_sample(x)"},
    {"cosine_similarity", "cosine_similarity(x)"},
    {"pairwise_distance", "pairwise_distance(x)"},
    {"cdist", "cdist(x)"},
    {"mse_loss", "mse_loss(x)"},
    {"l1_loss", "l1_loss(x)"},
    {"smooth_l1_loss", "smooth_l1_loss(x)"},
    {"huber_loss", "huber_loss(x)"},
    {"conv1d", "conv1d(x)"},  // the input as its own weight: F.conv has no params of its own
    {"conv2d", "conv2d(x)"},
    {"conv3d", "conv3d(x)"},
    {"conv_transpose1d", "conv_transpose1d(x)"},  // [1, 1, *16] is its own transposed weight
    {"conv_transpose2d", "conv_transpose2d(x)"},
    {"conv_transpose3d", "conv_transpose3d(x)"},
    {"Fold", "Fold((4, 4), 3)"},  // an output_size the kernel fits in
    {"fold", "fold((4, 4), 3)"},
    {"Tensor.unfold", "Tensor.unfold(1, 2, 1)"},
    {"view", "view(-1)"},  // its *size is expand's name, whose example has a dim more
    {"repeat", "repeat(1, 2, 1, 1)"}};

// PyTorch's counts for those calls; every other op has no parameters.
const std::map<std::string, int64_t> kParams = {
    {"Conv1d", 8 * 4 * 3 + 8},
    {"Conv2d", 8 * 4 * 9 + 8},
    {"Conv3d", 8 * 4 * 27 + 8},
    {"ConvTranspose1d", 4 * 8 * 3 + 8},
    {"ConvTranspose2d", 4 * 8 * 9 + 8},
    {"ConvTranspose3d", 4 * 8 * 27 + 8},
    {"BatchNorm1d", 8},
    {"BatchNorm2d", 8},
    {"BatchNorm3d", 8},
    {"LayerNorm", 16},
    {"GroupNorm", 8},
    {"Linear", 8 * 4 + 4},
    {"PReLU", 1},                               // one slope unless num_parameters= says more
    {"MultiheadAttention", 4 * 8 * 8 + 4 * 8},  // in_proj 3E*E + 3E, out_proj E*E + E
    {"RNN", 4 * 8 + 4 * 4 + 2 * 4},             // weight_ih, weight_hh, bias_ih, bias_hh
    {"GRU", 3 * (4 * 8 + 4 * 4 + 2 * 4)},       // three gates
    {"RNNCell", 4 * 8 + 4 * 4 + 2 * 4},
    {"GRUCell", 3 * (4 * 8 + 4 * 4 + 2 * 4)},   // three gates, as GRU's one layer
    {"LSTMCell", 4 * (4 * 8 + 4 * 4 + 2 * 4)},  // four gates
    {"LSTM", 4 * (4 * 8 + 4 * 4 + 2 * 4)},      // four gates
    {"Embedding", 10 * 3},                      // the table: one row per index
    {"EmbeddingBag", 10 * 3},                   // the same table, its rows reduced per bag
    {"parameter", 768}};                        // nn.Parameter(zeros(1, 1, 768))

std::string example_call(const OpInfo& op) {
  std::string name(op.name);
  if (kWhole.count(name)) return kWhole.at(name);
  std::string args;
  for (const ParamSpec& p : op.params) {
    if (!p.required && !(p.var_positional && p.name != "args")) continue;  // not Identity(*args)
    REQUIRE_MESSAGE(kExample.count(p.name), "no example value for " << name << "'s " << p.name);
    args += (args.empty() ? "" : ", ") + kExample.at(p.name);
  }
  return name + "(" + args + ")";
}

}  // namespace

TEST_CASE("params: every op of ops.def answers with PyTorch's parameter count") {
  for (const std::string& name : all_op_names()) {
    const OpInfo& op = op_info(*find_op(name));
    QuizOptions q;
    q.text = example_call(op);
    std::ostringstream out, err;
    int code = command_params(q, out, err);
    INFO(q.text << "\n" << out.str() << err.str());
    CHECK(code == 0);
    int64_t expected = kParams.count(name) ? kParams.at(name) : 0;
    std::string first_line = out.str().substr(0, out.str().find('\n'));
    CHECK(first_line.find(": " + std::to_string(expected) + " params") != std::string::npos);
  }
}

TEST_CASE("params: the family table says which argument sizes the input") {
  CHECK(family_info(op_info(OpId::Conv2d).family).feature_param == "in_channels");
  CHECK(family_info(op_info(OpId::GroupNorm).family).feature_param == "num_channels");
  CHECK(family_info(op_info(OpId::LayerNorm).family).feature_axis == FeatureAxis::Last);
  CHECK(family_info(op_info(OpId::ReLU).family).feature_axis == FeatureAxis::None);
  QuizOptions q;
  q.text = "LayerNorm((4, 8))";
  std::ostringstream out, err;
  CHECK(command_params(q, out, err) == 0);
  CHECK(out.str() ==
        "layernorm1 (LayerNorm): 64 params\n  weight: [4, 8] = 32\n  bias: [4, 8] = 32\n");
}
