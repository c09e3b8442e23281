#include "referral/referral.h"

#include <algorithm>
#include <iterator>

#include "util/text.h"

namespace aegis::referral {

namespace {

using store::ReferralStatus;

constexpr int64_t kHourMs = 3600LL * 1000;

template <size_t N>
bool OneOf(const char* const (&list)[N], const std::string& v) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* x) { return v == x; });
}

template <size_t N>
std::string Listed(const char* const (&list)[N]) {
  std::string out;
  for (const char* x : list) out += (out.empty() ? "" : ", ") + std::string(x);
  return out;
}

access::Resource ResourceOf(const store::ReferralRecord& rec) {
  access::Resource r;
  r.record_class = store::RecordClass::kReferral;
  r.sensitivity = rec.sensitivity_rank;
  r.organisation_id = rec.organisation_id;
  r.receiving_organisation_id = rec.receiving_organisation_id;
  return r;
}

store::ReferralEvent Event(const Actor& a, const char* action, ReferralStatus from,
                           ReferralStatus to) {
  store::ReferralEvent e;
  e.at_ms = a.now_ms;
  e.actor = std::to_string(a.subject.user_id);
  e.action = action;
  e.from_status = store::ReferralStatusName(from);
  e.to_status = store::ReferralStatusName(to);
  return e;
}

Status Check(bool ok, const std::string& message) {
  return ok ? Status::Ok() : Status::InvalidArgument(message);
}

Status Validate(const store::Referral& r) {
  AEGIS_RETURN_IF_ERROR(Check(!r.receiving_organisation.empty(),
                              "receiving_organisation: the code of the organisation that "
                              "receives the referral (see /api/v1/services/recipients)"));
  AEGIS_RETURN_IF_ERROR(Check(r.receiving_organisation != r.referring_organisation,
                              "receiving_organisation: a referral goes to another organisation"));
  AEGIS_RETURN_IF_ERROR(Check(!r.service_type.empty() || r.service_id > 0,
                              "service_type: the type of service the person needs (see "
                              "data/taxonomy/vocabularies.json service_type)"));
  AEGIS_RETURN_IF_ERROR(
      Check(OneOf(kPriorities, r.priority), "priority: one of " + Listed(kPriorities)));
  AEGIS_RETURN_IF_ERROR(Check(OneOf(kPurposes, r.purpose), "purpose: one of " + Listed(kPurposes)));
  AEGIS_RETURN_IF_ERROR(Check(OneOf(kOrigins, r.origin), "origin: one of " + Listed(kOrigins)));
  AEGIS_RETURN_IF_ERROR(
      Check(r.origin == "direct" || r.origin == "field" || r.origin_id > 0,
            "origin_id: the id of the " + r.origin + " the person was identified in"));
  AEGIS_RETURN_IF_ERROR(Check(r.person.sex.empty() || r.person.sex == "f" || r.person.sex == "m",
                              "person.sex: f, m, or leave it out"));
  AEGIS_RETURN_IF_ERROR(
      Check(r.person.age >= -1 && r.person.age <= 120, "person.age: years, 0 to 120"));
  AEGIS_RETURN_IF_ERROR(Check(!r.case_code.empty() || !r.person.name.empty(),
                              "person.name or case_code: who is referred (a case code when the "
                              "name must not be written)"));
  return Status::Ok();
}

// The service entry named by the draft: the receiving organisation's, active, accepting
// referrals; fills the service type when left out.
Status CheckService(store::ServiceStore& services, const Actor& a, store::Referral* r) {
  if (r->service_id <= 0) return Status::Ok();
  AEGIS_ASSIGN_OR_RETURN(auto svc, services.GetService(a.scope, r->service_id));
  if (!svc) return Status::InvalidArgument("service_id: no such service, or not visible to you");
  if (svc->s.organisation_code != r->receiving_organisation)
    return Status::InvalidArgument("service_id: service " + std::to_string(r->service_id) +
                                   " belongs to " + svc->s.organisation_code + ", not " +
                                   r->receiving_organisation);
  if (svc->s.status != "active" || !svc->s.accepts_referrals)
    return Status::FailedPrecondition(
        "service " + std::to_string(r->service_id) + " is " + svc->s.status +
        (svc->s.accepts_referrals ? "" : " and accepts no referrals") +
        "; choose another in /api/v1/services/recipients");
  if (r->service_type.empty()) r->service_type = svc->s.service_type;
  return Status::Ok();
}

Status Allowed(const Actor& a, access::Action action, const access::Resource& r) {
  access::Decision d = access::Decide(*a.protocol, a.subject, action, r);
  return d.allowed() ? Status::Ok() : Status::PermissionDenied(d.reason);
}

// An in-app notice of referral `id` (0: the one being created) to `recipient`.
store::ReferralNotice InApp(int64_t id, int64_t now_ms, std::string recipient, std::string kind) {
  store::ReferralNotice n;
  n.referral_id = id;
  n.created_ms = now_ms;
  n.recipient = std::move(recipient);
  n.kind = std::move(kind);
  return n;
}

