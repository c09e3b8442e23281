// RowMapper: turns one source row into an Aegis record, or into a quarantined row with reasons.
//
// Built once per file from a profile and the file's header (and HXL tag row); then Map() runs
// per row. Pure: no I/O, no store access. Not thread-safe (it caches place resolutions).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "geo/gazetteer.h"
#include "ingest/profile.h"
#include "ingest/table.h"
#include "store/records.h"
#include "store/service_store.h"
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
  // aegis profile check: a missing required column is reported (HeaderReport), not an error.
  bool report_only = false;
};

// What a profile finds in a file's header (aegis profile check).
struct HeaderReport {
  std::vector<std::pair<std::string, std::string>> found;  // field -> the columns it reads
  std::vector<std::string> missing;           // required fields and key columns not in the header
  std::vector<std::string> not_found;         // optional fields none of whose columns is there
  std::vector<std::string> unused;            // header columns that nothing in the profile reads
  std::vector<std::string> unmapped_options;  // risk options (0/1 columns, monitoring) -> none
};

// What a row became.
enum class MapOutcome { kIncident, kReport, kService, kQuarantined };

struct MapStats {
  int64_t formula_like_cells = 0;  // text cells that a spreadsheet would execute
  int64_t no_risk = 0;             // context events mapped to no protection risk
  // Monitoring forms: options of the present pattern that map to no risk (not read).
  std::vector<std::string> unmapped_options;
  // Services whose provider is named by its code or acronym only (no name, no type): stored,
  // and reported so that the source can be completed. The first few record numbers.
  int64_t provider_code_only = 0;
  std::vector<int64_t> provider_code_only_rows;
};

// The Aegis fields a profile can map, in the order of KnownFields() (ingest/profile.cc), whose
// names profiles use. RowMapper resolves the names once, in Create(), and then indexes its
// bindings by this enum instead of looking names up for every cell.
enum class Field : uint8_t {
  kDate,
  kDateEnd,
  kCountry,
  kPcode,
  kAdmin1,
  kAdmin2,
  kAdmin3,
  kLocation,
  kLatitude,
  kLongitude,
  kRisks,
  kEventType,
  kSubEventType,
  kCivilianTargeting,
  kActType,
  kPerpetrator,
  kPerpetratorDetail,
  kKilled,
  kInjured,
  kVictims,
  kVictimSex,
  kVictimAge,
  kVictimAgeBand,
  kVictimDisability,
  kVictimDisplacement,
  kOrganisation,
  kSourceType,
  kVerification,
  kSensitivity,
  kConsentShare,
  kConsentReferral,
  kConsentTracing,
  kNarrative,
  kRespondentType,
  kServiceType,
  kProvider,
  kProviderName,
  kProviderType,
  kServiceName,
  kModality,
  kGroupsServed,
  kLanguages,
  kHours,
  kAcceptsReferrals,
  kGbvSpecialised,
  kServiceStatus,
  kAssuredDate,
  kContact,
  kCount  // not a field
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::kCount);

// The profile name of a field ("date", "sub_event_type", ...).
std::string_view FieldName(Field f);

class RowMapper {
 public:
  // Binds profile fields to columns. Fails (for the whole file) when a required column is
  // missing, saying which, what the header has, and whether the separator looks wrong.
  static Result<std::unique_ptr<RowMapper>> Create(const MapContext& ctx, const Row& header,
                                                   const Row& hxl_tags,
                                                   const std::string& file_name);

  // Maps one row. For an incident, *core_hash (if given) receives its content hash without the
  // perpetrator fields, which recognises one event listed once per actor.
  MapOutcome Map(const Row& row, int64_t record_no, store::Incident* inc,
                 store::MonitoringReport* rep, store::Service* svc, store::QuarantinedRow* q,
                 uint64_t* core_hash = nullptr);

  const MapStats& stats() const { return stats_; }
  // What the profile found in the header (aegis profile check).
  HeaderReport Report();
  // Adds the risk answers of a row that map to no risk (select_one / select_multiple values).
  void UnmappedRisks(const Row& row, std::vector<std::string>* out);
  // JSON object of the row ({"column": "value"}), for quarantine and for people.
  std::string RawJson(const Row& row) const;

 private:
  struct Bound {
    std::vector<int> cols;  // candidate column indexes in order (first non-empty wins)
    std::vector<std::pair<int, std::string>> options;  // prefix columns: (index, option)
    const FieldSpec* spec = nullptr;                   // null: the profile does not map it
  };
  struct Problem {
    std::string column, reason, hint;
  };
  // The place cells of a row (trimmed views).
  struct PlaceCells {
    std::string_view country, pcode, admin1, admin2, admin3, location, lat, lon;
    bool names_empty() const {
      return pcode.empty() && admin1.empty() && admin2.empty() && admin3.empty() &&
             location.empty();
    }
    // The place as written: "pcode / admin1 / admin2 / admin3 / location", blanks left out.
    std::string Text() const;
  };
  // A place resolution with what follows from it alone.
  struct ResolvedPlace {
    geo::Resolution r;
    std::string text;                 // PlaceCells::Text()
    const geo::Area* area = nullptr;  // the gazetteer's area of r.pcode
  };
  // Memo tables keyed by cell text; find() takes a string_view, so a hit allocates nothing.
  // The hash is deliberately not noexcept: libstdc++ then stores each key's hash in its node,
  // instead of hashing the keys of a bucket again on every lookup.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  template <typename V>
  using TextMap = std::unordered_map<std::string, V, TextHash, std::equal_to<>>;

