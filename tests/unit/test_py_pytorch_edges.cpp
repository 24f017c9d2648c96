// Corners of PyTorch 1.13 that a model may meet by accident: types its kernels do not have
// (bitwise operators of floats, random integers, mean of an integer type), cat's legacy skipping
// of empty 1-dim tensors, in-place fills of an expanded tensor, bytes literals. Every shape and
// message is PyTorch 1.13's for the same forward.
#include <doctest/doctest.h>

#include "test_helpers.hpp"

using namespace netshape;
using netshape::test::check_py_cases;
using netshape::test::PyCase;

namespace {

const std::string kModel = R"(import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.emb = nn.Embedding(20, 3)

    def forward(self, x):
        BODY

# input: [2, 16, 8, 8]
)";

}  // namespace

TEST_CASE("pytorch edges: bitwise operators take integer and bool tensors only") {
  const PyCase cases[] = {
      {"return x & 1", "\"bitwise_and_cpu\" not implemented for 'Float'", ""},
      {"return 1 | x", "\"bitwise_or_cpu\" not implemented for 'Float'", ""},
      {"return x.double() ^ x", "\"bitwise_xor_cpu\" not implemented for 'Double'", ""},
      {"return x << 1", "\"lshift_cpu\" not implemented for 'Float'", ""},
      {"return x.long() >> 1.5", "\"rshift_cpu\" not implemented for 'Float'", ""},
      {"return (x > 0) | x", "\"bitwise_or_cpu\" not implemented for 'Float'", ""},
      {"x <<= 2\n        return x", "\"lshift_cpu\" not implemented for 'Float'", ""},
      // integers shift and mask; bools are the logical ops
      {"return self.emb((x > 0).long() << 1)", "", "[2, 16, 8, 8, 3]"},
      {"return self.emb((x > 0).long() & 3)", "", "[2, 16, 8, 8, 3]"},
      {"return (x > 0) & (x < 1)", "", "[2, 16, 8, 8]"},
  };
  check_py_cases(kModel, "bits.py", cases);
}

TEST_CASE("pytorch edges: random values of an integer or bool type are PyTorch's error") {
  const PyCase cases[] = {
      {"return x + torch.randn(8, dtype=torch.int64)",
       "\"normal_kernel_cpu\" not implemented for 'Long'", ""},
      {"return torch.rand_like(x.long())", "\"check_uniform_bounds\" not implemented for 'Long'",
       ""},
      {"return torch.randn_like(x, dtype=torch.int32)",
       "\"normal_kernel_cpu\" not implemented for 'Int'", ""},
      {"return x + torch.rand(8, dtype=torch.bool)",
       "\"check_uniform_bounds\" not implemented for 'Bool'", ""},
  };
  check_py_cases(kModel, "random.py", cases, ExitCode::UsageOrParse);
  const PyCase floating[] = {
      {"return x + torch.randn(8, dtype=torch.float64)", "", "[2, 16, 8, 8]"},
  };
  check_py_cases(kModel, "random.py", floating);
  // in __init__ too, where the construction stops
  std::string init = test::replaced(kModel, "self.emb = nn.Embedding(20, 3)",
                                    "self.register_buffer('b', torch.rand(8, dtype=torch.int32))");
  const PyCase in_init[] = {
      {"return x + self.b", "\"check_uniform_bounds\" not implemented for 'Int'", ""}};
  check_py_cases(init, "random.py", in_init, ExitCode::UsageOrParse);
}

