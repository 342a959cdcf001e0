// "Did you mean ...?" for names a user typed: function names in expressions, keys in YAML files,
// values of enum-like options.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fsearch {

// Levenshtein distance, case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` known names closest to `name`, nearest first; only names within a distance that
// makes a typo plausible (about a third of the name's length, at least 2).
std::vector<std::string> nearest_names(std::string_view name, const std::vector<std::string>& known,
                                       std::size_t limit = 3);

// "did you mean erf, erfc?" or an empty string when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& known);

// The names in order, "a, b, c" (for "known: ..." lists in errors); empty for none.
std::string join_names(const std::vector<std::string>& names);

}  // namespace fsearch
