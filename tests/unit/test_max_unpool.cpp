// Max pooling with return_indices=True and max unpooling (nn.MaxUnpoolNd, F.max_unpoolNd): the
// .py reader's (values, indices), shapes, PyTorch 1.13's errors, and the indices and values
// `run` computes. Every expected value and message is PyTorch 1.13's for the same call.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "../../src/exec/forward.hpp"
#include "forward_helpers.hpp"
#include "netshape/exec.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_ns;
using netshape::test::check_py_cases;
using netshape::test::PyCase;
using netshape::test::tensor_of;

namespace {

using V = std::vector<float>;

// The max pool `pool` (a .ns call, e.g. "MaxPool2d(2)") run on x, giving its indices, as the
// .py reader's row of them does.
Tensor pool_indices(const std::string& pool, const Tensor& x,
                    void (*forward)(ForwardCtx&) = forward_max_pool) {
  return test::forward_of(test::on_input(x, pool), forward, {x}, true);
}

// max_unpool2d of values and indices to an output plane of `size`.
Tensor unpooled(const Tensor& values, const Tensor& indices, std::vector<int64_t> size) {
  LayerInfo l;
  l.op = OpId::max_unpool2d;
  auto attrs = std::make_shared<Attrs>();
  attrs->output_size = AttrInts(size.begin(), size.end());
  l.attrs = attrs;
  Tensor out;
  ForwardCtx ctx{l, {&values, &indices}, {}, out};
  forward_max_unpool(ctx);
  return out;
}

}  // namespace

TEST_CASE("max pool indices and max unpooling: run computes PyTorch's") {
  Tensor x = tensor_of({1, 1, 4, 4}, {1, 3, 2, 0, 5, 4, 0, 7, 0, 0, 9, 9, 0, 0, 9, 8});
  // the first of equal values wins; a window of zeros gives its first position
  Tensor indices = pool_indices("MaxPool2d(2)", x);
  CHECK(indices.data == V{4, 7, 8, 10});
  Tensor values = tensor_of({1, 1, 2, 2}, {5, 7, 0, 9});
  CHECK(unpooled(values, indices, {4, 4}).data ==
        V{0, 0, 0, 0, 5, 0, 0, 7, 0, 0, 9, 0, 0, 0, 0, 0});
  // the same flat positions in a larger plane (output_size=(5, 5)) land elsewhere, as in PyTorch
  V larger(25, 0.0f);
  larger[4] = 5, larger[7] = 7, larger[10] = 9;
  CHECK(unpooled(values, indices, {5, 5}).data == larger);
  // the last NaN wins; -inf everywhere keeps the first position
  float nan = std::nanf("");
  CHECK(pool_indices("MaxPool2d(2)", tensor_of({1, 1, 2, 2}, {nan, 1, nan, 2})).data == V{2});
  float inf = INFINITY;
  CHECK(pool_indices("MaxPool2d(2)", tensor_of({1, 1, 2, 2}, {-inf, -inf, -inf, -inf})).data ==
        V{0});
  // 1-d with padding (the windows overlap), 3-d
  CHECK(pool_indices("MaxPool1d(3, stride=2, padding=1)", tensor_of({1, 1, 5}, {1, 3, 2, 0, 5}))
            .data == V{1, 1, 4});
  CHECK(pool_indices("MaxPool3d(2)", tensor_of({1, 1, 2, 2, 2}, {1, 0, 3, 2, 5, 4, 7, 6})).data ==
        V{6});
  // adaptive windows overlap where the sizes do not divide: [0, 2) and [1, 3) of 3
  CHECK(pool_indices("AdaptiveMaxPool1d(2)", tensor_of({1, 1, 3}, {1, 4, 2}),
                     forward_adaptive_max_pool)
            .data == V{1, 1});
  CHECK(pool_indices("AdaptiveMaxPool2d(1)", x, forward_adaptive_max_pool).data == V{10});
  // a NaN is the adaptive max of its windows too, and its position the index (PyTorch's
  // adaptive_max_pool1d of [1, nan, 3, 0, 5, 2] to 2: values [nan, 5], indices [1, 4])
  Tensor with_nan = tensor_of({1, 1, 6}, {1, nan, 3, 0, 5, 2});
  Tensor adaptive_max = test::forward_of(test::on_input(with_nan, "AdaptiveMaxPool1d(2)"),
                                         forward_adaptive_max_pool, {with_nan});
  REQUIRE(adaptive_max.data.size() == 2);
  CHECK(std::isnan(adaptive_max.data[0]));
  CHECK(adaptive_max.data[1] == 5);
  CHECK(pool_indices("AdaptiveMaxPool1d(2)", with_nan, forward_adaptive_max_pool).data == V{1, 4});
  // an index outside the output's plane is PyTorch's error
  CHECK_THROWS_WITH_AS(unpooled(values, indices, {2, 2}),
                       "Found an invalid max index: 4 (output volumes are of size 2x2)",
                       ForwardError);
}

