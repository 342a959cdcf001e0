#include <algorithm>
#include <cmath>

#include "fsearch/properties/properties.h"

namespace fsearch::properties {
namespace {

// Positive half of the grid: 0.001 steps to 1, 0.01 steps to 10, then 50 points a decade to 1e12.
// The grid is mirrored exactly, so x and -x are both sample points (the symmetry test relies on it).
const std::vector<double>& grid() {
  static const std::vector<double> kGrid = [] {
    std::vector<double> half;
    for (int i = 1; i <= 1000; ++i) half.push_back(i * 1e-3);
    for (int i = 101; i <= 1000; ++i) half.push_back(i * 1e-2);
    for (int k = 1; k <= 550; ++k) half.push_back(std::pow(10.0, 1.0 + k / 50.0));
    std::vector<double> full;
    for (auto it = half.rbegin(); it != half.rend(); ++it) full.push_back(-*it);
    full.push_back(0.0);
    full.insert(full.end(), half.begin(), half.end());
    return full;
  }();
  return kGrid;
}

}  // namespace

Samples::Samples(const functions::Program& program) : x(grid()), y(x.size()), dy(x.size()) {
  program.evaluate(x.data(), y.data(), dy.data(), x.size());
}

}  // namespace fsearch::properties
