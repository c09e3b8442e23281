#include "ingest/xlsx_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <minizip/zip.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "ingest/csv_reader.h"
#include "temp_dir.h"

namespace aegis::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kData = std::string(AEGIS_SHARED_DIR) + "/data/";
const std::string kCrsv = kData +
                          "insecurity-insight-fixtures/"
                          "2020-2023-conflict-related-sexual-violence-incident-data.xlsx";
const std::string kSouthSudan = kData + "acled-reduced-afg-ssd/data/acled_south_sudan.xlsx";
const std::string kAfghanistan = kData + "acled-reduced-afg-ssd/data/acled_afghanistan.xlsx";
const std::string kLibhxl = kData + "libhxl-python-tests/tests/files/test_io/";
const std::string kMultisheet = kData + "hxl-proxy-tests/tests/files/multisheet-dataset.xlsx";
const std::string kKoboTool =
    kData + "reach-msna-2024-xlsform/data-raw/REACH_2024_MSNA-kobo-tool_draft_v11.xlsx";

struct Sheet {
  std::vector<Row> rows;
  std::vector<int64_t> numbers;  // record_number() of each row
  Status status;
  int64_t formulas = 0, bytes_read = 0, total_bytes = 0;
};

Sheet ReadAll(const std::string& path, const std::string& sheet = "") {
  Sheet out;
  auto reader = OpenXlsx(path, sheet);
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  Row row;
  while ((*reader)->Next(&row)) {
    out.rows.push_back(row);
    out.numbers.push_back((*reader)->record_number());
  }
  out.status = (*reader)->status();
  out.formulas = (*reader)->formula_cells();
  out.bytes_read = (*reader)->bytes_read();
  out.total_bytes = (*reader)->total_bytes();
  return out;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in this process's temporary folder (tests/temp_dir.h), removed at exit.
std::string TempPath(const std::string& name) {
  static const aegis::testing::TempDir dir;
  return dir / name;
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// "2023-12-09"
bool IsIsoDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

Row TrimTrailingEmpty(Row r) {
  while (!r.empty() && r.back().empty()) r.pop_back();
  return r;
}

// A small workbook written with minizip, for cell kinds the real fixtures do not have.
using Parts = std::vector<std::pair<std::string, std::string>>;

std::string WriteZip(const std::string& name, const Parts& parts) {
  std::string path = TempPath(name);
  zipFile z = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  EXPECT_NE(z, nullptr);
  for (const auto& [part, data] : parts) {
    zip_fileinfo info{};
    zipOpenNewFileInZip64(z, part.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                          Z_DEFAULT_COMPRESSION, 0);
    zipWriteInFileInZip(z, data.data(), static_cast<unsigned>(data.size()));
    zipCloseFileInZip(z);
  }
  zipClose(z, nullptr);
  return path;
}

constexpr char kMain[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr char kRel[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

Parts SyntheticWorkbook(bool date1904, const std::string& sheet_data) {
  std::string ns = std::string("xmlns=\"") + kMain + "\" xmlns:r=\"" + kRel + "\"";
  std::string rel = std::string("<Relationship Id=\"");
  return {
      {"_rels/.rels", std::string("<Relationships xmlns=\"x\"><Relationship Id=\"rId1\" Type=\"") +
                          kRel + "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
      {"xl/workbook.xml",
       "<workbook " + ns + "><workbookPr date1904=\"" + (date1904 ? "1" : "0") +
           "\"/><sheets><sheet name=\"Chart1\" sheetId=\"2\" r:id=\"rId9\"/>"
           "<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<Relationships xmlns=\"x\">" + rel + "rId1\" Type=\"" + kRel +
           "/worksheet\" Target=\"worksheets/sheet1.xml\"/>" + rel + "rId9\" Type=\"" + kRel +
           "/chartsheet\" Target=\"chartsheets/sheet1.xml\"/>" + rel + "rId2\" Type=\"" + kRel +
           "/styles\" Target=\"/xl/styles.xml\"/>" + rel + "rId3\" Type=\"" + kRel +
           "/sharedStrings\" Target=\"./sharedStrings.xml\"/></Relationships>"},
      // cellStyleXfs and dxfs hold formats too; only cellXfs may count.
      {"xl/styles.xml",
       "<styleSheet " + ns +
           "><numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"&quot;Day&quot; 0\"/>"
           "<numFmt numFmtId=\"165\" formatCode=\"dd/mm/yyyy hh:mm\"/></numFmts>"
           "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
           "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
           "<xf numFmtId=\"165\"/></cellXfs><dxfs count=\"1\"><dxf><numFmt numFmtId=\"0\" "
           "formatCode=\"yyyy\"/></dxf></dxfs></styleSheet>"},
      {"xl/sharedStrings.xml",
       "<sst " + ns +
           "><si><t>plain</t></si><si><r><rPr><b/></rPr><t>bold</t></r><r><t "
           "xml:space=\"preserve\">"
           " and not</t></r></si><si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh>"
           "<phoneticPr fontId=\"1\"/></si><si><t>line1_x000D_\r\nline2</t></si></sst>"},
      {"xl/worksheets/sheet1.xml",
       "<worksheet " + ns + "><sheetData>" + sheet_data + "</sheetData></worksheet>"},
  };
}

const char kSyntheticRows[] =
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"s\"><v>1</v></c>"
    "<c r=\"AA1\" t=\"s\"><v>2</v></c></row>"
    "<row r=\"3\"><c r=\"B3\" t=\"inlineStr\"><is><t>inline</t></is></c>"
    "<c t=\"inlineStr\"><is><r><t>rich</t></r><r><t> inline</t></r></is></c>"
    "<c r=\"E3\" t=\"b\"><v>0</v></c><c r=\"F3\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>"
    "<c r=\"G3\" t=\"s\"><v>3</v></c></row>"
    "<row r=\"4\"><c r=\"A4\" s=\"1\"><v>0</v></c><c r=\"B4\" s=\"3\"><v>366.75</v></c>"
    "<c r=\"C4\" s=\"2\"><v>5</v></c><c r=\"D4\"><v>1.5E-3</v></c><c r=\"E4\"><f>1+1</f>"
    "<v>2</v></c><c r=\"F4\" t=\"d\"><v>2021-07-28T00:00:00</v></c><c r=\"G4\" s=\"1\"/></row>"
    "<row r=\"5\"><c r=\"A5\" s=\"1\"/></row>"
    "<row><c><v>-0.1</v></c><c t=\"str\"><v>x_x0009_y</v></c></row>";

// --- Real files ---------------------------------------------------------------------------

TEST(XlsxReader, InsecurityInsightHeaderHxlRowAndDates) {
  Sheet s = ReadAll(kCrsv);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.rows.size(), 1087u);  // header + HXL tags + 1,085 incidents
  const Row& header = s.rows[0];
  ASSERT_EQ(header.size(), 22u);
  EXPECT_EQ(header[0], "Date");
  EXPECT_EQ(header[1], "Event Description");
  EXPECT_EQ(header[3], "Country ISO");
  EXPECT_EQ(header[15], "Adult or Minor ");  // trailing space kept
  EXPECT_EQ(header[21], "SIND Event ID");
  const Row& hxl = s.rows[1];
  EXPECT_EQ(hxl[0], "#date +occurred");
  EXPECT_EQ(hxl[1], "");  // B2 is absent: the gap is filled
  EXPECT_EQ(hxl[2], "#country");
  EXPECT_EQ(hxl.size(), 21u);  // V2 is absent: trailing gap dropped
  EXPECT_THAT(s.numbers[0], 1);
  EXPECT_THAT(s.numbers[1], 2);
  EXPECT_EQ(s.numbers.back(), 1087);

  int crlf = 0;
  for (size_t i = 2; i < s.rows.size(); ++i) {
    ASSERT_TRUE(IsIsoDate(s.rows[i][0])) << "row " << s.numbers[i];
    if (s.rows[i][1].find("\r\n") != std::string::npos) ++crlf;  // _x000D_ decoded
  }
  EXPECT_EQ(s.rows[2][0], "2023-12-09");
  EXPECT_EQ(s.rows[2][2], "OPT");
  EXPECT_EQ(s.rows[2][5], "31.4550252343");
  EXPECT_EQ(s.rows[2][20], "");
  EXPECT_EQ(s.rows[2][21], "42518");
  EXPECT_EQ(crlf, 10);
  EXPECT_EQ(s.total_bytes, 784289);
  EXPECT_EQ(s.bytes_read, s.total_bytes);
  EXPECT_EQ(s.formulas, 0);
}

TEST(XlsxReader, AcledSouthSudanFormulaColumnAndDateStyles) {
  auto reader = OpenXlsx(kSouthSudan, "");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  TableReader& r = **reader;
  EXPECT_EQ(r.total_bytes(), 6961671);
  Row row;
  ASSERT_TRUE(r.Next(&row));
  EXPECT_THAT(row, ElementsAre("country", "adm1_name", "date", "event_date", "year", "months",
                               "disorder_type", "event_type", "conflict_fatalities"));
  ASSERT_TRUE(r.Next(&row));
  EXPECT_THAT(row, ElementsAre("South Sudan", "Ulang", "2011-05-19", "2011-05-19", "2011", "May",
                               "Political violence", "Violence against civilians", "0"));
  EXPECT_EQ(r.record_number(), 2);
  EXPECT_LT(r.bytes_read(), r.total_bytes());  // streaming: the sheet is not read at once

  // The cached results were computed by an Excel that abbreviates September as "Sept".
  const std::set<std::string> months = {"Jan", "Feb", "Mar",  "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"};
  int64_t events = 1, septembers = 0;
  while (r.Next(&row)) {
    ++events;
    septembers += row[5] == "Sept";
    ASSERT_EQ(row.size(), 9u) << "row " << r.record_number();
    ASSERT_TRUE(months.count(row[5])) << "row " << r.record_number();
    ASSERT_TRUE(IsIsoDate(row[2])) << "row " << r.record_number();
    ASSERT_EQ(row[2].substr(0, 4), row[4]) << "row " << r.record_number();
  }
  ASSERT_TRUE(r.status().ok()) << r.status().ToString();
  EXPECT_EQ(events, 17077);
  EXPECT_EQ(septembers, 1174);
  EXPECT_EQ(r.record_number(), 17078);
  EXPECT_EQ(row[2], "2026-03-12");
  EXPECT_EQ(r.formula_cells(), 17077);  // one TEXT(C,"mmm") per event, cached values returned
  EXPECT_EQ(r.bytes_read(), r.total_bytes());
}

TEST(XlsxReader, LibhxlValidMatchesItsCsvTwin) {
  Sheet x = ReadAll(kLibhxl + "input-valid.xlsx");
  ASSERT_TRUE(x.status.ok()) << x.status.ToString();
  auto csv = OpenCsv(kLibhxl + "input-valid.csv", 0);
  ASSERT_TRUE(csv.ok());
  std::vector<Row> c;
  Row row;
  while ((*csv)->Next(&row)) c.push_back(TrimTrailingEmpty(row));
  ASSERT_EQ(x.rows.size(), 7u);
  ASSERT_EQ(c.size(), 7u);
  // Row 1 is a merged title row; the CSV twin was exported differently ("Qué?" in B1), so only
  // the XLSX values are checked there.
  EXPECT_EQ(x.rows[0][0], "¿Qué?");
  EXPECT_EQ(x.rows[0][1], "");
  EXPECT_EQ(x.rows[0][3], "¿Quién?");
  for (size_t i = 1; i < 7; ++i) EXPECT_EQ(x.rows[i], c[i]) << "row " << i + 1;
  EXPECT_EQ(x.rows[3][4], "100");  // numeric cell
  EXPECT_EQ(x.rows[4].size(), 8u);
}

// libhxl calls this file "broken" because other readers failed on it; it is a valid workbook
// with unusual but legal choices (a "relationships:" prefix instead of "r:", zip data
// descriptors, no shared strings, t="str" cells without a value), and Excel opens it.
TEST(XlsxReader, LibhxlBrokenFileIsUnusualButReadable) {
  Sheet s = ReadAll(kLibhxl + "input-broken.xlsx");
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.rows.size(), 6433u);
  EXPECT_THAT(s.rows[0], ElementsAre("ISO3", "Name", "Year", "Start Date", "Event Name",
                                     "Hazard Category", "Hazard Type", "New Displacements"));
  EXPECT_EQ(s.rows[1][0], "#country+code");
  EXPECT_THAT(s.rows[3], ElementsAre("AFG", "Afghanistan", "2008", "2008-01-01", "",
                                     "Weather related", "Extreme temperature"));
  EXPECT_EQ(s.rows.back()[7], "80");
  EXPECT_EQ(s.total_bytes, 2161731);
}

TEST(XlsxReader, MultisheetListsAndOpensSheetsByName) {
  auto names = ListXlsxSheets(kMultisheet);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_THAT(*names, ElementsAre("Not the right sheet", "The right sheet"));

  // The first sheet is empty (<sheetData/>); the data is on the second.
  Sheet first = ReadAll(kMultisheet);
  Sheet second = ReadAll(kMultisheet, "The right sheet");
  ASSERT_TRUE(first.status.ok() && second.status.ok());
  EXPECT_TRUE(first.rows.empty());
  EXPECT_EQ(first.total_bytes, 2099);
  EXPECT_EQ(second.total_bytes, 2880);
  ASSERT_EQ(second.rows.size(), 5u);
  EXPECT_THAT(second.rows[0], ElementsAre("Organisation", "Sector", "Country"));
  EXPECT_THAT(second.rows[1], ElementsAre("#org", "#sector", "#country"));
  EXPECT_THAT(second.rows[4], ElementsAre("Org C", "Health", "Myanmar"));
  EXPECT_EQ(ReadAll(kMultisheet, "the right sheet").total_bytes, 2880);  // case-insensitive

  auto missing = OpenXlsx(kMultisheet, "Sheet3");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(missing.status().message(), StartsWith(kMultisheet + ": no sheet named \"Sheet3\""));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("\"Not the right sheet\", \"The right sheet\""));
}

TEST(XlsxReader, KoboToolRichTextAndBooleans) {
  Sheet s = ReadAll(kKoboTool, "survey");
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  const Row* q = nullptr;
  for (size_t i = 0; i < s.rows.size(); ++i)
    if (s.numbers[i] == 150) q = &s.rows[i];
  ASSERT_NE(q, nullptr);
  ASSERT_GE(q->size(), 15u);
  EXPECT_EQ((*q)[8], "wash_drinking_water_quantity");
  // Three rich-text runs, the middle one bold: "... has there " + "NOT" + " been ...".
  EXPECT_EQ((*q)[9],
            "In the last 4 weeks, how frequently has there NOT been as much water to drink as "
            "you would like for you or anyone in your household?");
  EXPECT_EQ((*q)[14], "TRUE");
}

TEST(XlsxReader, TruncatedCopyGivesCleanError) {
  std::string bytes = ReadBytes(kSouthSudan);
  ASSERT_GT(bytes.size(), 700000u);
  std::string path = WriteTemp("half.xlsx", bytes.substr(0, bytes.size() / 2));
  auto r = OpenXlsx(path, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            path +
                ": not a valid XLSX file (zip directory not found); open it in a spreadsheet "
                "program and save it again as .xlsx");
  EXPECT_FALSE(ListXlsxSheets(path).ok());
  std::remove(path.c_str());
}

TEST(XlsxReader, DamagedSheetDataGivesCleanError) {
  std::string bytes = ReadBytes(kSouthSudan);
  for (size_t i = 0; i < 64; ++i) bytes[bytes.size() / 2 + i] ^= 0x5A;  // inside sheet1.xml
  std::string path = WriteTemp("damaged.xlsx", bytes);
  Sheet s = ReadAll(path);
  ASSERT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.code(), Status::Code::kCorruption);
  EXPECT_THAT(s.status.message(), StartsWith(path + ": the file is damaged ("));
  EXPECT_LT(s.rows.size(), 17078u);
  std::remove(path.c_str());
}

// Cuts and byte flips all over a small workbook: every outcome must be a row stream or a
// Status naming the file, never a crash or a hang.
TEST(XlsxReader, MutatedFilesNeverCrash) {
  const std::string good = ReadBytes(kLibhxl + "input-valid.xlsx");
  int failures = 0, runs = 0;
  for (size_t at = 0; at < good.size(); at += 37) {
    for (int mode = 0; mode < 2; ++mode) {
      std::string bytes = mode == 0 ? good.substr(0, at) : good;
      if (mode == 1) bytes[at] ^= 0xFF;
      std::string path = WriteTemp("mutated.xlsx", bytes);
      Sheet s = ReadAll(path);
      ++runs;
      if (!s.status.ok()) {
        ++failures;
        EXPECT_THAT(s.status.message(), StartsWith(path + ": ")) << "offset " << at;
      }
    }
  }
  EXPECT_GT(failures, runs / 2);
  std::remove(TempPath("mutated.xlsx").c_str());
}

TEST(XlsxReader, NotAWorkbookErrors) {
  auto missing = OpenXlsx(kData + "no-such-file.xlsx", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);

  std::string text = WriteTemp("text.xlsx", "date,event\n2021-01-01,x\n");
  EXPECT_THAT(OpenXlsx(text, "").status().message(), HasSubstr("zip directory not found"));

  std::string ole = WriteTemp("old.xlsx", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8));
  EXPECT_EQ(OpenXlsx(ole, "").status().code(), Status::Code::kUnsupported);

  std::string other_zip = WriteZip("other.xlsx", {{"word/document.xml", "<w/>"}});
  EXPECT_THAT(OpenXlsx(other_zip, "").status().message(),
              HasSubstr("it is a zip archive but has no Excel workbook in it"));
  for (const std::string& p : {text, ole, other_zip}) std::remove(p.c_str());
}

