// The API beyond the incident routes, over real HTTP on loopback: API tokens, break the glass,
// the protocol's API, monitoring reports, the analysis (safe for aggregate-only roles), exports
// (pseudonyms, formula injection), imports, sign-in rate limiting, encryption at rest (no
// personal string in the database file, the audit log or any error), and key rotation while
// the server runs.
#include <fstream>
#include <set>

#include "running_server.h"
#include "security/keyring.h"
#include "security/tokens.h"
#include "server_fixture.h"

namespace aegis::testing {
namespace {

using ApiTest = ServerTest;

TEST_F(ApiTest, ApiTokensAreScopedRevocableAndForgedOnesFail) {
  Session s = Login("imo");
  auto c = Client();
  auto made = c->Post("/api/v1/tokens", s.Unsafe(),
                      json{{"name", "dashboard"}, {"scopes", {"read"}}, {"days", 30}}.dump(),
                      "application/json");
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "");
  std::string token = json::parse(made->body)["token"];
  int64_t id = json::parse(made->body)["id"];
  httplib::Headers bearer{{"Authorization", "Bearer " + token}};
  auto list = c->Get("/api/v1/incidents?limit=5", bearer);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  // Read-only: no writes, no CSRF needed but no scope either.
  auto write = c->Post(
      "/api/v1/incidents", bearer,
      json{{"date_start", "2024-03-01"}, {"area_pcode", "SS010101"}, {"risks", {"ATK"}}}.dump(),
      "application/json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 403);
  auto exp = c->Get("/api/v1/exports/incidents?format=csv", bearer);
  ASSERT_TRUE(exp);
  EXPECT_EQ(exp->status, 403) << "no export scope";
  // Forged and revoked tokens.
  auto forged = c->Get("/api/v1/incidents", {{"Authorization", "Bearer aegis_forged"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  auto revoke = c->Delete(("/api/v1/tokens/" + std::to_string(id)).c_str(), s.Unsafe());
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 200);
  auto after = c->Get("/api/v1/incidents", bearer);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
  // The token's secret is never listed nor stored.
  auto tokens = c->Get("/api/v1/tokens", s.Get());
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->body.find(token), std::string::npos);
  EXPECT_EQ(StoredBytes(db_).find(token), std::string::npos);
}

TEST_F(ApiTest, BreakTheGlassNeedsAReasonIsTimeLimitedAndAudited) {
  // A partner focal point of ORG-A cannot read ORG-B's incidents nor any GBV record.
  auto all = store_->ListIncidents(store::AccessScope{{3, 3, 3, 3}, {}, 0, ""}, {});
  ASSERT_TRUE(all.ok());
  int64_t gbv_b = 0;
  for (const auto& r : *all)
    if (r.source_key == "ORG-B|gbv|confidential") gbv_b = r.id;
  std::string path = "/api/v1/incidents/" + std::to_string(gbv_b);
  Session s = Login("partner_focal_point");
  auto c = Client();
  ASSERT_EQ(c->Get(path.c_str(), s.Get())->status, 404);
  auto short_reason = c->Post("/api/v1/break-glass", s.Unsafe(), json{{"reason", "urgent"}}.dump(),
                              "application/json");
  ASSERT_TRUE(short_reason);
  EXPECT_EQ(short_reason->status, 400);
  auto viewer = Login("viewer");
  auto refused =
      c->Post("/api/v1/break-glass", viewer.Unsafe(),
              json{{"reason", "I would like to see everything please"}}.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  auto grant = c->Post(
      "/api/v1/break-glass", s.Unsafe(),
      json{{"reason", "referral of a survivor at imminent risk, case 17"}, {"minutes", 10}}.dump(),
      "application/json");
  ASSERT_TRUE(grant && grant->status == 201) << (grant ? grant->body : "");
  auto read = c->Get(path.c_str(), s.Get());
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_NE(read->body.find("SECRET-NARRATIVE-ORG-B|gbv|confidential"), std::string::npos);
  // Strictly confidential stays closed beyond the protocol's break-glass level.
  int64_t strict = 0;
  for (const auto& r : *all)
    if (r.source_key == "ORG-B|gbv|strictly_confidential") strict = r.id;
  auto me = json::parse(c->Get("/api/v1/me", s.Get())->body);
  EXPECT_FALSE(me["break_glass_until"].get<std::string>().empty());
  int64_t grant_id = json::parse(grant->body)["id"];
  auto end = c->Delete(("/api/v1/break-glass/" + std::to_string(grant_id)).c_str(), s.Unsafe());
  ASSERT_TRUE(end);
  EXPECT_EQ(end->status, 200);
  EXPECT_EQ(c->Get(path.c_str(), s.Get())->status, 404);
  (void)strict;
  // Audited as such; the reason stays out of the audit log (it may name people).
  bool opened = false, read_audited = false;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& r) {
                    opened = opened || r.action == "break_glass.open";
                    read_audited =
                        read_audited || (r.action == "incident.read" && r.detail == "break-glass");
                    EXPECT_EQ(r.detail.find("survivor"), std::string::npos);
                  })
                  .ok());
  EXPECT_TRUE(opened);
  EXPECT_TRUE(read_audited);
  // Coordinators review the grants with their reasons.
  auto review = c->Get("/api/v1/break-glass", Login("coordinator").Get());
  ASSERT_TRUE(review);
  EXPECT_NE(review->body.find("imminent risk"), std::string::npos);
}

// A break-the-glass reason may name the person at risk: it is sealed in the store like the other
// personal fields (no byte of it in the SQLite file or its WAL, nor in any PostgreSQL table),
// and reviewers and the grantee still read it through the API.
TEST_F(ApiTest, BreakTheGlassReasonsAreSealedAtRestAndShownToThoseAllowed) {
  const std::string unique = "GLASSREASON" + security::RandomToken().substr(0, 16);
  Session s = Login("partner_focal_point");
  auto c = Client();
  auto grant = c->Post(
      "/api/v1/break-glass", s.Unsafe(),
      json{{"reason", "referral of a survivor at imminent risk, " + unique}, {"minutes", 10}}
          .dump(),
      "application/json");
  ASSERT_TRUE(grant && grant->status == 201) << (grant ? grant->body : "");
  std::string bytes = StoredBytes(db_);
  ASSERT_NE(bytes.find("enc:v1:"), std::string::npos) << "the store's contents were read";
  EXPECT_EQ(bytes.find(unique), std::string::npos) << "the reason is stored in clear";
  EXPECT_EQ(QueryText(db_, "SELECT reason FROM break_glass").rfind("enc:v1:", 0), 0u);
  // Reviewers and the grantee read it; another user does not.
  auto review = c->Get("/api/v1/break-glass", Login("coordinator").Get());
  ASSERT_TRUE(review && review->status == 200);
  EXPECT_NE(review->body.find(unique), std::string::npos) << review->body;
  auto own = c->Get("/api/v1/break-glass", s.Get());
  ASSERT_TRUE(own && own->status == 200);
  EXPECT_NE(own->body.find(unique), std::string::npos) << own->body;
  auto other = c->Get("/api/v1/break-glass", Login("field_monitor").Get());
  ASSERT_TRUE(other && other->status == 200);
  EXPECT_EQ(other->body.find(unique), std::string::npos) << other->body;
  // The grant works while sealed (its reason is not needed to widen the scope).
  auto me = json::parse(c->Get("/api/v1/me", s.Get())->body);
  EXPECT_FALSE(me["break_glass_until"].get<std::string>().empty());
}

TEST_F(ApiTest, TheProtocolCanBeChangedThroughTheApiWithHistoryAndValidation) {
  auto c = Client();
  Session viewer = Login("viewer");
  Session coord = Login("coordinator");
  auto current = c->Get("/api/v1/protocol", viewer.Get());
  ASSERT_TRUE(current && current->status == 200);
  std::string text = json::parse(current->body)["text"];
  auto put = [&](const Session& s, const std::string& t) {
    return c->Put("/api/v1/protocol", s.Unsafe(), json{{"text", t}}.dump(), "application/json");
  };
  EXPECT_EQ(put(viewer, text)->status, 403);
  EXPECT_EQ(put(coord, "[roles.x\nbroken")->status, 400);
  // Aggregate-only roles can never be given individual records.
  std::string leaky = text;
  leaky.replace(
      leaky.find("[roles.viewer]\nlabel = \"Viewer (aggregates only)\"\nindividual = {}"),
      std::string("[roles.viewer]\nlabel = \"Viewer (aggregates only)\"\nindividual = {}").size(),
      "[roles.viewer]\nlabel = \"Viewer\"\nindividual = { gbv = \"internal\" }");
  auto refused = put(coord, leaky);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("aggregates only"), std::string::npos);
  // Take partners' individual incidents away: in force at once.
  Session partner = Login("partner_focal_point");
  ASSERT_GT(json::parse(c->Get("/api/v1/incidents", partner.Get())->body)["count"], 0);
  std::string narrower = text;
  size_t at = narrower.find("[roles.partner_focal_point]");
  size_t ind = narrower.find("individual = ", at);
  narrower.replace(ind, narrower.find('\n', ind) - ind, "individual = {}");
  auto ok = put(coord, narrower);
  ASSERT_TRUE(ok && ok->status == 200) << (ok ? ok->body : "");
  EXPECT_EQ(json::parse(c->Get("/api/v1/incidents", partner.Get())->body)["count"], 0);
  auto versions = c->Get("/api/v1/protocol/versions", coord.Get());
  ASSERT_TRUE(versions);
  EXPECT_EQ(json::parse(versions->body)["count"], 2);
}

