// Where a proxy file is: a path as given (from the working directory), a path beside the file that
// names it (a space file's `proxies:`), or the name of a proxy that ships with fsearch
// (configs/proxies/<name>.yaml of the source tree it was built from), so that `proxies: [vit-tiny]`
// and a space without `proxies:` work from any directory.
#pragma once

#include <string>
#include <vector>

namespace fsearch::jobs {

// The proxy a space trains when it names none.
inline constexpr const char* kDefaultProxy = "vit-tiny";

// The shipped proxies' names (vit-tiny, vit-small, dit-b, dit-l), sorted; empty when the source
// tree fsearch was built from is gone.
std::vector<std::string> shipped_proxy_names();

// The path of the proxy file `proxy` names, looked up in the order above (`beside`: the naming
// file, or empty). Throws ConfigError, prefixed with `at` (e.g. "space.yaml:4: proxies"), naming
// where it looked and the shipped proxy closest to a mistyped name.
std::string find_proxy_file(const std::string& proxy, const std::string& beside, const std::string& at);

}  // namespace fsearch::jobs
