#include "alert/duplicates.h"

#include <algorithm>
#include <string>

#include "store/record_states.h"

namespace aegis::alert {

namespace {

// `inner` is `outer` or an area under it.
bool Within(const std::string& inner, const std::string& outer, const geo::Gazetteer& g) {
  for (const geo::Area* a = g.Find(inner); a != nullptr; a = g.Find(a->parent_pcode))
    if (a->pcode == outer) return true;
  return false;
}

}  // namespace

bool LikelySameEvent(const store::AlertRecord& a, const store::AlertRecord& b,
                     const geo::Gazetteer& gazetteer, int64_t window_ms) {
  if (a.area_pcode.empty() || b.area_pcode.empty()) return false;
  const int64_t gap =
      a.received_ms > b.received_ms ? a.received_ms - b.received_ms : b.received_ms - a.received_ms;
  if (gap > window_ms) return false;
  const bool shared_risk = std::any_of(a.risks.begin(), a.risks.end(), [&](const std::string& r) {
    return std::find(b.risks.begin(), b.risks.end(), r) != b.risks.end();
  });
  return shared_risk && (Within(a.area_pcode, b.area_pcode, gazetteer) ||
                         Within(b.area_pcode, a.area_pcode, gazetteer));
}

std::vector<int64_t> LikelyDuplicates(const store::AlertRecord& a,
                                      const std::vector<store::AlertRecord>& candidates,
                                      const geo::Gazetteer& gazetteer) {
  std::vector<int64_t> out;
  for (const store::AlertRecord& b : candidates)
    if (b.id != a.id && b.merged_into == 0 && b.status != store::AlertStatus::kClosed &&
        LikelySameEvent(a, b, gazetteer))
      out.push_back(b.id);
  return out;
}

}  // namespace aegis::alert
