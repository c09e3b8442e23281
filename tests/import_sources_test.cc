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
