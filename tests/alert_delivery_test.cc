// The early-warning pipeline without the HTTP API: intake with the durable outbox, personal
// fields sealed at rest, signed webhooks filtered for outside recipients, retries with backoff,
// escalation of unacknowledged alerts.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "access/cipher.h"
#include "alert/duplicates.h"
#include "alert/worker.h"
#include "alert_test_util.h"
#include "security/keyring.h"

namespace aegis::testing {
namespace {

constexpr const char* kMessage =
    "ALERT Pibor gunmen attacking Gumuruk now, Nyakuoth Gatluak and her children taken";
constexpr const char* kSender = "+211912345678";

class AlertDeliveryTest : public OutboxTest {
 protected:
  alert::IntakeResult Submit(const std::string& text) {
    alert::Submission s;
    s.channel = "sms";
    s.text = text;
    s.reporter = kSender;
    auto r = f_->service->Submit(*f_->store, s);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : alert::IntakeResult{};
  }
};

// Every value of the alert tables as stored, concatenated.
std::string RawTables(const std::string& db) {
  return QueryText(db, "SELECT reporter || raw_text || free_text FROM alert") +
         QueryText(db, "SELECT reason FROM alert_event");
}

TEST_F(AlertDeliveryTest, IntakeWritesTheAlertAndItsOutboxAndSealsPersonalFields) {
  alert::IntakeResult r = Submit(kMessage);
  EXPECT_EQ(r.alert.area_pcode, "SS0308");
  EXPECT_EQ(r.alert.risks.front(), "ATK");
  EXPECT_EQ(r.alert.urgency, "immediate");
  std::vector<std::string> routed;
  for (const auto& d : r.deliveries) routed.push_back(d.recipient + "/" + d.channel);
  EXPECT_EQ(routed, (std::vector<std::string>{"role:coordinator/inbox", "recipient:joc/webhook",
                                              "org:ORG-A/inbox"}));
  auto back = f_->store->GetAlert(r.alert.id);
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->reporter, kSender);
  EXPECT_EQ((*back)->raw_text, kMessage);
  std::string raw = RawTables(StoreUrl(dir_, "t.sqlite"));
  EXPECT_EQ(raw.find("Nyakuoth"), std::string::npos);
  EXPECT_EQ(raw.find("211912345678"), std::string::npos);
  EXPECT_NE(raw.find("enc:"), std::string::npos);
  auto deliveries = f_->store->ListAlertDeliveries(r.alert.id);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 3u);
  EXPECT_GT((*deliveries)[0].delivered_ms, 0);  // inbox: there when written
  EXPECT_EQ((*deliveries)[1].delivered_ms, 0);  // webhook: in the outbox
  EXPECT_EQ((*deliveries)[1].idempotency_key,
            "alert-" + std::to_string(r.alert.id) + "-0-webhook-recipient:joc");
}

TEST_F(AlertDeliveryTest, WebhooksAreSignedAndOutsideRecipientsGetNoNames) {
  alert::IntakeResult r = Submit(kMessage);
  auto w = Worker();
  auto pass = w->RunOnce(alert::NowMs());
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->delivered, 1);
  ASSERT_EQ(receiver_.unique(), 1u);
  EXPECT_EQ(receiver_.bad_signatures(), 0);
  std::string body = receiver_.bodies().begin()->second;
  EXPECT_NE(body.find("\"pcode\":\"SS0308\""), std::string::npos) << body;
  EXPECT_NE(body.find("ATK"), std::string::npos);
  EXPECT_NE(body.find("received_at"), std::string::npos);
  EXPECT_EQ(body.find("Nyakuoth"), std::string::npos) << body;
  EXPECT_EQ(body.find("211912345678"), std::string::npos) << body;
  EXPECT_EQ(body.find("\"text\""), std::string::npos) << body;
  // Delivered once: another pass sends nothing.
  auto again = w->RunOnce(alert::NowMs());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->attempted, 0);
  // A forged signature is refused by the receiver's check.
  EXPECT_FALSE(alert::VerifyWebhookSignature("test-secret", 1, body, "sha256=00"));
  EXPECT_TRUE(alert::VerifyWebhookSignature("test-secret", 1, body,
                                            alert::WebhookSignature("test-secret", 1, body)));
  (void)r;
}

TEST_F(AlertDeliveryTest, FailedDeliveriesAreRetriedWithBackoffUntilDelivered) {
  Submit(kMessage);
  receiver_.set_fail(true);
  auto w = Worker();
  const int64_t now = alert::NowMs();
  auto first = w->RunOnce(now);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->failed, 1);
  auto too_soon = w->RunOnce(now + 100);
  ASSERT_TRUE(too_soon.ok());
  EXPECT_EQ(too_soon->attempted, 0);  // backing off
  receiver_.set_fail(false);
  auto later = w->RunOnce(now + 5000);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->delivered, 1);
  EXPECT_EQ(receiver_.unique(), 1u);
  for (int attempt = 1; attempt <= 40; ++attempt) {
    int64_t d = alert::BackoffMs(attempt, 1000, 600000);
    int64_t full = std::min<int64_t>(600000, int64_t{1000} << std::min(attempt - 1, 30));
    EXPECT_GE(d, full / 2);
    EXPECT_LE(d, full);
  }
}

