// Life-saving messages (MessagingStore, messaging_store.h) over the SQL seam.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/sql_store.h"
#include "util/text.h"

namespace aegis::store {

namespace {

constexpr const char* kContactCols =
    "c.id, c.organisation_id, c.phone, c.phone_key, c.email, c.language, c.channels, c.status, "
    "c.opted_in_date, c.opted_in_via, c.stopped_ms, c.created_ms, c.updated_ms";

constexpr const char* kMessageCols =
    "id, organisation_id, title, content_type, risks, alert_id, areas, channels, base_language, "
    "translations, service_ids, status, author_id, approver_id, sent_by, send_at_ms, "
    "withdrawn_reason, created_ms, updated_ms, approved_ms, sent_ms, withdrawn_ms";

std::string Words(const std::vector<std::string>& v) { return text::Join(v, " "); }
std::vector<std::string> Unwords(std::string_view s) { return text::SplitAny(s, " "); }

// " AND <contact c> in one of `areas` or below" with ?N placeholders from `first`.
std::string AreaClause(size_t n, int first) {
  std::string in;
  for (size_t i = 0; i < n; ++i) {
    if (i) in += ",";
    in += "?" + std::to_string(first + static_cast<int>(i));
  }
  return " AND EXISTS (SELECT 1 FROM contact_area ca JOIN area_ancestor aa ON aa.pcode=ca.pcode "
         "WHERE ca.contact_id=c.id AND aa.ancestor_pcode IN (" +
         in + "))";
}

}  // namespace

Result<Contact> SqlStore::ContactFrom(const Stmt& s) {
  Contact c;
  c.id = s.Int(0);
  c.organisation_id = s.Int(1);
  AEGIS_ASSIGN_OR_RETURN(c.phone, Unseal(s.View(2), "contact.phone"));
  c.phone_key = s.Text(3);
  AEGIS_ASSIGN_OR_RETURN(c.email, Unseal(s.View(4), "contact.email"));
  c.language = s.Text(5);
  c.channels = Unwords(s.View(6));
  c.status = s.Text(7);
  c.opted_in_date = s.Text(8);
  c.opted_in_via = s.Text(9);
  c.stopped_ms = s.Int(10);
  c.created_ms = s.Int(11);
  c.updated_ms = s.Int(12);
  return c;
}

Status SqlStore::LoadContactAreas(Contact* c) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & s, Cached("SELECT pcode FROM contact_area WHERE contact_id=? ORDER BY pcode"));
  s.Bind(1, c->id);
  Status q;
  c->areas.clear();
  while (s.Step(&q)) c->areas.push_back(s.Text(0));
  s.Reset();
  return q;
}

