// One long-lived worker process of the local backend, `fsearch worker` or a fork of the scheduler
// that serves jobs the same way: it loads LibTorch at most once and trains the jobs it is given one
// after another. The protocol is a line each way: the scheduler
// writes a run directory to the worker's stdin; the worker answers on its stdout with the exit
// code `fsearch train --job RUN_DIR` would have had (0 a result, 75 interrupted, 2 bad input, 1
// other). End of input ends the worker. Internal to the local backend.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fsearch::search::detail {

class WorkerProcess {
 public:
  // Starts `binary args...` with `env` added to this process's environment; its own stderr (what it
  // says outside a job: a start-up failure) goes to `log`, appended.
  WorkerProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env, const std::string& log);
  // Forks this process; the child calls `serve` with the socket as its stdin and stdout and `log`
  // as its stderr, then exits with what it returns (1 if it throws), without running this process's
  // exit handlers. Its name (/proc/PID/comm) is "fsearch-worker". The fork inherits whatever this
  // process holds, so call it only while this process runs no other threads.
  WorkerProcess(const std::function<int()>& serve, const std::string& log);
  ~WorkerProcess();  // ends its input and reaps it; asks it to stop (SIGTERM) if it is still busy
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Our end of its socket, readable when an answer arrives; -1 once the worker has closed its end
  // (it is exiting: running() tells when it has).
  int socket() const { return closed_ ? -1 : socket_; }
  // Hands it a job; false if it can no longer take one (it exited or closed its input).
  bool send(const std::string& run_dir);
  // The next answer, if one arrived (never blocks).
  std::optional<int> reply();
  // Whether it still runs; once it has exited, exit_code() says how (128 + N for signal N).
  bool running();
  int exit_code() const { return exit_code_; }

 private:
  int connect();  // the socket pair: keeps our end, returns the worker's

  pid_t pid_ = -1;
  int socket_ = -1;  // our end; the worker's stdin and stdout are the other
  std::string pending_;           // a partial answer line
  bool closed_ = false;           // it closed its end: no more answers
  bool exited_ = false;
  int exit_code_ = -1;
};

}  // namespace fsearch::search::detail
