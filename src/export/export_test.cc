#include "export/export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ingest/csv_reader.h"
#include "ingest/xlsx_reader.h"
#include "temp_dir.h"

#if defined(__SANITIZE_ADDRESS__)
#define AEGIS_EXPORT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AEGIS_EXPORT_TEST_ASAN 1
#endif
#endif
#ifdef AEGIS_EXPORT_TEST_ASAN
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace aegis::exports {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Kind = Column::Kind;
using TextRow = std::vector<std::string>;

const std::string kData = std::string(AEGIS_SHARED_DIR) + "/data/";

using aegis::testing::TempDir;

// Entries in the folder (the exporter's temporary files must be gone).
size_t Count(const TempDir& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++n;
  return n;
}

std::vector<Column> TestColumns() {
  return {{"Area", "#adm2+code", Kind::kText},       {"Place", "#loc+name+i_ar", Kind::kText},
          {"Note", "#description", Kind::kText},     {"Affected", "#affected", Kind::kInteger},
          {"Share", "#indicator +pct", Kind::kReal}, {"Date", "#date", Kind::kDate}};
}

constexpr int64_t kBig = 9007199254740993;  // 2^53 + 1: not exact as a double

std::vector<std::vector<Cell>> TestRows() {
  return {
      {"SS0101", "جوبا", "Note with \"quotes\", commas\nand a newline", int64_t{42}, 0.5,
       "2024-03-01"},
      {"SS0102", "Médecins — àéèç, « Thérèse »", NullCell(), kBig, -1.25, NullCell()},
      {"SS0103", "مخيم \"الأمل\"، القطاع ٣", "Ligne 1\r\nLigne 2", int64_t{-9223372036854775807},
       1e20, "2024-03-31"},
      {NullCell(), NullCell(), "", int64_t{0}, NullCell(), "2024-04-01"},
  };
}

// The rows as a spreadsheet shows them.
std::vector<TextRow> ExpectedText() {
  return {
      {"SS0101", "جوبا", "Note with \"quotes\", commas\nand a newline", "42", "0.5", "2024-03-01"},
      {"SS0102", "Médecins — àéèç, « Thérèse »", "", "9007199254740993", "-1.25", ""},
      {"SS0103", "مخيم \"الأمل\"، القطاع ٣", "Ligne 1\r\nLigne 2", "-9223372036854775807", "1e+20",
       "2024-03-31"},
      {"", "", "", "0", "", "2024-04-01"},
  };
}

Result<std::string> Export(Format format, const std::vector<Column>& columns,
                           const std::vector<std::vector<Cell>>& rows,
                           const ExportOptions& options = {}) {
  StringSink sink;
  AEGIS_ASSIGN_OR_RETURN(auto writer, MakeWriter(format, sink, options));
  AEGIS_RETURN_IF_ERROR(writer->Begin(columns));
  for (const auto& row : rows) AEGIS_RETURN_IF_ERROR(writer->Row(row));
  AEGIS_RETURN_IF_ERROR(writer->Finish());
  return sink.Take();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

struct ReadBack {
  std::vector<TextRow> rows;
  Status status;
  int64_t formulas = 0;
};

ReadBack Read(const Result<std::unique_ptr<ingest::TableReader>>& opened, size_t width) {
  ReadBack out;
  if (!opened.ok()) {
    out.status = opened.status();
    return out;
  }
  ingest::Row row;
  while (opened.value()->Next(&row)) {
    if (row.size() < width) row.resize(width);  // XLSX drops trailing empty cells
    out.rows.push_back(row);
  }
  out.status = opened.value()->status();
  out.formulas = opened.value()->formula_cells();
  return out;
}

ReadBack ReadCsv(const TempDir& dir, const std::string& bytes, size_t width) {
  std::string path = dir.File("t.csv");
  WriteFile(path, bytes);
  return Read(ingest::OpenCsv(path, ','), width);
}

ReadBack ReadXlsx(const TempDir& dir, const std::string& bytes, size_t width,
                  const std::string& sheet = "") {
  std::string path = dir.File("t.xlsx");
  WriteFile(path, bytes);
  return Read(ingest::OpenXlsx(path, sheet), width);
}

TextRow Names(const std::vector<Column>& columns) {
  TextRow out;
  for (const Column& c : columns) out.push_back(c.name);
  return out;
}

TextRow Tags(const std::vector<Column>& columns) {
  TextRow out;
  for (const Column& c : columns) out.push_back(c.hxl_tag);
  return out;
}

// ---- Formats and rules --------------------------------------------------------------------------

TEST(ExportFormat, ParsesTheFourNamesAndListsThemOnError) {
  ASSERT_TRUE(ParseFormat("csv").ok());
  EXPECT_EQ(ParseFormat("csv").value(), Format::kCsv);
  EXPECT_EQ(ParseFormat(" XLSX ").value(), Format::kXlsx);
  EXPECT_EQ(ParseFormat("json").value(), Format::kJson);
  EXPECT_EQ(ParseFormat("Hxl").value(), Format::kHxl);
  auto bad = ParseFormat("xls");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("csv, xlsx, json, hxl"));
  // The value is quoted only when it has the shape of a code (text::QuoteIfCode): a word could
  // be a name typed in the wrong box, and the message is clear text.
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("xls\"")));
  EXPECT_THAT(ParseFormat("xlsx2").status().message(), HasSubstr("'xlsx2'"));
  EXPECT_FALSE(ParseFormat("").ok());
}

