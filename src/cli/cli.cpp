// Command-line front door: parses options with CLI11 and dispatches to the commands.
#include "netshape/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iostream>

#include "../bench/process.hpp"
#include "heap_policy.hpp"
#include "netshape/commands.hpp"
#include "netshape/limits.hpp"

namespace netshape {
namespace {

std::optional<ReportFormat> parse_format(const std::string& f) {
  if (f == "table") return ReportFormat::Table;
  if (f == "markdown" || f == "md") return ReportFormat::Markdown;
  if (f == "csv") return ReportFormat::Csv;
  if (f == "json") return ReportFormat::Json;
  if (f == "latex" || f == "tex") return ReportFormat::Latex;
  if (f == "html") return ReportFormat::Html;
  if (f == "dot") return ReportFormat::Dot;
  if (f == "svg") return ReportFormat::Svg;
  return std::nullopt;
}

// The pasteable formats (latex, html, dot, svg) are one layer per row (or node) and nothing
// else on stdout: options that add rows by module or text after the report do not combine with
// them, and --formulas is for LaTeX only. A usage error, not a silently ignored option.
// The receptive field is a layer's: the `rf` column is --rf, and neither has module rows; with
// other columns or a convention it is a column of that table.
bool rf_options(CheckOptions& c) {
  bool column = c.columns &&
                std::find(c.columns->begin(), c.columns->end(), ColumnId::rf) != c.columns->end();
  if (c.rf && (c.columns || c.convention || c.conventions) && !column) {
    std::cerr << render_command_error(
        "--rf adds its columns to the default table, not to --columns, --convention or "
        "--conventions",
        "ask for the receptive field as a column: --columns ...,rf");
    return false;
  }
  c.rf = c.rf || column;
  if (c.rf && c.depth >= 0) {
    std::cerr << render_command_error(
        "--rf shows the receptive field of each layer, not of module rows (--depth)",
        "drop --depth, or --rf");
    return false;
  }
  return true;
}

bool check_format_options(const CheckOptions& c) {
  bool pasteable = c.format == ReportFormat::Latex || c.format == ReportFormat::Html ||
                   c.format == ReportFormat::Dot || c.format == ReportFormat::Svg;
  if (pasteable && c.depth >= 0) {
    std::cerr << render_command_error(
        "--depth gives rows by module, which --format latex, html, "
        "dot and svg do not have",
        "use --depth with table, markdown, csv or json");
    return false;
  }
  if (pasteable && c.explain) {
    std::cerr << render_command_error(
        "--explain adds text after the report, which would break a LaTeX, HTML, DOT or SVG file",
        "for the formulas in the LaTeX table use --format latex --formulas");
    return false;
  }
  if (pasteable && (c.columns || c.convention || c.conventions || c.rf || c.memory)) {
    std::cerr << render_command_error(
        "--format latex, html, dot and svg have the notes' columns and counts only: they do not "
        "combine with --columns, --convention, --conventions, --rf or --memory",
        "use those with table, markdown, csv or json");
    return false;
  }
  if (c.formulas && c.format != ReportFormat::Latex) {
    std::cerr << render_command_error("--formulas writes the LaTeX table's formulas",
                                      "use it with --format latex (or see --explain)");
    return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> split_args(const std::vector<std::string>& raw,
                                                            bool& ok) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : raw) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << render_command_error(fmt::format("--arg '{}' must look like name=value", a),
                                        "e.g. --arg num_class=10");
      ok = false;
      continue;
    }
    out.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  return out;
}

// Numeric options are checked on their text, with CLI11 validators: CLI11 2.1's own conversion
// (strtoull / strtoll with base 0) wraps "-1" into an unsigned option, saturates values out of
// range and reads "010" as octal, so CLI::Range on the converted value cannot catch them. Each
// validator accepts a plain decimal number in its range and rewrites it canonically (so the
// conversion that follows reads exactly that number: they are added with ->transform(), as
// ->check() would discard the rewrite); anything else is a usage error (exit 2) that names the
// option and the valid range.
template <typename T>
CLI::Validator int_in(T lo, T hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        T v{};
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi)
          return fmt::format("'{}' is not an integer in [{}, {}]", s, lo, hi);
        s = std::to_string(v);
        return "";
      },
      fmt::format("INT in [{}, {}]", lo, hi));
}

