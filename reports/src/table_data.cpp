#include "table_data.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fsearch::reports::detail {

TableData load_table_data(db::Database& db, const TableSpec& table) {
  TableData data;
  data.sweep = db.sweep_id(table.sweep);
  if (!data.sweep) return data;
  data.spellings = db.spellings(*data.sweep);
  data.jobs = db.jobs(*data.sweep);
  for (const auto& job : data.jobs) {
    if (auto r = db.result(job.key)) data.results[job.key] = *r;
  }
  return data;
}

bool cell_matches(const CellSpec& cell, const db::JobRow& job, const TableData& data) {
  if (cell.empty) return false;
  if (!cell.proxy.empty() && job.proxy != cell.proxy) return false;
  if (!std::isnan(cell.lr) && std::abs(job.lr - cell.lr) > 1e-12 * std::max(1.0, cell.lr)) return false;
  if (!cell.baseline.empty()) return job.fingerprint.empty() && job.label == cell.baseline;
  if (!cell.fingerprint.empty())
    return job.fingerprint == cell.fingerprint && (cell.shift.empty() || job.shift == cell.shift);
  auto it = data.spellings.find(cell.function);
  if (it == data.spellings.end() || job.fingerprint != it->second) return false;
  return cell.shift.empty() || job.shift == cell.shift;
}

double metric_value(const CellSpec& cell, const db::ResultRow& result) {
  switch (cell.metric) {
    case Metric::Fid: return result.fid;
    case Metric::EvalTrainLoss: return result.eval_train_loss;
    case Metric::TestAcc: break;
  }
  return 100 * result.test_acc;
}

std::string fmt_number(double v, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << v;
  return out.str();
}

namespace {

// Guessing's accuracy in % for the job's classifier (NaN when the spec does not say): a network
// whose flat zone swallows every input trains without diverging and stays there.
double chance_accuracy(const db::JobRow& job) {
  auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  if (spec.is_discarded() || !spec.contains("model")) return NAN;
  const int classes = spec["model"].value("num_classes", 0);
  return classes > 1 ? 100.0 / classes : NAN;
}

// How a seed's learning rates are ranked for a cell, better first: by the cell's own metric, except
// the eval-mode training loss (Table 13), which is read from the model the proxy's own metric
// picks (the best-FID DiT model: the paper reads Table 13 from the models of its Tables 7 and 8),
// so that a learning rate that fits the training set closer but samples worse never stands for
// the function. Lower ranks better.
double rank_of(const CellSpec& cell, const db::ResultRow& result) {
  if (cell.metric == Metric::EvalTrainLoss) {
    if (std::isfinite(result.fid)) return result.fid;
    if (std::isfinite(result.test_acc)) return -result.test_acc;
  }
  const double value = metric_value(cell, result);
  return info(cell.metric).higher_is_better ? -value : value;
}

}  // namespace

std::string cells(int n) {
  return n == 1 ? "1 cell" : std::to_string(n) + " cells";
}

namespace {

// "50 steps, eta 1, guidance 3, 1000 samples": the sampler behind a DiT job's FID.
std::string sampler_text(const db::JobRow& job) {
  auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  if (spec.is_discarded() || !spec.contains("diffusion")) return "";
  const auto& d = spec["diffusion"];
  const int classes = spec.contains("model") ? spec["model"].value("num_classes", 0) : 0;
  std::ostringstream out;
  out << d.value("sample_steps", 0) << " steps, eta " << d.value("sample_eta", 0.0) << ", guidance "
      << d.value("cfg_scale", 1.0) << ", " << d.value("samples_per_class", 0) * classes << " samples";
  return out.str();
}

}  // namespace

