// Duplicate alerts of one event (several focal points report the same attack): proposed to the
// person who triages, who merges them (POST /api/v1/alerts/{id}/merge). Two alerts are likely
// the same event when they share a risk, one's area is the other's or lies under it, and they
// arrived within `window_ms` of each other.
#pragma once

#include <cstdint>
#include <vector>

#include "geo/gazetteer.h"
#include "store/alert_records.h"

namespace aegis::alert {

bool LikelySameEvent(const store::AlertRecord& a, const store::AlertRecord& b,
                     const geo::Gazetteer& gazetteer,
                     int64_t window_ms = int64_t{12} * 3600 * 1000);

// The ids of `candidates` likely the same event as `a` (not `a`, not merged, not closed).
std::vector<int64_t> LikelyDuplicates(const store::AlertRecord& a,
                                      const std::vector<store::AlertRecord>& candidates,
                                      const geo::Gazetteer& gazetteer);

}  // namespace aegis::alert
