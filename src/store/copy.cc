// aegis db copy: table by table, in the order the migrations create them (parents first), in
// batches of one transaction each; then every table is read back from both sides and compared.
#include "store/copy.h"

#include <cstdio>
#include <map>
#include <memory>

#include "store/migrations.h"
#include "store/sql_store.h"
#include "util/text.h"

namespace aegis::store {

namespace {

constexpr int kBatch = 2000;

// Tables of records in creation order: a table's parents come before it.
std::vector<std::string> TablesInOrder() {
  std::vector<std::string> out;
  for (const Migration& m : Migrations()) {
    std::string_view sql = m.sql;
    const std::string_view kw = "CREATE TABLE ";
    for (size_t p = sql.find(kw); p != std::string_view::npos; p = sql.find(kw, p + 1)) {
      size_t b = p + kw.size(), e = b;
      while (e < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[e])) || sql[e] == '_'))
        ++e;
      std::string name(sql.substr(b, e - b));
      // Not records: the running processes' leases, and the target's own change counter.
      if (name != "job_lease" && name != "data_version") out.push_back(name);
    }
  }
  return out;
}

// Columns that point into their own table are written after the table: (table, column, key).
struct SelfRef {
  const char* table;
  const char* column;
  const char* key;
};
constexpr SelfRef kSelfRefs[] = {{"area", "parent_pcode", "pcode"},
                                 {"incident", "duplicate_of", "id"}};

// A value as both engines give it back: its type and canonical text.
std::string Canonical(const sql::Stmt& s, int col) {
  char buf[40];
  switch (s.Type(col)) {
    case sql::ColType::kNull:
      return "\x01";
    case sql::ColType::kInt:
      return "i" + std::to_string(s.Int(col));
    case sql::ColType::kReal:
      std::snprintf(buf, sizeof buf, "r%.17g", s.Real(col));
      return buf;
    case sql::ColType::kText:
      return "t" + s.Text(col);
  }
  return "";
}

void BindValue(sql::Stmt& ins, int i, const sql::Stmt& row, int col) {
  switch (row.Type(col)) {
    case sql::ColType::kNull:
      ins.BindNull(i);
      break;
    case sql::ColType::kInt:
      ins.Bind(i, row.Int(col));
      break;
    case sql::ColType::kReal:
      ins.Bind(i, row.Real(col));
      break;
    case sql::ColType::kText:
      ins.Bind(i, row.View(col));
      break;
  }
}

const SelfRef* SelfRefOf(const std::string& table) {
  for (const SelfRef& r : kSelfRefs)
    if (table == r.table) return &r;
  return nullptr;
}

// Rows of `table` as (count, checksum): the checksum adds each row's hash, so order is free.
Result<std::pair<int64_t, uint64_t>> TableSum(sql::Conn* c, const std::string& table) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(c, "SELECT * FROM " + table));
  Status st;
  int64_t n = 0;
  uint64_t sum = 0;
  while (s.Step(&st)) {
    std::string line;
    for (int i = 0; i < s.ColumnCount(); ++i) {
      line += s.ColumnName(i) + "=" + Canonical(s, i);
      line.push_back('\x1f');
    }
    sum += text::Hash64(line);
    ++n;
  }
  AEGIS_RETURN_IF_ERROR(st);
  return std::make_pair(n, sum);
}

Result<int64_t> CountRows(sql::Conn* c, const std::string& table) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(c, "SELECT count(*) FROM " + table));
  Status st;
  if (!s.Step(&st)) return st.ok() ? Status::Internal("no count") : st;
  return s.Int(0);
}

