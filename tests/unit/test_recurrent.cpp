// nn.RNN, nn.LSTM and nn.GRU against PyTorch 1.13 (the numbers and messages below were read off
// torch.nn's modules on tensors of these shapes): shapes, parameters, MACs, the checks of their
// constructors and forwards in PyTorch's order, the reader's call and the forward pass.
#include <doctest/doctest.h>
#include <fmt/ranges.h>

#include <cmath>
#include <string>

#include "netshape/exec.hpp"
#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using namespace netshape::test;

namespace {

// params per layer and direction: G*H*(in + H_out) + 2*G*H biases (+ proj*H); MACs: steps *
// batch * the weight matrices' elements (G = 4 LSTM, 3 GRU, 1 RNN).
const LayerCase kCases[] = {
    {"input x: [7, 2, 20]", "a = LSTM(20, 32)", "[7, 2, 32]", 4 * 32 * 52 + 2 * 128,
     7 * 2 * 4 * 32 * 52, ""},
    {"input x: [2, 7, 20]", "a = GRU(20, 32, 2, batch_first=True, bidirectional=True)",
     "[2, 7, 64]", 2 * (96 * 52 + 192) + 2 * (96 * 96 + 192), 7 * 2 * (2 * 96 * 52 + 2 * 96 * 96),
     ""},
    {"input x: [7, 20]", "a = RNN(20, 32, bias=False, nonlinearity='relu')", "[7, 32]", 1664,
     7 * 1664, ""},
    {"input x: [5, 4, 20]", "a = LSTM(20, 32, 3, proj_size=8, bidirectional=True)", "[5, 4, 16]",
     22528, 5 * 4 * (22528 - 3 * 2 * 2 * 128), ""},
    {"input x: [B, 9, 20]", "a = LSTM(?, 16, batch_first=True)", "[B, 9, 16]", 4 * 16 * 36 + 2 * 64,
     9 * 4 * 16 * 36, ""},
    // the constructor's checks, in PyTorch's order
    {"input x: [5, 2, 4]", "a = GRU(4, 8, proj_size=2)", "error", 0, 0,
     "proj_size argument is only supported for LSTM, not RNN or GRU"},
    {"input x: [5, 2, 4]", "a = RNN(4, 8, nonlinearity='sigmoid')", "error", 0, 0,
     "Unknown nonlinearity 'sigmoid'"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, dropout=1.5)", "error", 0, 0,
     "dropout should be a number in range [0, 1] representing the probability of an element "
     "being zeroed"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, 2, True, False, True)", "error", 0, 0,
     "dropout should be a number in range [0, 1] representing the probability of an element "
     "being zeroed"},
    {"input x: [5, 2, 4]", "a = GRU(4, 0)", "error", 0, 0,
     "proj_size has to be smaller than hidden_size"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, proj_size=8)", "error", 0, 0,
     "proj_size has to be smaller than hidden_size"},
    {"input x: [5, 2, 4]", "a = GRU(-2, 3)", "error", 0, 0,
     "Trying to create tensor with negative dimension -2: [9, -2]"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, num_layers=0)", "error", 0, 0,
     "list index out of range"},
    {"input x: [5, 2, 4]", "a = RNN(4, 8, nonlinearity=None)", "error", 0, 0,
     "Unknown nonlinearity 'None'"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, dropout=None)", "error", 0, 0,
     "float() argument must be a string or a real number, not 'NoneType'"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, proj_size=True)", "error", 0, 0,
     "empty() received an invalid combination of arguments - got (tuple, dtype=NoneType, "
     "device=NoneType), but expected one of:"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, 4611686018427387904)", "error", 0, 0,
     "num_layers=4611686018427387904 is more than netshape analyses (10,000)"},
    // proj_size is refused by keyword only: 0 by position is an RNN as any other
    {"input x: [5, 2, 4]", "a = RNN(4, 8, 1, True, False, 0.0, False, 0)", "[5, 2, 8]", 112,
     5 * 2 * (32 + 64), ""},
    // the forward's: the state's rank first, then the input, then the state's sizes, then
    // _VF's argument types
    {"input x: [5, 2, 3]\ninput h: [2, 8]\ninput c: [2, 2, 8]", "a = LSTM(4, 8, 2)(x, h, c)",
     "error", 0, 0,
     "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"},
    {"input x: [5, 2, 2, 4]\ninput h: [1, 2, 8]", "a = GRU(4, 8)(x, h)", "error", 0, 0,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, bias=1)", "error", 0, 0,
     "lstm() received an invalid combination of arguments: bias must be a bool, not 1"},
    {"input x: [5, 2, 4]", "a = LSTM(4, 8, num_layers=True)", "error", 0, 0,
     "lstm() received an invalid combination of arguments: num_layers must be an int, not True"},
    {"input x: [5, 2, 3]", "a = GRU(4, 8, bidirectional=1)", "error", 0, 0,
     "input.size(-1) must be equal to input_size. Expected 4, got 3"},
    {"input x: [1, 5, 2, 4]", "a = LSTM(4, 8)", "error", 0, 0,
     "input must have 3 dimensions, got 5"},
    {"input x: [4]", "a = LSTM(4, 8)", "error", 0, 0, "input must have 3 dimensions, got 2"},
    {"input x: [5, 2, 3]", "a = LSTM(4, 8)", "error", 0, 0,
     "input.size(-1) must be equal to input_size. Expected 4, got 3"},
    {"input x: [5, 2, 4]\ninput h: [2, 3, 8]", "a = GRU(4, 8, num_layers=2)(x, h)", "error", 0, 0,
     "Expected hidden size (2, 2, 8), got [2, 3, 8]"},
    {"input x: [5, 2, 4]\ninput h: [2, 8]", "a = GRU(4, 8)(x, h)", "error", 0, 0,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"},
    {"input x: [5, 4]\ninput h: [1, 1, 8]", "a = RNN(4, 8)(x, h)", "error", 0, 0,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"},
    {"input x: [5, 2, 4]\ninput h: [1, 2, 8]\ninput c: [1, 2, 8]",
     "a = LSTM(4, 8, proj_size=2)(x, h, c)", "error", 0, 0,
     "Expected hidden[0] size (1, 2, 2), got [1, 2, 8]"},
    {"input x: [5, 2, 4]\ninput h: [1, 2, 2]\ninput c: [1, 2, 2]",
     "a = LSTM(4, 8, proj_size=2)(x, h, c)", "error", 0, 0,
     "Expected hidden[1] size (1, 2, 8), got [1, 2, 2]"},
    {"input x: [5, 2, 4]\ninput h: [2, 8]\ninput c: [1, 2, 8]", "a = LSTM(4, 8)(x, h, c)", "error",
     0, 0, "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 3-D) tensors"},
    // counted per sample only when the batch is the symbol
    {"input x: [B, 5, 4]", "a = LSTM(4, 8)", "error", 0, 0,
     "LSTM reads dim 0 of [B, 5, 4] as its sequence, not a batch: netshape counts it per sample "
     "only with the batch symbolic"},
    {"input x: [B, 4]", "a = GRU(4, 8, batch_first=True)", "error", 0, 0,
     "GRU reads dim 0 of [B, 4] as its sequence, not a batch: netshape counts it per sample only "
     "with the batch symbolic"},
};

}  // namespace

