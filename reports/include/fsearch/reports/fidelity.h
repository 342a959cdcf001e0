// How far a proxy run agrees with the paper, table by table: a proxy number is only worth printing
// beside the paper's if the report says how far the two agree.
//
//  - failure agreement: over the cells with a result here, those where the paper's "x" meets a
//    failure here (every seed, or most, diverged or stayed at chance) plus those where both trained;
//  - order agreement: over the cells that trained in both, Kendall's tau-b between the paper's
//    numbers and ours (per metric and proxy), and the share of the paper's clear pairwise orderings
//    (a gap of >= 0.3 accuracy points or >= 0.5 FID) that this run reproduces; with >= 2 seeds a pair
//    counts only when our gap exceeds the two cells' seed spreads added;
//  - the paper's stated findings as named checks (erf > tanh, accuracy non-increasing in |lambda|,
//    ...), each passed, failed or not run, with its numbers.
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/tables.h"

namespace fsearch::reports {

enum class CheckStatus { Pass, Fail, NotRun };
std::string to_string(CheckStatus status);

struct FidelityCheck {
  std::string name;    // the paper's claim, e.g. "erf > tanh (ViT)"
  CheckStatus status = CheckStatus::NotRun;
  std::string detail;  // the numbers behind the verdict
  // A strict comparison ("a > b"), and whether it holds by more than the two cells' summed seed
  // spreads with >= 2 seeds each: what calibration target 2 asks of "erf > tanh".
  bool strict = false, beyond_spread = false;
  // Finished seeds of the cell with fewest among those the check compared, for a check that reads
  // named cells (a pair, two groups); 0 for one that reads its whole table (a trend).
  int fewest_seeds = 0;
};

struct OrderAgreement {
  std::string group;  // metric and proxy, e.g. "test_acc vit-tiny"
  int cells = 0;      // cells that trained in both
  double kendall_tau = NAN;
  int clear_pairs = 0, reproduced = 0;
  bool beyond_spread = false;  // every compared cell had >= 2 seeds
  // The seeds the cells were compared on, when their finished seeds differ (a run filling a column
  // seed by seed): those they all finished. Empty when every cell finished the same seeds.
  std::vector<std::int64_t> compared_on_seeds;
  // The cells finished different seeds and no seed is common to all: compared as they are.
  bool no_shared_seed = false;
};

// A cell with a result here and a verdict in the paper: its finished seeds, and whether the two
// agree on failing (both failed, or both trained).
struct CellVerdict {
  int seeds = 0;
  bool agree = false;
};

struct TableFidelity {
  int table = 0;
  int paper_cells = 0;  // cells with a verdict in the paper, run here or not
  std::vector<CellVerdict> verdicts;  // the compared cells, in the table's order
  int paper_failures = 0, paper_failures_reproduced = 0;
  // "erf(x) | vertical, +2: paper x, here 81.0% ± 0.4, 4.3 worse than the row's best (...)"
  std::vector<std::string> disagreements;
  std::vector<OrderAgreement> order;
  std::vector<FidelityCheck> checks;

  int compared() const { return static_cast<int>(verdicts.size()); }
  int failure_agree() const {
    return static_cast<int>(std::count_if(verdicts.begin(), verdicts.end(), [](const CellVerdict& v) { return v.agree; }));
  }
  // Finished seeds of the compared cell that has fewest (0: none compared).
  int fewest_seeds() const {
    int fewest = 0;
    for (std::size_t i = 0; i < verdicts.size(); ++i) fewest = i ? std::min(fewest, verdicts[i].seeds) : verdicts[i].seeds;
    return fewest;
  }
  double failure_agreement() const { return compared() > 0 ? double(failure_agree()) / compared() : NAN; }
};

TableFidelity table_fidelity(db::Database& db, const TableSpec& table);

// Kendall's tau-b of two equally long series (ties in either count as neither concordant nor
// discordant); NaN with fewer than two pairs or a series without variation.
double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b);

// The "Fidelity" section of a table's page, and one summary row for index.md.
std::string fidelity_markdown(const TableFidelity& f);
std::string fidelity_summary_row(const TableFidelity& f);
nlohmann::json to_json(const TableFidelity& f);

}  // namespace fsearch::reports
