// Store: the one interface through which Aegis reads and writes its records.
//
// Backends: SQLite (embedded default; a file path or "sqlite:PATH") and PostgreSQL 15
// ("postgresql://user@host:port/database"). Callers never see SQL or a backend type. One
// implementation (sql_store.h) runs the same portable SQL on both engines (sql_conn.h).
//
// Thread-safety: a Store object is one connection, used by one thread at a time. Open one Store
// per thread (the server keeps a pool of them); several connections and processes may share a
// store. Writes are serialised on both engines (SQLite's write lock; on PostgreSQL a
// transaction-scoped advisory lock), reads run alongside them.
//
// Durability: every mutating call is one transaction. ApplyImportBatch writes a batch of records
// and the import's resume checkpoint together, so a crash leaves either all of a batch or none.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/alert_records.h"
#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

struct StoreOptions {
  bool create_if_missing = true;
  // Apply pending migrations on open. `aegis db migrate` does it explicitly; the importer and the
  // demo open with this on. Off for `db check` so a check never changes the file.
  bool migrate = true;
  int busy_timeout_ms = 10000;
};

struct CheckReport {
  bool ok = true;
  std::vector<std::string> problems;  // each says what is wrong and how to repair it
  std::vector<std::string> notes;     // not errors (e.g. an interrupted import that can resume)
};

struct ImportRun {
  int64_t id = 0;
  int64_t data_source_id = 0;
  std::string profile, file_name, file_sha256;
  std::string import_key;  // the work: file digest, sheet, profile, options (ingest::ImportKey)
  std::string status;      // running, completed, failed
  std::string error;       // why it failed (files, rows and columns named, never values)
  int64_t rows_done = 0;   // resume checkpoint: records of the file fully processed
  int64_t read = 0, imported = 0, updated = 0, unchanged = 0, quarantined = 0;
  bool resumed = false;
};

// A batch of an import, written atomically with the run's checkpoint and counters.
struct ImportBatch {
  int64_t run_id = 0;
  int64_t data_source_id = 0;
  std::string import_key;      // the run's; identifies its quarantined rows with their numbers
  int64_t rows_done = 0;       // checkpoint after this batch
  int64_t rows_read = 0;       // data rows read in this batch
  int64_t also_unchanged = 0;  // rows recognised as records already seen in this file
  std::vector<Incident> incidents;
  std::vector<MonitoringReport> reports;
  std::vector<QuarantinedRow> quarantined;
};

struct BatchOutcome {
  int64_t imported = 0, updated = 0, unchanged = 0;
};

struct RecordCounts {
  int64_t organisations = 0, data_sources = 0, areas = 0, population = 0, incidents = 0,
          reports = 0, quarantined = 0, import_runs = 0;
};

// One line of the monthly summary: incidents per area (at a level) and month and risk.
struct SummaryRow {
  // risk: a risk code; "" = incidents with no protection risk (context events); "*" = all
  // incidents of the area and month, each counted once whatever its number of risks.
  std::string pcode, name, month, risk;
  int64_t incidents = 0, killed = 0, victims = 0, sources = 0;
};

// Encrypts and decrypts personal fields (incident narrative, contact, exact location; the raw
// text of quarantined rows). Implemented over the key file (access/cipher.h); the store only
// sees this seam. `column` names the column ("incident.narrative"), bound into the ciphertext.
class FieldCipher {
 public:
  virtual ~FieldCipher() = default;
  virtual Result<std::string> Seal(std::string_view plain, std::string_view column) const = 0;
  // Decrypts a value written by Seal; a value that is not encrypted comes back as it is.
  virtual Result<std::string> Open(std::string_view value, std::string_view column) const = 0;
  // Every value sealed with the current key starts with this ("enc:v1:k2:").
  virtual std::string ActivePrefix() const = 0;
};

// Whether `url` names a PostgreSQL store ("postgresql://..." or "postgres://..."); anything else
// is a SQLite file ("sqlite:PATH" or a path).
bool IsPostgresUrl(const std::string& url);

class Store {
 public:
  // Opens (and creates) the store at `url`: a file path, "sqlite:PATH" or "postgresql://...".
  // A PostgreSQL database that does not exist is created (when create_if_missing) with byte-order
  // collation, so that text sorts as on SQLite.
  static Result<std::unique_ptr<Store>> Open(const std::string& url, const StoreOptions& opts = {});
  // Deletes the store at `url`: a SQLite file with its WAL, or a PostgreSQL database (closing
  // other connections to it). Ok when there is none.
  static Status Destroy(const std::string& url);
  virtual ~Store() = default;

