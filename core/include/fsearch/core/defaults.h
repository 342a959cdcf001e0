// Where results go when no option says otherwise (README: Where results go).
#pragma once

namespace fsearch {

inline constexpr const char* kDefaultDatabase = "results/fsearch.db";
inline constexpr const char* kDefaultReportDir = "results/reports";

}  // namespace fsearch
