// The release attacker: what an outsider can infer about suppressed counts from everything a safe
// release publishes.
//
// A safe release (the analysis JSON, its HXL, its XLSX export, the Protection Analysis Update)
// publishes, per area, period and risk, counts ("12", "<5", "x" or "withheld"), phases with the
// thresholds that produced them (data/analysis/severity.toml is public), rates beside the
// population, trend flags, and monthly series. Each of them constrains the true counts. The
// attacker reads them back as a Release (what was parsed from the outputs, never the engine's
// structs), writes every constraint they imply over the public P-code hierarchy and the months of
// the periods, and computes for every suppressed count the smallest and largest value it can take
// (linear programming with GLPK; the bounds rounded to whole numbers, since counts are whole).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/severity.h"
#include "analysis/trend.h"
#include "util/status.h"

namespace aegis::analysis {

// One published figure. `pcode` "" is the whole selection (the monthly series of everything).
struct PublishedFigure {
  std::string pcode;
  std::string period;   // "2026-10", "2026-Q4" or "2026"
  std::string risk;     // "*" (all risks) or a risk code
  std::string measure;  // "incidents", "killed", "injured" or "victims"
  std::string text;     // "12", "<5", "x", "withheld" or "" (not published)
  // A "not further located" line: the records placed on `pcode` itself and on none of its
  // sub-areas (for an area without sub-areas in the hierarchy, the area's own figure).
  bool not_further_located = false;
};

// A published phase of one area, period and risk ("*" = the area's overall phase).
struct PublishedPhase {
  std::string pcode, period, risk;
  std::optional<int> phase{};  // nullopt when withheld or not published; 0 = not assessed
  // Per indicator (measure -> phase it reaches), where the output lists the evidence.
  std::vector<std::pair<std::string, int>> evidence{};
  std::optional<int> uncapped{};        // the phase before the convergence cap, where stated
  std::optional<int> organisations{};   // reporting organisations, where published
  std::optional<int64_t> monitoring{};  // monitoring answers, where published (0: none)
};

struct PublishedRate {
  std::string pcode, period, risk;
  double incidents_per_10k = 0;  // over the whole period, as published
};

struct PublishedTrend {
  std::string pcode, period, risk;
  std::string flag;  // "stable", "emerging", ... or "withheld"
};

struct Release {
  int64_t threshold = 5;
  // The public P-code hierarchy (pcode -> parent pcode, "" for a top area): OCHA's lists.
  std::map<std::string, std::string> parent;
  std::map<std::string, int64_t> population;  // as published beside the figures
  std::vector<PublishedFigure> figures;
  std::vector<PublishedPhase> phases;
  std::vector<PublishedRate> rates;
  std::vector<PublishedTrend> trends;
};

struct InferenceOptions {
  SeverityRules rules;  // the published rules file
  TrendOptions trend;
  // The attacker also takes "x" to be at least 1 (the documentation says only positive counts
  // are suppressed).
  bool x_positive = false;
};

struct AttackedCell {
  PublishedFigure figure;
  int64_t min = 0;
  std::optional<int64_t> max;  // nullopt: unbounded
  bool recovered = false;      // min == max: the count is known exactly
  bool narrowed = false;       // an "x" known to be below the threshold (max < threshold)
};

struct InferenceReport {
  int64_t attacked = 0, recovered = 0, narrowed = 0;
  std::vector<AttackedCell> cells;  // every suppressed figure attacked, in release order
  // "attacked N, recovered exactly R, narrowed below the threshold W" and the first recovered
  // cells with their intervals.
  std::string Summary(size_t examples = 5) const;
};

// The counts a phase's evidence (indicator measure -> the phase it reaches) reveals for one area,
// risk and period of `months` months: per count measure ("incidents", "killed", "victims"), the
// whole numbers [lo, hi] its indicators' thresholds leave (hi = INT64_MAX: no upper bound). Rates
// are read with `population` (0: unknown, the rate indicator says nothing).
std::map<std::string, std::pair<int64_t, int64_t>> CountsBehindPhase(
    const SeverityRules& rules, const std::string& risk,
    const std::vector<std::pair<std::string, int>>& evidence, int months, int64_t population);

// Attacks every "<k" and "x" figure of the release. Fails on a figure, phase, rate or trend it
// cannot read (an unknown period or measure), naming it.
Result<InferenceReport> AttackRelease(const Release& release, const InferenceOptions& options);

}  // namespace aegis::analysis
