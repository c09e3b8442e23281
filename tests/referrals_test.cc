// Referrals: consent gates every send, only the pathway's transitions exist (checked over every
// pair of statuses), deadlines escalate once, and the receiving organisation sees only what the
// person consented to, never a GBV survivor's name, on a real store and over real HTTP.
#include <gtest/gtest.h>

#include <iterator>
#include <set>

#include "access/consent.h"
#include "referral/referral.h"
#include "server_fixture.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

using store::ReferralStatus;

// 2025-03-01T10:00:00Z.
constexpr int64_t kTen = 1740823200000;
constexpr int64_t kHour = int64_t{3600} * 1000;

// A store with three organisations and the shipped protocol: actors of any role at any of them.
class ReferralRules : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewStore(dir_);
    for (const char* org : {"ORG-A", "ORG-B", "ORG-C"}) {
      auto id = store_->EnsureOrganisation({0, org, org, "ngo"});
      ASSERT_TRUE(id.ok());
      orgs_[org] = *id;
    }
    auto p = access::Protocol::Load(kData + "/isp/protocol.toml");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    protocol_ = std::move(*p);
  }

  referral::Actor As(const std::string& role, const std::string& org, int64_t now = kTen) {
    referral::Actor a;
    a.protocol = &protocol_;
    a.subject.user_id = 1;
    a.subject.role = role;
    a.subject.organisation_id = org.empty() ? 0 : orgs_[org];
    a.organisation_code = org;
    a.scope = access::ReadScope(protocol_, a.subject);
    a.now_ms = now;
    return a;
  }

  // A referral from ORG-A to ORG-B with the person's consent for ORG-B.
  static referral::Draft Draft(const std::string& priority = "normal") {
    referral::Draft d;
    d.referral.receiving_organisation = "ORG-B";
    d.referral.service_type = "legal";
    d.referral.priority = priority;
    d.referral.case_code = "A-0001";
    d.referral.person.name = "Person Name";
    d.referral.person.age = 34;
    d.consent.given_by = "person";
    d.consent.purpose = "service_provision";
    d.consent.receiving_organisation = "ORG-B";
    d.consent.fields = {"name", "age"};
    d.consent.given_ms = kTen - kHour;
    return d;
  }

  int64_t Send(const referral::Draft& d, int64_t now = kTen) {
    auto r = referral::Create(*store_, *store_, As("partner_focal_point", "ORG-A", now), d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }

  // The side that makes the transition to `to`.
  referral::Actor Side(ReferralStatus to) {
    return to == ReferralStatus::kWithdrawn ? As("partner_focal_point", "ORG-A")
                                            : As("service_provider", "ORG-B");
  }

  Status Move(int64_t id, ReferralStatus to) {
    return referral::Change(*store_, Side(to), id, to, "service_provided", "a reason");
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  access::Protocol protocol_;
  std::map<std::string, int64_t> orgs_;
};

TEST_F(ReferralRules, OnlyThePathwaysTransitionsExistOverEveryPairOfStatuses) {
  const std::set<std::pair<ReferralStatus, ReferralStatus>> allowed = {
      {ReferralStatus::kSent, ReferralStatus::kAccepted},
      {ReferralStatus::kSent, ReferralStatus::kRejected},
      {ReferralStatus::kSent, ReferralStatus::kWithdrawn},
      {ReferralStatus::kAccepted, ReferralStatus::kClosed},
      {ReferralStatus::kAccepted, ReferralStatus::kWithdrawn}};
  // The path from sent to each status.
  const std::map<ReferralStatus, std::vector<ReferralStatus>> path = {
      {ReferralStatus::kSent, {}},
      {ReferralStatus::kAccepted, {ReferralStatus::kAccepted}},
      {ReferralStatus::kRejected, {ReferralStatus::kRejected}},
      {ReferralStatus::kClosed, {ReferralStatus::kAccepted, ReferralStatus::kClosed}},
      {ReferralStatus::kWithdrawn, {ReferralStatus::kWithdrawn}}};
  int pairs = 0, refused = 0;
  for (int f = 0; f < store::kReferralStatuses; ++f)
    for (int t = 0; t < store::kReferralStatuses; ++t) {
      const auto from = static_cast<ReferralStatus>(f), to = static_cast<ReferralStatus>(t);
      const int64_t id = Send(Draft());
      for (ReferralStatus step : path.at(from)) ASSERT_TRUE(Move(id, step).ok());
      const Status st = Move(id, to);
      const bool ok = allowed.count({from, to}) > 0;
      const std::string where =
          std::string(store::ReferralStatusName(from)) + " -> " + store::ReferralStatusName(to);
      EXPECT_EQ(referral::TransitionAllowed(from, to), ok) << where;
      EXPECT_EQ(st.ok(), ok) << where << ": " << st.ToString();
      if (!ok) {
        ++refused;
        EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition) << where;
        auto rec = store_->GetReferral(access::OperatorScope(), id);
        ASSERT_TRUE(rec.ok() && rec->has_value());
        EXPECT_EQ((*rec)->r.status, from) << where << ": a refused transition changed nothing";
      }
      ++pairs;
    }
  EXPECT_EQ(pairs, 25);
  EXPECT_EQ(refused, 20);
  std::printf("[figure] referral transitions: %d pairs, %d refused\n", pairs, refused);
}

