// Life-saving messages over the API (doc/messaging.md): messages drafted, approved by a second
// person and sent to the contacts of their areas; what a message costs in SMS segments before it
// is approved; suggestions for open alerts; a radio script; contacts who opted in (their phone
// numbers for the role that manages contacts only); the SMS gateway's delivery receipts and
// inbound messages (STOP). The rules are the messaging module's (src/messaging), who may do what
// the kernel's (access/decision.h); audit rows hold ids, never a number or a text. Starts the
// send worker with the server.
#include <memory>

#include "alert/routing.h"
#include "alert/service.h"
#include "messaging/messaging.h"
#include "messaging/worker.h"
#include "server/api.h"
#include "server/ops.h"
#include "util/text.h"

namespace aegis::server {

namespace {

struct MessagingContext {
  messaging::Settings settings;
  messaging::Templates templates;
  std::unique_ptr<messaging::SendWorker> worker;
};
using Ctx = std::shared_ptr<MessagingContext>;

messaging::Actor ActorOf(const Caller& c, const std::shared_ptr<const access::Protocol>& p) {
  return {p.get(), c.subject, alert::NowMs()};
}

json SegmentsJson(const messaging::Segments& s) {
  return {{"encoding", s.ucs2 ? "ucs2" : "gsm7"},
          {"units", s.units},
          {"segments", s.segments},
          {"non_gsm", s.non_gsm}};
}

json MessageJson(const store::Message& m) {
  json tr = json::object(), seg = json::object();
  for (const auto& [lang, t] : m.translations) {
    tr[lang] = t;
    seg[lang] = SegmentsJson(messaging::CountSegments(t));
  }
  return {{"id", m.id},
          {"title", m.title},
          {"content_type", m.content_type},
          {"risks", m.risks},
          {"alert_id", m.alert_id},
          {"areas", m.areas},
          {"channels", m.channels},
          {"base_language", m.base_language},
          {"translations", tr},
          {"segments", seg},
          {"service_ids", m.service_ids},
          {"status", m.status},
          {"author_id", m.author_id},
          {"approver_id", m.approver_id},
          {"sent_by", m.sent_by},
          {"send_at_ms", m.send_at_ms},
          {"withdrawn_reason", m.withdrawn_reason},
          {"created_ms", m.created_ms},
          {"updated_ms", m.updated_ms},
          {"approved_ms", m.approved_ms},
          {"sent_ms", m.sent_ms},
          {"withdrawn_ms", m.withdrawn_ms}};
}

bool ReadStrings(const json& body, const char* name, std::vector<std::string>* out, ApiError* e) {
  if (!body.contains(name)) return true;
  const json& v = body[name];
  if (!v.is_array() || v.size() > 500) {
    *e = {400, "invalid", std::string(name) + ": a list of at most 500 values", name};
    return false;
  }
  for (const auto& x : v) {
    if (!x.is_string() || x.get<std::string>().size() > 64) {
      *e = {400, "invalid", std::string(name) + ": each value is a short text", name};
      return false;
    }
    out->push_back(x.get<std::string>());
  }
  return true;
}

// The message of a draft or revision request body.
bool ParseMessage(const json& body, store::Message* m, ApiError* e) {
  std::optional<int64_t> alert, send_at;
  if (!StringField(body, "title", &m->title, e, 200) ||
      !StringField(body, "content_type", &m->content_type, e, 64) ||
      !StringField(body, "base_language", &m->base_language, e, 3) ||
      !IntField(body, "alert_id", &alert, e, 0, INT64_MAX) ||
      !IntField(body, "send_at_ms", &send_at, e, 0, INT64_MAX) ||
      !ReadStrings(body, "risks", &m->risks, e) || !ReadStrings(body, "areas", &m->areas, e) ||
      !ReadStrings(body, "channels", &m->channels, e))
    return false;
  m->alert_id = alert.value_or(0);
  m->send_at_ms = send_at.value_or(0);
  if (body.contains("translations")) {
    const json& t = body["translations"];
    if (!t.is_object() || t.size() > 20) {
      *e = {400, "invalid", "translations: an object of ISO 639-3 code -> text (at most 20)",
            "translations"};
      return false;
    }
    for (const auto& [lang, text] : t.items()) {
      if (!text.is_string() || text.get<std::string>().size() > 4000) {
        *e = {400, "invalid", "translations." + lang + ": a text of at most 4,000 bytes",
              "translations"};
        return false;
      }
      m->translations[lang] = text.get<std::string>();
    }
  }
  if (body.contains("service_ids") && body["service_ids"].is_array())
    for (const auto& id : body["service_ids"])
      if (id.is_number_integer()) m->service_ids.push_back(id.get<int64_t>());
  return true;
}

// A Status of the messaging module as an API error; field = the text before the first ':'.
ApiError ModuleError(const Status& st) {
  ApiError e = FromStatus(st);
  if (st.code() == Status::Code::kInvalidArgument) {
    const std::string& m = st.message();
    const size_t colon = m.find(':');
    if (colon != std::string::npos && colon < 40) {
      std::string field = m.substr(0, colon);
      e.field = field.substr(0, field.find('.'));
    }
  }
  return e;
}

messaging::AreaKnown AreasOf(Api& api) {
  return [&api](const std::string& p) { return api.AreaLevel(p) >= 0; };
}

void Draft(Api& api, const MessagingContext& ctx, const httplib::Request& req,
           httplib::Response& res, const Caller& c, bool revise) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::Message m;
  if (ApiError e; !ParseMessage(body, &m, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto names = messaging::RegisteredNames(**lease);
  if (!names.ok()) return SendError(res, FromStatus(names.status()));
  auto p = api.protocol();
  const messaging::Actor a = ActorOf(c, p);
  if (revise) {
    m.id = Int(req.matches[1].str()).value_or(0);
    Status st = messaging::Revise(**lease, a, ctx.settings, AreasOf(api), *names, m);
    if (!st.ok()) return SendError(res, ModuleError(st));
    api.Audit(**lease, &c, "message.revise", "message", std::to_string(m.id), "");
    return SendJson(res, {{"id", m.id}, {"status", "draft"}});
  }
  auto id = messaging::Draft(**lease, a, ctx.settings, AreasOf(api), *names, m);
  if (!id.ok()) return SendError(res, ModuleError(id.status()));
  api.Audit(**lease, &c, "message.draft", "message", std::to_string(*id), "");
  SendJson(res, {{"id", *id}, {"status", "draft"}}, 201);
}

void List(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::MessageQuery q;
  q.status = req.get_param_value("status");
  q.alert_id = Int(req.get_param_value("alert")).value_or(0);
  q.after_id = Int(req.get_param_value("after")).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListMessages(q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& m : *rows) items.push_back(MessageJson(m));
  api.Audit(**lease, &c, "message.list", "message", IdList(*rows), "");
  SendJson(res, {{"items", items}});
}

void Detail(Api& api, const MessagingContext& ctx, const httplib::Request& req,
            httplib::Response& res, const Caller& c) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto m = (*lease)->GetMessage(id);
  if (!m.ok()) return SendError(res, FromStatus(m.status()));
  if (!m->has_value()) return SendError(res, {404, "not_found", "no such message", ""});
  json out = MessageJson(**m);
  auto cost = messaging::CostOf(**lease, **m, ctx.settings);
  if (!cost.ok()) return SendError(res, FromStatus(cost.status()));
  json lines = json::array();
  for (const auto& l : cost->lines)
    lines.push_back({{"channel", l.channel},
                     {"language", l.language},
                     {"contacts", l.contacts},
                     {"segments_each", l.segments_each},
                     {"segments", l.segments}});
  out["cost"] = {
      {"contacts", cost->contacts}, {"sms_segments", cost->sms_segments}, {"lines", lines}};
  auto sends = (*lease)->MessageSendCounts(id);
  if (!sends.ok()) return SendError(res, FromStatus(sends.status()));
  out["sends"] = {{"queued", sends->queued},
                  {"wired", sends->wired},
                  {"delivered", sends->delivered},
                  {"failed", sends->failed},
                  {"cancelled", sends->cancelled}};
  api.Audit(**lease, &c, "message.read", "message", std::to_string(id), "");
  SendJson(res, out);
}

void Step(Api& api, const MessagingContext& ctx, const httplib::Request& req,
          httplib::Response& res, const Caller& c, const std::string& step) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  json body = json::object();
  if (!req.body.empty())
    if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto p = api.protocol();
  const messaging::Actor a = ActorOf(c, p);
  json out = {{"id", id}};
  if (step == "approve") {
    auto names = messaging::RegisteredNames(**lease);
    if (!names.ok()) return SendError(res, FromStatus(names.status()));
    if (Status st = messaging::Approve(**lease, a, ctx.settings, *names, id); !st.ok())
      return SendError(res, ModuleError(st));
    out["status"] = "approved";
  } else if (step == "send") {
    std::optional<int64_t> at;
    if (ApiError e; !IntField(body, "send_at_ms", &at, &e, 0, INT64_MAX)) return SendError(res, e);
    auto n = messaging::Send(**lease, a, id, at.value_or(0));
    if (!n.ok()) return SendError(res, ModuleError(n.status()));
    out["status"] = *n > 0 ? "sending" : "sent";
    out["enqueued"] = *n;
    if (ctx.worker) ctx.worker->Wake();
  } else {
    std::string reason;
    if (ApiError e; !StringField(body, "reason", &reason, &e, 500)) return SendError(res, e);
    if (Status st = messaging::Withdraw(**lease, a, id, reason); !st.ok())
      return SendError(res, ModuleError(st));
    out["status"] = "withdrawn";
  }
  api.Audit(**lease, &c, "message." + step, "message", std::to_string(id), "");
  SendJson(res, out);
}

void Script(Api& api, const MessagingContext& ctx, const httplib::Request& req,
            httplib::Response& res, const Caller& c) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto m = (*lease)->GetMessage(id);
  if (!m.ok()) return SendError(res, FromStatus(m.status()));
  if (!m->has_value()) return SendError(res, {404, "not_found", "no such message", ""});
  if ((*m)->status != "approved" && (*m)->status != "sending" && (*m)->status != "sent")
    return SendError(res, {409, "conflict",
                           "only an approved message is read on the radio; approve it first", ""});
  api.Audit(**lease, &c, "message.script", "message", std::to_string(id), "");
  res.set_header("Content-Disposition",
                 "attachment; filename=\"radio-script-" + std::to_string(id) + ".txt\"");
  res.set_content(messaging::RadioScript(**m, req.get_param_value("lang"), ctx.settings),
                  "text/plain; charset=utf-8");
}

