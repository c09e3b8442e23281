// The key figure: how many South Sudan events in real ACLED exports land on a county P-code.
// The ACLED files are read from the shared test-data folder only; none is copied here.

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <unordered_map>

#include "geo/gazetteer.h"
#include "ingest/area_import.h"
#include "ingest/csv_reader.h"
#include "util/text.h"

namespace aegis::geo {
namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(AEGIS_SHARED_DIR) + "/data";

std::vector<std::string> AcledFiles() {
  std::vector<std::string> out;
  for (const char* dir : {"acled-ssd-2011-2018", "ssd-resilience-acled-dtm/data/contextual",
                          "acled-ssd-mli-car-bdi-2007-2020/Input"}) {
    fs::path d = fs::path(kData) / dir;
    if (!fs::exists(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      std::string name = e.path().filename().string();
      if (e.path().extension() == ".csv" && (name.rfind("ACLED", 0) == 0 || name[0] == '2')) {
        out.push_back(e.path().string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct FileFigure {
  int events = 0, county = 0, payam = 0;
  std::map<std::string, int> methods;         // weakest step down to the deepest area
  std::map<std::string, int> county_methods;  // admin1 + admin2 only
  std::map<std::pair<std::string, std::string>, int> unresolved;  // (admin1, admin2) -> events
};

int Column(const ingest::Row& header, const char* name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (text::Trim(header[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

FileFigure ResolveFile(const Gazetteer& g, const std::string& path) {
  FileFigure fig;
  auto reader = ingest::OpenCsv(path, 0);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return fig;
  ingest::Row row;
  EXPECT_TRUE((*reader)->Next(&row));
  int country = Column(row, "country"), a1 = Column(row, "admin1"), a2 = Column(row, "admin2"),
      a3 = Column(row, "admin3"), loc = Column(row, "location"), lat = Column(row, "latitude"),
      lon = Column(row, "longitude");
  EXPECT_TRUE(country >= 0 && a1 >= 0 && a2 >= 0 && a3 >= 0 && loc >= 0 && lat >= 0 && lon >= 0);
  std::unordered_map<std::string, Resolution> cache, county_cache;  // as the importer does
  while ((*reader)->Next(&row)) {
    if (row.size() <= static_cast<size_t>(lon) || row[country] != "South Sudan") continue;
    PlaceQuery q{row[country], "", row[a1], row[a2], row[a3], row[loc], {}, {}};
    double v;
    if (text::ParseDouble(row[lat], &v)) q.lat = v;
    if (text::ParseDouble(row[lon], &v)) q.lon = v;
    std::string key = q.admin1 + '\x1f' + q.admin2 + '\x1f' + q.admin3 + '\x1f' + q.location +
                      '\x1f' + row[lat] + '\x1f' + row[lon];
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, g.Resolve(q)).first;
    const Resolution& r = it->second;
    std::string county_key = q.admin1 + '\x1f' + q.admin2;
    auto ct = county_cache.find(county_key);
    if (ct == county_cache.end()) {
      PlaceQuery cq{q.country, "", q.admin1, q.admin2, "", "", {}, {}};
      ct = county_cache.emplace(county_key, g.Resolve(cq)).first;
    }
    ++fig.county_methods[MethodName(ct->second.method)];
    ++fig.events;
    ++fig.methods[MethodName(r.method)];
    if (r.level >= 2) ++fig.county;
    if (r.level >= 3) ++fig.payam;
    if (r.level < 2) ++fig.unresolved[{q.admin1, q.admin2}];
  }
  EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  return fig;
}

TEST(ResolveAcledTest, AtLeast98PercentOfSouthSudanEventsLandOnACounty) {
  auto built = ingest::BuildGazetteer({kData + "/ssd-payam-pcodes/ssd_adm3_payams_pcodes.csv"},
                                      std::string(AEGIS_SOURCE_DIR) + "/data/geo/aliases.csv");
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const Gazetteer& g = built.value();
  std::vector<std::string> files = AcledFiles();
  if (files.empty()) GTEST_SKIP() << "no ACLED files under " << kData;
  EXPECT_EQ(files.size(), 3u);
  for (const std::string& path : files) {
    FileFigure fig = ResolveFile(g, path);
    ASSERT_GT(fig.events, 0) << path;
    double share = 100.0 * fig.county / fig.events;
    std::cout << "[ACLED] " << fs::path(path).filename().string() << ": " << fig.county << "/"
              << fig.events << " events on a county P-code (" << share << "%), " << fig.payam
              << " on a payam; methods:";
    for (const auto& [m, n] : fig.methods) std::cout << " " << m << "=" << n;
    std::cout << "; county step alone:";
    for (const auto& [m, n] : fig.county_methods) std::cout << " " << m << "=" << n;
    std::cout << "\n";
    for (const auto& [pair, n] : fig.unresolved) {
      std::cout << "[ACLED]   below county: admin1 '" << pair.first << "', admin2 '" << pair.second
                << "': " << n << " events\n";
    }
    EXPECT_GE(share, 98.0) << path;
  }
}

}  // namespace
}  // namespace aegis::geo
