#include "worker_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "fsearch/core/error.h"

extern char** environ;

namespace fsearch::search::detail {
namespace {

// Waits up to `seconds` for `pid` to exit; its wait status, or nullopt if it still runs.
std::optional<int> wait_up_to(pid_t pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // not our child any more: nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Closes every file descriptor from `first` up.
void close_from(int first) {
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, 0u) == 0) return;
#endif
  std::error_code ec;
  std::vector<int> fds;  // listed first: closing while reading /proc/self/fd would close its own
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    if (fd >= first) fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
}

int code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int WorkerProcess::connect() {
  // One socket each way (a socket, not a pipe: a write to a worker that died fails with EPIPE
  // instead of killing the scheduler with SIGPIPE).
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
    throw Error(std::string("cannot connect to a worker: ") + std::strerror(errno));
  socket_ = ends[0];
  ::fcntl(socket_, F_SETFL, ::fcntl(socket_, F_GETFL) | O_NONBLOCK);
  return ends[1];
}

WorkerProcess::WorkerProcess(const std::string& binary, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env, const std::string& log) {
  const int theirs = connect();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, theirs, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);

  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (!env.count(entry.substr(0, entry.find('=')))) environment.push_back(entry);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
  std::vector<char*> envp, argv;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string program = binary;
  argv.push_back(program.data());
  std::vector<std::string> arguments = args;
  for (auto& a : arguments) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int error = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(theirs);
  if (error != 0) {
    ::close(socket_);
    throw Error("cannot start the worker " + binary + ": " + std::strerror(error),
                "check --worker-binary, or that the fsearch binary is still there");
  }
}

WorkerProcess::WorkerProcess(const std::function<int()>& serve, const std::string& log) {
  const int theirs = connect();
  // What this process has buffered would otherwise be written twice, once by each.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    ::close(theirs);
    ::close(socket_);
    throw Error(std::string("cannot start a worker: fork failed: ") + std::strerror(error));
  }
  if (pid_ > 0) {
    ::close(theirs);
    return;
  }
  // The worker. Only what a forked child may do until `serve`: no locks this process's other
  // threads could hold (it has none), no exit handlers of the scheduler.
  ::dup2(theirs, STDIN_FILENO);
  ::dup2(theirs, STDOUT_FILENO);
  if (const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); fd >= 0) {
    ::dup2(fd, STDERR_FILENO);
  }
  // Nothing of the scheduler's stays open here: its database, other workers' sockets. (A file
  // lock held through one of them would otherwise outlive a scheduler killed with SIGKILL.)
  close_from(STDERR_FILENO + 1);
  ::prctl(PR_SET_NAME, "fsearch-worker", 0, 0, 0);
  int code = 1;
  try {
    code = serve();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "error: the worker failed\n";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(code);
}

WorkerProcess::~WorkerProcess() {
  if (socket_ >= 0) ::shutdown(socket_, SHUT_WR);  // end of input: an idle worker exits
  if (!exited_) {
    auto status = wait_up_to(pid_, 5);
    if (!status) {  // still on a job: it checkpoints and exits
      ::kill(pid_, SIGTERM);
      status = wait_up_to(pid_, 60);
    }
    if (!status) {
      ::kill(pid_, SIGKILL);
      wait_up_to(pid_, 10);
    }
  }
  if (socket_ >= 0) ::close(socket_);
}

bool WorkerProcess::send(const std::string& run_dir) {
  if (socket_ < 0 || !running()) return false;
  const std::string line = run_dir + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const auto n = ::send(socket_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a full buffer: never, for a line
    } else {
      return false;  // it is gone
    }
  }
  return true;
}

std::optional<int> WorkerProcess::reply() {
  char buffer[256];
  for (;;) {
    const auto n = ::read(socket_, buffer, sizeof buffer);
    if (n > 0) {
      pending_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) closed_ = true;  // it closed its stdout
    break;                       // EAGAIN: nothing more now
  }
  const auto newline = pending_.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  const std::string line = pending_.substr(0, newline);
  pending_.erase(0, newline + 1);
  try {
    return std::stoi(line);
  } catch (const std::exception&) {
    return 1;  // not an answer this fsearch writes: the job failed
  }
}

bool WorkerProcess::running() {
  if (exited_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exited_ = true;
  exit_code_ = r == pid_ ? code_of(status) : 1;
  return false;
}

}  // namespace fsearch::search::detail
