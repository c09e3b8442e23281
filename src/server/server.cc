// The HTTP layer: cpp-httplib with TCP_NODELAY and a larger pool (deps.md pitfalls), one store
// connection per request from a pool, authentication, CSRF, security headers, one error shape.
#include "server/server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <semaphore>

#include "access/audit.h"
#include "access/protocol.h"
#include "analysis/analysis.h"
#include "security/keyring.h"
#include "security/password.h"
#include "security/tokens.h"
#include "server/openapi.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

using json = nlohmann::ordered_json;

// Store connections, one per concurrent request (a SQLite connection is not shared by threads).
class StorePool {
 public:
  explicit StorePool(std::string url) : url_(std::move(url)) {}
  struct Lease {
    Lease(StorePool* p, std::unique_ptr<store::Store> st) : pool(p), s(std::move(st)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    StorePool* pool;
    std::unique_ptr<store::Store> s;
    ~Lease() {
      if (s) pool->Release(std::move(s));
    }
    store::Store* operator->() { return s.get(); }
    store::Store& operator*() { return *s; }
  };
  Result<Lease> Acquire() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!free_.empty()) {
        Lease lease{this, std::move(free_.back())};
        free_.pop_back();
        return lease;
      }
    }
    store::StoreOptions o;
    o.create_if_missing = false;
    o.migrate = false;
    AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Store::Open(url_, o));
    return Lease{this, std::move(s)};
  }
  void Release(std::unique_ptr<store::Store> s) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(std::move(s));
  }

 private:
  std::string url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::Store>> free_;
};

// An API error: HTTP status, a stable code, a message that says what to do, the field at fault.
struct ApiError {
  int status = 400;
  std::string code, message, field;
};

void SendError(httplib::Response& res, const ApiError& e) {
  json j;
  j["error"] = {{"code", e.code}, {"message", e.message}, {"field", e.field}};
  res.status = e.status;
  res.set_content(j.dump(), "application/json");
}

void SendJson(httplib::Response& res, const json& j, int status = 200) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

ApiError FromStatus(const Status& st) {
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return {400, "invalid", st.message(), ""};
    case Status::Code::kNotFound:
      return {404, "not_found", st.message(), ""};
    case Status::Code::kAlreadyExists:
      return {409, "conflict", st.message(), ""};
    default:
      // Internal details (paths, SQL) are not sent to the client.
      return {500, "internal", "the server could not complete the request; it has been logged", ""};
  }
}

struct Caller {
  store::User user;
  int64_t organisation_id = 0;
  store::AccessScope scope;
  std::string session_digest;  // "" for token callers
};

// A YYYY-MM-DD date that exists; else false with the reason in `why`.
bool IsIsoDate(const std::string& d, std::string* why) {
  DateParse p = ParseDate(d, DateOrder::kYMD);
  if (d.size() == 10 && p.date) return true;
  *why = "dates are YYYY-MM-DD" + (p.error.empty() ? "" : ": " + p.error);
  return false;
}

std::optional<int64_t> Int(std::string_view v) {
  int64_t out = 0;
  if (!text::ParseInt64(v, &out)) return std::nullopt;
  return out;
}

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  std::string cookies = req.get_header_value("Cookie");
  for (const std::string& part : text::Split(cookies, ';')) {
    std::string p(text::Trim(part));
    if (p.rfind(name + "=", 0) == 0) return p.substr(name.size() + 1);
  }
  return "";
}

