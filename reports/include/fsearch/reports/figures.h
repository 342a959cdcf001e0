// What the training-loss figure of a table shows (like the paper's Figures 6-8): panels of curves,
// one curve per table cell that has one.
//
// A panel holds the cells of one table row (its curves named by the column headers), or of one column
// (named by the row labels), whichever needs fewer panels while keeping one proxy and metric per
// panel: Table 5 gets a panel per base function with a curve per lambda; Table 7, whose rows mix the
// ViT and DiT proxies, a panel per proxy.
#pragma once

#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/tables.h"

namespace fsearch::reports {

struct LossSeries {
  std::string label;    // the column header or row label that tells the curve apart in its panel
  std::string job_key;  // the job whose training loss is drawn
  // Why the curve stops short, for the legend: "rejected at step 141", "diverged at step 44", "still
  // running at step 750" (a partial curve), "unfinished at step 300" (waiting or interrupted); empty
  // for a job that finished.
  std::string stopped;
};

struct LossPanel {
  std::string title;
  std::vector<LossSeries> series;
};

// Panels with at least one curve, in table order. A cell's curve is its lowest seed's, at the learning
// rate with the best result (a diverged or unfinished job's curve when nothing finished).
std::vector<LossPanel> loss_panels(db::Database& db, const TableSpec& table);

}  // namespace fsearch::reports