  RowMapper(const MapContext& ctx, Row header) : ctx_(ctx), header_(std::move(header)) {}
  Status CheckRepeatedColumns(const std::string& file_name) const;
  std::optional<std::string> OptionOf(std::string_view header, const std::string& pattern) const;
  const taxonomy::Risk* OptionRisk(const std::string& option) const;
  Status BindMonitoring(const std::string& file_name);
  // A date cell, with `hint` set when it is an Excel serial number the profile does not allow.
  DateParse ParseDateCell(std::string_view raw, std::string* hint) const;
  Status Bind(const Row& hxl_tags, const std::string& file_name);
  std::vector<int> FindColumns(const std::string& want, const Row& hxl_tags) const;

  const Bound& bound(Field f) const { return bound_[static_cast<size_t>(f)]; }
  bool IsEmptyValue(std::string_view v) const;
  // The field's first non-empty cell (trimmed), else its fixed value; a view into `row` or the
  // profile. *col gets the column used (or the first candidate) when the field is mapped.
  std::string_view Value(Field f, const Row& row, int* col = nullptr) const;
  std::vector<std::string> Values(Field f, const Row& row) const;
  std::string ColumnName(int col) const;
  // The profile's value for `v` (matched folded), else `v`; valid until the next call.
  std::string_view MapValue(Field f, std::string_view v);

  const ResolvedPlace& CachedPlace(const PlaceCells& c, std::optional<double> lat,
                                   std::optional<double> lon);
  const taxonomy::EventRiskRule* CachedRule(std::string_view event_type,
                                            std::string_view sub_event_type,
                                            std::string_view civilian_targeting);

  bool MapCommon(const Row& row, std::string* key, std::string* date_start, std::string* date_end,
                 store::Placement* place, std::string* country, std::optional<double>* lat,
                 std::optional<double>* lon, Problem* p);
  bool MapDates(const Row& row, std::string* start, std::string* end, Problem* p);
  bool MapPlace(const Row& row, store::Placement* place, std::string* country,
                std::optional<double>* lat, std::optional<double>* lon, Problem* p);
  bool PcodeUnknown(const PlaceCells& c, const geo::Resolution& r) const;
  bool PlaceFallback(const Row& row, const PlaceCells& c, bool has_lat, const ResolvedPlace& rp,
                     store::Placement* place, std::string* country, Problem* p);
  bool MapRisks(const Row& row, std::vector<std::string>* risks, std::string* event_type,
                std::string* act_type, Problem* p);
  bool MapCount(Field f, const Row& row, std::optional<int64_t>* out, Problem* p);
  bool MapVocab(Field f, const Row& row, const std::string& fallback, std::string* out, Problem* p);
  bool MapVictims(const Row& row, store::Incident* inc, Problem* p);
  void VictimsFromJson(std::string_view cell, std::vector<store::VictimGroup>* out) const;
  bool MapIncident(const Row& row, store::Incident* inc, Problem* p);
  bool MapReport(const Row& row, store::MonitoringReport* rep, Problem* p);
  // A service directory entry (profile record = "service"): no date; its areas by P-code (one
  // or several) or by names.
  bool MapService(const Row& row, int64_t record_no, store::Service* svc, Problem* p);
  bool MapServiceAreas(const Row& row, store::Service* svc, Problem* p);
  bool CheckCells(const Row& row, Problem* p);

  MapContext ctx_;
  Row header_;
  std::array<Bound, kFieldCount> bound_;
  std::vector<int> key_cols_;
  int repeat_index_col_ = -1;
  int repeat_json_col_ = -1;  // Kobo JSON: the repeat group inline as a JSON array
  std::vector<std::pair<std::string, int>> present_cols_, severity_cols_;  // (risk, column)
  std::vector<std::pair<int, std::string>> positive_risk_cols_;            // (column, risk)
  std::vector<std::string> missing_;  // report_only: what Bind found missing
  // Caches of pure functions of cell texts: the same places, event types and coded values recur
  // throughout a file. Place results are kept for the whole file (as many as distinct places);
  // the others are bounded.
  TextMap<ResolvedPlace> place_cache_;
  TextMap<const taxonomy::EventRiskRule*> rule_cache_;
  TextMap<std::string> value_cache_;  // by field (one byte) + cell text
  std::string cache_key_;             // reused to build cache keys without allocating
  MapStats stats_;
};

// One person or group of a repeat group (Kobo/ODK victims), from its cells as written.
struct VictimCells {
  std::string_view sex, age, age_band, disability, displacement, count;
};
store::VictimGroup VictimFromCells(const taxonomy::Taxonomy& tax, const VictimCells& c);
// Adds `g` to `groups`, merging it into a group with the same four dimensions.
void AddVictimGroup(std::vector<store::VictimGroup>* groups, const store::VictimGroup& g);

// Content hashes of an incident's normalised fields (source row number excluded). `core`
// leaves out the perpetrator fields; `content` covers everything (it hashes the perpetrator
// fields seeded with `core`), so one pass gives both.
struct IncidentHashes {
  uint64_t core = 0, content = 0;
};
IncidentHashes HashIncidentParts(const store::Incident& inc);
inline uint64_t HashIncident(const store::Incident& inc) { return HashIncidentParts(inc).content; }
uint64_t HashReport(const store::MonitoringReport& rep);
uint64_t HashService(const store::Service& svc);

}  // namespace aegis::ingest
