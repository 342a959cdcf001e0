#include "fsearch/trainers/idx.h"

#include "big_endian.h"
#include "fsearch/core/error.h"

namespace fsearch::trainers {

IdxImages parse_idx_images(const std::vector<unsigned char>& bytes, const std::string& file) {
  const std::uint32_t magic = bytes.size() >= 16 ? detail::read_u32_be(bytes.data()) : 0;
  if (magic != 2051 && !(magic == 2052 && bytes.size() >= 20)) {
    throw ConfigError(file + ": not an IDX image file (magic 2051 or 2052 expected)");
  }
  IdxImages layout;
  layout.offset = magic == 2051 ? 16 : 20;
  layout.n = detail::read_u32_be(bytes.data() + 4);
  layout.channels = magic == 2051 ? 1 : detail::read_u32_be(bytes.data() + 8);
  layout.height = detail::read_u32_be(bytes.data() + layout.offset - 8);
  layout.width = detail::read_u32_be(bytes.data() + layout.offset - 4);
  if (layout.n == 0) throw ConfigError(file + ": holds no images");
  // The header's dimensions are 32-bit each: their product can overflow 64 bits (65536^4).
  std::uint64_t size = 0;
  const bool overflow =
      __builtin_mul_overflow(static_cast<std::uint64_t>(layout.n), static_cast<std::uint64_t>(layout.channels), &size) ||
      __builtin_mul_overflow(size, static_cast<std::uint64_t>(layout.height), &size) ||
      __builtin_mul_overflow(size, static_cast<std::uint64_t>(layout.width), &size) ||
      __builtin_add_overflow(size, static_cast<std::uint64_t>(layout.offset), &size);
  if (overflow || bytes.size() != size) {
    throw ConfigError(file + ": truncated (" + std::to_string(bytes.size()) + " bytes for " + std::to_string(layout.n) +
                      " images of " + std::to_string(layout.channels) + "x" + std::to_string(layout.height) + "x" +
                      std::to_string(layout.width) + ")");
  }
  return layout;
}

std::size_t parse_idx_labels(const std::vector<unsigned char>& bytes, std::int64_t count, const std::string& file,
                             const std::string& images_file) {
  if (bytes.size() < 8 || detail::read_u32_be(bytes.data()) != 2049) {
    throw ConfigError(file + ": not an IDX label file (magic 2049 expected)");
  }
  if (detail::read_u32_be(bytes.data() + 4) != static_cast<std::uint64_t>(count) ||
      bytes.size() != static_cast<std::size_t>(8 + count)) {
    throw ConfigError(file + ": label count does not match " + images_file);
  }
  return 8;
}

}  // namespace fsearch::trainers
