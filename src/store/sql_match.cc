// The store over the SQL seam (SQLite and PostgreSQL): family tracing records (personal fields
// sealed) and analysts' decisions on proposed pairs (tracing matches and duplicate incidents).
#include "store/record_states.h"
#include "store/sql_store.h"

namespace aegis::store {

namespace {

constexpr const char* kTracingCols =
    "t.id, t.kind, o.code, t.external_id, t.name, t.relative_names, t.date_of_birth, t.sex, "
    "t.age_min, t.age_max, t.area_pcode, t.consent_for_tracing, t.status, t.created_at, "
    "t.updated_at FROM tracing_record t JOIN organisation o ON o.id=t.organisation_id";

Status CheckTracing(const TracingRecord& r) {
  std::string who = "tracing record '" + r.external_id + "'";
  if (r.kind != "registered" && r.kind != "request")
    return Status::InvalidArgument(who + ": kind '" + r.kind + "': use registered or request");
  if (r.external_id.empty()) return Status::InvalidArgument("a tracing record needs its case id");
  if (r.name.empty()) return Status::InvalidArgument(who + ": the name is empty");
  return Status::Ok();
}

}  // namespace

Result<TracingRecord> SqlStore::TracingFrom(const Stmt& s) {
  TracingRecord r;
  r.id = s.Int(0);
  r.kind = s.Text(1);
  r.organisation = s.Text(2);
  r.external_id = s.Text(3);
  AEGIS_ASSIGN_OR_RETURN(r.name, Unseal(s.View(4), "tracing_record.name"));
  AEGIS_ASSIGN_OR_RETURN(r.relative_names, Unseal(s.View(5), "tracing_record.relative_names"));
  AEGIS_ASSIGN_OR_RETURN(r.date_of_birth, Unseal(s.View(6), "tracing_record.date_of_birth"));
  r.sex = s.Text(7);
  r.age_min = static_cast<int>(s.Int(8));
  r.age_max = static_cast<int>(s.Int(9));
  r.area_pcode = s.Text(10);
  r.consent_for_tracing = s.Int(11) != 0;
  std::optional<TracingStatus> status = ParseTracingStatus(s.View(12));
  if (!status)
    return Status::Corruption("tracing record " + std::to_string(r.id) + " has an unknown status");
  r.status = *status;
  r.created_at = s.Text(13);
  r.updated_at = s.Text(14);
  return r;
}

Result<std::vector<int64_t>> SqlStore::PutTracingRecords(const std::vector<TracingRecord>& rows) {
  for (const TracingRecord& r : rows) AEGIS_RETURN_IF_ERROR(CheckTracing(r));
  const std::string now = NowUtc();
  std::vector<int64_t> ids;
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  Status st = [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt up,
        Prepare(
            db_,
            "INSERT INTO tracing_record(kind, organisation_id, external_id, name, relative_names, "
            "date_of_birth, sex, age_min, age_max, area_pcode, consent_for_tracing, status, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(organisation_id, kind, external_id) DO UPDATE SET name=excluded.name, "
            "relative_names=excluded.relative_names, date_of_birth=excluded.date_of_birth, "
            "sex=excluded.sex, age_min=excluded.age_min, age_max=excluded.age_max, "
            "area_pcode=excluded.area_pcode, consent_for_tracing=excluded.consent_for_tracing, "
            "status=excluded.status, updated_at=excluded.updated_at"));
    AEGIS_ASSIGN_OR_RETURN(
        Stmt id,
        Prepare(
            db_,
            "SELECT id FROM tracing_record WHERE organisation_id=? AND kind=? AND external_id=?"));
    for (const TracingRecord& r : rows) {
      Result<int64_t> org = IdByCode("organisation", r.organisation);
      if (!org.ok())
        return Status::NotFound("tracing record '" + r.external_id + "': organisation '" +
                                r.organisation + "' is not known; add it first");
      AEGIS_ASSIGN_OR_RETURN(std::string name, Seal(r.name, "tracing_record.name"));
      AEGIS_ASSIGN_OR_RETURN(std::string rel,
                             Seal(r.relative_names, "tracing_record.relative_names"));
      AEGIS_ASSIGN_OR_RETURN(std::string dob,
                             Seal(r.date_of_birth, "tracing_record.date_of_birth"));
      up.Reset();
      AEGIS_RETURN_IF_ERROR(up.Bind(1, r.kind)
                                .Bind(2, *org)
                                .Bind(3, r.external_id)
                                .Bind(4, name)
                                .Bind(5, rel)
                                .Bind(6, dob)
                                .Bind(7, r.sex)
                                .Bind(8, static_cast<int64_t>(r.age_min))
                                .Bind(9, static_cast<int64_t>(r.age_max))
                                .Bind(10, r.area_pcode)
                                .Bind(11, static_cast<int64_t>(r.consent_for_tracing ? 1 : 0))
                                .Bind(12, Name(r.status))
                                .Bind(13, now)
                                .Bind(14, now)
                                .Run());
      id.Reset();
      id.Bind(1, *org).Bind(2, r.kind).Bind(3, r.external_id);
      Status step;
      if (!id.Step(&step)) return step.ok() ? Status::Internal("tracing record not written") : step;
      ids.push_back(id.Int(0));
    }
    // In the same transaction: a reader sees the records and their version together.
    return BumpVersion(kTracingRecords);
  }();
  if (!st.ok()) {
    tx.Rollback();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(tx.Commit());
  return ids;
}

Result<std::vector<TracingRecord>> SqlStore::LoadTracingRecords(const std::string& kind,
                                                                bool consent_only) {
  std::string sql = std::string("SELECT ") + kTracingCols + " WHERE (?='' OR t.kind=?)";
  if (consent_only) sql += " AND (t.kind='request' OR t.consent_for_tracing=1)";
  sql += " ORDER BY t.id";
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
  s.Bind(1, kind).Bind(2, kind);
  std::vector<TracingRecord> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(TracingRecord r, TracingFrom(s));
    out.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::optional<TracingRecord>> SqlStore::GetTracingRecord(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string("SELECT ") + kTracingCols + " WHERE t.id=?"));
  s.Bind(1, id);
  Status st;
  if (!s.Step(&st)) {
    AEGIS_RETURN_IF_ERROR(st);
    return std::optional<TracingRecord>();
  }
  AEGIS_ASSIGN_OR_RETURN(TracingRecord r, TracingFrom(s));
  return std::optional<TracingRecord>(std::move(r));
}

