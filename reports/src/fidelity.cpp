// A table's fidelity: failure agreement, order agreement (Kendall tau, the paper's clear
// orderings) and its named findings (findings.cpp), as markdown and JSON.
#include "fsearch/reports/fidelity.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "fidelity_cells.h"

namespace fsearch::reports {

using namespace detail;  // NOLINT(google-build-using-namespace): the cells and their helpers

namespace {

std::vector<OrderAgreement> order_agreement(const Grid& grid) {
  std::map<std::string, std::vector<const Cell*>> groups;
  for (const auto& row : grid) {
    for (const auto& cell : row) {
      if (cell.spec->empty || cell.spec->paper_diverged || std::isnan(cell.spec->paper)) continue;
      if (!cell.value.has_result() || cell.value.failed()) continue;
      groups[std::string(to_string(cell.spec->metric)) + " " +
             (cell.spec->proxy.empty() ? "any" : cell.spec->proxy)]
          .push_back(&cell);
    }
  }
  std::vector<OrderAgreement> out;
  for (auto& [group, all_cells] : groups) {
    OrderAgreement o;
    o.group = group;
    std::vector<const Cell*> cells = all_cells;
    bool differ = false;
    const auto shared = shared_seeds(all_cells, differ);
    std::vector<Cell> restricted;  // the cells on the shared seeds, when their seeds differ
    o.no_shared_seed = differ && shared.empty();
    if (differ && !shared.empty()) {
      restricted.reserve(all_cells.size());
      cells.clear();
      for (const Cell* c : all_cells) {
        restricted.push_back(on_seeds(*c, shared));
        if (restricted.back().value.done() > 0 && !restricted.back().value.failed())
          cells.push_back(&restricted.back());
      }
      o.compared_on_seeds.assign(shared.begin(), shared.end());
    }
    o.cells = static_cast<int>(cells.size());
    std::vector<double> paper, ours;
    o.beyond_spread = true;
    for (const Cell* c : cells) {
      paper.push_back(goodness(*c->spec, c->spec->paper));
      ours.push_back(goodness(*c->spec, c->value.mean));
      o.beyond_spread = o.beyond_spread && c->value.done() >= 2;
    }
    o.kendall_tau = kendall_tau_b(paper, ours);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      for (std::size_t j = i + 1; j < cells.size(); ++j) {
        const double paper_gap = paper[i] - paper[j];
        if (std::abs(paper_gap) < tolerance(*cells[i]->spec) - 1e-9) continue;
        ++o.clear_pairs;
        const double gap = ours[i] - ours[j];
        const double noise =
            o.beyond_spread ? spread_or_zero(cells[i]->value) + spread_or_zero(cells[j]->value) : 0.0;
        if (gap * paper_gap > 0 && std::abs(gap) > noise) ++o.reproduced;
      }
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace

std::string to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::Pass: return "pass";
    case CheckStatus::Fail: return "fail";
    case CheckStatus::NotRun: return "not run";
  }
  return "?";
}

double kendall_tau_b(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0, pairs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      ++pairs;
      if (da == 0) ++ties_a;
      if (db == 0) ++ties_b;
      if (da == 0 || db == 0) continue;
      (da * db > 0 ? concordant : discordant) += 1;
    }
  }
  const double denominator = std::sqrt((pairs - ties_a) * (pairs - ties_b));
  if (pairs < 1 || denominator == 0) return NAN;
  return (concordant - discordant) / denominator;
}

TableFidelity table_fidelity(db::Database& db, const TableSpec& table) {
  TableFidelity f;
  f.table = table.number;
  const Grid grid = evaluate_grid(db, table);
  // Where each cell's trend starts (the first cell of the table's non-increasing sequences, the
  // unmodified function): how far a cell the paper fails fell below it here says whether the proxy
  // sees the harm at all, short of failing.
  std::map<const Cell*, const Cell*> trend_start;
  for (const auto& finding : table.findings) {
    if (finding.kind != FindingKind::NonIncreasing) continue;
    for (const auto& seq : finding.sequences) {
      for (std::size_t i = 1; i < seq.size(); ++i)
        trend_start.emplace(&grid[seq[i].row][seq[i].column], &grid[seq.front().row][seq.front().column]);
    }
  }
  for (const auto& row : grid) {
    for (const auto& cell : row) {
      const CellSpec& spec = *cell.spec;
      if (spec.empty || (!spec.paper_diverged && std::isnan(spec.paper))) continue;
      ++f.paper_cells;
      if (!cell.value.has_result()) continue;
      const int finished = cell.value.done() + cell.value.diverged() + cell.value.rejected();
      f.paper_failures += spec.paper_diverged;
      const bool agree = spec.paper_diverged == cell.value.failed();
      f.verdicts.push_back({finished, agree});
      f.paper_failures_reproduced += spec.paper_diverged && agree;
      if (agree) continue;
      std::string text = cell.name + ": paper " + paper_text(spec) + ", here " + value_text(cell);
      const auto start = trend_start.find(&cell);
      if (spec.paper_diverged && start != trend_start.end() && !std::isnan(cell.value.mean)) {
        const Cell& from = *start->second;
        if (from.value.has_result() && !from.value.failed() && !std::isnan(from.value.mean)) {
          const double gap = goodness(spec, from.value.mean) - goodness(spec, cell.value.mean);
          text += ", " + fmt_number(std::abs(gap), std::max(1, info(spec.metric).decimals)) +
                  (gap >= 0 ? " worse" : " better") + " than where its trend starts (" + from.name + ": " +
                  value_text(from) + ")";
        }
      }
      f.disagreements.push_back(text);
    }
  }
  f.order = order_agreement(grid);
  f.checks = named_checks(table, grid);
  return f;
}

