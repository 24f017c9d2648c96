// The PyTorch-subset frontend: lowered Programs asserted structurally on snippets from the course
// notes, error cases (exit-2 style: nullopt + a positioned error), and a mutation fuzz.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "netshape/netshape.hpp"
#include "netshape/python_frontend.hpp"
#include "test_helpers.hpp"

using namespace netshape;

namespace {

struct Parsed {
  std::optional<Program> program;
  Diagnostics diags;
};

Parsed parse(const std::string& text, PythonOptions opts = {}) {
  Parsed r;
  SourceFile src("model.py", text);
  r.program = parse_python(src, opts, r.diags);
  return r;
}

const Statement& stmt(const Program& p, const std::string& name) {
  for (const Statement& s : p.statements) {
    if (s.name == name) return s;
  }
  FAIL("no statement named " << name);
  return p.statements.front();
}

std::string first_error(const Parsed& r) {
  for (const Diagnostic& d : r.diags.items()) {
    if (d.severity == Severity::Error) return d.message;
  }
  return "";
}

const char* const kCifarCnn = R"(import torch
import torch.nn as nn
import pytorch_lightning as pl

# input: [B, 3, 32, 32]

class CNN(pl.LightningModule):
    def __init__(self, num_channel=3, num_class=10):
        super().__init__()
        self.num_channel = num_channel
        self.num_class = num_class
        self.conv1 = nn.Conv2d(num_channel, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.conv3 = nn.Conv2d(64, 128, kernel_size=3)
        self.pool = nn.MaxPool2d(2,2)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(128*4*4, 128)
        self.fc2 = nn.Linear(128, num_class)
        self.criterion = nn.CrossEntropyLoss()
    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.relu(self.conv3(x))
        x = x.view(x.shape[0], -1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)
)";

}  // namespace

TEST_CASE("python: CIFAR CNN lowers module calls, reuse names, DimRef and spans") {
  Parsed r = parse(kCifarCnn);
  REQUIRE(r.program);
  const Program& p = *r.program;
  CHECK(p.model_name == "CNN");
  REQUIRE(p.inputs.size() == 1);
  CHECK(p.inputs[0].name == "x");
  REQUIRE(p.inputs[0].dims.size() == 4);
  CHECK(p.inputs[0].dims[0].symbol == "B");
  CHECK(p.inputs[0].dims[1].value == 3);
  CHECK(p.inputs[0].dims[3].value == 32);

  std::vector<std::string> ops, names;
  for (const Statement& s : p.statements) {
    ops.push_back(s.op);
    names.push_back(s.name);
    CHECK(s.python);
    CHECK(s.inputs_explicit);
    CHECK(s.inputs.size() == s.input_spans.size());
  }
  CHECK(ops == std::vector<std::string>{"Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU",
                                        "MaxPool2d", "Conv2d", "ReLU", "view", "Linear", "ReLU",
                                        "Linear"});
  CHECK(names[0] == "conv1");
  CHECK(names[1] == "relu");
  CHECK(names[4] == "relu_2");
  CHECK(names[5] == "pool_2");
  CHECK(names[10] == "relu_4");
  CHECK_FALSE(p.statements[8].named);  // the view is unnamed

  const Statement& conv1 = stmt(p, "conv1");
  CHECK(conv1.inputs == std::vector<std::string>{"x"});
  REQUIRE(conv1.args.size() == 3);
  CHECK(conv1.args[0].value.kind == Value::Kind::Int);
  CHECK(conv1.args[0].value.i == 3);  // num_channel default
  CHECK(conv1.args[2].keyword == "kernel_size");
  CHECK(conv1.extras().fix_prefix == "self.conv1 = nn.");

  const Statement& fc1 = stmt(p, "fc1");
  REQUIRE(fc1.args.size() == 2);
  CHECK(fc1.args[0].value.i == 2048);
  CHECK(fc1.args[1].value.i == 128);
  CHECK(fc1.span.line == 17);
  CHECK(fc1.span.column == 20);  // `nn.Linear(...)` in __init__
  CHECK(fc1.op_span.column == 23);
  CHECK(fc1.args[0].span.line == 17);
  CHECK(fc1.inputs == std::vector<std::string>{p.statements[8].name});

  const Statement& view = p.statements[8];
  CHECK(view.op == "view");
  CHECK(view.inputs == std::vector<std::string>{"relu_3"});
  REQUIRE(view.args.size() == 2);
  CHECK(view.args[0].value.kind == Value::Kind::DimRef);
  CHECK(view.args[0].value.s == "relu_3");
  CHECK(view.args[0].value.i == 0);
  CHECK(view.args[1].value.i == -1);
  CHECK(view.span.line == 24);

  CHECK(stmt(p, "fc2").args[1].value.i == 10);
  REQUIRE(p.outputs.size() == 1);
  CHECK(p.outputs[0].name == "fc2");
}

