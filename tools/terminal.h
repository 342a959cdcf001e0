// What the long-running commands (run, train) share about their terminal: the stop request that
// SIGINT and SIGTERM make, and a progress line that is rewritten in place on a terminal and printed
// once per change elsewhere (logs, CI).
#pragma once

#include <atomic>
#include <string>

namespace fsearch::cli {

// Installs the SIGINT/SIGTERM handlers (once) and returns the flag they set: the command then lets
// its work checkpoint and exits 75.
const std::atomic<bool>& stop_on_signals();

// A duration for a person: "45s", "12m", "3.4h", "2.1d"; "?" when not known (NaN or negative).
std::string duration_text(double seconds);

class ProgressLine {
 public:
  explicit ProgressLine(bool quiet = false);
  ~ProgressLine();  // ends a line left open on a terminal
  // Shows `line`; off a terminal only when `key` (default: the line) differs from the last shown.
  void update(const std::string& line, const std::string& key = "");
  // A message of its own line, above the progress line; printed also when quiet.
  void message(const std::string& text);
  // Ends a progress line left open on a terminal (the next output starts on a line of its own).
  void end();
  bool tty() const { return tty_; }

 private:
  bool quiet_, tty_, open_ = false;
  std::string last_;
};

}  // namespace fsearch::cli