Result<std::pair<int64_t, bool>> SqlStore::PutContact(const Contact& c) {
  AEGIS_ASSIGN_OR_RETURN(std::string phone, Seal(c.phone, "contact.phone"));
  AEGIS_ASSIGN_OR_RETURN(std::string email, Seal(c.email, "contact.email"));
  std::pair<int64_t, bool> out{0, false};
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & find, Cached("SELECT id FROM contact WHERE phone_key=?"));
    find.Bind(1, c.phone_key);
    Status q;
    const bool found = find.Step(&q);
    if (found) out.first = find.Int(0);
    find.Reset();
    AEGIS_RETURN_IF_ERROR(q);
    const std::string channels = Words(c.channels);
    if (found) {
      AEGIS_ASSIGN_OR_RETURN(Stmt & u, Cached("UPDATE contact SET phone=?, email=?, language=?, "
                                              "channels=?, updated_ms=? WHERE id=?"));
      AEGIS_RETURN_IF_ERROR(u.Bind(1, phone)
                                .Bind(2, email)
                                .Bind(3, c.language)
                                .Bind(4, channels)
                                .Bind(5, c.updated_ms)
                                .Bind(6, out.first)
                                .Run());
      AEGIS_ASSIGN_OR_RETURN(Stmt & del, Cached("DELETE FROM contact_area WHERE contact_id=?"));
      AEGIS_RETURN_IF_ERROR(del.Bind(1, out.first).Run());
    } else {
      AEGIS_ASSIGN_OR_RETURN(
          Stmt & ins,
          Cached("INSERT INTO contact(organisation_id, phone, phone_key, email, language, "
                 "channels, status, opted_in_date, opted_in_via, created_ms, updated_ms) VALUES "
                 "(?,?,?,?,?,?,?,?,?,?,?) RETURNING id"));
      ins.Bind(1, c.organisation_id)
          .Bind(2, phone)
          .Bind(3, c.phone_key)
          .Bind(4, email)
          .Bind(5, c.language)
          .Bind(6, channels)
          .Bind(7, c.status)
          .Bind(8, c.opted_in_date)
          .Bind(9, c.opted_in_via)
          .Bind(10, c.created_ms)
          .Bind(11, c.updated_ms);
      AEGIS_ASSIGN_OR_RETURN(out.first, ins.RunReturningId());
      out.second = true;
    }
    AEGIS_ASSIGN_OR_RETURN(Stmt & area,
                           Cached("INSERT INTO contact_area(contact_id, pcode) VALUES (?,?) "
                                  "ON CONFLICT(contact_id, pcode) DO NOTHING"));
    for (const std::string& p : c.areas)
      AEGIS_RETURN_IF_ERROR(area.Bind(1, out.first).Bind(2, p).Run());
    return Status::Ok();
  });
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<Contact>> SqlStore::ContactRows(const std::string& where,
                                                   const std::function<void(Stmt&)>& bind) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, std::string("SELECT ") + kContactCols +
                                                  " FROM contact c WHERE " + where));
  bind(s);
  std::vector<Contact> out;
  Status q;
  while (s.Step(&q)) {
    AEGIS_ASSIGN_OR_RETURN(Contact c, ContactFrom(s));
    out.push_back(std::move(c));
  }
  AEGIS_RETURN_IF_ERROR(q);
  for (Contact& c : out) AEGIS_RETURN_IF_ERROR(LoadContactAreas(&c));
  return out;
}

Result<std::optional<Contact>> SqlStore::GetContact(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, ContactRows("c.id=?", [&](Stmt& s) { s.Bind(1, id); }));
  if (rows.empty()) return std::optional<Contact>();
  return std::optional<Contact>(std::move(rows.front()));
}

Result<std::optional<Contact>> SqlStore::FindContactByKey(const std::string& phone_key) {
  AEGIS_ASSIGN_OR_RETURN(auto rows,
                         ContactRows("c.phone_key=?", [&](Stmt& s) { s.Bind(1, phone_key); }));
  if (rows.empty()) return std::optional<Contact>();
  return std::optional<Contact>(std::move(rows.front()));
}

Result<std::vector<Contact>> SqlStore::ListContacts(const ContactQuery& q) {
  std::string where = "c.id>?1";
  if (q.organisation > 0) where += " AND c.organisation_id=?2";
  if (!q.status.empty()) where += " AND c.status=?3";
  if (!q.area.empty()) where += AreaClause(1, 4);
  where += " ORDER BY c.id LIMIT " + std::to_string(std::clamp(q.limit, 1, 5000));
  return ContactRows(where, [&](Stmt& s) {
    s.Bind(1, q.after_id);
    if (q.organisation > 0) s.Bind(2, q.organisation);
    if (!q.status.empty()) s.Bind(3, q.status);
    if (!q.area.empty()) s.Bind(4, q.area);
  });
}

Status SqlStore::CancelSends(const char* column, int64_t id, int64_t at_ms) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, std::string("UPDATE message_send SET state="
                                                          "'cancelled', delivered_ms=?, "
                                                          "claimed_until_ms=0 WHERE ") +
                                                  column + "=? AND delivered_ms=0"));
  return s.Bind(1, at_ms).Bind(2, id).Run();
}

Result<bool> SqlStore::StopContact(int64_t id, int64_t at_ms) {
  bool stopped = false;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & s, Cached("UPDATE contact SET status='stopped', stopped_ms=?, "
                                            "updated_ms=? WHERE id=? AND status<>'stopped'"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, at_ms).Bind(2, at_ms).Bind(3, id).Run());
    stopped = db_->Changes() > 0;
    return CancelSends("contact_id", id, at_ms);
  });
  AEGIS_RETURN_IF_ERROR(st);
  return stopped;
}

