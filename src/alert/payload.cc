#include "alert/payload.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace aegis::alert {

std::string IsoUtc(int64_t ms) {
  if (ms <= 0) return "";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

std::string AreaName(const store::AlertRecord& a, const PayloadContext& ctx) {
  if (ctx.gazetteer == nullptr || a.area_pcode.empty()) return "";
  const geo::Area* area = ctx.gazetteer->Find(a.area_pcode);
  if (area == nullptr) return "";
  std::string name = area->name;
  for (const geo::Area* p = ctx.gazetteer->Find(area->parent_pcode); p != nullptr;
       p = ctx.gazetteer->Find(p->parent_pcode))
    name += ", " + p->name;
  return name;
}

std::string RiskLabel(const std::string& code, const PayloadContext& ctx) {
  const taxonomy::Risk* r = ctx.taxonomy ? ctx.taxonomy->FindRisk(code) : nullptr;
  return r ? r->label : code;
}

}  // namespace

std::string AlertPayload(const store::AlertRecord& a, Audience audience,
                         const std::string& idempotency_key, int level, const PayloadContext& ctx) {
  nlohmann::ordered_json threats = nlohmann::ordered_json::array();
  for (const std::string& code : a.risks)
    threats.push_back({{"risk", code}, {"label", RiskLabel(code, ctx)}});
  nlohmann::ordered_json j = {
      {"alert_id", a.id},
      {"idempotency_key", idempotency_key},
      {"level", level},
      {"received_at", IsoUtc(a.received_ms)},
      {"area", {{"pcode", a.area_pcode}, {"name", AreaName(a, ctx)}, {"level", a.area_level}}},
      {"threats", threats},
      {"urgency", a.urgency},
      {"status", std::string(store::Name(a.status))},
      {"acknowledge_by", IsoUtc(a.ack_due_ms)},
  };
  if (audience == Audience::kMember) {
    j["text"] = a.free_text;
    j["confidence"] = a.confidence;
    j["channel"] = a.channel;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Mail AlertMail(const store::AlertRecord& a, Audience audience, const PayloadContext& ctx) {
  std::string risks;
  for (const std::string& code : a.risks)
    risks += (risks.empty() ? "" : "; ") + RiskLabel(code, ctx);
  if (risks.empty()) risks = "threat not classified";
  std::string area = AreaName(a, ctx);
  if (area.empty()) area = a.area_pcode.empty() ? "place not resolved" : a.area_pcode;
  Mail m;
  m.subject =
      "[Aegis alert " + std::to_string(a.id) + ", " + a.urgency + "] " + risks + " - " + area;
  m.body = "Flash alert " + std::to_string(a.id) + "\r\n" + "Place: " + area + " (" + a.area_pcode +
           ")\r\n" + "Threat: " + risks + "\r\n" + "Urgency: " + a.urgency + "\r\n" +
           "Received: " + IsoUtc(a.received_ms) + "\r\n" +
           "Acknowledge by: " + IsoUtc(a.ack_due_ms) + "\r\n";
  if (audience == Audience::kMember) m.body += "Message: " + a.free_text + "\r\n";
  m.body += "\r\nAcknowledge in Aegis (POST /api/v1/alerts/" + std::to_string(a.id) + "/ack).\r\n";
  return m;
}

namespace {

// What happened, for a person reading the notice.
std::string NoticeText(const std::string& kind) {
  if (kind == "received") return "was sent to your organisation";
  if (kind == "overdue") return "was not accepted by its deadline";
  return "was " + kind;
}

}  // namespace

std::string ReferralNoticePayload(const store::ReferralNotice& n) {
  nlohmann::ordered_json j = {{"type", "referral." + n.kind},
                              {"referral_id", n.referral_id},
                              {"notice", n.kind},
                              {"at", IsoUtc(n.created_ms)},
                              {"idempotency_key", n.idempotency_key},
                              {"open", "/api/v1/referrals/" + std::to_string(n.referral_id)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Mail ReferralNoticeMail(const store::ReferralNotice& n) {
  const std::string id = std::to_string(n.referral_id);
  Mail m;
  m.subject = "[Aegis referral " + id + "] " + n.kind;
  m.body = "Referral " + id + " " + NoticeText(n.kind) + " (" + IsoUtc(n.created_ms) + ").\r\n" +
           "Open it in Aegis (referral " + id + "). This message carries no personal data.\r\n";
  return m;
}

}  // namespace aegis::alert
