// nn.CosineSimilarity, nn.PairwiseDistance and their functions: shapes, PyTorch 1.13's errors and
// types, and the values `run` computes. Every expected value and message is PyTorch 1.13's for
// the same call.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "../../src/exec/forward.hpp"
#include "netshape/commands.hpp"
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
    // broadcast, then reduced along dim (wrapped against the broadcast rank)
    {"input a: [2, 3, 4]\ninput b: [2, 3, 4]", "cosine_similarity(a, b)", "[2, 4]", 0, 0, ""},
    {"input a: [2, 3, 4]\ninput b: [3, 4]", "cosine_similarity(a, b, dim=-1)", "[2, 3]", 0, 0, ""},
    {"input a: [2, 3, 4]\ninput b: [4]", "cosine_similarity(a, b, dim=-1)", "[2, 3]", 0, 0, ""},
    {"input a: [3, 4]\ninput b: [2, 3, 4]", "cosine_similarity(a, b, dim=0)", "[3, 4]", 0, 0, ""},
    {"input a: [4]\ninput b: [2, 3, 4]", "CosineSimilarity(dim=1)(a, b)", "[2, 4]", 0, 0, ""},
    {"input a: [5]\ninput b: [5]", "cosine_similarity(a, b, dim=0)", "[]", 0, 0, ""},
    {"input a: [2, 3, 4]\ninput b: [2, 5, 4]", "cosine_similarity(a, b)", "error", 0, 0,
     "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"},
    {"input a: [2, 3, 4]\ninput b: [2, 3, 4]", "cosine_similarity(a, b, dim=3)", "error", 0, 0,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
    {"input a: [5]\ninput b: [5]", "cosine_similarity(a, b)", "error", 0, 0,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
    // the argument parser's TypeErrors: a position unless given by keyword; a module passes its
    // settings by position
    {"input a: [2, 3]\ninput b: [2, 3]", "cosine_similarity(a, b, dim=1.0)", "error", 0, 0,
     "cosine_similarity(): argument 'dim' must be int, not float"},
    {"input a: [2, 3]\ninput b: [2, 3]", "cosine_similarity(a, b, True)", "error", 0, 0,
     "cosine_similarity(): argument 'dim' (position 3) must be int, not bool"},
    {"input a: [2, 3]\ninput b: [2, 3]", "CosineSimilarity(dim=None)(a, b)", "error", 0, 0,
     "cosine_similarity(): argument 'dim' (position 3) must be int, not NoneType"},
    {"input a: [2, 3]\ninput b: [2, 3]", "CosineSimilarity(eps='x')(a, b)", "error", 0, 0,
     "cosine_similarity(): argument 'eps' (position 4) must be float, not str"},
    {"input a: [2, 3]", "CosineSimilarity()(a)", "error", 0, 0,
     "CosineSimilarity.forward() missing 1 required positional argument: 'x2'"},
    {"input a: [2, 3]\ninput b: [2, 3]", "CosineSimilarity()(a, b, a)", "error", 0, 0,
     "CosineSimilarity.forward() takes 3 positional arguments but 4 were given"},
    {"input a: [2, 3]\ninput b: [2, 3]", "cosine_similarity(a, b, a)", "error", 0, 0,
     "cosine_similarity(): argument 'dim' (position 3) must be int, not Tensor"},
    // pairwise_distance: the p-norm along the broadcast's last dim
    {"input a: [2, 3, 4]\ninput b: [2, 3, 4]", "pairwise_distance(a, b)", "[2, 3]", 0, 0, ""},
    {"input a: [2, 3, 4]\ninput b: [2, 3, 4]", "pairwise_distance(a, b, keepdim=True)", "[2, 3, 1]",
     0, 0, ""},
    {"input a: [5, 8]\ninput b: [8]", "pairwise_distance(a, b)", "[5]", 0, 0, ""},
    {"input a: [8]\ninput b: [3, 8]", "PairwiseDistance(p=1)(a, b)", "[3]", 0, 0, ""},
    {"input a: [8]\ninput b: [8]", "pairwise_distance(a, b)", "[]", 0, 0, ""},
    {"input a: [8]\ninput b: [8]", "pairwise_distance(a, b, keepdim=True)", "[1]", 0, 0, ""},
    {"input a: [5, 8]\ninput b: [5, 7]", "pairwise_distance(a, b)", "error", 0, 0,
     "The size of tensor a (8) must match the size of tensor b (7) at non-singleton dimension 1"},
    {"input a: [2, 3]\ninput b: [2, 3]", "pairwise_distance(a, b, p='fro')", "error", 0, 0,
     "pairwise_distance(): argument 'p' must be float, not str"},
    {"input a: [2, 3]\ninput b: [2, 3]", "PairwiseDistance(keepdim=1)(a, b)", "error", 0, 0,
     "pairwise_distance(): argument 'keepdim' (position 5) must be bool, not int"},
    {"input a: [2, 3]\ninput b: [2, 3]", "PairwiseDistance(p=True)(a, b)", "[2]", 0, 0, ""},
    {"input a: [2, 3]", "pairwise_distance()", "error", 0, 0,
     "pairwise_distance() missing 1 required positional arguments: \"x2\""},
};

// Layer 0 of a .ns snippet run by forward_distance on the given inputs.
Tensor distance_of(const std::string& ns, const Tensor& a, const Tensor& b) {
  LoadedModel m = check_ns(ns);
  REQUIRE_MESSAGE(m.exit == ExitCode::Ok, ns);
  const LayerInfo& l = m.analysis.layers.at(0);
  Tensor out;
  ForwardCtx ctx{l, {&a, &b}, {}, out};
  forward_distance(ctx);
  CHECK(out.shape == bind_shape(*l.output, 1));
  return out;
}

}  // namespace

