// The HTTP layer: cpp-httplib with TCP_NODELAY and a larger pool (deps.md pitfalls), one store
// connection per request from a pool, authentication (session cookie or API token), CSRF,
// rate limiting of sign-in by address, security headers, one error shape. The routes themselves
// are in records.cc, admin.cc and data.cc.
#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <semaphore>

#include "access/audit.h"
#include "access/cipher.h"
#include "access/protocol.h"
#include "security/password.h"
#include "security/tokens.h"
#include "server/api.h"
#include "server/openapi.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

// Token buckets per client address: `burst` attempts at once, then one per `every_s` seconds.
class RateLimit {
 public:
  RateLimit(double burst, double every_s) : burst_(burst), every_s_(every_s) {}
  // 0 = allowed; else the seconds to wait.
  int Take(const std::string& who) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> l(mu_);
    if (buckets_.size() > 100000) buckets_.clear();  // bounded memory under a flood
    auto [it, added] = buckets_.try_emplace(who, Bucket{burst_, now});
    Bucket& b = it->second;
    double refill = std::chrono::duration<double>(now - b.at).count() / every_s_;
    b.tokens = std::min(burst_, b.tokens + refill);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return static_cast<int>((1 - b.tokens) * every_s_) + 1;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double burst_, every_s_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

bool HasScope(const Caller& c, const std::string& s) {
  return std::find(c.scopes.begin(), c.scopes.end(), s) != c.scopes.end();
}

class ServerImpl final : public Server, public Api {
 public:
  explicit ServerImpl(ServerOptions o)
      : o_(std::move(o)),
        pool_(o_.db, [this](store::Store& s) { s.SetCipher(keys_); }),
        sign_in_limit_(o_.sign_in_burst, o_.sign_in_every_s) {}

  Status Init() {
    AEGIS_ASSIGN_OR_RETURN(keys_, access::KeySource::Load(o_.key_file));
    audit_keys_ = keys_->current();
    AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy t,
                           taxonomy::Taxonomy::Load(o_.data_dir + "/taxonomy"));
    taxonomy_ = std::make_unique<taxonomy::Taxonomy>(std::move(t));
    audit_ = std::make_unique<access::AuditLog>(audit_keys_.get(),
                                                security::DefaultAnchorPath(o_.key_file));
    audit_->anchor_interval_ms = o_.audit_anchor_ms;
    AEGIS_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
    AEGIS_ASSIGN_OR_RETURN(int v, lease->SchemaVersion());
    if (v != lease->LatestSchemaVersion())
      return Status::InvalidArgument(o_.db + ": schema version " + std::to_string(v) +
                                     "; run `aegis db migrate` first");
    AEGIS_RETURN_IF_ERROR(LoadProtocol(*lease));
    AEGIS_ASSIGN_OR_RETURN(auto areas, lease->LoadAreas());
    for (const auto& a : areas) areas_[a.pcode] = a.level;
    AEGIS_ASSIGN_OR_RETURN(auto users, lease->ListUsers());
    for (const auto& u : users) BreakGlassChanged(u.id);
    Routes();
    return Status::Ok();
  }

  Status Run(const std::function<void(int)>& on_listening) override {
    http_.set_tcp_nodelay(true);
    int threads = o_.threads;
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_keep_alive_max_count(1000000);  // a reconnect waits for a free thread
    http_.set_payload_max_length(std::max(o_.max_body_bytes, o_.max_upload_bytes));
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
    std::vector<std::function<void()>> at_stop;
    {
      std::lock_guard<std::mutex> l(stop_mu_);
      at_stop.swap(at_stop_);
    }
    for (auto& fn : at_stop) fn();
    (void)audit_->Flush();
  }
  ~ServerImpl() override {
    for (auto& fn : at_stop_) fn();
  }
  void DataChanged() override {
    std::lock_guard<std::mutex> l(stop_mu_);
    for (auto& fn : on_change_) fn();
  }
  void OnDataChanged(std::function<void()> fn) override {
    std::lock_guard<std::mutex> l(stop_mu_);
    on_change_.push_back(std::move(fn));
  }
  void AtStop(std::function<void()> fn) override {
    std::lock_guard<std::mutex> l(stop_mu_);
    at_stop_.push_back(std::move(fn));
  }
  const std::vector<RouteInfo>& routes() const override { return routes_; }

