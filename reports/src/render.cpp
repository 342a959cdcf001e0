#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"
#include "fsearch/jobs/run_dir.h"
#include "table_data.h"

namespace fsearch::reports {
namespace {

using detail::cells;
using detail::CellValue;
using detail::evaluate;
using detail::fmt_number;
using detail::kChanceMargin;
using detail::load_table_data;
using detail::TableData;

// Said under every table with FID columns: measured, not assumed (docs/calibration.md, rounds 6,
// 22 to 27).
constexpr const char* kFidNoise =
    "On the dit-b proxy at its default budget (6 epochs, three seeds, docs/calibration.md round 27), "
    "with the paper's protocol (each seed at its best learning rate), Derf and LayerNorm are level "
    "within the seed spread: FID 24.0 ± 3.4 against 24.9 ± 3.4 with guidance 3 (the lead changes "
    "hands between seeds: LayerNorm by 1.2 and 2.7, Derf by 6.5), 17.7 ± 0.9 against 16.9 ± 1.2 "
    "unguided (LayerNorm ahead on every seed, by 0.4-1.1). Gaps of the paper's size (1-2 FID) are "
    "below this proxy's noise: an order in the FID columns is a finding only where the fidelity "
    "section counts it beyond the seed spread.";

// "↑0.5%" or "↓1.70": a difference as the paper prints it (the arrow is the sign).
std::string arrow_number(double d, Metric metric) {
  const auto& m = info(metric);
  const std::string magnitude = fmt_number(std::abs(d), m.decimals) + std::string(m.unit);
  if (fmt_number(std::abs(d), m.decimals) == fmt_number(0, m.decimals)) return magnitude;
  return (d > 0 ? "↑" : "↓") + magnitude;
}

// A difference cell: this run's (when both cells trained) and the paper's in parentheses.
std::string delta_text(const RowSpec& row, const std::vector<CellValue>& values, const CellSpec& cell) {
  const auto &a = row.cells[cell.delta_a], &b = row.cells[cell.delta_b];
  const auto &va = values[cell.delta_a], &vb = values[cell.delta_b];
  const bool ours = !std::isnan(va.mean) && !std::isnan(vb.mean) && !va.failed() && !vb.failed();
  std::string text = ours ? arrow_number(va.mean - vb.mean, a.metric) : "—";
  if (!std::isnan(a.paper) && !std::isnan(b.paper))
    text += " (" + arrow_number(a.paper - b.paper, a.metric) + ")";
  return text;
}

std::string paper_text(const CellSpec& cell) {
  if (cell.paper_diverged) return "x";
  if (std::isnan(cell.paper)) return "";
  return fmt_number(cell.paper, info(cell.metric).decimals) + std::string(info(cell.metric).unit);
}

std::string provenance(const TableData& data, const std::string& db_label) {
  std::set<std::string> commits, budgets, devices, proxies;
  std::set<std::int64_t> seeds;
  double latest = 0;
  for (const auto& job : data.jobs) {
    proxies.insert(job.proxy);
    seeds.insert(job.seed);
    latest = std::max(latest, job.finished_at);
    auto r = data.results.find(job.key);
    if (r == data.results.end()) continue;
    auto j = nlohmann::json::parse(r->second.result_json, nullptr, false);
    if (j.is_discarded()) continue;
    commits.insert(j.value("git_commit", "?"));
    budgets.insert(j.value("budget", "?"));
    const std::string cpu = j.value("cpu", "");  // not recorded before 2026-12-06
    devices.insert(j.value("device", "?") + " x" + std::to_string(j.value("threads", 0)) + " threads" +
                   (cpu.empty() ? "" : " on " + cpu));
  }
  auto join = [](const auto& set) {
    std::ostringstream out;
    bool first = true;
    for (const auto& item : set) {
      out << (first ? "" : ", ") << item;
      first = false;
    }
    return set.empty() ? std::string("—") : out.str();
  };
  std::string date = "—";
  if (latest > 0) {
    std::time_t t = static_cast<std::time_t>(latest);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    date = buffer;
  }
  std::ostringstream out;
  out << "Provenance: commit " << join(commits) << "; proxies " << join(proxies) << "; budget "
      << join(budgets) << "; seeds " << join(seeds) << "; device " << join(devices) << "; last result "
      << date << "; database " << db_label << ".\n";
  return out.str();
}

// One line per failed cell (the paper's "x" here), and per cell that trained although some of its
// seeds failed (†): what the first failing seed's diagnostics say, e.g. every input of a norm inside
// the flat zone at init, or attention logits that grew.
std::string failure_explanations(const TableSpec& table, const std::vector<std::vector<CellValue>>& values,
                                 const TableData& data) {
  std::ostringstream md;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    for (std::size_t c = 0; c < table.rows[r].cells.size(); ++c) {
      const auto& cell = table.rows[r].cells[c];
      const auto& v = values[r][c];
      const bool partial = !v.failed() && v.done() > 0 && (v.diverged() > 0 || v.rejected() > 0);
      if (cell.empty || !(v.failed() || partial)) continue;
      for (const auto& job : data.jobs) {
        auto result = data.results.find(job.key);
        if (!detail::cell_matches(cell, job, data) || result == data.results.end()) continue;
        if (partial && job.state != db::JobState::Rejected && job.state != db::JobState::Diverged) continue;
        auto j = nlohmann::json::parse(result->second.result_json, nullptr, false);
        std::string why =
            j.is_object() && j.contains("diagnostics") ? jobs::explain_diagnostics(j["diagnostics"]) : "";
        if (job.state == db::JobState::Rejected)
          why = "rejected at step " + std::to_string(result->second.diverged_step) + " (" +
                result->second.diverged_reason + ")" + (why.empty() ? "" : "; " + why);
        if (job.state == db::JobState::Diverged)
          why = "diverged at step " + std::to_string(result->second.diverged_step) + " (" +
                result->second.diverged_reason + ")" + (why.empty() ? "" : "; " + why);
        if (why.empty()) continue;
        const std::size_t offset = table.header.size() - table.rows[r].cells.size();
        const int failed_seeds = v.diverged() + v.rejected();
        md << (md.tellp() == 0 ? "Why cells failed (the first failing seed's diagnostics):\n\n" : "") << "- "
           << table.rows[r].label << (table.rows[r].cells.size() > 1 ? ", " + table.header[offset + c] : "")
           << (partial ? " (" + std::to_string(failed_seeds) + " of " + std::to_string(v.done() + failed_seeds) +
                             " seeds; the cell trained on the others)"
                       : "")
           << ": " << why << "\n";
        break;
      }
    }
  }
  if (md.tellp() > 0) md << "\n";
  return md.str();
}

// Which groups' bold the seeds decided: a row or column filled seed by seed.
struct BoldSeeds {
  std::set<std::int64_t> seeds;  // the seeds the compared cells all finished, over every such group
  int on_shared = 0;             // groups whose bold differs from the best of the means shown
  int none_shared = 0;           // groups with no seed all their cells finished: means compared
};

// The cells of `candidates` whose value (as `means` shows it, to the table's decimals) is the best.
using CellIndex = std::pair<std::size_t, std::size_t>;  // row, column
std::set<CellIndex> best_of(const TableSpec& table, const std::vector<CellIndex>& candidates,
                            const std::vector<double>& means) {
  double best = NAN;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto& spec = table.rows[candidates[i].first].cells[candidates[i].second];
    if (!std::isnan(means[i]) && (std::isnan(best) || fsearch::better(spec.metric, means[i], best))) best = means[i];
  }
  std::set<CellIndex> out;
  if (std::isnan(best)) return out;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const int decimals = info(table.rows[candidates[i].first].cells[candidates[i].second].metric).decimals;
    if (!std::isnan(means[i]) && fmt_number(means[i], decimals) == fmt_number(best, decimals))
      out.insert(candidates[i]);
  }
  return out;
}

