// The Store interface over the SQL seam, on SQLite and PostgreSQL alike (sql_store.h): the
// schema, imports, the analysis scans and the checks.
#include "store/sql_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "util/text.h"

namespace aegis::store {

namespace {

int64_t AsSigned(uint64_t h) { return static_cast<int64_t>(h); }

std::string JoinAlt(const std::vector<std::string>& v) { return text::Join(v, "|"); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Areas

Status SqlStore::UpsertAreas(const std::vector<AreaRow>& areas) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO area(pcode, level, name, parent_pcode, country, alt_names, lat, lon) "
              "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(pcode) DO UPDATE SET level=excluded.level, "
              "name=excluded.name, parent_pcode=excluded.parent_pcode, country=excluded.country, "
              "alt_names=excluded.alt_names, lat=excluded.lat, lon=excluded.lon"));
  Status st;
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
  st = tx.Finish(st);
  return Changed(st);
}

Status SqlStore::AddAncestors(const std::vector<AreaRow>& areas) {
  // The closure table lets every query roll a record up to any level with one join.
  AEGIS_ASSIGN_OR_RETURN(Stmt up,
                         Prepare(db_, "SELECT parent_pcode, level FROM area WHERE pcode=?"));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt ins,
      Prepare(db_,
              "INSERT INTO area_ancestor(pcode, ancestor_pcode, ancestor_level) VALUES (?,?,?) "
              "ON CONFLICT(pcode, ancestor_level) DO UPDATE SET "
              "ancestor_pcode=excluded.ancestor_pcode"));
  AEGIS_ASSIGN_OR_RETURN(Stmt del, Prepare(db_, "DELETE FROM area_ancestor WHERE pcode=?"));
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

Result<std::vector<AreaRow>> SqlStore::LoadAreas() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT pcode, level, name, coalesce(parent_pcode,''), country, alt_names, lat, lon "
              "FROM area ORDER BY level, pcode"));
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

Status SqlStore::UpsertPopulation(const std::vector<Population>& rows) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO population(pcode, year, source, total, female, male) VALUES "
              "(?,?,?,?,?,?) ON CONFLICT(pcode, year, source) DO UPDATE SET total=excluded.total,"
              " female=excluded.female, male=excluded.male"));
  Status st;
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
  st = tx.Finish(st);
  return Changed(st);
}

// ---------------------------------------------------------------------------------------------
// Imports

Result<ImportRun> SqlStore::BeginImportRun(int64_t source_id, const std::string& profile,
                                           const std::string& file_name, const std::string& sha,
                                           const std::string& key) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt find, Prepare(db_,
                         "SELECT id FROM import_run WHERE data_source_id=? AND import_key=? AND "
                         "status=? ORDER BY id DESC LIMIT 1"));
  find.Bind(1, source_id).Bind(2, key).Bind(3, ToString(ImportRunStatus::kRunning));
  Status st;
  if (find.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(ImportRun run, GetImportRun(find.Int(0)));
    run.resumed = true;
    return run;
  }
  AEGIS_RETURN_IF_ERROR(st);
  AEGIS_ASSIGN_OR_RETURN(
      Stmt ins,
      Prepare(db_,
              "INSERT INTO import_run(data_source_id, profile, file_name, file_sha256, import_key, "
              "status, started_at) VALUES (?,?,?,?,?,?,?)"));
  AEGIS_RETURN_IF_ERROR(ins.Bind(1, source_id)
                            .Bind(2, profile)
                            .Bind(3, file_name)
                            .Bind(4, sha)
                            .Bind(5, key)
                            .Bind(6, ToString(ImportRunStatus::kRunning))
                            .Bind(7, NowUtc())
                            .Run());
  return GetImportRun(db_->LastInsertId());
}

Result<ImportRun> SqlStore::GetImportRun(int64_t run_id) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT id, data_source_id, profile, file_name, file_sha256, status, rows_done, "
              "n_read, n_imported, n_updated, n_unchanged, n_quarantined, coalesce(error,''), "
              "coalesce(import_key,'') FROM import_run WHERE id=?"));
  s.Bind(1, run_id);
  Status st;
  if (!s.Step(&st)) return st.ok() ? Status::NotFound("import run " + std::to_string(run_id)) : st;
  ImportRun r;
  r.id = s.Int(0);
  r.data_source_id = s.Int(1);
  r.profile = s.Text(2);
  r.file_name = s.Text(3);
  r.file_sha256 = s.Text(4);
  AEGIS_ASSIGN_OR_RETURN(r.status, ParseImportRunStatus(s.View(5)));
  r.rows_done = s.Int(6);
  r.read = s.Int(7);
  r.imported = s.Int(8);
  r.updated = s.Int(9);
  r.unchanged = s.Int(10);
  r.quarantined = s.Int(11);
  r.error = s.Text(12);
  r.import_key = s.Text(13);
  return r;
}

