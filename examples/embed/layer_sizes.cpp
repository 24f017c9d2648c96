// Embeds netshape: analyses a model file (or a snippet given with --text) and prints each layer's
// output shape and parameters, then proves the shapes with a forward pass. Only netshape.hpp.
#include <cstring>
#include <iostream>
#include <netshape/netshape.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: layer_sizes MODEL.ns|MODEL.py  |  layer_sizes --text \"...\"\n";
    return 2;
  }
  netshape::LoadedModel model = std::strcmp(argv[1], "--text") == 0 && argc > 2
                                    ? netshape::analyze_text(argv[2], "<text>.ns")
                                    : netshape::analyze_file(argv[1]);
  if (model.exit != netshape::ExitCode::Ok) {
    std::cerr << netshape::render_diagnostics(model);
    return static_cast<int>(model.exit);
  }
  for (const netshape::LayerInfo& layer : model.analysis.layers)
    std::cout << layer.name << " " << netshape::to_string(*layer.output) << " " << layer.params
              << "\n";
  std::cout << "total params " << model.analysis.totals.params << ", MACs "
            << model.analysis.totals.macs << "\n";
  netshape::ExecResult run = netshape::run_forward(model);
  std::cout << (run.match ? "forward pass: every shape matches" : "forward pass: " + run.error)
            << "\n";
  return run.match ? 0 : 1;
}
