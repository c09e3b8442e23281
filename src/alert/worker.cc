#include "alert/worker.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "alert/from_analysis.h"
#include "alert/smtp.h"
#include "alert/webhook.h"
#include "store/record_states.h"

namespace aegis::alert {

int64_t BackoffMs(int attempts, int64_t base_ms, int64_t max_ms) {
  int shift = std::clamp(attempts - 1, 0, 30);
  int64_t d = std::min(max_ms, base_ms << shift);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return static_cast<int64_t>(static_cast<double>(d) * jitter(rng));
}

DeliveryWorker::DeliveryWorker(std::unique_ptr<store::Store> store, const AlertService& service,
                               WorkerOptions options)
    : store_(std::move(store)),
      service_(service),
      o_(std::move(options)),
      env_(EnvOrDefault(o_.env)) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  holder_ = std::string(host) + ":" + std::to_string(getpid()) + ":" +
            std::to_string(reinterpret_cast<uintptr_t>(this));
  // The first run one interval after start: a restart does not re-run it at once.
  if (o_.analysis_every_ms > 0) next_analysis_ms_ = env_->NowMs() + o_.analysis_every_ms;
}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard<std::mutex> l(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void DeliveryWorker::Loop() {
  for (;;) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return;
      woken_ = false;
    }
    auto counts = RunOnce(env_->NowMs());
    bool busy = counts.ok() && counts->attempted > 0;
    if (busy) continue;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(o_.idle_wait_ms), [&] { return stop_ || woken_; });
  }
}

Result<int> DeliveryWorker::Escalate(int64_t now_ms) {
  AEGIS_ASSIGN_OR_RETURN(auto due, store_->DueAlertEscalations(now_ms, 100));
  int n = 0;
  for (const store::AlertRecord& a : due) {
    const int next = a.escalation_level + 1;
    std::vector<store::AlertDelivery> deliveries = service_.DeliveriesFor(a, next, now_ms);
    store::AlertEvent e;
    e.alert_id = a.id;
    e.at_ms = now_ms;
    e.actor = "system";
    e.from_status = store::Name(a.status);
    if (deliveries.empty()) {
      // No further level: the alert stays on the board as overdue, without a new deadline.
      e.action = "escalation_exhausted";
      e.reason = "not acknowledged by " + IsoUtc(a.ack_due_ms) + "; no further routing level";
      AEGIS_RETURN_IF_ERROR(store_->EscalateAlert(a.id, a.escalation_level, 0, e, {}));
      continue;
    }
    e.action = "escalated";
    e.to_status = store::Name(store::AlertStatus::kEscalated);
    e.reason = "not acknowledged by " + IsoUtc(a.ack_due_ms) + "; level " + std::to_string(next);
    AEGIS_RETURN_IF_ERROR(
        store_->EscalateAlert(a.id, next, service_.AckDue(a.urgency, now_ms), e, deliveries));
    ++n;
  }
  return n;
}

store::DeliveryOutcome DeliveryWorker::Send(const Outgoing& d,
                                            const std::function<std::string()>& body,
                                            const std::function<Mail()>& mail) {
  store::DeliveryOutcome out;
  out.id = d.id;
  const Recipient* r = service_.routing().FindRecipient(d.recipient);
  std::string error;
  if (r == nullptr) {
    error = d.recipient + " is no longer in the routing rules";
  } else if (d.channel == "webhook") {
    WebhookResult w = PostWebhook(r->webhook, r->secret, d.idempotency_key, body(), o_.timeout_ms);
    if (!w.delivered) error = w.error;
  } else if (d.channel == "email") {
    Mail m = mail();
    MailMessage msg{service_.routing().smtp_from(), r->email, m.subject, m.body,
                    d.idempotency_key + "@aegis"};
    Status st = SendMail(service_.routing().smtp_url(), msg, o_.timeout_ms);
    if (!st.ok()) error = st.message();
  } else {
    error = "channel " + d.channel + " is not sent by the worker";
  }
  const int64_t now = env_->NowMs();
  out.delivered = error.empty();
  out.at_ms = now;
  out.error = error;
  if (!out.delivered)
    out.next_attempt_ms = now + BackoffMs(d.attempts, o_.base_backoff_ms, o_.max_backoff_ms);
  return out;
}