TEST_CASE("RNN, LSTM, GRU: shapes, parameters, MACs and errors as PyTorch's") {
  check_layer_cases(kCases);
}

TEST_CASE("RNN, LSTM, GRU: PyTorch's parameters by name, and the help at the argument") {
  LoadedModel m = check_ns(
      "model M\ninput x: [5, 2, 10]\na = LSTM(10, 20, 2, bias=False, "
      "bidirectional=True, proj_size=5)\n");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> names;
  for (const ParamTensor& w : *m.analysis.layers[0].weights) names.emplace_back(w.name);
  CHECK(names == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "weight_hr_l0",
                                          "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                                          "weight_hr_l0_reverse", "weight_ih_l1", "weight_hh_l1",
                                          "weight_hr_l1", "weight_ih_l1_reverse",
                                          "weight_hh_l1_reverse", "weight_hr_l1_reverse"});

  m = check_ns("model M\ninput x: [B, 28, 28]\nrnn = LSTM(32, 64, batch_first=True)\n");
  CHECK(first_error(m).help == "rnn receives 28 features; use LSTM(28, 64, batch_first=True)");
  m = check_ns("model M\ninput x: [5, 2, 4]\nrnn = GRU(4, 8, bidirectional=1)\n");
  CHECK(first_error(m).message ==
        "gru() received an invalid combination of arguments: bidirectional must be a bool, not 1");
  m = check_ns("model M\ninput x: [5, 2, 4]\nrnn = GRU(4, 8, 1, True, False, 0.0, False, 2)\n");
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error(m).span.column == 45);  // at the eighth argument
}