Result<std::optional<int64_t>> SqlStore::OrgId(const std::string& code) {
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
Result<SqlStore::Written> SqlStore::UpsertIncident(const Incident& inc, const ImportBatch& b,
                                                   const std::string& now, bool try_insert) {
  static const char* kCols =
      "content_hash, date_start, date_end, country, area_pcode, area_level, placement_id, "
      "lat, lon, risk_mask, event_type, act_type, "
      "perpetrator, perpetrator_detail, killed, injured, organisation_id, source_type, "
      "verification, sensitivity, consent_share, consent_referral, consent_tracing, narrative, "
      "import_run_id, source_row, updated_at, record_class, sensitivity_rank, contact, "
      "exact_location";
  if (!insert_incident_.valid()) {
    // All three or none, so that a failed prepare is tried again at the next call.
    AEGIS_ASSIGN_OR_RETURN(Stmt find, Prepare(db_,
                                              "SELECT id, content_hash FROM incident WHERE "
                                              "data_source_id=? AND source_key=?"));
    AEGIS_ASSIGN_OR_RETURN(
        Stmt update, Prepare(db_, std::string("UPDATE incident SET (") + kCols +
                                      ") = (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
                                      "?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,"
                                      "?30,?31) WHERE id=?32"));
    AEGIS_ASSIGN_OR_RETURN(
        Stmt insert,
        Prepare(db_,
                std::string("INSERT INTO incident(") + kCols +
                    ", data_source_id, source_key, created_run_id, created_at) VALUES (?1,?2,?3,"
                    "?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
                    "?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?25,?27) ON CONFLICT(data_source_id, "
                    "source_key) DO NOTHING" +
                    // On PostgreSQL the id comes back with the insert: no lastval() round trip.
                    (sqlite() ? "" : " RETURNING id")));
    find_incident_ = std::move(find);
    update_incident_ = std::move(update);
    insert_incident_ = std::move(insert);
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
  AEGIS_ASSIGN_OR_RETURN(std::string narrative, Seal(inc.narrative, "incident.narrative"));
  AEGIS_ASSIGN_OR_RETURN(std::string contact, Seal(inc.contact, "incident.contact"));
  // An individual's exact position is sealed; the plain columns keep it rounded to about 1 km
  // for maps. Public records (ACLED events) keep their published coordinates.
  std::optional<double> lat = inc.lat, lon = inc.lon;
  std::string exact;
  if (cipher_ && lat && lon && inc.sensitivity != "public") {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f,%.6f", *lat, *lon);
    AEGIS_ASSIGN_OR_RETURN(exact, Seal(buf, "incident.exact_location"));
    lat = std::round(*lat * 100) / 100;
    lon = std::round(*lon * 100) / 100;
  }
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
      .Bind(8, lat)
      .Bind(9, lon)
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
      .BindStatic(24, narrative)
      .Bind(25, b.run_id > 0 ? std::optional<int64_t>(b.run_id) : std::nullopt)
      .Bind(26, inc.source_row)
      .BindStatic(27, now)
      .Bind(28, static_cast<int64_t>(ClassOf(inc)))
      .Bind(29, static_cast<int64_t>(SensitivityRank(inc.sensitivity).value_or(3)))
      .BindStatic(30, contact)
      .BindStatic(31, exact);
  if (w.id) {
    s.Bind(32, w.id);
  } else {
    s.Bind(32, b.data_source_id).BindStatic(33, inc.source_key);
  }
  int64_t returned = s.Step(&st) ? s.Int(0) : 0;  // the new id, on PostgreSQL
  s.Reset();
  AEGIS_RETURN_IF_ERROR(st);
  if (!w.id && db_->Changes() == 0) {
    // The key exists (INSERT ... ON CONFLICT DO NOTHING did nothing): compare and update.
    return UpsertIncident(inc, b, now, /*try_insert=*/false);
  }
  w.outcome = w.id ? Written::kUpdated : Written::kImported;
  if (!w.id) w.id = sqlite() ? db_->LastInsertId() : returned;
  return w;
}

Status SqlStore::WriteVictims(const Incident& inc, int64_t id, bool replace) {
  if (replace) {
    AEGIS_ASSIGN_OR_RETURN(Stmt & del, Cached("DELETE FROM incident_victim WHERE incident_id=?"));
    AEGIS_RETURN_IF_ERROR(del.Bind(1, id).Run());
  }
  if (inc.victims.empty()) return Status::Ok();
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & v,
      Cached("INSERT INTO incident_victim(incident_id, sex, age_band, disability, "
             "displacement, count) VALUES (?,?,?,?,?,?) ON CONFLICT(incident_id, sex, "
             "age_band, disability, displacement) DO UPDATE SET count=incident_victim.count"
             "+excluded.count"));
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
Status SqlStore::LoadRiskBits() {
  risk_bits_.clear();
  risk_order_.clear();
  AEGIS_ASSIGN_OR_RETURN(Stmt all, Prepare(db_, "SELECT code, bit FROM risk ORDER BY bit"));
  Status st;
  while (all.Step(&st)) {
    risk_bits_[all.Text(0)] = all.Int(1);
    risk_order_.emplace_back(all.Text(0), all.Int(1));
  }
  return st;
}

Result<int64_t> SqlStore::RiskMask(const std::vector<std::string>& codes) {
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
Result<int64_t> SqlStore::PlacementId(const Placement& p) {
  uint64_t key =
      text::Hash64(p.text, text::Hash64(p.note, text::Hash64(p.method, text::Hash64(p.pcode))));
  auto it = placement_ids_.find(key);
  if (it != placement_ids_.end()) return it->second;
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & ins,
      Cached("INSERT INTO placement(pcode, level, method, confidence, place_text, note) "
             "VALUES (?,?,?,?,?,?) ON CONFLICT(place_text, method, pcode, note) DO "
             "NOTHING"));
  AEGIS_RETURN_IF_ERROR(ins.Bind(1, p.pcode)
                            .Bind(2, static_cast<int64_t>(p.level))
                            .Bind(3, p.method)
                            .Bind(4, p.confidence)
                            .Bind(5, p.text)
                            .Bind(6, p.note)
                            .Run());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & find,
      Cached("SELECT id FROM placement WHERE place_text=? AND method=? AND pcode=? AND "
             "note=?"));
  find.Bind(1, p.text).Bind(2, p.method).Bind(3, p.pcode).Bind(4, p.note);
  Status st;
  int64_t id = find.Step(&st) ? find.Int(0) : 0;
  find.Reset();
  AEGIS_RETURN_IF_ERROR(st);
  if (!id) return Status::Internal("placement row missing after insert");
  placement_ids_[key] = id;
  return id;
}

Status SqlStore::SyncRisks(const std::vector<std::pair<std::string, int>>& risks) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO risk(code, id, bit, label) VALUES (?,?,?,?) ON CONFLICT(code) DO "
              "NOTHING"));
  Status st;
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
  st = tx.Finish(st);
  AEGIS_RETURN_IF_ERROR(st);
  return LoadRiskBits();
}