// Two server processes whose workers read the same overdue alert both try to escalate it: it
// moves one level, with one event and one set of deliveries.
TEST_F(AlertDeliveryTest, TwoWorkersEscalateAnOverdueAlertOnce) {
  alert::IntakeResult late = Submit("ALERT Akobo abduction of women today");
  auto other = store::Store::Open(StoreUrl(dir_));
  ASSERT_TRUE(other.ok());
  (*other)->SetCipher(keys_);
  const int64_t after_deadline = late.alert.ack_due_ms + 1000;
  auto seen_by_a = f_->store->DueAlertEscalations(after_deadline, 10);
  auto seen_by_b = (*other)->DueAlertEscalations(after_deadline, 10);
  ASSERT_TRUE(seen_by_a.ok() && seen_by_b.ok());
  ASSERT_EQ(seen_by_a->size(), 1u);
  ASSERT_EQ(seen_by_b->size(), 1u);
  const size_t events = f_->store->ListAlertEvents(late.alert.id)->size();
  const size_t deliveries = f_->store->ListAlertDeliveries(late.alert.id)->size();
  store::AlertEvent e;
  e.alert_id = late.alert.id;
  e.at_ms = after_deadline;
  e.actor = "system";
  e.action = "escalated";
  e.to_status = "escalated";
  store::AlertDelivery d;
  d.recipient = "recipient:duty";
  d.channel = "inbox";
  d.level = 1;
  for (store::Store* s : {f_->store.get(), other->get()})
    ASSERT_TRUE(s->EscalateAlert(late.alert.id, 1, after_deadline + 60000, e, {d}).ok());
  EXPECT_EQ((*other)->GetAlert(late.alert.id).value()->escalation_level, 1);
  EXPECT_EQ(f_->store->ListAlertEvents(late.alert.id)->size(), events + 1);
  EXPECT_EQ(f_->store->ListAlertDeliveries(late.alert.id)->size(), deliveries + 1);
}

// The scheduled analysis of two server processes' workers runs once per interval, in whichever
// holds the lease, and the other takes over when the holder stops renewing it.
TEST_F(AlertDeliveryTest, TheScheduledAnalysisRunsOncePerIntervalAcrossWorkers) {
  alert::WorkerOptions o;
  o.analysis_every_ms = 60000;
  o.severity_rules = kData + "/analysis/severity.toml";
  auto a = Worker(o), b = Worker(o);
  const int64_t t0 = alert::NowMs() + 120000;  // the first run is one interval after start
  auto ra = a->RunOnce(t0), rb = b->RunOnce(t0 + 10);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->analysis_runs + rb->analysis_runs, 1);
  EXPECT_EQ(ra->analysis_runs, 1) << "the first to ask takes the lease";
  auto a2 = a->RunOnce(t0 + 60000), b2 = b->RunOnce(t0 + 60010);
  EXPECT_EQ(a2->analysis_runs, 1) << "its holder renews it";
  EXPECT_EQ(b2->analysis_runs, 0);
  // A stops (no renewal): B takes over once the lease has run out.
  auto b3 = b->RunOnce(t0 + 60010 + 60000 + 5);
  EXPECT_EQ(b3->analysis_runs, 1);
  auto early = Worker(o)->RunOnce(alert::NowMs());
  EXPECT_EQ(early->analysis_runs, 0) << "not at start: one interval after";
}

// The running worker reads the time from its Env (WorkerOptions::env), not the system clock: on a
// clock past the acknowledgement deadline it escalates at once, and stamps the delivery it sends
// with that time.
TEST_F(AlertDeliveryTest, TheRunningWorkerDecidesWhatIsDueByItsEnvsClock) {
  alert::IntakeResult late = Submit("ALERT Akobo abduction of women today");
  class Clock final : public EnvWrapper {
   public:
    explicit Clock(int64_t now) : EnvWrapper(Env::Default()), now_(now) {}
    int64_t NowMs() override { return now_; }

   private:
    const int64_t now_;
  } clock(late.alert.ack_due_ms + 1000);
  ASSERT_LT(alert::NowMs(), late.alert.ack_due_ms) << "the real clock is before the deadline";
  alert::WorkerOptions o;
  o.env = &clock;
  auto w = Worker(o);
  w->Start();
  bool escalated = false, stamped = false;
  for (int i = 0; i < 500 && !(escalated && stamped); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto a = f_->store->GetAlert(late.alert.id);
    escalated = a.ok() && a->has_value() && (*a)->status == store::AlertStatus::kEscalated;
    auto ds = f_->store->ListAlertDeliveries(late.alert.id);
    stamped = false;
    if (ds.ok())
      for (const auto& d : *ds)
        if (d.channel == "webhook" && d.delivered_ms == clock.NowMs()) stamped = true;
  }
  w->Stop();
  EXPECT_TRUE(escalated);
  EXPECT_TRUE(stamped) << "the webhook's delivery time is the worker's clock";
}