Result<std::map<std::string, int64_t>> SqlStore::ContactCounts(const std::string& area) {
  std::string sql = "SELECT c.status, count(*) FROM contact c WHERE 1=1";
  if (!area.empty()) sql += AreaClause(1, 1);
  sql += " GROUP BY c.status";
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_, sql));
  if (!area.empty()) s.Bind(1, area);
  std::map<std::string, int64_t> out = {{"active", 0}, {"stopped", 0}, {"blocked", 0}};
  Status q;
  while (s.Step(&q)) out[s.Text(0)] = s.Int(1);
  AEGIS_RETURN_IF_ERROR(q);
  return out;
}

Result<Message> SqlStore::MessageFrom(const Stmt& s) {
  Message m;
  m.id = s.Int(0);
  m.organisation_id = s.Int(1);
  m.title = s.Text(2);
  m.content_type = s.Text(3);
  m.risks = Unwords(s.View(4));
  m.alert_id = s.Int(5);
  m.areas = Unwords(s.View(6));
  m.channels = Unwords(s.View(7));
  m.base_language = s.Text(8);
  nlohmann::json t = nlohmann::json::parse(s.View(9), nullptr, false);
  if (!t.is_object())
    return Status::Corruption("message " + std::to_string(m.id) + ": translations unreadable");
  for (const auto& [lang, text] : t.items())
    if (text.is_string()) m.translations[lang] = text.get<std::string>();
  for (const std::string& id : Unwords(s.View(10))) {
    int64_t v = 0;
    if (text::ParseInt64(id, &v)) m.service_ids.push_back(v);
  }
  m.status = s.Text(11);
  m.author_id = s.Int(12);
  m.approver_id = s.Int(13);
  m.sent_by = s.Int(14);
  m.send_at_ms = s.Int(15);
  m.withdrawn_reason = s.Text(16);
  m.created_ms = s.Int(17);
  m.updated_ms = s.Int(18);
  m.approved_ms = s.Int(19);
  m.sent_ms = s.Int(20);
  m.withdrawn_ms = s.Int(21);
  return m;
}

namespace {
std::string TranslationsJson(const Message& m) {
  nlohmann::json t = nlohmann::json::object();
  for (const auto& [lang, text] : m.translations) t[lang] = text;
  return t.dump();
}
std::string Ids(const std::vector<int64_t>& v) {
  std::vector<std::string> s;
  s.reserve(v.size());
  for (int64_t id : v) s.push_back(std::to_string(id));
  return Words(s);
}
}  // namespace

Result<int64_t> SqlStore::CreateMessage(const Message& m) {
  int64_t id = 0;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "INSERT INTO message(organisation_id, title, content_type, risks, alert_id, "
                "areas, channels, base_language, translations, service_ids, status, "
                "author_id, send_at_ms, created_ms, updated_ms) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,'draft',?,?,?,?) RETURNING id"));
    s.Bind(1, m.organisation_id)
        .Bind(2, m.title)
        .Bind(3, m.content_type)
        .Bind(4, Words(m.risks))
        .Bind(5, m.alert_id)
        .Bind(6, Words(m.areas))
        .Bind(7, Words(m.channels))
        .Bind(8, m.base_language)
        .Bind(9, TranslationsJson(m))
        .Bind(10, Ids(m.service_ids))
        .Bind(11, m.author_id)
        .Bind(12, m.send_at_ms)
        .Bind(13, m.created_ms)
        .Bind(14, m.created_ms);
    AEGIS_ASSIGN_OR_RETURN(id, s.RunReturningId());
    return Status::Ok();
  });
  AEGIS_RETURN_IF_ERROR(st);
  return id;
}

Status SqlStore::UpdateDraft(const Message& m) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_,
                        "UPDATE message SET title=?, content_type=?, risks=?, alert_id=?, areas=?, "
                        "channels=?, base_language=?, translations=?, service_ids=?, send_at_ms=?, "
                        "updated_ms=? WHERE id=? AND status='draft'"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, m.title)
                              .Bind(2, m.content_type)
                              .Bind(3, Words(m.risks))
                              .Bind(4, m.alert_id)
                              .Bind(5, Words(m.areas))
                              .Bind(6, Words(m.channels))
                              .Bind(7, m.base_language)
                              .Bind(8, TranslationsJson(m))
                              .Bind(9, Ids(m.service_ids))
                              .Bind(10, m.send_at_ms)
                              .Bind(11, m.updated_ms)
                              .Bind(12, m.id)
                              .Run());
    if (db_->Changes() == 0)
      return Status::FailedPrecondition("message " + std::to_string(m.id) +
                                        " is not a draft: only a draft is changed");
    return Status::Ok();
  });
}

