// The SQLite engine of the store's SQL seam (sql_conn.h).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include "store/sql_conn.h"

namespace aegis::store::sql {

namespace {

// The Status of SQLite's last error on `db`. A store that cannot be used for now (busy beyond
// the timeout, a disk or I/O error, a full disk, a file it may not write) is Unavailable.
Status SqliteError(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  std::string msg = "SQLite: " + what + ": " + sqlite3_errmsg(db);
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg +
                                 "; another process holds the store: retry when it has finished");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::Unavailable(
          msg + "; check the store's disk (free space, permissions, errors in the system log)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg + "; restore the latest backup (aegis db backup makes one)");
    case SQLITE_CONSTRAINT:
      return Status::InvalidArgument(msg);
    case SQLITE_ERROR:  // SQL that does not fit the store's schema
      return Status::Internal(msg);
    default:
      return Status::IOError(msg);
  }
}

class SqliteStmt final : public StmtImpl {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~SqliteStmt() override { sqlite3_finalize(st_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  void BindInt(int i, int64_t v) override { sqlite3_bind_int64(st_, i, v); }
  void BindReal(int i, double v) override { sqlite3_bind_double(st_, i, v); }
  void BindText(int i, std::string_view v) override {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindTextStatic(int i, std::string_view v) override {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindNull(int i) override { sqlite3_bind_null(st_, i); }
  bool Step(Status* st) override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) *st = SqliteError(db_, "statement failed");
    return false;
  }
  void Reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  int64_t Int(int col) const override { return sqlite3_column_int64(st_, col); }
  double Real(int col) const override { return sqlite3_column_double(st_, col); }
  ColType Type(int col) const override {
    switch (sqlite3_column_type(st_, col)) {
      case SQLITE_NULL:
        return ColType::kNull;
      case SQLITE_INTEGER:
        return ColType::kInt;
      case SQLITE_FLOAT:
        return ColType::kReal;
      default:
        return ColType::kText;
    }
  }
  std::string_view View(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string_view();
  }
  int ColumnCount() const override { return sqlite3_column_count(st_); }
  std::string ColumnName(int col) const override {
    const char* n = sqlite3_column_name(st_, col);
    return n ? n : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
};

class SqliteConn final : public Conn {
 public:
  SqliteConn(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConn() override { sqlite3_close_v2(db_); }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }
  Result<std::unique_ptr<StmtImpl>> Prepare(const std::string& sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) !=
        SQLITE_OK) {
      sqlite3_finalize(st);
      Status why = SqliteError(db_, "SQL prepare");
      if (why.code() == Status::Code::kUnavailable) return why;
      // The SQL does not compile against this store's schema: a fault of the program or of the
      // store's schema, not of the request.
      return Status::Internal(why.message() + " in: " + sql.substr(0, 120));
    }
    return std::unique_ptr<StmtImpl>(std::make_unique<SqliteStmt>(db_, st));
  }
  Status Exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      sqlite3_free(err);
      return SqliteError(db_, "statement failed");
    }
    return Status::Ok();
  }
  Status BeginWrite() override { return Exec("BEGIN IMMEDIATE"); }
  int64_t Changes() const override { return sqlite3_changes(db_); }
  int64_t LastInsertId() override { return sqlite3_last_insert_rowid(db_); }
  bool TableExists(const std::string& table) override {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st,
                       nullptr);
    sqlite3_bind_text(st, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
  }
  const std::string& where() const override { return path_; }

 private:
  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Conn>> OpenSqlite(const std::string& path, bool create_if_missing,
                                         int busy_timeout_ms) {
  // Memory statistics take a global mutex on every allocation (about 5% of an import's time);
  // Aegis does not read them. Only possible before SQLite initialises; harmless if too late.
  static std::once_flag config_once;
  std::call_once(config_once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  // One connection per thread (see store.h), so SQLite's own per-call mutexes are not needed.
  int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create_if_missing ? SQLITE_OPEN_CREATE : 0);
  // The store holds personal data: a new file is made readable by its owner only, whatever the
  // umask. SQLite gives the -wal and -shm files it makes beside it the database file's mode.
  if (create_if_missing && !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      (void)::fchmod(fd, 0600);  // the umask may have taken bits away, never added them
      ::close(fd);
    }
  }
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Status::IOError(path + ": cannot open the store (" + msg +
                           "); check the path and that its folder exists and is writable");
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Conn>(std::make_unique<SqliteConn>(db, path));
}

}  // namespace aegis::store::sql
