// Convolution benchmark: reference vs blocked direct kernel (vs oneDNN and im2col +
// OpenBLAS sgemm when available).
//
// FLOPs per layer = 2 N K P Q (C/groups) R S. The blocked kernel is timed on tensors
// already in its layouts (NCHW16c, packed weights), as oneDNN is timed on its preferred
// blocked layouts: layout conversion is a one-off cost outside the comparison. im2col +
// sgemm works on plain NCHW / OIHW, and its im2col is part of the timed call.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "netshape/bench.hpp"
#include "netshape/kernels/conv.hpp"
#include "netshape/kernels/cpu.hpp"

#ifdef NETSHAPE_HAVE_DNNL
#include <dlfcn.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

#ifdef NETSHAPE_HAVE_OPENBLAS
#include "im2col_blas.hpp"
#endif

namespace netshape {
namespace {

namespace k = kernels;

constexpr const char* kBuiltinLayers =
    "name,N,C,H,W,K,R,S,stride,pad,groups\n"
    "seed_lenet_conv1,64,1,28,28,32,5,5,1,0,1\n"
    "seed_cifar_conv2,64,32,15,15,64,3,3,1,0,1\n"
    "r50_conv1,1,3,224,224,64,7,7,2,3,1\n"
    "r50_res2_3x3,1,64,56,56,64,3,3,1,1,1\n"
    "r50_res2_1x1,1,256,56,56,64,1,1,1,0,1\n"
    "r50_res3_3x3,1,128,28,28,128,3,3,1,1,1\n"
    "r50_res4_3x3,1,256,14,14,256,3,3,1,1,1\n"
    "r50_res5_3x3,1,512,7,7,512,3,3,1,1,1\n"
    "vgg_conv3,1,256,56,56,256,3,3,1,1,1\n"
    "mbv2_dw,1,144,56,56,144,3,3,1,1,144\n"
    "r50_res2_3x3_b8,8,64,56,56,64,3,3,1,1,1\n";

constexpr const char* kHeader = "name,N,C,H,W,K,R,S,stride,pad,groups";

struct Layer {
  std::string name;
  k::Conv2dParams p;
};

struct CsvError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string trim(std::string s) {
  const auto ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, ',')) out.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// Bounds of the layer CSV (docs/executor.md, "Reading the bench"): each field, then what one
// layer may cost. Any real layer fits far inside them; a value past them is a typo or a hostile
// file, refused with file:line before anything is allocated or computed.
struct Column {
  const char* name;
  int64_t min, max;
};
constexpr Column kColumns[] = {
    {"N", 1, 1024}, {"C", 1, 65536}, {"H", 1, 65536},     {"W", 1, 65536},  {"K", 1, 65536},
    {"R", 1, 1024}, {"S", 1, 1024},  {"stride", 1, 1024}, {"pad", 0, 1024}, {"groups", 1, 65536}};
constexpr int64_t kMaxLayerBytes = int64_t{4} << 30;  // every buffer the bench makes for a layer
constexpr double kMaxLayerGflop = 100;                // one call of the layer

int64_t parse_int(const std::string& text, const Column& c, const std::string& where) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
    throw CsvError(fmt::format("{}: column {}: '{}' is not an integer in [{}, {}]", where, c.name,
                               text, c.min, c.max));
  if (v < c.min || v > c.max)
    throw CsvError(
        fmt::format("{}: column {}: {} is out of range [{}, {}]", where, c.name, v, c.min, c.max));
  return v;
}

// Bytes the bench allocates for a layer at most: the random data, the blocked kernel's packed
// weights and NCHW16c input (packed_conv2d_bytes), the NCHW16c output time_blocked writes, plain
// copies of input and output, and im2col's scratch (an upper bound: not all of these live at
// once). nullopt if it leaves int64.
std::optional<int64_t> layer_bytes(const k::Conv2dParams& p) {
  const int64_t f = sizeof(float);
  const Checked in = Checked(p.N) * p.C * p.H * p.W, out = Checked(p.N) * p.K * p.P() * p.Q();
  const Checked out16 = Checked(p.N) * k::round_up16(p.K) * p.P() * p.Q();
  const Checked w = Checked(p.K) * (p.C / p.groups) * p.R * p.S;
  const Checked col = Checked(p.C / p.groups) * p.R * p.S * p.P() * p.Q();
  const auto packed = k::packed_conv2d_bytes(p);
  if (!packed) return std::nullopt;
  return ((in * 2 + w + p.K + out + out16 + col) * f + *packed).get();
}

