// Facts about the running process that more than one library needs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace fsearch {

// The absolute path of the running executable (/proc/self/exe), so that a worker or a Slurm task
// starts the same binary however this one was found: through PATH, a symlink or a relative path.
// Falls back to `argv0` made absolute where /proc is not mounted.
std::string self_executable(const char* argv0);

// The cores this process may run on (its CPU affinity, e.g. under Slurm or taskset), at least 1.
int available_cores();

// The CPU's model name as /proc/cpuinfo gives it (e.g. "AMD EPYC 7B13"), "" where it is not known.
// Jobs record it: another CPU (or BLAS kernel) changes a job's numbers in the last bits.
std::string cpu_model();

// Whether a process with this pid exists (and may be signalled by us).
bool process_alive(std::int64_t pid);

// Where a process runs. A pid names a process only within one boot of one machine, and machines
// often share a host name (virtual machines made from one image): a database committed while its
// sweep ran and resumed on a fresh machine must not take the old pid, now perhaps another
// process's, for its scheduler. So a machine is its host name and its boot id.
struct Machine {
  std::string host;
  std::string boot_id;  // /proc/sys/kernel/random/boot_id; "" where not known

  // Whether a pid recorded on `other` names a process here: the same host in the same boot.
  bool same_boot_as(const Machine& other) const {
    return host == other.host && !boot_id.empty() && boot_id == other.boot_id;
  }
};
Machine this_machine();

// Runs `body` in a child process and waits for it, so that what it starts (LibTorch's thread
// pools, its memory) stays out of this process, which forks workers later. An Error `body` throws
// is thrown here again with its message, hint and kind (ConfigError, StorageError); any other
// failure of the child, a crash included, as an Error saying so.
void run_in_child(const std::function<void()>& body);
// The same for a body with an answer: the text `body` returns comes back from the child.
std::string run_in_child_for_text(const std::function<std::string()>& body);
// The same, calling `while_waiting` in this process every `every_seconds` while the child works (a
// heartbeat). When `while_waiting` throws, the child is killed and reaped, and the exception goes on.
std::string run_in_child_for_text(const std::function<std::string()>& body,
                                  const std::function<void()>& while_waiting, double every_seconds);

// Seconds since the Unix epoch: what the database records as a time.
double unix_now();

}  // namespace fsearch
