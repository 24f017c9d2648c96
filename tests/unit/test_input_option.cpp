// --input: several inputs (by position or by name) and an input's dtype, as the model's forward
// reads them; the errors of an --input that fits no input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "netshape/frontend.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

namespace netshape::test {
namespace {

// Token ids and a float mask: an Embedding (100 x 16 = 1,600 parameters) and a Linear (16 * 4 + 4
// = 68), 1,668 in all.
const char* const kTwoInputs = R"(import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.fc = nn.Linear(16, 4)

    def forward(self, ids, mask):
        h = self.emb(ids) * mask.unsqueeze(-1)
        return self.fc(h.mean(1))
)";

LoadedModel with_inputs(const std::string& text, std::vector<std::string> inputs) {
  LoadOptions o;
  if (!inputs.empty()) o.input_dims = inputs[0];
  if (inputs.size() > 1) o.more_inputs.assign(inputs.begin() + 1, inputs.end());
  return analyze_text(text, "tagger.py", o);
}

std::string shape_of(const LoadedModel& m, const std::string& layer) {
  for (const LayerInfo& l : m.analysis.layers)
    if (l.name == layer && l.output) return to_string(*l.output);
  return "";
}

}  // namespace

TEST_CASE("an --input option is NAME=DIMS:DTYPE with the name and the dtype optional") {
  std::string error;
  auto o = parse_input_option("ids=8,20:long", error);
  REQUIRE(o);
  CHECK(o->name == "ids");
  REQUIRE(o->dims.size() == 2);
  CHECK(o->dims[0].value == 8);
  CHECK(o->dims[1].value == 20);
  CHECK(o->dtype == "torch.long");  // as written: torch.long is torch.int64

  o = parse_input_option("[B, 40] torch.int32", error);  // as a `# input:` comment writes it
  REQUIRE(o);
  CHECK(o->name.empty());
  CHECK(o->dims[0].symbol == "B");
  CHECK(o->dims[1].value == 40);
  CHECK(o->dtype == "torch.int32");

  o = parse_input_option("B,1,28,28", error);  // a symbolic batch is a dim, not a dtype
  REQUIRE(o);
  CHECK(o->dims.size() == 4);
  CHECK(o->dtype.empty());
  o = parse_input_option("B", error);
  REQUIRE(o);
  CHECK(o->dims[0].symbol == "B");

  CHECK_FALSE(parse_input_option("8,20:lng", error));
  CHECK(error == "invalid --input '8,20:lng': 'lng' is not a torch dtype");
  CHECK_FALSE(parse_input_option("mask=8,0", error));
  CHECK(error == "invalid --input 'mask=8,0': '8,0' is not a shape");
  CHECK_FALSE(parse_input_option("8,20:", error));
  CHECK(error == "invalid --input '8,20:': no dtype after ':'");
}

TEST_CASE("several --input options set forward's inputs in order or by name, with their dtypes") {
  for (const auto& inputs :
       std::vector<std::vector<std::string>>{{"ids=8,20:long", "mask=8,20"},
                                             {"8,20:long", "8,20"},
                                             {"mask=8,20", "ids=8,20:torch.int64"},
                                             {"[8, 20] long", "mask=8,20"}}) {
    LoadedModel m = with_inputs(kTwoInputs, inputs);
    std::string given = inputs[0] + " " + inputs[1];
    INFO(given);
    CHECK(m.exit == ExitCode::Ok);
    CHECK(shape_of(m, "emb") == "[8, 20, 16]");
    CHECK(shape_of(m, "fc") == "[8, 4]");
    CHECK(m.analysis.totals.params == 1668);
  }
}

TEST_CASE("an input given as float to an Embedding says how to give it as token ids") {
  LoadedModel m = with_inputs(kTwoInputs, {"8,20", "8,20"});
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error_at(m).find("12:22: Expected tensor for argument #1 'indices'") == 0);
  CHECK(first_error(m).help ==
        "an Embedding looks up integer indices: give the input as token ids (`--input "
        "ids=B,50:long`, or a `# input ids: [B, 50] long` comment), or cast with `.long()`");
}

