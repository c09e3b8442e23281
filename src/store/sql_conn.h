// The store's seam between its SQL and a database engine: a connection that prepares statements,
// and a statement handle that binds, steps and reads columns. Two engines implement it: SQLite
// (sqlite_conn.cc) and PostgreSQL through libpqxx (pg_conn.cc). The store's queries are written
// once, in the SQL both engines accept ('?' placeholders, ON CONFLICT, RETURNING, ISO types);
// where the engines differ, SqlStore asks dialect(). Private to the store module.
//
// Ownership and threads: a Conn owns its engine connection and is used by one thread at a time
// (the Store that owns it, see store.h); nothing here locks. A statement (StmtImpl, Stmt) belongs
// to the Conn that prepared it, is used on the same thread, and must be destroyed before it.
//
// Errors: every failure is a Status. A statement that cannot be prepared is never handed out
// (Prepare returns the Status); a store that cannot be reached — the PostgreSQL server down or
// the connection lost, SQLite busy beyond its timeout, a disk or I/O error — is Unavailable, so
// that callers can tell "retry later" from a fault in the request or the code.
//
// Transactions: BeginWrite() opens a transaction that holds the store's single write lock
// (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so a read-then-write
// inside it sees no other writer on either engine. On PostgreSQL a write statement run outside a
// transaction takes the same lock for itself, so every write is serialised exactly as on SQLite.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace aegis::store::sql {

enum class Dialect { kSqlite, kPostgres };
enum class ColType { kNull, kInt, kReal, kText };

// One prepared statement of an engine.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void BindInt(int i, int64_t v) = 0;
  virtual void BindReal(int i, double v) = 0;
  virtual void BindText(int i, std::string_view v) = 0;
  // As BindText, but the engine may keep a pointer to `v` instead of a copy (see Stmt::BindStatic).
  virtual void BindTextStatic(int i, std::string_view v) { BindText(i, v); }
  virtual void BindNull(int i) = 0;
  virtual bool Step(Status* st) = 0;
  virtual void Reset() = 0;
  // A query that may return more rows than should be held in memory at once (see Stmt::Stream).
  virtual void Stream() {}
  virtual int64_t Int(int col) const = 0;
  virtual double Real(int col) const = 0;
  virtual ColType Type(int col) const = 0;
  virtual std::string_view View(int col) const = 0;  // valid until the next Step or Reset
  virtual int ColumnCount() const = 0;
  virtual std::string ColumnName(int col) const = 0;
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // A statement ready to bind and step; Internal when it does not compile, Unavailable when the
  // database cannot be reached.
  virtual Result<std::unique_ptr<StmtImpl>> Prepare(const std::string& sql) = 0;
  // One or more statements without parameters.
  virtual Status Exec(const std::string& sql) = 0;
  // A transaction holding the store's write lock (see above). COMMIT/ROLLBACK through Exec.
  virtual Status BeginWrite() = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  virtual int64_t Changes() const = 0;
  // The id the last INSERT on this connection gave its row (0 if none).
  virtual int64_t LastInsertId() = 0;
  virtual bool TableExists(const std::string& table) = 0;
  // Where the store is, for messages (a file path, or a URL without its password).
  virtual const std::string& where() const = 0;
  // False once the engine connection is lost for good (a PostgreSQL server that went away): the
  // owner then opens a new one. A SQLite connection is never lost.
  virtual bool Usable() const { return true; }
};

