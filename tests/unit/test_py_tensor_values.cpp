// Tensors whose values __init__ computes with (python_tensor_values.cpp): RegNet-style widths
// from torch.arange, torch.round, torch.log, torch.pow and .int().tolist(), followed exactly as
// PyTorch 1.13 computes them (float32), and every other use an error at its position.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::first_error_at;

namespace {

LoadedModel read(const std::string& text) {
  return analyze_text(text, "m.py", {});
}

// The asserts hold the values PyTorch 1.13 computes for this file (run with torch): a wrong
// value is an error at the assert. 373,226 parameters and [1, 10] are PyTorch's too.
const char* kWidths = R"(import math

import torch
import torch.nn as nn


def stage_plan(depth, w0, wa, wm, q=8):
    cont = torch.arange(depth) * wa + w0
    steps = torch.round(torch.log(cont / w0) / math.log(wm))
    widths = (torch.round(torch.divide(w0 * torch.pow(wm, steps), q)) * q).int().tolist()
    marks = [i for i, (a, b) in enumerate(zip(widths + [0], [0] + widths)) if a != b]
    depths = torch.diff(torch.tensor(marks)).int().tolist()
    return sorted(set(widths)), depths, widths


class Net(nn.Module):
    def __init__(self, depth=9, w0=16, wa=11.3, wm=1.9):
        super().__init__()
        widths, depths, every = stage_plan(depth, w0, wa, wm)
        self.every = every
        layers = [nn.Conv2d(3, w0, 3, padding=1)]
        cin = w0
        for w, d in zip(widths, depths):
            for i in range(d):
                layers.append(nn.Conv2d(cin, w, 3, stride=2 if i == 0 else 1, padding=1))
                cin = w
        self.features = nn.Sequential(*layers)
        t = torch.tensor([0.5, 1.5, 2.5, -0.5, -2.7])
        halves = torch.round(t).int().tolist()
        third = (torch.tensor(0.1) * 3).item()
        big = int((torch.arange(1, 6) > 2).sum())
        head = len(t) + int(t[-1]) + torch.arange(10)[2:5].tolist()[1] + (7 // torch.tensor(2)).item()
        self.fc = nn.Linear(cin + big + head, 10)
        assert every == [16, 32, 32, 56, 56, 56, 112, 112, 112]
        assert (widths, depths) == ([16, 32, 56, 112], [1, 2, 3, 3])
        assert halves == [0, 2, 2, 0, -3]
        assert third == 0.30000001192092896  # float32 arithmetic, not Python's 0.30000000000000004
        assert (big, head) == (3, 9)

    def forward(self, x):
        x = self.features(x)
        x = x.mean((2, 3))
        x = torch.cat([x, x[:, : self.fc.in_features - x.size(1)]], 1)
        return self.fc(x)


# input: [1, 3, 32, 32]
)";

// A model whose __init__ computes `expr` (line 9) and uses it; forward is plain.
std::string computing(const std::string& expr) {
  return "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n"
         "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
         "        assert (" +
         expr +
         ") is not None\n\n    def forward(self, x):\n"
         "        return self.fc(x)\n\n# input: [1, 2]\n";
}

}  // namespace

TEST_CASE("tensors of values: widths computed in float32 as PyTorch computes them") {
  LoadedModel m = read(kWidths);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 373226);
  CHECK(to_string(m.analysis.outputs[0].second) == "[1, 10]");
  std::map<std::string, std::string> shapes;
  for (const LayerInfo& l : m.analysis.layers) shapes[std::string(l.name)] = to_string(*l.output);
  CHECK(shapes.at("features.1") == "[1, 16, 16, 16]");
  CHECK(shapes.at("features.3") == "[1, 32, 8, 8]");
  CHECK(shapes.at("features.9") == "[1, 112, 2, 2]");
}

TEST_CASE("tensors of values: a use netshape does not follow is an error at its position") {
  struct Case {
    const char* expr;
    const char* error;
  };
  const Case cases[] = {
      // its sizes are followed (a trial, as forward runs it), its values not
      {"torch.cumsum(torch.arange(4), 0).tolist()",
       "9:17: unsupported Python construct: `.tolist()` of a tensor of __init__ whose values "
       "netshape does not follow (only its sizes)"},
      {"torch.arange(10 ** 6)",
       "9:17: torch.arange() of 1000000 values: netshape computes with at most 65536"},
      {"1 if torch.arange(3) > 1 else 2",
       "9:22: Boolean value of Tensor with more than one value is ambiguous"},
      {"(torch.arange(3).int() * 2**30).tolist()",
       "9:18: int32 tensor value out of range (PyTorch would wrap around)"},
      {"torch.arange(3) + torch.arange(4)",
       "9:17: The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
       "dimension 0"},
      {"torch.tensor([1.5], dtype=torch.float64)",
       "9:17: unsupported Python construct: a tensor of values of dtype torch.float64"},
      {"torch.arange(0, 1, 0.1)", "9:17: torch.arange() with fractional float arguments"},
      {"range(torch.tensor(3))",
       "9:17: an integer is needed here, not a tensor of values (int64, 0-dim)"},
      {"f'{torch.arange(3)}'",
       "9:17: unsupported Python construct: the text of a tensor of values"},
      {"[v for v in set([3, 1])]",
       "9:29: unsupported Python construct: the order of a set's elements"},
  };
  for (const Case& c : cases) {
    LoadedModel m = read(computing(c.expr));
    INFO(c.expr);
    CHECK(m.exit != ExitCode::Ok);
    CHECK(first_error_at(m) == c.error);
  }
}

TEST_CASE("tensors of values: as a layer's size or beside a tensor in forward, an error") {
  LoadedModel layer = read(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        widths = torch.arange(4) * 8
        self.fc = nn.Linear(2, widths[1])

    def forward(self, x):
        return self.fc(x)

# input: [1, 2]
)");
  CHECK(layer.exit != ExitCode::Ok);
  CHECK(
      first_error_at(layer) ==
      "9:32: unsupported Python construct: a tensor of values (int64, 0-dim) as a layer argument");
  LoadedModel mixed = read(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.arange(2).float()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x) * self.scale

# input: [1, 2]
)");
  CHECK(mixed.exit != ExitCode::Ok);
  CHECK(first_error_at(mixed) ==
        "12:16: unsupported Python construct: operator `*` between a tensor and a tensor of values "
        "(float32, 2 elements)");
}

TEST_CASE("tensors of values: nn.Parameter of one counts its elements, set() its distinct ones") {
  // PyTorch: 12 parameters (Linear(2, 3) 9, gain 3).
  LoadedModel m = read(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))
        self.fc = nn.Linear(2, len(set([1, 3, 1, 2])))

    def forward(self, x):
        return self.fc(x) * self.gain

# input: [1, 2]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 9 + 3);
}
