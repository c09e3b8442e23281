#include "store/migrations.h"

namespace aegis::store {

namespace {

const char* kV1 = R"SQL(
CREATE TABLE organisation (
  id {{ID}},
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'ngo',
  created_at TEXT NOT NULL
);
CREATE TABLE data_source (
  id {{ID}},
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  organisation_id BIGINT REFERENCES organisation(id),
  source_type TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE area (
  pcode TEXT PRIMARY KEY,
  level INTEGER NOT NULL,
  name TEXT NOT NULL,
  parent_pcode TEXT REFERENCES area(pcode),
  country TEXT NOT NULL,
  alt_names TEXT NOT NULL DEFAULT '',
  lat {{REAL}},
  lon {{REAL}}
);
CREATE TABLE area_ancestor (
  pcode TEXT NOT NULL REFERENCES area(pcode),
  ancestor_pcode TEXT NOT NULL REFERENCES area(pcode),
  ancestor_level INTEGER NOT NULL,
  PRIMARY KEY (pcode, ancestor_level)
);
CREATE INDEX area_ancestor_up ON area_ancestor(ancestor_level, ancestor_pcode);
CREATE TABLE area_boundary (
  level INTEGER PRIMARY KEY,
  geojson TEXT NOT NULL,
  source_file TEXT NOT NULL,
  loaded_at TEXT NOT NULL
);
CREATE TABLE population (
  pcode TEXT NOT NULL REFERENCES area(pcode),
  year INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  total BIGINT NOT NULL,
  female BIGINT,
  male BIGINT,
  PRIMARY KEY (pcode, year, source)
);
CREATE TABLE import_run (
  id {{ID}},
  data_source_id BIGINT NOT NULL REFERENCES data_source(id),
  profile TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  rows_done BIGINT NOT NULL DEFAULT 0,
  n_read BIGINT NOT NULL DEFAULT 0,
  n_imported BIGINT NOT NULL DEFAULT 0,
  n_updated BIGINT NOT NULL DEFAULT 0,
  n_unchanged BIGINT NOT NULL DEFAULT 0,
  n_quarantined BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX import_run_file ON import_run(data_source_id, file_sha256, profile, status);
CREATE TABLE placement (
  id {{ID}},
  pcode TEXT NOT NULL,
  level INTEGER NOT NULL,
  method TEXT NOT NULL,
  confidence {{REAL}} NOT NULL,
  place_text TEXT NOT NULL,
  note TEXT NOT NULL,
  UNIQUE (place_text, method, pcode, note)
);
CREATE TABLE risk (
  code TEXT PRIMARY KEY,
  id INTEGER NOT NULL UNIQUE,
  bit BIGINT NOT NULL UNIQUE,
  label TEXT NOT NULL
);
CREATE TABLE incident (
  id {{ID}},
  data_source_id BIGINT NOT NULL REFERENCES data_source(id),
  source_key TEXT NOT NULL,
  content_hash BIGINT NOT NULL,
  date_start TEXT NOT NULL,
  date_end TEXT NOT NULL,
  country TEXT NOT NULL DEFAULT '',
  area_pcode TEXT REFERENCES area(pcode),
  area_level INTEGER NOT NULL DEFAULT -1,
  placement_id BIGINT REFERENCES placement(id),
  lat {{REAL}},
  lon {{REAL}},
  risk_mask BIGINT NOT NULL DEFAULT 0,
  event_type TEXT NOT NULL DEFAULT '',
  act_type TEXT NOT NULL DEFAULT '',
  perpetrator TEXT NOT NULL DEFAULT 'unknown',
  perpetrator_detail TEXT NOT NULL DEFAULT '',
  killed BIGINT,
  injured BIGINT,
  organisation_id BIGINT REFERENCES organisation(id),
  source_type TEXT NOT NULL,
  verification TEXT NOT NULL,
  sensitivity TEXT NOT NULL,
  consent_share INTEGER,
  consent_referral INTEGER,
  consent_tracing INTEGER,
  narrative TEXT NOT NULL DEFAULT '',
  import_run_id BIGINT REFERENCES import_run(id),
  created_run_id BIGINT REFERENCES import_run(id),
  source_row BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (data_source_id, source_key)
);
CREATE INDEX incident_area_date ON incident(area_pcode, date_start);
CREATE TABLE incident_victim (
  incident_id BIGINT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
  sex TEXT NOT NULL,
  age_band TEXT NOT NULL,
  disability TEXT NOT NULL,
  displacement TEXT NOT NULL,
  count BIGINT NOT NULL CHECK (count >= 0),
  PRIMARY KEY (incident_id, sex, age_band, disability, displacement)
);
CREATE TABLE monitoring_report (
  id {{ID}},
  data_source_id BIGINT NOT NULL REFERENCES data_source(id),
  source_key TEXT NOT NULL,
  content_hash BIGINT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  area_pcode TEXT REFERENCES area(pcode),
  area_level INTEGER NOT NULL DEFAULT -1,
  placement_id BIGINT REFERENCES placement(id),
  respondent_type TEXT NOT NULL,
  organisation_id BIGINT REFERENCES organisation(id),
  import_run_id BIGINT REFERENCES import_run(id),
  source_row BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (data_source_id, source_key)
);
CREATE INDEX monitoring_report_area ON monitoring_report(area_pcode, period_start);
CREATE TABLE monitoring_answer (
  report_id BIGINT NOT NULL REFERENCES monitoring_report(id) ON DELETE CASCADE,
  risk TEXT NOT NULL,
  present INTEGER,
  severity INTEGER CHECK (severity BETWEEN 1 AND 5),
  PRIMARY KEY (report_id, risk)
);
CREATE TABLE quarantine (
  id {{ID}},
  data_source_id BIGINT NOT NULL REFERENCES data_source(id),
  file_sha256 TEXT NOT NULL,
  row_no BIGINT NOT NULL,
  import_run_id BIGINT REFERENCES import_run(id),
  column_name TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  hint TEXT NOT NULL DEFAULT '',
  raw TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  UNIQUE (data_source_id, file_sha256, row_no)
)
)SQL";

// Version 2: what the analysis needs. A confirmed duplicate keeps its own row (both sources stay
// as evidence) and points at the incident it duplicates; analysts' severity overrides.
constexpr const char* kV2 = R"SQL(
ALTER TABLE incident ADD COLUMN duplicate_of BIGINT REFERENCES incident(id);
CREATE TABLE severity_override (
  id {{ID}},
  area_pcode TEXT NOT NULL REFERENCES area(pcode),
  risk TEXT NOT NULL,
  period TEXT NOT NULL,
  phase INTEGER NOT NULL CHECK (phase BETWEEN 1 AND 5),
  rationale TEXT NOT NULL CHECK (length(rationale) > 0),
  author TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX severity_override_key ON severity_override(area_pcode, risk, period)
)SQL";

// Version 3: accounts, sessions, API tokens, the audit log, the information-sharing protocol's
// versions, and each incident's record class and sensitivity rank, which reads filter on.
// record_class: 0 incident, 1 GBV/CRSV, 2 grave violation against children (see RecordClass).
constexpr const char* kV3 = R"SQL(
CREATE TABLE app_user (
  id {{ID}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  organisation_id BIGINT REFERENCES organisation(id),
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE app_session (
  token_digest TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES app_user(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE api_token (
  id {{ID}},
  token_digest TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES app_user(id),
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  organisation TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL
);
CREATE TABLE isp_version (
  id {{ID}},
  loaded_at TEXT NOT NULL,
  loaded_by TEXT NOT NULL,
  protocol TEXT NOT NULL
);
ALTER TABLE incident ADD COLUMN record_class INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident ADD COLUMN sensitivity_rank INTEGER NOT NULL DEFAULT 1;
UPDATE incident SET sensitivity_rank = CASE sensitivity WHEN 'public' THEN 0 WHEN 'internal' THEN 1
  WHEN 'confidential' THEN 2 ELSE 3 END;
UPDATE incident SET record_class = CASE
  WHEN act_type = 'sexual_violence' OR (risk_mask & coalesce((SELECT bit FROM risk WHERE code='GBV'), 0)) <> 0 THEN 1
  WHEN (risk_mask & coalesce((SELECT bit FROM risk WHERE code='REC'), 0)) <> 0 THEN 2
  ELSE 0 END
)SQL";

// Version 4: personal fields beside the narrative (encrypted like it: store.h FieldCipher), and
// break-the-glass grants. exact_location holds "lat,lon" of an individual, sealed; the plain
// lat/lon columns then keep only a rounded position (about 1 km) for maps.
constexpr const char* kV4 = R"SQL(
ALTER TABLE incident ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE incident ADD COLUMN exact_location TEXT NOT NULL DEFAULT '';
CREATE TABLE break_glass (
  id {{ID}},
  user_id BIGINT NOT NULL REFERENCES app_user(id),
  reason TEXT NOT NULL CHECK (length(reason) > 0),
  max_rank INTEGER NOT NULL,
  granted_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX break_glass_user ON break_glass(user_id, expires_at);
CREATE INDEX api_token_user ON api_token(user_id)
)SQL";

// Version 5: family tracing records (registered people and tracing requests; names, relatives and
// date of birth sealed like the narrative) and analysts' decisions on proposed pairs, tracing
// (request, registered person) and incident (incident, incident) alike. A rejected pair is never
// proposed again; a confirmed incident pair also sets incident.duplicate_of.
constexpr const char* kV5 = R"SQL(
CREATE TABLE tracing_record (
  id {{ID}},
  kind TEXT NOT NULL CHECK (kind IN ('registered', 'request')),
  organisation_id BIGINT NOT NULL REFERENCES organisation(id),
  external_id TEXT NOT NULL,
  name TEXT NOT NULL,
  relative_names TEXT NOT NULL DEFAULT '',
  date_of_birth TEXT NOT NULL DEFAULT '',
  sex TEXT NOT NULL DEFAULT '',
  age_min INTEGER NOT NULL DEFAULT -1,
  age_max INTEGER NOT NULL DEFAULT -1,
  area_pcode TEXT NOT NULL DEFAULT '',
  consent_for_tracing INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'open',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (organisation_id, kind, external_id)
);
CREATE TABLE match_decision (
  id {{ID}},
  kind TEXT NOT NULL CHECK (kind IN ('tracing', 'incident')),
  left_id BIGINT NOT NULL,
  right_id BIGINT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
  decided_by TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  UNIQUE (kind, left_id, right_id)
)
)SQL";

// Version 6: early warning (issue 6). Flash alerts (reporter, raw and free text sealed like the
// narrative), their triage history (reasons sealed), and the durable outbox of deliveries (one
// row per alert, recipient, channel and routing level, with its idempotency key). Times are
// epoch milliseconds, 0 = not set.
constexpr const char* kV6 = R"SQL(
CREATE TABLE alert (
  id {{ID}},
  source_key TEXT UNIQUE,
  channel TEXT NOT NULL,
  reporter TEXT NOT NULL DEFAULT '',
  raw_text TEXT NOT NULL DEFAULT '',
  free_text TEXT NOT NULL DEFAULT '',
  place_text TEXT NOT NULL DEFAULT '',
  area_pcode TEXT NOT NULL DEFAULT '',
  area_level INTEGER NOT NULL DEFAULT -1,
  risks TEXT NOT NULL DEFAULT '',
  urgency TEXT NOT NULL CHECK (urgency IN ('immediate', 'high', 'medium', 'low')),
  confidence {{REAL}} NOT NULL DEFAULT 0,
  parse_note TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'verified', 'unverified',
    'escalated', 'responded', 'closed')),
  needs_review INTEGER NOT NULL DEFAULT 0,
  merged_into BIGINT NOT NULL DEFAULT 0,
  escalation_level INTEGER NOT NULL DEFAULT 0,
  received_ms BIGINT NOT NULL,
  ack_due_ms BIGINT NOT NULL DEFAULT 0,
  acknowledged_ms BIGINT NOT NULL DEFAULT 0,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  updated_ms BIGINT NOT NULL
);
CREATE INDEX alert_due ON alert(acknowledged_ms, ack_due_ms);
CREATE TABLE alert_event (
  id {{ID}},
  alert_id BIGINT NOT NULL REFERENCES alert(id),
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_status TEXT NOT NULL DEFAULT '',
  to_status TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_event_alert ON alert_event(alert_id);
CREATE TABLE alert_delivery (
  id {{ID}},
  alert_id BIGINT NOT NULL REFERENCES alert(id),
  recipient TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('inbox', 'webhook', 'email')),
  level INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT NOT NULL UNIQUE,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL DEFAULT 0,
  claimed_until_ms BIGINT NOT NULL DEFAULT 0,
  delivered_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_delivery_due ON alert_delivery(delivered_ms, next_attempt_ms);
CREATE INDEX alert_delivery_alert ON alert_delivery(alert_id);
CREATE INDEX alert_delivery_recipient ON alert_delivery(recipient, alert_id)
)SQL";

// Version 7: several server processes on one store. Leases on background work that must run
// once across them (the scheduled analysis alerts): who holds each, until when (epoch ms). And
// the data version, bumped after every change the analysis reads, so that each process's cached
// analysis knows when another process (or the command line) changed the data.
constexpr const char* kV7 = R"SQL(
CREATE TABLE job_lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_ms BIGINT NOT NULL,
  runs BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE data_version (
  id INTEGER PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO data_version(id, version) VALUES (1, 0)
)SQL";

// Version 8: the reason an import stopped, so that every server process answers with it (not
// only the one that ran it; messages name files, rows and columns, never values). And the
// version of the tracing records (data_version row 2), so that each process's tracing index
// knows when another process changed a case.
constexpr const char* kV8 = R"SQL(
ALTER TABLE import_run ADD COLUMN error TEXT;
INSERT INTO data_version(id, version) VALUES (2, 0)
)SQL";

// Version 9: an import resumes only the same work. The import key is a digest over the file's
// digest, the sheet, the profile and the options that change what is read (ingest::ImportKey);
// an interrupted run is taken up only by an import with the same key, and a quarantined row is
// identified by its import's key (two sheets of one workbook have rows with the same numbers).
// Runs and quarantined rows of earlier versions keep their file digest as their key; a run left
// interrupted by an earlier version cannot be resumed under the new keys, so it ends failed with
// the way forward.
constexpr const char* kV9 = R"SQL(
ALTER TABLE import_run ADD COLUMN import_key TEXT;
UPDATE import_run SET import_key=file_sha256;
UPDATE import_run SET status='failed', error='interrupted before this version of Aegis; import '
  || 'the file again: the rows it committed count as unchanged' WHERE status='running';
DROP INDEX import_run_file;
CREATE INDEX import_run_key ON import_run(data_source_id, import_key, status);
ALTER TABLE quarantine RENAME COLUMN file_sha256 TO import_key
)SQL";

// Version 10: the service directory (store/service_store.h). One row per service (a provider,
// a service type), its contact point sealed; the areas it serves, at any level (everything
// below is covered). The sensitivity rank is the record's (a GBV-specialised service is at least
// confidential, access::ServiceRank).
constexpr const char* kV10 = R"SQL(
CREATE TABLE service (
  id {{ID}},
  data_source_id BIGINT NOT NULL REFERENCES data_source(id),
  source_key TEXT NOT NULL,
  content_hash BIGINT NOT NULL DEFAULT 0,
  organisation_id BIGINT REFERENCES organisation(id),
  provider TEXT NOT NULL DEFAULT '',
  provider_name TEXT NOT NULL DEFAULT '',
  provider_type TEXT NOT NULL DEFAULT '',
  service_type TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  modality TEXT NOT NULL DEFAULT 'static' CHECK (modality IN ('static', 'mobile', 'remote')),
  groups_served TEXT NOT NULL DEFAULT '',
  languages TEXT NOT NULL DEFAULT '',
  hours TEXT NOT NULL DEFAULT '',
  accepts_referrals INTEGER NOT NULL DEFAULT 1,
  gbv_specialised INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'defunct',
    'temporarily_closed')),
  assured_date TEXT NOT NULL DEFAULT '',
  sensitivity_rank INTEGER NOT NULL DEFAULT 1,
  contact TEXT NOT NULL DEFAULT '',
  import_run_id BIGINT REFERENCES import_run(id),
  source_row BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (data_source_id, source_key)
);
CREATE INDEX service_type_status ON service(service_type, status);
CREATE TABLE service_area (
  service_id BIGINT NOT NULL REFERENCES service(id),
  area_pcode TEXT NOT NULL REFERENCES area(pcode),
  PRIMARY KEY (service_id, area_pcode)
);
CREATE INDEX service_area_pcode ON service_area(area_pcode)
)SQL";