TEST_F(ApiTest, MonitoringReportsFollowTheProtocol) {
  auto c = Client();
  Session monitor = Login("field_monitor");  // ORG-A
  json report = {{"period_start", "2024-03-01"},
                 {"period_end", "2024-03-31"},
                 {"area_pcode", "SS010101"},
                 {"respondent_type", "key_informant"},
                 {"answers",
                  {{{"risk", "ATK"}, {"present", true}, {"severity", 4}},
                   {{"risk", "GBV"}, {"present", false}},
                   {{"risk", "REC"}, {"present", true}}}}};
  // Another report first, so that ids of reports and of their answers differ: the id answered
  // is the report's (it once was the last answer's on SQLite).
  auto first =
      c->Post("/api/v1/monitoring-reports", monitor.Unsafe(), report.dump(), "application/json");
  ASSERT_TRUE(first && first->status == 201) << (first ? first->body : "");
  report["period_start"] = "2024-04-01";
  report["period_end"] = "2024-04-30";
  auto made =
      c->Post("/api/v1/monitoring-reports", monitor.Unsafe(), report.dump(), "application/json");
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "");
  int64_t id = json::parse(made->body)["id"];
  report["answers"][0]["severity"] = 9;
  auto bad =
      c->Post("/api/v1/monitoring-reports", monitor.Unsafe(), report.dump(), "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  std::string path = "/api/v1/monitoring-reports/" + std::to_string(id);
  auto got = c->Get(path.c_str(), monitor.Get());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_NE(got->body.find("2024-04-01"), std::string::npos) << got->body;
  EXPECT_EQ(c->Get(path.c_str(), Login("coordinator").Get())->status, 200);
  EXPECT_EQ(c->Get(path.c_str(), Login("viewer").Get())->status, 404);
  EXPECT_EQ(c->Get(path.c_str(), Login("service_provider").Get())->status, 404);
  auto list = c->Get("/api/v1/monitoring-reports?area=SS01", monitor.Get());
  ASSERT_TRUE(list);
  EXPECT_EQ(json::parse(list->body)["count"], 2);
}

