// The protection risk analysis: each area's situation across the 15 risks for a period, with
// trends, severity phases and safe (suppressed) aggregates.
//
// Data flow: Store --LoadFacts--> Facts (compact, columnar, in memory) --Cube::Build--> per
// area x month x risk measures, rolled up the P-code hierarchy --Analyze--> AnalysisResult
// (one period, one admin level) --> table, JSON, HXL CSV, HTML report.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/severity.h"
#include "analysis/suppression.h"
#include "analysis/trend.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"
#include "util/status.h"

namespace aegis::analysis {

// Months are counted as year * 12 + (month - 1).
int MonthIndex(std::string_view iso_date);  // "2024-03-15" or "2024-03" -> index; -1 if invalid
std::string MonthLabel(int month);          // -> "2024-03"

// A period of whole months: "2024-03", "2024-Q1", "2024", or "2024-01..2024-06".
struct Period {
  int first = 0, last = 0;  // month indices, inclusive
  std::string label;
  enum class Kind { kMonth, kQuarter, kYear, kRange } kind = Kind::kMonth;
  int months() const { return last - first + 1; }
  Period Shifted(int periods) const;  // the same length, `periods` periods later (or earlier)
};
Result<Period> ParsePeriod(std::string_view text);
struct Facts;
// What an analysis covers, decided here once for the server, the command line and the alerts
// from analysis: the period asked for (`text`: "2024-03", "2024-Q1", "2024"), or the latest month
// with data when `text` is empty; and the months that hold data, the range to build the cube
// over (outside it every sum is 0, Cube::Sum clamps). NotFound when `facts` holds no placed
// incident or monitoring answer; InvalidArgument for a malformed period.
struct Window {
  Period period;
  int first_month = 0, last_month = 0;
};
Result<Window> AnalysisWindow(std::string_view text, const Facts& facts);

struct AreaNode {
  std::string pcode, name;
  int level = 0;
  int parent = -1;  // index in Facts::areas; -1 for a top area
  int64_t population = 0;
  int population_year = 0;
};

// The vocabularies of the victim disaggregation, in taxonomy order (each ends with "unknown").
struct Dimensions {
  std::vector<std::string> sex, age_band, disability, displacement;
};

// Everything the analysis reads, loaded once from the store.
struct Facts {
  std::vector<AreaNode> areas;
  std::unordered_map<std::string, int> area_index;  // pcode -> index
  std::vector<std::string> risk_codes;              // risk slot 1..N -> code (slot 0 = all)
  std::vector<std::string> risk_labels;
  std::vector<int64_t> organisations;     // organisation slot -> store id
  std::vector<std::string> source_types;  // taxonomy vocabulary "source_type"
  Dimensions dims;
  int min_month = 0, max_month = -1;  // span of the incidents and answers
  // Per area: 1 when a record (incident or monitoring answer) is placed in it or below it. The
  // cube and the safe tables hold these areas only; every figure of the others is 0.
  std::vector<uint8_t> active;
  bool Active(int a) const { return active.empty() || active[static_cast<size_t>(a)] != 0; }

  // Incidents, one entry each; a confirmed duplicate is not an entry (it counts once, as the
  // incident it duplicates), but its organisation counts as a source of that incident.
  std::vector<int32_t> area, month;
  std::vector<uint32_t> risks;  // bit (slot - 1)
  std::vector<int32_t> killed, injured;
  std::vector<int32_t> org;               // organisation slot; -1 = none
  std::vector<uint8_t> source_type;       // index in source_types
  std::vector<uint32_t> extra_org_begin;  // CSR: other organisations (from duplicates)
  std::vector<int32_t> extra_org;
  std::vector<uint32_t> victim_begin;  // CSR into victim_group / victim_count
  std::vector<uint32_t> victim_group;  // packed dimension indices (8 bits each)
  std::vector<int32_t> victim_count;
  int64_t duplicates = 0, unplaced = 0, undated = 0;

  struct Answer {
    int32_t area, month;
    int16_t slot;
    int8_t present;   // 1, 0, -1
    int8_t severity;  // 1..5, 0 = none
    int32_t org;      // organisation slot; -1 = none (a source of evidence too)
  };
  std::vector<Answer> answers;

  size_t incidents() const { return area.size(); }
  size_t MemoryBytes() const;
};

// `classes`: which record classes (store::RecordClass bits, 1 << class) to count; a reader's
// protocol may exclude some even from aggregates. Monitoring answers count when bit 3 is set.
Result<Facts> LoadFacts(store::IncidentStore& incidents, store::AreaStore& areas,
                        const taxonomy::Taxonomy& taxonomy, uint32_t classes = 0xF);
// The same, from one store's incidents and areas.
inline Result<Facts> LoadFacts(store::Store& store, const taxonomy::Taxonomy& taxonomy,
                               uint32_t classes = 0xF) {
  return LoadFacts(store, store, taxonomy, classes);
}

// Measures of one cell (area, month, risk slot). Layout: see Cube::Measure.
class Cube {
 public:
  enum Measure : int {
    kIncidents = 0,
    kKilled,
    kInjured,
    kVictims,
    kReports,         // monitoring answers for the risk
    kReportsPresent,  // ... that report it present
    kSeveritySum,
    kSeverityMax,
    kFixedMeasures,  // then sex, age band, disability, displacement counts
  };
  // Builds measures for every area (all levels) and every month in [first, last].
  // `withheld_risks` (risk bits, see RiskBits): risks left out entirely, for safe outputs: their
  // slots stay 0, and an incident with no other risk counts nowhere, not even in slot 0 (all
  // risks), so that no total shows a withheld risk through.
  static Cube Build(const Facts& facts, int first, int last, uint32_t withheld_risks = 0);
  uint32_t withheld_risks() const { return withheld_; }

