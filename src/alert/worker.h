// The delivery worker: drains the durable outbox (signed webhooks, e-mail) and escalates
// alerts not acknowledged in time. Each pass, in order:
//   1. escalations: open alerts past their acknowledgement deadline move to the next routing
//      level (new deliveries, a new deadline, status "escalated", an event by "system");
//   2. deliveries: claims a batch of due deliveries for a lease (one transaction), sends each,
//      and records the outcomes every few deliveries (one transaction each): delivered, or the next
//      attempt after an exponential backoff with jitter (1 s, 2 s, 4 s ... capped at 10 minutes,
//      each halved to doubled at random). A worker killed mid-batch leaves its claims to expire;
//      the deliveries are then sent again (at least once; the idempotency key lets the receiver
//      drop repeats);
//   3. referral notices for outside recipients (webhook, e-mail; store::ReferralNotice), claimed
//      and sent the same way.
// And, when analysis_every_ms > 0, the scheduled analysis: automatic alerts for escalating risks
// (from_analysis.h), run by whichever server process holds the store's "analysis-alerts" lease,
// so once per interval across all processes (and taken over by another when its holder dies).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "alert/payload.h"
#include "alert/service.h"
#include "store/store.h"
#include "util/env.h"

namespace aegis::alert {

struct WorkerOptions {
  int batch = 64;
  int64_t lease_ms = 60000;  // `aegis serve`: $AEGIS_ALERT_LEASE_MS (tests)
  int64_t base_backoff_ms = 1000, max_backoff_ms = 600000;
  int idle_wait_ms = 250;  // between passes when there is nothing to do (Wake cuts it short)
  int timeout_ms = 5000;   // per webhook or SMTP exchange
  int record_every = 8;    // outcomes written per transaction (a crash repeats at most these)
  // Scheduled analysis alerts: every this many ms (0 = off; `aegis serve`: hourly, or
  // $AEGIS_ANALYSIS_EVERY_S), with the severity rules at this path.
  int64_t analysis_every_ms = 0;
  std::string severity_rules;
  // The wall clock that decides what is due (deliveries, escalations, the scheduled analysis)
  // and stamps outcomes: env->NowMs(). Not owned; it must outlive the worker (null =
  // Env::Default()). Tests give a fake clock.
  Env* env = nullptr;
};

struct PassCounts {
  int attempted = 0, delivered = 0, failed = 0, escalated = 0;
  int analysis_runs = 0, analysis_alerts = 0;  // scheduled analyses run by this worker
};

// Exponential backoff with jitter for the `attempts`-th failure: base * 2^(attempts-1), capped,
// times a random factor in [0.5, 1.0].
int64_t BackoffMs(int attempts, int64_t base_ms, int64_t max_ms);

class DeliveryWorker {
 public:
  // `store`: a connection of the worker's own (with the field cipher set).
  DeliveryWorker(std::unique_ptr<store::Store> store, const AlertService& service,
                 WorkerOptions options = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  void Stop();  // finishes the batch in hand, then returns
  void Wake();  // new deliveries are waiting
  // One pass at `now_ms` (also for tests, without the thread).
  Result<PassCounts> RunOnce(int64_t now_ms);
  int64_t delivered_total() const { return delivered_total_.load(); }

 private:
  void Loop();
  Result<int> Escalate(int64_t now_ms);
  // The scheduled analysis when due and this process holds its lease.
  Status ScheduledAnalysis(int64_t now_ms, PassCounts* c);
  // One webhook or e-mail delivery of the outbox: an alert's or a referral notice's.
  struct Outgoing {
    int64_t id = 0;
    std::string recipient, channel, idempotency_key;
    int attempts = 0;
  };
  store::DeliveryOutcome Send(const Outgoing& d, const std::function<std::string()>& body,
                              const std::function<Mail()>& mail);
  store::DeliveryOutcome Deliver(const store::AlertDelivery& d, const store::AlertRecord& a);
  // Sends the referral notices due (webhook, e-mail) and records their outcomes.
  Status DeliverReferralNotices(int64_t now_ms, PassCounts* c);

  std::unique_ptr<store::Store> store_;
  const AlertService& service_;
  WorkerOptions o_;
  Env* env_;  // o_.env or Env::Default()
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::atomic<int64_t> delivered_total_{0};
  std::string holder_;  // this process and worker, for leases
  int64_t next_analysis_ms_ = 0;
};

}  // namespace aegis::alert
