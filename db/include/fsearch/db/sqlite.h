// A thin RAII layer over sqlite3: a connection and prepared statements with typed binding.
// Every failure throws StorageError with SQLite's message and the statement it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace fsearch::db {

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind by 1-based position; chainable.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);  // NaN binds as NULL
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
  Statement& bind_null(int index);
  // Every row of the result, each made by read(*this), in order.
  template <class Read>
  auto rows(Read read) -> std::vector<decltype(read(*this))> {
    std::vector<decltype(read(*this))> out;
    while (step()) out.push_back(read(*this));
    return out;
  }
  // Binds the values to parameters 1, 2, ... in order.
  template <class... Values>
  Statement& bind_all(const Values&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  Statement& reset();  // ready to run again with new bindings
  bool step();         // true while there is a row
  void run();          // step to completion
  std::int64_t get_int(int column) const;
  double get_double(int column) const;  // NULL reads as NaN
  std::string get_text(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

enum class Access { ReadWrite, ReadOnly };

class Connection {
 public:
  // ReadWrite creates the file if missing. ReadOnly never writes, not even a WAL's shared-memory
  // file: in a folder this process cannot write, the file is opened as immutable.
  explicit Connection(const std::string& path, Access access = Access::ReadWrite);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void execute(const std::string& sql);  // one or more statements, no results
  Statement prepare(const std::string& sql) { return Statement(db_, sql); }
  std::int64_t changes() const;
  bool in_transaction() const;  // a BEGIN without its COMMIT or ROLLBACK yet
  // From now on works on a private in-memory copy of the database: what it writes never reaches
  // the file (a read-only open of an older schema migrates that copy). path() stays the file's.
  void detach_into_memory();
  const std::string& path() const { return path_; }

  // True when the path no longer names the file this read-write connection opened: another program
  // replaced it (git checkout or git stash of a tracked database, a move over it) or removed it.
  // Our writes would then go to the old file, which nothing else sees, and another process opening
  // the path would read the new file with our write-ahead log: a malformed database.
  bool file_replaced() const;
  // Writes a consistent copy of the database as this connection sees it to `to` (SQLite's backup).
  void save_copy(const std::string& to);
  // After file_replaced(): closes the connection and removes the path's -wal and -shm files, which
  // belong to the old file (SQLite's own close leaves them when the file was moved, and the next
  // process to open the path would apply the old file's log to the new one). Every later use of
  // the connection throws.
  void abandon_replaced_file();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  // The opened file's absolute path, device and inode (read-write connections to a file only).
  bool has_identity_ = false;
  std::string absolute_path_;
  std::uint64_t device_ = 0, inode_ = 0;
};

}  // namespace fsearch::db
