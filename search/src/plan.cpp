#include "fsearch/search/plan.h"

#include <algorithm>
#include <filesystem>

#include "fsearch/core/hash.h"
#include "fsearch/core/names.h"
#include "fsearch/search/halving.h"

namespace fsearch::search {
namespace {

const FunctionLayer* function_layer(const Space& space, std::uint64_t fingerprint) {
  for (const auto& entry : space.by_function) {
    if (entry.fingerprint == fingerprint) return &entry;
  }
  return nullptr;
}

// "erf(x), tanh(x), ... (40 in all)": the kept candidates, the first eight by name.
std::string candidate_names(const std::vector<Screened>& screened) {
  std::vector<std::string> names;
  for (const auto& s : screened) {
    if (s.status == db::CandidateStatus::Kept) names.push_back(s.candidate.text);
  }
  const std::size_t total = names.size();
  if (total > 8) names.resize(8);
  return (names.empty() ? std::string("none") : join_names(names)) +
         (total > 8 ? ", ... (" + std::to_string(total) + " in all)" : std::string());
}

}  // namespace

void check_by_function(const Space& space, const std::vector<Screened>& screened) {
  if (space.strategy == StrategyKind::Evolution) return;  // a later generation may breed it
  for (const auto& entry : space.by_function) {
    const Screened* rejected = nullptr;
    bool kept = false;
    for (const auto& s : screened) {
      if (s.candidate.fingerprint != entry.fingerprint) continue;
      kept = kept || s.status == db::CandidateStatus::Kept;
      if (s.status == db::CandidateStatus::Rejected) rejected = &s;
    }
    if (kept) continue;
    if (rejected)
      throw ConfigError(entry.where + ": " + entry.function + " is screened out of this space (" +
                            rejected->reasons + "): it trains with no layer options",
                        "drop its entry, or the failed properties from require");
    throw ConfigError(entry.where + ": " + entry.function + " is not a function of this space (its candidates: " +
                          candidate_names(screened) + ")",
                      "list it under primitives, or drop its entry");
  }
}

std::vector<PlannedJob> plan_jobs(const Space& space, const std::vector<Screened>& screened,
                                  const std::string& runs_root, const std::string& budget) {
  struct Norm {
    functions::NormSpec spec;
    std::string fingerprint, label;
  };
  std::vector<Norm> norms;
  for (const auto& baseline : space.baselines)
    norms.push_back({functions::norm_preset(baseline), "", baseline});
  for (const auto& s : screened) {
    if (s.status != db::CandidateStatus::Kept) continue;
    const auto* own = function_layer(space, s.candidate.fingerprint);
    for (const auto& shift : own ? own->shifts : space.shifts) {
      for (double alpha : own ? own->alpha_inits : space.alpha_inits) {
        functions::NormSpec n;
        n.kind = functions::NormKind::Pointwise;
        n.function = s.candidate.text;
        n.shift = functions::parse_shift_mode(shift);
        n.alpha_init = alpha;
        norms.push_back({n, to_hex(s.candidate.fingerprint), s.candidate.text});
      }
    }
  }
  std::vector<PlannedJob> out;
  for (const auto& proxy : space.proxies) {
    jobs::JobSpec base;
    jobs::read_proxy_file(proxy, base);
    if (space.epochs > 0) base.train.epochs = space.epochs, base.train.steps = 0;
    if (space.steps > 0) base.train.steps = space.steps;
    if (space.epochs > 0 || space.steps > 0) base.train.budget = space.name;
    jobs::apply_budget(base, budget.empty() ? space.budget : budget);
    // The space's lrs win; else the proxy's lr_grid (the paper's DiT protocol); else its lr.
    std::vector<double> lrs = !space.lrs.empty()            ? space.lrs
                              : !base.train.lr_grid.empty() ? base.train.lr_grid
                                                            : std::vector<double>{base.train.lr};
    for (const auto& norm : norms) {
      for (double lr : lrs) {
        for (auto seed : space.seeds) {
          PlannedJob job;
          job.spec = base;
          job.spec.norm = norm.spec;
          job.spec.train.lr = lr;
          job.spec.seed = static_cast<std::uint64_t>(seed);
          job.spec.runtime.eval_train_loss = space.eval_train_loss;
          job.spec.search.reject = space.rejection.enabled;
          job.spec.search.probe = space.rejection.probe;
          job.spec.search.min_loss_drop = space.rejection.min_loss_drop;
          job.spec.search.min_accuracy_gain = space.rejection.min_accuracy_gain;
          if (space.strategy == StrategyKind::Halving) {
            job.spec.search.pause_at = rung_fractions(space.halving).front();
            job.spec.search.cooldown = space.halving.cooldown;
          }
          auto key = jobs::job_key(job.spec);
          auto& row = job.row;
          row.key = key;
          row.fingerprint = norm.fingerprint;
          row.label = norm.label;
          row.proxy = base.model.name;
          row.shift =
              norm.spec.kind == functions::NormKind::Pointwise ? functions::to_string(norm.spec.shift) : "";
          row.lr = lr;
          row.alpha_init = norm.spec.alpha_init;
          row.seed = seed;
          row.spec_json = jobs::to_json_text(job.spec);
          row.run_dir = (std::filesystem::path(runs_root) / space.name / key).string();
          row.max_attempts = space.max_attempts;
          out.push_back(std::move(job));
        }
      }
    }
  }
  return out;
}

}  // namespace fsearch::search
