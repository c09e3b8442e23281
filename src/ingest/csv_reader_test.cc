// The CSV dialect (libcsv's, which this reader reproduces) and reading across chunk boundaries.
#include "ingest/csv_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace aegis::ingest {
namespace {

namespace fs = std::filesystem;

struct Read {
  std::vector<Row> rows;
  Status status;
};

Read ReadCsv(const std::string& content, char delimiter = ',') {
  aegis::testing::TempDir dir;
  fs::path path = dir / "t.csv";
  std::ofstream(path, std::ios::binary) << content;
  Read out;
  auto reader = OpenCsv(path.string(), delimiter);
  EXPECT_TRUE(reader.ok());
  Row row;
  while ((*reader)->Next(&row)) out.rows.push_back(row);
  out.status = (*reader)->status();
  return out;
}

TEST(CsvReader, BlanksAroundUnquotedFieldsAreDropped) {
  Read r = ReadCsv("a, b ,\" c \" ,\t d\te\t\n");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.rows, (std::vector<Row>{{"a", "b", " c ", "d\te"}}));
}

TEST(CsvReader, QuotedFieldsHoldQuotesSeparatorsAndLineBreaks) {
  Read r = ReadCsv("\"x\"\"y\",\"1\n2\",\"p,q\"\r\nab\"c,d\n");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.rows, (std::vector<Row>{{"x\"y", "1\n2", "p,q"}, {"ab\"c", "d"}}));
}

TEST(CsvReader, EmptyLinesAreSkippedAndALastLineNeedsNoLineBreak) {
  Read r = ReadCsv("a\r\n\r\n\nb\nc,");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.rows, (std::vector<Row>{{"a"}, {"b"}, {"c", ""}}));
}

TEST(CsvReader, TabSeparated) {
  Read r = ReadCsv("a\t b \t\"c\"\n", '\t');
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.rows, (std::vector<Row>{{"a", "b", "c"}}));
}

TEST(CsvReader, AnOpenQuoteAtTheEndMeansATruncatedFile) {
  // Text after a closing quote does not end the field: it stays open to the end of the file.
  for (const char* text : {"a,\"b\nc\n", "\"ab\" c,d\n"}) {
    Read r = ReadCsv(text);
    EXPECT_FALSE(r.status.ok()) << text;
    EXPECT_NE(r.status.message().find("ends inside a quoted field (record 1)"), std::string::npos);
  }
}

TEST(CsvReader, RecordsAndFieldsSpanningChunksWithAByteOrderMark) {
  std::string big(200000, 'x');  // longer than a read chunk
  std::string text = "\xEF\xBB\xBFid,text\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",\"a \"\"b\"\", c\"\n";
  text += "last,\"" + big + "\"\n";
  Read r = ReadCsv(text);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.rows.size(), 20002u);
  EXPECT_EQ(r.rows[0], (Row{"id", "text"}));
  EXPECT_EQ(r.rows[12345], (Row{"12344", "a \"b\", c"}));
  EXPECT_EQ(r.rows.back(), (Row{"last", big}));
}

}  // namespace
}  // namespace aegis::ingest