TEST_CASE("pytorch edges: mean, sum and prod with dtype= reduce in that type") {
  const PyCase cases[] = {
      {"return x.long().mean(dtype=torch.float32)", "", "[]"},
      // float32: the Linear takes it; float64: PyTorch's dtype error of the Linear
      {"return self.fc(x.long().mean(1, dtype=torch.float32))", "", "[2, 8, 3]"},
      {"return self.fc(x.long().mean(1, dtype=torch.float64))",
       "mat1 and mat2 must have the same dtype", ""},
      {"return self.fc(x.sum(1, dtype=torch.float64))", "mat1 and mat2 must have the same dtype",
       ""},
      {"return self.emb((x > 0).sum(1, dtype=torch.int64))", "", "[2, 8, 8, 3]"},
      {"return self.fc(torch.prod((x > 0).long(), 1, dtype=torch.float32))", "", "[2, 8, 3]"},
      // without dtype=: mean takes only floating tensors
      {"return x.long().mean(1)",
       "mean(): could not infer output dtype. Input dtype must be either a floating point or "
       "complex dtype. Got: Long",
       ""},
  };
  check_py_cases(kModel, "reduce.py", cases);
  const PyCase refused[] = {
      {"return x.long().mean(dtype=torch.int32)",
       "mean(): could not infer output dtype. Optional dtype must be either a floating point or "
       "complex dtype. Got: Int",
       ""},
      // each value truncated first: not followed
      {"return x.sum(1, dtype=torch.int64)",
       "unsupported Python construct: `sum` of a floating tensor with an integer dtype= (each "
       "value is truncated first)",
       ""},
  };
  check_py_cases(kModel, "reduce.py", refused, ExitCode::UsageOrParse);
}

TEST_CASE("pytorch edges: cat skips 1-dim tensors of no elements, as PyTorch 1.13 does") {
  const PyCase cases[] = {
      // the accumulator idiom
      {"out = torch.empty(0)\n        for i in range(3):\n            out = torch.cat([out, x])\n"
       "        return out",
       "", "[6, 16, 8, 8]"},
      {"return torch.cat([x, torch.zeros(0), x], 1)", "", "[2, 32, 8, 8]"},
      {"return torch.cat([torch.zeros(0), x], dim=-1)", "", "[2, 16, 8, 8]"},
      // all skipped: [0], whatever the dim
      {"return x.sum() + torch.cat([torch.zeros(0), torch.zeros(0)], dim=7)", "", "[0]"},
      // the first tensor not skipped sets the rank; the message numbers the whole list
      {"return torch.cat([torch.zeros(0), x, x[:, :3]], 0)",
       "Sizes of tensors must match except in dimension 0. Expected size 16 but got size 3 for "
       "tensor number 2 in the list.",
       ""},
      {"return torch.cat([torch.zeros(0), x], dim=5)",
       "Dimension out of range (expected to be in range of [-4, 3], but got 5)", ""},
      {"return torch.cat([x, torch.zeros(0).view(1, 0)])",
       "Tensors must have same number of dimensions: got 4 and 2", ""},
  };
  check_py_cases(kModel, "cat.py", cases);
}

TEST_CASE("pytorch edges: fill_, zero_ and masked_fill_ may write into an expanded tensor") {
  const PyCase cases[] = {
      {"y = torch.zeros(8).expand(2, 16, 8, 8)\n        y.fill_(1.0)\n        return x + y", "",
       "[2, 16, 8, 8]"},
      {"y = torch.zeros(8).expand(2, 16, 8, 8)\n        y.zero_()\n        return x + y", "",
       "[2, 16, 8, 8]"},
      {"y = torch.zeros(8).expand(2, 16, 8, 8)\n        return y.masked_fill_(x > 0, 1.0)", "",
       "[2, 16, 8, 8]"},
      // other in-place ops are PyTorch's error there
      {"y = torch.zeros(8).expand(2, 16, 8, 8)\n        y.add_(1)\n        return x + y",
       "unsupported operation: more than one element of the written-to tensor refers to a single "
       "memory location. Please clone() the tensor before performing the operation.",
       ""},
  };
  check_py_cases(kModel, "fill.py", cases);
}

TEST_CASE("pytorch edges: a bytes literal is refused, not read as a string") {
  const PyCase cases[] = {
      {"if b\"a\" == \"a\":\n            return x\n        return x.sum(0)",
       "unsupported Python construct: a bytes literal in forward", ""},
  };
  check_py_cases(kModel, "bytes.py", cases, ExitCode::UsageOrParse);
}

