// The commands behind the CLI. Each writes its report to `out`, diagnostics to `err`, and returns
// the contract's exit code.
#pragma once
#include <ostream>
#include <string>

#include "netshape/bench.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"

namespace netshape {

struct CheckOptions {
  std::string file;
  LoadOptions load;
  ReportFormat format = ReportFormat::Table;
  bool explain = false;
  bool formulas = false;  // --formulas: the LaTeX table writes each count's factors
  int depth = -1;         // --depth N: one row per module down to depth N; -1: the flat layer table
};

struct RunOptions {
  std::string file;
  LoadOptions load;
  uint64_t seed = 0;
  int threads = 0;  // 0: all cores
  int64_t batch = 1;
  bool json = false;
  std::string save_dir;
  int64_t memory_limit = 0;  // --memory-limit in bytes; 0: the memory this machine has available
};

struct BenchOptions {
  ConvBenchOptions conv;
  int64_t check_layers = 10000;
};

struct QuizOptions {
  std::string text;        // layers, `;`- or newline-separated, .ns or PyTorch spelling
  std::string input_dims;  // --input
  bool explain = false;
};

// `netshape diff A B`: the two models' layers side by side (docs/cli.md).
struct DiffOptions {
  std::string file_a, file_b;
  LoadOptions load;  // --input, --path: the same for both models
  bool json = false;
};

int command_check(const CheckOptions& o, std::ostream& out, std::ostream& err);
int command_diff(const DiffOptions& o, std::ostream& out, std::ostream& err);
int command_run(const RunOptions& o, std::ostream& out, std::ostream& err);
int command_bench_conv(const BenchOptions& o, std::ostream& out, std::ostream& err);
// `netshape list FILE`: the models and functions of a .py file, and which one check reads.
int command_list(const std::string& file, std::ostream& out, std::ostream& err);
int command_bench_check(const BenchOptions& o, std::ostream& out, std::ostream& err);
int command_shape(const QuizOptions& o, std::ostream& out, std::ostream& err);
int command_params(const QuizOptions& o, std::ostream& out, std::ostream& err);

// A sequential model of `layers` layers (conv/relu/pool blocks), as .ns text, for the bench.
std::string generate_deep_model(int64_t layers);

}  // namespace netshape
