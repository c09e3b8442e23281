// Referrals (ReferralStore, referral_store.h) over the SQL seam.
#include <algorithm>
#include <array>

#include "store/sql_store.h"
#include "util/text.h"

namespace aegis::store {

namespace {

constexpr int kRef = static_cast<int>(RecordClass::kReferral);

constexpr std::array<const char*, kReferralStatuses> kStatusNames = {"sent", "accepted", "rejected",
                                                                     "closed", "withdrawn"};

// Referrals the scope may read: up to its rank for the class `referral`; with an organisation
// limit, those the organisation sent or received.
std::string ReferralScopeClause(const AccessScope& sc) {
  if (sc.max_rank[kRef] < 0) return "0=1";
  std::string out = "r.sensitivity_rank<=" + std::to_string(sc.max_rank[kRef]);
  if (sc.only_organisation_id != 0) {
    const std::string org = std::to_string(sc.only_organisation_id);
    out += " AND (r.organisation_id=" + org + " OR r.receiving_organisation_id=" + org + ")";
  }
  return out;
}

constexpr const char* kReferralSelect =
    "SELECT r.id, r.organisation_id, r.receiving_organisation_id, o1.code, o2.code, r.client_id, "
    "r.case_code, r.origin, r.origin_id, coalesce(r.service_id,0), r.service_type, "
    "r.services_provided, r.area_pcode, r.priority, r.purpose, r.gbv, r.sensitivity_rank, "
    "r.person_name, r.person_phone, r.person_location, r.person_sex, r.person_age, r.reason, "
    "r.status, r.outcome, r.status_reason, r.override_reason, r.created_ms, r.due_ms, "
    "r.accepted_ms, r.closed_ms, r.updated_ms, r.escalated_ms, r.created_by, "
    "coalesce(c.given_by,''), coalesce(c.caregiver_relation,''), coalesce(c.purpose,''), "
    "coalesce(c.receiving_organisation,''), coalesce(c.fields,''), coalesce(c.given_ms,0), "
    "coalesce(c.expires_ms,0), coalesce(c.withdrawn_ms,0) FROM referral r JOIN organisation o1 "
    "ON o1.id=r.organisation_id JOIN organisation o2 ON o2.id=r.receiving_organisation_id LEFT "
    "JOIN referral_consent c ON c.referral_id=r.id";

}  // namespace

const char* ReferralStatusName(ReferralStatus s) { return kStatusNames[static_cast<int>(s)]; }

std::optional<ReferralStatus> ParseReferralStatus(std::string_view name) {
  for (int i = 0; i < kReferralStatuses; ++i)
    if (name == kStatusNames[i]) return static_cast<ReferralStatus>(i);
  return std::nullopt;
}

Result<ReferralRecord> SqlStore::ReadReferral(const Stmt& s) {
  ReferralRecord out;
  Referral& r = out.r;
  r.id = s.Int(0);
  out.organisation_id = s.Int(1);
  out.receiving_organisation_id = s.Int(2);
  r.referring_organisation = s.Text(3);
  r.receiving_organisation = s.Text(4);
  r.client_id = s.Text(5);
  r.case_code = s.Text(6);
  r.origin = s.Text(7);
  r.origin_id = s.Int(8);
  r.service_id = s.Int(9);
  r.service_type = s.Text(10);
  r.services_provided = text::SplitAny(s.View(11), " ");
  r.area_pcode = s.Text(12);
  r.priority = s.Text(13);
  r.purpose = s.Text(14);
  r.gbv = s.Int(15) != 0;
  out.sensitivity_rank = static_cast<int>(s.Int(16));
  static const char* kNames[] = {"public", "internal", "confidential", "strictly_confidential"};
  r.sensitivity = kNames[std::clamp(out.sensitivity_rank, 0, 3)];
  AEGIS_ASSIGN_OR_RETURN(r.person.name, Unseal(s.View(17), "referral.person_name"));
  AEGIS_ASSIGN_OR_RETURN(r.person.phone, Unseal(s.View(18), "referral.person_phone"));
  AEGIS_ASSIGN_OR_RETURN(r.person.location, Unseal(s.View(19), "referral.person_location"));
  r.person.sex = s.Text(20);
  r.person.age = static_cast<int>(s.Int(21));
  AEGIS_ASSIGN_OR_RETURN(r.reason, Unseal(s.View(22), "referral.reason"));
  auto status = ParseReferralStatus(s.View(23));
  if (!status)
    return Status::Corruption("referral " + std::to_string(r.id) + " has an unknown status");
  r.status = *status;
  r.outcome = s.Text(24);
  AEGIS_ASSIGN_OR_RETURN(r.status_reason, Unseal(s.View(25), "referral.status_reason"));
  AEGIS_ASSIGN_OR_RETURN(r.override_reason, Unseal(s.View(26), "referral.override_reason"));
  r.created_ms = s.Int(27);
  r.due_ms = s.Int(28);
  r.accepted_ms = s.Int(29);
  r.closed_ms = s.Int(30);
  r.updated_ms = s.Int(31);
  r.escalated_ms = s.Int(32);
  r.created_by = s.Int(33);
  Consent& c = out.consent;
  c.given_by = s.Text(34);
  c.caregiver_relation = s.Text(35);
  c.purpose = s.Text(36);
  c.receiving_organisation = s.Text(37);
  c.fields = text::SplitAny(s.View(38), " ");
  c.given_ms = s.Int(39);
  c.expires_ms = s.Int(40);
  c.withdrawn_ms = s.Int(41);
  return out;
}

Result<std::vector<ReferralRecord>> SqlStore::ReferralRows(const std::string& where,
                                                           const std::function<void(Stmt&)>& bind,
                                                           const std::string& tail) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s,
                         Prepare(db_, std::string(kReferralSelect) + " WHERE " + where + tail));
  bind(s);
  std::vector<ReferralRecord> out;
  Status st;
  while (s.Step(&st)) {
    AEGIS_ASSIGN_OR_RETURN(ReferralRecord r, ReadReferral(s));
    out.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Status SqlStore::InsertReferralLog(int64_t id, const ReferralEvent& e,
                                   const std::vector<ReferralNotice>& notices) {
  AEGIS_ASSIGN_OR_RETURN(Stmt & ev, Cached("INSERT INTO referral_event(referral_id, at_ms, actor, "
                                           "action, from_status, to_status) VALUES (?,?,?,?,?,?)"));
  AEGIS_RETURN_IF_ERROR(ev.Bind(1, id)
                            .Bind(2, e.at_ms)
                            .Bind(3, e.actor)
                            .Bind(4, e.action)
                            .Bind(5, e.from_status)
                            .Bind(6, e.to_status)
                            .Run());
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & n, Cached("INSERT INTO referral_notice(referral_id, recipient, kind, created_ms, "
                       "channel, idempotency_key, next_attempt_ms, delivered_ms) VALUES "
                       "(?,?,?,?,?,?,?,?)"));
  for (const ReferralNotice& x : notices) {
    const bool inbox = x.channel == "inbox";
    n.Bind(1, id).Bind(2, x.recipient).Bind(3, x.kind).Bind(4, x.created_ms).Bind(5, x.channel);
    if (inbox)
      n.BindNull(6);
    else
      n.Bind(6,
             "referral-" + std::to_string(id) + "-" + x.kind + "-" + x.channel + "-" + x.recipient);
    AEGIS_RETURN_IF_ERROR(n.Bind(7, x.created_ms).Bind(8, inbox ? x.created_ms : 0).Run());
  }
  return Status::Ok();
}

