// The repository's tables: configs/tables/*.yaml as compiled in, read once.
#include "fsearch/reports/tables.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "embedded_tables.h"
#include "fsearch/core/error.h"

namespace fsearch::reports {

const std::vector<TableSpec>& paper_tables() {
  static const std::vector<TableSpec> kTables = [] {
    std::vector<TableSpec> out;
    for (const auto& file : detail::embedded_tables()) out.push_back(parse_table(file.text, file.source));
    std::sort(out.begin(), out.end(),
              [](const TableSpec& a, const TableSpec& b) { return a.number < b.number; });
    return out;
  }();
  return kTables;
}

TableSpec load_table_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + path, "give the path of a table file (docs/tables.md)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_table(text.str(), path);
}

std::vector<int> parse_table_list(const std::string& text) {
  std::set<int> known;
  for (const auto& t : paper_tables()) known.insert(t.number);
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto dash = item.find('-');
    char* end = nullptr;
    long lo = std::strtol(item.c_str(), &end, 10), hi = lo;
    bool ok = end != item.c_str();
    if (ok && dash != std::string::npos) {
      const char* rest = item.c_str() + dash + 1;
      hi = std::strtol(rest, &end, 10);
      ok = end != rest && *end == '\0';
    } else {
      ok = ok && *end == '\0';
    }
    if (!ok || lo > hi)
      throw ConfigError("--tables: '" + item + "' is not a table number or range", "e.g. --tables 1-7,14-16");
    for (long n = lo; n <= hi; ++n) {
      if (!known.count(static_cast<int>(n))) {
        if (dash != std::string::npos) continue;  // ranges may span numbers the paper has no table for
        std::string numbers;
        for (int k : known) numbers += (numbers.empty() ? "" : ", ") + std::to_string(k);
        throw ConfigError("--tables: there is no Table " + std::to_string(n) + " to regenerate",
                          "the tables are " + numbers);
      }
      out.push_back(static_cast<int>(n));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace fsearch::reports
