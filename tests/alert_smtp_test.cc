// E-mail of alerts against a real SMTP server on loopback: aiosmtpd (Debian python3-aiosmtpd),
// started by the test. The message must arrive with the right content and, for an outside
// recipient, without the names of victims or the source.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "alert/smtp.h"
#include "alert/worker.h"
#include "alert_test_util.h"
#include "process_util.h"

namespace aegis::testing {
namespace {

TEST(AlertSmtpTest, AMessageReachesARealSmtpServer) {
  TempDir dir;
  SmtpServer smtp(dir / "smtp.out");
  ASSERT_TRUE(smtp.up()) << "aiosmtpd did not start (apt-get install python3-aiosmtpd): "
                         << ReadFile(dir / "smtp.out");
  alert::MailMessage m{"alerts@cluster.test", "duty@mission.test", "Flash alert: Pibor (é)",
                       "Place: Pibor\r\n.a line starting with a dot\r\n", "key-1@aegis"};
  ASSERT_TRUE(alert::SendMail(smtp.url(), m).ok());
  std::string got = smtp.WaitFor("key-1@aegis", 10);
  EXPECT_NE(got.find("Message-ID: <key-1@aegis>"), std::string::npos) << got;
  EXPECT_NE(got.find("=?UTF-8?B?"), std::string::npos);  // the subject, encoded
  EXPECT_NE(got.find(".a line starting with a dot"), std::string::npos);
  EXPECT_FALSE(alert::SendMail("smtp://127.0.0.1:1", m, 2000).ok());  // nobody there
}

TEST(AlertSmtpTest, AnEscalatedAlertIsMailedToTheOutsideRecipientWithoutNames) {
  TempDir dir;
  SmtpServer smtp(dir / "smtp.out");
  ASSERT_TRUE(smtp.up()) << ReadFile(dir / "smtp.out");
  WebhookReceiver receiver("test-secret");
  AlertFixture f(dir, TestRouting(receiver.url(), smtp.url()));
  alert::Submission s;
  s.channel = "sms";
  s.text = "ALERT Akobo abduction of Nyakuoth Gatluak and two girls today";
  s.reporter = "+211912345678";
  auto r = f.service->Submit(*f.store, s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto ws = store::Store::Open(StoreUrl(dir, "t.sqlite"));
  ASSERT_TRUE(ws.ok());
  alert::DeliveryWorker worker(std::move(*ws), *f.service);
  // Nobody acknowledges within the hour: level 1 is the duty officer's e-mail (outside).
  auto pass = worker.RunOnce(r->alert.ack_due_ms + 1000);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->escalated, 1);
  // The same pass sends what is due: the level-0 webhook and the level-1 e-mail.
  EXPECT_EQ(pass->delivered, 2) << f.store->ListAlertDeliveries(r->alert.id)->back().last_error;
  const std::string key = "alert-" + std::to_string(r->alert.id) + "-1-email-recipient:duty";
  std::string got = smtp.WaitFor(key, 10);
  EXPECT_NE(got.find("Message-ID: <" + key + "@aegis>"), std::string::npos) << got;
  EXPECT_NE(got.find("To: <duty@mission.test>"), std::string::npos);
  EXPECT_NE(got.find("Place: Akobo, Jonglei (SS0301)"), std::string::npos) << got;
  EXPECT_NE(got.find("Threat: Abduction"), std::string::npos);
  EXPECT_NE(got.find("Urgency: high"), std::string::npos);
  EXPECT_EQ(got.find("Nyakuoth"), std::string::npos) << got;
  EXPECT_EQ(got.find("211912345678"), std::string::npos);
  EXPECT_EQ(got.find("Message:"), std::string::npos);
}

}  // namespace
}  // namespace aegis::testing
