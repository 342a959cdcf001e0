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

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace fsearch::db
