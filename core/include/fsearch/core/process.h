// Facts about the running process that more than one library needs.
#pragma once

#include <string>

namespace fsearch {

// The absolute path of the running executable (/proc/self/exe), so that a worker or a Slurm task
// starts the same binary however this one was found: through PATH, a symlink or a relative path.
// Falls back to `argv0` made absolute where /proc is not mounted.
std::string self_executable(const char* argv0);

}  // namespace fsearch