Result<int64_t> SqlStore::CreateReferral(const Referral& r, const Consent& c,
                                         const ReferralEvent& created,
                                         const std::vector<ReferralNotice>& notices) {
  sql::WriteTx tx(db_);
  AEGIS_RETURN_IF_ERROR(tx.Begin());
  Result<int64_t> id = InsertReferral(r, c, created, notices);
  AEGIS_RETURN_IF_ERROR(tx.Finish(id.status()));
  return id;
}

Result<int64_t> SqlStore::InsertReferral(const Referral& r, const Consent& c,
                                         const ReferralEvent& created,
                                         const std::vector<ReferralNotice>& notices) {
  AEGIS_ASSIGN_OR_RETURN(int64_t from, IdByCode("organisation", r.referring_organisation));
  AEGIS_ASSIGN_OR_RETURN(int64_t to, IdByCode("organisation", r.receiving_organisation));
  if (!r.client_id.empty()) {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt f, Prepare(db_, "SELECT id FROM referral WHERE organisation_id=? AND client_id=?"));
    f.Bind(1, from).Bind(2, r.client_id);
    Status st;
    if (f.Step(&st)) return f.Int(0);  // a resend: the referral it created
    AEGIS_RETURN_IF_ERROR(st);
  }
  AEGIS_ASSIGN_OR_RETURN(std::string name, Seal(r.person.name, "referral.person_name"));
  AEGIS_ASSIGN_OR_RETURN(std::string phone, Seal(r.person.phone, "referral.person_phone"));
  AEGIS_ASSIGN_OR_RETURN(std::string where, Seal(r.person.location, "referral.person_location"));
  AEGIS_ASSIGN_OR_RETURN(std::string reason, Seal(r.reason, "referral.reason"));
  AEGIS_ASSIGN_OR_RETURN(std::string override_reason,
                         Seal(r.override_reason, "referral.override_reason"));
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & ins,
      Cached("INSERT INTO referral(organisation_id, receiving_organisation_id, client_id, "
             "case_code, origin, origin_id, service_id, service_type, services_provided, "
             "area_pcode, priority, purpose, gbv, sensitivity_rank, person_name, person_phone, "
             "person_location, person_sex, person_age, reason, status, override_reason, "
             "created_ms, due_ms, updated_ms, created_by) VALUES "
             "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?23,?25)"));
  ins.Bind(1, from)
      .Bind(2, to)
      .Bind(3, r.client_id)
      .Bind(4, r.case_code)
      .Bind(5, r.origin)
      .Bind(6, r.origin_id)
      .Bind(7, r.service_id > 0 ? std::optional<int64_t>(r.service_id) : std::nullopt)
      .Bind(8, r.service_type)
      .Bind(9, text::Join(r.services_provided, " "))
      .Bind(10, r.area_pcode)
      .Bind(11, r.priority)
      .Bind(12, r.purpose)
      .Bind(13, int64_t{r.gbv ? 1 : 0})
      .Bind(14, int64_t{SensitivityRank(r.sensitivity).value_or(3)})
      .Bind(15, name)
      .Bind(16, phone)
      .Bind(17, where)
      .Bind(18, r.person.sex)
      .Bind(19, int64_t{r.person.age})
      .Bind(20, reason)
      .Bind(21, std::string(ReferralStatusName(ReferralStatus::kSent)))
      .Bind(22, override_reason)
      .Bind(23, r.created_ms)
      .Bind(24, r.due_ms)
      .Bind(25, r.created_by);
  AEGIS_RETURN_IF_ERROR(ins.Run());
  const int64_t id = db_->LastInsertId();
  AEGIS_ASSIGN_OR_RETURN(
      Stmt & con,
      Cached("INSERT INTO referral_consent(referral_id, given_by, caregiver_relation, purpose, "
             "receiving_organisation, fields, given_ms, expires_ms) VALUES (?,?,?,?,?,?,?,?)"));
  AEGIS_RETURN_IF_ERROR(con.Bind(1, id)
                            .Bind(2, c.given_by)
                            .Bind(3, c.caregiver_relation)
                            .Bind(4, c.purpose)
                            .Bind(5, c.receiving_organisation)
                            .Bind(6, text::Join(c.fields, " "))
                            .Bind(7, c.given_ms)
                            .Bind(8, c.expires_ms)
                            .Run());
  AEGIS_RETURN_IF_ERROR(InsertReferralLog(id, created, notices));
  return id;
}

