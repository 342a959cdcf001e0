// The ViT proxy and the training loop on the synthetic set: shapes, learning, divergence as a
// result, interruption and exact resume.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fsearch/core/error.h"
#include "fsearch/core/process.h"
#include "fsearch/jobs/run_lock.h"
#include "fsearch/trainers/train.h"
#include "fsearch/trainers/vit.h"
#include "loop.h"  // ema_decay, learning_rate
#include "temp_dir.h"
#include "tiny_job.h"

namespace fsearch::trainers {
namespace {

namespace fs = std::filesystem;

using testing::tiny_job;

// The suite's run directories live in one folder, removed when the tests end.
std::string fresh_dir(const std::string& name) {
  static const fsearch::testing::TempDir root("train-tests");
  auto dir = root / name;
  fs::remove_all(dir);
  return dir.string();
}

TEST(ViT, ShapesForEveryNormAndPooling) {
  torch::manual_seed(0);
  auto spec = tiny_job();
  auto images = torch::randn({3, 1, 28, 28});
  for (const auto& norm : functions::norm_preset_names()) {
    for (const char* pool : {"cls", "mean"}) {
      spec.model.pool = pool;
      ViT model(spec.model, functions::norm_preset(norm));
      EXPECT_EQ(model->forward(images).sizes().vec(), (std::vector<int64_t>{3, 10})) << norm << " " << pool;
    }
  }
}

// The calibration lever of Round 18: the patch embedding's init, scaled; keyed apart from the
// default (which keeps its old keys).
TEST(ViT, EmbedGainScalesThePatchEmbeddingsInit) {
  auto spec = tiny_job();
  auto weights = [&](double gain) {
    spec.model.embed_gain = gain;
    torch::manual_seed(5);
    ViT model(spec.model, functions::norm_preset("derf"));
    for (const auto& p : model->named_parameters())
      if (p.key() == "patch_embed.weight") return p.value().clone();
    return torch::Tensor();
  };
  auto plain = weights(1.0), scaled = weights(1.5);
  ASSERT_TRUE(plain.defined());
  EXPECT_TRUE(torch::allclose(scaled, plain * 1.5));
  jobs::JobSpec a = tiny_job(), b = a;
  b.model.embed_gain = 1.5;
  EXPECT_NE(jobs::job_key(a), jobs::job_key(b));
  b.model.embed_gain = 1.0;
  EXPECT_EQ(jobs::job_key(a), jobs::job_key(b));
}

TEST(ViT, EveryNormSiteUsesTheJobsNorm) {
  auto spec = tiny_job();
  // 2 blocks x 2 norms + the final norm = 5 sites; Derf puts alpha and a scalar s in each.
  ViT derf(spec.model, functions::norm_preset("derf"));
  int alphas = 0, shifts = 0;
  for (const auto& p : derf->named_parameters()) {
    alphas += p.key().find(".alpha") != std::string::npos;
    shifts += p.key().find(".shift") != std::string::npos;
  }
  EXPECT_EQ(alphas, 5);
  EXPECT_EQ(shifts, 5);
  ViT dyt(spec.model, functions::norm_preset("dyt"));  // DyT: no shift
  int dyt_shifts = 0;
  for (const auto& p : dyt->named_parameters()) dyt_shifts += p.key().find(".shift") != std::string::npos;
  EXPECT_EQ(dyt_shifts, 0);
}

TEST(Train, LearnsTheSyntheticSetAndWritesTheRunDirectory) {
  auto dir = fresh_dir("learn");
  prepare_run_dir(tiny_job("layernorm"), dir);
  auto result = run_job(dir);
  EXPECT_EQ(result.status, "done");
  EXPECT_EQ(result.steps, 120);
  EXPECT_GT(result.test_acc, 0.6);  // 10 classes: chance is 0.1
  EXPECT_LT(result.final_loss, 2.0);
  EXPECT_TRUE(fs::exists(RunDir{dir}.result()));
  auto back = read_result_file(RunDir{dir}.result());
  EXPECT_EQ(back.status, "done");
  EXPECT_DOUBLE_EQ(back.test_acc, result.test_acc);
  EXPECT_EQ(back.key, job_key(tiny_job("layernorm")));
  // The machine it ran on, for the provenance of shipped results (another CPU changes the last bits).
  EXPECT_EQ(back.cpu, fsearch::cpu_model());
}

TEST(Train, EmaDecayWarmsUpOnlyWhenAsked) {
  jobs::TrainSpec t;
  t.ema = 0.999;
  EXPECT_EQ(detail::ema_decay(t, 0), 0.999);
  EXPECT_EQ(detail::ema_decay(t, 5000), 0.999);
  t.ema_warmup = true;
  EXPECT_DOUBLE_EQ(detail::ema_decay(t, 0), 0.1);        // (1 + 0) / (10 + 0)
  EXPECT_DOUBLE_EQ(detail::ema_decay(t, 90), 0.91);      // 91 / 100
  EXPECT_DOUBLE_EQ(detail::ema_decay(t, 1404), 1405.0 / 1414);
  EXPECT_EQ(detail::ema_decay(t, 100000), 0.999);        // the cap
}

TEST(Train, EmaWarmupLetsAShortRunEvaluateWhatItLearned) {
  // 120 steps at decay 0.999 keep 89% of the init in the EMA, which the job evaluates with; with the
  // warmup the EMA follows the trained weights.
  auto job = tiny_job("layernorm");
  job.train.ema = 0.999;
  auto cold_dir = fresh_dir("ema-cold");
  prepare_run_dir(job, cold_dir);
  auto cold = run_job(cold_dir);
  job.train.ema_warmup = true;
  auto warm_dir = fresh_dir("ema-warm");
  prepare_run_dir(job, warm_dir);
  auto warm = run_job(warm_dir);
  ASSERT_EQ(cold.status, "done");
  ASSERT_EQ(warm.status, "done");
  EXPECT_EQ(cold.final_loss, warm.final_loss);  // the training itself is the same
  EXPECT_GT(warm.test_acc, 0.6);
  EXPECT_LT(cold.test_acc, warm.test_acc - 0.2) << "cold " << cold.test_acc << ", warm " << warm.test_acc;
}

TEST(Train, DivergenceIsARecordedResultNotAnError) {
  auto spec = tiny_job();
  spec.norm.kind = functions::NormKind::Pointwise;
  // Finite everywhere (a function that is not, such as log(x), is refused before training), but its
  // float32 activations overflow to inf in the first forward pass: the loss is not finite at once.
  spec.norm.function = "1e38 * x";
  auto dir = fresh_dir("diverge");
  prepare_run_dir(spec, dir);
  auto result = run_job(dir);
  EXPECT_EQ(result.status, "diverged");
  EXPECT_EQ(result.diverged_step, 0);
  EXPECT_EQ(result.diverged_reason, "non-finite loss");
  auto back = read_result_file(RunDir{dir}.result());
  EXPECT_EQ(back.status, "diverged");
}

// Labels must name the model's classes: the synthetic set's ten labels do not fit a 3-class model
// (before, the model silently grew to the labels' range, as a label of 255 grew it to 256 classes).
TEST(Train, LabelsBeyondTheModelsClassesAreAnError) {
  auto spec = tiny_job();
  spec.model.num_classes = 3;
  auto dir = fresh_dir("classes");
  prepare_run_dir(spec, dir);
  try {
    run_job(dir);
    FAIL() << "trained a 3-class model on 10 labels";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("labels go up to 9, the model has 3 classes (model.num_classes)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(RunDir{dir}.result()));
}

TEST(Train, LossExplosionCountsAsDivergence) {
  auto spec = tiny_job();
  spec.divergence_factor = 1e-3;  // any loss is "above" 0.001 x its start: stops after the first step
  auto dir = fresh_dir("explode");
  prepare_run_dir(spec, dir);
  auto result = run_job(dir);
  EXPECT_EQ(result.status, "diverged");
  EXPECT_EQ(result.diverged_step, 0);
  EXPECT_NE(result.diverged_reason.find("exceeds"), std::string::npos);
}

TEST(Train, InterruptedJobResumesToTheSameResult) {
  auto spec = tiny_job("dyt");
  spec.model.drop_path = 0.2;  // randomness inside the step must replay too
  auto straight = fresh_dir("straight"), interrupted = fresh_dir("interrupted");
  prepare_run_dir(spec, straight);
  prepare_run_dir(spec, interrupted);
  auto expected = run_job(straight);

  std::atomic<bool> stop{false};
  TrainCallbacks callbacks;
  callbacks.stop = &stop;
  callbacks.on_progress = [&](const Progress& p) {
    if (p.step >= 55) stop = true;  // between checkpoints: steps 51-55 are redone after resume
  };
  auto first = run_job(interrupted, callbacks);
  EXPECT_EQ(first.status, "interrupted");
  EXPECT_FALSE(fs::exists(RunDir{interrupted}.result()));
  auto resumed = run_job(interrupted);
  EXPECT_EQ(resumed.status, "done");
  EXPECT_EQ(resumed.test_acc, expected.test_acc);
  EXPECT_EQ(resumed.final_loss, expected.final_loss);
  EXPECT_EQ(resumed.best_loss, expected.best_loss);
}

// alpha_lr_scale gives alpha and s their own, scaled learning rate (docs/calibration.md, round 11):
// alpha travels further. matrix_lr_scale (round 15) adds a fourth group, and a job with both still
// resumes to its uninterrupted result (the optimizer's groups are restored in their order).
TEST(Train, LrScalesTakeEffectAndResumeExactly) {
  auto travel = [](const TrainResult& r) {
    double sum = 0;
    const auto& init = r.diagnostics.at("init").at("sites");
    const auto& final = r.diagnostics.at("final").at("sites");
    for (std::size_t i = 0; i < init.size(); ++i)
      sum += std::abs(final[i].at("alpha").get<double>() - init[i].at("alpha").get<double>());
    return sum;
  };
  auto plain_spec = tiny_job("derf"), scaled_spec = plain_spec;
  plain_spec.train.steps = scaled_spec.train.steps = 40;
  scaled_spec.train.alpha_lr_scale = 10;
  auto both_spec = scaled_spec;
  both_spec.train.matrix_lr_scale = 4;
  EXPECT_NE(job_key(plain_spec), job_key(scaled_spec));
  EXPECT_NE(job_key(scaled_spec), job_key(both_spec));
  auto plain = fresh_dir("alpha-plain"), scaled = fresh_dir("alpha-scaled"), both = fresh_dir("both-scaled"),
       resumed = fresh_dir("both-resumed");
  prepare_run_dir(plain_spec, plain);
  prepare_run_dir(scaled_spec, scaled);
  prepare_run_dir(both_spec, both);
  prepare_run_dir(both_spec, resumed);
  const auto plain_result = run_job(plain), scaled_result = run_job(scaled), both_result = run_job(both);
  ASSERT_EQ(plain_result.status, "done");
  ASSERT_EQ(scaled_result.status, "done");
  ASSERT_EQ(both_result.status, "done");
  EXPECT_GT(travel(scaled_result), 4 * travel(plain_result))
      << "alpha travelled " << travel(scaled_result) << " scaled against " << travel(plain_result);
  EXPECT_NE(both_result.final_loss, scaled_result.final_loss) << "the matrices' scale changed nothing";

  std::atomic<bool> stop{false};
  TrainCallbacks callbacks;
  callbacks.stop = &stop;
  callbacks.on_progress = [&](const Progress& p) {
    if (p.step >= 25) stop = true;
  };
  EXPECT_EQ(run_job(resumed, callbacks).status, "interrupted");
  auto again = run_job(resumed);
  EXPECT_EQ(again.test_acc, both_result.test_acc);
  EXPECT_EQ(again.final_loss, both_result.final_loss);
}

// The stability probe (docs/calibration.md, round 15e) trains a copy first, in RUN_DIR/stability.
// A function that diverges there fails the job, which never trains at its own lr; one that does not
// trains exactly as it would without the probe (the probe draws nothing from the job's randomness).
TEST(Train, StabilityProbeFailsAJobThatDivergesAndLeavesTheRestAlone) {
  auto plain_spec = tiny_job("derf");
  plain_spec.train.steps = 40;
  auto probed_spec = plain_spec;
  probed_spec.train.stability_steps = 20;
  probed_spec.train.stability_lr_scale = 1;  // the job's own first steps, at a constant lr: no divergence
  EXPECT_NE(job_key(plain_spec), job_key(probed_spec));
  auto unbounded_spec = probed_spec;
  unbounded_spec.norm.function = "linear(x)";
  unbounded_spec.train.stability_lr_scale = 3000;  // the synthetic set's tiny model diverges only far out
  auto plain = fresh_dir("stability-plain"), probed = fresh_dir("stability-probed"),
       unbounded = fresh_dir("stability-unbounded");
  prepare_run_dir(plain_spec, plain);
  prepare_run_dir(probed_spec, probed);
  prepare_run_dir(unbounded_spec, unbounded);

  const auto failed = run_job(unbounded);
  EXPECT_EQ(failed.status, "diverged");
  EXPECT_EQ(failed.diverged_step, 0);
  EXPECT_NE(failed.diverged_reason.find("stability probe (width matrices at 3000x the lr, 20 steps): diverged"),
            std::string::npos)
      << failed.diverged_reason;
  EXPECT_EQ(read_result_file(RunDir{unbounded}.result()).status, "diverged");
  EXPECT_EQ(read_result_file(RunDir{unbounded}.root / "stability" / "result.json").status, "diverged");
  EXPECT_EQ(read_result_file(RunDir{unbounded}.result()).cpu, fsearch::cpu_model());  // from the probe's
  EXPECT_FALSE(fs::exists(RunDir{unbounded}.checkpoint())) << "the job itself never trained";
  // Its diagnostics are the probe's, and say so when explained.
  const auto why = explain_diagnostics(failed.diagnostics);
  EXPECT_NE(why.find("; when the stability probe stopped: "), std::string::npos) << why;
  EXPECT_EQ(why.find("after training"), std::string::npos) << why;

  const auto expected = run_job(plain), got = run_job(probed);
  ASSERT_EQ(got.status, "done") << got.diverged_reason;
  EXPECT_EQ(read_result_file(RunDir{probed}.root / "stability" / "result.json").status, "done");
  EXPECT_EQ(got.test_acc, expected.test_acc);
  EXPECT_EQ(got.final_loss, expected.final_loss);
}

// Successive halving pauses a job at a rung and continues it later: the continued job ends exactly
// where the uninterrupted one does (same key, same trajectory), and the probe of early rejection,
// which it passes, changes nothing either.
TEST(Train, PausedJobContinuesToTheUninterruptedResult) {
  auto spec = tiny_job("layernorm");
  auto straight = fresh_dir("unpaused"), paused = fresh_dir("paused");
  prepare_run_dir(spec, straight);
  spec.search.reject = true;
  spec.search.pause_at = 0.3;  // step 36: between two checkpoints, so the pause saves its own
  prepare_run_dir(spec, paused);
  auto expected = run_job(straight);
  auto first = run_job(paused);
  EXPECT_EQ(first.status, "paused");
  EXPECT_EQ(first.steps, 36);
  EXPECT_EQ(first.total_steps, 120);
  EXPECT_GT(first.test_acc, 0.1);  // its score at the rung
  EXPECT_EQ(read_result_file(RunDir{paused}.result()).status, "paused");
  // Run again before any promotion (a worker a killed scheduler lost track of, or a second one that
  // waited for it): still paused at its rung with the same score, not trained past it.
  auto again = run_job(paused);
  EXPECT_EQ(again.status, "paused");
  EXPECT_EQ(again.steps, 36);
  EXPECT_EQ(again.test_acc, first.test_acc);
  set_pause_at(paused, 0);
  EXPECT_EQ(job_key(read_job_file(RunDir{paused}.job().string())), job_key(spec));
  auto continued = run_job(paused);
  EXPECT_EQ(continued.status, "done");
  EXPECT_EQ(continued.steps, 120);
  EXPECT_EQ(continued.test_acc, expected.test_acc);
  EXPECT_EQ(continued.final_loss, expected.final_loss);
}

// halving.cooldown scores a rung on an annealed branch: after the pause's checkpoint the model trains
// on (the next steps' batches, the lr falling linearly to 0) and is scored there; nothing of the
// branch is saved, so the job, once promoted, still ends exactly where the uninterrupted one does.
TEST(Train, ACooldownScoresAnAnnealedBranchThatTheJobNeverKeeps) {
  auto spec = tiny_job("layernorm");
  auto straight = fresh_dir("straight"), plain = fresh_dir("paused-plain"), cooled = fresh_dir("paused-cooled");
  prepare_run_dir(spec, straight);
  spec.search.pause_at = 0.3;  // step 36
  prepare_run_dir(spec, plain);
  spec.search.cooldown = 0.25;  // 9 branch steps
  prepare_run_dir(spec, cooled);
  EXPECT_EQ(cooldown_steps(spec, 120), 9);
  auto expected = run_job(straight);
  auto unannealed = run_job(plain);
  ASSERT_EQ(unannealed.status, "paused");
  EXPECT_EQ(unannealed.cooldown_steps, 0);

  auto first = run_job(cooled);
  ASSERT_EQ(first.status, "paused");
  EXPECT_EQ(first.steps, 36);  // the job's own progress: the branch is not part of it
  EXPECT_EQ(first.cooldown_steps, 9);
  EXPECT_EQ(read_result_file(RunDir{cooled}.result()).cooldown_steps, 9);
  EXPECT_NE(first.test_loss, unannealed.test_loss);  // scored on the branch, not on the paused model
  bool logged = false;
  std::ifstream events(RunDir{cooled}.events());
  for (std::string line; std::getline(events, line);) {
    auto e = nlohmann::json::parse(line);
    if (e.value("type", "") != "cooldown") continue;
    logged = true;
    EXPECT_EQ(e.value("step", 0), 36);
    EXPECT_EQ(e.value("steps", 0), 9);
    EXPECT_NEAR(e.value("lr_from", 0.0), detail::learning_rate(spec.train, 36, 120), 1e-12);
  }
  EXPECT_TRUE(logged);
  // Run again before a promotion: the same branch from the same checkpoint, the same score.
  auto again = run_job(cooled);
  EXPECT_EQ(again.status, "paused");
  EXPECT_EQ(again.test_loss, first.test_loss);

  set_pause_at(cooled, 0);
  auto continued = run_job(cooled);
  EXPECT_EQ(continued.status, "done");
  EXPECT_EQ(continued.steps, 120);
  EXPECT_EQ(continued.cooldown_steps, 0);
  EXPECT_EQ(continued.test_acc, expected.test_acc);
  EXPECT_EQ(continued.final_loss, expected.final_loss);
}

// Two trainers of one run directory never run at once: the second waits for the first, says so,
// and a stop request ends its wait without touching the directory.
TEST(Train, SecondTrainerOfADirectoryWaitsForTheFirst) {
  auto dir = fresh_dir("locked");
  prepare_run_dir(tiny_job(), dir);
  fsearch::jobs::RunLock first(dir);
  std::atomic<bool> stop{false};
  std::string message;
  TrainCallbacks callbacks;
  callbacks.stop = &stop;
  callbacks.on_message = [&](const std::string& text) {
    message = text;
    stop = true;
  };
  auto result = run_job(dir, callbacks);
  EXPECT_EQ(result.status, "interrupted");
  EXPECT_NE(message.find("process " + std::to_string(::getpid()) + " is training"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(RunDir{dir}.result()));
  EXPECT_FALSE(fs::exists(RunDir{dir}.checkpoint()));
}

// EvoNorm-style rejection: a function that passes nothing on (constant output) never learns; the
// probe stops it with the reason, as a result, and keeps its checkpoint.
TEST(Train, EarlyRejectionStopsAJobThatDoesNotLearn) {
  auto spec = tiny_job();
  spec.norm.kind = functions::NormKind::Pointwise;
  spec.norm.function = "0 * x";
  spec.search.reject = true;
  auto dir = fresh_dir("reject");
  prepare_run_dir(spec, dir);
  auto result = run_job(dir);
  EXPECT_EQ(result.status, "rejected");
  EXPECT_EQ(result.diverged_step, 50);  // ceil(0.1 x 120) = 12 is too early to judge: kMinProbeSteps
  EXPECT_EQ(result.steps, 50);
  EXPECT_NE(result.diverged_reason.find("still"), std::string::npos) << result.diverged_reason;
  EXPECT_EQ(read_result_file(RunDir{dir}.result()).status, "rejected");
  EXPECT_TRUE(fs::exists(RunDir{dir}.checkpoint()));
  // The same job without the probe trains its whole budget (to chance).
  spec.search.reject = false;
  auto unprobed = fresh_dir("unprobed");
  prepare_run_dir(spec, unprobed);
  auto full = run_job(unprobed);
  EXPECT_EQ(full.status, "done");
  EXPECT_LT(full.test_acc, 0.2);
}

TEST(Train, ARunDirectoryHoldsOneJob) {
  auto dir = fresh_dir("one-job");
  prepare_run_dir(tiny_job(), dir);
  prepare_run_dir(tiny_job(), dir);  // the same job again is fine
  auto other = tiny_job();
  other.seed = 5;
  EXPECT_THROW(prepare_run_dir(other, dir), ConfigError);
  EXPECT_THROW(run_job(fresh_dir("empty")), ConfigError);
}

}  // namespace
}  // namespace fsearch::trainers
