#include "fsearch/core/process.h"

#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <thread>

#include "fsearch/core/error.h"

namespace fsearch {

std::string self_executable(const char* argv0) {
  std::error_code ec;
  auto self = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) return self.string();
  return std::filesystem::absolute(argv0 ? argv0 : "fsearch").string();
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

std::string cpu_model() {
  static const std::string model = [] {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("model name", 0) != 0) continue;
      const auto colon = line.find(':');
      if (colon == std::string::npos) break;
      const auto begin = line.find_first_not_of(" \t", colon + 1);
      return begin == std::string::npos ? std::string() : line.substr(begin);
    }
    return std::string();
  }();
  return model;
}

bool process_alive(std::int64_t pid) {
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

Machine this_machine() {
  static const Machine machine = [] {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    std::string boot;
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::getline(in, boot);
    return Machine{name, boot};
  }();
  return machine;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

void write_all(int fd, const std::string& text) {
  for (std::size_t done = 0; done < text.size();) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void run_in_child(const std::function<void()>& body) {
  run_in_child_for_text([&] {
    body();
    return std::string();
  });
}

std::string run_in_child_for_text(const std::function<std::string()>& body) {
  return run_in_child_for_text(body, {}, 0);
}

std::string run_in_child_for_text(const std::function<std::string()>& body,
                                  const std::function<void()>& while_waiting, double every_seconds) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw Error(std::string("cannot start a child process: fork failed: ") + std::strerror(error));
  }
  if (pid == 0) {  // the child: its answer ("R", NUL, text) or its error (kind, message, hint, NUL between)
    ::close(pipe_fds[0]);
    int code = 0;
    try {
      const auto text = body();
      write_all(pipe_fds[1], std::string("R") + '\0' + text);
    } catch (const ConfigError& e) {
      write_all(pipe_fds[1], std::string("C") + '\0' + e.what() + '\0' + e.hint()), code = 1;
    } catch (const StorageError& e) {
      write_all(pipe_fds[1], std::string("S") + '\0' + e.what() + '\0' + e.hint()), code = 1;
    } catch (const Error& e) {
      write_all(pipe_fds[1], std::string("E") + '\0' + e.what() + '\0' + e.hint()), code = 1;
    } catch (const std::exception& e) {
      write_all(pipe_fds[1], std::string("E") + '\0' + e.what() + '\0'), code = 1;
    } catch (...) {
      write_all(pipe_fds[1], std::string("E") + '\0' + "an unknown error" + '\0'), code = 1;
    }
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[4096];
  const auto every = std::chrono::duration<double>(every_seconds);
  auto next_call = std::chrono::steady_clock::now() + every;
  for (;;) {
    if (while_waiting) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_call - std::chrono::steady_clock::now());
      pollfd readable{pipe_fds[0], POLLIN, 0};
      const int ready = ::poll(&readable, 1, static_cast<int>(std::max<long long>(0, left.count())));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        try {
          while_waiting();
        } catch (...) {
          ::kill(pid, SIGKILL);
          ::close(pipe_fds[0]);
          while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
          }
          throw;
        }
        next_call = std::chrono::steady_clock::now() + every;
        continue;
      }
    }
    const auto n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool answered = !message.empty() && message[0] == 'R';
  if (!message.empty() && !answered) {
    const auto first = message.find('\0'), second = message.find('\0', first + 1);
    const std::string what = message.substr(first + 1, second - first - 1),
                      hint = second == std::string::npos ? "" : message.substr(second + 1);
    if (message[0] == 'C') throw ConfigError(what, hint);
    if (message[0] == 'S') throw StorageError(what, hint);
    throw Error(what, hint);
  }
  if (WIFSIGNALED(status))
    throw Error(std::string("a child process died of signal ") + std::to_string(WTERMSIG(status)) + " (" +
                ::strsignal(WTERMSIG(status)) + ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("a child process failed with exit code " + std::to_string(WEXITSTATUS(status)));
  if (!answered) throw Error("a child process exited without its answer");
  return message.substr(2);
}

}  // namespace fsearch
