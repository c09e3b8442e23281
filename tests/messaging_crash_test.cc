// A broadcast through kill -9: `aegis serve` is killed while its send worker posts a message to
// 600 contacts through a slow SMS gateway, and started again. Every contact gets the message,
// the only repeats are of an idempotency key already received (the gateway drops them by key),
// every signature is valid, and the store ends with every send wired and the message sent.
// Prints the counts.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "access/cipher.h"
#include "alert_test_util.h"
#include "messaging/messaging.h"
#include "messaging/worker.h"
#include "process_util.h"
#include "security/keyring.h"

namespace aegis::testing {
namespace {

pid_t StartServer(const std::string& db, const std::string& routing, const std::string& log) {
  return Spawn(
      {AEGIS_BINARY, "--data-dir", kData, "--db", db, "serve", "--port", "0", "--threads", "4"},
      ChildEnv({"AEGIS_ALERT_ROUTING=" + routing,
                "AEGIS_ALERT_LEASE_MS=2000"},  // a dead worker's claims expire
               {"AEGIS_ALERT_"}),
      log);
}

TEST(MessagingCrashTest, EveryContactGetsTheBroadcastOnceByKeyThroughKill9) {
  constexpr int kContacts = 600;
  TempDir dir;
  const std::string db = dir / "t.sqlite";
  WebhookReceiver gateway("test-secret", 3);  // 3 ms per send: the kill lands mid-broadcast
  WriteFile(dir / "routing.toml",
            "[messages]\nregion = \"SS\"\nsms_gateway = \"recipient:gw\"\n"
            "[recipients.gw]\nwebhook = \"" +
                gateway.url() + "\"\nsecret = \"test-secret\"\n");
  int64_t id = 0;
  {
    auto st = NewStore(dir);
    auto cat = ingest::LoadCatalog(*st, kData);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    auto keyring = security::Keyring::Create(db + ".keys");
    ASSERT_TRUE(keyring.ok());
    auto keys = access::KeySource::Load(db + ".keys");
    ASSERT_TRUE(keys.ok());
    st->SetCipher(*keys);
    auto org = st->EnsureOrganisation({0, "ORG-A", "ORG-A", "ngo"});
    ASSERT_TRUE(org.ok());
    auto langs = messaging::Languages::Load();
    ASSERT_TRUE(langs.ok());
    messaging::Settings settings;
    settings.languages = std::make_shared<messaging::Languages>(std::move(*langs));
    settings.region = "SS";
    for (int i = 0; i < kContacts; ++i) {
      messaging::ContactInput in;
      in.phone = "+2119120" + std::to_string(10000 + i);
      in.language = i % 2 ? "ara" : "eng";
      in.areas = {i % 3 ? "SS0101" : "SS0102"};
      in.organisation_id = *org;
      auto c = messaging::PrepareContact(
          *keyring, settings, [](const std::string&) { return true; }, in, 1);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      ASSERT_TRUE(st->PutContact(*c).ok());
    }
    store::Message m;
    m.areas = {"SS01"};
    m.channels = {"sms"};
    m.base_language = "eng";
    m.translations = {{"eng", "Avoid the river road after dark."},
                      {"ara", "تجنب طريق النهر بعد حلول الظلام."}};
    m.author_id = 1;
    auto made = st->CreateMessage(m);
    ASSERT_TRUE(made.ok());
    id = *made;
    ASSERT_TRUE(st->ApproveMessage(id, 2, 1).ok());
    auto n = st->EnqueueMessage(id, 2, 1, 1);
    ASSERT_TRUE(n.ok());
    ASSERT_EQ(*n, kContacts);
  }

  pid_t server = StartServer(db, dir / "routing.toml", dir / "serve.log");
  ASSERT_TRUE(gateway.WaitFor(kContacts / 3, 60)) << ReadFile(dir / "serve.log");
  ASSERT_EQ(kill(server, SIGKILL), 0);
  int status = 0;
  waitpid(server, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const size_t at_kill = gateway.unique();
  ASSERT_LT(at_kill, static_cast<size_t>(kContacts)) << "the broadcast ended before the kill";

  server = StartServer(db, dir / "routing.toml", dir / "serve.log");
  const bool all = gateway.WaitFor(kContacts, 90);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the last outcomes are recorded
  kill(server, SIGTERM);
  waitpid(server, &status, 0);
  ASSERT_TRUE(all) << gateway.unique() << " of " << kContacts << "\n"
                   << ReadFile(dir / "serve.log");

  int64_t repeats = 0;
  std::set<std::string> numbers;
  for (const auto& [key, n] : gateway.by_key()) {
    EXPECT_EQ(key.rfind("m" + std::to_string(id) + "-sms-", 0), 0u) << key;
    repeats += n - 1;
  }
  for (const auto& [key, body] : gateway.bodies())
    numbers.insert(nlohmann::json::parse(body)["to"].get<std::string>());
  EXPECT_EQ(gateway.unique(), static_cast<size_t>(kContacts));
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kContacts)) << "one key per contact";
  EXPECT_EQ(gateway.bad_signatures(), 0);
  EXPECT_EQ(gateway.posts(), kContacts + repeats);
  auto st = store::Store::Open(db);
  ASSERT_TRUE(st.ok());
  auto counts = (*st)->MessageSendCounts(id);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued, 0);
  EXPECT_EQ(counts->wired, kContacts);
  auto m = (*st)->GetMessage(id);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->status, "sent");
  std::printf(
      "[figure] messaging crash test: %d contacts; kill -9 after %zu received; after restart %zu "
      "distinct keys received in %lld posts, %lld repeats of an already received key (dropped by "
      "key), 0 lost, 0 bad signatures\n",
      kContacts, at_kill, gateway.unique(), static_cast<long long>(gateway.posts()),
      static_cast<long long>(repeats));
}