// --- Synthetic workbooks ------------------------------------------------------------------

TEST(XlsxReader, SyntheticCellKindsIn1904Workbook) {
  std::string path = WriteZip("kinds1904.xlsx", SyntheticWorkbook(true, kSyntheticRows));
  Sheet s = ReadAll(path);  // the first sheet is a chart sheet: the first worksheet is read
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  ASSERT_EQ(s.rows.size(), 4u);  // row 5 has only an empty styled cell
  EXPECT_THAT(s.numbers, ElementsAre(1, 3, 4, 6));
  ASSERT_EQ(s.rows[0].size(), 27u);
  EXPECT_EQ(s.rows[0][0], "plain");
  EXPECT_EQ(s.rows[0][2], "bold and not");
  EXPECT_EQ(s.rows[0][26], "漢字");  // AA1, phonetic reading left out
  EXPECT_THAT(s.rows[1],
              ElementsAre("", "inline", "rich inline", "", "FALSE", "#DIV/0!", "line1\r\nline2"));
  EXPECT_THAT(s.rows[2],
              ElementsAre("1904-01-01", "1905-01-01 18:00:00", "5", "0.0015", "2", "2021-07-28"));
  EXPECT_THAT(s.rows[3], ElementsAre("-0.1", "x\ty"));
  EXPECT_EQ(s.formulas, 2);
  std::remove(path.c_str());
}

