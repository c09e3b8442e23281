// Imports of the other source families: Insecurity Insight (JSON and XLSX with an HXL row),
// KoboToolbox (CSV with a repeat group, select_multiple both ways, JSON), ODK Central, HXL and
// key-informant monitoring reports (the demo's generated files).
#include <nlohmann/json.hpp>

#include "cli/demo_data.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

const std::string kII = kShared + "/data/insecurity-insight-fixtures";

const std::vector<std::string> kCountries = {"SDN", "COD", "ETH", "NGA", "HTI", "AFG", "MLI",
                                             "CAF", "SOM", "MMR", "SYR", "PSE", "UKR", "BFA"};

TEST(InsecurityInsightImport, CrsvJsonEveryRowAccountedFor) {
  TempDir dir;
  auto store = NewStore(dir, kCountries);
  auto sum = Import(*store, kII + "/api-samples/sv.json", "insecurity-insight-crsv");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 1829);
  EXPECT_ACCOUNTED(*sum);
  std::printf("[figure] II CRSV sv.json: read %lld imported %lld unchanged %lld quarantined %lld\n",
              (long long)sum->read, (long long)sum->imported, (long long)sum->unchanged,
              (long long)sum->quarantined);
  for (const auto& r : sum->quarantine_reasons)
    std::printf("[figure]   quarantined %lld: %s\n", (long long)r.count, r.reason.c_str());
  std::string db = StoreUrl(dir, "t.sqlite");
  // Every CRSV incident is GBV, confidential, and keeps its survivors' sex when one is given.
  EXPECT_EQ(QueryInt(db,
                     "SELECT count(*) FROM incident i JOIN risk r ON (i.risk_mask & r.bit)<>0 "
                     "WHERE r.code='GBV'"),
            sum->imported);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident WHERE sensitivity<>'confidential'"), 0);
  EXPECT_GT(QueryInt(db, "SELECT count(*) FROM incident_victim WHERE sex='female'"), 500);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident WHERE country='SSD'"), 99);
}

TEST(InsecurityInsightImport, CrsvXlsxWithHxlRowAndProtectionInDangerJson) {
  TempDir dir;
  auto store = NewStore(dir, kCountries);
  auto x = Import(*store, kII + "/2020-2023-conflict-related-sexual-violence-incident-data.xlsx",
                  "insecurity-insight-crsv");
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(x->read, 1085);  // the HXL row under the header is not a record
  EXPECT_ACCOUNTED(*x);
  auto p = Import(*store, kII + "/api-samples/protection.json", "insecurity-insight-protection");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->read, 1414);
  EXPECT_ACCOUNTED(*p);
  std::printf(
      "[figure] II CRSV xlsx: read %lld imported %lld quarantined %lld; Protection in "
      "Danger json: read %lld imported %lld quarantined %lld\n",
      (long long)x->read, (long long)x->imported, (long long)x->quarantined, (long long)p->read,
      (long long)p->imported, (long long)p->quarantined);
  for (const auto& r : p->quarantine_reasons)
    std::printf("[figure]   PiD quarantined %lld: %s\n", (long long)r.count, r.reason.c_str());
  std::string db = StoreUrl(dir, "t.sqlite");
  // Residents or providers arrested or kidnapped add the abduction/detention risk.
  EXPECT_GT(QueryInt(db,
                     "SELECT count(*) FROM incident i JOIN risk r ON (i.risk_mask & r.bit)<>0 "
                     "WHERE r.code='ABD'"),
            0);
}

// --- Insecurity Insight's yearly overviews against Aegis's own outputs ----------------------
//
// Insecurity Insight publishes, beside the incidents, yearly counts per country
// (api-samples/protectionOverview.json, svOverview.json). A store with OCHA's global P-code list
// (`aegis areas import --global`) and South Sudan's payams takes each incident file through its
// profile; then `aegis analyze --level 0 --period YEAR --json` gives, per country, the year's
// incidents (all risks, each incident once), whatever level each record is placed at: records
// the source locates at country level only count in their country.

