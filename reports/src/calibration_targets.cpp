#include "fsearch/reports/calibration_targets.h"

#include <algorithm>
#include <sstream>

#include "fidelity_cells.h"

namespace fsearch::reports {
namespace {

using detail::percent;
using detail::table_cell;

constexpr int kTargetSeeds = 3;
constexpr double kTargetFailureAgreement = 0.9;
constexpr int kPropertyTables[] = {1, 2, 3, 4, 5};

struct CheckTarget {
  std::string name;
  std::vector<std::pair<int, std::string>> checks;  // (table, finding name): all must pass
  // A strict check ("erf > tanh") counts only when its gap is beyond the seed spread.
  bool beyond_spread = false;
  // The verdict waits only for the cells its checks compare (Table 7's ViT column), not for the
  // rest of their table (the DiT columns, days of CPU more); otherwise for the whole table.
  bool own_cells = false;
};

const std::vector<CheckTarget>& check_targets() {
  static const std::vector<CheckTarget> targets = {
      {"2. erf > tanh and erf >= LayerNorm beyond the seed spread (ViT, Table 7)",
       {{7, "erf > tanh (ViT)"}, {7, "erf >= LayerNorm (ViT)"}},
       /*beyond_spread=*/true,
       /*own_cells=*/true},
      {"3. accuracy non-increasing in the flat zone's lambda (Table 5)",
       {{5, "accuracy non-increasing in the flat zone's lambda (Table 5)"}}},
  };
  return targets;
}

const TableFidelity* find_table(const std::vector<TableFidelity>& tables, int number) {
  for (const auto& t : tables)
    if (t.table == number) return &t;
  return nullptr;
}

// Why a table does not count yet ("" when it does): not run, cells missing, or too few seeds.
std::string incomplete(const TableFidelity* t, int number) {
  const std::string table = "Table " + std::to_string(number);
  if (t == nullptr || t->compared() == 0) return table + " not run";
  const int fewest = t->fewest_seeds();
  const std::string seeds = std::to_string(fewest) + " seed" + (fewest == 1 ? "" : "s");
  if (t->compared() < t->paper_cells)
    return table + " has " + std::to_string(t->compared()) + " of " + std::to_string(t->paper_cells) + " cells" +
           (fewest < kTargetSeeds ? " (fewest seeds: " + std::to_string(fewest) + ")" : "");
  if (fewest < kTargetSeeds) return table + " has cells with " + seeds;
  return "";
}

FidelityCheck failure_target(const std::vector<TableFidelity>& tables) {
  FidelityCheck target;
  target.name = "1. failure agreement over Tables 1-5 >= 90%";
  int agree = 0, compared = 0;
  // Cells with all their seeds keep their verdicts; the others (fewer seeds, or not run) are open.
  int cells = 0, settled_agree = 0, settled = 0;
  bool every_table = true;  // each table's cells are known, run or not
  std::vector<std::string> missing;
  for (int number : kPropertyTables) {
    const TableFidelity* t = find_table(tables, number);
    if (auto why = incomplete(t, number); !why.empty()) missing.push_back(why);
    if (t == nullptr || t->paper_cells == 0) {
      every_table = false;
      continue;
    }
    agree += t->failure_agree(), compared += t->compared(), cells += t->paper_cells;
    for (const auto& v : t->verdicts) {
      if (v.seeds < kTargetSeeds) continue;
      ++settled;
      settled_agree += v.agree;
    }
  }
  std::ostringstream text;
  if (compared > 0) text << agree << " of " << detail::cells(compared) << " (" << percent(agree, compared) << ")";
  if (missing.empty()) {
    target.status = agree >= kTargetFailureAgreement * compared ? CheckStatus::Pass : CheckStatus::Fail;
    target.detail = text.str();
    return target;
  }
  text << (compared > 0 ? " so far; " : "");
  for (std::size_t i = 0; i < missing.size(); ++i) text << (i ? ", " : "") << missing[i];
  const int open = cells - settled;
  if (every_table && settled_agree + open < kTargetFailureAgreement * cells) {
    target.status = CheckStatus::Fail;
    text << "; at most " << settled_agree + open << " of " << cells << " (" << percent(settled_agree + open, cells)
         << ") even if the " << open << " open cell" << (open == 1 ? "" : "s") << " all agree";
  } else if (every_table && settled_agree >= kTargetFailureAgreement * cells) {
    target.status = CheckStatus::Pass;
    text << "; at least " << settled_agree << " of " << cells << " (" << percent(settled_agree, cells)
         << ") whatever the " << open << " open cell" << (open == 1 ? "" : "s") << " give";
  }
  target.detail = text.str();
  return target;
}

FidelityCheck check_target(const CheckTarget& spec, const std::vector<TableFidelity>& tables) {
  FidelityCheck target;
  target.name = spec.name;
  bool all_pass = true, any_fail = false, any_missing = false;
  std::vector<std::string> parts, missing;
  for (const auto& [number, name] : spec.checks) {
    const TableFidelity* t = find_table(tables, number);
    const FidelityCheck* check = nullptr;
    if (t != nullptr)
      for (const auto& c : t->checks)
        if (c.name == name) check = &c;
    if (check == nullptr || check->status == CheckStatus::NotRun) {
      any_missing = true, all_pass = false;
      parts.push_back(name + ": not run");
      continue;
    }
    // "erf > tanh" by less than the seed spread is no ordering the target can count.
    const bool within_spread =
        spec.beyond_spread && check->strict && check->status == CheckStatus::Pass && !check->beyond_spread;
    const CheckStatus status = within_spread ? CheckStatus::Fail : check->status;
    all_pass = all_pass && status == CheckStatus::Pass;
    any_fail = any_fail || status == CheckStatus::Fail;
    parts.push_back(name + ": " + to_string(check->status) + (within_spread ? ", but within the seed spread" : "") +
                    " (" + check->detail + ")");
    const auto why =
        spec.own_cells && check->fewest_seeds > 0
            ? (check->fewest_seeds < kTargetSeeds
                   ? name + " compares cells with " + std::to_string(check->fewest_seeds) + " seed" +
                         (check->fewest_seeds == 1 ? "" : "s")
                   : "")
            : incomplete(t, number);
    if (!why.empty() && std::find(missing.begin(), missing.end(), why) == missing.end()) missing.push_back(why);
  }
  // Fewer seeds than the target asks for: the verdict is not yet the target's.
  if (any_missing || !missing.empty()) {
    target.status = CheckStatus::NotRun;
  } else {
    target.status = all_pass ? CheckStatus::Pass : (any_fail ? CheckStatus::Fail : CheckStatus::NotRun);
  }
  std::ostringstream detail;
  for (std::size_t i = 0; i < parts.size(); ++i) detail << (i ? "; " : "") << parts[i];
  if (!missing.empty()) {
    detail << "; so far only: ";
    for (std::size_t i = 0; i < missing.size(); ++i) detail << (i ? ", " : "") << missing[i];
  }
  target.detail = detail.str();
  return target;
}

}  // namespace

std::vector<FidelityCheck> calibration_targets(const std::vector<TableFidelity>& tables) {
  std::vector<FidelityCheck> targets = {failure_target(tables)};
  for (const auto& spec : check_targets()) targets.push_back(check_target(spec, tables));
  return targets;
}

std::vector<std::pair<int, std::string>> calibration_target_checks() {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& spec : check_targets()) out.insert(out.end(), spec.checks.begin(), spec.checks.end());
  return out;
}

std::string calibration_markdown(const std::vector<FidelityCheck>& targets) {
  std::ostringstream md;
  md << "## Calibration targets: is the ViT proxy calibrated?\n\n"
     << "The ViT proxy counts as calibrated when all three hold, each judged once the cells it reads have "
     << kTargetSeeds << " seeds: target 2 the cells its checks compare (Table 7's ViT column), the others "
     << "their whole tables; target 1 sooner when the cells with all their seeds decide it whatever the "
     << "others give (docs/calibration.md).\n\n"
     << "| target | here | numbers |\n| --- | --- | --- |\n";
  for (const auto& t : targets)
    md << "| " << table_cell(t.name) << " | " << to_string(t.status) << " | " << table_cell(t.detail) << " |\n";
  md << "\n";
  return md.str();
}

nlohmann::json to_json(const std::vector<FidelityCheck>& targets) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : targets) out.push_back({{"name", t.name}, {"status", to_string(t.status)}, {"detail", t.detail}});
  return out;
}

}  // namespace fsearch::reports

