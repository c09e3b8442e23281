// The store over the SQL seam (SQLite and PostgreSQL): early warning (issue 6). Alerts, their
// triage history and the durable delivery outbox; the alert module (src/alert) decides what goes
// in. Personal fields (reporter, raw and free text, reasons) are sealed with the store's cipher.
#include <algorithm>

#include "store/sql_store.h"
#include "util/text.h"

namespace aegis::store {

namespace {

constexpr const char* kAlertCols =
    "SELECT id, coalesce(source_key,''), channel, reporter, raw_text, free_text, place_text, "
    "area_pcode, area_level, risks, urgency, confidence, parse_note, status, needs_review, "
    "merged_into, escalation_level, received_ms, ack_due_ms, acknowledged_ms, acknowledged_by, "
    "updated_ms FROM alert ";

constexpr const char* kDeliveryCols =
    "SELECT id, alert_id, recipient, channel, level, idempotency_key, attempts, created_ms, "
    "next_attempt_ms, claimed_until_ms, delivered_ms, last_error FROM alert_delivery ";

AlertDelivery DeliveryFrom(const Stmt& s) {
  AlertDelivery d;
  d.id = s.Int(0);
  d.alert_id = s.Int(1);
  d.recipient = s.Text(2);
  d.channel = s.Text(3);
  d.level = static_cast<int>(s.Int(4));
  d.idempotency_key = s.Text(5);
  d.attempts = static_cast<int>(s.Int(6));
  d.created_ms = s.Int(7);
  d.next_attempt_ms = s.Int(8);
  d.claimed_until_ms = s.Int(9);
  d.delivered_ms = s.Int(10);
  d.last_error = s.Text(11);
  return d;
}

std::string DeliveryKey(int64_t alert_id, const AlertDelivery& d) {
  return "alert-" + std::to_string(alert_id) + "-" + std::to_string(d.level) + "-" + d.channel +
         "-" + d.recipient;
}

}  // namespace

Status InTransaction(sql::Conn* db, const std::function<Status()>& fn) {
  sql::WriteTx tx(db);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  Status st = fn();
  if (!st.ok()) {
    tx.Rollback();
    return st;
  }
  return tx.Commit();
}

Result<AlertRecord> SqlStore::AlertFrom(const Stmt& s) {
  AlertRecord a;
  a.id = s.Int(0);
  a.source_key = s.Text(1);
  a.channel = s.Text(2);
  AEGIS_ASSIGN_OR_RETURN(a.reporter, Unseal(s.View(3), "alert.reporter"));
  AEGIS_ASSIGN_OR_RETURN(a.raw_text, Unseal(s.View(4), "alert.raw_text"));
  AEGIS_ASSIGN_OR_RETURN(a.free_text, Unseal(s.View(5), "alert.free_text"));
  a.place_text = s.Text(6);
  a.area_pcode = s.Text(7);
  a.area_level = static_cast<int>(s.Int(8));
  a.risks = text::SplitAny(s.View(9), " ");
  a.urgency = s.Text(10);
  a.confidence = s.Real(11);
  a.parse_note = s.Text(12);
  std::optional<AlertStatus> status = ParseAlertStatus(s.View(13));
  if (!status)
    return Status::Corruption("alert " + std::to_string(a.id) + " has an unknown status");
  a.status = *status;
  a.needs_review = s.Int(14) != 0;
  a.merged_into = s.Int(15);
  a.escalation_level = static_cast<int>(s.Int(16));
  a.received_ms = s.Int(17);
  a.ack_due_ms = s.Int(18);
  a.acknowledged_ms = s.Int(19);
  a.acknowledged_by = s.Text(20);
  a.updated_ms = s.Int(21);
  return a;
}

Result<std::vector<AlertRecord>> SqlStore::AlertRows(const std::string& sql,
                                                     const std::function<void(Stmt&)>& bind) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
  bind(s);
  std::vector<AlertRecord> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(AlertRecord a, AlertFrom(s));
    out.push_back(std::move(a));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqlStore::InsertAlertEvent(const AlertEvent& e) {
  AEGIS_ASSIGN_OR_RETURN(std::string reason, Seal(e.reason, "alert_event.reason"));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s,
      Cached(
          "INSERT INTO alert_event(alert_id, at_ms, actor, action, from_status, to_status, reason) "
          "VALUES (?,?,?,?,?,?,?)"));
  return s.Bind(1, e.alert_id)
      .Bind(2, e.at_ms)
      .Bind(3, e.actor)
      .Bind(4, e.action)
      .Bind(5, e.from_status)
      .Bind(6, e.to_status)
      .Bind(7, reason)
      .Run();
}

