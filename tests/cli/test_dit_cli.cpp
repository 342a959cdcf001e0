// The DiT proxy through the real binary: a smoke-budget job on the real Fashion-MNIST writes FID,
// samples and a grid; `fsearch sample` resamples a run; an interrupted job resumes to the same
// result; `fsearch fid` behaves as a metric; and a sweep over a DiT proxy with an lr grid reports
// FID cells.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

const std::string kData = "/usr/share/datasets/fashion-mnist";

// Every test shares one feature cache in the build tree: the CNN is trained once per build.
class DiTProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("FSEARCH_CACHE_DIR",
             (fs::path(FSEARCH_BINARY).parent_path().parent_path() / "test-cache").c_str(), 1);
    dir_ = fsearch::testing::program_temp_dir() / ("dit-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  fs::path dir_;
};

std::string proxy(const char* name) {
  return std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/" + name + ".yaml";
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double fid_of(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("FID ([0-9.]+)"))) return NAN;
  return std::stod(m[1]);
}

TEST_F(DiTProcess, SmokeJobOnFashionMnistRecordsFidSamplesAndGrid) {
  auto out = (dir_ / "run").string();
  auto r = run_fsearch("--threads 2 train --proxy " + proxy("dit-b") + " --norm derf --budget smoke --out " +
                       out + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto result = read_json(fs::path(out) / "result.json");
  EXPECT_EQ(result["status"], "done");
  ASSERT_TRUE(result["fid"].is_number()) << result.dump(2);
  EXPECT_GT(result["fid"].get<double>(), 0);
  EXPECT_EQ(result["fid_samples"], 100);  // smoke: 10 per class
  EXPECT_EQ(result["fid_features"].get<std::string>().rfind("cnn:", 0), 0u) << result["fid_features"];
  EXPECT_TRUE(result["final_loss"].is_number());
  // Measured without --eval-train-loss: every DiT job has it (Table 13 reads Table 7's jobs).
  ASSERT_TRUE(result["eval_train_loss"].is_number()) << result.dump(2);
  EXPECT_GT(result["eval_train_loss"].get<double>(), 0);
  EXPECT_GT(result["sample_images_per_sec"].get<double>(), 0);
  // Diagnostics as the ViT's: per norm site (no affine parameters in a DiT block, but alpha and s).
  for (const char* when : {"init", "final"}) {
    const auto& p = result["diagnostics"][when];
    ASSERT_GT(p["sites"].size(), 0u) << result.dump(2);
    EXPECT_TRUE(p["sites"][0].contains("alpha")) << p.dump();
    EXPECT_TRUE(p["frac_dead_max"].is_number()) << p.dump();
    EXPECT_TRUE(p["attn_logit_max"].is_number()) << p.dump();
  }
  // The loss at seven timesteps over as many test images as it samples (at most 512), with the
  // trained and the EMA weights, and unconditionally and guided (as sampled) with the EMA weights.
  const auto& by_t = result["diagnostics"]["loss_by_timestep"];
  ASSERT_TRUE(by_t.is_object()) << result["diagnostics"].dump(2);
  EXPECT_EQ(by_t["t"], nlohmann::json({0, 10, 30, 100, 300, 599, 999}));
  EXPECT_EQ(by_t["images"], 100);
  for (const char* weights : {"trained", "ema", "unconditional", "guided"}) {
    ASSERT_EQ(by_t[weights].size(), 7u) << by_t.dump();
    for (const auto& loss : by_t[weights]) EXPECT_TRUE(loss.is_number() && loss.get<double>() > 0) << by_t.dump();
  }
  EXPECT_NE(by_t["trained"], by_t["ema"]);
  EXPECT_EQ(by_t["cfg_scale"], 3.0);  // dit-b's guidance
  EXPECT_NE(r.out.find("loss by timestep"), std::string::npos) << r.out;
  EXPECT_EQ(fs::file_size(fs::path(out) / "samples-images-idx3-ubyte"), 16u + 100 * 28 * 28);
  std::ifstream png(fs::path(out) / "samples.png", std::ios::binary);
  std::string signature(8, '\0');
  png.read(signature.data(), 8);
  EXPECT_EQ(signature, "\x89PNG\r\n\x1a\n");
  EXPECT_NE(r.out.find("FID"), std::string::npos) << r.out;

  // `fsearch fid` on the run directory reproduces the recorded number.
  auto again = run_fsearch("fid --real test --fake " + out);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NEAR(fid_of(again.out), result["fid"].get<double>(), 1e-3 * result["fid"].get<double>())
      << again.out;
}

// `fsearch sample` loads the EMA weights from the checkpoint: with the job's own settings it
// reproduces the run's samples byte for byte and its FID; other settings go to their own folder.
TEST_F(DiTProcess, SampleReproducesTheRunsSamplesAndTakesOtherSettings) {
  auto out = fs::path(dir_ / "run");
  auto r = run_fsearch("--threads 2 train --proxy " + proxy("dit-b") +
                       " --norm layernorm --budget smoke --out " + out.string() + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto result = read_json(out / "result.json");

  auto same = run_fsearch("--threads 2 sample --run " + out.string());
  ASSERT_EQ(same.exit_code, 0) << same.err;
  // Named after the sampler settings: smoke's 10 steps, the proxy's guidance and eta.
  const auto diffusion = read_json(out / "job.json")["diffusion"];
  std::ostringstream name;
  name << "samples-steps" << diffusion["sample_steps"].get<int>() << "-cfg"
       << diffusion["cfg_scale"].get<double>();
  if (diffusion.value("sample_eta", 0.0) > 0) name << "-eta" << diffusion["sample_eta"].get<double>();
  name << "-seed0";
  ASSERT_EQ(diffusion["sample_steps"], 10);
  const auto same_dir = out / name.str();
  EXPECT_NE(same.out.find(same_dir.string()), std::string::npos) << same.out;
  ASSERT_TRUE(fs::exists(same_dir / "samples-images-idx3-ubyte")) << same.out;
  EXPECT_NE(same.out.find("checkpoint step 30"), std::string::npos) << same.out;  // the final weights
  EXPECT_TRUE(bytes_of(same_dir / "samples-images-idx3-ubyte") ==
              bytes_of(out / "samples-images-idx3-ubyte"));
  EXPECT_TRUE(fs::exists(same_dir / "samples.png"));
  EXPECT_NEAR(fid_of(same.out), result["fid"].get<double>(), 1e-3) << same.out;  // printed to 3 decimals

  auto guided =
      run_fsearch("--threads 2 sample --run " + out.string() +
                  " --cfg-scale 4 --per-class 2 --steps 5 --no-fid --out " + (dir_ / "guided").string());
  ASSERT_EQ(guided.exit_code, 0) << guided.err;
  EXPECT_EQ(guided.out.find("FID"), std::string::npos) << guided.out;
  const auto images = bytes_of(dir_ / "guided" / "samples-images-idx3-ubyte");
  ASSERT_EQ(images.size(), 16u + 20 * 28 * 28);  // 2 per class
  // Other steps and guidance change the first image of class 0 (same noise seed).
  EXPECT_TRUE(images.substr(16, 784) != bytes_of(out / "samples-images-idx3-ubyte").substr(16, 784));
  // The run's own files are untouched.
  EXPECT_EQ(read_json(out / "result.json"), result);

  // The trained weights instead of the EMA weights: the same noise, other images, a folder of their own.
  auto trained = run_fsearch("--threads 2 sample --run " + out.string() + " --weights trained --no-fid");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto trained_dir = out / (name.str() + "-trained");
  EXPECT_NE(trained.out.find("trained weights of checkpoint step 30"), std::string::npos) << trained.out;
  ASSERT_TRUE(fs::exists(trained_dir / "samples-images-idx3-ubyte")) << trained.out;
  EXPECT_TRUE(bytes_of(trained_dir / "samples-images-idx3-ubyte") != bytes_of(out / "samples-images-idx3-ubyte"));
  auto typo = run_fsearch("sample --run " + out.string() + " --weights emma");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("--weights"), std::string::npos) << typo.err;

  auto missing = run_fsearch("sample --run " + (dir_ / "nothing").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no job.json"), std::string::npos) << missing.err;
}

TEST_F(DiTProcess, InterruptedJobResumesToTheSameResult) {
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{
        "--threads", "2",         "train",    "--proxy", proxy("dit-b"), "--norm", "layernorm",
        "--dataset", "synthetic", "--budget", "smoke",   "--steps",      "40",     "--checkpoint-every",
        "10",        "--out",     out,        "--quiet"};
  };
  auto straight = (dir_ / "straight").string();
  ASSERT_EQ(wait_for(spawn_fsearch(args(straight), straight + ".log")), 0);
  auto expected = read_json(fs::path(straight) / "result.json");

  auto killed = (dir_ / "killed").string();
  auto resumed =
      kill_then_resume(args(killed), killed, [&] { return fs::exists(fs::path(killed) / "checkpoint.pt"); });
  for (const char* field : {"final_loss", "best_loss", "steps", "fid", "fid_features"}) {
    EXPECT_EQ(resumed[field], expected[field]) << field;
  }
}

TEST_F(DiTProcess, FidIsSmallForRealDataAndGrowsWithBlurAndNoise) {
  auto fid = [&](const std::string& args) {
    auto r = run_fsearch("--threads 2 fid --real test " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return fid_of(r.out);
  };
  const double real = fid("--fake train --limit 10000");
  double previous = real;
  for (const char* blur : {"0.7", "1.2", "2.0"}) {
    const double value = fid("--fake test --blur " + std::string(blur));
    EXPECT_GT(value, previous) << "blur " << blur;
    previous = value;
  }
  previous = real;
  for (const char* noise : {"0.05", "0.1", "0.2"}) {
    const double value = fid("--fake test --noise " + std::string(noise));
    EXPECT_GT(value, previous) << "noise " << noise;
    previous = value;
  }
  auto bad = run_fsearch("fid --real test --fake " + (dir_ / "nothing-here").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("nothing-here"), std::string::npos) << bad.err;
}

// A sweep over the DiT-B proxy plans one job per learning rate of its lr_grid, and the report's
// FID column shows the best of them.
TEST_F(DiTProcess, SweepPlansTheLrGridAndReportsFid) {
  auto space = dir_ / "space.yaml";
  std::ofstream(space) << "name: table7\n"
                          "primitives: [\"erf(x)\"]\n"
                          "require: []\n"
                          "baselines: [layernorm]\n"
                          "proxies: ["
                       << proxy("dit-b")
                       << "]\n"
                          "seeds: [0]\n"
                          "layer: {shift: [scalar], alpha_init: [0.5]}\n";
  auto db = (dir_ / "t.db").string();
  auto run = run_fsearch("run --space " + space.string() + " --db " + db + " --budget smoke --workers 2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto status = run_fsearch("status --db " + db);
  EXPECT_NE(status.out.find("jobs done 6 |"), std::string::npos)
      << status.out;  // 2 models x 3 learning rates
  auto report = run_fsearch("report --db " + db + " --tables 7 --out " + (dir_ / "reports").string());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  std::ifstream in(dir_ / "reports" / "table7.md");
  std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // LayerNorm and erf rows: a number in the DiT-B column, then the paper's, e.g. "| 123.45 (64.93) |",
  // marked " §" when the best of the three rates was the lowest or the highest (with its footnote).
  EXPECT_TRUE(std::regex_search(
      md, std::regex(R"(\| LayerNorm \| — \([0-9.]+%\) \| (\*\*)?[0-9]+\.[0-9]{2}( §)?(\*\*)? \(64\.93\) \|)")))
      << md;
  EXPECT_TRUE(std::regex_search(
      md, std::regex(R"(\| erf\(x\) \| — \([0-9.]+%\) \| (\*\*)?[0-9]+\.[0-9]{2}( §)?(\*\*)? \(63\.23\) \|)")))
      << md;
  EXPECT_NE(md.find("in the features of `cnn:"), std::string::npos) << md;
  EXPECT_EQ(md.find(" § (") != std::string::npos || md.find(" §** (") != std::string::npos,
            md.find("§: the best result of at least one seed") != std::string::npos)
      << md;
}


// A database's FIDs keep to one extractor: a run whose workers would score with another machine's
// CNN (played here by rewriting the recorded weights hash) is refused before anything is recorded,
// names both and the cache; --any-fid-extractor runs anyway, and the database's own extractor
// (this build's cache) continues it.
// Ctrl-C while `fsearch run` trains its FID extractor (minutes, in a child process that has the
// run's signal handlers): the run stops within moments, ends the child, records nothing and exits
// 75; the same command then starts afresh.
TEST_F(DiTProcess, CtrlCWhileTheExtractorTrainsStopsTheRunBeforeItRecordsAnything) {
  const auto cache = dir_ / "empty-cache";  // no extractor yet: the run trains one
  ::setenv("FSEARCH_CACHE_DIR", cache.c_str(), 1);
  auto space = dir_ / "space.yaml";
  std::ofstream(space) << "name: stop\nprimitives: []\nrequire: []\nbaselines: [layernorm]\nproxies: ["
                       << proxy("dit-b") << "]\nseeds: [0]\n";
  const auto db = (dir_ / "stop.db").string();
  const auto log = (dir_ / "run.log").string();
  const int pid = spawn_fsearch({"run", "--space", space.string(), "--db", db, "--budget", "smoke"}, log);
  ASSERT_TRUE(wait_until([&] { return file_text(log).find("training the FID feature CNN once") != std::string::npos; }))
      << file_text(log);
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid), 75) << file_text(log);
  EXPECT_NE(file_text(log).find("interrupted while the FID extractor trained, before anything of this run was "
                                "recorded"),
            std::string::npos)
      << file_text(log);
  auto status = run_fsearch("status --db " + db);
  EXPECT_EQ(status.out.find("sweep stop"), std::string::npos) << status.out;  // nothing recorded
  EXPECT_EQ(status.out.find("in use"), std::string::npos) << status.out;      // the lock released
  // The extractor's child (a fork: the same command line) is gone, its training ended unfinished.
  auto a_process_runs = [&] {
    for (const auto& entry : fs::directory_iterator("/proc")) {
      const auto name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmdline = file_text((entry.path() / "cmdline").string());
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find(db) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_FALSE(a_process_runs());
  bool weights = false;
  for (const auto& entry : fs::directory_iterator(cache)) weights |= entry.path().extension() == ".pt";
  EXPECT_FALSE(weights);
}

TEST_F(DiTProcess, ARunKeepsTheDatabasesFidExtractor) {
  auto space = dir_ / "space.yaml";
  std::ofstream(space) << "name: pin\n"
                          "primitives: []\n"
                          "require: []\n"
                          "baselines: [layernorm]\n"
                          "proxies: ["
                       << proxy("dit-b") << "]\n"
                          "seeds: [0]\n";
  const auto db = (dir_ / "pin.db").string();
  auto sql = [&](const std::string& query) {
    const auto out = dir_ / "sql.txt";
    EXPECT_EQ(std::system(("sqlite3 " + db + " \"" + query + "\" > " + out.string()).c_str()), 0)
        << "needs sqlite3 (scripts/setup.sh)";
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  };
  // A new database: the run pins its workers to the scheduler's own extractor (workers on machines
  // with another cache would refuse to score). The stand-in worker notes what it was handed.
  const auto wrapper = dir_ / "worker.sh";
  const auto handed = dir_ / "pin.json";
  std::ofstream(wrapper) << "#!/bin/sh\nprintf '%s' \"$FSEARCH_FID_PIN\" > " << handed.string() << "\nexec "
                         << FSEARCH_BINARY << " \"$@\"\n";
  fs::permissions(wrapper, fs::perms::owner_all);
  auto first = run_fsearch("run --space " + space.string() + " --db " + db + " --budget smoke --workers 2" +
                           " --worker-binary " + wrapper.string());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string ours = sql("SELECT DISTINCT fid_features FROM results");
  ASSERT_EQ(ours.rfind("cnn:", 0), 0u) << ours;  // one extractor, this build's cache's
  ASSERT_EQ(sql("SELECT count(*) FROM results WHERE fid_features <> ''"), "3");  // dit-b's three lrs
  EXPECT_EQ(read_json(handed), (nlohmann::json{{"db", db}, {"extractors", {{ours, 0}}}}));
  auto status = run_fsearch("status --db " + db);
  EXPECT_NE(status.out.find("FID extractor: " + ours + ", 3 FIDs\n"), std::string::npos) << status.out;

  // The database's own extractor continues it: seed 1 trains, on workers forked after the check.
  auto same =
      run_fsearch("run --space " + space.string() + " --db " + db + " --seeds 0,1 --budget smoke --workers 2");
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "6");
  EXPECT_EQ(sql("SELECT DISTINCT fid_features FROM results"), ours);

  // The same FIDs, as if another machine's CNN had scored them.
  const auto slash = ours.find('/');
  const std::string theirs = ours.substr(0, slash + 1) + "0badf00d (test acc 12.3%)";
  sql("UPDATE results SET fid_features = '" + theirs + "'");
  auto refused = run_fsearch("run --space " + space.string() + " --db " + db + " --seeds 0,1,2 --budget smoke");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find(db + ": its 6 FIDs were scored by the feature extractor " + theirs),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("would score with " + ours + " from "), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("FSEARCH_CACHE_DIR"), std::string::npos) << refused.err;
  EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "6");  // nothing recorded, nothing trained
  EXPECT_EQ(sql("SELECT count(*) FROM jobs WHERE state = 'done'"), "6");
  EXPECT_EQ(sql("SELECT count(*) FROM sweep_jobs"), "6");

  // A worker with a cache of its own (a Slurm task elsewhere) checks the extractor the run hands it
  // before it scores: the job fails at its end with the reason, no FID recorded, and scores once
  // the worker has the database's extractor (here: without the foreign pin), from its checkpoint.
  const auto worker_run = (dir_ / "worker").string();
  const std::string pin = nlohmann::json{{"db", db}, {"extractors", {{theirs, 6}}}}.dump();
  ::setenv("FSEARCH_FID_PIN", pin.c_str(), 1);
  auto pinned = run_fsearch("--threads 2 train --proxy " + proxy("dit-b") +
                            " --norm layernorm --budget smoke --quiet --out " + worker_run);
  ::unsetenv("FSEARCH_FID_PIN");
  EXPECT_EQ(pinned.exit_code, 2) << pinned.err;
  EXPECT_NE(pinned.err.find(db + ": its 6 FIDs were scored by the feature extractor " + theirs), std::string::npos)
      << pinned.err;
  EXPECT_FALSE(fs::exists(fs::path(worker_run) / "result.json"));
  auto scored = run_fsearch("--threads 2 train --job " + worker_run + " --quiet");
  ASSERT_EQ(scored.exit_code, 0) << scored.err;
  EXPECT_EQ(read_json(fs::path(worker_run) / "result.json")["fid_features"], ours);

  // A run with nothing left to score is not held up: its FIDs are all there.
  auto finished = run_fsearch("run --space " + space.string() + " --db " + db + " --seeds 0,1 --budget smoke");
  EXPECT_EQ(finished.exit_code, 0) << finished.err;

  auto anyway = run_fsearch("run --space " + space.string() + " --db " + db +
                            " --seeds 0,1,2 --budget smoke --plan-only --any-fid-extractor");
  EXPECT_EQ(anyway.exit_code, 0) << anyway.err;
  EXPECT_EQ(sql("SELECT count(*) FROM jobs"), "9");

  // --any-fid-extractor hands its workers no pin, even one its caller's environment holds. The
  // stand-in worker only notes what it was handed (its jobs fail: nothing trains).
  std::ofstream(wrapper) << "#!/bin/sh\nprintf '%s' \"${FSEARCH_FID_PIN-unset}\" > " << handed.string()
                         << "\nexit 1\n";
  ::setenv("FSEARCH_FID_PIN", pin.c_str(), 1);
  auto unpinned = run_fsearch("run --space " + space.string() + " --db " + db +
                              " --seeds 0,1,2 --budget smoke --any-fid-extractor --worker-binary " + wrapper.string());
  ::unsetenv("FSEARCH_FID_PIN");
  EXPECT_NE(unpinned.exit_code, 0);  // its jobs failed
  std::ifstream in(handed);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), "unset");
}

}  // namespace
}  // namespace fsearch::testing