TEST_F(ApiTest, AnalysisIsSafeForAggregateOnlyRolesAndExportsNeutraliseFormulas) {
  auto c = Client();
  auto coord = c->Get("/api/v1/analysis?level=1&period=2024-03", Login("coordinator").Get());
  ASSERT_TRUE(coord && coord->status == 200) << (coord ? coord->body : "");
  EXPECT_FALSE(json::parse(coord->body)["safe"].get<bool>());
  for (const char* role : {"viewer", "outside_recipient", "partner_focal_point"}) {
    auto r = c->Get("/api/v1/analysis?level=1&period=2024-03", Login(role).Get());
    ASSERT_TRUE(r && r->status == 200) << role;
    json j = json::parse(r->body);
    EXPECT_TRUE(j["safe"].get<bool>()) << role;
    // 12 incidents of one class in one area: small cells show as "<5", never as 1..4.
    for (const auto& area : j["areas"])
      for (const auto& risk : area["risks"])
        if (risk["incidents"].is_number()) {
          EXPECT_TRUE(risk["incidents"] == 0 || risk["incidents"] >= 5) << role;
        }
  }
  // The viewer's protocol has no GBV or child class even in aggregates: their rows are withheld
  // and the all-risks total leaves them out (8 of the area's 24 incidents are ATK).
  auto v =
      json::parse(c->Get("/api/v1/analysis?level=1&period=2024-03", Login("viewer").Get())->body);
  auto total = [](const json& j) {
    for (const auto& area : j["areas"])
      if (area["pcode"] == "SS01")
        for (const auto& risk : area["risks"])
          if (risk["risk"] == "*") return risk["incidents"];
    return json();
  };
  EXPECT_EQ(total(v), 8);
  EXPECT_EQ(total(json::parse(coord->body)), 24);
  for (const auto& area : v["areas"])
    for (const auto& risk : area["risks"])
      if (risk["risk"] == "GBV" || risk["risk"] == "REC") {
        EXPECT_FALSE(risk["incidents"].is_number()) << risk.dump();
      }
  // A perpetrator is a category: a formula (or a name) written there is refused, so it never
  // reaches an export (formula cells in exports are made inert: ExportTest).
  Session monitor = Login("field_monitor");
  auto made = c->Post("/api/v1/incidents", monitor.Unsafe(),
                      json{{"date_start", "2024-03-05"},
                           {"area_pcode", "SS010101"},
                           {"risks", {"ATK"}},
                           {"perpetrator", "=HYPERLINK(\"http://x\",\"y\")"}}
                          .dump(),
                      "application/json");
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 400) << made->body;
  EXPECT_EQ(made->body.find("HYPERLINK"), std::string::npos) << made->body;
  made = c->Post("/api/v1/incidents", monitor.Unsafe(),
                 json{{"date_start", "2024-03-05"},
                      {"area_pcode", "SS010101"},
                      {"risks", {"ATK"}},
                      {"perpetrator", "Militia"}}
                     .dump(),
                 "application/json");
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "");
  auto csv = c->Get("/api/v1/exports/incidents?format=csv", monitor.Get());
  ASSERT_TRUE(csv && csv->status == 200);
  EXPECT_NE(csv->body.find(",militia,"), std::string::npos) << csv->body;
  for (const char* f : {"xlsx", "json", "hxl"}) {
    auto r = c->Get((std::string("/api/v1/exports/incidents?format=") + f).c_str(), monitor.Get());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << f;
  }
  auto table =
      c->Get("/api/v1/exports/analysis?format=hxl&level=1&period=2024-03", Login("viewer").Get());
  ASSERT_TRUE(table && table->status == 200) << (table ? table->body : "");
  EXPECT_NE(table->body.find("#adm+code"), std::string::npos);
  EXPECT_EQ(c->Get("/api/v1/exports/incidents?format=pdf", monitor.Get())->status, 400);
}

