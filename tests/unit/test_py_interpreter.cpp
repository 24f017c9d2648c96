// The construction interpreter (python_construct.cpp): Python's semantics over plain values in
// __init__, its helpers and the file's functions, and nothing outside the model ever run.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;

namespace {

LoadedModel read(const std::string& text, LoadOptions opts = {}) {
  return analyze_text(text, "m.py", opts);
}

std::string first_error(const LoadedModel& m) {
  for (const Diagnostic& d : m.diags.items())
    if (d.severity == Severity::Error) return d.message;
  return "";
}

const char* kHostile = R"(import torch.nn as nn


def forever(n):
    return forever(n + 1)


class Spin(nn.Module):
    def __init__(self, mode=0):
        super().__init__()
        if mode == 0:
            while True:
                pass
        if mode == 1:
            forever(0)
        if mode == 2:
            open("/etc/passwd").read()
        if mode == 3:
            os.system("rm -rf /")
        if mode == 4:
            __import__("os").system("ls")
        if mode == 5:
            eval("1+1")
        if mode == 6:
            exec("x = 1")
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x)

# input: [1, 2]
)";

}  // namespace

TEST_CASE("interpreter: files that try I/O, eval, exec or endless loops end in a clear error") {
  struct Case {
    const char* mode;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"0", 13, "building the model runs more than 1,000,000 statements and loop iterations"},
      {"1", 5, "calls nested more than 64 deep (a function calling itself?)"},
      {"2", 17,
       "netshape does not run `open`: reading a model never executes I/O, imports, eval "
       "or exec"},
      {"3", 19, "netshape does not run `os`"},
      {"4", 21, "netshape does not run `__import__`"},
      {"5", 23, "netshape does not run `eval`"},
      {"6", 25, "netshape does not run `exec`"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.mode);
    LoadOptions opts;
    opts.args = {{"mode", c.mode}};
    LoadedModel m = read(kHostile, opts);
    CHECK(m.exit == ExitCode::UsageOrParse);
    REQUIRE(!m.diags.items().empty());
    CHECK(m.diags.items()[0].span.line == c.line);
    CHECK(first_error(m).find(c.message) == 0);
  }
  LoadOptions fine;
  fine.args = {{"mode", "9"}};
  CHECK(read(kHostile, fine).exit == ExitCode::Ok);
}

TEST_CASE("interpreter: Python's semantics in __init__ decide the layers' arguments") {
  const char* text = R"(import math
import torch.nn as nn

WIDTHS = {"tiny": (8, 16), "base": (16, 32)}


class Net(nn.Module):
    scale = 3

    @staticmethod
    def halve(c):
        return int(c / 2)

    def __init__(self, size="base"):
        super().__init__()
        a, b = WIDTHS[size]
        chans = [a]
        while True:
            chans += [chans[-1] * 2]
            if len(chans) == 3:
                break
        names = {f"c{i}": c for i, c in enumerate(chans)}
        assert sorted(names) == ["c0", "c1", "c2"], "three stages"
        self.body = nn.Sequential()
        for name, (cin, cout) in zip(sorted(names), zip(chans[:-1], chans[1:])):
            self.body.add_module(name, nn.Conv2d(cin, cout, self.scale, padding=1))
        hidden = self.halve(chans[-1]) if b > a else -1
        self.fc = nn.Linear(chans[-1], math.ceil(hidden / 3) + round(2.5))

    def forward(self, x):
        x = self.body(x)
        return self.fc(x.mean(dim=(2, 3)))

# input: [1, 16, 8, 8]
)";
  LoadedModel m = read(text);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 4);
  CHECK(m.analysis.layers[0].name == "body.c0");  // the dict's keys, sorted, as child names
  CHECK(m.analysis.layers[1].name == "body.c1");
  // chans = [16, 32, 64]: Conv2d(16, 32, 3) and Conv2d(32, 64, 3)
  CHECK(m.analysis.layers[0].params == 32 * 16 * 9 + 32);
  CHECK(m.analysis.layers[1].params == 64 * 32 * 9 + 64);
  // hidden = int(64 / 2) = 32; ceil(32 / 3) + round(2.5) = 11 + 2 (round half to even)
  CHECK(m.analysis.layers[3].params == 64 * 13 + 13);
  CHECK(to_string(*m.analysis.layers[3].output) == "[1, 13]");

  LoadOptions tiny;
  tiny.args = {{"size", "'tiny'"}};
  tiny.input_dims = "1,8,8,8";
  LoadedModel t = read(text, tiny);
  REQUIRE(t.exit == ExitCode::Ok);
  CHECK(t.analysis.layers[0].params == 16 * 8 * 9 + 16);
}

TEST_CASE(
    "interpreter: a failing assert, a missing argument, an unknown function are errors at "
    "their line") {
  const char* text = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self, depth, width=8):
        super().__init__()
        assert width % 4 == 0, "width must be a multiple of 4"
        self.blocks = nn.Sequential(*[nn.Linear(width, width) for _ in range(depth)])
        if depth > 3:
            self.head = helper_from_another_file(width)
        else:
            self.head = nn.Linear(width, 2)

    def forward(self, x):
        return self.head(self.blocks(x))

# input: [2, 8]
)";
  LoadedModel missing = read(text);
  CHECK(missing.exit == ExitCode::UsageOrParse);
  CHECK(first_error(missing) == "constructor parameter `depth` has no value");
  CHECK(missing.diags.items()[0].help == "pass --arg depth=<value> or give it a default");

  LoadOptions odd;
  odd.args = {{"depth", "2"}, {"width", "6"}};
  LoadedModel bad = read(text, odd);
  CHECK(first_error(bad) == "assertion failed: width must be a multiple of 4");
  CHECK(bad.diags.items()[0].span.line == 7);

  LoadOptions ok;
  ok.args = {{"depth", "2"}};
  LoadedModel fine = read(text, ok);
  CHECK(fine.exit == ExitCode::Ok);
  CHECK(fine.analysis.totals.params == 2 * (8 * 8 + 8) + 8 * 2 + 2);

  LoadOptions deep;
  deep.args = {{"depth", "4"}};
  LoadedModel unknown = read(text, deep);
  CHECK(first_error(unknown) == "name `helper_from_another_file` is not defined here");
  CHECK(unknown.diags.items()[0].span.line == 10);
}

TEST_CASE(
    "interpreter: a call netshape cannot see whose result is unused is skipped, with a "
    "warning") {
  const char* text = R"(import torch.nn as nn
from somelib import track


class N(nn.Module):
    def __init__(self):
        super().__init__()
        track(self)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

# input: [1, 4]
)";
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.diags.items().size() == 1);
  const Diagnostic& w = m.diags.items()[0];
  CHECK(w.severity == Severity::Warning);
  CHECK(w.code == "skipped-call");
  CHECK(w.span.line == 8);
  CHECK(w.message ==
        "netshape skips the call `track(...)`: it cannot see that function, and its result is not "
        "used");
  CHECK(m.analysis.totals.params == 10);
}

TEST_CASE("netshape list: a file's models and factories with their signatures") {
  test::ShellRun r = test::run_shell(std::string(NETSHAPE_BINARY) + " list " + NETSHAPE_SOURCE_DIR +
                                     "/tests/py_models/vgg_cfg.py 2>&1");
  CHECK(r.code == 0);
  CHECK(r.out ==
        "def make_layers(cfg, batch_norm=False, in_channels=3)  (line 11)\n"
        "class VGG(features, num_classes=10, width=512, spatial=1)  (line 26)\n"
        "def vgg11_bn(**kwargs)  (line 51)\n"
        "def vgg_small(num_classes=10)  (line 55)\n"
        "without --model, check reads VGG; another: --model NAME [--arg k=v]\n");
}

TEST_CASE("imports: a model across two files reads both, and an error points into each") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("netshape-imports-" + std::to_string(::getpid()));
  fs::create_directories(dir / "blocks");
  auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  write(dir / "blocks" / "__init__.py", "");
  write(dir / "blocks" / "conv.py", R"(import torch.nn as nn


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout))


class Stage(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = conv_bn(cin, cout, stride=2)

    def forward(self, x):
        return self.body(x)
)");
  write(dir / "net.py", R"(import torch.nn as nn
from blocks.conv import Stage
import blocks.conv as convs


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.s1 = Stage(3, 8)
        self.s2 = convs.Stage(12, 16)

    def forward(self, x):
        return self.s2(self.s1(x))

# input: [1, 3, 32, 32]
)");
  LoadedModel bad = analyze_file((dir / "net.py").string());
  CHECK(bad.exit == ExitCode::ShapeError);
  REQUIRE(bad.imported.size() == 1);  // blocks/conv.py; blocks/__init__.py is not needed
  std::string text = render_diagnostics(bad);
  CAPTURE(text);
  CHECK(text.find("conv.py:5:36: error: Given groups=1, weight of size [16, 12, 3, 3]") !=
        std::string::npos);
  CHECK(text.find("net.py:10:31: note: cin=12 is passed here") != std::string::npos);
  CHECK(text.find("help: s2.body.0 receives 8 channels, so it needs in_channels=8; use "
                  "self.s2 = convs.Stage(8, 16)") != std::string::npos);
  // In JSON, a position in the imported file names it; one in the file given does not.
  std::string conv_py = (dir / "blocks" / "conv.py").string();
  std::string json = render_json(bad.analysis, bad.diags);
  CHECK(json == to_json(bad.analysis, bad.diags)
                        .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                    "\n");
  auto report = nlohmann::json::parse(json);
  const auto& failing = report["layers"].back();
  CHECK(failing["name"] == "s2.body.0");
  CHECK(failing["file"] == conv_py);
  CHECK(failing["line"] == 5);
  const auto& error = report["diagnostics"].at(0);
  CHECK(error["file"] == conv_py);
  CHECK(error["line"] == 5);
  CHECK(error["column"] == 36);
  CHECK(error["related"].at(0)["file"] == conv_py);  // conv_bn(cin, ...) in Stage
  CHECK(error["related"].at(1) ==
        nlohmann::json{{"line", 10}, {"column", 31}, {"message", "cin=12 is passed here"}});

  write(dir / "net.py", R"(import torch.nn as nn
from blocks.conv import Stage

model = nn.Sequential(Stage(3, 8), Stage(8, 16), nn.Flatten(), nn.Linear(16 * 8 * 8, 10))
# input: [2, 3, 32, 32]
)");
  LoadedModel good = analyze_file((dir / "net.py").string());
  INFO(render_diagnostics(good));
  REQUIRE(good.exit == ExitCode::Ok);
  CHECK(to_string(good.analysis.outputs.at(0).second) == "[2, 10]");
  auto good_layers = nlohmann::json::parse(render_json(good.analysis, good.diags))["layers"];
  CHECK(good_layers.at(0)["file"] == conv_py);  // Stage's conv, in blocks/conv.py
  CHECK(good_layers.at(4)["op"] == "Flatten");  // nn.Flatten(), in net.py
  CHECK_FALSE(good_layers.at(4).contains("file"));
  CHECK(good_layers.at(4)["line"] == 4);
  CHECK(good.analysis.totals.params == (3 * 8 * 9 + 16) + (8 * 16 * 9 + 32) + (1024 * 10 + 10));

  write(dir / "net.py", R"(import torch.nn as nn
from missing_package import Block

model = nn.Sequential(Block(3, 8))
# input: [2, 3, 32, 32]
)");
  LoadedModel missing = analyze_file((dir / "net.py").string());
  CHECK(missing.exit == ExitCode::UsageOrParse);
  CHECK(first_error(missing) == "`Block` comes from `missing_package`, which netshape cannot find");
  fs::remove_all(dir);
}

TEST_CASE("interpreter: values that would grow without end stop with an error") {
  const char* text = R"(import torch.nn as nn


class N(nn.Module):
    def __init__(self, m=0):
        super().__init__()
        width = 1 ** 10**18 + 1
        name = "ab"
        if m == 1:
            for i in range(40):
                name = name + name
        if m == 2:
            name = f"{1:>999999999}"
        layers = [0]
        if m == 3:
            for i in range(40):
                layers = layers + layers
        self.body = nn.Sequential()
        self.body.add_module(name, nn.Linear(2, width * len(layers)))

    def forward(self, x):
        return self.body(x)

# input: [1, 2]
)";
  LoadedModel fine = read(text);
  REQUIRE(fine.exit == ExitCode::Ok);
  CHECK(fine.analysis.totals.params == 2 * 2 + 2);  // 1 ** 10**18 is 1, without a loop
  const char* messages[] = {"", "string too long to build", "format width too large",
                            "list too long to build"};
  for (int m = 1; m <= 3; ++m) {
    LoadOptions opts;
    opts.args = {{"m", std::to_string(m)}};
    LoadedModel grown = read(text, opts);
    CAPTURE(m);
    CHECK(grown.exit == ExitCode::UsageOrParse);
    CHECK(first_error(grown) == messages[m]);
  }
}

TEST_CASE("interpreter: a refused model always says why (fuzz finding)") {
  // `self > fc(x)` compared the module itself: the reader stopped without a message. (`fc` alone
  // is not a name of forward, which Python says first.)
  LoadedModel cmp = read(R"(import torch.nn as nn


class N(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        x = self>fc(x)
        return x

# input: [1, 2]
)");
  CHECK(cmp.exit == ExitCode::UsageOrParse);
  CHECK(first_error(cmp) == "name `fc` is not defined here");
  // `features.append(...)` on a list whose value failed is that failure, not a skipped call.
  LoadedModel append = read(R"(import torch.nn as nn


class N(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [nn.Linear(2, undefined_width)]
        layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)

# input: [1, 2]
)");
  CHECK(append.exit == ExitCode::UsageOrParse);
  CHECK(first_error(append) == "name `undefined_width` is not defined here");
  for (const Diagnostic& d : append.diags.items()) CHECK(d.code != "skipped-call");
}

TEST_CASE(
    "interpreter: forward runs on the same interpreter (lambdas, helpers, lists of tensors)") {
  // A lambda as a layer factory, a module-level function called from forward, a list of tensors
  // concatenated, type() of a partial, an nn.ModuleDict iterated, in-place init on weights.
  LoadedModel m = read(R"(import functools
import torch
import torch.nn as nn
import torch.nn.functional as F


def drop_path(x, p, training):
    if not training or p == 0.0:
        return x
    return x * 0.5


class Net(nn.Module):
    def __init__(self, norm=functools.partial(nn.BatchNorm2d, eps=1e-3)):
        super().__init__()
        conv = lambda cin, cout: nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.stem = conv(3, 8)
        self.bn = norm(8) if type(norm) == functools.partial else nn.BatchNorm2d(8)
        self.branches = nn.ModuleDict({"a": conv(8, 4), "b": conv(8, 4)})
        self.fc = nn.Linear(16 * 16 * 16, 10)
        for mod in self.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.data.fill_(1)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        feats = [x]
        for name, branch in self.branches.items():
            feats.append(branch(x))
        x = torch.cat(feats[1:] + [x], 1)
        x = drop_path(x, 0.2, self.training)
        x = F.max_pool2d(x, 2)
        return self.fc(x.view(x.size(0), -1))

# input: [2, 3, 32, 32]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.outputs.size() == 1);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 10]");
  // 3*8*9 + 2*8 + 2*(8*4*9) + 4096*10 + 10 (PyTorch: sum(p.numel() for p in model.parameters()))
  CHECK(m.analysis.totals.params == 216 + 16 + 576 + 40970);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(std::find(names.begin(), names.end(), "branches.a") != names.end());
  CHECK(std::find(names.begin(), names.end(), "branches.b") != names.end());
}

TEST_CASE(
    "interpreter: a module read before its attribute is replaced or its list grows stays that "
    "module") {
  // Python keeps the object a name was bound to: `old` is still the BatchNorm1d after
  // `self.bn = nn.Identity()`, and `first` still the first Linear after twenty appends (both
  // once referred to memory the reassignment and the appends had freed).
  LoadedModel replaced = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(8)
        old = self.bn
        self.bn = nn.Identity()
        for m in self.modules():
            if m is old:
                self.bn = nn.Identity()
        self.fc = nn.Linear(8, 2) if isinstance(old, nn.BatchNorm1d) else nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(self.bn(x))

# input: [2, 8]
)");
  INFO(render_diagnostics(replaced));
  REQUIRE(replaced.exit == ExitCode::Ok);
  CHECK(to_string(replaced.analysis.outputs[0].second) == "[2, 2]");
  CHECK(replaced.analysis.totals.params == 18);  // PyTorch: the Identity has none, fc 8*2+2

  LoadedModel grown = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        self.layers.append(nn.Linear(8, 8))
        first = self.layers[0]
        for _ in range(20):
            self.layers.append(nn.Linear(8, 8))
        self.head = nn.Linear(first.out_features, 2) if isinstance(first, nn.Linear) else None

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)

# input: [2, 8]
)");
  INFO(render_diagnostics(grown));
  REQUIRE(grown.exit == ExitCode::Ok);
  CHECK(to_string(grown.analysis.outputs[0].second) == "[2, 2]");
  CHECK(grown.analysis.totals.params == 21 * 72 + 18);  // PyTorch: 1530
}

TEST_CASE("interpreter: modules(), named_modules() and named_children() in registration order") {
  // PyTorch yields each module once (`self.again` is `self.stem`), in the order it was
  // registered (zeta before alpha), named by its dotted path; the head's width encodes that.
  LoadedModel m = read(R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.body = nn.Sequential(Block(), Block())
        self.again = self.stem
        self.zeta = nn.Linear(64, 8)
        self.alpha = nn.Linear(8, 16)
        convs = []
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d):
                convs.append(name)
        last = None
        for m in self.modules():
            if isinstance(m, nn.Linear):
                last = m
        width = 5 if convs == ["stem", "body.0.conv", "body.1.conv"] else 7
        kids = [name for name, _ in self.named_children()]
        depth = 2 if kids == ["stem", "body", "zeta", "alpha"] else 3
        self.head = nn.Linear(last.out_features, width * depth)

    def forward(self, x):
        x = self.body(self.stem(x)).mean(dim=(2, 3))
        x = nn.functional.pad(x, (0, 60))
        return self.head(self.alpha(self.zeta(x)))

# input: [2, 3, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 10]");
  CHECK(m.analysis.totals.params == 1242);  // PyTorch 1.13: sum(p.numel() for p in parameters())
}

TEST_CASE("interpreter: modules() of a module that holds itself ends, each module once") {
  // `self.me = self`: PyTorch's modules() yields Net and fc (me is Net again), so n == 2. The
  // walk used to recurse into itself until the stack overflowed.
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.me = self
        n = 0
        for m in self.modules():
            n += 1
        self.out = nn.Linear(2, n)

    def forward(self, x):
        return self.out(self.fc(x))

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 2]");
  CHECK(m.analysis.totals.params == 24);  // PyTorch 1.13: 18 + 6
}

TEST_CASE("interpreter: del removes what Python removes, and what it cannot follow is an error") {
  // A list item, a dict key, a Sequential's last child (renumbered), a ModuleList's first, an
  // attribute: none of them counts any more (PyTorch: 286 parameters; ignoring the dels gave 1268).
  const char* text = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU()]
        del layers[-1]
        cfg = {"hidden": 8, "drop": 0.5}
        del cfg["drop"]
        self.features = nn.Sequential(*layers, nn.Linear(8, 4), nn.Linear(4, 4))
        last = self.features[-1]
        del self.features[-1]
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 6)])
        del self.blocks[0]
        self.aux = nn.Linear(8, 100)
        del self.aux
        self.head = nn.Linear(6, last.out_features * len(cfg) + len(self.features))

    def forward(self, x):
        x = self.features(x)
        for b in self.blocks:
            x = b(x)
        return self.head(x)

# input: [2, 8]
)";
  LoadedModel m = read(text);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 8]");
  CHECK(m.analysis.totals.params == 286);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"features.0", "features.1", "features.2", "features.3",
                                          "blocks.0", "blocks.1", "head"});

  std::string sliced = text;
  sliced.replace(sliced.find("del self.features[-1]"), 21, "del self.features[1:]");
  LoadedModel refused = read(sliced);
  CHECK(refused.exit == ExitCode::UsageOrParse);
  CHECK(first_error(refused) == "unsupported Python construct: this `del` target");
}

TEST_CASE("interpreter: a container's child replaced by index or key, an attribute by delattr") {
  // `classifier[2] = ...` and `blocks[-1] = ...` replace in place, a ModuleDict key is replaced
  // or added at the end, delattr removes: PyTorch 1.13 gives [2, 2] and 248 parameters, with
  // these module names.
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
        old = self.classifier[2]
        self.classifier[2] = nn.Linear(8, old.out_features + 2)
        self.blocks = nn.ModuleList([nn.Linear(5, 5), nn.Linear(5, 5)])
        self.blocks[-1] = nn.Linear(5, 6)
        self.heads = nn.ModuleDict({"a": nn.Linear(6, 6)})
        self.heads["a"] = nn.Linear(6, 7)
        self.heads["b"] = nn.Linear(7, 2)
        self.unused = nn.Linear(100, 100)
        delattr(self, "unused")

    def forward(self, x):
        x = self.classifier(x)
        for b in self.blocks:
            x = b(x)
        return self.heads["b"](self.heads["a"](x))

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.diags.items().empty());  // delattr is followed, not skipped with a warning
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 2]");
  CHECK(m.analysis.totals.params == 248);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"classifier.0", "classifier.1", "classifier.2",
                                          "blocks.0", "blocks.1", "heads.a", "heads.b"});
}

namespace {

const char* kShapeForward = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.pool = nn.AdaptiveAvgPool2d(7)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = self.conv(x)
        if x.size(-1) != 7:
            x = self.pool(x)
        b, c, h, w = x.size()
        return self.fc(x.view(b, c * h * w))

# input: [B, 3, 32, 32]
)";

std::vector<std::string> layer_names(const LoadedModel& m) {
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  return names;
}

}  // namespace

TEST_CASE("interpreter: forward computes with sizes and branches on them, for the given input") {
  // 32x32 -> conv 30x30 -> pooled to 7x7; a 9x9 input gives 7x7 already: no pool applied.
  LoadedModel big = read(kShapeForward);
  INFO(render_diagnostics(big));
  REQUIRE(big.exit == ExitCode::Ok);
  CHECK(layer_names(big) == std::vector<std::string>{"conv", "pool", "view3", "fc"});
  CHECK(to_string(big.analysis.outputs[0].second) == "[B, 10]");  // `b` stays the symbol
  CHECK(big.analysis.totals.params == 224 + 3930);
  LoadOptions small;
  small.input_dims = "2,3,9,9";
  LoadedModel m = read(kShapeForward, small);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(layer_names(m) == std::vector<std::string>{"conv", "view2", "fc"});
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 10]");
  // Arithmetic on the symbolic batch would bake in a number: refused at the use.
  std::string text = kShapeForward;
  text.replace(text.find("x.view(b, "), 10, "x.view(b * 2, ");
  LoadedModel sym = read(text);
  CHECK(sym.exit == ExitCode::UsageOrParse);
  CHECK(first_error(sym) == "size 0 of `pool` is the symbolic B: netshape cannot compute with it");
  // Sizes out of range are PyTorch's IndexErrors, a 0-dim tensor's its own.
  std::string wide = kShapeForward;
  wide.replace(wide.find("if x.size(-1) != 7:"), 19, "if x.size(4) != 7:");
  CHECK(first_error(read(wide)) ==
        "Dimension out of range (expected to be in range of [-4, 3], but got 4)");
  std::string scalar = kShapeForward;
  scalar.replace(scalar.find("if x.size(-1) != 7:"), 19, "if x.sum().size(0) != 7:");
  CHECK(first_error(read(scalar)) == "Dimension specified as 0 but tensor has no dimensions");
}

TEST_CASE("interpreter: a size asked of layers that already fail stops reading at their error") {
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)
        self.fc = nn.Linear(8 * 30 * 30, 10)

    def forward(self, x):
        x = self.conv(x)
        n = x.size(1) * x.size(2) * x.size(3)
        return self.fc(x.view(-1, n))

# input: [2, 3, 32, 32]
)");
  CHECK(m.exit == ExitCode::ShapeError);  // the table up to the failing layer, as without sizes
  CHECK(first_error(m).find("expected input[2, 3, 32, 32] to have 4 channels, but got 3") !=
        std::string::npos);
  REQUIRE(m.analysis.layers.size() == 1);
  CHECK(m.analysis.layers[0].name == "conv");
}

TEST_CASE("interpreter: errors kept for later do not count as calls still running") {
  // 100 failed calls, each kept in a variable nobody reads, then a helper that works: the
  // nesting of calls is counted while they run, not left counted by the error.
  LoadedModel m = read(R"(import torch.nn as nn


def broken():
    return undefined_name


def width():
    return 8


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(100):
            unused = broken()
        self.fc = nn.Linear(4, width())

    def forward(self, x):
        return self.fc(x)

# input: [2, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 4 * 8 + 8);
}

TEST_CASE("interpreter: a module that builds itself several times stops at once (fuzz finding)") {
  // Each level builds four more: the nesting limit is reached on the first path, and nothing
  // keeps that error to go on with the other three (4^16 modules would take hours).
  std::string text =
      "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n";
  for (const char* name : {"a", "b", "c", "d"})
    text += std::string("        self.") + name + " = M()\n";
  text += "\n    def forward(self, x):\n        return x\n\n# input: [1, 4]\n";
  auto start = std::chrono::steady_clock::now();
  LoadedModel m = read(text);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m) ==
        "unsupported Python construct: modules nested too deeply (recursive module?)");
  CHECK(seconds < 1.0);
}

TEST_CASE("interpreter: one module under two names is one module, and deepcopy makes new ones") {
  // PyTorch: 288 parameters (3 copies of Linear(8, 8) + the shared one, counted once), and
  // named_modules() lists the shared layer once, as `shared.0`.
  LoadedModel m = read(R"(import copy
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.Linear(8, 8)
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(3)])
        self.shared = nn.ModuleList([layer, layer])

    def forward(self, x):
        for block in self.layers:
            x = block(x)
        for block in self.shared:
            x = block(x)
        return x

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 288);
  CHECK(layer_names(m) ==
        std::vector<std::string>{"layers.0", "layers.1", "layers.2", "shared.0", "shared.0_2"});
  CHECK(m.analysis.layers[4].params == 0);  // the second call shares the first's weights
}

TEST_CASE(
    "interpreter: a module's parameters as values in __init__ are refused, not read as none") {
  // netshape does not follow parameter tensors in __init__ (inference makes them): PyTorch's
  // sum here is 20, which a list read as empty would make 0 (a Linear(4, 0)).
  for (const char* use :
       {"sum(p.numel() for p in self.c.parameters())", "len(list(self.c.parameters()))",
        "max([p.dim() for p in self.parameters()])"}) {
    CAPTURE(use);
    LoadedModel m = read(test::replaced(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Linear(4, 4)
        n = USE
        for p in self.c.parameters():
            nn.init.zeros_(p)
        self.d = nn.Linear(4, n)

    def forward(self, x):
        return self.d(self.c(x))

# input: [2, 4]
)",
                                        "USE", use));
    REQUIRE(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) ==
          "unsupported Python construct: the parameters of a module as values in __init__");
  }
}

TEST_CASE("interpreter: deepcopy of a list copies the modules in it, once each") {
  // PyTorch 1.13: 60 parameters: the copy of `base` is a new Linear, `base` itself another, and
  // the copy of [shared, shared] one new Linear (deepcopy's memo), applied twice.
  LoadedModel m = read(R"(import copy
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        base = [nn.Linear(4, 4)]
        shared = nn.Linear(4, 4)
        pair = copy.deepcopy([shared, shared])
        self.layers = nn.ModuleList(copy.deepcopy(base) + base + pair)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

# input: [2, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 60);
  CHECK(layer_names(m) ==
        std::vector<std::string>{"layers.0", "layers.1", "layers.2", "layers.2_2"});
}

TEST_CASE("interpreter: nn.Parameter and buffers are tensors forward reads, parameters counted") {
  // PyTorch: 96 parameters (Linear 72 + scale 8 + unused 16; the buffer is none), output [2, 8].
  LoadedModel m = read(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1, 8) * 0.5)
        self.unused = nn.Parameter(torch.randn(4, 4) * 0.02)
        self.register_buffer("mask", torch.zeros(1, 8))
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        h = torch.zeros(x.size(0), 8)
        x = self.fc(x) * self.scale + self.mask + h
        return x

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 8]");
  CHECK(m.analysis.totals.params == 96);
  std::map<std::string, int64_t> params;
  for (const LayerInfo& l : m.analysis.layers) params[std::string(l.name)] = l.params;
  CHECK(params.at("scale") == 8);
  CHECK(params.at("mask") == 0);
  bool warned = false;
  for (const Diagnostic& d : m.diags.items())
    warned |= d.code == "unapplied-module" &&
              d.message.rfind("`unused` (nn.Parameter) is never read in forward: its 16", 0) == 0;
  CHECK(warned);
}

