// The inference test: an attacker given every field a safe release publishes (counts, phases with
// the public thresholds, rates beside population, trend flags, monthly series, roll-ups across
// levels and periods, the "not further located" lines of records placed above the level)
// recovers no suppressed count. First on hand-made releases where the attacker must find the
// count (so that it can fail), then end to end: the demo store and a payam-level South Sudan
// store with records also placed on counties, states and countries, each aggregate-only role,
// levels 0-3, each safe output (the analysis JSON and its HXL from GET /api/v1/analysis, the XLSX
// of GET /api/v1/exports/analysis, the Protection Analysis Update's HTML), parsed back from what
// is published.
#include "analysis/inference.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "analysis/analysis.h"
#include "analysis/report_html.h"
#include "cli/demo_data.h"
#include "ingest/table.h"
#include "process_util.h"
#include "security/keyring.h"
#include "security/password.h"
#include "taxonomy/taxonomy.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

using analysis::AttackRelease;
using analysis::InferenceOptions;
using analysis::PublishedFigure;
using analysis::PublishedPhase;
using analysis::Release;
using json = nlohmann::json;

InferenceOptions Options() {
  InferenceOptions o;
  auto rules = analysis::SeverityRules::Load(kData + "/analysis/severity.toml");
  EXPECT_TRUE(rules.ok()) << rules.status().ToString();
  if (rules.ok()) o.rules = *rules;
  return o;
}

const analysis::AttackedCell* Find(const analysis::InferenceReport& r, const std::string& pcode,
                                   const std::string& period) {
  for (const auto& c : r.cells)
    if (c.figure.pcode == pcode && c.figure.period == period) return &c;
  return nullptr;
}

// --- the attacker on hand-made releases -------------------------------------------------------

Release Hierarchy() {
  Release r;
  r.parent = {{"S1", ""}, {"C1", "S1"}, {"C2", "S1"}, {"P1", "C1"}, {"P2", "C1"}};
  return r;
}

TEST(ReleaseAttacker, RecoversACountFromARollUpAndFromAQuarter) {
  Release r = Hierarchy();
  // The state is 5 and one county 4: the other, "<5", is at most 1, so 1.
  r.figures = {{"S1", "2026-03", "ATK", "incidents", "5"},
               {"C1", "2026-03", "ATK", "incidents", "<5"},
               {"C2", "2026-03", "ATK", "incidents", "4"}};
  // A quarter of 3 made of a "<5" month and two months of 0.
  for (auto [m, t] : {std::pair{"2026-01", "<5"}, {"2026-02", "0"}, {"2026-03", "0"}})
    r.figures.push_back({"S1", m, "MOV", "incidents", t});
  r.figures.push_back({"S1", "2026-Q1", "MOV", "incidents", "3"});
  auto rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->attacked, 2);
  EXPECT_EQ(rep->recovered, 2) << rep->Summary();
  EXPECT_EQ(Find(*rep, "C1", "2026-03")->min, 1);
  EXPECT_EQ(Find(*rep, "S1", "2026-01")->min, 3);
}

TEST(ReleaseAttacker, RecoversACountFromAPhaseAndThePopulation) {
  Release r = Hierarchy();
  r.population = {{"P1", 40000}};
  // Phase 2 from incidents per 10,000 (0.1 to 0.5 a month): 1 incident in 40,000 people.
  r.figures = {{"P1", "2026-03", "ATK", "incidents", "<5"}};
  PublishedPhase ph;
  ph.pcode = "P1";
  ph.period = "2026-03";
  ph.risk = "ATK";
  ph.phase = 2;
  ph.evidence = {{"incidents", 2}, {"incidents_per_10k", 2}};
  r.phases = {ph};
  auto rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->recovered, 1) << rep->Summary();
  // The phase alone (no evidence, as in HXL): every indicator is below phase 3, so at most 1.
  r.phases[0].evidence.clear();
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 1) << rep->Summary();
  // A rate beside the population gives the count away as well.
  r.phases.clear();
  r.rates = {{"P1", "2026-03", "ATK", 0.75}};
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 1);
  EXPECT_EQ(rep->cells[0].min, 3);
}

