// In-place writes autograd refuses while it records gradients: into a trainable parameter in
// forward (`self.w.clamp_(0, 1)`, `self.w[0] = 1`, `F.relu(self.w, inplace=True)`), into a piece
// of split, chunk or unbind of a tensor that needs a gradient (`q, k, v = qkv.unbind(0); q *=
// scale`), into a view made under no_grad. Detached (`.data`, `.detach()`), under
// `torch.no_grad()`, into a copy or into what needs no gradient they are allowed. Every message
// is PyTorch 1.13's for the same forward (run with torch on these models).
#include <doctest/doctest.h>

#include <string>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::first_error;
using netshape::test::first_error_at;
using netshape::test::PyCase;

namespace {

const char* kModel = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.w = nn.Parameter(torch.ones(4))
        self.act = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(inplace=True)
        self.still = nn.Parameter(torch.ones(4))
        self.still.requires_grad_(False)
        self.frozen = nn.Linear(4, 4)
        for p in self.frozen.parameters():
            p.requires_grad = False

    def forward(self, x):
        # input: [2, 4]
        BODY
        return self.fc(x) * self.w
)";

const char* kPieces = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.norm = nn.BatchNorm1d(4, affine=False)
        self.ln = nn.LayerNorm(4)
        self.frozen = nn.Linear(4, 4)
        for p in self.frozen.parameters():
            p.requires_grad = False

    def forward(self, x):
        # input: [2, 4]
        h = self.fc(x)
        BODY
        return self.fc(h)
)";

std::string piece_error(int output, const char* function) {
  return "Output " + std::to_string(output) + " of " + function +
         " is a view and is being modified inplace. This view is the output of a function that "
         "returns multiple views. Such functions do not allow the output views to be modified "
         "inplace. You should replace the inplace operation by an out-of-place one.";
}

constexpr const char* kNoGradView =
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).";

constexpr const char* kLeaf =
    "a leaf Variable that requires grad is being used in an in-place operation.";
constexpr const char* kView =
    "a view of a leaf Variable that requires grad is being used in an in-place operation.";

}  // namespace

TEST_CASE("in-place writes into a trainable parameter in forward are PyTorch's errors") {
  const PyCase cases[] = {
      {"self.w.mul_(2)", kLeaf, ""},
      {"self.w += 1", kLeaf, ""},
      {"self.w.clamp_(0, 1)", kLeaf, ""},
      {"self.w.zero_()", kLeaf, ""},
      {"self.w.fill_(0.5)", kLeaf, ""},
      {"self.w.relu_()", kLeaf, ""},
      {"self.w.exp_()", kLeaf, ""},
      {"self.fc.bias.add_(1)", kLeaf, ""},
      {"self.fc.weight.mul_(2)", kLeaf, ""},
      {"w = self.fc.weight\n        w += 1", kLeaf, ""},
      {"self.fc.bias.masked_fill_(self.fc.bias > 0, 1.0)", kLeaf, ""},
      {"self.fc.weight[0] = 1", kView, ""},
      {"self.w.masked_fill_(self.w > 0, 1.0)", kLeaf, ""},
      {"torch.relu_(self.w)", kLeaf, ""},
      {"F.relu(self.w, inplace=True)", kLeaf, ""},
      {"self.act(self.w)", kLeaf, ""},
      {"F.dropout(self.w, 0.5, True, inplace=True)", kLeaf, ""},
      // the same tensor: a cast to its own type, contiguous() of a contiguous one
      {"self.w.float().mul_(2)", kLeaf, ""},
      {"self.w.contiguous().mul_(2)", kLeaf, ""},
      // item assignment writes into a view (the index's), except through `...` or a mask
      {"self.w[0] = 1", kView, ""},
      {"self.w[1:3] = torch.zeros(2)", kView, ""},
      {"self.w[...] = 1", kLeaf, ""},
      {"self.w[self.w > 0] = 0", kLeaf, ""},
      // views of it
      {"self.w.view(2, 2).mul_(2)", kView, ""},
      {"self.fc.weight.t().mul_(2)", kView, ""},
      {"self.fc.weight.flatten().mul_(2)", kView, ""},
      {"self.w.unsqueeze(0).relu_()", kView, ""},
      {"self.w[1:3].sigmoid_()", kView, ""},
      {"self.w[0] += 1", kView, ""},
      {"self.w.expand(2, 4).mul_(2)", kView, ""},
      {"self.fc.weight.T[0] = 3", kView, ""},
      {"with torch.no_grad():\n            v = self.w.view(2, 2)\n        v.mul_(2)", kNoGradView,
       ""},
      // what PyTorch lets write: detached, without gradients, a copy, a frozen parameter, an
      // eval-mode dropout (it writes nothing)
      {"self.w.data.fill_(0)", "", "[2, 4]"},
      {"self.fc.weight.data.clamp_(0, 1)", "", "[2, 4]"},
      {"self.w.data[0] = 5", "", "[2, 4]"},
      {"self.w.detach().mul_(2)", "", "[2, 4]"},
      {"v = self.w.detach().view(2, 2)\n        v.mul_(2)", "", "[2, 4]"},
      {"with torch.no_grad():\n            self.w.mul_(2)", "", "[2, 4]"},
      {"with torch.no_grad():\n            self.w[0] = 3", "", "[2, 4]"},
      {"self.w.requires_grad_(False)\n        self.w.mul_(2)", "", "[2, 4]"},
      {"self.w.clone().mul_(2)", "", "[2, 4]"},
      {"(self.w * 1).mul_(2)", "", "[2, 4]"},
      {"self.frozen.weight.mul_(2)", "", "[2, 4]"},
      {"self.still.mul_(2)", "", "[2, 4]"},  // requires_grad_(False) in __init__
      {"self.drop(self.w)", "", "[2, 4]"},
      {"F.dropout(self.w, 0.5, self.training, inplace=True)", "", "[2, 4]"},
  };
  check_py_cases(kModel, "leaf.py", cases);
}