Result<std::vector<Message>> SqlStore::MessageRows(const std::string& where,
                                                   const std::function<void(Stmt&)>& bind) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_, std::string("SELECT ") + kMessageCols + " FROM message WHERE " + where));
  bind(s);
  std::vector<Message> out;
  Status q;
  while (s.Step(&q)) {
    AEGIS_ASSIGN_OR_RETURN(Message m, MessageFrom(s));
    out.push_back(std::move(m));
  }
  AEGIS_RETURN_IF_ERROR(q);
  return out;
}

Result<std::optional<Message>> SqlStore::GetMessage(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, MessageRows("id=?", [&](Stmt& s) { s.Bind(1, id); }));
  if (rows.empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(rows.front()));
}

Result<std::vector<Message>> SqlStore::ListMessages(const MessageQuery& q) {
  std::string where = "1=1";
  if (!q.status.empty()) where += " AND status=?1";
  if (q.alert_id > 0) where += " AND alert_id=?2";
  if (q.after_id > 0) where += " AND id<?3";
  where += " ORDER BY id DESC LIMIT " + std::to_string(std::clamp(q.limit, 1, 1000));
  return MessageRows(where, [&](Stmt& s) {
    if (!q.status.empty()) s.Bind(1, q.status);
    if (q.alert_id > 0) s.Bind(2, q.alert_id);
    if (q.after_id > 0) s.Bind(3, q.after_id);
  });
}

Status SqlStore::ApproveMessage(int64_t id, int64_t approver, int64_t at_ms) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_,
                                           "UPDATE message SET status='approved', approver_id=?, "
                                           "approved_ms=?, updated_ms=? WHERE id=? AND "
                                           "status='draft' AND author_id<>?"));
    AEGIS_RETURN_IF_ERROR(
        s.Bind(1, approver).Bind(2, at_ms).Bind(3, at_ms).Bind(4, id).Bind(5, approver).Run());
    if (db_->Changes() == 0)
      return Status::FailedPrecondition("message " + std::to_string(id) +
                                        " is not a draft of another author: read it again");
    return Status::Ok();
  });
}

Result<std::vector<Reach>> SqlStore::MessageReach(const Message& m) {
  std::vector<Reach> out;
  if (m.areas.empty()) return out;
  for (const std::string& channel : m.channels) {
    if (channel != "sms" && channel != "email") continue;
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "SELECT c.language, count(*) FROM contact c WHERE c.status='active' "
                "AND (' ' || c.channels || ' ') LIKE ?1" +
                    AreaClause(m.areas.size(), 2) + " GROUP BY c.language ORDER BY c.language"));
    s.Bind(1, "% " + channel + " %");
    for (size_t i = 0; i < m.areas.size(); ++i) s.Bind(static_cast<int>(i) + 2, m.areas[i]);
    Status q;
    while (s.Step(&q)) out.push_back({channel, s.Text(0), s.Int(1)});
    AEGIS_RETURN_IF_ERROR(q);
  }
  return out;
}

