// Where the tests find this checkout and the fsearch binary of this build. The absolute paths are
// compiled into one file (paths.cpp), not into every test source: a -D with a path differs in each
// clone, and ccache then serves none of the test sources to a clone in another folder.
#pragma once

namespace fsearch::testing {
const char* source_dir();      // the checkout, e.g. /home/me/fsearch
const char* fsearch_binary();  // build/tools/fsearch of this build
}  // namespace fsearch::testing

#define FSEARCH_SOURCE_DIR (::fsearch::testing::source_dir())
#define FSEARCH_BINARY (::fsearch::testing::fsearch_binary())
