// The store over the SQL seam (SQLite and PostgreSQL): accounts, sessions, API tokens, the audit
// log, the sharing protocol's versions, break-the-glass grants, and the reads of individual
// records, always through a reader's scope.
#include <algorithm>
#include <cstdio>

#include "store/sql_store.h"
#include "util/text.h"

namespace aegis::store {

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

Result<int64_t> SqlStore::AddUser(const User& u) {
  std::optional<int64_t> org;
  if (!u.organisation_code.empty()) {
    Result<int64_t> id = IdByCode("organisation", u.organisation_code);
    if (!id.ok())
      return Status::NotFound("organisation '" + u.organisation_code +
                              "' is not in the store; import its data or create it first");
    org = *id;
  }
  std::string now = NowUtc();
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO app_user(username, display_name, organisation_id, role, password_hash, "
              "created_at, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(username) DO NOTHING"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, u.username)
                            .Bind(2, u.display_name)
                            .Bind(3, org)
                            .Bind(4, u.role)
                            .Bind(5, u.password_hash)
                            .Bind(6, now)
                            .Bind(7, now)
                            .Run());
  if (db_->Changes() == 0)
    return Status::AlreadyExists("user '" + u.username + "' exists; choose another name");
  return db_->LastInsertId();
}

Result<std::optional<User>> SqlStore::FindUser(const std::string& username) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string("SELECT ") + kUserCols + " WHERE u.username=?"));
  s.Bind(1, username);
  Status st;
  if (s.Step(&st)) return std::optional<User>(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<User>();
}

Result<std::optional<User>> SqlStore::GetUser(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string("SELECT ") + kUserCols + " WHERE u.id=?"));
  s.Bind(1, id);
  Status st;
  if (s.Step(&st)) return std::optional<User>(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<User>();
}

Result<std::vector<User>> SqlStore::ListUsers() {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string("SELECT ") + kUserCols + " ORDER BY u.username"));
  std::vector<User> out;
  Status st;
  while (s.Step(&st)) out.push_back(UserFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqlStore::RecordLogin(int64_t user_id, int failed_logins, const std::string& locked_until) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_, "UPDATE app_user SET failed_logins=?, locked_until=? WHERE id=?"));
  return s.Bind(1, static_cast<int64_t>(failed_logins))
      .Bind(2, locked_until)
      .Bind(3, user_id)
      .Run();
}

Status SqlStore::SetUserDisabled(int64_t user_id, bool disabled) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, "UPDATE app_user SET disabled=?, updated_at=? WHERE id=?"));
  AEGIS_RETURN_IF_ERROR(
      s.Bind(1, static_cast<int64_t>(disabled ? 1 : 0)).Bind(2, NowUtc()).Bind(3, user_id).Run());
  if (db_->Changes() == 0) return Status::NotFound("user " + std::to_string(user_id));
  return disabled ? EndUserCredentials(user_id) : Status::Ok();
}

// A disabled account or a new password ends every session and API token of the user, so that
// neither an enable nor the old password's holder brings them back.
Status SqlStore::EndUserCredentials(int64_t user_id) {
  AEGIS_RETURN_IF_ERROR(DeleteUserSessions(user_id));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_, "UPDATE api_token SET revoked_at=? WHERE user_id=? AND revoked_at=''"));
  return s.Bind(1, NowUtc()).Bind(2, user_id).Run();
}

Status SqlStore::SetUserPassword(int64_t user_id, const std::string& password_hash) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "UPDATE app_user SET password_hash=?, failed_logins=0, locked_until='', "
                      "updated_at=? WHERE id=?"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, password_hash).Bind(2, NowUtc()).Bind(3, user_id).Run());
  if (db_->Changes() == 0) return Status::NotFound("user " + std::to_string(user_id));
  return EndUserCredentials(user_id);
}

Status SqlStore::PutSession(const Session& x) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "INSERT INTO app_session(token_digest, user_id, created_at, expires_at) "
                      "VALUES (?,?,?,?)"));
  return s.Bind(1, x.token_digest)
      .Bind(2, x.user_id)
      .Bind(3, x.created_at)
      .Bind(4, x.expires_at)
      .Run();
}