// The e-mail channel: the send worker mails a message to a contact who takes e-mail, through a
// real SMTP server on loopback (aiosmtpd), in the contact's language, with the send's idempotency
// key as its Message-ID; a contact who takes SMS only gets no mail.
TEST(MessagingEmailTest, AContactWhoTakesEmailGetsTheMessageThroughARealSmtpServer) {
  TempDir dir;
  SmtpServer smtp(dir / "smtp.out");
  ASSERT_TRUE(smtp.up()) << "aiosmtpd did not start: " << ReadFile(dir / "smtp.out");
  auto st = NewStore(dir);
  ASSERT_TRUE(ingest::LoadCatalog(*st, kData).ok());
  auto keyring = security::Keyring::Create(dir / "t.keys");
  ASSERT_TRUE(keyring.ok());
  auto keys = access::KeySource::Load(dir / "t.keys");
  ASSERT_TRUE(keys.ok());
  st->SetCipher(*keys);
  auto org = st->EnsureOrganisation({0, "ORG-A", "ORG-A", "ngo"});
  ASSERT_TRUE(org.ok());
  auto langs = messaging::Languages::Load();
  ASSERT_TRUE(langs.ok());
  messaging::Settings settings;
  settings.languages = std::make_shared<messaging::Languages>(std::move(*langs));
  settings.region = "SS";
  for (auto [phone, email, channels] :
       {std::tuple{"0912000001", "amal@example.org", std::vector<std::string>{"email"}},
        std::tuple{"0912000002", "", std::vector<std::string>{"sms"}}}) {
    messaging::ContactInput in;
    in.phone = phone;
    in.email = email;
    in.channels = channels;
    in.language = "ara";
    in.areas = {"SS0101"};
    in.organisation_id = *org;
    auto c = messaging::PrepareContact(
        *keyring, settings, [](const std::string&) { return true; }, in, 1);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(st->PutContact(*c).ok());
  }
  store::Message m;
  m.title = "River road";
  m.areas = {"SS01"};
  m.channels = {"email"};
  m.base_language = "eng";
  m.translations = {{"eng", "Avoid the river road after dark."},
                    {"ara", "تجنب طريق النهر بعد حلول الظلام."}};
  m.author_id = 1;
  auto id = st->CreateMessage(m);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(st->ApproveMessage(*id, 2, 1).ok());
  auto n = st->EnqueueMessage(*id, 2, 1, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1) << "only the contact who takes e-mail";
  messaging::WorkerOptions wo;
  wo.smtp_url = smtp.url();
  wo.smtp_from = "messages@cluster.test";
  wo.settings = settings;
  auto ws = store::Store::Open(StoreUrl(dir, "t.sqlite"));
  ASSERT_TRUE(ws.ok());
  (*ws)->SetCipher(*keys);
  messaging::SendWorker worker(std::move(*ws), wo);
  auto pass = worker.RunOnce(alert::NowMs());
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->wired, 1);
  const std::string got = smtp.WaitFor("@aegis", 10);
  EXPECT_NE(got.find("amal@example.org"), std::string::npos) << got;
  EXPECT_NE(got.find("-email-"), std::string::npos) << got;  // the idempotency key as Message-ID
  auto after = st->GetMessage(*id);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->status, "sent");
}

}  // namespace
}  // namespace aegis::testing
