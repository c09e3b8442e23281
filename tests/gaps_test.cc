// The service-gap map: the analysis's phases of the risks each service type answers, joined with
// the directory's coverage and the referrals closed as "service unavailable", with small counts
// kept out of safe outputs.
#include "services/gaps.h"

#include <gtest/gtest.h>

#include "server_fixture.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

analysis::AreaResult Area(const std::string& pcode,
                          const std::vector<std::pair<std::string, int>>& phases,
                          const std::string& withheld_risk = "") {
  analysis::AreaResult a;
  a.pcode = pcode;
  a.name = "Area " + pcode;
  for (const auto& [risk, phase] : phases) {
    analysis::RiskFigures rf;
    rf.risk = risk;
    rf.phase.final = phase;
    if (risk == withheld_risk) rf.phase_withheld = "would reveal a count under 5";
    a.risks.push_back(rf);
  }
  return a;
}

TEST(GapMap, ACrisisAreaWithoutAServiceOrTurningPeopleAwayIsAGap) {
  analysis::AnalysisResult r;
  r.areas = {Area("A", {{"ATK", 4}, {"GBV", 2}}), Area("B", {{"ATK", 3}}), Area("C", {{"ATK", 1}}),
             Area("D", {{"ATK", 5}}, "ATK")};
  std::vector<store::ServiceCoverage> cov = {{"A", "protection", 0, 0}, {"B", "protection", 2, 2},
                                             {"C", "protection", 0, 0}, {"D", "protection", 0, 0},
                                             {"A", "gbv", 1, 1},        {"E", "protection", 0, 0}};
  services::Answers answers;
  answers.risks = {{"protection", {"ATK"}}, {"gbv", {"GBV"}}};
  auto cells = services::GapMap(r, cov, {{{"B", "protection"}, 1}}, answers);
  std::vector<std::string> got;
  got.reserve(cells.size());
  for (const auto& g : cells)
    got.push_back(g.pcode + "/" + g.service_type + "/" + std::to_string(g.phase) + "/" +
                  (g.gap ? "gap" : "-"));
  // Gaps first, worst phase first. B has services but turned a referral away; D's phase is
  // withheld from this reader, so it is neither shown nor makes a gap; E is not in the analysis.
  EXPECT_EQ(got, (std::vector<std::string>{"A/protection/4/gap", "B/protection/3/gap", "A/gbv/2/-",
                                           "C/protection/1/-", "D/protection/0/-"}));
  EXPECT_EQ(cells[0].phase_risk, "ATK");
  EXPECT_EQ(cells[1].unavailable, 1);
  EXPECT_FALSE(cells.back().phase_withheld.empty());
  cells.back().unavailable_small = true;
  const std::string hxl = services::GapMapHxl(cells, 5);
  EXPECT_NE(hxl.find("#adm+code,#adm+name,#service+type,#severity+phase"), std::string::npos);
  EXPECT_NE(hxl.find("A,Area A,protection,4,ATK,0,0,0,yes"), std::string::npos) << hxl;
  EXPECT_NE(hxl.find("D,Area D,protection,withheld,,0,0,<5,no"), std::string::npos) << hxl;
}

TEST(GapMap, TheAnswersFileIsCheckedAgainstTheTaxonomy) {
  TempDir dir;
  auto tax = taxonomy::Taxonomy::Load(kData + "/taxonomy");
  ASSERT_TRUE(tax.ok()) << tax.status().ToString();
  auto shipped = services::Answers::Load(kData + "/services/answers.toml", *tax);
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ(shipped->risks.at("gbv"), (std::vector<std::string>{"GBV", "CEFM"}));
  WriteFile(dir / "a.toml", "[answers]\nkaraoke = [\"GBV\"]\n");
  auto bad = services::Answers::Load(dir / "a.toml", *tax);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("answers.karaoke"), std::string::npos);
  WriteFile(dir / "b.toml", "[answers]\ngbv = [\"GBVX\"]\n");
  bad = services::Answers::Load(dir / "b.toml", *tax);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'GBVX' is not a risk code"), std::string::npos);
}

// Over HTTP, on the fixture's incidents (March 2024, payam SS010101): a protection service of
// ORG-B in county SS0101, and a referral there closed as "service unavailable".
class GapsApi : public ServerTest {
 protected:
  void Seed() {
    auto src = store_->EnsureDataSource({0, "SVC", "test", "manual", "", "secondary"});
    ASSERT_TRUE(src.ok());
    store::Service s;
    s.source_key = "b-protection";
    s.organisation_code = "ORG-B";
    s.provider = "ORG-B";
    s.service_type = "protection";
    s.pcodes = {"SS0101"};
    ASSERT_TRUE(store_->CreateService(s, *src).ok());
    store::Referral r;
    r.referring_organisation = "ORG-A";
    r.receiving_organisation = "ORG-B";
    r.service_type = "protection";
    r.area_pcode = "SS010101";
    r.purpose = "service_provision";
    const int64_t march = 1709510400000;  // 2024-03-04T00:00:00Z
    r.created_ms = r.updated_ms = march;
    r.due_ms = march + 1;
    store::Consent c;
    c.given_by = "person";
    c.purpose = r.purpose;
    c.receiving_organisation = "ORG-B";
    c.given_ms = march;
    auto id = store_->CreateReferral(r, c, {0, 0, march, "1", "created", "", "sent"}, {});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    using S = store::ReferralStatus;
    ASSERT_TRUE(store_
                    ->ChangeReferralStatus(*id, {S::kSent, S::kAccepted, "", "", march + 10},
                                           {0, *id, march + 10, "2", "accepted", "", ""}, {})
                    .ok());
    ASSERT_TRUE(store_
                    ->ChangeReferralStatus(
                        *id, {S::kAccepted, S::kClosed, "service_unavailable", "", march + 20},
                        {0, *id, march + 20, "2", "closed", "", ""}, {})
                    .ok());
  }
  json Cell(const std::string& user) {
    auto r = Client()->Get("/api/v1/analysis/gaps?level=2&period=2024-03&type=protection",
                           Login(user).Get());
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    if (!r || r->status != 200) return {};
    json body = json::parse(r->body);
    for (const auto& it : body["items"])
      if (it["pcode"] == "SS0101") return it;
    return {};
  }
};

TEST_F(GapsApi, TheMapJoinsPhasesServicesAndReferralsTurnedAwayAndHidesSmallCounts) {
  Seed();
  json coord = Cell("coordinator");
  EXPECT_EQ(coord["services"], 1) << coord.dump();
  EXPECT_EQ(coord["unavailable"], 1) << coord.dump();
  // An outside recipient sees aggregates only: the referral count under 5 is not published.
  json outside = Cell("outside_recipient");
  EXPECT_EQ(outside["services"], 1) << outside.dump();
  EXPECT_EQ(outside["unavailable"], "<5") << outside.dump();
  auto hxl = Client()->Get("/api/v1/analysis/gaps?level=2&period=2024-03&format=hxl",
                           Login("coordinator").Get());
  ASSERT_TRUE(hxl && hxl->status == 200);
  EXPECT_NE(hxl->body.find("#adm+code"), std::string::npos);
  EXPECT_NE(hxl->body.find("SS0101,"), std::string::npos);
  // The command line prints the same map's gaps beside the coverage, for the period asked.
  auto cli = RunAegis("--db '" + db_ + "' services gaps --type protection --level 2 --period " +
                      "2024-03 --keys '" + (dir_ / "t.keys") + "'");
  ASSERT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("protection: "), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("gaps in 2024-03 (phase 3 or worse"), std::string::npos) << cli.output;
}

}  // namespace
}  // namespace aegis::testing
