// Administration routes: organisations, users, API tokens, the sharing protocol (with its
// history), break-the-glass grants and the audit log. Each change is audited as a permission
// change; none of them writes personal data to the audit log.
#include <algorithm>

#include "security/password.h"
#include "security/tokens.h"
#include "server/api.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

json UserJson(const store::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"role", u.role},
          {"organisation", u.organisation_code},
          {"disabled", u.disabled}};
}

void Organisations(Api& api, httplib::Response& res) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto orgs = (*lease)->ListOrganisations();
  if (!orgs.ok()) return SendError(res, FromStatus(orgs.status()));
  json items = json::array();
  for (const auto& o : *orgs)
    items.push_back({{"id", o.id}, {"code", o.code}, {"name", o.name}, {"kind", o.kind}});
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

bool IsCode(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
  });
}

void AddOrganisation(Api& api, const httplib::Request& req, httplib::Response& res,
                     const Caller& c) {
  if (!Allowed(api, c, access::Action::kManageOrganisations, {}, res)) return;
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::Organisation o;
  if (ApiError e; !StringField(body, "code", &o.code, &e, 40) ||
                  !StringField(body, "name", &o.name, &e, 200) ||
                  !StringField(body, "kind", &o.kind, &e, 40))
    return SendError(res, e);
  if (!IsCode(o.code))
    return SendError(res, {400, "invalid", "code: 1-40 letters, digits, _ or -", "code"});
  static const char* kKinds[] = {"un_agency",  "ingo",     "nngo", "ngo",
                                 "government", "research", "other"};
  if (std::find(std::begin(kKinds), std::end(kKinds), o.kind) == std::end(kKinds))
    return SendError(
        res, {400, "invalid", "kind: un_agency, ingo, nngo, ngo, government, research or other",
              "kind"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto id = (*lease)->EnsureOrganisation(o);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.Audit(**lease, &c, "organisation.add", "organisation", std::to_string(*id), o.code);
  SendJson(res, {{"id", *id}, {"code", o.code}}, 201);
}

// The kernel's resource for changing user `u` (now holding `current`, "" for a new user).
Result<access::Resource> UserResource(Api& api, store::Store& s, const store::User& u,
                                      const store::User* current) {
  access::Resource r;
  r.target_role = u.role;
  AEGIS_ASSIGN_OR_RETURN(r.target_organisation_id, api.OrganisationId(s, u.organisation_code));
  r.current_organisation_id = r.target_organisation_id;
  if (current != nullptr) {
    r.current_role = current->role;
    auto org = api.OrganisationId(s, current->organisation_code);
    r.current_organisation_id = org.ok() ? *org : -1;
  }
  return r;
}

void Users(Api& api, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto users = (*lease)->ListUsers();
  if (!users.ok()) return SendError(res, FromStatus(users.status()));
  json items = json::array();
  // The users the caller may manage (those whose role it may give, in its organisations).
  for (const auto& u : *users) {
    auto r = UserResource(api, **lease, u, &u);
    if (r.ok() && Decide(api, c, access::Action::kManageUsers, *r).allowed())
      items.push_back(UserJson(u));
  }
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

void AddUser(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::User u;
  std::string password;
  if (ApiError e; !StringField(body, "username", &u.username, &e, 64) ||
                  !StringField(body, "display_name", &u.display_name, &e, 200) ||
                  !StringField(body, "role", &u.role, &e, 40) ||
                  !StringField(body, "organisation", &u.organisation_code, &e, 40) ||
                  !StringField(body, "password", &password, &e, 200))
    return SendError(res, e);
  if (!IsCode(u.username))
    return SendError(res, {400, "invalid", "username: 1-40 letters, digits, _ or -", "username"});
  if (!api.protocol()->HasRole(u.role))
    return SendError(
        res,
        {400, "invalid", "role: one of " + text::Join(api.protocol()->RoleNames(), ", "), "role"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto resource = UserResource(api, **lease, u, nullptr);
  if (!resource.ok())
    return SendError(res, {400, "invalid", resource.status().message(), "organisation"});
  if (!Allowed(api, c, access::Action::kManageUsers, *resource, res)) return;
  if (Status st = security::CheckPasswordPolicy(password); !st.ok())
    return SendError(res, {400, "invalid", st.message(), "password"});
  auto hash = security::HashPassword(password);
  if (!hash.ok()) return SendError(res, FromStatus(hash.status()));
  u.password_hash = *hash;
  auto id = (*lease)->AddUser(u);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.Audit(**lease, &c, "user.add", "user", std::to_string(*id), "role " + u.role);
  u.id = *id;
  SendJson(res, UserJson(u), 201);
}

void UpdateUser(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto found = (*lease)->GetUser(*id);
  if (!found.ok()) return SendError(res, FromStatus(found.status()));
  if (!found->has_value()) return SendError(res, {404, "not_found", "no such user", ""});
  store::User u = **found;
  if (ApiError e; !StringField(body, "display_name", &u.display_name, &e, 200) ||
                  !StringField(body, "role", &u.role, &e, 40) ||
                  !StringField(body, "organisation", &u.organisation_code, &e, 40))
    return SendError(res, e);
  if (body.contains("disabled")) {
    if (!body["disabled"].is_boolean())
      return SendError(res, {400, "invalid", "disabled must be true or false", "disabled"});
    u.disabled = body["disabled"].get<bool>();
  }
  if (!api.protocol()->HasRole(u.role))
    return SendError(
        res,
        {400, "invalid", "role: one of " + text::Join(api.protocol()->RoleNames(), ", "), "role"});
  if (u.id == c.user.id && (u.disabled || u.role != c.user.role))
    return SendError(res, {409, "conflict",
                           "you cannot disable yourself or change your own role; ask another "
                           "coordinator",
                           ""});
  auto resource = UserResource(api, **lease, u, &**found);
  if (!resource.ok())
    return SendError(res, {400, "invalid", resource.status().message(), "organisation"});
  if (!Allowed(api, c, access::Action::kManageUsers, *resource, res)) return;
  if (Status st = (*lease)->UpdateUser(u); !st.ok()) return SendError(res, FromStatus(st));
  // Every server process reads the user per request, so the change is in force at once
  // everywhere; a disabled account's sessions and API tokens are ended by the store, so that
  // enabling it again brings none of them back.
  std::string detail = "role " + u.role + (u.disabled ? ", disabled" : "");
  api.Audit(**lease, &c, "user.change", "user", std::to_string(u.id), detail);
  SendJson(res, UserJson(u));
}

// --- API tokens ----------------------------------------------------------------------------

json TokenJson(const store::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"user_id", t.user_id},
          {"scopes", text::Split(t.scopes, ' ')},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at},
          {"revoked", !t.revoked_at.empty()}};
}

void Tokens(Api& api, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  // Everyone lists their own tokens; those who manage users see every token.
  bool all = api.protocol()->Manages(c.user.role, "users");
  auto tokens = (*lease)->ListApiTokens(all ? 0 : c.user.id);
  if (!tokens.ok()) return SendError(res, FromStatus(tokens.status()));
  json items = json::array();
  for (const auto& t : *tokens) items.push_back(TokenJson(t));
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

void AddToken(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  store::ApiToken t;
  std::optional<int64_t> days = 90;
  if (ApiError e;
      !StringField(body, "name", &t.name, &e, 100) || !IntField(body, "days", &days, &e, 1, 366))
    return SendError(res, e);
  if (t.name.empty()) return SendError(res, {400, "invalid", "name is required", "name"});
  std::vector<std::string> scopes = {"read"};
  if (body.contains("scopes")) {
    scopes.clear();
    if (!body["scopes"].is_array() || body["scopes"].empty())
      return SendError(
          res, {400, "invalid", "scopes: a list of read, write, export, metrics", "scopes"});
    for (const json& s : body["scopes"]) {
      std::string v = s.is_string() ? s.get<std::string>() : "";
      if (v != "read" && v != "write" && v != "export" && v != "metrics")
        return SendError(
            res, {400, "invalid", "scopes: each is read, write, export or metrics", "scopes"});
      if (std::find(scopes.begin(), scopes.end(), v) == scopes.end()) scopes.push_back(v);
    }
  }
  std::string token = "aegis_" + security::RandomToken();
  t.token_digest = security::TokenDigest(token);
  t.user_id = c.user.id;
  t.scopes = text::Join(scopes, " ");
  t.created_at = NowUtc();
  t.expires_at = UtcIn(*days * 86400);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto id = (*lease)->AddApiToken(t);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  t.id = *id;
  api.Audit(**lease, &c, "token.add", "api_token", std::to_string(*id), t.scopes);
  json out = TokenJson(t);
  out["token"] = token;  // shown once; only its digest is stored
  SendJson(res, out, 201);
}

void RevokeToken(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  bool any = api.protocol()->Manages(c.user.role, "users");
  auto done = (*lease)->RevokeApiToken(*id, any ? 0 : c.user.id, NowUtc());
  if (!done.ok()) return SendError(res, FromStatus(done.status()));
  if (!*done) return SendError(res, {404, "not_found", "no such live token of yours", ""});
  api.Audit(**lease, &c, "token.revoke", "api_token", std::to_string(*id), "");
  SendJson(res, {{"id", *id}, {"revoked", true}});
}

// --- the sharing protocol ----------------------------------------------------------------------

void GetProtocol(Api& api, httplib::Response& res) {
  auto p = api.protocol();
  json actions = json::array();
  for (int a = 0; a < access::kActions; ++a)
    actions.push_back(access::ActionName(static_cast<access::Action>(a)));
  json roles = json::array();
  for (const std::string& name : p->RoleNames()) {
    const access::RoleRule* r = p->Role(name);
    json individual = json::object(), aggregate = json::array(), write = json::object();
    json alerts = json::array();
    for (int k = 0; k < store::kRecordClasses; ++k) {
      auto cls = access::ClassName(static_cast<store::RecordClass>(k));
      if (r->max_rank[k] >= 0) individual[cls] = r->max_rank[k];
      if (r->aggregate[k]) aggregate.push_back(cls);
      if (r->write_rank[k] >= 0) write[cls] = r->write_rank[k];
    }
    if (r->alert_submit) alerts.push_back("submit");
    if (r->alert_triage) alerts.push_back("triage");
    if (r->alert_acknowledge) alerts.push_back("acknowledge");
    roles.push_back(
        {{"role", name},
         {"label", r->label},
         {"individual_max_rank", individual},
         {"aggregate", aggregate},
         {"write_max_rank", write},
         {"own_org_only", r->own_org_only},
         {"import", r->import_files},
         {"export", r->export_records},
         {"alerts", alerts},
         {"manage", r->manage},
         {"grant_roles", r->grant_roles},
         {"users_of", r->users_all_organisations ? "all_organisations" : "own_organisation"}});
  }
  SendJson(res, {{"version", p->version()},
                 {"roles", roles},
                 {"break_glass_minutes", p->break_glass_minutes()},
                 {"break_glass_max_rank", p->break_glass_rank()},
                 {"actions", actions},
                 {"text", p->text()}});
}

void PutProtocol(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  std::string text_toml;
  if (ApiError e; !StringField(body, "text", &text_toml, &e, 200000)) return SendError(res, e);
  auto parsed = access::Protocol::Parse(text_toml, "protocol");
  if (!parsed.ok()) return SendError(res, {400, "invalid", parsed.status().message(), "text"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto users = (*lease)->ListUsers();
  if (!users.ok()) return SendError(res, FromStatus(users.status()));
  for (const auto& u : *users)
    if (!u.disabled && !parsed->HasRole(u.role))
      return SendError(res, {400, "invalid",
                             "the new protocol has no role '" + u.role +
                                 "', which active users hold; keep it or change their roles first",
                             "text"});
  if (!access::Decide(*parsed, c.subject, access::Action::kManageProtocol, {}).allowed())
    return SendError(res, {400, "invalid",
                           "the new protocol would take away your own right to manage it", "text"});
  store::ProtocolVersion v{0, NowUtc(), std::to_string(c.user.id), text_toml};
  auto id = (*lease)->AddProtocolVersion(v);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  api.SetProtocol(std::make_shared<const access::Protocol>(std::move(*parsed)), *id);
  api.Audit(**lease, &c, "isp.change", "isp_version", std::to_string(*id), "");
  SendJson(res, {{"version", *id}, {"loaded_at", v.loaded_at}});
}

void ProtocolVersions(Api& api, httplib::Response& res) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto versions = (*lease)->ListProtocolVersions();
  if (!versions.ok()) return SendError(res, FromStatus(versions.status()));
  json items = json::array();
  for (const auto& v : *versions)
    items.push_back({{"version", v.id},
                     {"loaded_at", v.loaded_at},
                     {"loaded_by", v.loaded_by},
                     {"bytes", v.text.size()}});
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

// --- break the glass -------------------------------------------------------------------------

json GrantJson(const store::BreakGlassGrant& g, bool with_reason) {
  json j = {{"id", g.id},
            {"user_id", g.user_id},
            {"max_rank", g.max_rank},
            {"granted_at", g.granted_at},
            {"expires_at", g.expires_at},
            {"ended_at", g.ended_at}};
  if (with_reason) j["reason"] = g.reason;
  return j;
}

void OpenBreakGlass(Api& api, const httplib::Request& req, httplib::Response& res,
                    const Caller& c) {
  auto p = api.protocol();
  json body;
  if (ApiError e; !ParseBody(req, &body, &e)) return SendError(res, e);
  std::string reason;
  std::optional<int64_t> minutes = p->break_glass_minutes();
  if (ApiError e; !StringField(body, "reason", &reason, &e, 2000) ||
                  !IntField(body, "minutes", &minutes, &e, 1, p->break_glass_minutes()))
    return SendError(res, e);
  if (text::Trim(reason).size() < 20)
    return SendError(res, {400, "invalid",
                           "reason: write why you need emergency access (20 characters or "
                           "more); it is kept and reviewed",
                           "reason"});
  store::BreakGlassGrant g;
  g.user_id = c.user.id;
  g.reason = reason;
  g.max_rank = p->break_glass_rank();
  g.granted_at = NowUtc();
  g.expires_at = UtcIn(*minutes * 60);
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto id = (*lease)->AddBreakGlass(g);
  if (!id.ok()) return SendError(res, FromStatus(id.status()));
  g.id = *id;
  api.Audit(**lease, &c, "break_glass.open", "break_glass", std::to_string(*id),
            std::to_string(*minutes) + " minutes");
  SendJson(res, GrantJson(g, false), 201);
}

void ListBreakGlass(Api& api, httplib::Response& res, const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto grants = (*lease)->ListBreakGlass();
  if (!grants.ok()) return SendError(res, FromStatus(grants.status()));
  bool reviewer = Decide(api, c, access::Action::kReadAudit).allowed();
  json items = json::array();
  for (const auto& g : *grants)
    if (reviewer || g.user_id == c.user.id) items.push_back(GrantJson(g, true));
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

void EndBreakGlass(Api& api, const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto id = Int(req.matches[1].str());
  if (!id) return SendError(res, {400, "invalid", "the id must be a number", "id"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  bool reviewer = Decide(api, c, access::Action::kReadAudit).allowed();
  // Every server process reads the owner's open grant per request: ended here, ended everywhere.
  auto done = (*lease)->EndBreakGlass(*id, reviewer ? 0 : c.user.id, NowUtc());
  if (!done.ok()) return SendError(res, FromStatus(done.status()));
  if (!*done) return SendError(res, {404, "not_found", "no such open grant of yours", ""});
  api.Audit(**lease, &c, "break_glass.end", "break_glass", std::to_string(*id), "");
  SendJson(res, {{"id", *id}, {"ended", true}});
}

void AuditList(Api& api, const httplib::Request& req, httplib::Response& res) {
  int64_t after = 0, limit = 500;
  if (req.has_param("after")) {
    auto v = Int(req.get_param_value("after"));
    if (!v || *v < 0) return SendError(res, {400, "invalid", "after: a whole number", "after"});
    after = *v;
  }
  if (req.has_param("limit")) {
    auto v = Int(req.get_param_value("limit"));
    if (!v || *v < 1 || *v > 5000)
      return SendError(res, {400, "invalid", "limit: from 1 to 5000", "limit"});
    limit = *v;
  }
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  json items = json::array();
  Status st = (*lease)->ScanAudit([&](const store::AuditRow& r) {
    if (r.seq <= after || static_cast<int64_t>(items.size()) >= limit) return;
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
  json out = {{"items", items}, {"count", items.size()}};
  if (static_cast<int64_t>(items.size()) == limit)
    out["next"] = "/api/v1/audit?after=" + std::to_string(items.back()["seq"].get<int64_t>());
  SendJson(res, out);
}

}  // namespace

void AddAdminRoutes(Api& api) {
  Api* a = &api;
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  using A = access::Action;
  api.Add("GET", "/api/v1/organisations", A::kSignedIn,
          [a](Req, Res r, Caller*) { Organisations(*a, r); });
  api.Add("POST", "/api/v1/organisations", A::kManageOrganisations,
          [a](Req q, Res r, Caller* c) { AddOrganisation(*a, q, r, *c); });
  api.Add("GET", "/api/v1/users", A::kManageUsers,
          [a](Req, Res r, Caller* c) { Users(*a, r, *c); });
  api.Add("POST", "/api/v1/users", A::kManageUsers,
          [a](Req q, Res r, Caller* c) { AddUser(*a, q, r, *c); });
  api.Add("PUT", "/api/v1/users/{id}", A::kManageUsers,
          [a](Req q, Res r, Caller* c) { UpdateUser(*a, q, r, *c); });
  api.Add("GET", "/api/v1/tokens", A::kManageTokens,
          [a](Req, Res r, Caller* c) { Tokens(*a, r, *c); });
  api.Add("POST", "/api/v1/tokens", A::kManageTokens,
          [a](Req q, Res r, Caller* c) { AddToken(*a, q, r, *c); });
  api.Add("DELETE", "/api/v1/tokens/{id}", A::kManageTokens,
          [a](Req q, Res r, Caller* c) { RevokeToken(*a, q, r, *c); });
  api.Add("GET", "/api/v1/protocol", A::kSignedIn,
          [a](Req, Res r, Caller*) { GetProtocol(*a, r); });
  api.Add("PUT", "/api/v1/protocol", A::kManageProtocol,
          [a](Req q, Res r, Caller* c) { PutProtocol(*a, q, r, *c); });
  api.Add("GET", "/api/v1/protocol/versions", A::kManageProtocol,
          [a](Req, Res r, Caller*) { ProtocolVersions(*a, r); });
  api.Add("POST", "/api/v1/break-glass", A::kBreakGlass,
          [a](Req q, Res r, Caller* c) { OpenBreakGlass(*a, q, r, *c); });
  api.Add("GET", "/api/v1/break-glass", A::kSignedIn,
          [a](Req, Res r, Caller* c) { ListBreakGlass(*a, r, *c); });
  api.Add("DELETE", "/api/v1/break-glass/{id}", A::kSignedIn,
          [a](Req q, Res r, Caller* c) { EndBreakGlass(*a, q, r, *c); });
  api.Add("GET", "/api/v1/audit", A::kReadAudit,
          [a](Req q, Res r, Caller*) { AuditList(*a, q, r); });
}

}  // namespace aegis::server
