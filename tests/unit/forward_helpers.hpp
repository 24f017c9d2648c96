// Helpers for the reference-forward tests: run one layer of a .ns snippet on given tensors.
#pragma once
#include <doctest/doctest.h>

#include <memory>
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
// inference decided) on the given inputs. `second_result` reads the row as its call's second
// result (sort's, topk's and the max pools' indices), as the .py reader marks it.
inline Tensor forward_of(const std::string& ns, void (*forward)(ForwardCtx&),
                         std::vector<Tensor> inputs, bool second_result = false) {
  LoadedModel m = check_ns(ns);
  REQUIRE_MESSAGE(m.exit == ExitCode::Ok, ns);
  LayerInfo l = m.analysis.layers.at(0);
  if (second_result) {
    auto attrs = std::make_shared<Attrs>(*l.attrs);
    attrs->indices = true;
    l.attrs = attrs;
  }
  Tensor out;
  ForwardCtx ctx{l, {}, {}, out};
  for (const Tensor& t : inputs) ctx.in.push_back(&t);
  forward(ctx);
  CHECK(out.shape == bind_shape(*l.output, 1));  // the forward's shape is inference's
  return out;
}

// The .ns snippet declaring x of `t`'s shape, then `call`.
inline std::string on_input(const Tensor& t, const std::string& call) {
  std::string ns = "input x: [" + std::to_string(t.shape.at(0));
  for (size_t i = 1; i < t.shape.size(); ++i) ns += ", " + std::to_string(t.shape[i]);
  return ns + "]\n" + call + "\n";
}

}  // namespace netshape::test
