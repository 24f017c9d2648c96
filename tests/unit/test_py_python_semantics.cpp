// Python's and PyTorch's semantics that model files lean on without saying so, each once a wrong
// answer: iterators run through once, the truth of an empty container, `requires_grad` of a
// tensor, reductions and pools over empty dims, chunk and split of an empty dim, and the memory
// layout of a batch-first recurrent or attention output. Every shape, count and message is
// PyTorch 1.13's for the same model (training mode, gradients on).
#include <doctest/doctest.h>

#include <span>

#include "test_helpers.hpp"

using namespace netshape;

namespace {

const char* const kViewError =
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.";

// One body of a model's __init__ (BODY in `base`) with PyTorch's outcome: its error at
// "line:col" (exit 2, a Python error), or none ("") and the model's parameter count.
struct InitCase {
  const char* body;
  const char* error;
  int64_t params;
};
void check_init_cases(const std::string& base, std::span<const InitCase> cases) {
  for (const InitCase& c : cases) {
    LoadedModel m = analyze_text(test::replaced(base, "BODY", c.body), "model.py", {});
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

}  // namespace

TEST_CASE("python: a batch-first recurrent or attention output is a transposed view") {
  // PyTorch computes [L, N, H] and returns it transposed; h_n is a tensor of its own. netshape
  // read the output as contiguous (out.view exited 0) and h_n[-1] as a view of it (a false error).
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(4, 5, batch_first=True)
        self.bi = nn.GRU(4, 5, batch_first=True, bidirectional=True)
        self.attn = nn.MultiheadAttention(4, 2, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.rnn(x)
        both, hb = self.bi(x)
        BODY

# input: [3, 6, 4]
)";
  const test::PyCase cases[] = {
      {"return out.view(-1, 5)", kViewError, ""},
      {"return torch.relu(both).view(3, -1)", kViewError, ""},
      {"return self.attn(x, x[:, :5], x[:, :5])[0].view(3, -1)", kViewError, ""},
      {"return self.attn(x, x, x)[0].view(3, -1)", kViewError, ""},
      {"return out.transpose(0, 1).view(-1, 5)", "", "[18, 5]"},
      {"return out[:, -1, :].view(-1)", "", "[15]"},
      {"return h[-1].view(-1)", "", "[15]"},
      {"return hb[-1].view(-1)", "", "[15]"},
      {"return out.reshape(3, -1)", "", "[3, 30]"},
      {"return self.attn(x, x, x)[0].transpose(0, 1).view(6, -1)", "", "[6, 12]"},
      {"return self.attn(x, x, x)[1].view(3, -1)", "", "[3, 36]"},
  };
  test::check_py_cases(base, "model.py", cases);
}

TEST_CASE("python: truth values and requires_grad as PyTorch gives them") {
  // an empty container is false (netshape took every module as true); a model input and a
  // tensor made in forward need no gradient (netshape said every tensor did)
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.empty = nn.Sequential()
        self.none = nn.ModuleList()
        self.some = nn.ModuleList([nn.ReLU()])

    def forward(self, x):
        BODY

# input: [2, 8]
)";
  const test::PyCase cases[] = {
      {"return self.fc(x) if self.empty else torch.relu(x)", "", "[2, 8]"},
      {"return self.fc(x) if self.some else x", "", "[2, 4]"},
      {"return (self.none or self.fc)(x)", "", "[2, 4]"},
      {"return self.fc(x) if not self.none else x", "", "[2, 4]"},
      {"return self.fc(x) if x.requires_grad else torch.relu(x)", "", "[2, 8]"},
      {"y = self.fc(x)\n        return y if y.requires_grad else x", "", "[2, 4]"},
      {"z = torch.zeros(2, 8)\n        return self.fc(x) if z.requires_grad else z", "", "[2, 8]"},
  };
  test::check_py_cases(base, "model.py", cases);
  // a class of the file with __len__: its truth is refused, not guessed
  LoadedModel own = analyze_text(R"(import torch.nn as nn


class Options:
    def __init__(self):
        self.items = []

    def __len__(self):
        return len(self.items)


class Net(nn.Module):
    def __init__(self, opts=Options()):
        super().__init__()
        self.c = nn.Linear(8, 8 if opts else 4)

    def forward(self, x):
        return self.c(x)

# input: [2, 8]
)",
                                 "model.py", {});
  CHECK(own.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(own) ==
        "15:36: unsupported Python construct: the truth value of a Options, whose class defines "
        "__len__");
}

