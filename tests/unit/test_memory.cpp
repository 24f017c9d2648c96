// check --memory: parameters, the inference peak of live activations, and a training step. The
// bytes saved for backward are PyTorch 1.13's, measured with saved-tensor hooks on torchvision's
// models by tests/zoo/saved_for_backward.py (each storage once; parameters and buffers excluded).
#include <doctest/doctest.h>

#include <string>

#include "netshape/memory.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;

namespace {

ModelMemory zoo_memory(const std::string& stem, int64_t batch = 1, DType dtype = DType::float32) {
  LoadedModel m = analyze_file(std::string(NETSHAPE_SOURCE_DIR) + "/models/zoo/" + stem + ".ns");
  REQUIRE(m.exit == ExitCode::Ok);
  MemoryOptions o;
  o.batch = batch;
  o.dtype = dtype;
  auto memory = estimate_model_memory(m.analysis, o);
  REQUIRE(memory);
  return *memory;
}

}  // namespace

TEST_CASE("memory: the bytes saved for backward are what PyTorch saves, for eight zoo models") {
  struct Case {
    const char* stem;
    int64_t batch;
    int64_t saved;
  };
  const Case cases[] = {
      {"resnet18", 1, 22'218'240},     {"resnet50", 1, 86'121'984},
      {"mobilenet_v2", 1, 78'596'864}, {"vgg16", 1, 73'355'264},
      {"alexnet", 1, 3'741'184},       {"squeezenet1_1", 1, 21'069'728},
      {"densenet121", 1, 130'695'936}, {"googlenet", 1, 48'429'824},
      {"resnet50", 2, 172'031'488},    {"mobilenet_v2", 2, 157'057'280},
  };
  for (const Case& c : cases) {
    CAPTURE(c.stem);
    CAPTURE(c.batch);
    CHECK(zoo_memory(c.stem, c.batch).saved_for_backward_bytes == c.saved);
  }
}

TEST_CASE("memory: parameters, gradients and optimizer state scale with the dtype") {
  ModelMemory f32 = zoo_memory("resnet50");
  CHECK(f32.parameter_bytes == int64_t{25'557'032} * 4);
  CHECK(f32.gradient_bytes == f32.parameter_bytes);
  CHECK(f32.sgd_momentum_bytes == f32.parameter_bytes);
  CHECK(f32.adam_bytes == 2 * f32.parameter_bytes);
  CHECK(f32.training_adam_bytes() == 4 * f32.parameter_bytes + f32.saved_for_backward_bytes);
  ModelMemory f16 = zoo_memory("resnet50", 1, DType::float16);
  CHECK(f16.parameter_bytes == int64_t{25'557'032} * 2);
  CHECK(f16.inference_peak_bytes * 2 == f32.inference_peak_bytes);
  ModelMemory i8 = zoo_memory("resnet50", 1, DType::int8);
  CHECK(i8.parameter_bytes == 25'557'032);
}

TEST_CASE("memory: a logical op's output is bools, one byte an element, and saves nothing") {
  auto m = check_ns("input x: [4, 8]\ninput y: [8]\na = logical_and(x, y)\nb = logical_or(a, x)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(to_string(*m.analysis.layers[0].output) == "[4, 8]");
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->output_bytes == std::vector<int64_t>{32, 32});
  CHECK(memory->saved_for_backward_bytes == 0);
}