Result<std::optional<ReferralRecord>> SqlStore::GetReferral(const AccessScope& scope, int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, ReferralRows("r.id=? AND " + ReferralScopeClause(scope),
                                                 [&](Stmt& s) { s.Bind(1, id); }));
  if (rows.empty()) return std::optional<ReferralRecord>();
  return std::optional<ReferralRecord>(std::move(rows.front()));
}

Result<std::vector<ReferralRecord>> SqlStore::ListReferrals(const AccessScope& scope,
                                                            const ReferralQuery& q) {
  std::string where = ReferralScopeClause(scope);
  const std::string org = std::to_string(q.organisation_id);
  if (q.side == "sent") where += " AND r.organisation_id=" + org;
  if (q.side == "received") where += " AND r.receiving_organisation_id=" + org;
  if (q.status) where += std::string(" AND r.status='") + ReferralStatusName(*q.status) + "'";
  if (q.overdue_only) where += " AND r.status='sent' AND r.due_ms<=" + std::to_string(q.now_ms);
  if (q.after_id > 0) where += " AND r.id<" + std::to_string(q.after_id);
  return ReferralRows(
      where, [](Stmt&) {},
      " ORDER BY r.id DESC LIMIT " + std::to_string(std::clamp(q.limit, 1, 1000)));
}

