// Record linkage routes: family tracing (cases, ranked candidates with their explanation,
// decisions) for roles that manage tracing, and duplicate incidents (candidates among the
// records the caller may read, decisions) for roles that manage duplicates. Every read of a
// tracing case and every decision is audited (ids only).
#include <chrono>
#include <cstdio>
#include <mutex>

#include "linkage/linkage.h"
#include "server/api.h"
#include "server/ops.h"
#include "store/record_states.h"
#include "util/date.h"

namespace aegis::server {

namespace {

using Req = const httplib::Request&;
using Res = httplib::Response&;

json TracingJson(const store::TracingRecord& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"organisation", r.organisation},
          {"external_id", r.external_id},
          {"name", r.name},
          {"relative_names", r.relative_names},
          {"date_of_birth", r.date_of_birth},
          {"sex", r.sex},
          {"age_min", r.age_min},
          {"age_max", r.age_max},
          {"area_pcode", r.area_pcode},
          {"consent_for_tracing", r.consent_for_tracing},
          {"status", std::string(store::Name(r.status))},
          {"updated_at", r.updated_at}};
}

// The index of registered cases, rebuilt when the store's tracing version moved: a case changed
// through any process is in the next match. Consent and status are checked again against the
// store for every candidate returned, so a withdrawn consent takes effect at once.
class TracingCache {
 public:
  explicit TracingCache(std::string data_dir) : data_dir_(std::move(data_dir)) {}
  Result<std::shared_ptr<const linkage::TracingSet>> Get(store::Store& s) {
    // Read before the records: a change made during the build moves it again.
    AEGIS_ASSIGN_OR_RETURN(int64_t version, s.TracingVersion());
    std::lock_guard<std::mutex> l(mu_);
    if (set_ && version == version_) return set_;
    if (!model_) {
      // Learned once; without the shipped pairs, tracing falls back to the rules (and says so).
      auto m = linkage::LoadTranslitModel(data_dir_);
      model_ = m.ok() ? *m : std::make_shared<const match::TranslitModel>();
      if (!m.ok())
        LogLine("error", {{"event", JsonString("tracing_without_model")},
                          {"error", JsonString(m.status().message())}});
    }
    AEGIS_ASSIGN_OR_RETURN(linkage::TracingSet fresh,
                           linkage::BuildTracingSet(s, match::TracingOptions{}, model_));
    set_ = std::make_shared<const linkage::TracingSet>(std::move(fresh));
    version_ = version;
    return set_;
  }

 private:
  std::string data_dir_;
  std::mutex mu_;
  std::shared_ptr<const match::TranslitModel> model_;
  std::shared_ptr<const linkage::TracingSet> set_;
  int64_t version_ = -1;
};

