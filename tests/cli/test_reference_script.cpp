// scripts/reference-results.sh, the script that makes the shipped results in docs/results/, run as
// the README says on a copy of the repository's scripts and configs: its first pass, its report and
// provenance, a rerun that trains nothing again, and its refusal of a binary built from uncommitted
// changes. Tables 3 and 5 at the smoke budget share three jobs (erf, tanh and arctan unmodified).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "fsearch/core/process.h"
#include "run_binary.h"
#include "temp_dir.h"
#include "paths.h"

namespace fsearch::testing {
namespace {

namespace fs = std::filesystem;

// A git repository holding the script and the configs it reads, as a clone has them.
fs::path repository_copy(const TempDir& dir) {
  const fs::path source = FSEARCH_SOURCE_DIR;
  const fs::path tree = dir / "repo";
  fs::create_directories(tree / "scripts");
  fs::create_directories(tree / "configs");
  fs::create_directories(tree / "docs" / "results");
  fs::copy_file(source / "scripts" / "reference-results.sh", tree / "scripts" / "reference-results.sh");
  for (const char* folder : {"tables", "proxies"})
    fs::copy(source / "configs" / folder, tree / "configs" / folder, fs::copy_options::recursive);
  const std::string git = "cd " + tree.string() + " && git init -q && git add -A && " +
                          "git -c user.name=test -c user.email=test@example.org commit -qm copy";
  EXPECT_EQ(std::system(git.c_str()), 0) << "needs git";
  return tree;
}

struct ScriptRun {
  int exit_code = -1;
  std::string log;
};

// allow_dirty: the test's own build may carry uncommitted changes (a developer's tree).
// `env`: more of the script's settings, e.g. "PASSES='vit-tiny:1'" (SEEDS=0 unless it says).
ScriptRun run_script(const fs::path& tree, const std::string& fsearch_bin, bool allow_dirty = true,
                     const std::string& tables = "3 5", const std::string& env = "") {
  const fs::path log = tree / "script.log";
  const std::string command = "cd " + tree.string() + " && env -u FSEARCH_ALLOW_DIRTY FSEARCH_BIN=" + fsearch_bin +
                              (allow_dirty ? " FSEARCH_ALLOW_DIRTY=1" : "") + " TABLES='" + tables +
                              "' SEEDS=0 BUDGET=smoke WORKERS=2 " + env +
                              " bash scripts/reference-results.sh > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, file_text(log.string())};
}

// Runs a query with the sqlite3 shell; returns the file its output went to.
std::string run_sqlite(const std::string& db, const std::string& query) {
  const std::string out = db + ".query";
  const std::string command = "sqlite3 -readonly " + db + " \"" + query + "\" > " + out;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return out;
}

int lines_of(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// The provenance's "- jobs (each counted once ...): 31 done, 2 diverged" line, its counts summed.
int jobs_in_provenance(const std::string& provenance) {
  std::smatch line;
  if (!std::regex_search(provenance, line, std::regex(R"(- jobs \(each counted once[^)]*\):([^\n]*))")))
    return -1;
  int total = 0;
  const std::string counts = line[1];
  const std::regex count(R"((\d+) [a-z]+)");
  for (std::sregex_iterator it(counts.begin(), counts.end(), count), end; it != end; ++it)
    total += std::stoi((*it)[1]);
  return total;
}

TEST(ReferenceScript, FirstPassReportsEachSharedJobOnceAndARerunTrainsNothing) {
  TempDir dir("reference-script");
  const fs::path tree = repository_copy(dir);
  const fs::path results = tree / "docs" / "results";

  const ScriptRun first = run_script(tree, FSEARCH_BINARY);
  ASSERT_EQ(first.exit_code, 0) << first.log;
  EXPECT_NE(first.log.find("16 jobs (16 new; 0 already finished)"), std::string::npos) << first.log;
  EXPECT_NE(first.log.find("18 jobs (15 new; 3 already finished)"), std::string::npos) << first.log;
  EXPECT_NE(first.log.find("pass 1 (vit-tiny) complete"), std::string::npos) << first.log;
  EXPECT_NE(first.log.find("pass 3 (dit-b:0) complete"), std::string::npos) << first.log;
  EXPECT_EQ(first.log.find("--only-seeds"), std::string::npos) << "Tables 3 and 5 have no dit-b jobs";
  for (const char* page : {"index.md", "table3.md", "table5.md", "PROVENANCE.md"})
    EXPECT_TRUE(fs::exists(results / "reference" / page)) << page;

  // The export has a record per table and job (16 + 18); the provenance counts the 31 jobs.
  EXPECT_EQ(lines_of(results / "reference.csv"), 1 + 34);
  const std::string provenance = file_text((results / "reference" / "PROVENANCE.md").string());
  EXPECT_EQ(jobs_in_provenance(provenance), 31) << provenance;
  EXPECT_NE(provenance.find("TABLES=\"3 5\" PASSES=\"vit-tiny vit-small dit-b:0 dit-b\" SEEDS=0 BUDGET=smoke"),
            std::string::npos)
      << provenance;
  // Every job recorded the CPU it trained on (results shipped from several machines say which).
  EXPECT_NE(provenance.find("- machines that trained the jobs (CPU: jobs): " +
                            (cpu_model().empty() ? std::string("not recorded") : cpu_model()) + ": 31\n"),
            std::string::npos)
      << provenance;

  const ScriptRun again = run_script(tree, FSEARCH_BINARY);
  ASSERT_EQ(again.exit_code, 0) << again.log;
  EXPECT_NE(again.log.find("16 jobs (0 new; 16 already finished)"), std::string::npos) << again.log;
  EXPECT_NE(again.log.find("18 jobs (0 new; 18 already finished)"), std::string::npos) << again.log;
  EXPECT_EQ(again.log.find("job start(s)"), std::string::npos) << "a rerun trained again:\n" << again.log;
  EXPECT_EQ(jobs_in_provenance(file_text((results / "reference" / "PROVENANCE.md").string())), 31);

  // A Table 5 job as if a build with uncommitted changes had trained it (as 16 of the shipped ones
  // were, before the script refused such builds): a run on a clean build trains it again, and the
  // database keeps the old result.
  const std::string db = (results / "reference.db").string();
  const std::string mark =
      "sqlite3 " + db + " \"UPDATE results SET result = json_set(result, '$.git_commit', CASE WHEN job_key = "
      "(SELECT job_key FROM sweep_jobs WHERE sweep_id = (SELECT id FROM sweeps WHERE name = 'table5') AND job_key "
      "NOT IN (SELECT job_key FROM sweep_jobs WHERE sweep_id = (SELECT id FROM sweeps WHERE name = 'table3')) "
      "ORDER BY job_key LIMIT 1) THEN '0123456789ab-dirty' ELSE '0123456789ab' END)\"";
  ASSERT_EQ(std::system(mark.c_str()), 0) << "needs sqlite3 (scripts/setup.sh)";
  const fs::path clean = dir / "fsearch-clean";  // the test's build, saying it is a clean one
  std::ofstream(clean) << "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'fsearch 0.1.0 (commit 0123456789ab)'; "
                       << "exit 0; }\nexec " << FSEARCH_BINARY << " \"$@\"\n";
  fs::permissions(clean, fs::perms::owner_all);
  const ScriptRun retrain = run_script(tree, clean.string(), /*allow_dirty=*/false);
  ASSERT_EQ(retrain.exit_code, 0) << retrain.log;
  EXPECT_NE(retrain.log.find("== Table 5 (--proxies vit-tiny) (retraining the jobs of 0123456789ab-dirty)"),
            std::string::npos)
      << retrain.log;
  EXPECT_NE(retrain.log.find("1 finished job(s) trained by 0123456789ab-dirty queued again"), std::string::npos)
      << retrain.log;
  EXPECT_NE(retrain.log.find("job start(s)"), std::string::npos) << retrain.log;
  EXPECT_EQ(file_text(run_sqlite(db, "SELECT count(*) FROM replaced_results WHERE json_extract(result, "
                                     "'$.git_commit') = '0123456789ab-dirty'")),
            "1\n");
  const std::string retrained = file_text((results / "reference" / "PROVENANCE.md").string());
  EXPECT_NE(retrained.find("- results replaced by training their jobs again on a clean build (build: results), "
                           "kept in the table replaced_results: 0123456789ab-dirty: 1"),
            std::string::npos)
      << retrained;
  EXPECT_EQ(file_text(run_sqlite(db, "SELECT count(*) FROM results WHERE result LIKE '%0123456789ab-dirty%'")),
            "0\n");
  // Once retrained, nothing is left to retrain -- unless the test's own build has uncommitted changes:
  // the script (rightly) retrains what such a build trained, so in a developer's tree the job was
  // retrained once more by the second pass.
  if (run_fsearch("--version").out.find("-dirty") != std::string::npos) return;
  EXPECT_EQ(file_text(run_sqlite(db, "SELECT count(*) FROM replaced_results")), "1\n");
  const ScriptRun settled = run_script(tree, clean.string(), /*allow_dirty=*/false);
  ASSERT_EQ(settled.exit_code, 0) << settled.log;
  EXPECT_EQ(settled.log.find("retraining"), std::string::npos) << settled.log;
  EXPECT_EQ(settled.log.find("job start(s)"), std::string::npos) << settled.log;
}

// A job that failed (its worker could not run: not a result) trains on the script's next run; before
// the script passed --retry-failed, such jobs stayed failed until someone ran `fsearch run` by hand.
// A run stopped in the middle (fsearch exits 75) still writes the report of what the database has.
TEST(ReferenceScript, ARerunTrainsTheJobsThatFailedAndAnInterruptedRunWritesItsReport) {
  TempDir dir("reference-script-failed");
  const fs::path tree = repository_copy(dir);
  const fs::path broken = dir / "fsearch-broken";  // every worker it starts exits 1 at once
  std::ofstream(broken) << "#!/bin/sh\n[ \"$1\" = run ] && exec " << FSEARCH_BINARY
                        << " \"$@\" --worker-binary /bin/false\nexec " << FSEARCH_BINARY << " \"$@\"\n";
  fs::permissions(broken, fs::perms::owner_all);
  const std::string db = (tree / "docs" / "results" / "reference.db").string();

  const ScriptRun failing = run_script(tree, broken.string(), /*allow_dirty=*/true, "4");
  ASSERT_EQ(failing.exit_code, 0) << failing.log;  // it goes on to the report, saying what failed
  EXPECT_NE(failing.log.find("Table 4: some jobs failed"), std::string::npos) << failing.log;
  const std::string failed = file_text(run_sqlite(db, "SELECT count(*) FROM jobs WHERE state = 'failed'"));
  const std::string all = file_text(run_sqlite(db, "SELECT count(*) FROM jobs"));
  ASSERT_EQ(failed, all);
  ASSERT_NE(failed, "0\n");

  const ScriptRun rerun = run_script(tree, FSEARCH_BINARY, /*allow_dirty=*/true, "4");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.log;
  EXPECT_NE(rerun.log.find(failed.substr(0, failed.size() - 1) + " failed job(s) queued again"), std::string::npos)
      << rerun.log;
  EXPECT_EQ(rerun.log.find("some jobs failed"), std::string::npos) << rerun.log;
  EXPECT_EQ(file_text(run_sqlite(db, "SELECT count(*) FROM jobs WHERE state IN ('done', 'diverged', 'rejected')")),
            all);

  const fs::path results = tree / "docs" / "results";
  fs::remove_all(results / "reference");
  fs::remove(results / "reference.csv");
  const fs::path stopped = dir / "fsearch-stopped";  // `run` as if Ctrl-C came while it ran
  std::ofstream(stopped) << "#!/bin/sh\n[ \"$1\" = run ] && { " << FSEARCH_BINARY << " \"$@\"; exit 75; }\nexec "
                         << FSEARCH_BINARY << " \"$@\"\n";
  fs::permissions(stopped, fs::perms::owner_all);
  const ScriptRun interrupted = run_script(tree, stopped.string(), /*allow_dirty=*/true, "4 5");
  EXPECT_EQ(interrupted.exit_code, 75) << interrupted.log;
  EXPECT_NE(interrupted.log.find("Table 4 interrupted: writing the report"), std::string::npos) << interrupted.log;
  EXPECT_EQ(interrupted.log.find("== Table 5"), std::string::npos) << "went on after the interruption";
  const std::string page = file_text((results / "reference" / "table4.md").string());
  EXPECT_NE(page.find("# Table 4"), std::string::npos) << page;
  EXPECT_NE(file_text((results / "reference" / "PROVENANCE.md").string()).find("- jobs (each counted once"),
            std::string::npos);
  EXPECT_EQ(lines_of(results / "reference.csv"), 1 + std::stoi(all));
  for (const auto& entry : fs::recursive_directory_iterator(results))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

// A pass of some seeds (PASSES="vit-tiny:1") trains only those seeds' jobs in every table, before
// the last pass trains the rest; a pass none of whose seeds the run has is skipped, saying so.
TEST(ReferenceScript, APassOfOneSeedTrainsThatSeedOfEveryTableFirst) {
  TempDir dir("reference-script-passes");
  const fs::path tree = repository_copy(dir);
  const ScriptRun run = run_script(tree, FSEARCH_BINARY, /*allow_dirty=*/true, "4",
                                   "SEEDS=0,1 PASSES='vit-tiny:1 dit-b:5'");
  ASSERT_EQ(run.exit_code, 0) << run.log;
  const auto pass = run.log.find("== Table 4 (--proxies vit-tiny --only-seeds 1)");
  const auto skipped = run.log.find("pass 2 (dit-b:5): none of its seeds is in SEEDS=0,1; skipped");
  ASSERT_NE(pass, std::string::npos) << run.log;
  EXPECT_NE(run.log.find("this run trains the sweep's 5 job(s) of vit-tiny, seed 1; 5 job(s) of vit-tiny, seed 0 "
                         "stay pending"),
            std::string::npos)
      << run.log;
  ASSERT_NE(skipped, std::string::npos) << run.log;
  EXPECT_LT(pass, skipped);
  const auto last = run.log.find("== Table 4 (", skipped);  // the last pass: every job, no scope
  ASSERT_NE(last, std::string::npos) << run.log;
  const std::string last_line = run.log.substr(last, run.log.find('\n', last) - last);
  EXPECT_EQ(last_line.find("--"), std::string::npos) << last_line;
  const std::string db = (tree / "docs" / "results" / "reference.db").string();
  EXPECT_EQ(file_text(run_sqlite(db, "SELECT count(*) FROM jobs WHERE seed IN (0, 1) AND state IN ('done', "
                                     "'diverged', 'rejected')")),
            "10\n");
}

TEST(ReferenceScript, RefusesABinaryBuiltFromUncommittedChanges) {
  TempDir dir("reference-script-dirty");
  const fs::path tree = repository_copy(dir);
  const fs::path fake = dir / "fsearch";
  std::ofstream(fake) << "#!/bin/sh\necho 'fsearch 0.1.0 (commit 0123456789ab-dirty)'\n";
  fs::permissions(fake, fs::perms::owner_all);

  const fs::path log = tree / "script.log";
  const int status =
      std::system(("cd " + tree.string() + " && env -u FSEARCH_ALLOW_DIRTY FSEARCH_BIN=" + fake.string() +
                   " bash scripts/reference-results.sh > " + log.string() + " 2>&1")
                      .c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(file_text(log.string()).find("built from uncommitted changes"), std::string::npos)
      << file_text(log.string());
  EXPECT_FALSE(fs::exists(tree / "docs" / "results" / "reference.db"));
}

}  // namespace
}  // namespace fsearch::testing
