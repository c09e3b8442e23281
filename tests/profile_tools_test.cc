// Profiles an information-management officer can write: a monitoring form's own option names
// mapped to Aegis's risks, `aegis profile check` before an import, `aegis profile draft` from a
// Kobo, ODK or HXL header.
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/demo_data.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

// The form's names for the 15 risks (none is an Aegis code or label), and the risk each means.
const std::vector<std::pair<std::string, std::string>> kOptions = {
    {"armed_attack", "ATK"},      {"kidnapping", "ABD"},       {"sexual_violence", "GBV"},
    {"family_separation", "SEP"}, {"child_marriage", "CEFM"},  {"exclusion", "DSC"},
    {"rumours", "INF"},           {"child_soldiers", "REC"},   {"no_documents", "JUS"},
    {"mines_uxo", "EO"},          {"threats_fear", "PSY"},     {"land_grabbing", "HLP"},
    {"ill_treatment", "TOR"},     {"smuggling_people", "TIP"}, {"checkpoints", "MOV"},
};

// A key-informant form: one row per payam and month, every option answered yes (1).
std::string MonitoringCsv() {
  std::string csv = "_uuid;reporting_month;payam_pcode;partner";
  for (const auto& [o, r] : kOptions) csv += ";grp_risks/risks_present/" + o;
  csv += ";grp_risks/risks_present/other\n";
  for (int i = 0; i < 3; ++i) {
    csv += "ki" + std::to_string(i) + ";2024-0" + std::to_string(i + 1) + "-01;SS010101;DEMO-ALPHA";
    for (size_t k = 0; k < kOptions.size(); ++k) csv += ";1";
    csv += ";0\n";
  }
  return csv;
}

std::string MonitoringProfile(size_t mapped) {
  std::string t =
      "name = \"ki-form\"\nrecord = \"monitoring_report\"\ndate_order = \"ymd\"\n"
      "[source]\ncode = \"ki-form\"\nsource_type = \"key_informant\"\n"
      "[key]\ncolumns = [\"_uuid\"]\n"
      "[monitoring]\npresent = \"risks_present/{option}\"\n[monitoring.options]\n";
  for (size_t i = 0; i < mapped; ++i)
    t += kOptions[i].first + " = \"" + kOptions[i].second + "\"\n";
  t += "[fields]\ndate = { columns = [\"reporting_month\"], required = true }\n"
       "pcode = { columns = [\"payam_pcode\"], required = true }\n"
       "organisation = { columns = [\"partner\"], required = true }\n"
       "respondent_type = { fixed = \"key_informant\" }\n";
  return t;
}

TEST(MonitoringOptions, AFormsOwnOptionNamesMapToAllFifteenRisks) {
  TempDir dir;
  auto store = NewStore(dir);
  WriteFile(dir / "ki.csv", MonitoringCsv());
  WriteFile(dir / "ki.toml", MonitoringProfile(kOptions.size()));
  auto sum = Import(*store, dir / "ki.csv", dir / "ki.toml");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->imported, 3);
  std::string db = StoreUrl(dir);
  EXPECT_EQ(QueryInt(db, "SELECT count(DISTINCT risk) FROM monitoring_answer WHERE present=1"), 15);
  // 'other' is an option of the form that stands for no risk: the summary names it.
  std::string warnings;
  for (const auto& w : sum->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("'other'"), std::string::npos) << sum->ToJson();
  // The analysis shows all 15 risks present in the area.
  auto a = RunAegis("--db " + db + " analyze --period 2024-Q1 --level 3 --json");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  std::set<std::string> present;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_object() && j.contains("monitoring_present") && j.contains("risk") &&
        j["monitoring_present"].is_number() && j["monitoring_present"].get<double>() > 0 &&
        j["risk"] != "*")
      present.insert(j["risk"].get<std::string>());
    if (j.is_structured())
      for (const auto& e : j) walk(e);
  };
  walk(nlohmann::json::parse(a.output.substr(a.output.find('{')), nullptr, false));
  EXPECT_EQ(present.size(), 15u) << a.output.substr(0, 2000);
}