TEST_CASE("distance: shapes and the errors of PyTorch's cosine_similarity and pairwise_distance") {
  check_layer_cases(kCases);
}

TEST_CASE("distance: run computes PyTorch's values for every norm order") {
  const std::string pair = "input a: [2, 2]\ninput b: [2, 2]\n";
  Tensor a = tensor_of({2, 2}, {1, 2, 0, 0});
  Tensor b = tensor_of({2, 2}, {0, 0, 3, 4});
  auto near = [](const Tensor& t, std::vector<double> want) {
    REQUIRE(t.data.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i)
      CHECK(t.data[i] == doctest::Approx(want[i]).epsilon(1e-6));
  };
  // torch.nn.functional.pairwise_distance(a, b, p=...) with its eps=1e-6 added to a - b
  near(distance_of(pair + "pairwise_distance(a, b)\n", a, b),
       {2.2360692024230957, 4.999998569488525});
  near(distance_of(pair + "pairwise_distance(a, b, p=1)\n", a, b),
       {3.000001907348633, 6.999998092651367});
  near(distance_of(pair + "pairwise_distance(a, b, p=-1)\n", a, b),
       {0.6666672229766846, 1.7142852544784546});
  near(distance_of(pair + "pairwise_distance(a, b, p=0)\n", a, tensor_of({2, 2}, {1, 0, 3, 4})),
       {2, 2});  // eps makes the equal elements count
  near(distance_of(pair + "pairwise_distance(a, b, p=-1.5, eps=0.0)\n", a, a), {0, 0});
  // cosine_similarity clamps each squared norm at eps^2 (PyTorch 1.13): 1e-9 against 1e-3 is 0.1
  near(distance_of(pair + "cosine_similarity(a, b, dim=1)\n", tensor_of({2, 2}, {1e-9f, 0, 0, 0}),
                   tensor_of({2, 2}, {1e-3f, 0, 1, 0})),
       {0.10000000149011612, 0});
  near(distance_of(pair + "cosine_similarity(a, b, dim=0)\n", a, b), {0, 0});
  near(distance_of(pair + "cosine_similarity(a, b, dim=1)\n", a, tensor_of({2, 2}, {2, 4, 1, 1})),
       {1, 0});
  // float32's range, as PyTorch computes: a norm past it is inf and each input is divided by its
  // norm first (0, not NaN); below it, eps^2 underflows to 0 and x / 0 makes inf
  Tensor big = tensor_of({1, 2}, {3e20f, 4e20f}), tiny = tensor_of({1, 2}, {3e-30f, 4e-30f});
  const std::string one = "input a: [1, 2]\ninput b: [1, 2]\n";
  CHECK(distance_of(one + "cosine_similarity(a, b)\n", big, big).data[0] == 0.0f);
  CHECK(distance_of(one + "cosine_similarity(a, b, eps=0.0)\n", tiny, tiny).data[0] ==
        std::numeric_limits<float>::infinity());
  CHECK(std::isinf(distance_of(one + "pairwise_distance(a, b, eps=0.0)\n", big, tiny).data[0]));
  // a NaN makes the largest and the smallest NaN too
  Tensor nan = tensor_of({1, 2}, {std::nanf(""), 1});
  for (const char* p : {"1e400", "-1e400", "2"}) {
    CAPTURE(p);
    CHECK(
        std::isnan(distance_of(one + "pairwise_distance(a, b, p=" + p + ")\n", nan, big).data[0]));
  }
}

