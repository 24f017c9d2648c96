// nn.MultiheadAttention against PyTorch 1.13 (the numbers and messages below were read off
// torch.nn.MultiheadAttention on tensors of these shapes): shapes, parameters, MACs, every check
// of its forward in PyTorch's order, the reader's call (need_weights, masks) and the forward pass.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

#include "netshape/exec.hpp"
#include "netshape/grouping.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

namespace {

// E = 64, 8 heads unless said: params 4*E*E + 4*E = 16,640; MACs per sample L*E*E (q) +
// S*kdim*E (k) + S*vdim*E (v) + 2*L*S'*E (scores, weighted sum) + L*E*E (out_proj).
const LayerCase kCases[] = {
    {"input x: [10, 2, 64]", "a = MultiheadAttention(64, 8)(x, x, x)", "[10, 2, 64]", 16640,
     2 * (10 * 4096 * 3 + 2 * 10 * 10 * 64 + 10 * 4096), ""},
    {"input q: [10, 64]\ninput kv: [7, 64]", "a = MultiheadAttention(64, 8)(q, kv, kv)", "[10, 64]",
     16640, 10 * 4096 + 2 * 7 * 4096 + 2 * 10 * 7 * 64 + 10 * 4096, ""},
    {"input x: [B, 10, 64]\ninput k: [B, 7, 32]\ninput v: [B, 7, 16]",
     "a = MultiheadAttention(64, 8, kdim=32, vdim=16, add_bias_kv=True, add_zero_attn=True, "
     "batch_first=True)(x, k, v)",
     "[B, 10, 64]", 11648, 10 * 4096 + 7 * 32 * 64 + 7 * 16 * 64 + 2 * 10 * 9 * 64 + 10 * 4096, ""},
    {"input x: [2, 10, 64]", "a = MultiheadAttention(64, 8, bias=False, batch_first=True)(x, x, x)",
     "[2, 10, 64]", 16384, 2 * (10 * 4096 * 3 + 2 * 10 * 10 * 64 + 10 * 4096), ""},
    // errors, in the order PyTorch checks
    {"input x: [64]", "a = MultiheadAttention(64, 8)(x, x, x)", "error", 0, 0,
     "query should be unbatched 2D or batched 3D tensor but received 1-D query tensor"},
    {"input x: [10, 2, 64]\ninput k: [7, 64]", "a = MultiheadAttention(64, 8)(x, k, k)", "error", 0,
     0,
     "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D "
     "tensors respectively"},
    {"input x: [10, 64]\ninput k: [7, 2, 64]", "a = MultiheadAttention(64, 8)(x, k, k)", "error", 0,
     0,
     "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found 3-D and 3-D "
     "tensors respectively"},
    {"input x: [2, 10, 64]\ninput k: [64]",
     "a = MultiheadAttention(64, 8, batch_first=True)(x, k, k)", "error", 0, 0,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
    {"input x: [10, 2, 32]", "a = MultiheadAttention(64, 8)(x, x, x)", "error", 0, 0,
     "was expecting embedding dimension of 64, but got 32"},
    {"input x: [10, 2, 64]\ninput k: [7, 2, 64]\ninput v: [6, 2, 64]",
     "a = MultiheadAttention(64, 8)(x, k, v)", "error", 0, 0,
     "key shape torch.Size([7, 2, 64]) does not match value shape torch.Size([6, 2, 64])"},
    {"input x: [10, 64]\ninput k: [7, 64]\ninput v: [6, 64]",
     "a = MultiheadAttention(64, 8)(x, k, v)", "error", 0, 0,
     "key shape torch.Size([7, 1, 64]) does not match value shape torch.Size([6, 1, 64])"},
    {"input x: [10, 2, 64]\ninput k: [7, 2, 32]", "a = MultiheadAttention(64, 8)(x, k, k)", "error",
     0, 0, "mat1 and mat2 shapes cannot be multiplied (14x32 and 64x128)"},
    {"input x: [10, 2, 64]\ninput k: [7, 2, 32]\ninput v: [7, 2, 32]",
     "a = MultiheadAttention(64, 8)(x, k, v)", "error", 0, 0,
     "mat1 and mat2 shapes cannot be multiplied (14x32 and 64x64)"},
    {"input x: [10, 64]\ninput k: [7, 32]\ninput v: [6, 32]",
     "a = MultiheadAttention(64, 8, kdim=32, vdim=32)(x, k, v)", "error", 0, 0,
     "key's sequence and batch dims torch.Size([7, 1]) do not match value's torch.Size([6, 1])"},
    {"input x: [10, 2, 64]\ninput k: [7, 2, 16]\ninput v: [7, 2, 16]",
     "a = MultiheadAttention(64, 8, kdim=32, vdim=16)(x, k, v)", "error", 0, 0,
     "expecting key weights shape of (64, 16), but got torch.Size([64, 32])"},
    {"input x: [10, 2, 64]\ninput k: [7, 3, 64]", "a = MultiheadAttention(64, 8)(x, k, k)", "error",
     0, 0, "shape '[7, 16, 8]' is invalid for input of size 1344"},
    {"input x: [10, 2, 64]\ninput k: [7, 3, 64]",
     "a = MultiheadAttention(64, 8, add_bias_kv=True)(x, k, k)", "error", 0, 0,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
     "tensor number 1 in the list."},
    {"input x: [10, 2, 64]", "a = MultiheadAttention(64, 8)(x)", "error", 0, 0,
     "MultiheadAttention.forward() missing 2 required positional arguments: 'key' and 'value'"},
    {"input x: [10, 2, 64]", "a = MultiheadAttention(64, 7)(x, x, x)", "error", 0, 0,
     "embed_dim must be divisible by num_heads"},
    {"input x: [10, 2, 64]", "a = MultiheadAttention(64, 0)(x, x, x)", "error", 0, 0,
     "integer division or modulo by zero"},
    {"input x: [10, 2, 64]", "a = MultiheadAttention(64, -8)(x, x, x)", "error", 0, 0,
     "invalid shape dimension -16"},
    {"input x: [3, 1, 8]", "a = MultiheadAttention(8, -1)(x, x, x)", "error", 0, 0,
     "invalid shape dimension -8"},
    {"input x: [3, 2, 8]\ninput k: [3, 3, 8]", "a = MultiheadAttention(8, -2)(x, k, k)", "error", 0,
     0, "invalid shape dimension -4"},  // the query's view comes before the keys'
    {"input x: [3, 2, 8]", "a = MultiheadAttention(-8, 2)(x, x, x)", "error", 0, 0,
     "Trying to create tensor with negative dimension -24: [-24, -8]"},
    {"input x: [3, 2, 8]", "a = MultiheadAttention(0, 1)(x, x, x)", "error", 0, 0,
     "float division by zero"},
    {"input x: [3, 2, 8]", "a = MultiheadAttention(?, 2)(x, x, x)", "[3, 2, 8]", 4 * 8 * 8 + 4 * 8,
     2 * (3 * 64 * 3 + 2 * 3 * 3 * 8 + 3 * 64), ""},
    // netshape's own limit: a symbolic sequence would make "per sample" MACs wrong
    {"input x: [B, 10, 64]", "a = MultiheadAttention(64, 8)(x, x, x)", "error", 0, 0,
     "MultiheadAttention reads dim 0 of [B, 10, 64] as its sequence, not a batch: netshape counts "
     "it per sample only with the batch symbolic"},
};

// The masks (E = 16, 2 heads: 1,088 params; x [5, 3, 16]: 17,760 MACs, unbatched [5, 16]
// 5,920), given by keyword; a fourth tensor by position is the key_padding_mask.
constexpr int64_t kMaskedMacs = 3 * (5 * 256 * 3 + 2 * 5 * 5 * 16 + 5 * 256);
const LayerCase kMaskCases[] = {
    {"input x: [5, 3, 16]\ninput m: [3, 5]",
     "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)", "[5, 3, 16]", 1088, kMaskedMacs,
     ""},
    {"input x: [5, 3, 16]\ninput m: [3, 5]", "a = MultiheadAttention(16, 2)(x, x, x, m)",
     "[5, 3, 16]", 1088, kMaskedMacs, ""},
    {"input x: [5, 3, 16]\ninput m: [5, 5]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "[5, 3, 16]", 1088, kMaskedMacs, ""},
    {"input x: [5, 3, 16]\ninput m: [6, 5, 5]",
     "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)", "[5, 3, 16]", 1088, kMaskedMacs, ""},
    {"input x: [3, 5, 16]\ninput m: [6, 5, 5]",
     "a = MultiheadAttention(16, 2, batch_first=True)(x, x, x, attn_mask=m)", "[3, 5, 16]", 1088,
     kMaskedMacs, ""},
    {"input x: [5, 16]\ninput m: [2, 5, 5]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "[5, 16]", 1088, kMaskedMacs / 3, ""},
    {"input x: [5, 16]\ninput m: [5]", "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)",
     "[5, 16]", 1088, kMaskedMacs / 3, ""},
    // errors, in the order PyTorch checks
    {"input x: [5, 3, 16]\ninput m: [3]",
     "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)", "error", 0, 0,
     "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 1-D "
     "tensor instead"},
    {"input x: [5, 3, 16]\ninput m: [5]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "error", 0, 0,
     "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D "
     "tensor "
     "instead"},
    {"input x: [5, 16]\ninput m: [3, 5, 5]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "error", 0, 0, "Expected `attn_mask` shape to be (2, 5, 5) but got torch.Size([3, 5, 5])"},
    {"input x: [5, 3, 16]\ninput m: [5, 4]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "error", 0, 0, "The shape of the 2D attn_mask is torch.Size([5, 4]), but should be (5, 5)."},
    {"input x: [5, 16]\ninput m: [5, 4]", "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)",
     "error", 0, 0, "The shape of the 2D attn_mask is torch.Size([5, 4]), but should be (5, 5)."},
    {"input x: [5, 3, 16]\ninput m: [5, 5, 5]",
     "a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m)", "error", 0, 0,
     "The shape of the 3D attn_mask is torch.Size([5, 5, 5]), but should be (6, 5, 5)."},
    {"input x: [5, 3, 16]\ninput m: [3, 4]",
     "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)", "error", 0, 0,
     "expecting key_padding_mask shape of (3, 5), but got torch.Size([3, 4])"},
    {"input x: [5, 3, 16]\ninput m: [3, 4]",
     "a = MultiheadAttention(16, 2, add_bias_kv=True, add_zero_attn=True)(x, x, x, "
     "key_padding_mask=m)",
     "error", 0, 0, "expecting key_padding_mask shape of (3, 7), but got torch.Size([3, 6])"},
    {"input x: [5, 16]\ninput m: [4]", "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)",
     "error", 0, 0, "expecting key_padding_mask shape of (1, 5), but got torch.Size([1, 4])"},
    // the model language's masks are float: both together would need a 0/1 padding mask
    {"input x: [5, 3, 16]\ninput m: [3, 5]\ninput a: [5, 5]",
     "a2 = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m, attn_mask=a)", "error", 0, 0,
     "netshape does not follow a float key_padding_mask beside a float attn_mask: PyTorch "
     "applies it with masked_fill, whose result depends on its values"},
};

}  // namespace

TEST_CASE("MultiheadAttention: shapes, parameters, MACs and errors as PyTorch's") {
  check_layer_cases(kCases);
}

TEST_CASE("MultiheadAttention's masks: their shapes checked as PyTorch checks them") {
  check_layer_cases(kMaskCases);
}

TEST_CASE("MultiheadAttention's masks in the model language: by keyword, as PyTorch binds them") {
  struct Case {
    const char* call;
    const char* error;
    int column;
  };
  const Case cases[] = {
      {"a = Linear(16, 4)(x, mask=m)", "`Linear` takes its tensors by position", 22},
      {"a = MultiheadAttention(16, 2)(x, x, x, mask=m)",
       "MultiheadAttention.forward() got an unexpected keyword argument 'mask'", 40},
      {"a = MultiheadAttention(16, 2)(x, x, x, attn_mask=m, attn_mask=m)",
       "keyword argument repeated: attn_mask", 53},
      {"a = MultiheadAttention(16, 2)(x, attn_mask=m, x, x)",
       "positional argument follows keyword argument", 47},
  };
  for (const Case& c : cases) {
    CAPTURE(c.call);
    LoadedModel m =
        check_ns(std::string("model M\ninput x: [5, 3, 16]\ninput m: [5, 5]\n") + c.call + "\n");
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error_at(m) == fmt::format("4:{}: {}", c.column, c.error));
  }
}

TEST_CASE("MultiheadAttention: the forward pass applies the masks in every layout") {
  for (const char* layer :
       {"input x: [5, 3, 16]\ninput m: [3, 5]\n"
        "a = MultiheadAttention(16, 2)(x, x, x, key_padding_mask=m)",
        "input x: [3, 5, 16]\ninput m: [6, 5, 5]\n"
        "a = MultiheadAttention(16, 2, batch_first=True, add_zero_attn=True)(x, x, x, attn_mask=m)",
        "input x: [5, 16]\ninput k: [7, 8]\ninput m: [5, 7]\n"
        "a = MultiheadAttention(16, 2, kdim=8, vdim=8, add_bias_kv=True)(x, k, k, attn_mask=m)"}) {
    CAPTURE(layer);
    ExecResult r = run_kept(std::string("model M\n") + layer + "\n");
    REQUIRE(r.error.empty());
    CHECK(r.layers.back().actual == r.layers.back().expected);
  }
}

TEST_CASE("MultiheadAttention: PyTorch's parameters by name, and the help at the argument") {
  LoadedModel m = check_ns(
      "model M\ninput x: [B, 10, 64]\ninput k: [B, 7, 32]\ninput v: [B, 7, 16]\n"
      "a = MultiheadAttention(64, 8, kdim=32, vdim=16, add_bias_kv=True, batch_first=True)"
      "(x, k, v)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const ParamTensor& w : *m.analysis.layers[0].weights) names.emplace_back(w.name);
  CHECK(names == std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight",
                                          "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                          "out_proj.bias"});

  m = check_ns("model M\ninput x: [10, 2, 32]\na = MultiheadAttention(64, 8)(x, x, x)\n");
  CHECK(first_error(m).help == "a receives 32 features; use MultiheadAttention(32, 8)(x, x, x)");
  m = check_ns("model M\ninput x: [10, 2, 64]\na = MultiheadAttention(64, 10)(x, x, x)\n");
  CHECK(first_error(m).help ==
        "use a num_heads that divides 64, e.g. MultiheadAttention(64, 8)(x, x, x)");
}

// One key: softmax gives it weight 1 for every query, so each output row is
// out_proj(v_proj(value)), whatever the query: computed here from the executor's own weights.
TEST_CASE("MultiheadAttention: the forward pass with one key is out_proj(v_proj(value))") {
  ExecResult r = run_kept(
      "model M\ninput x: [3, 16]\ninput k: [1, 8]\n"
      "a = MultiheadAttention(16, 4, kdim=8, vdim=8)(x, k, k)\n");
  const Tensor& value = tensor_named(r.inputs, "k");
  const Tensor& wv = tensor_named(r.weights, "a.v_proj_weight");
  const Tensor& bias = tensor_named(r.weights, "a.in_proj_bias");
  const Tensor& wo = tensor_named(r.weights, "a.out_proj.weight");
  const Tensor& bo = tensor_named(r.weights, "a.out_proj.bias");
  const Tensor& out = tensor_named(r.outputs, "a");
  REQUIRE(out.shape == std::vector<int64_t>{3, 16});
  std::vector<float> v(16);
  for (int o = 0; o < 16; ++o) {
    v[o] = bias.data[32 + o];
    for (int i = 0; i < 8; ++i) v[o] += wv.data[o * 8 + i] * value.data[i];
  }
  for (int row = 0; row < 3; ++row) {
    for (int o = 0; o < 16; ++o) {
      float want = bo.data[o];
      for (int i = 0; i < 16; ++i) want += wo.data[o * 16 + i] * v[i];
      CHECK(out.data[row * 16 + o] == doctest::Approx(want).epsilon(1e-5));
    }
  }
}

TEST_CASE("MultiheadAttention: the forward pass runs in every layout") {
  for (const char* layer :
       {"input x: [2, 5, 16]\na = MultiheadAttention(16, 4, batch_first=True)(x, x, x)",
        "input x: [5, 2, 16]\ninput k: [3, 2, 8]\n"
        "a = MultiheadAttention(16, 2, kdim=8, vdim=8, add_bias_kv=True, add_zero_attn=True)"
        "(x, k, k)",
        "input x: [5, 16]\na = MultiheadAttention(16, 1, bias=False)(x, x, x)"}) {
    CAPTURE(layer);
    ExecResult r = run_kept(std::string("model M\n") + layer + "\n");
    CHECK(r.layers.back().actual == r.layers.back().expected);
  }
}

namespace {

const char* kAttentionPy = R"(import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.fc = nn.Linear(dim, 10)

    def forward(self, x):
CALL
        return self.fc(y)
)";

LoadedModel read_block(const std::string& call) {
  return analyze_py(replaced(kAttentionPy, "CALL\n", call), "block.py", "2,6,32");
}

}  // namespace

TEST_CASE("MultiheadAttention in a .py forward: its call as PyTorch binds it, its weights a row") {
  struct Case {
    const char* call;
    const char* error;  // "" when it reads: [2, 6, 10], 32*32*4 + 4*32 + 330 params
  };
  const Case cases[] = {
      {"        y, _ = self.attn(x, x, x)\n", ""},
      {"        y = self.attn(x, x, x, need_weights=False)[0]\n", ""},
      {"        y, w = self.attn(query=x, key=x, value=x, need_weights=False)\n"
       "        assert w is None\n",
       ""},
      {"        y = self.attn(x, x, x, None, False)[0]\n", ""},
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(6, 6))[0]\n", ""},
      {"        y = self.attn(x, x, x, key_padding_mask=x.sum(-1) > 0)[0]\n", ""},
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(6, 6), key_padding_mask=x[..., 0] == "
       "0)[0]\n",
       ""},
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(6, 6, dtype=torch.double))[0]\n",
       "unsupported Python construct: a torch.float64 mask of nn.MultiheadAttention"},
      {"        y = self.attn(x, x)[0]\n",
       "MultiheadAttention.forward() missing 1 required positional argument: 'value'"},
      {"        y = self.attn(x, x, x, need_weight=False)[0]\n",
       "MultiheadAttention.forward() got an unexpected keyword argument 'need_weight'"},
      {"        y = self.attn(x, x, x, query=x)[0]\n",
       "MultiheadAttention.forward() got multiple values for argument 'query'"},
      {"        y = self.attn(x, x, x, None, True, None, True, 5, foo=1)[0]\n",
       "MultiheadAttention.forward() got an unexpected keyword argument 'foo'"},
      {"        y = self.attn(x, x, x, None, True, None, True, 5)[0]\n",
       "MultiheadAttention.forward() takes from 4 to 8 positional arguments but 9 were given"},
      {"        y = nn.MultiheadAttention(32, 4)(x, x, x)[0]\n",
       "`this layer` has weights but is not a registered submodule: "
       "model.parameters() does not count them, and an optimizer would never train them"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.call);
    LoadedModel m = read_block(c.call);
    if (*c.error) {
      CHECK(m.exit == ExitCode::UsageOrParse);
      CHECK(first_error(m).message == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[2, 6, 10]");
    CHECK(m.analysis.totals.params == 4 * 32 * 32 + 4 * 32 + 330);
    // after the rows that make its masks
    CHECK(m.analysis.layers[m.analysis.layers.size() - 2].name == "attn");
  }
  // the weights, used: a row of the call where first used ([N, L, S] averaged over the heads,
  // [N, heads, L, S] per head), its parameters and products the output row's
  for (const std::pair<const char*, const char*>& c :
       {std::pair{"        y, w = self.attn(x, x, x)\n        y = y * w.mean()\n", "[2, 6, 6]"},
        std::pair{"        y, w = self.attn(x, x, x, average_attn_weights=False)\n"
                  "        y = y + w.sum()\n",
                  "[2, 4, 6, 6]"}}) {
    CAPTURE(c.first);
    LoadedModel m = read_block(c.first);
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[2, 6, 10]");
    CHECK(m.analysis.totals.params == 4 * 32 * 32 + 4 * 32 + 330);
    const LayerInfo& weights = m.analysis.layers[1];
    CHECK(weights.name == "attn.weights");
    CHECK(to_string(*weights.output) == c.second);
    CHECK(weights.params == 0);
    CHECK(weights.macs == 0);
    CHECK(m.analysis.totals.macs ==
          read_block("        y, _ = self.attn(x, x, x)\n").analysis.totals.macs);
  }
}

// PyTorch's errors for the masks' dtypes and shapes (exit 1), in a .py forward.
TEST_CASE("MultiheadAttention in a .py forward: PyTorch's errors for its masks") {
  struct Case {
    const char* call;
    const char* error;
  };
  const Case cases[] = {
      {"        y = self.attn(x, x, x, key_padding_mask=torch.zeros(2, 6, dtype=torch.long))[0]\n",
       "only bool and floating types of key_padding_mask are supported"},
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(6, 6, dtype=torch.int32))[0]\n",
       "Only float, byte, and bool types are supported for attn_mask, not torch.int32"},
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(6, 5) > 0)[0]\n",
       "The shape of the 2D attn_mask is torch.Size([6, 5]), but should be (6, 6)."},
      {"        y = self.attn(x, x, x, key_padding_mask=x[0, :, 0] > 0)[0]\n",
       "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 1-D "
       "tensor instead"},
      // PyTorch checks the attn_mask's rank before its dtype
      {"        y = self.attn(x, x, x, attn_mask=torch.zeros(1, 1, 6, 6, dtype=torch.long))[0]\n",
       "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D "
       "tensor instead"},
      // a mask made by nn.Transformer: the error points at the argument that gave it
      {"        y = self.attn(x, x, x, attn_mask=nn.Transformer.generate_square_subsequent_mask(5))"
       "[0]\n",
       "The shape of the 2D attn_mask is torch.Size([5, 5]), but should be (6, 6)."},
  };
  for (const Case& c : cases) {
    CAPTURE(c.call);
    LoadedModel m = read_block(c.call);
    CHECK(m.exit == ExitCode::ShapeError);
    CHECK(first_error(m).message == c.error);
    CHECK(first_error(m).span.line == 12);  // the call in forward
  }
}

