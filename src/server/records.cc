// Routes of individual records: incidents and monitoring reports. Every read goes through the
// store's scoped reads with the caller's scope; a hidden record answers 404 like a missing one.
#include <algorithm>
#include <cstdio>

#include "ingest/importer.h"
#include "security/tokens.h"
#include "server/api.h"
#include "util/text.h"

namespace aegis::server {

namespace {

void AppendNumber(std::string& out, const char* name, const std::optional<double>& v) {
  out += ",\"";
  out += name;
  out += "\":";
  if (!v) {
    out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", *v);
  out += buf;
}

// An incident as JSON, written directly: list pages are the hottest path of the API, and a
// document tree per record cost more than the query (measured with perf under wrk).
void AppendIncidentJson(std::string& out, const store::IncidentRecord& r) {
  auto field = [&](const char* name, std::string_view v) {
    out += ",\"";
    out += name;
    out += "\":";
    AppendJsonString(out, v);
  };
  auto count = [&](const char* name, const std::optional<int64_t>& v) {
    out += ",\"";
    out += name;
    out += "\":";
    out += v ? std::to_string(*v) : "null";
  };
  out += "{\"id\":" + std::to_string(r.id);
  field("source", r.source);
  field("source_key", r.source_key);
  field("date_start", r.date_start);
  field("date_end", r.date_end);
  field("area_pcode", r.area_pcode);
  out += ",\"risks\":[";
  for (size_t i = 0; i < r.risks.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, r.risks[i]);
  }
  out.push_back(']');
  field("event_type", r.event_type);
  field("act_type", r.act_type);
  field("perpetrator", r.perpetrator);
  field("organisation", r.organisation);
  field("source_type", r.source_type);
  field("verification", r.verification);
  field("sensitivity", r.sensitivity);
  field("narrative", r.narrative);
  field("contact", r.contact);
  AppendNumber(out, "lat", r.lat);
  AppendNumber(out, "lon", r.lon);
  count("killed", r.killed);
  count("injured", r.injured);
  if (r.duplicate_of) out += ",\"duplicate_of\":" + std::to_string(r.duplicate_of);
  out.push_back('}');
}

// Filters shared by the list routes: area, from, to, organisation, after, limit.
bool ReadPage(const httplib::Request& req, std::string* area, std::string* from, std::string* to,
              std::string* organisation, int64_t* after, int* limit, ApiError* e) {
  *area = req.get_param_value("area");
  *from = req.get_param_value("from");
  *to = req.get_param_value("to");
  *organisation = req.get_param_value("organisation");
  for (const auto* d : {from, to}) {
    if (std::string why; !d->empty() && !IsIsoDate(*d, &why)) {
      *e = {400, "invalid", why, d == from ? "from" : "to"};
      return false;
    }
  }
  if (req.has_param("after")) {
    auto v = Int(req.get_param_value("after"));
    if (!v || *v < 0) {
      *e = {400, "invalid", "after must be a whole number", "after"};
      return false;
    }
    *after = *v;
  }
  if (req.has_param("limit")) {
    auto v = Int(req.get_param_value("limit"));
    if (!v || *v < 1 || *v > 1000) {
      *e = {400, "invalid", "limit must be a whole number from 1 to 1000", "limit"};
      return false;
    }
    *limit = static_cast<int>(*v);
  }
  return true;
}

std::string ReadDetail(const Caller& c) { return c.break_glass_until.empty() ? "" : "break-glass"; }

void ListIncidents(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::IncidentQuery q;
  if (ApiError e; !ReadIncidentQuery(api.taxonomy(), req, &q, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListIncidents(c.scope, q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  std::string body = "{\"items\":[";
  body.reserve(rows->size() * 600 + 64);
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body.push_back(',');
    AppendIncidentJson(body, (*rows)[i]);
  }
  body += "],\"count\":" + std::to_string(rows->size());
  if (static_cast<int>(rows->size()) == q.limit && !rows->empty())
    body += ",\"next\":\"/api/v1/incidents?after=" + std::to_string(rows->back().id) + "\"";
  body += "}";
  // Audited by record: every id read, not a range (a range names records that were not read).
  std::string ids = IdList(*rows);
  api.Audit(**lease, &c, "incident.list", "incident", ids,
            std::to_string(rows->size()) + " records" +
                (c.break_glass_until.empty() ? "" : ", break-glass"));
  res.set_content(body, "application/json");
}

bool ParseIncident(Api& api, const json& body, const Caller& c, store::Incident* inc, ApiError* e) {
  for (const char* f : {"date_start", "area_pcode"}) {
    if (!body.contains(f)) {
      *e = {400, "invalid", std::string(f) + " is required", f};
      return false;
    }
  }
  std::string sens = "internal";
  std::optional<int64_t> killed, injured;
  if (!StringField(body, "source_key", &inc->source_key, e) ||
      !StringField(body, "date_start", &inc->date_start, e) ||
      !StringField(body, "date_end", &inc->date_end, e) ||
      !StringField(body, "area_pcode", &inc->place.pcode, e) ||
      !StringField(body, "act_type", &inc->act_type, e) ||
      !StringField(body, "perpetrator", &inc->perpetrator, e) ||
      !StringField(body, "sensitivity", &sens, e) ||
      !StringField(body, "narrative", &inc->narrative, e) ||
      !StringField(body, "contact", &inc->contact, e, 500) ||
      !IntField(body, "killed", &inc->killed, e, 0, 1000000) ||
      !IntField(body, "injured", &inc->injured, e, 0, 1000000))
    return false;
  // Consent as captured by the form: to share the record beyond the reporting organisation, to
  // refer the survivor to services, to trace family. Absent = not asked.
  for (auto [name, out] : {std::pair{"consent_share", &inc->consent_share},
                           std::pair{"consent_referral", &inc->consent_referral},
                           std::pair{"consent_tracing", &inc->consent_tracing}}) {
    if (!body.contains(name) || body[name].is_null()) continue;
    if (!body[name].is_boolean()) {
      *e = {400, "invalid", std::string(name) + ": true or false", name};
      return false;
    }
    *out = body[name].get<bool>();
  }
  if (body.contains("location") && !body["location"].is_null()) {
    const json& l = body["location"];
    if (!l.is_object() || !l.contains("lat") || !l.contains("lon") || !l["lat"].is_number() ||
        !l["lon"].is_number() || std::abs(l["lat"].get<double>()) > 90 ||
        std::abs(l["lon"].get<double>()) > 180) {
      *e = {400, "invalid", "location: {\"lat\": -90..90, \"lon\": -180..180} in WGS84 degrees",
            "location"};
      return false;
    }
    inc->lat = l["lat"].get<double>();
    inc->lon = l["lon"].get<double>();
  }
  if (inc->date_end.empty()) inc->date_end = inc->date_start;
  for (const auto* d : {&inc->date_start, &inc->date_end}) {
    if (std::string why; !IsIsoDate(*d, &why)) {
      *e = {400, "invalid", why, d == &inc->date_start ? "date_start" : "date_end"};
      return false;
    }
  }
  if (inc->date_end < inc->date_start) {
    *e = {400, "invalid", "date_end is before date_start", "date_end"};
    return false;
  }
  int level = api.AreaLevel(inc->place.pcode);
  if (level < 0) {
    *e = {400, "invalid", "area_pcode: unknown P-code; see /api/v1/areas", "area_pcode"};
    return false;
  }
  inc->place.level = level;
  inc->place.method = "pcode";
  inc->place.confidence = 1;
  if (!body.contains("risks") || !body["risks"].is_array() || body["risks"].empty()) {
    *e = {400, "invalid", "risks: a non-empty list of risk codes or labels", "risks"};
    return false;
  }
  for (const auto& r : body["risks"]) {
    const taxonomy::Risk* risk =
        r.is_string() ? api.taxonomy().FindRisk(r.get<std::string>()) : nullptr;
    if (!risk) {
      *e = {400, "invalid", "risks: not one of the 15 protection risks", "risks"};
      return false;
    }
    inc->risks.push_back(risk->code);
  }
  std::optional<std::string> sn = api.taxonomy().NormalizeTerm("sensitivity", sens);
  if (!sn) {
    *e = {400, "invalid", "sensitivity: public, internal, confidential or strictly_confidential",
          "sensitivity"};
    return false;
  }
  inc->sensitivity = *sn;
  if (inc->perpetrator.empty()) inc->perpetrator = "unknown";
  // A category, kept in clear: never a free text (which could name a person).
  if (auto term = api.taxonomy().NormalizeTerm(taxonomy::kPerpetratorCategory, inc->perpetrator)) {
    inc->perpetrator = *term;
  } else {
    *e = {400, "invalid",
          "perpetrator: a perpetrator category (state_forces, non_state_armed_group, militia, "
          "criminal, community_member, family_member, intimate_partner, aid_worker, multiple, "
          "unknown, other; see aegis taxonomy)",
          "perpetrator"};
    return false;
  }
  if (!inc->act_type.empty() && !api.taxonomy().NormalizeTerm("act_type", inc->act_type)) {
    *e = {400, "invalid", "act_type: not in the act vocabulary (see aegis taxonomy)", "act_type"};
    return false;
  }
  if (inc->source_key.empty()) inc->source_key = security::RandomToken().substr(0, 22);
  inc->content_hash = text::Hash64(body.dump());
  inc->organisation_code = c.user.organisation_code;
  inc->source_type = "direct_monitoring";
  return true;
}

}  // namespace

Result<int64_t> ApiSource(store::Store& s, const Caller& c) {
  std::string code = ingest::OrganisationSourceCode("api", c.user.organisation_code);
  return s.EnsureDataSource(
      {0, code, "entered in Aegis", "manual", c.user.organisation_code, "direct_monitoring"});
}

namespace {

void CreateIncident(Api& api, const httplib::Request& req, httplib::Response& res,
                    const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::Incident inc;
  if (ApiError e; !ParseIncident(api, body, c, &inc, &e)) return SendError(res, e);
  // The record's class comes from its content (a GBV risk or act: gbv; recruitment: child).
  access::Resource r;
  r.record_class = store::ClassOf(inc);
  r.sensitivity = store::SensitivityRank(inc.sensitivity).value_or(access::kStrictestRank);
  r.organisation_id = c.organisation_id;
  if (r.sensitivity < access::MinimumRank(r.record_class))
    return SendError(res, {400, "invalid",
                           std::string("sensitivity: ") + access::ClassName(r.record_class) +
                               " records are at least " +
                               access::SensitivityName(access::MinimumRank(r.record_class)),
                           "sensitivity"});
  if (!Allowed(api, c, access::Action::kCreate, r, res)) return;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto src = ApiSource(**lease, c);
  if (!src.ok()) return SendError(res, FromStatus(src.status()));
  auto id = (*lease)->CreateIncident(inc, *src);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.Audit(**lease, &c, "incident.create", "incident", std::to_string(*id), "");
  api.DataChanged();
  SendJson(res, {{"id", *id}, {"source_key", inc.source_key}}, 201);
}

void GetIncident(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto r = (*lease)->GetIncident(c.scope, *id);
  if (!r.ok()) return SendError(res, FromStatus(r.status()));
  if (!r->has_value())
    return SendError(res, {404, "not_found", "no such incident, or not visible to you", ""});
  api.Audit(**lease, &c, "incident.read", "incident", std::to_string(*id), ReadDetail(c));
  std::string body;
  AppendIncidentJson(body, **r);
  res.set_content(body, "application/json");
}

json ReportJson(const store::ReportRecord& r) {
  json answers = json::array();
  for (const auto& a : r.answers) {
    json j = {{"risk", a.risk}};
    j["present"] = a.present ? json(*a.present) : json(nullptr);
    j["severity"] = a.severity ? json(*a.severity) : json(nullptr);
    answers.push_back(std::move(j));
  }
  return {{"id", r.id},
          {"source", r.source},
          {"source_key", r.source_key},
          {"period_start", r.period_start},
          {"period_end", r.period_end},
          {"area_pcode", r.area_pcode},
          {"respondent_type", r.respondent_type},
          {"organisation", r.organisation},
          {"answers", answers}};
}

void ListReports(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  store::ReportQuery q;
  if (ApiError e;
      !ReadPage(req, &q.area, &q.from, &q.to, &q.organisation, &q.after_id, &q.limit, &e))
    return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListReports(c.scope, q);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& r : *rows) items.push_back(ReportJson(r));
  json out = {{"items", items}, {"count", rows->size()}};
  if (static_cast<int>(rows->size()) == q.limit && !rows->empty())
    out["next"] = "/api/v1/monitoring-reports?after=" + std::to_string(rows->back().id);
  std::string ids = IdList(*rows);
  api.Audit(**lease, &c, "report.list", "monitoring_report", ids,
            std::to_string(rows->size()) + " records");
  SendJson(res, out);
}

void GetReport(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto r = (*lease)->GetReport(c.scope, *id);
  if (!r.ok()) return SendError(res, FromStatus(r.status()));
  if (!r->has_value())
    return SendError(res, {404, "not_found", "no such report, or not visible to you", ""});
  api.Audit(**lease, &c, "report.read", "monitoring_report", std::to_string(*id), ReadDetail(c));
  SendJson(res, ReportJson(**r));
}

bool ParseReport(Api& api, const json& body, const Caller& c, store::MonitoringReport* r,
                 ApiError* e) {
  for (const char* f : {"period_start", "area_pcode", "answers"}) {
    if (!body.contains(f)) {
      *e = {400, "invalid", std::string(f) + " is required", f};
      return false;
    }
  }
  if (!StringField(body, "source_key", &r->source_key, e) ||
      !StringField(body, "period_start", &r->period_start, e) ||
      !StringField(body, "period_end", &r->period_end, e) ||
      !StringField(body, "area_pcode", &r->place.pcode, e) ||
      !StringField(body, "respondent_type", &r->respondent_type, e, 40))
    return false;
  if (r->period_end.empty()) r->period_end = r->period_start;
  for (const auto* d : {&r->period_start, &r->period_end}) {
    if (std::string why; !IsIsoDate(*d, &why)) {
      *e = {400, "invalid", why, d == &r->period_start ? "period_start" : "period_end"};
      return false;
    }
  }
  if (r->period_end < r->period_start) {
    *e = {400, "invalid", "period_end is before period_start", "period_end"};
    return false;
  }
  if (r->respondent_type != "key_informant" && r->respondent_type != "area" &&
      r->respondent_type != "household") {
    *e = {400, "invalid", "respondent_type: key_informant, area or household", "respondent_type"};
    return false;
  }
  r->place.level = api.AreaLevel(r->place.pcode);
  if (r->place.level < 0) {
    *e = {400, "invalid", "area_pcode: unknown P-code; see /api/v1/areas", "area_pcode"};
    return false;
  }
  r->place.method = "pcode";
  r->place.confidence = 1;
  const json& answers = body["answers"];
  if (!answers.is_array() || answers.empty() || answers.size() > 64) {
    *e = {400, "invalid", "answers: a list of {risk, present, severity}", "answers"};
    return false;
  }
  for (const json& a : answers) {
    const taxonomy::Risk* risk = a.is_object() && a.contains("risk") && a["risk"].is_string()
                                     ? api.taxonomy().FindRisk(a["risk"].get<std::string>())
                                     : nullptr;
    if (!risk) {
      *e = {400, "invalid", "answers: each needs a risk, one of the 15 protection risks",
            "answers"};
      return false;
    }
    store::RiskAnswer ans;
    ans.risk = risk->code;
    if (a.contains("present") && !a["present"].is_null()) {
      if (!a["present"].is_boolean()) {
        *e = {400, "invalid", "answers: present is true, false or null", "answers"};
        return false;
      }
      ans.present = a["present"].get<bool>();
    }
    std::optional<int64_t> sev;
    if (!IntField(a, "severity", &sev, e, 1, 5)) {
      e->field = "answers";
      return false;
    }
    if (sev) ans.severity = static_cast<int>(*sev);
    r->answers.push_back(ans);
  }
  if (r->source_key.empty()) r->source_key = security::RandomToken().substr(0, 22);
  r->content_hash = text::Hash64(body.dump());
  r->organisation_code = c.user.organisation_code;
  return true;
}

void CreateReport(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::MonitoringReport r;
  if (ApiError e; !ParseReport(api, body, c, &r, &e)) return SendError(res, e);
  access::Resource what;
  what.record_class = store::RecordClass::kMonitoring;
  what.organisation_id = c.organisation_id;
  if (!Allowed(api, c, access::Action::kCreate, what, res)) return;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto src = ApiSource(**lease, c);
  if (!src.ok()) return SendError(res, FromStatus(src.status()));
  auto id = (*lease)->CreateReport(r, *src);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.Audit(**lease, &c, "report.create", "monitoring_report", std::to_string(*id), "");
  api.DataChanged();
  SendJson(res, {{"id", *id}, {"source_key", r.source_key}}, 201);
}

}  // namespace

bool ReadIncidentQuery(const taxonomy::Taxonomy& tax, const httplib::Request& req,
                       store::IncidentQuery* q, ApiError* e) {
  if (!ReadPage(req, &q->area, &q->from, &q->to, &q->organisation, &q->after_id, &q->limit, e))
    return false;
  q->risk = req.get_param_value("risk");
  if (!q->risk.empty()) {
    const taxonomy::Risk* r = tax.FindRisk(q->risk);
    if (!r) {
      *e = {400, "invalid", "risk: not one of the 15 risks (see aegis taxonomy)", "risk"};
      return false;
    }
    q->risk = r->code;
  }
  return true;
}

void AddRecordRoutes(Api& api) {
  Api* a = &api;
  using A = access::Action;
  api.Add("GET", "/api/v1/incidents", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            ListIncidents(*a, q, r, *c);
          });
  api.Add("POST", "/api/v1/incidents", A::kCreate,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            CreateIncident(*a, q, r, *c);
          });
  api.Add("GET", "/api/v1/incidents/{id}", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            GetIncident(*a, q, r, *c);
          });
  api.Add("GET", "/api/v1/monitoring-reports", A::kReadIndividual,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            ListReports(*a, q, r, *c);
          });
  api.Add("POST", "/api/v1/monitoring-reports", A::kCreate,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            CreateReport(*a, q, r, *c);
          });
  api.Add(
      "GET", "/api/v1/monitoring-reports/{id}", A::kReadIndividual,
      [a](const httplib::Request& q, httplib::Response& r, Caller* c) { GetReport(*a, q, r, *c); });
}

}  // namespace aegis::server