TEST_CASE("python: --arg overrides defaults, unbound parameter is an error with help") {
  PythonOptions opts;
  opts.args = {{"num_class", "7"}};
  Parsed r = parse(kCifarCnn, opts);
  REQUIRE(r.program);
  CHECK(stmt(*r.program, "fc2").args[1].value.i == 7);

  std::string no_default = kCifarCnn;
  no_default.replace(no_default.find("num_class=10"), 12, "num_class");
  Parsed bad = parse(no_default);
  CHECK_FALSE(bad.program);
  REQUIRE(bad.diags.has_errors());
  const Diagnostic& d = bad.diags.items().front();
  CHECK(d.message.find("num_class") != std::string::npos);
  CHECK(d.help == "pass --arg num_class=<value> or give it a default");
  CHECK(d.span.line == 18);

  PythonOptions wrong;
  wrong.args = {{"num_clas", "7"}};
  Parsed w = parse(kCifarCnn, wrong);
  CHECK_FALSE(w.program);
  CHECK(w.diags.items().front().help.find("num_class") != std::string::npos);
}

TEST_CASE("python: constructor args from `model = X(...)`") {
  std::string text = kCifarCnn;
  text.replace(text.find("num_channel=3, num_class=10"), 27, "num_channel, num_class");
  text += "\nmodel = CNN(1, num_class=5)\n";
  Parsed r = parse(text);
  REQUIRE(r.program);
  CHECK(stmt(*r.program, "conv1").args[0].value.i == 1);
  CHECK(stmt(*r.program, "fc2").args[1].value.i == 5);
}

// The model's `*args` and `**kwargs` take what the `model = Net(...)` line and --arg give beyond
// the named parameters, as Python binds them (PyTorch 1.13: Net() 618 params, Net(8, 1, 1,
// width=6) 296, --arg width=4 162).
TEST_CASE("python: the model's *args and **kwargs take the extra arguments") {
  const std::string net = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self, num_classes=10, *extra, **kwargs):
        super().__init__()
        width = kwargs.get("width", 16) + len(extra)
        self.conv = nn.Conv2d(3, width, 3)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))

# input: [2, 3, 16, 16]
)";
  LoadedModel plain = test::analyze_py(net, "kwargs.py", "");
  INFO(render_diagnostics(plain));
  REQUIRE(plain.exit == ExitCode::Ok);
  CHECK(plain.analysis.totals.params == 618);
  LoadedModel given = test::analyze_py(net + "model = Net(8, 1, 1, width=6)\n", "kwargs.py", "");
  INFO(render_diagnostics(given));
  REQUIRE(given.exit == ExitCode::Ok);
  CHECK(given.analysis.totals.params == 296);
  LoadOptions o;
  o.args = {{"width", "4"}};
  LoadedModel by_arg = analyze_text(net, "kwargs.py", o);
  INFO(render_diagnostics(by_arg));
  REQUIRE(by_arg.exit == ExitCode::Ok);
  CHECK(by_arg.analysis.totals.params == 162);
}