void SegmentsRoute(const httplib::Request& req, httplib::Response& res) {
  const std::string t = req.get_param_value("text");
  if (t.size() > 4000) return SendError(res, {400, "invalid", "text: at most 4,000 bytes", "text"});
  SendJson(res, SegmentsJson(messaging::CountSegments(t)));
}

void Suggestions(Api& api, const MessagingContext& ctx, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  store::AlertQuery q;
  q.open_only = true;
  q.limit = 500;
  auto alerts = (*lease)->ListAlerts(q);
  if (!alerts.ok()) return SendError(res, FromStatus(alerts.status()));
  auto areas = (*lease)->LoadAreas();
  if (!areas.ok()) return SendError(res, FromStatus(areas.status()));
  std::map<std::string, std::string> names;
  for (const auto& a : *areas) names[a.pcode] = a.name;
  store::Store& s = **lease;
  auto providers = [&](const std::string& area, const std::vector<std::string>& types) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const std::string& type : types) {
      store::ServiceQuery sq;
      sq.area = area;
      sq.service_type = type;
      sq.active_only = true;
      sq.nearest_first = true;
      sq.limit = 10;
      auto rows = s.ListServices(c.scope, sq);
      if (!rows.ok()) continue;
      for (const auto& r : *rows) {
        if (r.s.gbv_specialised) continue;
        std::string name = !r.s.provider_name.empty() ? r.s.provider_name
                           : !r.s.name.empty()        ? r.s.name
                                                      : r.s.provider;
        bool seen = false;
        for (const auto& [id, n] : out) seen = seen || n == name;
        if (!seen && !name.empty()) out.emplace_back(r.s.id, name);
      }
    }
    return out;
  };
  auto list = messaging::Suggest(
      ctx.templates, *alerts, [&](const std::string& p) { return names.count(p) ? names[p] : p; },
      providers);
  json items = json::array();
  for (const auto& sg : list) {
    json m = MessageJson(sg.message);
    m.erase("id");
    m.erase("status");
    items.push_back({{"alert_id", sg.alert_id},
                     {"area", sg.area},
                     {"area_name", sg.area_name},
                     {"risk", sg.risk},
                     {"message", m}});
  }
  api.Audit(s, &c, "message.suggestions", "alert", IdList(*alerts), "");
  SendJson(res, {{"items", items}});
}

