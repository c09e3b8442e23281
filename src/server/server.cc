// The HTTP layer: cpp-httplib with TCP_NODELAY and a larger pool (deps.md pitfalls), one store
// connection per request from a pool, authentication (session cookie or API token), CSRF,
// rate limiting of sign-in by address, security headers, one error shape. The routes themselves
// are in records.cc, admin.cc and data.cc.
//
// Several `aegis serve` processes may serve one store behind a proxy that spreads requests
// round-robin. What decides access is therefore read from the store on every request (the
// session, the user, an open break-the-glass grant: each a primary-key or indexed read), never
// from this process's memory; see Authenticate. What is still kept per process is listed at the
// members of ServerImpl, each with why its staleness is harmless or bounded.
#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <semaphore>
#include <set>
#include <string_view>

#include "access/audit.h"
#include "access/cipher.h"
#include "access/protocol.h"
#include "security/password.h"
#include "security/tokens.h"
#include "server/api.h"
#include "server/http.h"
#include "server/openapi.h"
#include "server/ops.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

// Token buckets per client address: `burst` attempts at once, then one per `every_s` seconds.
// Per process: with N server processes behind a proxy an address gets up to N times the budget.
// That is accepted: it only slows down guessing, and what stops it is the account lock-out,
// which is kept in the store (SignIn) and so holds across processes. Behind a proxy every
// connection comes from the proxy: with ServerOptions::behind_proxy the key is the client
// address the proxy passes (ClientAddress).
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