// Parses the layer CSV; `source` names the file in messages ("file:line: ...").
std::vector<Layer> parse_layers(std::istream& in, const std::string& source) {
  std::vector<Layer> layers;
  std::string line;
  int lineno = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string where = fmt::format("{}:{}", source, lineno);
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      if (line != kHeader)
        throw CsvError(fmt::format("{}: expected header '{}', got '{}'", where, kHeader, line));
      header_seen = true;
      continue;
    }
    const auto f = split(line);
    if (f.size() != 11)
      throw CsvError(
          fmt::format("{}: expected 11 comma-separated fields, got {}", where, f.size()));
    if (f[0].empty()) throw CsvError(fmt::format("{}: empty layer name", where));
    int64_t v[10];
    for (int i = 0; i < 10; ++i) v[i] = parse_int(f[i + 1], kColumns[i], where);
    Layer l{f[0], {}};
    auto& p = l.p;
    p.N = v[0], p.C = v[1], p.H = v[2], p.W = v[3], p.K = v[4], p.R = v[5], p.S = v[6];
    p.stride_h = p.stride_w = v[7];
    p.pad_h = p.pad_w = v[8];
    p.groups = v[9];
    if (const char* why = p.invalid_reason(); *why)
      throw CsvError(fmt::format("{}: layer '{}': {}", where, l.name, why));
    const auto bytes = layer_bytes(p);
    if (!bytes || *bytes > kMaxLayerBytes)
      throw CsvError(fmt::format(
          "{}: layer '{}': needs {:.1f} GiB of buffers, more than the bench's {} GiB per layer",
          where, l.name, bytes ? static_cast<double>(*bytes) / (1 << 30) : 8e9,
          kMaxLayerBytes >> 30));
    if (p.flops() * 1e-9 > kMaxLayerGflop)
      throw CsvError(
          fmt::format("{}: layer '{}': {:.0f} GFLOP per call, more than the bench's {:.0f}", where,
                      l.name, p.flops() * 1e-9, kMaxLayerGflop));
    layers.push_back(std::move(l));
  }
  if (!header_seen)
    throw CsvError(fmt::format("{}: empty file (expected header '{}')", source, kHeader));
  if (layers.empty()) throw CsvError(fmt::format("{}: no layers after the header", source));
  return layers;
}

using Clock = std::chrono::steady_clock;