// --- contacts ----------------------------------------------------------------------------------

json ContactJson(const store::Contact& k) {
  return {{"id", k.id},
          {"organisation_id", k.organisation_id},
          {"phone", k.phone},
          {"email", k.email},
          {"language", k.language},
          {"areas", k.areas},
          {"channels", k.channels},
          {"status", k.status},
          {"opted_in_date", k.opted_in_date},
          {"opted_in_via", k.opted_in_via},
          {"stopped_ms", k.stopped_ms}};
}

void AddContactRoute(Api& api, const MessagingContext& ctx, const httplib::Request& req,
                     httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  messaging::ContactInput in;
  if (ApiError e; !StringField(body, "phone", &in.phone, &e, 40) ||
                  !StringField(body, "email", &in.email, &e, 200) ||
                  !StringField(body, "language", &in.language, &e, 3) ||
                  !StringField(body, "opted_in_date", &in.opted_in_date, &e, 10) ||
                  !StringField(body, "opted_in_via", &in.opted_in_via, &e, 20) ||
                  !ReadStrings(body, "areas", &in.areas, &e) ||
                  !ReadStrings(body, "channels", &in.channels, &e))
    return SendError(res, e);
  if (in.opted_in_via.empty()) in.opted_in_via = "entered";
  in.organisation_id = c.organisation_id;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto p = api.protocol();
  auto keys = api.keyring();
  auto added = messaging::AddContact(**lease, *keys, ActorOf(c, p), ctx.settings, AreasOf(api), in);
  if (!added.ok()) return SendError(res, ModuleError(added.status()));
  api.Audit(**lease, &c, added->created ? "contact.create" : "contact.update", "contact",
            std::to_string(added->id), "");
  SendJson(res, {{"id", added->id}, {"created", added->created}, {"opted_out", added->stopped}},
           added->created ? 201 : 200);
}