// The .py reader: a max pool with return_indices=True returns (values, indices), the indices
// an int64 row of their own; nn.MaxUnpool2d and F.max_unpool2d read them back.
TEST_CASE("max unpooling: a .py model's shapes and PyTorch's errors") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class SegNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)

    def forward(self, x):
        x = self.conv(x)
        y, i = self.pool(x)
        BODY

# input: [2, 3, 8, 8]
)";
  const PyCase cases[] = {
      {"return self.unpool(y, i)", "", "[2, 4, 8, 8]"},
      {"return self.unpool(y, i, output_size=x.size())", "", "[2, 4, 8, 8]"},
      {"return self.unpool(y, indices=i)", "", "[2, 4, 8, 8]"},
      {"return self.unpool(y[0], i[0])", "", "[4, 8, 8]"},
      {"return self.unpool(y[:0], i[:0])", "", "[0, 4, 8, 8]"},
      {"return F.max_unpool2d(y, i, 2, output_size=(9, 9))", "", "[2, 4, 9, 9]"},
      {"return F.max_unpool2d(y, i, 3)", "", "[2, 4, 12, 12]"},
      {"return F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2)", "", "[2, 4, 8, 8]"},
      {"return y", "", "[2, 4, 4, 4]"},  // the indices may go unused
      {"return self.unpool(*F.adaptive_max_pool2d(x, (4, 4), return_indices=True), (8, 8))", "",
       "[2, 4, 8, 8]"},
      // indices whose values netshape knows (all 0: the last value wins), as PyTorch
      {"return F.max_unpool2d(y, torch.zeros_like(i), 2)", "", "[2, 4, 8, 8]"},
      {"return F.max_unpool2d(y, i, 2, output_size=(10, 9))",
       "invalid output_size \"(10, 9)\" (dim 0 must be between 6 and 10)", ""},
      {"return self.unpool(y, i, [10, 9])",
       "invalid output_size \"[10, 9]\" (dim 0 must be between 6 and 10)", ""},
      {"return self.unpool(y, i, (9,))",
       "output_size should be a sequence containing 2 or 4 elements, but it has a length of '1'",
       ""},
      {"return self.unpool(y, i, 8)", "object of type 'int' has no len()", ""},
      {"return self.unpool(y, i.float())",
       "elements in indices should be type int64 but got: Float", ""},
      {"return self.unpool(y, i[:, :2])",
       "Expected shape of indices to be same as that of the input tensor ([2, 4, 4, 4]) but got "
       "indices tensor with shape: [2, 2, 4, 4]",
       ""},
      {"return self.unpool(y[0, 0], i[0, 0])",
       "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 dimensions.",
       ""},
      {"return self.unpool(y[:, :0], i[:, :0])",
       "max_unpooling2d_forward_out_cpu(): Expected input to have non-zero size for non-batch "
       "dimensions, but got [2, 0, 4, 4] with dimension 1 being empty.",
       ""},
      {"return self.unpool(y)",
       "MaxUnpool2d.forward() missing 1 required positional argument: "
       "'indices'",
       ""},
  };
  check_py_cases(base, "segnet.py", cases);
  // Whether an index falls outside the output depends on the values: refused (PyTorch raises
  // `Found an invalid max index` for most inputs here, but not for all).
  const PyCase refused[] = {
      {"return F.max_unpool2d(y, i, 1)",
       "the max pool's indices reach position 63 of its input's plane, and the output's plane "
       "holds 16: whether PyTorch finds an invalid max index depends on the values",
       ""},
      {"return F.max_unpool2d(y, i * 2, 2)",
       "netshape does not know that the indices `pool.indices` lie in the output's plane of 64 "
       "positions (as a max pool's do, unchanged): whether PyTorch finds an invalid max index "
       "depends on their values",
       ""},
  };
  check_py_cases(base, "segnet.py", refused, ExitCode::UsageOrParse);
  // output_size is forward's argument, not __init__'s
  std::string built =
      test::replaced(base, "nn.MaxUnpool2d(2)", "nn.MaxUnpool2d(2, output_size=(8, 8))");
  built = test::replaced(built, "BODY", "return self.unpool(y, i)");
  LoadedModel m = analyze_text(built, "segnet.py", {});
  CHECK(m.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(m) ==
        "11:41: MaxUnpool2d.__init__() got an unexpected keyword argument 'output_size'");
}

