#include "messaging/worker.h"

#include <nlohmann/json.hpp>

#include "alert/smtp.h"
#include "alert/webhook.h"
#include "alert/worker.h"

namespace aegis::messaging {

class SmsLink {
 public:
  SmsLink(const std::string& url, const std::string& secret, int timeout_ms)
      : session(url, secret, timeout_ms) {}
  alert::WebhookSession session;
};

std::string SmsPayload(const store::MessageSend& s, const std::string& text,
                       const std::string& language) {
  const Segments seg = CountSegments(text);
  nlohmann::json j = {{"idempotency_key", s.idempotency_key},
                      {"message_id", s.message_id},
                      {"to", s.phone},
                      {"text", text},
                      {"language", language},
                      {"encoding", seg.ucs2 ? "ucs2" : "gsm7"},
                      {"segments", seg.segments}};
  return j.dump();
}

SendWorker::SendWorker(std::unique_ptr<store::Store> store, WorkerOptions options)
    : store_(std::move(store)), o_(std::move(options)), env_(EnvOrDefault(o_.env)) {
  if (!o_.gateway_url.empty())
    sms_ = std::make_unique<SmsLink>(o_.gateway_url, o_.gateway_secret, o_.timeout_ms);
}

SendWorker::~SendWorker() { Stop(); }

void SendWorker::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void SendWorker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SendWorker::Wake() {
  {
    std::lock_guard<std::mutex> l(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void SendWorker::Loop() {
  for (;;) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) return;
      woken_ = false;
    }
    auto counts = RunOnce(env_->NowMs());
    if (!counts.ok())
      std::fprintf(stderr, "aegis: message sends: %s\n", counts.status().message().c_str());
    if (counts.ok() && counts->attempted > 0) continue;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(o_.idle_wait_ms), [&] { return stop_ || woken_; });
  }
}

Result<const store::Message*> SendWorker::MessageOf(int64_t id) {
  auto it = messages_.find(id);
  if (it != messages_.end()) return &it->second;
  AEGIS_ASSIGN_OR_RETURN(std::optional<store::Message> m, store_->GetMessage(id));
  if (!m) return Status::NotFound("message " + std::to_string(id));
  if (messages_.size() > 1000) messages_.clear();
  return &messages_.emplace(id, std::move(*m)).first->second;
}

store::DeliveryOutcome SendWorker::SendOne(const store::MessageSend& s, const store::Message& m) {
  store::DeliveryOutcome out;
  out.id = s.id;
  const std::string lang =
      ChooseLanguage(m.translations, m.base_language, s.language, o_.settings.primary_language);
  const std::string& text = m.translations.at(lang);
  std::string error;
  if (s.channel == "sms") {
    if (!sms_) {
      error = "no SMS gateway: set [messages] sms_gateway in the routing file";
    } else {
      alert::WebhookResult w = sms_->session.Post(s.idempotency_key, SmsPayload(s, text, lang));
      if (!w.delivered) error = w.error;
    }
  } else if (s.channel == "email") {
    alert::MailMessage mail{o_.smtp_from, s.email,
                            m.title.empty() ? "Information from the protection cluster" : m.title,
                            text, s.idempotency_key + "@aegis"};
    Status st = alert::SendMail(o_.smtp_url, mail, o_.timeout_ms);
    if (!st.ok()) error = st.message();
  } else {
    error = "channel " + s.channel + " is not sent by the worker";
  }
  const int64_t now = env_->NowMs();
  out.delivered = error.empty();
  out.at_ms = now;
  out.error = error;
  if (!out.delivered)
    out.next_attempt_ms = now + alert::BackoffMs(s.attempts, o_.base_backoff_ms, o_.max_backoff_ms);
  return out;
}

Result<SendCounts> SendWorker::RunOnce(int64_t now_ms) {
  SendCounts c;
  AEGIS_ASSIGN_OR_RETURN(auto claimed, store_->ClaimMessageSends(now_ms, o_.lease_ms, o_.batch));
  std::vector<store::DeliveryOutcome> outcomes;
  for (const store::MessageSend& s : claimed) {
    AEGIS_ASSIGN_OR_RETURN(const store::Message* m, MessageOf(s.message_id));
    outcomes.push_back(SendOne(s, *m));
    ++c.attempted;
    if (outcomes.back().delivered) {
      ++c.wired;
      ++wired_total_;
    } else {
      ++c.failed;
    }
    if (outcomes.size() >= static_cast<size_t>(o_.record_every)) {
      AEGIS_RETURN_IF_ERROR(store_->FinishMessageSends(outcomes));
      outcomes.clear();
    }
  }
  if (!outcomes.empty()) AEGIS_RETURN_IF_ERROR(store_->FinishMessageSends(outcomes));
  return c;
}

}  // namespace aegis::messaging
