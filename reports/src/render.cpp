#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fsearch/reports/report.h"
#include "table_data.h"

namespace fsearch::reports {
namespace {

using detail::cell_matches;
using detail::load_table_data;
using detail::metric_value;
using detail::TableData;

struct CellValue {
  std::string text;   // what the cell shows (without bold)
  double mean = NAN;  // for "best" marking
  int done = 0, diverged = 0, seeds = 0;
  int at_chance = 0;                 // accuracy cells: seeds that trained but never beat guessing
  std::set<std::string> extractors;  // FID cells: the feature extractors behind the values
  std::set<std::string> samplers;    // FID cells: how the scored images were sampled
};

std::string fmt_number(double v, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << v;
  return out.str();
}

// Guessing's accuracy in % for the job's classifier (NaN when the spec does not say): a network
// whose flat zone swallows every input trains without diverging and stays there.
double chance_accuracy(const db::JobRow& job) {
  auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  if (spec.is_discarded() || !spec.contains("model")) return NAN;
  const int classes = spec["model"].value("num_classes", 0);
  return classes > 1 ? 100.0 / classes : NAN;
}

std::string cells(int n) {
  return n == 1 ? "1 cell" : std::to_string(n) + " cells";
}

// Within one point of guessing counts as not having learned.
constexpr double kChanceMargin = 1.0;

// "50 steps, eta 1, guidance 3, 1000 samples": the sampler behind a DiT job's FID.
std::string sampler_text(const db::JobRow& job) {
  auto spec = nlohmann::json::parse(job.spec_json, nullptr, false);
  if (spec.is_discarded() || !spec.contains("diffusion")) return "";
  const auto& d = spec["diffusion"];
  const int classes = spec.contains("model") ? spec["model"].value("num_classes", 0) : 0;
  std::ostringstream out;
  out << d.value("sample_steps", 0) << " steps, eta " << d.value("sample_eta", 0.0) << ", guidance "
      << d.value("cfg_scale", 1.0) << ", " << d.value("samples_per_class", 0) * classes << " samples";
  return out.str();
}

// Mean over seeds (with the spread when there are several); within a seed, the best over the
// learning rates a job was trained at (the paper's DiT protocol keeps the best of three).
CellValue evaluate(const CellSpec& cell, const TableData& data) {
  CellValue v;
  if (cell.empty) return v;
  const bool lower_is_better = cell.metric == "fid";
  std::map<std::int64_t, double> best_per_seed;
  std::map<std::int64_t, double> chance_per_seed;
  std::set<std::int64_t> seeds, diverged_seeds;
  for (const auto& job : data.jobs) {
    if (!cell_matches(cell, job, data)) continue;
    seeds.insert(job.seed);
    auto r = data.results.find(job.key);
    if (job.state == db::JobState::Diverged) diverged_seeds.insert(job.seed);
    if (job.state != db::JobState::Done || r == data.results.end()) continue;
    const double value = metric_value(cell, r->second);
    if (!std::isfinite(value)) continue;
    if (cell.metric == "fid") {
      v.extractors.insert(r->second.fid_features);
      if (auto sampler = sampler_text(job); !sampler.empty()) v.samplers.insert(sampler);
    } else {
      chance_per_seed[job.seed] = chance_accuracy(job);
    }
    auto [it, fresh] = best_per_seed.emplace(job.seed, value);
    if (!fresh) it->second = lower_is_better ? std::min(it->second, value) : std::max(it->second, value);
  }
  v.seeds = static_cast<int>(seeds.size());
  for (auto seed : diverged_seeds) v.diverged += best_per_seed.count(seed) == 0;  // every lr diverged
  std::vector<double> values;
  for (const auto& [seed, value] : best_per_seed) {
    values.push_back(value);
    auto chance = chance_per_seed.find(seed);
    v.at_chance += chance != chance_per_seed.end() && value <= chance->second + kChanceMargin;
  }
  v.done = static_cast<int>(values.size());
  if (values.empty()) {
    v.text = v.diverged > 0 ? "x" : "—";
    return v;
  }
  const int decimals = lower_is_better ? 2 : 1;
  const std::string unit = lower_is_better ? "" : "%";
  double sum = 0;
  for (double x : values) sum += x;
  v.mean = sum / values.size();
  v.text = fmt_number(v.mean, decimals) + unit;
  if (values.size() > 1) {
    double sq = 0;
    for (double x : values) sq += (x - v.mean) * (x - v.mean);
    v.text = fmt_number(v.mean, decimals) + " ± " +
             fmt_number(std::sqrt(sq / (values.size() - 1)), decimals) + unit;
  }
  if (v.diverged > 0) v.text += " †";
  if (v.at_chance > 0) v.text += " ‡";
  return v;
}

std::string paper_text(const CellSpec& cell) {
  if (cell.paper_diverged) return "x";
  if (std::isnan(cell.paper)) return "";
  return cell.metric == "fid" ? fmt_number(cell.paper, 2) : fmt_number(cell.paper, 1) + "%";
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
    devices.insert(j.value("device", "?") + " x" + std::to_string(j.value("threads", 0)) + " threads");
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
  auto better = [](const CellSpec& cell, double a, double b) { return cell.metric == "fid" ? a < b : a > b; };
  std::set<std::pair<std::size_t, std::size_t>> bold;
  if (table.best == Best::PerRow) {
    for (std::size_t r = 0; r < values.size(); ++r) {
      double best = NAN;
      for (std::size_t c = 0; c < values[r].size(); ++c) {
        double v = values[r][c].mean;
        if (!std::isnan(v) && (std::isnan(best) || better(table.rows[r].cells[c], v, best))) best = v;
      }
      for (std::size_t c = 0; c < values[r].size(); ++c) {
        const int decimals = table.rows[r].cells[c].metric == "fid" ? 2 : 1;
        if (!std::isnan(best) && fmt_number(values[r][c].mean, decimals) == fmt_number(best, decimals))
          bold.insert({r, c});
      }
    }
  } else if (table.best == Best::PerColumn && !values.empty()) {
    for (std::size_t c = 0; c < values[0].size(); ++c) {
      double best = NAN;
      for (std::size_t r = 0; r < values.size(); ++r) {
        double v = values[r][c].mean;
        if (!std::isnan(v) && (std::isnan(best) || better(table.rows[r].cells[c], v, best))) best = v;
      }
      for (std::size_t r = 0; r < values.size(); ++r) {
        const int decimals = table.rows[r].cells[c].metric == "fid" ? 2 : 1;
        if (!std::isnan(best) && fmt_number(values[r][c].mean, decimals) == fmt_number(best, decimals))
          bold.insert({r, c});
      }
    }
  }

  std::ostringstream md;
  md << "# Table " << table.number << ": " << table.title << "\n\n" << table.caption << "\n\n";
  md << "Each cell: this run's result (the paper's in parentheses). \"x\": training diverged. \"—\": no "
        "result yet.\n\n";
  md << "|";
  for (const auto& h : table.header) md << " " << h << " |";
  md << "\n|";
  for (std::size_t i = 0; i < table.header.size(); ++i) md << (i == 0 ? " --- |" : " ---: |");
  md << "\n";
  int diverged_cells = 0, partial_cells = 0, chance_cells = 0;
  bool fid_columns = false;
  std::set<std::string> extractors, samplers;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    md << "| " << table.rows[r].label << " |";
    for (std::size_t c = 0; c < table.rows[r].cells.size(); ++c) {
      const auto& cell = table.rows[r].cells[c];
      const auto& v = values[r][c];
      if (cell.empty) {
        md << "  |";
        continue;
      }
      std::string text = bold.count({r, c}) ? "**" + v.text + "**" : v.text;
      std::string paper = paper_text(cell);
      md << " " << text << (paper.empty() ? "" : " (" + paper + ")") << " |";
      diverged_cells += v.text == "x";
      partial_cells += v.diverged > 0 && v.done > 0;
      fid_columns |= cell.metric == "fid";
      chance_cells += v.at_chance > 0;
      extractors.insert(v.extractors.begin(), v.extractors.end());
      samplers.insert(v.samplers.begin(), v.samplers.end());
    }
    md << "\n";
  }
  md << "\n";
  if (!data.sweep) {
    md << "Not run yet: `fsearch run --space configs/tables/table" << table.number
       << ".yaml`, then `fsearch report`.\n\n";
  }
  if (diverged_cells > 0) md << "x: every seed of the cell diverged (" << cells(diverged_cells) << ").\n\n";
  if (partial_cells > 0)
    md << "†: some seeds diverged; the mean is over the others (" << cells(partial_cells) << ").\n\n";
  if (chance_cells > 0) {
    md << "‡: at least one seed trained without diverging but stayed within " << kChanceMargin
       << " point of chance accuracy: the network never learned (" << cells(chance_cells) << ").\n\n";
  }
  if (fid_columns) {
    if (extractors.empty()) {
      md << "FID columns: no DiT proxy results yet (configs/proxies/dit-b.yaml, dit-l.yaml).\n\n";
    } else {
      md << "FID: the best of the learning rates each model was trained at, against the test split, in the "
            "features of ";
      bool first = true;
      for (const auto& e : extractors) md << (first ? "" : ", ") << "`" << e << "`", first = false;
      if (!samplers.empty()) {
        md << ", of images sampled with ";
        first = true;
        for (const auto& s : samplers) md << (first ? "" : "; ") << s, first = false;
      }
      md << ". Unless that is an Inception network these are not the paper's FID scale: compare the rows "
            "with "
            "each other, and with the paper's ranking, not its numbers.\n\n";
    }
  }
  for (const auto& link : figure_links) md << "![" << link << "](" << link << ")\n\n";
  md << provenance(data, db_label);
  return md.str();
}

}  // namespace fsearch::reports
