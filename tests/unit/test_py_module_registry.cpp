// How nn.Module keeps what __init__ gives it, as model files lean on it: a name registered as a
// submodule, parameter or buffer keeps that kind (also once set to None), a container subclass
// with no __init__ of its own takes its modules as the container does, torch's classes take their
// places in the method resolution order, every layer built is built (kept or not), and a
// container changed through another name than the one it is stored under is refused, as netshape
// stores copies. Every number and message is PyTorch 1.13's for the same model
// (sum(p.numel() for p in model.parameters()), the output's shape, the exception raised).
#include <doctest/doctest.h>

#include <span>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

LoadedModel read(const std::string& text) {
  return analyze_text(text, "model.py", {});
}

const char* const kRegistered = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


def act(x):
    return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.w = nn.Parameter(torch.zeros(3))
        self.register_buffer("b", torch.zeros(8))
        BODY

    def forward(self, x):
        return x.flatten(1)

# input: [2, 8]
)";

// kRegistered with each body: PyTorch's error (exit 2) at "line:col", or its parameter count.
struct Refused {
  const char* body;
  const char* error;
};
struct Fine {
  const char* body;
  int64_t params;
};
void check_registered(std::span<const Refused> refused, std::span<const Fine> fine) {
  for (const Refused& c : refused) {
    LoadedModel m = read(test::replaced(kRegistered, "BODY", c.body));
    INFO(c.body);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(test::first_error_at(m) == c.error);
  }
  for (const Fine& c : fine) {
    LoadedModel m = read(test::replaced(kRegistered, "BODY", c.body));
    INFO(c.body);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(m.analysis.totals.params == c.params);
    CHECK(test::out_shape(m) == "[2, 8]");
  }
}

// A model applying one Linear(8, 8), with `body` more of its __init__ (line 9 on).
const char* const kLinearNet = R"(import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        BODY

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)";

// kLinearNet with each body: PyTorch's error at "line:col" (exit `exit`), or none (""): it runs
// and counts the Linear's 72 parameters only.
struct BodyCase {
  const char* body;
  const char* error;
};
void check_linear_net(std::span<const BodyCase> cases, ExitCode exit) {
  for (const BodyCase& c : cases) {
    LoadedModel m = read(test::replaced(kLinearNet, "BODY", c.body));
    INFO(c.body);
    INFO(render_diagnostics(m));
    if (!*c.error) {
      REQUIRE(m.exit == ExitCode::Ok);
      CHECK(m.analysis.totals.params == 72);
      continue;
    }
    CHECK(m.exit == exit);
    CHECK(test::first_error_at(m) == c.error);
  }
}

}  // namespace

TEST_CASE("python: a name registered as a submodule, parameter or buffer keeps its kind") {
  // Each exited 0 with a count before: a name set to None was forgotten, and buffers and
  // functions were not checked.
  const Refused refused[] = {
      {"self.fc = None; self.fc = 3",
       "16:25: cannot assign 'int' as child module 'fc' (torch.nn.Module or None expected)"},
      {"self.fc = None; self.fc = None; self.fc = torch.ones(2)",
       "16:41: cannot assign 'torch.FloatTensor' as child module 'fc' (torch.nn.Module or None "
       "expected)"},
      {"self.w = None; self.w = torch.ones(8)",
       "16:24: cannot assign 'torch.FloatTensor' as parameter 'w' (torch.nn.Parameter or None "
       "expected)"},
      {"self.b = 5", "16:9: cannot assign 'int' as buffer 'b' (torch.Tensor or None expected)"},
      {"self.b = None; self.b = \"s\"",
       "16:24: cannot assign 'str' as buffer 'b' (torch.Tensor or None expected)"},
      {"self.fc = F.gelu",
       "16:9: cannot assign 'torch._C._nn.gelu' as child module 'fc' (torch.nn.Module or None "
       "expected)"},
      {"self.fc = F.relu",
       "16:9: cannot assign 'torch.nn.functional.relu' as child module 'fc' (torch.nn.Module or "
       "None expected)"},
      {"self.fc = act",
       "16:9: cannot assign 'model.act' as child module 'fc' (torch.nn.Module or None expected)"},
      {"self.add_module(\"g\", F.relu)",
       "16:30: torch.nn.functional.relu is not a Module subclass"},
      {"self.register_parameter(\"p\", None); self.p = 3",
       "16:45: cannot assign 'int' as parameter 'p' (torch.nn.Parameter or None expected)"},
      {"self.b = nn.Parameter(torch.zeros(2)); self.b = 3",
       "16:48: cannot assign 'int' as parameter 'b' (torch.nn.Parameter or None expected)"},
  };
  const Fine fine[] = {
      {"self.fc = None; self.fc = nn.Linear(8, 4)", 39},
      {"self.fc = None; self.fc = nn.Parameter(torch.zeros(2))", 5},
      {"self.w = None; self.w = nn.Parameter(torch.zeros(3))", 39},
      {"self.b = None; self.b = torch.ones(8)", 39},
      {"self.b = torch.ones(4)", 39},
      {"self.b = nn.Linear(2, 2)", 45},
      {"del self.fc; self.fc = 3", 3},
      {"del self.b; self.b = 5", 39},
  };
  check_registered(refused, fine);
}

