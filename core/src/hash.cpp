#include "fsearch/core/hash.h"

#include <cstdio>

namespace fsearch {

Hasher& Hasher::add_bytes(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    state_ ^= bytes[i];
    state_ *= 1099511628211ull;
  }
  return *this;
}

Hasher& Hasher::add(std::string_view text) {
  add(static_cast<std::int64_t>(text.size()));  // length prefix: "ab"+"c" differs from "a"+"bc"
  return add_bytes(text.data(), text.size());
}

Hasher& Hasher::add(std::int64_t value) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  return add_bytes(bytes, sizeof bytes);  // little-endian regardless of the host
}

std::string Hasher::hex() const {
  return to_hex(state_);
}

std::string to_hex(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

}  // namespace fsearch