TEST_CASE("python: functional ops, flatten, cat, add and multiple outputs") {
  Parsed r = parse(R"(
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=1)
        self.b = nn.Conv2d(3, 8, 3, padding=1)
    def forward(self, x, y):
        p = F.relu(self.a(x))
        q = self.b(y)
        s = p + q
        c = torch.cat([p, q], dim=1)
        f = torch.flatten(c, 1)
        u = F.interpolate(s, scale_factor=2)
        v = s.view(s.size(0), -1)
        return f, u
)");
  REQUIRE(r.program);
  const Program& p = *r.program;
  REQUIRE(p.inputs.size() == 2);
  CHECK(p.inputs[0].name == "x");
  CHECK(p.inputs[1].name == "y");
  CHECK(p.inputs[0].dims.empty());  // no shape in the file: the CLI's --input
  const Statement& relu = p.statements[1];
  CHECK(relu.op == "relu");
  CHECK(relu.inputs == std::vector<std::string>{"a"});
  CHECK(relu.span.line == 12);
  const Statement& add = p.statements[3];
  CHECK(add.op == "add");
  CHECK(add.inputs == std::vector<std::string>{relu.name, "b"});
  const Statement& cat = p.statements[4];
  CHECK(cat.op == "cat");
  CHECK(cat.inputs == std::vector<std::string>{relu.name, "b"});
  REQUIRE(cat.args.size() == 1);
  CHECK(cat.args[0].keyword == "dim");
  CHECK(cat.args[0].value.i == 1);
  const Statement& flat = p.statements[5];
  CHECK(flat.op == "flatten");
  CHECK(flat.inputs == std::vector<std::string>{cat.name});
  REQUIRE(flat.args.size() == 1);
  CHECK(flat.args[0].value.i == 1);
  CHECK(p.statements[6].args[0].keyword == "scale_factor");
  const Statement& view = p.statements[7];
  CHECK(view.args[0].value.kind == Value::Kind::DimRef);
  CHECK(view.args[0].value.s == add.name);
  REQUIRE(p.outputs.size() == 2);
  CHECK(p.outputs[0].name == flat.name);
  CHECK(p.outputs[1].name == p.statements[6].name);
}

TEST_CASE("python: Sequential variable, nested Sequential attribute naming") {
  Parsed seq = parse(R"(import torch.nn as nn
# input: [B, 1, 28, 28]
model = nn.Sequential(
    nn.Flatten(), nn.Linear(784, 256),
    nn.ReLU(),
    nn.Linear(256, 10)
)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-5)
)");
  REQUIRE(seq.program);
  const Program& p = *seq.program;
  CHECK(p.model_name == "model");
  REQUIRE(p.statements.size() == 4);
  CHECK_FALSE(p.statements[0].named);
  CHECK(p.statements[0].inputs == std::vector<std::string>{"x"});
  CHECK(p.statements[1].inputs == std::vector<std::string>{p.statements[0].name});
  CHECK(p.statements[1].extras().fix_prefix == "nn.");
  CHECK(p.statements[1].span.line == 4);
  CHECK(p.statements[1].span.column == 19);

  Parsed attr = parse(R"(import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)))
        self.head = torch.nn.Linear(4, 2)
    def forward(self, x):
        x = self.features(x)
        x = self.features(x)
        return self.head(x.flatten(1))
)");
  REQUIRE(attr.program);
  std::vector<std::string> names;
  for (const Statement& s : attr.program->statements) names.push_back(s.name);
  REQUIRE(names.size() == 8);
  CHECK(names[0] == "features.0");
  CHECK(names[1] == "features.1.0");
  CHECK(names[2] == "features.1.1");
  // The second call of `features` calls `features.0` a second time: its row is `features.0_2`,
  // the n-th call of the module named as named_modules() names it.
  CHECK(names[3] == "features.0_2");
  CHECK(names[4] == "features.1.0_2");
  CHECK(attr.program->statements[6].op == "flatten");
  CHECK(names[7] == "head");
}

TEST_CASE("python: input shape from summary() and from torch.randn at top level") {
  Parsed q4 = parse(R"(import torch.nn as nn
class CustomModel(nn.Module):
    def __init__(self):
        super(CustomModel, self).__init__()
        self.conv = nn.Conv2d(1, 32, kernel_size=3)
    def forward(self, x):
        return self.conv(x)

model = CustomModel()
summary(model, (1, 50, 50))
)");
  REQUIRE(q4.program);
  const auto& dims = q4.program->inputs.at(0).dims;
  REQUIRE(dims.size() == 4);
  CHECK(dims[0].symbol == "B");
  CHECK(dims[1].value == 1);
  CHECK(dims[3].value == 50);

  Parsed k = parse(R"(class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.fc = nn.Linear(20, 5)
    def forward(self, x):
        return self.fc(x)
cnn = CNN()
output = cnn(torch.randn(10, 1, 20, 20))
)");
  REQUIRE(k.program);
  const auto& kd = k.program->inputs.at(0).dims;
  REQUIRE(kd.size() == 4);
  CHECK(kd[0].value == 10);
  CHECK(kd[0].symbol.empty());
}