// The in-app notices, then a webhook or e-mail notice for each outside recipient `routes` names
// for any of them.
std::vector<store::ReferralNotice> Routed(std::vector<store::ReferralNotice> notices,
                                          const NoticeRoutes& routes) {
  if (!routes) return notices;
  const size_t in_app = notices.size();
  for (size_t i = 0; i < in_app; ++i)
    for (auto& [recipient, channel] : routes(notices[i].recipient)) {
      store::ReferralNotice n = notices[i];
      n.recipient = std::move(recipient);
      n.channel = std::move(channel);
      notices.push_back(std::move(n));
    }
  return notices;
}

}  // namespace

std::optional<int64_t> AcceptWithinMs(const std::string& priority) {
  if (priority == "emergency") return 24 * kHourMs;
  if (priority == "urgent") return 72 * kHourMs;
  if (priority == "normal") return int64_t{14} * 24 * kHourMs;
  return std::nullopt;
}

bool TransitionAllowed(ReferralStatus from, ReferralStatus to) {
  switch (from) {
    case ReferralStatus::kSent:
      return to == ReferralStatus::kAccepted || to == ReferralStatus::kRejected ||
             to == ReferralStatus::kWithdrawn;
    case ReferralStatus::kAccepted:
      return to == ReferralStatus::kClosed || to == ReferralStatus::kWithdrawn;
    default:
      return false;  // rejected, closed and withdrawn are final
  }
}

access::ReferralSide SideFor(ReferralStatus to) {
  return to == ReferralStatus::kWithdrawn ? access::ReferralSide::kReferring
                                          : access::ReferralSide::kReceiving;
}

bool Overdue(const store::Referral& r, int64_t now_ms) {
  return r.status == ReferralStatus::kSent && r.due_ms > 0 && now_ms >= r.due_ms;
}

Result<Created> Create(store::ReferralStore& referrals, store::ServiceStore& services,
                       const Actor& a, Draft d) {
  store::Referral& r = d.referral;
  r.referring_organisation = a.organisation_code;
  AEGIS_RETURN_IF_ERROR(Validate(r));
  AEGIS_RETURN_IF_ERROR(CheckService(services, a, &r));
  const int given = store::SensitivityRank(r.sensitivity).value_or(3);
  r.sensitivity = access::SensitivityName(access::ReferralRank(r.gbv, r.person.age, given));
  access::Resource res;
  res.record_class = store::RecordClass::kReferral;
  res.sensitivity = store::SensitivityRank(r.sensitivity).value_or(3);
  res.organisation_id = a.subject.organisation_id;
  AEGIS_RETURN_IF_ERROR(Allowed(a, access::Action::kCreate, res));

  Created out;
  const std::string problem = access::ConsentProblem(d.consent, r, a.now_ms);
  if (!problem.empty()) {
    const std::string why(text::Trim(d.override_reason));
    if (why.empty())
      return Status::FailedPrecondition(
          "no referral is sent without the person's valid consent for this recipient and "
          "purpose: " +
          problem +
          ". Record the consent, or (if the protocol lets your role) override with a written "
          "reason in override_reason");
    AEGIS_RETURN_IF_ERROR(Allowed(a, access::Action::kOverrideConsent, res));
    if (why.size() < 10)
      return Status::InvalidArgument(
          "override_reason: write why the referral cannot wait for consent (10 characters or "
          "more)");
    r.override_reason = why;
    out.overridden = true;
  }
  r.status = ReferralStatus::kSent;
  r.created_ms = a.now_ms;
  r.updated_ms = a.now_ms;
  r.due_ms = a.now_ms + *AcceptWithinMs(r.priority);
  r.created_by = a.subject.user_id;
  out.due_ms = r.due_ms;

  store::ReferralEvent e = Event(a, out.overridden ? "created_without_consent" : "created",
                                 ReferralStatus::kSent, ReferralStatus::kSent);
  e.from_status.clear();
  std::vector<store::ReferralNotice> notices = {
      InApp(0, a.now_ms, "org:" + r.receiving_organisation, "received")};
  AEGIS_ASSIGN_OR_RETURN(out.id,
                         referrals.CreateReferral(r, d.consent, e, Routed(notices, a.routes)));
  return out;
}

Result<std::optional<store::ReferralRecord>> Read(store::ReferralStore& referrals, const Actor& a,
                                                  int64_t id, std::vector<std::string>* fields) {
  AEGIS_ASSIGN_OR_RETURN(auto rec, referrals.GetReferral(a.scope, id));
  if (!rec) return rec;
  access::Decision d =
      access::Decide(*a.protocol, a.subject, access::Action::kReadIndividual, ResourceOf(*rec));
  if (!d.allowed()) return std::optional<store::ReferralRecord>();
  std::vector<std::string> f = access::DisclosedFields(a.subject, d, *rec, a.now_ms);
  store::ReferralRecord out = access::Redacted(std::move(*rec), f);
  if (fields) *fields = std::move(f);
  return std::optional<store::ReferralRecord>(std::move(out));
}

