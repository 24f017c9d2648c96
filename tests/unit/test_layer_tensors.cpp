// A layer's weight or bias read as a tensor in forward (.py): DETR's query embedding, an output
// layer tied to the input embedding, a cosine classifier's normalised weight, a weight-standardised
// convolution. Each is a `parameter` row of its sizes whose elements the layer counts (its own row,
// or the count of layers forward never applies), so the total is model.parameters()'s. Every
// expected number is PyTorch 1.13's for the same model.
#include <doctest/doctest.h>

#include "netshape/commands.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::out_shape;

namespace {

LoadedModel read_py(const std::string& body_and_init) {
  return analyze_text(
      "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n" + body_and_init,
      "layer_tensors.py", {});
}

const LayerInfo* row(const LoadedModel& m, const std::string& name) {
  for (const LayerInfo& l : m.analysis.layers)
    if (l.name == name) return &l;
  return nullptr;
}

}  // namespace

TEST_CASE("layer tensors: DETR's query embedding, an Embedding forward never applies") {
  LoadedModel m = read_py(R"(
class Queries(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 32, 4, stride=4)
        self.query_embed = nn.Embedding(10, 32)
        self.cls = nn.Linear(32, 6)

    def forward(self, x):
        f = self.backbone(x).flatten(2).mean(2)
        q = self.query_embed.weight.unsqueeze(0).repeat(x.shape[0], 1, 1)
        return self.cls(q + f.unsqueeze(1))
# input: [2, 3, 32, 32]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 10, 6]");
  const LayerInfo* q = row(m, "query_embed.weight");
  REQUIRE(q != nullptr);
  CHECK(to_string(*q->output) == "[10, 32]");
  CHECK(q->params == 0);  // the Embedding's: counted with the layers forward never applies
  CHECK(m.analysis.totals.params == 1568 + 320 + 198);
  // its weight is read, so it is used: no "never applied" warning
  for (const Diagnostic& d : m.diags.items()) CHECK(d.code != "unapplied-module");
}

TEST_CASE("layer tensors: an output layer tied to the input embedding counts the table once") {
  LoadedModel m = read_py(R"(
class TinyLM(nn.Module):
    def __init__(self, vocab=100, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.proj = nn.Linear(d, d)

    def forward(self, idx):
        h = torch.relu(self.proj(self.emb(idx)))
        return F.linear(h, self.emb.weight)
# input idx: [2, 7] long
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 7, 100]");
  CHECK(m.analysis.totals.params == 3200 + 1056);
  CHECK(m.analysis.totals.macs == 2 * 7 * 32 * 32 + 2 * 7 * 32 * 100);
}

TEST_CASE("layer tensors: a cosine classifier and a weight-standardised convolution") {
  LoadedModel cosine = read_py(R"(
class Cosine(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(64, 10, bias=False)

    def forward(self, x):
        w = F.normalize(self.fc.weight, dim=1)
        return 16.0 * F.normalize(self.body(x), dim=1) @ w.t()
# input: [2, 3, 16, 16]
)");
  INFO(render_diagnostics(cosine));
  REQUIRE(cosine.exit == ExitCode::Ok);
  CHECK(out_shape(cosine) == "[2, 10]");
  CHECK(cosine.analysis.totals.params == 2432);

  LoadedModel ws = read_py(R"(
class WSConv2d(nn.Conv2d):
    def forward(self, x):
        w = self.weight
        w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
        return F.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = WSConv2d(3, 16, 3, padding=1)
        self.gn = nn.GroupNorm(4, 16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.gn(self.c1(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
# input: [2, 3, 32, 32]
)");
  INFO(render_diagnostics(ws));
  REQUIRE(ws.exit == ExitCode::Ok);
  CHECK(out_shape(ws) == "[2, 10]");
  CHECK(ws.analysis.totals.params == 448 + 32 + 170);
  const LayerInfo* w = row(ws, "c1.weight");
  REQUIRE(w != nullptr);
  CHECK(to_string(*w->output) == "[16, 3, 3, 3]");
  CHECK(w->params == 0);
}

TEST_CASE(
    "layer tensors: PReLU's slopes, and a layer without a weight is Python's AttributeError") {
  LoadedModel prelu = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.PReLU(8)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x * self.act.weight)
# input: [4, 2, 8]
)");
  INFO(render_diagnostics(prelu));
  REQUIRE(prelu.exit == ExitCode::Ok);
  CHECK(out_shape(prelu) == "[4, 2, 3]");
  CHECK(prelu.analysis.totals.params == 8 + 27);
  LoadedModel none = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LocalResponseNorm(2)

    def forward(self, x):
        return x * self.norm.weight
# input: [4, 2, 8]
)");
  CHECK(none.exit == ExitCode::UsageOrParse);
  CHECK(netshape::test::first_error(none).message ==
        "'LocalResponseNorm' object has no attribute 'weight'");
}

TEST_CASE("tied weights: an assigned weight is counted once, at the layer it came from") {
  LoadedModel lm = read_py(R"(
class TinyLM(nn.Module):
    def __init__(self, vocab=100, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.proj = nn.Linear(d, d)
        self.head = nn.Linear(d, vocab)
        self.head.weight = self.emb.weight

    def forward(self, idx):
        return self.head(torch.relu(self.proj(self.emb(idx))))
# input idx: [2, 7] long
)");
  INFO(render_diagnostics(lm));
  REQUIRE(lm.exit == ExitCode::Ok);
  CHECK(out_shape(lm) == "[2, 7, 100]");
  CHECK(row(lm, "head")->params == 100);  // its bias; its weight is the embedding's
  CHECK(lm.analysis.totals.params == 3200 + 1056 + 100);

  // the other way round (nanoGPT's), in a ModuleDict: the embedding's weight is the head's
  LoadedModel gpt = read_py(R"(
class GPT(nn.Module):
    def __init__(self, vocab=64, d=32):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(vocab, d), ln_f=nn.LayerNorm(d)))
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx):
        return self.lm_head(self.transformer.ln_f(self.transformer.wte(idx)))
# input idx: [2, 16] long
)");
  INFO(render_diagnostics(gpt));
  REQUIRE(gpt.exit == ExitCode::Ok);
  CHECK(row(gpt, "transformer.wte")->params == 0);
  CHECK(row(gpt, "lm_head")->params == 2048);
  CHECK(gpt.analysis.totals.params == 2048 + 64);
  CHECK(group_layers(gpt, 2).rows.at(1).name == "transformer.wte");
  CHECK(group_layers(gpt, 2).rows.at(1).params == 2048);  // its parameters() count the table

  // By module, each counts what its parameters() counts: `body` and `body.0` hold the tied
  // table too; the model, holding both layers, counts it once.
  LoadedModel nested = read_py(R"(
class Tagger(nn.Module):
    def __init__(self, vocab=64, d=32):
        super().__init__()
        self.body = nn.Sequential(nn.Embedding(vocab, d), nn.LayerNorm(d))
        self.head = nn.Linear(d, vocab, bias=False)
        self.body[0].weight = self.head.weight

    def forward(self, idx):
        return self.head(self.body(idx))
# input idx: [2, 16] long
)");
  REQUIRE(nested.exit == ExitCode::Ok);
  Grouping by_module = group_layers(nested, 2);
  std::map<std::string, int64_t> params;
  for (const ModuleRow& r : by_module.rows) params[r.name] = r.params;
  CHECK(
      params ==
      std::map<std::string, int64_t>{
          {"", 2048 + 64}, {"body", 2048 + 64}, {"body.0", 2048}, {"body.1", 64}, {"head", 2048}});

  // One layer in two containers: each container's row counts it, as its parameters() does
  // (PyTorch: seq1 72, seq2 108, the model 108); its second call is named as named_modules()
  // names it, by its first place.
  LoadedModel shared = read_py(R"(
class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        lin = nn.Linear(8, 8)
        self.seq1 = nn.Sequential(lin, nn.ReLU())
        self.seq2 = nn.Sequential(lin, nn.Linear(8, 4))

    def forward(self, x):
        return self.seq2(self.seq1(x))
# input: [2, 8]
)");
  REQUIRE(shared.exit == ExitCode::Ok);
  std::vector<std::pair<std::string, int64_t>> rows;
  for (const ModuleRow& r : group_layers(shared, 2).rows) rows.emplace_back(r.name, r.params);
  CHECK(rows == std::vector<std::pair<std::string, int64_t>>{{"", 108},
                                                             {"seq1", 72},
                                                             {"seq1.0", 72},
                                                             {"seq1.1", 0},
                                                             {"seq2", 108},
                                                             {"seq1.0", 72},
                                                             {"seq2.1", 36}});
}

TEST_CASE("tied weights: tensors of other sizes and new tensors are refused") {
  LoadedModel other = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.head = nn.Linear(32, 50)
        self.head.weight = self.emb.weight

    def forward(self, idx):
        return self.head(self.emb(idx))
# input idx: [2, 7] long
)");
  CHECK(other.exit == ExitCode::UsageOrParse);
  CHECK(netshape::test::first_error(other).message ==
        "unsupported Python construct: tying nn.Linear's weight [50, 32] to a tensor of other "
        "sizes [100, 32]");
  LoadedModel fresh = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(32, 50)
        self.head.weight = nn.Parameter(torch.zeros(50, 32))

    def forward(self, x):
        return self.head(x)
# input: [2, 32]
)");
  CHECK(fresh.exit == ExitCode::UsageOrParse);
}