TEST_CASE("memory: the inference peak is the largest set of activations alive at once") {
  // x [1,1,8,8] = 256 B; a = conv [1,4,8,8] = 1024 B; b = relu(a) 1024 B, a dies at b;
  // c = add(b, x): x and b alive with c: 256 + 1024 + 1024 = 2304 B, the peak.
  auto m = check_ns(
      "input x: [1, 1, 8, 8]\na = Conv2d(1, 4, 3, padding=1)\nb = ReLU()\nc = add(b, x)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->output_bytes == std::vector<int64_t>{1024, 1024, 1024});
  // At a: x + a = 1280; at b: x + a + b = 2304 (a is freed after b reads it); at c: x + b + c.
  CHECK(memory->inference_peak_bytes == 2304);
  CHECK(memory->inference_peak_at == "b");
  // Saved: the conv's input x (256), the ReLU's output b (1024); add saves nothing.
  CHECK(memory->saved_for_backward_bytes == 256 + 1024);
  CHECK(memory->parameter_bytes == (4 * 9 + 4) * 4);
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py's count on the same nn.Sequential): 10,592 bytes
// with Softplus, Mish or PReLU(8), 14,688 with LogSigmoid, whose CPU forward keeps a buffer of its
// input's size beside the input.
TEST_CASE("memory: Softplus, Mish and PReLU save their input, LogSigmoid its input and a buffer") {
  const std::pair<const char*, int64_t> cases[] = {
      {"Softplus()", 10'592}, {"Mish()", 10'592}, {"LogSigmoid()", 14'688}, {"PReLU(8)", 10'592}};
  for (const auto& c : cases) {  // no structured binding: INFO captures
    auto m = check_ns(std::string("input x: [2, 3, 10, 10]\nConv2d(3, 8, 3)\n") + c.first +
                      "\nConv2d(8, 4, 3)\n");
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    INFO(c.first);
    CHECK(memory->saved_for_backward_bytes == c.second);
  }
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py) on Conv2d(3, 8, 3) then x.norm(dim=1),
// x.logsumexp(1) or x.prod(1), input [2, 3, 10, 10]: the conv's input, and the reduction's input
// and result (2,400 + 4,096 + 512 bytes).
TEST_CASE("memory: norm, logsumexp and prod save their input and their result") {
  for (const char* op : {"norm(dim=1)", "logsumexp(1)", "prod(1)"}) {
    auto m = check_ns(std::string("input x: [2, 3, 10, 10]\nConv2d(3, 8, 3)\n") + op + "\n");
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    INFO(op);
    CHECK(memory->saved_for_backward_bytes == 7'008);
  }
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py) on `h = fc(x); h.masked_fill(h[0] > 0, 0.)`,
// x [2, 3, 4]: the Linear's input (96 bytes) and the bool mask (12).
TEST_CASE("memory: masked_fill saves its mask, a byte an element") {
  auto m =
      check_ns("input x: [2, 3, 4]\nh = Linear(4, 4)\nm = select(0, 0)\nmasked_fill(h, m, 0.0)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 96 + 12);
}

// PyTorch 1.13 (tests/zoo/saved_for_backward.py's count) on `h = fc(x); torch.where(h[0] > 0,
// h, x)`, x [2, 3, 4]: the Linear's input (96 bytes) and the bool condition (12); where of
// tensors none of which needs a gradient (`torch.where(x > 0, x, x * 2)`) saves nothing.
TEST_CASE("memory: where saves its condition, a byte an element") {
  auto m = check_ns("input x: [2, 3, 4]\nh = Linear(4, 4)\nm = select(0, 0)\nwhere(m, h, x)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 96 + 12);
  auto inputs_only = check_ns("input x: [2, 3, 4]\ninput m: [3, 4]\nwhere(m, x, x)\n");
  REQUIRE(inputs_only.exit == ExitCode::Ok);
  auto nothing = estimate_model_memory(inputs_only.analysis, {});
  REQUIRE(nothing);
  CHECK(nothing->saved_for_backward_bytes == 0);
}

TEST_CASE("memory: a symbolic batch binds to --batch, views are the bytes they view") {
  auto m =
      check_ns("input x: [B, 3, 4, 4]\nf = flatten(1)\nfc = Linear(48, 2)\np = MaxPool1d(2)(fc)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  MemoryOptions o;
  o.batch = 5;
  auto memory = estimate_model_memory(m.analysis, o);
  REQUIRE(memory);
  // Linear saves its input, the flatten of x: x's own 5*48 floats; MaxPool1d saves its input
  // (5*2 floats) and int64 indices (5*1).
  CHECK(memory->saved_for_backward_bytes == 5 * 48 * 4 + 5 * 2 * 4 + 5 * 1 * 8);
}

TEST_CASE("memory: check --memory prints the block after the table, at the dtype and batch") {
  std::string bin = NETSHAPE_BINARY;
  std::string model = std::string(NETSHAPE_SOURCE_DIR) + "/models/zoo/resnet50.ns";
  test::ShellRun r = test::run_shell("\"" + bin + "\" check " + model +
                                     " --memory --dtype float16 --batch 2 2>&1");
  CHECK(r.code == 0);
  CHECK(r.out.find("memory (float16, batch 2; MB of 2^20 bytes):") != std::string::npos);
  // 25,557,032 params * 2 bytes = 48.75 MB; saved for backward: 172,031,488 / 2 bytes... at
  // float16 the activations halve, the int64 indices and float32 statistics do not.
  CHECK(r.out.find("parameters                          48.75 MB") != std::string::npos);
  test::ShellRun bad =
      test::run_shell("\"" + bin + "\" check " + model + " --memory --dtype float64 2>&1");
  CHECK(bad.code == 2);
}

// What autograd saves around math with no row of its own (`h * 2`, `h.abs()`, `torch.exp(h)`,
// `1 / h`, `2 ** h`, F.normalize's clamp), which ops keep which input when only one needs a
// gradient (mul, div, matmul), and nothing kept for the model's input (which needs none) or for
// a buffer or a parameter: PyTorch 1.13's bytes, from tests/zoo/saved_for_backward.py's hooks on
// this model with each body, each storage's bytes once, input [2, 3, 5, 5] (x 600 bytes, h 800;
// `g = h * 2` keeps its 2, 8 bytes, every time). Before, the copies were counted as the tensor
// they copy, nothing the math itself keeps, and everything as if it needed a gradient.
TEST_CASE("memory: math with no row, and what needs a gradient, as PyTorch saves them") {
  const std::string net = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 4, 1)
        self.c3 = nn.Conv2d(4, 4, 1)
        self.relu = nn.ReLU()
        self.register_buffer("mask", torch.ones(1, 4, 5, 5))
        self.gamma = nn.Parameter(torch.ones(4, 1, 1))

    def forward(self, x):
        h = self.relu(self.c1(x))
        g = h * 2
        return BODY

# input: [2, 3, 5, 5]
)";
  const std::pair<const char*, int64_t> cases[] = {
      {"self.c2(h * 2) + self.c3(h * 2)", 3024},
      {"self.c2(g) + self.c3(g)", 2208},
      {"self.c2(h) + self.c3(h.clone())", 2208},
      {"self.c2(h.abs())", 2208},
      {"self.c2(h / 2) + h", 2216},
      {"self.c2(torch.exp(h)) * h.sqrt()", 3808},
      {"self.c2(1 / (h + 1))", 3016},
      {"self.c2(h ** 2) + 2 ** h", 3012},
      {"self.c2(h.clamp(0, 1)) * self.mask", 2208},
      {"self.gamma * self.c2(h)", 2208},
      // x, h, the norm (200) and its clamp (200), which the division reads expanded: by storage,
      // as netshape counts a view (the hook script's count by elements says 2,408)
      {"F.normalize(h, dim=1)", 1808},
      {"self.c2(F.max_pool2d(x, 1)[:, :2].repeat(1, 2, 1, 1) * 3)", 2208},
      {"self.c2(h) * self.c3(h)", 3008},
      {"self.c2(h) / (x.sum(1, keepdim=True) + 1)", 1608},
      {"torch.relu(x).sum() + h.sum()", 1408},
  };
  for (const auto& c : cases) {
    const char* body = c.first;  // (clang refuses a structured binding captured by INFO)
    int64_t bytes = c.second;
    std::string text = net;
    text.replace(text.find("BODY"), 4, body);
    LoadedModel m = analyze_text(text, "m.py");
    INFO(std::string(body));
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    MemoryOptions o;
    o.graph = &*m.graph;
    auto memory = estimate_model_memory(m.analysis, o);
    REQUIRE(memory);
    CHECK(memory->saved_not_counted.message.empty());
    CHECK(memory->saved_for_backward_bytes == bytes);
  }
}

// In-place math with no row that keeps a tensor (`g.clamp_(0, 1)`, `g **= 2`): what it keeps is
// not followed, so the training lines say "not counted" and where, rather than a number.
TEST_CASE("memory: in-place math with no row leaves what training saves not counted") {
  for (const char* body : {"g.clamp_(0, 1)", "g.exp_()"}) {
    std::string text =
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n"
        "    def forward(self, x):\n        g = self.fc(x) * 2\n        " +
        std::string(body) + "\n        return g\n\n# input: [2, 4]\n";
    LoadedModel m = analyze_text(text, "m.py");
    INFO(body);
    REQUIRE(m.exit == ExitCode::Ok);
    MemoryOptions o;
    o.graph = &*m.graph;
    auto memory = estimate_model_memory(m.analysis, o);
    REQUIRE(memory);
    CHECK(memory->saved_not_counted.span.line == 11);
    CHECK(memory->saved_not_counted.message.find("has no row of its own") != std::string::npos);
    std::string shown = render_memory(*memory);
    CHECK(shown.find("training, saved for backward     not counted") != std::string::npos);
    CHECK(shown.find("(line 11)") != std::string::npos);
  }
}

// netshape follows forward in eval mode: where forward reads `self.training` (a stochastic depth
// that multiplies by noise only in training), the saved bytes are its eval branches', and the
// block says so and where.
TEST_CASE("memory: a forward that reads self.training gets a note") {
  LoadedModel m = analyze_text(
      "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
      "        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n"
      "    def forward(self, x):\n        h = self.fc(x)\n        if self.training:\n"
      "            h = h * 2\n        return h\n\n# input: [2, 4]\n",
      "m.py");
  REQUIRE(m.exit == ExitCode::Ok);
  MemoryOptions o;
  o.graph = &*m.graph;
  auto memory = estimate_model_memory(m.analysis, o);
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 2 * 4 * 4);  // the eval branch: the Linear's input
  CHECK(memory->eval_branches_at.line == 11);
  CHECK(render_memory(*memory, {"m.py"}).find("forward reads `self.training` (m.py:11)") !=
        std::string::npos);
}

// PyTorch 1.13, measured with saved_tensors_hooks on nn.Sequential(nn.Embedding(100, 8),
// nn.Flatten(), nn.Linear(96, 4)) given int64 token ids [2, 12]: it saves the indices (192 B,
// int64 whatever the model's dtype) and the Linear's input (768 B) besides the parameters.
TEST_CASE("memory: token ids are int64, and an Embedding keeps them for its weight's gradient") {
  auto m = check_ns(
      "model M\ninput tokens: [2, 12]\ne = Embedding(100, 8)(tokens)\nf = flatten(1)\n"
      "fc = Linear(96, 4)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 192 + 768);
  CHECK(memory->output_bytes == std::vector<int64_t>{768, 768, 32});
  // at e the ids (192) and e (768); at f, the ids freed, e and its copy f (768 each)
  CHECK(memory->inference_peak_bytes == 768 + 768);
  // an arange of ints and an argmax are int64 too: positions [12] are 96 bytes
  auto positions = check_ns("model M\ninput x: [2, 12]\np = arange(12)\ne = Embedding(12, 4)(p)\n");
  REQUIRE(positions.exit == ExitCode::Ok);
  auto pm = estimate_model_memory(positions.analysis, {});
  REQUIRE(pm);
  CHECK(pm->output_bytes == std::vector<int64_t>{96, 192});
  // int32 positions: 4 bytes each, at any --dtype
  auto int32 = check_ns(
      "model M\ninput x: [2, 12]\np = arange(12, dtype=\"int32\")\ne = Embedding(12, 4)(p)\n");
  REQUIRE(int32.exit == ExitCode::Ok);
  MemoryOptions half;
  half.dtype = DType::float16;
  auto im = estimate_model_memory(int32.analysis, half);
  REQUIRE(im);
  CHECK(im->output_bytes == std::vector<int64_t>{48, 96});
  // a .py input declared int32 counts 4 bytes an element
  auto py = test::analyze_py(
      "import torch.nn as nn\n# input: [2, 12] int32\nmodel = nn.Sequential(nn.Embedding(100, "
      "8), nn.Flatten(), nn.Linear(96, 4))\n",
      "m.py", "");
  REQUIRE(py.exit == ExitCode::Ok);
  auto pym = estimate_model_memory(py.analysis, {});
  REQUIRE(pym);
  CHECK(pym->saved_for_backward_bytes == 96 + 768);
}

// PyTorch 1.13, measured with saved_tensors_hooks on this model given a float [2, 12] input: it
// saves the int64 ids the cat made (384 B), the int32 positions `p % 12` made (96 B) and the
// Linear's input (1536 B). Tensors of integers keep their own type's bytes at any --dtype.
TEST_CASE("memory: a .py model's casts, cats and aranges of ids count their own types' bytes") {
  auto m = test::analyze_py(R"(import torch
import torch.nn as nn

# input: [2, 12]


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 8)
        self.pos = nn.Embedding(12, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, tokens):
        ids = torch.cat([tokens.long(), tokens.long()], dim=1)
        p = torch.arange(0, 24, dtype=torch.int32)
        h = self.emb(ids) + self.pos(p % 12)
        return self.fc(h)
)",
                            "tagger.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 384 + 96 + 1536);
  // cat1 int64 [2, 24], arange2 int32 [24], then float32 rows
  CHECK(memory->output_bytes == std::vector<int64_t>{384, 96, 1536, 768, 1536, 768});
  MemoryOptions half;
  half.dtype = DType::float16;
  auto at_half = estimate_model_memory(m.analysis, half);
  REQUIRE(at_half);
  CHECK(at_half->saved_for_backward_bytes == 384 + 96 + 768);
}

// PyTorch 1.13 (saved_tensors_hooks): nn.Embedding(100, 8) reading `tokens.long()` of a float
// [2, 12] input saves that int64 copy, 192 B, whatever the model's dtype.
TEST_CASE("memory: a cast's copy an Embedding keeps counts its type's bytes") {
  auto m = test::analyze_py(R"(import torch.nn as nn

# input: [2, 12]


class Bag(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 8)

    def forward(self, tokens):
        return self.emb(tokens.long())
)",
                            "bag.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  for (DType dtype : {DType::float32, DType::float16}) {
    MemoryOptions o;
    o.dtype = dtype;
    auto memory = estimate_model_memory(m.analysis, o);
    REQUIRE(memory);
    CHECK(memory->saved_for_backward_bytes == 192);
  }
}

// PyTorch 1.13 (saved_tensors_hooks): a Linear reading `tokens.float()` of long ids [2, 12]
// keeps that float32 copy, 96 B (not the ids' 8 bytes an element); a .py arange of dtype
// float32 is 4 bytes an element (its dtype= is not the estimate's to read).
TEST_CASE("memory: a cast to float32 and a float arange count float32's bytes") {
  auto m = test::analyze_py(R"(import torch
import torch.nn as nn

# input: [2, 12] long


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 3)

    def forward(self, tokens):
        r = torch.arange(0, 12, dtype=torch.float32)
        return self.fc(tokens.float()) + self.fc(r)
)",
                            "m.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->output_bytes.front() == 12 * 4);  // the arange
  CHECK(memory->saved_for_backward_bytes == 96 + 48);
}

// PyTorch 1.13, measured with saved_tensors_hooks on this spatial transformer given [2, 1, 12,
// 10]: the Linear keeps its input (a view of x, 960 B), grid_sample the input x (the same
// memory) and the grid (1,920 B); affine_grid keeps nothing (its backward needs only the size).
TEST_CASE("memory: grid_sample saves its input and its grid, affine_grid nothing") {
  auto py = test::analyze_py(
      "import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Net(nn.Module):\n"
      "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(120, 6)\n\n"
      "    def forward(self, x):\n        theta = self.fc(x.flatten(1)).view(-1, 2, 3)\n"
      "        grid = F.affine_grid(theta, x.size(), align_corners=False)\n"
      "        return F.grid_sample(x, grid, align_corners=False)\n\n# input: [2, 1, 12, 10]\n",
      "m.py", "");
  REQUIRE(py.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(py.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 960 + 1920);
}

// PyTorch 1.13, measured with saved_tensors_hooks on nn.Sequential(nn.Linear(4, 8), nn.GLU(),
// nn.Linear(4, 6), nn.Softmin(dim=1)) given [2, 4]: the Linears' inputs (32 B each), GLU's
// input (64 B) and the softmax's result inside Softmin (48 B); the negation keeps nothing.
TEST_CASE("memory: GLU saves its input, Softmin its result") {
  auto m = check_ns("input x: [2, 4]\nLinear(4, 8)\nGLU()\nLinear(4, 6)\nSoftmin(dim=1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 32 + 64 + 32 + 48);
}

// PyTorch 1.13 (saved_tensors_hooks, as tests/zoo/saved_for_backward.py counts) on x [4, 8, 5],
// h = fc(x), g = fc2(x): both Linears keep x (640 bytes, once); cosine_similarity(h, g) keeps h
// and g, their products and the squared norms; pairwise_distance the difference and the result;
// sort, argsort and topk the int64 indices.
TEST_CASE("memory: the distances, sort, topk and repeat_interleave save what PyTorch saves") {
  const std::string pair = "input x: [4, 8, 5]\nh = Linear(5, 5)(x)\ng = Linear(5, 5)(x)\n";
  const std::pair<std::string, int64_t> cases[] = {
      {pair + "cosine_similarity(h, g)\n", 3360},
      {pair + "pairwise_distance(h, g)\n", 1408},
      {"input x: [4, 8, 5]\nLinear(5, 5)\nsort(1)\n", 1920},
      {"input x: [4, 8, 5]\nLinear(5, 5)\nargsort(1)\n", 1920},
      {"input x: [4, 8, 5]\nLinear(5, 5)\ntopk(3, 1)\n", 1120},
      // repeat_interleave keeps the int64 index its index_select read
      {"input x: [4, 8, 5]\nLinear(5, 5)\nrepeat_interleave(2, dim=1)\n", 640 + 128},
      {"input x: [4, 8, 5]\nLinear(5, 5)\nrepeat_interleave(3)\n", 640 + 3840},
  };
  for (const auto& c : cases) {
    const std::string& text = c.first;  // (clang: no structured binding in INFO's capture)
    int64_t bytes = c.second;
    auto m = check_ns(text);
    REQUIRE(m.exit == ExitCode::Ok);
    auto memory = estimate_model_memory(m.analysis, {});
    REQUIRE(memory);
    INFO(text);
    CHECK(memory->saved_for_backward_bytes == bytes);
  }
}

// PyTorch 1.13 (saved_tensors_hooks on F.conv2d): the convolution keeps its input and its weight,
// not its bias; a weight that is an nn.Parameter is counted with the parameters, a weight computed
// from one (w * w, [4, 3, 3, 3] float32: 432 B) is an activation it keeps.
TEST_CASE("memory: F.conv2d keeps its input and its weight") {
  auto m = check_ns(
      "input x: [2, 3, 8, 8]\nw = parameter(4, 3, 3, 3)\nb = parameter(4)\n"
      "y = conv2d(x, w, b, padding=1)\nw2 = mul(w, w)\nz = conv2d(x, w2)\noutput y, z\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 2 * 3 * 8 * 8 * 4 + 432);
  CHECK(memory->parameter_bytes == (108 + 4) * 4);
}

// PyTorch 1.13, measured with saved_tensors_hooks in training mode (each storage once, parameters
// and buffers excluded). With gradients off (`with torch.no_grad():`, a method decorated
// `@torch.no_grad()`) the layers keep nothing and their outputs need no gradient; a tensor read
// through `.detach()` needs none either, so `u * s` keeps u (for s's gradient) but not s.
TEST_CASE("memory: no_grad blocks and detach keep what PyTorch keeps") {
  LoadedModel distill = analyze_text(R"(import torch
import torch.nn as nn

# input: [2, 3, 8, 8]


class Distill(nn.Module):
    def __init__(self):
        super().__init__()
        self.teacher = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.student = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        with torch.no_grad():
            t = self.teacher(x)
            t2 = t * 2
        s = self.student(x)
        d = (s - t2).abs()
        u = s.detach().sigmoid()
        v = (u * s).flatten(1)
        return self.head(v) + d.mean()
)",
                                     "distill.py");
  INFO(render_diagnostics(distill));
  REQUIRE(distill.exit == ExitCode::Ok);
  CHECK(distill.analysis.outputs[0].second == Shape{fixed(2), fixed(10)});
  MemoryOptions o;
  o.graph = &*distill.graph;
  auto memory = estimate_model_memory(distill.analysis, o);
  REQUIRE(memory);
  CHECK(memory->saved_not_counted.message.empty());
  // the student's input x, |s - t2|, u, and the head's input
  CHECK(memory->saved_for_backward_bytes == 1536 + 2048 + 2048 + 2048);

  const std::string backbone = R"(import contextlib

import torch
import torch.nn as nn

# input: [2, 3, 8, 8]


class Backbone(nn.Module):
    def __init__(self, frozen):
        super().__init__()
        self.frozen = frozen
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    @torch.no_grad()
    def features(self, x):
        return self.bn(self.conv(x)).relu()

    def forward(self, x):
        with torch.no_grad() if self.frozen else contextlib.nullcontext():
            f = self.conv(x).sigmoid()
        with torch.set_grad_enabled(False), torch.enable_grad():
            g = self.bn(f).tanh()
        with contextlib.nullcontext(g) as h, torch.autocast("cpu", enabled=False):
            return h + self.features(x)


model = Backbone(FROZEN)
)";
  // frozen: the batch norm's input f and its statistics (16 + 16), tanh's result; trained: x,
  // sigmoid's result (which is f, one storage), the statistics and tanh's result
  for (const auto& c : {std::pair{"True", 2048 + 32 + 2048}, {"False", 1536 + 2048 + 32 + 2048}}) {
    const char* frozen = c.first;  // (clang refuses a structured binding captured by INFO)
    int bytes = c.second;
    std::string text = backbone;
    text.replace(text.find("FROZEN"), 6, frozen);
    LoadedModel m = analyze_text(text, "backbone.py");
    INFO(frozen);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(m.analysis.outputs[0].second == Shape{fixed(2), fixed(4), fixed(8), fixed(8)});
    MemoryOptions bo;
    bo.graph = &*m.graph;
    auto bm = estimate_model_memory(m.analysis, bo);
    REQUIRE(bm);
    CHECK(bm->saved_for_backward_bytes == bytes);
  }
}

// PyTorch 1.13, measured with saved_tensors_hooks on nn.Sequential(nn.Conv2d(3, 4, 1),
// nn.Softmax2d(), nn.ChannelShuffle(2), nn.Conv2d(4, 2, 1)) given [2, 3, 4, 4]: the first conv's
// input (384 B), the softmax's result (512 B) and the last conv's input (512 B); the shuffle
// keeps nothing of its own.
TEST_CASE("memory: Softmax2d saves its result, a channel shuffle nothing") {
  auto m = check_ns(
      "input x: [2, 3, 4, 4]\nConv2d(3, 4, 1)\nSoftmax2d()\nChannelShuffle(2)\nConv2d(4, 2, 1)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  auto memory = estimate_model_memory(m.analysis, {});
  REQUIRE(memory);
  CHECK(memory->saved_for_backward_bytes == 384 + 512 + 512);
}