Status SqlStore::InsertAlertDeliveries(int64_t alert_id,
                                       const std::vector<AlertDelivery>& deliveries) {
  for (const AlertDelivery& d : deliveries) {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt & s,
        Cached("INSERT INTO alert_delivery(alert_id, recipient, channel, level, idempotency_key, "
               "created_ms, next_attempt_ms, delivered_ms) VALUES (?,?,?,?,?,?,?,?)"));
    AEGIS_RETURN_IF_ERROR(
        s.Bind(1, alert_id)
            .Bind(2, d.recipient)
            .Bind(3, d.channel)
            .Bind(4, static_cast<int64_t>(d.level))
            .Bind(5, d.idempotency_key.empty() ? DeliveryKey(alert_id, d) : d.idempotency_key)
            .Bind(6, d.created_ms)
            .Bind(7, d.next_attempt_ms)
            .Bind(8, d.delivered_ms)
            .Run());
  }
  return Status::Ok();
}

Result<int64_t> SqlStore::CreateAlert(const AlertRecord& a, const AlertEvent& received,
                                      const std::vector<AlertDelivery>& deliveries) {
  AEGIS_ASSIGN_OR_RETURN(std::string reporter, Seal(a.reporter, "alert.reporter"));
  AEGIS_ASSIGN_OR_RETURN(std::string raw, Seal(a.raw_text, "alert.raw_text"));
  AEGIS_ASSIGN_OR_RETURN(std::string free_text, Seal(a.free_text, "alert.free_text"));
  int64_t id = 0;
  Status st = InTransaction(db_, [&]() -> Status {
    if (!a.source_key.empty()) {
      AEGIS_ASSIGN_OR_RETURN(Stmt dup, Prepare(db_, "SELECT id FROM alert WHERE source_key=?"));
      dup.Bind(1, a.source_key);
      Status q;
      if (dup.Step(&q))
        return Status::AlreadyExists("alert '" + a.source_key + "' exists as alert " +
                                     std::to_string(dup.Int(0)));
      AEGIS_RETURN_IF_ERROR(q);
    }
    AEGIS_ASSIGN_OR_RETURN(
        Stmt & s,
        Cached(
            "INSERT INTO alert(source_key, channel, reporter, raw_text, free_text, place_text, "
            "area_pcode, area_level, risks, urgency, confidence, parse_note, status, needs_review, "
            "received_ms, ack_due_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "RETURNING id"));
    if (a.source_key.empty())
      s.BindNull(1);
    else
      s.Bind(1, a.source_key);
    s.Bind(2, a.channel)
        .Bind(3, reporter)
        .Bind(4, raw)
        .Bind(5, free_text)
        .Bind(6, a.place_text)
        .Bind(7, a.area_pcode)
        .Bind(8, static_cast<int64_t>(a.area_level))
        .Bind(9, text::Join(a.risks, " "))
        .Bind(10, a.urgency)
        .Bind(11, a.confidence)
        .Bind(12, a.parse_note)
        .Bind(13, Name(a.status))
        .Bind(14, static_cast<int64_t>(a.needs_review ? 1 : 0))
        .Bind(15, a.received_ms)
        .Bind(16, a.ack_due_ms)
        .Bind(17, a.received_ms);
    Status q;
    if (!s.Step(&q)) return q.ok() ? Status::Internal("alert insert returned no id") : q;
    id = s.Int(0);
    s.Reset();
    AlertEvent e = received;
    e.alert_id = id;
    AEGIS_RETURN_IF_ERROR(InsertAlertEvent(e));
    return InsertAlertDeliveries(id, deliveries);
  });
  AEGIS_RETURN_IF_ERROR(st);
  return id;
}

Result<std::optional<AlertRecord>> SqlStore::GetAlert(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, AlertRows(std::string(kAlertCols) + "WHERE id=?",
                                              [&](Stmt& s) { s.Bind(1, id); }));
  if (rows.empty()) return std::optional<AlertRecord>();
  return std::optional<AlertRecord>(std::move(rows.front()));
}

Result<std::vector<AlertRecord>> SqlStore::ListAlerts(const AlertQuery& q) {
  std::string sql = std::string(kAlertCols) + "WHERE (?='' OR status=?) AND id<?";
  if (q.open_only) sql += " AND status<>'closed' AND merged_into=0";
  if (q.review_only) sql += " AND needs_review=1";
  sql += " ORDER BY id DESC LIMIT ?";
  const int64_t before = q.after > 0 ? q.after : INT64_MAX;
  return AlertRows(sql, [&](Stmt& s) {
    s.Bind(1, q.status).Bind(2, q.status).Bind(3, before).Bind(4, static_cast<int64_t>(q.limit));
  });
}

Result<std::vector<AlertEvent>> SqlStore::ListAlertEvents(int64_t alert_id) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT id, alert_id, at_ms, actor, action, from_status, to_status, reason FROM "
              "alert_event WHERE alert_id=? ORDER BY id"));
  s.Bind(1, alert_id);
  std::vector<AlertEvent> out;
  Status st;
  while (s.Step(&st)) {
    AlertEvent e{s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6), ""};
    AEGIS_ASSIGN_OR_RETURN(e.reason, Unseal(s.View(7), "alert_event.reason"));
    out.push_back(std::move(e));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<AlertDelivery>> SqlStore::ListAlertDeliveries(int64_t alert_id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string(kDeliveryCols) + "WHERE alert_id=? ORDER BY id"));
  s.Bind(1, alert_id);
  std::vector<AlertDelivery> out;
  Status st;
  while (s.Step(&st)) out.push_back(DeliveryFrom(s));
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<AlertRecord>> SqlStore::ListAlertInbox(
    const std::vector<std::string>& recipients, int limit) {
  if (recipients.empty()) return std::vector<AlertRecord>();
  std::string marks;
  for (size_t i = 0; i < recipients.size(); ++i) marks += i ? ",?" : "?";
  std::string sql = std::string(kAlertCols) +
                    "WHERE id IN (SELECT alert_id FROM alert_delivery WHERE channel='inbox' AND "
                    "recipient IN (" +
                    marks + ")) ORDER BY id DESC LIMIT ?";
  return AlertRows(sql, [&](Stmt& s) {
    int i = 1;
    for (const std::string& r : recipients) s.Bind(i++, r);
    s.Bind(i, static_cast<int64_t>(limit));
  });
}

