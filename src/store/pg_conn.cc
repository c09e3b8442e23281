// The PostgreSQL engine of the store's SQL seam (sql_conn.h), over libpqxx 6.4.
//
// Statements: '?' placeholders become $1..$n; each distinct statement is prepared once per
// connection (up to kMaxPrepared, then sent unprepared). A query's rows are read into memory on
// its first Step, except a streamed one (Stmt::Stream): it is read through a cursor,
// kStreamChunk rows at a time, in a read-only transaction of its own when none is open.
//
// Writes: every write holds the store's advisory lock, as every SQLite write holds its file's
// write lock: BeginWrite() takes it for a transaction; a write statement outside a transaction
// is wrapped in one that takes it. Reads never wait for it.
//
// A connection lost inside a transaction fails every later statement of that transaction and
// its COMMIT, so a batch is never half applied by a silent reconnect.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <pqxx/pqxx>
#include <unordered_map>
#include <vector>

#include "store/sql_conn.h"
#include "util/text.h"

namespace aegis::store::sql {

namespace {

// "AEGI": the advisory lock every write holds (per database).
constexpr int64_t kWriteLock = 0x41454749;
constexpr size_t kMaxPrepared = 512;
constexpr size_t kStreamChunk = 2000;

// The Status of a libpqxx error. A server that is down or unreachable, a lost connection, a
// server shutting down or out of resources, and lock conflicts are Unavailable (retry later).
// The server's DETAIL lines are dropped: they can quote a row's values.
Status FromPq(const std::exception& e, const std::string& where) {
  std::string msg = "PostgreSQL (" + where + "): " + e.what();
  if (size_t detail = msg.find("\nDETAIL:"); detail != std::string::npos) msg.resize(detail);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (const auto* se = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = se->sqlstate();
    if (text::StartsWith(state, "23")) return Status::InvalidArgument(msg);
    if (state == "40001" || state == "40P01" || state == "55P03")
      return Status::Unavailable(msg + "; another writer held the rows: retry");
    if (text::StartsWith(state, "08") || text::StartsWith(state, "53") ||
        text::StartsWith(state, "57P"))
      return Status::Unavailable(msg + "; is the PostgreSQL server running and reachable?");
    if (text::StartsWith(state, "42") || text::StartsWith(state, "22"))
      return Status::Internal(msg);
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr)
    return Status::Unavailable(msg + "; is the PostgreSQL server running and reachable?");
  return Status::IOError(msg);
}

// '?' -> $1..$n and '?NNN' -> $NNN, outside quoted literals and identifiers. As in SQLite, a
// plain '?' takes the number after the largest given so far. PostgreSQL cannot type a parameter
// that the statement never uses, so the numbers used are then made contiguous: slots[i] is the
// PostgreSQL number of SQLite parameter i (0 = unused; its binds are dropped).
std::string Numbered(const std::string& sql, std::vector<int>* slots) {
  std::vector<std::pair<size_t, int>> refs;  // (position in out, SQLite number)
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  int largest = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      int v = 0;
      if (i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
        while (i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))
          v = v * 10 + (sql[++i] - '0');
      } else {
        v = largest + 1;
      }
      largest = std::max(largest, v);
      refs.emplace_back(out.size(), v);
    } else {
      out.push_back(c);
    }
  }
  slots->assign(static_cast<size_t>(largest) + 1, 0);
  for (const auto& r : refs) (*slots)[r.second] = 1;
  int next = 0;
  for (int& s : *slots) s = s ? ++next : 0;
  std::string pg;
  pg.reserve(out.size() + refs.size() * 3);
  size_t at = 0;
  for (const auto& r : refs) {
    pg.append(out, at, r.first - at);
    pg += "$" + std::to_string((*slots)[r.second]);
    at = r.first;
  }
  pg.append(out, at, std::string::npos);
  return pg;
}

bool IsWrite(const std::string& sql) {
  size_t p = sql.find_first_not_of(" \t\r\n(");
  if (p == std::string::npos) return false;
  std::string head = text::ToLowerAscii(sql.substr(p, 6));
  return head == "insert" || head == "update" || head == "delete";
}

