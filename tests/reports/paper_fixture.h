// The paper-tables fixture: a database in which every cell of every paper table has results in one
// of seven patterns (missing, diverged, two seeds, partly diverged, one seed, running, at chance),
// chosen by the cell's position. The golden files in tests/reports/golden are these tables rendered.
#pragma once

#include <string>

#include "fsearch/db/database.h"

namespace fsearch::reports {

// What the renderer reads from a job's spec: the classifier's classes (chance level) and the DiT
// sampler behind an FID.
inline constexpr const char* kSpecJson =
    R"({"model": {"num_classes": 10}, "diffusion": {"sample_steps": 50, "sample_eta": 1.0,)"
    R"( "cfg_scale": 3.0, "samples_per_class": 100}})";

// Records one result for a job: accuracy (or FID 100 * acc for a DiT job, and Table 13's
// eval-mode training loss 1.2 - acc when `loss`), or a divergence at step 12.
void add_result(db::Database& db, const db::JobRow& job, bool diverged, double acc, bool fid,
                bool loss = false);

// Builds the fixture in a fresh temporary database and returns its path.
std::string build_fixture();

}  // namespace fsearch::reports
