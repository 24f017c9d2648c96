// Receptive field (check --rf) and valid input sizes (netshape sizes). The numbers are PyTorch's:
// tests/golden/gen_rf_sizes.py measures each field from the gradient of an interior output
// position (a max pool measured as a convolution of its window) and runs the same nn.Sequential
// forward on every input size; its output is quoted in the comments.
#include <fstream>
#include <sstream>
#include <tuple>

#include "netshape/input_sizes.hpp"
#include "netshape/receptive_field.hpp"
#include "netshape/sizes_report.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;

namespace {

std::string read_model(const std::string& relative) {
  std::ifstream in(std::string(NETSHAPE_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "size jump start" of a layer along its first spatial axis ("-" / "?" without a field).
std::string field_of(const LoadedModel& m, const ReceptiveFields& rf, const std::string& layer) {
  for (size_t i = 0; i < m.analysis.layers.size(); ++i) {
    if (m.analysis.layers[i].name != layer) continue;
    const LayerField& f = rf.layers[i];
    if (f.kind != FieldKind::Grid) return f.kind == FieldKind::NoGrid ? "-" : "?";
    const AxisField& a = f.axes[0];
    return to_string(a.size) + " " + to_string(a.jump) + " " + to_string(a.start);
  }
  return "missing";
}

struct Fields {
  LoadedModel model;
  ReceptiveFields rf;
  std::vector<Diagnostic> warnings;  // those the receptive field added
};

Fields fields_of(const std::string& text) {
  Fields f{check_ns(text), {}, {}};
  INFO(render_diagnostics(f.model));
  REQUIRE(f.model.exit == ExitCode::Ok);
  Diagnostics diags;
  f.rf = receptive_fields(*f.model.graph, f.model.analysis, diags);
  f.warnings = diags.items();
  return f;
}

test::ShellRun run_cli(const std::string& args) {
  return test::run_shell("cd " + std::string(NETSHAPE_SOURCE_DIR) + " && " +
                         std::string(NETSHAPE_BINARY) + " " + args + " 2>&1");
}

// The sizes of one variant that are valid, and what the first of them gives.
std::vector<int64_t> valid_sizes(const SizeVariant& v) {
  std::vector<int64_t> out;
  for (const SizeProbe& p : v.probes)
    if (p.valid) out.push_back(p.size);
  return out;
}

const SizeProbe& probe_at(const SizeVariant& v, int64_t size) {
  for (const SizeProbe& p : v.probes)
    if (p.size == size) return p;
  FAIL("no probe of size " << size);
  return v.probes.front();
}

}  // namespace

TEST_CASE("rfsizes: the LeNet's receptive field, as PyTorch's gradients give it") {
  // gen_rf_sizes.py: conv1 (5, 1, 2), pool1 (7, 3, 3), conv2 (19, 3, 9), pool2 (22, 6, 10.5).
  Fields f = fields_of(read_model("models/lenet.ns"));
  CHECK(field_of(f.model, f.rf, "conv1") == "5 1 2");
  CHECK(field_of(f.model, f.rf, "pool1") == "7 3 3");
  CHECK(field_of(f.model, f.rf, "relu1") == "7 3 3");
  CHECK(field_of(f.model, f.rf, "conv2") == "19 3 9");
  CHECK(field_of(f.model, f.rf, "pool2") == "22 6 10.5");
  CHECK(field_of(f.model, f.rf, "relu2") == "22 6 10.5");
  // view(-1, 256) ends the grid: the rows after it have no field, and the reason says where.
  CHECK(field_of(f.model, f.rf, "flat") == "-");
  CHECK(field_of(f.model, f.rf, "fc2") == "-");
  CHECK(f.rf.layers.back().reason == "the spatial grid ends at flat (view)");
  CHECK(f.warnings.empty());
  // Both spatial axes of the unbatched [1, 28, 28] input.
  CHECK(f.rf.layers[4].axes.size() == 2);
}

TEST_CASE("rfsizes: a dilated stack and padded, ceil_mode windows") {
  // gen_rf_sizes.py: dilated 1..5 (3, 1, 1) (7, 1, 3) (15, 2, 7) (23, 2, 11) (27, 4, 13).
  Fields d = fields_of(
      "input x: [1, 1, 120, 120]\n"
      "c1 = Conv2d(1, 1, 3, dilation=1)\n"
      "c2 = Conv2d(1, 1, 3, dilation=2)\n"
      "c3 = Conv2d(1, 1, 3, dilation=4, stride=2)\n"
      "c4 = Conv2d(1, 1, 3, dilation=2)\n"
      "p5 = MaxPool2d(2, stride=2, dilation=2)\n");
  CHECK(field_of(d.model, d.rf, "c1") == "3 1 1");
  CHECK(field_of(d.model, d.rf, "c2") == "7 1 3");
  CHECK(field_of(d.model, d.rf, "c3") == "15 2 7");
  CHECK(field_of(d.model, d.rf, "c4") == "23 2 11");
  CHECK(field_of(d.model, d.rf, "p5") == "27 4 13");
  // gen_rf_sizes.py: padded 1..3 (3, 2, 0) (7, 4, 0) (19, 4, -2): padding moves the start
  // before the input; ceil_mode adds a last window and leaves the first where it was.
  Fields p = fields_of(
      "input x: [1, 1, 120, 120]\n"
      "c1 = Conv2d(1, 1, 3, stride=2, padding=1)\n"
      "p2 = MaxPool2d(3, 2, padding=1, ceil_mode=True)\n"
      "c3 = Conv2d(1, 1, 4, padding=2)\n");
  CHECK(field_of(p.model, p.rf, "c1") == "3 2 0");
  CHECK(field_of(p.model, p.rf, "p2") == "7 4 0");
  CHECK(field_of(p.model, p.rf, "c3") == "19 4 -2");
}

TEST_CASE("rfsizes: upsampling, transposed convolution, padding and reductions") {
  // docs/receptive_field.md's formulas, by hand: after conv k3 (3, 1, 1),
  // Upsample x2 nearest: r 3, j 1/2, start 1 + (1-2)/4 = 0.75; bilinear reads 2 inputs: r 4;
  // ConvTranspose k2 s2: r 3 + floor(1/2) = 3, j 1/2, start 1 + (0 - 1/2)/2 = 0.75;
  // ConvTranspose k3 s2 p1: r 3 + floor(2/2) = 4, start 1 + (1 - 1)/2 = 1;
  // ZeroPad2d((2, 0, 1, 0)) moves H's start back by 1 (top) and W's by 2 (left);
  // nearest x1/2 reads every second input: j 2, start 1; bilinear x1/2 samples between two: r 4,
  // start 1.5; mean over H and W with keepdim is one window over the 8x8 grid: r 3 + 7 = 10.
  Fields f = fields_of(
      "input x: [1, 4, 8, 8]\n"
      "c = Conv2d(4, 4, 3, padding=1)\n"
      "up = Upsample(scale_factor=2)(c)\n"
      "bil = Upsample(scale_factor=2, mode='bilinear')(c)\n"
      "t = ConvTranspose2d(4, 4, 2, stride=2)(c)\n"
      "t3 = ConvTranspose2d(4, 4, 3, stride=2, padding=1)(c)\n"
      "pad = ZeroPad2d((2, 0, 1, 0))(c)\n"
      "half = interpolate(c, scale_factor=0.5)\n"
      "halfb = interpolate(c, scale_factor=0.5, mode='bilinear')\n"
      "third = Upsample(scale_factor=1.5)(c)\n"
      "m = mean(c, [2, 3], keepdim=True)\n"
      "out = add(c, m)\n"
      "output up, bil, t, t3, pad, half, halfb, third, out\n");
  CHECK(field_of(f.model, f.rf, "c") == "3 1 0");
  CHECK(field_of(f.model, f.rf, "up") == "3 0.5 -0.25");
  CHECK(field_of(f.model, f.rf, "bil") == "4 0.5 -0.25");
  CHECK(field_of(f.model, f.rf, "t") == "3 0.5 -0.25");
  CHECK(field_of(f.model, f.rf, "t3") == "4 0.5 0");
  CHECK(field_of(f.model, f.rf, "pad") == "3 1 -1");
  CHECK(to_string(f.rf.layers[5].axes[1].start) == "-2");
  CHECK(field_of(f.model, f.rf, "half") == "3 2 0");
  CHECK(field_of(f.model, f.rf, "halfb") == "4 2 0.5");
  // 8 to 12 is no resampling by a whole factor: labelled unknown, never guessed.
  CHECK(field_of(f.model, f.rf, "third") == "?");
  CHECK(f.rf.layers[8].reason == "third (Upsample): 8 to 12 is not a resampling by a whole factor");
  CHECK(field_of(f.model, f.rf, "m") == "10 8 3.5");
  // Broadcast along H and W, the mean's field counts in the size, not in the alignment.
  CHECK(field_of(f.model, f.rf, "out") == "10 1 0");
  CHECK(f.warnings.empty());
}

TEST_CASE("rfsizes: merges take the largest field and warn when the grids do not line up") {
  // A ResNet downsampling block: conv3x3 s2 p1 then conv3x3 p1 beside a 1x1 s2 shortcut. Both
  // branches' first output is centred on input pixel 0 with jump 2: aligned, no warning.
  Fields ok = fields_of(
      "input x: [1, 8, 16, 16]\n"
      "a = Conv2d(8, 8, 3, stride=2, padding=1)(x)\n"
      "b = Conv2d(8, 8, 3, padding=1)(a)\n"
      "s = Conv2d(8, 8, 1, stride=2)(x)\n"
      "y = add(b, s)\n");
  CHECK(field_of(ok.model, ok.rf, "b") == "7 2 0");
  CHECK(field_of(ok.model, ok.rf, "s") == "1 2 0");
  CHECK(field_of(ok.model, ok.rf, "y") == "7 2 0");
  CHECK(ok.warnings.empty());
  // A 2x2 stride-2 branch is centred half a pixel later: PyTorch adds them without complaint.
  Fields bad = fields_of(
      "input x: [1, 8, 16, 16]\n"
      "a = Conv2d(8, 8, 3, stride=2, padding=1)(x)\n"
      "s = Conv2d(8, 8, 2, stride=2)(x)\n"
      "y = cat([a, s], dim=1)\n");
  CHECK(field_of(bad.model, bad.rf, "y") == "3 2 0");
  REQUIRE(bad.warnings.size() == 1);
  const Diagnostic& w = bad.warnings[0];
  CHECK(w.severity == Severity::Warning);
  CHECK(w.code == "rf-misaligned");
  CHECK(w.layer == "y");
  CHECK(w.message ==
        "y merges grids that do not line up: along H, `a` has jump 2 and start 0 but `s` has jump "
        "2 and start 0.5; along W, `a` has jump 2 and start 0 but `s` has jump 2 and start 0.5; "
        "the receptive field shown is the largest");
  // cat along a spatial axis lays two grids end to end: no single start and jump.
  Fields side = fields_of(
      "input x: [1, 8, 16, 16]\n"
      "a = Conv2d(8, 8, 3, padding=1)(x)\n"
      "y = cat([a, x], dim=3)\n");
  CHECK(field_of(side.model, side.rf, "y") == "?");
}

TEST_CASE("rfsizes: where and masked_fill merge their inputs' fields as add does") {
  // a 3x3 and a 5x5 branch picked between by a mask of the 3x3 one: the largest, 5
  Fields picked = fields_of(
      "input x: [1, 3, 16, 16]\n"
      "c = Conv2d(3, 8, 3, padding=1)(x)\n"
      "d = Conv2d(3, 8, 5, padding=2)(x)\n"
      "w = where(c, d, c)\n"
      "f = masked_fill(d, c, 0.0)\n"
      "p = MaxPool2d(2)(w)\n");
  CHECK(field_of(picked.model, picked.rf, "w") == "5 1 0");
  CHECK(field_of(picked.model, picked.rf, "f") == "5 1 0");
  CHECK(field_of(picked.model, picked.rf, "p") == "6 2 0.5");
  CHECK(picked.warnings.empty());
}

TEST_CASE("rfsizes: check --rf adds columns, JSON members and the warning, without it nothing") {
  auto plain = run_cli("check models/lenet.ns");
  auto rf = run_cli("check models/lenet.ns --rf");
  CHECK(plain.code == 0);
  CHECK(rf.code == 0);
  CHECK(plain.out.find("jump") == std::string::npos);
  CHECK(rf.out.find(" 5  pool2  max_pool2d  conv2  [64, 2, 2]         0        0  22x22  6x6   "
                    "10.5, 10.5\n") != std::string::npos);
  CHECK(rf.out.find("receptive field: the spatial grid ends at flat (view); the rows marked - "
                    "have none\n") != std::string::npos);
  auto json = run_cli("check models/lenet.ns --rf --format json");
  CHECK(json.out.find("\"rf\": {\n        \"size\": [\n          22,\n          22\n        ],") !=
        std::string::npos);
  CHECK(json.out.find("\"start\": [\n          10.5,") != std::string::npos);
  CHECK(json.out.find("\"rf_note\": \"the spatial grid ends at flat (view)\"") !=
        std::string::npos);
  CHECK(run_cli("check models/lenet.ns --format json").out.find("\"rf\"") == std::string::npos);
  auto csv = run_cli("check models/lenet.ns --rf --format csv");
  CHECK(csv.out.find(",rf,jump,start\n") != std::string::npos);
  CHECK(csv.out.find(",22x22,6x6,\"10.5, 10.5\"\n") != std::string::npos);
  CHECK(run_cli("check models/lenet.ns --rf --depth 1").code == 2);
  // The warning comes after the table, like the others, and the exit code stays 0.
  std::string misaligned =
      "printf 'input x: [1, 8, 16, 16]\\na = Conv2d(8, 8, 3, stride=2, "
      "padding=1)(x)\\ns = Conv2d(8, 8, 2, stride=2)(x)\\ny = add(a, s)\\n' "
      "| " +
      std::string(NETSHAPE_BINARY) + " check - --rf 2>&1";
  auto w = test::run_shell(misaligned);
  CHECK(w.code == 0);
  size_t table = w.out.find("params: ");
  size_t warning = w.out.find("warning: y merges grids that do not line up");
  CHECK(table != std::string::npos);
  CHECK(warning != std::string::npos);
  CHECK(warning > table);
}

TEST_CASE("rfsizes: render_json with --rf equals the nlohmann dump") {
  for (const char* model : {"models/lenet.ns", "models/tensor_ops.ns", "models/zoo/unet.ns",
                            "models/downsample_interpolate.ns"}) {
    LoadedModel m = check_ns(read_model(model), model);
    REQUIRE(m.exit == ExitCode::Ok);
    ReceptiveFields rf = receptive_fields(*m.graph, m.analysis, m.diags);
    CHECK(render_json(m.analysis, m.diags, nullptr, &rf) ==
          to_json(m.analysis, m.diags, nullptr, &rf)
                  .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
              "\n");
  }
}

TEST_CASE("rfsizes: exact fractions") {
  CHECK(to_string(Ratio{21, 2}) == "10.5");
  CHECK(to_string(Ratio{-1, 4}) == "-0.25");
  CHECK(to_string(Ratio{1, 3}) == "1/3");
  CHECK(to_string(Ratio{7, 5}) == "1.4");
  CHECK(*make_ratio(4, -6) == Ratio{-2, 3});
  CHECK(*(Ratio{1, 2} + Ratio{1, 3}) == Ratio{5, 6});
  CHECK_FALSE((Ratio{INT64_MAX, 1} + Ratio{1, 1}).has_value());
  CHECK_FALSE((Ratio{INT64_MAX, 1} * Ratio{2, 1}).has_value());
}

TEST_CASE("rfsizes: the CIFAR CNN accepts 30 to 33, and pool floors drop rows in between") {
  // gen_rf_sizes.py: valid H = W in 16..40 are 30, 31, 32, 33, each giving (1, 10).
  LoadedModel m = check_ns(read_model("models/cifar_cnn.ns"));
  SizeSurvey s = survey_input_sizes(*m.graph, 16, 40);
  REQUIRE(s.variants.size() == 3);
  CHECK(s.variants[0].name == "H=W");
  CHECK(s.variants[1].name == "H");
  CHECK(s.variants[2].name == "W");
  for (const SizeVariant& v : s.variants) {
    CHECK(valid_sizes(v) == std::vector<int64_t>{30, 31, 32, 33});
    CHECK(v.smallest == 30);
  }
  const SizeVariant& square = s.variants[0];
  CHECK(to_string(probe_at(square, 32).outputs[0].second) == "[B, 10]");
  CHECK(probe_at(square, 17).failing_layer == "conv3");  // 17 -> 15 -> 7 -> 5 -> 2 -> 3x3 conv
  CHECK(probe_at(square, 34).failing_layer == "fc1");    // 34 -> ... 5x5: 3200 features
  // 31 -> conv1 29, pool1 floors 29/2 (drops 1); 32 -> conv2 13, pool2 drops 1.
  REQUIRE(probe_at(square, 31).drops.size() == 1);
  CHECK(probe_at(square, 31).drops[0].layer == "pool1");
  CHECK(probe_at(square, 31).drops[0].dropped == std::vector<int64_t>{1, 1});
  CHECK(probe_at(square, 30).drops.empty());
  // Varying H alone keeps W = 32, whose pool2 floor drops a column at every H.
  REQUIRE(probe_at(s.variants[1], 30).drops.size() == 1);
  CHECK(probe_at(s.variants[1], 30).drops[0].dropped == std::vector<int64_t>{0, 1});
  std::string text = render_sizes(s, m.graph->model_name, "x");
  CHECK(text.find("H=W=31  -> [B, 10]  (pool1 drops 1 row and 1 column)\n") != std::string::npos);
  CHECK(text.find("H (W = 32 as declared):\n") != std::string::npos);
  CHECK(text.find("  H=W=34..40  error at fc1\n") != std::string::npos);
  CHECK(text.find("valid: 4 of 25 sizes; smallest valid H=W: 30\n") != std::string::npos);
}

TEST_CASE("rfsizes: the smallest input of the notes' models") {
  // gen_rf_sizes.py: the LeNet's valid H = W in 16..40 are 28..33 (1, 10) and 40 (4, 10):
  // view(-1, 256) turns the larger grid into more rows. Quiz 5 (1x50x50) needs 14.
  LoadedModel lenet = check_ns(read_model("models/lenet.ns"));
  SizeSurvey s = survey_input_sizes(*lenet.graph, 16, 40);
  CHECK(valid_sizes(s.variants[0]) == std::vector<int64_t>{28, 29, 30, 31, 32, 33, 40});
  CHECK(to_string(probe_at(s.variants[0], 40).outputs[0].second) == "[4, 10]");
  LoadedModel q5 = check_ns(read_model("models/quiz_q5.ns"));
  SizeSurvey q = survey_input_sizes(*q5.graph, 16, 20);
  CHECK(q.variants[0].smallest == 14);  // found below the range: 14 -> 12 -> 6 -> 2 -> 1
  CHECK(to_string(probe_at(q.variants[0], 18).outputs[0].second) == "[B, 32, 2, 2]");
  CHECK(valid_sizes(q.variants[0]) == std::vector<int64_t>{16, 17, 18, 19, 20});
  // Each notes model's smallest square input (H = W), from 1 up; gen_rf_sizes.py runs the .py
  // files with PyTorch: cifar_cnn 30, lenet_like 28, quiz_q4 4, quiz_q5 14, fashion_7x7 28,
  // korean_cnn 20, simple_cnn 32, fashion_5conv_stride 25. The .ns twins say the same.
  std::vector<std::tuple<std::string, std::string, int64_t>> smallest = {
      {"cifar_cnn", "cifar_cnn", 30},     {"lenet_like", "lenet", 28},
      {"quiz_q4", "quiz_q4", 4},          {"quiz_q5", "quiz_q5", 14},
      {"fashion_7x7", "fashion_7x7", 28}, {"korean_cnn", "korean_cnn", 20},
      {"simple_cnn", "simple_cnn", 32},   {"fashion_5conv_stride", "fashion_5conv_stride", 25}};
  for (const auto& [py, ns, size] : smallest) {
    for (const std::string& model : {"models/notes/" + py + ".py", "models/" + ns + ".ns"}) {
      CAPTURE(model);
      LoadedModel m = check_ns(read_model(model), model);
      REQUIRE(m.graph.has_value());
      CHECK(survey_input_sizes(*m.graph, 1, 64).variants[0].smallest == size);
    }
  }
}

TEST_CASE("rfsizes: --solve finds the inputs that give fc1 2048 features") {
  // The notes' quiz (seed 000: "H_in = 128 * 4 * 4 = 2048"): gen_rf_sizes.py gives 30..33.
  LoadedModel m = check_ns(read_model("models/cifar_cnn.ns"));
  SizeTarget t{"fc1", false, 2048};
  SizeSurvey s = survey_input_sizes(*m.graph, 1, 100, t);
  std::string text = render_solutions(s, t, "CifarCNN", "x");
  CHECK(text ==
        "model CifarCNN  (input x: [B, 3, 32, 32]; sizes 1..100)\n\n"
        "fc1's input has 2048 as its last dim for:\n"
        "  H=W (all spatial sizes equal): 30..33\n"
        "  H (W = 32 as declared): 30..33\n"
        "  W (H = 32 as declared): 30..33\n");
  auto cli = run_cli("sizes models/cifar_cnn.ns --solve fc1.in=2048");
  CHECK(cli.code == 0);
  CHECK(cli.out.find("  H=W (all spatial sizes equal): 30..33\n") != std::string::npos);
  // An odd feature count no input gives: exit 1.
  auto none = run_cli("sizes models/cifar_cnn.ns --solve fc1.in=2047 --range 16..64");
  CHECK(none.code == 1);
  CHECK(none.out.find("H=W (all spatial sizes equal): none in the range\n") != std::string::npos);
  // The .py twin reads the same.
  CHECK(run_cli("sizes models/notes/cifar_cnn.py --solve fc1.in=2048").out.find("30..33") !=
        std::string::npos);
}

TEST_CASE("rfsizes: sizes refuses what it cannot answer, with exit 2") {
  auto big = run_cli("sizes models/cifar_cnn.ns --range 1..5000");
  CHECK(big.code == 2);
  CHECK(big.out.find("holds 5000 sizes; netshape tries at most 4096 at a time") !=
        std::string::npos);
  CHECK(run_cli("sizes models/cifar_cnn.ns --range 40..16").code == 2);
  CHECK(run_cli("sizes models/cifar_cnn.ns --range 16-40").code == 2);
  CHECK(run_cli("sizes models/cifar_cnn.ns --solve fc9.in=2048").code == 2);
  CHECK(run_cli("sizes models/cifar_cnn.ns --solve fc1=2048").code == 2);
  auto mlp = run_cli("sizes models/mlp_fashion.ns --input B,784");
  CHECK(mlp.code == 2);
  CHECK(mlp.out.find("has no spatial dims to vary") != std::string::npos);
  // A forward that computes with its input's sizes was read for the declared input only.
  std::string py =
      "printf 'import torch.nn as nn\\n# input: [B, 3, 32, 32]\\nclass M(nn.Module):\\n"
      "    def __init__(self):\\n        super().__init__()\\n"
      "        self.fc = nn.Linear(32, 10)\\n"
      "    def forward(self, x):\\n        if x.size(-1) == 32:\\n"
      "            x = self.fc(x)\\n        return x\\n' > /tmp/rfsizes_sized.py && " +
      std::string(NETSHAPE_BINARY) + " sizes /tmp/rfsizes_sized.py 2>&1";
  auto sized = test::run_shell(py);
  CHECK(sized.code == 2);
  CHECK(sized.out.find("forward computes with its input's sizes (line 8)") != std::string::npos);
}

TEST_CASE("rfsizes: a batched 1-d input of rank 3 varies its length only") {
  // [8, 1, 1000] into Conv1d is [N, C, L], not [C, H, W]: PyTorch 1.13 runs Conv1dNet for
  // lengths 1000..1007 of 985..1010 (four MaxPool1d(2) floors reach the 62 that head needs).
  LoadedModel m =
      check_ns(read_model("tests/py_models/audio_1d.py"), "tests/py_models/audio_1d.py");
  REQUIRE(m.graph.has_value());
  CHECK(varied_axes(*m.graph).dims == std::vector<size_t>{2});
  SizeSurvey s = survey_input_sizes(*m.graph, 985, 1010);
  REQUIRE(s.variants.size() == 1);
  CHECK(s.variants[0].name == "L");
  CHECK(valid_sizes(s.variants[0]) ==
        std::vector<int64_t>{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007});
  CHECK(to_string(probe_at(s.variants[0], 1007).outputs[0].second) == "[8, 4]");  // PyTorch: (8, 4)
}

TEST_CASE("rfsizes: sizes --format json holds every probe, and the solutions of --solve") {
  LoadedModel m = check_ns(read_model("models/cifar_cnn.ns"));
  SizeSurvey s = survey_input_sizes(*m.graph, 29, 31);
  auto j = nlohmann::json::parse(render_sizes_json(s, std::nullopt, "CifarCNN", "x"));
  CHECK(j["model"] == "CifarCNN");
  CHECK(j["input"]["shape"] == nlohmann::json::parse(R"(["B", 3, 32, 32])"));
  CHECK(j["range"] == nlohmann::json::parse("[29, 31]"));
  REQUIRE(j["variants"].size() == 3);
  const auto& square = j["variants"][0];
  CHECK(square["name"] == "H=W");
  CHECK(square["axes"] == nlohmann::json::parse("[0, 1]"));
  CHECK(square["probes"][0] == nlohmann::json::parse(R"({"size": 29, "valid": false,
                                                        "error_at": "fc1"})"));
  CHECK(square["probes"][1]["outputs"]["fc2"] == nlohmann::json::parse(R"(["B", 10])"));
  CHECK(square["probes"][1]["floor_drops"].empty());
  CHECK(square["probes"][2]["floor_drops"] ==
        nlohmann::json::parse(R"([{"layer": "pool1", "dropped": [1, 1]}])"));
  CHECK(square["valid"] == 2);
  CHECK(square["smallest"] == 30);
  SizeTarget t{"fc1", false, 2048};
  SizeSurvey solved = survey_input_sizes(*m.graph, 28, 35, t);
  auto js = nlohmann::json::parse(render_sizes_json(solved, t, "CifarCNN", "x"));
  CHECK(js["solve"] == nlohmann::json::parse(R"({"layer": "fc1", "side": "in", "value": 2048})"));
  CHECK(js["variants"][0]["solutions"] == nlohmann::json::parse("[30, 31, 32, 33]"));
  CHECK(js["variants"][0]["probes"][0] == nlohmann::json::parse(R"({"size": 28, "value": 1152})"));
  auto cli = run_cli("sizes models/cifar_cnn.ns --range 29..31 --format json");
  CHECK(cli.code == 0);
  CHECK(nlohmann::json::parse(cli.out)["variants"][1]["name"] == "H");
  CHECK(run_cli("sizes models/cifar_cnn.ns --format yaml").code == 2);
}

// A sequence model's size is its length, not its features: PyTorch 1.13 runs the text
// classifier (token ids plus 32 position embeddings, broadcast) for lengths 1 and 32 only, and
// the recurrent model (batch_first LSTM first) for any length.
TEST_CASE("rfsizes: a sequence read first by an Embedding or an RNN varies its length") {
  LoadedModel text = check_ns(read_model("models/text_classifier.ns"), "text_classifier.ns");
  REQUIRE(text.graph.has_value());
  VariedAxes axes = varied_axes(*text.graph);
  CHECK(axes.dims == std::vector<size_t>{1});
  CHECK(axes.sequence);
  SizeSurvey s = survey_input_sizes(*text.graph, 1, 40);
  REQUIRE(s.variants.size() == 1);
  CHECK(s.variants[0].name == "L");
  CHECK(valid_sizes(s.variants[0]) == std::vector<int64_t>{1, 32});
  CHECK(probe_at(s.variants[0], 2).failing_layer == "x");  // add(tok, pos): 2 against 32
  LoadedModel rnn = check_ns(read_model("models/recurrent.ns"), "recurrent.ns");
  REQUIRE(rnn.graph.has_value());
  CHECK(varied_axes(*rnn.graph).dims == std::vector<size_t>{1});  // [3, 12, 20]: batch_first
  SizeSurvey r = survey_input_sizes(*rnn.graph, 1, 16);
  REQUIRE(r.variants.size() == 1);
  CHECK(valid_sizes(r.variants[0]).size() == 16);
  CHECK(to_string(probe_at(r.variants[0], 5).outputs[0].second) == "[3, 5]");
  // the sizes of a time-major LSTM's input are its dim 0
  LoadedModel time_major = check_ns("model M\ninput x: [12, 3, 20]\nl = LSTM(20, 8)\n");
  REQUIRE(time_major.graph.has_value());
  CHECK(varied_axes(*time_major.graph).dims == std::vector<size_t>{0});
}