class PgConn;

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgConn* c, std::string name, std::string sql, std::vector<int> slots, bool write)
      : c_(c),
        name_(std::move(name)),
        sql_(std::move(sql)),
        write_(write),
        slots_(std::move(slots)) {
    int n = 0;
    for (int s : slots_) n = std::max(n, s);
    params_.resize(static_cast<size_t>(n));
  }

  void BindInt(int i, int64_t v) override { Set(i, std::to_string(v)); }
  void BindReal(int i, double v) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    Set(i, buf);
  }
  void BindText(int i, std::string_view v) override { Set(i, std::string(v)); }
  void BindNull(int i) override {
    if (int p = Slot(i); p > 0) params_[p - 1].reset();
  }
  ~PgStmt() override { CloseCursor(); }
  bool Step(Status* st) override;
  void Stream() override { stream_ = !write_; }
  void Reset() override {
    CloseCursor();
    executed_ = false;
    res_ = pqxx::result();
    row_ = -1;
    for (auto& p : params_) p.reset();
  }
  int64_t Int(int col) const override {
    const char* s = Field(col);
    if (s[0] == 't' && s[1] == 0) return 1;  // a boolean expression
    return std::strtoll(s, nullptr, 10);
  }
  double Real(int col) const override { return std::strtod(Field(col), nullptr); }
  ColType Type(int col) const override {
    if (!Has(col) || res_[row_][col].is_null()) return ColType::kNull;
    switch (res_.column_type(col)) {
      case 16:  // bool
      case 20:  // int8
      case 21:  // int2
      case 23:  // int4
        return ColType::kInt;
      case 700:   // float4
      case 701:   // float8
      case 1700:  // numeric
        return ColType::kReal;
      default:
        return ColType::kText;
    }
  }
  std::string_view View(int col) const override {
    if (!Has(col)) return {};
    const auto& f = res_[row_][col];
    return f.is_null() ? std::string_view() : std::string_view(f.c_str(), f.size());
  }
  int ColumnCount() const override { return static_cast<int>(res_.columns()); }
  std::string ColumnName(int col) const override { return res_.column_name(col); }

 private:
  Status OpenCursor();
  Status Fetch();
  void CloseCursor();

  int Slot(int i) const { return i >= 1 && static_cast<size_t>(i) < slots_.size() ? slots_[i] : 0; }
  void Set(int i, std::string v) {
    if (int p = Slot(i); p > 0) params_[p - 1] = std::move(v);
  }
  // A column past the last reads as NULL, as in SQLite.
  bool Has(int col) const { return col >= 0 && col < static_cast<int>(res_.columns()); }
  const char* Field(int col) const {
    if (!Has(col)) return "";
    const auto& f = res_[row_][col];
    return f.is_null() ? "" : f.c_str();
  }

  PgConn* c_;
  std::string name_, sql_;  // name_ empty: not prepared
  bool write_;
  std::vector<int> slots_;  // SQLite parameter number -> PostgreSQL's (see Numbered)
  std::vector<std::optional<std::string>> params_;
  pqxx::result res_;
  bool executed_ = false;
  int row_ = -1;
  bool stream_ = false;
  std::string cursor_;    // the open cursor's name; empty when none
  bool own_txn_ = false;  // the cursor's transaction was opened for it
};

class PgConn final : public Conn {
 public:
  PgConn(std::unique_ptr<pqxx::connection> c, std::string where)
      : c_(std::move(c)), where_(std::move(where)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<std::unique_ptr<StmtImpl>> Prepare(const std::string& sql) override {
    std::vector<int> slots;
    std::string pg = Numbered(sql, &slots);
    auto it = prepared_.find(pg);
    std::string name;
    if (it != prepared_.end()) {
      name = it->second;
    } else if (prepared_.size() < kMaxPrepared) {
      name = "a" + std::to_string(prepared_.size());
      try {
        c_->prepare(name, pg);
        c_->prepare_now(name);
      } catch (const std::exception& e) {
        Status why = FromPq(e, where_);
        try {
          c_->unprepare(name);
        } catch (const std::exception&) {
        }
        if (in_txn_) txn_failed_ = true;
        if (why.code() == Status::Code::kUnavailable) return why;
        return Status::Internal(why.message() + " in: " + sql.substr(0, 160));
      }
      prepared_.emplace(pg, name);
    }
    return std::unique_ptr<StmtImpl>(
        std::make_unique<PgStmt>(this, name, pg, std::move(slots), IsWrite(sql)));
  }

  Status Exec(const std::string& sql) override {
    std::string head = text::ToLowerAscii(text::Trim(sql).substr(0, 16));
    bool commit = text::StartsWith(head, "commit") || text::StartsWith(head, "end");
    bool rollback = text::StartsWith(head, "rollback");
    if ((commit || rollback) && txn_failed_) {
      try {
        pqxx::nontransaction tx(*c_);
        tx.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
      in_txn_ = txn_failed_ = false;
      if (commit)
        return Status::IOError("PostgreSQL (" + where_ +
                               "): the transaction failed and was rolled back; run it again");
      return Status::Ok();
    }
    try {
      pqxx::nontransaction tx(*c_);
      tx.exec(sql);
    } catch (const std::exception& e) {
      if (in_txn_) txn_failed_ = true;
      if (commit || rollback) in_txn_ = txn_failed_ = false;
      return FromPq(e, where_);
    }
    if (text::StartsWith(head, "begin")) in_txn_ = true;
    if (commit || rollback) in_txn_ = false;
    return Status::Ok();
  }

  // BEGIN and the lock in one round trip.
  Status BeginWrite() override {
    if (in_txn_) return Status::Internal("PostgreSQL (" + where_ + "): a transaction is open");
    try {
      pqxx::nontransaction tx(*c_);
      tx.exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLock) + ")");
    } catch (const std::exception& e) {
      try {
        pqxx::nontransaction tx(*c_);
        tx.exec("ROLLBACK");
      } catch (const std::exception&) {
      }
      return FromPq(e, where_);
    }
    in_txn_ = true;
    return Status::Ok();
  }