TEST_CASE(
    "interpreter: F.upsample, F.upsample_bilinear are F.interpolate, as PyTorch defines them") {
  LoadedModel m = read(R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        y = F.upsample(self.conv(x), scale_factor=2)
        return F.upsample_bilinear(y, scale_factor=2)

# input: [1, 3, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[1, 4, 32, 32]");  // PyTorch's
  REQUIRE(m.analysis.layers.size() == 3);
  CHECK(m.analysis.layers[2].op_name == "interpolate");
  CHECK(m.analysis.layers[2].attrs->align_corners == std::optional<bool>(true));
}

TEST_CASE(
    "interpreter: an error in a layer a helper built in a loop points at the call and the pass") {
  LoadedModel m = read(R"(import torch.nn as nn


def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, 3, padding=1)


class Net(nn.Module):
    def __init__(self, widths=(3, 8, 16)):
        super().__init__()
        layers = []
        for i in range(len(widths) - 1):
            layers.append(conv3x3(widths[i] * 2 if i == 1 else widths[i], widths[i + 1]))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)

# input: [1, 3, 8, 8]
)");
  CHECK(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = m.diags.items().front();
  CHECK(d.span.line == 5);  // inside conv3x3, where PyTorch's layer is made
  REQUIRE(d.labels.size() == 3);
  CHECK(d.labels[0].span.line == 13);
  CHECK(d.labels[0].message == "cin=16 is passed here");
  CHECK(d.labels[1].span.line == 13);
  CHECK(d.labels[1].message == "`conv3x3(...)` called here");
  CHECK(d.labels[2].span.line == 12);
  CHECK(d.labels[2].message == "in pass 2 of this loop");
  // The argument is an expression of the loop's variable: replacing it with 8 would break the
  // other passes, so the help fixes the layer, not the call.
  CHECK(d.help.find("layers.append") == std::string::npos);
}

TEST_CASE("interpreter: a literal passed to a helper function is fixed at the call") {
  LoadedModel m = read(R"(import torch.nn as nn


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = conv3x3(3, 16)
        self.b = conv3x3(32, 16)

    def forward(self, x):
        return self.b(self.a(x))

# input: [1, 3, 32, 32]
)");
  CHECK(m.exit == ExitCode::ShapeError);
  const Diagnostic& d = m.diags.items().front();
  CHECK(d.span.line == 5);
  REQUIRE(!d.labels.empty());
  CHECK(d.labels[0].message == "in_planes=32 is passed here");
  CHECK(d.labels[0].span.line == 12);
  CHECK(d.help ==
        "b receives 16 channels, so it needs in_channels=16; use self.b = conv3x3(16, 16)");
}

TEST_CASE("interpreter: an unknown layer forward never applies is an error, not a smaller total") {
  // model.parameters() counts an unused nn.Bilinear's weights, which netshape cannot count; a
  // loss module has none.
  const char* text = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.criterion = nn.CrossEntropyLoss()
        self.bag = nn.Bilinear(10, 8, 4)

    def forward(self, x):
        return self.fc(x)

# input: [2, 4]
)";
  LoadedModel m = read(text);
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m) ==
        "`bag` (nn.Bilinear) is never applied in forward, and netshape does not know "
        "nn.Bilinear: it cannot count its parameters, which model.parameters() includes");
  std::string without = text;
  without.erase(without.find("        self.bag"),
                std::string("        self.bag = nn.Bilinear(10, 8, 4)\n").size());
  LoadedModel ok = read(without);
  INFO(render_diagnostics(ok));
  CHECK(ok.exit == ExitCode::Ok);
  CHECK(ok.analysis.totals.params == 10);
}

TEST_CASE("interpreter: PyTorch builds a weightless layer forward never applies, and may raise") {
  // What PyTorch 1.13 does building `Net()` (torch.nn's __init__ checks and argument binding);
  // the forward-time checks of a layer never applied are not made (MaxPool2d(0) builds). Layers
  // with weights count in the total: there, too, PyTorch's error.
  const std::string base = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.extra = BODY

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)";
  const test::PyCase cases[] = {
      {"nn.Dropout(1.5)", "dropout probability has to be between 0 and 1, but got 1.5", ""},
      {"nn.Dropout(p=-1)", "dropout probability has to be between 0 and 1, but got -1", ""},
      {"nn.Dropout2d(2)", "dropout probability has to be between 0 and 1, but got 2", ""},
      {"nn.Hardtanh(2, 1)",
       "AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is 2.0 and max_val 1.0",
       ""},
      {"nn.ReLU(5, 6)", "ReLU() takes 1 positional argument but 2 were given", ""},
      {"nn.Threshold()", "Threshold() missing required argument: 'threshold'", ""},
      {"nn.Softmax(dims=1)", "Softmax.__init__() got an unexpected keyword argument 'dims'", ""},
      {"nn.Unflatten(1, 4)", "unflattened_size must be a tuple of ints, but found type int", ""},
      {"nn.Unflatten(1, (2, 2.0))",
       "unflattened_size must be tuple of ints, but found element of type float at pos 1", ""},
      {"nn.Unflatten(1.5, (2, 2))", "invalid argument type for dim parameter", ""},
      {"nn.Sequential(nn.ReLU(), nn.Dropout(3))",
       "dropout probability has to be between 0 and 1, but got 3", ""},
      // errors only when applied
      {"nn.MaxPool2d(0)", "", "[2, 4]"},
      {"nn.AvgPool2d(2, stride=0)", "", "[2, 4]"},
      {"nn.PixelShuffle(0)", "", "[2, 4]"},
      {"nn.Unflatten(9, (2, 2))", "", "[2, 4]"},
      {"nn.Softmax(dim=1.5)", "", "[2, 4]"},
      {"nn.Dropout(1.0)", "", "[2, 4]"},
      {"nn.Dropout(None)", "'<' not supported between instances of 'NoneType' and 'int'", ""},
      {"nn.Dropout('0.5')", "'<' not supported between instances of 'str' and 'int'", ""},
      // with weights: PyTorch's error, not netshape's "cannot count"
      {"nn.Conv2d(3, 8, 3, groups=2)", "in_channels must be divisible by groups", ""},
      {"nn.Conv2d(4, 8, 3, padding='same', stride=2)",
       "padding='same' is not supported for strided convolutions", ""},
      {"nn.Conv2d(3, 8, 3, padding_mode='zero')",
       "padding_mode must be one of {'replicate', 'circular', 'reflect', 'zeros'}, but got "
       "padding_mode='zero'",
       ""},
      {"nn.GroupNorm(3, 8)", "num_channels must be divisible by num_groups", ""},
      {"nn.MultiheadAttention(10, 3)", "embed_dim must be divisible by num_heads", ""},
      {"nn.Embedding(10, 4, padding_idx=10)", "Padding_idx must be within num_embeddings", ""},
      {"nn.LSTM(4, 8, dropout=2)",
       "dropout should be a number in range [0, 1] representing the probability of an element "
       "being zeroed",
       ""},
      {"nn.RNN(4, 8, nonlinearity='gelu')", "Unknown nonlinearity 'gelu'", ""},
  };
  test::check_py_cases(base, "unapplied.py", cases);
  LoadedModel m = read(test::replaced(base, "BODY", "nn.Dropout(1.5)"));
  CHECK(test::first_error_at(m) ==
        "8:33: dropout probability has to be between 0 and 1, but got 1.5");
  // a stride set after building is no part of what building checked (PyTorch: 36 + 112)
  LoadedModel later = read(test::replaced(
      base, "BODY", "nn.Conv2d(3, 4, 3, padding='same')\n        self.extra.stride = 2"));
  INFO(render_diagnostics(later));
  REQUIRE(later.exit == ExitCode::Ok);
  CHECK(later.analysis.totals.params == 148);
}

TEST_CASE("interpreter: a bad argument passed into a helper of an unapplied layer points twice") {
  // The layer alone keeps the model's value origins: the error is at the helper's line, with a
  // note at the call that passed the value (this crashed reading the origins). PyTorch raises
  // `in_channels must be divisible by groups` building Net().
  LoadedModel m = read(R"(import torch.nn as nn


def conv_bn(cin, cout, groups):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, groups=groups), nn.BatchNorm2d(cout))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.branch = conv_bn(6, 8, groups=4)

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(test::first_error_at(m) == "5:50: in_channels must be divisible by groups");
  const Diagnostic& d = test::first_error(m);
  REQUIRE(d.labels.size() >= 1);
  CHECK(d.labels[0].span.line == 12);
  CHECK(d.labels[0].message == "groups=4 is passed here");
}

TEST_CASE("interpreter: parameters frozen in __init__ are not trainable, as requires_grad says") {
  // Every way of freezing whole modules, applied in order (freeze all, unfreeze the head, ...),
  // through a helper function, a ModuleList item, nn.Parameter(requires_grad=False) and a
  // parameter's own flag. PyTorch 1.13: 1594 parameters, 762 trainable, 832 not.
  LoadedModel m = read(R"(import torch
import torch.nn as nn


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False


class Backbone(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.body = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1) for _ in range(2)])
        self.scale = nn.Parameter(torch.ones(1, width, 1, 1))

    def forward(self, x):
        x = self.stem(x)
        for conv in self.body:
            x = conv(x)
        return x * self.scale


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.backbone = Backbone()
        self.pos = nn.Parameter(torch.zeros(1, 8, 1, 1), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(1, 8, 1, 1))
        self.bias.requires_grad = False
        self.neck = nn.Conv2d(8, 8, 1)
        self.head = nn.Linear(8, num_classes)
        for p in self.parameters():
            p.requires_grad = False
        for p in self.head.parameters():
            p.requires_grad_(True)
        for name, p in self.neck.named_parameters():
            p.requires_grad = True
        freeze(self.backbone.body[1])
        self.backbone.stem.requires_grad_(False)
        self.backbone.body[0].requires_grad_()
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.requires_grad_(True)

    def forward(self, x):
        x = self.neck(self.backbone(x) + self.pos + self.bias)
        x = x.mean((2, 3))
        return self.head(x)

# input: [2, 3, 16, 16]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 1594);
  CHECK(m.analysis.totals.trainable_params == 762);
  CHECK(m.analysis.totals.non_trainable_params == 832);
  std::map<std::string, int64_t> trainable;
  for (const LayerInfo& l : m.analysis.layers) trainable[std::string(l.name)] = l.trainable_params;
  CHECK(trainable["backbone.stem.0"] == 0);    // 224 frozen by stem.requires_grad_(False)
  CHECK(trainable["backbone.stem.1"] == 16);   // BatchNorm unfrozen by the modules() loop
  CHECK(trainable["backbone.body.0"] == 584);  // requires_grad_() after freezing all
  CHECK(trainable["backbone.body.1"] == 0);    // freeze(...)
  CHECK(trainable["neck"] == 72);
  CHECK(trainable["head"] == 90);
}

TEST_CASE(
    "interpreter: a module frozen under one name is frozen under all, unapplied ones count "
    "frozen") {
  // `self.conv` is also `self.net[0]`: freezing it through either freezes the one module. The
  // aux head forward never applies is frozen too. Weight init over parameters() still reads.
  // PyTorch 1.13: 796 parameters, 148 trainable.
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.net = nn.Sequential(self.conv, nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
        self.aux = nn.Linear(4, 100)
        self.net[0].requires_grad_(False)
        for p in self.aux.parameters():
            p.requires_grad = False
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, x):
        return self.conv(self.net(x))

# input: [1, 4, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 796);
  CHECK(m.analysis.totals.trainable_params == 148);
  CHECK(m.analysis.totals.non_trainable_params == 648);
}

TEST_CASE("interpreter: freezing some of a module's parameters is an error, never skipped") {
  // parameters() yields nothing netshape follows: these would otherwise leave every parameter
  // trainable (PyTorch freezes some of them).
  const std::string base = R"(import torch.nn as nn


def init_fn(m):
    if isinstance(m, nn.Linear):
        m.weight.requires_grad = False


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.Linear(8, 10)
BODY
    def forward(self, x):
        return self.head(self.conv(x).mean((2, 3)))

# input: [1, 3, 8, 8]
)";
  const std::pair<const char*, const char*> cases[] = {
      {"        for name, p in self.named_parameters():\n            if 'head' not in name:\n"
       "                p.requires_grad = False\n",
       "setting requires_grad on some of the parameters"},
      {"        for p in list(self.parameters())[:-2]:\n            p.requires_grad = False\n",
       "setting requires_grad on some of the parameters"},
      {"        for i, p in enumerate(self.parameters()):\n            p.requires_grad_(i > 1)\n",
       "setting requires_grad on some of the parameters"},
      {"        self.conv.bias.requires_grad = False\n",
       "setting requires_grad of one tensor of a layer"},
      {"        self.conv.weight.requires_grad_(False)\n",
       "setting requires_grad of one tensor of a layer"},
      {"        [p.requires_grad_(False) for p in self.conv.parameters()]\n",
       "setting requires_grad in a comprehension"},
      {"        self.apply(init_fn)\n", "setting requires_grad in a function netshape skips"},
  };
  for (const auto& c : cases) {  // not a structured binding: clang 14 cannot capture one in INFO
    std::string text = base;
    text.replace(text.find("BODY\n"), 5, c.first);
    LoadedModel m = read(text);
    INFO(std::string(c.first));
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) == std::string("unsupported Python construct: ") + c.second);
    CHECK(render_diagnostics(m).find("help: ") != std::string::npos);
  }
}

TEST_CASE("interpreter: requires_grad set from a value, and self.training in __init__ is True") {
  // PyTorch 1.13: a module is built in training mode, so `mode_seen` is Linear(8, 2) and the
  // head stays trainable; `not freeze` freezes the conv. 332 parameters, 108 trainable.
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self, freeze=True):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.Linear(8, 10)
        self.mode_seen = nn.Linear(8, 2 if self.training else 3)
        for p in self.conv.parameters():
            p.requires_grad = not freeze
        for p in self.head.parameters():
            p.requires_grad = self.training

    def forward(self, x):
        return self.head(self.conv(x).mean((2, 3)))

# input: [1, 3, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 332);
  CHECK(m.analysis.totals.trainable_params == 108);
  CHECK(m.analysis.totals.non_trainable_params == 224);
}

TEST_CASE("interpreter: weights PyTorch would not count as netshape does are an error") {
  // Each of these exited 0 with a total that was not PyTorch's (PyTorch 1.13 in brackets): a
  // weight replaced by a new tensor, layers in a plain list counted (36), a shallow copy counted
  // twice (72), an unused nn.Parameter netshape cannot size dropped (52), layers inside an
  // object that is no nn.Module counted (36), setattr(p, 'requires_grad', False) skipped.
  const std::string base = R"(import copy
import torch
import torch.nn as nn


class Helper:
    def __init__(self):
        self.proj = nn.Linear(8, 8)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(8, 8)
        self.dec = nn.Linear(8, 8)
        self.layers = [nn.Linear(8, 8), nn.Linear(8, 8)]
        self.h = Helper()
BODY
    def forward(self, x):
        x = self.dec(self.enc(x))
FORWARD
        return x

# input: [2, 8]
)";
  struct Case {
    const char* body;
    const char* forward;
    const char* message;
  };
  const Case cases[] = {
      {"        self.dec.weight = torch.nn.Parameter(torch.zeros(8, 8))\n", "",
       "unsupported Python construct: setting the weight of a layer to an nn.Parameter"},
      {"", "        for layer in self.layers:\n            x = layer(x)\n",
       "`layer` has weights but is not a registered submodule: model.parameters() does not count "
       "them, and an optimizer would never train them"},
      {"        self.again = copy.copy(self.enc)\n", "        x = self.again(x)\n",
       "unsupported Python construct: copy.copy of a module (the copy shares its parameters)"},
      {"        self.b = nn.Parameter(torch.logspace(0, 1, 4))\n", "",
       "netshape cannot count the weights `b` may hold, which model.parameters() counts: "
       "unknown function `torch.logspace`"},
      {"", "        x = self.h.proj(x)\n",
       "`self.h.proj` has weights but is not a registered submodule: model.parameters() does not "
       "count them, and an optimizer would never train them"},
      {"        for p in self.enc.parameters():\n            setattr(p, 'requires_grad', False)\n",
       "", "unsupported Python construct: setting requires_grad on some of the parameters"},
      {"        s = nn.Linear(8, 8)\n        for i in range(200):\n            s = "
       "nn.Sequential(s)\n",
       "", "unsupported Python construct: modules nested too deeply"},
  };
  for (const Case& c : cases) {
    std::string text = base;
    text.replace(text.find("BODY\n"), 5, c.body);
    text.replace(text.find("FORWARD\n"), 8, c.forward);
    LoadedModel m = read(text);
    INFO(text);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) == c.message);
    CHECK(render_diagnostics(m).find("help: ") != std::string::npos);
  }
  // Without any of them: PyTorch's 144 (the list and the helper's layer are not counted).
  std::string plain = base;
  plain.replace(plain.find("BODY\n"), 5, "");
  plain.replace(plain.find("FORWARD\n"), 8, "");
  LoadedModel ok = read(plain);
  INFO(render_diagnostics(ok));
  REQUIRE(ok.exit == ExitCode::Ok);
  CHECK(ok.analysis.totals.params == 144);
  // dec's weight tied to enc's: counted once, PyTorch's 80
  std::string tied = base;
  tied.replace(tied.find("BODY\n"), 5, "        self.dec.weight = self.enc.weight\n");
  tied.replace(tied.find("FORWARD\n"), 8, "");
  LoadedModel shared = read(tied);
  INFO(render_diagnostics(shared));
  REQUIRE(shared.exit == ExitCode::Ok);
  CHECK(shared.analysis.totals.params == 80);
}

TEST_CASE("interpreter: super().method(), deepcopy's own nn.Parameters, torch.zeros(size=...)") {
  // PyTorch 1.13: 80 + 34 + 4 + 4 = 122 parameters, 114 trainable, [2, 16]: `build` is Net's,
  // which runs A's through super() (out_ch 16, which the skipped call left at 8); the deepcopy
  // of the frozen Scale has a parameter of its own (netshape counted the two as one), frozen
  // too.
  LoadedModel m = read(R"(import copy
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(size=(4,)))

    def forward(self, x):
        return x * self.w


class A(nn.Module):
    out_ch = 8

    def __init__(self):
        super().__init__()
        self.build()
        self.s = Scale()
        self.s.requires_grad_(False)
        self.t = copy.deepcopy(self.s)

    def build(self):
        self.out_ch = 16

    def forward(self, x):
        return self.fc(self.t(self.s(x)))


class Net(A):
    def build(self):
        super().build()
        self.fc = nn.Linear(4, self.out_ch)
        self.head = nn.Linear(self.out_ch, 2)

    def forward(self, x):
        return super().forward(x)

# input: [2, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 16]");
  CHECK(m.analysis.totals.params == 122);
  CHECK(m.analysis.totals.trainable_params == 114);
}

TEST_CASE("interpreter: super().forward() from an inherited forward, and of an nn.Sequential") {
  // PyTorch 1.13: Net inherits B's forward, whose super() is A's (90 params, [2, 2]; extra was
  // applied twice); a residual subclass of an nn.Sequential subclass runs the Sequential's
  // forward, every module registered in order, `act` added after super().__init__ too (1,514
  // params, [2, 10]).
  LoadedModel inherited = read(R"(import torch.nn as nn


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.extra = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)


class B(A):
    def forward(self, x):
        return self.extra(super().forward(x))


class Net(B):
    pass

# input: [2, 8]
)");
  INFO(render_diagnostics(inherited));
  REQUIRE(inherited.exit == ExitCode::Ok);
  CHECK(test::out_shape(inherited) == "[2, 2]");
  CHECK(inherited.analysis.totals.params == 90);
  CHECK(inherited.analysis.layers.size() == 2);

  LoadedModel residual = read(R"(import torch.nn as nn


class ConvBlock(nn.Sequential):
    def __init__(self, channels):
        super().__init__(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
        )
        self.act = nn.ReLU()


class Residual(ConvBlock):
    def forward(self, x):
        return x + super().forward(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2)
        self.blocks = nn.Sequential(Residual(8), Residual(8))
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))

# input: [2, 3, 17, 17]
)");
  INFO(render_diagnostics(residual));
  REQUIRE(residual.exit == ExitCode::Ok);
  CHECK(test::out_shape(residual) == "[2, 10]");
  CHECK(residual.analysis.totals.params == 1514);
  std::vector<std::string> names;
  for (const LayerInfo& l : residual.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"stem", "blocks.0.0", "blocks.0.1", "blocks.0.act",
                                          "add5", "blocks.1.0", "blocks.1.1", "blocks.1.act",
                                          "add9", "mean10", "head"});
}

TEST_CASE("interpreter: an unused layer netshape cannot count exits 2, with no partial total") {
  // 3037000500 squared leaves 64 bits: netshape cannot count it, and model.parameters() would.
  LoadedModel m = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3037000500, 3037000500)
        self.out = nn.Linear(8, 4)

    def forward(self, x):
        return self.out(x)

# input: [2, 8]
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m) ==
        "netshape cannot count the parameters of `fc`, which forward never applies "
        "(model.parameters() counts them)");
}

TEST_CASE("interpreter: forward errors PyTorch raises, and what netshape does not follow") {
  // Each exited 0 (or 1 where PyTorch runs); PyTorch 1.13's outcome in the expected columns.
  const std::string base = R"(import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.InstanceNorm2d(4)
        self.tracked = nn.InstanceNorm2d(4, track_running_stats=True)
        self.pool = nn.MaxPool2d(2, return_indices=True)

    def forward(self, x):
BODY

# input: [2, 4, 1, 1]
)";
  struct Case {
    const char* body;
    ExitCode exit;
    const char* message;
  };
  const Case cases[] = {
      {"        return self.norm(x)", ExitCode::ShapeError,
       "Expected more than 1 spatial element when training, got input size "
       "torch.Size([2, 4, 1, 1])"},
      {"        return self.tracked(x)", ExitCode::Ok, ""},  // running stats in eval mode
      {"        return F.interpolate(x, size=(5, 5), recompute_scale_factor=True)",
       ExitCode::ShapeError, "recompute_scale_factor is not meaningful with an explicit size."},
      {"        return F.interpolate(x, size=(5, 5), recompute_scale_factor=False)", ExitCode::Ok,
       ""},
      {"        return self.pool(x.repeat(1, 1, 2, 2))[0]", ExitCode::Ok, ""},  // (values, indices)
      {"        x.unsqueeze_(1)\n        return x", ExitCode::UsageOrParse,
       "unsupported Python construct: `unsqueeze_()`, which changes a tensor's shape in place"},
  };
  for (const Case& c : cases) {
    std::string text = base;
    text.replace(text.find("BODY\n"), 5, std::string(c.body) + "\n");
    LoadedModel m = read(text);
    INFO(c.body);
    INFO(render_diagnostics(m));
    CHECK(m.exit == c.exit);
    CHECK(first_error(m) == c.message);
  }
}

// PyTorch 1.13's error for a view of memory that does not fit it.
constexpr const char* kViewRefused =
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.";

// A forward written into `base` at BODY, and PyTorch 1.13's outcome for it: the output shape
// when it runs, else the start of netshape's first error.
struct ForwardCase {
  const char* body;
  ExitCode exit;
  const char* outcome;
};

static void check_forward_cases(const std::string& base, std::span<const ForwardCase> cases) {
  for (const ForwardCase& c : cases) {
    std::string text = base;
    text.replace(text.find("BODY"), 4, c.body);
    LoadedModel m = read(text);
    INFO(std::string(c.body));
    INFO(render_diagnostics(m));
    CHECK(m.exit == c.exit);
    if (m.exit != c.exit) continue;  // (no table to read the output of)
    if (c.exit == ExitCode::Ok)
      CHECK(to_string(*m.analysis.layers.back().output) == c.outcome);
    else
      CHECK(first_error(m).rfind(c.outcome, 0) == 0);
  }
}

// PyTorch 1.13's outcome for each, on an input [1, 8, 4, 6]: pixel_shuffle and pixel_unshuffle in
// their three spellings and PyTorch's errors (channel_shuffle and Softmax2d too); an op written
// where PyTorch has no such name is
// Python's AttributeError (netshape read `torch.gelu`, `x.pixel_shuffle` as the op before).
TEST_CASE("interpreter: pixel_shuffle, and ops only where PyTorch defines them") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.PixelShuffle(2)

    def forward(self, x):
        BODY

# input: [1, 8, 4, 6]
)";
  const ForwardCase cases[] = {
      {"return self.up(x)", ExitCode::Ok, "[1, 2, 8, 12]"},
      {"return F.pixel_shuffle(x, 2)", ExitCode::Ok, "[1, 2, 8, 12]"},
      {"return torch.pixel_shuffle(x, upscale_factor=2)", ExitCode::Ok, "[1, 2, 8, 12]"},
      {"return nn.PixelUnshuffle(2)(x)", ExitCode::Ok, "[1, 32, 2, 3]"},
      {"return self.up(x.unsqueeze(0))", ExitCode::Ok, "[1, 1, 2, 8, 12]"},
      {"return F.pixel_shuffle(x, 3)", ExitCode::ShapeError,
       "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
       "upscale_factor, but input.size(-3)=8 is not divisible by 9"},
      {"return F.pixel_unshuffle(x, 4)", ExitCode::ShapeError,
       "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=6 "
       "is not divisible by 4"},
      {"return self.up(x[0, 0])", ExitCode::ShapeError,
       "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 "
       "dimension(s)"},
      {"return F.pixel_shuffle(x, 0)", ExitCode::ShapeError,
       "pixel_shuffle expects a positive upscale_factor, but got 0"},
      {"return x.pixel_shuffle(2)", ExitCode::UsageOrParse,
       "'Tensor' object has no attribute 'pixel_shuffle'"},
      {"return x.relu6()", ExitCode::UsageOrParse, "'Tensor' object has no attribute 'relu6'"},
      {"return torch.gelu(x)", ExitCode::UsageOrParse, "module 'torch' has no attribute 'gelu'"},
      {"return F.view(x, -1)", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'view'"},
      {"return x.view(-1)", ExitCode::Ok, "[192]"},
      {"return torch.max_pool2d(x, 2)", ExitCode::Ok, "[1, 8, 2, 3]"},
      {"return nn.GLU(1)(x)", ExitCode::Ok, "[1, 4, 4, 6]"},
      {"return F.glu(x)", ExitCode::Ok, "[1, 8, 4, 3]"},
      {"return nn.Softmin(dim=1)(x)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return F.softmin(x, dim=-1)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return torch.glu(x)", ExitCode::UsageOrParse, "module 'torch' has no attribute 'glu'"},
      {"return x.softmin(1)", ExitCode::UsageOrParse, "'Tensor' object has no attribute 'softmin'"},
      {"return F.channel_shuffle(x, 4)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return torch.channel_shuffle(x, groups=2)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return nn.ChannelShuffle(8)(x)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return F.channel_shuffle(x, 3)", ExitCode::ShapeError,
       "Number of channels must be divisible by groups. Got 8 channels and 3 groups."},
      {"return F.channel_shuffle(x[0, 0], 2)", ExitCode::ShapeError,
       "channel_shuffle expects input with > 2 dims, but got input with sizes [4, 6]"},
      {"return x.channel_shuffle(2)", ExitCode::UsageOrParse,
       "'Tensor' object has no attribute 'channel_shuffle'"},
      {"return nn.Softmax2d()(x)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return nn.Softmax2d()(x.unsqueeze(0))", ExitCode::ShapeError,
       "Softmax2d requires a 3D or 4D tensor as input"},
  };
  check_forward_cases(base, cases);
}

// A model whose forward is BODY, on an input [1, 8, 4, 6] (the tensor ops' cases below).
const std::string kTensorOpBase = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        BODY

# input: [1, 8, 4, 6]
)";

// PyTorch 1.13's outcome for each, on an input [1, 8, 4, 6]: a slice with a step is a view whose
// stride along its dim is the step's multiple, so a view after it may be refused.
TEST_CASE("interpreter: slices with a step, as PyTorch's views") {
  const ForwardCase cases[] = {
      {"return x[..., ::2, 1::2]", ExitCode::Ok, "[1, 8, 2, 3]"},
      {"return x[:, 1:7:3]", ExitCode::Ok, "[1, 2, 4, 6]"},
      {"return x[0, 5::2, :, -1::2]", ExitCode::Ok, "[2, 4, 1]"},
      {"return x[:, 100::2]", ExitCode::Ok, "[1, 0, 4, 6]"},
      {"return x[..., ::3].flatten(2)", ExitCode::Ok, "[1, 8, 8]"},
      {"return x[:, ::2].reshape(-1)", ExitCode::Ok, "[96]"},
      {"return x[:, ::2].view(4, -1)", ExitCode::Ok, "[4, 24]"},
      {"return x[:, :, ::2].view(-1)", ExitCode::ShapeError, kViewRefused},
      {"return x[..., ::4].view(1, 8, -1)", ExitCode::ShapeError, kViewRefused},
      {"return x[:, ::-1]", ExitCode::ShapeError, "step must be greater than zero"},
      {"return x[:, ::0]", ExitCode::UsageOrParse, "slice step cannot be zero"},
  };
  check_forward_cases(kTensorOpBase, cases);
}

