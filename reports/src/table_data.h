// A table's jobs and results as read from the database, and which jobs fill a cell. Shared by the
// markdown renderer and the figures; internal to the reports library.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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

}  // namespace fsearch::reports::detail
