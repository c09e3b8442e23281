#include "store/sqlite_internal.h"

namespace aegis::store::sqlite {

Stmt::Stmt(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) !=
      SQLITE_OK) {
    err_ = std::string(sqlite3_errmsg(db)) + " in: " + sql.substr(0, 120);
    st_ = nullptr;
  }
}

Stmt::~Stmt() {
  if (st_) sqlite3_finalize(st_);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (st_) sqlite3_finalize(st_);
    db_ = o.db_;
    st_ = o.st_;
    err_ = std::move(o.err_);
    o.st_ = nullptr;
  }
  return *this;
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Stmt::Step(Status* st) {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *st = Error(db_, "statement failed");
  return false;
}

Status Stmt::Run() {
  Status st;
  while (Step(&st)) {
  }
  Reset();
  return st;
}

void Stmt::Reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_text(st_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(st_, col)))
           : std::string();
}

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IOError("SQLite: " + msg);
  }
  return Status::Ok();
}

Status Error(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  std::string msg = "SQLite: " + what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    return Status::IOError(msg + "; another process holds the store: retry when it has finished");
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    return Status::Corruption(msg + "; restore the latest backup (aegis db backup makes one)");
  if (code == SQLITE_CONSTRAINT) return Status::InvalidArgument(msg);
  return Status::IOError(msg);
}

}  // namespace aegis::store::sqlite