Result<int64_t> SqlStore::WriteReport(const MonitoringReport& r, int64_t source_id, int64_t run_id,
                                      int64_t existing_id) {
  AEGIS_ASSIGN_OR_RETURN(std::optional<int64_t> org, OrgId(r.organisation_code));
  AEGIS_ASSIGN_OR_RETURN(int64_t placement, PlacementId(r.place));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s,
      existing_id
          ? Cached("UPDATE monitoring_report SET (content_hash, period_start, period_end, "
                   "area_pcode, area_level, placement_id, respondent_type, organisation_id, "
                   "import_run_id, source_row, updated_at) = (?,?,?,?,?,?,?,?,?,?,?) WHERE "
                   "id=?12")
          : Cached("INSERT INTO monitoring_report(content_hash, period_start, period_end, "
                   "area_pcode, area_level, placement_id, respondent_type, organisation_id, "
                   "import_run_id, source_row, updated_at, data_source_id, source_key, "
                   "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?11)"));
  s.Bind(1, AsSigned(r.content_hash)).Bind(2, r.period_start).Bind(3, r.period_end);
  if (r.place.pcode.empty())
    s.BindNull(4);
  else
    s.Bind(4, r.place.pcode);
  s.Bind(5, static_cast<int64_t>(r.place.level))
      .Bind(6, placement)
      .Bind(7, r.respondent_type)
      .Bind(8, org)
      .Bind(9, run_id > 0 ? std::optional<int64_t>(run_id) : std::nullopt)
      .Bind(10, r.source_row)
      .Bind(11, NowUtc());
  if (existing_id)
    s.Bind(12, existing_id);
  else
    s.Bind(12, source_id).Bind(13, r.source_key);
  AEGIS_RETURN_IF_ERROR(s.Run());
  int64_t id = existing_id ? existing_id : db_->LastInsertId();
  if (existing_id) {
    AEGIS_ASSIGN_OR_RETURN(Stmt & del, Cached("DELETE FROM monitoring_answer WHERE report_id=?"));
    AEGIS_RETURN_IF_ERROR(del.Bind(1, id).Run());
  }
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & a,
      Cached("INSERT INTO monitoring_answer(report_id, risk, present, severity) VALUES "
             "(?,?,?,?) ON CONFLICT(report_id, risk) DO UPDATE SET present=excluded.present,"
             " severity=excluded.severity"));
  for (const RiskAnswer& ans : r.answers) {
    std::optional<int64_t> sev;
    if (ans.severity) sev = *ans.severity;
    AEGIS_RETURN_IF_ERROR(a.Bind(1, id).Bind(2, ans.risk).Bind(3, ans.present).Bind(4, sev).Run());
  }
  return id;
}

