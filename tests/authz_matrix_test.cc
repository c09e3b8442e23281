// The authorization matrix, generated from the OpenAPI document the server publishes: every
// route (so a new route is in it as soon as it is registered) x 9 roles x 9 credentials (a
// session, and API tokens of the scopes read, write, export, all three, and metrics alone), and for
// the routes that read, export or create records also x own/other organisation x 3 record classes x
// 4 sensitivity levels, over real HTTP on loopback. The expected outcome of every cell comes from
// the shipped protocol written out by hand below (kRoles), not from the kernel, so removing a
// check from src/access/decision.cc makes cells unexpected (see doc/access.md for that run).
#include <httplib.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "security/pseudonym.h"
#include "server_fixture.h"

namespace aegis::testing {
namespace {

// The shipped protocol (data/isp/protocol.toml, version 2), by hand.
struct RoleSpec {
  int read[3];  // incident, gbv, child: highest sensitivity rank readable; -1 none
  bool own_only;
  int write[3];
  bool import, export_records, submit, triage, acknowledge;
  std::set<std::string> manage;
  std::set<std::string> grants;
  std::set<std::string> messages = {};  // the protocol's `messages` list
};
const std::map<std::string, RoleSpec> kRoles = {
    {"coordinator",
     {{2, 1, 1},
      false,
      {3, 3, 3},
      true,
      true,
      true,
      true,
      true,
      {"users", "organisations", "isp", "audit", "tracing", "duplicates", "metrics"},
      {"coordinator", "imo", "partner_focal_point", "field_monitor", "service_provider",
       "outside_recipient", "viewer"},
      {"draft", "approve", "send"}}},
    {"imo",
     {{2, 1, 1},
      false,
      {3, 3, 3},
      true,
      true,
      true,
      true,
      true,
      {"users", "audit", "duplicates", "metrics"},
      {"partner_focal_point", "field_monitor", "outside_recipient", "viewer"},
      {"draft", "approve"}}},
    {"partner_focal_point",
     {{1, -1, -1}, true, {1, -1, -1}, true, true, true, false, true, {}, {}, {"draft"}}},
    {"field_monitor", {{1, -1, -1}, true, {1, -1, -1}, true, true, true, false, true, {}, {}}},
    {"service_provider",
     {{1, -1, -1}, true, {-1, -1, -1}, false, true, false, false, true, {"tracing"}, {}}},
    {"outside_recipient",
     {{-1, -1, -1}, false, {-1, -1, -1}, false, false, false, false, false, {}, {}}},
    {"viewer", {{-1, -1, -1}, false, {-1, -1, -1}, false, false, false, false, false, {}, {}}},
    {"messaging_officer",
     {{-1, -1, -1},
      false,
      {-1, -1, -1},
      false,
      false,
      false,
      false,
      false,
      {},
      {},
      {"draft", "send", "contacts"}}},
    {"sms_gateway",
     {{-1, -1, -1}, false, {-1, -1, -1}, false, false, false, false, false, {}, {}, {"gateway"}}},
};

// The service directory (class `service`): the highest rank each role reads (of every
// organisation: the directory is shared) and writes (its own organisation's entries); -1 none.
struct ServiceSpec {
  int read, write;
};
const std::map<std::string, ServiceSpec> kServiceRoles = {{"coordinator", {2, 2}},
                                                          {"imo", {2, 2}},
                                                          {"partner_focal_point", {2, 2}},
                                                          {"field_monitor", {1, -1}},
                                                          {"service_provider", {2, 2}},
                                                          {"outside_recipient", {-1, -1}},
                                                          {"viewer", {-1, -1}},
                                                          {"messaging_officer", {1, -1}},
                                                          {"sms_gateway", {-1, -1}}};

// Referrals (class `referral`, stored at least confidential): the highest rank each role reads
// and writes, of the organisations that sent or received them when it is own-organisation only.
const std::map<std::string, ServiceSpec> kReferralRoles = {{"coordinator", {2, 2}},
                                                           {"imo", {2, 2}},
                                                           {"partner_focal_point", {2, 2}},
                                                           {"field_monitor", {2, 2}},
                                                           {"service_provider", {2, 2}},
                                                           {"outside_recipient", {-1, -1}},
                                                           {"viewer", {-1, -1}},
                                                           {"messaging_officer", {-1, -1}},
                                                           {"sms_gateway", {-1, -1}}};

struct Credential {
  std::string name;  // session, read, write, export, all, metrics
  bool token = false, read = true, write = true, export_ = true, metrics = false;
};
const std::vector<Credential> kCredentials = {{"session", false, true, true, true},
                                              {"token:read", true, true, false, false},
                                              {"token:write", true, false, true, false},
                                              {"token:export", true, false, false, true},
                                              {"token:read+write", true, true, true, false},
                                              {"token:read+export", true, true, false, true},
                                              {"token:write+export", true, false, true, true},
                                              {"token:all", true, true, true, true},
                                              {"token:metrics", true, false, false, false, true}};

// May `cred` of `role` pass the gate of a route whose action is `action` (method `method`)?
// The protocol's rules at the level of a route, before any record is known.
bool GateOpen(const std::string& action, const std::string& method, const std::string& role,
              const Credential& cred) {
  const RoleSpec& r = kRoles.at(role);
  if (action == "public") return true;
  // Every probe comes through a proxy for another address (Send): not from the server's host.
  if (action == "read_metrics") return r.manage.count("metrics") && (!cred.token || cred.metrics);
  if (cred.token) {
    if (method != "GET" && !cred.write) return false;
    if (method == "GET" && !cred.read && !cred.export_) return false;
    static const std::set<std::string> kPersonOnly = {
        "manage_users",        "manage_organisations", "manage_protocol", "break_glass",
        "approve_break_glass", "manage_tokens",        "approve_message"};
    if (kPersonOnly.count(action)) return false;
    // Every action that is not a read changes something: a token needs the write scope.
    static const std::set<std::string> kReads = {
        "read_individual", "read_aggregate", "export", "read_audit", "signed_in", "read_messages"};
    if (!kReads.count(action) && !cred.write) return false;
    if (action != "export" && action != "signed_in" && action != "read_aggregate" &&
        method == "GET" && !cred.read)
      return false;
    if (action == "read_aggregate" && !cred.read && !cred.export_) return false;
  }
  bool reads_any = r.read[0] >= 0 || r.read[1] >= 0 || r.read[2] >= 0;
  bool writes_any =
      r.write[0] >= 0 || r.write[1] >= 0 || r.write[2] >= 0 || kServiceRoles.at(role).write >= 0;
  if (action == "signed_in" || action == "manage_tokens") return true;
  // Every role but the SMS gateway's (a machine that reads nothing) sees some class in
  // aggregates (or reads monitoring reports): the list routes open, and filter.
  if (action == "read_individual" || action == "read_aggregate") return role != "sms_gateway";
  const std::set<std::string>& m = r.messages;
  if (action == "read_messages")
    return m.count("draft") || m.count("approve") || m.count("send") || m.count("contacts");
  if (action == "draft_message") return m.count("draft") > 0;
  if (action == "approve_message") return m.count("approve") > 0;
  if (action == "send_message") return m.count("send") > 0;
  if (action == "manage_contacts") return m.count("contacts") > 0;
  if (action == "message_gateway") return m.count("gateway") > 0;
  if (action == "export") return r.export_records && reads_any && cred.export_;
  if (action == "create" || action == "update") return writes_any;
  if (action == "import") return r.import;
  if (action == "manage_users") return r.manage.count("users") && !r.grants.empty();
  if (action == "manage_organisations") return r.manage.count("organisations") > 0;
  if (action == "manage_protocol") return r.manage.count("isp") > 0;
  if (action == "read_audit") return r.manage.count("audit") > 0;
  if (action == "manage_tracing") return r.manage.count("tracing") > 0;
  if (action == "manage_duplicates") return r.manage.count("duplicates") > 0;
  if (action == "break_glass")
    return role == "coordinator" || role == "imo" || role == "partner_focal_point";
  if (action == "submit_alert") return r.submit;
  if (action == "triage_alert") return r.triage;
  if (action == "acknowledge_alert") return r.acknowledge;
  ADD_FAILURE() << "the matrix has no rule for the action " << action
                << ": add the action to kRoles and GateOpen";
  return false;
}

class AuthzMatrixTest : public ServerTest {
 protected:
  // The credential's headers for `role` (tokens made once per role and scope set).
  httplib::Headers Headers(const std::string& role, const Credential& cred, bool unsafe) {
    auto& sess = sessions_[role];
    if (sess.cookie.empty()) sess = Login(role);
    if (!cred.token) return unsafe ? sess.Unsafe() : sess.Get();
    std::string key = role + "|" + cred.name;
    if (!tokens_.count(key)) {
      json scopes = json::array();
      if (cred.read) scopes.push_back("read");
      if (cred.write) scopes.push_back("write");
      if (cred.export_) scopes.push_back("export");
      if (cred.metrics) scopes.push_back("metrics");
      auto r = Client()->Post("/api/v1/tokens", sess.Unsafe(),
                              json{{"name", key}, {"scopes", scopes}}.dump(), "application/json");
      EXPECT_TRUE(r && r->status == 201) << key << " " << (r ? r->body : "");
      tokens_[key] = r && r->status == 201 ? json::parse(r->body)["token"].get<std::string>() : "";
    }
    return {{"Authorization", "Bearer " + tokens_[key]}};
  }

