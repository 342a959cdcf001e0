// What a user's machine and files do to a sweep, through the real binary: folders that exist or
// cannot be made, a space copied elsewhere, missing data, hostile text, huge spaces, a read-only
// filesystem, a full disk, fsearch found through PATH.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"
#include "run_binary.h"
#include "sweep_helpers.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

// A database in a folder that does not exist yet gets the folder, and the run says so; a folder
// that cannot be made (a file stands in its path) is refused as bad input, naming --db and why.
TEST(SweepSurroundings, ADatabasesFolderIsCreatedSayingSoOrRefusedWithTheReason) {
  auto dir = workdir("db-folder");
  const std::string space = space_file(dir);
  auto r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "new" / "sub" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("created " + (dir / "new" / "sub").string() + " for the database"), std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(dir / "new" / "sub" / "f.db"));
  r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "new" / "sub" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("created"), std::string::npos) << "the folder was there:\n" << r.err;

  std::ofstream(dir / "a-file") << "not a folder\n";
  r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "a-file" / "f.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--db " + (dir / "a-file" / "f.db").string() + ": cannot create its folder " +
                       (dir / "a-file").string() + ": Not a directory"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// The same for the folders of run directories and of reports: a file in the way of --runs or --out
// is bad input (exit 2) naming the option, the folder and why, before a database is made or any
// report written.
TEST(SweepSurroundings, ARunsOrOutFolderThatCannotBeMadeIsRefusedNamingTheOption) {
  auto dir = workdir("runs-folder");
  const std::string space = space_file(dir);
  std::ofstream(dir / "a-file") << "not a folder\n";
  const std::string blocked = (dir / "a-file" / "runs").string();
  auto r = run_fsearch("run --space " + space + " --plan-only --db " + (dir / "f.db").string() + " --runs " +
                       blocked);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(
      r.err.find("--runs " + blocked + ": cannot create the folder " + blocked + "/mini: Not a directory"),
      std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "f.db"));

  ASSERT_EQ(run_fsearch("run --space " + space + " --plan-only --db " + (dir / "f.db").string()).exit_code,
            0);
  const std::string out = (dir / "a-file" / "report").string();
  r = run_fsearch("report --no-figures --db " + (dir / "f.db").string() + " --out " + out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--out " + out + ": cannot create the folder " + out + "/figures: Not a directory"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// The shipped spaces name their proxies (vit-tiny, not ../proxies/vit-tiny.yaml): a copy edited
// elsewhere, as a researcher starts a space of their own, plans the same jobs as the original.
TEST(SweepSurroundings, ACopyOfAShippedSpacePlansTheSameJobsFromAnotherFolder) {
  auto dir = workdir("copied-space");
  for (const std::string name : {"space.yaml", "tables/table7.yaml"}) {
    const auto original = std::string(FSEARCH_SOURCE_DIR) + "/configs/" + name;
    const auto copy = dir / ("copy-" + fs::path(name).filename().string());
    fs::copy_file(original, copy);
    const auto a = dir / ("original-" + fs::path(name).stem().string() + ".db");
    const auto b = dir / ("copy-" + fs::path(name).stem().string() + ".db");
    auto r = run_fsearch("run --plan-only --space " + original + " --db " + a.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_fsearch("run --plan-only --space " + copy.string() + " --db " + b.string());
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::vector<std::string> keys[2];
    for (int i = 0; i < 2; ++i) {
      const auto jobs = export_jobs_of(i == 0 ? a : b);
      for (const auto& job : jobs) keys[i].push_back(job["key"].get<std::string>());
      std::sort(keys[i].begin(), keys[i].end());
    }
    EXPECT_FALSE(keys[0].empty()) << name;
    EXPECT_EQ(keys[0], keys[1]) << name;
  }
  fs::remove_all(dir);
}

// A proxy whose data set is not in its folder would fail every job: `fsearch run` refuses it before
// the database is made, naming the proxy, the file and the folder; `fsearch train` before it makes
// the run directory (which would otherwise stay claimed by a job that cannot start).
TEST(SweepSurroundings, AProxyWhoseDataIsMissingIsRefusedBeforeAnythingIsMade) {
  auto dir = workdir("no-data");
  const auto proxy = dir / "no-data.yaml";
  {
    std::ifstream in(std::string(FSEARCH_SOURCE_DIR) + "/configs/proxies/vit-tiny.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const auto data = yaml.find("\ndata:\n");
    ASSERT_NE(data, std::string::npos);
    yaml.insert(data + 7, "  path: " + (dir / "nowhere").string() + "\n");
    std::ofstream(proxy) << yaml;
  }
  std::ofstream(dir / "space.yaml") << "name: mini\nprimitives: [erf]\nbaselines: [layernorm]\nproxies: ["
                                    << proxy.string() << "]\n";
  auto r = run_fsearch("run --space " + (dir / "space.yaml").string() + " --db " + (dir / "f.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(proxy.string() + ": data set fashion-mnist: no train-images-idx3-ubyte.gz in " +
                       (dir / "nowhere").string()),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "f.db"));

  r = run_fsearch("train --proxy vit-tiny --budget smoke --data-path " + (dir / "nowhere").string() + " --out " +
                  (dir / "run").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no train-images-idx3-ubyte.gz in"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "run"));
  fs::remove_all(dir);
}

// Export: FID and the eval-mode training loss are columns; text a spreadsheet would run as a formula
// is defused; a sweep name that is not UTF-8 (written by another tool) does not break JSON output.
TEST(SweepSurroundings, ExportKeepsEveryResultFieldAndSurvivesHostileText) {
  auto dir = workdir("export");
  auto db = (dir / "f.db").string();
  auto r = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " + db +
                       " --plan-only");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string sql = "update sweeps set name = 'bad' || cast(x'ff' as text) || 'name'; update jobs set label = "
                          "'=SUM(1,2)' where label = 'linear(x)';";
  ASSERT_EQ(std::system(("sqlite3 " + db + " \"" + sql + "\"").c_str()), 0) << "needs sqlite3 (scripts/setup.sh)";
  auto csv = run_fsearch("export --format csv --db " + db);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string header = csv.out.substr(0, csv.out.find('\n'));
  for (const char* column : {",test_acc,", ",fid,", ",fid_features,", ",eval_train_loss,"})
    EXPECT_NE(header.find(column), std::string::npos) << header;
  EXPECT_NE(csv.out.find(",\"'=SUM(1,2)\","), std::string::npos) << csv.out;
  auto json = run_fsearch("export --format json --db " + db);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out).size(), 5u);
  auto status = run_fsearch("status --json --db " + db);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(nlohmann::json::parse(status.out)[0]["sweep"].get<std::string>().find("name"), std::string::npos);
  fs::remove_all(dir);
}

