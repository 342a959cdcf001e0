#include "fsearch/functions/catalog.h"

#include <algorithm>

#include "fsearch/functions/ops.h"
#include "fsearch/functions/transforms.h"

namespace fsearch::functions {

// Definitions are parsed with elementary operations taking precedence over catalog names, so
// "erf(x)" here is the elementary erf. Where a textbook formula is numerically poor in floating
// point, the definition uses an equal but stable form; the note says so.
const std::vector<Primitive>& catalog() {
  static const std::vector<Primitive> kCatalog = {
      {"erf", "erf(x)", "natural", "bounded in [-1, 1]; Derf's function"},
      {"tanh", "tanh(x)", "natural", "DyT's function"},
      {"arctan", "2 / pi * atan(x)", "natural", "rescaled to [-1, 1]"},
      {"satursin", "sin(clip(x, -pi / 2, pi / 2))", "transformed basic", ""},
      {"expsign", "sign(x) * (1 - exp(-abs(x)))", "transformed basic", ""},
      {"exproot", "sign(x) * (1 - exp(-sqrt(abs(x))))", "transformed basic",
       "the paper's printed formula is garbled; this is the intended one"},
      {"relsign", "x / (sqrt(x^2 + 1) + 1)", "transformed basic", "bounded in (-1, 1)"},
      {"isru", "x / sqrt(x^2 + 1)", "transformed basic", ""},
      {"cubsign", "x^3 / (abs(x)^3 + 1)", "transformed basic", ""},
      {"smoothsign", "x / (1 + abs(x))", "canonical ratio", ""},
      {"saturlog", "sign(x) * log(abs(x) + 1) / (log(abs(x) + 1) + 1)", "canonical ratio", ""},
      {"linear", "x", "unbounded", ""},
      {"logsign", "sign(x) * log(abs(x) + 1)", "unbounded", ""},
      {"arcsinh", "asinh(x)", "unbounded",
       "ln(x + sqrt(x^2 + 1)), evaluated as asinh: the log form cancels catastrophically for x << 0"},
      {"logquad", "sign(x) * log(x^2 + 1)", "unbounded",
       "alias logquadr; fastest growth that still trains (Table 4)"},
      {"power23", "sign(x) * abs(x)^(2 / 3)", "unbounded",
       "slope is infinite at 0; its gradient there is taken as 0"},
      {"sin", "sin(x)", "non-monotonic", "oscillatory"},
      {"dampx", "2 * x / (1 + x^2)", "non-monotonic", "hump-shaped, peak 1 at |x| = 1"},
      {"dampexp", "2.72 * x * exp(-abs(x))", "non-monotonic", "hump-shaped, peak about 1 at |x| = 1"},
      {"linear_clip", "clip(x, -1, 1)", "clipped", "Table 7"},
      {"logsign_clip", "clip(sign(x) * log(abs(x) + 1), -1, 1)", "clipped", "Table 7"},
      {"arcsinh_clip", "clip(asinh(x), -1, 1)", "clipped", "Table 7"},
      {"logquad_clip", "clip(sign(x) * log(x^2 + 1), -1, 1)", "clipped", "Table 7"},
      {"power23_clip", "clip(sign(x) * abs(x)^(2 / 3), -1, 1)", "clipped", "Table 7"},
      {"negerf", "-erf(x)", "negated", "Table 6"},
      {"negtanh", "-tanh(x)", "negated", "Table 6"},
      {"negarctan", "-(2 / pi * atan(x))", "negated", "Table 6"},
  };
  return kCatalog;
}

const Primitive* find_primitive(std::string_view name) {
  if (name == "logquadr") name = "logquad";
  for (const auto& entry : catalog()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::vector<std::string> known_function_names() {
  std::vector<std::string> names;
  for (const auto& entry : catalog()) names.push_back(entry.name);
  names.push_back("logquadr");
  for (int i = 0; i <= static_cast<int>(Op::IfPos); ++i) {
    const auto& info = op_info(static_cast<Op>(i));
    bool listed = std::find(names.begin(), names.end(), info.name) != names.end();
    if (info.callable && !listed) names.emplace_back(info.name);
  }
  for (const auto& info : all_transforms()) {
    if (std::find(names.begin(), names.end(), info.name) == names.end()) names.emplace_back(info.name);
  }
  return names;
}

}  // namespace fsearch::functions