TEST_CASE("layer tensors: weights read in a loop over self.modules() are named by their paths") {
  // PyTorch 1.13: [2, 4, 4, 4], and the L1 norm of the BatchNorm scales (network slimming)
  LoadedModel m = read_py(R"(
class Slim(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                                 nn.Conv2d(8, 4, 3), nn.BatchNorm2d(4))

    def forward(self, x):
        l1 = 0
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                l1 = l1 + m.weight.abs().sum()
        return self.net(x), l1
# input: [2, 3, 8, 8]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(row(m, "net.1.weight") != nullptr);
  CHECK(row(m, "net.4.weight") != nullptr);
  CHECK(m.analysis.totals.params == 224 + 16 + 292 + 8);
}

TEST_CASE("layer tensors: self.parameters() in forward is refused, not an empty loop") {
  // PyTorch 1.13: [2, 4] (n counts 4 tensors); an empty loop made it [2, 0]
  LoadedModel m = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 8)

    def forward(self, x):
        n = 0
        for p in self.parameters():
            n = n + 1
        return self.fc2(self.fc(x))[:, :n]
# input: [2, 8]
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(netshape::test::first_error(m).message ==
        "unsupported Python construct: the parameters of a module as tensors in forward");
}

TEST_CASE("a subclass's keyword-only argument after *args takes no positional argument") {
  // `def __init__(self, *args, eps=1e-5, **kwargs)`: Python binds 3, 8, 3 to args, as PyTorch's
  // Conv2d then reads them (before, eps took the first); [2, 8, 16, 16], 224 params
  LoadedModel m = read_py(R"(
class Conv(nn.Conv2d):
    def __init__(self, *args, eps=1e-5, **kwargs):
        super().__init__(*args, **kwargs)
        self.eps = eps

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Conv(3, 8, 3, padding=1, eps=1e-3)

    def forward(self, x):
        return self.c(x)
# input: [2, 3, 16, 16]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 8, 16, 16]");
  CHECK(m.analysis.totals.params == 224);
}

TEST_CASE("layer tensors: BiT's StdConv2d, torch.var_mean and self._conv_forward") {
  // PyTorch 1.13: [2, 8, 16, 16], 1,592 params; the plain subclass's _conv_forward with its own
  // weight is the layer itself (a row with its params)
  LoadedModel m = read_py(R"(
class StdConv2d(nn.Conv2d):
    def forward(self, x):
        w = self.weight
        v, m = torch.var_mean(w, dim=[1, 2, 3], keepdim=True, unbiased=False)
        w = (w - m) / torch.sqrt(v + 1e-10)
        return self._conv_forward(x, w, self.bias)

class Plain(nn.Conv2d):
    def forward(self, x):
        return self._conv_forward(x, self.weight, self.bias)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = StdConv2d(3, 16, 3, stride=2, padding=1, bias=False)
        self.b = Plain(16, 8, 3, padding=1)

    def forward(self, x):
        return self.b(F.relu(self.a(x)))
# input: [2, 3, 32, 32]
)");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 8, 16, 16]");
  CHECK(m.analysis.totals.params == 1592);
  CHECK(to_string(*row(m, "var2")->output) == "[16, 1, 1, 1]");
  CHECK(to_string(*row(m, "mean3")->output) == "[16, 1, 1, 1]");
  CHECK(m.analysis.layers.back().params == 1160);  // b, applied as the layer
}

