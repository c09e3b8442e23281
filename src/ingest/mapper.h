// RowMapper: turns one source row into an Aegis record, or into a quarantined row with reasons.
//
// Built once per file from a profile and the file's header (and HXL tag row); then Map() runs
// per row. Pure: no I/O, no store access. Not thread-safe (it caches place resolutions).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/gazetteer.h"
#include "ingest/profile.h"
#include "ingest/table.h"
#include "store/records.h"
#include "taxonomy/taxonomy.h"

namespace aegis::ingest {

struct MapContext {
  const Profile* profile = nullptr;
  const taxonomy::Taxonomy* taxonomy = nullptr;
  const taxonomy::EventRiskMap* event_risks = nullptr;  // may be null
  const geo::Gazetteer* gazetteer = nullptr;
  // Victims from a repeat group, by the parent row's index value.
  const std::unordered_map<std::string, std::vector<store::VictimGroup>>* victims_by_parent =
      nullptr;
  std::string today;  // ISO date; later dates are rejected
};

// What a row became.
enum class MapOutcome { kIncident, kReport, kQuarantined };

struct MapStats {
  std::map<std::string, int64_t> place_methods;  // "name" -> rows ...
  std::map<int, int64_t> place_levels;           // admin level -> rows
  int64_t formula_like_cells = 0;                // text cells that a spreadsheet would execute
  int64_t no_risk = 0;                           // context events mapped to no protection risk
};

class RowMapper {
 public:
  // Binds profile fields to columns. Fails (for the whole file) when a required column is
  // missing, saying which, what the header has, and whether the separator looks wrong.
  static Result<std::unique_ptr<RowMapper>> Create(const MapContext& ctx, const Row& header,
                                                   const Row& hxl_tags,
                                                   const std::string& file_name);

  MapOutcome Map(const Row& row, int64_t record_no, store::Incident* inc,
                 store::MonitoringReport* rep, store::QuarantinedRow* q);

  const MapStats& stats() const { return stats_; }
  // JSON object of the row ({"column": "value"}), for quarantine and for people.
  std::string RawJson(const Row& row) const;

 private:
  struct Bound {
    std::vector<int> cols;  // candidate column indexes in order (first non-empty wins)
    std::vector<std::pair<int, std::string>> options;  // prefix columns: (index, option)
    const FieldSpec* spec = nullptr;
  };
  struct Problem {
    std::string column, reason, hint;
  };

  RowMapper(const MapContext& ctx, Row header) : ctx_(ctx), header_(std::move(header)) {}
  Status Bind(const Row& hxl_tags, const std::string& file_name);
  std::vector<int> FindColumns(const std::string& want, const Row& hxl_tags) const;

  std::string Value(const char* field, const Row& row, int* col = nullptr) const;
  std::vector<std::string> Values(const char* field, const Row& row) const;
  std::string ColumnName(int col) const;
  std::string MapValue(const char* field, const std::string& v) const;

  bool MapCommon(const Row& row, std::string* key, std::string* date_start, std::string* date_end,
                 store::Placement* place, std::string* country, std::optional<double>* lat,
                 std::optional<double>* lon, Problem* p);
  bool MapDates(const Row& row, std::string* start, std::string* end, Problem* p);
  bool MapPlace(const Row& row, store::Placement* place, std::string* country,
                std::optional<double>* lat, std::optional<double>* lon, Problem* p);
  bool MapRisks(const Row& row, std::vector<std::string>* risks, std::string* event_type,
                std::string* act_type, Problem* p);
  bool MapCount(const char* field, const Row& row, std::optional<int64_t>* out, Problem* p);
  bool MapVocab(const char* field, const Row& row, const std::string& fallback,
                std::string* out, Problem* p);
  bool MapVictims(const Row& row, store::Incident* inc, Problem* p);
  bool MapIncident(const Row& row, store::Incident* inc, Problem* p);
  bool MapReport(const Row& row, store::MonitoringReport* rep, Problem* p);
  bool CheckCells(const Row& row, Problem* p);

  MapContext ctx_;
  Row header_;
  std::map<std::string, Bound> bound_;
  std::vector<int> key_cols_;
  int repeat_index_col_ = -1;
  std::vector<std::pair<std::string, int>> present_cols_, severity_cols_;  // (risk, column)
  std::vector<std::pair<int, std::string>> positive_risk_cols_;            // (column, risk)
  std::unordered_map<std::string, geo::Resolution> place_cache_;
  MapStats stats_;
};

// Content hash of a record's normalised fields (source row number excluded).
uint64_t HashIncident(const store::Incident& inc);
uint64_t HashReport(const store::MonitoringReport& rep);

}  // namespace aegis::ingest
