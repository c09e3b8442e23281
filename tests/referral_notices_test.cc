// Referral notices beyond the in-app inbox: the routing file's [referrals] table names outside
// recipients, and their webhook and e-mail notices wait in the durable outbox, written in the
// same transaction as the referral's change, until the delivery worker sends them: signed, once
// per idempotency key, retried with backoff while they fail, and never carrying a person's field.
#include <gtest/gtest.h>

#include "access/cipher.h"
#include "access/protocol.h"
#include "alert/payload.h"
#include "alert/worker.h"
#include "alert_test_util.h"
#include "referral/referral.h"
#include "security/keyring.h"

namespace aegis::testing {
namespace {

// A receiver's system gets ORG-B's notices by webhook; the coordinators' by e-mail (to an SMTP
// server that is not there: those stay in the outbox, retried).
std::string Routing(const std::string& webhook) {
  return TestRouting(webhook) +
         "[referrals]\n\"org:ORG-B\" = [\"recipient:joc\"]\n"
         "\"role:coordinator\" = [\"recipient:duty\"]\n";
}

class ReferralNotices : public OutboxTest {
 protected:
  std::string RoutingToml(const std::string& webhook) override { return Routing(webhook); }
  void SetUp() override {
    OutboxTest::SetUp();
    for (const char* org : {"ORG-A", "ORG-B"}) {
      auto id = f_->store->EnsureOrganisation({0, org, org, "ngo"});
      ASSERT_TRUE(id.ok());
      orgs_[org] = *id;
    }
    auto p = access::Protocol::Load(kData + "/isp/protocol.toml");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    protocol_ = std::move(*p);
  }

  referral::Actor As(const std::string& role, const std::string& org, int64_t now) {
    referral::Actor a;
    a.protocol = &protocol_;
    a.subject.user_id = 1;
    a.subject.role = role;
    a.subject.organisation_id = orgs_[org];
    a.organisation_code = org;
    a.scope = access::ReadScope(protocol_, a.subject);
    a.now_ms = now;
    a.routes = Routes();
    return a;
  }
  referral::NoticeRoutes Routes() {
    const alert::RoutingConfig* r = &f_->service->routing();
    return [r](const std::string& to) { return r->ReferralTargets(to); };
  }

  // An emergency referral from ORG-A to ORG-B with seeded personal strings.
  int64_t Send(int64_t now) {
    referral::Draft d;
    d.referral.receiving_organisation = "ORG-B";
    d.referral.service_type = "legal";
    d.referral.priority = "emergency";
    d.referral.person.name = "Seeded Nyabol Deng";
    d.referral.person.phone = "+211955501234";
    d.referral.reason = "SEEDED-REASON-threatened";
    d.consent.given_by = "person";
    d.consent.purpose = "service_provision";
    d.consent.receiving_organisation = "ORG-B";
    d.consent.fields = {"name", "phone"};
    d.consent.given_ms = now - 1000;
    auto r = referral::Create(*f_->store, *f_->store, As("partner_focal_point", "ORG-A", now), d);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->id : 0;
  }

  std::string Undelivered() {
    return QueryText(
        StoreUrl(dir_, "t.sqlite"),
        "SELECT channel || ' ' || recipient || ' ' || kind || ';' FROM referral_notice "
        "WHERE delivered_ms=0 ORDER BY id");
  }

  std::map<std::string, int64_t> orgs_;
  access::Protocol protocol_;
};

TEST_F(ReferralNotices, TheReceiversSystemGetsASignedWebhookOnceWithNoPersonalField) {
  const int64_t now = alert::NowMs();
  const int64_t id = Send(now);
  ASSERT_GT(id, 0);
  // Written with the referral: the in-app notice, and the webhook notice waiting in the outbox.
  EXPECT_EQ(Undelivered(), "webhook recipient:joc received;");
  auto inbox = f_->store->ListReferralNotices({"org:ORG-B", "recipient:joc"}, 10);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 1u);  // the in-app list holds in-app notices only
  EXPECT_EQ(inbox->front().recipient, "org:ORG-B");
  auto w = Worker();
  auto pass = w->RunOnce(now);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->delivered, 1);
  ASSERT_EQ(receiver_.unique(), 1u);
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  const std::string key = "referral-" + std::to_string(id) + "-received-webhook-recipient:joc";
  ASSERT_EQ(receiver_.bodies().count(key), 1u);
  const std::string body = receiver_.bodies()[key];
  EXPECT_NE(body.find("\"type\":\"referral.received\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"referral_id\":" + std::to_string(id)), std::string::npos) << body;
  for (const char* secret : {"Nyabol", "211955501234", "SEEDED-REASON", "legal"})
    EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
  EXPECT_EQ(Undelivered(), "");
  // Delivered once: another pass sends nothing.
  auto again = w->RunOnce(now + 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->attempted, 0);
  EXPECT_EQ(receiver_.posts(), 1);
  // ORG-A's notice of the acceptance has no outside recipient: in-app only.
  ASSERT_TRUE(referral::Change(*f_->store, As("service_provider", "ORG-B", now + 2000), id,
                               store::ReferralStatus::kAccepted, "", "")
                  .ok());
  EXPECT_EQ(Undelivered(), "");
}