TEST(MonitoringOptions, AnOptionLeftOutIsNamedNotDroppedSilently) {
  TempDir dir;
  auto store = NewStore(dir);
  WriteFile(dir / "ki.csv", MonitoringCsv());
  WriteFile(dir / "ki.toml", MonitoringProfile(14));  // checkpoints (MOV) left out
  auto sum = Import(*store, dir / "ki.csv", dir / "ki.toml");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  std::string warnings;
  for (const auto& w : sum->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("'checkpoints'"), std::string::npos) << sum->ToJson();
  EXPECT_EQ(
      QueryInt(StoreUrl(dir), "SELECT count(DISTINCT risk) FROM monitoring_answer WHERE present=1"),
      14);
  // profile check says so before anything is imported, and fails.
  auto check = RunAegis("profile check " + (dir / "ki.toml") + " " + (dir / "ki.csv"));
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("checkpoints"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("other"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("date <- reporting_month"), std::string::npos) << check.output;
}

TEST(ProfileCheck, ListsFoundMissingAndUnusedColumns) {
  TempDir dir;
  WriteFile(dir / "pm.csv",
            "_uuid;incident_date;county;partner;colour;risks\n"
            "u1;2024-02-01;Juba;DEMO-ALPHA;blue;attack kidnap\n");
  auto check = RunAegis("profile check kobo-incident " + (dir / "pm.csv"));
  EXPECT_EQ(check.exit_code, 2) << check.output;  // 'kidnap' maps to no risk
  EXPECT_NE(check.output.find("date <- incident_date"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("admin2 <- county"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("colour"), std::string::npos) << check.output;  // not read
  EXPECT_NE(check.output.find("'kidnap'"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("pcode (payam_pcode or county_pcode)"), std::string::npos)
      << check.output;
  // A required column missing: listed, and nothing is imported.
  WriteFile(dir / "nodate.csv", "_uuid;county;partner\nu1;Juba;DEMO-ALPHA\n");
  check = RunAegis("profile check kobo-incident " + (dir / "nodate.csv"));
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("date (incident_date)"), std::string::npos) << check.output;
}

// The number of lines of `after` not in `before` (a line diff's "+" count, by multiset).
int ChangedLines(const std::string& before, const std::string& after) {
  std::multiset<std::string> old;
  std::stringstream a(before), b(after);
  for (std::string l; std::getline(a, l);) old.insert(l);
  int changed = 0;
  for (std::string l; std::getline(b, l);) {
    auto it = old.find(l);
    if (it == old.end())
      ++changed;
    else
      old.erase(it);
  }
  return changed;
}

class DraftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewStore(dir_, {"AFG", "SDN", "COD", "ETH", "NGA", "SSD"});
    db_ = StoreUrl(dir_);
  }
  // Drafts a profile for `file`, applies `edits` (line -> replacement), checks and imports.
  Result<ingest::ImportSummary> DraftAndImport(
      const std::string& name, const std::string& file,
      const std::vector<std::pair<std::string, std::string>>& edits,
      const std::string& sheet = "") {
    std::string sheet_arg = sheet.empty() ? "" : " --sheet '" + sheet + "'";
    auto d = RunAegis("profile draft '" + file + "'" + sheet_arg);
    EXPECT_EQ(d.exit_code, 0) << d.output;
    std::string draft = d.output, edited = draft;
    for (const auto& [from, to] : edits) {
      size_t at = edited.find(from);
      EXPECT_NE(at, std::string::npos) << "no line '" << from << "' in the draft:\n" << draft;
      if (at != std::string::npos) edited.replace(at, from.size(), to);
    }
    int changed = ChangedLines(draft, edited);
    std::printf("[figure] profile draft %s: %zu lines, %d changed by hand\n", name.c_str(),
                static_cast<size_t>(std::count(draft.begin(), draft.end(), '\n')), changed);
    std::string toml = dir_ / (name + ".toml");
    WriteFile(toml, edited);
    auto cat = ingest::LoadCatalog(*store_, kData);
    if (!cat.ok()) return cat.status();
    ingest::ImportOptions o;
    o.file = file;
    o.profile = toml;
    o.sheet = sheet;
    return ingest::RunImport(*store_, *cat, o);
  }
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::string db_;
};

TEST_F(DraftTest, KoboAndOdkDemoExportsImportFromTheirDraftsUnchanged) {
  aegis::cli::DemoOptions o{dir_ / "in", 7, 3, "2026-06-15"};
  auto files = aegis::cli::WriteDemoFiles(o, store_->LoadAreas().value());
  ASSERT_TRUE(files.ok());
  for (const auto& f : *files) {
    SCOPED_TRACE(f.path);
    if (f.profile != "kobo-incident" && f.profile != "odk-incident" &&
        f.profile != "kobo-monitoring")
      continue;
    auto sum = DraftAndImport(f.profile + "-draft", f.path, {});
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    EXPECT_ACCOUNTED(*sum);
    EXPECT_GT(sum->imported, 0) << sum->ToJson();
    EXPECT_EQ(sum->quarantined, 0) << sum->ToJson();
  }
}

TEST_F(DraftTest, HxlTaggedInsecurityInsightWorkbookImportsFromItsDraft) {
  const std::string file = kShared +
                           "/data/insecurity-insight-fixtures/"
                           "2020-2023-conflict-related-sexual-violence-incident-data.xlsx";
  // Its locations are often only the country: allow country level; every record is CRSV.
  auto sum = DraftAndImport("ii-crsv-hxl", file,
                            {{"[fields]\n", "[place]\nallow_country_level = true\n\n[fields]\n"},
                             {"# risks = \"...\"", "risks = { fixed = \"GBV\" }  #"}});
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_ACCOUNTED(*sum);
  EXPECT_EQ(sum->read, 1085);
  EXPECT_GT(sum->imported, 1000) << sum->ToJson();
}

TEST_F(DraftTest, ReachMsnaKoboDataDraftsAProfileThatReadsEveryRow) {
  const std::string file = kShared + "/data/reach-msna-2024-xlsform/data-raw/dummy_raw_data.xlsx";
  auto d = RunAegis("profile draft '" + file + "'");
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_NE(d.output.find("columns = [\"uuid\"]"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("# guessed"), std::string::npos) << d.output;
}

}  // namespace
}  // namespace aegis::testing
