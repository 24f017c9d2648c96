// A module run in __init__ on a tensor made there (`self.features(torch.zeros(1, 3, 32, 32))`,
// the tutorials' way to size the first Linear): netshape runs it as PyTorch does, in training
// mode, and the result is a tensor of __init__ of its sizes. Every shape, count and message here
// is PyTorch 1.13's on the same file (model.eval(), then a forward of the input given).
#include <doctest/doctest.h>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::analyze_py;
using netshape::test::first_error;
using netshape::test::out_shape;

namespace {

constexpr const char* kHeader = R"(import torch
import torch.nn as nn
import torch.nn.functional as F
)";

LoadedModel init_model(const std::string& classes, const std::string& input) {
  return analyze_py(kHeader + classes, "init.py", input);
}

}  // namespace

TEST_CASE("a module run in __init__ sizes the Linear after it") {
  struct Case {
    const char* name;
    const char* classes;
    const char* input;
    const char* shape;
    int64_t params;
  };
  const Case cases[] = {
      {"numel of a Sequential's output, under no_grad", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, 3, 32, 32)).numel()
        self.fc = nn.Linear(n_flat, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
)",
       "1,3,32,32", "[1, 10]", 22058},
      {"view(1, -1).size(1) with a BatchNorm2d, built from constructor arguments", R"(
class Net(nn.Module):
    def __init__(self, in_ch=3, size=64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_ch, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2))
        out = self.features(torch.randn(1, in_ch, size, size))
        self.flat = out.view(1, -1).size(1)
        self.classifier = nn.Linear(self.flat, 5)

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))
)",
       "2,3,64,64", "[2, 5]", 41125},
      {"a helper method returning flatten(1).shape[1]", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.fc = nn.Linear(self._flat_size((3, 28, 28)), 10)

    def _flat_size(self, shape):
        with torch.no_grad():
            return self.conv(torch.zeros(1, *shape)).flatten(1).shape[1]

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
)",
       "4,3,28,28", "[4, 10]", 54314},
      {"the functions of a method run on the made tensor (the sentdex tutorial's convs())", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        x = torch.randn(28, 28).view(-1, 1, 28, 28)
        self._to_linear = None
        self.convs(x)
        self.fc1 = nn.Linear(self._to_linear, 64)
        self.fc2 = nn.Linear(64, 10)

    def convs(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        if self._to_linear is None:
            self._to_linear = x[0].shape[0] * x[0].shape[1] * x[0].shape[2]
        return x

    def forward(self, x):
        x = self.convs(x)
        x = x.view(-1, self._to_linear)
        return self.fc2(F.relu(self.fc1(x)))
)",
       "2,1,28,28", "[2, 10]", 19670},
      {"a user module, its shape unpacked", R"(
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, stride=2)
        self.c2 = nn.Conv2d(4, 8, 3, stride=2)

    def forward(self, x):
        x = F.relu(self.c1(x))
        if self.training:
            x = F.dropout(x, 0.1)
        return F.relu(self.c2(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Encoder()
        c, h, w = self.enc(torch.zeros(1, 1, 28, 28)).shape[1:]
        self.fc = nn.Linear(c * h * w, 10)

    def forward(self, x):
        return self.fc(self.enc(x).flatten(1))
)",
       "3,1,28,28", "[3, 10]", 3226},
      {"an LSTM's output and final state", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 16, batch_first=True)
        out, (h, c) = self.rnn(torch.zeros(1, 5, 10))
        self.fc = nn.Linear(out.shape[-1] + h.shape[-1], 3)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        return self.fc(torch.cat([out[:, -1], h[-1]], dim=1))
)",
       "2,5,10", "[2, 3]", 1891},
      {"a lazy module sized by the call in __init__", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(20), nn.ReLU())
        self.net(torch.zeros(1, 7))
        self.out = nn.Linear(20, 1)

    def forward(self, x):
        return self.out(self.net(x))
)",
       "3,7", "[3, 1]", 181},
      {"a tensor of values (torch.arange) given to an Embedding, then a Conv1d", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.conv = nn.Conv1d(6, 4, 3)
        n = self.conv(self.emb(torch.arange(8)).t().contiguous()).shape[-1]
        self.fc = nn.Linear(n * 4, 2)

    def forward(self, x):
        # input x: [2, 8] long
        return self.fc(self.conv(self.emb(x).transpose(1, 2)).flatten(1))
)",
       "", "[2, 2]", 186},
      {"a channels-last dummy permuted into a convolution (no view of it)", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        n = self.conv(torch.zeros(1, 32, 32, 3).permute(0, 3, 1, 2)).numel()
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
)",
       "2,3,32,32", "[2, 2]", 7314},
      {"an nn.MultiheadAttention run in __init__ returns its (output, weights)", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2)
        q = torch.zeros(6, 1, 16)
        out, weights = self.attn(q, q, q)
        self.fc = nn.Linear(out.shape[-1] + weights.shape[-1], 4)

    def forward(self, x):
        return self.fc(x)
)",
       "2,22", "[2, 4]", 1180},
      {"shape[1:].numel() and size()[1:].numel() of the result (a torch.Size)", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Conv2d(3, 4, 3)
        o = self.f(torch.zeros(1, 3, 8, 8))
        assert o.shape[1:] == (4, 6, 6) and str(o.shape) == 'torch.Size([1, 4, 6, 6])'
        self.fc = nn.Linear(o.shape[1:].numel() + o.size()[2:].numel() - 36, 2)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))
)",
       "2,3,8,8", "[2, 2]", 402},
      {"the result kept as a tensor of __init__", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.sample = self.features(torch.zeros(1, 3, 8, 8))
        self.fc = nn.Linear(8 * 6 * 6, 2)

    def forward(self, x):
        return self.fc((self.features(x) + self.sample).flatten(1))
)",
       "2,3,8,8", "[2, 2]", 802},
      {"Swin's relative position index: meshgrid, stack, broadcasting, sum(-1) in __init__", R"(
class Net(nn.Module):
    def __init__(self, window=7, heads=3):
        super().__init__()
        coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window),
                                            indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)
        rel = coords_flatten[:, :, None] - coords_flatten[:, None, :]
        rel = rel.permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window - 1
        rel[:, :, 1] += window - 1
        rel[:, :, 0] *= 2 * window - 1
        index = rel.sum(-1).flatten()
        self.register_buffer("index", index)
        self.fc = nn.Linear(index.shape[0], heads)

    def forward(self, x):
        return self.fc(x)
)",
       "2,2401", "[2, 3]", 7206},
      {"tensor methods of __init__ it does not compute itself: mean over dims, a list meshgrid",
       R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        pooled = torch.zeros(2, 3, 5).mean(dim=(1, 2), keepdim=True)
        grid = torch.meshgrid([torch.arange(4), torch.arange(6)])[1]
        self.fc = nn.Linear(pooled.dim() + grid.shape[1], 2)

    def forward(self, x):
        return self.fc(x)
)",
       "2,9", "[2, 2]", 20},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    LoadedModel m = init_model(c.classes, c.input);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == c.params);
    // the trial's rows are not the model's: its forward starts at the model's input
    REQUIRE(!m.analysis.layers.empty());
    CHECK(m.analysis.layers.front().name.find("__init__") == std::string::npos);
  }
}

