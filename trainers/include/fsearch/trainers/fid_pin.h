// Keeps a database's FIDs to one feature extractor.
//
// The default extractor is a CNN that each machine trains once into its cache (features.h), and two
// machines' CNNs differ in their weights: FIDs of the two are not comparable. A database records the
// extractor of every FID (results.fid_features); before a run trains DiT jobs into a database that
// already holds FIDs, `fsearch run` builds the extractor its workers will use and refuses the run
// when the database's FIDs of that recipe (same extractor version, same data) were all scored by
// others. A new database, or one without FIDs, takes whatever extractor comes first.
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
// gives them) holds FIDs of `ours`'s recipe and none of them by `ours`. `db_path` and `cache` name
// the database and where `ours` came from in the message.
void check_extractor_pin(const std::string& ours, const std::map<std::string, int>& recorded,
                         const std::string& db_path, const std::string& cache);

// For each data set and extractor choice of the DiT jobs in `to_train` (other jobs score no FID),
// when `recorded` holds FIDs: builds the extractor as a worker would (from the cache, training it
// there on first use) and checks it with check_extractor_pin. `log` receives progress lines.
void check_fid_extractors(const std::vector<jobs::JobSpec>& to_train, const std::map<std::string, int>& recorded,
                          const std::string& db_path, const std::function<void(const std::string&)>& log = {});

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