// Version 11: referrals (store/referral_store.h). A referral belongs to the organisation that
// refers and the one that receives; the person's fields, the reasons and an override's rationale
// are sealed. Its consent (one per referral: one release per receiving organisation), its
// history, and its in-app notices (ids and codes only). A client id, when given, is unique per
// referring organisation, so that a resend creates nothing twice.
constexpr const char* kV11 = R"SQL(
CREATE TABLE referral (
  id {{ID}},
  organisation_id BIGINT NOT NULL REFERENCES organisation(id),
  receiving_organisation_id BIGINT NOT NULL REFERENCES organisation(id),
  client_id TEXT NOT NULL DEFAULT '',
  case_code TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT 'direct' CHECK (origin IN ('incident', 'alert', 'tracing',
    'field', 'direct')),
  origin_id BIGINT NOT NULL DEFAULT 0,
  service_id BIGINT REFERENCES service(id),
  service_type TEXT NOT NULL,
  services_provided TEXT NOT NULL DEFAULT '',
  area_pcode TEXT NOT NULL DEFAULT '',
  priority TEXT NOT NULL CHECK (priority IN ('emergency', 'urgent', 'normal')),
  purpose TEXT NOT NULL,
  gbv INTEGER NOT NULL DEFAULT 0,
  sensitivity_rank INTEGER NOT NULL DEFAULT 2,
  person_name TEXT NOT NULL DEFAULT '',
  person_phone TEXT NOT NULL DEFAULT '',
  person_location TEXT NOT NULL DEFAULT '',
  person_sex TEXT NOT NULL DEFAULT '',
  person_age INTEGER NOT NULL DEFAULT -1,
  reason TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'rejected', 'closed',
    'withdrawn')),
  outcome TEXT NOT NULL DEFAULT '',
  status_reason TEXT NOT NULL DEFAULT '',
  override_reason TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  due_ms BIGINT NOT NULL,
  accepted_ms BIGINT NOT NULL DEFAULT 0,
  closed_ms BIGINT NOT NULL DEFAULT 0,
  updated_ms BIGINT NOT NULL,
  escalated_ms BIGINT NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX referral_client ON referral(organisation_id, client_id) WHERE client_id <> '';