// A store with the areas of every country, the way an operation would make it.
std::string GlobalStore(const TempDir& dir) {
  std::string db = StoreUrl(dir, "ii.sqlite");
  auto r =
      RunAegis("--db " + db + " areas import " + kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = RunAegis("--db " + db + " areas import --global");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return db;
}

// Country (ISO3) and year -> incidents, from aegis analyze's JSON.
std::map<std::pair<std::string, std::string>, int64_t> AegisCountryYears(const std::string& db,
                                                                         int from, int to) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (int y = from; y <= to; ++y) {
    auto r = RunAegis("--db " + db + " analyze --level 0 --baseline 1 --json --period " +
                      std::to_string(y));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    size_t brace = r.output.find('{');
    if (brace == std::string::npos) continue;
    auto j = nlohmann::json::parse(r.output.substr(brace));
    EXPECT_TRUE(j["not_further_located"].empty()) << "level 0: every record is in its country";
    for (const auto& n : j["notes"])
      EXPECT_EQ(n.get<std::string>().find("without an area"), std::string::npos) << n;
    for (const auto& a : j["areas"]) {
      int64_t n = a["risks"][0]["incidents"].get<int64_t>();
      if (n > 0) out[{a["pcode"].get<std::string>(), std::to_string(y)}] = n;
    }
  }
  return out;
}

std::map<std::pair<std::string, std::string>, int64_t> Overview(const std::string& file,
                                                                const std::string& column) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const auto& r : nlohmann::json::parse(ReadFile(kII + "/api-samples/" + file)))
    out[{r["Country ISO"].get<std::string>(), r["Year"].get<std::string>()}] =
        std::stoll(r[column].get<std::string>());
  return out;
}

TEST(InsecurityInsightImport, ProtectionOverviewIsAegisAnalysisIn113Of113CountryYears) {
  TempDir dir;
  std::string db = GlobalStore(dir);
  auto r = RunAegis("--db " + db + " import " + kII +
                    "/api-samples/protection.json --profile insecurity-insight-protection");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("read 1414 = imported 1414"), std::string::npos) << r.output;
  auto aegis = AegisCountryYears(db, 2020, 2024);
  auto overview = Overview("protectionOverview.json", "Number Of Events");
  ASSERT_EQ(overview.size(), 113u);
  int equal = 0;
  for (const auto& [k, n] : overview) {
    auto it = aegis.find(k);
    int64_t got = it == aegis.end() ? 0 : it->second;
    EXPECT_EQ(got, n) << k.first << " " << k.second;
    equal += got == n;
  }
  for (const auto& [k, n] : aegis)
    EXPECT_TRUE(overview.count(k)) << "Aegis has " << n << " in " << k.first << " " << k.second;
  int64_t total = 0;
  for (const auto& [k, n] : aegis) total += n;
  EXPECT_EQ(total, 1414);  // every incident of the file, once
  std::printf(
      "[figure] Protection in Danger, aegis analyze --level 0 per year against "
      "protectionOverview.json: %d of %zu country-years equal, %lld incidents\n",
      equal, overview.size(), (long long)total);
}