TEST_CASE("the second input without a shape is asked for by its name") {
  LoadedModel m = with_inputs(kTwoInputs, {"8,20:long"});
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error(m).message == "the shape of input 'mask' is not given");
  CHECK(first_error(m).help ==
        "pass it with --input mask=B,3,32,32 (its shape), or add a `# input mask: [B, 3, 32, "
        "32]` comment");
}

TEST_CASE("an --input that fits no input is a command-line error") {
  struct Case {
    std::vector<std::string> inputs;
    const char* message;
    const char* help;
  };
  const Case cases[] = {
      {{"idz=8,20:long"},
       "--input 'idz=8,20:long': the model has no input 'idz'",
       "its inputs are ids, mask"},
      {{"8,20:long", "8,20", "8"},
       "--input is given 3 times, and the model has 2 inputs (ids, mask)",
       "give one --input per input of forward, in order, or name it: --input mask=B,20"},
      {{"mask=8,20", "8,20"},
       "--input gives input 'mask' twice",
       "an --input without a name sets the input at its position (ids, mask); name the others: "
       "--input mask=..."},
  };
  for (const Case& c : cases) {
    LoadedModel m = with_inputs(kTwoInputs, c.inputs);
    INFO(std::string(c.message));
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message == c.message);
    CHECK(first_error(m).help == c.help);
  }
}

TEST_CASE("a dtype in --input overrides the comment's and dims alone keep it") {
  std::string text = std::string(kTwoInputs) + "# input ids: [B, 20] long\n# input mask: [B, 20]\n";
  LoadedModel kept = with_inputs(text, {"ids=4,20", "mask=4,20"});
  CHECK(kept.exit == ExitCode::Ok);
  CHECK(shape_of(kept, "fc") == "[4, 4]");
  LoadedModel floated = with_inputs(text, {"ids=4,20:float32", "mask=4,20"});
  CHECK(floated.exit == ExitCode::ShapeError);
  CHECK(first_error(floated).message.find("but got torch.FloatTensor instead") !=
        std::string::npos);
}

// `# Input: (N, C)` documents the layout in many files: with --input it is prose, without it the
// comment's error says both fixes.
TEST_CASE("with --input a comment that is no shape is prose, without it an error") {
  std::string text = R"(import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        # Input: (N, C)
        return self.fc(x)
)";
  LoadedModel m = with_inputs(text, {"2,8"});
  CHECK(m.exit == ExitCode::Ok);
  CHECK(shape_of(m, "fc") == "[2, 4]");
  m = with_inputs(text, {});
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message == "bad input dimension in the `# input:` comment");
  CHECK(first_error(m).help.find("--input") != std::string::npos);
}

TEST_CASE("the model language has no dtypes: --input with one is refused") {
  LoadOptions o;
  o.input_dims = "8,20:long";
  LoadedModel m = analyze_text("model E\ninput x: [B, 40]\nemb = Embedding(100, 16)\n", "e.ns", o);
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).message == "--input '8,20:long': the model language has no dtypes");
  o.input_dims = "x=8,20";  // by name is fine
  m = analyze_text("model E\ninput x: [B, 40]\nemb = Embedding(100, 16)\n", "e.ns", o);
  CHECK(m.exit == ExitCode::Ok);
  CHECK(shape_of(m, "emb") == "[8, 20, 16]");
}

TEST_CASE("check takes --input once per input, each with one value, before or after FILE") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("netshape_input_option_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "tagger.py") << kTwoInputs;
  std::string file = (dir / "tagger.py").string();
  BinaryRun r = run_binary({"check", "--input", "ids=8,20:long", "--input", "mask=8,20", file},
                           Pages::AsTheBinaryAsks);
  CHECK(r.code == 0);
  CHECK(r.out.find("output fc: [8, 4]") != std::string::npos);
  CHECK(r.out.find("params: 1,668") != std::string::npos);
  r = run_binary({"check", file, "--input", "8,20:long"}, Pages::AsTheBinaryAsks);
  CHECK(r.code == 1);
  CHECK(r.out.find("help: pass it with --input mask=B,3,32,32") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace netshape::test
