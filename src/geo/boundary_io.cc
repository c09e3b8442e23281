#include "geo/boundary_io.h"

#include <cpl_vsi.h>
#include <gdal.h>
#include <gdal_utils.h>

#include <atomic>

namespace aegis::geo {

namespace {
std::string MemPath(const char* stem) {
  static std::atomic<int> n{0};
  return "/vsimem/aegis_" + std::string(stem) + std::to_string(++n) + ".geojson";
}
}  // namespace

Result<std::string> BoundariesToGeoJson(const std::string& path) {
  GDALAllRegister();
  GDALDatasetH src =
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr);
  if (!src) {
    return Status::InvalidArgument(path +
                                   ": not a boundary file GDAL can read (GeoJSON, "
                                   "shapefile with its .shx/.dbf/.prj, GeoPackage, KML)");
  }
  const char* argv[] = {"-f", "GeoJSON", "-t_srs", "EPSG:4326", nullptr};
  GDALVectorTranslateOptions* opts =
      GDALVectorTranslateOptionsNew(const_cast<char**>(argv), nullptr);
  std::string out = MemPath("conv");
  int err = 0;
  GDALDatasetH dst = GDALVectorTranslate(out.c_str(), nullptr, 1, &src, opts, &err);
  GDALVectorTranslateOptionsFree(opts);
  GDALClose(src);
  if (!dst || err) {
    if (dst) GDALClose(dst);
    VSIUnlink(out.c_str());
    return Status::InvalidArgument(path + ": could not convert to WGS84 GeoJSON (" +
                                   CPLGetLastErrorMsg() + "); check the file's projection (.prj)");
  }
  GDALClose(dst);
  vsi_l_offset size = 0;
  GByte* buf = VSIGetMemFileBuffer(out.c_str(), &size, FALSE);
  std::string json(reinterpret_cast<const char*>(buf), static_cast<size_t>(size));
  VSIUnlink(out.c_str());
  return json;
}

Status LoadBoundariesFromGeoJson(Gazetteer& gaz, const std::string& geojson, int level) {
  std::string path = MemPath("load");
  VSILFILE* f = VSIFileFromMemBuffer(path.c_str(),
                                     reinterpret_cast<GByte*>(const_cast<char*>(geojson.data())),
                                     static_cast<vsi_l_offset>(geojson.size()), FALSE);
  if (!f) return Status::Internal("cannot stage boundaries in memory");
  VSIFCloseL(f);
  Status st = gaz.LoadBoundaries(path, level);
  VSIUnlink(path.c_str());
  return st;
}

}  // namespace aegis::geo