Result<std::optional<Session>> SqlStore::GetSession(const std::string& token_digest) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "SELECT token_digest, user_id, created_at, expires_at FROM app_session WHERE "
                      "token_digest=?"));
  s.Bind(1, token_digest);
  Status st;
  if (s.Step(&st))
    return std::optional<Session>(Session{s.Text(0), s.Int(1), s.Text(2), s.Text(3)});
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<Session>();
}

Status SqlStore::DeleteSession(const std::string& token_digest) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "DELETE FROM app_session WHERE token_digest=?"));
  return s.Bind(1, token_digest).Run();
}

Status SqlStore::DeleteUserSessions(int64_t user_id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "DELETE FROM app_session WHERE user_id=?"));
  return s.Bind(1, user_id).Run();
}

// ---------------------------------------------------------------------------------------------
// Audit

Result<std::vector<AuditRow>> SqlStore::AppendAudit(
    std::vector<AuditRow> rows,
    const std::function<std::string(const std::string&, const AuditRow&)>& chain) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  auto fail = [&](Status st) {
    tx.Rollback();
    return st;
  };
  AEGIS_ASSIGN_OR_RETURN(Stmt last,
                         Prepare(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  Status st;
  std::string prev;
  int64_t seq = 0;
  if (last.Step(&st)) {
    seq = last.Int(0);
    prev = last.Text(1);
  }
  if (!st.ok()) return fail(st);
  last.Reset();
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & ins,
      Cached("INSERT INTO audit_log(seq, at, actor, action, object_type, object_id, organisation, "
             "detail, hash) VALUES (?,?,?,?,?,?,?,?,?)"));
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
  AEGIS_RETURN_IF_ERROR(tx.Commit());
  return rows;
}

Status SqlStore::ScanAudit(const std::function<void(const AuditRow&)>& fn) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(
          db_,
          "SELECT seq, at, actor, action, object_type, object_id, organisation, detail, hash FROM "
          "audit_log ORDER BY seq"));
  s.Stream();
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
    "i.record_class, i.contact, i.exact_location, i.lat, i.lon, coalesce(i.duplicate_of, 0) FROM "
    "incident i JOIN data_source d "
    "ON d.id=i.data_source_id LEFT JOIN "
    "organisation o ON o.id=i.organisation_id ";

}  // namespace

// One row of kIncidentCols, personal fields opened.
Result<IncidentRecord> SqlStore::IncidentFrom(const Stmt& s, bool personal) {
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
  if (personal) {
    AEGIS_ASSIGN_OR_RETURN(r.narrative, Unseal(s.View(13), "incident.narrative"));
  }
  int64_t mask = s.Int(14);
  for (const auto& [code, bit] : risk_order_)
    if (mask & bit) r.risks.push_back(code);
  if (!s.IsNull(15)) r.killed = s.Int(15);
  if (!s.IsNull(16)) r.injured = s.Int(16);
  r.record_class = static_cast<int>(s.Int(17));
  std::string exact;
  if (personal) {
    AEGIS_ASSIGN_OR_RETURN(r.contact, Unseal(s.View(18), "incident.contact"));
    AEGIS_ASSIGN_OR_RETURN(exact, Unseal(s.View(19), "incident.exact_location"));
  }
  if (double lat = 0, lon = 0;
      !exact.empty() && std::sscanf(exact.c_str(), "%lf,%lf", &lat, &lon) == 2) {
    r.lat = lat;
    r.lon = lon;
  } else {
    if (!s.IsNull(20)) r.lat = s.Real(20);
    if (!s.IsNull(21)) r.lon = s.Real(21);
  }
  r.duplicate_of = s.Int(22);
  return r;
}

