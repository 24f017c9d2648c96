// nn.utils.weight_norm and spectral_norm (.py): a layer's `weight` becomes weight_g and weight_v,
// or weight_orig, counted, named and shaped as PyTorch 1.13 registers them, PyTorch's errors where
// they are called, and a forward pass that rebuilds the weight from them.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "netshape/columns.hpp"
#include "netshape/conventions.hpp"
#include "netshape/grouping.hpp"
#include "netshape/memory.hpp"
#include "netshape/netshape.hpp"
#include "netshape/normed_weight.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

namespace {

// Every way weight_norm is written in model files: imported by name, as nn.utils. and
// torch.nn.utils., through a module alias, inside a factory function and a submodule, in a loop
// over modules(), undone by remove_weight_norm (and then deep-copied), on a layer forward never
// applies, with dim 0, 1, None and -1; then everything frozen but the head.
const char* kModel = R"(import copy

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm
import torch.nn.utils as nnu


def wn_conv(cin, cout, k, **kw):
    return weight_norm(nn.Conv2d(cin, cout, k, **kw))


class Head(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.utils.weight_norm(nn.Linear(width, 10), dim=None)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.stem = wn_conv(3, width, 3, padding=1)
        self.body = nn.Sequential(*[nn.Conv2d(width, width, 3, padding=1) for _ in range(2)])
        for m in self.body.modules():
            if isinstance(m, nn.Conv2d):
                torch.nn.utils.weight_norm(m, dim=1)
        self.up = nnu.weight_norm(nn.ConvTranspose2d(width, width, 2, stride=2))
        self.plain = nn.utils.remove_weight_norm(weight_norm(nn.Conv2d(width, width, 1)))
        self.twin = copy.deepcopy(self.plain)
        self.norm = weight_norm(nn.LayerNorm(width), dim=-1)
        self.aux = weight_norm(nn.Linear(width, 3))
        self.head = Head(width)
        for p in self.parameters():
            p.requires_grad = False
        for p in self.head.parameters():
            p.requires_grad = True

    def forward(self, x):
        x = self.body(self.stem(x))
        x = self.twin(self.plain(self.up(x)))
        x = self.norm(x.permute(0, 2, 3, 1)).mean((1, 2))
        return self.head(x)

# input: [2, 3, 16, 16]
)";

std::string params_of(const LayerInfo& l) {
  std::string s;
  for (const ParamTensor& p : *l.weights) {
    s += (s.empty() ? "" : " ") + std::string(p.name) + "[";
    for (size_t i = 0; i < p.shape.size(); ++i) s += (i ? "," : "") + std::to_string(p.shape[i]);
    s += "]";
  }
  return s;
}

// A model of one layer, `self.layer = <layer>`, applied to an input x of `dims` (a `.py` file
// importing copy, torch.nn and the normalisations by name).
LoadedModel one_layer_model(const std::string& dims, const std::string& layer) {
  return analyze_text(fmt::format(R"(# input x: [{}]
import copy

import torch.nn as nn
from torch.nn.utils import weight_norm, remove_weight_norm, spectral_norm


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = {}

    def forward(self, x):
        return self.layer(x)
)",
                                  dims, layer),
                      "m.py", {});
}

// The forward passes of the same model with `plain` and with `normed` as its layer (their
// weights drawn alike), every weight and output kept.
std::pair<ExecResult, ExecResult> run_both(const std::string& dims, const std::string& plain,
                                           const std::string& normed) {
  ExecOptions o;
  o.keep_outputs = true;
  std::pair<ExecResult, ExecResult> runs;
  for (auto [layer, run] : {std::pair{&plain, &runs.first}, std::pair{&normed, &runs.second}}) {
    LoadedModel m = one_layer_model(dims, *layer);
    REQUIRE(m.exit == ExitCode::Ok);
    *run = execute(m.analysis, o);
    REQUIRE(run->match);
  }
  return runs;
}