Status SqlStore::WriteQuarantine(const QuarantinedRow& q, const ImportBatch& b) {
  AEGIS_ASSIGN_OR_RETURN(std::string raw, Seal(q.raw_json, "quarantine.raw"));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s, Cached("INSERT INTO quarantine(data_source_id, import_key, row_no, import_run_id, "
                       "column_name, reason, hint, raw, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
                       "ON CONFLICT(data_source_id, import_key, row_no) DO UPDATE SET "
                       "import_run_id=excluded.import_run_id, column_name=excluded.column_name, "
                       "reason=excluded.reason, hint=excluded.hint, raw=excluded.raw"));
  return s.Bind(1, b.data_source_id)
      .Bind(2, b.import_key)
      .Bind(3, q.row)
      .Bind(4, b.run_id)
      .Bind(5, q.column)
      .Bind(6, q.reason)
      .Bind(7, q.hint)
      .Bind(8, raw)
      .Bind(9, NowUtc())
      .Run();
}

Result<BatchOutcome> SqlStore::ApplyBatchInTx(const ImportBatch& b) {
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
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & find_r, Cached("SELECT id, content_hash FROM monitoring_report WHERE data_source_id=? "
                            "AND source_key=?"));
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
    AEGIS_RETURN_IF_ERROR(WriteReport(r, b.data_source_id, b.run_id, existing).status());
    ++(existing ? out.updated : out.imported);
  }
  AEGIS_RETURN_IF_ERROR(ApplyServices(b, &out));
  out.unchanged += b.also_unchanged;
  for (const QuarantinedRow& q : b.quarantined) AEGIS_RETURN_IF_ERROR(WriteQuarantine(q, b));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & run,
      Cached("UPDATE import_run SET rows_done=?, n_read=n_read+?, "
             "n_imported=n_imported+?, n_updated=n_updated+?, n_unchanged=n_unchanged+?, "
             "n_quarantined=n_quarantined+? WHERE id=?"));
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
// (PostgreSQL keeps checking them: it has no such switch for one session's writes.)
Result<BatchOutcome> SqlStore::ApplyImportBatch(const ImportBatch& batch) {
  if (sqlite()) AEGIS_RETURN_IF_ERROR(Exec(db_, "PRAGMA foreign_keys=OFF"));
  Status st;
  Result<BatchOutcome> r = BatchOutcome{};
  {
    sql::WriteTx tx(db_);
    Status begun = tx.Begin();
    r = begun.ok() ? ApplyBatchInTx(batch) : Result<BatchOutcome>(begun);
    st = tx.Finish(r.status());
  }
  if (sqlite()) (void)Exec(db_, "PRAGMA foreign_keys=ON");
  if (!st.ok()) {
    org_ids_.clear();  // ids created in the rolled-back transaction are gone
    placement_ids_.clear();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(BumpDataVersion());
  return r;
}

Result<std::vector<QuarantinedRow>> SqlStore::ListQuarantine(int64_t source_id,
                                                             const std::string& key) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "SELECT row_no, column_name, reason, hint, raw FROM quarantine WHERE "
                      "data_source_id=? AND import_key=? ORDER BY row_no"));
  s.Bind(1, source_id).Bind(2, key);
  std::vector<QuarantinedRow> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(std::string raw, Unseal(s.View(4), "quarantine.raw"));
    out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), std::move(raw)});
  }
  if (!st.ok()) return st;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading, checking, backup

Result<RecordCounts> SqlStore::Counts() {
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
            {"service", &c.services},
            {"referral", &c.referrals},
            {"quarantine", &c.quarantined},
            {"import_run", &c.import_runs}};
  for (auto& q : qs) {
    AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, std::string("SELECT count(*) FROM ") + q.table));
    Status st;
    if (s.Step(&st)) *q.out = s.Int(0);
    AEGIS_RETURN_IF_ERROR(st);
  }
  return c;
}