TEST_CASE("python: zip, map, enumerate, reversed and generators run through once") {
  // netshape read them as lists: a second loop over one built its layers again (424 params
  // where PyTorch counts 212), and len() or an index of one was no error
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

# input: [2, 8]
)";
  const InitCase cases[] = {
      {"pairs = zip([8, 16], [16, 4])\n"
       "        self.layers = nn.ModuleList([nn.Linear(i, o) for i, o in pairs])\n"
       "        self.again = nn.ModuleList([nn.Linear(i, o) for i, o in pairs])",
       "", 212},
      {"widths = (w for w in [16, 4])\n        self.layers = nn.ModuleList()\n"
       "        for i, w in zip([8, 16], widths):\n"
       "            self.layers.append(nn.Linear(i, w))\n"
       "        self.extra = nn.ModuleList([nn.Linear(8, w) for w in widths])",
       "", 212},
      {"blocks = map(lambda w: nn.Linear(8, w), [4])\n"
       "        self.layers = nn.ModuleList(blocks)\n        self.copy = nn.Sequential(*blocks)",
       "", 36},
      {"steps = enumerate([4, 2])\n"
       "        self.layers = nn.Sequential(*[nn.Linear(8 if i == 0 else 4, w) for i, w in "
       "steps])\n"
       "        self.n = len(list(steps))\n"
       "        self.layers.append(nn.Linear(2, self.n + 1))",
       "", 49},
      {"pairs = zip([8], [4])\n        self.layers = nn.ModuleList([nn.Linear(8, 8)] * len(pairs))",
       "9:57: object of type 'zip' has no len()", 0},
      {"pairs = zip([8], [4])\n        self.layers = nn.ModuleList([nn.Linear(*pairs[0])])",
       "9:49: 'zip' object is not subscriptable", 0},
  };
  check_init_cases(base, cases);
  // in forward: a zip read twice, and torch.cat of an iterator (PyTorch's TypeErrors)
  const std::string forward = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        BODY

# input: [2, 8]
)";
  const test::PyCase in_forward[] = {
      {"pairs = zip([x, x], [x, x])\n        a = [p for p, q in pairs]\n"
       "        b = [q for p, q in pairs]\n        return torch.cat(a + b, 1)",
       "", "[2, 16]"},
      {"parts = (x[:, i:i + 4] for i in range(0, 8, 4))\n        return torch.cat(parts, dim=1)",
       "cat() received an invalid combination of arguments - got (generator, dim=int), but "
       "expected one of:",
       ""},
      {"return torch.stack(reversed([x, x]))",
       "stack(): argument 'tensors' (position 1) must be tuple of Tensors, not "
       "list_reverseiterator",
       ""},
  };
  test::check_py_cases(forward, "model.py", in_forward, ExitCode::UsageOrParse);
}