Status SqlStore::SetAlertStatus(int64_t id, const std::string& status, int64_t into,
                                const AlertEvent& e) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "UPDATE alert SET status=?, merged_into=CASE WHEN ?>0 THEN ? ELSE merged_into END, "
                "updated_ms=? WHERE id=?"));
    AEGIS_RETURN_IF_ERROR(
        s.Bind(1, status).Bind(2, into).Bind(3, into).Bind(4, e.at_ms).Bind(5, id).Run());
    if (db_->Changes() == 0) return Status::NotFound("alert " + std::to_string(id));
    if (status == "closed" || into > 0) {
      // The messages that answer it are withdrawn with it, their sends not yet wired cancelled.
      AEGIS_ASSIGN_OR_RETURN(std::vector<int64_t> messages, MessagesOfAlert(id));
      AEGIS_ASSIGN_OR_RETURN(
          Stmt w, Prepare(db_,
                          "UPDATE message SET status='withdrawn', withdrawn_reason=?, "
                          "withdrawn_ms=?, updated_ms=? WHERE id=? AND status IN ('draft', "
                          "'approved', 'sending')"));
      const std::string why =
          into > 0 ? "the alert it answers was merged into alert " + std::to_string(into)
                   : "the alert it answers was closed";
      for (int64_t m : messages) {
        AEGIS_RETURN_IF_ERROR(w.Bind(1, why).Bind(2, e.at_ms).Bind(3, e.at_ms).Bind(4, m).Run());
        AEGIS_RETURN_IF_ERROR(CancelSends("message_id", m, e.at_ms));
      }
    }
    return InsertAlertEvent(e);
  });
}