TEST_CASE("a module run in __init__: PyTorch's errors there, in training mode") {
  struct Case {
    const char* name;
    const char* classes;
    const char* error;
  };
  const Case cases[] = {
      {"the made tensor has the wrong channels", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 5)
        n = self.conv(torch.zeros(1, 1, 32, 32)).numel()
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
)",
       "Given groups=1, weight of size [8, 3, 5, 5], expected input[1, 1, 32, 32] to have 3 "
       "channels, but got 1 channels instead"},
      {"a BatchNorm1d in training mode given a batch of one", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(10, 20), nn.BatchNorm1d(20), nn.ReLU())
        n = self.body(torch.zeros(1, 10)).shape[1]
        self.head = nn.Linear(n, 2)

    def forward(self, x):
        return self.head(self.body(x))
)",
       "Expected more than 1 value per channel when training, got input size torch.Size([1, "
       "20])"},
      {"an InstanceNorm1d tracking its statistics, in training mode, given one element", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.InstanceNorm1d(4, track_running_stats=True)
        n = self.norm(torch.zeros(1, 4, 1)).shape[1]
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.norm(x).mean(-1))
)",
       "Expected more than 1 spatial element when training, got input size torch.Size([1, 4, "
       "1])"},
      {"a kernel larger than the made tensor", R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 7), nn.ReLU(), nn.Conv2d(8, 8, 7))
        n = self.features(torch.zeros(1, 3, 10, 10)).numel()
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))
)",
       "Calculated padded input size per channel: (4 x 4). Kernel size: (7 x 7). Kernel size "
       "can't be greater than actual input size"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    LoadedModel m = init_model(c.classes, "2,3,32,32");
    INFO(render_diagnostics(m));
    CHECK(m.exit == ExitCode::UsageOrParse);  // raised while the model is built
    CHECK(first_error(m).message == c.error);
  }
}