CLI::Validator seconds_in(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) -> std::string {
        double v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) ||
            v < lo || v > hi)
          return fmt::format("'{}' is not a number of seconds in [{}, {}]", s, lo, hi);
        return "";
      },
      fmt::format("SECONDS in [{}, {}]", lo, hi));
}

// A size in bytes: digits with an optional unit K, M, G or T (powers of 1024; "Ki", "KiB", "KB"
// and lower case are the same), e.g. 512M, 2GiB, 1073741824. Between 1 MiB and 2^63 - 1 bytes.
CLI::Validator size_in_bytes() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const auto fail = [&] {
          return fmt::format(
              "'{}' is not a size between 1M and 8E bytes (digits and an optional unit K, M, G, "
              "T, P or E, powers of 1024, e.g. 512M or 2G)",
              s);
        };
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end == s.data()) return fail();
        std::string unit = s.substr(static_cast<size_t>(end - s.data()));
        for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
        if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
        static const std::string units = "kmgtpe";
        int64_t factor = 1;
        if (unit == "b" || unit.empty()) {
        } else if (unit.size() == 1 && units.find(unit[0]) != std::string::npos) {
          factor = int64_t{1} << (10 * (units.find(unit[0]) + 1));
        } else {
          return fail();
        }
        auto bytes = checked_mul(v, factor);
        if (!bytes || *bytes < (int64_t{1} << 20)) return fail();
        s = std::to_string(*bytes);
        return "";
      },
      "SIZE (e.g. 512M, 2G)");
}

// Text options where an empty value can only be a mistake (`--input ""` would otherwise be the
// same as no --input).
const CLI::Validator kNonEmpty(
    [](std::string& s) { return s.empty() ? std::string("must not be empty") : std::string(); },
    "NONEMPTY");

// --input, once per input of the model: each occurrence takes one value (a vector option would
// otherwise take the FILE after it too).
void add_input_option(CLI::App* cmd, std::vector<std::string>& texts, const char* help) {
  cmd->add_option("--input", texts, help)->allow_extra_args(false)->check(kNonEmpty);
}