// svOverview.json was made at another time than sv.json (data.md): 124 of its 175 country-years
// equal the incident file's counts, and Aegis gives exactly the file's counts. The 51 others
// are explained in two classes:
//  - entered after the overview: the overview counts only records entered up to SiND Event ID
//    44,979 (the cut that makes the most country-years agree; the last records below it are
//    dated late January and February 2024, the next ID in the file is 44,985): 31 country-years
//    equal the overview when the file's later entries are left out;
//  - edited since (moved to another year or country, merged, deleted): 20 country-years differ
//    by 1 to 4 records even among the earlier entries.
// The file also has 69 country-years the overview lacks: 58 hold only later entries (2024 and
// 2025 mostly), 11 hold earlier entries edited since.
TEST(InsecurityInsightImport, CrsvOverviewAgainstAegisAnalysisEveryMismatchExplained) {
  TempDir dir;
  std::string db = GlobalStore(dir);
  auto r = RunAegis("--db " + db + " import " + kII +
                    "/api-samples/sv.json --profile insecurity-insight-crsv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("read 1829 = imported 1829"), std::string::npos) << r.output;
  auto aegis = AegisCountryYears(db, 2020, 2025);
  // The raw file, counted here: all records, and those entered before the overview.
  constexpr int64_t kLastIdCounted = 44979;
  std::map<std::pair<std::string, std::string>, int64_t> file, earlier;
  for (const auto& x : nlohmann::json::parse(ReadFile(kII + "/api-samples/sv.json"))) {
    std::pair<std::string, std::string> k{x["Country ISO"].get<std::string>(),
                                          x["Date"].get<std::string>().substr(0, 4)};
    ++file[k];
    if (x["SIND Event ID"].get<int64_t>() <= kLastIdCounted) ++earlier[k];
  }
  EXPECT_EQ(aegis, file) << "Aegis publishes every record of the file, in its country and year";
  auto overview = Overview("svOverview.json", "Recorded SV Events");
  ASSERT_EQ(overview.size(), 175u);
  auto count = [](const auto& m, const auto& k) {
    auto it = m.find(k);
    return it == m.end() ? int64_t{0} : it->second;
  };
  int equal = 0, later_entries = 0, edited = 0;
  for (const auto& [k, n] : overview) {
    const int64_t got = count(aegis, k);
    if (got == n) {
      ++equal;
    } else if (count(earlier, k) == n) {
      ++later_entries;
    } else {
      ++edited;
      EXPECT_LE(std::abs(count(earlier, k) - n), 4) << k.first << " " << k.second;
    }
  }
  int only_later = 0, edited_in = 0;
  for (const auto& [k, n] : aegis)
    if (!overview.count(k)) (count(earlier, k) == 0 ? only_later : edited_in) += 1;
  std::printf(
      "[figure] CRSV, aegis analyze --level 0 per year against svOverview.json: %d of "
      "%zu country-years equal; %d differ by entries after the overview, %d by edits "
      "since; %d country-years not in the overview (%d of later entries only)\n",
      equal, overview.size(), later_entries, edited, only_later + edited_in, only_later);
  EXPECT_EQ(equal, 124);
  EXPECT_EQ(later_entries, 31);
  EXPECT_EQ(edited, 20);
  EXPECT_EQ(only_later, 58);
  EXPECT_EQ(edited_in, 11);
}

class DemoFilesImport : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewStore(dir_);
    aegis::cli::DemoOptions o{dir_ / "in", 7, 3, "2026-06-15"};
    auto files = aegis::cli::WriteDemoFiles(o, store_->LoadAreas().value());
    ASSERT_TRUE(files.ok());
    files_ = *files;
  }
  Result<ingest::ImportSummary> Run(const aegis::cli::DemoFile& f, bool with_repeat = true) {
    std::map<std::string, std::string> rep;
    if (with_repeat)
      for (const auto& r : f.repeats) rep[r.substr(0, r.find('='))] = r.substr(r.find('=') + 1);
    return Import(*store_, f.path, f.profile, rep);
  }
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<aegis::cli::DemoFile> files_;
};

TEST_F(DemoFilesImport, KoboCsvWithRepeatGroupAndSelectMultiple) {
  auto s = Run(files_[0]);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(s->imported, 20);
  EXPECT_EQ(s->quarantined, 0);
  std::string db = StoreUrl(dir_, "t.sqlite");
  // Victims come from the repeat group: one row per victim, grouped by sex/age/disability/...
  int64_t victims = QueryInt(db, "SELECT sum(count) FROM incident_victim");
  std::string v = ReadFile(files_[0].repeats[0].substr(files_[0].repeats[0].find('=') + 1));
  EXPECT_EQ(victims, std::count(v.begin(), v.end(), '\n') - 1);
  EXPECT_EQ(
      QueryInt(db,
               "SELECT count(*) FROM incident_victim WHERE age_band='unknown' OR sex='unknown'"),
      0);
  // Every incident has its risks, taken from the space-separated select_multiple column.
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident WHERE risk_mask=0"), 0);
}

TEST_F(DemoFilesImport, KoboSelectMultipleAsZeroOneColumnsGivesTheSameRisks) {
  // Drop the summary "risks" column: only the grp_what/risks/<option> 0/1 columns remain.
  std::string text = ReadFile(files_[0].path), out;
  std::stringstream ss(text);
  int drop = -1;
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> cells = text::Split(line, ';');
    if (drop < 0)
      drop =
          static_cast<int>(std::find(cells.begin(), cells.end(), "grp_what/risks") - cells.begin());
    cells.erase(cells.begin() + drop);
    out += text::Join(cells, ";") + "\n";
  }
  WriteFile(dir_ / "detail.csv", out);
  auto a = Run(files_[0]);
  ASSERT_TRUE(a.ok());
  std::string db = StoreUrl(dir_, "t.sqlite");
  int64_t risks_summary =
      QueryInt(db, "SELECT count(*) FROM incident i JOIN risk r ON (i.risk_mask & r.bit)<>0");
  TempDir other;
  auto s2 = NewStore(other);
  auto b = Import(*s2, dir_ / "detail.csv", "kobo-incident");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->imported, a->imported);
  EXPECT_EQ(QueryInt(StoreUrl(other),
                     "SELECT count(*) FROM incident i JOIN risk r ON (i.risk_mask & r.bit)<>0"),
            risks_summary);
}

