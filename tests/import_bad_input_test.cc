// Bad input: each case gives a clear message (file, row, column, what, how to fix) and loses
// nothing: the file is refused whole, or every row is imported or quarantined with its reason.
#include <xlsxwriter.h>

#include <algorithm>

#include "test_util.h"

namespace aegis::testing {
namespace {

// A small file in ACLED's current column layout, on real South Sudan names (synthetic events).
const std::string kHeader =
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
    "assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,"
    "country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,"
    "notes,fatalities,tags,timestamp\n";

std::string Row(const std::string& id, const std::string& date, const std::string& admin2,
                const std::string& fatalities = "0", const std::string& notes = "synthetic") {
  return id + "," + date +
         ",2024,1,Political violence,Violence against civilians,Attack,"
         "Unidentified Armed Group (South Sudan),,3,Civilians (South Sudan),,7,37,Civilian "
         "targeting,728,Eastern Africa,South Sudan,Jonglei," +
         admin2 +
         ",,Somewhere,7.1,31.6,1,"
         "Test,Local," +
         notes + "," + fatalities + ",,1700000000\n";
}

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override { store_ = NewStore(dir_); }
  Result<ingest::ImportSummary> Run(const std::string& name, const std::string& content,
                                    const std::string& profile = "acled") {
    WriteFile(dir_ / name, content);
    return Import(*store_, dir_ / name, profile);
  }
  std::vector<store::QuarantinedRow> Quarantine(const ingest::ImportSummary& s) {
    auto run = store_->GetImportRun(s.run_id);
    return store_->ListQuarantine(run->data_source_id, run->import_key).value();
  }
  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(BadInput, EmptyFileIsRefusedWithAReason) {
  auto r = Run("empty.csv", "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty.csv"), std::string::npos);
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
}

TEST_F(BadInput, MissingRequiredColumnNamesTheColumnAndImportsNothing) {
  std::string h = kHeader;
  h.replace(h.find("event_date"), 10, "evnt_date");
  auto r = Run("missing.csv", h + Row("SSD1", "2024-01-05", "Akobo"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("missing required column"), std::string::npos);
  EXPECT_NE(r.status().message().find("event_date"), std::string::npos);
  EXPECT_EQ(store_->Counts()->incidents, 0);
}

TEST_F(BadInput, WrongDelimiterIsDiagnosed) {
  std::string h = kHeader, row = Row("SSD1", "2024-01-05", "Akobo");
  for (auto* s : {&h, &row})
    for (char& c : *s)
      if (c == ',') c = ';';
  WriteFile(dir_ / "semi.csv", h + row);
  auto cat = ingest::LoadCatalog(*store_, kData);
  ingest::ImportOptions o;
  o.file = dir_ / "semi.csv";
  o.profile = "acled";
  o.delimiter = ',';  // the user insists on the wrong separator
  auto r = ingest::RunImport(*store_, *cat, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--delimiter ';'"), std::string::npos)
      << r.status().message();
  // Without the wrong flag the separator is detected and the row imports.
  auto ok = Import(*store_, dir_ / "semi.csv", "acled");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->imported, 1);
}

TEST_F(BadInput, UnparseableAndImpossibleDatesAreQuarantinedWithRowAndColumn) {
  auto r = Run("dates.csv",
               kHeader + Row("SSD1", "2024-01-05", "Akobo") + Row("SSD2", "yesterday", "Akobo") +
                   Row("SSD3", "30 February 2024", "Akobo") + Row("SSD4", "2024-13-01", "Akobo") +
                   Row("SSD5", "01 January 2099", "Akobo"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 5);
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->quarantined, 4);
  EXPECT_ACCOUNTED(*r);
  auto q = Quarantine(*r);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].row, 3);
  EXPECT_EQ(q[0].column, "event_date");
  // A word is not quoted in clear (it could be a name typed in the wrong column): the reason
  // says what is wrong, the sealed raw row keeps the value.
  EXPECT_NE(q[0].reason.find("the value is not a valid date"), std::string::npos) << q[0].reason;
  EXPECT_EQ(q[0].reason.find("yesterday"), std::string::npos) << q[0].reason;
  EXPECT_NE(q[1].reason.find("day 30 does not exist"), std::string::npos);
  EXPECT_NE(q[2].reason.find("month 13"), std::string::npos);
  EXPECT_NE(q[3].reason.find("in the future"), std::string::npos);
  EXPECT_FALSE(q[0].hint.empty());
  EXPECT_NE(q[0].raw_json.find("\"event_id_cnty\":\"SSD2\""), std::string::npos);  // nothing lost
}

