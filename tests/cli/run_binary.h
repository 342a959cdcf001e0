// Runs the real fsearch binary for end-to-end tests.
#pragma once

#include <string>

namespace fsearch::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs FSEARCH_BINARY with the arguments (a shell-quoted string), capturing both streams.
RunResult run_fsearch(const std::string& args);

}  // namespace fsearch::testing
