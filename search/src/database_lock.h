// The database lock of one `fsearch run`: one scheduler per database at a time. Taken when the run
// opens the database, kept live by a heartbeat (other machines sharing the database through a
// filesystem judge it by that), released when the run ends. Internal to the search library.
#pragma once

#include <string>

#include "fsearch/core/process.h"
#include "fsearch/db/database.h"

namespace fsearch::search::detail {

// This run's lock is another run's now: a run on another machine found its heartbeat stale (this
// process was stopped, or its machine suspended, for kLockStaleSeconds), took the database over
// and requeued this run's running jobs. Writing on would record jobs twice; the StorageError says
// so. `refreshed_at`: when this run last refreshed the lock (0: not since it was taken).
[[noreturn]] void lock_taken_over(db::Database& db, double refreshed_at, double now);

class DatabaseLock {
 public:
  // Throws StorageError naming the run that holds it, with how to stop or wait for that run.
  DatabaseLock(db::Database& db, const std::string& path);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  // The heartbeat, for long work before the scheduler's loop (which refreshes the lock itself);
  // throws StorageError when the lock was taken over.
  void refresh();

 private:
  db::Database& db_;
  Machine here_;
  double refreshed_at_ = 0;
};

}  // namespace fsearch::search::detail