// Bolds the best of `group`'s cells; a failure is never the best. Cells that finished different
// seeds are compared on the seeds they all finished (detail::shared_seeds), where a cell that failed
// on them is no candidate either; so the bold cell is not always the best of the means shown, and a
// footnote says so where it is not. With no such seed, cells compare on their means, also said.
void bold_best(const TableSpec& table, const std::vector<std::vector<CellValue>>& values,
               const std::vector<std::pair<std::size_t, std::size_t>>& group,
               std::set<std::pair<std::size_t, std::size_t>>& bold, BoldSeeds& bold_seeds) {
  std::vector<std::pair<std::size_t, std::size_t>> candidates;
  std::vector<const CellValue*> candidate_values;
  for (auto [r, c] : group) {
    const CellValue& v = values[r][c];
    if (table.rows[r].cells[c].empty || std::isnan(v.mean) || v.failed()) continue;
    candidates.push_back({r, c});
    candidate_values.push_back(&v);
  }
  bool differ = false;
  const auto shared = detail::shared_seeds(candidate_values, differ);
  const bool paired = differ && !shared.empty();
  std::vector<double> shown, compared;
  for (const CellValue* v : candidate_values) {
    shown.push_back(v->mean);
    if (paired) {
      const CellValue on = detail::on_seeds(*v, shared);
      compared.push_back(on.failed() ? NAN : on.mean);
    }
  }
  const auto by_means = best_of(table, candidates, shown);
  const auto chosen = paired ? best_of(table, candidates, compared) : by_means;
  if (chosen.empty()) return;
  if (paired && chosen != by_means) {
    ++bold_seeds.on_shared;
    bold_seeds.seeds.insert(shared.begin(), shared.end());
  } else if (differ && !paired) {
    ++bold_seeds.none_shared;
  }
  bold.insert(chosen.begin(), chosen.end());
}

}  // namespace

