// IDX files, the MNIST family's format: a big-endian header (magic, then one 32-bit size per
// dimension), then the bytes. Parsing is torch-free and checks every header field against the
// file's size before anything is read, so a hostile header cannot overflow or read past the end
// (fuzz/idx.cpp fuzzes it); data.cpp turns the checked layout into tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fsearch::trainers {

// An image file's checked layout: n images of channels x height x width bytes from `offset` on.
struct IdxImages {
  std::int64_t n = 0, channels = 1, height = 0, width = 0;
  std::size_t offset = 0;
};

// Magic 2051 (n, height, width) or 2052 (n, channels, height, width). Throws ConfigError naming
// `file` when the magic is wrong, the file holds no images, or its size is not what the header says.
IdxImages parse_idx_images(const std::vector<unsigned char>& bytes, const std::string& file);

// Magic 2049 with exactly `count` one-byte labels (the image file's count). Throws ConfigError
// naming `file` otherwise. Returns the offset of the first label.
std::size_t parse_idx_labels(const std::vector<unsigned char>& bytes, std::int64_t count, const std::string& file,
                             const std::string& images_file);

}  // namespace fsearch::trainers
