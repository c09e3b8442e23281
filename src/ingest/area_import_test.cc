#include "ingest/area_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "temp_dir.h"

namespace aegis::ingest {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(AEGIS_SHARED_DIR) + "/data";
const std::string kPayams = kData + "/ssd-payam-pcodes/ssd_adm3_payams_pcodes.csv";
const std::string kGlobal =
    kData + "/hdx-python-country-pcodes/tests/fixtures/fixtures-download-global-pcodes-adm-1-2.csv";
const std::string kDtm = kData +
                         "/ssd-resilience-acled-dtm/data/contextual/"
                         "Displacement_dtm-south-sudan-baseline-assessment-round-9.csv";

// A file in a fresh temporary folder (tests/temp_dir.h), removed with the object.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) : path_(dir_ / name) {
    std::ofstream(path_) << content;
  }
  const std::string& path() const { return path_; }

 private:
  aegis::testing::TempDir dir_;
  std::string path_;
};

std::map<int, int> CountByLevel(const std::vector<geo::Area>& areas) {
  std::map<int, int> n;
  for (const geo::Area& a : areas) ++n[a.level];
  return n;
}

TEST(AreaImportTest, WideSouthSudanPayamList) {
  std::vector<std::string> warnings;
  auto r = ReadAreas(kPayams, "", &warnings);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // data.md says 10 states + Abyei, 79 counties, 512 payams; the file has exactly that.
  std::map<int, int> n = CountByLevel(*r);
  EXPECT_EQ(n[1], 11);
  EXPECT_EQ(n[2], 79);
  EXPECT_EQ(n[3], 512);
  EXPECT_TRUE(warnings.empty()) << warnings.front();

  std::map<std::string, const geo::Area*> by_code;
  for (const geo::Area& a : *r) by_code[a.pcode] = &a;
  for (const geo::Area& a : *r) {
    EXPECT_EQ(a.country, "SSD");
    ASSERT_TRUE(a.lat && a.lon) << a.pcode;
    if (a.level == 1) {
      EXPECT_TRUE(a.parent_pcode.empty());
      continue;
    }
    ASSERT_TRUE(by_code.count(a.parent_pcode)) << a.pcode;
    EXPECT_EQ(by_code[a.parent_pcode]->level, a.level - 1);
    EXPECT_EQ(a.pcode.rfind(a.parent_pcode, 0), 0u) << a.pcode;
  }
  EXPECT_EQ(by_code["SS0902"]->name, "Raja");
  EXPECT_EQ(by_code["SS0304"]->name, "Canal/Pigi");
  EXPECT_EQ(by_code["SS00"]->name, "Abyei Region");
  // A county's centroid is the mean of its payams'.
  double lat = 0, lon = 0;
  int k = 0;
  for (const geo::Area& a : *r) {
    if (a.parent_pcode != "SS0903") continue;
    lat += *a.lat;
    lon += *a.lon;
    ++k;
  }
  ASSERT_GT(k, 0);
  EXPECT_NEAR(*by_code["SS0903"]->lat, lat / k, 1e-9);
  EXPECT_NEAR(*by_code["SS0903"]->lon, lon / k, 1e-9);
}

TEST(AreaImportTest, OchaGlobalListMatchesThePayamListForSouthSudan) {
  auto global = ReadAreas(kGlobal, "SSD");
  ASSERT_TRUE(global.ok()) << global.status().ToString();
  auto wide = ReadAreas(kPayams);
  ASSERT_TRUE(wide.ok());
  std::map<std::string, std::pair<std::string, std::string>> a, b;  // code -> (name, parent)
  for (const geo::Area& x : *global) a[x.pcode] = {x.name, x.parent_pcode};
  for (const geo::Area& x : *wide) {
    if (x.level <= 2) b[x.pcode] = {x.name, x.parent_pcode};
  }
  EXPECT_EQ(a.size(), 90u);
  EXPECT_EQ(a, b);
  for (const geo::Area& x : *global) EXPECT_EQ(x.country, "SSD");

  auto all = ReadAreas(kGlobal);  // every country
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::set<std::string> countries;
  for (const geo::Area& x : *all) countries.insert(x.country);
  EXPECT_EQ(countries.size(), 156u);
}

TEST(AreaImportTest, HxlTaggedTable) {
  TempFile f("hxl.csv",
             "County code,County,State code,State,Other names,Lat,Lon\n"
             "#adm2+code,#adm2+name,#adm1+code,#adm1+name,#adm2+name+alt,#geo+lat,#geo+lon\n"
             "SS0902,Raja,SS09,Western Bahr el Ghazal,Raga,8.46,25.68\n"
             "SS0903,Wau,SS09,Western Bahr el Ghazal,,7.70,28.00\n");
  auto r = ReadAreas(f.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].pcode, "SS09");
  EXPECT_NEAR(*(*r)[0].lat, (8.46 + 7.70) / 2, 1e-9);
  EXPECT_EQ((*r)[1].name, "Raja");
  EXPECT_EQ((*r)[1].alt_names, std::vector<std::string>{"Raga"});
  EXPECT_EQ((*r)[1].parent_pcode, "SS09");
  EXPECT_EQ((*r)[1].country, "SSD");
}

