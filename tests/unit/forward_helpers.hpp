// Helpers for the reference-forward tests: run one layer of a .ns snippet on given tensors.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../../src/exec/forward.hpp"
#include "netshape/exec.hpp"
#include "test_helpers.hpp"

namespace netshape::test {

// x = arange(numel).reshape(shape) + offset, as torch.arange builds it.
inline Tensor arange(std::vector<int64_t> shape, float offset = 0.0f) {
  Tensor t = Tensor::zeros(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(i) + offset;
  return t;
}

// Layer 0 of a .ns snippet run by its reference forward (`forward_<family>`, with the attributes
// inference decided) on the given inputs.
inline Tensor forward_of(const std::string& ns, void (*forward)(ForwardCtx&),
                         std::vector<Tensor> inputs) {
  LoadedModel m = check_ns(ns);
  REQUIRE_MESSAGE(m.exit == ExitCode::Ok, ns);
  const LayerInfo& l = m.analysis.layers.at(0);
  Tensor out;
  ForwardCtx ctx{l, {}, {}, out};
  for (const Tensor& t : inputs) ctx.in.push_back(&t);
  forward(ctx);
  CHECK(out.shape == bind_shape(*l.output, 1));  // the forward's shape is inference's
  return out;
}

}  // namespace netshape::test