TEST_CASE("python: a container subclass without an init of its own takes its modules") {
  // `Stack(...)` dropped its modules (0 params, and "has no forward method" or "a module is not
  // iterable" when forward used them); a subclass whose forward ignores them counted 0.
  struct Case {
    const char* classes;
    const char* build;
    const char* shape;
    int64_t params;
  };
  const Case cases[] = {
      {"class Stack(nn.Sequential):\n    pass\n",
       "Stack(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))", "[2, 3]", 99},
      {"class Stack(nn.Sequential):\n    pass\n\n\nclass Deeper(Stack):\n    def forward(self, "
       "x):\n        return super().forward(x).relu()\n",
       "Deeper(nn.Linear(8, 5), nn.Linear(5, 2))", "[2, 2]", 57},
      {"class Cut(nn.Sequential):\n    def forward(self, x):\n        return x[:, :4]\n",
       "Cut(nn.Linear(8, 8))", "[2, 4]", 72},
      {"class Stack(nn.Sequential):\n    pass\n",
       "Stack(OrderedDict([(\"fc1\", nn.Linear(8, 5)), (\"fc2\", nn.Linear(5, 2))]))", "[2, 2]",
       57},
      {"class Layers(nn.ModuleList):\n    def forward(self, x):\n        for m in self:\n"
       "            x = m(x)\n        return x\n",
       "Layers([nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)])", "[2, 3]", 99},
      {"class Stack(nn.Sequential):\n    pass\n\n\nclass Two(Stack):\n    def __init__(self, "
       "n):\n        super().__init__(nn.Linear(8, n), nn.ReLU(), nn.Linear(n, 2))\n",
       "Two(16)", "[2, 2]", 178},
      {"class Wide(nn.Linear):\n    pass\n\n\nclass Wider(Wide):\n    def __init__(self, n):\n"
       "        super().__init__(8, n)\n",
       "Wider(6)", "[2, 6]", 54},
  };
  for (const Case& c : cases) {
    std::string text = std::string(
                           "from collections import OrderedDict\n\nimport torch.nn as "
                           "nn\n\n\n") +
                       c.classes +
                       "\n\nclass Net(nn.Module):\n    def __init__(self):\n        "
                       "super().__init__()\n        self.s = " +
                       c.build +
                       "\n\n    def forward(self, x):\n        return self.s(x)\n\n# input: [2, "
                       "8]\n";
    LoadedModel m = read(text);
    INFO(text);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == c.params);
  }
  const std::string stack = R"(import torch.nn as nn


class Stack(nn.Sequential):
    pass


class Layers(nn.ModuleList):
    pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.s = BUILD

    def forward(self, x):
        return x

# input: [2, 8]
)";
  LoadedModel keyword =
      read(test::replaced(stack, "BUILD", "Stack(nn.Linear(8, 5), act=nn.ReLU())"));
  CHECK(keyword.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(keyword) ==
        "15:18: Sequential.__init__() got an unexpected keyword argument 'act'");
  LoadedModel two = read(test::replaced(stack, "BUILD", "Layers([nn.Linear(8, 8)], [nn.ReLU()])"));
  CHECK(two.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(two).find("ModuleList.__init__() takes from 1 to 2 positional "
                                       "arguments but 3 were given") != std::string::npos);
}

