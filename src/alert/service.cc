#include "alert/service.h"

#include <chrono>
#include <ctime>

#include "util/env.h"
#include "util/text.h"

namespace aegis::alert {

int64_t NowMs() { return Env::Default()->NowMs(); }

AlertService::AlertService(const geo::Gazetteer& gazetteer, const taxonomy::Taxonomy& taxonomy,
                           Keywords keywords, RoutingConfig routing)
    : gazetteer_(gazetteer),
      taxonomy_(taxonomy),
      keywords_(std::move(keywords)),
      routing_(std::move(routing)),
      places_(gazetteer_, ""),
      parser_(keywords_, places_) {}

Result<std::unique_ptr<AlertService>> AlertService::Load(const std::string& data_dir,
                                                         const std::string& routing_path,
                                                         const geo::Gazetteer& gazetteer,
                                                         const taxonomy::Taxonomy& taxonomy,
                                                         const RoutingOptions& routing_options) {
  AEGIS_ASSIGN_OR_RETURN(Keywords k, Keywords::Load(data_dir + "/alerts/keywords.toml"));
  std::string path = routing_path.empty() ? data_dir + "/alerts/routing.toml" : routing_path;
  AEGIS_ASSIGN_OR_RETURN(RoutingConfig r, RoutingConfig::Load(path, routing_options));
  return std::make_unique<AlertService>(gazetteer, taxonomy, std::move(k), std::move(r));
}

Status AlertService::Structured(const Submission& s, store::AlertRecord* a) const {
  if (!s.area_pcode.empty()) {
    const geo::Area* area = gazetteer_.Find(s.area_pcode);
    if (area == nullptr)
      return Status::InvalidArgument("area_pcode: unknown P-code '" + s.area_pcode + "'");
    a->area_pcode = area->pcode;
    a->area_level = area->level;
  }
  for (const std::string& r : s.risks) {
    const taxonomy::Risk* risk = taxonomy_.FindRisk(r);
    if (risk == nullptr) return Status::InvalidArgument("risks: unknown risk '" + r + "'");
    a->risks.push_back(risk->code);
  }
  a->free_text = s.free_text;
  a->confidence = 1;
  a->needs_review = a->area_pcode.empty() || a->risks.empty();
  a->parse_note = "structured";
  return Status::Ok();
}

Result<IntakeResult> AlertService::Prepare(const Submission& s) const {
  IntakeResult out;
  store::AlertRecord& a = out.alert;
  a.channel = s.channel;
  a.reporter = s.reporter;
  a.source_key = s.source_key;
  a.received_ms = s.received_ms > 0 ? s.received_ms : NowMs();
  if (!s.urgency.empty() && UrgencyRank(s.urgency) < 0)
    return Status::InvalidArgument("urgency: use immediate, high, medium or low");
  if (!s.text.empty()) {
    ParsedAlert p = parser_.Parse(s.text);
    a.raw_text = s.text;
    a.free_text = p.free_text;
    a.place_text = p.place_text;
    a.area_pcode = p.pcode;
    a.area_level = p.level;
    a.risks = p.risks;
    a.urgency = p.urgency;
    a.confidence = p.confidence;
    a.needs_review = p.needs_review;
    a.parse_note = p.note;
  } else {
    if (s.area_pcode.empty() && s.risks.empty() && s.free_text.empty())
      return Status::InvalidArgument("text: give a message, or area_pcode, risks and free_text");
    AEGIS_RETURN_IF_ERROR(Structured(s, &a));
  }
  if (!s.urgency.empty()) a.urgency = s.urgency;
  a.ack_due_ms = AckDue(a.urgency, a.received_ms);
  out.deliveries = DeliveriesFor(a, 0, a.received_ms);
  return out;
}

Result<IntakeResult> AlertService::Submit(store::AlertStore& store, const Submission& s) const {
  AEGIS_ASSIGN_OR_RETURN(IntakeResult r, Prepare(s));
  store::AlertEvent e;
  e.at_ms = r.alert.received_ms;
  e.actor = s.actor.empty() ? s.channel : s.actor;
  e.action = "received";
  e.to_status = store::Name(r.alert.status);
  e.reason = r.alert.needs_review ? "needs review: " + r.alert.parse_note : "";
  AEGIS_ASSIGN_OR_RETURN(r.alert.id, store.CreateAlert(r.alert, e, r.deliveries));
  for (auto& d : r.deliveries) d.alert_id = r.alert.id;
  return r;
}

RouteInput AlertService::RouteInputFor(const store::AlertRecord& a, int64_t at_ms) const {
  RouteInput in;
  for (const geo::Area* area = gazetteer_.Find(a.area_pcode); area != nullptr;
       area = gazetteer_.Find(area->parent_pcode))
    in.area_chain.push_back(area->pcode);
  in.risks = a.risks;
  in.urgency = a.urgency;
  int64_t local_minutes = at_ms / 60000 + routing_.utc_offset_minutes();
  in.minute_of_day = static_cast<int>(((local_minutes % 1440) + 1440) % 1440);
  return in;
}

int64_t AlertService::AckDue(const std::string& urgency, int64_t now_ms) const {
  int minutes = routing_.AckMinutes(urgency);
  return minutes > 0 ? now_ms + int64_t{minutes} * 60000 : 0;
}

Audience AlertService::AudienceOf(const std::string& recipient) const {
  const Recipient* r = routing_.FindRecipient(recipient);
  return r != nullptr && r->audience == "member" ? Audience::kMember : Audience::kOutside;
}

std::vector<store::AlertDelivery> AlertService::DeliveriesFor(const store::AlertRecord& a,
                                                              int level, int64_t now_ms) const {
  std::vector<store::AlertDelivery> out;
  auto add = [&](const std::string& ref, const char* channel, bool outbox) {
    store::AlertDelivery d;
    d.alert_id = a.id;
    d.recipient = ref;
    d.channel = channel;
    d.level = level;
    d.created_ms = now_ms;
    d.next_attempt_ms = now_ms;
    d.delivered_ms = outbox ? 0 : now_ms;  // an inbox item is there once written
    out.push_back(std::move(d));
  };
  for (const std::string& ref : routing_.Route(RouteInputFor(a, a.received_ms), level)) {
    const Recipient* r = routing_.FindRecipient(ref);
    if (r == nullptr || (r->webhook.empty() && r->email.empty())) {
      add(ref, "inbox", false);
      continue;
    }
    if (!r->webhook.empty()) add(ref, "webhook", true);
    if (!r->email.empty()) add(ref, "email", true);
  }
  return out;
}

}  // namespace aegis::alert
