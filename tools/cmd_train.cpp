// `fsearch train`: run one training job in a run directory (what a worker runs; also by hand).
//   fsearch train --job RUN_DIR
//   fsearch train --proxy configs/proxies/vit-tiny.yaml --norm pointwise --function 'erf(x)' --out RUN_DIR
//   fsearch train --proxy configs/proxies/dit-b.yaml --norm derf --out RUN_DIR   (FID, samples.png)
// Exit codes: 0 finished (done, diverged, rejected by the early probe, or paused at
// search.pause_at: each is a result in result.json), 75 interrupted by a signal after
// checkpointing (run the same command to continue), 2 bad input, 1 other errors.
#include <algorithm>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "command.h"
#include "terminal.h"
#include "fsearch/core/error.h"
#include "fsearch/core/names.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/jobs/data_files.h"
#include "fsearch/jobs/proxy_files.h"
#include "fsearch/trainers/train.h"

namespace fsearch::cli {
namespace {

struct TrainCommand {
  std::string job;
  std::string proxy, norm = "layernorm", function = "erf(x)", shift, out, budget = "default", device;
  std::string dataset, data_path;
  double lr = 0, epochs = 0;
  std::int64_t steps = 0, seed = 0;
  int batch_size = 0, checkpoint_every = 0;
  // Not given: the proxy's.
  std::optional<double> alpha_init;
  std::optional<std::int64_t> stability_steps;
  std::optional<int> eval_every;
  bool quiet = false, eval_train_loss = false;

  std::string make_job(int threads) const {
    jobs::JobSpec spec;
    jobs::read_proxy_file(jobs::find_proxy_file(proxy, "", "--proxy"), spec);
    const auto presets = functions::norm_preset_names();
    if (std::find(presets.begin(), presets.end(), norm) != presets.end()) {
      spec.norm = functions::norm_preset(norm);
    } else if (norm.find('(') != std::string::npos) {  // a function where a norm was asked for
      throw ConfigError("--norm '" + norm + "': a point-wise function is given with --function",
                        "use --norm pointwise --function '" + norm + "'");
    } else {
      try {
        spec.norm.kind = functions::parse_norm_kind(norm);
      } catch (const ConfigError&) {
        auto known = presets;
        known.push_back("pointwise");
        throw ConfigError("--norm '" + norm + "': unknown norm",
                          did_you_mean(norm, known) + " use one of: layernorm, rmsnorm, groupnorm, dyt, derf, "
                          "pointwise (a function of your own: --norm pointwise --function 'f(x)')");
      }
    }
    if (spec.norm.kind == functions::NormKind::Pointwise && norm == "pointwise") {
      spec.norm.function = function;
      // Refuse before a run directory is made for it.
      if (auto reason = functions::non_finite_reason(functions::parse(function)); !reason.empty())
        throw ConfigError("--function '" + function + "': " + reason, "check `fsearch eval '" + function + "'`");
    }
    jobs::apply_budget(spec, budget);  // first, so that explicit options below win over it
    if (!shift.empty()) spec.norm.shift = functions::parse_shift_mode(shift);
    if (alpha_init) spec.norm.alpha_init = *alpha_init;
    if (lr > 0) spec.train.lr = lr;
    if (steps > 0) spec.train.steps = steps;
    if (epochs > 0) spec.train.epochs = epochs, spec.train.steps = 0;
    if (batch_size > 0) spec.train.batch_size = batch_size;
    if (stability_steps) spec.train.stability_steps = *stability_steps;
    if (!dataset.empty()) spec.data.dataset = dataset;
    if (!data_path.empty()) spec.data.path = data_path;
    spec.seed = static_cast<std::uint64_t>(seed);
    spec.runtime.device = device.empty() ? "cpu" : device;
    spec.runtime.threads = threads;
    spec.runtime.eval_train_loss = eval_train_loss;
    if (eval_every) spec.runtime.eval_every = *eval_every;
    if (checkpoint_every > 0) spec.runtime.checkpoint_every = checkpoint_every;
    jobs::find_data_files(spec.data);  // a wrong folder or data set is refused before the run directory
    std::string dir = out.empty() ? "runs/train/" + jobs::job_key(spec) : out;
    jobs::prepare_run_dir(spec, dir);
    return dir;
  }

