#include <gdal.h>
#include <geos_c.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

#include "geo/boundaries_internal.h"
#include "geo/name_match_internal.h"
#include "util/text.h"

namespace aegis::geo::internal {

namespace {

void GeosMessage(const char* message, void* userdata) {
  *static_cast<std::string*>(userdata) = message;
}

// Field-name forms that hold the P-code of `level`, best first, as squashed lower case.
std::vector<std::string> PcodeFieldNames(int level) {
  std::string l = std::to_string(level);
  return {"adm" + l + "pcode",
          "admin" + l + "pcode",
          "adm" + l + "code",
          "admin" + l + "code",
          "pcode",
          "pcod",
          "admpcode",
          "code"};
}

std::string Squash(const char* name) {
  std::string out;
  for (const char* p = name; *p; ++p) {
    if (std::isalnum(static_cast<unsigned char>(*p))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(*p))));
    }
  }
  return out;
}

// RAII holders for the GDAL C handles used while loading.
struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(ds); }
};
struct FeatureDeleter {
  void operator()(OGRFeatureH f) const { OGR_F_Destroy(f); }
};
using FeaturePtr = std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, FeatureDeleter>;

// Reprojects layer geometries to WGS84 longitude/latitude when the layer has another CRS.
class ToWgs84 {
 public:
  explicit ToWgs84(OGRSpatialReferenceH src) {
    if (src == nullptr) return;
    dst_ = OSRNewSpatialReference(nullptr);
    OSRSetWellKnownGeogCS(dst_, "WGS84");
    OSRSetAxisMappingStrategy(dst_, OAMS_TRADITIONAL_GIS_ORDER);
    src_ = OSRClone(src);
    OSRSetAxisMappingStrategy(src_, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(src_, dst_)) ct_ = OCTNewCoordinateTransformation(src_, dst_);
  }
  ~ToWgs84() {
    if (ct_) OCTDestroyCoordinateTransformation(ct_);
    if (src_) OSRRelease(src_);
    if (dst_) OSRRelease(dst_);
  }
  bool Apply(OGRGeometryH g) const { return ct_ == nullptr || OGR_G_Transform(g, ct_) == 0; }

 private:
  OGRSpatialReferenceH src_ = nullptr, dst_ = nullptr;
  OGRCoordinateTransformationH ct_ = nullptr;
};

}  // namespace

struct BoundaryIndex::Impl {
  struct Polygon {
    GEOSGeometry* geom = nullptr;
    const GEOSPreparedGeometry* prepared = nullptr;
    uint32_t area = 0;
  };
  struct Layer {
    std::vector<Polygon> polygons;
    GEOSSTRtree* tree = nullptr;
  };

  mutable std::mutex mu;
  GEOSContextHandle_t ctx = nullptr;
  GEOSWKBReader* wkb = nullptr;
  std::string last_error;
  std::map<int, Layer> layers;

  Impl() {
    ctx = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(ctx, GeosMessage, &last_error);
    wkb = GEOSWKBReader_create_r(ctx);
  }
  ~Impl() {
    for (auto& [level, layer] : layers) {
      if (layer.tree) GEOSSTRtree_destroy_r(ctx, layer.tree);
      for (Polygon& p : layer.polygons) {
        GEOSPreparedGeom_destroy_r(ctx, p.prepared);
        GEOSGeom_destroy_r(ctx, p.geom);
      }
    }
    GEOSWKBReader_destroy_r(ctx, wkb);
    GEOS_finish_r(ctx);
  }

  // GEOS geometry from an OGR geometry; nullptr for non-areal or unreadable geometry.
  GEOSGeometry* ToGeos(OGRGeometryH g) {
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbPolygon && t != wkbMultiPolygon && t != wkbCurvePolygon && t != wkbMultiSurface) {
      return nullptr;
    }
    OGRGeometryH linear = OGR_G_GetLinearGeometry(g, 0, nullptr);
    if (linear == nullptr) return nullptr;
    std::vector<unsigned char> buf(static_cast<size_t>(OGR_G_WkbSize(linear)));
    OGR_G_ExportToIsoWkb(linear, wkbNDR, buf.data());
    OGR_G_DestroyGeometry(linear);
    GEOSGeometry* geom = GEOSWKBReader_read_r(ctx, wkb, buf.data(), buf.size());
    if (geom != nullptr && GEOSisValid_r(ctx, geom) != 1) {
      GEOSGeometry* fixed = GEOSMakeValid_r(ctx, geom);
      GEOSGeom_destroy_r(ctx, geom);
      geom = fixed;
    }
    if (geom != nullptr && GEOSisEmpty_r(ctx, geom) == 1) {
      GEOSGeom_destroy_r(ctx, geom);
      geom = nullptr;
    }
    return geom;
  }

  void Rebuild(Layer& layer) {
    if (layer.tree) GEOSSTRtree_destroy_r(ctx, layer.tree);
    layer.tree = GEOSSTRtree_create_r(ctx, 10);
    for (size_t i = 0; i < layer.polygons.size(); ++i) {
      GEOSSTRtree_insert_r(ctx, layer.tree, layer.polygons[i].geom,
                           // NOLINTNEXTLINE(performance-no-int-to-ptr): GEOS items are opaque
                           reinterpret_cast<void*>(static_cast<uintptr_t>(i)));
    }
  }

  int FindPcodeField(OGRLayerH layer, int level, const AreaLookup& area_of);
  Status LoadLayer(OGRLayerH layer, const std::string& path, int level, const AreaLookup& area_of,
                   std::vector<Loaded>* loaded, LoadStats* stats);
};

