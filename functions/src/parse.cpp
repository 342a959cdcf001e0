// Recursive-descent parser and the matching printer for the expression language.
//
//   expr  := term (('+' | '-') term)*
//   term  := unary (('*' | '/') unary)*
//   unary := ('-' | '+') unary | power
//   power := atom (('^' | '**') unary)?          right-associative: 2^3^2 = 2^(3^2)
//   atom  := number | 'x' | 'pi' | 'e' | name '(' args ')' | '(' expr ')'
#include "fsearch/functions/parse.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fsearch/core/names.h"
#include "fsearch/functions/catalog.h"
#include "internal.h"

namespace fsearch::functions {
namespace {

std::string caret_message(const std::string& expression, std::size_t column, const std::string& problem) {
  std::string text =
      "in expression \"" + expression + "\" at column " + std::to_string(column) + ": " + problem;
  text += "\n  " + expression + "\n  " + std::string(column > 0 ? column - 1 : 0, ' ') + "^";
  return text;
}

class Parser {
 public:
  Parser(std::string_view text, bool prefer_elementary,
         const std::map<std::string, double>* bindings = nullptr)
      : text_(text), prefer_elementary_(prefer_elementary), bindings_(bindings) {}

  Expr parse_all() {
    if (text_.size() > kMaxLength) {
      throw ConfigError("expression of " + std::to_string(text_.size()) + " characters: the limit is " +
                            std::to_string(kMaxLength),
                        "a point-wise function is a short formula; build larger ones from transforms");
    }
    skip_space();
    if (pos_ == text_.size()) fail(pos_, "empty expression", "write a function of x, e.g. erf(x)");
    Expr result = parse_expr();
    skip_space();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') fail(pos_, "unmatched ')'", "remove it or add a matching '('");
      fail(pos_, "unexpected '" + std::string(1, text_[pos_]) + "'",
           "an operator (+ - * / ^) or the end of the expression was expected here");
    }
    if (tree_height(result) > kMaxHeight) {
      throw ConfigError("expression tree deeper than " + std::to_string(kMaxHeight) + " levels",
                        "a point-wise function is a short formula; build larger ones from transforms");
    }
    return result;
  }

 private:
  // Limits that keep parsing, printing, evaluating and freeing an expression bounded in time and
  // stack: realistic functions (the paper's are at most ~10 levels) are far inside them.
  static constexpr std::size_t kMaxLength = 10000;  // characters
  static constexpr int kMaxNesting = 100;           // parentheses, calls, transforms, unary operators
  static constexpr int kMaxHeight = 200;            // levels of the finished tree (x + x + ... chains)

  // The tree's height, without recursion (a chain of 5000 additions is 5000 levels).
  static int tree_height(const Expr& root) {
    int height = 0;
    std::vector<std::pair<const Node*, int>> stack{{root.get(), 1}};
    while (!stack.empty()) {
      auto [node, level] = stack.back();
      stack.pop_back();
      height = std::max(height, level);
      if (height > kMaxHeight) return height;
      for (const auto& child : node->children) stack.push_back({child.get(), level + 1});
    }
    return height;
  }

  struct NestingGuard {
    explicit NestingGuard(Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting)
        parser.fail(parser.pos_, "nested deeper than " + std::to_string(kMaxNesting) + " levels",
                    "a point-wise function is a short formula; build larger ones from transforms");
    }
    ~NestingGuard() { --parser.nesting_; }
    Parser& parser;
  };