Result<bool> SqlStore::AcknowledgeAlert(int64_t id, const std::string& by, int64_t at_ms) {
  bool first = false;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(
            db_,
            "UPDATE alert SET acknowledged_ms=?, acknowledged_by=?, updated_ms=? WHERE id=? AND "
            "acknowledged_ms=0"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, at_ms).Bind(2, by).Bind(3, at_ms).Bind(4, id).Run());
    first = db_->Changes() > 0;
    if (!first) return Status::Ok();
    return InsertAlertEvent({0, id, at_ms, by, "acknowledged", "", "", ""});
  });
  AEGIS_RETURN_IF_ERROR(st);
  return first;
}

Result<bool> SqlStore::OutboxDue(const std::string& table, int64_t now_ms) {
  AEGIS_ASSIGN_OR_RETURN(Stmt & due, Cached("SELECT 1 FROM " + table +
                                            " WHERE delivered_ms=0 AND next_attempt_ms<=? AND "
                                            "claimed_until_ms<=? LIMIT 1"));
  due.Bind(1, now_ms).Bind(2, now_ms);
  Status q;
  const bool any = due.Step(&q);
  due.Reset();
  AEGIS_RETURN_IF_ERROR(q);
  return any;
}

Status SqlStore::ClaimOutbox(const std::string& table, const std::string& select, int64_t now_ms,
                             int64_t lease_ms, int limit,
                             const std::function<int64_t(const Stmt&)>& row) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & s,
                           Cached(select + " WHERE delivered_ms=0 AND next_attempt_ms<=? AND "
                                           "claimed_until_ms<=? ORDER BY next_attempt_ms, id "
                                           "LIMIT ?"));
    s.Bind(1, now_ms).Bind(2, now_ms).Bind(3, static_cast<int64_t>(limit));
    std::vector<int64_t> ids;
    Status q;
    while (s.Step(&q)) ids.push_back(row(s));
    s.Reset();
    AEGIS_RETURN_IF_ERROR(q);
    AEGIS_ASSIGN_OR_RETURN(Stmt & claim, Cached("UPDATE " + table +
                                                " SET claimed_until_ms=?, attempts=attempts+1 "
                                                "WHERE id=?"));
    for (int64_t id : ids)
      AEGIS_RETURN_IF_ERROR(claim.Bind(1, now_ms + lease_ms).Bind(2, id).Run());
    return Status::Ok();
  });
}

Status SqlStore::FinishOutbox(const std::string& table,
                              const std::vector<DeliveryOutcome>& outcomes) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & done, Cached("UPDATE " + table +
                                               " SET delivered_ms=?, claimed_until_ms=0, "
                                               "last_error='' WHERE id=?"));
    AEGIS_ASSIGN_OR_RETURN(Stmt & retry, Cached("UPDATE " + table +
                                                " SET next_attempt_ms=?, claimed_until_ms=0, "
                                                "last_error=? WHERE id=?"));
    for (const DeliveryOutcome& o : outcomes) {
      if (o.delivered) {
        AEGIS_RETURN_IF_ERROR(done.Bind(1, o.at_ms).Bind(2, o.id).Run());
      } else {
        AEGIS_RETURN_IF_ERROR(
            retry.Bind(1, o.next_attempt_ms).Bind(2, o.error.substr(0, 500)).Bind(3, o.id).Run());
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<AlertDelivery>> SqlStore::ClaimAlertDeliveries(int64_t now_ms, int64_t lease_ms,
                                                                  int limit) {
  std::vector<AlertDelivery> out;
  // Most passes find nothing due: a read (no write lock, which imports hold for seconds).
  AEGIS_ASSIGN_OR_RETURN(bool any, OutboxDue("alert_delivery", now_ms));
  if (!any) return out;
  AEGIS_RETURN_IF_ERROR(ClaimOutbox("alert_delivery", std::string(kDeliveryCols), now_ms, lease_ms,
                                    limit, [&](const Stmt& s) {
                                      out.push_back(DeliveryFrom(s));
                                      AlertDelivery& d = out.back();
                                      d.attempts += 1;
                                      d.claimed_until_ms = now_ms + lease_ms;
                                      return d.id;
                                    }));
  return out;
}

Result<AlertOutboxState> SqlStore::AlertOutbox() {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s, Cached("SELECT count(*), coalesce(min(created_ms), 0) FROM (SELECT created_ms "
                       "FROM alert_delivery WHERE delivered_ms=0 UNION ALL SELECT created_ms FROM "
                       "referral_notice WHERE delivered_ms=0 UNION ALL SELECT created_ms FROM "
                       "message_send WHERE "
                       "delivered_ms=0) q"));
  AlertOutboxState out;
  Status q;
  if (s.Step(&q)) {
    out.depth = s.Int(0);
    out.oldest_created_ms = s.Int(1);
  }
  s.Reset();
  AEGIS_RETURN_IF_ERROR(q);
  return out;
}

Status SqlStore::FinishAlertDeliveries(const std::vector<DeliveryOutcome>& outcomes) {
  return FinishOutbox("alert_delivery", outcomes);
}

Result<std::vector<AlertRecord>> SqlStore::DueAlertEscalations(int64_t now_ms, int limit) {
  return AlertRows(std::string(kAlertCols) +
                       "WHERE acknowledged_ms=0 AND ack_due_ms>0 AND ack_due_ms<=? AND "
                       "merged_into=0 AND status NOT IN ('closed','responded') "
                       "ORDER BY ack_due_ms LIMIT ?",
                   [&](Stmt& s) { s.Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit)); });
}

