// How the binary's subcommands plug in: each cmd_*.cpp defines a register_* function that adds its
// CLI11 subcommand with its options and returns the code to run once parsing has succeeded.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
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
Command register_worker(CLI::App& app, const GlobalOptions& global);

// A whole number >= `minimum` (0 or 1), refused with a plain message ("--limit: 'x' is not a whole
// number >= 0", or "'x' is not <expected>" when given) where CLI::NonNegativeNumber prints the range
// up to the largest double.
inline CLI::Validator whole_number_check(int minimum, const std::string& expected = "") {
  return CLI::Validator(
      [minimum, expected](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
        const bool enough = minimum <= 0 || text.find_first_not_of('0') != std::string::npos;
        return digits && enough ? std::string()
                                : "'" + text + "' is not " +
                                      (expected.empty() ? "a whole number >= " + std::to_string(minimum) : expected);
      },
      minimum > 0 ? "POSITIVE" : "NONNEGATIVE");
}
// Such as a seed or a count that may be 0.
inline const CLI::Validator& whole_number() {
  static const CLI::Validator validator = whole_number_check(0);
  return validator;
}
// Such as a batch size ("--max-timeouts: '0' is not a whole number >= 1").
inline const CLI::Validator& positive_whole_number() {
  static const CLI::Validator validator = whole_number_check(1);
  return validator;
}

// A finite number > 0 (or >= 0 with `zero_allowed`): "--poll: '0' is not a number > 0".
inline CLI::Validator number_check(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& text) -> std::string {
        double value = 0;
        const bool number = CLI::detail::lexical_cast(text, value) && std::isfinite(value);
        return number && (value > 0 || (zero_allowed && value == 0))
                   ? std::string()
                   : "'" + text + "' is not a number " + (zero_allowed ? ">= 0" : "> 0");
      },
      zero_allowed ? "NONNEGATIVE" : "POSITIVE");
}
// Such as seconds or a learning rate.
inline const CLI::Validator& positive_number() {
  static const CLI::Validator validator = number_check(false);
  return validator;
}
// Such as a std or an initial value.
inline const CLI::Validator& nonnegative_number() {
  static const CLI::Validator validator = number_check(true);
  return validator;
}

// Runs `run`; an error it throws is printed ("error: ...", with its hint) and becomes the exit
// code: 2 bad input (fsearch::Error), 1 anything else (a torch error, another exception).
int run_reporting_errors(const Runner& run);

// `fsearch train --job RUN_DIR`: trains the prepared job, prints its outcome, returns the exit
// code (0 a result, 75 interrupted). What `fsearch worker` runs for each job too.
int train_job_dir(const std::string& run_dir, int threads, bool quiet);

// What `fsearch worker` does: trains the run directories read from stdin one after another,
// answering each with its exit code on stdout (search/src/worker_process.h). A forked worker slot of
// `fsearch run` calls it too (search::LocalOptions::serve). `device` empty keeps each job.json's.
int serve_jobs(const std::string& runs, const std::string& device, int threads);

// Comma-separated numbers, e.g. "-2,-0.5,0,0.5,2"; throws ConfigError naming `option`.
std::vector<double> parse_number_list(const std::string& text, const std::string& option);

}  // namespace fsearch::cli