TEST(ExportFormat, ContentTypesAndExtensions) {
  EXPECT_EQ(ContentType(Format::kCsv), "text/csv; charset=utf-8");
  EXPECT_EQ(ContentType(Format::kHxl), "text/csv; charset=utf-8");
  EXPECT_EQ(ContentType(Format::kJson), "application/json; charset=utf-8");
  EXPECT_EQ(ContentType(Format::kXlsx),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(FileExtension(Format::kCsv), "csv");
  EXPECT_EQ(FileExtension(Format::kHxl), "csv");
  EXPECT_EQ(FileExtension(Format::kJson), "json");
  EXPECT_EQ(FileExtension(Format::kXlsx), "xlsx");
  for (Format f : {Format::kCsv, Format::kXlsx, Format::kJson, Format::kHxl})
    EXPECT_EQ(ParseFormat(FormatName(f)).value(), f);
}

TEST(ExportRules, NeutraliseFormulaPrefixesTheOwaspLeadCharacters) {
  EXPECT_EQ(NeutraliseFormula("=1+1"), "'=1+1");
  EXPECT_EQ(NeutraliseFormula("+1"), "'+1");
  EXPECT_EQ(NeutraliseFormula("-2+3"), "'-2+3");
  EXPECT_EQ(NeutraliseFormula("-5"), "'-5");  // text, not a number cell
  EXPECT_EQ(NeutraliseFormula("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(NeutraliseFormula("\tcmd"), "'\tcmd");
  EXPECT_EQ(NeutraliseFormula("\rcmd"), "'\rcmd");
  EXPECT_EQ(NeutraliseFormula("=HYPERLINK(\"http://evil\",\"x\")"),
            "'=HYPERLINK(\"http://evil\",\"x\")");
  EXPECT_EQ(NeutraliseFormula(""), "");
  EXPECT_EQ(NeutraliseFormula("a=1"), "a=1");
  EXPECT_EQ(NeutraliseFormula(" =1"), " =1");
  EXPECT_EQ(NeutraliseFormula("جوبا"), "جوبا");
  EXPECT_EQ(NeutraliseFormula("'already"), "'already");
}

TEST(ExportRules, HxlTagSyntax) {
  EXPECT_TRUE(ValidateHxlTag("").ok());
  EXPECT_TRUE(ValidateHxlTag("#adm2").ok());
  EXPECT_TRUE(ValidateHxlTag("#adm2+code").ok());
  EXPECT_TRUE(ValidateHxlTag("#loc +name +i_ar").ok());
  EXPECT_TRUE(ValidateHxlTag("#x_custom+v_pcode").ok());
  EXPECT_FALSE(ValidateHxlTag("adm2").ok());
  EXPECT_FALSE(ValidateHxlTag("#").ok());
  EXPECT_FALSE(ValidateHxlTag("#2adm").ok());
  EXPECT_FALSE(ValidateHxlTag("#adm2+").ok());
  EXPECT_FALSE(ValidateHxlTag("#adm2 code").ok());
  EXPECT_FALSE(ValidateHxlTag("#adm2,+code").ok());
  EXPECT_FALSE(ValidateHxlTag("=#adm2").ok());
  EXPECT_THAT(ValidateHxlTag("adm2").message(), HasSubstr("#adm2+code"));
}

// The built-in core list matches the HXL 1.1 core vocabulary, and the tags the tests use are in it.
TEST(ExportRules, CoreHashtagsMatchTheHxlVocabulary) {
  std::string path =
      kData + "hxl-core-vocabulary/ontologia/codicem/hxl/standard/core/hashtag.hxl.csv";
  auto reader = ingest::OpenCsv(path, ',');
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ingest::Row row;
  ASSERT_TRUE(reader.value()->Next(&row));  // the hashtag row of the vocabulary itself
  ASSERT_GE(row.size(), 4u);
  ASSERT_EQ(row[0], "#valid_tag");
  int released = 0;
  while (reader.value()->Next(&row)) {
    if (row[0].empty()) continue;
    bool rejected = row[3] == "Rejected";
    EXPECT_EQ(IsCoreHxlHashtag(row[0]), !rejected) << row[0];
    EXPECT_TRUE(ValidateHxlTag(row[0]).ok()) << row[0];
    released += rejected ? 0 : 1;
  }
  EXPECT_EQ(released, 44);
  for (const Column& c : TestColumns()) EXPECT_TRUE(IsCoreHxlHashtag(c.hxl_tag)) << c.hxl_tag;
  EXPECT_TRUE(IsCoreHxlHashtag("#ADM1+name"));
  EXPECT_FALSE(IsCoreHxlHashtag("#admin2+code"));
  EXPECT_FALSE(IsCoreHxlHashtag("adm2"));
}

// ---- CSV ----------------------------------------------------------------------------------------

TEST(ExportCsv, RoundTripsArabicFrenchQuotesNewlinesNullsBigIntegers) {
  TempDir dir;
  auto csv = Export(Format::kCsv, TestColumns(), TestRows());
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  ReadBack back = ReadCsv(dir, *csv, 6);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.rows.size(), 5u);
  EXPECT_EQ(back.rows[0], Names(TestColumns()));
  std::vector<TextRow> data(back.rows.begin() + 1, back.rows.end());
  EXPECT_EQ(data, ExpectedText());
}

TEST(ExportCsv, Rfc4180BytesWithBomAndCrlf) {
  std::vector<Column> cols = {{"a", "", Kind::kText}, {"b", "", Kind::kText}};
  auto csv = Export(Format::kCsv, cols, {{"x,y", "say \"hi\""}, {"line1\nline2", NullCell()}});
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv,
            "\xEF\xBB\xBF"
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line1\nline2\",\r\n");
}

TEST(ExportCsv, BomIsAnOption) {
  ExportOptions no_bom;
  no_bom.utf8_bom = false;
  std::vector<Column> cols = {{"name", "", Kind::kText}};
  auto csv = Export(Format::kCsv, cols, {{"جوبا"}}, no_bom);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "name\r\nجوبا\r\n");
  // Without a BOM, a first header "ID" would make Excel open the file as SYLK: it is quoted.
  auto sylk = Export(Format::kCsv, {{"ID", "", Kind::kText}}, {{int64_t{1}}}, no_bom);
  ASSERT_TRUE(sylk.ok());
  EXPECT_EQ(*sylk, "\"ID\"\r\n1\r\n");
  auto with_bom = Export(Format::kCsv, cols, {{"x"}});
  ASSERT_TRUE(with_bom.ok());
  EXPECT_THAT(*with_bom, StartsWith("\xEF\xBB\xBF"));
}

