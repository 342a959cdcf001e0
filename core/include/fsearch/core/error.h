// Typed errors shared by every fsearch library.
//
// Library code throws an Error subclass that says what failed, where (file:line, field, or column in
// an expression) and, when it can, a hint the user can act on. Only the binary's main() turns errors
// into a message and an exit code, so libraries stay usable from tests and other programs.
#pragma once

#include <stdexcept>
#include <string>

namespace fsearch {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, std::string hint = {});
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string hint_;
};

// A user's input is wrong: a config file, a command-line value, an expression.
class ConfigError : public Error {
  using Error::Error;
};

// The database could not be opened, read or written.
class StorageError : public Error {
  using Error::Error;
};

// Renders an error the way main() prints it: "error: <what>" and, if any, "hint: <hint>".
std::string format_error(const Error& error);

}  // namespace fsearch