  // Every probe as if a proxy passed it for another address (X-Real-IP): the server's own host
  // may read the metrics without credentials (access::Subject::local), a client elsewhere not.
  httplib::Result Send(const std::string& method, const std::string& path, httplib::Headers h,
                       const std::string& body = "{}") {
    h.emplace("X-Real-IP", "192.0.2.7");
    auto c = Client();
    if (method == "GET") return c->Get(path.c_str(), h);
    if (method == "DELETE") return c->Delete(path.c_str(), h);
    if (method == "PUT") return c->Put(path.c_str(), h, body, "application/json");
    return c->Post(path.c_str(), h, body, "application/json");
  }

  std::map<std::string, Session> sessions_;
  std::map<std::string, std::string> tokens_;
};

// An answer that shows the gate let the request through: anything but 401 and 403 (a 400 for
// the probe's empty body, a 404 for a made-up id, a 409 or 503 are the handler's).
bool PassedGate(const httplib::Result& r) { return r && r->status != 401 && r->status != 403; }

TEST_F(AuthzMatrixTest,
       EveryRouteRoleCredentialOrganisationClassAndSensitivityIsAsTheProtocolSays) {
  // The roles of life-saving messages, beside the fixture's seven.
  AddUser("messaging_officer", "messaging_officer", "");
  AddUser("sms_gateway", "sms_gateway", "");
  auto doc_res = Client()->Get("/api/v1/openapi.json");
  ASSERT_TRUE(doc_res && doc_res->status == 200);
  json doc = json::parse(doc_res->body);
  std::map<std::string, int64_t> ids;
  auto all = store_->ListIncidents(store::AccessScope{{3, 3, 3, 3}, {}, 0, ""}, {});
  ASSERT_TRUE(all.ok());
  for (const auto& r : *all) ids[r.source_key] = r.id;
  int64_t cells = 0, unexpected = 0;
  auto check = [&](bool expected, bool actual, const std::string& what) {
    ++cells;
    if (expected != actual) {
      ++unexpected;
      ADD_FAILURE() << what << ": expected " << (expected ? "allowed" : "denied");
    }
  };
  // 1. Every route's gate, for every role and credential. Routes that change state are probed
  // with an empty body (refused by validation when the gate is open) or an id that does not
  // exist, so that the probes change nothing.
  int routes = 0;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method_lc, op] : ops.items()) {
      ASSERT_TRUE(op.contains("x-aegis-action")) << method_lc << " " << path;
      std::string action = op["x-aegis-action"];
      std::string method = method_lc;
      for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (action == "public") continue;
      if (path == "/api/v1/session" && method == "DELETE") continue;  // would sign out
      ++routes;
      std::string url = path;
      if (auto at = url.find("{id}"); at != std::string::npos) url.replace(at, 4, "999999");
      for (const auto& [role, spec] : kRoles)
        for (const Credential& cred : kCredentials) {
          auto r = Send(method, url, Headers(role, cred, method != "GET"));
          check(GateOpen(action, method, role, cred), PassedGate(r),
                method + " " + path + " as " + role + " with " + cred.name + " -> " +
                    (r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : "no answer"));
        }
    }
  }
  // 2. Records: list, detail, search by area and by risk, and the export, for every record of
  // own/other organisation x class x sensitivity.
  for (const auto& [role, spec] : kRoles) {
    for (const Credential& cred : kCredentials) {
      httplib::Headers h = Headers(role, cred, false);
      auto keys_of = [&](const std::string& path, bool pseudonyms) {
        std::set<std::string> out;
        auto r = Send("GET", path, h);
        if (!r || r->status != 200) {
          if (r && r->status != 403) ADD_FAILURE() << path << " " << r->status << " " << r->body;
          return out;
        }
        if (pseudonyms) {
          for (const std::string& line : text::Split(r->body, '\n'))
            out.insert(line.substr(0, line.find(',')));
          return out;
        }
        json body = json::parse(r->body);  // kept: a range over a temporary's member dangles
        for (const auto& it : body["items"]) out.insert(it["source_key"]);
        return out;
      };
      std::set<std::string> listed = keys_of("/api/v1/incidents?limit=1000", false);
      std::set<std::string> by_area = keys_of("/api/v1/incidents?limit=1000&area=SS01", false);
      std::map<std::string, std::set<std::string>> by_risk;
      for (const char* risk : {"ATK", "GBV", "REC"})
        by_risk[risk] = keys_of(std::string("/api/v1/incidents?limit=1000&risk=") + risk, false);
      std::set<std::string> exported = keys_of("/api/v1/exports/incidents?format=csv", true);
      for (const char* org : {"ORG-A", "ORG-B"}) {
        const bool own = std::string(org) == "ORG-A";
        for (size_t cl = 0; cl < 3; ++cl) {
          for (size_t s = 0; s < kSensitivity.size(); ++s) {
            std::string key = std::string(org) + "|" + kClasses[cl] + "|" + kSensitivity[s];
            const bool may_read =
                cred.read && spec.read[cl] >= static_cast<int>(s) && (!spec.own_only || own);
            const bool may_export = cred.export_ && spec.export_records &&
                                    spec.read[cl] >= static_cast<int>(s) && (!spec.own_only || own);
            const char* risk = cl == 0 ? "ATK" : cl == 1 ? "GBV" : "REC";
            std::string where = role + " " + cred.name + " " + key;
            auto detail = Send("GET", "/api/v1/incidents/" + std::to_string(ids[key]), h);
            check(may_read, listed.count(key) == 1, "list " + where);
            check(may_read, by_area.count(key) == 1, "area search " + where);
            check(may_read, by_risk[risk].count(key) == 1, "risk search " + where);
            check(may_read, detail && detail->status == 200, "detail " + where);
            std::string pseudonym =
                security::Pseudonym(*keys_->current(), "incident", std::to_string(ids[key]));
            check(may_export, exported.count(pseudonym) == 1, "export " + where);
            if (detail) {
              EXPECT_EQ(detail->body.find("SECRET-NARRATIVE") != std::string::npos, may_read)
                  << where;
            }
          }
        }
      }
    }
  }
  // 3. Writes: an incident of each class and sensitivity entered by each role and credential,
  // in its own organisation, and with the source key of another organisation's record (which
  // must stay as it was: keys are per organisation).
  for (const auto& [role, spec] : kRoles) {
    for (const Credential& cred : kCredentials) {
      httplib::Headers h = Headers(role, cred, true);
      for (const char* org : {"own", "other"}) {
        const bool own = std::string(org) == "own";
        for (size_t cl = 0; cl < 3; ++cl) {
          for (size_t s = 0; s < kSensitivity.size(); ++s) {
            std::string victim = std::string("ORG-B|") + kClasses[cl] + "|" + kSensitivity[s];
            json body = {{"date_start", "2024-03-05"},
                         {"area_pcode", "SS010101"},
                         {"risks",
                          {cl == 0   ? "ATK"
                           : cl == 1 ? "GBV"
                                     : "REC"}},
                         {"sensitivity", kSensitivity[s]},
                         {"narrative", "matrix entry"}};
            if (!own) body["source_key"] = victim;
            const bool min_ok = cl == 0 || s >= 1;  // GBV and child records are never public
            const bool may = cred.write && spec.write[cl] >= static_cast<int>(s) && min_ok;
            auto r = Send("POST", "/api/v1/incidents", h, body.dump());
            std::string where = role + " " + cred.name + " creates " + org + " " + kClasses[cl] +
                                "/" + kSensitivity[s];
            // With another organisation's key: a new record of one's own (201), or 409 when one's
            // own organisation already holds that key; never the other organisation's record.
            check(may, r && (r->status == 201 || (!own && r->status == 409)),
                  where + " -> " + (r ? std::to_string(r->status) + " " + r->body : "none"));
            if (!own) {
              auto kept =
                  store_->GetIncident(store::AccessScope{{3, 3, 3, 3}, {}, 0, ""}, ids[victim]);
              ASSERT_TRUE(kept.ok() && kept->has_value());
              check(true,
                    (*kept)->narrative == "SECRET-NARRATIVE-" + victim &&
                        (*kept)->organisation == "ORG-B",
                    "another organisation's record left as it was after " + where);
            }
          }
        }
      }
    }
  }
  // 3b. The service directory: an ordinary (internal) and a GBV-specialised (confidential) entry
  // of each organisation, listed, read, entered and changed by each role and credential.
  auto svc_src = store_->EnsureDataSource({0, "SVC", "test", "manual", "", "secondary"});
  ASSERT_TRUE(svc_src.ok());
  std::map<std::string, int64_t> svc;
  for (const char* org : {"ORG-A", "ORG-B"})
    for (int rank : {1, 2}) {
      store::Service s;
      s.source_key = std::string(org) + "|service|" + kSensitivity[rank];
      s.organisation_code = org;
      s.provider = org;
      s.service_type = rank == 2 ? "gbv" : "protection";
      s.gbv_specialised = rank == 2;
      s.sensitivity = kSensitivity[rank];
      s.pcodes = {"SS0101"};
      auto id = store_->CreateService(s, *svc_src);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      svc[s.source_key] = *id;
    }
  for (const auto& [role, spec] : kRoles) {
    const ServiceSpec& ss = kServiceRoles.at(role);
    const bool in_org_a = spec.own_only;  // the fixture puts own-organisation roles in ORG-A
    for (const Credential& cred : kCredentials) {
      std::set<std::string> listed;
      auto l = Send("GET", "/api/v1/services", Headers(role, cred, false));
      if (l && l->status == 200) {
        json body = json::parse(l->body);
        for (const auto& it : body["items"]) listed.insert(it["source_key"]);
      }
      // The directory's export: the entries the role reads, with an export right.
      auto ex = Send("GET", "/api/v1/services/export?format=csv", Headers(role, cred, false));
      const std::string exported = ex && ex->status == 200 ? ex->body : "";
      for (const auto& [key, id] : svc) {
        const int rank = key.find("confidential") != std::string::npos ? 2 : 1;
        const bool may_read = cred.read && ss.read >= rank;
        std::string where = role + " " + cred.name + " " + key;
        check(may_read, listed.count(key) == 1, "service list " + where);
        check(cred.export_ && spec.export_records && ss.read >= rank,
              exported.find("\n" + std::to_string(id) + ",SS0101,") != std::string::npos,
              "service export " + where);
        auto d = Send("GET", "/api/v1/services/" + std::to_string(id), Headers(role, cred, false));
        check(may_read, d && d->status == 200, "service detail " + where);
        const bool own = in_org_a && key.rfind("ORG-A", 0) == 0;
        const bool may_change = may_read && cred.write && ss.write >= rank && own;
        json change = {{"service_type", rank == 2 ? "gbv" : "protection"},
                       {"provider", key.substr(0, 5)},
                       {"pcodes", {"SS0101"}},
                       {"sensitivity", kSensitivity[rank]},
                       {"hours", role + " " + cred.name}};
        auto u = Send("PUT", "/api/v1/services/" + std::to_string(id), Headers(role, cred, true),
                      change.dump());
        check(may_change, u && u->status == 200,
              "service change " + where + " -> " +
                  (u ? std::to_string(u->status) + " " + u->body.substr(0, 200) : "none"));
      }
      for (int rank : {1, 2}) {
        json entry = {{"service_type", rank == 2 ? "gbv" : "protection"},
                      {"provider", "X"},
                      {"pcodes", {"SS0101"}},
                      {"sensitivity", kSensitivity[rank]}};
        auto c = Send("POST", "/api/v1/services", Headers(role, cred, true), entry.dump());
        check(cred.write && ss.write >= rank, c && c->status == 201,
              "service entry " + role + " " + cred.name + " " + kSensitivity[rank] + " -> " +
                  (c ? std::to_string(c->status) + " " + c->body.substr(0, 200) : "none"));
      }
    }
  }
  // 3c. Referrals: one from ORG-A to ORG-B, one from ORG-B to ORG-A and one from ORG-B to
  // ORG-C, each with consent to disclose the person's name to its receiver. Read (and whether
  // the name shows), accepted (a fresh one from ORG-B to ORG-A per probe: only the receiver
  // accepts) and sent by each role and credential. Cluster-wide accounts (coordinator, IMO) read
  // every referral and never the person; they send none (they belong to no organisation).
  ASSERT_TRUE(store_->EnsureOrganisation({0, "ORG-C", "ORG-C", "ngo"}).ok());
  auto make_referral = [&](const std::string& from, const std::string& to) -> int64_t {
    store::Referral r;
    r.referring_organisation = from;
    r.receiving_organisation = to;
    r.service_type = "legal";
    r.priority = "normal";
    r.purpose = "service_provision";
    r.person.name = "MATRIX-PERSON-" + from + "-" + to;
    r.created_ms = r.updated_ms = 1;
    r.due_ms = int64_t{1} << 50;
    store::Consent c;
    c.given_by = "person";
    c.purpose = r.purpose;
    c.receiving_organisation = to;
    c.fields = {"name"};
    c.given_ms = 1;
    auto id = store_->CreateReferral(r, c, {0, 0, 1, "test", "created", "", "sent"}, {});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  };
  const std::map<std::string, int64_t> refs = {{"ORG-A>ORG-B", make_referral("ORG-A", "ORG-B")},
                                               {"ORG-B>ORG-A", make_referral("ORG-B", "ORG-A")},
                                               {"ORG-B>ORG-C", make_referral("ORG-B", "ORG-C")}};
  for (const auto& [role, spec] : kRoles) {
    const ServiceSpec& rs = kReferralRoles.at(role);
    const bool in_org_a = spec.own_only;
    for (const Credential& cred : kCredentials) {
      for (const auto& [key, id] : refs) {
        const bool involves_a = key.find("ORG-A") != std::string::npos;
        const bool may_read = cred.read && rs.read >= 2 && (!spec.own_only || involves_a);
        const std::string where = role + " " + cred.name + " " + key;
        auto d = Send("GET", "/api/v1/referrals/" + std::to_string(id), Headers(role, cred, false));
        check(may_read, d && d->status == 200, "referral detail " + where);
        // The name: to the referrer, and to the receiver the consent names; never to others.
        check(may_read && in_org_a, d && d->body.find("MATRIX-PERSON") != std::string::npos,
              "referral person " + where);
      }
      const int64_t fresh = make_referral("ORG-B", "ORG-A");
      auto acc = Send("POST", "/api/v1/referrals/" + std::to_string(fresh) + "/status",
                      Headers(role, cred, true), json{{"status", "accepted"}}.dump());
      check(cred.read && cred.write && rs.write >= 2 && in_org_a, acc && acc->status == 200,
            "referral accept " + role + " " + cred.name + " -> " +
                (acc ? std::to_string(acc->status) + " " + acc->body.substr(0, 200) : "none"));
      json entry = {{"receiving_organisation", "ORG-B"},
                    {"service_type", "legal"},
                    {"case_code", "M-1"},
                    {"consent",
                     {{"given_by", "person"},
                      {"purpose", "service_provision"},
                      {"receiving_organisation", "ORG-B"}}}};
      auto c = Send("POST", "/api/v1/referrals", Headers(role, cred, true), entry.dump());
      check(cred.write && rs.write >= 2 && in_org_a, c && c->status == 201,
            "referral entry " + role + " " + cred.name + " -> " +
                (c ? std::to_string(c->status) + " " + c->body.substr(0, 200) : "none"));
    }
  }

  // 4. Users: each role gives each role, to a user of its own and of another organisation.
  for (const auto& [role, spec] : kRoles) {
    for (const auto& [target, tspec] : kRoles) {
      for (const char* org : {"ORG-A", "ORG-B"}) {
        const bool own_org = kRoles.at(role).own_only ? std::string(org) == "ORG-A" : true;
        json body = {{"username", "u" + std::to_string(cells)},
                     {"role", target},
                     {"organisation", org},
                     {"password", "a long enough password 123"}};
        for (const Credential& cred : kCredentials) {
          auto r = Send("POST", "/api/v1/users", Headers(role, cred, true), body.dump());
          const bool may =
              !cred.token && spec.manage.count("users") && spec.grants.count(target) && own_org;
          check(may, r && r->status == 201,
                role + " " + cred.name + " gives " + target + " in " + org + " -> " +
                    (r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : "none"));
          body["username"] = "u" + std::to_string(cells);
        }
      }
    }
  }
  // 5. Users: each role changes the role of each user of the fixture (one per role) to each
  // role; a change that went through is put back by the coordinator.
  auto users = store_->ListUsers();
  ASSERT_TRUE(users.ok());
  Session coordinator = sessions_["coordinator"];
  for (const auto& [role, spec] : kRoles) {
    for (const auto& u : *users) {
      if (!kRoles.count(u.username) || u.username == role) continue;  // not oneself (409)
      const std::string path = "/api/v1/users/" + std::to_string(u.id);
      for (const auto& [target, tspec] : kRoles) {
        for (const Credential& cred : kCredentials) {
          auto r = Send("PUT", path, Headers(role, cred, true), json{{"role", target}}.dump());
          const bool may = !cred.token && spec.manage.count("users") && spec.grants.count(target) &&
                           spec.grants.count(u.role);
          check(may, r && r->status == 200,
                role + " " + cred.name + " makes " + u.username + " a " + target + " -> " +
                    (r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : "none"));
          if (r && r->status == 200 && u.username != "coordinator") {
            auto back = Send("PUT", path, coordinator.Unsafe(), json{{"role", u.role}}.dump());
            ASSERT_TRUE(back && back->status == 200) << (back ? back->body : "");
          }
        }
      }
    }
  }
  std::printf(
      "[figure] authorization matrix: %lld cells (%d routes from the OpenAPI document x %zu roles "
      "x "
      "9 credentials; records: list, detail, area and risk search, export and entry x own/other "
      "organisation x 3 classes x 4 sensitivity levels; the service directory: list, detail, "
      "export, "
      "change and entry x 2 organisations x 2 levels; referrals: detail, person, acceptance and "
      "entry x 3 routes between 3 organisations; user administration: %zu roles giving %zu "
      "roles in 2 organisations, and changing each other's roles), %lld unexpected\n",
      static_cast<long long>(cells), routes, kRoles.size(), kRoles.size(), kRoles.size(),
      static_cast<long long>(unexpected));
  EXPECT_EQ(unexpected, 0);
  EXPECT_GT(cells, 10000);
}

}  // namespace
}  // namespace aegis::testing