TEST_F(AlertDeliveryTest, UnacknowledgedAlertsEscalateAndAcknowledgedOnesDoNot) {
  alert::IntakeResult late = Submit("ALERT Akobo abduction of women today");
  alert::IntakeResult acked = Submit("ALERT Akobo attack on market today");
  ASSERT_EQ(late.alert.urgency, "high");
  ASSERT_TRUE(f_->store->AcknowledgeAlert(acked.alert.id, "user:7", alert::NowMs()).ok());
  auto w = Worker();
  const int64_t after_deadline = late.alert.ack_due_ms + 1000;
  auto pass = w->RunOnce(after_deadline);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->escalated, 1);
  auto a = f_->store->GetAlert(late.alert.id);
  EXPECT_EQ((*a)->status, store::AlertStatus::kEscalated);
  EXPECT_EQ((*a)->escalation_level, 1);
  EXPECT_GT((*a)->ack_due_ms, after_deadline);
  auto deliveries = f_->store->ListAlertDeliveries(late.alert.id);
  EXPECT_EQ(deliveries->back().recipient, "recipient:duty");
  EXPECT_EQ(deliveries->back().level, 1);
  auto events = f_->store->ListAlertEvents(late.alert.id);
  EXPECT_EQ(events->back().action, "escalated");
  EXPECT_EQ(events->back().actor, "system");
  auto acked_now = f_->store->GetAlert(acked.alert.id);
  EXPECT_EQ((*acked_now)->escalation_level, 0);
  // No level 2: the alert stays overdue on the board, without a new deadline.
  auto last = w->RunOnce((*a)->ack_due_ms + 1000);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->escalated, 0);
  auto exhausted = f_->store->GetAlert(late.alert.id);
  EXPECT_EQ((*exhausted)->ack_due_ms, 0);
  EXPECT_EQ(f_->store->ListAlertEvents(late.alert.id)->back().action, "escalation_exhausted");
  // A second acknowledgement keeps the first.
  auto second = f_->store->AcknowledgeAlert(acked.alert.id, "user:8", alert::NowMs());
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
}

TEST_F(AlertDeliveryTest, UnparsableMessagesAreKeptForAPerson) {
  alert::IntakeResult r = Submit("please help us the men came back");
  EXPECT_TRUE(r.alert.needs_review);
  EXPECT_TRUE(r.alert.area_pcode.empty());
  ASSERT_FALSE(r.deliveries.empty());
  EXPECT_EQ(r.deliveries.front().recipient, "role:coordinator");
  store::AlertQuery q;
  q.review_only = true;
  EXPECT_EQ(f_->store->ListAlerts(q)->size(), 1u);
}

TEST_F(AlertDeliveryTest, DuplicatesOfOneEventAreProposed) {
  alert::IntakeResult pibor = Submit("ALERT Pibor gunmen attacking now");
  alert::IntakeResult gumuruk = Submit("ALERT Gumuruk attack on the market now");  // in Pibor
  alert::IntakeResult akobo = Submit("ALERT Akobo attack now");                    // elsewhere
  alert::IntakeResult mine = Submit("ALERT Pibor landmine found");                 // other risk
  const auto& g = *f_->catalog.gazetteer;
  std::vector<store::AlertRecord> all = {pibor.alert, gumuruk.alert, akobo.alert, mine.alert};
  EXPECT_EQ(alert::LikelyDuplicates(pibor.alert, all, g), (std::vector<int64_t>{gumuruk.alert.id}));
  EXPECT_EQ(alert::LikelyDuplicates(gumuruk.alert, all, g), (std::vector<int64_t>{pibor.alert.id}));
  store::AlertRecord days_later = gumuruk.alert;
  days_later.received_ms += 3LL * 24 * 3600 * 1000;
  EXPECT_FALSE(alert::LikelySameEvent(pibor.alert, days_later, g));
}

TEST(AlertPayloadTest, MembersGetTheTextOutsideRecipientsDoNot) {
  store::AlertRecord a;
  a.id = 3;
  a.free_text = "Nyakuoth taken";
  a.reporter = "+211";
  a.risks = {"ABD"};
  a.area_pcode = "SS0308";
  std::string outside = alert::AlertPayload(a, alert::Audience::kOutside, "k", 0, {});
  std::string member = alert::AlertPayload(a, alert::Audience::kMember, "k", 0, {});
  EXPECT_EQ(outside.find("Nyakuoth"), std::string::npos);
  EXPECT_NE(member.find("Nyakuoth"), std::string::npos);
  EXPECT_EQ(member.find("+211"), std::string::npos);  // the source, never
  alert::Mail m = alert::AlertMail(a, alert::Audience::kOutside, {});
  EXPECT_EQ(m.body.find("Nyakuoth"), std::string::npos);
}

}  // namespace
}  // namespace aegis::testing