TEST(XlsxReader, Synthetic1900DatesAndChartSheet) {
  std::string path = WriteZip("kinds1900.xlsx", SyntheticWorkbook(false, kSyntheticRows));
  Sheet s = ReadAll(path, "Data");
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.rows[2][0], "0");  // serial 0 is before 1900-01-01: shown as the number
  EXPECT_EQ(s.rows[2][1], "1900-12-31 18:00:00");
  auto chart = OpenXlsx(path, "chart1");
  EXPECT_EQ(chart.status().code(), Status::Code::kUnsupported);
  EXPECT_THAT(chart.status().message(), HasSubstr("\"Chart1\" is a chart or dialog sheet"));
  std::remove(path.c_str());
}

TEST(XlsxReader, SyntheticMissingSharedStringStopsWithRowNumber) {
  std::string path = WriteZip(
      "badref.xlsx", SyntheticWorkbook(false,
                                       "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>"
                                       "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>99</v></c></row>"));
  Sheet s = ReadAll(path);
  EXPECT_EQ(s.rows.size(), 1u);  // the rows before the damage still come through
  EXPECT_EQ(s.status.code(), Status::Code::kCorruption);
  EXPECT_THAT(s.status.message(), HasSubstr("sheet \"Data\" near row 2: a cell refers to a shared "
                                            "string that does not exist"));
  std::remove(path.c_str());
}

