// The analysis on small hand-computed cases: roll-ups, rates, duplicates, trend flags, phase
// rules, overrides and safe aggregates, through a real SQLite store with South Sudan's P-codes.
#include "analysis/analysis.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/demo_data.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

using analysis::Figure;

class AnalysisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewStore(dir_);
    auto cat = ingest::LoadCatalog(*store_, kData);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    tax_ = std::move(cat->taxonomy);
    auto rules = analysis::SeverityRules::Load(kData + "/analysis/severity.toml");
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    cfg_.rules = *rules;
  }

  // An incident placed on `pcode` (level from the P-code's length: SS01 state, SS0101 county,
  // SS010101 payam).
  static store::Incident Inc(const std::string& key, const std::string& date,
                             const std::string& pcode, std::vector<std::string> risks,
                             int64_t killed = 0, const std::string& org = "ORG-A") {
    store::Incident i;
    i.source_key = key;
    i.content_hash = text::Hash64(key);
    i.date_start = i.date_end = date;
    i.country = "SSD";
    i.place.pcode = pcode;
    i.place.level = pcode.size() == 4 ? 1 : pcode.size() == 6 ? 2 : 3;
    i.place.method = "pcode";
    i.place.confidence = 1;
    i.risks = std::move(risks);
    i.killed = killed;
    i.organisation_code = org;
    i.source_type = "direct_monitoring";
    return i;
  }

  void Write(std::vector<store::Incident> incidents) {
    auto src = store_->EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    Status imported = ImportIncidents(*store_, *src, std::move(incidents));
    ASSERT_TRUE(imported.ok()) << imported.ToString();
  }

  analysis::AnalysisResult Run(int level, const std::string& period, bool safe = false,
                               const std::string& within = "") {
    auto facts = analysis::LoadFacts(*store_, *tax_);
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    facts_ = std::move(*facts);
    analysis::AnalysisRequest req;
    req.level = level;
    req.period = analysis::ParsePeriod(period).value();
    req.safe = safe;
    req.within = within;
    cube_ = analysis::Cube::Build(facts_, req.period.first - 24, req.period.last + 12,
                                  safe ? analysis::RiskBits(facts_, cfg_.withheld_risks) : 0);
    auto overrides = store_->LoadSeverityOverrides().value();
    auto r = analysis::Analyze(facts_, cube_, overrides, cfg_, req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : analysis::AnalysisResult{};
  }

  static const analysis::AreaResult& Area(const analysis::AnalysisResult& r,
                                          const std::string& pcode) {
    for (const auto& a : r.areas)
      if (a.pcode == pcode) return a;
    ADD_FAILURE() << "no row for " << pcode;
    static analysis::AreaResult none;
    return none;
  }
  static const analysis::RiskFigures& Risk(const analysis::AreaResult& a, const std::string& code) {
    for (const auto& r : a.risks)
      if (r.risk == code) return r;
    ADD_FAILURE() << "no risk " << code << " in " << a.pcode;
    static analysis::RiskFigures none;
    return none;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<taxonomy::Taxonomy> tax_;
  analysis::AnalysisConfig cfg_;
  analysis::Facts facts_;
  analysis::Cube cube_;
};

TEST_F(AnalysisTest, FiguresRollUpThePcodeHierarchyAndRatesUsePopulation) {
  store::Incident a1 = Inc("a1", "2024-03-02", "SS010101", {"ATK", "GBV"}, 2);
  a1.victims = {{"female", "12_17", "no", "idp", 1}, {"male", "18_59", "unknown", "idp", 2}};
  Write({a1, Inc("a2", "2024-03-10", "SS010101", {"ATK"}, 1),
         Inc("b1", "2024-03-11", "SS010102", {"ATK"}),
         Inc("c1", "2024-03-20", "SS0101", {"ATK"}),      // placed on the county only
         Inc("x1", "2024-04-01", "SS010101", {"ATK"})});  // another month
  ASSERT_TRUE(store_->UpsertPopulation({{"SS0101", 2024, 20000, {}, {}, "test"}}).ok());

  auto payams = Run(3, "2024-03", false, "SS0101");
  EXPECT_EQ(Risk(Area(payams, "SS010101"), "ATK").incidents.value, 2);
  EXPECT_EQ(Risk(Area(payams, "SS010102"), "ATK").incidents.value, 1);

  auto counties = Run(2, "2024-03");
  const auto& juba = Area(counties, "SS0101");
  EXPECT_EQ(Risk(juba, "ATK").incidents.value, 4);  // 2 + 1 in payams + 1 on the county
  EXPECT_EQ(Risk(juba, "GBV").incidents.value, 1);
  EXPECT_EQ(Risk(juba, "*").incidents.value, 4);  // a1 has two risks but is one incident
  EXPECT_EQ(Risk(juba, "ATK").killed.value, 3);
  EXPECT_EQ(Risk(juba, "ATK").victims.value, 3);
  EXPECT_EQ(Risk(juba, "ATK").by_sex.at("female"), 1);
  EXPECT_EQ(Risk(juba, "ATK").by_sex.at("male"), 2);
  EXPECT_EQ(Risk(juba, "ATK").by_age_band.at("12_17"), 1);
  EXPECT_EQ(Risk(juba, "ATK").by_displacement.at("idp"), 3);
  ASSERT_TRUE(Risk(juba, "ATK").incidents_per_10k.has_value());
  EXPECT_DOUBLE_EQ(*Risk(juba, "ATK").incidents_per_10k, 2.0);  // 4 / 20,000 x 10,000

  auto states = Run(1, "2024-03");
  EXPECT_EQ(Risk(Area(states, "SS01"), "*").incidents.value, 4);
  auto quarter = Run(1, "2024-Q2");
  EXPECT_EQ(Risk(Area(quarter, "SS01"), "*").incidents.value, 1);
  auto range = Run(1, "2024-03..2024-04");
  EXPECT_EQ(Risk(Area(range, "SS01"), "*").incidents.value, 5);
}

// Records the source locates only on a state or a country count in that area's total and, at
// every lower level, in a "not further located" line under it: every record of the period is in
// every output, once per level, and the output says how many it could not place below its level.
TEST_F(AnalysisTest, RecordsPlacedAboveTheLevelCountInTheirAreaAndInANotFurtherLocatedLine) {
  auto country = [](const std::string& key, const std::string& iso3, std::string risk) {
    store::Incident i = Inc(key, "2024-03-05", "", {std::move(risk)});
    i.country = iso3;
    i.place.level = 0;
    i.place.method = "country";
    return i;
  };
  Write({Inc("p1", "2024-03-02", "SS010101", {"ATK"}, 1),
         Inc("p2", "2024-03-03", "SS010101", {"ATK"}),
         Inc("c1", "2024-03-04", "SS0101", {"MOV"}),   // on the county only
         Inc("s1", "2024-03-04", "SS01", {"ATK"}, 2),  // on the state only
         country("n1", "SSD", "GBV"), country("n2", "SSD", "ATK"),
         country("m1", "MLI", "ATK")});  // a country with no loaded areas
  // Level 0: the countries, every record in its country.
  auto l0 = Run(0, "2024-03");
  EXPECT_EQ(Risk(Area(l0, "SSD"), "*").incidents.value, 6);
  EXPECT_EQ(Area(l0, "SSD").name, "South Sudan");
  EXPECT_EQ(Risk(Area(l0, "MLI"), "*").incidents.value, 1);
  EXPECT_TRUE(l0.not_further_located.empty());
  EXPECT_EQ(l0.above_level.value, 0);
  // Each level: its rows plus the lines hold all 7 records; the lines say where the others are.
  struct Want {
    int level;
    std::map<std::string, int64_t> lines;
  };
  for (const Want& w :
       {Want{1, {{"SSD", 2}, {"MLI", 1}}}, Want{2, {{"SSD", 2}, {"MLI", 1}, {"SS01", 1}}},
        Want{3, {{"SSD", 2}, {"MLI", 1}, {"SS01", 1}, {"SS0101", 1}}}}) {
    auto r = Run(w.level, "2024-03");
    int64_t rows = 0, lines = 0;
    for (const auto& a : r.areas) rows += a.risks[0].incidents.value;
    std::map<std::string, int64_t> got;
    for (const auto& a : r.not_further_located) {
      got[a.pcode] = a.risks[0].incidents.value;
      lines += a.risks[0].incidents.value;
      for (const auto& k : a.risks) EXPECT_EQ(k.phase.final, 0) << "a line has no phase";
    }
    EXPECT_EQ(got, w.lines) << "level " << w.level;
    EXPECT_EQ(rows + lines, 7) << "level " << w.level;
    EXPECT_EQ(r.above_level.value, lines);
    EXPECT_NE(text::Join(r.notes, " ")
                  .find(std::to_string(lines) +
                        " incidents of 2024-03 are "
                        "placed above admin level " +
                        std::to_string(w.level)),
              std::string::npos)
        << text::Join(r.notes, "\n");
  }
  // The state's figures and phase are its own records (payams, county, itself), not the
  // country's: 4 incidents, 2 + 1 killed.
  auto l1 = Run(1, "2024-03");
  EXPECT_EQ(Risk(Area(l1, "SS01"), "*").incidents.value, 4);
  EXPECT_EQ(Risk(Area(l1, "SS01"), "ATK").killed.value, 3);
  EXPECT_EQ(Risk(Area(l1, "SS01"), "GBV").incidents.value, 0);
  EXPECT_EQ(Risk(Area(l1, "SS01"), "GBV").phase.final, 0);
  // Within the state at payam level: the county's and the state's lines, not the country's.
  auto within = Run(3, "2024-03", false, "SS01");
  ASSERT_EQ(within.not_further_located.size(), 2u);
  EXPECT_EQ(within.not_further_located[0].pcode, "SS01");
  EXPECT_EQ(within.not_further_located[1].pcode, "SS0101");
  EXPECT_EQ(within.above_level.value, 2);
  // JSON: the count and the lines, with counts but no phase or trend (an attacker would read a
  // phase 0 as "no incident"); HXL: a row per line and risk, flagged in its last column.
  auto r2 = Run(2, "2024-03");
  auto j = nlohmann::json::parse(r2.ToJson());
  EXPECT_EQ(j["not_further_located_incidents"], 4);
  ASSERT_EQ(j["not_further_located"].size(), 3u);
  const auto& line = j["not_further_located"][0];
  EXPECT_EQ(line["pcode"], "MLI");
  EXPECT_EQ(line["level"], 0);
  EXPECT_EQ(line["risks"][0]["incidents"], 1);
  for (const auto& k : line["risks"]) {
    EXPECT_FALSE(k.contains("phase")) << k.dump();
    EXPECT_FALSE(k.contains("trend")) << k.dump();
  }
  std::string hxl = r2.ToHxlCsv();
  EXPECT_NE(hxl.find(",South Sudan (not further located),SSD,2024-03-01,2024-03-31,*,All "
                     "protection risks,2,"),
            std::string::npos)
      << hxl;
  EXPECT_NE(hxl.find("#meta+not_further_located"), std::string::npos);
  // The monthly summary (aegis summary) does the same from the store: the county level has the
  // county's 3 and the lines of the state (1) and the countries (2 and 1); level 0 the countries.
  auto rows = store_->MonthlySummary(2, "2024-01-01", "2024-12-31");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::string, int64_t> all;
  for (const auto& x : *rows)
    if (x.risk == "*") all[(x.not_further_located ? "line " : "") + x.pcode] = x.incidents;
  EXPECT_EQ(all, (std::map<std::string, int64_t>{
                     {"SS0101", 3}, {"line SS01", 1}, {"line SSD", 2}, {"line MLI", 1}}));
  rows = store_->MonthlySummary(0, "2024-01-01", "2024-12-31");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  all.clear();
  for (const auto& x : *rows)
    if (x.risk == "*") all[(x.not_further_located ? "line " : "") + x.pcode] = x.incidents;
  EXPECT_EQ(all, (std::map<std::string, int64_t>{{"SSD", 6}, {"MLI", 1}}));
  // Safe: a line is a published figure like any other, cut from the same suppressed tables (the
  // residual cells): the state's 1 incident is "<5"; GBV is withheld; the total is not exact.
  auto safe = Run(2, "2024-03", /*safe=*/true);
  const analysis::AreaResult* ss01 = nullptr;
  for (const auto& a : safe.not_further_located)
    if (a.pcode == "SS01") ss01 = &a;
  ASSERT_NE(ss01, nullptr);
  EXPECT_EQ(ss01->risks[0].incidents.state, Figure::State::kSmall);
  EXPECT_EQ(Risk(*ss01, "GBV").incidents.state, Figure::State::kWithheld);
  EXPECT_NE(safe.above_level.state, Figure::State::kExact);
}

TEST_F(AnalysisTest, AConfirmedDuplicateCountsOnceAndBothSourcesStay) {
  Write({Inc("p1", "2024-03-02", "SS010101", {"ATK"}, 4, "ORG-A"),
         Inc("p2", "2024-03-02", "SS010101", {"ATK"}, 4, "ORG-B")});
  auto before = Run(2, "2024-03");
  EXPECT_EQ(Risk(Area(before, "SS0101"), "ATK").incidents.value, 2);
  int64_t id1 = QueryInt(StoreUrl(dir_), "SELECT id FROM incident WHERE source_key='p1'");
  int64_t id2 = QueryInt(StoreUrl(dir_), "SELECT id FROM incident WHERE source_key='p2'");
  ASSERT_TRUE(store_->SetDuplicateOf(id2, id1).ok());
  auto after = Run(2, "2024-03");
  const auto& atk = Risk(Area(after, "SS0101"), "ATK");
  EXPECT_EQ(atk.incidents.value, 1);
  EXPECT_EQ(atk.killed.value, 4);   // not 8
  EXPECT_EQ(atk.organisations, 2);  // convergence of evidence keeps both sources
  EXPECT_FALSE(store_->SetDuplicateOf(id1, id1).ok());
}

// An independent oracle for the binomial tail: the sum of the probability mass function.
double UpperTail(int64_t k, int64_t n, double p) {
  double s = 0;
  for (int64_t x = k; x <= n; ++x)
    s += std::exp(std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0) +
                  x * std::log(p) + (n - x) * std::log1p(-p));
  return s;
}