TEST_CASE("a module run in __init__ reads self.training as True, forward as False") {
  // the trial takes the training branch (4 features), model.eval()'s forward the other (8):
  // PyTorch's eval forward fails at the Linear sized in training mode
  LoadedModel m = init_model(R"(
class Head(nn.Module):
    def forward(self, x):
        if self.training:
            return x[:, :4]
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Head()
        self.fc = nn.Linear(self.head(torch.zeros(1, 8)).shape[1], 2)

    def forward(self, x):
        return self.fc(self.head(x))
)",
                             "2,8");
  CHECK(m.exit == ExitCode::ShapeError);
  std::vector<std::string> errors;
  for (const Diagnostic& d : m.diags.items())
    if (d.severity == Severity::Error) errors.push_back(d.message);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "mat1 and mat2 shapes cannot be multiplied (2x8 and 4x2)");
}

TEST_CASE("a module run in __init__: what netshape refuses") {
  // a tensor of the trial kept past it: its rows end with the trial
  LoadedModel kept = init_model(R"(
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.last = None

    def forward(self, x):
        y = self.conv(x)
        self.last = y
        return y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.block(torch.zeros(1, 3, 8, 8))
        self.fc = nn.Linear(3 * 8 * 8, 2)

    def forward(self, x):
        return self.fc((self.block.last + x).flatten(1))
)",
                                "2,3,8,8");
  CHECK(kept.exit == ExitCode::UsageOrParse);
  CHECK(first_error(kept).message.find("keeping a tensor of forward") != std::string::npos);
  // a module given something other than a tensor made in __init__
  LoadedModel number = init_model(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.fc(3)

    def forward(self, x):
        return self.fc(x)
)",
                                  "2,4");
  CHECK(number.exit == ExitCode::UsageOrParse);
  // a mode set in __init__ is not followed: what depends on it there is refused, not read in
  // training mode (PyTorch: BatchNorm1d in eval mode takes a batch of one; self.training False)
  LoadedModel evaluated = init_model(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.bn.eval()
        n = self.bn(torch.zeros(1, 4)).shape[1]
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(self.bn(x))
)",
                                     "2,4");
  CHECK(evaluated.exit == ExitCode::UsageOrParse);
  CHECK(first_error(evaluated).message ==
        "unsupported Python construct: a module or tensor op run in __init__ after `.eval()`");
  LoadedModel flag = init_model(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.eval()
        self.conv = nn.Conv2d(3, 4 if self.training else 6, 3)

    def forward(self, x):
        return self.conv(x)
)",
                                "2,3,8,8");
  CHECK(flag.exit == ExitCode::UsageOrParse);
  CHECK(first_error(flag).message ==
        "unsupported Python construct: `self.training` in __init__ after `.eval()`");
  // a permuted tensor of __init__ given to a module that views it: the trial's input is
  // contiguous, so its view could pass where PyTorch's fails
  LoadedModel permuted = init_model(R"(
class Head(nn.Module):
    def forward(self, x):
        return x.view(1, -1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Head()
        n = self.head(torch.zeros(1, 8, 8, 3).permute(0, 3, 1, 2)).shape[1]
        self.fc = nn.Linear(n, 2)

    def forward(self, x):
        return self.fc(x.flatten(1))
)",
                                    "2,3,8,8");
  CHECK(permuted.exit == ExitCode::UsageOrParse);
  CHECK(first_error(permuted).message.find("transposed, sliced or expanded") != std::string::npos);
}

TEST_CASE("torch.meshgrid in forward: views of its tensors expanded, PyTorch's errors") {
  const std::string model = std::string(kHeader) + R"(

class M(nn.Module):
    def forward(self, x):
        # input x: [2, 3]
        return BODY
)";
  const netshape::test::PyCase cases[] = {
      {"torch.meshgrid(x[0], x[1, :2], indexing='ij')[0]", "", "[3, 2]"},
      {"torch.meshgrid(x[0], x[1, :2], indexing='xy')[0]", "", "[2, 3]"},
      {"torch.meshgrid([x[0], x[1, :2]])[1]", "", "[3, 2]"},
      {"torch.meshgrid(x[0], x[1, :2], x[0, :1], indexing='xy')[2]", "", "[2, 3, 1]"},
      {"torch.meshgrid(x[0], x[1, 0])[0]", "", "[3, 1]"},
      {"torch.meshgrid(x[0], x[1])[0].reshape(-1)", "", "[9]"},
      // expanded views, as PyTorch's: a view across them fails
      {"torch.meshgrid(x[0], x[1])[0].view(-1)",
       "view size is not compatible with input tensor's size and stride (at least one dimension "
       "spans across two contiguous subspaces). Use .reshape(...) instead.",
       ""},
      {"torch.meshgrid(x[0], x[1].long())[0]",
       "meshgrid expects all tensors to have the same dtype", ""},
      {"torch.meshgrid(x[0], x[1], indexing='foo')[0]",
       "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: foo", ""},
  };
  netshape::test::check_py_cases(model, "m.py", cases);
}
