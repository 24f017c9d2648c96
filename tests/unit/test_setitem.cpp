// Item assignment into a tensor: `outputs[t] = output` (the teacher-forcing loop of seq2seq
// tutorials), `x[:, 0] = 0.0`, `scores[mask] = 0`. The .py reader writes each as a row written
// into the tensor (setitem; a bool mask a masked_fill), which later reads of the tensor see.
// Every message below is PyTorch 1.13's for the same statement (run with torch on the same
// file); the values a forward writes are checked against the input they came from.
#include <doctest/doctest.h>

#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;

namespace {

// A forward that makes `y` from x ([4, 6]) and writes into it (BODY), then applies a Linear.
const char* kWritten = R"(# input x: [4, 6]
import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(6, 3)

    def forward(self, x):
        y = torch.tanh(x)
        BODY
        return self.layer(y)
)";

}  // namespace

TEST_CASE("setitem: the place an index names and the value written into it, as PyTorch") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 4]", "y = setitem(x, index=[0], value=1.0)", "[2, 3, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]\ninput v: [4]", "y = setitem(x, v, index=[(None, None, None), 1])",
       "[2, 3, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]\ninput v: [1, 3, 1, 1]",
       "y = setitem(x, v, index=['...', None, (None, None, 2)])", "[2, 3, 4]", 0, 0, ""},
      {"input x: [B, 3]", "y = setitem(x, index=[-1, (1, None, None)], value=0)", "[B, 3]", 0, 0,
       ""},
      // the value's leading 1s dropped, then expanded from the right
      {"input x: [2, 3, 4]\ninput v: [5]", "y = setitem(x, v, index=[0])", "error", 0, 0,
       "The expanded size of the tensor (4) must match the existing size (5) at non-singleton "
       "dimension 1.  Target sizes: [3, 4].  Tensor sizes: [5]"},
      {"input x: [2, 3, 4]\ninput v: [1, 2, 1, 4]", "y = setitem(x, v, index=[0, 0])", "error", 0,
       0,
       "expand(torch.FloatTensor{[2, 1, 4]}, size=[4]): the number of sizes provided (1) must be "
       "greater or equal to the number of dimensions in the tensor (3)"},
      {"input x: [2, 3, 4]\ninput v: [5]", "y = setitem(x, v, index=[(1, 1, None)])", "error", 0, 0,
       "The expanded size of the tensor (4) must match the existing size (5) at non-singleton "
       "dimension 2.  Target sizes: [0, 3, 4].  Tensor sizes: [5]"},
      // an int's dim in the message is the item's position in the index
      {"input x: [2, 3, 4]", "y = setitem(x, index=[None, (None, None, None), 5], value=1)",
       "error", 0, 0, "index 5 is out of bounds for dimension 2 with size 3"},
      {"input x: [2, 3, 4]", "y = setitem(x, index=['...', -5], value=1)", "error", 0, 0,
       "index -5 is out of bounds for dimension 1 with size 4"},
      {"input x: [2, 3]", "y = setitem(x, index=[0, 0, 0], value=1)", "error", 0, 0,
       "too many indices for tensor of dimension 2"},
      {"input x: [2, 3]", "y = setitem(x, index=[(None, None, 0)], value=1)", "error", 0, 0,
       "slice step cannot be zero"},
      {"input x: [2, 3]", "y = setitem(x, index=[0])", "error", 0, 0,
       "setitem needs a value: a tensor or a number"},
      {"input x: [B, 3]", "y = setitem(x, index=[2], value=1)", "error", 0, 0,
       "index 2 of the batch-sized dim B may be out of bounds"},
  };
  check_layer_cases(cases);
}

TEST_CASE("setitem: a forward writes the value, broadcast, into the place and nowhere else") {
  ExecResult r = test::run_kept(
      "model S\ninput x: [3, 4]\ninput v: [2]\n"
      "a = setitem(x, index=[0], value=5.0)\n"
      "b = setitem(a, v, index=[(1, None, None), (None, None, 2)])\n"
      "c = setitem(b, index=['...', None, -1], value=-2)\n");
  const Tensor& x = test::tensor_named(r.inputs, "x");
  const Tensor& v = test::tensor_named(r.inputs, "v");
  const Tensor& c = test::tensor_named(r.outputs, "c");
  REQUIRE(c.shape == std::vector<int64_t>{3, 4});
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 4; ++j) {
      CAPTURE(i);
      CAPTURE(j);
      // b's value [2] is expanded to the place [2, 2] (rows 1 and 2, columns 0 and 2)
      float want = i == 0 ? 5.0f : x.data[i * 4 + j];
      if (i >= 1 && j % 2 == 0) want = v.data[j / 2];
      if (j == 3) want = -2.0f;
      CHECK(c.data[i * 4 + j] == want);
    }
  }
}