namespace {

// Incident decisions: both incidents exist, the kept one is not itself a duplicate; a
// confirmation re-points the duplicate's own duplicates to the kept incident.
Status ApplyIncidentDecision(sql::Conn* db, const MatchDecision& d) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt get, Prepare(db, "SELECT id, coalesce(duplicate_of, 0) FROM incident WHERE id=?"));
  int64_t kept_of = 0;
  for (int64_t id : {d.left_id, d.right_id}) {
    get.Reset();
    get.Bind(1, id);
    Status st;
    if (!get.Step(&st))
      return st.ok() ? Status::NotFound("incident " + std::to_string(id) + " not found") : st;
    if (id == d.left_id) kept_of = get.Int(1);
  }
  if (d.decision == "rejected") {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt clear,
        Prepare(db, "UPDATE incident SET duplicate_of=NULL WHERE id=? AND duplicate_of=?"));
    return clear.Bind(1, d.right_id).Bind(2, d.left_id).Run();
  }
  if (kept_of != 0)
    return Status::InvalidArgument(
        "incident " + std::to_string(d.left_id) + " is itself a duplicate of incident " +
        std::to_string(kept_of) + ": confirm the pair against incident " + std::to_string(kept_of));
  AEGIS_ASSIGN_OR_RETURN(Stmt repoint,
                         Prepare(db, "UPDATE incident SET duplicate_of=? WHERE duplicate_of=?"));
  AEGIS_RETURN_IF_ERROR(repoint.Bind(1, d.left_id).Bind(2, d.right_id).Run());
  AEGIS_ASSIGN_OR_RETURN(Stmt set, Prepare(db, "UPDATE incident SET duplicate_of=? WHERE id=?"));
  return set.Bind(1, d.left_id).Bind(2, d.right_id).Run();
}

}  // namespace

Status SqlStore::PutMatchDecision(const MatchDecision& d) {
  if (d.kind != "tracing" && d.kind != "incident")
    return Status::InvalidArgument("decision kind '" + d.kind + "': use tracing or incident");
  if (d.decision != "confirmed" && d.decision != "rejected")
    return Status::InvalidArgument("decision '" + d.decision + "': use confirmed or rejected");
  if (d.left_id == d.right_id)
    return Status::InvalidArgument("a record cannot be paired with itself");
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  Status st = d.kind == "incident" ? ApplyIncidentDecision(db_, d) : Status::Ok();
  if (st.ok() && d.kind == "incident") {
    // One decision per unordered pair of incidents: drop the pair's decision in the other order.
    AEGIS_ASSIGN_OR_RETURN(
        Stmt del,
        Prepare(db_,
                "DELETE FROM match_decision WHERE kind='incident' AND left_id=? AND right_id=?"));
    st = del.Bind(1, d.right_id).Bind(2, d.left_id).Run();
  }
  if (st.ok()) {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt put,
        Prepare(db_,
                "INSERT INTO match_decision(kind, left_id, right_id, decision, decided_by, "
                "decided_at) VALUES (?,?,?,?,?,?) ON CONFLICT(kind, left_id, right_id) DO UPDATE "
                "SET decision=excluded.decision, decided_by=excluded.decided_by, "
                "decided_at=excluded.decided_at"));
    st = put.Bind(1, d.kind)
             .Bind(2, d.left_id)
             .Bind(3, d.right_id)
             .Bind(4, d.decision)
             .Bind(5, d.decided_by)
             .Bind(6, d.decided_at.empty() ? NowUtc() : d.decided_at)
             .Run();
  }
  if (!st.ok()) {
    tx.Rollback();
    return st;
  }
  AEGIS_RETURN_IF_ERROR(tx.Commit());
  return d.kind == "incident" ? BumpDataVersion() : Status::Ok();
}

Result<std::vector<MatchDecision>> SqlStore::ListMatchDecisions(const std::string& kind) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "SELECT id, kind, left_id, right_id, decision, decided_by, decided_at FROM "
                      "match_decision WHERE (?='' OR kind=?) ORDER BY id"));
  s.Bind(1, kind).Bind(2, kind);
  std::vector<MatchDecision> out;
  Status st;
  while (s.Step(&st)) {
    MatchDecision d;
    d.id = s.Int(0);
    d.kind = s.Text(1);
    d.left_id = s.Int(2);
    d.right_id = s.Int(3);
    d.decision = s.Text(4);
    d.decided_by = s.Text(5);
    d.decided_at = s.Text(6);
    out.push_back(std::move(d));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace aegis::store
