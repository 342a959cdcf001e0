#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fsearch/core/error.h"
#include "fsearch/jobs/job_spec.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::jobs {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  static const fsearch::testing::TempDir dir("job-spec-tests");  // removed when the tests end
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(JobSpec, ReadsTheShippedProxies) {
  for (const char* name : {"vit-tiny", "vit-small"}) {
    JobSpec spec;
    read_proxy_file(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + name + ".yaml", spec);
    EXPECT_EQ(spec.model.name, name);
    EXPECT_EQ(spec.data.dataset, "fashion-mnist");
    EXPECT_GT(spec.train.epochs, 0);
  }
}

TEST(JobSpec, UnknownKeyNamesFileLineFieldAndNearestKey) {
  auto file = write_temp("bad-key.yaml", "model:\n  width: 64\n  dpeth: 4\n");
  JobSpec spec;
  try {
    read_proxy_file(file, spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(file + ":3:3: model.dpeth: unknown key"), std::string::npos)
        << e.what();
    EXPECT_NE(e.hint().find("did you mean depth"), std::string::npos) << e.hint();
  }
}

TEST(JobSpec, WrongTypesAndValuesAreErrors) {
  JobSpec spec;
  auto type = write_temp("bad-type.yaml", "train:\n  lr: fast\n");
  try {
    read_proxy_file(type, spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(":2:7: train.lr: expected a number, got 'fast'"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_proxy_file(write_temp("bad-patch.yaml", "model:\n  patch: 5\n"), spec), ConfigError);
  EXPECT_THROW(read_proxy_file(write_temp("bad-pool.yaml", "model:\n  pool: max\n"), spec), ConfigError);
  EXPECT_THROW(read_proxy_file(write_temp("bad-fn.yaml", "norm:\n  function: erf(\n"), spec), ConfigError);
  EXPECT_THROW(read_proxy_file(write_temp("both.yaml", "train:\n  steps: 10\n  epochs: 2\n"), spec),
               ConfigError);
  EXPECT_THROW(read_proxy_file(write_temp("syntax.yaml", "model: [\n"), spec), ConfigError);
  EXPECT_THROW(read_proxy_file("/nonexistent/proxy.yaml", spec), ConfigError);
}

TEST(JobSpec, JobJsonRoundTripKeepsTheKey) {
  JobSpec spec;
  spec.norm = functions::norm_preset("derf");
  spec.train.steps = 123;
  spec.seed = 7;
  auto file = write_temp("job.json", to_json_text(spec));
  auto back = read_job_file(file);
  EXPECT_EQ(job_key(back), job_key(spec));
  EXPECT_EQ(back.train.steps, 123);
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(back.norm.shift, functions::ShiftMode::Scalar);
}

TEST(JobSpec, KeyCoversWhatChangesTheResultOnly) {
  JobSpec a;
  a.norm.function = "-(-erf(x))";
  JobSpec b = a;
  b.norm.function = "erf(x)";
  b.runtime.device = "cuda";
  b.runtime.threads = 8;
  b.runtime.log_every = 3;
  b.data.path = "/elsewhere";
  EXPECT_EQ(job_key(a), job_key(b));  // same function, same training; only how and where it runs differs
  JobSpec c = a;
  c.train.lr *= 2;
  EXPECT_NE(job_key(a), job_key(c));
  JobSpec d = a;
  d.seed = 1;
  EXPECT_NE(job_key(a), job_key(d));
  JobSpec e = a;
  e.norm.shift = functions::ShiftMode::Vector;
  EXPECT_NE(job_key(a), job_key(e));
}

TEST(JobSpec, SamplerEtaIsReadCheckedAndKeyedOnlyWhenSet) {
  JobSpec spec;
  spec.norm = functions::norm_preset("layernorm");
  read_proxy_file(write_temp("eta.yaml", "model:\n  proxy: dit\ndiffusion:\n  sample_eta: 1\n"), spec);
  EXPECT_EQ(spec.diffusion.sample_eta, 1.0);
  auto back = read_job_file(write_temp("eta-job.json", to_json_text(spec)));
  EXPECT_EQ(back.diffusion.sample_eta, 1.0);
  EXPECT_EQ(job_key(back), job_key(spec));
  JobSpec plain = spec;
  plain.diffusion.sample_eta = 0;
  EXPECT_NE(job_key(plain), job_key(spec));
  // The default stays out of job.json, so DiT jobs planned before the field keep their keys.
  EXPECT_EQ(to_json_text(plain).find("sample_eta"), std::string::npos);
  try {
    read_proxy_file(write_temp("bad-eta.yaml", "diffusion:\n  sample_eta: 2\n"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("diffusion.sample_eta: must be in [0, 1]"), std::string::npos)
        << e.what();
  }
}

TEST(JobSpec, EmaWarmupIsReadAndKeyedOnlyWhenSet) {
  JobSpec spec;
  spec.norm = functions::norm_preset("layernorm");
  read_proxy_file(write_temp("ema.yaml", "model:\n  proxy: dit\ntrain:\n  ema: 0.999\n  ema_warmup: true\n"), spec);
  EXPECT_TRUE(spec.train.ema_warmup);
  auto back = read_job_file(write_temp("ema-job.json", to_json_text(spec)));
  EXPECT_TRUE(back.train.ema_warmup);
  EXPECT_EQ(job_key(back), job_key(spec));
  JobSpec plain = spec;
  plain.train.ema_warmup = false;
  EXPECT_NE(job_key(plain), job_key(spec));
  // The default stays out of job.json, so jobs planned before the field keep their keys.
  EXPECT_EQ(to_json_text(plain).find("ema_warmup"), std::string::npos);
  try {
    read_proxy_file(write_temp("bad-ema.yaml", "train:\n  ema_warmup: 3\n"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.ema_warmup"), std::string::npos) << e.what();
  }
}

TEST(JobSpec, TrainLimitIsReadCheckedAndKeyedOnlyWhenSet) {
  JobSpec spec;
  spec.norm = functions::norm_preset("layernorm");
  read_proxy_file(write_temp("limit.yaml", "data:\n  train_limit: 6000\n"), spec);
  EXPECT_EQ(spec.data.train_limit, 6000);
  auto back = read_job_file(write_temp("limit-job.json", to_json_text(spec)));
  EXPECT_EQ(back.data.train_limit, 6000);
  EXPECT_EQ(job_key(back), job_key(spec));
  JobSpec all = spec;
  all.data.train_limit = 0;
  EXPECT_NE(job_key(all), job_key(spec));
  // The default stays out of job.json, so jobs planned before the field keep their keys.
  EXPECT_EQ(to_json_text(all).find("train_limit"), std::string::npos);
  try {
    read_proxy_file(write_temp("bad-limit.yaml", "data:\n  train_limit: -5\n"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad-limit.yaml:2:16: data.train_limit: must be 0"), std::string::npos)
        << e.what();
  }
}

// The stability probe is the ViT proxy's (calibration round 15): a DiT proxy file that sets it is
// refused with its line.
TEST(JobSpec, StabilityProbeIsForTheViTOnly) {
  JobSpec spec;
  read_proxy_file(write_temp("vit-stab.yaml", "train:\n  stability_steps: 150\n  stability_lr_scale: 8\n"), spec);
  EXPECT_EQ(spec.train.stability_steps, 150);
  EXPECT_EQ(spec.train.stability_lr_scale, 8);
  try {
    read_proxy_file(write_temp("dit-stab.yaml", "model:\n  proxy: dit\ntrain:\n  stability_steps: 150\n"), spec);
    FAIL() << "a DiT proxy with a stability probe";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dit-stab.yaml:4:20: train.stability_steps: the stability probe is for the ViT"),
              std::string::npos)
        << e.what();
  }
}

// The calibration's lr multipliers (docs/calibration.md, rounds 11 and 15): read from a proxy file,
// checked with file:line:col, and keyed only when set, so jobs planned before them keep their keys.
TEST(JobSpec, LrScalesAreCheckedAndKeyedOnlyWhenSet) {
  for (auto [name, member] : {std::pair{"alpha_lr_scale", &TrainSpec::alpha_lr_scale},
                              std::pair{"matrix_lr_scale", &TrainSpec::matrix_lr_scale}}) {
    SCOPED_TRACE(name);
    JobSpec spec;
    spec.norm = functions::norm_preset("derf");
    const auto plain_key = job_key(spec);
    read_proxy_file(write_temp("lr-scale.yaml", std::string("train:\n  ") + name + ": 66\n"), spec);
    EXPECT_EQ(spec.train.*member, 66);
    EXPECT_NE(job_key(spec), plain_key);
    EXPECT_EQ(job_key(read_job_file(write_temp("lr-scale-job.json", to_json_text(spec)))), job_key(spec));
    spec.train.*member = 1;
    EXPECT_EQ(job_key(spec), plain_key);
    EXPECT_EQ(to_json_text(spec).find(name), std::string::npos);
    try {
      read_proxy_file(write_temp("bad-lr-scale.yaml", std::string("train:\n  ") + name + ": 0\n"), spec);
      FAIL();
    } catch (const ConfigError& e) {
      const std::string where = "bad-lr-scale.yaml:2:" + std::to_string(5 + std::string(name).size()) + ": train." + name;
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

// docs/proxy-files.md documents every key a proxy file may hold, and says rightly whether it is
// part of the job key.
TEST(JobSpec, ProxyFileKeysAreAllDocumented) {
  std::ifstream in(std::string(FSEARCH_SOURCE_DIR) + "/docs/proxy-files.md");
  ASSERT_TRUE(in) << "docs/proxy-files.md is missing";
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  const auto keys = proxy_file_keys();
  EXPECT_GT(keys.size(), 40u);
  for (const auto& k : keys) {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const std::string& r) {
      return r.rfind("| `" + k.key + "`", 0) == 0 || r.find(", `" + k.key + "` |") != std::string::npos;
    });
    ASSERT_NE(row, rows.end()) << k.key << " is not documented in docs/proxy-files.md";
    const bool says_keyed = row->find("| yes |") != std::string::npos || row->find("| unless default |") != std::string::npos;
    EXPECT_EQ(says_keyed, k.keyed) << k.key << ": " << *row;
  }
}

TEST(JobSpec, MixupAndCutMixAreCheckedKeyedOnlyWhenSetAndRefusedForTheDiT) {
  JobSpec spec;
  spec.norm = functions::norm_preset("derf");
  const auto plain_key = job_key(spec);
  read_proxy_file(write_temp("mix.yaml", "data:\n  mixup: 0.8\n  cutmix: 1.0\n"), spec);
  EXPECT_EQ(spec.data.mixup, 0.8);
  EXPECT_EQ(spec.data.cutmix, 1.0);
  EXPECT_NE(job_key(spec), plain_key);
  EXPECT_EQ(job_key(read_job_file(write_temp("mix-job.json", to_json_text(spec)))), job_key(spec));
  spec.data.mixup = spec.data.cutmix = 0;
  EXPECT_EQ(job_key(spec), plain_key);  // jobs planned before the fields keep their keys
  try {
    read_proxy_file(write_temp("bad-mix.yaml", "data:\n  cutmix: -1\n"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad-mix.yaml:2:11: data.cutmix: must be 0 (off)"), std::string::npos)
        << e.what();
  }
  try {
    read_proxy_file(write_temp("dit-mix.yaml", "model:\n  proxy: dit\ndata:\n  mixup: 0.8\n"), spec);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dit-mix.yaml:4:10: data.mixup: the DiT proxy does not mix"),
              std::string::npos)
        << e.what();
  }
}

TEST(JobSpec, BudgetsAndSteps) {
  JobSpec spec;
  spec.train.epochs = 2;
  spec.train.batch_size = 100;
  EXPECT_EQ(total_steps(spec, 60000), 1200);
  apply_budget(spec, "smoke");
  EXPECT_EQ(total_steps(spec, 60000), 30);
  EXPECT_EQ(spec.train.budget, "smoke");
  EXPECT_THROW(apply_budget(spec, "tiny"), ConfigError);
}

// vit-tiny carries the stability probe (docs/calibration.md, round 15); the quick budget keeps it,
// a smoke run has none, and its job is keyed as if the proxy had never set it.
TEST(JobSpec, SmokeBudgetDropsTheStabilityProbeAndQuickKeepsIt) {
  JobSpec plain;
  read_proxy_file(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml", plain);
  plain.norm = functions::norm_preset("derf");
  ASSERT_GT(plain.train.stability_steps, 0);
  JobSpec quick = plain;
  apply_budget(quick, "quick");
  EXPECT_EQ(quick.train.stability_steps, plain.train.stability_steps);
  EXPECT_EQ(quick.train.stability_lr_scale, plain.train.stability_lr_scale);
  JobSpec smoke = plain;
  apply_budget(smoke, "smoke");
  EXPECT_EQ(smoke.train.stability_steps, 0);
  JobSpec unprobed = plain;
  unprobed.train.stability_steps = 0;
  unprobed.train.stability_lr_scale = TrainSpec{}.stability_lr_scale;
  apply_budget(unprobed, "smoke");
  EXPECT_EQ(job_key(smoke), job_key(unprobed));
  EXPECT_NE(job_key(quick), job_key(smoke));
}


// Job keys are how a database finds a job's result again: the committed result databases
// (docs/results/) and every user's sweeps depend on these exact values. A change to how a job is
// written or keyed must leave them as they are. (Values computed at 657bf6f, before the fields
// were declared once.)
TEST(JobSpec, KeysOfTheShippedProxiesNeverChange) {
  auto keyed = [](const std::string& proxy, const std::string& preset, auto&& change) {
    JobSpec spec;
    read_proxy_file(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + proxy + ".yaml", spec);
    spec.norm = functions::norm_preset(preset);
    change(spec);
    // job.json read back keys the same job
    EXPECT_EQ(job_key(read_job_file(write_temp("golden-" + proxy + ".json", to_json_text(spec)))),
              job_key(spec));
    return job_key(spec);
  };
  auto same = [](JobSpec&) {};
  // vit-tiny as it was before it carried the stability probe (round 15) and before its patch
  // embedding's init gain (round 19): those keys stay valid.
  auto unprobed = [](JobSpec& s) {
    s.train.stability_steps = 0;
    s.train.stability_lr_scale = TrainSpec{}.stability_lr_scale;
    s.model.embed_gain = 1;
  };
  auto ungained = [](JobSpec& s) { s.model.embed_gain = 1; };
  // The DiT proxies as they were before their EMA warmup (rounds 22-23): those keys stay valid.
  auto unwarmed = [](JobSpec& s) { s.train.ema_warmup = false; };
  const std::vector<std::pair<std::string, std::string>> keys = {
      {keyed("vit-tiny", "layernorm", unprobed), "8d7ad3f6b7aeb3b1"},
      {keyed("vit-tiny", "derf", unprobed), "58df290c25b2f9d9"},
      {keyed("vit-tiny", "layernorm", ungained), "50532d8fd3d2d5fc"},  // docs/results/reference-r16/reference.db
      {keyed("vit-tiny", "layernorm", same), "4d1d14caf0cef162"},  // with its probe and embed gain: docs/results/reference.db
      {keyed("vit-small", "dyt", same), "b1191355a672a30e"},
      {keyed("dit-b", "derf", unwarmed), "f89e43396377d604"},  // in docs/results/calibration.db
      {keyed("dit-l", "layernorm", unwarmed), "bf60bb67773175b2"},
      {keyed("dit-b", "derf", same), "2c77dc426852771e"},  // with the EMA warmup
      {keyed("dit-l", "layernorm", same), "60841aa1cb672bb7"},
      {keyed("vit-tiny", "derf",
             [&](JobSpec& s) {
               unprobed(s);
               s.norm.function = "hshift(erf(x), 0.5)";
               s.norm.shift = functions::ShiftMode::None;
               s.train.steps = 468;
               s.seed = 2;
               s.train.lr = 4e-3;
               s.runtime.eval_limit = 500;
               s.runtime.eval_train_loss = true;
               s.data.train_limit = 1000;
               s.model.init_std = 0.05;
               s.train.schedule = "constant";
             }),
       "c923a7499c0f0f82"},
      {keyed("dit-b", "dyt", [&](JobSpec& s) { unwarmed(s); s.diffusion.sample_eta = 1; s.train.epochs = 2; }), "4170f45241c9dd3e"},
      {keyed("vit-tiny", "rmsnorm", [&](JobSpec& s) { ungained(s); apply_budget(s, "smoke"); }), "5308a3aa1ece2e22"},
      {keyed("vit-tiny", "rmsnorm", [](JobSpec& s) { apply_budget(s, "smoke"); }), "0a5f8c12dc7addd4"},
  };
  for (const auto& [got, want] : keys) EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace fsearch::jobs