std::string render_table(db::Database& db, const TableSpec& table, const std::string& db_label,
                         const std::vector<std::string>& figure_links) {
  TableData data = load_table_data(db, table);
  // Evaluate every cell, then find the best per row / column among this run's numbers.
  std::vector<std::vector<CellValue>> values;
  for (const auto& row : table.rows) {
    std::vector<CellValue> row_values;
    for (const auto& cell : row.cells) row_values.push_back(evaluate(cell, data));
    values.push_back(row_values);
  }
  // The cells that compete for bold: one metric of a row (Table 14 bolds accuracy and FID
  // separately, as the paper), or a column.
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> groups;
  if (table.best == Best::PerRow) {
    for (std::size_t r = 0; r < values.size(); ++r) {
      std::map<Metric, std::vector<std::pair<std::size_t, std::size_t>>> by_metric;
      for (std::size_t c = 0; c < values[r].size(); ++c) by_metric[table.rows[r].cells[c].metric].push_back({r, c});
      for (auto& [metric, group] : by_metric) groups.push_back(group);
    }
  } else if (table.best == Best::PerColumn && !values.empty()) {
    for (std::size_t c = 0; c < values[0].size(); ++c) {
      groups.emplace_back();
      for (std::size_t r = 0; r < values.size(); ++r) groups.back().push_back({r, c});
    }
  }
  std::set<std::pair<std::size_t, std::size_t>> bold;
  BoldSeeds bold_seeds;
  for (const auto& group : groups) bold_best(table, values, group, bold, bold_seeds);

  bool any_fid = false;
  for (const auto& row : table.rows)
    for (const auto& cell : row.cells) any_fid |= !cell.empty && cell.metric == Metric::Fid;
  std::ostringstream md;
  md << "# " << (table.number > 0 ? "Table " + std::to_string(table.number) + ": " : "") << table.title
     << "\n\n"
     << table.caption << (any_fid ? (table.caption.empty() ? "" : " ") + std::string(kFidNoise) : "")
     << "\n\n";
  md << "Each cell: this run's result (the paper's in parentheses). \"x\": training diverged. \"—\": no "
        "result yet.\n\n";
  md << "|";
  for (const auto& h : table.header) md << " " << h << " |";
  md << "\n|";
  for (std::size_t i = 0; i < table.header.size(); ++i) md << (i == 0 ? " --- |" : " ---: |");
  md << "\n";
  int diverged_cells = 0, partial_cells = 0, chance_cells = 0, rejected_cells = 0, edge_cells = 0;
  bool fid_columns = false, fid_best_of_lrs = false;  // a FID cell over every lr trained, or one lr
  std::set<std::string> extractors, samplers;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    md << "| " << table.rows[r].label << " |";
    for (std::size_t c = 0; c < table.rows[r].cells.size(); ++c) {
      const auto& cell = table.rows[r].cells[c];
      const auto& v = values[r][c];
      if (cell.delta_a >= 0) {
        md << " " << delta_text(table.rows[r], values[r], cell) << " |";
        continue;
      }
      if (cell.empty) {
        md << "  |";
        continue;
      }
      std::string text = bold.count({r, c}) ? "**" + v.text + "**" : v.text;
      std::string paper = paper_text(cell);
      md << " " << text << (paper.empty() ? "" : " (" + paper + ")") << " |";
      diverged_cells += v.text == "x";
      rejected_cells += v.text == "rej.";
      partial_cells += (v.diverged() > 0 || v.rejected() > 0) && v.done() > 0;
      fid_columns |= cell.metric == Metric::Fid;
      fid_best_of_lrs |= cell.metric == Metric::Fid && std::isnan(cell.lr);
      chance_cells += v.at_chance() > 0;
      edge_cells += v.best_lr_at_edge;
      extractors.insert(v.extractors.begin(), v.extractors.end());
      samplers.insert(v.samplers.begin(), v.samplers.end());
    }
    md << "\n";
  }
  md << "\n";
  if (!data.sweep) {
    md << "Not run yet: `fsearch run --space " << table.source << "`, then `fsearch report`.\n\n";
  }
  if (diverged_cells > 0) md << "x: every seed of the cell diverged (" << cells(diverged_cells) << ").\n\n";
  if (partial_cells > 0)
    md << "†: some seeds diverged or were stopped by the early probe; the mean is over the others ("
       << cells(partial_cells) << ").\n\n";
  if (rejected_cells > 0) {
    md << "rej.: the early probe stopped the job after a tenth of its budget (the space's early_rejection): "
          "its loss had not fallen or its accuracy was at chance; a failure, like x ("
       << cells(rejected_cells) << ").\n\n";
  }
  if (chance_cells > 0) {
    md << "‡: at least one seed trained without diverging but stayed within " << kChanceMargin
       << " point of chance accuracy: the network never learned (" << cells(chance_cells) << ").\n\n";
  }
  if (edge_cells > 0) {
    md << "§: the best result of at least one seed came at the lowest or the highest of the learning "
          "rates it was trained at; the model's best may lie outside them, so a wider grid could change "
          "the row's order ("
       << cells(edge_cells) << ").\n\n";
  }
  if (bold_seeds.on_shared + bold_seeds.none_shared > 0) {
    const std::string unit = table.best == Best::PerRow ? "row" : "column";
    auto units = [&](int n) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); };
    md << "Bold compares like with like: where the cells of a " << unit
       << " finished different seeds (a run fills them seed by seed), ";
    if (bold_seeds.on_shared > 0)
      md << "the bold cell is the best on the seeds they all finished (" << detail::seeds_text(bold_seeds.seeds)
         << " in " << units(bold_seeds.on_shared) << "), not necessarily the best of the means shown"
         << (bold_seeds.none_shared > 0 ? "; " : "");
    if (bold_seeds.none_shared > 0)
      md << "where no seed is finished in all of them, the best of the means shown, over different seeds ("
         << units(bold_seeds.none_shared) << ")";
    md << ".\n\n";
  }
  md << failure_explanations(table, values, data);
  if (fid_columns) {
    if (extractors.empty()) {
      md << "FID columns: no DiT proxy results yet (configs/proxies/dit-b.yaml, dit-l.yaml).\n\n";
    } else {
      md << (fid_best_of_lrs ? "FID: the best of the learning rates each model was trained at, against the "
                               "test split, in the features of "
                             : "FID: at the column's learning rate, against the test split, in the features of ");
      bool first = true;
      for (const auto& e : extractors) md << (first ? "" : ", ") << "`" << e << "`", first = false;
      if (!samplers.empty()) {
        md << ", of images sampled with ";
        first = true;
        for (const auto& s : samplers) md << (first ? "" : "; ") << s, first = false;
      }
      md << ". Unless that is an Inception network these are not the paper's FID scale: compare the rows "
            "with "
            "each other, and with the paper's ranking, not its numbers.";
      if (extractors.size() > 1) {
        md << " **Not comparable across extractors:** these cells were scored by " << extractors.size()
           << " different extractors (each machine trains its own unless they share a cache, and its "
              "weights follow the machine's arithmetic); a FID compares only with FIDs of the same "
              "extractor (`fsearch export` names each job's).";
      }
      md << "\n\n";
    }
  }
  if (data.sweep) md << fidelity_markdown(table_fidelity(db, table));
  for (const auto& link : figure_links) md << "![" << link << "](" << link << ")\n\n";
  md << provenance(data, db_label);
  return md.str();
}

}  // namespace fsearch::reports