TEST(ReleaseAttacker, LeavesAProtectedCellOpenAndReportsNarrowing) {
  Release r = Hierarchy();
  r.figures = {{"C1", "2026-03", "ATK", "incidents", "<5"},
               {"C2", "2026-03", "ATK", "incidents", "x"},
               {"S1", "2026-03", "ATK", "incidents", "7"}};
  auto rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->recovered, 0) << rep->Summary();
  const auto* x = Find(*rep, "C2", "2026-03");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->min, 0);
  EXPECT_EQ(x->max, 6);
  // "emerging" with "<5": 3 or 4 (nothing before, at least 3), still not exact.
  r.figures = {{"P2", "2026-03", "ATK", "incidents", "<5"}};
  r.trends = {{"P2", "2026-03", "ATK", "emerging"}};
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 0);
  EXPECT_EQ(rep->cells[0].min, 3);
  EXPECT_EQ(rep->cells[0].max, 4);
}

// A "not further located" line is the part of its area that no sub-area holds: with the area
// and its sub-areas it pins a small count; suppressed with them, it does not.
TEST(ReleaseAttacker, RecoversACountFromANotFurtherLocatedLineAndLeavesAProtectedOneOpen) {
  Release r = Hierarchy();
  // The state 6, one county 3, the records on the state only 2: the other county's "<5" is 1.
  r.figures = {{"S1", "2026-03", "ATK", "incidents", "6"},
               {"C1", "2026-03", "ATK", "incidents", "<5"},
               {"C2", "2026-03", "ATK", "incidents", "3"},
               {"S1", "2026-03", "ATK", "incidents", "2", true}};
  auto rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->recovered, 1) << rep->Summary();
  EXPECT_EQ(Find(*rep, "C1", "2026-03")->min, 1);
  // Without the line, the county is 1 to 3.
  r.figures.pop_back();
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 0) << rep->Summary();
  // The line suppressed with the county: 3 between them, each open.
  r.figures.push_back({"S1", "2026-03", "ATK", "incidents", "x", true});
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 0) << rep->Summary();
  // The line of an area with no sub-area is the area itself: a county's "<5" beside it.
  r.figures = {{"C2", "2026-03", "ATK", "incidents", "<5"},
               {"C2", "2026-03", "ATK", "incidents", "2", true}};
  rep = AttackRelease(r, Options());
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->recovered, 1) << rep->Summary();
}

// --- what each safe output publishes, read back --------------------------------------------

std::string MonthOf(const std::string& start, const std::string& end) {
  // "2026-10-01".."2026-12-31" -> 2026-Q4; a whole year -> 2026; one month -> 2026-10.
  int m0 = std::stoi(start.substr(5, 2)), m1 = std::stoi(end.substr(5, 2));
  if (m0 == m1) return start.substr(0, 7);
  if (m1 - m0 == 2) return start.substr(0, 4) + "-Q" + std::to_string((m0 + 2) / 3);
  return start.substr(0, 4);
}

std::string FigureText(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_string()) return v.get<std::string>();
  return "";
}

// The "not further located" lines an output leaves out hold nothing (documented): for every
// area above the level (`above`) without a line, 0 in every risk the output publishes.
void FillOmittedLines(const std::vector<std::string>& above, const std::set<std::string>& listed,
                      const std::set<std::string>& risks, const std::string& period, Release* r) {
  for (const auto& pc : above)
    if (!listed.count(pc))
      for (const auto& risk : risks)
        for (const char* m : {"incidents", "killed", "injured", "victims"})
          r->figures.push_back({pc, period, risk, m, "0", true});
}