Result<std::vector<SummaryRow>> SqlStore::MonthlySummary(int level, const std::string& from,
                                                         const std::string& to) {
  // Per area of the level (through the ancestor closure), then the records placed above it: on
  // an area of a lower level number, or on a country only (area_pcode NULL), one "not further
  // located" group per place. Level 0 groups by country.
  static constexpr const char* kMeasures =
      "count(*), coalesce(sum(i.killed),0), "
      "coalesce(sum((SELECT sum(count) FROM incident_victim v WHERE v.incident_id=i.id)),0), "
      "count(DISTINCT i.data_source_id)";
  auto parts = [](const std::string& key, const std::string& name, const std::string& from_where,
                  const std::string& cond, int nfl) {
    const std::string flag = ", " + std::to_string(nfl);
    const std::string where = " WHERE " + cond + " AND i.date_start>=?2 AND i.date_start<=?3";
    return "SELECT " + key + ", " + name +
           ", substr(i.date_start,1,7) AS month, coalesce(r.code,'') AS risk, " + kMeasures + flag +
           " " + from_where + " LEFT JOIN risk r ON (i.risk_mask & r.bit) <> 0" + where +
           " GROUP BY " + key + ", " + name + ", month, risk UNION ALL SELECT " + key + ", " +
           name + ", substr(i.date_start,1,7) AS month, '*', " + kMeasures + flag + " " +
           from_where + where + " GROUP BY " + key + ", " + name + ", month";
  };
  const std::string placed = "FROM incident i LEFT JOIN area a ON a.pcode=i.area_pcode";
  std::string sql;
  if (level == 0) {
    sql = parts("coalesce(a.country, i.country)", "coalesce(a.country, i.country)", placed,
                "coalesce(a.country, i.country) <> '' AND ?1=0", 0);
  } else {
    sql = parts("aa.ancestor_pcode", "a.name",
                "FROM incident i JOIN area_ancestor aa ON aa.pcode=i.area_pcode AND "
                "aa.ancestor_level=?1 JOIN area a ON a.pcode=aa.ancestor_pcode",
                "1=1", 0) +
          " UNION ALL " +
          parts("coalesce(i.area_pcode, i.country)", "coalesce(a.name, i.country)", placed,
                "(a.level < ?1 OR (i.area_pcode IS NULL AND i.country <> ''))", 1);
  }
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql + " ORDER BY 3, 9, 1, 4"));
  s.Bind(1, static_cast<int64_t>(level)).Bind(2, from).Bind(3, to);
  std::vector<SummaryRow> out;
  Status st;
  while (s.Step(&st)) {
    out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Int(6),
                   s.Int(7), s.Int(8) != 0});
  }
  if (!st.ok()) return st;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Analysis reads

Status SqlStore::ScanIncidentFacts(const std::function<void(const IncidentFact&)>& fn) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT id, area_pcode, date_start, source_type, sensitivity, act_type, risk_mask, "
              "coalesce(killed,0), coalesce(injured,0), coalesce(organisation_id,0), "
              "coalesce(duplicate_of,0), record_class, country FROM incident "
              "WHERE area_pcode IS NOT NULL OR country <> '' ORDER BY id"));
  s.Stream();
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
    f.record_class = static_cast<int>(s.Int(11));
    f.country = s.View(12);
    fn(f);
  }
  return st;
}

Status SqlStore::ScanVictimFacts(const std::function<void(const VictimFact&)>& fn) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(
          db_,
          "SELECT incident_id, sex, age_band, disability, displacement, count FROM incident_victim "
          "ORDER BY incident_id"));
  s.Stream();
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

Status SqlStore::ScanAnswerFacts(const std::function<void(const AnswerFact&)>& fn) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT r.area_pcode, r.period_start, a.risk, coalesce(a.present,-1), "
              "coalesce(a.severity,0), coalesce(r.organisation_id,0) FROM monitoring_answer a JOIN "
              "monitoring_report r ON r.id=a.report_id WHERE r.area_pcode IS NOT NULL"));
  s.Stream();
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

Result<std::vector<std::pair<std::string, int64_t>>> SqlStore::RiskBits() {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "SELECT code, bit FROM risk ORDER BY id"));
  std::vector<std::pair<std::string, int64_t>> out;
  Status st;
  while (s.Step(&st)) out.emplace_back(s.Text(0), s.Int(1));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<Population>> SqlStore::LoadPopulation() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(
          db_,
          "SELECT pcode, year, total, female, male, source FROM population ORDER BY pcode, year"));
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

