#include "fsearch/functions/norm_spec.h"

#include <sstream>

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"
#include "fsearch/functions/parse.h"

namespace fsearch::functions {

NormSpec norm_preset(const std::string& name) {
  NormSpec spec;
  if (name == "layernorm") {
    spec.kind = NormKind::LayerNorm;
  } else if (name == "rmsnorm") {
    spec.kind = NormKind::RMSNorm;
  } else if (name == "groupnorm") {
    spec.kind = NormKind::GroupNorm;
  } else if (name == "dyt") {
    spec.function = "tanh(x)";
    spec.shift = ShiftMode::None;
  } else if (name == "derf") {
    spec.function = "erf(x)";
    spec.shift = ShiftMode::Scalar;
  } else {
    throw ConfigError(
        "unknown norm preset '" + name + "'",
        did_you_mean(name, norm_preset_names()) + " presets: layernorm, rmsnorm, groupnorm, dyt, derf");
  }
  return spec;
}

std::vector<std::string> norm_preset_names() {
  return {"layernorm", "rmsnorm", "groupnorm", "dyt", "derf"};
}

const std::vector<std::string>& baseline_names() {
  static const std::vector<std::string> kNames = {"layernorm", "rmsnorm", "groupnorm"};
  return kNames;
}

std::string to_string(NormKind kind) {
  switch (kind) {
    case NormKind::LayerNorm: return "layernorm";
    case NormKind::RMSNorm: return "rmsnorm";
    case NormKind::GroupNorm: return "groupnorm";
    case NormKind::Pointwise: return "pointwise";
  }
  return "?";
}

std::string to_string(ShiftMode mode) {
  switch (mode) {
    case ShiftMode::None: return "none";
    case ShiftMode::Scalar: return "scalar";
    case ShiftMode::Vector: return "vector";
  }
  return "?";
}

NormKind parse_norm_kind(const std::string& text) {
  for (auto kind : {NormKind::LayerNorm, NormKind::RMSNorm, NormKind::GroupNorm, NormKind::Pointwise}) {
    if (to_string(kind) == text) return kind;
  }
  throw ConfigError("unknown norm '" + text + "'", "use one of: layernorm, rmsnorm, groupnorm, pointwise");
}

ShiftMode parse_shift_mode(const std::string& text) {
  for (auto mode : {ShiftMode::None, ShiftMode::Scalar, ShiftMode::Vector}) {
    if (to_string(mode) == text) return mode;
  }
  throw ConfigError("unknown shift mode '" + text + "'",
                    "use one of: none (Eq. 4), scalar (Eq. 8), vector (per channel)");
}

std::string describe(const NormSpec& spec) {
  if (spec.kind != NormKind::Pointwise) return to_string(spec.kind);
  std::ostringstream out;
  out << "pointwise " << to_text(parse(spec.function)) << " shift=" << to_string(spec.shift)
      << " alpha0=" << format_number(spec.alpha_init) << (spec.affine ? "" : " no-affine");
  return out.str();
}

}  // namespace fsearch::functions
