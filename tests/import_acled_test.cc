// ACLED imports against the real files in ../shared/data (read there, never copied).
#include <map>

#include "ingest/csv_reader.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

const std::string kAcledOld =
    kShared + "/data/acled-ssd-2011-2018/ACLED - 1900-01-01-2018-07-11-South_Sudan.csv";
const std::string kAcled2021 =
    kShared +
    "/data/ssd-resilience-acled-dtm/data/contextual/ACLED 2020-07-30-2021-08-31-South_Sudan.csv";
const std::string kAcledMali =
    kShared + "/data/acled-mli-2017-2020/MINUSMA/2017-01-01-2020-12-31-Mali.csv";
const std::string kAcledCurrent =
    kShared +
    "/data/acled-ssd-mli-car-bdi-2007-2020/Input/"
    "2007-01-01-2020-12-31-Burundi-Central_African_Republic-Mali-South_Sudan.csv";

// Rows of an ACLED file whose country column is `country`.
int64_t CountRows(const std::string& file, const std::string& country) {
  auto r = ingest::OpenCsv(file, 0);
  ingest::Row row, header;
  (*r)->Next(&header);
  size_t col = std::find(header.begin(), header.end(), "country") - header.begin();
  int64_t n = 0;
  while ((*r)->Next(&row)) n += row.size() > col && row[col] == country;
  return n;
}

struct Case {
  const std::string* file;
  const char* name;
};

TEST(AcledImport, EveryFileAddsUpAndSouthSudanEventsLandOnCounties) {
  const Case cases[] = {{&kAcledOld, "acled-ssd-2011-2018 (pre-2019 schema)"},
                        {&kAcled2021, "ssd-resilience-acled-dtm (2020-21 schema)"},
                        {&kAcledCurrent, "acled-ssd-mli-car-bdi (current schema)"},
                        {&kAcledMali, "acled-mli-2017-2020 (Mali)"}};
  for (const Case& c : cases) {
    TempDir dir;
    auto store = NewStore(dir, {"MLI", "CAF", "BDI"});
    auto sum = Import(*store, *c.file, "acled");
    ASSERT_TRUE(sum.ok()) << c.name << ": " << sum.status().ToString();
    EXPECT_ACCOUNTED(*sum);
    EXPECT_EQ(sum->read, CountRows(*c.file, "South Sudan") + CountRows(*c.file, "Mali") +
                             CountRows(*c.file, "Central African Republic") +
                             CountRows(*c.file, "Burundi"));
    EXPECT_EQ(sum->updated, 0);
    int64_t ssd = CountRows(*c.file, "South Sudan");
    std::string db = StoreUrl(dir, "t.sqlite");
    if (ssd > 0) {
      int64_t county =
          QueryInt(db, "SELECT count(*) FROM incident WHERE country='SSD' AND area_level>=2");
      double share = 100.0 * county / ssd;
      std::printf(
          "[figure] %s: %lld South Sudan events, %lld (%.2f%%) on a county P-code, %lld "
          "quarantined\n",
          c.name, (long long)ssd, (long long)county, share, (long long)sum->quarantined);
      EXPECT_GE(share, 98.0) << c.name;
    } else {
      int64_t placed = QueryInt(db, "SELECT count(*) FROM incident WHERE area_level>=2");
      std::printf("[figure] %s: %lld events, %lld on an admin2 P-code, %lld quarantined\n", c.name,
                  (long long)sum->read, (long long)placed, (long long)sum->quarantined);
    }
    for (const auto& r : sum->quarantine_reasons)
      std::printf("[figure]   quarantined %lld: %s\n", (long long)r.count, r.reason.c_str());
  }
}

TEST(AcledImport, ReimportingTheSameFileChangesNothing) {
  TempDir dir;
  auto store = NewStore(dir);
  auto first = Import(*store, kAcled2021, "acled");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string digest = store->ContentDigest().value();
  auto again = Import(*store, kAcled2021, "acled");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->read, first->read);
  EXPECT_EQ(again->imported, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, first->imported);
  EXPECT_EQ(again->quarantined, first->quarantined);
  EXPECT_EQ(store->ContentDigest().value(), digest);
}

TEST(AcledImport, ANewerExportUpdatesChangedEventsByTheirKey) {
  TempDir dir;
  auto store = NewStore(dir);
  ASSERT_TRUE(Import(*store, kAcled2021, "acled").ok());
  // The "newer export": three events revised (fatalities), one new event, the rest as before.
  std::string text = ReadFile(kAcled2021);
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  std::string added = lines[1];  // the new event: a copy of an unrevised one, with a new id
  int changed = 0;
  for (size_t i = 1; i < lines.size() && changed < 3; ++i) {
    std::string& l = lines[i];
    // Complete one-line records end with ",<fatalities>,<timestamp>,SSD" (unquoted).
    if (l.size() < 4 || l.compare(l.size() - 4, 4, ",SSD") != 0 || !std::isdigit(l[0])) continue;
    size_t last = l.rfind(','), prev = l.rfind(',', last - 1), fat = l.rfind(',', prev - 1);
    l = l.substr(0, fat + 1) + "99" + l.substr(prev);
    ++changed;
  }
  ASSERT_EQ(changed, 3);
  size_t id = added.find("SSD");
  added.replace(id, added.find(',', id) - id, "SSD999999");
  lines.push_back(added);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  WriteFile(dir / "newer.csv", out);
  auto sum = Import(*store, dir / "newer.csv", "acled");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->updated, 3) << sum->ToJson();
  EXPECT_EQ(sum->imported, 1);
  EXPECT_ACCOUNTED(*sum);
  EXPECT_EQ(QueryInt(StoreUrl(dir), "SELECT count(*) FROM incident WHERE killed=99"), 3);
}

TEST(AcledImport, ReducedXlsxExtractWithCountiesInTheAdm1Column) {
  TempDir dir;
  auto store = NewStore(dir);
  std::string file = kShared + "/data/acled-reduced-afg-ssd/data/acled_south_sudan.xlsx";
  auto sum = Import(*store, file, "acled-reduced");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 17077);
  EXPECT_ACCOUNTED(*sum);
  int64_t county = QueryInt(StoreUrl(dir), "SELECT count(*) FROM incident WHERE area_level>=2");
  std::printf(
      "[figure] acled-reduced SSD xlsx: %lld events, %lld on a county P-code, %lld "
      "quarantined\n",
      (long long)sum->read, (long long)county, (long long)sum->quarantined);
  for (const auto& r : sum->quarantine_reasons)
    std::printf("[figure]   quarantined %lld: %s\n", (long long)r.count, r.reason.c_str());
  EXPECT_GE(county, sum->read * 98 / 100);
  auto again = Import(*store, file, "acled-reduced");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, sum->imported);  // identical rows are numbered, not doubled
}

TEST(AcledImport, AfghanistanExtractLandsOnProvinces) {
  TempDir dir;
  auto store = NewStore(dir, {"AFG"});
  auto sum = Import(*store, kShared + "/data/acled-reduced-afg-ssd/data/acled_afghanistan.xlsx",
                    "acled-reduced");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 69172);
  EXPECT_ACCOUNTED(*sum);
  EXPECT_EQ(sum->quarantined, 0) << sum->ToJson();  // Paktia and Wardak through aliases.csv
  EXPECT_EQ(QueryInt(StoreUrl(dir),
                     "SELECT count(*) FROM incident WHERE area_level=1 AND "
                     "area_pcode LIKE 'AF%'"),
            sum->imported);
}

}  // namespace
}  // namespace aegis::testing