TEST_CASE("F.embedding with an Embedding subclass's own weight is the layer applied") {
  // PyTorch 1.13: [2, 7, 4], 1,668 params (a transformer's scaled embedding)
  const std::string model = R"(
import math

class ScaledEmbedding(nn.Embedding):
    def forward(self, x):
        return F.embedding(x, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse) * math.sqrt(self.embedding_dim)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = ScaledEmbedding(100, 16, padding_idx=PADDING)
        self.fc = nn.Linear(16, 4)

    def forward(self, idx):
        return self.fc(self.emb(idx))
# input idx: [2, 7] long
)";
  for (const char* padding : {"0", "-1", "None"}) {
    std::string text = model;
    text.replace(text.find("PADDING"), 7, padding);
    LoadedModel m = read_py(text);
    INFO(padding);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == "[2, 7, 4]");
    CHECK(m.analysis.totals.params == 1668);
    CHECK(m.analysis.layers[0].params == 1600);
  }
  // another padding_idx changes the values: refused
  std::string other = model;
  other.replace(other.find("PADDING"), 7, "0");
  other.replace(other.find("self.padding_idx"), 16, "3");
  CHECK(read_py(other).exit == ExitCode::UsageOrParse);
}

TEST_CASE("tied weights: a deep copy of a tied layer is refused, not counted either way") {
  LoadedModel m = read_py(R"(
import copy

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        self.head = nn.Linear(8, 10, bias=False)
        self.head.weight = self.emb.weight
        self.head2 = copy.deepcopy(self.head)

    def forward(self, idx):
        h = self.emb(idx)
        return self.head(h) + self.head2(h)
# input idx: [2, 3] long
)");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(netshape::test::first_error(m).message ==
        "unsupported Python construct: copy.deepcopy of a layer whose weight is tied to another's");
}

