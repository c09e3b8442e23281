// The service-gap map: per area and service type, the severity of the risks that type answers
// (the analysis's phases) beside the services that cover the area and the referrals closed there
// as "service unavailable". What no directory or case system shows alone: where people are in
// danger and the help is missing or turning them away.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/analysis.h"
#include "store/area_store.h"
#include "store/referral_store.h"
#include "store/service_store.h"
#include "taxonomy/taxonomy.h"
#include "util/status.h"

namespace aegis::services {

// Which risks each service type answers (data/services/answers.toml).
struct Answers {
  std::map<std::string, std::vector<std::string>> risks;  // service type -> risk codes
  // Reads and checks the file: every key a service type of `taxonomy`, every value a risk code.
  static Result<Answers> Load(const std::string& path, const taxonomy::Taxonomy& taxonomy);
};

// One cell of the map.
struct GapCell {
  std::string pcode, name, service_type;
  // The highest phase (1-5) of the risks the type answers in the period; 0 = not assessed or
  // the type answers none. `phase_withheld`: the reader's safe output withholds it (why).
  int phase = 0;
  std::string phase_risk;  // the risk that sets it
  std::string phase_withheld;
  int64_t services = 0, providers = 0;
  // Referrals placed in the area (or below it) closed as service_unavailable in the period.
  int64_t unavailable = 0;
  // A safe output: there were some, fewer than the threshold, not published (and not counted).
  bool unavailable_small = false;
  // A gap: phase 3 or worse (crisis and above) with no service, or with referrals turned away.
  bool gap = false;
};

// The map for the areas of `analysis` (one level), every service type of `coverage`.
// `unavailable`: per (area of that level, service type), the referrals closed as unavailable.
// Ordered gaps first, then by phase (worst first), area and type.
std::vector<GapCell> GapMap(
    const analysis::AnalysisResult& analysis, const std::vector<store::ServiceCoverage>& coverage,
    const std::map<std::pair<std::string, std::string>, int64_t>& unavailable,
    const Answers& answers);

// What a reader may see of the referrals behind the map.
enum class ReferralCounts {
  kHidden,  // none (the reader sees no referral, even in aggregates): unavailable unknown
  kSafe,    // counts under the analysis's threshold not published (unavailable_small)
  kExact,   // every count
};

// The map for `analysis` from the store: the directory's coverage of the analysis's level (the
// entries `service_scope` may count), and the referrals closed as service_unavailable in the
// analysis's period, each rolled up to the area of that level that holds its area (none when it
// is placed above the level). `referrals` decides what of those counts is used (kSafe for safe
// outputs: a count under the threshold is marked small and neither published nor a gap).
Result<std::vector<GapCell>> BuildGapMap(store::ServiceStore& services,
                                         store::ReferralStore& referrals, store::AreaStore& areas,
                                         const analysis::AnalysisResult& analysis,
                                         const store::AccessScope& service_scope,
                                         ReferralCounts referral_counts, const Answers& answers);

// The map as HXL CSV: #adm+code, #adm+name, #service+type, #severity+phase, #severity+risk,
// #org+count, #service+count, #indicator+referrals+unavailable, #status+gap; a withheld phase
// is "withheld", a small count "<threshold".
std::string GapMapHxl(const std::vector<GapCell>& cells, int64_t threshold);

}  // namespace aegis::services