// Best (minimum) seconds per call of f(): one warm-up call, then repeat until
// `min_seconds` have elapsed (at least 3 calls, at most `max_iters`). The minimum, not
// the mean, because on a shared machine other processes only ever add time; the best
// call is the closest estimate of what the kernel itself costs.
template <class F>
double time_best(F&& f, double min_seconds, int max_iters = 100000) {
  f();
  std::vector<double> times;
  const auto start = Clock::now();
  while (static_cast<int>(times.size()) < max_iters &&
         (times.size() < 3 ||
          std::chrono::duration<double>(Clock::now() - start).count() < min_seconds)) {
    const auto t0 = Clock::now();
    f();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return *std::min_element(times.begin(), times.end());
}

std::vector<float> random_vec(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

struct Result {
  std::string layer, impl;
  int threads = 1;
  double seconds = 0, gflops = 0, peak_fraction = 0;
  std::string note;  // e.g. why a measurement was skipped
};

// ---- The three implementations ----

struct LayerData {
  std::vector<float> in, w, bias;
};

// n floats starting on a 64-byte boundary inside `storage`. oneDNN allocates its tensors
// 64-byte aligned; std::vector's large blocks start 16 bytes into a page, where every zmm load
// or store of a 16-channel pixel touches two cache lines (measured: the memory-bound depthwise
// layers of tests/bench/mbv2_dw_layers.csv run up to 25% slower). Both sides get aligned tensors.
float* aligned_floats(std::vector<float>& storage, size_t n) {
  storage.assign(n + 15, 0.0f);
  const auto at = reinterpret_cast<uintptr_t>(storage.data());
  return storage.data() + ((64 - at % 64) % 64) / sizeof(float);
}

double time_blocked(const k::Conv2dParams& p, const LayerData& d, int threads, double min_s,
                    k::Isa isa) {
  const k::Conv2dPath path = k::choose_conv2d_path(p);
  const k::PackedConv2d conv(p, d.w.data(), d.bias.data(), isa, path);
  const bool plain_in = path == k::Conv2dPath::FirstLayer || path == k::Conv2dPath::Reference;
  std::vector<float> in_storage, out_storage;
  float* in = aligned_floats(
      in_storage,
      plain_in ? d.in.size() : static_cast<size_t>(p.N * k::round_up16(p.C) * p.H * p.W));
  if (plain_in)
    std::copy(d.in.begin(), d.in.end(), in);
  else
    k::nchw_to_nchw16c(d.in.data(), in, p.N, p.C, p.H, p.W);
  float* out =
      aligned_floats(out_storage, static_cast<size_t>(p.N * k::round_up16(p.K) * p.P() * p.Q()));
  return time_best([&] { conv.run_blocked(in, out, threads); }, min_s);
}

#ifdef NETSHAPE_HAVE_DNNL
// oneDNN (OpenMP build): the thread count is the OpenMP one. Looked up at run time so
// netshape does not need to link libgomp itself.
void set_omp_threads(int threads) {
  using Fn = void (*)(int);
  if (auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"))) fn(threads);
}

double time_onednn(const k::Conv2dParams& p, const LayerData& d, int threads, double min_s) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  set_omp_threads(threads);
  engine eng(engine::kind::cpu, 0);
  stream strm(eng);
  const memory::dim G = p.groups;
  const memory::dims src_dims{p.N, p.C, p.H, p.W}, dst_dims{p.N, p.K, p.P(), p.Q()};
  const memory::dims w_dims =
      G == 1 ? memory::dims{p.K, p.C, p.R, p.S} : memory::dims{G, p.K / G, p.C / G, p.R, p.S};
  const memory::desc src_any(src_dims, dt::f32, tag::any), dst_any(dst_dims, dt::f32, tag::any),
      w_any(w_dims, dt::f32, tag::any), b_md({p.K}, dt::f32, tag::x);
  const convolution_forward::desc desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                       src_any, w_any, b_md, dst_any, {p.stride_h, p.stride_w},
                                       {p.pad_h, p.pad_w}, {p.pad_h, p.pad_w});
  const convolution_forward::primitive_desc pd(desc, eng);
  // Reorder the plain inputs into the formats oneDNN chose (outside the timing).
  memory src_plain({src_dims, dt::f32, tag::nchw}, eng, const_cast<float*>(d.in.data()));
  memory w_plain({w_dims, dt::f32, G == 1 ? tag::oihw : tag::goihw}, eng,
                 const_cast<float*>(d.w.data()));
  memory src(pd.src_desc(), eng), w(pd.weights_desc(), eng), dst(pd.dst_desc(), eng);
  memory bias(b_md, eng, const_cast<float*>(d.bias.data()));
  reorder(src_plain, src).execute(strm, src_plain, src);
  reorder(w_plain, w).execute(strm, w_plain, w);
  strm.wait();
  convolution_forward conv(pd);
  const std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}};
  return time_best(
      [&] {
        conv.execute(strm, args);
        strm.wait();
      },
      min_s);
}
#endif

#ifdef NETSHAPE_HAVE_OPENBLAS
double time_im2col_blas(const k::Conv2dParams& p, const LayerData& d, int threads, double min_s) {
  bench::set_blas_threads(threads);
  k::Conv2dParams pb = p;
  pb.bias = d.bias.data();
  std::vector<float> scratch(static_cast<size_t>(bench::im2col_scratch_size(p)));
  std::vector<float> out(static_cast<size_t>(p.N * p.K * p.P() * p.Q()));
  return time_best(
      [&] { bench::conv2d_im2col_blas(pb, d.in.data(), d.w.data(), out.data(), scratch.data()); },
      min_s);
}