TEST_CASE(
    "F.group_norm with a GroupNorm subclass's own groups, weight, bias and eps is the layer") {
  // PyTorch 1.13: [2, 32, 16, 16], 960 params (a diffusion U-Net's GroupNorm32)
  const std::string model = R"(
class GroupNorm32(nn.GroupNorm):
    def forward(self, x):
        return F.group_norm(x.float(), self.num_groups, self.weight, self.bias, EPS).type(x.dtype)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(3, 32, 3, padding=1)
        self.n = GroupNorm32(8, 32)

    def forward(self, x):
        return self.n(self.c(x))
# input: [2, 3, 16, 16]
)";
  std::string own = model;
  own.replace(own.find("EPS"), 3, "self.eps");
  LoadedModel m = read_py(own);
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[2, 32, 16, 16]");
  CHECK(m.analysis.totals.params == 960);
  CHECK(m.analysis.layers.back().params == 64);
  // another eps changes the values `run` computes: refused
  std::string other = model;
  other.replace(other.find("EPS"), 3, "1e-3");
  CHECK(read_py(other).exit == ExitCode::UsageOrParse);
}

TEST_CASE("tied weights: freezing one of two tied layers is refused, the whole model is not") {
  const std::string model = R"(
class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.head = nn.Linear(32, 100)
        BEFORE
        self.head.weight = self.emb.weight
        AFTER

    def forward(self, idx):
        return self.head(self.emb(idx))
# input idx: [2, 7] long
)";
  auto read_with = [&](const char* before, const char* after) {
    std::string text = model;
    text.replace(text.find("BEFORE"), 6, before);
    text.replace(text.find("AFTER"), 5, after);
    return read_py(text);
  };
  // PyTorch 1.13: freezing the head after the tie freezes the shared table too
  CHECK(read_with("pass", "self.head.requires_grad_(False)").exit == ExitCode::UsageOrParse);
  // the whole model: 3,300 params, none trainable
  LoadedModel all = read_with("pass", "self.requires_grad_(False)");
  INFO(render_diagnostics(all));
  REQUIRE(all.exit == ExitCode::Ok);
  CHECK(all.analysis.totals.params == 3300);
  CHECK(all.analysis.totals.trainable_params == 0);
  // the embedding frozen before the tie: the head's bias still trains (PyTorch: 100 of 3,300)
  LoadedModel before = read_with("self.emb.requires_grad_(False)", "pass");
  INFO(render_diagnostics(before));
  REQUIRE(before.exit == ExitCode::Ok);
  CHECK(before.analysis.totals.params == 3300);
  CHECK(before.analysis.totals.trainable_params == 100);
}