// Each area against the previous period and the same period last year, and the list of what
// got worse at every level: differences of published values only. The previous month (2024-02)
// holds 2 ATK incidents: exact for the coordinator, "<5" for safe readers, and then no
// difference is given (24 - x would reveal x).
TEST_F(ApiTest, AnalysisComparesPeriodsWithPublishedValuesOnly) {
  auto src = store_->EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  std::vector<store::Incident> earlier;
  for (int n = 0; n < 2; ++n) {
    store::Incident i;
    i.source_key = "feb|" + std::to_string(n);
    i.content_hash = text::Hash64(i.source_key);
    i.date_start = i.date_end = "2024-02-10";
    i.country = "SSD";
    i.place = {"SS010101", 3, "pcode", 1, "", ""};
    i.risks = {"ATK"};
    i.organisation_code = "ORG-A";
    i.source_type = "direct_monitoring";
    i.sensitivity = "public";
    earlier.push_back(i);
  }
  ASSERT_TRUE(ImportIncidents(*store_, *src, std::move(earlier)).ok());
  auto c = Client();
  auto area_of = [](const json& j, const std::string& pcode) {
    for (const auto& a : j["areas"])
      if (a["pcode"] == pcode) return a;
    return json();
  };
  auto coord_body =
      c->Get("/api/v1/analysis?level=1&period=2024-03&compare=true", Login("coordinator").Get());
  ASSERT_TRUE(coord_body && coord_body->status == 200) << (coord_body ? coord_body->body : "");
  json coord = area_of(json::parse(coord_body->body), "SS01");
  ASSERT_TRUE(coord.is_object());
  EXPECT_EQ(coord["previous"]["period"], "2024-02");
  EXPECT_EQ(coord["previous"]["incidents"], 2);
  EXPECT_EQ(coord["previous"]["incidents_change"], 22);
  EXPECT_EQ(coord["last_year"]["period"], "2023-03");
  EXPECT_EQ(coord["last_year"]["incidents"], 0);
  EXPECT_EQ(coord["last_year"]["incidents_change"], 24);
  EXPECT_EQ(coord["previous"]["phase_change"].get<int>(),
            coord["overall_phase"].get<int>() - coord["previous"]["overall_phase"].get<int>());
  const int rise = coord["previous"]["phase_change"].get<int>();
  EXPECT_EQ(coord["direction"], rise > 0 ? "worse" : rise < 0 ? "better" : "same");
  // Without compare=true the answer is as before.
  auto plain = json::parse(
      c->Get("/api/v1/analysis?level=1&period=2024-03", Login("coordinator").Get())->body);
  EXPECT_FALSE(area_of(plain, "SS01").contains("previous"));

  // Safe readers: the previous month's 2 incidents are "<5", and no difference is published
  // beside a suppressed or withheld value, at any level of the comparison or of the list.
  for (const char* role : {"viewer", "partner_focal_point", "outside_recipient"}) {
    auto r = c->Get("/api/v1/analysis?level=1&period=2024-03&compare=true", Login(role).Get());
    ASSERT_TRUE(r && r->status == 200) << role;
    json a = area_of(json::parse(r->body), "SS01");
    EXPECT_EQ(a["previous"]["incidents"], "<5") << role;
    EXPECT_TRUE(a["previous"]["incidents_change"].is_null()) << role << a.dump();
    auto ch = c->Get("/api/v1/analysis/changes?period=2024-03&direction=all", Login(role).Get());
    ASSERT_TRUE(ch && ch->status == 200) << role;
    json changes = json::parse(ch->body);
    EXPECT_TRUE(changes["safe"].get<bool>()) << role;
    for (const auto& x : changes["areas"]) {
      for (const char* other : {"previous", "last_year"}) {
        const json& o = x[other];
        if (o["incidents"].is_number()) {
          EXPECT_TRUE(o["incidents"] == 0 || o["incidents"] >= 5) << role << x.dump();
        }
        if (!o["incidents"].is_number() || !x["incidents"].is_number()) {
          EXPECT_TRUE(o["incidents_change"].is_null()) << role << x.dump();
        }
        if (!o["overall_phase"].is_number() || !x["overall_phase"].is_number()) {
          EXPECT_TRUE(o["phase_change"].is_null()) << role << x.dump();
        }
      }
      if (x["previous"]["phase_change"].is_null()) {
        EXPECT_EQ(x["direction"], "unknown") << role;
      }
    }
  }

  // The list across levels: by default the areas whose phase rose, each as the analysis of its
  // level publishes it; the counts of every direction add up to the areas of those levels.
  Session coordinator = Login("coordinator");
  auto all = c->Get("/api/v1/analysis/changes?period=2024-03&direction=all", coordinator.Get());
  ASSERT_TRUE(all && all->status == 200) << (all ? all->body : "");
  json ja = json::parse(all->body);
  EXPECT_EQ(ja["previous_period"], "2024-02");
  EXPECT_EQ(ja["last_year_period"], "2023-03");
  int64_t areas = 0;
  for (const auto& level : ja["levels"]) {
    auto lv = json::parse(c->Get(("/api/v1/analysis?period=2024-03&compare=true&level=" +
                                  std::to_string(level.get<int>()))
                                     .c_str(),
                                 coordinator.Get())
                              ->body);
    areas += static_cast<int64_t>(lv["areas"].size());
    for (const auto& a : lv["areas"]) {
      bool found = false;
      for (const auto& x : ja["areas"])
        if (x["pcode"] == a["pcode"]) {
          found = true;
          EXPECT_EQ(x["direction"], a["direction"]) << a["pcode"];
          EXPECT_EQ(x["overall_phase"], a["overall_phase"]) << a["pcode"];
          EXPECT_EQ(x["previous"], a["previous"]) << a["pcode"];
        }
      EXPECT_TRUE(found) << a["pcode"];
    }
  }
  int64_t counted = 0;
  for (const auto& [d, n] : ja["counts"].items()) counted += n.get<int64_t>();
  EXPECT_EQ(counted, areas);
  EXPECT_EQ(static_cast<int64_t>(ja["areas"].size()), areas);
  auto worse =
      json::parse(c->Get("/api/v1/analysis/changes?period=2024-03", coordinator.Get())->body);
  EXPECT_EQ(worse["areas"].size(), ja["counts"]["worse"].get<size_t>());
  for (const auto& x : worse["areas"]) EXPECT_EQ(x["direction"], "worse");
  if (rise > 0) {
    EXPECT_TRUE(area_of(worse, "SS01").is_object());
  }
  auto bad = c->Get("/api/v1/analysis/changes?direction=sideways", coordinator.Get());
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  // Under a payam there is nothing to list; under a state, its counties and payams only.
  auto leaf = c->Get("/api/v1/analysis/changes?within=SS010101", coordinator.Get());
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->status, 400) << leaf->body;
  auto state = json::parse(
      c->Get("/api/v1/analysis/changes?period=2024-03&within=SS01&direction=all", coordinator.Get())
          ->body);
  EXPECT_EQ(state["levels"], json({2, 3})) << state.dump();
  for (const auto& x : state["areas"]) {
    EXPECT_EQ(x["pcode"].get<std::string>().rfind("SS01", 0), 0U) << x.dump();
  }
}

