// Big-endian 32-bit integers, as IDX and PNG files store them.
#pragma once

#include <cstdint>
#include <string>

namespace fsearch::trainers::detail {

inline void append_u32_be(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace fsearch::trainers::detail