TEST_CASE("python: torch classes take their places in the method resolution order") {
  // `class L(nn.Linear, Mixin)` orders L, nn.Linear, nn.Module, Mixin: its forward (and the one
  // super() reaches) is nn.Linear's. netshape ran the mixin's ([1, 2, 8] where PyTorch gives
  // [2, 4]).
  const std::string base = R"(import torch.nn as nn


class Mixin:
    def forward(self, x):
        return x.unsqueeze(0)

    def scale(self, x):
        return x * 0.5


class L(BASES):
    BODY


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = L(8, 4)

    def forward(self, x):
        return self.c(x)

# input: [2, 8]
)";
  struct Case {
    const char* bases;
    const char* body;
    const char* shape;
  };
  const Case cases[] = {
      {"nn.Linear, Mixin", "pass", "[2, 4]"},
      {"nn.Linear, Mixin", "def forward(self, x):\n        return super().forward(x)", "[2, 4]"},
      {"nn.Linear, Mixin", "def forward(self, x):\n        return self.scale(super().forward(x))",
       "[2, 4]"},
      {"Mixin, nn.Linear", "pass", "[1, 2, 8]"},
      {"Mixin, nn.Linear", "def forward(self, x):\n        return super().forward(x)", "[1, 2, 8]"},
  };
  for (const Case& c : cases) {
    std::string text = test::replaced(test::replaced(base, "BASES", c.bases), "BODY", c.body);
    LoadedModel m = read(text);
    INFO(text);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == 36);
  }
  // A cooperative mixin before the layer: its `super().__init__(*args, **kwargs)` is
  // nn.Linear's (netshape refused the layer's forward then)
  LoadedModel mixed = read(R"(import torch.nn as nn


class Extra:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra = nn.Linear(3, 7)


class L(Extra, nn.Linear):
    def forward(self, x):
        return self.extra(super().forward(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = L(8, 3)

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  INFO(render_diagnostics(mixed));
  REQUIRE(mixed.exit == ExitCode::Ok);
  CHECK(test::out_shape(mixed) == "[2, 7]");
  CHECK(mixed.analysis.totals.params == 55);
}

TEST_CASE("python: containers changed after they are stored") {
  // Python's container is one object under every name; netshape stores copies. A change through
  // one name left the other copies behind: `self.body = a` then `a.append(...)` gave [2, 8] and
  // 72 params where PyTorch's self.body grows too ([2, 3], 99). A copy left behind is refused
  // where the model applies, stores or registers it; a change through the one name still in use
  // is followed.
  const std::string base = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY

    def forward(self, x):
        return self.body(x)

# input: [2, 8]
)";
  const char* refused[] = {
      "a = nn.Sequential(nn.Linear(8, 8))\n        self.body = a\n        a.append(nn.Linear(8, "
      "3))",
      "a = nn.Sequential(nn.Linear(8, 8))\n        self.body = nn.Sequential(a)\n        "
      "a.append(nn.Linear(8, 3))",
      "a = nn.Sequential(nn.Linear(8, 8))\n        self.body = a\n        a.add_module('out', "
      "nn.Linear(8, 3))",
      "a = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 3))\n        self.body = a\n        "
      "a[1] = nn.Linear(8, 5)",
      "self.body = nn.Sequential(nn.Linear(8, 8))\n        self.alias = self.body\n        "
      "self.alias.append(nn.Linear(8, 3))",
      "blocks = nn.ModuleList([nn.Sequential(nn.Linear(8, 8))] * 2)\n        "
      "blocks[0].append(nn.Linear(8, 3))\n        self.body = blocks[1]",
  };
  for (const char* body : refused) {
    LoadedModel m = read(test::replaced(base, "BODY", body));
    INFO(body);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(test::first_error_at(m).find("unsupported Python construct: a container changed "
                                       "through another name") != std::string::npos);
  }
  const char* followed[] = {
      "a = nn.Sequential(nn.Linear(8, 8))\n        self.body = a\n        "
      "self.body.append(nn.Linear(8, 3))",
      "a = nn.Sequential(nn.Linear(8, 8))\n        a.append(nn.Linear(8, 3))\n        "
      "self.body = a",
      "self.body = nn.Sequential(nn.Linear(8, 8))\n        b = self.body\n        "
      "b.append(nn.Linear(8, 3))",
      "self.body = nn.Sequential(nn.Linear(8, 8))\n        self.alias = self.body\n        "
      "self.body = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 3))",
  };
  for (const char* body : followed) {
    LoadedModel m = read(test::replaced(base, "BODY", body));
    INFO(body);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == "[2, 3]");
  }
  // nn.ModuleList.extend iterates its argument while adding: itself, with two modules or more,
  // is PyTorch's RuntimeError
  // (netshape counted four layers)
  const std::string layers = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(START)
        self.layers += self.layers

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

# input: [2, 8]
)";
  LoadedModel grown = read(test::replaced(layers, "START", "[nn.Linear(8, 8), nn.Linear(8, 8)]"));
  CHECK(grown.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(grown) == "8:24: OrderedDict mutated during iteration");
  // one module: the iterator ends before it sees the change, and the module is there twice
  LoadedModel once = read(test::replaced(layers, "START", "[nn.Linear(8, 8)]"));
  INFO(render_diagnostics(once));
  REQUIRE(once.exit == ExitCode::Ok);
  CHECK(once.analysis.totals.params == 72);
  CHECK(once.analysis.layers.size() == 2);
  LoadedModel empty = read(test::replaced(layers, "START", ""));
  INFO(render_diagnostics(empty));
  CHECK(empty.exit == ExitCode::Ok);  // nothing to iterate: no error
  CHECK(empty.analysis.totals.params == 0);
}