// JSON string literal: quotes, backslashes and control characters escaped; UTF-8 kept (the
// store holds valid UTF-8 only).
void AppendJsonString(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
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
  count("killed", r.killed);
  count("injured", r.injured);
  out.push_back('}');
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(ServerOptions o) : o_(std::move(o)), pool_(o_.db) {}

  Status Init() {
    AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(o_.key_file));
    keyring_ = std::make_unique<security::Keyring>(std::move(k));
    std::string proto = o_.protocol.empty() ? o_.data_dir + "/isp/protocol.toml" : o_.protocol;
    AEGIS_ASSIGN_OR_RETURN(protocol_, access::Protocol::Load(proto));
    AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy t,
                           taxonomy::Taxonomy::Load(o_.data_dir + "/taxonomy"));
    taxonomy_ = std::make_unique<taxonomy::Taxonomy>(std::move(t));
    audit_ = std::make_unique<access::AuditLog>(keyring_.get(),
                                                security::DefaultAnchorPath(o_.key_file));
    audit_->anchor_interval_ms = o_.audit_anchor_ms;
    {
      AEGIS_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
      AEGIS_ASSIGN_OR_RETURN(int v, lease->SchemaVersion());
      if (v != lease->LatestSchemaVersion())
        return Status::InvalidArgument(o_.db + ": schema version " + std::to_string(v) +
                                       "; run `aegis db migrate` first");
    }
    {
      AEGIS_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
      AEGIS_ASSIGN_OR_RETURN(auto areas, lease->LoadAreas());
      for (const auto& a : areas) areas_[a.pcode] = a.level;
    }
    Routes();
    return Status::Ok();
  }

  Status Run(const std::function<void(int)>& on_listening) override {
    http_.set_tcp_nodelay(true);
    int threads = o_.threads;
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_keep_alive_max_count(1000000);  // a reconnect waits for a free thread
    http_.set_payload_max_length(o_.max_body_bytes);
    int port = o_.port == 0 ? http_.bind_to_any_port(o_.host)
                            : (http_.bind_to_port(o_.host, o_.port) ? o_.port : -1);
    if (port < 0)
      return Status::IOError("cannot listen on " + o_.host + ":" + std::to_string(o_.port) +
                             "; is another server running? choose another --port");
    if (on_listening) on_listening(port);
    if (!http_.listen_after_bind()) return Status::IOError("the server stopped with an error");
    return Status::Ok();
  }

  void Stop() override {
    http_.stop();
    (void)audit_->Flush();
  }
  const std::vector<RouteInfo>& routes() const override { return routes_; }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, Caller*)>;

  // Registers a route: `path` in OpenAPI form ({id} = digits). `auth` = a signed-in caller is
  // needed (then CSRF is checked on unsafe methods with cookie sessions).
  void Add(const std::string& method, const std::string& path, bool auth, const Handler& h) {
    routes_.push_back({method, path});
    std::string pattern = path;
    for (size_t p; (p = pattern.find("{id}")) != std::string::npos;)
      pattern.replace(p, 4, R"((\d+))");
    auto wrapped = [this, method, auth, h](const httplib::Request& req, httplib::Response& res) {
      if (!auth) return h(req, res, nullptr);
      Caller c;
      if (ApiError e; !Authenticate(req, &c, &e)) return SendError(res, e);
      if (method != "GET" && !c.session_digest.empty()) {
        std::string token = req.get_header_value("X-CSRF-Token");
        if (!security::VerifyCsrfToken(*keyring_, c.session_digest, token))
          return SendError(res, {403, "csrf",
                                 "missing or wrong X-CSRF-Token header; use the "
                                 "csrf_token returned at sign-in",
                                 ""});
      }
      h(req, res, &c);
    };
    if (method == "GET") http_.Get(pattern, wrapped);
    if (method == "POST") http_.Post(pattern, wrapped);
    if (method == "DELETE") http_.Delete(pattern, wrapped);
    if (method == "PUT") http_.Put(pattern, wrapped);
  }

  bool Authenticate(const httplib::Request& req, Caller* c, ApiError* e) {
    std::string token = CookieValue(req, "aegis_session");
    if (token.empty()) {
      *e = {401, "unauthenticated", "sign in first: POST /api/v1/session", ""};
      return false;
    }
    auto lease = pool_.Acquire();
    if (!lease.ok()) {
      *e = FromStatus(lease.status());
      return false;
    }
    std::string digest = security::TokenDigest(token);
    auto s = (*lease)->GetSession(digest);
    if (!s.ok() || !s->has_value() || (*s)->expires_at < NowUtc()) {
      *e = {401, "session_expired", "the session is unknown or expired; sign in again", ""};
      return false;
    }
    auto u = (*lease)->GetUser((*s)->user_id);
    if (!u.ok() || !u->has_value() || (*u)->disabled) {
      *e = {401, "unauthenticated", "the account is disabled; ask a coordinator", ""};
      return false;
    }
    c->user = **u;
    c->session_digest = digest;
    c->organisation_id = OrgId(**lease, c->user.organisation_code);
    c->scope = protocol_.ScopeFor(c->user.role, c->organisation_id);
    c->scope.who = std::to_string(c->user.id);
    return true;
  }

  int64_t OrgId(store::Store& s, const std::string& code) {
    if (code.empty()) return 0;
    std::lock_guard<std::mutex> l(org_mu_);
    auto it = org_ids_.find(code);
    if (it != org_ids_.end()) return it->second;
    auto id = s.EnsureOrganisation({0, code, code, "other"});
    int64_t v = id.ok() ? *id : 0;
    org_ids_[code] = v;
    return v;
  }

  void Audit(store::Store& s, const Caller* c, const std::string& action, const std::string& type,
             const std::string& id, const std::string& detail) {
    store::AuditRow r;
    r.actor = c ? std::to_string(c->user.id) : "anonymous";
    r.action = action;
    r.object_type = type;
    r.object_id = id;
    r.organisation = c ? c->user.organisation_code : "";
    r.detail = detail;
    (void)audit_->Append(s, r);  // an audit failure is logged by the anchor check, not fatal
  }

  void Routes() {
    http_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("X-Frame-Options", "DENY");
      res.set_header("Referrer-Policy", "no-referrer");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
      res.set_header("Cache-Control", "no-store");
    });
    http_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (res.status == 404)
        SendError(res, {404, "not_found", "no such route; see /api/v1/openapi.json", ""});
      else if (res.status == 413)
        SendError(res, {413, "too_large", "the request body is too large", ""});
      else
        SendError(res, {res.status, "http_error", "the request could not be served", ""});
    });
    http_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
          SendError(res, {500, "internal", "the server could not complete the request", ""});
        });

    Add("GET", "/api/v1/openapi.json", false,
        [this](const httplib::Request&, httplib::Response& res, Caller*) {
          res.set_content(openapi_, "application/json");
        });
    Add("POST", "/api/v1/session", false,
        [this](const httplib::Request& req, httplib::Response& res, Caller*) { SignIn(req, res); });
    Add("DELETE", "/api/v1/session", true,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) {
          auto lease = pool_.Acquire();
          if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
          (void)(*lease)->DeleteSession(c->session_digest);
          Audit(**lease, c, "session.sign_out", "user", std::to_string(c->user.id), "");
          res.set_header("Set-Cookie",
                         "aegis_session=; Path=/; Max-Age=0; HttpOnly; "
                         "SameSite=Strict");
          SendJson(res, {{"signed_out", true}});
        });
    Add("GET", "/api/v1/me", true,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) {
          SendJson(res, {{"id", c->user.id},
                         {"username", c->user.username},
                         {"role", c->user.role},
                         {"organisation", c->user.organisation_code},
                         {"csrf_token", security::CsrfToken(*keyring_, c->session_digest)}});
        });
    Add("GET", "/api/v1/areas", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller*) { Areas(req, res); });
    Add("GET", "/api/v1/incidents", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller* c) {
          ListIncidents(req, res, *c);
        });
    Add("POST", "/api/v1/incidents", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller* c) {
          CreateIncident(req, res, *c);
        });
    Add("GET", "/api/v1/incidents/{id}", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller* c) {
          GetIncident(req, res, *c);
        });
    Add("GET", "/api/v1/audit", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller* c) {
          AuditList(req, res, *c);
        });
    Add("GET", "/api/v1/users", true,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) { Users(res, *c); });
    openapi_ = OpenApiDocument();
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return SendError(res, {400, "bad_json", "the body must be a JSON object", ""});
    if (!body.contains("username") || !body["username"].is_string())
      return SendError(res, {400, "invalid", "username (a string) is required", "username"});
    if (!body.contains("password") || !body["password"].is_string())
      return SendError(res, {400, "invalid", "password (a string) is required", "password"});
    std::string username = body["username"], password = body["password"];
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    auto u = (*lease)->FindUser(username);
    if (!u.ok()) return SendError(res, FromStatus(u.status()));
    // Argon2id takes 64 MiB and ~0.1 s per check: at most 4 at once, so that a burst of sign-ins
    // cannot exhaust an old laptop's memory.
    password_checks_.acquire();
    struct Release {
      std::counting_semaphore<4>& s;
      ~Release() { s.release(); }
    } release{password_checks_};
    const ApiError wrong{401, "wrong_credentials", "wrong user name or password", ""};
    if (!u->has_value()) {
      (void)security::HashPassword(password);  // the same time as a wrong password
      Audit(**lease, nullptr, "session.sign_in_failed", "user", "", "unknown user");
      return SendError(res, wrong);
    }
    store::User user = **u;
    std::string now = NowUtc();
    if (!user.locked_until.empty() && user.locked_until > now) {
      Audit(**lease, nullptr, "session.sign_in_locked", "user", std::to_string(user.id), "");
      return SendError(res, {429, "locked",
                             "too many failed sign-ins; try again after " + user.locked_until +
                                 " or ask a coordinator",
                             ""});
    }
    if (user.disabled || !security::VerifyPassword(user.password_hash, password)) {
      int failed = user.failed_logins + 1;
      std::string until =
          failed >= o_.max_failed_logins ? UtcIn(int64_t{o_.lockout_minutes} * 60) : "";
      (void)(*lease)->RecordLogin(user.id, until.empty() ? failed : 0, until);
      Audit(**lease, nullptr, "session.sign_in_failed", "user", std::to_string(user.id),
            until.empty() ? "" : "locked");
      return SendError(res, wrong);
    }
    (void)(*lease)->RecordLogin(user.id, 0, "");
    std::string token = security::RandomToken();
    store::Session s{security::TokenDigest(token), user.id, now,
                     UtcIn(int64_t{o_.session_hours} * 3600)};
    if (Status st = (*lease)->PutSession(s); !st.ok()) return SendError(res, FromStatus(st));
    Caller c;
    c.user = user;
    Audit(**lease, &c, "session.sign_in", "user", std::to_string(user.id), "");
    std::string cookie =
        "aegis_session=" + token +
        "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(o_.session_hours * 3600);
    if (o_.secure_cookies) cookie += "; Secure";
    res.set_header("Set-Cookie", cookie);
    SendJson(res, {{"id", user.id},
                   {"username", user.username},
                   {"role", user.role},
                   {"organisation", user.organisation_code},
                   {"csrf_token", security::CsrfToken(*keyring_, s.token_digest)}});
  }

  void Areas(const httplib::Request& req, httplib::Response& res) {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    auto areas = (*lease)->LoadAreas();
    if (!areas.ok()) return SendError(res, FromStatus(areas.status()));
    int level = -1;
    if (req.has_param("level")) {
      auto v = Int(req.get_param_value("level"));
      if (!v || *v < 0 || *v > 5)
        return SendError(res, {400, "invalid", "level must be 0 to 5", "level"});
      level = static_cast<int>(*v);
    }
    std::string parent = req.get_param_value("parent");
    json items = json::array();
    for (const auto& a : *areas) {
      if (level >= 0 && a.level != level) continue;
      if (!parent.empty() && a.parent_pcode != parent) continue;
      items.push_back(
          {{"pcode", a.pcode}, {"name", a.name}, {"level", a.level}, {"parent", a.parent_pcode}});
    }
    SendJson(res, {{"items", items}, {"count", items.size()}});
  }

  bool ReadQuery(const httplib::Request& req, store::IncidentQuery* q, ApiError* e) {
    q->area = req.get_param_value("area");
    q->from = req.get_param_value("from");
    q->to = req.get_param_value("to");
    q->risk = req.get_param_value("risk");
    q->organisation = req.get_param_value("organisation");
    for (const auto* d : {&q->from, &q->to}) {
      if (std::string why; !d->empty() && !IsIsoDate(*d, &why)) {
        *e = {400, "invalid", why, d == &q->from ? "from" : "to"};
        return false;
      }
    }
    if (!q->risk.empty()) {
      const taxonomy::Risk* r = taxonomy_->FindRisk(q->risk);
      if (!r) {
        *e = {400, "invalid", "risk: not one of the 15 risks (see aegis taxonomy)", "risk"};
        return false;
      }
      q->risk = r->code;
    }
    for (const char* name : {"after", "limit"}) {
      if (!req.has_param(name)) continue;
      auto v = Int(req.get_param_value(name));
      if (!v || *v < 0 || (std::string(name) == "limit" && (*v < 1 || *v > 1000))) {
        *e = {400, "invalid",
              std::string(name) + " must be a whole number" +
                  (std::string(name) == "limit" ? " from 1 to 1000" : ""),
              name};
        return false;
      }
      if (std::string(name) == "after")
        q->after_id = *v;
      else
        q->limit = static_cast<int>(*v);
    }
    return true;
  }

  void ListIncidents(const httplib::Request& req, httplib::Response& res, const Caller& c) {
    store::IncidentQuery q;
    if (ApiError e; !ReadQuery(req, &q, &e)) return SendError(res, e);
    auto lease = pool_.Acquire();
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
    Audit(**lease, &c, "incident.list", "incident", "", std::to_string(rows->size()) + " records");
    res.set_content(body, "application/json");
  }

  // Reads an optional string field; false (and the error) when it has the wrong type.
  static bool StringField(const json& body, const char* name, std::string* out, ApiError* e) {
    if (!body.contains(name) || body[name].is_null()) return true;
    if (!body[name].is_string()) {
      *e = {400, "invalid", std::string(name) + " must be a string", name};
      return false;
    }
    *out = body[name].get<std::string>();
    if (out->size() > 10000 || text::FindInvalidUtf8(*out) != std::string::npos) {
      *e = {400, "invalid", std::string(name) + " must be valid UTF-8 of at most 10,000 bytes",
            name};
      return false;
    }
    return true;
  }

  static bool CountField(const json& body, const char* name, std::optional<int64_t>* out,
                         ApiError* e) {
    if (!body.contains(name) || body[name].is_null()) return true;
    if (!body[name].is_number_integer() || body[name].get<int64_t>() < 0 ||
        body[name].get<int64_t>() > 1000000) {
      *e = {400, "invalid", std::string(name) + " must be a whole number from 0 to 1,000,000",
            name};
      return false;
    }
    *out = body[name].get<int64_t>();
    return true;
  }

  bool ParseIncident(const json& body, const Caller& c, store::Incident* inc, ApiError* e) {
    if (!body.is_object()) {
      *e = {400, "bad_json", "the body must be a JSON object", ""};
      return false;
    }
    for (const char* f : {"date_start", "area_pcode"}) {
      if (!body.contains(f)) {
        *e = {400, "invalid", std::string(f) + " is required", f};
        return false;
      }
    }
    std::string sens = "internal";
    if (!StringField(body, "source_key", &inc->source_key, e) ||
        !StringField(body, "date_start", &inc->date_start, e) ||
        !StringField(body, "date_end", &inc->date_end, e) ||
        !StringField(body, "area_pcode", &inc->place.pcode, e) ||
        !StringField(body, "act_type", &inc->act_type, e) ||
        !StringField(body, "perpetrator", &inc->perpetrator, e) ||
        !StringField(body, "sensitivity", &sens, e) ||
        !StringField(body, "narrative", &inc->narrative, e) ||
        !CountField(body, "killed", &inc->killed, e) ||
        !CountField(body, "injured", &inc->injured, e))
      return false;
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
    auto it = areas_.find(inc->place.pcode);
    if (it == areas_.end()) {
      *e = {400, "invalid", "area_pcode: unknown P-code; see /api/v1/areas", "area_pcode"};
      return false;
    }
    inc->place.level = it->second;
    inc->place.method = "pcode";
    inc->place.confidence = 1;
    if (!body.contains("risks") || !body["risks"].is_array() || body["risks"].empty()) {
      *e = {400, "invalid", "risks: a non-empty list of risk codes or labels", "risks"};
      return false;
    }
    for (const auto& r : body["risks"]) {
      const taxonomy::Risk* risk =
          r.is_string() ? taxonomy_->FindRisk(r.get<std::string>()) : nullptr;
      if (!risk) {
        *e = {400, "invalid", "risks: not one of the 15 protection risks", "risks"};
        return false;
      }
      inc->risks.push_back(risk->code);
    }
    std::optional<std::string> sn = taxonomy_->NormalizeTerm("sensitivity", sens);
    if (!sn) {
      *e = {400, "invalid", "sensitivity: public, internal, confidential or strictly_confidential",
            "sensitivity"};
      return false;
    }
    inc->sensitivity = *sn;
    if (inc->perpetrator.empty()) inc->perpetrator = "unknown";
    if (!inc->act_type.empty() && !taxonomy_->NormalizeTerm("act_type", inc->act_type)) {
      *e = {400, "invalid", "act_type: not in the act vocabulary (see aegis taxonomy)", "act_type"};
      return false;
    }
    if (inc->source_key.empty()) inc->source_key = security::RandomToken().substr(0, 22);
    inc->content_hash = text::Hash64(body.dump());
    inc->country = "";
    inc->organisation_code = c.user.organisation_code;
    inc->source_type = "direct_monitoring";
    return true;
  }

  void CreateIncident(const httplib::Request& req, httplib::Response& res, const Caller& c) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return SendError(res, {400, "bad_json", "the body is not JSON", ""});
    store::Incident inc;
    if (ApiError e; !ParseIncident(body, c, &inc, &e)) return SendError(res, e);
    if (!protocol_.CanWrite(c.user.role, store::RecordClass::kIncident))
      return SendError(res, {403, "forbidden", "your role cannot enter incidents", ""});
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    std::string code = "api:" + (c.user.organisation_code.empty() ? std::string("cluster")
                                                                  : c.user.organisation_code);
    auto src = (*lease)->EnsureDataSource(
        {0, code, "entered in Aegis", "manual", c.user.organisation_code, "direct_monitoring"});
    if (!src.ok()) return SendError(res, FromStatus(src.status()));
    auto id = (*lease)->CreateIncident(inc, *src);
    if (!id.ok()) return SendError(res, FromStatus(id.status()));
    Audit(**lease, &c, "incident.create", "incident", std::to_string(*id), "");
    SendJson(res, {{"id", *id}, {"source_key", inc.source_key}}, 201);
  }

  void GetIncident(const httplib::Request& req, httplib::Response& res, const Caller& c) {
    auto id = Int(req.matches[1].str());
    if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    auto r = (*lease)->GetIncident(c.scope, *id);
    if (!r.ok()) return SendError(res, FromStatus(r.status()));
    // A record the protocol hides is answered exactly like one that does not exist.
    if (!r->has_value())
      return SendError(res, {404, "not_found", "no such incident, or not visible to you", ""});
    Audit(**lease, &c, "incident.read", "incident", std::to_string(*id), "");
    std::string body;
    AppendIncidentJson(body, **r);
    res.set_content(body, "application/json");
  }

  void AuditList(const httplib::Request& req, httplib::Response& res, const Caller& c) {
    if (!protocol_.CanManage(c.user.role, "audit"))
      return SendError(res, {403, "forbidden", "the audit log is for coordinators and IMOs", ""});
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    json items = json::array();
    Status st = (*lease)->ScanAudit([&](const store::AuditRow& r) {
      items.push_back({{"seq", r.seq},
                       {"at", r.at},
                       {"actor", r.actor},
                       {"action", r.action},
                       {"object_type", r.object_type},
                       {"object_id", r.object_id},
                       {"organisation", r.organisation},
                       {"detail", r.detail}});
    });
    if (!st.ok()) return SendError(res, FromStatus(st));
    SendJson(res, {{"items", items}, {"count", items.size()}});
  }

  void Users(httplib::Response& res, const Caller& c) {
    if (!protocol_.CanManage(c.user.role, "users"))
      return SendError(res, {403, "forbidden", "user administration is for coordinators", ""});
    auto lease = pool_.Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    auto users = (*lease)->ListUsers();
    if (!users.ok()) return SendError(res, FromStatus(users.status()));
    json items = json::array();
    for (const auto& u : *users)
      items.push_back({{"id", u.id},
                       {"username", u.username},
                       {"role", u.role},
                       {"organisation", u.organisation_code},
                       {"disabled", u.disabled}});
    SendJson(res, {{"items", items}, {"count", items.size()}});
  }

  ServerOptions o_;
  StorePool pool_;
  std::unique_ptr<security::Keyring> keyring_;
  access::Protocol protocol_;
  std::unique_ptr<taxonomy::Taxonomy> taxonomy_;
  std::unique_ptr<access::AuditLog> audit_;
  httplib::Server http_;
  std::vector<RouteInfo> routes_;
  std::string openapi_;
  std::map<std::string, int> areas_;  // P-code -> level
  std::counting_semaphore<4> password_checks_{4};
  std::mutex org_mu_;
  std::map<std::string, int64_t> org_ids_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  auto s = std::make_unique<ServerImpl>(options);
  AEGIS_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace aegis::server
