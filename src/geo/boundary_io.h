// Admin boundaries as the store keeps them: GeoJSON text in WGS84, converted by GDAL from
// whatever a user has (GeoJSON, shapefile with its .prj/.dbf, GeoPackage, KML).
#pragma once

#include <string>

#include "geo/gazetteer.h"
#include "util/status.h"

namespace aegis::geo {

// Reads any vector file GDAL knows and returns it as GeoJSON in WGS84 (EPSG:4326).
Result<std::string> BoundariesToGeoJson(const std::string& path);

// Loads polygons held as GeoJSON text into `gaz` (through GDAL's in-memory files).
// REQUIRES: gaz is finalized.
Status LoadBoundariesFromGeoJson(Gazetteer& gaz, const std::string& geojson, int level);

}  // namespace aegis::geo
