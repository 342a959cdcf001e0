#include "sweep_helpers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "paths.h"
#include "run_binary.h"
#include "temp_dir.h"

namespace fsearch::testing {

namespace fs = std::filesystem;

fs::path workdir(const std::string& name) {
  auto dir = fsearch::testing::program_temp_dir() / ("sweep-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string space_file(const fs::path& dir) {
  auto path = dir / "space.yaml";
  std::ofstream(path) << "name: mini\nprimitives: [erf, tanh, isru]\nbaselines: [layernorm]\nproxies: ["
                      << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n";
  return path.string();
}

std::vector<std::string> run_args(const fs::path& dir) {
  return {"run",      "--space", space_file(dir), "--db", (dir / "f.db").string(),
          "--budget", "smoke",   "--workers",     "2",    "--threads-per-worker",
          "1"};
}

nlohmann::json export_jobs_of(const fs::path& db) {
  auto r = run_fsearch("export --format json --db " + db.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

nlohmann::json export_jobs(const fs::path& dir) { return export_jobs_of(dir / "f.db"); }

int finished_runs(const fs::path& dir) {
  int n = 0;
  if (!fs::exists(dir / "runs" / "mini")) return 0;
  for (const auto& entry : fs::directory_iterator(dir / "runs" / "mini"))
    n += fs::exists(entry.path() / "result.json");
  return n;
}

std::map<std::string, nlohmann::json> by_function(const nlohmann::json& jobs) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& j : jobs) out[j["function"].get<std::string>()] = j;
  return out;
}

std::map<std::string, nlohmann::json> by_key(const nlohmann::json& jobs) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& j : jobs) {
    EXPECT_FALSE(out.count(j["key"])) << "job recorded twice: " << j["key"];
    out[j["key"]] = j;
  }
  return out;
}

void expect_same_results(const nlohmann::json& got, const nlohmann::json& expected) {
  auto a = by_key(got), b = by_key(expected);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, job] : b) {
    ASSERT_TRUE(a.count(key)) << key;
    EXPECT_EQ(a[key]["state"], "done") << key;
    for (const char* field : {"test_acc", "final_loss", "best_loss", "steps"}) {
      EXPECT_EQ(a[key]["result"][field], job["result"][field]) << key << " " << field;
    }
  }
}

void expect_refused_for_halving(const fs::path& dir, const std::string& option, const std::string& value) {
  auto halving = dir / "halving.yaml";
  std::ofstream(halving) << "name: h\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                         << "/configs/proxies/vit-tiny.yaml]\nstrategy: halving\n";
  auto refused = run_fsearch("run --space " + halving.string() + " --db " + (dir / "h.db").string() + " " +
                             option + (value.empty() ? "" : " " + value));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(option + ": " + halving.string() + " uses strategy halving"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir / "h.db"));
}

}  // namespace fsearch::testing
