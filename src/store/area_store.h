// AreaStore: the places and the reference lists the records point at — admin areas by P-code,
// their population and boundaries, and the protection risks' bit numbers. Part of the Store
// (store.h); the importer writes them, the analysis and the map read them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

class AreaStore {
 public:
  virtual ~AreaStore() = default;

  // --- areas ---------------------------------------------------------------------------------
  // Inserts or updates areas by P-code; parents must be present in the same call or before.
  virtual Status UpsertAreas(const std::vector<AreaRow>& areas) = 0;
  virtual Result<std::vector<AreaRow>> LoadAreas() = 0;
  virtual Status UpsertPopulation(const std::vector<Population>& rows) = 0;
  virtual Result<std::vector<Population>> LoadPopulation() = 0;
  // Admin polygons of one level, as WGS84 GeoJSON text (replaces that level's polygons).
  virtual Status PutBoundaries(int level, const std::string& geojson,
                               const std::string& source_file) = 0;
  virtual Result<std::vector<std::pair<int, std::string>>> GetBoundaries() = 0;

  // --- risks ---------------------------------------------------------------------------------
  // Records the protection risks (code, id 1..63) so that incidents can store their risks as a
  // bit set; called with the taxonomy at start. Codes never change their id once stored.
  virtual Status SyncRisks(const std::vector<std::pair<std::string, int>>& risks) = 0;
  virtual Result<std::vector<std::pair<std::string, int64_t>>> RiskBits() = 0;  // (code, bit)
};

}  // namespace aegis::store