// The caller a request with a body was authenticated as before its body was read
// (ServerImpl::CheckBeforeBody), for the route's handler on the same thread.
struct Gated {
  const void* server = nullptr;
  const httplib::Request* req = nullptr;
  size_t route = 0;
  Caller caller;
};
thread_local Gated t_gated;

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
    AEGIS_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
    AEGIS_ASSIGN_OR_RETURN(int v, lease->SchemaVersion());
    if (v != lease->LatestSchemaVersion())
      return Status::InvalidArgument(o_.db + ": schema version " + std::to_string(v) +
                                     "; run `aegis db migrate` first");
    AEGIS_RETURN_IF_ERROR(LoadProtocol(*lease));
    // What a sign-in with an unknown name is checked against, so that it costs what a real
    // account's check costs (SignIn).
    AEGIS_ASSIGN_OR_RETURN(unknown_user_hash_, security::HashPassword(security::RandomToken()));
    AEGIS_ASSIGN_OR_RETURN(auto areas, lease->LoadAreas());
    for (const auto& a : areas) areas_[a.pcode] = a.level;
    return Routes();
  }

  Status Run(const std::function<void(int)>& on_listening) override {
    http_.set_tcp_nodelay(true);
    http_.set_header_timeout_ms(o_.header_timeout_ms);
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
  int64_t requests_in_flight() const override { return metrics_.in_flight(); }
  int64_t store_leases_held() override { return pool_.stats().in_use; }
  void CountImportRows(int64_t read, int64_t stored, int64_t quarantined) override {
    metrics_.ImportRows(read, stored, quarantined);
  }

  // --- Api -----------------------------------------------------------------------------------

  void Add(const std::string& method, const std::string& path, access::Action action,
           const Handler& h) override {
    const size_t index = table_.size();
    Route(method, path, action,
          [this, method, action, h, index](const httplib::Request& req, httplib::Response& res) {
            Caller c;
            if (!TakeGated(req, index, &c))
              if (ApiError e; !Gate(req, method, action, &c, &e)) return SendError(res, e);
            h(req, res, &c);
          });
  }
  void AddPublic(const std::string& method, const std::string& path, const Handler& h) override {
    Route(method, path, std::nullopt,
          [h](const httplib::Request& req, httplib::Response& res) { h(req, res, nullptr); });
  }
  void Route(const std::string& method, const std::string& path,
             std::optional<access::Action> action, const httplib::Server::Handler& wrapped) {
    routes_.push_back({method, path, action ? access::ActionName(*action) : ""});
    std::string pattern = path;
    for (size_t p; (p = pattern.find("{id}")) != std::string::npos;)
      pattern.replace(p, 4, R"((\d+))");
    table_.push_back({method, std::regex(pattern), action});
    // The log and the metrics know a request by its route's pattern, never its path.
    auto named = [path, wrapped](const httplib::Request& req, httplib::Response& res) {
      CurrentRequest().route = path;
      wrapped(req, res);
    };
    if (method == "GET") http_.Get(pattern, named);
    if (method == "POST") http_.Post(pattern, named);
    if (method == "DELETE") http_.Delete(pattern, named);
    if (method == "PUT") http_.Put(pattern, named);
  }

  // The request comes from this host: a loopback connection that no proxy forwarded. A request
  // with X-Forwarded-For came through a proxy (deploy/nginx.conf sets it): never this host. One
  // with X-Real-IP is this host only behind_proxy and when that address is loopback too. What
  // access::Subject::local says.
  bool FromThisHost(const httplib::Request& req) const {
    auto loopback = [](const std::string& a) {
      return a == "::1" || a.rfind("127.", 0) == 0 || a.rfind("::ffff:127.", 0) == 0;
    };
    if (!loopback(req.remote_addr) || req.has_header("X-Forwarded-For")) return false;
    if (!req.has_header("X-Real-IP")) return true;
    return o_.behind_proxy && loopback(req.get_header_value("X-Real-IP"));
  }

  // What a route checks before its handler runs: the caller (session cookie or API token), the
  // CSRF token on unsafe methods of a session, a token's scopes, and the kernel's gate for the
  // route's action. It reads no body: for a request that carries one it runs before the body is
  // read (CheckBeforeBody).
  bool Gate(const httplib::Request& req, const std::string& method, access::Action action,
            Caller* c, ApiError* e) {
    c->subject.local = FromThisHost(req);
    // Without credentials the kernel decides for a subject of no role: from this host it may
    // read the metrics, nothing else (access::Action::kReadMetrics); elsewhere a 401.
    if (req.get_header_value("Authorization").empty() &&
        CookieValue(req, "aegis_session").empty() &&
        access::RouteGate(*protocol(), c->subject, action, method != "GET").allowed())
      return true;
    if (!Authenticate(req, c, e)) return false;
    CurrentRequest().user_id = c->user.id;
    if (method != "GET" && !c->session_digest.empty()) {
      std::string token = req.get_header_value("X-CSRF-Token");
      if (!security::VerifyCsrfToken(*keys_->current(), c->session_digest, token)) {
        *e = {403, "csrf",
              "missing or wrong X-CSRF-Token header; use the csrf_token returned at sign-in", ""};
        return false;
      }
    }
    // The route's gate, in the kernel: token scopes for what the method does, and the action
    // allowed on at least one resource. The handler asks again for the record it holds.
    access::Decision gate = access::RouteGate(*protocol(), c->subject, action, method != "GET");
    if (!gate.allowed()) {
      *e = {403, gate.by_token_scope ? "scope" : "forbidden", gate.reason, ""};
      return false;
    }
    return true;
  }

  // Before httplib reads a request's body (the pre-routing handler): its framing, its size, and
  // for a body sent to a route that is not public, the caller (Gate). An answer given here
  // leaves the body unread, so the connection is closed after it (HttpServer). False after
  // answering.
  bool CheckBeforeBody(const httplib::Request& req, httplib::Response& res) {
    // httplib 0.11 reads a chunked body without any size limit: only Content-Length is taken.
    if (req.has_header("Transfer-Encoding")) {
      SendError(res, {411, "length_required",
                      "send the body with a Content-Length header (Transfer-Encoding is not "
                      "accepted)",
                      ""});
      return false;
    }
    std::optional<uint64_t> length = HttpServer::ContentLength(req);
    if (!length) {
      SendError(res, {400, "bad_request",
                      "one Content-Length header, a number of bytes in decimal digits", ""});
      return false;
    }
    // Only uploads may be large; every other body is refused before it is read.
    const bool upload = req.path.rfind("/api/v1/imports", 0) == 0;
    const size_t limit = upload ? o_.max_upload_bytes : o_.max_body_bytes;
    if (*length > limit) {
      SendError(
          res,
          {413, "too_large",
           "the request body is too large (at most " + std::to_string(limit) + " bytes here)", ""});
      return false;
    }
    if (*length == 0) return true;
    // httplib runs the first route of the method whose pattern matches, as here.
    for (size_t i = 0; i < table_.size(); ++i) {
      const RouteEntry& r = table_[i];
      if (r.method != req.method || !std::regex_match(req.path, r.pattern)) continue;
      CurrentRequest().route = routes_[i].path;
      if (!r.action) return true;  // public
      t_gated.caller = Caller{};
      if (ApiError e; !Gate(req, r.method, *r.action, &t_gated.caller, &e)) {
        SendError(res, e);
        return false;
      }
      t_gated.server = this;
      t_gated.req = &req;
      t_gated.route = i;
      return true;
    }
    return true;
  }
  // The caller CheckBeforeBody found for this request and route, if it did.
  bool TakeGated(const httplib::Request& req, size_t route, Caller* c) {
    if (t_gated.server != this || t_gated.req != &req || t_gated.route != route) return false;
    *c = std::move(t_gated.caller);
    t_gated = {};
    return true;
  }

  StorePool& pool() override { return pool_; }
  const ServerOptions& options() const override { return o_; }
  std::shared_ptr<const security::Keyring> keyring() override { return keys_->current(); }
  std::shared_ptr<const access::Protocol> protocol() override {
    std::lock_guard<std::mutex> l(protocol_mu_);
    return protocol_;
  }
  void SetProtocol(std::shared_ptr<const access::Protocol> p, int64_t version) override {
    std::lock_guard<std::mutex> l(protocol_mu_);
    if (version < protocol_version_) return;  // a newer one is already in force
    protocol_ = std::move(p);
    protocol_version_ = version;
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
      int64_t version = versions.front().id;
      if (p.version() == 1) {
        // A store from before the authorization kernel: the same rules written as version 2
        // (every action explicit), kept as a new version of the protocol.
        std::string upgraded = p.UpgradedText();
        AEGIS_ASSIGN_OR_RETURN(p, access::Protocol::Parse(upgraded, "upgraded protocol"));
        AEGIS_ASSIGN_OR_RETURN(
            version, s.AddProtocolVersion(
                         {0, NowUtc(), "upgrade of version " + std::to_string(version), upgraded}));
      }
      SetProtocol(std::make_shared<const access::Protocol>(std::move(p)), version);
      return Status::Ok();
    }
    AEGIS_ASSIGN_OR_RETURN(access::Protocol p, access::Protocol::Load(path));
    int64_t version = versions.empty() ? 0 : versions.front().id;
    if (versions.empty() || versions.front().text != p.text()) {
      AEGIS_ASSIGN_OR_RETURN(version,
                             s.AddProtocolVersion({0, NowUtc(), "file:" + path, p.text()}));
    }
    SetProtocol(std::make_shared<const access::Protocol>(std::move(p)), version);
    protocol_checked_ = Clock::now();
    return Status::Ok();
  }

  // The protocol in force is the newest version in the store, whichever process added it
  // (PUT /protocol). The store cannot tell the newest version's id without reading every
  // version's text, so the list is read at most every `protocol_check_ms` by one request while
  // the others go on under the version in force: a change made through another process is in
  // force here within that bound (1 s as shipped); through this process, at once.
  void RefreshProtocol(store::Store& s) {
    {
      std::lock_guard<std::mutex> l(protocol_mu_);
      auto now = Clock::now();
      if (now - protocol_checked_ < std::chrono::milliseconds(o_.protocol_check_ms)) return;
      protocol_checked_ = now;
    }
    auto versions = s.ListProtocolVersions();
    if (!versions.ok() || versions->empty()) return;  // keep the one in force; retried later
    const store::ProtocolVersion& newest = versions->front();
    {
      std::lock_guard<std::mutex> l(protocol_mu_);
      if (newest.id <= protocol_version_) return;
    }
    auto p = access::Protocol::Parse(newest.text, "protocol version " + std::to_string(newest.id));
    if (!p.ok()) {
      // PUT /protocol validates before storing, so this is a hand-edited store.
      LogLine("error", {{"event", JsonString("protocol_kept")},
                        {"error", JsonString(p.status().message())}});
      return;
    }
    SetProtocol(std::make_shared<const access::Protocol>(std::move(*p)), newest.id);
  }

  // Every request reads its session (or API token), its user and, for roles that may break the
  // glass, the user's open grant from the store: a sign-out, a disabled account, a changed role
  // or organisation, a grant opened or ended through any server process (or `aegis user`) is in
  // force for the very next request on every process. Each is one primary-key or indexed read;
  // an earlier cache of sessions and users for 2 s bought no measurable throughput (doc/server.md)
  // and cannot be kept correct across processes.
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
      if (!t.ok()) {
        *e = FromStatus(t.status());  // the store failed: not a reason to drop the client
        return false;
      }
      if (!t->has_value() || !(*t)->revoked_at.empty() || (*t)->expires_at < now) {
        *e = {401, "token_invalid", "the API token is unknown, revoked or expired; make a new one",
              ""};
        return false;
      }
      user_id = (*t)->user_id;
      c->token_id = (*t)->id;
      c->scopes = text::Split((*t)->scopes, ' ');
    } else {
      std::string digest = security::TokenDigest(cookie);
      auto s = (*lease)->GetSession(digest);
      if (!s.ok()) {
        *e = FromStatus(s.status());
        return false;
      }
      if (!s->has_value() || (*s)->expires_at < now) {
        *e = {401, "session_expired", "the session is unknown or expired; sign in again", ""};
        return false;
      }
      user_id = (*s)->user_id;
      c->session_digest = digest;
    }
    auto u = (*lease)->GetUser(user_id);
    if (!u.ok()) {
      *e = FromStatus(u.status());
      return false;
    }
    if (!u->has_value() || (*u)->disabled) {
      *e = {401, "unauthenticated", "the account is disabled; ask a coordinator", ""};
      return false;
    }
    c->user = **u;
    auto org = OrganisationId(**lease, c->user.organisation_code);
    if (!org.ok()) {
      *e = org.status().code() == Status::Code::kNotFound
               ? ApiError{403, "forbidden",
                          "the account's organisation is not registered in this store; ask a "
                          "coordinator",
                          ""}
               : FromStatus(org.status());
      return false;
    }
    c->organisation_id = *org;
    RefreshProtocol(**lease);
    auto p = protocol();
    access::Subject& sub = c->subject;
    sub.user_id = c->user.id;
    sub.role = c->user.role;
    sub.organisation_id = c->organisation_id;
    if (c->token_id > 0) {
      auto has = [&](const char* scope) {
        return std::find(c->scopes.begin(), c->scopes.end(), scope) != c->scopes.end();
      };
      sub.token = true;
      sub.scope_read = has("read");
      sub.scope_write = has("write");
      sub.scope_export = has("export");
      sub.scope_metrics = has("metrics");
    }
    // Break the glass: cookie sessions only, and only roles the protocol in force lets break it
    // (so most requests need no query for it).
    if (c->token_id == 0 && p->BreakGlassRole(c->user.role)) {
      auto g = (*lease)->ActiveBreakGlass(c->user.id, now);
      if (!g.ok()) {
        *e = FromStatus(g.status());
        return false;
      }
      if (g->has_value() && (*g)->expires_at > now) {
        sub.break_glass_rank = std::min((*g)->max_rank, p->break_glass_rank());
        c->break_glass_until = (*g)->expires_at;
      }
    }
    c->scope = access::ReadScope(*p, sub);
    c->scope.who = std::to_string(c->user.id);
    return true;
  }

  Result<int64_t> OrganisationId(store::Store& s, const std::string& code) override {
    if (code.empty()) return int64_t{0};
    {
      std::lock_guard<std::mutex> l(org_mu_);
      auto it = org_ids_.find(code);
      if (it != org_ids_.end()) return it->second;
    }
    AEGIS_ASSIGN_OR_RETURN(auto orgs, s.ListOrganisations());
    std::lock_guard<std::mutex> l(org_mu_);
    for (const auto& o : orgs) org_ids_[o.code] = o.id;
    auto it = org_ids_.find(code);
    if (it != org_ids_.end()) return it->second;
    return Status::NotFound("organisation: no organisation " +
                            text::QuoteIfCode(code, "of that code") +
                            "; add it first (POST /api/v1/organisations)");
  }

  Status Routes() {
    http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_gated = {};
      BeginRequest(req, res);
      metrics_.RequestBegan();
      return CheckBeforeBody(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                       : httplib::Server::HandlerResponse::Handled;
    });
    http_.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("X-Frame-Options", "DENY");
      res.set_header("Referrer-Policy", "no-referrer");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
      if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
      // A request that could not be parsed never began: its id is made here.
      if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", CurrentRequestId());
      HttpServer::CloseIfBodyUnread(req, res);
    });
    const int header_s = (o_.header_timeout_ms + 999) / 1000;
    http_.set_error_handler([header_s](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (std::string_view(HttpServer::ReadFailure()) == "timeout")
        SendError(res, {408, "request_timeout",
                        "the request line and headers did not arrive within " +
                            std::to_string(header_s) + " s",
                        ""});
      else if (std::string_view(HttpServer::ReadFailure()) == "too_large")
        SendError(res, {431, "headers_too_large",
                        "the request line and headers are over 64 KB together", ""});
      else if (res.status == 404)
        SendError(res, {404, "not_found", "no such route; see /api/v1/openapi.json", ""});
      else if (res.status == 413)
        SendError(res, {413, "too_large", "the request body is too large", ""});
      else
        SendError(res, {res.status, "http_error", "the request could not be served", ""});
    });
    http_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
          // The exception's text is not logged: it can quote the request (a JSON parser's).
          SendError(res, {500, "internal",
                          "the server could not complete the request (an exception escaped the "
                          "route's handler)",
                          ""});
        });
    http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      FinishRequest(req, res.status);
    });
    AddOperationsRoutes();

    AddPublic("GET", "/api/v1/openapi.json",
              [this](const httplib::Request&, httplib::Response& res, Caller*) {
                res.set_content(openapi_, "application/json");
              });
    AddPublic(
        "POST", "/api/v1/session",
        [this](const httplib::Request& req, httplib::Response& res, Caller*) { SignIn(req, res); });
    Add("DELETE", "/api/v1/session", access::Action::kSignedIn,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) {
          auto lease = pool_.Acquire();
          if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
          // Every process reads the session per request: deleted here, refused everywhere.
          if (Status st = (*lease)->DeleteSession(c->session_digest); !st.ok())
            return SendError(res, FromStatus(st));
          Audit(**lease, c, "session.sign_out", "user", std::to_string(c->user.id), "");
          res.set_header("Set-Cookie",
                         "aegis_session=; Path=/; Max-Age=0; HttpOnly; "
                         "SameSite=Strict");
          SendJson(res, {{"signed_out", true}});
        });
    Add("GET", "/api/v1/me", access::Action::kSignedIn,
        [this](const httplib::Request&, httplib::Response& res, Caller* c) {
          json me = {{"id", c->user.id},
                     {"username", c->user.username},
                     {"role", c->user.role},
                     {"organisation", c->user.organisation_code}};
          if (!c->session_digest.empty())
            me["csrf_token"] = security::CsrfToken(*keys_->current(), c->session_digest);
          me["break_glass_until"] = c->break_glass_until;
          // What this user may do under the protocol in force, as the authorization kernel
          // decides it (MayEver per action: allowed for at least one record), how it sees the
          // analysis, and whether its individual records are its organisation's only. The web
          // application shows its pages from these, never from a role list of its own.
          json may = json::object();
          for (int i = 0; i < access::kActions; ++i) {
            const auto a = static_cast<access::Action>(i);
            if (a == access::Action::kSignedIn) continue;
            may[access::ActionName(a)] = access::MayEver(*protocol(), c->subject, a);
          }
          me["may"] = may;
          // Per record class, the record actions: "allow", "aggregate_only" or "deny".
          json by_class = json::object();
          for (int k = 0; k < store::kRecordClasses; ++k) {
            const auto cls = static_cast<store::RecordClass>(k);
            json acts = json::object();
            for (int i = 0; i <= static_cast<int>(access::Action::kImport); ++i) {
              const auto a = static_cast<access::Action>(i);
              const access::Effect e = access::MayEverOn(*protocol(), c->subject, a, cls);
              acts[access::ActionName(a)] = e == access::Effect::kAllow           ? "allow"
                                            : e == access::Effect::kAggregateOnly ? "aggregate_only"
                                                                                  : "deny";
            }
            by_class[access::ClassName(cls)] = acts;
          }
          me["may_by_class"] = by_class;
          // The roles this user may give to a user of its organisation (manage_users).
          json grant = json::array();
          for (const std::string& role : protocol()->RoleNames()) {
            access::Resource r;
            r.target_role = role;
            r.target_organisation_id = r.current_organisation_id = c->subject.organisation_id;
            if (access::Decide(*protocol(), c->subject, access::Action::kManageUsers, r).allowed())
              grant.push_back(role);
          }
          me["may_grant"] = grant;
          me["aggregates"] =
              access::AggregateViewOf(*protocol(), c->subject).safe ? "safe" : "exact";
          me["own_organisation_only"] = c->scope.only_organisation_id > 0;
          SendJson(res, me);
        });
    Add("GET", "/api/v1/areas", access::Action::kSignedIn,
        [this](const httplib::Request& req, httplib::Response& res, Caller*) {
          ListAreas(*this, req, res, false);
        });
    AddRecordRoutes(*this);
    AddAdminRoutes(*this);
    AddDataRoutes(*this);
    AddExportRoutes(*this);
    AddMatchRoutes(*this);
    AddServiceRoutes(*this);
    AddReferralRoutes(*this);
    AEGIS_RETURN_IF_ERROR(AddAlertRoutes(*this));
    AEGIS_RETURN_IF_ERROR(AddMessageRoutes(*this));
    AddWebRoutes(*this, http_);  // last: it serves every path outside /api/
    openapi_ = OpenApiDocument(routes_);
    return Status::Ok();
  }

  // The request's end (httplib's logger, after the answer was written): the metrics, and its log
  // line: level "error" with the Status for a 5xx, else level "info" unless access lines are off.
  // Never the path or the query: the route's pattern ("(unmatched)" when no route took it).
  void FinishRequest(const httplib::Request& req, int status) {
    RequestState& r = CurrentRequest();
    if (r.route.empty()) r.route = RouteOf(req);
    const double seconds = HttpServer::RequestSeconds();
    // The method as sent may be anything (a request that could not be parsed): a known one or
    // OTHER, so that neither the log nor the metrics' labels take a client's text.
    static const std::set<std::string> kMethods = {"GET",    "HEAD",  "POST",   "PUT",
                                                   "DELETE", "PATCH", "OPTIONS"};
    const std::string method = kMethods.count(req.method) ? req.method : "OTHER";
    metrics_.Request(method, r.route, status, seconds);
    if (r.began) metrics_.RequestEnded();
    if (status >= 500 || o_.log_requests) {
      char duration[32];
      std::snprintf(duration, sizeof duration, "%.3f", seconds * 1000);
      const std::string& id = CurrentRequestId();
      const bool error = status >= 500;
      LogLine(error ? "error" : "info",
              {{"request_id", JsonString(id)},
               {"method", JsonString(method)},
               {"route", JsonString(r.route)},
               {"status", std::to_string(status)},
               {"duration_ms", duration},
               {"user_id", r.user_id > 0 ? std::to_string(r.user_id) : "null"},
               {"error",
                error ? JsonString(r.error.empty() ? "no Status recorded" : r.error) : "null"}});
    }
    EndRequest();
  }

  // The pattern of the route `req` goes to, for a request no handler took (refused before its
  // body, or unknown): "(unmatched)" when none.
  std::string RouteOf(const httplib::Request& req) const {
    for (size_t i = 0; i < table_.size(); ++i)
      if (table_[i].method == req.method && std::regex_match(req.path, table_[i].pattern))
        return routes_[i].path;
    return "(unmatched)";
  }

  // GET /healthz, /readyz and /metrics (doc/server.md, "Operating Aegis"). Health and readiness
  // are public (they say nothing of the data); the metrics are the kernel's kReadMetrics.
  void AddOperationsRoutes() {
    AddPublic("GET", "/healthz", [](const httplib::Request&, httplib::Response& res, Caller*) {
      SendJson(res, {{"status", "ok"}});
    });
    AddPublic("GET", "/readyz",
              [this](const httplib::Request&, httplib::Response& res, Caller*) { Ready(res); });
    Add("GET", "/metrics", access::Action::kReadMetrics,
        [this](const httplib::Request&, httplib::Response& res, Caller*) {
          res.set_content(RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
        });
  }

  // Ready to serve: the store answers one cheap query through a pooled connection, its schema
  // is the latest (migrations current) and the key file can be read. 503 names the failed
  // checks; the cause is in the request's log line.
  void Ready(httplib::Response& res) {
    json checks = json::object(), failed = json::array();
    auto check = [&](const char* name, const Status& st) {
      checks[name] = st.ok() ? "ok" : "failed";
      if (st.ok()) return;
      failed.push_back(name);
      if (CurrentRequest().error.empty())
        CurrentRequest().error = std::string("readiness: ") + name + ": " + st.ToString();
    };
    Status store = Status::Ok(), migrations = Status::Unavailable("the store is not reachable");
    if (auto lease = pool_.Acquire(); !lease.ok()) {
      store = lease.status();
    } else if (auto v = (*lease)->SchemaVersion(); !v.ok()) {
      store = v.status();
    } else if (*v != (*lease)->LatestSchemaVersion()) {
      migrations = Status::InvalidArgument("schema version " + std::to_string(*v) + ", expected " +
                                           std::to_string((*lease)->LatestSchemaVersion()));
    } else {
      migrations = Status::Ok();
    }
    check("store", store);
    check("migrations", migrations);
    std::ifstream keys(o_.key_file, std::ios::binary);
    check("key_file", keys && keys.peek() != std::char_traits<char>::eof()
                          ? Status::Ok()
                          : Status::IOError("the key file cannot be read"));
    SendJson(res,
             {{"status", failed.empty() ? "ready" : "not_ready"},
              {"checks", checks},
              {"failed", failed}},
             failed.empty() ? 200 : 503);
  }

  // The exposition: requests, latencies, imports (Metrics), the store pool, the alert outbox.
  std::string RenderMetrics() {
    std::string out = metrics_.Render();
    StorePool::Stats p = pool_.stats();
    MetricHeader(out, "aegis_store_pool_waits_total", "counter",
                 "Leases of a store connection from the server's pool.");
    MetricSample(out, "aegis_store_pool_waits_total", "", static_cast<double>(p.leases));
    MetricHeader(out, "aegis_store_pool_wait_seconds_total", "counter",
                 "Time spent waiting for a lease from the pool (opening a connection included).");
    MetricSample(out, "aegis_store_pool_wait_seconds_total", "", p.wait_seconds);
    MetricHeader(out, "aegis_store_pool_opened_total", "counter",
                 "Connections opened because none was idle in the pool.");
    MetricSample(out, "aegis_store_pool_opened_total", "", static_cast<double>(p.opened));
    MetricHeader(out, "aegis_store_pool_leases_in_use", "gauge", "Store connections leased now.");
    MetricSample(out, "aegis_store_pool_leases_in_use", "", static_cast<double>(p.in_use));
    MetricHeader(out, "aegis_store_pool_idle", "gauge", "Idle store connections in the pool.");
    MetricSample(out, "aegis_store_pool_idle", "", static_cast<double>(p.idle));
    // No sample when the store cannot be read: an absent series, not a false zero.
    Result<store::AlertOutboxState> outbox = Status::Unavailable("no store");
    if (auto lease = pool_.Acquire(); lease.ok()) outbox = (*lease)->AlertOutbox();
    MetricHeader(out, "aegis_alert_outbox_depth", "gauge",
                 "Alert deliveries (webhook, e-mail) not yet made.");
    if (outbox.ok())
      MetricSample(out, "aegis_alert_outbox_depth", "", static_cast<double>(outbox->depth));
    MetricHeader(out, "aegis_alert_outbox_oldest_age_seconds", "gauge",
                 "Age of the oldest alert delivery not yet made (0 when none).");
    if (outbox.ok()) {
      const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
      const double age =
          outbox->depth > 0
              ? std::max(0.0, static_cast<double>(now_ms - outbox->oldest_created_ms) / 1000.0)
              : 0.0;
      MetricSample(out, "aegis_alert_outbox_oldest_age_seconds", "", age);
    }
    return out;
  }

  // The client's address: the connection's, or behind a trusted proxy on this host the one it
  // passes (only from loopback connections, so that a client cannot choose its own key).
  std::string ClientAddress(const httplib::Request& req) const {
    if (o_.behind_proxy && (req.remote_addr == "127.0.0.1" || req.remote_addr == "::1") &&
        req.has_header("X-Real-IP"))
      return req.get_header_value("X-Real-IP");
    return req.remote_addr;
  }

  void SignIn(const httplib::Request& req, httplib::Response& res) {
    if (int wait = sign_in_limit_.Take(ClientAddress(req)); wait > 0) {
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
    // One answer for every failed sign-in, whether the name is unknown, the password wrong or
    // the account locked (even against its right password), and each pays one password check:
    // neither the answer nor its time tells an existing or locked account from an unknown name.
    // The lock is in the audit log (session.sign_in_locked) and in `aegis user list`.
    const ApiError wrong{
        401, "wrong_credentials",
        "wrong user name or password; after " + std::to_string(o_.max_failed_logins) +
            " failed sign-ins an account is locked for " + std::to_string(o_.lockout_minutes) +
            " minutes (a coordinator can reset the password)",
        ""};
    if (!u->has_value()) {
      (void)security::VerifyPassword(unknown_user_hash_, password);
      Audit(**lease, nullptr, "session.sign_in_failed", "user", "", "unknown user");
      return SendError(res, wrong);
    }
    store::User user = **u;
    std::string now = NowUtc();
    const bool was_locked = !user.locked_until.empty() && user.locked_until > now;
    const bool right = security::VerifyPassword(user.password_hash, password) && !user.disabled;
    if (was_locked) {
      Audit(**lease, nullptr, "session.sign_in_locked", "user", std::to_string(user.id), "");
      return SendError(res, wrong);
    }
    // The failure count and the lock are in the store, shared by every server process. Read them
    // again after the slow password check: attempts through other processes (and threads) may
    // have counted failures or locked the account meanwhile. RecordLogin writes absolute values,
    // so the re-read and the write are kept together (one at a time in this process; across
    // processes the window left is the few microseconds between them, not the 0.1 s check).
    std::unique_lock<std::mutex> counting(login_mu_);
    if (auto again = (*lease)->GetUser(user.id); again.ok() && again->has_value()) user = **again;
    now = NowUtc();
    if (!user.locked_until.empty() && user.locked_until > now) {
      counting.unlock();
      Audit(**lease, nullptr, "session.sign_in_locked", "user", std::to_string(user.id), "");
      return SendError(res, wrong);
    }
    // `user` was read again: an account disabled during the password check fails here too.
    if (!right || user.disabled) {
      int failed = user.failed_logins + 1;
      std::string until =
          failed >= o_.max_failed_logins ? UtcIn(int64_t{o_.lockout_minutes} * 60) : "";
      (void)(*lease)->RecordLogin(user.id, until.empty() ? failed : 0, until);
      counting.unlock();
      Audit(**lease, nullptr, "session.sign_in_failed", "user", std::to_string(user.id),
            until.empty() ? "" : "locked");
      return SendError(res, wrong);
    }
    if (user.failed_logins != 0 || !user.locked_until.empty())
      (void)(*lease)->RecordLogin(user.id, 0, "");
    counting.unlock();
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

  using Clock = std::chrono::steady_clock;

  ServerOptions o_;
  std::shared_ptr<access::KeySource> keys_;
  std::shared_ptr<const security::Keyring> audit_keys_;  // the audit chain's keys, from start
  StorePool pool_;
  RateLimit sign_in_limit_;  // per process; see RateLimit
  std::mutex protocol_mu_;
  std::shared_ptr<const access::Protocol> protocol_;  // the newest version; see RefreshProtocol
  int64_t protocol_version_ = -1;
  Clock::time_point protocol_checked_{};
  std::unique_ptr<taxonomy::Taxonomy> taxonomy_;
  std::unique_ptr<access::AuditLog> audit_;  // the chain is extended in one store transaction
                                             // per batch and the anchor file is locked and only
                                             // moves forward, so processes share both
  HttpServer http_;
  std::vector<RouteInfo> routes_;
  // Every route in registration order, as httplib matches them (CheckBeforeBody).
  struct RouteEntry {
    std::string method;
    std::regex pattern;
    std::optional<access::Action> action;  // none: public
  };
  std::vector<RouteEntry> table_;
  std::string openapi_;
  Metrics metrics_;  // this process's; GET /metrics
  // P-code -> level, read at start. Areas change only through `aegis areas import`, which no
  // server process runs, so every process is equally (un)aware of them: a restart picks them up.
  std::map<std::string, int> areas_;
  std::string unknown_user_hash_;                  // see SignIn
  std::counting_semaphore<4> password_checks_{4};  // memory of this process's Argon2 checks
  std::mutex login_mu_;  // one failed-login count update at a time in this process (SignIn)
  std::mutex org_mu_;
  std::map<std::string, int64_t> org_ids_;  // see OrganisationId
  std::mutex stop_mu_;
  std::vector<std::function<void()>> at_stop_, on_change_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  auto s = std::make_unique<ServerImpl>(options);
  AEGIS_RETURN_IF_ERROR(s->Init());
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace aegis::server