store::DeliveryOutcome DeliveryWorker::Deliver(const store::AlertDelivery& d,
                                               const store::AlertRecord& a) {
  const Audience audience = service_.AudienceOf(d.recipient);
  return Send(
      {d.id, d.recipient, d.channel, d.idempotency_key, d.attempts},
      [&] { return AlertPayload(a, audience, d.idempotency_key, d.level, service_.context()); },
      [&] { return AlertMail(a, audience, service_.context()); });
}

Status DeliveryWorker::DeliverReferralNotices(int64_t now_ms, PassCounts* c) {
  AEGIS_ASSIGN_OR_RETURN(auto claimed,
                         store_->ClaimReferralDeliveries(now_ms, o_.lease_ms, o_.batch));
  std::vector<store::DeliveryOutcome> outcomes;
  for (const store::ReferralNotice& n : claimed) {
    outcomes.push_back(Send(
        {n.id, n.recipient, n.channel, n.idempotency_key, n.attempts},
        [&] { return ReferralNoticePayload(n); }, [&] { return ReferralNoticeMail(n); }));
    ++c->attempted;
    if (outcomes.back().delivered)
      ++c->delivered;
    else
      ++c->failed;
    if (outcomes.size() >= static_cast<size_t>(o_.record_every)) {
      AEGIS_RETURN_IF_ERROR(store_->FinishReferralDeliveries(outcomes));
      outcomes.clear();
    }
  }
  if (!outcomes.empty()) AEGIS_RETURN_IF_ERROR(store_->FinishReferralDeliveries(outcomes));
  return Status::Ok();
}

Status DeliveryWorker::ScheduledAnalysis(int64_t now_ms, PassCounts* c) {
  if (o_.analysis_every_ms <= 0 || now_ms < next_analysis_ms_) return Status::Ok();
  next_analysis_ms_ = now_ms + o_.analysis_every_ms;
  // The lease lasts one interval: its holder renews it at its next run; another process takes
  // it over only after a whole interval without one.
  AEGIS_ASSIGN_OR_RETURN(
      bool mine, store_->AcquireLease("analysis-alerts", holder_, now_ms, o_.analysis_every_ms));
  if (!mine) return Status::Ok();
  FromAnalysisOptions fo;
  fo.severity_rules = o_.severity_rules;
  Result<FromAnalysisResult> r = AlertsFromAnalysis(*store_, service_, service_.taxonomy(), fo);
  ++c->analysis_runs;
  if (!r.ok()) {  // e.g. no data yet: deliveries go on; the next interval tries again
    std::fprintf(stderr, "aegis: scheduled analysis: %s\n", r.status().message().c_str());
    return Status::Ok();
  }
  c->analysis_alerts += r->created;
  return Status::Ok();
}

Result<PassCounts> DeliveryWorker::RunOnce(int64_t now_ms) {
  PassCounts c;
  AEGIS_ASSIGN_OR_RETURN(c.escalated, Escalate(now_ms));
  AEGIS_RETURN_IF_ERROR(ScheduledAnalysis(now_ms, &c));
  AEGIS_ASSIGN_OR_RETURN(auto claimed, store_->ClaimAlertDeliveries(now_ms, o_.lease_ms, o_.batch));
  std::map<int64_t, store::AlertRecord> alerts;
  std::vector<store::DeliveryOutcome> outcomes;
  for (const store::AlertDelivery& d : claimed) {
    auto it = alerts.find(d.alert_id);
    if (it == alerts.end()) {
      AEGIS_ASSIGN_OR_RETURN(auto a, store_->GetAlert(d.alert_id));
      if (!a) continue;  // cannot happen: deliveries reference their alert
      it = alerts.emplace(d.alert_id, std::move(*a)).first;
    }
    outcomes.push_back(Deliver(d, it->second));
    ++c.attempted;
    if (outcomes.back().delivered)
      ++c.delivered;
    else
      ++c.failed;
    // Recorded every few deliveries: a crash then repeats at most that many.
    if (outcomes.size() >= static_cast<size_t>(o_.record_every)) {
      AEGIS_RETURN_IF_ERROR(store_->FinishAlertDeliveries(outcomes));
      outcomes.clear();
    }
  }
  if (!outcomes.empty()) AEGIS_RETURN_IF_ERROR(store_->FinishAlertDeliveries(outcomes));
  AEGIS_RETURN_IF_ERROR(DeliverReferralNotices(now_ms, &c));
  delivered_total_ += c.delivered;
  return c;
}

}  // namespace aegis::alert