// One step from a given h0: out = act(W_ih x + b_ih + W_hh h0 + b_hh), computed here from the
// executor's own weights, for tanh and relu.
TEST_CASE("RNN: the forward pass of one step from h0 is the cell's equation") {
  for (bool relu : {false, true}) {
    CAPTURE(relu);
    ExecResult r =
        run_kept(std::string("model M\ninput x: [1, 2, 3]\ninput h: [1, 2, 4]\n") +
                 "a = RNN(3, 4, nonlinearity='" + (relu ? "relu" : "tanh") + "')(x, h)\n");
    const Tensor& x = tensor_named(r.inputs, "x");
    const Tensor& h = tensor_named(r.inputs, "h");
    const Tensor& w_ih = tensor_named(r.weights, "a.weight_ih_l0");
    const Tensor& w_hh = tensor_named(r.weights, "a.weight_hh_l0");
    const Tensor& b_ih = tensor_named(r.weights, "a.bias_ih_l0");
    const Tensor& b_hh = tensor_named(r.weights, "a.bias_hh_l0");
    const Tensor& out = tensor_named(r.outputs, "a");
    REQUIRE(out.shape == std::vector<int64_t>{1, 2, 4});
    for (int n = 0; n < 2; ++n) {
      for (int j = 0; j < 4; ++j) {
        float v = b_ih.data[j] + b_hh.data[j];
        for (int i = 0; i < 3; ++i) v += w_ih.data[j * 3 + i] * x.data[n * 3 + i];
        for (int i = 0; i < 4; ++i) v += w_hh.data[j * 4 + i] * h.data[n * 4 + i];
        float want = relu ? std::max(v, 0.0f) : std::tanh(v);
        CHECK(out.data[n * 4 + j] == doctest::Approx(want).epsilon(1e-5));
      }
    }
  }
}

// The values are PyTorch's in numeric parity (models/recurrent.ns); here every layout and state
// runs, with the inferred shape.
TEST_CASE("RNN, LSTM, GRU: the forward pass runs in every layout") {
  for (const char* model :
       {"input x: [4, 3, 5]\na = LSTM(5, 6, 2, bidirectional=True, proj_size=3)",
        "input x: [3, 4, 5]\na = GRU(5, 6, batch_first=True, bidirectional=True)",
        "input x: [4, 5]\ninput h: [2, 6]\na = GRU(5, 6, bidirectional=True)(x, h)",
        "input x: [4, 5]\ninput h: [1, 3]\ninput c: [1, 6]\na = LSTM(5, 6, proj_size=3)(x, h, c)",
        "input x: [3, 4, 5]\na = RNN(5, 6, 3, batch_first=True, nonlinearity='relu')"}) {
    CAPTURE(model);
    LoadedModel m = check_ns(std::string("model M\n") + model + "\n");
    REQUIRE(m.exit == ExitCode::Ok);
    ExecResult r = run_kept(std::string("model M\n") + model + "\n");
    const Tensor& out = tensor_named(r.outputs, "a");
    CHECK(out_shape(m) == fmt::format("[{}]", fmt::join(out.shape, ", ")));
    for (float v : out.data) CHECK(std::isfinite(v));
  }
}

namespace {

// The tutorial LSTM: its (h0, c0) made in forward, the output unpacked, the last step classified.
const char* const kRowLstm = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, hidden=32, layers=2):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.lstm = nn.LSTM(28, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, 10)

    def forward(self, x):
        h0 = torch.zeros(self.layers, x.size(0), self.hidden)
        c0 = torch.zeros(self.layers, x.size(0), self.hidden)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])
)";

}  // namespace

TEST_CASE("RNN, LSTM, GRU in a .py file: the state given, the output followed, c_n a row") {
  LoadedModel m = analyze_py(kRowLstm, "rows.py", "4,28,28");
  REQUIRE(m.exit == ExitCode::Ok);
  const LayerInfo& lstm = m.analysis.layers[2];
  CHECK(lstm.name == "lstm");
  CHECK(input_names(m.analysis, lstm) == std::vector<std::string>{"x", "zeros1", "zeros2"});
  CHECK(lstm.params == 4 * 32 * (28 + 32) + 2 * 128 + 4 * 32 * 64 + 2 * 128);
  CHECK(out_shape(m) == "[4, 10]");

  // hx by keyword, or None
  for (const char* call : {"self.lstm(x, hx=(h0, c0))", "self.lstm(input=x, hx=None)"}) {
    CAPTURE(call);
    LoadedModel k =
        analyze_py(replaced(kRowLstm, "self.lstm(x, (h0, c0))", call), "rows.py", "4,28,28");
    CHECK(k.exit == ExitCode::Ok);
    CHECK(out_shape(k) == "[4, 10]");
  }
  // a state of the wrong batch is PyTorch's error; h0 alone is not an LSTM's state
  LoadedModel bad = analyze_py(replaced(kRowLstm, "c0 = torch.zeros(self.layers, x.size(0)",
                                        "c0 = torch.zeros(self.layers, 3"),
                               "rows.py", "4,28,28");
  CHECK(first_error(bad).message == "Expected hidden[1] size (2, 4, 32), got [2, 3, 32]");
  LoadedModel single = analyze_py(replaced(kRowLstm, "(h0, c0))", "h0)"), "rows.py", "4,28,28");
  CHECK(single.exit == ExitCode::UsageOrParse);
  CHECK(first_error(single).message ==
        "unsupported Python construct: an LSTM state that is not a pair (h0, c0)");
  LoadedModel extra =
      analyze_py(replaced(kRowLstm, "(h0, c0))", "(h0, c0), x)"), "rows.py", "4,28,28");
  CHECK(first_error(extra).message ==
        "LSTM.forward() takes from 2 to 3 positional arguments but 4 were given");
  // the cell state c_n: a row of the call [layers, batch, hidden], its parameters and products
  // the call's, placed where it is first used
  LoadedModel cell =
      analyze_py(replaced(replaced(kRowLstm, "out, _ = self.lstm", "out, (h, c) = self.lstm"),
                          "self.fc(out[:, -1, :])", "self.fc(c[-1])"),
                 "rows.py", "4,28,28");
  REQUIRE(cell.exit == ExitCode::Ok);
  const LayerInfo& c_n = cell.analysis.layers[3];
  CHECK(c_n.name == "lstm.c_n");
  CHECK(to_string(*c_n.output) == "[2, 4, 32]");
  CHECK(input_names(cell.analysis, c_n) == std::vector<std::string>{"x", "zeros1", "zeros2"});
  CHECK(c_n.params == 0);
  CHECK(c_n.macs == 0);
  CHECK(cell.analysis.totals.params == m.analysis.totals.params);
  CHECK(cell.analysis.totals.macs == m.analysis.totals.macs);
  CHECK(out_shape(cell) == "[4, 10]");
  CHECK(cell.diags.items().empty());  // `out` unused: its state is used, no warning
}

