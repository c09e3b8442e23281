#include "analysis/report_html.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "temp_dir.h"

namespace aegis::analysis {
namespace {

Figure Ex(int64_t v) { return {v, Figure::State::kExact}; }
Figure Small(int64_t v) { return {v, Figure::State::kSmall}; }
Figure Suppressed(int64_t v) { return {v, Figure::State::kSuppressed}; }
Figure Withheld(int64_t v) { return {v, Figure::State::kWithheld}; }

RiskFigures Risk(const std::string& code, const std::string& label, Figure incidents, int phase) {
  RiskFigures rf;
  rf.risk = code;
  rf.label = label;
  rf.incidents = incidents;
  rf.killed = rf.injured = rf.victims = Ex(0);
  if (incidents.state == Figure::State::kWithheld) rf.killed = rf.injured = rf.victims = incidents;
  rf.phase.computed = rf.phase.final = phase;
  if (phase > 0) rf.phase.evidence.push_back({"incidents", incidents.value / 3.0, phase});
  rf.trend = TestTrend(incidents.value, 2, 6, 6, TrendOptions{});
  rf.organisations = 2;
  return rf;
}

// Three counties of one state: Juba (phase 4, one risk override), a county whose name carries
// markup with one "<5" cell, one "x" cell (true value 4817) and a withheld risk, and Yei (not
// assessed).
AnalysisResult Sample(bool safe) {
  AnalysisResult r;
  r.period.label = "2024-Q1";
  r.previous.label = "2023-Q4";
  r.baseline_periods = 6;
  r.level = 2;
  r.safe = safe;
  r.threshold = 5;
  r.notes = {"Safe aggregates: counts from 1 to 4 are shown as \"<5\".",
             "Guidance: https://example.org/guide (not a link)."};
  AreaResult juba;
  juba.pcode = "SS0101";
  juba.name = "Juba";
  juba.parent_pcode = "SS01";
  juba.level = 2;
  RiskFigures all = Risk("*", "All protection risks", Ex(40), 0);
  all.killed = Ex(7);
  all.injured = Ex(12);
  all.victims = Ex(25);
  all.by_sex = {{"female", 11}, {"male", 14}};
  all.source_types = {"ngo", "un"};
  juba.risks.push_back(all);
  RiskFigures kil = Risk("KIL", "Attacks on civilians", Ex(30), 4);
  kil.killed = Ex(7);
  juba.risks.push_back(kil);
  RiskFigures abd = Risk("ABD", "Abduction", Ex(10), 2);
  store::SeverityOverride o;
  o.area_pcode = "SS0101";
  o.risk = "ABD";
  o.period = "2024-Q1";
  o.phase = 3;
  o.rationale = "Community reports of abductions on the Yei road";
  o.author = "m.deng";
  o.created_at = "2024-04-02";
  abd.phase.override = o;
  abd.phase.final = 3;
  juba.risks.push_back(abd);
  juba.risks.push_back(Risk("GBV", "Gender-based violence", safe ? Withheld(7) : Ex(7), 3));
  juba.overall_phase = 4;
  juba.overall_rule = "highest risk phase";

  AreaResult ter;
  ter.pcode = "SS0102";
  ter.name = "Terekeka <script>alert(1)</script>";
  ter.level = 2;
  ter.risks.push_back(Risk("*", "All protection risks", Ex(12), 0));
  RiskFigures x = Risk("KIL", "Attacks on civilians", Suppressed(4817), 2);
  x.trend = TestTrend(4817, 4800, int64_t{6} * 4800, 6, TrendOptions{});
  ter.risks.push_back(x);
  ter.risks.push_back(Risk("ABD", "Abduction", Small(3), 1));
  ter.risks.push_back(Risk("GBV", "Gender-based violence", Withheld(6), 0));
  ter.overall_phase = 2;
  ter.overall_rule = "highest risk phase";

  AreaResult yei;
  yei.pcode = "SS0103";
  yei.name = "Yei";
  yei.level = 2;
  for (const char* code : {"*", "KIL", "ABD", "GBV"})
    yei.risks.push_back(Risk(code, code, Ex(0), 0));
  yei.overall_rule = "not assessed";

  r.areas = {ter, yei, juba};  // not in display order on purpose
  for (int m = 1; m <= 12; ++m)
    r.months.push_back("2024-" + std::string(m < 10 ? "0" : "") + std::to_string(m));
  r.monthly["*"] = {12, 9, -1, 15, -2, 20, 18, 7, -1, 11, 30, 25};
  r.monthly["KIL"] = {8, 6, -1, 9, -1, 12, 10, 5, 0, 6, 21, 19};
  r.monthly["ABD"] = {-1, -1, 0, 0, -2, 5, 6, -1, 0, 0, 7, 5};
  return r;
}

const char* kTwoCounties = R"json({"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"ADM2_EN": "Juba", "ADM2_PCODE": "SS0101", "ADM1_PCODE": "SS01"},
   "geometry": {"type": "Polygon",
                "coordinates": [[[31.0, 4.0], [32.0, 4.0], [32.0, 5.0], [31.0, 5.0], [31.0, 4.0]]]}},
  {"type": "Feature", "properties": {"ADM2_PCODE": "SS0102", "ADM1_PCODE": "SS01"},
   "geometry": {"type": "MultiPolygon",
                "coordinates": [[[[31.0, 5.0], [32.0, 5.0], [32.0, 6.0], [31.0, 6.0], [31.0, 5.0]]],
                                [[[32.2, 5.2], [32.6, 5.2], [32.6, 5.6], [32.2, 5.2]]]]}}]})json";

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// The text from `start` to the first `end` after it (inclusive); "" if absent.
std::string Slice(const std::string& s, const std::string& start, const std::string& end) {
  size_t a = s.find(start);
  if (a == std::string::npos) return "";
  size_t b = s.find(end, a);
  return b == std::string::npos ? "" : s.substr(a, b + end.size() - a);
}

