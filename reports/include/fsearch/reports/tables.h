// The paper's tables as layouts: rows, columns, which job each cell shows, the paper's number, and
// the paper's stated findings to check. Each table is data: the `table:` section of
// configs/tables/tableN.yaml, beside the space that runs it (docs/tables.md has the format). The
// repository's tables are compiled into the program; a researcher's own table is read from its file
// (`fsearch report --table my-ablation.yaml`).
//
// A table's jobs come from the sweep its file names (`name:`); a cell finds its jobs through the
// expression as the space spells it (so hshift(erf, 0), a duplicate of erf, shows erf's job).
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "fsearch/core/metric.h"

namespace fsearch::reports {

struct CellSpec {
  std::string function;  // the expression as spelled in the table's space; empty for a baseline
  std::string baseline;  // layernorm | rmsnorm
  std::string shift;     // none | scalar | vector (empty: any)
  std::string proxy;     // proxy name, e.g. vit-tiny (empty: any)
  Metric metric = Metric::TestAcc;
  std::string fingerprint;      // when set, the cell's jobs are found by fingerprint, not spelling
  double lr = NAN;              // when set, only jobs trained at this learning rate
  double paper = NAN;           // the paper's value (accuracy in %, or FID)
  bool paper_diverged = false;  // the paper's "x"
  bool empty = false;           // no jobs: no cell in the paper's layout, or a difference (below)
  int delta_a = -1, delta_b = -1;  // a difference: the cells in these columns of the row, a minus b
};

struct RowSpec {
  std::string label;
  std::vector<CellSpec> cells;
};

enum class Best { PerRow, PerColumn, None };

// A cell by position: row index into TableSpec::rows, column index into the row's cells.
struct CellAt {
  std::size_t row = 0, column = 0;
};

// One of the paper's stated findings, resolved to cells when the table is read.
enum class FindingKind {
  Better,         // pairs[i].first beats pairs[i].second (one pair)
  AtLeast,        // pairs[i].first is at least as good, within the tolerance (one pair)
  NoWorseThan,    // every pair: first at least as good as second (counted over the pairs)
  NonIncreasing,  // along each sequence, from the unmodified cell outwards, no later cell is better
  Above,          // every cell of `above` beats every cell of `below`
  AsPaper,        // the paper's trained cells (above) train, its "x" cells (below) fail
};

struct FindingSpec {
  FindingKind kind = FindingKind::Better;
  std::string name;
  std::vector<std::pair<CellAt, CellAt>> pairs;  // Better, AtLeast, NoWorseThan
  std::vector<std::vector<CellAt>> sequences;    // NonIncreasing
  std::vector<CellAt> above, below;              // Above, AsPaper
  std::string counting;                          // NoWorseThan: what the pairs are ("clipped cells")
};

struct TableSpec {
  int number = 0;
  std::string sweep;   // sweep name in the database (the file's `name:`)
  std::string source;  // the file that defines it, e.g. configs/tables/table5.yaml
  std::string title;
  std::string caption;
  std::vector<std::string> header;  // the label columns' headings, then one per column
  std::vector<RowSpec> rows;
  Best best = Best::PerRow;
  std::vector<std::string> figure_functions;  // plotted in the shapes figure
  std::vector<FindingSpec> findings;
};

// The repository's tables (configs/tables/*.yaml, compiled in), by number.
const std::vector<TableSpec>& paper_tables();
// A table from a space file with a `table:` section; throws ConfigError naming the file, line and
// field. `source` names the text in errors and in the "not run yet" hint.
TableSpec parse_table(const std::string& text, const std::string& source);
TableSpec load_table_file(const std::string& path);
// "1-7,14-16" -> table numbers; throws ConfigError for numbers that are not tables.
std::vector<int> parse_table_list(const std::string& text);

}  // namespace fsearch::reports