Result<std::vector<IncidentRecord>> SqlStore::ListIncidents(const AccessScope& scope,
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
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
  s.Bind(1, q.after_id).Bind(2, q.area).Bind(3, q.from).Bind(4, q.to).Bind(5, q.risk);
  s.Bind(6, q.organisation).Bind(7, static_cast<int64_t>(std::clamp(q.limit, 1, 1000)));
  if (risk_order_.empty()) AEGIS_RETURN_IF_ERROR(LoadRiskBits());
  std::vector<IncidentRecord> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(IncidentRecord r, IncidentFrom(s, q.personal));
    out.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::optional<IncidentRecord>> SqlStore::GetIncident(const AccessScope& scope, int64_t id) {
  IncidentQuery q;
  q.after_id = id - 1;
  q.limit = 1;
  q.personal = true;
  AEGIS_ASSIGN_OR_RETURN(std::vector<IncidentRecord> v, ListIncidents(scope, q));
  if (v.empty() || v[0].id != id) return std::optional<IncidentRecord>();
  return std::optional<IncidentRecord>(std::move(v[0]));
}

Result<int64_t> SqlStore::CreateIncident(const Incident& inc, int64_t data_source_id) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  ImportBatch b;
  b.data_source_id = data_source_id;
  Result<Written> w = UpsertIncident(inc, b, NowUtc());
  Status st = w.ok() ? WriteVictims(inc, w->id, false) : w.status();
  if (st.ok() && w->outcome != Written::kImported)
    st = Status::AlreadyExists("an incident with source key '" + inc.source_key +
                               "' exists in this source; use another key");
  if (!st.ok()) {
    tx.Rollback();
    org_ids_.clear();
    placement_ids_.clear();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(tx.Commit());
  AEGIS_RETURN_IF_ERROR(BumpDataVersion());
  return w->id;
}

// ---------------------------------------------------------------------------------------------
// Monitoring reports (record class "monitoring"; a report ranks as internal)

namespace {

std::string ReportScopeClause(const AccessScope& sc) {
  constexpr int kMon = static_cast<int>(RecordClass::kMonitoring);
  if (sc.max_rank[kMon] < 1) return "0=1";
  if (sc.only_organisation_id != 0)
    return "m.organisation_id=" + std::to_string(sc.only_organisation_id);
  return "1=1";
}

}  // namespace

Result<std::vector<ReportRecord>> SqlStore::ListReports(const AccessScope& scope,
                                                        const ReportQuery& q) {
  std::string sql =
      "SELECT m.id, d.code, m.source_key, m.period_start, m.period_end, "
      "coalesce(m.area_pcode,''), m.respondent_type, coalesce(o.code,'') FROM monitoring_report m "
      "JOIN data_source d ON d.id=m.data_source_id LEFT JOIN organisation o ON "
      "o.id=m.organisation_id WHERE " +
      ReportScopeClause(scope) + " AND m.id>?1";
  if (!q.area.empty())
    sql += " AND m.area_pcode IN (SELECT pcode FROM area_ancestor WHERE ancestor_pcode=?2)";
  if (!q.from.empty()) sql += " AND m.period_end>=?3";
  if (!q.to.empty()) sql += " AND m.period_start<=?4";
  if (!q.organisation.empty()) sql += " AND o.code=?5";
  sql += " ORDER BY m.id LIMIT ?6";
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
  s.Bind(1, q.after_id).Bind(2, q.area).Bind(3, q.from).Bind(4, q.to).Bind(5, q.organisation);
  s.Bind(6, static_cast<int64_t>(std::clamp(q.limit, 1, 1000)));
  std::vector<ReportRecord> out;
  Status st;
  while (s.Step(&st)) {
    ReportRecord r;
    r.id = s.Int(0);
    r.source = s.Text(1);
    r.source_key = s.Text(2);
    r.period_start = s.Text(3);
    r.period_end = s.Text(4);
    r.area_pcode = s.Text(5);
    r.respondent_type = s.Text(6);
    r.organisation = s.Text(7);
    out.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(st);
  AEGIS_ASSIGN_OR_RETURN(
      Stmt a,
      Prepare(
          db_,
          "SELECT risk, present, severity FROM monitoring_answer WHERE report_id=? ORDER BY risk"));
  for (ReportRecord& r : out) {
    a.Reset();
    a.Bind(1, r.id);
    while (a.Step(&st)) {
      RiskAnswer ans;
      ans.risk = a.Text(0);
      if (!a.IsNull(1)) ans.present = a.Int(1) != 0;
      if (!a.IsNull(2)) ans.severity = static_cast<int>(a.Int(2));
      r.answers.push_back(std::move(ans));
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  return out;
}

Result<std::optional<ReportRecord>> SqlStore::GetReport(const AccessScope& scope, int64_t id) {
  ReportQuery q;
  q.after_id = id - 1;
  q.limit = 1;
  AEGIS_ASSIGN_OR_RETURN(std::vector<ReportRecord> v, ListReports(scope, q));
  if (v.empty() || v[0].id != id) return std::optional<ReportRecord>();
  return std::optional<ReportRecord>(std::move(v[0]));
}

Result<int64_t> SqlStore::CreateReport(const MonitoringReport& r, int64_t data_source_id) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt f,
      Prepare(db_, "SELECT id FROM monitoring_report WHERE data_source_id=? AND source_key=?"));
  f.Bind(1, data_source_id).Bind(2, r.source_key);
  Status st;
  bool exists = f.Step(&st);
  if (st.ok() && exists)
    st = Status::AlreadyExists("a monitoring report with source key '" + r.source_key +
                               "' exists in this source; use another key");
  // The report's id from its insert: the answers inserted after it are the last rows written.
  int64_t id = 0;
  if (st.ok()) {
    Result<int64_t> w = WriteReport(r, data_source_id, 0, 0);
    st = w.status();
    if (w.ok()) id = *w;
  }
  if (!st.ok()) {
    tx.Rollback();
    org_ids_.clear();
    placement_ids_.clear();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(tx.Commit());
  AEGIS_RETURN_IF_ERROR(BumpDataVersion());
  return id;
}

// ---------------------------------------------------------------------------------------------
// Organisations, users, API tokens

Result<std::vector<Organisation>> SqlStore::ListOrganisations() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_, "SELECT id, code, name, kind FROM organisation ORDER BY code"));
  std::vector<Organisation> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3)});
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqlStore::UpdateUser(const User& u) {
  std::optional<int64_t> org;
  if (!u.organisation_code.empty()) {
    Result<int64_t> id = IdByCode("organisation", u.organisation_code);
    if (!id.ok()) return Status::NotFound("organisation '" + u.organisation_code + "'");
    org = *id;
  }
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "UPDATE app_user SET display_name=?, organisation_id=?, role=?, disabled=?, "
                      "updated_at=? WHERE id=?"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, u.display_name)
                            .Bind(2, org)
                            .Bind(3, u.role)
                            .Bind(4, static_cast<int64_t>(u.disabled ? 1 : 0))
                            .Bind(5, NowUtc())
                            .Bind(6, u.id)
                            .Run());
  if (db_->Changes() == 0) return Status::NotFound("user " + std::to_string(u.id));
  return u.disabled ? EndUserCredentials(u.id) : Status::Ok();
}

