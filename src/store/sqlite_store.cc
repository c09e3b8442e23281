// SQLite backend of the Store interface.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "store/migrations.h"
#include "store/sqlite_internal.h"
#include "store/store.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::store {

namespace {

using sqlite::Exec;
using sqlite::Stmt;

int64_t AsSigned(uint64_t h) { return static_cast<int64_t>(h); }

std::string JoinAlt(const std::vector<std::string>& v) { return text::Join(v, "|"); }

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override {
    stmts_.clear();
    find_incident_ = Stmt();
    insert_incident_ = Stmt();
    update_incident_ = Stmt();
    sqlite3_close_v2(db_);
  }

  Status Configure(const StoreOptions& o) {
    sqlite3_busy_timeout(db_, o.busy_timeout_ms);
    return Exec(
        db_,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=16384;");
  }

  Result<int> SchemaVersion() override {
    Stmt s(db_, "SELECT count(*) FROM sqlite_master WHERE name='schema_migration'");
    Status st;
    if (!s.Step(&st) || s.Int(0) == 0) return 0;
    Stmt v(db_, "SELECT coalesce(max(version),0) FROM schema_migration");
    if (!v.Step(&st)) return st.ok() ? Status::Internal("no schema version row") : st;
    return static_cast<int>(v.Int(0));
  }

  int LatestSchemaVersion() const override { return Migrations().back().version; }

  Result<int> Migrate() override {
    AEGIS_RETURN_IF_ERROR(
        Exec(db_,
             "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER "
             "PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    AEGIS_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current > LatestSchemaVersion()) {
      return Status::Unsupported(path_ + ": schema version " + std::to_string(current) +
                                 " is newer than this aegis (" +
                                 std::to_string(LatestSchemaVersion()) + "); upgrade aegis");
    }
    int applied = 0;
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
      Status st = Exec(db_, ForDialect(m.sql, "INTEGER PRIMARY KEY", "REAL"));
      if (st.ok()) {
        Stmt ins(db_,
                 "INSERT INTO schema_migration(version, description, applied_at) "
                 "VALUES (?,?,?)");
        st = ins.Bind(1, static_cast<int64_t>(m.version))
                 .Bind(2, m.description)
                 .Bind(3, NowUtc())
                 .Run();
      }
      if (!st.ok()) {
        (void)Exec(db_, "ROLLBACK");
        return Status::Internal("migration " + std::to_string(m.version) +
                                " failed: " + st.message());
      }
      AEGIS_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
      ++applied;
    }
    AEGIS_RETURN_IF_ERROR(RestoreIndexes());
    return applied;
  }

  Status DeferIndexes() override {
    std::string sql;
    for (const IndexDef& ix : DeferrableIndexes())
      sql += std::string("DROP INDEX IF EXISTS ") + ix.name + ";";
    return Exec(db_, sql);
  }

  Status RestoreIndexes() override {
    // Building an index sorts every row: with temp_store=MEMORY a 10M-incident store would sort
    // in about 700 MB of RAM, so the sort spills to a temporary file instead.
    std::string sql = "PRAGMA temp_store=FILE;";
    for (const IndexDef& ix : DeferrableIndexes()) sql += std::string(ix.create_sql) + ";";
    Status st = Exec(db_, sql);
    (void)Exec(db_, "PRAGMA temp_store=MEMORY");
    return st;
  }

  Result<CheckReport> Check() override;
  Status Backup(const std::string& path) override;

  Result<int64_t> EnsureOrganisation(const Organisation& org) override {
    Stmt ins(db_,
             "INSERT INTO organisation(code, name, kind, created_at) VALUES (?,?,?,?) "
             "ON CONFLICT(code) DO NOTHING");
    AEGIS_RETURN_IF_ERROR(ins.Bind(1, org.code)
                              .Bind(2, org.name.empty() ? org.code : org.name)
                              .Bind(3, org.kind)
                              .Bind(4, NowUtc())
                              .Run());
    return IdByCode("organisation", org.code);
  }

  Result<int64_t> EnsureDataSource(const DataSource& src) override {
    std::optional<int64_t> org_id;
    if (!src.organisation_code.empty()) {
      AEGIS_ASSIGN_OR_RETURN(int64_t id,
                             EnsureOrganisation({0, src.organisation_code, "", "other"}));
      org_id = id;
    }
    Stmt ins(db_,
             "INSERT INTO data_source(code, name, kind, organisation_id, source_type, "
             "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(code) DO NOTHING");
    AEGIS_RETURN_IF_ERROR(ins.Bind(1, src.code)
                              .Bind(2, src.name.empty() ? src.code : src.name)
                              .Bind(3, src.kind)
                              .Bind(4, org_id)
                              .Bind(5, src.source_type)
                              .Bind(6, NowUtc())
                              .Run());
    return IdByCode("data_source", src.code);
  }

  Status UpsertAreas(const std::vector<AreaRow>& areas) override;
  Result<std::vector<AreaRow>> LoadAreas() override;
  Status UpsertPopulation(const std::vector<Population>& rows) override;
  Status PutBoundaries(int level, const std::string& geojson,
                       const std::string& source_file) override {
    Stmt s(db_,
           "INSERT INTO area_boundary(level, geojson, source_file, loaded_at) VALUES "
           "(?,?,?,?) ON CONFLICT(level) DO UPDATE SET geojson=excluded.geojson, "
           "source_file=excluded.source_file, loaded_at=excluded.loaded_at");
    return s.Bind(1, static_cast<int64_t>(level))
        .Bind(2, geojson)
        .Bind(3, source_file)
        .Bind(4, NowUtc())
        .Run();
  }
  Result<std::vector<std::pair<int, std::string>>> GetBoundaries() override {
    Stmt s(db_, "SELECT level, geojson FROM area_boundary ORDER BY level");
    std::vector<std::pair<int, std::string>> out;
    Status st;
    while (s.Step(&st)) out.emplace_back(static_cast<int>(s.Int(0)), s.Text(1));
    if (!st.ok()) return st;
    return out;
  }

  Result<ImportRun> BeginImportRun(int64_t source_id, const std::string& profile,
                                   const std::string& file_name, const std::string& sha) override;
  Result<BatchOutcome> ApplyImportBatch(const ImportBatch& batch) override;
  Status FinishImportRun(int64_t run_id, const std::string& status) override {
    Stmt s(db_, "UPDATE import_run SET status=?, finished_at=? WHERE id=?");
    return s.Bind(1, status).Bind(2, NowUtc()).Bind(3, run_id).Run();
  }
  Result<ImportRun> GetImportRun(int64_t run_id) override;
  Result<std::vector<QuarantinedRow>> ListQuarantine(int64_t source_id,
                                                     const std::string& sha) override;

  Result<RecordCounts> Counts() override;
  Result<std::vector<SummaryRow>> MonthlySummary(int level, const std::string& from,
                                                 const std::string& to) override;
  Result<std::string> ContentDigest() override;

  Status ScanIncidentFacts(const std::function<void(const IncidentFact&)>& fn) override;
  Status ScanVictimFacts(const std::function<void(const VictimFact&)>& fn) override;
  Status ScanAnswerFacts(const std::function<void(const AnswerFact&)>& fn) override;
  Result<std::vector<std::pair<std::string, int64_t>>> RiskBits() override;
  Result<std::vector<Population>> LoadPopulation() override;
  Status SetDuplicateOf(int64_t id, int64_t of) override;
  Result<int64_t> AddSeverityOverride(const SeverityOverride& o) override;
  Result<std::vector<SeverityOverride>> LoadSeverityOverrides() override;

  Result<int64_t> AddUser(const User& u) override;
  Result<std::optional<User>> FindUser(const std::string& username) override;
  Result<std::optional<User>> GetUser(int64_t id) override;
  Result<std::vector<User>> ListUsers() override;
  Status RecordLogin(int64_t user_id, int failed_logins, const std::string& locked_until) override;
  Status SetUserDisabled(int64_t user_id, bool disabled) override;
  Status SetUserPassword(int64_t user_id, const std::string& password_hash) override;
  Status PutSession(const Session& s) override;
  Result<std::optional<Session>> GetSession(const std::string& token_digest) override;
  Status DeleteSession(const std::string& token_digest) override;
  Status DeleteUserSessions(int64_t user_id) override;
  Result<std::vector<AuditRow>> AppendAudit(
      std::vector<AuditRow> rows,
      const std::function<std::string(const std::string&, const AuditRow&)>& chain) override;
  Status ScanAudit(const std::function<void(const AuditRow&)>& fn) override;
  Result<std::vector<IncidentRecord>> ListIncidents(const AccessScope& scope,
                                                    const IncidentQuery& q) override;
  Result<std::optional<IncidentRecord>> GetIncident(const AccessScope& scope, int64_t id) override;
  Result<int64_t> CreateIncident(const Incident& inc, int64_t data_source_id) override;

 private:
  Result<int64_t> IdByCode(const char* table, const std::string& code) {
    Stmt s(db_, std::string("SELECT id FROM ") + table + " WHERE code=?");
    s.Bind(1, code);
    Status st;
    if (s.Step(&st)) return s.Int(0);
    return st.ok() ? Status::NotFound(std::string(table) + " '" + code + "' not found") : st;
  }

  // Prepared statements reused across batches (prepared once per store).
  Stmt& Cached(const std::string& sql) {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) it = stmts_.emplace(sql, Stmt(db_, sql)).first;
    it->second.Reset();
    return it->second;
  }