// torch.flip and x.flip: the shape kept, a new tensor laid out as empty_like(Preserve) lays it
// (a permuted input's strides kept, so a view after it fails as it fails on the input), and the
// function form's argument list as PyTorch's parser reads it. PyTorch 1.13's outcome for each.
TEST_CASE("interpreter: flip and roll keep the shape, and the layout a view after them reads") {
  const ForwardCase cases[] = {
      {"return x.flip(1)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return torch.flip(x, [0, -1])", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return x.flip(dims=(2, 3)).flatten(1)", ExitCode::Ok, "[1, 192]"},
      {"return x.flip([]).view(8, -1)", ExitCode::Ok, "[8, 24]"},
      {"return x.permute(0, 2, 3, 1).flip(1).view(1, -1)", ExitCode::ShapeError, kViewRefused},
      {"return x.permute(0, 2, 3, 1).flip(1).reshape(1, -1)", ExitCode::Ok, "[1, 192]"},
      {"return x[:, :, ::2].flip(3).view(1, -1)", ExitCode::Ok, "[1, 96]"},
      {"return x.flip(4)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 4)"},
      {"return x.flip(1, -3)", ExitCode::ShapeError,
       "dim 1 appears multiple times in the list of dims"},
      {"return torch.flip(x)", ExitCode::ShapeError,
       "flip() missing 1 required positional arguments: \"dims\""},
      {"return torch.flip(x, 1)", ExitCode::UsageOrParse,
       "flip(): argument 'dims' (position 2) must be tuple of ints, not int"},
      {"return torch.flip(x, 1, 2)", ExitCode::UsageOrParse,
       "flip() takes 2 positional arguments but 3 were given"},
      {"return torch.permute(x, 0, 2, 3, 1)", ExitCode::UsageOrParse,
       "permute() takes 2 positional arguments but 5 were given"},
      // roll: a cat of two narrows, contiguous for a contiguous input (other layouts not
      // followed: a view after one is refused as undecided)
      {"return torch.roll(x, shifts=(-1, -1), dims=(2, 3)).view(1, -1)", ExitCode::Ok, "[1, 192]"},
      {"return x.roll(5).flatten(1)", ExitCode::Ok, "[1, 192]"},
      {"return x.permute(0, 2, 3, 1).roll(1, 1).view(1, -1)", ExitCode::UsageOrParse,
       "netshape cannot tell whether this view is allowed"},
      {"return x.roll((1, 2), (0,))", ExitCode::ShapeError,
       "shifts and dimensions must align. shifts: 2, dims:1"},
      {"return x.roll((1, 2))", ExitCode::ShapeError,
       "shifts and dimensions must align. shifts: 2, dims:0"},
      {"return x.roll(())", ExitCode::ShapeError, "`shifts` required"},
      {"return x.roll(1, 4)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 4)"},
  };
  check_forward_cases(kTensorOpBase, cases);
}

// A list of integers inside an index: PyTorch's advanced indexing along one dim (integers beside
// it still select first), a new contiguous tensor for a contiguous input. PyTorch 1.13's outcome
// for each, on an input [1, 8, 4, 6].
TEST_CASE("interpreter: a list inside an index picks slices of one dim, as PyTorch indexes") {
  const ForwardCase cases[] = {
      {"return x[:, [0, 2]]", ExitCode::Ok, "[1, 2, 4, 6]"},
      {"return x[0, [1, 2]]", ExitCode::Ok, "[2, 4, 6]"},
      {"return x[:, 0, :, [1, 2]]", ExitCode::Ok, "[1, 4, 2]"},
      {"return x[:, [-1]].view(1, -1)", ExitCode::Ok, "[1, 24]"},
      {"return x[:, (1, 3)]", ExitCode::Ok, "[1, 2, 4, 6]"},
      {"return x[..., [5, -6, 5]]", ExitCode::Ok, "[1, 8, 4, 3]"},
      {"return x[None, :, [0]]", ExitCode::Ok, "[1, 1, 1, 4, 6]"},
      {"return x[[0, 1]]", ExitCode::ShapeError,
       "index 1 is out of bounds for dimension 0 with size 1"},
      {"return x[:, [8]]", ExitCode::ShapeError,
       "index 8 is out of bounds for dimension 0 with size 8"},
      {"return x[:, :0][:, [0]]", ExitCode::ShapeError,
       "index is out of bounds for dimension with size 0"},
      // an integer out of bounds: PyTorch's indexing names the item's position as the dim
      {"return x[1]", ExitCode::ShapeError, "index 1 is out of bounds for dimension 0 with size 1"},
      {"return x[..., 6]", ExitCode::ShapeError,
       "index 6 is out of bounds for dimension 1 with size 6"},
      {"return x[None, None, :, 8]", ExitCode::ShapeError,
       "index 8 is out of bounds for dimension 3 with size 8"},
      {"return x[0, [1], -5]", ExitCode::ShapeError,
       "index -5 is out of bounds for dimension 2 with size 4"},
      {"return x.select(1, 8)", ExitCode::ShapeError,
       "select(): index 8 out of range for tensor of size [1, 8, 4, 6] at dimension 1"},
      {"return x[:, [0], [1]]", ExitCode::UsageOrParse,
       "unsupported Python construct: indexing a tensor with more than one list"},
      {"return x[:, [True, False]]", ExitCode::UsageOrParse,
       "unsupported Python construct: an index list of True"},
      {"return x[:, [[0, 1]]]", ExitCode::UsageOrParse,
       "unsupported Python construct: an index list of a list"},
      {"return x.permute(0, 2, 3, 1)[:, [1]].view(1, -1)", ExitCode::UsageOrParse,
       "netshape cannot tell whether this view is allowed"},
  };
  check_forward_cases(kTensorOpBase, cases);
}

// torch.full in forward (LLaMA's causal mask) and in __init__: a tensor of those sizes whose type
// is the fill value's (int64 for an int: an Embedding reads it; float32 for a float: it cannot),
// or dtype=. PyTorch 1.13's outcome for each.
TEST_CASE("interpreter: torch.full makes a tensor of the fill value's type") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.register_buffer("causal", torch.full((6, 6), float("-inf")).triu(1))

    def forward(self, x):
        BODY

# input: [1, 8, 4, 6]
)";
  const ForwardCase cases[] = {
      {"return x + torch.full((1, 8, 4, 6), 2.0)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return torch.full(x.shape, 1) * x", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return x + torch.full((4, 6), -1.0, device=x.device).triu(1)", ExitCode::Ok,
       "[1, 8, 4, 6]"},
      {"return x + self.causal[:4]", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return self.emb(torch.full((2, 3), 7))", ExitCode::Ok, "[2, 3, 4]"},
      {"return self.emb(torch.full((2, 3), 7, dtype=torch.int32))", ExitCode::Ok, "[2, 3, 4]"},
      {"return self.emb(torch.full((2, 3), 7.0))", ExitCode::ShapeError,
       "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
       "Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)"},
      {"return x + torch.full((), 3.0)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return self.emb(torch.full((2, 3), 10))", ExitCode::ShapeError,
       "index out of range in self"},
      {"return x * torch.full((2.0, 6), 1.0)", ExitCode::UsageOrParse,
       "full(): argument 'size' (position 1) must be tuple of SymInts, not tuple"},
      {"return x + torch.full((5, 6), 1.0)", ExitCode::ShapeError,
       "The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension "
       "2"},
      {"return x * torch.full(6, 1.0)", ExitCode::UsageOrParse,
       "full(): argument 'size' (position 1) must be tuple of SymInts, not int"},
      {"return x * torch.full((6,), 'a')", ExitCode::UsageOrParse,
       "full(): argument 'fill_value' (position 2) must be Number, not str"},
  };
  check_forward_cases(base, cases);
}

// F.batch_norm in functional forwards (MAML's, with nn.Parameter weights and no running
// statistics) and in weight standardisation (timm's StdConv2d normalises its weight with it): a
// batch_norm row whose inputs its tensors are. PyTorch 1.13's outcome for each, on [2, 8, 4, 6].
TEST_CASE("interpreter: F.batch_norm with tensors of the model, as PyTorch checks them") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(8))
        self.beta = nn.Parameter(torch.zeros(8))
        self.register_buffer("mean", torch.zeros(8))
        self.register_buffer("var", torch.ones(8))

    def forward(self, x):
        return BODY

# input: [2, 8, 4, 6]
)";
  const ForwardCase cases[] = {
      {"F.batch_norm(x, None, None, self.gamma, self.beta, training=True)", ExitCode::Ok,
       "[2, 8, 4, 6]"},
      {"F.batch_norm(x, self.mean, self.var)", ExitCode::Ok, "[2, 8, 4, 6]"},
      {"F.batch_norm(x, self.mean, self.var, bias=self.beta, eps=1e-3)", ExitCode::Ok,
       "[2, 8, 4, 6]"},
      {"F.batch_norm(x.reshape(1, 8, -1), None, None, training=True, momentum=0.0)", ExitCode::Ok,
       "[1, 8, 48]"},
      {"F.batch_norm(x, None, None)", ExitCode::ShapeError,
       "running_mean must be defined in evaluation mode"},
      {"F.batch_norm(x, self.mean, None)", ExitCode::ShapeError,
       "running_var must be defined in evaluation mode"},
      {"F.batch_norm(x, self.mean[:4], self.var)", ExitCode::ShapeError,
       "running_mean should contain 8 elements not 4"},
      {"F.batch_norm(x, None, None, self.gamma[:3], training=True)", ExitCode::ShapeError,
       "weight should contain 8 elements not 3"},
      {"F.batch_norm(x[:1, :, :1, :1], None, None, training=True)", ExitCode::ShapeError,
       "Expected more than 1 value per channel when training, got input size torch.Size([1, 8, "
       "1, 1])"},
      {"F.batch_norm(x, 3, None, training=True)", ExitCode::ShapeError,
       "batch_norm(): argument 'running_mean' (position 4) must be Tensor, not int"},
      {"F.batch_norm(x, None, None, training=1)", ExitCode::ShapeError,
       "batch_norm(): argument 'training' (position 6) must be bool, not int"},
      {"F.batch_norm(x, None, None, training=True, momentum=None)", ExitCode::ShapeError,
       "batch_norm(): argument 'momentum' (position 7) must be float, not NoneType"},
      {"F.batch_norm(x, self.mean.view(1, 8), self.var.view(1, 8))", ExitCode::ShapeError,
       "TensorAccessor expected 1 dims but tensor has 2"},
      {"F.batch_norm(x, self.mean.repeat(2).view(2, 8), self.var)", ExitCode::ShapeError,
       "running_mean should contain 8 elements not 16"},
      {"F.batch_norm(x, self.mean.double(), self.var)", ExitCode::UsageOrParse,
       "unsupported Python construct: `F.batch_norm` of tensors of different types"},
  };
  check_forward_cases(base, cases);
  std::string text = base;
  text.replace(text.find("BODY"), 4,
               "F.batch_norm(x, self.mean, self.var, self.gamma, self.beta, False, 0.1, 1e-5)");
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 16);  // gamma and beta; the statistics are buffers
  CHECK(m.analysis.layers.back().input_ids.size() == 5);
}

// nanoGPT's LayerNorm with an optional bias: nn.Parameter weights given to F.layer_norm, one
// `layer_norm` row whose inputs they are; their parameter rows count them. PyTorch 1.13's outcome
// for each, on an input [2, 3, 8].
TEST_CASE("interpreter: F.layer_norm of nn.Parameter weights (nanoGPT's LayerNorm)") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm(nn.Module):
    def __init__(self, ndim=8, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, input):
        return BODY

# input: [2, 3, 8]
)";
  const ForwardCase cases[] = {
      {"F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)", ExitCode::Ok,
       "[2, 3, 8]"},
      {"F.layer_norm(input, (8,), bias=self.bias)", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(input, input.shape[-1:], self.weight * 2, None)", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(input, (3, 8), self.weight, self.bias)", ExitCode::ShapeError,
       "Expected weight to be of same shape as normalized_shape, but got weight of shape [8] and "
       "normalized_shape = [3, 8]"},
      {"F.layer_norm(input, (8,), None, self.weight[:4])", ExitCode::ShapeError,
       "Expected bias to be of same shape as normalized_shape, but got bias of shape [4] and "
       "normalized_shape = [8]"},
      {"F.layer_norm(input, (8,), 3)", ExitCode::ShapeError,
       "layer_norm(): argument 'weight' (position 3) must be Tensor, not int"},
      {"F.layer_norm(input, ())", ExitCode::ShapeError,
       "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
       "element, but got normalized_shape = []"},
      {"F.layer_norm(input, (8.0,))", ExitCode::ShapeError,
       "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not tuple"},
      {"F.layer_norm(input, (8,), eps='a')", ExitCode::ShapeError,
       "layer_norm(): argument 'eps' (position 5) must be float, not str"},
      {"F.layer_norm(input, (8,), self.weight, self.bias, 1e-5, True)", ExitCode::ShapeError,
       "layer_norm() takes from 2 to 5 positional arguments but 6 were given"},
      {"F.layer_norm(input, (8,), self.weight, weight=self.weight)", ExitCode::ShapeError,
       "layer_norm() got multiple values for argument 'weight'"},
      {"F.layer_norm(input, (8,), foo=1)", ExitCode::ShapeError,
       "layer_norm() got an unexpected keyword argument 'foo'"},
      {"F.layer_norm(input, (8,), self.weight.double())", ExitCode::UsageOrParse,
       "unsupported Python construct: `F.layer_norm` of tensors of different types"},
  };
  check_forward_cases(base, cases);
  std::string text = base;
  text.replace(text.find("BODY"), 4,
               "F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)");
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 3);  // weight, bias, the norm
  const LayerInfo& norm = m.analysis.layers[2];
  CHECK(op_info(norm.op).name == "layer_norm");
  CHECK(norm.params == 0);
  CHECK(norm.input_ids.size() == 3);
  CHECK(m.analysis.totals.params == 16);  // model.parameters(): weight and bias
  // bias=False: the weight alone
  text = base;
  text.replace(text.find("BODY"), 4, "F.layer_norm(input, (8,), self.weight, self.bias)");
  text.replace(text.find("bias=True"), 9, "bias=False");
  m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 8);
  CHECK(m.analysis.layers.back().input_ids.size() == 2);
}

// torch.cumsum / x.cumsum and cumprod: the shape kept, a new contiguous tensor; the dtype by
// keyword only; a mask's running count made float32 by dtype= (DETR's sine positions), int64
// without it (followed only through views); PyTorch 1.13's outcome for each.
TEST_CASE("interpreter: cumsum and cumprod keep the shape and type their result as PyTorch") {
  const ForwardCase cases[] = {
      {"return x.cumsum(1)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"return torch.cumsum(x, dim=-1).view(1, -1)", ExitCode::Ok, "[1, 192]"},
      {"return x.permute(0, 2, 3, 1).cumprod(3).view(1, -1)", ExitCode::Ok, "[1, 192]"},
      {"return torch.cumprod(x, 2, dtype=torch.float64)", ExitCode::Ok, "[1, 8, 4, 6]"},
      {"m = torch.ones(1, 4, 6, dtype=torch.bool)\n        "
       "return x + m.cumsum(1, dtype=torch.float32)",
       ExitCode::Ok, "[1, 8, 4, 6]"},
      {"m = torch.ones(1, 4, 6, dtype=torch.bool)\n        return m.cumsum(2).view(-1)",
       ExitCode::Ok, "[24]"},
      {"m = torch.ones(1, 4, 6, dtype=torch.bool)\n        return x + m.cumsum(2)", ExitCode::Ok,
       "[1, 8, 4, 6]"},
      {"return x.cumsum(4)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 4)"},
      {"return x.cumsum(1, torch.float64)", ExitCode::ShapeError,
       "cumsum() received an invalid combination of arguments - got (int, torch.dtype)"},
      {"return torch.cumsum(x, 1, torch.float64)", ExitCode::ShapeError,
       "cumsum() received an invalid combination of arguments - got (int, torch.dtype)"},
      {"return x.half().cumsum(1)", ExitCode::UsageOrParse,
       "\"cumsum_out_cpu\" not implemented for 'Half'"},
      {"return x.cumsum(1, dtype=torch.float16)", ExitCode::UsageOrParse,
       "\"cumsum_out_cpu\" not implemented for 'Half'"},
      {"return x.cumprod()", ExitCode::ShapeError, "cumprod() missing required argument: 'dim'"},
      {"return x.cumsum(axis=1)", ExitCode::Ok, "[1, 8, 4, 6]"},  // PyTorch's alias
      {"return x.cumsum(True)", ExitCode::ShapeError,
       "cumsum() received an invalid combination of arguments - got (bool)"},
      {"return x.cumsum(1, dtype=torch.long)", ExitCode::UsageOrParse,
       "unsupported Python construct: `cumsum` of a floating tensor with an integer dtype="},
  };
  check_forward_cases(kTensorOpBase, cases);
}

// torch.cat of a 0-dim tensor is PyTorch's error before any other check (`run` crashed on it).
TEST_CASE("interpreter: cat refuses a zero-dimensional tensor as PyTorch does") {
  const ForwardCase cases[] = {
      {"return torch.cat([x.sum(), x.amax()])", ExitCode::ShapeError,
       "zero-dimensional tensor (at position 0) cannot be concatenated"},
      {"return torch.cat([x.flatten(), x.sum()], 0)", ExitCode::ShapeError,
       "zero-dimensional tensor (at position 1) cannot be concatenated"},
      {"return torch.stack([x.sum(), x.amax()])", ExitCode::Ok, "[2]"},
      {"return torch.cat([x.sum().unsqueeze(0), x.amax().view(1)])", ExitCode::Ok, "[2]"},
  };
  check_forward_cases(kTensorOpBase, cases);
}

// nn.EmbeddingBag's forward(input, offsets=None, per_sample_weights=None), bound as Python binds
// it, and F.embedding_bag's errors; PyTorch 1.13's outcome for each on ids [3, 5].
TEST_CASE("interpreter: EmbeddingBag takes bags of a 2-D input or of offsets, as PyTorch") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(10, 4)
        self.total = nn.EmbeddingBag(10, 4, mode='sum')

    def forward(self, x):
        BODY

# input: [3, 5] long
)";
  const ForwardCase cases[] = {
      {"return self.bag(x)", ExitCode::Ok, "[3, 4]"},
      {"return self.bag(x.flatten(), torch.arange(0, 15, 5))", ExitCode::Ok, "[3, 4]"},
      {"return self.bag(x.flatten(), offsets=torch.arange(0, 15, 3))", ExitCode::Ok, "[5, 4]"},
      {"return self.total(x, per_sample_weights=x.float() / 10)", ExitCode::Ok, "[3, 4]"},
      {"return self.bag(input=x.int())", ExitCode::Ok, "[3, 4]"},
      {"return self.bag(x, per_sample_weights=x.float())", ExitCode::ShapeError,
       "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
       "mode='sum' (got mode='mean')."},
      {"return self.bag(x, torch.arange(3))", ExitCode::ShapeError,
       "if input is 2D, then offsets has to be None"},
      {"return self.bag(x.flatten())", ExitCode::ShapeError,
       "offsets has to be a 1D Tensor but got None"},
      {"return self.bag(x.view(1, 3, 5))", ExitCode::ShapeError,
       "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"},
      {"return self.total(x, per_sample_weights=x[:, :4].float())", ExitCode::ShapeError,
       "embedding_bag: If per_sample_weights (torch.Size([3, 4])) is not None, then it must have "
       "the same shape as the input (torch.Size([3, 5]))"},
      // the kernel's dtype checks come after F.embedding_bag's own, as in PyTorch
      {"return self.bag(x.float().view(1, 3, 5))", ExitCode::ShapeError,
       "input has to be 1D or 2D Tensor, but got Tensor of dimension 3"},
      {"return self.bag(x.float(), per_sample_weights=x.float())", ExitCode::ShapeError,
       "embedding_bag: per_sample_weights was not None."},
      {"return self.bag(x.float())", ExitCode::ShapeError,
       "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
       "Long, Int; but got torch.FloatTensor instead (while checking arguments for "
       "embedding_bag)"},
      {"return self.total(x, per_sample_weights=x.double())", ExitCode::ShapeError,
       "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
       "'per_sample_weights'"},
      {"return self.bag(x, lengths=x)", ExitCode::UsageOrParse,
       "EmbeddingBag.forward() got an unexpected keyword argument 'lengths'"},
  };
  check_forward_cases(base, cases);
  // the mode is checked after the tensors' shapes, as F.embedding_bag checks it
  LoadedModel min = netshape::test::check_ns("input x: [3, 5]\nEmbeddingBag(10, 4, mode='min')\n");
  CHECK(first_error(min) == "mode has to be one of sum, mean or max");
  LoadedModel both =
      netshape::test::check_ns("input x: [3, 5, 2]\nEmbeddingBag(10, 4, mode='min')\n");
  CHECK(first_error(both) == "input has to be 1D or 2D Tensor, but got Tensor of dimension 3");
  // embedding_bag's own argument order and positions, not embedding's (PyTorch 1.13's messages)
  const std::pair<const char*, const char*> typed[] = {
      {"padding_idx=True, sparse=1",
       "embedding_bag(): argument 'sparse' (position 6) must be bool, not int"},
      {"padding_idx=True, scale_grad_by_freq=1",
       "embedding_bag(): argument 'scale_grad_by_freq' (position 4) must be bool, not int"},
      {"padding_idx=True",
       "embedding_bag(): argument 'padding_idx' (position 9) must be int, not bool"},
      {"max_norm='a', sparse=1",
       "embedding_renorm_(): argument 'max_norm' (position 3) must be float, not str"},
  };
  for (const auto& c : typed) {
    const char* keywords = c.first;  // (clang: no structured binding in CAPTURE)
    const char* message = c.second;
    CAPTURE(keywords);
    LoadedModel m = netshape::test::check_ns(
        fmt::format("input x: [3, 5]\nEmbeddingBag(10, 4, {})\n", keywords));
    CHECK(first_error(m) == message);
  }
}

// A layer's bias with bias=False, and a norm layer's weight and bias with its affine parameters
// off (InstanceNorm's default), are None, as `is None` tests them; a tensor's truth is refused.
TEST_CASE("interpreter: a layer's switched-off weight or bias is None") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3, bias=False)
        self.fc2 = nn.Linear(6, 3)
        self.bn = nn.BatchNorm1d(6, affine=False)
        self.inorm = nn.InstanceNorm1d(6)
        self.ln = nn.LayerNorm(6, elementwise_affine=False)

    def forward(self, x):
        BODY

# input: [2, 6]
)";
  const ForwardCase cases[] = {
      {"return self.fc(x).flatten() if self.fc.bias is None else self.fc(x)", ExitCode::Ok, "[6]"},
      {"return self.bn(x).flatten() if self.bn.weight is None else x", ExitCode::Ok, "[12]"},
      {"return x.flatten() if self.inorm.weight is None and self.ln.bias is None else x",
       ExitCode::Ok, "[12]"},
      {"return self.fc2(x).flatten() if self.fc2.bias is None else self.fc2(x)", ExitCode::Ok,
       "[2, 3]"},
      {"return x if self.fc2.bias else x * 2", ExitCode::UsageOrParse,
       "unsupported Python construct: the truth value of a layer's bias"},
  };
  check_forward_cases(base, cases);
}

// A layer's weight or bias used as a tensor in forward is refused where it is used (netshape keeps
// it for weight init only); its dtype and device read as float32 on the CPU.
// PyTorch 1.13's outcome for each: a layer's weight read in forward is a tensor of its sizes (its
// elements the layer's), so a size read from it is the real one and a check on it decides as
// PyTorch's does.
TEST_CASE("interpreter: a layer's weight as a tensor in forward is a tensor of its sizes") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(16, 6)
        self.fc = nn.Linear(6, 6)
        self.t = nn.Transformer(6, 2, 1, 1, dim_feedforward=8)

    def forward(self, x):
        BODY

# input: [5, 2, 6]
)";
  const ForwardCase cases[] = {
      {"return self.t(x, self.emb.weight.unsqueeze(1).repeat(1, 2, 1))", ExitCode::Ok,
       "[16, 2, 6]"},
      {"return self.t(x, self.emb.weight)", ExitCode::UsageOrParse,  // nn.Transformer's own check
       "the batch number of src and tgt must be equal"},
      {"return self.fc(x * self.fc.weight.size(1))", ExitCode::Ok, "[5, 2, 6]"},
      {"return self.fc(x + self.fc.weight.shape[1])", ExitCode::Ok, "[5, 2, 6]"},
      {"return x + self.emb.weight[:2].sum()", ExitCode::Ok, "[5, 2, 6]"},
      {"return self.fc(x * len(self.fc.weight))", ExitCode::Ok, "[5, 2, 6]"},  // its first size
      {"return self.fc(x if self.fc.bias.shape[0] == 6 else x * 2)", ExitCode::Ok, "[5, 2, 6]"},
      {"return self.fc(x.double().to(self.fc.weight.dtype))", ExitCode::Ok, "[5, 2, 6]"},
      {"return self.fc(x.to(self.fc.weight.device))", ExitCode::Ok, "[5, 2, 6]"},
  };
  check_forward_cases(base, cases);
}

// PyTorch 1.13's outcome for each, on an input [2, 1, 12, 10]: a spatial transformer's grid made
// for `x.size()` (a torch.Size, as its messages print it), a list or a tuple, and the sampling.
TEST_CASE("interpreter: F.affine_grid and F.grid_sample, as a spatial transformer calls them") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(120, 6)
        self.fc3 = nn.Linear(120, 12)

    def forward(self, x):
        theta = self.fc(x.flatten(1)).view(-1, 2, 3)
        BODY

# input: [2, 1, 12, 10]
)";
  const ForwardCase cases[] = {
      {"return F.grid_sample(x, F.affine_grid(theta, x.size()))", ExitCode::Ok, "[2, 1, 12, 10]"},
      {"return F.affine_grid(theta, x.shape)", ExitCode::Ok, "[2, 12, 10, 2]"},
      {"return F.affine_grid(theta, [x.size(0), 3, 4, 4])", ExitCode::Ok, "[2, 4, 4, 2]"},
      {"return F.grid_sample(x, F.affine_grid(theta, (2, 1, 5, 7), align_corners=False), "
       "mode='nearest', align_corners=False)",
       ExitCode::Ok, "[2, 1, 5, 7]"},
      {"return F.affine_grid(self.fc3(x.flatten(1)).view(-1, 3, 4), x.size())",
       ExitCode::ShapeError,
       "Expected a batch of 2D affine matrices of shape Nx2x3 for size torch.Size([2, 1, 12, "
       "10]). Got torch.Size([2, 3, 4])."},
      {"return F.grid_sample(x[:, :, :0], F.affine_grid(theta, x.size()))", ExitCode::ShapeError,
       "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
       "[2, 1, 0, 10] with dimension 2 being empty"},
      {"return F.grid_sample(x, F.affine_grid(theta, x.size())[:1])", ExitCode::ShapeError,
       "grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
       "[2, 1, 12, 10] and grid with sizes [1, 12, 10, 2]"},
  };
  check_forward_cases(base, cases);
}

// PyTorch 1.13's outcome for each: Softplus, Mish and LogSigmoid as modules and F functions
// (they are neither torch.X nor Tensor methods); softplus has no integer kernel.
TEST_CASE("interpreter: Softplus, Mish and LogSigmoid") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.act = nn.Mish(inplace=True)
        self.soft = nn.Softplus(beta=2, threshold=10)

    def forward(self, x):
        BODY

# input: [2, 3, 10, 10]
)";
  const ForwardCase cases[] = {
      {"return self.act(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return self.soft(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return nn.LogSigmoid()(self.conv(x)).flatten(1)", ExitCode::Ok, "[2, 512]"},
      {"return F.softplus(self.conv(x), 2)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return F.mish(self.conv(x), inplace=True)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return F.logsigmoid(x)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return F.mish(x.double()).float()", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return self.conv(x).softplus()", ExitCode::UsageOrParse,
       "'Tensor' object has no attribute 'softplus'"},
      {"return torch.mish(x)", ExitCode::UsageOrParse, "module 'torch' has no attribute 'mish'"},
      {"return F.softplus(x.long())", ExitCode::UsageOrParse,
       "unsupported Python construct: `softplus` of a torch.int64 tensor"},
  };
  check_forward_cases(base, cases);
}

// PyTorch 1.13's outcome for each: a custom linear layer's F.linear(x, self.weight, self.bias)
// (a transpose, a matmul and an add: 8 * 16 + 16 parameters), x.t(), torch.mm, and their errors
// (addmm's for a bias of the wrong size with an input of 2 or 3 dims, the in-place add's beyond).
TEST_CASE("interpreter: F.linear with the model's own weights, t() and mm") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(16, 8))
        self.bias = nn.Parameter(torch.zeros(16))
        self.short = nn.Parameter(torch.zeros(10))

    def forward(self, x):
        BODY

