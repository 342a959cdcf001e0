// Whether the ViT proxy is calibrated (issue 20's three targets, docs/calibration.md), judged from
// the tables' fidelity (fidelity.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fsearch/reports/fidelity.h"

namespace fsearch::reports {

// The ViT proxy's calibration targets (docs/calibration.md), judged from the tables' fidelity:
//  1. failure agreement over the property study, Tables 1-5, >= 90%;
//  2. Table 7's "erf > tanh (ViT)" and "erf >= LayerNorm (ViT)" hold (beyond the seed spread);
//  3. Table 5's accuracy non-increasing in lambda holds.
// Each needs every cell of its tables run with >= 3 seeds; short of that it is "not run", and its
// numbers say how far the run has come and what it shows so far. Target 1 is settled sooner when
// the cells with all their seeds decide it whatever the open ones (fewer seeds, or not run) give.
std::vector<FidelityCheck> calibration_targets(const std::vector<TableFidelity>& tables);
// The named checks (table, finding name) that targets 2 and 3 read: each must exist in the tables.
std::vector<std::pair<int, std::string>> calibration_target_checks();
std::string calibration_markdown(const std::vector<FidelityCheck>& targets);
nlohmann::json to_json(const std::vector<FidelityCheck>& targets);

}  // namespace fsearch::reports