// Copies one table in batches. Self-referencing columns go in as NULL and are set afterwards.
Result<int64_t> CopyTable(sql::Conn* from, sql::Conn* to, const std::string& table,
                          const std::function<void(const std::string&, int64_t)>& progress) {
  const SelfRef* self = SelfRefOf(table);
  AEGIS_ASSIGN_OR_RETURN(Stmt rows, Prepare(from, "SELECT * FROM " + table));
  Status st;
  Stmt ins, fix;
  int self_col = -1, key_col = -1;
  int64_t n = 0;
  sql::WriteTx tx(to);
  std::vector<std::pair<std::string, std::string>> links;  // (key, parent) of self references
  while (rows.Step(&st)) {
    if (!ins.valid()) {
      std::string cols, marks;
      for (int i = 0; i < rows.ColumnCount(); ++i) {
        std::string name = rows.ColumnName(i);
        if (self && name == self->column) self_col = i;
        if (self && name == self->key) key_col = i;
        cols += (i ? "," : "") + name;
        marks += i ? ",?" : "?";
      }
      AEGIS_ASSIGN_OR_RETURN(
          ins, Prepare(to, "INSERT INTO " + table + "(" + cols + ") VALUES (" + marks + ")"));
    }
    if (!tx.open()) AEGIS_RETURN_IF_ERROR(tx.Begin());
    for (int i = 0; i < rows.ColumnCount(); ++i) {
      if (i == self_col && !rows.IsNull(i)) {
        links.emplace_back(rows.Text(key_col), rows.Text(i));
        ins.BindNull(i + 1);
      } else {
        BindValue(ins, i + 1, rows, i);
      }
    }
    Status w = ins.Run();
    if (!w.ok()) {
      tx.Rollback();
      return Status::InvalidArgument(table + " row " + std::to_string(n + 1) + ": " + w.message());
    }
    if (++n % kBatch == 0) {
      AEGIS_RETURN_IF_ERROR(tx.Commit());
      if (progress) progress(table, n);
    }
  }
  if (!st.ok()) {
    tx.Rollback();
    return st;
  }
  if (!links.empty()) {
    if (!tx.open()) AEGIS_RETURN_IF_ERROR(tx.Begin());
    AEGIS_ASSIGN_OR_RETURN(fix, Prepare(to, std::string("UPDATE ") + table + " SET " +
                                                self->column + "=? WHERE " + self->key + "=?"));
    Status f;
    for (const auto& [key, parent] : links) {
      if (!f.ok()) break;
      f = fix.Bind(1, parent).Bind(2, key).Run();
    }
    if (!f.ok()) {
      tx.Rollback();
      return f;
    }
  }
  if (tx.open()) AEGIS_RETURN_IF_ERROR(tx.Commit());
  if (progress) progress(table, n);
  return n;
}

// PostgreSQL identity columns continue after the copied ids.
Status ResetIdentities(sql::Conn* to, const std::vector<std::string>& tables) {
  if (to->dialect() != sql::Dialect::kPostgres) return Status::Ok();
  for (const std::string& t : tables) {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt has,
        Prepare(to,
                "SELECT 1 FROM information_schema.columns WHERE table_schema=current_schema() AND "
                "table_name=? AND column_name='id' AND is_identity='YES'"));
    Status st;
    bool identity = has.Bind(1, t).Step(&st);
    has.Reset();
    AEGIS_RETURN_IF_ERROR(st);
    if (!identity) continue;
    AEGIS_RETURN_IF_ERROR(Exec(to, "SELECT setval(pg_get_serial_sequence('" + t +
                                       "','id'), coalesce((SELECT max(id) FROM " + t +
                                       "),0)+1, false)"));
  }
  return Status::Ok();
}

}  // namespace

Result<CopyReport> CopyStore(const std::string& source, const std::string& target,
                             const std::function<void(const std::string&, int64_t)>& progress) {
  StoreOptions ro;
  ro.create_if_missing = false;
  ro.migrate = false;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<Store> src, Store::Open(source, ro));
  AEGIS_ASSIGN_OR_RETURN(int version, src->SchemaVersion());
  if (version != src->LatestSchemaVersion())
    return Status::InvalidArgument(source + ": schema version " + std::to_string(version) +
                                   ", not " + std::to_string(src->LatestSchemaVersion()) +
                                   "; run `aegis --db SOURCE db migrate` first");
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<Store> dst, Store::Open(target));
  auto* from = static_cast<SqlStore*>(src.get())->conn();
  auto* to = static_cast<SqlStore*>(dst.get())->conn();
  const std::vector<std::string> tables = TablesInOrder();
  for (const std::string& t : tables) {
    AEGIS_ASSIGN_OR_RETURN(int64_t n, CountRows(to, t));
    if (n > 0)
      return Status::AlreadyExists(to->where() + ": already holds " + std::to_string(n) +
                                   " rows in " + t +
                                   "; copy into a new file or database (nothing was written)");
  }
  CopyReport rep;
  for (const std::string& t : tables) {
    AEGIS_ASSIGN_OR_RETURN(int64_t n, CopyTable(from, to, t, progress));
    rep.tables.push_back({t, n, 0});
  }
  AEGIS_RETURN_IF_ERROR(ResetIdentities(to, tables));
  for (CopiedTable& ct : rep.tables) {
    AEGIS_ASSIGN_OR_RETURN(auto a, TableSum(from, ct.table));
    AEGIS_ASSIGN_OR_RETURN(auto b, TableSum(to, ct.table));
    if (a.first != b.first || a.second != b.second)
      return Status::Corruption(ct.table + ": the copy differs from the source (" +
                                std::to_string(a.first) + " rows read, " + std::to_string(b.first) +
                                " in the target, or their values differ); report this as a bug "
                                "and keep using the source");
    ct.rows = a.first;
    ct.checksum = a.second;
  }
  AEGIS_ASSIGN_OR_RETURN(std::string da, src->ContentDigest());
  AEGIS_ASSIGN_OR_RETURN(std::string db, dst->ContentDigest());
  if (da != db)
    return Status::Corruption("content digests differ (" + da + " / " + db +
                              "); report this as a bug and keep using the source");
  rep.digest = da;
  return rep;
}

}  // namespace aegis::store
