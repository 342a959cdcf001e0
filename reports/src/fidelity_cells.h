// The cells a fidelity verdict reads, shared by the table's fidelity (fidelity.cpp), its named
// findings (findings.cpp) and the calibration targets (calibration_targets.cpp). Not installed.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/tables.h"
#include "table_data.h"

namespace fsearch::reports::detail {

// A paper cell beside this run's value for it.
struct Cell {
  const CellSpec* spec = nullptr;
  CellValue value;
  std::string name;  // "erf(x) | horizontal, +2" for messages
};
using Grid = std::vector<std::vector<Cell>>;

// Every cell of the table evaluated on the database, row by row.
Grid evaluate_grid(db::Database& db, const TableSpec& table);

// The paper's own noise (core/metric.h): a trend is broken only by more than this (plus our seed
// spreads).
double tolerance(const CellSpec& c);
// Higher is better for every metric after this.
double goodness(const CellSpec& c, double v);
std::string number_text(const CellSpec& c, double v);
double spread_or_zero(const CellValue& v);
// A cell's value in words, without the table's marks (they belong to the table and its footnotes).
std::string value_text(const Cell& c);
std::string paper_text(const CellSpec& c);
// Finished seeds: trained, diverged or rejected.
int finished_seeds(const Cell& c);

// Like with like: cells whose seeds have not all finished are compared on the seeds they all
// finished (table_data.h).
std::set<std::int64_t> shared_seeds(const std::vector<const Cell*>& cells, bool& differ);
Cell on_seeds(const Cell& c, const std::set<std::int64_t>& seeds);

// The table's findings (its file's `findings:`) checked on the grid (findings.cpp).
std::vector<FidelityCheck> named_checks(const TableSpec& table, const Grid& grid);

// Text for a markdown table cell: a literal "|" would end the cell.
std::string table_cell(const std::string& text);
// "67%", or "—" of nothing.
std::string percent(int a, int b);

}  // namespace fsearch::reports::detail
