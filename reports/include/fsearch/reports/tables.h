// The paper's tables as layouts: rows, columns, which job each cell shows, and the paper's number.
// A table's jobs come from the sweep of the same name ("table1", ...) that running
// configs/tables/tableN.yaml records; a cell finds its jobs through the expression as the space
// spells it (so hshift(erf, 0), a duplicate of erf, shows erf's job).
#pragma once

#include "fsearch/core/metric.h"
#include <cmath>
#include <string>
#include <vector>

namespace fsearch::reports {

struct CellSpec {
  std::string function;             // the expression as spelled in the table's space; empty for a baseline
  std::string baseline;             // layernorm | rmsnorm
  std::string shift;                // none | scalar | vector (empty: any)
  std::string proxy;                // proxy name, e.g. vit-tiny (empty: any)
  Metric metric = Metric::TestAcc;
  std::string fingerprint;          // when set, the cell's jobs are found by fingerprint, not spelling
  double lr = NAN;                  // when set, only jobs trained at this learning rate
  double paper = NAN;               // the paper's value (accuracy in %, or FID)
  bool paper_diverged = false;      // the paper's "x"
  bool empty = false;               // no cell in the paper's layout
};

struct RowSpec {
  std::string label;
  std::vector<CellSpec> cells;
};

enum class Best { PerRow, PerColumn, None };

struct TableSpec {
  int number = 0;
  std::string sweep;  // sweep name in the database
  std::string title;
  std::string caption;
  std::vector<std::string> header;  // first entry heads the row labels
  std::vector<RowSpec> rows;
  Best best = Best::PerRow;
  std::vector<std::string> figure_functions;  // plotted in the shapes figure
};

const std::vector<TableSpec>& paper_tables();
// "1-7,14-16" -> table numbers; throws ConfigError for numbers that are not tables.
std::vector<int> parse_table_list(const std::string& text);

}  // namespace fsearch::reports
