#include "analysis/severity.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>

namespace aegis::analysis {

const std::vector<std::string> kPhaseMeasures = {
    "incidents",    "incidents_per_10k", "killed", "victims", "reports_present_share",
    "severity_max", "severity_mean",
};

namespace {

Result<std::vector<Indicator>> ReadIndicators(const toml::array* arr, const std::string& where) {
  std::vector<Indicator> out;
  if (!arr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::table* t = arr->get(i)->as_table();
    std::string at = where + " indicator " + std::to_string(i + 1);
    if (!t) return Status::InvalidArgument(at + ": expected a table");
    Indicator ind;
    ind.measure = (*t)["measure"].value_or(std::string());
    if (std::find(kPhaseMeasures.begin(), kPhaseMeasures.end(), ind.measure) ==
        kPhaseMeasures.end()) {
      std::string known;
      for (const auto& m : kPhaseMeasures) known += " " + m;
      return Status::InvalidArgument(at + ": unknown measure '" + ind.measure +
                                     "'; use one of:" + known);
    }
    const toml::array* th = (*t)["thresholds"].as_array();
    if (!th || th->size() != 4)
      return Status::InvalidArgument(at + ": thresholds must list 4 numbers (phases 2 to 5)");
    for (size_t k = 0; k < 4; ++k) {
      std::optional<double> v = th->get(k)->value<double>();
      if (!v)
        return Status::InvalidArgument(at + ": threshold " + std::to_string(k + 1) +
                                       " is not a number");
      ind.thresholds[k] = *v;
      if (k > 0 && ind.thresholds[k] < ind.thresholds[k - 1])
        return Status::InvalidArgument(at + ": thresholds must not decrease");
    }
    out.push_back(ind);
  }
  return out;
}

}  // namespace

Result<SeverityRules> SeverityRules::Load(const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  SeverityRules r;
  r.file = path;
  AEGIS_ASSIGN_OR_RETURN(r.indicators, ReadIndicators(doc["indicator"].as_array(), path));
  if (r.indicators.empty())
    return Status::InvalidArgument(path + ": no [[indicator]]; at least one is needed");
  if (const toml::table* risks = doc["risk"].as_table()) {
    for (const auto& [code, node] : *risks) {
      const toml::table* t = node.as_table();
      std::string where = path + " [risk." + std::string(code.str()) + "]";
      if (!t) return Status::InvalidArgument(where + ": expected a table");
      AEGIS_ASSIGN_OR_RETURN(auto v, ReadIndicators((*t)["indicator"].as_array(), where));
      r.per_risk[std::string(code.str())] = std::move(v);
    }
  }
  r.min_sources_for_phase4 = doc["evidence"]["min_sources_for_phase4"].value_or(2);
  r.overall_rule = doc["overall"]["rule"].value_or(std::string("max"));
  r.overall_n = doc["overall"]["n"].value_or(1);
  if (r.overall_rule != "max" && r.overall_rule != "nth_highest" && r.overall_rule != "mean_top")
    return Status::InvalidArgument(path + ": [overall] rule '" + r.overall_rule +
                                   "': use max, nth_highest or mean_top");
  if (r.overall_n < 1) return Status::InvalidArgument(path + ": [overall] n must be >= 1");
  return r;
}

PhaseDecision DecidePhase(const SeverityRules& rules, const std::string& risk,
                          const std::map<std::string, double>& measures, int organisations) {
  PhaseDecision d;
  auto pr = rules.per_risk.find(risk);
  const std::vector<Indicator>& inds = pr != rules.per_risk.end() ? pr->second : rules.indicators;
  bool any = false;
  int phase = 1;
  for (const Indicator& ind : inds) {
    auto it = measures.find(ind.measure);
    if (it == measures.end()) continue;
    any = true;
    int p = 1;
    for (int k = 0; k < 4; ++k)
      if (it->second >= ind.thresholds[k]) p = k + 2;
    d.evidence.push_back({ind.measure, it->second, p, ind.thresholds});
    phase = std::max(phase, p);
  }
  if (!any) return d;
  if (phase >= 4 && organisations < rules.min_sources_for_phase4) {
    d.cap = "capped at 3: phase " + std::to_string(phase) + " needs " +
            std::to_string(rules.min_sources_for_phase4) + " reporting organisations, " +
            std::to_string(organisations) + " reported";
    phase = 3;
  }
  d.computed = d.final = phase;
  return d;
}

std::string Ordinal(int n) {
  int last_two = n % 100, last = n % 10;
  const char* suffix = last_two >= 11 && last_two <= 13 ? "th"
                       : last == 1                      ? "st"
                       : last == 2                      ? "nd"
                       : last == 3                      ? "rd"
                                                        : "th";
  return std::to_string(n) + suffix;
}

int OverallPhase(const SeverityRules& rules, std::vector<int> phases, std::string* how) {
  phases.erase(std::remove(phases.begin(), phases.end(), 0), phases.end());
  std::sort(phases.rbegin(), phases.rend());
  if (phases.empty()) {
    if (how) *how = "not assessed";
    return 0;
  }
  int n = rules.overall_n;
  int out = phases[0];
  std::string text = "highest risk phase";
  if (rules.overall_rule == "nth_highest") {
    out = phases[std::min<size_t>(phases.size(), static_cast<size_t>(n)) - 1];
    text = Ordinal(n) + " highest risk phase";
    if (static_cast<int>(phases.size()) < n) text += " (fewer risks assessed: the lowest)";
  } else if (rules.overall_rule == "mean_top") {
    size_t k = std::min<size_t>(phases.size(), static_cast<size_t>(n));
    double sum = 0;
    for (size_t i = 0; i < k; ++i) sum += phases[i];
    out = static_cast<int>(std::lround(sum / static_cast<double>(k)));
    text = "mean of the " + std::to_string(k) + " highest risk phases, rounded";
  }
  if (how) *how = text;
  return out;
}

}  // namespace aegis::analysis