TEST_CASE(
    "python: reductions, pools, resampling, chunk and split over an empty dim, a clone written") {
  // each exited 0 with a shape (or, for chunk, a false error): PyTorch's answers
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def forward(self, x):
        BODY

# input: [2, 8]
)";
  const test::PyCase cases[] = {
      {"return x[:, 8:].max(1)[0]", "max(): Expected reduction dim 1 to have non-zero size.", ""},
      {"return x[:, 8:].amax(-1)", "amax(): Expected reduction dim -1 to have non-zero size.", ""},
      {"return x[:, 8:].argmax()",
       "argmax(): Expected reduction dim to be specified for input.numel() == 0.", ""},
      {"return x[:, 8:].max()",
       "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
       "reduction dim with the 'dim' argument.",
       ""},
      {"return x[:, 8:].sum(1)", "", "[2]"},
      {"return F.max_pool1d(x[:, 8:].unsqueeze(0), 2)",
       "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
       "input, but got:[1, 2, 0]",
       ""},
      {"return F.max_pool2d(x[:, 8:].view(1, 2, 0, 1), 1)",
       "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
       "got:[1, 2, 0, 1]",
       ""},
      {"return F.adaptive_avg_pool1d(x[:, 8:].unsqueeze(0), 2)",
       "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, "
       "but input has sizes [1, 2, 1, 0] with dimension 3 being empty",
       ""},
      {"return F.adaptive_avg_pool1d(x[:, 8:].unsqueeze(0), 1)", "", "[1, 2, 1]"},
      {"e = x[:, 8:]\n        a, b = e.chunk(2, 1)\n        return torch.cat([a, b, x], 1)", "",
       "[2, 8]"},
      {"e = x[:, 8:]\n        (a,) = e.split(3, 1)\n        return a", "", "[2, 0]"},
      {"return x.split(-1, 1)[0]",
       "split expects split_size be non-negative, but got split_size=-1", ""},
      {"return F.interpolate(x[:, 8:].view(2, 1, 0), size=4)",
       "Input and output sizes should be greater than 0, but got input (W: 0) and output (W: 4)",
       ""},
      {"return F.interpolate(x.view(2, 2, 2, 2), scale_factor=0.4)",
       "Input and output sizes should be greater than 0, but got input (H: 2, W: 2) output (H: "
       "0, W: 0)",
       ""},
      {"return F.interpolate(x[:, 8:].view(2, 0, 2, 2), scale_factor=2, mode='bilinear')",
       "Non-empty 4D data tensor expected but got a tensor with sizes [2, 0, 2, 2]", ""},
      {"return F.interpolate(x.view(2, 2, 2, 2), scale_factor=0.4, mode='area')", "",
       "[2, 2, 0, 0]"},
      // a clone written with a view of the tensor it copies: no overlap (netshape refused it)
      {"y = x.clone()\n        y[:, 0] = x[:, 1]\n        return y", "", "[2, 8]"},
  };
  test::check_py_cases(base, "model.py", cases);
}

TEST_CASE("python: flatten_parameters of a recurrent layer changes nothing") {
  // refused before (`attribute flatten_parameters of nn.LSTM`), though every RNN tutorial calls it
  const std::string base = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 8, batch_first=True)

    def forward(self, x):
        BODY
        out, _ = self.lstm(x)
        return out

# input: [2, 5, 4]
)";
  const test::PyCase cases[] = {
      {"self.lstm.flatten_parameters()", "", "[2, 5, 8]"},
      {"self.lstm.flatten_parameters(True)",
       "flatten_parameters() takes 1 positional argument but 2 were given", ""},
  };
  test::check_py_cases(base, "model.py", cases, ExitCode::UsageOrParse);
}

TEST_CASE("python: list.sort and list.remove, and a dict's views") {
  // sort and remove were refused; a dict's values() read as a list took an index
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY
        self.layers = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(chans[:-1], chans[1:])])

    def forward(self, x):
        return self.layers(x)

# input: [2, 8]
)";
  const InitCase cases[] = {
      {"chans = [8, 3, 16, 4]\n        chans.remove(3)", "", 212},
      {"chans = [16, 4, 8]\n        chans.sort(reverse=True)\n        chans.remove(16)", "", 36},
      {"d = {'a': 8, 'b': 4}\n        chans = list(d.values())", "", 36},
      {"chans = [8, 3, 4]\n        chans.remove(5)", "9:9: list.remove(x): x not in list", 0},
      {"d = {'a': 8, 'b': 4}\n        chans = d.values()[0]",
       "9:17: 'dict_values' object is not subscriptable", 0},
      {"chans = [8, 4]\n        it = zip(chans, chans)\n        it.append(3)",
       "10:9: 'zip' object has no attribute 'append'", 0},
      {"chans = [4, 8]\n        chans.sort(key=lambda c: -c)",
       "9:9: unsupported Python construct: `key=` of list.sort()", 0},
  };
  check_init_cases(base, cases);
}

TEST_CASE("python: two index tensors side by side pick one element per pair") {
  // `out[torch.arange(n), lengths - 1]`, each sequence's last step: refused before
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 3)

    def forward(self, x, idx):
        BODY

