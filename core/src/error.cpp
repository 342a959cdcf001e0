#include "fsearch/core/error.h"

#include <utility>

namespace fsearch {

Error::Error(const std::string& message, std::string hint)
    : std::runtime_error(message), hint_(std::move(hint)) {}

std::string format_error(const Error& error) {
  std::string text = "error: ";
  text += error.what();
  if (!error.hint().empty()) {
    text += "\nhint: ";
    text += error.hint();
  }
  return text;
}

}  // namespace fsearch
