// Where a training step's time goes: trains a proxy for warm-up + N steps through the real trainer
// (run_job on a temporary run directory, real data), once per norm, and prints each phase's
// milliseconds per step (core/phase_clock.h: data, each module kind's forward, backward, clip,
// optimizer, EMA, logging, evaluation, checkpoints) beside the images per second.
//   bench-train [--proxy configs/proxies/vit-tiny.yaml] [--norms layernorm,derf] [--steps 100]
//               [--warmup 50] [--threads 1] [--batch-size B] [--repeat 3] [--ops N]
// One thread is what a sweep's worker gets (one job per core). The norms take turns, --repeat times,
// and each prints its run of median step time (on a shared virtual machine single runs of the same
// job differ by up to 20%). Warm-up steps are trained but not
// counted: the first steps touch fresh memory. Logging runs every `warmup` steps (50 by default, as
// in a job); checkpoints as the proxy says (every 200 steps and after the last). With --ops N it
// also lists the N torch operations (forward ops and autograd backward nodes) that took the most
// time, exclusive of the operations they call.
#include <ATen/record_function.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "bench_common.h"
#include "fsearch/core/error.h"
#include "fsearch/core/phase_clock.h"
#include "fsearch/functions/norm_spec.h"
#include "fsearch/nn/attention.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/trainers/runtime.h"
#include "fsearch/trainers/train.h"

using namespace fsearch;

namespace {

struct Measurement {
  std::string norm;
  std::array<double, kPhaseCount> ms_per_step{};
  double step_ms = 0, images_per_sec = 0, finish_seconds = 0;
  std::vector<std::pair<std::string, double>> top_ops;  // (name, ms per step), slowest first
};

// Exclusive time per torch operation, from RecordFunction callbacks on the training thread while
// `counting` is set. Callbacks are plain function pointers, hence the globals.
struct OpTimes {
  using Clock = std::chrono::steady_clock;
  struct Frame {
    std::string name;
    Clock::time_point start;
    double children = 0;
  };
  static inline bool counting = false;
  static inline thread_local std::vector<Frame> stack;
  static inline std::map<std::string, double> seconds;