std::string Render(const AnalysisResult& r, bool with_boundaries) {
  ReportInput in;
  in.operation = "South Sudan Protection Cluster";
  in.result = &r;
  if (with_boundaries) in.boundaries_geojson[2] = kTwoCounties;
  in.generated_at = "2024-04-05T10:00:00Z";
  return RenderReportHtml(in);
}

TEST(ReportHtml, HasTheFourPafPillarsAndMethodology) {
  AnalysisResult r = Sample(true);
  std::string html = Render(r, true);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  for (const char* h :
       {">1. Context</h2>", ">2. Current threats to the population</h2>",
        ">3. Threats&#8217; effects on the population</h2>",
        ">4. Existing capacities to address protection threats</h2>", ">Methodology</h2>"})
    EXPECT_NE(html.find(h), std::string::npos) << h;
  // The pillars come in the PAF's order, each on a new printed page.
  EXPECT_LT(html.find("h-context\">"), html.find("h-threats\">"));
  EXPECT_LT(html.find("h-threats\">"), html.find("h-effects\">"));
  EXPECT_LT(html.find("h-effects\">"), html.find("h-capacities\">"));
  EXPECT_EQ(Count(html, "class=\"pillar\""), 5u);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("size: A4"), std::string::npos);
  EXPECT_NE(html.find("The service directory was not read for this report."), std::string::npos);
  // The override with its rationale, author and date; the notes of the result.
  EXPECT_NE(html.find("Community reports of abductions on the Yei road"), std::string::npos);
  EXPECT_NE(html.find("m.deng"), std::string::npos);
  EXPECT_NE(html.find("2024-04-02"), std::string::npos);
  EXPECT_NE(html.find("Safe aggregates: counts from 1 to 4 are shown as &quot;&lt;5&quot;."),
            std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// Pillar 4 lists the service-gap map's gaps and severe cells, worst first, with their phase
// colour; a withheld phase is "w", a small referral count stays "<5"; cells below phase 3 that
// are no gap are not listed; an empty directory says how to import one.
TEST(ReportHtml, CapacitiesListTheGapsAsTheReaderMaySeeThem) {
  AnalysisResult r = Sample(true);
  ReportInput in;
  in.operation = "Test";
  in.result = &r;
  in.capacities_known = true;
  in.capacities = {{"SS0101", "Juba", "gbv", 4, "GBV", false, 0, 0, "0", true},
                   {"SS0102", "Kajo-Keji", "legal", 0, "", true, 2, 1, "<5", false},
                   {"SS0103", "Yei", "health", 3, "ATK", false, 1, 1, "7", true},
                   {"SS0104", "Lainya", "education", 2, "REC", false, 0, 0, "0", false}};
  std::string html = RenderReportHtml(in);
  const size_t at = html.find("h-capacities\">");
  ASSERT_NE(at, std::string::npos);
  const std::string pillar = html.substr(at, html.find("</section>", at) - at);
  EXPECT_NE(pillar.find("2 gaps across 4 area and service-type cells (4 service types)"),
            std::string::npos)
      << pillar;
  EXPECT_NE(pillar.find("Juba <small>SS0101</small></th><td>gbv</td><td class=\"ph p4\""),
            std::string::npos)
      << pillar;
  EXPECT_NE(pillar.find("<td class=\"ph p0\"><b>w</b></td>"), std::string::npos) << pillar;
  EXPECT_NE(pillar.find("&lt;5"), std::string::npos) << pillar;
  EXPECT_EQ(pillar.find("Lainya"), std::string::npos) << pillar;  // phase 2, no gap
  EXPECT_EQ(Count(pillar, "<td><b>gap</b></td>"), 2u);
  in.capacities.clear();
  html = RenderReportHtml(in);
  EXPECT_NE(html.find("--profile ocha-3w"), std::string::npos);
}

TEST(ReportHtml, MapHasOnePathPerAreaColouredByPhase) {
  AnalysisResult r = Sample(true);
  std::string html = Render(r, true);
  EXPECT_EQ(Count(html, "<path data-pcode="), 2u);
  EXPECT_EQ(Count(html, "<circle data-pcode="), 0u);
  std::string juba = Slice(html, "<path data-pcode=\"SS0101\"", "</path>");
  std::string ter = Slice(html, "<path data-pcode=\"SS0102\"", "</path>");
  EXPECT_NE(juba.find(std::string("fill=\"") + PhaseStyleOf(4).fill + "\""), std::string::npos)
      << juba;
  EXPECT_NE(ter.find(std::string("fill=\"") + PhaseStyleOf(2).fill + "\""), std::string::npos)
      << ter;
  // The MultiPolygon is one path with two rings.
  EXPECT_EQ(Count(ter, "Z"), 2u) << ter;
  // Phase numbers are printed on the map, and the legend has 5 phases and "not assessed".
  std::string map = Slice(html, "<svg class=\"map\"", "</svg>");
  EXPECT_NE(map.find("<title id=\"map-t\">"), std::string::npos);
  EXPECT_NE(map.find(">4</text>"), std::string::npos);
  EXPECT_NE(map.find(">2</text>"), std::string::npos);
  std::string legend = Slice(html, "<ul class=\"legend\"", "</ul>");
  for (int p = 0; p <= 5; ++p)
    EXPECT_NE(legend.find("class=\"sw p" + std::to_string(p) + "\""), std::string::npos);
  EXPECT_NE(legend.find("not assessed"), std::string::npos);
  // Yei has no boundary: said below the map, not silently dropped.
  EXPECT_NE(html.find("Not on the map (no boundary): Yei"), std::string::npos);
  // The phase colours are defined once and used by the CSS classes of the tables.
  EXPECT_NE(html.find(std::string(".p5 { background: ") + PhaseStyleOf(5).fill), std::string::npos);
}

TEST(ReportHtml, SuppressedCellsNeverShowTheirTrueValue) {
  AnalysisResult r = Sample(true);
  std::string html = Render(r, true);
  // The "x" cell's true value (4817, also in its trend test) appears nowhere.
  EXPECT_EQ(html.find("4817"), std::string::npos);
  // Terekeka's heat-table row: "<5" for the small cell, "x", "withheld", and no 3 anywhere.
  std::string row = Slice(html, "<tr data-pcode=\"SS0102\">", "</tr>");
  ASSERT_FALSE(row.empty());
  EXPECT_NE(row.find("<b>1</b> &lt;5</td>"), std::string::npos) << row;
  EXPECT_NE(row.find("<b>2</b> x</td>"), std::string::npos) << row;
  EXPECT_NE(row.find("withheld"), std::string::npos) << row;
  EXPECT_EQ(row.find('3'), std::string::npos) << row;
  // Withheld risks show no trend and no figures; the test's counts are left out of safe reports.
  EXPECT_EQ(html.find("exact conditional binomial test: P"), std::string::npos);
  EXPECT_NE(html.find("not published in safe outputs"), std::string::npos);
  // GBV in Juba is withheld: its 7 incidents are not printed as a figure.
  std::string juba = Slice(html, "<tr data-pcode=\"SS0101\">", "</tr>");
  EXPECT_NE(juba.find("<b>3</b> <small>withheld</small>"), std::string::npos) << juba;
  // A raw "<5" (unescaped) would be broken HTML.
  EXPECT_EQ(html.find("<5"), std::string::npos);
  // Disaggregation is not published in safe outputs, even when the result carries it.
  EXPECT_EQ(html.find("<caption>Victims by sex</caption>"), std::string::npos);
  EXPECT_NE(html.find("Victims by sex, age band, disability and displacement status are not "
                      "published in safe outputs."),
            std::string::npos);
  // Display order uses published figures only: Juba (phase 4) first, Yei (not assessed) last.
  EXPECT_LT(html.find("<tr data-pcode=\"SS0101\">"), html.find("<tr data-pcode=\"SS0102\">"));
  EXPECT_LT(html.find("<tr data-pcode=\"SS0102\">"), html.find("<tr data-pcode=\"SS0103\">"));
}

TEST(ReportHtml, RestrictedReportShowsTestFiguresAndDisaggregation) {
  AnalysisResult r = Sample(false);
  // Not safe: every figure exact.
  r.areas[0].risks[1].incidents = Ex(4);
  r.areas[0].risks[2].incidents = Ex(3);
  r.areas[0].risks[3].incidents = r.areas[0].risks[3].killed = Ex(6);
  r.areas[0].risks[3].injured = r.areas[0].risks[3].victims = Ex(0);
  std::string html = Render(r, true);
  EXPECT_NE(html.find("Restricted: exact counts"), std::string::npos);
  EXPECT_NE(html.find("exact conditional binomial test: P(&gt;=)="), std::string::npos);
  EXPECT_NE(html.find("<caption>Victims by sex</caption>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">female</th><td class=\"n\">11</td>"), std::string::npos);
  EXPECT_NE(html.find("incidents 10 &#8594; 4"), std::string::npos);  // evidence value
}

TEST(ReportHtml, EscapesEveryStringFromData) {
  AnalysisResult r = Sample(true);
  r.notes.push_back("Bad bytes \xff\xfe and a \x01 control");
  ReportInput in;
  in.operation = "Cluster & Partners <b>\"quoted\"</b>";
  in.result = &r;
  in.generated_at = "<now>";
  std::string html = RenderReportHtml(in);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("Terekeka &lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>\"quoted\""), std::string::npos);
  EXPECT_NE(html.find("Cluster &amp; Partners &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;"),
            std::string::npos);
  EXPECT_EQ(html.find("<now>"), std::string::npos);
  // Invalid UTF-8 becomes U+FFFD and control characters spaces: the page stays valid UTF-8.
  EXPECT_NE(html.find("Bad bytes \xef\xbf\xbd\xef\xbf\xbd and a   control"), std::string::npos);
  EXPECT_EQ(html.find('\xff'), std::string::npos);
}