Status SqlStore::EscalateAlert(int64_t id, int level, int64_t ack_due_ms, const AlertEvent& e,
                               const std::vector<AlertDelivery>& deliveries) {
  return InTransaction(db_, [&]() -> Status {
    // Only from the state it was read in, so that two server processes never escalate it twice:
    // from the level below, or (no further level: ack_due_ms 0) once at its last level.
    const bool exhausted = ack_due_ms == 0;
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                std::string("UPDATE alert SET escalation_level=?, ack_due_ms=?, status=CASE WHEN "
                            "?<>'' THEN ? ELSE status END, updated_ms=? WHERE id=? AND "
                            "acknowledged_ms=0 AND escalation_level=?") +
                    (exhausted ? " AND ack_due_ms<>0" : "")));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, static_cast<int64_t>(level))
                              .Bind(2, ack_due_ms)
                              .Bind(3, e.to_status)
                              .Bind(4, e.to_status)
                              .Bind(5, e.at_ms)
                              .Bind(6, id)
                              .Bind(7, static_cast<int64_t>(exhausted ? level : level - 1))
                              .Run());
    // Acknowledged meanwhile, or escalated to this level by another server process.
    if (db_->Changes() == 0) return Status::Ok();
    AEGIS_RETURN_IF_ERROR(InsertAlertEvent(e));
    return InsertAlertDeliveries(id, deliveries);
  });
}

Result<int64_t> SqlStore::ReadVersion(VersionRow row) {
  AEGIS_ASSIGN_OR_RETURN(Stmt & s,
                         Cached("SELECT coalesce(max(version),0) FROM data_version WHERE id=?"));
  s.Bind(1, static_cast<int64_t>(row));
  Status st;
  int64_t v = s.Step(&st) ? s.Int(0) : 0;
  s.Reset();
  AEGIS_RETURN_IF_ERROR(st);
  return v;
}

Status SqlStore::BumpVersion(VersionRow row) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s,
      Cached("INSERT INTO data_version(id, version) VALUES (?,1) ON CONFLICT(id) DO UPDATE SET "
             "version=data_version.version+1"));
  return s.Bind(1, static_cast<int64_t>(row)).Run();
}

Result<bool> SqlStore::AcquireLease(const std::string& name, const std::string& holder,
                                    int64_t now_ms, int64_t ttl_ms) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "INSERT INTO job_lease(name, holder, expires_ms, runs) VALUES (?,?,?,1) "
                      "ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, "
                      "expires_ms=excluded.expires_ms, runs=job_lease.runs+1 "
                      "WHERE job_lease.holder=excluded.holder OR job_lease.expires_ms<=?"));
  AEGIS_RETURN_IF_ERROR(
      s.Bind(1, name).Bind(2, holder).Bind(3, now_ms + ttl_ms).Bind(4, now_ms).Run());
  return db_->Changes() > 0;
}

}  // namespace aegis::store