const LayerInfo& layer_named(const Analysis& a, const std::string& name) {
  for (const LayerInfo& l : a.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  return a.layers.front();
}

}  // namespace

TEST_CASE("weight_norm: weight_g and weight_v replace weight, as named_parameters() lists them") {
  LoadedModel m = analyze_text(kModel, "m.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  // PyTorch 1.13: 1970 parameters (g adds a norm per output channel, or per input channel with
  // dim=1, or one for the whole weight), 91 of them trainable (the head's).
  CHECK(m.analysis.totals.params == 1970);
  CHECK(m.analysis.totals.trainable_params == 91);
  const Analysis& a = m.analysis;
  // After the layer's other parameters, as weight_norm registers them.
  CHECK(params_of(layer_named(a, "stem")) == "bias[8] weight_g[8,1,1,1] weight_v[8,3,3,3]");
  CHECK(layer_named(a, "stem").params == 232);
  CHECK(params_of(layer_named(a, "body.0")) == "bias[8] weight_g[1,8,1,1] weight_v[8,8,3,3]");
  // A transposed convolution's weight is [in, out, k, k]: dim 0 is its input channels.
  CHECK(params_of(layer_named(a, "up")) == "bias[8] weight_g[8,1,1,1] weight_v[8,8,2,2]");
  CHECK(params_of(layer_named(a, "plain")) == "weight[8,8,1,1] bias[8]");
  CHECK(params_of(layer_named(a, "twin")) == "weight[8,8,1,1] bias[8]");
  CHECK(params_of(layer_named(a, "norm")) == "bias[8] weight_g[] weight_v[8]");
  CHECK(params_of(layer_named(a, "head.fc")) == "bias[10] weight_g[] weight_v[10,8]");
  CHECK(layer_named(a, "head.fc").params == 91);
  CHECK(layer_named(a, "head.fc").trainable_params == 91);
}

TEST_CASE("weight_norm: PyTorch's errors where weight_norm is called") {
  struct Case {
    const char* layer;
    const char* message;
  };
  const Case cases[] = {
      {"weight_norm(nn.ReLU())", "'ReLU' object has no attribute 'weight'"},
      {"weight_norm(nn.BatchNorm1d(6, affine=False))",
       "norm_except_dim(): argument 'v' (position 1) must be Tensor, not NoneType"},
      {"weight_norm(nn.Linear(6, 3), dim=2)",
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"weight_norm(nn.Linear(6, 3), dim=-3)",
       "Dimension out of range (expected to be in range of [-2, 1], but got -3)"},
      {"weight_norm(weight_norm(nn.Linear(6, 3)))",
       "Cannot register two weight_norm hooks on the same parameter weight"},
      {"remove_weight_norm(nn.Linear(6, 3))", "weight_norm of 'weight' not found in Linear"},
      {"weight_norm(5)", "'int' object has no attribute '_forward_pre_hooks'"},
      {"weight_norm(nn.Sequential(nn.Linear(6, 3)))",
       "'Sequential' object has no attribute 'weight'"},
      {"weight_norm(nn.ModuleList([nn.Linear(6, 3)]))",
       "'ModuleList' object has no attribute 'weight'"},
      {"copy.deepcopy(nn.Sequential(weight_norm(nn.Linear(6, 3))))",
       "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
       "protocol at the moment"},
      {"spectral_norm(nn.ReLU())", "KeyError: 'weight'"},
      {"spectral_norm(nn.BatchNorm1d(6, affine=False))",
       "`SpectralNorm` cannot be applied as parameter `weight` is None"},
      {"spectral_norm(spectral_norm(nn.Linear(6, 3)))",
       "Cannot register two spectral_norm hooks on the same parameter weight"},
      {"spectral_norm(weight_norm(nn.Linear(6, 3)))", "KeyError: 'weight'"},
      {"spectral_norm(nn.Linear(6, 3), n_power_iterations=0)",
       "Expected n_power_iterations to be positive, but got n_power_iterations=0"},
      {"spectral_norm(nn.Linear(6, 3), dim=-1)",
       "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
       "of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 3"},
      {"nn.utils.remove_spectral_norm(weight_norm(nn.Linear(6, 3)))",
       "spectral_norm of 'weight' not found in Linear"},
      {"weight_norm(nn.Linear(6, 0))",
       "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension "
       "size -1 can be any value and is ambiguous"},
      {"spectral_norm(nn.Linear(6, 0))",
       "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension "
       "size -1 can be any value and is ambiguous"},
      {"weight_norm(nn.Linear(6, 3), foo=1)",
       "weight_norm() got an unexpected keyword argument 'foo'"},
      {"spectral_norm(nn.Linear(6, 3), 'weight', 1, 1e-12, 0, 7)",
       "spectral_norm() takes from 1 to 5 positional arguments but 6 were given"},
      {"spectral_norm(spectral_norm(nn.Linear(6, 3)), n_power_iterations=0)",
       "Cannot register two spectral_norm hooks on the same parameter weight"},
      {"spectral_norm(nn.Sequential(nn.Linear(6, 3)), n_power_iterations=0)",
       "Expected n_power_iterations to be positive, but got n_power_iterations=0"},
      {"remove_weight_norm(weight_norm(nn.Linear(6, 3)), 'bias')",
       "weight_norm of 'bias' not found in Linear"},
      {"copy.deepcopy([weight_norm(nn.Linear(6, 3))])[0]",
       "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
       "protocol at the moment"},
      {"weight_norm(nn.Linear(6, 3), name='bias')",
       "unsupported Python construct: weight_norm of a parameter other than `weight`"},
      // norm_except_dim and permute take int dims: a bool or float is their TypeError
      {"weight_norm(nn.Linear(6, 3), dim=True)",
       "norm_except_dim(): argument 'dim' (position 3) must be int, not bool"},
      {"weight_norm(nn.Linear(6, 3), dim=1.0)",
       "norm_except_dim(): argument 'dim' (position 3) must be int, not float"},
      {"spectral_norm(nn.Linear(6, 3), dim=True)",
       "permute(): argument 'dims' (position 1) must be tuple of ints, not bool"},
      {"weight_norm(nn.ReLU(), dim=True)", "'ReLU' object has no attribute 'weight'"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.layer);
    LoadedModel m = one_layer_model("4, 6", c.layer);
    REQUIRE(m.exit != ExitCode::Ok);
    const Diagnostic& d = first_error(m);
    CHECK(d.message == c.message);
    CHECK(d.span.line == 11);
    CHECK(!d.help.empty());
  }
}

TEST_CASE("weight_norm: the forward pass rebuilds the weight from weight_g and weight_v") {
  auto [p, n] =
      run_both("3, 2, 9", "nn.Conv1d(2, 4, 3)", "nn.utils.weight_norm(nn.Conv1d(2, 4, 3), dim=2)");
  // v is drawn as the plain layer's weight; g is its norms over dims 0 and 1, one per kernel tap.
  const Tensor& v = tensor_named(n.weights, "layer.weight_v");
  const Tensor& g = tensor_named(n.weights, "layer.weight_g");
  CHECK(v.data == tensor_named(p.weights, "layer.weight").data);
  REQUIRE(g.shape == std::vector<int64_t>{1, 1, 3});
  for (int64_t k = 0; k < 3; ++k) {
    double sum = 0;
    for (int64_t i = 0; i < 8; ++i) sum += std::pow(v.data[static_cast<size_t>(i * 3 + k)], 2);
    CHECK(g.data[static_cast<size_t>(k)] == doctest::Approx(std::sqrt(sum)).epsilon(1e-6));
  }
  // g is v's norm, so the rebuilt weight is v and the outputs agree.
  const Tensor& want = tensor_named(p.outputs, "layer");
  const Tensor& got = tensor_named(n.outputs, "layer");
  REQUIRE(got.shape == want.shape);
  for (size_t i = 0; i < want.data.size(); ++i)
    CHECK(got.data[i] == doctest::Approx(want.data[i]).epsilon(1e-5));
}

TEST_CASE("weight_norm: what torchinfo and --memory cannot count is said, not guessed") {
  LoadedModel m = analyze_text(kModel, "m.py", {});
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& stem = layer_named(m.analysis, "stem");
  const LayerInfo& plain = layer_named(m.analysis, "plain");
  // torchinfo reads parameters by name (weight_g, weight_v); the hooks and traces of the other
  // tools see the rebuilt weight, as without weight_norm.
  CHECK(!count_layer(m.analysis, stem, Convention::torchinfo));
  CHECK(count_layer(m.analysis, plain, Convention::torchinfo) == 2 * 32 * 32 * 72);
  CHECK(count_layer(m.analysis, stem, Convention::fvcore) == 2 * 16 * 16 * 8 * 27);
  // Grouped by module (--depth), an unknown count is `-` for the layer and what holds it, and
  // the layers after it keep theirs (the sentinel once summed into the model's row hid them).
  Analysis counted = with_counts(m.analysis, count_analysis(m.analysis, Convention::torchinfo));
  Grouping g = group_layers(counted, *m.graph, 2);
  std::map<std::string, const ModuleRow*> rows;
  for (const ModuleRow& r : g.rows) rows[r.name] = &r;
  REQUIRE(rows.count("stem"));
  CHECK(rows["stem"]->failed);
  CHECK(rows[""]->failed);
  REQUIRE(rows.count("plain"));
  CHECK(!rows["plain"]->failed);
  CHECK(rows["plain"]->macs == 2 * 32 * 32 * 72);
  MemoryOptions o;
  o.graph = &*m.graph;
  auto mem = estimate_model_memory(m.analysis, o);
  REQUIRE(mem);
  CHECK(mem->saved_not_counted.message.find("`stem` (under weight_norm)") == 0);
}

TEST_CASE("spectral_norm: weight_orig replaces weight, and u and v are buffers, not parameters") {
  // PyTorch 1.13: 112 + 148 + 15 parameters; a transposed convolution's rows are its output
  // channels (dim 1 by default), which only the buffers' sizes show.
  LoadedModel m = analyze_text(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.utils.spectral_norm(nn.Conv2d(3, 4, 3))
        self.up = nn.utils.spectral_norm(nn.ConvTranspose2d(4, 4, 3))
        self.embed = nn.utils.spectral_norm(nn.Embedding(5, 3))

    def forward(self, x):
        return self.up(self.conv(x))

# input: [1, 3, 8, 8]
)",
                               "m.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 112 + 148 + 15);
  CHECK(params_of(layer_named(m.analysis, "conv")) == "bias[4] weight_orig[4,3,3,3]");
  CHECK(params_of(layer_named(m.analysis, "up")) == "bias[4] weight_orig[4,4,3,3]");
  CHECK(weight_matrix({4, 6, 3, 3}, 1).rows == 6);
  CHECK(weight_matrix({4, 6, 3, 3}, 1).cols == 36);
}

TEST_CASE("spectral_norm: the forward pass divides the weight by u . (W v), as eval mode does") {
  auto [p, n] = run_both("3, 6", "nn.Linear(6, 4, bias=False)",
                         "nn.utils.spectral_norm(nn.Linear(6, 4, bias=False), dim=1)");
  const Tensor& w = tensor_named(n.weights, "layer.weight_orig");
  const Tensor& u = tensor_named(n.weights, "layer.weight_u");
  const Tensor& v = tensor_named(n.weights, "layer.weight_v");
  CHECK(w.data == tensor_named(p.weights, "layer.weight").data);
  // dim=1: the matrix is W transposed, rows the 6 inputs, columns the 4 outputs; u, v unit.
  REQUIRE(u.shape == std::vector<int64_t>{6});
  REQUIRE(v.shape == std::vector<int64_t>{4});
  double sigma = 0, u_norm = 0;
  for (size_t r = 0; r < 6; ++r) {
    u_norm += u.data[r] * u.data[r];
    for (size_t c = 0; c < 4; ++c) sigma += u.data[r] * w.data[c * 6 + r] * v.data[c];
  }
  CHECK(u_norm == doctest::Approx(1.0).epsilon(1e-6));
  const Tensor& want = tensor_named(p.outputs, "layer");
  const Tensor& got = tensor_named(n.outputs, "layer");
  REQUIRE(got.shape == want.shape);
  for (size_t i = 0; i < want.data.size(); ++i)
    CHECK(got.data[i] * sigma == doctest::Approx(want.data[i]).epsilon(1e-4));
}

TEST_CASE("weight_norm: a loop over modules() by hasattr, and what netshape refuses to guess") {
  // hasattr(m, 'weight') is False for a ReLU, as in PyTorch: the loop normalises the two convs
  // and the BatchNorm (PyTorch 1.13: 296 parameters).
  LoadedModel m = analyze_text(R"(import torch.nn as nn
from torch.nn.utils import weight_norm


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.BatchNorm2d(8), nn.Conv2d(8, 4, 1))
        for m in self.modules():
            if hasattr(m, 'weight'):
                weight_norm(m)

    def forward(self, x):
        return self.body(x)

# input: [1, 3, 8, 8]
)",
                               "m.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 296);
  // nn.LSTM's `bias` is its constructor's flag (False here), and a ReLU has no `weight`: the
  // Linear is Linear(8, 2), as in PyTorch.
  LoadedModel flags = analyze_text(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(4, 8, bias=False)
        self.act = nn.ReLU()
        self.fc = nn.Linear(8, 2 + int(self.rnn.bias) + int(hasattr(self.act, 'weight')))

    def forward(self, x):
        return self.fc(self.rnn(x)[0])

# input: [5, 2, 4]
)",
                                   "m.py", {});
  INFO(render_diagnostics(flags));
  REQUIRE(flags.exit == ExitCode::Ok);
  CHECK(out_shape(flags) == "[5, 2, 2]");
  // A layer with no weight at all, forward never applying it: PyTorch's error at the call.
  LoadedModel unapplied = analyze_text(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Linear(4, 4)
        self.aux = nn.utils.spectral_norm(nn.ReLU())

    def forward(self, x):
        return self.c(x)

# input: [2, 4]
)",
                                       "m.py", {});
  REQUIRE(unapplied.exit != ExitCode::Ok);
  CHECK(first_error(unapplied).message == "KeyError: 'weight'");
  CHECK(first_error(unapplied).span.line == 8);
  // In a function netshape skips as weight init, a normalisation would be lost: refused there.
  LoadedModel skipped = analyze_text(R"(import torch.nn as nn


def normalise(m):
    if isinstance(m, nn.Conv2d):
        nn.utils.weight_norm(m)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 4, 3)
        self.apply(normalise)

    def forward(self, x):
        return self.c(x)

# input: [1, 3, 8, 8]
)",
                                     "m.py", {});
  REQUIRE(skipped.exit == ExitCode::UsageOrParse);
  CHECK(first_error(skipped).message ==
        "unsupported Python construct: weight_norm or spectral_norm in a function netshape skips");
  CHECK(first_error(skipped).span.line == 6);
  // Removing it from a frozen layer makes its weight a new parameter that trains: refused.
  LoadedModel removed = analyze_text(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.utils.weight_norm(nn.Linear(4, 4))
        self.c.requires_grad_(False)
        nn.utils.remove_weight_norm(self.c)

    def forward(self, x):
        return self.c(x)

# input: [2, 4]
)",
                                     "m.py", {});
  REQUIRE(removed.exit == ExitCode::UsageOrParse);
  CHECK(first_error(removed).message ==
        "unsupported Python construct: remove_weight_norm of a frozen layer");
}
