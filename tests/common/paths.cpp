#include "paths.h"

namespace fsearch::testing {

const char* source_dir() { return FSEARCH_SOURCE_DIR_PATH; }
const char* fsearch_binary() { return FSEARCH_BINARY_PATH; }

}  // namespace fsearch::testing