// A row number beyond Excel's last row is damage, not a row (before: the next row without a
// number overflowed the row counter, undefined behaviour found with fuzz/xlsx_fuzz.cc).
TEST(XlsxReader, SyntheticRowBeyondExcelsLastRowStopsWithAClearError) {
  std::string path = WriteZip(
      "bigrow.xlsx",
      SyntheticWorkbook(false,
                        "<row r=\"1048576\"><c t=\"inlineStr\"><is><t>last</t></is></c></row>"
                        "<row r=\"9223372036854775807\"><c t=\"inlineStr\"><is><t>x</t></is>"
                        "</c></row><row><c t=\"inlineStr\"><is><t>y</t></is></c></row>"));
  Sheet s = ReadAll(path);
  ASSERT_EQ(s.rows.size(), 1u);  // Excel's last row itself is fine
  EXPECT_EQ(s.numbers[0], 1048576);
  EXPECT_EQ(s.status.code(), Status::Code::kCorruption);
  EXPECT_THAT(s.status.message(),
              HasSubstr("near row 1048576: a row lies beyond row 1048576, Excel's last"));
  std::remove(path.c_str());
}

TEST(XlsxReader, SyntheticDtdIsRejected) {
  Parts parts = SyntheticWorkbook(false, "");
  parts.back().second = "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet/>";
  std::string path = WriteZip("dtd.xlsx", parts);
  Sheet s = ReadAll(path);
  EXPECT_EQ(s.status.code(), Status::Code::kCorruption);
  EXPECT_THAT(s.status.message(), HasSubstr("a DTD, which XLSX files never contain"));
  std::remove(path.c_str());
}