Result<std::vector<Visible>> List(store::ReferralStore& referrals, const Actor& a,
                                  const store::ReferralQuery& q) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, referrals.ListReferrals(a.scope, q));
  std::vector<Visible> out;
  out.reserve(rows.size());
  for (store::ReferralRecord& rec : rows) {
    access::Decision d =
        access::Decide(*a.protocol, a.subject, access::Action::kReadIndividual, ResourceOf(rec));
    if (!d.allowed()) continue;
    std::vector<std::string> f = access::DisclosedFields(a.subject, d, rec, a.now_ms);
    store::ReferralRecord shown = access::Redacted(std::move(rec), f);
    out.push_back({std::move(shown), std::move(f)});
  }
  return out;
}

Status Change(store::ReferralStore& referrals, const Actor& a, int64_t id, ReferralStatus to,
              const std::string& outcome, const std::string& reason) {
  AEGIS_ASSIGN_OR_RETURN(auto rec, referrals.GetReferral(a.scope, id));
  if (!rec)
    return Status::NotFound("no referral " + std::to_string(id) + ", or not visible to you");
  const ReferralStatus from = rec->r.status;
  if (!TransitionAllowed(from, to)) {
    std::string allowed;
    for (int i = 0; i < store::kReferralStatuses; ++i)
      if (TransitionAllowed(from, static_cast<ReferralStatus>(i)))
        allowed += (allowed.empty() ? "" : ", ") +
                   std::string(store::ReferralStatusName(static_cast<ReferralStatus>(i)));
    return Status::FailedPrecondition(
        "a referral that is " + std::string(store::ReferralStatusName(from)) + " cannot become " +
        store::ReferralStatusName(to) + "; " +
        (allowed.empty() ? std::string("it is final") : "it can become " + allowed));
  }
  const access::ReferralSide side = SideFor(to);
  if (access::SideOf(a.subject, *rec) != side)
    return Status::PermissionDenied(
        std::string("only the ") +
        (side == access::ReferralSide::kReceiving ? "receiving" : "referring") +
        " organisation makes a referral " + store::ReferralStatusName(to));
  AEGIS_RETURN_IF_ERROR(Allowed(a, access::Action::kUpdate, ResourceOf(*rec)));
  if (to == ReferralStatus::kClosed && !OneOf(kOutcomes, outcome))
    return Status::InvalidArgument("outcome: closing a referral records its outcome, one of " +
                                   Listed(kOutcomes));
  if ((to == ReferralStatus::kRejected || to == ReferralStatus::kWithdrawn) &&
      text::Trim(reason).empty())
    return Status::InvalidArgument("reason: say why the referral is " +
                                   std::string(store::ReferralStatusName(to)));
  store::ReferralChange ch;
  ch.from = from;
  ch.to = to;
  ch.outcome = to == ReferralStatus::kClosed ? outcome : "";
  ch.reason = std::string(text::Trim(reason));
  ch.at_ms = a.now_ms;
  const std::string other = side == access::ReferralSide::kReceiving
                                ? rec->r.referring_organisation
                                : rec->r.receiving_organisation;
  std::vector<store::ReferralNotice> notices = {
      InApp(id, a.now_ms, "org:" + other, store::ReferralStatusName(to))};
  return referrals.ChangeReferralStatus(id, ch, Event(a, store::ReferralStatusName(to), from, to),
                                        Routed(notices, a.routes));
}

Status WithdrawConsent(store::ReferralStore& referrals, const Actor& a, int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto rec, referrals.GetReferral(a.scope, id));
  if (!rec)
    return Status::NotFound("no referral " + std::to_string(id) + ", or not visible to you");
  if (access::SideOf(a.subject, *rec) == access::ReferralSide::kOther)
    return Status::PermissionDenied(
        "the referring or the receiving organisation records a withdrawal of consent");
  AEGIS_RETURN_IF_ERROR(Allowed(a, access::Action::kUpdate, ResourceOf(*rec)));
  store::ReferralEvent e = Event(a, "consent_withdrawn", rec->r.status, rec->r.status);
  return referrals.WithdrawReferralConsent(id, a.now_ms, e);
}

Result<int> EscalateOverdue(store::ReferralStore& referrals, int64_t now_ms,
                            const NoticeRoutes& routes) {
  int n = 0;
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(auto due, referrals.DueReferralEscalations(now_ms, 200));
    int done = 0;
    for (const store::ReferralRecord& rec : due) {
      store::ReferralEvent e;
      e.at_ms = now_ms;
      e.actor = "system";
      e.action = "escalated";
      e.from_status = e.to_status = store::ReferralStatusName(rec.r.status);
      std::vector<store::ReferralNotice> notices = {
          InApp(rec.r.id, now_ms, "role:coordinator", "overdue"),
          InApp(rec.r.id, now_ms, "org:" + rec.r.receiving_organisation, "overdue"),
          InApp(rec.r.id, now_ms, "org:" + rec.r.referring_organisation, "overdue")};
      AEGIS_ASSIGN_OR_RETURN(
          bool first, referrals.EscalateReferral(rec.r.id, now_ms, e, Routed(notices, routes)));
      n += first ? 1 : 0;
      ++done;
    }
    if (done < 200) return n;
  }
}

}  // namespace aegis::referral