CREATE INDEX referral_sent ON referral(organisation_id, id);
CREATE INDEX referral_received ON referral(receiving_organisation_id, id);
CREATE INDEX referral_due ON referral(status, due_ms);
CREATE TABLE referral_consent (
  referral_id BIGINT PRIMARY KEY REFERENCES referral(id),
  given_by TEXT NOT NULL DEFAULT '',
  caregiver_relation TEXT NOT NULL DEFAULT '',
  purpose TEXT NOT NULL DEFAULT '',
  receiving_organisation TEXT NOT NULL DEFAULT '',
  fields TEXT NOT NULL DEFAULT '',
  given_ms BIGINT NOT NULL DEFAULT 0,
  expires_ms BIGINT NOT NULL DEFAULT 0,
  withdrawn_ms BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE referral_event (
  id {{ID}},
  referral_id BIGINT NOT NULL REFERENCES referral(id),
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_status TEXT NOT NULL DEFAULT '',
  to_status TEXT NOT NULL DEFAULT ''
);
CREATE INDEX referral_event_referral ON referral_event(referral_id, id);
CREATE TABLE referral_notice (
  id {{ID}},
  referral_id BIGINT NOT NULL REFERENCES referral(id),
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX referral_notice_recipient ON referral_notice(recipient, id)
)SQL";

// Version 12: referral notices by webhook and e-mail through the durable outbox. A notice has
// a channel (in-app notices, delivered when written, and those of the outside recipients the
// routing file names for referrals), an idempotency key and its delivery state, as an alert's.
constexpr const char* kV12 = R"SQL(
ALTER TABLE referral_notice ADD COLUMN channel TEXT NOT NULL DEFAULT 'inbox';
ALTER TABLE referral_notice ADD COLUMN idempotency_key TEXT;
ALTER TABLE referral_notice ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referral_notice ADD COLUMN next_attempt_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE referral_notice ADD COLUMN claimed_until_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE referral_notice ADD COLUMN delivered_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE referral_notice ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
UPDATE referral_notice SET delivered_ms = created_ms;
CREATE UNIQUE INDEX referral_notice_key ON referral_notice(idempotency_key);
CREATE INDEX referral_notice_due ON referral_notice(delivered_ms, next_attempt_ms)
)SQL";

