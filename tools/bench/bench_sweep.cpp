// The scheduler with forked worker slots and stand-in jobs: what `fsearch run` does on the CPU (one
// thread per slot), with each job replaced by a sleep, so that what is left of the wall time is the
// scheduler's own. Like `fsearch run`, this program has LibTorch loaded, and its slots fork from
// it (search::LocalOptions::serve). bench-sweep.sh times it from outside (start-up included).
//   bench-sweep --space SPACE --db DB --runs DIR --workers 10 --seconds 10
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "fsearch/search/sweep.h"
#include "fsearch/trainers/runtime.h"

namespace {

namespace fs = std::filesystem;

// The stand-in for a worker slot's loop (tools/cmd_worker.cpp): for each run directory on stdin,
// "trains" for `seconds`, writes a result as a finished job does, and answers 0.
int serve_stand_in(double seconds) {
  for (std::string dir; std::getline(std::cin, dir);) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    std::ofstream(fs::path(dir) / "events.jsonl", std::ios::app) << R"({"type":"train","step":1,"loss":1.0})" << "\n";
    const auto result = fs::path(dir) / "result.json";
    std::ofstream(result.string() + ".tmp") << R"({"status":"done","test_acc":0.5,"steps":1,"diverged_step":-1})";
    fs::rename(result.string() + ".tmp", result);
    std::cout << 0 << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The scheduler's overhead with forked worker slots and stand-in jobs (see bench-sweep.sh)."};
  std::string space, db, runs;
  int workers = 10;
  double seconds = 10;
  app.add_option("--space", space, "The space file")->required();
  app.add_option("--db", db, "The database (a new one: finished jobs are not run again)")->required();
  app.add_option("--runs", runs, "The run folder")->required();
  app.add_option("--workers", workers, "Worker slots");
  app.add_option("--seconds", seconds, "Seconds each stand-in job sleeps");
  CLI11_PARSE(app, argc, argv);

  fsearch::search::SweepOptions options;
  options.db_path = db;
  options.runs_root = runs;
  options.local.workers = workers;
  options.local.threads_per_worker = 1;
  options.local.binary = "/nonexistent";  // every slot forks: nothing is executed
  options.local.serve = [seconds](const std::string&, int) { return serve_stand_in(seconds); };
  const auto outcome = fsearch::search::run_sweep(space, options);
  std::cout << fmt::format("{} of {} jobs finished, {} failed; LibTorch {} loaded in the scheduler\n",
                           outcome.run.finished, outcome.jobs_total, outcome.run.failed,
                           fsearch::trainers::runtime_info().torch_version);
  return outcome.run.finished == outcome.jobs_total ? 0 : 1;
}