// Mean over seeds (with the spread when there are several); within a seed, the best over the
// learning rates a job was trained at (the paper's DiT protocol keeps the best of three; see
// rank_of for Table 13's loss).
CellValue evaluate(const CellSpec& cell, const TableData& data) {
  CellValue v;
  if (cell.empty) return v;
  std::map<std::int64_t, double> best_per_seed;
  std::map<std::int64_t, double> best_rank_per_seed;       // rank_of that best
  std::map<std::int64_t, double> best_lr_per_seed;         // the learning rate of that best
  std::map<std::int64_t, std::set<double>> lrs_per_seed;  // every rate tried, diverged ones too
  std::map<std::int64_t, double> chance_per_seed;
  std::set<std::int64_t> seeds, any_diverged, any_rejected;  // seeds with some job that diverged, was rejected
  // A seed with a job still pending or running is no result yet: its best over part of the
  // learning rates would look like the cell's value (and compare with cells whose seeds are whole).
  std::set<std::int64_t> unfinished;
  for (const auto& job : data.jobs) {
    if (cell_matches(cell, job, data) &&
        (job.state == db::JobState::Pending || job.state == db::JobState::Running))
      unfinished.insert(job.seed);
  }
  for (const auto& job : data.jobs) {
    if (!cell_matches(cell, job, data)) continue;
    seeds.insert(job.seed);
    if (unfinished.count(job.seed)) continue;
    auto r = data.results.find(job.key);
    if (job.state == db::JobState::Diverged) any_diverged.insert(job.seed);
    if (job.state == db::JobState::Rejected) any_rejected.insert(job.seed);
    if (job.state == db::JobState::Done || job.state == db::JobState::Diverged ||
        job.state == db::JobState::Rejected)
      lrs_per_seed[job.seed].insert(job.lr);
    if (job.state != db::JobState::Done || r == data.results.end()) continue;
    const double value = metric_value(cell, r->second);
    if (!std::isfinite(value)) continue;
    if (cell.metric == Metric::Fid) {
      v.extractors.insert(r->second.fid_features);
      if (auto sampler = sampler_text(job); !sampler.empty()) v.samplers.insert(sampler);
    } else if (cell.metric == Metric::TestAcc) {
      chance_per_seed[job.seed] = chance_accuracy(job);
    }
    const double rank = rank_of(cell, r->second);
    auto [it, fresh] = best_rank_per_seed.emplace(job.seed, rank);
    if (fresh || rank < it->second) {
      it->second = rank;
      best_per_seed[job.seed] = value;
      best_lr_per_seed[job.seed] = job.lr;
    }
  }
  for (const auto& [seed, lr] : best_lr_per_seed) {
    const auto& tried = lrs_per_seed[seed];
    v.best_lr_at_edge |= tried.size() >= 2 && (lr == *tried.begin() || lr == *tried.rbegin());
  }
  v.seeds = static_cast<int>(seeds.size());
  for (auto seed : seeds)
    if (!unfinished.count(seed)) v.finished_seeds.insert(seed);
  for (auto seed : any_diverged)  // every lr diverged
    if (!best_per_seed.count(seed)) v.diverged_seeds.insert(seed);
  for (auto seed : any_rejected)
    if (!best_per_seed.count(seed) && !any_diverged.count(seed)) v.rejected_seeds.insert(seed);
  std::vector<double> values;
  for (const auto& [seed, value] : best_per_seed) {
    values.push_back(value);
    auto chance = chance_per_seed.find(seed);
    if (chance != chance_per_seed.end() && value <= chance->second + kChanceMargin) v.chance_seeds.insert(seed);
  }
  v.by_seed = best_per_seed;
  if (values.empty()) {
    v.text = v.diverged() > 0 ? "x" : v.rejected() > 0 ? "rej." : "—";
    return v;
  }
  const int decimals = info(cell.metric).decimals;
  const std::string unit(info(cell.metric).unit);
  double sum = 0;
  for (double x : values) sum += x;
  v.mean = sum / values.size();
  v.text = fmt_number(v.mean, decimals) + unit;
  if (values.size() > 1) {
    double sq = 0;
    for (double x : values) sq += (x - v.mean) * (x - v.mean);
    v.spread = std::sqrt(sq / (values.size() - 1));
    v.text = fmt_number(v.mean, decimals) + " ± " + fmt_number(v.spread, decimals) + unit;
  }
  if (v.diverged() > 0 || v.rejected() > 0) v.text += " †";  // the mean leaves out seeds that failed
  if (v.at_chance() > 0) v.text += " ‡";
  if (v.best_lr_at_edge) v.text += " §";
  return v;
}

std::set<std::int64_t> shared_seeds(const std::vector<const CellValue*>& values, bool& differ) {
  differ = false;
  if (values.empty()) return {};
  std::set<std::int64_t> shared = values.front()->finished_seeds;
  for (const CellValue* v : values) {
    std::set<std::int64_t> both;
    std::set_intersection(shared.begin(), shared.end(), v->finished_seeds.begin(), v->finished_seeds.end(),
                          std::inserter(both, both.end()));
    shared = both;
  }
  for (const CellValue* v : values) differ = differ || v->finished_seeds != shared;
  return shared;
}

CellValue on_seeds(const CellValue& value, const std::set<std::int64_t>& seeds) {
  const auto within = [&seeds](const std::set<std::int64_t>& of) {
    std::set<std::int64_t> out;
    std::set_intersection(of.begin(), of.end(), seeds.begin(), seeds.end(), std::inserter(out, out.end()));
    return out;
  };
  CellValue v = value;
  v.finished_seeds = within(value.finished_seeds);
  v.diverged_seeds = within(value.diverged_seeds);
  v.rejected_seeds = within(value.rejected_seeds);
  v.chance_seeds = within(value.chance_seeds);
  v.by_seed.clear();
  std::vector<double> values;
  for (auto seed : v.finished_seeds) {
    if (auto it = value.by_seed.find(seed); it != value.by_seed.end()) {
      v.by_seed[seed] = it->second;
      values.push_back(it->second);
    }
  }
  v.mean = v.spread = NAN;
  if (values.empty()) return v;
  double sum = 0;
  for (double x : values) sum += x;
  v.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double sq = 0;
    for (double x : values) sq += (x - v.mean) * (x - v.mean);
    v.spread = std::sqrt(sq / static_cast<double>(values.size() - 1));
  }
  return v;
}

std::string seeds_text(const std::set<std::int64_t>& seeds) {
  std::string text = seeds.size() == 1 ? "seed " : "seeds ";
  bool first = true;
  for (auto seed : seeds) {
    text += (first ? "" : ", ") + std::to_string(seed);
    first = false;
  }
  return text;
}

}  // namespace fsearch::reports::detail