Status SqlStore::ChangeReferralStatus(int64_t id, const ReferralChange& ch, const ReferralEvent& e,
                                      const std::vector<ReferralNotice>& notices) {
  AEGIS_ASSIGN_OR_RETURN(std::string reason, Seal(ch.reason, "referral.status_reason"));
  return InTransaction(db_, [&]() -> Status {
    const bool accepted = ch.to == ReferralStatus::kAccepted;
    const bool ended = !accepted && ch.to != ReferralStatus::kSent;
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare(db_,
                "UPDATE referral SET status=?, outcome=?, status_reason=?, updated_ms=?, "
                "accepted_ms=CASE WHEN ?=1 THEN ? ELSE accepted_ms END, closed_ms=CASE WHEN "
                "?=1 THEN ? ELSE closed_ms END WHERE id=? AND status=?"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, std::string(ReferralStatusName(ch.to)))
                              .Bind(2, ch.outcome)
                              .Bind(3, reason)
                              .Bind(4, ch.at_ms)
                              .Bind(5, int64_t{accepted ? 1 : 0})
                              .Bind(6, ch.at_ms)
                              .Bind(7, int64_t{ended ? 1 : 0})
                              .Bind(8, ch.at_ms)
                              .Bind(9, id)
                              .Bind(10, std::string(ReferralStatusName(ch.from)))
                              .Run());
    if (db_->Changes() == 0)
      return Status::FailedPrecondition("referral " + std::to_string(id) + " is no longer " +
                                        ReferralStatusName(ch.from) +
                                        ": someone changed it first; read it again");
    return InsertReferralLog(id, e, notices);
  });
}

Status SqlStore::WithdrawReferralConsent(int64_t id, int64_t at_ms, const ReferralEvent& e) {
  return InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_,
                        "UPDATE referral_consent SET withdrawn_ms=? WHERE referral_id=? AND "
                        "withdrawn_ms=0"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, at_ms).Bind(2, id).Run());
    if (db_->Changes() == 0)
      return Status::FailedPrecondition("the consent of referral " + std::to_string(id) +
                                        " was already withdrawn");
    AEGIS_ASSIGN_OR_RETURN(Stmt u, Prepare(db_, "UPDATE referral SET updated_ms=? WHERE id=?"));
    AEGIS_RETURN_IF_ERROR(u.Bind(1, at_ms).Bind(2, id).Run());
    return InsertReferralLog(id, e, {});
  });
}

Result<std::vector<ReferralRecord>> SqlStore::DueReferralEscalations(int64_t now_ms, int limit) {
  return ReferralRows(
      "r.status='sent' AND r.due_ms<=? AND r.escalated_ms=0", [&](Stmt& s) { s.Bind(1, now_ms); },
      " ORDER BY r.due_ms, r.id LIMIT " + std::to_string(std::clamp(limit, 1, 1000)));
}