Status SqlStore::SetDuplicateOf(int64_t id, int64_t of) {
  if (id == of) return Status::InvalidArgument("an incident cannot duplicate itself");
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "UPDATE incident SET duplicate_of=? WHERE id=?"));
  if (of == 0)
    s.BindNull(1);
  else
    s.Bind(1, of);
  s.Bind(2, id);
  AEGIS_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return Status::NotFound("incident " + std::to_string(id));
  return BumpDataVersion();
}

Result<int64_t> SqlStore::AddSeverityOverride(const SeverityOverride& o) {
  if (o.phase < 1 || o.phase > 5)
    return Status::InvalidArgument("phase " + std::to_string(o.phase) + ": give 1 to 5");
  if (text::Trim(o.rationale).empty())
    return Status::InvalidArgument("an override needs a written rationale (--rationale)");
  if (text::Trim(o.author).empty())
    return Status::InvalidArgument("an override needs its author (--by)");
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "INSERT INTO severity_override(area_pcode, risk, period, phase, rationale, author, "
              "created_at) VALUES (?,?,?,?,?,?,?)"));
  AEGIS_RETURN_IF_ERROR(s.Bind(1, o.area_pcode)
                            .Bind(2, o.risk)
                            .Bind(3, o.period)
                            .Bind(4, static_cast<int64_t>(o.phase))
                            .Bind(5, o.rationale)
                            .Bind(6, o.author)
                            .Bind(7, o.created_at.empty() ? NowUtc() : o.created_at)
                            .Run());
  int64_t id = db_->LastInsertId();
  AEGIS_RETURN_IF_ERROR(BumpDataVersion());
  return id;
}

Result<std::vector<SeverityOverride>> SqlStore::LoadSeverityOverrides() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT id, area_pcode, risk, period, phase, rationale, author, created_at FROM "
              "severity_override ORDER BY id"));
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

// Key rotation and first encryption: each personal column is walked in id order, in short
// transactions, so that the server keeps serving. A value changed by someone else meanwhile is
// left alone (compare-and-set on the old value) and picked up by the next pass.
Result<int64_t> SqlStore::ResealFields(int batch, const std::function<void(int64_t)>& progress) {
  if (!cipher_) return Status::InvalidArgument("no key file: the store has no cipher to seal with");
  struct Column {
    const char* table;
    const char* key;
    const char* column;
    const char* context;
  };
  static const Column kColumns[] = {
      {"incident", "id", "narrative", "incident.narrative"},
      {"incident", "id", "contact", "incident.contact"},
      {"incident", "id", "exact_location", "incident.exact_location"},
      {"quarantine", "id", "raw", "quarantine.raw"},
      {"tracing_record", "id", "name", "tracing_record.name"},
      {"tracing_record", "id", "relative_names", "tracing_record.relative_names"},
      {"tracing_record", "id", "date_of_birth", "tracing_record.date_of_birth"},
      {"alert", "id", "reporter", "alert.reporter"},
      {"service", "id", "contact", "service.contact"},
      {"contact", "id", "phone", "contact.phone"},
      {"contact", "id", "email", "contact.email"},
      {"referral", "id", "person_name", "referral.person_name"},
      {"referral", "id", "person_phone", "referral.person_phone"},
      {"referral", "id", "person_location", "referral.person_location"},
      {"referral", "id", "reason", "referral.reason"},
      {"referral", "id", "status_reason", "referral.status_reason"},
      {"referral", "id", "override_reason", "referral.override_reason"},
      {"alert", "id", "raw_text", "alert.raw_text"},
      {"alert", "id", "free_text", "alert.free_text"},
      {"alert_event", "id", "reason", "alert_event.reason"},
      {"break_glass", "id", "reason", "break_glass.reason"},
  };
  const std::string prefix = cipher_->ActivePrefix();
  int64_t changed = 0;
  for (const Column& c : kColumns) {
    std::string col = c.column, table = c.table, key = c.key;
    std::string select = "SELECT " + key + ", " + col + " FROM " + table + " WHERE " + key +
                         ">? AND " + col + "<>'' AND substr(" + col + ",1," +
                         std::to_string(prefix.size()) + ")<>? ORDER BY " + key + " LIMIT ?";
    std::string update =
        "UPDATE " + table + " SET " + col + "=? WHERE " + key + "=? AND " + col + "=?";
    int64_t after = 0;
    for (;;) {
      std::vector<std::pair<int64_t, std::string>> rows;
      {
        AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, select));
        s.Bind(1, after).Bind(2, prefix).Bind(3, static_cast<int64_t>(batch));
        Status st;
        while (s.Step(&st)) rows.emplace_back(s.Int(0), s.Text(1));
        AEGIS_RETURN_IF_ERROR(st);
      }
      if (rows.empty()) break;
      after = rows.back().first;
      sql::WriteTx tx(db_);
      AEGIS_RETURN_IF_ERROR(tx.Begin());
      AEGIS_ASSIGN_OR_RETURN(Stmt u, Prepare(db_, update));  // prepared once per batch
      Status st;
      for (const auto& [id, old] : rows) {
        if (!st.ok()) break;
        Result<std::string> plain = cipher_->Open(old, c.context);
        Result<std::string> sealed = plain.ok() ? cipher_->Seal(*plain, c.context) : plain;
        if (!sealed.ok()) {
          st = Status::Corruption(table + " " + std::to_string(id) + " " + col + ": " +
                                  sealed.status().message());
          break;
        }
        u.Reset();
        st = u.Bind(1, *sealed).Bind(2, id).Bind(3, old).Run();
        if (!st.ok()) break;
        changed += db_->Changes();
      }
      if (!st.ok()) {
        tx.Rollback();
        return st;
      }
      AEGIS_RETURN_IF_ERROR(tx.Commit());
      if (progress) progress(changed);
    }
  }
  return changed;
}