  // --- Api -----------------------------------------------------------------------------------

  void Add(const std::string& method, const std::string& path, bool auth,
           const Handler& h) override {
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
        if (!security::VerifyCsrfToken(*keys_->current(), c.session_digest, token))
          return SendError(res, {403, "csrf",
                                 "missing or wrong X-CSRF-Token header; use the "
                                 "csrf_token returned at sign-in",
                                 ""});
      }
      if (c.token_id > 0 && method != "GET" && !HasScope(c, "write"))
        return SendError(res, {403, "scope", "this API token is read-only (scope: read)", ""});
      if (c.token_id > 0 && method == "GET" && !HasScope(c, "read") && !HasScope(c, "export"))
        return SendError(res, {403, "scope", "this API token cannot read", ""});
      h(req, res, &c);
    };
    if (method == "GET") http_.Get(pattern, wrapped);
    if (method == "POST") http_.Post(pattern, wrapped);
    if (method == "DELETE") http_.Delete(pattern, wrapped);
    if (method == "PUT") http_.Put(pattern, wrapped);
  }
  StorePool& pool() override { return pool_; }
  const ServerOptions& options() const override { return o_; }
  std::shared_ptr<const security::Keyring> keyring() override { return keys_->current(); }
  std::shared_ptr<const access::Protocol> protocol() override {
    std::lock_guard<std::mutex> l(protocol_mu_);
    return protocol_;
  }
  void SetProtocol(std::shared_ptr<const access::Protocol> p) override {
    std::lock_guard<std::mutex> l(protocol_mu_);
    protocol_ = std::move(p);
  }
  const taxonomy::Taxonomy& taxonomy() const override { return *taxonomy_; }
  void Audit(store::Store& s, const Caller* c, const std::string& action, const std::string& type,
             const std::string& id, const std::string& detail) override {
    store::AuditRow r;
    r.actor = c ? std::to_string(c->user.id) : "anonymous";
    if (c && c->token_id > 0) r.actor += "/token:" + std::to_string(c->token_id);
    r.action = action;
    r.object_type = type;
    r.object_id = id;
    r.organisation = c ? c->user.organisation_code : "";
    r.detail = detail;
    (void)audit_->Append(s, r);  // an audit failure is logged by the anchor check, not fatal
  }
  int AreaLevel(const std::string& pcode) const override {
    auto it = areas_.find(pcode);
    return it == areas_.end() ? -1 : it->second;
  }
  void BreakGlassChanged(int64_t user_id) override {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return;
    auto g = (*lease)->ActiveBreakGlass(user_id, NowUtc());
    std::lock_guard<std::mutex> l(grants_mu_);
    if (g.ok() && g->has_value())
      grants_[user_id] = **g;
    else
      grants_.erase(user_id);
  }
  void UserChanged(int64_t user_id) override {
    Forget(user_id, "");
    BreakGlassChanged(user_id);
  }

 private:
  // The protocol in force: the newest version in the store; on first start the file, recorded
  // as version 1.
  Status LoadProtocol(store::Store& s) {
    AEGIS_ASSIGN_OR_RETURN(auto versions, s.ListProtocolVersions());
    std::string path = o_.protocol.empty() ? o_.data_dir + "/isp/protocol.toml" : o_.protocol;
    if (!versions.empty() && o_.protocol.empty()) {
      AEGIS_ASSIGN_OR_RETURN(
          access::Protocol p,
          access::Protocol::Parse(versions.front().text,
                                  "protocol version " + std::to_string(versions.front().id)));
      SetProtocol(std::make_shared<const access::Protocol>(std::move(p)));
      return Status::Ok();
    }
    AEGIS_ASSIGN_OR_RETURN(access::Protocol p, access::Protocol::Load(path));
    if (versions.empty() || versions.front().text != p.text())
      AEGIS_RETURN_IF_ERROR(s.AddProtocolVersion({0, NowUtc(), "file:" + path, p.text()}).status());
    SetProtocol(std::make_shared<const access::Protocol>(std::move(p)));
    return Status::Ok();
  }

  bool Authenticate(const httplib::Request& req, Caller* c, ApiError* e) {
    std::string bearer = req.get_header_value("Authorization");
    std::string cookie = CookieValue(req, "aegis_session");
    if (bearer.empty() && cookie.empty()) {
      *e = {401, "unauthenticated",
            "sign in first (POST /api/v1/session) or send Authorization: Bearer <API token>", ""};
      return false;
    }
    auto lease = pool_.Acquire();
    if (!lease.ok()) {
      *e = FromStatus(lease.status());
      return false;
    }
    int64_t user_id = 0;
    const std::string now = NowUtc();
    if (!bearer.empty()) {
      if (bearer.rfind("Bearer ", 0) != 0) {
        *e = {401, "unauthenticated", "Authorization: Bearer <API token>", ""};
        return false;
      }
      std::string digest = security::TokenDigest(bearer.substr(7));
      auto t = (*lease)->FindApiToken(digest);
      if (!t.ok() || !t->has_value() || !(*t)->revoked_at.empty() || (*t)->expires_at < now) {
        *e = {401, "token_invalid", "the API token is unknown, revoked or expired; make a new one",
              ""};
        return false;
      }
      user_id = (*t)->user_id;
      c->token_id = (*t)->id;
      c->scopes = text::Split((*t)->scopes, ' ');
    } else {
      std::string digest = security::TokenDigest(cookie);
      std::optional<store::Session> s = CachedSession(digest);
      if (!s) {
        auto found = (*lease)->GetSession(digest);
        if (found.ok() && found->has_value()) {
          s = **found;
          RememberSession(*s);
        }
      }
      if (!s || s->expires_at < now) {
        *e = {401, "session_expired", "the session is unknown or expired; sign in again", ""};
        return false;
      }
      user_id = s->user_id;
      c->session_digest = digest;
    }
    std::optional<store::User> u = CachedUser(user_id);
    if (!u) {
      auto found = (*lease)->GetUser(user_id);
      if (found.ok() && found->has_value()) {
        u = **found;
        RememberUser(*u);
      }
    }
    if (!u || u->disabled) {
      *e = {401, "unauthenticated", "the account is disabled; ask a coordinator", ""};
      return false;
    }
    c->user = *u;
    c->organisation_id = OrgId(**lease, c->user.organisation_code);
    auto p = protocol();
    c->scope = p->ScopeFor(c->user.role, c->organisation_id);
    {
      std::lock_guard<std::mutex> l(grants_mu_);
      auto g = grants_.find(c->user.id);
      if (g != grants_.end() && g->second.expires_at > now && c->token_id == 0) {
        c->scope = access::Protocol::WithBreakGlass(c->scope, g->second.max_rank);
        c->break_glass_until = g->second.expires_at;
      }
    }
    c->scope.who = std::to_string(c->user.id);
    return true;
  }

  // Sessions and users read in the last `auth_cache_ms`: most requests then need no query to
  // authenticate. Sign-out, user changes and password resets through this server drop the
  // entries at once; a change made by another process (aegis user disable) is seen within
  // auth_cache_ms.
  using Clock = std::chrono::steady_clock;
  bool Fresh(Clock::time_point at) const {
    return Clock::now() - at < std::chrono::milliseconds(o_.auth_cache_ms);
  }
  std::optional<store::Session> CachedSession(const std::string& digest) {
    std::lock_guard<std::mutex> l(auth_mu_);
    auto it = sessions_.find(digest);
    if (it == sessions_.end() || !Fresh(it->second.second)) return std::nullopt;
    return it->second.first;
  }
  void RememberSession(const store::Session& s) {
    if (o_.auth_cache_ms <= 0) return;
    std::lock_guard<std::mutex> l(auth_mu_);
    if (sessions_.size() > 100000) sessions_.clear();
    sessions_[s.token_digest] = {s, Clock::now()};
  }
  std::optional<store::User> CachedUser(int64_t id) {
    std::lock_guard<std::mutex> l(auth_mu_);
    auto it = users_.find(id);
    if (it == users_.end() || !Fresh(it->second.second)) return std::nullopt;
    return it->second.first;
  }
  void RememberUser(const store::User& u) {
    if (o_.auth_cache_ms <= 0) return;
    std::lock_guard<std::mutex> l(auth_mu_);
    if (users_.size() > 100000) users_.clear();
    users_[u.id] = {u, Clock::now()};
  }
  void Forget(int64_t user_id, const std::string& digest) {
    std::lock_guard<std::mutex> l(auth_mu_);
    users_.erase(user_id);
    if (!digest.empty()) sessions_.erase(digest);
    if (user_id != 0)
      for (auto it = sessions_.begin(); it != sessions_.end();)
        it = it->second.first.user_id == user_id ? sessions_.erase(it) : std::next(it);
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

  void Routes() {
    const size_t max_body = o_.max_body_bytes;
    http_.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response& res) {
      // Only uploads may be large; every other body is refused before it is read.
      if (req.path.rfind("/api/v1/imports", 0) == 0)
        return httplib::Server::HandlerResponse::Unhandled;
      std::optional<int64_t> length = Int(req.get_header_value("Content-Length"));
      if (length && static_cast<uint64_t>(*length) > max_body) {
        SendError(res, {413, "too_large", "the request body is too large", ""});
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("X-Frame-Options", "DENY");
      res.set_header("Referrer-Policy", "no-referrer");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
      if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
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
          Forget(0, c->session_digest);
          Audit(**lease, c, "session.sign_out", "user", std::to_string(c->user.id), "");
          res.set_header("Set-Cookie",
                         "aegis_session=; Path=/; Max-Age=0; HttpOnly; "
                         "SameSite=Strict");
          SendJson(res, {{"signed_out", true}});
        });
    Add("GET", "/api/v1/me", true,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) {
          json me = {{"id", c->user.id},
                     {"username", c->user.username},
                     {"role", c->user.role},
                     {"organisation", c->user.organisation_code}};
          if (!c->session_digest.empty())
            me["csrf_token"] = security::CsrfToken(*keys_->current(), c->session_digest);
          me["break_glass_until"] = c->break_glass_until;
          SendJson(res, me);
        });
    Add("GET", "/api/v1/areas", true,
        [this](const httplib::Request& req, httplib::Response& res, Caller*) {
          ListAreas(*this, req, res, false);
        });
    AddRecordRoutes(*this);
    AddAdminRoutes(*this);
    AddDataRoutes(*this);
    AddExportRoutes(*this);
    AddMatchRoutes(*this);
    AddAlertRoutes(*this);
    AddWebRoutes(*this, http_);  // last: it serves every path outside /api/
    openapi_ = OpenApiDocument();
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    if (int wait = sign_in_limit_.Take(req.remote_addr); wait > 0) {
      res.set_header("Retry-After", std::to_string(wait));
      return SendError(res, {429, "rate_limited",
                             "too many sign-in attempts from this address; wait " +
                                 std::to_string(wait) + " seconds",
                             ""});
    }
    json body;
    if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
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
                   {"csrf_token", security::CsrfToken(*keys_->current(), s.token_digest)}});
  }

  ServerOptions o_;
  std::shared_ptr<access::KeySource> keys_;
  std::shared_ptr<const security::Keyring> audit_keys_;  // the audit chain's keys, from start
  StorePool pool_;
  RateLimit sign_in_limit_;
  std::mutex protocol_mu_;
  std::shared_ptr<const access::Protocol> protocol_;
  std::unique_ptr<taxonomy::Taxonomy> taxonomy_;
  std::unique_ptr<access::AuditLog> audit_;
  httplib::Server http_;
  std::vector<RouteInfo> routes_;
  std::string openapi_;
  std::map<std::string, int> areas_;  // P-code -> level
  std::counting_semaphore<4> password_checks_{4};
  std::mutex org_mu_;
  std::map<std::string, int64_t> org_ids_;
  std::mutex stop_mu_;
  std::vector<std::function<void()>> at_stop_, on_change_;
  std::mutex auth_mu_;
  std::map<std::string, std::pair<store::Session, Clock::time_point>> sessions_;
  std::map<int64_t, std::pair<store::User, Clock::time_point>> users_;
  std::mutex grants_mu_;
  std::map<int64_t, store::BreakGlassGrant> grants_;  // open break-the-glass grants by user
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  auto s = std::make_unique<ServerImpl>(options);
  AEGIS_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace aegis::server
