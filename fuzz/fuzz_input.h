// What every fuzz target shares: the contract, and a scratch file for readers that take a path.
//
// The contract: for any input, the code under test returns a value or throws fsearch::Error (the
// clear message main() prints). A crash, a sanitizer report, a hang, or any other exception
// escaping is a finding: libFuzzer (or the replay driver, replay.cpp) stops and keeps the input.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "fsearch/core/error.h"

namespace fsearch::fuzz {

// Runs `body`, accepting fsearch::Error as the answer to bad input.
template <class Body>
void expect_clear_error_or_success(Body&& body) {
  try {
    body();
  } catch (const Error&) {
  }
}

// A file in this process's own scratch folder, rewritten with `bytes` at each call.
inline std::filesystem::path scratch_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("fsearch-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto file = dir / name;
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return file;
}

}  // namespace fsearch::fuzz