  int64_t Changes() const override { return changes_; }
  // Identity columns draw from sequences: lastval() is the id of this session's last insert.
  int64_t LastInsertId() override {
    try {
      pqxx::nontransaction tx(*c_);
      pqxx::result r = tx.exec("SELECT lastval()");
      return r.empty() ? 0 : r[0][0].as<int64_t>();
    } catch (const std::exception&) {
      if (in_txn_) txn_failed_ = true;
      return 0;
    }
  }

  bool TableExists(const std::string& table) override {
    try {
      pqxx::nontransaction tx(*c_);
      pqxx::result r = tx.exec(
          "SELECT 1 FROM information_schema.tables WHERE table_schema=current_schema() AND "
          "table_name=" +
          tx.quote(table));
      return !r.empty();
    } catch (const std::exception&) {
      return false;
    }
  }

  const std::string& where() const override { return where_; }
  bool Usable() const override { return c_->is_open(); }
  bool in_txn() const { return in_txn_; }
  std::string NextCursorName() { return "aegis_c" + std::to_string(++cursors_); }

  // Runs one statement (see the file comment for the write lock).
  Status Run(const std::string& name, const std::string& sql, bool write,
             const std::vector<std::optional<std::string>>& params, pqxx::result* out) {
    if (in_txn_ && txn_failed_)
      return Status::IOError("PostgreSQL (" + where_ +
                             "): an earlier statement of this transaction failed");
    bool wrap = write && !in_txn_;
    if (wrap) AEGIS_RETURN_IF_ERROR(BeginWrite());
    std::vector<const char*> ptrs;
    ptrs.reserve(params.size());
    for (const auto& p : params) ptrs.push_back(p ? p->c_str() : nullptr);
    try {
      pqxx::nontransaction tx(*c_);
      auto dyn = pqxx::prepare::make_dynamic_params(ptrs);
      *out = name.empty() ? tx.exec_params(sql, dyn) : tx.exec_prepared(name, dyn);
    } catch (const std::exception& e) {
      if (in_txn_) txn_failed_ = true;
      if (wrap) (void)Exec("ROLLBACK");
      return FromPq(e, where_);
    }
    if (write) changes_ = static_cast<int64_t>(out->affected_rows());
    if (wrap) return Exec("COMMIT");
    return Status::Ok();
  }

 private:
  std::unique_ptr<pqxx::connection> c_;
  std::string where_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  bool in_txn_ = false, txn_failed_ = false;
  int64_t changes_ = 0;
  int64_t cursors_ = 0;
};

// A streamed query: DECLARE a cursor (inside a transaction: BEGIN READ ONLY when none is open),
// then FETCH it a chunk at a time.
Status PgStmt::OpenCursor() {
  own_txn_ = !c_->in_txn();
  if (own_txn_) AEGIS_RETURN_IF_ERROR(c_->Exec("BEGIN READ ONLY"));
  std::string name = c_->NextCursorName();
  Status s =
      c_->Run("", "DECLARE " + name + " NO SCROLL CURSOR FOR " + sql_, false, params_, &res_);
  if (!s.ok()) {
    if (own_txn_) (void)c_->Exec("ROLLBACK");
    own_txn_ = false;
    return s;
  }
  cursor_ = name;
  return Fetch();
}

