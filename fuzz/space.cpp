// Fuzz target: the space file loader (search/space.h) and candidate counting and expansion, what
// `fsearch run` does with a space before it opens the database. Expansion runs only for spaces the
// count says are small, as `fsearch run` refuses large ones before expanding (--max-candidates).
// A proxy file named proxies/vit-tiny.yaml exists beside the space (the loader checks that proxies
// exist), so inputs can get past proxy resolution.
#include "fsearch/search/expand.h"
#include "fsearch/search/space.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fsearch;
  static const bool proxy_ready = [] {
    const auto proxy = fuzz::scratch_file("space.yaml", nullptr, 0).parent_path() / "proxies";
    std::filesystem::create_directories(proxy);
    fuzz::scratch_file("proxies/vit-tiny.yaml", nullptr, 0);
    return true;
  }();
  (void)proxy_ready;
  const auto file = fuzz::scratch_file("space.yaml", data, size);
  fuzz::expect_clear_error_or_success([&] {
    const auto space = search::load_space(file.string());
    if (search::count_candidates(space) <= 64) (void)search::expand(space);
  });
  return 0;
}