  int first() const { return first_; }
  int last() const { return last_; }
  int slots() const { return slots_; }
  int measures() const { return measures_; }
  int DimOffset(int dim) const { return dim_offset_[dim]; }  // 0 sex, 1 age, 2 dis., 3 displ.

  // Which records of an area a figure covers: all of them (the area's total, its sub-areas
  // included), or only those placed on the area itself and on no sub-area, its "not further
  // located" part (for an area without sub-areas, the two are the same).
  enum class Part { kTotal, kNotFurtherLocated };

  // Sum (or max, for kSeverityMax) of a measure over months [m0, m1] (clamped to the cube).
  int64_t Sum(int area, int m0, int m1, int slot, int measure, Part part = Part::kTotal) const;
  // Distinct reporting organisations and source types over months [m0, m1].
  int DistinctOrgs(int area, int m0, int m1, int slot, Part part = Part::kTotal) const;
  uint32_t SourceTypes(int area, int m0, int m1, int slot,
                       Part part = Part::kTotal) const;  // bits: source_types
  size_t MemoryBytes() const {
    return (data_.capacity() + own_data_.capacity()) * sizeof(int32_t) +
           (orgs_.capacity() + own_orgs_.capacity()) * sizeof(uint64_t) +
           (sources_.capacity() + own_sources_.capacity()) * sizeof(uint32_t);
  }
  // Whether the area holds a record or has one below it (else every figure of it is 0).
  bool HasRow(int area) const { return row_[static_cast<size_t>(area)] >= 0; }