// A space of millions of candidates is refused before it is expanded (it used to die of bad_alloc),
// saying how many it would make; --max-candidates raises the cap.
TEST(SweepSurroundings, HugeSpacesAreRefusedBeforeExpansion) {
  auto dir = workdir("huge");
  std::string values;
  for (int i = 1; i <= 100; ++i) values += (i > 1 ? ", " : "") + std::to_string(i * 0.01);
  std::ofstream(dir / "huge.yaml") << "name: huge\nprimitives: [erf, tanh]\ntransforms:\n  - {kind: hshift, values: ["
                                   << values << "]}\n  - {kind: flat, values: [" << values << "]}\ndepth: 3\nproxies: ["
                                   << FSEARCH_SOURCE_DIR << "/configs/proxies/vit-tiny.yaml]\n";
  auto r = run_fsearch("run --space " + (dir / "huge.yaml").string() + " --db " + (dir / "f.db").string() + " --plan-only");
  EXPECT_EQ(r.exit_code, 2);
  // Per primitive: 1 + 2 kinds x 100 values x (1 + 100 x (1 + 100)) = 2,020,201 (a kind never follows itself).
  EXPECT_NE(r.err.find("the space makes up to 4.04e+06 candidates (2 primitives, 2 transforms, depth 3), more than "
                       "--max-candidates 100000"),
            std::string::npos)
      << r.err;
  fs::remove_all(dir);
}

