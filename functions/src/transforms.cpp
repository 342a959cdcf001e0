#include "fsearch/functions/transforms.h"

namespace fsearch::functions {

const std::vector<TransformInfo>& all_transforms() {
  static const std::vector<TransformInfo> kTransforms = {
      {TransformKind::HShift, "hshift", {"lambda"}, "f(x + lambda)  (horizontal shift, Eq. 5)"},
      {TransformKind::VShift, "vshift", {"lambda"}, "f(x) + lambda  (vertical shift, Eq. 5)"},
      {TransformKind::Clip, "clip", {"lambda"}, "clip(f(x), -lambda, lambda)  (Eq. 6)"},
      {TransformKind::Mix, "mix", {"lambda"}, "(1 - lambda) f(x) + lambda x  (unbounding, Eq. 7)"},
      {TransformKind::Flat,
       "flat",
       {"lambda"},
       "0 where |x| <= lambda, else f(x - lambda sign(x))  (flat zone, Sec. 3.3)"},
      {TransformKind::Mirror, "mirror", {}, "sign(x) f(|x|)  (mirror the positive branch)"},
      {TransformKind::Negate, "negate", {}, "-f(x)  (Sec. 3.4)"},
      {TransformKind::Scale, "scale", {"epsilon"}, "f(epsilon x)  (input scale, Sec. 7.2)"},
      {TransformKind::Rescale, "rescale", {}, "c f(x), c = 1 / max |f|  (output range [-1, 1])"},
      {TransformKind::Ratio, "ratio", {}, "f(x) / (|f(x)| + 1)  (canonical ratio, App. B)"},
      {TransformKind::InClip, "inclip", {"lambda"}, "f(clip(x, -lambda, lambda))  (input clipping, App. B)"},
      {TransformKind::Compose, "compose", {}, "f(g(x))  (composition of two functions, App. B)", 2},
      {TransformKind::Concat,
       "concat",
       {"c"},
       "f(x) for x <= c, g(x) for x > c  (concatenation of two functions at c, App. B)",
       2},
      {TransformKind::Rotate,
       "rotate",
       {"theta"},
       "the graph of f turned counterclockwise by theta radians about the origin; needs "
       "|tan theta| max |f'| <= 0.8  (rotation, Sec. 4, App. B)"},
  };
  return kTransforms;
}

const TransformInfo& transform_info(TransformKind kind) {
  return all_transforms()[static_cast<std::size_t>(kind)];
}

std::optional<TransformKind> transform_by_name(std::string_view name) {
  for (const auto& info : all_transforms()) {
    if (info.name == name) return info.kind;
  }
  return std::nullopt;
}

}  // namespace fsearch::functions
