// The Protection Analysis Update (PAU): one self-contained HTML page per operation and period,
// organised by the four pillars of the GPC Protection Analytical Framework (context, current
// threats, the threats' effects on the population, existing capacities), then the methodology.
//
// The page holds everything inline (CSS, SVG map and charts; no script, no external URL) and
// prints on A4 with a page break before each pillar. Every count is printed through
// Figure::Text, so a safe result (AnalysisResult::safe) shows "<5", "x" or "withheld" and never
// the true value of a suppressed cell; in a safe result the renderer also leaves out the trend
// test's counts, the values behind phase evidence and victim disaggregation, and it orders rows
// by published figures only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.h"

namespace aegis::analysis {

// One cell of the service-gap map (services/gaps.h) as the report prints it in pillar 4
// (existing capacities): figures as the reader may see them.
struct CapacityRow {
  std::string pcode, name, service_type;
  int phase = 0;                // highest phase of the risks the type answers (0 = not assessed)
  std::string phase_risk;       // the risk that sets it
  bool phase_withheld = false;  // a safe output withholds it
  int64_t services = 0, providers = 0;
  std::string
      turned_away;   // referrals closed as "service unavailable", as published ("" = not shown)
  bool gap = false;  // phase 3 or worse with no service, or with referrals turned away
};

struct ReportInput {
  std::string operation;                   // e.g. "South Sudan Protection Cluster"
  const AnalysisResult* result = nullptr;  // rows at one admin level for one period
  // Boundaries as GeoJSON FeatureCollections in WGS84 by admin level (may be empty); features
  // carry the P-code in a property (any property whose value equals a row's P-code).
  std::map<int, std::string> boundaries_geojson;
  // Area centroids (pcode -> lon, lat) for proportional symbols when there are no boundaries.
  std::map<std::string, std::pair<double, double>> centroids;
  std::string generated_at;  // ISO timestamp
  // Pillar 4: the service-gap map at the result's level and period, when the directory was read
  // (capacities_known; an empty map means no directory entry).
  bool capacities_known = false;
  std::vector<CapacityRow> capacities;
};

// The whole page, UTF-8. Never fails: missing data gives a page that says what is missing.
std::string RenderReportHtml(const ReportInput& in);

// The report's phase colours, the one place they are defined: phase 0 = not assessed, 1..5 =
// phases (out-of-range values clamp). `text` is the colour printed on `fill` (contrast >= 4.5).
struct PhaseStyle {
  const char* fill;
  const char* text;
  const char* label;
};
const PhaseStyle& PhaseStyleOf(int phase);

}  // namespace aegis::analysis