namespace {

// Reading h_n: the last layer's rows are steps of the output.
const char* const kHidden = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 16, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 3)

    def forward(self, x):
        _, hidden = self.gru(x)
        return self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1))
)";

}  // namespace

TEST_CASE("RNN, LSTM, GRU in a .py file: h_n of the last layer read as steps of the output") {
  // hidden[-2], the forward direction's, is the output's last step, its first 16 features;
  // hidden[-1], the reverse direction's, the output's first step, its last 16.
  LoadedModel m = analyze_py(kHidden, "bigru.py", "4,7,10");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(std::string(op_info(l.op).name) + " " + to_string(*l.output));
  CHECK(rows == std::vector<std::string>{"GRU [4, 7, 32]", "select [4, 32]", "narrow [4, 16]",
                                         "select [4, 32]", "narrow [4, 16]", "cat [4, 32]",
                                         "Linear [4, 3]"});
  CHECK(m.analysis.layers[1].attrs->dim == 1);     // the step dim (batch_first)
  CHECK(m.analysis.layers[1].attrs->start == 6);   // the last step
  CHECK(m.analysis.layers[2].attrs->start == 0);   // the forward half
  CHECK(m.analysis.layers[3].attrs->start == 0);   // the first step
  CHECK(m.analysis.layers[4].attrs->start == 16);  // the reverse half
  // an index in brackets with more: the rest applies to the row
  const std::string sliced_text = replaced(replaced(kHidden, "hidden[-2]", "hidden[-2, :, :8]"),
                                           "hidden[-1]", "hidden[-1, :, 8:]");
  LoadedModel sliced = analyze_py(replaced(sliced_text, "nn.Linear(32, 3)", "nn.Linear(16, 3)"),
                                  "bigru.py", "4,7,10");
  REQUIRE(sliced.exit == ExitCode::Ok);
  CHECK(to_string(*sliced.analysis.layers[3].output) == "[4, 8]");  // hidden[-2, :, :8]
  CHECK(to_string(*sliced.analysis.layers[6].output) == "[4, 8]");  // hidden[-1, :, 8:]
  CHECK(sliced.analysis.layers[6].attrs->start == 8);
  // an earlier layer's state is no step of the output: h_n's own row, indexed
  LoadedModel early =
      analyze_py(replaced(kHidden, "hidden[-2]", "hidden[1]"), "bigru.py", "4,7,10");
  REQUIRE(early.exit == ExitCode::Ok);
  CHECK(early.analysis.layers[1].name == "gru.h_n");
  CHECK(to_string(*early.analysis.layers[1].output) == "[4, 4, 16]");
  CHECK(to_string(*early.analysis.layers[2].output) == "[4, 16]");  // its select
  CHECK(out_shape(early) == "[4, 3]");
  // an index out of range is PyTorch's error

  LoadedModel out_of_range =
      analyze_py(replaced(kHidden, "hidden[-2]", "hidden[4]"), "bigru.py", "4,7,10");
  CHECK(first_error(out_of_range).message ==
        "index 4 is out of bounds for dimension 0 with size 4");
  // one layer, one direction: h_n itself is the last step unsqueezed, made once
  const std::string one =
      replaced(replaced(kHidden,
                        "num_layers=2, batch_first=True, "
                        "bidirectional=True",
                        "batch_first=True"),
               "torch.cat((hidden[-2], hidden[-1]), dim=1)", "hidden.squeeze(0) + hidden[0]");
  LoadedModel whole =
      analyze_py(replaced(one, "nn.Linear(32, 3)", "nn.Linear(16, 3)"), "gru.py", "4,7,10");
  REQUIRE(whole.exit == ExitCode::Ok);
  CHECK(out_shape(whole) == "[4, 3]");
  int unsqueezes = 0;
  for (const LayerInfo& l : whole.analysis.layers)
    unsqueezes += op_info(l.op).name == "unsqueeze" ? 1 : 0;
  CHECK(unsqueezes == 1);
}