// GET /me says what the user may do under the protocol in force, as the authorization kernel
// decides it, so that a client needs no role list of its own.
TEST_F(ApiTest, MeSaysWhatTheProtocolLetsTheUserDo) {
  auto c = Client();
  auto me = [&](const std::string& role) {
    auto r = c->Get("/api/v1/me", Login(role).Get());
    EXPECT_TRUE(r && r->status == 200) << role;
    return r ? json::parse(r->body) : json();
  };
  json coord = me("coordinator");
  EXPECT_TRUE(coord["may"]["manage_users"].get<bool>());
  EXPECT_TRUE(coord["may"]["read_audit"].get<bool>());
  EXPECT_FALSE(coord["may"].contains("signed_in"));
  EXPECT_EQ(coord["may_by_class"]["incident"]["read_individual"], "allow");
  EXPECT_EQ(coord["may_by_class"]["gbv"]["create"], "allow");
  EXPECT_EQ(coord["aggregates"], "exact");
  EXPECT_FALSE(coord["own_organisation_only"].get<bool>());
  EXPECT_EQ(coord["may_grant"].size(), 7U) << coord["may_grant"].dump();
  const json imo_grants = me("imo")["may_grant"];
  EXPECT_EQ(std::set<std::string>(imo_grants.begin(), imo_grants.end()),
            (std::set<std::string>{"field_monitor", "outside_recipient", "partner_focal_point",
                                   "viewer"}));

  json partner = me("partner_focal_point");
  EXPECT_TRUE(partner["own_organisation_only"].get<bool>());
  EXPECT_EQ(partner["aggregates"], "safe");
  EXPECT_EQ(partner["may_by_class"]["incident"]["create"], "allow");
  EXPECT_EQ(partner["may_by_class"]["gbv"]["read_individual"], "aggregate_only");
  EXPECT_FALSE(partner["may"]["manage_users"].get<bool>());
  EXPECT_FALSE(partner["may"]["triage_alert"].get<bool>());
  EXPECT_TRUE(partner["may"]["submit_alert"].get<bool>());

  for (const char* role : {"viewer", "outside_recipient"}) {
    json m = me(role);
    EXPECT_EQ(m["aggregates"], "safe") << role;
    EXPECT_NE(m["may_by_class"]["incident"]["read_individual"], "allow") << role;
    EXPECT_EQ(m["may_by_class"]["referral"]["create"], "deny") << role;
    EXPECT_FALSE(m["may"]["import"].get<bool>()) << role;
    EXPECT_FALSE(m["may"]["read_audit"].get<bool>()) << role;
    EXPECT_TRUE(m["may_grant"].empty()) << role;
  }
  // The viewer's protocol has no GBV class, not even in aggregates.
  EXPECT_EQ(me("viewer")["may_by_class"]["gbv"]["read_aggregate"], "deny");
  EXPECT_EQ(me("outside_recipient")["may_by_class"]["gbv"]["read_aggregate"], "aggregate_only");

  // What /me says is what the routes do: a user told it may not read the audit log is refused.
  for (const auto& entry : kExpected) {
    const std::string& role = entry.first;
    json m = me(role);
    auto audit = c->Get("/api/v1/audit", Login(role).Get());
    ASSERT_TRUE(audit) << role;
    EXPECT_EQ(audit->status == 200, m["may"]["read_audit"].get<bool>()) << role;
    auto users = c->Get("/api/v1/users", Login(role).Get());
    ASSERT_TRUE(users) << role;
    EXPECT_EQ(users->status == 200, m["may"]["manage_users"].get<bool>()) << role;
  }
}

