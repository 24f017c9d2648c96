// The element-wise losses a forward computes (F.mse_loss, l1_loss, smooth_l1_loss, huber_loss: a
// VQ-VAE's codebook loss, an autoencoder that returns its reconstruction error): shapes, the
// reductions, the forward's values, the memory a training step saves, the warning for a target
// of another shape, and PyTorch 1.13's errors in F's order. Every expected value and message is
// PyTorch 1.13's for the same call (tests/parity/loss_parity.py checks a grid of them with torch).
#include <doctest/doctest.h>

#include "forward_helpers.hpp"
#include "netshape/memory.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

#define YT "input y: [3, 4]\ninput t: [3, 4]"

const LayerCase kShapes[] = {
    {YT, "mse_loss(y, t)", "[]", 0, 0, ""},
    {YT, "mse_loss(y, t, reduction='none')", "[3, 4]", 0, 0, ""},
    {"input y: [3, 1]\ninput t: [4]", "l1_loss(y, t, reduction='none')", "[3, 4]", 0, 0, ""},
    {YT, "l1_loss(y, t, reduction='sum')", "[]", 0, 0, ""},
    // the legacy size_average and reduce choose the reduction when either is given
    {YT, "mse_loss(y, t, reduce=False)", "[3, 4]", 0, 0, ""},
    {YT, "mse_loss(y, t, size_average=False, reduction='none')", "[]", 0, 0, ""},
    {YT, "smooth_l1_loss(y, t, beta=0)", "[]", 0, 0, ""},
    {YT, "huber_loss(y, t, 'none', 2)", "[3, 4]", 0, 0, ""},
    {"input y: [B, 10]\ninput t: [B, 10]", "mse_loss(y, t, reduction='elementwise_mean')", "[]", 0,
     0, ""},
};

// F's order: the broadcast, then the reduction, then beta (delta)
const LayerCase kErrors[] = {
    {"input y: [3, 4]\ninput t: [3, 5]", "mse_loss(y, t, reduction='avg')", "error", 0, 0,
     "The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 1"},
    {YT, "mse_loss(y, t, reduction='avg')", "error", 0, 0,
     "avg is not a valid value for reduction"},
    {YT, "l1_loss(y, t, reduction=None)", "error", 0, 0, "None is not a valid value for reduction"},
    {YT, "smooth_l1_loss(y, t, reduction='x', beta=-0.5)", "error", 0, 0,
     "x is not a valid value for reduction"},
    {YT, "smooth_l1_loss(y, t, beta=-0.5)", "error", 0, 0,
     "smooth_l1_loss does not support negative values for beta."},
    {YT, "huber_loss(y, t, delta=0.0)", "error", 0, 0,
     "huber_loss does not support non-positive values for delta."},
    {YT, "smooth_l1_loss(y, t, beta='a')", "error", 0, 0,
     "smooth_l1_loss(): argument 'beta' (position 4) must be float, not str"},
};

// A VQ-VAE's quantizer: the codebook loss and the commitment loss, computed in forward.
const char* kPyModel = R"(import torch
import torch.nn as nn
import torch.nn.functional as F

class Quantizer(nn.Module):
    def __init__(self, codes=32, dim=8, beta=0.25):
        super().__init__()
        self.codebook = nn.Embedding(codes, dim)
        self.beta = beta

    def forward(self, z):
        idx = torch.cdist(z, self.codebook.weight).argmin(dim=1)
        zq = self.codebook(idx)
        return BODY
# input: [16, 8]
)";

const PyCase kPyCases[] = {
    {"F.mse_loss(zq, z.detach()) + self.beta * F.mse_loss(zq.detach(), z)", "", "[]"},
    {"F.l1_loss(zq, z, reduction='none')", "", "[16, 8]"},
    {"F.smooth_l1_loss(input=zq, target=z, beta=0.5)", "", "[]"},
    {"F.huber_loss(zq.double(), z, delta=2)", "", "[]"},
    {"F.mse_loss(zq, z, False)", "", "[]"},  // size_average=False: the sum
};

