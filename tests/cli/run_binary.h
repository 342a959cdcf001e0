// Runs the real fsearch binary for end-to-end tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace fsearch::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs FSEARCH_BINARY with the arguments (a shell-quoted string), capturing both streams.
RunResult run_fsearch(const std::string& args);

// The text of a shipped proxy file (configs/proxies/NAME.yaml). Without `probe`, its stability
// probe is off: for tests of the machinery, which need not pay the probe's 150 steps per job.
std::string proxy_text(const std::string& name, bool probe = true);

// The whole text of a file (empty when it cannot be read): logs, for a failed assertion's message.
std::string file_text(const std::string& path);

}  // namespace fsearch::testing

namespace fsearch::testing {

// Starts FSEARCH_BINARY with the arguments (no shell), output to `log_file`; returns its pid.
int spawn_fsearch(const std::vector<std::string>& args, const std::string& log_file);
// Waits for the process; returns its exit code, or 128 + signal if a signal ended it.
int wait_for(int pid);

}  // namespace fsearch::testing

namespace fsearch::testing {

// Polls `condition` every `poll_ms` until it holds (true) or `seconds` pass (false).
inline bool wait_until(const std::function<bool()>& condition, int seconds = 120, int poll_ms = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return false;
}

// A JSON file (result.json, job.json), parsed; throws if it is missing or malformed.
nlohmann::json read_json(const std::filesystem::path& file);

// Starts `fsearch <train_args>` (which train into `run_dir`), SIGKILLs it once `ready` holds, checks
// that it left no result, and trains again with `fsearch train --job run_dir` (2 threads). Returns the
// resumed run's result.json. Failures are reported as test failures and throw.
nlohmann::json kill_then_resume(const std::vector<std::string>& train_args, const std::string& run_dir,
                                const std::function<bool()>& ready);

}  // namespace fsearch::testing