TEST_CASE("pytorch edges: run joins what cat keeps, skipping empty 1-dim tensors") {
  ExecResult r = test::run_kept(
      "model M\ninput x: [2, 3]\nz = zeros(0)\nc = cat(z, x, z, x, dim=1)\ne = cat(z, z)\n");
  const Tensor& x = test::tensor_named(r.inputs, "x");
  const Tensor& c = test::tensor_named(r.outputs, "c");
  CHECK(c.shape == std::vector<int64_t>{2, 6});
  for (int row = 0; row < 2; ++row)
    for (int col = 0; col < 6; ++col)
      CHECK(c.data[static_cast<size_t>(row * 6 + col)] ==
            x.data[static_cast<size_t>(row * 3 + col % 3)]);
  CHECK(test::tensor_named(r.outputs, "e").shape == std::vector<int64_t>{0});
}

TEST_CASE("pytorch edges: a tensor's properties, dtypes by every name, devices and types") {
  // each branch was taken the other way: `torch.float` was unequal to x.dtype (a false error
  // where the model then embedded a float tensor), `x.is_cuda` and any property netshape did not
  // know were true, `x.grad` was not None, `isinstance(x.shape[-1], int)` was false
  const PyCase cases[] = {
      {"return self.fc(x) if x.dtype == torch.float else self.emb(x)", "", "[2, 16, 8, 3]"},
      {"return self.emb((x > 0).long()) if (x > 0).long().dtype == torch.long else x.relu()", "",
       "[2, 16, 8, 8, 3]"},
      {"return x.flatten(1) if torch.float is torch.float32 else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.dtype in (torch.float, torch.half) else x.relu()", "",
       "[2, 1024]"},
      {"return x.flatten(1) if str(x.dtype) == 'torch.float32' else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.is_cuda else x.relu()", "", "[2, 16, 8, 8]"},
      {"return x.flatten(1) if x.is_sparse or x.is_quantized else x.relu()", "", "[2, 16, 8, 8]"},
      {"return x.flatten(1) if x.is_cpu and x.layout == torch.strided else x.relu()", "",
       "[2, 1024]"},
      {"return x.flatten(1) if x.grad is None else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.grad_fn is None and x.is_leaf else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.device.type == 'cpu' else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.device == torch.device('cpu') else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if x.device == torch.device('cuda') else x.relu()", "",
       "[2, 16, 8, 8]"},
      {"return x.flatten(1) if str(x.device) == 'cpu' else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if isinstance(x.shape[-1], int) else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if isinstance(x.shape, tuple) else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if isinstance(x.shape, torch.Size) else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if isinstance(x.dtype, torch.dtype) else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if isinstance(x.device, torch.device) else x.relu()", "", "[2, 1024]"},
      {"return x.flatten(1) if type(x.size(1)) is int else x.relu()", "", "[2, 1024]"},
  };
  check_py_cases(kModel, "props.py", cases);
  const PyCase refused[] = {
      {"return x.flatten(1) if x.nbytes else x.relu()", "'Tensor' object has no attribute 'nbytes'",
       ""},
      {"return x.flatten(1) if x._version == 0 else x.relu()",
       "unsupported Python construct: the tensor attribute `._version`", ""},
      {"return x.flatten(1) if self.fc(x).grad_fn is None else x.relu()",
       "unsupported Python construct: the tensor attribute `.grad_fn`", ""},
      // CPython's small ints make this True, which is no promise of the language
      {"return x.flatten(1) if x.shape[1] is 16 else x.relu()",
       "unsupported Python construct: `is` between 16 and 16", ""},
  };
  check_py_cases(kModel, "props.py", refused, ExitCode::UsageOrParse);
}

