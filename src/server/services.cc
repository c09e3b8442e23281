// The service directory over the API: list, detail, entry and change of services, and the
// coverage of areas by service type (the gap map's counts). Every route asks the authorization
// kernel for the record class `service`; a partner changes its own organisation's entries only.
#include "access/decision.h"
#include "security/tokens.h"
#include "server/api.h"
#include "services/directory.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

json ServiceJson(const store::ServiceRecord& r, bool personal) {
  const store::Service& s = r.s;
  json j = {{"id", s.id},
            {"source_key", s.source_key},
            {"organisation", s.organisation_code},
            {"provider", s.provider},
            {"provider_name", s.provider_name},
            {"provider_type", s.provider_type},
            {"service_type", s.service_type},
            {"name", s.name},
            {"pcodes", s.pcodes},
            {"modality", s.modality},
            {"groups_served", s.groups},
            {"languages", s.languages},
            {"hours", s.hours},
            {"accepts_referrals", s.accepts_referrals},
            {"gbv_specialised", s.gbv_specialised},
            {"status", s.status},
            {"assured_date", s.assured_date},
            {"sensitivity", s.sensitivity},
            {"updated_at", r.updated_at}};
  if (personal) j["contact"] = s.contact;
  return j;
}

// The kernel's resource for a stored or proposed entry.
access::Resource ServiceResource(const store::Service& s, int64_t organisation_id) {
  access::Resource r;
  r.record_class = store::RecordClass::kService;
  r.sensitivity = store::SensitivityRank(s.sensitivity).value_or(access::kStrictestRank);
  r.organisation_id = organisation_id;
  return r;
}

bool ReadList(const json& body, const char* name, const char* vocab, Api& api,
              std::vector<std::string>* out, ApiError* e) {
  if (!body.contains(name)) return true;
  const json& v = body[name];
  if (!v.is_array() || v.size() > 64) {
    *e = {400, "invalid", std::string(name) + ": a list of at most 64 values", name};
    return false;
  }
  for (const auto& x : v) {
    if (!x.is_string() || x.get<std::string>().size() > 64) {
      *e = {400, "invalid", std::string(name) + ": each value is a short text", name};
      return false;
    }
    std::string val = x.get<std::string>();
    if (vocab) {
      auto id = api.taxonomy().NormalizeTerm(vocab, val);
      if (!id) {
        *e = {400, "invalid",
              std::string(name) + ": " + text::QuoteIfCode(val, "a value") +
                  " is not known; see data/taxonomy/vocabularies.json " + vocab,
              name};
        return false;
      }
      val = *id;
    }
    out->push_back(std::move(val));
  }
  return true;
}

bool ReadTerm(Api& api, const json& body, const char* name, const char* vocab,
              const std::string& fallback, std::string* out, ApiError* e) {
  std::string v;
  if (!StringField(body, name, &v, e, 200)) return false;
  if (v.empty()) {
    *out = fallback;
    if (!fallback.empty()) return true;
    *e = {400, "invalid", std::string(name) + " is required", name};
    return false;
  }
  auto id = api.taxonomy().NormalizeTerm(vocab, v);
  if (!id) {
    *e = {400, "invalid",
          std::string(name) + ": " + text::QuoteIfCode(v, "the value") +
              " is not known; see data/taxonomy/vocabularies.json " + vocab,
          name};
    return false;
  }
  *out = *id;
  return true;
}

bool ParseService(Api& api, const json& body, store::Service* s, ApiError* e) {
  if (!ReadTerm(api, body, "service_type", "service_type", "", &s->service_type, e) ||
      !ReadTerm(api, body, "modality", "service_modality", "static", &s->modality, e) ||
      !ReadTerm(api, body, "status", "service_status", "active", &s->status, e) ||
      !ReadTerm(api, body, "sensitivity", "sensitivity", "internal", &s->sensitivity, e))
    return false;
  for (auto [name, field] : {std::pair{"provider", &s->provider},
                             {"provider_name", &s->provider_name},
                             {"provider_type", &s->provider_type},
                             {"name", &s->name},
                             {"hours", &s->hours},
                             {"contact", &s->contact},
                             {"source_key", &s->source_key}})
    if (!StringField(body, name, field, e, 500)) return false;
  if (!StringField(body, "assured_date", &s->assured_date, e, 10)) return false;
  std::string why;
  if (!s->assured_date.empty() && !IsIsoDate(s->assured_date, &why)) {
    *e = {400, "invalid", "assured_date: " + why, "assured_date"};
    return false;
  }
  if (!ReadList(body, "pcodes", nullptr, api, &s->pcodes, e) ||
      !ReadList(body, "groups_served", "service_group", api, &s->groups, e) ||
      !ReadList(body, "languages", nullptr, api, &s->languages, e))
    return false;
  if (s->pcodes.empty()) {
    *e = {400, "invalid", "pcodes: give at least one area the service covers", "pcodes"};
    return false;
  }
  for (const std::string& p : s->pcodes)
    if (api.AreaLevel(p) < 0) {
      *e = {400, "invalid",
            "pcodes: " + text::QuoteIfCode(p, "a value") +
                " is not a known P-code; see /api/v1/areas",
            "pcodes"};
      return false;
    }
  for (auto [name, field] : {std::pair{"accepts_referrals", &s->accepts_referrals},
                             {"gbv_specialised", &s->gbv_specialised}}) {
    if (!body.contains(name)) continue;
    if (!body[name].is_boolean()) {
      *e = {400, "invalid", std::string(name) + ": true or false", name};
      return false;
    }
    *field = body[name].get<bool>();
  }
  if (!body.contains("gbv_specialised")) s->gbv_specialised = s->service_type == "gbv";
  // A GBV-specialised service is at least confidential (the kernel's rule).
  s->sensitivity = access::SensitivityName(
      access::ServiceRank(s->gbv_specialised, store::SensitivityRank(s->sensitivity).value_or(3)));
  if (s->provider.empty() && s->provider_name.empty()) {
    *e = {400, "invalid", "provider: give the provider's acronym or name", "provider"};
    return false;
  }
  return true;
}

}  // namespace