  // Personal fields are sealed with `cipher` on write and opened on read. Without a cipher they
  // are kept in clear (tests of other modules; every command and the server set one).
  virtual void SetCipher(std::shared_ptr<const FieldCipher> cipher) = 0;
  // Re-seals, in batches of `batch` rows per transaction, every personal field not sealed with
  // the cipher's current key (after `aegis keys rotate`, or values stored in clear before a key
  // file existed), while other connections keep reading and writing. Returns how many values
  // changed; `progress(done)` after each batch.
  virtual Result<int64_t> ResealFields(int batch,
                                       const std::function<void(int64_t)>& progress = {}) = 0;

  // --- schema -------------------------------------------------------------------------------
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // Applies pending migrations in order, each in its own transaction. Returns how many ran.
  virtual Result<int> Migrate() = 0;
  // Integrity, foreign keys, schema version, counters of import runs, orphan child rows.
  virtual Result<CheckReport> Check() = 0;
  // A consistent online copy to `path` (which must not exist).
  virtual Status Backup(const std::string& path) = 0;

  // --- organisations, sources, areas ---------------------------------------------------------
  virtual Result<int64_t> EnsureOrganisation(const Organisation& org) = 0;  // by code
  virtual Result<int64_t> EnsureDataSource(const DataSource& src) = 0;      // by code
  // Inserts or updates areas by P-code; parents must be present in the same call or before.
  virtual Status UpsertAreas(const std::vector<AreaRow>& areas) = 0;
  virtual Result<std::vector<AreaRow>> LoadAreas() = 0;
  virtual Status UpsertPopulation(const std::vector<Population>& rows) = 0;
  // Admin polygons of one level, as WGS84 GeoJSON text (replaces that level's polygons).
  virtual Status PutBoundaries(int level, const std::string& geojson,
                               const std::string& source_file) = 0;
  virtual Result<std::vector<std::pair<int, std::string>>> GetBoundaries() = 0;
  // Records the protection risks (code, id 1..63) so that incidents can store their risks as a
  // bit set; called with the taxonomy at start. Codes never change their id once stored.
  virtual Status SyncRisks(const std::vector<std::pair<std::string, int>>& risks) = 0;

  // --- imports -------------------------------------------------------------------------------
  // Starts a run, or resumes the interrupted run of the same source and import key (the same
  // file, sheet, profile and options).
  virtual Result<ImportRun> BeginImportRun(int64_t data_source_id, const std::string& profile,
                                           const std::string& file_name,
                                           const std::string& file_sha256,
                                           const std::string& import_key) = 0;
  // Writes a batch atomically. Each record is classified against what the store holds under the
  // same (source, key): new -> imported, same content hash -> unchanged, else -> updated.
  virtual Result<BatchOutcome> ApplyImportBatch(const ImportBatch& batch) = 0;
  // Bulk loads: drops the secondary indexes that random-order inserts make slow (incidents by
  // area and date), so that they are built once, sorted, by RestoreIndexes. Queries stay
  // correct in between, only slower. Migrate (so every Open) restores them too, so an import
  // killed in between leaves a store that heals itself at the next open.
  virtual Status DeferIndexes() = 0;
  virtual Status RestoreIndexes() = 0;
  virtual Status FinishImportRun(int64_t run_id, const std::string& status) = 0;
  // Marks the run failed with its reason, which every process then answers with.
  virtual Status FailImportRun(int64_t run_id, const std::string& reason) = 0;
  virtual Result<ImportRun> GetImportRun(int64_t run_id) = 0;
  // The quarantined rows of the imports of a source with this import key, by row number.
  virtual Result<std::vector<QuarantinedRow>> ListQuarantine(int64_t data_source_id,
                                                             const std::string& import_key) = 0;

