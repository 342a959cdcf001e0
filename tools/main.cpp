// fsearch: the command-line entry point. Wires subcommands; all work happens in the libraries.
// Exit codes: 0 success, 2 bad input (config, expression, option), 1 anything else.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/core/version.h"
#include "fsearch/trainers/runtime.h"

namespace {

std::string version_text() {
  auto info = fsearch::trainers::runtime_info();
  return fmt::format("fsearch {} (commit {})\nLibTorch {}\nCUDA: {}\nCPU threads available: {}{}",
                     fsearch::version(), fsearch::git_commit(), info.torch_version,
                     info.cuda_available ? fmt::format("available, {} device(s)", info.cuda_devices)
                                         : std::string("not available"),
                     fsearch::available_cores(), info.cpu.empty() ? "" : " (" + info.cpu + ")");
}

}  // namespace

namespace {

// An argument such as "-erf(x)" or "-x * 2" is an expression, not an option: no option name holds
// "(", ")", "*", "/", "^", "+" or a space, and negative numbers are values CLI11 already accepts.
// A leading space keeps CLI11 from taking it for an option; the expression parser skips it.
bool is_negated_expression(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') return false;
  char* end = nullptr;
  std::strtod(arg.c_str(), &end);
  if (end && *end == '\0') return false;  // a negative number
  return arg.find_first_of("()*/^+ ") != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fsearch: search point-wise functions that replace normalization layers in Transformers\n"
      "(y = gamma * f(alpha * x + s) + beta; see `fsearch functions` for the catalog)",
      "fsearch"};
  app.set_version_flag("--version", version_text,
                       "Print version, git commit, LibTorch version and CUDA status");
  app.require_subcommand(1);
  app.fallthrough();

  fsearch::cli::GlobalOptions global;
  app.add_option("--threads", global.threads,
                 "Torch intra-op threads (default: the cores available to this process)")
      ->check(fsearch::cli::whole_number());

  std::vector<fsearch::cli::Command> commands = {
      fsearch::cli::register_functions(app),     fsearch::cli::register_eval(app),
      fsearch::cli::register_property(app),      fsearch::cli::register_fit(app),
      fsearch::cli::register_train(app, global), fsearch::cli::register_run(app, argv),
      fsearch::cli::register_status(app),        fsearch::cli::register_export(app),
      fsearch::cli::register_report(app),        fsearch::cli::register_fid(app),
      fsearch::cli::register_sample(app),        fsearch::cli::register_cancel(app),
      fsearch::cli::register_worker(app, global),
  };

  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (is_negated_expression(args[i])) args[i] = " " + args[i];
  }
  std::vector<char*> arg_pointers;
  for (auto& a : args) arg_pointers.push_back(a.data());
  try {
    app.parse(argc, arg_pointers.data());
  } catch (const CLI::ParseError& error) {
    // CLI11's own codes (105 for a value out of range, 109 for an extra argument, ...) become the
    // one code for bad input that every other error path uses (README, "What bad input gets").
    return app.exit(error) == 0 ? 0 : 2;
  }
  return fsearch::cli::run_reporting_errors([&] {
    // Commands that train re-execute once with passive OpenMP waiting (see runtime.h).
    for (const char* name : {"train", "sample", "worker"}) {
      if (app.got_subcommand(name)) fsearch::trainers::ensure_passive_openmp(argv);
    }
    // Commands that never touch a tensor leave torch's thread pools unmade: a sweep's worker slots
    // fork from `fsearch run`, and a fork inherits no threads.
    bool tensors = true;
    for (const char* name : {"run", "status", "export", "report", "cancel"}) tensors &= !app.got_subcommand(name);
    if (tensors) fsearch::trainers::configure_threads(global.threads);
    for (auto& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    return 1;
  });
}