TEST(ExportCsv, InvalidUtf8BecomesReplacementCharacter) {
  ExportOptions no_bom;
  no_bom.utf8_bom = false;
  auto csv = Export(Format::kCsv, {{"a", "", Kind::kText}}, {{std::string("ok\xFF\xC3")}}, no_bom);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv, "a\r\nok\xEF\xBF\xBD\xEF\xBF\xBD\r\n");
}

TEST(ExportCsv, NoMetadataInCsv) {
  ExportOptions opts;
  opts.metadata.title = "Protection incidents";
  auto csv = Export(Format::kCsv, {{"a", "", Kind::kText}}, {{"x"}}, opts);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(*csv,
            "\xEF\xBB\xBF"
            "a\r\nx\r\n");
}

// ---- HXL ----------------------------------------------------------------------------------------

TEST(ExportHxl, HashtagRowUnderTheHeaderAndAligned) {
  TempDir dir;
  auto cols = TestColumns();
  cols.push_back({"Untagged", "", Kind::kText});
  auto rows = TestRows();
  for (auto& r : rows) r.emplace_back("u");
  auto hxl = Export(Format::kHxl, cols, rows);
  ASSERT_TRUE(hxl.ok()) << hxl.status().ToString();
  ReadBack back = ReadCsv(dir, *hxl, cols.size());
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.rows.size(), 2 + rows.size());
  EXPECT_EQ(back.rows[0], Names(cols));
  EXPECT_EQ(back.rows[1], Tags(cols));
  EXPECT_EQ(back.rows[1].size(), back.rows[0].size());
  EXPECT_EQ(back.rows[1][6], "");
  auto expected = ExpectedText();
  for (size_t i = 0; i < expected.size(); ++i) {
    expected[i].push_back("u");
    EXPECT_EQ(back.rows[2 + i], expected[i]);
  }
  // The raw lines: header, then the tags.
  EXPECT_THAT(*hxl, StartsWith("\xEF\xBB\xBF"
                               "Area,Place,Note,Affected,Share,Date,Untagged\r\n"
                               "#adm2+code,#loc+name+i_ar,#description,#affected,"
                               "#indicator +pct,#date,\r\n"));
}