# input: [4, 8]
)";
  const ForwardCase cases[] = {
      {"return F.linear(x, self.weight, self.bias)", ExitCode::Ok, "[4, 16]"},
      {"return F.linear(x, self.weight)", ExitCode::Ok, "[4, 16]"},
      {"return F.linear(x.view(2, 2, 1, 8), self.weight, bias=self.bias)", ExitCode::Ok,
       "[2, 2, 1, 16]"},
      {"return x.mm(self.weight.t()) + self.bias", ExitCode::Ok, "[4, 16]"},
      {"return torch.t(x)", ExitCode::Ok, "[8, 4]"},
      {"return F.linear(x, self.weight.t())", ExitCode::ShapeError,
       "mat1 and mat2 shapes cannot be multiplied (4x8 and 16x8)"},
      {"return F.linear(x.unsqueeze(0), self.weight, self.short)", ExitCode::ShapeError,
       "The expanded size of the tensor (16) must match the existing size (10) at non-singleton "
       "dimension 1.  Target sizes: [4, 16].  Tensor sizes: [10]"},
      {"return F.linear(x.view(2, 2, 1, 8), self.weight, self.short)", ExitCode::ShapeError,
       "The size of tensor a (16) must match the size of tensor b (10) at non-singleton dimension "
       "3"},
      {"return torch.mm(x[0], self.weight.t())", ExitCode::ShapeError, "self must be a matrix"},
      {"return x.mm(self.bias)", ExitCode::ShapeError, "mat2 must be a matrix"},
      {"return x.unsqueeze(0).t()", ExitCode::ShapeError,
       "t() expects a tensor with <= 2 dimensions, but self is 3D"},
  };
  check_forward_cases(base, cases);
  std::string text = base;
  LoadedModel m =
      read(text.replace(text.find("BODY"), 4, "return F.linear(x, self.weight, self.bias)"));
  CHECK(m.analysis.totals.params == 8 * 16 + 16 + 10);
  CHECK(m.analysis.totals.macs == 4 * 8 * 16);
}

// A GAN generator as the tutorials write it: numpy imported for np.prod of the image shape.
// PyTorch 1.13: 1,510,032 parameters, output [64, 1, 28, 28]. np.prod of nothing is 1.0, a float
// (nn.Linear then refuses it); numpy's other functions are not followed.
TEST_CASE("interpreter: np.prod of a shape") {
  const std::string base = R"(import numpy as np
import torch.nn as nn

img_shape = (1, 28, 28)


class Generator(nn.Module):
    def __init__(self, latent_dim=100):
        super().__init__()

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(latent_dim, 128, normalize=False),
            *block(128, 256),
            *block(256, 512),
            nn.Linear(512, SIZE),
            nn.Tanh()
        )

    def forward(self, z):
        img = self.model(z)
        return img.view(img.size(0), *img_shape)

# input: [64, 100]
)";
  LoadedModel m = read(netshape::test::replaced(base, "SIZE", "int(np.prod(img_shape))"));
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 12'928 + 33'024 + 512 + 131'584 + 1'024 + 402'192);
  CHECK(to_string(*m.analysis.layers.back().output) == "[64, 1, 28, 28]");
  CHECK(read(netshape::test::replaced(base, "SIZE", "np.prod(img_shape)")).exit == ExitCode::Ok);
  CHECK(read(netshape::test::replaced(base, "SIZE", "np.prod((2, 392.0))")).exit !=
        ExitCode::Ok);  // a float
  LoadedModel sqrt = read(netshape::test::replaced(base, "SIZE", "int(np.sqrt(784))"));
  CHECK(sqrt.exit == ExitCode::UsageOrParse);
  CHECK(first_error(sqrt) == "unknown function `numpy.sqrt`");
  LoadedModel axis =
      read(netshape::test::replaced(base, "SIZE", "int(np.prod(img_shape, axis=0))"));
  CHECK(axis.exit == ExitCode::UsageOrParse);
  CHECK(first_error(axis) == "unsupported Python construct: `axis=` of `numpy.prod()`");
  // of a tensor's sizes in forward, as tutorials flatten: x.view(x.shape[0], np.prod(x.shape[1:]))
  const std::string flat = R"(import numpy as np
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8 * 6 * 6, 10)

    def forward(self, x):
        x = self.conv(x)
        return self.fc(x.view(x.shape[0], SIZE))

# input: [2, 3, 8, 8]
)";
  for (const char* size : {"np.prod(x.shape[1:])", "int(np.prod(x.size()[-3:]))", "np.prod(288)"}) {
    INFO(size);
    LoadedModel m = read(netshape::test::replaced(flat, "SIZE", size));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(to_string(*m.analysis.layers.back().output) == "[2, 10]");
  }
}

// PyTorch 1.13's outcome for each: Hardtanh, SELU, CELU, Softsign, Tanhshrink, Softshrink,
// Hardshrink and Threshold as modules, F functions, torch functions and methods where PyTorch
// defines them, in place too (F.hardtanh_, F.elu_; F.gelu_ is Python's AttributeError), and
// PyTorch's errors.
TEST_CASE("interpreter: Hardtanh, SELU, CELU and the shrinking activations") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.clip = nn.Hardtanh(0, 20, inplace=True)
        self.selu = nn.SELU()
        self.shrink = nn.Softshrink(0.25)

    def forward(self, x):
        BODY

# input: [2, 3, 10, 10]
)";
  const ForwardCase cases[] = {
      {"return self.clip(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return self.shrink(self.selu(self.conv(x)))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return F.hardtanh(self.conv(x), min_val=-2.0, max_val=2.0)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return F.hardtanh_(self.conv(x), 0.0, 6.0)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return torch.selu(x)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return F.celu(self.conv(x), alpha=2.0)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return F.softsign(x) + F.tanhshrink(x)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return self.conv(x).hardshrink(0.3)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return torch.hardshrink(x)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return F.threshold(self.conv(x), 0.1, 20.0)", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return torch.threshold(x, 0.1, 20.0)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return F.elu_(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return torch.celu(x, 0.0)", ExitCode::ShapeError,
       "ZeroDivisionError: alpha cannot be 0 for CELU"},
      {"return F.softshrink(x, -1.0)", ExitCode::ShapeError,
       "lambda must be greater or equal to 0, but found to be -1."},
      {"return nn.Hardtanh(1.0, -1.0)(x)", ExitCode::ShapeError,
       "AssertionError: nn.Hardtanh asserts max_val > min_val, but min_val is 1.0 and max_val "
       "-1.0"},
      {"return torch.hardtanh(x)", ExitCode::UsageOrParse,
       "module 'torch' has no attribute 'hardtanh'"},
      {"return x.selu()", ExitCode::UsageOrParse, "'Tensor' object has no attribute 'selu'"},
      {"return torch.selu_(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return self.conv(x).sigmoid_()", ExitCode::Ok, "[2, 8, 8, 8]"},
      // torch's functions have no `inplace` (F's do)
      {"return torch.selu(x, True)", ExitCode::UsageOrParse,
       "selu() takes 1 positional argument but 2 were given"},
      {"return torch.celu(x, inplace=True)", ExitCode::UsageOrParse,
       "celu() got an unexpected keyword argument 'inplace'"},
      {"return torch.threshold(x, 0, 1, True)", ExitCode::UsageOrParse,
       "threshold() takes 3 positional arguments but 4 were given"},
      {"return torch.celu(x, 1.0, True)", ExitCode::UsageOrParse,
       "celu() takes from 1 to 2 positional arguments but 3 were given"},
      {"return F.selu(x, True)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return torch.rrelu(x, 0.1, 0.3) + F.rrelu_(x.clone())", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return x.rrelu()", ExitCode::UsageOrParse, "'Tensor' object has no attribute 'rrelu'"},
      // in place only where PyTorch defines it so
      {"return F.softsign_(x)", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'softsign_'"},
      {"return F.gelu_(self.conv(x))", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'gelu_'"},
      {"return F.sigmoid_(self.conv(x))", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'sigmoid_'"},
      {"return F.relu6_(x)", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'relu6_'"},
      {"return F.selu(x.long())", ExitCode::UsageOrParse,
       "unsupported Python construct: `selu` of a torch.int64 tensor"},
  };
  check_forward_cases(base, cases);
}

// PyTorch 1.13's outcome for each: one slope or one per channel (dim 1; an input of fewer than 2
// dims has 1 channel), PyTorch's errors, a float32 weight; parameters counted as
// model.parameters() counts them, the unused PReLU's too (224 + 8 + 1 + 3 + 10).
TEST_CASE("interpreter: PReLU") {
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.act = nn.PReLU(8)
        self.one = nn.PReLU()
        self.three = nn.PReLU(3, init=0.1)
        self.ten = nn.PReLU(num_parameters=10)

    def forward(self, x):
        BODY

# input: [2, 3, 10, 10]
)";
  const ForwardCase cases[] = {
      {"return self.act(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return self.one(self.conv(x))", ExitCode::Ok, "[2, 8, 8, 8]"},
      {"return self.three(x)", ExitCode::Ok, "[2, 3, 10, 10]"},
      {"return self.one(x[0, 0, 0, 0])", ExitCode::Ok, "[]"},
      {"return self.one(self.conv(x).flatten())", ExitCode::Ok, "[1024]"},
      {"return self.ten(x[0, 0])", ExitCode::Ok, "[10, 10]"},
      {"return self.act(x)", ExitCode::ShapeError,
       "Mismatch of parameter numbers and input channel size. Found parameter numbers = 8 and "
       "channel size = 3."},
      {"return self.three(x[0, 0, 0])", ExitCode::ShapeError,
       "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and "
       "channel size = 1."},
      {"return self.three(x[0, 0, 0, 0])", ExitCode::ShapeError,
       "Not allow zero-dim input tensor."},
      {"return self.act(self.conv(x).double())", ExitCode::ShapeError,
       "expected a float32 input: PReLU's weight is float32, but its input is torch.float64"},
  };
  check_forward_cases(base, cases);
  std::string text = base;
  text.replace(text.find("BODY"), 4, "return self.act(self.conv(x))");
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 224 + 8 + 1 + 3 + 10);
}

// PyTorch 1.13's outcome for each: norm and logsumexp as methods and torch functions, their
// errors, F.normalize as its norm and its division; the nuclear norm is refused (exit 2).
TEST_CASE("interpreter: norm, logsumexp and F.normalize") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        BODY

# input: [2, 3, 4]
)";
  const ForwardCase cases[] = {
      {"return x.norm()", ExitCode::Ok, "[]"},
      {"return torch.norm(x, 2, 1)", ExitCode::Ok, "[2, 4]"},
      {"return x.norm(p=1, dim=2, keepdim=True)", ExitCode::Ok, "[2, 3, 1]"},
      {"return x.norm(p=float('inf'), dim=1)", ExitCode::Ok, "[2, 4]"},
      {"return x.norm(3, (0, 2))", ExitCode::Ok, "[3]"},
      {"return x.norm(p='fro', dim=(0, 1, 2))", ExitCode::ShapeError,
       "Expected at most 2 dimensions, but got 3 dimensions instead."},
      {"return x.norm(dim=3)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
      {"return x.long().norm()", ExitCode::ShapeError,
       "norm(): input dtype should be either floating point or complex. Got Long instead."},
      {"return torch.logsumexp(x, 1)", ExitCode::Ok, "[2, 4]"},
      {"return x.logsumexp(dim=(1, 2))", ExitCode::Ok, "[2]"},
      {"return self.fc(x.long().logsumexp(1))", ExitCode::Ok, "[2, 4]"},
      {"return x.logsumexp(1) - x.logsumexp(1, keepdim=True)", ExitCode::Ok, "[2, 2, 4]"},
      {"return F.normalize(x)", ExitCode::Ok, "[2, 3, 4]"},
      {"return F.normalize(self.fc(x), dim=-1)", ExitCode::Ok, "[2, 3, 4]"},
      {"return torch.nn.functional.normalize(x, 2, 1, 1e-6)", ExitCode::Ok, "[2, 3, 4]"},
      {"return self.fc(F.normalize(x, dim=(1, 2)))", ExitCode::Ok, "[2, 3, 4]"},
      {"return F.normalize(x[0, 0], dim=1)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
      {"return F.normalize(x.long())", ExitCode::ShapeError,
       "norm(): input dtype should be either floating point or complex. Got Long instead."},
      {"return torch.norm(x, p='nuc', dim=(0, 1))", ExitCode::UsageOrParse,
       "unsupported Python construct: this norm"},
  };
  check_forward_cases(base, cases);
}

// PyTorch 1.13's outcome for each: masked_fill broadcasts the tensor and its mask (the mask's
// size first in the message), keeps the tensor's dtype, fills in place where `_`; a tensor value
// is refused; there is no F.masked_fill.
TEST_CASE("interpreter: masked_fill") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x, mask):
        BODY

# input x: [2, 3, 4]
# input mask: [3, 4]
)";
  const ForwardCase cases[] = {
      {"return x.masked_fill(mask == 0, float('-inf'))", ExitCode::Ok, "[2, 3, 4]"},
      {"return torch.masked_fill(self.fc(x), x > 0, 0)", ExitCode::Ok, "[2, 3, 4]"},
      {"return F.softmax(self.fc(x).masked_fill(mask[0] > 0, -1e9), dim=-1)", ExitCode::Ok,
       "[2, 3, 4]"},
      {"return mask.masked_fill(x > 0, 1.0)", ExitCode::Ok, "[2, 3, 4]"},
      {"return self.fc(x.long().masked_fill(mask == 0, 0.5).float())", ExitCode::Ok, "[2, 3, 4]"},
      {"return x.masked_fill_(mask > 0, 0.)", ExitCode::Ok, "[2, 3, 4]"},
      {"return x.transpose(1, 2).masked_fill(mask.transpose(0, 1) > 0, 0.).view(2, -1)",
       ExitCode::Ok, "[2, 12]"},
      {"return x.masked_fill(mask[:, :3] == 0, 0.)", ExitCode::ShapeError,
       "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension "
       "2"},
      {"return x.masked_fill(mask > 0, torch.ones(2))", ExitCode::UsageOrParse,
       "unsupported Python construct: masked_fill with a tensor as its value"},
      {"return F.masked_fill(x, mask > 0, 0.)", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'masked_fill'"},
  };
  check_forward_cases(base, cases);
}

TEST_CASE("interpreter: x.T, x.mT, x.H and x.mH, and the fields of x.max(dim)") {
  // PyTorch 1.13's outcome for each; netshape refused all of them before, with a misleading
  // message ("non-tensor argument to a module call", "forward must return a tensor").
  const std::string base = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return BODY

# input: [2, 3, 4, 5]
)";
  const std::string not_contiguous = kViewRefused;
  const ForwardCase cases[] = {
      {"x.T", ExitCode::Ok, "[5, 4, 3, 2]"},
      {"x.mT", ExitCode::Ok, "[2, 3, 5, 4]"},
      {"x.mH", ExitCode::Ok, "[2, 3, 5, 4]"},
      {"x.sum(0).mT", ExitCode::Ok, "[3, 5, 4]"},
      {"x.flatten(1).T", ExitCode::Ok, "[60, 2]"},
      {"x.flatten(1).H", ExitCode::Ok, "[60, 2]"},
      {"x.flatten().T", ExitCode::Ok, "[120]"},
      {"x.H", ExitCode::ShapeError,
       "tensor.H is only supported on matrices (2-D tensors). Got 4-D tensor. For batches of "
       "matrices, consider using tensor.mH"},
      {"x.flatten().mT", ExitCode::ShapeError,
       "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."},
      {"x.T.view(2, -1)", ExitCode::ShapeError, not_contiguous.c_str()},
      {"x.T.reshape(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"x.mT.contiguous().view(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"x.max(dim=1).values", ExitCode::Ok, "[2, 4, 5]"},
      {"x.max(1).indices", ExitCode::Ok, "[2, 4, 5]"},
      {"torch.max(x, 1, keepdim=True).values", ExitCode::Ok, "[2, 1, 4, 5]"},
      {"x.min(dim=-1)[0]", ExitCode::Ok, "[2, 3, 4]"},
      {"x.max(dim=1).counts", ExitCode::UsageOrParse,
       "'torch.return_types.max' object has no attribute 'counts'"},
  };
  check_forward_cases(base, cases);
  // PyTorch's errors the reader finds as it splits or sizes a tensor are shape errors too (they
  // exited 2 before, as if the file could not be read).
  const ForwardCase raised[] = {
      {"x.chunk(2, dim=7)[0]", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 7)"},
      {"x.unbind(9)[0]", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 9)"},
      {"x.view(x.size(7), -1)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-4, 3], but got 7)"},
      {"torch.split(x, [1, 1], 1)[0]", ExitCode::ShapeError,
       "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at "
       "dimension 1), but got split_sizes=[1, 1]"},
      {"x.split(0, 1)[0]", ExitCode::ShapeError,
       "split_size can only be 0 if dimension size is 0, but got dimension size of 3"},
      {"x.chunk(0, 1)[0]", ExitCode::ShapeError,
       "chunk expects `chunks` to be greater than 0, got: 0"},
      {"x.view(x.sum().size(0))", ExitCode::ShapeError,
       "Dimension specified as 0 but tensor has no dimensions"},
      {"x.chunk(2, dim=1)[1]", ExitCode::Ok, "[2, 1, 4, 5]"},
  };
  check_forward_cases(base, raised);
  // The error is at the attribute, after the layers before it (exit 1, as a layer's error).
  std::string text = base;
  text.replace(text.find("BODY"), 4, "x.flatten().mT");
  LoadedModel m = read(text);
  REQUIRE(m.diags.has_errors());
  CHECK(m.diags.items()[0].span.line == 7);
  CHECK(m.diags.items()[0].span.column == 16);
  CHECK(!m.analysis.ok);                 // the report stops there: no output line, no totals
  CHECK(m.analysis.layers.size() == 1);  // flatten, the layer before
}

TEST_CASE("interpreter: a layer registered before super().__init__() is PyTorch's error") {
  // PyTorch 1.13: AttributeError from nn.Module.__setattr__; netshape counted the layer before.
  struct Case {
    const char* init;
    const char* error;  // empty: PyTorch builds it (36 params)
  };
  const Case cases[] = {
      {"        self.fc = nn.Linear(8, 4)\n", "cannot assign module before Module.__init__() call"},
      {"        self.fc = nn.Linear(8, 4)\n        super().__init__()\n",
       "cannot assign module before Module.__init__() call"},
      {"        self.w = nn.Parameter(torch.zeros(4))\n        super().__init__()\n"
       "        self.fc = nn.Linear(8, 4)\n",
       "cannot assign parameters before Module.__init__() call"},
      {"        self.n = 4\n        super().__init__()\n        self.fc = nn.Linear(8, self.n)\n",
       ""},
      {"        super(Net, self).__init__()\n        self.fc = nn.Linear(8, 4)\n", ""},
      {"        nn.Module.__init__(self)\n        self.fc = nn.Linear(8, 4)\n", ""},
  };
  for (const Case& c : cases) {
    std::string text =
        "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self):\n" +
        std::string(c.init) +
        "\n    def forward(self, x):\n        return self.fc(x)\n\n# input: [2, 8]\n";
    LoadedModel m = read(text);
    INFO(text);
    INFO(render_diagnostics(m));
    if (*c.error == '\0') {
      CHECK(m.exit == ExitCode::Ok);
      CHECK(m.analysis.totals.params == 36);
    } else {
      CHECK(m.exit == ExitCode::UsageOrParse);
      CHECK(first_error(m) == c.error);
    }
  }
  // A base class of the file whose __init__ calls super().__init__() registers for its subclass.
  LoadedModel based = read(R"(import torch.nn as nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()


class Net(Base):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  CHECK(based.exit == ExitCode::Ok);
}

TEST_CASE("interpreter: what netshape cannot read is named, not what the code did next") {
  // An unknown layer's result unpacked: the layer is unknown (it said "iterating over a tensor"
  // before).
  LoadedModel lstm = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.Bilinear(8, 8, 16)

    def forward(self, x):
        h, c = self.bag(x)
        return h

# input: [2, 8]
)");
  CHECK(lstm.exit == ExitCode::UsageOrParse);
  CHECK(first_error(lstm) == "unsupported Python construct: unknown layer or op 'Bilinear'");
  REQUIRE(lstm.diags.has_errors());
  CHECK(lstm.diags.items()[0].span.line == 7);
  // A dict of outputs: its tensors are the outputs, in order (torchvision's segmentation models
  // return {"out": ..., "aux": ...}); anything else in it is named.
  const std::string dict_net = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 4)
        self.b = nn.Linear(8, 3)

    def forward(self, x):
        return {"a": self.a(x), "b": self.b(x)RETURN}

# input: [2, 8]
)";
  LoadedModel dict = read(test::replaced(dict_net, "RETURN", ""));
  REQUIRE(dict.exit == ExitCode::Ok);
  REQUIRE(dict.analysis.outputs.size() == 2);
  CHECK(to_string(dict.analysis.outputs[0].second) == "[2, 4]");
  CHECK(to_string(dict.analysis.outputs[1].second) == "[2, 3]");
  LoadedModel other = read(test::replaced(dict_net, "RETURN", ", \"n\": 3"));
  CHECK(other.exit == ExitCode::UsageOrParse);
  CHECK(first_error(other) == "forward must return tensors; its dict's 'n' is 3");
  // An error in computing a value of the dict is that error, at its place.
  LoadedModel failed =
      read(test::replaced(test::replaced(dict_net, "RETURN", ""), "self.b(x)", "self.c(x)"));
  CHECK(failed.exit == ExitCode::UsageOrParse);
  CHECK(first_error(failed) == "`self.c` is not defined in __init__ nor in class Net");
}

TEST_CASE("interpreter: a layer or function given more tensors than it takes is an error") {
  // PyTorch 1.13 raises on each; netshape dropped the extra tensor and exited 0 before.
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)
        self.seq = nn.Sequential(nn.ReLU())

    def forward(self, x):
        return BODY

# input: [2, 4, 6, 6]
)";
  const ForwardCase cases[] = {
      {"self.fc(x, x)", ExitCode::ShapeError,
       "Linear.forward() takes 2 positional arguments but 3 were given"},
      {"self.seq(x, x)", ExitCode::ShapeError,
       "ReLU.forward() takes 2 positional arguments but 3 were given"},
      {"F.relu(x, x)", ExitCode::ShapeError, "relu() takes one tensor, but 2 were given"},
      {"torch.cat(x, 1)", ExitCode::ShapeError,
       "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"},
      {"torch.cat((x), 1)", ExitCode::ShapeError,
       "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"},
      {"torch.stack(x, 1)", ExitCode::ShapeError,
       "stack(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"},
      {"torch.cat((x,), 1)", ExitCode::Ok, "[2, 4, 6, 6]"},
      {"torch.cat([x, x], 1)", ExitCode::Ok, "[2, 8, 6, 6]"},
      {"self.fc(x) + self.fc(x)", ExitCode::Ok, "[2, 4, 6, 4]"},
  };
  check_forward_cases(base, cases);
  // The same in the model language: a layer applied to two tensors.
  auto two = test::check_ns("input a: [2, 6]\ninput b: [2, 6]\nfc = Linear(6, 4)(a, b)\n");
  REQUIRE(two.diags.has_errors());
  CHECK(two.diags.items()[0].message ==
        "Linear.forward() takes 2 positional arguments but 3 were given");
  CHECK(two.diags.items()[0].span.column == 22);
  CHECK(two.exit == ExitCode::ShapeError);
}

TEST_CASE("interpreter: a view PyTorch refuses because the memory is not contiguous") {
  // PyTorch 1.13's outcome for each (view raises "view size is not compatible with input
  // tensor's size and stride"); netshape exited 0 on every one before it followed strides.
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv5 = nn.Conv2d(5, 4, 1)
        self.conv3 = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return BODY

# input: [2, 3, 4, 5]
)";
  const std::string refused = kViewRefused;
  const ForwardCase cases[] = {
      {"x.transpose(2, 3).view(2, 3, 20)", ExitCode::ShapeError, refused.c_str()},
      {"x.transpose(2, 3).view(6, 5, 4)", ExitCode::Ok, "[6, 5, 4]"},
      {"x[:, :, 1:].view(2, 3, 15)", ExitCode::Ok, "[2, 3, 15]"},
      {"x[:, :, 1:].view(2, -1)", ExitCode::ShapeError, refused.c_str()},
      {"x[:, :1].expand(2, 3, 4, 5).view(2, 3, 20)", ExitCode::Ok, "[2, 3, 20]"},
      {"x[:, :1].expand(2, 3, 4, 5).view(2, 60)", ExitCode::ShapeError, refused.c_str()},
      {"F.relu(x.permute(0, 2, 3, 1)).view(2, -1)", ExitCode::ShapeError, refused.c_str()},
      {"(x.permute(0, 2, 3, 1) + 1).view(2, -1)", ExitCode::ShapeError, refused.c_str()},
      {"self.conv5(x.transpose(1, 3)).view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"x.permute(0, 2, 3, 1).reshape(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"x.permute(0, 2, 3, 1).flatten(1)", ExitCode::Ok, "[2, 60]"},
      {"x.permute(0, 2, 3, 1).contiguous().view(2, -1)", ExitCode::Ok, "[2, 60]"},
      // TensorIterator lays the sum out as its first operand
      {"(x.permute(0, 2, 3, 1) + x.permute(0, 2, 3, 1).contiguous()).view(2, -1)",
       ExitCode::ShapeError, refused.c_str()},
      {"(x.permute(0, 2, 3, 1).contiguous() + x.permute(0, 2, 3, 1)).view(2, -1)", ExitCode::Ok,
       "[2, 60]"},
      {"x.unsqueeze(1).transpose(1, 2).view(2, 3, 20)", ExitCode::Ok, "[2, 3, 20]"},
      // A channels-last convolution: PyTorch keeps channels-last or not by the kernel it picks
      // (here it does, and the view raises), so netshape says it cannot tell.
      {"self.conv3(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)).view(2, -1)",
       ExitCode::UsageOrParse,
       "netshape cannot tell whether this view is allowed: it does not follow how `Conv2d` lays "
       "out its output in memory"},
      {"x.permute(0, 2, 3, 1).contiguous(memory_format=torch.channels_last)",
       ExitCode::UsageOrParse,
       "unsupported Python construct: a memory format other than torch.contiguous_format"},
  };
  check_forward_cases(base, cases);
  // The error points at the view and, in a note, at the op that made the tensor non-contiguous.
  std::string text = base;
  text.replace(text.find("BODY"), 4, "x.transpose(2, 3).view(2, 3, 20)");
  LoadedModel m = read(text);
  std::string shown = render_diagnostics(m);
  CHECK(shown.find("note: `transpose` makes the tensor non-contiguous here") != std::string::npos);
  CHECK(shown.find("help: call `.contiguous()` before `.view(...)`, or use `.reshape(...)`") !=
        std::string::npos);
}

TEST_CASE("interpreter: in-place ops write into their first tensor, which cannot grow") {
  // PyTorch 1.13's outcome for each; the first three exited 0 before (netshape broadcast them).
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
BODY

# input: [2, 3, 4, 6]
)";
  const std::string grows =
      "output with shape [2, 1, 4, 6] doesn't match the broadcast shape [2, 3, 4, 6]";
  const std::string refused = kViewRefused;
  const ForwardCase cases[] = {
      {"        y = x.mean(1, keepdim=True)\n        y += x\n        return y",
       ExitCode::ShapeError, grows.c_str()},
      {"        return x.mean(1, keepdim=True).add_(x)", ExitCode::ShapeError, grows.c_str()},
      {"        return self.relu(x[..., 1:]).view(2, -1)", ExitCode::ShapeError, refused.c_str()},
      {"        return F.relu_(x[..., 1:]).view(2, -1)", ExitCode::ShapeError, refused.c_str()},
      {"        return x.transpose(2, 3).mul_(x.transpose(2, 3)).view(2, 3, 24)",
       ExitCode::ShapeError, refused.c_str()},
      {"        y = x.mean(1, keepdim=True)\n        x += y\n        return x", ExitCode::Ok,
       "[2, 3, 4, 6]"},
      {"        return x.add_(x.mean(1, keepdim=True))", ExitCode::Ok, "[2, 3, 4, 6]"},
      {"        return F.relu(x[..., 1:]).view(2, -1)", ExitCode::Ok, "[2, 60]"},
  };
  check_forward_cases(base, cases);
}

TEST_CASE("interpreter: a list default is one list for every call, as in Python") {
  // PyTorch: 105 parameters, output [2, 10] (Block(5) sees [4, 5]); netshape said 75, [2, 5].
  LoadedModel m = read(R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c, seen=[]):
        super().__init__()
        seen.append(c)
        self.fc = nn.Linear(c, c * len(seen))

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Block(4)
        self.b = nn.Linear(4, 5)
        self.c = Block(5)

    def forward(self, x):
        return self.c(self.b(self.a(x)))

# input: [2, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 105);
  CHECK(to_string(*m.analysis.layers.back().output) == "[2, 10]");
}