void ListTracing(Api& api, Req req, Res res, const Caller& c) {
  std::string kind = req.get_param_value("kind");
  if (!kind.empty() && kind != "registered" && kind != "request")
    return SendError(res, {400, "invalid", "kind: registered or request", "kind"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->LoadTracingRecords(kind, false);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& r : *rows) items.push_back(TracingJson(r));
  api.Audit(**lease, &c, "tracing.list", "tracing_record", IdList(*rows),
            std::to_string(rows->size()) + " records" + (kind.empty() ? "" : " (" + kind + ")"));
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

bool ParseTracing(const json& body, const Caller& c, store::TracingRecord* r, ApiError* e) {
  r->organisation = c.user.organisation_code;
  std::string status;
  if (!StringField(body, "kind", &r->kind, e, 20) ||
      !StringField(body, "organisation", &r->organisation, e, 40) ||
      !StringField(body, "external_id", &r->external_id, e, 100) ||
      !StringField(body, "name", &r->name, e, 300) ||
      !StringField(body, "relative_names", &r->relative_names, e, 600) ||
      !StringField(body, "date_of_birth", &r->date_of_birth, e, 10) ||
      !StringField(body, "sex", &r->sex, e, 6) ||
      !StringField(body, "area_pcode", &r->area_pcode, e, 20) ||
      !StringField(body, "status", &status, e, 20))
    return false;
  std::optional<int64_t> age_min, age_max;
  if (!IntField(body, "age_min", &age_min, e, -1, 130) ||
      !IntField(body, "age_max", &age_max, e, -1, 130))
    return false;
  r->age_min = static_cast<int>(age_min.value_or(-1));
  r->age_max = static_cast<int>(age_max.value_or(r->age_min));
  if (body.contains("consent_for_tracing")) {
    if (!body["consent_for_tracing"].is_boolean()) {
      *e = {400, "invalid", "consent_for_tracing: true or false", "consent_for_tracing"};
      return false;
    }
    r->consent_for_tracing = body["consent_for_tracing"].get<bool>();
  } else if (r->kind == "registered") {
    *e = {400, "invalid",
          "consent_for_tracing is required for a registered person: records without consent "
          "are never matched",
          "consent_for_tracing"};
    return false;
  }
  if (!status.empty()) {
    std::optional<store::TracingStatus> s = store::ParseTracingStatus(status);
    if (!s) {
      *e = {400, "invalid", "status: use " + store::TracingStatusList(), "status"};
      return false;
    }
    r->status = *s;
  }
  if (r->sex != "" && r->sex != "m" && r->sex != "f") {
    *e = {400, "invalid", "sex: m, f or empty", "sex"};
    return false;
  }
  if (r->organisation.empty()) {
    *e = {400, "invalid", "organisation: the organisation holding the case", "organisation"};
    return false;
  }
  return true;
}

void PutTracing(Api& api, Req req, Res res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::TracingRecord r;
  if (ApiError e; !ParseTracing(body, c, &r, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  // A case is registered and changed by its own organisation only (the kernel's rule): the
  // upsert is keyed by organisation, so it never reaches another organisation's case.
  access::Resource owner;
  auto org = api.OrganisationId(**lease, r.organisation);
  if (!org.ok()) {
    if (org.status().code() != Status::Code::kNotFound)
      return SendError(res, FromStatus(org.status()));
    return SendError(res, {400, "invalid", "organisation: no such organisation", "organisation"});
  }
  owner.organisation_id = *org;
  if (!Allowed(api, c, access::Action::kManageTracing, owner, res)) return;
  auto ids = (*lease)->PutTracingRecords({r});
  if (!ids.ok()) return SendError(res, FromStatus(ids.status()));
  api.Audit(**lease, &c, "tracing.put", "tracing_record", std::to_string(ids->front()), r.kind);
  SendJson(res, {{"id", ids->front()}}, 201);
}

json CandidateJson(const match::Candidate& cand, const store::TracingRecord& person) {
  json fields = json::array();
  for (const match::FieldExplanation& f : cand.fields)
    fields.push_back({{"field", f.column},
                      {"request", f.value_a},
                      {"registered", f.value_b},
                      {"level", f.level},
                      {"weight", f.weight}});
  return {{"registered", TracingJson(person)},
          {"band", match::BandName(cand.band)},
          {"probability", cand.probability},
          {"weight", cand.weight},
          {"fields", fields}};
}

void Candidates(Api& api, TracingCache& cache, Req req, Res res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto request =
      id ? (*lease)->GetTracingRecord(*id)
         : Result<std::optional<store::TracingRecord>>(std::optional<store::TracingRecord>());
  if (!request.ok()) return SendError(res, FromStatus(request.status()));
  if (!*request || (*request)->kind != "request")
    return SendError(res, {404, "not_found", "no tracing request with this id", ""});
  auto set = cache.Get(**lease);
  if (!set.ok()) return SendError(res, FromStatus(set.status()));
  auto ranked = linkage::MatchRequests(**lease, **set, {**request});
  if (!ranked.ok()) return SendError(res, FromStatus(ranked.status()));
  json items = json::array();
  std::string ids = std::to_string(*id);  // audited by record: the request and every candidate
  for (const match::Candidate& cand : ranked->front()) {
    auto rid = Int(cand.record_id);
    auto person = rid ? (*lease)->GetTracingRecord(*rid)
                      : Result<std::optional<store::TracingRecord>>(std::nullopt);
    if (!person.ok()) return SendError(res, FromStatus(person.status()));
    // The store has the last word: consent withdrawn or case closed since the index was built.
    if (!*person || !(*person)->consent_for_tracing ||
        (*person)->status != store::TracingStatus::kOpen)
      continue;
    items.push_back(CandidateJson(cand, **person));
    ids += "," + std::to_string((*person)->id);
  }
  api.Audit(**lease, &c, "tracing.match", "tracing_record", ids,
            "request " + std::to_string(*id) + ", " + std::to_string(items.size()) + " candidates");
  SendJson(res, {{"request", TracingJson(**request)},
                 {"items", items},
                 {"count", items.size()},
                 {"transliteration_model", (*set)->model && !(*set)->model->empty()}});
}

// Both incidents must be readable by the caller as individual records.
bool CanReadBoth(store::Store& s, const Caller& c, int64_t a, int64_t b, ApiError* e) {
  for (int64_t id : {a, b}) {
    auto r = s.GetIncident(c.scope, id);
    if (!r.ok()) {
      *e = FromStatus(r.status());
      return false;
    }
    if (!*r) {
      *e = {404, "not_found", "incident " + std::to_string(id) + " not found", ""};
      return false;
    }
  }
  return true;
}

void PutDecision(Api& api, Req req, Res res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::MatchDecision d;
  std::optional<int64_t> left, right;
  if (ApiError e; !StringField(body, "kind", &d.kind, &e, 20) ||
                  !StringField(body, "decision", &d.decision, &e, 20) ||
                  !IntField(body, "left_id", &left, &e, 1, INT64_MAX) ||
                  !IntField(body, "right_id", &right, &e, 1, INT64_MAX))
    return SendError(res, e);
  if (!left || !right)
    return SendError(res, {400, "invalid", "left_id and right_id are required", "left_id"});
  d.left_id = *left;
  d.right_id = *right;
  if (d.kind != "tracing" && d.kind != "incident")
    return SendError(res, {400, "invalid", "kind: tracing or incident", "kind"});
  if (!Allowed(
          api, c,
          d.kind == "tracing" ? access::Action::kManageTracing : access::Action::kManageDuplicates,
          {}, res))
    return;
  d.decided_by = std::to_string(c.user.id);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  if (d.kind == "incident") {
    if (ApiError e; !CanReadBoth(**lease, c, d.left_id, d.right_id, &e)) return SendError(res, e);
  } else {
    auto a = (*lease)->GetTracingRecord(d.left_id);
    auto b = (*lease)->GetTracingRecord(d.right_id);
    if (!a.ok() || !b.ok() || !*a || !*b || (*a)->kind != "request" || (*b)->kind != "registered")
      return SendError(res,
                       {404, "not_found",
                        "left_id must be a tracing request and right_id a registered person", ""});
  }
  if (Status st = (*lease)->PutMatchDecision(d); !st.ok()) return SendError(res, FromStatus(st));
  api.Audit(**lease, &c, "match." + d.decision, d.kind,
            std::to_string(d.left_id) + "," + std::to_string(d.right_id), "");
  if (d.kind == "incident") api.DataChanged();
  SendJson(res,
           {{"kind", d.kind},
            {"left_id", d.left_id},
            {"right_id", d.right_id},
            {"decision", d.decision}},
           201);
}

void Decisions(Api& api, Req req, Res res, const Caller& c) {
  std::string kind = req.get_param_value("kind");
  if (kind != "tracing" && kind != "incident")
    return SendError(res, {400, "invalid", "kind: tracing or incident", "kind"});
  if (!Allowed(
          api, c,
          kind == "tracing" ? access::Action::kManageTracing : access::Action::kManageDuplicates,
          {}, res))
    return;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListMatchDecisions(kind);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& d : *rows)
    items.push_back({{"id", d.id},
                     {"left_id", d.left_id},
                     {"right_id", d.right_id},
                     {"decision", d.decision},
                     {"decided_by", d.decided_by},
                     {"decided_at", d.decided_at}});
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

json IncidentBrief(const store::IncidentRecord& r) {
  return {{"id", r.id},
          {"source", r.source},
          {"organisation", r.organisation},
          {"date_start", r.date_start},
          {"area_pcode", r.area_pcode},
          {"risks", r.risks},
          {"killed", r.killed ? json(*r.killed) : json(nullptr)}};
}

void Duplicates(Api& api, Req req, Res res, const Caller& c) {
  store::IncidentQuery q;
  if (ApiError e; !ReadIncidentQuery(api.taxonomy(), req, &q, &e)) return SendError(res, e);
  match::IncidentDedupOptions o;
  if (req.has_param("window")) {
    auto w = Int(req.get_param_value("window"));
    if (!w || *w < 0 || *w > 31)
      return SendError(res, {400, "invalid", "window: days from 0 to 31", "window"});
    o.date_window_days = static_cast<int>(*w);
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto pairs = linkage::DuplicateCandidates(**lease, c.scope, q, o);
  if (!pairs.ok()) return SendError(res, FromStatus(pairs.status()));
  json items = json::array();
  for (const auto& p : *pairs) {
    if (items.size() >= 200) break;
    items.push_back({{"kept", IncidentBrief(p.kept)},
                     {"duplicate", IncidentBrief(p.duplicate)},
                     {"score", p.score},
                     {"reasons", p.reasons}});
  }
  // By record: both incidents of every pair shown.
  std::string ids;
  for (const auto& item : items)
    for (const char* side : {"kept", "duplicate"})
      ids += (ids.empty() ? "" : ",") + std::to_string(item[side]["id"].get<int64_t>());
  api.Audit(**lease, &c, "incident.duplicates", "incident", ids,
            std::to_string(items.size()) + " pairs");
  SendJson(res, {{"items", items}, {"count", items.size()}, {"total", pairs->size()}});
}

}  // namespace

void AddMatchRoutes(Api& api) {
  Api* a = &api;
  using A = access::Action;
  auto cache = std::make_shared<TracingCache>(api.options().data_dir);
  api.Add("GET", "/api/v1/tracing/records", A::kManageTracing,
          [a](Req q, Res r, Caller* c) { ListTracing(*a, q, r, *c); });
  api.Add("POST", "/api/v1/tracing/records", A::kManageTracing,
          [a](Req q, Res r, Caller* c) { PutTracing(*a, q, r, *c); });
  api.Add("GET", "/api/v1/tracing/records/{id}/candidates", A::kManageTracing,
          [a, cache](Req q, Res r, Caller* c) { Candidates(*a, *cache, q, r, *c); });
  // Tracing or duplicate decisions by the body's kind: the handler asks for that kind's action.
  api.Add("POST", "/api/v1/match-decisions", A::kSignedIn,
          [a](Req q, Res r, Caller* c) { PutDecision(*a, q, r, *c); });
  api.Add("GET", "/api/v1/match-decisions", A::kSignedIn,
          [a](Req q, Res r, Caller* c) { Decisions(*a, q, r, *c); });
  api.Add("GET", "/api/v1/duplicates/incidents", A::kManageDuplicates,
          [a](Req q, Res r, Caller* c) { Duplicates(*a, q, r, *c); });
}

}  // namespace aegis::server