TEST(ExportHxl, MalformedTagIsRejected) {
  StringSink sink;
  auto writer = MakeWriter(Format::kHxl, sink);
  ASSERT_TRUE(writer.ok());
  Status st = writer.value()->Begin({{"Area", "adm2+code", Kind::kText}});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("\"Area\""));
  EXPECT_EQ(writer.value()->Row({"x"}).code(), Status::Code::kInvalidArgument);  // sticky
}

// ---- JSON ---------------------------------------------------------------------------------------

TEST(ExportJson, RoundTripsWithNumbersNullsAndEscapes) {
  auto out = Export(Format::kJson, TestColumns(), TestRows());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto j = nlohmann::json::parse(*out);
  EXPECT_FALSE(j.contains("meta"));
  ASSERT_EQ(j["columns"].size(), 6u);
  EXPECT_EQ(j["columns"][0],
            (nlohmann::json{{"name", "Area"}, {"hxl", "#adm2+code"}, {"type", "text"}}));
  EXPECT_EQ(j["columns"][3]["type"], "integer");
  EXPECT_EQ(j["columns"][4]["type"], "real");
  EXPECT_EQ(j["columns"][5]["type"], "date");
  const auto& rows = j["rows"];
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0][1], "جوبا");
  EXPECT_EQ(rows[0][2], "Note with \"quotes\", commas\nand a newline");
  EXPECT_TRUE(rows[0][3].is_number_integer());
  EXPECT_EQ(rows[0][3].get<int64_t>(), 42);
  EXPECT_TRUE(rows[0][4].is_number_float());
  EXPECT_EQ(rows[0][4].get<double>(), 0.5);
  EXPECT_EQ(rows[1][1], "Médecins — àéèç, « Thérèse »");
  EXPECT_TRUE(rows[1][2].is_null());
  EXPECT_EQ(rows[1][3].get<int64_t>(), kBig);
  EXPECT_TRUE(rows[1][5].is_null());
  EXPECT_EQ(rows[2][1], "مخيم \"الأمل\"، القطاع ٣");
  EXPECT_EQ(rows[2][2], "Ligne 1\r\nLigne 2");
  EXPECT_EQ(rows[2][3].get<int64_t>(), -9223372036854775807);
  EXPECT_EQ(rows[2][4].get<double>(), 1e20);
  EXPECT_TRUE(rows[3][0].is_null());
  EXPECT_EQ(rows[3][2], "");
}