TEST_CASE(
    "tied weights: a subclass of a torch layer ties its layer's weight, replacing is refused") {
  // PyTorch 1.13: 288 params (the subclass's weight is its layer's: counted once); before, the
  // assignment was kept as a new attribute and counted again (544)
  LoadedModel sub = read_py(R"(
class MyLin(nn.Linear):
    pass

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = MyLin(16, 16)
        self.b = MyLin(16, 16)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))
# input: [2, 16]
)");
  INFO(render_diagnostics(sub));
  REQUIRE(sub.exit == ExitCode::Ok);
  CHECK(sub.analysis.totals.params == 288);
  // the layer the tensor came from replaced: b then owns it alone (PyTorch 544), not followed
  LoadedModel replaced = read_py(R"(
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.b.weight = self.a.weight
        self.a = nn.Linear(16, 16)

    def forward(self, x):
        return self.b(self.a(x))
# input: [2, 16]
)");
  CHECK(replaced.exit == ExitCode::UsageOrParse);
  // a subclass's bias set to None in its __init__ removes a parameter (PyTorch 256): refused
  LoadedModel none = read_py(R"(
class NoBias(nn.Linear):
    def __init__(self, n):
        super().__init__(n, n)
        self.bias = None

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = NoBias(16)

    def forward(self, x):
        return self.a(x)
# input: [2, 16]
)");
  CHECK(none.exit == ExitCode::UsageOrParse);
}

TEST_CASE("too many positional arguments: Python's count, self included") {
  LoadedModel m = read_py(R"(
class Block(nn.Module):
    def __init__(self, cin, *, cout=8):
        super().__init__()
        self.fc = nn.Linear(cin, cout)

    def forward(self, x):
        return self.fc(x)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = Block(16, 8)

    def forward(self, x):
        return self.b1(x)
# input: [2, 16]
)");
  CHECK(m.exit != ExitCode::Ok);
  CHECK(netshape::test::first_error(m).message ==
        "__init__() takes 2 positional arguments but 3 were given");
}
