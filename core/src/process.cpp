#include "fsearch/core/process.h"

#include <filesystem>
#include <system_error>

namespace fsearch {

std::string self_executable(const char* argv0) {
  std::error_code ec;
  auto self = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) return self.string();
  return std::filesystem::absolute(argv0 ? argv0 : "fsearch").string();
}

}  // namespace fsearch
