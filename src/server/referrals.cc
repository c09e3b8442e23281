// Referrals over the API: send (with consent), list sent and received, read, change status,
// record a withdrawal of consent, and the in-app notices. The rules are the referral module's
// (referral/referral.h) and the kernel's (access/decision.h, access/consent.h): a handler reads
// the request, calls them, and writes the answer with only the fields the reader may see.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "alert/payload.h"
#include "alert/service.h"
#include "referral/referral.h"
#include "server/api.h"
#include "util/text.h"

namespace aegis::server {

namespace {

std::string Iso(int64_t ms) { return ms > 0 ? alert::IsoUtc(ms) : ""; }

bool Digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

referral::Actor ActorOf(const Caller& c, const access::Protocol* p) {
  referral::Actor a;
  a.protocol = p;
  a.subject = c.subject;
  a.organisation_code = c.user.organisation_code;
  a.scope = c.scope;
  a.now_ms = alert::NowMs();
  return a;
}

json ReferralJson(const store::ReferralRecord& rec, const std::vector<std::string>& fields,
                  int64_t now_ms) {
  const store::Referral& r = rec.r;
  json j = {{"id", r.id},
            {"case_code", r.case_code},
            {"origin", r.origin},
            {"origin_id", r.origin_id},
            {"referring_organisation", r.referring_organisation},
            {"receiving_organisation", r.receiving_organisation},
            {"service_id", r.service_id},
            {"service_type", r.service_type},
            {"services_provided", r.services_provided},
            {"area", r.area_pcode},
            {"priority", r.priority},
            {"purpose", r.purpose},
            {"gbv", r.gbv},
            {"sensitivity", r.sensitivity},
            {"status", store::ReferralStatusName(r.status)},
            {"outcome", r.outcome},
            {"created_at", Iso(r.created_ms)},
            {"due_at", Iso(r.due_ms)},
            {"accepted_at", Iso(r.accepted_ms)},
            {"closed_at", Iso(r.closed_ms)},
            {"overdue", referral::Overdue(r, now_ms)},
            {"escalated_at", Iso(r.escalated_ms)},
            {"consent_recorded", rec.consent.valid()},
            {"consent",
             {{"given_by", rec.consent.given_by},
              {"caregiver_relation", rec.consent.caregiver_relation},
              {"purpose", rec.consent.purpose},
              {"receiving_organisation", rec.consent.receiving_organisation},
              {"fields", rec.consent.fields},
              {"given_at", Iso(rec.consent.given_ms)},
              {"expires_at", Iso(rec.consent.expires_ms)},
              {"withdrawn_at", Iso(rec.consent.withdrawn_ms)},
              {"in_force", access::ConsentInForce(rec.consent, now_ms)}}},
            {"disclosed_fields", fields}};
  json person = json::object();
  for (const std::string& f : fields) {
    if (f == "name") person["name"] = r.person.name;
    if (f == "phone") person["phone"] = r.person.phone;
    if (f == "location") person["location"] = r.person.location;
    if (f == "sex") person["sex"] = r.person.sex;
    if (f == "age" && r.person.age >= 0) person["age"] = r.person.age;
    if (f == "reason") j["reason"] = r.reason;
  }
  j["person"] = person;
  // Only the referring organisation sees every field: it alone reads these reasons.
  if (fields.size() == std::size(access::kReferralFields)) {
    j["status_reason"] = r.status_reason;
    j["override_reason"] = r.override_reason;
  }
  return j;
}

bool StringList(const json& body, const char* name, std::vector<std::string>* out, ApiError* e) {
  if (!body.contains(name)) return true;
  const json& v = body[name];
  if (!v.is_array() || v.size() > 32) {
    *e = {400, "invalid", std::string(name) + ": a list of at most 32 codes", name};
    return false;
  }
  for (const json& x : v) {
    if (!x.is_string() || x.get<std::string>().empty() || x.get<std::string>().size() > 64) {
      *e = {400, "invalid", std::string(name) + ": each value is a short code", name};
      return false;
    }
    out->push_back(x.get<std::string>());
  }
  return true;
}

// A time as epoch ms from "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ"; `fallback`
// when absent.
bool TimeField(const json& body, const char* name, int64_t fallback, int64_t* out, ApiError* e) {
  std::string v;
  if (!StringField(body, name, &v, e, 40)) return false;
  if (v.empty()) {
    *out = fallback;
    return true;
  }
  std::string why;
  if (v.size() < 10 || !IsIsoDate(v.substr(0, 10), &why)) {
    *e = {400, "invalid", std::string(name) + ": YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", name};
    return false;
  }
  std::tm tm{};
  tm.tm_year = std::stoi(v.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(v.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(v.substr(8, 2));
  if (v.size() > 10) {
    if (v.size() != 20 || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != 'Z' ||
        !Digits(v.substr(11, 2)) || !Digits(v.substr(14, 2)) || !Digits(v.substr(17, 2))) {
      *e = {400, "invalid", std::string(name) + ": YYYY-MM-DDTHH:MM:SSZ (UTC)", name};
      return false;
    }
    tm.tm_hour = std::stoi(v.substr(11, 2));
    tm.tm_min = std::stoi(v.substr(14, 2));
    tm.tm_sec = std::stoi(v.substr(17, 2));
  }
  *out = static_cast<int64_t>(timegm(&tm)) * 1000;
  return true;
}

bool ParseDraft(Api& api, const json& body, int64_t now_ms, referral::Draft* d, ApiError* e) {
  store::Referral& r = d->referral;
  for (auto [name, field] : {std::pair{"receiving_organisation", &r.receiving_organisation},
                             {"service_type", &r.service_type},
                             {"case_code", &r.case_code},
                             {"area", &r.area_pcode},
                             {"priority", &r.priority},
                             {"purpose", &r.purpose},
                             {"origin", &r.origin},
                             {"client_id", &r.client_id},
                             {"sensitivity", &r.sensitivity}})
    if (!StringField(body, name, field, e, 200)) return false;
  if (!StringField(body, "reason", &r.reason, e, 4000) ||
      !StringField(body, "override_reason", &d->override_reason, e, 4000))
    return false;
  if (r.priority.empty()) r.priority = "normal";
  if (r.purpose.empty()) r.purpose = "service_provision";
  if (r.origin.empty()) r.origin = "direct";
  if (r.sensitivity.empty()) r.sensitivity = "confidential";
  if (!store::SensitivityRank(r.sensitivity)) {
    *e = {400, "invalid", "sensitivity: internal, confidential or strictly_confidential",
          "sensitivity"};
    return false;
  }
  if (!r.service_type.empty()) {
    auto t = api.taxonomy().NormalizeTerm("service_type", r.service_type);
    if (!t) {
      *e = {400, "invalid",
            "service_type: not known; see data/taxonomy/vocabularies.json service_type",
            "service_type"};
      return false;
    }
    r.service_type = *t;
  }
  if (!r.area_pcode.empty() && api.AreaLevel(r.area_pcode) < 0) {
    *e = {400, "invalid", "area: unknown P-code; see /api/v1/areas", "area"};
    return false;
  }
  std::optional<int64_t> v;
  if (!IntField(body, "origin_id", &v, e, 0, INT64_MAX)) return false;
  r.origin_id = v.value_or(0);
  v.reset();
  if (!IntField(body, "service_id", &v, e, 0, INT64_MAX)) return false;
  r.service_id = v.value_or(0);
  if (body.contains("gbv")) {
    if (!body["gbv"].is_boolean()) {
      *e = {400, "invalid", "gbv: true or false", "gbv"};
      return false;
    }
    r.gbv = body["gbv"].get<bool>();
  }
  if (!StringList(body, "services_provided", &r.services_provided, e)) return false;
  if (body.contains("person")) {
    const json& p = body["person"];
    if (!p.is_object()) {
      *e = {400, "invalid", "person: an object (name, phone, location, sex, age)", "person"};
      return false;
    }
    for (auto [name, field] : {std::pair{"name", &r.person.name},
                               {"phone", &r.person.phone},
                               {"location", &r.person.location},
                               {"sex", &r.person.sex}})
      if (!StringField(p, name, field, e, 500)) return false;
    v.reset();
    if (!IntField(p, "age", &v, e, 0, 120)) return false;
    r.person.age = v ? static_cast<int>(*v) : -1;
  }
  if (body.contains("consent")) {
    const json& c = body["consent"];
    if (!c.is_object()) {
      *e = {400, "invalid", "consent: an object (given_by, purpose, receiving_organisation, ...)",
            "consent"};
      return false;
    }
    store::Consent& k = d->consent;
    for (auto [name, field] : {std::pair{"given_by", &k.given_by},
                               {"caregiver_relation", &k.caregiver_relation},
                               {"purpose", &k.purpose},
                               {"receiving_organisation", &k.receiving_organisation}})
      if (!StringField(c, name, field, e, 200)) return false;
    if (!StringList(c, "fields", &k.fields, e)) return false;
    if (!TimeField(c, "given_at", k.given_by.empty() ? 0 : now_ms, &k.given_ms, e) ||
        !TimeField(c, "expires_at", 0, &k.expires_ms, e))
      return false;
  }
  return true;
}

void Send(Api& api, const referral::NoticeRoutes& routes, const httplib::Request& req,
          httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  auto protocol = api.protocol();
  referral::Actor a = ActorOf(c, protocol.get());
  a.routes = routes;
  referral::Draft d;
  if (ApiError e; !ParseDraft(api, body, a.now_ms, &d, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto made = referral::Create(**lease, **lease, a, std::move(d));
  if (!made.ok()) {
    if (made.status().code() == Status::Code::kPermissionDenied)
      api.Audit(**lease, &c, "referral.create.denied", "referral", "", "");
    return SendError(res, FromStatus(made.status()));
  }
  api.Audit(**lease, &c, made->overridden ? "referral.create.consent_override" : "referral.create",
            "referral", std::to_string(made->id), "");
  SendJson(res, {{"id", made->id}, {"due_at", Iso(made->due_ms)}, {"overridden", made->overridden}},
           201);
}

void List(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::ReferralQuery q;
  q.side = req.get_param_value("side");
  if (!q.side.empty() && q.side != "sent" && q.side != "received")
    return SendError(res, {400, "invalid", "side: sent or received", "side"});
  q.organisation_id = c.organisation_id;
  if (req.has_param("status")) {
    q.status = store::ParseReferralStatus(req.get_param_value("status"));
    if (!q.status)
      return SendError(
          res, {400, "invalid", "status: sent, accepted, rejected, closed or withdrawn", "status"});
  }
  auto protocol = api.protocol();
  referral::Actor a = ActorOf(c, protocol.get());
  q.overdue_only = req.get_param_value("overdue") == "true";
  q.now_ms = a.now_ms;
  if (req.has_param("after")) {
    auto v = Int(req.get_param_value("after"));
    if (!v || *v < 0) return SendError(res, {400, "invalid", "after: a referral id", "after"});
    q.after_id = *v;
  }
  if (req.has_param("limit")) {
    auto l = Int(req.get_param_value("limit"));
    if (!l || *l < 1 || *l > 500)
      return SendError(res, {400, "invalid", "limit: from 1 to 500", "limit"});
    q.limit = static_cast<int>(*l);
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = referral::List(**lease, a, q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  std::string ids;
  for (const auto& v : *rows) {
    items.push_back(ReferralJson(v.rec, v.fields, a.now_ms));
    ids += (ids.empty() ? "" : ",") + std::to_string(v.rec.r.id);
  }
  api.Audit(**lease, &c, "referral.list", "referral", ids,
            std::to_string(rows->size()) + " records");
  json out = {{"items", items}, {"count", rows->size()}};
  if (static_cast<int>(rows->size()) == q.limit && !rows->empty())
    out["next"] = "/api/v1/referrals?after=" + std::to_string(rows->back().rec.r.id);
  SendJson(res, out);
}

std::optional<int64_t> PathId(const httplib::Request& req) { return Int(req.matches[1].str()); }

void Get(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = PathId(req);
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", ""});
  auto protocol = api.protocol();
  referral::Actor a = ActorOf(c, protocol.get());
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  std::vector<std::string> fields;
  auto rec = referral::Read(**lease, a, *id, &fields);
  if (!rec.ok()) return SendError(res, FromStatus(rec.status()));
  if (!rec->has_value())
    return SendError(res, {404, "not_found", "no such referral, or not visible to you", ""});
  auto events = (*lease)->ListReferralEvents(*id);
  if (!events.ok()) return SendError(res, FromStatus(events.status()));
  json j = ReferralJson(**rec, fields, a.now_ms);
  json history = json::array();
  for (const auto& e : *events)
    history.push_back({{"at", Iso(e.at_ms)},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"from", e.from_status},
                       {"to", e.to_status}});
  j["history"] = history;
  api.Audit(**lease, &c, "referral.read", "referral", std::to_string(*id), "");
  SendJson(res, j);
}

void ChangeStatus(Api& api, const referral::NoticeRoutes& routes, const httplib::Request& req,
                  httplib::Response& res, const Caller& c) {
  auto id = PathId(req);
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", ""});
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  std::string status, outcome, reason;
  if (ApiError e; !StringField(body, "status", &status, &e, 40) ||
                  !StringField(body, "outcome", &outcome, &e, 40) ||
                  !StringField(body, "reason", &reason, &e, 4000))
    return SendError(res, e);
  auto to = store::ParseReferralStatus(status);
  if (!to)
    return SendError(res,
                     {400, "invalid", "status: accepted, rejected, closed or withdrawn", "status"});
  auto protocol = api.protocol();
  referral::Actor a = ActorOf(c, protocol.get());
  a.routes = routes;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  Status st = referral::Change(**lease, a, *id, *to, outcome, reason);
  if (!st.ok()) return SendError(res, FromStatus(st));
  api.Audit(**lease, &c, std::string("referral.") + store::ReferralStatusName(*to), "referral",
            std::to_string(*id), outcome);
  SendJson(res, {{"id", *id}, {"status", store::ReferralStatusName(*to)}});
}

void WithdrawConsent(Api& api, const httplib::Request& req, httplib::Response& res,
                     const Caller& c) {
  auto id = PathId(req);
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", ""});
  auto protocol = api.protocol();
  referral::Actor a = ActorOf(c, protocol.get());
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  Status st = referral::WithdrawConsent(**lease, a, *id);
  if (!st.ok()) return SendError(res, FromStatus(st));
  api.Audit(**lease, &c, "referral.consent_withdrawn", "referral", std::to_string(*id), "");
  SendJson(res, {{"id", *id}, {"consent", "withdrawn"}});
}

// The caller's notices: to its organisation and to its role.
void Notices(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  (void)req;
  std::vector<std::string> to = {"role:" + c.user.role};
  if (!c.user.organisation_code.empty()) to.push_back("org:" + c.user.organisation_code);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListReferralNotices(to, 200);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& n : *rows)
    items.push_back({{"id", n.id},
                     {"referral_id", n.referral_id},
                     {"kind", n.kind},
                     {"recipient", n.recipient},
                     {"at", Iso(n.created_ms)}});
  SendJson(res, {{"items", items}});
}

// Escalates overdue referrals once a minute, on a connection of its own, until the server
// stops. Several server processes may run it at once: each referral is escalated once
// (ReferralStore::EscalateReferral).
// Where referral notices go beyond the in-app inbox: the routing file's [referrals] table (the
// file the alert routes read; when it cannot be read, they refuse to start the server).
referral::NoticeRoutes LoadNoticeRoutes(const ServerOptions& o) {
  const std::string path =
      o.alert_routing.empty() ? o.data_dir + "/alerts/routing.toml" : o.alert_routing;
  auto routing = alert::RoutingConfig::Load(path, o.routing_options);
  if (!routing.ok()) return {};
  auto config = std::make_shared<const alert::RoutingConfig>(std::move(*routing));
  return [config](const std::string& recipient) { return config->ReferralTargets(recipient); };
}

class Escalator {
 public:
  Escalator(std::unique_ptr<store::Store> s, referral::NoticeRoutes routes)
      : store_(std::move(s)), routes_(std::move(routes)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Escalator() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    while (!cv_.wait_for(l, std::chrono::seconds(60), [this] { return stop_; })) {
      l.unlock();
      auto n = referral::EscalateOverdue(*store_, alert::NowMs(), routes_);
      if (!n.ok())  // a Status holds no personal value; the next minute tries again
        std::fprintf(stderr, "aegis: referral escalation: %s\n", n.status().ToString().c_str());
      l.lock();
    }
  }
  std::unique_ptr<store::Store> store_;
  referral::NoticeRoutes routes_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

void AddReferralRoutes(Api& api) {
  const referral::NoticeRoutes routes = LoadNoticeRoutes(api.options());
  if (auto lease = api.pool().Acquire(); lease.ok()) {
    auto escalator = std::make_shared<Escalator>(lease->Take(), routes);
    api.AtStop([escalator] { escalator->Stop(); });
  } else {
    std::fprintf(stderr, "aegis: overdue referrals are not escalated by this process: %s\n",
                 lease.status().ToString().c_str());
  }

  using A = access::Action;
  Api* a = &api;
  api.Add("POST", "/api/v1/referrals", A::kCreate,
          [a, routes](const httplib::Request& q, httplib::Response& r, Caller* c) {
            Send(*a, routes, q, r, *c);
          });
  api.Add("GET", "/api/v1/referrals", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) { List(*a, q, r, *c); });
  api.Add(
      "GET", "/api/v1/referrals/notices", A::kReadIndividual,
      [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Notices(*a, q, r, *c); });
  api.Add("GET", "/api/v1/referrals/{id}", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Get(*a, q, r, *c); });
  api.Add("POST", "/api/v1/referrals/{id}/status", A::kUpdate,
          [a, routes](const httplib::Request& q, httplib::Response& r, Caller* c) {
            ChangeStatus(*a, routes, q, r, *c);
          });
  api.Add("POST", "/api/v1/referrals/{id}/consent/withdraw", A::kUpdate,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            WithdrawConsent(*a, q, r, *c);
          });
}

}  // namespace aegis::server
