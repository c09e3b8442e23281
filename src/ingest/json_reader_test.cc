// The JSON records reader (through OpenTable, as an import opens a .json file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ingest/table.h"
#include "temp_dir.h"

namespace aegis::ingest {
namespace {

namespace fs = std::filesystem;

using aegis::testing::TempDir;

struct Read {
  std::vector<Row> rows;
  Status status;
};

Read ReadJson(const TempDir& dir, const std::string& content) {
  std::string path = dir / "records.json";
  std::ofstream(path, std::ios::binary) << content;
  Read out;
  auto reader = OpenTable(path, {});
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  Row row;
  while ((*reader)->Next(&row)) out.rows.push_back(row);
  out.status = (*reader)->status();
  return out;
}

TEST(JsonReader, KoboResultsBecomeColumnsWithTheRepeatGroupKeptAsJson) {
  TempDir dir;
  Read r = ReadJson(dir, R"({"results": [{"a": {"b": 1}, "s": ["x", 2],
      "victims": [{"victims/sex": "female"}]}, {"c": null}]})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0], (Row{"a/b", "s", "victims", "c"}));
  EXPECT_EQ(r.rows[1], (Row{"1", "x 2", R"([{"victims/sex":"female"}])", ""}));
  EXPECT_EQ(r.rows[2], (Row{"", "", "", ""}));
}

// Floats that are whole numbers lose their ".0"; those beyond what a 64-bit integer holds stay
// as written (before: an undefined conversion, reported by UBSan; found by fuzz/json_fuzz.cc).
TEST(JsonReader, WholeFloatsLoseTheirFractionAndHugeOnesStayAsWritten) {
  TempDir dir;
  Read r =
      ReadJson(dir, R"([{"a": 3.0, "b": 2.5, "c": 1e300, "d": -1e19, "e": 123456789012345.0}])");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[1], (Row{"3", "2.5", "1e+300", "-1e+19", "123456789012345"}));
}

// A number no double holds is a bad file, not an uncaught exception that ends the process (found
// by fuzz/json_fuzz.cc: 1e327 threw out_of_range past the reader and called std::terminate).
TEST(JsonReader, NumberBeyondADoubleIsAClearError) {
  TempDir dir;
  for (const char* doc : {R"([{"a": 1e400}])", "{\"a\": 1}\n{\"b\": -1e999}\n"}) {
    Read r = ReadJson(dir, doc);
    EXPECT_EQ(r.status.code(), Status::Code::kInvalidArgument) << doc;
    EXPECT_NE(r.status.message().find("not valid JSON"), std::string::npos) << r.status.ToString();
  }
}

// A hostile upload of deeply nested arrays or objects: an error that says what is wrong, not a
// stack overflow of the server reading it (before: a crash at about 100,000 levels).
TEST(JsonReader, DeeplyNestedValuesAreRefusedWithAClearError) {
  TempDir dir;
  const int depth = 300000;
  for (const auto& [open, close] : {std::pair{"[", "]"}, std::pair{R"({"a":)", "}"}}) {
    std::string nested;
    for (int i = 0; i < depth; ++i) nested += open;
    nested += "1";
    for (int i = 0; i < depth; ++i) nested += close;
    Read r = ReadJson(dir, R"([{"id": 1, "deep": )" + nested + "}]");
    EXPECT_FALSE(r.status.ok());
    EXPECT_NE(r.status.message().find("nested deeper than"), std::string::npos)
        << r.status.ToString();
  }
  // Real exports nest a few levels (groups, repeat groups at any depth): read as before.
  Read ok = ReadJson(dir, R"([{"g": {"h": {"i": [{"j": [{"k": 1}]}]}}}])");
  ASSERT_TRUE(ok.status.ok()) << ok.status.ToString();
  EXPECT_EQ(ok.rows[0], (Row{"g/h/i", "g/h/i/j"}));
}

}  // namespace
}  // namespace aegis::ingest