void ReadJson(const std::string& body, const std::vector<std::string>& above, Release* r) {
  json j = json::parse(body);
  std::string period = j["period"];
  if (j.contains("suppression_threshold")) r->threshold = j["suppression_threshold"];
  std::set<std::string> listed, risks;
  for (const auto& a : j["not_further_located"]) {
    std::string pc = a["pcode"];
    listed.insert(pc);
    for (const auto& k : a["risks"]) {
      std::string risk = k["risk"];
      EXPECT_FALSE(k.contains("phase")) << "a line has no phase: " << k.dump();
      for (const char* m : {"incidents", "killed", "injured", "victims"}) {
        std::string t = FigureText(k.value(m, json()));
        if (t != "withheld") risks.insert(risk);
        r->figures.push_back({pc, period, risk, m, t, true});
      }
    }
  }
  for (const auto& a : j["areas"])
    for (const auto& k : a["risks"])
      if (FigureText(k.value("incidents", json())) != "withheld") risks.insert(k["risk"]);
  FillOmittedLines(above, listed, risks, period, r);
  for (const auto& a : j["areas"]) {
    std::string pc = a["pcode"];
    if (a.value("population", 0) > 0) r->population[pc] = a["population"];
    for (const auto& k : a["risks"]) {
      std::string risk = k["risk"];
      for (const char* m : {"incidents", "killed", "injured", "victims"})
        r->figures.push_back({pc, period, risk, m, FigureText(k.value(m, json()))});
      if (k.contains("incidents_per_10k") && k["incidents_per_10k"].is_number())
        r->rates.push_back({pc, period, risk, k["incidents_per_10k"].get<double>()});
      if (k.contains("trend"))
        r->trends.push_back({pc, period, risk, k["trend"].value("flag", "")});
      if (!k.contains("phase")) continue;
      PublishedPhase ph;
      ph.pcode = pc;
      ph.period = period;
      ph.risk = risk;
      if (k["phase"].is_number_integer()) ph.phase = k["phase"].get<int>();
      if (k.contains("phase_override")) ph.phase.reset();  // an analyst's judgement
      for (const auto& e : k.value("phase_evidence", json::array()))
        if (e["phase"].is_number_integer()) ph.evidence.emplace_back(e["measure"], e["phase"]);
      std::smatch sm;
      std::string cap = k.value("phase_cap", "");
      if (std::regex_search(cap, sm, std::regex("phase ([0-9]) needs")))
        ph.uncapped = std::stoi(sm[1]);
      if (k["organisations"].is_number_integer()) ph.organisations = k["organisations"];
      if (k["monitoring_answers"].is_number_integer()) ph.monitoring = k["monitoring_answers"];
      r->phases.push_back(ph);
    }
  }
  const auto& months = j["months"];
  for (const auto& [risk, series] : j["monthly_incidents"].items())
    for (size_t i = 0; i < series.size() && i < months.size(); ++i)
      r->figures.push_back({"", months[i], risk, "incidents", FigureText(series[i])});
}

std::vector<ingest::Row> ReadTable(const TempDir& dir, const std::string& name,
                                   const std::string& body) {
  WriteFile(dir / name, body);
  auto t = ingest::OpenTable(dir / name, {});
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  std::vector<ingest::Row> rows;
  ingest::Row row;
  while (t.ok() && (*t)->Next(&row)) rows.push_back(row);
  return rows;
}

