// Runs the real fsearch binary for end-to-end tests.
#pragma once

#include <string>
#include <vector>

namespace fsearch::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs FSEARCH_BINARY with the arguments (a shell-quoted string), capturing both streams.
RunResult run_fsearch(const std::string& args);

}  // namespace fsearch::testing

namespace fsearch::testing {

// Starts FSEARCH_BINARY with the arguments (no shell), output to `log_file`; returns its pid.
int spawn_fsearch(const std::vector<std::string>& args, const std::string& log_file);
// Waits for the process; returns its exit code, or 128 + signal if a signal ended it.
int wait_for(int pid);

}  // namespace fsearch::testing