// status, export and report read a database on a read-only filesystem (a shared results folder):
// they open it read-only and, where they cannot create a WAL's shared-memory file, as immutable.
TEST(SweepSurroundings, ReadCommandsWorkOnAReadOnlyFilesystem) {
  auto dir = workdir("readonly");
  auto db = (dir / "f.db").string();
  auto r = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " + db +
                       " --plan-only");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto mnt = dir / "mnt";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=16m tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  fs::copy_file(db, mnt / "f.db");
  ASSERT_EQ(std::system(("mount -o remount,ro " + mnt.string()).c_str()), 0);
  const auto on_ro = (mnt / "f.db").string();
  auto status = run_fsearch("status --db " + on_ro);
  auto csv = run_fsearch("export --format csv --db " + on_ro);
  auto report = run_fsearch("report --no-figures --tables 4 --db " + on_ro + " --out " + (dir / "report").string());
  std::system(("umount " + mnt.string()).c_str());
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("sweep table4: jobs done 0 | running 0 | pending 5"), std::string::npos) << status.out;
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(fs::exists(dir / "report" / "table4.md"));
  fs::remove_all(dir);
}

// A sweep whose database sits on a full disk reports the disk's error (it used to report "cannot
// rollback - no transaction is active", hiding it) and keeps what was recorded.
TEST(SweepSurroundings, FullDiskUnderTheDatabaseIsReportedAsSuch) {
  auto dir = workdir("full-db");
  auto mnt = dir / "mnt";
  fs::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=1m tmpfs " + mnt.string() + " 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root and mount rights)";
  auto db = (mnt / "f.db").string();
  auto first = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table4.yaml --db " +
                           db + " --runs " + (dir / "runs").string() + " --plan-only");
  std::system(("dd if=/dev/zero of=" + (mnt / "filler").string() + " bs=4k 2>/dev/null").c_str());  // fill it
  auto second = run_fsearch("run --space " + std::string(FSEARCH_SOURCE_DIR) + "/configs/tables/table5.yaml --db " +
                            db + " --runs " + (dir / "runs").string() + " --plan-only");
  fs::remove(mnt / "filler");
  auto jobs = run_fsearch("export --format json --db " + db);
  std::system(("umount " + mnt.string()).c_str());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("No space left on device"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("hint: the disk is full"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("cannot rollback"), std::string::npos) << second.err;
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_GE(nlohmann::json::parse(jobs.out).size(), 5u);  // Table 4's jobs are still there
  fs::remove_all(dir);
}

// A user who installed fsearch on PATH and runs it from another directory (issue: workers were
// started by argv[0], a bare name that the worker's exec does not look up in PATH).
TEST(SweepSurroundings, WorkersStartWhenFsearchIsFoundThroughPath) {
  auto dir = workdir("path");
  fs::create_directories(dir / "bin");
  fs::create_symlink(FSEARCH_BINARY, dir / "bin" / "fsearch");
  fs::create_directories(dir / "elsewhere");
  auto space = dir / "space.yaml";
  std::ofstream(space) << "name: mini\nprimitives: [erf]\nproxies: [" << FSEARCH_SOURCE_DIR
                       << "/configs/proxies/vit-tiny.yaml]\n";
  const std::string command = "cd " + (dir / "elsewhere").string() + " && PATH=" + (dir / "bin").string() +
                              ":/usr/bin:/bin fsearch run --space " + space.string() +
                              " --db f.db --budget smoke --workers 1 --threads-per-worker 1 >run.log 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream log(dir / "elsewhere" / "run.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
  auto r = run_fsearch("export --format json --db " + (dir / "elsewhere" / "f.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto jobs = nlohmann::json::parse(r.out);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "done") << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace fsearch::testing
