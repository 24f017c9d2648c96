// torch.sort, torch.argsort and torch.topk: shapes, PyTorch 1.13's errors and types, and the
// values and indices `run` computes. Every expected value and message is PyTorch 1.13's for the
// same call.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "../../src/exec/forward.hpp"
#include "forward_helpers.hpp"
#include "netshape/exec.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_layer_cases;
using netshape::test::check_ns;
using netshape::test::check_py_cases;
using netshape::test::LayerCase;
using netshape::test::PyCase;
using netshape::test::tensor_of;

namespace {

const LayerCase kCases[] = {
    {"input x: [2, 5, 3]", "sort(x)", "[2, 5, 3]", 0, 0, ""},
    {"input x: [2, 5, 3]", "argsort(x, 0, True)", "[2, 5, 3]", 0, 0, ""},
    {"input x: [2, 5, 3]", "topk(x, 2)", "[2, 5, 2]", 0, 0, ""},
    {"input x: [2, 5, 3]", "topk(x, 2, dim=1)", "[2, 2, 3]", 0, 0, ""},
    {"input x: [2, 5, 3]", "topk(x, 0)", "[2, 5, 0]", 0, 0, ""},
    {"input x: [2, 5, 3]", "topk(x, 5, 1, largest=False)", "[2, 5, 3]", 0, 0, ""},
    {"input x: [2, 5, 3]", "topk(x, 4)", "error", 0, 0, "selected index k out of range"},
    {"input x: [2, 5, 3]", "topk(x, -1)", "error", 0, 0, "selected index k out of range"},
    {"input x: [2, 5, 3]", "topk(x, 1, dim=3)", "error", 0, 0,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
    {"input x: [2, 5, 3]", "sort(x, -4)", "error", 0, 0,
     "Dimension out of range (expected to be in range of [-3, 2], but got -4)"},
    {"input x: [2, 5, 3]", "topk(x, 1.0)", "error", 0, 0,
     "topk(): argument 'k' must be int, not float"},
    {"input x: [2, 5, 3]", "topk(x, 1, largest=1)", "error", 0, 0,
     "topk(): argument 'largest' must be bool, not int"},
    {"input x: [B, 5, 3]", "topk(x, 1, dim=0)", "error", 0, 0,
     "topk along the dim of size B"},  // the batch's size is not known: refused
};

// Layer 0 of `call` run by `forward` on x; `second` reads the row as the call's second result
// (the indices), as the .py reader marks it.
Tensor ordered(const std::string& call, void (*forward)(ForwardCtx&), const Tensor& x,
               bool second = false) {
  return test::forward_of(test::on_input(x, call), forward, {x}, second);
}

}  // namespace

TEST_CASE("sort and topk: shapes and PyTorch's errors") {
  check_layer_cases(kCases);
}

TEST_CASE("sort and topk: run computes PyTorch's values and indices") {
  Tensor x = tensor_of({2, 3}, {3, 1, 2, 0, 5, 4});
  using V = std::vector<float>;
  CHECK(ordered("sort(x)", forward_sort, x).data == V{1, 2, 3, 0, 4, 5});
  CHECK(ordered("sort(x)", forward_sort, x, true).data == V{1, 2, 0, 0, 2, 1});
  CHECK(ordered("sort(x, 0, True)", forward_sort, x).data == V{3, 5, 4, 0, 1, 2});
  CHECK(ordered("argsort(x, 0, True)", forward_sort, x).data == V{0, 1, 1, 1, 0, 0});
  CHECK(ordered("topk(x, 2)", forward_topk, x).data == V{3, 2, 5, 4});
  CHECK(ordered("topk(x, 2)", forward_topk, x, true).data == V{0, 2, 1, 2});
  CHECK(ordered("topk(x, 1, largest=False)", forward_topk, x).data == V{1, 0});
  // equal values keep their order; NaN is the largest
  Tensor ties = tensor_of({3}, {2, 1, 2});
  CHECK(ordered("sort(x)", forward_sort, ties, true).data == V{1, 0, 2});
  CHECK(ordered("argsort(x, descending=True)", forward_sort, ties).data == V{0, 2, 1});
  CHECK(ordered("topk(x, 2)", forward_topk, ties, true).data == V{0, 2});
  // PyTorch's kernels order equal values as their std::nth_element and std::sort leave them
  // (unstable past 16 elements): so does run
  Tensor zeros5 = tensor_of({5}, V(5, 0.0f)), zeros17 = tensor_of({17}, V(17, 0.0f));
  CHECK(ordered("topk(x, 2)", forward_topk, zeros5, true).data == V{2, 4});
  CHECK(ordered("argsort(x)", forward_sort, zeros17).data ==
        V{8, 16, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5, 4, 3, 2, 1});
  CHECK(ordered("argsort(x, stable=True)", forward_sort, zeros17).data ==
        V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  Tensor nan = tensor_of({3}, {std::nanf(""), 1, 2});
  CHECK(ordered("sort(x)", forward_sort, nan, true).data == V{1, 2, 0});
  CHECK(ordered("sort(x, descending=True)", forward_sort, nan, true).data == V{0, 2, 1});
  CHECK(ordered("topk(x, 1, largest=False)", forward_topk, nan, true).data == V{1});
  CHECK(std::isnan(ordered("topk(x, 1)", forward_topk, nan).data[0]));
}

// The .py reader: x.sort() and x.topk() give (values, indices), the indices int64 (a float32
// Linear refuses them, as PyTorch); the argument parser's TypeErrors in its words.
TEST_CASE("sort and topk: a .py model's values and indices, as PyTorch 1.13's") {
  const std::string base = R"(import torch
import torch.nn as nn


class Router(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(16, 8)
        self.head = nn.Linear(2, 4)

    def forward(self, x):
        scores = self.gate(x)
        BODY

# input: [4, 16]
)";
  const PyCase cases[] = {
      {"weights, experts = scores.topk(2, dim=-1)\n        return self.head(weights)", "",
       "[4, 4]"},
      {"return self.head(torch.topk(scores, 2).values)", "", "[4, 4]"},
      {"return scores.sort(dim=0, descending=True).indices", "", "[4, 8]"},
      {"return torch.argsort(scores, dim=1)", "", "[4, 8]"},
      {"return scores.sort(stable=True)[0]", "", "[4, 8]"},
      {"return self.head(scores.topk(2)[1])", "mat1 and mat2 must have the same dtype", ""},
      {"return scores.topk(9)", "selected index k out of range", ""},
      {"return scores.topk(1.0)", "topk(): argument 'k' (position 1) must be int, not float", ""},
      {"return torch.topk(scores, 1.0)", "topk(): argument 'k' (position 2) must be int, not float",
       ""},
      {"return scores.topk(2, largest=1)", "topk(): argument 'largest' must be bool, not int", ""},
      {"return scores.sort(1.0)",
       "sort() received an invalid combination of arguments - got (float), but expected one of:",
       ""},
      {"return torch.sort(scores, 1, True, True)",
       "sort() received an invalid combination of arguments - got (Tensor, int, bool, bool), but "
       "expected one of:",
       ""},
      {"return (scores > 0).topk(2)", "\"topk_cpu\" not implemented for 'Bool'", ""},
      // topk checks k and dim before its kernel's dtypes; a 0-dim tensor needs no kernel
      {"return (scores > 0).topk(9)", "selected index k out of range", ""},
      {"return scores.half().sum().topk(1)[0]", "", "[]"},
      // a size is an int; axis= is dim's alias
      {"return scores.topk(scores.size(1) // 2, axis=1)[0]", "", "[4, 4]"},
      // the argument parser's messages: its count of arguments, its list of their types
      // (keywords last, in reverse; a trailing ", " when none is positional)
      {"return scores.topk()", "topk() missing 1 required positional arguments: \"k\"", ""},
      {"return scores.topk(2, 1, True, True, 1)",
       "topk() takes from 1 to 4 positional arguments but 5 were given", ""},
      {"return scores.sort(dim=1, descending=1)",
       "sort() received an invalid combination of arguments - got (descending=int, dim=int, ), "
       "but expected one of:",
       ""},
      {"return torch.sort(scores, 0, stable=True)",
       "sort() received an invalid combination of arguments - got (Tensor, int, stable=bool), but "
       "expected one of:",
       ""},
      {"return scores.argsort(0, True, stable=True)",
       "argsort() takes from 1 to 0 positional arguments but 2 were given", ""},
      {"return scores.argsort('a')",
       "argsort: You passed a dimname (string) to this op in place of a dimension index but it "
       "does not yet support this behavior. Please pass a dimension index to work around this.",
       ""},
      {"return scores.half().topk(2)", "\"topk_cpu\" not implemented for 'Half'", ""},
  };
  check_py_cases(base, "router.py", cases);
}

// torch.repeat_interleave with an int of repeats: shapes, PyTorch's errors and values.
TEST_CASE("repeat_interleave: shapes, errors and values as PyTorch's") {
  const LayerCase cases[] = {
      {"input x: [2, 3, 4]", "repeat_interleave(x, 2, dim=1)", "[2, 6, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]", "repeat_interleave(x, 3)", "[72]", 0, 0, ""},
      {"input x: [B, 3, 4]", "repeat_interleave(x, 2, dim=0)", "[2*B, 3, 4]", 0, 0, ""},
      {"input x: [B, 3, 4]", "repeat_interleave(x, 0, dim=0)", "[0, 3, 4]", 0, 0, ""},
      {"input x: [2, 3, 4]", "repeat_interleave(x, 2, dim=1, output_size=6)", "[2, 6, 4]", 0, 0,
       ""},
      {"input x: [2, 3, 4]", "repeat_interleave(x, 2, dim=1, output_size=5)", "error", 0, 0,
       "allocated size does not match required size"},
      {"input x: [2, 3, 4]", "repeat_interleave(x, -1, dim=1)", "error", 0, 0,
       "repeats can not be negative"},
      {"input x: [2, 3, 4]", "repeat_interleave(x, -1, dim=3)", "error", 0, 0,
       "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
  };
  check_layer_cases(cases);
  Tensor x = tensor_of({2, 2}, {1, 2, 3, 4});
  using V = std::vector<float>;
  CHECK(ordered("repeat_interleave(x, 2, dim=1)", forward_repeat_interleave, x).data ==
        V{1, 1, 2, 2, 3, 3, 4, 4});
  CHECK(ordered("repeat_interleave(x, 2, dim=0)", forward_repeat_interleave, x).data ==
        V{1, 2, 1, 2, 3, 4, 3, 4});
  CHECK(ordered("repeat_interleave(x, 3)", forward_repeat_interleave, x).data ==
        V{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4});
  // the .py reader: the argument parser's errors, a 0-dim tensor's dim, tensor repeats refused
  const std::string base = R"(import torch
import torch.nn as nn


class Heads(nn.Module):
    def forward(self, x):
        BODY

# input: [4, 16]
)";
  const std::pair<const char*, const char*> refused[] = {
      {"return x.repeat_interleave(2.0, dim=1)",
       "repeat_interleave() received an invalid combination of arguments - got (float, dim=int), "
       "but expected one of:"},
      {"return x.repeat_interleave(2, 1, 6)",
       "repeat_interleave() received an invalid combination of arguments - got (int, int, int), "
       "but expected one of:"},
      {"return x.sum().repeat_interleave(3, dim=0)",
       "Dimension specified as 0 but tensor has no dimensions"},
      {"return x.repeat_interleave(torch.tensor([2]), dim=0)",
       "unsupported Python construct: a tensor as `repeats` of `repeat_interleave`"},
      // with output_size the result is allocated first; the repeats' sign is not checked
      {"return x.repeat_interleave(-1, dim=1, output_size=5)",
       "allocated size does not match required size"},
      {"return x.repeat_interleave(2, dim=1, output_size=-1)",
       "Trying to create tensor with negative dimension -1: [-1]"},
      {"return x.repeat_interleave(dim=1)",
       "repeat_interleave() received an invalid combination of arguments - got (dim=int, ), but "
       "expected one of:"},
  };
  for (const auto& c : refused) {
    const char* body = c.first;  // (clang: no structured binding in INFO's capture)
    const char* message = c.second;
    LoadedModel m = analyze_text(netshape::test::replaced(base, "BODY", body), "heads.py", {});
    INFO(body);
    CHECK(netshape::test::first_error(m).message == message);
  }
  // an empty dim repeats to nothing before any check; the input by keyword; any dtype
  for (const char* body : {"return x[:, :0].repeat_interleave(-1, dim=1, output_size=7)",
                           "return torch.repeat_interleave(input=x[:, :0], repeats=2, dim=1)",
                           "return x.long().repeat_interleave(0, dim=1).float()"}) {
    LoadedModel m = analyze_text(netshape::test::replaced(base, "BODY", body), "heads.py", {});
    INFO(body);
    CHECK(netshape::test::out_shape(m) == "[4, 0]");
  }
  LoadedModel axis =
      analyze_text(netshape::test::replaced(base, "BODY", "return x.repeat_interleave(2, axis=1)"),
                   "heads.py", {});
  CHECK(netshape::test::out_shape(axis) == "[4, 32]");
}

// x.movedim / torch.moveaxis are a permute, x.swapaxes / swapdims a transpose: PyTorch's shapes
// and errors.
TEST_CASE("movedim and swapaxes: permutes as PyTorch's") {
  const std::string base = R"(import torch
import torch.nn as nn


class Mover(nn.Module):
    def forward(self, x):
        return BODY

# input: [2, 3, 4, 5]
)";
  const std::pair<const char*, const char*> cases[] = {
      {"x.movedim(0, -1)", "[3, 4, 5, 2]"},
      {"x.movedim((0, 1), (2, 3))", "[4, 5, 2, 3]"},
      {"torch.movedim(x, [3, 0], [0, 3])", "[5, 3, 4, 2]"},
      {"torch.moveaxis(x, 1, -1)", "[2, 4, 5, 3]"},
      {"x.movedim(source=0, destination=2)", "[3, 4, 2, 5]"},
      {"x.swapaxes(0, 2)", "[4, 3, 2, 5]"},
      {"torch.swapdims(x, dim0=0, dim1=3)", "[5, 3, 4, 2]"},
      {"x.movedim((0, 1), (2,))",
       "movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the same "
       "number of dims as destination ([2] dims)"},
      {"x.movedim((0, 0), (1, 2))", "movedim: repeated dim in `source` ([0, 0])"},
      {"x.movedim(4, 0)", "Dimension out of range (expected to be in range of [-4, 3], but got 4)"},
      {"x.movedim((0,), 1)",
       "movedim() received an invalid combination of arguments - got (tuple, int), but expected "
       "one of:"},
      {"x.swapaxes(0.0, 1)", "swapaxes(): argument 'axis0' (position 1) must be int, not float"},
      {"x.swapaxes(0, 1, axis0=1)", "swapaxes() got multiple values for argument 'axis0'"},
      {"x.swapaxes()", "swapaxes() missing 2 required positional argument: \"axis0\", \"axis1\""},
      {"x.movedim(0, 1, 2)",
       "movedim() received an invalid combination of arguments - got (int, int, int), but expected "
       "one of:"},
      {"x.movedim((0, 1.0), (1, 0))",
       "movedim(): argument 'source' must be tuple of ints, but found element of type float at pos "
       "2"},
      {"x.movedim((0, -4), (1, 2))", "movedim: repeated dim in `source` ([0, -4])"},
      // the copy a view of a moved tensor needs, as PyTorch
      {"x.movedim(0, -1).view(-1)",
       "view size is not compatible with input tensor's size and stride (at least one dimension "
       "spans across two contiguous subspaces). Use .reshape(...) instead."},
  };
  for (const auto& c : cases) {
    const char* body = c.first;  // (clang: no structured binding in INFO's capture)
    const char* outcome = c.second;
    LoadedModel m = analyze_text(netshape::test::replaced(base, "BODY", body), "mover.py", {});
    INFO(body);
    INFO(render_diagnostics(m));
    if (outcome[0] == '[') {
      REQUIRE(m.exit == ExitCode::Ok);
      CHECK(netshape::test::out_shape(m) == outcome);
    } else {
      CHECK(m.exit == ExitCode::ShapeError);
      CHECK(netshape::test::first_error(m).message == outcome);
    }
  }
}