TEST_CASE("python: every layer the model builds is built, kept or not") {
  // PyTorch raises building these even though nothing keeps or applies them (each exited 0).
  const BodyCase cases[] = {
      {"drop = nn.Dropout(2.0)",
       "9:27: dropout probability has to be between 0 and 1, but got 2.0"},
      {"self.acts = [nn.Dropout(-1), nn.ReLU()]",
       "9:33: dropout probability has to be between 0 and 1, but got -1"},
      {"self.h = nn.Hardtanh(2.0, 1.0)\n        del self.h",
       "9:35: AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is 2.0 and "
       "max_val 1.0"},
      {"for p in [0.5, 1.5]:\n            d = nn.Dropout(p)",
       "10:28: dropout probability has to be between 0 and 1, but got 1.5"},
      {"ds = [nn.Dropout(p) for p in [0.5, 1.5]]",
       "9:26: dropout probability has to be between 0 and 1, but got 1.5"},
      {"unused = nn.Linear(-1, 4)",
       "9:28: Trying to create tensor with negative dimension -1: [4, -1]"},
      {"c = nn.Conv2d(4, 8, 3, groups=0)", "9:32: groups must be a positive integer"},
      {"unused = nn.Linear(8.0, 4)",
       "9:28: empty(): argument 'size' must be tuple of SymInts, but found element of type "
       "float at pos 2"},
      {"unused = nn.Embedding(-3, 4)",
       "9:31: Trying to create tensor with negative dimension -3: [-3, 4]"},
      {"unused = nn.LSTM(8, 16, num_layers=0)", "9:33: list index out of range"},
      {"z = (nn.Dropout(p) for p in [0.1, 5.0])", ""},  // a generator never run builds nothing
      {"drop = nn.Dropout(0.5)\n        self.acts = [nn.ReLU(), nn.Hardtanh(-2.0, 2.0)]\n        "
       "unused = nn.Linear(8, 100)",
       ""},
  };
  check_linear_net(cases, ExitCode::ShapeError);  // an unkept Linear is no parameter of the model
  // A submodule whose __init__ never ran nn.Module's has no registry: PyTorch's
  // model.parameters() raises, even though forward never calls it.
  LoadedModel no_init = read(R"(import torch.nn as nn


class Sub(nn.Module):
    def __init__(self):
        self.k = 3


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.s = Sub()

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  CHECK(no_init.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(no_init) == "13:18: 'Sub' object has no attribute '_parameters'");
}

TEST_CASE("python: register_buffer and register_parameter check what PyTorch checks") {
  // In PyTorch 1.13's order: a string name, no dot, not empty, no other attribute of that name
  // (a submodule, a parameter, a plain value, nn.Module's own), then the value's kind. Most
  // exited 0 before; a buffer over a submodule gave another TypeError.
  const Refused refused[] = {
      {"self.register_buffer(\"fc\", torch.zeros(3))", "16:30: attribute 'fc' already exists"},
      {"self.register_buffer(\"w\", torch.zeros(3))", "16:30: attribute 'w' already exists"},
      {"self.register_buffer(\"training\", torch.zeros(2))",
       "16:30: attribute 'training' already exists"},
      {"self.k = 3; self.register_buffer(\"k\", torch.zeros(2))",
       "16:42: attribute 'k' already exists"},
      {"self.register_buffer(\"c\", 5)",
       "16:35: cannot assign 'int' object to buffer 'c' (torch Tensor or None required)"},
      {"self.register_buffer(\"a.b\", torch.zeros(2))", "16:30: buffer name can't contain \".\""},
      {"self.register_buffer(\"\", torch.zeros(2))",
       "16:30: buffer name can't be empty string \"\""},
      {"self.register_buffer(3, torch.zeros(2))", "16:30: buffer name should be a string. Got int"},
      {"self.register_parameter(\"fc\", None)", "16:33: attribute 'fc' already exists"},
      {"self.register_parameter(\"b\", None)", "16:33: attribute 'b' already exists"},
      {"self.register_parameter(\"q\", torch.zeros(2))",
       "16:38: cannot assign 'torch.FloatTensor' object to parameter 'q' (torch.nn.Parameter or "
       "None required)"},
  };
  const Fine fine[] = {
      {"self.register_buffer(\"b\", torch.ones(8))", 39},
      {"self.register_parameter(\"w\", nn.Parameter(torch.zeros(5)))", 41},
      {"self.register_buffer(\"c\", None); self.c = torch.zeros(2)", 39},
      {"self.register_buffer(\"c\", nn.Parameter(torch.zeros(3)))", 39},  // a buffer: no param
  };
  check_registered(refused, fine);
}

TEST_CASE("python: super naming a class, an own __call__ and keywords over a partial's") {
  // super(A, self) in a subclass of A skips A's method, an own __call__ replaces nn.Module's:
  // both were read as if absent (90 params where PyTorch counts 18; [2, 4] where __call__ sums to
  // [2]), now refused. A keyword given at the call replaces the partial's, as functools does
  // (netshape said "got multiple values for argument 'bias'").
  const std::string base = R"(from functools import partial

import torch.nn as nn


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(x)


class Lin(nn.Linear):
    def __call__(self, x):
        return super().__call__(x).sum(-1)


class Net(A):
    def __init__(self):
        BODY

# input: [2, 8]
)";
  struct Case {
    const char* body;
    const char* error;
    int64_t params;
  };
  const Case cases[] = {
      {"super(A, self).__init__()\n        self.fc = nn.Linear(8, 2)",
       "22:15: unsupported Python construct: super(A, self) in Net, which skips the classes up to "
       "A in the method resolution order",
       0},
      {"super(Net, self).__init__()\n        self.fc = nn.Linear(8, 2)", "", 18},
      {"super().__init__()\n        self.fc = Lin(8, 4)",
       "12:16: unsupported Python construct: calling a Lin, whose class defines its own __call__",
       0},
      {"super().__init__()\n        Lin8 = partial(nn.Linear, 8, bias=False)\n        self.fc = "
       "Lin8(5, bias=True)",
       "", 45},
  };
  for (const Case& c : cases) {
    LoadedModel m = read(test::replaced(base, "BODY", c.body));
    INFO(c.body);
    INFO(render_diagnostics(m));
    if (*c.error) {
      CHECK(m.exit == ExitCode::UsageOrParse);
      CHECK(test::first_error_at(m) == c.error);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(m.analysis.totals.params == c.params);
  }
}

TEST_CASE("python: a model that is a torch layer or container subclass, and slices of one") {
  // `--model Net` for `class Net(nn.Linear)` or `class Net(nn.ModuleList)` found no model; a
  // slice of a container subclass is PyTorch's `self.__class__(...)` of the modules (its own
  // __init__ and forward; a36's `Net.__init__() takes 1 positional argument but 2 were given`),
  // where netshape made a plain container ([2, 8], exit 0): refused.
  const std::string base = R"(import torch.nn as nn


class Net(BASE):
    def __init__(self):
        super().__init__(ARGS)

    FORWARD

# input: [2, 8]
)";
  struct Case {
    const char* base;
    const char* args;
    const char* forward;
    const char* shape;  // or the error
    int64_t params;
  };
  const Case cases[] = {
      {"nn.Linear", "8, 5", "pass", "[2, 5]", 45},
      {"nn.Sequential", "nn.Linear(8, 4), nn.ReLU()", "pass", "[2, 4]", 36},
      {"nn.ModuleList", "[nn.Linear(8, 8) for _ in range(3)]",
       "def forward(self, x):\n        for m in self:\n            x = m(x)\n        return x",
       "[2, 8]", 216},
      {"nn.ModuleList", "[nn.Linear(8, 8) for _ in range(3)]",
       "def forward(self, x):\n        for m in self[1:]:\n            x = m(x)\n        return x",
       "9:18: unsupported Python construct: a slice of a Net, which PyTorch builds as a new Net "
       "from the modules",
       0},
      {"nn.Sequential", "nn.Linear(8, 4), nn.ReLU()",
       "def forward(self, x):\n        return self[:1](x)",
       "9:16: unsupported Python construct: a slice of a Net, which PyTorch builds as a new Net "
       "from the modules",
       0},
  };
  LoadOptions net;
  net.model = "Net";
  for (const Case& c : cases) {
    std::string text = test::replaced(
        test::replaced(test::replaced(base, "BASE", c.base), "ARGS", c.args), "FORWARD", c.forward);
    LoadedModel m = analyze_text(text, "model.py", net);
    INFO(text);
    INFO(render_diagnostics(m));
    if (c.params == 0) {
      CHECK(m.exit == ExitCode::UsageOrParse);
      CHECK(test::first_error_at(m) == c.shape);
      continue;
    }
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == c.params);
  }
}