Result<int64_t> SqlStore::EnqueueMessage(int64_t id, int64_t by, int64_t at_ms, int64_t due_ms) {
  int64_t enqueued = 0;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(auto rows, MessageRows("id=?", [&](Stmt& s) { s.Bind(1, id); }));
    if (rows.empty()) return Status::NotFound("message " + std::to_string(id) + " not found");
    const Message& m = rows.front();
    if (m.status != "approved")
      return Status::FailedPrecondition("message " + std::to_string(id) + " is " + m.status +
                                        ": only an approved message is sent");
    for (const std::string& channel : m.channels) {
      if (channel != "sms" && channel != "email") continue;  // radio: a printed script
      AEGIS_ASSIGN_OR_RETURN(
          Stmt s, Prepare(db_,
                          "INSERT INTO message_send(message_id, contact_id, channel, "
                          "idempotency_key, state, next_attempt_ms, created_ms) SELECT ?1, c.id, "
                          "?2, ?3 || c.id, 'queued', ?4, ?5 FROM contact c WHERE "
                          "c.status='active' AND (' ' || c.channels || ' ') LIKE ?6" +
                              AreaClause(m.areas.size(), 7)));
      s.Bind(1, id)
          .Bind(2, channel)
          .Bind(3, "m" + std::to_string(id) + "-" + channel + "-")
          .Bind(4, due_ms)
          .Bind(5, at_ms)
          .Bind(6, "% " + channel + " %");
      for (size_t i = 0; i < m.areas.size(); ++i) s.Bind(static_cast<int>(i) + 7, m.areas[i]);
      AEGIS_RETURN_IF_ERROR(s.Run());
      enqueued += db_->Changes();
    }
    AEGIS_ASSIGN_OR_RETURN(
        Stmt u, Prepare(db_,
                        "UPDATE message SET status=?, sent_by=?, send_at_ms=?, updated_ms=?, "
                        "sent_ms=? WHERE id=?"));
    return u.Bind(1, enqueued > 0 ? "sending" : "sent")
        .Bind(2, by)
        .Bind(3, due_ms)
        .Bind(4, at_ms)
        .Bind(5, enqueued > 0 ? int64_t{0} : at_ms)
        .Bind(6, id)
        .Run();
  });
  AEGIS_RETURN_IF_ERROR(st);
  return enqueued;
}

Result<bool> SqlStore::WithdrawMessage(int64_t id, const std::string& reason, int64_t at_ms) {
  bool withdrawn = false;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_,
                        "UPDATE message SET status='withdrawn', withdrawn_reason=?, "
                        "withdrawn_ms=?, updated_ms=? WHERE id=? AND status IN ('draft', "
                        "'approved', 'sending')"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, reason).Bind(2, at_ms).Bind(3, at_ms).Bind(4, id).Run());
    withdrawn = db_->Changes() > 0;
    if (!withdrawn) return Status::Ok();
    return CancelSends("message_id", id, at_ms);
  });
  AEGIS_RETURN_IF_ERROR(st);
  return withdrawn;
}

Result<std::vector<int64_t>> SqlStore::MessagesOfAlert(int64_t alert_id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_,
                                         "SELECT id FROM message WHERE alert_id=? AND status IN "
                                         "('draft', 'approved', 'sending') ORDER BY id"));
  s.Bind(1, alert_id);
  std::vector<int64_t> out;
  Status q;
  while (s.Step(&q)) out.push_back(s.Int(0));
  AEGIS_RETURN_IF_ERROR(q);
  return out;
}

Result<SendCounts> SqlStore::MessageSendCounts(int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s, Prepare(db_,
                      "SELECT state, count(*) FROM message_send WHERE message_id=? GROUP BY "
                      "state"));
  s.Bind(1, id);
  SendCounts c;
  Status q;
  while (s.Step(&q)) {
    const std::string state = s.Text(0);
    const int64_t n = s.Int(1);
    if (state == "queued") c.queued = n;
    if (state == "wired") c.wired = n;
    if (state == "delivered") c.delivered = n;
    if (state == "failed") c.failed = n;
    if (state == "cancelled") c.cancelled = n;
  }
  AEGIS_RETURN_IF_ERROR(q);
  return c;
}

