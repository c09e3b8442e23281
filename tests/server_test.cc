// The API over real HTTP on loopback: sign-in and sessions, CSRF, bad requests, the OpenAPI
// document, and the audit chain.
#include "server/server.h"

#include <httplib.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "access/audit.h"
#include "security/audit_chain.h"
#include "security/keyring.h"
#include "security/password.h"
#include "security/pseudonym.h"
#include "server_fixture.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

// The sharing protocol over every route, role, credential, organisation, class and sensitivity
// is the authorization matrix (tests/authz_matrix_test.cc), generated from the OpenAPI document.

TEST_F(ServerTest, SignInSessionsLockOutAndCsrf) {
  auto c = Client();
  auto bad =
      c->Post("/api/v1/session", json{{"username", "imo"}, {"password", "wrong password!!"}}.dump(),
              "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(json::parse(bad->body)["error"]["code"], "wrong_credentials");
  auto [cookie, csrf] = SignIn("coordinator");
  ASSERT_FALSE(cookie.empty());
  auto r =
      c->Post("/api/v1/session", json{{"username", "coordinator"}, {"password", kPassword}}.dump(),
              "application/json");
  std::string set_cookie = r->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  httplib::Headers h{{"Cookie", cookie}};
  EXPECT_EQ(c->Get("/api/v1/me", h)->status, 200);
  // An unsafe method without the CSRF token is refused and changes nothing.
  EXPECT_EQ(c->Delete("/api/v1/session", h)->status, 403);
  EXPECT_EQ(c->Get("/api/v1/me", h)->status, 200);
  httplib::Headers wrong{{"Cookie", cookie}, {"X-CSRF-Token", "forged"}};
  EXPECT_EQ(c->Delete("/api/v1/session", wrong)->status, 403);
  httplib::Headers ok{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  EXPECT_EQ(c->Delete("/api/v1/session", ok)->status, 200);
  EXPECT_EQ(c->Get("/api/v1/me", h)->status, 401) << "the session ends at sign-out";
  // Forged and missing sessions.
  EXPECT_EQ(c->Get("/api/v1/me", httplib::Headers{{"Cookie", "aegis_session=forged"}})->status,
            401);
  EXPECT_EQ(c->Get("/api/v1/incidents")->status, 401);
  // Five wrong passwords lock the account, even against the right one (answered like a wrong
  // password: HardeningTest.ALockedAccountAndAnUnknownUserGetTheSameAnswer).
  for (int i = 0; i < 5; ++i)
    c->Post("/api/v1/session", json{{"username", "viewer"}, {"password", "nope"}}.dump(),
            "application/json");
  auto locked =
      c->Post("/api/v1/session", json{{"username", "viewer"}, {"password", kPassword}}.dump(),
              "application/json");
  EXPECT_EQ(locked->status, 401);
  // A disabled account's session stops working.
  auto [cookie2, csrf2] = SignIn("imo");
  ASSERT_FALSE(cookie2.empty());
  ASSERT_TRUE(store_->SetUserDisabled(store_->FindUser("imo").value()->id, true).ok());
  EXPECT_EQ(c->Get("/api/v1/me", httplib::Headers{{"Cookie", cookie2}})->status, 401);
}

TEST_F(ServerTest, BadRequestsGetTheRight4xxAndChangeNothing) {
  auto c = Client();
  int64_t audit_before = QueryInt(db_, "SELECT count(*) FROM incident");
  auto status = [&](const httplib::Result& r) { return r ? r->status : -1; };
  EXPECT_EQ(status(c->Post("/api/v1/session", "{not json", "application/json")), 400);
  EXPECT_EQ(status(c->Post("/api/v1/session", "[1,2]", "application/json")), 400);
  EXPECT_EQ(
      status(c->Post("/api/v1/session", R"({"username": 5, "password": "x"})", "application/json")),
      400);
  auto big = c->Post("/api/v1/session", std::string(200 * 1024, 'a'), "application/json");
  EXPECT_EQ(status(big), 413);
  auto [cookie, csrf] = SignIn("coordinator");
  httplib::Headers h{{"Cookie", cookie}};
  for (const char* q : {"/api/v1/incidents?limit=abc", "/api/v1/incidents?limit=0",
                        "/api/v1/incidents?from=2024-13-45", "/api/v1/incidents?risk=nonsense",
                        "/api/v1/areas?level=x"}) {
    auto r = c->Get(q, h);
    EXPECT_EQ(status(r), 400) << q;
    if (r) {
      EXPECT_FALSE(json::parse(r->body)["error"]["field"].get<std::string>().empty()) << q;
    }
  }
  // Injection strings are data, not code: no rows, no error, nothing changed.
  auto inj = c->Get(
      "/api/v1/incidents?area=%27%20OR%201%3D1%20--&organisation=x%27%3BDROP%20TABLE"
      "%20incident%3B--",
      h);
  ASSERT_EQ(status(inj), 200);
  EXPECT_EQ(json::parse(inj->body)["count"], 0);
  auto script = c->Get("/api/v1/areas?parent=%3Cscript%3Ealert(1)%3C%2Fscript%3E", h);
  EXPECT_EQ(status(script), 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(status(c->Get("/api/v1/../../etc/passwd", h)), 404);
  EXPECT_EQ(status(c->Get("/api/v1/incidents/99999999999999999999", h)), 400);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM incident"), audit_before);
}

TEST_F(ServerTest, IncidentEntryValidatesChecksCsrfAndRoleAndIsAudited) {
  auto [cookie, csrf] = SignIn("field_monitor");
  ASSERT_FALSE(cookie.empty());
  httplib::Headers h{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  auto c = Client();
  json good{{"date_start", "2024-03-05"},
            {"area_pcode", "SS010101"},
            {"risks", {"Freedom of movement", "ATK"}},
            {"killed", 1},
            {"narrative", "Checkpoint \"north gate\"; C:\\path\nنقطة تفتيش\t<b>"}};
  int64_t before = QueryInt(db_, "SELECT count(*) FROM incident");
  auto ok = c->Post("/api/v1/incidents", h, good.dump(), "application/json");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 201) << ok->body;
  int64_t id = json::parse(ok->body)["id"];
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM incident"), before + 1);
  // Placed on the payam, classed under both risks, for the monitor's organisation.
  auto back = c->Get(("/api/v1/incidents/" + std::to_string(id)).c_str(), h);
  ASSERT_EQ(back->status, 200);
  json b = json::parse(back->body);
  EXPECT_EQ(b["organisation"], "ORG-A");
  EXPECT_EQ(b["risks"].size(), 2u);
  EXPECT_EQ(b["narrative"], good["narrative"]) << "quotes, backslashes, controls and Arabic";
  EXPECT_EQ(QueryInt(db_,
                     "SELECT count(*) FROM audit_log WHERE action='incident.create' AND "
                     "object_id='" +
                         std::to_string(id) + "'"),
            1);
  struct Bad {
    json body;
    const char* field;
  };
  std::vector<Bad> bad = {
      {json{{"area_pcode", "SS010101"}, {"risks", {"ATK"}}}, "date_start"},
      {json{{"date_start", "2024-02-30"}, {"area_pcode", "SS010101"}, {"risks", {"ATK"}}},
       "date_start"},
      {json{{"date_start", "2024-03-05"}, {"area_pcode", "XX99"}, {"risks", {"ATK"}}},
       "area_pcode"},
      {json{{"date_start", "2024-03-05"}, {"area_pcode", "SS010101"}, {"risks", {"nonsense"}}},
       "risks"},
      {json{{"date_start", "2024-03-05"},
            {"area_pcode", "SS010101"},
            {"risks", {"ATK"}},
            {"killed", "three"}},
       "killed"},
      {json{{"date_start", "2024-03-05"},
            {"area_pcode", "SS010101"},
            {"risks", {"ATK"}},
            {"killed", -1}},
       "killed"},
      {json{{"date_start", 20240305}, {"area_pcode", "SS010101"}, {"risks", {"ATK"}}},
       "date_start"},
  };
  for (const auto& x : bad) {
    auto r = c->Post("/api/v1/incidents", h, x.body.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << x.body.dump();
    EXPECT_EQ(json::parse(r->body)["error"]["field"], x.field) << r->body;
  }
  EXPECT_EQ(c->Post("/api/v1/incidents", h, "{\"date_start\":", "application/json")->status, 400);
  // Without the CSRF token, and for a role without write access: refused.
  EXPECT_EQ(c->Post("/api/v1/incidents", httplib::Headers{{"Cookie", cookie}}, good.dump(),
                    "application/json")
                ->status,
            403);
  auto [vc, vcsrf] = SignIn("viewer");
  EXPECT_EQ(c->Post("/api/v1/incidents", httplib::Headers{{"Cookie", vc}, {"X-CSRF-Token", vcsrf}},
                    good.dump(), "application/json")
                ->status,
            403);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM incident"), before + 1);
}

TEST_F(ServerTest, OpenApiDocumentsEveryRouteAndNoOther) {
  auto r = Client()->Get("/api/v1/openapi.json");
  ASSERT_TRUE(r && r->status == 200);
  json doc = json::parse(r->body);
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> documented, served;
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (char& ch : m) ch = static_cast<char>(std::toupper(ch));
      documented.insert({m, path});
    }
  for (const auto& route : server_->routes()) served.insert({route.method, route.path});
  EXPECT_EQ(documented, served);
  EXPECT_GE(served.size(), 8u);
}

TEST_F(ServerTest, EveryReadIsAuditedTheChainDetectsTamperingAndHoldsNoPersonalData) {
  auto [cookie, csrf] = SignIn("coordinator");
  httplib::Headers h{{"Cookie", cookie}};
  auto c = Client();
  auto list = c->Get("/api/v1/incidents?limit=5", h);
  ASSERT_EQ(list->status, 200);
  int64_t id = json::parse(list->body)["items"][0]["id"];
  ASSERT_EQ(c->Get(("/api/v1/incidents/" + std::to_string(id)).c_str(), h)->status, 200);
  EXPECT_EQ(QueryInt(db_,
                     "SELECT count(*) FROM audit_log WHERE action='incident.read' AND "
                     "object_id='" +
                         std::to_string(id) + "'"),
            1);
  EXPECT_GE(QueryInt(db_, "SELECT count(*) FROM audit_log WHERE action='session.sign_in'"), 1);
  // No personal data in the audit log: no narrative, no user name, no password.
  auto audit = c->Get("/api/v1/audit", h);
  ASSERT_EQ(audit->status, 200);
  for (const char* secret : {"SECRET-NARRATIVE", "coordinator\"", kPassword})
    EXPECT_EQ(audit->body.find(secret), std::string::npos) << secret;
  EXPECT_EQ(QueryInt(db_,
                     "SELECT count(*) FROM audit_log WHERE detail LIKE '%SECRET%' OR "
                     "object_id LIKE '%SECRET%'"),
            0);
  // Only coordinators and IMOs read the audit log.
  auto [vc, vcsrf] = SignIn("viewer");
  EXPECT_EQ(c->Get("/api/v1/audit", httplib::Headers{{"Cookie", vc}})->status, 403);

  auto keys = security::Keyring::Load(dir_ / "t.keys");
  ASSERT_TRUE(keys.ok());
  access::AuditLog log(&*keys, security::DefaultAnchorPath(keys->path()));
  auto verify = [&] { return log.Verify(*store_).value(); };
  // The server writes the anchor after its commits, in the background: wait until it covers the
  // last row, or a truncation made before it catches up could not be seen (a loaded machine).
  const int64_t last = QueryInt(db_, "SELECT max(seq) FROM audit_log");
  for (int i = 0; i < 200; ++i) {
    auto a = security::LoadAuditAnchor(*keys, security::DefaultAnchorPath(keys->path()));
    if (a.ok() && a->last_seq >= last) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(verify().ok);
  auto exec = [&](const std::string& sql) { EXPECT_TRUE(ExecRaw(db_, sql)) << sql; };
  exec("CREATE TABLE saved AS SELECT * FROM audit_log");
  auto restore = [&] {
    exec("DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM saved");
    EXPECT_TRUE(verify().ok);
  };
  // An edited field.
  exec("UPDATE audit_log SET detail='edited' WHERE seq=2");
  EXPECT_FALSE(verify().ok);
  EXPECT_EQ(verify().first_bad_seq, 2);
  EXPECT_EQ(verify().what, "edited");
  restore();
  // A deleted row in the middle.
  exec("DELETE FROM audit_log WHERE seq=3");
  EXPECT_FALSE(verify().ok);
  EXPECT_EQ(verify().first_bad_seq, 3);
  restore();
  // The last row deleted: detected against the anchor kept beside the key file.
  exec("DELETE FROM audit_log WHERE seq=(SELECT max(seq) FROM audit_log)");
  EXPECT_FALSE(verify().ok);
  EXPECT_EQ(verify().what, "truncated");
  restore();
  // An inserted row (a copy of another, renumbered).
  exec(
      "UPDATE audit_log SET seq=seq+1000000 WHERE seq>=3; UPDATE audit_log SET seq=seq-999999 "
      "WHERE seq>=1000000; INSERT INTO audit_log SELECT 3, at, actor, "
      "action, object_type, object_id, organisation, detail, hash FROM saved WHERE seq=2");
  EXPECT_FALSE(verify().ok);
  restore();
}

}  // namespace
}  // namespace aegis::testing
