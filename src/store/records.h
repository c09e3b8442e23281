// The records Aegis keeps. Plain structs: no behaviour, no I/O. Dates are ISO "YYYY-MM-DD".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/record_states.h"

namespace aegis::store {

struct Organisation {
  int64_t id = 0;
  std::string code;  // short unique code, e.g. "ACLED", "NRC"
  std::string name;
  std::string kind = "ngo";  // un_agency, ingo, nngo, government, research, other
};

struct DataSource {
  int64_t id = 0;
  std::string code;  // unique, e.g. "acled", "kobo:pm-incidents"
  std::string name;
  std::string kind;  // acled, kobo, odk, hxl, insecurity_insight, spreadsheet, manual
  std::string organisation_code;
  std::string source_type = "secondary";  // default for its records (see vocabularies.json)
};

struct AreaRow {
  std::string pcode;
  int level = 0;
  std::string name;
  std::string parent_pcode;
  std::string country;
  std::vector<std::string> alt_names;
  std::optional<double> lat, lon;
};

struct Population {
  std::string pcode;
  int year = 0;
  int64_t total = 0;
  std::optional<int64_t> female, male;
  std::string source;
};

// People affected by an incident, one group per combination of the four dimensions.
struct VictimGroup {
  std::string sex = "unknown";           // sex.json
  std::string age_band = "unknown";      // age_bands.json
  std::string disability = "unknown";    // yes, no, unknown
  std::string displacement = "unknown";  // displacement.json
  int64_t count = 0;
};

// Where a record was placed and how sure the resolver was.
struct Placement {
  std::string pcode;  // empty if not placed below country level
  int level = -1;
  std::string method;  // pcode, name, alias, fuzzy, point_in_polygon, nearest_centroid
  double confidence = 0;
  std::string text;  // the place as written in the source
  std::string note;
};

// "Who did what to whom": one protection incident as reported by one source.
struct Incident {
  int64_t id = 0;
  std::string source_key;     // unique within the data source (ACLED event_id_cnty, Kobo _uuid ...)
  uint64_t content_hash = 0;  // of the normalised fields; detects changes on re-import
  std::string date_start, date_end;
  std::string country;  // ISO3
  Placement place;
  std::optional<double> lat, lon;
  std::vector<std::string> risks;  // codes of the 15 GPC risks (risks.json); may be empty
  std::string event_type;          // the source's own classification, e.g. "Battles / Armed clash"
  std::string act_type;            // act or violation (GBV core type, grave violation, ...)
  std::string perpetrator = "unknown";  // perpetrator category
  std::string perpetrator_detail;       // as reported (armed group name)
  std::optional<int64_t> killed, injured;
  std::vector<VictimGroup> victims;
  std::string organisation_code;  // reporting organisation
  std::string source_type;        // direct_monitoring, key_informant, secondary, ...
  std::string verification = "unverified";
  std::string sensitivity = "internal";
  std::optional<bool> consent_share, consent_referral, consent_tracing;
  // Personal fields, encrypted at rest when the store has a cipher (store.h FieldCipher):
  std::string narrative;   // what happened, as told
  std::string contact;     // how to reach the reporter or survivor (name, phone)
  int64_t source_row = 0;  // record number in the imported file
};

// One risk as answered in a monitoring report.
struct RiskAnswer {
  std::string risk;             // risk code
  std::optional<bool> present;  // empty = not asked / don't know
  std::optional<int> severity;  // 1-5 as reported
};

// Key-informant or area-level answers for one area and period.
struct MonitoringReport {
  int64_t id = 0;
  std::string source_key;
  uint64_t content_hash = 0;
  std::string period_start, period_end;
  Placement place;
  std::string respondent_type = "key_informant";  // key_informant, area, household
  std::string organisation_code;
  std::vector<RiskAnswer> answers;
  int64_t source_row = 0;
};

// A row that could not be imported, kept with its reasons.
struct QuarantinedRow {
  int64_t row = 0;       // record number in the file (1-based, header rows included)
  std::string column;    // first offending column ("" if the row as a whole)
  std::string reason;    // what was wrong
  std::string hint;      // how to fix it
  std::string raw_json;  // the row as {"column": "value", ...}
};

// --- analysis reads: compact facts streamed to the aggregation engine -----------------------
// The string_views are valid only during the callback.

struct IncidentFact {
  int64_t id = 0;
  // area_pcode is empty for a record placed at country level only (then `country` says where).
  std::string_view area_pcode, date_start, source_type, sensitivity, act_type, country;
  int64_t risk_mask = 0;  // bits as in the store's risk table (Store::RiskBits)
  int64_t killed = 0, injured = 0;
  int64_t organisation_id = 0;  // 0 = none
  int64_t duplicate_of = 0;     // confirmed duplicate of that incident; 0 = none
  int record_class = 0;         // RecordClass
};

struct VictimFact {
  int64_t incident_id = 0;
  std::string_view sex, age_band, disability, displacement;
  int64_t count = 0;
};

struct AnswerFact {
  std::string_view area_pcode, period_start, risk;  // risk: a risk code
  int present = -1;                                 // 1 yes, 0 no, -1 not answered
  int severity = 0;                                 // 1..5; 0 = not given
  int64_t organisation_id = 0;
};

// An analyst's decision on a severity phase, kept with who, when and why. The newest one for an
// (area, risk, period) wins; older ones stay as history.
struct SeverityOverride {
  int64_t id = 0;
  std::string area_pcode, risk;  // risk: a risk code, or "*" for the area's overall phase
  std::string period;            // "2024-03", "2024-Q1", "2024" or "FROM..TO"
  int phase = 0;                 // 1..5
  std::string rationale, author, created_at;
};

// --- accounts, access and audit ---------------------------------------------------------------

// Roles of the information-sharing protocol (data/isp/protocol.toml).
struct User {
  int64_t id = 0;
  std::string username, display_name;
  std::string organisation_code;  // empty for cluster-wide accounts
  std::string role;               // coordinator, imo, partner_focal_point, field_monitor, ...
  std::string password_hash;      // Argon2id (security/password.h)
  bool disabled = false;
  int failed_logins = 0;
  std::string locked_until;  // ISO time; empty = not locked
  std::string created_at;
};

struct Session {
  std::string token_digest;  // SHA-256 of the cookie value; the token itself is never stored
  int64_t user_id = 0;
  std::string created_at, expires_at;
};

struct ApiToken {
  int64_t id = 0;
  std::string token_digest;
  int64_t user_id = 0;
  std::string name, scopes;  // scopes: space-separated, e.g. "read incidents:write"
  std::string created_at, expires_at, revoked_at;
};

// Classes of records in the information-sharing protocol.
enum class RecordClass : int {
  kIncident = 0,
  kGbv = 1,
  kChild = 2,
  kMonitoring = 3,
  kService = 4,   // service directory entries (store/service_store.h)
  kReferral = 5,  // referrals of a person to a service, with consent (store/referral_store.h)
};
constexpr int kRecordClasses = 6;
// The classes of case records: incidents and monitoring reports, which the analysis counts. The
// classes after them (services, referrals) are not reports of harm.
constexpr int kCaseClasses = 4;

// Whether a role's own-organisation limit (own_org_only) applies to records of class `c`: case
// records and referrals, which belong to organisations (a referral to two: the one that refers
// and the one that receives). The service directory is shared by every organisation, or nobody
// could refer to another's service.
constexpr bool OrganisationScoped(RecordClass c) {
  return static_cast<int>(c) < kCaseClasses || c == RecordClass::kReferral;
}

// A value per record class, every one `v` (an array member's default: never a partial list
// that would leave a new class at 0).
template <typename T>
constexpr std::array<T, kRecordClasses> PerClass(T v) {
  std::array<T, kRecordClasses> a{};
  a.fill(v);
  return a;
}

// The protocol's record class of an incident (migration 3 has the same rule in SQL): from its
// content, never from where it came from.
inline RecordClass ClassOf(const Incident& inc) {
  bool gbv = inc.act_type == "sexual_violence", child = false;
  for (const auto& r : inc.risks) {
    gbv = gbv || r == "GBV";
    child = child || r == "REC";
  }
  return gbv ? RecordClass::kGbv : child ? RecordClass::kChild : RecordClass::kIncident;
}

// Rank of a sensitivity level (data/taxonomy/vocabularies.json "sensitivity", with its synonym
// "restricted"): public 0 < internal 1 < confidential 2 < strictly_confidential 3; nullopt for
// anything else (the store ranks such a record as the most restricted).
inline std::optional<int> SensitivityRank(std::string_view s) {
  if (s == "public") return 0;
  if (s == "internal" || s == "restricted") return 1;
  if (s == "confidential") return 2;
  if (s == "strictly_confidential") return 3;
  return std::nullopt;
}

// What a reader may see, computed from the protocol for a user (access/protocol.h) and passed to
// every read of individual records: the store turns it into the query's WHERE clause.
struct AccessScope {
  // Per record class: the highest sensitivity rank readable as individual records; -1 = none.
  std::array<int, kRecordClasses> max_rank = PerClass(-1);
  // Per record class: visible in aggregates.
  std::array<bool, kRecordClasses> aggregate = PerClass(false);
  // > 0: individual case records (incidents, reports) of this organisation only; the service
  // directory is shared (access/decision.h).
  int64_t only_organisation_id = 0;
  std::string who;  // for the audit: user id or "system"
};

// One row of the tamper-evident audit log. Never holds personal data: ids, actions, counts.
struct AuditRow {
  int64_t seq = 0;
  std::string at, actor, action, object_type, object_id, organisation, detail;
  std::string hash;  // chain hash (security/audit_chain.h)
};

// An incident as a reader sees it (the fields a list or detail view shows).
struct IncidentRecord {
  int64_t id = 0;
  std::string source, source_key, date_start, date_end, area_pcode, event_type, act_type;
  std::string perpetrator, organisation, source_type, verification, sensitivity, narrative;
  std::vector<std::string> risks;
  std::optional<int64_t> killed, injured;
  int record_class = 0;
  std::string contact;             // decrypted
  std::optional<double> lat, lon;  // exact where the reader may see the record
  int64_t duplicate_of = 0;        // a confirmed duplicate of that incident (counted once)
};

// A monitoring report as a reader sees it.
struct ReportRecord {
  int64_t id = 0;
  std::string source, source_key, period_start, period_end, area_pcode, respondent_type;
  std::string organisation;
  std::vector<RiskAnswer> answers;
};

// Filters and page of a monitoring-report list.
struct ReportQuery {
  std::string area, from, to, organisation;
  int64_t after_id = 0;
  int limit = 50;
};

// Break the glass: a time-limited emergency widening of one user's scope, with a reason.
struct BreakGlassGrant {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string reason;  // sealed: written by the user; kept in the store, never in the audit log
  int max_rank = 3;
  std::string granted_at, expires_at, ended_at;
};

// One version of the information-sharing protocol, as loaded.
struct ProtocolVersion {
  int64_t id = 0;
  std::string loaded_at, loaded_by, text;
};

// Filters and page of an incident list. Empty = no filter.
struct IncidentQuery {
  std::string area;          // P-code: the area and everything under it
  std::string from, to;      // dates, inclusive
  std::string risk;          // risk code
  std::string organisation;  // organisation code
  int64_t after_id = 0;      // keyset pagination: ids greater than this
  int limit = 50;
  // Open the personal fields (narrative, contact, exact location). Off for lists and exports:
  // they are read one record at a time, each read audited (data minimisation, and decryption
  // is most of a list page's cost).
  bool personal = false;
};

// --- family tracing and duplicates -------------------------------------------------------------

// A person in family tracing: registered (an unaccompanied or separated child, an adult on
// record) or sought (a tracing request). Name, relatives' names and date of birth are personal:
// sealed at rest like an incident's narrative.
struct TracingRecord {
  int64_t id = 0;
  std::string kind;          // "registered" or "request"
  std::string organisation;  // code of the organisation that holds the case
  std::string external_id;   // the organisation's case number; unique per organisation and kind
  std::string name, relative_names, date_of_birth;
  std::string sex;                 // "m", "f" or ""
  int age_min = -1, age_max = -1;  // years; -1 = unknown
  std::string area_pcode;          // last known place
  bool consent_for_tracing = false;
  TracingStatus status = TracingStatus::kOpen;  // stored as its text (record_states.h)
  std::string created_at, updated_at;
};

// An analyst's decision on a proposed pair. Tracing: left = the request, right = the registered
// person. Incident: left = the incident kept, right = its duplicate (confirmed sets the
// duplicate's duplicate_of to left, in the same transaction). One decision per pair; a new one
// replaces it (and a rejection clears a confirmed duplicate).
struct MatchDecision {
  int64_t id = 0;
  std::string kind;  // "tracing" or "incident"
  int64_t left_id = 0, right_id = 0;
  std::string decision;    // "confirmed" or "rejected"
  std::string decided_by;  // user id or "cli:<name>"
  std::string decided_at;
};

}  // namespace aegis::store
