#include "terminal.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

namespace fsearch::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop = true;
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return g_stop;
}

std::string duration_text(double seconds) {
  if (!(seconds >= 0)) return "?";
  if (seconds < 90) return fmt::format("{:.0f}s", seconds);
  if (seconds < 5400) return fmt::format("{:.0f}m", seconds / 60);
  if (seconds < 72 * 3600) return fmt::format("{:.1f}h", seconds / 3600);
  return fmt::format("{:.1f}d", seconds / 86400);
}

ProgressLine::ProgressLine(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() {
  end();
}

void ProgressLine::end() {
  if (open_) std::cerr << "\n" << std::flush;
  open_ = false;
}

void ProgressLine::update(const std::string& line, const std::string& key) {
  if (quiet_) return;
  const std::string& k = key.empty() ? line : key;
  if (!tty_ && k == last_) return;
  last_ = k;
  std::cerr << (tty_ ? "\r\033[K" : "") << line << (tty_ ? "" : "\n") << std::flush;
  open_ = tty_;
}

void ProgressLine::message(const std::string& text) {  // also when quiet: a worker's log keeps it
  std::cerr << (tty_ ? "\r\033[K" : "") << text << "\n" << std::flush;
  open_ = false;
}

}  // namespace fsearch::cli
