// Early-warning routes (issue 6): intake of flash alerts (a compact SMS text or structured
// fields), the list and detail, triage steps with who/when/why, merging duplicates,
// acknowledgement, the in-app inbox and the alerts board. Starts the delivery worker (durable
// outbox: signed webhooks, e-mail; escalation of unacknowledged alerts) with the server.
//
// What a caller sees of an alert is the authorization kernel's decision (access/decision.h) for
// the alert as a record: its class comes from its risks (GBV: gbv, recruitment of children:
// child, else incident), its sensitivity is internal, its organisation the submitter's (none
// for SMS relays and the analysis). Where the kernel allows reading it as an individual record,
// the caller sees the free text and the place as written, and a triager (kTriageAlert) also the
// reporter and the raw message; otherwise place, threat and time only. Triagers see every
// alert; others the alerts routed to their inbox. Audit rows hold ids, never text.
#include <memory>

#include "alert/duplicates.h"
#include "alert/service.h"
#include "alert/worker.h"
#include "ingest/importer.h"
#include "server/api.h"
#include "server/ops.h"
#include "store/record_states.h"

namespace aegis::server {

namespace {

struct AlertContext {
  ingest::Catalog catalog;
  std::unique_ptr<alert::AlertService> service;
  std::unique_ptr<alert::DeliveryWorker> worker;
  std::string unavailable;  // why alerts are off ("" = on)
};
using Ctx = std::shared_ptr<AlertContext>;

enum class View { kOutside, kMember, kFull };

// The alert as a record of the protocol.
access::Resource AlertResource(Api& api, store::Store& s, const store::AlertRecord& a) {
  access::Resource r;
  bool gbv = false, child = false;
  for (const auto& risk : a.risks) {
    gbv = gbv || risk == "GBV";
    child = child || risk == "REC";
  }
  r.record_class = gbv     ? store::RecordClass::kGbv
                   : child ? store::RecordClass::kChild
                           : store::RecordClass::kIncident;
  r.sensitivity = 1;
  if (a.reporter.rfind("user:", 0) == 0) {
    auto id = Int(a.reporter.substr(5));
    auto u = id ? s.GetUser(*id) : Result<std::optional<store::User>>(std::nullopt);
    if (u.ok() && u->has_value()) {
      auto org = api.OrganisationId(s, (*u)->organisation_code);
      if (org.ok()) r.organisation_id = *org;
    }
  }
  return r;
}

View ViewOf(Api& api, store::Store& s, const Caller& c, const store::AlertRecord& a) {
  if (!Decide(api, c, access::Action::kReadIndividual, AlertResource(api, s, a)).allowed())
    return View::kOutside;
  return Decide(api, c, access::Action::kTriageAlert).allowed() ? View::kFull : View::kMember;
}

bool Triager(Api& api, const Caller& c) {
  return Decide(api, c, access::Action::kTriageAlert).allowed();
}

std::vector<std::string> InboxOf(const Caller& c) {
  std::vector<std::string> r = {"role:" + c.user.role};
  if (!c.user.organisation_code.empty()) r.push_back("org:" + c.user.organisation_code);
  return r;
}

json AlertJson(const store::AlertRecord& a, View v, const AlertContext& ctx) {
  json area = {{"pcode", a.area_pcode}, {"name", ""}, {"level", a.area_level}};
  if (const geo::Area* g = ctx.catalog.gazetteer->Find(a.area_pcode); g != nullptr)
    area["name"] = g->name;
  json j = {{"id", a.id},
            {"received_at", alert::IsoUtc(a.received_ms)},
            {"channel", a.channel},
            {"area", area},
            {"risks", a.risks},
            {"urgency", a.urgency},
            {"status", std::string(store::Name(a.status))},
            {"needs_review", a.needs_review},
            {"merged_into", a.merged_into},
            {"escalation_level", a.escalation_level},
            {"ack_due_at", alert::IsoUtc(a.ack_due_ms)},
            {"acknowledged_at", alert::IsoUtc(a.acknowledged_ms)},
            {"acknowledged_by", a.acknowledged_by}};
  if (v == View::kOutside) return j;
  j["text"] = a.free_text;
  j["place_as_written"] = a.place_text;
  j["confidence"] = a.confidence;
  j["parse_note"] = a.parse_note;
  if (v == View::kFull) {
    j["reporter"] = a.reporter;
    j["raw_text"] = a.raw_text;
  }
  return j;
}

bool Ready(const AlertContext& ctx, httplib::Response& res) {
  if (ctx.unavailable.empty()) return true;
  SendError(res, {503, "unavailable", "early warning is off: " + ctx.unavailable, ""});
  return false;
}

bool StringList(const json& body, const char* name, std::vector<std::string>* out, ApiError* e) {
  if (!body.contains(name)) return true;
  const json& v = body[name];
  if (!v.is_array()) {
    *e = {400, "invalid", std::string(name) + " must be an array of strings", name};
    return false;
  }
  for (const json& s : v) {
    if (!s.is_string()) {
      *e = {400, "invalid", std::string(name) + " must be an array of strings", name};
      return false;
    }
    out->push_back(s.get<std::string>());
  }
  return true;
}

bool ReadSubmission(const json& body, const Caller& c, alert::Submission* s, ApiError* e) {
  std::string sender, channel;
  if (!StringField(body, "text", &s->text, e, 2000) ||
      !StringField(body, "sender", &sender, e, 200) ||
      !StringField(body, "channel", &channel, e, 20) ||
      !StringField(body, "area_pcode", &s->area_pcode, e, 20) ||
      !StringField(body, "urgency", &s->urgency, e, 20) ||
      !StringField(body, "free_text", &s->free_text, e, 5000) ||
      !StringList(body, "risks", &s->risks, e))
    return false;
  s->channel = !channel.empty() ? channel : s->text.empty() ? "api" : "sms";
  if (s->channel != "api" && s->channel != "sms" && s->channel != "web") {
    *e = {400, "invalid", "channel: api, sms or web", "channel"};
    return false;
  }
  s->actor = "user:" + std::to_string(c.user.id);
  s->reporter = sender.empty() ? s->actor : sender;
  return true;
}

void Create(Api& api, const AlertContext& ctx, const httplib::Request& req, httplib::Response& res,
            const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  alert::Submission s;
  if (ApiError e; !ReadSubmission(body, c, &s, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto r = ctx.service->Submit(**lease, s);
  if (!r.ok()) return SendError(res, FromStatus(r.status()));
  ctx.worker->Wake();
  api.Audit(**lease, &c, "alert.create", "alert", std::to_string(r->alert.id), s.channel);
  json routed = json::array();
  for (const auto& d : r->deliveries)
    routed.push_back(json{{"recipient", d.recipient}, {"channel", d.channel}});
  // The sender sees what they sent (their own words), whatever the alert's class.
  json out = AlertJson(r->alert, std::max(View::kMember, ViewOf(api, **lease, c, r->alert)), ctx);
  out["routed_to"] = routed;
  SendJson(res, out, 201);
}

// The alert if the caller may see it: every alert for triagers, else alerts in the caller's
// inbox.
Result<std::optional<store::AlertRecord>> Visible(Api& api, store::Store& s, const Caller& c,
                                                  int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(auto a, s.GetAlert(id));
  if (!a || Triager(api, c)) return a;
  AEGIS_ASSIGN_OR_RETURN(auto deliveries, s.ListAlertDeliveries(id));
  std::vector<std::string> inbox = InboxOf(c);
  for (const auto& d : deliveries)
    if (d.channel == "inbox" && std::find(inbox.begin(), inbox.end(), d.recipient) != inbox.end())
      return a;
  return std::optional<store::AlertRecord>();
}

void List(Api& api, const AlertContext& ctx, const httplib::Request& req, httplib::Response& res,
          const Caller& c, bool inbox_only) {
  store::AlertQuery q;
  q.status = req.get_param_value("status");
  q.review_only = req.get_param_value("needs_review") == "true";
  if (req.has_param("limit")) {
    auto v = Int(req.get_param_value("limit"));
    if (!v || *v < 1 || *v > 500)
      return SendError(res, {400, "invalid", "limit: 1 to 500", "limit"});
    q.limit = static_cast<int>(*v);
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  const bool all = !inbox_only && Triager(api, c);
  auto rows = all ? (*lease)->ListAlerts(q) : (*lease)->ListAlertInbox(InboxOf(c), q.limit);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& a : *rows) items.push_back(AlertJson(a, ViewOf(api, **lease, c, a), ctx));
  api.Audit(**lease, &c, inbox_only ? "alert.inbox" : "alert.list", "alert", IdList(*rows),
            std::to_string(rows->size()) + " alerts");
  SendJson(res, {{"items", items}, {"count", rows->size()}});
}

json DeliveryJson(const store::AlertDelivery& d) {
  return {{"recipient", d.recipient},
          {"channel", d.channel},
          {"level", d.level},
          {"idempotency_key", d.idempotency_key},
          {"attempts", d.attempts},
          {"delivered_at", alert::IsoUtc(d.delivered_ms)},
          {"next_attempt_at", alert::IsoUtc(d.next_attempt_ms)},
          {"last_error", d.last_error}};
}

void Detail(Api& api, const AlertContext& ctx, const httplib::Request& req, httplib::Response& res,
            const Caller& c) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto a = Visible(api, **lease, c, id);
  if (!a.ok()) return SendError(res, FromStatus(a.status()));
  if (!a->has_value())
    return SendError(res, {404, "not_found", "no such alert, or not sent to you", ""});
  const View view = ViewOf(api, **lease, c, **a);
  json out = AlertJson(**a, view, ctx);
  if (view == View::kFull) {
    auto events = (*lease)->ListAlertEvents(id);
    auto deliveries = (*lease)->ListAlertDeliveries(id);
    if (!events.ok() || !deliveries.ok())
      return SendError(res, FromStatus(events.ok() ? deliveries.status() : events.status()));
    json ev = json::array(), dl = json::array();
    for (const auto& e : *events)
      ev.push_back(json{{"at", alert::IsoUtc(e.at_ms)},
                        {"actor", e.actor},
                        {"action", e.action},
                        {"from", e.from_status},
                        {"to", e.to_status},
                        {"reason", e.reason}});
    for (const auto& d : *deliveries) dl.push_back(DeliveryJson(d));
    out["history"] = ev;
    out["deliveries"] = dl;
    store::AlertQuery open;
    open.open_only = true;
    open.limit = 500;
    auto recent = (*lease)->ListAlerts(open);
    if (!recent.ok()) return SendError(res, FromStatus(recent.status()));
    out["possible_duplicates"] = alert::LikelyDuplicates(**a, *recent, *ctx.catalog.gazetteer);
  }
  api.Audit(**lease, &c, "alert.read", "alert", std::to_string(id), "");
  SendJson(res, out);
}

void SetStatus(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c,
               bool merge) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  std::string status = "closed", reason;
  std::optional<int64_t> into;
  if (ApiError e; !StringField(body, "status", &status, &e, 20) ||
                  !StringField(body, "reason", &reason, &e, 2000) ||
                  !IntField(body, "into", &into, &e, 1, INT64_MAX))
    return SendError(res, e);
  if (!store::ParseAlertStatus(status))
    return SendError(res, {400, "invalid", "status: " + store::AlertStatusList(), "status"});
  if (reason.empty()) return SendError(res, {400, "invalid", "reason is required", "reason"});
  if (merge && !into) return SendError(res, {400, "invalid", "into (an alert id)", "into"});
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  if (merge && *into == id)
    return SendError(res, {400, "invalid", "an alert cannot be merged into itself", "into"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto a = (*lease)->GetAlert(id);
  if (!a.ok() || !a->has_value())
    return SendError(
        res, a.ok() ? ApiError{404, "not_found", "no such alert", ""} : FromStatus(a.status()));
  if (merge) {
    auto target = (*lease)->GetAlert(*into);
    if (!target.ok() || !target->has_value())
      return SendError(res, {400, "invalid", "into: no such alert", "into"});
  }
  store::AlertEvent e{0,
                      id,
                      alert::NowMs(),
                      "user:" + std::to_string(c.user.id),
                      merge ? "merged" : "status",
                      std::string(store::Name((*a)->status)),
                      status,
                      reason};
  if (Status st = (*lease)->SetAlertStatus(id, status, merge ? *into : 0, e); !st.ok())
    return SendError(res, FromStatus(st));
  api.Audit(**lease, &c, merge ? "alert.merge" : "alert.status", "alert", std::to_string(id),
            merge ? "into " + std::to_string(*into) : status);
  SendJson(res, {{"id", id}, {"status", status}, {"merged_into", merge ? *into : 0}});
}

void Acknowledge(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const int64_t id = Int(req.matches[1].str()).value_or(0);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto a = Visible(api, **lease, c, id);
  if (!a.ok()) return SendError(res, FromStatus(a.status()));
  if (!a->has_value())
    return SendError(res, {404, "not_found", "no such alert, or not sent to you", ""});
  auto first = (*lease)->AcknowledgeAlert(id, "user:" + std::to_string(c.user.id), alert::NowMs());
  if (!first.ok()) return SendError(res, FromStatus(first.status()));
  api.Audit(**lease, &c, "alert.ack", "alert", std::to_string(id), *first ? "first" : "again");
  SendJson(res, {{"id", id}, {"acknowledged", true}, {"first", *first}});
}

// What waits on whom: open alerts, the recipients of their current level, overdue ones, and
// deliveries that keep failing.
void Board(Api& api, const AlertContext& ctx, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  store::AlertQuery q;
  q.open_only = true;
  q.limit = 500;
  auto rows = (*lease)->ListAlerts(q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  const int64_t now = alert::NowMs();
  int overdue = 0, review = 0, failing = 0;
  json items = json::array();
  for (const auto& a : *rows) {
    auto deliveries = (*lease)->ListAlertDeliveries(a.id);
    if (!deliveries.ok()) return SendError(res, FromStatus(deliveries.status()));
    json waiting = json::array(), undelivered = json::array();
    for (const auto& d : *deliveries) {
      if (d.level == a.escalation_level && a.acknowledged_ms == 0)
        waiting.push_back(d.recipient + " (" + d.channel + ")");
      if (d.delivered_ms == 0) undelivered.push_back(DeliveryJson(d));
    }
    const bool late = a.acknowledged_ms == 0 && a.ack_due_ms > 0 && a.ack_due_ms < now;
    overdue += late ? 1 : 0;
    review += a.needs_review ? 1 : 0;
    failing += undelivered.empty() ? 0 : 1;
    json j = AlertJson(a, std::min(View::kMember, ViewOf(api, **lease, c, a)), ctx);
    j["waiting_on"] = waiting;
    j["overdue"] = late;
    j["undelivered"] = undelivered;
    items.push_back(std::move(j));
  }
  api.Audit(**lease, &c, "alert.board", "alert", IdList(*rows),
            std::to_string(rows->size()) + " alerts");
  SendJson(res, {{"open", rows->size()},
                 {"overdue", overdue},
                 {"needs_review", review},
                 {"with_undelivered", failing},
                 {"items", items}});
}

// Early warning's context. Without a store or areas to place alerts, early warning is off and
// its routes say why; a routing file (or keyword file) that cannot be used is an error: the
// server does not start (a webhook without a secret of its own, among others).
Result<Ctx> Start(Api& api) {
  auto ctx = std::make_shared<AlertContext>();
  auto fail = [&](const Status& st) {
    ctx->unavailable = st.message();
    LogLine("error",
            {{"event", JsonString("early_warning_off")}, {"error", JsonString(st.message())}});
    return ctx;
  };
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return fail(lease.status());
  auto catalog = ingest::LoadCatalog(**lease, api.options().data_dir);
  if (!catalog.ok()) return fail(catalog.status());
  ctx->catalog = std::move(*catalog);
  const ServerOptions& o = api.options();
  auto service = alert::AlertService::Load(o.data_dir, o.alert_routing, *ctx->catalog.gazetteer,
                                           *ctx->catalog.taxonomy, o.routing_options);
  if (!service.ok()) return service.status();
  ctx->service = std::move(*service);
  // The scheduled analysis alerts run in one server process at a time (its lease), hourly unless
  // the options say otherwise (0 = off).
  alert::WorkerOptions wo;
  wo.lease_ms = o.alert_lease_ms;
  wo.analysis_every_ms = o.analysis_every_ms;
  wo.severity_rules = api.options().data_dir + "/analysis/severity.toml";
  ctx->worker =
      std::make_unique<alert::DeliveryWorker>(lease->Take(), *ctx->service, std::move(wo));
  ctx->worker->Start();
  api.AtStop([ctx] { ctx->worker->Stop(); });
  return ctx;
}

}  // namespace

Status AddAlertRoutes(Api& api) {
  AEGIS_ASSIGN_OR_RETURN(Ctx ctx, Start(api));
  Api* a = &api;
  using A = access::Action;
  api.Add("POST", "/api/v1/alerts", A::kSubmitAlert,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) Create(*a, *ctx, req, res, *c);
          });
  api.Add("GET", "/api/v1/alerts", A::kReadIndividual,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) List(*a, *ctx, req, res, *c, false);
          });
  api.Add("GET", "/api/v1/alerts/inbox", A::kSignedIn,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) List(*a, *ctx, req, res, *c, true);
          });
  api.Add("GET", "/api/v1/alerts/board", A::kTriageAlert,
          [a, ctx](const httplib::Request&, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) Board(*a, *ctx, res, *c);
          });
  api.Add("GET", "/api/v1/alerts/{id}", A::kSignedIn,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) Detail(*a, *ctx, req, res, *c);
          });
  api.Add("POST", "/api/v1/alerts/{id}/status", A::kTriageAlert,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) SetStatus(*a, req, res, *c, false);
          });
  api.Add("POST", "/api/v1/alerts/{id}/merge", A::kTriageAlert,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) SetStatus(*a, req, res, *c, true);
          });
  api.Add("POST", "/api/v1/alerts/{id}/ack", A::kAcknowledgeAlert,
          [a, ctx](const httplib::Request& req, httplib::Response& res, Caller* c) {
            if (Ready(*ctx, res)) Acknowledge(*a, req, res, *c);
          });
  return Status::Ok();
}

}  // namespace aegis::server
