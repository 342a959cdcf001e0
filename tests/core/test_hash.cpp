#include <gtest/gtest.h>

#include "fsearch/core/hash.h"

namespace fsearch {
namespace {

TEST(Hasher, KnownFnv1aValue) {
  // FNV-1a 64 of "a" (length prefix excluded): published test vector.
  Hasher hasher;
  hasher.add_bytes("a", 1);
  EXPECT_EQ(hasher.value(), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(hasher.hex(), "af63dc4c8601ec8c");
}

TEST(Hasher, LengthPrefixSeparatesConcatenations) {
  Hasher a, b;
  a.add("ab").add("c");
  b.add("a").add("bc");
  EXPECT_NE(a.value(), b.value());
}

TEST(Hasher, IntegersAreHashedByValue) {
  Hasher a, b, c;
  a.add(std::int64_t{42});
  b.add(std::int64_t{42});
  c.add(std::int64_t{43});
  EXPECT_EQ(a.value(), b.value());
  EXPECT_NE(a.value(), c.value());
}

}  // namespace
}  // namespace fsearch
