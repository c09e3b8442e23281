// The send worker of life-saving messages: drains the message outbox (store::MessageSend). Each
// pass claims a batch of due sends for a lease (one transaction; sends of contacts who opted out
// are cancelled, never claimed), sends each, and records the outcomes every `record_every` sends
// (one transaction each):
//   sms    one signed POST to the SMS gateway's webhook per send (alert::WebhookSession: one
//          kept-alive connection), with the send's idempotency key, the number, the text in the
//          contact's language (ChooseLanguage) and its segments;
//   email  one message through the routing file's SMTP server.
// A failure is retried after an exponential backoff with jitter (alert::BackoffMs). A worker
// killed mid-batch leaves its claims to expire; those sends go again (at least once: the gateway
// drops a key it has seen). Without a gateway, SMS sends wait in the outbox.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "messaging/messaging.h"
#include "store/store.h"
#include "util/env.h"

namespace aegis::messaging {

struct WorkerOptions {
  std::string gateway_url, gateway_secret;  // the SMS gateway ("" = none)
  std::string smtp_url, smtp_from = "aegis-messages@localhost";
  Settings settings;
  int batch = 500;
  int64_t lease_ms = 60000;
  int64_t base_backoff_ms = 1000, max_backoff_ms = 600000;
  int idle_wait_ms = 250;
  int timeout_ms = 5000;
  int record_every = 100;  // outcomes per transaction (a crash repeats at most these)
  Env* env = nullptr;      // the clock (null = Env::Default()); not owned
};

struct SendCounts {
  int attempted = 0, wired = 0, failed = 0;
};

// The JSON body of one SMS send to the gateway.
std::string SmsPayload(const store::MessageSend& s, const std::string& text,
                       const std::string& language);

class SendWorker {
 public:
  SendWorker(std::unique_ptr<store::Store> store, WorkerOptions options);
  ~SendWorker();
  SendWorker(const SendWorker&) = delete;
  SendWorker& operator=(const SendWorker&) = delete;

  void Start();
  void Stop();  // finishes the batch in hand
  void Wake();  // new sends are waiting
  // One pass at `now_ms` (also for tests and the bench, without the thread).
  Result<SendCounts> RunOnce(int64_t now_ms);
  int64_t wired_total() const { return wired_total_.load(); }

 private:
  void Loop();
  // The message's text for `language` (loaded once per message).
  Result<const store::Message*> MessageOf(int64_t id);
  store::DeliveryOutcome SendOne(const store::MessageSend& s, const store::Message& m);

  std::unique_ptr<store::Store> store_;
  WorkerOptions o_;
  Env* env_;
  std::unique_ptr<class SmsLink> sms_;
  std::map<int64_t, store::Message> messages_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::atomic<int64_t> wired_total_{0};
};

}  // namespace aegis::messaging