Result<std::vector<MessageSend>> SqlStore::ClaimMessageSends(int64_t now_ms, int64_t lease_ms,
                                                             int limit) {
  std::vector<MessageSend> out;
  AEGIS_ASSIGN_OR_RETURN(bool any, OutboxDue("message_send", now_ms));
  if (!any) return out;
  std::vector<std::pair<int64_t, std::string>> sealed_phone, sealed_email;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt & s,
        Cached("SELECT s.id, s.message_id, s.contact_id, s.channel, s.idempotency_key, "
               "s.attempts, c.phone, c.email, c.language, c.status FROM message_send s JOIN "
               "contact c ON c.id=s.contact_id WHERE s.delivered_ms=0 AND s.next_attempt_ms<=? "
               "AND s.claimed_until_ms<=? ORDER BY s.next_attempt_ms, s.id LIMIT ?"));
    s.Bind(1, now_ms).Bind(2, now_ms).Bind(3, static_cast<int64_t>(limit));
    std::vector<int64_t> cancelled;
    Status q;
    while (s.Step(&q)) {
      if (s.View(9) != "active") {
        cancelled.push_back(s.Int(0));
        continue;
      }
      MessageSend m;
      m.id = s.Int(0);
      m.message_id = s.Int(1);
      m.contact_id = s.Int(2);
      m.channel = s.Text(3);
      m.idempotency_key = s.Text(4);
      m.attempts = static_cast<int>(s.Int(5)) + 1;
      m.phone = s.Text(6);
      m.email = s.Text(7);
      m.language = s.Text(8);
      m.state = "queued";
      out.push_back(std::move(m));
    }
    s.Reset();
    AEGIS_RETURN_IF_ERROR(q);
    AEGIS_ASSIGN_OR_RETURN(Stmt & cancel,
                           Cached("UPDATE message_send SET state='cancelled', delivered_ms=? "
                                  "WHERE id=? AND delivered_ms=0"));
    for (int64_t id : cancelled) AEGIS_RETURN_IF_ERROR(cancel.Bind(1, now_ms).Bind(2, id).Run());
    AEGIS_ASSIGN_OR_RETURN(Stmt & claim, Cached("UPDATE message_send SET claimed_until_ms=?, "
                                                "attempts=attempts+1 WHERE id=?"));
    for (const MessageSend& m : out)
      AEGIS_RETURN_IF_ERROR(claim.Bind(1, now_ms + lease_ms).Bind(2, m.id).Run());
    return Status::Ok();
  });
  AEGIS_RETURN_IF_ERROR(st);
  for (MessageSend& m : out) {
    AEGIS_ASSIGN_OR_RETURN(m.phone, Unseal(m.phone, "contact.phone"));
    AEGIS_ASSIGN_OR_RETURN(m.email, Unseal(m.email, "contact.email"));
  }
  return out;
}

Status SqlStore::FinishMessageSends(const std::vector<DeliveryOutcome>& outcomes) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & done,
                           Cached("UPDATE message_send SET delivered_ms=?, claimed_until_ms=0, "
                                  "last_error='', state=CASE WHEN state='queued' THEN 'wired' ELSE "
                                  "state END WHERE id=? AND delivered_ms=0"));
    AEGIS_ASSIGN_OR_RETURN(Stmt & retry, Cached("UPDATE message_send SET next_attempt_ms=?, "
                                                "claimed_until_ms=0, last_error=? WHERE id=? AND "
                                                "delivered_ms=0"));
    int64_t last = 0;
    for (const DeliveryOutcome& o : outcomes) {
      last = std::max(last, o.at_ms);
      if (o.delivered) {
        AEGIS_RETURN_IF_ERROR(done.Bind(1, o.at_ms).Bind(2, o.id).Run());
      } else {
        AEGIS_RETURN_IF_ERROR(
            retry.Bind(1, o.next_attempt_ms).Bind(2, o.error.substr(0, 500)).Bind(3, o.id).Run());
      }
    }
    AEGIS_ASSIGN_OR_RETURN(
        Stmt & sent,
        Cached("UPDATE message SET status='sent', sent_ms=?, updated_ms=? WHERE status='sending' "
               "AND NOT EXISTS (SELECT 1 FROM message_send s WHERE s.message_id=message.id AND "
               "s.delivered_ms=0)"));
    return sent.Bind(1, last).Bind(2, last).Run();
  });
}

Result<int64_t> SqlStore::RecordReceipts(const std::vector<Receipt>& receipts) {
  int64_t matched = 0;
  Status st = InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(Stmt & s, Cached("UPDATE message_send SET state=?, receipt_ms=? WHERE "
                                            "idempotency_key=? AND state<>'cancelled'"));
    for (const Receipt& r : receipts) {
      AEGIS_RETURN_IF_ERROR(s.Bind(1, r.state).Bind(2, r.at_ms).Bind(3, r.idempotency_key).Run());
      matched += db_->Changes();
    }
    return Status::Ok();
  });
  AEGIS_RETURN_IF_ERROR(st);
  return matched;
}

}  // namespace aegis::store