namespace {

// The tutorial encoder-decoder: the encoder's (h_n, c_n) of two layers start the decoder.
const char* const kSeq2Seq = R"(# input src: [3, 7] long
# input tgt: [3, 5] long
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, vocab, emb, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True)

    def forward(self, src):
        _, (hidden, cell) = self.rnn(self.embedding(src))
        return hidden, cell


class Decoder(nn.Module):
    def __init__(self, vocab, emb, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden, layers, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, tgt, hidden, cell):
        out, (hidden, cell) = self.rnn(self.embedding(tgt), (hidden, cell))
        return self.fc(out)


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder(50, 8, 16, 2)
        self.decoder = Decoder(60, 8, 16, 2)

    def forward(self, src, tgt):
        hidden, cell = self.encoder(src)
        return self.decoder(tgt, hidden, cell)
)";

}  // namespace

// h_n and c_n read whole are rows of the call ([layers * directions, batch, size]) that the
// forward pass computes: a decoder started from an encoder's state, h_n reshaped.
TEST_CASE("RNN, LSTM, GRU in a .py file: h_n and c_n whole, as rows of the call") {
  LoadedModel m = analyze_py(kSeq2Seq, "seq2seq.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> rows;
  for (const LayerInfo& l : m.analysis.layers)
    rows.push_back(fmt::format("{} {} {}", l.name, to_string(*l.output), l.params));
  CHECK(rows ==
        std::vector<std::string>{"encoder.embedding [3, 7, 8] 400", "encoder.rnn [3, 7, 16] 3840",
                                 "encoder.rnn.h_n [2, 3, 16] 0", "encoder.rnn.c_n [2, 3, 16] 0",
                                 "decoder.embedding [3, 5, 8] 480", "decoder.rnn [3, 5, 16] 3840",
                                 "decoder.fc [3, 5, 60] 1020"});
  CHECK(input_names(m.analysis, m.analysis.layers[5]) ==
        std::vector<std::string>{"decoder.embedding", "encoder.rnn.h_n", "encoder.rnn.c_n"});
  CHECK(m.analysis.layers[2].macs == 0);
  CHECK(m.diags.items().empty());  // the encoder's output goes unused, its state does not

  // the forward pass: h_n's last layer is the output's last step, c_n is the same size
  ExecOptions o;
  o.keep_outputs = true;
  ExecResult r = execute(m.analysis, o);
  REQUIRE(r.match);
  const Tensor& out = tensor_named(r.outputs, "encoder.rnn");
  const Tensor& h_n = tensor_named(r.outputs, "encoder.rnn.h_n");
  const Tensor& c_n = tensor_named(r.outputs, "encoder.rnn.c_n");
  REQUIRE(h_n.shape == std::vector<int64_t>{2, 3, 16});
  REQUIRE(c_n.shape == std::vector<int64_t>{2, 3, 16});
  for (int n = 0; n < 3; ++n)
    for (int j = 0; j < 16; ++j)
      CHECK(h_n.data[(3 + n) * 16 + j] == out.data[(n * 7 + 6) * 16 + j]);
  // |h| = |o * tanh(c)| < |c| wherever c is not 0
  for (size_t k = 0; k < c_n.data.size(); ++k)
    CHECK(std::abs(h_n.data[k]) <= std::abs(c_n.data[k]));

  // h_n reshaped whole (a GRU of three layers, unbatched), and a state of the wrong size
  const char* gru = R"(import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(5, 6, num_layers=3, bidirectional=True)
        self.fc = nn.Linear(36, 2)

    def forward(self, x):
        _, h = self.gru(x)
        return self.fc(h.reshape(-1))
)";
  LoadedModel flat = analyze_py(gru, "gru.py", "4,5");
  REQUIRE(flat.exit == ExitCode::Ok);
  CHECK(to_string(*flat.analysis.layers[1].output) == "[6, 6]");
  CHECK(out_shape(flat) == "[2]");
  LoadedModel wrong =
      analyze_py(replaced(gru, "nn.Linear(36, 2)", "nn.Linear(6, 2)"), "gru.py", "4,5");
  CHECK(first_error(wrong).message == "mat1 and mat2 shapes cannot be multiplied (1x36 and 6x2)");
}