Result<std::string> SqlStore::ContentDigest() {
  // Canonical order by natural keys; surrogate ids, run ids and timestamps are left out.
  const char* queries[] = {
      "SELECT code, name, kind FROM organisation ORDER BY code",
      "SELECT d.code, d.kind, d.source_type FROM data_source d ORDER BY d.code",
      "SELECT pcode, level, name, coalesce(parent_pcode,''), country, alt_names FROM area "
      "ORDER BY pcode",
      "SELECT d.code, i.source_key, i.content_hash, coalesce(i.area_pcode,''), i.source_row, "
      "i.risk_mask, (SELECT {{GROUP_CONCAT}}(sex||age_band||disability||"
      "displacement||count, ' ') FROM (SELECT * FROM incident_victim v WHERE v.incident_id=i.id "
      "ORDER BY sex, age_band, disability, displacement) vv) FROM incident i JOIN data_source d ON "
      "d.id=i.data_source_id ORDER BY d.code, i.source_key",
      "SELECT d.code, m.source_key, m.content_hash, coalesce(m.area_pcode,'') FROM "
      "monitoring_report m JOIN data_source d ON d.id=m.data_source_id ORDER BY d.code, "
      "m.source_key",
      // The raw text of a quarantined row is left out: it is sealed with a random nonce, and the
      // import's key and the row number already identify it.
      "SELECT d.code, q.import_key, q.row_no, q.column_name, q.reason FROM quarantine q "
      "JOIN data_source d ON d.id=q.data_source_id ORDER BY d.code, q.import_key, q.row_no",
      // Tracing records by their natural key (names are sealed with random nonces: left out);
      // decisions counted (their pairs are surrogate ids).
      "SELECT o.code, t.kind, t.external_id, t.sex, t.age_min, t.area_pcode, "
      "t.consent_for_tracing||t.status FROM tracing_record t JOIN organisation o ON "
      "o.id=t.organisation_id ORDER BY o.code, t.kind, t.external_id",
      "SELECT kind, decision, count(*) FROM match_decision GROUP BY kind, decision ORDER BY kind, "
      "decision",
  };
  uint64_t h = 0;
  int64_t rows = 0;
  for (const char* q : queries) {
    std::string sql = q;
    if (size_t p = sql.find("{{GROUP_CONCAT}}"); p != std::string::npos)
      sql.replace(p, 16, sqlite() ? "group_concat" : "string_agg");
    AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
    Status st;
    while (s.Step(&st)) {
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

Result<CheckReport> SqlStore::Check() {
  CheckReport rep;
  auto problem = [&](std::string p) {
    rep.ok = false;
    rep.problems.push_back(std::move(p));
  };
  Status st;
  if (sqlite()) {
    AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "PRAGMA integrity_check"));
    while (s.Step(&st)) {
      std::string r = s.Text(0);
      if (r != "ok") problem("integrity: " + r + "; restore from a backup (aegis db backup)");
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  if (sqlite()) {  // PostgreSQL enforces every foreign key on every write
    AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "PRAGMA foreign_key_check"));
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
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "SELECT id, file_name, n_read, n_imported+n_updated+n_unchanged+n_quarantined, "
                "status, rows_done FROM import_run ORDER BY id"));
    while (s.Step(&st)) {
      std::string id = std::to_string(s.Int(0));
      if (s.Int(2) != s.Int(3))
        problem("import run " + id + " (" + s.Text(1) + "): " + std::to_string(s.Int(2)) +
                " rows read but " + std::to_string(s.Int(3)) + " accounted for");
      if (s.View(4) == ToString(ImportRunStatus::kRunning))
        rep.notes.push_back("import run " + id + " of " + s.Text(1) + " stopped after " +
                            std::to_string(s.Int(5)) +
                            " rows (interrupted or still running); run the same import again (the "
                            "same file, sheet, profile and options) to resume it");
    }
    AEGIS_RETURN_IF_ERROR(st);
  }
  {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "SELECT count(*) FROM incident i WHERE NOT EXISTS (SELECT 1 FROM import_run r "
                "WHERE r.id=i.import_run_id) AND i.import_run_id IS NOT NULL"));
    if (s.Step(&st) && s.Int(0) > 0)
      problem(std::to_string(s.Int(0)) + " incidents point to a missing import run");
    AEGIS_RETURN_IF_ERROR(st);
  }
  return rep;
}