Result<bool> SqlStore::EscalateReferral(int64_t id, int64_t at_ms, const ReferralEvent& e,
                                        const std::vector<ReferralNotice>& notices) {
  bool first = false;
  AEGIS_RETURN_IF_ERROR(InTransaction(db_, [&]() -> Status {
    AEGIS_ASSIGN_OR_RETURN(
        Stmt s, Prepare(db_,
                        "UPDATE referral SET escalated_ms=? WHERE id=? AND escalated_ms=0 AND "
                        "status='sent'"));
    AEGIS_RETURN_IF_ERROR(s.Bind(1, at_ms).Bind(2, id).Run());
    first = db_->Changes() > 0;
    if (!first) return Status::Ok();
    return InsertReferralLog(id, e, notices);
  }));
  return first;
}

Result<std::vector<ReferralEvent>> SqlStore::ListReferralEvents(int64_t referral_id) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_,
                                         "SELECT id, referral_id, at_ms, actor, action, "
                                         "from_status, to_status FROM referral_event WHERE "
                                         "referral_id=? ORDER BY id"));
  s.Bind(1, referral_id);
  std::vector<ReferralEvent> out;
  Status st;
  while (s.Step(&st))
    out.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6)});
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<ReferralNotice>> SqlStore::ListReferralNotices(
    const std::vector<std::string>& recipients, int limit) {
  std::vector<ReferralNotice> out;
  if (recipients.empty()) return out;
  std::string in;
  for (size_t i = 0; i < recipients.size(); ++i) in += i ? ",?" : "?";
  AEGIS_ASSIGN_OR_RETURN(
      Stmt s,
      Prepare(db_,
              "SELECT id, referral_id, created_ms, recipient, kind FROM "
              "referral_notice WHERE channel='inbox' AND recipient IN (" +
                  in + ") ORDER BY id DESC LIMIT " + std::to_string(std::clamp(limit, 1, 1000))));
  for (size_t i = 0; i < recipients.size(); ++i) s.Bind(static_cast<int>(i + 1), recipients[i]);
  Status st;
  while (s.Step(&st)) {
    ReferralNotice n;
    n.id = s.Int(0);
    n.referral_id = s.Int(1);
    n.created_ms = s.Int(2);
    n.recipient = s.Text(3);
    n.kind = s.Text(4);
    out.push_back(std::move(n));
  }
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<ReferralOutcomeCount>> SqlStore::ReferralOutcomes(int64_t from_ms,
                                                                     int64_t to_ms) {
  AEGIS_ASSIGN_OR_RETURN(Stmt s, Prepare(db_,
                                         "SELECT area_pcode, service_type, outcome, count(*) FROM "
                                         "referral WHERE status='closed' AND closed_ms>=? AND "
                                         "closed_ms<? GROUP BY area_pcode, service_type, outcome "
                                         "ORDER BY 1, 2, 3"));
  s.Bind(1, from_ms).Bind(2, to_ms);
  std::vector<ReferralOutcomeCount> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
  AEGIS_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<ReferralNotice>> SqlStore::ClaimReferralDeliveries(int64_t now_ms,
                                                                      int64_t lease_ms, int limit) {
  std::vector<ReferralNotice> out;
  AEGIS_ASSIGN_OR_RETURN(bool any, OutboxDue("referral_notice", now_ms));
  if (!any) return out;
  AEGIS_RETURN_IF_ERROR(ClaimOutbox(
      "referral_notice",
      "SELECT id, referral_id, created_ms, recipient, kind, channel, idempotency_key, attempts "
      "FROM referral_notice",
      now_ms, lease_ms, limit, [&](const Stmt& s) {
        ReferralNotice n;
        n.id = s.Int(0);
        n.referral_id = s.Int(1);
        n.created_ms = s.Int(2);
        n.recipient = s.Text(3);
        n.kind = s.Text(4);
        n.channel = s.Text(5);
        n.idempotency_key = s.Text(6);
        n.attempts = static_cast<int>(s.Int(7)) + 1;
        out.push_back(std::move(n));
        return out.back().id;
      }));
  return out;
}

Status SqlStore::FinishReferralDeliveries(const std::vector<DeliveryOutcome>& outcomes) {
  return FinishOutbox("referral_notice", outcomes);
}

}  // namespace aegis::store