TEST_CASE("setitem: item assignment in forward, with PyTorch's errors") {
  const PyCase ok[] = {
      {"y[0] = x[1] * 2", "", "[4, 3]"},
      {"y[:, 1:3] = torch.ones(4, 1)", "", "[4, 3]"},
      {"y[..., None, -1] = torch.ones(1, 4, 1)", "", "[4, 3]"},
      {"y[y > 0.5] = 0.0", "", "[4, 3]"},
      {"y[x[:, 0] < 0] = -1", "", "[4, 3]"},
      // a copy of the tensor's own view is a new tensor, made before the write
      {"y[:, 0] = y[:, 0] * 2", "", "[4, 3]"},
      {"y[1:] = y[:-1].clone()", "", "[4, 3]"},
      {"y[:, 1] = -y[:, 0]", "", "[4, 3]"},
  };
  check_py_cases(kWritten, "m.py", ok);
  const PyCase shape_errors[] = {
      {"y[0] = torch.ones(5)",
       "The expanded size of the tensor (6) must match the existing size (5) at non-singleton "
       "dimension 0.  Target sizes: [6].  Tensor sizes: [5]",
       ""},
      {"y[:, 1:3] = torch.ones(2, 2, 5)",
       "expand(torch.FloatTensor{[2, 2, 5]}, size=[4, 2]): the number of sizes provided (2) must "
       "be greater or equal to the number of dimensions in the tensor (3)",
       ""},
      {"y[0] = torch.ones(2, 6, dtype=torch.long)",
       "expand(torch.LongTensor{[2, 6]}, size=[6]): the number of sizes provided (1) must be "
       "greater or equal to the number of dimensions in the tensor (2)",
       ""},
      {"y[0, 7] = 1.0", "index 7 is out of bounds for dimension 1 with size 6", ""},
      {"y[..., 9] = 0", "index 9 is out of bounds for dimension 1 with size 6", ""},
      {"y[0, 0, 0] = 1", "too many indices for tensor of dimension 2", ""},
      {"y[:, ::-1] = 1", "step must be greater than zero", ""},  // as x[:, ::-1] reads
      {"s = x.sum()\n        s[0] = 1",
       "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
       "C++ to convert a 0-dim tensor to a number",
       ""},
      // a number the tensor's type cannot hold
      {"z = x.long()\n        z[0] = 1e30",
       "value cannot be converted to type int64_t without overflow", ""},
      {"z = x.to(torch.uint8)\n        z[0] = 300",
       "value cannot be converted to type uint8_t without overflow", ""},
  };
  check_py_cases(kWritten, "m.py", shape_errors);
  const PyCase code_errors[] = {
      {"y[:, ::0] = 1", "slice step cannot be zero", ""},
      {"y[0] = [1.0, 2.0]", "can't assign a list to a torch.FloatTensor", ""},
      {"y[torch.ones(1, 6, dtype=torch.bool)] = 1",
       "The shape of the mask [1, 6] at index 0 does not match the shape of the indexed tensor "
       "[4, 6] at index 0",
       ""},
      {"y[torch.ones(4, 6, 1, dtype=torch.bool)] = 1", "too many indices for tensor of dimension 2",
       ""},
      // the mask is checked before the value
      {"y[torch.ones(6, dtype=torch.bool)] = torch.ones(3)",
       "The shape of the mask [6] at index 0 does not match the shape of the indexed tensor [4, "
       "6] at index 0",
       ""},
      // what netshape does not follow: a list index, a tensor through a mask, a view of the
      // tensor written into it (PyTorch refuses it where the two overlap), a write into an
      // expanded tensor (PyTorch checks the place written)
      {"y[1:] = y[:-1]",
       "unsupported Python construct: writing a view of a tensor into the tensor itself", ""},
      // `.contiguous()` of a contiguous view is the view itself
      {"y[1:] = y[:-1].contiguous()",
       "unsupported Python construct: writing a view of a tensor into the tensor itself", ""},
      {"y = y[:1].expand(4, 6)\n        y[0] = torch.ones(6)",
       "unsupported: item assignment into an expanded tensor", ""},
      {"y[[0, 1]] = 1", "unsupported Python construct: item assignment with a list in the index",
       ""},
      {"y[y > 0] = torch.ones(3)",
       "unsupported Python construct: writing a tensor through a mask (its size depends on the "
       "mask's values)",
       ""},
  };
  check_py_cases(kWritten, "m.py", code_errors, ExitCode::UsageOrParse);
}