TEST_F(DemoFilesImport, KoboJsonSubmissionsWithTheRepeatGroupInline) {
  // The same submissions as Kobo's JSON API gives them: keys are full paths, values strings,
  // and the victims repeat group as an array inside each submission.
  std::map<std::string, nlohmann::json> victims;  // by _parent_index
  {
    std::string rep = files_[0].repeats[0].substr(files_[0].repeats[0].find('=') + 1);
    std::stringstream rs(ReadFile(rep));
    std::string h;
    std::getline(rs, h);
    std::vector<std::string> names = text::Split(h, ';');
    int64_t rows = 0;
    for (std::string line; std::getline(rs, line); ++rows) {
      std::vector<std::string> cells = text::Split(line, ';');
      nlohmann::json v;
      for (size_t i = 0; i < 4; ++i) v[names[i]] = cells[i];  // victims/sex, /age, ...
      victims[cells[5]].push_back(v);
    }
    ASSERT_GT(rows, 10);
  }
  std::string text = ReadFile(files_[0].path);
  std::stringstream ss(text);
  std::string header_line;
  std::getline(ss, header_line);
  std::vector<std::string> header = text::Split(header_line, ';');
  nlohmann::json arr = nlohmann::json::array();
  for (std::string line; std::getline(ss, line);) {
    std::vector<std::string> cells = text::Split(line, ';');
    nlohmann::json o;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
      std::string v = cells[i];
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      o[header[i]] = v;
    }
    o["victims"] = victims[o["_index"].get<std::string>()];
    arr.push_back(o);
  }
  WriteFile(dir_ / "kobo.json", nlohmann::json{{"count", arr.size()}, {"results", arr}}.dump());
  auto s = Import(*store_, dir_ / "kobo.json", "kobo-incident");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->read, static_cast<int64_t>(arr.size()));
  EXPECT_EQ(s->imported, s->read);
  int64_t people = 0;
  for (const auto& [k, v] : victims) people += static_cast<int64_t>(v.size());
  EXPECT_EQ(QueryInt(StoreUrl(dir_), "SELECT sum(count) FROM incident_victim"), people);
  EXPECT_EQ(QueryInt(StoreUrl(dir_),
                     "SELECT count(*) FROM incident_victim WHERE "
                     "sex='unknown' OR age_band='unknown'"),
            0);
}

TEST_F(DemoFilesImport, OdkCentralHxlAndMonitoringReports) {
  for (size_t i = 1; i < files_.size(); ++i) {
    auto s = Run(files_[i]);
    ASSERT_TRUE(s.ok()) << files_[i].path << ": " << s.status().ToString();
    EXPECT_ACCOUNTED(*s);
    if (files_[i].profile == "hxl-incident")
      EXPECT_EQ(s->quarantined, 2);  // the two planted errors
    else
      EXPECT_EQ(s->quarantined, 0) << s->ToJson();
  }
  std::string db = StoreUrl(dir_, "t.sqlite");
  EXPECT_GT(QueryInt(db, "SELECT count(*) FROM monitoring_report"), 10);
  EXPECT_EQ(
      QueryInt(db, "SELECT count(*) FROM monitoring_report WHERE period_start NOT LIKE '%-01'"), 0);
  EXPECT_GT(
      QueryInt(
          db,
          "SELECT count(*) FROM monitoring_answer WHERE present=1 AND severity BETWEEN 2 AND 5"),
      10);
  EXPECT_EQ(
      QueryInt(db,
               "SELECT count(*) FROM monitoring_answer WHERE present=0 AND severity IS NOT NULL"),
      0);
  // ODK victims link by PARENT_KEY.
  EXPECT_GT(QueryInt(db,
                     "SELECT count(*) FROM incident_victim v JOIN incident i ON i.id=v.incident_id "
                     "JOIN data_source d ON d.id=i.data_source_id WHERE d.code='odk-incident'"),
            0);
}

}  // namespace
}  // namespace aegis::testing

