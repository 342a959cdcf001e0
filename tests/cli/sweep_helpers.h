// What the sweep tests share: a scratch folder per test, the small space they run, and reading
// back what a sweep recorded (fsearch export), through the real binary.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fsearch::testing {

// A fresh, empty folder for one test, under the test program's temporary folder.
std::filesystem::path workdir(const std::string& name);

// Writes DIR/space.yaml, sweep "mini": erf, tanh and isru with LayerNorm on vit-tiny; returns its path.
std::string space_file(const std::filesystem::path& dir);

// `fsearch run` of that space into DIR/f.db at the smoke budget, on two one-thread workers.
std::vector<std::string> run_args(const std::filesystem::path& dir);

// Every job of a database as `fsearch export --format json` gives it (of DIR/f.db for export_jobs).
nlohmann::json export_jobs_of(const std::filesystem::path& db);
nlohmann::json export_jobs(const std::filesystem::path& dir);

// How many of sweep mini's run directories under DIR/runs hold a result.json.
int finished_runs(const std::filesystem::path& dir);

// Exported jobs by function name, and by key (a key recorded twice is a test failure).
std::map<std::string, nlohmann::json> by_function(const nlohmann::json& jobs);
std::map<std::string, nlohmann::json> by_key(const nlohmann::json& jobs);

// Every job of `expected` is in `got`, done, with the same test accuracy, losses and steps.
void expect_same_results(const nlohmann::json& got, const nlohmann::json& expected);

// An option for grid sweeps only, given to a halving sweep: exit 2 naming the option and the
// space, before a database is made.
void expect_refused_for_halving(const std::filesystem::path& dir, const std::string& option,
                                const std::string& value);

}  // namespace fsearch::testing
