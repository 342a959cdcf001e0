#include "fsearch/functions/expr.h"

#include <cmath>
#include <map>
#include <mutex>
#include <utility>

#include "fsearch/core/error.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"
#include "internal.h"

namespace fsearch::functions {
namespace {

std::shared_ptr<Node> make_node(NodeKind kind) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  return node;
}

// Largest |f| over the probe grid; also checks that f is bounded (the largest |f| within
// |x| <= 1e3 and within |x| <= 1e6 agree).
double max_abs_bounded(const Expr& function, const std::string& what) {
  static const std::vector<double> kNear = [] {
    std::vector<double> grid;
    for (int i = -100000; i <= 100000; ++i) grid.push_back(i * 1e-2);
    return grid;
  }();
  static const std::vector<double> kFar = {1e4, 1e5, 1e6, -1e4, -1e5, -1e6};
  Program program(function);
  std::vector<double> values(kNear.size());
  program.evaluate(kNear.data(), values.data(), nullptr, kNear.size());
  double near = 0.0, far = 0.0;
  for (double v : values) near = std::max(near, std::fabs(v));
  for (double x : kFar) far = std::max(far, std::fabs(program.value(x)));
  if (!std::isfinite(near) || near == 0.0 || far > near * 1.001) {
    throw ConfigError(what + " needs a bounded function that is not identically zero",
                      "rescale maps the output range onto [-1, 1]; clip or ratio bound a function first");
  }
  return near;
}

}  // namespace

double detail::rotation_contraction(const Expr& f, double theta) {
  static const std::vector<double> kGrid = [] {
    std::vector<double> grid;
    for (int i = -20000; i <= 20000; ++i) grid.push_back(i * 5e-3);
    return grid;
  }();
  Program program(f);
  std::vector<double> slopes(kGrid.size());
  program.evaluate(kGrid.data(), nullptr, slopes.data(), kGrid.size());
  double steepest = 0.0;
  for (double d : slopes) steepest = std::isnan(d) ? INFINITY : std::max(steepest, std::fabs(d));
  return std::fabs(std::tan(theta)) * steepest;
}

Expr constant(double value, std::string name) {
  auto node = make_node(NodeKind::Constant);
  node->value = value;
  node->name = std::move(name);
  return node;
}

Expr variable() {
  static const Expr kX = make_node(NodeKind::Variable);
  return kX;
}

Expr operation(Op op, std::vector<Expr> operands) {
  if (static_cast<int>(operands.size()) != op_info(op).arity) {
    throw ConfigError("operation '" + std::string(op_info(op).name) + "' takes " +
                      std::to_string(op_info(op).arity) + " operands");
  }
  // -(2) is the number -2: keeps parse(to_text(e)) structurally equal to e.
  if (op == Op::Neg && operands[0]->kind == NodeKind::Constant && operands[0]->name.empty()) {
    return constant(-operands[0]->value);
  }
  auto node = make_node(NodeKind::Operation);
  node->op = op;
  node->children = std::move(operands);
  return node;
}

Expr primitive(const std::string& name, Expr argument) {
  const Primitive* entry = find_primitive(name);
  if (!entry) throw ConfigError("unknown function '" + name + "'");
  auto node = make_node(NodeKind::Primitive);
  node->name = entry->name;  // the alias logquadr is stored as logquad
  node->children = {std::move(argument)};
  return node;
}

Expr primitive(const std::string& name) {
  return primitive(name, variable());
}

Expr transform(TransformKind kind, Expr function, std::vector<double> params) {
  return transform(kind, std::vector<Expr>{std::move(function)}, std::move(params));
}

Expr transform(TransformKind kind, std::vector<Expr> functions, std::vector<double> params) {
  const auto& info = transform_info(kind);
  const std::string name(info.name);
  if (static_cast<int>(functions.size()) != info.functions) {
    throw ConfigError(name + " takes " + std::to_string(info.functions) + " function(s), got " +
                      std::to_string(functions.size()));
  }
  if (params.size() != info.params.size()) {
    throw ConfigError(name + " takes " + std::to_string(info.params.size()) + " parameter(s), got " +
                      std::to_string(params.size()));
  }
  for (double p : params) {
    if (!std::isfinite(p)) throw ConfigError(name + ": parameter must be a finite number");
  }
  auto check = [&](bool ok, const std::string& rule) {
    if (!ok) throw ConfigError(name + ": " + rule + ", got " + std::to_string(params[0]));
  };
  switch (kind) {
    case TransformKind::Clip: check(params[0] > 0, "lambda must be positive"); break;
    case TransformKind::InClip: check(params[0] > 0, "lambda must be positive"); break;
    case TransformKind::Flat: check(params[0] >= 0, "lambda must be zero or positive"); break;
    case TransformKind::Mix: check(params[0] >= 0 && params[0] <= 1, "lambda must be in [0, 1]"); break;
    case TransformKind::Rescale: params = {1.0 / max_abs_bounded(functions[0], name)}; break;
    case TransformKind::Rotate: {
      check(std::fabs(params[0]) < M_PI / 2, "theta must be within (-pi/2, pi/2)");
      const double q = detail::rotation_contraction(functions[0], params[0]);
      if (!(q <= detail::kMaxRotationContraction)) {
        throw ConfigError(name + ": the graph turned by " + format_number(params[0]) +
                              " is not a function of x that fsearch can evaluate (|tan theta| max |f'| = " +
                              format_number(q) + ", must be at most " +
                              format_number(detail::kMaxRotationContraction) + ")",
                          "use a smaller angle, or a function with a smaller slope");
      }
      break;
    }
    default: break;
  }
  auto node = make_node(NodeKind::Transform);
  node->transform = kind;
  node->params = std::move(params);
  node->children = std::move(functions);
  return node;
}

bool is_constant(const Expr& expr) {
  if (expr->kind == NodeKind::Variable) return false;
  if (expr->kind == NodeKind::Transform) return false;  // a transform of a function of x
  for (const auto& child : expr->children) {
    if (!is_constant(child)) return false;
  }
  return true;
}

bool same_structure(const Expr& a, const Expr& b) {
  if (a->kind != b->kind || a->children.size() != b->children.size()) return false;
  switch (a->kind) {
    case NodeKind::Constant:
      if (a->value != b->value || a->name != b->name) return false;
      break;
    case NodeKind::Operation:
      if (a->op != b->op) return false;
      break;
    case NodeKind::Primitive:
      if (a->name != b->name) return false;
      break;
    case NodeKind::Transform:
      if (a->transform != b->transform || a->params != b->params) return false;
      break;
    case NodeKind::Variable: break;
  }
  for (std::size_t i = 0; i < a->children.size(); ++i) {
    if (!same_structure(a->children[i], b->children[i])) return false;
  }
  return true;
}

namespace detail {

const Expr& definition_of(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, Expr> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(name);
  if (it == cache.end()) {
    const Primitive* entry = find_primitive(name);
    if (!entry) throw ConfigError("unknown function '" + name + "'");
    it = cache.emplace(name, parse_definition(entry->definition)).first;
  }
  return it->second;
}

double evaluate_constant(const Expr& expr) {
  return Program(expr).value(0.0);
}

}  // namespace detail
}  // namespace fsearch::functions
