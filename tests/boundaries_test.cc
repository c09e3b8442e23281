// Boundaries: polygons stored in the store and used to place records given only by coordinates.
#include "test_util.h"

namespace aegis::testing {
namespace {

// Two squares of 0.1 degree around the centroids of Bungu (SS010101) and Dolo (SS010102).
const char* kGeoJson = R"({"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"ADM3_PCODE":"SS010101","ADM3_EN":"Bungu"},
 "geometry":{"type":"Polygon","coordinates":[[[31.177,4.647],[31.277,4.647],[31.277,4.747],[31.177,4.747],[31.177,4.647]]]}},
{"type":"Feature","properties":{"ADM3_PCODE":"SS010102","ADM3_EN":"Dolo"},
 "geometry":{"type":"Polygon","coordinates":[[[31.016,4.885],[31.116,4.885],[31.116,4.985],[31.016,4.985],[31.016,4.885]]]}}]})";

TEST(Boundaries, StoredPolygonsPlaceCoordinatesByPointInPolygon) {
  TempDir dir;
  std::string db = StoreUrl(dir, "b.sqlite");
  ASSERT_EQ(
      RunAegis("--db " + db + " areas import " + kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv")
          .exit_code,
      0);
  WriteFile(dir / "payams.geojson", kGeoJson);
  auto b = RunAegis("--db " + db + " areas boundaries " + (dir / "payams.geojson") + " --level 3");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(b.output.find("admin3 boundaries stored"), std::string::npos);
  // A Kobo submission with only its GPS point, inside Dolo's square but nearer no centroid rule.
  WriteFile(dir / "gps.csv",
            "_uuid;incident_date;partner;risks;_incident_gps_latitude;_incident_gps_longitude\n"
            "g1;2024-03-01;DEMO-ALPHA;attack;4.95;31.10\n"
            "g2;2024-03-01;DEMO-ALPHA;attack;10.0;-20.0\n");
  auto r =
      RunAegis("--db " + db + " import " + (dir / "gps.csv") + " --profile kobo-incident --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"point_in_polygon\": 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"quarantined\": 1"), std::string::npos) << r.output;  // in the Atlantic
  auto bad = RunAegis("--db " + db + " areas boundaries " + (dir / "gps.csv") + " --level 3");
  EXPECT_NE(bad.exit_code, 0);
}

}  // namespace
}  // namespace aegis::testing
