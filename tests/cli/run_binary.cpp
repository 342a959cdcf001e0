#include "run_binary.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fsearch::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

RunResult run_fsearch(const std::string& args) {
  char err_template[] = "/tmp/fsearch-test-err-XXXXXX";
  int fd = mkstemp(err_template);
  close(fd);
  std::string command = std::string(FSEARCH_BINARY) + " " + args + " 2>" + err_template;
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = slurp(err_template);
  unlink(err_template);
  return result;
}

}  // namespace fsearch::testing