// A script builds its model as `Net(3, 10).to(device)` or inside `if __name__ == '__main__':`
// and applies it to a random tensor there: its arguments and that tensor's shape are read (they
// were not: the constructor's parameters had no value). A `.to()` that may change the dtype is
// not read as the model.
TEST_CASE("python: a script's model built in its main block, or moved to a device") {
  const std::string net = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, in_ch, n_cls):
        super().__init__()
        self.c = nn.Conv2d(in_ch, 8, 3)
        self.fc = nn.Linear(8, n_cls)

    def forward(self, x):
        return self.fc(self.c(x).mean((2, 3)))

)";
  LoadedModel main_block = test::analyze_py(net + R"(
if __name__ == "__main__":
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = Net(3, 10).to(device)
    x = torch.randn(2, 3, 16, 16).to(device)
    print(net(x).shape)
)",
                                            "script.py", "");
  REQUIRE(main_block.exit == ExitCode::Ok);
  CHECK(test::out_shape(main_block) == "[2, 10]");
  CHECK(main_block.analysis.totals.params == (3 * 9 * 8 + 8) + (8 * 10 + 10));
  LoadedModel moved = test::analyze_py(
      net + "model = Net(1, 4).cuda().eval()\n# input: [1, 1, 8, 8]\n", "m.py", "");
  REQUIRE(moved.exit == ExitCode::Ok);
  CHECK(test::out_shape(moved) == "[1, 4]");
  LoadedModel doubled =
      test::analyze_py(net + "model = Net(1, 4).to(torch.float64)\n", "m.py", "1,1,8,8");
  CHECK(doubled.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error(doubled).message == "constructor parameter `in_ch` has no value");
}

TEST_CASE("python: --model choice, default choice, user module inlined") {
  const char* text = R"(import torch.nn as nn
import torch.nn.functional as F
class Resize(nn.Module):
    def __init__(self, scale_factor, mode='bilinear'):
        super().__init__()
        self.scale_factor = scale_factor
        self.mode = mode
    def forward(self, x):
        return F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode)
class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.r = Resize(0.5)
    def forward(self, x):
        return self.r(x)
class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
    def forward(self, x):
        return self.fc(x)
net = nn.Sequential(nn.ReLU())
model = A()
)";
  Parsed def = parse(text);
  REQUIRE(def.program);
  CHECK(def.program->model_name == "A");
  REQUIRE(def.program->statements.size() == 1);
  const Statement& interp = def.program->statements[0];
  CHECK(interp.op == "interpolate");
  REQUIRE(interp.args.size() == 2);
  CHECK(interp.args[0].value.f == doctest::Approx(0.5));
  CHECK(interp.args[1].value.s == "bilinear");
  CHECK(interp.span.line == 9);

  PythonOptions opts;
  opts.model = "B";
  Parsed b = parse(text, opts);
  REQUIRE(b.program);
  CHECK(b.program->model_name == "B");
  opts.model = "net";
  Parsed n = parse(text, opts);
  REQUIRE(n.program);
  CHECK(n.program->statements.at(0).op == "ReLU");
  opts.model = "Nope";
  Parsed bad = parse(text, opts);
  CHECK_FALSE(bad.program);

  std::string no_instance = text;
  no_instance.erase(no_instance.find("model = A()"));
  Parsed last = parse(no_instance);
  REQUIRE(last.program);
  CHECK(last.program->model_name == "net");  // the last defined
}