  [[noreturn]] void fail(std::size_t at, const std::string& problem, std::string hint = {}) const {
    throw ExpressionError(std::string(text_), at + 1, problem, std::move(hint));
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  bool accept(std::string_view token) {
    skip_space();
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }

  char peek() {
    skip_space();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  Expr parse_expr() {
    Expr left = parse_term();
    for (;;) {
      if (accept("+")) {
        left = operation(Op::Add, {left, parse_term()});
      } else if (peek() == '-') {
        ++pos_;
        left = operation(Op::Sub, {left, parse_term()});
      } else {
        return left;
      }
    }
  }

  Expr parse_term() {
    Expr left = parse_unary();
    for (;;) {
      skip_space();
      if (text_.substr(pos_, 2) != "**" && accept("*")) {
        left = operation(Op::Mul, {left, parse_unary()});
      } else if (accept("/")) {
        left = operation(Op::Div, {left, parse_unary()});
      } else {
        return left;
      }
    }
  }

  Expr parse_unary() {
    NestingGuard guard(*this);  // every recursive path of the grammar passes through here
    if (accept("-")) return operation(Op::Neg, {parse_unary()});
    if (accept("+")) return parse_unary();
    return parse_power();
  }

  Expr parse_power() {
    Expr base = parse_atom();
    skip_space();
    if (accept("^") || accept("**")) {
      skip_space();
      std::size_t exponent_at = pos_;
      Expr exponent = parse_unary();
      if (!is_constant(exponent)) {
        fail(exponent_at, "the exponent must be a number", "x^y with y depending on x is not supported");
      }
      return operation(Op::Pow, {base, exponent});
    }
    return base;
  }

  Expr parse_number() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t mark = pos_ + 1;
      if (mark < text_.size() && (text_[mark] == '+' || text_[mark] == '-')) ++mark;
      if (mark < text_.size() && std::isdigit(static_cast<unsigned char>(text_[mark]))) {
        pos_ = mark;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      }
    }
    std::string digits(text_.substr(start, pos_ - start));
    if (digits == ".") fail(start, "a lone '.' is not a number");
    double value = std::strtod(digits.c_str(), nullptr);
    if (!std::isfinite(value)) fail(start, "number out of range: " + digits);
    return constant(value);
  }

