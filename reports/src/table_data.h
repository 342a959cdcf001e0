// A table's jobs and results as read from the database, and which jobs fill a cell. Shared by the
// markdown renderer and the figures; internal to the reports library.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/tables.h"

namespace fsearch::reports::detail {

struct TableData {
  std::optional<std::int64_t> sweep;             // empty: the table's sweep was never run
  std::map<std::string, std::string> spellings;  // expression as the space spells it -> fingerprint
  std::vector<db::JobRow> jobs;
  std::map<std::string, db::ResultRow> results;  // by job key
};

TableData load_table_data(db::Database& db, const TableSpec& table);

// Whether the job is one of the cell's (any seed, any learning rate).
bool cell_matches(const CellSpec& cell, const db::JobRow& job, const TableData& data);

// A job's value for the cell's metric: accuracy in %, or FID; NaN when it has none.
double metric_value(const CellSpec& cell, const db::ResultRow& result);

// Within one point of guessing counts as not having learned.
constexpr double kChanceMargin = 1.0;

// A cell as this run filled it: the mean over seeds (within a seed, the best over the learning
// rates it was trained at), how many seeds diverged or stayed at chance.
struct CellValue {
  std::string text;               // what the cell shows (without bold)
  double mean = NAN;              // over the seeds that trained
  double spread = NAN;            // sample std over those seeds (NaN with fewer than 2)
  std::map<std::int64_t, double> by_seed;  // each seed that trained: its value (best over the lrs)
  // Seeds whose every job finished (trained, diverged or rejected); the others count nowhere yet.
  std::set<std::int64_t> finished_seeds;
  // How each finished seed ended, seed by seed, so that a comparison on some seeds keeps the labels.
  std::set<std::int64_t> diverged_seeds;  // every learning rate diverged
  std::set<std::int64_t> rejected_seeds;  // the early probe stopped it (not learning), none finished
  std::set<std::int64_t> chance_seeds;    // accuracy cells: trained (in by_seed) but never beat guessing
  int seeds = 0;                          // every seed planned, finished or not

  int done() const { return static_cast<int>(by_seed.size()); }
  int diverged() const { return static_cast<int>(diverged_seeds.size()); }
  int rejected() const { return static_cast<int>(rejected_seeds.size()); }
  int at_chance() const { return static_cast<int>(chance_seeds.size()); }
  // Some seed trained at several learning rates had its best at the lowest or the highest of them:
  // the model's best may lie outside the rates tried.
  bool best_lr_at_edge = false;
  std::set<std::string> extractors;  // FID cells: the feature extractors behind the values
  std::set<std::string> samplers;    // FID cells: how the scored images were sampled

  bool has_result() const { return done() + diverged() + rejected() > 0; }
  // Training failed (the paper's "x"): more than half of the finished seeds diverged, stayed at
  // chance, or were rejected by the early probe for not learning.
  bool failed() const {
    return has_result() && 2 * (diverged() + at_chance() + rejected()) > done() + diverged() + rejected();
  }
};

CellValue evaluate(const CellSpec& cell, const TableData& data);

// Like with like. A long run fills a column seed by seed, so two cells may have finished different
// seeds; a mean over three seeds against one seed's value mixes the seeds' luck into the gap (on
// dit-b, seed 0 was LayerNorm's best FID of three: 21.37 against a mean of 24.89). Cells are then
// compared on the seeds they all finished.
// The seeds every one of `values` finished; `differ` tells whether some finished others too.
std::set<std::int64_t> shared_seeds(const std::vector<const CellValue*>& values, bool& differ);
// The value as if only `seeds` had run: its trained values there, their mean and spread, and how
// each of its other seeds there ended (diverged, rejected, at chance).
CellValue on_seeds(const CellValue& value, const std::set<std::int64_t>& seeds);
// "seed 0", "seeds 0, 1"
std::string seeds_text(const std::set<std::int64_t>& seeds);

std::string fmt_number(double v, int decimals);
std::string cells(int n);  // "1 cell", "3 cells"

}  // namespace fsearch::reports::detail
