#include "fsearch/core/yaml.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>

#include "fsearch/core/names.h"

namespace fsearch {

YamlMap::YamlMap(YAML::Node node, std::string file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {
  if (node_.IsNull() || !node_.IsDefined()) {
    node_ = YAML::Node(YAML::NodeType::Map);
  } else if (!node_.IsMap()) {
    throw ConfigError(where(node_) + ": " + (path_.empty() ? std::string("document") : path_) +
                      ": expected a map of key: value, got '" + describe(node_) + "'");
  }
  // yaml-cpp keeps both of two equal keys and hands out the first: the second would be ignored.
  std::map<std::string, YAML::Node> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) continue;  // finish() refuses it
    auto [first, fresh] = seen.emplace(it->first.Scalar(), it->first);
    if (!fresh)
      throw ConfigError(where(it->first) + ": " + qualified(it->first.Scalar()) + ": duplicate key (first at " +
                            where(first->second) + ")",
                        "give each key once; the two values would not be merged");
  }
}

YamlMap YamlMap::load_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read " + file, "check the path");
  std::stringstream text;
  text << in.rdbuf();
  return load_string(text.str(), file);
}

YamlMap YamlMap::load_string(const std::string& text, const std::string& name) {
  try {
    return YamlMap(YAML::Load(text), name);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": " + e.msg);
  }
}

bool YamlMap::has(const std::string& key) {
  return field(key).has_value();
}

YamlMap YamlMap::map(const std::string& key) {
  auto node = field(key);
  return YamlMap(node ? *node : YAML::Node(), file_, qualified(key));
}

std::optional<YAML::Node> YamlMap::field(const std::string& key) {
  asked_.insert(key);
  YAML::Node child = node_[key];
  if (!child.IsDefined() || child.IsNull()) return std::nullopt;
  return child;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    std::uint32_t code = length == 1 ? c : length == 2 ? (c & 0x1F) : length == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

void YamlMap::check_plain_key(const YAML::Node& key) const {
  if (key.IsScalar()) return;  // YAML's complex keys (`? - a`): never one of ours
  throw ConfigError(where(key) + ": " + (path_.empty() ? std::string("a key") : path_ + ": a key") +
                    " must be a plain name, not a list or a map");
}

std::vector<std::string> YamlMap::keys() {
  std::vector<std::string> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    check_plain_key(it->first);
    out.push_back(it->first.Scalar());
    asked_.insert(out.back());
  }
  return out;
}

void YamlMap::finish() const {
  std::vector<std::string> known(asked_.begin(), asked_.end());
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    check_plain_key(it->first);
    std::string key = it->first.Scalar();
    if (asked_.count(key)) continue;
    std::string hint = did_you_mean(key, known);
    throw ConfigError(where(it->first) + ": " + qualified(key) + ": unknown key",
                      (hint.empty() ? "" : hint + " ") + "known keys here: " + join_names(known));
  }
}

std::string YamlMap::where(const YAML::Node& node) const {
  auto mark = node.Mark();
  if (mark.line < 0) return file_;
  return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string YamlMap::describe(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

}  // namespace fsearch