  struct Written {
    enum Outcome { kUnchanged, kImported, kUpdated } outcome = kUnchanged;
    int64_t id = 0;
  };
  Result<std::optional<int64_t>> OrgId(const std::string& code);
  // Tries a plain insert first (the common case of a new record); on a key conflict, compares
  // content hashes and updates when they differ.
  Result<Written> UpsertIncident(const Incident& inc, const ImportBatch& b, const std::string& now,
                                 bool try_insert = true);
  Status WriteVictims(const Incident& inc, int64_t id, bool replace);
  Result<int64_t> RiskMask(const std::vector<std::string>& codes);
  Status LoadRiskBits();
  Result<int64_t> PlacementId(const Placement& p);
  Status SyncRisks(const std::vector<std::pair<std::string, int>>& risks) override;
  Status WriteReport(const MonitoringReport& r, int64_t source_id, int64_t run_id,
                     int64_t existing_id);
  Status WriteQuarantine(const QuarantinedRow& q, const ImportBatch& b);
  Result<BatchOutcome> ApplyBatchInTx(const ImportBatch& batch);
  Status AddAncestors(const std::vector<AreaRow>& areas);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, Stmt> stmts_;
  std::unordered_map<std::string, std::optional<int64_t>> org_ids_;
  std::unordered_map<std::string, int64_t> risk_bits_;
  std::vector<std::pair<std::string, int64_t>> risk_order_;  // (code, bit) by bit
  std::unordered_map<uint64_t, int64_t> placement_ids_;
  Stmt find_incident_, insert_incident_, update_incident_;  // prepared on first use
};

// The protocol's record class of an incident (see migration 3 for the same rule in SQL).
RecordClass ClassOf(const Incident& inc) {
  bool gbv = inc.act_type == "sexual_violence", child = false;
  for (const auto& r : inc.risks) {
    gbv = gbv || r == "GBV";
    child = child || r == "REC";
  }
  return gbv ? RecordClass::kGbv : child ? RecordClass::kChild : RecordClass::kIncident;
}

Status CheckStmt(const Stmt& s) {
  return s.valid() ? Status::Ok() : Status::Internal("SQLite prepare: " + s.error());
}

// ---------------------------------------------------------------------------------------------
// Areas

Status SqliteStore::UpsertAreas(const std::vector<AreaRow>& areas) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  Stmt s(db_,
         "INSERT INTO area(pcode, level, name, parent_pcode, country, alt_names, lat, lon) "
         "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(pcode) DO UPDATE SET level=excluded.level, "
         "name=excluded.name, parent_pcode=excluded.parent_pcode, country=excluded.country, "
         "alt_names=excluded.alt_names, lat=excluded.lat, lon=excluded.lon");
  Status st = CheckStmt(s);
  // Parents first, so that the foreign key holds whatever order the file had.
  std::vector<const AreaRow*> sorted;
  sorted.reserve(areas.size());
  for (const auto& a : areas) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const AreaRow* a, const AreaRow* b) { return a->level < b->level; });
  for (const AreaRow* a : sorted) {
    if (!st.ok()) break;
    s.Bind(1, a->pcode).Bind(2, static_cast<int64_t>(a->level)).Bind(3, a->name);
    if (a->parent_pcode.empty())
      s.BindNull(4);
    else
      s.Bind(4, a->parent_pcode);
    s.Bind(5, a->country).Bind(6, JoinAlt(a->alt_names)).Bind(7, a->lat).Bind(8, a->lon);
    st = s.Run();
    if (!st.ok())
      st = Status::InvalidArgument("area " + a->pcode + ": " + st.message() + "; is its parent " +
                                   a->parent_pcode + " loaded?");
  }
  if (st.ok()) st = AddAncestors(areas);
  AEGIS_RETURN_IF_ERROR(Exec(db_, st.ok() ? "COMMIT" : "ROLLBACK"));
  return st;
}

Status SqliteStore::AddAncestors(const std::vector<AreaRow>& areas) {
  // The closure table lets every query roll a record up to any level with one join.
  Stmt up(db_, "SELECT parent_pcode, level FROM area WHERE pcode=?");
  Stmt ins(db_,
           "INSERT INTO area_ancestor(pcode, ancestor_pcode, ancestor_level) VALUES (?,?,?) "
           "ON CONFLICT(pcode, ancestor_level) DO UPDATE SET "
           "ancestor_pcode=excluded.ancestor_pcode");
  Stmt del(db_, "DELETE FROM area_ancestor WHERE pcode=?");
  Status st;
  for (const AreaRow& a : areas) {
    AEGIS_RETURN_IF_ERROR(del.Bind(1, a.pcode).Run());
    std::string cur = a.pcode;
    for (int guard = 0; guard < 10 && !cur.empty(); ++guard) {
      up.Bind(1, cur);
      if (!up.Step(&st)) {
        up.Reset();
        break;
      }
      std::string parent = up.Text(0);
      int64_t level = up.Int(1);
      up.Reset();
      AEGIS_RETURN_IF_ERROR(ins.Bind(1, a.pcode).Bind(2, cur).Bind(3, level).Run());
      cur = parent;
    }
  }
  return st;
}

Result<std::vector<AreaRow>> SqliteStore::LoadAreas() {
  Stmt s(db_,
         "SELECT pcode, level, name, coalesce(parent_pcode,''), country, alt_names, lat, lon "
         "FROM area ORDER BY level, pcode");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  std::vector<AreaRow> out;
  Status st;
  while (s.Step(&st)) {
    AreaRow a;
    a.pcode = s.Text(0);
    a.level = static_cast<int>(s.Int(1));
    a.name = s.Text(2);
    a.parent_pcode = s.Text(3);
    a.country = s.Text(4);
    std::string alt = s.Text(5);
    if (!alt.empty()) a.alt_names = text::Split(alt, '|');
    if (!s.IsNull(6)) a.lat = s.Real(6);
    if (!s.IsNull(7)) a.lon = s.Real(7);
    out.push_back(std::move(a));
  }
  if (!st.ok()) return st;
  return out;
}