Status SqlStore::Backup(const std::string& path) {
  if (std::filesystem::exists(path))
    return Status::AlreadyExists(path + ": exists; choose a new file name for the backup");
  if (!sqlite())
    return Status::Unsupported(
        Where() +
        ": back up a PostgreSQL store with pg_dump, or copy it to a SQLite file with "
        "`aegis db copy " +
        Where() + " " + path + "`");
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, "VACUUM INTO ?"));
  return s.Bind(1, path).Run();
}

Result<int> SqlStore::MigrateOne() {
  const bool lite = sqlite();
  AEGIS_RETURN_IF_ERROR(Exec(db_,
                             "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER "
                             "PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"));
  AEGIS_ASSIGN_OR_RETURN(int current, SchemaVersion());
  if (current > LatestSchemaVersion()) {
    return Status::Unsupported(Where() + ": schema version " + std::to_string(current) +
                               " is newer than this aegis (" +
                               std::to_string(LatestSchemaVersion()) + "); upgrade aegis");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    Status st = lite ? Exec(db_, ForDialect(m.sql, "INTEGER PRIMARY KEY", "REAL"))
                     : Exec(db_, ForDialect(m.sql,
                                            "BIGINT GENERATED BY DEFAULT AS IDENTITY "
                                            "PRIMARY KEY",
                                            "DOUBLE PRECISION"));
    if (st.ok()) {
      AEGIS_ASSIGN_OR_RETURN(
          Stmt ins,
          Prepare(db_,
                  "INSERT INTO schema_migration(version, description, applied_at) VALUES (?,?,?)"));
      st = ins.Bind(1, static_cast<int64_t>(m.version))
               .Bind(2, m.description)
               .Bind(3, NowUtc())
               .Run();
    }
    if (!st.ok())
      return Status::Internal("migration " + std::to_string(m.version) +
                              " failed: " + st.message());
    return 1;
  }
  return 0;
}

Result<std::unique_ptr<Store>> OpenSqlStore(std::unique_ptr<sql::Conn> conn,
                                            const StoreOptions& opts) {
  auto store = std::make_unique<SqlStore>(std::move(conn));
  Status st = store->Configure();
  if (!st.ok()) {
    return Status::Corruption(store->Where() + ": not an Aegis store or damaged (" + st.message() +
                              ")");
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

std::string sql::SqlitePath(const std::string& url) {
  return text::StartsWith(url, "sqlite:") ? url.substr(7) : url;
}

Result<std::unique_ptr<sql::Conn>> sql::Open(const std::string& url, bool create_if_missing,
                                             int busy_timeout_ms) {
  if (IsPostgresUrl(url)) return OpenPostgres(url, create_if_missing);
  return OpenSqlite(SqlitePath(url), create_if_missing, busy_timeout_ms);
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& url, const StoreOptions& opts) {
  if (!IsPostgresUrl(url) && !opts.create_if_missing &&
      !std::filesystem::exists(sql::SqlitePath(url))) {
    const std::string path = sql::SqlitePath(url);
    return Status::NotFound(path + ": no such store; create it with `aegis db migrate --db " +
                            path + "`");
  }
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<sql::Conn> conn,
                         sql::Open(url, opts.create_if_missing, opts.busy_timeout_ms));
  return OpenSqlStore(std::move(conn), opts);
}

Status Store::Destroy(const std::string& url) {
  if (IsPostgresUrl(url)) return sql::DropPostgres(url);
  const std::string path = sql::SqlitePath(url);
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  return Status::Ok();
}

}  // namespace aegis::store