// --- Helpers ------------------------------------------------------------------------------

TEST(XlsxHelpers, NumbersPrintShortest) {
  using xlsx_internal::FormatNumber;
  EXPECT_EQ(FormatNumber(17077), "17077");
  EXPECT_EQ(FormatNumber(-3), "-3");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(31.4550252343), "31.4550252343");
  EXPECT_EQ(FormatNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatNumber(1e-7), "1e-07");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
}

TEST(XlsxHelpers, DateFormatsAndSerials) {
  using xlsx_internal::IsDateFormatCode;
  EXPECT_TRUE(IsDateFormatCode("yyyy\\-mm\\-dd"));
  EXPECT_TRUE(IsDateFormatCode("[$-409]d-mmm-yy;@"));
  EXPECT_TRUE(IsDateFormatCode("DD/MM/YYYY"));
  EXPECT_FALSE(IsDateFormatCode("General"));
  EXPECT_FALSE(IsDateFormatCode("#,##0.00"));
  EXPECT_FALSE(IsDateFormatCode("0 \"days\""));
  EXPECT_FALSE(IsDateFormatCode("[Red]0.0;\\d0"));
  EXPECT_FALSE(IsDateFormatCode("_-* #,##0_-;-* #,##0_-"));
  EXPECT_TRUE(xlsx_internal::IsBuiltinDateFormat(14));
  EXPECT_TRUE(xlsx_internal::IsBuiltinDateFormat(22));
  EXPECT_FALSE(xlsx_internal::IsBuiltinDateFormat(49));
  EXPECT_EQ(xlsx_internal::SerialToIso(40682, false), "2011-05-19");
  EXPECT_EQ(xlsx_internal::SerialToIso(40682.999999999, false), "2011-05-20");
  EXPECT_EQ(xlsx_internal::SerialToIso(43101.5, false), "2018-01-01 12:00:00");
  EXPECT_EQ(xlsx_internal::SerialToIso(39220, true), "2011-05-19");
  EXPECT_EQ(xlsx_internal::SerialToIso(0.5, false), "");
}