// HXL leaves out rows with 0 incidents and no phase: the attacker, who has the P-code list, reads
// them as 0 (`level_areas`: the areas of the output's level).
void ReadHxl(const TempDir& dir, const std::string& body,
             const std::vector<std::string>& level_areas, const std::vector<std::string>& above,
             Release* r) {
  auto rows = ReadTable(dir, "a.csv", body);
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> risks, listed;
  std::string period;
  for (const auto& c : rows) {
    if (c.size() >= 18 && c[17] == "yes") {  // a "not further located" line, under its area
      period = MonthOf(c[3], c[4]);
      listed.insert(c[2]);
      risks.insert(c[5]);
      EXPECT_TRUE(c[15].empty()) << "a line has no phase";
      r->figures.push_back({c[2], period, c[5], "incidents", c[7], true});
      r->figures.push_back({c[2], period, c[5], "killed", c[8], true});
      r->figures.push_back({c[2], period, c[5], "injured", c[9], true});
      r->figures.push_back({c[2], period, c[5], "victims", c[10], true});
      continue;
    }
    if (c.size() < 17 || c[0] == "P-code" || c[0].empty() || c[0][0] == '#') continue;
    period = MonthOf(c[3], c[4]);
    const std::string& pc = c[0];
    const std::string& risk = c[5];
    seen.insert({pc, risk});
    risks.insert(risk);
    r->figures.push_back({pc, period, risk, "incidents", c[7]});
    r->figures.push_back({pc, period, risk, "killed", c[8]});
    r->figures.push_back({pc, period, risk, "injured", c[9]});
    r->figures.push_back({pc, period, risk, "victims", c[10]});
    PublishedPhase ph;
    ph.pcode = pc;
    ph.period = period;
    ph.risk = risk;
    if (!c[15].empty() && std::isdigit(static_cast<unsigned char>(c[15][0])) != 0)
      ph.phase = std::stoi(c[15]);
    if (!c[14].empty()) ph.organisations = std::stoi(c[14]);
    r->phases.push_back(ph);
    r->trends.push_back({pc, period, risk, c[16]});
  }
  if (period.empty()) return;
  for (const auto& pc : level_areas)
    for (const auto& risk : risks)
      if (!seen.count({pc, risk}))
        for (const char* m : {"incidents", "killed", "injured", "victims"})
          r->figures.push_back({pc, period, risk, m, "0"});
  // HXL leaves out the zero rows of a line too: every line and risk not written is 0.
  std::set<std::pair<std::string, std::string>> line_rows;
  for (const auto& f : r->figures)
    if (f.not_further_located && f.period == period) line_rows.insert({f.pcode, f.risk});
  for (const auto& pc : above)
    for (const auto& risk : risks)
      if (!line_rows.count({pc, risk}))
        for (const char* m : {"incidents", "killed", "injured", "victims"})
          r->figures.push_back({pc, period, risk, m, "0", true});
}

void ReadXlsx(const TempDir& dir, const std::string& body, const std::vector<std::string>& above,
              Release* r) {
  std::set<std::string> listed, risks;
  std::string period;
  for (const auto& c : ReadTable(dir, "a.xlsx", body)) {
    if (c.size() < 8 || c[0].empty() || c[0][0] == '#' || c[0] == "area_pcode") continue;
    period = c[2];
    if (c[4] != "withheld") risks.insert(c[3]);
    if (c.size() >= 9 && c[8] == "yes") {  // a "not further located" line
      listed.insert(c[0]);
      r->figures.push_back({c[0], c[2], c[3], "incidents", c[4], true});
      r->figures.push_back({c[0], c[2], c[3], "killed", c[5], true});
      r->figures.push_back({c[0], c[2], c[3], "victims", c[6], true});
      continue;
    }
    r->figures.push_back({c[0], c[2], c[3], "incidents", c[4]});
    r->figures.push_back({c[0], c[2], c[3], "killed", c[5]});
    r->figures.push_back({c[0], c[2], c[3], "victims", c[6]});
    PublishedPhase ph;
    ph.pcode = c[0];
    ph.period = c[2];
    ph.risk = c[3];
    if (!c[7].empty() && std::isdigit(static_cast<unsigned char>(c[7][0])) != 0)
      ph.phase = std::stoi(c[7]);
    r->phases.push_back(ph);
  }
  if (!period.empty()) FillOmittedLines(above, listed, risks, period, r);
}

std::string Unescape(std::string s) {
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p)) {
      s.replace(p, std::string(from).size(), to);
      p += std::string(to).size();
    }
  }
  return s;
}

