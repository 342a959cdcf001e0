#include "run_binary.h"
#include "paths.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace fsearch::testing {
std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string proxy_text(const std::string& name, bool probe) {
  std::ifstream in(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + name + ".yaml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (text.empty()) throw std::runtime_error("no proxy file " + name);
  const std::string key = "stability_steps: ";
  if (auto at = text.find(key); !probe && at != std::string::npos) {
    const auto value = at + key.size();
    text.replace(value, text.find('\n', value) - value, "0");
  }
  return text;
}

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
  result.err = file_text(err_template);
  unlink(err_template);
  return result;
}

}  // namespace fsearch::testing

#include <fcntl.h>

namespace fsearch::testing {

int spawn_fsearch(const std::vector<std::string>& args, const std::string& log_file) {
  int pid = fork();
  if (pid == 0) {
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv = {const_cast<char*>(FSEARCH_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(FSEARCH_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace fsearch::testing

namespace fsearch::testing {

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

nlohmann::json kill_then_resume(const std::vector<std::string>& train_args, const std::string& run_dir,
                                const std::function<bool()>& ready) {
  const std::string log = run_dir + ".log";
  const int pid = spawn_fsearch(train_args, log);
  const bool was_ready = wait_until(ready);
  EXPECT_TRUE(was_ready) << "the run never reached the point to kill it at; log: " << log;
  EXPECT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_for(pid), 128 + SIGKILL) << "it finished before the kill; log: " << log;
  if (std::filesystem::exists(std::filesystem::path(run_dir) / "result.json")) {
    ADD_FAILURE() << "a killed run left a result.json";
  }
  EXPECT_EQ(wait_for(spawn_fsearch({"--threads", "2", "train", "--job", run_dir, "--quiet"}, log)), 0)
      << "resuming failed; log: " << log;
  return read_json(std::filesystem::path(run_dir) / "result.json");
}

}  // namespace fsearch::testing