  int run(int threads) const {
    if (job.empty() == proxy.empty()) {
      throw ConfigError("give either --job RUN_DIR or --proxy FILE",
                        "--job runs a prepared run directory; --proxy builds one (with --out)");
    }
    std::string dir = job.empty() ? make_job(threads) : job;
    if (!job.empty() && !device.empty()) jobs::set_device(job, device);  // told where to run
    return train_job_dir(dir, threads, quiet);
  }
};

// The DiT's loss at each diagnostic timestep, one line per set of weights (result.json has them).
void print_loss_by_timestep(const nlohmann::json& diagnostics) {
  if (!diagnostics.is_object() || !diagnostics.contains("loss_by_timestep")) return;
  const auto& by_t = diagnostics["loss_by_timestep"];
  const std::map<std::string, std::string> labels = {
      {"ema", "EMA weights"},
      {"trained", "trained weights"},
      {"unconditional", "null label, sampling weights"},
      {"guided", fmt::format("guided x{:g} as sampled", by_t.value("cfg_scale", 0.0))}};
  for (const char* row : {"ema", "trained", "unconditional", "guided"}) {
    if (!by_t.contains(row)) continue;
    std::string line = fmt::format("loss by timestep ({} test images, {}):", by_t.value("images", 0), labels.at(row));
    for (std::size_t i = 0; i < by_t[row].size() && i < by_t["t"].size(); ++i)
      line += fmt::format(" t={} {:.4f}", by_t["t"][i].get<std::int64_t>(), by_t[row][i].get<double>());
    std::cout << line << "\n";
  }
}

}  // namespace

int train_job_dir(const std::string& dir, int threads, bool quiet) {
  trainers::TrainCallbacks callbacks;
  callbacks.stop = &stop_on_signals();
  ProgressLine progress(quiet);
  callbacks.threads = threads;
  callbacks.on_progress = [&](const trainers::Progress& p) {
    std::string line = fmt::format("step {}/{} loss {:.4f} lr {:.2e} {:.0f} img/s", p.step, p.total, p.loss,
                                   p.lr, p.images_per_sec);
    if (!std::isnan(p.test_acc))
      line = fmt::format("step {}/{} test acc {:.2f}%", p.step, p.total, 100 * p.test_acc);
    if (!std::isnan(p.fid)) line = fmt::format("step {}/{} FID {:.2f}", p.step, p.total, p.fid);
    progress.update(line);
  };
  callbacks.on_message = [&](const std::string& text) { progress.message(text); };
  auto result = trainers::run_job(dir, callbacks);
  progress.end();
  if (result.status == "interrupted") {
    if (result.total_steps == 0) {  // stopped while it waited for another trainer of the directory
      std::cerr << fmt::format("stopped before training; nothing written. Continue with: fsearch train --job {}\n",
                               dir);
    } else {
      const bool probe = result.diagnostics.is_object() && result.diagnostics.value("from", "") == "stability probe";
      std::cerr << fmt::format("interrupted {}at step {}{}; checkpoint saved. Continue with: fsearch train --job {}\n",
                               probe ? "in the stability probe " : "", result.steps,
                               probe ? fmt::format(" of {}", result.total_steps) : "", dir);
    }
    return 75;
  }
  if (result.status == "diverged" || result.status == "rejected") {
    std::cout << fmt::format("{}: {} at step {} ({})\n", dir, result.status, result.diverged_step,
                             result.diverged_reason);
  } else if (result.status == "paused") {
    std::cout << fmt::format("{}: paused at step {} of {} (search.pause_at in job.json){}\n", dir,
                             result.steps, result.total_steps,
                             std::isnan(result.test_acc)
                                 ? fmt::format(", smoothed loss {:.4f}", result.final_loss)
                                 : fmt::format(", test accuracy {:.2f}%", 100 * result.test_acc));
  } else if (!std::isnan(result.fid)) {
    std::cout << fmt::format(
        "{}: FID {:.2f} ({} samples, features {}) after {} steps, final loss {:.4f}, {:.0f} s, "
        "{:.0f} images/s training, {:.1f} images/s sampling ({} threads); samples in {}\n",
        dir, result.fid, result.fid_samples, result.fid_features, result.steps, result.final_loss,
        result.wall_time, result.images_per_sec, result.sample_images_per_sec, result.threads,
        (std::filesystem::path(dir) / "samples.png").string());
    print_loss_by_timestep(result.diagnostics);
  } else {
    std::cout << fmt::format(
        "{}: test accuracy {:.2f}% after {} steps, {:.0f} s, {:.0f} images/s ({} threads)\n", dir,
        100 * result.test_acc, result.steps, result.wall_time, result.images_per_sec, result.threads);
  }
  return 0;
}

Command register_train(CLI::App& app, const GlobalOptions& global) {
  auto command = std::make_shared<TrainCommand>();
  CLI::App* sub = app.add_subcommand(
      "train",
      "Train one proxy model in a run directory (job.json, events.jsonl, checkpoint.pt, result.json).\n"
      "Killed or interrupted, the same command continues from the last checkpoint.");
  auto* job = sub->add_option("--job", command->job, "Run the job prepared in RUN_DIR (what workers run)");
  auto* proxy = sub->add_option("--proxy", command->proxy, "Proxy file, e.g. configs/proxies/vit-tiny.yaml, or a shipped proxy's name: vit-tiny, "
                                "vit-small, dit-b, dit-l");
  job->excludes(proxy);
  sub->add_option("--norm", command->norm, "layernorm | rmsnorm | groupnorm | pointwise | dyt | derf")
      ->capture_default_str();
  sub->add_option("--function", command->function, "The point-wise function (with --norm pointwise)")
      ->capture_default_str();
  sub->add_option("--shift", command->shift, "Shift s: none (Eq. 4) | scalar (Eq. 8) | vector");
  sub->add_option("--alpha-init", command->alpha_init,
                  "Initial alpha of a point-wise norm (default: the proxy's norm.alpha_init, 0.5 as the "
                  "paper's ViT)")
      ->check(nonnegative_number());
  sub->add_option("--lr", command->lr, "Peak learning rate (default: the proxy's)")->check(positive_number());
  sub->add_option("--steps", command->steps, "Training steps (overrides the proxy's epochs; 0: the proxy's)")
      ->check(whole_number());
  sub->add_option("--epochs", command->epochs, "Training epochs")->check(positive_number());
  sub->add_option("--batch-size", command->batch_size, "Batch size")->check(positive_whole_number());
  sub->add_option("--stability-steps", command->stability_steps,
                  "Steps of the stability probe run before training (0: none; default: the proxy's, "
                  "150 on vit-tiny; see docs/proxy-files.md)")
      ->check(whole_number_check(0, "0 (no probe) or a whole number of steps"));
  sub->add_option("--seed", command->seed, "Seed for init, data order, augmentation")
      ->capture_default_str()
      ->check(whole_number());
  sub->add_option("--dataset", command->dataset, "fashion-mnist | idx | cifar10 | cifar100 | synthetic");
  sub->add_option("--data-path", command->data_path, "Folder with the data set's files");
  sub->add_option("--budget", command->budget,
                  "default (the proxy's) | quick (one epoch) | smoke (a few seconds)")
      ->capture_default_str();
  sub->add_option("--device", command->device,
                  "cpu | cuda | cuda:N (default cpu; with --job: overrides job.json)");
  sub->add_option("--eval-every", command->eval_every,
                  "Evaluate on the test set every N steps (0: at the end)")
      ->check(whole_number());
  sub->add_option("--checkpoint-every", command->checkpoint_every, "Checkpoint every N steps")
      ->check(positive_whole_number());
  sub->add_flag("--eval-train-loss", command->eval_train_loss,
                "Also report the eval-mode training loss over the training set (App. E; a DiT job\n"
                "reports it always, over the first 100 batches)");
  sub->add_option("--out", command->out, "Run directory to create (default runs/train/<job key>)");
  sub->add_flag("--quiet,-q", command->quiet, "No progress line (messages, e.g. a wait for another trainer, still print)");
  return {sub, [command, &global] { return command->run(global.threads); }};
}

}  // namespace fsearch::cli