namespace aegis::testing {
namespace {

// A user's own profile that maps an XLSX purely by its HXL tags (attributes in any order, extra
// spaces as in "#geo +lon"), whatever the column headings.
TEST(HxlXlsxImport, FieldsMatchedByHashtagsInAnXlsxTagRow) {
  TempDir dir;
  auto store = NewStore(dir, {"SDN", "COD", "ETH", "NGA", "HTI", "AFG", "MLI", "CAF", "SOM", "MMR",
                              "SYR", "PSE", "UKR", "BFA"});
  WriteFile(dir / "by-tags.toml", R"(
name = "crsv-by-hxl-tags"
description = "test: Insecurity Insight CRSV matched by HXL tags only"
date_order = "ymd"
empty_values = ["No Information"]
[source]
code = "ii-by-tags"
[place]
allow_country_level = true
use_coordinates = false
[fields]
date = { columns = ["#date+occurred"], required = true }
country = "#country"
admin1 = "#adm1"
risks = { fixed = "GBV" }
perpetrator_detail = "#group+name+perp"
victims = "#num+crsv"
victim_sex = { columns = ["#sex"], split = "," }
)");
  auto sum = Import(*store, kII + "/2020-2023-conflict-related-sexual-violence-incident-data.xlsx",
                    dir / "by-tags.toml");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 1085);
  EXPECT_ACCOUNTED(*sum);
  EXPECT_GT(sum->imported, 1000);
  std::string db = StoreUrl(dir, "t.sqlite");
  EXPECT_GT(QueryInt(db, "SELECT count(*) FROM incident WHERE perpetrator_detail<>''"), 100);
  EXPECT_GT(QueryInt(db, "SELECT sum(count) FROM incident_victim"), 1000);
}

// Null tokens: the Afghanistan CRSV extract writes 'None' in numeric columns where there is no
// figure; the profile reads it as empty (a default null token), not as a bad number.
TEST(NullTokens, NoneInANumericColumnIsEmptyNotQuarantined) {
  TempDir dir;
  auto store = NewStore(dir, {"AFG"});
  auto sum =
      Import(*store, kII + "/2021-2025-AFG Conflict Related Sexual Violence Incident Data.xlsx",
             "insecurity-insight-crsv");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 43) << sum->ToJson();
  EXPECT_ACCOUNTED(*sum);
  for (const auto& r : sum->quarantine_reasons)
    EXPECT_EQ(r.example.find("'None'"), std::string::npos) << sum->ToJson();
  EXPECT_LE(sum->quarantined, 2) << sum->ToJson();
}

// Kobo JSON: victims in a repeat inside a group ("grp_people/victims") or inside another repeat
// ("households/victims") are read, every person of them.
TEST(KoboJson, VictimsInRepeatsAtAnyDepthAreRead) {
  TempDir dir;
  auto store = NewStore(dir);
  nlohmann::json results = nlohmann::json::parse(R"([
    {"_uuid": "k1", "incident_date": "2024-02-01", "payam_pcode": "SS010101",
     "partner": "DEMO-ALPHA", "risks": "attack",
     "grp_people/victims": [
       {"grp_people/victims/sex": "female", "grp_people/victims/age": "30"},
       {"grp_people/victims/sex": "male", "grp_people/victims/age": "8"}]},
    {"_uuid": "k2", "incident_date": "2024-02-02", "payam_pcode": "SS010101",
     "partner": "DEMO-ALPHA", "risks": "attack",
     "households": [
       {"households/size": "5", "households/victims": [
         {"households/victims/sex": "female", "households/victims/age": "12"}]},
       {"households/size": "3", "households/victims": [
         {"households/victims/sex": "male", "households/victims/age": "40"},
         {"households/victims/sex": "male", "households/victims/age": "41"}]}]}
  ])");
  // Two forms (one file each: a form has one victims repeat).
  for (int i = 0; i < 2; ++i) {
    std::string file = dir / ("kobo" + std::to_string(i) + ".json");
    WriteFile(file, nlohmann::json{{"count", 1}, {"results", {results[i]}}}.dump());
    auto sum = Import(*store, file, "kobo-incident");
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    EXPECT_EQ(sum->imported, 1) << sum->ToJson();
  }
  std::string db = StoreUrl(dir);
  EXPECT_EQ(QueryInt(db, "SELECT sum(count) FROM incident_victim"), 5);
  EXPECT_EQ(QueryInt(db,
                     "SELECT sum(v.count) FROM incident_victim v JOIN incident i ON "
                     "i.id=v.incident_id WHERE i.source_key LIKE '%k2%'"),
            3);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident_victim WHERE sex='unknown'"), 0);
}

}  // namespace
}  // namespace aegis::testing