// A language model returns its output and the LSTM's state (h_n, c_n): the nested tuple's
// tensors, in order, are the outputs; a state passed on as a value (`hidden[0]`) is its tensor.
TEST_CASE("RNN, LSTM, GRU in a .py file: the state returned, and passed on as hidden[0]") {
  const char* text = R"(# input x: [12, 2] long
import torch.nn as nn


class LanguageModel(nn.Module):
    def __init__(self, tokens=50, width=16, layers=2):
        super().__init__()
        self.encoder = nn.Embedding(tokens, width)
        self.rnn = nn.LSTM(width, width, layers)
        self.decoder = nn.Linear(width, tokens)

    def init_hidden(self, batch):
        weight = self.encoder.weight
        return (weight.new_zeros(2, batch, 16), weight.new_zeros(2, batch, 16))

    def forward(self, x):
        output, hidden = self.rnn(self.encoder(x), self.init_hidden(x.size(1)))
        return self.decoder(output), hidden
)";
  LoadedModel m = analyze_py(text, "lm.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  std::vector<std::string> outputs;
  for (const auto& [name, shape] : m.analysis.outputs)
    outputs.push_back(name + " " + to_string(shape));
  CHECK(outputs == std::vector<std::string>{"decoder [12, 2, 50]", "rnn.h_n [2, 2, 16]",
                                            "rnn.c_n [2, 2, 16]"});
  // the word-language-model idiom: the first parameter read for its type, the legacy new()
  const std::string legacy =
      replaced(replaced(text, "weight = self.encoder.weight", "weight = next(self.parameters())"),
               "(weight.new_zeros(2, batch, 16), weight.new_zeros(2, batch, 16))",
               "(weight.new(2, batch, 16).zero_(), weight.new_zeros(2, batch, 16))");
  LoadedModel idiom = analyze_py(legacy, "lm.py", "");
  REQUIRE(idiom.exit == ExitCode::Ok);
  CHECK(idiom.analysis.totals.params == m.analysis.totals.params);
  CHECK(idiom.analysis.outputs == m.analysis.outputs);
  // which parameter it is is not followed: its sizes are refused
  LoadedModel sized = analyze_py(replaced(legacy, "weight.new_zeros(2, batch, 16))",
                                          "weight.new_zeros(2, batch, weight.size(1)))"),
                                 "lm.py", "");
  CHECK(sized.exit == ExitCode::UsageOrParse);
  CHECK(first_error(sized).message ==
        "unsupported Python construct: `size` of a module's first parameter "
        "(next(self.parameters()))");
  // hidden[0] returned, and given to a layer
  LoadedModel first = analyze_py(
      replaced(text, "return self.decoder(output), hidden", "return self.decoder(hidden[0])"),
      "lm.py", "");
  REQUIRE(first.exit == ExitCode::Ok);
  CHECK(out_shape(first) == "[2, 2, 50]");
  LoadedModel returned = analyze_py(
      replaced(text, "return self.decoder(output), hidden", "return hidden[1]"), "lm.py", "");
  REQUIRE(returned.exit == ExitCode::Ok);
  CHECK(out_shape(returned) == "[2, 2, 16]");
  CHECK(returned.analysis.layers.back().name == "rnn.c_n");
}

// Called other than from forward: in an nn.Sequential the next module receives the tuple
// (output, h_n), as PyTorch passes it; a subclass of nn.LSTM returns it too.
TEST_CASE("RNN, LSTM, GRU in a .py file: the tuple in an nn.Sequential and from a subclass") {
  const char* text = R"(import torch.nn as nn


class SelectItem(nn.Module):
    def __init__(self, i):
        super().__init__()
        self.i = i

    def forward(self, inputs):
        return inputs[self.i]


class MyLSTM(nn.LSTM):
    pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.s = nn.Sequential(nn.LSTM(4, 8, batch_first=True), SelectItem(0), nn.Flatten(),
                               nn.Linear(40, 2))
        self.l = MyLSTM(4, 8, batch_first=True)

    def forward(self, x):
        out, _ = self.l(x)
        return self.s(x) + out[:, -1, :2]
)";
  LoadedModel m = analyze_py(text, "seq.py", "3,5,4");
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[3, 2]");
  CHECK(m.analysis.totals.params == 2 * (4 * 8 * 12 + 2 * 32) + 40 * 2 + 2);
  // a layer given the tuple is PyTorch's TypeError
  LoadedModel bad = analyze_py(
      replaced(text,
               "SelectItem(0), nn.Flatten(),\n                               nn.Linear(40, 2)",
               "nn.Linear(8, 2)"),
      "seq.py", "3,5,4");
  CHECK(first_error(bad).message ==
        "Linear.forward(): argument 'input' must be Tensor, not a tuple");
  // (h0, c0) as a list, as PyTorch takes it too
  std::string with_list =
      replaced(text, "import torch.nn as nn", "import torch\nimport torch.nn as nn");
  with_list = replaced(with_list, "self.l = MyLSTM(", "self.l = nn.LSTM(");
  with_list =
      replaced(with_list, "self.l(x)", "self.l(x, [torch.zeros(1, 3, 8), torch.zeros(1, 3, 8)])");
  LoadedModel list = analyze_py(with_list, "seq.py", "3,5,4");
  INFO(render_diagnostics(list));
  CHECK(list.exit == ExitCode::Ok);
}