  static std::unique_ptr<at::ObserverContext> enter(const at::RecordFunction& fn) {
    stack.push_back({fn.name(), Clock::now(), 0});
    return nullptr;
  }
  static void leave(const at::RecordFunction&, at::ObserverContext*) {
    if (stack.empty()) return;
    Frame frame = std::move(stack.back());
    stack.pop_back();
    const double total = std::chrono::duration<double>(Clock::now() - frame.start).count();
    if (!stack.empty()) stack.back().children += total;
    if (counting) seconds[frame.name] += total - frame.children;
  }
};

Measurement measure(const std::string& proxy, const std::string& norm, int steps, int warmup, int threads,
                    int batch_size, int top_ops) {
  jobs::JobSpec spec;
  jobs::read_proxy_file(proxy, spec);
  spec.norm = functions::norm_preset(norm);
  spec.train.steps = warmup + steps;
  spec.train.stability_steps = 0;  // the steps of training itself, not the proxy's probe before them
  if (batch_size > 0) spec.train.batch_size = batch_size;
  spec.runtime.threads = threads;
  spec.runtime.log_every = warmup;
  // A DiT job ends by sampling and scoring 1,000 images (minutes): the bench times the steps, so
  // its finish samples the smoke budget's 10 per class.
  spec.diffusion.samples_per_class = std::min(spec.diffusion.samples_per_class, 10);
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("bench-train-{}-{}", ::getpid(), norm);
  std::filesystem::remove_all(dir);
  jobs::prepare_run_dir(spec, dir.string());

  PhaseClock clock;
  trainers::TrainCallbacks callbacks;
  callbacks.threads = threads;
  // The first log step ends the warm-up: from there the clock counts.
  callbacks.on_progress = [&](const trainers::Progress& progress) {
    if (progress.step == warmup) clock.reset();
    OpTimes::counting = top_ops > 0 && progress.step >= warmup && progress.step < spec.train.steps;
  };
  std::optional<at::CallbackHandle> handle;
  if (top_ops > 0) {
    OpTimes::seconds.clear();
    handle =
        at::addGlobalCallback(at::RecordFunctionCallback(OpTimes::enter, OpTimes::leave)
                                  .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
  }
  clock.attach();
  auto result = trainers::run_job(dir.string(), callbacks);
  clock.detach();
  if (handle) at::removeCallback(*handle);
  OpTimes::counting = false;
  std::filesystem::remove_all(dir);
  if (result.status != "done") {
    throw Error(
        fmt::format("{}: training stopped early ({}: {})", norm, result.status, result.diverged_reason));
  }

  Measurement m;
  m.norm = norm;
  for (std::size_t p = 0; p < kPhaseCount; ++p) {
    const auto phase = static_cast<Phase>(p);
    if (phase == Phase::Setup || phase == Phase::Finish) continue;
    m.ms_per_step[p] = 1000 * clock.seconds(phase) / steps;
    m.step_ms += m.ms_per_step[p];
  }
  m.finish_seconds = clock.seconds(Phase::Finish);
  m.images_per_sec = spec.train.batch_size * 1000.0 / m.step_ms;
  for (const auto& [name, seconds] : OpTimes::seconds) m.top_ops.emplace_back(name, 1000 * seconds / steps);
  std::sort(m.top_ops.begin(), m.top_ops.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  if (m.top_ops.size() > static_cast<std::size_t>(top_ops)) m.top_ops.resize(top_ops);
  return m;
}

// How the proxy's attention multiplies here (float): register tiles, sgemm_ calls or at::bmm.
std::string attention_products(const std::string& proxy) {
  jobs::JobSpec spec;
  jobs::read_proxy_file(proxy, spec);
  return nn::attention_products(spec.model.width / spec.model.heads);
}

}  // namespace

int main(int argc, char** argv) {
  trainers::ensure_passive_openmp(argv);  // as workers run
  CLI::App app{"Per-phase time of training steps through the real trainer, for each norm."};
  std::string proxy = "configs/proxies/vit-tiny.yaml";
  std::vector<std::string> norms = {"layernorm", "derf"};
  int steps = 100, warmup = 50, threads = 1, batch_size = 0, top_ops = 0, repeat = 3;
  app.add_option("--proxy", proxy, "Proxy file")->capture_default_str();
  app.add_option("--norms", norms, "Norm presets to compare")->delimiter(',')->capture_default_str();
  app.add_option("--steps", steps, "Measured steps")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "Warm-up steps (not measured); also the logging interval")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", threads, "Torch threads (a sweep's worker uses 1)")->capture_default_str();
  app.add_option("--batch-size", batch_size, "Batch size (default: the proxy's)");
  app.add_option("--repeat", repeat, "Runs per norm, in turns; the median run is printed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--ops", top_ops, "Also list the N slowest torch operations (profiling slows the steps)");
  CLI11_PARSE(app, argc, argv);

  try {
    threads = trainers::configure_threads(threads);
    std::vector<std::vector<Measurement>> runs(norms.size());
    for (int r = 0; r < repeat; ++r) {
      for (std::size_t n = 0; n < norms.size(); ++n)
        runs[n].push_back(measure(proxy, norms[n], steps, warmup, threads, batch_size, top_ops));
    }
    std::vector<Measurement> rows;
    for (auto& norm_runs : runs) {
      std::sort(norm_runs.begin(), norm_runs.end(),
                [](const auto& a, const auto& b) { return a.step_ms < b.step_ms; });
      rows.push_back(norm_runs[norm_runs.size() / 2]);
    }

    std::cout << bench::provenance("cpu", threads) << "\n";
    std::cout << fmt::format(
        "{}: {} measured steps after {} warm-up steps, real data, ms per step; median of {} runs per norm\n"
        "attention products: {}\n",
        proxy, steps, warmup, repeat, attention_products(proxy));
    std::cout << fmt::format("{:<13}", "phase");
    for (const auto& m : rows) std::cout << fmt::format(" {:>12} {:>6}", m.norm, "share");
    std::cout << "\n";
    for (std::size_t p = 0; p < kPhaseCount; ++p) {
      const auto phase = static_cast<Phase>(p);
      if (phase == Phase::Setup || phase == Phase::Finish) continue;
      std::cout << fmt::format("{:<13}", phase_name(phase));
      for (const auto& m : rows)
        std::cout << fmt::format(" {:>12.2f} {:>5.1f}%", m.ms_per_step[p],
                                 100 * m.ms_per_step[p] / m.step_ms);
      std::cout << "\n";
    }
    std::cout << fmt::format("{:<13}", "step");
    for (const auto& m : rows) std::cout << fmt::format(" {:>12.2f} {:>6}", m.step_ms, "");
    std::cout << "\n" << fmt::format("{:<13}", "images/s");
    for (const auto& m : rows) std::cout << fmt::format(" {:>12.0f} {:>6}", m.images_per_sec, "");
    std::cout << "\n" << fmt::format("{:<13}", "finish (s)");
    for (const auto& m : rows) std::cout << fmt::format(" {:>12.1f} {:>6}", m.finish_seconds, "");
    std::cout << "\n";
    for (const auto& m : rows) {
      if (m.top_ops.empty()) continue;
      std::cout << fmt::format("slowest operations with {} (ms per step, exclusive)\n", m.norm);
      for (const auto& [name, ms] : m.top_ops) std::cout << fmt::format("  {:>8.2f}  {}\n", ms, name);
    }
  } catch (const Error& e) {
    std::cerr << "bench-train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
