// The paper's stated findings as checks on a table's cells: "a > b", "a >= b", trends that must
// not rise, one group above another, cells that train or fail as the paper's. Each compares cells
// on the seeds they all finished when their seeds differ.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "fidelity_cells.h"

namespace fsearch::reports::detail {
namespace {

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
  const auto shared = shared_seeds(std::vector<const Cell*>{&a, &b}, differ);
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
          const auto shared = shared_seeds(std::vector<const Cell*>{done[i], done[j]}, differ);
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

}  // namespace

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

}  // namespace fsearch::reports::detail