// PyTorch 1.13's nn.RNNCell and nn.GRUCell on the same shapes: outputs, parameters, MACs (the
// two matrix products, per sample) and the errors of their forward, in its order.
TEST_CASE("RNNCell, GRUCell: shapes, parameters, MACs and errors as PyTorch's") {
  LoadedModel gru = check_ns("input x: [3, 8]\nGRUCell(8, 16)\n");
  REQUIRE(gru.exit == ExitCode::Ok);
  CHECK(out_shape(gru) == "[3, 16]");
  CHECK(gru.analysis.totals.params == 1248);
  CHECK(gru.analysis.totals.macs == 3 * (48 * 8 + 48 * 16));
  CHECK(check_ns("input x: [3, 8]\nRNNCell(8, 16, bias=False)\n").analysis.totals.params == 384);
  CHECK(out_shape(check_ns("input x: [8]\nGRUCell(8, 16)\n")) == "[16]");
  CHECK(out_shape(check_ns("input x: [B, 8]\ninput h: [B, 16]\nc = GRUCell(8, 16)(x, h)\n")) ==
        "[B, 16]");
  CHECK(out_shape(check_ns("input x: [8]\ninput h: [16]\nc = GRUCell(8, 16)(x, h)\n")) == "[16]");
  CHECK(out_shape(check_ns("input x: [3, 8]\nGRUCell(?, 4)\n")) == "[3, 4]");
  CHECK(shape_error_of("input x: [3, 7]\nGRUCell(8, 16)\n") ==
        "input has inconsistent input_size: got 7 expected 8");
  CHECK(shape_error_of("input x: [3, 8]\ninput h: [2, 16]\nc = GRUCell(8, 16)(x, h)\n") ==
        "Input batch size 3 doesn't match hidden0 batch size 2");
  CHECK(shape_error_of("input x: [3, 8]\ninput h: [3, 15]\nc = GRUCell(8, 16)(x, h)\n") ==
        "hidden0 has inconsistent hidden_size: got 15, expected 16");
  CHECK(shape_error_of("input x: [8]\ninput h: [3, 16]\nc = GRUCell(8, 16)(x, h)\n") ==
        "hidden0 has inconsistent hidden_size: got 3, expected 16");
  CHECK(shape_error_of("input x: [3, 8]\ninput h: [16]\nc = GRUCell(8, 16)(x, h)\n") ==
        "Input batch size 3 doesn't match hidden0 batch size 16");
  CHECK(shape_error_of("input x: [2, 3, 8]\nGRUCell(8, 16)\n") ==
        "GRUCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  CHECK(shape_error_of("input x: [3, 8]\nRNNCell(8, 16, nonlinearity='gelu')\n") ==
        "Unknown nonlinearity: gelu");
  CHECK(shape_error_of("input x: [3, 8]\nGRUCell(8, -1)\n") ==
        "Trying to create tensor with negative dimension -3: [-3, 8]");
  CHECK(check_ns("input x: [3, 8]\nLSTMCell(8, 16)\n").analysis.totals.params == 1664);
  CHECK(out_shape(check_ns("input x: [8]\nLSTMCell(8, 16)\n")) == "[16]");
  CHECK(shape_error_of("input x: [3, 8]\ninput h: [3, 16]\ninput c: [2, 16]\n"
                       "y = LSTMCell(8, 16)(x, h, c)\n") ==
        "Input batch size 3 doesn't match hidden0 batch size 2");
  CHECK(shape_error_of("input x: [2, 3, 8]\nLSTMCell(8, 16)\n") ==
        "LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  CHECK(shape_error_of("input x: [3, 8]\nGRUCell(-8, 4)\n") ==
        "Trying to create tensor with negative dimension -8: [12, -8]");
}

