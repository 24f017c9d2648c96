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

// Drop-path rates as model files compute them, timm's way and torchvision maxvit's: the asserts
// hold the values torch 1.13 (its AVX2 kernel: a serial loop of fused multiply-adds below 16
// values, vectors of 8 from there) and numpy 1.24 give; a wrong value is an error at the assert.
const char* kLinspace = R"(import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, depths=(2, 2, 6, 2), rate=0.1):
        super().__init__()
        dpr = [x.item() for x in torch.linspace(0, rate, sum(depths) * 2)]
        assert dpr[1] == 0.004347826354205608 and dpr[13] == 0.05652174353599548
        assert dpr[16:] == [0.06956521421670914, 0.07391304522752762, 0.0782608687877655,
                            0.08260869979858398, 0.08695652335882187, 0.09130434691905975,
                            0.09565217792987823, 0.10000000149011612]
        assert torch.linspace(0.05, 0.5, 9).tolist()[1:5] == [
            0.10625000298023224, 0.16249999403953552, 0.21875, 0.2750000059604645]
        assert torch.linspace(1, -1, 8).tolist()[3:5] == [0.14285710453987122,
                                                          -0.14285710453987122]
        assert torch.linspace(-3.3, 7.1, 16).tolist()[5:7] == [0.16666674613952637,
                                                               0.8599998950958252]
        assert torch.linspace(0, 0.3, 37).tolist()[31] == 0.25833332538604736
        assert torch.linspace(2, 2, 1).tolist() == [2.0] and torch.linspace(0, 1, 0).tolist() == []
        t = torch.linspace(0, 0.3, 7)
        assert torch.linspace(t[1], t[5], 5).tolist()[2:] == [0.15000000596046448,
                                                              0.20000000298023224, 0.25]
        p = np.linspace(0, 0.2, 7).tolist()
        assert p == [0.0, 0.03333333333333333, 0.06666666666666667, 0.1, 0.13333333333333333,
                     0.16666666666666666, 0.2]
        q = [float(v) for v in np.linspace(0, 0.2, 7, endpoint=False)]
        assert q[1:3] == [0.028571428571428574, 0.05714285714285715]
        assert np.linspace(0.1, 0.9).tolist()[48:] == [0.8836734693877552, 0.9]
        self.blocks = nn.Sequential(*[nn.Dropout(p) for p in dpr[: len(p)]])
        self.head = nn.Linear(8, len(dpr) + len(q))

    def forward(self, x):
        return self.head(self.blocks(x))


# input: [2, 8]
)";

TEST_CASE("tensors of values: torch.linspace and numpy.linspace as torch and numpy round them") {
  LoadedModel m = read(kLinspace);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 31]");  // 24 rates and 7 more
  CHECK(m.analysis.totals.params == 8 * 31 + 31);
  CHECK(m.analysis.layers.size() == 8);  // seven Dropouts and the head
  // a value one bit off is caught by its assert
  LoadedModel off = read(netshape::test::replaced(kLinspace, "dpr[13] == 0.05652174353599548",
                                                  "dpr[13] == 0.05652174726128578"));
  CHECK(off.exit != ExitCode::Ok);
  CHECK(first_error_at(off) == "10:9: assertion failed");
}

TEST_CASE("tensors of values: linspace's errors, as torch and numpy raise them") {
  struct Case {
    const char* expr;
    const char* error;
  };
  const Case cases[] = {
      {"torch.linspace(0, 1, -1)", "10:17: number of steps must be non-negative"},
      {"torch.linspace(0, 1, 2.0)", "10:17: linspace(): argument 'steps' must be int, not float"},
      {"torch.linspace(0, 1)", "10:17: linspace() missing required argument 'steps'"},
      {"torch.linspace(0, 1, 3, dtype=torch.int64)",
       "10:17: unsupported Python construct: torch.linspace of dtype int64"},
      {"torch.linspace(0, float('inf'), 3)",
       "10:17: torch.linspace() of a bound that is not a finite number netshape computes with"},
      {"torch.linspace(0, 1, 10 ** 6)",
       "10:17: tensor of 1000000 values: netshape computes with at most 65536"},
      {"np.linspace(0, 1, -2)", "10:17: Number of samples, -2, must be non-negative."},
      {"np.linspace(0, 1, 3, retstep=True)",
       "10:38: unsupported Python construct: argument `retstep` of numpy.linspace"},
      {"np.linspace(0, 1, 3) * 2",
       "10:17: unsupported Python construct: arithmetic or a comparison with a numpy array"},
      {"np.linspace(0, 1, 3).sum()",
       "10:17: unsupported Python construct: `.sum` of a numpy array"},
  };
  for (const Case& c : cases) {
    LoadedModel m = read("import numpy as np\n" + computing(c.expr));
    INFO(c.expr);
    CHECK(m.exit != ExitCode::Ok);
    CHECK(first_error_at(m) == c.error);
  }
}

// PyTorch's (numpy's) own errors stop the construction even where the value is never used, as
// __init__ would stop; a limit of netshape's is reported only where the value is used.
TEST_CASE("tensors of values: PyTorch's own errors stop __init__ even when unused") {
  const std::string text = R"(import numpy as np
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, depth=0):
        super().__init__()
        rates = UNUSED
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x)


# input: [1, 2]
)";
  struct Case {
    const char* unused;
    const char* error;  // "" when PyTorch builds the model
  };
  const Case cases[] = {
      {"torch.linspace(0, 0.1, depth - 1)", "9:17: number of steps must be non-negative"},
      {"np.linspace(0, 1, depth - 2).tolist()",
       "9:17: Number of samples, -2, must be non-negative."},
      {"torch.arange(0, 4, depth)", "9:17: step must be nonzero"},
      {"[x.item() for x in torch.linspace(0, 0.1, depth)][0]", "9:17: index out of range"},
      {"torch.linspace(0, 1, 10 ** 6)", ""},  // netshape's limit: the value is not needed
  };
  for (const Case& c : cases) {
    LoadedModel m = read(netshape::test::replaced(text, "UNUSED", c.unused));
    INFO(c.unused);
    CHECK(first_error_at(m) == c.error);
    CHECK(m.exit == (*c.error ? ExitCode::UsageOrParse : ExitCode::Ok));
  }
}
