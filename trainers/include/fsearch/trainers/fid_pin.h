// Keeps a database's FIDs to one feature extractor.
//
// The default extractor is a CNN that each machine trains once into its cache (features.h), and two
// machines' CNNs differ in their weights: FIDs of the two are not comparable. A database records the
// extractor of every FID (results.fid_features). Before a run trains DiT jobs, `fsearch run` builds
// the extractor its workers will use and refuses the run when the database's FIDs of that recipe
// (same extractor version, same data) were all scored by others; then it pins its workers to the
// database's extractors, or to its own where the database has no FIDs of that recipe yet.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fsearch/jobs/job_spec.h"

namespace fsearch::trainers {

// An extractor's id split into what it was made from and what it became:
// "cnn:418d289e/3af313c7 (test acc 84.9%)" -> recipe "cnn:418d289e" (version and training data),
// weights "3af313c7"; "torchscript:inception.pt:1a2b3c4d" -> "torchscript:inception.pt", "1a2b3c4d".
struct ExtractorName {
  std::string recipe, weights;
};
ExtractorName parse_extractor_id(const std::string& id);

// Throws ConfigError when `recorded` (extractor id -> FIDs it scored, as Database::fid_extractors
// gives them, or a run's pin from pin_extractors) holds an extractor of `ours`'s recipe and not
// `ours`. `db_path` and `cache` name the database and where `ours` came from in the message.
void check_extractor_pin(const std::string& ours, const std::map<std::string, int>& recorded,
                         const std::string& db_path, const std::string& cache);

// The extractors the DiT jobs of `to_train` would score with (other jobs score no FID), one per
// data set and extractor choice, each built as a worker builds it (from the cache, training it
// there on first use). `log` receives progress lines.
std::vector<std::string> fid_extractors_for(const std::vector<jobs::JobSpec>& to_train,
                                            const std::function<void(const std::string&)>& log = {});

// What a run keeps its workers to: checks each of `ours` (the scheduler's extractors) against the
// database's with check_extractor_pin, and returns `recorded` plus each of `ours` with a count of 0
// where its recipe has no FIDs yet, so that a new database's first FIDs keep to one extractor too.
std::map<std::string, int> pin_extractors(const std::vector<std::string>& ours,
                                          const std::map<std::string, int>& recorded, const std::string& db_path);

// The same check inside a worker, for workers whose cache may differ from the scheduler's (Slurm
// tasks on other machines): `fsearch run` puts the database's extractors into the environment
// variable FSEARCH_FID_PIN (fid_pin_text), which forked, spawned and Slurm workers inherit, and a
// job checks its extractor with check_pinned_extractor before it scores an FID. Unset: no check.
inline constexpr const char* kFidPinVariable = "FSEARCH_FID_PIN";
std::string fid_pin_text(const std::map<std::string, int>& recorded, const std::string& db_path);
// Throws ConfigError as check_extractor_pin does; ConfigError naming the variable when it is not
// what fid_pin_text writes.
void check_pinned_extractor(const std::string& ours);

}  // namespace fsearch::trainers