  std::string parse_name() {
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Expr parse_atom() {
    skip_space();
    if (pos_ >= text_.size()) fail(pos_, "the expression ends too early", "an operand is missing");
    char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return parse_number();
    if (c == '(') {
      std::size_t open = pos_++;
      Expr inner = parse_expr();
      expect_close(open);
      return inner;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = pos_;
      std::string name = parse_name();
      if (peek() == '(') return parse_call(name, start);
      if (name == "x") return variable();
      if (name == "pi") return constant(M_PI, "pi");
      if (name == "e") return constant(M_E, "e");
      if (bindings_) {
        if (auto it = bindings_->find(name); it != bindings_->end()) return constant(it->second, name);
      }
      if (is_function_name(name)) {
        fail(start, "'" + name + "' is a function", "call it: " + name + "(x)");
      }
      fail(start, "unknown name '" + name + "'",
           join_hint("the variable is x; constants are pi and e", name));
    }
    if (c == ')') fail(pos_, "unexpected ')'", "an operand is missing before it");
    fail(pos_, "unexpected '" + std::string(1, c) + "'", "a number, x, a name or '(' was expected");
  }

  void expect_close(std::size_t open) {
    if (accept(")")) return;
    skip_space();
    if (pos_ >= text_.size()) {
      fail(pos_, "missing ')'", "the '(' at column " + std::to_string(open + 1) + " is never closed");
    }
    fail(pos_, "expected ')' or an operator, found '" + std::string(1, text_[pos_]) + "'",
         "the '(' at column " + std::to_string(open + 1) + " is still open");
  }

  bool is_function_name(const std::string& name) const {
    return find_primitive(name) || op_by_call_name(name) || transform_by_name(name);
  }

  std::string join_hint(const std::string& base, const std::string& name) const {
    std::string suggestion = did_you_mean(name, known_function_names());
    return suggestion.empty() ? base : suggestion + " (" + base + ")";
  }

  struct Arg {
    Expr expr;
    std::size_t at;
  };

  // Arguments of a call; a transform's first `functions` arguments may be bare function names
  // (flat(erf, 0.5), compose(erf, tanh)).
  std::vector<Arg> parse_args(std::size_t open, int functions) {
    std::vector<Arg> args;
    if (accept(")")) return args;
    for (;;) {
      skip_space();
      std::size_t at = pos_;
      if (static_cast<int>(args.size()) < functions) {
        args.push_back({parse_function_arg(), at});
      } else {
        args.push_back({parse_expr(), at});
      }
      if (accept(",")) continue;
      expect_close(open);
      return args;
    }
  }

  Expr parse_function_arg() {
    std::size_t start = pos_;
    std::string name = parse_name();
    char next = peek();
    if (!name.empty() && (next == ',' || next == ')') && name != "x") {
      if (find_primitive(name)) return primitive(name);
      if (auto op = op_by_call_name(name); op && op_info(*op).arity == 1) {
        return operation(*op, {variable()});
      }
      fail(start, "unknown function '" + name + "'", join_hint("a catalog function was expected", name));
    }
    pos_ = start;
    return parse_expr();
  }

  Expr parse_call(const std::string& name, std::size_t start) {
    std::size_t open = pos_;
    accept("(");
    auto transform_kind = transform_by_name(name);
    if (transform_kind && !prefer_elementary_) {
      auto args = parse_args(open, transform_info(*transform_kind).functions);
      // clip(f, lambda) is the transform; clip(a, lo, hi) the elementary operation.
      if (name == "clip" && args.size() == 3) return finish_operation(Op::Clip, name, start, args);
      return finish_transform(*transform_kind, name, start, args);
    }
    const Primitive* entry = prefer_elementary_ && op_by_call_name(name) ? nullptr : find_primitive(name);
    if (entry) {
      auto args = parse_args(open, 0);
      if (args.size() != 1) {
        fail(start, name + " takes 1 argument, got " + std::to_string(args.size()),
             "write " + name + "(x) or " + name + "(<expression in x>)");
      }
      return primitive(name, args[0].expr);
    }
    if (auto op = op_by_call_name(name)) return finish_operation(*op, name, start, parse_args(open, 0));
    fail(start, "unknown function '" + name + "'", join_hint("`fsearch functions` lists them all", name));
  }

  Expr finish_operation(Op op, const std::string& name, std::size_t start, const std::vector<Arg>& args) {
    int arity = op_info(op).arity;
    if (static_cast<int>(args.size()) != arity) {
      std::string usage = arity == 1 ? name + "(a)" : arity == 2 ? name + "(a, b)" : name + "(a, lo, hi)";
      if (op == Op::Clip) usage = "clip(a, lo, hi) or the transform clip(f, lambda)";
      fail(start,
           name + " takes " + std::to_string(arity) + " argument" + (arity == 1 ? "" : "s") + ", got " +
               std::to_string(args.size()),
           "usage: " + usage);
    }
    std::vector<Expr> operands;
    for (const auto& arg : args) operands.push_back(arg.expr);
    if (op == Op::Pow && !is_constant(operands[1])) {
      fail(args[1].at, "the exponent must be a number", "x^y with y depending on x is not supported");
    }
    return operation(op, std::move(operands));
  }

  Expr finish_transform(TransformKind kind, const std::string& name, std::size_t start,
                        const std::vector<Arg>& args) {
    const auto& info = transform_info(kind);
    const auto functions = static_cast<std::size_t>(info.functions);
    std::string usage = name + (functions == 2 ? "(f, g" : "(f");
    for (auto p : info.params) usage += ", " + std::string(p);
    usage += ")";
    const std::size_t expected = info.params.size() + functions;
    if (args.size() != expected) {
      fail(start,
           name + " takes " + std::to_string(expected) + " argument" + (expected == 1 ? "" : "s") + ", got " +
               std::to_string(args.size()),
           "usage: " + usage + " — " + std::string(info.definition));
    }
    std::vector<Expr> function_args;
    for (std::size_t i = 0; i < functions; ++i) function_args.push_back(args[i].expr);
    std::vector<double> params;
    for (std::size_t i = functions; i < args.size(); ++i) {
      if (!is_constant(args[i].expr)) {
        fail(args[i].at, std::string(info.params[i - functions]) + " of " + name + " must be a number",
             "usage: " + usage);
      }
      params.push_back(detail::evaluate_constant(args[i].expr));
    }
    try {
      return transform(kind, std::move(function_args), params);
    } catch (const ConfigError& error) {
      fail(start, error.what(), error.hint());
    }
  }

  std::string_view text_;
  bool prefer_elementary_;
  const std::map<std::string, double>* bindings_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
};

// Printing -----------------------------------------------------------------------------------------

int precedence(const Expr& e) {
  switch (e->kind) {
    case NodeKind::Constant: return e->value < 0 || std::signbit(e->value) ? 3 : 5;
    case NodeKind::Operation:
      switch (e->op) {
        case Op::Add:
        case Op::Sub: return 1;
        case Op::Mul:
        case Op::Div: return 2;
        case Op::Neg: return 3;
        case Op::Pow: return 4;
        default: return 5;
      }
    default: return 5;
  }
}

std::string print(const Expr& e);

std::string wrap(const Expr& e, bool parens) {
  return parens ? "(" + print(e) + ")" : print(e);
}

std::string print_function_arg(const Expr& f) {
  if (f->kind == NodeKind::Primitive && f->children[0]->kind == NodeKind::Variable) return f->name;
  return print(f);
}

std::string print(const Expr& e) {
  switch (e->kind) {
    case NodeKind::Constant: return e->name.empty() ? format_number(e->value) : e->name;
    case NodeKind::Variable: return "x";
    case NodeKind::Primitive: return e->name + "(" + print(e->children[0]) + ")";
    case NodeKind::Transform: {
      const auto& info = transform_info(e->transform);
      std::string text = std::string(info.name) + "(" + print_function_arg(e->children[0]);
      for (std::size_t i = 1; i < e->children.size(); ++i) text += ", " + print_function_arg(e->children[i]);
      for (std::size_t i = 0; i < info.params.size(); ++i) text += ", " + format_number(e->params[i]);
      return text + ")";
    }
    case NodeKind::Operation: break;
  }
  const auto& info = op_info(e->op);
  const auto& c = e->children;
  int p = precedence(e);
  if (e->op == Op::Neg) return "-" + wrap(c[0], precedence(c[0]) <= 3);
  if (e->op == Op::Pow) return wrap(c[0], precedence(c[0]) <= 4) + "^" + wrap(c[1], precedence(c[1]) < 4);
  if (!info.callable) {
    return wrap(c[0], precedence(c[0]) < p) + " " + std::string(info.name) + " " +
           wrap(c[1], precedence(c[1]) <= p);
  }
  std::string text = std::string(info.name) + "(";
  for (std::size_t i = 0; i < c.size(); ++i) text += (i ? ", " : "") + print(c[i]);
  return text + ")";
}

}  // namespace

ExpressionError::ExpressionError(std::string expression, std::size_t column, const std::string& problem,
                                 std::string hint)
    : ConfigError(caret_message(expression, column, problem), std::move(hint)),
      expression_(std::move(expression)),
      column_(column),
      problem_(problem) {}

Expr parse(std::string_view text) {
  return Parser(text, false).parse_all();
}

Expr parse(std::string_view text, const std::map<std::string, double>& bindings) {
  return Parser(text, false, &bindings).parse_all();
}

std::string to_text(const Expr& expr) {
  return print(expr);
}

std::string format_number(double value) {
  char buffer[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

namespace detail {
Expr parse_definition(std::string_view text) {
  return Parser(text, true).parse_all();
}
}  // namespace detail

}  // namespace fsearch::functions