// The PAU: the heat table (phase and incidents per area and risk) and the monthly table.
void ReadHtml(const std::string& html, const std::string& period,
              const std::map<std::string, std::string>& code_of_label,
              const std::vector<std::string>& above, Release* r) {
  size_t heat = html.find("<table class=\"heat\">");
  ASSERT_NE(heat, std::string::npos);
  size_t heat_end = html.find("</table>", heat);
  std::string t = html.substr(heat, heat_end - heat);
  std::vector<std::string> codes = {"OVERALL", "*"};
  std::regex abbr("<abbr title=\"[^\"]*\">([^<]*)</abbr>");
  for (std::sregex_iterator it(t.begin(), t.end(), abbr), e; it != e; ++it)
    codes.push_back((*it)[1]);
  std::regex row("<tr data-pcode=\"([^\"]*)\">(.*?)</tr>");
  std::regex cell("<td[^>]*>(.*?)</td>");
  for (std::sregex_iterator it(t.begin(), t.end(), row), e; it != e; ++it) {
    std::string pc = (*it)[1], cells = (*it)[2];
    size_t i = 0;
    for (std::sregex_iterator c(cells.begin(), cells.end(), cell), ce; c != ce; ++c, ++i) {
      if (i >= codes.size()) break;
      std::string v = (*c)[1];
      std::smatch sm;
      if (codes[i] == "*") {
        r->figures.push_back({pc, period, "*", "incidents", Unescape(v)});
        continue;
      }
      if (codes[i] == "OVERALL") continue;
      // <b>3</b> 12   (or <b>3&#8224;</b> for an override, "withheld" when withheld)
      std::string phase, fig;
      if (std::regex_search(v, sm, std::regex("<b>([^<]*)</b>\\s*(.*)"))) {
        phase = sm[1];
        fig = sm[2];
      }
      fig = std::regex_replace(fig, std::regex("<[^>]*>"), "");
      r->figures.push_back({pc, period, codes[i], "incidents", Unescape(fig)});
      PublishedPhase ph;
      ph.pcode = pc;
      ph.period = period;
      ph.risk = codes[i];
      if (phase == "&#8211;") ph.phase = 0;
      if (!phase.empty() && std::isdigit(static_cast<unsigned char>(phase[0])) != 0 &&
          phase.find("&#8224;") == std::string::npos)
        ph.phase = std::stoi(phase);
      r->phases.push_back(ph);
    }
  }
  // The "not further located" lines: counts only (all risks, then each risk).
  std::regex line("<tr class=\"nfl\" data-not-further-located=\"([^\"]*)\">(.*?)</tr>");
  std::set<std::string> listed;
  for (std::sregex_iterator it(t.begin(), t.end(), line), e; it != e; ++it) {
    std::string pc = (*it)[1], cells = (*it)[2];
    listed.insert(pc);
    size_t i = 0;
    for (std::sregex_iterator c(cells.begin(), cells.end(), cell), ce; c != ce; ++c, ++i) {
      if (i >= codes.size()) break;
      if (codes[i] == "OVERALL") {
        EXPECT_EQ(std::string((*c)[1]), "") << "a line has no phase";
        continue;
      }
      std::string v = std::regex_replace(std::string((*c)[1]), std::regex("<[^>]*>"), "");
      r->figures.push_back({pc, period, codes[i], "incidents", Unescape(v), true});
    }
  }
  std::set<std::string> risks;
  for (size_t i = 1; i < codes.size(); ++i) risks.insert(codes[i]);
  for (const auto& pc : above)
    if (!listed.count(pc))
      for (const auto& risk : risks)
        r->figures.push_back({pc, period, risk, "incidents", "0", true});
  size_t mt = html.find("<caption>Monthly incidents");
  if (mt == std::string::npos) return;
  std::string m = html.substr(mt, html.find("</table>", mt) - mt);
  std::vector<std::string> cols;
  std::regex th("<th scope=\"col\" class=\"n\">([^<]*)</th>");
  for (std::sregex_iterator it(m.begin(), m.end(), th), e; it != e; ++it) {
    std::string label = Unescape((*it)[1]);
    cols.push_back(label == "All risks"         ? "*"
                   : code_of_label.count(label) ? code_of_label.at(label)
                                                : label);
  }
  std::regex mrow("<tr><th scope=\"row\">([0-9-]*)</th>(.*?)</tr>");
  for (std::sregex_iterator it(m.begin(), m.end(), mrow), e; it != e; ++it) {
    std::string month = (*it)[1], cells = (*it)[2];
    size_t i = 0;
    for (std::sregex_iterator c(cells.begin(), cells.end(), cell), ce; c != ce && i < cols.size();
         ++c, ++i)
      r->figures.push_back({"", month, cols[i], "incidents", Unescape((*c)[1])});
  }
}

// --- the stores and the server ----------------------------------------------------------------

