// Writing a file so that readers see the old content or the new, never half of it.
#pragma once

#include <filesystem>
#include <string>

namespace fsearch {

// Writes `content` to a temporary file beside `file`, fsyncs it and renames it over `file`. A full
// disk is an Error naming the file (with a hint), and the temporary file never stays.
void write_atomic(const std::filesystem::path& file, const std::string& content);

// Creates `dir` and its parents if missing. A failure (no permission, a file in the way, a path
// that cannot hold folders) is an Error naming `dir`, what it is for (`what`: "--out", "the FID
// cache (FSEARCH_CACHE_DIR)") and the system's reason, never a bare std::filesystem error.
void make_directories(const std::filesystem::path& dir, const std::string& what);

}  // namespace fsearch