TEST(ExportJson, MetaObjectNonFiniteAndEmptyTable) {
  ExportOptions opts;
  opts.metadata = {"Incidents, March 2024",
                   "2024-04-02T10:00:00Z",
                   {{"period", "2024-03"}, {"area", "SS01"}},
                   "Counts below 5 are suppressed"};
  auto out = Export(Format::kJson, {{"v", "", Kind::kReal}},
                    {{std::numeric_limits<double>::quiet_NaN()},
                     {std::numeric_limits<double>::infinity()},
                     {std::string("bad\xFF")}},
                    opts);
  ASSERT_TRUE(out.ok());
  auto j = nlohmann::json::parse(*out);
  EXPECT_EQ(j["meta"]["title"], "Incidents, March 2024");
  EXPECT_EQ(j["meta"]["generated_at"], "2024-04-02T10:00:00Z");
  EXPECT_EQ(j["meta"]["filters"], (nlohmann::json{{"period", "2024-03"}, {"area", "SS01"}}));
  EXPECT_EQ(j["meta"]["suppression_note"], "Counts below 5 are suppressed");
  EXPECT_FALSE(j["columns"][0].contains("hxl"));
  EXPECT_TRUE(j["rows"][0][0].is_null());
  EXPECT_TRUE(j["rows"][1][0].is_null());
  EXPECT_EQ(j["rows"][2][0], "bad\xEF\xBF\xBD");

  auto empty = Export(Format::kJson, {{"v", "", Kind::kText}}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(nlohmann::json::parse(*empty)["rows"], nlohmann::json::array());
}

// ---- XLSX ---------------------------------------------------------------------------------------

TEST(ExportXlsx, RoundTripsThroughTheProjectsReader) {
  TempDir dir;
  auto out = Export(Format::kXlsx, TestColumns(), TestRows());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_THAT(*out, StartsWith("PK"));
  ReadBack back = ReadXlsx(dir, *out, 6);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.rows.size(), 5u);
  EXPECT_EQ(back.rows[0], Names(TestColumns()));
  std::vector<TextRow> data(back.rows.begin() + 1, back.rows.end());
  EXPECT_EQ(data, ExpectedText());
  EXPECT_EQ(back.formulas, 0);
  auto sheets = ingest::ListXlsxSheets(dir.File("t.xlsx"));
  ASSERT_TRUE(sheets.ok());
  EXPECT_THAT(*sheets, ElementsAre("Data"));  // no metadata, no About sheet
}