class InferenceTest : public ::testing::Test {
 protected:
  // `aegis serve` as a child process: this build's binary, or $AEGIS_SERVE_BINARY (to measure
  // an earlier build).
  static std::string Binary() {
    const char* other = std::getenv("AEGIS_SERVE_BINARY");
    return other != nullptr && *other != '\0' ? other : AEGIS_BINARY;
  }

  void StartServer() {
    auto keys = security::Keyring::Create(dir_ / "t.sqlite.keys");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    for (const char* org : {"ORG-A", "ORG-B"})
      ASSERT_TRUE(store_->EnsureOrganisation({0, org, org, "ngo"}).ok());
    for (const char* role : {"outside_recipient", "viewer", "partner_focal_point"}) {
      store::User u;
      u.username = role;
      u.role = role;
      u.organisation_code = std::string(role) == "partner_focal_point" ? "ORG-A" : "";
      u.password_hash = security::HashPassword("correct horse battery staple").value();
      ASSERT_TRUE(store_->AddUser(u).ok());
    }
    pid_ = Spawn({Binary(), "--data-dir", kData, "--db", StoreUrl(dir_, "t.sqlite"), "serve",
                  "--port", "0", "--threads", "4"},
                 {}, dir_ / "serve.log");
    port_ = ServePort(&pid_, dir_ / "serve.log", 60);
    ASSERT_GT(port_, 0) << ReadFile(dir_ / "serve.log");
  }
  void TearDown() override { StopProcess(pid_); }

  std::string Cookie(const std::string& user) {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Post("/api/v1/session",
                    json{{"username", user}, {"password", "correct horse battery staple"}}.dump(),
                    "application/json");
    EXPECT_TRUE(r && r->status == 200);
    if (!r) return "";
    std::string cookie = r->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }

  std::string Get(const std::string& cookie, const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    auto r = c.Get(path, {{"Cookie", cookie}});
    EXPECT_TRUE(r && r->status == 200) << path << ": " << (r ? r->body : "no answer");
    return r && r->status == 200 ? r->body : "";
  }

  // The Protection Analysis Update as published for recipients without access to individual
  // records: `aegis analyze --safe --html`.
  std::string Html(int level, const std::string& period) {
    std::string out = dir_ / "pau.html";
    std::string cmd = Binary() + " --data-dir " + kData + " --db " + StoreUrl(dir_, "t.sqlite") +
                      " analyze --safe --level " + std::to_string(level) + " --period " + period +
                      " --html " + out + " > " + (dir_ / "analyze.log") + " 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << ReadFile(dir_ / "analyze.log");
    return ReadFile(out);
  }

