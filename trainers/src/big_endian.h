// Big-endian 32-bit integers, as IDX and PNG files store them.
#pragma once

#include <cstdint>
#include <string>

namespace fsearch::trainers::detail {

inline std::uint32_t read_u32_be(const unsigned char* at) {
  return (std::uint32_t(at[0]) << 24) | (std::uint32_t(at[1]) << 16) | (std::uint32_t(at[2]) << 8) | at[3];
}

inline void append_u32_be(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace fsearch::trainers::detail
