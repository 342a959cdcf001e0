#include "fsearch/functions/ops.h"

#include <array>

namespace fsearch::functions {
namespace {

constexpr std::array<OpInfo, 21> kOps = {{
    {"-", 1, false},     {"abs", 1, true},   {"sign", 1, true}, {"exp", 1, true},  {"log", 1, true},
    {"sqrt", 1, true},   {"sin", 1, true},   {"cos", 1, true},  {"atan", 1, true}, {"tanh", 1, true},
    {"erf", 1, true},    {"asinh", 1, true}, {"+", 2, false},   {"-", 2, false},   {"*", 2, false},
    {"/", 2, false},     {"pow", 2, true},   {"min", 2, true},  {"max", 2, true},  {"clip", 3, true},
    {"ifpos", 3, false},
}};

}  // namespace

const OpInfo& op_info(Op op) {
  return kOps[static_cast<std::size_t>(op)];
}

std::optional<Op> op_by_call_name(std::string_view name) {
  for (std::size_t i = 0; i < kOps.size(); ++i) {
    if (kOps[i].callable && kOps[i].name == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

}  // namespace fsearch::functions