TEST_CASE(
    "interpreter: copies, in-place writes and 1-d pools keep or change the layout as in PyTorch") {
  // PyTorch 1.13's outcome for each (a second reading of the layout rules found them).
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool1 = nn.AvgPool1d(2)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.drop = nn.Dropout(0.1, inplace=True)

    def forward(self, x):
BODY

# input: [2, 3, 4, 5]
)";
  const std::string refused = kViewRefused;
  const std::string overlap =
      "unsupported operation: more than one element of the written-to tensor refers to a single "
      "memory location. Please clone() the tensor before performing the operation.";
  const ForwardCase cases[] = {
      // PyTorch raises: the 1-d pool keeps the transposed layout (its 2-d kernel sees it as
      // channels-last); netshape does not follow that and says so
      {"        return self.pool1(x.flatten(1, 2).transpose(1, 2)).view(2, -1)",
       ExitCode::UsageOrParse, "netshape cannot tell whether this view is allowed"},
      {"        return F.relu(x[..., 1:], inplace=True).view(2, -1)", ExitCode::ShapeError,
       refused.c_str()},
      {"        return F.relu(x[:, :1].expand(2, 3, 4, 5), inplace=True)", ExitCode::ShapeError,
       overlap.c_str()},
      {"        return F.pad(x.transpose(2, 3), (0, 0, 0, 0)).view(2, 3, 20)",
       ExitCode::UsageOrParse, "netshape cannot tell whether this view is allowed"},
      {"        return (x[..., 1:] * 2).view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"        return x[..., 1:].clone().view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"        return x.transpose(2, 3).clone(memory_format=torch.contiguous_format)"
       ".view(2, 3, 20)",
       ExitCode::Ok, "[2, 3, 20]"},
      {"        return x.transpose(2, 3).clone().view(2, 3, 20)", ExitCode::ShapeError,
       refused.c_str()},
      {"        return x[..., 1:].double().view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"        return F.dropout(x[..., 1:], 0.1).view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"        return F.dropout(x[..., 1:], 0.1, training=False).view(2, -1)",
       ExitCode::ShapeError, refused.c_str()},
      {"        return x.add(1).view(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"        return torch.mul(x, 0.5).view(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"        return x.add_(1).view(2, -1)", ExitCode::Ok, "[2, 60]"},
      {"        y = x.transpose(2, 3)\n        y += 1\n        return y.view(2, 3, 20)",
       ExitCode::ShapeError, refused.c_str()},
      {"        cl = self.conv(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))\n"
       "        return torch.cat([cl, self.conv(x)], 1).view(2, -1)",
       ExitCode::Ok, "[2, 240]"},
      // PyTorch raises for both; netshape cannot follow them
      {"        a = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)\n"
       "        return torch.stack([a, a], 1).view(2, -1)",
       ExitCode::UsageOrParse, "netshape cannot tell whether this view is allowed"},
      {"        return x.transpose(2, 3).to(memory_format=torch.contiguous_format)",
       ExitCode::UsageOrParse, "unsupported Python construct: `.to(memory_format=...)`"},
      {"        return F.dropout(x[..., 1:], 0.0).view(2, -1)", ExitCode::ShapeError,
       refused.c_str()},  // p=0: the input itself
      {"        return self.drop(x[:, :1].expand(2, 3, 4, 5))", ExitCode::Ok, "[2, 3, 4, 5]"},
      {"        return x[..., 1:].to(torch.float64).view(2, -1)", ExitCode::Ok, "[2, 48]"},
      {"        return x[..., 1:].to(torch.float32).view(2, -1)", ExitCode::ShapeError,
       refused.c_str()},
      {"        return torch.add(x, 1, out=x)", ExitCode::UsageOrParse,
       "unsupported Python construct: `out=`"},
      // splitting a dim fits whatever the layout (channel shuffle after a channels-last conv)
      {"        cl = self.conv(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))\n"
       "        return cl.view(2, 2, 3, 4, 5)",
       ExitCode::Ok, "[2, 2, 3, 4, 5]"},
  };
  check_forward_cases(base, cases);
}

// An in-place write with no layer of its own (numbers, elementwise math, `relu_()`) into an
// expanded tensor is PyTorch's error as an in-place layer's is, at the write; a tensor returned
// beside one computed from it with no layer is refused (it would be listed as one output).
// PyTorch 1.13's outcome for each (the refused ones run there).
TEST_CASE("interpreter: in-place math on an expanded tensor, and outputs made with no layer") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
BODY

# input: [2, 3, 4, 5]
)";
  const char* overlap =
      "unsupported operation: more than one element of the written-to tensor refers to a single "
      "memory location. Please clone() the tensor before performing the operation.";
  const char* two_outputs = "unsupported Python construct: returning a tensor beside one computed";
  const char* expanded = "        q = x[:, :1].expand(2, 3, 4, 5)\n";
  auto with_expanded = [&](const char* rest) { return std::string(expanded) + rest; };
  const std::string bodies[] = {
      with_expanded("        q += 1\n        return q"),
      with_expanded("        q.clamp_(0, 1)\n        return q"),
      with_expanded("        q.relu_()\n        return q"),
      with_expanded("        q.mul_(2)\n        return q"),
      with_expanded("        q = q.transpose(1, 2)\n        q **= 2\n        return q"),
      "        q = x[:, :1].expand(2, 3, 4, 5) * 1\n        q.clamp_(0, 1)\n        return q",
      with_expanded("        q = q.select(1, 0)\n        q.exp_()\n        return q"),
      "        q = x[:, :1].expand(2, 1, 4, 5)\n        q.sub_(1)\n        return q",
      with_expanded("        q = q.contiguous()\n        q.abs_()\n        return q"),
      "        h = self.fc(x)\n        return h, h.abs()",
      "        h = self.fc(x)\n        return h * 2, h.exp()",
  };
  const ForwardCase cases[] = {
      {bodies[0].c_str(), ExitCode::ShapeError, overlap},
      {bodies[1].c_str(), ExitCode::ShapeError, overlap},
      {bodies[2].c_str(), ExitCode::ShapeError, overlap},
      {bodies[3].c_str(), ExitCode::ShapeError, overlap},
      {bodies[4].c_str(), ExitCode::ShapeError, overlap},
      {bodies[5].c_str(), ExitCode::Ok, "[2, 3, 4, 5]"},
      {bodies[6].c_str(), ExitCode::Ok, "[2, 4, 5]"},
      {bodies[7].c_str(), ExitCode::Ok, "[2, 1, 4, 5]"},
      {bodies[8].c_str(), ExitCode::Ok, "[2, 3, 4, 5]"},
      {bodies[9].c_str(), ExitCode::UsageOrParse, two_outputs},
      {bodies[10].c_str(), ExitCode::UsageOrParse, two_outputs},
  };
  check_forward_cases(base, cases);

  std::string text = base;  // the error points at the write, not at the expand
  text.replace(text.find("BODY"), 4, bodies[1]);
  LoadedModel m = read(text);
  REQUIRE(!m.diags.items().empty());
  CHECK(m.diags.items()[0].span.line == 13);
  CHECK(m.diags.items()[0].span.column == 9);

  text = base;  // one tensor returned three times is one output
  text.replace(text.find("BODY"), 4,
               "        h = self.fc(x)\n        return h, h.float(), h.detach()");
  m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.outputs.size() == 1);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 3, 4, 5]");
}

TEST_CASE("interpreter: defaults and class attributes are one object, as Python makes them") {
  // PyTorch: 196 parameters and [2, 4]. The class list and the list inside a tuple default grow
  // with each Block, the LayerNorm default is one module (counted once), and the nested def's
  // list is new at each call of widths (2 + 2). netshape said [2, 0] and 0 parameters for a.fc.
  LoadedModel m = read(R"(import torch.nn as nn


class Block(nn.Module):
    registry = []

    def __init__(self, c, state=([],), norm=nn.LayerNorm(4)):
        super().__init__()
        self.registry.append(c)
        state[0].append(c)
        self.norm = norm
        self.fc = nn.Linear(c, c * len(self.registry) * len(state[0]))

    def forward(self, x):
        return self.fc(self.norm(x))


def widths(c):
    def grow(k, acc=[]):
        acc.append(k)
        return len(acc)

    grow(c)
    return grow(c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Block(4)
        self.b = nn.Linear(4, 4)
        self.c = Block(4)
        self.d = nn.Linear(16, widths(3) + widths(5))

    def forward(self, x):
        return self.d(self.c(self.b(self.a(x))))

# input: [2, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 196);
  CHECK(to_string(*m.analysis.layers.back().output) == "[2, 4]");
}

// Dtypes of forward's tensors: a cast (`x.double()`, `x.to(torch.long)`) or argmax makes a tensor
// of another element type; a Linear (float32 weight) fed one is PyTorch's RuntimeError. The
// expectations are PyTorch 1.13's for the same forward (run on a [2, 8] input): 0 where it runs,
// an error where it raises; where netshape does not follow the op for that dtype it says so.
TEST_CASE("interpreter: dtypes of forward's tensors, checked at layers with float32 weights") {
  const std::string base =
      "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
      "class Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n"
      "        self.register_buffer('ref', torch.ones(8, dtype=torch.float64))\n\n"
      "    def forward(self, x):\n        a = x.long()\n        b = x.double()\n"
      "        z = x.sum()\n        return self.fc(BODY)\n\n"
      "# input: [2, 8]\n";
  // a Linear of a batch: PyTorch's matmul checks the dtypes first
  std::string f64 = "mat1 and mat2 must have the same dtype";
  std::string i64 = f64, i32 = f64, bool_ = f64, f16 = f64;
  const ForwardCase cases[] = {
      {"x", ExitCode::Ok, "[2, 4]"},
      {"b", ExitCode::ShapeError, f64.c_str()},
      {"x.half()", ExitCode::ShapeError, f16.c_str()},
      {"b.float()", ExitCode::Ok, "[2, 4]"},
      {"x.float()", ExitCode::Ok, "[2, 4]"},
      {"x.to(torch.float64)", ExitCode::ShapeError, f64.c_str()},
      {"x.type(torch.double)", ExitCode::ShapeError, f64.c_str()},
      {"x.to(b)", ExitCode::ShapeError, f64.c_str()},
      {"b.type_as(x)", ExitCode::Ok, "[2, 4]"},
      {"a.to(x)", ExitCode::Ok, "[2, 4]"},
      {"x.to(torch.float64, copy=True)", ExitCode::ShapeError, f64.c_str()},
      {"x.int().transpose(0, 1).transpose(0, 1)", ExitCode::ShapeError, i32.c_str()},
      {"torch.cat([a, a], 0).float()[:2]", ExitCode::Ok, "[2, 4]"},
      {"x.bool()", ExitCode::ShapeError, bool_.c_str()},
      // elementwise arithmetic promotes as PyTorch does
      {"a + z", ExitCode::Ok, "[2, 4]"},  // int64 + 0-dim float32: the float category wins
      {"b + z", ExitCode::ShapeError, f64.c_str()},
      {"a / a", ExitCode::Ok, "[2, 4]"},
      {"a * 2.5", ExitCode::Ok, "[2, 4]"},
      {"a * 2", ExitCode::ShapeError, i64.c_str()},
      {"a - 1", ExitCode::ShapeError, i64.c_str()},
      {"x.half() * x", ExitCode::Ok, "[2, 4]"},
      {"torch.maximum(a, x)", ExitCode::Ok, "[2, 4]"},
      {"a + x.bool()", ExitCode::ShapeError, i64.c_str()},
      {"x + x.argmax(1, keepdim=True)", ExitCode::Ok, "[2, 4]"},
      {"x.argmax(1, keepdim=True).expand(-1, 8)", ExitCode::ShapeError, i64.c_str()},
      // ops netshape does not follow for other dtypes: said, not guessed
      {"torch.relu(x.half())", ExitCode::UsageOrParse,
       "unsupported Python construct: `relu` of a torch.float16 tensor"},
      {"torch.cat([b, x], 1)[:, :8]", ExitCode::ShapeError, f64.c_str()},  // cat promotes
      {"torch.cat([a, x], 1)[:, :8]", ExitCode::Ok, "[2, 4]"},
      {"x.bool() * 1", ExitCode::ShapeError, i64.c_str()},  // bool * int: int64
      {"x.bool() * 1.5", ExitCode::Ok, "[2, 4]"},           // bool * float: float32
      {"x.bool() * True", ExitCode::UsageOrParse,
       "unsupported Python construct: arithmetic of a torch.bool tensor and a bool"},
      // where the type comes from: legacy type names, .dtype, buffers, weights, factories
      {"x.type(torch.LongTensor)", ExitCode::ShapeError, i64.c_str()},
      {"x.type('torch.DoubleTensor')", ExitCode::ShapeError, f64.c_str()},
      {"b.type(x.type())", ExitCode::Ok, "[2, 4]"},
      {"x.to(b.dtype)", ExitCode::ShapeError, f64.c_str()},
      {"a.to(x.dtype)", ExitCode::Ok, "[2, 4]"},
      {"x.type_as(self.ref)", ExitCode::ShapeError, f64.c_str()},
      {"x * self.ref", ExitCode::ShapeError, f64.c_str()},
      {"b.type_as(self.fc.weight)", ExitCode::Ok, "[2, 4]"},
      {"x.half().to(self.fc.weight.dtype)", ExitCode::Ok, "[2, 4]"},
      {"x.to('cpu', torch.float64)", ExitCode::ShapeError, f64.c_str()},
      {"x.to(torch.get_default_dtype())", ExitCode::Ok, "[2, 4]"},
      {"x if x.dtype == torch.float32 else b", ExitCode::Ok, "[2, 4]"},
      {"x if b.is_floating_point() else a", ExitCode::Ok, "[2, 4]"},
      {"torch.arange(8).expand(2, 8)", ExitCode::ShapeError, i64.c_str()},
      {"torch.arange(8.0).expand(2, 8)", ExitCode::Ok, "[2, 4]"},
      {"torch.zeros(2, 8, dtype=torch.long)", ExitCode::ShapeError, i64.c_str()},
      {"x + torch.arange(8)", ExitCode::Ok, "[2, 4]"},
      // division keeps integers with a rounding mode; reductions
      {"torch.div(a, 2, rounding_mode='floor')", ExitCode::ShapeError, i64.c_str()},
      {"torch.div(a, a, rounding_mode='trunc')", ExitCode::ShapeError, i64.c_str()},
      {"a.sum(1, keepdim=True).expand(2, 8)", ExitCode::ShapeError, i64.c_str()},
      {"a.mean(1, keepdim=True).expand(2, 8)", ExitCode::ShapeError,
       "mean(): could not infer output dtype. Input dtype must be either a floating point or "
       "complex dtype. Got: Long"},
      {"F.relu(b)", ExitCode::ShapeError, f64.c_str()},
      {"F.relu(b).float()", ExitCode::Ok, "[2, 4]"},
  };
  check_forward_cases(base, cases);
}

// A torch.nn module's call names its tensor `input` (every forward netshape follows); another
// keyword is PyTorch's TypeError where forward makes the call (PyTorch 1.13's messages).
TEST_CASE("interpreter: keyword arguments of a module's call") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n"
      "        self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU())\n"
      "        self.up = nn.ConvTranspose1d(2, 2, 3, stride=2)\n\n"
      "    def forward(self, x):\n        return BODY\n\n# input: [2, 8]\n";
  const ForwardCase cases[] = {
      {"self.fc(input=x)", ExitCode::Ok, "[2, 4]"},
      {"self.fc(input=self.body(input=x))", ExitCode::Ok, "[2, 4]"},
      {"self.fc(inp=x)", ExitCode::ShapeError,
       "Linear.forward() got an unexpected keyword argument 'inp'"},
      {"self.fc(x, input=x)", ExitCode::ShapeError,
       "Linear.forward() got multiple values for argument 'input'"},
      {"self.body(x, scale=2)", ExitCode::ShapeError,
       "Sequential.forward() got an unexpected keyword argument 'scale'"},
      {"self.fc(input=3)", ExitCode::UsageOrParse,
       "unsupported Python construct: non-tensor argument to a module call"},
      {"self.up(x.view(2, 2, 4), output_size=[2, 2, 10])", ExitCode::Ok, "[2, 2, 10]"},
  };
  check_forward_cases(base, cases);
}

// In-place ops write into their receiver: a result of a higher category does not fit
// (PyTorch: `result type Float can't be cast to the desired output type Long`), a lower one takes
// the receiver's type. A tensor returned twice is one output (the report names outputs).
TEST_CASE("interpreter: dtypes of in-place ops, and a tensor returned twice") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n"
      "    def forward(self, x):\n        BODY\n\n# input: [2, 8]\n";
  const ForwardCase cases[] = {
      {"h = x.long()\n        h += x\n        return self.fc(h.float())", ExitCode::ShapeError,
       "result type Float can't be cast to the desired output type Long"},
      {"h = x.int()\n        h -= 0.5\n        return self.fc(h.float())", ExitCode::ShapeError,
       "result type Float can't be cast to the desired output type Int"},
      {"h = x.long()\n        h.add_(x)\n        return self.fc(h.float())", ExitCode::ShapeError,
       "result type Float can't be cast to the desired output type Long"},
      {"h = x.long()\n        h += 1\n        return self.fc(h.float())", ExitCode::Ok, "[2, 4]"},
      {"h = x.half()\n        h *= x\n        return self.fc(h)", ExitCode::ShapeError,
       "mat1 and mat2 must have the same dtype"},
      {"h = x.clone()\n        h += x.double()\n        return self.fc(h)", ExitCode::Ok, "[2, 4]"},
  };
  check_forward_cases(base, cases);
  std::string text = base;
  text.replace(text.find("BODY"), 4, "h = self.fc(x)\n        return h, h.float(), h");
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.outputs.size() == 1);
  CHECK(m.analysis.outputs[0].first == "fc");
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 4]");
}

// A tensor compared with a number is a bool mask of its shape (`(x > 0).float()`, `x * (x > 0)`,
// `x.gt(0)`); the device idiom of tutorials reads as the CPU (nothing is moved, shapes do not
// change). PyTorch 1.13's outcomes, but for the last two: PyTorch raises for the chain and runs
// the comparison of two tensors, both of which netshape refuses (exit 2).
TEST_CASE("interpreter: comparison masks and torch.device") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\n"
      "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n\n"
      "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.fc = nn.Linear(8, 4)\n        self.dev = device\n\n"
      "    def forward(self, x):\n        x = x.to(device)\n        return self.fc(BODY)\n\n"
      "# input: [2, 8]\n";
  const ForwardCase cases[] = {
      {"x * (x > 0)", ExitCode::Ok, "[2, 4]"},
      {"x + (x > 0).float()", ExitCode::Ok, "[2, 4]"},
      {"x * x.gt(0)", ExitCode::Ok, "[2, 4]"},
      {"x * torch.eq(x, 0)", ExitCode::Ok, "[2, 4]"},
      {"x + torch.zeros(2, 8, device=self.dev)", ExitCode::Ok, "[2, 4]"},
      {"x.to(torch.device('cpu'))", ExitCode::Ok, "[2, 4]"},
      {"x > 0", ExitCode::ShapeError, "mat1 and mat2 must have the same dtype"},
      {"(x > 0).long() * 2", ExitCode::ShapeError, "mat1 and mat2 must have the same dtype"},
      {"x * (0 < x < 1)", ExitCode::UsageOrParse, "control flow that depends on a tensor's values"},
      {"x * (x > x)", ExitCode::UsageOrParse,
       "unsupported Python construct: comparing two tensors elementwise"},
  };
  check_forward_cases(base, cases);
}

// Elementwise math of one tensor (and numbers) keeps its shape, as arithmetic with a number does:
// no row of its own. PyTorch 1.13's outcomes, but for the last, which netshape refuses: `x.pow(x)`
// (a tensor exponent, which PyTorch runs).
TEST_CASE("interpreter: elementwise math of a tensor and numbers") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n"
      "    def forward(self, x):\n        a = x.long()\n        b = x.double()\n"
      "        return self.fc(BODY)\n\n# input: [2, 8]\n";
  std::string f64 = "mat1 and mat2 must have the same dtype";  // PyTorch's, for a batch
  std::string i64 = f64;
  const ForwardCase cases[] = {
      {"x.abs()", ExitCode::Ok, "[2, 4]"},
      {"torch.exp(x)", ExitCode::Ok, "[2, 4]"},
      {"x.pow(2) + torch.pow(x, 0.5)", ExitCode::Ok, "[2, 4]"},
      {"x ** 2 + 2 ** x", ExitCode::Ok, "[2, 4]"},
      {"x.clamp(0, 1) + torch.clamp(x, min=0) + x.clip(max=1.0)", ExitCode::Ok, "[2, 4]"},
      {"torch.sqrt(a)", ExitCode::Ok, "[2, 4]"},  // float-valued: int64 makes float32
      {"(x > 0).exp()", ExitCode::Ok, "[2, 4]"},
      {"-x + x.neg() + torch.square(x) + x.rsqrt() + x.sin()", ExitCode::Ok, "[2, 4]"},
      {"~(x > 0) * x", ExitCode::Ok, "[2, 4]"},
      {"b.exp()", ExitCode::ShapeError, f64.c_str()},
      {"-a", ExitCode::ShapeError, i64.c_str()},
      {"x.clamp()", ExitCode::ShapeError,
       "torch.clamp: At least one of 'min' or 'max' must not be None"},
      {"a.abs()", ExitCode::ShapeError, i64.c_str()},  // integer math stays int64
      {"a.clamp(0, 2.5)", ExitCode::Ok, "[2, 4]"},     // a float bound makes float32
      {"x.pow(x)", ExitCode::UsageOrParse,
       "unsupported Python construct: `pow` with a tensor argument"},
  };
  check_forward_cases(base, cases);
}

// A user module's forward binds its call's keywords by name (Python's errors for a wrong or a
// repeated one: they were dropped, and `self.block(input=x)` read as `self.block(x)`). PyTorch
// 1.13 raises the same TypeErrors.
TEST_CASE("interpreter: keywords of a user module's call bind to its forward") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\n\ndef helper(x, scale=1.0):\n    return x * "
      "scale\n\n\n"
      "class Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.fc = nn.Linear(8, 8)\n\n    def forward(self, x, mask=None):\n"
      "        return self.fc(x)\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.block = Block()\n        self.fc = nn.Linear(8, "
      "4)\n\n"
      "    def forward(self, x):\n        return self.fc(BODY)\n\n# input: [2, 8]\n";
  const ForwardCase cases[] = {
      {"self.block(x=x)", ExitCode::Ok, "[2, 4]"},
      {"self.block(x, mask=None)", ExitCode::Ok, "[2, 4]"},
      {"helper(x=x, scale=2.0)", ExitCode::Ok, "[2, 4]"},
      {"self.block(input=x)", ExitCode::UsageOrParse,
       "forward() got an unexpected keyword argument 'input'"},
      {"self.block(x, attn_mask=None)", ExitCode::UsageOrParse,
       "forward() got an unexpected keyword argument 'attn_mask'"},
      {"self.block(x, x=x)", ExitCode::UsageOrParse,
       "forward() got multiple values for argument 'x'"},
      {"helper(x, x=x)", ExitCode::UsageOrParse, "helper() got multiple values for argument 'x'"},
  };
  check_forward_cases(base, cases);
}

// Tensors made like another (`torch.zeros_like(x)`, `x.new_zeros(...)`, `torch.rand(x.shape)`),
// and the forms of elementwise math a review found refused or wrong: `torch.exp(input=x)`,
// `torch.pow(2, x)`, float16 math PyTorch 1.13's CPU lacks (refused, not guessed), a 0-dim
// nn.Parameter (CLIP's logit scale: one weight of no dims, a row of shape []).
TEST_CASE("interpreter: tensors made like another, and more forms of elementwise math") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n"
      "    def forward(self, x):\n        a = x.long()\n        h = x.half()\n"
      "        return self.fc(BODY)\n\n# input: [2, 8]\n";
  std::string i64 = "mat1 and mat2 must have the same dtype";
  const ForwardCase cases[] = {
      {"x + torch.zeros_like(x)", ExitCode::Ok, "[2, 4]"},
      {"torch.randn_like(x) * x + torch.full_like(x, 3.0)", ExitCode::Ok, "[2, 4]"},
      {"torch.ones_like(a)", ExitCode::ShapeError, i64.c_str()},
      {"torch.zeros_like(x, dtype=torch.long)", ExitCode::ShapeError, i64.c_str()},
      {"x.new_zeros(2, 8) + x.new_zeros((2, 8)) + x.new_full((2, 8), 1.5)", ExitCode::Ok, "[2, 4]"},
      {"a.new_ones(2, 8)", ExitCode::ShapeError, i64.c_str()},
      {"x.new_zeros(x.shape) + x * torch.rand(x.shape) + torch.randn(x.size())", ExitCode::Ok,
       "[2, 4]"},
      {"torch.zeros(x.shape, dtype=torch.long)", ExitCode::ShapeError, i64.c_str()},
      {"torch.exp(input=x) + torch.pow(2, x)", ExitCode::Ok, "[2, 4]"},
      {"h.abs().float()", ExitCode::Ok, "[2, 4]"},
      {"h.clamp(0, 1).float()", ExitCode::UsageOrParse,
       "unsupported Python construct: `clamp` of a torch.float16 tensor"},
  };
  check_forward_cases(base, cases);
  LoadedModel m = read(
      "import math\nimport torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n"
      "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n"
      "        self.scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))\n\n"
      "    def forward(self, x):\n        return self.fc(x) * self.scale\n\n# input: [2, 8]\n");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 4]");
  CHECK(m.analysis.totals.params == 37);  // PyTorch 1.13: the Linear's 36 and the scale's 1
  bool scale_row = false;
  for (const LayerInfo& l : m.analysis.layers)
    scale_row = scale_row || (l.name == "scale" && l.output && l.output->empty() && l.params == 1);
  CHECK(scale_row);
}

// std and var reduce as mean does (rows of their own); a hand-written LayerNorm reads through.
// PyTorch 1.13's outcomes.
TEST_CASE("interpreter: std and var") {
  const std::string base =
      "import torch\nimport torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(8, 4)\n\n"
      "    def forward(self, x):\n        a = x.long()\n        return BODY\n\n# input: [2, 8]\n";
  const ForwardCase cases[] = {
      {"x.std(1)", ExitCode::Ok, "[2]"},
      {"torch.var(x, dim=1, keepdim=True)", ExitCode::Ok, "[2, 1]"},
      {"x.var(unbiased=False)", ExitCode::Ok, "[]"},
      {"x.std(1, True, True)", ExitCode::Ok, "[2, 1]"},
      {"x.std(dim=(0, 1), correction=0)", ExitCode::Ok, "[]"},
      {"self.fc((x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True, "
       "unbiased=False) + 1e-5))",
       ExitCode::Ok, "[2, 4]"},
      {"x.std(2)", ExitCode::ShapeError,
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"a.std(1)", ExitCode::ShapeError,
       "std and var only support floating point and complex dtypes"},
  };
  check_forward_cases(base, cases);
}

// A class deriving from a torch layer (`class Conv3x3(nn.Conv2d)`, as torchvision's video
// Conv3DSimple): super().__init__(...) builds the layer; with no forward of its own the class is
// that layer, with one it may call super().forward(x); `self.kernel_size` and the other
// arguments read through. A wrong argument is PyTorch's error at super().__init__, with the use
// site that passed it and a fix there. PyTorch 1.13's numbers.
TEST_CASE("interpreter: subclasses of torch layers") {
  const std::string net = R"(import torch
import torch.nn as nn


class Conv3x3(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, padding=1, bias=False)


class Plain(nn.Conv2d):
    pass


class Halved(nn.Linear):
    def forward(self, x):
        return super().forward(x[:, : self.in_features]) * 0.5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Conv3x3(3, 8)
        self.b = Plain(8, 16, kernel_size=3, stride=2)
        self.c = Conv3x3(C_IN, 8)
        self.unused = Conv3x3(8, 8)
        self.fc = Halved(self.c.out_channels * 2, 4)

    def forward(self, x):
        x = self.c(self.b(self.a(x)))
        return self.fc(x.flatten(1))

# input: [1, 3, 9, 9]
)";
  auto with = [&](const char* c_in) {
    std::string text = net;
    text.replace(text.find("C_IN"), 4, c_in);
    return read(text);
  };
  LoadedModel m = with("16");
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 6);  // a, b, c, flatten, the narrow of x[:, :16], fc
  CHECK(m.analysis.layers[0].params == 8 * 3 * 9);
  CHECK(to_string(*m.analysis.layers[1].output) == "[1, 16, 4, 4]");
  CHECK(m.analysis.layers[1].params == 16 * 8 * 9 + 16);
  CHECK(m.analysis.layers[2].name == "c");
  CHECK(to_string(*m.analysis.layers[5].output) == "[1, 4]");
  CHECK(m.analysis.layers[5].op_name == "Linear");  // super().forward: a row inside module fc
  CHECK(m.analysis.layers[5].module == "fc");
  // model.parameters(): 216 + 1168 + 1152 + 576 (never applied) + 68.
  CHECK(m.analysis.totals.params == 3180);

  LoadedModel bad = with("4");
  CHECK(bad.exit == ExitCode::ShapeError);
  REQUIRE(!bad.diags.items().empty());
  const Diagnostic& d = bad.diags.items()[0];
  CHECK(d.message ==
        "Given groups=1, weight of size [8, 4, 3, 3], expected input[1, 16, 4, 4] to have 4 "
        "channels, but got 16 channels instead");
  CHECK(d.span.line == 7);  // super().__init__(cin, ...)
  REQUIRE(d.labels.size() == 1);
  CHECK(d.labels[0].span.line == 24);  // self.c = Conv3x3(4, 8)
  CHECK(d.help.find("use self.c = Conv3x3(16, 8)") != std::string::npos);
}