TEST_F(ReferralRules, EachTransitionIsMadeByItsSideOnly) {
  const int64_t id = Send(Draft());
  // The referrer cannot accept its own referral; the receiver cannot withdraw it.
  Status st = referral::Change(*store_, As("partner_focal_point", "ORG-A"), id,
                               ReferralStatus::kAccepted, "", "");
  EXPECT_EQ(st.code(), Status::Code::kPermissionDenied) << st.ToString();
  st = referral::Change(*store_, As("service_provider", "ORG-B"), id, ReferralStatus::kWithdrawn,
                        "", "changed our mind");
  EXPECT_EQ(st.code(), Status::Code::kPermissionDenied) << st.ToString();
  // A third organisation does not see it at all.
  st = referral::Change(*store_, As("service_provider", "ORG-C"), id, ReferralStatus::kAccepted, "",
                        "");
  EXPECT_EQ(st.code(), Status::Code::kNotFound) << st.ToString();
  // A rejection needs a reason, a closure an outcome.
  st = referral::Change(*store_, As("service_provider", "ORG-B"), id, ReferralStatus::kRejected, "",
                        " ");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  ASSERT_TRUE(Move(id, ReferralStatus::kAccepted).ok());
  st = referral::Change(*store_, As("service_provider", "ORG-B"), id, ReferralStatus::kClosed,
                        "done", "");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("service_unavailable"), std::string::npos) << st.message();
}

TEST_F(ReferralRules, AnEmergencyReferralNotAcceptedIn24HoursIsOverdueAndEscalatedOnce) {
  const int64_t emergency = Send(Draft("emergency"));
  const int64_t urgent = Send(Draft("urgent"));
  const int64_t accepted = Send(Draft("emergency"));
  ASSERT_TRUE(Move(accepted, ReferralStatus::kAccepted).ok());
  auto escalate = [&](int64_t now) {
    auto n = referral::EscalateOverdue(*store_, now);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  };
  const int64_t next_day_ten = kTen + 24 * kHour;
  EXPECT_EQ(escalate(next_day_ten - 1), 0);      // 09:59:59.999 the next day: not yet
  EXPECT_EQ(escalate(next_day_ten), 1);          // 10:00: the emergency one, not the accepted one
  EXPECT_EQ(escalate(next_day_ten + kHour), 0);  // once
  auto rec = store_->GetReferral(access::OperatorScope(), emergency);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_TRUE(referral::Overdue((*rec)->r, next_day_ten));
  EXPECT_FALSE(referral::Overdue((*rec)->r, next_day_ten - 1));
  EXPECT_EQ((*rec)->r.escalated_ms, next_day_ten);
  // Urgent: 72 hours.
  EXPECT_EQ(escalate(kTen + 72 * kHour - 1), 0);
  EXPECT_EQ(escalate(kTen + 72 * kHour), 1);
  // The cluster was told once per overdue referral, by notices that hold no person's field.
  auto notices = store_->ListReferralNotices({"role:coordinator"}, 100);
  ASSERT_TRUE(notices.ok());
  std::multiset<int64_t> told;
  for (const auto& n : *notices) {
    EXPECT_EQ(n.kind, "overdue");
    told.insert(n.referral_id);
  }
  EXPECT_EQ(told, (std::multiset<int64_t>{emergency, urgent}));
  auto events = store_->ListReferralEvents(emergency);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(std::count_if(events->begin(), events->end(),
                          [](const auto& e) { return e.action == "escalated"; }),
            1);
}

