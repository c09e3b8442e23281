// The store's one implementation of the Store interface, over either engine of the SQL seam
// (sql_conn.h: SQLite or PostgreSQL). Its source files: sql_store.cc (schema, imports, analysis
// scans, checks), sql_access.cc (accounts, tokens, audit, the sharing protocol, scoped reads),
// sql_match.cc (tracing, decisions), sql_alerts.cc (early warning), sql_services.cc (the
// service directory), sql_referrals.cc (referrals). The SQL is written once;
// where the engines differ the code asks db_->dialect(). Internal to the store module.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/migrations.h"
#include "store/sql_conn.h"
#include "store/store.h"
#include "util/date.h"

namespace aegis::store {

using sql::Exec;
using sql::Prepare;
using sql::Stmt;

// Runs `fn` in a write transaction: committed when it returns OK, rolled back otherwise.
Status InTransaction(sql::Conn* db, const std::function<Status()>& fn);

class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<sql::Conn> conn) : conn_(std::move(conn)), db_(conn_.get()) {}
  ~SqlStore() override {
    // Statements first: they belong to the connection.
    stmts_.clear();
    find_incident_ = Stmt();
    insert_incident_ = Stmt();
    update_incident_ = Stmt();
  }
  SqlStore(const SqlStore&) = delete;
  SqlStore& operator=(const SqlStore&) = delete;

  bool sqlite() const { return db_->dialect() == sql::Dialect::kSqlite; }
  const std::string& Where() const { return db_->where(); }  // for messages
  bool Usable() const override { return db_->Usable(); }
  sql::Conn* conn() { return db_; }  // for store/copy.cc

  Status Configure() {
    if (!sqlite()) return Status::Ok();
    return Exec(
        db_,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=16384;");
  }

  Result<int> SchemaVersion() override {
    if (!db_->TableExists("schema_migration")) return 0;
    AEGIS_ASSIGN_OR_RETURN(Stmt v,
                           Prepare(db_, "SELECT coalesce(max(version),0) FROM schema_migration"));
    Status st;
    if (!v.Step(&st)) return st.ok() ? Status::Internal("no schema version row") : st;
    return static_cast<int>(v.Int(0));
  }

  int LatestSchemaVersion() const override { return Migrations().back().version; }

  // Each migration in its own write transaction, which re-reads the version first: several
  // processes opening the same store at once apply each migration exactly once.
  Result<int> Migrate() override {
    int applied = 0;
    // Up to date (every open after the first): no write lock to wait for.
    if (Result<int> v = SchemaVersion(); v.ok() && *v == LatestSchemaVersion()) {
      AEGIS_RETURN_IF_ERROR(RestoreIndexes());
      return applied;
    }
    for (;;) {
      sql::WriteTx tx(db_);
      AEGIS_RETURN_IF_ERROR(tx.Begin());
      Result<int> r = MigrateOne();
      if (!r.ok()) {
        tx.Rollback();
        return r.status();
      }
      AEGIS_RETURN_IF_ERROR(tx.Commit());
      if (*r == 0) break;
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
    std::string sql = sqlite() ? "PRAGMA temp_store=FILE;" : "";
    for (const IndexDef& ix : DeferrableIndexes()) sql += std::string(ix.create_sql) + ";";
    Status st = Exec(db_, sql);
    if (sqlite()) (void)Exec(db_, "PRAGMA temp_store=MEMORY");
    return st;
  }

  Result<CheckReport> Check() override;
  Status Backup(const std::string& path) override;

  Result<int64_t> EnsureOrganisation(const Organisation& org) override {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt ins, Prepare(db_,
                          "INSERT INTO organisation(code, name, kind, created_at) VALUES (?,?,?,?) "
                          "ON CONFLICT(code) DO NOTHING"));
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
    AEGIS_ASSIGN_OR_RETURN(
        Stmt ins, Prepare(db_,
                          "INSERT INTO data_source(code, name, kind, organisation_id, source_type, "
                          "created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(code) DO NOTHING"));
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
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_,
                        "INSERT INTO area_boundary(level, geojson, source_file, loaded_at) VALUES "
                        "(?,?,?,?) ON CONFLICT(level) DO UPDATE SET geojson=excluded.geojson, "
                        "source_file=excluded.source_file, loaded_at=excluded.loaded_at"));
    return s.Bind(1, static_cast<int64_t>(level))
        .Bind(2, geojson)
        .Bind(3, source_file)
        .Bind(4, NowUtc())
        .Run();
  }
  Result<std::vector<std::pair<int, std::string>>> GetBoundaries() override {
    AEGIS_ASSIGN_OR_RETURN(Stmt s,
                           Prepare(db_, "SELECT level, geojson FROM area_boundary ORDER BY level"));
    std::vector<std::pair<int, std::string>> out;
    Status st;
    while (s.Step(&st)) out.emplace_back(static_cast<int>(s.Int(0)), s.Text(1));
    if (!st.ok()) return st;
    return out;
  }

  Result<ImportRun> BeginImportRun(int64_t source_id, const std::string& profile,
                                   const std::string& file_name, const std::string& sha,
                                   const std::string& key) override;
  Result<BatchOutcome> ApplyImportBatch(const ImportBatch& batch) override;
  Status FinishImportRun(int64_t run_id, ImportRunStatus status) override {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_, "UPDATE import_run SET status=?, finished_at=? WHERE id=?"));
    return s.Bind(1, ToString(status)).Bind(2, NowUtc()).Bind(3, run_id).Run();
  }
  Status FailImportRun(int64_t run_id, const std::string& reason) override {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_, "UPDATE import_run SET status=?, finished_at=?, error=? WHERE id=?"));
    return s.Bind(1, ToString(ImportRunStatus::kFailed))
        .Bind(2, NowUtc())
        .Bind(3, reason)
        .Bind(4, run_id)
        .Run();
  }
  Result<ImportRun> GetImportRun(int64_t run_id) override;
  Result<std::vector<QuarantinedRow>> ListQuarantine(int64_t source_id,
                                                     const std::string& key) override;

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
  bool HasAuditTable() override { return db_->TableExists("audit_log"); }
  Result<std::vector<IncidentRecord>> ListIncidents(const AccessScope& scope,
                                                    const IncidentQuery& q) override;
  Result<std::optional<IncidentRecord>> GetIncident(const AccessScope& scope, int64_t id) override;
  Result<int64_t> CreateIncident(const Incident& inc, int64_t data_source_id) override;
  Result<std::vector<ReportRecord>> ListReports(const AccessScope& scope,
                                                const ReportQuery& q) override;
  Result<std::optional<ReportRecord>> GetReport(const AccessScope& scope, int64_t id) override;
  Result<int64_t> CreateReport(const MonitoringReport& r, int64_t data_source_id) override;
  Result<std::vector<Organisation>> ListOrganisations() override;
  Status UpdateUser(const User& u) override;
  Result<int64_t> AddApiToken(const ApiToken& t) override;
  Result<std::optional<ApiToken>> FindApiToken(const std::string& token_digest) override;
  Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) override;
  Result<bool> RevokeApiToken(int64_t id, int64_t user_id, const std::string& at) override;
  Result<int64_t> AddBreakGlass(const BreakGlassGrant& g) override;
  Result<std::optional<BreakGlassGrant>> ActiveBreakGlass(int64_t user_id,
                                                          const std::string& now) override;
  Result<std::vector<BreakGlassGrant>> ListBreakGlass() override;
  Result<bool> EndBreakGlass(int64_t id, int64_t user_id, const std::string& at) override;
  Result<int64_t> AddProtocolVersion(const ProtocolVersion& v) override;
  Result<std::vector<ProtocolVersion>> ListProtocolVersions() override;
  Result<int64_t> CreateService(const Service& s, int64_t data_source_id) override;
  Status UpdateService(int64_t id, const Service& s) override;
  Result<std::optional<ServiceRecord>> GetService(const AccessScope& scope, int64_t id) override;
  Result<std::vector<ServiceRecord>> ListServices(const AccessScope& scope,
                                                  const ServiceQuery& q) override;
  Result<std::vector<ServiceCoverage>> Coverage(const AccessScope& scope, int level,
                                                const std::string& country) override;
  // --- Referrals (sql_referrals.cc) -----------------------------------------------------------
  Result<int64_t> CreateReferral(const Referral& r, const Consent& c, const ReferralEvent& created,
                                 const std::vector<ReferralNotice>& notices) override;
  Result<std::optional<ReferralRecord>> GetReferral(const AccessScope& scope, int64_t id) override;
  Result<std::vector<ReferralRecord>> ListReferrals(const AccessScope& scope,
                                                    const ReferralQuery& q) override;
  Status ChangeReferralStatus(int64_t id, const ReferralChange& ch, const ReferralEvent& e,
                              const std::vector<ReferralNotice>& notices) override;
  Status WithdrawReferralConsent(int64_t id, int64_t at_ms, const ReferralEvent& e) override;
  Result<std::vector<ReferralRecord>> DueReferralEscalations(int64_t now_ms, int limit) override;
  Result<bool> EscalateReferral(int64_t id, int64_t at_ms, const ReferralEvent& e,
                                const std::vector<ReferralNotice>& notices) override;
  Result<std::vector<ReferralEvent>> ListReferralEvents(int64_t referral_id) override;
  Result<std::vector<ReferralNotice>> ClaimReferralDeliveries(int64_t now_ms, int64_t lease_ms,
                                                              int limit) override;
  Status FinishReferralDeliveries(const std::vector<DeliveryOutcome>& outcomes) override;
  Result<std::vector<ReferralNotice>> ListReferralNotices(
      const std::vector<std::string>& recipients, int limit) override;
  Result<std::vector<ReferralOutcomeCount>> ReferralOutcomes(int64_t from_ms,
                                                             int64_t to_ms) override;

  Result<std::vector<int64_t>> PutTracingRecords(const std::vector<TracingRecord>& r) override;
  Result<std::vector<TracingRecord>> LoadTracingRecords(const std::string& kind,
                                                        bool consent_only) override;
  Result<std::optional<TracingRecord>> GetTracingRecord(int64_t id) override;
  Status PutMatchDecision(const MatchDecision& d) override;
  Result<bool> AcquireLease(const std::string& name, const std::string& holder, int64_t now_ms,
                            int64_t ttl_ms) override;
  Result<int64_t> DataVersion() override { return ReadVersion(kAnalysisData); }
  Result<int64_t> TracingVersion() override { return ReadVersion(kTracingRecords); }
  Result<std::vector<MatchDecision>> ListMatchDecisions(const std::string& kind) override;

  void SetCipher(std::shared_ptr<const FieldCipher> cipher) override {
    cipher_ = std::move(cipher);
  }
  Result<int64_t> ResealFields(int batch, const std::function<void(int64_t)>& progress) override;

  // --- Messages (sql_messaging.cc) ----------------------------------------------------------
  Result<std::pair<int64_t, bool>> PutContact(const Contact& c) override;
  Result<std::optional<Contact>> GetContact(int64_t id) override;
  Result<std::optional<Contact>> FindContactByKey(const std::string& phone_key) override;
  Result<std::vector<Contact>> ListContacts(const ContactQuery& q) override;
  Result<bool> StopContact(int64_t id, int64_t at_ms) override;
  Result<std::map<std::string, int64_t>> ContactCounts(const std::string& area) override;
  Result<int64_t> CreateMessage(const Message& m) override;
  Status UpdateDraft(const Message& m) override;
  Result<std::optional<Message>> GetMessage(int64_t id) override;
  Result<std::vector<Message>> ListMessages(const MessageQuery& q) override;
  Status ApproveMessage(int64_t id, int64_t approver, int64_t at_ms) override;
  Result<std::vector<Reach>> MessageReach(const Message& m) override;
  Result<int64_t> EnqueueMessage(int64_t id, int64_t by, int64_t at_ms, int64_t due_ms) override;
  Result<bool> WithdrawMessage(int64_t id, const std::string& reason, int64_t at_ms) override;
  Result<std::vector<int64_t>> MessagesOfAlert(int64_t alert_id) override;
  Result<SendCounts> MessageSendCounts(int64_t id) override;
  Result<std::vector<MessageSend>> ClaimMessageSends(int64_t now_ms, int64_t lease_ms,
                                                     int limit) override;
  Status FinishMessageSends(const std::vector<DeliveryOutcome>& outcomes) override;
  Result<int64_t> RecordReceipts(const std::vector<Receipt>& receipts) override;

  // --- Early warning (issue 6; sql_alerts.cc) -------------------------------------------------
  Result<int64_t> CreateAlert(const AlertRecord& a, const AlertEvent& received,
                              const std::vector<AlertDelivery>& deliveries) override;
  Result<std::optional<AlertRecord>> GetAlert(int64_t id) override;
  Result<std::vector<AlertRecord>> ListAlerts(const AlertQuery& q) override;
  Result<std::vector<AlertEvent>> ListAlertEvents(int64_t alert_id) override;
  Result<std::vector<AlertDelivery>> ListAlertDeliveries(int64_t alert_id) override;
  Result<std::vector<AlertRecord>> ListAlertInbox(const std::vector<std::string>& recipients,
                                                  int limit) override;
  Status SetAlertStatus(int64_t id, const std::string& status, int64_t into,
                        const AlertEvent& e) override;
  Result<bool> AcknowledgeAlert(int64_t id, const std::string& by, int64_t at_ms) override;
  Result<std::vector<AlertDelivery>> ClaimAlertDeliveries(int64_t now_ms, int64_t lease_ms,
                                                          int limit) override;
  Status FinishAlertDeliveries(const std::vector<DeliveryOutcome>& outcomes) override;
  Result<AlertOutboxState> AlertOutbox() override;
  Result<std::vector<AlertRecord>> DueAlertEscalations(int64_t now_ms, int limit) override;
  Status EscalateAlert(int64_t id, int level, int64_t ack_due_ms, const AlertEvent& e,
                       const std::vector<AlertDelivery>& deliveries) override;

 private:
  Result<int> MigrateOne();  // applies the next pending migration (1) or none (0)
  // The rows of data_version (migrations 7 and 8): each moves after every change of its data.
  enum VersionRow : int { kAnalysisData = 1, kTracingRecords = 2 };
  Result<int64_t> ReadVersion(VersionRow row);
  // An upsert: a store never keeps a stale cache for want of the row.
  Status BumpVersion(VersionRow row);
  // After a change the analysis reads has committed (never before: a reader could then cache the
  // old data under the new version).
  Status BumpDataVersion() { return BumpVersion(kAnalysisData); }
  // `st`, after bumping the data version when it is ok.
  Status Changed(const Status& st) { return st.ok() ? BumpDataVersion() : st; }
  Result<AlertRecord> AlertFrom(const Stmt& s);
  Status InsertAlertEvent(const AlertEvent& e);
  Status InsertAlertDeliveries(int64_t alert_id, const std::vector<AlertDelivery>& deliveries);
  Result<std::vector<AlertRecord>> AlertRows(const std::string& sql,
                                             const std::function<void(Stmt&)>& bind);

  // A personal field as stored: sealed when there is a cipher, else as it is; "" stays "".
  Result<std::string> Seal(std::string_view v, std::string_view column) const {
    if (v.empty() || !cipher_) return std::string(v);
    return cipher_->Seal(v, column);
  }
  Result<std::string> Unseal(std::string_view v, std::string_view column) const {
    if (v.empty() || !cipher_) return std::string(v);
    return cipher_->Open(v, column);
  }
  Result<IncidentRecord> IncidentFrom(const Stmt& s, bool personal);
  Result<TracingRecord> TracingFrom(const Stmt& s);
  Result<BreakGlassGrant> GrantFrom(const Stmt& s);

  Result<int64_t> IdByCode(const char* table, const std::string& code) {
    AEGIS_ASSIGN_OR_RETURN(Stmt s,
                           Prepare(db_, std::string("SELECT id FROM ") + table + " WHERE code=?"));
    s.Bind(1, code);
    Status st;
    if (s.Step(&st)) return s.Int(0);
    return st.ok() ? Status::NotFound(std::string(table) + " '" + code + "' not found") : st;
  }

  // Prepared statements reused across batches (prepared once per store).
  Result<std::reference_wrapper<Stmt>> Cached(const std::string& sql) {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) {
      AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
      it = stmts_.emplace(sql, std::move(s)).first;
    }
    it->second.Reset();
    return std::ref(it->second);
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
  // Inserts (existing_id 0) or replaces a report with its answers; returns the report's id.
  Result<int64_t> WriteReport(const MonitoringReport& r, int64_t source_id, int64_t run_id,
                              int64_t existing_id);
  Status WriteQuarantine(const QuarantinedRow& q, const ImportBatch& b);
  Result<BatchOutcome> ApplyBatchInTx(const ImportBatch& batch);
  Status EndUserCredentials(int64_t user_id);
  // The service directory (sql_services.cc).
  Status ApplyServices(const ImportBatch& b, BatchOutcome* out);
  Result<int64_t> WriteService(const Service& v, int64_t source_id, int64_t run_id,
                               int64_t existing_id);
  Result<ServiceRecord> ReadService(Stmt& s);
  Status LoadServiceAreas(ServiceRecord* r);
  // Messages (sql_messaging.cc).
  Result<Contact> ContactFrom(const Stmt& s);
  Status LoadContactAreas(Contact* c);
  Result<std::vector<Contact>> ContactRows(const std::string& where,
                                           const std::function<void(Stmt&)>& bind);
  Result<Message> MessageFrom(const Stmt& s);
  Result<std::vector<Message>> MessageRows(const std::string& where,
                                           const std::function<void(Stmt&)>& bind);
  // Cancels the sends not yet wired of a message or contact (`column`: message_id, contact_id).
  Status CancelSends(const char* column, int64_t id, int64_t at_ms);
  // Referrals (sql_referrals.cc).
  Result<ReferralRecord> ReadReferral(const Stmt& s);
  Result<std::vector<ReferralRecord>> ReferralRows(const std::string& where,
                                                   const std::function<void(Stmt&)>& bind,
                                                   const std::string& tail = "");
  Result<int64_t> InsertReferral(const Referral& r, const Consent& c, const ReferralEvent& created,
                                 const std::vector<ReferralNotice>& notices);
  Status InsertReferralLog(int64_t id, const ReferralEvent& e,
                           const std::vector<ReferralNotice>& notices);
  Status AddAncestors(const std::vector<AreaRow>& areas);
  // The durable outbox (sql_alerts.cc), over `table` (alert_delivery or referral_notice: the
  // same delivery columns). Whether a delivery is due at `now_ms` (a read, without the write
  // lock); in one transaction, the due rows `select` reads (binding now, now and the limit) and
  // their claim for `lease_ms` (attempts counted); the outcomes of claimed rows.
  Result<bool> OutboxDue(const std::string& table, int64_t now_ms);
  Status ClaimOutbox(const std::string& table, const std::string& select, int64_t now_ms,
                     int64_t lease_ms, int limit, const std::function<int64_t(const Stmt&)>& row);
  Status FinishOutbox(const std::string& table, const std::vector<DeliveryOutcome>& outcomes);

  std::unique_ptr<sql::Conn> conn_;
  sql::Conn* db_;
  std::shared_ptr<const FieldCipher> cipher_;
  std::unordered_map<std::string, Stmt> stmts_;
  std::unordered_map<std::string, std::optional<int64_t>> org_ids_;
  std::unordered_map<std::string, int64_t> risk_bits_;
  std::vector<std::pair<std::string, int64_t>> risk_order_;  // (code, bit) by bit
  std::unordered_map<uint64_t, int64_t> placement_ids_;
  Stmt find_incident_, insert_incident_, update_incident_;  // prepared on first use
};

}  // namespace aegis::store