Status SqliteStore::UpsertPopulation(const std::vector<Population>& rows) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  Stmt s(db_,
         "INSERT INTO population(pcode, year, source, total, female, male) VALUES "
         "(?,?,?,?,?,?) ON CONFLICT(pcode, year, source) DO UPDATE SET total=excluded.total,"
         " female=excluded.female, male=excluded.male");
  Status st = CheckStmt(s);
  for (const auto& p : rows) {
    if (!st.ok()) break;
    st = s.Bind(1, p.pcode)
             .Bind(2, static_cast<int64_t>(p.year))
             .Bind(3, p.source)
             .Bind(4, p.total)
             .Bind(5, p.female)
             .Bind(6, p.male)
             .Run();
    if (!st.ok())
      st = Status::InvalidArgument("population for " + p.pcode + ": " + st.message() +
                                   "; load the admin areas first (aegis areas import)");
  }
  AEGIS_RETURN_IF_ERROR(Exec(db_, st.ok() ? "COMMIT" : "ROLLBACK"));
  return st;
}

// ---------------------------------------------------------------------------------------------
// Imports

Result<ImportRun> SqliteStore::BeginImportRun(int64_t source_id, const std::string& profile,
                                              const std::string& file_name,
                                              const std::string& sha) {
  Stmt find(db_,
            "SELECT id FROM import_run WHERE data_source_id=? AND file_sha256=? AND "
            "profile=? AND status='running' ORDER BY id DESC LIMIT 1");
  find.Bind(1, source_id).Bind(2, sha).Bind(3, profile);
  Status st;
  if (find.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(ImportRun run, GetImportRun(find.Int(0)));
    run.resumed = true;
    return run;
  }
  AEGIS_RETURN_IF_ERROR(st);
  Stmt ins(db_,
           "INSERT INTO import_run(data_source_id, profile, file_name, file_sha256, status, "
           "started_at) VALUES (?,?,?,?,'running',?)");
  AEGIS_RETURN_IF_ERROR(ins.Bind(1, source_id)
                            .Bind(2, profile)
                            .Bind(3, file_name)
                            .Bind(4, sha)
                            .Bind(5, NowUtc())
                            .Run());
  return GetImportRun(sqlite3_last_insert_rowid(db_));
}

Result<ImportRun> SqliteStore::GetImportRun(int64_t run_id) {
  Stmt s(db_,
         "SELECT id, data_source_id, profile, file_name, file_sha256, status, rows_done, "
         "n_read, n_imported, n_updated, n_unchanged, n_quarantined FROM import_run WHERE id=?");
  s.Bind(1, run_id);
  Status st;
  if (!s.Step(&st)) return st.ok() ? Status::NotFound("import run " + std::to_string(run_id)) : st;
  ImportRun r;
  r.id = s.Int(0);
  r.data_source_id = s.Int(1);
  r.profile = s.Text(2);
  r.file_name = s.Text(3);
  r.file_sha256 = s.Text(4);
  r.status = s.Text(5);
  r.rows_done = s.Int(6);
  r.read = s.Int(7);
  r.imported = s.Int(8);
  r.updated = s.Int(9);
  r.unchanged = s.Int(10);
  r.quarantined = s.Int(11);
  return r;
}

Result<std::optional<int64_t>> SqliteStore::OrgId(const std::string& code) {
  if (code.empty()) return std::optional<int64_t>();
  auto it = org_ids_.find(code);
  if (it != org_ids_.end()) return it->second;
  AEGIS_ASSIGN_OR_RETURN(int64_t id, EnsureOrganisation({0, code, code, "other"}));
  org_ids_[code] = id;
  return std::optional<int64_t>(id);
}

// Inserts a new incident, updates a changed one, skips an unchanged one. Three prepared
// statements, prepared once. (A single INSERT ... ON CONFLICT DO UPDATE ...
// RETURNING was measured at about twice the instructions per row in SQLite 3.40: RETURNING
// materialises an ephemeral table per execution.)
Result<SqliteStore::Written> SqliteStore::UpsertIncident(const Incident& inc, const ImportBatch& b,
                                                         const std::string& now, bool try_insert) {
  static const char* kCols =
      "content_hash, date_start, date_end, country, area_pcode, area_level, placement_id, "
      "lat, lon, risk_mask, event_type, act_type, "
      "perpetrator, perpetrator_detail, killed, injured, organisation_id, source_type, "
      "verification, sensitivity, consent_share, consent_referral, consent_tracing, narrative, "
      "import_run_id, source_row, updated_at, record_class, sensitivity_rank";
  if (!insert_incident_.valid()) {
    find_incident_ = Stmt(db_,
                          "SELECT id, content_hash FROM incident WHERE data_source_id=? AND "
                          "source_key=?");
    insert_incident_ = Stmt(
        db_,
        std::string("INSERT INTO incident(") + kCols +
            ", data_source_id, source_key, created_run_id, created_at) VALUES (?1,?2,?3,?4,"
            "?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,"
            "?26,?27,?28,?29,?30,?31,?25,?27) ON CONFLICT(data_source_id, source_key) DO NOTHING");
    update_incident_ = Stmt(db_, std::string("UPDATE incident SET (") + kCols +
                                     ") = (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                                     "?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29) "
                                     "WHERE id=?30");
    for (const Stmt* st : {&find_incident_, &insert_incident_, &update_incident_})
      AEGIS_RETURN_IF_ERROR(CheckStmt(*st));
  }
  Written w;
  Status st;
  if (!try_insert) {
    find_incident_.Bind(1, b.data_source_id).BindStatic(2, inc.source_key);
    int64_t hash = 0;
    if (find_incident_.Step(&st)) {
      w.id = find_incident_.Int(0);
      hash = find_incident_.Int(1);
    }
    find_incident_.Reset();
    AEGIS_RETURN_IF_ERROR(st);
    if (w.id && hash == AsSigned(inc.content_hash)) return w;  // unchanged
  }
  AEGIS_ASSIGN_OR_RETURN(std::optional<int64_t> org, OrgId(inc.organisation_code));
  AEGIS_ASSIGN_OR_RETURN(int64_t mask, RiskMask(inc.risks));
  AEGIS_ASSIGN_OR_RETURN(int64_t placement, PlacementId(inc.place));
  Stmt& s = w.id ? update_incident_ : insert_incident_;
  const Placement& p = inc.place;
  s.Bind(1, AsSigned(inc.content_hash))
      .BindStatic(2, inc.date_start)
      .BindStatic(3, inc.date_end)
      .BindStatic(4, inc.country);
  if (p.pcode.empty())
    s.BindNull(5);
  else
    s.BindStatic(5, p.pcode);
  s.Bind(6, static_cast<int64_t>(p.level))
      .Bind(7, placement)
      .Bind(8, inc.lat)
      .Bind(9, inc.lon)
      .Bind(10, mask)
      .BindStatic(11, inc.event_type)
      .BindStatic(12, inc.act_type)
      .BindStatic(13, inc.perpetrator)
      .BindStatic(14, inc.perpetrator_detail)
      .Bind(15, inc.killed)
      .Bind(16, inc.injured)
      .Bind(17, org)
      .BindStatic(18, inc.source_type)
      .BindStatic(19, inc.verification)
      .BindStatic(20, inc.sensitivity)
      .Bind(21, inc.consent_share)
      .Bind(22, inc.consent_referral)
      .Bind(23, inc.consent_tracing)
      .BindStatic(24, inc.narrative)
      .Bind(25, b.run_id > 0 ? std::optional<int64_t>(b.run_id) : std::nullopt)
      .Bind(26, inc.source_row)
      .BindStatic(27, now)
      .Bind(28, static_cast<int64_t>(ClassOf(inc)))
      .Bind(29, static_cast<int64_t>(SensitivityRank(inc.sensitivity).value_or(3)));
  if (w.id) {
    s.Bind(30, w.id);
  } else {
    s.Bind(30, b.data_source_id).BindStatic(31, inc.source_key);
  }
  s.Step(&st);
  s.Reset();
  AEGIS_RETURN_IF_ERROR(st);
  if (!w.id && sqlite3_changes(db_) == 0) {
    // The key exists (INSERT ... ON CONFLICT DO NOTHING did nothing): compare and update.
    return UpsertIncident(inc, b, now, /*try_insert=*/false);
  }
  w.outcome = w.id ? Written::kUpdated : Written::kImported;
  if (!w.id) w.id = sqlite3_last_insert_rowid(db_);
  return w;
}