// Version 13: life-saving messages to communities: contacts who opted in (phone and e-mail
// sealed; phone_key finds one by number), the areas of each, messages with their translations,
// and the outbox of sends (one per message, contact and channel; delivered_ms set once wired to
// the gateway or cancelled).
constexpr const char* kV13 = R"SQL(
CREATE TABLE contact (
  id {{ID}},
  organisation_id BIGINT NOT NULL REFERENCES organisation(id),
  phone TEXT NOT NULL DEFAULT '',
  phone_key TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL,
  channels TEXT NOT NULL DEFAULT 'sms',
  status TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'blocked')),
  opted_in_date TEXT NOT NULL,
  opted_in_via TEXT NOT NULL,
  stopped_ms BIGINT NOT NULL DEFAULT 0,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_phone_key ON contact(phone_key);
CREATE TABLE contact_area (
  contact_id BIGINT NOT NULL REFERENCES contact(id),
  pcode TEXT NOT NULL,
  PRIMARY KEY (contact_id, pcode)
);
CREATE INDEX contact_area_pcode ON contact_area(pcode, contact_id);
CREATE TABLE message (
  id {{ID}},
  organisation_id BIGINT NOT NULL DEFAULT 0,
  title TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  risks TEXT NOT NULL DEFAULT '',
  alert_id BIGINT NOT NULL DEFAULT 0,
  areas TEXT NOT NULL,
  channels TEXT NOT NULL,
  base_language TEXT NOT NULL,
  translations TEXT NOT NULL,
  service_ids TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'sending', 'sent', 'withdrawn')),
  author_id BIGINT NOT NULL,
  approver_id BIGINT NOT NULL DEFAULT 0,
  sent_by BIGINT NOT NULL DEFAULT 0,
  send_at_ms BIGINT NOT NULL DEFAULT 0,
  withdrawn_reason TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  approved_ms BIGINT NOT NULL DEFAULT 0,
  sent_ms BIGINT NOT NULL DEFAULT 0,
  withdrawn_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX message_alert ON message(alert_id);
