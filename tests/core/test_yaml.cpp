// Strict YAML reading: the two inputs the fuzzers found escaping as yaml-cpp's or nlohmann's own
// exceptions (fuzz/regressions/space, fuzz/regressions/run_dir) are ConfigErrors naming the place.
#include <gtest/gtest.h>

#include <string>

#include "fsearch/core/yaml.h"

namespace fsearch {
namespace {

std::string error_of(const std::string& text, const std::string& key) {
  try {
    auto map = YamlMap::load_string(text, "f.yaml");
    (void)map.get<std::string>(key, "");
    map.finish();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Utf8, AcceptsWellFormedTextAndRejectsEveryMalformedKind) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("erf(x) /usr/share"));
  EXPECT_TRUE(is_valid_utf8("\xCF\x87 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // chi, euro, an emoji
  EXPECT_FALSE(is_valid_utf8("\x89/usr/share"));                       // a stray continuation byte
  EXPECT_FALSE(is_valid_utf8("\xCF"));                                 // cut short
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                             // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));                         // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));                     // beyond U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(YamlMap, TextThatIsNotUtf8IsAnErrorAtItsField) {
  EXPECT_EQ(error_of("a: 1\npath: \"\x89/usr/share\"\n", "path"), "f.yaml:2:7: path: not valid UTF-8 text");
  EXPECT_EQ(error_of("path: \"\xCF\x87\"\n", "path"), "no error");
}

TEST(YamlMap, AKeyThatIsAListIsAnErrorNotACrash) {
  const auto message = error_of("name: x\n? - \"flat(arctan, 3)\"\n: 1\n", "name");
  EXPECT_NE(message.find("f.yaml:2:3: a key must be a plain name"), std::string::npos) << message;
}

// yaml-cpp keeps both of two equal keys and hands out the first, so the second (a value pasted at
// the end of a proxy file, say) would be ignored: an error at the second, naming the first.
TEST(YamlMap, ADuplicateKeyIsAnErrorNamingBothPlaces) {
  EXPECT_EQ(error_of("name: a\nseeds: [0]\nname: b\n", "name"),
            "f.yaml:3:1: name: duplicate key (first at f.yaml:1:1)");
  // In a nested map too, with the key's path.
  try {
    auto map = YamlMap::load_string("data:\n  path: /a\n  path: /b\n", "f.yaml");
    auto data = map.map("data");
    ADD_FAILURE() << "read " << data.get<std::string>("path", "");
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "f.yaml:3:3: data.path: duplicate key (first at f.yaml:2:3)");
  }
  EXPECT_EQ(error_of("name: a\nother: {name: b}\n", "name"), "f.yaml:2:1: other: unknown key");
}

}  // namespace
}  // namespace fsearch
