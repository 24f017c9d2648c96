// nn.LazyLinear, LazyConvNd, LazyConvTransposeNd, LazyBatchNormNd, LazyInstanceNormNd: PyTorch
// sizes their weights at the first call from the input (in_features its last dim, in_channels
// its channels, num_features its dim 1) and the module becomes the layer. Each shape, count and
// message is PyTorch 1.13's on the same file, after one forward.
#include <doctest/doctest.h>

#include "netshape/netshape.hpp"
#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::first_error;
using netshape::test::out_shape;

namespace {

LoadedModel lazy_model(const std::string& layer, const std::string& input,
                       const std::string& call = "self.layer(x)") {
  return analyze_text(fmt::format(R"(import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = {}

    def forward(self, x):
        # input x: {}
        return {}
)",
                                  layer, input, call),
                      "lazy.py", {});
}

}  // namespace

TEST_CASE("lazy modules take their size from the first input") {
  struct Case {
    const char* layer;
    const char* input;
    const char* shape;
    int64_t params;
  };
  const Case cases[] = {
      {"nn.LazyLinear(10)", "[2, 7]", "[2, 10]", 80},
      {"nn.LazyLinear(10, bias=False)", "[2, 3, 7]", "[2, 3, 10]", 70},
      {"nn.LazyLinear(4)", "[5]", "[4]", 24},
      {"nn.LazyConv2d(8, 3)", "[2, 3, 9, 9]", "[2, 8, 7, 7]", 224},
      {"nn.LazyConv2d(8, 3, padding=1)", "[3, 9, 9]", "[8, 9, 9]", 224},  // unbatched
      {"nn.LazyConv1d(4, kernel_size=3, stride=2)", "[2, 5, 11]", "[2, 4, 5]", 64},
      {"nn.LazyConvTranspose2d(4, 2, stride=2)", "[2, 3, 5, 5]", "[2, 4, 10, 10]", 52},
      {"nn.LazyBatchNorm2d()", "[2, 3, 5, 5]", "[2, 3, 5, 5]", 6},
      {"nn.LazyBatchNorm1d(affine=False)", "[4, 6]", "[4, 6]", 0},
      {"nn.LazyBatchNorm1d()", "[4, 6, 5]", "[4, 6, 5]", 12},
      {"nn.LazyInstanceNorm2d(affine=True)", "[2, 3, 5, 5]", "[2, 3, 5, 5]", 6},
      // LazyInstanceNormNd defaults affine and track_running_stats to True (InstanceNormNd: False)
      {"nn.LazyInstanceNorm2d()", "[2, 3, 5, 5]", "[2, 3, 5, 5]", 6},
      {"nn.LazyInstanceNorm1d()", "[2, 8, 16]", "[2, 8, 16]", 16},
      {"nn.LazyInstanceNorm1d(1e-5, 0.1, False)", "[2, 8, 16]", "[2, 8, 16]", 0},
      {"nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)", "[8, 16]", "[8, 16]", 0},
      {"nn.Sequential(nn.LazyConv2d(8, 3), nn.Flatten(), nn.LazyLinear(5))", "[2, 3, 9, 9]",
       "[2, 5]", 2189},
  };
  for (const Case& c : cases) {
    CAPTURE(c.layer);
    CAPTURE(c.input);
    LoadedModel m = lazy_model(c.layer, c.input);
    INFO(render_diagnostics(m));
    REQUIRE(m.exit == ExitCode::Ok);
    CHECK(out_shape(m) == c.shape);
    CHECK(m.analysis.totals.params == c.params);
  }
}

TEST_CASE("lazy modules: PyTorch's errors at the first call, and a second call of another size") {
  LoadedModel flat = lazy_model("nn.LazyConv2d(8, 3)", "[9, 9]");
  CHECK(flat.exit == ExitCode::ShapeError);
  CHECK(first_error(flat).message ==
        "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got input of size: "
        "torch.Size([9, 9])");
  LoadedModel groups = lazy_model("nn.LazyConv2d(8, 3, groups=2)", "[2, 3, 9, 9]");
  CHECK(groups.exit == ExitCode::ShapeError);
  CHECK(first_error(groups).message == "in_channels must be divisible by groups");
  // the size the first call fixed holds for the second
  LoadedModel twice = lazy_model("nn.LazyLinear(4)", "[2, 3]", "self.layer(self.layer(x)[:, :2])");
  CHECK(twice.exit == ExitCode::ShapeError);
  CHECK(first_error(twice).message == "mat1 and mat2 shapes cannot be multiplied (2x2 and 3x4)");
  // an unbatched input: the running statistics (tracked by default) are sized by dim 0
  LoadedModel unbatched = lazy_model("nn.LazyInstanceNorm1d()", "[8, 16]");
  CHECK(unbatched.exit == ExitCode::ShapeError);
  CHECK(first_error(unbatched).message == "running_mean should contain 8 elements not 16");
  LoadedModel affine = lazy_model("nn.LazyInstanceNorm1d(track_running_stats=False)", "[8, 16]");
  CHECK(first_error(affine).message == "weight should contain 8 elements not 16");
  // output_size= of a lazy transposed convolution is not followed: refused, not misread
  LoadedModel sized = lazy_model("nn.LazyConvTranspose2d(4, 3, stride=2)", "[2, 3, 5, 5]",
                                 "self.layer(x, output_size=(12, 12))");
  CHECK(sized.exit == ExitCode::UsageOrParse);
}