TEST_CASE("python: containers take modules, as add_module checks them") {
  // Every container's __init__, append and extend go through add_module, whose TypeError names
  // what was given (netshape said "append() takes modules" or refused); extend() takes an
  // iterable of modules, not one layer.
  const BodyCase cases[] = {
      {"self.seq = nn.Sequential(nn.Linear(8, 8), F.relu)",
       "9:51: torch.nn.functional.relu is not a Module subclass"},
      {"self.seq = nn.ModuleList([nn.Linear(8, 8), [nn.ReLU()]])",
       "9:20: list is not a Module subclass"},
      {"self.seq = nn.ModuleList()\n        self.seq.append(F.relu)",
       "10:9: torch.nn.functional.relu is not a Module subclass"},
      {"self.seq = nn.ModuleList()\n        self.seq.extend(nn.Linear(8, 8))",
       "10:9: ModuleList.extend should be called with an iterable, but got Linear"},
      {"self.seq = nn.Sequential()\n        self.seq.extend(nn.Linear(8, 8))",
       "10:9: 'Linear' object is not iterable"},
      {"[nn.Sequential(nn.Linear(8, 8), \"relu\") for _ in range(2)]",
       "9:41: str is not a Module subclass"},
  };
  check_linear_net(cases, ExitCode::UsageOrParse);
  // calling an nn.ModuleDict: PyTorch's NotImplementedError (no forward); the fix iterates its
  // values, not its keys (netshape called it an nn.ModuleList)
  LoadedModel called = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.d = nn.ModuleDict({"a": nn.Linear(8, 4)})

    def forward(self, x):
        return self.d(x)

# input: [2, 8]
)");
  CHECK(test::first_error_at(called) == "10:16: `d` is an nn.ModuleDict, which has no forward");
  CHECK(test::first_error(called).help == "call its modules: `for m in self.d.values(): x = m(x)`");
}
