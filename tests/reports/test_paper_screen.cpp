// Every Section 3 cell of the paper's Tables 1-6 through the property screen (all four tests, the
// default thresholds, as `require: [all]` screens a space), against what the paper found: a cell
// the paper could not train ("x") must be rejected; a cell it trained comparably (within the
// paper's 0.3-point noise of the best cell of its row or column) should be kept. The agreement is printed per
// table; the x cells are asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "fixture.h"
#include "fsearch/functions/parse.h"
#include "fsearch/properties/properties.h"

namespace fsearch::reports {
namespace {

TEST(PaperScreen, EverySection3CellThroughTheScreen) {
  int all_agree = 0, all_cells = 0;
  for (int number : {1, 2, 3, 4, 5, 6}) {
    const auto& t = table(number);
    // The paper reads each table along its rows (Tables 1, 5, 6: one base function per row) or its
    // columns (Tables 2, 3): a cell is comparable to the best of its row or column.
    auto best_of = [&](std::size_t r, std::size_t c) {
      double best = -INFINITY;
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        for (std::size_t j = 0; j < t.rows[i].cells.size(); ++j) {
          const bool line = t.best == Best::PerRow ? i == r : t.best == Best::PerColumn ? j == c : true;
          const auto& cell = t.rows[i].cells[j];
          if (line && !cell.empty && !cell.paper_diverged && !std::isnan(cell.paper))
            best = std::max(best, cell.paper);
        }
      }
      return best;
    };
    int agree = 0, cells = 0;
    std::string differ;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      for (std::size_t c = 0; c < t.rows[r].cells.size(); ++c) {
        const auto& cell = t.rows[r].cells[c];
        if (cell.empty || cell.function.empty() || (std::isnan(cell.paper) && !cell.paper_diverged)) continue;
        const bool kept = properties::analyze(functions::parse(cell.function)).pass_all();
        const bool paper_keeps = !cell.paper_diverged && cell.paper >= best_of(r, c) - 0.3;
        if (cell.paper_diverged) {
          EXPECT_FALSE(kept) << "Table " << number << ": " << cell.function << " is an x cell";
        }
        ++cells;
        if (kept == paper_keeps) {
          ++agree;
        } else {
          differ += " " + cell.function + (kept ? " (kept)" : " (rejected)");
        }
      }
    }
    std::cout << "Table " << number << ": the screen agrees with the paper on " << agree << " of " << cells
              << " cells" << (differ.empty() ? "" : "; differs on:" + differ) << "\n";
    all_agree += agree;
    all_cells += cells;
  }
  std::cout << "Tables 1-6: " << all_agree << " of " << all_cells << " cells agree\n";
  EXPECT_GT(all_cells, 100);
}

}  // namespace
}  // namespace fsearch::reports