namespace {

constexpr const char* kTokenCols =
    "SELECT id, token_digest, user_id, name, scopes, created_at, expires_at, revoked_at FROM "
    "api_token ";

ApiToken TokenFrom(const Stmt& s) {
  return {s.Int(0), s.Text(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6), s.Text(7)};
}

}  // namespace

Result<int64_t> SqlStore::AddApiToken(const ApiToken& t) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO api_token(token_digest, user_id, name, scopes, created_at, expires_at) "
              "VALUES (?,?,?,?,?,?)"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, t.token_digest)
                            .Bind(2, t.user_id)
                            .Bind(3, t.name)
                            .Bind(4, t.scopes)
                            .Bind(5, t.created_at)
                            .Bind(6, t.expires_at)
                            .Run());
  return db_->LastInsertId();
}

Result<std::optional<ApiToken>> SqlStore::FindApiToken(const std::string& token_digest) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, std::string(kTokenCols) + "WHERE token_digest=?"));
  s.Bind(1, token_digest);
  Status st;
  if (s.Step(&st)) return std::optional<ApiToken>(TokenFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<ApiToken>();
}

Result<std::vector<ApiToken>> SqlStore::ListApiTokens(int64_t user_id) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_, std::string(kTokenCols) + "WHERE ?1=0 OR user_id=?1 ORDER BY id"));
  s.Bind(1, user_id);
  std::vector<ApiToken> out;
  Status st;
  while (s.Step(&st)) out.push_back(TokenFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<bool> SqlStore::RevokeApiToken(int64_t id, int64_t user_id, const std::string& at) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "UPDATE api_token SET revoked_at=?1 WHERE id=?2 AND (?3=0 OR user_id=?3) AND "
                      "revoked_at=''"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, at).Bind(2, id).Bind(3, user_id).Run());
  return db_->Changes() > 0;
}

