// Which normalization a model uses: LayerNorm, RMSNorm, GroupNorm, or the point-wise layer
//   y = gamma * f(alpha * x + s) + beta        (Eq. 8 / 10; Eq. 4 without s)
// with its options. Torch-free, so that configs and the database can speak of norms cheaply.
#pragma once

#include <string>
#include <vector>

namespace fsearch::functions {

enum class NormKind { LayerNorm, RMSNorm, GroupNorm, Pointwise };
enum class ShiftMode { None, Scalar, Vector };  // s absent (Eq. 4), scalar (Eq. 8), per channel

struct NormSpec {
  NormKind kind = NormKind::Pointwise;
  std::string function = "erf";  // an expression (parse.h); Pointwise only
  ShiftMode shift = ShiftMode::Scalar;
  double alpha_init = 0.5;
  bool affine = true;  // gamma and beta; off where a DiT block modulates after the norm
};

// Named presets: "layernorm", "rmsnorm", "groupnorm", "dyt" (tanh, no shift), "derf" (erf, scalar
// shift).
NormSpec norm_preset(const std::string& name);
std::vector<std::string> norm_preset_names();
// The normalization layers a space or a table can name as baselines: layernorm, rmsnorm, groupnorm.
const std::vector<std::string>& baseline_names();

std::string to_string(NormKind kind);
std::string to_string(ShiftMode mode);
// Throw ConfigError naming the accepted values.
NormKind parse_norm_kind(const std::string& text);
ShiftMode parse_shift_mode(const std::string& text);

// One line, e.g. "pointwise erf(x) shift=scalar alpha0=0.5".
std::string describe(const NormSpec& spec);

}  // namespace fsearch::functions