TEST(XlsxHelpers, DecodesOoxmlEscapes) {
  using xlsx_internal::DecodeXmlEscapes;
  EXPECT_EQ(DecodeXmlEscapes("a_x000D_\nb"), "a\r\nb");
  EXPECT_EQ(DecodeXmlEscapes("_x005F_x000D_"), "_x000D_");
  EXPECT_EQ(DecodeXmlEscapes("snake_x_case_xZZZZ_"), "snake_x_case_xZZZZ_");
  EXPECT_EQ(DecodeXmlEscapes("_xD83D__xDE00_"), "\xF0\x9F\x98\x80");
}

// Throughput on the largest fixture (69,172 events); printed, not asserted.
TEST(XlsxReader, AcledAfghanistanThroughput) {
  auto start = std::chrono::steady_clock::now();
  auto reader = OpenXlsx(kAfghanistan, "");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Row row;
  int64_t rows = 0;
  while ((*reader)->Next(&row)) ++rows;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  EXPECT_EQ(rows, 69173);  // header + 69,172 events
  EXPECT_EQ((*reader)->formula_cells(), 69172);
  std::printf("[ XLSX     ] acled_afghanistan.xlsx: %lld rows, %.3f s, %.0f rows/s, %.1f MB/s\n",
              static_cast<long long>(rows), secs, rows / secs,
              (*reader)->total_bytes() / secs / 1e6);
}

}  // namespace
}  // namespace aegis::ingest
