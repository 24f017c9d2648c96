// The public API: everything here uses only netshape/netshape.hpp, as an embedding program does.
#include <doctest/doctest.h>

#include <netshape/netshape.hpp>

TEST_CASE("public API: analyse a file, read layers and totals, render, run") {
  netshape::LoadedModel m = netshape::analyze_file(NETSHAPE_SOURCE_DIR "/models/lenet.ns");
  REQUIRE(m.exit == netshape::ExitCode::Ok);
  REQUIRE(m.analysis.layers.size() == 10);
  const netshape::LayerInfo& conv1 = m.analysis.layers[0];
  CHECK(conv1.name == "conv1");
  CHECK(netshape::to_string(*conv1.output) == "[32, 24, 24]");
  CHECK(conv1.params == 832);
  CHECK(conv1.macs == 460800);
  CHECK(m.analysis.layers[3].params == 51264);  // conv2
  CHECK(m.analysis.layers[3].macs == 819200);
  CHECK(m.analysis.totals.params == 105506);
  CHECK(m.analysis.totals.macs == 1333200);
  std::string json = netshape::render(m, netshape::ReportFormat::Json);
  CHECK(json.find("\"macs\": 460800") != std::string::npos);
  netshape::ExecOptions run;
  run.seed = 3;
  netshape::ExecResult r = netshape::run_forward(m, run);
  CHECK(r.match);
  CHECK(r.layers.size() == 10);
}

TEST_CASE("public API: text in either language, diagnostics as data") {
  netshape::LoadedModel ns =
      netshape::analyze_text("input [1, 3, 32, 32]\nfc = Linear(100, 10)\n", "quiz.ns");
  CHECK(ns.exit == netshape::ExitCode::ShapeError);
  REQUIRE(!ns.diags.items().empty());
  const netshape::Diagnostic& d = ns.diags.items().front();
  CHECK(d.severity == netshape::Severity::Error);
  CHECK(d.span.line == 2);
  CHECK(d.layer == "fc");
  CHECK(netshape::render_diagnostics(ns).find("quiz.ns:2:") == 0);
  netshape::LoadOptions options;
  options.input_dims = "1,3,32,32";
  netshape::LoadedModel py = netshape::analyze_text(
      "import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n", "m.py",
      options);
  REQUIRE(py.exit == netshape::ExitCode::Ok);
  CHECK(netshape::to_string(py.analysis.outputs.at(0).second) == "[1, 8, 30, 30]");
  netshape::LoadedModel missing = netshape::analyze_file("/no/such/model.ns");
  CHECK(missing.exit == netshape::ExitCode::UsageOrParse);
  CHECK(netshape::render_diagnostics(missing).find("cannot read") != std::string::npos);
}