TEST_F(ApiTest, ImportsRunInTheBackgroundWithProgressAndQuarantinedRows) {
  auto c = Client();
  Session imo = Login("imo");
  std::string csv =
      "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,country,admin1,admin2,"
      "location,latitude,longitude,fatalities,notes\n"
      "SSD1,2024-03-01,2024,Violence against civilians,Attack,Unknown,South Sudan,Central "
      "Equatoria,Juba,Juba,4.85,31.6,2,SECRET-IMPORTED-NOTE\n"
      "SSD2,not a date,2024,Battles,Armed clash,Unknown,South Sudan,Central Equatoria,Juba,Juba,"
      "4.85,31.6,0,x\n";
  auto started =
      c->Post("/api/v1/imports?profile=acled&file_name=events.csv", imo.Unsafe(), csv, "text/csv");
  ASSERT_TRUE(started && started->status == 202) << (started ? started->body : "");
  std::string status_url = json::parse(started->body)["status_url"];
  json job;
  for (int i = 0; i < 200; ++i) {
    job = json::parse(c->Get(status_url.c_str(), imo.Get())->body);
    if (job["state"] == "completed" || job["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["summary"]["read"], 2);
  EXPECT_EQ(job["summary"]["quarantined"], 1);
  // The run the server began for the upload is the import's own: not reported as resumed.
  EXPECT_EQ(job["summary"]["resumed"], false) << job.dump();
  EXPECT_EQ(job["summary"].dump().find("resumed an interrupted import"), std::string::npos)
      << job.dump();
  auto q = c->Get((status_url + "/quarantine").c_str(), imo.Get());
  ASSERT_TRUE(q && q->status == 200);
  EXPECT_EQ(json::parse(q->body)["count"], 1);
  // Another user's import is not visible; the upload is gone from disk.
  EXPECT_EQ(c->Get(status_url.c_str(), Login("field_monitor").Get())->status, 404);
  EXPECT_TRUE(std::filesystem::is_empty(db_ + ".uploads"));
  EXPECT_EQ(
      c->Post("/api/v1/imports?profile=acled", Login("viewer").Unsafe(), csv, "text/csv")->status,
      403);
  EXPECT_EQ(
      c->Post("/api/v1/imports?profile=../../etc/passwd", imo.Unsafe(), csv, "text/csv")->status,
      400);
}

TEST_F(ApiTest, PersonalFieldsAreEncryptedAtRestAndNeverInLogsOrErrors) {
  auto c = Client();
  Session monitor = Login("field_monitor");
  const std::string name = "Nyakuoth-Gatwech-0917", phone = "+211-912-555-017";
  auto made = c->Post("/api/v1/incidents", monitor.Unsafe(),
                      json{{"date_start", "2024-03-05"},
                           {"area_pcode", "SS010101"},
                           {"risks", {"ATK"}},
                           {"narrative", "told by " + name},
                           {"contact", phone},
                           {"consent_share", false},
                           {"consent_referral", true},
                           {"location", {{"lat", 4.851234}, {"lon", 31.582345}}}}
                          .dump(),
                      "application/json");
  ASSERT_TRUE(made && made->status == 201) << (made ? made->body : "");
  int64_t id = json::parse(made->body)["id"];
  // The consent captured by the form is kept with the record.
  EXPECT_EQ(QueryInt(db_, "SELECT consent_share FROM incident WHERE id=" + std::to_string(id)), 0);
  EXPECT_EQ(QueryInt(db_, "SELECT consent_referral FROM incident WHERE id=" + std::to_string(id)),
            1);
  EXPECT_EQ(QueryInt(db_, "SELECT coalesce(consent_tracing, -7) FROM incident WHERE id=" +
                              std::to_string(id)),
            -7);  // not asked
  // The reader who may see it gets it back whole.
  auto read = c->Get(("/api/v1/incidents/" + std::to_string(id)).c_str(), monitor.Get());
  ASSERT_TRUE(read && read->status == 200);
  json j = json::parse(read->body);
  EXPECT_EQ(j["contact"], phone);
  EXPECT_NEAR(j["lat"].get<double>(), 4.851234, 1e-6);
  // Error answers do not echo what was sent.
  std::vector<std::string> errors;
  for (const json& bad :
       {json{{"date_start", "2024-03-05"}, {"area_pcode", name}, {"risks", {"ATK"}}},
        json{{"date_start", name}, {"area_pcode", "SS010101"}},
        json{{"narrative", name},
             {"date_start", "2024-13-01"},
             {"area_pcode", "SS010101"},
             {"risks", {"ATK"}}}}) {
    auto r = c->Post("/api/v1/incidents", monitor.Unsafe(), bad.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    errors.push_back(r->body);
  }
  auto sign_in = c->Post("/api/v1/session", json{{"username", name}, {"password", phone}}.dump(),
                         "application/json");
  ASSERT_TRUE(sign_in);
  errors.push_back(sign_in->body);
  server_->Stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  // The database file and its WAL, the audit log and every error: no personal string, no
  // exact coordinate; seeded narratives too.
  std::string bytes = StoredBytes(db_);
  ASSERT_NE(bytes.find("enc:v1:"), std::string::npos) << "the store's contents were read";
  std::string audit;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& r) {
                    audit += r.actor + r.action + r.object_id + r.organisation + r.detail + "\n";
                  })
                  .ok());
  for (const std::string& secret :
       {name, phone, std::string("4.851234"), std::string("SECRET-NARRATIVE")}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in the database file";
    EXPECT_EQ(audit.find(secret), std::string::npos) << secret << " in the audit log";
    for (const auto& e : errors) EXPECT_EQ(e.find(secret), std::string::npos) << e;
  }
}

TEST_F(ApiTest, KeyRotationReSealsStoredFieldsWhileTheServerKeepsReading) {
  auto c = Client();
  Session coord = Login("coordinator");
  // Every record's detail (lists carry no personal fields), narratives included.
  auto details = [&] {
    std::string out;
    auto list = json::parse(c->Get("/api/v1/incidents?limit=1000", coord.Get())->body);
    for (const auto& it : list["items"]) {
      auto r = c->Get(("/api/v1/incidents/" + std::to_string(it["id"].get<int64_t>())).c_str(),
                      coord.Get());
      out += r ? r->body : "no answer";
    }
    return out;
  };
  std::string before = details();
  ASSERT_NE(before.find("SECRET-NARRATIVE"), std::string::npos);
  // Rotate the key file as `aegis keys rotate` does, then re-seal through another connection.
  auto k = security::Keyring::Load(dir_ / "t.keys");
  ASSERT_TRUE(k.ok());
  ASSERT_TRUE(k->Rotate().ok());
  auto fresh = access::KeySource::Load(dir_ / "t.keys");
  ASSERT_TRUE(fresh.ok());
  auto other = store::Store::Open(db_);
  ASSERT_TRUE(other.ok());
  (*other)->SetCipher(*fresh);
  auto n = (*other)->ResealFields(7);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 24);  // the seeded narratives
  auto again = (*other)->ResealFields(7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0) << "a second pass finds nothing left";
  // The running server, which loaded only k1, still reads every narrative (now under k2).
  EXPECT_EQ(details(), before);
  std::string bytes = StoredBytes(db_);
  EXPECT_NE(bytes.find("enc:v1:k2:"), std::string::npos);
}

