// Fuzz target: the IDX header checks (trainers/idx.h), which guard every read of a data set's bytes.
// The input is an image file and a label file, split at the offset its first byte gives. Beyond the
// contract (fuzz_input.h): an accepted layout lies inside the file, so every byte it names is read.
#include <cstdlib>
#include <vector>

#include "fsearch/trainers/idx.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fsearch;
  if (size == 0) return 0;
  const std::size_t split = std::min<std::size_t>(size - 1, data[0] * 4u);
  const std::vector<unsigned char> images(data + 1, data + 1 + split), labels(data + 1 + split, data + size);
  fuzz::expect_clear_error_or_success([&] {
    const auto layout = trainers::parse_idx_images(images, "images");
    const auto first_label = trainers::parse_idx_labels(labels, layout.n, "labels", "images");
    unsigned sum = 0;  // touch every byte the layouts name: ASan reports any read past the end
    const auto image_bytes = static_cast<std::size_t>(layout.n * layout.channels * layout.height * layout.width);
    for (std::size_t i = 0; i < image_bytes; ++i) sum += images[layout.offset + i];
    for (std::int64_t i = 0; i < layout.n; ++i) sum += labels[first_label + static_cast<std::size_t>(i)];
    if (layout.offset + image_bytes != images.size()) std::abort();
    (void)sum;
  });
  return 0;
}
