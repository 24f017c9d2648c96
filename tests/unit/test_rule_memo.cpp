// Layers that ask their rule the same question get the rule's answer again (rule_memo.hpp):
// what the key leaves out (notes, formulas, reports, other tensors' sizes) must still come out
// per layer, as when every rule ran.
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::first_error;

namespace {
LoadedModel check_explained(const std::string& text) {
  LoadedModel m;
  m.source = SourceFile("t.ns", text);
  LoadOptions o;
  o.explain = true;
  load_model(m, o);
  return m;
}
}  // namespace

TEST_CASE("rule answers: the same layer on other shapes, frozen, or failing is its own") {
  LoadedModel m = check_ns(R"(input x: [1, 3, 16, 16]
a = Conv2d(3, 3, 3, padding=1)
b = Conv2d(3, 3, 3, padding=1, frozen=True)
p = MaxPool2d(2)
q = MaxPool2d(2)
c = Conv2d(3, 3, 3, padding=1)
d = Conv2d(4, 3, 3, padding=1)
)");
  const auto& L = m.analysis.layers;
  REQUIRE(L.size() == 6);
  CHECK(L[1].params == 84);  // 3*3*9 + 3, as the first
  CHECK(L[1].trainable_params == 0);
  CHECK(L[0].trainable_params == 84);
  CHECK(to_string(*L[2].output) == "[1, 3, 8, 8]");
  CHECK(to_string(*L[3].output) == "[1, 3, 4, 4]");  // the same pool on its own input
  CHECK(to_string(*L[4].output) == "[1, 3, 4, 4]");
  CHECK(L[4].macs == 3 * 27 * 16);
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message.find("expected input[1, 3, 4, 4] to have 4 channels") !=
        std::string::npos);
  CHECK(first_error(m).span.line == 7);
}

TEST_CASE("rule answers: a `?` worked out and --explain's formulas are every layer's own") {
  LoadedModel m = check_ns(R"(input x: [1, 3, 8, 8]
a = Conv2d(?, 3, 3, padding=1)
b = Conv2d(?, 3, 3, padding=1)
)");
  REQUIRE(m.exit == ExitCode::Ok);
  for (const LayerInfo& l : m.analysis.layers) {
    CAPTURE(l.name);
    REQUIRE(l.inferred().count("in_channels") == 1);
    CHECK(l.inferred().at("in_channels") == 3);
  }
  LoadedModel e = check_explained(R"(input x: [1, 3, 8, 8]
a = Conv2d(3, 3, 3, padding=1)
b = Conv2d(3, 3, 3, padding=1)
)");
  REQUIRE(e.exit == ExitCode::Ok);
  REQUIRE(e.analysis.layers.size() == 2);
  CHECK(!e.analysis.layers[1].explain().empty());
  CHECK(e.analysis.layers[1].explain() == e.analysis.layers[0].explain());
}

TEST_CASE("rule answers: a size read from another tensor is read for every layer") {
  // The two views are written alike but for the tensor whose size they read.
  LoadedModel m;
  m.source = SourceFile("t.py", R"(import torch.nn as nn


class Views(nn.Module):
    def forward(self, x, y, z):
        a = x.view(y.size(0), -1)
        b = x.view(z.size(0), -1)
        return a, b
# input: [6, 4]
# input: [3, 2]
# input: [2, 3]
)");
  load_model(m, {});
  CAPTURE(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 2);
  CHECK(to_string(*m.analysis.layers[0].output) == "[3, 8]");
  CHECK(to_string(*m.analysis.layers[1].output) == "[2, 12]");
}

TEST_CASE("rule answers: a string argument of any length fits the question's key") {
  // The key grows as it is written (64 words, then doubling): strings whose words cross that
  // first growth, written twice, must not overrun it (the ASan build checks the writes) and must
  // be refused, as PyTorch refuses them, each time.
  for (size_t n = 380; n <= 560; ++n) {
    std::string mode(n, 'z');
    std::string line = "Conv2d(3, 3, 3, padding_mode='" + mode + "')\n";
    LoadedModel m = check_ns("input x: [1, 3, 8, 8]\nc = " + line + "d = " + line);
    CAPTURE(n);
    CHECK(m.exit == ExitCode::ShapeError);
    CHECK(first_error(m).message.find("padding_mode must be one of") != std::string::npos);
  }
}
