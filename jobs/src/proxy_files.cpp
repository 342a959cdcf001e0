#include "fsearch/jobs/proxy_files.h"

#include "fsearch/core/error.h"
#include "fsearch/core/names.h"

#include <algorithm>
#include <filesystem>

namespace fsearch::jobs {
namespace fs = std::filesystem;

namespace {

const fs::path& shipped_dir() {
  static const fs::path dir = FSEARCH_SHIPPED_PROXIES_DIR;
  return dir;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<std::string> shipped_proxy_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(shipped_dir(), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".yaml") names.push_back(it->path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string find_proxy_file(const std::string& proxy, const std::string& beside, const std::string& at) {
  if (is_file(proxy)) return proxy;
  const fs::path naming_dir = beside.empty() ? fs::path() : fs::path(beside).parent_path();
  if (!beside.empty() && is_file(naming_dir / proxy)) return (naming_dir / proxy).string();
  // A shipped proxy by name ("vit-tiny"), with or without ".yaml"; not a path into another folder.
  const fs::path as_given(proxy);
  if (!as_given.has_parent_path()) {
    const fs::path shipped = shipped_dir() / (as_given.extension() == ".yaml" ? proxy : proxy + ".yaml");
    if (is_file(shipped)) return shipped.string();
  }
  const auto names = shipped_proxy_names();
  std::string looked = "the working directory";
  if (!beside.empty()) looked += ", beside " + beside;
  if (!names.empty()) looked += " and among the shipped proxies";
  std::string hint = did_you_mean(as_given.stem().string(), names);
  hint += hint.empty() ? "give a path" : " Give a path";
  hint += " (relative to the working directory";
  hint += beside.empty() ? ")" : " or to " + beside + ")";
  if (!names.empty()) {
    hint += " or a shipped proxy's name:";
    for (const auto& n : names) hint += " " + n;
  }
  throw ConfigError(at + ": proxy file '" + proxy + "' not found (looked in " + looked + ")", hint);
}

}  // namespace fsearch::jobs