  // Every aggregate-only role, every safe output, levels 1-3 x the month, its quarter and its
  // year: each (role, format) is one release, attacked as a whole. Returns the recovered count.
  int64_t AttackEveryOutput(const std::string& store_name, const std::string& month) {
    std::string year = month.substr(0, 4);
    std::string quarter = year + "-Q" + std::to_string((std::stoi(month.substr(5, 2)) + 2) / 3);
    auto areas = store_->LoadAreas().value();
    Release base;
    std::map<int, std::vector<std::string>> by_level;
    // The public hierarchy: OCHA's lists, with the countries (ISO3) above their top areas, and
    // the countries the outputs name without areas.
    for (const auto& a : areas) {
      base.parent[a.pcode] = a.parent_pcode.empty() ? a.country : a.parent_pcode;
      by_level[a.level].push_back(a.pcode);
      if (a.parent_pcode.empty() && !base.parent.count(a.country)) {
        base.parent[a.country] = "";
        by_level[0].push_back(a.country);
      }
    }
    for (const auto& c : extra_countries_) {
      base.parent[c] = "";
      by_level[0].push_back(c);
    }
    std::map<int, std::vector<std::string>> above;  // level -> the areas above it
    for (int level : {0, 1, 2, 3})
      for (const auto& [l, pcs] : by_level)
        if (l < level) above[level].insert(above[level].end(), pcs.begin(), pcs.end());
    auto tax = taxonomy::Taxonomy::Load(kData + "/taxonomy").value();
    std::map<std::string, std::string> code_of_label;
    auto facts = analysis::LoadFacts(*store_, tax).value();
    for (size_t i = 0; i < facts.risk_codes.size(); ++i)
      code_of_label[facts.risk_labels[i]] = facts.risk_codes[i];
    int64_t recovered_all = 0;
    auto attack = [&](const std::string& who, const std::string& format, Release r) {
      // Population is published beside the figures (JSON), and in public sources.
      for (const auto& [pc, pop] : population_) r.population[pc] = pop;
      auto rep = AttackRelease(r, Options());
      ASSERT_TRUE(rep.ok()) << who << " " << format << ": " << rep.status().ToString();
      std::printf("[figure] inference, %s store, %s, %s: %s\n", store_name.c_str(), who.c_str(),
                  format.c_str(), rep->Summary(3).c_str());
      EXPECT_GT(rep->attacked, 0) << who << " " << format;
      EXPECT_EQ(rep->recovered, 0) << who << " " << format << ": " << rep->Summary(10);
      recovered_all += rep->recovered;
    };
    const std::vector<std::string> periods = {month, quarter, year};
    for (const char* role : {"outside_recipient", "viewer", "partner_focal_point"}) {
      std::string cookie = Cookie(role);
      std::map<std::string, Release> rel;
      for (const char* f : {"json", "hxl", "xlsx"}) rel[f] = base;
      for (int level : {0, 1, 2, 3}) {
        for (const std::string& p : periods) {
          std::string q = "?level=" + std::to_string(level) + "&period=" + p;
          std::string body = Get(cookie, "/api/v1/analysis" + q);
          if (!body.empty()) ReadJson(body, above[level], &rel["json"]);
          ReadHxl(dir_, Get(cookie, "/api/v1/analysis" + q + "&format=hxl"), by_level[level],
                  above[level], &rel["hxl"]);
          ReadXlsx(dir_, Get(cookie, "/api/v1/exports/analysis" + q + "&format=xlsx"), above[level],
                   &rel["xlsx"]);
        }
      }
      for (const auto& [pc, pop] : rel["json"].population) population_[pc] = pop;
      for (auto& [format, r] : rel) attack(role, format, r);
    }
    Release html = base;
    for (int level : {0, 1, 2, 3})
      for (const std::string& p : periods)
        ReadHtml(Html(level, p), p, code_of_label, above[level], &html);
    attack("any safe recipient", "html (aegis analyze --safe --html)", html);
    return recovered_all;
  }