TEST_CASE("max unpooling: 1-d and 3-d messages name the 2-d and 3-d kernels") {
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def forward(self, x):
        BODY

# input: [2, 3, 8]
)";
  const PyCase cases[] = {
      {"y, i = F.max_pool1d(x, 2, return_indices=True)\n        return F.max_unpool1d(y, i, 2)", "",
       "[2, 3, 8]"},
      {"y, i = F.max_pool1d(x, 2, return_indices=True)\n"
       "        return F.max_unpool1d(y, i[:, :1], 2)",
       "Expected shape of indices to be same as that of the input tensor ([2, 3, 4, 1]) but got "
       "indices tensor with shape: [2, 1, 4, 1]",
       ""},
      {"y, i = F.max_pool1d(x, 2, return_indices=True)\n"
       "        return F.max_unpool1d(y, i, 2, output_size=[2, 9])",
       "output_size should be a sequence containing 1 or 3 elements, but it has a length of '2'",
       ""},
      {"y, i = F.max_pool1d(x, 2, return_indices=True)\n"
       "        return F.max_unpool1d(y[0, :, :0], i[0, :, :0], 2)",
       "max_unpooling2d_forward_out_cpu(): Expected input to have non-zero size for non-batch "
       "dimensions, but got [3, 0, 1] with dimension 1 being empty.",
       ""},
      {"y, i = F.max_pool2d(x, 2, return_indices=True)\n        return F.max_unpool3d(y, i, 2)",
       "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions.",
       ""},
  };
  check_py_cases(base, "net.py", cases);
}

// The model language has no tuples: a max pool there gives its values only. Indices it knows
// lie in the output (an arange's) unpool; others are refused, a float tensor is PyTorch's error.
TEST_CASE("max unpooling: the model language's indices") {
  LoadedModel pool = check_ns("input x: [1, 3, 8, 8]\nMaxPool2d(2, return_indices=True)\n");
  CHECK(pool.exit == ExitCode::UsageOrParse);
  LoadedModel unknown =
      check_ns("input x: [1, 3, 4, 4]\ninput i: [1, 3, 4, 4]\nu = MaxUnpool2d(2)(x, i)\n");
  CHECK(unknown.exit == ExitCode::UsageOrParse);
  CHECK(test::first_error_at(unknown).find("does not know that the indices `i` lie") !=
        std::string::npos);
  LoadedModel floats =
      check_ns("input x: [1, 3, 4, 4]\nc = Conv2d(3, 3, 1)\nu = MaxUnpool2d(2)(x, c)\n");
  CHECK(floats.exit == ExitCode::ShapeError);
  CHECK(test::first_error_at(floats) ==
        "3:20: elements in indices should be type int64 but got: Float");
  const char* known =
      "input x: [1, 1, 2, 2]\nidx = arange(4)\nplaces = view(idx, 1, 1, 2, 2)\n"
      "u = MaxUnpool2d(3, stride=2)(x, places)\n";
  LoadedModel m = check_ns(known);
  REQUIRE(m.exit == ExitCode::Ok);
  CHECK(test::out_shape(m) == "[1, 1, 5, 5]");  // (2 - 1) * 2 + 3
  ExecResult r = test::run_kept(known);
  const Tensor& x = r.inputs.at(0).second;
  const Tensor& u = r.outputs.back().second;
  V expected(25, 0.0f);
  for (size_t k = 0; k < 4; ++k) expected[k] = x.data[k];  // index k holds value k
  CHECK(u.data == expected);
  // an arange reaching past the output's plane: refused, as the values decide PyTorch's error
  CHECK(check_ns("input x: [1, 1, 2, 2]\nidx = arange(1, 5)\nplaces = view(idx, 1, 1, 2, 2)\n"
                 "u = max_unpool2d(x, places, 1)\n")
            .exit == ExitCode::UsageOrParse);
}
