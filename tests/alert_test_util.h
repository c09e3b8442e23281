// What the early-warning tests share: a webhook receiver on loopback that checks signatures and
// counts deliveries by idempotency key, and the stores and services the tests build.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "access/cipher.h"
#include "alert/service.h"
#include "alert/webhook.h"
#include "alert/worker.h"
#include "ingest/importer.h"
#include "process_util.h"
#include "security/keyring.h"
#include "test_util.h"

namespace aegis::testing {

// `python3 -m aiosmtpd -n` (Debugging handler: every message printed to stdout, here a file).
class SmtpServer {
 public:
  explicit SmtpServer(const std::string& out) : port_(FreePort()), out_(out) {
    pid_ = Spawn({"/usr/bin/python3", "-u", "-m", "aiosmtpd", "-n", "-l",
                  "127.0.0.1:" + std::to_string(port_)},
                 {}, out);
    for (int i = 0; i < 200 && !Accepts(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ~SmtpServer() { StopProcess(pid_); }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  bool up() const { return Accepts(port_); }
  // What the server printed, once it holds `needle` (or after `seconds`).
  std::string WaitFor(const std::string& needle, int seconds) const {
    std::string text;
    for (int i = 0; i < seconds * 20; ++i) {
      text = ReadFile(out_);
      if (text.find(needle) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return text;
  }

 private:
  int port_;
  std::string out_;
  pid_t pid_ = -1;
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::string secret, int delay_ms = 0)
      : secret_(std::move(secret)), delay_ms_(delay_ms) {
    http_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
      if (fail_.load()) {
        res.status = 503;
        return;
      }
      auto ts = std::atoll(req.get_header_value("X-Aegis-Timestamp").c_str());
      bool ok = alert::VerifyWebhookSignature(secret_, ts, req.body,
                                              req.get_header_value("X-Aegis-Signature"));
      std::lock_guard<std::mutex> l(mu_);
      if (!ok) {
        ++bad_signatures_;
        res.status = 401;
        return;
      }
      ++posts_;
      ++by_key_[req.get_header_value("Idempotency-Key")];
      bodies_[req.get_header_value("Idempotency-Key")] = req.body;
      res.set_content("{}", "application/json");
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
  }
  ~WebhookReceiver() {
    http_.stop();
    thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void set_fail(bool f) { fail_ = f; }
  size_t unique() {
    std::lock_guard<std::mutex> l(mu_);
    return by_key_.size();
  }
  int64_t posts() {
    std::lock_guard<std::mutex> l(mu_);
    return posts_;
  }
  int64_t bad_signatures() {
    std::lock_guard<std::mutex> l(mu_);
    return bad_signatures_;
  }
  std::map<std::string, int> by_key() {
    std::lock_guard<std::mutex> l(mu_);
    return by_key_;
  }
  std::map<std::string, std::string> bodies() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }
  // Waits until `n` distinct keys arrived or `seconds` passed.
  bool WaitFor(size_t n, int seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (unique() < n && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return unique() >= n;
  }

 private:
  std::string secret_;
  int delay_ms_;
  std::atomic<bool> fail_{false};
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, int> by_key_;
  std::map<std::string, std::string> bodies_;
  int64_t posts_ = 0, bad_signatures_ = 0;
};

// Routing rules for the tests: coordination's inbox for everything, a webhook (outside) for
// attacks and abductions anywhere, ORG-A for Jonglei, e-mail for escalations.
inline std::string TestRouting(const std::string& webhook_url, const std::string& smtp_url = "",
                               const std::string& audience = "outside") {
  return "[ack_minutes]\nimmediate = 15\nhigh = 60\nmedium = 360\nlow = 1440\n"
         "[smtp]\nurl = \"" +
         smtp_url +
         "\"\nfrom = \"alerts@cluster.test\"\n"
         "[recipients.joc]\naudience = \"" +
         audience + "\"\nwebhook = \"" + webhook_url +
         "\"\nsecret = \"test-secret\"\n"
         "[recipients.duty]\nemail = \"duty@mission.test\"\n"
         "[[rule]]\nname = \"all\"\nlevels = [[\"role:coordinator\"], [\"recipient:duty\"]]\n"
         "[[rule]]\nrisks = [\"ATK\", \"ABD\"]\nlevels = [[\"recipient:joc\"]]\n"
         "[[rule]]\nareas = [\"SS03\"]\nlevels = [[\"org:ORG-A\"]]\n";
}

// A store with South Sudan's areas, its catalog and an alert service over `routing`.
struct AlertFixture {
  explicit AlertFixture(const TempDir& dir, const std::string& routing_toml)
      : store(NewStore(dir)) {
    auto c = ingest::LoadCatalog(*store, kData);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    catalog = std::move(*c);
    auto k = alert::Keywords::Load(kData + "/alerts/keywords.toml");
    auto r = alert::RoutingConfig::Parse(routing_toml, "test routing");
    EXPECT_TRUE(k.ok() && r.ok()) << r.status().ToString();
    service = std::make_unique<alert::AlertService>(*catalog.gazetteer, *catalog.taxonomy,
                                                    std::move(*k), std::move(*r));
  }
  std::unique_ptr<store::Store> store;
  ingest::Catalog catalog;
  std::unique_ptr<alert::AlertService> service;
};

// A sealed store with its alert service over the routing RoutingToml() gives (the receiver's URL
// in it), and delivery workers on connections of their own: what the outbox tests share.
class OutboxTest : public ::testing::Test {
 protected:
  virtual std::string RoutingToml(const std::string& webhook_url) {
    return TestRouting(webhook_url);
  }
  void SetUp() override {
    ASSERT_TRUE(security::Keyring::Create(dir_ / "t.keys").ok());
    auto keys = access::KeySource::Load(dir_ / "t.keys");
    ASSERT_TRUE(keys.ok());
    keys_ = *keys;
    f_ = std::make_unique<AlertFixture>(dir_, RoutingToml(receiver_.url()));
    f_->store->SetCipher(keys_);
  }
  std::unique_ptr<alert::DeliveryWorker> Worker(const alert::WorkerOptions& o = {}) {
    auto s = store::Store::Open(StoreUrl(dir_, "t.sqlite"));
    EXPECT_TRUE(s.ok());
    (*s)->SetCipher(keys_);
    return std::make_unique<alert::DeliveryWorker>(std::move(*s), *f_->service, o);
  }

  TempDir dir_;
  WebhookReceiver receiver_{"test-secret"};
  std::shared_ptr<access::KeySource> keys_;
  std::unique_ptr<AlertFixture> f_;
};

}  // namespace aegis::testing