TEST(ReportHtml, ReferencesNoExternalResource) {
  AnalysisResult r = Sample(true);
  std::string html = Render(r, true);
  std::regex external(R"((src|href|xlink:href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, external));
  std::regex css_url(R"(url\(\s*["']?\s*(https?:)?//)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, css_url));
  for (const char* tag : {"<script", "<link", "<img", "<iframe", "<object", "@import"})
    EXPECT_EQ(html.find(tag), std::string::npos) << tag;
  // A URL in the data is printed as text, not as a link.
  EXPECT_NE(html.find("Guidance: https://example.org/guide (not a link)."), std::string::npos);
  // Every href is an anchor inside the page.
  std::regex href(R"re(href="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator();
       ++it)
    EXPECT_EQ((*it)[1].str().rfind('#', 0), 0u) << (*it)[1].str();
}

TEST(ReportHtml, TrendChartsDrawSuppressedMonthsAsHatchedMarkers) {
  AnalysisResult r = Sample(true);
  std::string html = Render(r, true);
  std::string all = Slice(html, "<figure class=\"chart\">", "</figure>");
  ASSERT_NE(all.find("Monthly incidents: All risks"), std::string::npos);
  EXPECT_EQ(Count(all, "class=\"lt\""), 2u);  // the two -1 months
  EXPECT_EQ(Count(all, "class=\"sx\""), 1u);  // the -2 month
  EXPECT_EQ(Count(all, "<circle "), 9u);      // the nine published months
  EXPECT_EQ(all.find(">-1<"), std::string::npos);
  EXPECT_EQ(all.find(">-2<"), std::string::npos);
  EXPECT_EQ(all.find(": -"), std::string::npos);
  // The line breaks at the hatched months: one M per run of published months (4 runs).
  std::string line = Slice(all, "<path class=\"line\" d=\"", "\" fill=");
  EXPECT_EQ(Count(line, "M"), 4u) << line;
  // A chart for all risks, then one per top risk in the series (KIL, ABD).
  EXPECT_EQ(Count(html, "<figure class=\"chart\">"), 3u);
  // The data table: "<5" and "x", never -1 or -2.
  std::string table = Slice(html, "<caption>Monthly incidents", "</table>");
  EXPECT_NE(table.find("<td class=\"n\">&lt;5</td>"), std::string::npos);
  EXPECT_NE(table.find("<td class=\"n\">x</td>"), std::string::npos);
  EXPECT_EQ(table.find(">-"), std::string::npos);
}

TEST(ReportHtml, CentroidFallbackDrawsCircles) {
  AnalysisResult r = Sample(true);
  r.areas[1].risks[0].incidents = Suppressed(9999);  // Yei: its circle must not show 9999
  ReportInput in;
  in.operation = "South Sudan Protection Cluster";
  in.result = &r;
  in.centroids = {{"SS0101", {31.58, 4.85}}, {"SS0102", {31.4, 5.45}}, {"SS0103", {30.7, 4.1}}};
  std::string html = RenderReportHtml(in);
  EXPECT_EQ(Count(html, "<circle data-pcode="), 3u);
  EXPECT_EQ(Count(html, "<path data-pcode="), 0u);
  std::string juba = Slice(html, "<circle data-pcode=\"SS0101\"", "</circle>");
  std::string yei = Slice(html, "<circle data-pcode=\"SS0103\"", "</circle>");
  EXPECT_NE(juba.find(std::string("fill=\"") + PhaseStyleOf(4).fill + "\""), std::string::npos);
  EXPECT_NE(juba.find("r=\"22.0\""), std::string::npos) << juba;  // the largest published figure
  EXPECT_NE(yei.find("r=\"4.0\""), std::string::npos) << yei;     // unpublished: smallest symbol
  EXPECT_NE(yei.find("stroke-dasharray"), std::string::npos) << yei;
  EXPECT_NE(yei.find(std::string("fill=\"") + PhaseStyleOf(0).fill + "\""), std::string::npos);
  EXPECT_EQ(html.find("9999"), std::string::npos);
  // Boundaries without these P-codes also fall back to circles, and say so.
  in.boundaries_geojson[2] =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"p":"XX01"},
      "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]})";
  html = RenderReportHtml(in);
  EXPECT_EQ(Count(html, "<circle data-pcode="), 3u);
  EXPECT_NE(html.find("do not carry these areas' P-codes"), std::string::npos);
  // Neither boundaries nor centroids: no map, and the page says so.
  in.centroids.clear();
  in.boundaries_geojson[2] = "not json";
  html = RenderReportHtml(in);
  EXPECT_EQ(Count(html, "<svg class=\"map\""), 0u);
  EXPECT_NE(html.find("so there is no map"), std::string::npos);
}

TEST(ReportHtml, EmptyInputStillMakesAPage) {
  std::string html = RenderReportHtml(ReportInput{});
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find(">1. Context</h2>"), std::string::npos);
}

