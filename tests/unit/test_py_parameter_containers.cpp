// nn.ParameterList and nn.ParameterDict as model files use them (BiFPN-style fusion weights, a
// dict of heads): their entries are the model's parameters, counted once, read by index, key,
// iteration and items(), with PyTorch 1.13's errors. Every number is PyTorch 1.13's for the same
// model (sum(p.numel() for p in model.parameters()) and the outputs' shapes).
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::analyze_py;
using netshape::test::check_py_cases;
using netshape::test::first_error;
using netshape::test::PyCase;

namespace {

const char* const kFusion = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class WeightedFusion(nn.Module):
    """Fuses same-shaped feature maps with learned, normalised weights (BiFPN style)."""

    def __init__(self, n_inputs, channels, eps=1e-4):
        super().__init__()
        self.eps = eps
        self.weights = nn.ParameterList([nn.Parameter(torch.ones(1)) for _ in range(n_inputs)])
        self.gains = nn.ParameterList()
        for _ in range(n_inputs):
            self.gains.append(torch.ones(1, channels, 1, 1))
        self.spare = nn.ParameterList([torch.zeros(7), torch.zeros(2, 3)])
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        feats = [x, F.avg_pool2d(x, 3, 1, 1), F.max_pool2d(x, 3, 1, 1)]
        out = 0
        for i, (f, w) in enumerate(zip(feats, self.weights)):
            out = out + F.relu(w) * f * self.gains[i]
        out = out / (len(self.weights) + self.eps)
        return self.conv(out) + self.gains[-1]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fuse = WeightedFusion(3, 8)
        self.scales = nn.ParameterDict({"a": nn.Parameter(torch.ones(8)), "b": torch.ones(5)})
        self.heads = nn.ParameterDict([("z", nn.Parameter(torch.ones(8, 4))), ("y", torch.ones(8, 2))])

    def forward(self, x):
        y = self.fuse(x)
        for k, s in self.scales.items():
            if k == "a":
                y = y * s.view(1, -1, 1, 1)
        pooled = y.mean((2, 3))
        return [pooled @ self.heads[k] for k in self.heads]

# input: [2, 8, 16, 16]
)";

}  // namespace

TEST_CASE("parameter containers: entries are parameters, read by index, key and iteration") {
  LoadedModel m = analyze_py(kFusion, "fusion.py", "");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 685);
  REQUIRE(m.analysis.outputs.size() == 2);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 4]");
  CHECK(to_string(m.analysis.outputs[1].second) == "[2, 2]");
  // each entry is a row under its path, where forward first reads it
  std::vector<std::string> read;
  for (const LayerInfo& l : m.analysis.layers)
    if (std::string(l.op_name) == "parameter")
      read.push_back(std::string(l.name) + " " + to_string(*l.output));
  const std::vector<std::string> expected = {"fuse.weights.0 [1]",
                                             "fuse.weights.1 [1]",
                                             "fuse.weights.2 [1]",
                                             "fuse.gains.0 [1, 8, 1, 1]",
                                             "fuse.gains.1 [1, 8, 1, 1]",
                                             "fuse.gains.2 [1, 8, 1, 1]",
                                             "scales.a [8]",
                                             "scales.b [5]",
                                             "heads.z [8, 4]",
                                             "heads.y [8, 2]"};
  CHECK(read == expected);
  // `spare` is never read: its 7 + 6 parameters count in the total, with a warning
  REQUIRE(m.analysis.unapplied.size() == 1);
  CHECK(m.analysis.unapplied[0].path == "fuse.spare");
  CHECK(m.analysis.unapplied[0].kind == "ParameterList");
  CHECK(m.analysis.unapplied[0].params == 13);
  bool warned = false;
  for (const Diagnostic& d : m.diags.items())
    warned |= d.message.starts_with("`fuse.spare` (ParameterList) is never applied in forward");
  CHECK(warned);
}

TEST_CASE("parameter containers: PyTorch's errors") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY

    def forward(self, x):
        return x.flatten(1)

# input: [2, 3]
)";
  const PyCase cases[] = {
      {"self.p = nn.ParameterList([torch.ones(2)])\n        _ = self.p[3]",
       "index 3 is out of range", ""},
      {"self.p = nn.ParameterList([torch.ones(2)])\n        _ = self.p[-2]",
       "index -2 is out of range", ""},
      {"self.p = nn.ParameterDict({'a': torch.ones(2)})\n        _ = self.p['c']",
       "'ParameterDict' object has no attribute 'c'", ""},
      {"self.p = nn.ParameterDict({'a': torch.ones(2)})\n        _ = self.p[1]",
       "Index given to ParameterDict cannot be used as a key as it is not a string (type is "
       "'int'). Open an issue on github if you need non-string keys.",
       ""},
      {"self.p = nn.ParameterList(torch.ones(2))",
       "ParameterList.extend should be called with an iterable, but got Tensor", ""},
      {"self.p = nn.ParameterDict([('a', torch.ones(1), 3)])",
       "ParameterDict update sequence element #0 has length 3; 2 is required", ""},
      {"self.p = nn.ParameterList([torch.ones(2)])\n        self.p.extend([torch.ones(3)])\n"
       "        assert len(self.p) == 2",
       "", "[2, 3]"},
      // PyTorch sorts a dict's keys but not an OrderedDict's, which netshape cannot tell apart
      {"self.p = nn.ParameterDict({'b': torch.ones(1), 'a': torch.ones(2)})",
       "netshape cannot count the weights `p` may hold, which model.parameters() counts: "
       "unsupported Python construct: an nn.ParameterDict of a dict whose keys are not in sorted "
       "order",
       ""},
  };
  check_py_cases(base, "net.py", cases, ExitCode::UsageOrParse);
}

// `+=` on nn.ModuleList and nn.ParameterList is their extend(), as PyTorch's __iadd__; the
// deprecated `Variable(x)` is x. PyTorch 1.13: output [2, 3], 40 + 27 + 3 parameters.
TEST_CASE("parameter containers: += extends a ModuleList and a ParameterList") {
  LoadedModel m = analyze_py(R"(import torch
import torch.nn as nn
from torch.autograd import Variable


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 8)])
        self.layers += [nn.ReLU(), nn.Linear(8, 3)]
        self.scales = nn.ParameterList()
        self.scales += [torch.ones(3)]

    def forward(self, x):
        x = Variable(x)
        for layer in self.layers:
            x = layer(x)
        return x * self.scales[0]

# input: [2, 4]
)",
                             "iadd.py", "");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(netshape::test::out_shape(m) == "[2, 3]");
  CHECK(m.analysis.totals.params == 40 + 27 + 3);
  REQUIRE(m.analysis.layers.size() == 5);
  CHECK(std::string(m.analysis.layers[2].name) == "layers.2");
}