Status SqliteStore::WriteVictims(const Incident& inc, int64_t id, bool replace) {
  if (replace) {
    AEGIS_RETURN_IF_ERROR(
        Cached("DELETE FROM incident_victim WHERE incident_id=?").Bind(1, id).Run());
  }
  if (inc.victims.empty()) return Status::Ok();
  Stmt& v = Cached(
      "INSERT INTO incident_victim(incident_id, sex, age_band, disability, "
      "displacement, count) VALUES (?,?,?,?,?,?) ON CONFLICT(incident_id, sex, "
      "age_band, disability, displacement) DO UPDATE SET count=incident_victim.count"
      "+excluded.count");
  for (const auto& g : inc.victims) {
    AEGIS_RETURN_IF_ERROR(v.Bind(1, id)
                              .Bind(2, g.sex)
                              .Bind(3, g.age_band)
                              .Bind(4, g.disability)
                              .Bind(5, g.displacement)
                              .Bind(6, g.count)
                              .Run());
  }
  return Status::Ok();
}

// Reads the risk table into the caches (by code, and in bit order).
Status SqliteStore::LoadRiskBits() {
  risk_bits_.clear();
  risk_order_.clear();
  Stmt all(db_, "SELECT code, bit FROM risk ORDER BY bit");
  Status st;
  while (all.Step(&st)) {
    risk_bits_[all.Text(0)] = all.Int(1);
    risk_order_.emplace_back(all.Text(0), all.Int(1));
  }
  return st;
}

Result<int64_t> SqliteStore::RiskMask(const std::vector<std::string>& codes) {
  // A connection that did not sync the risks (a server's) reads them once.
  if (risk_bits_.empty() && !codes.empty()) AEGIS_RETURN_IF_ERROR(LoadRiskBits());
  int64_t mask = 0;
  for (const auto& c : codes) {
    auto it = risk_bits_.find(c);
    if (it == risk_bits_.end()) {
      return Status::InvalidArgument("risk code '" + c +
                                     "' is not in the store's risk table; the "
                                     "taxonomy and the store disagree: run the import again");
    }
    mask |= it->second;
  }
  return mask;
}

// Placements repeat: one row per distinct resolution (place as written, method, area, note),
// shared by every record placed the same way. Cached by a 64-bit hash of those fields.
Result<int64_t> SqliteStore::PlacementId(const Placement& p) {
  uint64_t key =
      text::Hash64(p.text, text::Hash64(p.note, text::Hash64(p.method, text::Hash64(p.pcode))));
  auto it = placement_ids_.find(key);
  if (it != placement_ids_.end()) return it->second;
  Stmt& ins = Cached(
      "INSERT INTO placement(pcode, level, method, confidence, place_text, note) "
      "VALUES (?,?,?,?,?,?) ON CONFLICT(place_text, method, pcode, note) DO "
      "NOTHING");
  AEGIS_RETURN_IF_ERROR(ins.Bind(1, p.pcode)
                            .Bind(2, static_cast<int64_t>(p.level))
                            .Bind(3, p.method)
                            .Bind(4, p.confidence)
                            .Bind(5, p.text)
                            .Bind(6, p.note)
                            .Run());
  Stmt& find = Cached(
      "SELECT id FROM placement WHERE place_text=? AND method=? AND pcode=? AND "
      "note=?");
  find.Bind(1, p.text).Bind(2, p.method).Bind(3, p.pcode).Bind(4, p.note);
  Status st;
  int64_t id = find.Step(&st) ? find.Int(0) : 0;
  find.Reset();
  AEGIS_RETURN_IF_ERROR(st);
  if (!id) return Status::Internal("placement row missing after insert");
  placement_ids_[key] = id;
  return id;
}

Status SqliteStore::SyncRisks(const std::vector<std::pair<std::string, int>>& risks) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  Stmt s(db_,
         "INSERT INTO risk(code, id, bit, label) VALUES (?,?,?,?) ON CONFLICT(code) DO "
         "NOTHING");
  Status st = CheckStmt(s);
  for (const auto& [code, id] : risks) {
    if (!st.ok()) break;
    if (id < 1 || id > 62)
      st = Status::InvalidArgument("risk " + code + ": id must be 1..62");
    else
      st = s.Bind(1, code)
               .Bind(2, static_cast<int64_t>(id))
               .Bind(3, int64_t{1} << (id - 1))
               .Bind(4, code)
               .Run();
  }
  AEGIS_RETURN_IF_ERROR(Exec(db_, st.ok() ? "COMMIT" : "ROLLBACK"));
  AEGIS_RETURN_IF_ERROR(st);
  return LoadRiskBits();
}

Status SqliteStore::WriteReport(const MonitoringReport& r, int64_t source_id, int64_t run_id,
                                int64_t existing_id) {
  AEGIS_ASSIGN_OR_RETURN(std::optional<int64_t> org, OrgId(r.organisation_code));
  AEGIS_ASSIGN_OR_RETURN(int64_t placement, PlacementId(r.place));
  Stmt& s = existing_id
                ? Cached(
                      "UPDATE monitoring_report SET (content_hash, period_start, period_end, "
                      "area_pcode, area_level, placement_id, respondent_type, organisation_id, "
                      "import_run_id, source_row, updated_at) = (?,?,?,?,?,?,?,?,?,?,?) WHERE "
                      "id=?12")
                : Cached(
                      "INSERT INTO monitoring_report(content_hash, period_start, period_end, "
                      "area_pcode, area_level, placement_id, respondent_type, organisation_id, "
                      "import_run_id, source_row, updated_at, data_source_id, source_key, "
                      "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?11)");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  s.Bind(1, AsSigned(r.content_hash)).Bind(2, r.period_start).Bind(3, r.period_end);
  if (r.place.pcode.empty())
    s.BindNull(4);
  else
    s.Bind(4, r.place.pcode);
  s.Bind(5, static_cast<int64_t>(r.place.level))
      .Bind(6, placement)
      .Bind(7, r.respondent_type)
      .Bind(8, org)
      .Bind(9, run_id)
      .Bind(10, r.source_row)
      .Bind(11, NowUtc());
  if (existing_id)
    s.Bind(12, existing_id);
  else
    s.Bind(12, source_id).Bind(13, r.source_key);
  AEGIS_RETURN_IF_ERROR(s.Run());
  int64_t id = existing_id ? existing_id : sqlite3_last_insert_rowid(db_);
  if (existing_id) {
    AEGIS_RETURN_IF_ERROR(
        Cached("DELETE FROM monitoring_answer WHERE report_id=?").Bind(1, id).Run());
  }
  Stmt& a = Cached(
      "INSERT INTO monitoring_answer(report_id, risk, present, severity) VALUES "
      "(?,?,?,?) ON CONFLICT(report_id, risk) DO UPDATE SET present=excluded.present,"
      " severity=excluded.severity");
  for (const RiskAnswer& ans : r.answers) {
    std::optional<int64_t> sev;
    if (ans.severity) sev = *ans.severity;
    AEGIS_RETURN_IF_ERROR(a.Bind(1, id).Bind(2, ans.risk).Bind(3, ans.present).Bind(4, sev).Run());
  }
  return Status::Ok();
}

