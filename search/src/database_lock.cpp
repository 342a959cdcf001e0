#include "database_lock.h"

#include <unistd.h>

#include "fsearch/core/error.h"

namespace fsearch::search::detail {

void lock_taken_over(db::Database& db, double refreshed_at, double now) {
  std::string by = "another fsearch run";
  if (auto holder = db.lock_holder())
    by += " (pid " + std::to_string(holder->pid) + " on " + holder->machine.host + ")";
  const std::string unrefreshed = refreshed_at > 0
                                      ? " while this run's lock went unrefreshed for " +
                                            std::to_string(static_cast<long>(now - refreshed_at)) + " s"
                                      : " before this run's loop began";
  throw StorageError(db.path() + " was taken over by " + by + unrefreshed +
                         "; this run stops its workers and exits, and the other run continues its jobs",
                     "a run whose database other machines share must not be stopped (SIGSTOP, a suspended "
                     "machine) for " +
                         std::to_string(static_cast<long>(db::Database::kLockStaleSeconds)) + " s or more");
}

DatabaseLock::DatabaseLock(db::Database& db, const std::string& path) : db_(db), here_(this_machine()) {
  const double now = unix_now();
  auto holder = db.acquire_lock(::getpid(), here_, now, process_alive);
  if (holder) {
    const std::string pid = std::to_string(holder->pid);
    throw StorageError(
        path + " is in use by another fsearch run (pid " + pid + " on " + holder->machine.host + ")",
        holder->machine.same_boot_as(here_)
            ? "wait for it to finish, or stop it with: kill -INT " + pid
            : "wait for it to finish, or stop it on " + holder->machine.host +
                  "; a lock whose run died is taken over once its heartbeat is " +
                  std::to_string(static_cast<long>(db::Database::kLockStaleSeconds)) + " s old (fsearch status --db " +
                  path + " says when)");
  }
  refreshed_at_ = now;
}

DatabaseLock::~DatabaseLock() {
  try {
    db_.release_lock(::getpid(), here_);
  } catch (...) {
  }
}

void DatabaseLock::refresh() {
  const double now = unix_now();
  if (!db_.refresh_lock(::getpid(), here_, now)) lock_taken_over(db_, refreshed_at_, now);
  refreshed_at_ = now;
}

}  // namespace fsearch::search::detail
