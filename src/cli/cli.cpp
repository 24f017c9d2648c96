// Command-line front door: parses options with CLI11 and dispatches to the commands.
#include "netshape/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "netshape/commands.hpp"

namespace netshape {
namespace {

std::optional<ReportFormat> parse_format(const std::string& f) {
  if (f == "table") return ReportFormat::Table;
  if (f == "markdown" || f == "md") return ReportFormat::Markdown;
  if (f == "csv") return ReportFormat::Csv;
  if (f == "json") return ReportFormat::Json;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> split_args(const std::vector<std::string>& raw,
                                                            bool& ok) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : raw) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << fmt::format(
          "netshape: error: --arg '{}' must look like name=value\nhelp: e.g. --arg num_class=10\n",
          a);
      ok = false;
      continue;
    }
    out.emplace_back(a.substr(0, eq), a.substr(eq + 1));
  }
  return out;
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
  check_cmd->add_option("--input", check.load.input_dims, "input shape, e.g. 1x28x28 or B,1,28,28");
  check_cmd->add_option("--format", format, "table | markdown | csv | json");
  check_cmd->add_flag("--explain", check.explain, "show every formula with its numbers");
  check_cmd->add_option("--model", check.load.model, "which model of a .py file");
  check_cmd->add_option("--arg", raw_args, "constructor argument of a .py model, name=value");

  RunOptions run;
  std::string run_format = "table";
  std::vector<std::string> run_raw_args;
  auto* run_cmd = app.add_subcommand("run", "run a real forward pass and compare shapes");
  run_cmd->add_option("FILE", run.file, "model file (.ns or .py), or - for stdin")->required();
  run_cmd->add_option("--input", run.load.input_dims, "input shape");
  run_cmd->add_option("--seed", run.seed, "random seed for weights and input");
  run_cmd->add_option("--threads", run.threads, "threads (default: all cores)");
  run_cmd->add_option("--batch", run.batch, "bind a symbolic batch to this size (default 1)");
  run_cmd->add_option("--format", run_format, "table | json");
  run_cmd->add_option("--save-tensors", run.save_dir, "write input, weights and outputs as .npy");
  run_cmd->add_option("--model", run.load.model, "which model of a .py file");
  run_cmd->add_option("--arg", run_raw_args, "constructor argument of a .py model, name=value");

  BenchOptions bench;
  auto* bench_cmd = app.add_subcommand("bench", "benchmarks");
  bench_cmd->require_subcommand(1);
  auto* bench_conv = bench_cmd->add_subcommand("conv", "time the convolution kernels");
  bench_conv->add_option("--layers", bench.conv.layers_csv,
                         "CSV: name,N,C,H,W,K,R,S,stride,pad,groups");
  bench_conv->add_option("--threads", bench.conv.threads, "threads");
  bench_conv->add_option("--format", bench.conv.format, "table | json");
  bench_conv->add_option("--min-seconds", bench.conv.min_seconds, "minimum time per measurement");
  bench_conv->add_flag("!--no-reference", bench.conv.include_reference,
                       "skip the naive reference kernel");
  auto* bench_check = bench_cmd->add_subcommand("check", "time `check` on a generated deep model");
  bench_check->add_option("--layers", bench.check_layers, "number of layers")->default_val(10000);

  QuizOptions quiz;
  auto* shape_cmd = app.add_subcommand("shape", "print the output shape of a few layers");
  shape_cmd->add_option("LAYERS", quiz.text, "layers separated by ; or newlines")->required();
  shape_cmd->add_option("--input", quiz.input_dims, "input shape, e.g. 1x50x50");
  shape_cmd->add_flag("--explain", quiz.explain, "show every formula with its numbers");
  auto* params_cmd =
      app.add_subcommand("params", "print a layer's parameter count and weight shapes");
  params_cmd->add_option("LAYERS", quiz.text, "layers separated by ; or newlines")->required();
  params_cmd->add_option("--input", quiz.input_dims,
                         "input shape (default: inferred when possible)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << fmt::format(
        "netshape: error: {}\nhelp: run `netshape --help` or `netshape <command> --help`\n",
        e.what());
    return static_cast<int>(ExitCode::UsageOrParse);
  }

  bool ok = true;
  if (check_cmd->parsed()) {
    auto f = parse_format(format);
    check.load.args = split_args(raw_args, ok);
    if (!f) {
      std::cerr << fmt::format(
          "netshape: error: unknown --format '{}'\nhelp: use table, markdown, csv or json\n",
          format);
      return 2;
    }
    if (!ok) return 2;
    check.format = *f;
    return command_check(check, std::cout, std::cerr);
  }
  if (run_cmd->parsed()) {
    if (run_format != "table" && run_format != "json") {
      std::cerr << fmt::format(
          "netshape: error: unknown --format '{}' for run\nhelp: use table or json\n", run_format);
      return 2;
    }
    run.json = run_format == "json";
    run.load.args = split_args(run_raw_args, ok);
    if (!ok) return 2;
    return command_run(run, std::cout, std::cerr);
  }
  if (bench_cmd->parsed()) {
    if (bench_conv->parsed()) return command_bench_conv(bench, std::cout, std::cerr);
    return command_bench_check(bench, std::cout, std::cerr);
  }
  if (shape_cmd->parsed()) return command_shape(quiz, std::cout, std::cerr);
  return command_params(quiz, std::cout, std::cerr);
}

}  // namespace netshape