namespace {

// A decoder that feeds a GRUCell its own state step after step, and an RNNCell after it.
const char* const kDecoder = R"(import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab=20, emb=8, hidden=16, steps=5):
        super().__init__()
        self.steps = steps
        self.hidden = hidden
        self.embed = nn.Embedding(vocab, emb)
        self.cell = nn.GRUCell(emb, hidden)
        self.rnn = nn.RNNCell(hidden, hidden, nonlinearity='relu')
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        h = torch.zeros(tokens.size(0), self.hidden)
        outputs = []
        for t in range(self.steps):
            x = self.embed(tokens[:, t])
            h = self.cell(x, h)
            g = self.rnn(h)
            outputs.append(self.out(g))
        return torch.stack(outputs, 1)

# input: [3, 5] long
)";

}  // namespace

// PyTorch 1.13: the decoder's output [3, 5, 20] and 2,292 parameters (each module counted once
// however often forward calls it).
TEST_CASE("RNNCell, GRUCell in a .py file: a state carried through a loop, hx by keyword") {
  LoadedModel m = analyze_py(kDecoder, "decoder.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[3, 5, 20]");
  CHECK(m.analysis.totals.params == 2292);
  for (const char* call :
       {"self.cell(x, hx=h)", "self.cell(input=x, hx=h)", "self.cell(x, None)"}) {
    CAPTURE(call);
    LoadedModel k = analyze_py(replaced(kDecoder, "self.cell(x, h)", call), "decoder.py", "");
    CHECK(k.exit == ExitCode::Ok);
    CHECK(out_shape(k) == "[3, 5, 20]");
  }
}

namespace {

// A captioner whose LSTMCell starts from a state made of the image features and carries (h, c)
// from step to step.
const char* const kCaptioner = R"(import torch
import torch.nn as nn


class Captioner(nn.Module):
    def __init__(self, feat=32, vocab=20, emb=8, hidden=16, steps=4):
        super().__init__()
        self.steps = steps
        self.init_h = nn.Linear(feat, hidden)
        self.init_c = nn.Linear(feat, hidden)
        self.embed = nn.Embedding(vocab, emb)
        self.cell = nn.LSTMCell(emb + feat, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, features, tokens):
        h = self.init_h(features)
        c = self.init_c(features)
        logits = []
        for t in range(self.steps):
            x = torch.cat([self.embed(tokens[:, t]), features], dim=1)
            h, c = self.cell(x, (h, c))
            logits.append(self.out(h))
        return torch.stack(logits, 1)

# input features: [3, 32]
# input tokens: [3, 4] long
)";

}  // namespace

// PyTorch 1.13: the captioner's output [3, 4, 20] and 5,268 parameters; nn.LSTMCell(8, 16) has
// 1,664. Each call is two rows,
// h (the parameters, once, and the products) and c (`cell.c`: none of either).
TEST_CASE("LSTMCell in a .py file: (h, c) carried through a loop, c a row of its own") {
  LoadedModel m = analyze_py(kCaptioner, "captioner.py", "");
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(out_shape(m) == "[3, 4, 20]");
  CHECK(m.analysis.totals.params == 5268);
  std::vector<std::string> cells;
  for (const LayerInfo& l : m.analysis.layers)
    if (l.op == OpId::LSTMCell) cells.push_back(std::string(l.name));
  CHECK(cells == std::vector<std::string>{"cell", "cell.c", "cell_2", "cell_2.c", "cell_3",
                                          "cell_3.c", "cell_4", "cell_4.c"});
  const LayerInfo& c = m.analysis.layers[6];
  CHECK(c.name == "cell.c");
  CHECK(c.params == 0);
  CHECK(c.macs == 0);
  CHECK(m.analysis.layers[5].macs == 3 * 64 * (40 + 16));
  CHECK(input_names(m.analysis, m.analysis.layers[11]) ==
        std::vector<std::string>{"cat11", "cell", "cell.c"});
  // in an nn.Sequential the next module receives the tuple (h, c): PyTorch's TypeError
  LoadedModel seq = analyze_py(
      "import torch.nn as nn\n# input: [2, 3]\nmodel = nn.Sequential(nn.LSTMCell(3, 4), "
      "nn.Linear(4, 2))\n",
      "s.py", "");
  CHECK(seq.exit != ExitCode::Ok);
  CHECK(first_error(seq).message ==
        "Linear.forward(): argument 'input' must be Tensor, not a tuple");
  // the state as a tensor, not a pair, is refused; a wrong c is PyTorch's error for hidden1
  LoadedModel single =
      analyze_py(replaced(kCaptioner, "self.cell(x, (h, c))", "self.cell(x, h)"), "c.py", "");
  CHECK(first_error(single).message ==
        "unsupported Python construct: an LSTM state that is not a pair (h0, c0)");
  LoadedModel wrong = analyze_py(
      replaced(kCaptioner, "self.cell(x, (h, c))", "self.cell(x, (h, c[:, :8]))"), "c.py", "");
  // PyTorch 1.13's lstm_cell labels c hidden0 too
  CHECK(first_error(wrong).message == "hidden0 has inconsistent hidden_size: got 8, expected 16");
}