# input x: [4, 6, 5]
# input idx: [4] long
)";
  const test::PyCase cases[] = {
      {"return self.fc(x[torch.arange(x.size(0)), idx])", "", "[4, 3]"},
      {"return x[torch.arange(4)[:, None], idx]", "", "[4, 4, 5]"},
      {"return x[:, idx[:3], idx[1:]]", "", "[4, 3]"},
      {"return x[torch.arange(3), idx]",
       "shape mismatch: indexing tensors could not be broadcast together with shapes [3], [4]", ""},
      {"return x[torch.arange(4), idx.int()]",
       "tensors used as indices must be long, byte or bool tensors", ""},
  };
  test::check_py_cases(base, "model.py", cases);
  LoadedModel with_int = analyze_text(
      test::replaced(base, "BODY", "return x[torch.arange(4), idx, 0]"), "model.py", {});
  CHECK(with_int.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(with_int).message ==
        "unsupported Python construct: an integer beside two index tensors");
}

TEST_CASE("python: torch.linspace in forward, as CoordConv adds coordinates") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(5, 8, 3)

    def forward(self, x):
        b, c, h, w = x.shape
        BODY

# input: [2, 3, 6, 7]
)";
  const test::PyCase cases[] = {
      {"ys = torch.linspace(-1, 1, h).view(1, 1, h, 1).expand(b, 1, h, w)\n"
       "        xs = torch.linspace(-1, 1, w).view(1, 1, 1, w).expand(b, 1, h, w)\n"
       "        return self.conv(torch.cat([x, ys, xs], 1))",
       "", "[2, 8, 4, 5]"},
      {"return torch.linspace(0, 1, -1)", "number of steps must be non-negative", ""},
  };
  test::check_py_cases(base, "model.py", cases);
  LoadedModel integers =
      analyze_text(test::replaced(base, "BODY", "return torch.linspace(0, 8, 5, dtype=torch.long)"),
                   "model.py", {});
  CHECK(integers.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(integers).message ==
        "unsupported Python construct: netshape does not follow linspace() of integers");
}

TEST_CASE(
    "python: iterators taken item by item, lists walked live, and values that hold themselves") {
  // each gave another count (a list holding itself crashed netshape): Python 3's
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY
        self.l = nn.Linear(8, n)

    def forward(self, x):
        return self.l(x)

# input: [2, 8]
)";
  const InitCase cases[] = {
      // params: 9 n
      // a generator over an iterator read to its end leaves it empty, as Python's
      {"g = iter(range(10))\n        n = sum(1 for i in g) + len(list(g))", "", 90},
      {"l = [1]\n"
       "        l.append(l)\n"
       "        n = len(str(l))",
       "", 90},
      {"l = [1]\n"
       "        l.append(l)\n"
       "        n = 3 if l == l and l in l else 1",
       "", 27},
      {"n = len(str({'a': 1}))", "", 72},
      {"n = len(str(range(3)))", "", 99},
      {"g = (i for i in range(8))\n"
       "        for v in g:\n"
       "            break\n"
       "        n = len(list(g))",
       "", 63},
      {"g = iter([0, 0, 5, 1, 2])\n"
       "        any(g)\n"
       "        n = len(list(g))",
       "", 18},
      {"g = iter([1, 2, 3, 4, 5, 6])\n"
       "        n = 9 if 3 in g else 0\n"
       "        n = len(list(g))",
       "", 27},
      {"g = iter(range(10))\n"
       "        pairs = list(zip(g, 'abc'))\n"
       "        n = len(list(g))",
       "", 54},
      {"g = iter([5, 6])\n"
       "        n = next(g) + next(g) + next(g, 1)",
       "", 108},
      {"l = [1, 2]\n"
       "        for v in l:\n"
       "            if len(l) < 5:\n"
       "                l.append(v)\n"
       "        n = len(l)",
       "", 45},
      {"l = list(range(10))\n"
       "        for v in l:\n"
       "            l.pop()\n"
       "        n = len(l)",
       "", 45},
  };
  check_init_cases(base, cases);
  // what netshape does not run is refused: a float format without a type letter (Python's
  // differs from C's), a decorator of the file's, the text of a module
  const std::string decorated = R"(import torch.nn as nn


def double(fn):
    return lambda c: fn(c) * 2


@double
def width(c):
    return c


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY
        self.l = nn.Linear(8, n)

    def forward(self, x):
        return self.l(x)

