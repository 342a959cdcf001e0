#include "table_data.h"

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
  if (!cell.baseline.empty()) return job.fingerprint.empty() && job.label == cell.baseline;
  auto it = data.spellings.find(cell.function);
  if (it == data.spellings.end() || job.fingerprint != it->second) return false;
  return cell.shift.empty() || job.shift == cell.shift;
}

double metric_value(const CellSpec& cell, const db::ResultRow& result) {
  if (cell.metric == "fid") return result.fid;
  return 100 * result.test_acc;
}

}  // namespace fsearch::reports::detail