// Python's binding of F's wrappers and their `target.size()`, then PyTorch's checks
const PyCase kPyErrors[] = {
    {"F.mse_loss(zq)", "mse_loss() missing 1 required positional argument: 'target'", ""},
    {"F.mse_loss(zq, z, reductions='sum')",
     "mse_loss() got an unexpected keyword argument 'reductions'", ""},
    {"F.huber_loss(zq, z, beta=1.0)", "huber_loss() got an unexpected keyword argument 'beta'", ""},
    {"F.mse_loss(zq, z, input=z)", "mse_loss() got multiple values for argument 'input'", ""},
    {"F.mse_loss(zq, z, None, None, 'mean', 1)",
     "mse_loss() takes from 2 to 5 positional arguments but 6 were given", ""},
    {"F.mse_loss(zq, 2)", "'int' object has no attribute 'size'", ""},
    {"F.mse_loss(zq, z[:, :3])",
     "The size of tensor a (8) must match the size of tensor b (3) at non-singleton dimension 1",
     ""},
    {"F.l1_loss(zq, z, reduction='avg')", "avg is not a valid value for reduction", ""},
    {"F.smooth_l1_loss(zq, z, beta=float('nan'))",
     "smooth_l1_loss does not support negative values for beta.", ""},
    {"F.huber_loss(zq, z, delta=float('nan'))",
     "huber_loss does not support non-positive values for delta.", ""},
};

// The loss modules: an autoencoder that keeps its criterion and returns the reconstruction error.
const char* kPyModuleModel = R"(import torch.nn as nn

class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(16, 4)
        self.decoder = nn.Linear(4, 16)
        self.criterion = CRITERION

    def forward(self, x):
        x_hat = self.decoder(self.encoder(x))
        return x_hat, BODY
# input: [8, 16]
)";

struct ModuleCase {
  const char *criterion, *body, *error, *shape;
};
const ModuleCase kModuleCases[] = {
    {"nn.MSELoss()", "self.criterion(x_hat, x)", "", "[]"},
    {"nn.L1Loss(reduction='none')", "self.criterion(input=x_hat, target=x)", "", "[8, 16]"},
    {"nn.SmoothL1Loss(beta=0.5)", "self.criterion(x_hat, x)", "", "[]"},
    {"nn.HuberLoss('sum', 2.0)", "self.criterion(x_hat, x)", "", "[]"},
    {"nn.MSELoss(reduce=False)", "self.criterion(x_hat, x[0])", "", "[8, 16]"},
    // the module's forward calls the function, whose errors these are
    {"nn.MSELoss(reduction='avg')", "self.criterion(x_hat, x)",
     "avg is not a valid value for reduction", ""},
    {"nn.HuberLoss(delta=0.0)", "self.criterion(x_hat, x)",
     "huber_loss does not support non-positive values for delta.", ""},
    {"nn.SmoothL1Loss(beta='a')", "self.criterion(x_hat, x)",
     "smooth_l1_loss(): argument 'beta' (position 4) must be float, not str", ""},
    {"nn.MSELoss()", "self.criterion(x_hat)",
     "MSELoss.forward() missing 1 required positional argument: 'target'", ""},
    {"nn.MSELoss(reductio='sum')", "self.criterion(x_hat, x)",
     "MSELoss.__init__() got an unexpected keyword argument 'reductio'", ""},
    {"nn.MSELoss(None, None, 'sum', reduction='sum')", "self.criterion(x_hat, x)",
     "MSELoss.__init__() got multiple values for argument 'reduction'", ""},
};

}  // namespace

TEST_CASE("losses: shapes by reduction, as PyTorch's") {
  check_layer_cases(kShapes);
}

TEST_CASE("losses: PyTorch's errors in F's order") {
  check_layer_cases(kErrors);
}

TEST_CASE("losses in a .py file: a VQ-VAE's codebook and commitment losses") {
  check_py_cases(kPyModel, "vq.py", kPyCases);
  check_py_cases(kPyModel, "vq.py", kPyErrors);
  // integer tensors: PyTorch's messages depend on the loss and the types: refused
  LoadedModel ids =
      analyze_text(test::replaced(kPyModel, "BODY", "F.mse_loss(idx, idx)"), "vq.py", {});
  CHECK(ids.exit == ExitCode::UsageOrParse);
}