std::string fidelity_markdown(const TableFidelity& f) {
  std::ostringstream md;
  md << "## Fidelity: how far this run agrees with the paper\n\n";
  if (f.compared() == 0) {
    md << "No cell has a result yet.\n\n";
    return md.str();
  }
  md << "- Failure agreement: **" << f.failure_agree() << " of " << detail::cells(f.compared()) << " ("
     << percent(f.failure_agree(), f.compared())
     << ")**; the paper's failures reproduced here: " << f.paper_failures_reproduced << " of "
     << f.paper_failures << ".\n";
  for (const auto& d : f.disagreements) md << "  - disagrees: " << d << "\n";
  for (const auto& o : f.order) {
    std::set<std::int64_t> on(o.compared_on_seeds.begin(), o.compared_on_seeds.end());
    md << "- Order (" << o.group << ", " << detail::cells(o.cells) << " that trained in both"
       << (on.empty() ? "" : ", compared on " + detail::seeds_text(on) + ", the seeds they all finished")
       << (o.no_shared_seed ? ", compared across different seeds: no seed is finished in all of them" : "")
       << "): Kendall tau " << (std::isnan(o.kendall_tau) ? "—" : fmt_number(o.kendall_tau, 2))
       << "; the paper's clear orderings "
       << "reproduced: " << o.reproduced << " of " << o.clear_pairs << " ("
       << percent(o.reproduced, o.clear_pairs) << ")"
       << (o.beyond_spread ? ", counting only gaps beyond the seed spread" : ", direction only (1 seed)")
       << ".\n";
  }
  if (!f.checks.empty()) {
    md << "\n| the paper's finding | here | numbers |\n| --- | --- | --- |\n";
    for (const auto& c : f.checks)
      md << "| " << table_cell(c.name) << " | " << to_string(c.status) << " | " << table_cell(c.detail)
         << " |\n";
  }
  md << "\n";
  return md.str();
}

std::string fidelity_summary_row(const TableFidelity& f) {
  int pass = 0, known = 0;
  for (const auto& c : f.checks) {
    if (c.status == CheckStatus::NotRun) continue;
    ++known;
    pass += c.status == CheckStatus::Pass;
  }
  std::ostringstream row;
  row << "| " << f.table << " | "
      << (f.compared() ? std::to_string(f.failure_agree()) + "/" + std::to_string(f.compared()) + " (" +
                             percent(f.failure_agree(), f.compared()) + ")"
                     : "—")
      << " | ";
  bool first = true;
  for (const auto& o : f.order) {
    row << (first ? "" : "; ") << (std::isnan(o.kendall_tau) ? "—" : fmt_number(o.kendall_tau, 2)) << " ("
        << o.group << ")";
    first = false;
  }
  if (f.order.empty()) row << "—";
  row << " | " << (known ? std::to_string(pass) + "/" + std::to_string(known) : "—") << " |";
  return row.str();
}

nlohmann::json to_json(const TableFidelity& f) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json order = nlohmann::json::array(), checks = nlohmann::json::array();
  for (const auto& o : f.order) {
    order.push_back(
        {{"group", o.group},
         {"cells", o.cells},
         {"kendall_tau", number(o.kendall_tau)},
         {"clear_pairs", o.clear_pairs},
         {"reproduced", o.reproduced},
         {"beyond_spread", o.beyond_spread},
         {"compared_on_seeds",
          o.compared_on_seeds.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.compared_on_seeds)},
         {"no_shared_seed", o.no_shared_seed}});
  }
  for (const auto& c : f.checks)
    checks.push_back({{"name", c.name},
                      {"status", to_string(c.status)},
                      {"detail", c.detail},
                      // A strict check's gap against the seed spread; null for the others.
                      {"beyond_spread", c.strict ? nlohmann::json(c.beyond_spread) : nlohmann::json(nullptr)}});
  return {{"table", f.table},
          {"paper_cells", f.paper_cells},
          {"compared", f.compared()},
          {"fewest_seeds", f.fewest_seeds()},
          {"failure_agree", f.failure_agree()},
          {"failure_agreement", number(f.failure_agreement())},
          {"paper_failures", f.paper_failures},
          {"paper_failures_reproduced", f.paper_failures_reproduced},
          {"disagreements", f.disagreements},
          {"order", order},
          {"checks", checks}};
}

}  // namespace fsearch::reports