CREATE TABLE message_send (
  id {{ID}},
  message_id BIGINT NOT NULL REFERENCES message(id),
  contact_id BIGINT NOT NULL REFERENCES contact(id),
  channel TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'wired', 'delivered', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  claimed_until_ms BIGINT NOT NULL DEFAULT 0,
  delivered_ms BIGINT NOT NULL DEFAULT 0,
  receipt_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX message_send_key ON message_send(idempotency_key);
CREATE INDEX message_send_due ON message_send(delivered_ms, next_attempt_ms);
CREATE INDEX message_send_message ON message_send(message_id, state);
CREATE INDEX message_send_contact ON message_send(contact_id, delivered_ms)
)SQL";

}  // namespace

const std::vector<IndexDef>& DeferrableIndexes() {
  static const std::vector<IndexDef> kAll = {
      {"incident_area_date",
       "CREATE INDEX IF NOT EXISTS incident_area_date ON incident(area_pcode, date_start)"},
  };
  return kAll;
}

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "organisations, sources, areas, population, incidents, monitoring reports, imports", kV1},
      {2, "confirmed duplicates, severity overrides", kV2},
      {3, "accounts, sessions, API tokens, audit log, sharing protocol, record classes", kV3},
      {4, "encrypted contact and exact location of incidents, break-the-glass grants", kV4},
      {5, "family tracing records, decisions on proposed pairs (tracing, duplicate incidents)",
       kV5},
      {6, "early warning: flash alerts, their triage history, the delivery outbox", kV6},
      {7, "leases on background work run once across server processes, the data version", kV7},
      {8, "the reason a failed import stopped, the version of the tracing records", kV8},
      {9, "imports resume only the same file, sheet, profile and options (the import key)", kV9},
      {10, "the service directory: services, the areas each serves", kV10},
      {11, "referrals with their consent, history and notices", kV11},
      {12, "referral notices by webhook and e-mail through the durable outbox", kV12},
      {13, "life-saving messages: contacts who opted in, messages, their sends", kV13},
  };
  return kAll;
}

std::string ForDialect(const std::string& sql, const std::string& id_type,
                       const std::string& real_type) {
  std::string out = sql;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t p = out.find(from); p != std::string::npos; p = out.find(from, p + to.size()))
      out.replace(p, from.size(), to);
  };
  replace_all("{{ID}}", id_type);
  replace_all("{{REAL}}", real_type);
  return out;
}

}  // namespace aegis::store
