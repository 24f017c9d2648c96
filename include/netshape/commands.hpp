// The commands behind the CLI. Each writes its report to `out`, diagnostics to `err`, and returns
// the contract's exit code.
#pragma once
#include <optional>
#include <ostream>
#include <string>

#include "netshape/bench.hpp"
#include "netshape/columns.hpp"
#include "netshape/exec.hpp"
#include "netshape/pipeline.hpp"
#include "netshape/report.hpp"

namespace netshape {

struct CheckOptions {
  std::string file;
  LoadOptions load;
  ReportFormat format = ReportFormat::Table;
  bool explain = false;
  int depth = -1;   // --depth N: one row per module down to depth N; -1: the flat layer table
  bool rf = false;  // --rf: receptive-field columns (and JSON members) and rf-misaligned warnings
  bool memory = false;            // --memory: parameters, inference peak, a training step
  std::string dtype = "float32";  // --dtype, for --memory
  int64_t batch = 1;              // --batch, for --memory: binds a symbolic batch
  // --columns and --convention: the table with these columns, counted in this convention; unset:
  // the default table (the contract's output, byte for byte).
  std::optional<std::vector<ColumnId>> columns;
  std::optional<Convention> convention;
  bool conventions = false;  // --conventions: every convention's total side by side
  bool formulas = false;     // --formulas: the LaTeX table writes each count's factors
};

// The report `check` prints for an analysed model, as its options ask (src/cli/check_report.cpp).
std::string render_check_report(const LoadedModel& m, const CheckOptions& o,
                                const Grouping* modules, const ReceptiveFields* rf = nullptr);
// The same, written to `out`; the JSON report is streamed as it is made (write_json).
void write_check_report(std::ostream& out, const LoadedModel& m, const CheckOptions& o,
                        const Grouping* modules, const ReceptiveFields* rf = nullptr);

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

// `netshape bench run FILE`: the forward pass of a model, netshape against PyTorch.
struct RunBenchOptions {
  std::string file;
  int64_t batch = 1;
  int threads = 1;
  int runs = 5;             // timed runs, after one warm-up; the fastest counts
  std::string torchvision;  // the torchvision builder to compare with; "" = the file's stem
};

// `netshape sizes FILE [--range LO..HI] [--solve LAYER.in=N]`.
struct SizesOptions {
  std::string file;
  LoadOptions load;
  std::string range = "16..512";
  std::string solve;  // "" or e.g. "fc1.in=2048"
  bool json = false;  // --format json
};

struct BenchOptions {
  ConvBenchOptions conv;
  int64_t check_layers = 10000;
  RunBenchOptions run;
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
int command_sizes(const SizesOptions& o, std::ostream& out, std::ostream& err);
int command_bench_conv(const BenchOptions& o, std::ostream& out, std::ostream& err);
// `netshape list FILE`: the models and functions of a .py file, and which one check reads.
int command_list(const std::string& file, std::ostream& out, std::ostream& err);
int command_bench_check(const BenchOptions& o, std::ostream& out, std::ostream& err);
int command_bench_run(const BenchOptions& o, std::ostream& out, std::ostream& err);
// What a forward pass will need at its peak: netshape's estimate, plus what the process already
// holds, and the memory available to it (--memory-limit, else the machine's).
struct RunBudget {
  MemoryEstimate estimate;
  int64_t need_bytes = 0;
  std::optional<int64_t> limit_bytes;
};
// run's guards (memory and work) before a forward pass; nullopt: refused, the reason on `err`.
std::optional<RunBudget> guard_run(const Analysis& a, const ExecOptions& eo, int64_t memory_limit,
                                   std::ostream& err);
int command_shape(const QuizOptions& o, std::ostream& out, std::ostream& err);
int command_params(const QuizOptions& o, std::ostream& out, std::ostream& err);

// A sequential model of `layers` layers (conv/relu/pool blocks), as .ns text, for the bench.
std::string generate_deep_model(int64_t layers);

}  // namespace netshape
