// BoundaryIndex: admin-area polygons read through GDAL/OGR (GeoJSON, shapefile, GeoPackage, ...)
// and kept as GEOS prepared geometries in one STRtree per admin level, for point-in-polygon
// look-ups. Private to src/geo; the Gazetteer owns one.
//
// Thread safety: Load and Containing may be called from several threads; an internal mutex
// serialises them (GEOS prepared geometries and STRtrees build lazy caches on first use, and one
// GEOS context handle is shared).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace aegis::geo::internal {

class BoundaryIndex {
 public:
  // Maps a normalised P-code to the gazetteer's area index, or nullopt when unknown.
  using AreaLookup = std::function<std::optional<uint32_t>(const std::string& pcode)>;

  struct Loaded {
    uint32_t area;
    double lat, lon;  // a point inside the polygon (GEOS point on surface)
  };
  struct LoadStats {
    int features = 0;       // features read
    int loaded = 0;         // polygons kept
    int unknown_codes = 0;  // P-code not in the gazetteer
    int no_polygon = 0;     // empty, non-areal or unreadable geometry
    std::string pcode_field;
  };

  BoundaryIndex();
  ~BoundaryIndex();
  BoundaryIndex(const BoundaryIndex&) = delete;
  BoundaryIndex& operator=(const BoundaryIndex&) = delete;

  // Reads every layer of `path`, takes each feature's P-code from an auto-detected attribute
  // (ADM2_PCODE, admin2Pcode, pcode, ... or, failing those, the text field whose values are
  // known P-codes), reprojects to WGS84 when the layer has another CRS, and indexes the polygons
  // of known areas under `level`. Appends one entry per kept polygon to *loaded.
  Status Load(const std::string& path, int level, const AreaLookup& area_of,
              std::vector<Loaded>* loaded, LoadStats* stats);

  // Areas at `level` whose polygon contains or touches the point. Empty if none or no polygons.
  std::vector<uint32_t> Containing(double lat, double lon, int level) const;

  // Levels that have polygons, deepest first.
  std::vector<int> Levels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::geo::internal