// Checks im2col + sgemm against conv2d_reference on a few small shapes (stride, padding,
// dilation, groups, depthwise, 1x1, batch, relu) at every thread count the bench will use.
// Returns "" when all agree within 1e-4 (|got - want| / max(1, |want|)), else what failed.
std::string im2col_blas_self_test(const std::vector<int>& thread_counts) {
  struct Shape {
    int64_t N, C, H, W, K, R, S, sh, sw, ph, pw, dh, dw, G;
    bool relu;
  };
  static const Shape shapes[] = {
      {2, 5, 9, 11, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, false},
      {1, 8, 10, 7, 4, 3, 2, 1, 1, 2, 1, 2, 2, 2, false},
      {2, 6, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6, true},
      {2, 16, 5, 6, 8, 1, 1, 1, 1, 0, 0, 1, 1, 1, false},
      {1, 3, 17, 15, 5, 5, 4, 1, 3, 2, 0, 1, 2, 1, false},
      {1, 64, 20, 20, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, false},
  };
  uint32_t seed = 100;
  for (int t : thread_counts) {
    bench::set_blas_threads(t);
    for (const Shape& s : shapes) {
      k::Conv2dParams p;
      p.N = s.N, p.C = s.C, p.H = s.H, p.W = s.W, p.K = s.K, p.R = s.R, p.S = s.S;
      p.stride_h = s.sh, p.stride_w = s.sw, p.pad_h = s.ph, p.pad_w = s.pw;
      p.dilation_h = s.dh, p.dilation_w = s.dw, p.groups = s.G, p.fuse_relu = s.relu;
      const auto in = random_vec(p.N * p.C * p.H * p.W, seed++);
      const auto w = random_vec(p.K * (p.C / p.groups) * p.R * p.S, seed++);
      const auto bias = random_vec(p.K, seed++);
      p.bias = bias.data();
      const size_t n_out = static_cast<size_t>(p.N * p.K * p.P() * p.Q());
      std::vector<float> want(n_out), got(n_out, 12345.0f);
      std::vector<float> scratch(static_cast<size_t>(bench::im2col_scratch_size(p)));
      k::conv2d_reference(p, in.data(), w.data(), want.data());
      bench::conv2d_im2col_blas(p, in.data(), w.data(), got.data(), scratch.data());
      const double worst = k::max_relative_error(got, want);
      if (!(worst <= 1e-4))
        return fmt::format(
            "N={} C={} H={} W={} K={} R={} S={} stride={}x{} pad={}x{} dilation={}x{} groups={} "
            "relu={} threads={}: max rel error {:.3g} > 1e-4",
            p.N, p.C, p.H, p.W, p.K, p.R, p.S, p.stride_h, p.stride_w, p.pad_h, p.pad_w,
            p.dilation_h, p.dilation_w, p.groups, p.fuse_relu, t, worst);
    }
  }
  return "";
}
#endif

// ---- Driver ----

struct Bench {
  const ConvBenchOptions& opt;
  std::ostream& err;
  k::Isa isa;
  std::vector<int> thread_counts;
  double peak_per_core = 0;
  double ref_gflops_estimate = 0;  // learnt from the first reference run
  std::vector<Result> results;
  bool blas_ok = false;  // im2col_blas passed its self-test (only with OpenBLAS)

  Result make(const Layer& l, const char* impl, int threads, double seconds) const {
    Result r{l.name, impl, threads, seconds, 0, 0, ""};
    r.gflops = l.p.flops() / seconds * 1e-9;
    return r;
  }

  // The core clock drifts (turbo, other load), so the peak is probed again before every
  // layer and the best probe is "the machine's peak" for all rows.
  void probe_peak(double seconds) {
    peak_per_core = std::max(peak_per_core, k::measure_fp32_peak_gflops_per_core(isa, seconds));
  }
  void finish() {
    for (auto& r : results) r.peak_fraction = r.gflops / (peak_per_core * r.threads);
  }

  void reference(const Layer& l, const LayerData& d) {
    // The naive reference runs at ~1 GFLOP/s: time a single call on big layers and skip
    // layers that would take more than ~20 s.
    const double est = ref_gflops_estimate > 0 ? l.p.flops() * 1e-9 / ref_gflops_estimate : 0;
    if (est > 20) {
      Result r{l.name, "reference", 1, 0, 0, 0, fmt::format("skipped (estimated {:.0f} s)", est)};
      results.push_back(r);
      return;
    }
    std::vector<float> out(static_cast<size_t>(l.p.N * l.p.K * l.p.P() * l.p.Q()));
    k::Conv2dParams p = l.p;
    p.bias = d.bias.data();
    auto run = [&] { k::conv2d_reference(p, d.in.data(), d.w.data(), out.data()); };
    double seconds;
    if (est > 2 || est == 0) {  // unknown or slow: a single timed call, no warm-up
      const auto t0 = Clock::now();
      run();
      seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      if (seconds < 0.5) seconds = time_best(run, opt.min_seconds, 20);
    } else {
      seconds = time_best(run, opt.min_seconds, 20);
    }
    ref_gflops_estimate = l.p.flops() * 1e-9 / seconds;
    results.push_back(make(l, "reference", 1, seconds));
  }