TEST_F(BadInput, UnknownPcodesAndPlacesAreQuarantinedNeverGuessed) {
  std::string csv =
      "_uuid;incident_date;payam_pcode;county;partner;risks\n"
      "u1;2024-02-01;SS010101;Juba;DEMO-ALPHA;attack\n"
      "u2;2024-02-01;SS999999;Juba;DEMO-ALPHA;attack\n";
  // A known county P-code refined to a payam by its name is not an unknown P-code.
  WriteFile(dir_ / "refined.csv",
            "_uuid;incident_date;county_pcode;payam;partner;risks\n"
            "r1;2024-02-01;SS0101;Bungu;DEMO-ALPHA;attack\n");
  auto refined = Import(*store_, dir_ / "refined.csv", "kobo-incident");
  ASSERT_TRUE(refined.ok()) << refined.status().ToString();
  EXPECT_EQ(refined->imported, 1) << refined->ToJson();
  EXPECT_EQ(refined->place_levels.count(3), 1u) << refined->ToJson();
  auto r = Run("pcodes.csv", csv, "kobo-incident");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1);
  ASSERT_EQ(r->quarantined, 1);
  auto q = Quarantine(*r);
  EXPECT_EQ(q[0].row, 3);
  EXPECT_NE(q[0].reason.find("P-code 'SS999999' is not a known admin area"), std::string::npos);
  auto names = Run("names.csv", kHeader + Row("SSD9", "2024-01-05", "Atlantis County"));
  ASSERT_TRUE(names.ok());
  // Jonglei resolves, Atlantis does not: placed at state level and said so, never on a county.
  EXPECT_EQ(names->place_levels.count(2), 0u);
}

TEST_F(BadInput, TruncatedFileKeepsTheCompleteRowsAndQuarantinesTheCutOne) {
  std::string full =
      kHeader + Row("SSD1", "2024-01-05", "Akobo") + Row("SSD2", "2024-01-06", "Akobo");
  auto r = Run("cut.csv", full.substr(0, full.size() - 40));  // cut in the middle of row 3
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->read, 2);
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->quarantined, 1);
  auto q = Quarantine(*r);
  EXPECT_NE(q[0].reason.find("fields but the header has 31"), std::string::npos);
  EXPECT_NE(q[0].hint.find("truncated"), std::string::npos);
  // A cut inside a quoted field is a file-level error that says so.
  auto quoted = Run("cutq.csv", kHeader + Row("SSD3", "2024-01-05", "Akobo", "0", "\"half a note"));
  ASSERT_FALSE(quoted.ok());
  EXPECT_NE(quoted.status().message().find("truncated"), std::string::npos);
}