TEST(Trend, FlagsFromTheExactTestAreRightOnSmallCounts) {
  analysis::TrendOptions o;  // 6 baseline periods, alpha 0.05, emerging needs 3
  using F = analysis::Trend::Flag;
  // Never seen before, 3 now: P = (1/7)^3 = 0.0029 -> emerging.
  auto t = analysis::TestTrend(3, 0, 0, 6, o);
  EXPECT_EQ(t.flag, F::kEmerging);
  EXPECT_NEAR(t.p_up, std::pow(1.0 / 7, 3), 1e-12);
  // 2 is not enough to call a risk emerging, although P = 0.02.
  EXPECT_EQ(analysis::TestTrend(2, 0, 0, 6, o).flag, F::kStable);
  // 3 now against 1 a month: P(X >= 3 | n = 9, p = 1/7) = 0.126 -> stable, not "+200%".
  t = analysis::TestTrend(3, 1, 6, 6, o);
  EXPECT_EQ(t.flag, F::kStable);
  EXPECT_NEAR(t.p_up, UpperTail(3, 9, 1.0 / 7), 1e-12);
  EXPECT_NEAR(t.p_up, 0.12598, 1e-4);
  // 8 now against 1 a month: P(X >= 8 | n = 14) is tiny -> escalating.
  t = analysis::TestTrend(8, 1, 6, 6, o);
  EXPECT_EQ(t.flag, F::kEscalating);
  EXPECT_NEAR(t.p_up, UpperTail(8, 14, 1.0 / 7), 1e-12);
  // 0 now against 5 a month: P(X <= 0 | n = 30) = (6/7)^30 = 0.0098 -> de-escalating.
  t = analysis::TestTrend(0, 5, 30, 6, o);
  EXPECT_EQ(t.flag, F::kDeEscalating);
  EXPECT_NEAR(t.p_down, std::pow(6.0 / 7, 30), 1e-12);
  EXPECT_EQ(analysis::TestTrend(0, 0, 0, 6, o).flag, F::kNoData);
  EXPECT_NE(t.Explain().find("binomial"), std::string::npos);
}

