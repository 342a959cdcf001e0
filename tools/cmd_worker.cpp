// `fsearch worker`: what a local sweep's worker slots run. It loads LibTorch once and trains jobs one
// after another: a run directory per line on stdin; for each, the exit code `fsearch train --job
// RUN_DIR` would have had, a line on stdout (search/src/worker_process.h). Each job's output goes
// to its RUN_DIR/worker.log. End of input ends it; SIGTERM interrupts the job at hand (it
// checkpoints, answers 75) and ends it.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "terminal.h"
#include "fsearch/core/error.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::cli {
namespace {

namespace fs = std::filesystem;

// Sends stdout and stderr to a job's worker.log while it lives; then back where they were.
class OutputTo {
 public:
  explicit OutputTo(const fs::path& log) : saved_out_(::dup(STDOUT_FILENO)), saved_err_(::dup(STDERR_FILENO)) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
  }
  ~OutputTo() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    ::dup2(saved_out_, STDOUT_FILENO);
    ::dup2(saved_err_, STDERR_FILENO);
    ::close(saved_out_);
    ::close(saved_err_);
  }
  OutputTo(const OutputTo&) = delete;
  OutputTo& operator=(const OutputTo&) = delete;

 private:
  int saved_out_, saved_err_;
};

// The worker's loop (command.h: serve_jobs).
struct Worker {
  std::string runs, device;

  int run(int threads) const {
    // The answers go to what stdout is now; stdout itself goes to stderr between jobs, so that
    // nothing else ever lands among the answers.
    const int answers = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (answers < 0) throw Error("fsearch worker: no stdout to answer on");
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    const auto& stop = stop_on_signals();
    const auto root = runs.empty() ? fs::path() : fs::weakly_canonical(runs);
    for (std::string dir; !stop.load() && std::getline(std::cin, dir);) {
      if (dir.empty()) continue;
      int code = 75;  // asked to stop while it waited for this job: the job has not started
      if (stop.load()) {
        answer(answers, code);
        break;
      }
      {
        OutputTo output(jobs::RunDir{dir}.root / "worker.log");
        code = run_reporting_errors([&] {
          check_inside(root, dir);
          if (!device.empty()) jobs::set_device(dir, device);  // where this worker's slot runs
          return train_job_dir(dir, threads, true);
        });
      }
      if (!answer(answers, code)) return 1;  // nobody to answer: the scheduler is gone
    }
    return 0;
  }

  // A socket from the scheduler (no SIGPIPE if it is gone), or any file when run by hand.
  static bool answer(int fd, int code) {
    const std::string line = std::to_string(code) + "\n";
    const auto size = static_cast<ssize_t>(line.size());
    const auto sent = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == ENOTSOCK) return ::write(fd, line.data(), line.size()) == size;
    return sent == size;
  }

  // A worker serves one sweep's run folder: a job elsewhere is a scheduler's mistake.
  static void check_inside(const fs::path& root, const std::string& dir) {
    if (root.empty()) return;
    const auto path = fs::weakly_canonical(dir);
    const auto rel = path.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..")
      throw ConfigError("fsearch worker: " + dir + " is not under --runs " + root.string());
  }
};

}  // namespace

int serve_jobs(const std::string& runs, const std::string& device, int threads) {
  return Worker{runs, device}.run(threads);
}

Command register_worker(CLI::App& app, const GlobalOptions& global) {
  auto command = std::make_shared<Worker>();
  CLI::App* sub = app.add_subcommand(
      "worker",
      "Train jobs one after another in one process (what `fsearch run` starts per worker slot):\n"
      "a run directory per line on stdin; for each, the exit code `fsearch train --job DIR` would\n"
      "have (0 result, 75 interrupted, 2 bad input, 1 error) on a line of stdout. Each job's output\n"
      "goes to DIR/worker.log.");
  sub->add_option("--runs", command->runs, "The sweep's run folder: every job must be under it");
  sub->add_option("--device", command->device, "cpu | cuda | cuda:N: overrides each job.json's device");
  return {sub, [command, &global] { return command->run(global.threads); }};
}

}  // namespace fsearch::cli