bool ReadServiceQuery(Api& api, const httplib::Request& req, store::ServiceQuery* q, ApiError* e) {
  q->area = req.get_param_value("area");
  q->organisation = req.get_param_value("organisation");
  q->active_only = req.get_param_value("active") == "true";
  if (!q->area.empty() && api.AreaLevel(q->area) < 0) {
    *e = {400, "invalid", "area: unknown P-code; see /api/v1/areas", "area"};
    return false;
  }
  const std::string type = req.get_param_value("type");
  if (!type.empty()) {
    auto id = api.taxonomy().NormalizeTerm("service_type", type);
    if (!id) {
      *e = {400, "invalid",
            "type: not a service type; see data/taxonomy/vocabularies.json service_type", "type"};
      return false;
    }
    q->service_type = *id;
  }
  return true;
}

namespace {

void List(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::ServiceQuery q;
  if (ApiError e; !ReadServiceQuery(api, req, &q, &e)) return SendError(res, e);
  if (req.has_param("after")) {
    auto a = Int(req.get_param_value("after"));
    if (!a || *a < 0) return SendError(res, {400, "invalid", "after: a record id", "after"});
    q.after_id = *a;
  }
  if (req.has_param("limit")) {
    auto l = Int(req.get_param_value("limit"));
    if (!l || *l < 1 || *l > 1000)
      return SendError(res, {400, "invalid", "limit: from 1 to 1000", "limit"});
    q.limit = static_cast<int>(*l);
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListServices(c.scope, q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& r : *rows) {
    const bool personal =
        Decide(api, c, access::Action::kReadIndividual, ServiceResource(r.s, r.organisation_id))
            .personal_fields;
    items.push_back(ServiceJson(r, personal));
  }
  json out = {{"items", items}, {"count", rows->size()}};
  if (static_cast<int>(rows->size()) == q.limit && !rows->empty())
    out["next"] = "/api/v1/services?after=" + std::to_string(rows->back().s.id);
  std::string ids;
  for (const auto& r : *rows) ids += (ids.empty() ? "" : ",") + std::to_string(r.s.id);
  api.Audit(**lease, &c, "service.list", "service", ids, std::to_string(rows->size()) + " records");
  SendJson(res, out);
}

// The entry of the path's {id} that the caller may read (none when hidden).
Result<std::optional<store::ServiceRecord>> Find(store::Store& s, const Caller& c,
                                                 const httplib::Request& req, int64_t* id) {
  auto v = Int(req.matches[1].str());
  if (!v) return Status::InvalidArgument("the id must be a number");
  *id = *v;
  return s.GetService(c.scope, *v);
}

void Get(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  int64_t id = 0;
  auto r = Find(**lease, c, req, &id);
  if (!r.ok()) return SendError(res, FromStatus(r.status()));
  if (!r->has_value())
    return SendError(res, {404, "not_found", "no such service, or not visible to you", ""});
  access::Decision d = Decide(api, c, access::Action::kReadIndividual,
                              ServiceResource((*r)->s, (*r)->organisation_id));
  api.Audit(**lease, &c, "service.read", "service", std::to_string(id), "");
  SendJson(res, ServiceJson(**r, d.personal_fields));
}

void Create(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::Service s;
  if (ApiError e; !ParseService(api, body, &s, &e)) return SendError(res, e);
  if (!Allowed(api, c, access::Action::kCreate, ServiceResource(s, c.organisation_id), res)) return;
  s.organisation_code = c.user.organisation_code;
  if (s.source_key.empty()) s.source_key = security::RandomToken().substr(0, 22);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto src = ApiSource(**lease, c);
  if (!src.ok()) return SendError(res, FromStatus(src.status()));
  auto id = (*lease)->CreateService(s, *src);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.Audit(**lease, &c, "service.create", "service", std::to_string(*id), "");
  SendJson(res, {{"id", *id}, {"source_key", s.source_key}, {"sensitivity", s.sensitivity}}, 201);
}

void Update(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::Service s;
  if (ApiError e; !ParseService(api, body, &s, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  int64_t id = 0;
  auto old = Find(**lease, c, req, &id);
  if (!old.ok()) return SendError(res, FromStatus(old.status()));
  if (!old->has_value())
    return SendError(res, {404, "not_found", "no such service, or not visible to you", ""});
  // Both the entry as it is and as it would be: a partner changes its own entries only, and
  // cannot lift one above what it may write.
  const int64_t owner = (*old)->organisation_id;
  if (!Allowed(api, c, access::Action::kUpdate, ServiceResource((*old)->s, owner), res) ||
      !Allowed(api, c, access::Action::kUpdate, ServiceResource(s, owner), res))
    return;
  auto st = (*lease)->UpdateService(id, s);
  if (!st.ok()) return SendError(res, FromStatus(st));
  api.Audit(**lease, &c, "service.update", "service", std::to_string(id), "");
  SendJson(res, {{"id", id}, {"sensitivity", s.sensitivity}});
}

// Where to refer a person in `area` who needs a service of `type`: active services accepting
// referrals that cover the area, nearest level first, each marked confirmed or not.
void Recipients(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string area = req.get_param_value("area"), type = req.get_param_value("type");
  if (area.empty() || api.AreaLevel(area) < 0)
    return SendError(res, {400, "invalid", "area: the P-code of the person's area", "area"});
  if (type.empty() || !api.taxonomy().NormalizeTerm("service_type", type))
    return SendError(
        res, {400, "invalid", "type: a service_type of data/taxonomy/vocabularies.json", "type"});
  const std::string t = *api.taxonomy().NormalizeTerm("service_type", type);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = services::Recipients(**lease, c.scope, area, t, TodayUtc());
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  std::string ids;
  for (const auto& r : *rows) {
    const bool personal = Decide(api, c, access::Action::kReadIndividual,
                                 ServiceResource(r.service.s, r.service.organisation_id))
                              .personal_fields;
    json j = ServiceJson(r.service, personal);
    j["distance"] = r.distance;
    j["confirmed"] = r.confirmed;
    items.push_back(std::move(j));
    ids += (ids.empty() ? "" : ",") + std::to_string(r.service.s.id);
  }
  api.Audit(**lease, &c, "service.recipients", "service", ids,
            std::to_string(rows->size()) + " records");
  SendJson(res, {{"area", area}, {"service_type", t}, {"items", items}});
}

// Per area of a level and service type: the active entries covering it (0 where none).
void Coverage(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  int level = 2;
  if (req.has_param("level")) {
    auto l = Int(req.get_param_value("level"));
    if (!l || *l < 0 || *l > 5) return SendError(res, {400, "invalid", "level: 0 to 5", "level"});
    level = static_cast<int>(*l);
  }
  const std::string type = req.get_param_value("type");
  const std::string country = req.get_param_value("country");
  if (country.size() > 3) return SendError(res, {400, "invalid", "country: ISO3", "country"});
  store::AccessScope scope = c.scope;
  const int cls = static_cast<int>(store::RecordClass::kService);
  scope.max_rank[cls] =
      access::AggregateRank(*api.protocol(), c.subject, store::RecordClass::kService);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->Coverage(scope, level, country);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  int64_t without = 0;
  for (const auto& r : *rows) {
    if (!type.empty() && r.service_type != type) continue;
    without += r.services == 0 ? 1 : 0;
    items.push_back({{"pcode", r.pcode},
                     {"service_type", r.service_type},
                     {"services", r.services},
                     {"providers", r.providers}});
  }
  api.Audit(**lease, &c, "service.coverage", "service", type, "level " + std::to_string(level));
  SendJson(res, {{"level", level}, {"items", items}, {"areas_without", without}});
}

}  // namespace

void AddServiceRoutes(Api& api) {
  using A = access::Action;
  Api* a = &api;
  api.Add("GET", "/api/v1/services", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) { List(*a, q, r, *c); });
  api.Add(
      "POST", "/api/v1/services", A::kCreate,
      [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Create(*a, q, r, *c); });
  api.Add(
      "GET", "/api/v1/services/coverage", A::kReadAggregate,
      [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Coverage(*a, q, r, *c); });
  api.Add("GET", "/api/v1/services/recipients", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            Recipients(*a, q, r, *c);
          });
  api.Add("GET", "/api/v1/services/{id}", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Get(*a, q, r, *c); });
  api.Add(
      "PUT", "/api/v1/services/{id}", A::kUpdate,
      [a](const httplib::Request& q, httplib::Response& r, Caller* c) { Update(*a, q, r, *c); });
}

}  // namespace aegis::server
