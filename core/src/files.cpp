#include "fsearch/core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fsearch/core/error.h"

namespace fsearch {

void write_atomic(const std::filesystem::path& file, const std::string& content) {
  auto temp = file;
  temp += ".tmp." + std::to_string(::getpid());
  // POSIX calls, so that a full disk is reported with its errno, and the temporary file never stays.
  auto fail = [&](const std::string& what) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw Error("cannot write " + file.string() + ": " + what + ": " + std::strerror(error),
                error == ENOSPC ? "the disk is full: free space, then run the same command again (nothing "
                                  "recorded is lost)"
                                : "");
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("open");
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  if (::close(fd) != 0) fail("close");
  if (::rename(temp.c_str(), file.c_str()) != 0) fail("rename");
}

void make_directories(const std::filesystem::path& dir, const std::string& what) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw Error(what + ": cannot create the folder " + dir.string() + ": " + error.message(),
                "give a path in a folder you can write to");
}

}  // namespace fsearch