  // --- reading -------------------------------------------------------------------------------
  virtual Result<RecordCounts> Counts() = 0;
  // Incidents per area at `level` (rolled up the P-code hierarchy), month and risk.
  virtual Result<std::vector<SummaryRow>> MonthlySummary(int level, const std::string& from,
                                                         const std::string& to) = 0;
  // --- analysis ----------------------------------------------------------------------------
  // Placed incidents (area_pcode set), in id order.
  virtual Status ScanIncidentFacts(const std::function<void(const IncidentFact&)>& fn) = 0;
  // Victim groups, in incident id order.
  virtual Status ScanVictimFacts(const std::function<void(const VictimFact&)>& fn) = 0;
  // Monitoring answers of placed reports.
  virtual Status ScanAnswerFacts(const std::function<void(const AnswerFact&)>& fn) = 0;
  virtual Result<std::vector<std::pair<std::string, int64_t>>> RiskBits() = 0;  // (code, bit)
  virtual Result<std::vector<Population>> LoadPopulation() = 0;
  // Marks `id` as a confirmed duplicate of `of` (it then counts once, as `of`), or clears it (0).
  virtual Status SetDuplicateOf(int64_t id, int64_t of) = 0;
  virtual Result<int64_t> AddSeverityOverride(const SeverityOverride& o) = 0;
  virtual Result<std::vector<SeverityOverride>> LoadSeverityOverrides() = 0;

  // --- accounts ------------------------------------------------------------------------------
  virtual Result<int64_t> AddUser(const User& u) = 0;  // organisation by code; must exist
  virtual Result<std::optional<User>> FindUser(const std::string& username) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Status RecordLogin(int64_t user_id, int failed_logins,
                             const std::string& locked_until) = 0;
  virtual Status SetUserDisabled(int64_t user_id, bool disabled) = 0;
  virtual Status SetUserPassword(int64_t user_id, const std::string& password_hash) = 0;
  virtual Status PutSession(const Session& s) = 0;
  virtual Result<std::optional<Session>> GetSession(const std::string& token_digest) = 0;
  virtual Status DeleteSession(const std::string& token_digest) = 0;
  virtual Status DeleteUserSessions(int64_t user_id) = 0;

  // --- audit -------------------------------------------------------------------------------
  // Appends rows at the end of the chain in one transaction: `chain(prev_hash, row)` gives each
  // row's hash from the previous row's ("" for the first). Returns the rows as written (seq,
  // hash).
  virtual Result<std::vector<AuditRow>> AppendAudit(
      std::vector<AuditRow> rows,
      const std::function<std::string(const std::string&, const AuditRow&)>& chain) = 0;
  virtual Status ScanAudit(const std::function<void(const AuditRow&)>& fn) = 0;