  void layer(const Layer& l) {
    const k::Conv2dParams& p = l.p;
    LayerData d{random_vec(p.N * p.C * p.H * p.W, 1),
                random_vec(p.K * (p.C / p.groups) * p.R * p.S, 2), random_vec(p.K, 3)};
    probe_peak(0.1);
    if (opt.include_reference) reference(l, d);
    for (int t : thread_counts) {
      results.push_back(make(l, "blocked", t, time_blocked(p, d, t, opt.min_seconds, isa)));
#ifdef NETSHAPE_HAVE_DNNL
      try {
        results.push_back(make(l, "onednn", t, time_onednn(p, d, t, opt.min_seconds)));
      } catch (const std::exception& e) {
        err << "note: oneDNN failed on " << l.name << ": " << e.what() << "\n";
      }
#endif
#ifdef NETSHAPE_HAVE_OPENBLAS
      if (blas_ok)
        results.push_back(make(l, "im2col_blas", t, time_im2col_blas(p, d, t, opt.min_seconds)));
#endif
    }
  }
};

const Result* find(const std::vector<Result>& rs, const std::string& layer, const char* impl,
                   int threads) {
  for (const auto& r : rs)
    if (r.layer == layer && r.impl == impl && r.threads == threads && r.seconds > 0) return &r;
  return nullptr;
}

void print_table(const Bench& b, const std::vector<Layer>& layers, std::ostream& out) {
  out << fmt::format("{:<18} {:>5} {:<11} {:>3} {:>10} {:>9} {:>7} {:>9} {:>7}\n", "layer", "GFLOP",
                     "impl", "thr", "time_ms", "GFLOP/s", "%peak", "vs_onednn", "vs_blas");
  std::map<int, std::vector<double>> g_gf, g_pk, g_ratio, g_blas;
  for (const auto& l : layers) {
    for (const auto& r : b.results) {
      if (r.layer != l.name) continue;
      if (!r.note.empty()) {
        out << fmt::format("{:<18} {:>5.2f} {:<11} {:>3} {}\n", r.layer, l.p.flops() * 1e-9, r.impl,
                           r.threads, r.note);
        continue;
      }
      std::string ratio = "";
      if (r.impl == "blocked")
        if (const Result* o = find(b.results, r.layer, "onednn", r.threads)) {
          ratio = fmt::format("{:.2f}", r.gflops / o->gflops);
          g_ratio[r.threads].push_back(r.gflops / o->gflops);
        }
      std::string blas_ratio = "";
      if (r.impl == "blocked")
        if (const Result* o = find(b.results, r.layer, "im2col_blas", r.threads)) {
          blas_ratio = fmt::format("{:.2f}", r.gflops / o->gflops);
          g_blas[r.threads].push_back(r.gflops / o->gflops);
        }
      if (r.impl == "blocked") {
        g_gf[r.threads].push_back(r.gflops);
        g_pk[r.threads].push_back(r.peak_fraction);
      }
      out << fmt::format("{:<18} {:>5.2f} {:<11} {:>3} {:>10.3f} {:>9.1f} {:>6.1f}% {:>9} {:>7}\n",
                         r.layer, l.p.flops() * 1e-9, r.impl, r.threads, r.seconds * 1e3, r.gflops,
                         r.peak_fraction * 100, ratio, blas_ratio);
    }
  }
  auto gmean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += std::log(x);
    return v.empty() ? 0.0 : std::exp(s / static_cast<double>(v.size()));
  };
  for (int t : b.thread_counts) {
    out << fmt::format("geomean blocked, {} thread(s): {:.1f} GFLOP/s, {:.1f}% of peak", t,
                       gmean(g_gf[t]), gmean(g_pk[t]) * 100);
    if (!g_ratio[t].empty()) out << fmt::format(", {:.2f}x oneDNN", gmean(g_ratio[t]));
    if (!g_blas[t].empty()) out << fmt::format(", {:.2f}x im2col+OpenBLAS", gmean(g_blas[t]));
    out << "\n";
  }
}

}  // namespace