void ListContacts(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::ContactQuery q;
  q.area = req.get_param_value("area");
  q.status = req.get_param_value("status");
  q.after_id = Int(req.get_param_value("after")).value_or(0);
  q.limit = static_cast<int>(Int(req.get_param_value("limit")).value_or(200));
  if (!q.area.empty() && api.AreaLevel(q.area) < 0)
    return SendError(res, {400, "invalid", "area: unknown P-code; see /api/v1/areas", "area"});
  // A caller the kernel keeps from other organisations' contacts lists its own organisation's
  // (organisation -1 stands for "another"); the kernel decides each row again below.
  access::Resource other;
  other.organisation_id = -1;
  if (!Decide(api, c, access::Action::kManageContacts, other).allowed() && c.organisation_id > 0)
    q.organisation = c.organisation_id;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListContacts(q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  std::vector<store::Contact> shown;
  for (const auto& k : *rows) {
    access::Resource r;
    r.organisation_id = k.organisation_id;
    if (!Decide(api, c, access::Action::kManageContacts, r).allowed()) continue;
    items.push_back(ContactJson(k));
    shown.push_back(k);
  }
  api.Audit(**lease, &c, "contact.list", "contact", IdList(shown), "");
  SendJson(res, {{"items", items}});
}

void OptOutRoute(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto p = api.protocol();
  auto done = messaging::OptOut(**lease, ActorOf(c, p), id);
  if (!done.ok()) return SendError(res, ModuleError(done.status()));
  api.Audit(**lease, &c, "contact.opt_out", "contact", std::to_string(id), "");
  SendJson(res, {{"id", id}, {"status", "stopped"}, {"changed", *done}});
}

void Counts(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string area = req.get_param_value("area");
  if (!area.empty() && api.AreaLevel(area) < 0)
    return SendError(res, {400, "invalid", "area: unknown P-code; see /api/v1/areas", "area"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto counts = (*lease)->ContactCounts(area);
  if (!counts.ok()) return SendError(res, FromStatus(counts.status()));
  json out = json::object();
  for (const auto& [status, n] : *counts) out[status] = n;
  api.Audit(**lease, &c, "contact.counts", "contact", "", area);
  SendJson(res, {{"area", area}, {"contacts", out}});
}

// --- the gateway -------------------------------------------------------------------------------

void Receipts(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  if (!body.contains("receipts") || !body["receipts"].is_array() || body["receipts"].size() > 5000)
    return SendError(res, {400, "invalid",
                           "receipts: a list of at most 5,000 {idempotency_key, status: "
                           "delivered|failed}",
                           "receipts"});
  std::vector<store::Receipt> list;
  const int64_t now = alert::NowMs();
  for (const auto& r : body["receipts"]) {
    if (!r.is_object() || !r.contains("idempotency_key") || !r["idempotency_key"].is_string() ||
        !r.contains("status") || !r["status"].is_string())
      return SendError(res,
                       {400, "invalid", "receipts: each {idempotency_key, status}", "receipts"});
    std::string status = r["status"].get<std::string>();
    if (status != "delivered" && status != "failed")
      return SendError(res, {400, "invalid", "receipts: status delivered or failed", "receipts"});
    list.push_back({r["idempotency_key"].get<std::string>(), status, now});
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  if (!Allowed(api, c, access::Action::kMessageGateway, {}, res)) return;
  auto matched = (*lease)->RecordReceipts(list);
  if (!matched.ok()) return SendError(res, FromStatus(matched.status()));
  api.Audit(**lease, &c, "message.receipts", "message_send", "", std::to_string(*matched));
  SendJson(res, {{"received", list.size()}, {"matched", *matched}});
}

void InboundRoute(Api& api, const MessagingContext& ctx, const httplib::Request& req,
                  httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  std::string from, text;
  if (ApiError e;
      !StringField(body, "from", &from, &e, 40) || !StringField(body, "text", &text, &e, 2000))
    return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto p = api.protocol();
  auto keys = api.keyring();
  auto outcome = messaging::Inbound(**lease, *keys, ActorOf(c, p), ctx.settings, from, text);
  if (!outcome.ok()) return SendError(res, ModuleError(outcome.status()));
  api.Audit(**lease, &c, "message.inbound", "contact", "", *outcome);
  SendJson(res, {{"action", *outcome}});
}

Result<Ctx> Start(Api& api) {
  auto ctx = std::make_shared<MessagingContext>();
  const ServerOptions& o = api.options();
  const std::string routing_path =
      o.alert_routing.empty() ? o.data_dir + "/alerts/routing.toml" : o.alert_routing;
  AEGIS_ASSIGN_OR_RETURN(alert::RoutingConfig routing,
                         alert::RoutingConfig::Load(routing_path, o.routing_options));
  AEGIS_ASSIGN_OR_RETURN(messaging::Languages langs, messaging::Languages::Load());
  ctx->settings.languages = std::make_shared<messaging::Languages>(std::move(langs));
  ctx->settings.primary_language = routing.primary_language();
  ctx->settings.region = routing.phone_region();
  const taxonomy::Taxonomy& tax = api.taxonomy();
  AEGIS_ASSIGN_OR_RETURN(
      ctx->templates,
      messaging::LoadTemplates(
          o.data_dir + "/messaging/templates.json", ctx->settings,
          [&](const std::string& r) { return tax.FindRisk(r) != nullptr; },
          [&](const std::string& t) { return tax.NormalizeTerm("service_type", t).has_value(); }));
  messaging::WorkerOptions wo;
  if (const alert::Recipient* g = routing.sms_gateway()) {
    wo.gateway_url = g->webhook;
    wo.gateway_secret = g->secret;
  }
  wo.smtp_url = routing.smtp_url();
  wo.smtp_from = routing.smtp_from();
  wo.settings = ctx->settings;
  wo.lease_ms = o.alert_lease_ms;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return lease.status();
  ctx->worker = std::make_unique<messaging::SendWorker>(lease->Take(), std::move(wo));
  ctx->worker->Start();
  api.AtStop([ctx] { ctx->worker->Stop(); });
  return ctx;
}

}  // namespace

Status AddMessageRoutes(Api& api) {
  AEGIS_ASSIGN_OR_RETURN(Ctx ctx, Start(api));
  Api* a = &api;
  using A = access::Action;
  using Req = httplib::Request;
  using Res = httplib::Response;
  api.Add("GET", "/api/v1/messages", A::kReadMessages,
          [a](const Req& req, Res& res, Caller* c) { List(*a, req, res, *c); });
  api.Add("POST", "/api/v1/messages", A::kDraftMessage,
          [a, ctx](const Req& req, Res& res, Caller* c) { Draft(*a, *ctx, req, res, *c, false); });
  api.Add("GET", "/api/v1/messages/segments", A::kReadMessages,
          [](const Req& req, Res& res, Caller*) { SegmentsRoute(req, res); });
  api.Add("GET", "/api/v1/messages/suggestions", A::kDraftMessage,
          [a, ctx](const Req&, Res& res, Caller* c) { Suggestions(*a, *ctx, res, *c); });
  api.Add("POST", "/api/v1/messages/receipts", A::kMessageGateway,
          [a](const Req& req, Res& res, Caller* c) { Receipts(*a, req, res, *c); });
  api.Add("POST", "/api/v1/messages/inbound", A::kMessageGateway,
          [a, ctx](const Req& req, Res& res, Caller* c) { InboundRoute(*a, *ctx, req, res, *c); });
  api.Add("GET", "/api/v1/messages/{id}", A::kReadMessages,
          [a, ctx](const Req& req, Res& res, Caller* c) { Detail(*a, *ctx, req, res, *c); });
  api.Add("PUT", "/api/v1/messages/{id}", A::kDraftMessage,
          [a, ctx](const Req& req, Res& res, Caller* c) { Draft(*a, *ctx, req, res, *c, true); });
  api.Add(
      "POST", "/api/v1/messages/{id}/approve", A::kApproveMessage,
      [a, ctx](const Req& req, Res& res, Caller* c) { Step(*a, *ctx, req, res, *c, "approve"); });
  api.Add("POST", "/api/v1/messages/{id}/send", A::kSendMessage,
          [a, ctx](const Req& req, Res& res, Caller* c) { Step(*a, *ctx, req, res, *c, "send"); });
  api.Add(
      "POST", "/api/v1/messages/{id}/withdraw", A::kDraftMessage,
      [a, ctx](const Req& req, Res& res, Caller* c) { Step(*a, *ctx, req, res, *c, "withdraw"); });
  api.Add("GET", "/api/v1/messages/{id}/script", A::kReadMessages,
          [a, ctx](const Req& req, Res& res, Caller* c) { Script(*a, *ctx, req, res, *c); });
  api.Add("GET", "/api/v1/contacts", A::kManageContacts,
          [a](const Req& req, Res& res, Caller* c) { ListContacts(*a, req, res, *c); });
  api.Add(
      "POST", "/api/v1/contacts", A::kManageContacts,
      [a, ctx](const Req& req, Res& res, Caller* c) { AddContactRoute(*a, *ctx, req, res, *c); });
  api.Add("GET", "/api/v1/contacts/counts", A::kReadMessages,
          [a](const Req& req, Res& res, Caller* c) { Counts(*a, req, res, *c); });
  api.Add("POST", "/api/v1/contacts/{id}/opt-out", A::kManageContacts,
          [a](const Req& req, Res& res, Caller* c) { OptOutRoute(*a, req, res, *c); });
  return Status::Ok();
}

}  // namespace aegis::server
