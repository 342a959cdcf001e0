// Property results as JSON, one shape for every consumer (the CLI's --json, the database).
// JSON has no inf or NaN: those measures are written as the strings "inf", "-inf", "nan".
#pragma once

#include <nlohmann/json.hpp>

#include "fsearch/properties/properties.h"

namespace fsearch::properties {

// {"pass", "borderline", "reason", "measures": {name: number or text}}
nlohmann::json to_json(const TestResult& result);
// {test name: to_json(result), ...}
nlohmann::json to_json(const Analysis& analysis);

}  // namespace fsearch::properties
