// A page for a sweep that is not one of the paper's tables (the README's main command, a user's own
// space, a calibration round): its results as a table whose cells carry the paper's number wherever
// the paper trained the same function in the same layer form, so the page gets the same fidelity
// section as the paper's tables, followed by the candidates the property screen rejected.
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fsearch/core/hash.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/reports/report.h"
#include "fsearch/reports/search.h"
#include "table_data.h"

namespace fsearch::reports {
namespace {

struct PaperVerdict {
  double value = NAN;
  bool diverged = false;
  int table = 0;
};

// What the paper says of a function: keyed by (fingerprint, shift, metric, proxy role), where the
// role is "vit" for every accuracy cell of the ViT-B column and the DiT proxy's name for FID. The
// first table that has the cell wins (the paper prints arctan(x) as 82.3 in Table 1 and 82.4 in
// Table 3).
using VerdictKey = std::tuple<std::string, std::string, Metric, std::string>;

const std::map<VerdictKey, PaperVerdict>& paper_verdicts() {
  static const auto verdicts = [] {
    std::map<VerdictKey, PaperVerdict> out;
    for (const auto& table : paper_tables()) {
      for (const auto& row : table.rows) {
        for (const auto& cell : row.cells) {
          if (cell.empty || (std::isnan(cell.paper) && !cell.paper_diverged)) continue;
          if (cell.metric == Metric::TestAcc && cell.proxy != "vit-tiny") continue;  // ViT-L roles
          std::string id = cell.baseline;
          if (id.empty()) id = to_hex(functions::make_candidate(functions::parse(cell.function)).fingerprint);
          const std::string role = cell.metric == Metric::Fid ? cell.proxy : "vit";
          out.emplace(VerdictKey{id, cell.baseline.empty() ? cell.shift : "", cell.metric, role},
                      PaperVerdict{cell.paper, cell.paper_diverged, table.number});
        }
      }
    }
    return out;
  }();
  return verdicts;
}

bool is_dit(const db::JobRow& job) {
  auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  return spec.is_object() && spec.contains("model") && spec["model"].value("proxy", "") == "dit";
}

std::string lr_text(double lr) {
  std::ostringstream out;
  out << lr;
  return out.str();
}

}  // namespace

TableSpec sweep_table(db::Database& db, const std::string& sweep) {
  TableSpec spec;
  spec.sweep = sweep;
  spec.title = "Sweep " + sweep;
  spec.best = Best::PerColumn;
  auto id = db.sweep_id(sweep);
  if (!id) return spec;
  auto jobs = db.jobs(*id);

  // Columns: one per (proxy, shift, lr) the sweep trained at; rows: one per function or baseline.
  struct Column {
    std::string proxy, shift;
    double lr;
    bool dit;
  };
  std::vector<Column> columns;
  std::vector<std::pair<std::string, std::string>> rows;  // (fingerprint or "", label)
  std::set<std::tuple<std::string, std::string, double>> seen_columns;
  std::set<std::string> seen_rows;
  const bool several_lrs = [&] {
    std::set<double> lrs;
    for (const auto& j : jobs) lrs.insert(j.lr);
    return lrs.size() > 1;
  }();
  // Point-wise jobs make the columns; a baseline (no shift) joins every column of its proxy and lr,
  // and makes one only where no point-wise job trained at that proxy and lr.
  for (bool baselines : {false, true}) {
    for (const auto& job : jobs) {
      if (job.fingerprint.empty() != baselines) continue;
      const bool covered = std::any_of(columns.begin(), columns.end(), [&](const Column& c) {
        return c.proxy == job.proxy && c.lr == job.lr;
      });
      if (!(baselines && covered) && seen_columns.insert({job.proxy, job.shift, job.lr}).second)
        columns.push_back({job.proxy, job.shift, job.lr, is_dit(job)});
    }
  }
  for (const auto& job : jobs) {
    const std::string row_id = job.fingerprint.empty() ? "baseline:" + job.label : job.fingerprint;
    if (seen_rows.insert(row_id).second) rows.push_back({job.fingerprint, job.label});
  }
  spec.header.push_back("function");
  for (const auto& c : columns) {
    spec.header.push_back(c.proxy + (c.shift.empty() ? "" : ", s " + c.shift) +
                          (several_lrs ? ", lr " + lr_text(c.lr) : ""));
  }
  for (const auto& [fingerprint, label] : rows) {
    RowSpec row{label, {}};
    for (const auto& c : columns) {
      CellSpec cell;
      cell.proxy = c.proxy;
      cell.lr = c.lr;
      cell.metric = c.dit ? Metric::Fid : Metric::TestAcc;
      if (fingerprint.empty()) {
        cell.baseline = label;
      } else {
        cell.fingerprint = fingerprint;
        cell.shift = c.shift;
      }
      const VerdictKey key{fingerprint.empty() ? label : fingerprint, fingerprint.empty() ? "" : c.shift, cell.metric,
                           c.dit ? c.proxy : "vit"};
      if (auto v = paper_verdicts().find(key); v != paper_verdicts().end()) {
        cell.paper = v->second.value;
        cell.paper_diverged = v->second.diverged;
      }
      row.cells.push_back(cell);
    }
    spec.rows.push_back(row);
  }
  // Best first: by the row's best value (accuracy up, FID down); failed and missing rows last.
  auto data = detail::load_table_data(db, spec);
  auto score = [&](const RowSpec& row) {
    double best = -INFINITY;
    for (const auto& cell : row.cells) {
      auto v = detail::evaluate(cell, data);
      if (std::isnan(v.mean) || v.failed()) continue;
      best = std::max(best, info(cell.metric).higher_is_better ? v.mean : -v.mean);
    }
    return best;
  };
  std::vector<std::pair<double, RowSpec>> scored;
  for (auto& row : spec.rows) scored.push_back({score(row), row});
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  spec.rows.clear();
  for (auto& [s, row] : scored) spec.rows.push_back(row);
  spec.caption = "Every function and baseline this sweep trained, best first; cells are the mean over seeds. "
                 "Where the paper trained the same function in the same layer form (Tables 1-7, ViT-B "
                 "accuracy or the DiT proxy's FID), its number stands in parentheses.";
  return spec;
}

std::string render_sweep_page(db::Database& db, const std::string& sweep, const std::string& db_label,
                              const std::vector<std::string>& figures) {
  std::ostringstream md;
  md << render_table(db, sweep_table(db, sweep), db_label);
  auto id = db.sweep_id(sweep);
  if (!id) return md.str();
  md << render_search_section(search_trace(db, *id), figures);
  auto rejected = db.candidates(*id, db::CandidateStatus::Rejected);
  if (!rejected.empty()) {
    md << "\n## Rejected by the property screen (" << rejected.size()
       << (rejected.size() == 1 ? " candidate" : " candidates") << ")\n\n| candidate | why |\n| --- | --- |\n";
    for (const auto& c : rejected) {
      std::string why = c.reasons;
      std::replace(why.begin(), why.end(), '\n', ';');
      std::string expression = c.expression;
      for (auto* text : {&why, &expression}) {
        std::string escaped;
        for (char ch : *text) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
        *text = escaped;
      }
      md << "| " << expression << " | " << why << " |\n";
    }
  }
  return md.str();
}

}  // namespace fsearch::reports
