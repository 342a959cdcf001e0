// Writing a file so that readers see the old content or the new, never half of it.
#pragma once

#include <filesystem>
#include <string>

namespace fsearch {

// Writes `content` to a temporary file beside `file`, fsyncs it and renames it over `file`. A full
// disk is an Error naming the file (with a hint), and the temporary file never stays.
void write_atomic(const std::filesystem::path& file, const std::string& content);

}  // namespace fsearch