TEST_CASE("pytorch edges: keepdim without a dim is PyTorch's TypeError for most reductions") {
  // sum, mean, std, var, max and min have no overload of keepdim alone (netshape reduced every
  // dim, keeping them); amax, amin, argmax, argmin and norm have, as has a dim of None
  const PyCase cases[] = {
      {"return x.sum(keepdim=True)",
       "sum() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
       "one of:",
       ""},
      {"return x.mean(keepdim=True)",
       "mean() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
       "one of:",
       ""},
      {"return x.var(keepdim=False)",
       "var() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
       "one of:",
       ""},
      {"return x.max(keepdim=True)",
       "max() received an invalid combination of arguments - got (keepdim=bool, ), but expected "
       "one of:",
       ""},
      {"return x.sum(None, keepdim=True)", "", "[1, 1, 1, 1]"},
      {"return x.amax(keepdim=True)", "", "[1, 1, 1, 1]"},
      {"return x.norm(keepdim=True)", "", "[1, 1, 1, 1]"},
      {"return x.max(1, True)[0]", "", "[2, 1, 8, 8]"},
  };
  check_py_cases(kModel, "keep.py", cases);
}

TEST_CASE("pytorch edges: empty inputs of convolutions, pixel_unshuffle, and factories of them") {
  // x[:, :, :0] has an empty height: the convolutions gave an output where PyTorch raises, and
  // pixel_unshuffle shuffled where PyTorch returns it as it is
  const std::string base = R"(import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = LAYER

    def forward(self, x):
        BODY

# input: [2, 4, 6, 8]
)";
  struct Case {
    const char* layer;
    const char* body;
    const char* error;
    const char* shape;
  };
  const Case cases[] = {
      {"nn.Conv2d(4, 4, 1, padding=1)", "return self.layer(x[:, :, :0])",
       "Only zero batch or zero channel inputs are supported, but got input shape: [2, 4, 0, 8]",
       ""},
      {"nn.Conv1d(4, 4, 1, padding=1)", "return self.layer(x[:, :, 0, :0])",
       "Only zero batch or zero channel inputs are supported, but got input shape: [2, 4, 1, 0]",
       ""},
      {"nn.ConvTranspose2d(4, 6, 3)", "return self.layer(x[:, :, 6:])",
       "Only zero batch or zero channel inputs are supported, but got input shape: [2, 4, 0, 8]",
       ""},
      // a kernel larger than the padded input is the error PyTorch checks first
      {"nn.Conv2d(4, 4, 3)", "return self.layer(x[:, :, :0])",
       "Calculated padded input size per channel: (0 x 8). Kernel size: (3 x 3). Kernel size "
       "can't be greater than actual input size",
       ""},
      // a padding mode pads first, with its own checks
      {"nn.Conv2d(4, 4, 1, padding=1, padding_mode='replicate')", "return self.layer(x[:1, :, :0])",
       "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
       "dimensions for input, but got: [1, 4, 0, 8]",
       ""},
      {"nn.Conv2d(4, 4, 1, padding=1, padding_mode='reflect')", "return self.layer(x[:1, :, :0])",
       "3D or 4D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{1,4,0,8} ]",
       ""},
      // an empty batch is fine
      {"nn.Conv2d(4, 4, 1, padding=1)", "return self.layer(x[:0])", "", "[0, 4, 8, 10]"},
      {"nn.PixelUnshuffle(2)", "return self.layer(x[..., :0])", "", "[2, 4, 6, 0]"},
      {"nn.PixelUnshuffle(2)", "return self.layer(x[:, :, :3, :0])",
       "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=3 "
       "is not divisible by 2",
       ""},
      {"nn.Upsample(scale_factor=[2, 2])", "return self.layer(x)",
       "float() argument must be a string or a real number, not 'list'", ""},
      {"nn.Upsample(scale_factor=(2, 2))", "return self.layer(x)", "", "[2, 4, 12, 16]"},
      {"nn.Identity()", "return self.layer(x) + torch.ones(x.sum().shape)", "", "[2, 4, 6, 8]"},
  };
  for (const Case& c : cases) {
    const PyCase one[] = {{c.body, c.error, c.shape}};
    check_py_cases(test::replaced(base, "LAYER", c.layer), "empty.py", one);
  }
}