TEST(ExportXlsx, HxlRowAndAboutSheetWhenRequested) {
  TempDir dir;
  ExportOptions opts;
  opts.xlsx_hxl_row = true;
  opts.metadata = {
      "Incidents", "2024-04-02T10:00:00Z", {{"period", "2024-03"}}, "=cells below 5 suppressed"};
  auto out = Export(Format::kXlsx, TestColumns(), TestRows(), opts);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ReadBack back = ReadXlsx(dir, *out, 6);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.rows.size(), 6u);
  EXPECT_EQ(back.rows[0], Names(TestColumns()));
  EXPECT_EQ(back.rows[1], Tags(TestColumns()));
  EXPECT_EQ(back.rows[2], ExpectedText()[0]);
  auto sheets = ingest::ListXlsxSheets(dir.File("t.xlsx"));
  ASSERT_TRUE(sheets.ok());
  EXPECT_THAT(*sheets, ElementsAre("Data", "About"));
  ReadBack about = ReadXlsx(dir, *out, 2, "About");
  ASSERT_TRUE(about.status.ok()) << about.status.ToString();
  EXPECT_THAT(about.rows, ElementsAre(TextRow{"Title", "Incidents"},
                                      TextRow{"Generated at", "2024-04-02T10:00:00Z"},
                                      TextRow{"Filter: period", "2024-03"},
                                      TextRow{"Suppression", "'=cells below 5 suppressed"}));
}

TEST(ExportXlsx, OverlongTextIsCutToExcelsLimitWithANote) {
  TempDir dir;
  std::string arabic;
  while (arabic.size() < 80000) arabic += "ج";  // 40,000 characters, 80,000 bytes
  auto out = Export(Format::kXlsx, {{"n", "", Kind::kText}}, {{arabic}, {"short"}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ReadBack back = ReadXlsx(dir, *out, 1);
  ASSERT_TRUE(back.status.ok()) << back.status.ToString();
  ASSERT_EQ(back.rows.size(), 3u);
  EXPECT_THAT(back.rows[1][0], StartsWith("جججج"));
  EXPECT_THAT(back.rows[1][0], HasSubstr("[truncated"));
  EXPECT_LE(back.rows[1][0].size(), 2u * 32767u);
  EXPECT_EQ(back.rows[2][0], "short");
}

TEST(ExportXlsx, TemporaryFileRemovedOnSuccessErrorAndAbandon) {
  TempDir tmp;
  ExportOptions opts;
  opts.tmpdir = tmp.path();
  {
    StringSink sink;
    auto writer = MakeWriter(Format::kXlsx, sink, opts);
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ(Count(tmp), 1u);  // the private temporary workbook
    ASSERT_TRUE(writer.value()->Begin(TestColumns()).ok());
    ASSERT_TRUE(writer.value()->Row(TestRows()[0]).ok());
  }  // dropped unfinished
  EXPECT_EQ(Count(tmp), 0u);
  {
    StringSink sink;
    auto writer = MakeWriter(Format::kXlsx, sink, opts);
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ(writer.value()->Begin({}).code(), Status::Code::kInvalidArgument);
  }
  EXPECT_EQ(Count(tmp), 0u);
  auto ok = Export(Format::kXlsx, TestColumns(), TestRows(), opts);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(Count(tmp), 0u);

  opts.tmpdir = tmp.File("missing");
  StringSink sink;
  auto bad = MakeWriter(Format::kXlsx, sink, opts);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kIOError);
}

size_t HeapInUse() {
#ifdef AEGIS_EXPORT_TEST_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

// Counts bytes and keeps only the first few, so that the sink itself holds no memory.
class CountingSink : public Sink {
 public:
  Status Write(std::string_view bytes) override {
    if (head_.size() < 4) head_.append(bytes.substr(0, 4 - head_.size()));
    total_ += bytes.size();
    ++chunks_;
    return Status::Ok();
  }
  std::string head_;
  size_t total_ = 0;
  size_t chunks_ = 0;
};

// 100,000 rows of distinct text and numbers: in constant_memory mode the heap does not grow with
// the rows (libxlsxwriter keeps one row; the default mode would hold every cell, ~50 MB here).
TEST(ExportXlsx, HundredThousandRowsInBoundedMemory) {
  TempDir dir;
  CountingSink sink;
  auto writer = MakeWriter(Format::kXlsx, sink);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer.value()->Begin(TestColumns()).ok());
  constexpr int kRows = 100000;
  size_t heap_at_start = 0, heap_peak = 0;
  for (int i = 0; i < kRows; ++i) {
    std::string n = std::to_string(i);
    Status st = writer.value()->Row({"SS" + n, "مخيم رقم " + n, "Note number " + n + ", =x",
                                     int64_t{i}, i / 7.0, "2024-03-01"});
    ASSERT_TRUE(st.ok()) << st.ToString();
    if (i == 1000) heap_at_start = HeapInUse();
    if (i > 1000 && i % 1000 == 0) heap_peak = std::max(heap_peak, HeapInUse());
  }
  size_t growth = heap_peak > heap_at_start ? heap_peak - heap_at_start : 0;
  EXPECT_LT(growth, 8u << 20) << "heap grew by " << growth << " bytes over 99,000 rows";
  ASSERT_TRUE(writer.value()->Finish().ok());
  EXPECT_EQ(sink.head_, std::string("PK\x03\x04", 4));
  EXPECT_GT(sink.chunks_, 1u);  // streamed in chunks, not one buffer

  // The same export through a FileSink reads back whole.
  std::string path = dir.File("big.xlsx");
  {
    auto file = FileSink::Open(path);
    ASSERT_TRUE(file.ok());
    auto w = MakeWriter(Format::kXlsx, **file);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w.value()->Begin(TestColumns()).ok());
    for (int i = 0; i < kRows; ++i) {
      ASSERT_TRUE(
          w.value()->Row({"SS" + std::to_string(i), "x", NullCell(), int64_t{i}, 0.5, ""}).ok());
    }
    ASSERT_TRUE(w.value()->Finish().ok());
    ASSERT_TRUE(file.value()->Close().ok());
  }
  auto reader = ingest::OpenXlsx(path, "");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ingest::Row row;
  int64_t count = 0;
  std::string last;
  while (reader.value()->Next(&row)) {
    ++count;
    last = row.at(0);
  }
  ASSERT_TRUE(reader.value()->status().ok()) << reader.value()->status().ToString();
  EXPECT_EQ(count, kRows + 1);
  EXPECT_EQ(last, "SS99999");
}

