#include "command.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "fsearch/core/error.h"

namespace fsearch::cli {

std::vector<double> parse_number_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    double value = std::strtod(item.c_str(), &end);
    if (item.empty() || end == item.c_str() || *end != '\0' || !std::isfinite(value)) {
      throw ConfigError(option + ": '" + item + "' is not a number (item " +
                            std::to_string(values.size() + 1) + " of \"" + text + "\")",
                        "give comma-separated numbers without spaces, e.g. " + option + " -2,-0.5,0,0.5,2");
    }
    values.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return values;
}

int run_reporting_errors(const Runner& run) {
  try {
    return run();
  } catch (const fsearch::Error& error) {
    std::cerr << fsearch::format_error(error) << "\n";
    return 2;
  } catch (const c10::Error& error) {  // a torch error: its message, not its C++ backtrace
    std::cerr << "error: " << error.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace fsearch::cli
