#include "fsearch/trainers/sample.h"

#include <fmt/format.h>

#include <chrono>

#include "checkpoint.h"
#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "loop.h"
#include "sampling.h"

namespace fsearch::trainers {

SampleReport sample_run(const std::filesystem::path& run_dir, const SampleOptions& options,
                        const std::function<void(const std::string&)>& message) {
  const RunDir dir{run_dir};
  if (!std::filesystem::exists(dir.job())) {
    throw ConfigError("no job.json in " + run_dir.string(), "give the run directory of a DiT job");
  }
  JobSpec spec = read_job_file(dir.job().string());
  if (spec.model.proxy != "dit") {
    throw ConfigError(dir.job().string() + ": a " + spec.model.proxy + " job, not a DiT job",
                      "only diffusion runs can be sampled");
  }
  auto& d = spec.diffusion;
  if (options.steps > 0) d.sample_steps = options.steps;
  if (!std::isnan(options.cfg_scale)) d.cfg_scale = options.cfg_scale;
  if (!std::isnan(options.eta)) d.sample_eta = options.eta;
  if (!(d.sample_eta >= 0 && d.sample_eta <= 1)) throw ConfigError("eta must be in [0, 1]");
  if (options.per_class > 0) d.samples_per_class = options.per_class;
  if (options.seed >= 0) spec.seed = static_cast<std::uint64_t>(options.seed);
  if (!options.features.empty()) d.features = options.features;

  SampleReport report;
  const std::string eta = d.sample_eta > 0 ? fmt::format("-eta{:g}", d.sample_eta) : "";
  report.out = options.out.empty() ? run_dir / fmt::format("samples-steps{}-cfg{:g}{}-seed{}{}", d.sample_steps,
                                                           d.cfg_scale, eta, spec.seed,
                                                           options.ema ? "" : "-trained")
                                   : options.out;
  report.ema = options.ema;
  report.steps = d.sample_steps;
  report.cfg_scale = d.cfg_scale;
  report.eta = d.sample_eta;

  const auto device = detail::parse_device(spec.runtime.device);
  auto data = load_data(spec.data, spec.seed);
  spec.model.num_classes = std::max(spec.model.num_classes, data.train.classes);
  DiT model(spec.model, spec.norm);
  report.checkpoint_step = detail::load_eval_weights(dir.checkpoint(), *model, options.ema);
  model->to(device);
  model->eval();

  if (message) {
    message(fmt::format("sampling {} images ({} steps, eta {:g}, guidance {:g}) with the {} weights of step {} of {}",
                        d.samples_per_class * data.train.classes, d.sample_steps, d.sample_eta, d.cfg_scale,
                        options.ema ? "EMA" : "trained", report.checkpoint_step, run_dir.string()));
  }
  GaussianDiffusion diffusion(d);
  const auto start = std::chrono::steady_clock::now();
  auto samples =
      detail::generate_samples(model, diffusion, d, spec.model, spec.seed, data.train.classes, device);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.images = samples.size();
  report.images_per_sec = samples.size() / seconds;

  make_directories(report.out, "the samples' folder");
  const RunDir out{report.out};
  detail::save_samples(samples, out);
  if (options.fid) {
    const auto score = detail::score_samples(samples, d.features, data, device, message);
    report.fid = score.fid;
    report.fid_features = score.features;
  }
  return report;
}

}  // namespace fsearch::trainers
