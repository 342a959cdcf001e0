// From a space to candidates: generate every primitive x transform chain, screen each with the
// required property tests, and merge those with the same fingerprint (kept once, the other
// spellings recorded as duplicates). Rejected candidates are kept with their reasons.
#pragma once

#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/properties/properties.h"
#include "fsearch/search/space.h"

namespace fsearch::search {

struct Screened {
  functions::Candidate candidate;
  properties::Analysis analysis;  // all four tests, measured whatever `require` says
  bool pass = false;              // every required test passed
  db::CandidateStatus status = db::CandidateStatus::Kept;
  std::string reasons;            // why rejected: one "test: reason" per failed required test
};

// A catalog name (applied to x) or an expression.
functions::Expr parse_primitive(const std::string& text);
// One function through the screen: its structure and fingerprint, the four property tests, and
// whether it passes the space's required ones (and is finite everywhere); kept or rejected.
Screened screen(const functions::Expr& expr, const Space& space);
// How the database records a screened candidate.
db::CandidateRow candidate_row(const Screened& s);

std::vector<functions::Expr> generate(const Space& space);
// How many candidates generate() makes at most, without making them (a space of millions is refused
// before it fills memory).
double count_candidates(const Space& space);
std::vector<Screened> expand(const Space& space);

}  // namespace fsearch::search
