// How the binary's subcommands plug in: each cmd_*.cpp defines a register_* function that adds its
// CLI11 subcommand with its options and returns the code to run once parsing has succeeded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace fsearch::cli {

using Runner = std::function<int()>;

// Options every subcommand shares, applied before a command runs.
struct GlobalOptions {
  int threads = 0;  // torch intra-op threads; 0 = the cores available to the process
};

struct Command {
  CLI::App* app;
  Runner run;
};

Command register_functions(CLI::App& app);
Command register_eval(CLI::App& app);
Command register_property(CLI::App& app);
Command register_fit(CLI::App& app);
Command register_train(CLI::App& app, const GlobalOptions& global);
Command register_run(CLI::App& app, char** argv);
Command register_status(CLI::App& app);
Command register_export(CLI::App& app);
Command register_report(CLI::App& app);
Command register_fid(CLI::App& app);
Command register_sample(CLI::App& app);
Command register_cancel(CLI::App& app);

// Comma-separated numbers, e.g. "-2,-0.5,0,0.5,2"; throws ConfigError naming `option`.
std::vector<double> parse_number_list(const std::string& text, const std::string& option);

}  // namespace fsearch::cli