  TempDir dir_;
  std::vector<std::string> extra_countries_;  // countries with records and no loaded areas
  std::map<std::string, int64_t> population_;
  std::unique_ptr<store::Store> store_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(InferenceTest, NoSuppressedCountOfTheDemoStoreIsRecoveredFromAnySafeOutput) {
  store_ = NewStore(dir_);
  cli::DemoOptions o;
  o.dir = dir_.path();
  o.today = "2026-11-15";
  auto areas = store_->LoadAreas().value();
  ASSERT_TRUE(store_->UpsertPopulation(cli::DemoPopulation(areas, 2026, 2026)).ok());
  auto files = cli::WriteDemoFiles(o, areas);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto cat = ingest::LoadCatalog(*store_, kData);
  ASSERT_TRUE(cat.ok());
  ASSERT_TRUE(cli::ImportDemoFiles(*store_, *cat, *files).ok());
  StartServer();
  AttackEveryOutput("demo", "2026-10");
}

// Incidents placed on payams, two organisations, every record class, population per payam.
TEST_F(InferenceTest, NoSuppressedCountOfAPayamLevelStoreIsRecoveredFromAnySafeOutput) {
  store_ = NewStore(dir_);
  auto areas = store_->LoadAreas().value();
  std::vector<store::Population> pop;
  std::mt19937 rng(15);
  std::vector<std::string> payams;
  for (const auto& a : areas)
    if (a.level == 3) {
      payams.push_back(a.pcode);
      pop.push_back({a.pcode,
                     2026,
                     std::uniform_int_distribution<int64_t>(3000, 90000)(rng),
                     {},
                     {},
                     "synthetic"});
    }
  ASSERT_TRUE(store_->UpsertPopulation(pop).ok());
  for (const char* org : {"ORG-A", "ORG-B"})
    ASSERT_TRUE(store_->EnsureOrganisation({0, org, org, "ngo"}).ok());
  ASSERT_TRUE(ingest::LoadCatalog(*store_, kData).ok());  // the taxonomy's risk table
  auto src = store_->EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  const std::vector<std::string> risks = {"ATK", "MOV", "GBV", "REC", "ABD", "HLP"};
  std::vector<store::Incident> v;
  std::geometric_distribution<int> count(0.55);
  for (size_t p = 0; p < payams.size(); p += 2) {  // every other payam
    for (int m = 1; m <= 10; ++m) {
      int n = count(rng);
      for (int i = 0; i < n; ++i) {
        store::Incident x;
        x.source_key = payams[p] + "-" + std::to_string(m) + "-" + std::to_string(i);
        x.content_hash = text::Hash64(x.source_key);
        char date[16];
        std::snprintf(date, sizeof date, "2026-%02d-%02d", m, 1 + i % 28);
        x.date_start = x.date_end = date;
        x.country = "SSD";
        x.place = {payams[p], 3, "pcode", 1, "", ""};
        x.risks = {risks[rng() % risks.size()]};
        if (rng() % 4 == 0 && x.risks[0] != "ATK") x.risks.push_back("ATK");
        if (rng() % 3 == 0) x.killed = static_cast<int64_t>(rng() % 4);
        x.organisation_code = rng() % 2 ? "ORG-A" : "ORG-B";
        x.source_type = "direct_monitoring";
        x.sensitivity = "internal";
        v.push_back(x);
      }
    }
  }
  // Records the sources place no deeper than a county, a state or the country (South Sudan, and
  // Uganda, with no areas loaded): published in "not further located" lines at every lower level.
  std::vector<std::string> above_payams;
  for (const auto& a : areas)
    if (a.level < 3) above_payams.push_back(a.pcode);
  for (size_t k = 0; k < above_payams.size(); k += 3) {
    for (int m = 1; m <= 10; ++m) {
      int n = count(rng) / 2;
      for (int i = 0; i < n; ++i) {
        store::Incident x;
        const std::string& pc = above_payams[k];
        x.source_key = "up-" + pc + "-" + std::to_string(m) + "-" + std::to_string(i);
        x.content_hash = text::Hash64(x.source_key);
        char date[16];
        std::snprintf(date, sizeof date, "2026-%02d-%02d", m, 1 + i % 28);
        x.date_start = x.date_end = date;
        x.country = "SSD";
        x.place = {pc, pc.size() == 4 ? 1 : 2, "pcode", 1, "", ""};
        x.risks = {risks[rng() % risks.size()]};
        if (rng() % 3 == 0) x.killed = static_cast<int64_t>(rng() % 4);
        x.organisation_code = rng() % 2 ? "ORG-A" : "ORG-B";
        x.source_type = "direct_monitoring";
        x.sensitivity = "internal";
        v.push_back(x);
      }
    }
  }
  for (const char* iso3 : {"SSD", "UGA"})
    for (int m = 1; m <= 10; ++m)
      for (int i = 0, n = count(rng) + (m % 3 == 0 ? 4 : 0); i < n; ++i) {
        store::Incident x;
        x.source_key =
            std::string("country-") + iso3 + "-" + std::to_string(m) + "-" + std::to_string(i);
        x.content_hash = text::Hash64(x.source_key);
        char date[16];
        std::snprintf(date, sizeof date, "2026-%02d-%02d", m, 1 + i % 28);
        x.date_start = x.date_end = date;
        x.country = iso3;
        x.place = {"", 0, "country", 0.3, "", ""};
        x.risks = {risks[rng() % risks.size()]};
        x.organisation_code = rng() % 2 ? "ORG-A" : "ORG-B";
        x.source_type = "secondary";
        x.sensitivity = "internal";
        v.push_back(x);
      }
  extra_countries_ = {"UGA"};
  Status imported = ImportIncidents(*store_, *src, std::move(v));
  ASSERT_TRUE(imported.ok()) << imported.ToString();
  StartServer();
  AttackEveryOutput("payam", "2026-10");
}

}  // namespace
}  // namespace aegis::testing