// The --input options given, into the load options: the first, then the others in order.
void take_inputs(LoadOptions& load, const std::vector<std::string>& texts) {
  if (texts.empty()) return;
  load.input_dims = texts[0];
  load.more_inputs.assign(texts.begin() + 1, texts.end());
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"netshape: find a CNN's shape errors before training it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "netshape 0.1.0");

  CheckOptions check;
  std::vector<std::string> raw_args;
  std::string format = "table";
  auto* check_cmd = app.add_subcommand("check", "infer every layer's shape, params and MACs");
  check_cmd->add_option("FILE", check.file, "model file (.ns or .py), or - for stdin")->required();
  std::vector<std::string> check_inputs, sizes_inputs, run_inputs, diff_inputs;
  add_input_option(check_cmd, check_inputs,
                   "input shape, e.g. 1x28x28 or B,1,28,28; again for the next input, or "
                   "NAME=DIMS[:DTYPE] (ids=B,40:long)");
  check_cmd->add_option("--format", format,
                        "table | markdown | csv | json | latex | html | dot | svg");
  check_cmd->add_flag("--explain", check.explain, "show every formula with its numbers");
  check_cmd->add_flag("--formulas", check.formulas,
                      "with --format latex: write every count with its factors, as the notes do");
  check_cmd
      ->add_option("--depth", check.depth,
                   "one row per module down to this depth (0: the model; 1: its children; ...)")
      ->transform(int_in<int>(0, INT32_MAX));
  check_cmd->add_flag("--memory", check.memory,
                      "memory: parameters, inference peak, a training step (SGD, Adam)");
  check_cmd->add_option("--dtype", check.dtype, "for --memory: float32 | float16 | bfloat16 | int8")
      ->check(CLI::IsMember({"float32", "float16", "bfloat16", "int8"}));
  check_cmd->add_option("--batch", check.batch, "for --memory: bind a symbolic batch to this size")
      ->transform(int_in<int64_t>(1, limits::kMaxBatch));
  std::string columns, convention;
  check_cmd->add_option("--columns", columns,
                        "table columns in order: name,op,from,input,output,params,"
                        "params_percent,kernel,macs,flops,memory");
  check_cmd->add_option("--convention", convention,
                        "count MACs as: netshape (default), torchinfo, fvcore, ptflops, thop, "
                        "flops");
  check_cmd->add_flag("--conventions", check.conventions,
                      "print the total under every counting convention, side by side");
  check_cmd->add_option("--model", check.load.model, "which model of a .py file")->check(kNonEmpty);
  check_cmd->add_option("--arg", raw_args, "constructor argument of a .py model, name=value");
  check_cmd
      ->add_option("--path", check.load.paths, "directory where a .py model's imports are found")
      ->check(kNonEmpty);

  check_cmd->add_flag("--rf", check.rf,
                      "add the receptive field (size, jump, start per spatial axis) to the table");

  SizesOptions sizes;
  std::vector<std::string> sizes_raw_args;
  auto* sizes_cmd = app.add_subcommand("sizes", "which input sizes the model accepts");
  sizes_cmd->add_option("FILE", sizes.file, "model file (.ns or .py), or - for stdin")->required();
  sizes_cmd->add_option("--range", sizes.range, "the sizes to try, LO..HI (default 16..512)")
      ->check(kNonEmpty);
  sizes_cmd
      ->add_option("--solve", sizes.solve,
                   "the sizes that give a layer this last dim, e.g. fc1.in=2048")
      ->check(kNonEmpty);
  add_input_option(sizes_cmd, sizes_inputs,
                   "input shape whose sizes are varied (the first; again for the next input)");
  sizes_cmd->add_option("--model", sizes.load.model, "which model of a .py file")->check(kNonEmpty);
  std::string sizes_format = "text";
  sizes_cmd->add_option("--format", sizes_format, "text | json");
  sizes_cmd->add_option("--arg", sizes_raw_args, "constructor argument of a .py model, name=value");
  sizes_cmd
      ->add_option("--path", sizes.load.paths, "directory where a .py model's imports are found")
      ->check(kNonEmpty);

  RunOptions run;
  std::string run_format = "table";
  std::vector<std::string> run_raw_args;
  auto* run_cmd = app.add_subcommand("run", "run a real forward pass and compare shapes");
  run_cmd->add_option("FILE", run.file, "model file (.ns or .py), or - for stdin")->required();
  add_input_option(run_cmd, run_inputs,
                   "input shape; again for the next input, or NAME=DIMS[:DTYPE]");
  run_cmd->add_option("--seed", run.seed, "random seed for weights and input")
      ->transform(int_in<uint64_t>(0, UINT64_MAX));
  run_cmd->add_option("--threads", run.threads, "threads (default 0: all cores)")
      ->transform(int_in<int>(0, limits::kMaxThreads));
  run_cmd->add_option("--batch", run.batch, "bind a symbolic batch to this size (default 1)")
      ->transform(int_in<int64_t>(1, limits::kMaxBatch));
  run_cmd->add_option("--format", run_format, "table | json");
  run_cmd->add_option("--save-tensors", run.save_dir, "write input, weights and outputs as .npy")
      ->check(kNonEmpty);
  run_cmd
      ->add_option("--memory-limit", run.memory_limit,
                   "refuse to run past this much memory (default: what the machine has available)")
      ->transform(size_in_bytes());
  run_cmd->add_option("--model", run.load.model, "which model of a .py file")->check(kNonEmpty);
  run_cmd->add_option("--arg", run_raw_args, "constructor argument of a .py model, name=value");
  run_cmd->add_option("--path", run.load.paths, "directory where a .py model's imports are found")
      ->check(kNonEmpty);

  BenchOptions bench;
  std::string list_file;
  auto* list_cmd =
      app.add_subcommand("list", "list the models and factory functions of a .py file");
  list_cmd->add_option("FILE", list_file, "a .py model file")->required();

  auto* bench_cmd = app.add_subcommand("bench", "benchmarks");
  bench_cmd->require_subcommand(1);
  auto* bench_conv = bench_cmd->add_subcommand("conv", "time the convolution kernels");
  bench_conv
      ->add_option("--layers", bench.conv.layers_csv, "CSV: name,N,C,H,W,K,R,S,stride,pad,groups")
      ->check(kNonEmpty);
  bench_conv->add_option("--threads", bench.conv.threads, "threads (0: 1 and all cores)")
      ->transform(int_in<int>(0, limits::kMaxThreads));
  bench_conv->add_option("--format", bench.conv.format, "table | json");
  bench_conv->add_option("--min-seconds", bench.conv.min_seconds, "minimum time per measurement")
      ->check(seconds_in(0, 3600));
  bench_conv->add_flag("!--no-reference", bench.conv.include_reference,
                       "skip the naive reference kernel");
  auto* bench_check = bench_cmd->add_subcommand("check", "time `check` on a generated deep model");
  bench_check->add_option("--layers", bench.check_layers, "number of layers")
      ->default_val(10000)
      ->transform(int_in<int64_t>(1, limits::kMaxBenchLayers));

  auto* bench_run = bench_cmd->add_subcommand(
      "run", "time a model's forward pass against PyTorch's (torchvision's model of that name)");
  bench_run->add_option("FILE", bench.run.file, "model file")->required()->check(kNonEmpty);
  bench_run->add_option("--batch", bench.run.batch, "bind a symbolic batch to this size")
      ->transform(int_in<int64_t>(1, limits::kMaxBatch));
  bench_run->add_option("--threads", bench.run.threads, "threads (default 1)")
      ->transform(int_in<int>(1, limits::kMaxThreads));
  bench_run->add_option("--runs", bench.run.runs, "timed runs after a warm-up (default 5)")
      ->transform(int_in<int>(1, 1000));
  bench_run
      ->add_option("--torchvision", bench.run.torchvision,
                   "torchvision builder to compare with (default: the file's name)")
      ->check(kNonEmpty);

  DiffOptions diff;
  std::string diff_format = "table";
  auto* diff_cmd = app.add_subcommand("diff", "compare two models layer by layer");
  diff_cmd->add_option("A", diff.file_a, "the first model (.ns or .py)")->required();
  diff_cmd->add_option("B", diff.file_b, "the second model (.ns or .py)")->required();
  add_input_option(diff_cmd, diff_inputs, "input shape for both models (again: the next input)");
  diff_cmd->add_option("--format", diff_format, "table | json");
  diff_cmd->add_option("--path", diff.load.paths, "directory where .py models' imports are found")
      ->check(kNonEmpty);

  QuizOptions quiz;
  auto* shape_cmd = app.add_subcommand("shape", "print the output shape of a few layers");
  shape_cmd->add_option("LAYERS", quiz.text, "layers separated by ; or newlines")->required();
  shape_cmd->add_option("--input", quiz.input_dims, "input shape, e.g. 1x50x50")->check(kNonEmpty);
  shape_cmd->add_flag("--explain", quiz.explain, "show every formula with its numbers");
  auto* params_cmd =
      app.add_subcommand("params", "print a layer's parameter count and weight shapes");
  params_cmd->add_option("LAYERS", quiz.text, "layers separated by ; or newlines")->required();
  params_cmd
      ->add_option("--input", quiz.input_dims, "input shape (default: inferred when possible)")
      ->check(kNonEmpty);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << render_command_error(e.what(),
                                      "run `netshape --help` or `netshape <command> --help`");
    return static_cast<int>(ExitCode::UsageOrParse);
  }

  bool ok = true;
  if (check_cmd->parsed()) {
    use_heap_for_analysis();
    auto f = parse_format(format);
    take_inputs(check.load, check_inputs);
    check.load.args = split_args(raw_args, ok);
    if (!f) {
      std::cerr << render_command_error(fmt::format("unknown --format '{}'", format),
                                        "use table, markdown, csv, json, latex, html, dot or svg");
      return 2;
    }
    if (!ok) return 2;
    check.format = *f;
    if (check_cmd->count("--columns")) {
      std::string error;
      check.columns = parse_columns(columns, error);
      if (!check.columns) {
        std::cerr << render_command_error(
            fmt::format("--columns: {}", error),
            "use a comma-separated list of name, op, from, input, output, params, "
            "params_percent, kernel, macs, flops, memory, rf");
        return 2;
      }
    }
    if (check_cmd->count("--convention")) {
      check.convention = parse_convention(convention);
      if (!check.convention) {
        std::cerr << render_command_error(
            fmt::format("unknown --convention '{}'", convention),
            "use netshape, torchinfo, fvcore, ptflops, thop or flops");
        return 2;
      }
    }
    if (!rf_options(check) || !check_format_options(check)) return 2;
    return command_check(check, std::cout, std::cerr);
  }
  if (run_cmd->parsed()) {
    if (run_format != "table" && run_format != "json") {
      std::cerr << render_command_error(fmt::format("unknown --format '{}' for run", run_format),
                                        "use table or json");
      return 2;
    }
    run.json = run_format == "json";
    take_inputs(run.load, run_inputs);
    run.load.args = split_args(run_raw_args, ok);
    if (!ok) return 2;
    return command_run(run, std::cout, std::cerr);
  }
  if (sizes_cmd->parsed()) {
    use_heap_for_analysis();
    if (sizes_format != "text" && sizes_format != "json") {
      std::cerr << render_command_error(
          fmt::format("unknown --format '{}' for sizes", sizes_format), "use text or json");
      return 2;
    }
    sizes.json = sizes_format == "json";
    take_inputs(sizes.load, sizes_inputs);
    sizes.load.args = split_args(sizes_raw_args, ok);
    if (!ok) return 2;
    return command_sizes(sizes, std::cout, std::cerr);
  }
  if (diff_cmd->parsed()) {
    if (diff_format != "table" && diff_format != "json") {
      std::cerr << render_command_error(fmt::format("unknown --format '{}' for diff", diff_format),
                                        "use table or json");
      return 2;
    }
    diff.json = diff_format == "json";
    take_inputs(diff.load, diff_inputs);
    return command_diff(diff, std::cout, std::cerr);
  }
  if (list_cmd->parsed()) return command_list(list_file, std::cout, std::cerr);
  if (bench_cmd->parsed()) {
    if (bench_conv->parsed()) {
#ifdef NETSHAPE_BENCH_REF
      // The comparisons with oneDNN and OpenBLAS are another executable (this one is static and
      // loads no shared library); it runs in this one's place when it is beside it.
      if (!conv_bench_compares()) exec_beside_self(NETSHAPE_BENCH_REF, argv);
#endif
      return command_bench_conv(bench, std::cout, std::cerr);
    }
    if (bench_run->parsed()) return command_bench_run(bench, std::cout, std::cerr);
    use_heap_for_analysis();  // its in-process phases run under check's heap policy
    return command_bench_check(bench, std::cout, std::cerr);
  }
  if (shape_cmd->parsed()) return command_shape(quiz, std::cout, std::cerr);
  return command_params(quiz, std::cout, std::cerr);
}

}  // namespace netshape
