// The record linkage routes over real HTTP: who may trace (the protocol's "tracing" and
// "duplicates"), consent, explanations, decisions that stick and are audited, and duplicate
// incidents that count once.
#include "server_fixture.h"

namespace aegis::testing {
namespace {

class ServerMatchTest : public ServerTest {
 protected:
  json PostJson(const Session& s, const std::string& path, const json& body, int* status) {
    auto r = Client()->Post(path, s.Unsafe(), body.dump(), "application/json");
    *status = r ? r->status : -1;
    return r && !r->body.empty() ? json::parse(r->body) : json();
  }
  json GetJson(const Session& s, const std::string& path, int* status) {
    auto r = Client()->Get(path, s.Get());
    *status = r ? r->status : -1;
    return r && !r->body.empty() ? json::parse(r->body) : json();
  }
  int64_t Case(const Session& s, const json& body) {
    int status = 0;
    json j = PostJson(s, "/api/v1/tracing/records", body, &status);
    EXPECT_EQ(status, 201) << j.dump();
    return j.value("id", int64_t{0});
  }
};

TEST_F(ServerMatchTest, TracingFollowsTheProtocolConsentAndDecisions) {
  Session coord = Login("coordinator");
  // Cases are registered by their own organisation's tracing staff (the kernel's write rule).
  AddUser("service_provider_b", "service_provider", "ORG-B");
  Session sp_a = Login("service_provider"), sp_b = Login("service_provider_b");
  // Roles without "tracing" in the protocol are refused, aggregate-only roles included.
  for (const char* role : {"viewer", "outside_recipient", "partner_focal_point", "imo"}) {
    int status = 0;
    GetJson(Login(role), "/api/v1/tracing/records", &status);
    EXPECT_EQ(status, 403) << role;
  }
  int64_t child = Case(sp_a, {{"kind", "registered"},
                              {"organisation", "ORG-A"},
                              {"external_id", "UASC-001"},
                              {"name", "Nyakuoth Gatwech Ruot"},
                              {"sex", "f"},
                              {"age_min", 8},
                              {"age_max", 9},
                              {"area_pcode", "SS010101"},
                              {"consent_for_tracing", true}});
  int64_t no_consent = Case(sp_a, {{"kind", "registered"},
                                   {"organisation", "ORG-A"},
                                   {"external_id", "UASC-002"},
                                   {"name", "Nyakuoth Gatwech"},
                                   {"sex", "f"},
                                   {"age_min", 9},
                                   {"area_pcode", "SS010101"},
                                   {"consent_for_tracing", false}});
  int64_t request = Case(sp_b, {{"kind", "request"},
                                {"organisation", "ORG-B"},
                                {"external_id", "TR-77"},
                                {"name", "Nyakwoth Gatweach Ruot"},
                                {"sex", "f"},
                                {"age_min", 9},
                                {"area_pcode", "SS0101"}});
  ASSERT_GT(child * no_consent * request, 0);
  // A registered person without a consent answer is refused with the reason.
  int status = 0;
  json bad = PostJson(sp_a, "/api/v1/tracing/records",
                      {{"kind", "registered"}, {"external_id", "X"}, {"name", "Someone"}}, &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(bad["error"]["field"], "consent_for_tracing");
  // A state is given and shown as its text; an unknown one is refused naming the states.
  json shown =
      PostJson(sp_a, "/api/v1/tracing/records",
               {{"kind", "request"}, {"external_id", "TR-78"}, {"name", "Someone Else"}}, &status);
  EXPECT_EQ(status, 201) << shown.dump();
  json cases = GetJson(sp_a, "/api/v1/tracing/records", &status);
  std::string state;
  for (const auto& it : cases["items"])
    if (it["external_id"] == "TR-78") state = it["status"];
  EXPECT_EQ(state, "open") << cases.dump();
  json wrong = PostJson(sp_a, "/api/v1/tracing/records",
                        {{"kind", "request"},
                         {"external_id", "TR-79"},
                         {"name", "Someone Other"},
                         {"status", "found"}},
                        &status);
  EXPECT_EQ(status, 400) << wrong.dump();
  EXPECT_NE(wrong.dump().find("open, reunified or closed"), std::string::npos) << wrong.dump();

  // A service provider (a child protection agency) traces across organisations.
  Session& sp = sp_a;
  std::string path = "/api/v1/tracing/records/" + std::to_string(request) + "/candidates";
  json cands = GetJson(sp, path, &status);
  ASSERT_EQ(status, 200) << cands.dump();
  ASSERT_GE(cands["count"].get<int>(), 1);
  EXPECT_EQ(cands["items"][0]["registered"]["id"], child);
  EXPECT_EQ(cands["items"][0]["band"], "likely");
  EXPECT_FALSE(cands["items"][0]["fields"].empty());  // the explanation, field by field
  for (const auto& c : cands["items"]) EXPECT_NE(c["registered"]["id"], no_consent);
  EXPECT_EQ(cands["transliteration_model"], true);  // learned from data/match at first use
  // A request written in Arabic finds the child registered in Latin script.
  int64_t boy = Case(sp_a, {{"kind", "registered"},
                            {"organisation", "ORG-A"},
                            {"external_id", "UASC-003"},
                            {"name", "Mohammed Al-Rashid"},
                            {"sex", "m"},
                            {"age_min", 11},
                            {"area_pcode", "SS010101"},
                            {"consent_for_tracing", true}});
  int64_t arabic = Case(sp_b, {{"kind", "request"},
                               {"organisation", "ORG-B"},
                               {"external_id", "TR-78"},
                               {"name", "محمد الرشيد"},
                               {"sex", "m"},
                               {"age_min", 10},
                               {"area_pcode", "SS0101"}});
  json found =
      GetJson(sp, "/api/v1/tracing/records/" + std::to_string(arabic) + "/candidates", &status);
  ASSERT_EQ(status, 200);
  ASSERT_GE(found["count"].get<int>(), 1) << found.dump();
  EXPECT_EQ(found["items"][0]["registered"]["id"], boy);
  // Candidates of something that is not a request: 404.
  GetJson(sp, "/api/v1/tracing/records/" + std::to_string(child) + "/candidates", &status);
  EXPECT_EQ(status, 404);

  // Rejected: never proposed again; the decision is listed and audited without names.
  json d = PostJson(
      sp, "/api/v1/match-decisions",
      {{"kind", "tracing"}, {"left_id", request}, {"right_id", child}, {"decision", "rejected"}},
      &status);
  ASSERT_EQ(status, 201) << d.dump();
  json again = GetJson(sp, path, &status);
  for (const auto& c : again["items"]) EXPECT_NE(c["registered"]["id"], child);
  json listed = GetJson(coord, "/api/v1/match-decisions?kind=tracing", &status);
  ASSERT_EQ(listed["count"], 1);
  EXPECT_EQ(listed["items"][0]["decision"], "rejected");
  bool audited = false, leaked = false;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& r) {
                    audited = audited || (r.action == "match.rejected" &&
                                          r.object_id == std::to_string(request) + "," +
                                                             std::to_string(child));
                    leaked = leaked || r.detail.find("Nyak") != std::string::npos ||
                             r.object_id.find("Nyak") != std::string::npos;
                  })
                  .ok());
  EXPECT_TRUE(audited);
  EXPECT_FALSE(leaked);
  // The viewer cannot take a decision.
  PostJson(
      Login("viewer"), "/api/v1/match-decisions",
      {{"kind", "tracing"}, {"left_id", request}, {"right_id", child}, {"decision", "confirmed"}},
      &status);
  EXPECT_EQ(status, 403);
}