TEST_F(ReferralRules, NoReferralLeavesWithoutConsentForThatRecipientAndPurpose) {
  auto create = [&](const referral::Draft& d, const std::string& role = "partner_focal_point") {
    return referral::Create(*store_, *store_, As(role, "ORG-A"), d);
  };
  referral::Draft none = Draft();
  none.consent = {};
  auto r = create(none);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("consent.given_by"), std::string::npos)
      << r.status().message();
  // Consent for ORG-C does not send it to ORG-B.
  referral::Draft other = Draft();
  other.consent.receiving_organisation = "ORG-C";
  r = create(other);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("consent was given for ORG-C, not ORG-B"), std::string::npos)
      << r.status().message();
  // Another purpose, expired, or a child's own consent: refused, each named.
  referral::Draft purpose = Draft();
  purpose.consent.purpose = "case_management";
  EXPECT_NE(create(purpose).status().message().find("consent.purpose"), std::string::npos);
  referral::Draft expired = Draft();
  expired.consent.expires_ms = kTen;
  EXPECT_NE(create(expired).status().message().find("expired"), std::string::npos);
  referral::Draft child = Draft();
  child.referral.person.age = 12;
  EXPECT_NE(create(child).status().message().find("caregiver"), std::string::npos);
  child.consent.given_by = "caregiver";
  EXPECT_NE(create(child).status().message().find("caregiver_relation"), std::string::npos);
  child.consent.caregiver_relation = "aunt";
  auto ok = create(child);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  // A child's referral is at least confidential.
  auto rec = store_->GetReferral(access::OperatorScope(), ok->id);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->sensitivity_rank, 2);
  // The override: only a role the protocol allows, with a written reason.
  referral::Draft urgent = none;
  urgent.override_reason = "child at immediate risk, caregiver not reachable";
  r = create(urgent, "field_monitor");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied) << r.status().ToString();
  urgent.override_reason = "urgent";
  EXPECT_EQ(create(urgent).status().code(), Status::Code::kInvalidArgument);
  urgent.override_reason = "child at immediate risk, caregiver not reachable";
  r = create(urgent);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->overridden);
  auto events = store_->ListReferralEvents(r->id);
  ASSERT_TRUE(events.ok() && !events->empty());
  EXPECT_EQ(events->front().action, "created_without_consent");
}

TEST_F(ReferralRules, AResendWithTheSameClientIdCreatesNothingTwice) {
  referral::Draft d = Draft();
  d.referral.client_id = "device-7:42";
  const int64_t first = Send(d);
  const int64_t again = Send(d);
  EXPECT_EQ(first, again);
  auto c = store_->Counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->referrals, 1);
}

TEST_F(ReferralRules, TheCommandLineListsAndEscalatesWithoutThePersonsFields) {
  referral::Draft d = Draft("emergency");
  d.referral.person.name = "SEEDED-CLI-NAME-5150";
  d.referral.reason = "SEEDED-CLI-REASON-5150";
  const int64_t id = Send(d);  // created 2025-03-01: long overdue now
  const std::string db = StoreUrl(dir_);
  auto list = RunAegis("--db " + db + " referral list --overdue");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("OVERDUE"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("1 referral(s)"), std::string::npos) << list.output;
  auto esc = RunAegis("--db " + db + " referral escalate");
  EXPECT_EQ(esc.exit_code, 0) << esc.output;
  EXPECT_NE(esc.output.find("1 overdue referral(s) escalated"), std::string::npos) << esc.output;
  esc = RunAegis("--db " + db + " referral escalate");
  EXPECT_NE(esc.output.find("0 overdue referral(s) escalated"), std::string::npos) << esc.output;
  auto show = RunAegis("--db " + db + " referral show " + std::to_string(id));
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_NE(show.output.find("escalated"), std::string::npos) << show.output;
  for (const auto* out : {&list.output, &esc.output, &show.output})
    EXPECT_EQ(out->find("SEEDED-CLI"), std::string::npos) << *out;
  auto bad = RunAegis("--db " + db + " referral list --status lost");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("sent, accepted"), std::string::npos) << bad.output;
}

