// Every limit netshape enforces on its input, in one place (documented in docs/limits.md).
// Each keeps hostile or careless input from costing more than linear time and memory, or from
// overflowing the stack; each is enforced where its constant is used, with a message naming it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace netshape::limits {

// Reading a model (src/api/load.cpp).
constexpr int64_t kMaxFileBytes = int64_t{64} << 20;  // a model file or stdin, 64 MiB
constexpr int kMaxLineBytes = 100'000;                // one physical line of a model file

// Diagnostics (src/ir/diagnostics.cpp).
constexpr size_t kMaxDiagnostics = 20;   // kept and shown per file; the rest are counted
constexpr int kMaxShownLineBytes = 160;  // a longer source line is cut around the caret

// The .ns parser (src/frontend/ns_parser.cpp).
constexpr int kMaxNsNesting = 64;     // brackets and signs nested in one expression
constexpr size_t kMaxNsItems = 1024;  // arguments of a call, elements of a tuple, list or shape
constexpr int kMaxBlockDepth = 32;    // blocks used inside blocks, nested
// Statements and modules the uses of blocks expand to: `A * 1000` with A using `B * 1000` must
// not cost a gigabyte.
constexpr size_t kMaxBlockExpansion = 250'000;

// The .py reader (src/frontend/python_*.cpp).
constexpr int kMaxPyBracketDepth = 200;    // CPython's own limit
constexpr int kMaxPyIndentDepth = 100;     // nested blocks
constexpr int kMaxPyExprDepth = 100;       // nested brackets, calls and operators in one expression
constexpr int kMaxPyChain = 1000;          // links of chains (`a.b.c`, `1+1+1`, `x[0][0]`)
constexpr int kMaxPyInstanceDepth = 16;    // user modules containing user modules
constexpr int kMaxPyContainerDepth = 100;  // nn.Sequential / ModuleList inside each other
constexpr int kMaxPyCallDepth = 64;        // nested calls of the file's own functions
constexpr size_t kMaxPyInstances = 20'000;  // objects of the file's classes one model builds
constexpr size_t kMaxPyFiles = 64;          // files one model imports
constexpr size_t kMaxPyText = 1 << 16;      // bytes of a string the interpreter builds
constexpr int64_t kMaxPySteps = 1'000'000;  // statements and loop iterations run building a model
// Elementwise steps with no row one tensor carries to the layer that reads it (`x * 2 + 1`: 2);
// more are not computed by `run`, which says so.
constexpr size_t kMaxValueSteps = 256;
// Elements of a tensor whose values __init__ computes with (`torch.arange(depth) * w_a`), each
// held in memory.
constexpr size_t kMaxPyTensorValues = 1 << 16;
// Tensors whose shape forward asks shape inference for (`c // groups` with c = x.size(1)): each
// question analyses the statements read so far, so they are bounded.
constexpr int kMaxShapeQueries = 1000;

// Both frontends, as they produce statements; and shape inference (src/infer/infer.cpp).
constexpr size_t kMaxStatements = 1'000'000;     // layers in one model
constexpr size_t kMaxRank = 64;                  // dims of one tensor
constexpr int64_t kMaxRecurrentLayers = 10'000;  // num_layers of one RNN, LSTM or GRU

// `netshape run` (src/cli/run_command.cpp) and the kernels.
// What a run touches besides the tensors the estimate counts: the kernels' code paged in, the
// worker threads' stacks, the allocator's bookkeeping (measured: about 1 MiB).
constexpr int64_t kRunOverheadBytes = int64_t{4} << 20;
constexpr int64_t kMaxBlockedOffset = int64_t{1} << 40;  // larger offsets run on the reference
constexpr int64_t kMaxBatch = 65536;                     // --batch
constexpr int kMaxThreads = 1024;                        // --threads: more is a typo, not a machine
// Operations of one forward pass (multiply-adds, pooling taps, element visits): about minutes on
// one core; more would look like a hang. `check` has no such limit.
constexpr int64_t kMaxRunWork = int64_t{1'000'000'000'000};

// `netshape bench check` (src/cli/commands.cpp).
constexpr int64_t kMaxBenchLayers = 10'000'000;

// `check --format svg|html` (src/report/layered_layout.cpp): the points that route long edges
// beside the boxes. They grow with the square of the depth when every layer reads one early
// tensor (3,000 layers each adding the input make 4.5 million); past this many, the remaining
// long edges are drawn straight from source to target.
constexpr size_t kMaxDiagramDummyPoints = 200'000;

}  // namespace netshape::limits