TEST_F(ServerMatchTest, ConfirmedDuplicateIncidentsCountOnce) {
  // A second source reports ORG-A's public incident again.
  auto src =
      store_->EnsureDataSource({0, "OTHER", "other", "manual", "ORG-B", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  store::Incident i;
  i.source_key = "again";
  i.content_hash = 1;
  i.date_start = i.date_end = "2024-03-03";
  i.country = "SSD";
  i.place = {"SS010101", 3, "pcode", 1, "", ""};
  i.risks = {"ATK"};
  i.organisation_code = "ORG-B";
  i.source_type = "direct_monitoring";
  i.sensitivity = "public";
  i.narrative = "SECRET-NARRATIVE-ORG-A|incident|public";
  ASSERT_TRUE(ImportIncidents(*store_, *src, {i}).ok());

  Session coord = Login("coordinator");
  int status = 0;
  json pairs =
      GetJson(coord, "/api/v1/duplicates/incidents?from=2024-03-01&to=2024-03-31", &status);
  ASSERT_EQ(status, 200) << pairs.dump();
  ASSERT_GE(pairs["count"].get<int>(), 1) << pairs.dump();
  json top = pairs["items"][0];
  EXPECT_EQ(top["duplicate"]["source"], "OTHER");
  EXPECT_EQ(pairs.dump().find("SECRET"), std::string::npos);  // no narratives in the answer
  int64_t kept = top["kept"]["id"], dup = top["duplicate"]["id"];

  // A partner focal point (own organisation only) may not see or decide duplicates.
  GetJson(Login("partner_focal_point"), "/api/v1/duplicates/incidents", &status);
  EXPECT_EQ(status, 403);

  auto total = [&] {
    json a = GetJson(coord, "/api/v1/analysis?from=2024-03-01&to=2024-03-31", &status);
    EXPECT_EQ(status, 200);
    return a.dump();
  };
  std::string before = total();
  json d = PostJson(
      coord, "/api/v1/match-decisions",
      {{"kind", "incident"}, {"left_id", kept}, {"right_id", dup}, {"decision", "confirmed"}},
      &status);
  ASSERT_EQ(status, 201) << d.dump();
  json detail = GetJson(coord, "/api/v1/incidents/" + std::to_string(dup), &status);
  EXPECT_EQ(detail["duplicate_of"], kept);
  EXPECT_NE(total(), before);  // the analysis cache was told: the duplicate counts once
  EXPECT_EQ(store_->Counts()->incidents, 25);  // both reports stay
  json after =
      GetJson(coord, "/api/v1/duplicates/incidents?from=2024-03-01&to=2024-03-31", &status);
  for (const auto& p : after["items"]) EXPECT_NE(p["duplicate"]["id"], dup);
}

}  // namespace
}  // namespace aegis::testing
