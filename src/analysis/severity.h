// Severity phases (1-5) per area, risk and period from an operation's rules file, and the
// area's overall phase from a configurable rule. Nothing here is hard-coded policy: the
// defaults live in data/analysis/severity.toml, which each operation copies and edits.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::analysis {

// Measures an indicator can use (see severity.toml for their meaning).
extern const std::vector<std::string> kPhaseMeasures;

struct Indicator {
  std::string measure;
  std::array<double, 4> thresholds{};  // lowest value that reaches phases 2, 3, 4 and 5
};

struct SeverityRules {
  std::vector<Indicator> indicators;                       // all risks
  std::map<std::string, std::vector<Indicator>> per_risk;  // replaces `indicators` for a risk
  int min_sources_for_phase4 = 2;    // convergence: phases 4-5 need this many organisations
  std::string overall_rule = "max";  // "max", "nth_highest" or "mean_top"
  int overall_n = 1;                 // n of nth_highest, or how many phases mean_top averages
  std::string file;                  // where the rules came from

  static Result<SeverityRules> Load(const std::string& path);
};

struct PhaseEvidence {
  std::string measure;
  double value = 0;
  int phase = 0;                       // the phase this indicator reaches
  std::array<double, 4> thresholds{};  // the indicator's: lowest value for phases 2, 3, 4, 5
};

struct PhaseDecision {
  int computed = 0;  // from the rules; 0 = not assessed (no incidents and no monitoring answers)
  int final = 0;     // the override's phase where there is one, else computed
  std::vector<PhaseEvidence> evidence;
  std::string cap;  // why the computed phase was capped, if it was
  std::optional<store::SeverityOverride> override;
};

// measures: measure name -> value, only for measures that are known (a rate needs population).
PhaseDecision DecidePhase(const SeverityRules& rules, const std::string& risk,
                          const std::map<std::string, double>& measures, int organisations);

// The area's overall phase from its risks' final phases (0s are ignored); `how` explains it.
int OverallPhase(const SeverityRules& rules, std::vector<int> phases, std::string* how);

// "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", ...
std::string Ordinal(int n);

}  // namespace aegis::analysis