  // --- individual records, always through a reader's scope ----------------------------------
  virtual Result<std::vector<IncidentRecord>> ListIncidents(const AccessScope& scope,
                                                            const IncidentQuery& q) = 0;
  virtual Result<std::optional<IncidentRecord>> GetIncident(const AccessScope& scope,
                                                            int64_t id) = 0;
  // One incident entered by hand (web form, API), in its own transaction. AlreadyExists if the
  // source already holds its key.
  virtual Result<int64_t> CreateIncident(const Incident& inc, int64_t data_source_id) = 0;
  // Monitoring reports, through the reader's scope (class monitoring).
  virtual Result<std::vector<ReportRecord>> ListReports(const AccessScope& scope,
                                                        const ReportQuery& q) = 0;
  virtual Result<std::optional<ReportRecord>> GetReport(const AccessScope& scope, int64_t id) = 0;
  virtual Result<int64_t> CreateReport(const MonitoringReport& r, int64_t data_source_id) = 0;
  // --- organisations, tokens, the protocol, break the glass ----------------------------------
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;
  virtual Status UpdateUser(const User& u) = 0;  // display name, organisation, role, disabled
  virtual Result<int64_t> AddApiToken(const ApiToken& t) = 0;
  virtual Result<std::optional<ApiToken>> FindApiToken(const std::string& token_digest) = 0;
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) = 0;  // 0 = all
  // Marks a token revoked; false if there is no such live token (of `user_id` when > 0).
  virtual Result<bool> RevokeApiToken(int64_t id, int64_t user_id, const std::string& at) = 0;
  virtual Result<int64_t> AddBreakGlass(const BreakGlassGrant& g) = 0;
  // The user's grant in force at `now` (not expired, not ended), if any.
  virtual Result<std::optional<BreakGlassGrant>> ActiveBreakGlass(int64_t user_id,
                                                                  const std::string& now) = 0;
  virtual Result<std::vector<BreakGlassGrant>> ListBreakGlass() = 0;
  virtual Result<bool> EndBreakGlass(int64_t id, int64_t user_id, const std::string& at) = 0;
  virtual Result<int64_t> AddProtocolVersion(const ProtocolVersion& v) = 0;
  virtual Result<std::vector<ProtocolVersion>> ListProtocolVersions() = 0;  // newest first

  // --- family tracing and duplicates --------------------------------------------------------
  // Inserts or updates by (organisation, kind, external_id); the organisation must exist.
  // Returns the records' ids, in order.
  virtual Result<std::vector<int64_t>> PutTracingRecords(const std::vector<TracingRecord>& r) = 0;
  // Records of `kind` ("" = both), personal fields opened; `consent_only` leaves out registered
  // records without consent for tracing.
  virtual Result<std::vector<TracingRecord>> LoadTracingRecords(const std::string& kind,
                                                                bool consent_only) = 0;
  virtual Result<std::optional<TracingRecord>> GetTracingRecord(int64_t id) = 0;
  // Stores a decision (replacing the pair's earlier one); see MatchDecision.
  virtual Status PutMatchDecision(const MatchDecision& d) = 0;
  virtual Result<std::vector<MatchDecision>> ListMatchDecisions(const std::string& kind) = 0;

  // --- background work across processes ------------------------------------------------------
  // Takes (or renews) the lease `name` for `holder` until now_ms + ttl_ms when it is free,
  // expired, or already `holder`'s; false while another holder has it. Work that must run once
  // across all server processes (the scheduled analysis) runs only under its lease.
  virtual Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                                    int64_t now_ms, int64_t ttl_ms) = 0;
  // A number that changes after every change of what the analysis reads (incidents, reports,
  // duplicates, overrides, areas, population), whichever process made it: one primary-key read,
  // for caches of the analysis to know they are stale.
  virtual Result<int64_t> DataVersion() = 0;
  // The same for the family tracing records (changed in the transaction that changes them), for
  // the server's tracing index.
  virtual Result<int64_t> TracingVersion() = 0;

  // A digest of every record in canonical order (ids and timestamps excluded), to compare stores.
  virtual Result<std::string> ContentDigest() = 0;

  // --- Early warning (issue 6; store/alert_records.h, sqlite_alerts.cc) ----------------------
  // An alert with its first event and its deliveries, in one transaction (AlreadyExists when
  // its source_key is taken). Returns the alert's id.
  virtual Result<int64_t> CreateAlert(const AlertRecord& a, const AlertEvent& received,
                                      const std::vector<AlertDelivery>& deliveries) = 0;
  virtual Result<std::optional<AlertRecord>> GetAlert(int64_t id) = 0;
  virtual Result<std::vector<AlertRecord>> ListAlerts(const AlertQuery& q) = 0;
  virtual Result<std::vector<AlertEvent>> ListAlertEvents(int64_t alert_id) = 0;
  virtual Result<std::vector<AlertDelivery>> ListAlertDeliveries(int64_t alert_id) = 0;
  // Alerts with an inbox delivery to any of `recipients`, newest first.
  virtual Result<std::vector<AlertRecord>> ListAlertInbox(
      const std::vector<std::string>& recipients, int limit) = 0;
  // A triage step: the new status and its event together. `into` > 0 merges the alert into
  // that one (a duplicate of the same event).
  virtual Status SetAlertStatus(int64_t id, const std::string& status, int64_t into,
                                const AlertEvent& e) = 0;
  // Records the first acknowledgement; false when the alert was already acknowledged.
  virtual Result<bool> AcknowledgeAlert(int64_t id, const std::string& by, int64_t at_ms) = 0;
  // Claims up to `limit` undelivered webhook/e-mail deliveries due at `now_ms` for `lease_ms`
  // (one transaction; each claim counts as an attempt).
  virtual Result<std::vector<AlertDelivery>> ClaimAlertDeliveries(int64_t now_ms, int64_t lease_ms,
                                                                  int limit) = 0;
  virtual Status FinishAlertDeliveries(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // Open, unacknowledged alerts whose acknowledgement deadline has passed.
  virtual Result<std::vector<AlertRecord>> DueAlertEscalations(int64_t now_ms, int limit) = 0;
  // Moves an alert to the next routing level: level, deadline, event and new deliveries at once.
  virtual Status EscalateAlert(int64_t id, int level, int64_t ack_due_ms, const AlertEvent& e,
                               const std::vector<AlertDelivery>& deliveries) = 0;
};

}  // namespace aegis::store
