// Automatic alerts: every area whose analysis flags a risk as escalating (analysis/trend.h) in a
// period becomes an alert of the "analysis" channel, routed like any other. Each has the source
// key "analysis:<period>:<pcode>:<risk>", so running it again (by hand or on a schedule) never
// makes the same alert twice.
#pragma once

#include <string>

#include "alert/service.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"

namespace aegis::alert {

struct FromAnalysisOptions {
  std::string period;          // "2024-03"; "" = the latest month with data
  int level = 2;               // admin level of the areas
  std::string severity_rules;  // data/analysis/severity.toml
  std::string urgency = "medium";
};

struct FromAnalysisResult {
  std::string period;
  int created = 0, already = 0;
};

Result<FromAnalysisResult> AlertsFromAnalysis(store::Store& store, const AlertService& service,
                                              const taxonomy::Taxonomy& taxonomy,
                                              const FromAnalysisOptions& o);

}  // namespace aegis::alert