// ---- Every format -------------------------------------------------------------------------------

std::vector<std::vector<Cell>> InjectionRows() {
  return {{"=HYPERLINK(\"http://evil.example\",\"click\")", int64_t{-5}},
          {"+1+1", -2.5},
          {"-2+3", NullCell()},
          {"@SUM(A1:A2)", NullCell()},
          {"\t=1", NullCell()},
          {"\r=1", NullCell()},
          {"safe", NullCell()}};
}

const std::vector<TextRow> kNeutralised = {{"'=HYPERLINK(\"http://evil.example\",\"click\")", "-5"},
                                           {"'+1+1", "-2.5"},
                                           {"'-2+3", ""},
                                           {"'@SUM(A1:A2)", ""},
                                           {"'\t=1", ""},
                                           {"'\r=1", ""},
                                           {"safe", ""}};

TEST(ExportFormulaInjection, NeutralisedInCsvHxlAndXlsx) {
  std::vector<Column> cols = {{"=cmd|' /C calc'!A0", "#description", Kind::kText},
                              {"n", "#affected", Kind::kInteger}};
  TempDir dir;
  for (Format f : {Format::kCsv, Format::kHxl, Format::kXlsx}) {
    SCOPED_TRACE(std::string(FormatName(f)));
    auto out = Export(f, cols, InjectionRows());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ReadBack back = f == Format::kXlsx ? ReadXlsx(dir, *out, 2) : ReadCsv(dir, *out, 2);
    ASSERT_TRUE(back.status.ok()) << back.status.ToString();
    size_t skip = f == Format::kHxl ? 2 : 1;
    ASSERT_EQ(back.rows.size(), skip + kNeutralised.size());
    EXPECT_EQ(back.rows[0][0], "'=cmd|' /C calc'!A0");  // headers too
    std::vector<TextRow> data(back.rows.begin() + static_cast<std::ptrdiff_t>(skip),
                              back.rows.end());
    EXPECT_EQ(data, kNeutralised);
    EXPECT_EQ(back.formulas, 0);
  }
  // JSON is for programs: text is carried unchanged, numbers stay numbers.
  auto json = Export(Format::kJson, cols, InjectionRows());
  ASSERT_TRUE(json.ok());
  auto j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["rows"][0][0], "=HYPERLINK(\"http://evil.example\",\"click\")");
  EXPECT_EQ(j["rows"][0][1], -5);
}