Status SqliteStore::WriteQuarantine(const QuarantinedRow& q, const ImportBatch& b) {
  Stmt& s = Cached(
      "INSERT INTO quarantine(data_source_id, file_sha256, row_no, import_run_id, "
      "column_name, reason, hint, raw, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(data_source_id, file_sha256, row_no) DO UPDATE SET "
      "import_run_id=excluded.import_run_id, column_name=excluded.column_name, "
      "reason=excluded.reason, hint=excluded.hint, raw=excluded.raw");
  return s.Bind(1, b.data_source_id)
      .Bind(2, b.file_sha256)
      .Bind(3, q.row)
      .Bind(4, b.run_id)
      .Bind(5, q.column)
      .Bind(6, q.reason)
      .Bind(7, q.hint)
      .Bind(8, q.raw_json)
      .Bind(9, NowUtc())
      .Run();
}

Result<BatchOutcome> SqliteStore::ApplyBatchInTx(const ImportBatch& b) {
  BatchOutcome out;
  const std::string now = NowUtc();
  for (const Incident& inc : b.incidents) {
    AEGIS_ASSIGN_OR_RETURN(Written w, UpsertIncident(inc, b, now));
    if (w.outcome == Written::kUnchanged) {
      ++out.unchanged;
      continue;
    }
    ++(w.outcome == Written::kImported ? out.imported : out.updated);
    AEGIS_RETURN_IF_ERROR(WriteVictims(inc, w.id, w.outcome == Written::kUpdated));
  }
  Stmt& find_r = Cached(
      "SELECT id, content_hash FROM monitoring_report WHERE data_source_id=? "
      "AND source_key=?");
  for (const MonitoringReport& r : b.reports) {
    find_r.Bind(1, b.data_source_id).Bind(2, r.source_key);
    Status st;
    int64_t existing = 0, hash = 0;
    if (find_r.Step(&st)) {
      existing = find_r.Int(0);
      hash = find_r.Int(1);
    }
    find_r.Reset();
    AEGIS_RETURN_IF_ERROR(st);
    if (existing && hash == AsSigned(r.content_hash)) {
      ++out.unchanged;
      continue;
    }
    AEGIS_RETURN_IF_ERROR(WriteReport(r, b.data_source_id, b.run_id, existing));
    ++(existing ? out.updated : out.imported);
  }
  out.unchanged += b.also_unchanged;
  for (const QuarantinedRow& q : b.quarantined) AEGIS_RETURN_IF_ERROR(WriteQuarantine(q, b));
  Stmt& run = Cached(
      "UPDATE import_run SET rows_done=?, n_read=n_read+?, "
      "n_imported=n_imported+?, n_updated=n_updated+?, n_unchanged=n_unchanged+?, "
      "n_quarantined=n_quarantined+? WHERE id=?");
  AEGIS_RETURN_IF_ERROR(run.Bind(1, b.rows_done)
                            .Bind(2, b.rows_read)
                            .Bind(3, out.imported)
                            .Bind(4, out.updated)
                            .Bind(5, out.unchanged)
                            .Bind(6, static_cast<int64_t>(b.quarantined.size()))
                            .Bind(7, b.run_id)
                            .Run());
  return out;
}

// Foreign-key enforcement is switched off for the batch (it costs about 15% of the instructions
// per row: five parent lookups). Every reference a batch writes comes from this store itself:
// the data source, run and organisation ids were created by it, and area P-codes were resolved
// against the areas it holds, which no command deletes. `db check` verifies all foreign keys.
Result<BatchOutcome> SqliteStore::ApplyImportBatch(const ImportBatch& batch) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "PRAGMA foreign_keys=OFF; BEGIN IMMEDIATE"));
  Result<BatchOutcome> r = ApplyBatchInTx(batch);
  if (!r.ok()) {
    (void)Exec(db_, "ROLLBACK; PRAGMA foreign_keys=ON");
    org_ids_.clear();  // ids created in the rolled-back transaction are gone
    placement_ids_.clear();
    return r.status();
  }
  Status st = Exec(db_, "COMMIT");
  (void)Exec(db_, "PRAGMA foreign_keys=ON");
  AEGIS_RETURN_IF_ERROR(st);
  return r;
}

Result<std::vector<QuarantinedRow>> SqliteStore::ListQuarantine(int64_t source_id,
                                                                const std::string& sha) {
  Stmt s(db_,
         "SELECT row_no, column_name, reason, hint, raw FROM quarantine WHERE "
         "data_source_id=? AND file_sha256=? ORDER BY row_no");
  s.Bind(1, source_id).Bind(2, sha);
  std::vector<QuarantinedRow> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4)});
  if (!st.ok()) return st;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading, checking, backup

Result<RecordCounts> SqliteStore::Counts() {
  RecordCounts c;
  struct Q {
    const char* table;
    int64_t* out;
  };
  Q qs[] = {{"organisation", &c.organisations},
            {"data_source", &c.data_sources},
            {"area", &c.areas},
            {"population", &c.population},
            {"incident", &c.incidents},
            {"monitoring_report", &c.reports},
            {"quarantine", &c.quarantined},
            {"import_run", &c.import_runs}};
  for (auto& q : qs) {
    Stmt s(db_, std::string("SELECT count(*) FROM ") + q.table);
    AEGIS_RETURN_IF_ERROR(CheckStmt(s));
    Status st;
    if (s.Step(&st)) *q.out = s.Int(0);
    AEGIS_RETURN_IF_ERROR(st);
  }
  return c;
}