TEST_CASE("in-place writes into a parameter: the caret at the tensor written, a copy refused") {
  std::string text = kModel;
  text.replace(text.find("BODY"), 4, "y = self.act(self.w)");
  LoadedModel m = analyze_text(text, "leaf.py", {});
  CHECK(m.exit == ExitCode::ShapeError);
  CHECK(first_error_at(m) == std::string("21:22: ") + kLeaf);
  // contiguous() of a transposed weight is a copy, of a contiguous view the view: not followed
  text = kModel;
  text.replace(text.find("BODY"), 4, "self.fc.weight.t().contiguous().mul_(2)");
  m = analyze_text(text, "leaf.py", {});
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(first_error_at(m).starts_with(
      "21:9: unsupported Python construct: an in-place write into `.contiguous()`, `flatten` or "
      "`reshape` of a view autograd guards"));
}

TEST_CASE("in-place writes into a piece of split, chunk or unbind that needs a gradient") {
  const std::string split = piece_error(0, "SplitBackward0");
  const std::string second = piece_error(1, "SplitBackward0");
  const std::string sizes = piece_error(1, "SplitWithSizesBackward0");
  const std::string unbind = piece_error(1, "UnbindBackward0");
  const std::string heads = piece_error(0, "UnbindBackward0");
  const std::string select = piece_error(0, "SelectBackward0");
  auto base_error = [](int output, const char* function) {
    return "Output " + std::to_string(output) + " of " + function +
           " is a view and its base or another view of its base has been modified inplace. This "
           "view is the output of a function that returns multiple views. Such functions do not "
           "allow the output views to be modified inplace. You should replace the inplace "
           "operation by an out-of-place one.";
  };
  const std::string base_split = base_error(0, "SplitBackward0");
  const std::string base_split_1 = base_error(1, "SplitBackward0");
  const std::string base_unbind = base_error(0, "UnbindBackward0");
  const std::string slice = piece_error(0, "SliceBackward0");
  const std::string unsqueeze = piece_error(0, "UnsqueezeBackward0");
  const PyCase cases[] = {
      {"a, b = h.chunk(2, 1)\n        a.mul_(2)", split.c_str(), ""},
      {"a = h.chunk(3, 1)[1]\n        a.mul_(2)", second.c_str(), ""},
      {"a, b = h.split([1, 3], 1)\n        b.relu_()", sizes.c_str(), ""},
      {"a = torch.split(h, 2, 1)[0]\n        a.clamp_(0, 1)", split.c_str(), ""},
      {"a = h.unbind(0)[1]\n        a += 1", unbind.c_str(), ""},
      {"q, k = h.view(2, 2, 2).unbind(1)\n        q *= 0.5", heads.c_str(), ""},
      {"a, b = h.chunk(2, 1)\n        F.relu(a, inplace=True)", split.c_str(), ""},
      {"a = h.chunk(2, 1)[0]\n        a[a > 0] = 1", split.c_str(), ""},
      {"a = h.unbind(1)[0]\n        a[...] = 1", heads.c_str(), ""},
      // through an index: the view it makes, output 0 of autograd's node for its last step
      {"a = h.chunk(2, 1)[0]\n        a[0] = 1", select.c_str(), ""},
      {"a = h.chunk(2, 1)[0]\n        a[0, :] = 1", slice.c_str(), ""},
      {"a = h.chunk(2, 1)[0]\n        a[0, None] = 1", unsqueeze.c_str(), ""},
      {"a = (h * 2).chunk(2, 1)[0]\n        a.mul_(2)", split.c_str(), ""},
      {"a = h.floor().chunk(2, 1)[0]\n        a.mul_(2)", split.c_str(), ""},
      {"a = self.ln(x).chunk(2, 1)[0]\n        a.mul_(2)", split.c_str(), ""},
      {"with torch.no_grad():\n            a, b = h.chunk(2, 1)\n        a.mul_(2)", kNoGradView,
       ""},
      {"with torch.no_grad():\n            v = h.view(8)\n        v.mul_(2)", kNoGradView, ""},
      // what needs no gradient, or is no piece: PyTorch writes
      {"a = x.chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = (h > 0).float().chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = h.argmax(1).float().chunk(2, 0)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = self.norm(x).chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = self.frozen(x).chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = torch.zeros_like(h).chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = h.long().chunk(2, 1)[0]\n        a.mul_(2)", "", "[2, 4]"},
      {"a = h.chunk(2, 1)[0].detach()\n        a.mul_(2)", "", "[2, 4]"},
      {"a = h.chunk(2, 1)[0]\n        a.data.mul_(2)", "", "[2, 4]"},
      {"a = h.chunk(2, 1)[0] * 1\n        a.mul_(2)", "", "[2, 4]"},
      {"with torch.no_grad():\n            a, b = h.chunk(2, 1)\n            a.mul_(2)", "",
       "[2, 4]"},
      {"q = h.view(2, 2, 2)[:, 0]\n        q *= 0.5", "", "[2, 4]"},
      {"h.relu_()", "", "[2, 4]"},
      // the tensor a piece views written in place (through any name, under no_grad too): the
      // piece's next use in grad mode is autograd's error; returned untouched it is not
      {"q, k = h.chunk(2, 1)\n        h.mul_(2)\n        h = q + k", base_split.c_str(), ""},
      {"a, b = h.unbind(0)\n        h += 1\n        h = a * 2", base_unbind.c_str(), ""},
      {"q, k = h.chunk(2, 1)\n        h[0] = 0\n        h = torch.cat([k, q], 1)",
       base_split_1.c_str(), ""},
      {"q, k = h.chunk(2, 1)\n        with torch.no_grad():\n            q.mul_(2)\n        h = "
       "torch.cat([k, q], 1)",
       base_split_1.c_str(), ""},
      {"q, k = h.chunk(2, 1)\n        v = h.view(8)\n        v.mul_(2)\n        h = k.view(4)",
       base_split_1.c_str(), ""},
      {"q, k = h.chunk(2, 1)\n        h.mul_(2)\n        h = h + 1", "", "[2, 4]"},
      {"q, k = h.chunk(2, 1)\n        h.data.mul_(2)\n        h = torch.cat([k, q], 1)", "",
       "[2, 4]"},
      {"q, k = h.chunk(2, 1)\n        q = q * 2\n        h.mul_(2)\n        h = torch.cat([q, q], "
       "1)",
       "", "[2, 4]"},
  };
  check_py_cases(kPieces, "pieces.py", cases);
}

TEST_CASE(
    "in-place writes into a view of a piece: refused, PyTorch names a node netshape does not") {
  for (const char* body : {"a = h.chunk(2, 1)[1].t()\n        a.mul_(2)",
                           "a = h.chunk(2, 0)[0].view(4)\n        a[0] = 1"}) {
    std::string text = kPieces;
    text.replace(text.find("BODY"), 4, body);
    LoadedModel m = analyze_text(text, "pieces.py", {});
    INFO(body);
    CHECK(m.exit == ExitCode::UsageOrParse);
    CHECK(first_error(m).message.starts_with(
        "unsupported Python construct: an in-place write into a view of a piece of split"));
  }
}
