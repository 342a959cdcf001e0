#include "fsearch/reports/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "table_data.h"

namespace fsearch::reports {
namespace {

using detail::TableData;

// The job drawn for a cell: of the cell's jobs that logged a training curve, those of the lowest
// seed; among them the best finished result, else the first (diverged or unfinished).
const db::JobRow* cell_job(db::Database& db, const CellSpec& cell, const TableData& data) {
  std::vector<const db::JobRow*> drawable;
  for (const auto& job : data.jobs) {
    if (detail::cell_matches(cell, job, data) && !db.curve(job.key, "train").empty())
      drawable.push_back(&job);
  }
  if (drawable.empty()) return nullptr;
  std::int64_t seed = drawable.front()->seed;
  for (const auto* job : drawable) seed = std::min(seed, job->seed);
  const db::JobRow* chosen = nullptr;
  double best = NAN;
  for (const auto* job : drawable) {
    if (job->seed != seed) continue;
    if (!chosen) chosen = job;
    auto r = data.results.find(job->key);
    if (job->state != db::JobState::Done || r == data.results.end()) continue;
    const double value = detail::metric_value(cell, r->second);
    if (!std::isfinite(value)) continue;
    if (std::isnan(best) || better(cell.metric, value, best)) {
      best = value;
      chosen = job;
    }
  }
  return chosen;
}

// One proxy and one metric across the cells: their losses share a scale.
bool one_scale(const std::vector<const CellSpec*>& cells) {
  std::set<std::pair<std::string, Metric>> kinds;
  for (const auto* cell : cells) {
    if (cell && !cell->empty) kinds.insert({cell->proxy, cell->metric});
  }
  return kinds.size() <= 1;
}

// "0.5" -> "lambda = 0.5" (the paper's numeric columns and rows are lambdas), "—" (the unmodified
// function's row) -> "original"; other labels as they are.
std::string series_label(const std::string& text, const std::string& corner) {
  if (text == "—") return "original";
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  const bool numeric = !text.empty() && end == text.c_str() + text.size();
  if (!numeric) return text;
  return (corner.rfind("lambda", 0) == 0 ? corner : std::string("lambda")) + " = " + text;
}

// "erf(x) | horizontal" (a row label spanning two columns) -> "erf(x), horizontal".
std::string panel_title(std::string text) {
  for (auto at = text.find(" | "); at != std::string::npos; at = text.find(" | ", at))
    text.replace(at, 3, ", ");
  return text;
}

// Why a cell's curve stops short: "rejected at step 141" for a job stopped before its budget,
// "still running at step 750" (or "unfinished", for a job waiting or interrupted) for one drawn
// before it finished, at its last logged step; "" for a finished job.
std::string stopped_note(db::Database& db, const TableData& data, const db::JobRow& job) {
  auto r = data.results.find(job.key);
  if (r != data.results.end()) {
    if (r->second.status != "diverged" && r->second.status != "rejected") return "";
    return r->second.status + (r->second.diverged_step >= 0 ? " at step " + std::to_string(r->second.diverged_step) : "");
  }
  if (job.state == db::JobState::Done) return "";
  const auto curve = db.curve(job.key, "train");
  const std::string at = curve.empty() ? "" : " at step " + std::to_string(curve.back().step);
  return (job.state == db::JobState::Running ? "still running" : "unfinished") + at;
}

}  // namespace

std::vector<LossPanel> loss_panels(db::Database& db, const TableSpec& table) {
  TableData data = detail::load_table_data(db, table);
  if (!data.sweep || table.rows.empty()) return {};
  const std::size_t rows = table.rows.size(), columns = table.rows[0].cells.size();
  auto cell_at = [&](std::size_t r, std::size_t c) -> const CellSpec* {
    return c < table.rows[r].cells.size() ? &table.rows[r].cells[c] : nullptr;
  };
  // The header's leading entries head the row labels (Table 1 has two: function, shift).
  const std::size_t label_columns = table.header.size() > columns ? table.header.size() - columns : 0;
  auto column_header = [&](std::size_t c) {
    return label_columns + c < table.header.size() ? table.header[label_columns + c] : std::string();
  };
  const std::string corner = table.header.empty() ? "" : table.header[0];

  // Panel i of a grouping holds cells (i, j) by row, (j, i) by column.
  auto panel_cells = [&](bool by_row, std::size_t i) {
    std::vector<const CellSpec*> cells;
    for (std::size_t j = 0; j < (by_row ? columns : rows); ++j)
      cells.push_back(by_row ? cell_at(i, j) : cell_at(j, i));
    return cells;
  };
  auto keeps_one_scale = [&](bool by_row) {
    for (std::size_t i = 0; i < (by_row ? rows : columns); ++i) {
      if (!one_scale(panel_cells(by_row, i))) return false;
    }
    return true;
  };
  const bool rows_ok = keeps_one_scale(true), columns_ok = keeps_one_scale(false);
  const bool by_row = rows_ok && (!columns_ok || rows <= columns);
  if (!by_row && !columns_ok) return {};  // no grouping keeps one scale per panel

  std::vector<LossPanel> panels;
  for (std::size_t i = 0; i < (by_row ? rows : columns); ++i) {
    LossPanel panel;
    panel.title = panel_title(by_row ? table.rows[i].label : column_header(i));
    const auto cells = panel_cells(by_row, i);
    for (std::size_t j = 0; j < cells.size(); ++j) {
      const CellSpec* cell = cells[j];
      if (!cell || cell->empty) continue;
      if (const db::JobRow* job = cell_job(db, *cell, data))
        panel.series.push_back(
            {series_label(by_row ? column_header(j) : table.rows[j].label, corner), job->key,
             stopped_note(db, data, *job)});
    }
    if (!panel.series.empty()) panels.push_back(std::move(panel));
  }
  return panels;
}

}  // namespace fsearch::reports
