#include "fsearch/reports/fidelity.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "table_data.h"

namespace fsearch::reports {
namespace {

using detail::CellValue;
using detail::fmt_number;

// A paper cell beside this run's value for it.
struct Cell {
  const CellSpec* spec = nullptr;
  CellValue value;
  std::string name;  // "erf(x) | horizontal, +2" for messages
};
using Grid = std::vector<std::vector<Cell>>;

// The paper's own noise (core/metric.h): a trend is broken only by more than this (plus our seed
// spreads).
double tolerance(const CellSpec& c) {
  return info(c.metric).tolerance;
}
// Higher is better for every metric after this.
double goodness(const CellSpec& c, double v) {
  return info(c.metric).higher_is_better ? v : -v;
}
std::string number_text(const CellSpec& c, double v) {
  return fmt_number(v, info(c.metric).decimals) + std::string(info(c.metric).unit);
}
double spread_or_zero(const CellValue& v) {
  return std::isnan(v.spread) ? 0.0 : v.spread;
}

// A cell's value in words, without the table's marks (they belong to the table and its footnotes).
std::string value_text(const Cell& c) {
  const auto& v = c.value;
  if (!v.has_result()) return "no result";
  const std::string mean = std::isnan(v.mean) ? "" : number_text(*c.spec, v.mean);
  if (v.failed()) {
    if (v.done() == 0 && v.rejected() == 0) return "x (every seed diverged)";
    if (v.done() == 0 && v.diverged() == 0) return "rejected (the early probe found no seed learning)";
    if (v.diverged() == 0 && v.rejected() == 0) return "at chance (" + mean + ")";
    return "failed (" + std::to_string(v.diverged()) + " of " +
           std::to_string(v.done() + v.diverged() + v.rejected()) + " seeds diverged, " +
           std::to_string(v.rejected()) + " rejected, " + std::to_string(v.at_chance()) + " at chance)";
  }
  std::string text = mean;
  if (!std::isnan(v.spread)) text += " ± " + fmt_number(v.spread, info(c.spec->metric).decimals);
  if (v.diverged() > 0) text += " (" + std::to_string(v.diverged()) + " seed(s) diverged)";
  return text;
}

std::string paper_text(const CellSpec& c) {
  if (c.paper_diverged) return "x";
  return number_text(c, c.paper);
}

Grid evaluate_grid(db::Database& db, const TableSpec& table) {
  auto data = detail::load_table_data(db, table);
  Grid grid;
  for (const auto& row : table.rows) {
    std::vector<Cell> cells;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      Cell cell;
      cell.spec = &row.cells[c];
      cell.value = detail::evaluate(row.cells[c], data);
      // The header's last row.cells.size() entries head the cells (Table 1 has a "shift" column).
      const std::size_t offset = table.header.size() - row.cells.size();
      cell.name = row.label + (row.cells.size() > 1 ? ", " + table.header[offset + c] : "");
      cells.push_back(cell);
    }
    grid.push_back(cells);
  }
  return grid;
}

// ---- like with like ------------------------------------------------------------------------------
// Cells whose seeds have not all finished are compared on the seeds they all finished
// (detail::shared_seeds, table_data.h).

std::set<std::int64_t> shared_seeds(const std::vector<const Cell*>& cells, bool& differ) {
  std::vector<const CellValue*> values;
  for (const Cell* c : cells) values.push_back(&c->value);
  return detail::shared_seeds(values, differ);
}

Cell on_seeds(const Cell& c, const std::set<std::int64_t>& seeds) {
  Cell out = c;
  out.value = detail::on_seeds(c.value, seeds);
  return out;
}

// ---- named checks -------------------------------------------------------------------------------

int finished_seeds(const Cell& c) {
  return c.value.done() + c.value.diverged() + c.value.rejected();
}

// ", by seed -1.24 / -2.65 (ahead on 0 of 2)": a's lead over b on each seed both trained, when
// there are two or more. A seed fixes both models' data order, noise and shared weights' init
// alike, so the seeds may move two cells together: a gap inside the summed spreads may still have
// one sign on every seed (the reference run's erf > tanh on vit-tiny: 0.64 / 0.46 / 0.61), or not
// (its DiT-B Derf against LayerNorm: 1.24 / 2.65 / -6.53 FID). Said beside the spread, never instead.
std::string by_seed_text(const Cell& a, const Cell& b, int decimals) {
  std::vector<std::string> gaps;
  int ahead = 0;
  for (const auto& [seed, value] : a.value.by_seed) {
    const auto other = b.value.by_seed.find(seed);
    if (other == b.value.by_seed.end()) continue;
    const double gap = goodness(*a.spec, value) - goodness(*b.spec, other->second);
    gaps.push_back(fmt_number(gap, decimals));
    ahead += gap > 0;
  }
  if (gaps.size() < 2) return "";
  std::string text = ", by seed ";
  for (std::size_t i = 0; i < gaps.size(); ++i) text += (i ? " / " : "") + gaps[i];
  return text + " (ahead on " + std::to_string(ahead) + " of " + std::to_string(gaps.size()) + ")";
}

// "gap 0.57 (within the seed spread 0.68)": a's lead over b in goodness, against the sum of their
// seed spreads when both have two seeds or more, then seed by seed.
std::string gap_text(const Cell& a, const Cell& b, double gap) {
  const int decimals = std::max(2, info(a.spec->metric).decimals);  // Table 13's losses differ in the 4th
  const bool seeds = a.value.done() >= 2 && b.value.done() >= 2;
  const double noise = spread_or_zero(a.value) + spread_or_zero(b.value);
  return "gap " + fmt_number(gap, decimals) +
         (seeds ? (std::abs(gap) > noise ? " (beyond the seed spread " : " (within the seed spread ") +
                      fmt_number(noise, decimals) + ")"
                : " (1 seed: no spread)") +
         by_seed_text(a, b, decimals);
}

// a against b as they stand: a failed cell loses to one that trained; otherwise their gap decides.
// `seeds_note` follows their values (on which seeds they were compared, when not all of them).
FidelityCheck compare_cells(const std::string& name, const Cell& a, const Cell& b, bool strict,
                            const std::string& seeds_note) {
  FidelityCheck check{name, CheckStatus::NotRun, ""};
  check.fewest_seeds = std::min(finished_seeds(a), finished_seeds(b));
  const std::string values =
      a.name + " " + value_text(a) + " vs " + b.name + " " + value_text(b) + seeds_note;
  if (a.value.failed() || b.value.failed()) {
    check.status = !a.value.failed() ? CheckStatus::Pass : CheckStatus::Fail;
    check.detail = values;
    return check;
  }
  const double gap = goodness(*a.spec, a.value.mean) - goodness(*b.spec, b.value.mean);
  const double noise = spread_or_zero(a.value) + spread_or_zero(b.value);
  const bool seeds = a.value.done() >= 2 && b.value.done() >= 2;
  check.status = (strict ? gap > 0 : gap >= -tolerance(*a.spec)) ? CheckStatus::Pass : CheckStatus::Fail;
  check.strict = strict;
  check.beyond_spread = strict && seeds && gap > noise;
  check.detail = values + ": " + gap_text(a, b, gap);
  return check;
}

// "a is better than b" (strict) or "a is at least as good as b" within the tolerance; two cells
// that trained but finished different seeds are compared on the seeds both finished.
FidelityCheck better(const std::string& name, const Cell& a, const Cell& b, bool strict) {
  if (!a.value.has_result() || !b.value.has_result())
    return {name, CheckStatus::NotRun, a.name + ": " + value_text(a) + "; " + b.name + ": " + value_text(b)};
  bool differ = false;
  const auto shared = shared_seeds({&a, &b}, differ);
  if (!a.value.failed() && !b.value.failed()) {
    const Cell on_a = on_seeds(a, shared), on_b = on_seeds(b, shared);
    if (differ && on_a.value.done() > 0 && on_b.value.done() > 0) {
      const Cell& wider = a.value.finished_seeds.size() >= b.value.finished_seeds.size() ? a : b;
      return compare_cells(name, on_a, on_b, strict,
                           " (on " + detail::seeds_text(shared) + ", the seeds both finished; " + wider.name +
                               " over " + detail::seeds_text(wider.value.finished_seeds) + ": " + value_text(wider) +
                               ")");
    }
  }
  if (differ && shared.empty())  // nothing to pair: compared as they are, and said
    return compare_cells(name, a, b, strict,
                         " (no seed both finished: " + a.name + " over " + detail::seeds_text(a.value.finished_seeds) +
                             ", " + b.name + " over " + detail::seeds_text(b.value.finished_seeds) + ")");
  return compare_cells(name, a, b, strict, "");
}

// Each sequence runs from the unmodified function outwards (growing |lambda|); a later cell may
// not beat an earlier one by more than the tolerance plus both spreads. Failed cells rank last.
FidelityCheck non_increasing(const std::string& name,
                             const std::vector<std::vector<const Cell*>>& sequences) {
  FidelityCheck check{name, CheckStatus::NotRun, ""};
  int compared = 0, violations = 0, paired = 0;
  std::string first_violation;
  for (const auto& seq : sequences) {
    std::vector<const Cell*> done;
    for (const Cell* c : seq)
      if (c->value.has_result()) done.push_back(c);
    for (std::size_t i = 0; i + 1 < done.size(); ++i) {
      for (std::size_t j = i + 1; j < done.size(); ++j) {
        ++compared;
        if (done[j]->value.failed()) continue;  // failing further out agrees with the trend
        // Two cells that trained but finished different seeds: on the seeds both finished.
        Cell inner = *done[i], outer = *done[j];
        std::string on;  // ", on seed 0" when compared on shared seeds
        if (!inner.value.failed()) {
          bool differ = false;
          const auto shared = shared_seeds({done[i], done[j]}, differ);
          const Cell on_inner = on_seeds(inner, shared), on_outer = on_seeds(outer, shared);
          if (differ && on_inner.value.done() > 0 && on_outer.value.done() > 0) {  // both trained there
            inner = on_inner, outer = on_outer;
            on = " (on " + detail::seeds_text(shared) + ")";
            ++paired;
          }
        }
        const bool broken =
            inner.value.failed() ||
            goodness(*outer.spec, outer.value.mean) - goodness(*inner.spec, inner.value.mean) >
                tolerance(*outer.spec) + spread_or_zero(inner.value) + spread_or_zero(outer.value);
        if (broken) {
          ++violations;
          if (first_violation.empty())
            first_violation =
                outer.name + " " + value_text(outer) + " > " + inner.name + " " + value_text(inner) + on;
        }
      }
    }
  }
  if (compared == 0) return check;
  check.status = violations == 0 ? CheckStatus::Pass : CheckStatus::Fail;
  const CellSpec* first = nullptr;
  for (const auto& seq : sequences)
    if (!first && !seq.empty()) first = seq.front()->spec;
  const CellSpec& spec = *first;  // compared > 0: some sequence has cells
  const std::string tolerance_text = spec.metric == Metric::TestAcc
                                         ? fmt_number(tolerance(spec), 1) + " points"
                                         : fmt_number(tolerance(spec), info(spec.metric).decimals) + " " +
                                               std::string(to_string(spec.metric));
  check.detail = std::to_string(compared - violations) + " of " + std::to_string(compared) +
                 " ordered pairs hold (tolerance " + tolerance_text + " plus seed spreads" +
                 (paired > 0 ? "; " + std::to_string(paired) + (paired == 1 ? " pair whose" : " pairs whose") +
                                   " cells finished different seeds compared on the seeds both finished"
                             : "") +
                 ")" + (first_violation.empty() ? "" : "; e.g. " + first_violation);
  return check;
}

// Every cell of `better_cells` beats every cell of `worse_cells` (strict): the closest pair, the
// first group's lowest against the second's highest, decides, with its gap against the seed spread.
FidelityCheck all_above(const std::string& name, std::vector<const Cell*> better_cells,
                        std::vector<const Cell*> worse_cells) {
  FidelityCheck check{name, CheckStatus::NotRun, ""};
  // Cells that trained but finished different seeds: all compared on the seeds they all finished
  // (when every one of them trained there).
  std::vector<const Cell*> trained;
  for (const auto* group : {&better_cells, &worse_cells})
    for (const Cell* c : *group)
      if (c->value.has_result() && !c->value.failed()) trained.push_back(c);
  bool differ = false;
  const auto shared = shared_seeds(trained, differ);
  std::vector<Cell> restricted;  // trained's cells on the shared seeds, in trained's order
  std::string on;
  if (differ && !shared.empty()) {
    for (const Cell* c : trained) restricted.push_back(on_seeds(*c, shared));
    const bool all_trained =
        std::all_of(restricted.begin(), restricted.end(), [](const Cell& c) { return c.value.done() > 0; });
    if (all_trained) {
      std::size_t next = 0;  // the groups are walked in the order trained was built
      for (auto* group : {&better_cells, &worse_cells})
        for (const Cell*& c : *group)
          if (c->value.has_result() && !c->value.failed()) c = &restricted[next++];
      on = " (on " + detail::seeds_text(shared) + ", the seeds all these cells finished)";
    }
  }
  double low = std::numeric_limits<double>::infinity(), high = -low;
  const Cell *low_cell = nullptr, *high_cell = nullptr;
  int fewest = std::numeric_limits<int>::max();
  for (const Cell* c : better_cells) {
    fewest = std::min(fewest, finished_seeds(*c));  // a cell without a result: 0
    if (!c->value.has_result()) continue;
    double g = c->value.failed() ? -1e9 : goodness(*c->spec, c->value.mean);
    if (g < low) low = g, low_cell = c;
  }
  for (const Cell* c : worse_cells) {
    fewest = std::min(fewest, finished_seeds(*c));
    if (!c->value.has_result()) continue;
    double g = c->value.failed() ? -1e9 : goodness(*c->spec, c->value.mean);
    if (g > high) high = g, high_cell = c;
  }
  if (!low_cell || !high_cell) return check;
  check.fewest_seeds = fewest;
  check.status = low > high ? CheckStatus::Pass : CheckStatus::Fail;
  check.detail = "lowest of the first group: " + low_cell->name + " " + value_text(*low_cell) +
                 "; highest of the second: " + high_cell->name + " " + value_text(*high_cell);
  if (!low_cell->value.failed() && !high_cell->value.failed()) {
    check.strict = true;
    check.beyond_spread = low_cell->value.done() >= 2 && high_cell->value.done() >= 2 &&
                          low - high > spread_or_zero(low_cell->value) + spread_or_zero(high_cell->value);
    check.detail += ": " + gap_text(*low_cell, *high_cell, low - high);
  }
  check.detail += on;
  return check;
}

FidelityCheck trains_or_fails(const std::string& name, const std::vector<const Cell*>& train,
                              const std::vector<const Cell*>& fail) {
  FidelityCheck check{name, CheckStatus::NotRun, ""};
  int known = 0, right = 0;
  std::string wrong;
  for (const Cell* c : train) {
    if (!c->value.has_result()) continue;
    ++known;
    if (!c->value.failed())
      ++right;
    else
      wrong += (wrong.empty() ? "" : ", ") + c->name + " failed";
  }
  for (const Cell* c : fail) {
    if (!c->value.has_result()) continue;
    ++known;
    if (c->value.failed())
      ++right;
    else
      wrong += (wrong.empty() ? "" : ", ") + c->name + " trained (" + value_text(*c) + ")";
  }
  if (known == 0) return check;
  check.status = right == known ? CheckStatus::Pass : CheckStatus::Fail;
  check.detail = std::to_string(right) + " of " + std::to_string(known) + " as the paper" +
                 (wrong.empty() ? "" : ": " + wrong);
  return check;
}

// The table's findings (its file's `findings:`), each resolved to cells when the table was read.
std::vector<FidelityCheck> named_checks(const TableSpec& table, const Grid& grid) {
  std::vector<FidelityCheck> out;
  auto cell = [&](CellAt at) -> const Cell* { return &grid[at.row][at.column]; };
  auto cells = [&](const std::vector<CellAt>& at) {
    std::vector<const Cell*> list;
    for (auto a : at) list.push_back(cell(a));
    return list;
  };
  for (const auto& finding : table.findings) {
    switch (finding.kind) {
      case FindingKind::Better:
      case FindingKind::AtLeast: {
        const auto& [a, b] = finding.pairs.front();
        out.push_back(better(finding.name, *cell(a), *cell(b), finding.kind == FindingKind::Better));
        break;
      }
      case FindingKind::NoWorseThan: {
        int holds = 0, known = 0;
        std::string broken;
        for (const auto& [a, b] : finding.pairs) {
          auto check = better("", *cell(a), *cell(b), /*strict=*/false);
          if (check.status == CheckStatus::NotRun) continue;
          ++known;
          if (check.status == CheckStatus::Pass)
            ++holds;
          else if (broken.empty())
            broken = check.detail;
        }
        FidelityCheck check{finding.name, CheckStatus::NotRun, ""};
        if (known > 0) {
          check.status = holds == known ? CheckStatus::Pass : CheckStatus::Fail;
          check.detail = std::to_string(holds) + " of " + std::to_string(known) + " " + finding.counting +
                         (broken.empty() ? "" : "; e.g. " + broken);
        }
        out.push_back(check);
        break;
      }
      case FindingKind::NonIncreasing: {
        std::vector<std::vector<const Cell*>> sequences;
        for (const auto& seq : finding.sequences) sequences.push_back(cells(seq));
        out.push_back(non_increasing(finding.name, sequences));
        break;
      }
      case FindingKind::Above:
        out.push_back(all_above(finding.name, cells(finding.above), cells(finding.below)));
        break;
      case FindingKind::AsPaper:
        out.push_back(trains_or_fails(finding.name, cells(finding.above), cells(finding.below)));
        break;
    }
  }
  return out;
}

// ---- order agreement ----------------------------------------------------------------------------

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

// Text for a markdown table cell: a literal "|" would end the cell.
std::string table_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string percent(int a, int b) {
  return b > 0 ? fmt_number(100.0 * a / b, 0) + "%" : "—";
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

namespace {

constexpr int kTargetSeeds = 3;
constexpr double kTargetFailureAgreement = 0.9;
constexpr int kPropertyTables[] = {1, 2, 3, 4, 5};

struct CheckTarget {
  std::string name;
  std::vector<std::pair<int, std::string>> checks;  // (table, finding name): all must pass
  // A strict check ("erf > tanh") counts only when its gap is beyond the seed spread.
  bool beyond_spread = false;
  // The verdict waits only for the cells its checks compare (Table 7's ViT column), not for the
  // rest of their table (the DiT columns, days of CPU more); otherwise for the whole table.
  bool own_cells = false;
};

const std::vector<CheckTarget>& check_targets() {
  static const std::vector<CheckTarget> targets = {
      {"2. erf > tanh and erf >= LayerNorm beyond the seed spread (ViT, Table 7)",
       {{7, "erf > tanh (ViT)"}, {7, "erf >= LayerNorm (ViT)"}},
       /*beyond_spread=*/true,
       /*own_cells=*/true},
      {"3. accuracy non-increasing in the flat zone's lambda (Table 5)",
       {{5, "accuracy non-increasing in the flat zone's lambda (Table 5)"}}},
  };
  return targets;
}

const TableFidelity* find_table(const std::vector<TableFidelity>& tables, int number) {
  for (const auto& t : tables)
    if (t.table == number) return &t;
  return nullptr;
}

// Why a table does not count yet ("" when it does): not run, cells missing, or too few seeds.
std::string incomplete(const TableFidelity* t, int number) {
  const std::string table = "Table " + std::to_string(number);
  if (t == nullptr || t->compared() == 0) return table + " not run";
  const int fewest = t->fewest_seeds();
  const std::string seeds = std::to_string(fewest) + " seed" + (fewest == 1 ? "" : "s");
  if (t->compared() < t->paper_cells)
    return table + " has " + std::to_string(t->compared()) + " of " + std::to_string(t->paper_cells) + " cells" +
           (fewest < kTargetSeeds ? " (fewest seeds: " + std::to_string(fewest) + ")" : "");
  if (fewest < kTargetSeeds) return table + " has cells with " + seeds;
  return "";
}

FidelityCheck failure_target(const std::vector<TableFidelity>& tables) {
  FidelityCheck target;
  target.name = "1. failure agreement over Tables 1-5 >= 90%";
  int agree = 0, compared = 0;
  // Cells with all their seeds keep their verdicts; the others (fewer seeds, or not run) are open.
  int cells = 0, settled_agree = 0, settled = 0;
  bool every_table = true;  // each table's cells are known, run or not
  std::vector<std::string> missing;
  for (int number : kPropertyTables) {
    const TableFidelity* t = find_table(tables, number);
    if (auto why = incomplete(t, number); !why.empty()) missing.push_back(why);
    if (t == nullptr || t->paper_cells == 0) {
      every_table = false;
      continue;
    }
    agree += t->failure_agree(), compared += t->compared(), cells += t->paper_cells;
    for (const auto& v : t->verdicts) {
      if (v.seeds < kTargetSeeds) continue;
      ++settled;
      settled_agree += v.agree;
    }
  }
  std::ostringstream text;
  if (compared > 0) text << agree << " of " << detail::cells(compared) << " (" << percent(agree, compared) << ")";
  if (missing.empty()) {
    target.status = agree >= kTargetFailureAgreement * compared ? CheckStatus::Pass : CheckStatus::Fail;
    target.detail = text.str();
    return target;
  }
  text << (compared > 0 ? " so far; " : "");
  for (std::size_t i = 0; i < missing.size(); ++i) text << (i ? ", " : "") << missing[i];
  const int open = cells - settled;
  if (every_table && settled_agree + open < kTargetFailureAgreement * cells) {
    target.status = CheckStatus::Fail;
    text << "; at most " << settled_agree + open << " of " << cells << " (" << percent(settled_agree + open, cells)
         << ") even if the " << open << " open cell" << (open == 1 ? "" : "s") << " all agree";
  } else if (every_table && settled_agree >= kTargetFailureAgreement * cells) {
    target.status = CheckStatus::Pass;
    text << "; at least " << settled_agree << " of " << cells << " (" << percent(settled_agree, cells)
         << ") whatever the " << open << " open cell" << (open == 1 ? "" : "s") << " give";
  }
  target.detail = text.str();
  return target;
}

FidelityCheck check_target(const CheckTarget& spec, const std::vector<TableFidelity>& tables) {
  FidelityCheck target;
  target.name = spec.name;
  bool all_pass = true, any_fail = false, any_missing = false;
  std::vector<std::string> parts, missing;
  for (const auto& [number, name] : spec.checks) {
    const TableFidelity* t = find_table(tables, number);
    const FidelityCheck* check = nullptr;
    if (t != nullptr)
      for (const auto& c : t->checks)
        if (c.name == name) check = &c;
    if (check == nullptr || check->status == CheckStatus::NotRun) {
      any_missing = true, all_pass = false;
      parts.push_back(name + ": not run");
      continue;
    }
    // "erf > tanh" by less than the seed spread is no ordering the target can count.
    const bool within_spread =
        spec.beyond_spread && check->strict && check->status == CheckStatus::Pass && !check->beyond_spread;
    const CheckStatus status = within_spread ? CheckStatus::Fail : check->status;
    all_pass = all_pass && status == CheckStatus::Pass;
    any_fail = any_fail || status == CheckStatus::Fail;
    parts.push_back(name + ": " + to_string(check->status) + (within_spread ? ", but within the seed spread" : "") +
                    " (" + check->detail + ")");
    const auto why =
        spec.own_cells && check->fewest_seeds > 0
            ? (check->fewest_seeds < kTargetSeeds
                   ? name + " compares cells with " + std::to_string(check->fewest_seeds) + " seed" +
                         (check->fewest_seeds == 1 ? "" : "s")
                   : "")
            : incomplete(t, number);
    if (!why.empty() && std::find(missing.begin(), missing.end(), why) == missing.end()) missing.push_back(why);
  }
  // Fewer seeds than the target asks for: the verdict is not yet the target's.
  if (any_missing || !missing.empty()) {
    target.status = CheckStatus::NotRun;
  } else {
    target.status = all_pass ? CheckStatus::Pass : (any_fail ? CheckStatus::Fail : CheckStatus::NotRun);
  }
  std::ostringstream detail;
  for (std::size_t i = 0; i < parts.size(); ++i) detail << (i ? "; " : "") << parts[i];
  if (!missing.empty()) {
    detail << "; so far only: ";
    for (std::size_t i = 0; i < missing.size(); ++i) detail << (i ? ", " : "") << missing[i];
  }
  target.detail = detail.str();
  return target;
}

}  // namespace

std::vector<FidelityCheck> calibration_targets(const std::vector<TableFidelity>& tables) {
  std::vector<FidelityCheck> targets = {failure_target(tables)};
  for (const auto& spec : check_targets()) targets.push_back(check_target(spec, tables));
  return targets;
}

std::vector<std::pair<int, std::string>> calibration_target_checks() {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& spec : check_targets()) out.insert(out.end(), spec.checks.begin(), spec.checks.end());
  return out;
}

std::string calibration_markdown(const std::vector<FidelityCheck>& targets) {
  std::ostringstream md;
  md << "## Calibration targets: is the ViT proxy calibrated?\n\n"
     << "The ViT proxy counts as calibrated when all three hold, each judged once the cells it reads have "
     << kTargetSeeds << " seeds: target 2 the cells its checks compare (Table 7's ViT column), the others "
     << "their whole tables; target 1 sooner when the cells with all their seeds decide it whatever the "
     << "others give (docs/calibration.md).\n\n"
     << "| target | here | numbers |\n| --- | --- | --- |\n";
  for (const auto& t : targets)
    md << "| " << table_cell(t.name) << " | " << to_string(t.status) << " | " << table_cell(t.detail) << " |\n";
  md << "\n";
  return md.str();
}

nlohmann::json to_json(const std::vector<FidelityCheck>& targets) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : targets) out.push_back({{"name", t.name}, {"status", to_string(t.status)}, {"detail", t.detail}});
  return out;
}

}  // namespace fsearch::reports
