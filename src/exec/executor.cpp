// Runs an analysed model layer by layer: deterministic weights, a random input, one reference
// forward per op (generated from ops.def), and a shape check after every layer.
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>

#include "forward.hpp"
#include "netshape/exec.hpp"

namespace netshape {
namespace {

using ForwardFn = void (*)(ForwardCtx&);

constexpr ForwardFn kForwards[] = {
#define NS_OP(id, name, nd, family, schema) &forward_##family,
#include "netshape/ops.def"
#undef NS_OP
};
static_assert(std::size(kForwards) == kOpCount, "every op in ops.def needs a reference forward");

// splitmix64: small, fast and the same on every platform, so --seed reproduces tensors.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(next() >> 40) / 16777216.0f;
  }
};

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// PyTorch's default init bound for layers with a fan-in: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// The statement that owns a layer's parameters: itself, or the first call of a reused module.
const std::string& param_owner(const LayerInfo& l) {
  return l.statement && !l.statement->shares_params_with.empty() ? l.statement->shares_params_with
                                                                 : l.name;
}

Tensor random_weight(const LayerInfo& l, const ParamTensor& p, uint64_t seed) {
  Tensor t = Tensor::zeros(p.shape);
  Rng rng{seed ^ hash_name(param_owner(l) + "." + p.name)};
  int64_t fan_in = 1;
  if (!l.weights.empty() && l.weights[0].shape.size() >= 2)
    for (size_t i = 1; i < l.weights[0].shape.size(); ++i) fan_in *= l.weights[0].shape[i];
  bool norm = l.weights[0].shape.size() == 1 || l.op == OpId::LayerNorm;
  float bound = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fan_in, 1)));
  for (float& v : t.data)
    v = norm && p.name == "weight" ? rng.uniform(0.5f, 1.5f) : rng.uniform(-bound, bound);
  return t;
}

}  // namespace

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Tensor Tensor::zeros(std::vector<int64_t> shape) {
  Tensor t;
  t.shape = std::move(shape);
  t.data.assign(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)), 0.0f);
  return t;
}

const Tensor* ForwardCtx::weight(const std::string& name) const {
  for (size_t i = 0; i < layer.weights.size() && i < weights.size(); ++i)
    if (layer.weights[i].name == name) return weights[i];
  return nullptr;
}

std::vector<int64_t> bind_shape(const Shape& s, int64_t batch) {
  std::vector<int64_t> out;
  for (const Dim& d : s) out.push_back(d.symbolic() ? d.value * batch : d.value);
  return out;
}

// The index of the last layer that reads each tensor, so activations are freed right after it:
// peak memory is the live activations plus one layer's weights, not every activation.
std::map<std::string, size_t> last_uses(const Analysis& a) {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < a.layers.size(); ++i)
    for (const auto& name : a.layers[i].inputs) last[name] = i;
  for (const auto& [name, shape] : a.outputs) last[name] = a.layers.size();
  return last;
}

// Whether layer i is a convolution whose output is read only by the ReLU right after it: the
// kernel can then apply the ReLU as it writes (ReLU of the result is unchanged by a second ReLU).
bool fusable_relu(const Analysis& a, size_t i, const std::map<std::string, size_t>& last) {
  const LayerInfo& l = a.layers[i];
  bool conv = l.op == OpId::Conv1d || l.op == OpId::Conv2d || l.op == OpId::Conv3d;
  if (!conv || i + 1 >= a.layers.size()) return false;
  const LayerInfo& next = a.layers[i + 1];
  bool relu = next.op == OpId::ReLU || next.op == OpId::relu;
  auto it = last.find(l.name);
  return relu && next.inputs.size() == 1 && next.inputs[0] == l.name && it != last.end() &&
         it->second == i + 1;
}

ExecResult execute(const Analysis& a, const ExecOptions& opts) {
  ExecResult r;
  std::map<std::string, Tensor> live;
  auto last = last_uses(a);
  Rng input_rng{opts.seed ^ 0x5eedULL};
  for (const auto& [name, shape] : a.inputs) {
    Tensor t = Tensor::zeros(bind_shape(shape, opts.batch));
    for (float& v : t.data) v = input_rng.uniform(-1.0f, 1.0f);
    live[name] = t;
    r.inputs.emplace_back(name, t);
  }
  for (const LayerInfo& l : a.layers) {
    std::vector<Tensor> weights;
    for (const ParamTensor& p : l.weights) weights.push_back(random_weight(l, p, opts.seed));
    Tensor out;
    size_t index = static_cast<size_t>(&l - a.layers.data());
    ForwardCtx ctx{l,
                   {},
                   {},
                   out,
                   opts.threads,
                   opts.batch,
                   !opts.keep_outputs && fusable_relu(a, index, last)};
    for (const auto& name : l.inputs) ctx.in.push_back(&live.at(name));
    for (const Tensor& w : weights) ctx.weights.push_back(&w);
    LayerRun run;
    run.name = l.name;
    run.expected = bind_shape(*l.output, opts.batch);
    auto start = std::chrono::steady_clock::now();
    try {
      kForwards[static_cast<size_t>(l.op)](ctx);
    } catch (const ForwardError& e) {
      r.error = l.name + ": " + e.what();
      r.layers.push_back(run);
      return r;
    }
    run.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    run.actual = out.shape;
    run.match = run.actual == run.expected;
    r.layers.push_back(run);
    if (param_owner(l) == l.name) {  // a reused module's weights were saved with its first call
      for (size_t i = 0; i < weights.size(); ++i)
        r.weights.emplace_back(l.name + "." + l.weights[i].name, std::move(weights[i]));
    }
    if (!run.match) {
      r.error = l.name + ": the forward pass produced a different shape than inference";
      return r;
    }
    if (opts.keep_outputs) r.outputs.emplace_back(l.name, out);
    for (const auto& name : l.inputs)
      if (last[name] == index) live.erase(name);
    if (last.count(l.name)) live[l.name] = std::move(out);
    if (!opts.keep_outputs) r.weights.clear();  // weights are only kept for --save-tensors
  }
  for (const auto& [name, shape] : a.outputs) {
    auto it = live.find(name);
    if (it != live.end()) r.model_outputs.emplace_back(name, it->second);
  }
  r.match = true;
  return r;
}

bool write_npy(const std::string& path, const Tensor& t) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape +=
        std::to_string(t.shape[i]) + (t.shape.size() == 1 || i + 1 < t.shape.size() ? "," : "");
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";  // pad so data starts 64-aligned
  std::ofstream f(path, std::ios::binary);
  if (!f) return false;
  uint16_t len = static_cast<uint16_t>(header.size());
  f.write("\x93NUMPY\x01\x00", 8);
  f.put(static_cast<char>(len & 0xff));
  f.put(static_cast<char>(len >> 8));
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(reinterpret_cast<const char*>(t.data.data()),
          static_cast<std::streamsize>(t.data.size() * sizeof(float)));
  return static_cast<bool>(f);
}

}  // namespace netshape