Result<std::vector<SummaryRow>> SqliteStore::MonthlySummary(int level, const std::string& from,
                                                            const std::string& to) {
  Stmt s(db_,
         "SELECT aa.ancestor_pcode, a.name, substr(i.date_start,1,7) AS month, "
         "coalesce(r.code,'') AS risk, count(*), coalesce(sum(i.killed),0), "
         "coalesce(sum((SELECT sum(count) FROM incident_victim v WHERE v.incident_id=i.id)),0), "
         "count(DISTINCT i.data_source_id) "
         "FROM incident i JOIN area_ancestor aa ON aa.pcode=i.area_pcode AND aa.ancestor_level=?1 "
         "JOIN area a ON a.pcode=aa.ancestor_pcode "
         "LEFT JOIN risk r ON (i.risk_mask & r.bit) <> 0 "
         "WHERE i.date_start>=?2 AND i.date_start<=?3 "
         "GROUP BY aa.ancestor_pcode, a.name, month, risk "
         "UNION ALL "
         "SELECT aa.ancestor_pcode, a.name, substr(i.date_start,1,7) AS month, '*', count(*), "
         "coalesce(sum(i.killed),0), "
         "coalesce(sum((SELECT sum(count) FROM incident_victim v WHERE v.incident_id=i.id)),0), "
         "count(DISTINCT i.data_source_id) "
         "FROM incident i JOIN area_ancestor aa ON aa.pcode=i.area_pcode AND aa.ancestor_level=?1 "
         "JOIN area a ON a.pcode=aa.ancestor_pcode "
         "WHERE i.date_start>=?2 AND i.date_start<=?3 "
         "GROUP BY aa.ancestor_pcode, a.name, month "
         "ORDER BY 3, 1, 4");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  s.Bind(1, static_cast<int64_t>(level)).Bind(2, from).Bind(3, to);
  std::vector<SummaryRow> out;
  Status st;
  while (s.Step(&st)) {
    out.push_back(
        {s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Int(6), s.Int(7)});
  }
  if (!st.ok()) return st;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Analysis reads

Status SqliteStore::ScanIncidentFacts(const std::function<void(const IncidentFact&)>& fn) {
  Stmt s(db_,
         "SELECT id, area_pcode, date_start, source_type, sensitivity, act_type, risk_mask, "
         "coalesce(killed,0), coalesce(injured,0), coalesce(organisation_id,0), "
         "coalesce(duplicate_of,0) FROM incident WHERE area_pcode IS NOT NULL ORDER BY id");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  IncidentFact f;
  Status st;
  while (s.Step(&st)) {
    f.id = s.Int(0);
    f.area_pcode = s.View(1);
    f.date_start = s.View(2);
    f.source_type = s.View(3);
    f.sensitivity = s.View(4);
    f.act_type = s.View(5);
    f.risk_mask = s.Int(6);
    f.killed = s.Int(7);
    f.injured = s.Int(8);
    f.organisation_id = s.Int(9);
    f.duplicate_of = s.Int(10);
    fn(f);
  }
  return st;
}

Status SqliteStore::ScanVictimFacts(const std::function<void(const VictimFact&)>& fn) {
  Stmt s(db_,
         "SELECT incident_id, sex, age_band, disability, displacement, count FROM incident_victim "
         "ORDER BY incident_id");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  VictimFact f;
  Status st;
  while (s.Step(&st)) {
    f.incident_id = s.Int(0);
    f.sex = s.View(1);
    f.age_band = s.View(2);
    f.disability = s.View(3);
    f.displacement = s.View(4);
    f.count = s.Int(5);
    fn(f);
  }
  return st;
}

Status SqliteStore::ScanAnswerFacts(const std::function<void(const AnswerFact&)>& fn) {
  Stmt s(db_,
         "SELECT r.area_pcode, r.period_start, a.risk, coalesce(a.present,-1), "
         "coalesce(a.severity,0), coalesce(r.organisation_id,0) FROM monitoring_answer a JOIN "
         "monitoring_report r ON r.id=a.report_id WHERE r.area_pcode IS NOT NULL");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  AnswerFact f;
  Status st;
  while (s.Step(&st)) {
    f.area_pcode = s.View(0);
    f.period_start = s.View(1);
    f.risk = s.View(2);
    f.present = static_cast<int>(s.Int(3));
    f.severity = static_cast<int>(s.Int(4));
    f.organisation_id = s.Int(5);
    fn(f);
  }
  return st;
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteStore::RiskBits() {
  Stmt s(db_, "SELECT code, bit FROM risk ORDER BY id");
  std::vector<std::pair<std::string, int64_t>> out;
  Status st;
  while (s.Step(&st)) out.emplace_back(s.Text(0), s.Int(1));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<Population>> SqliteStore::LoadPopulation() {
  Stmt s(db_,
         "SELECT pcode, year, total, female, male, source FROM population ORDER BY pcode, year");
  std::vector<Population> out;
  Status st;
  while (s.Step(&st)) {
    Population p;
    p.pcode = s.Text(0);
    p.year = static_cast<int>(s.Int(1));
    p.total = s.Int(2);
    if (!s.IsNull(3)) p.female = s.Int(3);
    if (!s.IsNull(4)) p.male = s.Int(4);
    p.source = s.Text(5);
    out.push_back(std::move(p));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqliteStore::SetDuplicateOf(int64_t id, int64_t of) {
  if (id == of) return Status::InvalidArgument("an incident cannot duplicate itself");
  Stmt s(db_, "UPDATE incident SET duplicate_of=? WHERE id=?");
  if (of == 0)
    s.BindNull(1);
  else
    s.Bind(1, of);
  s.Bind(2, id);
  AEGIS_RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) == 0) return Status::NotFound("incident " + std::to_string(id));
  return Status::Ok();
}

Result<int64_t> SqliteStore::AddSeverityOverride(const SeverityOverride& o) {
  if (o.phase < 1 || o.phase > 5)
    return Status::InvalidArgument("phase " + std::to_string(o.phase) + ": give 1 to 5");
  if (text::Trim(o.rationale).empty())
    return Status::InvalidArgument("an override needs a written rationale (--rationale)");
  if (text::Trim(o.author).empty())
    return Status::InvalidArgument("an override needs its author (--by)");
  Stmt s(db_,
         "INSERT INTO severity_override(area_pcode, risk, period, phase, rationale, author, "
         "created_at) VALUES (?,?,?,?,?,?,?)");
  AEGIS_RETURN_IF_ERROR(s.Bind(1, o.area_pcode)
                            .Bind(2, o.risk)
                            .Bind(3, o.period)
                            .Bind(4, static_cast<int64_t>(o.phase))
                            .Bind(5, o.rationale)
                            .Bind(6, o.author)
                            .Bind(7, o.created_at.empty() ? NowUtc() : o.created_at)
                            .Run());
  return sqlite3_last_insert_rowid(db_);
}

Result<std::vector<SeverityOverride>> SqliteStore::LoadSeverityOverrides() {
  Stmt s(db_,
         "SELECT id, area_pcode, risk, period, phase, rationale, author, created_at FROM "
         "severity_override ORDER BY id");
  std::vector<SeverityOverride> out;
  Status st;
  while (s.Step(&st)) {
    SeverityOverride o;
    o.id = s.Int(0);
    o.area_pcode = s.Text(1);
    o.risk = s.Text(2);
    o.period = s.Text(3);
    o.phase = static_cast<int>(s.Int(4));
    o.rationale = s.Text(5);
    o.author = s.Text(6);
    o.created_at = s.Text(7);
    out.push_back(std::move(o));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Accounts

namespace {

constexpr const char* kUserCols =
    "u.id, u.username, u.display_name, coalesce(o.code,''), u.role, u.password_hash, u.disabled, "
    "u.failed_logins, u.locked_until, u.created_at FROM app_user u LEFT JOIN organisation o ON "
    "o.id=u.organisation_id";

User UserFrom(const Stmt& s) {
  User u;
  u.id = s.Int(0);
  u.username = s.Text(1);
  u.display_name = s.Text(2);
  u.organisation_code = s.Text(3);
  u.role = s.Text(4);
  u.password_hash = s.Text(5);
  u.disabled = s.Int(6) != 0;
  u.failed_logins = static_cast<int>(s.Int(7));
  u.locked_until = s.Text(8);
  u.created_at = s.Text(9);
  return u;
}

}  // namespace

Result<int64_t> SqliteStore::AddUser(const User& u) {
  std::optional<int64_t> org;
  if (!u.organisation_code.empty()) {
    Result<int64_t> id = IdByCode("organisation", u.organisation_code);
    if (!id.ok())
      return Status::NotFound("organisation '" + u.organisation_code +
                              "' is not in the store; import its data or create it first");
    org = *id;
  }
  std::string now = NowUtc();
  Stmt s(db_,
         "INSERT INTO app_user(username, display_name, organisation_id, role, password_hash, "
         "created_at, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(username) DO NOTHING");
  AEGIS_RETURN_IF_ERROR(s.Bind(1, u.username)
                            .Bind(2, u.display_name)
                            .Bind(3, org)
                            .Bind(4, u.role)
                            .Bind(5, u.password_hash)
                            .Bind(6, now)
                            .Bind(7, now)
                            .Run());
  if (sqlite3_changes(db_) == 0)
    return Status::AlreadyExists("user '" + u.username + "' exists; choose another name");
  return sqlite3_last_insert_rowid(db_);
}

Result<std::optional<User>> SqliteStore::FindUser(const std::string& username) {
  Stmt s(db_, std::string("SELECT ") + kUserCols + " WHERE u.username=?");
  s.Bind(1, username);
  Status st;
  if (s.Step(&st)) return std::optional<User>(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<User>();
}

Result<std::optional<User>> SqliteStore::GetUser(int64_t id) {
  Stmt s(db_, std::string("SELECT ") + kUserCols + " WHERE u.id=?");
  s.Bind(1, id);
  Status st;
  if (s.Step(&st)) return std::optional<User>(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<User>();
}

Result<std::vector<User>> SqliteStore::ListUsers() {
  Stmt s(db_, std::string("SELECT ") + kUserCols + " ORDER BY u.username");
  std::vector<User> out;
  Status st;
  while (s.Step(&st)) out.push_back(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqliteStore::RecordLogin(int64_t user_id, int failed_logins,
                                const std::string& locked_until) {
  return Stmt(db_, "UPDATE app_user SET failed_logins=?, locked_until=? WHERE id=?")
      .Bind(1, static_cast<int64_t>(failed_logins))
      .Bind(2, locked_until)
      .Bind(3, user_id)
      .Run();
}

Status SqliteStore::SetUserDisabled(int64_t user_id, bool disabled) {
  AEGIS_RETURN_IF_ERROR(Stmt(db_, "UPDATE app_user SET disabled=?, updated_at=? WHERE id=?")
                            .Bind(1, static_cast<int64_t>(disabled ? 1 : 0))
                            .Bind(2, NowUtc())
                            .Bind(3, user_id)
                            .Run());
  if (sqlite3_changes(db_) == 0) return Status::NotFound("user " + std::to_string(user_id));
  return disabled ? DeleteUserSessions(user_id) : Status::Ok();
}

Status SqliteStore::SetUserPassword(int64_t user_id, const std::string& password_hash) {
  AEGIS_RETURN_IF_ERROR(
      Stmt(db_,
           "UPDATE app_user SET password_hash=?, failed_logins=0, locked_until='', updated_at=? "
           "WHERE id=?")
          .Bind(1, password_hash)
          .Bind(2, NowUtc())
          .Bind(3, user_id)
          .Run());
  if (sqlite3_changes(db_) == 0) return Status::NotFound("user " + std::to_string(user_id));
  return DeleteUserSessions(user_id);
}

Status SqliteStore::PutSession(const Session& x) {
  return Stmt(db_,
              "INSERT INTO app_session(token_digest, user_id, created_at, expires_at) VALUES "
              "(?,?,?,?)")
      .Bind(1, x.token_digest)
      .Bind(2, x.user_id)
      .Bind(3, x.created_at)
      .Bind(4, x.expires_at)
      .Run();
}

Result<std::optional<Session>> SqliteStore::GetSession(const std::string& token_digest) {
  Stmt s(db_,
         "SELECT token_digest, user_id, created_at, expires_at FROM app_session WHERE "
         "token_digest=?");
  s.Bind(1, token_digest);
  Status st;
  if (s.Step(&st))
    return std::optional<Session>(Session{s.Text(0), s.Int(1), s.Text(2), s.Text(3)});
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<Session>();
}

Status SqliteStore::DeleteSession(const std::string& token_digest) {
  return Stmt(db_, "DELETE FROM app_session WHERE token_digest=?").Bind(1, token_digest).Run();
}

Status SqliteStore::DeleteUserSessions(int64_t user_id) {
  return Stmt(db_, "DELETE FROM app_session WHERE user_id=?").Bind(1, user_id).Run();
}

// ---------------------------------------------------------------------------------------------
// Audit

Result<std::vector<AuditRow>> SqliteStore::AppendAudit(
    std::vector<AuditRow> rows,
    const std::function<std::string(const std::string&, const AuditRow&)>& chain) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  auto fail = [&](Status st) {
    (void)Exec(db_, "ROLLBACK");
    return st;
  };
  Stmt last(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  Status st;
  std::string prev;
  int64_t seq = 0;
  if (last.Step(&st)) {
    seq = last.Int(0);
    prev = last.Text(1);
  }
  if (!st.ok()) return fail(st);
  last.Reset();
  Stmt& ins = Cached(
      "INSERT INTO audit_log(seq, at, actor, action, object_type, object_id, organisation, "
      "detail, hash) VALUES (?,?,?,?,?,?,?,?,?)");
  for (AuditRow& row : rows) {
    row.seq = ++seq;
    if (row.at.empty()) row.at = NowUtc();
    row.hash = chain(prev, row);
    prev = row.hash;
    st = ins.Bind(1, row.seq)
             .Bind(2, row.at)
             .Bind(3, row.actor)
             .Bind(4, row.action)
             .Bind(5, row.object_type)
             .Bind(6, row.object_id)
             .Bind(7, row.organisation)
             .Bind(8, row.detail)
             .Bind(9, row.hash)
             .Run();
    ins.Reset();
    if (!st.ok()) return fail(st);
  }
  AEGIS_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
  return rows;
}

Status SqliteStore::ScanAudit(const std::function<void(const AuditRow&)>& fn) {
  Stmt s(db_,
         "SELECT seq, at, actor, action, object_type, object_id, organisation, detail, hash FROM "
         "audit_log ORDER BY seq");
  Status st;
  while (s.Step(&st)) {
    fn(AuditRow{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6),
                s.Text(7), s.Text(8)});
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// Scoped reads: the reader's scope becomes part of every query's WHERE clause, so a record the
// protocol hides is never read, let alone returned.

namespace {

// "(record_class=0 AND sensitivity_rank<=R0) OR ..." for the classes readable individually,
// plus the organisation restriction; "0=1" when nothing is readable.
std::string ScopeClause(const AccessScope& sc) {
  std::string any;
  for (int c = 0; c < 3; ++c) {  // incident classes (monitoring reports are another table)
    if (sc.max_rank[c] < 0) continue;
    if (!any.empty()) any += " OR ";
    any += "(i.record_class=" + std::to_string(c) +
           " AND i.sensitivity_rank<=" + std::to_string(sc.max_rank[c]) + ")";
  }
  if (any.empty()) return "0=1";
  std::string out = "(" + any + ")";
  if (sc.only_organisation_id > 0)
    out += " AND i.organisation_id=" + std::to_string(sc.only_organisation_id);
  return out;
}

constexpr const char* kIncidentCols =
    "SELECT i.id, d.code, i.source_key, i.date_start, i.date_end, coalesce(i.area_pcode,''), "
    "i.event_type, i.act_type, i.perpetrator, coalesce(o.code,''), i.source_type, "
    "i.verification, i.sensitivity, i.narrative, i.risk_mask, i.killed, i.injured, "
    "i.record_class FROM incident i JOIN data_source d ON d.id=i.data_source_id LEFT JOIN "
    "organisation o ON o.id=i.organisation_id ";

}  // namespace

Result<std::vector<IncidentRecord>> SqliteStore::ListIncidents(const AccessScope& scope,
                                                               const IncidentQuery& q) {
  std::string sql = std::string(kIncidentCols) + "WHERE " + ScopeClause(scope) + " AND i.id>?1";
  if (!q.area.empty())
    sql += " AND i.area_pcode IN (SELECT pcode FROM area_ancestor WHERE ancestor_pcode=?2)";
  if (!q.from.empty()) sql += " AND i.date_start>=?3";
  if (!q.to.empty()) sql += " AND i.date_start<=?4";
  if (!q.risk.empty())
    sql += " AND (i.risk_mask & coalesce((SELECT bit FROM risk WHERE code=?5),0))<>0";
  if (!q.organisation.empty()) sql += " AND o.code=?6";
  sql += " ORDER BY i.id LIMIT ?7";
  Stmt s(db_, sql);
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  s.Bind(1, q.after_id).Bind(2, q.area).Bind(3, q.from).Bind(4, q.to).Bind(5, q.risk);
  s.Bind(6, q.organisation).Bind(7, static_cast<int64_t>(std::clamp(q.limit, 1, 1000)));
  if (risk_order_.empty()) AEGIS_RETURN_IF_ERROR(LoadRiskBits());
  std::vector<IncidentRecord> out;
  Status st;
  while (s.Step(&st)) {
    IncidentRecord r;
    r.id = s.Int(0);
    r.source = s.Text(1);
    r.source_key = s.Text(2);
    r.date_start = s.Text(3);
    r.date_end = s.Text(4);
    r.area_pcode = s.Text(5);
    r.event_type = s.Text(6);
    r.act_type = s.Text(7);
    r.perpetrator = s.Text(8);
    r.organisation = s.Text(9);
    r.source_type = s.Text(10);
    r.verification = s.Text(11);
    r.sensitivity = s.Text(12);
    r.narrative = s.Text(13);
    int64_t mask = s.Int(14);
    for (const auto& [code, bit] : risk_order_)
      if (mask & bit) r.risks.push_back(code);
    if (!s.IsNull(15)) r.killed = s.Int(15);
    if (!s.IsNull(16)) r.injured = s.Int(16);
    r.record_class = static_cast<int>(s.Int(17));
    out.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::optional<IncidentRecord>> SqliteStore::GetIncident(const AccessScope& scope,
                                                               int64_t id) {
  IncidentQuery q;
  q.after_id = id - 1;
  q.limit = 1;
  AEGIS_ASSIGN_OR_RETURN(std::vector<IncidentRecord> v, ListIncidents(scope, q));
  if (v.empty() || v[0].id != id) return std::optional<IncidentRecord>();
  return std::optional<IncidentRecord>(std::move(v[0]));
}

Result<int64_t> SqliteStore::CreateIncident(const Incident& inc, int64_t data_source_id) {
  AEGIS_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  ImportBatch b;
  b.data_source_id = data_source_id;
  Result<Written> w = UpsertIncident(inc, b, NowUtc());
  Status st = w.ok() ? WriteVictims(inc, w->id, false) : w.status();
  if (st.ok() && w->outcome != Written::kImported)
    st = Status::AlreadyExists("an incident with source key '" + inc.source_key +
                               "' exists in this source; use another key");
  if (!st.ok()) {
    (void)Exec(db_, "ROLLBACK");
    org_ids_.clear();
    placement_ids_.clear();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
  return w->id;
}

Result<std::string> SqliteStore::ContentDigest() {
  // Canonical order by natural keys; surrogate ids, run ids and timestamps are left out.
  const char* queries[] = {
      "SELECT code, name, kind FROM organisation ORDER BY code",
      "SELECT d.code, d.kind, d.source_type FROM data_source d ORDER BY d.code",
      "SELECT pcode, level, name, coalesce(parent_pcode,''), country, alt_names FROM area "
      "ORDER BY pcode",
      "SELECT d.code, i.source_key, i.content_hash, coalesce(i.area_pcode,''), i.source_row, "
      "i.risk_mask, (SELECT group_concat(sex||age_band||disability||"
      "displacement||count, ' ') FROM (SELECT * FROM incident_victim v WHERE v.incident_id=i.id "
      "ORDER BY sex, age_band, disability, displacement)) FROM incident i JOIN data_source d ON "
      "d.id=i.data_source_id ORDER BY d.code, i.source_key",
      "SELECT d.code, m.source_key, m.content_hash, coalesce(m.area_pcode,'') FROM "
      "monitoring_report m JOIN data_source d ON d.id=m.data_source_id ORDER BY d.code, "
      "m.source_key",
      "SELECT d.code, q.file_sha256, q.row_no, q.column_name, q.reason, q.raw FROM quarantine q "
      "JOIN data_source d ON d.id=q.data_source_id ORDER BY d.code, q.file_sha256, q.row_no",
  };
  uint64_t h = 0;
  int64_t rows = 0;
  for (const char* q : queries) {
    Stmt s(db_, q);
    AEGIS_RETURN_IF_ERROR(CheckStmt(s));
    Status st;
    int cols = 0;
    while (s.Step(&st)) {
      if (!cols) cols = 0;
      std::string line;
      for (int c = 0; c < 7; ++c) {
        line += s.Text(c);
        line.push_back('\x1f');
      }
      h = text::Hash64(line, h);
      ++rows;
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx/%lld", static_cast<unsigned long long>(h),
                static_cast<long long>(rows));
  return std::string(buf);
}

Result<CheckReport> SqliteStore::Check() {
  CheckReport rep;
  auto problem = [&](std::string p) {
    rep.ok = false;
    rep.problems.push_back(std::move(p));
  };
  Status st;
  {
    Stmt s(db_, "PRAGMA integrity_check");
    while (s.Step(&st)) {
      std::string r = s.Text(0);
      if (r != "ok") problem("integrity: " + r + "; restore from a backup (aegis db backup)");
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  {
    Stmt s(db_, "PRAGMA foreign_key_check");
    int n = 0;
    while (s.Step(&st)) ++n;
    AEGIS_RETURN_IF_ERROR(st);
    if (n) problem(std::to_string(n) + " rows break a foreign key; report this as a bug");
  }
  AEGIS_ASSIGN_OR_RETURN(int version, SchemaVersion());
  if (version < LatestSchemaVersion()) {
    problem("schema version " + std::to_string(version) + " is older than " +
            std::to_string(LatestSchemaVersion()) + "; run `aegis db migrate`");
    return rep;
  }
  {
    Stmt s(db_,
           "SELECT id, file_name, n_read, n_imported+n_updated+n_unchanged+n_quarantined, "
           "status, rows_done FROM import_run ORDER BY id");
    while (s.Step(&st)) {
      std::string id = std::to_string(s.Int(0));
      if (s.Int(2) != s.Int(3))
        problem("import run " + id + " (" + s.Text(1) + "): " + std::to_string(s.Int(2)) +
                " rows read but " + std::to_string(s.Int(3)) + " accounted for");
      if (s.Text(4) == "running")
        rep.notes.push_back("import run " + id + " of " + s.Text(1) + " stopped after " +
                            std::to_string(s.Int(5)) +
                            " rows (interrupted or still running); run the same import again to "
                            "resume it");
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  {
    Stmt s(db_,
           "SELECT count(*) FROM incident i WHERE NOT EXISTS (SELECT 1 FROM import_run r "
           "WHERE r.id=i.import_run_id) AND i.import_run_id IS NOT NULL");
    if (s.Step(&st) && s.Int(0) > 0)
      problem(std::to_string(s.Int(0)) + " incidents point to a missing import run");
    AEGIS_RETURN_IF_ERROR(st);
  }
  return rep;
}

Status SqliteStore::Backup(const std::string& path) {
  if (std::filesystem::exists(path))
    return Status::AlreadyExists(path + ": exists; choose a new file name for the backup");
  Stmt s(db_, "VACUUM INTO ?");
  AEGIS_RETURN_IF_ERROR(CheckStmt(s));
  return s.Bind(1, path).Run();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& opts) {
  if (!opts.create_if_missing && !std::filesystem::exists(path))
    return Status::NotFound(path + ": no such store; create it with `aegis db migrate --db " +
                            path + "`");
  // Memory statistics take a global mutex on every allocation (about 5% of an import's time);
  // Aegis does not read them. Only possible before SQLite initialises; harmless if too late.
  static std::once_flag config_once;
  std::call_once(config_once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  // One connection per thread (see store.h), so SQLite's own per-call mutexes are not needed.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
              (opts.create_if_missing ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Status::IOError(path + ": cannot open the store (" + msg +
                           "); check the path and that its folder exists and is writable");
  }
  auto store = std::make_unique<SqliteStore>(db, path);
  Status st = store->Configure(opts);
  if (!st.ok()) {
    return Status::Corruption(path + ": not an Aegis store or damaged (" + st.message() + ")");
  }
  if (opts.migrate) {
    Result<int> m = store->Migrate();
    if (!m.ok()) return m.status();
  } else if (Result<int> v = store->SchemaVersion(); v.ok() && *v == store->LatestSchemaVersion()) {
    // A bulk load killed before it rebuilt its deferred indexes heals here (a no-op otherwise).
    if (Status ri = store->RestoreIndexes(); !ri.ok()) return ri;
  }
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& url, const StoreOptions& opts) {
  if (text::StartsWith(url, "postgresql://") || text::StartsWith(url, "postgres://"))
    return Status::Unsupported(url.substr(0, url.find(':')) +
                               ": the PostgreSQL backend is not built yet; use a SQLite file");
  std::string path = text::StartsWith(url, "sqlite:") ? url.substr(7) : url;
  return OpenSqliteStore(path, opts);
}

}  // namespace aegis::store
