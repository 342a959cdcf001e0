// The catalog of named point-wise functions (docs/function-catalog.md), each defined once as an
// expression over elementary operations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fsearch::functions {

struct Primitive {
  std::string name;        // e.g. "logquad"
  std::string definition;  // expression in x over elementary operations, e.g. "sign(x) * log(x^2 + 1)"
  std::string group;       // natural, transformed basic, canonical ratio, unbounded, non-monotonic,
                           // clipped (Table 7), negated (Table 6)
  std::string note;
};

// Every catalog entry, in the catalog's order; aliases (logquadr) are not listed separately.
const std::vector<Primitive>& catalog();

// The entry for a name or alias, or nullptr.
const Primitive* find_primitive(std::string_view name);

// Every name an expression may call: primitives, aliases, elementary operations and transforms.
std::vector<std::string> known_function_names();

}  // namespace fsearch::functions