// `y[:, 0] += 1` is Python's y.__setitem__(i, y.__getitem__(i).__iadd__(1)): the add writes into
// the view y[:, 0], and the store copies the view into the place it views, which changes nothing.
// Each result and message is PyTorch 1.13's for the same forward.
TEST_CASE("setitem: augmented assignment into an indexed place writes through its view") {
  const PyCase ok[] = {
      {"y[:, 0] += 1", "", "[4, 3]"},
      {"y[..., :2] *= 2", "", "[4, 3]"},
      {"y[:, 0] /= 0", "", "[4, 3]"},
      {"y[0][1:] -= x[1, 1:]", "", "[4, 3]"},
      {"y[2:, 1] -= y[:2, 1]", "", "[4, 3]"},
      // the select drops the expanded dim: its elements are distinct
      {"y = y[:1].expand(4, 6)\n        y[0] += 1", "", "[4, 3]"},
  };
  check_py_cases(kWritten, "m.py", ok);
  const PyCase errors[] = {
      {"y[:, 0] += torch.ones(4, 1)",
       "output with shape [4] doesn't match the broadcast shape [4, 4]", ""},
      {"y[:, 0] += torch.ones(3, 6)",
       "The size of tensor a (4) must match the size of tensor b (6) at non-singleton dimension 1",
       ""},
      {"y = y.long()\n        y[:, 0] += 0.5\n        y = y.float()",
       "result type Float can't be cast to the desired output type Long", ""},
      {"y = y[:1].expand(4, 6)\n        y[:, 0] += 1",
       "unsupported operation: more than one element of the written-to tensor refers to a single "
       "memory location. Please clone() the tensor before performing the operation.",
       ""},
      {"self.layer.weight[0] += 1",
       "a view of a leaf Variable that requires grad is being used in an in-place operation.", ""},
  };
  check_py_cases(kWritten, "m.py", errors);

  // the write is in the view's row, which is no unused tensor; the table has no setitem row
  LoadedModel m = analyze_text(test::replaced(kWritten, "BODY", "y[:, 0] += 1"), "m.py", {});
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(m.diags.count() == 0);
  REQUIRE(m.analysis.layers.size() == 3);
  CHECK(m.analysis.layers[1].op == OpId::select);
  CHECK(to_string(*m.analysis.layers[1].output) == "[4]");
}

TEST_CASE("setitem: a teacher-forcing decoder loop writes each step into its outputs") {
  const char* text = R"(import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab, emb, hid):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hid)
        self.fc_out = nn.Linear(hid, vocab)

    def forward(self, token, hidden):
        output, hidden = self.rnn(self.embedding(token.unsqueeze(0)), hidden)
        return self.fc_out(output.squeeze(0)), hidden


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_embed = nn.Embedding(100, 32)
        self.encoder = nn.GRU(32, 64)
        self.decoder = Decoder(120, 32, 64)

    # input src: [7, 4] long
    # input trg: [5, 4] long
    def forward(self, src, trg):
        trg_len, batch = trg.shape
        outputs = torch.zeros(trg_len, batch, 120)
        _, hidden = self.encoder(self.src_embed(src))
        token = trg[0, :]
        for t in range(1, trg_len):
            output, hidden = self.decoder(token, hidden)
            outputs[t] = output
            token = trg[t]
        return outputs
)";
  LoadedModel m = analyze_text(text, "seq2seq.py", {});
  INFO(render_diagnostics(m));
  REQUIRE(m.exit == ExitCode::Ok);
  REQUIRE(m.analysis.outputs.size() == 1);
  CHECK(to_string(m.analysis.outputs[0].second) == "[5, 4, 120]");
  CHECK(m.analysis.totals.params == 52472);  // PyTorch's sum of p.numel()
  // four steps written, each reading the step's Linear and the outputs written so far
  std::vector<std::vector<std::string>> writes;
  for (const LayerInfo& l : m.analysis.layers)
    if (l.op == OpId::setitem) writes.push_back(test::input_names(m.analysis, l));
  REQUIRE(writes.size() == 4);
  CHECK(writes[0] == std::vector<std::string>{"zeros1", "decoder.fc_out"});
  CHECK(writes[1][0].rfind("setitem", 0) == 0);  // the outputs as the first step left them
  CHECK(writes[3][1] == "decoder.fc_out_4");
}