TEST_CASE("python: errors are positioned and return nullopt") {
  struct Case {
    const char* text;
    int line;
    const char* needle;
  };
  const Case cases[] = {
      {"class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
       "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n"
       "        while x.sum() > 0:\n            x = self.fc(x)\n        return x\n",
       6, "control flow that depends on a tensor's values"},
      {"class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
       "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n"
       "        with open('w.txt') as f:\n            x = self.fc(x)\n        return x\n",
       6, "netshape does not run `open`"},
      {"class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
       "        self.fc = nn.Linear(2, 2)\n    def forward(self, x):\n"
       "        return [self.fc(t) for t in x]\n",
       6, "computing with a tensor's size"},  // iterating takes x's first size, not given
      {"class N(nn.Module):\n    def forward(self, x)\n        return x\n", 2, "expected `:`"},
      {"x = 'abc\nclass N(nn.Module):\n    pass\n", 1, "unterminated string"},
      {"model = nn.Sequential(nn.ReLU(),\n", 1, "never closed"},
      {"class N(nn.Module):\n    def forward(self, x):\n        if x:\n            pass\n"
       "        return x\n",
       3, "control flow that depends on a tensor's values cannot be analysed statically"},
      {"class N(nn.Module):\n  def forward(self, x):\n      y = x\n    return y\n", 4, "unindent"},
      {"class N(nn.Module):\n    def forward(self, x):\n        return self.nope(x)\n", 3,
       "`self.nope` is not defined in __init__ nor in class N"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    Parsed r = parse(c.text);
    CHECK_FALSE(r.program);
    REQUIRE(r.diags.has_errors());
    CHECK(r.diags.items().front().span.line == c.line);
    CHECK(first_error(r).find(c.needle) != std::string::npos);
  }
}

TEST_CASE("python: unused modules never cause errors, `/` is true division") {
  Parsed r = parse(R"(class N(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.loss = nn.WhateverLoss(k, undefined_name)
        self.fc = nn.Linear(64 // 2 + 6 % 4, 128 / 2)
    def forward(self, x):
        return self.fc(x)
)");
  REQUIRE(r.program);
  const Statement& fc = r.program->statements.at(0);
  CHECK(fc.args[0].value.i == 34);
  // `/` is Python's true division: 128 / 2 is 64.0, which PyTorch refuses as a size.
  CHECK(fc.args[1].value.kind == Value::Kind::Float);
  CHECK(fc.args[1].value.f == 64.0);
  LoadedModel m = analyze_text(
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.fc = nn.Linear(7 / 2, 3)\n    def forward(self, x):\n"
      "        return self.fc(x)\n# input: [1, 3]\n",
      "n.py");
  CHECK(m.exit == ExitCode::ShapeError);
  REQUIRE(!m.diags.items().empty());
  // PyTorch's TypeError, from torch.empty((out_features, in_features)) in Linear.__init__
  CHECK(m.diags.items()[0].message ==
        "empty(): argument 'size' must be tuple of SymInts, but found element of type float at "
        "pos 2");
}

TEST_CASE("python: CRLF, tabs, bad bytes and deep nesting never crash") {
  Parsed crlf = parse("model = nn.Sequential(\r\n    nn.ReLU(),\r\n)\r\n");
  REQUIRE(crlf.program);
  Parsed tabs = parse("class N(nn.Module):\n\tdef forward(self, x):\n\t\treturn x.relu()\n");
  REQUIRE(tabs.program);
  Parsed bytes = parse(std::string("model = nn.Sequential(nn.ReLU())\n\xff\xfe = 3\n"));
  CHECK_FALSE(bytes.program);
  CHECK(bytes.diags.items().front().span.line == 2);
  std::string deep = "class N(nn.Module):\n    def forward(self, x):\n        return x.view(" +
                     std::string(5000, '(') + "1" + std::string(5000, ')') + ")\n";
  Parsed d = parse(deep);
  CHECK_FALSE(d.program);
  std::string deep_minus = "y = " + std::string(100000, '-') + "1\n";
  Parsed dm = parse(deep_minus);
  CHECK_FALSE(dm.program);
}

TEST_CASE("python: 300 mutated inputs parse or fail with a positioned error") {
  const std::string base = kCifarCnn;
  const char* const inserts[] = {"for i in x:\n",
                                 "lambda q: q",
                                 "[a for a in b]",
                                 "(",
                                 ")",
                                 "'",
                                 "\"\"\"",
                                 "\\",
                                 "\t",
                                 "\n    ",
                                 "if x:\n",
                                 "{1: 2}",
                                 "x[1:2]",
                                 "@",
                                 "$",
                                 "\xc3",
                                 "yield x",
                                 "*args",
                                 "**",
                                 "= ="};
  uint32_t seed = 12345;
  auto rnd = [&seed](uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
  };
  int ok = 0, failed = 0;
  for (int i = 0; i < 300; ++i) {
    std::string text = base;
    size_t at = rnd(static_cast<uint32_t>(text.size()));
    switch (i % 4) {
      case 0:
        text = text.substr(0, at);
        break;  // truncation
      case 1:
        text.erase(at, 1 + rnd(3));
        break;  // deletion
      case 2:
        text.insert(at, 1 + rnd(4), text[at]);
        break;  // duplication
      case 3:
        text.insert(at, inserts[rnd(sizeof(inserts) / sizeof(*inserts))]);
        break;
    }
    CAPTURE(text);
    Parsed r = parse(text);
    if (r.program) {
      ++ok;
      continue;
    }
    ++failed;
    REQUIRE(r.diags.has_errors());
    bool positioned = false;
    for (const Diagnostic& d : r.diags.items()) {
      positioned |= d.severity == Severity::Error && (d.span.valid() || d.message.find("--") == 0 ||
                                                      d.message.find("no model") == 0);
    }
    CHECK(positioned);
  }
  CHECK(failed > 50);
  CHECK(ok > 10);
}

TEST_CASE(
    "python: every models/notes file lowers (except the erroneous quiz is still valid Python)") {
  const char* const files[] = {"cifar_cnn",
                               "mlp_fashion",
                               "mlp_cifar_1hidden",
                               "mlp_cifar_2hidden",
                               "mlp_cifar_3hidden",
                               "fashion_7x7",
                               "fashion_7x7_dense",
                               "cifar_7x7",
                               "fashion_5conv_maxpool",
                               "fashion_5conv_stride",
                               "fashion_padding_seq",
                               "quiz_q4",
                               "quiz_q5",
                               "quiz_q6",
                               "downsample_maxpool",
                               "downsample_avgpool",
                               "downsample_interpolate",
                               "korean_cnn",
                               "simple_cnn",
                               "lenet_like"};
  for (const char* name : files) {
    CAPTURE(name);
    std::ifstream in(std::string(NETSHAPE_SOURCE_DIR) + "/models/notes/" + name + ".py");
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    Parsed r = parse(ss.str());
    REQUIRE(r.program);
    REQUIRE(!r.program->inputs.empty());
    CHECK(r.program->inputs[0].dims.size() == 4);
  }
}

// x.unflatten (torch.unflatten) and F.adaptive_max_pool1d / 3d: ops of their own, with PyTorch's
// shapes (the values are PyTorch's too: checked against it when written).
TEST_CASE("py: x.unflatten, torch.unflatten, F.adaptive_max_pool1d and 3d") {
  const char* text = R"(# input x: [2, 6, 8]
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def forward(self, x):
        heads = x.unflatten(-1, (4, -1))
        pooled = F.adaptive_max_pool1d(x, 3)
        cube = F.adaptive_max_pool3d(heads.unsqueeze(1), (2, 3, None))
        return torch.unflatten(pooled, 1, (2, 3)), cube
)";
  LoadedModel m = test::analyze_py(text, "ops.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(std::string(op_info(l.op).name) + " " + to_string(*l.output));
  CHECK(rows == std::vector<std::string>{"unflatten [2, 6, 4, 2]", "adaptive_max_pool1d [2, 6, 3]",
                                         "unsqueeze [2, 1, 6, 4, 2]",
                                         "adaptive_max_pool3d [2, 1, 2, 3, 2]",
                                         "unflatten [2, 2, 3, 3]"});
  // Tensor.unflatten is a method and torch.unflatten a function; F has none
  LoadedModel f =
      test::analyze_py(test::replaced(text, "x.unflatten(-1,", "F.unflatten(x, -1,"), "ops.py", "");
  CHECK(f.exit == ExitCode::UsageOrParse);
}