// A county-level report for a whole country: 79 counties, 15 risks, boundaries of 40 points
// each. Prints the sizes (the answer to "how big is a PAU").
TEST(ReportHtml, SeventyNineCountiesSize) {
  AnalysisResult r = Sample(true);
  r.areas.clear();
  nlohmann::json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::json::array()}};
  for (int a = 0; a < 79; ++a) {
    AreaResult ar;
    char pcode[16];
    std::snprintf(pcode, sizeof pcode, "SS%04d", 100 + a);
    ar.pcode = pcode;
    ar.name = "County " + std::to_string(a + 1);
    ar.level = 2;
    ar.risks.push_back(Risk("*", "All protection risks", Ex(20 + a * 7), 0));
    int top = 0;
    for (int k = 1; k <= 15; ++k) {
      int64_t n = (a * 31 + k * 17) % 60;
      Figure f = n > 0 && n < 5 ? Small(n) : Ex(n);
      if (k == 8) f = Withheld(n);
      int phase = n == 0 ? 0 : 1 + static_cast<int>(n % 5);
      top = std::max(top, phase);
      ar.risks.push_back(
          Risk("R" + std::to_string(k), "Risk number " + std::to_string(k), f, phase));
    }
    ar.overall_phase = top;
    ar.overall_rule = "highest risk phase";
    r.areas.push_back(ar);
    int col = a % 10, row = a / 10;  // a grid of 10 counties a row
    double x0 = 24 + col * 0.9, y0 = 4 + row * 0.8;
    nlohmann::json ring = nlohmann::json::array();
    for (int i = 0; i < 40; ++i) {
      double t = 2 * 3.14159265358979 * i / 40;
      ring.push_back({x0 + 0.4 + 0.4 * std::cos(t), y0 + 0.35 + 0.35 * std::sin(t)});
    }
    ring.push_back(ring[0]);
    fc["features"].push_back({{"type", "Feature"},
                              {"properties", {{"ADM2_PCODE", ar.pcode}}},
                              {"geometry", {{"type", "Polygon"}, {"coordinates", {ring}}}}});
  }
  for (int k = 1; k <= 15; ++k) r.monthly["R" + std::to_string(k)] = r.monthly["*"];
  ReportInput in;
  in.operation = "South Sudan Protection Cluster";
  in.result = &r;
  in.boundaries_geojson[2] = fc.dump();
  std::string html = RenderReportHtml(in);
  std::string heat = Slice(html, "<table class=\"heat\">", "</table>");
  std::string map = Slice(html, "<svg class=\"map\"", "</svg>");
  EXPECT_EQ(Count(html, "<path data-pcode="), 79u);
  EXPECT_EQ(Count(heat, "<tr data-pcode="), 79u);
  std::cout << "[ report   ] 79 counties x 15 risks: HTML " << html.size() << " bytes, heat table "
            << heat.size() << " bytes, map " << map.size() << " bytes\n";
  RecordProperty("html_bytes", static_cast<int>(html.size()));
  EXPECT_LT(html.size(), 1000000u);
}

TEST(ReportHtml, PrintsToPdfWithChromium) {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "chromium is not installed: the PDF print check did not run";
  aegis::testing::TempDir dir;
  AnalysisResult r = Sample(true);
  std::string in = dir / "pau.html", out = dir / "pau.pdf";
  {
    std::ofstream f(in, std::ios::binary);
    f << Render(r, true);
  }
  std::string cmd = "chromium --headless --no-sandbox --disable-gpu --print-to-pdf=" + out +
                    " file://" + in + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream pdf(out, std::ios::binary);
  std::string head(4, '\0');
  pdf.read(head.data(), 4);
  EXPECT_EQ(head, "%PDF");
}

}  // namespace
}  // namespace aegis::analysis