TEST_F(ReferralNotices, AnOverdueReferralsNoticesAreRetriedUntilDeliveredAndNoneIsLost) {
  const int64_t t0 = alert::NowMs() - 25 * int64_t{3600000};  // sent 25 hours ago: overdue
  const int64_t id = Send(t0);
  ASSERT_GT(id, 0);
  auto first = Worker()->RunOnce(alert::NowMs());  // the "received" webhook
  ASSERT_TRUE(first.ok());
  receiver_.set_fail(true);
  auto n = referral::EscalateOverdue(*f_->store, alert::NowMs(), Routes());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  // The coordinators' e-mail and ORG-B's webhook, both in the outbox.
  EXPECT_EQ(Undelivered(), "email recipient:duty overdue;webhook recipient:joc overdue;");
  auto w = Worker();
  const int64_t now = alert::NowMs();
  auto failing = w->RunOnce(now);
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(failing->attempted, 2);
  EXPECT_EQ(failing->failed, 2);
  auto too_soon = w->RunOnce(now + 100);  // backoff: nothing due yet
  ASSERT_TRUE(too_soon.ok());
  EXPECT_EQ(too_soon->attempted, 0);
  receiver_.set_fail(false);
  auto later = w->RunOnce(now + 20 * 60 * 1000);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->delivered, 1);  // the webhook; the e-mail's server is still not there
  EXPECT_EQ(Undelivered(), "email recipient:duty overdue;");
  EXPECT_NE(QueryText(StoreUrl(dir_, "t.sqlite"),
                      "SELECT last_error FROM referral_notice WHERE delivered_ms=0"),
            "");
  EXPECT_EQ(receiver_.by_key()["referral-" + std::to_string(id) + "-overdue-webhook-recipient:joc"],
            1);
  // Escalated once: a second check adds nothing to the outbox.
  auto twice = referral::EscalateOverdue(*f_->store, alert::NowMs(), Routes());
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, 0);
  EXPECT_EQ(Undelivered(), "email recipient:duty overdue;");
}

TEST(ReferralNoticeText, TheMailNamesTheReferralAndNothingOfThePerson) {
  store::ReferralNotice n{7, 42, 1740823200000, "recipient:duty", "overdue", "email", "k", 1};
  alert::Mail m = alert::ReferralNoticeMail(n);
  EXPECT_EQ(m.subject, "[Aegis referral 42] overdue");
  EXPECT_NE(m.body.find("Referral 42 was not accepted by its deadline (2025-03-01T10:00:00Z)"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("carries no personal data"), std::string::npos);
}

TEST(ReferralRouting, TheReferralsTableNamesInAppRecipientsAndKnownOutsideOnes) {
  const std::string base = TestRouting("http://127.0.0.1:9/hook");
  auto ok = alert::RoutingConfig::Parse(base +
                                            "[referrals]\n\"org:ORG-B\" = [\"recipient:joc\", "
                                            "\"recipient:duty\"]\n",
                                        "t");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(ok->ReferralTargets("org:ORG-B"),
            (std::vector<P>{{"recipient:joc", "webhook"}, {"recipient:duty", "email"}}));
  EXPECT_TRUE(ok->ReferralTargets("org:ORG-A").empty());
  auto unknown = alert::RoutingConfig::Parse(
      base + "[referrals]\n\"org:ORG-B\" = [\"recipient:nobody\"]\n", "t");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("recipient:nobody is not in [recipients]"),
            std::string::npos)
      << unknown.status().message();
  auto bare = alert::RoutingConfig::Parse(base + "[referrals]\nORG-B = [\"recipient:joc\"]\n", "t");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.status().message().find("write \"org:CODE\""), std::string::npos)
      << bare.status().message();
}

}  // namespace
}  // namespace aegis::testing