// F.layer_norm: with one nn.LayerNorm's weight and bias that layer's row (ConvNeXt's LayerNorm2d
// forward), with none a LayerNorm row without parameters; any other weight, or other dims than
// the layer's, refused rather than guessed. PyTorch 1.13's outcomes on an input [2, 3, 8].
TEST_CASE("interpreter: F.layer_norm") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        y = BODY
        return self.ln(self.fc(y))

# input: [2, 3, 8]
)";
  const ForwardCase cases[] = {
      {"F.layer_norm(x, (8,))", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(x, x.shape[1:], eps=1e-6)", ExitCode::Ok, "[2, 3, 8]"},
      {"torch.layer_norm(x, [8], self.ln.weight, self.ln.bias)", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(x, [4])", ExitCode::ShapeError,
       "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3, "
       "8]"},
      // another layer's weight is a tensor of its sizes: PyTorch's check of them
      {"F.layer_norm(x, (8,), self.fc.weight, self.fc.bias)", ExitCode::ShapeError,
       "Expected weight to be of same shape as normalized_shape, but got weight of shape [8, 8] "
       "and normalized_shape = [8]"},
      {"F.layer_norm(x, (8,), self.ln.bias, self.fc.bias)", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(x, (3, 8), self.ln.weight, self.ln.bias)", ExitCode::ShapeError,
       "Expected weight to be of same shape as normalized_shape, but got weight of shape [8] and "
       "normalized_shape = [3, 8]"},
      {"F.layer_norm(x, 8)", ExitCode::ShapeError,
       "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int"},
      {"F.layer_norm(x, self.ln.normalized_shape, self.ln.weight, self.ln.bias, self.ln.eps)",
       ExitCode::Ok, "[2, 3, 8]"},
      // the layer's weight with the sizes read from the input (netshape compared no sizes)
      {"F.layer_norm(x, x.shape[-1:], self.ln.weight, self.ln.bias)", ExitCode::Ok, "[2, 3, 8]"},
      {"F.layer_norm(x, x.shape[-2:], self.ln.weight, self.ln.bias)", ExitCode::ShapeError,
       "Expected weight to be of same shape as normalized_shape, but got weight of shape [8] and "
       "normalized_shape = [3, 8]"},
  };
  check_forward_cases(base, cases);
  // The LayerNorm applied through its weight is its row: its 16 parameters counted once.
  std::string text = base;
  text.replace(text.find("BODY"), 4, "F.layer_norm(x, (8,), self.ln.weight, self.ln.bias)");
  LoadedModel m = read(text);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.layers[0].name == "ln");
  CHECK(m.analysis.layers[0].params == 16);
  CHECK(m.analysis.totals.params == 16 + 72);
}

// A model file inside a package, read from inside its directory (`netshape check net.py` in
// pkg/models, as one reads torchvision/models/maxvit.py): `from ..ops.blocks import ...` goes up
// from there, and `from pkg.models._base import ...` (the package by its own name) is read
// before the file's classes are, so a class deriving from an imported base finds its methods.
TEST_CASE("interpreter: a package's files, read from inside the package") {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("netshape_pkg_" + std::to_string(getpid()));
  fs::create_directories(root / "pkg" / "models");
  fs::create_directories(root / "pkg" / "ops");
  auto write = [&](const fs::path& p, const std::string& text) { std::ofstream(root / p) << text; };
  write("pkg/__init__.py", "");
  write("pkg/models/__init__.py", "");
  write("pkg/ops/__init__.py", "");
  write("pkg/models/_base.py",
        "class WeightsBase:\n    @classmethod\n    def verify(cls, obj):\n        return obj\n");
  write("pkg/ops/blocks.py",
        "import torch.nn as nn\n\n\nclass ConvBN(nn.Sequential):\n"
        "    def __init__(self, cin, cout):\n"
        "        super().__init__(nn.Conv2d(cin, cout, 3, bias=False), nn.BatchNorm2d(cout))\n");
  write("pkg/models/net.py",
        "import torch.nn as nn\nfrom pkg.models._base import WeightsBase\n"
        "from ..ops.blocks import ConvBN\n\n\nclass NetWeights(WeightsBase):\n    DEFAULT = "
        "None\n\n\n"
        "def net(weights=None):\n    weights = NetWeights.verify(weights)\n"
        "    return nn.Sequential(ConvBN(3, 8), nn.ReLU())\n");
  fs::path before = fs::current_path();
  fs::current_path(root / "pkg" / "models");
  LoadOptions opts;
  opts.model = "net";
  opts.input_dims = "1,3,10,10";
  LoadedModel m = analyze_file("net.py", opts);
  fs::current_path(before);
  fs::remove_all(root);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[1, 8, 8, 8]");
  CHECK(m.analysis.totals.params == 8 * 3 * 9 + 16);
}

// A class with no __init__ of its own runs its base's; super() in that __init__ is the base's
// base (Python's __class__ cell), not the instance's class again, which ran the same __init__
// with no arguments ("missing required argument").
TEST_CASE("interpreter: super() in an __init__ a subclass inherits") {
  LoadedModel m = read(R"(import torch.nn as nn


class Base(nn.Module):
    def __init__(self, width, classes=10):
        super().__init__()
        self.body = nn.Conv2d(3, width, 3)
        self.fc = nn.Linear(width, classes)

    def forward(self, x):
        return self.fc(self.body(x).mean((2, 3)))


class Small(Base):
    pass


class Smaller(Small):
    pass


model = Smaller(8, classes=4)
# input: [2, 3, 16, 16]
)");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == (3 * 9 * 8 + 8) + (8 * 4 + 4));
  CHECK(test::out_shape(m) == "[2, 4]");
}

// Python's set methods, on sets of names (as a feature extractor checks the stages it taps).
TEST_CASE("interpreter: set methods") {
  struct Case {
    const char* expr;
    int64_t channels;  // Conv2d(3, channels, 1): what the expression computes
  };
  const Case cases[] = {
      {"8 if set(['a', 'b']).issubset(['b', 'c', 'a']) else 1", 8},
      {"8 if set(['a', 'd']).issubset(['b', 'c', 'a']) else 1", 1},
      {"8 if set(['a', 'b', 'c']).issuperset(('a', 'c')) else 1", 8},
      {"8 if set(['a']).isdisjoint(['b']) else 1", 8},
      {"len(set([1, 2]).union([2, 3, 4]))", 4},
      {"len(set([1, 2, 3]).intersection([2, 3, 4]))", 2},
      {"sorted(set([1, 2, 3]).difference([2]))[1]", 3},
      {"len(set([1, 2]).union([2, 3], [7, 8]))", 5},
      {"len(set([1, 2, 3]).difference([1], [2]))", 1},
      {"len(set([1, 2, 3]).intersection([1, 2], [2]))", 1},
      // set displays and comprehensions hold each element once (were lists: len 4, 10)
      {"len({1, 2, 2, 3})", 3},
      {"len({x % 3 for x in range(10)})", 3},
      {"sorted({5, 1, 5})[1]", 5},
  };
  for (const Case& c : cases) {
    CAPTURE(c.expr);
    LoadedModel m =
        read(std::string("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Conv2d(3, ") + c.expr +
             ", 1))\n# input: [1, 3, 4, 4]\n");
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == fmt::format("[1, {}, 4, 4]", c.channels));
  }
  LoadedModel odd = read(
      "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Conv2d(3, "
      "len(set([1]).symmetric_difference([2])), 1))\n# input: [1, 3, 4, 4]\n");
  CHECK(odd.exit == ExitCode::UsageOrParse);
  CHECK(first_error(odd) == "unsupported Python construct: set method `symmetric_difference`");
  LoadedModel ordered = read(
      "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Conv2d(3, [c for c in {64, 32}][0], "
      "1))\n# input: [1, 3, 4, 4]\n");
  CHECK(first_error(ordered) == "unsupported Python construct: the order of a set's elements");
}

// A Python expression as a conv's out_channels, and the channels its Python value gives.
struct ChannelCase {
  const char* expr;
  int64_t channels;
};

static LoadedModel conv_with_channels(const std::string& expr) {
  return read("import math\nimport torch.nn as nn\n\nmodel = nn.Sequential(nn.Conv2d(3, " + expr +
              ", 1))\n# input: [1, 3, 4, 4]\n");
}

static void check_channel_cases(std::span<const ChannelCase> cases) {
  for (const ChannelCase& c : cases) {
    CAPTURE(c.expr);
    LoadedModel m = conv_with_channels(c.expr);
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == fmt::format("[1, {}, 4, 4]", c.channels));
  }
}

// The str methods config code uses on names, each expected value Python 3's: split (a separator,
// whitespace runs, maxsplit: the rest keeps its trailing whitespace), replace (a count; the empty
// string matches between characters), strip/lstrip/rstrip, find/rfind/index/count,
// isdigit/isalpha; Python's errors.
TEST_CASE("interpreter: str methods on names") {
  const ChannelCase cases[] = {
      {"int('resnet_50'.split('_')[1])", 50},
      {"len(' a  b '.split())", 2},
      {"len('a,,b'.split(','))", 3},
      {"7 if 'a b  c '.split(' ') == ['a', 'b', '', 'c', ''] else 3", 7},
      {"len('  a b  c  '.split(maxsplit=1)[1])", 6},
      {"len('  a b  c  '.split(None, 0)[0])", 8},
      {"len(''.split(','))", 1},
      {"int('conv3x3'.split('x')[1])", 3},
      {"7 if 'a-b-c'.replace('-', '_', 1) == 'a_b-c' else 3", 7},
      {"len('ab'.replace('', '-'))", 5},
      {"7 if 'aaa'.replace('aa', 'b') == 'ba' else 3", 7},
      {"len('xxaxx'.strip('x'))", 1},
      {"len('  x '.lstrip()) + 10 * len('  x '.rstrip())", 32},
      {"'abcabc'.find('c') + 10 * 'abcabc'.rfind('c')", 52},
      {"'abcabc'.find('z') + 5", 4},
      {"'aaaa'.count('aa') + 10 * 'abc'.count('')", 42},
      {"7 if '123'.isdigit() and not ''.isdigit() and not 'ab1'.isalpha() else 3", 7},
  };
  check_channel_cases(cases);
  const std::pair<const char*, const char*> errors[] = {
      {"len('a'.split(''))", "empty separator"},
      {"'abc'.index('z')", "substring not found"},
      {"len('a'.split(1))", "must be str or None, not int"},
      {"len('abc'.replace('a', 2))", "replace() argument 2 must be str, not int"},
      {"len('abc'.strip(1))", "strip arg must be None or str"},
  };
  for (const auto& [expr, message] : errors) {
    LoadedModel m = conv_with_channels(expr);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) == message);
  }
  CHECK(first_error(conv_with_channels("'abcabc'.find('c', 3)")) ==
        "unsupported Python construct: str.find() with 2 arguments");
}

// Builtins with more than one argument compute Python's value (each expected value is Python 3's):
// math.log's base, sorted's reverse, round's digits (correctly rounded: 2.675 is 2.67499...),
// an int rounded to tens; what netshape does not follow (a key, int's base) is refused, never
// read as something else (math.log(8, 2) was ln 8, sorted(reverse=True) ascending).
TEST_CASE("interpreter: builtins' further arguments") {
  const ChannelCase cases[] = {
      {"int(math.log(8, 2))", 3},
      {"int(math.log(1000, 10))", 2},
      {"int(math.log10(1000))", 3},
      {"sorted((16, 64, 32), reverse=True)[0]", 64},
      {"sorted([3, 1, 2], reverse=False)[0]", 1},
      {"int(round(2.675, 2) * 1000) - 2600", 70},
      {"int(round(0.125, 2) * 1000)", 120},
      {"round(1250, -2) // 100", 12},
      {"round(1350, -2) // 100", 14},
      {"round(7, 1)", 7},
      {"round(2.5, ndigits=0) and 3", 3},
      {"pow(2, 3)", 8},
      {"int(pow(2, -1) * 8)", 4},
      {"divmod(17, 5)[0] + divmod(17, 5)[1]", 5},
      {"math.gcd(12, 18)", 6},
      {"math.prod([2, 3, 4])", 24},
      {"math.prod((2, 3), start=2)", 12},
      {"int(math.pow(2, 3))", 8},
      {"int(math.cos(0.5) * 1000)", 877},  // ArcFace's cos(m), sin(m): Python's 0.8775825...
      {"int(math.sin(0.5) * 1000)", 479},
      {"int(math.tan(math.pi / 4) * 1000 + 0.5)", 1000},
      {"list(enumerate([5, 6], start=3))[1][0]", 4},
      {"sum([1, 2], start=4)", 7},
  };
  check_channel_cases(cases);
  // found by comparing Python's values with netshape's on ~900 expressions: each was another
  // value before (a string slice was a list, `\n` two characters, dicts never equal)
  const ChannelCase more[] = {
      {"7 if 'resnet50'[:6] == 'resnet' else 3", 7},
      {"int('12345'[::-1][:2])", 54},
      {"7 if range(10)[2:5] == range(2, 5) else 3", 7},
      {"7 if range(10)[2:5] == [2, 3, 4] else 3", 3},
      {"range(10)[::-2][1]", 7},
      {"7 if {'a': 1, 'b': 2} == {'b': 2, 'a': 1} else 3", 7},
      {"7 if range(0) == range(5, 2) else 3", 7},
      {"7 if math.inf > 10 ** 9 else 3", 7},
      {"int(math.tau * 10)", 62},
      {"7 if 'abc'.startswith(('x', 'a')) else 3", 7},
      {"7 if 'abc'.startswith('b', 1) else 3", 7},
      {"7 if 'abc'.endswith('b', 0, 2) else 3", 7},
      {"7 if 'abc'.startswith('', 5) else 3", 3},
      {"[1, 2, 1].index(1, 1) + 5", 7},
      {"7 if [1] is [1] else 3", 3},
      {"len('\\n\\x41\\t\\'')", 4},
      {"len('a\\d')", 3},
      {"len(r'\\n')", 2},
      {"len(f'\\n{1}')", 2},
      {"len('\\012')", 1},
      {"7 if '%5s' % 'ab' == '   ab' else 3", 7},
      {"7 if '%-5d|' % 42 == '42   |' else 3", 7},
      {"7 if '%05d' % 42 == '00042' else 3", 7},
      {"7 if '%-8.3f|' % 3.14159 == '3.142   |' else 3", 7},
      {"int(1 // 0.1)", 9},  // CPython's float divmod (floor(1 / 0.1) is 10)
      {"int(1 % 0.1 * 100)", 9},
      {"7 if str(7.0 % -7) == '-0.0' else 3", 7},
      {"7 if str(True ^ True) == 'False' else 3", 7},
  };
  check_channel_cases(more);
  CHECK(first_error(conv_with_channels("len('\\u00e9')")) ==
        "unsupported Python construct: the characters of a string beyond ASCII");
  CHECK(first_error(conv_with_channels("7 if (1, 2) is (1, 2) else 3")) ==
        "unsupported Python construct: `is` between a tuple and a tuple");
  CHECK(first_error(conv_with_channels("len('-'.join([1, 2]))")) ==
        "sequence item 0: expected str instance, int found");
  CHECK(first_error(conv_with_channels("int(0.0 ** -1)")) ==
        "0.0 cannot be raised to a negative power");
  CHECK(first_error(conv_with_channels("len(str(2.0 ** 1024))")) ==
        "(34, 'Numerical result out of range')");
  CHECK(first_error(conv_with_channels("7 if '%x' % 255 == 'ff' else 3")) ==
        "unsupported Python construct: the `%x` conversion");
  // a variable changed outside the call is not kept: assigning one is refused (a counter bumped
  // twice was 2, Python's 3)
  LoadedModel counter = read(
      "import torch.nn as nn\n\nG = 1\n\n\ndef bump():\n    global G\n    G += 1\n    return "
      "G\n\n\n"
      "model = nn.Sequential(nn.Conv2d(3, bump() + bump(), 1))\n# input: [1, 3, 4, 4]\n");
  CHECK(first_error(counter) ==
        "unsupported Python construct: assigning `G` declared global or nonlocal");
  LoadedModel key = conv_with_channels("sorted([3, 1, 2], key=lambda v: -v)[0]");
  CHECK(key.exit == ExitCode::UsageOrParse);
  CHECK(first_error(key) == "unsupported Python construct: `key=` of `sorted()`");
  LoadedModel base = conv_with_channels("int('ff', 16)");
  CHECK(base.exit == ExitCode::UsageOrParse);
  CHECK(first_error(base) == "unsupported Python construct: this many arguments of `int()`");
  CHECK(first_error(conv_with_channels("int(math.log(0))")) == "math domain error");
  CHECK(first_error(conv_with_channels("int(math.sqrt(-1))")) == "math domain error");
}

// nn.ModuleList.insert and nn.Sequential.insert (PyTorch 1.13 has both): the module before the
// child at the index, the later children renumbered (Sequential takes -1 from the end); an
// index out of a Sequential is PyTorch's IndexError. nn.ParameterList is refused where it is
// built (it was "a module is not iterable" where forward read it).
TEST_CASE("interpreter: inserting into containers") {
  LoadedModel m = read(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.ml = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.ml.insert(0, nn.Linear(4, 8))
        self.seq = nn.Sequential(nn.Linear(8, 6), nn.ReLU())
        self.seq.insert(-1, nn.Linear(6, 3))

    def forward(self, x):
        for layer in self.ml:
            x = layer(x)
        return self.seq(x)


model = M()
# input: [2, 4]
)");
  REQUIRE(m.exit == ExitCode::Ok);
  std::string rows;
  for (const LayerInfo& l : m.analysis.layers) rows += std::string(l.name) + " ";
  CHECK(rows == "ml.0 ml.1 ml.2 seq.0 seq.1 seq.2 ");
  CHECK(std::string(op_info(m.analysis.layers[4].op).name) == "Linear");  // seq.1, inserted
  CHECK(test::out_shape(m) == "[2, 3]");
  CHECK(m.analysis.totals.params == (4 * 8 + 8) + 2 * (8 * 8 + 8) + (8 * 6 + 6) + (6 * 3 + 3));
  LoadedModel out_of_range = read(
      "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.seq = nn.Sequential(nn.ReLU())\n"
      "        self.seq.insert(3, nn.ReLU())\n\n    def forward(self, x):\n"
      "        return self.seq(x)\n\n\nmodel = M()\n# input: [2, 4]\n");
  CHECK(first_error(out_of_range) == "Index out of range: 3");
  CHECK(first_error(out_of_range) == "Index out of range: 3");
  LoadedModel params = read(
      "import torch\nimport torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.ps = "
      "nn.ParameterList([nn.Parameter(torch.zeros(4))])"
      "\n\n    def forward(self, x):\n        return x + self.ps[0]\n\n\nmodel = M()\n"
      "# input: [2, 4]\n");
  REQUIRE(params.exit == ExitCode::Ok);  // test_py_parameter_containers.cpp has the rest
  CHECK(test::out_shape(params) == "[2, 4]");
  CHECK(params.analysis.totals.params == 4);
}

// Subclasses of the containers: nn.ModuleDict's and nn.ModuleList's __init__ register the modules
// passed to super().__init__, iterating the object gives its keys or modules, and a subclass of
// nn.Sequential with no forward keeps the attributes its __init__ set.
TEST_CASE("interpreter: subclasses of nn.ModuleDict, nn.ModuleList and nn.Sequential") {
  LoadedModel m = read(R"(from collections import OrderedDict
import torch.nn as nn


class ConvAct(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())
        self.out_channels = cout


class Stages(nn.ModuleDict):
    def __init__(self, widths):
        stages = OrderedDict()
        for i in range(len(widths) - 1):
            stages[f"s{i}"] = ConvAct(widths[i], widths[i + 1])
        super().__init__(stages)

    def forward(self, x):
        for key in self:
            x = self[key](x)
        return x


class Heads(nn.ModuleList):
    def __init__(self, cin, outs):
        super().__init__([nn.Conv2d(cin, n, 1) for n in outs])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = Stages([3, 8, 16])
        last = self.stages["s1"].out_channels
        self.heads = Heads(last, [2, 5])

    def forward(self, x):
        x = self.stages(x)
        return tuple(head(x) for head in self.heads)

# input: [1, 3, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.outputs.size() == 2);
  CHECK(to_string(m.analysis.outputs[0].second) == "[1, 2, 8, 8]");
  CHECK(to_string(m.analysis.outputs[1].second) == "[1, 5, 8, 8]");
  CHECK(m.analysis.totals.params ==
        (3 * 9 * 8 + 8) + (8 * 9 * 16 + 16) + (16 * 2 + 2) + (16 * 5 + 5));
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"stages.s0.0", "stages.s0.1", "stages.s1.0",
                                          "stages.s1.1", "heads.0", "heads.1"});
  // PyTorch's add_module refuses a key that is no string.
  LoadedModel int_key = read(R"(import torch.nn as nn


class Stages(nn.ModuleDict):
    def __init__(self):
        super().__init__({1: nn.ReLU()})


model = nn.Sequential(Stages(), nn.Conv2d(3, 3, 1))
# input: [1, 3, 8, 8]
)");
  CHECK(int_key.exit == ExitCode::UsageOrParse);
  CHECK(first_error(int_key) == "module name should be a string. Got int");
}

// Members of an Enum are instances of its class; netshape refuses them rather than take the
// value assigned (Python's `Color.RED == 1` is False). torchvision's pretrained weights are such
// members (`ResNet50_Weights.IMAGENET1K_V1`, through WeightsEnum): the help says to pass None.
TEST_CASE("interpreter: an Enum member is refused, pretrained weights with a help") {
  const std::string base = R"(import enum
import torch.nn as nn


class Base(enum.Enum):
    pass


class NAME(Base):
    SMALL = 8


def build(width=NAME.SMALL):
    return nn.Conv2d(3, 8, 3)
)";
  LoadOptions o;
  o.model = "build";
  o.input_dims = "1,3,8,8";
  LoadedModel plain = read(test::replaced(test::replaced(base, "NAME", "Size"), "NAME", "Size"), o);
  CHECK(plain.exit == ExitCode::UsageOrParse);
  CHECK(first_error(plain) ==
        "unsupported Python construct: `Size.SMALL`, a member of the Enum Size");
  std::string weights = base;
  for (int i = 0; i < 2; ++i) weights = test::replaced(weights, "NAME", "Tiny_Weights");
  LoadedModel pretrained = read(weights, o);
  CHECK(pretrained.exit == ExitCode::UsageOrParse);
  REQUIRE(!pretrained.diags.items().empty());
  CHECK(pretrained.diags.items().front().help.find("without pretrained weights") !=
        std::string::npos);
  // Passed None, the member is never read.
  o.args = {{"width", "None"}};
  CHECK(read(weights, o).exit == ExitCode::Ok);
}

// Iterating an nn.ModuleDict gives its keys, `in` tests them; a module held in two places is one
// object there (`self.r in self.layers`, `is`). PyTorch 1.13: [2, 3] and [2, 6].
TEST_CASE("interpreter: nn.ModuleDict iterates its keys, a module held twice is one object") {
  LoadedModel keys = read(R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"a": nn.Linear(8, 3), "b": nn.Linear(8, 5)})

    def forward(self, x):
        outs = [self.heads[k](x) for k in self.heads]
        n = sum(1 for k in self.heads if k == "b") + ("a" in self.heads)
        return torch.cat(outs, 1)[:, :n + 1]

# input: [2, 8]
)");
  INFO(render_diagnostics(keys));
  CHECK(test::out_shape(keys) == "[2, 3]");
  LoadedModel same = read(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.r = nn.ReLU()
        self.l = nn.ModuleList([self.r, nn.Linear(8, 8)])
        self.s = nn.Sequential(nn.Tanh())
        n = (self.r in self.l) + 2 * (self.r in self.s) + 4 * (self.l[1] in self.l)
        self.fc = nn.Linear(8, n + 1 + (self.l[0] is self.r))

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  CHECK(test::out_shape(same) == "[2, 7]");
}

// isinstance as PyTorch 1.13's classes answer it: a subclass of a layer is that layer, layers
// are their private bases (_ConvNd, _BatchNorm, _NormBase), ReLU6 a Hardtanh, containers only
// their own kind, a layer's weight and an nn.Parameter are nn.Parameters. The 16 checks give
// 32623 in PyTorch (each bit one check).
TEST_CASE("interpreter: isinstance of layers, their bases, containers and parameters") {
  LoadedModel m = read(R"(import torch
import torch.nn as nn


class MyConv(nn.Conv2d):
    pass


class Seq(nn.Sequential):
    pass


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = MyConv(3, 3, 1)
        self.bn = nn.BatchNorm2d(3)
        self.l = nn.ModuleList([nn.ReLU()])
        self.d = nn.ModuleDict({"a": nn.ReLU()})
        self.s = nn.Sequential(nn.ReLU())
        self.q = Seq(nn.ReLU())
        self.r6 = nn.ReLU6()
        self.w = nn.Parameter(torch.zeros(3))
        checks = [isinstance(self.c, nn.Conv2d), isinstance(self.c, nn.modules.conv._ConvNd),
                  isinstance(self.bn, nn.modules.batchnorm._BatchNorm),
                  isinstance(self.bn, nn.modules.batchnorm._NormBase),
                  isinstance(self.l, nn.Sequential), isinstance(self.l, nn.ModuleList),
                  isinstance(self.d, nn.ModuleDict), isinstance(self.d, nn.Sequential),
                  isinstance(self.s, nn.Sequential), isinstance(self.q, nn.Sequential),
                  isinstance(self.q, Seq), isinstance(self.r6, nn.Hardtanh),
                  isinstance(self.c.weight, nn.Parameter), isinstance(self.w, nn.Parameter),
                  isinstance(self.c, MyConv), isinstance(self.bn, nn.InstanceNorm2d)]
        self.fc = nn.Linear(8, sum(b << i for i, b in enumerate(checks)))

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  CHECK(test::out_shape(m) == "[2, 32623]");
}

// A layer's attributes read as the layer stores its arguments (PyTorch 1.13's constructors): each
// comparison below is True in PyTorch, so the Linear has 255 outputs there.
TEST_CASE("interpreter: a layer's attributes are its arguments as PyTorch stores them") {
  LoadedModel m = read(R"(import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.p = nn.MaxPool2d(2)
        self.a = nn.AvgPool1d(3)
        self.z = nn.ZeroPad2d(1)
        self.u = nn.Upsample(scale_factor=2)
        self.c = nn.Conv2d(4, 4, [3, 3], padding=[1, 1])
        self.ln = nn.LayerNorm([8])
        n = (self.p.stride == 2) + 2 * (self.a.stride == (3,)) + 4 * (self.a.kernel_size == (3,))
        n += 8 * (self.z.padding == (1, 1, 1, 1)) + 16 * isinstance(self.u.scale_factor, float)
        n += 32 * (self.c.padding == (1, 1)) + 64 * (self.c.kernel_size == (3, 3))
        n += 128 * (self.ln.normalized_shape == (8,))
        self.fc = nn.Linear(8, n)

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 255]");
}

// hasattr(F, 'scaled_dot_product_attention'), as nanoGPT tests for flash attention: PyTorch 1.13
// has no such function, so its fallback branch runs (attention written out); names netshape
// knows are there; of any other it cannot tell, and says so.
TEST_CASE("interpreter: a layer PyTorch added after 1.13 is Python's AttributeError") {
  const std::pair<const char*, const char*> cases[] = {
      {"nn.RMSNorm(8)", "module 'torch.nn' has no attribute 'RMSNorm'"},
      {"nn.ZeroPad1d(2)", "module 'torch.nn' has no attribute 'ZeroPad1d'"},
      {"nn.ZeroPad3d(1)", "module 'torch.nn' has no attribute 'ZeroPad3d'"},
      {"nn.CircularPad1d(1)", "module 'torch.nn' has no attribute 'CircularPad1d'"},
  };
  for (const auto& c : cases) {
    std::string text =
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.norm = " +
        std::string(c.first) +
        "\n\n    def forward(self, x):\n        return self.norm(x)\n\n# input: "
        "[2, 8]\n";
    LoadedModel m = read(text);
    CAPTURE(text);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) == c.second);
    REQUIRE(m.diags.has_errors());
    CHECK(m.diags.items().front().span.line == 7);
  }
}