// The .py reader types the result as PyTorch does and raises PyTorch's errors for the inputs'
// types (a float64 result reaching a float32 Linear is PyTorch's RuntimeError there).
TEST_CASE("distance: the types of a .py model's distances, as PyTorch 1.13's") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.cos = nn.CosineSimilarity(dim=1)
        self.dist = nn.PairwiseDistance(p=1.0, keepdim=True)
        self.head = nn.Linear(1, 2)

    def forward(self, x):
        a = x
        b = x.flip(0)
        BODY

# input: [4, 16]
)";
  const PyCase cases[] = {
      {"return self.head(self.dist(a, b))", "", "[4, 2]"},
      {"return self.head(self.cos(x1=a, x2=b).unsqueeze(1))", "", "[4, 2]"},
      {"return self.head(F.pairwise_distance(a.long(), b.long(), keepdim=True))", "", "[4, 2]"},
      {"return F.cosine_similarity(a.unsqueeze(1), b.unsqueeze(0), dim=-1)", "", "[4, 4]"},
      {"return torch.pairwise_distance(a, b, p=float('inf'))", "", "[4]"},
      {"return self.head(self.dist(a.double(), b))", "mat1 and mat2 must have the same dtype", ""},
      {"return self.cos(a.long(), b.long())",
       "expected common dtype to be floating point, yet common dtype is Long", ""},
      {"return self.cos(a.half(), b.half())", "\"clamp_min_cpu\" not implemented for 'Half'", ""},
      {"return self.dist(a > 0, b > 0)",
       "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
       "`logical_xor()` operator instead.",
       ""},
      {"return self.dist(a > 0, b.long())",
       "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
       "invert a mask, use the `~` or `logical_not()` operator instead.",
       ""},
      {"return self.cos(a)",
       "CosineSimilarity.forward() missing 1 required positional argument: 'x2'", ""},
      {"return self.cos(a, input=b)",
       "CosineSimilarity.forward() got an unexpected keyword argument 'input'", ""},
      {"return F.cosine_similarity(a, b, 1.0)",
       "cosine_similarity(): argument 'dim' (position 3) must be int, not float", ""},
      {"return F.cosine_similarity(a, b, dim=2)",
       "Dimension out of range (expected to be in range of [-2, 1], but got 2)", ""},
      // the tensors bound as Python binds them: by name in any order, each once
      {"return self.dist(x2=b, x1=a).flatten()", "", "[4]"},
      {"return F.pairwise_distance(x2=b, x1=a)", "", "[4]"},
      {"return self.cos(a, x1=b)",
       "CosineSimilarity.forward() got multiple values for argument 'x1'", ""},
      {"return self.cos(x2=b)",
       "CosineSimilarity.forward() missing 1 required positional argument: 'x1'", ""},
      {"return F.cosine_similarity(input=a, other=b)",
       "cosine_similarity() missing 2 required positional argument: \"x1\", \"x2\"", ""},
      {"return F.cosine_similarity(a, other=b)",
       "cosine_similarity() missing 1 required positional arguments: \"x2\"", ""},
      {"return F.cosine_similarity(a, 1.0)",
       "cosine_similarity(): argument 'x2' (position 2) must be Tensor, not float", ""},
      {"return F.cosine_similarity(a, (1, 2))",
       "cosine_similarity(): argument 'x2' (position 2) must be Tensor, not tuple", ""},
      {"return F.cosine_similarity(a, b, x1=a)",
       "cosine_similarity() got multiple values for argument 'x1'", ""},
      // eps^2 in the tensors' type: past float32's range it is PyTorch's overflow error
      {"return F.cosine_similarity(a, b, eps=1e30)",
       "value cannot be converted to type float without overflow", ""},
      {"return F.cosine_similarity(a.double(), b.double(), eps=1e30)", "", "[4]"},
      {"return F.cosine_similarity(a, b, eps=1e200)", "", "[4]"},
  };
  check_py_cases(base, "siamese.py", cases);
}

TEST_CASE("distance: netshape params answers for the layers that compare two tensors") {
  for (const char* call : {"CosineSimilarity()", "PairwiseDistance(p=1)"}) {
    QuizOptions q;
    q.text = call;
    std::ostringstream out, err;
    CHECK(command_params(q, out, err) == 0);
    CHECK(out.str().find(": 0 params") != std::string::npos);
  }
}
