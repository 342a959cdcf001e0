// `fsearch report`: the paper's tables regenerated from the database as markdown, with figures.
//
// Each cell is the mean over seeds (with the spread when there are several), "x" where every seed
// diverged, † where some did, ‡ where a seed trained but stayed at chance accuracy, "—" where a
// result is missing or still running; the paper's number stands beside it in
// parentheses; the best per row or column is bold as in the paper. A provenance footer names the
// commit, proxies, budget, seeds, device, date and database.
#pragma once

#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/tables.h"

namespace fsearch::reports {

struct ReportOptions {
  std::string out_dir = "results/reports";
  std::vector<int> tables;            // the paper's tables to write (empty: all)
  std::vector<TableSpec> own_tables;  // a researcher's tables (load_table_file), always written
  bool figures = true;
  std::string db_label;  // how the footer names the database
  std::string gnuplot = "gnuplot";
};

// The markdown of one table (no figures; deterministic for a given database).
std::string render_table(db::Database& db, const TableSpec& table, const std::string& db_label,
                         const std::vector<std::string>& figure_links = {});

// A sweep that is not one of the paper's tables as a table: a row per function or baseline (best
// first), a column per (proxy, shift, learning rate), the paper's number where it trained the same
// function in the same layer form.
TableSpec sweep_table(db::Database& db, const std::string& sweep);
// That table rendered (with its fidelity section), then how the search went (search.h), then the
// candidates the screen rejected and why. `figures`: the best-so-far plot (first, when the sweep has
// one) and the shapes of its best candidates, linked under "The search".
std::string render_sweep_page(db::Database& db, const std::string& sweep, const std::string& db_label,
                              const std::vector<std::string>& figures = {});

// The tables a report writes: the paper's (those in options.tables) and the researcher's own, by
// number. Throws ConfigError when an own table reuses a number.
std::vector<TableSpec> report_tables(const ReportOptions& options);

struct WrittenReports {
  std::vector<std::string> files;         // every file written
  std::vector<TableFidelity> fidelity;    // the tables that have a sweep in the database, in order
};

// Writes sweep-NAME.md for every sweep that is not a table, tableN.md for each table,
// index.md (sweep pages first), fidelity.json, and figures under figures/.
WrittenReports write_reports(db::Database& db, const ReportOptions& options);

}  // namespace fsearch::reports