TEST(ReferralConsent, TheReceiverSeesConsentedFieldsWhileInForceAndNeverAGbvName) {
  store::ReferralRecord rec;
  rec.organisation_id = 1;
  rec.receiving_organisation_id = 2;
  rec.r.person.name = "N";
  rec.consent.given_by = "person";
  rec.consent.given_ms = kTen;
  rec.consent.fields = {"name", "phone", "sex"};
  access::Decision d;
  d.effect = access::Effect::kAllow;
  d.personal_fields = true;
  access::Subject referrer, receiver, other;
  referrer.organisation_id = 1;
  receiver.organisation_id = 2;
  other.organisation_id = 3;
  using V = std::vector<std::string>;
  EXPECT_EQ(access::DisclosedFields(referrer, d, rec, kTen).size(),
            std::size(access::kReferralFields));
  EXPECT_EQ(access::DisclosedFields(receiver, d, rec, kTen), (V{"name", "phone", "sex"}));
  EXPECT_EQ(access::DisclosedFields(other, d, rec, kTen), V{});
  rec.r.gbv = true;
  EXPECT_EQ(access::DisclosedFields(receiver, d, rec, kTen), (V{"phone", "sex"}));
  rec.consent.expires_ms = kTen + 1;
  EXPECT_EQ(access::DisclosedFields(receiver, d, rec, kTen + 1), V{});
  rec.consent.expires_ms = 0;
  rec.consent.withdrawn_ms = kTen;
  EXPECT_EQ(access::DisclosedFields(receiver, d, rec, kTen), V{});
  // An emergency grant opens the referral, not the person.
  d.via_break_glass = true;
  EXPECT_EQ(access::DisclosedFields(referrer, d, rec, kTen), V{});
}

// Over HTTP: the partner of ORG-A refers to the service provider of ORG-B.
class ReferralsApi : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_TRUE(store_->EnsureOrganisation({0, "ORG-C", "ORG-C", "ngo"}).ok());
    AddUser("provider-b", "service_provider", "ORG-B");
  }

  json Body(const std::string& to = "ORG-B", const std::string& consent_for = "ORG-B") {
    return {{"receiving_organisation", to},
            {"service_type", "gbv"},
            {"priority", "emergency"},
            {"origin", "incident"},
            {"origin_id", 1},
            {"area", "SS0101"},
            {"gbv", true},
            {"case_code", "A-17"},
            {"reason", "SEEDED-REASON-7731"},
            {"person",
             {{"name", "SEEDED-SURVIVOR-NAME-7731"},
              {"phone", "+211900007731"},
              {"location", "SEEDED-LOCATION-7731"},
              {"sex", "f"},
              {"age", 24}}},
            {"consent",
             {{"given_by", "person"},
              {"purpose", "service_provision"},
              {"receiving_organisation", consent_for},
              {"fields", {"name", "phone", "age"}}}}};
  }

  httplib::Result Post(const Session& s, const std::string& path, const json& body) {
    return Client()->Post(path, s.Unsafe(), body.dump(), "application/json");
  }
};

TEST_F(ReferralsApi, WithoutConsentIs422AndConsentForOneOrganisationDoesNotReachAnother) {
  Session a = Login("partner_focal_point");
  json none = Body();
  none.erase("consent");
  auto r = Post(a, "/api/v1/referrals", none);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_NE(r->body.find("consent.given_by"), std::string::npos) << r->body;
  r = Post(a, "/api/v1/referrals", Body("ORG-B", "ORG-C"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_NE(r->body.find("not ORG-B"), std::string::npos) << r->body;
  // The override: refused to a field monitor, granted to the partner with a reason, audited.
  json over = none;
  over["override_reason"] = "survivor unconscious, needs clinical care now";
  r = Post(Login("field_monitor"), "/api/v1/referrals", over);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  r = Post(a, "/api/v1/referrals", over);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(json::parse(r->body)["overridden"], true);
  bool audited = false;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& row) {
                    audited = audited || row.action == "referral.create.consent_override";
                  })
                  .ok());
  EXPECT_TRUE(audited);
  EXPECT_EQ(store_->Counts()->referrals, 1);  // the refused ones left nothing
}

