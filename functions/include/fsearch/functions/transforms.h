// Transforms the search composes: each maps a function f to a new function (docs/function-catalog.md).
//
//   hshift(f, l)  f(x + l)                 vshift(f, l)  f(x) + l
//   clip(f, l)    clip(f(x), -l, l)        mix(f, l)     (1 - l) f(x) + l x
//   flat(f, l)    0 where |x| <= l, else f(x - l sign(x))
//   mirror(f)     sign(x) f(|x|)           negate(f)     -f(x)
//   scale(f, e)   f(e x)                   rescale(f)    c f(x), c = 1 / max |f| (range [-1, 1])
//   ratio(f)      f(x) / (|f(x)| + 1)       inclip(f, l)  f(clip(x, -l, l))
//   compose(f, g) f(g(x))                  concat(f, g, c)  f(x) for x <= c, g(x) for x > c
//   rotate(f, theta)  the graph of f turned counterclockwise by theta radians about the origin: the
//                 point (t, f(t)) moves to (t cos theta - f(t) sin theta, t sin theta + f(t) cos theta).
//                 A function of x only when |tan theta| max |f'| < 1; evaluated by a fixed-point
//                 solve of x = t cos theta - f(t) sin theta, unrolled into the program (program.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fsearch::functions {

enum class TransformKind {
  HShift,
  VShift,
  Clip,
  Mix,
  Flat,
  Mirror,
  Negate,
  Scale,
  Rescale,
  Ratio,
  InClip,
  Compose,
  Concat,
  Rotate
};

struct TransformInfo {
  TransformKind kind;
  std::string_view name;                 // as written in expressions and YAML
  std::vector<std::string_view> params;  // names of the parameters the user gives
  std::string_view definition;           // one line, for --help and `fsearch functions`
  int functions = 1;                     // function arguments before the parameters: f, or f and g
};

const TransformInfo& transform_info(TransformKind kind);
const std::vector<TransformInfo>& all_transforms();
std::optional<TransformKind> transform_by_name(std::string_view name);

}  // namespace fsearch::functions
