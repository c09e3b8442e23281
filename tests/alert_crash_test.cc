// At least once, through kill -9: `aegis serve` is killed while its worker posts webhooks and
// started again; every alert reaches the receiver, and the only repeats are of the same
// idempotency key (which the receiver drops). Prints the counts.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "access/cipher.h"
#include "alert_test_util.h"
#include "process_util.h"
#include "security/keyring.h"

namespace aegis::testing {
namespace {

// Starts `aegis serve` on the store with the test's routing rules; returns the child's pid.
pid_t StartServer(const std::string& db, const std::string& routing, const std::string& log) {
  return Spawn(
      {AEGIS_BINARY, "--data-dir", kData, "--db", db, "serve", "--port", "0", "--threads", "4"},
      ChildEnv({"AEGIS_ALERT_ROUTING=" + routing,
                "AEGIS_ALERT_LEASE_MS=2000"},  // a dead worker's claims expire
               {"AEGIS_ALERT_"}),
      log);
}

TEST(AlertCrashTest, EveryAlertIsDeliveredAtLeastOnceThroughKill9) {
  constexpr size_t kFirst = 300, kMore = 100;
  TempDir dir;
  const std::string db = dir / "t.sqlite";
  WebhookReceiver receiver("test-secret", 4);  // 4 ms per webhook: the kill lands mid-delivery
  WriteFile(dir / "routing.toml", TestRouting(receiver.url()));
  AlertFixture f(dir, TestRouting(receiver.url()));
  ASSERT_TRUE(security::Keyring::Create(db + ".keys").ok());
  auto keys = access::KeySource::Load(db + ".keys");
  ASSERT_TRUE(keys.ok());
  f.store->SetCipher(*keys);
  auto submit = [&](size_t n, size_t from) {
    for (size_t i = 0; i < n; ++i) {
      alert::Submission s;
      s.channel = "sms";
      s.text = "ALERT SS0308 attack number " + std::to_string(from + i) + " on Gumuruk now";
      ASSERT_TRUE(f.service->Submit(*f.store, s).ok());
    }
  };
  submit(kFirst, 0);

  pid_t server = StartServer(db, dir / "routing.toml", dir / "serve.log");
  ASSERT_TRUE(receiver.WaitFor(kFirst / 3, 60)) << ReadFile(dir / "serve.log");
  ASSERT_EQ(kill(server, SIGKILL), 0);
  int status = 0;
  waitpid(server, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const size_t at_kill = receiver.unique();
  const int64_t posts_at_kill = receiver.posts();
  submit(kMore, kFirst);  // alerts taken in while the server is down wait in the outbox

  server = StartServer(db, dir / "routing.toml", dir / "serve.log");
  bool all = receiver.WaitFor(kFirst + kMore, 90);
  kill(server, SIGTERM);
  waitpid(server, &status, 0);
  ASSERT_TRUE(all) << receiver.unique() << " of " << kFirst + kMore << "\n"
                   << ReadFile(dir / "serve.log");

  int64_t repeats = 0;
  for (const auto& [key, n] : receiver.by_key()) {
    EXPECT_EQ(key.rfind("alert-", 0), 0u) << key;
    repeats += n - 1;
  }
  EXPECT_EQ(receiver.unique(), kFirst + kMore);
  EXPECT_EQ(receiver.bad_signatures(), 0);
  EXPECT_EQ(receiver.posts(), static_cast<int64_t>(kFirst + kMore) + repeats);
  // The store agrees: every webhook delivery is marked delivered.
  store::AlertQuery q;
  q.limit = 1000;
  auto alerts = f.store->ListAlerts(q);
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), kFirst + kMore);
  size_t pending = 0;
  for (const auto& a : *alerts) {
    auto deliveries = f.store->ListAlertDeliveries(a.id);
    ASSERT_TRUE(deliveries.ok());
    for (const auto& d : *deliveries) pending += d.delivered_ms == 0 ? 1 : 0;
  }
  EXPECT_EQ(pending, 0u);
  std::printf(
      "[figure] alert crash test: %zu alerts (%zu before the kill, %zu while down); kill -9 after "
      "%zu received (%lld posts); after restart %zu distinct keys received, %lld posts, %lld "
      "repeats of an already received key (dropped by key), 0 lost, 0 bad signatures\n",
      kFirst + kMore, kFirst, kMore, at_kill, static_cast<long long>(posts_at_kill),
      receiver.unique(), static_cast<long long>(receiver.posts()), static_cast<long long>(repeats));
}

}  // namespace
}  // namespace aegis::testing
