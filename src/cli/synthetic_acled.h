// Synthetic ACLED-format rows for benchmarks and crash tests: the current 31-column layout, on
// real South Sudan state/county/payam names, with invented events. Deterministic per seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::cli {

// Writes `rows` events to `path` (CSV with header). `areas` must hold payams (level 3).
Status WriteSyntheticAcled(const std::string& path, int64_t rows,
                           const std::vector<store::AreaRow>& areas, unsigned seed = 1);

}  // namespace aegis::cli