# input: [2, 8]
)";
  const InitCase refused[] = {
      {"n = len(f'{1.0:.2}')",
       "16:17: unsupported Python construct: the format `.2` of a float, without a type letter", 0},
      {"n = width(3)", "8:2: unsupported Python construct: the decorator `@double` on width()", 0},
      {"n = len(str(nn.ReLU()))", "16:17: unsupported Python construct: the text of a module", 0},
      // a generator over an iterator read only in part (Python's leaves the rest in it)
      {"g = iter(range(10))\n        ok = any(i > 3 for i in g)\n        n = len(list(g))",
       "18:17: unsupported Python construct: an iterator read again after a generator "
       "expression over it",
       0},
  };
  check_init_cases(decorated, refused);
}

TEST_CASE("python: functools.lru_cache and cache return what an earlier equal call returned") {
  // the decorators were read as doing nothing: two calls built two modules (144 parameters
  // where PyTorch counts the one module's 72)
  const std::string base = R"(import functools
from functools import lru_cache
import torch
import torch.nn as nn

DECORATOR
def shared(n, tag=0):
    return nn.Linear(n, n)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        BODY

    def forward(self, x):
        return self.a(x)

# input: [2, 8]
)";
  struct CacheCase {
    const char* decorator;
    InitCase init;
  };
  const CacheCase cases[] = {
      {"@functools.lru_cache(maxsize=None)",
       {"self.a = shared(8)\n        self.b = shared(8)", "", 72}},
      {"@functools.cache",
       {"self.a = shared(8)\n        self.b = shared(4)\n        self.c = shared(8)", "", 92}},
      // the least recently used entry goes when the cache is full
      {"@lru_cache(maxsize=1)",
       {"self.a = shared(8)\n        self.b = shared(4)\n        self.c = shared(8)", "", 164}},
      // 1, 1.0 and True are one key, unless typed=True
      {"@lru_cache",
       {"self.a = shared(8, 1)\n        self.b = shared(8, 1.0)\n        self.c = shared(8, True)",
        "", 72}},
      {"@lru_cache(typed=True)",
       {"self.a = shared(8, 1)\n        self.b = shared(8, 1.0)\n        self.c = shared(8, True)",
        "", 216}},
      {"@lru_cache(None)",
       {"self.a = shared(8, (1, 'a'))\n        self.b = shared(8, (1.0, 'a'))", "", 72}},
      // a keyword is another key than a position; maxsize=0 keeps nothing
      {"@lru_cache()", {"self.a = shared(8)\n        self.b = shared(n=8)", "", 144}},
      {"@lru_cache(maxsize=0)", {"self.a = shared(8)\n        self.b = shared(8)", "", 144}},
      {"@lru_cache(None)", {"self.a = shared(8, [1])", "14:18: unhashable type: 'list'", 0}},
  };
  for (const CacheCase& c : cases) {
    const InitCase one[] = {c.init};
    check_init_cases(test::replaced(base, "DECORATOR", c.decorator), one);
  }
}

TEST_CASE("python: an augmented assignment evaluates its target's object and index once") {
  // `w[pick(0)] += 1` called pick twice (once to read, once to store): two layers, not one
  const std::string base = R"(import torch
import torch.nn as nn


class Cfg:
    n = 4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        calls = []

        def pick(i):
            calls.append(i)
            return i

        cfgs = [Cfg()]

        def cfg():
            calls.append(9)
            return cfgs[0]

        w = [8, 8]
        BODY
        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in calls])
        self.fc = nn.Linear(8, cfgs[0].n + w[0])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.fc(x)

# input: [2, 8]
)";
  const InitCase cases[] = {
      {"w[pick(0)] += 1", "", 72 + 8 * 13 + 13},  // one layer; fc: 4 + 9 outputs
      {"cfg().n += 2", "", 72 + 8 * 14 + 14},     // one layer; fc: 6 + 8 outputs
      {"w[pick(1)] -= 1\n        cfg().n *= pick(2)", "", 3 * 72 + 8 * 16 + 16},
  };
  check_init_cases(base, cases);
}

TEST_CASE("python: a cached function defined anew in each call has a cache of its own") {
  const std::string text = R"(import functools
import torch
import torch.nn as nn


def make():
    @functools.lru_cache(maxsize=None)
    def f(n):
        return nn.Linear(n, n)
    return f(8), f(8)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = make()
        self.c, self.d = make()

    def forward(self, x):
        return self.d(self.c(self.b(self.a(x))))

# input: [2, 8]
)";
  LoadedModel m = analyze_text(text, "model.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 144);  // two Linear(8, 8), one per call of make()
}