TEST_F(AnalysisTest, PhasesFollowTheRulesFileWithTheEvidenceCapAndTheOverallRule) {
  const analysis::SeverityRules& r = cfg_.rules;
  // Default rules: incidents/month thresholds 1, 5, 15, 40; killed 1, 5, 25, 100.
  auto d = analysis::DecidePhase(r, "ATK", {{"incidents", 5}, {"killed", 0}}, 1);
  EXPECT_EQ(d.computed, 3);
  d = analysis::DecidePhase(r, "ATK", {{"incidents", 2}, {"killed", 30}}, 1);
  EXPECT_EQ(d.computed, 3) << "phase 4 from one organisation must be capped";
  EXPECT_NE(d.cap.find("capped at 3"), std::string::npos);
  d = analysis::DecidePhase(r, "ATK", {{"incidents", 2}, {"killed", 30}}, 2);
  EXPECT_EQ(d.computed, 4);
  ASSERT_EQ(d.evidence.size(), 2u);
  EXPECT_EQ(d.evidence[1].measure, "killed");
  EXPECT_EQ(d.evidence[1].phase, 4);
  // GBV has its own indicators: one incident is already phase 3.
  EXPECT_EQ(analysis::DecidePhase(r, "GBV", {{"incidents", 1}}, 1).computed, 3);
  EXPECT_EQ(analysis::DecidePhase(r, "ATK", {}, 0).computed, 0);  // not assessed
  // The overall rule of the shipped file is the 2nd highest phase.
  std::string how;
  EXPECT_EQ(analysis::OverallPhase(r, {5, 3, 2, 0}, &how), 3);
  EXPECT_NE(how.find("2nd highest risk phase"), std::string::npos) << how;
  analysis::SeverityRules m = r;
  m.overall_rule = "max";
  EXPECT_EQ(analysis::OverallPhase(m, {5, 3, 2, 0}, &how), 5);
  m.overall_rule = "mean_top";
  m.overall_n = 2;
  EXPECT_EQ(analysis::OverallPhase(m, {5, 3, 2, 0}, &how), 4);
  // A rules file with a mistake says where.
  WriteFile(dir_ / "bad.toml", "[[indicator]]\nmeasure = \"incidents\"\nthresholds = [1, 2]\n");
  auto bad = analysis::SeverityRules::Load(dir_ / "bad.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("4 numbers"), std::string::npos);
}

TEST(Ordinal, EnglishSuffixes) {
  std::vector<std::string> got;
  for (int n : {1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112})
    got.push_back(analysis::Ordinal(n));
  EXPECT_EQ(got, (std::vector<std::string>{"1st", "2nd", "3rd", "4th", "11th", "12th", "13th",
                                           "21st", "22nd", "23rd", "101st", "111th", "112th"}));
}

TEST_F(AnalysisTest, AnOverrideSetsTheFinalPhaseAndKeepsTheComputedOneAndItsReasons) {
  Write({Inc("o1", "2024-03-02", "SS010101", {"MOV"})});
  auto before = Run(2, "2024-03");
  EXPECT_EQ(Risk(Area(before, "SS0101"), "MOV").phase.final, 2);
  store::SeverityOverride o;
  o.area_pcode = "SS0101";
  o.risk = "MOV";
  o.period = "2024-03";
  o.phase = 4;
  o.author = "IMO Juba";
  EXPECT_FALSE(store_->AddSeverityOverride(o).ok()) << "a rationale is required";
  o.rationale = "Checkpoints on all roads out of Juba reported by three KIs";
  ASSERT_TRUE(store_->AddSeverityOverride(o).ok());
  auto after = Run(2, "2024-03");
  const auto& mov = Risk(Area(after, "SS0101"), "MOV");
  EXPECT_EQ(mov.phase.computed, 2);
  EXPECT_EQ(mov.phase.final, 4);
  ASSERT_TRUE(mov.phase.override.has_value());
  EXPECT_EQ(mov.phase.override->author, "IMO Juba");
  EXPECT_FALSE(mov.phase.override->created_at.empty());
  EXPECT_NE(after.ToJson().find("Checkpoints on all roads"), std::string::npos);
  // Another period is not affected.
  auto april = Run(2, "2024-04");
  EXPECT_EQ(Risk(Area(april, "SS0101"), "MOV").phase.final, 0);
}

TEST_F(AnalysisTest, SafeAggregatesShowSmallCountsAsLessThanFiveAndWithholdGbv) {
  std::vector<store::Incident> v;
  for (int i = 0; i < 7; ++i)
    v.push_back(
        Inc("m" + std::to_string(i), "2024-03-0" + std::to_string(i + 1), "SS010101", {"MOV"}));
  v.push_back(Inc("m9", "2024-03-09", "SS010201", {"MOV"}));  // Kajo-keji: one incident
  v.push_back(Inc("g1", "2024-03-09", "SS010101", {"GBV"}));
  Write(v);
  auto r = Run(2, "2024-03", /*safe=*/true);
  const auto& kk = Risk(Area(r, "SS0102"), "MOV");
  EXPECT_EQ(kk.incidents.state, Figure::State::kSmall);
  EXPECT_EQ(kk.incidents.Text(5), "<5");
  // Juba's 7 alone would give Kajo-keji's 1 from the state total: one of them is suppressed.
  const auto& juba = Risk(Area(r, "SS0101"), "MOV");
  EXPECT_NE(juba.incidents.state, Figure::State::kExact);
  EXPECT_EQ(Risk(Area(r, "SS0101"), "GBV").incidents.state, Figure::State::kWithheld);
  std::string json = r.ToJson();
  EXPECT_EQ(json.find("victims_by_sex"), std::string::npos);
  EXPECT_EQ(json.find("\"p_increase\""), std::string::npos);
  std::string hxl = r.ToHxlCsv();
  EXPECT_NE(hxl.find("#adm2+code"), std::string::npos);
  EXPECT_NE(hxl.find("SS0102,Kajo-keji,SS01,2024-03-01,2024-03-31,MOV"), std::string::npos) << hxl;
  EXPECT_NE(hxl.find(",<5,"), std::string::npos);
  // A custom range could be subtracted from another: safe outputs refuse it.
  analysis::AnalysisRequest req;
  req.period = analysis::ParsePeriod("2024-02..2024-03").value();
  req.safe = true;
  EXPECT_FALSE(analysis::Analyze(facts_, cube_, {}, cfg_, req).ok());
}

// What else a safe output publishes must not give a small count away: a phase reached through the
// incidents per 10,000 people (here 1 incident in 40,000 people, a rate that only 1 incident
// gives) is withheld; a trend flag beside a suppressed count is withheld; and the all-risks total
// leaves out incidents of withheld risks (GBV), which would otherwise show through it.
TEST_F(AnalysisTest, SafeOutputsWithholdWhatWouldRevealASmallCountOrAWithheldRisk) {
  ASSERT_TRUE(store_->UpsertPopulation({{"SS010101", 2024, 40000, {}, {}, "test"}}).ok());
  std::vector<store::Incident> v = {Inc("a1", "2024-03-02", "SS010101", {"ATK"})};
  for (int i = 0; i < 6; ++i) {
    v.push_back(
        Inc("g" + std::to_string(i), "2024-03-0" + std::to_string(i + 2), "SS010101", {"GBV"}));
    v.push_back(
        Inc("m" + std::to_string(i), "2024-03-0" + std::to_string(i + 2), "SS010101", {"MOV"}));
  }
  Write(v);
  auto exact = Run(3, "2024-03");
  EXPECT_EQ(Risk(Area(exact, "SS010101"), "ATK").phase.final, 2);
  auto safe = nlohmann::json::parse(Run(3, "2024-03", /*safe=*/true).ToJson());
  std::map<std::string, nlohmann::json> risk_of;
  for (const auto& a : safe["areas"])
    for (const auto& r : a["risks"])
      risk_of[a["pcode"].get<std::string>() + " " + r["risk"].get<std::string>()] = r;
  const auto& atk = risk_of["SS010101 ATK"];
  EXPECT_EQ(atk["incidents"], "<5");
  EXPECT_EQ(atk["phase"], "withheld") << atk.dump();
  EXPECT_FALSE(atk.contains("phase_evidence")) << atk.dump();
  EXPECT_EQ(atk["trend"]["flag"], "withheld") << atk.dump();
  EXPECT_EQ(atk["organisations"], "withheld") << atk.dump();
  // Beside it 6 displacement and 6 GBV incidents: all risks = 7, not 13.
  EXPECT_EQ(risk_of["SS010101 *"]["incidents"], 7) << risk_of["SS010101 *"].dump();
  EXPECT_EQ(risk_of["SS010101 MOV"]["phase"], 3);
}

// The shipped case: the demo data set. Every safe table (each risk, each measure, the demo's
// year) is suppressed, then attacked by linear programming; no suppressed cell is recovered.
TEST_F(AnalysisTest, NoSuppressedCellOfTheDemoDataCanBeRecovered) {
  cli::DemoOptions o;
  o.dir = dir_.path();
  o.today = "2026-11-15";
  auto files = cli::WriteDemoFiles(o, store_->LoadAreas().value());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto cat = ingest::LoadCatalog(*store_, kData);
  ASSERT_TRUE(cat.ok());
  auto sums = cli::ImportDemoFiles(*store_, *cat, *files);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  auto facts = analysis::LoadFacts(*store_, *tax_);
  ASSERT_TRUE(facts.ok());
  analysis::Cube cube = analysis::Cube::Build(*facts, 2026 * 12, 2026 * 12 + 11);
  analysis::SuppressionOptions so;
  int tables = 0, primary = 0, exposed_without_complement = 0;
  for (int slot = 0; slot < cube.slots(); ++slot) {
    for (int measure :
         {analysis::Cube::kIncidents, analysis::Cube::kKilled, analysis::Cube::kVictims}) {
      analysis::SafeTable t = analysis::BuildSafeTable(*facts, cube, slot, measure, 2026);
      analysis::SuppressionResult s = analysis::Suppress(t.problem, so);
      analysis::AuditResult audit = analysis::Audit(t.problem, s.states, so);
      EXPECT_TRUE(audit.safe()) << "slot " << slot << " measure " << measure << ": "
                                << audit.exposed.size() << " cells recovered";
      for (size_t i = 0; i < s.states.size(); ++i) {
        int64_t v = t.problem.values[i];
        if (v > 0 && v < 5) {
          EXPECT_NE(s.states[i], analysis::CellState::kShown);
        }
      }
      // Without complementary suppression the same table would leak.
      std::vector<analysis::CellState> primary_only(s.states.size());
      for (size_t i = 0; i < s.states.size(); ++i) {
        int64_t v = t.problem.values[i];
        primary_only[i] =
            v > 0 && v < 5 ? analysis::CellState::kPrimary : analysis::CellState::kShown;
        primary += v > 0 && v < 5;
      }
      exposed_without_complement +=
          static_cast<int>(analysis::Audit(t.problem, primary_only, so).exposed.size());
      ++tables;
    }
  }
  EXPECT_GT(primary, 0);
  EXPECT_GT(exposed_without_complement, 0) << "the audit must be able to find a leak";
  std::printf(
      "[figure] demo data: %d safe tables, %d small cells, all protected; primary "
      "suppression alone would expose %d cells\n",
      tables, primary, exposed_without_complement);
}

}  // namespace
}  // namespace aegis::testing