const char* builtin_conv_layers_csv() {
  return kBuiltinLayers;
}

int run_conv_bench(const ConvBenchOptions& opt, std::ostream& out, std::ostream& err) {
  if (opt.format != "table" && opt.format != "json") {
    err << "error: --format must be 'table' or 'json', got '" << opt.format << "'\n";
    return 2;
  }
  std::vector<Layer> layers;
  try {
    if (opt.layers_csv.empty()) {
      std::istringstream is(kBuiltinLayers);
      layers = parse_layers(is, "<built-in>");
    } else {
      std::ifstream f(opt.layers_csv);
      if (!f) {
        err << "error: " << opt.layers_csv << ": cannot open file\n";
        return 2;
      }
      layers = parse_layers(f, opt.layers_csv);
    }
  } catch (const CsvError& e) {
    err << "error: " << e.what() << "\n";
    return 2;
  }
  if (!k::isa_supported(opt.isa)) {
    err << "error: this CPU cannot run ISA " << k::isa_name(opt.isa) << "\n";
    return 2;
  }
  const k::Isa isa = k::resolve_isa(opt.isa);
  Bench b{opt, err, isa, {}, 0, 0, {}, false};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (opt.threads > 0)
    b.thread_counts = {opt.threads};
  else
    b.thread_counts = cores > 1 ? std::vector<int>{1, cores} : std::vector<int>{1};
#ifdef NETSHAPE_HAVE_OPENBLAS
  if (const std::string why = im2col_blas_self_test(b.thread_counts); why.empty())
    b.blas_ok = true;
  else
    err << "error: im2col_blas disagrees with conv2d_reference (" << why
        << "); im2col_blas is not timed\n";
#endif
  b.probe_peak(0.3);
  for (const auto& l : layers) b.layer(l);
  b.finish();
  if (opt.format == "table") {
    out << fmt::format(
        "# ISA {}; measured FP32 peak {:.1f} GFLOP/s per core (best FMA probe); "
        "%peak = GFLOP/s / (peak x threads)\n",
        k::isa_name(isa), b.peak_per_core);
#ifdef NETSHAPE_HAVE_DNNL
    out << fmt::format(
        "# oneDNN {}.{}.{} convolution_direct, format any; vs_onednn = blocked / oneDNN\n",
        DNNL_VERSION_MAJOR, DNNL_VERSION_MINOR, DNNL_VERSION_PATCH);
#else
    out << "# oneDNN not available in this build (no vs_onednn column; netshape-bench-ref, "
           "built when CMake finds oneDNN, compares with it)\n";
#endif
#ifdef NETSHAPE_HAVE_OPENBLAS
    if (b.blas_ok)
      out << fmt::format(
          "# {}: im2col (1 thread, timed) + cblas_sgemm per image and group, NCHW; "
          "vs_blas = blocked / im2col_blas\n",
          bench::blas_version());
    else
      out << "# im2col_blas failed its self-test (see stderr); no vs_blas column\n";
#else
    out << "# OpenBLAS not available in this build (no vs_blas column; netshape-bench-ref, "
           "built when CMake finds OpenBLAS, compares with it)\n";
#endif
  }
  if (opt.format == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : b.results) {
      if (!r.note.empty()) {
        err << "note: " << r.layer << " " << r.impl << ": " << r.note << "\n";
        continue;
      }
      nlohmann::json e = {{"layer", r.layer},
                          {"impl", r.impl},
                          {"threads", r.threads},
                          {"gflops", r.gflops},
                          {"peak_fraction", r.peak_fraction}};
      if (r.impl == "blocked")
        if (const Result* o = find(b.results, r.layer, "im2col_blas", r.threads))
          e["vs_blas"] = r.gflops / o->gflops;
      j.push_back(std::move(e));
    }
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    print_table(b, layers, out);
  }
  return 0;
}

bool conv_bench_compares() {
#if defined(NETSHAPE_HAVE_DNNL) || defined(NETSHAPE_HAVE_OPENBLAS)
  return true;
#else
  return false;
#endif
}

}  // namespace netshape