// A second server on the fixture's store with the shipped sign-in limits (the fixture's server
// allows many sign-ins).
server::ServerOptions ShippedLimits(const std::string& db, const std::string& keys) {
  server::ServerOptions o;
  o.threads = 4;
  o.db = db;
  o.data_dir = kData;
  o.key_file = keys;
  return o;
}

TEST_F(ApiTest, SignInIsRateLimitedPerAddress) {
  RunningServer s(ShippedLimits(db_, dir_ / "t.keys"));
  ASSERT_TRUE(s.ok());
  auto c = s.Client();
  int limited = 0;
  for (int i = 0; i < 14; ++i) {
    auto r = c->Post("/api/v1/session",
                     json{{"username", "nobody" + std::to_string(i)}, {"password", "x"}}.dump(),
                     "application/json");
    ASSERT_TRUE(r);
    if (r->status == 429) {
      ++limited;
      EXPECT_FALSE(r->get_header_value("Retry-After").empty());
    }
  }
  EXPECT_GE(limited, 3);  // 10 at once, then one per 6 seconds
}

// Behind nginx every connection comes from the proxy: with --behind-proxy the limit is per
// client address the proxy passes (X-Real-IP), and without it all clients share one budget.
TEST_F(ApiTest, BehindAProxySignInLimitsArePerClientAddress) {
  auto limited = [&](bool behind_proxy) {
    server::ServerOptions o = ShippedLimits(db_, dir_ / "t.keys");
    o.behind_proxy = behind_proxy;
    RunningServer s(o);
    EXPECT_TRUE(s.ok());
    auto c = s.Client();
    int refused = 0;
    for (int i = 0; i < 24; ++i) {  // 8 clients x 3 attempts: within each client's burst of 10
      httplib::Headers h{{"X-Real-IP", "10.0.0." + std::to_string(i % 8)}};
      auto r = c->Post("/api/v1/session", h, json{{"username", "nobody"}, {"password", "x"}}.dump(),
                       "application/json");
      if (r && r->status == 429) ++refused;
    }
    return refused;
  };
  EXPECT_EQ(limited(true), 0);
  EXPECT_GE(limited(false), 10);  // one shared budget of 10
}

}  // namespace
}  // namespace aegis::testing