// A statement handle over a Conn: the store's code binds by 1-based index and reads by 0-based
// column, on either engine. Made only by Prepare, so a handle always holds a statement (a
// default-constructed one holds none and must be assigned before use).
class Stmt {
 public:
  Stmt() = default;
  static Result<Stmt> Prepare(Conn* c, const std::string& sql) {
    AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<StmtImpl> impl, c->Prepare(sql));
    return Stmt(std::move(impl));
  }

  bool valid() const { return impl_ != nullptr; }

  Stmt& Bind(int i, int64_t v) {
    impl_->BindInt(i, v);
    return *this;
  }
  Stmt& Bind(int i, double v) {
    impl_->BindReal(i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    impl_->BindText(i, v);
    return *this;
  }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i) {
    impl_->BindNull(i);
    return *this;
  }
  // `v` must stay alive and unchanged until the statement is reset (SQLite binds it in place).
  Stmt& BindStatic(int i, std::string_view v) {
    impl_->BindTextStatic(i, v);
    return *this;
  }
  Stmt& Bind(int i, const std::optional<int64_t>& v) { return v ? Bind(i, *v) : BindNull(i); }
  Stmt& Bind(int i, const std::optional<double>& v) { return v ? Bind(i, *v) : BindNull(i); }
  Stmt& Bind(int i, const std::optional<bool>& v) {
    return v ? Bind(i, static_cast<int64_t>(*v ? 1 : 0)) : BindNull(i);
  }
  // Marks a large scan: its rows are read in bounded chunks rather than all at once. SQLite
  // always steps row by row; PostgreSQL reads through a cursor, in a read-only transaction of its
  // own when none is open, so statements run during the scan must be reads. For a SELECT only.
  Stmt& Stream() {
    impl_->Stream();
    return *this;
  }
  // Steps once: true if a row is available, false when done. Errors go to *st.
  bool Step(Status* st) { return impl_->Step(st); }
  // Steps to completion and resets (for statements without result rows).
  Status Run() {
    Status st;
    while (Step(&st)) {
    }
    Reset();
    return st;
  }
  // Runs an INSERT ... RETURNING id and gives the id (NotFound when no row was inserted).
  Result<int64_t> RunReturningId() {
    Status st;
    bool row = Step(&st);
    int64_t id = row ? Int(0) : 0;
    if (row) (void)Run();
    Reset();
    if (!st.ok()) return st;
    if (!row) return Status::NotFound("no row inserted");
    return id;
  }
  void Reset() { impl_->Reset(); }

  int64_t Int(int col) const { return impl_->Int(col); }
  double Real(int col) const { return impl_->Real(col); }
  bool IsNull(int col) const { return impl_->Type(col) == ColType::kNull; }
  ColType Type(int col) const { return impl_->Type(col); }
  std::string Text(int col) const { return std::string(impl_->View(col)); }
  std::string_view View(int col) const { return impl_->View(col); }
  int ColumnCount() const { return impl_->ColumnCount(); }
  std::string ColumnName(int col) const { return impl_->ColumnName(col); }

 private:
  explicit Stmt(std::unique_ptr<StmtImpl> impl) : impl_(std::move(impl)) {}
  std::unique_ptr<StmtImpl> impl_;
};

// A write transaction (Conn::BeginWrite) that ends with Commit, or is rolled back when it goes
// out of scope without one (an early error return). A COMMIT that fails is rolled back too, so
// the connection is ready for its next transaction whatever happened.
class WriteTx {
 public:
  explicit WriteTx(Conn* c) : c_(c) {}
  ~WriteTx() { Rollback(); }
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;

  Status Begin() {
    Status st = c_->BeginWrite();
    open_ = st.ok();
    return st;
  }
  Status Commit() {
    if (!open_) return Status::Internal("SQL: COMMIT without a transaction");
    open_ = false;
    Status st = c_->Exec("COMMIT");
    if (!st.ok()) (void)c_->Exec("ROLLBACK");
    return st;
  }
  // Commits when `st` is ok and returns the outcome; otherwise rolls back and returns `st`.
  Status Finish(const Status& st) {
    if (st.ok()) return Commit();
    Rollback();
    return st;
  }
  bool open() const { return open_; }
  void Rollback() {
    if (!open_) return;
    open_ = false;
    (void)c_->Exec("ROLLBACK");
  }

 private:
  Conn* c_;
  bool open_ = false;
};

inline Result<Stmt> Prepare(Conn* c, const std::string& sql) { return Stmt::Prepare(c, sql); }
inline Status Exec(Conn* c, const std::string& sql) { return c->Exec(sql); }

// Opens an engine's connection. `url`: a SQLite file path; or postgresql://user@host:port/db.
Result<std::unique_ptr<Conn>> OpenSqlite(const std::string& path, bool create_if_missing,
                                         int busy_timeout_ms);
// Creates the database when it does not exist and `create_if_missing` (connecting to the
// server's "postgres" database to do so).
Result<std::unique_ptr<Conn>> OpenPostgres(const std::string& url, bool create_if_missing);
// Either engine, by URL (see Store::Open): what Store::Open and the tests' oracles connect with.
Result<std::unique_ptr<Conn>> Open(const std::string& url, bool create_if_missing,
                                   int busy_timeout_ms = 5000);
// The file of a SQLite URL ("sqlite:PATH" or PATH).
std::string SqlitePath(const std::string& url);
// Drops the database named by `url` (WITH (FORCE): other sessions are closed); Ok if absent.
Status DropPostgres(const std::string& url);
// The URL with any password replaced by "***", for messages and logs.
std::string RedactUrl(const std::string& url);

}  // namespace aegis::store::sql
