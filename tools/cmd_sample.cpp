// `fsearch sample`: sample a finished (or checkpointed) DiT run again with other settings, into a
// folder of its own, and score the new samples.
//   fsearch sample --run runs/train/KEY                          the run's settings, fresh folder
//   fsearch sample --run runs/train/KEY --cfg-scale 3 --steps 100 guided, more steps
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "command.h"
#include "fsearch/trainers/sample.h"

namespace fsearch::cli {
namespace {

struct SampleCommand {
  std::string run_dir, out, features, weights = "ema";
  trainers::SampleOptions options;
  bool no_fid = false;

  int run() {
    options.out = out;
    options.features = features;
    options.fid = !no_fid;
    options.ema = weights == "ema";
    auto report = trainers::sample_run(run_dir, options, [](const std::string& line) {
      std::cerr << line << "\n";
    });
    std::cout << fmt::format(
        "{} images in {}: {:.1f} images/s ({} DDIM steps, eta {:g}, guidance {:g}, {} weights of checkpoint step {})\n",
        report.images, report.out.string(), report.images_per_sec, report.steps, report.eta, report.cfg_scale,
        report.ema ? "EMA" : "trained", report.checkpoint_step);
    std::cout << fmt::format("  grid: {}\n", (report.out / "samples.png").string());
    if (!std::isnan(report.fid)) {
      std::cout << fmt::format("  FID {:.3f} against the test split ({})\n", report.fid, report.fid_features);
    }
    return 0;
  }
};

}  // namespace

Command register_sample(CLI::App& app) {
  auto command = std::make_shared<SampleCommand>();
  CLI::App* sub = app.add_subcommand(
      "sample",
      "Sample a DiT run's checkpoint again (its EMA weights, or --weights trained) with other DDIM steps,\n"
      "eta, guidance, count or seed, into a folder of its own (default <run>/samples-steps<N>-cfg<S>-seed<K>),\n"
      "and print the new samples' FID. The run's own samples, result.json and database row are left as they are.");
  sub->add_option("--run", command->run_dir, "The DiT run directory (holds job.json and checkpoint.pt)")
      ->required();
  sub->add_option("--steps", command->options.steps, "DDIM steps (default: the job's)")
      ->check(positive_whole_number());
  sub->add_option("--cfg-scale", command->options.cfg_scale,
                  "Classifier-free guidance scale; 1 = none (default: the job's)");
  sub->add_option("--eta", command->options.eta,
                  "DDIM eta: 0 deterministic, 1 DDPM-like with seeded noise (default: the job's)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--per-class", command->options.per_class, "Images per class (default: the job's)")
      ->check(positive_whole_number());
  sub->add_option("--seed", command->options.seed, "Noise seed (default: the job's)")->check(whole_number());
  sub->add_option("--features", command->features, "FID extractor: cnn or a TorchScript file (default: the job's)");
  sub->add_option("--weights", command->weights,
                  "ema: the EMA weights the job sampled with (default); trained: the weights as trained")
      ->check(CLI::IsMember({"ema", "trained"}));
  sub->add_flag("--no-fid", command->no_fid, "Only write the samples");
  sub->add_option("--out", command->out, "Output folder");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