// F.<loss>(y, t) on y = arange(6).reshape(2, 3) * 0.5 and t = arange(3) + 0.25, broadcast, as
// PyTorch 1.13 prints it
TEST_CASE("losses: the forward's values are PyTorch's") {
  Tensor y = test::arange({2, 3});
  for (float& v : y.data) v *= 0.5f;
  const Tensor t = test::arange({3}, 0.25f);
  const std::pair<const char*, std::vector<float>> cases[] = {
      {"mse_loss(y, t)", {0.7291666865f}},
      {"mse_loss(y, t, reduction='sum')", {4.375f}},
      {"l1_loss(y, t, reduction='none')", {0.25f, 0.75f, 1.25f, 1.25f, 0.75f, 0.25f}},
      {"smooth_l1_loss(y, t, reduction='none', beta=1.5)",
       {0.02083333395f, 0.1875f, 0.5208333135f, 0.5208333135f, 0.1875f, 0.02083333395f}},
      {"huber_loss(y, t, reduction='none', delta=0.5)",
       {0.03125f, 0.25f, 0.5f, 0.5f, 0.25f, 0.03125f}},
      {"smooth_l1_loss(y, t, beta=0)", {0.75f}},
  };
  for (const auto& c : cases) {  // no structured binding: INFO captures
    INFO(c.first);
    Tensor out =
        test::forward_of(std::string("input y: [2, 3]\ninput t: [3]\nl = ") + c.first + "\n",
                         forward_elementwise_loss, {y, t});
    REQUIRE(out.data.size() == c.second.size());
    for (size_t i = 0; i < out.data.size(); ++i) CHECK(out.data[i] == doctest::Approx(c.second[i]));
  }
  // the mean of no elements is NaN, as PyTorch's (the model language declares no empty input:
  // the forward is given empty tensors; the output's shape, [], is the same)
  Tensor none =
      test::forward_of("input y: [1, 3]\ninput t: [1, 3]\nl = mse_loss(y, t)\n",
                       forward_elementwise_loss, {Tensor::zeros({0, 3}), Tensor::zeros({0, 3})});
  CHECK(std::isnan(none.data.at(0)));
}

// tests/zoo/saved_for_backward.py's count with PyTorch 1.13 on `F.<loss>(self.fc(x), x)`, x
// [4, 16]: the Linear's input x (256 bytes), then the prediction and x again (mse, smooth_l1,
// huber), or the difference its abs reads (l1_loss): 512 bytes each.
TEST_CASE("losses: the memory a training step saves is PyTorch's") {
  for (const char* loss : {"mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"}) {
    std::string text = test::replaced(R"(import torch
import torch.nn as nn
import torch.nn.functional as F

class Reconstruct(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x):
        return F.LOSS(self.fc(x), x)
# input: [4, 16]
)",
                                      "LOSS", loss);
    LoadedModel m = analyze_text(text, "ae.py", {});
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    INFO(loss);
    CHECK(memory->saved_for_backward_bytes == 512);
  }
}

TEST_CASE("losses: a target of another shape than the prediction is warned about") {
  LoadedModel m = analyze_text(R"(import torch.nn as nn
import torch.nn.functional as F

class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 1)

    def forward(self, x, target):
        return F.mse_loss(self.head(x), target)
# input x: [B, 8]
# input target: [B]
)",
                               "reg.py", {});
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.diags.count() == 1);
  const Diagnostic& d = m.diags.items().front();
  CHECK(d.severity == Severity::Warning);
  CHECK(d.code == "loss-target-shape");
  CHECK(d.message ==
        "mse_loss's target [B] has another shape than its input [B, 1]: PyTorch broadcasts them "
        "to [B, B], comparing every prediction with every target (and warns \"Using a target size "
        "that is different to the input size ... This will likely lead to incorrect results due "
        "to broadcasting\")");
  CHECK(d.help ==
        "give both one shape: `input.squeeze(-1)` makes the input [B], or "
        "`target.unsqueeze(-1)` makes the target [B, 1]");
  // the same shapes: no warning
  LoadedModel same =
      analyze_text("input y: [4, 1]\ninput t: [4, 1]\nl = mse_loss(y, t)\n", "m.ns", {});
  CHECK(same.diags.count() == 0);
}

TEST_CASE("losses: the modules nn.MSELoss, L1Loss, SmoothL1Loss and HuberLoss") {
  for (const ModuleCase& c : kModuleCases) {
    INFO(c.criterion << " " << c.body);
    LoadedModel m = analyze_text(
        test::replaced(test::replaced(kPyModuleModel, "CRITERION", c.criterion), "BODY", c.body),
        "ae.py", {});
    if (*c.error) {
      CHECK(m.exit != ExitCode::Ok);
      REQUIRE(!m.diags.items().empty());
      CHECK(m.diags.items().front().message == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(to_string(*m.analysis.layers.back().output) == c.shape);
    CHECK(m.analysis.totals.params == 16 * 4 + 4 + 4 * 16 + 16);  // the loss has none
  }
}