TEST_CASE("interpreter: hasattr of torch's namespaces answers as PyTorch 1.13") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4 if hasattr(TEST) else 2)

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)";
  const std::pair<const char*, const char*> cases[] = {
      {"F, 'scaled_dot_product_attention'", "[2, 2]"},
      {"torch.nn.functional, 'scaled_dot_product_attention'", "[2, 2]"},
      {"torch, 'compile'", "[2, 2]"},
      {"nn, 'RMSNorm'", "[2, 2]"},
      {"nn, 'ZeroPad1d'", "[2, 2]"},  // 2.1 added it; 1.13 has ZeroPad2d alone
      {"nn, 'ZeroPad2d'", "[2, 4]"},
      {"nn, 'CircularPad2d'", "[2, 2]"},
      {"nn, 'GELU'", "[2, 4]"},
      {"F, 'gelu'", "[2, 4]"},
      {"F, 'conv2d'", "[2, 4]"},
      {"torch, 'gelu'", "[2, 2]"},  // F.gelu, not torch's
      {"F, 'select'", "[2, 2]"},    // torch.select and the method
  };
  for (const auto& c : cases) {
    std::string text = base;
    text.replace(text.find("TEST"), 4, c.first);
    LoadedModel m = read(text);
    INFO(c.first << "\n" << render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == c.second);
  }
  // What netshape cannot judge is refused, never taken as absent: a name of torch it does not
  // know, any name of a tensor (netshape's tensors answer any), a module's Python internals, a
  // torch name the file's top level sets (a polyfill: top-level statements are not run).
  const std::pair<const char*, const char*> refused[] = {
      {"hasattr(torch, 'frobnicate')", "hasattr of `torch.frobnicate`: netshape cannot tell"},
      {"hasattr(torch.zeros(2), 'foo')", "hasattr() of `foo` on"},
      {"hasattr(nn.Sequential(nn.ReLU()), '__len__')", "hasattr() of `__len__` on a module"},
      // a layer's attribute PyTorch has but netshape does not read: its value is not known
      {"getattr(nn.BatchNorm1d(2), 'running_mean')", "attribute `running_mean` of nn.BatchNorm1d"},
      // an RNN's per-layer weights depend on its arguments (the table's has one layer)
      {"hasattr(nn.LSTM(2, 2, num_layers=2), 'weight_ih_l1')",
       "attribute `weight_ih_l1` of nn.LSTM"},
  };
  for (const auto& c : refused) {
    std::string text = base;
    text.replace(text.find("hasattr(TEST)"), 13, c.first);
    LoadedModel m = read(text);
    INFO(std::string(c.first));
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).find(c.second) != std::string::npos);
  }
  // A torch layer has its class's attributes (PyTorch 1.13's dir(),
  // src/frontend/torch_attributes.inc) and no other: Conv2d's output_padding and _conv_forward are
  // there, a made-up name is not.
  const std::pair<const char*, const char*> layer_answers[] = {
      {"hasattr(nn.Conv2d(1, 1, 1), 'output_padding')", "[2, 4]"},
      {"hasattr(nn.Conv2d(1, 1, 1), '_conv_forward')", "[2, 4]"},
      {"hasattr(nn.BatchNorm1d(2), 'num_batches_tracked')", "[2, 4]"},
      {"hasattr(nn.Linear(2, 2), 'running_mean')", "[2, 2]"},
      {"hasattr(nn.Linear(2, 2), 'dtype')", "[2, 2]"},
      {"hasattr(nn.ReLU(), 'register_forward_pre_hook')", "[2, 4]"},
      {"getattr(nn.ReLU(), '_is_cn', False)", "[2, 2]"},
  };
  for (const auto& c : layer_answers) {
    std::string text = base;
    text.replace(text.find("hasattr(TEST)"), 13, c.first);
    LoadedModel m = read(text);
    INFO(std::string(c.first) << "\n" << render_diagnostics(m));
    CHECK(test::out_shape(m) == c.second);
  }
  // nn.Module's own attributes, and getattr's default where PyTorch 1.13 has no such function
  std::string text = base;
  text.replace(text.find("4 if hasattr(TEST)"), 18,
               "4 if hasattr(self, 'training') and getattr(F, 'scaled_dot_product_attention', "
               "None) is None");
  CHECK(test::out_shape(read(text)) == "[2, 4]");
  std::string polyfill = "F.scaled_dot_product_attention = None\n\n" + base;
  polyfill.replace(polyfill.find("TEST"), 4, "F, 'scaled_dot_product_attention'");
  CHECK(first_error(read(polyfill)).find("which the model's files set") != std::string::npos);
}

// getattr(module, name, default) and hasattr on layers and containers that lack the attribute:
// PyTorch's AttributeError, so the default (torchvision's `getattr(b, "_is_cn", False)` over a
// backbone's blocks picks the stages to tap; a truthy value there tapped the wrong one).
TEST_CASE("interpreter: getattr with a default, hasattr on layers and containers") {
  LoadedModel m = read(R"(import torch.nn as nn


class Tagged(nn.Module):
    def __init__(self):
        super().__init__()
        self._is_cn = True
        self.c = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        return self.c(x)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        parts = [nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Sequential(nn.ReLU()), nn.ModuleList([nn.ReLU()]),
                 nn.ModuleDict({"a": nn.ReLU()}), Tagged()]
        tagged = [i for i, p in enumerate(parts) if getattr(p, "_is_cn", False)]
        n = 10 * len(tagged) + tagged[0] + sum(1 for p in parts if hasattr(p, "foo"))
        self.c = nn.Conv2d(3, n, 1)

    def forward(self, x):
        return self.c(x)

# input: [1, 3, 4, 4]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[1, 15, 4, 4]");
  LoadedModel direct = read(R"(import torch.nn as nn

seq = nn.Sequential(nn.ReLU())
model = nn.Sequential(nn.Conv2d(3, seq.out_channels, 1))
# input: [1, 3, 4, 4]
)");
  CHECK(direct.exit == ExitCode::UsageOrParse);
  CHECK(first_error(direct) == "'Sequential' object has no attribute 'out_channels'");
  // What a container does have: `training`, and a subclass's class attributes and methods.
  LoadedModel has = read(R"(import torch.nn as nn


class Head(nn.Sequential):
    expansion = 4

    def __init__(self, c):
        super().__init__(nn.Conv2d(c, c, 1))

    def width(self):
        return 5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = Head(3)
        self.body = nn.Sequential(nn.Conv2d(3, 3, 1))
        k = 2 if hasattr(self.body, "training") else 1
        k *= getattr(self.head, "expansion", 1) * self.head.width()
        self.fc = nn.Conv2d(3, k, 1)

    def forward(self, x):
        return self.fc(self.body(self.head(x)))

# input: [1, 3, 8, 8]
)");
  INFO(render_diagnostics(has));
  REQUIRE(has.exit == ExitCode::Ok);
  CHECK(test::out_shape(has) == "[1, 40, 8, 8]");
  // Class attributes defined in terms of each other: Python's NameError; an error, not a loop.
  LoadedModel cyclic = read(R"(import torch.nn as nn


class A:
    Y = B.X


class B:
    X = A.Y


model = nn.Sequential(nn.Conv2d(3, A.Y, 1))
# input: [1, 3, 8, 8]
)");
  CHECK(cyclic.exit == ExitCode::UsageOrParse);
  CHECK(first_error(cyclic).find("is defined in terms of itself") != std::string::npos);
}

// A block inside a Sequential model is named by its position, as named_modules() names it, so
// its layers are `0.c` and `1.c`: without the position they read `c` and `c_2`, which says "the
// layer c called twice" (shared weights), not two blocks. Leaf layers there stay unnamed rows.
TEST_CASE("interpreter: blocks of a Sequential model are named by their position") {
  LoadedModel m = read(R"(import torch.nn as nn


class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return self.c(x)


model = nn.Sequential(B(), B(), nn.Sequential(nn.Conv2d(4, 2, 1)), nn.ReLU())
# input: [1, 4, 8, 8]
)");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"0.c", "1.c", "2.0", "relu4"});
  CHECK(m.analysis.layers[1].params == 148);
  CHECK(m.analysis.totals.params == 148 * 2 + 10);
}

// A model file using a package as one uses torchvision's: a function its __init__.py re-exports
// from a submodule of the same name (`from .small import *`, as torchvision's `alexnet`), a
// submodule the __init__ imports from itself, files that star-import each other (searched once
// each), a class whose bases come from other files of the package (one base a mixin with no
// __init__), found as the package's file names them although the model's file has a class of
// that name, and an unused class whose base's file netshape cannot parse.
TEST_CASE("interpreter: a package used from outside, its names re-exported") {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("netshape_zoo_" + std::to_string(getpid()));
  fs::create_directories(root / "zoo");
  auto write = [&](const fs::path& p, const std::string& text) { std::ofstream(root / p) << text; };
  write("zoo/__init__.py", "from .cyc0 import *\nfrom .small import *\nfrom zoo import heads\n");
  for (int i = 0; i < 6; ++i) {
    std::string text;
    for (int j = 0; j < 6; ++j)
      if (j != i) text += fmt::format("from .cyc{} import *\n", j);
    write(fmt::format("zoo/cyc{}.py", i), text);
  }
  write("zoo/_base.py",
        "import torch.nn as nn\n\n\nclass Base(nn.Module):\n"
        "    def __init__(self, width):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, width, 3)\n\n"
        "    def forward(self, x):\n        return self.conv(x)\n");
  write("zoo/mixin.py", "class Mixin:\n    def describe(self):\n        return 'small'\n");
  write("zoo/_broken.py", "async def f(x):\n    return [i async for i in x]\n");
  write("zoo/small.py",
        "from ._base import Base\nfrom .mixin import Mixin\nfrom ._broken import Odd\n\n\n"
        "class Unused(Odd):\n    pass\n\n\n"
        "class Small(Mixin, Base):\n    pass\n\n\n"
        "def small(width=4):\n    return Small(width)\n");
  write("zoo/heads.py",
        "import torch.nn as nn\n\n\ndef head(c, n):\n    return nn.Conv2d(c, n, 1)\n");
  write("net.py",
        "import torch.nn as nn\nfrom zoo import small\nfrom zoo import heads\n\n\n"
        "class Base(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.other = nn.Conv2d(3, 99, 1)\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.body = small(width=6)\n        self.head = heads.head(6, 2)\n\n"
        "    def forward(self, x):\n        return self.head(self.body(x))\n");
  LoadOptions opts;
  opts.model = "Net";
  opts.input_dims = "1,3,10,10";
  LoadedModel m = analyze_file((root / "net.py").string(), opts);
  fs::remove_all(root);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[1, 2, 8, 8]");
  CHECK(m.analysis.totals.params == (3 * 9 * 6 + 6) + (6 * 2 + 2));
}

// A package's module-level value computed from a name the package re-exports from another
// submodule: looking that name up inside the first lookup searches the package's __init__.py
// again, for the other name (it was skipped as already searched, and the value failed).
TEST_CASE("interpreter: a re-exported value computed from another re-exported name") {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("netshape_pkg_" + std::to_string(getpid()));
  fs::create_directories(root / "pkg");
  auto write = [&](const fs::path& p, const std::string& text) { std::ofstream(root / p) << text; };
  write("pkg/__init__.py", "from .consts import *\nfrom .layers import *\n");
  write("pkg/consts.py", "WIDTH = 16\n");
  write("pkg/layers.py", "from pkg import WIDTH\n\nDOUBLE = WIDTH * 2\n");
  write("net.py",
        "import torch.nn as nn\nfrom pkg import DOUBLE\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(8, DOUBLE)\n\n"
        "    def forward(self, x):\n        return self.fc(x)\n");
  LoadOptions opts;
  opts.input_dims = "2,8";
  LoadedModel m = analyze_file((root / "net.py").string(), opts);
  fs::remove_all(root);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(m.analysis.outputs.at(0).second) == "[2, 32]");
  CHECK(m.analysis.totals.params == 8 * 32 + 32);
}

// A script that builds its model at the top level (and changes it in the lines after) is not
// run; the error says how to read the same lines as a factory.
TEST_CASE("interpreter: a torchvision model built by top-level code is named, with the fix") {
  LoadedModel m = read(R"(import torch.nn as nn
from torchvision import models

model = models.resnet18(weights=None)
model.fc = nn.Linear(512, 10)
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  REQUIRE(!m.diags.items().empty());
  const Diagnostic& d = m.diags.items().front();
  CHECK(d.message == "`model` is built by top-level code, which netshape does not run");
  CHECK(d.span.line == 4);
  CHECK(d.help ==
        "put its lines in a function, `def build():` ... `return model`, and pass --model build");
}

TEST_CASE("a tensor's size and shape in a string are the numbers Python prints") {
  std::string text = R"(import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"8": nn.Linear(8, 2), "16": nn.Linear(16, 3)})

    def forward(self, x):
        assert x.size(1) == 8, f"expected 8 features, got {x.size(1)} of {x.shape}"
        return self.heads[str(x.shape[1])](x)
)";
  LoadedModel fine = test::analyze_py(text, "heads.py", "4,8");
  CHECK(fine.exit == ExitCode::Ok);
  CHECK(test::out_shape(fine) == "[4, 2]");  // heads["8"]: str(8) is "8"
  LoadedModel wide = test::analyze_py(text, "heads.py", "4,16");
  CHECK(first_error(wide) ==
        "assertion failed: expected 8 features, got 16 of torch.Size([4, 16])");
  // a symbolic batch is shown by its symbol: a message says what the number would be
  LoadedModel batch = test::analyze_py(text, "heads.py", "B,16");
  CHECK(first_error(batch) ==
        "assertion failed: expected 8 features, got 16 of torch.Size([B, 16])");
}

TEST_CASE(
    "a layer of a ModuleDict or ModuleList forward does not apply is named, not its container") {
  std::string text = R"(import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 2), "box": nn.Linear(8, 4)})
        self.extra = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])
        self.unused = nn.ModuleList([nn.Linear(8, 1)])

    def forward(self, x):
        return self.heads["cls"](self.extra[0](x))

# input: [2, 8]
)";
  LoadedModel m = read(text);
  CHECK(m.exit == ExitCode::Ok);
  std::vector<std::string> warnings;
  for (const Diagnostic& d : m.diags.items())
    if (d.severity == Severity::Warning) warnings.push_back(d.message);
  REQUIRE(warnings.size() == 3);
  CHECK(warnings[0] ==
        "`heads.box` (Linear) is never applied in forward: its 36 parameters have no row but count "
        "in the total, as model.parameters() counts them");
  CHECK(warnings[1] ==
        "`extra.1` (Linear) is never applied in forward: its 72 parameters have no row but count "
        "in the total, as model.parameters() counts them");
  CHECK(warnings[2] ==
        "`unused` (ModuleList) is never applied in forward: its 9 parameters have no row but "
        "count in the total, as model.parameters() counts them");
  // 18 + 36 (heads) + 72 + 72 (extra) + 9 (unused)
  CHECK(m.analysis.totals.params == 207);
}

TEST_CASE("a string's repr in a message is Python's: its quotes and escapes") {
  std::string text = R"(import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        name = "it's"
        names = ['a\tb', 'x']
        assert x.size(1) == 3, f"{name!r} {names} {'q'!r}"
        return x
)";
  LoadedModel m = test::analyze_py(text, "repr.py", "2,4");
  // Python 3.11 prints: "it's" ['a\tb', 'x'] 'q'
  CHECK(first_error(m) == "assertion failed: \"it's\" ['a\\tb', 'x'] 'q'");
}

// torchvision 0.14's builders take the deprecated `pretrained=False` through their
// @handle_legacy_interface wrapper, which passes `weights=None` instead (a bool given as
// `weights=` too); `pretrained=True` would load weights: refused. The decorator here is the
// file's own (netshape knows it by name), so the test needs no torchvision.
TEST_CASE("interpreter: a builder's legacy pretrained=False is weights=None, as torchvision's") {
  const std::string base = R"(import torch.nn as nn


def handle_legacy_interface(**weights):
    def outer_wrapper(builder):
        return builder
    return outer_wrapper


@handle_legacy_interface(weights=("pretrained", "IMAGENET1K_V1"))
def tiny(*, weights=None, num_classes=10):
    assert weights is None, "weights must be None here"
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 6 * 6, num_classes))


model = tiny(CALL)

# input: [2, 3, 8, 8]
)";
  auto with = [&](const char* call) {
    std::string text = base;
    text.replace(text.find("CALL"), 4, call);
    return test::analyze_py(text, "legacy.py", "");
  };
  for (const char* call : {"pretrained=False, num_classes=4", "weights=False, num_classes=4",
                           "weights=None, num_classes=4", "num_classes=4"}) {
    LoadedModel m = with(call);
    INFO(call);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == "[2, 4]");
    CHECK(m.analysis.totals.params == (3 * 8 * 9 + 8) + (288 * 4 + 4));
  }
  LoadedModel pretrained = with("pretrained=True");
  CHECK(pretrained.exit == ExitCode::UsageOrParse);
  CHECK(first_error(pretrained) ==
        "unsupported Python construct: `pretrained=True`: torchvision's pretrained weights");
  CHECK(test::first_error(pretrained).help ==
        "netshape reads the architecture and never loads weights; pass pretrained=False (or "
        "weights=None)");
}

// A builder filling its defaults with `kwargs.setdefault(...)`, and a layer whose weight is
// `Parameter` imported from torch.nn.parameter (pygcn's GraphConvolution). Python 3.11 and
// PyTorch 1.13: output [2, 5, 6], 4 * 6 + 6 + (3 * 4 + 4) parameters.
TEST_CASE("interpreter: dict.setdefault, and Parameter from torch.nn.parameter") {
  LoadedModel m = test::analyze_py(R"(import torch
import torch.nn as nn
from torch.nn.parameter import Parameter


class GraphConv(nn.Module):
    def __init__(self, in_features, out_features, **kwargs):
        super().__init__()
        kwargs.setdefault("bias", True)
        assert kwargs.setdefault("bias", False) is True
        assert kwargs.setdefault("extra") is None and "extra" in kwargs
        self.weight = Parameter(torch.FloatTensor(in_features, out_features))
        self.bias = Parameter(torch.FloatTensor(out_features)) if kwargs["bias"] else None

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 4)
        self.gc = GraphConv(4, 6)

    def forward(self, x):
        return self.gc(self.proj(x))

# input: [2, 5, 3]
)",
                                   "gcn.py", "");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 5, 6]");
  CHECK(m.analysis.totals.params == 4 * 6 + 6 + (3 * 4 + 4));
}

// Messages that say the real reason: a PyTorch 2 function is 1.13's AttributeError (not an
// unknown op), an unknown op of int64 indices is unknown (not a dtype to cast away), a value
// returned beside the tensors (nested tuples flattened) is named as such.
TEST_CASE("interpreter: the refusal names the construct, not a later symptom") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 4, batch_first=True)

    def forward(self, x):
        BODY

# input: [1, 8, 6]
)";
  const ForwardCase cases[] = {
      {"return F.scaled_dot_product_attention(x, x, x)", ExitCode::UsageOrParse,
       "module 'torch.nn.functional' has no attribute 'scaled_dot_product_attention'"},
      {"return torch.kron(x, x.topk(2, dim=-1).indices)", ExitCode::UsageOrParse,
       "unsupported Python construct: unknown layer or op 'kron'"},
      {"out, hidden = self.lstm(x)\n        return out, (hidden, 3)", ExitCode::UsageOrParse,
       "forward must return tensors; item 3 of what it returns is 3"},
      {"out, hidden = self.lstm(x)\n        return out, hidden", ExitCode::Ok, "[1, 1, 4]"},
      {"out, hidden = self.lstm(x)\n        return out", ExitCode::Ok, "[1, 8, 4]"},
  };
  check_forward_cases(base, cases);
}

// DCGAN's style: the sizes unpacked from one tuple at the top of the file. They were reported as
// "not defined here". A tuple that also sets an attribute is not unpacked for one of its names.
TEST_CASE("interpreter: top-level constants unpacked from a tuple are defined") {
  const std::string model = R"(import torch.nn as nn
nz, ngf = 64, 8
[a, (b, *rest)] = 1, (2, 3, 4)
SIZES = (5, 6)
c, d = SIZES
class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Linear(nz, ngf)
        self.out = nn.Linear(ngf, a + b + sum(rest) + c + d)
    def forward(self, x):
        return self.out(self.up(x))
)";
  LoadedModel m = test::analyze_py(model, "dcgan_sizes.py", "2,64");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 21]");                       // 1 + 2 + 7 + 5 + 6
  CHECK(m.analysis.totals.params == 64 * 8 + 8 + 8 * 21 + 21);  // 520 + 189

  LoadedModel rebound = test::analyze_py(R"(import torch.nn as nn
k = 3
k, j = 5, 1
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv1d(2, 2, k)
    def forward(self, x):
        return self.c(x)
)",
                                         "rebound.py", "1,2,9");
  // bound twice: which binding the model reads depends on where it is built, which netshape,
  // running no top-level statement, does not know
  CHECK(rebound.exit == ExitCode::UsageOrParse);
  CHECK(first_error(rebound).find("`k` is changed by top-level code here") != std::string::npos);
}

// PointNet's T-Net: a 3x3 matrix per sample, plus the identity, as a buffer or made in forward;
// PyTorch 1.13 gives [2, 3, 3] for both, and its TypeError for torch.eye(3, None) in __init__.
TEST_CASE("interpreter: torch.eye in __init__ and in forward") {
  const std::string model = R"(import torch
import torch.nn as nn
class TNet(nn.Module):
    def __init__(self, k=3):
        super().__init__()
        self.k = k
        self.fc = nn.Linear(64, k * k)
        self.register_buffer("iden", torch.eye(k))
    def forward(self, x):
        m = self.fc(x).view(-1, self.k, self.k)
        return m + self.iden + torch.eye(self.k, device=x.device).repeat(x.size(0), 1, 1)
)";
  LoadedModel m = test::analyze_py(model, "tnet.py", "2,64");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 3, 3]");
  CHECK(m.analysis.totals.params == 64 * 9 + 9);  // the identity is a buffer

  LoadedModel bad = test::analyze_py(test::replaced(model, "torch.eye(k))", "torch.eye(k, None))"),
                                     "tnet.py", "2,64");
  CHECK(bad.exit == ExitCode::UsageOrParse);  // as PyTorch's other errors in __init__
  CHECK(first_error(bad) ==
        "eye() received an invalid combination of arguments - got (int, NoneType), but expected "
        "one of:");
}

// Beginners' mistakes PyTorch raises on, with PyTorch's (Python's) messages, exit 1: a reversing
// slice, chunks unpacked into more names than there are, and an LSTM's (output, (h_n, c_n))
// used as a tensor. On an input [2, 6, 5, 8] (chunk(4, 1) of 6 channels gives 3 of 2).
TEST_CASE(
    "interpreter: reversing slices, short unpacking and an LSTM's tuple are PyTorch's errors") {
  const std::string base = R"(import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 2)
    def forward(self, x):
        BODY
# input: [2, 6, 5, 8]
)";
  const ForwardCase cases[] = {
      {"return x[..., ::-1]", ExitCode::ShapeError, "step must be greater than zero"},
      {"a, b, c, d = x.chunk(4, 1)\n        return a", ExitCode::ShapeError,
       "not enough values to unpack (expected 4, got 3)"},
      {"a, b = x.chunk(3, 1)\n        return a", ExitCode::ShapeError,
       "too many values to unpack (expected 2)"},
      {"a, *b = x.chunk(3, 1)\n        return b[1]", ExitCode::Ok, "[2, 2, 5, 8]"},
      {"out = self.lstm(x[:, 0])\n        return self.fc(out[:, -1])", ExitCode::ShapeError,
       "tuple indices must be integers or slices, not tuple"},
      {"out = self.lstm(x[:, 0])\n        return self.fc(out)", ExitCode::UsageOrParse,
       "unsupported Python construct: a tuple of tensors as a module's input"},
      {"out, _ = self.lstm(x[:, 0])\n        return self.fc(out[:, -1])", ExitCode::Ok, "[2, 2]"},
  };
  check_forward_cases(base, cases);
  LoadedModel m = read(test::replaced(base, "BODY", "return x.flip(1)[:, :, ::-1]"));
  CHECK(m.diags.items().at(0).help ==
        "to reverse dim 2 use `.flip(2)`; a slice takes only positive steps");
}

// A packed sequence is refused with the fix (the padded batch), not "cannot find" the module.
TEST_CASE("interpreter: packed sequences are refused with the padded batch as the fix") {
  for (const char* call : {"nn.utils.rnn.pack_padded_sequence(x, [5, 3], batch_first=True)",
                           "pack_padded_sequence(x, [5, 3], batch_first=True)"}) {
    std::string text = std::string(R"(import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
    def forward(self, x):
        out, (h, c) = self.lstm()") +
                       call + R"()
        return h[-1]
# input: [2, 5, 8]
)";
    LoadedModel m = read(text);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) ==
          "unsupported Python construct: torch.nn.utils.rnn.pack_padded_sequence (packed "
          "sequences)");
  }
}

// EDSR's MeanShift: a 1x1 Conv2d whose weight and bias are set through `.data` in __init__ (from
// torch.eye and the legacy torch.Tensor of a tuple), then frozen. PyTorch 1.13: [1, 3, 8, 8],
// 12 params, none trainable. Other sizes would change the layer's parameters: refused.
TEST_CASE("interpreter: a layer's .data set in __init__ with its own sizes is an initialisation") {
  const std::string model = R"(import torch
import torch.nn as nn
class MeanShift(nn.Conv2d):
    def __init__(self, rgb_range, rgb_mean=(0.4488, 0.4371, 0.4040), rgb_std=(1.0, 1.0, 1.0), sign=-1):
        super(MeanShift, self).__init__(3, 3, kernel_size=1)
        std = torch.Tensor(rgb_std)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)
        self.bias.data = sign * rgb_range * torch.Tensor(rgb_mean) / std
        for p in self.parameters():
            p.requires_grad = False
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.sub_mean = MeanShift(255)
    def forward(self, x):
        return self.sub_mean(x)
)";
  LoadedModel m = test::analyze_py(model, "edsr.py", "1,3,8,8");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[1, 3, 8, 8]");
  CHECK(m.analysis.totals.params == 12);
  CHECK(m.analysis.totals.trainable_params == 0);

  LoadedModel bad = test::analyze_py(
      test::replaced(model, "torch.eye(3).view(3, 3, 1, 1) / std.view(3, 1, 1, 1)", "torch.eye(3)"),
      "edsr.py", "1,3,8,8");
  CHECK(bad.exit == ExitCode::UsageOrParse);
  CHECK(first_error(bad) ==
        "unsupported Python construct: setting the weight of sizes [3, 3, 1, 1] to `.data` of "
        "sizes [3, 3]");
}

// `self._modules.items()` (nn.Module's own dict): the help names named_children(), which reads.
TEST_CASE("interpreter: self._modules points at named_children()") {
  const std::string model = R"(import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage0 = nn.Linear(4, 4)
        self.stage1 = nn.Linear(4, 2)
    def forward(self, x):
        for name, m in self._modules.items():
            x = m(x)
        return x
# input: [2, 4]
)";
  LoadedModel m = read(model);
  REQUIRE(m.exit == ExitCode::UsageOrParse);
  CHECK(m.diags.items().at(0).help == "iterate `self.named_children()` instead");
  LoadedModel fixed = read(test::replaced(model, "self._modules.items()", "self.named_children()"));
  REQUIRE(fixed.exit == ExitCode::Ok);
  CHECK(test::out_shape(fixed) == "[2, 2]");
}

// `def forward(self, *inputs)`: the number of inputs is the caller's; the error says so.
TEST_CASE("interpreter: forward taking *inputs is refused with named parameters as the fix") {
  LoadedModel m = read(R"(import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
    def forward(self, *inputs):
        return self.fc(inputs[0] + inputs[1])
# input: [2, 4]
)");
  REQUIRE(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m) == "unsupported Python construct: forward takes its tensors as `*inputs`");
}

// `with` runs its body for the context managers that change no shape (the memory estimate reads
// the gradient mode: test_memory.cpp); any other manager is refused at its position, as is an
// enabled autocast, which changes the types ops compute in.
TEST_CASE("python: with blocks of no_grad, set_grad_enabled, nullcontext and autocast off") {
  const std::string base = R"(import contextlib

import torch
import torch.nn as nn
from torch.cuda.amp import autocast


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        BODY


# input: [2, 3, 10, 10]
)";
  const test::PyCase cases[] = {
      {"with torch.no_grad():\n            y = self.conv(x)\n        return y", "", "[2, 8, 8, 8]"},
      {"with torch.inference_mode(), torch.enable_grad():\n            return self.conv(x)", "",
       "[2, 8, 8, 8]"},
      {"with contextlib.nullcontext(x[:, :, 1:]) as (z):\n            return self.conv(z)", "",
       "[2, 8, 7, 8]"},
      {"with torch.set_grad_enabled(self.training):\n            x = self.conv(x)\n"
       "        return x.flatten(1)",
       "", "[2, 512]"},
      {"with autocast(enabled=False):\n            return self.conv(x.float())", "",
       "[2, 8, 8, 8]"},
      {"with autocast():\n            return self.conv(x)",
       "unsupported Python construct: autocast", ""},
      {"with self.conv:\n            return self.conv(x)",
       "unsupported Python construct: this context manager in `with`", ""},
      {"with torch.set_grad_enabled():\n            return self.conv(x)",
       "set_grad_enabled() missing 1 required positional argument: 'mode'", ""},
  };
  test::check_py_cases(base, "net.py", cases, ExitCode::UsageOrParse);
}