namespace {

const char* kTransformerPy = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                dim_feedforward=64ARGS)

    def forward(self, src):
        return self.t(src, TGT)
)";

LoadedModel read_transformer(const std::string& args, const std::string& tgt,
                             const std::string& heads = "nhead=4") {
  std::string text = replaced(kTransformerPy, "nhead=4", heads);
  return analyze_py(replaced(replaced(text, "ARGS", args), "TGT", tgt), "seq.py", "9,2,32");
}

}  // namespace

// nn.Transformer and its layers are read from netshape's Python for them
// (src/frontend/torch_nn_prelude.py): PyTorch 1.13's numbers (sum(p.numel()) of
// nn.Transformer(32, 4, 1, 1, 64) and its output) and its errors.
TEST_CASE("nn.Transformer: PyTorch's modules, parameters and errors, read from the prelude") {
  LoadedModel m = read_transformer("", "src[:5]");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[5, 2, 32]");
  CHECK(m.analysis.totals.params == 21504);
  Grouping g = group_layers(m, 2);
  std::vector<std::string> classes;
  for (const ModuleRow& r : g.rows) classes.push_back(r.kind);
  CHECK(std::find(classes.begin(), classes.end(), "TransformerEncoder") != classes.end());
  CHECK(std::find(classes.begin(), classes.end(), "TransformerDecoder") != classes.end());

  // an nn.MultiheadAttention forward never applies counts in the total (PyTorch: 21504 + 288)
  std::string unused = kTransformerPy;
  unused.replace(unused.find("ARGS)"), 5, ")\n        self.unused = nn.MultiheadAttention(8, 2)");
  unused.replace(unused.find("TGT"), 3, "src[:5]");
  LoadOptions o;
  o.input_dims = "9,2,32";
  m = analyze_text(unused, "seq.py", o);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 21504 + 288);

  m = read_transformer("", "src[:5, :1]");
  CHECK(first_error(m).message == "the batch number of src and tgt must be equal");
  m = read_transformer(", activation='tanh'", "src[:5]");
  CHECK(first_error(m).message == "activation should be relu/gelu, not tanh");
  // raised by the prelude's Python: shown at the model's call, whose arguments are the mistake
  CHECK(first_error(m).span.file == 0);
  CHECK(first_error(m).help.find("refuses these arguments, as PyTorch 1.13 does") !=
        std::string::npos);
  CHECK(render_diagnostics(m).find("netshape/torch_nn_prelude.py") == std::string::npos);
  // an error inside the prelude shows its line, and the model's line that built the layer
  m = read_transformer("", "src[:5]", "nhead=5");
  CHECK(first_error(m).message == "embed_dim must be divisible by num_heads");
  std::string shown = render_diagnostics(m);
  CHECK(shown.find("netshape/torch_nn_prelude.py:") != std::string::npos);
  CHECK(shown.find("seq.py:8:") != std::string::npos);
}

