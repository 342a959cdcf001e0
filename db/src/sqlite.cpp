#include "fsearch/db/sqlite.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "fsearch/core/error.h"

namespace fsearch::db {
namespace {

// The operating system's reason behind an I/O error (" (No space left on device)"), if any.
std::string system_reason(sqlite3* db) {
  const int error = sqlite3_system_errno(db);
  return error != 0 ? std::string(" (") + std::strerror(error) + ")" : "";
}

std::string storage_hint(sqlite3* db) {
  const int error = sqlite3_system_errno(db);
  return error == ENOSPC || sqlite3_errcode(db) == SQLITE_FULL
             ? "the disk is full: free space, then run the same command again (what was recorded is kept)"
             : "";
}


// Opens `target` (a file's path, or ":memory:") and copies `source`'s main database into it with
// SQLite's online backup (a consistent snapshot of what `source` sees). Returns the open target;
// otherwise closes it and throws StorageError("<what>: <SQLite's reason>").
sqlite3* copy_into(sqlite3* source, const std::string& target_name, const std::string& what) {
  sqlite3* target = nullptr;
  if (sqlite3_open_v2(target_name.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string message = target ? sqlite3_errmsg(target) : "out of memory";
    sqlite3_close(target);
    throw StorageError(what + ": " + message);
  }
  sqlite3_backup* copy = sqlite3_backup_init(target, "main", source, "main");
  const int done = copy ? sqlite3_backup_step(copy, -1) : SQLITE_ERROR;
  sqlite3_backup_finish(copy);
  if (done != SQLITE_DONE) {
    const std::string message = sqlite3_errmsg(target);
    std::string hint = storage_hint(target);  // a full disk under the copy, or under the source
    if (hint.empty()) hint = storage_hint(source);
    sqlite3_close(target);
    throw StorageError(what + ": " + message, hint);
  }
  return target;
}

}  // namespace


Statement::Statement(sqlite3* db, const std::string& sql) : db_(db), sql_(sql) {
  if (!db) throw StorageError("SQLite: the connection was closed (its file was replaced) in: " + sql);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
    throw StorageError(std::string("SQLite: ") + sqlite3_errmsg(db) + system_reason(db) + " in: " + sql,
                       storage_hint(db));
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) return bind_null(index);
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw StorageError(std::string("SQLite: ") + sqlite3_errmsg(db_) + system_reason(db_) + " in: " + sql_,
                     storage_hint(db_));
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::get_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::get_double(int column) const {
  return is_null(column) ? NAN : sqlite3_column_double(stmt_, column);
}

std::string Statement::get_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  return text ? reinterpret_cast<const char*>(text) : "";
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

namespace {

// "file:" URI of a path, with the characters a URI reserves escaped.
std::string file_uri(const std::string& path, const std::string& query) {
  std::string out = "file:";
  const std::string absolute = std::filesystem::absolute(path).string();
  for (unsigned char c : absolute) {
    if (std::isalnum(c) || std::strchr("/-_.~", c)) {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out + "?" + query;
}

}  // namespace

Connection::Connection(const std::string& path, Access access) : path_(path) {
  if (std::error_code error; !path.empty() && std::filesystem::is_directory(path, error))
    throw StorageError("cannot open database " + path + ": it is a folder, not a database file",
                       "give the database file's path, e.g. " + (std::filesystem::path(path) / "fsearch.db").string());
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  std::string name = path;
  if (access == Access::ReadOnly) {
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    auto folder = std::filesystem::absolute(path).parent_path();
    const bool writable_folder = ::access(folder.c_str(), W_OK) == 0;
    name = file_uri(path, writable_folder ? "mode=ro" : "mode=ro&immutable=1");
  }
  if (sqlite3_open_v2(name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StorageError("cannot open database " + path + ": " + message,
                       "check the path and its folder's permissions");
  }
  sqlite3_busy_timeout(db_, 10000);
  struct stat file;
  if (access == Access::ReadWrite && path != ":memory:" && !path.empty() && ::stat(path.c_str(), &file) == 0) {
    has_identity_ = true;
    absolute_path_ = std::filesystem::absolute(path).string();  // a later chdir must not matter
    device_ = file.st_dev;
    inode_ = file.st_ino;
  }
}

bool Connection::file_replaced() const {
  if (!has_identity_) return false;
  struct stat file;
  if (::stat(absolute_path_.c_str(), &file) != 0) return true;
  return static_cast<std::uint64_t>(file.st_dev) != device_ || static_cast<std::uint64_t>(file.st_ino) != inode_;
}

void Connection::abandon_replaced_file() {
  sqlite3_close(db_);
  db_ = nullptr;
  has_identity_ = false;  // nothing of this connection is left to check
  std::error_code ignored;
  std::filesystem::remove(path_ + "-wal", ignored);
  std::filesystem::remove(path_ + "-shm", ignored);
}

void Connection::save_copy(const std::string& to) {
  if (!db_) throw StorageError("cannot write " + to + ": the connection to " + path_ + " was closed");
  sqlite3_close(copy_into(db_, to, "cannot write " + to));
}

void Connection::detach_into_memory() {
  sqlite3* memory = copy_into(db_, ":memory:", "cannot read " + path_);
  sqlite3_close(db_);
  db_ = memory;
}

Connection::~Connection() {
  sqlite3_close(db_);
}

void Connection::execute(const std::string& sql) {
  if (!db_) throw StorageError("SQLite: the connection to " + path_ + " was closed (its file was replaced) in: " + sql);
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw StorageError("SQLite: " + message + system_reason(db_) + " in: " + sql.substr(0, 200), storage_hint(db_));
  }
}

bool Connection::in_transaction() const {
  return db_ && sqlite3_get_autocommit(db_) == 0;
}

std::int64_t Connection::changes() const {
  return db_ ? sqlite3_changes(db_) : 0;
}

}  // namespace fsearch::db
