// Strict reading of YAML (and JSON, which yaml-cpp reads too) into typed settings.
//
// A YamlMap hands out fields by name and remembers which names were asked for; finish() then
// rejects every other key as unknown, with the nearest known name. Every error names the file,
// line and column, and the field's path (e.g. "configs/proxies/vit-tiny.yaml:7:3: model.width: ...").
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fsearch/core/error.h"

namespace fsearch {

// True when `text` is well-formed UTF-8 (no stray continuation bytes, overlong forms, surrogates
// or code points beyond U+10FFFF). Text read from a file must be, before it reaches JSON.
bool is_valid_utf8(std::string_view text);

class YamlMap {
 public:
  // Throws ConfigError if the node is not a map (or null, which reads as an empty map).
  YamlMap(YAML::Node node, std::string file, std::string path = {});

  // Loads a file; throws ConfigError with the parser's line and column on a syntax error.
  static YamlMap load_file(const std::string& file);
  static YamlMap load_string(const std::string& text, const std::string& name);

  bool has(const std::string& key);
  template <class T>
  T get(const std::string& key, const T& fallback) {
    auto node = field(key);
    return node ? convert<T>(*node, key) : fallback;
  }
  template <class T>
  T require(const std::string& key) {
    auto node = field(key);
    if (!node) throw ConfigError(where(node_) + ": " + qualified(key) + ": missing required field");
    return convert<T>(*node, key);
  }
  // A list of scalars; a single scalar reads as a one-element list.
  template <class T>
  std::vector<T> get_list(const std::string& key, const std::vector<T>& fallback) {
    auto node = field(key);
    if (!node) return fallback;
    std::vector<T> out;
    if (node->IsSequence()) {
      for (std::size_t i = 0; i < node->size(); ++i) {
        out.push_back(convert<T>((*node)[i], key + "[" + std::to_string(i) + "]"));
      }
    } else {
      out.push_back(convert<T>(*node, key));
    }
    return out;
  }
  // A nested map (empty if absent).
  YamlMap map(const std::string& key);
  std::optional<YAML::Node> node(const std::string& key) { return field(key); }
  // The map's keys in file order, for maps keyed by the user's names; every key counts as asked.
  // Throws ConfigError for a key that is a list or a map.
  std::vector<std::string> keys();

  // Throws ConfigError for the first key that was never asked for.
  void finish() const;

  const std::string& file() const { return file_; }
  std::string where(const YAML::Node& node) const;
  std::string qualified(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  std::optional<YAML::Node> field(const std::string& key);
  void check_plain_key(const YAML::Node& key) const;
  template <class T>
  T convert(const YAML::Node& node, const std::string& key) const {
    try {
      T value = node.as<T>();
      if constexpr (std::is_same_v<T, std::string>) {
        if (!is_valid_utf8(value)) {
          throw ConfigError(where(node) + ": " + qualified(key) + ": not valid UTF-8 text",
                            "save the file as UTF-8");
        }
      }
      return value;
    } catch (const YAML::Exception&) {
      throw ConfigError(where(node) + ": " + qualified(key) + ": expected " + type_name<T>() + ", got '" +
                        describe(node) + "'");
    }
  }
  template <class T>
  static std::string type_name();
  static std::string describe(const YAML::Node& node);

  YAML::Node node_;
  std::string file_, path_;
  std::set<std::string> asked_;
};

template <>
inline std::string YamlMap::type_name<int>() {
  return "an integer";
}
template <>
inline std::string YamlMap::type_name<long>() {
  return "an integer";
}
template <>
inline std::string YamlMap::type_name<long long>() {
  return "an integer";
}
template <>
inline std::string YamlMap::type_name<unsigned long>() {
  return "a non-negative integer";
}
template <>
inline std::string YamlMap::type_name<double>() {
  return "a number";
}
template <>
inline std::string YamlMap::type_name<bool>() {
  return "true or false";
}
template <>
inline std::string YamlMap::type_name<std::string>() {
  return "a string";
}

}  // namespace fsearch