TEST_F(BadInput, InvalidUtf8IsQuarantinedWithTheColumnAndAnEncodingHint) {
  auto r = Run("latin1.csv", kHeader + Row("SSD1", "2024-01-05", "Akobo", "0", "caf\xe9 attack") +
                                 Row("SSD2", "2024-01-05", "Akobo"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->imported, 1);
  ASSERT_EQ(r->quarantined, 1);
  auto q = Quarantine(*r);
  EXPECT_EQ(q[0].column, "notes");
  EXPECT_NE(q[0].reason.find("invalid UTF-8"), std::string::npos);
  EXPECT_NE(q[0].hint.find("UTF-8"), std::string::npos);
}

TEST_F(BadInput, DuplicateRowsCountOnceAndTheRepeatIsExplained) {
  std::string h = "_uuid;incident_date;payam_pcode;partner;risks\n";
  std::string row = "u1;2024-02-01;SS010101;DEMO-ALPHA;attack\n";
  auto r = Run("dups.csv", h + row + row + "u1;2024-02-03;SS010101;DEMO-ALPHA;attack\n",
               "kobo-incident");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->quarantined, 2);
  EXPECT_ACCOUNTED(*r);
  auto q = Quarantine(*r);
  EXPECT_NE(q[0].reason.find("duplicate of row 2"), std::string::npos);
  EXPECT_NE(q[1].reason.find("same key as row 2 but different content"), std::string::npos);
  EXPECT_EQ(store_->Counts()->incidents, 1);
  // ACLED monadic exports repeat an event per actor: counted once, said in a warning; a
  // different event under the same id is still quarantined.
  auto a = Run("acled-dups.csv", kHeader + Row("SSD1", "2024-01-05", "Akobo") +
                                     Row("SSD1", "2024-01-05", "Akobo") +
                                     Row("SSD1", "2024-01-07", "Akobo"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->imported, 1);
  EXPECT_EQ(a->unchanged, 1);
  EXPECT_EQ(a->quarantined, 1);
  EXPECT_EQ(a->warnings.size(), 1u);
}

TEST_F(BadInput, SpreadsheetFormulasAreStoredAsTextOrQuarantinedWhenANumberIsExpected) {
  auto r =
      Run("formula.csv",
          kHeader + Row("SSD1", "2024-01-05", "Akobo", "0", "\"=HYPERLINK(\"\"http://x\"\")\"") +
              Row("SSD2", "2024-01-05", "Akobo", "=1+1"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->quarantined, 1);
  bool warned = false;
  for (const auto& w : r->warnings) warned = warned || w.find("formula") != std::string::npos;
  EXPECT_TRUE(warned);
  auto q = Quarantine(*r);
  EXPECT_EQ(q[0].column, "fatalities");
  EXPECT_NE(q[0].hint.find("formula"), std::string::npos);
}

TEST_F(BadInput, CliPrintsTheSummaryAsJsonWithTheFourCounts) {
  WriteFile(dir_ / "cli.csv",
            kHeader + Row("SSD1", "2024-01-05", "Akobo") + Row("SSD2", "nope", "Akobo"));
  std::string db = StoreUrl(dir_, "cli.sqlite");
  ASSERT_EQ(
      RunAegis("--db " + db + " areas import " + kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv")
          .exit_code,
      0);
  auto r = RunAegis("--db " + db + " import " + (dir_ / "cli.csv") +
                    " --profile acled --json --quarantine-out " + (dir_ / "rejects.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* k : {"\"read\": 2", "\"imported\": 1", "\"updated\": 0", "\"unchanged\": 0",
                        "\"quarantined\": 1", "quarantine_reasons"})
    EXPECT_NE(r.output.find(k), std::string::npos) << k << "\n" << r.output;
  std::string rejects = ReadFile(dir_ / "rejects.csv");
  EXPECT_NE(rejects.find("row,column,reason,how_to_fix,original_row"), std::string::npos);
  EXPECT_NE(rejects.find("the value is not a valid date"), std::string::npos);
  auto missing = RunAegis("--db " + db + " import " + (dir_ / "nothere.csv") + " --profile acled");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("nothere.csv"), std::string::npos);
  auto badprofile = RunAegis("--db " + db + " import " + (dir_ / "cli.csv") + " --profile nosuch");
  EXPECT_NE(badprofile.exit_code, 0);
  EXPECT_NE(badprofile.output.find("built-in profiles: "), std::string::npos);
}

// The summary's placement counts are those of the rows stored: a quarantined row counts nowhere.
TEST_F(BadInput, PlacementCountsCountOnlyTheRowsStored) {
  auto r = Run("placed.csv", kHeader + Row("SSD1", "2024-01-05", "Akobo") +
                                 Row("SSD1", "2024-01-06", "Akobo") +  // same key, other content
                                 Row("SSD2", "yesterday", "Akobo"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported, 1);
  EXPECT_EQ(r->quarantined, 2);
  int64_t by_level = 0, by_method = 0;
  for (const auto& [level, n] : r->place_levels) by_level += n;
  for (const auto& [method, n] : r->place_methods) by_method += n;
  EXPECT_EQ(by_level, 1) << r->ToJson();
  EXPECT_EQ(by_method, 1) << r->ToJson();
}

// The fix for an unknown P-code speaks of the names given only when names were given.
TEST_F(BadInput, UnknownPcodeHintMentionsNamesOnlyWhenGiven) {
  auto bare = Run("bare.csv",
                  "_uuid;incident_date;payam_pcode;partner;risks\n"
                  "u1;2024-02-01;SS999999;DEMO-ALPHA;attack\n",
                  "kobo-incident");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  ASSERT_EQ(bare->quarantined, 1);
  auto q = Quarantine(*bare);
  EXPECT_EQ(q[0].hint.find("names given"), std::string::npos) << q[0].hint;
  EXPECT_NE(q[0].hint.find("correct the P-code"), std::string::npos) << q[0].hint;
  auto named = Run("named.csv",
                   "_uuid;incident_date;payam_pcode;county;partner;risks\n"
                   "u2;2024-02-01;SS999999;Juba;DEMO-ALPHA;attack\n",
                   "kobo-incident");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  q = Quarantine(*named);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_NE(q[0].hint.find("the names given point to SS"), std::string::npos) << q[0].hint;
}

// Two columns with a name the profile reads: the file is refused, naming both columns, rather
// than read from the first.
TEST_F(BadInput, ARepeatedColumnNameIsRefusedNamingBothColumns) {
  std::string h = kHeader;
  h.replace(h.find("notes"), 5, "event_date");
  auto r = Run("twice.csv", h + Row("SSD1", "2024-01-05", "Akobo"));
  ASSERT_FALSE(r.ok()) << r->ToJson();
  EXPECT_NE(r.status().message().find("columns 2 and 28 are both named 'event_date'"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(store_->Counts()->incidents, 0);
}

// A workbook whose first sheet is not the data: the error names the sheets and says --sheet.
TEST_F(BadInput, DataNotOnTheFirstSheetNamesTheSheetsAndSuggestsSheet) {
  std::string path = dir_ / "two.xlsx", tmp = dir_.path();
  lxw_workbook_options o{};
  o.tmpdir = tmp.data();
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &o);
  ASSERT_NE(wb, nullptr);
  worksheet_write_string(workbook_add_worksheet(wb, "Read me"), 0, 0, "About this file", nullptr);
  lxw_worksheet* data = workbook_add_worksheet(wb, "Events");
  std::vector<std::string> cells = text::Split(kHeader.substr(0, kHeader.size() - 1), ',');
  for (size_t c = 0; c < cells.size(); ++c)
    worksheet_write_string(data, 0, static_cast<lxw_col_t>(c), cells[c].c_str(), nullptr);
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
  auto r = Import(*store_, path, "acled");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("\"Read me\", \"Events\""), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("--sheet"), std::string::npos) << r.status().message();
}

// Excel serial dates (a date cell without a date format, saved as CSV): read where the profile
// allows it, else quarantined with a hint that says what the number is and how to allow it.
TEST_F(BadInput, ExcelSerialDatesAreReadWhereTheProfileAllowsThemAndExplainedOtherwise) {
  auto r = Run("serial.csv", kHeader + Row("SSD1", "44405", "Akobo"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->quarantined, 1);
  auto q = Quarantine(*r);
  EXPECT_NE(q[0].hint.find("Excel serial date (2021-07-28)"), std::string::npos) << q[0].hint;
  EXPECT_NE(q[0].hint.find("excel_serial_dates = true"), std::string::npos) << q[0].hint;
  std::string profile = ReadFile(kData + "/profiles/acled.toml");
  profile.replace(profile.find("name = \"acled\""), 14,
                  "name = \"acled-serial\"\nexcel_serial_dates = true");
  WriteFile(dir_ / "serial.toml", profile);
  auto ok = Import(*store_, dir_ / "serial.csv", dir_ / "serial.toml");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->imported, 1) << ok->ToJson();
  EXPECT_EQ(QueryInt(StoreUrl(dir_), "SELECT count(*) FROM incident WHERE date_start='2021-07-28'"),
            1);
}

}  // namespace
}  // namespace aegis::testing