int BoundaryIndex::Impl::FindPcodeField(OGRLayerH layer, int level, const AreaLookup& area_of) {
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
  int n = OGR_FD_GetFieldCount(defn);
  for (const std::string& want : PcodeFieldNames(level)) {
    for (int i = 0; i < n; ++i) {
      if (Squash(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i))) == want) return i;
    }
  }
  // No familiar name: take the field whose values are most often known P-codes.
  std::vector<int> hits(static_cast<size_t>(n), 0);
  OGR_L_ResetReading(layer);
  for (int k = 0; k < 50; ++k) {
    FeaturePtr f(OGR_L_GetNextFeature(layer));
    if (!f) break;
    for (int i = 0; i < n; ++i) {
      if (area_of(NormalizeCode(OGR_F_GetFieldAsString(f.get(), i))))
        ++hits[static_cast<size_t>(i)];
    }
  }
  OGR_L_ResetReading(layer);
  auto best = std::max_element(hits.begin(), hits.end());
  return (best == hits.end() || *best == 0) ? -1 : static_cast<int>(best - hits.begin());
}

Status BoundaryIndex::Impl::LoadLayer(OGRLayerH layer, const std::string& path, int level,
                                      const AreaLookup& area_of, std::vector<Loaded>* loaded,
                                      LoadStats* stats) {
  int field = FindPcodeField(layer, level, area_of);
  if (field < 0) {
    return Status::InvalidArgument(
        path + ", layer " + OGR_L_GetName(layer) + ": no attribute holds P-codes of level " +
        std::to_string(level) + "; name it ADM" + std::to_string(level) +
        "_PCODE or check that the boundaries match the loaded admin areas");
  }
  stats->pcode_field = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(OGR_L_GetLayerDefn(layer), field));
  ToWgs84 reproject(OGR_L_GetSpatialRef(layer));
  Layer& target = layers[level];
  OGR_L_ResetReading(layer);
  while (FeaturePtr f{OGR_L_GetNextFeature(layer)}) {
    ++stats->features;
    std::optional<uint32_t> area = area_of(NormalizeCode(OGR_F_GetFieldAsString(f.get(), field)));
    if (!area) {
      ++stats->unknown_codes;
      continue;
    }
    OGRGeometryH g = OGR_F_GetGeometryRef(f.get());
    GEOSGeometry* geom = nullptr;
    if (g != nullptr && reproject.Apply(g)) geom = ToGeos(g);
    if (geom == nullptr) {
      ++stats->no_polygon;
      continue;
    }
    Polygon p{geom, GEOSPrepare_r(ctx, geom), *area};
    target.polygons.push_back(p);
    ++stats->loaded;
    double x = 0, y = 0;
    if (GEOSGeometry* pt = GEOSPointOnSurface_r(ctx, geom)) {
      GEOSGeomGetX_r(ctx, pt, &x);
      GEOSGeomGetY_r(ctx, pt, &y);
      GEOSGeom_destroy_r(ctx, pt);
      loaded->push_back({*area, y, x});
    }
  }
  Rebuild(target);
  return Status::Ok();
}

BoundaryIndex::BoundaryIndex() : impl_(std::make_unique<Impl>()) {}
BoundaryIndex::~BoundaryIndex() = default;

Status BoundaryIndex::Load(const std::string& path, int level, const AreaLookup& area_of,
                           std::vector<Loaded>* loaded, LoadStats* stats) {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
  std::unique_ptr<void, DatasetCloser> ds(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  if (!ds) {
    return Status::IOError(path + ": cannot open as vector data (" + CPLGetLastErrorMsg() +
                           "); give a GeoJSON, shapefile (.shp with its .dbf/.shx) or GeoPackage");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  int layers = GDALDatasetGetLayerCount(ds.get());
  for (int i = 0; i < layers; ++i) {
    AEGIS_RETURN_IF_ERROR(
        impl_->LoadLayer(GDALDatasetGetLayer(ds.get(), i), path, level, area_of, loaded, stats));
  }
  if (stats->loaded == 0) {
    return Status::InvalidArgument(path + ": no polygon of a known level-" + std::to_string(level) +
                                   " P-code (" + std::to_string(stats->features) + " features, " +
                                   std::to_string(stats->unknown_codes) +
                                   " with unknown P-codes); check the level and the file");
  }
  return Status::Ok();
}

std::vector<uint32_t> BoundaryIndex::Containing(double lat, double lon, int level) const {
  std::vector<uint32_t> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->layers.find(level);
  if (it == impl_->layers.end() || it->second.tree == nullptr) return out;
  const Impl::Layer& layer = it->second;
  GEOSContextHandle_t ctx = impl_->ctx;
  GEOSGeometry* pt = GEOSGeom_createPointFromXY_r(ctx, lon, lat);
  if (pt == nullptr) return out;
  std::vector<size_t> candidates;
  GEOSSTRtree_query_r(
      ctx, layer.tree, pt,
      [](void* item, void* user) {
        static_cast<std::vector<size_t>*>(user)->push_back(reinterpret_cast<uintptr_t>(item));
      },
      &candidates);
  std::sort(candidates.begin(), candidates.end());
  for (size_t i : candidates) {
    const Impl::Polygon& p = layer.polygons[i];
    if (GEOSPreparedIntersects_r(ctx, p.prepared, pt) == 1 &&
        std::find(out.begin(), out.end(), p.area) == out.end()) {
      out.push_back(p.area);
    }
  }
  GEOSGeom_destroy_r(ctx, pt);
  return out;
}

std::vector<int> BoundaryIndex::Levels() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<int> out;
  for (auto it = impl_->layers.rbegin(); it != impl_->layers.rend(); ++it) out.push_back(it->first);
  return out;
}

}  // namespace aegis::geo::internal