TEST_F(ReferralsApi, TheReceiverSeesOnlyConsentedFieldsNeverTheGbvNameAndWithdrawalHidesThem) {
  Session a = Login("partner_focal_point"), b = Login("provider-b");
  auto made = Post(a, "/api/v1/referrals", Body());
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  const std::string id = std::to_string(json::parse(made->body)["id"].get<int64_t>());
  const std::vector<std::string> secrets = {"SEEDED-SURVIVOR-NAME-7731", "SEEDED-LOCATION-7731",
                                            "SEEDED-REASON-7731"};
  // The receiver: phone and age (consented); not the name (a GBV survivor's), location, reason.
  std::string seen;
  for (const std::string& path :
       {"/api/v1/referrals/" + id, std::string("/api/v1/referrals?side=received"),
        std::string("/api/v1/referrals/notices")}) {
    auto r = Client()->Get(path, b.Get());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << path << ": " << r->body;
    seen += r->body;
  }
  for (const std::string& s : secrets) EXPECT_EQ(seen.find(s), std::string::npos) << s;
  EXPECT_NE(seen.find("+211900007731"), std::string::npos);
  json detail = json::parse(Client()->Get("/api/v1/referrals/" + id, b.Get())->body);
  EXPECT_EQ(detail["person"]["age"], 24);
  EXPECT_EQ(detail["disclosed_fields"], json({"phone", "age"}));
  // The referrer sees everything it wrote.
  auto mine = Client()->Get("/api/v1/referrals/" + id, a.Get());
  ASSERT_TRUE(mine && mine->status == 200);
  for (const std::string& s : secrets) EXPECT_NE(mine->body.find(s), std::string::npos) << s;
  // The coordinator sees the referral, never the person.
  auto coord = Client()->Get("/api/v1/referrals/" + id, Login("coordinator").Get());
  ASSERT_TRUE(coord && coord->status == 200) << (coord ? coord->body : "");
  EXPECT_EQ(coord->body.find("+211900007731"), std::string::npos);
  for (const std::string& s : secrets) EXPECT_EQ(coord->body.find(s), std::string::npos) << s;
  // A partner of another organisation does not see it at all.
  AddUser("partner-c", "partner_focal_point", "ORG-C");
  auto c = Client()->Get("/api/v1/referrals/" + id, Login("partner-c").Get());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 404);
  // The person withdraws consent: the receiver's next read holds none of the person's fields.
  auto w = Post(a, "/api/v1/referrals/" + id + "/consent/withdraw", json::object());
  ASSERT_TRUE(w);
  ASSERT_EQ(w->status, 200) << w->body;
  auto after = Client()->Get("/api/v1/referrals/" + id, b.Get());
  ASSERT_TRUE(after && after->status == 200);
  EXPECT_EQ(after->body.find("+211900007731"), std::string::npos) << after->body;
  EXPECT_EQ(json::parse(after->body)["person"], json::object());
  // At rest the person's fields are sealed: no column holds them in clear (either engine).
  EXPECT_EQ(QueryInt(db_,
                     "SELECT count(*) FROM referral WHERE person_name LIKE '%SEEDED%' OR "
                     "person_location LIKE '%SEEDED%' OR reason LIKE '%SEEDED%' OR person_phone "
                     "LIKE '%7731%'"),
            0);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM referral WHERE person_name <> ''"), 1);
}

TEST_F(ReferralsApi, AReferralWalksFromAnIncidentToClosureAndEachSideIsNotified) {
  Session a = Login("partner_focal_point"), b = Login("provider-b");
  json body = Body();
  body["gbv"] = false;
  body["service_type"] = "legal";
  body["client_id"] = "web-1";
  auto made = Post(a, "/api/v1/referrals", body);
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "");
  const int64_t id = json::parse(made->body)["id"];
  auto again = Post(a, "/api/v1/referrals", body);  // a resend after a dropped connection
  ASSERT_TRUE(again && again->status == 201);
  EXPECT_EQ(json::parse(again->body)["id"], id);
  const std::string base = "/api/v1/referrals/" + std::to_string(id);
  auto r = Post(a, base + "/status", {{"status", "accepted"}});  // not the referrer's move
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  r = Post(b, base + "/status", {{"status", "closed"}, {"outcome", "service_provided"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;  // sent cannot become closed
  r = Post(b, base + "/status", {{"status", "accepted"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = Post(b, base + "/status", {{"status", "closed"}, {"outcome", "service_unavailable"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  json done = json::parse(Client()->Get(base, a.Get())->body);
  EXPECT_EQ(done["status"], "closed");
  EXPECT_EQ(done["outcome"], "service_unavailable");
  std::vector<std::string> steps;
  for (const auto& h : done["history"]) steps.push_back(h["action"]);
  EXPECT_EQ(steps, (std::vector<std::string>{"created", "accepted", "closed"}));
  std::set<std::string> kinds;
  const json notices = json::parse(Client()->Get("/api/v1/referrals/notices", a.Get())->body);
  for (const auto& n : notices["items"]) kinds.insert(n["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"accepted", "closed"}));
  // The gap signal: a closure as "service unavailable" is counted for its area and type.
  auto outcomes = store_->ReferralOutcomes(0, INT64_MAX);
  ASSERT_TRUE(outcomes.ok());
  ASSERT_EQ(outcomes->size(), 1u);
  EXPECT_EQ((*outcomes)[0].area_pcode, "SS0101");
  EXPECT_EQ((*outcomes)[0].outcome, "service_unavailable");
}

}  // namespace
}  // namespace aegis::testing
