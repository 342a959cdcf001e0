#include "fsearch/trainers/fid_pin.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "fsearch/core/error.h"
#include "fsearch/trainers/data.h"
#include "fsearch/trainers/features.h"

namespace fsearch::trainers {

ExtractorName parse_extractor_id(const std::string& id) {
  const std::string bare = id.substr(0, id.find(" ("));  // without "(test acc ...)"
  const auto cut = bare.find('/') != std::string::npos ? bare.find('/') : bare.rfind(':');
  if (cut == std::string::npos || cut == 0) return {bare, ""};
  return {bare.substr(0, cut), bare.substr(cut + 1)};
}

namespace {

// "id: count" -> "id" (the count is the whole's when there is one extractor).
std::string id_of(const std::string& entry) { return entry.substr(0, entry.rfind(": ")); }

}  // namespace

void check_extractor_pin(const std::string& ours, const std::map<std::string, int>& recorded,
                         const std::string& db_path, const std::string& cache) {
  const auto recipe = parse_extractor_id(ours).recipe;
  std::string theirs;
  int fids = 0, extractors = 0;
  for (const auto& [id, count] : recorded) {
    if (parse_extractor_id(id).recipe != recipe) continue;
    if (id == ours) return;  // the database already has FIDs of this very extractor, or the run chose it
    theirs += (extractors++ ? "; " : "") + id + ": " + std::to_string(count);
    fids += count;
  }
  if (extractors == 0) return;
  const std::string against =
      fids == 0 ? ": this run keeps the database's first FIDs to the feature extractor " + id_of(theirs) +
                      " (its scheduler's)"
                : ": its " + std::to_string(fids) + " FID" + (fids == 1 ? " was" : "s were") + " scored by " +
                      (extractors == 1 ? "the feature extractor " + id_of(theirs) : "the feature extractors " + theirs);
  throw ConfigError(db_path + against + ", and this run's workers would score with " + ours + " from " + cache +
                        ": FIDs of two extractors are not comparable",
                    fids == 0 ? "give the scheduler and its workers one FSEARCH_CACHE_DIR (a folder all of them see), "
                                "or pass --any-fid-extractor to score with each worker's own (reports then say the "
                                "FIDs are not comparable)"
                              : "set FSEARCH_CACHE_DIR to the folder that holds the database's extractor "
                                "(features-cnn-*.pt; for docs/results/reference.db it is docs/results/fid-cache), "
                                "or pass --any-fid-extractor to score with this one anyway (reports then say the "
                                "FIDs are not comparable)");
}

std::vector<std::string> fid_extractors_for(const std::vector<jobs::JobSpec>& to_train,
                                            const std::function<void(const std::string&)>& log) {
  // One extractor per data set and choice: the data's content decides the CNN's recipe.
  std::set<std::string> seen;
  std::vector<std::string> ids;
  for (const auto& spec : to_train) {
    if (spec.model.proxy != "dit") continue;
    const auto& d = spec.data;
    const bool synthetic = d.dataset == "synthetic";  // made from the seed, at its sizes
    const std::string which = d.dataset + "\n" + d.path + "\n" + std::to_string(d.train_limit) + "\n" +
                              spec.diffusion.features + "\n" +
                              (synthetic ? std::to_string(spec.seed) + "/" + std::to_string(d.synthetic_train) : "");
    if (!seen.insert(which).second) continue;
    const auto data = load_data(d, spec.seed);
    const auto id = make_extractor(spec.diffusion.features, data, torch::kCPU, log)->id();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

std::map<std::string, int> pin_extractors(const std::vector<std::string>& ours,
                                          const std::map<std::string, int>& recorded, const std::string& db_path) {
  auto pin = recorded;
  for (const auto& id : ours) {
    check_extractor_pin(id, recorded, db_path, cache_dir().string());
    pin.emplace(id, 0);  // a recipe without FIDs yet: its first ones keep to this extractor
  }
  return pin;
}

std::string fid_pin_text(const std::map<std::string, int>& recorded, const std::string& db_path) {
  return nlohmann::json{{"db", db_path}, {"extractors", recorded}}.dump();
}

void check_pinned_extractor(const std::string& ours) {
  const char* text = std::getenv(kFidPinVariable);
  if (!text || !*text) return;
  const auto pin = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, int> recorded;
  bool valid = pin.is_object() && pin.contains("db") && pin["db"].is_string() && pin.contains("extractors") &&
               pin["extractors"].is_object();
  if (valid) {
    for (const auto& [id, count] : pin["extractors"].items()) {
      if (!count.is_number_integer()) valid = false;
      else recorded[id] = count.get<int>();
    }
  }
  if (!valid)
    throw ConfigError(std::string(kFidPinVariable) + ": not the database's FID extractors as `fsearch run` writes them",
                      "unset it: `fsearch run` sets it for its workers");
  check_extractor_pin(ours, recorded, pin["db"].get<std::string>(), cache_dir().string());
}

}  // namespace fsearch::trainers