// PyTorch 1.13's TransformerEncoder in eval mode under torch.no_grad() drops padded positions
// (its nested-tensor fast path): dim 1 then depends on the mask's values. netshape gives the
// full length (PyTorch's with grad enabled) and warns at the model's call when the fast path's
// static conditions hold: batch_first, an even number of heads, a key padding mask, nested
// tensors enabled.
TEST_CASE("nn.TransformerEncoder: a warning where PyTorch's fast path cuts the padded length") {
  const std::string model = R"(import torch
import torch.nn as nn

class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        layer = nn.TransformerEncoderLayer(16, HEADS, 32, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1ARGS)

    def forward(self, ids):
        return self.encoder(self.emb(ids), src_key_padding_mask=ids == 0)
)";
  auto read = [&](const char* heads, const char* args) {
    std::string text = replaced(replaced(model, "HEADS", heads), "ARGS", args);
    LoadOptions o;
    o.input_dims = "2,10:long";
    return analyze_text(text, "enc.py", o);
  };
  auto warned = [](const LoadedModel& m) {
    for (const Diagnostic& d : m.diags.items())
      if (d.code == "nested-tensor-fast-path") return &d;
    return static_cast<const Diagnostic*>(nullptr);
  };
  LoadedModel m = read("2", "");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 10, 16]");
  const Diagnostic* w = warned(m);
  REQUIRE(w != nullptr);
  CHECK(w->severity == Severity::Warning);
  CHECK(w->span.line == 12);  // the model's call, not the prelude's
  CHECK(w->help.find("enable_nested_tensor=False") != std::string::npos);
  CHECK(warned(read("1", "")) == nullptr);  // an odd number of heads: no fast path
  CHECK(warned(read("2", ", enable_nested_tensor=False")) == nullptr);
}