 private:
  size_t Index(int row, int month, int slot) const {
    return (static_cast<size_t>(row) * months_ + static_cast<size_t>(month - first_)) * slots_ +
           static_cast<size_t>(slot);
  }
  // The cell index and arrays holding `part` of (area, month, slot).
  struct Block {
    const std::vector<int32_t>* data;
    const std::vector<uint64_t>* orgs;
    const std::vector<uint32_t>* sources;
    int row;  // area row in those arrays
  };
  Block BlockOf(int area, Part part) const;
  size_t Index(const Block& b, int month, int slot) const {
    return (static_cast<size_t>(b.row) * months_ + static_cast<size_t>(month - first_)) * slots_ +
           static_cast<size_t>(slot);
  }
  int first_ = 0, last_ = -1, months_ = 0, slots_ = 0, measures_ = 0, org_words_ = 0;
  uint32_t withheld_ = 0;
  int dim_offset_[4] = {};
  std::vector<int> row_;  // area -> its row in data_, or -1: no record in or below it (all 0)
  std::vector<int32_t> data_;
  std::vector<uint64_t> orgs_;     // org_words_ per cell
  std::vector<uint32_t> sources_;  // one per cell
  // The records placed on an area itself, for areas with sub-areas that hold records only
  // (own_row_[area] >= 0): the same layout, one row per such area.
  std::vector<int> own_row_;
  std::vector<int32_t> own_data_;
  std::vector<uint64_t> own_orgs_;
  std::vector<uint32_t> own_sources_;
};

struct AnalysisConfig {
  SeverityRules rules;
  TrendOptions trend;
  int64_t suppression_threshold = 5;
  // Risks whose figures safe outputs withhold entirely (GBV, CRSV, grave violations).
  std::vector<std::string> withheld_risks = {"GBV", "REC"};
};

// The risk bits (bit slot - 1) of the given risk codes among the facts' risks.
uint32_t RiskBits(const Facts& facts, const std::vector<std::string>& codes);

struct AnalysisRequest {
  int level = 2;  // admin level of the rows
  Period period;
  std::string within;  // only areas under this P-code ("" = all)
  bool safe = false;   // for recipients without access to individual records
};

// One figure as published: exact, or suppressed.
struct Figure {
  int64_t value = 0;
  enum class State : uint8_t { kExact, kSmall, kSuppressed, kWithheld } state = State::kExact;
  std::string Text(int64_t threshold) const;  // "12", "<5", "x", "withheld"
};

struct RiskFigures {
  std::string risk;  // code; "*" = all risks (each incident once)
  std::string label;
  Figure incidents, killed, injured, victims;
  std::map<std::string, int64_t> by_sex, by_age_band, by_disability, by_displacement;
  int organisations = 0;
  std::vector<std::string> source_types;
  int64_t reports = 0, reports_present = 0;
  int severity_max = 0;
  double severity_mean = 0;
  std::optional<double> incidents_per_10k;
  Trend trend;
  PhaseDecision phase;
  // Safe outputs: why a field is not published ("" = published). The phase (with its evidence
  // and computed value) and the trend flag are withheld where they would reveal a suppressed
  // count; organisations and source types where the incidents are not published exactly.
  std::string phase_withheld, trend_withheld;
  bool sources_withheld = false;
};

// An area's overall phase and incidents in another period (the previous one, or the same one a
// year before), exactly as the analysis of that period publishes them to the same reader: a
// withheld phase stays withheld, a suppressed count stays "<5" or "x". Comparisons are made
// between published values only (Compare), so they reveal nothing a reader could not read.
struct PeriodFigures {
  std::string period;
  int overall_phase = 0;
  bool phase_withheld = false;
  Figure incidents;
  // Current minus this period: the phase when both are published; the incidents when both are
  // exact (a suppressed count is never part of a difference).
  std::optional<int> phase_change;
  std::optional<int64_t> incidents_change;
};

struct AreaResult {
  std::string pcode, name, parent_pcode;
  int level = 0;
  int64_t population = 0;
  std::vector<RiskFigures> risks;  // [0] = all risks, then the 15 risks in taxonomy order
  int overall_phase = 0;           // 0 = not assessed
  std::string overall_rule;
  std::string overall_withheld;  // safe outputs: why the overall phase is not published
  std::optional<store::SeverityOverride> overall_override;
  // Filled by Compare: the previous period and the same period a year before.
  std::optional<PeriodFigures> previous_period, last_year;
  // "worse" (the overall phase rose against the previous period), "better", "same", or
  // "unknown" (a phase of either period is withheld); "" before Compare.
  std::string Direction() const;
};

struct AnalysisResult {
  Period period, previous;
  int baseline_periods = 0;
  int level = 0;
  bool safe = false;
  int64_t threshold = 5;
  std::vector<AreaResult> areas;  // ordered by overall phase, then incidents
  // Records placed above `level` (on a country, or on an area with no sub-area at `level`): one
  // "not further located" line per area they are placed on (its pcode, name, level and parent),
  // with the records placed on that area itself and on none of its sub-areas. They also count
  // in that area's total and in every area above it. Counts only: no phase (a phase is an
  // area's, from the records in it), no trend, no rate. Lines with nothing to report are left
  // out; ordered by level, then P-code.
  std::vector<AreaResult> not_further_located;
  // All incidents of the period in the selection that are placed above `level` (the sum of the
  // lines' "all risks" incidents); in safe outputs exact only where every line is, else "x".
  Figure above_level;
  std::vector<std::string> notes;  // what was withheld, excluded or assumed
  // Monthly incidents per risk for the whole selection, for trend charts: months
  // [period.last - 11, period.last].
  std::vector<std::string> months;
  std::map<std::string, std::vector<int64_t>> monthly;  // risk code ("*" = all) -> counts
  std::string ToJson() const;
  std::string ToHxlCsv() const;
};

// The safe-aggregate table of one measure of one risk slot over one calendar year: every area of
// every level that holds a record, a root over the top areas, and each parent's "not further
// located" residual, by
// month (0-11), quarter (12-15) and year (16), with the additive constraints that link them.
// Suppressing it as a whole keeps every query at any level or period from recovering a small
// cell through totals, roll-ups or differences.
struct SafeTable {
  static constexpr int kTimeCells = 17;
  SuppressionProblem problem;
  int root = 0;  // the root's node
  // Per area, its node: -1 for an area with no record in or below it (Cube::HasRow), which is 0
  // in every cell and not in the table.
  std::vector<int> node;
  // Per area, the node of its "not further located" part: its residual, or the area itself when
  // no sub-area of it is in the table; -1 as `node`.
  std::vector<int> not_further_located;
  size_t Cell(int node, int time_cell) const {
    return static_cast<size_t>(node) * kTimeCells + static_cast<size_t>(time_cell);
  }
};
SafeTable BuildSafeTable(const Facts& facts, const Cube& cube, int slot, int measure, int year);

Result<AnalysisResult> Analyze(const Facts& facts, const Cube& cube,
                               const std::vector<store::SeverityOverride>& overrides,
                               const AnalysisConfig& config, const AnalysisRequest& request);

// The same period a year before: 12 months, 4 quarters or 1 year back (a range: 12 months).
Period SamePeriodLastYear(const Period& p);

// Fills each area's previous_period and last_year from analyses of those periods made with the
// same request otherwise (same level, selection and safe rules). Only published values are
// compared; an area missing from one of them is compared with no phase and 0 incidents.
void Compare(AnalysisResult* current, const AnalysisResult& previous,
             const AnalysisResult& last_year);

// The areas of compared analyses (one per admin level, each after Compare) whose direction is
// `direction` ("worse", "better", "same", "unknown"; "all" for every area), as JSON: the
// period, the previous one and the one a year before, the count of each direction, and per
// area its level, published phase and incidents and the two compared periods'. Ordered by
// level, then the largest rise of phase, then phase, then P-code.
std::string ChangesJson(const std::vector<AnalysisResult>& levels, const std::string& direction);

}  // namespace aegis::analysis