// ---------------------------------------------------------------------------------------------
// Break the glass; versions of the sharing protocol

namespace {

constexpr const char* kGrantCols =
    "SELECT id, user_id, reason, max_rank, granted_at, expires_at, ended_at FROM break_glass ";

}  // namespace

// The reason may name the person at risk: sealed like the other personal fields.
Result<BreakGlassGrant> SqlStore::GrantFrom(const Stmt& s) {
  BreakGlassGrant g{s.Int(0),  s.Int(1),  "",       static_cast<int>(s.Int(3)),
                    s.Text(4), s.Text(5), s.Text(6)};
  AEGIS_ASSIGN_OR_RETURN(g.reason, Unseal(s.View(2), "break_glass.reason"));
  return g;
}

Result<int64_t> SqlStore::AddBreakGlass(const BreakGlassGrant& g) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO break_glass(user_id, reason, max_rank, granted_at, expires_at) VALUES "
              "(?,?,?,?,?)"));
  AEGIS_ASSIGN_OR_RETURN(std::string reason, Seal(g.reason, "break_glass.reason"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, g.user_id)
                            .Bind(2, reason)
                            .Bind(3, static_cast<int64_t>(g.max_rank))
                            .Bind(4, g.granted_at)
                            .Bind(5, g.expires_at)
                            .Run());
  return db_->LastInsertId();
}

Result<std::optional<BreakGlassGrant>> SqlStore::ActiveBreakGlass(int64_t user_id,
                                                                  const std::string& now) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_, std::string(kGrantCols) +
                       "WHERE user_id=? AND expires_at>? AND ended_at='' ORDER BY expires_at DESC "
                       "LIMIT 1"));
  s.Bind(1, user_id).Bind(2, now);
  Status st;
  if (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(BreakGlassGrant g, GrantFrom(s));
    return std::optional<BreakGlassGrant>(std::move(g));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return std::optional<BreakGlassGrant>();
}

Result<std::vector<BreakGlassGrant>> SqlStore::ListBreakGlass() {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, std::string(kGrantCols) + "ORDER BY id DESC"));
  std::vector<BreakGlassGrant> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(BreakGlassGrant g, GrantFrom(s));
    out.push_back(std::move(g));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<bool> SqlStore::EndBreakGlass(int64_t id, int64_t user_id, const std::string& at) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "UPDATE break_glass SET ended_at=?1 WHERE id=?2 AND (?3=0 OR user_id=?3) AND "
                      "ended_at=''"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, at).Bind(2, id).Bind(3, user_id).Run());
  return db_->Changes() > 0;
}

Result<int64_t> SqlStore::AddProtocolVersion(const ProtocolVersion& v) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_, "INSERT INTO isp_version(loaded_at, loaded_by, protocol) VALUES (?,?,?)"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, v.loaded_at).Bind(2, v.loaded_by).Bind(3, v.text).Run());
  return db_->LastInsertId();
}

Result<std::vector<ProtocolVersion>> SqlStore::ListProtocolVersions() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_, "SELECT id, loaded_at, loaded_by, protocol FROM isp_version ORDER BY id DESC"));
  std::vector<ProtocolVersion> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3)});
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace aegis::store
