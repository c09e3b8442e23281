// Thin RAII helpers over the SQLite C API, private to the store module.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace aegis::store::sqlite {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const std::string& sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_), err_(std::move(o.err_)) { o.st_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;

  bool valid() const { return st_ != nullptr; }
  const std::string& error() const { return err_; }

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i);
  // Binds without copying: `v` must stay alive and unchanged until the statement is reset.
  Stmt& BindStatic(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& Bind(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }
  Stmt& Bind(int i, const std::optional<double>& v) { return v ? Bind(i, *v) : BindNull(i); }
  Stmt& Bind(int i, const std::optional<bool>& v) {
    return v ? Bind(i, static_cast<int64_t>(*v ? 1 : 0)) : BindNull(i);
  }
  // Steps once: true if a row is available, false when done. Errors go to *st.
  bool Step(Status* st);
  // Steps to completion and resets (for statements without result rows).
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  double Real(int col) const { return sqlite3_column_double(st_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::string_view View(int col) const {  // valid until the next Step or Reset
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string_view();
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
  std::string err_;
};

// Runs one or more statements without parameters.
Status Exec(sqlite3* db, const std::string& sql);
Status Error(sqlite3* db, const std::string& what);

}  // namespace aegis::store::sqlite