// A script's `with torch.no_grad(): out = model(torch.randn(...))` gives the input's shape, as
// the call outside a `with` does.
TEST_CASE("python: a script's call of the model inside a with block gives its input") {
  LoadedModel m = analyze_text(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(20, 4)

    def forward(self, x):
        return self.fc(x)


if __name__ == "__main__":
    model = Net()
    with torch.no_grad():
        out = model(torch.randn(6, 20))
    print(out.shape)
)",
                               "script.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[6, 4]");
}

// netshape computes a top-level name from its binding and runs no top-level statement, so a
// script that changes a name the model reads, or the model itself, after binding it is refused
// at the change (exit 2); PyTorch would build another model than the one netshape reads.
TEST_CASE("python: a top-level change of what the model reads is refused at the change") {
  const std::string base = R"(import torch
import torch.nn as nn

WIDTH = 8
CFG = {"hidden": 16}
SIZES = [4, 8]


class Net(nn.Module):
    scale = 1

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(SIZES[0], WIDTH * self.scale)
        self.fc = nn.Linear(WIDTH * self.scale, CFG["hidden"])

    def forward(self, x):
        return self.fc(self.body(x))


model = Net()
BODY
)";
  const std::pair<const char*, const char*> refused[] = {
      {"WIDTH = 2", "`WIDTH` is changed"},
      {"WIDTH += 8", "`WIDTH` is changed"},
      {"for _ in range(2):\n    WIDTH //= 2", "`WIDTH` is changed"},
      {"CFG[\"hidden\"] = 32", "`CFG` is changed"},
      {"CFG.update(hidden=4)", "`CFG` is changed"},
      {"SIZES.append(3)", "`SIZES` is changed"},
      {"Net.scale = 2", "`Net` is changed"},
      {"model.fc = nn.Linear(8, 2)", "`model` is changed"},
      {"model.add_module(\"extra\", nn.ReLU())", "`model` is changed"},
      {"for p in model.body.parameters():\n    p.requires_grad = False", "`model` is changed"},
      {"for name, p in model.named_parameters():\n    if name.startswith('fc'):\n"
       "        p.requires_grad_(False)",
       "`model` is changed"},
      {"model.requires_grad_(False)", "`model` is changed"},
      {"model = model.to(torch.float16)", "`model` is changed"},
      {"if __name__ == \"__main__\":\n    model.fc = nn.Identity()", "`model` is changed"},
      {"setattr(model, \"fc\", nn.Identity())", "`model` is changed"},
  };
  for (const auto& c : refused) {
    const char* body = c.first;  // (clang refuses a structured binding captured by INFO)
    const char* error = c.second;
    std::string text = base;
    text.replace(text.find("BODY"), 4, body);
    LoadedModel m = test::analyze_py(text, "script.py", "2,4");
    INFO(std::string(body) << "\n" << render_diagnostics(m));
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).find(std::string(error) + " by top-level code here") != std::string::npos);
  }
  // what a script does that changes nothing the model reads
  const char* kept[] = {
      "device = torch.device('cpu')\nmodel = model.to(device)\nmodel.eval()",
      "model.apply(lambda m: None)\nprint(model)\nfor p in model.parameters():\n    print(p.shape)",
      "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nout = model(torch.randn(2, 4))",
      "with torch.no_grad():\n    out = model(torch.randn(2, 4))\nprint(out.shape)",
      "import torch\nimport torch.nn as nn\nfrom torch import nn",
      ("for m in model.modules():\n    if isinstance(m, nn.Linear):\n        "
       "nn.init.kaiming_normal_(m.weight)\n        m.bias.data.zero_()"),
  };
  for (const char* body : kept) {
    std::string text = base;
    text.replace(text.find("BODY"), 4, body);
    LoadedModel m = test::analyze_py(text, "script.py", "2,4");
    INFO(std::string(body) << "\n" << render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(test::out_shape(m) == "[2, 16]");
    CHECK(m.analysis.totals.params == 4 * 8 + 8 + 8 * 16 + 16);
  }
}

// Attributes and methods are looked up in Python's method resolution order (C3): a mixin's
// `hidden` before the base's, the base's `depth` after the mixin (PyTorch 1.13: [2, 6], 126
// params), and in a diamond C's method before A's ([2, 6], 24 params). super() where that order
// sends the call elsewhere than the first base is refused at the call, with the class it means.
TEST_CASE("python: class attributes in the method resolution order, and super() in a diamond") {
  LoadedModel mixin = test::analyze_py(R"(import torch.nn as nn


class SizeMixin:
    hidden = 12

    def out_size(self):
        return self.hidden // 2


class Base(nn.Module):
    hidden = 8
    depth = 3


class Net(SizeMixin, Base):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(self.depth, self.hidden)
        self.out = nn.Linear(self.hidden, self.out_size())

    def forward(self, x):
        return self.out(self.fc(x))
)",
                                       "mixin.py", "2,3");
  INFO(render_diagnostics(mixin));
  REQUIRE(mixin.exit == ExitCode::Ok);
  CHECK(test::out_shape(mixin) == "[2, 6]");
  CHECK(mixin.analysis.totals.params == 126);

  const std::string diamond = R"(import torch.nn as nn


class A(nn.Module):
    def __init__(self):
        super().__init__()

    def width(self):
        return 4


class B(A):
    INIT


class C(A):
    def __init__(self):
        super().__init__()
        self.c = nn.Linear(3, 3)

    def width(self):
        return 6


class D(B, C):
    def __init__(self):
        SUPER
        self.fc = nn.Linear(3, self.width())

    def forward(self, x):
        return self.fc(x)


model = D()
)";
  std::string lookup = diamond;
  lookup.replace(lookup.find("INIT"), 4, "pass");
  lookup.replace(lookup.find("SUPER"), 5, "nn.Module.__init__(self)");
  LoadedModel m = test::analyze_py(lookup, "diamond.py", "2,3");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 6]");
  CHECK(m.analysis.totals.params == 24);

  std::string chained = diamond;
  chained.replace(
      chained.find("INIT"), 4,
      "def __init__(self):\n        super().__init__()\n        self.b = nn.Linear(3, 3)");
  chained.replace(chained.find("SUPER"), 5, "super().__init__()");
  LoadedModel refused = test::analyze_py(chained, "diamond.py", "2,3");
  CHECK(refused.exit == ExitCode::UsageOrParse);
  CHECK(first_error(refused) ==
        "unsupported Python construct: super().__init__() in B, which Python's method resolution "
        "order for D sends to C.__init__");
}

// `Base.__init__(self, ...)` names the class whose __init__ runs (the fix the refusal above
// offers): self is its first argument, not one of the class's (PyTorch 1.13: [2, 4], 260 params;
// the grandparent's named past an empty subclass, [2, 2, 12, 12], 470). nn.Module.__init__ run a
// second time forgets what came before it (PyTorch counts 10 params, not 30): refused.
TEST_CASE("python: an explicit Base.__init__(self, ...) runs the class it names") {
  LoadedModel named = test::analyze_py(R"(import torch.nn as nn


class Base(nn.Module):
    def __init__(self, ch):
        nn.Module.__init__(self)
        self.conv = nn.Conv2d(3, ch, 3)


class Net(Base):
    def __init__(self):
        Base.__init__(self, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.conv(x).mean((2, 3))
        return self.fc(x)
)",
                                       "named.py", "2,3,16,16");
  INFO(render_diagnostics(named));
  REQUIRE(named.exit == ExitCode::Ok);
  CHECK(test::out_shape(named) == "[2, 4]");
  CHECK(named.analysis.totals.params == 260);

  LoadedModel grand = test::analyze_py(R"(import torch.nn as nn


class Base(nn.Module):
    def __init__(self, ch, k=3):
        super(Base, self).__init__()
        self.conv = nn.Conv2d(3, ch, k)

    def forward(self, x):
        return self.conv(x)


class Mid(Base):
    pass


class Net(Mid):
    def __init__(self):
        Base.__init__(self, 6, k=5)
        self.head = nn.Conv2d(6, 2, 1)

    def forward(self, x):
        return self.head(Base.forward(self, x))
)",
                                       "grand.py", "2,3,16,16");
  INFO(render_diagnostics(grand));
  REQUIRE(grand.exit == ExitCode::Ok);
  CHECK(test::out_shape(grand) == "[2, 2, 12, 12]");
  CHECK(grand.analysis.totals.params == 470);

  const std::string twice = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        nn.Module.__init__(self)
        self.a = nn.Linear(4, 4)
        nn.Module.__init__(self)
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(x)
)";
  LoadedModel refused = test::analyze_py(twice, "twice.py", "2,4");
  CHECK(refused.exit == ExitCode::UsageOrParse);
  CHECK(first_error(refused) ==
        "unsupported Python construct: nn.Module.__init__() a second time, which forgets the "
        "submodules and parameters set before it");
  std::string forgot_self = twice;
  forgot_self.replace(forgot_self.find("nn.Module.__init__(self)\n        self.b"), 24,
                      "nn.Module.__init__()");
  LoadedModel missing = test::analyze_py(forgot_self, "missing.py", "2,4");
  CHECK(missing.exit == ExitCode::UsageOrParse);
  CHECK(first_error(missing) == "Module.__init__() missing 1 required positional argument: 'self'");
}

// A class or function defined twice at the top level: which one the model uses depends on where
// it is built, which netshape does not follow (a notebook's fixed cell after the first).
TEST_CASE("python: a class or helper defined twice at the top level is refused at the second") {
  const std::string base = R"(import torch.nn as nn


def block(c):
    return nn.Linear(c, c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = block(4)

    def forward(self, x):
        return self.fc(x)


model = Net()
AGAIN
)";
  const std::pair<const char*, const char*> cases[] = {
      {"def block(c):\n    return nn.Sequential(nn.Linear(c, c), nn.ReLU())",
       "`block` is defined a second time here, at the top level: which definition the model "
       "calls depends on where it is built, which netshape does not follow"},
      {"class Net(nn.Module):\n    pass",
       "`Net` is defined a second time here, at the top level: which definition the model is "
       "built from depends on where it is built, which netshape does not follow"},
  };
  for (const auto& c : cases) {
    const char* again = c.first;  // (clang refuses a structured binding captured by INFO)
    const char* message = c.second;
    std::string text = base;
    text.replace(text.find("AGAIN"), 5, again);
    LoadedModel m = test::analyze_py(text, "notebook.py", "2,4");
    INFO(again);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m) == message);
  }
}

// ModuleList.pop(key) and Sequential.pop(key) of PyTorch 1.13 take the child out and renumber
// the rest (here [2, 8], 72 params); a method of the model's parts that netshape cannot compute
// is an error even when its result is unused, since it may change them.
TEST_CASE("python: pop() of a ModuleList or Sequential takes the child out") {
  const std::string base = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 4)])
        self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Tanh())
        BODY

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.body(x)
)";
  std::string text = base;
  text.replace(text.find("BODY"), 4, "head = self.layers.pop(-1)\n        self.body.pop(1)");
  LoadedModel m = test::analyze_py(text, "pop.py", "2,8");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 8]");
  CHECK(m.analysis.totals.params == 72 + 72);
  REQUIRE(m.analysis.layers.size() == 3);
  CHECK(m.analysis.layers[2].name == "body.1");  // the Tanh, renumbered
  CHECK(op_info(m.analysis.layers[2].op).name == std::string_view("Tanh"));

  std::string unknown = base;
  unknown.replace(unknown.find("BODY"), 4, "last = self.layers.remove(0)");
  LoadedModel r = test::analyze_py(unknown, "pop.py", "2,8");
  CHECK(r.exit == ExitCode::UsageOrParse);
}

// A slice of an nn.Sequential keeps its children's keys (PyTorch 1.13's named_modules():
// tail.2, tail.3), a slice of an nn.ModuleList renumbers them (odd.0, odd.1); indexing the slice
// is by position. PyTorch: [2, 6], [2, 6], [2, 5]; 149 params.
TEST_CASE("python: slices of a Sequential keep the keys, of a ModuleList renumber them") {
  LoadedModel m = test::analyze_py(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        feats = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.ReLU())
        self.tail = feats[2:]
        self.head = feats[:2]
        self.odd = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 5), nn.Linear(4, 6)])[1:]

    def forward(self, x):
        h = self.head(x)
        return self.tail[0](h), self.tail(h), self.odd[0](x)
)",
                                   "slices.py", "2,4");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names ==
        std::vector<std::string>{"head.0", "head.1", "tail.2", "tail.2_2", "tail.3", "odd.0"});
  REQUIRE(m.analysis.outputs.size() == 3);
  CHECK(m.analysis.outputs[2].second == Shape{fixed(2), fixed(5)});
  CHECK(m.analysis.totals.params == 149);
}

// A slice of a registered nn.Sequential applied in forward (`self.body[:2](x)`) is no
// unregistered module: its layers are body's, counted by model.parameters() (PyTorch 1.13:
// [2, 4], 30 params), and the one forward leaves out is named in the warning, not body.
TEST_CASE("python: a slice of a registered Sequential applied in forward") {
  LoadedModel m = test::analyze_py(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.body[:2](x)
)",
                                   "slice_call.py", "2,4");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[2, 4]");
  CHECK(m.analysis.totals.params == 30);
  std::vector<std::string> warned;
  for (const Diagnostic& d : m.diags.items())
    if (d.code == "unapplied-module")
      warned.push_back(d.message.substr(0, d.message.find(')') + 1));
  CHECK(warned == std::vector<std::string>{"`body.2` (Linear)"});
}

TEST_CASE("python: a string .to() takes is a device as c10 parses it, else PyTorch's error") {
  const std::string model = R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        # input x: [2, 4]
        return self.fc(BODY)
)";
  const char* kTypes =
      "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, ort, "
      "xla, lazy, vulkan, mps, meta, hpu, privateuseone device type at start of device string: ";
  const netshape::test::PyCase cases[] = {
      {"x.to('cpu')", "", "[2, 3]"},
      {"x.to('cuda:0')", "", "[2, 3]"},  // netshape analyses as if the device were there
      {"x.to(device='cpu:1')", "", "[2, 3]"},
      // torch.finfo(torch.float64).dtype is the string 'float64' in 1.13, no dtype
      {"x.to(torch.finfo(torch.float64).dtype)", "Invalid device string: 'float64'", ""},
      {"x.to('cuda:01')", "Invalid device string: 'cuda:01'", ""},
      {"x.to('')", "Device string must not be empty", ""},
  };
  netshape::test::check_py_cases(model, "m.py", cases);
  LoadedModel named =
      analyze_text(netshape::test::replaced(model, "BODY", "x.to('double')"), "m.py", {});
  CHECK(named.exit == ExitCode::ShapeError);
  CHECK(first_error(named) == std::string(kTypes) + "double");
  LoadedModel device = analyze_text(
      netshape::test::replaced(model, "BODY", "x.to(torch.device('gpu'))"), "m.py", {});
  CHECK(device.exit == ExitCode::UsageOrParse);
  CHECK(first_error(device) == std::string(kTypes) + "gpu");
}

// torchvision's maxvit builds its blocks in a `typing.OrderedDict()` filled item by item (a key
// set again keeps its place, as in any dict) and makes a parameter with
// `nn.parameter.Parameter`: PyTorch 1.13 gives layers.norm, layers.conv, 312 params, [2, 8, 6, 6].
TEST_CASE("python: typing.OrderedDict filled item by item, and nn.parameter.Parameter") {
  LoadedModel m = test::analyze_py(R"(from typing import OrderedDict

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        layers = OrderedDict()
        layers["norm"] = nn.BatchNorm2d(c)
        layers["conv"] = nn.Conv2d(c, 2 * c, 3, padding=1)
        layers["norm"] = nn.GroupNorm(2, c)
        self.layers = nn.Sequential(layers)
        self.scale = nn.parameter.Parameter(torch.ones(2 * c, 1, 1))

    def forward(self, x):
        return self.layers(x) * self.scale
)",
                                   "block.py", "2,4,6,6");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const LayerInfo& l : m.analysis.layers) names.emplace_back(l.name);
  CHECK(names == std::vector<std::string>{"layers.norm", "layers.conv", "scale", "mul4"});
  CHECK(std::string(op_info(m.analysis.layers[0].op).name) == "GroupNorm");
  CHECK(m.analysis.outputs[0].second == Shape{fixed(2), fixed(8), fixed(6), fixed(6)});
  CHECK(m.analysis.totals.params == 312);
  // `import typing` and `typing.OrderedDict()`: the module typing, as Python binds it
  std::string text(m.source.text());
  text = test::replaced(test::replaced(text, "from typing import OrderedDict", "import typing"),
                        "layers = OrderedDict()", "layers = typing.OrderedDict()");
  LoadedModel module = test::analyze_py(text, "block.py", "2,4,6,6");
  INFO(render_diagnostics(module));
  CHECK(module.exit == ExitCode::Ok);
  CHECK(module.analysis.totals.params == 312);
}

// Module.add_module's checks of a child's name, for nn.Sequential of an OrderedDict and for
// nn.ModuleDict, as PyTorch 1.13 raises them; a plain dict is no OrderedDict to nn.Sequential,
// and a key given twice to nn.ModuleDict keeps its place with the later module (torch: 45 params,
// outputs [2, 3] and [2, 2]).
TEST_CASE("python: names of an OrderedDict's or ModuleDict's modules, as add_module checks them") {
  const std::string text = R"(from collections import OrderedDict

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = OrderedDict()
        layers[KEY] = nn.Linear(8, 8)
        self.body = nn.Sequential(layers)
        self.heads = nn.ModuleDict([("a", nn.Linear(8, 4)), ("b", nn.Linear(8, 2)), ("a", nn.Linear(8, 3))])

    def forward(self, x):
        x = self.body(x)
        return [h(x) for h in self.heads.values()]
)";
  LoadedModel ok = test::analyze_py(test::replaced(text, "KEY", "'conv'"), "heads.py", "2,8");
  INFO(render_diagnostics(ok));
  REQUIRE(ok.exit == ExitCode::Ok);
  CHECK(ok.analysis.totals.params == 72 + 45);
  REQUIRE(ok.analysis.outputs.size() == 2);
  CHECK(ok.analysis.outputs[0].second == Shape{fixed(2), fixed(3)});
  CHECK(ok.analysis.outputs[1].second == Shape{fixed(2), fixed(2)});
  struct Case {
    const char* from;
    const char* to;
    const char* error;
  };
  const Case cases[] = {
      {"KEY", "'conv.0'", "11:35: module name can't contain \".\", got: conv.0"},
      {"KEY", "''", "11:35: module name can't be empty string \"\""},
      {"KEY", "0", "11:35: module name should be a string. Got int"},
      {"layers = OrderedDict()", "layers = {}", "11:35: dict is not a Module subclass"},
      {"(\"b\", nn.Linear(8, 2))", "(\"b.c\", nn.Linear(8, 2))",
       "12:22: module name can't contain \".\", got: b.c"},
  };
  for (const Case& c : cases) {
    std::string changed = test::replaced(text, c.from, c.to);
    if (std::string(c.from) != "KEY") changed = test::replaced(changed, "KEY", "'conv'");
    LoadedModel m = test::analyze_py(changed, "heads.py", "2,8");
    INFO(c.to);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(test::first_error_at(m) == c.error);
  }
}

TEST_CASE("python: nn.Module.__setattr__ and add_module refuse what PyTorch refuses") {
  // PyTorch 1.13 raises each of these building or calling Net() (each exited 0 with a count):
  // a registered submodule takes only a module or None, a parameter only an nn.Parameter or
  // None; add_module checks the module, then its name; a module whose __init__ never ran
  // nn.Module's cannot be called. Sequential.append is add_module(str(len(self)), m): a child
  // already named "2" is replaced (99 params, [2, 3]).
  const std::string base = R"(from collections import OrderedDict

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.w = nn.Parameter(torch.zeros(3))
        self.hidden = 4
        BODY

    def forward(self, x):
        return self.fc(x)

# input: [2, 8]
)";
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {"self.fc = 2",
       "13:9: cannot assign 'int' as child module 'fc' (torch.nn.Module or None "
       "expected)"},
      {"self.fc = [nn.Linear(8, 4)]",
       "13:9: cannot assign 'list' as child module 'fc' (torch.nn.Module or None expected)"},
      {"self.fc = torch.zeros(3)",
       "13:9: cannot assign 'torch.FloatTensor' as child module 'fc' "
       "(torch.nn.Module or None expected)"},
      {"self.w = 1.5",
       "13:9: cannot assign 'float' as parameter 'w' (torch.nn.Parameter or None expected)"},
      {"self.add_module('a.b', nn.Linear(3, 3))",
       "13:25: module name can't contain \".\", got: a.b"},
      {"self.add_module('', nn.Linear(3, 3))", "13:25: module name can't be empty string \"\""},
      {"self.add_module('hidden', nn.Linear(3, 3))", "13:25: attribute 'hidden' already exists"},
      {"self.register_module('training', nn.Linear(3, 3))",
       "13:30: attribute 'training' already exists"},
      {"self.add_module('x', 3)", "13:30: int is not a Module subclass"},
  };
  for (const Case& c : cases) {
    LoadedModel m = read(test::replaced(base, "BODY", c.body));
    INFO(c.body);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(test::first_error_at(m) == c.error);
  }
  for (const char* fine : {"self.fc = None", "self.fc = nn.Linear(8, 4)", "self.hidden = 5",
                           "self.add_module('fc', nn.Linear(8, 4))", "self.w = None"}) {
    LoadedModel m = read(test::replaced(base, "BODY", fine));
    INFO(fine);
    INFO(render_diagnostics(m));
    CHECK(m.exit ==
          (std::string(fine) == "self.fc = None" ? ExitCode::UsageOrParse : ExitCode::Ok));
  }

  LoadedModel appended = read(R"(from collections import OrderedDict

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(OrderedDict([("0", nn.Linear(8, 8)), ("2", nn.Linear(8, 100))]))
        self.net.append(nn.Linear(8, 3))

    def forward(self, x):
        return self.net(x)

# input: [2, 8]
)");
  INFO(render_diagnostics(appended));
  REQUIRE(appended.exit == ExitCode::Ok);
  CHECK(appended.analysis.totals.params == 99);
  CHECK(test::out_shape(appended) == "[2, 3]");

  LoadedModel no_init = read(R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        self.k = 3

    def forward(self, x):
        return x * self.k

# input: [2, 8]
)");
  CHECK(no_init.exit == ExitCode::UsageOrParse);
  CHECK(first_error(no_init) == "'Net' object has no attribute '_backward_hooks'");
}

TEST_CASE("python: a layer's forward arguments set after it is built, as fine-tuning code does") {
  // PyTorch 1.13: 11,146 params, [2, 10]; the pool keeps its built stride 2 when its kernel
  // becomes 3 ([2, 16, 15, 15]); the deepcopy keeps the dilation; stride reads back as set.
  const std::string text = R"(import copy

import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.layer = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32))
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.pool(self.stem(x))
        return self.gap(self.layer(x)).flatten(1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Backbone()
        # small inputs: keep the stem's resolution, dilate the last stage
        self.body.stem[0].stride = (1, 1)
        self.body.pool.kernel_size = 3
        self.body.layer[0].stride = 1
        self.body.layer[0].dilation, self.body.layer[0].padding = (2, 2), (2, 2)
        self.body.gap.output_size = (2, 2)
        self.extra = copy.deepcopy(self.body.layer)
        self.head = nn.Linear(32 * 4, 10 * self.body.layer[0].stride)

    def forward(self, x):
        return self.head(self.body(x))

# input: [2, 3, 32, 32]
)";
  LoadedModel m = read(text);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 11146);
  CHECK(test::out_shape(m) == "[2, 10]");
  REQUIRE(m.analysis.layers.size() == 8);
  CHECK(to_string(*m.analysis.layers[0].output) == "[2, 16, 32, 32]");
  CHECK(to_string(*m.analysis.layers[2].output) == "[2, 16, 15, 15]");
  CHECK(to_string(*m.analysis.layers[3].output) == "[2, 32, 15, 15]");
  CHECK(to_string(*m.analysis.layers[5].output) == "[2, 32, 2, 2]");
  // set twice: the stride stays the built one
  LoadedModel twice = read(test::replaced(text, "self.body.pool.kernel_size = 3",
                                          "self.body.pool.kernel_size = 5\n"
                                          "        self.body.pool.kernel_size = 3"));
  REQUIRE(twice.exit == ExitCode::Ok);
  CHECK(to_string(*twice.analysis.layers[2].output) == "[2, 16, 15, 15]");
  // what sizes a weight, or what __init__ derived its padding from, stays refused
  for (const char* change :
       {"self.body.stem[0].in_channels = 4", "self.body.layer[1].num_features = 8"}) {
    LoadedModel refused = read(test::replaced(text, "self.body.gap.output_size = (2, 2)", change));
    INFO(change);
    CHECK(refused.exit == ExitCode::UsageOrParse);
    CHECK(first_error(refused).find("after it is built") != std::string::npos);
  }
  LoadedModel reflect = read(
      test::replaced(test::replaced(text, "stride=2, padding=1), nn.ReLU()",
                                    "stride=2, padding=1, padding_mode='reflect'), nn.ReLU()"),
                     "self.body.stem[0].stride = (1, 1)", "self.body.stem[0].padding = (2, 2)"));
  CHECK(reflect.exit == ExitCode::UsageOrParse);
}

TEST_CASE("python: ModuleDict.update from a dict, another ModuleDict and pairs") {
  // PyTorch 1.13: a key given again keeps its place with the later module (cls: Linear(8, 3),
  // box: Linear(8, 5)); new keys go at the end. 153 params, [2, 17].
  LoadedModel m = read(R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 10), "box": nn.Linear(8, 4)})
        self.heads.update({"cls": nn.Linear(8, 3), "seg": nn.Linear(8, 2)})
        extra = nn.ModuleDict([("depth", nn.Linear(8, 1)), ("box", nn.Linear(8, 5))])
        self.heads.update(extra)
        self.heads.update([("edge", nn.Linear(8, 6))])

    def forward(self, x):
        return torch.cat([h(x) for h in self.heads.values()], dim=1)

# input: [2, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 153);
  CHECK(test::out_shape(m) == "[2, 17]");
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(std::string(l.name) + " " + to_string(*l.output));
  CHECK(rows == std::vector<std::string>{"heads.cls [2, 3]", "heads.box [2, 5]", "heads.seg [2, 2]",
                                         "heads.depth [2, 1]", "heads.edge [2, 6]",
                                         "cat6 [2, 17]"});
}

TEST_CASE("python: container operators and a module set as a container's attribute") {
  // PyTorch 1.13: `seq + seq`, `seq * 2` (the same module twice: its 272 parameters once),
  // `module_list + list`, and `self.body.extra = ...` registered at the end of the Sequential:
  // 880 params, outputs [2, 3] and [2, 5]. `seq += other` changes seq in place under each of
  // its names, which netshape does not follow: refused.
  const std::string text = R"(import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(nn.Linear(cin, cout), nn.ReLU())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        shared = block(16, 16)
        self.body = block(8, 16) + shared * 2
        self.body = self.body + nn.Sequential(nn.Linear(16, 12))
        self.heads = nn.ModuleList([nn.Linear(12, 3)]) + [nn.Linear(12, 5)]
        self.body.extra = nn.Linear(12, 12)

    def forward(self, x):
        x = self.body(x)
        return [h(x) for h in self.heads]

# input: [2, 8]
)";
  LoadedModel m = read(text);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.analysis.totals.params == 880);
  REQUIRE(m.analysis.outputs.size() == 2);
  CHECK(to_string(m.analysis.outputs[0].second) == "[2, 3]");
  CHECK(to_string(m.analysis.outputs[1].second) == "[2, 5]");
  REQUIRE(m.analysis.layers.size() == 10);
  CHECK(m.analysis.layers[4].params == 0);  // body.4 is body.2
  CHECK(m.analysis.layers[7].name == "body.extra");
  LoadedModel zero = read(test::replaced(text, "shared * 2", "shared * 0"));
  CHECK(first_error(zero) ==
        "Non-positive multiplication factor 0 for <class 'torch.nn.modules.container.Sequential'>");
  LoadedModel in_place = read(test::replaced(text, "self.body = self.body + ", "self.body += "));
  CHECK(in_place.exit == ExitCode::UsageOrParse);
  CHECK(first_error(in_place).find("`+=` on an nn.Sequential") != std::string::npos);
  // update's keys are add_module's names: `keys` is a method of every ModuleDict
  LoadedModel keys = read(test::replaced(
      text, "self.body.extra = nn.Linear(12, 12)",
      "self.body.extra = nn.Linear(12, 12)\n        nn.ModuleDict({'keys': nn.ReLU()})"));
  CHECK(first_error(keys) == "attribute 'keys' already exists");
}