TEST(AreaImportTest, HxlTagRowWithoutHeader) {
  TempFile f("tags_only.csv",
             "#adm1+code,#adm1+name,#adm2+code,#adm2+name\n"
             "SS09,Western Bahr el Ghazal,SS0902,Raja\n");
  auto r = ReadAreas(f.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
}

TEST(AreaImportTest, GenericLongList) {
  TempFile f("long.csv",
             "pcode,name,level,parent_pcode,country,alt_names,lat,lon\n"
             "SS09,Western Bahr el Ghazal,1,,SSD,WBeG|W. Bahr el Ghazal,,\n"
             "SS0902,Raja,2,SS09,SSD,Raga,8.46,25.68\n");
  auto r = ReadAreas(f.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].alt_names, (std::vector<std::string>{"WBeG", "W. Bahr el Ghazal"}));
  EXPECT_NEAR(*(*r)[0].lat, 8.46, 1e-9);  // derived from its only child
  auto g = BuildGazetteer({f.path()}, "");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  geo::PlaceQuery q;
  q.admin1 = "WBeG";
  q.admin2 = "raga";
  EXPECT_EQ(g->Resolve(q).pcode, "SS0902");
}

TEST(AreaImportTest, ErrorsNameFileRowAndColumn) {
  TempFile dup("dup.csv",
               "adm2_pcode,adm2_name,adm1_pcode,adm1_name\n"
               "SS0902,Raja,SS09,Western Bahr el Ghazal\n"
               "SS0902,Wau,SS09,Western Bahr el Ghazal\n");
  auto r = ReadAreas(dup.path());
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("dup.csv row 3, column adm2_pcode: P-code SS0902 is named 'Wau' here and "
                   "'Raja' (first seen at row 2)"),
            std::string::npos)
      << m;

  TempFile orphan("orphan.csv", "pcode,name,level,parent_pcode\nSS0902,Raja,2,SS09\n");
  r = ReadAreas(orphan.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 2, column Parent P-Code: parent SS09 of SS0902 is "
                                      "not in the file"),
            std::string::npos)
      << r.status().message();

  TempFile bad_lat("lat.csv", "adm1_pcode,adm1_name,lat,lon\nSS09,WBeG,north,25\n");
  r = ReadAreas(bad_lat.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 2, column lat"), std::string::npos);

  EXPECT_FALSE(ReadAreas(kPayams, "Atlantis").ok());
}

TEST(AreaImportTest, PrefixMismatchAndRepeatedRowsAreWarnings) {
  TempFile f("warn.csv",
             "adm3_pcode,adm3_name,adm2_pcode,adm2_name,adm1_pcode,adm1_name\n"
             "SS090301,Bagari,SS0903,Wau,SS09,Western Bahr el Ghazal\n"
             "SS080101,Odd,SS0903,Wau,SS09,Western Bahr el Ghazal\n"
             "SS090301,Bagari,SS0903,Wau,SS09,Western Bahr el Ghazal\n");
  std::vector<std::string> warnings;
  auto r = ReadAreas(f.path(), "SSD", &warnings);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 4u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("row 3: P-code SS080101 does not start with its parent's code "
                             "SS0903"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("row 4: repeats P-code SS090301"), std::string::npos);
}

TEST(AreaImportTest, DtmCountyTableReadsAsAreasAndAsFigures) {
  std::vector<std::string> warnings;
  auto areas = ReadAreas(kDtm, "", &warnings);
  ASSERT_TRUE(areas.ok()) << areas.status().ToString();
  std::map<int, int> n = CountByLevel(*areas);
  EXPECT_EQ(n[1], 10);  // DTM round 9 has no row for Abyei
  EXPECT_EQ(n[2], 78);
  ASSERT_EQ(warnings.size(), 1u);  // the "Total" row
  EXPECT_NE(warnings[0].find("row 80, column state_pcode: a 'Total' row"), std::string::npos)
      << warnings[0];

  auto figures = ReadPopulation(kDtm);
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  ASSERT_EQ(figures->size(), 78u);  // the total and percentage rows have no county code
  const PopulationFigure& juba = (*figures)[0];
  EXPECT_EQ(juba.pcode, "SS0101");
  EXPECT_EQ(juba.total, 90538);  // " 90,538 "
  EXPECT_EQ(juba.year, 0);
  EXPECT_EQ(juba.source, "Displacement_dtm-south-sudan-baseline-assessment-round-9.csv");
  EXPECT_FALSE(juba.female.has_value());
  int64_t sum = 0;
  for (const PopulationFigure& f : *figures) sum += f.total;
  EXPECT_EQ(sum, 1615765);  // the file's own Total row

  // The DTM's county spellings resolve, by name, to the DTM's own county codes.
  auto g = BuildGazetteer({kPayams}, std::string(AEGIS_SOURCE_DIR) + "/data/geo/aliases.csv");
  ASSERT_TRUE(g.ok());
  for (const geo::Area& a : *areas) {
    if (a.level != 2) continue;
    geo::PlaceQuery q;
    q.country = "SSD";
    q.admin1 = g->Find(a.parent_pcode)->name;
    q.admin2 = a.name;
    geo::Resolution r = g->Resolve(q);
    EXPECT_EQ(r.pcode, a.pcode) << a.name << ": " << r.note;
  }
}

TEST(AreaImportTest, HxlPopulationWithSexBreakdown) {
  std::string path = kData +
                     "/hdx-hapi-fixtures/tests/fixtures/input/"
                     "population_afg_afg_admpop_adm1_2021_v2.csv";
  auto figures = ReadPopulation(path);
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  ASSERT_EQ(figures->size(), 34u);
  const PopulationFigure& f = (*figures)[0];
  EXPECT_EQ(f.pcode, "AF17");  // Badakhshan
  EXPECT_EQ(f.total, 1357036);
  EXPECT_EQ(f.female, 666004);
  EXPECT_EQ(f.male, 691032);

  TempFile bad("pop.csv", "adm2_pcode,total\nSS0101,lots\n");
  auto r = ReadPopulation(bad.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 2, column total: 'lots' is not a whole number"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace aegis::ingest