// A sink that fails after `limit` bytes.
class FailingSink : public Sink {
 public:
  explicit FailingSink(size_t limit) : limit_(limit) {}
  Status Write(std::string_view bytes) override {
    if (written_ + bytes.size() > limit_) {
      ++failures_;
      return Status::IOError("client went away");
    }
    written_ += bytes.size();
    return Status::Ok();
  }
  size_t written_ = 0;
  int failures_ = 0;

 private:
  size_t limit_;
};

TEST(ExportSink, WriteErrorIsReportedAsStatusInEveryFormat) {
  TempDir tmp;
  ExportOptions opts;
  opts.tmpdir = tmp.path();
  for (Format f : {Format::kCsv, Format::kHxl, Format::kJson, Format::kXlsx}) {
    SCOPED_TRACE(std::string(FormatName(f)));
    FailingSink sink(1000);
    auto writer = MakeWriter(f, sink, opts);
    ASSERT_TRUE(writer.ok());
    Status st = writer.value()->Begin(TestColumns());
    for (int i = 0; st.ok() && i < 20000; ++i) st = writer.value()->Row(TestRows()[i % 4]);
    if (st.ok()) st = writer.value()->Finish();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), Status::Code::kIOError);
    EXPECT_EQ(st.message(), "client went away");
    EXPECT_EQ(sink.failures_, 1);
    // Sticky: later calls report the same error and write nothing more.
    EXPECT_EQ(writer.value()->Row(TestRows()[0]).message(), "client went away");
    EXPECT_EQ(writer.value()->Finish().message(), "client went away");
    EXPECT_EQ(sink.failures_, 1);
    EXPECT_LE(sink.written_, 1000u);
  }
  EXPECT_EQ(Count(tmp), 0u);  // the XLSX temporary file is gone after the error
}

TEST(ExportSink, CallOrderAndRowWidthAreChecked) {
  for (Format f : {Format::kCsv, Format::kHxl, Format::kJson, Format::kXlsx}) {
    SCOPED_TRACE(std::string(FormatName(f)));
    StringSink sink;
    auto writer = MakeWriter(f, sink);
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ(writer.value()->Row({"x"}).code(), Status::Code::kInternal);
    StringSink sink2;
    auto w2 = MakeWriter(f, sink2);
    ASSERT_TRUE(w2.ok());
    ASSERT_TRUE(w2.value()->Begin({{"a", "#org", Kind::kText}, {"b", "", Kind::kText}}).ok());
    Status st = w2.value()->Row({"only one"});
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_THAT(st.message(), HasSubstr("row 1 has 1 cells but the table has 2 columns"));
  }
}

TEST(ExportSink, FileSinkWritesAndReportsOpenErrors) {
  TempDir dir;
  std::string path = dir.File("out.csv");
  auto file = FileSink::Open(path);
  ASSERT_TRUE(file.ok());
  auto writer = MakeWriter(Format::kCsv, **file);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer.value()->Begin({{"a", "", Kind::kText}}).ok());
  ASSERT_TRUE(writer.value()->Row({"جوبا"}).ok());
  ASSERT_TRUE(writer.value()->Finish().ok());
  ASSERT_TRUE(file.value()->Close().ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(),
            "\xEF\xBB\xBF"
            "a\r\nجوبا\r\n");
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  auto bad = FileSink::Open(dir.File("no/such/dir.csv"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace aegis::exports
