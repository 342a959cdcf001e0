// Stable 64-bit hashing (FNV-1a) for fingerprints and job keys: the same bytes give the same hash
// on every machine and build, so keys stored in a database stay valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fsearch {

class Hasher {
 public:
  Hasher& add_bytes(const void* data, std::size_t size);
  Hasher& add(std::string_view text);
  Hasher& add(std::int64_t value);
  std::uint64_t value() const { return state_; }
  // 16 lowercase hex digits.
  std::string hex() const;

 private:
  std::uint64_t state_ = 14695981039346656037ull;
};

std::string to_hex(std::uint64_t value);

}  // namespace fsearch