Status PgStmt::Fetch() {
  return c_->Run("", "FETCH FORWARD " + std::to_string(kStreamChunk) + " FROM " + cursor_, false,
                 {}, &res_);
}

void PgStmt::CloseCursor() {
  if (cursor_.empty()) return;
  // Ending the cursor's own transaction closes it; errors here leave nothing to undo.
  (void)c_->Exec(own_txn_ ? "COMMIT" : "CLOSE " + cursor_);
  cursor_.clear();
  own_txn_ = false;
}

bool PgStmt::Step(Status* st) {
  if (!executed_) {
    Status s = stream_ ? OpenCursor() : c_->Run(name_, sql_, write_, params_, &res_);
    if (!s.ok()) {
      CloseCursor();
      *st = s;
      return false;
    }
    executed_ = true;
    row_ = 0;
  } else {
    ++row_;
  }
  if (row_ < static_cast<int>(res_.size())) return true;
  if (!cursor_.empty() && res_.size() == kStreamChunk) {
    Status s = Fetch();
    if (!s.ok()) *st = s;
    row_ = 0;
    if (s.ok() && !res_.empty()) return true;
  }
  CloseCursor();
  executed_ = false;  // as SQLite: a finished statement starts again at the next Step
  return false;
}

struct UrlParts {
  std::string head, db, tail;  // head ends at the '/' before the database name
};

UrlParts SplitUrl(const std::string& url) {
  UrlParts u;
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) {
    size_t q = url.find('?');
    u.head = url.substr(0, q) + "/";
    u.tail = q == std::string::npos ? "" : url.substr(q);
    return u;
  }
  u.head = url.substr(0, slash + 1);
  size_t q = url.find('?', slash);
  u.db = url.substr(slash + 1, q == std::string::npos ? std::string::npos : q - slash - 1);
  u.tail = q == std::string::npos ? "" : url.substr(q);
  return u;
}

Status CreateDatabase(const UrlParts& u, const std::string& where) {
  for (char ch : u.db) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-')
      return Status::InvalidArgument(where + ": database name '" + u.db +
                                     "' may use only letters, digits, '_' and '-'");
  }
  try {
    pqxx::connection admin(u.head + "postgres" + u.tail);
    pqxx::nontransaction tx(admin);
    // Byte-order collation: text sorts as on SQLite, so both backends list records alike.
    tx.exec("CREATE DATABASE " + tx.quote_name(u.db) +
            " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
  } catch (const pqxx::sql_error& e) {
    // Created meanwhile by another process: 42P04, or 23505 when both got past the check.
    if (e.sqlstate() != "42P04" && e.sqlstate() != "23505") return FromPq(e, where);
  } catch (const std::exception& e) {
    return FromPq(e, where);
  }
  return Status::Ok();
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t at = url.find('@', scheme + 3);
  size_t colon = url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Status DropPostgres(const std::string& url) {
  UrlParts u = SplitUrl(url);
  if (u.db.empty() || u.db == "postgres")
    return Status::InvalidArgument(RedactUrl(url) + ": name the database to drop");
  try {
    pqxx::connection admin(u.head + "postgres" + u.tail);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(u.db) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    return FromPq(e, RedactUrl(url));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Conn>> OpenPostgres(const std::string& url, bool create_if_missing) {
  std::string where = RedactUrl(url);
  UrlParts parts = SplitUrl(url);
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      auto c = std::make_unique<pqxx::connection>(url);
      {
        pqxx::nontransaction tx(*c);
        tx.exec("SET client_min_messages=warning");
      }
      return std::unique_ptr<Conn>(std::make_unique<PgConn>(std::move(c), where));
    } catch (const std::exception& e) {
      std::string msg = e.what();
      bool missing = msg.find("does not exist") != std::string::npos &&
                     msg.find("database") != std::string::npos;
      if (!missing || !create_if_missing || attempt > 0 || parts.db.empty()) {
        Status st = FromPq(e, where);
        if (missing)
          return Status::NotFound(st.message() + "; create it with `aegis --db " + where +
                                  " db migrate`");
        return st;
      }
      AEGIS_RETURN_IF_ERROR(CreateDatabase(parts, where));
    }
  }
  return Status::Internal(where + ": cannot open");
}

}  // namespace aegis::store::sql

namespace aegis::store {

bool IsPostgresUrl(const std::string& url) {
  return text::StartsWith(url, "postgresql://") || text::StartsWith(url, "postgres://");
}

}  // namespace aegis::store
