// The JSON report is written directly (render_json) beside its reference, the nlohmann tree
// (to_json) dumped with indent 2: the two must agree byte for byte on every model and error.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "netshape/netshape.hpp"

using namespace netshape;

namespace {

std::string reference(const LoadedModel& m) {
  return to_json(m.analysis, m.diags)
             .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

}  // namespace

TEST_CASE("render_json equals the nlohmann dump on every shipped model") {
  size_t compared = 0;
  for (const char* dir : {"/models", "/models/notes"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(NETSHAPE_SOURCE_DIR + std::string(dir))) {
      std::string ext = entry.path().extension().string();
      if (ext != ".ns" && ext != ".py") continue;
      LoadedModel m = analyze_file(entry.path().string());
      CAPTURE(entry.path().string());
      CHECK(render_json(m.analysis, m.diags) == reference(m));
      ++compared;
    }
  }
  CHECK(compared >= 40);
}

TEST_CASE("render_json equals the nlohmann dump on errors, notes, inferred sizes and odd bytes") {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"input x: [B, 3, 32, 32]\nc = Conv2d(3, 8, 3)\nfc = Linear(?, 10)\n", "inferred.ns"},
      {"input x: [1, 3, 4, 4]\np = MaxPool2d(8)\n", "small.ns"},
      {"input x: [1, 3, 4, 4]\nq = Conv\x01\x7f\"\\2d(3)\n", "ctrl.ns"},
      {"input x: [1, 3, 4, 4]\nq = Conv\xc3\xa9(3)\n", "utf8.ns"},
      {"input x: [1, 3, 4, 4]\nq = Conv\xff\xfe(3)\n", "bad_utf8.ns"},
      {"input x: []\n", "empty.ns"},
      {"", "nothing.ns"},
  };
  for (const auto& c : cases) {  // not a structured binding: clang 14 cannot capture one
    LoadedModel m = analyze_text(c.first, c.second);
    CAPTURE(c.second);
    CHECK(render_json(m.analysis, m.diags) == reference(m));
  }
  // Labelled notes (an error inside a reused module) become "related".
  LoadedModel py = analyze_text(R"(import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b = Block(100)

    def forward(self, x):
        return self.b(x)

# input: [4, 64]
)",
                                "related.py");
  std::string json = render_json(py.analysis, py.diags);
  CHECK(json == reference(py));
  CHECK(json.find("\"related\": [") != std::string::npos);
}
