#include "fsearch/search/expand.h"

#include <atomic>
#include <set>
#include <thread>

#include "fsearch/functions/candidate.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/transforms.h"
#include "fsearch/core/hash.h"
#include "fsearch/properties/json.h"

#include <nlohmann/json.hpp>

namespace fsearch::search {
namespace {

void chains(const Space& space, const functions::Expr& base, int depth, int last_kind,
            std::vector<functions::Expr>& out) {
  if (depth == 0) return;
  for (const auto& choice : space.transforms) {
    if (static_cast<int>(choice.kind) == last_kind) continue;  // flat(flat(f)) is flat(f) with another lambda
    std::vector<std::vector<double>> params;
    if (choice.values.empty()) {
      params.push_back({});
    } else {
      for (double v : choice.values) params.push_back({v});
    }
    std::vector<std::vector<functions::Expr>> operands;  // {f} or, for compose and concat, {f, g} per g
    if (choice.with.empty()) {
      operands.push_back({base});
    } else {
      for (const auto& g : choice.with) operands.push_back({base, parse_primitive(g)});
    }
    for (const auto& fs : operands) {
      for (const auto& p : params) {
        functions::Expr next;
        try {
          next = functions::transform(choice.kind, fs, p);
        } catch (const ConfigError&) {
          continue;  // e.g. rescale of an unbounded function: not a candidate
        }
        out.push_back(next);
        chains(space, next, depth - 1, static_cast<int>(choice.kind), out);
      }
    }
  }
}

// Chains of at most `depth` transforms after one of kind `last_kind`, as `chains` makes them (an
// upper bound: transforms that do not apply are skipped there). Saturates instead of overflowing.
double chain_count(const Space& space, int depth, int last_kind) {
  if (depth == 0) return 0;
  double total = 0;
  for (const auto& choice : space.transforms) {
    if (static_cast<int>(choice.kind) == last_kind) continue;
    const double values = (choice.values.empty() ? 1.0 : static_cast<double>(choice.values.size())) *
                          (choice.with.empty() ? 1.0 : static_cast<double>(choice.with.size()));
    total += values * (1 + chain_count(space, depth - 1, static_cast<int>(choice.kind)));
  }
  return total;
}

}  // namespace

functions::Expr parse_primitive(const std::string& text) {
  if (functions::find_primitive(text)) return functions::primitive(text);
  return functions::parse(text);
}

double count_candidates(const Space& space) {
  const bool base = space.include_base || space.transforms.empty() || space.depth == 0;
  return static_cast<double>(space.primitives.size()) * ((base ? 1 : 0) + chain_count(space, space.depth, -1));
}

std::vector<functions::Expr> generate(const Space& space) {
  std::vector<functions::Expr> out;
  for (const auto& text : space.primitives) {
    auto base = parse_primitive(text);
    if (space.include_base || space.transforms.empty() || space.depth == 0) out.push_back(base);
    chains(space, base, space.depth, -1, out);
  }
  return out;
}

Screened screen(const functions::Expr& expr, const Space& space) {
  Screened s;
  s.candidate = functions::make_candidate(expr);
  s.analysis = properties::analyze(expr, properties::all_properties(), space.thresholds);
  s.pass = true;
  // Whatever the space requires: a function that is NaN or infinite somewhere cannot train.
  if (auto reason = functions::non_finite_reason(expr); !reason.empty()) {
    s.pass = false;
    s.reasons = "finite: " + reason;
  }
  for (auto property : space.require) {
    const auto* r = s.analysis.find(property);
    if (!r->pass) {
      s.pass = false;
      s.reasons += (s.reasons.empty() ? "" : "\n") + properties::to_string(property) + ": " + r->reason;
    }
  }
  s.status = s.pass ? db::CandidateStatus::Kept : db::CandidateStatus::Rejected;
  return s;
}

db::CandidateRow candidate_row(const Screened& s) {
  nlohmann::json transforms = nlohmann::json::array();
  for (const auto& t : s.candidate.transforms) {
    transforms.push_back(
        {{"kind", std::string(functions::transform_info(t.kind).name)}, {"params", t.params}});
  }
  return {to_hex(s.candidate.fingerprint),        s.candidate.text,      s.candidate.base, transforms.dump(),
          properties::to_json(s.analysis).dump(), s.analysis.pass_all(), s.reasons};
}

std::vector<Screened> expand(const Space& space) {
  auto exprs = generate(space);
  std::vector<Screened> out(exprs.size());
  // Screening is independent per candidate: spread it over the cores.
  std::atomic<std::size_t> next{0};
  unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < exprs.size();) out[i] = screen(exprs[i], space);
    });
  }
  for (auto& thread : pool) thread.join();
  std::set<std::uint64_t> seen;
  for (auto& s : out) {
    if (!seen.insert(s.candidate.fingerprint).second) {
      s.status = db::CandidateStatus::Duplicate;
    } else {
      s.status = s.pass ? db::CandidateStatus::Kept : db::CandidateStatus::Rejected;
    }
  }
  return out;
}

}  // namespace fsearch::search
